"""Why a value of the activation-effect view is not drawn: codes shared by its data
(components/data/effect.py, which sets them) and its figures (which shade them).

The codes are small integers so that a whole grid of them is a compact numpy array.
"""

from __future__ import annotations

__all__ = ["OK", "DIVERGES", "POLE", "NONFINITE", "PEAK", "REGIME"]

#: Shown; theory §5.5 diverges; pole minima dominate K₀; over- or underflow; peak at |s| > 4.
OK, DIVERGES, POLE, NONFINITE, PEAK = 0, 1, 2, 3, 4
#: Not the spin-glass regime at the user's N (theory §5.6): the minima sit at a macroscopic overlap.
REGIME = 5
