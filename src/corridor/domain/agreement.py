"""Agreement messages and the pure replay of a log into the state of each corridor.

Every message is an in-toto-style statement (``_type``, ``subject``, ``predicateType``,
``predicate``) with one of our predicate types. The log layer (tlog) has already checked the DSSE
signature of each entry; this module checks that the key which signed a message is the key the
corridor's participants list gives to the message's author, and that the message makes sense
now (an acceptance names the latest version, a ceasefire confirmation follows both acceptances,
...). A message that does not is *refused*, with a reason; replay records it and goes on.

``ready`` is true only when every term is present, both parties accepted the same (latest)
version, and both confirmed the ceasefire start; otherwise the checklist says what is missing.
Standard library only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from corridor.domain.proposal import (
    PARTY_ROLES,
    ROLES,
    Doc,
    missing_terms,
    shape_problems,
    window_bounds,
)

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"


class Kind(StrEnum):
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
        return f"urn:corridor:{self.value}:v1"


_BY_PREDICATE = {k.predicate_type: k for k in Kind}


class Status(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    AGREED = "agreed"
    CONFIRMED = "confirmed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Refused(Exception):
    """A message that must not enter (or, in replay, must not count in) the log."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Message:
    """A verified log entry: what the statement says, who signed it, where it sits."""

    index: int
    kind: Kind
    corridor: str
    author: str
    signer_key: str
    payload_sha256: str
    at: str
    subject_digest: str
    predicate: dict[str, Any]


def statement(
    kind: Kind,
    corridor: str,
    author: str,
    at: str,
    subject_digest: str,
    body: dict[str, Any],
    subject_name: str | None = None,
) -> dict[str, Any]:
    """Build the statement a participant signs."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": subject_name or f"corridor:{corridor}", "digest": {"sha256": subject_digest}}
        ],
        "predicateType": kind.predicate_type,
        "predicate": {"corridor": corridor, "author": author, "at": at, **body},
    }


def parse_statement(obj: Any, index: int, payload_sha256: str, signer_key: str) -> Message:
    """Read a statement into a :class:`Message`; raises :class:`Refused` naming the problem."""
    if not isinstance(obj, dict) or obj.get("_type") != STATEMENT_TYPE:
        raise Refused(f"not an in-toto statement (_type must be {STATEMENT_TYPE})")
    kind = _BY_PREDICATE.get(obj.get("predicateType", ""))
    if kind is None:
        raise Refused(f"unknown predicateType {obj.get('predicateType')!r}")
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
            f"predicate.at {predicate['at'][:40]!r} is not an ISO 8601 time with a UTC offset"
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
    )


def _instant(text: str) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def message_time(message: Message) -> dt.datetime:
    """When the author says it signed the message (``predicate.at``)."""
    at = _instant(message.at)
    assert at is not None, "parse_statement checked it"
    return at


@dataclass(frozen=True)
class Version:
    number: int
    hash: str
    """sha256 of the exact signed statement bytes that introduced this version."""
    author: str
    index: int
    document: Doc


@dataclass(frozen=True)
class CheckItem:
    ok: bool
    text: str


@dataclass
class CorridorState:
    corridor: str
    versions: list[Version] = field(default_factory=list)
    participants: dict[str, dict[str, Any]] = field(default_factory=dict)
    acceptances: dict[str, str] = field(default_factory=dict)
    """party role -> hash of the version it accepted."""
    confirmations: dict[str, str] = field(default_factory=dict)
    suspension: dict[str, Any] | None = None
    resumptions: set[str] = field(default_factory=set)
    withdrawal: dict[str, Any] | None = None
    incidents: list[dict[str, Any]] = field(default_factory=list)
    movements: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def role_of(self, name: str) -> str | None:
        for role, who in self.participants.items():
            if who.get("name") == name:
                return role
        return None

    def version(self, number: int) -> Version | None:
        if 1 <= number <= len(self.versions):
            return self.versions[number - 1]
        return None

    def _both(self, table: dict[str, str]) -> bool:
        latest = self.latest
        return latest is not None and all(table.get(r) == latest.hash for r in PARTY_ROLES)

    @property
    def agreed(self) -> bool:
        return self._both(self.acceptances)

    @property
    def confirmed(self) -> bool:
        return self.agreed and self._both(self.confirmations)

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The latest version's window as aware datetimes (None while it is incomplete)."""
        latest = self.latest
        return None if latest is None else window_bounds(latest.document)

    def window_over(self, now: dt.datetime) -> bool:
        bounds = self.window
        return bounds is not None and now >= bounds[1]

    def status(self, now: dt.datetime) -> Status:
        """The corridor's state at ``now``: a window that has ended closes the corridor,
        whatever was agreed, so that nobody reads an old agreement as still in force."""
        latest = self.latest
        if self.withdrawal is not None:
            return Status.CLOSED
        if latest is None:
            return Status.DRAFT
        if self.window_over(now):
            return Status.CLOSED
        if self.confirmed:
            if self.suspension is not None:
                return Status.SUSPENDED
            bounds = self.window
            if bounds is not None and now >= bounds[0]:
                return Status.ACTIVE
            return Status.CONFIRMED
        if self.agreed:
            return Status.AGREED
        if missing_terms(latest.document):
            return Status.DRAFT
        return Status.PROPOSED

    def describe(self, now: dt.datetime) -> str:
        status = self.status(now)
        latest = self.latest
        n = latest.number if latest else 0
        if status is Status.CLOSED:
            if self.withdrawal is not None:
                return f"closed (withdrawn by {self.withdrawal.get('author')})"
            bounds = self.window
            assert bounds is not None
            return f"closed (the window ended {_local(bounds[1])})"
        words = {
            Status.DRAFT: f"draft (version {n} is incomplete)" if n else "draft",
            Status.PROPOSED: f"proposed (version {n}), awaiting acceptance",
            Status.AGREED: f"agreed on version {n}, awaiting ceasefire confirmation",
            Status.CONFIRMED: f"ceasefire confirmed by both parties on version {n}",
            Status.ACTIVE: f"active (version {n})",
            Status.SUSPENDED: f"suspended by {(self.suspension or {}).get('author')}",
        }
        return words[status]

    def checklist(self, now: dt.datetime) -> list[CheckItem]:
        latest = self.latest
        if latest is None:
            return [CheckItem(False, "no proposal has been made")]
        items = [CheckItem(True, f"version {latest.number} is the latest ({latest.hash[:16]}…)")]
        missing = missing_terms(latest.document)
        items.append(CheckItem(not missing, "every term is present and acceptable"))
        items.extend(CheckItem(False, f"  {m}") for m in missing)
        for role in PARTY_ROLES:
            name = self.participants.get(role, {}).get("name", role)
            accepted = self.acceptances.get(role)
            ok = accepted == latest.hash
            text = f"{name} ({role}) accepted version {latest.number}"
            if not ok and accepted:
                old = next((v.number for v in self.versions if v.hash == accepted), "?")
                text += f" (accepted version {old} only)"
            items.append(CheckItem(ok, text))
        for role in PARTY_ROLES:
            name = self.participants.get(role, {}).get("name", role)
            ok = self.confirmations.get(role) == latest.hash and self.agreed
            items.append(CheckItem(ok, f"{name} ({role}) confirmed the ceasefire start"))
        if self.suspension is not None:
            items.append(
                CheckItem(False, f"suspended: {self.suspension.get('reason', '')}".rstrip(": "))
            )
        if self.withdrawal is not None:
            items.append(CheckItem(False, f"withdrawn by {self.withdrawal.get('author')}"))
        bounds = self.window
        if bounds is not None and now >= bounds[1]:
            items.append(CheckItem(False, f"the window ended {_local(bounds[1])}"))
        return items

    def ready(self, now: dt.datetime) -> bool:
        """Every term present, both acceptances and confirmations of the latest version, not
        suspended, not withdrawn, and the window not over at ``now``."""
        return all(item.ok for item in self.checklist(now))

    def missing(self, now: dt.datetime) -> list[str]:
        return [item.text.strip() for item in self.checklist(now) if not item.ok]


def _local(at: dt.datetime) -> str:
    """``2026-12-02 17:00 Europe/Kyiv``: a time as the corridor's own clock shows it."""
    return f"{at.strftime('%Y-%m-%d %H:%M')} {at.tzinfo}"


@dataclass
class LogState:
    corridors: dict[str, CorridorState] = field(default_factory=dict)
    refused: list[tuple[int, str]] = field(default_factory=list)
    """(log index, reason) of every entry that did not count."""


def expected_key(state: LogState, message: Message) -> str | None:
    """The verifier key the corridor gives to the message's author (None: nobody by that name).

    For the first proposal of a corridor the document itself names the keys.
    """
    corridor = state.corridors.get(message.corridor)
    if corridor is None:
        if message.kind is not Kind.PROPOSAL:
            return None
        document = message.predicate.get("document")
        participants = document.get("participants") if isinstance(document, dict) else None
        if not isinstance(participants, dict):
            return None
        for who in participants.values():
            if isinstance(who, dict) and who.get("name") == message.author:
                key = who.get("key")
                return key if isinstance(key, str) else None
        return None
    role = corridor.role_of(message.author)
    return None if role is None else str(corridor.participants[role]["key"])


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


def apply(state: LogState, message: Message) -> None:
    """Apply one verified message, or raise :class:`Refused` without changing anything."""
    want = expected_key(state, message)
    if want is None:
        raise Refused(
            f"{message.author!r} is not a participant of corridor {message.corridor!r}"
            if message.corridor in state.corridors or message.kind is Kind.PROPOSAL
            else f"corridor {message.corridor!r} has no proposal yet"
        )
    if message.signer_key != want:
        raise Refused(
            f"signed by the key {message.signer_key}, not by the key of {message.author} "
            f"named in the proposal ({want})"
        )
    corridor = state.corridors.get(message.corridor)
    kind = message.kind
    if kind is Kind.PROPOSAL:
        if corridor is not None:
            raise Refused(f"corridor {message.corridor!r} exists already: send a counter-proposal")
        document = _document(message)
        if document["version"] != 1 or document.get("supersedes") is not None:
            raise Refused("a first proposal is version 1 and supersedes nothing")
        corridor = CorridorState(message.corridor, participants=document["participants"])
        corridor.versions.append(
            Version(1, message.payload_sha256, message.author, message.index, document)
        )
        corridor.history.append(f"#{message.index} {message.author} proposed version 1")
        state.corridors[message.corridor] = corridor
        return
    assert corridor is not None
    role = corridor.role_of(message.author)
    latest = corridor.latest
    assert role is not None
    assert latest is not None
    if corridor.withdrawal is not None:
        raise Refused(f"corridor {corridor.corridor} is closed (withdrawn)")
    if kind is Kind.COUNTER:
        document = _document(message)
        if corridor.confirmations:
            raise Refused("the ceasefire start has been confirmed; the terms can no longer change")
        if document["version"] != latest.number + 1:
            raise Refused(f"a counter-proposal must be version {latest.number + 1}")
        if document.get("supersedes") != latest.hash:
            raise Refused(
                f"supersedes must name the hash of version {latest.number} ({latest.hash})"
            )
        if document["participants"] != corridor.participants:
            raise Refused("a counter-proposal cannot change the participants or their keys")
        number = latest.number + 1
        corridor.versions.append(
            Version(number, message.payload_sha256, message.author, message.index, document)
        )
        corridor.history.append(f"#{message.index} {message.author} proposed version {number}")
    elif kind is Kind.ACCEPTANCE:
        if role not in PARTY_ROLES:
            raise Refused("only the two parties accept a proposal; the intermediary relays it")
        version = _version_named(corridor, message)
        missing = missing_terms(version.document)
        if missing:
            raise Refused(f"version {version.number} is incomplete: {missing[0]}")
        corridor.acceptances[role] = version.hash
        corridor.history.append(
            f"#{message.index} {message.author} accepted version {version.number}"
        )
    elif kind is Kind.CEASEFIRE_START:
        if role not in PARTY_ROLES:
            raise Refused("only the two parties confirm the ceasefire start")
        version = _version_named(corridor, message)
        if not corridor.agreed:
            raise Refused(f"both parties must accept version {version.number} first")
        bounds = window_bounds(version.document)
        if bounds is not None and message_time(message) >= bounds[1]:
            raise Refused(
                f"the window of version {version.number} ended {_local(bounds[1])}: a ceasefire "
                "cannot start after it; agree a new window first"
            )
        corridor.confirmations[role] = version.hash
        corridor.history.append(f"#{message.index} {message.author} confirmed the ceasefire start")
    elif kind is Kind.SUSPENSION:
        if not corridor.confirmed:
            raise Refused("the ceasefire has not started, so there is nothing to suspend")
        if corridor.suspension is not None:
            raise Refused("the corridor is already suspended")
        allowed = latest.document.get("on_violation", {}).get("who_may_suspend", [])
        if role not in allowed:
            raise Refused(f"{role} may not call a suspension (allowed: {', '.join(allowed)})")
        corridor.suspension = {"author": message.author, "reason": message.predicate.get("reason")}
        corridor.resumptions = set()
        corridor.history.append(f"#{message.index} {message.author} suspended the corridor")
    elif kind is Kind.RESUMPTION:
        if corridor.suspension is None:
            raise Refused("the corridor is not suspended")
        if role not in PARTY_ROLES:
            raise Refused("only the two parties resume a suspended corridor, both of them")
        corridor.resumptions.add(role)
        corridor.history.append(f"#{message.index} {message.author} agreed to resume")
        if corridor.resumptions >= set(PARTY_ROLES):
            corridor.suspension = None
            corridor.history.append(f"#{message.index} the corridor resumed")
    elif kind is Kind.WITHDRAWAL:
        corridor.withdrawal = {"author": message.author, "reason": message.predicate.get("reason")}
        corridor.history.append(f"#{message.index} {message.author} withdrew")
    elif kind is Kind.INCIDENT:
        corridor.incidents.append(
            {"index": message.index, "author": message.author, **message.predicate}
        )
        corridor.history.append(f"#{message.index} {message.author} reported an incident")
    elif kind is Kind.MOVEMENT:
        movement = message.predicate.get("movement")
        if not isinstance(movement, str) or not movement:
            raise Refused("predicate.movement must name the movement")
        if movement in corridor.movements:
            raise Refused(f"movement {movement!r} has been notified already")
        corridor.movements[movement] = {
            "index": message.index,
            "author": message.author,
            "acknowledged_by": [],
            **message.predicate,
        }
        corridor.history.append(f"#{message.index} {message.author} notified movement {movement}")
    elif kind is Kind.ACKNOWLEDGEMENT:
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


def replay(messages: Iterable[Message]) -> LogState:
    """Fold verified messages, in log order, into the state of every corridor."""
    state = LogState()
    for message in messages:
        try:
            apply(state, message)
        except Refused as exc:
            state.refused.append((message.index, exc.reason))
    return state


__all__ = ["ROLES", "Kind", "LogState", "Message", "Refused", "Status", "apply", "replay"]
