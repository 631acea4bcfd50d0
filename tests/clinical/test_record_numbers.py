"""Every number of the patient and follow-up records refuses NaN, infinities, booleans and strings.

The numeric fields are found by walking the pydantic models, so a field added later is covered
without editing this test (issue 15 item 2; issue 16 defects 3 and 4).
"""

from __future__ import annotations

import itertools
import json
import math
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from hccrt.clinical.followup_record import FollowupRecord, LabSet, load_followup, parse_followup
from hccrt.clinical.patient import ExtrahepaticDisease, PatientRecord, Tumor, parse_patient
from hccrt.clinical.units import SI_ALTERNATIVES
from hccrt.errors import ClinicalInputError

# The smallest valid object of each nested model (a new nested model must be added here).
MINIMAL: dict[type[BaseModel], dict[str, Any]] = {
    Tumor: {"diameter_cm": 2.0},
    ExtrahepaticDisease: {"site": "bone"},
    LabSet: {"date": "2024-01-01"},
    PatientRecord: {},
    FollowupRecord: {"baseline": {"date": "2024-01-01"}, "current": {"date": "2024-02-01"}},
}
BAD = [math.nan, math.inf, -math.inf, True, False, "1.2", "nan", "1e400"]


def _members(annotation: Any) -> list[Any]:
    """The types inside an annotation: unions, Annotated, Optional and tuple[X, ...] unwrapped."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _is_sequence(annotation: Any) -> bool:
    options = typing.get_args(annotation) if typing.get_origin(annotation) else ()
    return typing.get_origin(annotation) in (tuple, list) or any(map(_is_sequence, options))


def numeric_paths(model: type[BaseModel], prefix: tuple[str | int, ...] = ()) -> list[tuple]:
    """Locations of every float/int field in ``model`` and its nested models."""
    paths: list[tuple[str | int, ...]] = []
    for name, info in model.model_fields.items():
        members = _members(info.annotation)
        if any(m in (int, float) for m in members):
            paths.append((*prefix, name))
        for member in members:
            if isinstance(member, type) and issubclass(member, BaseModel):
                step = (name, 0) if _is_sequence(info.annotation) else (name,)
                paths.extend(numeric_paths(member, (*prefix, *step)))
    return paths


def _document(model: type[BaseModel], path: tuple, value: Any) -> dict[str, Any]:
    """A minimal valid document of ``model`` with ``value`` written at ``path``."""
    document = json.loads(json.dumps(MINIMAL[model]))
    node: Any = document
    current: type[BaseModel] = model
    for step, following in itertools.pairwise(path):
        if isinstance(step, int):
            continue
        annotation = current.model_fields[step].annotation
        current = next(
            m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)
        )
        if isinstance(following, int):
            node.setdefault(step, [dict(MINIMAL[current])])
            node = node[step][0]
        else:
            node = node.setdefault(step, dict(MINIMAL[current]))
    node[path[-1]] = value
    return document


PATIENT_PATHS = numeric_paths(PatientRecord)
FOLLOWUP_PATHS = numeric_paths(FollowupRecord)
SI_PATHS = [(alt.si_field,) for alt in SI_ALTERNATIVES]


def test_the_walk_finds_the_numbers() -> None:
    assert ("bilirubin_mg_dl",) in PATIENT_PATHS
    assert ("age_years",) in PATIENT_PATHS
    assert ("tumors", 0, "diameter_cm") in PATIENT_PATHS
    assert ("extrahepatic_disease", 0, "count") in PATIENT_PATHS
    assert ("current", "bilirubin_mg_dl") in FOLLOWUP_PATHS
    assert len(PATIENT_PATHS) >= 20
    assert len(FOLLOWUP_PATHS) >= 18


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATIENT_PATHS + SI_PATHS), st.sampled_from(BAD))
def test_patient_numbers_refuse_non_numbers(path: tuple, bad: Any) -> None:
    field = ".".join(str(p) for p in path)
    with pytest.raises(ClinicalInputError, match=rf"^{field}="):
        parse_patient(_document(PatientRecord, path, bad))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FOLLOWUP_PATHS), st.sampled_from(BAD))
def test_followup_numbers_refuse_non_numbers(path: tuple, bad: Any) -> None:
    field = ".".join(str(p) for p in path)
    with pytest.raises(ClinicalInputError, match=rf"^{field}="):
        parse_followup(_document(FollowupRecord, path, bad))


def test_nan_bilirubin_does_not_score_child_pugh_a() -> None:
    # issue 15 item 2: NaN bilirubin scored 1 point, giving Child-Pugh A.
    with pytest.raises(ClinicalInputError, match="bilirubin_mg_dl=nan: must be finite"):
        parse_patient({"bilirubin_mg_dl": math.nan, "albumin_g_dl": 4.0, "inr": 1.0})


def test_numeric_string_is_refused_with_the_fix() -> None:
    with pytest.raises(ClinicalInputError, match="not a string; write the number without quotes"):
        parse_patient({"inr": "1.2"})


def test_issue_16_defect_3_booleans_are_not_numbers() -> None:
    # Issue 16 defect 3: "Booleans and numeric strings are accepted as numbers
    # ("bilirubin_mg_dl": true is read as 1.0, exit 0)."
    for field in ("bilirubin_mg_dl", "diameter_cm", "age_years"):
        document = {"tumors": [{"diameter_cm": True}]} if field == "diameter_cm" else {field: True}
        with pytest.raises(ClinicalInputError, match="not a boolean"):
            parse_patient(document)


def test_issue_16_defect_4_followup_errors_point_to_the_followup_schema(tmp_path: Path) -> None:
    # Issue 16 defect 4: "Follow-up input errors point to docs/patient-schema.json instead of
    # docs/followup-schema.json".
    file = tmp_path / "followup.json"
    file.write_text(json.dumps({"baseline": {"date": "2024-01-01"}, "current": {}}))
    with pytest.raises(ClinicalInputError, match=r"see docs/followup-schema\.json$"):
        load_followup(file)
    file.write_text(json.dumps({**MINIMAL[FollowupRecord], "rt_start": "2024-01-01"}))
    with pytest.raises(ClinicalInputError, match="unknown field"):
        load_followup(file)
    with pytest.raises(ClinicalInputError, match=r"see docs/patient-schema\.json$"):
        parse_patient({"age_years": [1]})
