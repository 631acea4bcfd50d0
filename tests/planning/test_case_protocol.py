"""Case preparation (PTV from GTV, normal liver) and protocol limits as hard constraints."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hccrt.dicom import read_ct_series, read_rtstruct
from hccrt.errors import ClinicalInputError, InputError
from hccrt.evaluation import PlanFacts, evaluate_plan
from hccrt.planning.case import beams_for, prepare_case
from hccrt.planning.protocol import (
    NORMAL_LIVER,
    constraints_from_protocol,
    default_constraints,
    merge_constraints,
)
from tests.planning.synthetic_case import write_case


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = write_case(tmp_path_factory.mktemp("synthetic"))
    ct = read_ct_series(folder / "CT")
    structures = read_rtstruct(folder / "RTSTRUCT.dcm")
    return ct, structures, prepare_case(ct.grid, ct.hu, structures.structures)


def test_ptv_built_from_gtv_with_seed_margins(synthetic):
    _, _, case = synthetic
    assert case.target == "PTV"
    assert any("CTV = GTV + 5 mm, PTV = CTV + 6 mm" in n for n in case.notes)
    voxel_cc = case.dose_grid.voxel_volume_cc
    ptv_cc = case.masks["PTV"].sum() * voxel_cc
    expected = 4 / 3 * np.pi * 3.1**3  # GTV radius 20 mm + 5 mm + 6 mm
    assert ptv_cc == pytest.approx(expected, rel=0.08)
    assert not np.any(case.masks[NORMAL_LIVER] & case.masks["GTV"])
    iso = np.array(case.isocenter_mm)
    assert iso == pytest.approx([-60.0, -5.0, 0.0], abs=2.0)
    beams = beams_for(case, [0.0, 90.0])
    assert beams[1].name == "B2_G090"


def test_unknown_target_is_an_error(synthetic):
    ct, structures, _ = synthetic
    with pytest.raises(InputError, match="no target"):
        prepare_case(ct.grid, ct.hu, structures.structures, target="Tumour")


def test_child_pugh_limits_from_seed():
    a = default_constraints("A", {NORMAL_LIVER, "SpinalCord"})
    b = default_constraints("b", {NORMAL_LIVER})
    assert (a[0].dose_gy, b[0].dose_gy) == (23.0, 6.0)
    assert "seed 000" in a[0].source
    # Issue 13 item 5: the CP-B decision on fractionation is stated with the limit.
    assert "not converted by EQD2" in b[0].source
    assert "4-6 Gy fractions" in b[0].source
    assert "not converted" not in a[0].source
    assert any(c.structure == "SpinalCord" and "UNCONFIRMED" in c.source for c in a)
    with pytest.raises(ClinicalInputError, match="Child-Pugh"):
        default_constraints("C", {NORMAL_LIVER})


def test_protocol_limits_become_hard_constraints(synthetic):
    _, structures, case = synthetic
    facts = PlanFacts(10, 50.0, "3dcrt")
    evaluation = evaluate_plan(
        structures.structures,
        np.zeros(case.dose_grid.shape),
        case.dose_grid,
        facts,
        child_pugh_class="A",
    )
    from_protocol, extra = constraints_from_protocol(
        evaluation.constraints, case.masks, case.dose_grid.voxel_volume_cc, "test"
    )
    cord = [c for c in from_protocol if c.structure == "SpinalCord"]
    assert len(cord) == 1
    assert cord[0].kind == "max"
    assert cord[0].dose_gy < 45.0  # converted to 5 Gy x 10 by the evaluation module
    merged = merge_constraints(default_constraints("A", set(case.masks)), from_protocol)
    assert merged[0].structure == NORMAL_LIVER
    assert sum(c.structure == NORMAL_LIVER and c.kind == "mean" for c in merged) == 1
    assert sum(c.structure == "SpinalCord" for c in merged) == 1
    assert extra == {}


@dataclasses.dataclass(frozen=True)
class _Limit:
    """A converted protocol limit as the evaluation gives it (the ProtocolLimit attributes)."""

    id: str
    structure: str
    metric: str
    comparator: str
    limit: float
    priority: str = "mandatory"
    source_status: str = "V2"
    structure_in_plan: tuple[str, ...] = ()
    derivation: str = "as contoured"


def test_volume_and_critical_volume_limits_become_dvh_constraints():
    """Issue 13 item 4: stomach D10cc, duodenum D5cc, the 700 cc rule and the kidney 200 cc
    rule were evaluated but never optimised."""
    shape = (10, 10, 10)  # 1 cc voxels
    organ = np.zeros(shape, dtype=bool)
    organ[:5] = True  # 500 cc
    liver = np.ones(shape, dtype=bool)  # 1000 cc
    masks = {"Stomach": organ, "Duodenum": organ, "Liver-GTV": liver, "Kidneys": organ}
    limits = [
        _Limit("stomach_d10cc", "Stomach", "D10cc[Gy]", "<", 18.0),
        _Limit("duodenum_d5cc", "Duodenum", "D5cc[Gy]", "<", 17.0),
        _Limit("liver_700cc", "Liver-GTV", "CV15.00Gy[cc]", ">=", 700.0),
        _Limit("kidney_200cc", "Kidneys", "CV16Gy[cc]", ">=", 200.0),
        _Limit("liver_big", "Liver-GTV", "CV10Gy[cc]", ">=", 1500.0),  # larger than the organ
    ]
    made, _ = constraints_from_protocol(limits, masks, 1.0, "test")
    by_id = {c.source.split(": ")[1].split(" ")[0]: c for c in made}
    assert set(by_id) == {"stomach_d10cc", "duodenum_d5cc", "liver_700cc", "kidney_200cc"}
    stomach = by_id["stomach_d10cc"]
    assert (stomach.kind, stomach.dose_gy, stomach.volume_pct) == ("dvh", 18.0, 2.0)
    assert by_id["duodenum_d5cc"].volume_pct == pytest.approx(1.0)
    liver_rule = by_id["liver_700cc"]
    assert (liver_rule.dose_gy, liver_rule.volume_pct) == (15.0, pytest.approx(30.0))
    assert "700 cc spared" in liver_rule.source
    assert by_id["kidney_200cc"].volume_pct == pytest.approx(60.0)
    # A dose where 30 % of the liver is above 15 Gy meets the rule; 30.1 % does not.
    dose = np.zeros(shape)
    dose[:3] = 20.0
    assert liver_rule.met(dose[liver], tolerance=0.0)
    dose[3, 0, 0] = 16.0
    assert not liver_rule.met(dose[liver], tolerance=0.0)


def test_an_unknown_child_pugh_class_plans_with_the_general_limit() -> None:
    # Issue 18 item 1: a case without a clinical record is planned with seed 000's general limit.
    from hccrt.planning.protocol import default_constraints

    (liver,) = default_constraints(None, {"Liver-GTV"})
    assert (liver.structure, liver.kind, liver.dose_gy) == ("Liver-GTV", "mean", 22.0)
    assert "liver_mean_general" in liver.source
    assert "Child-Pugh class unknown" in liver.source
    with pytest.raises(ClinicalInputError, match=r"child_pugh_class=C: seed 000 gives a normal"):
        default_constraints("C", {"Liver-GTV"})
