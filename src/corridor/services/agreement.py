"""Agreement use cases: open a corridor, the key ceremony, propose, counter, accept, withdraw,
confirm the ceasefire start, suspend, resume, report an incident, notify a movement, acknowledge.

Each participant signs on its own machine (the use cases here, or any client that makes the same
DSSE envelope); :meth:`AgreementService.submit` is what the log's operator runs: it checks the
signatures against the keys the log registered, that the message makes sense now and, on a
server, that the one who sent it speaks for its author (a party's messages come from that
party's liaison, the intermediary's from the coordinator), *before* the envelope reaches the
log. Free of HTTP.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from corridor.domain.agreement import (
    Kind,
    LogState,
    Message,
    Refused,
    apply,
    speaker,
)
from corridor.errors import CorridorError, InputError, MessageRefused
from corridor.services.entries import (
    check_entries,
    check_entry,
    pool_for,
    prechecked,
    reason_of,
    replay_entries,
    replayed,
    sign_statement,
)
from corridor.services.ports import Clock, LogPort
from corridor.services.signing import Signing
from corridor.tlog.errors import VerificationError
from corridor.tlog.merkle import leaf_hash
from corridor.tlog.tiles import MAX_ENTRY

log = logging.getLogger(__name__)

__all__ = [
    "AgreementService",
    "MessageRefused",
    "SubmitResult",
    "Submitter",
    "check_entries",
    "check_entry",
    "prechecked",
    "replay_entries",
    "sign_statement",
]


@dataclass(frozen=True)
class SubmitResult:
    index: int
    kind: Kind
    corridor: str
    author: str
    payload_sha256: str
    duplicate: bool


@dataclass(frozen=True)
class Submitter:
    """Who handed an envelope to the log's operator (a server knows it by the token).

    ``speaks_for`` is the participant role the sender may speak for (``party_a``, ``party_b``,
    ``intermediary``; None: none), ``organisation`` the sender's organisation, ``label`` how to
    name it in a refusal (``liaison-b``), ``organisations`` every organisation the server knows
    (an opening must name known ones; None: not checked)."""

    speaks_for: str | None
    organisation: str | None = None
    label: str = "this sender"
    organisations: Container[str] | None = None


def check_submitter(state: LogState, message: Message, who: Submitter) -> None:
    """Per-party submission: refuse a message that its sender may not speak for."""
    corridor = state.corridors.get(message.corridor)
    role = speaker(None if corridor is None else corridor.keys, message)
    if role is None or role != who.speaks_for:
        raise Refused(
            f"this message speaks for {role or 'nobody'}, but {who.label} sent it: a party's "
            "messages are sent by that party's liaison, the intermediary's by the coordinator"
        )
    if message.kind is Kind.KEY_REGISTRATION and corridor is not None:
        named = corridor.organisations.get(role)
        if named != who.organisation:
            raise Refused(
                f"the opening names {named!r} as {role}, but {who.label} is of "
                f"{who.organisation!r}: a party registers its key through its own liaison"
            )
    if message.kind is Kind.OPENING:
        organisations = message.predicate.get("organisations") or {}
        if organisations.get("intermediary") != who.organisation:
            raise Refused(
                f"the opening names {organisations.get('intermediary')!r} as the intermediary, "
                f"but {who.label} is of {who.organisation!r}"
            )
        for named in organisations.values():
            if who.organisations is not None and named not in who.organisations:
                raise Refused(f"no organisation {named!r} on this server")


BeforeCommit = Callable[[Any, list[Any]], None]
"""(the store's connection, the group's outcomes) -> None: runs inside the group's transaction."""

Outcome = SubmitResult | CorridorError


def _renumbered(outcomes: list[Outcome], base: int, stored_at: list[int]) -> list[Outcome]:
    where = dict(zip(range(base, base + len(stored_at)), stored_at, strict=True))
    # a repeat within the group carries its first copy's provisional index: mapped the same way
    return [
        replace(o, index=where[o.index]) if isinstance(o, SubmitResult) and o.index in where else o
        for o in outcomes
    ]


class AgreementService(Signing):
    def __init__(self, store: LogPort, clock: Clock, parallel: bool = False) -> None:
        """``clock`` stamps the messages this service signs and judges what is too late (a
        ceasefire start after the window). ``parallel``: check the signatures of long runs of
        entries (a group of submissions, the replay of a log) on worker processes, one per core
        (:mod:`corridor.tlog.parallel`); the program's main module must then be import-safe,
        as ``multiprocessing`` requires.
        """
        self.store = store
        self.clock = clock
        self.parallel = parallel
        # one replay or group at a time: a reader in another thread must not replay entries
        # that a group being committed has applied to the cached state already
        self._lock = threading.RLock()
        self._state: LogState | None = None

    def state(self) -> LogState:
        """The state replayed from the log (entries refused on replay are listed).

        Replay is incremental: entries appended since the last call, by this process or any
        other, are read and applied; nothing else is re-read. This is the live object: a program
        that submits from other threads reads it inside :meth:`reading` instead.
        """
        with self._lock:
            return self._replay()

    @contextlib.contextmanager
    def reading(self, refresh: bool = True) -> Iterator[LogState]:
        """The replayed state, held still while the block runs: no group is checked, applied
        or committed meanwhile, so a reader in another thread never sees a message that is not
        stored yet (or never will be). ``refresh=False`` skips asking the store for entries
        appended by other processes (right after a group commit, the state is current)."""
        with self._lock:
            yield self._replay() if refresh or self._state is None else self._state

    def _replay(self, size: int | None = None, source: Any = None) -> LogState:
        """Bring the cached state up to ``size`` entries (default: the store's size now),
        read from ``source`` (default: the store; the writer, under the write lock)."""
        if size is None:
            size = self.store.size
        if self._state is None or size < self._state.size:
            self._state = LogState()
        state = self._state
        if size > state.size:
            new = (source or self.store).entries(state.size, size)
            for _ in replayed(state, new, size - state.size, self.parallel):
                pass
        return state

    def submit(self, envelope: bytes, submitter: Submitter | None = None) -> SubmitResult:
        """Authenticate, check and append a signed message; idempotent on the same bytes."""
        outcome = self.submit_each([envelope], submitters=[submitter])[0]
        if isinstance(outcome, CorridorError):
            raise outcome
        return outcome

    def submit_each(
        self,
        envelopes: Sequence[bytes],
        before_commit: BeforeCommit | None = None,
        submitters: Sequence[Submitter | None] | None = None,
    ) -> list[Outcome]:
        """Group commit: check each message in order, then append every accepted one in one
        durable transaction; each outcome is what submitting the messages one by one, in this
        order, would have given.

        A refused message (bad signature, wrong signer, sent by someone who may not speak for
        its author, a statement already in the log, makes no sense now, too big) comes back as
        its error and changes nothing; the messages after it are checked as if it had never
        been sent. A message already in the log (same bytes) is not appended again and keeps
        its index. On a database log, the check runs under the log's write lock, so no other
        writer can append in between. Nothing is acknowledged before the transaction commits:
        a storage error is raised for the whole group. ``before_commit(connection, outcomes)``
        writes what must be stored with the group's entries or not at all (the service's
        events and audit records). ``submitters``: who sent each envelope (None: not checked,
        as on a party's own machine).
        """
        who: list[Submitter | None] = (
            list(submitters) if submitters is not None else [None] * len(envelopes)
        )
        with self._lock:
            try:
                writing = getattr(self.store, "writing", None)
                if writing is None:
                    return self._submit_remote(envelopes, who)
                with writing() as writer:
                    state = self._replay(writer.size, writer)
                    outcomes, fresh = self._check_each(state, writer.size, envelopes, who, writer)
                    if fresh:
                        hook = None
                        if before_commit is not None:
                            hook = functools.partial(before_commit, outcomes=outcomes)  # type: ignore[call-arg]
                        writer.append(fresh, hook)
                return outcomes
            except BaseException:
                self._state = None  # the cached state may hold messages that were not stored
                raise

    def _submit_remote(
        self, envelopes: Sequence[bytes], who: list[Submitter | None]
    ) -> list[Outcome]:
        """A server's log: check here, send, and take the indexes the server gives (it checks
        each envelope again against its log, which may have grown since it was read here)."""
        state = self._replay()
        base = state.size
        outcomes, fresh = self._check_each(state, base, envelopes, who, self.store)
        if fresh:
            stored_at = self.store.append_many(fresh)
            if stored_at != list(range(base, base + len(fresh))):
                self._state = None  # read afresh next time
                return _renumbered(outcomes, base, stored_at)
        return outcomes

    def _check_each(
        self,
        state: LogState,
        base: int,
        envelopes: Sequence[bytes],
        submitters: Sequence[Submitter | None],
        log: Any,
    ) -> tuple[list[Outcome], list[bytes]]:
        """Check each envelope in order against ``state`` (``log``: where to look up the ones
        stored already, the store or its writer)."""
        outcomes: list[Outcome] = []
        fresh: list[bytes] = []
        stored = log.indexes_of(envelopes)
        runs = prechecked(envelopes, pool_for(len(envelopes), self.parallel))
        for (envelope, env, confirmed), who in zip(runs, submitters, strict=True):
            if len(envelope) > MAX_ENTRY:
                limit = f"is {len(envelope)} bytes; a log entry holds {MAX_ENTRY}"
                outcomes.append(InputError("envelope", limit))
                continue
            leaf = leaf_hash(envelope)
            existing = stored.get(leaf)
            index = base + len(fresh) if existing is None else existing
            try:
                message = check_entry(state, envelope, index, env, confirmed)
            except VerificationError as exc:
                outcomes.append(MessageRefused("message", exc.problem))
                continue
            except Exception as exc:  # one unreadable message must not fail its whole group
                log.exception("message refused: it could not be checked")
                outcomes.append(MessageRefused("message", reason_of(exc)))
                continue
            if existing is None:
                try:
                    if who is not None:
                        check_submitter(state, message, who)
                    _not_too_late(state, message, self.clock())
                    apply(state, message)  # changes nothing when it refuses
                except Refused as exc:
                    what = f"{message.kind.value} by {message.author}"
                    outcomes.append(MessageRefused(what, exc.reason))
                    continue
                state.note_entry(leaf)
                stored[leaf] = index  # the same bytes twice in one group: stored once
                fresh.append(envelope)
            outcomes.append(
                SubmitResult(
                    index,
                    message.kind,
                    message.corridor,
                    message.author,
                    message.payload_sha256,
                    duplicate=existing is not None,
                )
            )
        return outcomes, fresh


def _not_too_late(state: LogState, message: Message, now: dt.datetime) -> None:
    """A ceasefire start for a window that is over, by this log's clock, is refused (the
    message's own time may be wrong; replay judges by that one, see :func:`apply`)."""
    corridor = state.corridors.get(message.corridor)
    if message.kind is not Kind.CEASEFIRE_START or corridor is None:
        return
    bounds = corridor.window
    if bounds is not None and now >= bounds[1]:
        ends = bounds[1]
        raise Refused(
            f"the window ended {ends.strftime('%Y-%m-%d %H:%M')} {ends.tzinfo} (it is now "
            f"{now.astimezone(ends.tzinfo).strftime('%Y-%m-%d %H:%M')} there): a ceasefire "
            "cannot start after it; agree a new window first"
        )
