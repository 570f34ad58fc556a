"""Agreement use cases: propose, counter, accept, withdraw, confirm the ceasefire start, suspend,
resume, report an incident, notify a movement, acknowledge it.

Each participant signs on its own machine (the ``*_envelope`` builders, or any client that makes
the same DSSE envelope); :meth:`AgreementService.submit` is what the log's operator runs: it checks
the signature against the key the corridor's participants list gives to the claimed author, and
that the message makes sense now, *before* the envelope reaches the log. Free of HTTP.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from corridor.adapters.log_store import StaleLog
from corridor.domain.agreement import (
    Kind,
    LogState,
    Message,
    Refused,
    apply,
    expected_key,
    parse_statement,
    statement,
)
from corridor.domain.proposal import shape_problems
from corridor.errors import CorridorError, InputError, MessageRefused
from corridor.services.ports import Clock
from corridor.tlog import dsse
from corridor.tlog.canonical import canonical_json, loads_canonical, sha256_hex
from corridor.tlog.errors import KeyFormatError, VerificationError
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.merkle import leaf_hash
from corridor.tlog.parallel import CHUNK, MIN_BATCH, SignaturePool, Triple, shared_pool
from corridor.tlog.tiles import MAX_ENTRY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmitResult:
    index: int
    kind: Kind
    corridor: str
    author: str
    payload_sha256: str
    duplicate: bool


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_statement(stmt: dict[str, Any], key: SignerKey) -> bytes:
    """The DSSE envelope bytes of ``stmt`` (canonical JSON) signed by ``key``."""
    return dsse.sign(canonical_json(stmt), key)


@functools.lru_cache(maxsize=1024)
def _verifier(text: str) -> VerifierKey:
    return VerifierKey.parse(text)


def check_entry(
    state: LogState,
    envelope: bytes,
    index: int,
    parsed: dsse.Envelope | None = None,
    confirmed: Container[Triple] = (),
) -> Message:
    """Decode and authenticate one envelope against the state before it; raises on failure.

    The signature must verify under the key the corridor gives to the claimed author. When it
    verifies only under another key (the envelope's keyid), the message comes back with that key
    as its signer so that :func:`apply` refuses it, naming both keys. ``parsed`` is the result of
    ``dsse.parse(envelope)`` when the caller has it already, and ``confirmed`` the signatures
    already checked by :func:`prechecked`.
    """
    what = f"entry {index}"
    env = dsse.parse(envelope, what) if parsed is None else parsed
    if env.payload_type != dsse.IN_TOTO_PAYLOAD_TYPE:
        raise VerificationError(what, f"payloadType {env.payload_type!r} is not in-toto")
    try:
        payload = loads_canonical(env.payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError(what, "the signed statement is not canonical JSON") from exc
    try:
        message = parse_statement(payload, index, sha256_hex(env.payload), "")
    except Refused as exc:
        raise VerificationError(what, exc.reason) from exc
    if message.kind in (Kind.PROPOSAL, Kind.COUNTER):
        document = message.predicate.get("document")
        if not isinstance(document, dict) or message.subject_digest != sha256_hex(
            canonical_json(document)
        ):
            raise VerificationError(what, "the subject digest is not the document's sha256")
    want = expected_key(state, message)
    candidates: list[str] = [want] if want else []
    candidates += [s.keyid for s in env.signatures if s.keyid and s.keyid != want]
    for text in candidates:
        try:
            key = _verifier(text)
            dsse.verify(env, key, what, confirmed)
        except (VerificationError, KeyFormatError):
            continue
        return replace(message, signer_key=key.text())
    if want is None:
        raise VerificationError(what, f"{message.author!r} is not a participant of the corridor")
    raise VerificationError(what, f"the signature does not verify with the key of {message.author}")


Prechecked = tuple[bytes, "dsse.Envelope | None", Container[Triple]]


def prechecked(envelopes: Iterable[bytes], pool: SignaturePool | None) -> Iterator[Prechecked]:
    """Each envelope with its parse and the signatures already checked on ``pool``, in order.

    The envelopes are parsed here, a few chunks ahead, and each signature is sent to the pool
    with the key its keyid names; the caller checks them in log order (:func:`check_entry`)
    while the pool works on the next chunks. Which key an entry must be signed with is still
    decided by the caller: a signature the pool did not confirm is checked again there. With no
    pool (a short run), nothing is done ahead.
    """
    if pool is None:
        for envelope in envelopes:
            yield envelope, None, ()
        return
    source = iter(envelopes)
    pending: deque[tuple[list[tuple[bytes, dsse.Envelope | None]], Any]] = deque()
    ahead = max(2, 4 * pool.processes)

    def fill() -> None:
        while len(pending) < ahead:
            chunk = list(itertools.islice(source, CHUNK))
            if not chunk:
                return
            parsed: list[tuple[bytes, dsse.Envelope | None]] = []
            triples: list[Triple] = []
            for envelope in chunk:
                try:
                    env: dsse.Envelope | None = dsse.parse(envelope)
                except Exception:  # whatever it is, check_entry meets it again and refuses it
                    env = None
                parsed.append((envelope, env))
                if env is None:
                    continue
                message = dsse.pae(env.payload_type.encode(), env.payload)
                for sig in env.signatures:
                    try:
                        key = _verifier(sig.keyid)
                    except KeyFormatError:
                        continue
                    triples.append((key.public, sig.sig, message))
            pending.append((parsed, pool.submit(triples)))

    fill()
    while pending:
        parsed, future = pending.popleft()
        fill()
        try:
            confirmed: Container[Triple] = future.result()
        except Exception:  # a worker died: every signature is checked here instead
            confirmed = ()
        for envelope, env in parsed:
            yield envelope, env, confirmed


def _pool_for(count: int, parallel: bool) -> SignaturePool | None:
    return shared_pool() if parallel and count >= MIN_BATCH else None


def replay_entries(
    entries: Sequence[bytes], strict: bool = True, parallel: bool = False
) -> LogState:
    """Authenticate and replay every entry; ``strict`` raises at the first one that is refused.
    ``parallel``: check long runs of signatures on worker processes (the calling program's main
    module must then be import-safe, as ``multiprocessing`` requires)."""
    state = LogState()
    runs = prechecked(entries, _pool_for(len(entries), parallel))
    for index, (envelope, env, confirmed) in enumerate(runs):
        try:
            message = check_entry(state, envelope, index, env, confirmed)
            apply(state, message)
        except Exception as exc:  # VerificationError, Refused, or an entry nobody can read
            if isinstance(exc, Refused):
                reason = exc.reason
            elif isinstance(exc, VerificationError):
                reason = str(exc)
            else:
                reason = f"could not be checked ({type(exc).__name__})"
            if strict:
                raise VerificationError(f"entry {index}", reason) from exc
            state.refused.append((index, reason))
    return state


def check_entries(entries: Sequence[bytes], parallel: bool = False) -> None:
    """The entry checker of ``corridor log verify``: every entry authentic and accepted."""
    replay_entries(entries, strict=True, parallel=parallel)


class LogPort(Protocol):
    """What the agreement needs of a log: :class:`LogStore` (a database), or
    :class:`~corridor.adapters.remote_log.RemoteLog` (a coordination server's log)."""

    @property
    def size(self) -> int: ...

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...

    def indexes_of(self, envelopes: Sequence[bytes]) -> dict[bytes, int]: ...

    def append_many(
        self,
        envelopes: Sequence[bytes],
        expect_size: int | None = None,
        new_only: bool = False,
        before_commit: Callable[[Any], None] | None = None,
    ) -> list[int]: ...


BeforeCommit = Callable[[Any, list[Any]], None]
"""(the store's connection, the group's outcomes) -> None: runs inside the group's transaction."""


def _renumbered(
    outcomes: list[SubmitResult | CorridorError], base: int, stored_at: list[int]
) -> list[SubmitResult | CorridorError]:
    where = dict(zip(range(base, base + len(stored_at)), stored_at, strict=True))
    # a repeat within the group carries its first copy's provisional index: mapped the same way
    return [
        replace(o, index=where[o.index]) if isinstance(o, SubmitResult) and o.index in where else o
        for o in outcomes
    ]


class AgreementService:
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
        self._state_size = 0

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

    def _replay(self) -> LogState:
        size = self.store.size
        if self._state is None or size < self._state_size:
            self._state, self._state_size = LogState(), 0
        state = self._state
        runs = prechecked(
            self.store.entries(self._state_size, size),
            _pool_for(size - self._state_size, self.parallel),
        )
        for index, (envelope, env, confirmed) in enumerate(runs, start=self._state_size):
            try:
                apply(state, check_entry(state, envelope, index, env, confirmed))
            except (VerificationError, Refused) as exc:
                state.refused.append((index, exc.reason if isinstance(exc, Refused) else str(exc)))
            except Exception as exc:  # an entry nobody can read counts for nothing
                state.refused.append((index, f"could not be checked ({type(exc).__name__})"))
        self._state_size = size
        return state

    def submit(self, envelope: bytes) -> SubmitResult:
        """Authenticate, check and append a signed message; idempotent on the same bytes."""
        outcome = self.submit_each([envelope])[0]
        if isinstance(outcome, CorridorError):
            raise outcome
        return outcome

    def submit_each(
        self, envelopes: Sequence[bytes], before_commit: BeforeCommit | None = None
    ) -> list[SubmitResult | CorridorError]:
        """Group commit: check each message in order, then append every accepted one in one
        durable transaction; each outcome is what submitting the messages one by one, in this
        order, would have given.

        A refused message (bad signature, wrong signer, makes no sense now, too big) comes back
        as its error and changes nothing; the messages after it are checked as if it had never
        been sent. A message already in the log (same bytes) is not appended again and keeps
        its index. If another writer appends in between, all are checked again against the
        longer log. Nothing is acknowledged before the transaction commits: a storage error is
        raised for the whole group. ``before_commit(connection, outcomes)`` writes what must be
        stored with the group's entries or not at all (the service's events and audit records).
        """
        with self._lock:
            return self._submit_each(envelopes, before_commit)

    def _submit_each(
        self, envelopes: Sequence[bytes], before_commit: BeforeCommit | None
    ) -> list[SubmitResult | CorridorError]:
        for _ in range(5):
            state = self._replay()
            base = self._state_size
            try:
                outcomes, fresh = self._check_each(state, base, envelopes)
                if fresh:
                    # none was in the log at this size (indexes_of) nor twice in the group
                    hook = None
                    if before_commit is not None:
                        hook = functools.partial(before_commit, outcomes=outcomes)
                    stored_at = self.store.append_many(
                        fresh, expect_size=base, new_only=True, before_commit=hook
                    )
                    if stored_at != list(range(base, base + len(fresh))):
                        # a log on a server that grew meanwhile: it checked them again and
                        # says where they are; the state here is read afresh next time
                        self._state = None
                        return _renumbered(outcomes, base, stored_at)
            except StaleLog:
                self._state = None
                continue
            except BaseException:
                self._state = None  # the cached state may hold messages that were not stored
                raise
            self._state_size = base + len(fresh)
            return outcomes
        raise MessageRefused("message", "the log kept changing while it was checked; retry")

    def _check_each(
        self, state: LogState, base: int, envelopes: Sequence[bytes]
    ) -> tuple[list[SubmitResult | CorridorError], list[bytes]]:
        outcomes: list[SubmitResult | CorridorError] = []
        fresh: list[bytes] = []
        stored = self.store.indexes_of(envelopes)
        runs = prechecked(envelopes, _pool_for(len(envelopes), self.parallel))
        for envelope, env, confirmed in runs:
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
                outcomes.append(
                    MessageRefused("message", f"could not be checked ({type(exc).__name__})")
                )
                continue
            if existing is None:
                try:
                    _not_too_late(state, message, self.clock())
                    apply(state, message)  # changes nothing when it refuses
                except Refused as exc:
                    outcomes.append(
                        MessageRefused(f"{message.kind.value} by {message.author}", exc.reason)
                    )
                    continue
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

    # -- use cases: each builds the statement, signs it with the local key and submits it ------

    def _corridor(self, state: LogState, corridor: str) -> Any:
        found = state.corridors.get(corridor)
        if found is None:
            raise InputError("corridor", f"{corridor!r} has no proposal in this log")
        return found

    def _send(
        self, kind: Kind, corridor: str, key: SignerKey, digest: str, body: dict[str, Any]
    ) -> SubmitResult:
        stmt = statement(kind, corridor, key.name, _stamp(self.clock()), digest, body)
        return self.submit(sign_statement(stmt, key))

    def propose(self, document: dict[str, Any], key: SignerKey) -> SubmitResult:
        doc = copy.deepcopy(document)
        doc.setdefault("version", 1)
        doc.setdefault("supersedes", None)
        _check_document(doc)
        return self._send(
            Kind.PROPOSAL,
            doc["corridor"],
            key,
            sha256_hex(canonical_json(doc)),
            {"document": doc},
        )

    def counter(self, document: dict[str, Any], key: SignerKey) -> SubmitResult:
        """A new version of the corridor's latest one (version and supersedes filled in)."""
        corridor_id = document.get("corridor")
        if not isinstance(corridor_id, str):
            raise InputError("document.corridor", f"{corridor_id!r} must name the corridor")
        latest = self._corridor(self.state(), corridor_id).latest
        doc = copy.deepcopy(document)
        doc["version"] = latest.number + 1
        doc["supersedes"] = latest.hash
        _check_document(doc)
        return self._send(
            Kind.COUNTER, corridor_id, key, sha256_hex(canonical_json(doc)), {"document": doc}
        )

    def _version_hash(self, corridor: str, version: int | None) -> tuple[int, str]:
        state = self._corridor(self.state(), corridor)
        chosen = state.latest if version is None else state.version(version)
        if chosen is None:
            raise InputError("--version", f"corridor {corridor!r} has no version {version}")
        return chosen.number, chosen.hash

    def accept(self, corridor: str, key: SignerKey, version: int | None = None) -> SubmitResult:
        number, digest = self._version_hash(corridor, version)
        return self._send(Kind.ACCEPTANCE, corridor, key, digest, {"version": number})

    def confirm_start(self, corridor: str, key: SignerKey) -> SubmitResult:
        number, digest = self._version_hash(corridor, None)
        return self._send(Kind.CEASEFIRE_START, corridor, key, digest, {"version": number})

    def withdraw(self, corridor: str, key: SignerKey, reason: str) -> SubmitResult:
        number, digest = self._version_hash(corridor, None)
        return self._send(
            Kind.WITHDRAWAL, corridor, key, digest, {"version": number, "reason": reason}
        )

    def suspend(self, corridor: str, key: SignerKey, reason: str) -> SubmitResult:
        number, digest = self._version_hash(corridor, None)
        return self._send(
            Kind.SUSPENSION, corridor, key, digest, {"version": number, "reason": reason}
        )

    def resume(self, corridor: str, key: SignerKey, note: str = "") -> SubmitResult:
        number, digest = self._version_hash(corridor, None)
        return self._send(Kind.RESUMPTION, corridor, key, digest, {"version": number, "note": note})

    def report_incident(
        self, corridor: str, key: SignerKey, description: str, location: list[float] | None = None
    ) -> SubmitResult:
        number, digest = self._version_hash(corridor, None)
        body: dict[str, Any] = {"version": number, "description": description}
        if location is not None:
            body["location"] = location
        return self._send(Kind.INCIDENT, corridor, key, digest, body)

    def notify_movement(
        self, corridor: str, key: SignerKey, movement: str, description: str, departs: str
    ) -> SubmitResult:
        number, digest = self._version_hash(corridor, None)
        body = {
            "version": number,
            "movement": movement,
            "description": description,
            "departs": departs,
        }
        return self._send(Kind.MOVEMENT, corridor, key, digest, body)

    def acknowledge(self, corridor: str, key: SignerKey, movement: str) -> SubmitResult:
        number, digest = self._version_hash(corridor, None)
        return self._send(
            Kind.ACKNOWLEDGEMENT, corridor, key, digest, {"version": number, "movement": movement}
        )


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


def _check_document(doc: dict[str, Any]) -> None:
    problems = shape_problems(doc)
    if problems:
        where, problem = problems[0]
        raise InputError(f"document.{where}", problem)
