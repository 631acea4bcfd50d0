"""The patient form refuses NaN and infinities typed into a number field (issue 15 item 2)."""

from __future__ import annotations

import pytest

from hccrt.web.patient_form import validate_form


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("bilirubin", "nan"),
        ("albumin", "NaN"),
        ("creatinine", "inf"),
        ("inr", "nan"),
        ("sodium_mmol_l", "-inf"),
        ("age_years", "nan"),
        ("tumors.0.diameter_cm", "1e999"),
    ],
)
def test_non_finite_form_value_is_refused_next_to_its_field(field: str, typed: str) -> None:
    result = validate_form({field: typed})
    assert result.record is None
    assert "must be finite (not NaN or infinity)" in result.errors[field]


def test_whole_numbers_typed_with_a_decimal_point_are_read() -> None:
    result = validate_form({"age_years": "64.0", "kps": "80", "inr": "1.1"})
    assert result.errors == {}
    assert result.record is not None
    assert result.record.age_years == 64


def test_text_in_a_number_field_is_refused() -> None:
    result = validate_form({"inr": "one"})
    assert "must be a number, not a string" in result.errors["inr"]
