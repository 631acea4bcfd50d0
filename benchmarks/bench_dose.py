"""Final-dose benchmark: 7-beam liver plan on a 2.5 mm grid (collapsed cone), time and memory.

A synthetic abdomen CT (200 x 200 columns/rows, 120 slices of 2.5 mm: elliptical water body,
lungs of density 0.25 in the upper third, a bone spine), seven coplanar beams (gantry 0, 40,
80, 120, 200, 260, 320 degrees) of 100 x 100 mm with a fixed random modulation (seed 1), 100 MU
each. The dose is computed on the CT grid itself (4.8 million voxels) in a fresh process, so
the peak resident memory is the engine's. The goal of issue 12: < 60 s on the 2-core machine
and < 2 GB.

No open peer runs here (OpenTPS-core's collapsed cone needs its own Python 3.12 environment
and is reported at about 5 s per beamlet); the comparison is with that published timing.
Usage: ``.venv/bin/python benchmarks/bench_dose.py [--kernel-mm 2.5]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

_JOB = r"""
import json, resource, sys, time
import numpy as np
from hccrt.dose import BeamFluence, BeamModelLibrary, compute_dose
from hccrt.geometry.grid import Grid
from hccrt.planning.beams import Beam

kernel_mm = float(sys.argv[1])
grid = Grid.from_spacing((120, 200, 200), (2.5, 2.5, 2.5), (-148.75, -248.75, -248.75), "1.2.3")
z, y, x = grid.axis_coordinates_mm()
zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
density = np.where((xx / 170.0) ** 2 + (yy / 120.0) ** 2 <= 1.0, 1.0, 0.0).astype(np.float32)
lungs = (zz > 50.0) & (((np.abs(xx) - 80.0) / 55.0) ** 2 + (yy / 80.0) ** 2 <= 1.0)
density[lungs] = 0.25
density[(xx**2 + (yy - 80.0) ** 2) <= 20.0**2] = 1.6
rng = np.random.default_rng(1)
u = np.arange(-60.0, 60.0, 2.5) + 1.25
fluences = []
for gantry in (0.0, 40.0, 80.0, 120.0, 200.0, 260.0, 320.0):
    beam = Beam(gantry_deg=gantry, isocenter_mm=(30.0, 0.0, 0.0))
    open_ = (np.abs(u)[None, :] < 50.0) & (np.abs(u)[:, None] < 50.0)
    fluence = np.where(open_, 100.0 * rng.uniform(0.3, 1.0, (u.size, u.size)), 1.5)
    fluences.append(BeamFluence(f"G{gantry:g}", "Linac", "6MV", np.array(beam.isocenter_mm),
                                beam.axes, 1000.0, u, u, fluence, 100.0))
start = time.perf_counter()
dose = compute_dose(fluences, density, grid, BeamModelLibrary.default(), grid,
                    kernel_spacing_mm=kernel_mm)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "voxels": int(dose.size),
                  "max_gy": float(dose.max()), "kernel_mm": kernel_mm}))
"""


def run(kernel_mm: float) -> dict[str, float]:
    """Run the benchmark in a fresh process; return its JSON result."""
    out = subprocess.run(
        [sys.executable, "-c", _JOB, str(kernel_mm)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Print a markdown table of the runs."""
    given = sys.argv[sys.argv.index("--kernel-mm") + 1 :] if "--kernel-mm" in sys.argv else []
    kernels = [float(a) for a in given] or [2.5, 5.0]
    print("| kernel grid (mm) | voxels | time (s) | goal (s) | peak RSS (MB) | goal (MB) |")
    print("|---|---|---|---|---|---|")
    for kernel_mm in kernels:
        start = time.perf_counter()
        result = run(kernel_mm)
        wall = time.perf_counter() - start
        print(
            f"| {kernel_mm:g} | {result['voxels']} | {result['seconds']:.1f} "
            f"(process {wall:.1f}) | 60 | {result['peak_mb']:.0f} | 2048 |",
            flush=True,
        )


if __name__ == "__main__":
    main()
