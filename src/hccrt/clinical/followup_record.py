"""The follow-up record read by ``hccrt followup`` (validated, frozen) and its loader.

Baseline and current labs with their ULNs and dates, RT dates, ``rt_ongoing``,
``high_dose_liver_rt``, ascites / hepatomegaly, ``tumor_progression_excluded`` and the Child-Pugh
score at baseline and now. Bilirubin and its ULN may be given in µmol/L (converted on load).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hccrt.clinical._lab_fields import (
    AlpUL,
    AlpUlnUL,
    AltUL,
    AltUlnUL,
    AstUL,
    AstUlnUL,
    BilirubinMgDl,
    BilirubinUlnMgDl,
)
from hccrt.clinical.patient import record_error
from hccrt.clinical.units import (
    BILIRUBIN_UMOL_L_PER_MG_DL,
    SiAlternative,
    check_plausible,
    convert_si_inputs,
    read_json_object,
    si_schema_properties,
)
from hccrt.errors import ClinicalInputError
from hccrt.numbers import WholeNumber

_Date = date  # the LabSet field is named ``date``; the alias keeps the annotation unambiguous
_SI = (
    SiAlternative(
        "bilirubin_umol_l", "bilirubin_mg_dl", BILIRUBIN_UMOL_L_PER_MG_DL, "µmol/L", "mg/dL"
    ),
    SiAlternative(
        "bilirubin_uln_umol_l", "bilirubin_uln_mg_dl", BILIRUBIN_UMOL_L_PER_MG_DL, "µmol/L", "mg/dL"
    ),
)


def _add_si_alternatives(schema: dict[str, Any]) -> None:
    schema.setdefault("properties", {}).update(si_schema_properties(_SI))


class LabSet(BaseModel):
    """Liver labs on one date; every value optional, each enzyme with its ULN (U/L)."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_add_si_alternatives)

    date: _Date = Field(description="Date the blood was drawn (ISO 8601).")
    alt_u_l: AltUL = None
    alt_uln_u_l: AltUlnUL = None
    ast_u_l: AstUL = None
    ast_uln_u_l: AstUlnUL = None
    alp_u_l: AlpUL = None
    alp_uln_u_l: AlpUlnUL = None
    bilirubin_mg_dl: BilirubinMgDl = None
    bilirubin_uln_mg_dl: BilirubinUlnMgDl = None
    child_pugh_score: WholeNumber | None = Field(
        None, ge=5, le=15, description="Child-Pugh score 5-15 on this date (RILD-CP2 rule)."
    )

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
    SCHEMA_DOC: ClassVar[str] = "docs/followup-schema.json"

    patient_id: str | None = None
    baseline: LabSet
    current: LabSet
    rt_start_date: date | None = Field(None, description="First day of liver RT.")
    rt_end_date: date | None = Field(
        None, description="Last day of liver RT (start of the 4-month RILD window)."
    )
    rt_ongoing: bool = Field(False, description="RT still running on the current lab date.")
    high_dose_liver_rt: bool | None = Field(None, description="The liver received high-dose RT.")
    ascites: bool | None = Field(None, description="New/rapidly increasing ascites.")
    hepatomegaly: bool | None = Field(None, description="New liver enlargement.")
    tumor_progression_excluded: bool | None = Field(
        None, description="Imaging excluded tumour progression as the cause (RILD criterion 4)."
    )

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
        if self.rt_ongoing and self.rt_start_date and self.current.date < self.rt_start_date:
            raise ClinicalInputError(
                "current.date",
                f"before rt_start_date {self.rt_start_date} while rt_ongoing is true",
                str(self.current.date),
                "grade labs drawn during RT; pre-RT labs belong in baseline",
            )
        if self.rt_start_date and self.rt_end_date and self.rt_end_date < self.rt_start_date:
            raise ClinicalInputError(
                "rt_end_date",
                f"before rt_start_date {self.rt_start_date}",
                str(self.rt_end_date),
                "check the RT dates",
            )
        return self


def parse_followup(data: Any) -> FollowupRecord:
    """Validate a decoded JSON object as a :class:`FollowupRecord` (errors as one line)."""
    if not isinstance(data, dict):
        raise ClinicalInputError("followup", "must be a JSON object", type(data).__name__)
    try:
        return FollowupRecord.model_validate(data)
    except ValidationError as error:
        raise record_error(error, FollowupRecord) from None


def load_followup(path: str | Path) -> FollowupRecord:
    """Read and validate a follow-up JSON file (errors as one :class:`ClinicalInputError` line)."""
    return parse_followup(read_json_object(path, "followup"))
