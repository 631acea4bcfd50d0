"""``followup(record)``: CTCAE v5 liver grades, RILD diagnosis and the stop-RT rule (seed 000).

The follow-up record (``FollowupRecord``; see ``docs/clinical.md``) holds baseline and current
labs with their ULNs and dates, the RT dates, whether RT is ongoing, whether the liver received
high-dose RT, ascites / hepatomegaly, whether tumour progression was excluded, and the
Child-Pugh score at baseline and now.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hccrt.clinical import followup_rules  # noqa: F401  (registers the follow-up rules)
from hccrt.clinical.ctcae import CtcaeGrade, ctcae_grade
from hccrt.clinical.findings import Finding, Traced, finding, trace
from hccrt.clinical.patient import record_error
from hccrt.clinical.rules.rt_safety import add_months
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


class Rild(Traced):
    """RILD status: classic, non_classic, none or indeterminate (with what is missing)."""

    status: str


class FollowupResult(BaseModel):
    """CTCAE grades, RILD status, stop-RT recommendation and supportive measures."""

    model_config = _FROZEN

    patient_id: str | None
    ctcae: dict[str, CtcaeGrade]
    max_ctcae_grade: int | None
    rild: Rild
    recommend_stop_rt: bool | None
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]
    supportive_measures: tuple[str, ...]


def _grades(r: FollowupRecord) -> dict[str, CtcaeGrade]:
    b, c = r.baseline, r.current
    return {
        "alt": ctcae_grade("alt", c.alt_u_l, c.alt_uln_u_l, b.alt_u_l),
        "ast": ctcae_grade("ast", c.ast_u_l, c.ast_uln_u_l, b.ast_u_l),
        "alp": ctcae_grade("alp", c.alp_u_l, c.alp_uln_u_l, b.alp_u_l),
        "bilirubin": ctcae_grade(
            "bilirubin", c.bilirubin_mg_dl, c.bilirubin_uln_mg_dl, b.bilirubin_mg_dl
        ),
    }


def _enzymes(r: FollowupRecord) -> tuple[bool | None, list[Finding]]:
    c, hits, known = r.current, [], False
    if c.alp_u_l is not None and c.alp_uln_u_l is not None:
        known = True
        if c.alp_u_l > 2.0 * c.alp_uln_u_l:
            hits.append(
                finding(
                    "RILD-ATYPICAL",
                    f"ALP {c.alp_u_l:g} > 2 × ULN {c.alp_uln_u_l:g}",
                    alp_x_uln=round(c.alp_u_l / c.alp_uln_u_l, 2),
                )
            )
    if c.alt_u_l is not None and c.alt_uln_u_l is not None:
        known = True
        if c.alt_u_l > 5.0 * c.alt_uln_u_l:
            hits.append(
                finding(
                    "RILD-ATYPICAL",
                    f"ALT {c.alt_u_l:g} > 5 × ULN {c.alt_uln_u_l:g}",
                    alt_x_uln=round(c.alt_u_l / c.alt_uln_u_l, 2),
                )
            )
    return (bool(hits) if known else None), hits


def _preconditions(r: FollowupRecord) -> list[Finding]:
    """Unmet or unknown RILD preconditions (empty when all are met)."""
    out = []
    if r.high_dose_liver_rt is not True:
        state = "not recorded" if r.high_dose_liver_rt is None else "no"
        out.append(finding("RILD-DX", f"high-dose liver RT: {state}"))
    if r.rt_ongoing:
        out.append(finding("RILD-DX", "RT is ongoing: RILD is diagnosed after the end of RT"))
    elif r.rt_end_date is None:
        out.append(finding("RILD-WINDOW", "rt_end_date missing: 4-month window cannot be checked"))
    elif not (r.rt_end_date <= r.current.date <= add_months(r.rt_end_date, 4)):
        out.append(
            finding(
                "RILD-WINDOW",
                f"labs of {r.current.date} outside the 4 months after RT end {r.rt_end_date}",
                rt_end_date=str(r.rt_end_date),
            )
        )
    if r.tumor_progression_excluded is not True:
        state = "not recorded" if r.tumor_progression_excluded is None else "no"
        out.append(finding("RILD-EXCL", f"tumour progression excluded: {state}"))
    return out


def rild(r: FollowupRecord) -> Rild:
    """RILD classification of seed 000 (plus Child-Pugh rise ≥ 2, clinical-facts §5.1)."""
    enzymes, hits = _enzymes(r)
    b_cp, c_cp = r.baseline.child_pugh_score, r.current.child_pugh_score
    cp_rise = None if b_cp is None or c_cp is None else c_cp - b_cp >= 2
    if cp_rise and b_cp is not None and c_cp is not None:
        hits.append(finding("RILD-CP2", f"Child-Pugh score {b_cp} -> {c_cp} (+{c_cp - b_cp})"))
    if not hits:
        if enzymes is None:
            return Rild(
                status="indeterminate",
                **trace(
                    [
                        finding(
                            "RILD-ATYPICAL",
                            "ALP/ALT with ULN not recorded: RILD cannot be excluded",
                        )
                    ]
                ),
            )
        note = "" if cp_rise is not None else " (Child-Pugh change not recorded)"
        return Rild(
            status="none",
            **trace([finding("RILD-ATYPICAL", f"ALP ≤ 2 × ULN and ALT ≤ 5 × ULN{note}")]),
        )
    unmet = _preconditions(r)
    if unmet:
        head = finding("RILD-DX", "liver injury found but RILD criteria not all met")
        return Rild(status="indeterminate", **trace([*hits, head, *unmet]))
    if enzymes and r.ascites and r.hepatomegaly:
        return Rild(
            status="classic",
            **trace(
                [
                    *hits,
                    finding(
                        "RILD-CLASSIC",
                        "ascites and hepatomegaly with ALP > 2 × ULN or ALT > 5 × ULN",
                    ),
                ]
            ),
        )
    if enzymes and (r.ascites is None or r.hepatomegaly is None):
        return Rild(
            status="indeterminate",
            **trace(
                [
                    *hits,
                    finding(
                        "RILD-CLASSIC",
                        "ascites/hepatomegaly not recorded: classic vs non-classic open",
                    ),
                ]
            ),
        )
    return Rild(
        status="non_classic",
        **trace(
            [
                *hits,
                finding(
                    "RILD-ATYPICAL", "liver-function impairment without hepatomegaly and ascites"
                ),
            ]
        ),
    )


SUPPORTIVE = (
    "adrenal glucocorticoids",
    "diuretics",
    "aggressive hepatoprotective drugs",
    "supportive therapy",
)


def followup(record: FollowupRecord) -> FollowupResult:
    """Grade toxicity, classify RILD and decide whether to recommend stopping RT."""
    grades = _grades(record)
    known = [g.grade for g in grades.values() if g.grade is not None]
    worst = max(known) if known else None
    result = rild(record)
    found: list[Finding] = []
    stop: bool | None = False
    if record.rt_ongoing:
        if worst is None:
            stop = None
            found.append(finding("ACUTE-STOP", "RT ongoing but no liver lab could be graded"))
        elif worst >= 2:
            stop = True
            found.append(
                finding(
                    "ACUTE-STOP",
                    f"liver injury CTCAE grade {worst} ≥ 2 during RT: "
                    "stop RT (up to 60 % later RILD if continued)",
                    max_grade=worst,
                )
            )
        else:
            found.append(
                finding(
                    "ACUTE-TOX",
                    f"acute liver toxicity grade {worst} < 2: continue RT with monitoring",
                    max_grade=worst,
                )
            )
    measures: tuple[str, ...] = ()
    if result.status in {"classic", "non_classic"}:
        measures = SUPPORTIVE
        found.append(
            finding("RILD-TREAT", "RILD: symptomatic treatment (" + ", ".join(SUPPORTIVE) + ")")
        )
    traced = trace(found)
    reasons = (*traced["reasons"], *result.reasons)
    return FollowupResult(
        patient_id=record.patient_id,
        ctcae=grades,
        max_ctcae_grade=worst,
        rild=result,
        recommend_stop_rt=stop,
        reasons=tuple(dict.fromkeys(reasons)),
        rule_ids=tuple(dict.fromkeys((*traced["rule_ids"], *result.rule_ids, "CTCAE-V5-LIVER"))),
        supportive_measures=measures,
    )


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
