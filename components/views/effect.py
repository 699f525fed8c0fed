"""The "activation effect" view (theory §5.4–§5.5): what the activation's term φ(s) does to the
sharp counts of critical points.

Three parts, all for the view's slice of the settings (``ids.EFFECT_STATE``, written by the
settings sync only while the tab is shown):

* K_0(u), K_1(u) and the share K_1/(K_0 + K_1) of low-lying minima turned into index-1
  saddles, against u below the threshold (theory §5.5), with the regions where the factor
  does not describe the counts shaded and explained;
* the same for ReLU, sigmoid and softplus (and the current activation) side by side;
* expected counts at finite N with error bars (theory §5.4), computed on demand.

The logic lives in plain functions (:func:`effect_outputs`, :func:`counts_outputs`,
:func:`stale_notice`) that tests call directly; :func:`register` only wires them to Dash.
Every input is re-validated (a forged request can send anything): bad values are clamped or
replaced with a visible message, and nothing raises to Dash.  Every figure has the export row
of components/export.py and carries its own export (the figure on the page is the source).
"""

from __future__ import annotations

import logging
import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.cache import memoize
from components.data import effect as ed
from components.data import minima as dm
from components.data.lab import reporting
from components.export import export_row, register_export_row, stamp, view_export
from components.figures.effect import comparison_figure, counts_figure, modulation_figure
from components.figures.minima import profile_figure
from components.figures.style import message_figure, style_of
from components.jobs import guarded
from components.registry import Services, slice_callback
from components.state import Activation, activation_or_error, clean_number, sanitize
from components.ui import alert, alert_box, guard, placeholder, progress_row, table

__all__ = [
    "RUN_KEYS",
    "MODULATION_CAPTION",
    "COMPARE_CAPTION",
    "COUNTS_CAPTION",
    "SOURCES_CAPTION",
    "clean_run_inputs",
    "layout",
    "effect_outputs",
    "counts_outputs",
    "stale_notice",
    "register",
]

logger = logging.getLogger(__name__)

#: Settings a finite-N run depends on (a change of any of them makes shown counts stale).
RUN_KEYS = ("H", "activation", "param", "pieces", "mu", "sigma", "knots", "gamma", "seed")

MODULATION_CAPTION = (
    "For large N and a level u below the threshold −E∞, the activation's term φ(s) multiplies the "
    "expected number of minima below N·u by K₀(u) (1 means no effect). φ also adds a rank-one term "
    "to the Hessian, which can push its lowest eigenvalue below zero: K₁(u) counts the index-1 "
    "saddles made that way from spin-glass minima, per spin-glass minimum. The share "
    "K₁/(K₀ + K₁) is therefore the fraction of the low-lying minima (those at overlap s = O(1) "
    "with the all-ones direction) that the activation turns into index-1 saddles. Amber: the band "
    "(−E₀, −E∞) where the low-lying minima live; other shading marks where no number is shown, "
    "with the reason written under the plot. Theory §5.5."
)
COMPARE_CAPTION = (
    "The same factors for several activations at the same μ, σ, L, H and γ (the current one "
    "drawn thick): K₀ on top, the share of minima turned into index-1 saddles below (dashed). "
    "ReLU has β̄ = 0, so φ ≡ 0, K₀ ≡ 1 and the share is 0. Gaps are regions where theory §5.5 "
    "does not describe the counts (listed under the plot)."
)
COUNTS_CAPTION = (
    "Expected numbers of minima and of index-1 saddles with loss below N·u at this finite N, for "
    "the spin glass (φ ≡ 0, theory §4) and with the activation's φ (theory §5.4), by Monte Carlo "
    f"over random matrices ({ed.SAMPLES} samples from the seed shown; deterministic quadrature at "
    "N = 2). Both come from the same samples, so their ratio is precise. Error bars: one standard "
    "error. Leave N empty for the lab's N (or 50), u empty for the middle of the band."
)
SOURCES_CAPTION = (
    "What is published and what is ours. Published: the leading-order complexity and the energies "
    "E₀, E∞ (theory §3–§4; Auffinger, Ben Arous & Černý 2013, read as a ReLU network by "
    "Choromanska et al. 2015), which do not depend on the activation, and the statement of "
    "Baskerville, Keating, Mezzadri & Najnudel (2021) that a general activation enters through a "
    "low-rank deterministic term. This tool's own derivation: the finite-N Kac–Rice count with φ "
    "(theory §5.4) and the large-N factors K₀, K₁ (theory §5.5), validated numerically against "
    "each other and against direct counts of sampled landscapes (docs/theory.md, "
    "docs/kac_rice_validation.md). Caveat: for φ of degree ≥ 3 (H ≥ 4 with β̄ ≠ 0) about one "
    "minimum near a pole w = ±𝟏 lies below every level; below −E₀ it outnumbers the other minima, "
    "so K₀ is not shown there, and at moderate N it still inflates the count of minima above −E₀."
)

_FONT = {"fontSize": "1rem"}


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def _fmt(x: Any, digits: int = 5) -> str:
    if x is None:
        return "—"
    x = float(x)
    if not math.isfinite(x):
        return "—"
    return f"{x:.{digits}g}"


def _pm(value: float, err: float) -> str:
    return f"{_fmt(value)} ± {_fmt(err, 2)}"


def table_(header, rows, caption=None):
    return table(header, rows, caption, kind="effect", caption_style={"textAlign": "left"})


def _details(summary: str, table):
    return html.Details(
        [html.Summary(summary, style=_FONT), html.Div(table, className="table-wrap")],
        className="effect-details",
    )


#: The exported plots of the view: key (ids.graph(key) is its graph), title.
PLOTS = {
    "effect-modulation": "Modulation K₀(u), K₁(u) of the counts by the activation",
    "effect-compare": "K₀ and the share of minima turned into saddles, activations side by side",
    "effect-counts": "Expected counts of critical points at finite N",
}
_UNITS = "u = loss per weight in spin-glass units (theory §2); K₀, K₁ and shares are ratios"
_MODEL_5_5 = ("theory §5.5 (ours): large-N factors K₀, K₁ of the Kac–Rice count with the "
              "activation's term φ (compute.kac_rice.modulation_factor)")


def _header(state: Mapping, extra: Mapping | None = None) -> dict:
    head = {key: state[key]
            for key in ("activation", "param", "pieces", "mu", "sigma", "H", "gamma")}
    if state["activation"] == "custom":
        head["knots"] = state["knots"]
    head.update(extra or {})
    return head


def _stamped(figure, plot: str, state: Mapping, model: str, params: Mapping,
             table: Mapping | None = None, notes: Sequence[str] = ()):
    return stamp(figure, view_export("effect", plot, state, PLOTS[plot], model,
                                     _UNITS, params, table, " ".join(notes)))


# ---------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------


def _number_input(input_id: str, label: str, hint: str, lo: float, hi: float, step, shown: str):
    return html.Label(
        [
            html.Span(label, className="name", style={"fontWeight": 600}),
            dcc.Input(
                id=input_id, type="number", min=lo, max=hi, step=step, value=None,
                placeholder=shown, debounce=True,
                style={**_FONT, "width": "11rem", "marginLeft": "0.5rem"},
            ),
            html.Span(hint, className="control-hint", style={"marginLeft": "0.5rem"}),
        ],
        style={"display": "block", "margin": "0.4rem 0"},
    )


def layout(name: str, state: Mapping):
    """Content of the "Activation effect" tab for the validated settings ``state``.

    Figures start as a short message and are filled by the callbacks once the tab is shown;
    nothing heavy runs here.
    """
    clean, _ = sanitize(state)
    look = style_of(clean)
    n_default = min(max(int(clean["lab_N"]), ed.N_RANGE[0]), ed.N_RANGE[1])
    content = html.Div(
        [
            alert_box(ids.EFFECT_ALERT),
            html.Div(id=ids.EFFECT_SUMMARY, className="effect-summary", **{"aria-live": "polite"}),
            html.H3("Modulation of the counts by the activation"),
            placeholder(ids.EFFECT_MODULATION_GRAPH, 620, "Computing K₀(u) and K₁(u)…", look),
            *export_row("effect-modulation", PLOTS["effect-modulation"]),
            html.Ul(id=ids.EFFECT_MODULATION_NOTES, className="effect-notes"),
            html.Div(id=ids.EFFECT_MODULATION_DATA),
            html.P(MODULATION_CAPTION, className="caption"),
            html.H3("Activations side by side"),
            placeholder(ids.EFFECT_COMPARE_GRAPH, 560, "Computing the comparison…", look),
            *export_row("effect-compare", PLOTS["effect-compare"]),
            html.Ul(id=ids.EFFECT_COMPARE_NOTES, className="effect-notes"),
            html.Div(id=ids.EFFECT_COMPARE_DATA),
            html.P(COMPARE_CAPTION, className="caption"),
            html.H3("Expected counts at finite N"),
            html.Div(
                [
                    _number_input(ids.EFFECT_N_INPUT, "N",
                                  f"number of weights, {ed.N_RANGE[0]}–{ed.N_RANGE[1]} "
                                  "(empty: the lab's N, else 50)",
                                  ed.N_RANGE[0], ed.N_RANGE[1], 1, str(n_default)),
                    _number_input(ids.EFFECT_U_INPUT, "u",
                                  "level: loss per weight, spin-glass units "
                                  "(empty: middle of the band)",
                                  ed.U_RANGE[0], ed.U_RANGE[1], "any",
                                  f"{ed.default_level(clean['H']):.4f}"),
                    html.Button(
                        "Run", id=ids.EFFECT_RUN, n_clicks=0, className="effect-run",
                        title=f"Monte Carlo with {ed.SAMPLES} samples (about a second)",
                        style={**_FONT, "padding": "0.35rem 1.4rem", "fontWeight": 600},
                    ),
                    html.Button("Cancel", id=ids.EFFECT_CANCEL, n_clicks=0, disabled=True,
                                style={**_FONT, "padding": "0.35rem 1rem"}),
                    progress_row(ids.EFFECT_PROGRESS, "progress"),
                ],
                className="effect-controls",
            ),
            alert_box(ids.EFFECT_COUNTS_STALE, notice=True),
            alert_box(ids.EFFECT_COUNTS_ALERT),
            dcc.Loading(
                id=ids.EFFECT_COUNTS_LOADING,
                type="circle",
                children=[
                    placeholder(ids.EFFECT_COUNTS_GRAPH, 460,
                                "Press Run to compute the expected counts at finite N.", look),
                    html.Div(id=ids.EFFECT_COUNTS_TABLE, className="table-wrap"),
                ],
            ),
            *export_row("effect-counts", PLOTS["effect-counts"]),
            dcc.Store(id=ids.EFFECT_RUN_STORE, data=None),
            html.P(COUNTS_CAPTION, className="caption"),
            html.P(SOURCES_CAPTION, className="caption effect-sources"),
        ],
        className="effect-view",
    )
    return html.Div(content, className="card")


# ---------------------------------------------------------------------------------------
# Modulation and comparison (live)
# ---------------------------------------------------------------------------------------


def _regions(d: Mapping) -> list[tuple[int, float, float]]:
    u = d["u"]
    out = []
    for code, mask in (
        (ed.DIVERGES, d["reason0"] == ed.DIVERGES),
        (ed.POLE, d["reason0"] == ed.POLE),
        (ed.NONFINITE, (d["reason0"] == ed.NONFINITE) | (d["reason1"] == ed.NONFINITE)),
        (ed.REGIME, (d["reason0"] == ed.REGIME) | (d["reason1"] == ed.REGIME)),
        (ed.PEAK, (d["reason0"] == ed.PEAK) | (d["reason1"] == ed.PEAK)),
    ):
        out.extend((code, lo, hi) for lo, hi in ed.spans(u, mask))
    return out


_WHAT = {ed.DIVERGES: "K₀ and K₁ are", ed.POLE: "K₀ is", ed.NONFINITE: "the factors are",
         ed.REGIME: "K₀ and K₁ are", ed.PEAK: "K₀ and K₁ are"}
_AFTER = {
    ed.POLE: " K₁ is still drawn there, but finite-N counts approach it slowly (compare with the "
             "counts at finite N below).",
}


def _region_notes(curves: Sequence[Mapping], named: bool = False) -> list[str]:
    """One sentence per masked region, naming the activations it concerns when ``named``."""
    who: dict[tuple, list[str]] = {}
    for d in curves:
        for code, lo, hi in _regions(d):
            who.setdefault((code, round(lo, 4), round(hi, 4)), []).append(d["label"])
    notes = []
    for (code, lo, hi), labels in who.items():
        prefix = f"{', '.join(labels)}: " if named else ""
        notes.append(
            f"{prefix}for u from {lo:.4f} to {hi:.4f}, {_WHAT[code]} not shown: {ed.REASONS[code]}."
            + _AFTER.get(code, "")
        )
    return notes


def _zero_notes(d: Mapping, log: bool) -> list[str]:
    notes = []
    for key, name in (("K0", "K₀"), ("K1", "K₁")):
        y = d[key]
        zero = np.isfinite(y) & (y == 0.0)
        if not zero.any() or d["spin_glass"]:
            continue
        where = "everywhere" if zero.all() else "on part of the range"
        notes.append(
            f"{name} = 0 to double precision {where}"
            + (" (not drawn on the logarithmic axis; see the table)." if log else ".")
        )
    return notes


def _band_range(d: Mapping, key: str) -> tuple[float, float] | None:
    inside = (d["u"] > -d["e0"]) & np.isfinite(d[key])
    if not inside.any():
        return None
    vals = d[key][inside]
    return float(vals.min()), float(vals.max())


def _summary(d: Mapping):
    kappa = ", ".join(_fmt(k, 4) for k in d["kappa"])
    items = []
    if d["spin_glass"]:
        why = "γ = 0" if d["gamma"] == 0.0 else f"β̄ = 0 for {d['label']} at these μ, σ"
        items.append(html.P(
            f"φ ≡ 0 ({why}): the activation does not change the counts — K₀ ≡ 1 and K₁ ≡ 0, "
            "Choromanska's spin glass."
        ))
    else:
        items.append(html.P([
            "φ(s) = Σ κ", html.Sub("d"), " s", html.Sup("d"),
            f" with κ = ({kappa}), from ᾱ = {_fmt(d['alpha_bar'], 4)}, "
            f"β̄ = {_fmt(d['beta_bar'], 4)}, γ = {_fmt(d['gamma'], 4)} (theory §5.3). The "
            "exponential growth rate of the counts is the spin glass's (theory §3); φ changes the "
            "prefactor by K and moves indices by at most one.",
        ]))
    if not d["spin_glass"] and d.get("N") is not None:
        moved = d["regime"] != "spin-glass"
        if moved.any():
            kinds = sorted(set(str(r) for r in d["regime"][moved]))
            which = "every level" if moved.all() else "part"
            items.append(html.P(
                f"At N = {d['N']:,} the minima below {which} of this range are not in the "
                f"spin-glass regime ({', '.join(kinds)}; theory §5.6): there K₀ and K₁ are not "
                "shown, since the minima have moved to where §5.5 does not look. See the "
                "'Where the minima are' tab."
            ))
    if d["H"] == 2:
        items.append(html.P(
            "H = 2 is degenerate: E₀ = E∞, so the band of low-lying minima is empty."))
    elif not d["spin_glass"]:
        k0, sh = _band_range(d, "K0"), _band_range(d, "share")
        if k0 is None:
            items.append(html.P("In the band (−E₀, −E∞) K₀ is not available (see the notes)."))
        elif k0[1] == 0.0:
            items.append(html.P(
                "In the band (−E₀, −E∞) K₀ is 0 to double precision: φ suppresses the minima at "
                "overlap s = O(1) almost entirely."
            ))
        else:
            text = f"In the band (−E₀, −E∞): K₀ from {_fmt(k0[0], 4)} to {_fmt(k0[1], 4)}"
            if sh is not None:
                text += (f"; share of minima turned into index-1 saddles from {_fmt(sh[0], 3)} "
                         f"to {_fmt(sh[1], 3)}")
            items.append(html.P(text + "."))
    return items


_TABLE_ROWS = 51
_TABLE_NOTE = "{n} of the {total} grid points; the CSV has all of them. — : not shown."


def _table_rows(n: int) -> np.ndarray:
    """At most ``_TABLE_ROWS`` evenly spread row indices (first and last included)."""
    return np.unique(np.linspace(0, n - 1, min(n, _TABLE_ROWS)).round().astype(int))


def _modulation_table(d: Mapping, state: Mapping):
    short = {ed.DIVERGES: "diverges (§5.5)", ed.POLE: "K₀: pole minima",
             ed.NONFINITE: "overflow", ed.REGIME: "minima moved: regime not spin-glass (§5.6)",
             ed.PEAK: "peak at |s| > 4 (§5.5)"}
    notes = []
    for r0, r1 in zip(d["reason0"], d["reason1"], strict=True):
        code = r0 or r1
        notes.append(short.get(int(code), ""))
    rows = [
        [_fmt(d["u"][i], 6), _fmt(d["K0"][i]), _fmt(d["K1"][i]), _fmt(d["share"][i], 4), notes[i]]
        for i in _table_rows(len(d["u"]))
    ]
    table = table_(["u", "K₀", "K₁", "share K₁/(K₀+K₁)", "not shown because"], rows,
                   _TABLE_NOTE.format(n=len(rows), total=len(d["u"])))
    return _details("Table of the plotted values", table)


def _compare_table(curves: Sequence[Mapping], state: Mapping):
    u = curves[0]["u"]
    header = ["u"]
    cols: dict[str, Any] = {"u": u}
    for c in curves:
        header += [f"K₀ {c['label']}", f"share {c['label']}"]
        cols[f"K0 {c['label']}"] = c["K0"]
        cols[f"share {c['label']}"] = c["share"]
    keys = list(cols)
    rows = [[_fmt(cols[k][i], 6 if k == "u" else 5) for k in keys] for i in _table_rows(len(u))]
    table = table_(header, rows, _TABLE_NOTE.format(n=len(rows), total=len(u)))
    return _details("Table of the plotted values", table)


def _compare_params(curves: Sequence[Mapping], state: Mapping) -> dict:
    head = _header(state, {"compared": ", ".join(c["label"] for c in curves)})
    for key in ("activation", "param", "knots"):
        head.pop(key, None)
    head["current activation"] = state["activation"]
    return head


def effect_outputs(raw: Any, modulation: Callable[..., dict] = ed.modulation_data,
                   profile: Callable[..., dict] = dm.profile_data) -> dict:
    """Everything the live part of the view shows, for (possibly forged) settings ``raw``.

    Returns a dict with ``alert``, ``summary``, ``modulation_figure``, ``modulation_notes``,
    ``modulation_data``, ``compare_figure``, ``compare_notes``, ``compare_data``,
    ``n_placeholder`` and ``u_placeholder``; ``modulation`` is
    :func:`components.data.effect.modulation_data` (memoized in the running app).  Never
    raises: bad settings are repaired with a message, failures become a message figure.
    """
    state, messages = sanitize(raw)
    look = style_of(state)
    n_default = min(max(int(state["lab_N"]), ed.N_RANGE[0]), ed.N_RANGE[1])
    out: dict[str, Any] = {
        "n_placeholder": str(n_default),
        "u_placeholder": f"{ed.default_level(state['H']):.4f}",
    }
    act, error = activation_or_error(state)
    main = None
    if error is None:
        main, error = guard(modulation, "activation effect", act, state["H"], state["N"],
                            verb="computed")
    if error is not None:
        messages.append(error)
        out.update(
            summary=None,
            modulation_figure=message_figure(error, look),
            modulation_notes=None,
            modulation_data=None,
        )
    else:
        fig = modulation_figure(main["u"], main["K0"], main["K1"], main["share"], _regions(main),
                                main["e0"], main["e_inf"], main["label"], main["H"],
                                main["spin_glass"], look)
        is_log = fig.layout.yaxis.type == "log"
        notes = _region_notes([main]) + _zero_notes(main, is_log)
        model = _MODEL_5_5
        if not main["spin_glass"] and not np.any(main["regime"] == "spin-glass"):
            prof, perr = guard(profile, "overlap profile", act, state["H"], state["N"], None,
                               verb="computed")
            if perr is None:
                fig = profile_figure(prof, look)
                model = ("theory §5.6 (ours): overlap profile of the leading complexity "
                         "(compute.overlap.leading_complexity)")
                notes.insert(0, (
                    f"At N = {state['N']:,} no level of this range is in the spin-glass regime, "
                    "so K₀ and K₁ are not the answer and the overlap profile of theory §5.6 is "
                    f"shown instead: the lowest minima sit at u = {-prof['e0_phi']:.6g}, overlap "
                    f"m* = {prof['m0_phi']:+.4f} ({prof['regime0']})."))
            else:
                messages.append(perr)
        params = _header(state, {"N": state["N"], "kappa": main["kappa"], "E0": main["e0"],
                                 "E_inf": main["e_inf"]})
        out.update(
            summary=_summary(main),
            modulation_figure=_stamped(fig, "effect-modulation", state, model, params,
                                       notes=notes),
            modulation_notes=[html.Li(n) for n in notes] or None,
            modulation_data=_modulation_table(main, state),
        )

    curves, cmp_notes = [], []
    names = list(ed.COMPARE)
    if state["activation"] not in names:
        names.append(state["activation"])
    for name in names:
        current = name == state["activation"]
        if current:
            d, err = (main, error) if main is not None else (None, error or "not available")
        else:
            other = Activation(name, None, state["pieces"], state["mu"], state["sigma"], None,
                               state["gamma"])
            d, err = guard(modulation, f"{other.label} curve", other, state["H"], state["N"],
                           verb="computed")
        if d is None:
            cmp_notes.append(f"{Activation(name).label} is not shown: {err}")
            continue
        curves.append({**d, "highlight": current})
    cmp_notes.extend(_region_notes(curves, named=True))
    if curves:
        first = curves[0]
        fig = comparison_figure(curves, first["e0"], first["e_inf"], first["H"], look)
        out["compare_figure"] = _stamped(fig, "effect-compare", state, _MODEL_5_5,
                                         _compare_params(curves, state), notes=cmp_notes)
        out["compare_data"] = _compare_table(curves, state)
    else:
        out["compare_figure"] = message_figure(
            "No activation could be compared at these settings.", look)
        out["compare_data"] = None
    out["compare_notes"] = [html.Li(n) for n in cmp_notes] or None
    out["alert"] = alert(messages)
    return out


# ---------------------------------------------------------------------------------------
# Finite-N counts (on demand)
# ---------------------------------------------------------------------------------------


def clean_run_inputs(n_value: Any, u_value: Any, state: Mapping) -> tuple[int, float, list[str]]:
    """N and u of the finite-N counts from the panel's inputs (empty means the default).

    N defaults to the lab's N (``state["lab_N"]``, clamped to 2..200), u to the middle of
    the band; a value that is present but invalid is clamped or replaced, with a message.
    """
    messages: list[str] = []
    lab_n = state.get("lab_N", ed.DEFAULT_N)
    default_n = int(min(max(lab_n, ed.N_RANGE[0]), ed.N_RANGE[1]))
    if n_value is None or n_value == "":
        N = default_n
    else:
        N = int(clean_number(n_value, "N (finite-N counts)", ed.N_RANGE[0], ed.N_RANGE[1],
                              default_n, True, messages))
    level = ed.default_level(state["H"])
    if u_value is None or u_value == "":
        u = level
    else:
        u = float(clean_number(u_value, "Level u", ed.U_RANGE[0], ed.U_RANGE[1], level, False,
                                messages))
    return N, u, messages


def _run_key(state: Mapping) -> dict:
    return {key: state[key] for key in RUN_KEYS}


def _counts_export(c: Mapping, state: Mapping, figure):
    """The counts figure carrying its export: every number of the run, one row per index."""
    m, s = c["minima"], c["saddles"]
    table = {
        "columns": ["index", "phi0_count", "phi0_stderr", "count", "stderr", "ratio",
                    "ratio_stderr", "index_moved", "index_moved_stderr", "large_N_K0",
                    "reliable", "effective_samples"],
        "rows": [[k, r["phi0_value"], r["phi0_stderr"], r["value"], r["stderr"], r["ratio"],
                  r["ratio_stderr"], r["shifted_value"], r["shifted_stderr"], k0,
                  r.get("reliable", True), r.get("ess")]
                 for k, r, k0 in ((0, m, c["K0"]), (1, s, None))],
        "note": "expected numbers of index-k critical points below N·u without φ (phi0_*) and "
                "with φ, their ratio, those whose index φ moved, and the large-N K₀ (theory "
                "§5.5) where it applies; empty cells: not available",
    }
    params = _header(state, {"N": c["N"], "u": c["u"], "seed": c["seed"],
                             "samples": c["samples"], "kappa": c["kappa"],
                             "estimator": m["method"]})
    model = ("theory §4 and §5.4 (ours): Kac–Rice count at finite N with the activation's φ, by "
             "Monte Carlo over GOE matrices (compute.kac_rice.expected_critical_points_phi)")
    return _stamped(figure, "effect-counts", state, model, params, table)


def _counts_table(c: Mapping, state: Mapping):
    m, s = c["minima"], c["saddles"]
    large_n = _fmt(c["K0"], 4) if c["K0"] is not None else "—"
    rows = [
        ["minima (index 0)", _pm(m["phi0_value"], m["phi0_stderr"]), _pm(m["value"], m["stderr"]),
         _pm(m["ratio"], m["ratio_stderr"]), _pm(m["shifted_value"], m["shifted_stderr"]), large_n],
        ["index-1 saddles", _pm(s["phi0_value"], s["phi0_stderr"]), _pm(s["value"], s["stderr"]),
         _pm(s["ratio"], s["ratio_stderr"]), _pm(s["shifted_value"], s["shifted_stderr"]), "—"],
    ]
    header = ["critical points below N·u", "φ ≡ 0 (spin glass)", f"{c['label']} (with φ)",
              "ratio", "of which index moved by φ", "large-N K₀ (§5.5)"]
    caption = (f"N = {c['N']}, u = {c['u']:.6g}, H = {c['H']}, {c['samples']} samples, "
               f"seed {c['seed']}. Estimator: {m['method']}.")
    table = table_(header, rows, caption)
    notes = []
    if c["K0"] is None and c["K0_reason"]:
        notes.append(html.P(f"No large-N value: {c['K0_reason']}.", className="caption"))
    if c["spin_glass"]:
        notes.append(html.P("φ ≡ 0 for this activation: both columns are the same count.",
                            className="caption"))
    for name, r in (("minima", m), ("index-1 saddles", s)):
        if not r.get("reliable", True):
            notes.append(html.P(
                f"Do not trust the {name} count with φ: "
                f"{r.get('warning') or 'few effective samples'} "
                f"(effective sample size {r.get('ess', float('nan')):.3g}). Change the seed to "
                "see how much it moves.",
                className="caption effect-unreliable"))
    return [
        html.P(f"Seed {c['seed']} · N = {c['N']} · u = {c['u']:.6g}", className="effect-seed",
               style={**_FONT, "fontWeight": 600}),
        _details("Table of the counts", table),
        *notes,
    ]


def counts_outputs(
    n_clicks: Any,
    raw: Any,
    n_value: Any = None,
    u_value: Any = None,
    compute: Callable[..., dict] = ed.finite_n_counts,
    set_progress: Callable | None = None,
) -> dict:
    """Bar chart, table, alert and run key of the finite-N counts for a Run click.

    ``raw`` are the (possibly forged) settings, ``n_value`` and ``u_value`` the panel's inputs
    (empty: the lab's N or 50, and the middle of the band); ``compute`` is
    :func:`components.data.effect.finite_n_counts` (memoized in the running app).  Returns a dict
    with ``figure``, ``table``, ``alert`` and ``run_key`` (the settings the counts belong to, or
    ``None``).  ``set_progress(percent)`` receives the share of finished Monte Carlo units.
    Never raises.
    """
    state, messages = sanitize(raw)
    N, u, more = clean_run_inputs(n_value, u_value, state)
    messages.extend(more)
    lab_n = state["lab_N"]
    if (n_value is None or n_value == "") and not ed.N_RANGE[0] <= lab_n <= ed.N_RANGE[1]:
        messages.append(f"The lab's N = {lab_n} is outside {ed.N_RANGE[0]}–{ed.N_RANGE[1]}; "
                        f"N = {N} is used.")
    act, error = activation_or_error(state)
    counts = None
    if error is None:
        def progress(f: float) -> None:
            if set_progress is not None:
                set_progress(str(int(round(100 * f))))

        with reporting(progress):
            counts, error = guard(compute, "finite-N counts", act, state["H"], N, u, state["seed"],
                                  ed.SAMPLES, verb="computed")
    look = style_of(state)
    if error is not None:
        messages.append(error)
        return {"figure": message_figure(error, look), "table": None, "alert": alert(messages),
                "run_key": None}
    return {
        "figure": _counts_export(counts, state, counts_figure(counts, look)),
        "table": _counts_table(counts, state),
        "alert": alert(messages),
        "run_key": _run_key(state),
    }


def stale_notice(raw: Any, run_key: Any):
    """A notice when the settings changed since the shown counts were computed, else ``None``."""
    if not isinstance(run_key, Mapping):
        return None
    state, _ = sanitize(raw)
    changed = [key for key in RUN_KEYS if run_key.get(key) != state[key]]
    if not changed:
        return None
    return (f"The settings changed since these counts were computed ({', '.join(changed)}); "
            "press Run to update them.")


# ---------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------


def register(app, name: str, services: Services) -> None:
    """Register the view's callbacks; they read its settings slice ``ids.EFFECT_STATE``.

    The two computations are memoized in ``services.cache``.  The slice is written only
    while the tab is shown, so a hidden tab computes nothing.  The finite-N counts (up to
    tens of seconds of Monte Carlo) run as a background job through ``services.manager``
    (its limits: components/jobs.py) with a progress bar and a cancel button, in the request
    only when there is no manager; their units go to this process's executor.
    """
    modulation = memoize(services.cache, ed.modulation_data)
    profile = memoize(services.cache, dm.profile_data)
    counts = memoize(services.cache, guarded(ed.finite_n_counts))
    job = {}
    if services.manager is not None:
        job = dict(background=True, manager=services.manager, interval=500,
                   progress=[Output(ids.EFFECT_PROGRESS, "value")], progress_default=["0"],
                   cancel=[Input(ids.EFFECT_CANCEL, "n_clicks")],
                   running=[(Output(ids.EFFECT_RUN, "disabled"), True, False),
                            (Output(ids.EFFECT_CANCEL, "disabled"), False, True)])
    settings_slice = ids.view_state(name)

    @app.callback(
        output=dict(
            alert=Output(ids.EFFECT_ALERT, "children"),
            summary=Output(ids.EFFECT_SUMMARY, "children"),
            modulation_figure=Output(ids.EFFECT_MODULATION_GRAPH, "figure"),
            modulation_notes=Output(ids.EFFECT_MODULATION_NOTES, "children"),
            modulation_data=Output(ids.EFFECT_MODULATION_DATA, "children"),
            compare_figure=Output(ids.EFFECT_COMPARE_GRAPH, "figure"),
            compare_notes=Output(ids.EFFECT_COMPARE_NOTES, "children"),
            compare_data=Output(ids.EFFECT_COMPARE_DATA, "children"),
            n_placeholder=Output(ids.EFFECT_N_INPUT, "placeholder"),
            u_placeholder=Output(ids.EFFECT_U_INPUT, "placeholder"),
        ),
        **slice_callback(name, "settings"),
    )
    def _effect(stored, settings):
        if settings is None:
            raise PreventUpdate  # the tab is hidden: drawn when it is opened
        try:
            return effect_outputs(settings, modulation, profile)
        except Exception:  # a figure that cannot be built must not become an HTTP 500
            logger.exception("activation-effect view failed")
            text = "The activation-effect view could not be drawn for these settings."
            fig = message_figure(text, style_of(sanitize(settings)[0]))
            return dict(alert=alert([text]), summary=None, modulation_figure=fig,
                        modulation_notes=None, modulation_data=None, compare_figure=fig,
                        compare_notes=None, compare_data=None, n_placeholder=no_update,
                        u_placeholder=no_update)

    @app.callback(
        output=dict(
            figure=Output(ids.EFFECT_COUNTS_GRAPH, "figure"),
            table=Output(ids.EFFECT_COUNTS_TABLE, "children"),
            alert=Output(ids.EFFECT_COUNTS_ALERT, "children"),
            run_key=Output(ids.EFFECT_RUN_STORE, "data"),
        ),
        inputs=dict(n_clicks=Input(ids.EFFECT_RUN, "n_clicks")),
        state=dict(
            settings=State(settings_slice, "data"),
            n_value=State(ids.EFFECT_N_INPUT, "value"),
            u_value=State(ids.EFFECT_U_INPUT, "value"),
        ),
        prevent_initial_call=True,
        **job,
    )
    def _run(*args, **kwargs):
        set_progress = args[0] if args else None
        if not kwargs["n_clicks"]:
            raise PreventUpdate
        return counts_outputs(kwargs["n_clicks"], kwargs["settings"], kwargs["n_value"],
                              kwargs["u_value"], counts, set_progress)

    for plot in PLOTS:
        register_export_row(app, plot, ids.graph(plot))

    @app.callback(
        Output(ids.EFFECT_COUNTS_STALE, "children"),
        **slice_callback(name, "settings", run_key=Input(ids.EFFECT_RUN_STORE, "data")),
    )
    def _stale(stored, settings, run_key):
        return stale_notice(settings, run_key)
