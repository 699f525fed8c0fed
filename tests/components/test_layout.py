"""The page's structure: every control labelled, every plot exportable, links open the page."""

from __future__ import annotations

from dash import dcc, html

from components import ids
from components.layout import TAB_LABELS, build_layout, initial_state
from components.state import TABS, default_state
from components.sync import CONTROLS
from components.views.analytic import PLOTS


def _walk(node, parents=()):
    yield node, parents
    children = getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from _walk(child, parents + (node,))
    elif children is not None and not isinstance(children, (str, int, float)):
        yield from _walk(children, parents + (node,))


def _text(node) -> str:
    if node is None:
        return ""
    if isinstance(node, (str, int, float)):
        return str(node)
    if isinstance(node, (list, tuple)):
        return " ".join(_text(c) for c in node)
    return _text(getattr(node, "children", None))


def _index(layout):
    return {getattr(n, "id", None): (n, parents) for n, parents in _walk(layout)
            if getattr(n, "id", None) is not None}


def test_every_control_is_labelled():
    layout = build_layout(default_state())
    index = _index(layout)
    controls = set(CONTROLS.values()) | {ids.PRESET}
    for cid in controls:
        node, parents = index[cid]
        if cid == ids.TABS:
            continue  # the tabs are labelled by their own titles
        group = next(p for p in reversed(parents) if getattr(p, "role", None) == "group")
        label_id = group.to_plotly_json()["props"].get("aria-labelledby")
        assert label_id in index, f"{cid}: its label {label_id!r} is missing"
        assert _text(index[label_id][0]).strip(), f"{cid}: empty label"
        assert group.title and len(group.title) > 10, f"{cid}: no tooltip"
    # number boxes and text areas also have a <label for=...>
    labels = {getattr(n, "htmlFor", None) for n, _ in _walk(layout) if isinstance(n, html.Label)}
    for cid in (ids.N_INPUT, ids.SEED, ids.KNOTS, ids.PERMALINK):
        assert cid in labels


def test_every_plot_has_exports_and_a_table_view():
    index = _index(build_layout(default_state()))
    for plot in PLOTS:
        graph = index[ids.graph(plot)][0]
        assert isinstance(graph, dcc.Graph)
        assert graph.config["toImageButtonOptions"]["format"] == "png"
        for fmt in ("png", "svg", "pdf", "csv"):
            button = index[ids.export_button(plot, fmt)][0]
            assert fmt.upper() in _text(button)
        for fmt in ("pdf", "csv"):
            assert isinstance(index[ids.download(plot, fmt)][0], dcc.Download)
        assert ids.data_table(plot) in index and ids.export_message(plot) in index


def test_tabs_cover_every_view_and_the_other_two():
    index = _index(build_layout(default_state()))
    tabs = index[ids.TABS][0]
    assert [t.value for t in tabs.children] == list(TABS)
    assert [t.label for t in tabs.children] == [TAB_LABELS[t] for t in TABS]
    assert "Experiments (Landscapes tab)" in _text(build_layout(default_state()))


def test_only_the_visible_view_gets_its_slice_at_load():
    index = _index(build_layout({**default_state(), "tab": "finite"}))
    assert index[ids.FINITE_STATE][0].data["N"] == 1000
    # a hidden view's store has no data at all (data=None would report itself on mount, a
    # change that runs the view's callbacks for nothing)
    for view, store in ids.VIEW_STATES.items():
        if view != "finite":
            assert "data" not in index[store][0].to_plotly_json()["props"], view
    assert index[ids.SETTINGS][0].data["tab"] == "finite"
    assert "page theme-light" == index[ids.PAGE][0].className


def test_the_layout_request_opens_the_linked_state(make_app):
    app = make_app()
    with app.server.test_request_context("/_dash-layout", headers={"Referer": "http://h/?H=7&lecture=1&x=2"}):
        state, search, messages = initial_state()
    assert state["H"] == 7 and state["lecture"] is True and search == "?H=7&lecture=1&x=2"
    assert any("x is unknown" in m for m in messages)
    with app.server.test_request_context("/_dash-layout"):
        state, search, messages = initial_state()
    assert state["H"] == 3 and search is None and messages == []
    client = app.server.test_client()
    page = client.get("/_dash-layout", headers={"Referer": "http://h/?H=abc&theme=dark"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Depth H must be" in text and "theme-dark" in text


def test_initial_state_outside_a_request_is_the_default():
    state, search, messages = initial_state()
    assert state["H"] == 3 and search is None and messages == []


def test_a_table_of_text_is_one_escaped_block():
    """components.ui.table: text and numbers give one Markdown block of escaped HTML (one
    component however many rows), a cell that is a component keeps html.Table."""
    from dash import dcc, html

    from components.ui import table

    tbl = table(["a", "b<"], [["<script>x</script>", 1.5], ["r2", "y & z"]], "cap",
                kind="lab", row_header=True, caption_style={"textAlign": "left"})
    assert isinstance(tbl, dcc.Markdown) and tbl.dangerously_allow_html
    text = tbl.children
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert '<th scope="row">r2</th><td class="num">y &amp; z</td>' in text
    assert '<caption style="text-align: left">cap</caption>' in text
    assert '<th scope="col">b&lt;</th>' in text and 'class="energy-table lab-table"' in text
    mixed = table(["a"], [[html.B("x")]])
    assert isinstance(mixed, html.Table)
