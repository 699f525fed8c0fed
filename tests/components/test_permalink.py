"""Permalinks: the query string restores every setting; bad links never fail."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from components.permalink import (
    MAX_QUERY_CHARS,
    parse_query,
    query_from_state,
    state_query_from_url,
)
from components.state import CHOICES, FIELDS, activation_names, default_state, param_spec, sanitize


def _restore(query: str) -> tuple[dict, list[str]]:
    raw, messages = parse_query(query)
    state, repairs = sanitize(raw)
    return state, messages + repairs


def test_depth_seven_link():
    state, messages = _restore("?H=7")
    assert state == {**default_state(), "H": 7} and messages == []
    assert query_from_state(state) == "?H=7"


def test_defaults_give_the_bare_address():
    assert query_from_state(default_state()) == ""
    assert _restore("") == (default_state(), [])
    assert _restore("?") == (default_state(), [])


def test_alias_and_blank_values():
    state, messages = _restore("?L=12")
    assert state["pieces"] == 12 and messages == []
    state, messages = _restore("?H=")
    assert state["H"] == 3 and "Depth H" in messages[0]


def test_unknown_repeated_and_oversized_queries_are_reported():
    raw, messages = parse_query("?H=4&H=5&evil=<script>&evil=2")
    assert raw == {"H": "5"}
    assert any("more than once" in m for m in messages)
    assert sum("evil" in m for m in messages) == 1
    raw, messages = parse_query("?H=" + "9" * MAX_QUERY_CHARS)
    assert raw == {} and "longer than" in messages[0]
    raw, messages = parse_query(["?H=7"])
    assert raw == {} and "unreadable" in messages[0]


def test_only_the_parameter_of_the_chosen_preset_is_written():
    state = {**default_state(), "activation": "elu", "param": 1.0}  # ELU's default α
    assert query_from_state(state) == "?activation=elu"
    state["param"] = 2.5
    assert query_from_state(state) == "?activation=elu&param=2.5"
    state = {**default_state(), "knots": "z, f\n0, 0\n1, 1"}  # not the custom activation
    assert query_from_state(state) == ""


def test_automatic_range_is_not_written():
    state = {**default_state(), "u_min": -1.9, "u_max": -1.2}
    assert query_from_state(state) == ""
    state["u_auto"] = False
    assert query_from_state(state) == "?u_min=-1.9&u_max=-1.2&u_auto=0"


def test_query_of_a_full_url():
    assert state_query_from_url("http://host:8050/?H=7&K=2") == "?H=7&K=2"
    assert state_query_from_url("http://host:8050/") == ""
    assert state_query_from_url(None) is None
    assert state_query_from_url("http://[::1") is None  # malformed


def _states():
    def number(field):
        if field.integer:
            return st.integers(int(field.minimum), int(field.maximum))
        return st.floats(field.minimum, field.maximum, allow_nan=False).map(lambda x: round(x, 6))

    fields = {key: number(f) for key, f in FIELDS.items() if key not in ("u_min", "u_max")}
    choices = {key: st.sampled_from(allowed) for key, (_, allowed, _) in CHOICES.items()}
    flags = {key: st.booleans() for key in ("lecture", "u_auto")}
    base = st.fixed_dictionaries({
        **fields, **choices, **flags,
        "activation": st.sampled_from(activation_names()),
        "knots": st.text(alphabet="0123456789., z\nf-", max_size=60),
        "range": st.tuples(st.floats(-3, 0.5), st.floats(-3, 0.5)).filter(lambda r: r[0] < r[1] - 1e-6)
        .map(lambda r: (round(r[0], 6), round(r[1], 6))).filter(lambda r: r[0] < r[1]),
        "param": st.floats(0, 1),
    })

    def finish(d):
        d = dict(d)
        d["u_min"], d["u_max"] = d.pop("range")
        spec = param_spec(d["activation"])
        d["param"] = None if spec is None else round(spec.param_min + d["param"] * (spec.param_max - spec.param_min), 6)
        return d

    return base.map(finish)


@settings(max_examples=150, deadline=None)
@given(_states())
def test_every_valid_state_survives_the_round_trip(raw):
    state, messages = sanitize(raw)
    assert messages == []
    restored, messages = _restore(query_from_state(state))
    assert messages == []
    expected = dict(state)
    if state["u_auto"]:  # an automatic range is recomputed from H, not stored
        expected["u_min"], expected["u_max"] = restored["u_min"], restored["u_max"]
    if state["activation"] != "custom":
        expected["knots"] = restored["knots"]
    assert restored == expected
