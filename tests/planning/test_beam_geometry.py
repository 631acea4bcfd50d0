"""Beam geometry of the planner: collimator and couch angles (issue 13 item 6), the gantry-head
collision check, and interdigitation per MLC model (issue 13 item 7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hccrt.cli.app import main
from hccrt.errors import InputError
from hccrt.geometry.beam_axes import beam_axes
from hccrt.planning.beams import Beam
from hccrt.planning.case import per_beam_angles
from hccrt.planning.collision import (
    MachineGeometry,
    check_beams,
    clearances,
    collision_scene,
)
from hccrt.planning.mlc import (
    Aperture,
    elekta_mlci2_like_mlc,
    interdigitation_violations,
    millennium_like_mlc,
)
from hccrt.planning.sequencing import Segment, split_interdigitating
from tests.planning.synthetic_case import write_case

ISO = (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("gantry", "collimator", "couch"),
    [(0, 0, 0), (50, 30, 0), (90, 0, 90), (200, 330, 20), (315, 45, 350), (10, 90, 270)],
)
def test_planner_axes_are_the_dose_engines(gantry: float, collimator: float, couch: float):
    """One IEC 61217 chain: the planner's BEV is the independent engine's."""
    beam = Beam(gantry, ISO, couch_deg=couch, collimator_deg=collimator)
    np.testing.assert_allclose(beam.axes, beam_axes(gantry, collimator, couch), atol=1e-12)


def test_collimator_90_turns_leaf_travel_to_the_patient_axis():
    beam = Beam(0.0, ISO, collimator_deg=90.0)
    u, v, s = beam.axes
    assert abs(u[2]) == pytest.approx(1.0)  # leaves now travel superior-inferior
    assert abs(v[0]) == pytest.approx(1.0)
    np.testing.assert_allclose(s, [0.0, -1.0, 0.0], atol=1e-12)  # still anterior


def test_gantry_90_couch_90_enters_along_the_patient_axis():
    s = Beam(90.0, ISO, couch_deg=90.0).axes[2]
    assert abs(s[2]) == pytest.approx(1.0)  # the source lies on the patient's long axis


def test_angles_outside_a_turn_are_refused():
    with pytest.raises(
        InputError, match=r"collimator_deg=400.0: must be an angle in \[-360, 360\]"
    ):
        Beam(0.0, ISO, collimator_deg=400.0)


def test_per_beam_angles_one_for_all_or_one_each():
    assert per_beam_angles((), 3, "--couch-angles") == (0.0, 0.0, 0.0)
    assert per_beam_angles((10.0,), 3, "--couch-angles") == (10.0, 10.0, 10.0)
    assert per_beam_angles((0.0, 10.0, 20.0), 3, "--couch-angles") == (0.0, 10.0, 20.0)
    with pytest.raises(
        InputError,
        match=r"--couch-angles=0,10: needs one angle for all beams or one per gantry angle \(3\)",
    ):
        per_beam_angles((0.0, 10.0), 3, "--couch-angles")


def _body_points() -> np.ndarray:
    """A 300 x 200 mm elliptic trunk (LPS), 400 mm long, isocentre 50 mm right of its centre."""
    x, y, z = np.meshgrid(
        np.arange(-150.0, 151.0, 10.0),
        np.arange(-100.0, 101.0, 10.0),
        np.arange(-200.0, 201.0, 20.0),
        indexing="ij",
    )
    inside = (x / 150.0) ** 2 + (y / 100.0) ** 2 <= 1.0
    return np.stack([x[inside], y[inside], z[inside]], axis=1)


def test_coplanar_beams_clear_the_couch_and_body():
    scene = collision_scene(_body_points(), (-50.0, 0.0, 0.0))
    beams = [Beam(g, (-50.0, 0.0, 0.0)) for g in (0, 50, 100, 150, 210, 260, 310)]
    found = check_beams(scene, beams)
    assert all(c.clearance_mm >= 30.0 for c in found)


def test_gantry_over_the_couch_is_refused_with_the_clearance_and_fix():
    scene = collision_scene(_body_points(), (-50.0, 0.0, 0.0))
    beam = Beam(90.0, (-50.0, 0.0, 0.0), couch_deg=90.0, name="B1")
    worst = clearances(scene, 90.0, 90.0)
    assert worst.clearance_mm < 30.0
    with pytest.raises(
        InputError,
        match=r"beam B1=gantry 90, couch 90: the gantry head would hit the (couch|patient body) "
        r"at gantry 90 deg, couch 90 deg: clearance -?\d+ mm < 30 mm safety margin.*"
        r"choose another couch angle",
    ):
        check_beams(scene, [beam])


def test_a_bigger_head_refuses_what_the_default_accepts():
    near = MachineGeometry(name="tight", head_clearance_mm=120.0)
    scene = collision_scene(_body_points(), (-50.0, 0.0, 0.0), near)
    with pytest.raises(InputError, match=r"clearance .* mm < 30 mm safety margin \(tight\)"):
        check_beams(scene, [Beam(270.0, (-50.0, 0.0, 0.0), name="B1")])


def test_machine_dimensions_are_validated():
    with pytest.raises(InputError, match=r"head_clearance_mm=-1.0: must be in \(0, 5000\] mm"):
        MachineGeometry(head_clearance_mm=-1.0)


def _staircase() -> Segment:
    """Three neighbouring open pairs whose openings do not overlap: a leaf must pass the
    opposing leaf of the next pair."""
    mlc = elekta_mlci2_like_mlc()
    leaves = np.zeros((mlc.pairs, 2))
    middle = mlc.pairs // 2
    leaves[middle - 1] = (-30.0, -10.0)
    leaves[middle] = (0.0, 20.0)
    leaves[middle + 1] = (30.0, 50.0)
    return Segment(Aperture(leaves), 10.0)


def test_an_mlc_without_interdigitation_gets_split_segments_with_the_same_fluence():
    mlci2, millennium = elekta_mlci2_like_mlc(), millennium_like_mlc()
    assert not mlci2.interdigitation
    assert millennium.interdigitation
    segment = _staircase()
    opened = segment.aperture.open_pairs
    assert interdigitation_violations(mlci2, segment.aperture.leaves_mm[opened]).size == 2
    assert split_interdigitating(millennium, (segment,)) == (segment,)
    parts = split_interdigitating(mlci2, (segment,))
    assert len(parts) == 3

    def open_mu(part: Segment) -> np.ndarray:  # per pair: opening (mm) x MU
        return (part.aperture.leaves_mm[:, 1] - part.aperture.leaves_mm[:, 0]) * part.mu

    # every pair open as wide and as long as before: the same fluence
    np.testing.assert_allclose(sum(open_mu(p) for p in parts), open_mu(segment))
    for part in parts:
        open_pairs = part.aperture.open_pairs
        assert interdigitation_violations(mlci2, part.aperture.leaves_mm[open_pairs]).size == 0


def test_cli_refuses_a_colliding_couch_angle(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    folder = write_case(tmp_path / "case")
    with pytest.raises(SystemExit) as exit_:
        main(
            ["plan", str(folder), "--prescription-gy", "50", "--fractions", "25",
             "--gantry-angles", "0,90", "--couch-angles", "90", "--final-dose", "pencil-beam",
             "--out", str(tmp_path / "out")]
        )  # fmt: skip
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "the gantry head would hit the" in err
    assert "gantry 90 deg, couch 90 deg" in err
    assert not (tmp_path / "out" / "RTPLAN.dcm").exists()


def test_cli_refuses_a_wrong_number_of_collimator_angles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    folder = write_case(tmp_path / "case")
    with pytest.raises(SystemExit) as exit_:
        main(
            ["plan", str(folder), "--prescription-gy", "50", "--fractions", "25",
             "--gantry-angles", "0,120,240", "--collimator-angles", "0,30",
             "--out", str(tmp_path / "out")]
        )  # fmt: skip
    assert exit_.value.code == 2
    assert (
        "--collimator-angles=0,30: needs one angle for all beams or one per gantry angle (3)"
        in (capsys.readouterr().err)
    )


@pytest.mark.slow
def test_a_non_coplanar_rotated_collimator_plan_is_what_the_dose_engine_computes(tmp_path: Path):
    """The angles reach the RTPLAN, and the independent engine's dose of it matches the plan's."""
    from hccrt.dicom import read_ct_series, read_rtstruct
    from hccrt.dose.check import plan_dose
    from hccrt.pipeline import PlanRequest, plan_in_memory
    from hccrt.pipeline._plan_case_dir import hccrt_plan_context

    folder = write_case(tmp_path / "case")
    ct = read_ct_series(folder / "CT")
    request = PlanRequest(
        50.0, 25, technique="3dcrt", gantry_deg=(0.0, 60.0, 300.0), couch_deg=(0.0, 10.0, 350.0),
        collimator_deg=(30.0,), final_dose="collapsed_cone",
    )  # fmt: skip
    planned = plan_in_memory(
        ct, read_rtstruct(folder / "RTSTRUCT.dcm"), request, hccrt_plan_context(request)
    )
    plan = planned.plans[planned.chosen]
    angles = {(round(b.control_points[0].couch_deg), round(b.control_points[0].collimator_deg))
              for b in plan.beams}  # fmt: skip
    assert angles <= {(0, 30), (10, 30), (350, 30)}
    assert len({a[0] for a in angles}) >= 2  # the couch angles are written per beam
    recomputed, _ = plan_dose(plan, ct, planned.case.dose_grid)
    reported = planned.doses[planned.chosen].dose_gy
    high = reported > 0.5 * reported.max()
    assert np.max(np.abs(recomputed.dose_gy[high] - reported[high]) / reported[high]) < 0.005


@pytest.mark.slow
def test_the_planners_rotated_apertures_are_where_the_dose_engine_puts_them(tmp_path: Path):
    """Pencil-beam plan at collimator 30 and couch kicks vs the independent collapsed cone of
    its RTPLAN: the same high-dose region (a wrong collimator or couch sense would turn it)."""
    from hccrt.dicom import read_ct_series, read_rtstruct
    from hccrt.dose.check import plan_dose
    from hccrt.pipeline import PlanRequest, plan_in_memory
    from hccrt.pipeline._plan_case_dir import hccrt_plan_context

    folder = write_case(tmp_path / "case")
    ct = read_ct_series(folder / "CT")
    request = PlanRequest(
        50.0, 25, technique="3dcrt", gantry_deg=(0.0, 60.0, 300.0), couch_deg=(0.0, 15.0, 345.0),
        collimator_deg=(30.0,), final_dose="pencil_beam",
    )  # fmt: skip
    planned = plan_in_memory(
        ct, read_rtstruct(folder / "RTSTRUCT.dcm"), request, hccrt_plan_context(request)
    )
    planner = planned.doses[planned.chosen].dose_gy
    engine, _ = plan_dose(planned.plans[planned.chosen], ct, planned.case.dose_grid)
    for level in (0.5, 0.8):
        a = planner >= level * planner.max()
        b = engine.dose_gy >= level * engine.dose_gy.max()
        assert 2.0 * np.sum(a & b) / (a.sum() + b.sum()) > 0.9, level


def test_a_coplanar_posterior_oblique_is_not_refused_for_the_couch():
    """At couch 0 the gantry turns about the couch (C-arm): only the body is in the way."""
    scene = collision_scene(_body_points(), (-50.0, 0.0, 0.0))
    assert clearances(scene, 120.0, 0.0).obstacle == "patient body"
    assert clearances(scene, 120.0, 20.0).obstacle == "couch"
