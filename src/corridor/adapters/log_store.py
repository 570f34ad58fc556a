"""The log's storage through SQLAlchemy 2 Core: SQLite file by default, PostgreSQL the same way.

Stored: the exact envelope bytes of each entry and its RFC 9162 leaf hash, every perfect subtree
hash (so a proof at any size is one indexed query), the checkpoints signed by the log key and
the witnesses' cosignatures. An append is acknowledged only after its transaction commits
(SQLite in WAL mode with ``synchronous=FULL``), and appending the same envelope bytes again
returns the index it already has.

The tables live on :data:`log_metadata` so the coordination service can put them in its
Alembic migrations; :meth:`LogStore.create_all` is for standalone use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import Engine, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from corridor.adapters.log_checkpoints import CheckpointsMixin
from corridor.adapters.log_tables import (
    LogBusy,
    StaleLog,
    StorageError,
    cosignature_key_id,
    cosignatures_table,
    engine_for,
    entries_table,
    head_table,
    log_metadata,
    storage_error,
)
from corridor.errors import InputError
from corridor.tlog import merkle
from corridor.tlog.tiles import MAX_ENTRY

__all__ = ["LogBusy", "LogStore", "LogWriter", "StaleLog", "StorageError", "engine_for"]


def _node_key(level: int, index: int) -> int:
    return index * 64 + level


class LogStore(CheckpointsMixin):
    """One append-only log in one database (optionally in a named PostgreSQL schema)."""

    def __init__(self, engine: Engine, schema: str | None = None) -> None:
        if schema is not None:
            engine = engine.execution_options(schema_translate_map={None: schema})
        self.engine = engine
        self.schema = schema
        self._size = -1
        self._frontier: dict[int, bytes] = {}

    @classmethod
    def open(cls, target: str, create: bool = True, schema: str | None = None) -> LogStore:
        if not create and "://" not in target and not Path(target).exists():
            raise InputError("--log", f"there is no log at {target!r}")
        store = cls(engine_for(target), schema)
        try:
            store._rename_old_tables()
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot open the log at {target!r}: {exc}") from exc
        if create:
            store.create_all()
        else:
            try:
                with store.engine.connect() as conn:
                    present = inspect(conn).has_table("log_head", schema=schema)
            except SQLAlchemyError as exc:
                raise StorageError(f"cannot open the log at {target!r}: {exc}") from exc
            if not present:
                raise InputError("--log", f"{target!r} holds no log tables")
        return store

    def _rename_old_tables(self) -> None:
        """A standalone log made before the tables were called ``log_*`` (they were
        ``ledger_*``) is renamed in place, as migration 0006 does for the service's database."""
        with self.engine.begin() as conn:
            tables = set(inspect(conn).get_table_names(schema=self.schema))
            if "ledger_head" not in tables or "log_head" in tables:
                return
            for name in ("entries", "nodes", "head", "checkpoints", "cosignatures"):
                if f"ledger_{name}" in tables:
                    conn.exec_driver_sql(
                        f"ALTER TABLE {self._table('ledger_' + name)} RENAME TO log_{name}"
                    )
            # cosignatures were kept by witness name: keep them by key ID (as migration 0007)
            rows = conn.exec_driver_sql(
                f"SELECT size, witness, line FROM {self._table('log_cosignatures')}"
            ).all()
            conn.exec_driver_sql(f"DROP TABLE {self._table('log_cosignatures')}")
            cosignatures_table.create(conn)
            for size, witness, line in rows:
                key_id = cosignature_key_id(line)
                conn.execute(
                    insert(cosignatures_table).values(
                        size=size, key_id=key_id, witness=witness, key=None, line=line
                    )
                )

    def create_all(self) -> None:
        try:
            with self.engine.begin() as conn:
                log_metadata.create_all(conn)
                if conn.execute(select(head_table.c.size)).first() is None:
                    conn.execute(insert(head_table).values(id=1, size=0))
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot prepare the log tables: {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()

    # -- reading -------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        with self.engine.connect() as conn:
            return self._read_size(conn, lock=False)

    def _read_size(self, conn: Connection, lock: bool) -> int:
        # plain SQL on the driver: this runs at least twice for every group of appends
        sql = f"SELECT size FROM {self._table('log_head')} WHERE id = 1"
        if lock and conn.dialect.name != "sqlite":
            sql += " FOR UPDATE"
        row = conn.exec_driver_sql(sql).first()
        if row is None:
            raise StorageError("the log tables exist but have no head row; run create_all")
        return int(row[0])

    def _fetch(self, conn: Connection, keys: Sequence[merkle.NodeKey]) -> list[bytes]:
        # The hot path of every proof: plain SQL on the driver, one round trip, no ORM compile.
        wanted = [_node_key(level, index) for level, index in keys]
        found: dict[int, bytes] = {}
        mark = self._mark(conn)
        table = self._table("log_nodes")
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = f"SELECT key, hash FROM {table} WHERE key IN ({','.join([mark] * len(chunk))})"
            rows = conn.exec_driver_sql(sql, tuple(chunk))
            found.update((int(k), bytes(h)) for k, h in rows)
        try:
            return [found[k] for k in wanted]
        except KeyError as exc:
            raise StorageError(f"tree node {exc} is missing from the store") from exc

    def _table(self, name: str) -> str:
        return f'"{self.schema}".{name}' if self.schema else name

    @staticmethod
    def _mark(conn: Connection) -> str:
        return "?" if conn.dialect.paramstyle == "qmark" else "%s"

    def fetch_nodes(self, keys: Sequence[merkle.NodeKey]) -> list[bytes]:
        with self.engine.connect() as conn:
            return self._fetch(conn, keys)

    def root(self, size: int | None = None) -> bytes:
        with self.engine.connect() as conn:
            n = self._read_size(conn, lock=False) if size is None else size
            return merkle.root(n, lambda keys: self._fetch(conn, keys))

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        with self.engine.connect() as conn:
            return merkle.inclusion_proof(index, size, lambda keys: self._fetch(conn, keys))

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        with self.engine.connect() as conn:
            return merkle.consistency_proof(size1, size2, lambda keys: self._fetch(conn, keys))

    def entry(self, index: int) -> bytes:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(entries_table.c.envelope).where(entries_table.c.idx == index)
            ).first()
        if row is None:
            raise InputError("index", f"the log has no entry {index}")
        return bytes(row[0])

    def entries(self, start: int = 0, end: int | None = None, batch: int = 5000) -> Iterator[bytes]:
        """Entries in log order, read in batches (a log may not fit in memory)."""
        stop = self.size if end is None else end
        at = start
        while at < stop:
            upto = min(stop, at + batch)
            with self.engine.connect() as conn:
                rows = self._rows(conn, at, upto)
            yield from rows
            at = upto

    @staticmethod
    def _rows(conn: Connection, at: int, upto: int) -> list[bytes]:
        rows = conn.execute(
            select(entries_table.c.envelope)
            .where(entries_table.c.idx >= at, entries_table.c.idx < upto)
            .order_by(entries_table.c.idx)
        ).all()
        if len(rows) != upto - at:
            raise StorageError(f"entries {at}..{upto - 1} are not all in the store")
        return [bytes(envelope) for (envelope,) in rows]

    def indexes_of(self, envelopes: Sequence[bytes]) -> dict[bytes, int]:
        """Leaf hash -> index of those envelopes that are already in the log (one query)."""
        leaves = list(dict.fromkeys(merkle.leaf_hash(e) for e in envelopes))
        with self.engine.connect() as conn:
            return self._lookup(conn, leaves)

    def _lookup(self, conn: Connection, leaves: Sequence[bytes]) -> dict[bytes, int]:
        found: dict[bytes, int] = {}
        mark, table = self._mark(conn), self._table("log_entries")
        for start in range(0, len(leaves), 500):
            chunk = tuple(leaves[start : start + 500])
            marks = ",".join([mark] * len(chunk))
            sql = f"SELECT leaf_hash, idx FROM {table} WHERE leaf_hash IN ({marks})"
            found.update((bytes(h), int(i)) for h, i in conn.exec_driver_sql(sql, chunk))
        return found

    def index_of(self, envelope: bytes) -> int | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(entries_table.c.idx).where(
                    entries_table.c.leaf_hash == merkle.leaf_hash(envelope)
                )
            ).first()
        return None if row is None else int(row[0])

    # -- appending -----------------------------------------------------------------------------

    def append(self, envelope: bytes) -> int:
        return self.append_many([envelope])[0]

    def append_many(
        self,
        envelopes: Sequence[bytes],
        expect_size: int | None = None,
        new_only: bool = False,
        before_commit: Callable[[Connection], None] | None = None,
    ) -> list[int]:
        """Append in one transaction; returns each envelope's index once it is durable.

        An envelope already in the log (same bytes) keeps the index it has. With
        ``expect_size``, raises :class:`StaleLog` (appending nothing) unless the log holds
        exactly that many entries when the write lock is taken. ``new_only`` (with
        ``expect_size``) says the caller found none of the envelopes in the log at that size
        and none twice, which spares a lookup; the unique leaf-hash column still refuses a
        duplicate. ``before_commit(connection)`` runs in the same transaction after the entries
        are written: whatever it writes is stored with them or not at all.
        """
        if new_only and expect_size is None:
            raise ValueError("new_only needs expect_size: the lookup is valid at one size only")
        with self.writing() as writer:
            if expect_size is not None and writer.size != expect_size:
                raise StaleLog(
                    f"the log holds {writer.size} entries, not the {expect_size} checked"
                )
            return writer.append(envelopes, before_commit, new_only)

    @contextlib.contextmanager
    def writing(self) -> Iterator[LogWriter]:
        """Hold the log's write lock (``BEGIN IMMEDIATE`` on SQLite, the head row ``FOR
        UPDATE`` on PostgreSQL) while the block checks and appends; commit at its end.

        Another writer, in this process or another, waits for the lock: whatever the block
        checked against ``writer.size`` is still true when it appends, so nothing it checked
        can be refused for a reason that went away. Raises :class:`LogBusy` if the lock was not
        had in the database's time, :class:`StorageError` for any other database failure;
        nothing is stored then."""
        try:
            with self.engine.connect() as conn:
                writer = LogWriter(self, conn, self._read_size(conn, lock=True))
                yield writer
                conn.commit()
        except SQLAlchemyError as exc:
            self._size = -1
            raise storage_error(exc, "nothing was stored") from exc
        except BaseException:
            self._size = -1
            raise
        if writer.appended is not None:
            self._size, self._frontier = writer.appended

    def _append(
        self,
        conn: Connection,
        size: int,
        envelopes: Sequence[bytes],
        leaves: Sequence[bytes],
        new_only: bool = False,
    ) -> tuple[list[int], int, dict[int, bytes]]:
        """Write the entries after ``size`` (read under the write lock) and their nodes."""
        if size != self._size:
            cover = merkle.cover(0, size)
            hashes = self._fetch(conn, cover)
            self._frontier = {level: h for (level, _), h in zip(cover, hashes, strict=True)}
        existing: dict[bytes, int] = (
            {} if new_only else self._lookup(conn, list(dict.fromkeys(leaves)))
        )
        frontier = dict(self._frontier)
        new_entries: list[tuple[int, bytes, bytes]] = []
        new_nodes: list[tuple[int, bytes]] = []
        out: list[int] = []
        n = size
        for envelope, leaf in zip(envelopes, leaves, strict=True):
            if leaf in existing:
                out.append(existing[leaf])
                continue
            index = n
            existing[leaf] = index
            out.append(index)
            new_entries.append((index, leaf, envelope))
            level, node, h = 0, index, leaf
            new_nodes.append((_node_key(0, index), h))
            while node & 1:
                h = merkle.node_hash(frontier[level], h)
                level += 1
                node >>= 1
                new_nodes.append((_node_key(level, node), h))
            frontier[level] = h
            n += 1
        if new_entries:
            # The hot path of every append: the driver's executemany on plain tuples (the
            # Core insert spent more time binding parameters than SQLite spent storing them).
            mark = self._mark(conn)
            conn.exec_driver_sql(
                f"INSERT INTO {self._table('log_entries')} (idx, leaf_hash, envelope) "
                f"VALUES ({mark}, {mark}, {mark})",
                new_entries,
            )
            conn.exec_driver_sql(
                f"INSERT INTO {self._table('log_nodes')} (key, hash) VALUES ({mark}, {mark})",
                new_nodes,
            )
            conn.execute(update(head_table).where(head_table.c.id == 1).values(size=n))
        return out, n, frontier


class LogWriter:
    """The log while :meth:`LogStore.writing` holds its write lock."""

    def __init__(self, store: LogStore, conn: Connection, size: int) -> None:
        self.store = store
        self.connection = conn
        self.size = size
        """Entries in the log when the lock was taken: nobody else appends until commit."""
        self.appended: tuple[int, dict[int, bytes]] | None = None

    def entries(self, start: int, end: int, batch: int = 5000) -> Iterator[bytes]:
        """Entries ``start`` <= i < ``end``, read under the lock (on SQLite a second
        connection could not even read while this one holds the write lock)."""
        for at in range(start, end, batch):
            yield from self.store._rows(self.connection, at, min(end, at + batch))

    def indexes_of(self, envelopes: Sequence[bytes]) -> dict[bytes, int]:
        """As :meth:`LogStore.indexes_of`, under the lock."""
        leaves = list(dict.fromkeys(merkle.leaf_hash(e) for e in envelopes))
        return self.store._lookup(self.connection, leaves)

    def append(
        self,
        envelopes: Sequence[bytes],
        before_commit: Callable[[Connection], None] | None = None,
        new_only: bool = True,
    ) -> list[int]:
        """Write the envelopes after the entries there (``new_only``: the caller found none of
        them in the log, nor any twice); each one's index. Durable when the block ends."""
        if self.appended is not None:
            raise RuntimeError("one append per write lock")
        for i, envelope in enumerate(envelopes):
            if len(envelope) > MAX_ENTRY:
                raise InputError(
                    f"envelope {i}", f"is {len(envelope)} bytes; a log entry holds {MAX_ENTRY}"
                )
        leaves = [merkle.leaf_hash(e) for e in envelopes]
        out, size, frontier = self.store._append(
            self.connection, self.size, envelopes, leaves, new_only
        )
        if before_commit is not None:
            before_commit(self.connection)
        self.appended = (size, frontier)
        return out
