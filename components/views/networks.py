"""The "Real networks" tab: many small networks trained on real data, held against the
spin-glass model (theory §5.1–§5.3, §6).

Layout: :func:`layout`.  Callbacks: :func:`register`.  The logic lives in plain functions
(:func:`net_settings`, :func:`plan_outputs`, :func:`experiment_outputs`) that take the raw
settings and return plain dicts, so tests call them directly.

Flow: the slice store of the view (written while the tab is shown) updates the plan line
(widths, N, work); the experiment runs when "Train networks" is pressed, as a Dash
background callback reading the whole settings store, with a progress bar and a cancel
button.  Each width is one memoized unit (components/data/networks.py), written to the
cache only when its training finished, so a cancelled or failed job leaves nothing
half-written and re-running the same settings is a cache read.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from components import ids
from components.cache import memoize, peek
from components.data import networks as net_data
from components.export import export_row, redrawn, register_export_row, stamp, view_export
from components.figures.networks import (
    correlation_figure,
    hessian_figure,
    histogram_figure,
    pieces_figure,
    spread_figure,
)
from components.figures.style import message_figure, style_of
from components.registry import Services, slice_callback
from components.state import activation_of, sanitize
from components.ui import alert, alert_box, failure, placeholder, progress_row, table

__all__ = ["NetData", "NetSettings", "net_settings", "plan_outputs", "experiment_outputs", "layout",
           "register", "PLOTS"]

logger = logging.getLogger(__name__)

#: The plots of the view: key -> (title, caption kind).
PLOTS = {
    "histograms": "Final training and test loss over restarts",
    "spread": "Spread of the final loss against the number of weights N",
    "correlation": "Test loss against training loss",
    "pieces": "Pre-activations per linear piece: measured against the model",
    "hessian": "Hessian index of end points against their loss",
}
#: Largest depth of the trained networks (the page allows deeper spin glasses).
NET_MAX_H = 5


@dataclass(frozen=True)
class NetData:
    """The data functions of the view (memoized ones in the running app)."""

    width: Callable[..., dict] = net_data.width_data
    spin_glass: Callable[..., dict] = net_data.spin_glass_spreads


@dataclass(frozen=True)
class NetSettings:
    """Validated settings of the experiment and what was repaired."""

    state: dict
    messages: list
    widths: tuple
    H: int
    activation: Any
    error: str | None

    def short(self) -> str:
        """One short line for figure subtitles."""
        s = self.state
        act = self.activation.label if self.activation is not None else s["activation"]
        return (
            f"{act}, H = {self.H}, {s['net_data']}, {s['net_restarts']} × {s['net_epochs']} "
            f"epochs, seed {s['seed']}"
        )

    def describe(self) -> str:
        s = self.state
        data = net_data.DATASETS.get(s["net_data"], s["net_data"])
        act = self.activation.label if self.activation is not None else s["activation"]
        return (
            f"{act}, H = {self.H}, {data}, {s['net_restarts']} restarts × {s['net_epochs']} "
            "epochs, "
            f"{s['net_opt'].upper()} lr {s['net_lr']:g}, seed {s['seed']}"
        )


def net_settings(raw: Any) -> NetSettings:
    """Validate a (possibly forged) settings store for the view; never raises."""
    state, messages = sanitize(raw)
    H = state["H"]
    if H > NET_MAX_H:
        messages.append(
            f"Trained networks have depth H ≤ {NET_MAX_H}; H = {H} is shown as H = {NET_MAX_H}."
        )
        H = NET_MAX_H
    try:
        widths = net_data.parse_widths(state["net_widths"])
    except ValueError as exc:
        messages.append(f"{exc}; the default widths are used.")
        widths = net_data.DEFAULT_WIDTHS
    activation, error = None, None
    try:
        activation = activation_of(state)
    except ValueError as exc:
        error = f"The custom activation's knot table is invalid: {exc}"
    return NetSettings(state, messages, widths, H, activation, error)


def _job_args(ns: NetSettings, width: int) -> tuple:
    s, a = ns.state, ns.activation
    return (
        s["net_data"],
        a.name,
        a.param,
        a.knots,
        ns.H,
        width,
        s["net_restarts"],
        s["net_epochs"],
        s["seed"],
        s["net_opt"],
        float(s["net_lr"]),
        s["net_loss"],
        bool(s["net_hessian"]),
        a.pieces,
    )


def plan_outputs(raw: Any) -> dict:
    """The plan line shown before the experiment runs: widths, N, work, and any repairs."""
    if raw is None:
        raise PreventUpdate
    ns = net_settings(raw)
    if ns.error:
        return {"plan": ns.error, "alert": alert(ns.messages + [ns.error])}
    s = ns.state
    try:
        work = net_data.check_job(
            s["net_data"], ns.H, ns.widths, s["net_restarts"], s["net_epochs"]
        )
    except ValueError as exc:
        return {"plan": str(exc), "alert": alert(ns.messages + [str(exc)])}
    Ns = [net_data.width_flops(s["net_data"], ns.H, w, 1, 1)[0] for w in ns.widths]
    sizes = ", ".join(f"h = {w} (N = {n:,})" for w, n in zip(ns.widths, Ns, strict=True))
    text = (
        f"Press “Train networks”: {ns.describe()}; widths {sizes}; "
        f"{sum(work) / 1e9:,.0f} GFLOP of training."
    )
    return {"plan": text, "alert": alert(ns.messages)}


# ---------------------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------------------

MEASURED = "Measured"
PREDICTED = "Predicted"

CAPTIONS = {
    "histograms": (
        f"{MEASURED}: the final training and test loss (cross-entropy in nats per sample, or the "
        "squared error "
        "for the binary set with squared loss) of every restart, one outline per width; "
        "log-spaced bins. Choromanska et al. (2015) report that the losses of networks trained "
        "from random starts concentrate in a band that narrows as the network grows."
    ),
    "spread": (
        f"Left, {MEASURED.lower()}: standard deviation and interquartile range of the final "
        "losses against the "
        "number of weights N (weights and biases), log–log. Right: the relative spread sd/|mean| "
        "of the same losses and of the end points of the spin-glass descent experiment "
        "(Landscapes tab, φ ≡ 0, same depth H, sizes N = 25…100) on the same axes. The loss "
        "units differ — cross-entropy per sample for the networks, loss per weight u for the "
        "spin glass — so each series is divided by the absolute value of its own mean: compare "
        "the slopes, not the levels. At H = 2 the spherical spin glass has exactly two minima "
        "with the same loss, so its spread is zero and it is not drawn."
    ),
    "correlation": (
        f"{MEASURED}: final test loss against final training loss, one point per restart; r is "
        "Pearson's "
        "correlation per width. Choromanska et al. observe that test and training loss "
        "decorrelate as the network grows."
    ),
    "pieces": (
        f"{MEASURED} (blue): the share of the pre-activations of each hidden layer (all units, "
        "training samples "
        "and restarts of the widest network) in each linear piece of the activation's PL model "
        "(theory §5.1; for smooth activations the L-piece fit under the measured μ, σ); the bars "
        "give the spread over restarts. "
        f"{PREDICTED} (orange): the model's ρ_ℓ = P(Z in piece) for Z ~ N(μ, σ²) with μ, σ "
        "measured from the same "
        "pre-activations (theory §5.2). Where the bars differ, the Gaussian, input-independent "
        "pieces the model assumes do not describe the trained network."
    ),
    "hessian": (
        f"{MEASURED}: the number of Hessian eigenvalues of the training loss below −10⁻⁴ λ_max "
        "among the lowest "
        "ones (Lanczos on exact Hessian-vector products) at the first end points of each width "
        "with at most "
        f"{net_data.HESSIAN_UI_MAX_N:,} weights; triangles mean “at least this many”. Index 0 is "
        "a minimum. "
        "After a fixed number of epochs the end points are not critical points (the gradient is "
        "small, not zero): the index says in how many directions the loss still curves down."
    ),
}


_MODEL = (
    "measured: networks trained from seeded restarts (compute.networks), set against "
    "the spin-glass model (theory §5.2, §6)"
)
_UNITS = (
    "loss: the training objective on the dataset (cross-entropy or squared loss); "
    "N = number of weights"
)


def _stamped(figure, plot: str, ns: NetSettings, table: dict):
    """``figure`` carrying its export (the measured table, every restart of every width)."""
    s = ns.state
    params = {"activation": s["activation"], "H": ns.H, "widths": ", ".join(map(str, ns.widths))}
    params.update(
        {
            key: s[key]
            for key in (
                "net_data",
                "net_restarts",
                "net_epochs",
                "net_opt",
                "net_lr",
                "net_loss",
                "net_hessian",
                "seed",
            )
        }
    )
    export = view_export(
        "networks", f"networks-{plot}", s, PLOTS[plot], _MODEL, _UNITS, params, table
    )
    return stamp(figure, export)


def _fmt(x: float, d: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x:.{d}g}"


def _summary(results: list[dict]):
    tab = net_data.summary_table(results)
    rows = [
        [
            str(r[0]),
            f"{r[1]:,}",
            str(r[2]),
            _fmt(r[3]),
            _fmt(r[4], 3),
            _fmt(r[5], 3),
            _fmt(r[6]),
            _fmt(r[7], 3),
            _fmt(r[8], 3),
            _fmt(r[9], 2),
            _fmt(r[10], 3),
        ]
        for r in tab["rows"]
    ]
    return table(
        tab["columns"],
        rows,
        caption="Measured: final losses per width",
        kind="net",
        row_header=True,
    )


def _pieces_summary(results: list[dict], H: int):
    rows = []
    for r in results:
        for p in r["pieces"]:
            kappa = r["kappa"] if p["layer"] == 1 else None
            rows.append(
                [
                    f"h = {r['width']}, layer {p['layer']}",
                    _fmt(p["mu"], 3),
                    _fmt(p["sigma"], 3),
                    f"{p['alpha_bar']:.3f} / {p['alpha_bar_model']:.3f}",
                    f"{p['beta_bar']:.3f} / {p['beta_bar_model']:.3f}",
                    "—" if not kappa else ", ".join(f"{k:.3g}" for k in kappa),
                ]
            )
    return table(
        [
            "width, layer",
            "μ (measured)",
            "σ (measured)",
            "ᾱ measured / model",
            "β̄ measured / model",
            ("κ_1" if H == 2 else f"κ_1…κ_{H - 1}") + " implied (theory §5.3)",
        ],
        rows,
        caption="Measured piece statistics against the model under N(μ, σ²)",
        kind="net",
        row_header=True,
    )


def _hessian_summary(results: list[dict]):
    rows = []
    for r in results:
        h = r.get("hessian")
        if not h:
            continue
        idx = np.asarray(h["index"])
        conv = np.asarray(h["converged"], dtype=bool)
        rows.append(
            [
                f"h = {r['width']} (N = {r['N']:,})",
                str(len(idx)),
                str(int(np.sum((idx == 0) & conv))),
                str(int(np.sum((idx > 0) & (idx < h["k"])))),
                str(int(np.sum(idx >= h["k"]))),
                _fmt(float(np.median(h["lambda_min"])), 3),
                _fmt(float(np.median(h["grad_norm"])), 2),
            ]
        )
    if not rows:
        return html.P(
            "No width small enough for the Hessian (N ≤ "
            f"{net_data.HESSIAN_UI_MAX_N:,}), or the Hessian is switched off.",
            className="caption",
        )
    return table(
        [
            "width",
            "end points",
            "minima (index 0)",
            "index 1…k−1",
            "index ≥ k (k = 6)",
            "median λ_min",
            "median |∇L|",
        ],
        rows,
        caption="Measured: Hessian at the end points",
        kind="net",
        row_header=True,
    )


def experiment_outputs(
    raw: Any, set_progress: Callable | None = None, data: NetData | None = None
) -> dict:
    """Train every width (memoized) and build the figures (carrying their exports) and tables."""
    data = data or NetData()
    ns = net_settings(raw)
    style = style_of(ns.state)
    messages = list(ns.messages)
    keys = ("histograms", "spread", "correlation", "pieces", "hessian")

    def failed(text: str) -> dict:
        fig = message_figure(text, style)
        out = {f"fig_{k}": fig for k in keys}
        out.update(
            summary=None,
            pieces_table=None,
            hessian_table=None,
            status=text,
            alert=alert(messages + [text]),
        )
        return out

    if ns.error:
        return failed(ns.error)
    s = ns.state
    try:
        work = net_data.check_job(
            s["net_data"], ns.H, ns.widths, s["net_restarts"], s["net_epochs"]
        )
    except ValueError as exc:
        return failed(f"The experiment cannot run: {exc}")
    sg_share = 0.1 if ns.H >= 3 else 0.0
    weights = np.asarray(work) / sum(work) * (1.0 - sg_share)
    results: list[dict] = []
    t0 = time.perf_counter()
    done = 0.0

    def emit(total: float, label: str) -> None:
        if set_progress is not None:
            set_progress((str(int(round(100 * total))), label))

    try:
        for w, share in zip(ns.widths, weights, strict=True):

            def progress(f, w=w, base=done, share=share):
                emit(
                    base + share * f,
                    f"h = {w}: {100 * f:.0f} % · all {100 * (base + share * f):.0f} %",
                )

            progress(0.0)
            with net_data.reporting(progress):
                results.append(data.width(*_job_args(ns, w)))
            done += share
        sg = None
        if ns.H >= 3:
            emit(done, "spin-glass descents")
            with net_data.reporting(
                lambda f: emit(done + sg_share * f, f"spin-glass descents {100 * f:.0f} %")
            ):
                sg = data.spin_glass(ns.H, s["seed"])
    except Exception as exc:  # noqa: BLE001 - shown as a message
        text = failure(
            "experiment",
            exc,
            (ns.state, ns.widths),
            verb="run",
            memory_hint="Reduce the restarts or the widths.",
        )
        return failed(text)
    emit(1.0, "done")
    elapsed = time.perf_counter() - t0
    what = ns.short()
    widest = results[-1] if results else None
    figs = {
        "histograms": histogram_figure(
            results, f"{PLOTS['histograms']}<br><sub>{what}</sub>", style
        ),
        "spread": spread_figure(results, sg, f"{PLOTS['spread']}<br><sub>{what}</sub>", style),
        "correlation": correlation_figure(
            results, f"{PLOTS['correlation']}<br><sub>{what}</sub>", style
        ),
        "pieces": pieces_figure(
            widest,
            f"Pre-activations per piece, h = {widest['width']}: measured vs "
            f"model<br><sub>{what}</sub>",
            style,
        ),
        "hessian": hessian_figure(results, f"{PLOTS['hessian']}<br><sub>{what}</sub>", style),
    }
    tables = {
        "histograms": net_data.losses_table(results),
        "spread": net_data.spread_table(results, sg),
        "correlation": net_data.losses_table(results),
        "pieces": net_data.pieces_table(results),
        "hessian": net_data.hessian_table(results),
    }
    figs = {k: _stamped(f, k, ns, tables[k]) for k, f in figs.items()}
    if not any(r.get("hessian") for r in results):
        figs["hessian"] = message_figure(
            f"No Hessian: it is examined for widths with at most {net_data.HESSIAN_UI_MAX_N:,} "
            "weights when the "
            "Hessian setting is on.",
            style,
        )
    out = {f"fig_{k}": figs[k] for k in keys}
    if sg is not None and sg.get("notes"):
        messages += sg["notes"]
    out.update(
        summary=_summary(results),
        pieces_table=_pieces_summary(results, ns.H),
        hessian_table=_hessian_summary(results),
        status=(
            f"Trained {len(results) * s['net_restarts']} networks ({ns.describe()}) for widths "
            f"{', '.join(map(str, ns.widths))} in {elapsed:.1f} s (cached widths are instant)."
        ),
        alert=alert(messages),
    )
    return out


# ---------------------------------------------------------------------------------------
# Layout and callbacks
# ---------------------------------------------------------------------------------------

_ROW = {"display": "flex", "flexWrap": "wrap", "gap": "1rem", "alignItems": "center"}


def _plot_block(key: str, height: int):
    return html.Div(
        [
            placeholder(
                ids.net_graph(key), height, "Press “Train networks” to run the experiment."
            ),
            html.P(CAPTIONS[key], className="caption"),
            *export_row(f"networks-{key}", PLOTS[key]),
        ],
        className="net-plot",
        id=ids.net_block(key),
    )


def layout(name: str, state: Mapping):
    """Content of the "Real networks" tab (nothing heavy runs here)."""
    return html.Div(
        [
            html.Article(
                [
                    html.H2("Real networks against the spin-glass model"),
                    html.P(
                        "Hundreds of small fully connected networks trained from random starts on "
                        "a real data set shipped with scikit-learn (no download), with the "
                        "activation, depth H and seed of the settings panel; the widths, restarts, "
                        "epochs, data set and learning rate are under “Real networks” there and in "
                        "the link. Everything on this tab is measured on the "
                        "trained networks unless a caption says “predicted”.",
                        className="caption",
                    ),
                    alert_box(ids.NET_ALERT),
                    alert_box(ids.NET_RUN_ALERT),
                    html.Div(
                        [
                            html.Button(
                                "Train networks",
                                id=ids.NET_RUN,
                                n_clicks=0,
                                title="train every width (cached by settings)",
                            ),
                            html.Button("Cancel", id=ids.NET_CANCEL, n_clicks=0, disabled=True),
                            progress_row(ids.NET_PROGRESS, "progress"),
                            html.Span(id=ids.NET_PROGRESS_LABEL, className="caption"),
                        ],
                        style=_ROW,
                    ),
                    html.P(id=ids.NET_PLAN, className="caption"),
                    html.P(id=ids.NET_STATUS, className="caption"),
                    html.Div(id=ids.NET_SUMMARY, className="table-wrap"),
                ],
                className="card",
                id=ids.card("networks"),
            ),
            html.Article(
                [_plot_block("histograms", 460), _plot_block("spread", 600)], className="card"
            ),
            html.Article([_plot_block("correlation", 480)], className="card"),
            html.Article(
                [
                    _plot_block("pieces", 520),
                    html.Div(id=ids.NET_PIECES_TABLE, className="table-wrap"),
                ],
                className="card",
            ),
            html.Article(
                [
                    _plot_block("hessian", 440),
                    html.Div(id=ids.NET_HESSIAN_TABLE, className="table-wrap"),
                ],
                className="card",
            ),
        ],
        className="views networks",
    )


def export_of(plot: str, settings: Any, printing: bool = False,
              data: NetData | None = None):
    """The export of ``plot`` (a key of :data:`PLOTS`) for the (possibly forged) settings,
    redrawn from the trained networks already in the cache (never trained in the request),
    or why there is none; ``printing``: in the light theme with normal fonts."""
    data = data or NetData()
    cached = NetData(width=functools.partial(peek, data.width),
                     spin_glass=functools.partial(peek, data.spin_glass))
    return redrawn(settings, printing,
                   lambda raw: experiment_outputs(raw, None, cached)[f"fig_{plot}"])


def _memoized(cache) -> NetData:
    return NetData(
        width=memoize(cache, net_data.width_data),
        spin_glass=memoize(cache, net_data.spin_glass_spreads),
    )


def register(app, name: str, services: Services) -> None:
    """The view's callbacks: the plan line from the slice; the experiment as a background job."""
    data = _memoized(services.cache)

    @app.callback(
        output=dict(plan=Output(ids.NET_PLAN, "children"), alert=Output(ids.NET_ALERT, "children")),
        **slice_callback(name),
    )
    def _plan(stored, raw):
        return plan_outputs(raw)

    keys = ("histograms", "spread", "correlation", "pieces", "hessian")
    outputs = {f"fig_{k}": Output(ids.net_graph(k), "figure") for k in keys}
    for k in keys:
        register_export_row(app, f"networks-{k}", ids.net_graph(k),
                            build=functools.partial(export_of, k, data=data))
    outputs.update(
        summary=Output(ids.NET_SUMMARY, "children"),
        pieces_table=Output(ids.NET_PIECES_TABLE, "children"),
        hessian_table=Output(ids.NET_HESSIAN_TABLE, "children"),
        status=Output(ids.NET_STATUS, "children"),
        alert=Output(ids.NET_RUN_ALERT, "children"),
    )
    bg = {}
    if services.manager is not None:
        bg = dict(
            background=True,
            manager=services.manager,
            interval=500,
            progress=[
                Output(ids.NET_PROGRESS, "value"),
                Output(ids.NET_PROGRESS_LABEL, "children"),
            ],
            progress_default=["0", ""],
            cancel=[Input(ids.NET_CANCEL, "n_clicks")],
            running=[
                (Output(ids.NET_RUN, "disabled"), True, False),
                (Output(ids.NET_CANCEL, "disabled"), False, True),
            ],
        )

    @app.callback(
        output=outputs,
        inputs=dict(clicks=Input(ids.NET_RUN, "n_clicks")),
        state=dict(raw=State(ids.SETTINGS, "data")),
        prevent_initial_call=True,
        **bg,
    )
    def _experiment(*args, **kwargs):
        set_progress = args[0] if args else None
        if not kwargs.get("clicks"):
            raise PreventUpdate
        return experiment_outputs(kwargs["raw"], set_progress, data)
