"""Sweep and brute-force check of the ground state E_0^φ of compute.overlap (theory §5.6).

``scan`` evaluates :func:`compute.overlap.ground_state` on a fixed set of cases and writes the
results as JSON: every activation preset and the default custom knot table (μ = 0 and 1) at
depths 2..12, strengths γ on a grid and N in {10, 30, 100, 1000, 1e4, 1e6}; random coefficient
vectors (scaled coefficients c_d = κ_d N^{d/2-1} of mixed signs) at depths 2..8; and a (c_1, c_2)
grid at H = 3.
``--ref REV`` takes compute/overlap.py from a git revision instead of the working tree, so that
the same cases can be run before and after a change.

``compare`` lists the cases whose energy is NaN in each file and the largest difference of the
energies (and overlaps) on the cases finite in both.

``brute`` checks energies against the definition, evaluated with the formula alone
(``overlap_profile(u, m, minima=True)``; no root search, grid or zoom of ground_state): for each
overlap node the lowest level U(m) at which the minima rate is >= 0, by bisection in u, and
E_ref = −min U over dense nodes (:func:`_dense_m`), refined around the local maxima of the peak
rate and around the best node (:func:`_reference`); the maximiser's m is compared too.  Isolated
points (the pole rule: local maxima of the peak rate within POLE_TOL of 0, at their peak level)
are searched for too (:func:`_isolated_reference`); pole
minima in layers 1 − |m| < 1e-7 (which can be narrower than any overlap grid, and in double
precision cannot be resolved at all beyond 1 − |m| ~ 1e-16) against −f_N(±1), with no deeper
window inside.

    .venv/bin/python bench/validate_ground_state.py scan --ref main --out /tmp/gs_before.json
    .venv/bin/python bench/validate_ground_state.py scan --out /tmp/gs_after.json
    .venv/bin/python bench/validate_ground_state.py compare /tmp/gs_before.json /tmp/gs_after.json
    .venv/bin/python bench/validate_ground_state.py brute /tmp/gs_after.json \
        --nan-in /tmp/gs_before.json --changed-from /tmp/gs_before.json --sample 300
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.data import minima as dm  # noqa: E402
from components.state import activation_names, activation_of, default_state  # noqa: E402

NS = (10, 30, 100, 1000, 10**4, 10**6)
GAMMAS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


def load_overlap(ref: str | None):
    """compute.overlap from the working tree, or from git revision ``ref``."""
    if ref is None:
        import compute.overlap as ov

        return ov
    src = subprocess.run(["git", "show", f"{ref}:compute/overlap.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("overlap_at_ref", loader=None)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["overlap_at_ref"] = mod
    exec(compile(src, f"{ref}:compute/overlap.py", "exec"), mod.__dict__)
    return mod


def cases() -> list[dict]:
    out = []
    for act in activation_names():
        for mu in (0.0, 1.0):
            for H in range(2, 13):
                for g in GAMMAS:
                    st = {**default_state(), "activation": act, "gamma": g, "mu": mu}
                    kappa = list(dm.model(activation_of(st), H)["kappa"])
                    for N in NS:
                        out.append({"kind": "activation", "name": f"{act} mu={mu:g} gamma={g:g}",
                                    "H": H, "N": N, "kappa": kappa})
    rng = np.random.default_rng(0)
    for i in range(2000):
        H = int(rng.integers(2, 9))
        N = int(rng.choice(NS))
        c = np.zeros(H - 1)
        c[0] = rng.uniform(-15, 15)
        if H >= 3:
            c[1] = rng.uniform(-15, 15)
        for d in range(3, H):
            if rng.random() < 0.5:
                c[d - 1] = rng.uniform(-3, 3)
        d = np.arange(1, H)
        kappa = (c / np.exp((0.5 * d - 1.0) * math.log(N))).tolist()
        out.append({"kind": "random", "name": f"random #{i}", "H": H, "N": N, "kappa": kappa})
    for c1 in np.linspace(-15, 15, 31):
        for c2 in np.linspace(-15, 15, 31):
            out.append({"kind": "c1c2", "name": f"c1={c1:g} c2={c2:g}", "H": 3, "N": 100,
                        "kappa": [float(c1) * 10.0, float(c2)]})
    return out


def scan(args) -> None:
    ov = load_overlap(args.ref)
    rows = []
    t0 = time.perf_counter()
    for case in cases():
        row = dict(case)
        try:
            g = ov.ground_state(case["H"], case["kappa"], case["N"])
        except ValueError as exc:  # coefficients too large at this N (the view says so)
            row["error"] = str(exc)
        else:
            row.update(energy=g.energy, m=g.m, regime=g.regime, energies=list(g.energies),
                       overlaps=list(g.overlaps))
        rows.append(row)
    dt = time.perf_counter() - t0
    Path(args.out).write_text(json.dumps(rows, allow_nan=True))
    n_ok = sum("error" not in r for r in rows)
    n_nan = sum("error" not in r and not math.isfinite(r["energy"]) for r in rows)
    print(f"{len(rows)} cases ({n_ok} in range) in {dt:.1f} s; energy NaN in {n_nan}")


def _label(r) -> str:
    return f"{r['name']:<34} H={r['H']:<2} N={r['N']:<8}"


def compare(args) -> None:
    a = json.loads(Path(args.a).read_text())
    b = json.loads(Path(args.b).read_text())
    assert [(r["name"], r["H"], r["N"]) for r in a] == [(r["name"], r["H"], r["N"]) for r in b]
    for tag, rows in (("A", a), ("B", b)):
        bad = [r for r in rows if "error" not in r and not math.isfinite(r["energy"])]
        print(f"{tag}: energy NaN in {len(bad)} cases")
        for r in bad:
            print(f"   {_label(r)} kappa={np.round(r['kappa'], 4).tolist()}")
    for k in range(4):
        dE, dm_, n, changed, lost, gained = 0.0, 0.0, 0, [], 0, 0
        for ra, rb in zip(a, b, strict=True):
            if "error" in ra:
                continue
            ea, eb = ra["energies"][k], rb["energies"][k]
            if math.isfinite(ea) and math.isfinite(eb):
                n += 1
                d = abs(ea - eb) / max(1.0, abs(ea))
                if d > dE:
                    dE = d
                dm_ = max(dm_, abs(ra["overlaps"][k] - rb["overlaps"][k]))
                if d > 1e-12:
                    changed.append((d, ra, rb))
            elif math.isfinite(ea):
                lost += 1
            elif math.isfinite(eb):
                gained += 1
        print(f"E_{k}: finite in both {n}: max |ΔE|/max(1,|E|) = {dE:.3g}, max |Δm| = {dm_:.3g}; "
              f"finite only in A {lost}, only in B {gained}; changed by > 1e-12: {len(changed)}")
        for d, ra, rb in sorted(changed, key=lambda t: -t[0])[:10]:
            print(f"   {_label(ra)} {ra['energies'][k]!r} -> {rb['energies'][k]!r} (rel {d:.3g}); "
                  f"m {ra['overlaps'][k]:.6f} -> {rb['overlaps'][k]:.6f}")


def _dense_m(c: np.ndarray) -> np.ndarray:
    """Overlap nodes for the reference: uniform in τ = artanh m (spacing 2e-4 on |τ| <= 4, 0.01 out
    to |m| < 1 - 1e-16), and around each real root m0 of f_N' in (-1, 1) nested uniform grids of
    half-widths 10^-1 .. 10^-13 (1001 nodes each), which resolve a steep φ's well of any width."""
    P = np.polynomial.polynomial
    t = np.concatenate([np.linspace(-4.0, 4.0, 40_001), np.arange(4.0, 18.5, 0.01)])
    t = np.concatenate([t, -t])
    parts = [np.tanh(t)]
    d1 = P.polyder(c)
    nz = np.flatnonzero(d1)
    if nz.size and nz[-1] >= 1:
        r = np.roots(d1[: nz[-1] + 1][::-1])
        for m0 in r.real[(np.abs(r.imag) < 1e-6) & (np.abs(r.real) < 1.0)]:
            for e in range(1, 14):
                parts.append(m0 + 10.0 ** -e * np.linspace(-1.0, 1.0, 1001))
    m = np.unique(np.concatenate(parts))
    return m[np.abs(m) < 1.0]


def _lowest(ov, m: np.ndarray, H, kappa, N, span: float, thr: float) -> np.ndarray:
    """U(m): the lowest level at which the minima rate at overlap m (overlap_profile, cumulative in
    u) is >= thr, by bisection in u on [-span, span] per node (inf where it never is)."""
    def rate(u):
        return ov.overlap_profile(u, m, H, kappa, N, minima=True)

    lo, hi = np.full(m.size, -span), np.full(m.size, span)
    ok = rate(hi) >= thr
    for _ in range(110):
        mid = 0.5 * (lo + hi)
        up = rate(mid) >= thr
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    return np.where(ok, hi, np.inf)


def _refine(m: np.ndarray, i: np.ndarray, n: int = 2001) -> np.ndarray:
    """n-point grids over m[i] ± the larger gap to its neighbours (refined grids overlap, so one
    neighbour can be almost the node itself)."""
    h = np.maximum(m[i] - m[np.maximum(i - 1, 0)], m[np.minimum(i + 1, m.size - 1)] - m[i])
    grids = [np.linspace(a - d, a + d, n) for a, d in zip(m[i], h, strict=True)]
    return np.concatenate([np.empty(0)] + grids)


def _reference(ov, H, kappa, N, thr: float) -> tuple[float, float]:
    """(E_ref, m_ref): −min over m of U(m) (:func:`_lowest`), on the nodes of :func:`_dense_m`,
    grids refined twice around the 8 highest local maxima above -0.01 of the peak rate (u = span),
    where a narrow window may sit, and three times around the best node."""
    c = ov.scaled_coefficients(H, kappa, N)
    span = float(np.sum(np.abs(c)) * (c.size + 1)) + 50.0
    m = _dense_m(c)
    for _ in range(2):
        peak = ov.overlap_profile(span, m, H, kappa, N, minima=True)
        top = (peak >= np.roll(peak, 1)) & (peak >= np.roll(peak, -1))
        top = np.flatnonzero(top & (peak > -0.01))
        loc = top[np.argsort(peak[top])[::-1][:8]]
        m = np.unique(np.concatenate([m, _refine(m, loc)]))
        m = m[np.abs(m) < 1.0]
    def lowest(mm):  # U on the nodes where the peak rate reaches thr, inf elsewhere
        U = np.full(mm.size, np.inf)
        sel = ov.overlap_profile(span, mm, H, kappa, N, minima=True) >= thr
        U[sel] = _lowest(ov, mm[sel], H, kappa, N, span, thr)
        return U

    U = lowest(m)
    if not np.any(np.isfinite(U)):
        return math.nan, math.nan
    for _ in range(3):  # the minimum is often at a window's edge, next to nodes where U = inf
        i = int(np.argmin(U))
        mm = _refine(m, np.array([i]))
        mm = mm[np.abs(mm) < 1.0]
        m, U = np.concatenate([m, mm]), np.concatenate([U, lowest(mm)])
        order = np.argsort(m, kind="stable")
        m, U = m[order], U[order]
    i = int(np.argmin(U))
    return -float(U[i]), float(m[i])


def _isolated_reference(ov, H, kappa, N) -> tuple[float, float]:
    """(E_ref, m_ref) of the pole rule: local maxima over m of the peak rate (u = span) within
    POLE_TOL of 0 count as isolated points at the level where their rate peaks.  Local maxima in
    (-0.05, 0) on the nodes of :func:`_dense_m` (the 32 highest, and the 8 highest at |m| > 0.9,
    where pole layers can be narrower than the nodes), each refined by four 2001-point grids; the
    level by bisection (the lowest u whose rate is within 1e-12 of the peak)."""
    c = ov.scaled_coefficients(H, kappa, N)
    span = float(np.sum(np.abs(c)) * (c.size + 1)) + 50.0
    m = _dense_m(c)
    peak = ov.overlap_profile(span, m, H, kappa, N, minima=True)
    top = np.flatnonzero((peak >= np.roll(peak, 1)) & (peak >= np.roll(peak, -1))
                         & (peak > -0.05) & (peak < 0.0))
    pole = top[np.abs(m[top]) > 0.9]
    loc = np.unique(np.concatenate([top[np.argsort(peak[top])[::-1][:32]],
                                    pole[np.argsort(peak[pole])[::-1][:8]]]))
    best_u, best_m = math.inf, math.nan
    for i in loc:
        lo, hi = m[max(i - 1, 0)], m[min(i + 1, m.size - 1)]
        for _ in range(4):
            mm = np.linspace(lo, hi, 2001)
            mm = mm[np.abs(mm) < 1.0]
            v = ov.overlap_profile(span, mm, H, kappa, N, minima=True)
            j = int(np.argmax(v))
            lo, hi = mm[max(j - 1, 0)], mm[min(j + 1, mm.size - 1)]
        if not v[j] >= -ov.POLE_TOL:
            continue
        u = _lowest(ov, mm[j: j + 1], H, kappa, N, span, v[j] - 1e-12 * (1.0 + abs(v[j])))[0]
        if u < best_u:
            best_u, best_m = float(u), float(mm[j])
    return -best_u, best_m


def check_case(ov, r: dict, tol: float):
    """One case: (ok, relative error, kind, E, E_ref, m, m_ref); kind "0" (the lowest level with a
    rate >= 0, :func:`_reference`), "tol" (an isolated point of the pole rule lies lower,
    :func:`_isolated_reference`) or "pole" (a pole layer, 1 - |m| < 1e-7, against -f_N(±1): the
    layer's level differs from it by < 1e-6 relative there, and the layer can be narrower than any
    overlap grid)."""
    H, kappa, N = r["H"], r["kappa"], r["N"]
    g = ov.ground_state(H, kappa, N, kmax=0)
    E, scale = g.energy, max(1.0, abs(g.energy))
    if not math.isfinite(E):
        return False, math.inf, "0", E, math.nan, g.m, math.nan
    c = ov.scaled_coefficients(H, kappa, N)
    if abs(g.m) > 1.0 - 1e-7:
        fpole = float(np.polynomial.polynomial.polyval(math.copysign(1.0, g.m), c))
        err, how, eref, mref = abs(E + fpole) / max(1.0, abs(fpole)), "pole", -fpole, g.m
        e0, _ = _reference(ov, H, kappa, N, 0.0)  # and no deeper window inside
        if math.isfinite(e0) and e0 > E + tol * scale:
            err = (e0 - E) / scale
    else:  # rate >= 0, or (an isolated point, the pole rule) >= -POLE_TOL
        eref, mref = _reference(ov, H, kappa, N, 0.0)
        err, how = abs(E - eref) / scale if math.isfinite(eref) else math.inf, "0"
        e2, m2 = _isolated_reference(ov, H, kappa, N)
        if math.isfinite(e2) and not e2 <= eref:  # an isolated point below every rate >= 0
            eref, mref, err, how = e2, m2, abs(E - e2) / scale, "tol"
    return err <= tol, err, how, E, eref, g.m, mref


def brute(args) -> None:
    import compute.overlap as ov

    rows = [r for r in json.loads(Path(args.file).read_text()) if "error" not in r]
    pick = []
    if args.nan_in:
        old = json.loads(Path(args.nan_in).read_text())
        key = {(r["name"], r["H"], r["N"]) for r in old
               if "error" not in r and not math.isfinite(r["energy"])}
        pick += [r for r in rows if (r["name"], r["H"], r["N"]) in key]
    if args.changed_from:
        prev = json.loads(Path(args.changed_from).read_text())
        old = {(r["name"], r["H"], r["N"]): r["energy"] for r in prev if "error" not in r}
        for r in rows:
            e = old[(r["name"], r["H"], r["N"])]
            if math.isfinite(e) and abs(e - r["energy"]) > 1e-12 * max(1.0, abs(e)):
                pick.append(r)
    if args.sample:
        rng = np.random.default_rng(1)
        sel = rng.choice(len(rows), size=min(args.sample, len(rows)), replace=False)
        pick += [rows[i] for i in sel]
    worst = {"0": 0.0, "tol": 0.0, "pole": 0.0}
    count = {"0": 0, "tol": 0, "pole": 0}
    worst_m, fails = 0.0, []
    t0 = time.perf_counter()
    for r in pick:
        ok, err, how, E, eref, m, mref = check_case(ov, r, args.tol)
        count[how] += 1
        worst[how] = max(worst[how], err)
        if how != "pole":
            worst_m = max(worst_m, abs(m - mref))
        if not ok:
            fails.append(r)
        print(f"{'ok  ' if ok else 'FAIL'} {_label(r)} E={E:.12g} ref={eref:.12g} rel {err:.2g} "
              f"m={m:+.8f} ref m={mref:+.8f} [{how}]", flush=True)
    print(f"{len(pick)} cases in {time.perf_counter() - t0:.0f} s, max |E - E_ref|/max(1, |E|): "
          f"{count['0']} with rate >= 0: {worst['0']:.3g}; {count['tol']} isolated points (rate >= "
          f"-POLE_TOL): {worst['tol']:.3g}; {count['pole']} pole layers (E_ref = -f_N(±1)): "
          f"{worst['pole']:.3g}; max |m - m_ref| {worst_m:.3g}; failures {len(fails)} "
          f"(tolerance {args.tol:g})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("scan")
    s.add_argument("--ref", default=None,
                   help="git revision of compute/overlap.py (default: the files as they are)")
    s.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    b = sub.add_parser("brute")
    b.add_argument("file")
    b.add_argument("--nan-in", help="also every case whose energy is NaN in this scan")
    b.add_argument("--changed-from",
                   help="also every case whose finite energy differs from this scan")
    b.add_argument("--sample", type=int, default=0, help="also this many random cases")
    b.add_argument("--tol", type=float, default=1e-6,
                   help="relative tolerance on E_0 (of max(1, |E|))")
    args = p.parse_args()
    {"scan": scan, "compare": compare, "brute": brute}[args.cmd](args)


if __name__ == "__main__":
    main()
