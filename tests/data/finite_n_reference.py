"""Generate ``finite_n_reference.json``: high-precision values for theory §4.

Run from the repository root (takes a few minutes)::

    .venv/bin/python tests/data/finite_n_reference.py

Nothing from ``compute/`` is imported; everything is typed here in mpmath.

Unit-scale GOE: eigenvalue density
:math:`Z_N^{-1}\\prod_{i<j}|t_i-t_j|\\,e^{-\\sum t_i^2/2}` with Selberg's constant
:math:`Z_N = (2\\pi)^{N/2}\\prod_{j=1}^N \\Gamma(1+j/2)/\\Gamma(3/2)` (Mehta,
*Random Matrices*, eq. (17.6.7) with beta = 1).

Sections of the file

``r1_direct``
    :math:`R_1(t)` at N = 2 and N = 3 by direct integration of the joint eigenvalue
    density (N = 2: one quadrature; N = 3: the inner integral over the third
    eigenvalue in closed form, the middle one by quadrature), at negative *and*
    positive ``t``.  Independent of Mehta's Hermite-function formula.
``r1_formula``
    Mehta's closed form (Random Matrices §7.2) at 40 digits, with the
    sign-kernel integral and :math:`\\int\\varphi_{N-1}` done by ``mp.quad``.
``totals``
    :math:`\\log E\\,\\mathrm{Crt}_N(u)` of theory §4, i.e.
    :math:`\\log(2\\sqrt{2/H}(H-1)^{N/2}) + \\log\\int_{-\\infty}^{X} e^{-(H-2)t^2/(2H)}
    R_1(t)\\,dt`, :math:`X = \\sqrt N\\sqrt{H/(2(H-1))}\\,u`, by ``mp.quad`` on
    unit sub-intervals; :math:`R_1` from Mehta's formula with the cumulative
    integrals :math:`\\Phi_n` from :math:`\\Phi_0` (erfc) by the recurrence
    :math:`\\Phi_{n+1} = \\sqrt{n/(n+1)}\\Phi_{n-1} - \\sqrt{2/(n+1)}\\varphi_n`, which
    the script first checks against ``mp.quad`` to 30 digits.
``goe2_index``
    :math:`E[e^{-(H-2)t_k^2/(2H)}\\,1\\{t_k \\le X\\}]` for the smaller (k = 0) and
    larger (k = 1) eigenvalue of unit-scale GOE_2, integrating the ordered joint
    density :math:`(t_1-t_0)e^{-(t_0^2+t_1^2)/2}/(2\\sqrt\\pi)` in centre-of-mass
    coordinates (a Gaussian integral in closed form, then ``mp.quad``).

Values are stored as strings with 25 significant digits.  Each section is certified
by recomputing with 10 more digits of working precision and requiring agreement
to 1e-20 relative (absolute for the logs in ``totals``).
"""

from __future__ import annotations

import json
import pathlib

import mpmath
from mpmath import mp, mpf

OUT = pathlib.Path(__file__).with_name("finite_n_reference.json")
DIGITS = 25


def z_selberg(N):
    return (2 * mp.pi) ** (mpf(N) / 2) * mp.fprod(
        mp.gamma(1 + mpf(j) / 2) / mp.gamma(mpf(3) / 2) for j in range(1, N + 1)
    )


# ----------------------------------------------------------------- direct integration

def r1_direct_n2(t):
    t = mpf(t)
    f = lambda y: abs(t - y) * mp.exp(-(t * t + y * y) / 2)
    return 2 / z_selberg(2) * mp.quad(f, [-mp.inf, t, mp.inf])


def _inner_n3(t, y):
    """int |z-t||z-y| e^{-z^2/2} dz in closed form."""
    p, q = (t, y) if t < y else (y, t)
    e = lambda x: mp.exp(-x * x / 2)
    m0 = mp.sqrt(mp.pi / 2) * (mp.erf(q / mp.sqrt(2)) - mp.erf(p / mp.sqrt(2)))
    m1 = e(p) - e(q)
    m2 = p * e(p) - q * e(q) + m0
    whole = mp.sqrt(2 * mp.pi) * (1 + t * y)
    middle = m2 - (t + y) * m1 + t * y * m0
    return whole - 2 * middle


def r1_direct_n3(t):
    t = mpf(t)
    f = lambda y: abs(t - y) * mp.exp(-y * y / 2) * _inner_n3(t, y)
    return 3 / z_selberg(3) * mp.exp(-t * t / 2) * mp.quad(f, [-mp.inf, t - 3, t, t + 3, mp.inf])


# ----------------------------------------------------------------- Mehta's formula

def phi(n, t):
    return mp.hermite(n, t) * mp.exp(-t * t / 2) / mp.sqrt(2**n * mp.factorial(n) * mp.sqrt(mp.pi))


def r1_formula_quad(t, N):
    t = mpf(t)
    s = mp.fsum(phi(k, t) ** 2 for k in range(N))
    grid = [mpf(j) for j in range(-16, 17)]
    left = mp.quad(lambda x: phi(N, x), [-mp.inf] + [g for g in grid if g < t] + [t])
    right = mp.quad(lambda x: phi(N, x), [t] + [g for g in grid if g > t] + [mp.inf])
    s += mp.sqrt(mpf(N) / 2) * phi(N - 1, t) * (left - right) / 2
    if N % 2:
        whole = mp.quad(lambda x: phi(N - 1, x), [-mp.inf] + list(range(-14, 15)) + [mp.inf])
        s += phi(N - 1, t) / whole
    return s


def _int_phi_even(n):
    m = n // 2
    return (mp.sqrt(2 * mp.pi) * mp.pi ** mpf(-0.25) * mp.sqrt(mp.factorial(2 * m))
            / (2**m * mp.factorial(m)))


def r1_formula_rec(t, N):
    """Mehta's formula with Phi_N by the recurrence (checked against r1_formula_quad)."""
    t = mpf(t)
    ph = [phi(0, t)]
    for n in range(N):
        prev = ph[n - 1] if n else 0
        ph.append(mp.sqrt(mpf(2) / (n + 1)) * t * ph[n] - mp.sqrt(mpf(n) / (n + 1)) * prev)
    if N % 2 == 0:
        chain = mp.pi ** mpf(-0.25) * mp.sqrt(2 * mp.pi) * mp.erfc(-t / mp.sqrt(2)) / 2
        start = 1
    else:
        chain = 0
        start = 0
    for n in range(start, N, 2):
        chain = mp.sqrt(mpf(n) / (n + 1)) * chain - mp.sqrt(mpf(2) / (n + 1)) * ph[n]
    full = _int_phi_even(N) if N % 2 == 0 else 0
    s = mp.fsum(p * p for p in ph[:N])
    s += mp.sqrt(mpf(N) / 2) * ph[N - 1] * (chain - full / 2)
    if N % 2:
        s += ph[N - 1] / _int_phi_even(N - 1)
    return s


def log_total(N, H, u):
    a = mpf(H - 2) / (2 * H)
    c = mp.sqrt(mpf(H) / (2 * (H - 1)))
    X = mp.inf if u == "inf" else mp.sqrt(N) * c * mpf(u)
    edge = mp.sqrt(2 * N)
    lo = -edge - 14
    hi = X if X != mp.inf else edge + 14
    pts = [-mp.inf, lo]
    x = mp.floor(lo) + 1
    while x < hi:
        pts.append(x)
        x += 1
    pts.append(hi)
    if X == mp.inf:
        pts.append(mp.inf)
    f = lambda s: mp.exp(-a * s * s) * r1_formula_rec(s, N)
    integral = mp.quad(f, pts)
    return mp.log(2 * mp.sqrt(mpf(2) / H)) + mpf(N) / 2 * mp.log(H - 1) + mp.log(integral)


def goe2_index(H, k, u):
    """E[e^{-a t_k^2} 1{t_k <= X}] for GOE_2 in centre-of-mass coordinates.

    With s = (t0 + t1)/sqrt2 and d = (t1 - t0)/sqrt2 > 0 the ordered density is
    C sqrt2 d e^{-(s^2 + d^2)/2}, C = 1/(2 sqrt(pi)), and t_k = (s -+ d)/sqrt2.  The
    s-integral is a Gaussian integral up to s <= sqrt2 X +- d, written with erfc; the
    d-integral is done by mp.quad.
    """
    a = mpf(H - 2) / (2 * H)
    c = mp.sqrt(mpf(H) / (2 * (H - 1)))
    X = mp.inf if u == "inf" else mp.sqrt(2) * c * mpf(u)
    C = 1 / (2 * mp.sqrt(mp.pi))
    sign = -1 if k == 0 else 1  # t_k = (s + sign * d) / sqrt2

    def integrand(d):
        mu = -sign * a * d / (1 + a)
        bound = mp.sqrt(2) * X - sign * d
        tail = 2 if X == mp.inf else mp.erfc(-mp.sqrt((1 + a) / 2) * (bound - mu))
        gauss = mp.sqrt(mp.pi / (2 * (1 + a))) * tail
        return C * mp.sqrt(2) * d * mp.exp(-d * d / 2 - a * d * d / (2 * (1 + a))) * gauss

    return mp.quad(integrand, [0, 1, 2, 4, 8, mp.inf])


# ------------------------------------------------------------------------ driver

T_DIRECT = ["-7.5", "-4.2", "-2.0", "-0.9", "-0.25", "0.0", "0.25", "0.9", "2.0", "4.2", "7.5"]
T_FORMULA = ["0.0", "-0.3", "-1.7", "-3.1", "-5.0", "-9.0", "-14.0"]
N_FORMULA = [2, 3, 4, 5, 6, 11, 20]
N_TOTAL = [1, 2, 3, 5, 11, 20]
H_TOTAL = [2, 3, 12]
U_TOTAL = ["-1.8", "-1.0", "0.0", "0.4", "inf"]
GOE2 = [(H, k, u) for H in (3, 7) for k in (0, 1) for u in ("-1.5", "-0.3", "0.4", "inf")]


def certified(fn, *args, dps=40, extra=10, rtol=mpf("1e-20"), floor=0):
    with mp.workdps(dps):
        v1 = fn(*args)
    with mp.workdps(dps + extra):
        v2 = fn(*args)
    if abs(v1 - v2) > rtol * max(abs(v2), floor):
        raise RuntimeError(f"not certified: {fn.__name__}{args}: {v1} vs {v2}")
    return mpmath.nstr(v2, DIGITS, strip_zeros=False)


def main():
    out = {"description": __doc__.split("\n\n")[0], "digits": DIGITS}
    out["r1_direct"] = [
        {"N": N, "t": t, "value": certified(fn, t)}
        for N, fn in ((2, r1_direct_n2), (3, r1_direct_n3))
        for t in T_DIRECT
    ]
    print("r1_direct done", flush=True)
    rows = []
    for N in N_FORMULA:
        for t in T_FORMULA:
            v = certified(r1_formula_quad, t, N)
            with mp.workdps(40):
                rec = r1_formula_rec(t, N)
                if abs(rec - mpf(v)) > mpf("1e-22") * abs(rec):
                    raise RuntimeError(f"recurrence disagrees with quadrature at N={N}, t={t}")
            rows.append({"N": N, "t": t, "value": v})
    out["r1_formula"] = rows
    print("r1_formula done", flush=True)
    out["totals"] = [
        {"N": N, "H": H, "u": u, "log_value": certified(log_total, N, H, u, dps=30, floor=1)}
        for N in N_TOTAL
        for H in H_TOTAL
        for u in U_TOTAL
    ]
    print("totals done", flush=True)
    out["goe2_index"] = [
        {"H": H, "k": k, "u": u, "value": certified(goe2_index, H, k, u)}
        for H, k, u in GOE2
    ]
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
