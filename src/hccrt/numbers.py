"""Strict numbers for clinical and dose input: finite, and never a boolean or a string.

JSON and form input reach the models as Python values, and pydantic's lax mode reads ``true`` as
1.0, ``"1.2"`` as 1.2 and accepts ``NaN``. A NaN bilirubin scores one Child-Pugh point (every
comparison with NaN is false), so these values are refused at the boundary instead:

* :func:`check_number` is the one rule, for plain functions and dataclasses;
* :data:`FiniteFloat` and :data:`WholeNumber` apply it to pydantic fields.

Every refusal is an :class:`~hccrt.errors.InputError` naming the field, the rule, the value and
the fix.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo

from hccrt.errors import InputError

__all__ = ["FiniteFloat", "WholeNumber", "check_number"]


def check_number(field: str, value: Any) -> float:
    """Return ``value`` as a float once it is known to be a finite int or float.

    Parameters
    ----------
    field
        Name shown in the error message.
    value
        The candidate: an ``int`` or ``float`` (NumPy scalars included), not a ``bool``.

    Returns
    -------
    float
        The value as a float.

    Raises
    ------
    InputError
        A boolean, a string (numeric strings get "write the number without quotes"), another
        non-number, NaN, an infinity, or an integer too large for a float.

    Examples
    --------
    >>> check_number("inr", 1.2)
    1.2
    >>> check_number("inr", True)
    Traceback (most recent call last):
    ...
    hccrt.errors.InputError: inr=True: must be a number, not a boolean; give the number
    """
    if isinstance(value, bool):
        raise InputError(field, "must be a number, not a boolean", value, "give the number")
    if isinstance(value, str):
        fix = "write the number without quotes" if _parses(value) else "give a number"
        raise InputError(field, "must be a number, not a string", repr(value), fix)
    try:
        number = float(value)
    except OverflowError:
        raise InputError(
            field, "too large for a number", "a huge integer", "check the value"
        ) from None
    except (TypeError, ValueError):
        raise InputError(field, "must be a number", type(value).__name__, "give a number") from None
    if not math.isfinite(number):
        raise InputError(
            field, "must be finite (not NaN or infinity)", value, "give the measured value"
        )
    return number


def _parses(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _strict(value: Any, info: ValidationInfo) -> Any:
    if value is None or isinstance(value, list | tuple | dict):
        return value  # None is "not known"; containers get pydantic's own type error
    check_number(info.field_name or "value", value)
    return value


FiniteFloat = Annotated[float, BeforeValidator(_strict)]
"""A pydantic float field that refuses NaN, infinities, booleans and strings."""

WholeNumber = Annotated[int, BeforeValidator(_strict)]
"""A pydantic int field that refuses NaN, infinities, booleans and strings."""
