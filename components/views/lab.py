"""The landscapes lab (theory §4, §6): the N = 3 globe, charts through minima, and the
descent experiment of Choromanska et al.

Layout: :func:`layout` (the content of the "Landscapes" tab).  Callbacks: :func:`register`.
The logic lives in plain functions (:func:`lab_settings`, :func:`globe_outputs`,
:func:`count_table_outputs`, :func:`chart_outputs`, :func:`descent_outputs`) that take the
raw settings store and return plain dicts, so tests call them directly; the Dash wrappers
only unpack the callback context.

Flow: the settings sync writes the lab's slice of the settings (components/registry.py)
into its store ``ids.LAB_STATE``, only while the lab is the view shown and only when the
slice changed; the globe, the count table and the charts listen to that store, and the
descent experiment reads the whole settings store (its runs, K) when its button is pressed.
Every view re-validates what it reads (:func:`lab_settings`): a forged request can send
anything, so values are repaired with a visible message, errors become a figure that says
what went wrong, and nothing raises to Dash.  The heavy parts (charts at large N, the
average over many seeds, the descent experiment) run as Dash background callbacks with a
progress bar and a cancel button.  Every figure has the export row of components/export.py
and carries its own export (the figure on the page is the source).
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

import numpy as np
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components import ids
from components.cache import memoize, peek
from components.data import lab as lab_data
from components.export import export_row, redrawn, register_export_row, stamp, view_export
from components.figures.lab import (
    chart_heatmap_figure,
    chart_surface_figure,
    descent_figure,
    globe_figure,
    profile_figure,
)
from components.figures.style import message_figure, style_of
from components.jobs import guarded
from components.registry import ACTIVATION_KEYS, Services, slice_callback
from components.state import FIELDS, activation_label, activation_of, sanitize
from components.ui import alert, alert_box, failure, placeholder, progress_row, table

__all__ = [
    "LabData",
    "LabSettings",
    "lab_settings",
    "globe_outputs",
    "count_table_outputs",
    "chart_outputs",
    "descent_outputs",
    "quantile_rows",
    "layout",
    "register",
]

logger = logging.getLogger(__name__)

#: Highest index whose level −E_k is drawn when the settings carry none.
_DEFAULT_K = 5


# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabSettings:
    """The validated settings of the lab, what was repaired, and φ for this activation.

    ``messages`` lists the repaired settings, ``size_messages`` what limits the lab size
    (shown by the views that use it); ``N`` is ``lab_N`` capped so that the tensor fits
    (``N^H <= 2^27``), ``None`` when no N >= 5 fits; ``kappa`` the coefficients of φ (empty
    for φ ≡ 0) or ``None`` when the activation cannot be used (``activation_error`` says why).
    """

    state: dict
    messages: list[str]
    size_messages: list[str]
    N: int | None
    kappa: tuple | None
    spin_glass: bool
    activation_error: str | None = None

    @property
    def seed(self) -> int:
        return self.state["seed"]

    @property
    def H(self) -> int:
        return self.state["H"]

    def describe(self) -> str:
        """One line naming the sample: depth, activation, φ, seed."""
        name = self.state["activation"]
        label = activation_label(name)
        phi = "φ ≡ 0" if self.spin_glass else "φ ≠ 0"
        return f"H = {self.H}, {label} ({phi}), seed {self.seed}"


@dataclass(frozen=True)
class LabData:
    """The data functions of the lab (memoized ones in the running app)."""

    phi: Callable[..., dict] = lab_data.phi_coefficients
    globe: Callable[..., dict] = lab_data.globe_data
    seed_counts: Callable[..., np.ndarray] = lab_data.seed_counts
    theory: Callable[..., dict] = lab_data.theory_counts
    levels: Callable[..., dict] = lab_data.band_levels
    chart: Callable[..., dict] = lab_data.chart_data
    descent: Callable[..., dict] = lab_data.descent_data


def lab_settings(raw: Any, data: LabData | None = None) -> LabSettings:
    """Validate a (possibly forged) settings store for the lab.

    The settings go through :func:`components.state.sanitize` (``seed``, ``lab_N``,
    ``runs`` and ``gamma`` default to 1, 50, 100, 1.0).  ``lab_N`` is then capped so that the
    landscape's tensor fits, ``N^H <= 2^27`` (theory §2; e.g. N <= 107 at H = 4), with a
    message; and φ is computed for the activation (theory §5.3).  Never raises.
    """
    data = data or LabData()
    state, messages = sanitize(raw)
    H = state["H"]
    cap = min(int(FIELDS["lab_N"].maximum), lab_data.max_lab_n(H))
    N: int | None = state["lab_N"]
    size_messages: list[str] = []
    if cap < FIELDS["lab_N"].minimum:
        size_messages.append(
            f"At depth H = {H} no lab size N ≥ 5 fits in memory (N^H ≤ 2^27); "
            "the charts and the descent experiment need a smaller H."
        )
        N = None
    elif N > cap:
        size_messages.append(
            f"Lab size N = {N} is too large at depth H = {H} (N^H ≤ 2^27), so N = {cap} is used."
        )
        N = cap

    kappa: tuple | None = None
    spin_glass = True
    error = None
    try:
        phi = data.phi(activation_of(state), H)
        kappa, spin_glass = tuple(phi["kappa"]), bool(phi["spin_glass"])
    except ValueError as exc:
        error = f"The activation cannot be used: {exc}"
    except Exception:  # noqa: BLE001 - the page must keep serving
        logger.exception("φ failed for %r", state)
        error = "The activation could not be evaluated (internal error)."
    if error:
        messages.append(error)
    return LabSettings(state, messages, size_messages, N, kappa, spin_glass, error)


#: What a user changes for each setting a compute budget names (compute.budget).
_SETTING_HINTS = {
    "coeffs": "φ dwarfs the random part here: choose an activation, μ or σ with a larger ᾱ, "
              "or lower γ.",
    "H": "Lower the depth H.",
    "N": "Lower the lab size N.",
    "runs": "Lower the number of descent runs or the lab size N.",
}


def _fail(what: str, exc: BaseException, args, size_setting: str = "N") -> str:
    """The message shown when the ``what`` failed; ``size_setting`` is the setting that
    sets its size (``"H"`` for the N = 3 globe, whose N cannot change)."""
    return failure(what, exc, args, hints=_SETTING_HINTS, memory_hint=_SETTING_HINTS[size_setting])


def _fmt(x: float, digits: int = 5) -> str:
    return f"{x:.{digits}f}"


def _table(header: list, rows: list[list], caption: str | None = None):
    return table(header, rows, caption, kind="lab", row_header=True)


#: The exported plots of the view: key, its graph id, title.
PLOTS = {
    "lab-globe": (ids.LAB_GLOBE_GRAPH, "The whole landscape at N = 3"),
    "lab-chart-heatmap": (ids.LAB_CHART_HEATMAP, "Chart through a minimum (heat map)"),
    "lab-chart-surface": (ids.LAB_CHART_SURFACE, "Chart through a minimum (surface)"),
    "lab-profile": (ids.LAB_PROFILE_GRAPH, "Great circle between two minima"),
    "lab-descent": (ids.LAB_DESCENT_GRAPH, "Descent end points"),
}
_MODEL = (
    "theory §2 and §6: one sampled spherical H-spin-glass landscape with the activation's "
    "term φ (compute.landscape), critical points by Newton's method, minima by seeded "
    "projected-gradient descent"
)
_UNITS = "loss per weight u = L/N in spin-glass units (theory §2); angles θ in radians"


def _stamped(figure, plot: str, lab: LabSettings, N: int, notes: str = ""):
    """``figure`` carrying its export: the sample's settings and its size N."""
    keys = ("H", "activation", "param", "pieces", "mu", "sigma", "knots", "gamma", "seed")
    params = {
        key: lab.state[key] for key in keys if key != "knots" or lab.state["activation"] == "custom"
    }
    params["N"] = N
    params["phi"] = "φ ≡ 0" if lab.spin_glass else f"κ = {lab.kappa}"
    return stamp(
        figure,
        view_export("lab", plot, lab.state, PLOTS[plot][1], _MODEL, _UNITS, params, notes=notes),
    )


# ---------------------------------------------------------------------------------------
# Globe (N = 3)
# ---------------------------------------------------------------------------------------

_INDEX_NAMES = ("minima (k = 0)", "saddles (k = 1)", "maxima (k = 2)")


def globe_outputs(raw: Any, data: LabData | None = None) -> dict:
    """Globe of the N = 3 landscape with its critical points (theory §6), for raw settings.

    Returns ``figure``, ``info`` (the seed and the counts by index of this sample, with
    Morse's check minima − saddles + maxima = 2) and ``alert`` (repaired settings).
    """
    data = data or LabData()
    lab = lab_settings(raw, data)
    messages = list(lab.messages)
    style = style_of(lab.state)
    if lab.kappa is None:
        return {
            "figure": message_figure(lab.activation_error, style),
            "info": None,
            "alert": alert(messages),
        }
    args = (lab.H, lab.seed, lab.kappa)
    try:
        g = data.globe(*args)
    except Exception as exc:  # noqa: BLE001 - shown as a message
        error = _fail("globe", exc, args, "H")
        return {
            "figure": message_figure(error, style),
            "info": None,
            "alert": alert(messages + [error]),
        }
    title = f"N = 3 landscape · {lab.describe()}"
    fig = globe_figure(
        g["x"], g["y"], g["z"], g["u"], g["points"], g["point_u"], g["point_index"], title, style
    )
    fig = _stamped(
        fig,
        "lab-globe",
        lab,
        3,
        "landscape: the sphere |w|² = 3 as a unit globe (x, y, z), color = u; critical "
        "points: customdata = u",
    )
    c = g["counts"]
    info = (
        f"Seed {lab.seed}: {int(c.sum())} critical points — {c[0]} minima, {c[1]} saddles, "
        f"{c[2]} maxima (minima − saddles + maxima = {g['euler']}); "
        f"u from {_fmt(float(np.min(g['u'])), 4)} to {_fmt(float(np.max(g['u'])), 4)}."
    )
    return {"figure": fig, "info": info, "alert": alert(messages)}


def count_table_outputs(
    raw: Any,
    average: bool,
    set_progress: Callable | None = None,
    data: LabData | None = None,
) -> dict:
    """The table of critical points by index at N = 3 (theory §4, §6), as ``{"table": ...}``.

    Columns: this sample (its seed); with ``average``, the mean over the
    :data:`~components.lab_data.AVERAGE_SEEDS` landscapes with seeds seed … seed + 199
    (± one standard error); and, for φ ≡ 0, the expectation of theory §4 (± its Monte
    Carlo error; the total is exact) with the deviation in standard errors.  For φ ≠ 0
    the §4 reference does not apply and is not shown.
    """
    data = data or LabData()
    lab = lab_settings(raw, data)
    if lab.kappa is None:
        return {"table": html.P(lab.activation_error, className="caption")}
    H, seed, kappa = lab.H, lab.seed, lab.kappa
    try:
        sample = data.globe(H, seed, kappa)["counts"]
        theory = data.theory(H) if lab.spin_glass else None
        counts = None
        if average:
            n, chunk = lab_data.AVERAGE_SEEDS, lab_data.SEED_CHUNK
            parts = []
            for start in range(0, n, chunk):
                if set_progress is not None:
                    set_progress(int(round(100 * start / n)))
                parts.append(data.seed_counts(H, kappa, seed + start, min(chunk, n - start)))
            counts = np.vstack(parts)
            if set_progress is not None:
                set_progress(100)
    except Exception as exc:  # noqa: BLE001 - shown as a message
        error = _fail("count table", exc, (H, seed, kappa), "H")
        return {"table": html.P(error, className="caption")}

    header = ["index", f"this sample (seed {seed})"]
    if counts is not None:
        header.append(f"mean over seeds {seed}…{seed + len(counts) - 1}")
    else:
        header.append(f"mean over {lab_data.AVERAGE_SEEDS} seeds")
    if theory is not None:
        header += ["theory §4 expectation", "deviation"]
    rows = []
    for k in range(4):
        is_total = k == 3
        row = ["all (total)" if is_total else _INDEX_NAMES[k]]
        row.append(str(int(sample.sum() if is_total else sample[k])))
        mean = se = None
        if counts is not None:
            col = counts.sum(axis=1) if is_total else counts[:, k]
            mean, se = float(col.mean()), float(col.std(ddof=1) / math.sqrt(len(col)))
            row.append(f"{mean:.3f} ± {se:.3f}")
        else:
            row.append("press “Average”")
        if theory is not None:
            t = theory["total"] if is_total else float(theory["mean"][k])
            t_se = 0.0 if is_total else float(theory["stderr"][k])
            row.append(f"{t:.4f}" if is_total else f"{t:.4f} ± {t_se:.4f}")
            if mean is not None:
                scale = math.hypot(se, t_se)
                row.append(
                    f"{(mean - t) / scale:+.1f} σ" if scale > 0 else ("0" if mean == t else "—")
                )
            else:
                row.append("—")
        rows.append(row)
    note = (
        "Expectation of theory §4 (Kac–Rice with GOE_3): the index counts by Monte Carlo over "
        f"{lab_data.THEORY_SAMPLES:,} GOE matrices, the total exactly."
        if theory is not None
        else "φ ≠ 0 for this activation: the reference of theory §4 (φ ≡ 0) does not apply; "
        "the sample mean is shown alone."
    )
    table = html.Div(
        [
            _table(header, rows, caption=f"Critical points of N = 3 landscapes · {lab.describe()}"),
            html.P(note, className="caption"),
        ]
    )
    return {"table": table}


# ---------------------------------------------------------------------------------------
# Charts (N up to 500)
# ---------------------------------------------------------------------------------------


def chart_outputs(
    raw: Any, set_progress: Callable | None = None, data: LabData | None = None
) -> dict:
    """Heatmap, surface and profile figures through a minimum found by descent (theory §6).

    ``N`` is the settings' lab size (capped so that N^H <= 2^27); ``set_progress(percent)``
    receives the progress of the descents.  Returns ``heatmap``, ``surface``, ``profile``,
    ``info`` and ``alert``.
    """
    data = data or LabData()
    lab = lab_settings(raw, data)
    messages = lab.messages + lab.size_messages
    style = style_of(lab.state)

    def failed(text: str) -> dict:
        fig = message_figure(text, style)
        return {
            "heatmap": fig,
            "surface": fig,
            "profile": fig,
            "info": None,
            "alert": alert(messages),
        }

    if lab.kappa is None:
        return failed(lab.activation_error)
    if lab.N is None:
        return failed(f"No lab size N ≥ 5 fits at depth H = {lab.H}: lower H.")
    N, H, seed, kappa = lab.N, lab.H, lab.seed, lab.kappa
    progress = None
    if set_progress is not None:

        def progress(f: float) -> None:
            set_progress(int(round(100 * f)))

    try:
        with lab_data.reporting(progress):
            c = data.chart(N, H, seed, kappa)
        levels = data.levels(H, 0)
    except Exception as exc:  # noqa: BLE001 - shown as a message
        error = _fail("chart", exc, (N, H, seed, kappa))
        messages.append(error)
        return failed(error)
    name = f"N = {N}, {lab.describe()}"
    heat = chart_heatmap_figure(
        c["theta1"],
        c["theta2"],
        c["chart_u"],
        f"Chart through minimum A (u = {c['u_a']:.5f})<br><sub>{name}</sub>",
        style,
    )
    surf = chart_surface_figure(
        c["theta1"],
        c["theta2"],
        c["chart_u"],
        f"The same chart as a surface<br><sub>{name}</sub>",
        style,
    )
    chart = "x, y = θ₁, θ₂ from minimum A along the two softest Hessian directions; z = u"
    heat = _stamped(heat, "lab-chart-heatmap", lab, N, chart)
    surf = _stamped(surf, "lab-chart-surface", lab, N, chart)
    if c["profile_angle"] is None:
        profile = message_figure(
            f"Only one minimum was found by the {c['runs']} descents at N = {N} (seed {seed}): "
            "no second minimum to join by a great circle.",
            style,
        )
    else:
        profile = profile_figure(
            c["profile_angle"],
            c["profile_u"],
            levels["energies"],
            levels["e_inf"],
            f"Great circle from A to the nearest other minimum B ({c['omega']:.3f} rad)<br>"
            f"<sub>u(A) = {c['u_a']:.5f}, u(B) = {c['u_b']:.5f} · {name}</sub>",
            style,
        )
        profile = _stamped(
            profile,
            "lab-profile",
            lab,
            N,
            "x = angle along the great circle from A to B (rad), y = u",
        )
    info = (
        f"{c['runs']} seeded descents on the landscape N = {N}, {lab.describe()}: "
        f"{c['converged']} converged, {c['minima']} distinct minima, lowest u = {c['u_a']:.5f} "
        f"(−E_0 = {-levels['energies'][0]:.5f}, "
        f"−E_∞ = {-levels['e_inf']:.5f} for φ ≡ 0)."
    )
    return {
        "heatmap": heat,
        "surface": surf,
        "profile": profile,
        "info": info,
        "alert": alert(messages),
    }


# ---------------------------------------------------------------------------------------
# Descent experiment
# ---------------------------------------------------------------------------------------

_QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


def quantile_rows(results: list[dict], e0: float, e_inf: float) -> list[dict]:
    """Per N: runs, converged, quantiles of the final u, and where they fall against the band.

    ``below`` counts end points below −E_0 (none expected beyond finite-size fluctuations),
    ``in_band`` the fraction in [−E_0, −E_∞].
    """
    out = []
    for r in results:
        u = np.asarray(r["u"], dtype=float)
        q = np.quantile(u, _QUANTILES)
        out.append(
            {
                "N": int(r["N"]),
                "runs": int(u.size),
                "converged": int(np.count_nonzero(r["converged"])),
                "q": q,
                "iqr": float(q[4] - q[2]),
                "below": int(np.count_nonzero(u < -e0)),
                "in_band": float(np.mean((u >= -e0) & (u <= -e_inf))) if u.size else 0.0,
            }
        )
    return out


def _quantile_table(rows: list[dict]):
    header = [
        "N",
        "runs",
        "converged",
        "min",
        "10 %",
        "25 %",
        "median",
        "75 %",
        "90 %",
        "max",
        "IQR",
        "below −E₀",
        "in band",
    ]
    body = [
        [
            str(r["N"]),
            str(r["runs"]),
            str(r["converged"]),
            *(_fmt(x) for x in r["q"]),
            _fmt(r["iqr"]),
            str(r["below"]),
            f"{100 * r['in_band']:.0f} %",
        ]
        for r in rows
    ]
    return _table(header, body, caption="Final loss per weight u of the descents: quantiles per N")


def _index_table(results: list[dict]):
    header = ["N", "index 0 (minima)", "index 1", "index ≥ 2", "not converged"]
    body = []
    for r in results:
        idx, conv = np.asarray(r["index"]), np.asarray(r["converged"], dtype=bool)
        body.append(
            [
                str(r["N"]),
                str(int(np.count_nonzero(conv & (idx == 0)))),
                str(int(np.count_nonzero(conv & (idx == 1)))),
                str(int(np.count_nonzero(conv & (idx >= 2)))),
                str(int(np.count_nonzero(~conv))),
            ]
        )
    return _table(header, body, caption="Hessian index of the end points (converged runs) per N")


def descent_outputs(
    raw: Any, set_progress: Callable | None = None, data: LabData | None = None
) -> dict:
    """Histograms, quantile and index tables of the descent experiment (theory §6).

    For each N of :func:`components.lab_data.experiment_plan` (25, 50, 100, 250 up to
    lab_N, and lab_N), ``runs`` descents on the landscape with the settings' seed.
    ``set_progress((percent, label))`` receives the progress over all N, each N weighted
    by its cost ``runs × N^H``.
    """
    data = data or LabData()
    lab = lab_settings(raw, data)
    messages = lab.messages + lab.size_messages
    style = style_of(lab.state)

    def failed(text: str) -> dict:
        return {
            "figure": message_figure(text, style),
            "quantiles": None,
            "indices": None,
            "status": text,
            "alert": alert(messages),
        }

    if lab.kappa is None:
        return failed(lab.activation_error)
    if lab.N is None:
        return failed(f"No lab size N ≥ 5 fits at depth H = {lab.H}: lower H.")
    H, seed, kappa, runs = lab.H, lab.seed, lab.kappa, lab.state["runs"]
    plan, notes = lab_data.experiment_plan(lab.N, H, runs)
    messages += notes
    if not plan:
        return failed(f"No size N ≤ {lab.N} is affordable at depth H = {H}.")
    weights = np.array([r * n**H for n, r in plan], dtype=float)
    weights /= weights.sum()
    done = 0.0
    results = []
    t0 = time.perf_counter()
    try:
        for (n, r), w in zip(plan, weights, strict=True):

            def progress(f: float, n=n, w=w, base=done) -> None:
                if set_progress is not None:
                    total = base + w * f
                    set_progress(
                        (
                            int(round(100 * total)),
                            f"N = {n}: {100 * f:.0f} % · all sizes {100 * total:.0f} %",
                        )
                    )

            progress(0.0)
            with lab_data.reporting(progress):
                results.append(data.descent(n, H, r, seed, kappa))
            done += w
        levels = data.levels(H, int(lab.state.get("K", _DEFAULT_K)))
    except Exception as exc:  # noqa: BLE001 - shown as a message
        error = _fail("descent experiment", exc, (plan, H, seed, kappa))
        messages.append(error)
        return failed(error)
    elapsed = time.perf_counter() - t0
    energies, e_inf = levels["energies"], levels["e_inf"]
    title = f"Descent end points · {lab.describe()}"
    total_runs = sum(r for _, r in plan)
    fig = _stamped(
        descent_figure(results, energies, e_inf, title, style),
        "lab-descent",
        lab,
        lab.N,
        f"final u of each descent, one series per N; {total_runs} runs; "
        "levels −E_k of φ ≡ 0 drawn for reference",
    )
    rows = quantile_rows(results, float(energies[0]), e_inf)
    status = (
        f"{total_runs} descents on {len(plan)} landscapes ({lab.describe()}) in {elapsed:.1f} s; "
        f"band (−E_0, −E_∞) = ({-energies[0]:.5f}, {-e_inf:.5f})."
    )
    return {
        "figure": fig,
        "quantiles": _quantile_table(rows),
        "indices": _index_table(results),
        "status": status,
        "alert": alert(messages),
    }


# ---------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------

GLOBE_CAPTION = (
    "The whole loss landscape of one sampled spin glass with N = 3 weights (theory §2, §6): "
    "the sphere |w|² = 3, drawn as a unit globe, coloured by the loss per weight u = L/N. "
    "Every critical point is marked by its Hessian index: minima (white circles), saddles "
    "(orange diamonds) and maxima (red squares), found by Newton's method from a dense set of "
    "starts and deduplicated; Morse theory requires minima − saddles + maxima = 2. The table "
    "compares the counts with the exact expectation of theory §4 (Auffinger, Ben Arous & "
    "Černý 2013): averaged over many landscapes they must agree within the error bars. With "
    "an activation for which φ ≠ 0 (theory §5.3) that formula does not apply and only the "
    "sample mean is shown. Drag to rotate; the view is kept when the settings change."
)

CHART_CAPTION = (
    "A landscape with N weights cannot be drawn whole, but its restriction to the span of a "
    "few orthonormal directions is again a spin glass with the same covariance (theory §6). "
    "Seeded descents find minima; A is the lowest. The heatmap (with contours) and the surface "
    "show u on the geodesic chart through A along the two softest directions of the Hessian "
    "at A; θ is the angle from A in radians (the whole sphere is within π). The profile "
    "follows the great circle from A to the nearest other minimum B that the descents found: "
    "the barrier between two neighbouring minima. Large N takes long (N = 500 at H = 3: about "
    "a minute and 2 GB); the progress bar shows the descents."
)

DESCENT_CAPTION = (
    "Choromanska et al.'s spin-glass experiment (AISTATS 2015; theory §6): for each N, many "
    "projected-gradient descents from uniformly random starts on one sampled landscape, run "
    "until the gradient per weight is below 10⁻⁸. The histograms show the final loss per "
    "weight; the shaded band is (−E₀, −E_∞) and the dotted lines are −E_k, the levels of "
    "theory §3 below which, for large N, no critical points of index k are expected. "
    "Choromanska et al. report end points that concentrate in a narrow low band as N grows. "
    "At the moderate N affordable here that concentration is far from complete: the expected "
    "number of minima grows only like e^{NΘ₀} with Θ₀,₃(−E_∞) ≈ 0.013, so descents end at "
    "minima spread above −E_∞; the spread shrinks and the median moves toward the band as N "
    "grows, but most end points stay above it. Nothing should end below −E₀ beyond "
    "finite-size fluctuations. The levels are those of φ ≡ 0; with an activation (φ ≠ 0, "
    "theory §5) they are shown for reference. The table gives the Hessian index of the end "
    "points (0 = minimum). Loss per weight in spin-glass units (theory §2)."
)

_ROW = {"display": "flex", "flexWrap": "wrap", "gap": "1rem", "alignItems": "center"}


def _export_row(plot: str) -> list:
    return export_row(plot, PLOTS[plot][1])


_HALF = {"flex": "1 1 420px", "minWidth": 0}


#: The jobs of the tab: the settings each reads (its result is stale once one of them
#: changes), its cancel button and the button that starts it again (``None``: it starts
#: by itself when the settings change).
JOBS = {
    "counts": (("H", *ACTIVATION_KEYS, "seed"), ids.LAB_AVERAGE_CANCEL, None),
    "charts": (("H", *ACTIVATION_KEYS, "seed", "lab_N"), ids.LAB_CHART_CANCEL, None),
    "descents": (("H", *ACTIVATION_KEYS, "seed", "lab_N", "runs"), ids.LAB_DESCENT_CANCEL,
                 "Run descents"),
}
#: How the notices name the settings.
_NOTE_LABELS = {"H": "H", "activation": "activation", "param": "parameter", "pieces": "L",
                "mu": "μ", "sigma": "σ", "knots": "knots", "gamma": "γ", "seed": "seed",
                "lab_N": "N", "runs": "runs"}


#: The notice beside a job, worked out in the page (inline: the lab also runs in pages
#: without the dashboard's assets).
JOB_NOTE_JS = """function (settings, computed, clicks, memo) {
  // The notice beside a job of the Landscapes tab (components/views/lab.py JOBS):
  // "cancelled" from a press of its Cancel button until its next result, "stale"
  // while the result shown was computed for other settings.  ``memo`` holds the
  // wording (keys, labels, the button that starts the job again) and what the last
  // call saw.
  var none = window.dash_clientside.no_update;
  if (!memo || !Array.isArray(memo.keys)) { return [none, none]; }
  var same = function (a, b) { return JSON.stringify(a) === JSON.stringify(b); };
  var cancelled = Boolean(memo.cancelled);
  var n = typeof clicks === "number" ? clicks : 0;
  if (n > (memo.clicks || 0)) { cancelled = true; }
  if (computed && !same(computed, memo.computed)) { cancelled = false; }
  var next = Object.assign({}, memo,
                           {clicks: n, cancelled: cancelled, computed: computed || null});
  var fmt = function (v) {
    if (typeof v === "number") { return String(Math.round(v * 1e6) / 1e6); }
    if (typeof v === "string" && v.length > 24) { return v.slice(0, 23) + "…"; }
    return String(v);
  };
  var changed = computed && settings ? memo.keys.filter(function (k) {
    return !same(computed[k], settings[k]);
  }) : [];
  var what = changed.map(function (k) {
    return (memo.labels[k] || k) + " = " + fmt(computed[k]);
  }).join(", ");
  var text = null;
  if (cancelled) {
    text = "Cancelled." + (computed ? (changed.length
      ? " The result shown is stale — computed for " + what + "."
      : " The result shown is the last one completed.") : "") +
      (memo.again ? " Press “" + memo.again + "” to start again." : "");
  } else if (changed.length) {
    text = "Stale — computed for " + what +
      (memo.again ? "; press “" + memo.again + "”." : "; the new result is being computed.");
  }
  return [text, next];
}
"""


def computed_for(raw: Any, job: str) -> dict:
    """The settings of ``raw`` (repaired like every request) that ``job``'s result depends
    on: kept next to the result, so the page can say when it no longer matches."""
    state, _ = sanitize(raw)
    return {key: state[key] for key in JOBS[job][0]}


def _job_note(job: str) -> list:
    return [html.Div(id=ids.lab_job_note(job), className="alert notice job-note", role="status",
                     **{"aria-live": "polite"}),
            dcc.Store(id=ids.lab_job_for(job), data=None),
            # what the page needs to word the notice, and what it remembers between calls
            dcc.Store(id=ids.lab_job_memo(job),
                      data={"keys": list(JOBS[job][0]), "labels": _NOTE_LABELS,
                            "again": JOBS[job][2], "clicks": 0, "cancelled": False,
                            "computed": None})]


def layout(name: str, state: Mapping):
    """Content of the "Landscapes" tab for the validated settings ``state``.

    The views fill themselves from the settings store (seed, lab_N, runs, H, activation);
    the layout only holds the graphs, tables, buttons and progress bars.
    """
    state = state if isinstance(state, Mapping) else {}
    seed = state.get("seed", FIELDS["seed"].default)
    content = html.Div(
        [
            dcc.Store(id=ids.LAB_SHOWN),
            html.Article(
                [
                    html.H2("The whole landscape at N = 3"),
                    alert_box(ids.LAB_GLOBE_ALERT),
                    placeholder(ids.LAB_GLOBE_GRAPH, 560, "Drawing the globe…"),
                    *_export_row("lab-globe"),
                    html.P(id=ids.LAB_GLOBE_INFO, className="caption"),
                    html.Div(
                        [
                            html.Button(
                                "Average over 200 seeds",
                                id=ids.LAB_AVERAGE_RUN,
                                n_clicks=0,
                                title="count the critical points of 200 landscapes "
                                "(seed … seed + 199)",
                            ),
                            html.Button(
                                "Cancel", id=ids.LAB_AVERAGE_CANCEL, n_clicks=0, disabled=True
                            ),
                            progress_row(ids.LAB_AVERAGE_PROGRESS, "progress"),
                        ],
                        style=_ROW,
                    ),
                    *_job_note("counts"),
                    html.Div(id=ids.LAB_COUNT_TABLE, className="table-wrap"),
                    html.P(GLOBE_CAPTION, className="caption"),
                ],
                className="card",
                id=ids.LAB_GLOBE_CARD,
            ),
            html.Article(
                [
                    html.H2("Charts through a minimum (N up to 500)"),
                    alert_box(ids.LAB_CHART_ALERT),
                    html.Div(
                        [
                            progress_row(ids.LAB_CHART_PROGRESS, "descents"),
                            html.Button(
                                "Cancel", id=ids.LAB_CHART_CANCEL, n_clicks=0, disabled=True
                            ),
                        ],
                        style=_ROW,
                    ),
                    *_job_note("charts"),
                    html.P(id=ids.LAB_CHART_INFO, className="caption"),
                    html.Div(
                        [
                            placeholder(
                                ids.LAB_CHART_HEATMAP,
                                520,
                                "Finding minima by descent…",
                                style=_HALF,
                            ),
                            placeholder(
                                ids.LAB_CHART_SURFACE,
                                520,
                                "Finding minima by descent…",
                                style=_HALF,
                            ),
                        ],
                        style=_ROW,
                    ),
                    *_export_row("lab-chart-heatmap"),
                    *_export_row("lab-chart-surface"),
                    placeholder(ids.LAB_PROFILE_GRAPH, 380, "Finding minima by descent…"),
                    *_export_row("lab-profile"),
                    html.P(CHART_CAPTION, className="caption"),
                ],
                className="card",
                id=ids.LAB_CHART_CARD,
            ),
            html.Article(
                [
                    html.H2("Descent experiment"),
                    alert_box(ids.LAB_DESCENT_ALERT),
                    html.Div(
                        [
                            html.Button(
                                "Run descents",
                                id=ids.LAB_DESCENT_RUN,
                                n_clicks=0,
                                title="descents for N = 25, 50, 100, 250 up to the lab size",
                            ),
                            html.Button(
                                "Cancel", id=ids.LAB_DESCENT_CANCEL, n_clicks=0, disabled=True
                            ),
                            progress_row(ids.LAB_DESCENT_PROGRESS, "progress"),
                            html.Span(id=ids.LAB_DESCENT_PROGRESS_LABEL, className="caption"),
                        ],
                        style=_ROW,
                    ),
                    *_job_note("descents"),
                    html.P(
                        id=ids.LAB_DESCENT_STATUS,
                        className="caption",
                        children=f"Press “Run descents” (seed {seed}, sizes up to the lab size N).",
                    ),
                    placeholder(
                        ids.LAB_DESCENT_GRAPH, 640, "Press “Run descents” to start the experiment."
                    ),
                    *_export_row("lab-descent"),
                    html.Div(
                        [
                            html.Div(id=ids.LAB_QUANTILE_TABLE, className="table-wrap"),
                            html.Div(id=ids.LAB_INDEX_TABLE, className="table-wrap"),
                        ],
                    ),
                    html.P(DESCENT_CAPTION, className="caption"),
                ],
                className="card",
                id=ids.LAB_DESCENT_CARD,
            ),
        ],
        className="views lab",
    )
    return html.Div(content, className="card")


# ---------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------


def export_of(plot: str, settings: Any, printing: bool = False,
              data: LabData | None = None):
    """The export of ``plot`` for the (possibly forged) settings, redrawn on the server from
    what is already computed (the globe is cheap and drawn again; the charts and the
    descents come from the cache, never recomputed in the request), or why there is none.
    ``printing``: in the light theme with normal fonts."""
    data = data or LabData()
    cached = replace(data, seed_counts=functools.partial(peek, data.seed_counts),
                     theory=functools.partial(peek, data.theory),
                     chart=functools.partial(peek, data.chart),
                     descent=functools.partial(peek, data.descent))
    charts = {"lab-chart-heatmap": "heatmap", "lab-chart-surface": "surface",
              "lab-profile": "profile"}

    def draw(raw: dict):
        if plot == "lab-globe":
            return globe_outputs(raw, cached)["figure"]
        if plot == "lab-descent":
            return descent_outputs(raw, None, cached)["figure"]
        return chart_outputs(raw, None, cached)[charts[plot]]

    return redrawn(settings, printing, draw)


def _memoized(cache) -> LabData:
    """The data functions, memoized; the heavy ones refuse to compute in a job that was not
    admitted (components/jobs.py), while cached results are still served."""
    return LabData(
        phi=memoize(cache, lab_data.phi_coefficients),
        globe=memoize(cache, lab_data.globe_data),
        seed_counts=memoize(cache, guarded(lab_data.seed_counts)),
        theory=memoize(cache, guarded(lab_data.theory_counts)),
        levels=memoize(cache, lab_data.band_levels),
        chart=memoize(cache, guarded(lab_data.chart_data)),
        descent=memoize(cache, guarded(lab_data.descent_data)),
    )


def register(app, name: str, services: Services) -> None:
    """Register the lab's callbacks; heavy jobs run through ``services.manager``.

    The globe listens to the lab's settings slice (``ids.LAB_STATE``, written only while
    the tab is shown) and hands the slice it drew to ``ids.LAB_SHOWN``; the count table
    and the charts (background jobs) follow that store, so a hidden lab starts no job.
    With ``services.manager=None`` the heavy callbacks run in the request (no progress
    bar, no cancel); the page still works.
    """
    data = _memoized(services.cache)
    background_manager = services.manager
    settings = Input(ids.LAB_SHOWN, "data")
    for plot, (graph_id, _) in PLOTS.items():
        register_export_row(app, plot, graph_id,
                            build=functools.partial(export_of, plot, data=data))

    @app.callback(
        output=dict(
            figure=Output(ids.LAB_GLOBE_GRAPH, "figure"),
            info=Output(ids.LAB_GLOBE_INFO, "children"),
            alert=Output(ids.LAB_GLOBE_ALERT, "children"),
            shown=Output(ids.LAB_SHOWN, "data"),
        ),
        **slice_callback(name),
    )
    def _globe(stored, raw):
        if raw is None:
            raise PreventUpdate  # the tab is hidden: drawn when it is opened
        return {**globe_outputs(raw, data), "shown": raw}

    bg = background_manager is not None

    def background(progress_outputs, cancel_id, running, progress_default):
        if not bg:
            return {}
        return dict(
            background=True,
            manager=background_manager,
            interval=400,
            progress=progress_outputs,
            progress_default=progress_default,
            cancel=[Input(cancel_id, "n_clicks")],
            running=running,
        )

    @app.callback(
        output=dict(table=Output(ids.LAB_COUNT_TABLE, "children"),
                    computed=Output(ids.lab_job_for("counts"), "data")),
        inputs=dict(raw=settings, clicks=Input(ids.LAB_AVERAGE_RUN, "n_clicks")),
        prevent_initial_call=True,
        **background(
            [Output(ids.LAB_AVERAGE_PROGRESS, "value")],
            ids.LAB_AVERAGE_CANCEL,
            [
                (Output(ids.LAB_AVERAGE_RUN, "disabled"), True, False),
                (Output(ids.LAB_AVERAGE_CANCEL, "disabled"), False, True),
            ],
            ["0"],
        ),
    )
    def _counts(*args, **kwargs):
        set_progress = args[0] if args else None
        average = ctx.triggered_id == ids.LAB_AVERAGE_RUN
        out = count_table_outputs(kwargs["raw"], average, set_progress, data)
        return {**out, "computed": computed_for(kwargs["raw"], "counts")}

    @app.callback(
        output=dict(
            heatmap=Output(ids.LAB_CHART_HEATMAP, "figure"),
            surface=Output(ids.LAB_CHART_SURFACE, "figure"),
            profile=Output(ids.LAB_PROFILE_GRAPH, "figure"),
            info=Output(ids.LAB_CHART_INFO, "children"),
            alert=Output(ids.LAB_CHART_ALERT, "children"),
            computed=Output(ids.lab_job_for("charts"), "data"),
        ),
        inputs=dict(raw=settings),
        prevent_initial_call=True,
        **background(
            [Output(ids.LAB_CHART_PROGRESS, "value")],
            ids.LAB_CHART_CANCEL,
            [(Output(ids.LAB_CHART_CANCEL, "disabled"), False, True)],
            ["0"],
        ),
    )
    def _charts(*args, **kwargs):
        set_progress = args[0] if args else None
        out = chart_outputs(kwargs["raw"], set_progress, data)
        shown = out["info"] is not None  # else a message replaced the charts
        return {**out, "computed": computed_for(kwargs["raw"], "charts") if shown else None}

    @app.callback(
        output=dict(
            figure=Output(ids.LAB_DESCENT_GRAPH, "figure"),
            quantiles=Output(ids.LAB_QUANTILE_TABLE, "children"),
            indices=Output(ids.LAB_INDEX_TABLE, "children"),
            status=Output(ids.LAB_DESCENT_STATUS, "children"),
            alert=Output(ids.LAB_DESCENT_ALERT, "children"),
            computed=Output(ids.lab_job_for("descents"), "data"),
        ),
        inputs=dict(clicks=Input(ids.LAB_DESCENT_RUN, "n_clicks")),
        state=dict(raw=State(ids.SETTINGS, "data")),
        prevent_initial_call=True,
        **background(
            [
                Output(ids.LAB_DESCENT_PROGRESS, "value"),
                Output(ids.LAB_DESCENT_PROGRESS_LABEL, "children"),
            ],
            ids.LAB_DESCENT_CANCEL,
            [
                (Output(ids.LAB_DESCENT_RUN, "disabled"), True, False),
                (Output(ids.LAB_DESCENT_CANCEL, "disabled"), False, True),
            ],
            ["0", ""],
        ),
    )
    def _descents(*args, **kwargs):
        set_progress = args[0] if args else None
        out = descent_outputs(kwargs["raw"], set_progress, data)
        shown = out["quantiles"] is not None  # else a message replaced the results
        return {**out, "computed": computed_for(kwargs["raw"], "descents") if shown else None}

    for job, (_, cancel, _again) in JOBS.items():
        # "stale" / "cancelled" beside each job, worked out in the page
        app.clientside_callback(
            JOB_NOTE_JS,
            Output(ids.lab_job_note(job), "children"),
            Output(ids.lab_job_memo(job), "data"),
            Input(ids.SETTINGS, "data"),
            Input(ids.lab_job_for(job), "data"),
            Input(cancel, "n_clicks"),
            State(ids.lab_job_memo(job), "data"),
        )
