"""The evacuee registry: personal data for the humanitarian roles, counts for everyone else."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from corridor.entrypoints.http.deps import UowDep, Who, guard
from corridor.entrypoints.http.responses import EvacueeOut, RegistrySummaryOut
from corridor.entrypoints.http.schemas import AssignIn, Created, EvacueeIn, IdPath, PurgeIn
from corridor.services import registry

router = APIRouter(prefix="/v1/registry", tags=["registry"])
Purpose = Annotated[
    str, Query(min_length=3, max_length=200, description="why you read personal data; audited")
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


manifests_router = APIRouter(prefix="/v1/manifests", tags=["operation"])


@manifests_router.get("/people", **guard("manifests.read"))
def manifest_people(
    who: Who,
    uow: UowDep,
    vehicle: Annotated[str, Query(min_length=1, max_length=200)],
    purpose: Purpose = "boarding and arrival checks",
) -> list[dict[str, Any]]:
    """Who is (to be) aboard one vehicle, with names; audited. A driver: its own vehicle only."""
    return registry.manifest_people(uow, who, vehicle, purpose)
