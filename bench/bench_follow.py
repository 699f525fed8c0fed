"""Following the lecturer: how long a presenter's step takes to reach a follower.

    .venv/bin/python app.py &          # serving on 127.0.0.1:8050 (or give the address)
    .venv/bin/python bench/bench_follow.py [http://127.0.0.1:8050] [--runs 3] [--steps 6]

Two headless Chromiums: one presents, one follows the audience link; the presenter steps
through presets (key n).  Every time is taken inside the browsers (both on this machine,
so their clocks agree) and counted from the moment the presenter's address bar changes
(the presenter's own settings callback has answered):

* ``arrive``  -- the follower's request to the room has returned the new state;
* ``state``   -- the follower's address bar shows the same settings (the state has been
  applied: settings callback answered, controls, stores and address bar updated);
* ``first``   -- the follower's main figure (the first plot of the open tab) is drawn for
  the first time after the state arrived (Plotly.react resolved): in the analytic views the
  browser's own redraw from the server's tables (assets/redraw.js), else the server's;
* ``figure``  -- the follower's main figure is drawn for the last time after the step (the
  server's figure, which replaces the browser's redraw);
* ``own``     -- for comparison, the presenter's own main figure, counted from the same
  moment: what drawing the view costs on the server and in a browser, whoever follows.

Each run prints every step, then the median and the maximum over all runs.
"""
from __future__ import annotations

import argparse
import statistics
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options

#: Injected before any page script: records address-bar writes and finished plot draws.
PROBE = r"""
window.__bench = {urls: [], draws: [], requests: []};
(function () {
  var fetch0 = window.fetch;
  window.fetch = function (url, opts) {
    var row = {start: Date.now(), url: String(url), what: ""};
    try {
      if (opts && typeof opts.body === "string" && row.url.indexOf("_dash-update-component") >= 0) {
        row.what = JSON.parse(opts.body).output.slice(0, 60);
      }
    } catch (e) { /* not JSON */ }
    var p = fetch0.apply(this, arguments);
    var done = function (status) {
      row.end = Date.now();
      row.status = status;
      window.__bench.requests.push(row);
    };
    p.then(function (r) { done(r.status); }, function () { done(-1); });
    return p;
  };
  ["pushState", "replaceState"].forEach(function (name) {
    var orig = history[name];
    history[name] = function () {
      var r = orig.apply(this, arguments);
      window.__bench.urls.push({t: Date.now(), search: location.search});
      return r;
    };
  });
  var timer = setInterval(function () {
    var P = window.Plotly;
    if (!P || !P.react || P.__benchWrapped) { return; }
    var react = P.react;
    P.react = function (gd) {
      var p = react.apply(this, arguments);
      Promise.resolve(p).then(function () {
        var host = gd && gd.closest ? gd.closest(".dash-graph") : null;
        window.__bench.draws.push({t: Date.now(), id: host ? host.id : (gd && gd.id) || ""});
      });
      return p;
    };
    P.__benchWrapped = true;
    clearInterval(timer);
  }, 5);
})();
"""

#: The id of the open view's first plot (what presenter.js's full-screen key picks).
MAIN_GRAPH = r"""
function visible(el) {
  return Boolean(el && el.offsetParent !== null && el.getClientRects().length);
}
var all = document.querySelectorAll(".view-tab-content .dash-graph");
for (var i = 0; i < all.length; i += 1) { if (visible(all[i])) { return all[i].id; } }
return null;
"""


def drv():
    o = Options()
    for f in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        o.add_argument(f)
    d = webdriver.Chrome(options=o)
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
    return d


def _settings(search: str) -> str:
    return "&".join(p for p in (search or "").lstrip("?").split("&")
                    if p and not p.startswith(("follow=", "present=", "key=")))


def _events(d, kind: str) -> list:
    return d.execute_script(f"return window.__bench.{kind}.slice();")


def _settle(d, since_ms: float, quiet_s: float = 1.5, limit_s: float = 20.0) -> None:
    """Wait until the page has drawn nothing for ``quiet_s`` and no plot is pending."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        draws = [e["t"] for e in _events(d, "draws") if e["t"] >= since_ms]
        pending = d.execute_script(
            "return document.querySelectorAll('.dash-graph--pending').length;")
        last = max(draws, default=since_ms)
        if not pending and time.time() * 1000 - last > quiet_s * 1000:
            return
        time.sleep(0.1)


def _figure_time(d, since_ms: float, after_ms: float | None = None):
    """(last draw, first draw after ``after_ms``) of the main graph, in seconds after
    ``since_ms``, and the graph's id."""
    gid = d.execute_script(MAIN_GRAPH)
    draws = [e["t"] for e in _events(d, "draws") if e["t"] >= since_ms and e["id"] == gid]
    late = [t for t in draws if after_ms is None or t >= after_ms]
    last = (max(draws) - since_ms) / 1000 if draws else None
    first = (min(late) - since_ms) / 1000 if late else None
    return last, first, gid


def _arrival(d, t0: float, applied: float | None):
    """When the follower's request to the room returned the state applied at ``applied``."""
    ends = [r["end"] for r in _events(d, "requests")
            if "/presenter/" in r["url"] and r.get("status") == 200 and r["end"] >= t0 - 3000
            and (applied is None or r["end"] <= applied)]
    return max(ends) if ends else None


def _timeline(d, who: str, t0: float, end: float) -> list[str]:
    rows = []

    def at(t: float) -> str:
        return f"{(t - t0) / 1000:+6.2f}"

    for r in _events(d, "requests"):
        room = "/presenter/" in r["url"]
        if r["start"] < t0 - 1500 or r["start"] > end or (room and r.get("status") == 204):
            continue
        what = r["what"] or r["url"].split("?")[0].rsplit("/", 2)[-2 if room else -1]
        rows.append((r["start"], f"    {who} {at(r['start'])} .. {at(r['end'])}"
                                 f"  {r.get('status')}  {what}"))
    for e in _events(d, "urls"):
        if t0 - 1500 <= e["t"] <= end:
            rows.append((e["t"], f"    {who} {at(e['t'])}  address {e['search'][:50]}"))
    for e in _events(d, "draws"):
        if t0 - 1500 <= e["t"] <= end:
            rows.append((e["t"], f"    {who} {at(e['t'])}  drawn {e['id']}"))
    return rows


def one_run(base: str, steps: int, detail: bool = False) -> list[dict]:
    p, a = drv(), drv()
    rows = []
    try:
        p.get(base + "/")
        time.sleep(5)
        p.find_element("css selector", "#present-button").click()
        while "follow=" not in (p.find_element("css selector", "#audience-link")
                                .get_attribute("href") or ""):
            time.sleep(0.2)
        a.get(p.find_element("css selector", "#audience-link").get_attribute("href"))
        time.sleep(6)
        _settle(a, 0)
        for _ in range(steps):
            p.execute_script("document.activeElement && document.activeElement.blur();")
            before = p.execute_script("return location.search")
            n_urls = len(_events(p, "urls"))
            p.find_element("css selector", "body").send_keys("n")
            deadline = time.monotonic() + 30
            while p.execute_script("return location.search") == before:
                if time.monotonic() > deadline:
                    raise RuntimeError("the presenter's address bar did not change")
                time.sleep(0.02)
            t0 = next(e["t"] for e in _events(p, "urls")[n_urls:]
                      if _settings(e["search"]) != _settings(before))
            want = _settings(p.execute_script("return location.search"))
            while _settings(a.execute_script("return location.search")) != want:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            arrived = [e["t"] for e in _events(a, "urls")
                       if e["t"] >= t0 - 5000 and _settings(e["search"]) == want]
            state = (min(arrived) - t0) / 1000 if arrived else None
            _settle(a, t0)
            _settle(p, t0, quiet_s=0.2)
            got = _arrival(a, t0, min(arrived) if arrived else None)
            fig, first, gid = _figure_time(a, t0, got)
            own, _, _ = _figure_time(p, t0)
            if detail:
                end = t0 + 1000 * max(x or 0 for x in (state, fig, own)) + 50
                lines = sorted(_timeline(p, "P", t0, end) + _timeline(a, "F", t0, end))
                print("\n".join(line for _, line in lines))
            rows.append({"arrive": None if got is None else (got - t0) / 1000, "state": state,
                         "first": first, "figure": fig, "own": own, "graph": gid,
                         "step": want.split("tab=")[-1].split("&")[0] if "tab=" in want else "?"})
            time.sleep(1.0)
    finally:
        p.quit()
        a.quit()
    return rows


def _fmt(x) -> str:
    return "  -  " if x is None else f"{x:5.2f}"


def _summary(name: str, xs: list) -> str:
    xs = [x for x in xs if x is not None]
    if not xs:
        return f"{name}: no data"
    under = sum(1 for x in xs if x < 1.0)
    return (f"{name:7s} median {statistics.median(xs):.2f} s  max {max(xs):.2f} s  "
            f"n {len(xs)}  under 1 s: {under}/{len(xs)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base", nargs="?", default="http://127.0.0.1:8050")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--detail", action="store_true",
                    help="print both browsers' requests, address writes and draws per step")
    args = ap.parse_args()
    everything = []
    for run in range(args.runs):
        rows = one_run(args.base, args.steps, args.detail)
        everything += rows
        print(f"run {run + 1}:  step  view           arrive  state  first  figure  own (s)"
              "  [graph]")
        for i, r in enumerate(rows, 1):
            print(f"        {i:4d}  {r['step']:14s} {_fmt(r['arrive'])}  {_fmt(r['state'])}  "
                  f"{_fmt(r['first'])}  {_fmt(r['figure'])}  {_fmt(r['own'])}    [{r['graph']}]")
    for key in ("arrive", "state", "first", "figure", "own"):
        print(_summary(key, [r[key] for r in everything]))


if __name__ == "__main__":
    main()
