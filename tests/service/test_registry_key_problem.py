"""A registry key that does not decrypt the stored personal fields is the server's fault: every
registry route that reads them answers 500 with a problem naming CORRIDOR_REGISTRY_KEY, never
400 "Rejected" (the client did nothing wrong) and never the data; nothing is read or changed.

Replays what an operator met: the service restarted with another CORRIDOR_REGISTRY_KEY than
the one the registry was stored with.
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from corridor.adapters import orm
from corridor.bootstrap import bootstrap
from corridor.entrypoints.http.app import create_app
from corridor.settings import load_settings

from .conftest import Api
from .test_api import register

OTHER_KEY = base64.urlsafe_b64encode(b"another-registry-key-32-bytes-00").decode()


@pytest.fixture
def other_key(sqlite_api: Api) -> Iterator[TestClient]:
    """The same database and tokens, served with another registry key."""
    settings = sqlite_api.service.settings
    service = bootstrap(
        load_settings(data_dir=settings.data_dir, registry_key=OTHER_KEY), migrate=False
    )
    try:
        with TestClient(create_app(service)) as client:
            yield client
    finally:
        service.close()


def audit_rows(api: Api) -> int:
    with api.service.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(orm.audit)).scalar_one())


def test_personal_fields_under_another_key_are_a_server_problem(
    sqlite_api: Api, other_key: TestClient
) -> None:
    api = sqlite_api
    ident = register(api, "e1", "Aina Puig")
    before = audit_rows(api)
    again = {
        "client_id": "e1", "household": "H-e1", "people_class": "general", "gathering": "G1",
        "name": "Aina Puig", "needs": "insulin", "contact": "+376 555 0100",
    }  # fmt: skip
    calls = [
        ("reception", "GET", f"/v1/registry/evacuees/{ident}", None),
        ("registrar", "GET", "/v1/registry/evacuees", None),
        ("coordinator", "GET", "/v1/registry/export?purpose=handover", None),
        ("driver", "GET", "/v1/manifests/people?vehicle=D1/bus/0", None),
        ("registrar", "POST", "/v1/registry/evacuees", again),  # a retry compares the fields
    ]
    for who, method, url, body in calls:
        r = other_key.request(method, url, headers=api.h(who), json=body)
        assert r.status_code == 500, (url, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["type"].endswith("/registry-key")
        assert "CORRIDOR_REGISTRY_KEY" in problem["detail"]
        assert problem["errors"][0]["field"] == "CORRIDOR_REGISTRY_KEY"
        for personal in ("Aina", "insulin", "555"):
            assert personal not in r.text
    assert audit_rows(api) == before  # nothing was read (no read audited) nor changed
    assert api.get("reception", f"/v1/registry/evacuees/{ident}").json()["name"] == "Aina Puig"
