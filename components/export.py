"""Exports of every plot: its data as CSV, the figure as PDF, and a table view.

A view's renderer (components/views/<wing>.py) returns, next to each figure, the table of the
data drawn: columns and rows.  That table is the single source of

* the CSV download (:func:`csv_text`): a header of ``#`` lines with the application,
  the plot, its theory section, the permalink and every setting the plot depends on,
  then one header row and the rows, numbers at full precision (empty cell: not computed);
* the accessible table view under each plot (:func:`table_view`): the same columns, at
  most ``max_rows`` rows, 6 significant digits.

PDF export renders the figure server-side with kaleido and the system's Chromium
(:func:`figure_pdf`).  Without a usable Chromium it raises :class:`ExportUnavailable`
with a message for the page; the app keeps serving.  PNG and SVG are made by the browser
(modebar and the export buttons, assets/app.js).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import shutil
import threading
from html import escape
from typing import Any, Iterable, Mapping

import numpy as np

from dash import dcc, html

from components.settings import APP_NAME, VERSION

__all__ = [
    "ExportUnavailable",
    "csv_text",
    "columns_csv",
    "format_cell",
    "table_view",
    "html_table",
    "find_chromium",
    "figure_pdf",
    "PDF_SIZE",
]

logger = logging.getLogger(__name__)

#: Page size of exported PDFs in CSS pixels (width, height).
PDF_SIZE = (1100, 680)
_PDF_TIMEOUT = 20.0  # seconds one figure may take in the renderer
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class ExportUnavailable(RuntimeError):
    """An export that cannot be made on this server; the message is shown on the page."""


def _csv_value(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return ""
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    return str(x)


def _rows(rows) -> Iterable[list]:
    if isinstance(rows, np.ndarray):
        return rows.tolist()
    return rows


def csv_text(table: Mapping, title: str, parameters: Mapping[str, Any]) -> str:
    """CSV of ``table`` (``columns``, ``rows``) under a ``#`` header naming ``title`` and ``parameters``.

    Numbers keep full precision (shortest round-trip repr); NaN (not computed) is an
    empty cell.

    >>> print(csv_text({"columns": ["k", "E"], "rows": [[0, 1.5]]}, "t", {"H": 3}), end="")
    # Spin-glass loss landscapes 0.1.0
    # t
    # H = 3
    k,E
    0,1.5
    """
    out = io.StringIO()
    out.write(f"# {APP_NAME} {VERSION}\n# {title}\n")
    for key, value in parameters.items():
        text = str(value).replace("\r", " ").replace("\n", "; ")
        out.write(f"# {key} = {text}\n")
    if table.get("note"):
        out.write(f"# Columns: {table['note']}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table["columns"])
    for row in _rows(table["rows"]):
        writer.writerow([_csv_value(x) for x in row])
    return out.getvalue()


def _csv_cell(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, (float, np.floating)):
        return "" if not math.isfinite(float(x)) else repr(float(x))
    text = str(x)
    if any(ch in text for ch in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def columns_csv(header: Mapping[str, Any], columns: Mapping[str, Any]) -> str:
    """CSV of equally long ``columns`` after ``# key: value`` lines of parameters.

    Empty cells mark values that are not shown (outside the domain of validity).

    >>> print(columns_csv({"H": 3}, {"u": [-1.7], "K0": [float("nan")]}), end="")
    # H: 3
    u,K0
    -1.7,
    """
    lines = [f"# {key}: {value}" for key, value in header.items()]
    names = list(columns)
    lines.append(",".join(_csv_cell(n) for n in names))
    cols = [list(columns[n]) for n in names]
    for row in zip(*cols):
        lines.append(",".join(_csv_cell(x) for x in row))
    return "\n".join(lines) + "\n"


def format_cell(x: Any) -> str:
    """A table cell: numbers to 6 significant digits, ``—`` for not computed."""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "—"
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        return f"{x:.6g}".replace("-", "−")
    return str(x)


def html_table(columns: list[str], rows: list, class_name: str) -> str:
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(format_cell(x))}</td>" for x in row) + "</tr>" for row in rows
    )
    return f'<table class="{class_name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def table_view(table: Mapping, summary: str, max_rows: int = 40):
    """The data of a plot as a collapsible HTML table (at most ``max_rows`` evenly spaced rows).

    The table is one block of escaped HTML (a single component: the page stays fast when
    it is replaced on every slider move).
    """
    rows = list(_rows(table["rows"]))
    n = len(rows)
    step = max(1, math.ceil(n / max_rows))
    shown = rows[::step]
    if n and (n - 1) % step:
        shown.append(rows[-1])
    if step > 1:
        what = f"{len(shown)} of {n} rows (every {step}th; the CSV has all)"
    else:
        what = f"{n} rows"
    children = [html.Summary(f"{summary} — table of the plotted data ({what})")]
    if table.get("note"):
        children.append(html.P(table["note"], className="table-note"))
    children.append(
        dcc.Markdown(
            html_table(list(table["columns"]), shown, "data-table"),
            dangerously_allow_html=True,
            className="table-wrap",
        )
    )
    return html.Details(children, className="data-details")


def find_chromium() -> str | None:
    """Path of the Chromium kaleido will use (``BROWSER_PATH`` or the first on ``PATH``)."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return given if os.path.isfile(given) and os.access(given, os.X_OK) else None
    for name in _BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class _Kaleido:
    """PDF rendering through one long-lived kaleido per web process (components/renderer.py).

    The first export starts the renderer's Chromium (seconds); later ones only draw.  A
    renderer that fails is stopped and started again on the next export; without Chromium
    on the server the export says so.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def render(self, figure: Mapping, fmt: str, width: int, height: int) -> bytes:
        if find_chromium() is None:
            raise ExportUnavailable(
                "PDF export needs Chromium on the server (Debian: apt-get install chromium; "
                "or set BROWSER_PATH). PNG and SVG exports work in the browser."
            )
        from components.renderer import RendererError, shared_renderer  # noqa: PLC0415

        try:
            return shared_renderer(_PDF_TIMEOUT).render(dict(figure), fmt, width, height)
        except RendererError as exc:
            logger.error("PDF export failed: %s", exc)
            raise ExportUnavailable(
                "PDF export failed on the server; PNG and SVG exports work in the browser."
            ) from None


_KALEIDO = _Kaleido()


def figure_pdf(figure: Mapping, width: int = PDF_SIZE[0], height: int = PDF_SIZE[1]) -> bytes:
    """The figure (a plotly figure dict) as PDF bytes, rendered by kaleido with Chromium.

    Raises :class:`ExportUnavailable` (with a message for the page) when Chromium is
    missing, fails, or does not answer within 20 s (below the server's own timeouts).
    """
    return _KALEIDO.render(figure, "pdf", width, height)
