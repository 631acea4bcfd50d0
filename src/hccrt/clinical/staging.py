"""Staging: BCLC 2022 (Reig et al., J Hepatol 2022) and China Liver Cancer (CNLC 2019).

Both need the tumour count and sizes, vascular invasion, extrahepatic spread, performance status
and Child-Pugh class; a missing input gives ``insufficient_data`` with the list of what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from hccrt.clinical.findings import Fact, Finding, Traced, finding, trace
from hccrt.clinical.patient import Histology, PatientRecord
from hccrt.clinical.scores import ChildPugh, Performance
from hccrt.clinical.sources import Status, facts_rule

AREA = "Staging"
facts_rule(
    "STAGE-BCLC",
    "BCLC 2022 stage",
    "§2.1; primary source: Reig M, Forner A, Rimola J et al., BCLC strategy for prognosis "
    "prediction and treatment recommendation: the 2022 update, J Hepatol 2022;76:681-693",
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
    "§2.2; primary source: National Health Commission of China, Standard for diagnosis and "
    "treatment of primary liver cancer (2022 edition); English version: Zhou J, Sun H, Wang Z "
    "et al., Guidelines for the Diagnosis and Treatment of Primary Liver Cancer (2022 Edition), "
    "Liver Cancer 2023 (CNLC staging unchanged since 2019)",
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


@dataclass(frozen=True)
class _Inputs:
    """What both staging systems read, once every input is known."""

    ecog: int
    count: int
    largest_cm: float
    vascular: bool
    spread: bool
    facts: dict[str, Fact]


def _gate(rule_id: str, patient: PatientRecord, cp: ChildPugh, ps: Performance) -> Stage | _Inputs:
    """``not_applicable`` (ICC) or ``insufficient_data`` as a :class:`Stage`, else the inputs."""
    other = _not_hcc(rule_id, patient)
    if other is not None:
        return other
    missing = _missing(patient, cp, ps)
    if missing or ps.ecog is None:
        why = finding(rule_id, f"cannot stage: missing {', '.join(missing)}")
        return Stage(stage=INSUFFICIENT, missing=missing, **trace([why]))
    count, largest = len(patient.tumors), max(t.diameter_cm for t in patient.tumors)
    facts: dict[str, Fact] = {
        "child_pugh_class": cp.class_,
        "ecog": ps.ecog,
        "tumor_count": count,
        "largest_tumor_cm": largest,
    }
    return _Inputs(
        ecog=ps.ecog,
        count=count,
        largest_cm=largest,
        vascular=patient.vascular_invasion is not None and patient.vascular_invasion.any,
        spread=bool(patient.extrahepatic_disease),
        facts=facts,
    )


def _stage(rule_id: str, stage: str, text: str, facts: dict[str, Fact], *before: Finding) -> Stage:
    return Stage(stage=stage, **trace([*before, finding(rule_id, text, **facts)]))


def bclc(patient: PatientRecord, cp: ChildPugh, ps: Performance) -> Stage:
    """BCLC 2022 stage (rule STAGE-BCLC)."""
    x = _gate("STAGE-BCLC", patient, cp, ps)
    if isinstance(x, Stage):
        return x
    if cp.class_ == "C" or x.ecog > 2:
        text = "end-stage liver function (Child-Pugh C) or ECOG > 2"
        return _stage("STAGE-BCLC", "D", text, x.facts)
    found = []
    if cp.class_ == "B":
        text = "Child-Pugh B staged as preserved liver function (BCLC 2022 gives no cut-off)"
        found.append(finding("STAGE-BCLC", text, child_pugh_class="B"))
    if x.vascular or x.spread:
        text = "macrovascular invasion or extrahepatic spread"
        facts = {**x.facts, "vascular_invasion": x.vascular, "extrahepatic_spread": x.spread}
        return _stage("STAGE-BCLC", "C", text, facts, *found)
    burden = _burden_stage(x)
    if x.ecog >= 1:
        # BCLC 2022 (Reig, J Hepatol 2022): ECOG 1-2 makes stage C only when the cancer causes it.
        converted = f" (ECOG {x.ecog} converted from KPS {ps.kps})" if ps.basis == "kps" else ""
        related = patient.ps_cancer_related
        facts = {**x.facts, "ps_cancer_related": related}
        if related is None:
            text = (
                f"ECOG {x.ecog}{converted} without vascular invasion or spread: BCLC-C only if the "
                "reduced performance status is cancer-related; record ps_cancer_related "
                f"(by tumour burden alone: BCLC-{burden[0]})"
            )
            why = finding("STAGE-BCLC", text, **facts)
            return Stage(stage=INSUFFICIENT, missing=("ps_cancer_related",), **trace([*found, why]))
        if related:
            text = f"ECOG {x.ecog}{converted}, cancer-related: BCLC-C by performance status"
            return _stage("STAGE-BCLC", "C", text, facts, *found)
        text = f"ECOG {x.ecog}{converted} not cancer-related: staged by tumour burden"
        found.append(finding("STAGE-BCLC", text, **facts))
    text = burden[1] + (", ECOG 0" if x.ecog == 0 else "")
    return _stage("STAGE-BCLC", burden[0], text, x.facts, *found)


def _burden_stage(x: _Inputs) -> tuple[str, str]:
    """BCLC 0/A/B by tumour number and size (no vascular invasion, no spread)."""
    if x.count == 1 and x.largest_cm <= 2.0:
        return "0", "single tumour ≤ 2 cm"
    if x.count == 1 or (x.count <= 3 and x.largest_cm <= 3.0):
        return "A", "single tumour, or 2-3 nodules each ≤ 3 cm"
    return "B", "multinodular beyond BCLC-A, no vascular invasion or spread"


def cnlc(patient: PatientRecord, cp: ChildPugh, ps: Performance) -> Stage:
    """CNLC stage (rule STAGE-CNLC)."""
    x = _gate("STAGE-CNLC", patient, cp, ps)
    if isinstance(x, Stage):
        return x
    if x.ecog >= 3 or cp.class_ == "C":
        stage, text = "IV", "PS 3-4 or Child-Pugh C"
    elif x.spread:
        stage, text = "IIIb", "extrahepatic metastasis"
    elif x.vascular:
        stage, text = "IIIa", "macrovascular invasion without extrahepatic metastasis"
    elif x.count == 1:
        stage, text = ("Ia", "single ≤ 5 cm") if x.largest_cm <= 5.0 else ("Ib", "single > 5 cm")
    elif x.count <= 3:
        fits = x.largest_cm <= 3.0
        stage, text = ("Ib", "2-3 tumours ≤ 3 cm") if fits else ("IIa", "2-3 tumours, max > 3 cm")
    else:
        stage, text = "IIb", "≥ 4 tumours"
    return _stage("STAGE-CNLC", stage, text, x.facts)


def staging(patient: PatientRecord, cp: ChildPugh, ps: Performance) -> Staging:
    """BCLC 2022 and CNLC stages of ``patient``."""
    b, c = bclc(patient, cp, ps), cnlc(patient, cp, ps)
    return Staging(bclc=b.stage, cnlc=c.stage, bclc_detail=b, cnlc_detail=c)
