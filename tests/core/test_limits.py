"""One home for every clinical number: the assessment, the planner, radiobiology and the
evaluation protocols read the same limits."""

from __future__ import annotations

import pytest

from hccrt.core import planning_defaults, protocol_limit
from hccrt.errors import InputError
from hccrt.evaluation import PROTOCOL_NAMES, load_protocol
from hccrt.planning.protocol import NORMAL_LIVER, OAR_DEFAULTS, default_constraints
from hccrt.radiobiology.liver_tolerance import seed_tolerable_mean_liver_dose
from tests.clinical.factory import run

LIVER_IDS = {"A": "liver_mean_cp_a", "B": "liver_mean_cp_b"}


def test_the_accessor_reads_the_protocol_with_its_source() -> None:
    cord = protocol_limit("cord_max")
    assert (cord.structure, cord.metric, cord.limit) == ("SpinalCord", "D0.03cc[Gy]", 50.0)
    assert "QUANTEC" in cord.source
    assert cord.status == "V2"
    with pytest.raises(InputError, match="not a constraint of protocol hcc_conventional"):
        protocol_limit("cord_dmax_45")
    with pytest.raises(InputError, match="not a packaged protocol"):
        protocol_limit("cord_max", "hcc_unknown")


def test_every_protocol_states_the_same_normal_liver_limits() -> None:
    for name in PROTOCOL_NAMES:
        constraints = {c.id: c.limit for c in load_protocol(name).constraints}
        for key in ("liver_mean_cp_a", "liver_mean_cp_b", "liver_mean_general"):
            assert constraints[key] == protocol_limit(key).limit, (name, key)


@pytest.mark.parametrize("child_pugh", ["A", "B"])
def test_assessment_planner_and_radiobiology_agree_with_the_protocol(child_pugh: str) -> None:
    expected = protocol_limit(LIVER_IDS[child_pugh]).limit
    planner = default_constraints(child_pugh, {NORMAL_LIVER})[0]
    assert (planner.structure, planner.dose_gy) == (NORMAL_LIVER, expected)
    assert seed_tolerable_mean_liver_dose(child_pugh).value == expected
    bilirubin = 0.8 if child_pugh == "A" else 2.5  # Child-Pugh 5 (A) or 7 (B) with albumin 4
    assessment = run(bilirubin_mg_dl=bilirubin, albumin_g_dl=4.0 if child_pugh == "A" else 3.0)
    assert assessment.liver_function.child_pugh.class_ == child_pugh
    limits = assessment.radiotherapy.dose_limits
    assert limits.normal_liver_mean_gy == expected
    general = {lim.key: lim.value for lim in limits.limits}["mean_liver_general"]
    assert general == protocol_limit("liver_mean_general").limit


def test_planner_organ_defaults_are_the_protocol_values() -> None:
    defaults = {name: (kind, dose) for name, kind, dose, _ in OAR_DEFAULTS}
    assert defaults["SpinalCord"] == ("max", protocol_limit("cord_max").limit)
    assert defaults["Duodenum"] == ("max", protocol_limit("duodenum_max").limit)
    assert defaults["Kidney_L"] == defaults["Kidney_R"] == (
        "mean", protocol_limit("kidneys_mean").limit
    )  # fmt: skip
    extra = {d.structure: d.limit for d in planning_defaults()}
    assert defaults["Stomach"] == ("max", extra["Stomach"])
    assert defaults["Bowel_Small"] == ("max", extra["Bowel_Small"])
    assert all(d.status == "UNCONFIRMED" for d in planning_defaults())
    # the protocol model accepts the planning defaults and never evaluates them
    conventional = load_protocol("hcc_conventional")
    assert {c.id for c in conventional.planning_defaults} == {d.id for d in planning_defaults()}
    assert not {c.id for c in conventional.constraints} & {d.id for d in planning_defaults()}
