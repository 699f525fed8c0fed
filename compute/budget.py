"""Work budgets: explicit caps on what one computation may spend.

Every compute entry point that can grow with its arguments (start sets, point sets, Monte
Carlo samples, tensors, iterations) takes a :class:`WorkBudget` and refuses, before or
while working, with :class:`BudgetExceeded` -- a ``ValueError`` whose message names the
argument to change, and whose ``setting`` attribute holds that name so a caller can map
it to its own control (e.g. ``"coeffs"`` to the activation's strength).

A budget is plain data (ints and floats), so it can be passed to a worker process.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

__all__ = ["WorkBudget", "BudgetExceeded", "Deadline", "DEFAULT_BUDGET"]


class BudgetExceeded(ValueError):
    """A computation needs more than its budget; ``setting`` names what to change."""

    def __init__(self, message: str, setting: str):
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class WorkBudget:
    """Caps on one computation.

    ``max_starts``: Newton/descent start points summed over all rounds;
    ``max_points``: distinct points a deduplication may hold;
    ``max_samples``: Monte Carlo samples;
    ``max_bytes``: the largest array (or working set) allocated at once;
    ``max_seconds``: wall-clock time, ``None`` for no limit.
    """

    max_starts: int = 200_000
    max_points: int = 100_000
    max_samples: int = 10_000_000
    max_bytes: int = 3 * 2**30
    max_seconds: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_starts", "max_points", "max_samples", "max_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        s = self.max_seconds
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float)) or not s > 0 or not math.isfinite(s)):
            raise ValueError(f"max_seconds must be a positive finite number or None, got {s!r}")

    def with_(self, **changes) -> "WorkBudget":
        """A copy with some caps changed."""
        return replace(self, **changes)

    def deadline(self) -> "Deadline":
        """A clock started now that expires after ``max_seconds``."""
        return Deadline(self.max_seconds)


#: The budget used when a caller passes none: generous, but finite in memory.
DEFAULT_BUDGET = WorkBudget()


class Deadline:
    """Wall-clock limit started at construction; ``expired()`` is cheap to poll."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + float(seconds)

    def expired(self) -> bool:
        return self._end is not None and time.monotonic() > self._end
