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

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

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
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from corridor.errors import CorridorError, InputError
from corridor.tlog import merkle
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.note import Checkpoint, parse_note, sign_note, verify_cosignature
from corridor.tlog.tiles import MAX_ENTRY

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
    Column("witness", String(200), primary_key=True),
    Column("line", Text, nullable=False),
)


class StaleLog(CorridorError):
    """The log grew after the caller checked it; nothing was appended. Check again and retry."""

    exit_code = 1


class StorageError(CorridorError):
    """The database could not be reached or written; nothing was acknowledged."""

    exit_code = 1


def _node_key(level: int, index: int) -> int:
    return index * 64 + level


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

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Own the transaction boundaries: BEGIN IMMEDIATE takes the write lock up front.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class LogStore:
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
        ``ledger_*``) is renamed in place, as migration 0005 does for the service's database."""
        with self.engine.begin() as conn:
            tables = set(inspect(conn).get_table_names(schema=self.schema))
            if "ledger_head" not in tables or "log_head" in tables:
                return
            for name in ("entries", "nodes", "head", "checkpoints", "cosignatures"):
                if f"ledger_{name}" in tables:
                    conn.exec_driver_sql(
                        f"ALTER TABLE {self._table('ledger_' + name)} RENAME TO log_{name}"
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
                rows = conn.execute(
                    select(entries_table.c.envelope)
                    .where(entries_table.c.idx >= at, entries_table.c.idx < upto)
                    .order_by(entries_table.c.idx)
                ).all()
            if len(rows) != upto - at:
                raise StorageError(f"entries {at}..{upto - 1} are not all in the store")
            for (envelope,) in rows:
                yield bytes(envelope)
            at = upto

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
        for i, envelope in enumerate(envelopes):
            if len(envelope) > MAX_ENTRY:
                raise InputError(
                    f"envelope {i}", f"is {len(envelope)} bytes; a log entry holds {MAX_ENTRY}"
                )
        leaves = [merkle.leaf_hash(e) for e in envelopes]
        try:
            with self.engine.connect() as conn:
                out, size, frontier = self._append(conn, envelopes, leaves, expect_size, new_only)
                if before_commit is not None:
                    before_commit(conn)
                conn.commit()
        except OperationalError as exc:
            self._size = -1
            raise StorageError(f"the append was not stored: {exc.orig}") from exc
        except BaseException:
            self._size = -1
            raise
        self._size, self._frontier = size, frontier
        return out

    def _append(
        self,
        conn: Connection,
        envelopes: Sequence[bytes],
        leaves: Sequence[bytes],
        expect_size: int | None,
        new_only: bool = False,
    ) -> tuple[list[int], int, dict[int, bytes]]:
        size = self._read_size(conn, lock=True)
        if expect_size is not None and size != expect_size:
            raise StaleLog(f"the log holds {size} entries, not the {expect_size} checked")
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

    # -- checkpoints ---------------------------------------------------------------------------

    def sign_checkpoint(self, key: SignerKey) -> bytes:
        """Sign a checkpoint of the current tree with the log's key (origin = the key's name)."""
        with self.engine.begin() as conn:
            size = self._read_size(conn, lock=True)
            root = merkle.root(size, lambda keys: self._fetch(conn, keys))
            note = sign_note(Checkpoint(key.name, size, root).text(), key)
            data = note.to_bytes()
            row = conn.execute(
                select(checkpoints_table.c.note).where(checkpoints_table.c.size == size)
            ).first()
            if row is None:
                conn.execute(insert(checkpoints_table).values(size=size, note=data))
            else:
                data = bytes(row[0])  # the log signs each size once; keep the first
        return data

    def latest_checkpoint(self) -> bytes | None:
        """The newest checkpoint with every cosignature stored for it."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(checkpoints_table.c.size, checkpoints_table.c.note)
                .order_by(checkpoints_table.c.size.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            lines = conn.execute(
                select(cosignatures_table.c.line)
                .where(cosignatures_table.c.size == row[0])
                .order_by(cosignatures_table.c.witness)
            ).all()
        return bytes(row[1]) + "".join(line for (line,) in lines).encode()

    def add_cosignatures(self, cosigned: bytes, witness: VerifierKey) -> None:
        """Store a witness's cosignature of a stored checkpoint (after checking it)."""
        note = parse_note(cosigned)
        verify_cosignature(note, witness)
        checkpoint = Checkpoint.parse(note.text)
        line = next(
            s.line()
            for s in note.signatures
            if s.name == witness.name and s.key_id == witness.cosigner_key_id()
        )
        with self.engine.begin() as conn:
            row = conn.execute(
                select(checkpoints_table.c.note).where(checkpoints_table.c.size == checkpoint.size)
            ).first()
            if row is None or parse_note(bytes(row[0])).text != note.text:
                raise InputError("checkpoint", "the log has not signed this checkpoint")
            conn.execute(
                cosignatures_table.delete().where(
                    cosignatures_table.c.size == checkpoint.size,
                    cosignatures_table.c.witness == witness.name,
                )
            )
            conn.execute(
                insert(cosignatures_table).values(
                    size=checkpoint.size, witness=witness.name, line=line
                )
            )
