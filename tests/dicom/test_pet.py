"""PET writer and SUV reader: the SUV attributes round-trip; missing ones are refused."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest

from hccrt.dicom import read_ct_series
from hccrt.dicom.ct_reference import PatientStudy
from hccrt.dicom.pet import read_pet_suv, read_suv_parameters
from hccrt.dicom.pet_writer import F18_HALF_LIFE_S, PETSeriesInfo, write_pet_series
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from tests.dciodvfy import dciodvfy_errors

INJECTION = datetime(2025, 12, 29, 8, 0, 0)
SERIES = PETSeriesInfo(
    "1.2.826.0.1.3680043.8.498.77",
    series_datetime=datetime(2025, 12, 29, 9, 0, 0),
    injection_datetime=INJECTION,
    injected_dose_bq=250e6,
    patient_weight_kg=70.0,
)
# 70 000 g / (250e6 Bq x 2^(-3600 s / 6586.2 s)) = 4.0897e-4 g/ml per Bq/ml (hand calculation)
SUV_PER_BQ_ML = 4.0897e-4


@pytest.fixture
def pet_dir(tmp_path: Path) -> Path:
    grid = Grid.from_spacing(
        (3, 4, 5), (4.0, 4.0, 4.0), (-8.0, -6.0, 0.0), "1.2.826.0.1.3680043.8.498.78"
    )
    activity = np.arange(60, dtype=np.float64).reshape(grid.shape) * 100.0
    patient = PatientStudy("PET^TEST", "P-1", "1.2.826.0.1.3680043.8.498.79", "20251229", "090000")
    write_pet_series(activity, grid, tmp_path / "PT", patient, SERIES)
    return tmp_path / "PT"


def test_pet_series_reads_as_bq_ml_and_as_suv(pet_dir: Path) -> None:
    image = read_ct_series(pet_dir)
    assert image.modality == "PT"
    expected = np.arange(60, dtype=np.float64).reshape(3, 4, 5) * 100.0
    np.testing.assert_allclose(image.values, expected, atol=5900 / 65000)  # one stored step
    parameters = read_suv_parameters(pet_dir)
    assert parameters.decay_time_s == 3600.0
    assert parameters.half_life_s == F18_HALF_LIFE_S
    assert parameters.suv_per_bq_ml == pytest.approx(SUV_PER_BQ_ML, rel=1e-4)
    suv = read_pet_suv(pet_dir)
    np.testing.assert_allclose(suv.values, image.values * SUV_PER_BQ_ML, rtol=1e-4)
    assert dciodvfy_errors(sorted(pet_dir.glob("*.dcm"))[1]) == []


def _edit(pet_dir: Path, change: object) -> None:
    for path in pet_dir.glob("*.dcm"):
        ds = pydicom.dcmread(path)
        change(ds)  # type: ignore[operator]
        ds.save_as(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda ds: delattr(
                ds.RadiopharmaceuticalInformationSequence[0], "RadionuclideTotalDose"
            ),
            r"RadionuclideTotalDose: missing or not a positive number in the PET series "
            r"\(.*PT_0001.dcm\): SUV cannot be computed",
        ),
        (lambda ds: delattr(ds, "PatientWeight"), "PatientWeight: missing"),
        (
            lambda ds: delattr(
                ds.RadiopharmaceuticalInformationSequence[0], "RadionuclideHalfLife"
            ),
            "RadionuclideHalfLife: missing",
        ),
        (lambda ds: delattr(ds, "RadiopharmaceuticalInformationSequence"), "Radiopharmaceutical"),
        (lambda ds: setattr(ds, "Units", "CNTS"), "Units=CNTS: must be BQML"),
        (lambda ds: setattr(ds, "DecayCorrection", "NONE"), "DecayCorrection=NONE: must be START"),
        (lambda ds: setattr(ds, "SeriesTime", "075000"), "is after the series start"),
    ],
)
def test_pet_without_what_suv_needs_is_refused(pet_dir: Path, change: object, message: str) -> None:
    _edit(pet_dir, change)
    read_ct_series(pet_dir)  # the image itself is still readable (registration needs no SUV)
    with pytest.raises(InputError, match=message):
        read_pet_suv(pet_dir)


def test_injection_time_without_a_date_uses_the_series_date(pet_dir: Path) -> None:
    _edit(
        pet_dir,
        lambda ds: delattr(
            ds.RadiopharmaceuticalInformationSequence[0], "RadiopharmaceuticalStartDateTime"
        ),
    )
    assert read_suv_parameters(pet_dir).decay_time_s == 3600.0


def test_a_pet_series_must_start_after_its_injection() -> None:
    with pytest.raises(InputError, match=r"injection_datetime=.*must be before the series start"):
        PETSeriesInfo("1.2.3", INJECTION, INJECTION, 1e8, 70.0)
