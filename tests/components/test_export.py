"""Exports: CSV with a parameter header, PDF through kaleido, the table views."""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest
from dash import html, no_update

from components.export import (
    HEADER_KEYS,
    Export,
    ExportUnavailable,
    csv_document,
    figure_table,
    find_chromium,
    format_cell,
    from_figure,
    read_csv,
    stamp,
    table_view,
)
from components.state import default_state, resolve_range
from components.views.analytic import (
    PLOTS,
    export_csv,
    export_name,
    export_parameters,
    export_pdf,
)
from compute import complexity
from compute.finite_n import log_expected_total_count


def _state(**changes):
    return resolve_range({**default_state(), **changes})


def _parse(text: str) -> tuple[dict, list[str], list[list[str]]]:
    doc = read_csv(text)
    return doc.header, doc.columns, doc.rows


@pytest.mark.parametrize("plot", list(PLOTS))
def test_every_plot_exports_its_data(plot):
    out = export_csv(plot, _state(N=100))
    assert out["message"] is None
    download = out["download"]
    assert download["filename"].startswith(f"spinglass-{plot}-H3")
    assert download["type"] == "text/csv"
    assert download["filename"].endswith(".csv")
    if PLOTS[plot].view == "finite":
        assert "-N100" in download["filename"]  # the settings that shape the plot
    header, columns, rows = _parse(download["content"])
    assert list(header)[:len(HEADER_KEYS)] == list(HEADER_KEYS)
    assert header["plot"] == PLOTS[plot].title
    assert header["model"].startswith(PLOTS[plot].theory)
    view = PLOTS[plot].view
    assert header["link"] == ("?N=100" if view == "complexity" else f"?N=100&tab={view}")
    assert rows and all(len(r) == len(columns) for r in rows)
    assert download["content"].startswith("# app: Spin-glass loss landscapes")
    assert "columns" in header


def test_complexity_csv_matches_theta():
    out = export_csv("complexity", _state(H=5, K=3))
    header, columns, rows = _parse(out["download"]["content"])
    assert header["Depth H"] == "5" and header["Highest index K"] == "3"
    assert header["units"].startswith("spin-glass loss per weight u")
    assert columns == ["u", "Theta_k0", "Theta_k1", "Theta_k2", "Theta_k3", "Theta_total"]
    data = np.array(rows, dtype=float)
    for k in range(4):
        np.testing.assert_array_equal(data[:, 1 + k], complexity.theta(data[:, 0], 5, k))
    np.testing.assert_array_equal(data[:, -1], complexity.theta(data[:, 0], 5))


def test_finite_csv_has_the_exact_total_and_monte_carlo_columns():
    state = _state(N=40, K=1, seed=9)
    header, columns, rows = _parse(export_csv("finite", state)["download"]["content"])
    assert header["Seed"] == "9" and header["Number of weights N"] == "40"
    assert columns[-4:] == ["mc_count_k0", "mc_stderr_k0", "mc_count_k1", "mc_stderr_k1"]
    u = np.array([float(r[0]) for r in rows])
    exact = np.array([float(r[columns.index("log10_exact_total")]) for r in rows])
    np.testing.assert_allclose(exact, log_expected_total_count(40, 3, u) / math.log(10), rtol=1e-13)
    filled = [r for r in rows if r[columns.index("mc_count_k0")] != ""]
    assert len(filled) == 7  # the Monte Carlo levels; empty cells elsewhere


def test_network_units_add_a_column_and_say_so():
    out = export_csv("complexity", _state(units="network"))
    header, columns, rows = _parse(out["download"]["content"])
    assert columns[:2] == ["u", "loss_network"]
    assert "network units" in header["units"]
    data = np.array(rows, dtype=float)
    np.testing.assert_allclose(data[:, 1], 0.25 * data[:, 0], rtol=1e-15)  # ReLU: ᾱ² = 1/4


def test_forged_settings_still_export_the_repaired_state():
    header, _, _ = _parse(export_csv("layered-k", {"H": 99, "K": "x"})["download"]["content"])
    assert header["Depth H"] == "12" and header["Highest index K"] == "5"
    out = export_csv("nope", {})
    assert out["download"] is no_update and "Unknown plot" in out["message"]


def test_bad_knots_give_a_message_not_a_file():
    out = export_csv("activation", _state(activation="custom", knots="1, oops"))
    assert out["download"] is no_update and "line 1" in out["message"]


def test_csv_document_quotes_and_blanks():
    export = Export("t", "m", "u", {"multi": "line1\nline2", "ELU: α": 2.0},
                    table={"columns": ["a,b", "c"], "rows": [[1.5, math.nan], [np.inf, "x"]]})
    text = csv_document(export)
    lines = text.splitlines()
    assert "# multi: line1; line2" in lines
    assert "# ELU α: 2" in lines  # a key never holds the separator
    assert lines[-3:] == ['"a,b",c', "1.5,", "inf,x"]
    doc = read_csv(text)
    assert doc.header["link"] == "(all defaults)" and doc.columns == ["a,b", "c"]
    assert doc.rows == [["1.5", ""], ["inf", "x"]]


def test_reader_refuses_what_is_not_the_format():
    with pytest.raises(ValueError, match="lacks"):
        read_csv("# plot: x\na,b\n1,2\n")
    with pytest.raises(ValueError, match="key: value"):
        read_csv("# plot = x\n")
    good = csv_document(Export("t", "m", "u", table={"columns": ["a", "b"], "rows": [[1, 2]]}))
    with pytest.raises(ValueError, match="cells"):
        read_csv(good + "3\n")


def test_a_stamped_figure_exports_its_drawn_values():
    import plotly.graph_objects as go

    fig = go.Figure([go.Scatter(x=np.array([0.5, 1.0]), y=np.array([2.0, np.nan]), name="a"),
                     go.Heatmap(x=[0, 1, 2], y=[10, 20], z=np.arange(6.0).reshape(2, 3),
                                name="h")])
    fig.update_layout(xaxis_title="u", yaxis_title="K")
    export = Export("Title", "model m", "units v", {"Depth H": 4}, "?H=4&tab=effect",
                    name="spinglass-x-H4")
    # as the browser sends it back: plotly's typed arrays, through JSON
    import json

    page = json.loads(json.dumps(stamp(fig, export).to_plotly_json(),
                                 cls=__import__("plotly").utils.PlotlyJSONEncoder))
    made = from_figure(page)
    doc = read_csv(csv_document(made, "http://127.0.0.1:8050/"))
    assert doc.header["link"] == "http://127.0.0.1:8050/?H=4&tab=effect"
    assert doc.header["Depth H"] == "4" and doc.header["units"] == "units v"
    assert "x = u" in doc.header["columns"] and "y = K" in doc.header["columns"]
    assert doc.columns == ["series", "x", "y", "z"]
    assert doc.rows[:2] == [["a", "0.5", "2.0", ""], ["a", "1.0", "", ""]]
    heat = [r for r in doc.rows if r[0] == "h"]
    assert heat[4] == ["h", "1", "20", "4.0"]  # z[1][1] at (x[1], y[1])
    assert made.name == "spinglass-x-H4"
    assert isinstance(from_figure({"data": []}), str) and isinstance(from_figure(None), str)
    assert figure_table({"data": [{"type": "bar", "x": "bad"}]})["rows"] == []


def test_pdf_export_uses_the_converter_and_reports_failures():
    seen = {}

    def fake(figure):
        seen["figure"] = figure
        return b"%PDF-1.4 fake"

    out = export_pdf("complexity", _state(theme="dark", lecture=True), to_pdf=fake)
    assert out["message"] is None and out["download"]["base64"] is True
    assert base64.b64decode(out["download"]["content"]) == b"%PDF-1.4 fake"
    assert out["download"]["filename"] == "spinglass-complexity-H3.pdf"
    title = seen["figure"]["layout"]["title"]["text"]
    assert PLOTS["complexity"].title in title and "Depth H = 3" in title  # title + parameters
    template = seen["figure"]["layout"]["template"]["layout"]
    assert template["paper_bgcolor"] == "white" and template["font"]["size"] == 16  # made for print

    def missing(figure):
        raise ExportUnavailable("PDF export needs Chromium on the server")

    out = export_pdf("complexity", _state(), to_pdf=missing)
    assert out["download"] is no_update and "Chromium" in out["message"]

    def broken(figure):
        raise RuntimeError("segfault")

    out = export_pdf("phi", _state(), to_pdf=broken)
    assert out["download"] is no_update and "failed" in out["message"]
    assert "segfault" not in out["message"]


def test_pdf_without_chromium_is_a_message(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert find_chromium() is None
    out = export_pdf("complexity", _state())
    assert out["download"] is no_update and "Chromium" in out["message"]


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on this machine")
def test_real_pdf_with_kaleido():
    out = export_pdf("layered-h", _state())
    assert out["message"] is None
    pdf = base64.b64decode(out["download"]["content"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    again = export_pdf("phi", _state())  # the long-lived renderer draws the second one
    assert base64.b64decode(again["download"]["content"]).startswith(b"%PDF")


def test_table_view_shows_evenly_spaced_rows_and_formats_numbers():
    rows = [[i, i / 3, math.nan] for i in range(100)]
    details = table_view({"columns": ["i", "<third>", "none"], "rows": rows, "note": "n"}, "Plot")
    assert isinstance(details, html.Details)
    summary = details.children[0].children
    assert "Plot" in summary and "of 100 rows" in summary
    markup = details.children[-1].children
    assert "&lt;third&gt;" in markup and "<third>" not in markup  # escaped
    body = markup.split("<tbody>")[1]
    cells = [row.split("</td><td>") for row in body.split("<tr><td>")[1:]]
    assert len(cells) <= 41 and cells[-1][0] == "99"  # the last row is kept
    assert cells[1][1] == format_cell(rows[3][1])
    assert format_cell(math.nan) == "—" and format_cell(-1.5) == "−1.5"
    assert format_cell(-math.inf) == "−∞"


def test_export_parameters_name_every_setting_of_the_plot():
    params = export_parameters("activation", _state(activation="elu", param=2.0, gamma=0.5))
    assert params["Activation"] == "elu" and params["ELU: α"] == 2.0 and params["Strength γ"] == 0.5
    assert "Knot table (z, f)" not in params and "Theme" not in params
    params = export_parameters("finite", _state(u_auto=False, u_min=-2.0, u_max=-1.0))
    assert params["Loss range"] == "[-2.0, -1.0]"


def test_export_names_carry_the_settings_and_are_safe():
    assert export_name("finite", _state(H=4, N=50, seed=3)) == "spinglass-finite-H4-N50-seed3"
    name = export_name("activation", _state(activation="custom", knots="0, 0\n1, 1"))
    assert name.startswith("spinglass-activation-H3-custom")
    assert export_name("complexity", _state(activation="leaky_relu", param=0.1, units="network")) \
        == "spinglass-complexity-H3-leaky_relu-param0.1-unitsnetwork"
    for plot in PLOTS:
        assert all(c.isalnum() or c in "._-" for c in export_name(plot, _state(mu=-1.5)))


def test_csv_link_is_a_full_address_when_the_page_is_known():
    header, _, _ = _parse(export_csv("complexity", _state(H=4), base="http://127.0.0.1:8050/")
                          ["download"]["content"])
    assert header["link"] == "http://127.0.0.1:8050/?H=4"
