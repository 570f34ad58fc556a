"""The live-server helper, shared with the benchmarks: :mod:`corridor.testing.live_server`."""

from __future__ import annotations

from corridor.testing.live_server import LiveServer, free_port

__all__ = ["LiveServer", "free_port"]
