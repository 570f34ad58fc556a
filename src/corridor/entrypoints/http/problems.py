"""RFC 9457 problem details for every error the API returns.

Each problem names what was wrong: ``errors`` lists ``{field, value, problem}`` for bad input,
so a client (or a person reading a log) sees the field path and the value it sent.
"""

from __future__ import annotations

import errno
import json
import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor.adapters.log_tables import LogBusy, StorageError
from corridor.errors import CorridorError, InputError
from corridor.services.agreement import MessageRefused
from corridor.services.errors import Conflict, Forbidden, NotAuthenticated, NotFound
from corridor.tlog.errors import VerificationError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://corridor.invalid/problems/"


class FieldProblem(BaseModel):
    field: str
    value: Any = None
    problem: str


class Problem(BaseModel):
    """An RFC 9457 problem; ``errors`` names each bad field and its value."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] = []


def problem_response(
    request: Request | None,
    status: int,
    kind: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path if request is not None else None,
        "errors": errors or [],
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        head, rest = parts[0], parts[1:]
        out = head
        for p in rest:
            out += f"[{p}]" if p.isdigit() else f".{p}"
        return out
    return ".".join(parts)


def _short(value: Any) -> Any:
    """The offending value as JSON can carry it: short, text when it came as bytes, and NaN or
    Infinity as their names (JSON has no such numbers: echoing them must not fail)."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value[:200]).decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)[:200]
    return value if len(text) <= 200 else text[:200] + "…"


async def on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _loc(e.get("loc", ())),
            "value": _short(e.get("input")),
            "problem": e.get("msg", ""),
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "request", "value": None, "problem": "invalid"}
    detail = f"{first['field']} = {first['value']!r}: {first['problem']}"
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    return problem_response(
        request, 422, "invalid-input", "The request has invalid fields", detail, errors
    )


async def on_corridor_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, LogBusy):  # wherever it escapes: a transient fault, never a refusal
        return problem_response(
            request,
            503,
            "log-busy",
            "The log is busy",
            str(exc),
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, StorageError):  # the log's storage failed: the server's fault
        return await on_storage_fault(request, exc)
    if isinstance(exc, NotAuthenticated):
        return problem_response(
            request,
            401,
            "not-authenticated",
            "Not authenticated",
            exc.problem,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if isinstance(exc, Forbidden):
        return _forbidden(request, exc)
    if isinstance(exc, NotFound):
        return problem_response(
            request,
            404,
            "not-found",
            "Not found",
            str(exc),
            [{"field": exc.what, "value": _short(exc.ident), "problem": "not found"}],
        )
    if isinstance(exc, Conflict):
        return problem_response(
            request,
            409,
            "conflict",
            "Conflicts with the current state",
            str(exc),
            [{"field": exc.where, "value": _short(exc.value), "problem": exc.problem}],
        )
    if isinstance(exc, VerificationError):
        return problem_response(
            request,
            422,
            "does-not-verify",
            "Does not verify",
            str(exc),
            [{"field": exc.what, "value": None, "problem": exc.problem}],
        )
    if isinstance(exc, MessageRefused):
        return problem_response(
            request,
            409,
            "refused",
            "Refused by the log",
            str(exc),
            [{"field": exc.what, "value": None, "problem": exc.reason}],
        )
    if isinstance(exc, InputError):
        many = getattr(exc, "errors", None)  # InputErrors: every bad row of a file
        return problem_response(
            request,
            422,
            "invalid-input",
            "The request has invalid fields" if many else "The request has an invalid field",
            str(exc),
            [{"field": w, "value": _short(v), "problem": p} for w, v, p in many]
            if many
            else [{"field": exc.where, "value": _short(exc.value), "problem": exc.problem}],
        )
    assert isinstance(exc, CorridorError)
    return problem_response(request, 400, "rejected", "Rejected", str(exc))


def _forbidden(request: Request, exc: Forbidden) -> JSONResponse:
    """403 about the role (the access table), or about the object the request names (a
    driver and another vehicle): then the field and the value sent."""
    if exc.field is None:
        errors = [{"field": "role", "value": exc.role, "problem": f"may not {exc.action}"}]
        return problem_response(
            request, 403, "forbidden", "Forbidden for this role", exc.problem, errors
        )
    errors = [{"field": exc.field, "value": _short(exc.value), "problem": exc.problem}]
    return problem_response(
        request, 403, "forbidden", "Forbidden for this object", exc.problem, errors
    )


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
    return problem_response(
        request,
        exc.status_code,
        f"http-{exc.status_code}",
        titles.get(exc.status_code, "Error"),
        str(exc.detail),
        headers=getattr(exc, "headers", None),
    )


#: SQLSTATE class 53: insufficient resources (53100 disk full, 53200 out of memory, ...).
_PG_RESOURCES = "53"
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")


def storage_fault(exc: BaseException) -> tuple[int, str, str] | None:
    """(status, problem type, title) when ``exc`` is a storage failure, else None.

    A full disk is 507 ``storage-full``; a database or file system that does not answer is 503
    ``storage-unavailable``. Both are the server's faults: never a 4xx (the request was fine)
    and never a bare 500 (the client should retry later, and nothing was acknowledged).
    """
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    for e in chain:
        if isinstance(e, OSError) and e.errno in {errno.ENOSPC, errno.EDQUOT}:
            return 507, "storage-full", "The server's storage is full"
        state = str(getattr(e, "sqlstate", "") or getattr(e, "pgcode", "") or "")
        if state.startswith(_PG_RESOURCES) or any(w in str(e).lower() for w in _FULL_WORDS):
            return 507, "storage-full", "The server's storage is full"
    storage = (OperationalError, InterfaceError, OSError, StorageUnavailable)
    if any(isinstance(e, storage) for e in chain):
        return 503, "storage-unavailable", "The server's storage is unavailable"
    return None


class StorageUnavailable(Exception):
    """Raised by code that found its storage failing (tests' faulty adapters raise it too)."""


async def on_storage_fault(request: Request, exc: Exception) -> JSONResponse:
    fault = storage_fault(exc) or (
        503,
        "storage-unavailable",
        "The server's storage is unavailable",
    )
    status, kind, title = fault
    log.error("storage fault on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return problem_response(
        request,
        status,
        kind,
        title,
        "the server could not store or read this now; your request was not acknowledged and "
        "nothing of it is half-stored: retry later",
        headers={"Retry-After": "30"},
    )


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    if storage_fault(exc) is not None:  # a storage failure wrapped in another error
        return await on_storage_fault(request, exc)
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        500,
        "internal",
        "Internal error",
        "the server failed on this request; nothing was stored by it; the error is logged",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(CorridorError, on_corridor_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    for storage in (OperationalError, InterfaceError, OSError, StorageUnavailable):
        app.add_exception_handler(storage, on_storage_fault)
    app.add_exception_handler(Exception, on_unexpected)
