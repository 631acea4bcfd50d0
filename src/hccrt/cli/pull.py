"""``hccrt pull``: one study from a PACS into a case folder (C-FIND + C-GET)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit


def _render(payload: Any) -> str:
    files = ", ".join(f"{n} {m}" for m, n in payload["files"].items())
    lines = [
        f"pulled study {payload['study_uid']} of patient {payload['patient_id']} from "
        f"{payload['remote']}: {files}",
        f"case folder: {payload['out_dir']}/ (next: hccrt run {payload['out_dir']} --out ...)",
    ]
    lines += [f"warning: {w}" for w in payload["warnings"]]
    return "\n".join(lines)


def pull(
    from_node: Annotated[
        str, typer.Option("--from", help="The PACS: a [remotes.NAME] of the node config.")
    ],
    patient_id: Annotated[str, typer.Option("--patient-id", help="Patient ID (exact match).")],
    out: Annotated[
        Path, typer.Option("--out", help="Case folder to write (new or empty; never overwritten).")
    ],
    study_uid: Annotated[
        str | None,
        typer.Option(
            "--study-uid", help="Study Instance UID, when the patient has several studies."
        ),
    ] = None,
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            help="node.toml with [remotes.NAME] and [node] ae_title (docs/node.md).",
        ),
    ] = Path("node.toml"),
    timeout_s: Annotated[
        float,
        typer.Option(
            "--timeout-s", help="Network timeout for each reply (s).", parser=finite_float
        ),
    ] = 30.0,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Pull a study from a PACS (C-FIND, then C-GET) into a case folder for `hccrt run`.

    Takes CT, MR, RTSTRUCT, RTDOSE and RTPLAN objects, filed as OUT/<series>/<instance>.dcm.
    """
    from hccrt.errors import InputError
    from hccrt.node._pull import pull_study
    from hccrt.node.config import load_remote

    if not 0 < timeout_s <= 3600:
        raise InputError("--timeout-s", "must be > 0 and <= 3600 s", timeout_s, "e.g. 30")
    calling_ae, remote = load_remote(config, from_node)
    result = pull_study(remote, calling_ae, patient_id, out, study_uid, timeout_s)
    payload = {
        "remote": result.remote,
        "patient_id": result.study.patient_id or patient_id,
        "study_uid": result.study.study_uid,
        "study_date": result.study.study_date,
        "study_description": result.study.study_description,
        "out_dir": str(result.out_dir),
        "files": result.files,
        "failed_suboperations": result.failed,
        "warnings": list(result.warnings),
    }
    emit(payload, output_format, _render)


def register(app: typer.Typer) -> None:
    """Add ``pull`` to the CLI."""
    app.command("pull")(pull)
