"""The landscapes lab without a browser: its callbacks as plain functions (theory §4, §6).

References are independent of the code under test where possible: the loss is re-evaluated
from the raw Gaussian tensor with ``numpy.einsum`` (theory §2), the Hessian index of the
marked critical points is checked by the sign of the loss change along random tangent
geodesics, and H = 2 has exactly 2 critical points per index (theory §4).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import Dash, DiskcacheManager, dcc, html, no_update

from components import ids
from components.data import lab as lab_data
from components.registry import Services
from components.state import sanitize, view_slice
from components.sync import control_values, sync_settings
from components.views import lab
from components.views.lab import LabData, lab_settings
from compute.complexity import e_inf, ground_state_energies
from compute.executor import LocalExecutor
from compute.landscape import MAX_TENSOR_ENTRIES, critical_points, descent_details, descent_plan
from tests.components.dash_payload import find_callback, post_callback

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _loss_cubic(w: np.ndarray, seed: int) -> np.ndarray:
    """u(w) of the N = 3, H = 3 landscape by an explicit triple sum, rows of ``w``."""
    X = np.random.default_rng(seed).standard_normal((3, 3, 3))
    return np.einsum("ijk,ri,rj,rk->r", X, w, w, w) / 3.0 / 3.0  # N^{-(H-1)/2} = 1/3, u = L/N


def _is_message(fig) -> bool:
    fig = go.Figure(fig)
    return len(fig.data) == 0 and len(fig.layout.annotations) == 1


def _message(fig) -> str:
    """The text of a message figure, line breaks undone."""
    return go.Figure(fig).layout.annotations[0].text.replace("<br>", " ")


def _not_blank(fig) -> bool:
    fig = go.Figure(fig)
    return len(fig.data) > 0 or (len(fig.layout.annotations) > 0 and fig.layout.annotations[0].text.strip())


def _text(component) -> str:
    """All the text of a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _rows(table) -> list[list[str]]:
    """Cells (as text) of the body rows of a table from components.ui.table (one block of
    escaped HTML, or an html.Table)."""
    if type(table).__name__ == "Markdown":
        return _html_rows(table.children)
    tbody = [c for c in table.children if type(c).__name__ == "Tbody"][0]
    return [[_text(cell) for cell in tr.children] for tr in tbody.children]


def _html_rows(text: str) -> list[list[str]]:
    """Cells (as text) of the <tbody> rows of an HTML table."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.body, self.cell = [], False, None

        def handle_starttag(self, tag, attrs):
            if tag == "tbody":
                self.body = True
            elif self.body and tag == "tr":
                self.rows.append([])
            elif self.body and tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if self.body and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(self.cell)
                self.cell = None
            elif tag == "tbody":
                self.body = False

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Rows()
    parser.feed(text)
    return parser.rows


_theory = functools.lru_cache(maxsize=None)(lab_data.theory_counts)


class Recorder:
    """Stub data functions that record their arguments and return canned results."""

    def __init__(self):
        self.calls = []

    def data(self, **overrides) -> LabData:
        def chart(N, H, seed, kappa, runs=lab_data.CHART_RUNS):
            self.calls.append(("chart", N, H, seed, kappa))
            th = np.linspace(-1, 1, 5)
            return {"N": N, "runs": runs, "converged": runs, "minima": 1, "minima_u": np.array([-1.5]),
                    "u_a": -1.5, "theta1": th, "theta2": th, "chart_u": np.add.outer(th**2, th**2) - 1.5,
                    "profile_angle": None, "profile_u": None, "u_b": None, "omega": None}

        def descent(N, H, runs, seed, kappa):
            self.calls.append(("descent", N, H, runs, seed, kappa))
            u = -1.5 + 0.01 * np.arange(runs)
            return {"N": N, "runs": runs, "u": u, "index": np.zeros(runs, int),
                    "converged": np.ones(runs, bool), "steps": np.ones(runs, int),
                    "grad_norm": np.zeros(runs), "flops": 0}

        return LabData(**{"chart": chart, "descent": descent, "theory": _theory, **overrides})


# ---------------------------------------------------------------------------------------
# settings
# ---------------------------------------------------------------------------------------


def test_good_settings_pass_unchanged():
    s = lab_settings({"H": 3, "seed": 42, "lab_N": 100, "runs": 50, "activation": "relu"})
    assert s.messages == [] and s.size_messages == []
    assert (s.seed, s.H, s.N, s.state["runs"]) == (42, 3, 100, 50)
    assert s.kappa == () and s.spin_glass


def test_missing_experiment_keys_take_their_defaults_silently():
    s = lab_settings({"H": 3})
    assert (s.seed, s.N, s.state["runs"]) == (1, 50, 100)
    assert s.messages == []


def test_lab_settings_cleans_its_keys():
    """The lab's keys go through the one settings validation, with a message per repair."""
    s = lab_settings({"seed": "abc", "lab_N": 7.0, "runs": 10**9})
    assert (s.seed, s.N, s.state["runs"]) == (1, 7, 500)
    text = " ".join(s.messages)
    assert "Seed" in text and "'abc'" in text and "out of range" in text


@pytest.mark.parametrize(
    "H, lab_N, expected",
    [(3, 500, 500), (4, 500, 107), (4, 107, 107), (4, 60, 60), (5, 500, 42), (11, 500, 5)],
)
def test_lab_size_is_capped_so_the_tensor_fits(H, lab_N, expected):
    s = lab_settings({"H": H, "lab_N": lab_N})
    assert s.N == expected and expected**H <= MAX_TENSOR_ENTRIES
    assert bool(s.size_messages) == (expected != lab_N)


def test_no_lab_size_fits_at_depth_12():
    s = lab_settings({"H": 12, "lab_N": 5})
    assert s.N is None and "H = 12" in s.size_messages[0]


def test_max_lab_n_is_the_largest_fitting_size():
    for H in range(2, 13):
        n = lab_data.max_lab_n(H)
        assert n**H <= MAX_TENSOR_ENTRIES < (n + 1) ** H


def test_activation_with_phi_gives_its_coefficients():
    s = lab_settings({"H": 3, "activation": "tanh", "mu": 0.5, "gamma": 1.0})
    assert not s.spin_glass and len(s.kappa) == 2 and all(math.isfinite(k) for k in s.kappa)
    off = lab_settings({"H": 3, "activation": "tanh", "mu": 0.5, "gamma": 0.0})
    assert off.spin_glass and off.kappa == ()
    twice = lab_settings({"H": 3, "activation": "tanh", "mu": 0.5, "gamma": 2.0})
    assert np.allclose(twice.kappa, 2 * np.asarray(s.kappa), rtol=1e-12)  # κ_d ∝ γ (theory §5.3)


# ---------------------------------------------------------------------------------------
# globe
# ---------------------------------------------------------------------------------------


def test_globe_traces_match_the_critical_points():
    out = lab.globe_outputs({"H": 3, "seed": 1})
    fig = go.Figure(out["figure"])
    assert [t.type for t in fig.data] == ["surface", "scatter3d", "scatter3d", "scatter3d"]
    cp = critical_points(3, 3, 1)
    assert cp.counts.tolist() == [3, 4, 3]
    for k in range(3):
        trace = fig.data[1 + k]
        assert trace.name.endswith(f": {cp.counts[k]}")
        assert len(trace.x) == cp.counts[k]
        assert sorted(trace.customdata) == pytest.approx(sorted(cp.u[cp.index == k]), abs=1e-12)
    assert "Seed 1:" in out["info"] and "= 2" in out["info"]
    assert out["alert"] is None
    assert fig.layout.uirevision == "lab-globe"
    assert "loss per weight" in fig.data[0].colorbar.title.text


def test_globe_surface_is_the_loss_of_the_seeded_tensor():
    fig = go.Figure(lab.globe_outputs({"H": 3, "seed": 5})["figure"])
    s = fig.data[0]
    x, y, z, c = (np.asarray(a, dtype=float) for a in (s.x, s.y, s.z, s.surfacecolor))
    assert c.shape == (100, 200)
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, 100, 40), rng.integers(0, 200, 40)
    w = math.sqrt(3) * np.column_stack([x[rows, cols], y[rows, cols], z[rows, cols]])
    assert c[rows, cols] == pytest.approx(_loss_cubic(w, 5), abs=2e-6)  # float32 storage


def test_globe_markers_are_critical_with_the_index_of_their_trace():
    """Along random tangent geodesics the loss rises (minima), falls (maxima) or both (saddles)."""
    fig = go.Figure(lab.globe_outputs({"H": 3, "seed": 11})["figure"])
    rng = np.random.default_rng(3)
    for k in range(3):
        t = fig.data[1 + k]
        pts = np.column_stack([t.x, t.y, t.z]) / np.linalg.norm(np.column_stack([t.x, t.y, t.z]), axis=1)[:, None]
        for p in pts:
            d = rng.standard_normal((64, 3))
            d -= np.outer(d @ p, p)
            d /= np.linalg.norm(d, axis=1)[:, None]
            eps = 2e-3
            w = math.sqrt(3) * (np.cos(eps) * p + np.sin(eps) * d)
            du = _loss_cubic(w, 11) - _loss_cubic(math.sqrt(3) * p[None], 11)
            ups, downs = np.sum(du > 0), np.sum(du < 0)
            assert (ups, downs) != (0, 0)
            if k == 0:
                assert downs == 0
            elif k == 2:
                assert ups == 0
            else:
                assert ups > 0 and downs > 0


def test_globe_with_phi_uses_the_activation():
    plain = go.Figure(lab.globe_outputs({"H": 3, "seed": 2})["figure"])
    tilted = go.Figure(lab.globe_outputs({"H": 3, "seed": 2, "activation": "tanh", "mu": 0.8, "gamma": 3})["figure"])
    assert "φ ≠ 0" in tilted.layout.title.text and "φ ≡ 0" in plain.layout.title.text
    assert not np.allclose(np.asarray(plain.data[0].surfacecolor), np.asarray(tilted.data[0].surfacecolor))


# ---------------------------------------------------------------------------------------
# count table
# ---------------------------------------------------------------------------------------


def test_count_table_without_average_shows_sample_and_theory():
    out = lab.count_table_outputs({"H": 3, "seed": 1}, average=False)
    rows = _rows(out["table"].children[0])
    assert [r[1] for r in rows] == ["3", "4", "3", "10"]
    assert "press" in rows[0][2]
    assert rows[3][3] == "10.5524"  # exact total of theory §4 at N = 3, H = 3


def test_count_table_mean_and_error_from_the_seed_counts():
    counts = np.array([[1, 0, 1], [3, 4, 3], [5, 8, 5], [3, 4, 3]])
    stub = LabData(seed_counts=lambda H, kappa, seed0, n: counts[:n] if seed0 == 9 else np.zeros((0, 3), int))
    progress = []
    monkey = lab_data.AVERAGE_SEEDS, lab_data.SEED_CHUNK
    try:
        lab_data.AVERAGE_SEEDS, lab_data.SEED_CHUNK = 4, 4
        out = lab.count_table_outputs({"H": 3, "seed": 9}, average=True, set_progress=progress.append, data=stub)
    finally:
        lab_data.AVERAGE_SEEDS, lab_data.SEED_CHUNK = monkey
    rows = _rows(out["table"].children[0])
    # minima: mean 3, sample std 1.633, se 0.816
    assert rows[0][2] == "3.000 ± 0.816"
    assert rows[1][2] == "4.000 ± 1.633"
    assert rows[3][2] == "10.000 ± 3.266"
    assert progress[0] == 0 and progress[-1] == 100


def test_depth_two_averages_are_exactly_two_per_index():
    """H = 2: a quadratic form has exactly 2 critical points per index (theory §3, §4)."""
    out = lab.count_table_outputs({"H": 2, "seed": 0}, average=True)
    rows = _rows(out["table"].children[0])
    for k in range(3):
        assert rows[k][1] == "2" and rows[k][2] == "2.000 ± 0.000" and rows[k][3].startswith("2.0000")
    assert rows[3][2] == "6.000 ± 0.000"


def test_average_over_seeds_agrees_with_theory_at_depth_three():
    """Mean counts over 200 seeded N = 3 landscapes against theory §4 (within 3 standard errors)."""
    out = lab.count_table_outputs({"H": 3, "seed": 1}, average=True)
    rows = _rows(out["table"].children[0])
    theory = lab_data.theory_counts(3)
    for k in range(3):
        mean, se = (float(x) for x in rows[k][2].split(" ± "))
        assert abs(mean - theory["mean"][k]) <= 3 * math.hypot(se, theory["stderr"][k])
        assert float(rows[k][4].split()[0]) == pytest.approx((mean - theory["mean"][k]) /
                                                             math.hypot(se, theory["stderr"][k]), abs=0.06)


def test_count_table_with_phi_shows_no_theory_column():
    out = lab.count_table_outputs({"H": 3, "seed": 1, "activation": "tanh", "mu": 0.5}, average=False)
    header = _text(out["table"].children[0].children[1])
    assert "theory" not in header
    assert "does not apply" in _text(out["table"].children[1])


# ---------------------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------------------


def test_chart_is_centred_on_the_lowest_minimum_of_the_seeded_descents():
    out = lab.chart_outputs({"H": 3, "seed": 2, "lab_N": 12})
    heat, surf, prof = (go.Figure(out[k]) for k in ("heatmap", "surface", "profile"))
    assert [t.type for t in heat.data] == ["heatmap", "contour", "scatter"]
    assert [t.type for t in surf.data] == ["surface"]
    u = np.asarray(heat.data[0].z)
    c = u.shape[0] // 2
    assert np.asarray(heat.data[0].x)[c] == pytest.approx(0.0, abs=1e-12)
    # independent: the same starts through compute's descent_details
    res = descent_details(12, 3, lab_data.CHART_RUNS, 2)
    u_min = res.u[res.converged & (res.index == 0)].min()
    assert u[c, c] == pytest.approx(u_min, abs=1e-10)
    assert u[c, c] <= u[c - 1 : c + 2, c - 1 : c + 2].min() + 1e-12  # a minimum of the chart too
    assert np.array_equal(np.asarray(surf.data[0].z), u)
    assert "radians" in heat.layout.xaxis.title.text and "radians" in prof.layout.xaxis.title.text
    assert "seed 2" in heat.layout.title.text and "seed 2" in out["info"]


def test_profile_runs_between_two_minima_over_a_barrier():
    out = lab.chart_outputs({"H": 3, "seed": 2, "lab_N": 12})
    prof = go.Figure(out["profile"])
    u = np.asarray(prof.data[0].y)
    ends = np.asarray(prof.data[1].y)
    assert ends[0] == pytest.approx(u[0]) and ends[1] == pytest.approx(u[-1])
    assert u[1] > u[0] and u[-2] > u[-1]  # both ends are minima along the arc
    assert u.max() > max(u[0], u[-1]) + 1e-3


def test_chart_reports_progress_to_the_end():
    seen = []
    lab.chart_outputs({"H": 3, "seed": 4, "lab_N": 8}, set_progress=seen.append)
    assert seen and seen[-1] == 100 and all(0 <= p <= 100 for p in seen)
    assert seen == sorted(seen)


# ---------------------------------------------------------------------------------------
# descent experiment
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lab_N, H, runs, plan",
    [
        (250, 3, 100, [(25, 100), (50, 100), (100, 100), (250, 68)]),
        (60, 3, 10, [(25, 10), (50, 10), (60, 10)]),
        (5, 3, 500, [(5, 500)]),
        (500, 4, 100, [(25, 100), (50, 100), (100, 10)]),
        (50, 12, 100, []),
    ],
)
def test_experiment_plan(lab_N, H, runs, plan):
    got, notes = lab_data.experiment_plan(lab_N, H, runs)
    assert got == plan
    for n, r in got:
        assert n <= lab_N and r * n**H <= lab_data.EXPERIMENT_WORK and n**H <= MAX_TENSOR_ENTRIES
    assert bool(notes) == (lab_N not in [n for n, _ in got] or any(r < runs for _, r in got))


def test_descent_experiment_end_points_and_tables():
    progress = []
    out = lab.descent_outputs({"H": 3, "seed": 6, "lab_N": 30, "runs": 12, "K": 3}, set_progress=progress.append)
    fig = go.Figure(out["figure"])
    assert [t.type for t in fig.data] == ["histogram", "histogram"]
    for trace, N in zip(fig.data, (25, 30)):
        ref = LocalExecutor(1).run(descent_plan(N, 3, 12, 6))["u"]  # compute's own entry point, same seed
        assert np.sort(np.asarray(trace.x)) == pytest.approx(np.sort(ref), abs=1e-12)
    e = ground_state_energies(3, 3)
    band = fig.layout.shapes[0]
    assert (band.x0, band.x1) == pytest.approx((-e[0], -e_inf(3)))
    lines = sorted(s.x0 for s in fig.layout.shapes[1:])
    assert lines == pytest.approx(sorted([*(-e), -e_inf(3)]))
    rows = _rows(out["quantiles"])
    for row, trace in zip(rows, fig.data):
        u = np.asarray(trace.x)
        assert row[0] in ("25", "30") and row[1] == "12"
        q = [float(x) for x in row[3:10]]
        assert q == pytest.approx(np.quantile(u, lab._QUANTILES), abs=6e-6)
        assert int(row[11]) == int(np.sum(u < -e[0]))
    idx = _rows(out["indices"])
    assert all(sum(int(x) for x in r[1:]) == 12 for r in idx)
    assert progress[0][0] == 0 and progress[-1][0] == 100
    assert [p[0] for p in progress] == sorted(p[0] for p in progress)
    assert "N = 30" in progress[-1][1]
    assert "seed 6" in fig.layout.title.text and "24 descents" in out["status"]


def test_descent_progress_is_weighted_by_cost():
    rec = Recorder()
    progress = []
    lab.descent_outputs({"H": 3, "seed": 1, "lab_N": 100, "runs": 10}, progress.append, rec.data())
    assert [c[1] for c in rec.calls] == [25, 50, 100]
    starts = [next(p[0] for p in progress if p[1].startswith(f"N = {n}: 0 %")) for n in (25, 50, 100)]
    # sizes 25, 50, 100 at 10 runs each: work ∝ runs N^3
    work = np.array([25**3, 50**3, 100**3], dtype=float)
    assert starts == [round(100 * x) for x in np.concatenate([[0], np.cumsum(work)[:-1]]) / work.sum()]
    assert starts == [0, 1, 12]


# ---------------------------------------------------------------------------------------
# forged and failing input
# ---------------------------------------------------------------------------------------

FORGED = [
    None,
    "not a dict",
    [1, 2, 3],
    {"H": "abc", "seed": "NaN"},
    {"H": 1e9, "seed": -1, "lab_N": 10**9, "runs": -5},
    {"H": 4, "lab_N": 10**9},
    {"H": 12, "lab_N": 50},
    {"seed": {"$gt": 1}, "lab_N": [5], "gamma": "inf"},
    {"activation": "custom", "knots": "not, a\ntable"},
    {"activation": 5, "mu": float("nan")},
]


@pytest.mark.parametrize("raw", FORGED)
def test_forged_settings_never_raise_and_never_blank(raw):
    rec = Recorder()
    data = rec.data()
    g = lab.globe_outputs(raw, data)
    c = lab.chart_outputs(raw, None, data)
    d = lab.descent_outputs(raw, None, data)
    t = lab.count_table_outputs(raw, False, None, data)
    for fig in (g["figure"], c["heatmap"], c["surface"], c["profile"], d["figure"]):
        assert _not_blank(fig)
    assert t["table"] is not None
    for call in rec.calls:
        N, H = call[1], call[2]
        assert 5 <= N <= 500 and N**H <= MAX_TENSOR_ENTRIES
        seed = call[3] if call[0] == "chart" else call[4]
        assert isinstance(seed, int) and 0 <= seed <= 999_999
        if call[0] == "descent":
            assert 10 <= call[3] <= 500


def test_repairs_are_shown():
    out = lab.globe_outputs({"H": 99, "seed": -3})
    text = _text(out["alert"])
    assert "Depth H" in text and "Seed" in text


def test_bad_knots_become_a_message_figure():
    out = lab.globe_outputs({"activation": "custom", "knots": "z, f\n1, 2"})
    assert _is_message(out["figure"]) and "activation cannot be used" in _text(out["alert"])


def test_failures_inside_compute_become_messages(caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    data = LabData(globe=broken, chart=broken, descent=broken)
    g = lab.globe_outputs({"H": 3}, data)
    c = lab.chart_outputs({"H": 3, "lab_N": 10}, None, data)
    d = lab.descent_outputs({"H": 3, "lab_N": 10}, None, data)
    for fig in (g["figure"], c["heatmap"], d["figure"]):
        assert _is_message(fig) and "internal error" in _message(fig)
    assert "boom" not in _text(g["alert"])
    assert any("boom" in r.getMessage() or (r.exc_info and "boom" in str(r.exc_info[1])) for r in caplog.records)


def test_value_errors_are_quoted():
    def refuse(*args, **kwargs):
        raise ValueError("N**H must be <= 134217728")

    out = lab.chart_outputs({"H": 3, "lab_N": 10}, None, LabData(chart=refuse))
    assert "N**H must be &lt;= 134217728" in _message(out["heatmap"])


# ---------------------------------------------------------------------------------------
# layout and registration
# ---------------------------------------------------------------------------------------


def _ids(component) -> list[str]:
    found = []
    cid = getattr(component, "id", None)
    if isinstance(cid, str):
        found.append(cid)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            found += _ids(child)
    return found


def test_layout_ids_are_prefixed_and_unique():
    found = _ids(lab.layout("lab", {"seed": 3}))
    assert found and all(i.startswith("lab-") for i in found)
    assert len(found) == len(set(found))
    for name in ("GLOBE_GRAPH", "CHART_HEATMAP", "CHART_SURFACE", "PROFILE_GRAPH", "DESCENT_GRAPH",
                 "DESCENT_PROGRESS", "DESCENT_RUN", "DESCENT_CANCEL", "COUNT_TABLE"):
        assert getattr(ids, f"LAB_{name}") in found
    assert lab.layout("lab", None) is not None  # any state: the views fill themselves


def _app(manager):
    app = Dash(__name__)
    app.layout = html.Div([dcc.Store(id=ids.SETTINGS, data={}), dcc.Store(id=ids.LAB_STATE),
                           lab.layout("lab", {})])
    lab.register(app, "lab", Services(manager=manager))
    return app


def test_heavy_callbacks_run_in_the_background(tmp_path):
    import diskcache

    app = _app(DiskcacheManager(diskcache.Cache(str(tmp_path))))
    specs = {key: cb for key, cb in app.callback_map.items()}
    background = [k for k, cb in specs.items() if cb.get("background")]
    assert any(ids.LAB_DESCENT_GRAPH in k for k in background)
    assert any(ids.LAB_CHART_HEATMAP in k for k in background)
    assert any(ids.LAB_COUNT_TABLE in k for k in background)
    assert not any(ids.LAB_GLOBE_GRAPH in k for k in background)
    descent = next(cb for k, cb in specs.items() if ids.LAB_DESCENT_GRAPH in k)
    assert [c["id"] for c in descent["background"]["cancel"]] == [ids.LAB_DESCENT_CANCEL]
    assert [str(p) for p in descent["background"]["progress"]] == [
        f"{ids.LAB_DESCENT_PROGRESS}.value", f"{ids.LAB_DESCENT_PROGRESS_LABEL}.children"]


def test_globe_callback_over_http_with_a_forged_store():
    app = _app(None)
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    dep = find_callback(deps, ids.LAB_GLOBE_GRAPH)
    response = post_callback(client, dep, {f"{ids.LAB_STATE}.data": {"H": "<script>", "seed": 10**12}})
    assert response.status_code == 200
    body = response.get_json()["response"]
    assert "Seed 999999:" in body[ids.LAB_GLOBE_INFO]["children"]
    assert len(body[ids.LAB_GLOBE_GRAPH]["figure"]["data"]) == 4
    assert "Depth H" in str(body[ids.LAB_GLOBE_ALERT]["children"])


def test_slice_reaches_the_lab_only_while_it_is_shown():
    """The settings sync writes the lab's slice only while the lab is shown, only on change."""
    state = sanitize({"H": 5, "K": 2, "seed": 4, "tab": "lab"})[0]
    out = sync_settings(control_values(state), ids.TABS, previous={**state, "tab": "complexity"})
    assert out["view_lab"] == view_slice(state, "lab")
    assert {"H": 5, "seed": 4}.items() <= out["view_lab"].items() and "K" not in out["view_lab"]
    hidden = {**state, "tab": "complexity"}
    out = sync_settings(control_values(hidden), ids.DEPTH, previous=state)
    assert out["view_lab"] is no_update  # nothing to update while another view is shown
    moved = {**state, "K": 9}  # K: not the lab's
    out = sync_settings(control_values(moved), ids.MAX_INDEX, previous=state,
                        stores={"lab": view_slice(state, "lab")})
    assert out["view_lab"] is no_update


def test_globe_hands_the_slice_it_drew_to_the_heavy_views():
    app = _app(None)
    client = app.server.test_client()
    dep = find_callback(client.get("/_dash-dependencies").get_json(), ids.LAB_SHOWN)
    body = post_callback(client, dep, {f"{ids.LAB_STATE}.data": {"H": 3, "seed": 4}})
    assert body.get_json()["response"][ids.LAB_SHOWN]["data"] == {"H": 3, "seed": 4}
    hidden = post_callback(client, dep, {f"{ids.LAB_STATE}.data": None})
    assert hidden.status_code in (200, 204)  # a hidden lab computes nothing
    assert ids.LAB_SHOWN not in ((hidden.get_json() or {}).get("response") or {})
