"""Figures of the "Real networks" view: results in, ``go.Figure`` out.

Nothing here trains or computes mathematics: the callbacks pass what
components/networks_data.py returned.  Titles and legends say which curves are measured
on trained networks and which are predicted by the spin-glass model.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures.style import FigureStyle, figure_style, index_colors

__all__ = [
    "histogram_figure",
    "spread_figure",
    "correlation_figure",
    "pieces_figure",
    "hessian_figure",
]


def _style(style: FigureStyle | None) -> FigureStyle:
    return style or figure_style()


def _colors(n: int, style: FigureStyle) -> list[str]:
    return index_colors(max(n, 1), style.theme)


def _label(r: dict) -> str:
    return f"h = {r['width']} (N = {r['N']:,})"


def _finite(x) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    return a[np.isfinite(a) & (a > 0)]


def histogram_figure(results: list[dict], title: str, style: FigureStyle | None = None) -> go.Figure:
    """Histograms (step outlines, log-spaced bins) of the final training and test losses per width."""
    style = _style(style)
    colors = _colors(len(results), style)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("final training loss (measured)", "final test loss (measured)"),
                        horizontal_spacing=0.1)
    for col, key in ((1, "train"), (2, "test")):
        everything = np.concatenate([_finite(r[key]) for r in results]) if results else np.zeros(0)
        if everything.size == 0:
            continue
        lo, hi = np.log10(everything.min()), np.log10(everything.max())
        if hi - lo < 1e-6:
            lo, hi = lo - 0.05, hi + 0.05
        edges = np.logspace(lo, hi, 41)
        for i, r in enumerate(results):
            x = _finite(r[key])
            counts, _ = np.histogram(x, bins=edges)
            xs = np.repeat(edges, 2)[1:-1]
            ys = np.repeat(counts, 2)
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", line=dict(color=colors[i], width=2 * style.line),
                fill="tozeroy", opacity=0.5, name=_label(r), legendgroup=str(r["width"]), showlegend=col == 1,
                hovertemplate=f"{_label(r)}<br>loss %{{x:.4g}}<br>restarts %{{y}}<extra></extra>",
            ), row=1, col=col)
        fig.update_xaxes(type="log", title_text="loss (log scale)", row=1, col=col)
    fig.update_yaxes(title_text="restarts", row=1, col=1)
    fig.update_layout(template=style.template, title=dict(text=title, y=0.98, yanchor="top"), legend=dict(orientation="h", y=-0.25),
                      margin=dict(t=130, b=120))
    return fig


def spread_figure(results: list[dict], sg: dict | None, title: str, style: FigureStyle | None = None) -> go.Figure:
    """Left: sd and IQR of the final losses against N (log–log).  Right: relative spread
    sd/|mean| of the networks and of the spin-glass descents against N on the same axes."""
    style = _style(style)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("spread of the final loss against N (measured)",
                                        "sd / |mean| against N (both experiments)"))
    Ns = [r["N"] for r in results]
    train_c, test_c, sg_c = style.density, style.accent, style.ink

    def stat(key, f):
        out = []
        for r in results:
            x = np.asarray(r[key], float)
            x = x[np.isfinite(x)]
            out.append(f(x) if x.size > 1 else math.nan)
        return out

    sd = lambda x: float(np.std(x, ddof=1))  # noqa: E731
    iqr = lambda x: float(np.subtract(*np.percentile(x, [75, 25])))  # noqa: E731
    rel = lambda x: float(np.std(x, ddof=1) / abs(np.mean(x))) if np.mean(x) else math.nan  # noqa: E731
    for key, color, name in (("train", train_c, "training loss"), ("test", test_c, "test loss")):
        fig.add_trace(go.Scatter(x=Ns, y=stat(key, sd), mode="lines+markers", name=f"sd, {name}",
                                 line=dict(color=color, width=2 * style.line), marker=dict(size=9)), row=1, col=1)
        fig.add_trace(go.Scatter(x=Ns, y=stat(key, iqr), mode="lines+markers", name=f"IQR, {name}",
                                 line=dict(color=color, width=2 * style.line, dash="dot"),
                                 marker=dict(size=9, symbol="square-open")), row=1, col=1)
        fig.add_trace(go.Scatter(x=Ns, y=stat(key, rel), mode="lines+markers", name=f"network {name}, sd/|mean|",
                                 line=dict(color=color, width=2 * style.line), marker=dict(size=9),
                                 showlegend=True), row=1, col=2)
    if sg is not None and sg.get("N") and not sg.get("degenerate"):
        relsg = [s / abs(m) if m else math.nan for s, m in zip(sg["sd"], sg["mean"])]
        fig.add_trace(go.Scatter(x=sg["N"], y=relsg, mode="lines+markers", name="spin-glass descents, sd(u)/|mean u|",
                                 line=dict(color=sg_c, width=2 * style.line, dash="dash"),
                                 marker=dict(size=10, symbol="diamond")), row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(type="log", dtick="D2", row=1, col=col)
        fig.update_yaxes(type="log", row=1, col=col)
    fig.update_yaxes(title_text="spread (loss units)", row=1, col=1)
    fig.update_yaxes(title_text="sd / |mean| (dimensionless)", row=1, col=2)
    fig.update_layout(template=style.template, title=dict(text=title, y=0.98, yanchor="top"),
                      legend=dict(orientation="h", y=-0.12, yanchor="top"), margin=dict(t=130, b=170))
    return fig


def correlation_figure(results: list[dict], title: str, style: FigureStyle | None = None) -> go.Figure:
    """Final test loss against final training loss, one colour per width, r in the legend."""
    style = _style(style)
    colors = _colors(len(results), style)
    fig = go.Figure()
    for i, r in enumerate(results):
        tr, te = np.asarray(r["train"], float), np.asarray(r["test"], float)
        ok = np.isfinite(tr) & np.isfinite(te)
        c = np.corrcoef(tr[ok], te[ok])[0, 1] if ok.sum() > 2 and np.std(tr[ok]) > 0 else math.nan
        fig.add_trace(go.Scatter(x=tr[ok], y=te[ok], mode="markers", name=f"{_label(r)}: r = {c:+.2f}",
                                 marker=dict(color=colors[i], size=7, opacity=0.75)))
    fig.update_layout(template=style.template, title=dict(text=title, y=0.98, yanchor="top"),
                      xaxis=dict(title="final training loss (measured)", type="log"),
                      yaxis=dict(title="final test loss (measured)", type="log"),
                      legend=dict(orientation="h", y=-0.25), margin=dict(t=130, b=120))
    return fig


def pieces_figure(result: dict | None, title: str, style: FigureStyle | None = None) -> go.Figure:
    """Per hidden layer and piece: measured share of pre-activations against the model's ρ_ℓ."""
    style = _style(style)
    fig = go.Figure()
    if not result or not result.get("pieces"):
        return fig
    xs, meas, model, err = [], [], [], []
    for p in result["pieces"]:
        edges = [-math.inf] + list(p["breakpoints"]) + [math.inf]
        for ell in range(len(p["measured"])):
            a, b = edges[ell], edges[ell + 1]
            lo = "−∞" if a == -math.inf else f"{a:.2g}"
            hi = "∞" if b == math.inf else f"{b:.2g}"
            xs.append(f"L{p['layer']} ({lo}, {hi}]")
            meas.append(p["measured"][ell])
            model.append(p["model"][ell])
            err.append(p["share_sd"][ell] if p["share_sd"] else 0.0)
    fig.add_trace(go.Bar(x=xs, y=meas, name="measured share (trained networks)", marker_color=style.density,
                         error_y=dict(type="data", array=err, visible=True)))
    fig.add_trace(go.Bar(x=xs, y=model, name="model ρ_ℓ under N(μ, σ²), μ, σ measured", marker_color=style.accent))
    fig.update_layout(template=style.template, title=dict(text=title, y=0.98, yanchor="top"), barmode="group",
                      yaxis=dict(title="share of pre-activations", range=[0, 1]),
                      xaxis=dict(title="hidden layer L and piece (a_(ℓ−1), a_ℓ]", tickangle=-30),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0), margin=dict(t=150, b=90))
    return fig


def hessian_figure(results: list[dict], title: str, style: FigureStyle | None = None) -> go.Figure:
    """Hessian index of end points against their training loss (measured), per width."""
    style = _style(style)
    colors = _colors(len(results), style)
    fig = go.Figure()
    for i, r in enumerate(results):
        h = r.get("hessian")
        if not h:
            continue
        idx = np.asarray(h["index"])
        fig.add_trace(go.Scatter(
            x=h["loss"], y=idx, mode="markers", name=_label(r),
            marker=dict(color=colors[i], size=10, symbol=["triangle-up" if k >= h["k"] else "circle" for k in idx]),
            hovertemplate="loss %{x:.5g}<br>index %{y}<extra></extra>",
        ))
    fig.update_layout(template=style.template, title=dict(text=title, y=0.98, yanchor="top"),
                      xaxis=dict(title="final training loss (measured)"),
                      yaxis=dict(title="Hessian index", rangemode="tozero", dtick=1),
                      legend=dict(orientation="h", y=-0.25), margin=dict(t=130, b=120))
    return fig
