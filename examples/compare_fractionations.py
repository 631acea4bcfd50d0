"""Compare HCC fractionation schemes by BED and EQD2 for the tumour and the normal liver.

Run: ``.venv/bin/python examples/compare_fractionations.py``. α/β 10 Gy for HCC and 2.5 Gy for
normal liver are the usual planning values (docs/radiobiology.md gives their sources); the LQ
model is used for every scheme here, so the SBRT rows carry LQ's high-dose caveat.
"""

from __future__ import annotations

import hccrt

SCHEMES = [  # (label, dose per fraction in Gy, fractions)
    ("conventional 50 Gy / 25", 2.0, 25),
    ("hypofractionated 45 Gy / 15", 3.0, 15),
    ("SBRT 40 Gy / 5", 8.0, 5),
    ("SBRT 54 Gy / 3", 18.0, 3),
]
ALPHA_BETA_GY = {"HCC": 10.0, "normal liver": 2.5}


def main() -> None:
    """Print one row per scheme: physical dose, BED and EQD2 for each α/β."""
    header = ["scheme", "total Gy"]
    for tissue in ALPHA_BETA_GY:
        header += [f"BED {tissue}", f"EQD2 {tissue}"]
    print(" | ".join(header))
    for label, dose_per_fraction_gy, fractions in SCHEMES:
        row = [label, f"{dose_per_fraction_gy * fractions:.1f}"]
        for alpha_beta_gy in ALPHA_BETA_GY.values():
            row.append(f"{hccrt.bed(dose_per_fraction_gy, fractions, alpha_beta_gy):.1f}")
            row.append(f"{hccrt.eqd2(dose_per_fraction_gy, fractions, alpha_beta_gy):.1f}")
        print(" | ".join(row))


if __name__ == "__main__":
    main()
