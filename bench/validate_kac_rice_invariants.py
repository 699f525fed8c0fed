"""Sweep of the Morse-theory invariants of theory §5.4 over activations and κ (nothing asserted here;
tests/compute/test_kac_rice_invariants.py asserts a subset).

At u_max = inf every smooth function on S^{N-1} has at least one minimum and one maximum, and the
Morse relation Σ_k (−1)^k E Crt_k = 1 + (−1)^{N−1} (the Euler characteristic) holds; counts do not
decrease with u_max and do not jump at −E_∞.  For each case this prints the worst violation in
units of the combined standard error, and whether any estimate was flagged.

    .venv/bin/python bench/validate_kac_rice_invariants.py [--quick]
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compute.complexity import e_inf  # noqa: E402
from compute.kac_rice import expected_critical_points_phi  # noqa: E402
from compute.network import describe_activation  # noqa: E402


def cases(quick: bool):
    acts = ["sigmoid", "softplus", "gelu", "silu", "elu", "tanh"]
    settings = [(0.0, 1.0), (2.0, 0.5), (-3.0, 2.0), (0.5, 4.0)] if not quick else [(0.0, 1.0), (-3.0, 2.0)]
    depths = range(3, 9) if not quick else (3, 4, 6, 8)
    out = []
    for name in acts:
        for mu, sigma in settings:
            for H in depths:
                try:
                    m = describe_activation(name, None, 4, mu, sigma, H)
                except ValueError:
                    continue
                if any(k != 0.0 for k in m.kappa):
                    out.append((f"{name} L=4 mu={mu:g} sigma={sigma:g}", H, m.kappa))
    out += [("hand", 3, (0.5, -1.2)), ("hand", 4, (-0.3, 0.4, 0.6)), ("hand", 4, (0.2, -1.0, 0.5)),
            ("hand", 5, (0.1, 0.2, 0.3, -0.1)), ("hand", 3, (0.0, 2.5)), ("hand", 3, (40.0, -30.0))]
    return out


def check(N, H, kappa, samples, seed):
    """Return (worst z of each invariant, flagged count, calls)."""
    z = {}
    flagged = 0
    res = [expected_critical_points_phi(N, H, kappa, math.inf, k, samples=samples, seed=seed + k) for k in range(N)]
    tot = expected_critical_points_phi(N, H, kappa, math.inf, None, samples=samples, seed=seed + 99)
    flagged += sum(not r.reliable for r in res) + (not tot.reliable)
    euler = 1 + (-1) ** (N - 1)
    alt = sum((-1) ** k * r.value for k, r in enumerate(res))
    se = math.sqrt(sum(r.stderr ** 2 for r in res))
    z["morse"] = (alt - euler) / se if se > 0 else (0.0 if alt == euler else math.inf)
    z["min>=1"] = min(0.0, (res[0].value - 1.0) / max(res[0].stderr, 1e-300))
    z["max>=1"] = min(0.0, (res[-1].value - 1.0) / max(res[-1].stderr, 1e-300))
    z["total>=2"] = min(0.0, (tot.value - 2.0) / max(tot.stderr, 1e-300))
    s_sum = sum(r.value for r in res)
    z["sum=total"] = (s_sum - tot.value) / math.hypot(se, tot.stderr)
    # monotone in u_max and continuous at -E_inf (index 0 and all indices)
    ei = e_inf(H)
    grid = [-3.0, -2.2, -ei * (1 + 1e-9), -ei * (1 - 1e-9), -1.0, 0.0, 1.0, math.inf]
    worst_mono, worst_jump = 0.0, 0.0
    for k in (0, None):
        vals = [expected_critical_points_phi(N, H, kappa, u, k, samples=samples, seed=seed + 7) for u in grid]
        flagged += sum(not v.reliable for v in vals if v.value > 0)
        for a, b in zip(vals, vals[1:]):
            s = math.hypot(a.stderr if a.reliable else 0.0, b.stderr if b.reliable else 0.0)
            if b.value < a.value:
                worst_mono = min(worst_mono, (b.value - a.value) / s if s > 0 else -math.inf)
        a, b = vals[2], vals[3]
        s = math.hypot(a.stderr, b.stderr)
        worst_jump = max(worst_jump, abs(b.value - a.value) / s if s > 0 else (0.0 if a.value == b.value else math.inf))
    z["monotone"] = worst_mono
    z["jump@-Einf"] = worst_jump
    return z, flagged


def main() -> None:
    quick = "--quick" in sys.argv
    Ns = (3, 4, 6) if quick else (3, 4, 5, 6, 8, 12)
    samples = 2000
    rows = cases(quick)
    print(f"{len(rows)} (activation, H) cases x N in {Ns}; {samples} samples per estimate")
    worst = {}
    n_checks = 0
    n_flag = 0
    t0 = time.time()
    for label, H, kappa in rows:
        for N in Ns:
            z, fl = check(N, H, kappa, samples, seed=N * 1000 + H)
            n_checks += 1
            n_flag += fl
            bad = {k: v for k, v in z.items() if abs(v) > 4}
            for k, v in z.items():
                if abs(v) > abs(worst.get(k, (0, None))[0]):
                    worst[k] = (v, (label, H, N))
            if bad or fl:
                kap = ", ".join(f"{x:.3g}" for x in kappa)
                print(f"  {label:32s} H={H} N={N:3d} kappa=({kap}) flagged={fl} {bad}")
    print(f"{n_checks} (case, N) checks in {time.time() - t0:.0f} s; flagged estimates: {n_flag}")
    for k, (v, where) in worst.items():
        print(f"  worst {k:10s} z = {v:+.2f} at {where}")


if __name__ == "__main__":
    main()
