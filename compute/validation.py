"""Argument checks shared by the compute modules.

Every public function of compute/ rejects bad input with a ``ValueError`` that names the
parameter and its allowed range, so the UI can show the message as it is.  One rule for each
kind of argument:

* integers (:func:`int_param`): ``operator.index`` semantics, booleans refused;
* real parameters (:func:`real_param`): finite, in a closed range;
* levels ``u_max`` bounding a count (:func:`level_param`, :func:`level_array`): a real number or ``±inf``, never NaN;
  ``-inf`` means the empty set (count 0), ``+inf`` no bound;
* grids of loss values (:func:`finite_array`): finite;
* φ's coefficients (:func:`phi_coefficients`).
"""

from __future__ import annotations

import math
import operator

import numpy as np

__all__ = ["int_param", "real_param", "level_param", "finite_array", "level_array", "phi_coefficients"]


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


def phi_coefficients(coeffs, H: int, exact: bool = False) -> np.ndarray:
    """``[κ_1, …, κ_{H-1}]`` of φ(s) = Σ κ_d s^d (theory §5.3), zero-padded to length ``H - 1``.

    ``None`` means φ ≡ 0.  At most ``H - 1`` finite real numbers are accepted (exactly
    ``H - 1`` with ``exact``).
    """
    out = np.zeros(H - 1)
    if coeffs is None:
        return out

    def message() -> str:  # built only on failure (the repr of an array is slow)
        count = "exactly" if exact else "at most"
        return (f"coeffs must be a sequence of {count} H-1 = {H - 1} finite real numbers "
                f"[kappa_1, ..., kappa_{H - 1}] (theory §5.3), got {coeffs!r}")

    try:
        arr = np.asarray(coeffs, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(message()) from None
    if (arr.ndim != 1 or arr.size > H - 1 or (exact and arr.size != H - 1)
            or not np.all(np.isfinite(arr))):
        raise ValueError(message())
    out[: arr.size] = arr
    return out


def real_param(value, name: str, lo: float | None = None, hi: float | None = None, what: str = "") -> float:
    """``value`` as a finite ``float`` in ``[lo, hi]`` (``None``: unbounded on that side), else ``ValueError``.

    NaN and ±inf are refused (a level that may be infinite goes through :func:`level_param`);
    booleans and strings too.  Message: "sigma (...) must be a finite real number in [0.01, 10], got 0".
    """
    label = f"{name} ({what})" if what else name
    if lo is not None and hi is not None:
        allowed = f"a finite real number in [{lo:g}, {hi:g}]"
    elif lo is not None:
        allowed = f"a finite real number >= {lo:g}"
    elif hi is not None:
        allowed = f"a finite real number <= {hi:g}"
    else:
        allowed = "a finite real number"
    v = _as_float(value)
    if v is None or not math.isfinite(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{label} must be {allowed}, got {value!r}")
    return v


def level_param(value, name: str = "u_max", what: str = "loss per weight") -> float:
    """A level bounding a count from above: a real number or ±inf, never NaN (one rule for compute/).

    ``+inf`` counts everything; ``-inf`` is the empty set of loss values, so every count below it is
    exactly 0 (no critical point has loss ``-inf``).  Booleans and strings are refused.
    """
    v = _as_float(value)
    if v is None or math.isnan(v):
        label = f"{name} ({what})" if what else name
        raise ValueError(f"{label} must be a real number or +-inf, got {value!r}")
    return v


def finite_array(value, name: str, what: str = "") -> np.ndarray:
    """``value`` as a float array of finite numbers, else ``ValueError`` naming ``name``."""
    label = f"{name} ({what})" if what else name
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{label} must be finite real numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{label} must be finite real numbers, got {value!r}")
    return arr


def _as_float(value) -> float | None:
    if isinstance(value, (bool, str, bytes)) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def level_array(value, name: str = "u_max", what: str = "loss per weight") -> np.ndarray:
    """A grid of levels: float array of real numbers or ±inf (the rule of :func:`level_param`), never NaN."""
    label = f"{name} ({what})" if what else name
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{label} must be real numbers or +-inf, got {value!r}") from None
    if np.any(np.isnan(arr)):
        raise ValueError(f"{label} must be real numbers or +-inf, not nan")
    return arr
