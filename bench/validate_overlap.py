"""Validation of the overlap profile (theory §5.6) against Monte Carlo of theory §5.4 and direct counting.

For each case the expected number of minima below Nu is estimated per overlap bin by
bench/overlap_sampler.py (independent of compute/overlap.py) at N = 25, 50, 100, 200, and compared
with the profile:

* per bin: (1/N) log(count in bin / bin width) against the profile's bin rate
  (1/N) log((1/width) ∫_bin exp(N Σ_N^≤(u, m)) dm), reported as N × difference for the bins within
  3/N of the best one (the prefactor corrections are O(log N / N));
* total: (1/N) log(total count) against sup_m Σ_N^≤ (leading_complexity(minima=True).value).

Direct counting (compute/landscape.py) of the minima of sampled landscapes at N = 3..6 for a
shifted case is compared with the sampler at the same N (the profile is a large-N statement).

    .venv/bin/python bench/validate_overlap.py [--quick]
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from overlap_sampler import sample_binned  # noqa: E402

from compute.overlap import leading_complexity, overlap_profile  # noqa: E402

CASES = [
    ("spin-glass", 3, (0.6, 0.0), -1.7),
    ("shifted", 3, (0.5, -0.9), -1.7),
    ("deterministic", 3, (0.0, -3.0), -3.0),
]
EDGES = np.concatenate([[-0.9995], np.linspace(-0.975, 0.975, 40), [0.9995]])


def bin_rates(N, H, kappa, u, edges, minima=True):
    """Profile-predicted (1/N) log((1/width) ∫_bin e^{N Σ} dm) per bin (fine Gauss–Legendre in τ)."""
    gx, gw = np.polynomial.legendre.leggauss(64)
    te = np.arctanh(edges)
    out = np.empty(edges.size - 1)
    for k in range(edges.size - 1):
        t = 0.5 * (te[k] + te[k + 1]) + 0.5 * (te[k + 1] - te[k]) * gx
        w = 0.5 * (te[k + 1] - te[k]) * gw
        m = np.tanh(t)
        q = 1.0 / np.cosh(t) ** 2
        s = overlap_profile(u, m, H, list(kappa), N, cumulative=True, minima=minima)
        mx = s.max()
        out[k] = mx + math.log(np.sum(w * q * np.exp(N * (s - mx)))) / N - math.log(edges[k + 1] - edges[k]) / N
    return out


def run_case(name, H, kappa, u, Ns, samples, seed=0):
    rows = []
    for N in Ns:
        t0 = time.perf_counter()
        bc = sample_binned(N, H, kappa, u, EDGES, samples=samples, nodes=12, seed=seed + N, minima=True)
        pred = bin_rates(N, H, kappa, u, EDGES)
        width = np.diff(EDGES)
        mc = (bc.log_count - np.log(width)) / N
        good = np.isfinite(mc) & (bc.rel_se < 0.3)
        top = good & (mc >= np.max(mc[good]) - 3.0 / N)
        lc = leading_complexity(u, H, list(kappa), N, minima=True)
        tot = bc.log_total / N
        centres = 0.5 * (EDGES[1:] + EDGES[:-1])
        ibest = int(np.argmax(np.where(good, mc, -np.inf)))
        rows.append(dict(
            N=N, tot=tot, tot_se=bc.total_rel_se / N, sup=lc.value, m_star=lc.m, regime=lc.regime,
            m_best_bin=centres[ibest], bins=int(top.sum()),
            bin_diff=float(np.max(np.abs(mc[top] - pred[top]))) * N,
            bin_diff_mean=float(np.mean(mc[top] - pred[top])) * N,
            secs=time.perf_counter() - t0,
        ))
        r = rows[-1]
        print(f"  {name:13s} N={N:4d}  MC total rate {r['tot']:+.5f} ± {r['tot_se']:.5f}  sup Σ {r['sup']:+.5f}  "
              f"N·diff {N * (r['tot'] - r['sup']):+.3f}  m* {r['m_star']:+.3f}  best bin {r['m_best_bin']:+.3f}  "
              f"({r['regime']})  top bins {r['bins']:2d}: N·(MC − profile) mean {r['bin_diff_mean']:+.3f} "
              f"max|.| {r['bin_diff']:.3f}  [{r['secs']:.1f} s]", flush=True)
    return rows


def direct_counting(H=3, kappa=(0.5, -0.9), u=-1.7, seeds=None):
    """Mean number of minima below Nu over sampled landscapes against the sampler at the same N."""
    from compute.landscape import critical_points

    seeds = seeds or {3: 400, 4: 120, 5: 40, 6: 24}
    edges = np.array([-0.9999, 0.9999])
    for N, n_seeds in seeds.items():
        t0 = time.perf_counter()
        counts = []
        for seed in range(n_seeds):
            cp = critical_points(N, H, seed, list(kappa))
            counts.append(int(np.sum((cp.index == 0) & (cp.u <= u))))
        counts = np.array(counts, dtype=float)
        mean, se = counts.mean(), counts.std(ddof=1) / math.sqrt(counts.size)
        bc = sample_binned(N, H, kappa, u, np.linspace(-0.9999, 0.9999, 41) if N > 3 else edges,
                           samples=20000, nodes=8, seed=N, minima=True)
        est = math.exp(bc.log_total)
        print(f"  direct N={N}: {mean:.4f} ± {se:.4f} minima below Nu over {n_seeds} landscapes;  "
              f"§5.4 Monte Carlo {est:.4f} ± {est * bc.total_rel_se:.4f};  "
              f"z = {(mean - est) / math.hypot(se, est * bc.total_rel_se):+.2f}  [{time.perf_counter() - t0:.0f} s]",
              flush=True)


def main() -> None:
    quick = "--quick" in sys.argv
    if "--direct-only" in sys.argv:
        direct_counting()
        return
    Ns = (25, 50) if quick else (25, 50, 100, 200, 400)
    samples = 500 if quick else 2000
    print(f"Overlap profile against §5.4 Monte Carlo (minima below Nu), {samples} samples per N")
    for name, H, kappa, u in CASES:
        print(f"H = {H}, kappa = {kappa}, u = {u}")
        run_case(name, H, kappa, u, Ns, samples)
    if "--direct" in sys.argv:
        print("Direct counting, H = 3, kappa = (0.5, -0.9), u = -1.7 (minima below Nu)")
        direct_counting(seeds={3: 100, 4: 20} if quick else None)


if __name__ == "__main__":
    main()
