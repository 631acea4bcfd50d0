"""Run the main job on a complete case and send its results back (C-STORE SCU).

What is sent: the RTSTRUCT with the built CTV/PTV, the chosen plan's RTPLAN and RTDOSE when the
case was planned, and the report as an Encapsulated PDF in the patient's study. Each run writes
``results/<patient>/<study>/run-N.json``, the node's own account of it (stages, objects sent and
the remote's status for each), whatever happened.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pynetdicom import AE
from pynetdicom.presentation import build_context

from hccrt.dicom.encapsulated_pdf import write_encapsulated_pdf
from hccrt.dicom.incoming import identify_file
from hccrt.errors import InputError
from hccrt.node._audit import AuditLog
from hccrt.node._cases import Case
from hccrt.node._tls import tls_args
from hccrt.node.config import NodeConfig, RemoteNode

REPORT_TITLE = "hccrt plan evaluation report"
_SENT_FILES = ("plan/RTSTRUCT.dcm", "plan/RTPLAN.dcm", "plan/RTDOSE.dcm")


@dataclass(frozen=True)
class Sent:
    """One object offered to the remote node and its C-STORE status (0 = success)."""

    file: str
    sop_class_uid: str
    status: int | None
    detail: str


def send_files(files: list[Path], remote: RemoteNode, calling_ae: str) -> list[Sent]:
    """C-STORE the files to a remote node in one association.

    Returns
    -------
    list of Sent
        One entry per file; ``status`` is ``None`` when the association or the transfer failed.
    """
    identities = [identify_file(path) for path in files]
    contexts = []
    for sop_class, syntax in sorted({(i.sop_class_uid, i.transfer_syntax_uid) for i in identities}):
        contexts.append(build_context(sop_class, [syntax]))
    ae = AE(ae_title=calling_ae)
    assoc = ae.associate(
        remote.host, remote.port, contexts=contexts, ae_title=remote.ae_title, **tls_args(remote)
    )
    if not assoc.is_established:
        why = f"association to {remote.ae_title}@{remote.host}:{remote.port} refused or failed"
        return [
            Sent(str(p), i.sop_class_uid, None, why) for p, i in zip(files, identities, strict=True)
        ]
    sent: list[Sent] = []
    try:
        for path, identity in zip(files, identities, strict=True):
            try:
                reply = assoc.send_c_store(path)
            except (ValueError, RuntimeError) as error:  # no accepted context; association lost
                sent.append(Sent(str(path), identity.sop_class_uid, None, str(error)))
                continue
            status = int(reply.Status) if "Status" in reply else None
            detail = "stored" if status == 0 else "no response" if status is None else "refused"
            sent.append(Sent(str(path), identity.sop_class_uid, status, detail))
    finally:
        assoc.release()
    return sent


def _attach_record(case: Case, config: NodeConfig) -> str:
    """Copy the EHR record of the patient into the case; say what happened.

    ``<records_dir>/<PatientID>.json`` (hccrt's schema) or ``<PatientID>.fhir.json`` (a FHIR
    Bundle) becomes the case's ``patient.json`` or ``patient.fhir.json``.
    """
    from hccrt.dicom.case import FHIR_BUNDLE_NAME, PATIENT_RECORD_NAME

    if (case.folder / PATIENT_RECORD_NAME).is_file():
        return f"{PATIENT_RECORD_NAME} received with the case"
    if config.records_dir is None:
        return "no records_dir configured: the case has no clinical record"
    for suffix, name in ((".json", PATIENT_RECORD_NAME), (".fhir.json", FHIR_BUNDLE_NAME)):
        source = config.records_dir / f"{case.key[0]}{suffix}"
        if source.is_file():
            shutil.copyfile(source, case.folder / name)
            return f"record {source.name} from records_dir"
    return f"no record {case.key[0]}.json in records_dir: the case has no clinical record"


def _report_pdf(out_dir: Path) -> Path | None:
    """The report as an Encapsulated PDF in the study of the case's RTSTRUCT, if there is one."""
    pdf = out_dir / "report.pdf"
    inventory = json.loads((out_dir / "inventory.json").read_text(encoding="utf-8"))
    if not pdf.is_file() or inventory.get("rtstruct") is None:
        return None
    target = out_dir / "report_pdf.dcm"
    reference = Path(inventory["case_dir"]) / inventory["rtstruct"]
    write_encapsulated_pdf(pdf, target, reference, REPORT_TITLE)
    return target


def process_case(case: Case, config: NodeConfig, audit: AuditLog) -> dict[str, Any]:
    """Run ``hccrt run`` on a complete case, send the results, write ``run-N.json``.

    Never raises for a bad case: the failure is recorded in the run file and the audit log, and
    the node goes on.
    """
    from hccrt.pipeline import RunOptions, run_case

    results = config.store / "results" / case.key[0] / case.key[1]
    results.mkdir(parents=True, exist_ok=True)
    run = case.runs
    while (results / f"run-{run}.json").exists():  # runs of an earlier start of the node
        run += 1
    out_dir = results / f"run-{run}"
    record: dict[str, Any] = {"patient": case.key[0], "study": case.key[1], "run": run}
    started = time.monotonic()
    try:
        record["clinical_record"] = _attach_record(case, config)
        how = config.run
        options = RunOptions(how.technique, how.prescription_gy, how.fractions, how.final_dose)
        result = run_case(case.folder, out_dir, force=True, options=options)
        record["stages"] = [
            {"name": s.name, "status": s.status, "detail": s.detail} for s in result.stages
        ]
        record["warnings"] = list(result.warnings)
        files = [out_dir / name for name in _SENT_FILES if (out_dir / name).is_file()]
        pdf = _report_pdf(out_dir)
        files += [pdf] if pdf is not None else []
        record["results"] = str(out_dir)
        destination = config.destination
        record["sent"] = []
        if destination is None or not files:
            why = "no send_results_to" if destination is None else "no results to send"
            record["status"] = f"done, nothing sent ({why})"
        else:
            sent = send_files(files, destination, config.ae_title)
            record["sent"] = [s.__dict__ for s in sent]
            ok = all(s.status == 0 for s in sent)
            record["status"] = "done" if ok else "done, sending failed"
            for item in sent:
                audit.write("object_sent", to=destination.ae_title, **item.__dict__)
    except InputError as error:
        record["status"] = "failed"
        record["error"] = str(error)
    except Exception as error:  # the node keeps running whatever one case does
        record["status"] = "error"
        record["error"] = f"internal error: {type(error).__name__}: {error} (a bug in hccrt)"
    record["seconds"] = round(time.monotonic() - started, 1)
    (results / f"run-{run}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    audit.write(
        "case_run",
        patient=case.key[0],
        study=case.key[1],
        run=run,
        status=record["status"],
        error=record.get("error"),
    )
    return record


def report_timeout(case: Case, config: NodeConfig, audit: AuditLog) -> None:
    """Record a case that never completed (no CT or no RTSTRUCT within the timeout)."""
    missing = [m for m in ("CT", "RTSTRUCT") if case.modalities[m] == 0]
    results = config.store / "results" / case.key[0] / case.key[1]
    results.mkdir(parents=True, exist_ok=True)
    record = {
        "patient": case.key[0],
        "study": case.key[1],
        "status": "timed_out",
        "error": (
            f"case incomplete after {config.case_timeout_s:g} s without a new object: missing "
            f"{' and '.join(missing)}; received {dict(case.modalities)}; send the missing "
            "objects (the case re-opens) or remove the folder"
        ),
    }
    (results / "timeout.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    audit.write("case_timed_out", **record)
