"""Run the plan evaluation over many case folders with Dask.

A local cluster (threads in this process, ``processes=False``) is started by default; with a
scheduler address the cases go to an existing ``distributed`` cluster whose workers have hccrt
installed and read ``CASES_DIR`` at the same absolute path (a shared file system: the case
paths are resolved here and sent as they are). Each finished case is journalled at once (see
:mod:`hccrt.cohort.journal`), so a run that crashes resumes where it stopped.

A case that fails is a row with ``status='error'``; a case that kills its worker (a crash in a
native library, memory exhaustion) is tried :data:`ALLOWED_FAILURES` times on local clusters,
then recorded the same way (``KilledWorker``) while the other cases go on. A rerun skips it
unless ``retry_failed`` is set.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hccrt import __version__
from hccrt._threads import one_numerical_thread
from hccrt.cohort.journal import Journal
from hccrt.cohort.summary import plot_ntcp_vs_dose, summarize
from hccrt.errors import InputError
from hccrt.progress import NO_PROGRESS, Progress

DEFAULT_EVALUATOR = "hccrt.cohort.plan:plan_evaluation_row"
ALLOWED_FAILURES = 1
"""Worker deaths a case may cause on a local cluster before it is recorded as failed."""
CONNECT_TIMEOUT_S = 10
CaseEvaluator = Callable[[Path, str | None], dict[str, Any]]


@dataclass(frozen=True)
class CohortResult:
    """What a cohort run did and the summary of the whole table."""

    out: Path
    plot: Path | None
    evaluated_now: int
    skipped: int
    summary: dict[str, Any]
    failures: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON keys: ``out, plot, evaluated_now, skipped, summary, failures[{case_id, error}]``."""
        return {
            "out": str(self.out),
            "plot": str(self.plot) if self.plot else None,
            "evaluated_now": self.evaluated_now,
            "skipped": self.skipped,
            "summary": self.summary,
            "failures": self.failures,
        }


def discover_cases(cases_dir: Path) -> list[Path]:
    """Sub-folders of ``cases_dir`` that contain at least one file, sorted by name (absolute)."""
    cases_dir = cases_dir.expanduser().resolve()
    if not cases_dir.is_dir():
        raise InputError("CASES_DIR", "must be an existing folder", str(cases_dir))
    cases = [
        p
        for p in sorted(cases_dir.iterdir())
        if p.is_dir() and not p.name.startswith(".") and any(f.is_file() for f in p.rglob("*"))
    ]
    if not cases:
        raise InputError(
            "CASES_DIR",
            "contains no case folder",
            str(cases_dir),
            "put each case (DICOM files + patient.json) in its own sub-folder",
        )
    return cases


def load_evaluator(spec: str) -> CaseEvaluator:
    """Import ``module:function``.

    Raises
    ------
    InputError
        If the module or the function cannot be found.
    """
    module_name, _, attribute = spec.partition(":")
    try:
        evaluator: CaseEvaluator = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise InputError(
            "--evaluator", f"cannot be imported ({error})", spec, "give module:function"
        ) from None
    return evaluator


def evaluate_one(
    case_dir: str, protocol: str | None, evaluator_spec: str, run_id: str
) -> dict[str, Any]:
    """Evaluate one case; never raises: a failure becomes a row with ``status='error'``."""
    started = time.perf_counter()
    row: dict[str, Any] = {
        "case_id": Path(case_dir).name,
        "status": "ok",
        "error": None,
        "protocol": protocol,
        "hccrt_version": __version__,
        "run_id": run_id,
    }
    try:
        row.update(load_evaluator(evaluator_spec)(Path(case_dir), protocol))
    except Exception as error:  # one bad case must not stop the cohort
        last = traceback.extract_tb(error.__traceback__)[-1:]
        where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        row.update(status="error", error=f"{type(error).__name__}: {error}{where}")
    if isinstance(row.get("parameters"), dict):
        row["parameters"] = json.dumps(row["parameters"], sort_keys=True, default=str)
    row["elapsed_s"] = round(time.perf_counter() - started, 3)
    row["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    return row


def _lost_case_row(
    case_dir: Path, protocol: str | None, run_id: str, error: BaseException
) -> dict[str, Any]:
    """The row of a case whose task failed outside :func:`evaluate_one` (its worker died)."""
    reason = str(error).splitlines()[0][:300] if str(error) else ""
    return {
        "case_id": case_dir.name,
        "status": "error",
        "error": f"{type(error).__name__}: the worker evaluating this case died ({reason}); "
        "it is skipped on reruns unless --retry-failed",
        "protocol": protocol,
        "hccrt_version": __version__,
        "run_id": run_id,
        "elapsed_s": None,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
    }


_NO_FIXED_PORT = "127.0.0.1:0"
"""The scheduler's HTTP server (it starts even without a dashboard) on a free loopback port:
with ``None`` distributed binds port 8787, and a second cohort run on the same host (or a
parallel test) gets a "port already in use" warning."""


def _local_cluster(workers: int, processes: bool) -> Any:
    """Worker processes on loopback, or threads of this process."""
    from distributed import LocalCluster

    if processes:
        return LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=_NO_FIXED_PORT,
            host="127.0.0.1",
        )
    return LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=1, threads_per_worker=workers, processes=False, dashboard_address=_NO_FIXED_PORT
    )


def _can_read(path: str) -> bool:
    return Path(path).is_dir()


def _connect(scheduler: str, cases_dir: Path) -> Any:
    """A client of the scheduler, after checking that its workers read ``cases_dir``.

    Raises
    ------
    InputError
        No scheduler answers at the address, or a worker cannot read the cases folder.
    """
    from distributed import Client

    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError(
            "--scheduler",
            f"no Dask scheduler answers ({type(error).__name__})",
            scheduler,
            "start one (dask scheduler; dask worker ADDRESS on each machine), check the "
            "address and firewall, or leave --scheduler out for a local cluster",
        ) from None
    try:
        readable = client.run(_can_read, str(cases_dir))
    except Exception:
        client.close()  # type: ignore[no-untyped-call]
        raise
    blind = sorted(worker for worker, ok in readable.items() if not ok)
    if not readable or blind:
        client.close()  # type: ignore[no-untyped-call]
        raise InputError(
            "CASES_DIR",
            "not readable by the scheduler's workers" if blind else "the scheduler has no worker",
            f"{cases_dir} ({', '.join(blind)})" if blind else str(cases_dir),
            "workers need the same file system at the same absolute path (a shared or "
            "network mount); start workers where the cases are",
        )
    return client


# The workers use the cores, BLAS threads on top would oversubscribe them. The limit is set here,
# in the calling thread, and covers the local thread workers; process workers get
# OPENBLAS_NUM_THREADS=1 from Dask's nanny.
@one_numerical_thread()
def run_cohort(
    cases_dir: Path,
    out: Path,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    protocol: str | None = None,
    retry_failed: bool = False,
    plot_path: Path | None = None,
    evaluator: str = DEFAULT_EVALUATOR,
    processes: bool = False,
    on_case_done: Callable[[dict[str, Any]], None] | None = None,
    progress: Progress = NO_PROGRESS,
) -> CohortResult:
    """Evaluate every pending case of ``cases_dir``, journal each row, rewrite ``out``.

    Parameters
    ----------
    cases_dir
        One sub-folder per case.
    out
        Parquet results table; cases already in it (or in its journal) are skipped.
    scheduler
        ``tcp://HOST:PORT`` of a running Dask scheduler; ``None`` starts a local cluster.
    workers
        Local workers (ignored with ``scheduler``): threads of one process by default, or
        single-threaded processes with ``processes=True`` (no GIL contention; each process
        imports hccrt once and listens on loopback only).
    protocol
        Protocol name passed to the evaluation (``None``: chosen per case).
    retry_failed
        Evaluate again the cases whose earlier row has ``status='error'``.
    plot_path
        NTCP vs mean normal-liver dose PNG (default: ``out`` with suffix ``.png``).
    evaluator
        ``module:function`` that turns ``(case_dir, protocol)`` into a row (default: the plan
        evaluation of :mod:`hccrt.cohort.plan`).
    on_case_done
        Called with each case's row as it is journaled.
    progress
        Told of the three stages (finding the cases; evaluating them, case by case; the table
        and plot) (:mod:`hccrt.progress`).
    """
    import dask
    from distributed import Client, as_completed

    progress.stage("finding the cases", 1, 3)
    cases_dir = cases_dir.expanduser().resolve()
    cases = discover_cases(cases_dir)
    load_evaluator(evaluator)  # fail early, not once per case
    journal = Journal(out)
    done = journal.rows()
    pending = [
        c
        for c in cases
        if c.name not in done or (retry_failed and done[c.name].get("status") == "error")
    ]
    run_id = uuid.uuid4().hex[:12]
    progress.stage(f"evaluating {len(pending)} cases", 2, 3)
    if pending:
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
            cluster = _local_cluster(workers, processes) if scheduler is None else None
            client = (
                Client(cluster)  # type: ignore[no-untyped-call]
                if cluster is not None
                else _connect(str(scheduler), cases_dir)
            )
            try:
                futures = [
                    client.submit(
                        evaluate_one,
                        str(c),
                        protocol,
                        evaluator,
                        run_id,
                        key=f"case-{run_id}-{i}",
                        pure=False,
                    )
                    for i, c in enumerate(pending)
                ]
                case_of = dict(zip((f.key for f in futures), pending, strict=True))
                completed = as_completed(futures)  # type: ignore[no-untyped-call]
                for finished, future in enumerate(completed, start=1):
                    try:
                        row = future.result()
                    except Exception as error:  # KilledWorker, lost worker: this case only
                        row = _lost_case_row(case_of[future.key], protocol, run_id, error)
                    journal.write(row)
                    progress.step("cases", finished, len(pending))
                    if on_case_done is not None:
                        on_case_done(row)
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    progress.stage("results table and plot", 3, 3)
    table = journal.consolidate()
    plot = plot_path if plot_path is not None else out.with_suffix(".png")
    has_plot = plot_ntcp_vs_dose(table, plot)
    failures = [
        {"case_id": str(r["case_id"]), "error": str(r["error"])}
        for r in table[table["status"] == "error"].to_dict(orient="records")
    ]
    return CohortResult(
        out=out,
        plot=plot if has_plot else None,
        evaluated_now=len(pending),
        skipped=len(cases) - len(pending),
        summary=summarize(table),
        failures=failures,
    )
