"""Staging: BCLC 2022 (Reig et al., J Hepatol 2022) and China Liver Cancer (CNLC 2019).

Both need the tumour count and sizes, vascular invasion, extrahepatic spread, performance status
and Child-Pugh class; a missing input gives ``insufficient_data`` with the list of what is missing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hccrt.clinical.findings import Fact, Finding, Traced, finding, trace
from hccrt.clinical.patient import Histology, PatientRecord
from hccrt.clinical.scores import ChildPugh, Performance
from hccrt.clinical.sources import Status, facts_rule

AREA = "Staging"
facts_rule(
    "STAGE-BCLC",
    "BCLC 2022 stage",
    "§2.1",
    "0: single ≤ 2 cm, ECOG 0, preserved liver function; A: single any size or 2-3 nodules "
    "≤ 3 cm, ECOG 0; B: multinodular beyond A, ECOG 0; C: portal invasion and/or extrahepatic "
    "spread, or ECOG 1-2; D: end-stage liver function or ECOG > 2. Child-Pugh C is taken as "
    "end-stage; Child-Pugh B is staged as preserved with a warning (older BCLC used A-B).",
    Status.secondary,
    ("tumors", "vascular_invasion", "extrahepatic_disease", "kps", "ecog", "child_pugh"),
    AREA,
)
facts_rule(
    "STAGE-CNLC",
    "China Liver Cancer (CNLC) stage",
    "§2.2",
    "Ia single ≤ 5 cm; Ib single > 5 cm or 2-3 tumours ≤ 3 cm; IIa 2-3 tumours max > 3 cm; "
    "IIb ≥ 4 tumours; IIIa vascular invasion; IIIb extrahepatic metastasis; all with PS 0-2 "
    "and Child-Pugh A/B; IV: PS 3-4 or Child-Pugh C.",
    Status.secondary,
    ("tumors", "vascular_invasion", "extrahepatic_disease", "kps", "ecog", "child_pugh"),
    AREA,
)
INSUFFICIENT = "insufficient_data"
NOT_APPLICABLE = "not_applicable"


def _not_hcc(rule_id: str, patient: PatientRecord) -> Stage | None:
    """BCLC and CNLC stage hepatocellular carcinoma only; ICC gets ``not_applicable``."""
    if patient.histology is Histology.HCC:
        return None
    text = f"{rule_id.removeprefix('STAGE-')} stages HCC only: not applicable to ICC"
    return Stage(stage=NOT_APPLICABLE, **trace([finding(rule_id, text, histology="ICC")]))


class Stage(Traced):
    """One staging result: the stage label (``insufficient_data``; ``not_applicable`` for ICC)."""

    stage: str
    missing: tuple[str, ...] = ()


class Staging(BaseModel):
    """Both staging systems; ``bclc`` and ``cnlc`` are the stage labels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bclc: str
    cnlc: str
    bclc_detail: Stage
    cnlc_detail: Stage


def _missing(patient: PatientRecord, cp: ChildPugh, ps: Performance) -> tuple[str, ...]:
    missing = []
    if not patient.tumors:
        missing.append("tumors")
    if patient.vascular_invasion is None:
        missing.append("vascular_invasion")
    if patient.extrahepatic_disease is None:
        missing.append("extrahepatic_disease")
    if ps.ecog is None:
        missing.append("kps or ecog")
    if cp.score is None:
        missing.extend(f"child_pugh.{name}" for name in cp.missing)
    return tuple(missing)


def _stage(rule_id: str, stage: str, findings: list[Finding]) -> Stage:
    return Stage(stage=stage, **trace(findings))


def bclc(patient: PatientRecord, cp: ChildPugh, ps: Performance) -> Stage:
    """BCLC 2022 stage (rule STAGE-BCLC)."""
    other = _not_hcc("STAGE-BCLC", patient)
    if other is not None:
        return other
    missing = _missing(patient, cp, ps)
    if missing:
        why = finding("STAGE-BCLC", f"cannot stage: missing {', '.join(missing)}")
        return Stage(stage=INSUFFICIENT, missing=missing, **trace([why]))
    assert patient.vascular_invasion is not None
    assert patient.extrahepatic_disease is not None
    assert ps.ecog is not None
    count, largest = len(patient.tumors), max(t.diameter_cm for t in patient.tumors)
    facts: dict[str, Fact] = {"child_pugh_class": cp.class_, "ecog": ps.ecog, "tumor_count": count}
    if cp.class_ == "C" or ps.ecog > 2:
        text = "end-stage liver function (Child-Pugh C) or ECOG > 2"
        return _stage("STAGE-BCLC", "D", [finding("STAGE-BCLC", text, **facts)])
    found = []
    if cp.class_ == "B":
        text = "Child-Pugh B staged as preserved liver function (BCLC 2022 gives no cut-off)"
        found.append(finding("STAGE-BCLC", text, child_pugh_class="B"))
    vascular, spread = patient.vascular_invasion.any, bool(patient.extrahepatic_disease)
    if vascular or spread or ps.ecog >= 1:
        text = "macrovascular invasion, extrahepatic spread or ECOG 1-2"
        facts.update(vascular_invasion=vascular, extrahepatic_spread=spread)
        return _stage("STAGE-BCLC", "C", [*found, finding("STAGE-BCLC", text, **facts)])
    facts["largest_tumor_cm"] = largest
    if count == 1 and largest <= 2.0:
        stage, text = "0", "single tumour ≤ 2 cm, ECOG 0"
    elif count == 1 or (count <= 3 and largest <= 3.0):
        stage, text = "A", "single tumour, or 2-3 nodules each ≤ 3 cm, ECOG 0"
    else:
        stage, text = "B", "multinodular beyond BCLC-A, no vascular invasion or spread, ECOG 0"
    return _stage("STAGE-BCLC", stage, [*found, finding("STAGE-BCLC", text, **facts)])


def cnlc(patient: PatientRecord, cp: ChildPugh, ps: Performance) -> Stage:
    """CNLC stage (rule STAGE-CNLC)."""
    other = _not_hcc("STAGE-CNLC", patient)
    if other is not None:
        return other
    missing = _missing(patient, cp, ps)
    if missing:
        why = finding("STAGE-CNLC", f"cannot stage: missing {', '.join(missing)}")
        return Stage(stage=INSUFFICIENT, missing=missing, **trace([why]))
    assert patient.vascular_invasion is not None
    assert patient.extrahepatic_disease is not None
    assert ps.ecog is not None
    count, largest = len(patient.tumors), max(t.diameter_cm for t in patient.tumors)
    facts: dict[str, Fact] = {"child_pugh_class": cp.class_, "ecog": ps.ecog, "tumor_count": count}
    facts["largest_tumor_cm"] = largest
    if ps.ecog >= 3 or cp.class_ == "C":
        stage, text = "IV", "PS 3-4 or Child-Pugh C"
    elif patient.extrahepatic_disease:
        stage, text = "IIIb", "extrahepatic metastasis"
    elif patient.vascular_invasion.any:
        stage, text = "IIIa", "macrovascular invasion without extrahepatic metastasis"
    elif count == 1:
        stage, text = ("Ia", "single ≤ 5 cm") if largest <= 5.0 else ("Ib", "single > 5 cm")
    elif count <= 3:
        fits = largest <= 3.0
        stage, text = ("Ib", "2-3 tumours ≤ 3 cm") if fits else ("IIa", "2-3 tumours, max > 3 cm")
    else:
        stage, text = "IIb", "≥ 4 tumours"
    return _stage("STAGE-CNLC", stage, [finding("STAGE-CNLC", text, **facts)])


def staging(patient: PatientRecord, cp: ChildPugh, ps: Performance) -> Staging:
    """BCLC 2022 and CNLC stages of ``patient``."""
    b, c = bclc(patient, cp, ps), cnlc(patient, cp, ps)
    return Staging(bclc=b.stage, cnlc=c.stage, bclc_detail=b, cnlc_detail=c)
