"""Fixtures of the service tests: one app per backend (SQLite, and PostgreSQL when reachable).

``service_app`` builds a fresh service (a new SQLite file, or a new PostgreSQL database that is
dropped afterwards) and ``users`` gives one token per role. Integration tests take ``backend``,
which runs them on SQLite and again, marked ``postgres``, on the server at 127.0.0.1:5432.
"""

from __future__ import annotations

import socket
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

with warnings.catch_warnings():
    # Starlette asks for httpx2 in its test client; the client still works as documented.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from corridor.bootstrap import Service, bootstrap
from corridor.domain.access import Role
from corridor.entrypoints.http.app import create_app
from corridor.services import accounts
from corridor.settings import load_settings

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    name = f"corridor_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None for SQLite in tmp_path, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
    else:
        yield request.getfixturevalue("pg_url")


@dataclass
class Api:
    """A test client signed in as nobody; ``as_(role)`` gives headers for one role's token."""

    client: TestClient
    service: Service
    tokens: dict[str, str]
    user_ids: dict[str, int]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.h(who), **kw)

    def post(self, who: str, url: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(url, json=body, headers=self.h(who), **kw)


#: The users every Api has: one per role; drivers bound to two different vehicles.
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "coordinator": (Role.COORDINATOR, None),
    "liaison-a": (Role.LIAISON_A, None),
    "liaison-b": (Role.LIAISON_B, None),
    "registrar": (Role.REGISTRAR, None),
    "driver": (Role.DRIVER, "D1/bus/0"),
    "driver2": (Role.DRIVER, "D1/bus/1"),
    "reception": (Role.RECEPTION, None),
    "observer": (Role.OBSERVER, None),
}


def make_api(tmp_path: Path, db_url: str | None, **settings: Any) -> Iterator[Api]:
    service = bootstrap(load_settings(data_dir=tmp_path / "data", database_url=db_url, **settings))
    admin = accounts.bootstrap_admin(service.uow(), service.settings.token_secret)
    assert admin is not None
    tokens = {"admin": admin.token}
    ids = {"admin": admin.user_id}
    app = create_app(service)
    with TestClient(app) as client:
        org = client.post(
            "/v1/organisations",
            json={"name": "corridor-test"},
            headers={"Authorization": f"Bearer {admin.token}"},
        ).json()["id"]
        for who, (role, vehicle) in PEOPLE.items():
            r = client.post(
                "/v1/users",
                json={"organisation_id": org, "name": who, "role": role.value, "vehicle": vehicle},
                headers={"Authorization": f"Bearer {admin.token}"},
            )
            assert r.status_code == 201, r.text
            tokens[who] = r.json()["token"]
            ids[who] = r.json()["user_id"]
        yield Api(client, service, tokens, ids)
    service.close()


@pytest.fixture
def api(tmp_path: Path, backend: str | None) -> Iterator[Api]:
    """The app on SQLite and on PostgreSQL, with one token per role."""
    yield from make_api(tmp_path, backend)


@pytest.fixture
def sqlite_api(tmp_path: Path) -> Iterator[Api]:
    """The app on SQLite only (for tests that do not depend on the database)."""
    yield from make_api(tmp_path, None)
