"""Proposal drafts, private to their author's side until sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from corridor.entrypoints.http.deps import UowDep, Who, guard
from corridor.entrypoints.http.schemas import DraftIn, IdPath
from corridor.services import drafts

router = APIRouter(prefix="/v1/drafts", tags=["agreement"])


@router.post("", status_code=201, **guard("drafts.write"))
def create(body: DraftIn, who: Who, uow: UowDep) -> dict[str, int]:
    """A new draft for your side; nobody else reads it until you send it."""
    return {"id": drafts.create(uow, who, body.title, body.body)}


@router.get("", **guard("drafts.read"))
def list_visible(who: Who, uow: UowDep) -> list[dict[str, Any]]:
    """Drafts of your own side, and every draft that was sent."""
    return drafts.list_visible(uow, who)


@router.get("/{draft_id}", **guard("drafts.read"))
def get(draft_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """One draft (404 when it is another side's unsent draft)."""
    return drafts.get(uow, who, draft_id)


@router.put("/{draft_id}", status_code=204, **guard("drafts.write"))
def update(draft_id: IdPath, body: DraftIn, who: Who, uow: UowDep) -> None:
    """Change your side's draft while it is unsent."""
    drafts.update(uow, who, draft_id, body.title, body.body)


@router.post("/{draft_id}/send", status_code=204, **guard("drafts.write"))
def send(draft_id: IdPath, who: Who, uow: UowDep) -> None:
    """Share the draft with every role that reads the agreement."""
    drafts.send(uow, who, draft_id)
