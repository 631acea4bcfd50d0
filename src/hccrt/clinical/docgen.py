"""Generate ``docs/patient-schema.json`` and ``docs/clinical-rules.md`` from the code.

Run ``python -m hccrt.clinical.docgen`` after changing the record or a rule; a test fails when the
committed files differ from what this module produces.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hccrt.clinical.patient import PatientRecord

DOCS_DIR = Path(__file__).resolve().parents[3] / "docs"


def patient_schema_text() -> str:
    """The JSON schema of :class:`PatientRecord` as indented JSON text (with trailing newline)."""
    schema = PatientRecord.model_json_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def generated_files() -> dict[str, str]:
    """Map of file name under ``docs/`` to its generated content."""
    return {"patient-schema.json": patient_schema_text()}


def main(argv: list[str] | None = None) -> None:
    """Write the generated documentation files into ``docs/`` (or the directory given)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else DOCS_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name, text in generated_files().items():
        (target / name).write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {target / name}\n")


if __name__ == "__main__":
    main()
