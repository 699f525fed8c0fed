"""Named presets: valid settings, matched and stepped through in a fixed order."""

from __future__ import annotations

import pytest

from components.presets import (
    MODEL_KEYS,
    PRESETS,
    apply_preset,
    matching_preset,
    preset_label,
    preset_names,
    preset_note,
    step_preset,
)
from components.state import default_state, sanitize


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_every_preset_is_a_valid_state_and_matches_itself(preset):
    state, messages = sanitize(apply_preset(default_state(), preset.name))
    assert messages == []
    assert {k: state[k] for k in MODEL_KEYS} == dict(preset.values)
    assert matching_preset(state) == preset.name
    assert preset_label(preset.name) == preset.label and preset_note(preset.name)


def test_the_classic_settings_are_there():
    labels = [p.label for p in PRESETS]
    assert "ReLU, H = 3 (Choromanska et al.)" in labels
    assert "deep ReLU, H = 10" in labels
    assert any(label.startswith("sigmoid vs tanh") and "sigmoid" in label.split(":")[1] for label in labels)
    assert any(label.startswith("sigmoid vs tanh") and "tanh" in label.split(":")[1] for label in labels)
    assert len(set(preset_names())) == len(PRESETS)


def test_default_state_is_the_first_preset():
    assert matching_preset(default_state()) == preset_names()[0]


def test_applying_keeps_the_look_opens_the_presets_view_and_resets_the_range():
    before = {**default_state(), "theme": "dark", "tab": "finite", "lecture": True, "seed": 77,
              "u_auto": False}
    after = apply_preset(before, "deep-relu")
    assert (after["theme"], after["lecture"], after["seed"]) == ("dark", True, 77)
    assert after["tab"] == "layered"  # where the layered structure of H = 10 shows
    assert after["H"] == 10 and after["u_auto"] is True
    assert apply_preset(before, "no-such-preset") == before
    assert apply_preset(before, None) == before


def test_stepping_wraps_around():
    names = preset_names()
    assert step_preset(names[0], 1) == names[1]
    assert step_preset(names[-1], 1) == names[0]
    assert step_preset(names[0], -1) == names[-1]
    assert step_preset(None, 1) == names[0] and step_preset("??", -1) == names[-1]


def test_a_changed_setting_leaves_the_preset():
    assert matching_preset({**default_state(), "mu": 0.05}) is None
    assert preset_note(None) is None and preset_label("??") is None


def test_every_preset_opens_a_real_view_and_has_speaker_notes():
    from components.presets import speaker_notes
    from components.state import TABS

    for preset in PRESETS:
        assert preset.tab in TABS, preset.name
        assert speaker_notes(preset.name), preset.name
        state, repairs = sanitize(apply_preset(default_state(), preset.name))
        assert repairs == [] and state["tab"] == preset.tab
    assert speaker_notes(None) is None and speaker_notes("nope") is None
    # presets whose point is φ ≠ 0 open the view that accounts for φ
    assert next(p for p in PRESETS if p.name == "sigmoid").tab == "effect"
