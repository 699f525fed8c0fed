"""Every component id of the page, in one place so layout, callbacks, tests and assets/app.js
agree.  No other module spells an id: they import the names (or call the functions) here.

The strings are public: browser tests, bookmarks of anchors and assets/app.js (``page``,
``key-event-store``, the ``-graph`` and ``-export-svg`` suffixes) depend on them, so a
rename is a breaking change.  Ids of one view share its prefix (``effect-``, ``lab-``).
"""

# Page, address bar and the keyboard.
PAGE = "page"
URL = "url"
KEY_EVENT = "key-event-store"
PERMALINK = "permalink-box"
COPY_LINK = "copy-link"
#: The query string the settings sync wants in the address bar, written by assets/presenter.js.
ADDRESS = "address-store"

# Presenting to followers (components/presenter.py, assets/presenter.js).
PRESENT_BUTTON = "present-button"
PRESENTER_STORE = "presenter-store"
PRESENTER_PANEL = "presenter-panel"
PRESENTER_STATUS = "presenter-status"
SPEAKER_NOTES = "speaker-notes"
SPEAKER_NOTES_TITLE = "speaker-notes-title"
PRESENTER_QR = "presenter-qr"
AUDIENCE_LINK = "audience-link"
AUDIENCE_BAR = "audience-bar"
FOLLOW_STORE = "follow-store"
FOLLOW_INCOMING = "follow-incoming-store"
FOLLOW_TOGGLE = "follow-toggle"
FOLLOW_STATUS = "follow-status"

# Toolbar: presets, theme, lecture mode.
PRESET = "preset-dropdown"
PRESET_PREV = "preset-prev"
PRESET_NEXT = "preset-next"
PRESET_NOTE = "preset-note"
THEME = "theme-radio"
LECTURE = "lecture-checklist"
RESET = "reset-button"
KEYS_BUTTON = "keys-button"
COMPARE_BUTTON = "compare-button"
COMPARE = "compare-store"
#: The settings panel and the button that opens it as a drawer on narrow screens.
SETTINGS_PANEL = "settings-panel"
SETTINGS_TOGGLE = "settings-toggle"

# Controls (one per field of the settings state, see components/state.py).
DEPTH = "depth-slider"
MAX_INDEX = "max-index-slider"
N_SLIDER = "n-slider"
N_INPUT = "n-input"
N_LABEL = "n-label"
U_AUTO = "u-auto-checklist"
LEVEL = "level-input"
LEVEL_AUTO = "level-auto-checklist"
U_RANGE = "u-range-slider"
UNITS = "units-radio"
ACTIVATION = "activation-dropdown"
ACTIVATION_PARAM = "activation-param-slider"
ACTIVATION_PARAM_ROW = "activation-param-row"
ACTIVATION_PARAM_LABEL = "activation-param-label"
PIECES = "pieces-slider"
MU = "mu-slider"
SIGMA = "sigma-slider"
GAMMA = "gamma-slider"
KNOTS = "knots-textarea"
KNOTS_ROW = "knots-row"
SEED = "seed-input"
LAB_N = "lab-n-slider"
RUNS = "runs-slider"
NET_DATA = "net-data-radio"
NET_WIDTHS = "net-widths-input"
NET_RESTARTS = "net-restarts-input"
NET_EPOCHS = "net-epochs-input"
NET_OPT = "net-opt-radio"
NET_LR = "net-lr-input"
NET_LOSS = "net-loss-radio"
NET_HESSIAN = "net-hessian-checklist"
TABS = "view-tabs"

# State: the validated settings, and the slices each view listens to.
SETTINGS = "settings-store"
COMPLEXITY_STATE = "complexity-state-store"
LAYERED_STATE = "layered-state-store"
FINITE_STATE = "finite-state-store"
ACTIVATION_STATE = "activation-state-store"
EFFECT_STATE = "effect-state-store"
LAB_STATE = "lab-state-store"
MINIMA_STATE = "minima-state-store"
NETWORKS_STATE = "networks-state-store"


def explain(view: str) -> str:
    """The "What am I looking at?" panel of view ``view``."""
    return f"{view}-explain"


def view_state(view: str) -> str:
    """The store holding the settings slice of view ``view`` (written while it is shown)."""
    return f"{view}-state-store"


VIEW_STATES = {
    "complexity": COMPLEXITY_STATE,
    "layered": LAYERED_STATE,
    "finite": FINITE_STATE,
    "activation": ACTIVATION_STATE,
    "effect": EFFECT_STATE,
    "lab": LAB_STATE,
    "minima": MINIMA_STATE,
    "networks": NETWORKS_STATE,
}

# Drawing the analytic views in the browser from the server's tables (assets/redraw.js).
REDRAW_CONFIG = "redraw-config-store"
REDRAW_WARM = "redraw-warm-store"

# Messages.
NOTICE = "settings-notice"
COMPLEXITY_ALERT = "complexity-alert"
LAYERED_ALERT = "layered-alert"
FINITE_ALERT = "finite-alert"
ACTIVATION_ALERT = "activation-alert"
VIEW_ALERTS = {
    "complexity": COMPLEXITY_ALERT,
    "layered": LAYERED_ALERT,
    "finite": FINITE_ALERT,
    "activation": ACTIVATION_ALERT,
}

# Complexity view.
COMPLEXITY_GRAPH = "complexity-graph"
ENERGY_TABLE = "energy-table"
#: Per analytic view that draws φ ≡ 0 counts: the sentence saying when φ ≠ 0 changes them.
SCOPE_NOTES = {view: f"{view}-scope-note" for view in ("complexity", "layered", "finite")}
E0_VALUE = "e0-value"
EINF_VALUE = "einf-value"

# Finite-N view.
FINITE_NOTES = "finite-notes"

# Activation view.
ACTIVATION_GRAPH = "activation-graph"
ACTIVATION_STATS = "activation-stats"


# Activation-effect view (all prefixed "effect-").
MINIMA_ALERT = "minima-alert"
MINIMA_SUMMARY = "minima-summary"
MINIMA_PROFILE_GRAPH = "minima-profile-graph"
MINIMA_COMPLEXITY_GRAPH = "minima-complexity-graph"
MINIMA_GAMMA_GRAPH = "minima-gamma-graph"
MINIMA_N_GRAPH = "minima-n-graph"
MINIMA_DATA = "minima-data"
EFFECT_ALERT = "effect-alert"
EFFECT_SUMMARY = "effect-summary"
EFFECT_MODULATION_GRAPH = "effect-modulation-graph"
EFFECT_MODULATION_NOTES = "effect-modulation-notes"
EFFECT_MODULATION_DATA = "effect-modulation-data"
EFFECT_COMPARE_GRAPH = "effect-compare-graph"
EFFECT_COMPARE_NOTES = "effect-compare-notes"
EFFECT_COMPARE_DATA = "effect-compare-data"
EFFECT_N_INPUT = "effect-n"
EFFECT_U_INPUT = "effect-u"
EFFECT_RUN = "effect-run"
EFFECT_CANCEL = "effect-cancel"
EFFECT_PROGRESS = "effect-progress"
EFFECT_RUN_STORE = "effect-run-store"
EFFECT_COUNTS_ALERT = "effect-counts-alert"
EFFECT_COUNTS_GRAPH = "effect-counts-graph"
EFFECT_COUNTS_TABLE = "effect-counts-table"
EFFECT_COUNTS_STALE = "effect-counts-stale"
EFFECT_COUNTS_LOADING = "effect-counts-loading"

# Landscapes lab (all prefixed "lab-").
LAB_SHOWN = "lab-shown-store"
LAB_GLOBE_CARD = "lab-globe-card"
LAB_CHART_CARD = "lab-chart-card"
LAB_DESCENT_CARD = "lab-descent-card"
LAB_GLOBE_ALERT = "lab-globe-alert"
LAB_CHART_ALERT = "lab-chart-alert"
LAB_DESCENT_ALERT = "lab-descent-alert"
LAB_GLOBE_GRAPH = "lab-globe-graph"
LAB_GLOBE_INFO = "lab-globe-info"
LAB_COUNT_TABLE = "lab-count-table"
LAB_AVERAGE_RUN = "lab-average-run"
LAB_AVERAGE_CANCEL = "lab-average-cancel"
LAB_AVERAGE_PROGRESS = "lab-average-progress"
LAB_CHART_HEATMAP = "lab-chart-heatmap"
LAB_CHART_SURFACE = "lab-chart-surface"
LAB_PROFILE_GRAPH = "lab-profile-graph"
LAB_CHART_INFO = "lab-chart-info"
LAB_CHART_CANCEL = "lab-chart-cancel"
LAB_CHART_PROGRESS = "lab-chart-progress"
LAB_DESCENT_RUN = "lab-descent-run"
LAB_DESCENT_CANCEL = "lab-descent-cancel"
LAB_DESCENT_PROGRESS = "lab-descent-progress"
LAB_DESCENT_PROGRESS_LABEL = "lab-descent-progress-label"
LAB_DESCENT_GRAPH = "lab-descent-graph"
LAB_DESCENT_STATUS = "lab-descent-status"
LAB_QUANTILE_TABLE = "lab-quantile-table"
LAB_INDEX_TABLE = "lab-index-table"


def tab(view: str) -> str:
    """The tab of view ``view``."""
    return f"tab-{view}"


def lab_job_for(job: str) -> str:
    """The store of the settings a Landscapes job's shown result was computed for."""
    return f"lab-{job}-for-store"


def lab_job_note(job: str) -> str:
    """The stale / cancelled notice of a Landscapes job."""
    return f"lab-{job}-note"


def lab_job_memo(job: str) -> str:
    """What the notice of a Landscapes job remembers between updates (and its wording)."""
    return f"lab-{job}-note-memo"


def kept_panel(view: str) -> str:
    """The panel of a view whose content stays mounted while other tabs are shown."""
    return f"{view}-panel"


def mount_switch(view: str) -> str:
    """The switch that mounts a kept view's content at the first visit of its tab."""
    return f"{view}-mount"


def card(view: str) -> str:
    """The card (article) of an analytic view."""
    return f"{view}-card"


def label_of(control_id: str) -> str:
    """The label element of control ``control_id`` (its accessible name)."""
    return f"{control_id}-label"


def plot_block(plot: str) -> str:
    """The block holding plot ``plot``, its export row and its table view."""
    return f"{plot}-block"


def graph(plot: str) -> str:
    """The dcc.Graph of plot ``plot`` (a key of components.views.PLOTS)."""
    return f"{plot}-graph"


def data_table(plot: str) -> str:
    """The table view of plot ``plot``."""
    return f"{plot}-data"


def export_button(plot: str, fmt: str) -> str:
    """The export button of plot ``plot`` for ``fmt`` in png, svg, pdf, csv."""
    return f"{plot}-export-{fmt}"


def download(plot: str, fmt: str) -> str:
    """The dcc.Download of plot ``plot`` for ``fmt`` in pdf, csv."""
    return f"{plot}-download-{fmt}"


def export_message(plot: str) -> str:
    """Where the export of plot ``plot`` reports problems."""
    return f"{plot}-export-message"


# The "Real networks" tab.
NET_ALERT = "networks-alert"
NET_RUN_ALERT = "networks-run-alert"
NET_RUN = "networks-run"
NET_CANCEL = "networks-cancel"
NET_PROGRESS = "networks-progress"
NET_PROGRESS_LABEL = "networks-progress-label"
NET_PLAN = "networks-plan"
NET_STATUS = "networks-status"
NET_SUMMARY = "networks-summary"
NET_PIECES_TABLE = "networks-pieces-table"
NET_HESSIAN_TABLE = "networks-hessian-table"


def net_graph(plot: str) -> str:
    """The graph of plot ``plot`` of the "Real networks" tab."""
    return f"networks-{plot}-graph"


def net_block(plot: str) -> str:
    """The block holding plot ``plot`` of the "Real networks" tab."""
    return f"networks-{plot}-block"
