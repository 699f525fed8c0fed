"""Every tab exports the same way: each plot of every registered view has the one export row,
and its CSV is read back by the one reader with the same header keys."""

from __future__ import annotations

import json

import plotly
import pytest
from flask_caching.backends.simplecache import SimpleCache

from components import ids
from components.export import HEADER_KEYS, csv_document, from_figure, read_csv
from components.registry import VIEWS, module_of
from components.state import default_state
from components.views import analytic, effect, lab, minima, networks
from tests.components.dash_payload import walk

BASE = "http://127.0.0.1:8050/"
FORMATS = ("png", "svg", "pdf", "csv")


def _export_rows(view) -> set[str]:
    """The plots of ``view``'s tab that have an export row (from its CSV button ids)."""
    layout = module_of(view).layout(view.name, default_state())
    found = {getattr(n, "id", None) for n in walk(layout)}
    plots = {i[: -len("-export-csv")] for i in found
             if isinstance(i, str) and i.endswith("-export-csv")}
    for plot in plots:  # the whole row: four buttons, two downloads, a status line
        assert {ids.export_button(plot, f) for f in FORMATS} <= found
        assert {ids.download(plot, "csv"), ids.download(plot, "pdf")} <= found
        assert ids.export_message(plot) in found
    return plots


def _from_page(figure) -> str:
    """The CSV the export row makes of a figure as the browser sends it back."""
    page = json.loads(json.dumps(figure, cls=plotly.utils.PlotlyJSONEncoder))
    made = from_figure(page)
    assert not isinstance(made, str), made
    return csv_document(made, BASE)


def _csvs(view: str) -> dict[str, str]:
    """The CSV of every exported plot of ``view``, made as its export row makes it."""
    s = {**default_state(), "H": 3}
    if view in ("complexity", "layered", "finite", "activation"):
        return {p: analytic.export_csv(p, {**s, "N": 60}, base=BASE)["download"]["content"]
                for p, spec in analytic.PLOTS.items() if spec.view == view}
    if view == "effect":
        out = effect.effect_outputs({**s, "activation": "softplus"})
        counts = effect.counts_outputs(1, {**s, "activation": "softplus"}, 2, None)
        return {"effect-modulation": _from_page(out["modulation_figure"]),
                "effect-compare": _from_page(out["compare_figure"]),
                "effect-counts": _from_page(counts["figure"])}
    if view in ("lab", "minima"):
        module = lab if view == "lab" else minima
        settings = {**s, "seed": 2, "lab_N": 12, "runs": 10, "K": 3, "activation": "gelu",
                    "gamma": 0.5}
        out = {}
        for plot in module.PLOTS:
            made = module.export_of(plot, settings)
            assert not isinstance(made, str), made
            out[plot] = csv_document(made, BASE)
        return out
    if view == "networks":
        small = {**s, "H": 2, "net_widths": "5, 8", "net_restarts": 4, "net_epochs": 2,
                 "net_hessian": True}
        data = networks._memoized(SimpleCache())
        networks.experiment_outputs(small, None, data)  # the job, as on the page
        out = {}
        for plot in networks.PLOTS:
            made = networks.export_of(plot, small, data=data)
            assert not isinstance(made, str), made
            out[f"networks-{plot}"] = csv_document(made, BASE)
        return out
    raise AssertionError(f"no CSV producer for the view {view!r}: add one here")


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_every_plot_of_every_view_exports_the_one_csv(view):
    rows = _export_rows(view)
    assert rows, f"the {view.label} tab has no export row"
    csvs = _csvs(view.name)
    assert set(csvs) == rows  # every export row of the tab, and nothing else
    for plot, text in csvs.items():
        doc = read_csv(text)  # the one reader: raises when the format is not kept
        assert list(doc.header)[: len(HEADER_KEYS)] == list(HEADER_KEYS), plot
        assert all(doc.header[k] for k in HEADER_KEYS), plot
        assert doc.header["link"].startswith(BASE + "?"), plot
        tab = "" if view.name == "complexity" else f"tab={view.name}"
        assert tab in doc.header["link"], plot
        assert "§" in doc.header["model"] or "measured" in doc.header["model"], plot
        assert doc.columns and doc.rows, plot
        assert any(c != "" for r in doc.rows for c in r[1:]), plot


def test_landscape_exports_never_compute_the_heavy_parts_in_the_request(tmp_path):
    data = lab._memoized(SimpleCache())
    settings = {**default_state(), "H": 3, "seed": 3, "lab_N": 10, "runs": 10}
    for plot in ("lab-chart-heatmap", "lab-descent"):
        made = lab.export_of(plot, settings, data=data)
        assert made == "This figure has no data to export yet.", plot
    assert not isinstance(lab.export_of("lab-globe", settings, data=data), str)  # cheap
    shown = lab.descent_outputs(settings, None, data)["figure"]  # the job, as on the page
    made = lab.export_of("lab-descent", settings, data=data)
    assert not isinstance(made, str)
    assert read_csv(csv_document(made)).rows == read_csv(_from_page(shown)).rows
