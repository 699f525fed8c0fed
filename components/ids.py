"""Component ids of the page, in one place so layout, callbacks and tests agree."""

# Controls (one per field of the settings state, see components/state.py).
DEPTH = "depth-slider"
MAX_INDEX = "max-index-slider"
ACTIVATION = "activation-dropdown"
ACTIVATION_PARAM = "activation-param-slider"
ACTIVATION_PARAM_ROW = "activation-param-row"
ACTIVATION_PARAM_LABEL = "activation-param-label"
PIECES = "pieces-slider"
MU = "mu-slider"
SIGMA = "sigma-slider"
KNOTS = "knots-textarea"
KNOTS_ROW = "knots-row"

# State: the validated settings, and the slices each view listens to.
SETTINGS = "settings-store"
COMPLEXITY_STATE = "complexity-state-store"
ACTIVATION_STATE = "activation-state-store"

# Messages.
NOTICE = "settings-notice"
COMPLEXITY_ALERT = "complexity-alert"
ACTIVATION_ALERT = "activation-alert"

# Complexity view.
COMPLEXITY_GRAPH = "complexity-graph"
ENERGY_TABLE = "energy-table"
E0_VALUE = "e0-value"
EINF_VALUE = "einf-value"

# Activation view.
ACTIVATION_GRAPH = "activation-graph"
ACTIVATION_STATS = "activation-stats"
