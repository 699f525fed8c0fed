"""Callbacks called as plain functions: good, edge and forged values."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pytest
from dash import html, no_update

from components import ids
from components.data.analytic import loss_window
from components.state import SCALE_KEYS, default_state, resolve_range, view_slice
from components.sync import CONTROLS, control_values, sync_settings
from components.views.analytic import (
    Renderers,
    activation_outputs,
    complexity_outputs,
    energy_table,
    finite_outputs,
    format_value,
    layered_outputs,
)
from compute import complexity


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _cell(table, cid) -> str:
    """Text of the cell with id ``cid`` in an HTML-markup table component."""
    match = re.search(rf'id="{cid}">([^<]*)<', table.children)
    assert match, f"no cell {cid}"
    return match.group(1)


def _state(**changes) -> dict:
    return resolve_range({**default_state(), **changes})


def _stores(state) -> dict:
    """View stores as the page holds them after showing ``state`` (only the visible view)."""
    return {view: view_slice(state, view) if state["tab"] == view else None
            for view in ("complexity", "layered", "finite", "activation")}


def _sync(state_before: dict, trigger: str, **control_changes):
    """Move controls from ``state_before`` and run the sync as the page would.

    ``out["settings"]`` is filled in when the state did not change (``no_update``).
    """
    values = {**control_values(state_before), **control_changes}
    out = sync_settings(values, trigger, search="", previous=state_before,
                        stores=_stores(state_before))
    if out["settings"] is no_update:
        out["settings"] = state_before
    return out


def _array(value) -> np.ndarray:
    """A data array of a serialised figure (plain list or plotly's base64 typed array)."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return data.reshape(value["shape"]) if "shape" in value else data
    return np.asarray(value)


# ---------------------------------------------------------------------------------------
# sync_settings: controls
# ---------------------------------------------------------------------------------------


def test_valid_controls_pass_through_silently():
    before = _state()
    out = _sync(before, ids.DEPTH, H=5)
    expected = _state(H=5)
    assert out["settings"] == expected
    assert out["notice"] is None
    assert out["view_complexity"] == view_slice(expected, "complexity")
    for view in ("layered", "finite", "activation"):  # hidden views wait for their tab
        assert out[f"view_{view}"] is no_update
    assert out["search"] == "?H=5"
    echoed = {k for k in CONTROLS if out[f"value_{k}"] is not no_update}
    assert echoed == {"u_range"}  # only the automatic loss range follows the depth
    assert out["value_u_range"] == [round(x, 4) for x in loss_window(5)]


def test_unchanged_slice_is_not_sent_again():
    before = _state()
    out = _sync(before, ids.LAB_N, lab_N=40)  # the complexity view does not depend on lab N
    assert out["settings"]["lab_N"] == 40
    assert out["view_complexity"] is no_update
    assert out["search"] == "?lab_N=40"


def test_hidden_view_catches_up_when_its_tab_opens():
    before = _state()
    moved = _sync(before, ids.DEPTH, H=6)["settings"]
    out = _sync(moved, ids.TABS, tab="activation")
    assert out["view_activation"] == view_slice(_state(H=6, tab="activation"), "activation")
    assert out["view_complexity"] is no_update
    assert out["search"] == "?H=6&tab=activation"


@pytest.mark.parametrize("bad", [99, "abc", None, math.nan, [1, 2], {"x": 1}, True])
def test_forged_depth_is_repaired_echoed_and_reported(bad):
    out = _sync(_state(), ids.DEPTH, H=bad)
    expected = 12 if bad == 99 else 3
    assert out["settings"]["H"] == expected
    assert out["value_H"] == expected  # the slider is moved to the value in use
    notice = _text(out["notice"])
    assert "Depth H" in notice and "2 to 12" in notice
    assert "repaired" not in notice  # that heading is for links


def test_forged_previous_state_and_stores_are_ignored():
    values = control_values(_state())
    out = sync_settings(values, ids.DEPTH, search="", previous="garbage", stores="junk")
    assert out["settings"] == _state()
    assert out["view_complexity"] == view_slice(_state(), "complexity")


@pytest.mark.parametrize("values", [None, "x", 5, []])
def test_non_mapping_values_give_defaults(values):
    out = sync_settings(values, ids.DEPTH, search="", previous=None)
    assert out["settings"]["H"] == 3 and out["settings"]["activation"] == "relu"


def test_log_slider_sets_n_and_the_box_follows():
    out = _sync(_state(), ids.N_SLIDER, N_log=2.5)
    assert out["settings"]["N"] == round(10**2.5) == 316
    assert out["value_N_box"] == 316 and out["value_N_log"] is no_update
    assert out["search"] == "?N=316"


def test_number_box_sets_exact_n_and_the_slider_follows():
    out = _sync(_state(), ids.N_INPUT, N_box=1234)
    assert out["settings"]["N"] == 1234
    assert out["value_N_log"] == pytest.approx(3.1)  # log10 1234 = 3.09, on the 0.05 grid
    assert out["value_N_box"] is no_update


def test_empty_number_boxes_keep_the_previous_values():
    before = _state(N=777, seed=42)
    out = _sync(before, ids.N_INPUT, N_box=None)
    assert out["settings"]["N"] == 777 and out["notice"] is None
    out = _sync(before, ids.SEED, seed=None)
    assert out["settings"]["seed"] == 42 and out["notice"] is None


@pytest.mark.parametrize("N,expected", [(5, 10), (10**7, 10**6), ("12x", 1000)])
def test_out_of_range_n_is_repaired(N, expected):
    out = _sync(_state(), ids.N_INPUT, N_box=N)
    assert out["settings"]["N"] == expected
    assert "Number of weights N" in _text(out["notice"])


def test_range_slider_switches_the_automatic_range_off():
    out = _sync(_state(), ids.U_RANGE, u_range=[-1.7, -1.6])
    state = out["settings"]
    assert state["u_auto"] is False and (state["u_min"], state["u_max"]) == (-1.7, -1.6)
    assert out["value_u_auto"] == []
    assert view_slice(state, "complexity")["u_min"] == -1.7
    assert out["search"] == "?u_min=-1.7&u_max=-1.6&u_auto=0"
    # ticking "automatic" again fits the band of the current depth
    back = _sync(state, ids.U_AUTO, u_auto=["auto"])["settings"]
    assert back["u_auto"] is True
    assert (back["u_min"], back["u_max"]) == tuple(round(x, 4) for x in loss_window(3))


def test_reversed_range_is_swapped_with_a_notice():
    out = _sync(_state(), ids.U_RANGE, u_range=[-1.5, -1.9])
    assert (out["settings"]["u_min"], out["settings"]["u_max"]) == (-1.9, -1.5)
    assert "swapped" in _text(out["notice"])
    assert out["value_u_range"] == [-1.9, -1.5]


def test_network_units_add_the_activation_to_the_analytic_slices():
    out = _sync(_state(), ids.UNITS, units="network")
    sl = out["view_complexity"]
    assert sl["units"] == "network" and all(k in sl for k in SCALE_KEYS)
    spin = view_slice(_state(), "layered")
    assert spin["units"] == "spin" and "gamma" in spin  # φ's settings: the scope note


def test_switching_activation_resets_its_parameter_and_shows_its_slider():
    out = _sync(_state(), ids.ACTIVATION, activation="elu", param=0.3)  # 0.3: the old slider value
    assert out["settings"]["param"] == 1.0  # ELU's default alpha
    assert out["value_param"] == 1.0
    assert out["param_row_style"] is None and out["param_max"] == 5.0
    assert "α" in _text(out["param_label"])
    assert out["knots_row_style"] == {"display": "none"}
    assert out["notice"] is None


def test_parameter_moves_keep_the_slider_props():
    before = _state(activation="leaky_relu", param=0.01)
    out = _sync(before, ids.ACTIVATION_PARAM, param=0.2)
    assert out["settings"]["param"] == 0.2 and out["value_param"] is no_update
    assert out["param_max"] is no_update and out["param_row_style"] is no_update


def test_out_of_range_parameter_is_clamped():
    before = _state(activation="leaky_relu", param=0.01)
    out = _sync(before, ids.ACTIVATION_PARAM, param=7)
    assert out["settings"]["param"] == 1.0 and out["value_param"] == 1.0
    assert "Leaky ReLU" in _text(out["notice"])


def test_activation_without_parameter_hides_the_slider():
    before = _state(activation="elu", param=1.0)
    out = _sync(before, ids.ACTIVATION, activation="tanh")
    assert out["settings"]["param"] is None
    assert out["param_row_style"] == {"display": "none"}
    assert out["value_param"] is no_update


def test_custom_activation_shows_the_knot_table():
    out = _sync(_state(), ids.ACTIVATION, activation="custom")
    assert out["knots_row_style"] is None


# ---------------------------------------------------------------------------------------
# sync_settings: the address bar
# ---------------------------------------------------------------------------------------


def test_link_sets_every_control():
    before = _state()
    out = sync_settings(control_values(before), ids.URL, search="?H=7&N=50&theme=dark&tab=finite",
                        previous=before, stores=_stores(before))
    state = out["settings"]
    assert (state["H"], state["N"], state["tab"], state["theme"]) == (7, 50, "finite", "dark")
    assert out["value_H"] == 7 and out["value_N_box"] == 50 and out["value_tab"] == "finite"
    assert out["value_theme"] == "dark"
    assert out["view_finite"] == view_slice(state, "finite")
    assert out["notice"] is None and out["search"] is no_update


def test_bad_link_is_repaired_with_a_notice_and_rewritten():
    before = _state()
    out = sync_settings(control_values(before), None, search="?H=abc&K=99&zzz=1",
                        previous=before, stores=_stores(before))
    notice = _text(out["notice"])
    assert "repaired" in notice and "Depth H" in notice and "zzz" in notice
    assert out["settings"]["K"] == 10 and out["settings"]["H"] == 3
    assert out["search"] == "?K=10"


def test_the_address_bar_echoing_our_own_query_is_a_no_op():
    state = _state(H=7)
    assert sync_settings(control_values(state), ids.URL, search="?H=7", previous=state) is None


def test_page_load_waits_for_the_address_bar():
    assert sync_settings({}, None, search=None, previous=_state()) is None


def test_empty_key_store_on_page_load_reads_the_link():
    before = _state()
    out = sync_settings(control_values(before), ids.KEY_EVENT, search="?H=9", previous=before,
                        key_event=None)
    assert out["settings"]["H"] == 9


# ---------------------------------------------------------------------------------------
# sync_settings: presets and keys
# ---------------------------------------------------------------------------------------


def test_choosing_a_preset_applies_its_model_settings():
    before = _state(theme="dark", tab="layered", u_auto=False, u_min=-2.0, u_max=-1.0)
    values = control_values(before)
    out = sync_settings(values, ids.PRESET, search="", previous=before, preset="deep-relu",
                        stores=_stores(before))
    state = out["settings"]
    assert state["H"] == 10 and state["activation"] == "relu"
    assert state["theme"] == "dark" and state["tab"] == "layered"  # display kept
    assert state["u_auto"] is True  # the band moved: the range follows it again
    assert out["preset"] is no_update  # the dropdown shows it already
    assert "deep" in out["preset_note"]


@pytest.mark.parametrize(
    "trigger,key,H",
    [(ids.PRESET_NEXT, None, 5), (ids.KEY_EVENT, "next", 5), (ids.PRESET_PREV, None, 3),
     (ids.KEY_EVENT, "prev", 3)],
)
def test_stepping_through_presets(trigger, key, H):
    from components.presets import PRESETS

    before = _state()  # the first preset (Choromanska, H = 3)
    out = sync_settings(control_values(before), trigger, search="", previous=before,
                        preset="choromanska", key_event={"action": key, "n": 1} if key else None)
    expected = PRESETS[1] if H == 5 else PRESETS[-1]
    assert out["settings"]["H"] == expected.values["H"]
    assert out["preset"] == expected.name


@pytest.mark.parametrize(
    "action,key,before,after",
    [("lecture", "lecture", False, True), ("lecture", "lecture", True, False),
     ("exit", "lecture", True, False), ("theme", "theme", "light", "dark"),
     ("theme", "theme", "dark", "contrast"), ("theme", "theme", "contrast", "light")],
)
def test_keys_toggle_lecture_mode_and_theme(action, key, before, after):
    state = _state(**{key: before})
    out = sync_settings(control_values(state), ids.KEY_EVENT, search="", previous=state,
                        key_event={"action": action, "n": 3})
    assert out["settings"][key] == after
    shown = out[f"value_{key}"]
    assert shown == (["on"] if after is True else [] if after is False else after)


def test_leaving_a_preset_clears_the_dropdown():
    before = _state()
    out = sync_settings({**control_values(before), "H": 4}, ids.DEPTH, search="", previous=before,
                        preset="choromanska")
    assert out["preset"] is None and out["preset_note"] is None


# ---------------------------------------------------------------------------------------
# Complexity view
# ---------------------------------------------------------------------------------------


def _slice(view: str, **changes) -> dict:
    return view_slice(_state(**changes), view)


@pytest.mark.parametrize("H,K", [(2, 0), (3, 5), (12, 10)])
def test_complexity_view_shows_energies_to_six_digits(H, K):
    out = complexity_outputs(_slice("complexity", H=H, K=K))
    assert out["alert"] is None
    assert len(out["figure_complexity"]["data"]) == K + 2
    energies = complexity.ground_state_energies(H, K)
    cell = _cell(out["energy_table"], ids.E0_VALUE)
    assert cell == format_value(energies[0])
    assert abs(float(cell) - energies[0]) <= 5e-6
    einf = _cell(out["energy_table"], ids.EINF_VALUE)
    assert float(einf) == pytest.approx(2 * math.sqrt((H - 1) / H), abs=5e-6)
    assert out["energy_table"].children.count("<tr") == 1 + (K + 1) + 1  # header, E_0..E_K, E_inf
    assert isinstance(out["table_complexity"], html.Details)


@pytest.mark.parametrize(
    "forged,H",
    [({"H": 99, "K": 5}, 12), ({"H": "abc", "K": 5}, 3), (None, 3), ({"H": [3]}, 3),
     ({"H": math.nan}, 3), ("nonsense", 3)],
)
def test_complexity_view_repairs_forged_state(forged, H):
    out = complexity_outputs(forged)
    assert len(out["figure_complexity"]["data"]) >= 2  # never blank
    cell = _cell(out["energy_table"], ids.E0_VALUE)
    assert float(cell) == pytest.approx(complexity.ground_state_energies(H, 0)[0], abs=5e-6)
    if forged is not None:
        assert out["alert"]


def test_format_value_keeps_six_significant_digits():
    assert format_value(1.657) == "1.65700"
    assert format_value(1.6329931618554521) == "1.63299"
    assert format_value(12.3456789) == "12.3457"


def test_energy_table_marks_e0_and_shows_network_units():
    table = energy_table([1.7, 1.65], 1.6)
    assert _cell(table, ids.E0_VALUE) == "1.70000"
    table = energy_table([1.7, 1.65], 1.6, scale=0.25)
    assert "0.425000" in _text(table) and "0.400000" in _text(table)  # 0.25 × E


def test_network_units_scale_the_loss_axis_by_alpha_bar_to_the_h_minus_1():
    """ReLU at μ = 0: ᾱ = P(Z > 0) = 1/2, so at H = 3 network loss = u / 4 (theory §5.3)."""
    spin = complexity_outputs(_slice("complexity", H=3, K=1))
    net = complexity_outputs(_slice("complexity", H=3, K=1, units="network"))
    assert net["alert"] is None
    x_spin = _array(spin["figure_complexity"]["data"][0]["x"])
    x_net = _array(net["figure_complexity"]["data"][0]["x"])
    np.testing.assert_allclose(x_net, 0.25 * x_spin, rtol=1e-12)
    e0 = complexity.ground_state_energies(3, 0)[0]
    assert format_value(0.25 * e0) in _text(net["energy_table"])


def test_unavailable_network_units_fall_back_to_spin_glass_units():
    """ReLU with all pre-activations far below 0: ᾱ ≈ 0, no network units."""
    out = complexity_outputs(_slice("complexity", units="network", mu=-3.0, sigma=0.1))
    assert "Network units are not available" in _text(out["alert"])
    assert "spin-glass units" in out["figure_complexity"]["layout"]["xaxis"]["title"]["text"]


def test_compute_error_becomes_message_figure():
    def failing(*args):
        raise ValueError("H (depth) must be an integer >= 2")

    out = complexity_outputs(_slice("complexity"), Renderers(complexity=failing))
    assert out["energy_table"] is None and out["table_complexity"] is None
    assert "depth" in _text(out["alert"])
    fig = out["figure_complexity"]
    assert len(fig.data) == 0 and "depth" in fig.layout.annotations[0].text


def test_unexpected_error_is_contained(caplog):
    def broken(*args):
        raise ZeroDivisionError("boom")

    out = complexity_outputs(_slice("complexity"), Renderers(complexity=broken))
    assert "internal error" in _text(out["alert"])
    assert "boom" not in _text(out["alert"])  # no internals on the page
    assert any("complexity plot" in r.getMessage() for r in caplog.records)


def test_dark_lecture_figures_come_from_the_slice():
    out = complexity_outputs(_slice("complexity", theme="dark", lecture=True))
    layout = out["figure_complexity"]["layout"]
    assert layout["template"]["layout"]["paper_bgcolor"] != "white"
    assert layout["template"]["layout"]["font"]["size"] > 16


# ---------------------------------------------------------------------------------------
# Layered and finite-N views
# ---------------------------------------------------------------------------------------


def test_layered_view_draws_the_energies_of_every_depth():
    out = layered_outputs(_slice("layered", H=5, K=3))
    assert out["alert"] is None
    e_k = _array(out["figure_layered_k"]["data"][0]["y"])
    np.testing.assert_allclose(e_k, complexity.ground_state_energies(5, 3), rtol=1e-14)
    traces = out["figure_layered_h"]["data"]
    names = [t["name"].split(" ")[0] for t in traces[:3]]
    assert names == ["E<sub>0</sub>", "E<sub>1</sub>", "E<sub>∞</sub>"]
    np.testing.assert_allclose(
        _array(traces[2]["y"]), [2 * math.sqrt((H - 1) / H) for H in range(2, 13)], rtol=1e-14
    )
    assert "chosen depth H = 5" in traces[3]["name"]


@pytest.mark.parametrize(
    "N,exact,mc",
    [(50, True, True), (1000, True, False), (20000, False, False)],
)
def test_finite_view_says_what_is_exact(N, exact, mc):
    out = finite_outputs(_slice("finite", N=N, K=2))
    assert out["alert"] is None
    names = [t["name"] for t in out["figure_finite"]["data"]]
    assert any("exact" in n for n in names) == exact
    assert any("Monte Carlo" in n for n in names) == mc
    notes = _text(out["notes"])
    assert ("not computed live" in notes) == (not exact)
    assert ("seed 1" in notes) == mc


def test_finite_view_repairs_forged_state():
    out = finite_outputs({"N": 10**9, "H": 3, "seed": -4})
    alert = _text(out["alert"])
    assert "Number of weights N" in alert and "Seed" in alert
    assert out["figure_finite"]["data"]


# ---------------------------------------------------------------------------------------
# Activation view
# ---------------------------------------------------------------------------------------


def test_activation_view_for_relu():
    out = activation_outputs(_slice("activation"))
    assert out["alert"] is None
    names = [t["name"] for t in out["figure_activation"]["data"]]
    assert any(n.startswith("f(z)") for n in names)
    text = _text(out["stats"])
    assert "0.500000" in text  # alpha_bar of ReLU at mu = 0
    rho = _array(out["figure_pieces"]["data"][0]["y"])
    assert list(rho) == pytest.approx([0.5, 0.5], abs=1e-12)
    assert "≡ 0" in out["figure_phi"]["data"][1]["name"]  # β̄ = 0: Choromanska's model


def test_activation_view_reports_bad_knots_with_line_number():
    out = activation_outputs(
        _slice("activation", activation="custom", knots="z, f\n0, 0\n1, oops\n")
    )
    assert "line 3" in _text(out["alert"])
    assert out["stats"] is None and len(out["figure_activation"].data) == 0


def test_activation_view_never_evaluates_knot_text():
    out = activation_outputs(
        _slice("activation", activation="custom", knots="__import__('os').system('true'), 1")
    )
    assert "line 1" in _text(out["alert"])


def test_activation_view_repairs_forged_state():
    out = activation_outputs({"activation": 5, "H": 99, "sigma": -1})
    alert = _text(out["alert"])
    assert "Activation" in alert and "Depth" in alert and "Spread" in alert
    assert out["stats"] is not None


def test_flat_activation_gives_a_message_not_a_crash():
    """ReLU with all pre-activations far below 0: mean slope ᾱ ≈ 0 (theory §5.3)."""
    out = activation_outputs(_slice("activation", mu=-3.0, sigma=0.1))
    assert "mean slope" in _text(out["alert"])
    assert out["stats"] is None and len(out["figure_activation"].data) == 0
    assert len(out["figure_phi"].data) == 0


@pytest.mark.parametrize(
    "name", ["leaky_relu", "tanh", "sigmoid", "softplus", "elu", "gelu", "silu"]
)
def test_every_preset_renders(name):
    from compute.activations import PRESETS

    param = PRESETS[name].param_default
    out = activation_outputs(_slice("activation", activation=name, param=param, pieces=3))
    assert out["alert"] is None
    assert len(out["figure_activation"]["data"]) == 4  # density, f, fit, breakpoints
    rho = _array(out["figure_pieces"]["data"][0]["y"])
    assert len(rho) == (2 if name == "leaky_relu" else 3)  # leaky ReLU is exact with 2 pieces
    assert rho.sum() == pytest.approx(1.0, abs=1e-12)


def test_reset_goes_back_to_the_defaults_but_keeps_the_look_and_view():
    from components.state import default_state
    from components.sync import sync_settings

    previous = {
        **default_state(),
        "H": 7,
        "N": 50,
        "theme": "contrast",
        "lecture": True,
        "tab": "finite",
        "activation": "tanh",
    }
    values = {
        "H": 7,
        "K": 5,
        "N_box": 50,
        "activation": "tanh",
        "theme": "contrast",
        "lecture": ["on"],
        "tab": "finite",
    }
    out = sync_settings(values, ids.RESET, search="?H=7", previous=previous)
    state = out["settings"]
    assert (state["theme"], state["lecture"], state["tab"]) == ("contrast", True, "finite")
    fresh = default_state()
    for key in ("H", "N", "K", "activation", "mu", "sigma", "gamma", "seed"):
        assert state[key] == fresh[key], key
    assert out["search"] == "?theme=contrast&tab=finite&lecture=1"


def test_the_address_is_pushed_for_steps_and_replaced_for_drags_and_repairs():
    from components.sync import SLIDERS, address_update

    assert address_update(no_update, ids.DEPTH) is no_update
    assert address_update(None, ids.DEPTH) is no_update
    drag = address_update("?H=4", ids.DEPTH)
    assert drag == {"search": "?H=4", "source": ids.DEPTH, "slider": True, "mode": "auto"}
    step = address_update("?H=4", ids.PRESET_NEXT)
    assert step["slider"] is False and step["mode"] == "auto"
    assert address_update("?K=10", None)["mode"] == "replace"  # a link repaired on arrival
    assert address_update("?K=10", ids.URL)["mode"] == "replace"
    assert ids.N_SLIDER in SLIDERS and ids.THEME not in SLIDERS and ids.TABS not in SLIDERS


@pytest.mark.parametrize("view", ["complexity", "layered", "finite"])
def test_spin_glass_views_say_when_phi_changes_the_counts(view):
    from components.state import default_state, view_slice
    from components.views.analytic import view_outputs

    def text(node) -> str:
        if node is None:
            return ""
        if isinstance(node, str):
            return node
        if isinstance(node, (list, tuple)):
            return "".join(text(n) for n in node)
        return text(getattr(node, "children", None))

    base = default_state()
    relu = view_outputs(view, view_slice({**base, "tab": view}, view))
    assert relu["scope"] is None  # ReLU: β̄ = 0, φ ≡ 0, the view is the whole story
    sigmoid = view_outputs(view, view_slice({**base, "tab": view, "activation": "sigmoid"}, view))
    note = text(sigmoid["scope"])
    assert "φ ≠ 0" in note and "Activation effect" in note
    links = [n for n in sigmoid["scope"] if getattr(n, "href", None)]
    assert links and getattr(links[0], "data-tab", None) in (None, "effect")
    off_state = {**base, "tab": view, "activation": "sigmoid", "gamma": 0.0}
    off = view_outputs(view, view_slice(off_state, view))
    assert off["scope"] is None  # γ = 0 switches φ off
