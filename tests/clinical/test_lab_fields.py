"""One home for the lab-field bounds: the patient record, follow-up and course lab sets agree."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from hccrt.clinical.course import CourseLabs, LabUlns, parse_course
from hccrt.clinical.followup_record import LabSet
from hccrt.clinical.patient import PatientRecord, parse_patient
from hccrt.errors import ClinicalInputError

SHARED = (
    "bilirubin_mg_dl",
    "alt_u_l",
    "alt_uln_u_l",
    "ast_u_l",
    "ast_uln_u_l",
    "alp_u_l",
    "alp_uln_u_l",
)
MODELS: tuple[type[BaseModel], ...] = (PatientRecord, LabSet, CourseLabs)


def _bounds(model: type[BaseModel], name: str) -> list[Any]:
    info = model.model_fields[name]
    return sorted(repr(m) for m in info.metadata if type(m).__name__ in ("Gt", "Ge", "Lt", "Le"))


@pytest.mark.parametrize("name", SHARED)
def test_every_model_has_the_same_bounds(name: str) -> None:
    assert len({tuple(_bounds(m, name)) for m in MODELS}) == 1


@pytest.mark.parametrize("name", ["albumin_g_dl", "inr", "platelets_10e9_l", "afp_ng_ml"])
def test_the_patient_record_and_the_course_labs_agree(name: str) -> None:
    assert _bounds(PatientRecord, name) == _bounds(CourseLabs, name)


def test_the_course_ulns_are_the_lab_set_ulns() -> None:
    for name in ("alt_uln_u_l", "ast_uln_u_l", "alp_uln_u_l", "bilirubin_uln_mg_dl"):
        assert _bounds(LabUlns, name) == _bounds(LabSet, name) == _bounds(CourseLabs, name)


def test_one_platelet_bound_for_record_and_course() -> None:
    # Until the bounds had one home the course refused 3000 x 10^9/L that the record accepted.
    assert parse_patient({"platelets_10e9_l": 3000}).platelets_10e9_l == 3000
    course = parse_course(
        {"events": [{"kind": "labs", "date": "2026-01-05", "platelets_10e9_l": 3000}]}
    )
    assert course.labs[0].platelets_10e9_l == 3000
    with pytest.raises(ClinicalInputError, match=r"platelets_10e9_l=5000: Input should be less"):
        parse_patient({"platelets_10e9_l": 5000})
    with pytest.raises(ClinicalInputError, match=r"events\.0\.platelets_10e9_l=5000: Input"):
        parse_course({"events": [{"kind": "labs", "date": "2026-01-05", "platelets_10e9_l": 5000}]})


def test_a_zero_alt_is_refused_alike() -> None:
    with pytest.raises(ClinicalInputError, match=r"alt_u_l=0: Input should be greater than 0"):
        parse_patient({"alt_u_l": 0})
    with pytest.raises(ClinicalInputError, match=r"events\.0\.alt_u_l=0: Input should be greater"):
        parse_course({"events": [{"kind": "labs", "date": "2026-01-05", "alt_u_l": 0}]})
