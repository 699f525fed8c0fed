"""Hard cases of theory §5.4–§5.5 at strong activation terms (nothing asserted here;
tests/compute/test_kac_rice_invariants.py asserts them).

Prints each value ± stderr with its effective sample size and reliability flag, or the error raised.

    .venv/bin/python bench/kac_rice_audit_cases.py
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compute.complexity import e_inf  # noqa: E402
from compute.finite_n import expected_critical_points  # noqa: E402
from compute.kac_rice import expected_critical_points_phi as count  # noqa: E402
from compute.kac_rice import modulation_factor  # noqa: E402
from compute.network import describe_activation  # noqa: E402


def show(label: str, fn) -> None:
    t0 = time.perf_counter()
    try:
        r = fn()
        if hasattr(r, "value"):
            text = f"{r.value:.4g} ± {r.stderr:.2g}"
            if hasattr(r, "ess"):
                text += f"  ESS {r.ess:.0f}"
            if not getattr(r, "reliable", True):
                text += f"  FLAGGED: {r.warning[:70]}"
        else:
            text = repr(r)
    except Exception as exc:  # report, do not stop
        text = f"{type(exc).__name__}: {str(exc)[:110]}"
    print(f"{label:52s} {text}  [{time.perf_counter() - t0:.1f} s]", flush=True)


def main() -> None:
    sig4 = describe_activation("sigmoid", None, 4, 0.0, 1.0, 4).kappa
    sig3 = describe_activation("sigmoid", None, 4, 0.0, 1.0, 3).kappa
    soft4 = describe_activation("softplus", None, 4, 0.0, 1.0, 4).kappa
    ei = e_inf(4)
    show("sigmoid H=4 N=3 all, u=inf", lambda: count(3, 4, sig4, math.inf, None))
    show("sigmoid H=4 N=25 all, u=inf", lambda: count(25, 4, sig4, math.inf, None))
    show("sigmoid H=4 N=3 k=0, u=-1.8", lambda: count(3, 4, sig4, -1.8, 0))
    show("sigmoid H=4 N=3 k=0, u=inf", lambda: count(3, 4, sig4, math.inf, 0))
    show("sigmoid H=3 N=3 k=2, u=inf", lambda: count(3, 3, sig3, math.inf, 2))
    show("sigmoid H=3 N=25 k=24, u=inf", lambda: count(25, 3, sig3, math.inf, 24))
    for N in (25, 50):
        for name, kap in (("softplus", soft4), ("(-0.3,0.4,0.6)", (-0.3, 0.4, 0.6))):
            show(f"{name} H=4 N={N} k=0, u=-E_inf-1e-6", lambda N=N, kap=kap: count(N, 4, kap, -ei - 1e-6, 0))
            show(f"{name} H=4 N={N} k=0, u=-E_inf+1e-6", lambda N=N, kap=kap: count(N, 4, kap, -ei + 1e-6, 0))
    show("modulation_factor(-1.78, 4, [0, 0, 0.05])", lambda: modulation_factor(-1.78, 4, [0, 0, 0.05]))
    show("modulation_factor(-1e6, 3, [0.1, 0.2])", lambda: modulation_factor(-1e6, 3, [0.1, 0.2]))
    show("count(5, 3, [0.1], -1e4, 0)", lambda: count(5, 3, [0.1], -1e4, 0))
    show("finite_n (7, 3, -1.4, k=2), seed 0", lambda: expected_critical_points(7, 3, -1.4, 2))
    zero = sum(expected_critical_points(7, 3, -1.4, 2, seed=s).value == 0.0 for s in range(16))
    print(f"{'finite_n (7, 3, -1.4, k=2): seeds of 16 with value 0':52s} {zero}")
    show("describe_activation(tanh, L=4, mu=10, sigma=0.01, H=5)",
         lambda: describe_activation("tanh", None, 4, 10.0, 0.01, 5).kappa)
    show("count(1000, 4, [0.1, 0.2, 0.3], inf, None)", lambda: count(1000, 4, [0.1, 0.2, 0.3], math.inf, None))


if __name__ == "__main__":
    main()
