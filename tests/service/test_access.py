"""Every role against every route: the access table is what the server enforces."""

from __future__ import annotations

import re
from typing import Any

from corridor.domain.access import ACCESS, Role

from .conftest import PEOPLE, Api

PUBLIC = {("GET", "/v1/health"), ("GET", "/v1/clock")}


def guarded_routes(api: Api) -> list[tuple[str, str, str]]:
    """(method, path, action) of every operation in the OpenAPI schema but the public ones."""
    out = []
    for path, operations in api.client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, op in operations.items():
            if (method.upper(), path) in PUBLIC or op.get("x-public"):
                continue  # public on purpose: the announcements the public reads
            action = op.get("x-action")
            assert action, f"{method} {path} declares no action of the access table"
            assert op["x-roles"] == sorted(r.value for r in ACCESS[action])
            out.append((method.upper(), path, action))
    return out


def call(api: Api, who: str | None, method: str, path: str) -> Any:
    url = re.sub(r"\{[^}]+\}", "999999", path)  # nothing real: the walk must not revoke or change
    params = {"idle_close": "0.05"} if path == "/v1/events" else None
    headers = api.h(who) if who else {}
    body = None if method in {"GET", "DELETE"} else {}
    return api.client.request(method, url, json=body, headers=headers, params=params)


def test_every_route_names_an_action_of_the_table(sqlite_api: Api) -> None:
    routes = guarded_routes(sqlite_api)
    assert len(routes) >= 30
    used = {a for _, _, a in routes}
    assert used <= set(ACCESS)
    # Every action of the table guards at least one route (no dead rows in the docs).
    assert set(ACCESS) - used == set()


def test_every_role_against_every_route(sqlite_api: Api) -> None:
    api = sqlite_api
    who_for_role = {Role.ADMIN: "admin"} | {role: name for name, (role, _) in PEOPLE.items()}
    checked = 0
    for method, path, action in guarded_routes(api):
        for role, who in who_for_role.items():
            r = call(api, who, method, path)
            assert r.status_code < 500, (role, method, path, r.text)
            if role in ACCESS[action]:
                assert r.status_code != 403, f"{role} was refused {method} {path}: {r.text}"
            else:
                assert r.status_code == 403, f"{role} got {r.status_code} on {method} {path}"
                problem = r.json()
                assert problem["errors"][0] == {
                    "field": "role",
                    "value": role.value,
                    "problem": f"may not {action}",
                }
            checked += 1
    assert checked >= 30 * len(who_for_role)


def test_no_token_no_access(sqlite_api: Api) -> None:
    for method, path, _ in guarded_routes(sqlite_api):
        r = call(sqlite_api, None, method, path)
        assert r.status_code == 401, (method, path)
        assert r.headers["content-type"] == "application/problem+json"
    r = sqlite_api.client.get("/v1/me", headers={"Authorization": "Bearer cor_not-a-token"})
    assert r.status_code == 401
    assert "unknown or revoked" in r.json()["detail"]


def test_revoked_token_stops_working(sqlite_api: Api) -> None:
    api = sqlite_api
    issued = api.post("admin", f"/v1/users/{api.user_ids['observer']}/tokens", {"label": "tablet"})
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    r = api.client.delete(f"/v1/tokens/{issued.json()['token_id']}", headers=api.h("admin"))
    assert r.status_code == 204
    api.service.principals.clear()  # the cache would let it live for a few more seconds
    assert api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_tokens_are_stored_only_as_hashes(sqlite_api: Api) -> None:
    from sqlalchemy import select

    from corridor.adapters import orm

    with sqlite_api.service.engine.connect() as conn:
        stored = [r.token_hash for r in conn.execute(select(orm.tokens))]
    for token in sqlite_api.tokens.values():
        assert token not in stored
        assert all(token not in h for h in stored)
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in stored)
