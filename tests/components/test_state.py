"""Settings validation: every forged value becomes a valid state plus a readable message."""

from __future__ import annotations

import math

import pytest

from components.state import (
    CHOICES,
    DEFAULT_KNOTS,
    FIELDS,
    FLAGS,
    MAX_KNOTS_CHARS,
    SCALE_KEYS,
    VIEWS,
    activation_names,
    default_state,
    sanitize,
    view_slice,
)
from compute.activations import PRESETS


def test_default_state_is_valid_and_silent():
    state, messages = sanitize(default_state())
    assert state == default_state()
    assert messages == []


def test_missing_keys_take_defaults_silently():
    state, messages = sanitize({"H": 7})
    assert state == {**default_state(), "H": 7}
    assert messages == []


# (raw H, expected H, words the message must contain; None = no message)
H_CASES = [
    (2, 2, None),
    (12, 12, None),
    (7.0, 7, None),
    ("7", 7, None),
    (" 5 ", 5, None),
    (99, 12, ["Depth H", "2 to 12", "99"]),
    (1, 2, ["Depth H", "out of range"]),
    (-1e308, 2, ["out of range"]),
    (7.4, 7, ["rounded"]),
    ("abc", 3, ["Depth H", "'abc'", "default 3"]),
    (None, 3, ["Depth H", "None"]),
    (math.nan, 3, ["nan"]),
    (math.inf, 3, ["inf"]),
    ([4, 5], 3, ["[4, 5]"]),
    ({"H": 4}, 3, ["default"]),
    (True, 3, ["True"]),
    ("1e400", 3, ["default"]),
    ("x" * 500, 3, ["…"]),
]


@pytest.mark.parametrize("raw,expected,words", H_CASES, ids=[repr(c[0])[:20] for c in H_CASES])
def test_depth_is_validated(raw, expected, words):
    state, messages = sanitize({"H": raw})
    assert state["H"] == expected and type(state["H"]) is int
    if words is None:
        assert messages == []
    else:
        assert len(messages) == 1
        for word in words:
            assert word in messages[0]
        assert len(messages[0]) < 200  # long forged values are shortened


@pytest.mark.parametrize("key", [k for k in FIELDS if k not in ("u_min", "u_max")])
@pytest.mark.parametrize("side", ["low", "high"])
def test_every_number_is_clamped_to_its_range(key, side):
    field = FIELDS[key]
    raw = field.minimum - 1 if side == "low" else field.maximum + 1
    state, messages = sanitize({key: raw})
    assert state[key] == (field.minimum if side == "low" else field.maximum)
    assert len(messages) == 1 and field.label in messages[0]


def test_float_fields_stay_floats():
    state, _ = sanitize({"mu": 1, "sigma": "0.5"})
    assert state["mu"] == 1.0 and isinstance(state["mu"], float)
    assert state["sigma"] == 0.5


@pytest.mark.parametrize("raw", ["nope", 3, None, ["relu"]])
def test_unknown_activation_falls_back_to_relu(raw):
    state, messages = sanitize({"activation": raw})
    assert state["activation"] == "relu"
    assert len(messages) == 1 and "Activation must be one of" in messages[0]


def test_activation_names_cover_presets_and_custom():
    names = activation_names()
    assert set(PRESETS) <= set(names) and "custom" in names


@pytest.mark.parametrize("name", [n for n, s in PRESETS.items() if s.param_name])
def test_preset_parameter_range(name):
    spec = PRESETS[name]
    assert sanitize({"activation": name})[0]["param"] == spec.param_default
    state, messages = sanitize({"activation": name, "param": spec.param_max + 10})
    assert state["param"] == spec.param_max and spec.param_symbol in messages[0]
    state, messages = sanitize({"activation": name, "param": "x"})
    assert state["param"] == spec.param_default and messages


def test_parameter_of_a_preset_without_one_is_dropped():
    state, messages = sanitize({"activation": "tanh", "param": 5})
    assert state["param"] is None and messages == []


def test_knots_must_be_text_of_bounded_length():
    assert sanitize({"knots": "0, 0\n1, 1"})[0]["knots"] == "0, 0\n1, 1"
    state, messages = sanitize({"knots": [[0, 0], [1, 1]]})
    assert state["knots"] == DEFAULT_KNOTS and "must be text" in messages[0]
    state, messages = sanitize({"knots": "0, 0\n" * MAX_KNOTS_CHARS})
    assert state["knots"] == DEFAULT_KNOTS and "at most" in messages[0]


@pytest.mark.parametrize("raw", [None, "abc", 5, [1, 2]])
def test_non_mapping_settings_give_defaults(raw):
    state, messages = sanitize(raw)
    assert state == default_state()
    assert (messages == []) == (raw is None)


def test_several_repairs_give_several_messages():
    _, messages = sanitize({"H": 99, "K": -3, "mu": "abc", "activation": "??"})
    assert len(messages) == 4


# ---------------------------------------------------------------------------------------
# Loss range, choices, flags, view slices
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected,count,word",
    [
        ({"u_min": -5}, (-3.0, -1.5), 1, "out of range"),
        ({"u_max": 2}, (-1.8, 0.5), 1, "out of range"),
        ({"u_min": 2}, (-1.5, 0.5), 2, "swapped"),  # clamped to 0.5, then above u_max
        ({"u_min": -1.6, "u_max": -1.7}, (-1.7, -1.6), 1, "swapped"),
        ({"u_min": -1.6, "u_max": "-1.6"}, (-1.8, -1.5), 1, "empty"),
    ],
)
def test_loss_range_is_ordered(raw, expected, count, word):
    state, messages = sanitize(raw)
    assert (state["u_min"], state["u_max"]) == expected
    assert len(messages) == count and word in messages[-1]


@pytest.mark.parametrize("key", list(CHOICES))
def test_choices_accept_their_values_and_repair_others(key):
    label, allowed, default = CHOICES[key]
    for value in allowed:
        assert sanitize({key: value}) == ({**default_state(), key: value}, [])
    for bad in ("nope", 3, None, ["light"], allowed[0].upper()):
        state, messages = sanitize({key: bad})
        assert state[key] == default and len(messages) == 1 and label in messages[0]


@pytest.mark.parametrize("key", list(FLAGS))
@pytest.mark.parametrize(
    "raw,expected",
    [(True, True), (False, False), ("1", True), ("0", False), ("true", True), ("Off", False),
     (1, True), (0, False)],
)
def test_flags_read_links_and_booleans(key, raw, expected):
    state, messages = sanitize({key: raw})
    assert state[key] is expected and messages == []


@pytest.mark.parametrize("bad", ["maybe", 2, None, [True]])
def test_bad_flags_are_reported(bad):
    state, messages = sanitize({"lecture": bad})
    assert state["lecture"] is False and "Lecture mode" in messages[0]


def test_new_fields_have_the_agreed_ranges():
    """Ranges the other tabs rely on (they read these keys from the settings store)."""
    assert (FIELDS["N"].minimum, FIELDS["N"].maximum, FIELDS["N"].default) == (10, 10**6, 1000)
    assert (FIELDS["gamma"].minimum, FIELDS["gamma"].maximum, FIELDS["gamma"].default) == (0, 5, 1)
    assert (FIELDS["seed"].minimum, FIELDS["seed"].maximum, FIELDS["seed"].default) == (0, 999_999, 1)
    assert (FIELDS["lab_N"].minimum, FIELDS["lab_N"].maximum, FIELDS["lab_N"].default) == (5, 500, 50)
    assert (FIELDS["runs"].minimum, FIELDS["runs"].maximum, FIELDS["runs"].default) == (10, 500, 100)
    assert all(FIELDS[k].integer for k in ("N", "seed", "lab_N", "runs"))


def test_view_slices_carry_only_what_each_view_depends_on():
    state = default_state()
    assert set(view_slice(state, "complexity")) == {
        "H", "K", "units", "u_auto", "theme", "lecture",
        # the activation model: the view says when φ ≠ 0 changes its counts
        "activation", "param", "pieces", "mu", "sigma", "knots", "gamma"}
    assert "lab_N" not in view_slice(state, "complexity")
    assert "N" in view_slice(state, "finite") and "seed" in view_slice(state, "finite")
    assert "gamma" in view_slice(state, "activation")
    manual = {**state, "u_auto": False}
    assert {"u_min", "u_max"} <= set(view_slice(manual, "finite"))
    assert "u_min" not in view_slice(manual, "layered")
    network = {**state, "units": "network"}
    for view in VIEWS:
        assert set(SCALE_KEYS) <= set(view_slice(network, view))
