"""Generate ``complexity_reference.json``: high-precision values of theory §3.

Run from the repository root::

    .venv/bin/python tests/data/make_reference.py

The formulas of theory §3 (Auffinger, Ben Arous & Černý 2013) are typed here
directly in mpmath, independently of ``compute/`` (nothing from the project is
imported), and evaluated with ``mp.dps = 40``:

.. math::

    E_\\infty(H) = 2\\sqrt{(H-1)/H},

    I_1(u) = -\\frac{u}{E_\\infty^2}\\sqrt{u^2-E_\\infty^2}
             - \\log\\bigl(-u+\\sqrt{u^2-E_\\infty^2}\\bigr) + \\log E_\\infty
             \\quad (u \\le -E_\\infty;\\ 0 \\text{ above}),

    \\Theta_H(u) = \\tfrac12\\log(H-1) - \\tfrac{H-2}{4(H-1)}u^2 - I_1(u)
                  \\ (u\\le -E_\\infty),\\quad
                  \\tfrac12\\log(H-1) - \\tfrac{H-2}{4(H-1)}u^2\\ (-E_\\infty\\le u\\le 0),\\quad
                  \\tfrac12\\log(H-1)\\ (u\\ge 0),

    \\Theta_{k,H}(u) = \\tfrac12\\log(H-1) - \\tfrac{H-2}{4(H-1)}u^2 - (k+1)I_1(u)
                      \\ (u\\le -E_\\infty),\\quad
                      \\tfrac12\\log(H-1) - \\tfrac{H-2}{H}\\ (u\\ge -E_\\infty),

and :math:`E_k` is the root in :math:`(E_\\infty, \\infty)` of
:math:`\\Theta_{k,H}(-E_k) = 0` (for H = 2 every :math:`E_k = \\sqrt 2`).

Grid points ``u`` are IEEE doubles; the file stores each one as the shortest
string that round-trips (``repr``) and every value is computed at that exact
double, so a double-precision implementation fed ``float(u)`` is compared with
the exact value of the function at the same input.  Values are stored as strings
with 30 significant digits.  Each value is certified by recomputing it with 20
more digits of working precision: the two must agree to 30 significant digits or
to ``1e-35`` absolute, whichever is larger (the absolute clause matters only for
values that are almost zero, e.g. Θ_{k,H} at the double nearest to ``-E_k``).
Each :math:`E_k` is bracketed by a sign change of Θ_{k,H}(−E) over a relative
width of ``1e-32``.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Sequence

import mpmath
from mpmath import mp, mpf

DPS = 40
GUARD_DPS = DPS + 20
DIGITS = 30
ABS_TOL_EXPONENT = 35
H_VALUES = tuple(range(2, 13))
KMAX = 10
OUTPUT = pathlib.Path(__file__).with_name("complexity_reference.json")


# ---------------------------------------------------------------------------
# theory §3 in mpmath (the caller sets the working precision)
# ---------------------------------------------------------------------------

def e_inf(H: int) -> mpf:
    """E_∞(H) = 2 √((H−1)/H) (theory §3)."""
    return 2 * mp.sqrt(mpf(H - 1) / H)


def i1(u, H: int) -> mpf:
    """I_1(u) = −(u/E_∞²)√(u²−E_∞²) − log(−u+√(u²−E_∞²)) + log E_∞ for u ≤ −E_∞, else 0 (theory §3)."""
    u = mpf(u)
    E = e_inf(H)
    if u >= -E:
        return mpf(0)
    r = mp.sqrt(u * u - E * E)
    return -(u / E**2) * r - mp.log(-u + r) + mp.log(E)


def theta(u, H: int, k: int | None = None) -> mpf:
    """Θ_H(u) (k is None) or Θ_{k,H}(u) (k ≥ 0), the piecewise formulas of theory §3."""
    u = mpf(u)
    E = e_inf(H)
    c = mp.log(H - 1) / 2
    q = mpf(H - 2) / (4 * (H - 1))
    if k is None:
        if u <= -E:
            return c - q * u * u - i1(u, H)
        if u <= 0:
            return c - q * u * u
        return c
    if u <= -E:
        return c - q * u * u - (k + 1) * i1(u, H)
    return c - mpf(H - 2) / H


def ground_state(H: int, k: int) -> mpf:
    """E_k: the root in (E_∞, ∞) of Θ_{k,H}(−E) = 0 (theory §3); √2 for H = 2.

    E ↦ Θ_{k,H}(−E) is positive at E_∞ (for H ≥ 3) and strictly decreasing to −∞,
    so the root is unique.  It is found by a bracketing solver and then certified by
    a sign change over a relative width of 10^-(DIGITS+2).
    """
    if H == 2:
        return mp.sqrt(2)
    E = e_inf(H)

    def f(x):
        return theta(-x, H, k)

    lo = E
    if not f(lo) > 0:
        raise ArithmeticError(f"Θ_{k},{H}(−E_∞) is not positive")
    step = mpf(1)
    hi = lo + step
    while f(hi) > 0:
        lo, step = hi, 2 * step
        hi = lo + step
    root = mp.findroot(f, (lo, hi), solver="illinois")
    width = root * mpf(10) ** (-(DIGITS + 2))
    if not (f(root - width) > 0 > f(root + width)):
        raise ArithmeticError(f"E_{k} for H = {H} is not bracketed to {DIGITS} digits")
    return root


# ---------------------------------------------------------------------------
# the reference table
# ---------------------------------------------------------------------------

def _fmt(x: mpf) -> str:
    return mpmath.nstr(x, DIGITS, strip_zeros=False, min_fixed=-4, max_fixed=6)


def u_grid(H: int, energies: Sequence[float] = ()) -> list[float]:
    """Sorted loss-per-weight points (doubles) for depth H.

    Deep points, points at and near −E_k, inside the band (−E_0, −E_∞), on both sides
    of −E_∞ at relative distances 1e-2 … 1e-12, inside (−E_∞, 0), at 0 and above 0.
    ``energies`` are the doubles E_0, …, E_KMAX (empty for H = 2).
    """
    E = float(e_inf(H))
    pts = [-50.0, -10.0, -5.0, -3.0, -2.0, -E, -0.5 * E, -0.1, 0.0, 0.5, 3.0]
    pts += [-E * (1 + d) for d in (1e-2, 1e-4, 1e-6, 1e-8, 1e-12)]
    pts += [-E * (1 - d) for d in (1e-12, 1e-8, 1e-4)]
    if energies:
        E0 = energies[0]
        pts += [-E0 - 0.1, -0.5 * (E0 + E), -0.5 * (energies[-1] + E)]
        last = len(energies) - 1
        pts += [-energies[k] for k in sorted({0, 1, 2, 5, last}) if k <= last]
    return sorted(set(pts))


def _certified(fn, *args) -> mpf:
    """fn(*args) at DPS, checked against GUARD_DPS (see the module docstring)."""
    with mp.workdps(GUARD_DPS):
        fine = fn(*args)
    with mp.workdps(DPS):
        value = fn(*args)
        tol = max(abs(fine) * mpf(10) ** (-DIGITS - 1), mpf(10) ** (-ABS_TOL_EXPONENT))
        if abs(value - fine) > tol:
            raise ArithmeticError(f"{fn.__name__}{args}: {DPS} digits are not enough")
    return value


def build_reference(H_values: Sequence[int] = H_VALUES, kmax: int = KMAX,
                    certify: bool = True) -> dict:
    """The reference table as a JSON-ready dict (all numbers as strings)."""
    def ev(fn, *args):
        if certify:
            return _certified(fn, *args)
        with mp.workdps(DPS):
            return fn(*args)

    table = {
        "meta": {
            "generator": "tests/data/make_reference.py",
            "theory": "§3",
            "mpmath_version": mpmath.__version__,
            "dps": DPS,
            "guard_dps": GUARD_DPS,
            "significant_digits": DIGITS,
            "absolute_accuracy": f"1e-{ABS_TOL_EXPONENT}",
            "kmax": kmax,
            "H_values": list(H_values),
            "u_note": "u values are repr() of IEEE doubles; every value is exact at that double",
        },
        "e_inf": {},
        "ground_state_energies": {},
        "grid": {},
    }
    for H in H_values:
        key = str(H)
        table["e_inf"][key] = _fmt(ev(e_inf, H))
        energies: list[float] = []
        if H >= 3:
            Ek = [ev(ground_state, H, k) for k in range(kmax + 1)]
            table["ground_state_energies"][key] = [_fmt(x) for x in Ek]
            energies = [float(x) for x in Ek]
        us = u_grid(H, energies)
        table["grid"][key] = {
            "u": [repr(u) for u in us],
            "i1": [_fmt(ev(i1, u, H)) for u in us],
            "theta_total": [_fmt(ev(theta, u, H, None)) for u in us],
            "theta_k": [[_fmt(ev(theta, u, H, k)) for u in us] for k in range(kmax + 1)],
        }
    return table


def dumps(table: dict) -> str:
    return json.dumps(table, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    text = dumps(build_reference())
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode('utf-8'))} bytes)")


if __name__ == "__main__":
    main()
