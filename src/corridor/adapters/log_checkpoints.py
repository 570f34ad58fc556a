"""The log's signed checkpoints and the witnesses' cosignatures, stored by the cosigner's key ID.

A witness is its key, never its name (C2SP tlog-cosignature): a cosignature is stored under the
key ID of the key that made it, so a cosignature by another key of the same name is a different
witness's and never replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.engine import Connection

from corridor.adapters.log_tables import checkpoints_table, cosignatures_table
from corridor.errors import InputError
from corridor.tlog import merkle
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.note import Checkpoint, parse_note, sign_note, verify_cosignature


class CheckpointsMixin:
    """Checkpoints and cosignatures of a :class:`~corridor.adapters.log_store.LogStore`."""

    engine: Engine
    _read_size: Callable[[Connection, bool], int]
    _fetch: Callable[[Connection, Sequence[merkle.NodeKey]], list[bytes]]

    def checkpoint_now(self, key: SignerKey) -> tuple[int, bytes]:
        """A checkpoint of the tree as it is now, signed by the log's key (origin = the key's
        name), not stored: the caller publishes its tiles first, then :meth:`store_checkpoint`."""
        with self.engine.connect() as conn:
            size = self._read_size(conn, False)
            root = merkle.root(size, lambda keys: self._fetch(conn, keys))
        return size, sign_note(Checkpoint(key.name, size, root).text(), key).to_bytes()

    def store_checkpoint(self, size: int, note: bytes) -> bytes:
        """Store a signed checkpoint; the log signs each size once (the first one stays)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(checkpoints_table.c.note).where(checkpoints_table.c.size == size)
            ).first()
            if row is not None:
                return bytes(row[0])
            conn.execute(insert(checkpoints_table).values(size=size, note=note))
        return note

    def sign_checkpoint(self, key: SignerKey) -> bytes:
        """Sign and store a checkpoint of the current tree (a standalone log: no tiles)."""
        return self.store_checkpoint(*self.checkpoint_now(key))

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
            return bytes(row[1]) + self._lines(conn, int(row[0]))

    @staticmethod
    def _lines(conn: Connection, size: int, key_id: str | None = None) -> bytes:
        query = select(cosignatures_table.c.line).where(cosignatures_table.c.size == size)
        if key_id is not None:
            query = query.where(cosignatures_table.c.key_id == key_id)
        lines = conn.execute(query.order_by(cosignatures_table.c.key_id)).all()
        return "".join(line for (line,) in lines).encode()

    def witness_checkpoints(self) -> dict[str, tuple[str, bytes]]:
        """For each witness key that cosigned: (its verifier key, the newest checkpoint it
        cosigned, with the log's signature and its own cosignature), by key ID (hex)."""
        out: dict[str, tuple[str, bytes]] = {}
        c = cosignatures_table.c
        with self.engine.connect() as conn:
            newest = select(c.key_id, func.max(c.size).label("size")).group_by(c.key_id).subquery()
            rows = conn.execute(
                select(c.key_id, c.key, c.size, checkpoints_table.c.note)
                .join(newest, (newest.c.key_id == c.key_id) & (newest.c.size == c.size))
                .join(checkpoints_table, checkpoints_table.c.size == c.size)
                .order_by(c.key_id)
            ).all()
            for key_id, key, size, note in rows:
                out[key_id] = (key, bytes(note) + self._lines(conn, int(size), key_id))
        return out

    def add_cosignatures(self, cosigned: bytes, witness: VerifierKey) -> None:
        """Store a witness's cosignature of a stored checkpoint (after checking it), under the
        witness's key ID; a newer cosignature by the same key of the same size replaces it."""
        note = parse_note(cosigned)
        verify_cosignature(note, witness)
        checkpoint = Checkpoint.parse(note.text)
        key_id = witness.cosigner_key_id()
        line = next(
            s.line() for s in note.signatures if s.name == witness.name and s.key_id == key_id
        )
        with self.engine.begin() as conn:
            row = conn.execute(
                select(checkpoints_table.c.note).where(checkpoints_table.c.size == checkpoint.size)
            ).first()
            if row is None or parse_note(bytes(row[0])).text != note.text:
                raise InputError("checkpoint", "the log has not signed this checkpoint")
            c = cosignatures_table.c
            conn.execute(
                cosignatures_table.delete().where(
                    c.size == checkpoint.size, c.key_id == key_id.hex()
                )
            )
            values: dict[str, Any] = {
                "size": checkpoint.size,
                "key_id": key_id.hex(),
                "witness": witness.name,
                "key": witness.text(),
                "line": line,
            }
            conn.execute(insert(cosignatures_table).values(**values))
