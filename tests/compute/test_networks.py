"""Tests of compute.networks: gradients, determinism, bad input, statistics of trained networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from compute import networks as nw
from compute.activations import custom_piecewise_linear, exact_piecewise_linear
from compute.network import describe_activation

SMALL = dict(H=2, width=8, restarts=3, epochs=2, seed=1)


def _fd_gradient(f, w, eps=1e-6):
    g = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = eps
        g[i] = (f(w + e) - f(w - e)) / (2 * eps)
    return g


# --------------------------------------------------------------------------- data


def test_data_match_scikit_learn_loaders():
    from sklearn.datasets import load_breast_cancer, load_digits

    for name, loader in (("digits", load_digits), ("breast_cancer", load_breast_cancer)):
        X, y = nw._raw(name)
        bunch = loader()
        assert np.array_equal(X, bunch.data)
        assert np.array_equal(y, bunch.target)


def test_split_is_fixed_by_seed_and_standardised():
    a = nw.load_dataset("digits", seed=3)
    b = nw.load_dataset("digits", seed=3)
    c = nw.load_dataset("digits", seed=4)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    assert a.n_train + a.n_test == 1797 and a.n_test == round(0.2 * 1797)
    m = a.X_train.mean(axis=0)
    s = a.X_train.std(axis=0)
    assert np.allclose(m, 0, atol=1e-12)
    varying = s > 0
    assert np.allclose(s[varying], 1, atol=1e-12)
    bc = nw.load_dataset("breast_cancer", seed=0)
    assert bc.binary and bc.n_features == 30 and bc.n_train + bc.n_test == 569
    with pytest.raises(ValueError):
        a.X_train[0, 0] = 1.0  # read-only: cached arrays cannot be corrupted


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize(
    "activation,loss,binary,H",
    [
        ("tanh", "cross_entropy", False, 3),
        ("sigmoid", "squared", False, 2),
        ("softplus", "cross_entropy", True, 4),
        ("gelu", "squared", True, 3),
        ("silu", "cross_entropy", False, 2),
        ("elu", "cross_entropy", False, 3),
        ("relu", "cross_entropy", False, 3),
        ("leaky_relu", "squared", True, 2),
    ],
)
def test_gradient_matches_finite_differences(activation, loss, binary, H):
    rng = np.random.default_rng(7)
    d, n = 5, 12
    sizes = nw.layer_sizes(d, 4, H, 1 if binary else 3)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, 2 if binary else 3, n)
    w = rng.standard_normal(nw.count_weights(sizes)) * 0.7
    value, g = nw.loss_and_gradient(w, sizes, activation, X, y, loss)
    fd = _fd_gradient(lambda v: nw.loss_and_gradient(v, sizes, activation, X, y, loss)[0], w)
    assert np.isfinite(value)
    assert np.max(np.abs(g - fd)) <= 1e-7 * max(1.0, np.max(np.abs(g)))


def test_loss_matches_a_plain_forward_pass():
    """Loss of one network against a direct loop over layers (independent of the batched code)."""
    rng = np.random.default_rng(3)
    sizes = (6, 5, 5, 4)
    X = rng.standard_normal((9, 6))
    y = rng.integers(0, 4, 9)
    w = rng.standard_normal(nw.count_weights(sizes))
    value, _ = nw.loss_and_gradient(w, sizes, "tanh", X, y)
    off, a = 0, X
    for i, (k_in, k_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = w[off:off + k_in * k_out].reshape(k_in, k_out)
        off += k_in * k_out
        b = w[off:off + k_out]
        off += k_out
        a = a @ W + b
        if i < len(sizes) - 2:
            a = np.tanh(a)
    logp = a - np.log(np.exp(a).sum(axis=1, keepdims=True))
    assert value == pytest.approx(-logp[np.arange(9), y].mean(), rel=1e-13)


@pytest.mark.parametrize("formulation", ["block", "batched", "loop"])
def test_batched_gradients_equal_single_network_gradients(formulation):
    rng = np.random.default_rng(11)
    sizes = (7, 6, 6, 3)
    R = 4
    nets = nw._Nets(sizes, R, np.float64)
    nw._init_chunk(nets, 5, 0, 1.0)
    nets.buf += 0.1 * rng.standard_normal(nets.buf.size)  # biases non-zero too
    grad = nw._Nets(sizes, R, np.float64)
    X = rng.standard_normal((10, 7))
    y = rng.integers(0, 3, 10)
    act = nw.resolve_activation("sigmoid")
    total, _ = nw._forward_backward(nets, act, X, y, "multiclass", "cross_entropy",
                                    "batched" if formulation == "loop" else formulation, grad, 0.1)
    for r in range(R):
        v, g = nw.loss_and_gradient(nets.restart_vector(r), sizes, "sigmoid", X, y)
        assert total[r] / 10 == pytest.approx(v, rel=1e-12)
        gr = nw._Nets(sizes, R, np.float64, grad.buf.copy()).restart_vector(r)
        assert np.allclose(gr, g, rtol=1e-10, atol=1e-14)


_FUSED_CASES = [
    ("relu", None, None), ("leaky_relu", 0.3, None), ("hard_tanh", None, None), ("tanh", None, None),
    ("sigmoid", None, None), ("softplus", None, None), ("elu", 0.7, None), ("gelu", None, None),
    ("silu", None, None), ("custom", None, ((-1.0, -0.5), (0.0, 0.0), (1.0, 2.0))),
    # breakpoints no float32 can hold: compared in float64, as searchsorted does
    ("custom", None, ((-0.3, 0.0), (0.1, 0.2), (0.7, -0.5), (1.9, 1.0))),
    # more breakpoints than are evaluated piece by piece: the generic path
    ("custom", None, tuple((float(k), float(k % 3)) for k in range(-6, 7))),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,param,knots", _FUSED_CASES)
def test_in_place_activation_equals_f_and_df_bit_for_bit(name, param, knots, dtype):
    """The training loop's allocation-free f and f' are the same numbers as ``f``/``df``."""
    act = nw.resolve_activation(name, param, knots)
    forward, backward = nw._fused_ops(act)
    rng = np.random.default_rng(4)
    kinks = [0.0, -1.0, 1.0, -0.0] + (list(act.pl.breakpoints) if act.pl is not None else [])
    kinks = np.array(kinks, dtype)  # and their neighbours in this dtype
    z = np.concatenate([rng.standard_normal(400).astype(dtype) * 3, kinks, np.nextafter(kinks, dtype(9)),
                        np.nextafter(kinks, dtype(-9))])
    z = z[: z.size // 2 * 2].reshape(2, -1)[:, ::-1].T  # non-contiguous, as in training
    a = np.full(z.shape, np.nan, dtype)
    tmp = np.full(z.shape, np.nan, dtype)
    mask = np.zeros(z.shape, bool)
    forward(z, a, tmp, mask)
    assert a.dtype == dtype and np.array_equal(a, act.f(z))
    dA = rng.standard_normal(z.shape).astype(dtype)
    want = dA * act.df(z)
    backward(dA, z, a, tmp, mask)
    assert np.array_equal(dA, want)


@pytest.mark.parametrize("formulation", ["block", "batched"])
def test_gradient_written_over_equals_gradient_added(formulation):
    """A training step writes the gradient over the old one; a smaller batch reuses the workspace."""
    rng = np.random.default_rng(12)
    sizes = (7, 6, 6, 3)
    nets = nw._Nets(sizes, 3, np.float64)
    nw._init_chunk(nets, 1, 0, 1.0)
    act = nw.resolve_activation("tanh")
    ws = nw._Workspace(sizes, 3, 10, np.float64, formulation)
    for B in (10, 7):
        X = rng.standard_normal((B, 7))
        y = rng.integers(0, 3, B)
        added = nw._Nets(sizes, 3, np.float64)
        t1, _ = nw._forward_backward(nets, act, X, y, "multiclass", "cross_entropy", formulation, added, 0.5)
        written = nw._Nets(sizes, 3, np.float64, rng.standard_normal(added.buf.size))
        t2, _ = nw._forward_backward(nets, act, X, y, "multiclass", "cross_entropy", formulation, written, 0.5,
                                     ws=ws, accumulate=False)
        assert np.array_equal(t1, t2)
        assert np.array_equal(added.buf, written.buf)


def test_custom_knot_activation_trains_with_its_slopes():
    knots = ((-1.0, -0.5), (0.0, 0.0), (1.0, 2.0))
    act = nw.resolve_activation("custom", knots=knots)
    z = np.array([-3.0, -0.5, 0.0, 0.5, 4.0])
    pl = custom_piecewise_linear(knots)
    assert np.allclose(act.f(z), pl(z))
    assert np.allclose(act.df(z), [0.5, 0.5, 0.5, 2.0, 2.0])
    rng = np.random.default_rng(2)
    sizes = (4, 5, 2)
    X = rng.standard_normal((8, 4))
    y = rng.integers(0, 2, 8)
    w = rng.standard_normal(nw.count_weights(sizes))
    _, g = nw.loss_and_gradient(w, sizes, act, X, y)
    fd = _fd_gradient(lambda v: nw.loss_and_gradient(v, sizes, act, X, y)[0], w)
    assert np.max(np.abs(g - fd)) < 1e-7


def test_activation_objects_of_the_other_views_are_accepted():
    model = describe_activation("tanh", None, 4, 0.0, 1.0, 3)
    assert nw.resolve_activation(model).name == "tanh"
    assert nw.resolve_activation(model.fit).name == "tanh"
    relu = nw.resolve_activation(exact_piecewise_linear("relu"))
    assert relu.pl.slopes == (0.0, 1.0)
    mapping = nw.resolve_activation({"activation": "custom", "knots": "z, f\n0, 0\n1, 1\n2, 1"})
    assert mapping.pl.breakpoints == (1.0,)
    leaky = nw.resolve_activation({"activation": "leaky_relu", "param": 0.2})
    assert np.allclose(leaky.df(np.array([-1.0, 1.0])), [0.2, 1.0])


# --------------------------------------------------------------------------- training


def test_training_is_deterministic_and_seeded():
    a = nw.train_networks("digits", "relu", **SMALL)
    b = nw.train_networks("digits", "relu", **SMALL)
    c = nw.train_networks("digits", "relu", **{**SMALL, "seed": 2})
    assert np.array_equal(a.train_loss, b.train_loss) and np.array_equal(a.test_loss, b.test_loss)
    assert not np.array_equal(a.train_loss, c.train_loss)
    assert a.train_loss.shape == (3,) and a.test_loss.shape == (3,)
    assert a.n_weights == 64 * 8 + 8 + 8 * 10 + 10


def test_restart_does_not_depend_on_how_many_restarts_run():
    kw = dict(SMALL, dtype="float64")
    a = nw.train_networks("digits", "tanh", **{**kw, "restarts": 2})
    b = nw.train_networks("digits", "tanh", **{**kw, "restarts": 5})
    assert np.allclose(a.train_loss, b.train_loss[:2], rtol=1e-9)


def test_formulations_agree():
    kw = dict(SMALL, dtype="float64", measure_pieces=False)
    res = [nw.train_networks("breast_cancer", "sigmoid", formulation=f, **kw) for f in ("block", "batched", "loop")]
    for r in res[1:]:
        assert np.allclose(r.train_loss, res[0].train_loss, rtol=1e-9)
        assert np.allclose(r.test_loss, res[0].test_loss, rtol=1e-9)


def test_training_lowers_the_loss_and_learns_digits():
    r = nw.train_networks("digits", "relu", 2, 25, 4, 10, 0)
    assert np.all(r.train_loss < 0.2)
    assert np.all(r.test_accuracy > 0.9)
    adam = nw.train_networks("breast_cancer", "tanh", 3, 10, 3, 10, 0, optimizer="adam", loss="squared")
    assert np.all(adam.test_accuracy > 0.85)


def test_gradient_norm_stop():
    r = nw.train_networks("breast_cancer", "relu", 2, 10, 3, 200, 0, grad_tol=0.5, lr=0.05)
    assert np.all(r.epochs_run < 200)
    assert np.all(r.grad_norm <= 0.5)


def test_progress_and_cancel():
    seen = []
    nw.train_networks("digits", "relu", **SMALL, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(b >= a for a, b in zip(seen, seen[1:]))
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(nw.TrainingCancelled):
        nw.train_networks("digits", "relu", **SMALL, cancel=cancel)


def test_divergence_is_reported_cleanly():
    with pytest.raises(nw.TrainingDiverged, match="learning rate"):
        nw.train_networks("digits", "relu", 3, 50, 2, 3, 0, lr=10.0, optimizer="sgd")
    r = nw.train_networks("digits", "relu", 3, 50, 4, 3, 0, lr=10.0, on_divergence="drop")
    bad = np.isnan(r.train_loss)
    assert bad.any()
    assert np.array_equal(bad, np.isnan(r.test_loss))
    assert np.all(np.isfinite(r.train_loss[~bad]))


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(width=4), "width"),
        (dict(width=501), "width"),
        (dict(width=10.5), "width"),
        (dict(H=1), "H"),
        (dict(H=6), "H"),
        (dict(H=True), "H"),
        (dict(restarts=0), "restarts"),
        (dict(restarts=1001), "restarts"),
        (dict(epochs=0), "epochs"),
        (dict(epochs="3"), "epochs"),
        (dict(seed=-1), "seed"),
        (dict(lr=0.0), "learning rate"),
        (dict(lr=float("nan")), "learning rate"),
        (dict(lr="fast"), "learning rate"),
        (dict(lr=11.0), "learning rate"),
        (dict(batch_size=0), "batch size"),
        (dict(loss="hinge"), "loss"),
        (dict(optimizer="lbfgs"), "optimizer"),
        (dict(data="mnist"), "data set"),
        (dict(activation="swish2"), "activation"),
        (dict(activation="custom"), "knots"),
        (dict(activation="custom", knots=((0, 1), (1, 1), (2, 1))), "constant"),
        (dict(activation="leaky_relu", param=2.0), "parameter"),
        (dict(width=500, H=5, restarts=1000, epochs=500), "reduce restarts"),
        (dict(learning_rate=0.1), "unknown option"),
        (dict(blas_threads=0), "blas_threads"),
        (dict(hessian=-1), "hessian"),
    ],
)
def test_bad_input_names_the_setting(kwargs, word):
    args = dict(data="digits", activation="relu", H=2, width=8, restarts=2, epochs=1, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        nw.train_networks(**args)


def test_work_cap_bounds_memory_settings():
    """The largest allowed network: one chunk's buffers stay far below 2 GB."""
    sizes = nw.layer_sizes(64, 500, 5, 10)
    N = nw.count_weights(sizes)
    chunk = nw._chunk_size(N, 1000, "block", 4096, 500, 5)
    params_bytes = 5 * chunk * N * 8  # parameters, gradient, two moments, mask (float64)
    acts_bytes = 6 * nw.MAX_ACT_ENTRIES * 8 + 6 * 4096 * 500 * 4 * 8
    assert params_bytes + acts_bytes < 2 * 2**30


# --------------------------------------------------------------------------- pieces and Hessian


def _hidden_pre_activations(w, sizes, f, X):
    off, a, out = 0, X, []
    for i, (k_in, k_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = w[off:off + k_in * k_out].reshape(k_in, k_out)
        off += k_in * k_out
        z = a @ W + w[off:off + k_out]
        off += k_out
        if i < len(sizes) - 2:
            out.append(z)
            a = f(z)
    return out


@pytest.mark.parametrize("activation,data", [("relu", "digits"), ("hard_tanh", "breast_cancer")])
def test_piece_shares_against_direct_count(activation, data):
    """Measured shares, μ, σ equal a direct count on the returned end points (PL activations)."""
    r = nw.train_networks(data, activation, 3, 7, 2, 3, 0, dtype="float64", return_params=2)
    ds = nw.load_dataset(data, 0)
    act = nw.resolve_activation(activation)
    zs = [_hidden_pre_activations(r.params[k], r.sizes, act.f, ds.X_train) for k in range(2)]
    for layer, p in enumerate(r.pieces):
        z = np.concatenate([zz[layer].ravel() for zz in zs])
        idx = np.searchsorted(np.asarray(act.pl.breakpoints), z, side="left")
        direct = np.bincount(idx, minlength=act.pl.pieces) / z.size
        assert np.allclose(p.measured, direct, atol=1e-12)
        assert p.mu == pytest.approx(z.mean(), rel=1e-9, abs=1e-12)
        assert p.sigma == pytest.approx(z.std(), rel=1e-9)
        assert sum(p.model) == pytest.approx(1.0)
        assert p.alpha_bar == pytest.approx(float(direct @ np.asarray(act.pl.slopes)))
    relu = r.pieces[0]
    if activation == "relu":  # the model's ρ for ReLU: P(Z > 0) = Φ(μ/σ)
        assert relu.model[1] == pytest.approx(0.5 * math.erfc(-relu.mu / relu.sigma / math.sqrt(2)), rel=1e-12)
        assert relu.beta_bar == 0.0
    # the returned end points reproduce the reported training loss
    v, _ = nw.loss_and_gradient(r.params[1], r.sizes, activation, ds.X_train, ds.y_train)
    assert v == pytest.approx(r.train_loss[1], rel=1e-12)


def test_smooth_activation_shares_use_the_fit_at_measured_moments():
    r = nw.train_networks("digits", "tanh", 2, 10, 3, 2, 0, pieces=3)
    p = r.pieces[0]
    assert len(p.breakpoints) == 2  # a 3-piece fit
    assert sum(p.measured) == pytest.approx(1.0, abs=1e-9)
    assert np.allclose(p.measured, p.model, atol=0.15)
    assert r.kappa is not None and len(r.kappa) == 1


def test_hessian_lowest_matches_dense_hessian():
    rng = np.random.default_rng(4)
    sizes = (4, 5, 3)
    X = rng.standard_normal((15, 4))
    y = rng.integers(0, 3, 15)
    w = rng.standard_normal(nw.count_weights(sizes))
    N = w.size
    Hd = np.zeros((N, N))
    eps = 1e-5
    for i in range(N):
        e = np.zeros(N)
        e[i] = eps
        Hd[:, i] = (nw.loss_and_gradient(w + e, sizes, "tanh", X, y)[1]
                    - nw.loss_and_gradient(w - e, sizes, "tanh", X, y)[1]) / (2 * eps)
    exact = np.linalg.eigvalsh(0.5 * (Hd + Hd.T))
    vals, lam_max, ok = nw.hessian_lowest(w, sizes, "tanh", X, y, k=4)
    assert ok
    assert np.allclose(vals, exact[:4], atol=1e-6 * exact[-1])
    assert lam_max == pytest.approx(exact[-1], rel=1e-4)


def test_hessian_of_trained_networks():
    r = nw.train_networks("breast_cancer", "tanh", 2, 5, 4, 30, 0, hessian=3, hessian_k=3)
    h = r.hessian
    assert h is not None and h.eigenvalues.shape == (3, 3)
    assert np.all(h.index >= 0) and np.all(h.index <= 3)
    assert np.allclose(h.loss, r.train_loss[:3], rtol=1e-5)
    assert 0 <= h.minima <= 3


@pytest.mark.slow
def test_spread_shrinks_with_width():
    """Choromanska's observation on digits: the spread of the final training loss shrinks."""
    small = nw.train_networks("digits", "relu", 2, 10, 40, 15, 0)
    large = nw.train_networks("digits", "relu", 2, 100, 40, 15, 0)
    assert np.std(large.train_loss) < 0.5 * np.std(small.train_loss)
    assert np.mean(large.train_loss) < np.mean(small.train_loss)


@pytest.mark.parametrize(
    "activation,loss,binary",
    [("tanh", "cross_entropy", False), ("sigmoid", "squared", True), ("gelu", "cross_entropy", True),
     ("silu", "squared", False), ("softplus", "cross_entropy", False), ("elu", "cross_entropy", False),
     ("relu", "cross_entropy", False), ("hard_tanh", "squared", True)],
)
def test_hessian_vector_product_matches_gradient_differences(activation, loss, binary):
    rng = np.random.default_rng(9)
    sizes = nw.layer_sizes(4, 5, 3, 1 if binary else 3)
    X = rng.standard_normal((11, 4))
    y = rng.integers(0, 2 if binary else 3, 11)
    w = rng.standard_normal(nw.count_weights(sizes)) * 0.8
    v = rng.standard_normal(w.size)
    hv = nw.hessian_vector_product(w, v, sizes, activation, X, y, loss)
    eps = 1e-6 if activation not in ("relu", "hard_tanh") else 1e-9
    fd = (nw.loss_and_gradient(w + eps * v, sizes, activation, X, y, loss)[1]
          - nw.loss_and_gradient(w - eps * v, sizes, activation, X, y, loss)[1]) / (2 * eps)
    assert np.max(np.abs(hv - fd)) <= 2e-6 * max(1.0, np.max(np.abs(hv)))
