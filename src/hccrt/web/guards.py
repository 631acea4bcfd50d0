"""Request guards: odd input is refused with a 4xx and a clear message before any route runs.

- Every path and query string must be valid UTF-8 without NUL characters.
- JSON bodies: at most ``max_json_bytes``; strict parsing (no ``NaN``/``Infinity``, integers of
  at most :data:`MAX_INT_DIGITS` digits, nesting at most :data:`MAX_JSON_DEPTH` deep) and no NUL
  or lone surrogate in any string or key (PostgreSQL cannot store them).
- Form bodies (``application/x-www-form-urlencoded``): at most ``max_json_bytes``, no NUL.
- Path ids (``{..._id}``) lie in 1..2\\ :sup:`31`-1, the range of the id columns on both databases.

Uploads (``multipart/form-data``) have their own limits (:mod:`hccrt.web.uploads`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import HTTPException, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ID = 2**31 - 1
MAX_INT_DIGITS = 30
MAX_JSON_DEPTH = 32
DEFAULT_MAX_JSON_BYTES = 1024 * 1024


class OddInput(ValueError):
    """Input the server refuses before a route sees it."""


def _reject_constant(name: str) -> float:
    raise OddInput(f"JSON {name} is not a number: send a finite number or null")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise OddInput(f"JSON integer of {len(text)} digits: at most {MAX_INT_DIGITS} allowed")
    return int(text)


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise OddInput(f"{where}: NUL character (\\u0000) not allowed in text")
    if any("\ud800" <= c <= "\udfff" for c in text):
        raise OddInput(f"{where}: lone UTF-16 surrogate not allowed in text")


def check_json_value(value: Any) -> None:
    """Refuse too-deep nesting and NUL or lone surrogates anywhere in a parsed JSON value."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, "JSON string")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise OddInput(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key, "JSON key")
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def parse_strict_json(body: bytes) -> Any:
    """Parse a JSON body strictly (see the module notes); raises :class:`OddInput`."""
    try:
        value = json.loads(body, parse_constant=_reject_constant, parse_int=_bounded_int)
    except RecursionError as error:
        raise OddInput(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OddInput(f"not valid JSON ({error})") from error
    check_json_value(value)
    return value


def _check_url_text(raw: bytes, where: str) -> None:
    decoded = unquote_to_bytes(raw)
    if b"\x00" in decoded:
        raise OddInput(f"{where}: NUL character (%00) not allowed")
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OddInput(f"{where}: not valid UTF-8") from error


class InputGuard:
    """ASGI middleware applying the checks of this module to every HTTP request."""

    def __init__(self, app: ASGIApp, max_json_bytes: int = DEFAULT_MAX_JSON_BYTES) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            _check_url_text(scope.get("raw_path") or scope["path"].encode(), "path")
            _check_url_text(scope.get("query_string", b"").replace(b"+", b" "), "query")
            # FastAPI reads a body as JSON without a content type, or with */json or */*+json.
            is_json = content_type in ("", "application/json") or (
                content_type.startswith("application/") and content_type.endswith("+json")
            )
            if not is_json and content_type != "application/x-www-form-urlencoded":
                await self.app(scope, receive, send)
                return
            body = await self._read_body(headers, receive)
            if is_json:
                if body.strip():
                    parse_strict_json(body)
            else:
                _check_url_text(body.replace(b"+", b" "), "form")
        except _TooLarge as error:
            await JSONResponse({"detail": str(error)}, status_code=413)(scope, receive, send)
            return
        except OddInput as error:
            await JSONResponse({"detail": str(error)}, status_code=400)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        limit = self.max_json_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _TooLarge(f"request body over {limit} bytes: send less")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge(f"request body over {limit} bytes: send less")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


class _TooLarge(ValueError):
    pass


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def bounded_path_ids(request: Request) -> None:
    """App-wide dependency: every ``{..._id}`` path parameter is an id that can exist.

    Raises
    ------
    HTTPException
        404 for a number outside 1..:data:`MAX_ID` (no record can have it); other text is left
        to the route's own validation (422).
    """
    for name, value in request.path_params.items():
        text = str(value)
        if not name.endswith("_id") or not (text.isascii() and text.isdigit()):
            continue
        if len(text) > 10 or not 1 <= int(text) <= MAX_ID:
            raise HTTPException(
                404, f"{name}={text[:20]}: no such record (ids run from 1 to {MAX_ID})"
            )
