import pytest

from hccrt.errors import ClinicalInputError, InputError


def test_message_names_field_rule_value_and_fix() -> None:
    error = ClinicalInputError(
        "bilirubin_mg_dl", "above 30 mg/dL", 34, "did you mean µmol/L? use bilirubin_umol_l"
    )
    assert str(error) == (
        "bilirubin_mg_dl=34: above 30 mg/dL; did you mean µmol/L? use bilirubin_umol_l"
    )
    assert isinstance(error, ValueError)


def test_message_without_value_or_fix() -> None:
    assert str(InputError("patient.json", "file not found")) == "patient.json: file not found"


def test_raises_as_value_error() -> None:
    with pytest.raises(ValueError, match=r"inr=-1: must be > 0"):
        raise InputError("inr", "must be > 0", -1)
