/* A zoom or pan by hand stays when a graph gets its next figure, as long as that figure
 * states the same range for the axis as the figure the user zoomed into (a new K keeps
 * the axes, and the zoom stays; a new depth H moves them, and the zoom goes), and the
 * figures' uirevision is the same. That is what plotly's uirevision promises, but
 * dcc.Graph writes the zoom into its own figure property and draws that again at once:
 * plotly then finds the zoomed range stated by the figure, forgets the range from before
 * the zoom, and the next figure's own range replaced the zoom.
 *
 * So the page remembers, per graph and axis, the range the figures stated when the user
 * zoomed and the zoom itself (plotly_relayout events with ranges; a double click back to
 * the figure's range forgets it), and Plotly.react gets the zoomed range for an axis whose
 * new figure states either of them. assets/redraw.js's own relayouts (a held handle's
 * move drawn in place) are not heard: it sets the figure's ranges, not a zoom.
 */
(function () {
  "use strict";

  var AXIS = /^[xy]axis[0-9]*$/;

  function same(a, b) {
    return Array.isArray(a) && Array.isArray(b) && a.length === 2 && b.length === 2 &&
      a[0] === b[0] && a[1] === b[1];
  }

  function stated(layout) {
    // The axis ranges a layout states (what plotly shows unless a zoom by hand is kept).
    var out = {};
    Object.keys(layout || {}).forEach(function (k) {
      var r = AXIS.test(k) && layout[k] ? layout[k].range : null;
      if (Array.isArray(r) && r.length === 2) { out[k] = [r[0], r[1]]; }
    });
    return out;
  }

  function listen(node) {
    if (node.__uiListening || !node.on) { return; }
    node.__uiListening = true;
    node.on("plotly_relayout", function (edit) {
      var ui = node.__ui, full = node._fullLayout;
      if (!ui || !full || !edit) { return; }
      Object.keys(edit).forEach(function (key) {
        var m = /^([xy]axis[0-9]*)\.(range|autorange)/.exec(key);
        if (!m || !full[m[1]]) { return; }
        var k = m[1], shown = full[k].range;
        if (full[k].autorange || same(shown, ui.stated[k])) { delete ui.zoom[k]; return; }
        if (ui.stated[k] && Array.isArray(shown)) {
          ui.zoom[k] = {from: ui.stated[k].slice(), to: [shown[0], shown[1]]};
        }
      });
    });
  }

  function keepZoom(node, fig) {
    // ``fig`` with the kept zooms applied (a copy of the layout where one is), and the
    // record brought up to date.
    var layout = fig.layout;
    if (!layout || typeof layout !== "object") { return fig; }
    var ui = node.__ui;
    if (!ui || ui.rev !== layout.uirevision || layout.uirevision === undefined) {
      node.__ui = {rev: layout.uirevision, stated: stated(layout), zoom: {}};
      return fig;
    }
    var now = stated(layout), out = null;
    Object.keys(ui.zoom).forEach(function (k) {
      var z = ui.zoom[k];
      if (same(now[k], z.from) || same(now[k], z.to)) {
        out = out || Object.assign({}, layout);
        out[k] = Object.assign({}, layout[k], {range: z.to.slice(), autorange: false});
      } else {
        delete ui.zoom[k];
      }
    });
    Object.keys(now).forEach(function (k) {
      if (!ui.zoom[k]) { ui.stated[k] = now[k]; }
    });
    return out ? Object.assign({}, fig, {layout: out}) : fig;
  }

  function wrap(draw) {
    return function (gd, data, layout, config) {
      var node = typeof gd === "string" ? document.getElementById(gd) : gd;
      var fig = Array.isArray(data) ? {data: data, layout: layout, config: config} :
        (data && typeof data === "object" ? data : null);
      if (!node || !fig || !Array.isArray(fig.data)) { return draw.apply(this, arguments); }
      var mine = keepZoom(node, fig);
      var done = draw.call(this, node, mine);
      listen(node);
      return done;
    };
  }

  function hook(P) {
    if (!P || P.__uistateHooked) { return Boolean(P); }
    P.react = wrap(P.react);
    P.__uistateHooked = true;
    return true;
  }

  (function waitForPlotly() {
    if (!hook(window.Plotly)) { window.setTimeout(waitForPlotly, 50); }
  }());

  window.__uistate = {zoomOf: function (gd) { return gd && gd.__ui ? gd.__ui.zoom : null; },
                      stated: stated};
}());
