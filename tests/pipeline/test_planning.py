"""The planning stage in memory: one evaluation per plan, converted limits without a dose, and
the written RTDOSE/RTPLAN equal to the objects the main job keeps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hccrt.core import summarize_plan
from hccrt.dicom import read_ct_series, read_rtdose, read_rtplan, read_rtstruct
from hccrt.evaluation import PlanFacts, converted_limits, evaluate_plan
from hccrt.evaluation.inputs import PlanFiles, evaluate_files
from hccrt.pipeline import PlannedCase, PlanRequest, plan_in_memory
from hccrt.pipeline._plan_case_dir import hccrt_plan_context
from hccrt.pipeline._planning import write_planned
from tests.planning.synthetic_case import write_case


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[PlannedCase, Path]:
    folder = write_case(tmp_path_factory.mktemp("synthetic"))
    ct = read_ct_series(folder / "CT")
    structure_set = read_rtstruct(folder / "RTSTRUCT.dcm")
    request = PlanRequest(
        50.0, 25, technique="3dcrt", gantry_deg=(0.0, 120.0, 240.0), final_dose="pencil_beam"
    )
    result = plan_in_memory(ct, structure_set, request, hccrt_plan_context(request))
    out = folder / "plan"
    write_planned(result, out, ct, folder / "RTSTRUCT.dcm", 0.0)
    return result, out


@pytest.mark.slow
def test_written_rtdose_equals_the_dose_in_memory(planned: tuple[PlannedCase, Path]) -> None:
    result, out = planned
    dose = result.doses[result.chosen]
    read = read_rtdose(out / "RTDOSE.dcm")
    assert read.grid.same_geometry(dose.grid)
    peak = float(dose.dose_gy.max())
    assert np.allclose(read.dose_gy, dose.dose_gy, rtol=0, atol=peak * 1e-6)
    assert read.referenced_plan_uid == read_rtplan(out / "RTPLAN.dcm").sop_instance_uid


@pytest.mark.slow
def test_written_rtplan_reads_back_as_the_plan_record(planned: tuple[PlannedCase, Path]) -> None:
    result, out = planned
    memory = summarize_plan(result.plans[result.chosen])
    read = read_rtplan(out / "RTPLAN.dcm")
    assert read.fractions == memory.fractions == 25
    assert read.prescription_dose_gy == memory.prescription_dose_gy == 50.0
    assert [b.name for b in read.beams] == [b.name for b in memory.beams]
    assert [b.monitor_units for b in read.beams] == pytest.approx(
        [round(b.monitor_units or 0.0, 3) for b in memory.beams]
    )
    assert [b.control_points for b in read.beams] == [b.control_points for b in memory.beams]


@pytest.mark.slow
def test_evaluation_of_the_written_files_matches_the_one_in_memory(
    planned: tuple[PlannedCase, Path],
) -> None:
    result, out = planned
    from_files, _ = evaluate_files(
        PlanFiles(out / "RTSTRUCT.dcm", (out / "RTDOSE.dcm",), out / "RTPLAN.dcm"),
        child_pugh_class="A",
    )
    memory = result.evaluation
    assert from_files.verdict == memory.verdict
    pairs = list(zip(from_files.constraints, memory.constraints, strict=True))
    assert [a.id for a, _ in pairs] == [b.id for _, b in pairs]
    for a, b in pairs:
        assert a.limit == b.limit
        if b.value is not None:
            assert a.value == pytest.approx(b.value, rel=1e-4, abs=1e-3)


@pytest.mark.slow
def test_converted_limits_equal_those_of_an_evaluation(planned: tuple[PlannedCase, Path]) -> None:
    result, _ = planned
    facts = PlanFacts(10, 50.0, "3dcrt")
    structures = result.structures.structures
    zero = evaluate_plan(
        structures, np.zeros(result.case.dose_grid.shape), result.case.dose_grid, facts,
        child_pugh_class="A",
    )  # fmt: skip
    _, limits = converted_limits(structures, facts, "A")
    evaluated = {(c.id, c.structure): c for c in zero.constraints}
    for limit in limits:
        same = evaluated[(limit.id, limit.structure)]
        assert (limit.metric, limit.limit) == (same.metric, same.limit)
        if same.status != "not_evaluated" or same.structure_in_plan:
            assert limit.structure_in_plan == same.structure_in_plan
            assert limit.derivation == same.derivation
    cord = next(limit for limit in limits if limit.structure == "SpinalCord")
    assert cord.limit < 50.0  # the 5 x 10 Gy cord limit moved to 10 fractions by LQ


@pytest.mark.slow
def test_rtplan_ssd_is_ray_traced_to_the_body_surface(planned: tuple[PlannedCase, Path]) -> None:
    """Issue 13: SourceToSurfaceDistance was the SAD (1000 mm). The synthetic body is an ellipse
    (semi-axes 140 x 100 mm) centred on the axis; the isocentre lies at about (-60, -5) mm."""
    import pydicom

    result, out = planned
    iso = np.array(result.case.isocenter_mm)
    surface_y = -100.0 * np.sqrt(1.0 - (iso[0] / 140.0) ** 2)  # anterior surface at x = iso x
    expected_g0 = 1000.0 - (iso[1] - surface_y)
    ds = pydicom.dcmread(out / "RTPLAN.dcm")
    ssd = {
        b.BeamName: float(b.ControlPointSequence[0].SourceToSurfaceDistance)
        for b in ds.BeamSequence
    }
    assert ssd["B1_G000"] == pytest.approx(expected_g0, abs=3.5)
    assert all(700.0 < v < 1000.0 for v in ssd.values())


@pytest.mark.slow
def test_rtplan_is_complete_and_dciodvfy_clean(planned: tuple[PlannedCase, Path]) -> None:
    """Tolerance table, BeamDose per beam at the isocentre, a dose reference on the PTV ROI."""
    import pydicom

    from tests.dciodvfy import dciodvfy_errors

    result, out = planned
    assert dciodvfy_errors(out / "RTPLAN.dcm") == []
    ds = pydicom.dcmread(out / "RTPLAN.dcm")
    structures = pydicom.dcmread(out / "RTSTRUCT.dcm")
    ptv_number = next(
        int(r.ROINumber) for r in structures.StructureSetROISequence if r.ROIName == "PTV"
    )
    reference = ds.DoseReferenceSequence[0]
    assert reference.DoseReferenceStructureType == "VOLUME"
    assert int(reference.ReferencedROINumber) == ptv_number
    assert int(ds.ToleranceTableSequence[0].ToleranceTableNumber) == 1
    assert all(int(b.ReferencedToleranceTableNumber) == 1 for b in ds.BeamSequence)
    beam_doses = [float(r.BeamDose) for r in ds.FractionGroupSequence[0].ReferencedBeamSequence]
    dose = result.doses[result.chosen]
    iso = np.rint(dose.grid.world_to_index(np.array([result.case.isocenter_mm])))[0]
    at_iso = float(dose.dose_gy[tuple(iso.astype(int))]) / 25
    assert sum(beam_doses) == pytest.approx(at_iso, rel=1e-3)


@pytest.mark.slow
def test_closed_leaf_pairs_are_parked_under_the_jaw(planned: tuple[PlannedCase, Path]) -> None:
    """Issue 13: closed pairs were left abutting at x = 0 inside the field, with no gap."""
    import pydicom

    _, out = planned
    ds = pydicom.dcmread(out / "RTPLAN.dcm")
    for beam in ds.BeamSequence:
        for cp in beam.ControlPointSequence:
            by_type = {p.RTBeamLimitingDeviceType: p for p in cp.BeamLimitingDevicePositionSequence}
            x1 = float(by_type["ASYMX"].LeafJawPositions[0])
            leaves = np.array(by_type["MLCX"].LeafJawPositions, dtype=float).reshape(2, -1)
            gaps = leaves[1] - leaves[0]
            assert gaps.min() >= 0.5 - 1e-6
            closed = gaps < 0.5 + 1e-6
            assert np.all(leaves[1][closed] <= x1)


@pytest.mark.slow
def test_auto_planning_with_imrt_infeasible_does_not_advise_imrt(tmp_path: Path) -> None:
    # Issue 18 item 6: the chosen 3DCRT plan said "Re-plan with IMRT" after IMRT had failed.
    case = write_case(tmp_path / "case")
    request = PlanRequest(
        50.0, 25, technique="auto", gantry_deg=(0.0, 120.0, 240.0), normal_liver_mean_gy=1.0
    )
    planned = plan_in_memory(
        read_ct_series(case / "CT"),
        read_rtstruct(case / "RTSTRUCT.dcm"),
        request,
        hccrt_plan_context(request),
    )
    three_d = planned.evaluations["3DCRT"]
    assert three_d.verdict == "fail"
    assert planned.result.infeasibility or planned.evaluations["IMRT"].verdict == "fail"
    assert not any("Re-plan with IMRT" in r for r in three_d.recommendations)
    assert any(r.startswith("IMRT was tried") for r in three_d.recommendations)
