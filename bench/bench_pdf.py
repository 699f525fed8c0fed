"""PDF export timing: the first export (starts the renderer's Chromium) and the next ones.

    .venv/bin/python bench/bench_pdf.py [exports]

Renders the complexity figure through components.export.figure_pdf (the page's PDF path:
one long-lived kaleido in a worker process) and prints the first time and the median and
maximum of the rest, then the time to shut the renderer down.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, as documented

from components.export import figure_pdf  # noqa: E402
from components.figures.style import titled_for_export  # noqa: E402
from components.renderer import shared_renderer  # noqa: E402
from components.views.analytic import render_complexity  # noqa: E402


def main(n: int = 6) -> None:
    payload = render_complexity(3, 5, None, None, "light", False)
    figure = titled_for_export(payload["figures"]["complexity"], "Complexity", "Depth H = 3")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        pdf = figure_pdf(figure)
        times.append(time.perf_counter() - start)
        assert pdf.startswith(b"%PDF")
    start = time.perf_counter()
    shared_renderer().close()
    closing = time.perf_counter() - start
    rest = times[1:]
    print(f"PDF export: first {times[0]:.2f} s; next {len(rest)}: median "
          f"{statistics.median(rest):.2f} s, max {max(rest):.2f} s; shutdown {closing:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
