"""Reading a log's entries: decode, authenticate and replay each one, in order.

Every reader of the log does this the same way: the service before it appends (and on every
start), a party's client before it signs, ``corridor log verify`` offline, the public
announcements. An entry's envelope must be canonical DSSE with an in-toto statement; every
signature it carries must verify under the key its keyid names; the rules of
:func:`corridor.domain.agreement.apply` then decide whether those keys are the right ones and
whether the message makes sense at that point of the log.
"""

from __future__ import annotations

import functools
import itertools
from collections import deque
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from corridor.domain.agreement import Kind, LogState, Message, Refused, apply, parse_statement
from corridor.tlog import dsse
from corridor.tlog.canonical import canonical_json, loads_canonical, sha256_hex
from corridor.tlog.errors import KeyFormatError, VerificationError
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.merkle import leaf_hash
from corridor.tlog.parallel import CHUNK, MIN_BATCH, SignaturePool, Triple, shared_pool


def sign_statement(stmt: dict[str, Any], key: SignerKey, *more: SignerKey) -> bytes:
    """The DSSE envelope bytes of ``stmt`` (canonical JSON) signed by ``key`` (and ``more``:
    a key rotation is signed by the old key and the new one)."""
    return dsse.sign(canonical_json(stmt), key, *more)


@functools.lru_cache(maxsize=1024)
def _verifier(text: str) -> VerifierKey:
    return VerifierKey.parse(text)


def _signers(env: dsse.Envelope, what: str, confirmed: Container[Triple]) -> tuple[str, ...]:
    """Every signature must verify under the key its keyid names (and name it canonically)."""
    message = dsse.pae(env.payload_type.encode(), env.payload)
    keys = []
    for n, sig in enumerate(env.signatures, 1):
        try:
            key = _verifier(sig.keyid)
        except KeyFormatError as exc:
            raise VerificationError(
                what, f"signature {n}: keyid {sig.keyid[:60]!r} is not a verifier key"
            ) from exc
        if key.text() != sig.keyid:
            raise VerificationError(what, f"signature {n}: keyid is not written as {key.text()}")
        if (key.public, sig.sig, message) not in confirmed and not key.verify(sig.sig, message):
            raise VerificationError(
                what, f"signature {n} does not verify with the key its keyid names ({sig.keyid})"
            )
        keys.append(sig.keyid)
    return tuple(keys)


def check_entry(
    state: LogState,
    envelope: bytes,
    index: int,
    parsed: dsse.Envelope | None = None,
    confirmed: Container[Triple] = (),
) -> Message:
    """Decode and authenticate one envelope; raises :class:`VerificationError` on failure.

    The message comes back with the keys that signed it; whether they are the keys the log
    requires is for :func:`apply` to say (it refuses naming both). ``parsed`` is
    ``dsse.parse(envelope)`` when the caller has it already, and ``confirmed`` the signatures
    already checked by :func:`prechecked`. ``state`` is unused here and kept for callers that
    check in context.
    """
    del state
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
    signers = _signers(env, what, confirmed)
    return replace(message, signer_key=signers[0], signer_keys=signers)


Prechecked = tuple[bytes, "dsse.Envelope | None", Container[Triple]]


def prechecked(envelopes: Iterable[bytes], pool: SignaturePool | None) -> Iterator[Prechecked]:
    """Each envelope with its parse and the signatures already checked on ``pool``, in order.

    The envelopes are parsed here, a few chunks ahead, and each signature is sent to the pool
    with the key its keyid names; the caller checks them in log order (:func:`check_entry`)
    while the pool works on the next chunks. A signature the pool did not confirm is checked
    again by the caller. With no pool (a short run), nothing is done ahead.
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


def pool_for(count: int, parallel: bool) -> SignaturePool | None:
    return shared_pool() if parallel and count >= MIN_BATCH else None


def reason_of(exc: Exception) -> str:
    if isinstance(exc, Refused):
        return exc.reason
    if isinstance(exc, VerificationError):
        return exc.problem
    return f"could not be checked ({type(exc).__name__})"


def replayed(
    state: LogState, entries: Iterable[bytes], count: int, parallel: bool = False
) -> Iterator[tuple[int, Message | None, str | None]]:
    """Authenticate and apply each entry after the ``state.size`` already replayed; yields
    (index, the message, None) for each that counts and (index, None, why) for each that does
    not (also listed in ``state.refused``). ``count``: how many entries there are (to decide
    whether worker processes are worth starting)."""
    start = state.size
    for index, (envelope, env, confirmed) in enumerate(
        prechecked(entries, pool_for(count, parallel)), start=start
    ):
        message: Message | None = None
        try:
            message = check_entry(state, envelope, index, env, confirmed)
            apply(state, message)
        except Exception as exc:  # VerificationError, Refused, or an entry nobody can read
            why = reason_of(exc)
            state.refused.append((index, why))
            state.note_entry(leaf_hash(envelope))
            yield index, None, why
            continue
        state.note_entry(leaf_hash(envelope))
        yield index, message, None


def replay_entries(
    entries: Sequence[bytes], strict: bool = True, parallel: bool = False
) -> LogState:
    """Authenticate and replay every entry; ``strict`` raises at the first one that is refused
    (a repeated statement included). ``parallel``: check long runs of signatures on worker
    processes (the calling program's main module must then be import-safe)."""
    state = LogState()
    for index, _, why in replayed(state, entries, len(entries), parallel):
        if why is not None and strict:
            raise VerificationError(f"entry {index}", why)
    return state


def check_entries(entries: Sequence[bytes], parallel: bool = False) -> None:
    """The entry checker of ``corridor log verify``: every entry authentic and accepted."""
    replay_entries(entries, strict=True, parallel=parallel)
