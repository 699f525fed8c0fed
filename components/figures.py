"""Pure figure builders: numbers and arrays in, ``plotly.graph_objects.Figure`` out.

Nothing here computes mathematics or touches a cache; the callbacks pass in what the
memoized adapters of components/data.py returned.  A small explicit template keeps
figure construction cheap (a few milliseconds) and the fonts large.
"""

from __future__ import annotations

import html
import textwrap
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

__all__ = [
    "FONT_FAMILY",
    "TEMPLATE",
    "index_colors",
    "label_rows",
    "complexity_figure",
    "activation_figure",
    "message_figure",
]

FONT_FAMILY = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_INK = "#1d2433"
_GRID = "#e3e7ee"
_AXIS = dict(
    gridcolor=_GRID,
    zerolinecolor="#aab2c0",
    linecolor="#5b6475",
    showline=True,
    ticks="outside",
    tickcolor="#5b6475",
    title=dict(standoff=10),
    automargin=True,
)
TEMPLATE = dict(
    layout=dict(
        font=dict(family=FONT_FAMILY, size=16, color=_INK),
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=_AXIS,
        yaxis=_AXIS,
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=15)),
        legend=dict(bgcolor="rgba(255,255,255,0.85)", font=dict(size=15)),
        margin=dict(l=70, r=30, t=70, b=60),
    )
)
_TOTAL_COLOR = "#111111"
_E_INF_COLOR = "#5b6475"
_BAND_COLOR = "rgba(255, 190, 60, 0.22)"


def index_colors(n: int) -> list[str]:
    """``n`` distinct colours from dark (index 0, minima) to light (high index)."""
    if n <= 1:
        return sample_colorscale("Plasma", [0.0])
    return sample_colorscale("Plasma", list(np.linspace(0.0, 0.82, n)))


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


def _vline(x: float, color: str, dash: str, width: float = 1.5) -> dict:
    return dict(
        type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
        line=dict(color=color, width=width, dash=dash), layer="above",
    )


def complexity_figure(
    u: np.ndarray,
    theta_k: np.ndarray,
    theta_total: np.ndarray,
    energies: Sequence[float],
    e_inf: float,
    H: int,
    x_window: tuple[float, float] | None = None,
    y_window: tuple[float, float] | None = None,
) -> go.Figure:
    """Complexity curves Θ_{k,H}(u), k = 0..K, and the total Θ_H(u) (theory §3).

    ``theta_k`` has one row per index k = 0..K on the grid ``u``; ``energies`` are
    E_0..E_K (positive).  Vertical lines mark -E_k (colour of Θ_k) and -E_∞ (grey);
    the band (-E_0, -E_∞) is shaded; a line marks Θ = 0.  ``x_window`` and ``y_window``
    set the initial view (double-click shows all the data).
    """
    theta_k = np.atleast_2d(theta_k)
    K = theta_k.shape[0] - 1
    colors = index_colors(K + 1)
    traces = [
        go.Scatter(
            x=u, y=theta_k[k], mode="lines", name=f"Θ<sub>{k},{H}</sub>  (index {k})",
            line=dict(color=colors[k], width=2.5),
            hovertemplate=f"Θ<sub>{k},{H}</sub> = %{{y:.5f}}<extra></extra>",
        )
        for k in range(K + 1)
    ]
    traces.append(
        go.Scatter(
            x=u, y=theta_total, mode="lines", name=f"Θ<sub>{H}</sub>  (all critical points)",
            line=dict(color=_TOTAL_COLOR, width=3, dash="dash"),
            hovertemplate=f"Θ<sub>{H}</sub> = %{{y:.5f}}<extra></extra>",
        )
    )

    xs = list(-np.asarray(energies, dtype=float)) + [-float(e_inf)]
    span = (x_window[1] - x_window[0]) if x_window else float(np.ptp(u)) or 1.0
    rows = label_rows(xs, min_gap=0.07 * span, rows=3)
    shapes = [
        dict(
            type="rect", xref="x", yref="paper", x0=-energies[0], x1=-e_inf, y0=0, y1=1,
            fillcolor=_BAND_COLOR, line=dict(width=0), layer="below",
        ),
        dict(
            type="line", xref="paper", yref="y", x0=0, x1=1, y0=0, y1=0,
            line=dict(color="#5b6475", width=1.5), layer="below",
        ),
    ]
    annotations = []
    for i, x in enumerate(xs):
        is_inf = i == len(xs) - 1
        color = _E_INF_COLOR if is_inf else colors[i]
        shapes.append(_vline(x, color, "solid" if is_inf else "dot", 2 if is_inf else 1.5))
        if rows[i] is None:
            continue
        text = "−E<sub>∞</sub>" if is_inf else f"−E<sub>{i}</sub>"
        annotations.append(
            dict(
                x=x, xref="x", y=1.0 + 0.075 * rows[i], yref="paper", yanchor="bottom",
                text=text, showarrow=False, font=dict(color=color, size=15),
                hovertext=f"{text} = {x:.6g}",
            )
        )
    layout = dict(
        template=TEMPLATE,
        shapes=shapes,
        annotations=annotations,
        hovermode="x unified",
        xaxis=dict(title=dict(text="loss per weight  u = L / N"), hoverformat=".5f"),
        yaxis=dict(title=dict(text="complexity  Θ(u)")),
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.16, yanchor="top"),
        margin=dict(t=40 + 28 * (1 + max((r for r in rows if r is not None), default=0)), r=20, b=40),
        uirevision=f"complexity-{H}",
    )
    if x_window is not None:
        layout["xaxis"]["range"] = list(x_window)
    if y_window is not None:
        layout["yaxis"]["range"] = list(y_window)
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
) -> go.Figure:
    """An activation f, its piece-wise linear fit f̂ and the pre-activation density (theory §5.1).

    ``z`` is the grid, ``f`` and ``fit`` the activation and its fit on it, the
    breakpoints ``a_ℓ`` (with ``f̂(a_ℓ)``) are marked, and ``density`` (the N(μ, σ²)
    density on ``z``) is drawn against a secondary axis on the right.
    """
    traces = [
        go.Scatter(
            x=z, y=density, mode="lines", name="density of Z ~ N(μ, σ²)", yaxis="y2",
            line=dict(color="rgba(90, 140, 200, 0.9)", width=1.5),
            fill="tozeroy", fillcolor="rgba(90, 140, 200, 0.15)",
            hovertemplate="density = %{y:.4f}<extra></extra>",
        ),
        go.Scatter(
            x=z, y=f, mode="lines", name=f"f(z): {label}", line=dict(color=_TOTAL_COLOR, width=3),
            hovertemplate="f = %{y:.5f}<extra></extra>",
        ),
        go.Scatter(
            x=z, y=fit, mode="lines", name=f"PL fit f̂, L = {pieces}",
            line=dict(color="#e8590c", width=2.5, dash="dash"),
            hovertemplate="f̂ = %{y:.5f}<extra></extra>",
        ),
    ]
    if len(breakpoints):
        traces.append(
            go.Scatter(
                x=list(breakpoints), y=list(breakpoint_values), mode="markers",
                name="breakpoints a<sub>ℓ</sub>",
                marker=dict(color="#e8590c", size=10, symbol="diamond", line=dict(color="white", width=1)),
                hovertemplate="a = %{x:.4f}<br>f̂(a) = %{y:.4f}<extra>breakpoint</extra>",
            )
        )
    layout = dict(
        template=TEMPLATE,
        hovermode="x unified",
        xaxis=dict(title=dict(text="pre-activation  z"), range=[float(z[0]), float(z[-1])]),
        yaxis=dict(title=dict(text="activation  f(z)")),
        yaxis2=dict(
            title=dict(text="density of Z", font=dict(color="rgb(70, 115, 175)")),
            overlaying="y", side="right", showgrid=False, zeroline=False,
            range=[0.0, 1.08 * float(np.max(density))], tickmode="auto", nticks=6,
            tickfont=dict(color="rgb(70, 115, 175)"),
        ),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
        margin=dict(t=80, r=80),
        uirevision="activation",
    )
    return go.Figure(data=traces, layout=layout)


def message_figure(text: str) -> go.Figure:
    """An empty figure that says ``text`` (shown instead of a plot that cannot be drawn).

    The text is escaped (it may quote user input) and wrapped at about 60 characters.
    """
    shown = "<br>".join(textwrap.wrap(html.escape(text), 60)) or " "
    return go.Figure(
        layout=dict(
            template=TEMPLATE,
            xaxis=dict(visible=False),
            yaxis=dict(visible=False),
            annotations=[
                dict(
                    text=shown, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                    font=dict(size=18, color="#8a1c1c"), align="center",
                )
            ],
            margin=dict(l=20, r=20, t=20, b=20),
        )
    )
