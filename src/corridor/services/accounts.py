"""Organisations, users and API tokens. Tokens are shown once and stored only as HMAC hashes.

A driver is bound to one vehicle, as a Traccar Client device is: while a plan is in force
(:func:`corridor.services.operation_scope.scope_of`) a new driver's vehicle must be one of the
plan's, since every position reported for another is refused. An account or a device bound
before the first plan, or under an earlier version, is not refused when a new version lacks its
vehicle; the lists say so per entry (:func:`with_vehicle_in_plan`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal, Role, allowed
from corridor.errors import InputError
from corridor.services.errors import Forbidden, NotAuthenticated, NotFound
from corridor.services.operation_scope import scope_of

if TYPE_CHECKING:
    from corridor.services.operation_scope import Scope
    from corridor.services.unit_of_work import UnitOfWork

TOKEN_PREFIX = "cor_"


def hash_token(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class IssuedToken:
    user_id: int
    token_id: int
    token: str


def require(who: Principal, action: str) -> None:
    if not allowed(who.role, action):
        raise Forbidden(who.role.value, action)


def authenticate(uow: UnitOfWork, secret: str, token: str | None) -> Principal:
    if not token:
        raise NotAuthenticated()
    with uow:
        who = uow.accounts.principal(hash_token(secret, token))
    if who is None:
        raise NotAuthenticated("the bearer token is unknown or revoked")
    principal: Principal = who
    return principal


def bootstrap_admin(
    uow: UnitOfWork, secret: str, organisation: str = "intermediary"
) -> IssuedToken | None:
    """On first run, create an admin and return its token (to print once); None afterwards."""
    with uow:
        if uow.accounts.count_admins():
            return None
        org = uow.accounts.organisation_by_name(organisation) or uow.accounts.add_organisation(
            organisation
        )
        user = uow.accounts.add_user(org, "admin", Role.ADMIN, None)
        token = new_token()
        token_id = uow.accounts.add_token(user, hash_token(secret, token), "bootstrap")
        uow.audit.add(None, "accounts.bootstrap", f"user:{user}", {"organisation": organisation})
        uow.commit()
    return IssuedToken(user, token_id, token)


def create_organisation(uow: UnitOfWork, who: Principal, name: str) -> int:
    require(who, "accounts.manage")
    with uow:
        if uow.accounts.organisation_by_name(name) is not None:
            raise InputError("name", f"an organisation named {name!r} exists already")
        org = int(uow.accounts.add_organisation(name))
        uow.audit.add(who, "accounts.organisation", f"organisation:{org}", {"name": name})
        uow.commit()
    return org


def create_user(
    uow: UnitOfWork,
    who: Principal,
    organisation_id: int,
    name: str,
    role: Role,
    vehicle: str | None,
) -> IssuedToken:
    """A user and a first token for it. A driver's vehicle, while a plan is in force, is one of
    the plan's (else :class:`InputError` naming ``vehicle``, nothing stored)."""
    require(who, "accounts.manage")
    if role is Role.DRIVER and not vehicle:
        raise InputError("vehicle", "a driver needs the vehicle it drives (got None)")
    if role is not Role.DRIVER and vehicle:
        raise InputError("vehicle", f"only a driver is bound to a vehicle (got {vehicle!r})")
    with uow:
        if not uow.accounts.organisation_exists(organisation_id):
            raise NotFound("organisation", organisation_id)
        if vehicle and in_plan(scope_of(uow), vehicle) is False:
            raise InputError(
                "vehicle",
                f"{vehicle!r} is not a vehicle of the operation's plan: a driver drives one of its "
                "vehicles (as its trip sheets name them, DEPOT/TYPE/k), or every position it "
                "reports is refused",
                vehicle,
            )
        user = int(uow.accounts.add_user(organisation_id, name, role, vehicle))
        token = new_token()
        token_id = int(uow.accounts.add_token(user, hash_token(_secret(uow), token), "first"))
        uow.audit.add(who, "accounts.user", f"user:{user}", {"role": role.value, "name": name})
        uow.commit()
    return IssuedToken(user, token_id, token)


def list_users(uow: UnitOfWork, who: Principal) -> list[dict[str, Any]]:
    """Every user with role and vehicle (never tokens), and whether the vehicle is one of the
    plan in force (:func:`with_vehicle_in_plan`)."""
    require(who, "accounts.manage")
    with uow:
        return with_vehicle_in_plan(uow, uow.accounts.list_users())


def in_plan(scope: Scope | None, vehicle: str | None) -> bool | None:
    """Whether ``vehicle`` is one of the operation's; None with no plan in force (nothing to
    check against) or no vehicle."""
    if scope is None or not vehicle:
        return None
    return vehicle in scope.vehicles


def with_vehicle_in_plan(uow: UnitOfWork, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row (a user's, a device's: its ``vehicle``) with ``vehicle_in_plan``
    (:func:`in_plan`, in the caller's open transaction): false for one bound before the plan in
    force whose vehicle that plan lacks, every report of which is refused."""
    scope = scope_of(uow)
    return [{**r, "vehicle_in_plan": in_plan(scope, r.get("vehicle"))} for r in rows]


def issue_token(uow: UnitOfWork, who: Principal, user_id: int, label: str) -> IssuedToken:
    require(who, "accounts.manage")
    with uow:
        if uow.accounts.user(user_id) is None:
            raise NotFound("user", user_id)
        token = new_token()
        token_id = int(uow.accounts.add_token(user_id, hash_token(_secret(uow), token), label))
        uow.audit.add(
            who, "accounts.token", f"user:{user_id}", {"token_id": token_id, "label": label}
        )
        uow.commit()
    return IssuedToken(user_id, token_id, token)


def revoke_token(uow: UnitOfWork, who: Principal, token_id: int) -> None:
    require(who, "accounts.manage")
    with uow:
        if not uow.accounts.revoke_token(token_id):
            raise NotFound("active token", token_id)
        uow.audit.add(who, "accounts.revoke", f"token:{token_id}", {})
        uow.commit()


def _secret(uow: UnitOfWork) -> str:
    if not uow.token_secret:
        raise RuntimeError("the unit of work carries no token secret")
    return uow.token_secret
