"""Seed-blocked units (compute/executor.py): results depend on (settings, seed) only."""

from __future__ import annotations

import hashlib
import math
import threading
import time

import numpy as np
import pytest

from compute import executor as ex
from compute import landscape
from compute.executor import Cancelled, LocalExecutor, Plan, PlanTimeout, block_sizes, unit_seed


def digest(result: dict) -> str:
    """SHA-256 over every array's bytes (and dtype, shape) and every scalar, by key."""
    h = hashlib.sha256()
    for key in sorted(result):
        v = result[key]
        h.update(key.encode())
        if isinstance(v, np.ndarray):
            h.update(v.dtype.str.encode() + str(v.shape).encode() + np.ascontiguousarray(v).tobytes())
        else:
            h.update(repr(v).encode())
    return h.hexdigest()


def test_block_sizes():
    assert block_sizes(68, 25) == (25, 25, 18)
    assert block_sizes(50, 25) == (25, 25)
    assert block_sizes(3, 25) == (3,)
    with pytest.raises(ValueError):
        block_sizes(0, 25)


def test_unit_seed_is_the_spawned_child_whatever_the_count():
    for n in (3, 7, 50):
        children = np.random.SeedSequence(42).spawn(n)
        for i in (0, 2):
            a = np.random.default_rng(children[i]).standard_normal(4)
            b = np.random.default_rng(unit_seed(42, i)).standard_normal(4)
            assert np.array_equal(a, b)
    # different units, different streams
    assert not np.array_equal(np.random.default_rng(unit_seed(42, 0)).standard_normal(4),
                              np.random.default_rng(unit_seed(42, 1)).standard_normal(4))


def test_plan_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown unit kind"):
        Plan("os.system", {}, 1, (1,))
    with pytest.raises(ValueError, match="seed"):
        Plan("probe", {}, -1, (1,))
    with pytest.raises(ValueError, match="unit"):
        Plan("probe", {}, 1, ())


def test_message_naming_an_unknown_function_is_refused():
    with pytest.raises(ValueError, match="unknown unit kind"):
        ex.execute_unit_message({"kind": "builtins:eval", "params": {}, "seed": 1, "index": 0, "size": 1})


def test_codec_is_bit_exact():
    rng = np.random.default_rng(3)
    result = {"a": rng.standard_normal((5, 3)), "b": np.array([1, -2], dtype=np.int64),
              "c": np.array([True, False]), "n": 7, "x": np.float64(0.1)}
    back = ex.decode(ex.encode(result))
    assert digest(back) == digest({**result, "x": 0.1})
    with pytest.raises(ValueError):
        ex.decode({"o": {"__array__": "|O", "shape": [1], "data": ""}})


def test_combine_concatenates_in_unit_order_and_adds_counters():
    parts = [{"x": np.array([1.0, 2.0]), "n": 2}, {"x": np.array([3.0]), "n": 1}]
    out = ex.combine(parts)
    assert out["x"].tolist() == [1.0, 2.0, 3.0] and out["n"] == 3


@pytest.fixture(scope="module")
def descent_plan():
    # 60 runs: units of 25, 25, 10 (DESCENT_BLOCK); small N keeps it quick.
    return landscape.descent_plan(14, 3, 60, seed=11, coeffs=[0.3, -0.2])


@pytest.fixture(scope="module")
def serial_result(descent_plan):
    return LocalExecutor(1).run(descent_plan)


def test_descent_plan_units(descent_plan):
    assert descent_plan.sizes == (25, 25, 10)
    assert descent_plan.params == {"N": 14, "H": 3, "coeffs": [0.3, -0.2]}


@pytest.mark.parametrize("workers", [2, 4])
def test_descent_bit_identical_in_a_pool(descent_plan, serial_result, workers):
    assert digest(LocalExecutor(workers).run(descent_plan)) == digest(serial_result)


def test_descent_units_are_independent_of_their_neighbours(descent_plan, serial_result):
    """Unit i alone gives the rows of unit i of the whole plan."""
    one = ex.run_unit("descent", descent_plan.params, descent_plan.seed, 1, 25)
    assert np.array_equal(one["u"], serial_result["u"][25:50])
    assert np.array_equal(one["steps"], serial_result["steps"][25:50])


def test_descent_result_is_a_sound_experiment(descent_plan, serial_result):
    r = serial_result
    assert r["u"].shape == (60,) and r["index"].shape == (60,)
    assert r["converged"].mean() > 0.9
    assert r["grad_norm"][r["converged"]].max() <= 1e-8
    # the end points are critical points of the landscape with this seed, of the index reported
    land = landscape.sample_landscape(14, 3, 11, [0.3, -0.2])
    ok = np.flatnonzero(r["converged"])[:5]
    assert np.allclose(land.loss_per_weight(r["w"][ok]), r["u"][ok], rtol=0, atol=1e-12)
    assert np.array_equal(land.index(r["w"][ok]), r["index"][ok])
    assert np.linalg.norm(land.grad(r["w"][ok]), axis=1).max() / np.sqrt(14) <= 1e-8
    assert len(np.unique(np.round(r["u"], 9))) > 1 and r["flops"] > 0


def test_descent_seed_changes_the_result(descent_plan, serial_result):
    other = LocalExecutor(1).run(landscape.descent_plan(14, 3, 60, seed=12, coeffs=[0.3, -0.2]))
    assert not np.array_equal(other["u"], serial_result["u"])


def test_descent_plan_checks_arguments():
    with pytest.raises(ValueError, match="N"):
        landscape.descent_plan(1, 3, 10, 0)
    with pytest.raises(ValueError, match="runs"):
        landscape.descent_plan(10, 3, 0, 0)
    with pytest.raises(ValueError, match=r"N\*\*H"):
        landscape.descent_plan(600, 3, 10, 0)


@pytest.mark.parametrize("workers", [1, 3])
def test_progress_reaches_one_and_never_falls(workers):
    seen = []
    plan = Plan("probe", {"sleep": 0.05}, 5, (4, 4, 4, 2))
    out = LocalExecutor(workers).run(plan, progress=seen.append)
    assert out["x"].shape == (14,) and out["count"] == 14
    assert seen[-1] == pytest.approx(1.0)
    assert all(b >= a for a, b in zip(seen, seen[1:]))


@pytest.mark.parametrize("workers", [1, 3])
def test_cancel_stops_the_plan(workers):
    flag = threading.Event()
    plan = Plan("probe", {"sleep": 2.0}, 5, (1,) * 6)
    timer = threading.Timer(0.3, flag.set)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        LocalExecutor(workers).run(plan, cancel=flag.is_set)
    assert time.monotonic() - t0 < 6.0  # not all 12 s of units


@pytest.mark.parametrize("workers", [1, 3])
def test_time_limit_names_the_limit(workers):
    plan = Plan("probe", {"sleep": 1.0}, 5, (1,) * 6)
    with pytest.raises(PlanTimeout, match="time limit of 0.3 s"):
        LocalExecutor(workers).run(plan, timeout=0.3)


@pytest.mark.parametrize("workers", [1, 3])
def test_a_failing_unit_fails_the_plan_with_its_message(workers):
    plan = Plan("probe", {"fail": 2}, 5, (1, 1, 1, 1))
    with pytest.raises(ValueError, match="probe unit 2 fails"):
        LocalExecutor(workers).run(plan)


def test_pool_processes_do_the_work():
    out = LocalExecutor(2).run(Plan("probe", {"sleep": 0.2}, 5, (1,) * 4))
    import os

    assert os.getpid() not in set(out["pid"].tolist())
    assert len(set(out["pid"].tolist())) == 2


def test_bad_worker_count_and_timeout():
    with pytest.raises(ValueError, match="workers"):
        LocalExecutor(0)
    with pytest.raises(ValueError, match="timeout"):
        LocalExecutor(1).run(Plan("probe", {}, 1, (1,)), timeout=-1)


# ----------------------------------------------------------------------------- Monte Carlo counts


def mc_plans():
    """The finite-N index counts (several points share one plan) and the activation counts
    (sphere estimator: both forms; all indices: spectra shared out between the units)."""
    from compute import finite_n, kac_rice

    return {
        "finite_n": finite_n.index_plan(40, 3, [(-1.62, 0), (-1.5, 0), (-1.5, 1), (math.inf, 2)], 1700, 13),
        "kac_rice": kac_rice.count_plan(30, 3, [0.3, 0.2], -1.5, 1, samples=1300, seed=13),
        "kac_rice_all": kac_rice.count_plan(30, 3, [0.3, 0.2], -1.6, None, samples=1300, seed=13),
    }


@pytest.fixture(scope="module")
def mc_serial():
    return {name: LocalExecutor(1).run(plan) for name, plan in mc_plans().items()}


def test_mc_plans_are_seed_blocked():
    plans = mc_plans()
    assert plans["finite_n"].sizes == (500, 500, 500, 200)
    assert plans["kac_rice"].sizes == (500, 500, 300)
    # all indices: 200000 // 30 = 6666 > 1300 samples, so one spectrum per sample
    assert plans["kac_rice_all"].params["spectra"] == [500, 500, 300]


@pytest.mark.parametrize("workers", [2, 4])
def test_mc_counts_bit_identical_in_a_pool(mc_serial, workers):
    for name, plan in mc_plans().items():
        assert digest(LocalExecutor(workers).run(plan)) == digest(mc_serial[name]), name


def test_mc_units_are_independent_of_their_neighbours(mc_serial):
    plan = mc_plans()["finite_n"]
    one = ex.run_unit(plan.kind, plan.params, plan.seed, 2, 500)
    assert np.array_equal(one["logs"], mc_serial["finite_n"]["logs"][1000:1500])
    # a point's samples do not depend on the other points of its plan
    from compute import finite_n

    alone = finite_n.index_plan(40, 3, [(-1.5, 1)], 1700, 13)
    assert np.array_equal(LocalExecutor(1).run(alone)["logs"][:, 0], mc_serial["finite_n"]["logs"][:, 2])


def test_mc_counts_through_an_executor_equal_the_direct_call():
    from compute import finite_n, kac_rice

    direct = [finite_n.expected_critical_points(40, 3, u, k, samples=1700, seed=13)
              for u, k in [(-1.5, 0), (-1.5, 1)]]
    pooled = finite_n.index_counts(40, 3, [(-1.5, 0), (-1.5, 1), (0.0, None)], samples=1700, seed=13,
                                   executor=LocalExecutor(2))
    assert repr(pooled[:2]) == repr(direct)
    assert repr(pooled[2]) == repr(finite_n.expected_critical_points(40, 3, 0.0))
    a = kac_rice.expected_critical_points_phi(30, 3, [0.3, 0.2], -1.5, 1, samples=1300, seed=13)
    b = kac_rice.expected_critical_points_phi(30, 3, [0.3, 0.2], -1.5, 1, samples=1300, seed=13,
                                              executor=LocalExecutor(3))
    assert repr(a) == repr(b)
    assert kac_rice.count_plan(2, 3, [0.3, 0.2], -1.5, 1) is None  # N = 2: quadrature, no units


def test_mc_progress_and_seed():
    from compute import finite_n

    seen = []
    r = finite_n.index_counts(30, 3, [(-1.5, 0), (-1.4, 1)], samples=1200, seed=2,
                              executor=LocalExecutor(2), progress=seen.append)
    assert seen and seen[-1] == pytest.approx(1.0) and all(b >= a for a, b in zip(seen, seen[1:]))
    other = finite_n.index_counts(30, 3, [(-1.5, 0), (-1.4, 1)], samples=1200, seed=3)
    assert r[1].value != other[1].value
