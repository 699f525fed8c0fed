r"""Adapters of the "Real networks" view: plain arguments in, plain results out.

Each function is deterministic in its arguments (ints, floats, strings, tuples), so the
view memoizes it (components/cache.py): one width of one experiment is one cache entry,
written only when its training finished (a cancelled or failed job leaves nothing behind).
Progress goes to the callback installed by :func:`reporting` (that of components/data/lab.py).

The networks come from :func:`compute.networks.train_networks` (digits or breast cancer,
SGD with momentum 0.9 or Adam, minibatches of 32); the spin-glass comparison from the
descent experiment of the Landscapes tab (:func:`components.data.lab.descent_data`).
"""

from __future__ import annotations

import math
import re

import numpy as np

from components.data import lab as lab_data
from components.data.lab import report, reporting
from compute import networks as nw

__all__ = [
    "DATASETS",
    "DEFAULT_WIDTHS",
    "MAX_WIDTHS",
    "MAX_JOB_FLOPS",
    "HESSIAN_UI_MAX_N",
    "HESSIAN_UI_POINTS",
    "SPIN_GLASS_NS",
    "SPIN_GLASS_RUNS",
    "parse_widths",
    "width_flops",
    "check_job",
    "width_data",
    "spin_glass_spreads",
    "summary_table",
    "spread_table",
    "pieces_table",
    "hessian_table",
    "losses_table",
    "reporting",
    "report",
]

DATASETS = {"digits": "Digits (64 → 10 classes)", "breast_cancer": "Breast cancer (30 → binary)"}
DEFAULT_WIDTHS = (10, 25, 50, 100)
#: Widths one experiment may sweep.
MAX_WIDTHS = 8
#: Work cap of one experiment (all widths): 6 N × samples × epochs × restarts summed.
MAX_JOB_FLOPS = 3.0e12
#: The Hessian is examined at the first end points of widths with at most this many weights.
HESSIAN_UI_MAX_N = 1000
HESSIAN_UI_POINTS = 6
#: Sizes and runs of the spin-glass descent experiment drawn on the same axes.
SPIN_GLASS_NS = (25, 50, 100)
SPIN_GLASS_RUNS = 40

_WIDTH_TEXT_MAX = 200


def parse_widths(text) -> tuple[int, ...]:
    """The widths to sweep from text like ``"10, 25, 50"`` (sorted, without repeats).

    Integers in [5, 500] separated by commas, semicolons, spaces or arrows; at most 8.
    ``ValueError`` naming the setting otherwise.  Nothing is evaluated.

    >>> parse_widths("100, 10 25;10")
    (10, 25, 100)
    """
    if isinstance(text, (list, tuple)):
        text = ",".join(str(t) for t in text)
    if not isinstance(text, str) or len(text) > _WIDTH_TEXT_MAX:
        raise ValueError("widths must be a list of integers such as '10, 25, 50, 100'")
    parts = [p for p in re.split(r"[,;\s→>-]+", text.strip()) if p]
    if not parts:
        raise ValueError("widths: give at least one hidden width, e.g. '10, 25, 50, 100'")
    lo, hi = nw.WIDTH_RANGE
    out = set()
    for p in parts:
        if not re.fullmatch(r"\d{1,4}", p):
            raise ValueError(f"widths must be integers in [{lo}, {hi}]; got {p!r}")
        w = int(p)
        if not (lo <= w <= hi):
            raise ValueError(f"widths must be integers in [{lo}, {hi}]; got {w}")
        out.add(w)
    if len(out) > MAX_WIDTHS:
        raise ValueError(f"widths: at most {MAX_WIDTHS} different widths per experiment; got {len(out)}")
    return tuple(sorted(out))


def _n_features(data: str) -> tuple[int, int, int]:
    ds = nw.load_dataset(data, 0)
    return ds.n_features, (1 if ds.binary else ds.n_classes), ds.n_train


def width_flops(data: str, H: int, width: int, restarts: int, epochs: int) -> tuple[int, float]:
    """Number of weights N and training work (6 N × samples × epochs × restarts)."""
    d, o, n = _n_features(data)
    N = nw.count_weights(nw.layer_sizes(d, width, H, o))
    return N, nw.work_flops(N, restarts, n, epochs)


def check_job(data: str, H: int, widths: tuple[int, ...], restarts: int, epochs: int) -> list[float]:
    """Work of each width; ``ValueError`` naming what to reduce when the total exceeds the cap."""
    work = [width_flops(data, H, w, restarts, epochs)[1] for w in widths]
    total = sum(work)
    if total > MAX_JOB_FLOPS:
        raise ValueError(
            f"this experiment needs {total:.2g} floating-point operations, more than the cap of "
            f"{MAX_JOB_FLOPS:.2g} per experiment: reduce the restarts, the epochs or the widest "
            f"width ({max(widths)})"
        )
    return work


def width_data(data: str, name: str, param, knots, H: int, width: int, restarts: int, epochs: int,
               seed: int, optimizer: str = "sgd", lr: float | None = None, loss: str = "cross_entropy",
               hessian: bool = True, pieces: int = 8) -> dict:
    """Train ``restarts`` networks of one width and return plain results.

    ``name``/``param``/``knots`` describe the activation as the rest of the page does
    (``knots`` a tuple of (z, f) pairs for "custom"); ``pieces`` is the L of the PL fit
    whose pieces are counted (theory §5.1).  Keys: ``width``, ``N``, ``train``,
    ``test`` (final losses), ``train_acc``, ``test_acc``, ``grad_norm``, ``pieces`` (list of
    dicts per hidden layer), ``kappa`` (or None), ``hessian`` (dict or None), ``seconds``.
    """
    N, _ = width_flops(data, H, width, restarts, epochs)
    n_hess = HESSIAN_UI_POINTS if (hessian and N <= HESSIAN_UI_MAX_N) else 0
    r = nw.train_networks(
        data, name, H, width, restarts, epochs, seed, param=param, knots=knots, optimizer=optimizer,
        lr=lr, loss=loss, hessian=min(n_hess, restarts), pieces=pieces, progress=lab_data.report,
    )
    h = None
    if r.hessian is not None:
        hr = r.hessian
        h = {"restart": hr.restarts.tolist(), "index": hr.index.tolist(), "loss": hr.loss.tolist(),
             "lambda_min": hr.eigenvalues[:, 0].tolist(), "lambda_max": hr.lambda_max.tolist(),
             "grad_norm": hr.grad_norm.tolist(), "converged": hr.converged.tolist(), "k": int(hr.k)}
    return {
        "width": int(width), "N": int(r.n_weights), "train": r.train_loss, "test": r.test_loss,
        "train_acc": r.train_accuracy, "test_acc": r.test_accuracy, "grad_norm": r.grad_norm,
        "pieces": [dict(layer=p.layer, mu=p.mu, sigma=p.sigma, breakpoints=list(p.breakpoints),
                        slopes=list(p.slopes), intercepts=list(p.intercepts), measured=list(p.measured),
                        model=list(p.model), share_sd=list(p.share_sd), alpha_bar=p.alpha_bar,
                        beta_bar=p.beta_bar, alpha_bar_model=p.alpha_bar_model,
                        beta_bar_model=p.beta_bar_model) for p in r.pieces],
        "kappa": None if r.kappa is None else list(r.kappa), "hessian": h, "seconds": r.seconds,
        "lr": r.settings["lr"],
    }


def spin_glass_spreads(H: int, seed: int, runs: int = SPIN_GLASS_RUNS) -> dict:
    """Spread of the spin-glass descent end points at the sizes that fit (theory §6).

    Uses the Landscapes tab's descent experiment (φ ≡ 0) at N in :data:`SPIN_GLASS_NS`
    within its cost cap.  Returns ``N``, ``sd``, ``iqr``, ``mean``, ``median`` (loss per weight
    u) and ``notes``.  At H = 2 the spherical 2-spin glass has exactly two minima (± the
    lowest eigenvector) with the same loss, so every converged descent ends at the same u
    and the spread is rounding: ``degenerate`` is then true.
    """
    plan, notes = lab_data.experiment_plan(max(SPIN_GLASS_NS), H, runs)
    plan = [(n, r) for n, r in plan if n in SPIN_GLASS_NS]
    out = {"N": [], "sd": [], "iqr": [], "mean": [], "median": [], "notes": notes, "degenerate": H == 2}
    weights = np.array([r * n**H for n, r in plan], dtype=float)
    weights = weights / weights.sum() if weights.size else weights
    done = 0.0
    for (n, r), w in zip(plan, weights):
        with lab_data.reporting(None):
            d = lab_data.descent_data(n, H, r, seed, ())
        done += w
        lab_data.report(done)
        u = np.asarray(d["u"], dtype=float)
        q = np.percentile(u, [25, 50, 75])
        out["N"].append(int(n))
        out["sd"].append(float(u.std(ddof=1)))
        out["iqr"].append(float(q[2] - q[0]))
        out["mean"].append(float(u.mean()))
        out["median"].append(float(q[1]))
    return out


# ---------------------------------------------------------------------------------------
# Tables (the single source of the CSV exports and the table views)
# ---------------------------------------------------------------------------------------


def _iqr(x: np.ndarray) -> float:
    q = np.percentile(x, [25, 75])
    return float(q[1] - q[0])


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def _finite(r: dict) -> tuple[np.ndarray, np.ndarray]:
    tr, te = np.asarray(r["train"], float), np.asarray(r["test"], float)
    ok = np.isfinite(tr) & np.isfinite(te)
    return tr[ok], te[ok]


def summary_table(results: list[dict]) -> dict:
    """Per width: N, restarts, mean/sd/IQR of final train and test loss, correlation, accuracy."""
    rows = []
    for r in results:
        tr, te = _finite(r)
        rows.append([r["width"], r["N"], int(tr.size), float(tr.mean()), float(tr.std(ddof=1)) if tr.size > 1 else math.nan,
                     _iqr(tr), float(te.mean()), float(te.std(ddof=1)) if te.size > 1 else math.nan, _iqr(te),
                     _corr(tr, te), float(np.nanmean(r["test_acc"]))])
    return {"columns": ["width", "N", "restarts", "train mean", "train sd", "train IQR", "test mean", "test sd",
                        "test IQR", "corr(train, test)", "test accuracy"], "rows": rows,
            "note": "measured: final losses of the trained networks (cross-entropy in nats per sample, or "
                    "squared error), sd with ddof = 1, IQR = 75th − 25th percentile, Pearson correlation"}


def spread_table(results: list[dict], sg: dict | None) -> dict:
    """Rows of the spread plot: absolute and relative (÷ |mean|) spreads of both experiments."""
    rows = []
    for r in results:
        tr, te = _finite(r)
        for what, x in (("network train", tr), ("network test", te)):
            m = float(np.mean(x))
            sd = float(np.std(x, ddof=1)) if x.size > 1 else math.nan
            rows.append([what, r["N"], r["width"], m, sd, _iqr(x), sd / abs(m) if m else math.nan])
    if sg is not None:
        for n, sd, iq, m in zip(sg["N"], sg["sd"], sg["iqr"], sg["mean"]):
            rows.append(["spin glass u", n, None, m, sd, iq, sd / abs(m) if m else math.nan])
    return {"columns": ["series", "N", "width", "mean", "sd", "IQR", "sd / |mean|"], "rows": rows,
            "note": "network losses in their own units; spin-glass u = loss per weight (theory §2); "
                    "the relative spread sd/|mean| is dimensionless"}


def pieces_table(results: list[dict]) -> dict:
    rows = []
    for r in results:
        for p in r["pieces"]:
            edges = [-math.inf] + list(p["breakpoints"]) + [math.inf]
            for ell, (m, mo) in enumerate(zip(p["measured"], p["model"])):
                rows.append([r["width"], r["N"], p["layer"], ell + 1, edges[ell], edges[ell + 1], p["slopes"][ell],
                             p["intercepts"][ell], m, mo, p["mu"], p["sigma"], p["alpha_bar"], p["alpha_bar_model"],
                             p["beta_bar"], p["beta_bar_model"]])
    return {"columns": ["width", "N", "layer", "piece ℓ", "from a_(ℓ−1)", "to a_ℓ", "α_ℓ", "β_ℓ", "measured share",
                        "model ρ_ℓ", "μ", "σ", "ᾱ measured", "ᾱ model", "β̄ measured", "β̄ model"], "rows": rows,
            "note": "measured: share of the layer's pre-activations (all units, training samples, restarts) in each "
                    "piece; predicted: ρ_ℓ = P(Z in piece) for Z ~ N(μ, σ²) with μ, σ measured (theory §5.2)"}


def hessian_table(results: list[dict]) -> dict:
    rows = []
    for r in results:
        h = r.get("hessian")
        if not h:
            continue
        for i in range(len(h["index"])):
            rows.append([r["width"], r["N"], h["restart"][i], h["loss"][i], h["index"][i], h["k"], h["lambda_min"][i],
                         h["lambda_max"][i], h["grad_norm"][i], bool(h["converged"][i])])
    return {"columns": ["width", "N", "restart", "train loss", "index", "eigenvalues computed", "λ_min", "λ_max",
                        "|∇L|", "converged"], "rows": rows,
            "note": "index = number of Hessian eigenvalues below −1e-4 λ_max among the lowest computed "
                    "(equal to that number means 'at least'); Lanczos on exact Hessian-vector products"}


def losses_table(results: list[dict]) -> dict:
    rows = []
    for r in results:
        for i, (a, b) in enumerate(zip(r["train"], r["test"])):
            rows.append([r["width"], r["N"], i, float(a), float(b)])
    return {"columns": ["width", "N", "restart", "final train loss", "final test loss"], "rows": rows,
            "note": "measured on every restart"}
