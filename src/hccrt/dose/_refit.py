"""Re-derive the shipped 6 MV model from ``data/reference_6mv.csv``.

``python -m hccrt.dose._refit OUT_DIR`` fits the model (holding out the fields in
:data:`HELD_OUT`), writes the commissioning report to ``OUT_DIR`` and the model to
``OUT_DIR/beam_model_6mv_default.json`` (copy it into ``hccrt/dose/data`` to ship it).
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from hccrt.dose._beam_model import DEFAULT_MODEL_FILE, default_model
from hccrt.dose._commission import commission
from hccrt.dose._measured import read_csv
from hccrt.dose._report import write_commissioning_report

HELD_OUT = ((20.0, 20.0), (30.0, 30.0), (150.0, 150.0), (300.0, 300.0))
"""Fields kept out of the fit of the shipped model (validated only)."""


def reference_data_path() -> Path:
    """The reference beam data shipped with hccrt."""
    return Path(str(resources.files("hccrt.dose").joinpath("data", "reference_6mv.csv")))


def main(argv: list[str]) -> int:
    """Fit, report, write the model."""
    out = Path(argv[0])
    data = read_csv(reference_data_path())
    result = commission(data, default_model(), HELD_OUT, progress=print)
    write_commissioning_report(result, data, out)
    result.model.with_values(machine="*").save(out / DEFAULT_MODEL_FILE)
    print(out / DEFAULT_MODEL_FILE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
