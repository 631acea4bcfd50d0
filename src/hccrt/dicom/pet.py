"""PET standardized uptake value (SUV, body weight) from a PET series' DICOM attributes.

``SUVbw = C / (D * 2^(-t / T_half) / W)`` with ``C`` the activity concentration (Bq/ml, Units
``BQML``), ``D`` the injected dose (RadionuclideTotalDose, Bq), ``t`` the time from the
injection (RadiopharmaceuticalStartDateTime, else RadiopharmaceuticalStartTime on the
SeriesDate) to the decay-correction reference, ``T_half`` the RadionuclideHalfLife (s) and
``W`` the PatientWeight in g (1 ml of tissue taken as 1 g), so SUV is in g/ml. With
DecayCorrection ``START`` the reference is the series start (SeriesDate/SeriesTime); with
``ADMIN`` the images are already corrected to the injection (``t = 0``); ``NONE`` is refused
(each frame would need its own decay factor).

References
----------
Kinahan PE, Fletcher JW. Positron emission tomography-computed tomography standardized uptake
values in clinical practice and assessing response to therapy. Semin Ultrasound CT MR
2010;31:496-505 (the SUVbw definition). QIBA FDG-PET/CT profile, "SUV calculation" pseudo-code
(RSNA QIBA wiki): which DICOM attributes to use. DICOM PS3.3 C.8.9.1, C.8.9.2.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from hccrt.core import Image
from hccrt.dicom._common import read_dataset, text
from hccrt.dicom.ct import _candidate_files, read_ct_series
from hccrt.errors import InputError

__all__ = ["SUVParameters", "read_pet_suv", "read_suv_parameters"]


@dataclass(frozen=True)
class SUVParameters:
    """What the SUV of a PET series needs (module docstring), as read from its header.

    Attributes
    ----------
    patient_weight_kg
        PatientWeight, kg.
    injected_dose_bq
        RadionuclideTotalDose at the injection, Bq.
    half_life_s
        RadionuclideHalfLife, s.
    decay_time_s
        Time from the injection to the decay-correction reference, s (0 for ``ADMIN``).
    decay_correction
        ``START`` or ``ADMIN``.
    """

    patient_weight_kg: float
    injected_dose_bq: float
    half_life_s: float
    decay_time_s: float
    decay_correction: str

    @property
    def suv_per_bq_ml(self) -> float:
        """Factor from Bq/ml to SUVbw (g/ml)."""
        decay = float(np.exp2(-self.decay_time_s / self.half_life_s))
        dose_at_reference = self.injected_dose_bq * decay
        return 1000.0 * self.patient_weight_kg / dose_at_reference


def _missing(keyword: str, source: str, fix: str, value: object = None) -> InputError:
    return InputError(
        keyword,
        f"missing or not a positive number in the PET series ({source}): SUV cannot be computed",
        value if value not in ("",) else None,
        fix,
    )


def _positive(ds: Dataset, keyword: str, source: str, fix: str) -> float:
    value = ds.get(keyword)
    try:
        number = float(value) if value not in (None, "") else float("nan")
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number > 0):
        raise _missing(keyword, source, fix, None if value is None else str(value))
    return number


def _datetime(date_text: str, time_text: str) -> datetime | None:
    if not date_text or not time_text:
        return None
    clock = time_text.split(".")[0].ljust(6, "0")[:6]
    try:
        return datetime.strptime(date_text[:8] + clock, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def suv_parameters(ds: Dataset, source: str = "") -> SUVParameters:
    """The SUV parameters of one PET image dataset (module docstring).

    Raises
    ------
    InputError
        Not activity concentration (Units other than BQML), no decay correction, a missing
        weight, dose, half-life or injection time, or an injection after the series start.
    """
    source = source or text(ds, "SeriesInstanceUID")
    units = text(ds, "Units").upper()
    if units != "BQML":
        raise InputError(
            "Units",
            "must be BQML (activity concentration) for SUV",
            units or None,
            "export the PET reconstructed in Bq/ml",
        )
    correction = text(ds, "DecayCorrection").upper()
    if correction not in ("START", "ADMIN"):
        raise InputError(
            "DecayCorrection",
            "must be START or ADMIN for SUV (images decay corrected to one reference time)",
            correction or None,
            "export the PET with decay correction",
        )
    weight = _positive(ds, "PatientWeight", source, "enter the patient's weight (kg) at the PET")
    items = ds.get("RadiopharmaceuticalInformationSequence", [])
    if not items:
        raise _missing(
            "RadiopharmaceuticalInformationSequence",
            source,
            "export the PET with its radiopharmaceutical (dose, half-life, injection time)",
        )
    item = items[0]
    fix = "export the PET with its radiopharmaceutical information (PET Isotope module)"
    dose = _positive(item, "RadionuclideTotalDose", source, fix)
    half_life = _positive(item, "RadionuclideHalfLife", source, fix)
    decay_time = 0.0
    if correction == "START":
        start_text = text(item, "RadiopharmaceuticalStartDateTime")
        injection = _datetime(start_text[:8], start_text[8:]) if start_text else None
        if injection is None:
            injection = _datetime(
                text(ds, "SeriesDate"), text(item, "RadiopharmaceuticalStartTime")
            )
        if injection is None:
            raise _missing("RadiopharmaceuticalStartDateTime", source, fix)
        series = _datetime(text(ds, "SeriesDate"), text(ds, "SeriesTime"))
        if series is None:
            raise _missing("SeriesDate/SeriesTime", source, "export the PET with its series time")
        decay_time = (series - injection).total_seconds()
        if decay_time < 0:
            raise InputError(
                "RadiopharmaceuticalStartDateTime",
                "is after the series start (the injection must precede the scan)",
                f"{injection.isoformat()} > {series.isoformat()}",
                "check the injection time and date",
            )
    return SUVParameters(weight, dose, half_life, decay_time, correction)


def read_suv_parameters(directory_or_file: str | Path) -> SUVParameters:
    """The SUV parameters of a PET series folder (read from its first PT file's header).

    Raises
    ------
    InputError
        See :func:`suv_parameters`; also a folder without PET images.
    """
    for path in _candidate_files(directory_or_file):
        try:
            ds, _ = read_dataset(path, ("PT",), stop_before_pixels=True)
        except InputError:
            continue
        return suv_parameters(ds, str(path))
    raise InputError(
        "--moving" if Path(directory_or_file).is_dir() else "path",
        "holds no PET (Modality PT) image",
        str(directory_or_file),
        "give the PET series folder",
    )


def read_pet_suv(directory_or_file: str | Path) -> Image:
    """Read a PET series and convert it to SUVbw (g/ml): ``values = Bq/ml * factor``.

    Raises
    ------
    InputError
        The series lacks what SUV needs (:func:`suv_parameters`).
    """
    parameters = read_suv_parameters(directory_or_file)
    image = read_ct_series(directory_or_file)
    values = np.asarray(image.values, dtype=np.float32) * np.float32(parameters.suv_per_bq_ml)
    return replace(image, values=values)
