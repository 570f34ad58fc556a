"""Issue 13, finding 7, replayed through the HTTP API and the CLI (SQLite and PostgreSQL where
the database matters): no personal data in the server's log, scenario files confined to the
uploaded bundle, placeholder secrets refused off localhost, owner-only files, a purge that
refuses the future and has a dry run, security headers on every HTML page."""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import T0

from corridor.adapters import log_scrub
from corridor.adapters.scenario_files import load_scenario
from corridor.bootstrap import bootstrap
from corridor.domain.access import Principal, Role
from corridor.errors import InputError
from corridor.services import registry
from corridor.settings import load_settings

from .conftest import Api

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NAME = "Aina Puig"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


# -- no personal data in the server's log ------------------------------------------------------


def test_finding_7_a_traceback_quoting_a_name_is_scrubbed_from_the_log(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        personal = kwargs["personal"]
        assert isinstance(personal, dict)
        raise RuntimeError(f"could not store {personal['name']} ({personal['contact']})")

    monkeypatch.setattr(registry, "register", failing)
    client = TestClient(api.client.app, raise_server_exceptions=False)
    body = {
        "client_id": "e1",
        "household": "H1",
        "people_class": "general",
        "gathering": "G1",
        "name": NAME,
        "contact": "+376 555 0100",
    }
    with caplog.at_level(logging.INFO):
        r = client.post("/v1/registry/evacuees", json=body, headers=api.h("registrar"))
    assert r.status_code == 500
    assert NAME not in r.text
    logged = (
        "\n".join(f"{rec.getMessage()}\n{rec.exc_text or ''}" for rec in caplog.records)
        + caplog.text
    )
    assert "could not store" in logged  # the traceback is there...
    assert log_scrub.REDACTED in logged
    assert NAME not in logged  # ...without the name
    assert "555 0100" not in logged


def test_finding_7_value_patterns_are_scrubbed_outside_a_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log_scrub.install()
    log = logging.getLogger("corridor.test")
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError(
                f"bad row {{'name': '{NAME}', 'needs': 'insulin', 'people_class': 'general'}}"
            )
        except ValueError:
            log.exception("import failed for %s", {"contact": "+376 555 0199"})
        log.error("INSERT failed [parameters: ('%s', 'H1')]", NAME)
    assert NAME not in caplog.text
    assert "insulin" not in caplog.text
    assert "555 0199" not in caplog.text
    assert "'people_class': 'general'" in caplog.text  # not personal: left as it was
    assert "[parameters: hidden]" in caplog.text


# -- scenario files stay in the uploaded bundle --------------------------------------------------


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ("zone: {file: /etc/passwd}\n", "source.zone.file"),
        ("zone: {file: ../../../etc/hosts.geojson}\n", "source.zone.file"),
        (
            "hazards:\n  - {id: H1, geometry: {file: /srv/x.geojson}}\n",
            "source.hazards[0].geometry.file",
        ),
        ("zone: {file: sub/../../zone.geojson}\n", "source.zone.file"),
    ],
)
def test_finding_7_scenario_side_files_outside_the_upload_are_refused(
    api: Api, source: str, field: str
) -> None:
    body = {"name": "x", "source": "name: x\nosm: andorra-2020.osm.pbf\n" + source, "files": {}}
    r = api.post("coordinator", "/v1/scenarios", body)
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["field"] == field
    assert error["value"] in source
    assert "root:" not in r.text


def test_finding_7_the_loader_keeps_side_files_in_the_scenario_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside.geojson"
    outside.write_text('{"type": "Polygon", "coordinates": []}')
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "link.geojson").symlink_to(outside)
    for name in (str(outside), "../outside.geojson", "link.geojson"):
        (folder / "scenario.yaml").write_text(f"name: x\nzone: {{file: {name!r}}}\n")
        with pytest.raises(InputError) as exc:
            load_scenario(folder / "scenario.yaml")
        assert exc.value.where.endswith("zone.file"), exc.value.where


# -- placeholder secrets, owner-only files -------------------------------------------------------


def test_finding_7_placeholder_secrets_are_refused_off_localhost(tmp_path: Path) -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        load_settings(data_dir=tmp_path, listen_host=host)
    for host in ("0.0.0.0", "10.1.2.3", "corridor.example"):
        with pytest.raises(InputError) as exc:
            load_settings(data_dir=tmp_path, listen_host=host)
        assert exc.value.where == "CORRIDOR_TOKEN_SECRET"
        assert host in exc.value.problem
    with pytest.raises(InputError) as exc:
        load_settings(data_dir=tmp_path, listen_host="0.0.0.0", token_secret="s" * 40)
    assert exc.value.where == "CORRIDOR_REGISTRY_KEY"
    # the documented example: it stops before it listens, naming the setting
    served = cli("serve", "--host", "0.0.0.0", "--port", "1", "--data-dir", str(tmp_path / "d"))
    assert served.returncode == 2, served.stdout + served.stderr
    assert "CORRIDOR_TOKEN_SECRET" in served.stderr
    assert "Traceback" not in served.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_finding_7_data_directory_database_and_keys_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: files would be world-readable by default
    try:
        data = tmp_path / "data"
        service = bootstrap(load_settings(data_dir=data))
        with service.uow() as uow:
            uow.audit.add(None, "test", "x", {})
            uow.commit()
        service.close()
    finally:
        os.umask(old)
    assert mode(data) == 0o700
    database = data / "corridor.sqlite"
    assert mode(database) == 0o600
    for side in data.glob("corridor.sqlite-*"):
        assert mode(side) & 0o077 == 0, side
    key = service.settings.log_key_file
    assert mode(key) == 0o600
    assert mode(key.parent) == 0o700


# -- purge: never the future, and a dry run ------------------------------------------------------


def registered_long_ago(api: Api) -> int:
    who = Principal(api.user_ids["registrar"], "registrar", Role.REGISTRAR, 1)
    ident, _ = registry.register(
        api.service.uow(),
        who,
        client_id="old",
        household="H1",
        people_class="general",
        gathering="G1",
        personal={"name": NAME, "needs": "insulin", "contact": "+376"},
        at=T0 - dt.timedelta(days=60),
    )
    return ident


def test_finding_7_purge_refuses_the_future_and_has_a_dry_run(api: Api) -> None:
    ident = registered_long_ago(api)
    person = f"/v1/registry/evacuees/{ident}"
    future = (T0 + dt.timedelta(days=400)).isoformat()
    r = api.post("coordinator", "/v1/registry/purge", {"as_of": future})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "as_of"
    assert r.json()["errors"][0]["value"] == future
    dry = api.post("coordinator", "/v1/registry/purge", {"dry_run": True})
    assert dry.json() == {"fields_erased": 3, "records_anonymised": 1}
    assert api.get("registrar", person).json()["name"] == NAME  # nothing erased
    # the same through the CLI, on the server's database
    where = ["--data-dir", str(api.service.settings.data_dir)]
    if api.service.settings.database_url:
        where += ["--db", api.service.settings.database_url]
    run = cli("registry", "purge", "--as-of", future, *where)
    assert run.returncode == 2
    assert "--as-of" in run.stderr
    assert "future" in run.stderr
    run = cli("registry", "purge", "--dry-run", *where)
    assert run.returncode == 0, run.stderr
    assert (
        "dry run: would erase 3 personal field(s); 1 record(s) would become anonymous" in run.stdout
    )
    assert api.get("registrar", person).json()["name"] == NAME
    run = cli("registry", "purge", *where)
    assert "erased 3 personal field(s); 1 record(s) now anonymous" in run.stdout
    assert api.get("registrar", person).json()["name"] is None


# -- security headers ----------------------------------------------------------------------------


def test_finding_7_every_html_page_has_security_headers(sqlite_api: Api) -> None:
    api = sqlite_api
    for path in ("/", "/index.html", "/docs", "/redoc"):
        r = api.client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html"), path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path
        assert "object-src 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"
    dashboard = api.client.get("/").headers["content-security-policy"]
    assert "script-src 'self';" in dashboard  # no inline script, no other origin
    for path in ("/v1/health", "/js/app.js", "/v1/nothing"):
        r = api.client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
    big = api.client.post("/v1/drafts", content=b"x" * 2_000_000, headers=api.h("liaison-a"))
    assert big.status_code == 413
    assert big.headers["x-content-type-options"] == "nosniff"


def test_a_chunked_body_over_the_limit_is_a_413_not_a_server_error(sqlite_api: Api) -> None:
    """Replays a 2 MB JSON body sent without a length (chunked) to a JSON route: the JSON guard
    read it whole before any route, and the size limit's exception became a 500."""
    api = sqlite_api

    def chunks() -> object:
        for _ in range(20):
            yield b" " * 100_000

    json_type = {"content-type": "application/json"}
    for headers in (json_type, {**json_type, **api.h("liaison-a")}):
        r = api.client.post("/v1/agreement/envelopes", content=chunks(), headers=headers)
        assert r.status_code == 413, r.text
        assert r.json()["errors"][0]["field"] == "body"
        assert r.request.headers.get("transfer-encoding") == "chunked"  # no declared length
        assert "content-length" not in r.request.headers
    small = api.client.post(
        "/v1/incidents", content=iter([b"{", b"}"]), headers={**json_type, **api.h("liaison-a")}
    )
    assert small.status_code == 422  # a small chunked body still reaches the route
