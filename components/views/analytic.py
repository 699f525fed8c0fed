"""The four analytic views (theory §3–§5.3): complexity, layered structure, finite N and
the activation model -- what each shows for given plain settings, its tab, and its callbacks.

* renderers (:func:`render_complexity`, …): deterministic in their plain, hashable
  arguments, memoized in the running app; each returns serialisable figures and, next to
  each figure, the table of the data drawn -- the single source of its CSV export and of
  its accessible table view (components/export.py);
* :func:`view_outputs`: re-validates a view's (possibly forged) settings slice and
  renders it; never raises -- bad input and failures become a visible message;
* :func:`layout` and :func:`register`: the wing's entry points (components/registry.py).

``alpha_bar`` selects the loss units: ``None`` draws spin-glass units u, a number ᾱ
draws network units ᾱ^{H−1}·u (theory §5.3).  ``window`` is the loss range shown
(spin-glass u), ``None`` for the automatic one.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, replace
from html import escape
from typing import Any, Callable, Mapping

import numpy as np
from dash import Output, dcc, html
from dash.exceptions import PreventUpdate

from components import ids
from components.cache import memoize
from components.data.analytic import (
    EXACT_TOTAL_MAX_N,
    MC_MAX_N,
    MC_SAMPLES,
    activation_data,
    complexity_data,
    finite_data,
    layered_data,
    loss_window,
    mean_slope,
    phi_vanishes,
)
from components.export import (
    Export,
    csv_download,
    export_row,
    figure_pdf,
    name_of,
    pdf_download,
    register_export_row,
    stamp,
    table_view,
    view_export,
)
from components.figures.analytic import (
    activation_figure,
    complexity_figure,
    finite_figure,
    layered_h_figure,
    layered_k_figure,
    phi_figure,
    pieces_figure,
)
from components.figures.style import (
    figure_style,
    message_figure,
)
from components.registry import Services, slice_callback
from components.state import (
    CHOICES,
    CUSTOM,
    FIELDS,
    FLAGS,
    Activation,
    activation_or_error,
    param_spec,
    sanitize,
    view_slice,
)
from components.ui import DRAW_BUTTONS, alert, alert_box, guard

__all__ = [
    "Plot",
    "PLOTS",
    "Renderers",
    "render_complexity",
    "render_layered",
    "render_finite",
    "render_activation",
    "format_value",
    "energy_table",
    "view_outputs",
    "complexity_outputs",
    "layered_outputs",
    "finite_outputs",
    "activation_outputs",
    "export_parameters",
    "export_csv",
    "export_pdf",
    "COMPLEXITY_CAPTION",
    "LAYERED_CAPTION",
    "FINITE_CAPTION",
    "ACTIVATION_CAPTION",
    "plot_block",
    "layout",
    "memoized_renderers",
    "register",
]

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class Plot:
    """A plot of the page: the view that draws it, its title and theory section."""

    key: str
    view: str
    title: str
    theory: str


PLOTS: dict[str, Plot] = {
    p.key: p
    for p in (
        Plot("complexity", "complexity", "Complexity Θ_k,H(u) and Θ_H(u)", "theory §3"),
        Plot("layered-k", "layered", "Ground-state energies E_k against the index k", "theory §3"),
        Plot("layered-h", "layered", "E_0, E_1 and E_∞ against the depth H", "theory §3"),
        Plot("finite", "finite", "Expected numbers of critical points at finite N", "theory §3–§4"),
        Plot("activation", "activation", "Activation f, PL fit f̂ and pre-activation density",
             "theory §5.1"),
        Plot("pieces", "activation", "Piece probabilities ρ_ℓ and slopes α_ℓ", "theory §5.2"),
        Plot("phi", "activation", "Deterministic part φ(s) of the loss", "theory §5.3"),
    )
}


def _scale(alpha_bar: float | None, H: int) -> float | None:
    return None if alpha_bar is None else float(alpha_bar) ** (H - 1)


def _table(columns: list[str], rows, note: str = "") -> dict:
    return {"columns": columns, "rows": rows, "note": note}


def render_complexity(
    H: int,
    K: int,
    alpha_bar: float | None = None,
    window: tuple[float, float] | None = None,
    theme: str = "light",
    lecture: bool = False,
) -> dict:
    """Complexity view for depth ``H`` and indices 0..``K`` (theory §3).

    Returns ``{"figures": {"complexity": dict}, "tables": {"complexity": table},
    "energies": tuple E_0..E_K, "e_inf": float, "scale": ᾱ^{H−1} or None}``.
    """
    d = complexity_data(H, K)
    scale = _scale(alpha_bar, H)
    fig = complexity_figure(
        d["u"], d["theta_k"], d["theta_total"], d["energies"], d["e_inf"], H,
        window or d["x_window"], d["y_window"], scale=scale, style=figure_style(theme, lecture),
        uirevision=f"complexity-{scale is None}",
    )
    columns = ["u"] + ([] if scale is None else ["loss_network"])
    columns += [f"Theta_k{k}" for k in range(K + 1)] + ["Theta_total"]
    parts = [d["u"][:, None]] + ([] if scale is None else [scale * d["u"][:, None]])
    rows = np.hstack(parts + [d["theta_k"].T, d["theta_total"][:, None]])
    return {
        "figures": {"complexity": fig.to_plotly_json()},
        "tables": {"complexity": _table(
            columns, rows,
            "Theta_k<k> = Θ_k,H(u) for Hessian index k, Theta_total = Θ_H(u), the growth rates "
            "per weight of the expected numbers of critical points below N·u (theory §3)"
            + ("; loss_network = ᾱ^(H−1)·u" if scale is not None else "") + ".",
        )},
        "energies": tuple(float(e) for e in d["energies"]),
        "e_inf": d["e_inf"],
        "scale": scale,
    }


def render_layered(
    H: int,
    K: int,
    alpha_bar: float | None = None,
    theme: str = "light",
    lecture: bool = False,
) -> dict:
    """Layered structure: E_k against k at depth H, and E_0, E_1, E_∞ against H (theory §3).

    Returns ``{"figures": {"layered-k", "layered-h"}, "tables": {…}}``.
    """
    d = layered_data(10)
    style = figure_style(theme, lecture)
    i = list(d["H"]).index(H)
    energies = d["energies"][i, : K + 1]
    e_inf = float(d["e_inf"][i])
    scale = _scale(alpha_bar, H)
    scales = None if alpha_bar is None else [float(alpha_bar) ** (h - 1) for h in d["H"]]
    fig_k = layered_k_figure(energies, e_inf, H, scale=scale, style=style)
    fig_h = layered_h_figure(d["H"], d["energies"], d["e_inf"], H, scales=scales, style=style)

    extra = [] if scale is None else ["E_k_network"]
    rows_k = [[str(k), float(e)] + ([] if scale is None else [scale * float(e)])
              for k, e in enumerate(energies)]
    rows_k.append(["inf", e_inf] + ([] if scale is None else [scale * e_inf]))
    cols_h = ["H", "E_0", "E_1", "E_inf"] + ([] if scales is None else ["loss_scale"])
    rows_h = [
        [int(h), float(d["energies"][j, 0]), float(d["energies"][j, 1]), float(d["e_inf"][j])]
        + ([] if scales is None else [scales[j]])
        for j, h in enumerate(d["H"])
    ]
    return {
        "figures": {"layered-k": fig_k.to_plotly_json(), "layered-h": fig_h.to_plotly_json()},
        "tables": {
            "layered-k": _table(
                ["k", "E_k"] + extra, rows_k,
                "Index-k critical points lie above the loss −N·E_k; k = inf is the threshold "
                "E_∞ (theory §3).",
            ),
            "layered-h": _table(
                cols_h, rows_h,
                "E_0 (ground state), E_1 and E_∞ for each depth H (theory §3)"
                + ("; loss_scale = ᾱ^(H−1)." if scales is not None else "."),
            ),
        },
    }


def render_finite(
    H: int,
    K: int,
    N: int,
    seed: int,
    alpha_bar: float | None = None,
    window: tuple[float, float] | None = None,
    theme: str = "light",
    lecture: bool = False,
) -> dict:
    """Counts at finite N below each loss level, log₁₀ scale (theory §3–§4).

    Returns ``{"figures": {"finite"}, "tables": {"finite"}, "notes": [str, …]}``; the
    notes say which curves are exact, which leading order, and the Monte Carlo seed.
    """
    window = tuple(window) if window is not None else loss_window(H)
    d = finite_data(H, K, N, seed, window)
    scale = _scale(alpha_bar, H)
    fig = finite_figure(
        d["u"], d["leading"], d["leading_total"], d["exact_total"], d["mc"], d["mc_u"],
        d["energies"], d["e_inf"], H, N, seed, window, scale=scale,
        style=figure_style(theme, lecture),
    )
    u = d["u"]
    columns = ["u"] + ([] if scale is None else ["loss_network"])
    columns += [f"log10_leading_k{k}" for k in range(K + 1)]
    columns += ["log10_leading_total", "log10_exact_total"]
    parts = [u[:, None]] + ([] if scale is None else [scale * u[:, None]])
    exact = d["exact_total"] if d["exact_total"] is not None else np.full(u.size, np.nan)
    parts += [d["leading"].T, d["leading_total"][:, None], exact[:, None]]
    at = np.searchsorted(u, d["mc_u"])
    for k, values, stderrs, _ in d["mc"]:
        col, err = np.full(u.size, np.nan), np.full(u.size, np.nan)
        col[at], err[at] = values, stderrs
        columns += [f"mc_count_k{k}", f"mc_stderr_k{k}"]
        parts += [col[:, None], err[:, None]]
    rows = np.hstack(parts)

    notes = [
        f"Leading order e^(NΘ) for k = 0…{K} and for all critical points (theory §3): "
        "no prefactor, exact only in the exponent."
    ]
    if d["exact_total"] is not None:
        notes.append(
            "Thick line: the exact expected total number at this N from the GOE one-point "
            "density (theory §4; deterministic quadrature)."
        )
    else:
        notes.append(
            f"N = {N:,} > {EXACT_TOTAL_MAX_N:,}: the exact finite-N total (theory §4) is not "
            "computed live (its cost grows like N²); only the leading order is shown."
        )
    if d["mc"]:
        notes.append(
            f"Markers: seeded Monte Carlo estimates of the exact index-k counts (theory §4), "
            f"{MC_SAMPLES} GOE matrices each, seed {seed}; bars are one standard error. "
            "Estimates with a relative standard error above 50 % (rare events: no or few "
            "sampled matrices below the level) are not drawn; the CSV lists them all."
        )
    else:
        notes.append(
            f"Index-k counts at finite N are estimated by Monte Carlo only for N ≤ {MC_MAX_N}; "
            "choose a smaller N to see them."
        )
    return {
        "figures": {"finite": fig.to_plotly_json()},
        "tables": {"finite": _table(
            columns, rows,
            "log10_leading_k<k> = N·Θ_k,H(u)/ln 10 and log10_leading_total = N·Θ_H(u)/ln 10 "
            "(leading order, theory §3); log10_exact_total = log10 of the exact expected number "
            "of critical points below N·u (theory §4); mc_count_k<k> and mc_stderr_k<k>: "
            "Monte Carlo estimate of the expected number of index-k critical points below N·u "
            "and its standard error. Empty: not computed.",
        )},
        "notes": notes,
    }


def render_activation(
    act: Activation,
    H: int,
    theme: str = "light",
    lecture: bool = False,
) -> dict:
    """Activation view: f, its PL fit, the pieces and φ(s) (theory §5.1–§5.3).

    Returns ``{"figures": {"activation", "pieces", "phi"}, "tables": {…}, "stats": dict}``
    with the numbers of :func:`components.data.analytic.activation_data` that the page prints.
    """
    d = activation_data(act, H)
    style = figure_style(theme, lecture)
    label = act.label
    fig = activation_figure(
        d["z"], d["f"], d["fit"], d["breakpoints"], d["breakpoint_values"], d["density"],
        label, d["pieces"], style=style,
    )
    fig_pieces = pieces_figure(
        d["rho"], d["slopes"], d["intercepts"], d["all_breakpoints"], d["alpha_bar"],
        d["beta_bar"], style=style,
    )
    fig_phi = phi_figure(d["s"], d["phi"], d["kappa"], d["gamma"], H, style=style)
    edges = [-np.inf, *d["all_breakpoints"], np.inf]
    piece_rows = [
        [i + 1, edges[i], edges[i + 1], d["slopes"][i], d["intercepts"][i], d["rho"][i]]
        for i in range(d["pieces"])
    ]
    stats = {key: d[key] for key in d if key not in ("z", "f", "fit", "density", "s", "phi")}
    return {
        "figures": {
            "activation": fig.to_plotly_json(),
            "pieces": fig_pieces.to_plotly_json(),
            "phi": fig_phi.to_plotly_json(),
        },
        "tables": {
            "activation": _table(
                ["z", "f", "f_hat", "density"],
                np.column_stack((d["z"], d["f"], d["fit"], d["density"])),
                "f = the activation, f_hat = its PL fit, density = the N(μ, σ²) density of the "
                "pre-activations (theory §5.1).",
            ),
            "pieces": _table(
                ["piece", "a_from", "a_to", "alpha", "beta", "rho"],
                piece_rows,
                "Piece ℓ covers (a_from, a_to], where f_hat(z) = alpha·z + beta; rho = P(Z in "
                "the piece) (theory §5.2).",
            ),
            "phi": _table(
                ["s", "phi"], np.column_stack((d["s"], d["phi"])),
                "phi(s) = Σ_d κ_d s^d with κ_d = γ·β̄·ᾱ^(d−H), in units of ᾱ^(H−1) (theory §5.3).",
            ),
        },
        "stats": stats,
    }


# ---------------------------------------------------------------------------------------
# Outputs of a view for its settings slice
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Renderers:
    """The view renderers the callbacks use (memoized ones in the running app)."""

    complexity: Callable[..., dict] = render_complexity
    layered: Callable[..., dict] = render_layered
    finite: Callable[..., dict] = render_finite
    activation: Callable[..., dict] = render_activation
    mean_slope: Callable[..., float] = mean_slope
    phi_vanishes: Callable[..., bool] = phi_vanishes


#: The views that draw the spin glass's (φ ≡ 0) counts, and what they leave out.
SCOPED_VIEWS = ("complexity", "layered", "finite")


def scope_note(view: str, state: Mapping, renderers: "Renderers") -> Any:
    """A notice for a spin-glass view when the chosen activation has φ ≠ 0 (theory §5.3):
    the counts drawn are those of φ ≡ 0, and the Activation effect view shows what φ does.
    ``None`` when φ ≡ 0 (the view is exact for the model) or the activation is unusable
    (the Activation tab reports that)."""
    act, error = activation_or_error(state)
    if error:
        return None
    try:
        if renderers.phi_vanishes(act, state["H"]):
            return None
    except Exception:  # noqa: BLE001 - the activation view reports fit failures
        return None
    what = {"complexity": "complexity curves", "layered": "levels E_k",
            "finite": "counts"}[view]
    return [
        html.Strong("φ ≠ 0 for this activation. "),
        f"These {what} are the spin glass's (φ ≡ 0, theory §3–§4), drawn for the activation only "
        "through its scale ᾱ. Its deterministic term φ(s) (γ·β̄ ≠ 0, theory §5.3) changes the "
        "number of critical points and moves some indices: ",
        html.A("the Activation effect view", href="?tab=effect", className="scope-link",
               **{"data-tab": "effect"}),
        " shows by how much.",
    ]


def format_value(x: float, digits: int = 6) -> str:
    """``x`` to ``digits`` significant digits, trailing zeros kept (``1.65700``)."""
    return f"{x:#.{digits}g}"


def _key(plot: str) -> str:
    return plot.replace("-", "_")


# ---------------------------------------------------------------------------------------
# Settings the renderers need
# ---------------------------------------------------------------------------------------


def _alpha_bar(state: Mapping, slope: Callable[..., float]) -> tuple[float | None, str | None]:
    """ᾱ for network units (theory §5.3), or ``None`` (spin-glass units) with the reason."""
    if state["units"] != "network":
        return None, None
    act, error = activation_or_error(state)
    if error is None:
        try:
            return float(slope(act._replace(gamma=1.0))), None
        except ValueError as exc:
            error = str(exc)
        except Exception:  # noqa: BLE001
            logger.exception("mean slope for %r", state)
            error = "internal error"
    return None, f"Network units are not available ({error}); spin-glass units u are shown."


def _window(state: Mapping) -> tuple[float, float] | None:
    return None if state["u_auto"] else (float(state["u_min"]), float(state["u_max"]))


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


def energy_table(energies, e_inf: float, scale: float | None = None):
    """Table of E_0..E_K and E_∞ (6 significant digits); E_0's cell has id ``e0-value``.

    With ``scale`` = ᾱ^{H−1} a column gives the levels in network units.  The table is
    one block of HTML built from numbers and fixed text (a single component, cheap to
    replace on every slider move).
    """
    def e(sub: str) -> str:
        return f"<i>E</i><sub>{sub}</sub>"

    head = '<th scope="col">level</th><th scope="col">E</th>'
    if scale is not None:
        head += '<th scope="col">ᾱ<sup>H−1</sup>·E (network units)</th>'
    head += '<th scope="col">meaning</th>'
    rows = []
    for k, value in enumerate(energies):
        if k == 0:
            meaning = f"no critical points below −N·{e('0')} (annealed ground state)"
        else:
            meaning = f"saddles of index {k} only above −N·{e(str(k))}"
        cell_id = f' id="{ids.E0_VALUE}"' if k == 0 else ""
        cells = (f'<th scope="row">{e(str(k))}</th>'
                 f'<td class="num"{cell_id}>{format_value(value)}</td>')
        if scale is not None:
            cells += f'<td class="num">{format_value(scale * value)}</td>'
        rows.append(f"<tr>{cells}<td>{meaning}</td></tr>")
    cells = (f'<th scope="row">{e("∞")}</th>'
             f'<td class="num" id="{ids.EINF_VALUE}">{format_value(e_inf)}</td>')
    if scale is not None:
        cells += f'<td class="num">{format_value(scale * e_inf)}</td>'
    rows.append(f'<tr class="threshold-row">{cells}'
                f"<td>threshold: every index accumulates at −N·{e('∞')}</td></tr>")
    markup = (f'<table class="energy-table"><thead><tr>{head}</tr></thead>'
              f'<tbody>{"".join(rows)}</tbody></table>')
    return dcc.Markdown(markup, dangerously_allow_html=True, className="energy-markup")


def _stats_view(stats: dict, H: int):
    """The activation's numbers (theory §5.1–§5.3) as one block of HTML (a single
    component, cheap to replace on every slider move), each with its meaning as a hint."""
    def item(term: str, value: str, hint: str) -> str:
        return (f'<div class="stat"><dt title="{escape(hint)}">{term}</dt>'
                f"<dd>{escape(value)}</dd></div>")

    kappa = ", ".join(format_value(x, 4) for x in stats["kappa"]) or "—"
    items = [
        item("ᾱ", format_value(stats["alpha_bar"]), "mean slope Σ ρ_ℓ α_ℓ (theory §5.2)"),
        item("β̄", format_value(stats["beta_bar"]), "mean intercept Σ ρ_ℓ β_ℓ (theory §5.2)"),
        item(
            "fit error E[(f − f̂)²]",
            "0 (exact)" if stats["exact"] else format_value(stats["error"], 3),
            "mean squared error of the PL fit under Z ~ N(μ, σ²) (theory §5.1)",
        ),
        item(
            "relative error",
            "0 (exact)" if stats["exact"]
            else f"{format_value(100 * stats['relative_error'], 3)} %",
            "E[(f(Z) − f̂(Z))²] / Var f(Z)",
        ),
        item("pieces", str(stats["pieces"]), "pieces of f̂ (fewer than L when f is PL already)"),
        item(
            f"ᾱ<sup>H−1 = {H - 1}</sup>",
            format_value(stats["loss_scale"]),
            "loss in network units = ᾱ^(H−1) × spin-glass loss (theory §5.3)",
        ),
        item(
            "κ<sub>d</sub> of φ (d = 1…H−1)",
            kappa,
            "coefficients κ_d = γ β̄ ᾱ^(d−H) of φ(s) = Σ_d κ_d s^d, in units of ᾱ^(H−1) "
            "(theory §5.3)",
        ),
    ]
    return dcc.Markdown(f'<dl class="stats-list">{"".join(items)}</dl>',
                        dangerously_allow_html=True, className="stats-markup")


def _failed(view: str, error: str, messages: list[str], style) -> dict:
    messages.append(error)
    out = {"alert": alert(messages)}
    for plot in _plots_of(view):
        out[f"figure_{_key(plot)}"] = message_figure(error, style)
        out[f"table_{_key(plot)}"] = None
    return out


def _plots_of(view: str) -> list[str]:
    return [key for key, plot in PLOTS.items() if plot.view == view]


def _drawn(view: str, payload: dict, messages: list[str], state: Mapping | None = None) -> dict:
    out = {"alert": alert(messages)}
    for plot in _plots_of(view):
        figure = payload["figures"][plot]
        out[f"figure_{_key(plot)}"] = figure if state is None else stamp(
            figure, export_of_state(plot, state))
        out[f"table_{_key(plot)}"] = table_view(payload["tables"][plot], PLOTS[plot].title)
    return out


def _call(view: str, state: Mapping, renderers: Renderers,
          alpha_bar) -> tuple[dict | None, str | None]:
    """Call the view's renderer for a valid state (knots already checked for 'activation')."""
    style = (state["theme"], state["lecture"])
    if view == "complexity":
        return guard(renderers.complexity, "complexity plot", state["H"], state["K"],
                     alpha_bar, _window(state), *style)
    if view == "layered":
        return guard(renderers.layered, "layered-structure plots", state["H"], state["K"],
                       alpha_bar, *style)
    if view == "finite":
        return guard(renderers.finite, "finite-N plot", state["H"], state["K"], state["N"],
                       state["seed"], alpha_bar, _window(state), *style)
    act, error = activation_or_error(state)
    if error:
        return None, error
    return guard(renderers.activation, "activation plots", act, state["H"], *style)


def view_outputs(view: str, slice_: Any, renderers: Renderers | None = None) -> dict:
    """Figures, table views, alert and extras of ``view`` for a (possibly forged) slice.

    Keys: ``figure_<plot>`` and ``table_<plot>`` for each plot of the view (``-`` in plot
    names becomes ``_``), ``alert``, and ``energy_table`` (complexity), ``notes``
    (finite), ``stats`` (activation).
    """
    renderers = renderers or Renderers()
    state, messages = sanitize(slice_)
    style = figure_style(state["theme"], state["lecture"])
    extras = {"complexity": "energy_table", "finite": "notes", "activation": "stats"}
    if view == "activation":
        _, error = activation_or_error(state)
        if error:
            out = _failed(view, error, messages, style)
            out["stats"] = None
            return out
        alpha_bar = None
    else:
        alpha_bar, note = _alpha_bar(state, renderers.mean_slope)
        if note:
            messages.append(note)
    payload, error = _call(view, state, renderers, alpha_bar)
    if error:
        out = _failed(view, error, messages, style)
        if view in extras:
            out[extras[view]] = None
        if view in SCOPED_VIEWS:
            out["scope"] = None
        return out
    out = _drawn(view, payload, messages, state)
    if view == "complexity":
        out["energy_table"] = energy_table(payload["energies"], payload["e_inf"], payload["scale"])
    elif view == "finite":
        out["notes"] = [html.Li(n) for n in payload["notes"]]
    elif view == "activation":
        out["stats"] = _stats_view(payload["stats"], state["H"])
    if view in SCOPED_VIEWS:
        out["scope"] = scope_note(view, state, renderers)
    return out


def complexity_outputs(slice_: Any, renderers: Renderers | None = None) -> dict:
    """The complexity view (theory §3): see :func:`view_outputs`."""
    return view_outputs("complexity", slice_, renderers)


def layered_outputs(slice_: Any, renderers: Renderers | None = None) -> dict:
    """The layered-structure view (theory §3): see :func:`view_outputs`."""
    return view_outputs("layered", slice_, renderers)


def finite_outputs(slice_: Any, renderers: Renderers | None = None) -> dict:
    """The finite-N view (theory §3–§4): see :func:`view_outputs`."""
    return view_outputs("finite", slice_, renderers)


def activation_outputs(slice_: Any, renderers: Renderers | None = None) -> dict:
    """The activation view (theory §5.1–§5.3): see :func:`view_outputs`."""
    return view_outputs("activation", slice_, renderers)


# ---------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------


def _label(key: str, state: Mapping) -> str:
    if key in FIELDS:
        return FIELDS[key].label
    if key in CHOICES:
        return CHOICES[key][0]
    if key in FLAGS:
        return FLAGS[key][0]
    if key == "param":
        spec = param_spec(state["activation"])
        return f"{spec.label}: {spec.param_symbol}" if spec else "Parameter"
    return {"activation": "Activation", "knots": "Knot table (z, f)"}.get(key, key)


#: The model each view's numbers come from.
_MODELS = {
    "complexity": "leading-order complexity of the spherical H-spin glass as N → ∞ (Auffinger, "
                  "Ben Arous & Černý 2013; Choromanska et al. 2015)",
    "layered": "ground-state energies E_k of the spherical H-spin glass (Auffinger, Ben Arous & "
               "Černý 2013; Choromanska et al. 2015)",
    "finite": "expected counts of critical points at finite N: Kac–Rice with the GOE eigenvalue "
              "density, and seeded Monte Carlo over GOE matrices",
    "activation": "least-squares piece-wise linear model of the activation under Gaussian "
                  "pre-activations (our derivation after Baskerville, Keating, Mezzadri & "
                  "Najnudel 2021)",
}


def export_parameters(plot: str, state: Mapping) -> dict:
    """The settings a plot depends on, by label (its CSV header and its parameter line)."""
    view = PLOTS[plot].view
    params: dict[str, Any] = {}
    for key, value in view_slice(state, view).items():
        if key in ("theme", "lecture", "u_auto", "units"):
            continue
        if key == "param" and value is None:
            continue
        if key == "knots" and state["activation"] != CUSTOM:
            continue
        params[_label(key, state)] = value
    if view in ("complexity", "finite"):
        params["Loss range"] = (
            "automatic" if state["u_auto"] else f"[{state['u_min']}, {state['u_max']}]"
        )
    return params


def _units(plot: str, state: Mapping) -> str:
    if PLOTS[plot].view == "activation":
        return ("z and f(z) in the activation's own units; ρ_ℓ probabilities; φ(s) in "
                "spin-glass loss units (theory §5.3)")
    if state["units"] == "spin":
        return "spin-glass loss per weight u (theory §2)"
    return "network units ᾱ^(H−1)·u (theory §5.3); the u column in spin-glass units"


def export_name(plot: str, state: Mapping) -> str:
    """The file name (without extension) of an export of ``plot``: the plot and the settings
    that shape it, e.g. ``spinglass-finite-H4-N50-seed3``; safe on every file system."""
    return name_of(plot, state, view_slice(state, PLOTS[plot].view))


def export_of_state(plot: str, state: Mapping, payload: Mapping | None = None) -> Export:
    """The export of ``plot`` for a valid ``state`` (its data from the renderer's
    ``payload``, when given)."""
    view = PLOTS[plot].view
    export = view_export(view, plot, state, PLOTS[plot].title,
                         f"{PLOTS[plot].theory}: {_MODELS[view]}", _units(plot, state),
                         export_parameters(plot, state),
                         None if payload is None else payload["tables"][plot])
    return replace(export, name=export_name(plot, state),
                   figure=None if payload is None else payload["figures"][plot])


def _export_payload(plot: str, settings: Any, renderers: Renderers, style: tuple | None = None):
    if plot not in PLOTS:
        return None, None, f"Unknown plot {plot!r}."
    state, messages = sanitize(settings)
    if style is not None:
        state = {**state, "theme": style[0], "lecture": style[1]}
    view = PLOTS[plot].view
    slice_state, _ = sanitize(view_slice(state, view))
    alpha_bar = None
    if view == "activation":
        _, error = activation_or_error(slice_state)
        if error:
            return None, state, error
    else:
        alpha_bar, _ = _alpha_bar(slice_state, renderers.mean_slope)
        if alpha_bar is None:
            slice_state = {**slice_state, "units": "spin"}
    payload, error = _call(view, slice_state, renderers, alpha_bar)
    return payload, state, error


def export_of(plot: str, settings: Any, renderers: Renderers | None = None,
              printing: bool = False) -> Export | str:
    """The export of ``plot`` for the (possibly forged) settings, or why there is none;
    ``printing``: drawn in the light theme with normal fonts (made for print)."""
    renderers = renderers or Renderers()
    style = ("light", False) if printing else None
    payload, state, error = _export_payload(plot, settings, renderers, style)
    if error:
        return error
    return export_of_state(plot, state, payload)


def export_csv(plot: str, settings: Any, renderers: Renderers | None = None,
               base: str = "") -> dict:
    """The CSV download of ``plot`` for the (possibly forged) settings
    (components/export.py: ``{"download", "message"}``)."""
    return csv_download(export_of(plot, settings, renderers), base)


def export_pdf(
    plot: str,
    settings: Any,
    renderers: Renderers | None = None,
    to_pdf: Callable[[Mapping], bytes] = figure_pdf,
) -> dict:
    """The PDF download of ``plot`` (light theme, normal fonts: made for print), or a
    message (no Chromium on the server, rendering failed) and ``no_update``."""
    return pdf_download(export_of(plot, settings, renderers, printing=True), to_pdf)


# ---------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------


def _sym(base: str, sub: str):
    return [html.I(base), html.Sub(sub)]


COMPLEXITY_CAPTION = [
    *_sym("Θ", "k,H"), "(u) is the growth rate, per weight, of the expected number of critical "
    "points of Hessian index k (k negative directions) with loss at most N·u: there are about ",
    "e", html.Sup("N·Θ"), " of them. Where a curve is below zero none are expected for large N. "
    "Minima (k = 0) appear only above −", *_sym("E", "0"), ", index-k saddles only above −",
    *_sym("E", "k"), ", and every index piles up at −", *_sym("E", "∞"), ", so the low-lying "
    "critical points live in the shaded band (−", *_sym("E", "0"), ", −", *_sym("E", "∞"), "). "
    "The dashed curve ", *_sym("Θ", "H"), " counts all critical points. Leading order as "
    "N → ∞: theory §3, after Auffinger, Ben Arous & Černý (2013) and Choromanska et al. "
    "(2015). Double-click the plot to see the whole range of u.",
]

LAYERED_CAPTION = [
    "The layered structure of the low critical points. Left: the levels ", *_sym("E", "k"),
    " for the chosen depth — below the loss −N·", *_sym("E", "k"), " there are (for large N) "
    "no critical points of index k or more, so between −N·", *_sym("E", "0"), " and −N·",
    *_sym("E", "1"), " only minima live; the levels fall to the threshold ", *_sym("E", "∞"),
    " = 2√((H−1)/H), where every index piles up. Right: the ground state ", *_sym("E", "0"),
    ", the first saddle level ", *_sym("E", "1"), " and ", *_sym("E", "∞"), " against the "
    "depth: deeper networks have a wider band of low minima. H = 2 is degenerate (all levels "
    "equal √2). Theory §3, after Auffinger, Ben Arous & Černý (2013) and Choromanska et al. "
    "(2015).",
]

FINITE_CAPTION = [
    "How many critical points a network of N weights has, on average, with loss below N·u "
    "(log scale: 3 means a thousand). The thin curves are the leading order e", html.Sup("N·Θ"),
    " of the complexity plot — exact only in the exponent; the thick curve is the exact "
    "expected total at this N, from the Kac–Rice formula and the GOE eigenvalue density; "
    "markers are seeded Monte Carlo estimates of the exact count for each index. Below the "
    "dotted line fewer than one critical point is expected: at moderate N the band of minima "
    "is sparsely populated. Theory §3–§4, after Auffinger, Ben Arous & Černý (2013, Theorem 2.5).",
]

ACTIVATION_CAPTION = [
    "The activation f (solid) and its least-squares piece-wise linear fit f̂ with L pieces "
    "(dashed; diamonds mark the breakpoints), weighted by the density of the pre-activations "
    "Z ~ N(μ, σ²) (shaded, right axis). Below: the probabilities ρ", html.Sub("ℓ"),
    " of the pieces (bars) and their slopes (diamonds) give the mean slope ᾱ and the mean "
    "intercept β̄; loss values in network units are ᾱ", html.Sup("H−1"),
    " times the spin-glass values, and β̄ ≠ 0 adds the low-degree term φ(s) (right) to the "
    "loss, s the overlap of the weights with the all-ones direction, scaled by γ. "
    "Model: theory §5.1–§5.3, our derivation following Baskerville, Keating, Mezzadri & "
    "Najnudel (arXiv:2004.03959).",
]


def _graph_config(plot: str) -> dict:
    """Plotly options of a plot: exports and, shown in lecture mode only (assets/style.css),
    the drawing tools."""
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": f"spinglass-{plot}", "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "sendChartToCloud"],
        "modeBarButtonsToAdd": list(DRAW_BUTTONS),
    }


def plot_block(plot: str, height: int, class_name: str = ""):
    """A plot with its export row (components/export.py) and table view."""
    return html.Div(
        [
            dcc.Graph(
                id=ids.graph(plot),
                config=_graph_config(plot),
                style={"height": f"{height}px"},
                className="graph",
            ),
            *export_row(plot, PLOTS[plot].title),
            html.Div(id=ids.data_table(plot), className="data-view"),
        ],
        className=f"plot-block {class_name}".strip(),
        id=ids.plot_block(plot),
    )


_CAPTION_TAGS = {html.I: "i", html.Sub: "sub", html.Sup: "sup"}


def _markup(parts) -> str:
    """HTML of a caption given as text and html.I / html.Sub / html.Sup components."""
    if isinstance(parts, str):
        return escape(parts)
    if not isinstance(parts, (list, tuple)):
        tag = _CAPTION_TAGS[type(parts)]
        return f"<{tag}>{_markup(parts.children)}</{tag}>"
    return "".join(_markup(p) for p in parts)


def caption_block(parts):
    """A caption as one block of HTML (one component however many symbols it sets: the
    views stay mounted, and every component costs the page on each update)."""
    return dcc.Markdown(f'<p class="caption">{_markup(parts)}</p>',
                        dangerously_allow_html=True, className="caption-block")


def _card(title: str, alert_id: str, body: list, caption, card_id: str,
          scope_id: str | None = None):
    scope = ([html.Div(id=scope_id, className="alert notice scope-note", role="status")]
             if scope_id else [])
    return html.Article(
        [html.H2(title), alert_box(alert_id), *scope, *body, caption_block(caption)],
        className="card",
        id=card_id,
    )


def layout(name: str, state: Mapping):
    """The tab of analytic view ``name``: a card with its alert, plots, extras and caption.

    The plots are filled by the view's callback from its settings slice; nothing is
    computed here, so ``state`` is not read.
    """
    if name == "complexity":
        return _card(
            "Complexity: how many critical points below each loss",
            ids.COMPLEXITY_ALERT,
            [
                plot_block("complexity", 620),
                html.H3("Ground-state energies"),
                html.Div(id=ids.ENERGY_TABLE, className="table-wrap"),
            ],
            COMPLEXITY_CAPTION,
            ids.card(name),
            ids.SCOPE_NOTES[name],
        )
    if name == "layered":
        return _card(
            "Layered structure: minima low, saddles higher",
            ids.LAYERED_ALERT,
            [html.Div([plot_block("layered-k", 460), plot_block("layered-h", 460)],
                      className="plot-pair")],
            LAYERED_CAPTION,
            ids.card(name),
            ids.SCOPE_NOTES[name],
        )
    if name == "finite":
        return _card(
            "Counts at finite N",
            ids.FINITE_ALERT,
            [plot_block("finite", 600), html.Ul(id=ids.FINITE_NOTES, className="notes")],
            FINITE_CAPTION,
            ids.card(name),
            ids.SCOPE_NOTES[name],
        )
    if name == "activation":
        return _card(
            "Activation and its piece-wise linear model",
            ids.ACTIVATION_ALERT,
            [
                plot_block("activation", 460),
                html.Div(id=ids.ACTIVATION_STATS, className="stats"),
                html.Div([plot_block("pieces", 380), plot_block("phi", 380)],
                         className="plot-pair"),
            ],
            ACTIVATION_CAPTION,
            ids.card(name),
        )
    raise KeyError(f"no analytic view {name!r}")


# ---------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------


def memoized_renderers(cache) -> Renderers:
    """The renderers of the analytic views, memoized in ``cache`` (``None``: not memoized)."""
    return Renderers(
        complexity=memoize(cache, render_complexity),
        layered=memoize(cache, render_layered),
        finite=memoize(cache, render_finite),
        activation=memoize(cache, render_activation),
        mean_slope=memoize(cache, mean_slope),
        phi_vanishes=memoize(cache, phi_vanishes),
    )


def register(app, name: str, services: Services) -> None:
    """Register the callbacks of analytic view ``name``: its plots and their exports."""
    renderers = memoized_renderers(services.cache)
    _register_view(app, name, renderers)
    for plot in _plots_of(name):
        _register_exports(app, plot, renderers)


def _register_view(app, view: str, renderers: Renderers) -> None:
    output = {"alert": Output(ids.VIEW_ALERTS[view], "children")}
    for plot in _plots_of(view):
        output[f"figure_{_key(plot)}"] = Output(ids.graph(plot), "figure")
        output[f"table_{_key(plot)}"] = Output(ids.data_table(plot), "children")
    if view == "complexity":
        output["energy_table"] = Output(ids.ENERGY_TABLE, "children")
    elif view == "finite":
        output["notes"] = Output(ids.FINITE_NOTES, "children")
    elif view == "activation":
        output["stats"] = Output(ids.ACTIVATION_STATS, "children")
    if view in SCOPED_VIEWS:
        output["scope"] = Output(ids.SCOPE_NOTES[view], "children")

    @app.callback(output=output, **slice_callback(view, "slice_"))
    def _view(stored, slice_):
        if slice_ is None:
            raise PreventUpdate  # a hidden view: rendered when its tab is opened
        return view_outputs(view, slice_, renderers)


def _register_exports(app, plot: str, renderers: Renderers) -> None:
    register_export_row(app, plot, ids.graph(plot),
                        build=functools.partial(_build_export, plot, renderers))


def _build_export(plot: str, renderers: Renderers, settings: Any, printing: bool):
    return export_of(plot, settings, renderers, printing)
