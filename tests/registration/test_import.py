"""Importing exports into the registry over HTTP and with the CLI, on SQLite and PostgreSQL.

The people appear encrypted and audited, counted by class and gathering point; the same
submissions again add nobody; any broken row leaves the registry as it was.
"""

from __future__ import annotations

import base64
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import T0, run_cli
from service.conftest import Api
from service.live import LiveServer
from sqlalchemy import select

from corridor.adapters import orm
from corridor.domain.access import Principal, Role
from corridor.registration.reader import ExportFile
from corridor.services import registry_import

from . import exports as ex
from .conftest import andorra_scenario
from .malformed import CASES

SUBS = ex.sample(T0)
PEOPLE = [p for s in SUBS for p in s.members]
BY_CLASS = dict(Counter(p.people_class for p in PEOPLE))
BY_GATHERING = {"G01": 3, "G04": 3}


def body(files: list[tuple[str, bytes]], fmt: str | None = None) -> dict[str, Any]:
    """CSV and JSON as text; workbooks, ZIPs and what is not UTF-8 as base64 (as the CLI does)."""
    out = []
    for name, data in files:
        try:
            out.append({"name": name, "text": data.decode("utf-8")})
        except UnicodeDecodeError:
            out.append({"name": name, "base64": base64.b64encode(data).decode()})
    return {"format": fmt, "files": out}


def post(api: Api, files: list[tuple[str, bytes]], who: str = "registrar") -> Any:
    return api.post(who, "/v1/registry/imports", body(files))


def registry_state(api: Api) -> tuple[dict[str, Any], int]:
    """The counts a party sees, and how many audit records the registry has."""
    summary = api.get("observer", "/v1/registry/summary").json()
    audit = api.get("coordinator", "/v1/audit", params={"limit": 1000}).json()
    return summary, len(audit)


def test_kobo_exports_import_over_http_and_again_add_nobody(api: Api) -> None:
    andorra_scenario(api)
    r = post(api, [("data.json", ex.kobo_json(SUBS))])
    assert r.status_code == 201, r.text
    result = r.json()
    assert (result["format"], result["households"], result["added"]) == ("kobo-json", 3, 6)
    assert result["by_class"] == dict(sorted(BY_CLASS.items()))
    assert result["by_gathering"] == BY_GATHERING
    summary = api.get("liaison-a", "/v1/registry/summary").json()
    assert (summary["total"], summary["by_class"], summary["by_gathering"]) == (
        6,
        BY_CLASS,
        BY_GATHERING,
    )
    people = api.get("coordinator", "/v1/registry/evacuees", params={"purpose": "test"}).json()
    assert sorted(p["name"] for p in people) == sorted(p.name for p in PEOPLE)
    first = next(p for p in people if p["name"] == "Олена Коваленко")
    assert (first["contact"], first["needs"], first["gathering"]) == (
        "+376 600 111 222",
        "pregnant",
        "G01",
    )
    assert first["registered_at"].startswith("2026-05-13T17:00:00")  # the submission's time
    assert first["household"] == "form:2f1c7a3e-5b8d-4e61-9a0f-6c2d8e4b1a01"
    # Encrypted at rest: the database holds no name in clear.
    with api.service.uow() as uow:
        stored = uow.connection.execute(select(orm.evacuees.c.name_enc)).scalars().all()
    assert len(stored) == 6
    assert all("Коваленко".encode() not in blob and b"Shevchuk" not in blob for blob in stored)
    # Audited: one write per person, naming the registrar, and the import itself.
    audit = api.get("coordinator", "/v1/audit", params={"limit": 1000}).json()
    writes = [a for a in audit if a["action"] == "registry.write"]
    assert len(writes) == 6
    assert {a["user_id"] for a in writes} == {api.user_ids["registrar"]}
    imports = [a for a in audit if a["action"] == "registry.import"]
    assert imports[0]["detail"]["added"] == 6
    assert len(imports[0]["detail"]["files"][0]["sha256"]) == 64
    # The same submissions in every other format: nobody is added twice.
    main, members = ex.kobo_csv(SUBS)
    for files in (
        [("data.json", ex.kobo_json(SUBS))],
        [("registration.csv", main), ("members.csv", members)],
        [("registration.xlsx", ex.kobo_xlsx(SUBS))],
        [("corridor_household.zip", ex.odk_zip(SUBS))],
    ):
        again = post(api, files, who="coordinator")
        assert again.status_code == 200, again.text
        assert (again.json()["added"], again.json()["already_registered"]) == (0, 6)
    assert api.get("observer", "/v1/registry/summary").json()["total"] == 6


def test_every_broken_export_imports_nothing(api: Api) -> None:
    andorra_scenario(api)
    assert post(api, [("data.json", ex.kobo_json(SUBS[:1]))]).status_code == 201
    before = registry_state(api)
    for case in CASES:
        r = post(api, case.make())
        assert r.status_code == 422, (case.name, r.text)
        problem = r.json()
        assert "nothing was imported" in problem["detail"], case.name
        file, row, field, value, words = case.expect
        where = (f"{file} row {row}" if row is not None else file) + (f": {field}" if field else "")
        found = [e for e in problem["errors"] if e["field"] == where and words in e["problem"]]
        assert found, (case.name, problem["errors"])
        if value is not None and len(value) < 200:
            assert found[0]["value"] == value, case.name
        assert registry_state(api) == before, case.name


def test_the_cli_imports_on_the_server_and_says_what_it_did(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    andorra_scenario(api)
    main, members = ex.kobo_csv(SUBS)
    (tmp_path / "registration.csv").write_bytes(main)
    (tmp_path / "members.csv").write_bytes(members)
    settings = api.service.settings
    where = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        where += ["--db", settings.database_url]
    args = ["registry", "import", str(tmp_path / "registration.csv"), str(tmp_path / "members.csv")]
    token = ["--token", api.tokens["registrar"]]
    code, out, err = run_cli([*args, *token, *where], capsys)
    assert code == 0, err
    assert out.splitlines()[1:3] == [
        "  added               6 people of 3 households",
        "  already registered  0 people",
    ]
    assert "  by gathering point  G01 3, G04 3" in out
    code, out, _ = run_cli([*args, *token, *where], capsys)
    assert code == 0
    assert out.splitlines()[1:3] == [
        "  added               0 people of 3 households",
        "  already registered  6 people",
    ]
    assert api.get("observer", "/v1/registry/summary").json()["by_class"] == BY_CLASS
    # A bad row: exit code 2, every problem on its own line, nothing imported.
    (tmp_path / "bad.json").write_bytes(CASES[0].make()[0][1])
    code, out, err = run_cli(
        ["registry", "import", str(tmp_path / "bad.json"), *token, *where], capsys
    )
    assert code == 2
    assert "error: bad.json: 1 problem in 1 row; nothing was imported" in err
    assert "  bad.json row 2: members[1]/member_class = 'kids': is not a class" in err
    # An observer may not import; a wrong token is refused.
    code, _, err = run_cli([*args, "--token", api.tokens["observer"], *where], capsys)
    assert code == 3
    assert "may not 'registry.import'" in err
    code, _, err = run_cli([*args, "--token", "cor_nonsense", *where], capsys)
    assert code == 3
    assert api.get("observer", "/v1/registry/summary").json()["total"] == 6


def test_one_transaction_a_failure_midway_leaves_nobody(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails on the fourth person: the three before it are not kept either."""
    from corridor.adapters.repositories import registry

    andorra_scenario(api)
    real = registry.SqlEvacuees.add
    calls = {"n": 0}

    def failing(self: registry.SqlEvacuees, record: dict[str, Any]) -> tuple[int, bool]:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full")
        return real(self, record)

    monkeypatch.setattr(registry.SqlEvacuees, "add", failing)
    who = Principal(api.user_ids["registrar"], "registrar", Role.REGISTRAR, 1)
    files = [ExportFile("data.json", ex.kobo_json(SUBS))]
    with pytest.raises(OSError, match="disk full"):
        registry_import.import_export(api.service.uow(), who, files)
    monkeypatch.setattr(registry.SqlEvacuees, "add", real)
    assert api.get("observer", "/v1/registry/summary").json()["total"] == 0
    assert registry_import.import_export(api.service.uow(), who, files)["added"] == 6


def test_no_scenario_no_import(api: Api) -> None:
    r = post(api, [("data.json", ex.kobo_json(SUBS))])
    assert r.status_code == 404
    assert "scenario" in r.json()["detail"]


def test_the_cli_imports_through_a_running_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A registrar's machine: ``--server URL``, the token of its account, a real server."""
    import httpx

    from corridor.bootstrap import bootstrap
    from corridor.settings import load_settings

    from .conftest import store_andorra

    live = LiveServer(tmp_path / "data")
    admin = {"Authorization": f"Bearer {live.admin_token(live.start())}"}
    try:
        tokens = {}
        with httpx.Client(base_url=live.url, timeout=10) as c:
            org = c.post("/v1/organisations", json={"name": "ngo"}, headers=admin).json()["id"]
            for name in ("registrar", "observer"):
                user = {"organisation_id": org, "name": name, "role": name}
                tokens[name] = c.post("/v1/users", json=user, headers=admin).json()["token"]
        service = bootstrap(load_settings(data_dir=tmp_path / "data"))
        try:
            store_andorra(service, 1)
        finally:
            service.close()
        (tmp_path / "corridor_household.zip").write_bytes(ex.odk_zip(SUBS))
        args = ["registry", "import", str(tmp_path / "corridor_household.zip")]
        remote = ["--server", live.url, "--token", tokens["registrar"]]
        code, out, err = run_cli([*args, *remote], capsys)
        assert code == 0, err
        assert out.startswith("odk-csv: 3 submissions, checked against scenario 1")
        assert "  added               6 people of 3 households" in out
        code, out, err = run_cli([*args, *remote], capsys)
        assert "  already registered  6 people" in out
        (tmp_path / "bad.zip").write_bytes(CASES[2].make()[0][1])
        code, out, err = run_cli(["registry", "import", str(tmp_path / "bad.zip"), *remote], capsys)
        assert code == 2
        assert "1 problem in 1 row; nothing was imported" in err
        assert "household-gathering_other = 'Church': is not a gathering point" in err
        code, out, err = run_cli(
            [*args, "--server", live.url, "--token", tokens["observer"]], capsys
        )
        assert code == 3
        assert "403" in err
    finally:
        live.stop()
