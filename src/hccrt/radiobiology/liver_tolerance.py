"""Volume-dependent tolerable mean dose to the normal liver (Liang 2006, Child-Pugh A HCC).

Seed 000 gives the Chinese tolerated whole-liver mean dose (23 Gy for Child-Pugh A, about 6 Gy for
Child-Pugh B); Liang 2006 makes the Child-Pugh A value depend on the normal-liver volume.
"""

from __future__ import annotations

from hccrt.core import protocol_limit
from hccrt.errors import ClinicalInputError, InputError
from hccrt.radiobiology._checks import child_pugh_letter, positive
from hccrt.radiobiology.records import SourcedValue, Status

LIANG_2006_SOURCE = (
    "Liang SX et al. Radiation-induced liver disease in three-dimensional conformal radiation "
    "therapy for primary liver carcinoma: the risk factors and hepatic radiation tolerance. "
    "IJROBP 2006;65:426-434 (PubMed 16690430 abstract checked): Child-Pugh A, hypofractionated "
    "3D-CRT; MDTNL (Gy) = -1.686 + 0.023 x normal liver volume (cm3)"
)


def liang_tolerable_mean_dose_gy(normal_liver_volume_cc: float) -> float:
    """Tolerable mean dose to the normal liver (Gy) from its volume, Liang 2006 (Child-Pugh A).

    MDTNL_tol = −1.686 + 0.023 × V(normal liver, cc). Fitted to Child-Pugh A patients treated with
    hypofractionated 3D-CRT; the doses are physical doses of that regimen (not EQD2).

    Raises
    ------
    InputError
        For a non-positive volume, or one below 73.3 cc where the formula gives no positive dose.

    Examples
    --------
    >>> round(liang_tolerable_mean_dose_gy(1000.0), 3)
    21.314
    """
    volume = positive("normal_liver_volume_cc", normal_liver_volume_cc)
    tolerable = -1.686 + 0.023 * volume
    if tolerable <= 0.0:
        raise InputError(
            "normal_liver_volume_cc",
            "below 73.3 cc the Liang 2006 formula gives no positive tolerable dose",
            normal_liver_volume_cc,
            "check the volume units (cc); the formula does not apply to such small livers",
        )
    return tolerable


LIANG_2006_TOLERABLE_V_PERCENT: dict[int, float] = {
    5: 86.0,
    10: 68.0,
    15: 59.0,
    20: 49.0,
    25: 35.0,
    30: 28.0,
    35: 25.0,
    40: 20.0,
}
"""Liang 2006, Child-Pugh A: tolerable % of normal liver receiving >= x Gy (V_x < value).

Keys are x in Gy (physical dose of the hypofractionated 3D-CRT regimen); source
:data:`LIANG_2006_SOURCE` (PubMed 16690430 abstract, VERIFIED)."""


SEED_000_PASSAGE = (
    "seed 000 (RT for HCC), complications: 'The tolerated dose (whole liver average dose) for "
    "liver is 23 Gy for Child-Pugh class A patients and probably 6 Gy for Child-Pugh class B "
    "patients' (domestic Chinese data)"
)


def seed_tolerable_mean_liver_dose(child_pugh_class: str) -> SourcedValue:
    """Whole-liver mean-dose tolerance stated by seed 000: 23 Gy (Child-Pugh A), 6 Gy (B).

    Raises
    ------
    ClinicalInputError
        For Child-Pugh C (the seed gives no value: insufficient_data) or an unreadable class
        (A, B or C, optionally with a matching score such as B7).

    Examples
    --------
    >>> seed_tolerable_mean_liver_dose("A").value
    23.0
    """
    letter = child_pugh_letter(child_pugh_class)
    values = {
        "A": protocol_limit("liver_mean_cp_a").limit,
        "B": protocol_limit("liver_mean_cp_b").limit,
    }
    if letter not in values:
        raise ClinicalInputError(
            "child_pugh_class",
            "seed 000 gives a tolerated mean liver dose for Child-Pugh A and B only "
            "(insufficient_data otherwise)",
            child_pugh_class,
            "give A or B",
        )
    return SourcedValue(
        name=f"tolerated whole-liver mean dose, Child-Pugh {letter}",
        value=values[letter],
        unit="Gy",
        source=SEED_000_PASSAGE,
        status=Status.verified,
        note="seed value ('probably' for B); fractionation not stated in the seed",
    )
