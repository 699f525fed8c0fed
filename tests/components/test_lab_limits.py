"""The N = 3 globe at the reachable extremes: bounded, and the message names what to change."""

from __future__ import annotations

import resource

import pytest

from components.views import lab

EXTREMES = [
    {"tab": "lab", "H": 8, "activation": "tanh", "mu": 3, "sigma": 0.1},
    {"tab": "lab", "H": 12, "activation": "gelu", "mu": -3, "sigma": 0.1},
]


@pytest.mark.parametrize("raw", EXTREMES, ids=["tanh-H8-mu3", "gelu-H12-mu-3"])
def test_extreme_globe_is_refused_with_a_message_naming_the_activation(raw):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = lab.globe_outputs(raw)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    text = " ".join(str(p.children) for p in out["alert"])
    assert "lower N" not in text and "Lower the lab size" not in text
    assert "γ" in text and "μ" in text
    assert out["info"] is None
    assert grown_mib < 400  # the unbounded version reached tens of GB


def test_memory_error_message_names_h_for_the_globe():
    def boom(*args):
        raise MemoryError

    out = lab.globe_outputs({"tab": "lab", "H": 5}, lab.LabData(globe=boom))
    text = " ".join(str(p.children) for p in out["alert"])
    assert "depth H" in text and "lab size" not in text
