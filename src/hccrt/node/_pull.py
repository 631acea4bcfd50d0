"""Pull one study from a PACS into a case folder (``hccrt pull``): C-FIND, then C-GET.

The remote is a ``[remotes.NAME]`` of the node's TOML configuration. C-FIND (Study Root, STUDY
level) finds the patient's studies; exactly one must match (``--study-uid`` chooses among
several). C-GET retrieves it over the same association, hccrt taking the storage SCP role for
the classes a case uses, so the PACS needs no route back to hccrt (no C-MOVE destination). Each
object is written to a staging file and renamed into ``OUT/<SeriesInstanceUID>/<SOP>.dcm``:
the folder is a case folder for ``hccrt run``, and never holds half an object.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    CTImageStorage,
    MRImageStorage,
    RTDoseStorage,
    RTPlanStorage,
    RTStructureSetStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
)

from hccrt.dicom.query import StudyMatch, study_find_identifier, study_get_identifier, study_match
from hccrt.errors import InputError
from hccrt.node._cases import safe_component
from hccrt.node._tls import tls_args
from hccrt.node.config import RemoteNode

__all__ = ["PULLED_SOP_CLASSES", "PullResult", "find_studies", "pull_study"]

PULLED_SOP_CLASSES = {
    str(CTImageStorage): "CT",
    str(MRImageStorage): "MR",
    str(RTStructureSetStorage): "RTSTRUCT",
    str(RTDoseStorage): "RTDOSE",
    str(RTPlanStorage): "RTPLAN",
}
"""The storage classes hccrt accepts in a C-GET: what a case and its fusion use."""

# C-FIND/C-GET statuses (PS3.4 C.4): pending, and the C-GET warning "sub-operations failed".
_PENDING = (0xFF00, 0xFF01)
_SUCCESS = 0x0000
_WARNING = 0xB000
_STORE_OK = 0x0000
_STORE_REFUSED = 0x0122
_STORE_CANNOT_UNDERSTAND = 0xC000


@dataclass(frozen=True)
class PullResult:
    """What ``hccrt pull`` retrieved.

    Attributes
    ----------
    remote
        ``AE@host:port`` of the PACS.
    study
        The study pulled.
    out_dir
        The case folder written.
    files
        Number of objects written, by modality.
    failed
        Sub-operations the PACS reported as failed (e.g. objects of a class hccrt does not take).
    warnings
        What went wrong for single objects (nothing written for them).
    """

    remote: str
    study: StudyMatch
    out_dir: Path
    files: dict[str, int]
    failed: int
    warnings: tuple[str, ...]


def _where(remote: RemoteNode) -> str:
    return f"{remote.ae_title}@{remote.host}:{remote.port}"


def _associate(ae: AE, remote: RemoteNode, **kwargs: Any) -> Any:
    assoc = ae.associate(
        remote.host, remote.port, ae_title=remote.ae_title, **kwargs, **tls_args(remote)
    )
    if not assoc.is_established:
        raise InputError(
            "--from",
            "association refused or failed (is the PACS running, and does it know hccrt's "
            f"calling AE title {ae.ae_title} at this address?)",
            _where(remote),
            "check [remotes] in node.toml and the PACS's modality list",
        )
    return assoc


def find_studies(
    remote: RemoteNode,
    calling_ae: str,
    patient_id: str,
    study_uid: str | None = None,
    timeout_s: float = 30.0,
) -> list[StudyMatch]:
    """C-FIND the studies of a patient (or the one study) on a remote node.

    Parameters
    ----------
    remote, calling_ae
        The PACS and hccrt's calling AE title.
    patient_id, study_uid
        What to look for (``study_uid`` ``None``: every study of the patient).
    timeout_s
        Network timeout for each reply (s).

    Raises
    ------
    InputError
        The association failed, or the PACS answered the query with an error status.
    """
    ae = AE(ae_title=calling_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = timeout_s
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    assoc = _associate(ae, remote)
    matches: list[StudyMatch] = []
    try:
        query = study_find_identifier(patient_id, study_uid)
        for status, identifier in assoc.send_c_find(
            query, StudyRootQueryRetrieveInformationModelFind
        ):
            code = int(status.Status) if status is not None and "Status" in status else None
            if code in _PENDING and identifier is not None:
                matches.append(study_match(identifier))
            elif code != _SUCCESS:
                raise InputError(
                    "C-FIND",
                    f"the PACS answered with status {code!r} (none: no reply in {timeout_s:g} s)",
                    _where(remote),
                    "check the PACS's log; C-FIND must be allowed for hccrt's AE title",
                )
    finally:
        assoc.release()
    return [m for m in matches if m.patient_id == patient_id or not m.patient_id]


def _store_into(out_dir: Path, written: dict[str, int], warnings: list[str]) -> Any:
    from hccrt.dicom.incoming import identify_bytes

    def handle(event: Any) -> int:
        sop_class = str(event.request.AffectedSOPClassUID)
        if sop_class not in PULLED_SOP_CLASSES:
            warnings.append(f"object of SOP class {sop_class} not taken (not used by hccrt)")
            return _STORE_REFUSED
        try:
            encoded = event.encoded_dataset()
            identity = identify_bytes(encoded, "C-GET sub-operation")
        except InputError as error:
            warnings.append(str(error))
            return _STORE_CANNOT_UNDERSTAND
        series = out_dir / safe_component(identity.series_uid, "series")
        series.mkdir(parents=True, exist_ok=True)
        target = series / f"{safe_component(identity.sop_instance_uid, 'instance')}.dcm"
        handle_, staging = tempfile.mkstemp(prefix=".pull-", suffix=".part", dir=out_dir)
        with os.fdopen(handle_, "wb") as file:
            file.write(encoded)
            file.flush()
            os.fsync(file.fileno())
        os.replace(staging, target)
        modality = PULLED_SOP_CLASSES[sop_class]
        written[modality] = written.get(modality, 0) + 1
        return _STORE_OK

    return handle


def pull_study(
    remote: RemoteNode,
    calling_ae: str,
    patient_id: str,
    out_dir: Path,
    study_uid: str | None = None,
    timeout_s: float = 30.0,
) -> PullResult:
    """Find one study of a patient on a PACS and retrieve it into ``out_dir`` by C-GET.

    Parameters
    ----------
    remote, calling_ae
        The PACS (``[remotes.NAME]``) and hccrt's calling AE title.
    patient_id, study_uid
        The patient, and the study when the patient has several.
    out_dir
        Case folder to write (created; must be empty or absent: nothing is overwritten).
    timeout_s
        Network timeout for each reply (s).

    Returns
    -------
    PullResult

    Raises
    ------
    InputError
        ``out_dir`` not empty, no or several matching studies, a failed association, an error
        status from the PACS, or a study of which nothing could be written.
    """
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError(
            "--out", "exists and is not an empty folder", str(out_dir), "choose a new folder"
        )
    matches = find_studies(remote, calling_ae, patient_id, study_uid, timeout_s)
    if not matches:
        which = f"study {study_uid} of " if study_uid else ""
        raise InputError(
            "--patient-id",
            f"the PACS has no {which}patient with this ID",
            patient_id,
            f"check the ID (exact match) on {_where(remote)}",
        )
    if len(matches) > 1:
        listed = "; ".join(
            f"{m.study_uid} ({m.study_date or 'no date'}, {m.study_description or 'no description'}"
            f", {'/'.join(m.modalities) or '?'})"
            for m in matches
        )
        raise InputError(
            "--patient-id",
            f"{len(matches)} studies on the PACS: {listed}",
            patient_id,
            "choose one with --study-uid",
        )
    (study,) = matches
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    warnings: list[str] = []
    ae = AE(ae_title=calling_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = timeout_s
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
    for sop_class in PULLED_SOP_CLASSES:
        ae.add_requested_context(sop_class)
    roles = [build_role(sop_class, scp_role=True) for sop_class in PULLED_SOP_CLASSES]
    handlers = [(evt.EVT_C_STORE, _store_into(out_dir, written, warnings))]
    assoc = _associate(ae, remote, ext_neg=roles, evt_handlers=handlers)
    failed = 0
    try:
        request = study_get_identifier(patient_id, study.study_uid)
        for status, _identifier in assoc.send_c_get(
            request, StudyRootQueryRetrieveInformationModelGet
        ):
            code = int(status.Status) if status is not None and "Status" in status else None
            if code in _PENDING:
                continue
            failed = int(status.get("NumberOfFailedSuboperations", 0) or 0) if status else 0
            if code not in (_SUCCESS, _WARNING):
                raise InputError(
                    "C-GET",
                    f"the PACS answered with status {code!r} (none: no reply in {timeout_s:g} s)",
                    _where(remote),
                    "check the PACS's log; C-GET must be allowed for hccrt's AE title",
                )
    finally:
        assoc.release()
    if not written:
        raise InputError(
            "C-GET",
            f"nothing retrieved from study {study.study_uid}"
            + (f" ({warnings[0]})" if warnings else ""),
            _where(remote),
            "the study holds no CT, MR, RTSTRUCT, RTDOSE or RTPLAN hccrt could take",
        )
    if failed:
        warnings.append(f"the PACS reports {failed} object(s) not retrieved")
    return PullResult(_where(remote), study, out_dir, written, failed, tuple(warnings))
