/* The "where the minima are" tab answers a released slider at once.
 *
 * When the strength γ or the depth H slider is released (or its arrow keys let go) while
 * the tab is shown, this file asks the server for the profile and complexity figures of
 * the page's settings with the sliders' values (GET /_minima/figures?<the address bar's
 * query>, components/views/minima.py released_figures: the figures the view's
 * callback draws, computed by compute/ on the server) and draws them on the graphs
 * (Plotly.react on the graph's own element).  The settings sync and the view's callback
 * run as before and draw the same figures again; these carry the same
 * layout.datarevision, so plotly does not recompute them.  Nothing here evaluates the
 * theory; when the request fails, the callback's figures are the only ones drawn.
 */
(function () {
  "use strict";

  var ROUTE = "/_minima/figures";
  // slider id -> the setting it writes (the names of the page's links)
  var SLIDERS = {"gamma-slider": "gamma", "depth-slider": "H"};
  var GRAPHS = {profile: "minima-profile-graph", complexity: "minima-complexity-graph"};
  var KEYS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End"];
  var REST_MS = 150;  // a held handle resting this long on a value asks for its figures
  var held = null;    // {root, start, timer, observer}: the slider being moved, its value before
  var latest = 0;     // number of the last release; answers to older ones are not drawn
  var answers = {};   // query -> promise of its figures (the last few)
  var order = [];

  function note(text) {
    // What was drawn or why not (read by the browser tests).
    var log = window.__minimaLog = window.__minimaLog || [];
    log.push(text);
    if (log.length > 20) { log.shift(); }
  }

  function graph(id) {
    var host = document.getElementById(id);
    var gd = host ? host.querySelector(".js-plotly-plot") : null;
    return gd && gd._fullLayout ? gd : null;
  }

  function sliderOf(target) {
    var ids = Object.keys(SLIDERS);
    for (var i = 0; i < ids.length; i++) {
      var root = document.getElementById(ids[i]);
      if (root && target && root.contains(target)) { return root; }
    }
    return null;
  }

  function valueOf(root) {
    var thumb = root.querySelector("[role=slider]");
    return thumb ? thumb.getAttribute("aria-valuenow") : null;
  }

  function query() {
    // The page's settings with the sliders' values.  The address bar follows the settings
    // one round trip late, so the values of both sliders come from the sliders themselves.
    var params = new URLSearchParams(window.location.search);
    Object.keys(SLIDERS).forEach(function (id) {
      var root = document.getElementById(id);
      var v = root ? valueOf(root) : null;
      if (v !== null) { params.set(SLIDERS[id], v); }
    });
    params.sort();
    return params.toString();
  }

  function ask(q) {
    // One request per query (the figures are those of the settings in it); its answer, the
    // response's text or null, when it arrives.  A failed request is asked again next time.
    if (!answers[q]) {
      answers[q] = fetch(ROUTE + "?" + q, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .catch(function (e) { note("failed " + q + " " + String(e)); return null; })
        .then(function (text) { if (text === null) { delete answers[q]; } return text; });
      order.push(q);
      if (order.length > 8) { delete answers[order.shift()]; }
    }
    return answers[q];
  }

  function steady(gd, figure) {
    // The plot area keeps the margins plotly worked out for the figure on screen: neither
    // the axes' tick labels nor the legend or the colour bar move them, which spares
    // plotly its margin passes (a third of a drawing).  The callback's figure, drawn
    // next, lays itself out again.
    var size = gd._fullLayout && gd._fullLayout._size, layout = figure.layout;
    if (!size || !layout) { return figure; }
    layout.margin = Object.assign({}, layout.margin || {},
                                  {l: size.l, r: size.r, t: size.t, b: size.b, autoexpand: false});
    ["xaxis", "yaxis"].forEach(function (k) {
      layout[k] = Object.assign({}, layout[k] || {}, {automargin: false});
    });
    return figure;
  }

  function draw(text, number) {
    // The profile first; the complexity figure once the profile is on the screen.
    if (number !== latest || !text || !window.Plotly) { return; }
    var figures = JSON.parse(text);  // a fresh copy for each drawing: plotly keeps it
    var keys = Object.keys(GRAPHS);
    function next(i) {
      if (i >= keys.length || number !== latest) { note("drawn " + number); return; }
      var gd = graph(GRAPHS[keys[i]]), figure = figures[keys[i]];
      if (!gd || !figure || !figure.data) { next(i + 1); return; }
      Promise.resolve(window.Plotly.react(gd, steady(gd, figure)))
        .catch(function (e) { note("not drawn " + keys[i] + " " + String(e)); })
        .then(function () { next(i + 1); });
    }
    next(0);
  }

  function release() {
    if (!held) { return; }
    var h = held;
    held = null;
    h.observer.disconnect();
    window.clearTimeout(h.timer);
    var value = valueOf(h.root);
    if (value === null || value === h.start || !graph(GRAPHS.profile)) { return; }
    var q = query();
    var number = ++latest;
    note("asked " + number + " " + q);
    ask(q).then(function (text) { draw(text, number); });
  }

  function start(event) {
    // The tab's content is mounted only while the tab is shown.
    if (held) { held.observer.disconnect(); window.clearTimeout(held.timer); held = null; }
    var root = sliderOf(event.target);
    if (!root || !graph(GRAPHS.profile)) { return; }
    var h = {root: root, start: valueOf(root), timer: null, observer: null};
    // A value the handle rests on while held is asked for before the release.
    h.observer = new MutationObserver(function () {
      window.clearTimeout(h.timer);
      h.timer = window.setTimeout(function () {
        if (held === h && valueOf(root) !== h.start) { ask(query()); }
      }, REST_MS);
    });
    h.observer.observe(root, {subtree: true, attributes: true, attributeFilter: ["aria-valuenow"]});
    held = h;
  }

  function finish() {
    // The slider writes the value of its last move when it renders; read it after that.
    if (!held) { return; }
    if (window.requestAnimationFrame) { window.requestAnimationFrame(release); } else { release(); }
  }

  document.addEventListener("pointerdown", start, true);
  document.addEventListener("pointerup", finish, true);
  document.addEventListener("pointercancel", function () {
    if (held) { held.observer.disconnect(); window.clearTimeout(held.timer); held = null; }
  }, true);
  document.addEventListener("keydown", function (event) {
    if (!held && KEYS.indexOf(event.key) >= 0) { start(event); }
  }, true);
  document.addEventListener("keyup", function (event) {
    if (KEYS.indexOf(event.key) >= 0) { finish(); }
  }, true);
}());
