"""CT series writer: valid Part 10 files, exact HU and geometry, references read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from hccrt.dicom import ct_reference, ct_writer
from hccrt.dicom.ct_writer import (
    CT_IMAGE_STORAGE,
    CTReference,
    CTSeriesInfo,
    PatientStudy,
    make_uid,
    write_ct_series,
)
from hccrt.errors import DicomInputError, InputError
from hccrt.geometry.grid import Grid

PATIENT = PatientStudy("TEST^CT", "CT-1", make_uid(["study"]), "20260105", "093000")


def _volume() -> tuple[np.ndarray, Grid]:
    grid = Grid.from_spacing((4, 6, 5), (2.5, 0.8, 0.7), (-10.0, -20.0, 30.0), make_uid(["for"]))
    hu = np.arange(4 * 6 * 5, dtype=np.int16).reshape(4, 6, 5) * 20 - 1000
    return hu, grid


def test_written_series_round_trips(tmp_path: Path) -> None:
    hu, grid = _volume()
    ref = write_ct_series(hu, grid, tmp_path, PATIENT, CTSeriesInfo(make_uid(["series"])))
    files = sorted(tmp_path.glob("*.dcm"))
    assert len(files) == 4
    assert len(ref.images) == 4
    for k, path in enumerate(files):
        ds = pydicom.dcmread(path)
        assert ds.file_meta.MediaStorageSOPClassUID == CT_IMAGE_STORAGE
        assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
        assert ds.SOPInstanceUID == ref.images[k].sop_instance_uid
        assert ds.PatientPosition == "HFS"
        assert ds.FrameOfReferenceUID == grid.frame_of_reference_uid
        stored = ds.pixel_array.astype(float) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        np.testing.assert_array_equal(stored, hu[k])
        np.testing.assert_allclose(
            [float(v) for v in ds.ImagePositionPatient], [-10, -20, 30 + 2.5 * k]
        )
        np.testing.assert_allclose([float(v) for v in ds.PixelSpacing], [0.8, 0.7])
    assert CTReference.from_directory(tmp_path) == ref


def test_simpleitk_reads_the_series(tmp_path: Path) -> None:
    hu, grid = _volume()
    write_ct_series(hu, grid, tmp_path, PATIENT, CTSeriesInfo(make_uid(["series2"])))
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(tmp_path)))
    image = reader.Execute()
    assert image.GetSize() == (5, 6, 4)
    np.testing.assert_allclose(image.GetSpacing(), (0.7, 0.8, 2.5))
    np.testing.assert_allclose(image.GetOrigin(), (-10.0, -20.0, 30.0))
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), hu)


def test_image_lookup_by_plane(tmp_path: Path) -> None:
    hu, grid = _volume()
    ref = write_ct_series(hu, grid, tmp_path, PATIENT, CTSeriesInfo(make_uid(["series3"])))
    image = ref.image_at((3.0, 4.0, 35.2))
    assert image is not None
    assert image == ref.images[2]
    assert ref.image_at((0.0, 0.0, 36.0)) is None  # between planes


def test_bad_volumes_are_refused(tmp_path: Path) -> None:
    hu, grid = _volume()
    series = CTSeriesInfo(make_uid(["series4"]))
    with pytest.raises(InputError, match="integer array of the grid shape"):
        write_ct_series(hu[:2], grid, tmp_path, PATIENT, series)
    with pytest.raises(InputError, match=r"must lie in \(-1024, 3071\) HU"):
        write_ct_series(hu * 10, grid, tmp_path, PATIENT, series)
    with pytest.raises(InputError, match="patient_position"):
        CTSeriesInfo("1.2.3", patient_position="XYZ")
    with pytest.raises(DicomInputError, match=r"no \.dcm file"):
        CTReference.from_directory(tmp_path / "empty")


def test_reference_is_the_same_class_from_both_modules() -> None:
    assert ct_writer.CTReference is ct_reference.CTReference
    assert ct_writer.PatientStudy is ct_reference.PatientStudy


def test_patient_identity_is_validated_and_read_back(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"patient_id/study_instance_uid.*must not be empty"):
        PatientStudy("TEST^CT", "", "1.2.3")
    with pytest.raises(InputError, match=r"patient_sex.*M, F, O"):
        PatientStudy("TEST^CT", "CT-1", "1.2.3", patient_sex="X")
    hu, grid = _volume()
    write_ct_series(hu, grid, tmp_path, PATIENT, CTSeriesInfo(make_uid(["series5"])))
    first = pydicom.dcmread(sorted(tmp_path.glob("*.dcm"))[0])
    assert PatientStudy.from_dataset(first) == PATIENT


def test_reference_refuses_mixed_series_and_duplicate_images(tmp_path: Path) -> None:
    hu, grid = _volume()
    ref = write_ct_series(hu, grid, tmp_path / "a", PATIENT, CTSeriesInfo(make_uid(["sa"])))
    write_ct_series(hu, grid, tmp_path / "b", PATIENT, CTSeriesInfo(make_uid(["sb"])))
    files = [*sorted((tmp_path / "a").glob("*.dcm")), *sorted((tmp_path / "b").glob("*.dcm"))]
    with pytest.raises(DicomInputError, match=r"SeriesInstanceUID.*share one non-empty value"):
        CTReference.from_files(files)
    twice = (ref.images[0], ref.images[0])
    with pytest.raises(DicomInputError, match=r"SOPInstanceUID.*unique within the series"):
        CTReference(PATIENT, ref.series_instance_uid, ref.frame_of_reference_uid, twice)
