"""Argument checks shared by the compute modules.

Every public function of compute/ rejects bad input with a ``ValueError`` that names the
parameter and its allowed range, so the UI can show the message as it is.
"""

from __future__ import annotations

import operator

import numpy as np

__all__ = ["int_param", "phi_coefficients"]


def int_param(value, name: str, lo: int, hi: int | None = None, what: str = "") -> int:
    """``value`` as an ``int`` in ``[lo, hi]`` (``hi=None``: no upper bound), else ``ValueError``.

    Booleans are refused; numpy integers are accepted.  ``what`` is a plain-words name
    shown after the symbol, e.g. ``int_param(0, "N", 1, what="number of weights")`` fails with
    "N (number of weights) must be an integer >= 1, got 0".
    """
    allowed = f"an integer >= {lo}" if hi is None else f"an integer in [{lo}, {hi}]"
    label = f"{name} ({what})" if what else name
    if isinstance(value, bool):
        raise ValueError(f"{label} must be {allowed}, got {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise ValueError(f"{label} must be {allowed}, got {value!r}") from None
    if v < lo or (hi is not None and v > hi):
        raise ValueError(f"{label} must be {allowed}, got {value!r}")
    return v


def phi_coefficients(coeffs, H: int) -> np.ndarray:
    """``[κ_1, …, κ_{H-1}]`` of φ(s) = Σ κ_d s^d (theory §5.3), zero-padded to length ``H - 1``.

    ``None`` means φ ≡ 0.  At most ``H - 1`` finite real numbers are accepted.
    """
    out = np.zeros(H - 1)
    if coeffs is None:
        return out
    message = (
        f"coeffs must be a sequence of at most H-1 = {H - 1} finite real numbers "
        f"[kappa_1, ..., kappa_{H - 1}], got {coeffs!r}"
    )
    try:
        arr = np.asarray(coeffs, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if arr.ndim != 1 or arr.size > H - 1 or not np.all(np.isfinite(arr)):
        raise ValueError(message)
    out[: arr.size] = arr
    return out
