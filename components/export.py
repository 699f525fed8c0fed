"""Exports of every plot, one format and one path for every tab.

Every plot of the page has the same export row (:func:`export_row`): PNG and SVG made by the
browser (assets/app.js), PDF made on the server with a busy state, and CSV.  Its callbacks
are registered by :func:`register_export_row`, the only way a file leaves the page.

What a plot exports is an :class:`Export`: its title, the settings it depends on, the model
the numbers come from, their units, the permalink query and the file name, and its data as
one tidy table.  A view either builds it from the settings (``build``: the analytic views,
which re-render in the print style), or stamps it onto its figures (:func:`stamp`) so that
the figure on the page is the source (:func:`from_figure`: views whose figures come from
background jobs).  Either way :func:`csv_document` writes the one CSV format:

* a header block of ``# key: value`` lines: ``app``, ``plot``, ``link`` (the full address
  that opens the page in these settings), ``model``, ``units``, then one line per setting,
  and ``columns`` (what the columns mean) when there is a note;
* one header row and the rows, numbers at full precision (shortest round-trip repr; an
  empty cell is a value not computed or not shown).

:func:`read_csv` reads it back.  The accessible table view under a plot (:func:`table_view`)
shows the same columns, at most ``max_rows`` rows, to 6 significant digits.

PDF export renders the figure with kaleido and the system's Chromium in one long-lived
renderer (components/renderer.py, :func:`figure_pdf`).  Without a usable Chromium it raises
:class:`ExportUnavailable` with a message for the page; the app keeps serving.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
import math
import os
import shutil
import threading
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import plotly.graph_objects as go
from dash import ClientsideFunction, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.figures.style import titled_for_export, with_export_meta
from components.permalink import query_from_state
from components.registry import by_name
from components.settings import APP_NAME, VERSION
from components.state import default_state

__all__ = [
    "HEADER_KEYS",
    "Export",
    "ExportUnavailable",
    "CsvDocument",
    "csv_document",
    "read_csv",
    "figure_table",
    "from_figure",
    "stamp",
    "redrawn",
    "file_name",
    "name_of",
    "view_export",
    "NAME_KEYS",
    "csv_download",
    "pdf_download",
    "export_row",
    "register_export_row",
    "page_base",
    "format_cell",
    "table_view",
    "html_table",
    "find_chromium",
    "figure_pdf",
    "PDF_SIZE",
]

logger = logging.getLogger(__name__)

#: Header keys every CSV of the page carries first, in this order.
HEADER_KEYS = ("app", "plot", "link", "model", "units")

#: Page size of exported PDFs in CSS pixels (width, height).
PDF_SIZE = (1100, 680)
_PDF_TIMEOUT = 20.0  # seconds one figure may take in the renderer
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class ExportUnavailable(RuntimeError):
    """An export that cannot be made on this server; the message is shown on the page."""


# ---------------------------------------------------------------------------------------
# What a plot exports
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """One plot's export: what the CSV header, the figure's title and the file name say.

    ``params`` are the settings the plot depends on (label: value, in order); ``query`` is
    the permalink query (``""`` or ``"?..."``) that opens the page on this plot; ``table``
    is ``{"columns": [...], "rows": [...], "note": "..."}`` (``None``: taken from the
    figure); ``figure`` is what the PDF draws (``None``: the figure on the page); ``notes``
    say what is not shown and why (in the CSV, not on the figure).
    """

    title: str
    model: str
    units: str
    params: Mapping[str, Any] = field(default_factory=dict)
    query: str = ""
    name: str = "spinglass"
    table: Mapping | None = None
    figure: Any = None
    notes: str = ""

    def line(self) -> str:
        """The parameter line under the title of an exported figure."""
        return " · ".join(f"{key} = {_one_line(value)}" for key, value in self._given())

    def _given(self) -> list[tuple[str, Any]]:
        """The parameters that have a value (``None``: not used by these settings)."""
        return [(key, value) for key, value in self.params.items() if value is not None]

    def header(self, base: str = "") -> dict[str, str]:
        """The ``# key: value`` lines of the CSV, ``base`` the page address without query."""
        link = base + self.query if base else (self.query or "(all defaults)")
        head = {"app": f"{APP_NAME} {VERSION}", "plot": self.title, "link": link,
                "model": self.model, "units": self.units}
        for key, value in self._given():
            head.setdefault(_key(key), _one_line(value))
        if self.notes:
            head["notes"] = _one_line(self.notes)
        return head

    def meta(self) -> dict:
        """What a figure carries for its exports (``layout.meta.export``); a small ``table``
        travels along (the figure's own data is exported otherwise)."""
        meta = {"title": self.title, "params": self.line(), "name": self.name,
                "model": self.model, "units": self.units, "query": self.query,
                "header": {_key(k): _one_line(v) for k, v in self._given()},
                "notes": self.notes}
        if self.table is not None:
            meta["table"] = {"columns": [str(c) for c in self.table["columns"]],
                             "rows": [[_cell(x) for x in r] for r in _rows(self.table["rows"])],
                             "note": str(self.table.get("note") or "")}
        return meta


def _one_line(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(_one_line(v) for v in value)
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.10g}"
    return str(value).replace("\r", " ").replace("\n", "; ")


def _key(key: Any) -> str:
    """A header key: one line, no ``:`` (the reader splits at the first ``": "``)."""
    return _one_line(key).replace(":", "").strip() or "-"


def stamp(figure: Any, export: Export) -> Any:
    """``figure`` carrying ``export`` for its export row (title, parameter line, file name
    for PNG and SVG; header for a CSV made from the figure)."""
    return with_export_meta(figure, export.title, export.line(), export.name,
                            extra=export.meta())


def from_figure(figure: Any) -> Export | str:
    """The export of a figure the page holds (stamped by :func:`stamp`), its data as the
    tidy table of :func:`figure_table`; a message when there is nothing to export."""
    if isinstance(figure, go.Figure):
        figure = figure.to_plotly_json()
    if not isinstance(figure, Mapping):
        return "The figure is not drawn yet."
    layout = figure.get("layout") or {}
    meta = (layout.get("meta") or {}) if isinstance(layout, Mapping) else {}
    meta = meta.get("export") if isinstance(meta, Mapping) else None
    if not isinstance(meta, Mapping) or "model" not in meta:
        return "This figure has no data to export yet."
    table = meta.get("table")
    if not (isinstance(table, Mapping) and isinstance(table.get("columns"), list)
            and isinstance(table.get("rows"), list)):
        table = figure_table(figure)
    if not table["rows"]:
        return "This figure has no data to export yet."
    header = meta.get("header") if isinstance(meta.get("header"), Mapping) else {}
    return Export(title=str(meta.get("title", "")), model=str(meta.get("model", "")),
                  units=str(meta.get("units", "")), params=dict(header),
                  query=str(meta.get("query", "")), name=_safe(str(meta.get("name", ""))),
                  table=table, figure=figure, notes=str(meta.get("notes") or ""))


def redrawn(settings: Any, printing: bool, draw: Callable[[dict], Any]) -> Export | str:
    """The export of the stamped figure ``draw(settings)`` draws on the server for the
    (possibly forged) ``settings`` (``printing``: in the light theme with normal fonts), or
    why there is none: the ``build`` of a view that redraws its plots for the export row."""
    raw = dict(settings) if isinstance(settings, Mapping) else {}
    if printing:
        raw.update(theme="light", lecture=False)
    figure = draw(raw)
    made = from_figure(figure)
    return made if isinstance(made, str) else replace(made, figure=figure)


def _safe(name: str) -> str:
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:160]
    return name or "spinglass"


#: Settings named in export file names, in this order (H always; the others when they are
#: settings of the view and differ from the defaults).
NAME_KEYS = ("H", "K", "N", "lab_N", "activation", "param", "pieces", "mu", "sigma", "gamma",
             "seed", "units")


def name_of(plot: str, state: Mapping, keys: Iterable[str]) -> str:
    """The file name of an export of ``plot`` for a valid ``state``, naming the settings of
    ``keys`` that shape it, e.g. ``spinglass-finite-H4-N50-seed3``."""
    keys, defaults = set(keys), default_state()
    return file_name(plot, {key: state[key] for key in NAME_KEYS
                            if key in keys and (key == "H" or state[key] != defaults.get(key))})


def view_export(view: str, plot: str, state: Mapping, title: str, model: str, units: str,
                params: Mapping[str, Any], table: Mapping | None = None,
                notes: str = "") -> Export:
    """The export of ``plot`` of tab ``view`` for a valid ``state``: its link opens that tab
    in these settings, its file name carries the view's settings."""
    return Export(title=title, model=model, units=units, params=params,
                  query=query_from_state({**state, "tab": view}),
                  name=name_of(plot, state, by_name(view).keys), table=table, notes=notes)


def file_name(plot: str, parts: Mapping[str, Any]) -> str:
    """The file name (without extension) of an export: ``spinglass-<plot>`` and the settings
    in ``parts`` (``{"H": 4, "activation": "gelu"}`` gives ``-H4-gelu``: the activation by
    its name, the others as key and value), safe on every file system."""
    out = [plot]
    for key, value in parts.items():
        if value is None:
            continue
        text = f"{value:g}" if isinstance(value, float) else str(value)
        text = "".join(c if c.isalnum() or c in ".-" else "_" for c in text)[:24]
        out.append(text if key == "activation" else f"{key}{text}")
    return "spinglass-" + "-".join(out)


# ---------------------------------------------------------------------------------------
# The one CSV format
# ---------------------------------------------------------------------------------------


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


def csv_document(export: Export, base: str = "") -> str:
    """The CSV of ``export``: ``# key: value`` header lines, then its tidy table.

    >>> e = Export("t", "m", "u", {"H": 3}, "?H=3", table={"columns": ["k", "E"],
    ...            "rows": [[0, 1.5]]})
    >>> print(csv_document(e, "http://h/"), end="")  # doctest: +ELLIPSIS
    # app: Spin-glass loss landscapes ...
    # plot: t
    # link: http://h/?H=3
    # model: m
    # units: u
    # H: 3
    k,E
    0,1.5
    """
    table = export.table if export.table is not None else figure_table(export.figure)
    out = io.StringIO()
    head = export.header(base)
    if table.get("note"):
        head["columns"] = _one_line(table["note"])
    for key, value in head.items():
        out.write(f"# {key}: {value}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table["columns"])
    for row in _rows(table["rows"]):
        writer.writerow([_csv_value(x) for x in row])
    return out.getvalue()


@dataclass(frozen=True)
class CsvDocument:
    """A CSV of the page read back: its header lines, column names and rows (strings)."""

    header: dict[str, str]
    columns: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> np.ndarray:
        """Column ``name`` as floats (an empty cell is NaN)."""
        i = self.columns.index(name)
        return np.array([float(r[i]) if r[i] != "" else math.nan for r in self.rows])


def read_csv(text: str) -> CsvDocument:
    """Read a CSV of :func:`csv_document`; ``ValueError`` when it is not one."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    n = 0
    while n < len(lines) and lines[n].startswith("# "):
        key, sep, value = lines[n][2:].partition(": ")
        if not sep:
            raise ValueError(f"header line {n + 1} is not '# key: value'")
        header[key] = value
        n += 1
    missing = [k for k in HEADER_KEYS if k not in header]
    if missing:
        raise ValueError(f"the header lacks {', '.join(missing)}")
    table = list(csv.reader(io.StringIO("\n".join(lines[n:]))))
    if not table:
        raise ValueError("no column names after the header")
    columns, rows = table[0], table[1:]
    bad = [i for i, r in enumerate(rows) if len(r) != len(columns)]
    if bad:
        raise ValueError(f"row {bad[0] + 1} has {len(rows[bad[0]])} cells, not {len(columns)}")
    return CsvDocument(header, columns, rows)


# ---------------------------------------------------------------------------------------
# A figure's data as one tidy table
# ---------------------------------------------------------------------------------------


def _array(value: Any) -> np.ndarray | None:
    """A trace attribute as an array: lists, numpy arrays, plotly's typed-array dicts."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, Mapping):
        if "bdata" not in value:
            return None
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            dims = [int(s) for s in str(shape).split(",")] if isinstance(shape, str) else shape
            data = data.reshape(dims)
        return data
    try:
        arr = np.asarray(value, dtype=object)
    except (TypeError, ValueError):
        return None
    return arr if arr.ndim >= 1 else None


def _cell(x: Any) -> Any:
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        return x.item()
    return x


_AXES = ("x", "y", "z")


def _trace_rows(trace: Mapping) -> tuple[list[str], list[list]]:
    """The columns and rows of one trace: one row per drawn value."""
    cols = {a: _array(trace.get(a)) for a in _AXES}
    err = trace.get("error_y")
    if isinstance(err, Mapping):
        cols["y_error"] = _array(err.get("array"))
    color = trace.get("surfacecolor")
    if color is not None:
        cols["color"] = _array(color)
    custom = _array(trace.get("customdata"))
    if custom is not None and custom.ndim == 1:
        cols["customdata"] = custom
    cols = {k: v for k, v in cols.items() if v is not None and v.size}
    z = cols.get("z")
    if z is not None and z.ndim == 2 and all(cols.get(a) is None or cols[a].ndim == 1
                                             for a in ("x", "y")):
        ny, nx = z.shape  # a grid: z[i][j] at (x[j], y[i])
        x = cols.get("x", np.arange(nx))
        y = cols.get("y", np.arange(ny))
        grid = {"x": np.broadcast_to(np.asarray(x)[None, :nx], z.shape),
                "y": np.broadcast_to(np.asarray(y)[:ny, None], z.shape), "z": z}
        if "color" in cols and cols["color"].shape == z.shape:
            grid["color"] = cols["color"]
        cols = grid
    if not cols:
        return [], []
    flat = {k: np.ravel(v) for k, v in cols.items()}
    n = max(len(v) for v in flat.values())
    names = list(flat)
    rows = [[_cell(flat[k][i]) if i < len(flat[k]) else None for k in names] for i in range(n)]
    return names, rows


def _title(axis: Any) -> str:
    if not isinstance(axis, Mapping):
        return ""
    title = axis.get("title")
    text = title.get("text") if isinstance(title, Mapping) else title
    return str(text) if text else ""


def figure_table(figure: Any) -> dict:
    """The data drawn in ``figure`` (dict or go.Figure) as one tidy table: a row per drawn
    value, with the trace it belongs to (``series``) and its ``x``, ``y`` (``z``, ``y_error``,
    ``color``, ``customdata`` where the figure has them); the note names what the axes show.
    Traces without hover (``hoverinfo="skip"``) are decoration and left out."""
    if isinstance(figure, go.Figure):
        figure = figure.to_plotly_json()
    figure = figure if isinstance(figure, Mapping) else {}
    parts, names = [], []
    for i, trace in enumerate(figure.get("data") or []):
        if not isinstance(trace, Mapping) or trace.get("hoverinfo") == "skip":
            continue  # decoration (contour lines over a heat map, shading) repeats no data
        cols, rows = _trace_rows(trace)
        if not rows:
            continue
        label = trace.get("name") or f"{trace.get('type', 'trace')} {i + 1}"
        parts.append((str(label), cols, rows))
        names.extend(c for c in cols if c not in names)
    columns = ["series", *names]
    out_rows = []
    for label, cols, rows in parts:
        where = [cols.index(c) if c in cols else None for c in names]
        for row in rows:
            out_rows.append([label, *(row[w] if w is not None else None for w in where)])
    layout = figure.get("layout") or {}
    axes = []
    for axis in ("xaxis", "yaxis"):
        text = _title(layout.get(axis)) or _title((layout.get("scene") or {}).get(axis))
        if text:
            axes.append(f"{axis[0]} = {text}")
    note = "one row per drawn value; " + "; ".join(axes) if axes else "one row per drawn value"
    return {"columns": columns, "rows": out_rows, "note": note}


# ---------------------------------------------------------------------------------------
# The one export path: the row under every plot and its callbacks
# ---------------------------------------------------------------------------------------

#: The buttons of an export row: format, label, what it does.
_BUTTONS = (
    ("png", "PNG", "Download the figure as PNG"),
    ("svg", "SVG", "Download the figure as SVG"),
    ("pdf", "PDF", "Download the figure as PDF (made on the server)"),
    ("csv", "CSV", "Download the plotted data with its parameters as CSV"),
)


def export_row(plot: str, title: str) -> list:
    """The export row of plot ``plot`` (PNG, SVG, PDF, CSV and a status line) and its
    downloads; :func:`register_export_row` gives it its callbacks."""
    buttons = [
        html.Button(label, id=ids.export_button(plot, fmt), className="export-button",
                    title=f"{hint} — {title}", **{"aria-label": f"{hint}: {title}"})
        for fmt, label, hint in _BUTTONS
    ]
    return [
        html.Div(
            [
                html.Span("Export", className="export-label"),
                *buttons,
                html.Span(id=ids.export_message(plot), className="export-message",
                          role="status", **{"aria-live": "polite"}),
            ],
            className="export-row",
            role="group",
            **{"aria-label": f"Export: {title}"},
        ),
        dcc.Download(id=ids.download(plot, "csv")),
        dcc.Download(id=ids.download(plot, "pdf")),
    ]


def csv_download(made: Export | str, base: str = "") -> dict:
    """``{"download", "message"}`` for a CSV button: the file, or ``no_update`` and why not."""
    if isinstance(made, str):
        return {"download": no_update, "message": f"No CSV: {made}"}
    return {"download": dict(content=csv_document(made, base), filename=made.name + ".csv",
                             type="text/csv"),
            "message": None}


def pdf_download(made: Export | str, to_pdf: Callable[[Mapping], bytes] | None = None) -> dict:
    """``{"download", "message"}`` for a PDF button: the figure with its title and parameter
    line, drawn by ``to_pdf`` (default :func:`figure_pdf`), or ``no_update`` and why not."""
    if isinstance(made, str):
        return {"download": no_update, "message": f"No PDF: {made}"}
    try:
        pdf = (to_pdf or figure_pdf)(titled_for_export(made.figure, made.title, made.line()))
    except ExportUnavailable as exc:
        return {"download": no_update, "message": str(exc)}
    except Exception:  # noqa: BLE001 - the page must keep serving
        logger.exception("PDF export of %s", made.name)
        return {"download": no_update, "message": "PDF export failed on the server."}
    return {"download": dict(content=base64.b64encode(pdf).decode("ascii"), base64=True,
                             filename=made.name + ".pdf", type="application/pdf"),
            "message": None}


def page_base() -> str:
    """The page's address without query, from the callback request (``""`` outside one)."""
    try:
        from flask import has_request_context, request  # noqa: PLC0415

        return request.url_root if has_request_context() else ""
    except Exception:  # noqa: BLE001
        return ""


Build = Callable[[Any, bool], "Export | str"]


def _made(build: Build | None, printing: bool, settings: Any, figure: Any) -> Export | str:
    """The export of a button press, never raising: ``build(settings, printing)``, or the
    figure on the page when the plot has no ``build``."""
    try:
        return build(settings, printing) if build is not None else from_figure(figure)
    except Exception:  # noqa: BLE001 - forged requests and failures become a message
        logger.exception("export failed")
        return "the export failed on the server."


def register_export_row(app, plot: str, graph_id: str, build: Build | None = None) -> None:
    """The callbacks of plot ``plot``'s export row (:func:`export_row`) under ``graph_id``.

    ``build(settings, printing)`` makes the plot's :class:`Export` from the settings store
    (``printing``: for the PDF, in the print style) or says why not; without it the figure
    on the page, stamped by :func:`stamp`, is the source.  PNG and SVG are drawn by the
    browser; the PDF button is disabled and says so while the server draws.
    """
    message = Output(ids.export_message(plot), "children", allow_duplicate=True)
    if build is not None:
        state = dict(settings=State(ids.SETTINGS, "data"))
    else:
        state = dict(figure=State(graph_id, "figure"))

    @app.callback(
        output=dict(download=Output(ids.download(plot, "csv"), "data"), message=message),
        inputs=dict(n_clicks=Input(ids.export_button(plot, "csv"), "n_clicks")),
        state=state,
        prevent_initial_call=True,
    )
    def _csv(n_clicks, settings=None, figure=None):
        if not n_clicks:
            raise PreventUpdate
        return csv_download(_made(build, False, settings, figure), page_base())

    pdf = ids.export_button(plot, "pdf")

    @app.callback(
        output=dict(download=Output(ids.download(plot, "pdf"), "data"), message=message),
        inputs=dict(n_clicks=Input(pdf, "n_clicks")),
        state=state,
        prevent_initial_call=True,
        # busy state: the button is disabled and says so while the server draws
        running=[
            (Output(pdf, "disabled"), True, False),
            (Output(pdf, "children"), "PDF…", "PDF"),
            (Output(pdf, "aria-busy"), "true", "false"),
        ],
    )
    def _pdf(n_clicks, settings=None, figure=None):
        if not n_clicks:
            raise PreventUpdate
        return pdf_download(_made(build, True, settings, figure))

    app.clientside_callback(
        ClientsideFunction(namespace="spinglass", function_name="exportImage"),
        Output(ids.export_message(plot), "children", allow_duplicate=True),
        Input(ids.export_button(plot, "png"), "n_clicks"),
        Input(ids.export_button(plot, "svg"), "n_clicks"),
        State(graph_id, "id"),
        prevent_initial_call=True,
    )


# ---------------------------------------------------------------------------------------
# The table view under a plot
# ---------------------------------------------------------------------------------------


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
        "<tr>" + "".join(f"<td>{escape(format_cell(x))}</td>" for x in row) + "</tr>"
        for row in rows
    )
    return (f'<table class="{class_name}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


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
