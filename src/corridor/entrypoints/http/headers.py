"""Security headers: every response says ``nosniff`` and sends no referrer; every HTML page
also carries a Content-Security-Policy (only this server's scripts, styles and connections, no
framing by another site) and ``X-Frame-Options: DENY`` for browsers without CSP level 2.

The dashboard is served by the same origin and bundles its libraries (no CDN), so ``'self'``
is all it needs; a background tile server, when configured, is allowed for images only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def content_security_policy(tiles_url: str | None = None) -> str:
    images = ["'self'", "data:", "blob:"]
    if tiles_url:
        parts = urlsplit(tiles_url.replace("{s}", "a").replace("{z}", "0"))
        if parts.scheme in {"http", "https"} and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles_url else parts.netloc
            images.append(f"{parts.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


#: FastAPI's interactive API pages (/docs, /redoc) load Swagger UI and ReDoc from their CDN and
#: start them with an inline script: they get a policy that allows exactly that, and still no
#: framing. (Offline, those two pages do not load; the dashboard and the API do.)
API_PAGES = ("/docs", "/redoc")
API_PAGES_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, tiles_url: str | None = None) -> None:
        self.app = app
        self.csp = content_security_policy(tiles_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    path = str(scope.get("path", ""))
                    csp = API_PAGES_CSP if path.startswith(API_PAGES) else self.csp
                    headers.setdefault("Content-Security-Policy", csp)
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, with_headers)
