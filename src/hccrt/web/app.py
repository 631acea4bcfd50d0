"""The hccrt web application: FastAPI with server-rendered pages and a JSON API.

:func:`create_app` migrates the database to the newest schema, cleans temporary files left by a
killed upload, and mounts the routes. Logging names the route template and status only (never
a query string, a case label or a clinical value); uvicorn's own access log is switched off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeSerializer
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hccrt import __version__
from hccrt.errors import InputError
from hccrt.store.db import make_engine, migrate, session_factory
from hccrt.store.files import ContentStore
from hccrt.store.repository import NotFound
from hccrt.web.jobs import JobQueue
from hccrt.web.security import LoginRequired
from hccrt.web.settings import Settings
from hccrt.web.uploads import UploadRejected

HERE = Path(__file__).resolve().parent
log = logging.getLogger("hccrt.web")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _error_response(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "user": None},
        status_code=status,
    )


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

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
    engine = make_engine(settings.resolved_database_url())
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
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def _headers_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
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
    from hccrt.web import (
        routes_assessments,
        routes_auth,
        routes_evaluations,
        routes_exports,
        routes_followups,
        routes_patients,
        routes_uploads,
    )

    for module in (
        routes_auth,
        routes_patients,
        routes_assessments,
        routes_followups,
        routes_uploads,
        routes_evaluations,
        routes_exports,
    ):
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    def _health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/patients", status_code=303)

    return app


def create_app_from_env() -> FastAPI:
    """App factory for uvicorn worker processes (settings from the environment)."""
    from hccrt.web.settings import settings_from_env

    return create_app(settings_from_env())


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render a page template with the signed-in principal and CSRF token."""
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, name, context, status_code=status)
    return response
