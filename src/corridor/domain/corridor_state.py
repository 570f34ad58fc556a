"""The state of each corridor, as the replay of its log leaves it, and what it means at a time.

``ready`` is true only when the parties' keys are confirmed, every term is present, both parties
accepted the same (latest) version, and both confirmed the ceasefire start; otherwise the
checklist says what is missing. Standard library only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from corridor.domain.keyring import KeyRing, fingerprint, key_name
from corridor.domain.proposal import PARTY_ROLES, ROLES, Doc, missing_terms, window_bounds
from corridor.domain.statement import Follows

LEAF = 32  # bytes of an RFC 9162 leaf hash


class Status(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    AGREED = "agreed"
    CONFIRMED = "confirmed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


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
    organisations: dict[str, str] = field(default_factory=dict)
    """role -> the organisation the intermediary's opening names for it."""
    keys: KeyRing = field(default_factory=KeyRing)
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

    @property
    def participants(self) -> dict[str, dict[str, Any]]:
        """Each role with a confirmed key: its key's name, the key, its organisation."""
        out: dict[str, dict[str, Any]] = {}
        for role in ROLES:
            key = self.keys.current.get(role)
            if key is not None:
                out[role] = {
                    "name": key_name(key),
                    "key": key,
                    "fingerprint": fingerprint(key),
                    "organisation": self.organisations.get(role),
                }
        return out

    def role_of(self, name: str) -> str | None:
        """The role whose confirmed key is named ``name``."""
        return self.keys.role_of_name(name)

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
            return f"closed (the window ended {local_time(bounds[1])})"
        if status is Status.DRAFT and not n:
            waiting = [r for r in PARTY_ROLES if r not in self.keys.current]
            if waiting:
                return f"draft (opened; awaiting the confirmed keys of {' and '.join(waiting)})"
            return "draft (opened; the keys are confirmed; no proposal yet)"
        words = {
            Status.DRAFT: f"draft (version {n} is incomplete)",
            Status.PROPOSED: f"proposed (version {n}), awaiting acceptance",
            Status.AGREED: f"agreed on version {n}, awaiting ceasefire confirmation",
            Status.CONFIRMED: f"ceasefire confirmed by both parties on version {n}",
            Status.ACTIVE: f"active (version {n})",
            Status.SUSPENDED: f"suspended by {(self.suspension or {}).get('author')}",
        }
        return words[status]

    def _key_items(self) -> list[CheckItem]:
        items = []
        for role in PARTY_ROLES:
            org = self.organisations.get(role, role)
            key = self.keys.current.get(role)
            if key is not None:
                items.append(CheckItem(True, f"{org} ({role}) key confirmed: {fingerprint(key)}"))
            elif role in self.keys.pending:
                text = f"{org} ({role}) key registered, not yet confirmed by its fingerprint"
                items.append(CheckItem(False, text))
            else:
                items.append(CheckItem(False, f"{org} ({role}) has registered no key"))
        return items

    def checklist(self, now: dt.datetime) -> list[CheckItem]:
        items = self._key_items()
        latest = self.latest
        if latest is None:
            return [*items, CheckItem(False, "no proposal has been made")]
        latest_text = f"version {latest.number} is the latest ({latest.hash[:16]}…)"
        items.append(CheckItem(True, latest_text))
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
            items.append(CheckItem(False, f"the window ended {local_time(bounds[1])}"))
        return items

    def ready(self, now: dt.datetime) -> bool:
        """Keys confirmed, every term present, both acceptances and confirmations of the latest
        version, not suspended, not withdrawn, and the window not over at ``now``."""
        return all(item.ok for item in self.checklist(now))

    def missing(self, now: dt.datetime) -> list[str]:
        return [item.text.strip() for item in self.checklist(now) if not item.ok]


def local_time(at: dt.datetime) -> str:
    """``2026-12-02 17:00 Europe/Kyiv``: a time as the corridor's own clock shows it."""
    return f"{at.strftime('%Y-%m-%d %H:%M')} {at.tzinfo}"


@dataclass
class LogState:
    corridors: dict[str, CorridorState] = field(default_factory=dict)
    refused: list[tuple[int, str]] = field(default_factory=list)
    """(log index, reason) of every entry that did not count."""
    leaves: bytearray = field(default_factory=bytearray)
    """The RFC 9162 leaf hash of every entry so far (counted or not), 32 bytes each."""
    payloads: dict[str, int] = field(default_factory=dict)
    """sha256 of each counted statement -> its entry: a statement counts once."""

    @property
    def size(self) -> int:
        return len(self.leaves) // LEAF

    def leaf(self, index: int) -> bytes:
        return bytes(self.leaves[index * LEAF : (index + 1) * LEAF])

    def note_entry(self, leaf: bytes) -> None:
        """Record the next entry's leaf hash (whether its message counted or not)."""
        assert len(leaf) == LEAF
        self.leaves += leaf

    def head(self) -> Follows | None:
        """What a statement made now follows: the last entry (None for an empty log)."""
        if not self.leaves:
            return None
        return Follows(self.size - 1, self.leaf(self.size - 1).hex())
