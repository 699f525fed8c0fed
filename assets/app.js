/* Spin-glass loss landscapes: the small browser-side part.
 *
 * - clientside callbacks (namespace "spinglass"): page classes for theme and lecture
 *   mode, the exact N beside the log-scale N slider, the permalink box,
 *   PNG / SVG export of a figure;
 * - the label of the N slider follows the slider while it moves;
 * - keyboard: n / p (and PageDown / PageUp, arrows in lecture mode) step through the
 *   presets, l toggles lecture mode, t the theme, Esc leaves lecture mode.  A key is
 *   sent to the settings callback through the key-event store, which applies it.
 */
(function () {
  "use strict";

  function formatN(n) {
    return Math.round(n).toLocaleString("en-US");
  }

  window.dccFunctions = window.dccFunctions || {};
  window.dccFunctions.spinglassN = function (value) {
    return "N = " + formatN(Math.pow(10, value));
  };

  function noUpdate() {
    return window.dash_clientside.no_update;
  }

  function triggered() {
    var c = window.dash_clientside.callback_context;
    return (c && c.triggered ? c.triggered : []).map(function (t) { return t.prop_id; });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    spinglass: {
      pageClass: function (settings) {
        if (!settings || typeof settings !== "object") { return noUpdate(); }
        var theme = ["dark", "contrast"].indexOf(settings.theme) >= 0 ? settings.theme : "light";
        document.documentElement.setAttribute("data-theme", theme);
        return "page theme-" + theme + (settings.lecture === true ? " lecture" : "");
      },
      nLabel: function (boxValue) {
        // Once the settings are applied, the exact N of the number box.
        var box = typeof boxValue === "number" && isFinite(boxValue) && boxValue > 0;
        return box ? "N = " + formatN(boxValue) : noUpdate();
      },
      permalink: function (href) {
        return href || window.location.href;
      },
      exportImage: function (nPng, nSvg, graphId) {
        // The figure as drawn, with the title and parameter line the server put into
        // layout.meta.export, under a file name carrying the parameters.
        var svg = triggered().some(function (p) { return p.indexOf("-export-svg.") >= 0; });
        var format = svg ? "svg" : "png";
        var root = document.getElementById(graphId);
        var gd = root ? root.querySelector(".js-plotly-plot") : null;
        if (!gd || !window.Plotly) { return "The figure is not drawn yet."; }
        var meta = gd.layout && gd.layout.meta && gd.layout.meta.export ? gd.layout.meta.export : null;
        var name = meta && meta.name ? meta.name : "spinglass-" + graphId.replace(/-graph$/, "");
        var layout = Object.assign({}, gd.layout);
        if (meta) {
          var margin = Object.assign({}, layout.margin || {});
          margin.t = (typeof margin.t === "number" ? margin.t : 70) + 60;
          layout.margin = margin;
          layout.title = {
            text: "<b>" + meta.title + "</b><br><span style='font-size:11px'>" + meta.params + "</span>",
            x: 0.01, xanchor: "left", y: 0.995, yanchor: "top", yref: "container"
          };
        }
        window.Plotly.downloadImage({data: gd.data, layout: layout}, {
          format: format,
          filename: name,
          width: gd.offsetWidth,
          height: gd.offsetHeight + (meta ? 60 : 0),
          scale: svg ? 1 : 2
        });
        return "";
      }
    }
  });

  // While the log-scale N slider moves (mouse or keys), its label follows: 10^value, or
  // the exact N of the number box while the slider sits within a step of it.  Written
  // into the label directly: a callback on every move would cost the page a round of
  // the Dash renderer.
  function nLabelFollows(slider) {
    var label = document.getElementById("n-label");
    var thumb = slider.querySelector("[role=slider]");
    var v = thumb ? parseFloat(thumb.getAttribute("aria-valuenow")) : NaN;
    if (!label || !isFinite(v)) { return; }
    var input = document.getElementById("n-input");
    var box = input ? parseFloat(input.value) : NaN;
    var n = isFinite(box) && box > 0 && Math.abs(Math.log10(box) - v) < 0.026 ? box : Math.pow(10, v);
    var text = "N = " + formatN(n);
    if (label.textContent !== text) { label.textContent = text; }
  }

  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i += 1) {
      var slider = records[i].target.closest ? records[i].target.closest("#n-slider") : null;
      if (slider) { nLabelFollows(slider); return; }
    }
  }).observe(document.documentElement, {subtree: true, attributes: true,
                                         attributeFilter: ["aria-valuenow"]});

  var count = 0;

  function typing(el) {
    if (!el || !el.closest) { return false; }
    return Boolean(el.closest(
      "input, textarea, select, [contenteditable=true], [role=slider], [role=combobox], " +
      "[role=listbox], [role=option], .dash-dropdown"
    ));
  }

  function lecture() {
    var page = document.getElementById("page");
    return Boolean(page && page.classList.contains("lecture"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (typing(event.target)) { return; }
    var action = null;
    switch (event.key) {
      case "n": case "N": action = "next"; break;
      case "p": case "P": action = "prev"; break;
      case "PageDown": case "ArrowRight": if (lecture()) { action = "next"; } break;
      case "PageUp": case "ArrowLeft": if (lecture()) { action = "prev"; } break;
      case "l": case "L": action = "lecture"; break;
      case "t": case "T": action = "theme"; break;
      case "Escape": if (lecture()) { action = "exit"; } break;
      default: break;
    }
    var dc = window.dash_clientside;
    if (!action || !dc || typeof dc.set_props !== "function") { return; }
    event.preventDefault();
    count += 1;
    dc.set_props("key-event-store", {data: {action: action, n: count}});
  });
}());
