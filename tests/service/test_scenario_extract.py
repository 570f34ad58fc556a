"""A scenario uploaded with its own OpenStreetMap extract: the reachability report and the
warnings come back with it, and no message shows a path on the server."""

from __future__ import annotations

from pathlib import Path

from .conftest import Api

ROOT = Path(__file__).resolve().parents[2]
HELSINKI = ROOT / "data" / "osm" / "helsinki-centre.osm.pbf"
FIRST_TRY = ROOT / "examples" / "helsinki" / "first-try.yaml"


def put_extract(api: Api, name: str, data: bytes, who: str = "coordinator") -> object:
    headers = {**api.h(who), "Content-Type": "application/octet-stream"}
    return api.client.put(f"/v1/osm/{name}", content=data, headers=headers)


def first_try_source(osm: str) -> str:
    text = FIRST_TRY.read_text("utf-8").replace("capcity", "capacity")
    return text.replace("osm: ../../data/osm/helsinki-centre.osm.pbf", f"osm: {osm}")


def test_an_extract_is_uploaded_listed_and_used_by_a_scenario(sqlite_api: Api) -> None:
    api = sqlite_api
    data = HELSINKI.read_bytes()
    r = put_extract(api, "kluuvi.osm.pbf", data)
    assert r.status_code == 201, r.text
    assert r.json()["road_nodes"] == 1671
    assert put_extract(api, "kluuvi.osm.pbf", data).status_code == 201  # the same bytes again
    clash = put_extract(api, "kluuvi.osm.pbf", data[:-10] + b"0123456789")
    assert clash.status_code == 409
    assert put_extract(api, "kluuvi.osm.pbf", data, who="liaison-a").status_code == 403
    listed = {e["name"]: e for e in api.get("observer", "/v1/osm").json()}
    assert listed["kluuvi.osm.pbf"]["origin"] == "uploaded"
    assert listed["andorra-2020.osm.pbf"]["origin"] == "bundled"
    body = {"name": "kluuvi", "source": first_try_source("kluuvi.osm.pbf"), "files": {}}
    r = api.post("coordinator", "/v1/scenarios", body)
    assert r.status_code == 201, r.text
    warned = {w["ids"][0] for w in r.json()["warnings"] if w["code"] == "cut"}
    assert {"G-PARK", "G-VILHO", "G-RAUHA", "K-YARD", "K-PARK", "R-SNELL"} == warned
    sid = r.json()["id"]
    check = api.get("liaison-b", f"/v1/scenarios/{sid}/check").json()
    yard = next(p for p in check["places"] if p["id"] == "K-YARD")
    assert yard["status"] == "cut"
    assert "dead end" in yard["reasons"][0]
    assert check["no_road"]
    places = {
        f["id"]: f["properties"]
        for f in api.get("observer", f"/v1/scenarios/{sid}/map").json()["features"]
        if f["properties"]["layer"] in ("gathering", "checkpoint")
    }
    assert places["G-PARK"]["status"] == "cut"
    assert places["G-KIRKKO"]["status"] == "ok"
    assert places["G-KIRKKO"]["road"] == "Kirkkokatu"


def test_messages_name_the_extract_not_the_server_paths(sqlite_api: Api, tmp_path: Path) -> None:
    api = sqlite_api
    data_dir = str(api.service.settings.data_dir.resolve())
    r = put_extract(api, "broken.osm.pbf", b"this is not an extract")
    assert r.status_code == 422
    assert "broken.osm.pbf" in r.text
    assert data_dir not in r.text
    assert "/tmp" not in r.text
    assert not (api.service.settings.data_dir / "osm" / "broken.osm.pbf").exists()
    body = {"name": "x", "source": first_try_source("nowhere.osm.pbf"), "files": {}}
    r = api.post("coordinator", "/v1/scenarios", body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "source.osm"
    assert "this server has no extract named 'nowhere.osm.pbf'" in r.json()["detail"]
    assert "PUT /v1/osm/nowhere.osm.pbf" in r.json()["detail"]
    assert data_dir not in r.text
    assert str(ROOT) not in r.text
    assert put_extract(api, "evil.sh", b"x").status_code == 422  # not an extract's name
