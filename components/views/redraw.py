"""Tables for drawing the analytic views in the browser while a slider moves.

The server is the only place where mathematics is computed.  For one setting of the
*coarse* parameters of a view (units, theme, lecture mode, loss range, activation) it
serves everything the view can show over the whole range of its *drag* parameters:

==========  =========================  ==================================================
view        drag parameters            tables (one request per depth H, except activation)
==========  =========================  ==================================================
complexity  K = 0..10, loss range      the server's own figure for every K, automatic
                                       loss range (another range only sets the x axis)
layered     K = 0..10                  the server's own two figures for every K
activation  H = 2..12                  the server's own three figures for every H
finite      K = 0..10, N = 10..10^6    the figure for every K without its N-dependent
                                       curves, the leading order per weight
                                       Θ_k,H(u)/ln 10 (drawn × N) and the exact total of
                                       theory §4 on a log-N grid (interpolated)
==========  =========================  ==================================================

Per-depth tables are small and quick to build, so the shown depth's arrive first and the
others follow, nearest depths first.

Figures are packed: every numeric array of a trace is stored once in a pool of
base64-encoded arrays (``{"$": i}`` points into it) and the plotly template once (``{"$t":
i}``), so the hundreds of figures of a view share their curves.  The browser
(assets/redraw.js) only picks figures and rows and interpolates the finite-N table in
log N; it never evaluates a formula of the theory.

Exact totals at finite N (theory §4) are tabulated at ``N_j = round(10^(1 + j/10))``,
j = 0..30 (10 ≤ N ≤ 10⁴, the range where the server draws them) as the correction
``c_j(u) = log₁₀ E Crt_{N_j}(u) − N_j Θ_H(u)/ln 10``, which is smooth in log N; the
browser draws ``N·Θ_H(u)/ln 10 + c(log₁₀ N, u)`` with ``c`` linear in log₁₀ N between grid
points.  Measured error of that interpolation (bench/bench_tables.py): at most
:data:`FINITE_INTERPOLATION_ERROR` in log₁₀ of the count (H = 2..12, automatic and full
loss ranges, every N on the slider grid) -- a thirtieth of a pixel of the finite-N plot,
whose axis spans at least 12 decades over about 400 pixels, and at the precision of its
hover labels (three decimals).  On release the view shows the server's exact figure.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
from typing import Any, Callable, Mapping

import numpy as np
from dash import ClientsideFunction, Input, Output, State
from plotly.utils import PlotlyJSONEncoder

from components import ids
from components.cache import memoize
from components.data.analytic import EXACT_TOTAL_MAX_N, exact_total, finite_grid, loss_window
from components.figures.analytic import finite_figure
from components.figures.style import figure_style
from components.permalink import parse_query
from components.registry import SCALE_KEYS, STYLE_KEYS, Services, by_name
from components.registry import VIEWS as REGISTERED
from components.routes import register_table_route
from components.state import FIELDS, activation_of, sanitize, view_slice
from components.views import analytic
from compute import complexity

__all__ = [
    "TABLE_VIEWS",
    "DRAG_KEYS",
    "N_GRID",
    "FINITE_INTERPOLATION_ERROR",
    "F4_RELATIVE_ERROR",
    "coarse_state",
    "coarse_query",
    "build_tables",
    "pack",
    "encode",
    "tables_for_request",
    "redraw_config",
    "register",
]

#: Views drawn from tables in the browser.
TABLE_VIEWS = ("complexity", "layered", "finite", "activation")
#: Settings a view's tables cover entirely (the others are the tables' coarse key).
DRAG_KEYS: dict[str, tuple[str, ...]] = {
    # the complexity plot's loss range only sets its x axis: the browser applies it
    "complexity": ("K", "u_auto", "u_min", "u_max"),
    "layered": ("K",),
    "activation": ("H",),
    "finite": ("K", "N", "seed"),
}
#: The plots of the analytic views, in the order of the clientside callback's outputs.
_PLOTS = tuple(analytic.PLOTS)
_H_RANGE = range(int(FIELDS["H"].minimum), int(FIELDS["H"].maximum) + 1)
_K_RANGE = range(int(FIELDS["K"].minimum), int(FIELDS["K"].maximum) + 1)
#: Plots whose figure at K has the curve of index k at trace ``traces`` + k and its level
#: line −E_k at shape ``shapes`` + k (k = 0..K), every other curve and shape after those
#: (components/figures/analytic.py: complexity_figure, finite_figure; tested).
INDEX_SLOTS = {"complexity": {"traces": 0, "shapes": 2}, "finite": {"traces": 0, "shapes": 2}}
#: log₁₀ N grid of the tabulated exact finite-N totals (10 … 10⁴).
N_GRID = tuple(int(round(10.0 ** (1 + j / 10))) for j in range(31))
#: Largest error of the log-N interpolation, log₁₀ of the count (measured, see above).
FINITE_INTERPOLATION_ERROR = 2e-3
#: Relative rounding of curves stored in single precision (complexity, layered, activation).
F4_RELATIVE_ERROR = 2.0 ** -24
_LN10 = math.log(10.0)


def coarse_state(view: str, state: Mapping) -> dict:
    """The part of a valid ``state`` that selects the tables of ``view``: its slice
    without the drag parameters."""
    if view not in TABLE_VIEWS:
        raise ValueError(f"view must be one of {', '.join(TABLE_VIEWS)}; got {view!r}")
    slice_ = view_slice(state, view)
    if slice_.get("activation", "custom") != "custom":
        slice_.pop("knots", None)  # only the custom activation reads its knot table
    return {k: v for k, v in slice_.items() if k not in DRAG_KEYS[view]}


def coarse_query(view: str, state: Mapping) -> str:
    """A canonical text of :func:`coarse_state` (the cache key of the tables)."""
    return json.dumps(coarse_state(view, state), sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------------------
# Packing
# ---------------------------------------------------------------------------------------


class _Pool:
    def __init__(self) -> None:
        self.items: list[dict] = []
        self.index: dict[bytes, int] = {}
        self.templates: list[dict] = []
        self.template_index: dict[str, int] = {}

    def array(self, values: Any, dtype: str) -> dict:
        a = np.ascontiguousarray(_decode(values), dtype=np.float32 if dtype == "f4" else np.float64)
        data = a.tobytes()
        key = hashlib.blake2b(data + dtype.encode(), digest_size=16).digest()
        if key not in self.index:
            self.index[key] = len(self.items)
            self.items.append({"dtype": dtype, "bdata": base64.b64encode(data).decode("ascii")})
        return {"$": self.index[key]}

    def template(self, template: Any) -> dict:
        text = json.dumps(template, sort_keys=True, cls=PlotlyJSONEncoder)
        if text not in self.template_index:
            self.template_index[text] = len(self.templates)
            self.templates.append(json.loads(text))
        return {"$t": self.template_index[text]}


def _decode(values: Any) -> np.ndarray:
    """A numeric array from a list, numpy array or plotly's ``{"dtype", "bdata"}``."""
    if isinstance(values, Mapping) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


def _numeric(values: Any) -> bool:
    if isinstance(values, Mapping):
        return "bdata" in values and "shape" not in values
    if isinstance(values, np.ndarray):
        return values.ndim == 1 and values.dtype.kind in "fiu" and values.size > 1
    return False  # short lists (a few markers) stay as they are


def pack(figure: Mapping, pool: _Pool, dtype: str = "f4") -> dict:
    """``figure`` (a plotly figure dict) with its trace arrays and template in ``pool``."""
    data = []
    for trace in figure.get("data", []):
        trace = dict(trace)
        for axis in ("x", "y"):
            if _numeric(trace.get(axis)):
                trace[axis] = pool.array(trace[axis], dtype)
        data.append(trace)
    layout = dict(figure.get("layout", {}))
    if "template" in layout:
        layout["template"] = pool.template(layout["template"])
    return {"data": data, "layout": layout}


def encode(bundle: Mapping) -> bytes:
    """The gzip-compressed JSON of a bundle."""
    text = json.dumps(bundle, cls=PlotlyJSONEncoder, separators=(",", ":"), allow_nan=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


# ---------------------------------------------------------------------------------------
# Bundles
# ---------------------------------------------------------------------------------------


def _window(state: Mapping) -> tuple[float, float] | None:
    return None if state["u_auto"] else (float(state["u_min"]), float(state["u_max"]))


def _figures_of(payload: Mapping, pool: _Pool, dtype: str) -> dict:
    return {plot: pack(fig, pool, dtype) for plot, fig in payload["figures"].items()}


def build_tables(view: str, raw: Any, render: Mapping[str, Callable], alpha_bar: Callable) -> dict:
    """The tables of ``view`` for the (possibly forged) settings ``raw``.

    ``render`` maps view names to the renderers of components/views.py (the very
    functions the page's callbacks draw with), ``alpha_bar(state)`` gives ᾱ for network
    units or ``None``.  Returns a JSON-ready dict: ``view``, ``key`` (the coarse state),
    ``pool`` and ``templates`` (see :func:`pack`), ``figures`` keyed by ``"K"`` (by
    ``"H"`` for activation), ``scale`` = ᾱ^{H−1} or ``None`` and for finite N the tables
    described in the module docstring.  ``ValueError`` (a message for the user) when the settings
    cannot be drawn.
    """
    if view not in TABLE_VIEWS:
        raise ValueError(f"view must be one of {', '.join(TABLE_VIEWS)}; got {view!r}")
    state, _ = sanitize(raw)
    pool = _Pool()
    style = (state["theme"], state["lecture"])
    bundle: dict[str, Any] = {"view": view, "key": coarse_state(view, state)}
    figures: dict[str, dict] = {}
    if view in ("complexity", "layered"):
        a = alpha_bar(state)
        H = int(state["H"])
        for K in _K_RANGE:
            if view == "complexity":
                payload = render[view](H, K, a, None, *style)
            else:
                payload = render[view](H, K, a, *style)
            figures[str(K)] = _figures_of(payload, pool, "f4")
        bundle["H"] = H
        bundle["scale"] = None if a is None else float(a) ** (H - 1)
    elif view == "activation":
        act = activation_of(state)  # ValueError: an invalid knot table
        for H in _H_RANGE:
            figures[str(H)] = _figures_of(render[view](act, H, *style), pool, "f4")
    else:
        bundle.update(_finite_tables(state, alpha_bar(state), pool, figures))
    bundle["figures"] = figures
    bundle["pool"] = pool.items
    bundle["templates"] = pool.templates
    return bundle


def _finite_tables(state: Mapping, a: float | None, pool: _Pool, figures: dict) -> dict:
    """Finite-N tables for depth ``state["H"]`` (see the module docstring)."""
    H = int(state["H"])
    window = _window(state) or loss_window(H)
    u = finite_grid(H, window)
    scale = None if a is None else float(a) ** (H - 1)
    style = figure_style(state["theme"], state["lecture"])
    energies = complexity.ground_state_energies(H, int(FIELDS["K"].maximum))
    e_inf = complexity.e_inf(H)
    per_weight = np.vstack([complexity.theta(u, H, k) for k in _K_RANGE]) / _LN10
    total = complexity.theta(u, H) / _LN10
    corrections = [exact_total(N, H, u) - N * total for N in N_GRID]
    if not all(np.isfinite(c).all() for c in corrections):
        raise ValueError("the exact finite-N totals are not finite on this loss range")
    n_ref = N_GRID[-1]
    exact_ref = n_ref * total + corrections[-1]
    titles = {}
    for K in _K_RANGE:
        fig = finite_figure(
            u, n_ref * per_weight[: K + 1], n_ref * total, exact_ref, [], np.empty(0),
            energies[: K + 1], e_inf, H, n_ref, int(state["seed"]), window, scale=scale,
            style=style,
        ).to_plotly_json()
        packed = pack(fig, pool, "f8")
        # The curves that depend on N are filled in by the browser.
        for k, trace in enumerate(packed["data"]):
            trace["y"] = {"lead": k} if k <= K else ({"lead": "total"} if k == K + 1 else {"exact": 1})
        titles[str(K)] = packed["layout"]["yaxis"]["title"]["text"].replace(f"{n_ref:,}", "{N}")
        figures[str(K)] = packed
    return {
        "H": H,
        "scale": scale,
        "window": list(window),
        "u_inside": [float(u[0]), float(u[-1])],
        "lead": [pool.array(row, "f8") for row in per_weight],
        "lead_total": pool.array(total, "f8"),
        "exact_log10_n": [math.log10(N) for N in N_GRID],
        "exact_correction": [pool.array(row, "f8") for row in corrections],
        "exact_max_n": EXACT_TOTAL_MAX_N,
        "y_titles": titles,
    }


def tables_for_request(view: str, query: str, tables: Callable[[str, str], bytes]) -> bytes:
    """The compressed tables for a request ``/_tables/<view>?<query>``.

    The query carries the page's settings under their permalink names; they are repaired
    like a link's (components/state.py ``sanitize``), and ``tables(view, key)`` is called
    with their canonical coarse key (:func:`coarse_query`).  ``LookupError`` for a view
    without tables.
    """
    if view not in TABLE_VIEWS:
        raise LookupError(f"No tables for the view {view!r}; views with tables: "
                          f"{', '.join(TABLE_VIEWS)}.")
    raw, _ = parse_query(query)
    state, _ = sanitize(raw)
    return tables(view, coarse_query(view, state))


def redraw_config(kept: tuple[str, ...] = (), selected_class: str = "",
                  idle_mount: dict[str, str] | None = None) -> dict:
    """What assets/redraw.js needs: ids, the tables' address, the keys of each view's
    slice (components/registry.py), the ranges of H and N, and the views kept mounted
    (``kept``, components/layout.py KEPT_VIEWS: their panels by view, switched between in
    the browser) with the class dcc.Tabs gives the selected tab (``selected_class``), and
    the switches of the kept views mounted once the page is idle (``idle_mount``: view →
    the id of its one-tab dcc.Tabs, components/layout.py MOUNTED_WHEN_IDLE)."""
    views = {name: by_name(name) for name in TABLE_VIEWS}
    return {
        "url": "/_tables/",
        "ids": {"H": ids.DEPTH, "K": ids.MAX_INDEX, "N": ids.N_SLIDER, "U": ids.U_RANGE,
                "tabs": ids.TABS},
        # where the controls that change the settings are (a tab clicked just after one of
        # them was used waits for the new settings)
        "controls": [ids.SETTINGS_PANEL, ids.PRESET, ids.THEME, ids.LECTURE],
        "control_buttons": [ids.PRESET_PREV, ids.PRESET_NEXT, ids.RESET],
        "plots": list(_PLOTS),
        "graphs": {plot: ids.graph(plot) for plot in _PLOTS},
        "view_keys": {name: list(v.keys) for name, v in views.items()},
        "range_views": [name for name, v in views.items() if v.loss_range],
        "units_views": [name for name, v in views.items() if v.units],
        "style_keys": list(STYLE_KEYS),
        "scale_keys": list(SCALE_KEYS),
        "drag_keys": {view: list(keys) for view, keys in DRAG_KEYS.items()},
        "h_range": [int(FIELDS["H"].minimum), int(FIELDS["H"].maximum)],
        "n_range": [int(FIELDS["N"].minimum), int(FIELDS["N"].maximum)],
        "k_max": _K_RANGE[-1],
        # where a plot's curve and level line of index k are: curve ``traces`` + k and line
        # ``shapes`` + k for k = 0..K, the figure's other curves and shapes after them (a
        # held K handle draws these plots with a slot for every index up to k_max)
        "index_slots": dict(INDEX_SLOTS),
        "kept": {view: ids.kept_panel(view) for view in kept},
        "idle_mount": dict(idle_mount or {}),
        "tabs": {ids.tab(view.name): view.name for view in REGISTERED},
        "selected_class": selected_class,
    }


def register(app, services: Services) -> None:
    """The tables route and the clientside redraw of the analytic views."""
    render = {"complexity": analytic.render_complexity, "layered": analytic.render_layered,
              "activation": analytic.render_activation}
    slope = memoize(services.cache, analytic.mean_slope)

    def alpha_bar(state):
        return analytic._alpha_bar(state, slope)[0]  # noqa: SLF001 - the views' own rule

    def build(view: str, key: str) -> bytes:
        return encode(build_tables(view, json.loads(key), render, alpha_bar))

    cached = memoize(services.cache, build)
    register_table_route(app.server, lambda view, query: tables_for_request(view, query, cached))
    app.clientside_callback(
        ClientsideFunction(namespace="redraw", function_name="figures"),
        [Output(ids.graph(plot), "figure", allow_duplicate=True) for plot in _PLOTS],
        Input(ids.TABS, "value"),
        Input(ids.SETTINGS, "data"),
        State(ids.REDRAW_CONFIG, "data"),
        # the settings each view's figures were last drawn for
        *[State(ids.view_state(view), "data") for view in TABLE_VIEWS],
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="redraw", function_name="warm"),
        Output(ids.REDRAW_WARM, "data"),
        Input(ids.SETTINGS, "data"),
        State(ids.REDRAW_CONFIG, "data"),
    )
