"""Component ids of the page, in one place so layout, callbacks and tests agree."""

# Page, address bar and the keyboard.
PAGE = "page"
URL = "url"
KEY_EVENT = "key-event-store"
PERMALINK = "permalink-box"
COPY_LINK = "copy-link"

# Toolbar: presets, theme, lecture mode.
PRESET = "preset-dropdown"
PRESET_PREV = "preset-prev"
PRESET_NEXT = "preset-next"
PRESET_NOTE = "preset-note"
THEME = "theme-radio"
LECTURE = "lecture-checklist"

# Controls (one per field of the settings state, see components/validation.py).
DEPTH = "depth-slider"
MAX_INDEX = "max-index-slider"
N_SLIDER = "n-slider"
N_INPUT = "n-input"
N_LABEL = "n-label"
U_AUTO = "u-auto-checklist"
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
TABS = "view-tabs"

# State: the validated settings, and the slices each view listens to.
SETTINGS = "settings-store"
COMPLEXITY_STATE = "complexity-state-store"
LAYERED_STATE = "layered-state-store"
FINITE_STATE = "finite-state-store"
ACTIVATION_STATE = "activation-state-store"
VIEW_STATES = {
    "complexity": COMPLEXITY_STATE,
    "layered": LAYERED_STATE,
    "finite": FINITE_STATE,
    "activation": ACTIVATION_STATE,
}

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
E0_VALUE = "e0-value"
EINF_VALUE = "einf-value"

# Finite-N view.
FINITE_NOTES = "finite-notes"

# Activation view.
ACTIVATION_GRAPH = "activation-graph"
ACTIVATION_STATS = "activation-stats"


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
