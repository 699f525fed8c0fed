"""Following the lecturer: how long a presenter's step takes to reach a follower.

    .venv/bin/python app.py &          # serving on 127.0.0.1:8050 (or give the address)
    .venv/bin/python bench/bench_follow.py [http://127.0.0.1:8050]

Two headless Chromiums: one presents, one follows the audience link; the presenter steps
through six presets (key n) and the time from the presenter's address bar changing to the
follower's is printed for each, with the median.
"""
import statistics
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options


def drv():
    o = Options()
    for f in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        o.add_argument(f)
    return webdriver.Chrome(options=o)


def _settings(search: str) -> str:
    return "&".join(p for p in search.lstrip("?").split("&") if not p.startswith("follow="))


def main(base: str) -> None:
    p, a = drv(), drv()
    try:
        p.get(base + "/")
        time.sleep(5)
        p.find_element("css selector", "#present-button").click()
        while "follow=" not in (p.find_element("css selector", "#audience-link")
                                .get_attribute("href") or ""):
            time.sleep(0.2)
        a.get(p.find_element("css selector", "#audience-link").get_attribute("href"))
        time.sleep(6)
        lat = []
        for _ in range(6):
            p.execute_script("document.activeElement && document.activeElement.blur();")
            before = p.execute_script("return location.search")
            p.find_element("css selector", "body").send_keys("n")
            while p.execute_script("return location.search") == before:
                time.sleep(0.02)
            t0 = time.monotonic()
            want = _settings(p.execute_script("return location.search"))
            while _settings(a.execute_script("return location.search")) != want:
                if time.monotonic() - t0 > 30:
                    break
                time.sleep(0.02)
            lat.append(time.monotonic() - t0)
            time.sleep(1.5)
        print("follow latency per preset step (s):", [round(x, 2) for x in lat],
              "median", round(statistics.median(lat), 2))
    finally:
        p.quit()
        a.quit()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8050")
