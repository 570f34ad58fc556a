"""Corridors (replayed from the log), signed envelopes, and the log itself.

Parties sign on their own machines and post the DSSE envelope bytes; the server verifies the
signatures against the keys the log registered for the claimed author, that the token's holder
speaks for that author (a party's liaison, or the coordinator for the intermediary), that the
message makes sense now, and appends the exact bytes to the log. A fault of the log (its write
lock not had in time, its tiles not written) is a 503 with ``Retry-After``, never a refusal.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from corridor.adapters.log_tables import LogBusy
from corridor.domain.agreement import LogState
from corridor.entrypoints.http.deps import ServiceDep, Who, guard
from corridor.entrypoints.http.problems import Problem, problem_response
from corridor.entrypoints.http.responses import CorridorListed, CorridorOut, DiffOut
from corridor.entrypoints.http.schemas import IdPath
from corridor.services.corridor_view import check_draft, describe_corridor, version_diff
from corridor.services.log import LogUnavailable

router = APIRouter(prefix="/v1", tags=["agreement"])
Index = Annotated[int, Query(ge=0, le=2**62)]

ENVELOPE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "a DSSE envelope (payloadType, payload, signatures), as signed",
                    "required": ["payloadType", "payload", "signatures"],
                    "properties": {
                        "payloadType": {"type": "string"},
                        "payload": {"type": "string"},
                        "signatures": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "keyid": {"type": "string"},
                                    "sig": {"type": "string"},
                                },
                            },
                        },
                    },
                }
            }
        },
    }
}


UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Problem,
        "description": "The log could not do it now (busy, or its files could not be written); "
        "nothing was stored: retry after Retry-After seconds (the same bytes are never logged "
        "twice).",
    }
}


def unavailable(request: Request, exc: LogBusy | LogUnavailable) -> JSONResponse:
    """A fault of the log, answered as a fault: 503, its own problem type, Retry-After."""
    if isinstance(exc, LogBusy):
        kind, title, seconds = "log-busy", "The log is busy", 1
    else:
        kind, title, seconds = "log-unavailable", "The log is unavailable", exc.retry_after
    return problem_response(
        request, 503, kind, title, str(exc), headers={"Retry-After": str(seconds)}
    )


class SubmitOut(BaseModel):
    index: int
    kind: str
    corridor: str
    author: str
    payload_sha256: str
    duplicate: bool


class CosignIn(BaseModel):
    note: Annotated[
        str, Field(min_length=1, max_length=20_000, description="the cosigned checkpoint")
    ]
    witness_key: Annotated[
        str, Field(min_length=1, max_length=500, description="your verifier key")
    ]


@router.get("/corridors", response_model=list[CorridorListed], **guard("agreement.read"))
def list_corridors(service: ServiceDep) -> list[dict[str, Any]]:
    """Every corridor in the log: status, readiness and what is missing."""
    keys = ("id", "as_of", "status", "description", "ready", "latest", "missing", "window")
    now = service.clock()

    def listed(log: LogState) -> list[dict[str, Any]]:
        described = (describe_corridor(state, now) for state in log.corridors.values())
        return [{k: d[k] for k in keys} for d in described]

    return service.log.read(listed)


@router.get("/corridors/{corridor}", response_model=CorridorOut, **guard("agreement.read"))
def get_corridor(corridor: str, service: ServiceDep) -> dict[str, Any]:
    """Versions, who accepted which, ceasefire confirmations and the readiness checklist."""
    now = service.clock()
    return service.log.corridor(corridor, lambda state: describe_corridor(state, now))


@router.get("/corridors/{corridor}/diff", response_model=DiffOut, **guard("agreement.read"))
def corridor_diff(
    corridor: str,
    service: ServiceDep,
    first: Annotated[int, Query(alias="from", ge=1, le=10_000)],
    second: Annotated[int, Query(alias="to", ge=1, le=10_000)],
) -> dict[str, Any]:
    """What changed between two versions, one sentence per term."""
    lines = service.log.corridor(corridor, lambda state: version_diff(state, first, second))
    return {"corridor": corridor, "from": first, "to": second, "changes": lines}


class DraftIn(BaseModel):
    document: Annotated[dict[str, Any], Field(description="the terms of the next version")]


class DraftProblem(BaseModel):
    field: str
    problem: str


class DraftOut(BaseModel):
    corridor: str | None = None
    version: int | None = None
    supersedes: str | None = None
    problems: list[DraftProblem]
    changes: list[str] = []


@router.post(
    "/corridors/{corridor}/drafts/check", response_model=DraftOut, **guard("agreement.read")
)
def check_corridor_draft(corridor: str, body: DraftIn, service: ServiceDep) -> dict[str, Any]:
    """Check a draft next version as the CLI would, and what it changes; nothing is stored.

    The same checks as ``corridor agreement propose``/``counter`` (each problem names its field
    and value); the liaison's desk shows this before the officer signs."""
    return service.log.corridor(corridor, lambda state: check_draft(state, body.document))


@router.post(
    "/agreement/envelopes",
    openapi_extra={**ENVELOPE_BODY, **guard("agreement.submit")["openapi_extra"]},
    dependencies=guard("agreement.submit")["dependencies"],
    response_model=SubmitOut,
    responses=UNAVAILABLE,
)
async def submit_envelope(
    request: Request, who: Who, service: ServiceDep
) -> SubmitOut | JSONResponse:
    """Append a message its author signed (proposal, counter, acceptance, confirmation, ...)."""
    raw = await request.body()

    def work() -> SubmitOut:
        # audited and its event published with its group (services/log.py)
        result, _ = service.log.submit(raw, who)
        return SubmitOut(
            index=result.index,
            kind=result.kind.value,
            corridor=result.corridor,
            author=result.author,
            payload_sha256=result.payload_sha256,
            duplicate=result.duplicate,
        )

    try:
        return await run_in_threadpool(work)
    except (LogBusy, LogUnavailable) as exc:
        return unavailable(request, exc)


@router.get("/log/checkpoint", response_class=PlainTextResponse, **guard("log.read"))
def checkpoint(service: ServiceDep) -> PlainTextResponse:
    """The latest C2SP checkpoint (signed note) with every witness cosignature stored."""
    return PlainTextResponse(service.log.checkpoint().decode())


@router.post(
    "/log/checkpoint",
    response_class=PlainTextResponse,
    responses=UNAVAILABLE,
    **guard("agreement.submit"),
)
def sign_checkpoint(request: Request, service: ServiceDep) -> Response:
    """Have the log sign a checkpoint of its current size, once its tiles are written."""
    try:
        return PlainTextResponse(service.log.sign_checkpoint().decode())
    except (LogBusy, LogUnavailable) as exc:
        return unavailable(request, exc)


@router.get("/log/key", response_class=PlainTextResponse, **guard("log.read"))
def log_key(service: ServiceDep) -> PlainTextResponse:
    """The log's verifier key: what a client needs, with the C2SP specs, to verify it."""
    return PlainTextResponse(service.log.key.verifier().text() + "\n")


@router.get("/log/witnesses", **guard("log.read"))
def witnesses(service: ServiceDep) -> list[dict[str, Any]]:
    """Registered witnesses (each party's confirmed key), with the C2SP cosigner key."""
    return service.log.witness_keys()


@router.get(
    "/log/witnesses/{key_id}/checkpoint", response_class=PlainTextResponse, **guard("log.read")
)
def witness_checkpoint(
    key_id: Annotated[str, Path(pattern="^[0-9a-fA-F]{8}$")], service: ServiceDep
) -> PlainTextResponse:
    """The newest checkpoint the witness with this cosigner key ID (hex) cosigned."""
    return PlainTextResponse(service.log.witness_checkpoint(key_id).decode())


@router.post("/log/cosignatures", status_code=204, **guard("log.cosign"))
def cosign(body: CosignIn, who: Who, service: ServiceDep) -> None:
    """A party, as witness, hands back the checkpoint it cosigned."""
    service.log.cosign(body.note.encode(), body.witness_key, who.party)


@router.get("/log/entries", **guard("log.read"))
def entries(
    service: ServiceDep, start: Index = 0, end: Annotated[int, Query(ge=0, le=2**62)] = 2**62
) -> dict[str, Any]:
    """Entries ``start`` ≤ i < ``end`` (at most 1000), each the base64 of the envelope bytes."""
    end = min(end, start + 1000)
    return {"start": start, "entries": service.log.entries(start, end)}


@router.get("/log/entries/{index}", **guard("log.read"))
def entry(index: IdPath, service: ServiceDep) -> Response:
    """One entry's exact bytes."""
    return Response(service.log.entry(index), media_type="application/json")


@router.get("/log/proof/inclusion", **guard("log.read"))
def inclusion(
    service: ServiceDep, index: Index, size: Annotated[int | None, Query(ge=1, le=2**62)] = None
) -> dict[str, Any]:
    """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` (default: all)."""
    return service.log.inclusion(index, size)


@router.get("/log/proof/consistency", **guard("log.read"))
def consistency(
    service: ServiceDep,
    first: Annotated[int, Query(ge=1, le=2**62)],
    second: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> dict[str, Any]:
    """RFC 9162 consistency proof between tree sizes ``first`` and ``second``."""
    return service.log.consistency(first, second)


@router.get("/log/tile/{path:path}", **guard("log.read"))
def tile(path: str, service: ServiceDep) -> Response:
    """C2SP tlog-tiles files (``tile/<L>/<N>``, ``tile/entries/<N>``) of the latest checkpoint."""
    return Response(service.log.tile("tile/" + path), media_type="application/octet-stream")
