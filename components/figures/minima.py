"""Figures of the "where the minima are" view (theory §5.6): arrays in, ``go.Figure`` out.

Nothing here computes mathematics; the callbacks pass in what components/data/minima.py
returned.  The regimes are drawn with one categorical colour each (the same in every panel).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.graph_objects as go

from components.figures.style import FigureStyle, figure_style, hline, laid_out

__all__ = [
    "REGIME_NAMES",
    "REGIME_COLORS",
    "profile_figure",
    "complexity_figure",
    "regime_map_figure",
]

U_TITLE = "loss per weight u (spin-glass units)"
REGIME_NAMES = ("spin-glass", "shifted", "deterministic", "no minima at or below u")
#: Categorical colours of the regimes (and of "no minima"), per theme.
REGIME_COLORS = {
    "light": ("#4c6ef5", "#f08c00", "#c92a2a", "#dee2e6"),
    "dark": ("#748ffc", "#ffa94d", "#ff6b6b", "#343a40"),
}
_FLOOR = -0.6  # the heat map's colour floor (rates below are drawn in the lowest colour)
#: Heat-map colours: (negative rate: floor → 0), (positive rate: 0 → max), per theme.
_HEAT = {
    "light": (("#adb5bd", "#f1f3f5"), ("#d3f9d8", "#2b8a3e")),
    "dark": (("#1b1f2a", "#3b4252"), ("#2f4f3a", "#8ce99a")),
}


def _style(style: FigureStyle | None) -> FigureStyle:
    return style if style is not None else figure_style()


def _regime_colors(style: FigureStyle) -> tuple:
    return REGIME_COLORS.get(style.theme, REGIME_COLORS["light"])


def profile_figure(d: Mapping, style: FigureStyle | None = None, height: int | None = None) -> go.Figure:
    """Heat map of Σ_N(u, m) over (m, u) with its zero contour, the minima line and E_0^φ, m*."""
    st = _style(style)
    u, m, sig = d["u"], d["m"], np.asarray(d["sigma"], dtype=float)
    top = max(float(np.nanmax(sig)), 0.05)
    # The grids travel in single precision (half the bytes; the hover shows 4 decimals).
    z = np.clip(sig, _FLOOR, top).astype(np.float32)
    zero = -_FLOOR / (top - _FLOOR)
    fig = go.Figure()
    neg, pos = _HEAT.get(st.theme, _HEAT["light"])
    fig.add_trace(go.Heatmap(
        x=m, y=u, z=z, zmin=_FLOOR, zmax=top,
        colorscale=[[0.0, neg[0]], [zero * 0.999, neg[1]], [zero, pos[0]], [1.0, pos[1]]],
        colorbar=dict(title=dict(text="Σ<sub>N</sub>", side="right"), thickness=14, len=0.85),
        hovertemplate="m = %{x:.3f}<br>u = %{y:.4f}<br>Σ<sub>N</sub> = %{z:.4f}<extra></extra>",
        name="Σ<sub>N</sub>(u, m)",
    ))
    region = np.where((sig >= 0.0) & (np.asarray(u)[:, None] <= np.asarray(d["u_min_line"])[None, :]),
                      1.0, np.nan).astype(np.float32)
    if np.any(region == 1.0):
        fig.add_trace(go.Heatmap(
            x=m, y=u, z=region, zmin=0, zmax=1, showscale=False, opacity=0.55,
            colorscale=[[0.0, st.accent], [1.0, st.accent]], name="minima region", showlegend=True,
            hovertemplate="minima at m = %{x:.3f}, u = %{y:.4f}<extra></extra>",
        ))
    fig.add_trace(go.Contour(
        x=m, y=u, z=sig.astype(np.float32), showscale=False, contours=dict(start=0.0, end=0.0, size=1.0, coloring="none"),
        line=dict(color=st.ink, width=2.0 * st.line), name="Σ<sub>N</sub> = 0", hoverinfo="skip",
        showlegend=True,
    ))
    # On a slide the legend names are short (two rows, not five: the plot keeps the screen);
    # the summary under the plot gives the numbers in full.
    short = st.lecture
    fig.add_trace(go.Scatter(
        x=m, y=d["u_min_line"], mode="lines",
        name="minima below this line" if short else "minima below this line (index rule)",
        line=dict(color=st.accent, width=2.0 * st.line, dash="dash"),
        hovertemplate="m = %{x:.3f}<br>minima below u = %{y:.4f}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[d["m0_phi"]], y=[-d["e0_phi"]], mode="markers",
        name=(f"ground state −E₀ᵠ = {-d['e0_phi']:.4g}" if short
              else f"ground state −E₀ᵠ = {-d['e0_phi']:.4g}, m* = {d['m0_phi']:+.3f}"),
        marker=dict(symbol="star", size=16 if not st.lecture else 22, color="#ffd43b",
                    line=dict(color=st.ink, width=1.5)),
    ))
    # (on a slide, the automatic level -- the ground state, where the ring circles the star --
    # needs no legend row of its own)
    fig.add_trace(go.Scatter(
        x=[d["level_m"]], y=[d["level"]], mode="markers",
        name=(f"your level: {d['level_regime']}" if short
              else f"your level u = {d['level']:.4g}: {d['level_regime']}"),
        showlegend=not (short and d.get("level_auto", False)),
        marker=dict(symbol="circle-open", size=14 if not st.lecture else 20, color=st.ink, line=dict(width=2.5)),
    ))
    lo, hi = float(u[0]), float(u[-1])
    return laid_out(
        fig, st, height=height,
        xaxis=dict(title=dict(text="overlap m with the all-ones direction"), range=[-1, 1]),
        yaxis=dict(title=dict(text=U_TITLE), range=[lo, hi]),
        legend=dict(orientation="h", yanchor="top", y=-0.16, x=0.0,
                    **({"font": {"size": st.font_size - 3}} if short else {})),
        title=dict(text=f"Σ<sub>N</sub>(u, m) at N = {d['N']:,}, H = {d['H']}"),
        shapes=[hline(-d["e0"], st.muted, dash="dot")] if d["H"] >= 3 else [],
        margin=dict(b=130),
    )


def complexity_figure(d: Mapping, style: FigureStyle | None = None, height: int | None = None) -> go.Figure:
    """sup_m Σ_N(u) (all critical points and minima) against the spin glass's Θ_H, Θ_{0,H} (theory §3)."""
    st = _style(style)
    u = d["u"]
    w = 2.0 * st.line
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=u, y=d["theta"], mode="lines", name="Θ<sub>H</sub>(u): spin glass, all (§3)",
                             line=dict(color=st.muted, width=w, dash="dot")))
    fig.add_trace(go.Scatter(x=u, y=d["theta0"], mode="lines", name="Θ<sub>0,H</sub>(u): spin glass, minima (§3)",
                             line=dict(color=st.muted, width=w, dash="dash")))
    fig.add_trace(go.Scatter(x=u, y=d["lead"], mode="lines", name="sup<sub>m</sub> Σ<sub>N</sub>: all critical points [ours]",
                             line=dict(color=st.ink, width=w)))
    fig.add_trace(go.Scatter(
        x=u, y=d["lead_min"], mode="lines", name="sup<sub>m</sub> Σ<sub>N</sub>: minima [ours]",
        line=dict(color=st.accent, width=w),
        customdata=np.stack([d["lead_min_m"], d["lead_min_regime"]], axis=1),
        hovertemplate="u = %{x:.4f}<br>rate %{y:.4f}<br>m* = %{customdata[0]:.3f}<br>%{customdata[1]}<extra></extra>",
    ))
    finite = np.concatenate([np.asarray(d[k], float) for k in ("theta", "lead", "lead_min")])
    finite = finite[np.isfinite(finite)]
    ymax = float(finite.max()) if finite.size else 1.0
    ymin = max(float(finite.min()) if finite.size else -1.0, -0.5)
    shapes = [dict(type="line", xref="x", yref="paper", x0=-d["e0_phi"], x1=-d["e0_phi"], y0=0, y1=1,
                   line=dict(color="#e0a800", width=2.0 * st.line))]
    if d["H"] >= 3:
        shapes.append(dict(type="line", xref="x", yref="paper", x0=-d["e0"], x1=-d["e0"], y0=0, y1=1,
                           line=dict(color=st.muted, width=1.5 * st.line, dash="dot")))
    shapes.append(hline(0.0, st.muted))
    return laid_out(
        fig, st, height=height,
        xaxis=dict(title=dict(text=U_TITLE), range=[float(u[0]), float(u[-1])]),
        yaxis=dict(title=dict(text="rate (1/N) log E Crt(L ≤ Nu)"), range=[ymin, ymax + 0.05 * (ymax - ymin)]),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0.0),
        title=dict(text=f"sup over m of Σ<sub>N</sub> at N = {d['N']:,}: −E₀ᵠ = {-d['e0_phi']:.4g} (gold)"),
        shapes=shapes, margin=dict(b=140),
    )


def regime_map_figure(x: np.ndarray, u: np.ndarray, codes: np.ndarray, *, x_title: str, log_x: bool,
                      point: tuple[float, float], title: str, style: FigureStyle | None = None,
                      curve: tuple[np.ndarray, np.ndarray] | None = None, curve_name: str = "",
                      height: int | None = None) -> go.Figure:
    """Categorical map of the regimes over (x, u) (x = γ or N), the user's point marked."""
    st = _style(style)
    colors = _regime_colors(st)
    codes = np.asarray(codes, dtype=float)
    scale = []
    for k, c in enumerate(colors):
        scale += [[k / 4.0, c], [(k + 1) / 4.0, c]]
    xs = np.log10(x) if log_x else np.asarray(x, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        x=xs, y=u, z=codes.T, zmin=-0.5, zmax=3.5, colorscale=scale, showscale=False, name="regime",
        hovertemplate=(f"{x_title} = %{{x:.3g}}" if not log_x else "log₁₀ N = %{x:.2f}")
        + "<br>u = %{y:.4f}<br>regime %{z} (0 spin-glass, 1 shifted, 2 deterministic, 3 none)<extra></extra>",
    ))
    for k, name in enumerate(REGIME_NAMES):  # legend entries
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker=dict(symbol="square", size=14, color=colors[k])))
    if curve is not None:
        cx = np.log10(curve[0]) if log_x else curve[0]
        fig.add_trace(go.Scatter(x=cx, y=curve[1], mode="lines+markers", name=curve_name,
                                 line=dict(color="#e0a800", width=2.0 * st.line)))
    px = np.log10(point[0]) if log_x else point[0]
    fig.add_trace(go.Scatter(x=[px], y=[point[1]], mode="markers", name="your setting",
                             marker=dict(symbol="x", size=16 if not st.lecture else 22, color=st.ink,
                                         line=dict(width=2))))
    xaxis = dict(title=dict(text=x_title), range=[float(xs[0]), float(xs[-1])])
    if log_x:
        ticks = [v for v in range(int(np.floor(xs[0])), int(np.ceil(xs[-1])) + 1)]
        xaxis.update(tickvals=ticks, ticktext=[f"10^{t}" if t > 1 else f"{10 ** t}" for t in ticks])
    return laid_out(
        fig, st, height=height, title=dict(text=title), xaxis=xaxis,
        yaxis=dict(title=dict(text=U_TITLE), range=[float(u[0]), float(u[-1])]),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0.0), margin=dict(b=130),
    )
