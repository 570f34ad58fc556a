"""The database engines for SQLite (WAL) and PostgreSQL, the WAL checkpointer, migrations.

The repositories that speak SQL over an engine's connection are in
:mod:`corridor.adapters.repositories`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text

from corridor.adapters.sqlite import configure_sqlite

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x636F7272  # "corr": one worker migrates, the others wait


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 10) -> Engine:
    """An engine for ``url``. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE writes."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=20,
        )
        # Checkpoints are the background checkpointer's job (see SqliteCheckpointer): done
        # inside a commit, copying megabytes to a slow disk stalls every writer for seconds.
        return configure_sqlite(engine, synchronous=sqlite_synchronous, autocheckpoint=False)
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


class SqliteCheckpointer:
    """Copies the WAL into the database file every ``every`` seconds, outside the write path.

    PASSIVE checkpoints never wait for readers or writers, so a commit never waits for one.
    When the WAL has grown past ``truncate_pages`` and nobody is using it, it is truncated.
    """

    def __init__(self, engine: Engine, every: float = 1.0, truncate_pages: int = 20_000) -> None:
        import threading

        self.engine = engine
        self.every = every
        self.truncate_pages = truncate_pages
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.checkpoint("PASSIVE")

    def checkpoint(self, mode: str) -> tuple[int, int, int]:
        raw = self.engine.raw_connection()
        try:
            row = raw.cursor().execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        finally:
            raw.close()
        return (int(row[0]), int(row[1]), int(row[2]))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                busy, wal_pages, _ = self.checkpoint("PASSIVE")
                if not busy and wal_pages > self.truncate_pages:
                    self.checkpoint("TRUNCATE")
            except Exception:  # a failed checkpoint is retried at the next tick
                import logging

                logging.getLogger(__name__).exception("WAL checkpoint failed")


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration (idempotent). On PostgreSQL, workers take turns."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
