"""Benchmark: voxel-wise EQD2/BED of a 512x512x200 float32 dose grid (goal < 1 s), plus NTCP.

Side by side: hccrt's blockwise in-place conversion against the plain numpy one-liner
``D * (D / N + ab) / (2 + ab)`` that a script would write. Prints a markdown table.

Run: ``.venv/bin/python benchmarks/bench_radiobiology.py``
"""

from __future__ import annotations

import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from hccrt.radiobiology import LqlParameters, dose_array_to_bed, dose_array_to_eqd2, ntcp_lkb

SHAPE = (200, 512, 512)  # slices, rows, columns
FRACTIONS = 5
ALPHA_BETA_GY = 2.5
REPEATS = 5


def _naive_eqd2(dose: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return dose * (dose / FRACTIONS + ALPHA_BETA_GY) / (2.0 + ALPHA_BETA_GY)


def _time(function: Callable[[], object]) -> tuple[float, float, float]:
    """Return (median s, best s, peak extra MiB) over REPEATS runs after one warm-up."""
    function()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), min(times), peak / 2**20


def main() -> None:
    """Run the comparison and print a markdown table."""
    rng = np.random.default_rng(20261121)
    dose = (rng.random(SHAPE, dtype=np.float32) * 60.0).astype(np.float32)
    dose64 = dose.astype(np.float64)
    reference = dose64 * (dose64 / FRACTIONS + ALPHA_BETA_GY) / (2.0 + ALPHA_BETA_GY)
    ours = dose_array_to_eqd2(dose, FRACTIONS, ALPHA_BETA_GY)
    naive = _naive_eqd2(dose)
    error_ours = float(np.max(np.abs(ours - reference) / np.maximum(reference, 1e-6)))
    error_naive = float(np.max(np.abs(naive - reference) / np.maximum(reference, 1e-6)))
    del reference, ours, naive

    lql = LqlParameters(ALPHA_BETA_GY, 6.0)
    dvh_dose = np.linspace(0.0, 60.0, 1000)
    dvh_volume = np.exp(-dvh_dose / 15.0)
    rows = [
        (
            "hccrt dose_array_to_eqd2 (float32)",
            lambda: dose_array_to_eqd2(dose, 5, 2.5),
            error_ours,
        ),
        ("numpy one-liner EQD2 (float32)", lambda: _naive_eqd2(dose), error_naive),
        ("hccrt dose_array_to_bed (float32)", lambda: dose_array_to_bed(dose, 5, 2.5), None),
        (
            "hccrt dose_array_to_eqd2, LQ-L dT 6 Gy (float32)",
            lambda: dose_array_to_eqd2(dose, 5, 2.5, high_dose_model=lql),
            None,
        ),
        (
            "hccrt dose_array_to_eqd2 (float64 input)",
            lambda: dose_array_to_eqd2(dose64, 5, 2.5),
            None,
        ),
        (
            "hccrt ntcp_lkb, 1000-bin DVH",
            lambda: ntcp_lkb(dvh_dose, dvh_volume, "tai2009_child_pugh_a", 5),
            None,
        ),
    ]
    print(
        f"Grid {SHAPE[2]}x{SHAPE[1]}x{SHAPE[0]} = {dose.size / 1e6:.1f} M voxels, "
        f"N = {FRACTIONS}, α/β = {ALPHA_BETA_GY} Gy; {REPEATS} runs after a warm-up; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}\n"
    )
    print(
        "| operation | median (ms) | best (ms) | peak extra memory (MiB) | max rel. error vs f64 |"
    )
    print("|---|---|---|---|---|")
    medians = {}
    for label, function, error in rows:
        median, best, peak = _time(function)
        medians[label] = median
        shown = "" if error is None else f"{error:.1e}"
        print(f"| {label} | {1e3 * median:.1f} | {1e3 * best:.1f} | {peak:.1f} | {shown} |")
    ratio = (
        medians["numpy one-liner EQD2 (float32)"] / medians["hccrt dose_array_to_eqd2 (float32)"]
    )
    goal = "met" if medians["hccrt dose_array_to_eqd2 (float32)"] < 1.0 else "NOT met"
    print(f"\nnumpy one-liner / hccrt (median): {ratio:.1f}x; < 1 s goal {goal}.")


if __name__ == "__main__":
    main()
