"""The public state of a corridor, as the signed log makes it, and its changes.

A corridor becomes public only when both parties have accepted the same complete version *and*
confirmed the ceasefire start (:attr:`CorridorState.confirmed`): what a party has not signed is
never announced. From then on each change of its public state is one :class:`Change`:

======================  =============================================  ========
change                  when                                           CAP
======================  =============================================  ========
``opened``              both parties confirmed the ceasefire start     Alert
``suspended``           an allowed participant signed a suspension     Update
``resumed``             both parties signed the resumption             Update
``terms_changed``       the version in force is no longer the one      Update
                        announced (both parties signed a new one)
``closed``              a participant withdrew a public corridor       Cancel
======================  =============================================  ========

A corridor withdrawn before it was ever public produces nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from corridor.domain.agreement import CorridorState, Message


class Phase(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class ChangeKind(StrEnum):
    OPENED = "opened"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    TERMS_CHANGED = "terms_changed"
    CLOSED = "closed"

    @property
    def msg_type(self) -> str:
        """The CAP ``msgType`` of a message announcing this change."""
        if self is ChangeKind.OPENED:
            return "Alert"
        if self is ChangeKind.CLOSED:
            return "Cancel"
        return "Update"


@dataclass(frozen=True)
class Change:
    """One change of a corridor's public state, caused by the log entry ``log_index``."""

    corridor: str
    kind: ChangeKind
    log_index: int
    signed_at: str
    """the ``at`` the causing message's author signed (an ISO time, their claim)."""
    version: int
    document: dict[str, Any]
    """the terms in force: the version both parties signed."""
    reason: str | None = None
    """for a suspension or a closure, the reason its author gave (may be None)."""


def phase_of(state: CorridorState) -> Phase | None:
    """The public phase of a corridor now; None while it is not public."""
    if state.withdrawal is not None:
        return Phase.CLOSED
    if not state.confirmed:
        return None
    return Phase.SUSPENDED if state.suspension is not None else Phase.OPEN


@dataclass
class _Seen:
    phase: Phase | None = None
    version: int = 0
    document: dict[str, Any] | None = None


class PhaseTracker:
    """Fed the corridor's state after each applied log message, says what became public."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}

    def observe(self, state: CorridorState, message: Message) -> Change | None:
        seen = self._seen.setdefault(state.corridor, _Seen())
        phase = phase_of(state)
        latest = state.latest
        if latest is None or seen.phase is Phase.CLOSED:
            return None
        if phase is Phase.CLOSED:
            if seen.phase is None or seen.document is None:
                seen.phase = Phase.CLOSED  # never public: nothing to cancel
                return None
            seen.phase = Phase.CLOSED
            reason = (state.withdrawal or {}).get("reason")
            return self._change(state, message, ChangeKind.CLOSED, seen, reason)
        if phase is None:
            return None
        kind: ChangeKind | None = None
        if seen.phase is None:
            kind = ChangeKind.OPENED
        elif seen.version != latest.number:
            kind = ChangeKind.TERMS_CHANGED
        elif seen.phase is Phase.OPEN and phase is Phase.SUSPENDED:
            kind = ChangeKind.SUSPENDED
        elif seen.phase is Phase.SUSPENDED and phase is Phase.OPEN:
            kind = ChangeKind.RESUMED
        seen.phase, seen.version, seen.document = phase, latest.number, latest.document
        if kind is None:
            return None
        reason = (state.suspension or {}).get("reason") if kind is ChangeKind.SUSPENDED else None
        return self._change(state, message, kind, seen, reason)

    @staticmethod
    def _change(
        state: CorridorState, message: Message, kind: ChangeKind, seen: _Seen, reason: Any
    ) -> Change:
        assert seen.document is not None
        return Change(
            corridor=state.corridor,
            kind=kind,
            log_index=message.index,
            signed_at=message.at,
            version=seen.version,
            document=seen.document,
            reason=reason if isinstance(reason, str) and reason.strip() else None,
        )
