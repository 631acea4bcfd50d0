"""The full RTPLAN reader: real plans, built plans of every delivery kind, and what it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hccrt.dicom.rtplan_delivery import read_rtplan_delivery
from hccrt.errors import InputError
from tests.dicom.factory import write_rtplan

MILLENNIUM = np.concatenate(
    [np.arange(-200.0, -100.0, 10.0), np.arange(-100.0, 100.0, 5.0), np.arange(100.0, 201.0, 10)]
)
JAWS = {"ASYMX": (-50.0, 50.0), "ASYMY": (-50.0, 50.0)}
MLC_DEVICES = (("ASYMX", 1, None), ("ASYMY", 1, None), ("MLCX", 60, MILLENNIUM))


def _leaves(a: float, b: float, pairs: int = 60) -> list[float]:
    return [a] * pairs + [b] * pairs


def _static(**overrides: Any) -> dict[str, Any]:
    beam: dict[str, Any] = {"points": [{"weight": 0.0, "positions": JAWS}, {"weight": 1.0}]}
    beam.update(overrides)
    return beam


def test_the_breast_plan_reads_as_four_sliding_window_beams(shared_data: Path) -> None:
    read = read_rtplan_delivery(shared_data / "breast_boost_plan" / "rtplan.dcm")
    plan = read.plan
    assert plan.fractions == 7
    assert plan.prescription_gy == pytest.approx(14.0)
    assert [b.monitor_units for b in plan.beams] == [97.0, 87.0, 89.0, 94.0]
    assert [b.energy for b in plan.beams] == ["10MV", "6MV", "6MV", "10MV"]
    first = plan.beams[0]
    assert first.beam_type == "DYNAMIC"
    assert not first.is_arc
    assert len(first.control_points) == 92
    assert first.mlc is not None
    assert first.mlc.name == "Varian Millennium 120"
    assert first.ssd_mm == pytest.approx(927.0)
    assert first.isocenter_mm == pytest.approx((72.5304715048, -304.3445582552, -9.3092401018882))
    # Jaws are stored only in control point 0: every later point carries them.
    assert all(p.jaw_x_mm == pytest.approx((9.0, 70.0)) for p in first.control_points)
    last = first.control_points[-1]
    assert last.leaves is not None
    assert last.leaves.positions_mm[25, 0] == pytest.approx(54.2)
    assert [b.control_points[0].gantry_deg for b in plan.beams] == [327.0, 0.0, 56.0, 150.0]


def test_pydicom_plan_reads_as_one_open_static_field(shared_data: Path) -> None:
    read = read_rtplan_delivery(shared_data / "dicom_edge_cases" / "pydicom" / "rtplan.dcm")
    beam = read.plan.beams[0]
    assert read.plan.fractions == 30
    assert read.plan.frame_of_reference_uid == ""
    assert beam.monitor_units == pytest.approx(116.0036697)
    assert beam.energy == "6MV"
    assert beam.mlc is None
    assert beam.control_points[1].jaw_x_mm == (-100.0, 100.0)
    assert beam.control_points[1].jaw_y_mm == (-100.0, 100.0)


def test_vmat_arc_carries_omitted_values_and_wraps_through_zero(tmp_path: Path) -> None:
    gantries = [350.0, 358.0, 6.0, 14.0]
    points: list[dict[str, Any]] = [
        {
            "weight": 0.0,
            "gantry": gantries[0],
            "rotation": "CW",
            "collimator": 30.0,
            "couch": 10.0,
            "positions": {**JAWS, "MLCX": _leaves(-20, 20)},
        }
    ]
    for n, gantry in enumerate(gantries[1:], start=1):
        points.append(
            {"weight": n / 3, "gantry": gantry, "positions": {"MLCX": _leaves(-20 + n, 20)}}
        )
    path = write_rtplan(
        tmp_path / "arc.dcm",
        [{"beam_type": "DYNAMIC", "devices": MLC_DEVICES, "points": points, "mu": 300}],
    )
    beam = read_rtplan_delivery(path).plan.beams[0]
    assert beam.is_arc
    assert [p.gantry_deg for p in beam.control_points] == gantries
    assert all(p.gantry_rotation == "CW" for p in beam.control_points)
    assert all(p.collimator_deg == 30.0 and p.couch_deg == 10.0 for p in beam.control_points)
    assert all(p.jaw_y_mm == (-50.0, 50.0) for p in beam.control_points)
    assert beam.control_points[3].leaves is not None
    assert beam.control_points[3].leaves.positions_mm[0].tolist() == [-17.0, 20.0]


@pytest.mark.parametrize(
    ("widths", "name"),
    [
        (np.r_[[5.0] * 14, [2.5] * 32, [5.0] * 14], "Varian HD120"),
        (np.full(80, 5.0), "Elekta Agility"),
    ],
)
def test_mlc_geometry_comes_from_the_boundaries(
    tmp_path: Path, widths: np.ndarray, name: str
) -> None:
    edges = np.concatenate([[0.0], np.cumsum(widths)]) - widths.sum() / 2
    pairs = widths.size
    devices = (("ASYMY", 1, None), ("MLCX", pairs, edges))
    positions = {"ASYMY": (-40.0, 40.0), "MLCX": _leaves(-30, 30, pairs)}
    path = write_rtplan(
        tmp_path / "mlc.dcm",
        [{"devices": devices, "points": [{"weight": 0.0, "positions": positions}, {"weight": 1}]}],
    )
    beam = read_rtplan_delivery(path).plan.beams[0]
    assert beam.mlc is not None
    assert beam.mlc.name == name
    assert beam.mlc.pairs == pairs
    assert beam.mlc.boundaries_mm == pytest.approx(edges)
    assert beam.control_points[0].jaw_x_mm is None


def test_mlcy_and_symmetric_jaws(tmp_path: Path) -> None:
    edges = np.linspace(-100.0, 100.0, 41)
    devices = (("X", 1, None), ("Y", 1, None), ("MLCY", 40, edges))
    positions = {"X": (-30.0, 30.0), "Y": (-40.0, 40.0), "MLCY": _leaves(-35, 35, 40)}
    path = write_rtplan(
        tmp_path / "mlcy.dcm",
        [{"devices": devices, "points": [{"weight": 0.0, "positions": positions}, {"weight": 1}]}],
    )
    beam = read_rtplan_delivery(path).plan.beams[0]
    assert beam.mlc is not None
    assert beam.mlc.device_type == "MLCY"
    assert beam.control_points[1].jaw_x_mm == (-30.0, 30.0)


def test_setup_and_zero_mu_beams_are_left_out_with_a_note(tmp_path: Path) -> None:
    path = write_rtplan(
        tmp_path / "setup.dcm",
        [_static(name="SETUP", delivery="SETUP"), _static(name="ZERO", mu=0.0), _static()],
    )
    read = read_rtplan_delivery(path)
    assert [b.name for b in read.plan.beams] == ["B3"]
    assert any("setup beam, ignored" in n for n in read.notes)
    assert any("0 MU" in n and "ZERO" in n for n in read.notes)


@pytest.mark.parametrize(
    ("beam", "match"),
    [
        (_static(radiation="ELECTRON"), "RadiationType=ELECTRON: only photon beams"),
        (_static(radiation="PROTON"), "RadiationType=PROTON"),
        (_static(extra={"NumberOfWedges": 1}), "beam 1 'B1' WedgeSequence.*wedge"),
        (_static(extra={"NumberOfBlocks": 2}), "BlockSequence.*block"),
        (_static(extra={"NumberOfCompensators": 1}), "CompensatorSequence.*compensator"),
        (_static(extra={"NumberOfBoli": 1}), "NumberOfBoli=1: a bolus"),
        (_static(delivery="VERIFICATION"), "TreatmentDeliveryType=VERIFICATION"),
        (_static(beam_type="STATIC", points=[]), "needs at least 2 control points"),
    ],
)
def test_beams_it_cannot_compute_are_refused_by_name(
    tmp_path: Path, beam: dict[str, Any], match: str
) -> None:
    path = write_rtplan(tmp_path / "bad.dcm", [beam])
    with pytest.raises(InputError, match=match):
        read_rtplan_delivery(path)


def test_an_applicator_is_refused(tmp_path: Path) -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence as DicomSequence

    applicator = Dataset()
    applicator.ApplicatorID = "A10"
    applicator.ApplicatorType = "ELECTRON_SQUARE"
    path = write_rtplan(
        tmp_path / "app.dcm", [_static(extra={"ApplicatorSequence": DicomSequence([applicator])})]
    )
    with pytest.raises(InputError, match="ApplicatorSequence=A10: beams with a applicator"):
        read_rtplan_delivery(path)


def test_zero_mu_plan_is_refused(tmp_path: Path) -> None:
    path = write_rtplan(tmp_path / "zero.dcm", [_static(mu=0.0)])
    with pytest.raises(InputError, match=r"BeamMeterset=0.0: the plan delivers 0 MU"):
        read_rtplan_delivery(path)


def test_falling_meterset_weights_are_refused(tmp_path: Path) -> None:
    points = [{"weight": 0.0, "positions": JAWS}, {"weight": 0.6}, {"weight": 0.4}, {"weight": 1}]
    path = write_rtplan(tmp_path / "bad.dcm", [_static(points=points)])
    with pytest.raises(InputError, match=r"control point 2 CumulativeMetersetWeight.*monotonic"):
        read_rtplan_delivery(path)


def test_a_moving_gantry_without_direction_and_a_moving_couch_are_refused(tmp_path: Path) -> None:
    moving = [{"weight": 0.0, "positions": JAWS}, {"weight": 1.0, "gantry": 20.0}]
    path = write_rtplan(tmp_path / "g.dcm", [_static(beam_type="DYNAMIC", points=moving)])
    with pytest.raises(InputError, match="gantry moves but no rotation direction"):
        read_rtplan_delivery(path)
    couch = [{"weight": 0.0, "positions": JAWS}, {"weight": 1.0, "couch": 20.0}]
    path = write_rtplan(tmp_path / "c.dcm", [_static(beam_type="DYNAMIC", points=couch)])
    with pytest.raises(InputError, match="couch_deg=0-20: must not change during the beam"):
        read_rtplan_delivery(path)


def test_overlapping_leaves_and_wrong_leaf_count_are_refused(tmp_path: Path) -> None:
    crossed = {**JAWS, "MLCX": _leaves(10, -10)}
    path = write_rtplan(
        tmp_path / "x.dcm",
        [
            {
                "devices": MLC_DEVICES,
                "points": [{"weight": 0.0, "positions": crossed}, {"weight": 1}],
            }
        ],
    )
    with pytest.raises(InputError, match=r"leaf pair 1=.*bank B must not be behind bank A"):
        read_rtplan_delivery(path)
    short = {**JAWS, "MLCX": _leaves(-10, 10, 40)}
    path = write_rtplan(
        tmp_path / "y.dcm",
        [{"devices": MLC_DEVICES, "points": [{"weight": 0.0, "positions": short}, {"weight": 1}]}],
    )
    with pytest.raises(InputError, match="must give 2 x 60 leaf positions"):
        read_rtplan_delivery(path)


def test_a_patient_position_other_than_hfs_is_refused(tmp_path: Path) -> None:
    path = write_rtplan(tmp_path / "ffs.dcm", [_static()], position="FFS")
    with pytest.raises(InputError, match="PatientPosition=FFS: only head-first supine"):
        read_rtplan_delivery(path)
    path = write_rtplan(tmp_path / "none.dcm", [_static()], position=None)
    assert any("HFS) assumed" in n for n in read_rtplan_delivery(path).notes)


def test_missing_first_gantry_and_missing_meterset_are_refused(tmp_path: Path) -> None:
    path = write_rtplan(tmp_path / "rt.dcm", [_static()])
    import pydicom

    ds = pydicom.dcmread(path)
    del ds.BeamSequence[0].ControlPointSequence[0].GantryAngle
    ds.save_as(tmp_path / "nogantry.dcm")
    with pytest.raises(InputError, match="control point 0 GantryAngle: required in the first"):
        read_rtplan_delivery(tmp_path / "nogantry.dcm")
    ds = pydicom.dcmread(path)
    del ds.FractionGroupSequence[0].ReferencedBeamSequence[0].BeamMeterset
    ds.save_as(tmp_path / "nomu.dcm")
    with pytest.raises(InputError, match="BeamMeterset: missing in the fraction group"):
        read_rtplan_delivery(tmp_path / "nomu.dcm")
