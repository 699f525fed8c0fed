"""The export row of the activation-effect and landscapes tabs in a real browser: the CSV
button downloads the one CSV format, with a link that reopens the tab."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from dash.testing.wait import until

from components import ids
from components.export import HEADER_KEYS, read_csv

pytestmark = pytest.mark.browser


def _download(duo, plot: str, prefix: str) -> str:
    """Press the CSV button of ``plot`` and return the text of the file it saves."""
    folder = Path(duo.download_path)
    for old in folder.glob(f"{prefix}*.csv"):
        old.unlink()
    duo.find_element(f"#{ids.export_button(plot, 'csv')}").click()
    until(lambda: any(p.stat().st_size > 0 for p in folder.glob(f"{prefix}*.csv")), timeout=30,
          msg=f"no CSV of {plot} was downloaded")
    time.sleep(0.2)
    (path,) = folder.glob(f"{prefix}*.csv")
    return path.read_text()


def _check(duo, text: str, query: str, columns: list[str]) -> None:
    doc = read_csv(text)
    assert all(doc.header[k] for k in HEADER_KEYS)
    assert doc.header["link"] == f"{duo.server_url}/{query}"
    assert doc.columns[: len(columns)] == columns
    assert len(doc.rows) > 10


def test_exp001_effect_tab_downloads_its_csv(shared_duo):
    duo = shared_duo
    duo.wait_for_page(f"{duo.server_url}/?activation=softplus&tab=effect")
    duo.wait_for_contains_text(f"#{ids.EFFECT_MODULATION_GRAPH}", "K₀(u): minima", timeout=60)
    text = _download(duo, "effect-modulation", "spinglass-effect-modulation-H3-softplus")
    _check(duo, text, "?activation=softplus&tab=effect", ["series", "x", "y"])
    doc = read_csv(text)
    assert "K₀(u): minima" in {r[0] for r in doc.rows}
    assert doc.header["activation"] == "softplus" and doc.header["H"] == "3"
    assert duo.find_element(f"#{ids.export_message('effect-modulation')}").text == ""
    assert duo.get_logs() == []


def test_exp002_landscapes_tab_downloads_its_csv(shared_duo):
    duo = shared_duo
    duo.wait_for_page(f"{duo.server_url}/?seed=4&tab=lab")
    duo.wait_for_contains_text(f"#{ids.LAB_GLOBE_GRAPH}", "minima", timeout=60)
    text = _download(duo, "lab-globe", "spinglass-lab-globe-H3")
    _check(duo, text, "?seed=4&tab=lab", ["series", "x", "y", "z"])
    doc = read_csv(text)
    assert doc.header["N"] == "3" and doc.header["seed"] == "4"
    points = [r for r in doc.rows if r[0] != "landscape"]
    assert points and all(abs(sum(float(c) ** 2 for c in r[1:4]) - 1.0) < 0.1 for r in points)
    # the descent experiment has not run: its CSV button says so instead of saving a file
    duo.find_element(f"#{ids.export_button('lab-descent', 'csv')}").click()
    duo.wait_for_contains_text(f"#{ids.export_message('lab-descent')}", "No CSV", timeout=20)
    assert duo.get_logs() == []
