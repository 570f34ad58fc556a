"""Is the storage working: the database answers, and the data directory takes a durable write.

``GET /v1/health`` reports both, so that a load balancer or an operator sees a full disk or a
database that is down before a client's write is refused for it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, text

#: Below this much free space the disk is reported ``low`` (a position batch, a tile, a
#: checkpoint are each far smaller; a planner run is not).
LOW_FREE_BYTES = 16 * 1024 * 1024
PROBE = ".health-probe"


def database_health(engine: Engine) -> str:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to answer is what this reports
        return f"failing: {type(exc).__name__}"
    return "ok"


def disk_health(data_dir: Path) -> str:
    """``ok``, ``low: N bytes free`` or ``failing: ...`` for the data directory."""
    probe = data_dir / PROBE
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
        free = shutil.disk_usage(data_dir).free
    except OSError as exc:
        return f"failing: {os.strerror(exc.errno) if exc.errno else type(exc).__name__}"
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return f"low: {free} bytes free" if free < LOW_FREE_BYTES else "ok"


def storage_health(engine: Engine, data_dir: Path) -> dict[str, str]:
    return {"database": database_health(engine), "disk": disk_health(data_dir)}
