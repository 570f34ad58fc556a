"""Typed dependency aliases and the access guard every route declares.

``@router.get(path, **guard("positions.read"))`` refuses roles the access table does not list
(403 before the body is even looked at) and records the action in the OpenAPI operation
(``x-action``, ``x-roles``) so that docs and the access test read the same table.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from corridor.adapters.sql_unit_of_work import SqlUnitOfWork
from corridor.bootstrap import Service
from corridor.domain.access import ACCESS, Principal, allowed
from corridor.services.accounts import hash_token
from corridor.services.errors import Forbidden, NotAuthenticated

_bearer = HTTPBearer(auto_error=False, description="An API token issued by an admin")


# Dependencies are async on purpose: a sync one costs a hop to the thread pool per request.
async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_uow(service: ServiceDep) -> SqlUnitOfWork:
    return service.uow()


UowDep = Annotated[SqlUnitOfWork, Depends(get_uow)]


def _lookup(service: Service, key: str) -> Principal | None:
    with service.uow() as uow:
        found: Principal | None = uow.accounts.principal(key)
    return found


async def principal_for(service: Service, token: str) -> Principal | None:
    """The holder of ``token``, or None when it is unknown or revoked."""
    key = hash_token(service.settings.token_secret, token)
    who = service.principals.get(key)
    if who is None:
        who = await run_in_threadpool(_lookup, service, key)
        if who is not None:
            service.principals.put(key, who)
    return who


async def current_principal(
    service: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated()
    who = await principal_for(service, credentials.credentials)
    if who is None:
        raise NotAuthenticated("the bearer token is unknown or revoked")
    return who


async def scope_authenticated(scope: Scope) -> bool:
    """Whether a raw request carries a known bearer token (for middleware that answers before
    the routes: a caller without one gets 401 whatever its body holds)."""
    header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    service: Service = scope["app"].state.service
    return await principal_for(service, token.strip()) is not None


Who = Annotated[Principal, Depends(current_principal)]


class Allow:
    def __init__(self, action: str) -> None:
        if action not in ACCESS:
            raise KeyError(f"action {action!r} is not in the access table")
        self.action = action

    async def __call__(self, who: Who) -> Principal:
        if not allowed(who.role, self.action):
            raise Forbidden(who.role.value, self.action)
        return who


def guard(action: str) -> dict[str, Any]:
    """Route keyword arguments that enforce and document one action of the access table."""
    return {
        "dependencies": [Depends(Allow(action))],
        "openapi_extra": {"x-action": action, "x-roles": sorted(r.value for r in ACCESS[action])},
    }
