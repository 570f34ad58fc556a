"""The rules of the agreement log: what each verified message does to the state of its corridor.

The log layer (tlog) has checked the DSSE signatures of each entry; :func:`apply` checks that
the statement follows an entry already in the log, that its payload is not in the log already
(a statement counts once, whatever signatures its envelope carries), that its signatures are
exactly those of the keys the corridor's key ring requires (:mod:`corridor.domain.keyring`), and
that the message makes sense now (an acceptance names the latest version, a ceasefire
confirmation follows both acceptances, ...). A message that does not is *refused*, with a
reason, and changes nothing. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable

from corridor.domain.corridor_state import (
    CheckItem,
    CorridorState,
    LogState,
    Status,
    Version,
    local_time,
)
from corridor.domain.keyring import (
    KeyRing,
    apply_key_statement,
    key_digest,
    key_name,
    opening_organisations,
    required_keys,
    speaker,
)
from corridor.domain.proposal import (
    PARTY_ROLES,
    ROLES,
    Doc,
    missing_terms,
    shape_problems,
    window_bounds,
)
from corridor.domain.statement import (
    KEY_KINDS,
    Follows,
    Kind,
    Message,
    Refused,
    message_time,
    parse_statement,
    statement,
)


def _check_follows(state: LogState, message: Message) -> None:
    follows = message.follows
    if follows is None:
        if state.size:
            raise Refused(
                "predicate.follows is null, but the log is not empty: name the entry you read "
                f"last (the log has {state.size})"
            )
        return
    if follows.index >= state.size:
        raise Refused(
            f"predicate.follows names entry {follows.index}, which is not before this one "
            f"(entry {state.size})"
        )
    if state.leaf(follows.index).hex() != follows.leaf_hash:
        raise Refused(
            f"predicate.follows names entry {follows.index} with leaf hash "
            f"{follows.leaf_hash[:16]}…, but this log's entry {follows.index} has another: "
            "the statement was made on another log or another history"
        )


def _check_signers(state: LogState, message: Message) -> None:
    """The envelope's (verified) signatures are exactly those the key ring requires."""
    corridor = state.corridors.get(message.corridor)
    ring = None if corridor is None else corridor.keys
    want = required_keys(ring, message)
    have = list(message.signer_keys)
    signed_by = have[0] if have else "(no key)"
    if want[0] not in have:
        if message.kind is Kind.KEY_REGISTRATION:
            raise Refused(
                f"signed by the key {signed_by}, not by the key it registers ({want[0]}): "
                "a key is registered by its holder"
            )
        role = speaker(ring, message) or message.author
        raise Refused(
            f"signed by the key {signed_by}, not by the key registered for {role} ({want[0]})"
        )
    missing = [k for k in want if k not in have]
    if missing:
        raise Refused(f"it needs a signature by {key_name(missing[0])} too ({missing[0]})")
    extra = [k for k in have if k not in want]
    if extra or len(have) != len(want):
        raise Refused(
            f"it is also signed by {extra[0] if extra else 'the same key twice'}: an envelope "
            "carries exactly the signatures its message needs"
        )


def _document(message: Message) -> Doc:
    document = message.predicate.get("document")
    problems = shape_problems(document)
    if problems:
        where, problem = problems[0]
        raise Refused(f"document.{where}: {problem}")
    assert isinstance(document, dict)
    if document["corridor"] != message.corridor:
        raise Refused(
            f"document.corridor {document['corridor']!r} is not the message's {message.corridor!r}"
        )
    return document


def _participants_are_the_keys(corridor: CorridorState, document: Doc) -> None:
    """A version names the participants by the keys the log confirmed for them, now."""
    if not corridor.keys.complete():
        waiting = [r for r in ROLES if r not in corridor.keys.current]
        raise Refused(f"no version before every key is confirmed (waiting: {', '.join(waiting)})")
    for role in ROLES:
        named = document["participants"][role]
        if named.get("key") != corridor.keys.current[role]:
            raise Refused(
                f"document.participants.{role}.key is not the key confirmed for {role} in this "
                f"log ({corridor.keys.current[role]})"
            )


def _version_named(corridor: CorridorState, message: Message) -> Version:
    number = message.predicate.get("version")
    if not isinstance(number, int) or isinstance(number, bool):
        raise Refused("predicate.version must be a version number")
    version = corridor.version(number)
    if version is None:
        raise Refused(f"corridor {corridor.corridor} has no version {number}")
    if message.subject_digest != version.hash:
        raise Refused(
            f"the subject digest {message.subject_digest[:16]}… is not the hash of version "
            f"{number} ({version.hash[:16]}…)"
        )
    latest = corridor.latest
    assert latest is not None
    if version is not latest:
        raise Refused(f"version {number} has been superseded by version {latest.number}")
    return version


def _open(state: LogState, message: Message) -> None:
    if message.corridor in state.corridors:
        raise Refused(f"corridor {message.corridor!r} has been opened already")
    key = str(message.predicate["key"])
    if message.author != key_name(key):
        raise Refused(f"the intermediary opens a corridor with its own key: author {key_name(key)}")
    if message.subject_digest != key_digest(key):
        raise Refused("the subject digest is not the SHA-256 of predicate.key")
    corridor = CorridorState(message.corridor, organisations=opening_organisations(message))
    corridor.keys = KeyRing(current={"intermediary": key})
    corridor.keys.events.append(
        {"index": message.index, "role": "intermediary", "key": key, "event": "opened"}
    )
    names = ", ".join(f"{r}: {o}" for r, o in corridor.organisations.items())
    corridor.history.append(f"#{message.index} {message.author} opened the corridor ({names})")
    state.corridors[message.corridor] = corridor


def _propose(corridor: CorridorState, role: str, message: Message) -> None:
    document = _document(message)
    latest = corridor.latest
    if message.kind is Kind.PROPOSAL:
        if latest is not None:
            raise Refused(f"corridor {corridor.corridor!r} has a proposal: send a counter-proposal")
        if document["version"] != 1 or document.get("supersedes") is not None:
            raise Refused("a first proposal is version 1 and supersedes nothing")
    else:
        if latest is None:
            raise Refused(f"corridor {corridor.corridor!r} has no proposal yet to counter")
        if corridor.confirmations:
            raise Refused("the ceasefire start has been confirmed; the terms can no longer change")
        if document["version"] != latest.number + 1:
            raise Refused(f"a counter-proposal must be version {latest.number + 1}")
        if document.get("supersedes") != latest.hash:
            raise Refused(
                f"supersedes must name the hash of version {latest.number} ({latest.hash})"
            )
    _participants_are_the_keys(corridor, document)
    number = len(corridor.versions) + 1
    corridor.versions.append(
        Version(number, message.payload_sha256, message.author, message.index, document)
    )
    corridor.history.append(f"#{message.index} {message.author} proposed version {number}")


def _accept(corridor: CorridorState, role: str, message: Message) -> None:
    if role not in PARTY_ROLES:
        raise Refused("only the two parties accept a proposal; the intermediary relays it")
    version = _version_named(corridor, message)
    missing = missing_terms(version.document)
    if missing:
        raise Refused(f"version {version.number} is incomplete: {missing[0]}")
    corridor.acceptances[role] = version.hash
    corridor.history.append(f"#{message.index} {message.author} accepted version {version.number}")


def _confirm_start(corridor: CorridorState, role: str, message: Message) -> None:
    if role not in PARTY_ROLES:
        raise Refused("only the two parties confirm the ceasefire start")
    version = _version_named(corridor, message)
    if not corridor.agreed:
        raise Refused(f"both parties must accept version {version.number} first")
    bounds = window_bounds(version.document)
    if bounds is not None and message_time(message) >= bounds[1]:
        raise Refused(
            f"the window of version {version.number} ended {local_time(bounds[1])}: a ceasefire "
            "cannot start after it; agree a new window first"
        )
    corridor.confirmations[role] = version.hash
    corridor.history.append(f"#{message.index} {message.author} confirmed the ceasefire start")


def _suspend(corridor: CorridorState, role: str, message: Message) -> None:
    if not corridor.confirmed:
        raise Refused("the ceasefire has not started, so there is nothing to suspend")
    if corridor.suspension is not None:
        raise Refused("the corridor is already suspended")
    latest = corridor.latest
    assert latest is not None
    allowed = latest.document.get("on_violation", {}).get("who_may_suspend", [])
    if role not in allowed:
        raise Refused(f"{role} may not call a suspension (allowed: {', '.join(allowed)})")
    corridor.suspension = {"author": message.author, "reason": message.predicate.get("reason")}
    corridor.resumptions = set()
    corridor.history.append(f"#{message.index} {message.author} suspended the corridor")


def _resume(corridor: CorridorState, role: str, message: Message) -> None:
    if corridor.suspension is None:
        raise Refused("the corridor is not suspended")
    if role not in PARTY_ROLES:
        raise Refused("only the two parties resume a suspended corridor, both of them")
    corridor.resumptions.add(role)
    corridor.history.append(f"#{message.index} {message.author} agreed to resume")
    if corridor.resumptions >= set(PARTY_ROLES):
        corridor.suspension = None
        corridor.history.append(f"#{message.index} the corridor resumed")


def _withdraw(corridor: CorridorState, role: str, message: Message) -> None:
    corridor.withdrawal = {"author": message.author, "reason": message.predicate.get("reason")}
    corridor.history.append(f"#{message.index} {message.author} withdrew")


#: What the log itself says of a notice (its entry, who acknowledged it): an author's predicate
#: may not say it, or the view every role reads would show what the author wrote there.
_DERIVED = ("index", "acknowledged_by")


def _own_words(message: Message) -> dict[str, object]:
    """The predicate of an incident or movement notice, refused if it names a derived key."""
    named = [key for key in _DERIVED if key in message.predicate]
    if named:
        raise Refused(
            f"predicate.{named[0]} is {message.predicate[named[0]]!r}, but the log says that "
            f"of a notice itself (its entry, who acknowledged it): leave out {', '.join(named)}"
        )
    return dict(message.predicate)


def _incident(corridor: CorridorState, role: str, message: Message) -> None:
    incident = {**_own_words(message), "index": message.index, "author": message.author}
    corridor.incidents.append(incident)
    corridor.history.append(f"#{message.index} {message.author} reported an incident")


def _movement(corridor: CorridorState, role: str, message: Message) -> None:
    movement = message.predicate.get("movement")
    if not isinstance(movement, str) or not movement:
        raise Refused("predicate.movement must name the movement")
    if movement in corridor.movements:
        raise Refused(f"movement {movement!r} has been notified already")
    corridor.movements[movement] = {
        **_own_words(message),
        "index": message.index,
        "author": message.author,
        "acknowledged_by": [],
    }
    corridor.history.append(f"#{message.index} {message.author} notified movement {movement}")


def _acknowledge(corridor: CorridorState, role: str, message: Message) -> None:
    movement = message.predicate.get("movement")
    notified = corridor.movements.get(movement) if isinstance(movement, str) else None
    if notified is None:
        raise Refused(f"no movement {movement!r} has been notified")
    if notified["author"] == message.author:
        raise Refused("the notifier does not acknowledge its own notification")
    if message.author not in notified["acknowledged_by"]:
        notified["acknowledged_by"].append(message.author)
    corridor.history.append(
        f"#{message.index} {message.author} acknowledged movement {movement} "
        "(an acknowledgement, not an approval)"
    )


_HANDLERS: dict[Kind, Callable[[CorridorState, str, Message], None]] = {
    Kind.PROPOSAL: _propose,
    Kind.COUNTER: _propose,
    Kind.ACCEPTANCE: _accept,
    Kind.CEASEFIRE_START: _confirm_start,
    Kind.SUSPENSION: _suspend,
    Kind.RESUMPTION: _resume,
    Kind.WITHDRAWAL: _withdraw,
    Kind.INCIDENT: _incident,
    Kind.MOVEMENT: _movement,
    Kind.ACKNOWLEDGEMENT: _acknowledge,
}
_ON_A_VERSION = frozenset(_HANDLERS) - {Kind.PROPOSAL, Kind.COUNTER}


def apply(state: LogState, message: Message) -> None:
    """Apply one verified message, or raise :class:`Refused` without changing anything.

    The caller records every entry's leaf hash afterwards (``state.note_entry``), counted or not.
    """
    _check_follows(state, message)
    first = state.payloads.get(message.payload_sha256)
    if first is not None:
        raise Refused(
            f"this statement is in the log already (entry {first}): a statement counts once, "
            "whatever signatures its envelope carries"
        )
    _check_signers(state, message)
    if message.kind is Kind.OPENING:
        _open(state, message)
    else:
        corridor = state.corridors[message.corridor]  # required_keys refused an unknown one
        if corridor.withdrawal is not None:
            raise Refused(f"corridor {corridor.corridor} is closed (withdrawn)")
        if message.kind in KEY_KINDS:
            said = apply_key_statement(corridor.keys, message)
            corridor.history.append(f"#{message.index} {message.author} {said}")
        else:
            role = corridor.keys.role_of_name(message.author)
            assert role is not None, "required_keys found it"
            if message.kind in _ON_A_VERSION and corridor.latest is None:
                raise Refused(f"corridor {corridor.corridor!r} has no proposal yet")
            _HANDLERS[message.kind](corridor, role, message)
    state.payloads[message.payload_sha256] = message.index


__all__ = [
    "PARTY_ROLES",
    "ROLES",
    "CheckItem",
    "CorridorState",
    "Follows",
    "Kind",
    "LogState",
    "Message",
    "Refused",
    "Status",
    "Version",
    "apply",
    "parse_statement",
    "speaker",
    "statement",
]
