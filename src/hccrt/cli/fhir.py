"""``hccrt fhir export|import``: the patient record as an HL7 FHIR R4B Bundle and back."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

fhir_app = typer.Typer(
    help="The patient record as an HL7 FHIR R4B Bundle (R4 content accepted; docs/fhir.md).",
    no_args_is_help=True,
)


def _write_new(path: Path, text: str, force: bool) -> None:
    from hccrt.errors import InputError

    if path.exists() and not force:
        raise InputError("--out", "exists", str(path), "choose a new path or pass --force")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(staged, path)


@fhir_app.command("export")
def export_command(
    patient: Annotated[
        Path, typer.Argument(help="Patient record JSON (docs/patient-schema.json).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Bundle JSON to write.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a patient record as a FHIR Bundle: LOINC labs in UCUM units, ECOG/KPS, Conditions."""
    from hccrt.clinical.fhir import bundle_from_record
    from hccrt.clinical.patient import load_patient

    bundle = bundle_from_record(load_patient(patient))
    _write_new(out, json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", force)
    typer.echo(f"FHIR bundle written: {out} ({len(bundle['entry'])} resources)")


@fhir_app.command("import")
def import_command(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4/R4B Bundle JSON with one Patient.")],
    out: Annotated[Path, typer.Option("--out", help="Patient record JSON to write.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write the patient record a FHIR Bundle maps to; list conversions and unused facts."""
    from hccrt.clinical.fhir import record_from_bundle
    from hccrt.clinical.units import read_json_object

    imported = record_from_bundle(read_json_object(bundle, "bundle"))
    text = imported.record.model_dump_json(indent=2, exclude_defaults=True)
    _write_new(out, text + "\n", force)
    typer.echo(f"patient record written: {out}")
    for note in imported.notes:
        typer.echo(f"note: {note}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``fhir`` to the CLI."""
    app.add_typer(fhir_app, name="fhir")
