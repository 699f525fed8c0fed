"""Figures of the landscapes lab (theory §4, §6): arrays in, ``go.Figure`` out.

Nothing here computes mathematics: the callbacks pass what components/data/lab.py
returned.  Loss values are per weight, u = L/N, in spin-glass units (theory §2; network
units are ᾱ^{H−1} times these, theory §5.3).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures.style import FigureStyle, figure_style, index_colors

__all__ = [
    "U_TITLE",
    "CRITICAL_STYLES",
    "globe_figure",
    "chart_heatmap_figure",
    "chart_surface_figure",
    "profile_figure",
    "descent_figure",
]

U_TITLE = "loss per weight u = L/N"
_COLORSCALE = "Viridis"

#: Index -> (trace name, marker symbol, colour) of the critical points on the globe.
CRITICAL_STYLES = {
    0: ("minima (index 0)", "circle", "#ffffff"),
    1: ("saddles (index 1)", "diamond", "#f76707"),
    2: ("maxima (index 2)", "square", "#e03131"),
}
# Markers sit slightly above the unit sphere so that the surface does not hide them.
_LIFT = 1.025


def _colorbar(title: str = U_TITLE) -> dict:
    return dict(title=dict(text=title, side="right"), thickness=16, len=0.8)


def globe_figure(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    u: np.ndarray,
    points: np.ndarray,
    point_u: np.ndarray,
    point_index: np.ndarray,
    title: str,
    style: FigureStyle | None = None,
) -> go.Figure:
    """The N = 3 landscape on the unit sphere with its critical points (theory §6).

    A surface coloured by ``u`` on the grid ``x, y, z`` (unit sphere), and one marker trace
    per Hessian index (minima, saddles, maxima: distinct symbols and colours, each named
    with its count); ``points`` (n, 3) are on the unit sphere.  ``uirevision`` keeps the
    camera when the landscape changes.
    """
    style = style or figure_style()
    points = np.asarray(points, dtype=float).reshape(-1, 3)
    point_u = np.asarray(point_u, dtype=float)
    point_index = np.asarray(point_index, dtype=int)
    traces: list = [
        go.Surface(
            x=x, y=y, z=z, surfacecolor=u, colorscale=_COLORSCALE, cmin=float(np.min(u)),
            cmax=float(np.max(u)), colorbar=_colorbar(), name="landscape", showscale=True,
            hovertemplate="u = %{surfacecolor:.4f}<extra></extra>",
            lighting=dict(ambient=0.75, diffuse=0.5, specular=0.1),
        )
    ]
    for k, (name, symbol, color) in CRITICAL_STYLES.items():
        sel = point_index == k
        p = points[sel] * _LIFT
        traces.append(
            go.Scatter3d(
                x=p[:, 0], y=p[:, 1], z=p[:, 2], mode="markers",
                name=f"{name}: {int(sel.sum())}",
                marker=dict(symbol=symbol, size=7, color=color, line=dict(color="#111111", width=2)),
                customdata=point_u[sel],
                hovertemplate=f"index {k}<br>u = %{{customdata:.5f}}<extra></extra>",
            )
        )
    axis = dict(visible=False, range=[-1.1, 1.1])
    return go.Figure(
        data=traces,
        layout=dict(
            template=style.template,
            title=dict(text=title),
            scene=dict(xaxis=axis, yaxis=axis, zaxis=axis, aspectmode="cube",
                       camera=dict(eye=dict(x=1.35, y=1.35, z=0.9))),
            legend=dict(x=0, y=1, xanchor="left", yanchor="top"),
            margin=dict(l=0, r=0, t=50, b=0),
            uirevision="lab-globe",
        ),
    )


def _chart_axes() -> tuple[str, str]:
    return ("θ₁: geodesic angle along d₁ (radians)", "θ₂: geodesic angle along d₂ (radians)")


def chart_heatmap_figure(
    theta1: np.ndarray, theta2: np.ndarray, u: np.ndarray, title: str, style: FigureStyle | None = None
) -> go.Figure:
    """Heatmap of ``u[i2, i1]`` on the geodesic chart through a minimum, with contours (theory §6).

    The minimum sits at the origin (marked).
    """
    style = style or figure_style()
    xt, yt = _chart_axes()
    traces = [
        go.Heatmap(
            x=theta1, y=theta2, z=u, colorscale=_COLORSCALE, colorbar=_colorbar(), name="u",
            hovertemplate="θ₁ = %{x:.3f}<br>θ₂ = %{y:.3f}<br>u = %{z:.5f}<extra></extra>",
        ),
        go.Contour(
            x=theta1, y=theta2, z=u, contours=dict(coloring="none", showlabels=True,
                                                    labelfont=dict(size=11, color="white")),
            line=dict(color="rgba(255,255,255,0.75)", width=1), ncontours=16, showscale=False,
            name="contours", hoverinfo="skip",
        ),
        go.Scatter(
            x=[0.0], y=[0.0], mode="markers", name="minimum A",
            marker=dict(symbol="x", size=12, color="white", line=dict(color="black", width=1)),
            hovertemplate="minimum A<extra></extra>",
        ),
    ]
    return go.Figure(
        data=traces,
        layout=dict(
            template=style.template, title=dict(text=title),
            xaxis=dict(title=dict(text=xt), constrain="domain"),
            yaxis=dict(title=dict(text=yt), scaleanchor="x", scaleratio=1),
            showlegend=False, margin=dict(l=70, r=20, t=90, b=60), uirevision="lab-chart",
        ),
    )


def chart_surface_figure(
    theta1: np.ndarray, theta2: np.ndarray, u: np.ndarray, title: str, style: FigureStyle | None = None
) -> go.Figure:
    """The same chart as a rotatable 3-D surface: height and colour are ``u`` (theory §6)."""
    style = style or figure_style()
    xt, yt = _chart_axes()
    return go.Figure(
        data=[
            go.Surface(
                x=theta1, y=theta2, z=u, colorscale=_COLORSCALE, colorbar=_colorbar(), name="u",
                hovertemplate="θ₁ = %{x:.3f}<br>θ₂ = %{y:.3f}<br>u = %{z:.5f}<extra></extra>",
            )
        ],
        layout=dict(
            template=style.template, title=dict(text=title),
            scene=dict(
                xaxis=dict(title=dict(text="θ₁ (rad)"), tickfont=dict(size=11)),
                yaxis=dict(title=dict(text="θ₂ (rad)"), tickfont=dict(size=11)),
                zaxis=dict(title=dict(text="u = L/N"), tickfont=dict(size=11)),
                camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0)),
            ),
            margin=dict(l=0, r=0, t=90, b=0), uirevision="lab-chart-surface",
        ),
    )


def _levels(energies: Sequence[float], e_inf: float, style: FigureStyle) -> list[tuple[str, float, str]]:
    """(label, u, colour) of −E_0 … −E_K and −E_∞ (theory §3)."""
    colors = index_colors(len(energies), style.theme)
    out = [(f"−E<sub>{k}</sub>", -float(e), colors[k]) for k, e in enumerate(energies)]
    out.append(("−E<sub>∞</sub>", -float(e_inf), style.muted))
    return out


def profile_figure(
    angle: np.ndarray,
    u: np.ndarray,
    energies: Sequence[float],
    e_inf: float,
    title: str,
    style: FigureStyle | None = None,
) -> go.Figure:
    """Loss per weight along the great circle from minimum A to minimum B (theory §6).

    The levels −E_0 and −E_∞ of the φ ≡ 0 model (theory §3) are drawn for reference.
    """
    style = style or figure_style()
    angle = np.asarray(angle, dtype=float)
    u = np.asarray(u, dtype=float)
    traces = [
        go.Scatter(x=angle, y=u, mode="lines", name="u along the arc", line=dict(color=style.ink, width=2.5),
                   hovertemplate="angle = %{x:.4f} rad<br>u = %{y:.5f}<extra></extra>"),
        go.Scatter(x=[angle[0], angle[-1]], y=[u[0], u[-1]], mode="markers+text", name="minima A, B",
                   text=["A", "B"], textposition="top center",
                   marker=dict(size=11, color="#1c7ed6", line=dict(color="white", width=1)),
                   hovertemplate="u = %{y:.5f}<extra></extra>"),
    ]
    shapes, annotations = [], []
    for j, (text, level, color) in enumerate(_levels(energies[:1], e_inf, style)):
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=level, y1=level,
                           line=dict(color=color, width=1.5, dash="dot")))
        # −E_0 (lower) is labelled below its line, −E_∞ above.
        annotations.append(dict(xref="paper", x=1.0, xanchor="right", yref="y", y=level,
                                yanchor="top" if j == 0 else "bottom", text=text, showarrow=False,
                                font=dict(color=color)))
    return go.Figure(
        data=traces,
        layout=dict(
            template=style.template, title=dict(text=title),
            xaxis=dict(title=dict(text="geodesic angle from minimum A (radians)")),
            yaxis=dict(title=dict(text=U_TITLE)),
            shapes=shapes, annotations=annotations, showlegend=False, uirevision="lab-profile",
            margin=dict(t=90),
        ),
    )


def descent_figure(
    results: Sequence[dict],
    energies: Sequence[float],
    e_inf: float,
    title: str,
    style: FigureStyle | None = None,
) -> go.Figure:
    """Histograms of the final loss per weight of the descents, one row per N (theory §6).

    ``results`` are dicts with ``N`` and ``u`` (final loss per weight of each run).  All
    rows share the bins and the u axis; the band (−E_0, −E_∞) is shaded and the levels
    −E_k (dotted) and −E_∞ (solid) of the φ ≡ 0 model (theory §3) are drawn across rows.
    """
    style = style or figure_style()
    rows = max(1, len(results))
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        row_titles=[f"N = {r['N']}" for r in results] or None)
    levels = _levels(energies, e_inf, style)
    all_u = np.concatenate([np.asarray(r["u"], dtype=float) for r in results]) if results else np.zeros(0)
    lo = min([lv for _, lv, _ in levels] + ([float(all_u.min())] if all_u.size else []))
    hi = max([lv for _, lv, _ in levels] + ([float(all_u.max())] if all_u.size else []))
    pad = 0.05 * max(hi - lo, 0.02)
    x_range = [lo - pad, hi + pad]
    size = (x_range[1] - x_range[0]) / 80.0
    colors = index_colors(rows + 1, style.theme)
    for i, r in enumerate(results):
        u = np.asarray(r["u"], dtype=float)
        fig.add_trace(
            go.Histogram(
                x=u, name=f"N = {r['N']} ({u.size} runs)", marker=dict(color=colors[i], line=dict(width=0)),
                xbins=dict(start=x_range[0], end=x_range[1], size=size),
                hovertemplate=f"N = {r['N']}<br>u ∈ %{{x}}<br>%{{y}} runs<extra></extra>",
            ),
            row=i + 1, col=1,
        )
        fig.update_yaxes(title_text="runs", row=i + 1, col=1)
    fig.update_xaxes(range=x_range)
    fig.update_xaxes(title_text=U_TITLE, row=rows, col=1)
    shapes = [dict(type="rect", xref="x", yref="paper", x0=-float(energies[0]), x1=-float(e_inf),
                   y0=0, y1=1, fillcolor=style.band, line=dict(width=0), layer="below")]
    annotations = list(fig.layout.annotations)
    for j, (text, level, color) in enumerate(levels):
        is_inf = j == len(levels) - 1
        shapes.append(dict(type="line", xref="x", yref="paper", x0=level, x1=level, y0=0, y1=1,
                           line=dict(color=color, width=2 if is_inf else 1.5, dash="solid" if is_inf else "dot"),
                           layer="above"))
        if j == 0 or is_inf:  # the band's ends; the −E_k in between are explained in the caption
            annotations.append(dict(xref="x", x=level, yref="paper", y=1.0, yanchor="bottom",
                                    xanchor="right" if j == 0 else "left", text=text, showarrow=False,
                                    font=dict(color=color), hovertext=f"{text} = {level:.5f}"))
    fig.update_layout(
        template=style.template, title=dict(text=title, y=0.99, yanchor="top"), shapes=shapes,
        annotations=annotations, bargap=0.05, showlegend=False,
        height=max(360, 170 * rows + 150), margin=dict(l=70, r=50, t=110, b=60),
        uirevision="lab-descent",
    )
    return fig
