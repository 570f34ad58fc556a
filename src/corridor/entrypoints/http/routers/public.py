"""Public announcements: CAP 1.2 messages and their Atom feed (no token), and publishing them.

The feed and the messages are public on purpose (``x-public`` in the OpenAPI operation): they
say only what both parties signed, and never a name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from corridor.entrypoints.http.deps import ServiceDep, Who, guard
from corridor.publishing.cap import ATOM_CONTENT_TYPE, CAP_CONTENT_TYPE, feed_of
from corridor.services import announcements

router = APIRouter(prefix="/v1", tags=["public"])
PUBLIC = {"openapi_extra": {"x-public": True}}
Identifier = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,200}$")]


class PublishIn(BaseModel):
    scenario_id: Annotated[int | None, Field(ge=1, le=2**62)] = None


class Published(BaseModel):
    identifier: str
    corridor: str
    msg_type: str
    headline: str


@router.get("/public/alerts.atom", response_class=Response, **PUBLIC)
def alerts_feed(request: Request, service: ServiceDep) -> Response:
    """The Atom feed of every published CAP message, newest first (public, no token)."""
    here = str(request.url_for("alerts_feed"))
    base = here.rsplit("/", 1)[0] + "/alerts"
    rows = announcements.messages(service.uow())
    body = feed_of(rows, base, now=service.clock(), self_url=here)
    return Response(body, media_type=ATOM_CONTENT_TYPE)


@router.get("/public/alerts/{identifier}.xml", response_class=Response, **PUBLIC)
def alert(identifier: Identifier, service: ServiceDep) -> Response:
    """One CAP 1.2 message at its stable URL (public, no token)."""
    body = announcements.message(service.uow(), identifier)
    return Response(body, media_type=CAP_CONTENT_TYPE)


# A feed reader or a cache asks HEAD before it fetches; the answer is the GET's without its
# body (the server drops it). Kept out of the OpenAPI document, which lists what GET does.
router.head("/public/alerts.atom", include_in_schema=False)(alerts_feed)
router.head("/public/alerts/{identifier}.xml", include_in_schema=False)(alert)


@router.post("/announcements", **guard("announcements.publish"))
async def publish(body: PublishIn, who: Who, service: ServiceDep) -> list[Published]:
    """Publish a CAP message for each change of a corridor's public state not yet published."""

    def work() -> list[Published]:
        entries = service.log.store.entries(0, service.log.store.size)
        done = announcements.publish(service.uow(), who, entries, service.clock(), body.scenario_id)
        return [Published(**d) for d in done]

    return await run_in_threadpool(work)
