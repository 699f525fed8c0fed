"""Tests of the "Real networks" tab: settings, plan, experiment outputs against compute."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from components.data import networks as net_data
from components.export import csv_document, from_figure, read_csv
from components.state import default_state, sanitize
from components.views import networks as view
from compute import networks as nw

SMALL = {"net_widths": "5, 8", "net_restarts": 6, "net_epochs": 2, "H": 2, "seed": 3,
         "net_hessian": True}


def _state(**changes):
    return {**default_state(), **SMALL, **changes}


def test_parse_widths():
    assert net_data.parse_widths("100, 10 25;10") == (10, 25, 100)
    for bad, word in (
        ("", "at least one"),
        ("4", "[5, 500]"),
        ("501", "[5, 500]"),
        ("ten", "integers"),
        ("1,2,3,4,5,6,7,8,9", "[5, 500]"),
        ("5,6,7,8,9,10,11,12,13", "at most 8"),
        ("x" * 300, "list of integers"),
        (None, "list of integers"),
    ):
        with pytest.raises(ValueError, match=word):
            net_data.parse_widths(bad)


def test_sanitize_repairs_network_settings():
    state, messages = sanitize(
        {
            "net_widths": "import os",
            "net_restarts": 10_000,
            "net_lr": "fast",
            "net_data": "mnist",
            "net_hessian": "maybe",
        }
    )
    assert state["net_widths"] == "10, 25, 50, 100"
    assert state["net_restarts"] == 500
    assert state["net_lr"] == 0.01
    assert state["net_data"] == "digits"
    assert state["net_hessian"] is True
    assert len(messages) == 5


def test_settings_cap_depth_and_repair_widths():
    ns = view.net_settings(_state(H=9, net_widths="3, 10"))
    assert ns.H == 5
    assert ns.widths == net_data.DEFAULT_WIDTHS
    assert any("H ≤ 5" in m for m in ns.messages) and any("[5, 500]" in m for m in ns.messages)
    bad = view.net_settings(_state(activation="custom", knots="z, f\n0, 0\n0, 1"))
    assert bad.error and "knot" in bad.error


def test_plan_names_what_to_reduce():
    out = view.plan_outputs(_state(net_widths="500", H=5, net_restarts=500, net_epochs=200))
    assert "reduce the restarts" in out["plan"]
    ok = view.plan_outputs(_state())
    assert "h = 5 (N = " in ok["plan"] and "GFLOP" in ok["plan"]


def test_experiment_outputs_match_compute():
    out = view.experiment_outputs(_state())
    for k in view.PLOTS:
        assert isinstance(out[f"fig_{k}"], go.Figure)
    direct = nw.train_networks("digits", "relu", 2, 8, 6, 2, 3, lr=0.01)
    summary = net_data.summary_table(
        [net_data.width_data("digits", "relu", None, None, 2, 8, 6, 2, 3, hessian=False)]
    )
    row = summary["rows"][0]
    assert row[1] == direct.n_weights
    assert row[3] == pytest.approx(direct.train_loss.mean(), rel=1e-12)
    assert row[4] == pytest.approx(np.std(direct.train_loss, ddof=1), rel=1e-12)
    assert row[9] == pytest.approx(np.corrcoef(direct.train_loss, direct.test_loss)[0, 1], rel=1e-9)
    # the CSV of the histograms holds every restart of every width
    page = json.loads(out["fig_histograms"].to_json())
    doc = read_csv(csv_document(from_figure(page), "http://127.0.0.1:8050/"))
    assert (
        doc.header["link"].startswith("http://127.0.0.1:8050/?")
        and "tab=networks" in doc.header["link"]
    )
    rows = [doc.columns, *doc.rows]
    assert rows[0] == ["width", "N", "restart", "final train loss", "final test loss"]
    assert len(rows) == 1 + 2 * 6
    widths = {int(r[0]) for r in rows[1:]}
    assert widths == {5, 8}
    train8 = [float(r[3]) for r in rows[1:] if r[0] == "8"]
    assert np.allclose(train8, direct.train_loss, rtol=1e-12)
    # the Hessian ran for the small widths (N ≤ 1000)
    assert out["hessian_table"] is not None
    assert "Trained 12 networks" in out["status"]


def test_failures_become_messages():
    def boom(*args):
        raise RuntimeError("worker lost")

    data = view.NetData(width=boom)
    out = view.experiment_outputs(_state(), data=data)
    assert "internal error" in out["status"]
    assert out["fig_spread"] is not None
    out = view.experiment_outputs("not a dict", data=data)  # defaults are used, and reported
    assert isinstance(out["fig_histograms"], go.Figure) and "internal error" in out["status"]

    def diverge(*args):
        raise nw.TrainingDiverged("training diverged: lower the learning rate (now 1)")

    out = view.experiment_outputs(_state(), data=view.NetData(width=diverge))
    assert "lower the learning rate" in out["status"]


def test_spin_glass_comparison_is_skipped_at_depth_two(monkeypatch):
    called = []

    def sg(*args):
        called.append(args)
        return {
            "N": [25],
            "sd": [0.1],
            "iqr": [0.1],
            "mean": [-1.5],
            "median": [-1.5],
            "notes": [],
            "degenerate": False,
        }

    data = view.NetData(spin_glass=sg)
    view.experiment_outputs(_state(), data=data)
    assert called == []
    out = view.experiment_outputs(_state(H=3, net_widths="5", net_hessian=False), data=data)
    assert called and called[0][0] == 3
    names = [t.name for t in out["fig_spread"].data]
    assert any(n and n.startswith("spin-glass") for n in names)
