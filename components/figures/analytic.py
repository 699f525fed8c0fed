"""Figures of the analytic views (theory §3–§5.3): numbers and arrays in, ``go.Figure`` out.

Nothing here computes mathematics or touches a cache; the renderers
(components/views/analytic.py) pass in what the adapters of components/data/analytic.py
returned.  The look comes from components/figures/style.py.  Losses can be drawn in the
network's own units: every loss coordinate is multiplied by ``scale`` = ᾱ^{H−1}
(theory §5.3).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from components.figures.style import LIGHT, FigureStyle, hline, index_colors, vline

__all__ = [
    "MC_MAX_RELATIVE_ERROR",
    "label_rows",
    "loss_axis_title",
    "complexity_figure",
    "layered_k_figure",
    "layered_h_figure",
    "finite_figure",
    "activation_figure",
    "pieces_figure",
    "phi_figure",
]

#: Monte Carlo estimates with a larger relative standard error are not drawn.
MC_MAX_RELATIVE_ERROR = 0.5


def label_rows(positions: Sequence[float], min_gap: float, rows: int = 3) -> list[int | None]:
    """Assign each vertical-line label a row so labels in a row are ``min_gap`` apart.

    Lines are visited left to right; a label goes to the first row whose last label is
    far enough away, or gets ``None`` (no text; the line stays drawn and explained in
    the table) when every row is crowded.

    >>> label_rows([0.0, 0.01, 0.02, 1.0], min_gap=0.1, rows=2)
    [0, 1, None, 0]
    """
    order = np.argsort(positions)
    last = [-np.inf] * rows
    out: list[int | None] = [None] * len(positions)
    for i in order:
        x = positions[i]
        for row in range(rows):
            if x - last[row] >= min_gap:
                out[i] = row
                last[row] = x
                break
    return out


def loss_axis_title(scale: float | None, H: int, what: str = "loss per weight",
                    wrap: bool = False) -> str:
    """Axis title of a loss axis: spin-glass ``u`` or network units ᾱ^{H−1}·u (theory §5.3).

    ``wrap`` breaks it into two lines (lecture mode: large type on a narrow plot).
    """
    gap = "<br>" if wrap else "  "
    if scale is None:
        return f"{what}  u = L / N{gap}(spin-glass units)"
    return f"{what} in network units{gap}ᾱ<sup>{H - 1}</sup>·u  (× {scale:.4g})"


def _legend_below(style: FigureStyle, items: int, per_row: int) -> tuple[dict, int]:
    """A legend that never covers the data, and the bottom margin the figure needs.

    Normally a horizontal legend at the bottom of the figure, anchored to the figure (not
    the plot area) so it never overlaps the axis title.  In lecture mode the legend stands
    in a column right of the plot instead: a projector's screen is wide and low, and every
    legend row below the plot would be taken from the data's height.
    """
    if style.lecture:
        legend = dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top",
                      yref="paper", itemwidth=30, font=dict(size=style.font_size - 4))
        return legend, 76 + style.font_size  # room for a two-line axis title
    per_row = max(1, per_row - (1 if style.lecture else 0))
    rows = math.ceil(items / per_row)
    legend = dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom")
    return legend, int(62 + 14 * style.lecture + rows * 1.55 * style.font_size)


def _window(window, scale: float) -> list[float] | None:
    if window is None:
        return None
    a, b = scale * window[0], scale * window[1]
    return [min(a, b), max(a, b)]


def _padded(*values: Sequence[float] | float, margin: float = 0.08) -> list[float] | None:
    """An axis range around the finite ``values``, ``margin`` of their span beyond each end.

    Stated rather than left to plotly's autorange, so that figures that differ only in
    their numbers have their ranges written in (a held handle's move is then drawn in
    place, assets/redraw.js).  None when no value is finite.
    """
    v = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in values])
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    pad = margin * (hi - lo) if hi > lo else max(abs(lo), 1.0) * 0.05
    return [lo - pad, hi + pad]


def _label_step(style: FigureStyle) -> int:
    """Vertical distance in pixels between rows of line labels."""
    return style.font_size + 10


def _energy_marks(
    energies: Sequence[float], e_inf: float, scale: float, colors: list[str],
    style: FigureStyle, span: float,
) -> tuple[list[dict], list[dict], int]:
    """Band, vertical lines at −E_k and −E_∞ with staggered labels; returns the label rows used."""
    xs = list(-scale * np.asarray(energies, dtype=float)) + [-scale * float(e_inf)]
    rows = label_rows(xs, min_gap=0.07 * span, rows=3)
    shapes = [
        dict(
            type="rect", xref="x", yref="paper", x0=xs[0], x1=xs[-1], y0=0, y1=1,
            fillcolor=style.band, line=dict(width=0), layer="below",
        ),
    ]
    annotations = []
    for i, x in enumerate(xs):
        is_inf = i == len(xs) - 1
        color = style.muted if is_inf else colors[i]
        shapes.append(
            vline(x, color, "solid" if is_inf else "dot", (2 if is_inf else 1.5) * style.line)
        )
        if rows[i] is None:
            continue
        text = "−E<sub>∞</sub>" if is_inf else f"−E<sub>{i}</sub>"
        annotations.append(
            dict(
                x=x, xref="x", y=1.0, yref="paper", yanchor="bottom",
                yshift=2 + rows[i] * _label_step(style),
                text=text, showarrow=False, font=dict(color=color, size=style.font_size - 1),
                hovertext=f"{text} = {x:.6g}",
            )
        )
    used = 1 + max((r for r in rows if r is not None), default=0)
    return shapes, annotations, used


def complexity_figure(
    u: np.ndarray,
    theta_k: np.ndarray,
    theta_total: np.ndarray,
    energies: Sequence[float],
    e_inf: float,
    H: int,
    x_window: tuple[float, float] | None = None,
    y_window: tuple[float, float] | None = None,
    *,
    scale: float | None = None,
    style: FigureStyle | None = None,
    uirevision: str | None = None,
) -> go.Figure:
    """Complexity curves Θ_{k,H}(u), k = 0..K, and the total Θ_H(u) (theory §3).

    ``theta_k`` has one row per index k = 0..K on the grid ``u``; ``energies`` are
    E_0..E_K (positive).  Vertical lines mark -E_k (colour of Θ_k) and -E_∞ (grey);
    the band (-E_0, -E_∞) is shaded; a line marks Θ = 0.  ``x_window`` and ``y_window``
    set the initial view (double-click shows all the data).  With ``scale`` = ᾱ^{H−1}
    the loss axis is in network units (every u multiplied by ``scale``).
    """
    style = style or LIGHT
    factor = 1.0 if scale is None else float(scale)
    theta_k = np.atleast_2d(theta_k)
    K = theta_k.shape[0] - 1
    colors = index_colors(K + 1, style.theme)
    x = factor * np.asarray(u, dtype=float)
    traces = [
        go.Scatter(
            x=x, y=theta_k[k], mode="lines", name=f"Θ<sub>{k},{H}</sub>  (index {k})",
            line=dict(color=colors[k], width=2.5 * style.line),
            hovertemplate=f"Θ<sub>{k},{H}</sub> = %{{y:.5f}}<extra></extra>",
        )
        for k in range(K + 1)
    ]
    traces.append(
        go.Scatter(
            x=x, y=theta_total, mode="lines", name=f"Θ<sub>{H}</sub>  (all critical points)",
            line=dict(color=style.total, width=3 * style.line, dash="dash"),
            hovertemplate=f"Θ<sub>{H}</sub> = %{{y:.5f}}<extra></extra>",
        )
    )
    window = _window(x_window, factor)
    span = (window[1] - window[0]) if window else float(np.ptp(x)) or 1.0
    shapes, annotations, used = _energy_marks(energies, e_inf, factor, colors, style, span)
    shapes.insert(1, hline(0.0, style.muted, 1.5 * style.line))
    legend, legend_margin = _legend_below(style, len(traces), 5)
    layout = dict(
        template=style.template,
        shapes=shapes,
        annotations=annotations,
        hovermode="x unified",
        xaxis=dict(title=dict(text=loss_axis_title(scale, H, wrap=style.lecture)),
                   hoverformat=".5f"),
        yaxis=dict(title=dict(text="complexity  Θ(u)")),
        legend=legend,
        margin=dict(t=24 + _label_step(style) * used, r=20, b=legend_margin),
        uirevision=uirevision or f"complexity-{scale is None}",
    )
    if window is not None:
        layout["xaxis"]["range"] = window
    if y_window is not None:
        layout["yaxis"]["range"] = list(y_window)
    return go.Figure(data=traces, layout=layout)


def layered_k_figure(
    energies: Sequence[float],
    e_inf: float,
    H: int,
    *,
    scale: float | None = None,
    style: FigureStyle | None = None,
) -> go.Figure:
    """The layers E_0 > E_1 > … > E_K against the index k, with E_∞ (theory §3).

    Critical points of index k lie above the level −N·E_k; the E_k decrease to the
    threshold E_∞.  With ``scale`` the energies are in network units (× ᾱ^{H−1}).
    """
    style = style or LIGHT
    factor = 1.0 if scale is None else float(scale)
    e = factor * np.asarray(energies, dtype=float)
    k = np.arange(e.size)
    colors = index_colors(e.size, style.theme)
    unit = "" if scale is None else f"  (network units, × {factor:.4g})"
    traces = [
        go.Scatter(
            x=k, y=e, mode="lines+markers", name=f"E<sub>k</sub> at H = {H}",
            line=dict(color=style.muted, width=1.5 * style.line),
            marker=dict(color=colors, size=11 + 4 * style.lecture, line=dict(color=style.paper, width=1)),
            hovertemplate="E<sub>%{x}</sub> = %{y:.6f}<extra></extra>",
        ),
        go.Scatter(
            x=[k[0], k[-1]] if k.size > 1 else [-0.5, 0.5], y=[factor * e_inf] * 2, mode="lines",
            name="E<sub>∞</sub> (threshold)",
            line=dict(color=style.total, width=2 * style.line, dash="dash"),
            hovertemplate=f"E<sub>∞</sub> = {factor * e_inf:.6f}<extra></extra>",
        ),
    ]
    layout = dict(
        template=style.template,
        hovermode="closest",
        xaxis=dict(title=dict(text="Hessian index  k"), dtick=1, zeroline=False,
                   range=[-0.5, max(k[-1], 1) + 0.5]),
        yaxis=dict(title=dict(text=f"E<sub>k</sub>{unit}"), tickformat=".4f",
                   range=_padded(e, factor * e_inf)),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
        margin=dict(t=60, r=20),
        uirevision=f"layered-k-{scale is None}",
    )
    return go.Figure(data=traces, layout=layout)


def layered_h_figure(
    depths: Sequence[int],
    energies: np.ndarray,
    e_inf: Sequence[float],
    H: int,
    *,
    scales: Sequence[float] | None = None,
    style: FigureStyle | None = None,
) -> go.Figure:
    """E_0, E_1 and E_∞ against the depth H, the chosen depth highlighted (theory §3).

    ``energies[i, k]`` = E_k(depths[i]).  ``scales`` (one per depth, ᾱ^{H−1}) puts the
    energies in network units.
    """
    style = style or LIGHT
    depths = np.asarray(depths)
    factor = np.ones(depths.size) if scales is None else np.asarray(scales, dtype=float)
    energies = np.asarray(energies, dtype=float)
    colors = index_colors(2, style.theme)
    series = [
        ("E<sub>0</sub> (ground state)", factor * energies[:, 0], colors[0], "solid"),
        ("E<sub>1</sub>", factor * energies[:, 1], colors[1], "solid"),
        ("E<sub>∞</sub> (threshold)", factor * np.asarray(e_inf), style.total, "dash"),
    ]
    traces = [
        go.Scatter(
            x=depths, y=y, mode="lines+markers", name=name,
            line=dict(color=color, width=2.5 * style.line, dash=dash),
            marker=dict(size=8 + 3 * style.lecture),
            hovertemplate=f"H = %{{x}}: {name.split(' ')[0]} = %{{y:.6f}}<extra></extra>",
        )
        for name, y, color, dash in series
    ]
    chosen = int(np.flatnonzero(depths == H)[0]) if H in depths else None
    shapes = []
    if chosen is not None:
        shapes.append(
            dict(type="rect", xref="x", yref="paper", x0=H - 0.35, x1=H + 0.35, y0=0, y1=1,
                 fillcolor=style.band, line=dict(width=0), layer="below")
        )
        traces.append(
            go.Scatter(
                x=[H] * 3, y=[s[1][chosen] for s in series], mode="markers",
                name=f"chosen depth H = {H}", showlegend=True,
                marker=dict(size=16 + 4 * style.lecture, color="rgba(0,0,0,0)",
                            line=dict(color=style.accent, width=3)),
                hoverinfo="skip",
            )
        )
    unit = "" if scales is None else "  (network units, × ᾱ<sup>H−1</sup>)"
    layout = dict(
        template=style.template,
        shapes=shapes,
        hovermode="closest",
        xaxis=dict(title=dict(text="depth  H"), dtick=1,
                   range=[float(depths.min()) - 0.5, float(depths.max()) + 0.5]),
        yaxis=dict(title=dict(text=f"energy{unit}"), range=_padded(*(s[1] for s in series))),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
        margin=dict(t=80, r=20),
        uirevision=f"layered-h-{scales is None}",
    )
    return go.Figure(data=traces, layout=layout)


def finite_figure(
    u: np.ndarray,
    leading: np.ndarray,
    leading_total: np.ndarray,
    exact_total: np.ndarray | None,
    mc: Sequence[tuple],
    mc_u: np.ndarray,
    energies: Sequence[float],
    e_inf: float,
    H: int,
    N: int,
    seed: int,
    window: tuple[float, float],
    *,
    scale: float | None = None,
    style: FigureStyle | None = None,
) -> go.Figure:
    """Expected numbers of critical points below each loss level at finite N, log₁₀ scale.

    Thin lines: the leading order log₁₀ e^{NΘ_{k,H}(u)} for k = 0..K (colours of the
    complexity plot) and of the total (dashed); thick line: the exact total of theory §4
    (``exact_total``, log₁₀; ``None`` when not computed); markers with one-standard-error
    bars: Monte Carlo estimates ``mc`` = [(k, values, stderrs, method), …] at ``mc_u``
    (seed ``seed``), those with a relative standard error up to
    :data:`MC_MAX_RELATIVE_ERROR`.  The line y = 0 is one expected critical point.
    """
    style = style or LIGHT
    factor = 1.0 if scale is None else float(scale)
    leading = np.atleast_2d(leading)
    K = leading.shape[0] - 1
    colors = index_colors(K + 1, style.theme)
    x = factor * np.asarray(u, dtype=float)
    traces = [
        go.Scatter(
            x=x, y=leading[k], mode="lines",
            name=f"e<sup>NΘ<sub>{k},{H}</sub></sup>  (index {k}, leading order)",
            line=dict(color=colors[k], width=2 * style.line),
            hovertemplate=f"index {k}, leading: 10^%{{y:.3f}}<extra></extra>",
        )
        for k in range(K + 1)
    ]
    traces.append(
        go.Scatter(
            x=x, y=leading_total, mode="lines", name=f"e<sup>NΘ<sub>{H}</sub></sup>  (all, leading order)",
            line=dict(color=style.total, width=2 * style.line, dash="dash"),
            hovertemplate="all, leading: 10^%{y:.3f}<extra></extra>",
        )
    )
    if exact_total is not None:
        traces.append(
            go.Scatter(
                x=x, y=exact_total, mode="lines", name="all, exact at this N (theory §4)",
                line=dict(color=style.accent, width=4 * style.line),
                hovertemplate="all, exact: 10^%{y:.3f}<extra></extra>",
            )
        )
    mc_x = factor * np.asarray(mc_u, dtype=float)
    mc_y: list[np.ndarray] = []
    for k, values, stderrs, _ in mc:
        values = np.asarray(values, dtype=float)
        stderrs = np.asarray(stderrs, dtype=float)
        shown = (values > 0) & (stderrs <= MC_MAX_RELATIVE_ERROR * values)
        if not shown.any():
            continue
        v, se = values[shown], stderrs[shown]
        y = np.log10(v)
        upper = np.log10(v + se) - y
        lower = y - np.log10(np.maximum(v - se, v * 1e-2))
        mc_y.append(y)
        traces.append(
            go.Scatter(
                x=mc_x[shown], y=y, mode="markers",
                name=f"index {k}, Monte Carlo (seed {seed})",
                marker=dict(color=colors[k], size=11 + 3 * style.lecture, symbol="circle-open",
                            line=dict(width=2.5)),
                error_y=dict(type="data", symmetric=False, array=upper, arrayminus=lower,
                             color=colors[k], thickness=1.5, width=4),
                hovertemplate=f"index {k}, Monte Carlo: 10^%{{y:.3f}}<extra>seed {seed}</extra>",
            )
        )
    win = _window(window, factor)
    span = win[1] - win[0]
    shapes, annotations, used = _energy_marks(energies, e_inf, factor, colors, style, span)
    shapes.insert(1, hline(0.0, style.muted, 1.5 * style.line, "dot"))
    inside = (x >= win[0]) & (x <= win[1])
    curves = [leading_total[inside], leading[:, inside].ravel()]
    if exact_total is not None:
        curves.append(np.asarray(exact_total)[inside])
    curves += mc_y
    values = np.concatenate(curves) if inside.any() else np.array([0.0])
    values = values[np.isfinite(values)]
    top = float(values.max()) if values.size else 1.0
    bottom = float(values.min()) if values.size else -1.0
    bottom = max(bottom, top - max(12.0, 0.6 * (top - bottom))) if top > bottom else bottom - 1
    pad = 0.06 * max(top - bottom, 1.0)
    legend, legend_margin = _legend_below(style, len(traces), 4)
    layout = dict(
        template=style.template,
        shapes=shapes,
        annotations=annotations,
        hovermode="x unified",
        xaxis=dict(title=dict(text=loss_axis_title(scale, H, "loss level per weight",
                                                    wrap=style.lecture)),
                   hoverformat=".5f", range=win),
        yaxis=dict(title=dict(text=f"log<sub>10</sub> expected number below u  (N = {N:,})"),
                   range=[min(bottom, -1.0) - pad, max(top, 1.0) + pad]),
        legend=legend,
        margin=dict(t=24 + _label_step(style) * used, r=20, b=legend_margin),
        uirevision=f"finite-{scale is None}",
    )
    return go.Figure(data=traces, layout=layout)


def activation_figure(
    z: np.ndarray,
    f: np.ndarray,
    fit: np.ndarray,
    breakpoints: Sequence[float],
    breakpoint_values: Sequence[float],
    density: np.ndarray,
    label: str,
    pieces: int,
    *,
    style: FigureStyle | None = None,
) -> go.Figure:
    """An activation f, its piece-wise linear fit f̂ and the pre-activation density (theory §5.1).

    ``z`` is the grid, ``f`` and ``fit`` the activation and its fit on it, the
    breakpoints ``a_ℓ`` (with ``f̂(a_ℓ)``) are marked, and ``density`` (the N(μ, σ²)
    density on ``z``) is drawn against a secondary axis on the right.
    """
    style = style or LIGHT
    traces = [
        go.Scatter(
            x=z, y=density, mode="lines", name="density of Z ~ N(μ, σ²)", yaxis="y2",
            line=dict(color=style.density, width=1.5 * style.line),
            fill="tozeroy", fillcolor=style.density_fill,
            hovertemplate="density = %{y:.4f}<extra></extra>",
        ),
        go.Scatter(
            x=z, y=f, mode="lines", name=f"f(z): {label}",
            line=dict(color=style.total, width=3 * style.line),
            hovertemplate="f = %{y:.5f}<extra></extra>",
        ),
        go.Scatter(
            x=z, y=fit, mode="lines", name=f"PL fit f̂, L = {pieces}",
            line=dict(color=style.accent, width=2.5 * style.line, dash="dash"),
            hovertemplate="f̂ = %{y:.5f}<extra></extra>",
        ),
    ]
    if len(breakpoints):
        traces.append(
            go.Scatter(
                x=list(breakpoints), y=list(breakpoint_values), mode="markers",
                name="breakpoints a<sub>ℓ</sub>",
                marker=dict(color=style.accent, size=10 + 4 * style.lecture, symbol="diamond",
                            line=dict(color=style.paper, width=1)),
                hovertemplate="a = %{x:.4f}<br>f̂(a) = %{y:.4f}<extra>breakpoint</extra>",
            )
        )
    layout = dict(
        template=style.template,
        hovermode="x unified",
        xaxis=dict(title=dict(text="pre-activation  z"), range=[float(z[0]), float(z[-1])]),
        yaxis=dict(title=dict(text="activation  f(z)")),
        yaxis2=dict(
            title=dict(text="density of Z", font=dict(color=style.density)),
            overlaying="y", side="right", showgrid=False, zeroline=False,
            range=[0.0, 1.08 * float(np.max(density))], tickmode="auto", nticks=6,
            tickfont=dict(color=style.density),
        ),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
        margin=dict(t=80, r=80),
        uirevision="activation",
    )
    return go.Figure(data=traces, layout=layout)


def _interval(lo: float, hi: float) -> str:
    left = "−∞" if lo == -math.inf else f"{lo:.3g}"
    right = "∞" if hi == math.inf else f"{hi:.3g}"
    return f"({left}, {right}]"


def pieces_figure(
    rho: Sequence[float],
    slopes: Sequence[float],
    intercepts: Sequence[float],
    breakpoints: Sequence[float],
    alpha_bar: float,
    beta_bar: float,
    *,
    style: FigureStyle | None = None,
) -> go.Figure:
    """Piece probabilities ρ_ℓ = P(Z ∈ (a_{ℓ−1}, a_ℓ]) as bars, slopes α_ℓ as markers (theory §5.2).

    The title gives ᾱ = Σ ρ_ℓ α_ℓ and β̄ = Σ ρ_ℓ β_ℓ.
    """
    style = style or LIGHT
    n = len(rho)
    edges = [-math.inf, *breakpoints, math.inf]
    pieces = [f"ℓ = {i + 1}" for i in range(n)]
    intervals = [_interval(edges[i], edges[i + 1]) for i in range(n)]
    custom = np.array([intervals, [f"{b:.4g}" for b in intercepts]], dtype=object).T
    traces = [
        go.Bar(
            x=pieces, y=list(rho), name="ρ<sub>ℓ</sub> = P(Z in piece ℓ)",
            marker=dict(color=style.bar, line=dict(color=style.density, width=1.5)),
            customdata=custom,
            hovertemplate="%{x}: Z ∈ %{customdata[0]}<br>ρ = %{y:.4f}<extra></extra>",
        ),
        go.Scatter(
            x=pieces, y=list(slopes), name="slope α<sub>ℓ</sub>", yaxis="y2", mode="markers",
            marker=dict(color=style.accent, size=11 + 4 * style.lecture, symbol="diamond"),
            customdata=custom,
            hovertemplate="%{x}: α = %{y:.4f}, β = %{customdata[1]}<extra></extra>",
        ),
    ]
    layout = dict(
        template=style.template,
        title=dict(text=f"ᾱ = {alpha_bar:.4f}    β̄ = {beta_bar:.4f}", x=0.02, xanchor="left",
                   font=dict(size=style.font_size)),
        hovermode="closest",
        xaxis=dict(title=dict(text="piece of f̂"), type="category"),
        yaxis=dict(title=dict(text="probability ρ<sub>ℓ</sub>"), rangemode="tozero"),
        yaxis2=dict(title=dict(text="slope α<sub>ℓ</sub>", font=dict(color=style.accent)),
                    overlaying="y", side="right", showgrid=False, zeroline=False,
                    tickfont=dict(color=style.accent), tickformat=".3g"),
        legend=_legend_below(style, 2, 2)[0],
        margin=dict(t=60, r=70, b=_legend_below(style, 2, 2)[1]),
        bargap=0.25,
        uirevision="pieces",
    )
    return go.Figure(data=traces, layout=layout)


def phi_figure(
    s: np.ndarray,
    phi: np.ndarray,
    kappa: Sequence[float],
    gamma: float,
    H: int,
    *,
    style: FigureStyle | None = None,
) -> go.Figure:
    """The deterministic part φ(s) = Σ_d κ_d s^d of the loss against s = 1·w/√N (theory §5.3).

    In units of ᾱ^{H−1}; the shaded curve is the standard normal density of s under
    the uniform measure on the sphere at large N (right axis).
    """
    style = style or LIGHT
    s = np.asarray(s, dtype=float)
    density = np.exp(-0.5 * s * s) / math.sqrt(2 * math.pi)
    zero = all(k == 0.0 for k in kappa)
    terms = "0" if zero else " + ".join(
        f"{k:.3g} s<sup>{d + 1}</sup>" if d else f"{k:.3g} s" for d, k in enumerate(kappa)
    ).replace("+ -", "− ")
    traces = [
        go.Scatter(
            x=s, y=density, yaxis="y2", mode="lines", name="density of s (large N)",
            line=dict(color=style.density, width=1.2 * style.line), fill="tozeroy",
            fillcolor=style.density_fill, hovertemplate="density = %{y:.4f}<extra></extra>",
        ),
        go.Scatter(
            x=s, y=phi, mode="lines", name="φ(s)" + ("  ≡ 0 (Choromanska's model)" if zero else ""),
            line=dict(color=style.total, width=3 * style.line),
            hovertemplate="φ = %{y:.5g}<extra></extra>",
        ),
    ]
    layout = dict(
        template=style.template,
        title=dict(text=f"φ(s) {'≡' if zero else '='} {terms}   (γ = {gamma:g}, H = {H})",
                   x=0.02, xanchor="left",
                   font=dict(size=style.font_size - 2)),
        shapes=[hline(0.0, style.muted, 1.0 * style.line)],
        hovermode="x unified",
        xaxis=dict(title=dict(text="overlap  s = 1·w / √N"), range=[float(s[0]), float(s[-1])]),
        yaxis=dict(title=dict(text="φ(s)  (units of ᾱ<sup>H−1</sup>)")),
        yaxis2=dict(overlaying="y", side="right", showgrid=False, zeroline=False,
                    range=[0, 0.45], showticklabels=False),
        legend=_legend_below(style, 2, 2)[0],
        margin=dict(t=60, r=30, b=_legend_below(style, 2, 2)[1]),
        uirevision="phi",
    )
    if zero:
        layout["yaxis"]["range"] = [-1, 1]
    return go.Figure(data=traces, layout=layout)
