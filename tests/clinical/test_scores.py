"""Scores against hand-worked and published values (clinical-facts §1)."""

from __future__ import annotations

import math

import pytest

from hccrt.clinical.scores import (
    albi,
    albi_grade,
    albi_score,
    child_pugh,
    ecog_from_kps,
    kps_range_from_ecog,
    meld,
    meld_i,
    meld_na_from,
    performance,
)
from tests.clinical.factory import patient


@pytest.mark.parametrize(("bilirubin", "points"), [(1.9, 1), (2.0, 2), (3.0, 2), (3.01, 3)])
def test_child_pugh_bilirubin_boundaries(bilirubin: float, points: int) -> None:
    """Bilirubin < 2 / 2-3 / > 3 mg/dL; exactly 2.0 and 3.0 score 2 (closed band, §1.1)."""
    assert child_pugh(patient(bilirubin_mg_dl=bilirubin)).points["bilirubin"] == points


@pytest.mark.parametrize(("albumin", "points"), [(3.6, 1), (3.5, 2), (2.8, 2), (2.79, 3)])
def test_child_pugh_albumin_boundaries(albumin: float, points: int) -> None:
    """Albumin > 3.5 / 2.8-3.5 / < 2.8 g/dL; exactly 3.5 and 2.8 score 2."""
    assert child_pugh(patient(albumin_g_dl=albumin)).points["albumin"] == points


@pytest.mark.parametrize(("inr", "points"), [(1.69, 1), (1.7, 2), (2.3, 2), (2.31, 3)])
def test_child_pugh_inr_boundaries(inr: float, points: int) -> None:
    """INR < 1.7 / 1.7-2.3 / > 2.3; exactly 1.7 and 2.3 score 2."""
    assert child_pugh(patient(inr=inr)).points["inr"] == points


def test_child_pugh_si_bilirubin_51_3_umol_is_3_mg() -> None:
    """51.3 µmol/L = 3.0 mg/dL (÷ 17.1, §9) -> 2 points, not 3."""
    record = patient(bilirubin_mg_dl=None, bilirubin_umol_l=51.3)
    assert child_pugh(record).points["bilirubin"] == 2


@pytest.mark.parametrize(
    ("changes", "score", "grade"),
    [
        ({}, 5, "A"),
        ({"ascites": "mild", "bilirubin_mg_dl": 2.0}, 7, "B"),
        ({"albumin_g_dl": 3.0, "bilirubin_mg_dl": 2.0}, 7, "B"),
        ({"ascites": "moderate_severe", "bilirubin_mg_dl": 2.5, "inr": 1.8}, 9, "B"),
        ({"ascites": "moderate_severe", "bilirubin_mg_dl": 3.5, "inr": 1.8}, 10, "C"),
        (
            {
                "ascites": "moderate_severe",
                "encephalopathy": "grade_3_4",
                "bilirubin_mg_dl": 4,
                "albumin_g_dl": 2.0,
                "inr": 3.0,
            },
            15,
            "C",
        ),
    ],
)
def test_child_pugh_classes(changes: dict[str, object], score: int, grade: str) -> None:
    """Classes A 5-6, B 7-9, C 10-15 (§1.1), including the 6/7 and 9/10 edges."""
    result = child_pugh(patient(**changes))
    assert (result.score, result.class_) == (score, grade)


def test_child_pugh_missing_item() -> None:
    """A missing item gives insufficient_data and names the item."""
    result = child_pugh(patient(encephalopathy=None))
    assert result.score is None
    assert result.class_ == "insufficient_data"
    assert result.missing == ("encephalopathy",)


def test_child_pugh_json_key_is_class() -> None:
    """The JSON contract uses the key ``class``."""
    dumped = child_pugh(patient()).model_dump(mode="json")
    assert dumped["class"] == "A"


def test_albi_worked_example() -> None:
    """Bilirubin 17.1 µmol/L (1 mg/dL), albumin 40 g/L: 0.66·log10(17.1) − 0.085·40 = −2.586
    -> grade 2 (just above −2.60)."""
    assert albi_score(1.0, 4.0) == pytest.approx(0.66 * math.log10(17.1) - 3.4)
    assert albi_score(1.0, 4.0) == pytest.approx(-2.586, abs=1e-3)
    result = albi(patient(bilirubin_mg_dl=1.0, albumin_g_dl=4.0))
    assert result.grade == 2


@pytest.mark.parametrize(
    ("score", "grade"), [(-2.61, 1), (-2.60, 1), (-2.59, 2), (-1.39, 2), (-1.38, 3)]
)
def test_albi_grade_cutoffs(score: float, grade: int) -> None:
    """Grade 1 ≤ −2.60 < grade 2 ≤ −1.39 < grade 3 (Johnson 2015, §1.2)."""
    assert albi_grade(score) == grade


def test_albi_grade_1_and_3_examples() -> None:
    """0.5 mg/dL + 4.5 g/dL -> −3.16 (grade 1); 3 mg/dL + 2.5 g/dL -> −0.996 (grade 3)."""
    assert albi(patient(bilirubin_mg_dl=0.5, albumin_g_dl=4.5)).grade == 1
    assert albi_score(3.0, 2.5) == pytest.approx(-0.996, abs=1e-3)


def test_meld_floor_values() -> None:
    """All inputs ≤ 1 are set to 1: MELD = 6.43 -> 6 (§1.3)."""
    assert meld_i(0.5, 0.4, 0.9, dialysis=False) == pytest.approx(6.43)
    assert meld(patient(creatinine_mg_dl=0.5, bilirubin_mg_dl=0.4, inr=0.9)).meld == 6


def test_meld_worked_value() -> None:
    """Cr 2, bilirubin 3, INR 1.7: 9.57 ln2 + 3.78 ln3 + 11.2 ln1.7 + 6.43 = 23.16 -> 23."""
    value = meld_i(2.0, 3.0, 1.7, dialysis=False)
    assert value == pytest.approx(23.16, abs=0.01)
    assert meld(patient(creatinine_mg_dl=2.0, bilirubin_mg_dl=3.0, inr=1.7)).meld == 23


def test_meld_creatinine_cap_and_dialysis() -> None:
    """Creatinine is capped at 4 mg/dL and set to 4 on dialysis ≥ 2×/week."""
    assert meld_i(6.0, 1.0, 1.0, dialysis=False) == pytest.approx(meld_i(4.0, 1.0, 1.0, False))
    assert meld_i(1.0, 1.0, 1.0, dialysis=True) == pytest.approx(9.57 * math.log(4.0) + 6.43)


def test_meld_na_worked_value() -> None:
    """MELD(i) 23.16, Na 130: 23.16 + 1.32·7 − 0.033·23.16·7 = 27.05 -> 27; Na 120 is
    bounded to 125."""
    value = meld_i(2.0, 3.0, 1.7, dialysis=False)
    assert meld_na_from(value, 130) == pytest.approx(27.05, abs=0.01)
    assert meld_na_from(value, 120) == pytest.approx(meld_na_from(value, 125))
    assert meld_na_from(value, 140) == pytest.approx(value)
    record = patient(creatinine_mg_dl=2.0, bilirubin_mg_dl=3.0, inr=1.7, sodium_mmol_l=130)
    assert meld(record).meld_na == 27


def test_meld_na_sodium_term_only_above_meld_11() -> None:
    """OPTN 2016 (as MDCalc): the sodium term applies only when MELD(i) > 11. Normal labs give
    MELD(i) 6.43 -> MELD 6; with Na 130 MELD-Na stays 6 (the unconditional formula gave 15)."""
    record = patient(creatinine_mg_dl=1.0, bilirubin_mg_dl=1.0, inr=1.0, sodium_mmol_l=130)
    assert meld(record).meld == 6
    assert meld(record).meld_na == 6
    just_above = meld_i(1.0, 1.0, 1.6, dialysis=False)
    assert round(just_above, 1) > 11
    assert meld_na_from(just_above, 130) > just_above


def test_meld_missing_creatinine() -> None:
    """MELD needs creatinine unless on dialysis."""
    assert meld(patient(creatinine_mg_dl=None)).missing == ("creatinine_mg_dl",)
    assert meld(patient(creatinine_mg_dl=None, dialysis_twice_past_week=True)).meld is not None


@pytest.mark.parametrize(
    ("kps", "ecog"),
    [(100, 0), (90, 0), (80, 1), (70, 1), (60, 2), (50, 2), (40, 3), (10, 4), (0, 5)],
)
def test_kps_to_ecog(kps: int, ecog: int) -> None:
    """Conventional mapping (§1.4)."""
    assert ecog_from_kps(kps) == ecog


def test_ecog_to_kps_range() -> None:
    """ECOG 1 = KPS 70-80; ECOG 2 = KPS 50-60."""
    assert kps_range_from_ecog(1) == (70, 80)
    assert kps_range_from_ecog(2) == (50, 60)


def test_performance_conflict_uses_worse() -> None:
    """KPS 50 with ECOG 0 disagree: ECOG 2 (from KPS 50) is used."""
    result = performance(patient(kps=50, ecog=0))
    assert (result.basis, result.ecog, result.kps) == ("conflict", 2, 50)


@pytest.mark.parametrize(
    ("score", "grade"), [(-2.7, "1"), (-2.5, "2a"), (-2.27, "2a"), (-2.26, "2b"), (-1.0, "3")]
)
def test_malbi_split(score: float, grade: str) -> None:
    """mALBI (Hiraoka 2017): 2a −2.60 < ALBI ≤ −2.270 < 2b ≤ −1.39 (cut-off UNCONFIRMED)."""
    from hccrt.clinical.scores import malbi_grade

    assert malbi_grade(score) == grade
