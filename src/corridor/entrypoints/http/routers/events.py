"""Server-Sent Events: what changed, filtered by the caller's role, from every worker.

A client that reconnects with ``Last-Event-ID`` first gets what it missed (from the outbox
table), then live events. Events never carry personal data.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from corridor.bootstrap import Service
from corridor.domain.access import Principal, sees_event
from corridor.domain.operations import Event
from corridor.entrypoints.http.deps import ServiceDep, Who, guard

router = APIRouter(prefix="/v1", tags=["events"])
KEEPALIVE_S = 15.0


def _frame(e: Event) -> str:
    data = json.dumps(e.data, default=str, separators=(",", ":"))
    return f"id: {e.id}\nevent: {e.topic}\ndata: {data}\n\n"


def _missed(service: Service, after: int) -> list[Event]:
    with service.uow() as uow:
        return list(uow.events.since(after, 5000))


async def _stream(
    service: Service, who: Principal, last_id: int | None, topics: set[str] | None, idle: float
) -> AsyncIterator[str]:
    sub = service.bus.subscribe()
    sent: deque[int] = deque(maxlen=2000)

    def wanted(e: Event) -> bool:
        if e.id in sent or (topics and e.topic not in topics):
            return False
        return sees_event(who, e.topic, e.vehicle, e.party)

    try:
        yield "retry: 2000\n\n"
        if last_id is not None:
            for e in await run_in_threadpool(_missed, service, last_id):
                if wanted(e):
                    sent.append(e.id or 0)
                    yield _frame(e)
        while not sub.overflowed:
            try:
                e = await asyncio.wait_for(sub.queue.get(), idle or KEEPALIVE_S)
            except TimeoutError:
                if idle:
                    return
                yield ": keep-alive\n\n"
                continue
            if wanted(e):
                sent.append(e.id or 0)
                yield _frame(e)
        # Too far behind: end the stream; the client reconnects with Last-Event-ID.
    finally:
        service.bus.unsubscribe(sub)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "an event stream"}},
    **guard("events.read"),
)
async def events(
    who: Who,
    service: ServiceDep,
    last_event_id: Annotated[str | None, Header(max_length=20, pattern=r"^\d+$")] = None,
    after: Annotated[
        int | None, Query(ge=0, le=2**62, description="replay events after this id")
    ] = None,
    topics: Annotated[
        str | None, Query(max_length=200, description="comma-separated: positions,checkins,...")
    ] = None,
    idle_close: Annotated[
        float, Query(ge=0, le=3600, description="end the stream after this many idle seconds")
    ] = 0.0,
) -> StreamingResponse:
    """Server-Sent Events of what changed (positions, check-ins, agreement, incidents,
    plans), filtered by role; ``Last-Event-ID`` or ``after`` replays what was missed."""
    start = int(last_event_id) if last_event_id is not None else after
    wanted = {t.strip() for t in topics.split(",") if t.strip()} if topics else None
    return StreamingResponse(
        _stream(service, who, start, wanted, idle_close),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
