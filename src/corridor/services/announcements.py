"""Public announcements: the coordinator publishes one CAP 1.2 message per public change.

The changes come from replaying the signed log (:class:`~corridor.publishing.public_state.
PhaseTracker`), never from anyone's say-so: a corridor is announced only once both parties
signed its terms and confirmed the ceasefire. Publishing is idempotent: a change already
published (same corridor, same log entry) is not published again, and the store checks every
message against the official CAP 1.2 schema before it keeps it. Stored messages never change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from corridor.domain.agreement import LogState
from corridor.i18n import translators
from corridor.publishing.cap import (
    Reference,
    cap_message,
    cap_time,
    identifier_for,
)
from corridor.publishing.public_state import Change, PhaseTracker
from corridor.publishing.texts import info_text
from corridor.services.accounts import require
from corridor.services.errors import NotFound
from corridor.services.public_facts import facts_for

if TYPE_CHECKING:
    from corridor.domain.access import Principal
    from corridor.services.unit_of_work import UnitOfWork


def timeline(entries: Iterable[bytes]) -> tuple[LogState, list[Change]]:
    """Replay the log's entries (each authenticated, as every reader does) and list every
    change of a corridor's public state, in log order."""
    from corridor.services.entries import replayed

    entries = list(entries)
    state, tracker, changes = LogState(), PhaseTracker(), []
    for _, message, _ in replayed(state, entries, len(entries)):
        if message is None or message.corridor not in state.corridors:
            continue  # refused entries count for nothing, for the public too
        change = tracker.observe(state.corridors[message.corridor], message)
        if change is not None:
            changes.append(change)
    return state, changes


def publish(
    uow: UnitOfWork,
    who: Principal | None,
    entries: Iterable[bytes],
    now: dt.datetime,
    scenario_id: int | None = None,
) -> list[dict[str, Any]]:
    """Publish every change not yet published; returns the new messages (oldest first).

    ``who`` is None when the operator runs ``corridor announce`` on the server itself.
    """
    if who is not None:
        require(who, "announcements.publish")
    state, changes = timeline(entries)
    out: list[dict[str, Any]] = []
    with uow:
        store = uow.announcements
        for change in changes:
            if change.log_index <= store.last_index(change.corridor):
                continue
            earlier = [
                Reference(r["sender"], r["identifier"], r["sent"])
                for r in store.list(change.corridor)
            ]
            row = _message(uow, state, change, earlier, now, scenario_id)
            row["published_by"] = who.user_id if who else None
            store.add(row)
            out.append({k: row[k] for k in ("identifier", "corridor", "msg_type", "headline")})
            if who is not None:
                uow.audit.add(who, "announcements.publish", row["identifier"], {})
        uow.commit()
    return out


def _message(
    uow: UnitOfWork,
    state: LogState,
    change: Change,
    earlier: list[Reference],
    now: dt.datetime,
    scenario_id: int | None,
) -> dict[str, Any]:
    corridor = state.corridors[change.corridor]
    facts = facts_for(uow, corridor, scenario_id, (change.version, change.document))
    infos = [
        info_text(tr, change.kind, facts, change.reason)
        for tr in translators(facts.languages, "public.languages")
    ]
    xml = cap_message(
        change, infos, sender=facts.sender, sent=now, window=facts.window, references=earlier
    )
    return {
        "identifier": identifier_for(change),
        "corridor": change.corridor,
        "log_index": change.log_index,
        "change": change.kind.value,
        "msg_type": change.kind.msg_type,
        "sender": facts.sender,
        "sent": cap_time(now, ZoneInfo(facts.zone)),
        "headline": infos[0].headline,
        "xml": xml.decode(),
    }


def messages(uow: UnitOfWork, corridor: str | None = None) -> list[dict[str, Any]]:
    """Every published message, oldest first (public: no personal data in any of them)."""
    with uow:
        rows: list[dict[str, Any]] = uow.announcements.list(corridor)
    return rows


def message(uow: UnitOfWork, identifier: str) -> bytes:
    with uow:
        row = uow.announcements.get(identifier)
    if row is None:
        raise NotFound("announcement", identifier)
    return str(row["xml"]).encode()
