"""DVH statistics of a real plan, beside the DVHs its planning system stored in the RTDOSE.

Run: ``.venv/bin/python examples/dvh_of_a_plan.py [PLAN_FOLDER]`` (default: the shared breast
plan, ``../shared/data/breast_boost_plan`` with ``rtss.dcm`` and ``rtdose.dcm``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import hccrt
from hccrt.dicom import read_rtdose, read_rtstruct
from hccrt.dvh.plan import compare_with_stored, stored_to_histogram

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "breast_boost_plan"


def main(folder: Path) -> None:
    """Print volume and Dmean per ROI: hccrt, and the planning system's stored DVH."""
    structure_set = read_rtstruct(folder / "rtss.dcm")
    dose = read_rtdose(folder / "rtdose.dcm")
    stored = {s.referenced_roi_numbers[0]: s for s in dose.stored_dvhs}
    print("ROI | volume cc | Dmean Gy | stored Dmean Gy | difference")
    for structure in structure_set.structures:
        if structure.is_empty:
            continue
        dvh = hccrt.compute_dvh(structure, dose.dose_gy, dose.grid)
        line = f"{structure.name} | {dvh.volume_cc:.1f} | {dvh.dmean_gy:.2f}"
        record = stored.get(structure.number)
        if record is not None:
            theirs = stored_to_histogram(structure.name, record.bin_edges, record.cumulative_volume)
            comparison = compare_with_stored(dvh, theirs)
            line += (
                f" | {comparison.stored['Dmean[Gy]']:.2f}"
                f" | {comparison.differences_percent['Dmean[Gy]']:+.2f} %"
            )
        print(line)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
