"""The DICOM node: a C-STORE/C-ECHO SCP that runs complete cases and sends the results back.

Associations are accepted only from the allow-listed calling AE titles (when a list is set) and
only for the storage classes a case uses (CT, RTSTRUCT, RTDOSE, RTPLAN) plus Verification; any
other SOP class is refused. Every association, object and run is a line in ``audit.jsonl``.
"""

from __future__ import annotations

import threading
from typing import Any

from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    CTImageStorage,
    RTDoseStorage,
    RTPlanStorage,
    RTStructureSetStorage,
    Verification,
)
from pynetdicom.transport import ThreadedAssociationServer

from hccrt.errors import InputError
from hccrt.node._audit import AuditLog
from hccrt.node._cases import CaseStore
from hccrt.node._results import process_case, report_timeout
from hccrt.node._tls import server_context
from hccrt.node.config import NodeConfig

__all__ = ["CASE_SOP_CLASSES", "DicomNode"]

CASE_SOP_CLASSES = {
    str(CTImageStorage): "CT",
    str(RTStructureSetStorage): "RTSTRUCT",
    str(RTDoseStorage): "RTDOSE",
    str(RTPlanStorage): "RTPLAN",
}
# C-STORE statuses (PS3.4 Annex B.2.3): refused, SOP class not supported; cannot understand.
_STATUS_SOP_CLASS_REFUSED = 0x0122
_STATUS_CANNOT_UNDERSTAND = 0xC000
_STATUS_OUT_OF_RESOURCES = 0xA700


def _peer(event: Any) -> dict[str, Any]:
    requestor = event.assoc.requestor
    return {"calling_ae": requestor.ae_title, "address": requestor.address, "port": requestor.port}


class DicomNode:
    """hccrt's DICOM node: receive, file, run complete cases, send results, audit everything.

    Parameters
    ----------
    config
        The validated settings (:func:`hccrt.node.load_node_config`).
    poll_s
        How often the worker looks for complete or timed-out cases (seconds).
    """

    def __init__(self, config: NodeConfig, poll_s: float = 0.5) -> None:
        self.config = config
        self.store = CaseStore(config.store)
        self.audit = AuditLog(config.store / "audit.jsonl")
        self.poll_s = poll_s
        self._server: ThreadedAssociationServer | None = None
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._receiving: set[int] = set()  # ids of the accepted associations still open
        self._receiving_lock = threading.Lock()

    def _ae(self) -> AE:
        ae = AE(ae_title=self.config.ae_title)
        for sop_class in (*CASE_SOP_CLASSES, str(Verification)):
            ae.add_supported_context(sop_class, ALL_TRANSFER_SYNTAXES)
        ae.require_called_aet = True
        if self.config.allowed_callers:
            ae.require_calling_aet = list(self.config.allowed_callers)
        return ae

    def _on_requested(self, event: Any) -> None:
        self.audit.write("association_requested", **_peer(event))

    def _on_accepted(self, event: Any) -> None:
        with self._receiving_lock:
            self._receiving.add(id(event.assoc))
        refused = [str(c.abstract_syntax) for c in event.assoc.rejected_contexts]
        self.audit.write("association_accepted", refused_sop_classes=refused, **_peer(event))

    def _on_rejected(self, event: Any) -> None:
        reason = "calling AE title not in allowed_callers, or wrong called AE title"
        self.audit.write("association_rejected", reason=reason, **_peer(event))

    def _on_released(self, event: Any) -> None:
        self._closed(event)
        self.audit.write("association_released", **_peer(event))

    def _on_aborted(self, event: Any) -> None:
        self._closed(event)
        self.audit.write("association_aborted", **_peer(event))

    def _closed(self, event: Any) -> None:
        with self._receiving_lock:
            self._receiving.discard(id(event.assoc))

    def _on_echo(self, event: Any) -> int:
        self.audit.write("c_echo", **_peer(event))
        return 0x0000

    def _on_store(self, event: Any) -> int:
        from hccrt.dicom.incoming import identify_bytes

        peer = _peer(event)
        sop_class = str(event.request.AffectedSOPClassUID)
        if sop_class not in CASE_SOP_CLASSES:
            self.audit.write(
                "object_refused", sop_class_uid=sop_class, reason="unsupported", **peer
            )
            return _STATUS_SOP_CLASS_REFUSED
        try:
            encoded = event.encoded_dataset()
            quota = self.config.max_store_gb
            if quota is not None and self.store.size_bytes + len(encoded) > quota * 1e9:
                reason = (
                    f"store quota reached: {self.store.size_bytes / 1e9:.3f} GB of "
                    f"max_store_gb={quota:g}; import or remove received cases"
                )
                self.audit.write("object_refused", sop_class_uid=sop_class, reason=reason, **peer)
                return _STATUS_OUT_OF_RESOURCES
            identity = identify_bytes(encoded, f"C-STORE from {peer['calling_ae']}")
            path = self.store.file(identity, encoded)
        except InputError as error:
            self.audit.write("object_refused", sop_class_uid=sop_class, reason=str(error), **peer)
            return _STATUS_CANNOT_UNDERSTAND
        except OSError as error:
            self.audit.write("object_refused", sop_class_uid=sop_class, reason=str(error), **peer)
            return _STATUS_OUT_OF_RESOURCES
        self.audit.write(
            "object_received",
            sop_class_uid=sop_class,
            modality=identity.modality,
            sop_instance_uid=identity.sop_instance_uid,
            study_uid=identity.study_uid,
            file=str(path.relative_to(self.config.store)),
            **peer,
        )
        return 0x0000

    def _work(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.run_due_cases()

    def run_due_cases(self) -> int:
        """Run every complete, quiet case and report timed-out ones; return how many ran.

        Nothing runs while an association is open: a sender that pauses longer than the quiet
        period in the middle of a study would otherwise see its later C-STOREs answered late by
        a node busy planning (the PACS's DIMSE timeout, 10 s on Orthanc, then fails the send).
        """
        with self._receiving_lock:
            if self._receiving:
                return 0
        ready, expired = self.store.due(self.config.quiet_period_s, self.config.case_timeout_s)
        for case in expired:
            report_timeout(case, self.config, self.audit)
        for case in ready:
            self.audit.write("case_complete", patient=case.key[0], study=case.key[1],
                             modalities=dict(case.modalities))  # fmt: skip
            process_case(case, self.config, self.audit)
            self.store.finish(case)
        return len(ready)

    def start(self) -> None:
        """Listen (in background threads) and start the case worker."""
        handlers: list[Any] = [
            (evt.EVT_REQUESTED, self._on_requested),
            (evt.EVT_ACCEPTED, self._on_accepted),
            (evt.EVT_REJECTED, self._on_rejected),
            (evt.EVT_RELEASED, self._on_released),
            (evt.EVT_ABORTED, self._on_aborted),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_C_STORE, self._on_store),
        ]
        try:
            server = self._ae().start_server(
                (self.config.host, self.config.port),
                block=False,
                evt_handlers=handlers,
                ssl_context=None if self.config.tls is None else server_context(self.config.tls),
            )
        except OSError as error:
            raise InputError(
                "--port", f"cannot listen ({error})", self.config.port, "choose a free port"
            ) from None
        self._server = server
        self.audit.write(
            "node_started",
            ae_title=self.config.ae_title,
            host=self.config.host,
            port=self.port,
            allowed_callers=list(self.config.allowed_callers),
            tls=self.config.tls is not None,
            mutual_tls=self.config.tls is not None and self.config.tls.client_ca is not None,
        )
        self._stop.clear()
        self._worker = threading.Thread(target=self._work, name="hccrt-node-cases", daemon=True)
        self._worker.start()

    @property
    def port(self) -> int:
        """The port listened on."""
        if self._server is None:
            return self.config.port
        return int(self._server.server_address[1])

    def stop(self) -> None:
        """Stop listening and let the worker finish the case it is running."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._worker is not None:
            self._worker.join()
            self._worker = None
        self.audit.write("node_stopped", ae_title=self.config.ae_title)
