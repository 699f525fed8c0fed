"""Callbacks called as plain functions: good, edge and forged values."""

from __future__ import annotations

import math

import pytest
from dash import html, no_update

from compute import complexity
from components import ids
from components.callbacks import (
    activation_outputs,
    complexity_outputs,
    energy_table,
    format_value,
    sync_settings,
)
from components.validation import ACTIVATION_KEYS, COMPLEXITY_KEYS, default_state, view_slice


def _walk(component):
    """Every component in a Dash component tree."""
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from _walk(child)
    elif children is not None and hasattr(children, "children"):
        yield from _walk(children)


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _by_id(component, cid):
    return next(c for c in _walk(component) if getattr(c, "id", None) == cid)


# ---------------------------------------------------------------------------------------
# sync_settings
# ---------------------------------------------------------------------------------------


def test_valid_controls_pass_through_silently():
    values = {**default_state(), "H": 5}
    out = sync_settings(values, default_state(), ids.DEPTH)
    assert out["settings"] == values
    assert out["notice"] is None
    assert out["complexity_state"] == view_slice(values, COMPLEXITY_KEYS)
    assert out["activation_state"] == view_slice(values, ACTIVATION_KEYS)  # H is in both
    assert all(out[f"value_{k}"] is no_update for k in values)


def test_only_changed_slices_are_sent():
    values = {**default_state(), "mu": 1.0}
    out = sync_settings(values, default_state(), ids.MU)
    assert out["complexity_state"] is no_update
    assert out["activation_state"]["mu"] == 1.0
    values = {**default_state(), "K": 2}
    out = sync_settings(values, default_state(), ids.MAX_INDEX)
    assert out["activation_state"] is no_update and out["complexity_state"]["K"] == 2


@pytest.mark.parametrize("bad", [99, "abc", None, math.nan, [1, 2], {"x": 1}, True])
def test_forged_depth_is_repaired_echoed_and_reported(bad):
    values = {**default_state(), "H": bad}
    out = sync_settings(values, default_state(), ids.DEPTH)
    expected = 12 if bad == 99 else 3
    assert out["settings"]["H"] == expected
    assert out["value_H"] == expected  # the slider is moved to the value in use
    notice = _text(out["notice"])
    assert "Depth H" in notice and "2 to 12" in notice


def test_forged_previous_state_is_ignored():
    out = sync_settings(default_state(), previous="garbage", trigger=None)
    assert out["complexity_state"] == view_slice(default_state(), COMPLEXITY_KEYS)
    out = sync_settings(default_state(), previous={"H": 3}, trigger=None)
    assert out["activation_state"] == view_slice(default_state(), ACTIVATION_KEYS)


@pytest.mark.parametrize("values", [None, "x", 5, []])
def test_non_mapping_values_give_defaults(values):
    out = sync_settings(values, None, None)
    assert out["settings"] == default_state()


def test_switching_preset_resets_its_parameter_and_shows_its_slider():
    values = {**default_state(), "activation": "elu", "param": 0.3}  # 0.3: the old slider value
    out = sync_settings(values, default_state(), ids.ACTIVATION)
    assert out["settings"]["param"] == 1.0  # ELU's default alpha
    assert out["value_param"] == 1.0
    assert out["param_row_style"] is None and out["param_max"] == 5.0
    assert "α" in _text(out["param_label"])
    assert out["knots_row_style"] == {"display": "none"}
    assert out["notice"] is None


def test_parameter_moves_keep_the_slider_props():
    prev = {**default_state(), "activation": "leaky_relu", "param": 0.01}
    out = sync_settings({**prev, "param": 0.2}, prev, ids.ACTIVATION_PARAM)
    assert out["settings"]["param"] == 0.2 and out["value_param"] is no_update
    assert out["param_max"] is no_update and out["param_row_style"] is no_update


def test_out_of_range_parameter_is_clamped():
    prev = {**default_state(), "activation": "leaky_relu", "param": 0.01}
    out = sync_settings({**prev, "param": 7}, prev, ids.ACTIVATION_PARAM)
    assert out["settings"]["param"] == 1.0 and out["value_param"] == 1.0
    assert "Leaky ReLU" in _text(out["notice"])


def test_preset_without_parameter_hides_the_slider():
    prev = {**default_state(), "activation": "elu", "param": 1.0}
    out = sync_settings({**prev, "activation": "tanh"}, prev, ids.ACTIVATION)
    assert out["settings"]["param"] is None
    assert out["param_row_style"] == {"display": "none"}
    assert out["value_param"] is no_update


def test_custom_activation_shows_the_knot_table():
    out = sync_settings({**default_state(), "activation": "custom"}, default_state(), ids.ACTIVATION)
    assert out["knots_row_style"] is None


# ---------------------------------------------------------------------------------------
# Complexity view
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("H,K", [(2, 0), (3, 5), (12, 10)])
def test_complexity_view_shows_energies_to_six_digits(H, K):
    out = complexity_outputs({"H": H, "K": K})
    assert out["alert"] is None
    assert len(out["figure"]["data"]) == K + 2
    energies = complexity.ground_state_energies(H, K)
    cell = _by_id(out["table"], ids.E0_VALUE)
    assert cell.children == format_value(energies[0])
    assert abs(float(cell.children) - energies[0]) <= 5e-6
    einf = _by_id(out["table"], ids.EINF_VALUE)
    assert float(einf.children) == pytest.approx(2 * math.sqrt((H - 1) / H), abs=5e-6)
    rows = [c for c in _walk(out["table"]) if isinstance(c, html.Tr)]
    assert len(rows) == 1 + (K + 1) + 1  # header, E_0..E_K, E_inf


@pytest.mark.parametrize(
    "forged,H",
    [({"H": 99, "K": 5}, 12), ({"H": "abc", "K": 5}, 3), (None, 3), ({"H": [3]}, 3),
     ({"H": math.nan}, 3), ("nonsense", 3)],
)
def test_complexity_view_repairs_forged_state(forged, H):
    out = complexity_outputs(forged)
    assert len(out["figure"]["data"]) >= 2  # never blank
    cell = _by_id(out["table"], ids.E0_VALUE)
    assert float(cell.children) == pytest.approx(complexity.ground_state_energies(H, 0)[0], abs=5e-6)
    if forged is not None:
        assert out["alert"]


def test_format_value_keeps_six_significant_digits():
    assert format_value(1.657) == "1.65700"
    assert format_value(1.6329931618554521) == "1.63299"
    assert format_value(12.3456789) == "12.3457"


def test_energy_table_marks_e0():
    table = energy_table([1.7, 1.65], 1.6)
    assert _by_id(table, ids.E0_VALUE).children == "1.70000"


def test_compute_error_becomes_message_figure():
    def failing(H, K):
        raise ValueError("H (depth) must be an integer >= 2")

    out = complexity_outputs({"H": 3, "K": 1}, failing)
    assert out["table"] is None
    assert "depth" in _text(out["alert"])
    fig = out["figure"]
    assert len(fig.data) == 0 and "depth" in fig.layout.annotations[0].text


def test_unexpected_error_is_contained(caplog):
    def broken(H, K):
        raise ZeroDivisionError("boom")

    out = complexity_outputs({"H": 3, "K": 1}, broken)
    assert "internal error" in _text(out["alert"])
    assert "boom" not in _text(out["alert"])  # no internals on the page
    assert any("complexity plot" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------------------
# Activation view
# ---------------------------------------------------------------------------------------


def _activation_state(**kw):
    return {**view_slice(default_state(), ACTIVATION_KEYS), **kw}


def test_activation_view_for_relu():
    out = activation_outputs(_activation_state())
    assert out["alert"] is None
    names = [t["name"] for t in out["figure"]["data"]]
    assert any(n.startswith("f(z)") for n in names)
    text = _text(out["stats"])
    assert "0.500000" in text  # alpha_bar of ReLU at mu = 0


def test_activation_view_reports_bad_knots_with_line_number():
    out = activation_outputs(_activation_state(activation="custom", knots="z, f\n0, 0\n1, oops\n"))
    assert "line 3" in _text(out["alert"])
    assert out["stats"] is None and len(out["figure"].data) == 0


def test_activation_view_never_evaluates_knot_text():
    out = activation_outputs(_activation_state(activation="custom", knots="__import__('os').system('true'), 1"))
    assert "line 1" in _text(out["alert"])


def test_activation_view_repairs_forged_state():
    out = activation_outputs({"activation": 5, "H": 99, "sigma": -1})
    alert = _text(out["alert"])
    assert "Activation" in alert and "Depth" in alert and "Spread" in alert
    assert out["stats"] is not None


def test_flat_activation_gives_a_message_not_a_crash():
    """ReLU with all pre-activations far below 0: mean slope ᾱ ≈ 0 (theory §5.3)."""
    out = activation_outputs(_activation_state(mu=-3.0, sigma=0.1))
    assert "mean slope" in _text(out["alert"])
    assert out["stats"] is None and len(out["figure"].data) == 0


@pytest.mark.parametrize("name", ["leaky_relu", "tanh", "sigmoid", "softplus", "elu", "gelu", "silu"])
def test_every_preset_renders(name):
    from compute.activations import PRESETS

    param = PRESETS[name].param_default
    out = activation_outputs(_activation_state(activation=name, param=param, pieces=3))
    assert out["alert"] is None
    assert len(out["figure"]["data"]) == 4  # density, f, fit, breakpoints
