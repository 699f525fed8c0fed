/* Compare mode: pin the curves shown now as faded reference traces and freeze the axes,
 * so that other settings or presets can be held against them.
 *
 * The "Compare" button (key c) copies the current figures of the comparable plots (the
 * analytic views and the activation-effect plots; components/layout.py COMPARE_GRAPHS)
 * into the compare store: their line and marker traces, faded, dotted, without hover, in
 * one legend entry "pinned: <settings>", and the ranges of their x and y axes.  Pressed
 * again it clears them.  The axes stop following each setting: an axis the figure sets
 * (the loss window, the finite-N decades) is held at the pinned range, widened only as
 * far as a new curve needs, never narrowed; an axis fitted to its data fits the pinned
 * and the new curves together.  Both stay in view on common axes.
 *
 * A figure reaches a graph three ways: the server's callbacks and the clientside redraw
 * through dcc.Graph, and assets/redraw.js's Plotly.react on the graph while a slider's
 * handle is held.  All three end in window.Plotly.react, so the pins are merged there:
 * a wrapper adds the pinned traces in front of the figure's own and fixes the frozen axes'
 * ranges, leaving the figure it was given untouched (exports and links are the server's).
 * A plot not drawn when the curves were pinned takes its pinned curves from the redraw
 * tables of the pinned settings (assets/redraw.js), asked for when pinning, as soon as
 * they have arrived; it freezes its axes at its first drawing.
 */
(function () {
  "use strict";

  // {label, plots: {graphId: {traces: [...], axes: {xaxis: [a, b], ...} | null}}}; the
  // page's compare store holds only the label (the curves stay in this page).
  var pins = null;
  var PINNED = "pinned";

  function noUpdate() { return window.dash_clientside.no_update; }

  function isPinned(trace) { return trace && trace.legendgroup === PINNED; }

  function graphId(gd) {
    var host = gd && gd.closest ? gd.closest(".dash-graph") : null;
    return host ? host.id : null;
  }

  function drawsLines(trace) {
    var mode = trace.mode || "lines";
    return !trace.type || trace.type === "scatter" || trace.type === "scattergl"
      ? /lines|markers/.test(mode) : false;
  }

  function faded(trace, label, first) {
    var t = Object.assign({}, trace);
    t.legendgroup = PINNED;
    t.showlegend = first;
    t.name = "pinned: " + label;
    t.opacity = 0.4;
    t.hoverinfo = "skip";
    delete t.hovertemplate;
    delete t.uid;
    delete t.legendgrouptitle;
    t.fill = "none";
    t.legendrank = 2000;
    t.line = Object.assign({}, trace.line || {}, {dash: "dot"});
    if (trace.text !== undefined && /text/.test(trace.mode || "")) {
      t.mode = (trace.mode || "lines").replace(/\+?text/, "") || "lines";
    }
    return t;
  }

  function axesOf(gd) {
    var full = gd && gd._fullLayout;
    if (!full) { return null; }
    var out = {};
    Object.keys(full).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key) && full[key] && Array.isArray(full[key].range)) {
        out[key] = {range: full[key].range.slice(), type: full[key].type};
      }
    });
    return out;
  }

  function late(id) {
    // A comparable plot whose figure was not on hand when the curves were pinned: its
    // figure at the pinned settings, once the redraw table asked for then has arrived.
    if (!pins || !id || pins.plots[id] || pins.ids.indexOf(id) < 0) { return null; }
    var redraw = window.dash_clientside && window.dash_clientside.redraw;
    var fig = redraw && redraw.figuresAt ? redraw.figuresAt(pins.settings)[id] : null;
    var own = fig && fig.data ? fig.data.filter(drawsLines) : [];
    if (!own.length) { return null; }
    pins.plots[id] = {traces: own.map(function (t, j) { return faded(t, pins.label, j === 0); }),
                      axes: null};
    return pins.plots[id];
  }

  function merge(gd, fig) {
    // The figure ``fig`` with the pins of its graph (a new object; ``fig`` is unchanged).
    var id = graphId(gd);
    var pin = pins && id ? (pins.plots[id] || late(id)) : null;
    var own = (fig.data || []).filter(function (t) { return !isPinned(t); });
    if (!pin) {
      return own.length === (fig.data || []).length ? fig : Object.assign({}, fig, {data: own});
    }
    var layout = Object.assign({}, fig.layout || {});
    if (pin.axes) {
      Object.keys(pin.axes).forEach(function (key) {
        var axis = layout[key] || {}, held = pin.axes[key];
        var r = axis.range;
        if (!Array.isArray(r) || r.length !== 2 || !isFinite(r[0]) || !isFinite(r[1])) {
          return;  // an axis fitted to its data fits the pinned curves and the new ones
        }
        if (axis.type && held.type && axis.type !== held.type) { return; }  // linear vs log
        var lo = Math.min(held.range[0], held.range[1], r[0], r[1]);
        var hi = Math.max(held.range[0], held.range[1], r[0], r[1]);
        layout[key] = Object.assign({}, axis, {range: [lo, hi], autorange: false});
      });
    }
    return Object.assign({}, fig, {data: pin.traces.concat(own), layout: layout});
  }

  function hook() {
    var P = window.Plotly;
    if (!P || P.__compareHooked) { return Boolean(P); }
    var react = P.react;
    P.react = function (gd, data, layout, config) {
      var node = typeof gd === "string" ? document.getElementById(gd) : gd;
      if (!node || !node.closest || (!pins && !node.__comparePinned)) {
        return react.apply(this, arguments);
      }
      var fig = Array.isArray(data) ? {data: data, layout: layout, config: config} : data;
      var merged = merge(node, fig || {});
      node.__comparePinned = Boolean(pins);
      node.__compareLayout = fig ? fig.layout : null;  // the figure's own axes, for unpinning
      // assets/redraw.js recognises its own drawing by the data array it handed over
      if (node.__liveData && fig && node.__liveData === fig.data) { node.__liveData = merged.data; }
      var done = react.call(this, node, merged);
      var id = graphId(node);
      if (pins && id && pins.plots[id] && !pins.plots[id].axes && done && done.then) {
        done.then(function () { if (pins && pins.plots[id]) { pins.plots[id].axes = axesOf(node); } });
      }
      return done;
    };
    P.__compareHooked = true;
    return true;
  }

  (function waitForPlotly() {
    if (!hook()) { window.setTimeout(waitForPlotly, 100); }
  }());

  function redrawShown() {
    // Draw every plot on the page again with (or without) the pins.
    if (!hook()) { return; }
    document.querySelectorAll(".dash-graph .js-plotly-plot").forEach(function (gd) {
      if (!gd._fullLayout || !gd.data) { return; }
      var own = gd.data.filter(function (t) { return !isPinned(t); });
      var layout = gd.__compareLayout || gd.layout;
      window.Plotly.react(gd, {data: own, layout: layout});
    });
  }

  function pinFigures(ids, figures, label, settings) {
    // The curves drawn now; for a view not drawn yet, its figure at these settings from
    // the redraw tables (assets/redraw.js), when they are loaded.
    var plots = {};
    var redraw = window.dash_clientside.redraw;
    var tabled = redraw && redraw.figuresAt ? redraw.figuresAt(settings) : {};
    ids.forEach(function (id, i) {
      var fig = figures[i];
      var gd = document.querySelector("#" + id + " .js-plotly-plot");
      var data = gd && gd.data ? gd.data : (fig && fig.data && fig.data.length ? fig.data
        : (tabled[id] && tabled[id].data));
      if (!data || !data.length) { return; }
      var own = data.filter(function (t) { return !isPinned(t) && drawsLines(t); });
      if (!own.length) { return; }
      plots[id] = {
        traces: own.map(function (t, j) { return faded(t, label, j === 0); }),
        axes: gd && gd._fullLayout ? axesOf(gd) : null
      };
    });
    return plots;
  }

  function fillLate(which, tries) {
    // Draw the pins of a shown plot as soon as its table for the pinned settings arrives.
    if (pins !== which || tries > 120) { return; }
    var waiting = false;
    document.querySelectorAll(".dash-graph .js-plotly-plot").forEach(function (gd) {
      var id = graphId(gd);
      if (!id || pins.plots[id] || pins.ids.indexOf(id) < 0 || !gd._fullLayout) { return; }
      if (late(id)) {
        window.Plotly.react(gd, {data: gd.data, layout: gd.__compareLayout || gd.layout});
      } else {
        waiting = true;
      }
    });
    var missing = pins.ids.some(function (id) { return !pins.plots[id]; });
    if (waiting || missing) { window.setTimeout(function () { fillLate(which, tries + 1); }, 500); }
  }

  function labelOf(settings, preset, options) {
    var label = null;
    (options || []).forEach(function (o) { if (o && o.value === preset) { label = String(o.label); } });
    if (!label && settings) {
      label = "H = " + settings.H + ", " + settings.activation +
        (typeof settings.param === "number" ? " " + settings.param : "");
    }
    label = label || "earlier settings";
    return label.length > 32 ? label.slice(0, 31) + "…" : label;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    compare: {
      toggle: function (clicks, current, settings, preset, options) {
        // Returns [store, button text, aria-pressed].  The remaining arguments are the
        // figures of the comparable graphs (their ids from the callback's states).
        if (!clicks) { return [noUpdate(), noUpdate(), noUpdate()]; }
        var states = (window.dash_clientside.callback_context.states_list || []).filter(
          function (s) { return s && s.property === "figure"; });
        var ids = states.map(function (s) { return s.id; });
        var figures = states.map(function (s) { return s.value; });
        var next = null;
        if (!current || !pins) {
          var label = labelOf(settings, preset, options);
          pins = {label: label, plots: pinFigures(ids, figures, label, settings), ids: ids,
                  settings: settings};
          next = {label: label, graphs: Object.keys(pins.plots)};
        } else {
          pins = null;
        }
        redrawShown();
        if (pins) { fillLate(pins, 0); }
        return [next, next ? "Unpin" : "Pin curves", next ? "true" : "false"];
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key !== "c" && event.key !== "C") { return; }
    var el = event.target;
    if (el && el.closest && el.closest(
      "input, textarea, select, [contenteditable=true], [role=slider], [role=combobox], " +
      "[role=listbox], [role=option], .dash-dropdown")) { return; }
    var button = document.getElementById("compare-button");
    if (button) { button.click(); event.preventDefault(); }
  });
}());
