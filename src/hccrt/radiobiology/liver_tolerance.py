"""Volume-dependent tolerable mean dose to the normal liver (Liang 2006, Child-Pugh A HCC).

Seed 000 gives the Chinese tolerated whole-liver mean dose (23 Gy for Child-Pugh A, about 6 Gy for
Child-Pugh B); Liang 2006 makes the Child-Pugh A value depend on the normal-liver volume.
"""

from __future__ import annotations

from hccrt.errors import InputError
from hccrt.radiobiology._checks import positive

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
