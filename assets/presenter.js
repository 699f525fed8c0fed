/* Spin-glass loss landscapes: presenting.
 *
 * - f: one plot fills the screen (the plot under the pointer, else the focused one, else
 *   the first plot of the open view); f or Esc again returns;
 * - ?: the list of keys (a dialog; Esc or ? closes it);
 * - the address bar: clientside function presenter.writeAddress writes the settings' query
 *   string with history.pushState for a discrete change, history.replaceState while one
 *   slider is being moved (consecutive changes of one control within REPLACE_MS), tells
 *   dcc.Location, and returns the full address for the link box;
 * - following a presenter: presenter.follow(data) starts or stops asking the room for a newer
 *   state (a small JSON route whose requests wait for the presenter's next publish) and
 *   hands a newer state to the page through the "follow-incoming-store" store.
 */
(function () {
  "use strict";

  var REPLACE_MS = 1500;
  var KEYS = [
    ["n / p", "next / previous preset"],
    ["PageDown / PageUp", "next / previous preset"],
    ["→ / ←", "next / previous preset (lecture mode)"],
    ["l", "lecture mode on / off"],
    ["t", "theme: light → dark → high contrast"],
    ["f", "one plot fills the screen (again: back)"],
    ["c", "compare: pin the curves and freeze the axes (again: unpin)"],
    ["Esc", "back from the full-screen plot; leaves lecture mode"],
    ["?", "this list"]
  ];

  function typing(el) {
    if (!el || !el.closest) { return false; }
    return Boolean(el.closest(
      "input, textarea, select, [contenteditable=true], [role=slider], [role=combobox], " +
      "[role=listbox], [role=option], .dash-dropdown"
    ));
  }

  // ------------------------------------------------------------------ one plot, full screen
  var hovered = null;
  document.addEventListener("mouseover", function (event) {
    var g = event.target && event.target.closest ? event.target.closest(".dash-graph") : null;
    if (g) { hovered = g; }
  });

  function visible(el) {
    // a hidden kept panel (components/layout.py KEPT_VIEWS) keeps its plots' boxes
    return Boolean(el && el.offsetParent !== null && el.getClientRects().length &&
                   !el.closest(".kept-panel[hidden]"));
  }

  function currentGraph() {
    if (visible(hovered)) { return hovered; }
    var active = document.activeElement;
    var g = active && active.closest ? active.closest(".dash-graph") : null;
    if (visible(g)) { return g; }
    var all = document.querySelectorAll(".view-tab-content .dash-graph");
    for (var i = 0; i < all.length; i += 1) {
      if (visible(all[i])) { return all[i]; }
    }
    return null;
  }

  function resizeSoon() {
    window.requestAnimationFrame(function () { window.dispatchEvent(new Event("resize")); });
  }

  function focused() { return document.querySelector(".dash-graph.plot-focus"); }

  function leavePlotFocus() {
    var g = focused();
    if (!g) { return false; }
    g.classList.remove("plot-focus");
    document.body.classList.remove("has-plot-focus");
    resizeSoon();
    return true;
  }

  function togglePlotFocus() {
    if (leavePlotFocus()) { return; }
    var g = currentGraph();
    if (!g) { return; }
    g.classList.add("plot-focus");
    document.body.classList.add("has-plot-focus");
    resizeSoon();
  }

  // ------------------------------------------------------------------ the keys overlay
  var lastFocus = null;

  function keysDialog() {
    var d = document.getElementById("keys-dialog");
    if (d) { return d; }
    d = document.createElement("div");
    d.id = "keys-dialog";
    d.className = "keys-dialog";
    d.setAttribute("role", "dialog");
    d.setAttribute("aria-modal", "true");
    d.setAttribute("aria-labelledby", "keys-dialog-title");
    d.hidden = true;
    var box = document.createElement("div");
    box.className = "keys-box";
    var h = document.createElement("h2");
    h.id = "keys-dialog-title";
    h.textContent = "Keys";
    box.appendChild(h);
    var table = document.createElement("table");
    table.className = "keys-table";
    var body = document.createElement("tbody");
    KEYS.forEach(function (row) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.setAttribute("scope", "row");
      var kbd = document.createElement("kbd");
      kbd.textContent = row[0];
      th.appendChild(kbd);
      var td = document.createElement("td");
      td.textContent = row[1];
      tr.appendChild(th);
      tr.appendChild(td);
      body.appendChild(tr);
    });
    table.appendChild(body);
    box.appendChild(table);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "keys-close";
    close.textContent = "Close";
    close.addEventListener("click", function () { toggleKeys(false); });
    box.appendChild(close);
    d.appendChild(box);
    d.addEventListener("click", function (event) { if (event.target === d) { toggleKeys(false); } });
    (document.getElementById("page") || document.body).appendChild(d);
    return d;
  }

  function toggleKeys(show) {
    var d = keysDialog();
    var open = typeof show === "boolean" ? show : d.hidden;
    if (open) {
      lastFocus = document.activeElement;
      d.hidden = false;
      d.querySelector(".keys-close").focus();
    } else if (!d.hidden) {
      d.hidden = true;
      if (lastFocus && lastFocus.focus) { lastFocus.focus(); }
    }
  }
  window.spinglassToggleKeys = toggleKeys;

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var dialog = document.getElementById("keys-dialog");
    var dialogOpen = dialog && !dialog.hidden;
    if (event.key === "Escape") {
      if (dialogOpen) { toggleKeys(false); }
      else if (!leavePlotFocus()) { return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (dialogOpen && event.key === "Tab") {  // keep the focus in the dialog
      event.preventDefault();
      dialog.querySelector(".keys-close").focus();
      return;
    }
    if (typing(event.target)) { return; }
    if (event.key === "?") {
      toggleKeys();
      event.preventDefault();
    } else if ((event.key === "f" || event.key === "F") && !dialogOpen) {
      togglePlotFocus();
      event.preventDefault();
    }
  }, true);

  // ------------------------------------------------------------------ buttons
  function toggleDrawer(button) {
    var panel = document.getElementById(button.getAttribute("aria-controls") || "settings-panel");
    if (!panel) { return; }
    var open = panel.classList.toggle("drawer-closed") === false;
    button.setAttribute("aria-expanded", String(open));
    if (open) { panel.scrollIntoView({block: "start"}); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) { return; }
    if (target.closest("#keys-button")) { toggleKeys(true); }
    var link = target.closest("a[data-tab]");  // a link to another view keeps the settings
    if (link) {
      var tab = document.getElementById("tab-" + link.getAttribute("data-tab"));
      if (tab) {
        event.preventDefault();
        tab.click();
        tab.focus();
        window.scrollTo(0, 0);
      }
    }
    var drawer = target.closest("#settings-toggle");
    if (drawer) { toggleDrawer(drawer); }
  });

  // ------------------------------------------------------------------ the address bar
  var last = {source: null, at: 0};

  var SESSION_KEYS = ["follow", "present", "key"];

  function sessionPart() {
    // The presenting-session parameters of the current address, kept across rewrites.
    var params = new URLSearchParams(window.location.search);
    var kept = [];
    SESSION_KEYS.forEach(function (k) {
      if (params.has(k)) { kept.push(encodeURIComponent(k) + "=" + encodeURIComponent(params.get(k))); }
    });
    return kept.join("&");
  }

  function writeAddress(data, href) {
    var dc = window.dash_clientside;
    if (data && typeof data.search === "string") {
      var search = data.search && data.search !== "?" ? data.search : "";
      var session = sessionPart();
      if (session) { search = (search ? search + "&" : "?") + session; }
      var url = window.location.pathname + search + window.location.hash;
      var now = Date.now();
      if (search !== window.location.search) {
        var replace = data.mode === "replace" || (
          data.mode !== "push" && data.source && data.source === last.source &&
          now - last.at < REPLACE_MS
        );
        if (replace) {
          window.history.replaceState(window.history.state, "", url);
        } else {
          window.history.pushState(null, "", url);
        }
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
      }
      last = {source: data.slider ? data.source : null, at: now};
    }
    return window.location.href;
  }

  // ------------------------------------------------------------------ following a presenter
  // One request at a time asks the room for a state newer than the one this page has; the
  // server holds it until the presenter publishes (at most WAIT_S seconds), so a step
  // arrives as soon as it is published and the next request goes out at once.  A server
  // that could not let the request wait (no X-Follow-Waited header) is asked again after
  // POLL_MS; after an error, after RETRY_MS.
  var follow = {room: null, on: false, version: 0, timer: null, busy: false, abort: null};
  var POLL_MS = 400;
  var RETRY_MS = 2000;
  var WAIT_S = 10;

  function schedule(ms) {
    if (follow.timer) { window.clearTimeout(follow.timer); }
    follow.timer = follow.on ? window.setTimeout(poll, ms) : null;
  }

  function poll() {
    follow.timer = null;
    if (!follow.on || !follow.room || follow.busy) { return; }
    follow.busy = true;
    var room = follow.room;
    var ctrl = window.AbortController ? new window.AbortController() : null;
    follow.abort = ctrl;
    var next = RETRY_MS;
    var url = "/presenter/" + encodeURIComponent(room) + "/state?since=" + follow.version +
      "&wait=" + WAIT_S;
    window.fetch(url, {cache: "no-store", credentials: "same-origin", signal: ctrl ? ctrl.signal : undefined})
      .then(function (r) {
        if (r.status === 200 || r.status === 204) {
          next = r.headers.get("X-Follow-Waited") ? 0 : POLL_MS;
        }
        return r.status === 200 ? r.json() : null;
      })
      .then(function (body) {
        if (body && follow.on && room === follow.room && typeof body.version === "number" &&
            body.version > follow.version) {
          follow.version = body.version;
          next = 0;
          window.dash_clientside.set_props("follow-incoming-store", {data: body});
        }
      })
      .catch(function () { /* offline for a moment, or stopped: asked again below */ })
      .then(function () {
        follow.busy = false;
        if (follow.abort === ctrl) { follow.abort = null; }
        var stopped = Boolean(ctrl && ctrl.signal.aborted) || room !== follow.room;
        if (follow.on && !follow.timer) { schedule(stopped ? 0 : next); }
      });
  }

  function followControl(data) {
    var room = data && typeof data.room === "string" ? data.room : null;
    var on = Boolean(room && data.following);
    var changed = room !== follow.room || (on && !follow.on);
    if (changed) { follow.version = 0; }  // a new room, or rejoining: take the latest state
    if ((changed || !on) && follow.abort) {
      follow.abort.abort();  // a waiting request for the old room or version
      follow.abort = null;
    }
    follow.room = room;
    follow.on = on;
    if (on && (changed || (!follow.busy && !follow.timer))) {
      schedule(0);
    } else if (!on && follow.timer) {
      window.clearTimeout(follow.timer);
      follow.timer = null;
    }
    if (!room) { return [true, "", "Explore on my own"]; }
    return on
      ? [false, "Following the lecturer: this page shows what the lecturer shows.", "Explore on my own"]
      : [false, "Exploring on your own: the lecturer's changes wait.", "Follow the lecturer again"];
  }

  function followFromAddress(search, toggles, current) {
    // The room comes from ?follow=ROOM; the toggle button switches following off and on.
    var trig = (window.dash_clientside.callback_context.triggered || []).map(function (t) { return t.prop_id; });
    var room = new URLSearchParams(window.location.search).get("follow");
    if (!room || !/^[A-Za-z0-9_-]{6,32}$/.test(room)) {
      return current && current.room ? null : window.dash_clientside.no_update;
    }
    if (trig.indexOf("follow-toggle.n_clicks") >= 0 && current && current.room === room) {
      return {room: room, following: !current.following};
    }
    if (current && current.room === room) { return window.dash_clientside.no_update; }
    return {room: room, following: true};
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    presenter: {writeAddress: writeAddress, follow: followControl, followFromAddress: followFromAddress}
  });
}());
