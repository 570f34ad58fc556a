"""The log's tables (SQLAlchemy 2 Core), the engine for a log target, and its storage errors.

The tables live on :data:`log_metadata` so the coordination service can put them in its Alembic
migrations; :meth:`~corridor.adapters.log_store.LogStore.create_all` is for standalone use.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from corridor.adapters.sqlite import configure_sqlite
from corridor.errors import CorridorError, InputError

log_metadata = MetaData()

entries_table = Table(
    "log_entries",
    log_metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("leaf_hash", LargeBinary(32), nullable=False, unique=True),
    Column("envelope", LargeBinary, nullable=False),
)
nodes_table = Table(
    "log_nodes",
    log_metadata,
    # key = index * 64 + level: one integer primary key, so a proof is one IN (...) lookup
    Column("key", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)
head_table = Table(
    "log_head",
    log_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)
checkpoints_table = Table(
    "log_checkpoints",
    log_metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", LargeBinary, nullable=False),
)
cosignatures_table = Table(
    "log_cosignatures",
    log_metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    # the C2SP cosigner key ID (type 0x04) in hex: a witness is its key, never its name
    Column("key_id", String(8), primary_key=True),
    Column("witness", String(200), nullable=False),
    Column("key", Text, nullable=True),  # unknown for cosignatures stored before 0007
    Column("line", Text, nullable=False),
)


def cosignature_key_id(line: str) -> str:
    """The key ID (hex) a note signature line starts with: ``— NAME base64(keyID || ...)``."""
    import base64

    return base64.b64decode(line.rstrip("\n").rsplit(" ", 1)[1])[:4].hex()


class StaleLog(CorridorError):
    """The log grew after the caller checked it; nothing was appended. Check again and retry."""

    exit_code = 1


class StorageError(CorridorError):
    """The database could not be reached or written; nothing was acknowledged."""

    exit_code = 1


class LogBusy(StorageError):
    """Another writer held the log's write lock for too long (or the database broke a lock
    cycle); nothing was stored. A transient fault: the same envelopes may be sent again."""


#: PostgreSQL's serialization_failure, deadlock_detected, lock_not_available.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def storage_error(exc: SQLAlchemyError, what: str) -> StorageError:
    """The storage error a database error is: :class:`LogBusy` when it is a lock that may
    be free on the next try, :class:`StorageError` otherwise."""
    orig = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
    text = str(orig if orig is not None else exc)
    if getattr(orig, "sqlstate", None) in _TRANSIENT_SQLSTATES or any(
        words in text.lower() for words in ("database is locked", "database is busy")
    ):
        return LogBusy(f"{what}: the log is busy, another writer holds it ({text})")
    return StorageError(f"{what}: {text}")


def engine_for(target: str) -> Engine:
    """An engine for a database URL, or for a SQLite file path (created if absent)."""
    if "://" in target:
        url = target
    else:
        path = Path(target)
        if path.parent and not path.parent.exists():
            raise InputError("--log", f"the folder of {target!r} does not exist")
        url = f"sqlite:///{path}"
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise InputError("--log", f"{target!r} is not a usable database URL ({exc})") from exc
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)  # the same PRAGMAs as the service's database
    return engine
