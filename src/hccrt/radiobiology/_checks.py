"""Input checks shared by the radiobiology functions (raise :class:`~hccrt.errors.InputError`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.errors import ClinicalInputError, InputError

FloatArray = npt.NDArray[np.float64]


def positive(name: str, value: Any, fix: str = "") -> float:
    """Return ``value`` as a float after checking it is finite and > 0."""
    number = finite(name, value, fix)
    if number <= 0.0:
        raise InputError(name, "must be > 0", value, fix or f"give a positive {name}")
    return number


def non_negative(name: str, value: Any, fix: str = "") -> float:
    """Return ``value`` as a float after checking it is finite and >= 0."""
    number = finite(name, value, fix)
    if number < 0.0:
        raise InputError(name, "must be >= 0", value, fix or f"give a non-negative {name}")
    return number


def fraction_count(name: str, value: Any) -> int:
    """Return a number of fractions after checking it is a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(name, "must be a whole number >= 1", value, "give e.g. 5")
    if not math.isfinite(float(value)) or float(value) != int(value) or int(value) < 1:
        raise InputError(name, "must be a whole number >= 1", value, "give e.g. 5")
    return int(value)


def finite(name: str, value: Any, fix: str = "") -> float:
    """Return ``value`` as a float after checking it is a finite number (any sign)."""
    if isinstance(value, bool):
        raise InputError(name, "must be a number", value, fix or "give a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(name, "must be a number", value, fix or "give a number") from None
    if not math.isfinite(number):
        raise InputError(name, "must be finite (not NaN or infinity)", value, fix or "check input")
    return number


def non_negative_array(name: str, values: Any) -> FloatArray:
    """Return a float64 copy of ``values`` after checking every entry is finite and >= 0."""
    array = np.array(values, dtype=np.float64)
    if array.size and not np.all(np.isfinite(array)):
        first = int(np.flatnonzero(~np.isfinite(array.ravel()))[0])
        raise InputError(
            name,
            f"contains NaN or infinity (first at flat index {first})",
            float(array.ravel()[first]),
            "remove or fix the non-finite entries",
        )
    if array.size and np.any(array < 0.0):
        first = int(np.flatnonzero(array.ravel() < 0.0)[0])
        raise InputError(
            name,
            f"must be >= 0 everywhere (first negative at flat index {first})",
            float(array.ravel()[first]),
            "check the units and sign of the input",
        )
    return array


_CHILD_PUGH_SCORES = {"A": range(5, 7), "B": range(7, 10), "C": range(10, 16)}


def child_pugh_letter(value: Any) -> str:
    """Return the Child-Pugh class letter of ``"A"``, ``"b"``, ``"B7"`` ... (score must match).

    Raises
    ------
    ClinicalInputError
        For anything that is not A, B or C, optionally followed by a score of that class
        (A5-A6, B7-B9, C10-C15).
    """
    text = str(value).strip().upper()
    letter, score = text[:1], text[1:]
    valid = letter in _CHILD_PUGH_SCORES and (
        not score or (score.isdigit() and int(score) in _CHILD_PUGH_SCORES[letter])
    )
    if not valid:
        raise ClinicalInputError(
            "child_pugh_class",
            "must be A, B or C, optionally with a matching score (A5-A6, B7-B9, C10-C15)",
            value,
            "give the Child-Pugh class, e.g. A or B7",
        )
    return letter
