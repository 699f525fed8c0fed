"""Figures of the "activation effect" view (theory §5.4–§5.5): arrays in, ``go.Figure`` out.

Nothing here computes mathematics: the callbacks pass in what the memoized adapters of
components/data/effect.py returned.  Values the theory does not cover arrive as ``nan``
with a reason code; the figures leave a gap there and shade the region with a short
label (the full explanation is printed under the plot).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from components.data.reasons import DIVERGES, NONFINITE, PEAK, POLE, REGIME
from components.figures.style import FigureStyle, figure_style, rect, vline

__all__ = [
    "U_AXIS_TITLE",
    "K_COLORS",
    "SHADES",
    "use_log_axis",
    "modulation_figure",
    "comparison_figure",
    "counts_figure",
]

U_AXIS_TITLE = "loss per weight u (spin-glass units)"
#: Line colours of K_0, K_1 and the share, per theme.
K_COLORS = {
    "light": {"K0": "#1f4e9c", "K1": "#d9480f", "share": "#6741d9"},
    "dark": {"K0": "#74c0fc", "K1": "#ff922b", "share": "#b197fc"},
}
#: Fill colour and short label of each shaded region.
SHADES = {
    DIVERGES: ("rgba(217, 72, 72, 0.18)", "not shown: §5.5 diverges"),
    POLE: ("rgba(128, 136, 158, 0.22)", "K₀ not shown: pole minima"),
    NONFINITE: ("rgba(90, 90, 90, 0.25)", "not shown: overflow"),
    REGIME: ("rgba(240, 140, 0, 0.18)", "not shown: minima moved (§5.6)"),
    PEAK: ("rgba(128, 136, 158, 0.16)", "not shown: |s*| > 4"),
}
# Activations side by side (the first is ReLU, drawn in the theme's ink colour).
_COMPARE_COLORS = {
    "light": ("#0b7285", "#e8590c", "#6741d9", "#2b8a3e"),
    "dark": ("#3bc9db", "#ff922b", "#b197fc", "#69db7c"),
}
_PHI0_BAR = "#868e96"


def _style(style: FigureStyle | None) -> FigureStyle:
    return style if style is not None else figure_style()


def _k_colors(style: FigureStyle) -> dict:
    return K_COLORS.get(style.theme, K_COLORS["light"])


def use_log_axis(*arrays: np.ndarray, spread: float = 30.0) -> bool:
    """True when the positive finite values span more than ``spread`` (a log axis reads better).

    >>> use_log_axis(np.array([1.0, 2.0])), use_log_axis(np.array([0.01, 5.0, np.nan]))
    (False, True)
    """
    vals = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays]) if arrays else np.array([])
    vals = vals[np.isfinite(vals) & (vals > 0.0)]
    return vals.size > 0 and float(vals.max()) > spread * float(vals.min())


def _log_ticks(*arrays: np.ndarray) -> dict:
    """Tick settings of a log axis: powers of ten only (no small minor labels), at most ~7."""
    vals = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays])
    vals = vals[np.isfinite(vals) & (vals > 0.0)]
    decades = float(np.log10(vals.max()) - np.log10(vals.min())) if vals.size else 1.0
    return dict(dtick=max(1, int(np.ceil(decades / 7.0))), exponentformat="power")


def _positive_or_nan(y: np.ndarray, log: bool) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    return np.where(y > 0.0, y, np.nan) if log else y


def _layout_base(style: FigureStyle) -> dict:
    size = style.font_size  # 16 px (22 px in lecture mode) everywhere, legends and hovers included
    return dict(
        template=style.template,
        font=dict(size=size),
        hovermode="x unified",
        hoverlabel=dict(font=dict(size=size)),
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.12, yanchor="top", font=dict(size=size)),
        margin=dict(l=80, r=30, t=80, b=60),
    )


def _title(text: str, style: FigureStyle) -> dict:
    return dict(text=text, font=dict(size=style.font_size + 2), x=0, xanchor="left")


def _two_rows(style: FigureStyle, top_title: str, top_log: bool, bottom_title: str,
              *top_arrays: np.ndarray) -> dict:
    """Layout of a two-row plot sharing the u axis: factors on top, the share (0..1) below.

    In lecture mode the slide is wide and low: the legend stands in a column right of the
    plot, the margins are tight and the factors get three quarters of the height, so the
    upper plot fills more than half of a 1280×720 or 1024×768 screen.
    """
    layout = _layout_base(style)
    top, bottom = ([0.25, 1.0], [0.0, 0.19]) if style.lecture else ([0.40, 1.0], [0.0, 0.30])
    yaxis = dict(domain=top, title=dict(text=top_title), type="log" if top_log else "linear",
                 rangemode="normal" if top_log else "tozero")
    if top_log:
        yaxis.update(_log_ticks(*top_arrays))
    layout.update(
        xaxis=dict(anchor="y", matches="x2", showticklabels=False, domain=[0.0, 1.0]),
        yaxis=yaxis,
        xaxis2=dict(anchor="y2", domain=[0.0, 1.0], title=dict(text=U_AXIS_TITLE)),
        yaxis2=dict(domain=bottom, title=dict(text=bottom_title), range=[-0.02, 1.02]),
    )
    if style.lecture:
        layout.update(
            legend=dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top",
                        font=dict(size=style.font_size)),
            margin=dict(l=76, r=10, t=62, b=58),
        )
    return layout


def _threshold_marks(e0: float, einf: float, style: FigureStyle) -> tuple[list[dict], list[dict]]:
    """Shapes and labels: band (−E_0, −E_∞) shaded, −E_0 dotted, −E_∞ solid."""
    shapes, notes = [], []
    marks = [(-einf, "−E∞", "left", 2.0, "solid")]
    if e0 > einf:
        shapes.append(rect(-e0, -einf, style.band))
        marks.append((-e0, "−E₀", "right", 1.5, "dot"))
    for x, text, anchor, width, dash in marks:
        shapes.append(vline(x, style.muted, dash, width))
        notes.append(dict(
            x=x, xref="x", y=1.0, yref="paper", yanchor="bottom", xanchor=anchor,
            text=text, showarrow=False, font=dict(size=style.font_size, color=style.muted),
        ))
    return shapes, notes


def _shades(regions: Sequence[tuple[int, float, float]], x_span: float,
            style: FigureStyle) -> tuple[list[dict], list[dict]]:
    """Shapes and labels of (code, lo, hi) regions over the whole height; wide ones labelled."""
    shapes, notes = [], []
    for code, lo, hi in regions:
        color, label = SHADES[code]
        shapes.append(rect(lo, hi, color))
        if hi - lo >= 0.12 * x_span:
            notes.append(dict(
                x=0.5 * (lo + hi), xref="x", y=0.99, yref="paper", yanchor="top",
                text=label, showarrow=False, font=dict(size=style.font_size, color=style.error),
                bgcolor=style.legend,
            ))
    return shapes, notes


def modulation_figure(
    u: np.ndarray,
    K0: np.ndarray,
    K1: np.ndarray,
    share: np.ndarray,
    regions: Sequence[tuple[int, float, float]],
    e0: float,
    einf: float,
    label: str,
    H: int,
    spin_glass: bool = False,
    style: FigureStyle | None = None,
) -> go.Figure:
    """K_0(u), K_1(u) (top) and the share K_1/(K_0 + K_1) (bottom) against u (theory §5.5).

    ``nan`` entries are gaps; ``regions`` lists ``(code, u_lo, u_hi)`` stretches where a value
    is not shown (codes of components/data/reasons.py), which are shaded and labelled.  The band
    (−E_0, −E_∞) is shaded amber.  The top axis is logarithmic when the factors span more than
    a factor 30.  ``style`` is the page's look (:func:`components.figures.figure_style`).
    """
    style = _style(style)
    colors = _k_colors(style)
    width = 3 * style.line
    log = use_log_axis(K0, K1)
    traces = [
        go.Scatter(
            x=u, y=_positive_or_nan(K0, log), mode="lines", name="K₀(u): minima",
            line=dict(color=colors["K0"], width=width), xaxis="x", yaxis="y",
            hovertemplate="K₀ = %{y:.5g}<extra></extra>",
        ),
        go.Scatter(
            x=u, y=_positive_or_nan(K1, log), mode="lines",
            name="K₁(u): index-1 saddles" + ("<br>" if style.lecture else " ") + "made from minima",
            line=dict(color=colors["K1"], width=width, dash="dash"), xaxis="x", yaxis="y",
            hovertemplate="K₁ = %{y:.5g}<extra></extra>",
        ),
        go.Scatter(
            x=u, y=share, mode="lines", name="share K₁/(K₀ + K₁)",
            line=dict(color=colors["share"], width=width), xaxis="x2", yaxis="y2",
            hovertemplate="share = %{y:.4f}<extra></extra>",
        ),
    ]
    x_span = float(u[-1] - u[0]) or 1.0
    shade_shapes, shade_notes = _shades(regions, x_span, style)
    mark_shapes, mark_notes = _threshold_marks(e0, einf, style)
    notes = shade_notes + mark_notes
    if spin_glass:
        notes.append(dict(
            x=0.5, xref="paper", y=0.62 if style.lecture else 0.8, yref="paper", showarrow=False,
            text="φ ≡ 0 for this activation:" + ("<br>" if style.lecture else " ")
            + "K₀ ≡ 1, K₁ ≡ 0 (the spin glass's counts)",
            font=dict(size=style.font_size + 1, color=style.ink), bgcolor=style.legend,
        ))
    layout = _two_rows(style, "K (ratio to φ ≡ 0)", log, "share", K0, K1)
    layout.update(
        title=_title(f"{label}, H = {H}: modulation of the counts below N·u", style),
        shapes=shade_shapes + mark_shapes,
        annotations=notes,
        uirevision=f"effect-modulation-{H}",
    )
    return go.Figure(data=traces, layout=layout)


def comparison_figure(
    curves: Sequence[Mapping],
    e0: float,
    einf: float,
    H: int,
    style: FigureStyle | None = None,
) -> go.Figure:
    """K_0(u) (top) and the share of minima turned into saddles (bottom) for several activations.

    Each curve is a mapping with ``label``, ``u``, ``K0``, ``share`` (``nan`` where not shown)
    and ``highlight`` (the user's activation: drawn thicker).  Same axes as
    :func:`modulation_figure`.
    """
    style = _style(style)
    palette = _COMPARE_COLORS.get(style.theme, _COMPARE_COLORS["light"])
    log = use_log_axis(*[c["K0"] for c in curves])
    traces = []
    others = iter(palette * 2)
    for c in curves:
        color = style.total if c.get("name") == "relu" else next(others)
        width = (5 if c.get("highlight") else 2.5) * style.line
        name = f"{c['label']} (current)" if c.get("highlight") else c["label"]
        traces.append(go.Scatter(
            x=c["u"], y=_positive_or_nan(c["K0"], log), mode="lines", name=name,
            legendgroup=name, line=dict(color=color, width=width), xaxis="x", yaxis="y",
            hovertemplate=f"{c['label']}: K₀ = %{{y:.5g}}<extra></extra>",
        ))
        traces.append(go.Scatter(
            x=c["u"], y=c["share"], mode="lines", name=name, legendgroup=name, showlegend=False,
            line=dict(color=color, width=width, dash="dash"), xaxis="x2", yaxis="y2",
            hovertemplate=f"{c['label']}: share = %{{y:.4f}}<extra></extra>",
        ))
    shapes, notes = _threshold_marks(e0, einf, style)
    layout = _two_rows(style, "K₀ (ratio to φ ≡ 0)", log, "share K₁/(K₀+K₁)", *[c["K0"] for c in curves])
    layout.update(
        title=_title(f"Activations side by side, H = {H}", style),
        shapes=shapes,
        annotations=notes,
        uirevision=f"effect-compare-{H}",
    )
    return go.Figure(data=traces, layout=layout)


def counts_figure(counts: Mapping, style: FigureStyle | None = None) -> go.Figure:
    """Bar chart of the expected numbers of minima and index-1 saddles below N·u (theory §4, §5.4).

    ``counts`` is the dict of :func:`components.data.effect.finite_n_counts`: one bar per
    index for φ ≡ 0 (the spin glass) and one for the activation, with one-standard-error bars.
    """
    style = _style(style)
    size = style.font_size
    cats = ["minima (index 0)", "index-1 saddles"]
    m, s = counts["minima"], counts["saddles"]
    phi0 = [m["phi0_value"], s["phi0_value"]]
    phi0_se = [m["phi0_stderr"], s["phi0_stderr"]]
    act = [m["value"], s["value"]]
    act_se = [m["stderr"], s["stderr"]]
    values = np.array(phi0 + act, dtype=float)
    log = bool(np.all(values > 0.0)) and use_log_axis(values, spread=20.0)
    traces = []
    for name, ys, es, color in (
        ("φ ≡ 0: spin glass (theory §4)", phi0, phi0_se, _PHI0_BAR),
        (f"{counts['label']}: with φ (theory §5.4)", act, act_se, _k_colors(style)["K0"]),
    ):
        traces.append(
            go.Bar(
                x=cats, y=ys, name=name, marker_color=color,
                error_y=dict(type="data", array=es, visible=True, thickness=2, width=8, color=style.ink),
                text=[f"{y:.4g}" for y in ys], textposition="outside", textfont=dict(size=size),
                hovertemplate="%{x}: %{y:.5g} ± %{error_y.array:.2g}<extra>" + name + "</extra>",
            )
        )
    layout = _layout_base(style)
    layout.update(
        title=_title(
            f"Expected counts below N·u: N = {counts['N']}, u = {counts['u']:.4g}, "
            f"H = {counts['H']}, seed {counts['seed']}",
            style,
        ),
        barmode="group",
        hovermode="closest",
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.15, yanchor="top", font=dict(size=size)),
        xaxis=dict(title=dict(text="Hessian index of the critical points")),
        yaxis=dict(
            title=dict(text="expected number (± 1 standard error)"),
            type="log" if log else "linear",
            **(_log_ticks(values) if log else {}),
        ),
        uirevision="effect-counts",
    )
    return go.Figure(data=traces, layout=layout)
