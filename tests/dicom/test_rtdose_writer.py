"""RTDOSE writer: multi-frame dose, scaling, frame offsets and plan reference read back."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from hccrt.dicom import read_rtdose
from hccrt.dicom.rtdose_writer import write_rtdose
from hccrt.dicom.rtplan_writer import PatientReference
from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.grid import Grid

REF = PatientReference("P1", "Test^Patient", "1.2.3.4.5", "1.2.3.4.6", "1.2.3.4.7")


def _grid(frame: str = "1.2.3.4.6") -> Grid:
    return Grid.from_spacing((4, 5, 6), (2.5, 3.0, 3.0), (-10.0, -20.0, 5.0), frame)


def test_rtdose_round_trip(tmp_path):
    grid = _grid()
    rng = np.random.default_rng(1)
    dose = rng.uniform(0.0, 55.0, grid.shape)
    path = tmp_path / "dose.dcm"
    uid = write_rtdose(path, dose, grid, REF, "9.8.7")
    ds = pydicom.dcmread(path)
    assert ds.SOPInstanceUID == uid
    assert ds.NumberOfFrames == 4
    assert [float(v) for v in ds.GridFrameOffsetVector] == [0.0, 2.5, 5.0, 7.5]
    assert ds.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID == "9.8.7"
    assert ds.FrameOfReferenceUID == REF.frame_of_reference_uid
    stored = ds.pixel_array * float(ds.DoseGridScaling)
    assert np.allclose(stored, dose, atol=1e-6)

    read = read_rtdose(path)
    assert read.grid.same_geometry(grid)
    assert np.allclose(read.dose_gy, dose, atol=1e-6)
    assert read.referenced_plan_uid == "9.8.7"


def test_rtdose_rejects_other_frame_and_negative_dose(tmp_path):
    with pytest.raises(GeometryMismatchError, match="Frame of Reference"):
        write_rtdose(tmp_path / "d.dcm", np.zeros((4, 5, 6)), _grid("9.9"), REF, "1.1")
    with pytest.raises(InputError, match=">= 0 Gy"):
        write_rtdose(tmp_path / "d.dcm", -np.ones((4, 5, 6)), _grid(), REF, "1.1")
