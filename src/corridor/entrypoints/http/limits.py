"""A request-size limit in front of the app: 413 as a problem, before a byte is parsed."""

from __future__ import annotations

import json
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

        await self.app(scope, counting_receive, send)

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
