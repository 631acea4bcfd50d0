"""The API reference pages, Swagger UI (``/docs``) and ReDoc (``/redoc``), served from this server.

FastAPI's own pages load their scripts from a CDN and start Swagger UI with an inline script:
the app's Content-Security-Policy blocks both, and a clinic network often has no internet.
Here the assets come from the ``fastapi-offline`` package (installed with ``hccrt[web]``) under
``/static/apidocs/``, and Swagger UI is started by ``/static/apidocs-init.js``. The two pages
keep ``script-src 'self'``; only their styles may be inline (Swagger UI and ReDoc style their
elements from JavaScript), and ReDoc may start its search worker from a ``blob:``. Swagger UI's
public validator is switched off; ReDoc's side-menu logo (on its CDN) is blocked by the CSP and
ReDoc then leaves it out.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from hccrt.errors import InputError

router = APIRouter()

DOCS_PATHS = frozenset({"/docs", "/redoc"})
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'"
)


def assets_dir() -> Path:
    """The folder of Swagger UI and ReDoc files shipped by ``fastapi-offline``.

    Raises
    ------
    InputError
        When the package is not installed (it is part of the ``[web]`` extra).
    """
    spec = find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        raise InputError(
            "fastapi-offline",
            "not installed (it ships the Swagger UI and ReDoc files of /docs and /redoc)",
            None,
            "pip install 'hccrt[web]'",
        )
    return Path(spec.origin).parent / "static"


_SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hccrt API · Swagger UI</title>
<link rel="icon" href="/static/apidocs/favicon.png">
<link rel="stylesheet" href="/static/apidocs/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/static/apidocs/swagger-ui-bundle.js"></script>
<script src="/static/apidocs-init.js"></script></body></html>
"""
_REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hccrt API · ReDoc</title>
<link rel="icon" href="/static/apidocs/favicon.png"></head>
<body><redoc spec-url="{openapi_url}"></redoc>
<script src="/static/apidocs/redoc.standalone.js"></script></body></html>
"""


@router.get("/docs", include_in_schema=False)
def swagger_ui() -> HTMLResponse:
    """Swagger UI for ``/openapi.json`` (assets from this server)."""
    return HTMLResponse(_SWAGGER.format(openapi_url="/openapi.json"))


@router.get("/redoc", include_in_schema=False)
def redoc() -> HTMLResponse:
    """ReDoc for ``/openapi.json`` (assets from this server)."""
    return HTMLResponse(_REDOC.format(openapi_url="/openapi.json"))
