"""The evacuee registry: personal data for the humanitarian roles, counts for everyone else."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import AfterValidator

from corridor.adapters.crypto_fields import FieldDecryptionError
from corridor.entrypoints.http.deps import UowDep, Who, guard
from corridor.entrypoints.http.problems import problem_response
from corridor.entrypoints.http.responses import EvacueeOut, RegistrySummaryOut
from corridor.entrypoints.http.schemas import AssignIn, Created, EvacueeIn, IdPath, PurgeIn
from corridor.services import registry

log = logging.getLogger(__name__)


class RegistryRoute(APIRoute):
    """A stored personal field that does not decrypt is the server's fault, not the client's:
    its ``CORRIDOR_REGISTRY_KEY`` is not the key the data was stored with (a restore, a changed
    key). 500 naming the setting, never 400, never the data; nothing was read or changed."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except FieldDecryptionError as exc:
                return registry_key_problem(request, exc)

        return guarded


def registry_key_problem(request: Request, exc: FieldDecryptionError) -> Response:
    problem = (
        f"does not decrypt the stored personal field {exc.field!r}: it is not the key the "
        "registry was stored with (a restore, or a changed key?)"
    )
    log.error("CORRIDOR_REGISTRY_KEY %s (%s %s)", problem, request.method, request.url.path)
    return problem_response(
        request,
        500,
        "registry-key",
        "The server's registry key does not fit its data",
        f"CORRIDOR_REGISTRY_KEY {problem}; nothing was read or changed; the server's operator "
        "must start it with the key the registry was stored with",
        [{"field": "CORRIDOR_REGISTRY_KEY", "value": None, "problem": problem}],
    )


router = APIRouter(prefix="/v1/registry", tags=["registry"], route_class=RegistryRoute)


def _worded(value: str) -> str:
    """A purpose is words: not blank, no control character (the audit keeps it as given;
    PostgreSQL cannot store a NUL)."""
    if not value.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must say why in words: not blank, no control characters")
    return value


Purpose = Annotated[
    str,
    Query(min_length=3, max_length=200, description="why you read personal data; audited"),
    AfterValidator(_worded),
]


@router.post("/evacuees", **guard("registry.write"))
def register(body: EvacueeIn, who: Who, uow: UowDep, response: Response) -> Created:
    """Register one person (personal fields encrypted at rest); a retry changes nothing."""
    ident, created = registry.register(
        uow,
        who,
        client_id=body.client_id,
        household=body.household,
        people_class=body.people_class,
        gathering=body.gathering,
        personal={"name": body.name, "needs": body.needs, "contact": body.contact},
        vehicle=body.vehicle,
    )
    response.status_code = 201 if created else 200
    return Created(id=ident, created=created)


@router.get("/evacuees", response_model=list[EvacueeOut], **guard("registry.read"))
def list_people(
    who: Who,
    uow: UowDep,
    purpose: Purpose = "operation",
    vehicle: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> list[dict[str, Any]]:
    """Registered people with their personal fields (decrypted); audited with its purpose."""
    return registry.list_people(uow, who, vehicle, purpose)


@router.get("/evacuees/{evacuee_id}", **guard("registry.read"))
def read(
    evacuee_id: IdPath, who: Who, uow: UowDep, purpose: Purpose = "operation"
) -> dict[str, Any]:
    """One person's record with personal fields; audited with its purpose."""
    return registry.read(uow, who, evacuee_id, purpose)


@router.get("/export", **guard("registry.export"))
def export(who: Who, uow: UowDep, purpose: Purpose) -> list[dict[str, Any]]:
    """Every record with personal fields, for a handover; audited as an export."""
    return registry.list_people(uow, who, None, purpose, export=True)


@router.put("/evacuees/{evacuee_id}/vehicle", **guard("registry.write"))
def assign(evacuee_id: IdPath, body: AssignIn, who: Who, uow: UowDep) -> dict[str, Any]:
    """Put a person on a vehicle's manifest (``null``: off every manifest); audited. A driver
    boards by name only the people on its own vehicle's manifest."""
    return registry.assign_vehicle(uow, who, evacuee_id, body.vehicle)


@router.get("/summary", response_model=RegistrySummaryOut, **guard("counts.read"))
def summary(who: Who, uow: UowDep) -> dict[str, Any]:
    """Counts by class, gathering point, vehicle and status: no names."""
    return registry.summary(uow, who)


@router.get("/policy", **guard("counts.read"))
def policy() -> list[dict[str, Any]]:
    """Each personal field's purpose, owner role and retention."""
    return registry.fields_policy()


@router.post("/purge", **guard("registry.purge"))
def purge(body: PurgeIn, who: Who, uow: UowDep) -> dict[str, int]:
    """Erase personal fields past their expiry (also `corridor registry purge`); ``as_of`` never
    in the future; ``dry_run`` counts without erasing."""
    return registry.purge(uow, who, body.as_of, dry_run=body.dry_run)


manifests_router = APIRouter(prefix="/v1/manifests", tags=["operation"], route_class=RegistryRoute)


@manifests_router.get("/people", **guard("manifests.read"))
def manifest_people(
    who: Who,
    uow: UowDep,
    vehicle: Annotated[str, Query(min_length=1, max_length=200)],
    purpose: Purpose = "boarding and arrival checks",
) -> list[dict[str, Any]]:
    """Who is (to be) aboard one vehicle, with names; audited. A driver: its own vehicle only."""
    return registry.manifest_people(uow, who, vehicle, purpose)
