"""Proposal drafts: private to the party (or the intermediary) writing them until sent.

A draft is a working copy of corridor terms. It is not part of the agreement: the agreement
starts when a party posts an envelope it signed (corridor.services.agreement). Until a draft is
marked sent, nobody outside its author's side reads it, not even the intermediary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal, Role
from corridor.domain.operations import Event
from corridor.services.accounts import require
from corridor.services.errors import Conflict, NotFound

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork

INTERMEDIARY = "I"


def side(who: Principal) -> str:
    return who.party or INTERMEDIARY


def _visible(who: Principal, draft: dict[str, Any]) -> bool:
    return draft["party"] == side(who) or draft["sent_at"] is not None


def create(uow: UnitOfWork, who: Principal, title: str, body: dict[str, Any]) -> int:
    require(who, "drafts.write")
    with uow:
        ident = int(uow.drafts.add(side(who), title, body, who.user_id))
        uow.commit()
    return ident


def get(uow: UnitOfWork, who: Principal, draft_id: int) -> dict[str, Any]:
    require(who, "drafts.read")
    with uow:
        d = uow.drafts.get(draft_id)
    if d is None or not _visible(who, d):
        # The same answer for "absent" and "someone else's": a draft's existence is private too.
        raise NotFound("draft", draft_id)
    return dict(d)


def list_visible(uow: UnitOfWork, who: Principal) -> list[dict[str, Any]]:
    require(who, "drafts.read")
    with uow:
        return [d for d in uow.drafts.list() if _visible(who, d)]


def update(
    uow: UnitOfWork, who: Principal, draft_id: int, title: str, body: dict[str, Any]
) -> None:
    require(who, "drafts.write")
    with uow:
        d = uow.drafts.get(draft_id)
        if d is None or d["party"] != side(who):
            raise NotFound("draft", draft_id)
        if d["sent_at"] is not None:
            raise Conflict(f"drafts/{draft_id}", "was sent already and can no longer change")
        uow.drafts.set_fields(draft_id, title=title, body=body)
        uow.commit()


def send(uow: UnitOfWork, who: Principal, draft_id: int) -> None:
    """Share a draft with everyone who may read the agreement."""
    require(who, "drafts.write")
    with uow:
        d = uow.drafts.get(draft_id)
        if d is None or d["party"] != side(who):
            raise NotFound("draft", draft_id)
        if d["sent_at"] is None:
            uow.drafts.set_fields(draft_id, sent_at=uow.clock())
            uow.emit(
                Event("agreement", {"draft": draft_id, "sent_by": side(who), "title": d["title"]})
            )
        uow.commit()


__all__ = ["INTERMEDIARY", "Role", "create", "get", "list_visible", "send", "update"]
