"""Whose key is whose: the keys of a corridor's three participants, as its log records them.

A corridor is opened by the intermediary, whose opening statement names the parties'
organisations and is signed with the intermediary's own key. Each party then registers its key
(a statement signed by that very key: nobody can register a key they do not hold), and the
intermediary confirms it, naming the key's fingerprint that the party's officer read out to it
in person (the key ceremony, docs/agreement.md). Only a confirmed key speaks for a party. A
party rotates its key with a statement signed by the old key and the new one; a key is revoked
by itself (it leaked) or by the intermediary (the party lost it and said so in person). All of
it is in the log, so an offline verifier decides from the log alone which key is whose.
Standard library only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from corridor.domain.proposal import PARTY_ROLES, ROLES
from corridor.domain.statement import Kind, Message, Refused

#: A fingerprint is the first 128 bits of SHA-256 over the verifier key's text (its name, key
#: hash and public key), read out as 8 groups of 4 hex digits.
FINGERPRINT_GROUPS = 8


def fingerprint(key_text: str) -> str:
    """``1a2b 3c4d …``: what a party's officer reads out and the coordinator types back."""
    digest = hashlib.sha256(key_text.encode()).hexdigest()[: 4 * FINGERPRINT_GROUPS]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def same_fingerprint(typed: str, key_text: str) -> bool:
    """Whether a fingerprint as typed (any spacing, any case) is the key's."""
    return "".join(typed.lower().split()) == fingerprint(key_text).replace(" ", "")


def key_digest(key_text: str) -> str:
    """The subject digest of a statement about a key: SHA-256 of the key's text, in hex."""
    return hashlib.sha256(key_text.encode()).hexdigest()


def key_name(key_text: str) -> str:
    return key_text.split("+", 1)[0]


def _role(value: Any, roles: tuple[str, ...] = PARTY_ROLES) -> str:
    if value not in roles:
        raise Refused(f"predicate.role {value!r} must be one of {', '.join(roles)}")
    return str(value)


def _key_text(value: Any) -> str:
    """A verifier key's text, by shape (the signature check has parsed it when it signed)."""
    parts = value.split("+", 2) if isinstance(value, str) else []
    if len(parts) != 3 or not parts[0] or len(parts[1]) != 8:
        raise Refused(f"predicate.key {str(value)[:60]!r} is not a verifier key (name+hash+base64)")
    return str(value)


@dataclass
class KeyRing:
    """The keys of one corridor: confirmed (current), registered but not yet confirmed, and
    revoked (never valid again in this corridor)."""

    current: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)
    """What happened to which key, in log order (for people to read)."""

    def role_of_name(self, name: str) -> str | None:
        """The role whose current key is named ``name`` (names differ between roles)."""
        for role, key in self.current.items():
            if key_name(key) == name:
                return role
        return None

    def role_of_key(self, key: str) -> str | None:
        for role, current in self.current.items():
            if current == key:
                return role
        return None

    def complete(self) -> bool:
        return all(role in self.current for role in ROLES)

    def _record(self, message: Message, role: str, key: str, event: str) -> None:
        entry: dict[str, Any] = {"index": message.index, "role": role, "key": key, "event": event}
        if event != "registered":  # the fingerprint is heard from the party, not read here
            entry["fingerprint"] = fingerprint(key)
        self.events.append(entry)

    def _usable(self, role: str, key: str) -> None:
        """A new key for ``role``: not revoked, not another role's, not named as another's."""
        if key in self.revoked:
            raise Refused(f"key {key_name(key)} was revoked in this corridor")
        others = [(r, k) for r, k in (*self.current.items(), *self.pending.items()) if r != role]
        for other, current in others:
            if current == key or key_name(current) == key_name(key):
                raise Refused(
                    f"the key {key_name(key)} (or its name) is {other}'s already: "
                    "each participant signs with a key of its own name"
                )


def required_keys(ring: KeyRing | None, message: Message) -> list[str]:
    """The keys whose signatures the message needs (and the only ones it may carry).

    Raises :class:`Refused` when the log gives nobody the right to send it."""
    kind, predicate = message.kind, message.predicate
    if kind is Kind.OPENING:
        return [_key_text(predicate.get("key"))]
    if ring is None:
        raise Refused(f"corridor {message.corridor!r} has not been opened by the intermediary")
    if kind is Kind.KEY_REGISTRATION:
        return [_key_text(predicate.get("key"))]
    if kind is Kind.KEY_CONFIRMATION:
        return [_intermediary(ring)]
    if kind is Kind.KEY_ROTATION:
        role = _role(predicate.get("role"), ROLES)
        if role not in ring.current:
            raise Refused(f"{role} has no confirmed key to rotate")
        return [ring.current[role], _key_text(predicate.get("key"))]
    if kind is Kind.KEY_REVOCATION:
        key = _key_text(predicate.get("key"))
        return [key if message.author == key_name(key) else _intermediary(ring)]
    author_role = ring.role_of_name(message.author)
    if author_role is None:
        raise Refused(
            f"{message.author!r} has no confirmed key in corridor {message.corridor!r} "
            "(a party's key counts once the intermediary has confirmed it)"
        )
    return [ring.current[author_role]]


def _intermediary(ring: KeyRing) -> str:
    key = ring.current.get("intermediary")
    if key is None:
        raise Refused("the corridor has no intermediary key")
    return key


def speaker(ring: KeyRing | None, message: Message) -> str | None:
    """The role a message speaks for (the role whose liaison, or the coordinator for the
    intermediary, must be the one who sends it); None when no role may send it."""
    kind, predicate = message.kind, message.predicate
    if kind in (Kind.OPENING, Kind.KEY_CONFIRMATION):
        return "intermediary"
    if kind is Kind.KEY_REGISTRATION:
        role = predicate.get("role")
        return role if role in PARTY_ROLES else None
    if ring is None:
        return None
    if kind is Kind.KEY_REVOCATION:
        key = predicate.get("key")
        if isinstance(key, str) and message.author == key_name(key):
            role = predicate.get("role")
            return role if role in ROLES else None
        return "intermediary"
    return ring.role_of_name(message.author)


def apply_key_statement(ring: KeyRing, message: Message) -> str:
    """Apply a key registration, confirmation, rotation or revocation (the signatures are
    checked already); returns what happened, in words, or raises :class:`Refused`."""
    predicate = message.predicate
    key = _key_text(predicate.get("key"))
    if message.subject_digest != key_digest(key):
        raise Refused("the subject digest is not the SHA-256 of predicate.key")
    if message.kind is Kind.KEY_REGISTRATION:
        role = _role(predicate.get("role"))
        if message.author != key_name(key):
            raise Refused(f"a key is registered by itself: the author must be {key_name(key)}")
        if role in ring.current:
            raise Refused(f"{role} has a confirmed key already: rotate it, or revoke it first")
        ring._usable(role, key)
        ring.pending[role] = key
        ring._record(message, role, key, "registered")
        return f"registered a key for {role}, awaiting confirmation by its fingerprint"
    if message.kind is Kind.KEY_CONFIRMATION:
        role = _role(predicate.get("role"))
        if ring.pending.get(role) != key:
            raise Refused(f"{key_name(key)} is not the key {role} registered and awaits")
        typed = predicate.get("fingerprint")
        if not isinstance(typed, str) or not same_fingerprint(typed, key):
            raise Refused(
                f"predicate.fingerprint {str(typed)[:60]!r} is not the fingerprint of the key "
                f"{role} registered: do not confirm a key you have not compared with the party "
                "in person"
            )
        ring._usable(role, key)
        ring.current[role] = ring.pending.pop(role)
        ring._record(message, role, key, "confirmed")
        return f"confirmed {role}'s key ({fingerprint(key)})"
    if message.kind is Kind.KEY_ROTATION:
        role = _role(predicate.get("role"), ROLES)
        old = ring.current[role]
        if message.author != key_name(old):
            raise Refused(f"a rotation is signed by the key it replaces ({key_name(old)})")
        ring._usable(role, key)
        ring.revoked.add(old)
        ring.current[role] = key
        ring._record(message, role, key, "rotated")
        return f"rotated {role}'s key to {fingerprint(key)}"
    return _revoke(ring, message, key)


def _revoke(ring: KeyRing, message: Message, key: str) -> str:
    role = _role(message.predicate.get("role"), ROLES)
    if role == "intermediary":
        raise Refused(
            "the intermediary's key is rotated, never revoked alone (a corridor needs it)"
        )
    if ring.current.get(role) == key:
        del ring.current[role]
    elif ring.pending.get(role) == key:
        del ring.pending[role]
    else:
        raise Refused(f"{key_name(key)} is not {role}'s key")
    ring.revoked.add(key)
    ring._record(message, role, key, "revoked")
    return f"revoked {role}'s key {fingerprint(key)}"


def opening_organisations(message: Message) -> dict[str, str]:
    """The organisations an opening names, by role (all three, each a non-empty text)."""
    organisations = message.predicate.get("organisations")
    if not isinstance(organisations, dict) or set(organisations) != set(ROLES):
        raise Refused(f"predicate.organisations must name the organisation of {', '.join(ROLES)}")
    for role, name in organisations.items():
        if not isinstance(name, str) or not name.strip():
            raise Refused(f"predicate.organisations.{role} must be the organisation's name")
    return dict(organisations)
