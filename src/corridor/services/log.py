"""The agreement log as a service: submit signed envelopes, checkpoints, proofs, cosignatures.

Wraps issue 4's :class:`~corridor.services.agreement.AgreementService` and
:class:`~corridor.adapters.log_store.LogStore` over the service's own database. The log
operator's key lives in the data directory; it signs checkpoints and nothing else.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from corridor.adapters.log_store import LogStore
from corridor.domain.access import Principal
from corridor.domain.agreement import CorridorState, LogState
from corridor.domain.operations import Event
from corridor.domain.proposal import diff
from corridor.errors import InputError
from corridor.services.agreement import AgreementService, SubmitResult
from corridor.services.errors import Conflict, NotFound
from corridor.services.ports import Clock
from corridor.tlog import merkle
from corridor.tlog.errors import KeyFormatError, VerificationError
from corridor.tlog.keys import SignerKey, VerifierKey, read_signer, write_key_pair
from corridor.tlog.note import Checkpoint, parse_note
from corridor.tlog.tiles import export_tiles

LOG_KEY_NAME = "corridor-log"
log = logging.getLogger(__name__)
T = TypeVar("T")


def load_or_create_log_key(path: Path) -> SignerKey:
    if path.exists():
        return read_signer(path)
    write_key_pair(SignerKey.generate(path.stem or LOG_KEY_NAME), path.parent)
    return read_signer(path)


Recorder = Callable[[Any, list[tuple[Principal | None, SubmitResult, Event]]], Callable[[], None]]
"""(connection, [(sender, result, event)]) -> publish: writes the events and audit records in
the group's transaction; ``publish()`` hands the events to the live streams after the commit."""


@dataclass
class _Waiting:
    envelope: bytes
    who: Principal | None = None
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
        export_dir: Path,
        clock: Clock,
        record: Recorder | None = None,
    ) -> None:
        self.store = store
        self._record = record
        self.clock = clock
        self.agreement = AgreementService(store, clock, parallel=True)
        self.key = key
        self.export_dir = export_dir
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
        waiting = _Waiting(envelope, who)
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
                        self.agreement.submit_each([w.envelope for w in group], before_commit)
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

    def agreed_terms(self) -> dict[str, Any] | None:
        """The latest version both parties accepted, of the corridor most recently agreed."""

        def latest_agreed(log_state: LogState) -> dict[str, Any] | None:
            for state in reversed(list(log_state.corridors.values())):
                if state.agreed and state.latest is not None:
                    return dict(state.latest.document)
            return None

        return self.read(latest_agreed)

    # -- log -----------------------------------------------------------------------------------

    def sign_checkpoint(self) -> bytes:
        with self._append_lock:
            note = self.store.sign_checkpoint(self.key)
        self._export()
        return note

    def checkpoint(self) -> bytes:
        note = self.store.latest_checkpoint()
        if note is None:
            raise NotFound("checkpoint", "latest")
        return note

    def _export(self) -> None:
        note = self.store.latest_checkpoint()
        if note is None:
            return
        size = Checkpoint.parse(parse_note(note).text).size
        with self._export_lock:
            export_tiles(self.export_dir, self.store.entries(0, size), note)

    def cosign(self, cosigned: bytes, witness_key: str, party: str | None) -> None:
        """Store a witness's cosignature; the witness must be a party of a corridor in the log."""
        try:
            witness = VerifierKey.parse(witness_key)
        except KeyFormatError as exc:
            raise InputError("witness_key", f"{witness_key[:80]!r}: {exc}") from exc
        roles = self.read(
            lambda state: {
                role
                for c in state.corridors.values()
                for role, who in c.participants.items()
                if who.get("key") == witness.text()
            }
        )
        if not roles & {"party_a", "party_b"}:
            raise InputError(
                "witness_key", f"{witness.name!r} is not the key of a party to a corridor"
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
        if not 0 <= index < n <= self.store.size:
            raise InputError("index", f"{index} is not below size {n} (log has {self.store.size})")
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
        if not 0 < first <= n <= self.store.size:
            raise InputError("first", f"{first} must be in 1..{n} (log has {self.store.size})")
        proof = self.store.consistency_proof(first, n)
        return {"first": first, "second": n, "proof": [base64.b64encode(h).decode() for h in proof]}

    def tile(self, path: str) -> bytes:
        """A file of the exported tlog-tiles layout (``tile/...`` or ``checkpoint``)."""
        root = self.export_dir.resolve()
        target = (root / path).resolve()
        if root not in target.parents or not target.is_file():
            raise NotFound("tile", path)
        return target.read_bytes()


def describe_corridor(state: CorridorState, now: dt.datetime) -> dict[str, Any]:
    """A corridor as the API shows it at ``now`` (the same words as ``corridor agreement
    status`` at the same instant)."""
    latest = state.latest
    window = state.window
    return {
        "id": state.corridor,
        "as_of": now.isoformat(),
        "status": state.status(now).value,
        "description": state.describe(now),
        "ready": state.ready(now),
        "missing": state.missing(now),
        "checklist": [asdict(i) for i in state.checklist(now)],
        "window": None
        if window is None
        else {"opens": window[0].isoformat(), "closes": window[1].isoformat()},
        "participants": state.participants,
        "versions": [
            {
                "number": v.number,
                "hash": v.hash,
                "author": v.author,
                "index": v.index,
                "document": v.document,
                "accepted_by": [r for r, h in state.acceptances.items() if h == v.hash],
            }
            for v in state.versions
        ],
        "latest": latest.number if latest else None,
        "acceptances": state.acceptances,
        "confirmations": state.confirmations,
        "suspension": state.suspension,
        "withdrawal": state.withdrawal,
        "incidents": state.incidents,
        "movements": state.movements,
        "history": state.history,
    }


def version_diff(state: CorridorState, first: int, second: int) -> list[str]:
    a, b = state.version(first), state.version(second)
    if a is None:
        raise InputError("from", f"corridor {state.corridor!r} has no version {first}")
    if b is None:
        raise InputError("to", f"corridor {state.corridor!r} has no version {second}")
    return diff(a.document, b.document)


def parse_envelope(raw: dict[str, Any]) -> bytes:
    """The exact bytes to log: the envelope as the client serialised it is not available in a
    parsed JSON body, so clients post the envelope text in ``envelope`` (a string)."""
    text = raw.get("envelope")
    if not isinstance(text, str):
        raise InputError("envelope", "must be the DSSE envelope's JSON text")
    try:
        json.loads(text)
    except ValueError as exc:
        raise InputError("envelope", f"is not JSON ({exc})") from exc
    return text.encode()


__all__ = ["Conflict", "LogService", "describe_corridor", "load_or_create_log_key", "version_diff"]
