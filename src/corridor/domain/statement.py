"""What a participant signs: an in-toto statement naming its corridor and the log entry it follows.

Every message is an in-toto Statement v1 (``_type``, ``subject``, ``predicateType``,
``predicate``) with one of the predicate types ``urn:corridor:<kind>:v2``. The predicate always
names the corridor, the author (the name of the key that signs), the time the author signed it,
and ``follows``: the log entry the author had seen last (its index and RFC 9162 leaf hash), so
that a statement cannot be placed before what its author had read, nor carried into another
log. Only a log's very first entry follows nothing. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
FORMAT_VERSION = 2
"""v2: ``follows`` in every statement, keys registered in the log (v1 named keys in proposals)."""

_HEX64 = re.compile(r"[0-9a-f]{64}")


class Kind(StrEnum):
    OPENING = "opening"
    KEY_REGISTRATION = "key-registration"
    KEY_CONFIRMATION = "key-confirmation"
    KEY_ROTATION = "key-rotation"
    KEY_REVOCATION = "key-revocation"
    PROPOSAL = "proposal"
    COUNTER = "counter-proposal"
    ACCEPTANCE = "acceptance"
    WITHDRAWAL = "withdrawal"
    CEASEFIRE_START = "ceasefire-start"
    SUSPENSION = "suspension"
    RESUMPTION = "resumption"
    INCIDENT = "incident"
    MOVEMENT = "movement"
    ACKNOWLEDGEMENT = "acknowledgement"

    @property
    def predicate_type(self) -> str:
        return f"urn:corridor:{self.value}:v{FORMAT_VERSION}"


KEY_KINDS = frozenset(
    {Kind.KEY_REGISTRATION, Kind.KEY_CONFIRMATION, Kind.KEY_ROTATION, Kind.KEY_REVOCATION}
)
_BY_PREDICATE = {k.predicate_type: k for k in Kind}


class Refused(Exception):
    """A message that must not enter (or, in replay, must not count in) the log."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Follows:
    """The log entry a statement's author had seen last: its index and RFC 9162 leaf hash."""

    index: int
    leaf_hash: str
    """hex of SHA-256(0x00 || the entry's bytes)"""

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "leaf_hash": self.leaf_hash}


@dataclass(frozen=True)
class Message:
    """A verified log entry: what the statement says, who signed it, where it sits."""

    index: int
    kind: Kind
    corridor: str
    author: str
    signer_key: str
    """The key that signed it (the first, for a message that needs two signatures)."""
    payload_sha256: str
    at: str
    subject_digest: str
    predicate: dict[str, Any]
    follows: Follows | None = None
    signer_keys: tuple[str, ...] = ()
    """Every key whose signature the envelope carries, in its order (all of them verified)."""


def statement(
    kind: Kind,
    corridor: str,
    author: str,
    at: str,
    subject_digest: str,
    body: dict[str, Any],
    subject_name: str | None = None,
    *,
    follows: Follows | None = None,
) -> dict[str, Any]:
    """Build the statement a participant signs."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": subject_name or f"corridor:{corridor}", "digest": {"sha256": subject_digest}}
        ],
        "predicateType": kind.predicate_type,
        "predicate": {
            "corridor": corridor,
            "author": author,
            "at": at,
            "follows": None if follows is None else follows.as_json(),
            **body,
        },
    }


def _kind_of(obj: dict[str, Any]) -> Kind:
    predicate_type = obj.get("predicateType", "")
    kind = _BY_PREDICATE.get(predicate_type)
    if kind is not None:
        return kind
    if isinstance(predicate_type, str) and predicate_type.startswith("urn:corridor:"):
        raise Refused(
            f"predicateType {predicate_type[:60]!r} is not of this log's format "
            f"(v{FORMAT_VERSION}: every statement names the entry it follows, keys are "
            "registered in the log)"
        )
    raise Refused(f"unknown predicateType {predicate_type!r}")


def _follows(predicate: dict[str, Any]) -> Follows | None:
    if "follows" not in predicate:
        raise Refused("predicate.follows is missing: name the log entry you read last")
    value = predicate["follows"]
    if value is None:
        return None
    index = value.get("index") if isinstance(value, dict) else None
    leaf = value.get("leaf_hash") if isinstance(value, dict) else None
    if (
        not isinstance(index, int)
        or isinstance(index, bool)
        or index < 0
        or not isinstance(leaf, str)
        or not _HEX64.fullmatch(leaf)
        or set(value) != {"index", "leaf_hash"}
    ):
        raise Refused("predicate.follows must be {index, leaf_hash (64 lowercase hex)} or null")
    return Follows(index, leaf)


def parse_statement(obj: Any, index: int, payload_sha256: str, signer_key: str) -> Message:
    """Read a statement into a :class:`Message`; raises :class:`Refused` naming the problem."""
    if not isinstance(obj, dict) or obj.get("_type") != STATEMENT_TYPE:
        raise Refused(f"not an in-toto statement (_type must be {STATEMENT_TYPE})")
    kind = _kind_of(obj)
    subject = obj.get("subject")
    if (
        not isinstance(subject, list)
        or len(subject) != 1
        or not isinstance(subject[0], dict)
        or not isinstance(subject[0].get("digest"), dict)
        or not isinstance(subject[0]["digest"].get("sha256"), str)
    ):
        raise Refused("the statement needs exactly one subject with a sha256 digest")
    predicate = obj.get("predicate")
    if not isinstance(predicate, dict):
        raise Refused("the statement has no predicate object")
    for key in ("corridor", "author", "at"):
        if not isinstance(predicate.get(key), str) or not predicate[key]:
            raise Refused(f"predicate.{key} must be a non-empty string")
    if _instant(predicate["at"]) is None:
        raise Refused(
            f"predicate.at {predicate['at'][:40]!r} is not an ISO 8601 time with a UTC offset "
            f"in the years {FIRST_YEAR}-{LAST_YEAR}"
        )
    return Message(
        index=index,
        kind=kind,
        corridor=predicate["corridor"],
        author=predicate["author"],
        signer_key=signer_key,
        payload_sha256=payload_sha256,
        at=predicate["at"],
        subject_digest=subject[0]["digest"]["sha256"],
        predicate=predicate,
        follows=_follows(predicate),
        signer_keys=(signer_key,) if signer_key else (),
    )


#: The years a signed time may lie in (the service's own times are checked the same way): a
#: time that cannot be shown in every time zone would break every report that shows it.
FIRST_YEAR, LAST_YEAR = 1970, 9998


def _instant(text: str) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(text)
        if at.tzinfo is None or not FIRST_YEAR <= at.astimezone(dt.UTC).year <= LAST_YEAR:
            return None
    except (ValueError, OverflowError):
        return None
    return at


def message_time(message: Message) -> dt.datetime:
    """When the author says it signed the message (``predicate.at``)."""
    at = _instant(message.at)
    assert at is not None, "parse_statement checked it"
    return at
