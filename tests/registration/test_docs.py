"""docs/public.md's section for registrars: its commands give the output it shows.

Against a service that compiled the real Andorra example (uploaded as a coordinator does).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import T0, run_cli
from service.conftest import Api, make_api
from service.test_planning_api import upload_andorra

from . import exports as ex
from .malformed import _set

DOC = Path(__file__).resolve().parents[2] / "docs" / "public.md"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    for api in make_api(tmp_path_factory.mktemp("registration"), None):
        upload_andorra(api)
        yield api


def _cli(
    api: Api, args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.setenv("CORRIDOR_TOKEN", api.tokens["registrar"])
    return run_cli(
        ["registry", "import", *args, "--data-dir", str(api.service.settings.data_dir)], capsys
    )


def test_the_documented_import_and_its_refusal(
    compiled: Api,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = DOC.read_text()
    monkeypatch.chdir(tmp_path)
    subs = ex.sample(T0)
    _set(1, gathering_other="Church")(subs)
    _set(2, consent="")(subs)
    Path("corridor_household.zip").write_bytes(ex.odk_zip(subs))
    code, out, err = _cli(compiled, ["corridor_household.zip"], capsys, monkeypatch)
    assert code == 2
    shown = "$ corridor registry import corridor_household.zip\n" + err
    assert shown in doc, shown
    Path("registration.xlsx").write_bytes(ex.kobo_xlsx(ex.sample(T0)))
    code, out, err = _cli(compiled, ["registration.xlsx"], capsys, monkeypatch)
    assert code == 0, err
    shown = "$ corridor registry import registration.xlsx\n" + out
    assert shown in doc, shown
    code, out, err = _cli(compiled, ["registration.xlsx"], capsys, monkeypatch)
    assert code == 0, err
    assert "  already registered  6 people\n" in out


def test_the_compiled_scenario_and_the_http_route(compiled: Api) -> None:
    data = base64.b64encode(ex.odk_zip(ex.sample(T0))).decode()
    r = compiled.post(
        "coordinator",
        "/v1/registry/imports",
        {"files": [{"name": "corridor_household.zip", "base64": data}]},
    )
    assert r.status_code in (200, 201), r.text
    assert r.json()["format"] == "odk-csv"
    assert r.json()["scenario"] == "encamp-valley-2026"
    assert compiled.get("liaison-b", "/v1/registry/summary").json()["by_gathering"] == {
        "G01": 3,
        "G04": 3,
    }
    for needle in (
        "corridor registry import",
        "POST /v1/registry/imports",
        "XML values and headers",
        "forms/household-registration.xlsx",
        "python forms/build.py",
        "KoBoCollect",
        "ODK Collect",
    ):
        assert needle in DOC.read_text(), needle
