"""What each view shows, for given plain settings: serialisable figures, the data
behind them as tables, and the numbers the page prints next to them.

These functions are deterministic in their (plain, hashable) arguments; the callbacks
memoize them (components/cache.py), so a repeated setting costs one cache read.  A
view's tables are the single source of its CSV export and of its accessible table view
(components/export.py).

``alpha_bar`` selects the loss units: ``None`` draws spin-glass units u, a number ᾱ
draws network units ᾱ^{H−1}·u (theory §5.3).  ``window`` is the loss range shown
(spin-glass u), ``None`` for the automatic one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compute.activations import PRESETS
from components.data import (
    EXACT_TOTAL_MAX_N,
    MC_MAX_N,
    MC_SAMPLES,
    activation_data,
    complexity_data,
    finite_data,
    layered_data,
    loss_window,
)
from components.figures import (
    activation_figure,
    complexity_figure,
    figure_style,
    finite_figure,
    layered_h_figure,
    layered_k_figure,
    phi_figure,
    pieces_figure,
)

__all__ = [
    "Plot",
    "PLOTS",
    "render_complexity",
    "render_layered",
    "render_finite",
    "render_activation",
]


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
        uirevision=f"complexity-{H}-{scale is None}-{window}",
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
    name: str,
    param: float | None,
    pieces: int,
    mu: float,
    sigma: float,
    H: int,
    knots: tuple | None = None,
    gamma: float = 1.0,
    theme: str = "light",
    lecture: bool = False,
) -> dict:
    """Activation view: f, its PL fit, the pieces and φ(s) (theory §5.1–§5.3).

    Returns ``{"figures": {"activation", "pieces", "phi"}, "tables": {…}, "stats": dict}``
    with the numbers of :func:`components.data.activation_data` that the page prints.
    """
    d = activation_data(name, param, pieces, mu, sigma, H, knots, gamma)
    style = figure_style(theme, lecture)
    label = PRESETS[name].label if name in PRESETS else name
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
