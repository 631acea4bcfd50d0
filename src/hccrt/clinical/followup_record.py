"""The follow-up record read by ``hccrt followup`` (validated, frozen) and its loader.

Baseline and current labs with their ULNs and dates, RT dates, ``rt_ongoing``,
``high_dose_liver_rt``, ascites / hepatomegaly, ``tumor_progression_excluded`` and the Child-Pugh
score at baseline and now. Bilirubin and its ULN may be given in µmol/L (converted on load).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hccrt.clinical.patient import record_error
from hccrt.clinical.units import (
    BILIRUBIN_UMOL_L_PER_MG_DL,
    SiAlternative,
    check_plausible,
    convert_si_inputs,
)
from hccrt.errors import ClinicalInputError

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_SI = (
    SiAlternative(
        "bilirubin_umol_l", "bilirubin_mg_dl", BILIRUBIN_UMOL_L_PER_MG_DL, "µmol/L", "mg/dL"
    ),
    SiAlternative(
        "bilirubin_uln_umol_l", "bilirubin_uln_mg_dl", BILIRUBIN_UMOL_L_PER_MG_DL, "µmol/L", "mg/dL"
    ),
)


class LabSet(BaseModel):
    """Liver labs on one date; every value optional, each enzyme with its ULN (U/L)."""

    model_config = _FROZEN

    date: date
    alt_u_l: float | None = Field(None, gt=0, lt=100000)
    alt_uln_u_l: float | None = Field(None, gt=0, lt=1000)
    ast_u_l: float | None = Field(None, gt=0, lt=100000)
    ast_uln_u_l: float | None = Field(None, gt=0, lt=1000)
    alp_u_l: float | None = Field(None, gt=0, lt=100000)
    alp_uln_u_l: float | None = Field(None, gt=0, lt=2000)
    bilirubin_mg_dl: float | None = None
    bilirubin_uln_mg_dl: float | None = Field(None, gt=0, le=3)
    child_pugh_score: int | None = Field(None, ge=5, le=15)

    @model_validator(mode="before")
    @classmethod
    def _convert(cls, data: Any) -> Any:
        return convert_si_inputs(data, _SI) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _plausible(self) -> LabSet:
        if self.bilirubin_mg_dl is not None:
            check_plausible("bilirubin_mg_dl", self.bilirubin_mg_dl)
        return self


class FollowupRecord(BaseModel):
    """Follow-up during or after liver RT (frozen, validated)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="HCC RT follow-up record")

    patient_id: str | None = None
    baseline: LabSet
    current: LabSet
    rt_start_date: date | None = None
    rt_end_date: date | None = None
    rt_ongoing: bool = False
    high_dose_liver_rt: bool | None = Field(None, description="The liver received high-dose RT.")
    ascites: bool | None = Field(None, description="New/rapidly increasing ascites.")
    hepatomegaly: bool | None = Field(None, description="New liver enlargement.")
    tumor_progression_excluded: bool | None = None

    @model_validator(mode="after")
    def _dates(self) -> FollowupRecord:
        if self.current.date < self.baseline.date:
            raise ClinicalInputError(
                "current.date",
                f"before baseline.date {self.baseline.date}",
                str(self.current.date),
                "check the lab dates",
            )
        if (
            self.rt_ongoing
            and self.rt_end_date is not None
            and self.rt_end_date < self.current.date
        ):
            raise ClinicalInputError(
                "rt_ongoing",
                f"true but rt_end_date {self.rt_end_date} is before the current labs",
                True,
                "set rt_ongoing false",
            )
        if self.rt_start_date and self.rt_end_date and self.rt_end_date < self.rt_start_date:
            raise ClinicalInputError(
                "rt_end_date",
                f"before rt_start_date {self.rt_start_date}",
                str(self.rt_end_date),
                "check the RT dates",
            )
        return self


def load_followup(path: str | Path) -> FollowupRecord:
    """Read and validate a follow-up JSON file (errors as one :class:`ClinicalInputError` line)."""
    path = Path(path)
    if not path.is_file():
        raise ClinicalInputError(str(path), "file not found", None, "give the path of a JSON file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ClinicalInputError(str(path), f"not valid JSON ({error})", None) from None
    if not isinstance(data, dict):
        raise ClinicalInputError("followup", "must be a JSON object", type(data).__name__)
    try:
        return FollowupRecord.model_validate(data)
    except ValidationError as error:
        raise record_error(error, FollowupRecord) from None
