"""Run every benchmark (``make bench``): each ``benchmarks/bench_*.py`` exposes ``main()``.

Benchmarks compare hccrt side by side with the peer named in each issue, in one run, and print
markdown tables; docs/validation.md links the recorded results. Not part of CI.

Usage: ``.venv/bin/python benchmarks/run_all.py [NAME ...]`` (e.g. ``dvh geometry``).
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load_main(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def run(selected: list[str]) -> int:
    """Run the selected benchmarks (all when empty); return the number that failed."""
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if selected and name not in selected:
            continue
        print(f"\n## {name}\n", flush=True)
        start = time.perf_counter()
        try:
            main = _load_main(path)
            main()  # type: ignore[operator]
        except Exception as error:  # report and continue with the next benchmark
            failures += 1
            print(f"benchmark {name} failed: {type(error).__name__}: {error}", flush=True)
        print(f"\n({name}: {time.perf_counter() - start:.1f} s)", flush=True)
    return failures


if __name__ == "__main__":
    sys.exit(1 if run(sys.argv[1:]) else 0)
