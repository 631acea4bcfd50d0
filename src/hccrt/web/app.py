"""The hccrt web application: FastAPI with server-rendered pages and a JSON API.

:func:`create_app` makes the data folder private (0700), migrates the database to the newest
schema, cleans temporary files left by a killed upload, and mounts the routes. Logging names the
route template and status only (never a query string, a case label or a clinical value), and of
an unexpected error only its class; uvicorn's own access log is switched off. Every response,
errors included, carries the security headers.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeSerializer
from pydantic import ValidationError
from sqlalchemy import update
from starlette.exceptions import HTTPException as StarletteHTTPException

from hccrt import __version__
from hccrt.errors import InputError
from hccrt.store.accounts import SignInThrottled
from hccrt.store.db import make_engine, migrate, private_directory, session_factory
from hccrt.store.files import ContentStore
from hccrt.store.models import HealthProbe, utcnow
from hccrt.store.repository import NotFound
from hccrt.web import (
    apidocs,
    display,
    routes_admin,
    routes_assessments,
    routes_auth,
    routes_board,
    routes_courses,
    routes_evaluations,
    routes_exports,
    routes_followups,
    routes_patients,
    routes_received,
    routes_uploads,
)
from hccrt.web.faults import Fault, classify
from hccrt.web.guards import InputGuard, bounded_path_ids
from hccrt.web.jobs import JobQueue
from hccrt.web.security import LoginRequired, ReauthRequired
from hccrt.web.settings import Settings
from hccrt.web.uploads import UploadRejected

HERE = Path(__file__).resolve().parent
log = logging.getLogger("hccrt.web")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Browsers ignore HSTS over plain HTTP; behind the HTTPS proxy it pins HTTPS for a year.
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
        "bluetooth=(), interest-cohort=()"
    ),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _error_response(
    request: Request, status: int, message: str, retry_after_s: int | None = None
) -> Response:
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else None
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "user": None},
        status_code=status,
        headers=headers,
    )


def _fault_response(request: Request, error: Exception) -> Response:
    fault: Fault = classify(error)
    route = getattr(request.scope.get("route"), "path", "unmatched")
    log.error("%s %s -> %d: %s", request.method, route, fault.status, type(error).__name__)
    return _error_response(request, fault.status, fault.message, fault.retry_after_s)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(ReauthRequired)
    async def _reauth(request: Request, _exc: ReauthRequired) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": 'confirm your password first: POST /api/reauth {"password": ...}'},
                status_code=401,
            )
        return RedirectResponse(f"/reauth?next={request.url.path}", status_code=303)

    @app.exception_handler(SignInThrottled)
    async def _throttled(request: Request, exc: SignInThrottled) -> Response:
        return _error_response(request, 429, str(exc), exc.wait_s)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return _error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(UploadRejected)
    async def _upload(request: Request, exc: UploadRejected) -> Response:
        return _error_response(request, exc.status_code, f"upload refused: {exc}")

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        return _error_response(request, 400, str(exc))

    @app.exception_handler(NotFound)
    async def _missing(request: Request, exc: NotFound) -> Response:
        return _error_response(request, 404, str(exc.args[0]) if exc.args else "not found")

    @app.exception_handler(ValidationError)
    async def _model(request: Request, exc: ValidationError) -> Response:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or exc.title
        return _error_response(request, 400, f"{where}: {first['msg']}")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error_response(request, 422, f"{where}: {first.get('msg')}")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application (migrates the database on start).

    Parameters
    ----------
    settings
        Database, data directory, secret and upload limits (defaults: :class:`Settings`).
    """
    settings = settings or Settings()
    settings.check_database_folder()
    private_directory(settings.data_dir)
    engine = make_engine(settings.resolved_database_url(), settings.db_busy_timeout_s)
    migrate(engine)
    files = ContentStore(settings.data_dir / "files")
    removed = files.clean_temporary()
    if removed:
        log.warning("removed %d temporary files left by an interrupted upload", removed)

    app = FastAPI(
        title="hccrt",
        version=__version__,
        description=(
            "Decision support, plan evaluation and follow-up for radiotherapy of hepatocellular "
            "carcinoma. Sign in at /login; API calls use the session cookie and send the "
            "session's CSRF token in the X-CSRF-Token header on every POST."
        ),
        dependencies=[Depends(bounded_path_ids)],
        docs_url=None,  # served by hccrt.web.apidocs from local files, under the CSP
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.files = files
    app.state.jobs = JobQueue(app.state.sessions, files, settings.jobs)
    if recovered := app.state.jobs.recover():
        log.warning("marked %d evaluation jobs of a stopped server as failed", recovered)
    app.state.signer = URLSafeSerializer(settings.resolved_secret_key())
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["hccrt_version"] = __version__
    display.install(templates.env)
    app.state.templates = templates
    app.mount("/static/apidocs", StaticFiles(directory=str(apidocs.assets_dir())), name="apidocs")
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(InputGuard, max_json_bytes=settings.max_json_bytes)

    @app.middleware("http")
    async def _headers_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as error:  # every unhandled error: answered here, logged by class
            response = _fault_response(request, error)
        response.headers.update(SECURITY_HEADERS)
        if request.url.path in apidocs.DOCS_PATHS:
            response.headers["Content-Security-Policy"] = apidocs.DOCS_CSP
        elif request.url.path.startswith("/static/apidocs/"):  # 2.8 MB, same for every user
            response.headers["Cache-Control"] = "public, max-age=86400"
        response.headers.setdefault("Cache-Control", "no-store")
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        log.info(
            "%s %s -> %d (%.0f ms)",
            request.method,
            template,
            response.status_code,
            1000 * (time.perf_counter() - started),
        )
        return response

    _install_handlers(app)

    for module in (
        apidocs,
        routes_auth,
        routes_admin,
        routes_patients,
        routes_assessments,
        routes_followups,
        routes_uploads,
        routes_received,
        routes_evaluations,
        routes_exports,
        routes_board,
        routes_courses,
    ):
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    def _health() -> Response:
        """A real write to the database and the free space of the data folder (503 if not)."""
        free = shutil.disk_usage(settings.data_dir).free
        if free < settings.min_free_bytes:
            return JSONResponse(
                {"status": "disk full", "free_bytes": free, "version": __version__},
                status_code=503,
                headers={"Retry-After": "60"},
            )
        with app.state.sessions() as session:
            session.execute(update(HealthProbe).where(HealthProbe.id == 1).values(at=utcnow()))
            session.commit()
        return JSONResponse({"status": "ok", "free_bytes": free, "version": __version__})

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/patients", status_code=303)

    return app


def create_app_from_env() -> FastAPI:
    """App factory for uvicorn worker processes (settings from the environment)."""
    from hccrt.web.settings import settings_from_env

    return create_app(settings_from_env())
