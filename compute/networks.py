r"""Real networks trained many at once, held against the spin-glass model (theory §5.1–§5.3, §6).

Choromanska et al. test the spin-glass picture by training many networks from random starts
and looking at where they end: the final losses concentrate in a band whose spread shrinks as
the network grows, and test and training loss decorrelate.  This module trains ``restarts``
fully connected networks of depth ``H`` (weight layers) and hidden width ``width`` at once on
a small real data set shipped with scikit-learn, with the same activations as the theory
views, and measures on the trained networks what the model assumes:

* the final training and test loss of every restart (:func:`train_networks`);
* per hidden layer, the share of pre-activations in each linear piece of the activation's
  PL fit (theory §5.1) against the model's ρ_ℓ under Z ~ N(μ, σ²) with μ, σ measured from the
  same pre-activations (theory §5.2), the measured ᾱ, β̄ and the κ they imply (theory §5.3);
* for small networks, the lowest eigenvalues of the training-loss Hessian at the end points
  (Lanczos on Hessian-vector products): how many end points are minima, index against loss.

Networks
--------
Layer sizes ``d → width → … → width → out`` with ``H`` weight matrices and a bias per layer
(``H − 1`` hidden layers, every one followed by the activation).  ``n_weights`` counts every
trainable number (weights and biases).  Digits (10 classes) use soft-max cross-entropy;
the binary breast-cancer set uses one output unit with the logistic cross-entropy, or the
squared loss ``(ŷ − y)²`` with ``y = ±1``.  Losses are means over samples.  Weights start as
N(0, g/fan_in) with g = 2 for ReLU-like activations (ReLU, leaky ReLU, ELU) and g = 1
otherwise, biases at 0.

Formulation
-----------
All restarts share the minibatch order of an epoch, so the first layer of every restart sees
the same minibatch ``X_b`` and its forward product and weight gradient are each one wide
matrix product ``X_b @ [W_1^(1) … W_1^(R)]`` ("block" form); the deeper layers are stacks of
per-restart products done by one ``numpy.matmul`` call on 3-D arrays ("batched").  The
alternative "batched" formulation does the first layer as a 3-D stack too; ``loop`` runs one
restart at a time with 2-D products.  ``formulation="auto"`` picks by size (see
:func:`choose_formulation`; ``bench/bench_networks.py`` measures all three).  Restarts are
processed in chunks whose size depends on the settings only (never on the machine), which
bounds memory.

Reproducibility
---------------
Randomness comes only from ``numpy.random.default_rng`` seeded from ``seed``:
restart ``r``'s initial weights from ``default_rng([seed, 0, r])`` (so restart r does not
depend on how many restarts are run), the minibatch order of epoch ``e`` from
``default_rng([seed, 1, e])``, the train/test split from ``default_rng([split_seed, 2])``
(``split_seed`` defaults to ``seed``).  The same settings and seed give bit-identical numbers
with the same numpy/BLAS build on the same kind of CPU; a different BLAS kernel can change the
last bits of a matrix product, and training amplifies that, so on another machine the
numbers agree statistically, not bit for bit.

Everything here is pure numpy/scipy; scikit-learn is used only to read its bundled data sets
(no download, ever).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Mapping

import numpy as np
from scipy import special
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from compute.activations import (
    MU_RANGE,
    PIECES_RANGE,
    PRESETS,
    SIGMA_RANGE,
    PiecewiseLinear,
    PLFit,
    custom_piecewise_linear,
    exact_piecewise_linear,
    fit_piecewise_linear,
    piece_probabilities,
)
from compute.network import ActivationModel, kappa_coefficients
from compute.validation import int_param

__all__ = [
    "DATASETS",
    "H_RANGE",
    "WIDTH_RANGE",
    "RESTARTS_RANGE",
    "EPOCHS_RANGE",
    "LR_RANGE",
    "BATCH_RANGE",
    "MAX_WORK_FLOPS",
    "MAX_CHUNK_ENTRIES",
    "HESSIAN_MAX_N",
    "Dataset",
    "load_dataset",
    "NetActivation",
    "resolve_activation",
    "layer_sizes",
    "count_weights",
    "work_flops",
    "choose_formulation",
    "TrainingCancelled",
    "TrainingDiverged",
    "LayerPieces",
    "HessianResult",
    "TrainResult",
    "train_networks",
    "loss_and_gradient",
    "hessian_lowest",
]

#: Data sets shipped with scikit-learn (read from the installed package, never downloaded).
DATASETS = {
    "digits": "Digits (8×8 images, 10 classes, 1,797 samples)",
    "breast_cancer": "Breast cancer (30 features, binary, 569 samples)",
}
#: Allowed depth H (number of weight layers).
H_RANGE = (2, 5)
#: Allowed hidden width.
WIDTH_RANGE = (5, 500)
#: Allowed number of restarts (networks trained from independent random starts).
RESTARTS_RANGE = (1, 1000)
#: Allowed number of epochs.
EPOCHS_RANGE = (1, 500)
#: Allowed learning rate (open at 0).
LR_RANGE = (0.0, 10.0)
#: Allowed minibatch size.
BATCH_RANGE = (1, 4096)
#: Largest amount of training work accepted by one call: 6 × restarts × N × n_train × epochs
#: floating-point operations (about a minute at 30 GFLOP/s).
MAX_WORK_FLOPS = 2.0e12
#: Restarts are processed in chunks of at most this many weights × restarts (float64: the
#: parameters, gradient and two Adam moments of a chunk take 4 × 8 × this ≈ 0.5 GB at most).
MAX_CHUNK_ENTRIES = 2**24
#: Activation entries per array of one minibatch step (restarts × batch × width × (H − 1)).
MAX_ACT_ENTRIES = 2**22
#: Samples per block in full-batch passes (bounds the activations kept at once).
_EVAL_BLOCK_ENTRIES = 2**23
#: Hessian eigenvalues are computed only for networks with at most this many weights.
HESSIAN_MAX_N = 5000
#: Default number of end points whose Hessian is examined.
HESSIAN_DEFAULT_POINTS = 20

_LOSSES = ("cross_entropy", "squared")
_OPTIMIZERS = ("sgd", "adam")
_FORMULATIONS = ("auto", "block", "batched", "loop")
_DTYPES = {"float64": np.float64, "float32": np.float32}
_RELU_LIKE = ("relu", "leaky_relu", "elu")


class TrainingCancelled(Exception):
    """Raised by :func:`train_networks` when its ``cancel`` check returns true."""


class TrainingDiverged(ValueError):
    """The loss of some restart became NaN or infinite (learning rate too large)."""


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """A standardised data set with a fixed train/test split.

    ``X_*`` are float64 arrays (samples × features), standardised with the training set's
    mean and standard deviation (features constant on the training set are only centred);
    ``y_*`` integer class labels.  ``n_classes`` is 10 for digits, 2 for breast cancer.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    split_seed: int
    test_fraction: float

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.X_test.shape[0])

    @property
    def binary(self) -> bool:
        return self.n_classes == 2


def _check_seed(seed, name: str = "seed") -> int:
    return int_param(seed, name, 0, 2**32 - 1)


def load_dataset(name: str, seed: int = 0, test_fraction: float = 0.2) -> Dataset:
    """The bundled data set ``name`` ("digits" or "breast_cancer"), split and standardised.

    The split is a permutation from ``numpy.random.default_rng([seed, 2])``: the first
    ``round(test_fraction × n)`` samples are the test set.  ``test_fraction`` in [0.1, 0.5].

    >>> d = load_dataset("digits", seed=0)
    >>> d.n_train, d.n_test, d.n_features, d.n_classes
    (1438, 359, 64, 10)
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"data set must be one of {', '.join(DATASETS)}; got {name!r}")
    seed = _check_seed(seed, "split seed")
    try:
        tf = float(test_fraction)
    except (TypeError, ValueError):
        tf = math.nan
    if not (0.1 <= tf <= 0.5):
        raise ValueError(f"test fraction must be a number in [0.1, 0.5]; got {test_fraction!r}")
    return _load_cached(name, seed, tf)


def _sklearn_data_dir() -> str:
    """Folder of the data files shipped inside the installed scikit-learn package."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("the data sets need scikit-learn installed (see requirements.txt)")
    return os.path.join(list(spec.submodule_search_locations)[0], "datasets", "data")


@lru_cache(maxsize=16)
def _raw(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels, read straight from the files scikit-learn ships.

    ``load_digits`` and ``load_breast_cancer`` read the same files; importing scikit-learn
    takes seconds, reading the files milliseconds (the tests check the two agree).
    """
    import gzip
    import os

    folder = _sklearn_data_dir()
    if name == "digits":
        with gzip.open(os.path.join(folder, "digits.csv.gz"), "rt") as fh:
            table = np.loadtxt(fh, delimiter=",")
        X, y = table[:, :-1], table[:, -1]
    else:
        table = np.loadtxt(os.path.join(folder, "breast_cancer.csv"), delimiter=",", skiprows=1)
        X, y = table[:, :-1], table[:, -1]
    return np.ascontiguousarray(X, dtype=np.float64), y.astype(np.int64)


@lru_cache(maxsize=32)
def _load_cached(name: str, seed: int, tf: float) -> Dataset:
    X, y = _raw(name)
    n = len(y)
    perm = np.random.default_rng([seed, 2]).permutation(n)
    n_test = int(round(tf * n))
    te, tr = perm[:n_test], perm[n_test:]
    mean = X[tr].mean(axis=0)
    sd = X[tr].std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    Xtr, Xte = (X[tr] - mean) / sd, (X[te] - mean) / sd
    arrays = [Xtr, y[tr].copy(), Xte, y[te].copy()]
    for a in arrays:
        a.setflags(write=False)
    return Dataset(name, *arrays, int(y.max()) + 1, seed, tf)


# ---------------------------------------------------------------------------------------------
# Activations (theory §5.1) with derivatives for backpropagation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NetActivation:
    """An activation ready for training: ``f``, its derivative ``df`` and its PL model.

    ``name`` is a preset name or "custom"; ``pl`` the exact PL form when the activation is
    piece-wise linear (ReLU, leaky ReLU, hard tanh, ELU with α = 0, custom knots), else
    ``None`` (then :meth:`pl_fit` fits one, theory §5.1).  ``key`` identifies it for caching.
    """

    name: str
    param: float | None
    label: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    pl: PiecewiseLinear | None
    key: tuple
    knots: tuple | None = None
    end_slopes: tuple | None = None

    def pl_fit(self, pieces: int, mu: float, sigma: float) -> PiecewiseLinear:
        """The PL model of the activation (exact, or the L-piece fit under N(μ, σ²))."""
        if self.pl is not None:
            return self.pl
        mu = float(np.clip(mu, *MU_RANGE))
        sigma = float(np.clip(sigma, *SIGMA_RANGE))
        return fit_piecewise_linear(self.name, self.param, pieces, mu, sigma).pl

    @property
    def gain(self) -> float:
        return 2.0 if self.name in _RELU_LIKE else 1.0


def _pl_functions(pl: PiecewiseLinear):
    a = np.asarray(pl.breakpoints, dtype=float)
    al = np.asarray(pl.slopes, dtype=float)
    be = np.asarray(pl.intercepts, dtype=float)

    def f(z):
        idx = np.searchsorted(a, z, side="left")
        return (al.astype(z.dtype)[idx] * z + be.astype(z.dtype)[idx]).astype(z.dtype, copy=False)

    def df(z):
        return al.astype(z.dtype)[np.searchsorted(a, z, side="left")]

    return f, df


def _preset_functions(name: str, p: float | None):
    if name == "relu":
        return (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype))
    if name == "leaky_relu":
        return (
            lambda z: np.where(z > 0, z, z * z.dtype.type(p)),
            lambda z: np.where(z > 0, z.dtype.type(1), z.dtype.type(p)),
        )
    if name == "hard_tanh":
        return (lambda z: np.clip(z, -1, 1), lambda z: ((z > -1) & (z <= 1)).astype(z.dtype))
    if name == "tanh":
        return (np.tanh, lambda z: 1 - np.tanh(z) ** 2)
    if name == "sigmoid":

        def dsig(z):
            s = special.expit(z)
            return s * (1 - s)

        return (special.expit, dsig)
    if name == "softplus":
        return (lambda z: np.logaddexp(z.dtype.type(0), z), special.expit)
    if name == "elu":

        def elu(z):
            return np.where(z > 0, z, z.dtype.type(p) * np.expm1(np.minimum(z, 0)))

        def delu(z):
            return np.where(z > 0, z.dtype.type(1), z.dtype.type(p) * np.exp(np.minimum(z, 0)))

        return (elu, delu)
    if name == "gelu":
        c = 1.0 / math.sqrt(2.0 * math.pi)
        return (
            lambda z: z * special.ndtr(z),
            lambda z: special.ndtr(z) + z * (z.dtype.type(c) * np.exp(-0.5 * z * z)),
        )
    if name == "silu":

        def dsilu(z):
            s = special.expit(z)
            return s * (1 + z * (1 - s))

        return (lambda z: z * special.expit(z), dsilu)
    raise ValueError(f"activation must be one of {', '.join(PRESETS)}; got {name!r}")


def _second_derivative(name: str, p: float | None):
    """f'' of a preset (0 almost everywhere for the piece-wise linear ones)."""
    if name in ("relu", "leaky_relu", "hard_tanh", "custom"):
        return lambda z: np.zeros_like(z)
    if name == "tanh":
        return lambda z: -2.0 * np.tanh(z) * (1.0 - np.tanh(z) ** 2)
    if name == "sigmoid":
        def d2(z):
            s = special.expit(z)
            return s * (1 - s) * (1 - 2 * s)
        return d2
    if name == "softplus":
        def d2(z):
            s = special.expit(z)
            return s * (1 - s)
        return d2
    if name == "elu":
        return lambda z: np.where(z > 0, 0.0, p * np.exp(np.minimum(z, 0)))
    if name == "gelu":
        c = 1.0 / math.sqrt(2.0 * math.pi)
        return lambda z: c * np.exp(-0.5 * z * z) * (2.0 - z * z)
    if name == "silu":
        def d2(z):
            s = special.expit(z)
            return s * (1 - s) * (2 + z * (1 - 2 * s))
        return d2
    raise ValueError(f"no second derivative for activation {name!r}")


def resolve_activation(activation, param: float | None = None, knots=None, end_slopes=None) -> NetActivation:
    """Turn what the other views use into a :class:`NetActivation` (theory §5.1).

    Accepted: a preset name (with ``param`` its shape parameter; "custom" with ``knots`` and
    optionally ``end_slopes``); a :class:`~compute.activations.PiecewiseLinear`; a
    :class:`~compute.activations.PLFit` or :class:`~compute.network.ActivationModel` (the
    activation it describes: a smooth preset is trained as itself, not as its fit); a mapping
    with keys ``activation`` (or ``name``), ``param``, ``knots``, ``end_slopes`` like the page's
    settings (knots as a list of pairs or as the text table); or a :class:`NetActivation`.
    A PL activation whose slopes are all zero is refused: its derivative vanishes everywhere
    and no gradient reaches the weights.
    """
    if isinstance(activation, NetActivation):
        return activation
    if isinstance(activation, ActivationModel):
        if activation.name == "custom":
            return _from_pl(activation.fit.pl, "Custom (table of knots)")
        return resolve_activation(activation.name, activation.param)
    if isinstance(activation, PLFit):
        if activation.name == "custom":
            return _from_pl(activation.pl, "Custom (table of knots)")
        return resolve_activation(activation.name, activation.param)
    if isinstance(activation, PiecewiseLinear):
        return _from_pl(activation, "Piece-wise linear")
    if isinstance(activation, Mapping):
        name = activation.get("activation", activation.get("name"))
        k = activation.get("knots", knots)
        if isinstance(k, str):
            from compute.activations import parse_knots

            k = parse_knots(k)
        return resolve_activation(name, activation.get("param", param), k, activation.get("end_slopes", end_slopes))
    if not isinstance(activation, str) or activation not in PRESETS:
        raise ValueError(
            f"activation must be one of {', '.join(PRESETS)}, a piece-wise linear function or "
            f"an activation model; got {activation!r}"
        )
    if activation == "custom":
        if knots is None:
            raise ValueError("the custom activation needs a table of knots (z, f), at least 2 rows")
        if isinstance(knots, str):
            from compute.activations import parse_knots

            knots = parse_knots(knots)
        pl = custom_piecewise_linear(knots, end_slopes)
        act = _from_pl(pl, "Custom (table of knots)")
        return NetActivation(act.name, None, act.label, act.f, act.df, pl, act.key,
                             tuple(tuple(map(float, k)) for k in knots),
                             None if end_slopes is None else tuple(map(float, end_slopes)))
    spec = PRESETS[activation]
    exact = exact_piecewise_linear(activation, param)  # validates param
    p = None if spec.param_name is None else (spec.param_default if param is None else float(param))
    f, df = _preset_functions(activation, p)
    return NetActivation(activation, p, spec.label, f, df, exact, ("preset", activation, p))


def _from_pl(pl: PiecewiseLinear, label: str) -> NetActivation:
    if all(a == 0.0 for a in pl.slopes):
        raise ValueError(
            "the custom activation is constant (all its slopes are 0): its derivative is zero "
            "everywhere, so no gradient reaches the weights and nothing can be trained"
        )
    f, df = _pl_functions(pl)
    key = ("pl", pl.breakpoints, pl.slopes, pl.intercepts)
    return NetActivation("custom", None, label, f, df, pl, key)


# ---------------------------------------------------------------------------------------------
# Activations written into preallocated arrays (the training loop's form of f and f')
# ---------------------------------------------------------------------------------------------
#
# ``forward(z, a, tmp, mask)`` writes f(z) into ``a``; ``backward(dA, z, a, tmp, mask)``
# multiplies ``dA`` by f'(z) in place, where ``a`` holds f(z) and may be overwritten (the
# backward pass no longer needs it).  ``tmp`` (same dtype) and ``mask`` (bool) are scratch
# arrays of z's shape.  Every one performs the same floating-point operations in the same
# order as ``NetActivation.f``/``df`` (so the results are the same bit for bit), without
# allocating: fresh arrays of a few MB per step, each page faulted in by the kernel, cost more
# than the matrix products of a step at these sizes.

#: At most this many breakpoints are evaluated piece by piece (else through ``f``/``df``).
_PL_FUSED_MAX_BREAKS = 8


def _fused_ops(act: NetActivation):
    """``(forward, backward)`` in-place forms of the activation's f and f'."""
    name, p = act.name, act.param

    def generic_forward(z, a, tmp, mask):
        np.copyto(a, act.f(z))

    def generic_backward(dA, z, a, tmp, mask):
        np.multiply(dA, act.df(z), out=dA)

    if name == "relu":
        def forward(z, a, tmp, mask):
            np.maximum(z, 0, out=a)

        def backward(dA, z, a, tmp, mask):
            np.greater(z, 0, out=tmp)
            np.multiply(dA, tmp, out=dA)
    elif name == "leaky_relu":
        def forward(z, a, tmp, mask):
            np.multiply(z, z.dtype.type(p), out=a)
            np.greater(z, 0, out=mask)
            np.copyto(a, z, where=mask)

        def backward(dA, z, a, tmp, mask):
            np.multiply(dA, z.dtype.type(p), out=tmp)
            np.greater(z, 0, out=mask)
            np.logical_not(mask, out=mask)
            np.copyto(dA, tmp, where=mask)
    elif name == "hard_tanh":
        def forward(z, a, tmp, mask):
            np.clip(z, -1, 1, out=a)

        def backward(dA, z, a, tmp, mask):
            np.greater(z, -1, out=tmp)
            np.less_equal(z, 1, out=mask)
            np.multiply(tmp, mask, out=tmp)
            np.multiply(dA, tmp, out=dA)
    elif name == "tanh":
        def forward(z, a, tmp, mask):
            np.tanh(z, out=a)

        def backward(dA, z, a, tmp, mask):  # 1 − tanh(z)², tanh(z) = a
            np.square(a, out=tmp)
            np.subtract(1, tmp, out=tmp)
            np.multiply(dA, tmp, out=dA)
    elif name == "sigmoid":
        def forward(z, a, tmp, mask):
            special.expit(z, out=a)

        def backward(dA, z, a, tmp, mask):  # s (1 − s), s = a
            np.subtract(1, a, out=tmp)
            np.multiply(a, tmp, out=tmp)
            np.multiply(dA, tmp, out=dA)
    elif name == "softplus":
        def forward(z, a, tmp, mask):
            np.logaddexp(z.dtype.type(0), z, out=a)

        def backward(dA, z, a, tmp, mask):
            special.expit(z, out=tmp)
            np.multiply(dA, tmp, out=dA)
    elif name == "elu":
        def forward(z, a, tmp, mask):
            np.minimum(z, 0, out=tmp)
            np.expm1(tmp, out=tmp)
            np.multiply(z.dtype.type(p), tmp, out=a)
            np.greater(z, 0, out=mask)
            np.copyto(a, z, where=mask)

        def backward(dA, z, a, tmp, mask):
            np.minimum(z, 0, out=tmp)
            np.exp(tmp, out=tmp)
            np.multiply(z.dtype.type(p), tmp, out=tmp)
            np.greater(z, 0, out=mask)
            np.copyto(tmp, z.dtype.type(1), where=mask)
            np.multiply(dA, tmp, out=dA)
    elif name == "gelu":
        c = 1.0 / math.sqrt(2.0 * math.pi)

        def forward(z, a, tmp, mask):
            special.ndtr(z, out=a)
            np.multiply(z, a, out=a)

        def backward(dA, z, a, tmp, mask):  # Φ(z) + z (c e^{−z²/2})
            np.multiply(-0.5, z, out=tmp)
            np.multiply(tmp, z, out=tmp)
            np.exp(tmp, out=tmp)
            np.multiply(z.dtype.type(c), tmp, out=tmp)
            np.multiply(z, tmp, out=tmp)
            special.ndtr(z, out=a)
            np.add(a, tmp, out=tmp)
            np.multiply(dA, tmp, out=dA)
    elif name == "silu":
        def forward(z, a, tmp, mask):
            special.expit(z, out=a)
            np.multiply(z, a, out=a)

        def backward(dA, z, a, tmp, mask):  # s (1 + z (1 − s))
            special.expit(z, out=tmp)
            np.subtract(1, tmp, out=a)
            np.multiply(z, a, out=a)
            np.add(1, a, out=a)
            np.multiply(tmp, a, out=tmp)
            np.multiply(dA, tmp, out=dA)
    elif act.pl is not None and len(act.pl.breakpoints) <= _PL_FUSED_MAX_BREAKS:
        # piece index = number of breakpoints below z (searchsorted, side="left"), compared
        # in float64 as there
        brk = [np.float64(x) for x in act.pl.breakpoints]
        slopes, inter = act.pl.slopes, act.pl.intercepts

        def pieces_into(z, out, values, mask):
            out.fill(values[0])
            for j, x in enumerate(brk):
                np.greater(z, x, out=mask)
                np.copyto(out, out.dtype.type(values[j + 1]), where=mask)

        def forward(z, a, tmp, mask):
            pieces_into(z, tmp, slopes, mask)
            pieces_into(z, a, inter, mask)
            np.multiply(tmp, z, out=tmp)
            np.add(tmp, a, out=a)

        def backward(dA, z, a, tmp, mask):
            pieces_into(z, tmp, slopes, mask)
            np.multiply(dA, tmp, out=dA)
    else:
        return generic_forward, generic_backward
    return forward, backward


# ---------------------------------------------------------------------------------------------
# Sizes, work and validation
# ---------------------------------------------------------------------------------------------


def layer_sizes(n_in: int, width: int, H: int, n_out: int) -> tuple[int, ...]:
    """``(n_in, width, …, width, n_out)`` with ``H`` weight layers."""
    return (n_in,) + (width,) * (H - 1) + (n_out,)


def count_weights(sizes) -> int:
    """Trainable numbers of a network with these layer sizes (weights and biases)."""
    return int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))


def work_flops(n_weights: int, restarts: int, n_train: int, epochs: int) -> float:
    """Training work ≈ 6 × N × samples × epochs × restarts floating-point operations.

    (2 N per sample for the forward pass, 4 N for the backward pass.)
    """
    return 6.0 * n_weights * restarts * n_train * epochs


def _check_float(value, name: str, lo: float, hi: float, open_lo: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not (v > lo if open_lo else v >= lo) or not (v <= hi):
        br = "(" if open_lo else "["
        raise ValueError(f"{name} must be a number in {br}{lo:g}, {hi:g}]; got {value!r}")
    return v


def _check_choice(value, name: str, allowed) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def choose_formulation(width: int, H: int, restarts: int) -> str:
    """The matrix formulation used by ``formulation="auto"``.

    The block form turns the first layer (usually most of the work: 64 inputs for digits)
    into one wide product per step and wins at every width measured here; per-restart loops
    only pay off when a single network's products are large on their own (width ≥ 300 with
    few restarts).  See ``bench/bench_networks.py``.
    """
    if restarts <= 2 and width >= 300:
        return "loop"
    return "block"


def _chunk_size(n_weights: int, restarts: int, formulation: str, batch: int, width: int, H: int) -> int:
    """Restarts per chunk: a function of the settings only (never of the machine).

    Bounds the parameter-sized buffers (R × N ≤ 2^24) and the activations of a minibatch
    (R × batch × width × (H − 1) ≤ 2^22 entries per array).
    """
    if formulation == "loop":
        return 1
    by_params = MAX_CHUNK_ENTRIES // max(n_weights, 1)
    by_acts = MAX_ACT_ENTRIES // max(batch * width * (H - 1), 1)
    return max(1, min(restarts, by_params, by_acts))


# ---------------------------------------------------------------------------------------------
# The batched network: parameters of a chunk of restarts in one flat buffer
# ---------------------------------------------------------------------------------------------


class _Nets:
    """Parameters of ``R`` networks in one flat buffer with per-layer views.

    First layer: weights ``(d, R, h)`` (so ``reshape(d, R·h)`` is the block of all restarts),
    bias ``(R, h)``; later layers: weights ``(R, k_in, k_out)``, bias ``(R, k_out)``.
    For ``R = 1`` the buffer is the network's parameter vector in the order
    W_1 (d × h, row-major), b_1, W_2, b_2, …
    """

    def __init__(self, sizes, R: int, dtype, buf: np.ndarray | None = None):
        self.sizes, self.R, self.dtype = tuple(sizes), R, dtype
        self.per = count_weights(sizes)
        self.buf = np.zeros(R * self.per, dtype=dtype) if buf is None else buf
        self.W, self.b = self.views(self.buf)

    def views(self, buf: np.ndarray):
        W, b, off = [], [], 0
        R = self.R
        for i, (k_in, k_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            n = k_in * k_out * R
            shape = (k_in, R, k_out) if i == 0 else (R, k_in, k_out)
            W.append(buf[off:off + n].reshape(shape))
            off += n
            b.append(buf[off:off + R * k_out].reshape(R, k_out))
            off += R * k_out
        return W, b

    def per_restart_sq(self, buf: np.ndarray) -> np.ndarray:
        """Σ of squares per restart of a buffer laid out like the parameters."""
        W, b = self.views(buf)
        out = np.einsum("irk,irk->r", W[0], W[0], dtype=np.float64)
        for w in W[1:]:
            out += np.einsum("rij,rij->r", w, w, dtype=np.float64)
        for v in b:
            out += np.einsum("rk,rk->r", v, v, dtype=np.float64)
        return out

    def restart_vector(self, r: int) -> np.ndarray:
        """Parameter vector (float64) of restart ``r`` in the R = 1 layout."""
        parts = []
        for i, (w, v) in enumerate(zip(self.W, self.b)):
            parts.append((w[:, r, :] if i == 0 else w[r]).ravel())
            parts.append(v[r])
        return np.concatenate(parts).astype(np.float64)


class _Workspace:
    """The arrays of one forward and backward pass of R restarts on up to B samples.

    Allocated once and written with ``out=`` at every step (see :func:`_fused_ops`).  Per
    hidden layer i: pre-activations ``Z[i]``, activations ``A[i]`` and their gradient ``dA[i]``
    as (R, B, h) arrays; with the block formulation those of the first hidden layer live in
    (B, R, h) memory, so the block product ``X_b @ [W_1^(1) … W_1^(R)]`` lands in them
    directly and its gradient reads them back as one (B, R·h) matrix.  ``tmp``/``mask`` are
    scratch arrays shared by the layers of one layout; ``out``/``sh``/``dout`` are (R, B, o),
    ``m`` (R, B, 1).
    :meth:`views` gives the arrays for a smaller minibatch (the last one of an epoch).
    """

    def __init__(self, sizes, R: int, B: int, dtype, formulation: str):
        self.R, self.B, self.formulation = R, B, formulation
        hidden = tuple(sizes[1:-1])
        o = sizes[-1]
        self.block = formulation == "block"
        self._mem: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        scratch: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        self._scratch: list[tuple[np.ndarray, np.ndarray]] = []
        for i, h in enumerate(hidden):
            lead = self.block and i == 0  # (B, R, h) memory
            shape = (B, R, h) if lead else (R, B, h)
            self._mem.append(tuple(np.empty(shape, dtype) for _ in range(3)))
            key = (lead, h)
            if key not in scratch:
                scratch[key] = (np.empty(shape, dtype), np.empty(shape, bool))
            self._scratch.append(scratch[key])
        self._out = tuple(np.empty((R, B, k), dtype) for k in (o, o, o, 1))
        self._views: dict[int, tuple] = {}

    def views(self, b: int):
        """``(Z, A, dA, tmp, mask, out, sh, dout, m)`` for b ≤ B samples (lists over hidden layers)."""
        got = self._views.get(b)
        if got is not None:
            return got
        if not 1 <= b <= self.B:
            raise ValueError(f"workspace holds at most {self.B} samples; got {b}")
        Z, A, dA, tmp, mask = [], [], [], [], []
        for i, (arrs, scr) in enumerate(zip(self._mem, self._scratch)):
            if self.block and i == 0:
                def cut(x):
                    return x[:b].transpose(1, 0, 2)
            else:
                def cut(x):
                    return x[:, :b]
            z, a, da = (cut(x) for x in arrs)
            Z.append(z)
            A.append(a)
            dA.append(da)
            tmp.append(cut(scr[0]))
            mask.append(cut(scr[1]))
        out, sh, dout, m = (x[:, :b] for x in self._out)
        got = (Z, A, dA, tmp, mask, out, sh, dout, m)
        self._views[b] = got
        return got


def _forward_backward(nets: _Nets, act: NetActivation, X, target, task: str, loss: str,
                      formulation: str, grad: _Nets | None, scale: float = 1.0,
                      pre_hook=None, ws: _Workspace | None = None, accumulate: bool = True):
    """Loss (summed over samples, per restart) and, if ``grad`` is given, gradients.

    ``target``: class labels.  The gradient is of ``scale × Σ_samples loss``; it is added into
    ``grad`` (``accumulate=True``) or written over it (``accumulate=False``, what a training
    step does: no zeroing, no temporaries).  ``pre_hook(i, Z)`` receives the pre-activations
    of hidden layer i as an (R, B, h) array (a view).  ``ws``: a :class:`_Workspace` for at
    least ``len(X)`` samples (one is made when omitted); the returned outputs are a view into
    it, valid until its next use.
    """
    R = nets.R
    B = X.shape[0]
    L = len(nets.W)
    dt = nets.dtype
    if ws is None:
        ws = _Workspace(nets.sizes, R, B, dt, formulation)
    Zs, As, dAs, tmps, masks, out, sh, dout_ws, m_ws = ws.views(B)
    forward, backward = _fused_ops(act)
    # ---- forward
    W0 = nets.W[0]
    d, _, h = W0.shape
    Z = Zs[0]
    if formulation == "block":
        np.matmul(X, W0.reshape(d, R * h), out=np.reshape(Z.transpose(1, 0, 2), (B, R * h), copy=False))
    else:
        np.matmul(X, W0.transpose(1, 0, 2), out=Z)
    Z += nets.b[0][:, None, :]
    for i in range(L):
        if i > 0:
            Z = Zs[i] if i < L - 1 else out
            np.matmul(As[i - 1], nets.W[i], out=Z)
            Z += nets.b[i][:, None, :]
        if i < L - 1:
            if pre_hook is not None:
                pre_hook(i, Z)
            forward(Z, As[i], tmps[i], masks[i])
    # ---- loss and its derivative with respect to the outputs
    if task == "multiclass" and loss == "cross_entropy":
        m = m_ws  # the largest output per sample: column by column (a reduction over a short
        np.copyto(m[..., 0], out[..., 0])  # last axis costs more than the products here)
        for k in range(1, out.shape[2]):
            np.maximum(m[..., 0], out[..., k], out=m[..., 0])
        np.subtract(out, m, out=sh)
        lse = np.log(np.exp(sh, out=dout_ws).sum(axis=2, keepdims=True))
        logp = np.subtract(sh, lse, out=sh)
        per = -np.ascontiguousarray(logp[:, np.arange(B), target])  # (R, B) rows: pairwise sums
        if grad is not None:
            dout = np.exp(logp, out=dout_ws)
            dout[:, np.arange(B), target] -= 1
    elif task == "multiclass":  # squared loss against one-hot targets
        onehot = np.zeros(out.shape[1:], dtype=dt)
        onehot[np.arange(B), target] = 1
        diff = out - onehot[None]
        per = np.einsum("rbk,rbk->rb", diff, diff)
        if grad is not None:
            dout = 2 * diff
    elif loss == "cross_entropy":  # binary, one logit: log(1 + e^{-s t}), s = ±1
        s = (2.0 * target - 1.0).astype(dt)
        margin = out[..., 0] * s[None, :]
        per = np.logaddexp(dt(0), -margin)
        if grad is not None:
            dout = (-special.expit(-margin) * s[None, :])[..., None]
    else:  # binary squared loss, targets ±1
        s = (2.0 * target - 1.0).astype(dt)
        diff = out[..., 0] - s[None, :]
        per = diff * diff
        if grad is not None:
            dout = (2 * diff)[..., None]
    total = per.sum(axis=1, dtype=np.float64)
    if grad is None:
        return total, out
    dZ = dout
    if scale != 1.0:
        np.multiply(dout, dt(scale), out=dout)
    # ---- backward
    for i in range(L - 1, -1, -1):
        if accumulate:
            grad.b[i] += dZ.sum(axis=1)
        else:
            np.sum(dZ, axis=1, out=grad.b[i])
        if i == 0:
            G0 = grad.W[0]
            if formulation == "block":
                dZb = np.reshape(dZ.transpose(1, 0, 2), (B, R * h), copy=False)  # (B, R, h) memory
                if accumulate:
                    G0.reshape(d, R * h)[...] += X.T @ dZb
                else:
                    np.matmul(X.T, dZb, out=np.reshape(G0, (d, R * h), copy=False))
            elif accumulate:
                G0 += np.matmul(X.T, dZ).transpose(1, 0, 2)
            else:
                np.matmul(X.T, dZ, out=G0.transpose(1, 0, 2))
            break
        if accumulate:
            grad.W[i] += np.matmul(As[i - 1].transpose(0, 2, 1), dZ)
        else:
            np.matmul(As[i - 1].transpose(0, 2, 1), dZ, out=grad.W[i])
        dA = dAs[i - 1]
        np.matmul(dZ, nets.W[i].transpose(0, 2, 1), out=dA)
        backward(dA, Zs[i - 1], As[i - 1], tmps[i - 1], masks[i - 1])
        dZ = dA
    return total, out


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerPieces:
    """Pre-activations of one hidden layer against the PL model (theory §5.1–§5.2).

    ``mu``, ``sigma``: mean and standard deviation of the layer's pre-activations pooled over
    units, training samples and restarts; ``breakpoints``, ``slopes``, ``intercepts``: the PL
    model used (exact, or the L-piece fit under N(μ, σ²)); ``measured``: share of the
    pre-activations in each piece; ``model``: ρ_ℓ under N(μ, σ²); ``alpha_bar``/``beta_bar``
    measured (Σ share_ℓ α_ℓ, Σ share_ℓ β_ℓ) and ``alpha_bar_model``/``beta_bar_model`` (Σ ρ_ℓ α_ℓ,
    Σ ρ_ℓ β_ℓ); ``share_sd``: standard deviation over restarts of the measured shares.
    """

    layer: int
    mu: float
    sigma: float
    breakpoints: tuple[float, ...]
    slopes: tuple[float, ...]
    intercepts: tuple[float, ...]
    measured: tuple[float, ...]
    model: tuple[float, ...]
    share_sd: tuple[float, ...]
    alpha_bar: float
    beta_bar: float
    alpha_bar_model: float
    beta_bar_model: float


@dataclass(frozen=True)
class HessianResult:
    """Lowest eigenvalues of the training-loss Hessian at some end points.

    ``restarts``: which restarts were examined; ``eigenvalues`` (points × k) ascending (NaN
    where Lanczos did not converge); ``lambda_max`` the largest eigenvalue per point;
    ``index``: number of eigenvalues below ``−threshold`` (``k`` means "at least k");
    ``threshold`` per point (``rel_tol × λ_max``); ``grad_norm``: full-batch gradient norm;
    ``loss``: training loss at the point; ``k``: eigenvalues computed per point.
    """

    restarts: np.ndarray
    eigenvalues: np.ndarray
    lambda_max: np.ndarray
    index: np.ndarray
    threshold: np.ndarray
    grad_norm: np.ndarray
    loss: np.ndarray
    k: int
    converged: np.ndarray

    @property
    def minima(self) -> int:
        """End points with no eigenvalue below −threshold (among the converged ones)."""
        return int(np.sum((self.index == 0) & self.converged))


@dataclass(frozen=True, eq=False)
class TrainResult:
    """Outcome of :func:`train_networks`.

    ``train_loss``/``test_loss``/``train_accuracy``/``test_accuracy`` (restarts,) at the end
    points; ``grad_norm`` (restarts,) full-batch training-gradient norm at the end (NaN when
    not computed); ``epochs_run`` (restarts,); ``n_weights`` trainable numbers per network;
    ``sizes`` the layer sizes; ``pieces`` one :class:`LayerPieces` per hidden layer (empty if
    not measured); ``kappa`` the κ_1..κ_{H−1} implied by the measured ᾱ, β̄ of the first hidden
    layer (theory §5.3; ``None`` when ᾱ vanishes); ``hessian`` a :class:`HessianResult` or
    ``None``; ``flops`` the training work (6 N per sample); ``seconds`` wall time; ``settings``
    the validated settings.
    """

    train_loss: np.ndarray
    test_loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    grad_norm: np.ndarray
    epochs_run: np.ndarray
    n_weights: int
    sizes: tuple[int, ...]
    pieces: tuple[LayerPieces, ...]
    kappa: tuple[float, ...] | None
    hessian: HessianResult | None
    flops: float
    seconds: float
    formulation: str
    settings: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    @property
    def restarts(self) -> int:
        return int(self.train_loss.size)


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


def _init_chunk(nets: _Nets, seed: int, r0: int, gain: float) -> None:
    """Restart r0 + j gets weights from default_rng([seed, 0, r0 + j])."""
    for j in range(nets.R):
        rng = np.random.default_rng([seed, 0, r0 + j])
        for i, (k_in, k_out) in enumerate(zip(nets.sizes[:-1], nets.sizes[1:])):
            w = rng.standard_normal((k_in, k_out)) * math.sqrt(gain / k_in)
            if i == 0:
                nets.W[0][:, j, :] = w
            else:
                nets.W[i][j] = w


def _full_pass(nets, act, X, y, task, loss, formulation, grad=None, pre_hook=None):
    """Mean loss per restart over (X, y) and optionally the mean gradient; accuracy per restart."""
    n = X.shape[0]
    widest = max(nets.sizes)
    block = max(1, min(n, _EVAL_BLOCK_ENTRIES // max(1, nets.R * widest * max(1, len(nets.sizes) - 1))))
    total = np.zeros(nets.R)
    correct = np.zeros(nets.R)
    ws = _Workspace(nets.sizes, nets.R, min(n, block), nets.dtype, formulation)
    for s in range(0, n, block):
        Xb = X[s:s + block]
        yb = y[s:s + block]
        t, out = _forward_backward(nets, act, Xb, yb, task, loss, formulation, grad, 1.0 / n, pre_hook, ws)
        total += t
        if out.shape[2] == 1:
            pred = (out[..., 0] > 0).astype(np.int64)
        else:
            pred = out.argmax(axis=2)
        correct += (pred == yb[None, :]).sum(axis=1)
    return total / n, correct / n


def train_networks(data, activation, H, width, restarts, epochs, seed, *, blas_threads: int | None = 1, **options) -> TrainResult:
    r"""Train ``restarts`` networks of depth ``H`` and width ``width`` from random starts.

    Parameters
    ----------
    data : str or Dataset
        "digits" or "breast_cancer" (split with ``split_seed``, default ``seed``, and
        ``test_fraction``), or a :class:`Dataset` from :func:`load_dataset`.
    activation : str, PiecewiseLinear, PLFit, ActivationModel, mapping or NetActivation
        See :func:`resolve_activation` (``param``, ``knots``, ``end_slopes`` go with a name).
    H, width, restarts, epochs, seed : int
        Depth (weight layers) in [2, 5], hidden width in [5, 500], restarts in [1, 1000],
        epochs in [1, 500], seed in [0, 2³² − 1].
    loss : "cross_entropy" or "squared"
    optimizer : "sgd" (with ``momentum`` in [0, 0.999]) or "adam" (β = 0.9, 0.999, ε = 1e-8)
    lr : float in (0, 10]; default 0.01 for SGD, 0.001 for Adam.
    batch_size : int in [1, 4096] (capped at the training-set size); minibatch order shared
        by all restarts of an epoch.
    grad_tol : float, optional
        Stop a restart at the end of the first epoch whose full-batch gradient norm is at
        most ``grad_tol`` (costs one extra pass over the training set per epoch).
    dtype : "float32" (default, twice as fast) or "float64"; losses are accumulated in float64.
    formulation : "auto", "block", "batched" or "loop" (see the module docstring).
    pieces : int
        L of the PL fit used for the piece statistics of smooth activations (theory §5.1).
    measure_pieces : bool
        Measure the per-layer piece shares (one more pass over the training set).
    hessian : bool or int
        Examine the Hessian at the first ``hessian`` end points (``True``: 20); only when
        N ≤ 5000.  ``hessian_k`` lowest eigenvalues (Lanczos, float64), index = number below
        ``−hessian_rel_tol × λ_max``.
    on_divergence : "raise" (default: :class:`TrainingDiverged`) or "drop" (keep going; the
        diverged restarts get NaN losses).
    return_params : int
        Return the float64 parameter vectors of the first ``return_params`` restarts (at most
        20) in ``TrainResult.params`` (layout of :func:`loss_and_gradient`).
    max_flops : float
        Cap on the training work 6 × N × n_train × epochs × restarts (default 2e12).
    progress : callable(fraction), optional
        Called with a non-decreasing fraction in [0, 1]: at the start, at most every 0.2 s
        while training, and with 1.0 at the end.
    blas_threads : int or None
        BLAS threads for the call (default 1; ``None`` leaves them as they are).  Many small
        products on a shared machine run several times faster on one thread than on threads
        waiting for busy cores, and a fixed count keeps results reproducible.
    cancel : callable() -> bool, optional
        Checked before every step; when it returns true :class:`TrainingCancelled` is raised.

    Returns
    -------
    TrainResult
    """
    import inspect

    allowed = set(inspect.signature(_train).parameters) - {"data", "activation", "H", "width",
                                                           "restarts", "epochs", "seed"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    if blas_threads is None:
        return _train(data, activation, H, width, restarts, epochs, seed, **options)
    blas_threads = int_param(blas_threads, "blas_threads", 1, 64)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=blas_threads, user_api="blas"):
        return _train(data, activation, H, width, restarts, epochs, seed, **options)


def _train(
    data,
    activation,
    H: int,
    width: int,
    restarts: int,
    epochs: int,
    seed: int,
    *,
    param: float | None = None,
    knots=None,
    end_slopes=None,
    loss: str = "cross_entropy",
    optimizer: str = "sgd",
    lr: float | None = None,
    momentum: float = 0.9,
    batch_size: int = 32,
    grad_tol: float | None = None,
    split_seed: int | None = None,
    test_fraction: float = 0.2,
    dtype: str = "float32",
    formulation: str = "auto",
    pieces: int = 4,
    measure_pieces: bool = True,
    hessian: bool | int = False,
    hessian_k: int = 6,
    hessian_rel_tol: float = 1e-4,
    on_divergence: str = "raise",
    return_params: int = 0,
    max_flops: float = MAX_WORK_FLOPS,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> TrainResult:
    """Body of :func:`train_networks` (BLAS threads already limited)."""
    t_start = time.perf_counter()
    H = int_param(H, "H", *H_RANGE, what="depth, weight layers")
    width = int_param(width, "width", *WIDTH_RANGE, what="hidden units per layer")
    restarts = int_param(restarts, "restarts", *RESTARTS_RANGE)
    epochs = int_param(epochs, "epochs", *EPOCHS_RANGE)
    seed = _check_seed(seed)
    optimizer = _check_choice(optimizer, "optimizer", _OPTIMIZERS)
    loss = _check_choice(loss, "loss", _LOSSES)
    formulation = _check_choice(formulation, "formulation", _FORMULATIONS)
    dtype_name = _check_choice(dtype, "dtype", tuple(_DTYPES))
    on_divergence = _check_choice(on_divergence, "on_divergence", ("raise", "drop"))
    if lr is None:
        lr = 0.01 if optimizer == "sgd" else 0.001
    lr = _check_float(lr, "learning rate", *LR_RANGE, open_lo=True)
    momentum = _check_float(momentum, "momentum", 0.0, 0.999)
    batch_size = int_param(batch_size, "batch size", *BATCH_RANGE)
    if grad_tol is not None:
        grad_tol = _check_float(grad_tol, "gradient-norm tolerance", 0.0, 1e3, open_lo=True)
    pieces = int_param(pieces, "pieces L", *PIECES_RANGE)
    hessian_k = int_param(hessian_k, "hessian_k", 1, 50)
    hessian_rel_tol = _check_float(hessian_rel_tol, "hessian_rel_tol", 0.0, 1.0, open_lo=True)
    if isinstance(hessian, bool):
        n_hess = HESSIAN_DEFAULT_POINTS if hessian else 0
    else:
        n_hess = int_param(hessian, "hessian (end points examined)", 0, RESTARTS_RANGE[1])
    max_flops = _check_float(max_flops, "max_flops", 1.0, 1e15)
    return_params = int_param(return_params, "return_params", 0, 20)
    act = resolve_activation(activation, param, knots, end_slopes)
    if isinstance(data, Dataset):
        ds = data
    else:
        ds = load_dataset(data, seed if split_seed is None else split_seed, test_fraction)
    task = "binary" if ds.binary else "multiclass"
    n_out = 1 if ds.binary else ds.n_classes
    sizes = layer_sizes(ds.n_features, width, H, n_out)
    N = count_weights(sizes)
    flops = work_flops(N, restarts, ds.n_train, epochs)
    if flops > max_flops:
        most = max(1, int(max_flops // work_flops(N, 1, ds.n_train, epochs)))
        raise ValueError(
            f"this run needs {flops:.3g} floating-point operations, more than the cap of "
            f"{max_flops:.3g} (6 × N × samples × epochs × restarts with N = {N} weights, "
            f"{ds.n_train} samples): reduce restarts (at most {most} at these settings), "
            "epochs or width"
        )
    batch = min(batch_size, ds.n_train)
    form = choose_formulation(width, H, restarts) if formulation == "auto" else formulation
    chunk = _chunk_size(N, restarts, form, batch, width, H)
    dt = _DTYPES[dtype_name]
    Xtr = ds.X_train.astype(dt)
    Xte = ds.X_test.astype(dt)
    ytr, yte = ds.y_train, ds.y_test
    n = ds.n_train
    steps_per_epoch = -(-n // batch)
    total_steps = steps_per_epoch * epochs * (-(-restarts // chunk))
    settings = dict(
        data=ds.name, activation=act.name, param=act.param, H=H, width=width, restarts=restarts,
        epochs=epochs, seed=seed, loss=loss, optimizer=optimizer, lr=lr, momentum=momentum,
        batch_size=batch, grad_tol=grad_tol, split_seed=ds.split_seed, dtype=dtype_name,
        formulation=form, pieces=pieces,
    )

    last_report = [time.perf_counter(), -1.0]

    def report(frac: float, force: bool = False) -> None:
        if progress is None:
            return
        now = time.perf_counter()
        frac = min(1.0, max(frac, last_report[1], 0.0))
        if force or now - last_report[0] >= 0.2:
            last_report[0] = now
            last_report[1] = frac
            progress(frac)

    report(0.0, force=True)
    out = {k: np.full(restarts, np.nan) for k in ("train_loss", "test_loss", "train_acc", "test_acc", "gn")}
    epochs_run = np.zeros(restarts, dtype=np.int64)
    diverged = np.zeros(restarts, dtype=bool)
    # piece statistics accumulators (second pass; first pass gives μ, σ)
    tally = _PieceTally(H - 1, restarts, act.pl) if measure_pieces else None
    returned: dict[int, np.ndarray] = {}
    keep_params: list[tuple[int, np.ndarray]] = []  # float64 vectors of the end points examined by the Hessian
    orders = [np.random.default_rng([seed, 1, e]).permutation(n) for e in range(epochs)]
    step_done = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for r0 in range(0, restarts, chunk):
            R = min(chunk, restarts - r0)
            nets = _Nets(sizes, R, dt)
            _init_chunk(nets, seed, r0, act.gain)
            grad = _Nets(sizes, R, dt)
            m1 = np.zeros_like(nets.buf) if (optimizer == "adam" or momentum > 0) else None
            m2 = np.zeros_like(nets.buf) if optimizer == "adam" else None
            adam_tmp = np.empty_like(nets.buf) if optimizer == "adam" else None
            ws = _Workspace(sizes, R, batch, dt, form)
            active = np.ones(R, dtype=bool)
            mask = None  # per-parameter active mask, built when some restarts stop
            t_adam = 0
            for e in range(epochs):
                order = orders[e]
                for s in range(0, n, batch):
                    if cancel is not None and cancel():
                        raise TrainingCancelled("training cancelled")
                    idx = order[s:s + batch]
                    _forward_backward(nets, act, Xtr[idx], ytr[idx], task, loss, form, grad, 1.0 / len(idx),
                                      ws=ws, accumulate=False)
                    # the update, written over the gradient (no temporaries; same operations
                    # as m1 ← μ m1 + g, Δ = lr m1 and Adam's Δ = c1 m1 / (√(c2 m2) + ε))
                    g = upd = grad.buf
                    if optimizer == "sgd":
                        if m1 is not None:
                            m1 *= dt(momentum)
                            m1 += g
                            np.multiply(m1, dt(lr), out=upd)
                        else:
                            np.multiply(g, dt(lr), out=upd)
                    else:
                        t_adam += 1
                        m1 *= dt(0.9)
                        m2 *= dt(0.999)
                        np.multiply(g, g, out=adam_tmp)
                        np.multiply(dt(0.001), adam_tmp, out=adam_tmp)
                        m2 += adam_tmp
                        np.multiply(dt(0.1), g, out=g)
                        m1 += g
                        c1 = lr / (1 - 0.9**t_adam)
                        c2 = 1 / (1 - 0.999**t_adam)
                        np.multiply(m2, dt(c2), out=g)
                        np.sqrt(g, out=g)
                        g += dt(1e-8)
                        np.multiply(m1, dt(c1), out=adam_tmp)
                        np.divide(adam_tmp, g, out=adam_tmp)
                        upd = adam_tmp
                    if mask is not None:
                        upd *= mask
                    nets.buf -= upd
                    step_done += 1
                    report(step_done / total_steps)
                epochs_run[r0:r0 + R] += active
                bad = ~np.isfinite(nets.per_restart_sq(nets.buf))
                if grad_tol is not None or bad.any():
                    if grad_tol is not None:
                        grad.buf[...] = 0
                        lossv, _ = _full_pass(nets, act, Xtr, ytr, task, loss, form, grad)
                        gn = np.sqrt(nets.per_restart_sq(grad.buf))
                        bad |= ~np.isfinite(lossv)
                        stop = active & (gn <= grad_tol)
                        if stop.any():
                            active &= ~stop
                    if bad.any():
                        if on_divergence == "raise":
                            raise TrainingDiverged(
                                f"training diverged: the loss of {int(bad.sum())} of {R} networks "
                                f"(restarts {r0}..{r0 + R - 1}) became NaN or infinite in epoch "
                                f"{e + 1}; lower the learning rate (now {lr:g})"
                                + (" or the momentum" if optimizer == "sgd" and momentum > 0 else "")
                            )
                        diverged[r0:r0 + R] |= bad
                        active &= ~bad
                    mask = _mask_for(nets, active)
                    if not active.any():
                        step_done += steps_per_epoch * (epochs - e - 1)
                        break
            # ---- end points of this chunk
            grad.buf[...] = 0
            hook = tally.hook(r0, R) if tally is not None else None
            trl, tra = _full_pass(nets, act, Xtr, ytr, task, loss, form, grad, pre_hook=hook)
            gn = np.sqrt(nets.per_restart_sq(grad.buf))
            tel, tea = _full_pass(nets, act, Xte, yte, task, loss, form)
            sl = slice(r0, r0 + R)
            out["train_loss"][sl], out["train_acc"][sl] = trl, tra
            out["test_loss"][sl], out["test_acc"][sl] = tel, tea
            out["gn"][sl] = gn
            bad = ~np.isfinite(trl) | ~np.isfinite(tel)
            if bad.any() and on_divergence == "raise":
                raise TrainingDiverged(
                    f"training diverged: the final loss of {int(bad.sum())} networks is NaN or "
                    f"infinite; lower the learning rate (now {lr:g})"
                )
            diverged[sl] |= bad
            for j in range(R):
                if r0 + j < return_params:
                    returned[r0 + j] = nets.restart_vector(j)
                if r0 + j < n_hess and N <= HESSIAN_MAX_N and not diverged[r0 + j]:
                    keep_params.append((r0 + j, nets.restart_vector(j)))
            del grad, m1, m2, adam_tmp, ws
    for k in out:
        out[k][diverged] = np.nan
    # ---- piece statistics (theory §5.1–§5.2)
    layer_pieces: tuple[LayerPieces, ...] = ()
    kappa = None
    if tally is not None:
        layer_pieces = tally.results(act, pieces, ~diverged)
        if layer_pieces:
            first = layer_pieces[0]
            try:
                kappa = kappa_coefficients(first.alpha_bar, first.beta_bar, H)
            except ValueError:
                kappa = None
    # ---- Hessian at the end points
    hess = None
    if keep_params:
        hess = _hessian_points(keep_params, sizes, act, ds, task, loss, hessian_k, hessian_rel_tol, cancel)
    report(1.0, force=True)
    return TrainResult(
        train_loss=out["train_loss"], test_loss=out["test_loss"], train_accuracy=out["train_acc"],
        test_accuracy=out["test_acc"], grad_norm=out["gn"], epochs_run=epochs_run, n_weights=N,
        sizes=sizes, pieces=layer_pieces, kappa=kappa, hessian=hess, flops=flops,
        seconds=time.perf_counter() - t_start, formulation=form, settings=settings,
        params=returned,
    )


class _PieceTally:
    """Per-layer pre-activation moments and piece counts, gathered during the final pass.

    For a PL activation the pieces are known in advance and counted exactly per restart.
    For a smooth one the PL fit depends on the pooled μ, σ, known only at the end, so the
    pre-activations are binned per restart on a grid of width σ₀/50 over μ₀ ± 12σ₀ (μ₀, σ₀ from
    the first block seen; two overflow bins), and the share of a piece is read off the binned
    distribution function, linearly interpolated inside the bin holding a breakpoint.
    """

    _BINS_PER_SIGMA = 50
    _HALF_RANGE = 12.0

    def __init__(self, layers: int, restarts: int, pl: PiecewiseLinear | None):
        self.layers, self.restarts, self.pl = layers, restarts, pl
        self.s1 = np.zeros(layers)
        self.s2 = np.zeros(layers)
        self.n = np.zeros(layers)
        self.grid: list[tuple[float, float, int] | None] = [None] * layers
        if pl is not None:
            self.counts = [np.zeros((restarts, pl.pieces)) for _ in range(layers)]
        else:
            self.counts = [None] * layers

    def hook(self, r0: int, R: int):
        def f(i, Z):
            Z64 = Z.astype(np.float64)
            fin = np.isfinite(Z64).all(axis=(1, 2))
            zf = Z64[fin]  # restarts with finite pre-activations (a C-ordered copy)
            if fin.any():
                self.s1[i] += float(zf.sum())
                self.s2[i] += float(np.square(zf).sum())
                self.n[i] += zf.size
            if self.pl is not None:
                a = np.asarray(self.pl.breakpoints)
                nb = self.pl.pieces
            else:
                if self.grid[i] is None:
                    zz = zf
                    m0 = float(zz.mean()) if zz.size else 0.0
                    s0 = float(zz.std()) if zz.size else 1.0
                    s0 = s0 if s0 > 1e-12 else 1.0
                    bw = s0 / self._BINS_PER_SIGMA
                    nb = int(2 * self._HALF_RANGE * self._BINS_PER_SIGMA)
                    self.grid[i] = (m0 - self._HALF_RANGE * s0, bw, nb)
                    self.counts[i] = np.zeros((self.restarts, nb + 2))
                lo, bw, nbin = self.grid[i]
                nb = nbin + 2
            rows = r0 + np.flatnonzero(fin)
            if not rows.size:
                return
            Zf = zf.reshape(rows.size, -1)
            if self.pl is not None:
                # piece of z = number of breakpoints below it (searchsorted, side="left")
                above = [np.count_nonzero(Zf > x, axis=1) for x in a]
                cum = np.stack([np.full(rows.size, Zf.shape[1])] + above + [np.zeros(rows.size, np.int64)], axis=1)
                self.counts[i][rows] += cum[:, :-1] - cum[:, 1:]
            else:
                idx = np.clip(np.floor((Zf - lo) / bw).astype(np.int64) + 1, 0, nb - 1)
                idx += (np.arange(rows.size) * nb)[:, None]
                self.counts[i][rows] += np.bincount(idx.ravel(), minlength=rows.size * nb).reshape(rows.size, nb)
        return f

    def _shares(self, i: int, pl: PiecewiseLinear, c: np.ndarray) -> np.ndarray:
        """Per-restart piece shares (rows) from the counts ``c`` of layer i."""
        if self.pl is not None:
            return c / np.maximum(c.sum(axis=1, keepdims=True), 1)
        lo, bw, nbin = self.grid[i]
        edges = lo + bw * np.arange(nbin + 1)
        cum = np.concatenate((np.zeros((c.shape[0], 1)), np.cumsum(c, axis=1)), axis=1)
        tot = np.maximum(cum[:, -1:], 1)
        # cum[:, 1 + k] counts everything below edges[k] (underflow bin first)
        at = np.array([[np.interp(a, edges, row[1:nbin + 2]) for a in pl.breakpoints] for row in cum])
        at = at.reshape(c.shape[0], len(pl.breakpoints))
        cdf = np.concatenate((np.zeros((c.shape[0], 1)), at, tot), axis=1)
        return np.diff(cdf, axis=1) / tot

    def results(self, act: NetActivation, pieces: int, ok: np.ndarray) -> tuple[LayerPieces, ...]:
        out = []
        for i in range(self.layers):
            if self.n[i] == 0 or self.counts[i] is None:
                continue
            mu = self.s1[i] / self.n[i]
            sd = math.sqrt(max(self.s2[i] / self.n[i] - mu * mu, 0.0))
            mu_c = float(np.clip(mu, *MU_RANGE))
            sd_c = float(np.clip(sd, *SIGMA_RANGE))
            pl = act.pl_fit(pieces, mu_c, sd_c)
            c = self.counts[i][ok]
            per = self._shares(i, pl, c)
            weights = c.sum(axis=1)
            share = (per * weights[:, None]).sum(axis=0) / max(weights.sum(), 1)
            model = np.asarray(piece_probabilities(pl, mu_c, sd_c))
            al, be = np.asarray(pl.slopes), np.asarray(pl.intercepts)
            out.append(LayerPieces(
                layer=i + 1, mu=float(mu), sigma=float(sd), breakpoints=pl.breakpoints,
                slopes=pl.slopes, intercepts=pl.intercepts,
                measured=tuple(float(x) for x in share), model=tuple(float(x) for x in model),
                share_sd=tuple(float(x) for x in per.std(axis=0)),
                alpha_bar=float(share @ al), beta_bar=float(share @ be),
                alpha_bar_model=float(model @ al), beta_bar_model=float(model @ be),
            ))
        return tuple(out)


def _mask_for(nets: _Nets, active: np.ndarray) -> np.ndarray | None:
    if active.all():
        return None
    m = _Nets(nets.sizes, nets.R, nets.dtype)
    a = active.astype(nets.dtype)
    m.W[0][...] = a[None, :, None]
    for w in m.W[1:]:
        w[...] = a[:, None, None]
    for v in m.b:
        v[...] = a[:, None]
    return m.buf


# ---------------------------------------------------------------------------------------------
# One network in float64: loss, gradient, Hessian
# ---------------------------------------------------------------------------------------------


def loss_and_gradient(params, sizes, activation, X, y, loss: str = "cross_entropy") -> tuple[float, np.ndarray]:
    """Mean training loss of one network and its gradient (float64; the layout of :class:`_Nets` with R = 1).

    ``params`` has ``count_weights(sizes)`` entries: W_1 (d × h row-major), b_1, W_2, b_2, ….
    ``y`` class labels; the task is binary when ``sizes[-1] == 1``.
    """
    act = resolve_activation(activation)
    p = np.asarray(params, dtype=np.float64)
    N = count_weights(sizes)
    if p.shape != (N,):
        raise ValueError(f"params must have shape ({N},) for layer sizes {tuple(sizes)}; got {p.shape}")
    loss = _check_choice(loss, "loss", _LOSSES)
    nets = _Nets(sizes, 1, np.float64, p.copy())
    grad = _Nets(sizes, 1, np.float64)
    task = "binary" if sizes[-1] == 1 else "multiclass"
    Xf = np.asarray(X, dtype=np.float64)
    lv, _ = _full_pass(nets, act, Xf, np.asarray(y), task, loss, "batched", grad)
    return float(lv[0]), grad.buf


def _unpack(w: np.ndarray, sizes) -> list[tuple[np.ndarray, np.ndarray]]:
    out, off = [], 0
    for k_in, k_out in zip(sizes[:-1], sizes[1:]):
        W = w[off:off + k_in * k_out].reshape(k_in, k_out)
        off += k_in * k_out
        out.append((W, w[off:off + k_out]))
        off += k_out
    return out


def hessian_vector_product(params, vector, sizes, activation, X, y, loss: str = "cross_entropy") -> np.ndarray:
    """Exact product of the training-loss Hessian with ``vector`` (Pearlmutter's R-operator).

    One forward pass carries R{z_l} = R{a_{l−1}} W_l + a_{l−1} V_l + v_l and
    R{a_l} = f'(z_l) R{z_l}; one backward pass carries
    R{δ_{l−1}} = (R{δ_l} W_lᵀ + δ_l V_lᵀ) ⊙ f'(z_{l−1}) + (δ_l W_lᵀ) ⊙ f''(z_{l−1}) ⊙ R{z_{l−1}},
    R{∇W_l} = R{a_{l−1}}ᵀ δ_l + a_{l−1}ᵀ R{δ_l}.  For piece-wise linear activations f'' = 0
    almost everywhere, so this is the Hessian of the region the point lies in (a finite
    difference of the gradient would blow up whenever a pre-activation crosses a kink).
    float64, one network, layout of :func:`loss_and_gradient`.
    """
    act = resolve_activation(activation)
    w = np.asarray(params, dtype=np.float64)
    v = np.asarray(vector, dtype=np.float64)
    N = count_weights(sizes)
    if w.shape != (N,) or v.shape != (N,):
        raise ValueError(f"params and vector must have shape ({N},) for layer sizes {tuple(sizes)}")
    loss = _check_choice(loss, "loss", _LOSSES)
    d2f = _second_derivative(act.name, act.param)
    Ws, Vs = _unpack(w, sizes), _unpack(v, sizes)
    Xf = np.asarray(X, dtype=np.float64)
    yy = np.asarray(y)
    n = Xf.shape[0]
    L = len(Ws)
    a, Ra = Xf, np.zeros_like(Xf)
    acts, racts, zs, rzs = [a], [Ra], [], []
    for i, ((W, b), (V, c)) in enumerate(zip(Ws, Vs)):
        z = a @ W + b
        Rz = Ra @ W + a @ V + c
        if i < L - 1:
            zs.append(z)
            rzs.append(Rz)
            a = act.f(z)
            Ra = act.df(z) * Rz
            acts.append(a)
            racts.append(Ra)
    out, Rout = z, Rz
    if sizes[-1] > 1 and loss == "cross_entropy":
        sh = out - out.max(axis=1, keepdims=True)
        p = np.exp(sh)
        p /= p.sum(axis=1, keepdims=True)
        delta = p.copy()
        delta[np.arange(n), yy] -= 1
        Rdelta = p * Rout - p * (p * Rout).sum(axis=1, keepdims=True)
    elif sizes[-1] > 1:
        onehot = np.zeros_like(out)
        onehot[np.arange(n), yy] = 1
        delta, Rdelta = 2 * (out - onehot), 2 * Rout
    elif loss == "cross_entropy":
        sgn = (2.0 * yy - 1.0)[:, None]
        m = out * sgn
        delta = -special.expit(-m) * sgn
        Rdelta = special.expit(m) * special.expit(-m) * Rout
    else:
        sgn = (2.0 * yy - 1.0)[:, None]
        delta, Rdelta = 2 * (out - sgn), 2 * Rout
    delta, Rdelta = delta / n, Rdelta / n
    parts: list[np.ndarray] = []
    for i in range(L - 1, -1, -1):
        W, _ = Ws[i]
        V, _ = Vs[i]
        parts.append(Rdelta.sum(axis=0))
        parts.append((racts[i].T @ delta + acts[i].T @ Rdelta).ravel())
        if i == 0:
            break
        back = delta @ W.T
        z, Rz = zs[i - 1], rzs[i - 1]
        fp = act.df(z)
        Rdelta = (Rdelta @ W.T + delta @ V.T) * fp + back * d2f(z) * Rz
        delta = back * fp
    return np.concatenate(parts[::-1])


def hessian_lowest(params, sizes, activation, X, y, loss: str = "cross_entropy", k: int = 6,
                   rel_tol: float = 1e-4):
    """The ``k`` lowest eigenvalues of the training-loss Hessian and its largest one.

    Lanczos (``scipy.sparse.linalg.eigsh``) on exact Hessian-vector products
    (:func:`hessian_vector_product`): first λ_max (``which="LA"``), then the ``k`` largest
    eigenvalues of ``λ_max·I − Hess`` (the lowest of the Hessian, each to an absolute
    accuracy of about ``rel_tol × λ_max / 10``).  Returns ``(eigenvalues ascending, λ_max,
    converged)``; with ``converged`` false the missing values are NaN.
    """
    act = resolve_activation(activation)
    w = np.asarray(params, dtype=np.float64)
    N = w.size
    if N > HESSIAN_MAX_N:
        raise ValueError(f"the Hessian is examined only for N ≤ {HESSIAN_MAX_N} weights; this network has {N}")
    k = int_param(k, "k", 1, min(50, N - 1))
    Xf = np.asarray(X, dtype=np.float64)
    yy = np.asarray(y)

    def hv(v):
        return hessian_vector_product(w, np.asarray(v, dtype=np.float64).ravel(), sizes, act, Xf, yy, loss)

    v0 = np.random.default_rng(12345).standard_normal(N)  # fixed start vector: deterministic
    op = LinearOperator((N, N), matvec=hv, dtype=np.float64)
    try:
        lam_max = float(eigsh(op, k=1, which="LA", v0=v0, ncv=min(N, 20), tol=1e-4, maxiter=500,
                              return_eigenvectors=False)[0])
    except ArpackNoConvergence as exc:
        got = np.asarray(exc.eigenvalues, dtype=float)
        if not got.size:
            return np.full(k, np.nan), math.nan, False
        lam_max = float(got.max())
    shift = lam_max if lam_max > 0 else 1.0
    shifted = LinearOperator((N, N), matvec=lambda v: shift * np.asarray(v).ravel() - hv(v), dtype=np.float64)
    converged = True
    try:
        top = eigsh(shifted, k=k, which="LA", v0=v0, ncv=min(N, max(2 * k + 1, 40)),
                    tol=0.1 * rel_tol, maxiter=5000, return_eigenvectors=False)
        vals = shift - np.asarray(top, dtype=float)
    except ArpackNoConvergence as exc:
        vals = np.full(k, np.nan)
        got = shift - np.asarray(exc.eigenvalues, dtype=float)
        vals[: got.size] = got
        converged = False
    return np.sort(vals), lam_max, converged


def _hessian_points(points, sizes, act, ds, task, loss, k, rel_tol, cancel) -> HessianResult:
    rs, eig, lmax, idx, thr, gns, ls, conv = [], [], [], [], [], [], [], []
    N = count_weights(sizes)
    k = min(k, N - 1)
    for r, w in points:
        if cancel is not None and cancel():
            raise TrainingCancelled("training cancelled")
        lv, g = loss_and_gradient(w, sizes, act, ds.X_train, ds.y_train, loss)
        vals, lam_max, ok = hessian_lowest(w, sizes, act, ds.X_train, ds.y_train, loss, k, rel_tol)
        t = rel_tol * max(abs(lam_max), 1e-12) if math.isfinite(lam_max) else math.nan
        rs.append(r)
        eig.append(vals)
        lmax.append(lam_max)
        thr.append(t)
        idx.append(int(np.sum(vals < -t)))
        gns.append(float(np.linalg.norm(g)))
        ls.append(lv)
        conv.append(bool(ok and math.isfinite(t)))
    return HessianResult(
        restarts=np.asarray(rs), eigenvalues=np.asarray(eig), lambda_max=np.asarray(lmax),
        index=np.asarray(idx), threshold=np.asarray(thr), grad_norm=np.asarray(gns),
        loss=np.asarray(ls), k=k, converged=np.asarray(conv),
    )
