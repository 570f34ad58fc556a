"""The agreement log as a service: submit signed envelopes, checkpoints, proofs, cosignatures.

Wraps :class:`~corridor.services.agreement.AgreementService` and
:class:`~corridor.adapters.log_store.LogStore` over the service's own database. The log
operator's key lives in the data directory; it signs checkpoints and nothing else. Each
envelope is checked against who sent it (per-party submission): a party's messages count only
when its liaison sends them, the intermediary's when the coordinator does.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from corridor.domain.access import Principal, Role
from corridor.domain.agreement import CorridorState, LogState
from corridor.domain.keyring import fingerprint
from corridor.domain.operations import Event
from corridor.errors import CorridorError, InputError
from corridor.services.agreement import AgreementService, SubmitResult, Submitter
from corridor.services.corridor_view import describe_corridor, version_diff
from corridor.services.errors import Conflict, NotFound
from corridor.services.ports import Clock, LogStore, TileExport
from corridor.tlog import merkle
from corridor.tlog.errors import KeyFormatError, VerificationError
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.note import Checkpoint, parse_note

#: The participant each role speaks for in the log (per-party submission).
SPEAKS_FOR = {
    Role.COORDINATOR: "intermediary",
    Role.LIAISON_A: "party_a",
    Role.LIAISON_B: "party_b",
}


class LogUnavailable(CorridorError):
    """The log could not do it now (its files could not be written); nothing was published:
    the previous checkpoint is still the one served. Worth retrying later."""

    exit_code = 1
    retry_after = 5


class _Organisations:
    """Organisation names by id, read again whenever an unknown id or name is asked for."""

    def __init__(self, read: Callable[[], dict[int, str]]) -> None:
        self._read = read
        self._names: dict[int, str] = {}
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        with self._lock:
            self._names = dict(self._read())

    def name(self, organisation_id: int) -> str | None:
        if organisation_id not in self._names:
            self._refresh()
        return self._names.get(organisation_id)

    def __contains__(self, name: object) -> bool:
        if name not in self._names.values():
            self._refresh()
        return name in self._names.values()


log = logging.getLogger(__name__)
T = TypeVar("T")


Recorder = Callable[[Any, list[tuple[Principal | None, SubmitResult, Event]]], Callable[[], None]]
"""(connection, [(sender, result, event)]) -> publish: writes the events and audit records in
the group's transaction; ``publish()`` hands the events to the live streams after the commit."""


@dataclass
class _Waiting:
    envelope: bytes
    who: Principal | None = None
    submitter: Submitter | None = None
    outcome: SubmitResult | BaseException | None = None
    event: Event | None = None
    woken: threading.Event = field(default_factory=threading.Event)
    """Set when the outcome is in, or when this thread is to lead the next group."""


class LogService:
    """One per process. Appends are group-committed: while one request thread (the leader)
    checks and commits a group, the envelopes that arrive queue up; when it is done, the threads
    whose envelopes it stored return, and one of the others leads the next group, all in one
    transaction (each envelope with its own outcome). A lone request waits for nobody.

    With ``record``, the group's events and audit records are written in the same transaction
    as its log entries: stored together or not at all, one commit per group."""

    def __init__(
        self,
        store: LogStore,
        key: SignerKey,
        tiles: TileExport,
        clock: Clock,
        record: Recorder | None = None,
        organisations: Callable[[], dict[int, str]] | None = None,
    ) -> None:
        """``organisations`` reads the server's organisations (id -> name): a liaison
        registers its party's key only for the organisation the opening names, and an
        opening names known organisations. None: not checked (a log without accounts)."""
        self.store = store
        self._record = record
        self._organisations = None if organisations is None else _Organisations(organisations)
        self.clock = clock
        self.agreement = AgreementService(store, clock, parallel=True)
        self.key = key
        self.tiles = tiles
        self._export_lock = threading.Lock()
        self._append_lock = threading.Lock()  # the store keeps its frontier per instance
        self._queue_lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False  # a thread is checking and committing a group

    # -- agreement -----------------------------------------------------------------------------

    def submit(
        self, envelope: bytes, who: Principal | None = None
    ) -> tuple[SubmitResult, Event | None]:
        """Check, append and commit one envelope (group-committed with any that arrive at the
        same time); the event says the corridor's status once its group is stored. With a
        ``uow``, the event is published and the submission audited (as ``who``) before this
        returns."""
        waiting = _Waiting(envelope, who, self._submitter(who))
        with self._queue_lock:
            self._queue.append(waiting)
            lead = not self._leading
            self._leading = True
        if not lead:
            waiting.woken.wait()  # the outcome is in, or this thread leads the next group
        if waiting.outcome is None:
            self._lead()
        outcome = waiting.outcome
        if isinstance(outcome, BaseException):
            raise outcome
        assert outcome is not None
        return outcome, waiting.event

    def _submitter(self, who: Principal | None) -> Submitter | None:
        """Who sent it, as the log's rules need to know (None: a caller inside the server)."""
        if who is None:
            return None
        known = self._organisations
        return Submitter(
            SPEAKS_FOR.get(who.role),
            None if known is None else known.name(who.organisation_id),
            f"{who.role.value} {who.name!r}",
            known,
        )

    def _lead(self) -> None:
        """Check and commit every envelope queued so far, wake their threads, and hand the
        lead to the first thread that queued meanwhile (each thread is woken once, whatever
        happens here)."""
        with self._queue_lock:
            group, self._queue = self._queue, []
        announce: list[Callable[[], None]] = []

        def before_commit(conn: Any, outcomes: list[SubmitResult | BaseException]) -> None:
            # inside the group's transaction: its events and audit records or none of it
            events = self._events(outcomes)
            for member, event in zip(group, events, strict=True):
                member.event = event
            entries = [
                (m.who, o, e)
                for m, o, e in zip(group, outcomes, events, strict=True)
                if isinstance(o, SubmitResult) and e is not None
            ]
            if self._record is not None and entries:
                announce.append(self._record(conn, entries))

        try:
            try:
                with self._append_lock:
                    outcomes: list[SubmitResult | BaseException] = list(
                        self.agreement.submit_each(
                            [w.envelope for w in group],
                            before_commit,
                            [w.submitter for w in group],
                        )
                    )
            except BaseException as exc:  # nothing of the group was stored; every waiter is told
                outcomes = [exc] * len(group)
                announce.clear()
                for member in group:
                    member.event = None
            for member, outcome in zip(group, outcomes, strict=True):
                member.outcome = outcome
            for publish in announce:  # after the commit: to the live streams
                try:
                    publish()
                except Exception:
                    log.exception("stored events could not be handed to the live streams")
        finally:
            for member in group:
                if member.outcome is None:  # only if something above failed very early
                    member.outcome = RuntimeError("the group was interrupted; nothing is known")
                member.woken.set()
            with self._queue_lock:
                if self._queue:
                    self._queue[0].woken.set()  # its outcome is None: it leads the next group
                else:
                    self._leading = False

    def _events(self, outcomes: list[SubmitResult | BaseException]) -> list[Event | None]:
        """One event per message stored; the status is each corridor's once the group is in
        (worked out once per corridor, not once per message)."""
        with self.agreement.reading(refresh=False) as state:  # just written: no store query
            return self._events_of(state, outcomes, self.clock())

    @staticmethod
    def _events_of(
        state: LogState, outcomes: list[SubmitResult | BaseException], now: dt.datetime
    ) -> list[Event | None]:
        status: dict[str, tuple[str, bool]] = {}
        events: list[Event | None] = []
        for result in outcomes:
            if not isinstance(result, SubmitResult) or result.duplicate:
                events.append(None)
                continue
            if result.corridor not in status:
                corridor = state.corridors[result.corridor]
                status[result.corridor] = (corridor.status(now).value, corridor.ready(now))
            state_now, ready = status[result.corridor]
            events.append(
                Event(
                    "agreement",
                    {
                        "corridor": result.corridor,
                        "index": result.index,
                        "kind": result.kind.value,
                        "author": result.author,
                        "status": state_now,
                        "ready": ready,
                    },
                )
            )
        return events

    def read(self, what: Callable[[LogState], T]) -> T:
        """A copy of ``what(state)``, computed while no group is being checked or committed:
        request threads never see a message that is not stored, nor a state changing under
        them."""
        with self.agreement.reading() as state:
            # a copy: the answer may be serialised after the lock is released
            return copy.deepcopy(what(state))

    def corridor(self, corridor: str, what: Callable[[CorridorState], T]) -> T:
        """``what`` of one corridor's state (see :meth:`read`); NotFound if it has none."""

        def one(state: LogState) -> T:
            found = state.corridors.get(corridor)
            if found is None:
                raise NotFound("corridor", corridor)
            return what(found)

        return self.read(one)

    def agreed_terms(self, corridor: str) -> dict[str, Any] | None:
        """The latest version of ``corridor`` if both parties accepted it (None: not agreed);
        NotFound if the log has no such corridor."""

        def agreed(state: CorridorState) -> dict[str, Any] | None:
            if state.agreed and state.latest is not None:
                return dict(state.latest.document)
            return None

        return self.corridor(corridor, agreed)

    # -- log -----------------------------------------------------------------------------------

    def sign_checkpoint(self) -> bytes:
        """Sign a checkpoint of the log as it is now and publish it: its tiles are written
        first, then it is stored (and served). If the tiles cannot be written, nothing is
        stored and the previous checkpoint stays the one served (:class:`LogUnavailable`)."""
        size, note = self.store.checkpoint_now(self.key)
        self._export(size, note)
        return self.store.store_checkpoint(size, note)

    def checkpoint(self) -> bytes:
        note = self.store.latest_checkpoint()
        if note is None:
            raise NotFound("checkpoint", "latest")
        return note

    def _export(self, size: int | None = None, note: bytes | None = None) -> None:
        """Write the tiles of ``note`` (default: the latest checkpoint, with its cosignatures)
        and each witness's newest cosigned checkpoint (``cosigned/<key ID>``)."""
        if note is None:
            note = self.store.latest_checkpoint()
            if note is None:
                return
        if size is None:
            size = Checkpoint.parse(parse_note(note).text).size
        cosigned = {k: n for k, (_, n) in self.store.witness_checkpoints().items()}
        try:
            with self._export_lock:
                self.tiles.export(self.store.entries(0, size), note, cosigned)
        except OSError as exc:
            log.exception("the log's tiles could not be written")
            raise LogUnavailable(
                f"the tiles of the checkpoint of {size} entries could not be written "
                f"({exc.strerror or exc}); nothing was published: the previous checkpoint is "
                "still the one served"
            ) from exc

    def witness_keys(self) -> list[dict[str, Any]]:
        """Every party key the log confirmed (the registered witnesses), in the C2SP forms."""

        def listed(state: LogState) -> list[dict[str, Any]]:
            out = []
            for c in state.corridors.values():
                for role in ("party_a", "party_b"):
                    text = c.keys.current.get(role)
                    if text is not None:
                        key = VerifierKey.parse(text)
                        out.append(
                            {
                                "corridor": c.corridor,
                                "role": role,
                                "organisation": c.organisations.get(role),
                                "name": key.name,
                                "key": text,
                                "cosigner_key": key.cosigner_text(),
                                "key_id": key.cosigner_key_id().hex(),
                                "fingerprint": fingerprint(text),
                            }
                        )
            return out

        keys = self.read(listed)
        cosigned = self.store.witness_checkpoints()
        for item in keys:
            note = cosigned.get(item["key_id"], (None, None))[1]
            item["cosigned_size"] = (
                None if note is None else Checkpoint.parse(parse_note(note).text).size
            )
        return keys

    def witness_checkpoint(self, key_id: str) -> bytes:
        """The newest checkpoint the witness with this cosigner key ID cosigned."""
        found = self.store.witness_checkpoints().get(key_id.lower())
        if found is None:
            raise NotFound("cosigned checkpoint of witness", key_id)
        return found[1]

    def cosign(self, cosigned: bytes, witness_key: str, party: str | None) -> None:
        """Store a witness's cosignature, by its key ID: the witness must be a party's key that
        the log confirmed (and, for a liaison, its own party's)."""
        try:
            witness = VerifierKey.parse_any(witness_key)
        except KeyFormatError as exc:
            raise InputError("witness_key", f"{witness_key[:80]!r}: {exc}") from exc
        roles = self.read(
            lambda state: {
                role
                for c in state.corridors.values()
                for role in ("party_a", "party_b")
                if c.keys.current.get(role) == witness.text()
            }
        )
        if not roles:
            raise InputError(
                "witness_key",
                f"{witness.text()} is not a party's key that the log confirmed: only registered "
                "witnesses cosign",
            )
        if party is not None and f"party_{party.lower()}" not in roles:
            raise InputError("witness_key", f"{witness.name!r} is not party {party}'s key")
        try:
            self.store.add_cosignatures(cosigned, witness)
        except VerificationError as exc:
            raise InputError("note", str(exc)) from exc
        self._export()

    def entries(self, start: int, end: int) -> list[str]:
        size = self.store.size
        if start > size:
            raise InputError("start", f"{start} is past the end of the log ({size} entries)")
        return [base64.b64encode(e).decode() for e in self.store.entries(start, min(end, size))]

    def entry(self, index: int) -> bytes:
        return self.store.entry(index)

    def inclusion(self, index: int, size: int | None) -> dict[str, Any]:
        n = self.store.size if size is None else size
        if n > self.store.size:
            raise InputError("size", f"the log has {self.store.size} entries, not {n}", n)
        if not 0 <= index < n:
            raise InputError("index", f"{index} is not below size {n}", index)
        proof = self.store.inclusion_proof(index, n)
        leaf = merkle.leaf_hash(self.store.entry(index))
        return {
            "index": index,
            "size": n,
            "leaf_hash": base64.b64encode(leaf).decode(),
            "proof": [base64.b64encode(h).decode() for h in proof],
        }

    def consistency(self, first: int, second: int | None) -> dict[str, Any]:
        n = self.store.size if second is None else second
        if n > self.store.size:
            raise InputError("second", f"the log has {self.store.size} entries, not {n}", n)
        if not 0 < first <= n:
            raise InputError("first", f"{first} must be in 1..{n} (second is {n})", first)
        proof = self.store.consistency_proof(first, n)
        return {"first": first, "second": n, "proof": [base64.b64encode(h).decode() for h in proof]}

    def tile(self, path: str) -> bytes:
        """A file of the exported tlog-tiles layout (``tile/...`` or ``checkpoint``)."""
        data = self.tiles.served(path)
        if data is None:
            raise NotFound("tile", path)
        return data


__all__ = [
    "Conflict",
    "LogService",
    "LogUnavailable",
    "describe_corridor",
    "version_diff",
]
