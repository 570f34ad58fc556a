"""The form of a Dask scheduler's address, as a coordinator or an operator types it.

``corridor simulate --scheduler`` and ``corridor plan --robust/--portfolio --scheduler`` check
it, then greet the scheduler; the service checks ``CORRIDOR_DASK_SCHEDULER`` when it starts (the
cluster may come up after it: only the form is checked there). Nothing here opens a socket.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: the schemes of Dask's own addresses; ``tcp`` is the one a scheduler listens on by default
SCHEMES = ("tcp", "tls", "ws", "wss")
#: what every message about the address asks for
GIVE = "give the Dask scheduler's address, tcp://HOST:8786"


def address_problem(value: str) -> str | None:
    """What is wrong with the form of ``value`` as a scheduler's address (None: nothing)."""
    scheme, sep, _ = value.partition("://")
    if not sep:
        return f"no scheme; {GIVE} (tcp://{value}?)"
    if scheme.lower() in ("http", "https"):
        return f"is a web address (the dashboard's?), not the scheduler's; {GIVE}"
    if scheme.lower() not in SCHEMES:
        return f"unknown scheme {scheme + '://'!r}; {GIVE}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        return f"{exc}; {GIVE}"
    if not parts.hostname or parts.path.strip("/") or parts.query or parts.fragment:
        return f"expected a host and a port and nothing else; {GIVE}"
    if not port:
        return f"no port; {GIVE} (8786 is the scheduler's usual port)"
    return None
