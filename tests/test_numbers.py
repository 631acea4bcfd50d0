"""The strict-number rule shared by the records, the evaluation and the CLI."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.numbers import check_number


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (math.nan, "must be finite"),
        (math.inf, "must be finite"),
        (-math.inf, "must be finite"),
        (np.float64("nan"), "must be finite"),
        (True, "not a boolean"),
        ("1.2", "not a string; write the number without quotes"),
        ("abc", "not a string; give a number"),
        ("inf", "not a string; give a number"),
        (None, "must be a number"),
        (10**400, "too large"),
    ],
)
def test_refused(value: object, rule: str) -> None:
    with pytest.raises(InputError, match=f"^dose_gy=.*{rule}"):
        check_number("dose_gy", value)


@pytest.mark.parametrize("value", [0, 2, -1.5, 1e300, np.float32(2.5), np.int64(3)])
def test_accepted(value: object) -> None:
    assert check_number("dose_gy", value) == float(value)  # type: ignore[arg-type]


def test_docstring_examples() -> None:
    import doctest

    import hccrt.numbers

    result = doctest.testmod(hccrt.numbers)
    assert result.attempted > 0
    assert result.failed == 0
