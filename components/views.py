"""What each view shows, for given plain settings: a serialisable figure plus the numbers
the page prints next to it.

These functions are deterministic in their (plain, hashable) arguments; the callbacks
memoize them (components/cache.py), so a repeated setting costs one cache read.
"""

from __future__ import annotations

from compute.activations import PRESETS
from components.data import activation_data, complexity_data
from components.figures import activation_figure, complexity_figure

__all__ = ["render_complexity", "render_activation"]


def render_complexity(H: int, K: int) -> dict:
    """Complexity view for depth ``H`` and indices 0..``K`` (theory §3).

    Returns ``{"figure": dict, "energies": tuple E_0..E_K, "e_inf": float}``.
    """
    d = complexity_data(H, K)
    fig = complexity_figure(
        d["u"], d["theta_k"], d["theta_total"], d["energies"], d["e_inf"], H,
        d["x_window"], d["y_window"],
    )
    return {
        "figure": fig.to_plotly_json(),
        "energies": tuple(float(e) for e in d["energies"]),
        "e_inf": d["e_inf"],
    }


def render_activation(
    name: str,
    param: float | None,
    pieces: int,
    mu: float,
    sigma: float,
    H: int,
    knots: tuple | None = None,
) -> dict:
    """Activation view: f, its PL fit and the pre-activation density (theory §5.1–§5.3).

    Returns ``{"figure": dict, "stats": dict}`` with the numbers of
    :func:`components.data.activation_data` that the page prints.
    """
    d = activation_data(name, param, pieces, mu, sigma, H, knots)
    label = PRESETS[name].label if name in PRESETS else name
    fig = activation_figure(
        d["z"], d["f"], d["fit"], d["breakpoints"], d["breakpoint_values"], d["density"],
        label, d["pieces"],
    )
    stats = {key: d[key] for key in d if key not in ("z", "f", "fit", "density")}
    return {"figure": fig.to_plotly_json(), "stats": stats}
