"""RTPLAN writer: beams, MLC control points, MU, fraction group and references read back."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from hccrt.dicom import read_rtplan
from hccrt.dicom.rtplan_writer import PatientReference, write_rtplan
from hccrt.errors import InputError
from hccrt.planning import plan_record
from hccrt.planning.auto import BeamDelivery
from hccrt.planning.beams import Beam
from hccrt.planning.mlc import Aperture, millennium_like_mlc
from hccrt.planning.sequencing import Segment

REF = PatientReference("P1", "Test^Patient", "1.2.3.4.5", "1.2.3.4.6", "1.2.3.4.7")


def _deliveries():
    mlc = millennium_like_mlc()
    leaves = np.zeros((mlc.pairs, 2))
    leaves[28:32] = (-20.0, 25.0)
    small = leaves.copy()
    small[29:31] = (-10.0, 5.0)
    small[28] = small[31] = (0.0, 0.0)
    beams = [Beam(0.0, (1.0, 2.0, 3.0), name="AP"), Beam(90.0, (1.0, 2.0, 3.0), name="LAT")]
    return mlc, [
        BeamDelivery(beams[0], (Segment(Aperture(leaves), 300.0),)),
        BeamDelivery(beams[1], (Segment(Aperture(leaves), 200.0), Segment(Aperture(small), 100.0))),
    ]


def test_rtplan_round_trip(tmp_path):
    mlc, deliveries = _deliveries()
    path = tmp_path / "plan.dcm"
    plan = plan_record(deliveries, mlc, 50.0, 10, REF.frame_of_reference_uid)
    uid = write_rtplan(path, plan, REF, technique="IMRT")
    ds = pydicom.dcmread(path)
    assert ds.SOPInstanceUID == uid
    assert ds.Modality == "RTPLAN"
    assert ds.FrameOfReferenceUID == REF.frame_of_reference_uid
    assert ds.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID == REF.structure_set_uid
    group = ds.FractionGroupSequence[0]
    assert group.NumberOfFractionsPlanned == 10
    assert [float(b.BeamMeterset) for b in group.ReferencedBeamSequence] == [30.0, 30.0]
    lateral = ds.BeamSequence[1]
    assert lateral.NumberOfControlPoints == 4
    weights = [float(cp.CumulativeMetersetWeight) for cp in lateral.ControlPointSequence]
    assert weights == pytest.approx([0.0, 2 / 3, 2 / 3, 1.0])
    devices = {d.RTBeamLimitingDeviceType: d for d in lateral.BeamLimitingDeviceSequence}
    assert len(devices["MLCX"].LeafPositionBoundaries) == 61
    positions = lateral.ControlPointSequence[2].BeamLimitingDevicePositionSequence
    mlc_positions = next(p for p in positions if p.RTBeamLimitingDeviceType == "MLCX")
    bank_a = np.array(mlc_positions.LeafJawPositions[:60], dtype=float)
    bank_b = np.array(mlc_positions.LeafJawPositions[60:], dtype=float)
    assert np.all(bank_a <= bank_b)
    assert (bank_a[29], bank_b[29]) == (-10.0, 5.0)
    first = lateral.ControlPointSequence[0]
    assert float(first.GantryAngle) == 90.0
    assert [float(v) for v in first.IsocenterPosition] == [1.0, 2.0, 3.0]

    summary = read_rtplan(path)
    assert summary.prescription_dose_gy == 50.0
    assert summary.fractions == 10
    assert [b.monitor_units for b in summary.beams] == [30.0, 30.0]
    assert summary.referenced_structure_set_uid == REF.structure_set_uid


def test_rtplan_rejects_bad_fractions_and_empty_beam(tmp_path):
    mlc, deliveries = _deliveries()
    with pytest.raises(InputError, match="fractions"):
        write_rtplan(tmp_path / "p.dcm", plan_record(deliveries, mlc, 50.0, 0, ""), REF)
    empty = [BeamDelivery(Beam(0.0, (0.0, 0.0, 0.0), name="X"), ())]
    with pytest.raises(InputError, match="no MLC segment"):
        write_rtplan(tmp_path / "p.dcm", plan_record(empty, mlc, 50.0, 5, ""), REF)


def test_an_arc_is_written_as_a_dynamic_beam_with_a_gantry_angle_per_control_point(tmp_path):
    from hccrt.dicom.rtplan_delivery import read_rtplan_delivery

    mlc = millennium_like_mlc()
    leaves = np.tile([[-0.25, 0.25]], (mlc.pairs, 1))
    leaves[29:31] = (-10.0, 10.0)
    moved = leaves.copy()
    moved[29:31] = (-6.0, 14.0)  # 4 mm in a 4 deg step
    segments = (
        Segment(Aperture(leaves), 40.0),
        Segment(Aperture(moved), 60.0),
        Segment(Aperture(leaves), 0.0),
    )
    arc = BeamDelivery(
        Beam(358.0, (1.0, 2.0, 3.0), name="ARC1"),
        segments,
        gantry_deg=(358.0, 2.0, 6.0),
        rotation="CW",
    )
    plan = plan_record([arc], mlc, 45.0, 3, REF.frame_of_reference_uid)
    (beam,) = plan.beams
    assert beam.beam_type == "DYNAMIC"
    assert beam.monitor_units == pytest.approx(100.0 / 3)
    assert [p.cumulative_meterset_weight for p in beam.control_points] == pytest.approx(
        [0.0, 0.4, 1.0]
    )
    path = tmp_path / "arc.dcm"
    write_rtplan(path, plan, REF, technique="VMAT")
    ds = pydicom.dcmread(path)
    points = ds.BeamSequence[0].ControlPointSequence
    assert [float(cp.GantryAngle) for cp in points] == [358.0, 2.0, 6.0]
    assert [cp.GantryRotationDirection for cp in points] == ["CW", "CW", "NONE"]
    read = read_rtplan_delivery(path).plan.beams[0]
    assert read.is_arc
    assert [p.gantry_deg for p in read.control_points] == pytest.approx([358.0, 2.0, 6.0])
    # closed pairs stay where they were sequenced (not parked across the field)
    assert read.control_points[0].leaves.positions_mm[0].tolist() == pytest.approx([-0.25, 0.25])


def test_an_arc_without_a_gantry_angle_per_segment_is_refused():
    mlc = millennium_like_mlc()
    leaves = np.tile([[-5.0, 5.0]], (mlc.pairs, 1))
    arc = BeamDelivery(
        Beam(0.0, (0.0, 0.0, 0.0), name="ARC"),
        (Segment(Aperture(leaves), 10.0), Segment(Aperture(leaves), 0.0)),
        gantry_deg=(0.0,),
        rotation="CW",
    )
    with pytest.raises(InputError, match=r"arc.*needs one gantry angle per control point"):
        plan_record([arc], mlc, 45.0, 3, "")
