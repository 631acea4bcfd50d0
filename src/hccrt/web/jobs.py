"""The bounded queue of plan evaluations and plans: a job table, a fixed number of worker slots.

A plan job (``options["kind"] == "plan"``) first plans the upload's CT and RTSTRUCT
(:func:`hccrt.web.services.plan_upload`: 3DCRT, IMRT by the seed rule), records the planned
files as a new upload of the patient, then evaluates that upload like any other; its progress
bar counts the planning steps before the evaluation's.

A request only checks the limits and writes a ``queued`` job row (a few milliseconds); the
evaluation runs in one of :attr:`JobLimits.workers` threads. A worker holds a database
connection only for its short reads and writes, never during the DVH, NTCP and report work,
so a burst of evaluations cannot exhaust the connection pool nor slow other users' pages.
When the queue is full the request is answered at once: 429 when this account has
:attr:`JobLimits.per_user` jobs waiting or running, 503 when the server has
:attr:`JobLimits.max_pending`, both with ``Retry-After``.

The limits hold per server process (``hccrt serve --workers N`` runs N queues). Jobs left
``queued`` or ``running`` by a killed server are marked failed on the next start.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hccrt.clinical.assess import RULESET
from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.audit import current_origin, origin_of, record_event
from hccrt.store.files import ContentStore, StoredObject, host_name, process_alive
from hccrt.store.models import EvaluationJob, Patient, Upload, User, utcnow
from hccrt.store.repository import Provenance
from hccrt.web.services import (
    EVALUATION_STAGES,
    PLANNING_STAGES,
    PlanEvaluationOutput,
    evaluate_upload,
    plan_upload,
    planned_by_hccrt,
    record_child_pugh_class,
)

log = logging.getLogger(__name__)

UNFINISHED = ("queued", "running")
WORKER = f"{host_name()}:{os.getpid()}"


def _alive(worker: str) -> bool:
    """Whether the server process that took a job may still run it."""
    host, _, pid = worker.rpartition(":")
    if not pid.isdigit():
        return False
    if host == host_name() and int(pid) == os.getpid():
        return False  # a job of an earlier process with this id, never of this queue
    return process_alive(host, int(pid))


@dataclass(frozen=True)
class JobLimits:
    """Size of the evaluation queue.

    Attributes
    ----------
    workers
        Evaluations that run at once (CPU-bound: one per core by default).
    max_pending
        Jobs queued or running in this server process before new ones get 503.
    per_user
        Jobs queued or running for one account before its new ones get 429.
    retry_after_s
        The ``Retry-After`` sent with 429 and 503, seconds.
    """

    workers: int = max(1, os.cpu_count() or 1)
    max_pending: int = 32
    per_user: int = 4
    retry_after_s: int = 15

    def __post_init__(self) -> None:
        for name in ("workers", "max_pending", "per_user", "retry_after_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(name, "must be a whole number of at least 1", value)


class QueueFull(Exception):
    """The job was not queued: HTTP ``status_code`` (429 or 503), retry after ``retry_after_s``."""

    def __init__(self, status_code: int, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after_s = retry_after_s


class JobQueue:
    """Evaluation jobs of one server process.

    Parameters
    ----------
    sessions
        The app's session factory (each worker step opens and closes its own session).
    store
        The content-addressed file store holding the uploads.
    limits
        Worker slots and queue limits.
    """

    def __init__(
        self, sessions: sessionmaker[Session], store: ContentStore, limits: JobLimits
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.limits = limits
        self._executor = ThreadPoolExecutor(limits.workers, thread_name_prefix="hccrt-eval")
        self._lock = threading.Lock()
        self._pending: Counter[int] = Counter()

    def recover(self) -> int:
        """Mark failed the unfinished jobs of server processes that no longer run.

        Jobs of other live processes on this host (``--workers``) and of other hosts stay.
        Returns how many were marked.
        """
        with self.sessions() as session:
            orphans = [
                job
                for job in session.scalars(
                    select(EvaluationJob).where(EvaluationJob.status.in_(UNFINISHED))
                )
                if not _alive(job.worker)
            ]
            for job in orphans:
                job.status, job.finished_at = "error", utcnow()
                job.error = "the server stopped before this evaluation finished; evaluate again"
            session.commit()
        return len(orphans)

    def pending(self, user_id: int | None = None) -> int:
        """Jobs queued or running in this process (for one account, or all)."""
        with self._lock:
            return self._pending[user_id] if user_id is not None else sum(self._pending.values())

    def submit(
        self, session: Session, actor: User, upload: Upload, options: dict[str, Any]
    ) -> EvaluationJob:
        """Queue an evaluation of ``upload`` (commits the job row and its audit event).

        Raises
        ------
        QueueFull
            429 when ``actor`` has :attr:`JobLimits.per_user` unfinished jobs, 503 when the
            server has :attr:`JobLimits.max_pending`.
        """
        limits = self.limits
        with self._lock:
            if self._pending[actor.id] >= limits.per_user:
                raise QueueFull(
                    429,
                    f"you have {limits.per_user} plan evaluations waiting or running; "
                    "wait for one to finish",
                    limits.retry_after_s,
                )
            if sum(self._pending.values()) >= limits.max_pending:
                raise QueueFull(
                    503,
                    f"the server has {limits.max_pending} plan evaluations waiting; "
                    "try again shortly",
                    limits.retry_after_s,
                )
            self._pending[actor.id] += 1
        try:
            job = EvaluationJob(
                patient_id=upload.patient_id,
                upload_id=upload.id,
                created_by=actor.id,
                status="queued",
                worker=WORKER,
                step=0,
                stage="waiting for a free worker",
                options=options,
            )
            session.add(job)
            session.flush()
            record_event(session, actor, "create", "job", job.id, upload.patient_id)
            session.commit()
        except BaseException:
            self._release(actor.id)
            raise
        origin = current_origin()
        self._executor.submit(self._work, job.id, actor.id, origin)
        return job

    def _release(self, user_id: int) -> None:
        with self._lock:
            self._pending[user_id] -= 1
            if self._pending[user_id] <= 0:
                del self._pending[user_id]

    def _work(self, job_id: int, user_id: int, origin: Any) -> None:
        try:
            with origin_of(origin):
                run_job(self.sessions, self.store, job_id)
        except Exception as error:  # e.g. the database was unreachable while storing
            log.exception("evaluation job %d failed", job_id)
            _mark_failed(self.sessions, job_id, f"{type(error).__name__} while storing the result")
        finally:
            self._release(user_id)

    def shutdown(self) -> None:
        """Stop accepting work and wait for running jobs."""
        self._executor.shutdown(wait=True, cancel_futures=True)


def _mark_failed(sessions: sessionmaker[Session], job_id: int, message: str) -> None:
    try:
        with sessions() as session:
            session.execute(
                update(EvaluationJob)
                .where(EvaluationJob.id == job_id, EvaluationJob.status.in_(UNFINISHED))
                .values(status="error", error=message, finished_at=utcnow())
            )
            session.commit()
    except Exception:  # the next start marks it (recover)
        log.exception("could not mark evaluation job %d failed", job_id)


def _set_stage(sessions: sessionmaker[Session], job_id: int, step: int, stage: str) -> None:
    with sessions() as session:
        session.execute(
            update(EvaluationJob)
            .where(EvaluationJob.id == job_id)
            .values(step=step, stage=stage[:64])
        )
        session.commit()


def run_job(sessions: sessionmaker[Session], store: ContentStore, job_id: int) -> None:
    """Run one queued evaluation: read its inputs, evaluate without a connection, store."""
    with sessions() as session:
        job = session.get(EvaluationJob, job_id)
        if job is None or job.status != "queued":
            return
        upload = session.get(Upload, job.upload_id)
        patient = session.get(Patient, job.patient_id)
        if upload is None or patient is None:
            job.status, job.error, job.finished_at = "error", "the upload was deleted", utcnow()
            session.commit()
            return
        job.status, job.started_at, job.step, job.stage = "running", utcnow(), 1, "reading"
        stored = [(f.name, StoredObject(f.sha256, f.size_bytes)) for f in upload.files]
        label, record, options = patient.label, dict(patient.record), dict(job.options)
        session.commit()

    output: PlanEvaluationOutput | None = None
    planning = options.get("kind") == "plan"
    offset = len(PLANNING_STAGES) if planning else 0
    try:
        if planning:
            stored = _plan_step(sessions, store, job_id, record, options)
        output = evaluate_upload(
            store,
            stored,
            label,
            record,
            protocol=options.get("protocol"),
            fractions=options.get("fractions"),
            prescription_gy=options.get("prescription_gy"),
            with_report=bool(options.get("report", True)),
            on_stage=lambda step, stage: _set_stage(sessions, job_id, offset + step, stage),
        )
        if planning and output is not None:
            output.result["planning"] = options["planning"]
    except InputError as error:
        message = str(error)
    except Exception as error:  # a bug in a library stage: recorded, not hidden
        log.exception("plan evaluation failed")
        message = f"internal error in the plan evaluation ({type(error).__name__}: {error})"
    else:
        message = ""

    with sessions() as session:
        job = session.get(EvaluationJob, job_id)
        if job is not None and planning and job.options.get("planned_upload_id"):
            upload = session.get(Upload, job.options["planned_upload_id"])
        else:
            upload = session.get(Upload, job.upload_id) if job is not None else None
        actor = session.get(User, job.created_by) if job is not None else None
        if job is None or upload is None or actor is None:
            return
        if output is None:
            requested = {"protocol_requested": options.get("protocol") or "automatic", **options}
            evaluation = repository.save_evaluation(
                session, actor, upload, {}, Provenance(RULESET, requested), None, {}, message
            )
        else:
            evaluation = repository.save_evaluation(
                session,
                actor,
                upload,
                output.result,
                output.provenance,
                output.report.sha256 if output.report else None,
                output.figures,
            )
        job.evaluation_id = evaluation.id
        job.status = "error" if message else "done"
        job.error = message or None
        job.step, job.stage = total_steps(job.options), "finished"
        job.finished_at = utcnow()
        session.commit()


def total_steps(options: dict[str, Any]) -> int:
    """Steps of a job's progress bar: planning (plan jobs), evaluation, storing."""
    planning = len(PLANNING_STAGES) if options.get("kind") == "plan" else 0
    return planning + len(EVALUATION_STAGES) + 1


def _plan_step(
    sessions: sessionmaker[Session],
    store: ContentStore,
    job_id: int,
    record: dict[str, Any],
    options: dict[str, Any],
) -> list[tuple[str, StoredObject]]:
    """Plan the job's upload; record the planned files as a new upload of the patient.

    Stores the planning summary and the new upload's id in the job's options (updating
    ``options`` too); the evaluation that follows is of the planned files, returned here.
    """
    with sessions() as session:
        job = session.get(EvaluationJob, job_id)
        upload = session.get(Upload, job.upload_id) if job is not None else None
        if job is None or upload is None:
            raise InputError("job", "the upload was deleted", job_id, "plan again")
        source = [(f.name, StoredObject(f.sha256, f.size_bytes)) for f in upload.files]
    planned = plan_upload(
        store,
        source,
        prescription_gy=float(options["prescription_gy"]),
        fractions=int(options["fractions"]),
        child_pugh_class=record_child_pugh_class(record),
        final_dose=str(options.get("final_dose") or "collapsed_cone"),
        on_stage=lambda step, stage: _set_stage(sessions, job_id, step, stage),
    )
    with sessions() as session:
        job = session.get(EvaluationJob, job_id)
        patient = session.get(Patient, job.patient_id) if job is not None else None
        actor = session.get(User, job.created_by) if job is not None else None
        if job is None or patient is None or actor is None:
            raise InputError("job", "the patient was deleted", job_id, "plan again")
        new = repository.save_upload(session, actor, patient, planned.files)
        session.flush()
        job.options = {**job.options, "planned_upload_id": new.id, "planning": planned.summary}
        options.update(job.options)
        session.commit()
    return planned.files


def job_json(job: EvaluationJob) -> dict[str, Any]:
    """What the status endpoint returns for a job (no clinical values)."""
    return {
        "id": job.id,
        "status": job.status,
        "step": job.step,
        "steps": total_steps(job.options),
        "kind": "plan" if job.options.get("kind") == "plan" else "evaluation",
        "stage": job.stage,
        "patient_id": job.patient_id,
        "upload_id": job.upload_id,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "error": job.error,
        "evaluation_id": job.evaluation_id,
        "evaluation_url": f"/evaluations/{job.evaluation_id}" if job.evaluation_id else None,
        "url": f"/api/jobs/{job.id}",
    }


def queue_position(session: Session, job: EvaluationJob) -> int:
    """How many queued jobs of the whole store are ahead of ``job`` (0 when it is not queued)."""
    if job.status != "queued":
        return 0
    ahead = session.scalars(
        select(EvaluationJob.id).where(EvaluationJob.status == "queued", EvaluationJob.id < job.id)
    ).all()
    return len(ahead)


def planned_uploads(session: Session, patient_id: int) -> dict[int, dict[str, Any]]:
    """The uploads of a patient that "Plan this case" made: upload id -> what was planned.

    Read from the plan jobs' options (``planned_upload_id`` and the planning summary with its
    ``final_dose`` entry); see :func:`hccrt.web.services.planned_by_hccrt`.
    """
    jobs = session.scalars(
        select(EvaluationJob)
        .where(EvaluationJob.patient_id == patient_id)
        .order_by(EvaluationJob.id)
    ).all()
    planned: dict[int, dict[str, Any]] = {}
    for job in jobs:
        options = job.options or {}
        upload_id = options.get("planned_upload_id")
        if options.get("kind") == "plan" and isinstance(upload_id, int):
            planned[upload_id] = planned_by_hccrt(options, job.id, job.upload_id)
    return planned
