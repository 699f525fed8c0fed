/* Spin-glass loss landscapes: accessible names and keyboard use for the dcc widgets.
 *
 * Dash's own widgets render some markup that assistive technology cannot use as is:
 * radio items and checklists as a listbox whose options are <label>s wrapping the inputs
 * (an interactive control inside another), slider handles and their number boxes without
 * a name, a focusable input hidden from assistive technology inside each dropdown, and
 * tabs that are plain <div>s a keyboard cannot reach.  The page's controls each sit in a
 * role="group" named by its label (components' labelled controls), so the missing names
 * are taken from that label.  The repair runs after every render (a MutationObserver),
 * touches only attributes the widgets do not set themselves, and is idempotent.
 */
(function () {
  "use strict";

  function groupLabel(el) {
    var group = el.closest("[role=group][aria-labelledby], [role=group][aria-label]");
    if (!group) { return null; }
    var id = group.getAttribute("aria-labelledby");
    if (id) {
      var label = document.getElementById(id.split(" ")[0]);
      if (label) { return {id: label.id, text: label.textContent.replace(/\s+/g, " ").trim()}; }
    }
    var text = group.getAttribute("aria-label");
    return text ? {id: null, text: text} : null;
  }

  function named(el) {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) { return true; }
    if (el.id && document.querySelector("label[for='" + CSS.escape(el.id) + "']")) { return true; }
    return Boolean(el.closest("label"));
  }

  function nameAs(el, label, suffix) {
    if (!label || named(el)) { return; }
    if (!suffix && label.id) {
      el.setAttribute("aria-labelledby", label.id);
    } else {
      el.setAttribute("aria-label", label.text + (suffix ? " — " + suffix : ""));
    }
  }

  function repairOptionLists(root) {
    root.querySelectorAll(".dash-options-list[role=listbox]").forEach(function (list) {
      var radio = list.classList.contains("dash-radioitems");
      list.setAttribute("role", radio ? "radiogroup" : "group");
      nameAs(list, groupLabel(list));
      list.querySelectorAll("label[role=option]").forEach(function (option) {
        option.removeAttribute("role");
        option.removeAttribute("aria-selected");
      });
    });
  }

  function repairSliders(root) {
    root.querySelectorAll(".dash-slider-container, .dash-range-slider-container").forEach(function (slider) {
      var label = groupLabel(slider);
      if (!label) { return; }
      var thumbs = slider.querySelectorAll("[role=slider]");
      thumbs.forEach(function (thumb, i) {
        var suffix = thumbs.length > 1 ? (i === 0 ? "lower end" : "upper end") : "";
        nameAs(thumb, label, suffix);
      });
      slider.querySelectorAll("input").forEach(function (input) {
        var suffix = input.classList.contains("dash-range-slider-min-input") ? "lower end, number"
          : input.classList.contains("dash-range-slider-max-input") && thumbs.length > 1
            ? "upper end, number" : "number";
        nameAs(input, label, suffix);
      });
    });
  }

  function repairDropdowns(root) {
    root.querySelectorAll(".dash-dropdown-focus-target[aria-hidden=true]").forEach(function (input) {
      if (input.getAttribute("tabindex") !== "-1") { input.setAttribute("tabindex", "-1"); }
    });
    root.querySelectorAll("button.dash-dropdown").forEach(function (button) {
      nameAs(button, groupLabel(button));
    });
  }

  function repairTabs(root) {
    root.querySelectorAll(".tab-container").forEach(function (list) {
      if (list.getAttribute("role") !== "tablist") {
        list.setAttribute("role", "tablist");
        if (!list.getAttribute("aria-label")) { list.setAttribute("aria-label", "Views"); }
      }
      var tabs = list.querySelectorAll(":scope > .tab");
      tabs.forEach(function (tab) {
        var selected = tab.classList.contains("tab--selected");
        if (tab.getAttribute("role") !== "tab") { tab.setAttribute("role", "tab"); }
        if (tab.getAttribute("aria-selected") !== String(selected)) {
          tab.setAttribute("aria-selected", String(selected));
        }
        var index = selected ? "0" : "-1";
        if (tab.getAttribute("tabindex") !== index) { tab.setAttribute("tabindex", index); }
      });
    });
  }

  function repair() {
    var root = document.getElementById("react-entry-point") || document.body;
    if (!document.documentElement.getAttribute("lang")) { document.documentElement.setAttribute("lang", "en"); }
    repairOptionLists(root);
    repairSliders(root);
    repairDropdowns(root);
    repairTabs(root);
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      repair();
    });
  }

  // Tabs from the keyboard: Enter / Space open the focused tab; arrows, Home, End move
  // between tabs and open the one reached (tabs change no data, so opening is harmless).
  document.addEventListener("keydown", function (event) {
    var tab = event.target && event.target.closest ? event.target.closest("[role=tab]") : null;
    if (!tab || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var tabs = Array.prototype.slice.call(tab.parentElement.querySelectorAll(":scope > [role=tab]"));
    var at = tabs.indexOf(tab);
    var next = null;
    switch (event.key) {
      case "Enter": case " ": tab.click(); event.preventDefault(); return;
      case "ArrowRight": case "ArrowDown": next = tabs[(at + 1) % tabs.length]; break;
      case "ArrowLeft": case "ArrowUp": next = tabs[(at - 1 + tabs.length) % tabs.length]; break;
      case "Home": next = tabs[0]; break;
      case "End": next = tabs[tabs.length - 1]; break;
      default: return;
    }
    event.preventDefault();
    event.stopPropagation();
    next.click();
    next.focus();
  }, true);

  function start() {
    repair();
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i += 1) {
        var target = records[i].target;
        if (records[i].type === "attributes" && !(target.classList && target.classList.contains("tab"))) {
          continue;
        }
        if (target.closest && target.closest(".js-plotly-plot")) { continue; }
        schedule();
        return;
      }
    }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ["class"]});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
