"""Limits in front of the app, before a route sees a request: the body's size (413, before a
byte is parsed) and a JSON body's shape (depth, items, NaN, NUL: 422, after authentication)."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor.entrypoints.http.problems import MEDIA_TYPE, TYPE_BASE


class BodyTooLarge(HTTPException):
    """Raised while reading a body without a declared length; the app turns it into a 413."""

    def __init__(self, seen: int, limit: int) -> None:
        super().__init__(413, f"the request body has more than {limit} bytes (read {seen})")


class BodySizeLimit:
    """``max_bytes`` for every request; ``larger`` maps a path prefix to its own limit (the
    OSM extract uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    def limit_for(self, path: str) -> int:
        return next((n for p, n in self.larger.items() if path.startswith(p)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = limit + 1
            if size > limit:
                await self._refuse(scope, send, size, limit)
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(seen, limit)
            return message

        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # Read before any route (the JSON guard reads whole bodies): answer here, as for a
            # declared length. Once a response has started, there is nothing left to answer.
            if started:
                raise
            await self._refuse(scope, send, seen, limit)

    async def _refuse(self, scope: Scope, send: Send, size: int, limit: int) -> None:
        body: dict[str, Any] = {
            "type": TYPE_BASE + "too-large",
            "title": "Request too large",
            "status": 413,
            "detail": f"the body has {size} bytes or more; at most {limit} are accepted",
            "instance": scope.get("path"),
            "errors": [{"field": "body", "value": size, "problem": f"larger than {limit} bytes"}],
        }
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", MEDIA_TYPE.encode()),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})


# -- the shape of a JSON body, checked before any route (and so before anything is stored) -----

#: Nesting deeper than this is refused: no document of the API needs more than a dozen levels,
#: and a body nested hundreds deep broke every later read of the table that stored it.
MAX_DEPTH = 32
#: Items in one JSON array or object.
MAX_ITEMS = 10_000
#: Values in a whole body (a position batch of 500 has about 4,000).
MAX_VALUES = 200_000


class _NonFinite:
    """What ``NaN``, ``Infinity`` and ``-Infinity`` parse to, so the walk can name the field."""

    def __init__(self, text: str) -> None:
        self.text = text


@dataclass(frozen=True)
class BodyProblem:
    """Why a JSON body is refused: the field path (``body.positions[0].lat``), the value sent
    as JSON can carry it, and what is wrong."""

    field: str
    value: Any
    problem: str


def _child(path: str, key: object) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def check_json(raw: bytes) -> BodyProblem | None:
    """The first thing wrong with ``raw`` as a JSON request body, or None when it is fine.

    Refused: text that is not JSON; ``NaN``/``Infinity`` (not JSON, and they come back as null
    or break typed fields); a NUL character in any text or key (PostgreSQL cannot store it);
    nesting deeper than :data:`MAX_DEPTH`; containers over :data:`MAX_ITEMS` items; bodies over
    :data:`MAX_VALUES` values.
    """
    try:
        doc = json.loads(raw, parse_constant=_NonFinite)
    except RecursionError:
        return BodyProblem("body", None, f"nested deeper than {MAX_DEPTH} levels")
    except (ValueError, UnicodeDecodeError) as exc:
        where = getattr(exc, "pos", None)
        problem = f"is not JSON: {getattr(exc, 'msg', str(exc))}"
        if where is not None:
            problem += f" (at byte {where})"
        return BodyProblem("body", raw[:80].decode("utf-8", "replace"), problem)
    count = 0
    stack: list[tuple[str, Any, int]] = [("body", doc, 1)]
    while stack:
        path, value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return BodyProblem("body", count, f"has more than {MAX_VALUES} values")
        if isinstance(value, _NonFinite):
            return BodyProblem(
                path, value.text, "is not a finite number (NaN and Infinity are not JSON)"
            )
        if isinstance(value, float) and not math.isfinite(value):
            return BodyProblem(path, str(value), "is not a finite number")
        if isinstance(value, str) and "\x00" in value:
            return BodyProblem(path, value[:80], "contains a NUL character")
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return BodyProblem(path, None, f"nested deeper than {MAX_DEPTH} levels")
            if len(value) > MAX_ITEMS:
                return BodyProblem(path, len(value), f"has more than {MAX_ITEMS} items")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    return BodyProblem(path, key[:80], "has a key with a NUL character")
                stack.append((_child(path, key), item, depth + 1))
    return None


#: Routes whose body is not JSON (an OSM extract, up to its own larger limit; an OsmAnd
#: device's form): never buffered or checked here.
RAW_BODY_PATHS = ("/v1/osm/", "/v1/osmand/")


def _is_json(scope: Scope) -> bool:
    """A JSON body: so declared, or not declared at all (FastAPI reads those as JSON too)."""
    ctype = dict(scope.get("headers") or []).get(b"content-type")
    if ctype is None:
        return True
    kind = ctype.split(b";")[0].strip().lower()
    return kind == b"application/json" or kind.endswith(b"+json")


Authenticate = Callable[[Scope], Awaitable[bool]]


class JsonBodyGuard:
    """Checks every JSON request body with :func:`check_json` before a route sees it.

    A caller that is not authenticated (``authenticated(scope)`` false) gets 401 whatever its
    body holds, exactly as it would with a well-formed one; an authenticated caller gets 422
    naming the field and the value. The body is handed on to the app unchanged.
    """

    def __init__(
        self,
        app: ASGIApp,
        authenticated: Authenticate,
        inspect: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self.app = app
        self.authenticated = authenticated
        self.inspect = inspect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") in {"GET", "HEAD"}
            or str(scope.get("path", "")).startswith(RAW_BODY_PATHS)
            or not _is_json(scope)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # the client went away: let the app see it
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        problem = check_json(raw) if raw else None
        if problem is not None:
            if not await self.authenticated(scope):
                await _send_problem(
                    scope,
                    send,
                    401,
                    "not-authenticated",
                    "Not authenticated",
                    "a valid bearer token is required",
                    [],
                    [(b"www-authenticate", b"Bearer")],
                )
                return
            errors = [{"field": problem.field, "value": problem.value, "problem": problem.problem}]
            await _send_problem(
                scope,
                send,
                422,
                "invalid-input",
                "The request has an invalid field",
                f"{problem.field} = {problem.value!r}: {problem.problem}",
                errors,
            )
            return
        if raw and self.inspect is not None:
            self.inspect(str(scope.get("path", "")), raw)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _send_problem(
    scope: Scope,
    send: Send,
    status: int,
    kind: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]],
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope.get("path"),
        "errors": errors,
    }
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(raw)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
