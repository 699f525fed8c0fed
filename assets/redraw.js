/* Redrawing the analytic views in the browser while a slider moves.
 *
 * The server computes every number (components/tables.py serves, per view, the figures
 * and tables for a whole slider range); this file only picks the figure of the current
 * slider values, fills in the rows of the finite-N table (the leading order per weight
 * times N, the exact total interpolated linearly in log10 N) and hands the figure to
 * dcc.Graph (Plotly.react, with the figures' own uirevision so zoom and legend clicks
 * stay).  It never evaluates a formula of the theory.  When a table is not loaded yet it
 * returns no_update: the server callbacks draw as before.  When a slider is released the
 * server's own figure replaces the drawn one (exports and links are always exact).
 *
 * While a slider's handle is held, the figures go to the graphs directly (Plotly.react on
 * the graph's own element), not through a Dash callback and dcc.Graph's figure property:
 * a move then costs one Plotly.react and no callback round of the Dash renderer.  The
 * slider's value is read from its handle (aria-valuenow, written by the slider as it
 * moves); a move arriving while a figure is still being drawn is folded into the next
 * drawing (only the latest value is drawn).  A view's plots are drawn one after the
 * other, each painted before the next is drawn, so the first plot does not wait for the
 * others.  A move that changes only the numbers of the figure on screen is drawn in place
 * by plotly's path for a change of axis ranges (drawInPlace below), a third of the cost.
 *
 * The analytic views stay mounted (components/layout.py KEPT_VIEWS).  A click on the tab
 * of a kept view, coming from another kept view, is answered here, in the same frame:
 * the panel is shown and the tab marked selected at once, after its figures were drawn
 * from the tables if the settings changed while it was hidden (its figures otherwise
 * show what they showed); the tab's value reaches Dash (dash_clientside.set_props) once
 * that frame is painted, and the page's callbacks follow as for any tab change.  If the
 * figures are stale and no table is loaded, the click goes to dcc.Tabs as before.
 */
(function () {
  "use strict";

  var VIEW_PLOTS = {
    complexity: ["complexity"],
    layered: ["layered-k", "layered-h"],
    finite: ["finite"],
    activation: ["activation", "pieces", "phi"]
  };
  var ORDER = ["complexity", "layered", "finite", "activation"];
  var bundles = {};   // url -> {state: "pending" | "ready" | "failed", data}
  var queue = [];     // urls waiting to be fetched (one request at a time)
  var busy = false;
  var REST_MS = 3000;  // settings unchanged this long on a non-analytic tab: tables fetched

  function noUpdate() { return window.dash_clientside.no_update; }

  function whenIdle(fn, timeout) {
    // ``fn`` once the browser is idle (at the latest after ``timeout`` ms).
    if (window.requestIdleCallback) { window.requestIdleCallback(fn, {timeout: timeout}); } else { fn(); }
  }

  function triggeredIds() {
    var c = window.dash_clientside.callback_context;
    return (c && c.triggered ? c.triggered : []).map(function (t) { return t.prop_id; });
  }

  // --- tables ----------------------------------------------------------------------

  function decode(item) {
    var bin = atob(item.bdata);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return item.dtype === "f4" ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
  }

  function prepare(json) {
    json.arrays = json.pool.map(decode);
    delete json.pool;
    // Figures that do not change with a drag setting (the activation plot over H, the
    // E-against-H plot over K) become one object, so they are not redrawn while dragging.
    var seen = {};
    Object.keys(json.figures).forEach(function (key) {
      var figs = json.figures[key];
      Object.keys(figs).forEach(function (plot) {
        if (!figs[plot] || !figs[plot].data) { return; }
        var text = plot + JSON.stringify(figs[plot]);
        if (seen[text]) { figs[plot] = seen[text]; } else { seen[text] = figs[plot]; }
      });
    });
    return json;
  }

  var lastDrawn = {};  // plot -> the packed figure the browser drew last

  function pump() {
    if (busy || !queue.length) { return; }
    var url = queue.shift();
    if (bundles[url] && bundles[url].state !== "queued") { pump(); return; }
    busy = true;
    bundles[url] = {state: "pending"};
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (json) {
        bundles[url] = {state: "ready", data: prepare(json)};
        if (live) { window.setTimeout(drawLive, 0); }  // the table a held handle waited for
        else { scheduleAhead(AHEAD_MS, true); }
      })
      .catch(function () { bundles[url] = {state: "failed"}; })
      .then(function () { busy = false; pump(); });
  }

  function request(url, first) {
    if (bundles[url]) { return; }
    bundles[url] = {state: "queued"};
    if (first) { queue.unshift(url); } else { queue.push(url); }
    pump();
  }

  function ready(url) {
    var b = bundles[url];
    return b && b.state === "ready" ? b.data : null;
  }

  function tableUrl(config, view, state, H) {
    // The view's slice of the settings (components/state.py view_slice).
    var keys = config.view_keys[view].concat(config.style_keys);
    if (config.range_views.indexOf(view) >= 0 && state.u_auto === false) {
      keys = keys.concat(["u_min", "u_max"]);
    }
    if (config.units_views.indexOf(view) >= 0 && state.units === "network") {
      keys = keys.concat(config.scale_keys);
    }
    var drag = config.drag_keys[view];
    var params = new URLSearchParams();
    if (drag.indexOf("u_auto") >= 0) { params.set("u_auto", "1"); }
    keys.forEach(function (k) {
      if (k === "H" && drag.indexOf(k) < 0) { params.set("H", String(H)); return; }
      if (drag.indexOf(k) >= 0 || !(k in state) || state[k] === null) { return; }
      if (k === "knots" && state.activation !== "custom") { return; }
      var v = state[k];
      if (typeof v === "boolean") { v = v ? "1" : "0"; }
      params.set(k, String(v));
    });
    params.sort();
    return config.url + view + "?" + params.toString();
  }

  // --- figures ---------------------------------------------------------------------

  function copy(value) {
    if (Array.isArray(value)) { return value.map(copy); }
    if (value && typeof value === "object" && !ArrayBuffer.isView(value)) {
      var out = {};
      Object.keys(value).forEach(function (k) { out[k] = copy(value[k]); });
      return out;
    }
    return value;
  }

  function materialize(bundle, packed) {
    var fig = copy(packed);
    Object.defineProperty(fig, "__source", {value: packed, enumerable: false, configurable: true, writable: true});
    fig.data.forEach(function (trace) {
      ["x", "y"].forEach(function (axis) {
        var v = trace[axis];
        if (v && typeof v === "object" && !ArrayBuffer.isView(v) && "$" in v) {
          trace[axis] = bundle.arrays[v.$];
        }
      });
    });
    var t = fig.layout.template;
    if (t && typeof t === "object" && "$t" in t) { fig.layout.template = copy(bundle.templates[t.$t]); }
    return fig;
  }

  function setRange(fig, scale, window) {
    var f = typeof scale === "number" ? scale : 1;
    var a = f * window[0], b = f * window[1];
    fig.layout.xaxis = fig.layout.xaxis || {};
    fig.layout.xaxis.range = [Math.min(a, b), Math.max(a, b)];
    fig.layout.xaxis.autorange = false;
  }

  function interpolateExact(b, N, total) {
    var L = b.exact_log10_n, x = Math.log10(N), n = L.length;
    if (x < L[0] - 1e-12 || x > L[n - 1] + 1e-12) { return null; }
    var j = 0;
    while (j < n - 2 && L[j + 1] <= x) { j++; }
    var t = (x - L[j]) / (L[j + 1] - L[j]);
    if (Math.abs(t) < 1e-12) { t = 0; }
    if (Math.abs(t - 1) < 1e-12) { t = 1; }
    var c0 = b.arrays[b.exact_correction[j].$], c1 = b.arrays[b.exact_correction[j + 1].$];
    var y = new Float64Array(total.length);
    for (var i = 0; i < y.length; i++) {
      var c = t === 0 ? c0[i] : (t === 1 ? c1[i] : (1 - t) * c0[i] + t * c1[i]);
      y[i] = N * total[i] + c;
    }
    return y;
  }

  function times(N, row) {
    var y = new Float64Array(row.length);
    for (var i = 0; i < y.length; i++) { y[i] = N * row[i]; }
    return y;
  }

  function finiteFigure(b, K, N, window) {
    var fig = materialize(b, b.figures[String(K)]);
    var total = b.arrays[b.lead_total.$];
    var kept = [];
    fig.data.forEach(function (trace) {
      var spec = trace.y;
      if (spec && spec.lead !== undefined) {
        trace.y = times(N, spec.lead === "total" ? total : b.arrays[b.lead[spec.lead].$]);
        kept.push(trace);
      } else if (spec && spec.exact !== undefined) {
        if (N <= b.exact_max_n) {
          var y = interpolateExact(b, N, total);
          if (y) { trace.y = y; kept.push(trace); }
        }
      } else {
        kept.push(trace);
      }
    });
    fig.data = kept;
    // The y axis: what the server's figure does (components/figures.py, finite_figure).
    var f = typeof b.scale === "number" ? b.scale : 1;
    var w0 = Math.min(f * window[0], f * window[1]), w1 = Math.max(f * window[0], f * window[1]);
    var top = -Infinity, bottom = Infinity, any = false;
    kept.forEach(function (trace) {
      var x = trace.x, y = trace.y;
      for (var i = 0; i < y.length; i++) {
        if (x[i] >= w0 && x[i] <= w1 && isFinite(y[i])) {
          any = true;
          if (y[i] > top) { top = y[i]; }
          if (y[i] < bottom) { bottom = y[i]; }
        }
      }
    });
    if (!any) { top = 1; bottom = -1; }
    bottom = top > bottom ? Math.max(bottom, top - Math.max(12, 0.6 * (top - bottom))) : bottom - 1;
    var pad = 0.06 * Math.max(top - bottom, 1);
    fig.layout.yaxis.range = [Math.min(bottom, -1) - pad, Math.max(top, 1) + pad];
    fig.layout.yaxis.title.text = b.y_titles[String(K)].replace("{N}", Math.round(N).toLocaleString("en-US"));
    setRange(fig, b.scale, window);
    return fig;
  }

  var dragging = false;

  function slotted(config, b, plot, fig, K) {
    // ``fig`` (the figure at K) with a slot for every index up to the slider's highest,
    // for a held K handle: the curves and level lines of the indices above K are those of
    // the figure at k_max, empty (one missing point) and transparent, so that every K has
    // the same curves and shapes and a move can be drawn in place with the colours of K
    // written in (drawInPlace).  Their legend entries are hidden (arrangeLegend).  Where
    // index k's curve and line are: config.index_slots (components/views/redraw.py).
    // (only with a legend in rows below the plot, the one arrangeLegend lays out)
    var at = config.index_slots && config.index_slots[plot], kmax = config.k_max;
    if (!fig || !at || typeof K !== "number" || K < 0 || K > kmax) { return fig; }
    if (!fig.layout.legend || fig.layout.legend.orientation !== "h" || fig.layout.showlegend === false) {
      return fig;
    }
    var top = b.figures[String(kmax)], full = top && (top.data ? top : top[plot]);
    if (!full || !full.data || !full.layout) { return fig; }
    var cut = at.traces + K + 1, lines = at.shapes + K + 1, hidden = {};
    var empty = [], clear = [];
    for (var k = K + 1; k <= kmax; k++) {
      var t = copy(full.data[at.traces + k]);
      t.x = new Float64Array([NaN]);
      t.y = new Float64Array([NaN]);
      hidden[cut + empty.length] = true;
      empty.push(t);
      var sh = copy(full.layout.shapes[at.shapes + k]);
      sh.opacity = 0;
      clear.push(sh);
    }
    fig.data = fig.data.slice(0, cut).concat(empty, fig.data.slice(cut));
    var shapes = (fig.layout.shapes || []).map(function (sh, j) {
      return j >= at.shapes && j < lines ? Object.assign({}, sh, {opacity: 1}) : sh;
    });
    fig.layout.shapes = shapes.slice(0, lines).concat(clear, shapes.slice(lines));
    Object.defineProperty(fig, "__slots", {value: {hidden: hidden}, enumerable: false,
                                           configurable: true, writable: true});
    return fig;
  }

  function pick(b, packed, plot) {
    // While a slider moves, a figure already drawn from the same table entry stays.
    if (dragging && lastDrawn[plot] === packed) { return null; }
    return materialize(b, packed);
  }

  function viewFigures(config, view, state, settings) {
    var H = state.H, K = state.K;
    var url = tableUrl(config, view, settings, H);
    var b = ready(url);
    if (!b) { request(url, true); return null; }
    var out = {};
    if (view === "complexity" || view === "layered") {
      var figs = b.figures[String(K)];
      if (!figs) { return null; }
      VIEW_PLOTS[view].forEach(function (p) { out[p] = pick(b, figs[p], p); });
      if (view === "complexity" && state.window) {
        out.complexity = out.complexity || materialize(b, figs.complexity);
        setRange(out.complexity, b.scale, state.window);
      }
    } else if (view === "activation") {
      var byH = b.figures[String(H)];
      if (!byH) { return null; }
      VIEW_PLOTS[view].forEach(function (p) { out[p] = pick(b, byH[p], p); });
    } else if (view === "finite") {
      if (!b.figures[String(K)]) { return null; }
      out.finite = finiteFigure(b, K, state.N, state.window || b.window);
    }
    if (state.slots && inPlace.slots) {
      Object.keys(out).forEach(function (p) { out[p] = slotted(config, b, p, out[p], K); });
    }
    return out;
  }

  var restTimer = null;

  function prefetch(config, settings) {
    ahead.waits = 0;
    scheduleAhead();
    // The visible view at the shown depth, the other analytic views there (tab switches),
    // then the visible view at the other depths, nearest first (dragging H); the other
    // views' other depths once their tab is shown.  A finite-N loss range of one's own is
    // a new table for each depth: only the shown depth then.
    //
    // On a tab that is not an analytic view (the minima view, say) the tables are only for
    // a later tab switch: they are asked for once the settings have rested for REST_MS and
    // the page is idle, so a slider moved there does not share the server with them.
    if (restTimer !== null) { window.clearTimeout(restTimer); restTimer = null; }
    if (ORDER.indexOf(settings.tab) < 0) {
      restTimer = window.setTimeout(function () {
        restTimer = null;
        var text = JSON.stringify(settings);
        var still = function () { return JSON.stringify(current.settings) === text; };
        if (!still()) { return; }  // newer settings rest again
        var go = function () { if (still()) { fetchTables(config, settings); } };
        whenIdle(go, 2000);
      }, REST_MS);
      return;
    }
    fetchTables(config, settings);
  }

  function fetchTables(config, settings) {
    var H = settings.H, lo = config.h_range[0], hi = config.h_range[1];
    var shown = ORDER.indexOf(settings.tab) >= 0 ? [settings.tab] : [];
    var others = ORDER.filter(function (v) { return v !== settings.tab; });
    function depths(view) {
      if (config.drag_keys[view].indexOf("H") >= 0) { return []; }
      if (view === "finite" && settings.u_auto === false) { return []; }
      var out = [];
      for (var d = 1; d <= hi - lo; d++) {
        [H - d, H + d].forEach(function (h) { if (h >= lo && h <= hi) { out.push(h); } });
      }
      return out;
    }
    shown.concat(others).forEach(function (v) { request(tableUrl(config, v, settings, H), false); });
    shown.forEach(function (v) {
      depths(v).forEach(function (h) { request(tableUrl(config, v, settings, h), false); });
    });
  }

  function drawn(view) {
    // Whether the visible view's first figure is on the page.
    var plot = VIEW_PLOTS[view] ? VIEW_PLOTS[view][0] : null;
    var gd = plot ? document.querySelector("#" + plot + "-graph .js-plotly-plot") : null;
    return !plot || Boolean(gd && gd._fullData && gd._fullData.length);
  }

  function loading() {
    // Whether a callback's answer is awaited (dash marks its outputs while it runs).
    return Boolean(document.querySelector('[data-dash-is-loading="true"]'));
  }

  function mountIdle(config) {
    // Mount the kept panels not mounted yet (components/layout.py MOUNTED_WHEN_IDLE): a
    // panel is mounted at its tab's first visit, or here once the page is idle, so that
    // the first visit is as quick as a later one.  Setting an opened one again is no change.
    var set = window.dash_clientside && window.dash_clientside.set_props;
    if (!set || !config.idle_mount) { return; }
    Object.keys(config.idle_mount).forEach(function (view) {
      set(config.idle_mount[view], {value: view});
    });
  }

  function baseState(settings) {
    var state = {H: settings.H, K: settings.K, N: settings.N, window: null};
    if (settings.u_auto === false) { state.window = [settings.u_min, settings.u_max]; }
    return state;
  }

  function withDrag(config, state, slider, values) {
    // ``state`` with the value(s) of the slider being dragged (as the slider shows them).
    var v = values[0];
    if (typeof v !== "number" || !isFinite(v)) { return null; }
    if (slider === config.ids.H) { state.H = v; }
    else if (slider === config.ids.K) { state.K = v; }
    else if (slider === config.ids.N) {
      state.N = Math.min(Math.max(Math.round(Math.pow(10, Math.min(Math.max(v, 0), 7))),
                                  config.n_range[0]), config.n_range[1]);
    } else if (slider === config.ids.U) {
      if (values.length !== 2 || !(values[0] < values[1])) { return null; }
      state.window = [values[0], values[1]];
    } else { return null; }
    return state;
  }

  // --- drawing while a handle is held ------------------------------------------------

  var current = {settings: null, config: null};  // the page's settings, from the callbacks
  var live = null;  // {slider, root, observer, start, snapshot}
  var painting = false, again = false;

  function sliderValues(root) {
    var thumbs = root.querySelectorAll("[role=slider]");
    return Array.prototype.map.call(thumbs, function (t) {
      return parseFloat(t.getAttribute("aria-valuenow"));
    });
  }

  function graphDiv(plot) {
    var host = document.getElementById(current.config.graphs[plot]);
    var gd = host ? host.querySelector(".js-plotly-plot") : null;
    return gd && gd._fullLayout ? gd : null;
  }

  function note(text) {
    // The last few reasons a move was not drawn (shown by the browser tests on failure).
    var log = window.__redrawLog = window.__redrawLog || [];
    log.push(text);
    if (log.length > 20) { log.shift(); }
  }

  function steady(gd, fig) {
    // What a figure drawn while a handle is held leaves out, so that a move costs one
    // drawing of the curves and axes and little else:
    // - the plot area keeps its place: the margins plotly worked out for the figure on
    //   screen are kept and nothing moves them (no autoexpand, no automargin), so tick
    //   labels of another width cost no second layout pass (and the plot does not shift
    //   under the hand);
    // - the text annotations (the level labels) are left out: placing text is a third of
    //   a drawing, and the release's exact figure brings them back;
    // - the legend is not drawn again when the held handle changes no curve's colour or
    //   style and no name's markup (H changes the digits of the names, K adds a curve):
    //   the legend on screen stays as a picture with the new names written into it
    //   (keepLegend) until the next figure that is not a held handle's is drawn.
    var full = gd._fullLayout, size = full && full._size;
    if (!size || !fig.layout) { return fig; }
    var layout = fig.layout;
    // (once a held handle's figure is on screen, its margins stay for the whole drag)
    var m = gd.__liveKey && gd.layout && gd.layout.margin ? gd.layout.margin : size;
    layout.margin = Object.assign({}, layout.margin || {}, {l: m.l, r: m.r, t: m.t, b: m.b,
                                                             autoexpand: false});
    Object.keys(full).forEach(function (k) {
      if (/^[xy]axis[0-9]*$/.test(k)) {
        layout[k] = Object.assign({}, layout[k] || {}, {automargin: false});
      }
    });
    layout.annotations = [];
    if (fig.__slots) {
      dropLegend(gd);  // (a held K handle's legend is plotly's, arranged by arrangeLegend)
    } else if (inPlace.legend && keepLegend(gd, fig)) {
      layout.showlegend = false;
    } else {
      dropLegend(gd);
    }
    return fig;
  }

  function legendStyle(data) {
    // What a legend shows of each curve, its name apart.
    return (data || []).map(function (t) {
      return [t.showlegend, t.legendgroup, t.line && t.line.color, t.line && t.line.dash,
              t.mode, t.visible, t.type].map(String).join("|");
    });
  }

  function runs(name) {
    // The text runs of a curve's name, its markup (<sub> and the like) left out.
    return String(name === undefined || name === null ? "" : name)
      .split(/<[^>]*>/).filter(function (r) { return r !== ""; });
  }

  function tags(markup) {
    return (String(markup === undefined || markup === null ? "" : markup).match(/<[^>]*>/g) || []).join("");
  }

  function rewrite(el, before, after, edits) {
    // The edits that turn the text of ``el`` (drawn from the markup ``before``) into that
    // of the markup ``after``, pushed onto ``edits``: only where both have the same runs of
    // text around the same markup, else false.
    var was = runs(before), now = runs(after);
    var leaves = [], walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      if (walk.currentNode.nodeValue.replace(/\u200b/g, "") !== "") { leaves.push(walk.currentNode); }
    }
    if (now.length !== was.length || leaves.length !== was.length ||
        tags(before) !== tags(after) ||
        leaves.some(function (t, k) { return t.nodeValue !== was[k]; })) { return false; }
    leaves.forEach(function (t, k) { edits.push([t, now[k]]); });
    if (el.hasAttribute("data-unformatted")) { edits.push([el, String(after)]); }
    return true;
  }

  function apply(edits) {
    // Text nodes get their new text; an element (plotly's record of the markup it drew,
    // data-unformatted) its new markup.
    edits.forEach(function (e) {
      if (e[0].nodeType === 1) { e[0].setAttribute("data-unformatted", e[1]); }
      else if (e[0].nodeValue !== e[1]) { e[0].nodeValue = e[1]; }
    });
  }

  function relabel(copy, names, data) {
    // Write the names of ``data`` into the kept legend, which shows ``names``: only where
    // every entry is found and keeps its markup (the same runs of text); else false and
    // nothing changed.
    var edits = [], used = {}, ok = true;
    Array.prototype.forEach.call(copy.querySelectorAll("text.legendtext"), function (el) {
      if (!ok) { return; }
      var shown = el.textContent.replace(/\u200b/g, "");
      var j = names.findIndex(function (n, i) { return !used[i] && runs(n).join("") === shown; });
      if (j < 0) { ok = false; return; }
      used[j] = true;
      if (!rewrite(el, names[j], data[j].name, edits)) { ok = false; }
    });
    if (!ok) { return false; }
    apply(edits);
    return true;
  }

  function keepLegend(gd, fig) {
    // The legend on screen, kept as a copy in the plot's top layer while a handle is
    // held, where plotly does not look (to plotly it is not a legend: no clicks; hidden
    // from assistive technology), with the names of ``fig``'s curves written into it.
    // False (draw the legend) when ``fig``'s legend would show other curves or styles.
    if (!fig.data || fig.layout.showlegend === false) { return false; }
    var copy = gd.__keptLegend && gd.__keptLegend.parentNode ? gd.__keptLegend : null;
    if (!copy) {
      var full = gd._fullLayout;
      var top = full && full._toppaper && full._toppaper.node ? full._toppaper.node() : null;
      var legend = gd.querySelector(".infolayer > g.legend");
      if (!top || !legend || !full.showlegend || !gd.data) { return false; }
      if (legend.__slotData === gd.data) { return false; }  // arranged (arrangeLegend)
      copy = legend.cloneNode(true);
      copy.setAttribute("class", "live-legend");
      copy.setAttribute("aria-hidden", "true");
      copy.setAttribute("pointer-events", "none");
      top.appendChild(copy);
      gd.__keptLegend = copy;
      gd.__keptStyle = legendStyle(gd.data).join("\n");
      gd.__keptNames = gd.data.map(function (t) { return t.name; });
    }
    if (legendStyle(fig.data).join("\n") !== gd.__keptStyle ||
        !relabel(copy, gd.__keptNames, fig.data)) { return false; }
    gd.__keptNames = fig.data.map(function (t) { return t.name; });
    return true;
  }

  function dropLegend(gd) {
    if (gd.__keptLegend) {
      if (gd.__keptLegend.parentNode) { gd.__keptLegend.parentNode.removeChild(gd.__keptLegend); }
      gd.__keptLegend = null;
    }
  }

  // --- a held handle's move drawn in place ---------------------------------------------
  //
  // Most moves of a held handle change only the numbers a figure shows: the curves' values,
  // the axes' ranges, where the level lines stand, the digits of a title. Such a move is
  // drawn by plotly's own path for a change of axis ranges (Plotly.relayout of the ranges:
  // no new defaults, no new layout, the curves drawn again from their points), after the
  // new points are put where plotly keeps them (the trace's points, as plotly's scatter
  // calc makes them: {x, y}, both undefined where a value is missing). It costs a third of
  // a Plotly.react. Anything else (another number of curves or level lines, another
  // style, an axis without a stated range, a legend to draw) goes to Plotly.react.

  var COORDS = ["x0", "x1", "y0", "y1"];

  function sorted(v) {
    // A plain object with its keys in order (the same layout, written in another order,
    // is the same picture).
    if (!v || typeof v !== "object" || Array.isArray(v) || ArrayBuffer.isView(v)) { return v; }
    var out = {};
    Object.keys(v).sort().forEach(function (k) { out[k] = v[k]; });
    return out;
  }

  function liveKey(fig) {
    // What a figure shows apart from what a move may change in place (with slots for
    // every index, slotted above: also the colours of the curves and level lines and
    // which lines are shown; markers coloured point by point: those colours).
    var slots = Boolean(fig.__slots);
    var layout = JSON.stringify(fig.layout, function (k, v) {
      if (k === "range" || k === "autorange" || k === "annotations" || k === "meta") { return undefined; }
      if (k === "shapes" && Array.isArray(v)) {
        return v.map(function (sh) {
          var o = Object.assign({}, sh);
          COORDS.forEach(function (c) { delete o[c]; });
          if (slots) { delete o.opacity; o.line = Object.assign({}, o.line, {color: null}); }
          return o;
        });
      }
      if (k === "title") { v = v && typeof v === "object" ? Object.assign({}, v, {text: null}) : null; }
      return sorted(v);
    });
    var data = JSON.stringify(fig.data, function (k, v) {
      if (k === "x" || k === "y" || k === "name" || k === "customdata" || k === "hovertemplate" ||
          k === "text" || k === "meta" || (slots && k === "color")) { return undefined; }
      if (k === "color" && Array.isArray(v)) { return "per point"; }  // written into the points
      return v;
    });
    return (slots ? "slots\n" : "") + layout + "\n" + data;
  }

  function titles(fig) {
    // The title texts of a figure, by where plotly draws them.
    var out = {}, layout = fig.layout || {};
    var text = function (t) { return t && typeof t === "object" ? t.text : t; };
    out.gtitle = text(layout.title);
    Object.keys(layout).forEach(function (k) {
      var m = /^([xy])axis([0-9]*)$/.exec(k);
      if (m && layout[k]) { out[m[1] + m[2] + "title"] = text(layout[k].title); }
    });
    return out;
  }

  function statedRanges(fig) {
    // The axis ranges a figure states (assets/uistate.js, loaded with the page).
    return window.__uistate.stated(fig.layout);
  }

  function pointColors(t) {
    // A trace's marker colours, one per point (plain colours, no colour scale), or null.
    var c = t.marker && t.marker.color;
    return Array.isArray(c) && !t.marker.colorscale &&
      c.every(function (v) { return typeof v === "string"; }) ? c : null;
  }

  function plainTraces(data) {
    // Only curves whose points are all plotly draws of them (no text, no per-point styles
    // but plain marker colours, which are written into the points).
    return data.every(function (t) {
      var mode = t.mode || "lines";
      var colors = t.marker && Array.isArray(t.marker.color) ? pointColors(t) : true;
      return (t.type === undefined || t.type === "scatter") && !/text/.test(mode) &&
        !(t.marker && Array.isArray(t.marker.size)) && colors &&
        t.x && t.y && typeof t.x.length === "number" && typeof t.y.length === "number" &&
        !t.stackgroup && !t.xperiodalignment && !t.yperiodalignment && t.visible !== false;
    });
  }

  function setPoints(cd, x, y, n, colors) {
    // The points of a scatter trace as plotly's calc makes them, written into ``cd``
    // (with ``colors``, each point's marker colour, as plotly's calc keeps it: mc).
    var head = cd[0];
    cd.length = n;
    for (var i = 0; i < n; i++) {
      var xv = x[i], yv = y[i];
      cd[i] = (typeof xv === "number" && isFinite(xv) && typeof yv === "number" && isFinite(yv)) ?
        {x: xv, y: yv} : {x: undefined, y: undefined};
    }
    Object.keys(head).forEach(function (k) { if (k !== "x" && k !== "y") { cd[0][k] = head[k]; } });
    if (colors) {
      for (var j = 0; j < n; j++) { cd[j].mc = colors[j]; delete cd[j].mcc; }
    }
  }

  var inPlace = {on: true, slots: true, legend: true, drawn: 0, reacted: 0};  // counts for tests and benchmarks

  function labelEdges(gd) {
    // For each y axis with a title: where its tick labels end on the title's side, and
    // the title's element (plotly places the title that far from its labels).
    var full = gd._fullLayout, svg = gd.querySelector(".main-svg"), out = [];
    if (!full || !svg) { return out; }
    var left = svg.getBoundingClientRect().left;
    Object.keys(full).forEach(function (k) {
      if (!/^yaxis[0-9]*$/.test(k) || !full[k] || !full[k]._id) { return; }
      var id = full[k]._id, title = gd.querySelector(".infolayer text." + id + "title");
      var labels = gd.querySelectorAll(".yaxislayer-above ." + id + "tick text");
      if (!title || !labels.length) { return; }
      var right = full[k].side === "right", edge = right ? -Infinity : Infinity;
      Array.prototype.forEach.call(labels, function (t) {
        var r = t.getBoundingClientRect();
        if (r.width > 0) { edge = right ? Math.max(edge, r.right - left) : Math.min(edge, r.left - left); }
      });
      if (isFinite(edge)) { out.push({id: id, title: title, edge: edge}); }
    });
    return out;
  }

  function titleGaps(gd) {
    // The distance of each y title from its tick labels, as plotly drew them.
    var gaps = {};
    labelEdges(gd).forEach(function (e) {
      var x = parseFloat(e.title.getAttribute("x"));
      if (isFinite(x)) { gaps[e.id] = x - e.edge; }
    });
    return gaps;
  }

  function placeTitles(gd, gaps) {
    // The y titles at their distance from the tick labels drawn in place (plotly's range
    // path draws the ticks, not the titles, whose place depends on the labels' width).
    labelEdges(gd).forEach(function (e) {
      if (gaps[e.id] === undefined) { return; }
      var x = e.edge + gaps[e.id];
      e.title.setAttribute("x", x);
      var tr = e.title.getAttribute("transform") || "";
      e.title.setAttribute("transform", tr.replace(/rotate\(([-0-9.e]+),[^,]+,/, "rotate($1," + x + ","));
      Array.prototype.forEach.call(e.title.querySelectorAll("tspan[x]"), function (t) {
        t.setAttribute("x", x);
      });
    });
  }

  function no(why, a, b) {
    // Not drawn in place: why (for the browser tests' failure messages).
    if (a !== undefined && b !== undefined) {
      var i = 0;
      while (i < a.length && a.charAt(i) === b.charAt(i)) { i++; }
      why += " at " + i + ": " + JSON.stringify(a.slice(Math.max(0, i - 30), i + 60)) + " / " +
        JSON.stringify(b.slice(Math.max(0, i - 30), i + 60));
    }
    note("not in place: " + why);
    return false;
  }

  function translation(el) {
    var m = /translate\(\s*([-0-9.e]+)[\s,]+([-0-9.e]+)\s*\)/.exec(el.getAttribute("transform") || "");
    return m ? [parseFloat(m[1]), parseFloat(m[2])] : [0, 0];
  }

  var ITEM_GAP = 5;  // plotly's gap between legend entries (px; legend/constants.js)

  function flow(items, legend) {
    // Where plotly's horizontal legend puts entries of the given text sizes, relative to
    // the first: a row while they fit in one, else a grid with columns as wide as the
    // widest entry, a new row where the next would pass the legend's greatest width.
    var gap = legend.itemwidth + 2 * ITEM_GAP, bw = legend.borderwidth || 0, most = legend._maxWidth;
    var widest = 0, sum = 0;
    items.forEach(function (it) { widest = Math.max(widest, gap + it.w); sum += gap + it.w; });
    var oneRow = sum + 2 * bw + ITEM_GAP * (items.length - 1) < most;
    var x = 0, y = 0, rowHeight = 0, rowWidth = 0, widestRow = 0;
    var at = items.map(function (it) {
      var w = gap + it.w, next = (oneRow ? w : widest) + ITEM_GAP;
      if (next + bw + x - ITEM_GAP >= most) {
        widestRow = Math.max(widestRow, rowWidth);
        x = 0; y += rowHeight; rowHeight = 0;
      }
      var place = [x, y];
      rowHeight = Math.max(rowHeight, it.h);
      rowWidth = x + w + ITEM_GAP;
      x += next;
      return place;
    });
    return {at: at, width: Math.max(widestRow, rowWidth), height: y + rowHeight};
  }

  function whole(px) {
    // plotly sizes a legend's box in whole pixels, rounded up
    return Math.ceil(px - 1e-6);
  }

  function arrangeLegend(gd, slots) {
    // Plotly's legend of a figure with index slots (slotted above: a legend in rows) shows
    // an entry for every slot.  Those of the hidden slots are taken out; the others are
    // placed where plotly places the entries of the figure without the hidden slots, by
    // plotly's rule (flow), measured from where plotly put the first entry, each with its
    // curve's colour.  The box takes the size of the entries shown and keeps its
    // anchored side.
    var legend = gd.querySelector(".infolayer > g.legend"), fd = gd._fullData;
    var options = gd._fullLayout.legend;
    if (!legend || !fd || !options) { return; }
    if (!gd.__slotHook) {
      // A new figure's legend is drawn anew by plotly, every entry in it.
      gd.__slotHook = true;
      gd.on("plotly_afterplot", function () {
        var l = gd.querySelector(".infolayer > g.legend");
        if (l && l.__slotData !== gd.data) { l.__slotPlaces = null; l.__slotAway = null; }
      });
    }
    // the entries in order of their curves: those on the page and those taken out
    var away = legend.__slotAway || {};
    var index = function (el) {
      var d = el.__data__, t = d && d[0] && d[0].trace;
      return t ? t.index : -1;
    };
    var entries = Array.prototype.slice.call(legend.querySelectorAll("g.traces"));
    Object.keys(away).forEach(function (j) { entries.push(away[j]); });
    entries.sort(function (a, b) { return index(a) - index(b); });
    if (!entries.length) { return; }
    var bg = legend.querySelector("rect.bg");
    var size = function (el) {
      // an entry's text size as plotly measured it (its datum), else as drawn
      var d = el.__data__ && el.__data__[0], w = d ? d.width : undefined, h = d ? d.height : undefined;
      if (typeof w !== "number" || !isFinite(w) || typeof h !== "number" || !isFinite(h)) {
        var box = el.getBBox();
        w = box.width - options.itemwidth - 2 * ITEM_GAP;
        h = box.height;
      }
      return {w: w, h: h};
    };
    if (options.orientation !== "h" || !isFinite(options._maxWidth)) { return; }
    var places = legend.__slotPlaces;
    if (!places || places.count !== entries.length) {
      var laid = flow(entries.map(size), options);
      var box = bg ? [parseFloat(bg.getAttribute("width")), parseFloat(bg.getAttribute("height"))] : null;
      var xtitle = gd.querySelector(".infolayer > g.g-xtitle");
      places = legend.__slotPlaces = {
        count: entries.length, first: translation(entries[0]), legend: translation(legend), box: box,
        // how far plotly moved the x title up, out of the legend's way
        lift: xtitle ? translation(xtitle)[1] : 0,
        // the box beyond the entries' extent (a border, a margin, a title)
        past: box ? [box[0] - whole(laid.width), box[1] - whole(laid.height)] : null
      };
    }
    // A hidden entry is taken out of the page (kept aside to be put back when its slot is
    // shown again): plotly's next drawing of the legend then draws it anew.
    var shown = [], colours = [];
    entries.forEach(function (el) {
      var j = index(el);
      if (slots.hidden[j]) {
        if (el.parentNode) { el.parentNode.removeChild(el); }
        away[j] = el;
        return;
      }
      if (away[j]) {
        var after = shown.length ? shown[shown.length - 1] : null;
        var parent = after ? after.parentNode : legend.querySelector("g.traces") ?
          legend.querySelector("g.traces").parentNode : null;
        if (!parent) { return; }
        parent.insertBefore(el, after ? after.nextSibling : parent.firstChild);
        delete away[j];
      }
      shown.push(el);
      colours.push(fd[j] && fd[j].line ? fd[j].line.color : null);
    });
    legend.__slotAway = away;
    legend.__slotData = gd.data;
    if (!shown.length) { return; }
    var now = flow(shown.map(size), options), origin = places.first;
    shown.forEach(function (el, i) {
      el.setAttribute("transform", "translate(" + (origin[0] + now.at[i][0]) + "," +
                      (origin[1] + now.at[i][1]) + ")");
      var line = el.querySelector("path.js-line");
      if (line && colours[i]) { line.style.stroke = colours[i]; }
    });
    if (!bg || !places.box) { return; }
    var width = whole(now.width) + places.past[0], height = whole(now.height) + places.past[1];
    bg.setAttribute("width", width);
    bg.setAttribute("height", height);
    // the entries are clipped to the box (plotly's clip path of the legend's scroll box,
    // as big as the box unless the legend scrolls)
    var scroll = legend.querySelector("g.scrollbox");
    var ref = scroll ? /#([^)"']+)/.exec(scroll.getAttribute("clip-path") || "") : null;
    var clip = ref ? document.getElementById(ref[1]) : null;
    clip = clip ? clip.querySelector("rect") : null;
    if (clip) {
      if (!places.clip) {
        places.clip = [parseFloat(clip.getAttribute("width")), parseFloat(clip.getAttribute("height"))];
      }
      clip.setAttribute("width", Math.max(places.clip[0] + width - places.box[0], 0));
      clip.setAttribute("height", Math.max(places.clip[1] + height - places.box[1], 0));
    }
    var dy = places.box[1] - height;
    var shift = options.yanchor === "bottom" ? dy : (options.yanchor === "middle" ? dy / 2 : 0);
    legend.setAttribute("transform", "translate(" + places.legend[0] + "," + (places.legend[1] + shift) + ")");
    // the x title, which plotly lifted out of the way of the legend of every slot, lifted
    // only as far as the legend shown needs (its top moved down by ``shift``)
    var title = gd.querySelector(".infolayer > g.g-xtitle");
    if (title && places.lift < 0) {
      title.setAttribute("transform", "translate(0," + Math.min(0, places.lift + shift) + ")");
    }
  }

  function drawInPlace(gd, fig) {
    // Draw ``fig`` over the live figure on ``gd`` by plotly's range path; false (nothing
    // changed) when it is not the same picture but for the numbers.
    if (!inPlace.on) { return false; }
    var was = gd.__liveKey, full = gd._fullLayout, cd = gd.calcdata, fd = gd._fullData;
    if (!was || !full || !cd || !fd || !gd.layout || !window.Plotly.relayout) { return false; }
    if (gd.__comparePinned) { return no("pinned curves (assets/compare.js)"); }
    var key = liveKey(fig);
    if (key !== was.key) { return no("another picture", was.key, key); }
    if (!plainTraces(fig.data)) { return no("not plain curves"); }
    var n = fig.data.length;
    if (cd.length !== n || fd.length !== n || gd.data.length !== n) { return no("curves"); }
    for (var i = 0; i < n; i++) {
      if (fd[i].index !== i || !cd[i] || !cd[i][0] ||
          Math.min(fig.data[i].x.length, fig.data[i].y.length) < 1) { return no("points of " + i); }
    }
    var ranges = {}, ok = true, zoomed = false;
    Object.keys(full).forEach(function (k) {
      if (!/^[xy]axis[0-9]*$/.test(k)) { return; }
      // A zoom or pan by hand that stays (assets/uistate.js) goes through Plotly.react.
      var shown = full[k].range, had = was.ranges[k];
      if (!had || !shown || shown[0] !== had[0] || shown[1] !== had[1]) { zoomed = true; }
      var type = full[k].type, want = fig.layout[k] && fig.layout[k].range;
      if ((type !== "linear" && type !== "log") || !Array.isArray(want) || want.length !== 2 ||
          !isFinite(want[0]) || !isFinite(want[1]) || want[0] === want[1]) { ok = false; return; }
      ranges[k + ".range"] = [want[0], want[1]];
    });
    if (zoomed) { return no("zoomed by hand"); }
    if (!ok) { return no("an axis without a range"); }
    var now = titles(fig), edits = [];
    Object.keys(now).forEach(function (cls) {
      if (!ok || now[cls] === was.titles[cls]) { return; }
      var el = gd.querySelector(".infolayer text." + cls);
      if (!el || !rewrite(el, was.titles[cls], now[cls], edits)) { ok = false; }
    });
    if (!ok) { return no("a title of other markup"); }
    // From here on the live figure on gd becomes ``fig``.
    apply(edits);
    Object.keys(now).forEach(function (cls) {
      if (now[cls] === was.titles[cls]) { return; }
      var k = cls === "gtitle" ? null : cls.charAt(0) + "axis" + cls.slice(1, -5);
      [gd.layout, full].forEach(function (l) {
        var owner = k ? l[k] : l;
        if (owner && owner.title && typeof owner.title === "object") { owner.title.text = now[cls]; }
      });
    });
    var slots = fig.__slots;
    fig.data.forEach(function (t, j) {
      var m = Math.min(t.x.length, t.y.length);
      gd.data[j].x = t.x; gd.data[j].y = t.y; gd.data[j].name = t.name;
      fd[j].x = t.x; fd[j].y = t.y; fd[j].name = t.name; fd[j]._length = m;
      var colors = pointColors(t);
      setPoints(cd[j], t.x, t.y, m, colors);
      if (colors && fd[j].marker) {
        gd.data[j].marker = Object.assign({}, gd.data[j].marker, {color: colors});
        fd[j].marker.color = colors;
      }
      if (slots && t.line && fd[j].line && t.line.color !== undefined) {
        gd.data[j].line = Object.assign({}, gd.data[j].line, {color: t.line.color});
        fd[j].line.color = t.line.color;
      }
    });
    (fig.layout.shapes || []).forEach(function (sh, j) {
      [gd.layout.shapes && gd.layout.shapes[j], full.shapes && full.shapes[j]].forEach(function (o, i) {
        if (!o) { return; }
        COORDS.forEach(function (c) { if (sh[c] !== undefined) { o[c] = sh[c]; } });
        if (slots) {
          o.opacity = sh.opacity === undefined ? 1 : sh.opacity;
          if (sh.line && sh.line.color !== undefined) {
            if (i === 0) { o.line = Object.assign({}, o.line, {color: sh.line.color}); }
            else if (o.line) { o.line.color = sh.line.color; }
          }
        }
      });
    });
    gd.layout.meta = fig.layout.meta;
    was.titles = now;
    was.ranges = statedRanges(fig);
    gd.__liveData = gd.data;
    // The ranges are the figure's own: dcc.Graph is not told of a relayout (its
    // relayoutData would be a zoom nobody made).
    var heard = gd._ev && gd._ev.listeners ? gd._ev.listeners("plotly_relayout") : [];
    gd.removeAllListeners("plotly_relayout");
    var hearAgain = function () {
      if (gd._ev && gd._ev.listeners("plotly_relayout").length === 0) {
        heard.forEach(function (h) { gd.on("plotly_relayout", h); });
      }
    };
    Promise.resolve(window.Plotly.relayout(gd, ranges)).then(hearAgain, hearAgain);
    if (was.gaps) { placeTitles(gd, was.gaps); }
    if (slots) { arrangeLegend(gd, slots); }
    inPlace.drawn += 1;
    return true;
  }

  function drawLive() {
    if (!live) { return; }
    if (painting) { again = true; return; }
    var config = current.config, settings = current.settings;
    var view = settings.tab;
    var state = withDrag(config, baseState(settings), live.slider, sliderValues(live.root));
    if (state) { state.slots = live.slider === config.ids.K; }
    var figs = null;
    if (state && VIEW_PLOTS[view]) {
      dragging = true;
      try { figs = viewFigures(config, view, state, settings); } catch (e) { note(String(e)); figs = null; }
    }
    if (!figs) { note("no table for " + view + " " + JSON.stringify(state)); return; }
    // One plot after the other, each on the screen before the next is drawn: the first
    // plot of a view (the one the slider is about) does not wait for the others.
    var order = Object.keys(figs).filter(function (p) { return figs[p] && graphDiv(p); });
    if (!order.length) { return; }
    painting = true;
    var finish = function () {
      painting = false;
      if (again) { again = false; drawLive(); }
    };
    var drawOne = function (i) {
      var p = order[i], gd = live ? graphDiv(p) : null;
      if (!gd) { finish(); return; }
      if (!live.snapshot[p]) { live.snapshot[p] = {data: gd.data, layout: gd.layout}; }
      if (!gd.__liveHooked) {
        // A figure drawn by someone else while the handle is held (the server's answer
        // to an earlier release, arriving late) is replaced by the live one again.
        gd.__liveHooked = true;
        gd.on("plotly_afterplot", function () {
          if (gd.data !== gd.__liveData) { dropLegend(gd); gd.__liveKey = null; }  // another figure
          if (live && gd.__liveData && gd.data !== gd.__liveData) {
            gd.__liveData = null;
            lastDrawn[p] = null;
            window.setTimeout(drawLive, 0);
          }
        });
      }
      lastDrawn[p] = figs[p].__source || null;
      var next = function () {
        if (i + 1 >= order.length) { finish(); return; }
        window.requestAnimationFrame(function () {
          window.setTimeout(function () { drawOne(i + 1); }, 0);
        });
      };
      var drawing = drawHeld(gd, figs[p]);
      if (drawing) { drawing.then(next); } else { next(); }
    };
    drawOne(0);
  }

  function drawHeld(gd, fig) {
    // Draw a held handle's figure: in place when it can be, else by Plotly.react (then a
    // promise of the drawing).
    delete fig.__source;
    fig = steady(gd, fig);
    var quick = false;
    try { quick = drawInPlace(gd, fig); } catch (e) { note("in place: " + e); quick = false; }
    if (quick) { return null; }
    inPlace.reacted += 1;
    gd.__liveData = fig.data;
    gd.__liveKey = {key: liveKey(fig), titles: titles(fig), ranges: statedRanges(fig)};
    return Promise.resolve(window.Plotly.react(gd, fig))
      .then(function () {
        if (gd.__liveKey) { gd.__liveKey.gaps = titleGaps(gd); }
        if (fig.__slots) { arrangeLegend(gd, fig.__slots); }
      }, function () { gd.__liveKey = null; });
  }

  function endLive() {
    if (!live) { return; }
    var done = live;
    live = null;
    done.observer.disconnect();
    again = false;
    Object.keys(done.snapshot).forEach(function (p) {
      var gd = graphDiv(p);
      if (gd) { gd.__liveData = null; gd.__liveKey = null; }
    });
    // Released where it started: no new settings, so no server figure follows; show again
    // what the graphs held before the drag (the server's exact figure).
    var end = sliderValues(done.root);
    var same = end.length === done.start.length && end.every(function (v, i) { return v === done.start[i]; });
    if (same) {
      settling = 0;
      Object.keys(done.snapshot).forEach(function (p) {
        var gd = graphDiv(p);
        if (gd) { window.Plotly.react(gd, done.snapshot[p]); lastDrawn[p] = null; }
      });
    }
  }

  function startLive(event) {
    var config = current.config, settings = current.settings;
    if (!config || !settings || typeof settings !== "object" || !window.Plotly) {
      note("not ready: " + [Boolean(config), Boolean(settings), Boolean(window.Plotly)]); return;
    }
    if (!VIEW_PLOTS[settings.tab]) { note("not an analytic tab: " + settings.tab); return; }
    var target = event.target;
    var slider = [config.ids.H, config.ids.K, config.ids.N, config.ids.U].filter(function (id) {
      var el = document.getElementById(id);
      return el && el.contains(target);
    })[0];
    if (!slider) { note("not a drawn slider: " + target.tagName + "." + target.className); return; }
    var root = document.getElementById(slider);
    endLive();
    live = {slider: slider, root: root, start: sliderValues(root), snapshot: {},
            observer: new MutationObserver(drawLive)};
    live.observer.observe(root, {subtree: true, attributes: true, attributeFilter: ["aria-valuenow"]});
  }

  // --- switching between kept views ----------------------------------------------------

  var drawnFor = {};       // view -> the settings slice its figures show (its view store)
  var storeSeen = {};      // view -> its view store as last read (drawnFor follows its changes)
  var pendingTab = null;   // a tab shown here whose value has not reached Dash yet

  function sliceOf(config, view, settings) {
    // The view's slice of the settings (components/state.py view_slice).
    var keys = config.view_keys[view].concat(config.style_keys);
    if (config.range_views.indexOf(view) >= 0 && settings.u_auto === false) {
      keys = keys.concat(["u_min", "u_max"]);
    }
    if (config.units_views.indexOf(view) >= 0 && settings.units === "network") {
      keys = keys.concat(config.scale_keys.filter(function (k) { return keys.indexOf(k) < 0; }));
    }
    var out = {};
    keys.forEach(function (k) { out[k] = settings[k] === undefined ? null : settings[k]; });
    return out;
  }

  function sameSlice(a, b) {
    if (!a || !b || typeof a !== "object" || typeof b !== "object") { return false; }
    var ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    if (ka.join(",") !== kb.join(",")) { return false; }
    return ka.every(function (k) { return JSON.stringify(a[k]) === JSON.stringify(b[k]); });
  }

  function hasFigures(view) {
    return VIEW_PLOTS[view].every(function (p) {
      var gd = graphDiv(p);
      return Boolean(gd && gd._fullData && gd._fullData.length);
    });
  }

  function fresh(config, view, settings) {
    // Whether the view's figures show ``settings`` (drawn for the same slice).
    return sameSlice(drawnFor[view], sliceOf(config, view, settings)) && hasFigures(view);
  }

  function drawNow(config, view, settings) {
    // The view's figures for ``settings`` from its tables, straight into its graphs (a
    // promise of their drawing; false if a table or a graph is missing).
    var figs = null;
    dragging = false;
    try { figs = viewFigures(config, view, baseState(settings), settings); } catch (e) { figs = null; }
    if (!figs) { return false; }
    var plots = VIEW_PLOTS[view];
    if (!plots.every(function (p) { return figs[p] && graphDiv(p); })) { return false; }
    return Promise.all(plots.map(function (p) {
      lastDrawn[p] = figs[p].__source || null;
      delete figs[p].__source;
      return window.Plotly.react(graphDiv(p), figs[p]);
    }));
  }

  function selectedTab(config) {
    var tabs = document.getElementById(config.ids.tabs);
    var el = tabs ? tabs.querySelector(".tab--selected") : null;
    return el ? config.tabs[el.id] || null : null;
  }

  function showKept(config, view, from) {
    Object.keys(config.kept).forEach(function (v) {
      var panel = document.getElementById(config.kept[v]);
      if (!panel) { return; }
      if (v === view) { panel.removeAttribute("hidden"); } else { panel.setAttribute("hidden", ""); }
    });
    var classes = ["tab--selected"].concat(config.selected_class ? [config.selected_class] : []);
    Object.keys(config.tabs).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) { return; }
      classes.forEach(function (c) { el.classList.toggle(c, config.tabs[id] === view); });
    });
  }

  function tellDash(config) {
    // After the frame with the new panel is painted, the tab's value goes to Dash.
    window.requestAnimationFrame(function () {
      window.setTimeout(function () {
        var view = pendingTab;
        pendingTab = null;
        if (view && window.dash_clientside && window.dash_clientside.set_props) {
          window.dash_clientside.set_props(config.ids.tabs, {value: view});
        }
      }, 0);
    });
  }

  // A control that changes the settings was just used (a slider let go of, a radio
  // clicked, a key pressed in it): its settings reach this file one server round trip
  // later.  A tab clicked in between would show the view for the settings before, so the
  // click waits for the new settings (at most SETTLE_MS), then is played again.
  var SETTLE_MS = 1500;
  var settling = 0;     // when a control was used, until its settings arrive (0: none)
  var heldClick = null; // the tab element whose click waits
  var heldTimer = null;

  // What, in the settings' controls, can change a setting: a slider, a radio, a checkbox
  // or a dropdown's option let go of; a value key in a slider or a field; any change.
  // (Opening a dropdown, focusing a field or pressing Tab changes nothing.)
  var CHANGES = {
    pointerup: ".dash-slider-root, [role=option], input[type=radio], input[type=checkbox]",
    keyup: ".dash-slider-root, [role=slider], input, textarea, [role=option], [role=combobox]",
    change: "*"
  };

  function within(ids, target) {
    return (ids || []).some(function (id) {
      var el = document.getElementById(id);
      return el && el.contains(target);
    });
  }

  function onControlUsed(event) {
    var config = current.config, target = event.target;
    if (!config || !config.controls || !target || !target.closest || target.closest(".tab")) { return; }
    if (event.type === "keyup" && /^(Tab|Shift|Control|Alt|Meta|Escape|CapsLock)$/.test(event.key)) { return; }
    var button = event.type === "pointerup" && within(config.control_buttons, target);
    if (button || (target.closest(CHANGES[event.type]) && within(config.controls, target))) {
      settling = Date.now();
    }
  }

  function playHeldClick() {
    var el = heldClick;
    heldClick = null;
    settling = 0;
    if (heldTimer !== null) { window.clearTimeout(heldTimer); heldTimer = null; }
    if (el && el.isConnected) { el.click(); }
  }

  function settled() {
    // New settings arrived: a held tab click goes ahead with them.
    settling = 0;
    if (heldClick) { window.setTimeout(playHeldClick, 0); }
  }

  function onTabClick(event) {
    var config = current.config, settings = current.settings;
    if (!config || !config.kept || !settings || typeof settings !== "object" || !window.Plotly) { return; }
    var el = event.target && event.target.closest ? event.target.closest(".tab") : null;
    var view = el ? config.tabs[el.id] : null;
    var from = selectedTab(config);
    if (!view || !from || view === from || !(view in config.kept) || !(from in config.kept)) { return; }
    if (settling && Date.now() - settling < SETTLE_MS) {
      event.stopPropagation();
      heldClick = el;
      if (heldTimer !== null) { window.clearTimeout(heldTimer); }
      heldTimer = window.setTimeout(playHeldClick, SETTLE_MS - (Date.now() - settling));
      note("tab click waits for the settings");
      return;
    }
    var stale = VIEW_PLOTS[view] && !fresh(config, view, settings);
    if (stale && !(ready(tableUrl(config, view, settings, settings.H)) &&
                   VIEW_PLOTS[view].every(function (p) { return graphDiv(p); }))) {
      return;  // no table or a plot never drawn: dcc.Tabs and the server draw
    }
    event.stopPropagation();
    showKept(config, view, from);
    // drawn once shown (a panel out of the layout has no size to draw at)
    if (stale && drawNow(config, view, settings)) { drawnFor[view] = sliceOf(config, view, settings); }
    var waiting = pendingTab !== null;
    pendingTab = view;
    if (!waiting) { tellDash(config); }
  }

  // --- drawing hidden views ahead of their visit ------------------------------------------

  // A hidden analytic view whose figures no longer show the settings (never drawn since the
  // page loaded, or the settings changed on another tab) is drawn from its tables once the
  // settings have rested AHEAD_MS and the browser is idle, one view at a time, with its
  // panel laid out (invisible, no height) for the draw so that its figures get their width:
  // a tab switch then only shows the panel.  Its panel leaves the layout again after the
  // draw (components/layout.py LAID_OUT_WHILE_HIDDEN: a laid-out hidden panel slows the
  // drawing on the shown tab).  A held handle, a pending callback or settings on their way
  // put it off.
  var AHEAD_MS = 600;
  var DRAWING_CLASS = "kept-panel--drawing";
  var aheadTimer = null;
  var ahead = {done: 0, waits: 0};  // views drawn ahead (for tests and benchmarks); waits for graphs

  function staleHidden(config, settings) {
    // The hidden analytic views that can be drawn ahead now, in tab order.
    var shown = selectedTab(config);
    return ORDER.filter(function (v) {
      return v !== shown && v !== pendingTab && config.kept && v in config.kept &&
        Boolean(document.getElementById(config.graphs[VIEW_PLOTS[v][0]])) &&
        !fresh(config, v, settings) && Boolean(ready(tableUrl(config, v, settings, settings.H)));
    });
  }

  function scheduleAhead(delay, keep) {
    // Draw ahead after ``delay`` ms (AHEAD_MS by default), putting off a draw already
    // planned, or (``keep``) leaving it planned as it is.
    if (aheadTimer !== null) {
      if (keep) { return; }
      window.clearTimeout(aheadTimer);
    }
    aheadTimer = window.setTimeout(function () {
      aheadTimer = null;
      whenIdle(drawAhead, 2000);
    }, delay === undefined ? AHEAD_MS : delay);
  }

  function drawAhead() {
    var config = current.config, settings = current.settings;
    if (!config || !settings || typeof settings !== "object" || !window.Plotly) { return; }
    if (live || settling || pendingTab !== null || loading()) { scheduleAhead(); return; }
    var stale = staleHidden(config, settings);
    if (!stale.length) { return; }
    var view = stale[0], plots = VIEW_PLOTS[view];
    if (!plots.every(function (p) { return graphDiv(p); })) {
      // mounted a moment ago: its graphs are not drawn yet
      if (ahead.waits < 20) { ahead.waits += 1; scheduleAhead(); }
      return;
    }
    var panel = document.getElementById(config.kept[view]);
    if (!panel || !panel.hasAttribute("hidden")) { return; }
    var text = JSON.stringify(settings);
    var still = function () {  // the same settings, the panel still hidden
      return JSON.stringify(current.settings) === text && panel.hasAttribute("hidden");
    };
    var done = function () {
      panel.classList.remove(DRAWING_CLASS);
      if (still()) {
        drawnFor[view] = sliceOf(config, view, settings);
        ahead.done += 1;
      }
      ahead.waits = 0;
      scheduleAhead(0);  // the next view, at the next idle moment
    };
    var failed = function () { panel.classList.remove(DRAWING_CLASS); };
    panel.classList.add(DRAWING_CLASS);
    Promise.all(plots.map(function (p) { return fitWidth(graphDiv(p)); })).then(function () {
      var drawing = false;
      if (still()) {
        try { drawing = drawNow(config, view, settings); } catch (e) { drawing = false; }
      }
      if (drawing) { drawing.then(done, failed); } else { failed(); }
    }, failed);
  }

  function fitWidth(gd) {
    // A graph drawn while its panel was out of the layout has plotly's default size, and
    // Plotly.react keeps a size once set: it is sized to its place first (as a resize of
    // the window would), while its panel is laid out.
    var w = gd ? gd.getBoundingClientRect().width : 0;
    if (!w || Math.abs(gd._fullLayout.width - w) <= 1) { return null; }
    return window.Plotly.relayout(gd, {autosize: true});
  }

  document.addEventListener("click", onTabClick, true);
  // (before endLive: a handle let go of where it was pressed changes no setting)
  ["pointerup", "keyup", "change"].forEach(function (type) {
    document.addEventListener(type, onControlUsed, true);
  });
  document.addEventListener("pointerdown", startLive, true);
  document.addEventListener("pointerup", endLive, true);
  document.addEventListener("pointercancel", endLive, true);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    redraw: {
      figures: function (tab, settings, config) {
        if (!config) { return []; }
        var PLOTS = config.plots;
        var none = PLOTS.map(noUpdate);
        if (!settings || typeof settings !== "object") { return none; }
        var previous = current.settings;
        current = {settings: settings, config: config};
        if (settling && JSON.stringify(previous) !== JSON.stringify(settings)) { settled(); }
        // The settings each view's figures were drawn for: its store (written while it
        // is shown; the server draws from it).
        var stores = Array.prototype.slice.call(arguments, 3);
        // (A store that did not change since it was read says nothing new: a hidden
        // view's figures may have been drawn ahead since: see drawAhead.)
        ORDER.forEach(function (v, i) {
          if (stores[i] && !sameSlice(storeSeen[v], stores[i])) { drawnFor[v] = storeSeen[v] = stores[i]; }
        });
        var trig = triggeredIds();
        var state = baseState(settings);
        var byTab = trig.indexOf(config.ids.tabs + ".value") >= 0 && typeof tab === "string";
        var view = byTab ? tab : settings.tab;
        if (!VIEW_PLOTS[view]) { return none; }
        if (config.kept && view in config.kept) {
          // A kept view shows what it showed when it was hidden: nothing to draw if that
          // is still right (a tab switch, or settings the view does not depend on).
          var unchanged = byTab && trig.length === 1 ? fresh(config, view, settings)
            : previous && typeof previous === "object" && hasFigures(view) &&
              sameSlice(sliceOf(config, view, previous), sliceOf(config, view, settings));
          if (unchanged) { window.setTimeout(function () { prefetch(config, settings); }, 0); return none; }
        }
        dragging = false;
        var figs = null;
        try {
          figs = viewFigures(config, view, state, settings);
        } catch (e) {
          figs = null;  // the server draws
        }
        window.setTimeout(function () { prefetch(config, settings); }, 0);
        if (!figs) { lastDrawn = {}; return none; }
        return PLOTS.map(function (p) {
          if (!figs[p]) { return noUpdate(); }
          lastDrawn[p] = figs[p].__source || null;
          delete figs[p].__source;
          return figs[p];
        });
      },
      figuresAt: function (settings) {
        // The figures of every analytic view at ``settings`` whose table is loaded, by
        // graph id (compare mode pins views not drawn yet: assets/compare.js).
        var config = current.config, out = {};
        if (!config || !settings || typeof settings !== "object") { return out; }
        ORDER.forEach(function (view) {
          var figs = null;
          try { figs = viewFigures(config, view, baseState(settings), settings); } catch (e) { figs = null; }
          Object.keys(figs || {}).forEach(function (p) {
            if (figs[p]) { delete figs[p].__source; out[config.graphs[p]] = figs[p]; }
          });
        });
        return out;
      },
      inPlace: function (on, slots, legend) {
        // Held moves drawn in place (on: true, the default) or by Plotly.react (false); a
        // held K handle's figures with a slot per index (slots: true, the default) or as
        // the tables hold them (false); a legend that a move does not change kept as a
        // picture (legend: true, the default: keepLegend) or drawn by plotly (false); the
        // counts of each so far (for tests and benchmarks).
        if (typeof on === "boolean") { inPlace.on = on; }
        if (typeof slots === "boolean") { inPlace.slots = slots; }
        if (typeof legend === "boolean") { inPlace.legend = legend; }
        return {on: inPlace.on, slots: inPlace.slots, legend: inPlace.legend,
                drawn: inPlace.drawn, reacted: inPlace.reacted};
      },
      held: function (changes) {
        // For benchmarks: draw the visible view's figures as a held handle would, at the
        // page's settings with ``changes`` (H, K, N, window; slots: a K handle's slots);
        // which plots were drawn in place and which by Plotly.react.
        var config = current.config, settings = current.settings, out = {};
        var state = Object.assign(baseState(settings), changes || {});
        var figs = viewFigures(config, settings.tab, state, settings) || {};
        Object.keys(figs).forEach(function (p) {
          var gd = figs[p] ? graphDiv(p) : null;
          if (gd) { out[p] = drawHeld(gd, figs[p]) ? "react" : "in place"; }
        });
        return out;
      },
      ahead: function () {
        // How many hidden views were drawn ahead of their visit (for tests and benchmarks).
        return ahead.done;
      },
      loaded: function () {
        // Which tables are in the page (for tests and benchmarks).
        return Object.keys(bundles).filter(function (u) { return bundles[u].state === "ready"; });
      },
      warm: function (settings, config) {
        // Load the tables, and mount the kept panels mounted when idle, once the page has
        // drawn its figure and is idle: the first paint never waits for them.
        if (settings && typeof settings === "object" && config) {
          current = {settings: settings, config: config};
          var tries = 0;
          var go = function () { mountIdle(config); prefetch(config, settings); };
          var wait = function () {
            tries += 1;
            if ((!drawn(settings.tab) || loading()) && tries < 100) { window.setTimeout(wait, 200); return; }
            whenIdle(go, 3000);
          };
          window.setTimeout(wait, 200);
        }
        return noUpdate();
      }
    }
  });
}());
