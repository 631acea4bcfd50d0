"""Liver-function and performance scores: Child-Pugh, ALBI, MELD / MELD-Na / MELD 3.0, KPS/ECOG.

Each score returns ``None`` parts and a ``missing`` list instead of guessing when an input is
absent. Formulas and cut-offs: ``clinical-facts.md`` §1 (status tags kept on the rules).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from hccrt.clinical.patient import Ascites, Encephalopathy, PatientRecord, Sex
from hccrt.clinical.settings import DEFAULT_SETTINGS, ClinicalSettings
from hccrt.clinical.sources import Status, facts_rule, literature_rule
from hccrt.clinical.units import BILIRUBIN_UMOL_L_PER_MG_DL

AREA = "Scores"
facts_rule(
    "SCORE-CP",
    "Child-Pugh points (bilirubin, albumin, INR, ascites, encephalopathy) and class",
    "§1.1",
    "Bilirubin <2 / 2-3 / >3 mg/dL; albumin >3.5 / 2.8-3.5 / <2.8 g/dL; INR <1.7 / 1.7-2.3 / "
    ">2.3; ascites none / mild / moderate-severe; encephalopathy none / grade 1-2 / grade 3-4 "
    "-> 1 / 2 / 3 points; class A 5-6, B 7-9, C 10-15. Closed 2-point bands at the boundaries; "
    "the albumin cut-off 2.8 is a setting (some tables use 3.0).",
    Status.verified,
    ("bilirubin_mg_dl", "albumin_g_dl", "inr", "ascites", "encephalopathy"),
    AREA,
)
facts_rule(
    "SCORE-ALBI",
    "ALBI score and grade (Johnson PJ et al., J Clin Oncol 2015;33:550-558)",
    "§1.2",
    "ALBI = 0.66·log10(bilirubin µmol/L) − 0.085·albumin g/L; grade 1 ≤ −2.60, "
    "grade 2 > −2.60 and ≤ −1.39, grade 3 > −1.39.",
    Status.verified,
    ("bilirubin_mg_dl", "albumin_g_dl"),
    AREA,
)
facts_rule(
    "SCORE-MALBI",
    "Modified ALBI grade 2a/2b (Hiraoka A et al., Liver Cancer 2017;6:325-336)",
    "§1.2",
    "Grade 2 split at −2.270: 2a −2.60 < ALBI ≤ −2.270, 2b −2.270 < ALBI ≤ −1.39. The cut-off "
    "−2.270 is UNCONFIRMED (not retrieved verbatim); informational only, no rule reads it.",
    Status.unconfirmed,
    ("bilirubin_mg_dl", "albumin_g_dl"),
    AREA,
)
facts_rule(
    "SCORE-MELD",
    "MELD and MELD-Na (Kim WR, NEJM 2008;359:1018; OPTN 2016)",
    "§1.3",
    "MELD(i) = 9.57 ln Cr + 3.78 ln Bili + 11.2 ln INR + 6.43 with Cr, Bili, INR < 1 set to 1, "
    "Cr capped at 4 (4 if dialysis ≥ 2× in the past week), range 6-40; MELD-Na = MELD(i) + "
    "1.32·(137 − Na) − 0.033·MELD(i)·(137 − Na), Na bounded 125-137, capped at 40, applied only "
    "when MELD(i) > 11 (OPTN Policy 9.1, 2016, as MDCalc computes it; the policy text itself "
    "was not retrieved: that cut-off is UNCONFIRMED).",
    Status.secondary,
    ("creatinine_mg_dl", "bilirubin_mg_dl", "inr", "sodium_mmol_l", "dialysis_twice_past_week"),
    AREA,
)
literature_rule(
    "SCORE-MELD3",
    "MELD 3.0 (Kim WR et al., Gastroenterology 2021;161:1887-1895)",
    "Kim WR et al., Gastroenterology 2021;161:1887-1895 (MELD 3.0; OPTN allocation since July "
    "2023); reference/clinical-facts.md §1.3",
    "MELD 3.0 = 1.33·(female) + 4.56·ln(Bili) + 0.82·(137 − Na) − 0.24·(137 − Na)·ln(Bili) + "
    "9.09·ln(INR) + 11.14·ln(Cr) + 1.85·(3.5 − Alb) − 1.83·(3.5 − Alb)·ln(Cr) + 6; Bili, INR, "
    "Cr < 1 set to 1; Cr capped at 3.0 mg/dL (3.0 with dialysis ≥ 2× in the past week); Na "
    "bounded 125-137 mmol/L; albumin bounded 1.5-3.5 g/dL; rounded, bounded 6-40. Coefficients "
    "and bounds checked against several public implementations citing Kim 2021 (secondary); "
    "the paper itself was not retrieved.",
    Status.secondary,
    (
        "sex",
        "bilirubin_mg_dl",
        "sodium_mmol_l",
        "inr",
        "creatinine_mg_dl",
        "albumin_g_dl",
        "dialysis_twice_past_week",
    ),
    AREA,
)
facts_rule(
    "SCORE-PS",
    "Karnofsky <-> ECOG conventional mapping",
    "§1.4",
    "ECOG 0 = KPS 100-90, 1 = 80-70, 2 = 60-50, 3 = 40-30, 4 = 20-10, 5 = 0. Conversions are "
    "flagged; when both are given and disagree, the worse performance status is used.",
    Status.secondary,
    ("kps", "ecog"),
    AREA,
)

_FROZEN = ConfigDict(frozen=True, extra="forbid", serialize_by_alias=True)


class ChildPugh(BaseModel):
    """Child-Pugh result: points per item, total score (5-15) and class; ``None`` if incomplete."""

    model_config = _FROZEN

    score: int | None
    class_: str = Field(serialization_alias="class", description="A, B, C or insufficient_data")
    points: dict[str, int | None]
    missing: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ("SCORE-CP",)


def _band(value: float, low: float, high: float, *, higher_is_worse: bool) -> int:
    """1/2/3 points with a closed 2-point band ``low <= value <= high``."""
    if low <= value <= high:
        return 2
    worse = value > high if higher_is_worse else value < low
    return 3 if worse else 1


_GRADED = {
    Ascites.none: 1,
    Ascites.mild: 2,
    Ascites.moderate_severe: 3,
    Encephalopathy.none: 1,
    Encephalopathy.grade_1_2: 2,
    Encephalopathy.grade_3_4: 3,
}


def child_pugh(patient: PatientRecord, settings: ClinicalSettings = DEFAULT_SETTINGS) -> ChildPugh:
    """Child-Pugh points per item, score and class (clinical-facts §1.1, rule SCORE-CP).

    The albumin 3-point cut-off is ``settings.albumin_three_points_below_g_dl`` (2.8 g/dL).
    """
    alb_low = settings.albumin_three_points_below_g_dl
    bili, alb, inr = patient.bilirubin_mg_dl, patient.albumin_g_dl, patient.inr
    points: dict[str, int | None] = {
        "bilirubin": None if bili is None else _band(bili, 2.0, 3.0, higher_is_worse=True),
        "albumin": None if alb is None else _band(alb, alb_low, 3.5, higher_is_worse=False),
        "inr": None if inr is None else _band(inr, 1.7, 2.3, higher_is_worse=True),
        "ascites": None if patient.ascites is None else _GRADED[patient.ascites],
        "encephalopathy": (
            None if patient.encephalopathy is None else _GRADED[patient.encephalopathy]
        ),
    }
    missing = tuple(name for name, value in points.items() if value is None)
    if missing:
        return ChildPugh(score=None, class_="insufficient_data", points=points, missing=missing)
    score = sum(value for value in points.values() if value is not None)
    grade = "A" if score <= 6 else "B" if score <= 9 else "C"
    return ChildPugh(score=score, class_=grade, points=points)


class Albi(BaseModel):
    """ALBI score (dimensionless) and grade 1-3; ``None`` when bilirubin or albumin is missing."""

    model_config = _FROZEN

    score: float | None
    grade: int | None
    malbi_grade: str | None = Field(None, description="1, 2a, 2b or 3 (UNCONFIRMED cut-off)")
    missing: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ("SCORE-ALBI", "SCORE-MALBI")


def albi_score(bilirubin_mg_dl: float, albumin_g_dl: float) -> float:
    """ALBI = 0.66·log10(bilirubin µmol/L) − 0.085·albumin g/L (Johnson 2015)."""
    bilirubin_umol_l = bilirubin_mg_dl * BILIRUBIN_UMOL_L_PER_MG_DL
    return 0.66 * math.log10(bilirubin_umol_l) - 0.085 * (albumin_g_dl * 10.0)


def albi_grade(score: float) -> int:
    """ALBI grade: 1 if score ≤ −2.60, 2 if ≤ −1.39, else 3."""
    return 1 if score <= -2.60 else 2 if score <= -1.39 else 3


def malbi_grade(score: float) -> str:
    """Modified ALBI grade: 2 is split at −2.270 into 2a and 2b (UNCONFIRMED cut-off)."""
    grade = albi_grade(score)
    if grade != 2:
        return str(grade)
    return "2a" if score <= -2.270 else "2b"


def albi(patient: PatientRecord) -> Albi:
    """ALBI score and grade of ``patient`` (rule SCORE-ALBI)."""
    missing = tuple(
        name
        for name, value in (
            ("bilirubin_mg_dl", patient.bilirubin_mg_dl),
            ("albumin_g_dl", patient.albumin_g_dl),
        )
        if value is None
    )
    if patient.bilirubin_mg_dl is None or patient.albumin_g_dl is None:
        return Albi(score=None, grade=None, missing=missing)
    score = albi_score(patient.bilirubin_mg_dl, patient.albumin_g_dl)
    return Albi(score=round(score, 3), grade=albi_grade(score), malbi_grade=malbi_grade(score))


class Meld(BaseModel):
    """MELD, MELD-Na and MELD 3.0 (integers 6-40); ``None`` when an input is missing.

    ``missing`` lists what MELD/MELD-Na lack, ``meld_3_0_missing`` what MELD 3.0 lacks (it also
    needs sex and albumin).
    """

    model_config = _FROZEN

    meld: int | None
    meld_na: int | None
    missing: tuple[str, ...] = ()
    meld_3_0: int | None = None
    meld_3_0_missing: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ("SCORE-MELD", "SCORE-MELD3")


def meld_i(creatinine_mg_dl: float, bilirubin_mg_dl: float, inr: float, dialysis: bool) -> float:
    """Unrounded MELD(i) with the UNOS bounds (values < 1 set to 1, creatinine ≤ 4)."""
    creatinine = 4.0 if dialysis else min(max(creatinine_mg_dl, 1.0), 4.0)
    bilirubin = max(bilirubin_mg_dl, 1.0)
    ratio = max(inr, 1.0)
    return 9.57 * math.log(creatinine) + 3.78 * math.log(bilirubin) + 11.2 * math.log(ratio) + 6.43


MELD_NA_FROM = 11.0
"""OPTN 2016: the sodium term applies only when MELD(i) > 11 (UNCONFIRMED policy text)."""


def meld_na_from(meld_value: float, sodium_mmol_l: float) -> float:
    """MELD-Na from an unrounded MELD(i) and serum sodium (bounded to 125-137 mmol/L).

    The sodium term applies only when MELD(i), rounded to a tenth, is above 11 (OPTN 2016);
    otherwise MELD-Na equals MELD(i).
    """
    if round(meld_value, 1) <= MELD_NA_FROM:
        return meld_value
    deficit = 137.0 - min(max(sodium_mmol_l, 125.0), 137.0)
    return meld_value + 1.32 * deficit - 0.033 * meld_value * deficit


def _clip(value: float) -> int:
    return int(min(max(math.floor(value + 0.5), 6), 40))


MELD3_CREATININE_MAX_MG_DL = 3.0
"""MELD 3.0 caps creatinine at 3.0 mg/dL (Kim 2021; MELD and MELD-Na use 4.0)."""


def meld_3_0_value(
    *,
    female: bool,
    bilirubin_mg_dl: float,
    sodium_mmol_l: float,
    inr: float,
    creatinine_mg_dl: float,
    albumin_g_dl: float,
    dialysis: bool = False,
) -> float:
    """Unrounded MELD 3.0 (Kim et al., Gastroenterology 2021) with the OPTN bounds.

    Bilirubin, INR and creatinine below 1 are set to 1; creatinine is capped at 3.0 mg/dL
    (3.0 with dialysis); sodium is bounded to 125-137 mmol/L and albumin to 1.5-3.5 g/dL.
    """
    bili = math.log(max(bilirubin_mg_dl, 1.0))
    cr_value = MELD3_CREATININE_MAX_MG_DL if dialysis else creatinine_mg_dl
    cr = math.log(min(max(cr_value, 1.0), MELD3_CREATININE_MAX_MG_DL))
    na = 137.0 - min(max(sodium_mmol_l, 125.0), 137.0)
    alb = 3.5 - min(max(albumin_g_dl, 1.5), 3.5)
    return (
        1.33 * float(female)
        + 4.56 * bili
        + 0.82 * na
        - 0.24 * na * bili
        + 9.09 * math.log(max(inr, 1.0))
        + 11.14 * cr
        + 1.85 * alb
        - 1.83 * alb * cr
        + 6.0
    )


def _meld_3_0(patient: PatientRecord) -> tuple[int | None, tuple[str, ...]]:
    needed = {
        "sex": patient.sex,
        "bilirubin_mg_dl": patient.bilirubin_mg_dl,
        "sodium_mmol_l": patient.sodium_mmol_l,
        "inr": patient.inr,
        "creatinine_mg_dl": patient.creatinine_mg_dl,
        "albumin_g_dl": patient.albumin_g_dl,
    }
    if patient.dialysis_twice_past_week:
        needed.pop("creatinine_mg_dl")
    missing = tuple(name for name, value in needed.items() if value is None)
    if missing:
        return None, missing
    assert patient.bilirubin_mg_dl is not None
    assert patient.sodium_mmol_l is not None
    assert patient.inr is not None
    assert patient.albumin_g_dl is not None
    value = meld_3_0_value(
        female=patient.sex is Sex.female,
        bilirubin_mg_dl=patient.bilirubin_mg_dl,
        sodium_mmol_l=patient.sodium_mmol_l,
        inr=patient.inr,
        creatinine_mg_dl=patient.creatinine_mg_dl or 1.0,
        albumin_g_dl=patient.albumin_g_dl,
        dialysis=patient.dialysis_twice_past_week,
    )
    return _clip(value), ()


def meld(patient: PatientRecord) -> Meld:
    """MELD, MELD-Na (rule SCORE-MELD) and MELD 3.0 (rule SCORE-MELD3) of ``patient``."""
    three, three_missing = _meld_3_0(patient)
    extra = {"meld_3_0": three, "meld_3_0_missing": three_missing}
    cr, bili, inr = patient.creatinine_mg_dl, patient.bilirubin_mg_dl, patient.inr
    needed = {"creatinine_mg_dl": cr, "bilirubin_mg_dl": bili, "inr": inr}
    if patient.dialysis_twice_past_week:
        needed.pop("creatinine_mg_dl")
    missing = tuple(name for name, value in needed.items() if value is None)
    if missing or bili is None or inr is None:
        return Meld(meld=None, meld_na=None, missing=missing, **extra)
    value = meld_i(cr or 1.0, bili, inr, patient.dialysis_twice_past_week)
    if patient.sodium_mmol_l is None:
        return Meld(meld=_clip(value), meld_na=None, missing=("sodium_mmol_l",), **extra)
    return Meld(
        meld=_clip(value), meld_na=_clip(meld_na_from(value, patient.sodium_mmol_l)), **extra
    )


class Performance(BaseModel):
    """Performance status on both scales, with how it was obtained."""

    model_config = _FROZEN

    kps: int | None
    ecog: int | None
    basis: str = Field(description="kps, ecog, both, conflict (worse used) or insufficient_data")
    kps_range: tuple[int, int] | None = None
    rule_ids: tuple[str, ...] = ("SCORE-PS",)


def ecog_from_kps(kps: int) -> int:
    """Conventional mapping: KPS 100-90 -> 0, 80-70 -> 1, 60-50 -> 2, 40-30 -> 3, 20-10 -> 4."""
    if kps <= 0:
        return 5
    return min(4, (100 - kps) // 20)


def kps_range_from_ecog(ecog: int) -> tuple[int, int]:
    """KPS range (low, high) of an ECOG grade: 0 -> (90, 100) ... 4 -> (10, 20), 5 -> (0, 0)."""
    if ecog >= 5:
        return (0, 0)
    return (90 - 20 * ecog, 100 - 20 * ecog)


def performance(patient: PatientRecord) -> Performance:
    """Performance status on both scales; conflicting KPS and ECOG -> the worse is used."""
    kps, ecog = patient.kps, patient.ecog
    if kps is None and ecog is None:
        return Performance(kps=None, ecog=None, basis="insufficient_data")
    if ecog is None and kps is not None:
        return Performance(kps=kps, ecog=ecog_from_kps(kps), basis="kps", kps_range=(kps, kps))
    if kps is None and ecog is not None:
        return Performance(kps=None, ecog=ecog, basis="ecog", kps_range=kps_range_from_ecog(ecog))
    assert kps is not None
    assert ecog is not None
    if ecog_from_kps(kps) == ecog:
        return Performance(kps=kps, ecog=ecog, basis="both", kps_range=(kps, kps))
    worse_ecog = max(ecog, ecog_from_kps(kps))
    worse_kps = min(kps, kps_range_from_ecog(ecog)[1])
    return Performance(
        kps=worse_kps, ecog=worse_ecog, basis="conflict", kps_range=(worse_kps, worse_kps)
    )
