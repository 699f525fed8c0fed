r"""Adapters of the landscapes lab (theory §4, §6): plain arguments in, plain results out.

Every function here is deterministic in its arguments (ints, floats, tuples of floats),
so the lab's callbacks memoize them (components/cache.py); results are dicts of numbers
and numpy arrays.  The coefficients of φ are passed as ``kappa`` = (κ_1, …, κ_{H−1}), the
empty tuple meaning φ ≡ 0 (theory §5.3).

Long computations report their progress to whatever callable :func:`reporting` installed
(a context variable, so the report channel is not an argument and does not enter the
cache key); on a cache hit nothing is reported and the caller simply moves on.

Sizes (measured on the project's 2-core machines, see docs/lab.md): the N = 3 globe is a
200 × 100 grid plus every critical point (~10–250 ms from H = 3 to 12); a chart at
N = 500, H = 3 needs the 2 GB tensor and about a minute of descent; the descent
experiment keeps ``runs × N^H`` per size below :data:`EXPERIMENT_WORK`.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from components import tasks
from compute import complexity, finite_n, landscape, network
from compute.budget import WorkBudget

if TYPE_CHECKING:
    from components.state import Activation

__all__ = [
    "GLOBE_GRID",
    "AVERAGE_SEEDS",
    "SEED_CHUNK",
    "THEORY_SAMPLES",
    "EXPERIMENT_NS",
    "EXPERIMENT_WORK",
    "DESCENT_TIME_LIMIT",
    "MIN_EXPERIMENT_RUNS",
    "CHART_RUNS",
    "CHART_EXTENT",
    "CHART_POINTS",
    "PROFILE_POINTS",
    "reporting",
    "report",
    "max_lab_n",
    "phi_coefficients",
    "globe_data",
    "seed_counts",
    "theory_counts",
    "band_levels",
    "chart_data",
    "experiment_plan",
    "descent_data",
]

#: Longitude × latitude points of the globe (theory §6).
GLOBE_GRID = (200, 100)
#: Caps of one N = 3 critical-point search (the globe, each seed of the average): three
#: rounds of starts at H = 12 (7 × 2700), 256 MiB, 3 s.  Typical searches take 10–250 ms;
#: the caps stop the ones where φ dwarfs R, which otherwise grow without bound.
GLOBE_BUDGET = WorkBudget(max_starts=20_000, max_points=10_000, max_bytes=2**28, max_seconds=3.0)
#: Landscapes averaged for the count table, and how many form one cached chunk.
AVERAGE_SEEDS = 200
SEED_CHUNK = 20
#: GOE samples of the §4 Monte Carlo for the index-k expectations at N = 3.
THEORY_SAMPLES = 200_000
#: Sizes of the descent experiment (those up to lab_N), and its cost cap per size:
#: runs × N^H tensor entries (2^30: 68 runs at N = 250, H = 3, about half a minute).
EXPERIMENT_NS = (25, 50, 100, 250)
EXPERIMENT_WORK = 2**30
#: Time limit of the descents of one size (seconds); its refusal names what to lower.
DESCENT_TIME_LIMIT = 600
MIN_EXPERIMENT_RUNS = 10
#: Descents used to find the minima of the charts; chart half-width (radians) and points.
CHART_RUNS = 8
CHART_EXTENT = 1.0
CHART_POINTS = 101
PROFILE_POINTS = 201
#: Two end points are the same minimum when their geodesic angle is below this (radians).
_SAME_POINT_ANGLE = 1e-4

_progress: ContextVar[Callable[[float], None] | None] = ContextVar("lab_progress", default=None)


@contextmanager
def reporting(callback: Callable[[float], None] | None) -> Iterator[None]:
    """Within the block, long computations here call ``callback(fraction)``, fraction in [0, 1]."""
    token = _progress.set(callback)
    try:
        yield
    finally:
        _progress.reset(token)


def report(fraction: float) -> None:
    """Pass ``fraction`` to the callback installed by :func:`reporting` (if any)."""
    callback = _progress.get()
    if callback is not None:
        callback(float(fraction))


def _coeffs(kappa: tuple) -> tuple | None:
    """``kappa`` as the ``coeffs`` of compute/landscape.py (``None`` for φ ≡ 0)."""
    return tuple(float(k) for k in kappa) if any(kappa) else None


def max_lab_n(H: int) -> int:
    """Largest N whose tensor fits: ``N**H <= MAX_TENSOR_ENTRIES`` (2^27; theory §2).

    >>> max_lab_n(3), max_lab_n(4), max_lab_n(12)
    (512, 107, 4)
    """
    n = int(round(landscape.MAX_TENSOR_ENTRIES ** (1.0 / H)))
    while n**H > landscape.MAX_TENSOR_ENTRIES:
        n -= 1
    while (n + 1) ** H <= landscape.MAX_TENSOR_ENTRIES:
        n += 1
    return n


def phi_coefficients(act: Activation, H: int) -> dict:
    r"""Coefficients κ_d of φ(s) = Σ_d κ_d s^d for an activation (theory §5.3).

    κ_d = γ β̄ ᾱ^{d−1}/ᾱ^{H−1}, d = 1..H−1, from
    :func:`compute.network.describe_activation`.  Returns ``kappa`` (a tuple, empty when
    φ ≡ 0), ``spin_glass`` (φ ≡ 0: Choromanska's model), ``alpha_bar``, ``beta_bar``.
    ``ValueError`` (a message fit for the UI) propagates.
    """
    model = network.describe_activation(act.name, act.param, act.pieces, act.mu, act.sigma, H,
                                        gamma=act.gamma, knots=act.knots)
    kappa = tuple(float(k) for k in model.kappa)
    return {
        "kappa": () if model.is_spin_glass else kappa,
        "spin_glass": bool(model.is_spin_glass),
        "alpha_bar": float(model.alpha_bar),
        "beta_bar": float(model.beta_bar),
    }


def globe_data(H: int, seed: int, kappa: tuple = ()) -> dict:
    r"""The whole N = 3 landscape and all its critical points (theory §6, §4).

    The loss per weight u = L(w)/3 on a 200 × 100 longitude–latitude grid of the sphere
    :math:`|w|^2 = 3` (:func:`compute.landscape.globe_grid`; the grid is returned on the
    unit sphere, float32 to keep the page light), and every critical point of the same
    landscape (:func:`compute.landscape.critical_points`: Newton from a dense start set,
    deduplicated, classified by the Hessian index k = 0, 1, 2).

    Returns ``x, y, z, u`` (n_lat × n_lon), ``points`` (n, 3) on the unit sphere,
    ``point_u``, ``point_index``, ``counts`` (3,), ``euler`` (Σ (−1)^k Crt_k, 2 on S²).
    """
    coeffs = _coeffs(kappa)
    land = landscape.sample_landscape(3, H, seed, coeffs)
    grid = landscape.globe_grid(land, *GLOBE_GRID)
    cp = landscape.critical_points(3, H, seed, coeffs, budget=GLOBE_BUDGET)
    xyz = grid.xyz.astype(np.float32)
    return {
        "x": xyz[..., 0],
        "y": xyz[..., 1],
        "z": xyz[..., 2],
        "u": grid.u.astype(np.float32),
        "points": cp.w / math.sqrt(3.0),
        "point_u": cp.u.copy(),
        "point_index": cp.index.astype(int),
        "counts": cp.counts.astype(int),
        "euler": int(cp.euler_characteristic),
    }


def seed_counts(H: int, kappa: tuple, seed0: int, n: int) -> np.ndarray:
    """Critical points per index (k = 0, 1, 2) of the N = 3 landscapes with seeds
    ``seed0 .. seed0 + n − 1``: an ``(n, 3)`` integer array (theory §4, §6)."""
    coeffs = _coeffs(kappa)
    return np.array(
        [landscape.critical_points(3, H, seed0 + i, coeffs, budget=GLOBE_BUDGET).counts for i in range(n)], dtype=int
    )


def theory_counts(H: int) -> dict:
    r"""Expected numbers of critical points of the N = 3 spin glass by index (theory §4).

    .. math::

        E\,\mathrm{Crt}_{3,k} = 2\sqrt{2/H}\,(H-1)^{3/2}\,
            E\bigl[e^{-3(H-2)\lambda_k^2/(2H)}\bigr],

    λ_k the (k+1)-th smallest eigenvalue of GOE_3: a seeded Monte Carlo over
    :data:`THEORY_SAMPLES` matrices (``stderr`` one standard error); the total is the
    deterministic one-point-density formula (:func:`compute.finite_n.expected_critical_points`).
    Returns ``mean`` (3,), ``stderr`` (3,), ``total``.
    """
    rows = [finite_n.expected_critical_points(3, H, k=k, samples=THEORY_SAMPLES, seed=0) for k in range(3)]
    return {
        "mean": np.array([r.value for r in rows]),
        "stderr": np.array([r.stderr for r in rows]),
        "total": float(finite_n.expected_critical_points(3, H).value),
    }


def band_levels(H: int, K: int) -> dict:
    """E_0..E_K and E_∞ of the φ ≡ 0 model (theory §3): ``energies`` (K+1,), ``e_inf``."""
    return {
        "energies": np.asarray(complexity.ground_state_energies(H, K), dtype=float),
        "e_inf": float(complexity.e_inf(H)),
    }


def _starts(seed: int, runs: int, N: int) -> np.ndarray:
    """The descent starts of :func:`compute.landscape.descent_details` (same convention)."""
    W = np.random.default_rng([seed, 1]).standard_normal((runs, N))
    return W * (math.sqrt(N) / np.linalg.norm(W, axis=1, keepdims=True))


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    c = float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.arccos(np.clip(c, -1.0, 1.0)))


def chart_data(N: int, H: int, seed: int, kappa: tuple = (), runs: int = CHART_RUNS) -> dict:
    r"""Charts of one landscape through a minimum found by descent (theory §6).

    Samples :math:`L = R + \varphi(s)` with this seed, runs ``runs`` seeded descents (the
    first ``runs`` starts of :func:`compute.landscape.descent_details`), and takes as
    minimum A the lowest converged end point of Hessian index 0.  The 2-D chart is the
    landscape on the geodesic chart
    :math:`w(\theta_1,\theta_2) = \sqrt N(\cos r\,\hat w_A + \tfrac{\sin r}{r}(\theta_1 d_1 + \theta_2 d_2))`,
    :math:`|\theta_i| \le` :data:`CHART_EXTENT` rad, :math:`d_1, d_2` the softest Hessian
    directions at A (:func:`compute.landscape.chart`).  The profile follows the great circle
    from A to the nearest other minimum B found (:func:`compute.landscape.great_circle_profile`).

    Returns ``theta1, theta2, chart_u``, ``minima_u`` (distinct minima found, sorted),
    ``u_a``, and, if a second minimum was found, ``profile_angle, profile_u, u_b, omega``
    (else ``profile_angle`` is ``None``); also ``runs``, ``converged``, ``minima`` (count).
    ``ValueError`` if no descent converged to a minimum.
    """
    coeffs = _coeffs(kappa)
    land = landscape.sample_landscape(N, H, seed, coeffs)
    res = landscape.descend(land, _starts(seed, runs, N), progress=lambda f: report(0.97 * f))
    good = np.flatnonzero(res.converged & (res.index == 0))
    if good.size == 0:
        raise ValueError(
            f"none of the {runs} descents reached a minimum (gradient tolerance {res.tol:g}); "
            "try another seed"
        )
    good = good[np.argsort(res.u[good])]
    distinct: list[int] = []
    for i in good:
        if all(_angle(res.w[i], res.w[j]) > _SAME_POINT_ANGLE for j in distinct):
            distinct.append(int(i))
    a = distinct[0]
    ch = landscape.chart(land, res.w[a], extent=CHART_EXTENT, n=CHART_POINTS)
    out = {
        "N": int(N),
        "runs": int(runs),
        "converged": int(res.converged.sum()),
        "minima": len(distinct),
        "minima_u": res.u[distinct].copy(),
        "u_a": float(res.u[a]),
        "theta1": ch.theta1,
        "theta2": ch.theta2,
        "chart_u": ch.u,
        "profile_angle": None,
        "profile_u": None,
        "u_b": None,
        "omega": None,
    }
    others = [j for j in distinct[1:] if _angle(res.w[a], -res.w[j]) > _SAME_POINT_ANGLE]
    if others:
        b = min(others, key=lambda j: _angle(res.w[a], res.w[j]))
        prof = landscape.great_circle_profile(land, res.w[a], res.w[b], n=PROFILE_POINTS)
        out.update(profile_angle=prof.angle, profile_u=prof.u, u_b=float(res.u[b]), omega=prof.omega)
    report(1.0)
    return out


def experiment_plan(lab_N: int, H: int, runs: int) -> tuple[list[tuple[int, int]], list[str]]:
    """Sizes and runs of the descent experiment (theory §6), and why sizes were left out.

    The sizes are :data:`EXPERIMENT_NS` up to ``lab_N`` plus ``lab_N`` itself; a size is
    kept when its tensor fits (``N^H <= 2^27``) and at least :data:`MIN_EXPERIMENT_RUNS`
    runs fit the cost cap ``runs × N^H <= EXPERIMENT_WORK``; its runs are
    ``min(runs, EXPERIMENT_WORK // N^H)``.

    >>> experiment_plan(250, 3, 100)[0]
    [(25, 100), (50, 100), (100, 100), (250, 68)]
    """
    sizes = sorted({n for n in EXPERIMENT_NS if n <= lab_N} | {lab_N})
    plan: list[tuple[int, int]] = []
    notes: list[str] = []
    for n in sizes:
        entries = n**H
        if entries > landscape.MAX_TENSOR_ENTRIES:
            notes.append(f"N = {n} is left out: at H = {H} its tensor has N^H > 2^27 entries.")
            continue
        fit = min(runs, EXPERIMENT_WORK // entries)
        if fit < MIN_EXPERIMENT_RUNS:
            notes.append(f"N = {n} is left out: fewer than {MIN_EXPERIMENT_RUNS} runs fit the cost cap at H = {H}.")
            continue
        if fit < runs:
            notes.append(f"N = {n} uses {fit} runs instead of {runs} (cost cap runs × N^H ≤ 2^30).")
        plan.append((n, fit))
    return plan, notes


def descent_data(N: int, H: int, runs: int, seed: int, kappa: tuple = ()) -> dict:
    """End points of ``runs`` seeded descents on one landscape (theory §6).

    The blocked experiment :func:`compute.landscape.descent_plan` (units of 25 runs, each
    from its own spawned seed; projected gradient with Newton refinement, gradient
    tolerance 1e-8 per weight, at most 5000 steps), run by this process's executor
    (components/tasks.py: a local process pool, or Celery compute workers), within
    :data:`DESCENT_TIME_LIMIT`.  The result depends only on the arguments.  Returns ``u``
    (runs,), the Hessian ``index``, ``converged``, ``steps``, ``grad_norm`` and the ``flops``
    spent.
    """
    plan = landscape.descent_plan(N, H, runs, seed, _coeffs(kappa))
    res = tasks.executor().run(plan, progress=report, timeout=tasks.time_left(DESCENT_TIME_LIMIT))
    return {
        "N": int(N),
        "runs": int(runs),
        "u": res["u"],
        "index": res["index"].astype(int),
        "converged": res["converged"],
        "steps": res["steps"],
        "grad_norm": res["grad_norm"],
        "flops": int(res["flops"]),
    }
