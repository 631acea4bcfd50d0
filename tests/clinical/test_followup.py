"""Follow-up: CTCAE v5 grades, RILD diagnosis (seed 000) and the stop-RT rule."""

from __future__ import annotations

from typing import Any

import pytest

from hccrt.clinical.ctcae import ctcae_grade
from hccrt.clinical.followup import FollowupRecord, followup
from hccrt.errors import ClinicalInputError

BASE: dict[str, Any] = {
    "patient_id": "FU-1",
    "baseline": {
        "date": "2026-01-05",
        "alt_u_l": 30,
        "alt_uln_u_l": 40,
        "ast_u_l": 30,
        "ast_uln_u_l": 40,
        "alp_u_l": 100,
        "alp_uln_u_l": 120,
        "bilirubin_mg_dl": 0.8,
        "bilirubin_uln_mg_dl": 1.2,
        "child_pugh_score": 5,
    },
    "current": {
        "date": "2026-04-01",
        "alt_u_l": 35,
        "alt_uln_u_l": 40,
        "ast_u_l": 35,
        "ast_uln_u_l": 40,
        "alp_u_l": 110,
        "alp_uln_u_l": 120,
        "bilirubin_mg_dl": 0.9,
        "bilirubin_uln_mg_dl": 1.2,
        "child_pugh_score": 5,
    },
    "rt_start_date": "2026-01-10",
    "rt_end_date": "2026-02-20",
    "rt_ongoing": False,
    "high_dose_liver_rt": True,
    "ascites": False,
    "hepatomegaly": False,
    "tumor_progression_excluded": True,
}


def record(current: dict[str, Any] | None = None, **changes: Any) -> FollowupRecord:
    data = {**BASE, **changes}
    data["current"] = {**BASE["current"], **(current or {})}
    return FollowupRecord.model_validate(data)


@pytest.mark.parametrize(
    ("value", "grade"),
    [(40, 0), (41, 1), (120, 1), (121, 2), (200, 2), (201, 3), (800, 3), (801, 4)],
)
def test_alt_grades_normal_baseline(value: float, grade: int) -> None:
    """CTCAE v5 ALT (ULN 40): G1 > ULN-3×, G2 > 3-5×, G3 > 5-20×, G4 > 20× (§5.2)."""
    assert ctcae_grade("alt", value, 40, 30).grade == grade


@pytest.mark.parametrize(("value", "grade"), [(119, 0), (120, 1), (240, 1), (241, 2), (401, 3)])
def test_alt_grades_abnormal_baseline(value: float, grade: int) -> None:
    """Abnormal baseline 80 U/L (ULN 40): G1 1.5-3.0 × baseline, G2 > 3-5 ×, G3 > 5-20 ×."""
    result = ctcae_grade("alt", value, 40, 80)
    assert (result.grade, result.basis) == (grade, "baseline")


def test_alp_abnormal_baseline_starts_at_2x() -> None:
    """ALP abnormal baseline: G1 2.0-2.5 × baseline (baseline 200, ULN 120)."""
    assert ctcae_grade("alp", 399, 120, 200).grade == 0
    assert ctcae_grade("alp", 400, 120, 200).grade == 1
    assert ctcae_grade("alp", 501, 120, 200).grade == 2


@pytest.mark.parametrize(("value", "grade"), [(1.2, 0), (1.8, 1), (1.9, 2), (3.7, 3), (12.1, 4)])
def test_bilirubin_grades(value: float, grade: int) -> None:
    """Bilirubin (ULN 1.2 mg/dL): G1 > ULN-1.5×, G2 > 1.5-3×, G3 > 3-10×, G4 > 10×."""
    assert ctcae_grade("bilirubin", value, 1.2, 0.8).grade == grade


def test_missing_uln_is_not_graded() -> None:
    """Without the ULN there is no grade, and the reason says so."""
    result = ctcae_grade("ast", 90, None, None)
    assert result.grade is None
    assert "upper limit of normal missing" in result.reasons[0]


def test_classic_rild() -> None:
    """Seed 000: "typical RILD: ... massive ascites and liver enlargement ..., accompanied by an
    increase in AKP to >2 times the normal value" (ALP 300 = 2.5 × ULN)."""
    result = followup(record({"alp_u_l": 300}, ascites=True, hepatomegaly=True))
    assert result.rild.status == "classic"
    assert "RILD-CLASSIC" in result.rild.rule_ids
    assert result.supportive_measures


def test_non_classic_rild_enzymes_only() -> None:
    """Seed 000: "atypical RILD: impairment of liver function only: ... ALT to >5 times the
    normal value, without liver enlargement and ascites" (ALT 210 = 5.25 × ULN)."""
    result = followup(record({"alt_u_l": 210}))
    assert result.rild.status == "non_classic"
    assert result.ctcae["alt"].grade == 3


def test_alp_exactly_2x_is_not_rild() -> None:
    """Seed 000: "AKP to >2 times the normal value" — exactly 2 × ULN is not above."""
    assert followup(record({"alp_u_l": 240})).rild.status == "none"


def test_non_classic_by_child_pugh_rise() -> None:
    """clinical-facts §5.1 [V]: non-classic RILD also by Child-Pugh score worse by ≥ 2."""
    result = followup(record({"child_pugh_score": 7}))
    assert result.rild.status == "non_classic"
    assert "RILD-CP2" in result.rild.rule_ids


def test_progression_not_excluded_is_indeterminate() -> None:
    """Seed 000: "④clinical symptoms and impairment of liver function caused by the development
    of liver tumor can be excluded." — not excluded -> indeterminate with the reason."""
    result = followup(record({"alt_u_l": 210}, tumor_progression_excluded=None))
    assert result.rild.status == "indeterminate"
    assert any("progression excluded: not recorded" in r for r in result.rild.reasons)


def test_beyond_4_months_is_indeterminate() -> None:
    """Seed 000: late liver injury "(within 4 months)" (labs 5 months after RT end)."""
    result = followup(record({"alt_u_l": 210, "date": "2026-07-25"}))
    assert result.rild.status == "indeterminate"
    assert "RILD-WINDOW" in result.rild.rule_ids


def test_not_high_dose_is_indeterminate() -> None:
    """Seed 000: "① have received high-dose radiotherapy to the liver" """
    result = followup(record({"alt_u_l": 210}, high_dose_liver_rt=False))
    assert result.rild.status == "indeterminate"


def test_ascites_unknown_cannot_separate_classic() -> None:
    """Seed 000: classic needs ascites and hepatomegaly; unknown -> indeterminate, says why."""
    result = followup(record({"alp_u_l": 300}, ascites=None))
    assert result.rild.status == "indeterminate"


def test_grade_2_during_rt_stop() -> None:
    """Seed 000: "≥RTOG grade II liver injury, have up to 60% chance of developing RILD later if
    radiotherapy is continued. Therefore, radiotherapy should be discontinued" (ALT 150 = G2)."""
    result = followup(
        record({"alt_u_l": 150, "date": "2026-02-01"}, rt_ongoing=True, rt_end_date=None)
    )
    assert result.recommend_stop_rt is True
    assert "ACUTE-STOP" in result.rule_ids
    assert result.rild.status == "none"  # ALT 3.75 × ULN is below the RILD threshold


def test_stop_rt_output_carries_its_source_and_the_surrogate_label() -> None:
    """The stop-RT output names its seed passage ("≥RTOG grade II liver injury") and says, in the
    output itself, that CTCAE grade 2 stands in for the RTOG grade."""
    result = followup(
        record({"alt_u_l": 150, "date": "2026-02-01"}, rt_ongoing=True, rt_end_date=None)
    )
    assert "stands in for the seed's 'RTOG grade II'" in result.stop_rt_reasons[0]
    assert "UNCONFIRMED" in result.stop_rt_reasons[0]
    source = result.stop_rt_sources[0]
    assert source.rule_id == "ACUTE-STOP"
    assert "RTOG grade II" in source.passage


def test_grade_1_during_rt_continue() -> None:
    """Seed 000 stop rule applies from grade II; grade 1 (ALT 100 = 2.5 × ULN) continues."""
    result = followup(
        record({"alt_u_l": 100, "date": "2026-02-01"}, rt_ongoing=True, rt_end_date=None)
    )
    assert result.recommend_stop_rt is False


def test_bilirubin_in_umol_is_converted() -> None:
    """Bilirubin in µmol/L with its ULN in µmol/L (÷ 17.1)."""
    current = {
        "bilirubin_mg_dl": None,
        "bilirubin_uln_mg_dl": None,
        "bilirubin_umol_l": 51.3,
        "bilirubin_uln_umol_l": 20.5,
    }
    result = followup(record(current))
    assert result.ctcae["bilirubin"].grade == 2


def test_dates_checked() -> None:
    """Current labs before baseline are rejected with a one-line message."""
    with pytest.raises(ValueError, match=r"current\.date=2025-01-01: before baseline\.date"):
        record({"date": "2025-01-01"})


def test_load_errors(tmp_path: Any) -> None:
    """Unknown fields get a spelling hint."""
    from hccrt.clinical.followup import load_followup

    path = tmp_path / "f.json"
    path.write_text(
        '{"baseline": {"date": "2026-01-01"}, "current": {"date": "2026-01-02"}, '
        '"rt_ongong": true}',
        encoding="utf-8",
    )
    with pytest.raises(ClinicalInputError, match="rt_ongong=True: unknown field; did you mean"):
        load_followup(path)


def test_current_uln_missing_uses_baseline_uln() -> None:
    """The ULN is a property of the lab; if the current set omits it, the baseline ULN is used."""
    result = followup(record({"alt_u_l": 210, "alt_uln_u_l": None}))
    assert result.ctcae["alt"].grade == 3
    assert result.rild.status == "non_classic"


def test_cp_rise_with_ascites_and_hepatomegaly_text_is_true() -> None:
    """Seed 000: classic RILD needs ascites and liver enlargement "accompanied by an increase in
    AKP to >2 times the normal value or an increase in ALT to >5 times"; clinical-facts §5.1:
    Child-Pugh +2 is non-classic. Normal enzymes + both signs + CP 5 -> 7 is non-classic, and
    the reason must not say "without hepatomegaly and ascites" (review fix)."""
    r = followup(record({"child_pugh_score": 7}, ascites=True, hepatomegaly=True))
    assert r.rild.status == "non_classic"
    text = " ".join(r.rild.reasons)
    assert "without hepatomegaly and ascites" not in text
    assert "ascites and hepatomegaly present" in text


def test_enzymes_with_ascites_only_is_not_called_sign_free() -> None:
    """Seed 000: atypical RILD is "impairment of liver function only ... without liver enlargement
    and ascites" — ALP > 2 × ULN with ascites but no hepatomegaly is non-classic, said as such."""
    r = followup(record({"alp_u_l": 300}, ascites=True, hepatomegaly=False))
    assert r.rild.status == "non_classic"
    assert any("ascites only" in reason for reason in r.rild.reasons)


def test_both_signs_without_enzyme_data_is_indeterminate() -> None:
    """Seed 000 classic RILD: ascites + liver enlargement + ALP/ALT rise. With both signs, a
    Child-Pugh rise and no ALP/ALT values, classic cannot be excluded: indeterminate."""
    no_enzymes = {"alp_u_l": None, "alt_u_l": None, "child_pugh_score": 7}
    r = followup(record(no_enzymes, ascites=True, hepatomegaly=True))
    assert r.rild.status == "indeterminate"
    assert any("classic vs non-classic open" in reason for reason in r.rild.reasons)


def test_stop_reasons_are_about_stopping_only() -> None:
    """Seed 000: "patients who develop acute hepatic impairment during radiotherapy, such as ≥RTOG
    grade II liver injury ... radiotherapy should be discontinued" — the stop decision carries
    its own reason; after RT it says the rule does not apply (the text listed RILD reasons under
    "Recommend stopping RT")."""
    after = followup(record({"alp_u_l": 300}))
    assert after.recommend_stop_rt is False
    assert after.stop_rt_reasons == ("RT not ongoing: the stop rule applies during RT",)
    during = followup(
        record({"date": "2026-02-01", "alt_u_l": 130}, rt_ongoing=True, rt_end_date=None)
    )
    assert during.recommend_stop_rt is True
    assert "stop RT" in during.stop_rt_reasons[0]
    assert not any("ALP" in r for r in during.stop_rt_reasons)


def test_labs_before_rt_start_cannot_be_graded_as_during_rt() -> None:
    """Seed 000 acute phase = "during radiotherapy": with RT ongoing, labs dated before the RT
    start are rejected with the field, rule, value and fix."""
    with pytest.raises(
        ValueError, match=r"current\.date=2026-01-08: before rt_start_date 2026-01-10 while"
    ):
        record({"date": "2026-01-08"}, rt_ongoing=True, rt_end_date=None)
