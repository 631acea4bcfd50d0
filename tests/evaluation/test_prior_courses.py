"""Re-irradiation in the plan evaluation: the limit on the cumulative normal-liver EQD2.

Hand values: EQD2 = D·(d + α/β)/(2 + α/β); a uniform prior dose of 10 Gy in 5 fractions is
2 Gy per fraction, so its EQD2 is 10 Gy at any α/β and the cumulative mean is the plan's mean
EQD2 plus exactly 10 Gy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hccrt.clinical.course import load_course
from hccrt.dicom.ct_reference import PatientStudy
from hccrt.dicom.rtdose_writer import write_rtdose
from hccrt.dicom.rtplan_writer import PatientReference
from hccrt.dicom.spatial_registration import (
    SeriesReference,
    SpatialRegistration,
    write_spatial_registration,
)
from hccrt.errors import InputError
from hccrt.evaluation import PlanFacts, evaluate_plan
from hccrt.evaluation.prior_courses import PriorCourseDose, prior_course_doses
from hccrt.geometry.grid import Grid
from tests.evaluation.liver_plan import FAST, UID, step_dose, structures

PLAN = PlanFacts(fractions=25, prescription_gy=50.0, technique="3dcrt")


def _evaluate(prior: tuple[PriorCourseDose, ...], cp: str | None = "A"):  # type: ignore[no-untyped-def]
    dose, grid = step_dose()
    return evaluate_plan(
        structures(), dose, grid, PLAN, child_pugh_class=cp, settings=FAST, prior_courses=prior
    )


def test_no_prior_course_leaves_the_evaluation_as_it_was() -> None:
    evaluation = _evaluate(())
    assert evaluation.cumulative_liver is None
    assert "cumulative_liver" not in evaluation.to_json()


def test_a_uniform_prior_dose_adds_exactly_its_eqd2_to_the_mean() -> None:
    _dose, grid = step_dose()
    prior = PriorCourseDose("RT 2024 10 Gy/5", 5, np.full(grid.shape, 10.0, np.float32), how="t")
    check = _evaluate((prior,)).cumulative_liver
    assert check.method == "voxel"
    # equal up to the DVH binning of the two dose ranges (≈ 0.1 %)
    assert check.cumulative_mean_eqd2_gy == pytest.approx(check.plan_mean_eqd2_gy + 10.0, abs=0.05)
    # the plan alone, hand check: a fraction f of Liver-GTV at 50 Gy (EQD2 50), the rest at 5 Gy
    # in 25 fx (d = 0.2: EQD2 = 5 × 8.2/10 = 4.1 Gy); f from the physical mean 5 + 45 f
    f = (check.plan_mean_gy - 5.0) / 45.0
    assert check.plan_mean_eqd2_gy == pytest.approx(f * 50.0 + (1 - f) * 4.1, abs=0.05)
    assert check.prior[0]["mean_eqd2_gy"] == pytest.approx(10.0, abs=1e-3)


def test_the_cumulative_limit_fails_the_plan_and_both_values_are_shown() -> None:
    _dose, grid = step_dose()
    prior = PriorCourseDose("RT 2024 20 Gy/10", 10, np.full(grid.shape, 20.0, np.float32))
    evaluation = _evaluate((prior,))
    alone = next(c for c in evaluation.constraints if c.id == "liver_mean_cp_a")
    assert alone.status.value == "pass"  # the new plan alone is within 23 Gy
    check = evaluation.cumulative_liver
    assert (check.limit_id, check.limit_gy, check.status) == ("liver_mean_cp_a", 23.0, "fail")
    assert evaluation.verdict.value == "fail"
    assert "cumulative normal-liver EQD2" in evaluation.verdict_reasons[-1]
    assert "UNCONFIRMED" in evaluation.verdict_reasons[-1]
    assert evaluation.to_json()["cumulative_liver"]["status"] == "fail"


def test_a_mean_dose_prior_uses_the_labelled_approximation() -> None:
    # 14 Gy mean in 25 fx at α/β 8: 14 × 8.56 / 10 = 11.984 Gy
    check = _evaluate((PriorCourseDose("RT 2024", 25, None, 14.0, "mean dose"),)).cumulative_liver
    assert check.method == "mean_dose"
    assert check.prior[0]["mean_eqd2_gy"] == pytest.approx(11.984)
    assert check.cumulative_mean_eqd2_gy == pytest.approx(
        check.plan_mean_eqd2_gy + 11.984, abs=1e-3
    )
    assert any("lower bound" in n for n in check.notes)
    assert any("not modelled" in n for n in check.notes)


def test_child_pugh_c_is_not_evaluated() -> None:
    check = _evaluate((PriorCourseDose("RT", 25, None, 14.0),), cp="C").cumulative_liver
    assert check.status == "not_evaluated"


def _reference(frame: str) -> PatientReference:
    return PatientReference("P1", "Course^Test", "1.2.3.50", frame, "1.2.3.51")


def _series(frame: str, series: str) -> SeriesReference:
    images = (("1.2.840.10008.5.1.4.1.1.2", series + ".1"),)
    patient = PatientStudy("Course^Test", "P1", "1.2.3.50")
    return SeriesReference("1.2.3.50", series, frame, "CT", images, patient)


def _course_file(tmp_path: Path, **rt: object) -> Path:
    event = {"kind": "rt", "date": "2024-05-06", "end_date": "2024-05-10", "dose_gy": 10,
             "fractions": 5, **rt}  # fmt: skip
    path = tmp_path / "course.json"
    path.write_text(json.dumps({"events": [event]}), encoding="utf-8")
    return path


def test_an_rtdose_on_an_older_ct_is_resampled_through_the_rigid_registration(
    tmp_path: Path,
) -> None:
    _, grid = step_dose()
    old_frame = "1.2.3.77"
    old = Grid.from_spacing(
        grid.shape, grid.spacing_mm, np.add(grid.origin_mm, (20.0, 0.0, 0.0)), old_frame
    )
    values = np.zeros(grid.shape)
    values[20:25, 40:45, 40:45] = 10.0  # a hot cube on the old grid
    write_rtdose(tmp_path / "RD_old.dcm", values, old, _reference(old_frame), "1.2.3.52")
    shift = np.eye(4)
    shift[0, 3] = -20.0  # old frame -> plan frame: x - 20 mm puts the grids on top of each other
    registration = SpatialRegistration(
        _series(UID, "1.2.3.60"), _series(old_frame, "1.2.3.61"), shift
    )
    write_spatial_registration(registration, tmp_path / "REG.dcm")
    course = load_course(
        _course_file(tmp_path, rtdose_path="RD_old.dcm", registration_path="REG.dcm")
    )
    (prior,) = prior_course_doses(course, grid)
    assert prior.dose_gy is not None
    assert "rigid registration REG.dcm" in prior.how
    np.testing.assert_allclose(prior.dose_gy, values, atol=1e-4)


def test_another_frame_without_a_registration_is_refused_or_falls_back(tmp_path: Path) -> None:
    _, grid = step_dose()
    old = Grid.from_spacing(grid.shape, grid.spacing_mm, grid.origin_mm, "1.2.3.78")
    write_rtdose(tmp_path / "RD_old.dcm", np.ones(grid.shape), old, _reference("1.2.3.78"), "1.2")
    course = load_course(_course_file(tmp_path, rtdose_path="RD_old.dcm"))
    with pytest.raises(
        InputError, match=r"registration_path: missing: the RTDOSE of RT 2024-05-06"
    ):
        prior_course_doses(course, grid)
    course = load_course(
        _course_file(tmp_path, rtdose_path="RD_old.dcm", mean_normal_liver_dose_gy=4)
    )
    warnings: list[str] = []
    (prior,) = prior_course_doses(course, grid, warnings)
    assert (prior.dose_gy, prior.mean_normal_liver_dose_gy) == (None, 4.0)
    assert "mean-dose approximation" in warnings[0]


def test_same_frame_rtdose_needs_no_registration(tmp_path: Path) -> None:
    _, grid = step_dose()
    write_rtdose(tmp_path / "RD_old.dcm", np.full(grid.shape, 3.0), grid, _reference(UID), "1.2")
    (prior,) = prior_course_doses(
        load_course(_course_file(tmp_path, rtdose_path="RD_old.dcm")), grid
    )
    assert prior.dose_gy is not None
    assert float(prior.dose_gy.mean()) == pytest.approx(3.0, abs=1e-4)
    assert "same Frame of Reference" in prior.how
