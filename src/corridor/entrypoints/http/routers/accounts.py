"""Organisations, users, tokens, the caller itself, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.domain.access import ACCESS
from corridor.entrypoints.http.deps import ServiceDep, UowDep, Who, guard
from corridor.entrypoints.http.responses import ConfigOut, MeOut
from corridor.entrypoints.http.schemas import (
    IdPath,
    IssuedTokenOut,
    OrganisationIn,
    TokenIn,
    UserIn,
)
from corridor.services import accounts, registry

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.get("/me", response_model=MeOut, **guard("me.read"))
def me(who: Who) -> dict[str, Any]:
    """Who the token belongs to: role, party, vehicle, and the actions it may perform."""
    return {
        "user_id": who.user_id,
        "name": who.name,
        "role": who.role.value,
        "party": who.party,
        "vehicle": who.vehicle,
        "organisation_id": who.organisation_id,
        "may": sorted(a for a, roles in ACCESS.items() if who.role in roles),
    }


@router.get("/config", response_model=ConfigOut, **guard("me.read"))
def config(service: ServiceDep) -> dict[str, Any]:
    """What the dashboard needs to know: background tiles (if configured) and attribution."""
    return {
        "tiles_url": service.settings.tiles_url,
        "attribution": "© OpenStreetMap contributors",
    }


@router.post("/organisations", status_code=201, **guard("accounts.manage"))
def create_organisation(body: OrganisationIn, who: Who, uow: UowDep) -> dict[str, int]:
    """A new organisation."""
    return {"id": accounts.create_organisation(uow, who, body.name)}


@router.get("/organisations", **guard("accounts.manage"))
def list_organisations(uow: UowDep) -> list[dict[str, Any]]:
    """Every organisation."""
    with uow:
        return list(uow.accounts.list_organisations())


@router.post("/users", status_code=201, **guard("accounts.manage"))
def create_user(body: UserIn, who: Who, uow: UowDep) -> IssuedTokenOut:
    """A user with a role (a driver also with its vehicle) and its first token, shown once.
    While a plan is in force a driver's vehicle must be one of its vehicles (422 naming
    ``vehicle``, nothing stored)."""
    issued = accounts.create_user(
        uow, who, body.organisation_id, body.name, body.role, body.vehicle
    )
    return IssuedTokenOut(user_id=issued.user_id, token_id=issued.token_id, token=issued.token)


@router.get("/users", **guard("accounts.manage"))
def list_users(who: Who, uow: UowDep) -> list[dict[str, Any]]:
    """Every user with role and vehicle, and whether it is in the plan in force (never tokens).
    ``vehicle_in_plan`` is false for a driver created before the plan in force (or under an
    earlier version) for a vehicle that plan lacks: every position it reports is refused; null
    while no plan is in force or for a user with no vehicle."""
    return accounts.list_users(uow, who)


@router.post("/users/{user_id}/tokens", status_code=201, **guard("accounts.manage"))
def issue_token(user_id: IdPath, body: TokenIn, who: Who, uow: UowDep) -> IssuedTokenOut:
    """Another token for a user, shown once; only its hash is stored."""
    issued = accounts.issue_token(uow, who, user_id, body.label)
    return IssuedTokenOut(user_id=issued.user_id, token_id=issued.token_id, token=issued.token)


@router.delete("/tokens/{token_id}", status_code=204, **guard("accounts.manage"))
def revoke_token(token_id: IdPath, who: Who, uow: UowDep) -> None:
    """Revoke a token; it stops working on every worker within seconds."""
    accounts.revoke_token(uow, who, token_id)


@router.get("/audit", **guard("audit.read"))
def audit_log(
    who: Who,
    uow: UowDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Every read, export and purge of personal data, and every account change, oldest first."""
    return registry.audit_log(uow, who, after, limit)
