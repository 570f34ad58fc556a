"""How every SQLite connection of corridor is set up: the service's database and a local log.

One set of PRAGMAs for both (they used to drift apart): write-ahead log, ``synchronous`` as
asked (FULL by default: an acknowledged write survives a power cut), foreign keys enforced, a
30-second busy timeout, and ``BEGIN IMMEDIATE`` so that a read-then-write transaction waits for
the write lock up front instead of failing with SQLITE_BUSY halfway.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event

BUSY_TIMEOUT_MS = 30_000


def configure_sqlite(
    engine: Engine, *, synchronous: str = "FULL", autocheckpoint: bool = True
) -> Engine:
    """Set up each new connection of ``engine``. ``autocheckpoint=False`` leaves WAL
    checkpoints to a background checkpointer (the service's), not to whichever commit
    happens to cross the threshold."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction starts.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not autocheckpoint:
            cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
