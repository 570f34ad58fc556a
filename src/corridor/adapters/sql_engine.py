"""The database engines for SQLite (WAL) and PostgreSQL, the WAL checkpointer, migrations.

A URL that SQLAlchemy cannot use, or a database that does not answer, is an
:class:`~corridor.errors.InputError` naming the setting and the URL (its password masked),
never a traceback. The repositories that speak SQL over an engine's connection are in
:mod:`corridor.adapters.repositories`.
"""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from corridor.adapters.sqlite import configure_sqlite
from corridor.errors import InputError

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x636F7272  # "corr": one worker migrates, the others wait
#: Where a database URL comes from, as its errors name it.
DATABASE_SETTING = "CORRIDOR_DATABASE_URL (--db)"
_EXAMPLES = "e.g. postgresql+psycopg://USER@HOST/DATABASE or sqlite:///PATH"


def shown_url(url: str) -> str:
    """``url`` fit to quote in a message: its password, if any, masked (``user:***@host``)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)


def database_url(url: str, where: str = DATABASE_SETTING) -> URL:
    """``url`` parsed, or an InputError naming ``where`` when it is not a URL SQLAlchemy can
    use: not a URL at all, or no database driver of that name (``postgres://``)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise InputError(where, f"{shown_url(url)!r} is not a database URL ({_EXAMPLES})") from exc
    try:
        parsed.get_dialect()
    except NoSuchModuleError as exc:
        raise InputError(where, _no_driver(url, parsed)) from exc
    return parsed


def _no_driver(url: str, parsed: URL) -> str:
    name = parsed.drivername
    if name.startswith("postgres"):
        fixed = "postgresql+psycopg://" + shown_url(url).split("://", 1)[1]
        return f"{shown_url(url)!r}: no database driver {name!r}; write {fixed!r}"
    return f"{shown_url(url)!r}: no database driver {name!r} ({_EXAMPLES})"


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 10) -> Engine:
    """An engine for ``url``. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE writes.

    Nothing is connected yet (:func:`check_connection` does); a URL that cannot be used is an
    InputError naming :data:`DATABASE_SETTING`."""
    parsed = database_url(url)
    try:
        return _create(url, sqlite_synchronous, pool_size)
    except ImportError as exc:  # postgresql:// asks for psycopg2, which is not installed
        raise InputError(DATABASE_SETTING, _no_driver(url, parsed)) from exc
    except (ArgumentError, ValueError, TypeError) as exc:
        raise InputError(DATABASE_SETTING, f"{shown_url(url)!r} cannot be used: {exc}") from exc


def check_connection(engine: Engine, where: str = DATABASE_SETTING) -> None:
    """Connect once: a server that does not answer, an unknown host or database, a refused
    login stop the start here, in one line naming ``where`` and the URL (never its password)."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        url = engine.url
        reason = "; ".join(
            line.strip() for line in str(exc.orig or exc).splitlines() if line.strip()
        )
        if url.password:
            reason = reason.replace(str(url.password), "***")
        engine.dispose()
        shown = url.render_as_string(hide_password=True)
        raise InputError(where, f"{shown!r}: cannot connect to the database: {reason}") from exc


def _create(url: str, sqlite_synchronous: str, pool_size: int) -> Engine:
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
