"""``hccrt serve`` (web application) and ``hccrt cohort evaluate`` (Dask cohort evaluation)."""

from __future__ import annotations

import getpass
import ipaddress
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError

ADMIN_PASSWORD_ENV = "HCCRT_ADMIN_PASSWORD"

cohort_app = typer.Typer(
    name="cohort",
    help="Evaluate many plans at once (Dask): resumable, failures recorded per case.",
    no_args_is_help=True,
)


def _read_admin_password() -> str:
    from_env = os.environ.get(ADMIN_PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise InputError(
            ADMIN_PASSWORD_ENV,
            "not set and no terminal to ask for the password",
            None,
            f"set {ADMIN_PASSWORD_ENV} or run the command in a terminal",
        )
    first = getpass.getpass("Password for the new admin: ")
    if first != getpass.getpass("Repeat the password: "):
        raise InputError("password", "the two entries differ", None, "run the command again")
    return first


def _require_web_extra() -> None:
    """The web server's packages are an extra: say how to install them (exit 2)."""
    import importlib

    for module in ("uvicorn", "fastapi", "sqlalchemy", "alembic", "argon2", "itsdangerous"):
        try:
            importlib.import_module(module)
        except ImportError:
            raise InputError(
                "hccrt serve",
                f"needs the web extra (Python package {module!r} is not installed)",
                None,
                "install it: pip install 'hccrt[web]'",
            ) from None


def serve(
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="SQLAlchemy URL: postgresql+psycopg://USER:PW@HOST/DB, or sqlite:///FILE. "
            "Default: SQLite file hccrt.sqlite3 in --data-dir.",
            envvar="HCCRT_DATABASE_URL",
            show_envvar=True,
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder for the file store, the default database and the cookie key. "
            "Default: the user data directory (e.g. ~/.local/share/hccrt).",
        ),
    ] = None,
    create_admin: Annotated[
        str | None,
        typer.Option(
            "--create-admin",
            metavar="USER",
            help=f"Create an admin account and exit; the password is read from "
            f"{ADMIN_PASSWORD_ENV} or asked for (at least 12 characters, not a common one).",
        ),
    ] = None,
    secure_cookies: Annotated[
        bool,
        typer.Option(help="Mark cookies Secure (set when clients reach the server over HTTPS)."),
    ] = False,
    max_upload_mb: Annotated[
        int, typer.Option(min=1, help="Largest upload (all files or one zip), MB.")
    ] = 1024,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            help="Server processes (plan evaluations are CPU-bound: up to one per core).",
        ),
    ] = 1,
    node_store: Annotated[
        Path | None,
        typer.Option(
            "--node-store",
            help="The --store folder of hccrt listen: its received cases are listed on "
            "/received for import as patients.",
        ),
    ] = None,
) -> None:
    """Run the web application: patients, assessment, DICOM upload, plan evaluation, reports.

    The database is migrated to the newest schema on start. Without an account yet, run
    ``hccrt serve --create-admin NAME`` first.
    """
    _require_web_extra()
    import uvicorn

    from hccrt.store import accounts
    from hccrt.store.db import default_data_dir
    from hccrt.web.app import create_app
    from hccrt.web.settings import Settings, UploadLimits, settings_to_env
    from hccrt.web.startup import first_admin_hint, has_accounts, require_free_port

    settings = Settings(
        data_dir=data_dir if data_dir is not None else default_data_dir(),
        database_url=database,
        secure_cookies=secure_cookies,
        limits=UploadLimits(max_request_bytes=max_upload_mb * 1024 * 1024),
        node_store=node_store,
    )
    if node_store is not None and not node_store.is_dir():
        raise InputError(
            "--node-store",
            "is not a folder",
            str(node_store),
            "give the --store folder of hccrt listen",
        )
    if create_admin is None:
        require_free_port(host, port)  # one line, exit 2, before any banner
    app = create_app(settings)
    if create_admin is not None:
        password = _read_admin_password()
        with app.state.sessions() as session:
            accounts.create_user(session, create_admin, password, "admin")
            session.commit()
        sys.stdout.write(f"admin account '{create_admin}' created; start with: hccrt serve\n")
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not secure_cookies:
        sys.stderr.write(
            "warning: listening beyond this machine without --secure-cookies; put the server "
            "behind an HTTPS reverse proxy and pass --secure-cookies\n"
        )
    sys.stderr.write(f"hccrt web on http://{host}:{port} (data in {settings.data_dir})\n")
    if not has_accounts(app.state.sessions):
        options = f"--data-dir {settings.data_dir}" + (" --database URL" if database else "")
        sys.stderr.write(first_admin_hint(options) + "\n")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
        return
    app.state.engine.dispose()
    os.environ.update(settings_to_env(settings))
    uvicorn.run(
        "hccrt.web.app:create_app_from_env",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
    )


def cohort_evaluate(
    cases_dir: Annotated[
        Path, typer.Argument(help="Folder with one sub-folder per case (DICOM + patient.json).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Results table (Parquet).")],
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Address of a running Dask scheduler, e.g. tls://HOST:8786 (see docs/web.md "
            "for TLS and authentication). Its workers must read CASES_DIR at the same absolute "
            "path (shared file system)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Local workers (threads) without --scheduler.")
    ] = 2,
    processes: Annotated[
        bool,
        typer.Option(
            help="Local workers as separate processes (loopback) instead of threads of this one."
        ),
    ] = False,
    protocol: Annotated[
        str | None, typer.Option(help="Protocol name for every case (default: automatic).")
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option(help="Evaluate again the cases that failed in an earlier run.")
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(help="NTCP vs mean normal-liver dose plot (PNG). Default: OUT with .png."),
    ] = None,
    evaluator: Annotated[
        str,
        typer.Option(
            help="Advanced: module:function that turns (case_dir, protocol) into a result row; "
            "default: hccrt's plan evaluation."
        ),
    ] = "hccrt.cohort.plan:plan_evaluation_row",
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Evaluate every case folder of CASES_DIR with Dask and append the results to OUT.

    Resumable: cases already in OUT are skipped; each finished case is saved at once, so a
    crashed run continues where it stopped. A failing case, even one that kills its worker,
    is recorded with its error and the others go on. Prints summary statistics (doses in Gy,
    NTCP as a fraction). Exit code 1 when every case has failed, 2 for bad input or an
    unreachable scheduler.
    """
    from hccrt.cli._progress import command_progress
    from hccrt.cohort.runner import run_cohort

    with command_progress(output_format) as progress:
        result = run_cohort(
            cases_dir,
            out,
            scheduler=scheduler,
            workers=workers,
            protocol=protocol,
            retry_failed=retry_failed,
            plot_path=plot,
            evaluator=evaluator,
            processes=processes,
            progress=progress,
        )
    emit(result.to_json(), output_format, _render_summary)
    summary = result.summary
    if summary["cases"] and summary["ok"] == 0:
        sys.stderr.write(
            f"error: all {summary['cases']} cases failed; see the errors above (same fault "
            "everywhere? check the cases path and, with --scheduler, the workers' file system)\n"
        )
        raise typer.Exit(1)


def _render_summary(payload: Any) -> str:
    s = payload["summary"]
    lines = [
        f"cases: {s['cases']}  evaluated now: {payload['evaluated_now']}  "
        f"skipped (done before): {payload['skipped']}",
        f"ok: {s['ok']}  failed: {s['failed']}  verdicts: {s['verdicts']}",
    ]
    for key in ("mean_normal_liver_dose_gy", "ntcp"):
        stats = s.get(key)
        if stats:
            lines.append(
                f"{key}: n={stats['n']} mean={stats['mean']:.3g} median={stats['median']:.3g} "
                f"min={stats['min']:.3g} max={stats['max']:.3g}"
            )
    for failure in payload["failures"][:10]:
        lines.append(f"failed: {failure['case_id']}: {failure['error']}")
    lines.append(f"results: {payload['out']}")
    if payload.get("plot"):
        lines.append(f"plot: {payload['plot']}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``cohort`` sub-app to the CLI."""
    app.command("serve")(serve)
    cohort_app.command("evaluate")(cohort_evaluate)
    app.add_typer(cohort_app, name="cohort")
