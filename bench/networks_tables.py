"""Measured tables of the trained-network experiment (compute.networks), as Markdown.

Run:  .venv/bin/python bench/networks_tables.py [--restarts 100] [--epochs 30] [--widths 10,25,50,100,250]

Prints, for digits, H = 2, SGD (lr 0.01, momentum 0.9, batch 32), seed 0:
1. per activation (ReLU, sigmoid) and width: N, mean/sd/IQR of the final training and test
   loss over restarts and the train/test Pearson correlation;
2. per activation, at the widest network: the measured share of pre-activations in each
   piece of the PL model against the model's ρ_ℓ under N(μ, σ²) (μ, σ measured), the
   measured and model ᾱ, β̄ and the κ implied by the measured values (theory §5.1–§5.3);
3. the Hessian at end points of small networks: how many of the examined end points are
   minima, the index (number of eigenvalues below −1e-4 λ_max among the 6 lowest) against
   the training loss, and the gradient norm.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from compute import networks as nw  # noqa: E402


def iqr(x) -> float:
    q = np.percentile(x, [25, 75])
    return float(q[1] - q[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--restarts", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--widths", default="10,25,50,100,250")
    ap.add_argument("--activations", default="relu,sigmoid")
    ap.add_argument("--skip-hessian", action="store_true")
    args = ap.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    widest = {}
    print(f"\n## Spreads (digits, H = 2, {args.restarts} restarts, {args.epochs} epochs, seed 0)\n")
    print("| activation | width | N | train mean | train sd | train IQR | test mean | test sd | test IQR | corr(train, test) | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for act in args.activations.split(","):
        for w in widths:
            t = time.perf_counter()
            r = nw.train_networks("digits", act, 2, w, args.restarts, args.epochs, 0)
            dt = time.perf_counter() - t
            tr, te = r.train_loss, r.test_loss
            c = float(np.corrcoef(tr, te)[0, 1])
            print(f"| {act} | {w} | {r.n_weights} | {tr.mean():.4f} | {tr.std(ddof=1):.2e} | {iqr(tr):.2e} | "
                  f"{te.mean():.4f} | {te.std(ddof=1):.2e} | {iqr(te):.2e} | {c:+.2f} | {dt:.0f} |", flush=True)
            widest[act] = r
    print("\n## Piece shares at the widest network, measured against the model (theory §5.2)\n")
    print("| activation | layer | μ | σ | breakpoints | measured shares | model ρ under N(μ, σ²) | ᾱ meas / model | β̄ meas / model | κ implied |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for act, r in widest.items():
        for p in r.pieces:
            fmt = lambda xs: "(" + ", ".join(f"{x:.3f}" for x in xs) + ")"  # noqa: E731
            kap = "—" if r.kappa is None else fmt(r.kappa)
            print(f"| {act} | {p.layer} | {p.mu:.3f} | {p.sigma:.3f} | {fmt(p.breakpoints)} | {fmt(p.measured)} | "
                  f"{fmt(p.model)} | {p.alpha_bar:.3f} / {p.alpha_bar_model:.3f} | "
                  f"{p.beta_bar:.3f} / {p.beta_bar_model:.3f} | {kap} |", flush=True)
    if args.skip_hessian:
        return
    print("\n## Hessian at end points (20 end points each, 6 lowest eigenvalues, seed 0)\n")
    print("| data | activation | H | width | N | epochs | minima | index 0 / 1–5 / ≥6 | loss (index 0) | loss (index ≥ 1) | λ_min median | λ_max median | |∇L| median | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    cases = [
        ("breast_cancer", "relu", 2, 10, 30), ("breast_cancer", "relu", 2, 10, 300),
        ("breast_cancer", "tanh", 3, 10, 300),
        ("digits", "relu", 2, 10, 30), ("digits", "relu", 2, 10, 300), ("digits", "sigmoid", 2, 10, 300),
    ]
    for data, act, H, w, epochs in cases:
        t = time.perf_counter()
        r = nw.train_networks(data, act, H, w, 20, epochs, 0, hessian=20, measure_pieces=False)
        h = r.hessian
        idx = h.index
        lo = h.loss[idx == 0]
        hi = h.loss[idx > 0]
        f = lambda x: f"{np.median(x):.4f}" if len(x) else "—"  # noqa: E731
        print(f"| {data} | {act} | {H} | {w} | {r.n_weights} | {epochs} | {h.minima}/{len(idx)} | "
              f"{int(np.sum(idx == 0))} / {int(np.sum((idx > 0) & (idx < h.k)))} / {int(np.sum(idx >= h.k))} | "
              f"{f(lo)} | {f(hi)} | {np.median(h.eigenvalues[:, 0]):.2e} | {np.median(h.lambda_max):.3f} | "
              f"{np.median(h.grad_norm):.1e} | {time.perf_counter() - t:.0f} |", flush=True)
    print("\nload after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
