"""Validation tables for theory §5.4–§5.6 (the numbers in docs/kac_rice_validation.md).

Sections (all by default; pick some with --only):

* ``zero``:        phi = 0 against the exact counts of theory §4 (compute.finite_n), N = 2..50.
* ``direct``:      N = 2, 3 (and 4) against direct counting of sampled landscapes (compute.landscape).
* ``convergence``: the §5.4 ratio at N = 25..800 against the large-N factor of §5.5, with fits
                   K(N) = K_inf + a/N + b/N^2; writes docs/modulation_convergence.csv and, with
                   --png, docs/modulation_convergence.png (plotly + kaleido).
* ``pole``:        minima near the poles s = +-sqrt(N) (cubic phi, below -E_0).
* ``divergence``:  the divergent regime of §5.5, growth rate against sup_m Sigma(u, m) of §5.6.

Usage::

    .venv/bin/python bench/validate_modulation.py [--samples 20000] [--only convergence pole] [--png]

Everything is seeded (seed = N for the convergence runs), so reruns reproduce the tables.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compute.complexity import e_inf, ground_state_energies, theta  # noqa: E402
from compute.finite_n import expected_critical_points  # noqa: E402
from compute.kac_rice import (  # noqa: E402
    _log_potential,
    expected_critical_points_phi,
    modulation_factor,
    modulation_s2_coefficient,
)

DOCS = ROOT / "docs"

#: (label, H, coeffs, u, k); ratios are to the phi = 0 count of minima (phi0_k = 0).
CASES = [
    ("A", 3, (0.6, 0.0), -1.7, 0),
    ("B", 3, (0.0, 0.8), -1.7, 0),
    ("C", 3, (0.6, 0.0), -2.0, 0),
    ("D", 3, (0.0, 0.8), -2.0, 0),
    ("E", 3, (0.0, -2.5), -1.7, 1),
    ("F", 4, (0.2, -1.0, 0.5), -1.9, 1),
    ("G", 4, (0.2, -1.0, 0.5), -1.76, 0),
]
NS = (25, 50, 100, 200, 400, 800)


def _fit(Ns, y, s, deg):
    """Weighted least squares of y on [1, 1/N, ..., 1/N^deg]: (coefficients, standard errors)."""
    Ns = np.asarray(Ns, dtype=float)
    X = np.stack([Ns**-p for p in range(deg + 1)], axis=1)
    w = 1.0 / np.asarray(s)
    A = X * w[:, None]
    coef, *_ = np.linalg.lstsq(A, np.asarray(y) * w, rcond=None)
    cov = np.linalg.inv(A.T @ A)
    return coef, np.sqrt(np.diag(cov))


def section_zero(samples: int) -> None:
    print("\n## phi = 0 against theory §4 (compute.finite_n)\n")
    print("| N | H | u_max | k | §5.4 estimator | §4 reference | difference / combined σ |")
    print("|---|---|---|---|---|---|---|")
    rows = [(2, 3, -1.5, 0), (2, 4, 0.2, 1), (3, 3, math.inf, None), (5, 3, -1.5, 0), (10, 3, -1.2, 1),
            (10, 4, math.inf, None), (25, 3, -1.7, None), (25, 3, -1.5, 0), (50, 3, -1.0, None),
            (50, 3, -1.65, None)]
    for N, H, u, k in rows:
        r = expected_critical_points_phi(N, H, None, u, k, samples=samples, seed=11)
        ref = expected_critical_points(N, H, u, k, samples=200_000, seed=5)
        sig = math.hypot(r.stderr, ref.stderr)
        if sig > 1e-9 * abs(ref.value):
            cmp = f"{(r.value - ref.value) / sig:+.2f}"
        else:
            cmp = f"rel. diff {abs(r.value / ref.value - 1):.1e}"
        print(f"| {N} | {H} | {u} | {k} | {r.value:.6g} ± {r.stderr:.2g} ({r.method.split(':')[0]}) "
              f"| {ref.value:.6g} ± {ref.stderr:.2g} | {cmp} |")


def section_direct(samples: int) -> None:
    from compute.landscape import critical_points

    print("\n## Direct counting of sampled landscapes (compute.landscape.critical_points)\n")
    print("| N | H | kappa | u_max | index | direct (seeds) | §5.4 | z |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [(2, 3, (0.7, -0.9), math.inf, 3000), (2, 4, (0.3, 0.5, -0.4), 0.2, 3000),
            (3, 3, (0.5, -1.2), math.inf, 400), (3, 4, (-0.4, 0.6, 0.5), -0.3, 400),
            (4, 4, (0.2, -1.0, 0.5), -1.9, 150)]
    for N, H, c, u, n_seeds in rows:
        counts = np.zeros((n_seeds, N + 1))
        for i in range(n_seeds):
            cp = critical_points(N, H, i, list(c))
            below = cp.u <= u
            counts[i, :N] = np.bincount(cp.index[below], minlength=N)[:N]
            counts[i, N] = np.count_nonzero(below)
        mean = counts.mean(axis=0)
        se = counts.std(axis=0, ddof=1) / math.sqrt(n_seeds)
        for k in list(range(N)) + [None]:
            r = expected_critical_points_phi(N, H, list(c), u, k, samples=max(samples, 40000), seed=9)
            col = N if k is None else k
            sig = math.hypot(se[col], r.stderr)
            z = f"{(mean[col] - r.value) / sig:+.2f}" if sig > 1e-3 else "—"
            print(f"| {N} | {H} | {c} | {u} | {'all' if k is None else k} | {mean[col]:.4f} ± {se[col]:.4f} "
                  f"({n_seeds}) | {r.value:.4g} ± {r.stderr:.2g} | {z} |")


def section_convergence(samples: int, png: bool) -> None:
    print("\n## §5.4 ratio at growing N against §5.5\n")
    rows = []
    for label, H, c, u, k in CASES:
        K = float(modulation_factor(u, H, list(c), k))
        for N in NS:
            t0 = time.perf_counter()
            r = expected_critical_points_phi(N, H, list(c), u, k, samples=samples, seed=N, phi0_k=0)
            rows.append(dict(case=label, H=H, coeffs=" ".join(map(str, c)), u=u, k=k, N=N,
                             ratio=r.ratio_to_phi0, ratio_stderr=r.ratio_stderr,
                             shifted_share=r.shifted_value / r.value if r.value > 0 else 0.0, K_55=K,
                             seconds=round(time.perf_counter() - t0, 2)))
    DOCS.mkdir(exist_ok=True)
    with open(DOCS / "modulation_convergence.csv", "w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)
    print("| case | H | kappa | u | k | " + " | ".join(f"N = {N}" for N in NS) + " | §5.5 |")
    print("|---|---|---|---|---|" + "---|" * (len(NS) + 1))
    for label, H, c, u, k in CASES:
        sel = [r for r in rows if r["case"] == label]
        cells = " | ".join(f"{r['ratio']:.4f}({round(r['ratio_stderr'] * 1e4):d})" for r in sel)
        print(f"| {label} | {H} | {c} | {u} | {k} | {cells} | {sel[0]['K_55']:.4f} |")
    print("\nFits K(N) = K_inf + a/N (+ b/N^2), weighted by the standard errors:\n")
    print("| case | §5.5 K | fit 1/N+1/N², N=25–200 | fit 1/N+1/N², N=100–800 | fit 1/N, N=200–800 |")
    print("|---|---|---|---|---|")
    for label, *_ in CASES:
        sel = [r for r in rows if r["case"] == label]
        N = np.array([r["N"] for r in sel])
        y = np.array([r["ratio"] for r in sel])
        s = np.array([r["ratio_stderr"] for r in sel])
        out = []
        for lo, hi, deg in ((25, 200, 2), (100, 800, 2), (200, 800, 1)):
            m = (N >= lo) & (N <= hi)
            coef, se = _fit(N[m], y[m], s[m], deg)
            out.append(f"{coef[0]:.4f} ± {se[0]:.4f}")
        print(f"| {label} | {sel[0]['K_55']:.4f} | " + " | ".join(out) + " |")
    if png:
        _plot(rows)


def plot_from_csv() -> None:
    """Redraw the PNG from docs/modulation_convergence.csv without recomputing."""
    with open(DOCS / "modulation_convergence.csv") as fh:
        rows = [dict(r, N=int(r["N"]), ratio=float(r["ratio"]), ratio_stderr=float(r["ratio_stderr"]),
                     K_55=float(r["K_55"])) for r in csv.DictReader(fh)]
    _plot(rows)


def _plot(rows) -> None:
    try:
        import kaleido  # noqa: F401
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:  # pragma: no cover
        print("plotly/kaleido not available: no PNG")
        return
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], subplot_titles=(
        "cases A–F: ratio / K_k(u)", "case G (pole minima below Nu at small N): ratio / K_0(u)"))
    for label, H, c, u, k in CASES:
        sel = [r for r in rows if r["case"] == label]
        K = sel[0]["K_55"]
        col = 2 if label == "G" else 1
        fig.add_trace(go.Scatter(
            x=[1.0 / r["N"] for r in sel], y=[r["ratio"] / K for r in sel], mode="markers+lines",
            name=f"{label}: H={H}, κ={c}, u={u}, k={k}",
            error_y=dict(type="data", array=[r["ratio_stderr"] / K for r in sel]),
        ), row=1, col=col)
    for col in (1, 2):
        fig.add_hline(y=1.0, line_dash="dash", row=1, col=col)
        fig.update_xaxes(title_text="1/N", row=1, col=col)
    fig.update_yaxes(title_text="(§5.4 ratio to φ ≡ 0 minima) / (§5.5 K)", row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(width=1300, height=560, template="plotly_white",
                      legend=dict(orientation="h", y=-0.2),
                      title="Finite-N Kac–Rice (theory §5.4) against the large-N modulation (theory §5.5); "
                            "dashed: §5.5")
    fig.write_image(str(DOCS / "modulation_convergence.png"))
    print(f"wrote {DOCS / 'modulation_convergence.png'}")


def section_pole(samples: int) -> None:
    H, c, u = 4, [0.2, -1.0, 0.5], -1.9
    e0 = float(ground_state_energies(H, 0)[0])
    print(f"\n## Minima near the poles: H = {H}, kappa = {tuple(c)}, u = {u} (< -E_0 = {-e0:.4f})\n")
    print("| N | minima below Nu (§5.4) | phi = 0 count | ratio | phi(-sqrt N)/N |")
    print("|---|---|---|---|---|")
    for N in NS:
        r = expected_critical_points_phi(N, H, c, u, 0, samples=samples, seed=N)
        s = -math.sqrt(N)
        print(f"| {N} | {r.value:.4f} ± {r.stderr:.4f} | {r.phi0_value:.4g} | {r.ratio_to_phi0:.4g} "
              f"| {(c[0] * s + c[1] * s * s + c[2] * s**3) / N:.1f} |")


def section_divergence(samples: int) -> None:
    H, c, u = 3, [0.5, -0.9], -1.7
    a = math.sqrt(2 * H * (H - 1))
    m = np.linspace(0.0, 0.999, 200001)
    k1, k2 = c
    y = (H * (u - k2 * m * m) + 2 * k2 * m * m) / a
    sig = (0.5 * math.log(2 * (H - 1)) + 0.5 + 0.5 * np.log(1 - m * m) - 2 * k2**2 * m * m * (1 - m * m) / H
           - (u - k2 * m * m) ** 2 / 2 + _log_potential(y))
    ok = y < -math.sqrt(2)
    i = int(np.argmax(np.where(ok, sig, -np.inf)))
    rate = float(sig[i] - sig[0])
    print(f"\n## Divergent regime: H = {H}, kappa = {tuple(c)}, u = {u}\n")
    print(f"s^2 coefficient of A(s): {float(modulation_s2_coefficient(u, H, c)):.4f} (>= 1/2: diverges). "
          f"§5.6: Sigma(u, 0) = {sig[0]:.6f} vs Theta_0(u) = {float(theta(u, H, 0)):.6f}; "
          f"sup over minima at m = {m[i]:.3f}: growth rate {rate:.4f} per unit N.\n")
    print("| N | ratio to phi = 0 | local growth d log(ratio)/dN |")
    print("|---|---|---|")
    prev = None
    for N in (25, 50, 100, 200, 400):
        r = expected_critical_points_phi(N, H, c, u, 0, samples=samples, seed=N)
        g = "" if prev is None else f"{(math.log(r.ratio_to_phi0) - math.log(prev[1])) / (N - prev[0]):.4f}"
        print(f"| {N} | {r.ratio_to_phi0:.4g} ± {r.ratio_stderr:.2g} | {g} |")
        prev = (N, r.ratio_to_phi0)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--only", nargs="*", default=["zero", "direct", "convergence", "pole", "divergence"])
    ap.add_argument("--png", action="store_true", help="write docs/modulation_convergence.png (kaleido)")
    ap.add_argument("--replot", action="store_true", help="only redraw the PNG from the CSV")
    args = ap.parse_args(argv)
    if args.replot:
        plot_from_csv()
        return
    print(f"E_inf(3) = {e_inf(3):.6f}, E_0(3) = {ground_state_energies(3, 0)[0]:.6f}; "
          f"E_inf(4) = {e_inf(4):.6f}, E_0(4) = {ground_state_energies(4, 0)[0]:.6f}")
    t0 = time.perf_counter()
    for name in args.only:
        if name == "zero":
            section_zero(args.samples)
        elif name == "direct":
            section_direct(args.samples)
        elif name == "convergence":
            section_convergence(args.samples, args.png)
        elif name == "pole":
            section_pole(args.samples)
        elif name == "divergence":
            section_divergence(args.samples)
        else:
            ap.error(f"unknown section {name!r}")
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
