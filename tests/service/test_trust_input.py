"""Issue 13, finding 6: inputs that broke the service, replayed through the HTTP API on SQLite
and on PostgreSQL. Each is refused before storage with a problem detail naming the field and
the value sent, and the service goes on answering."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import T0

from corridor.adapters.extract_files import BUNDLED_OSM

from .conftest import Api

AT = T0.isoformat()
POSITION = (
    '{"positions": [{"client_id": "p1", "vehicle": "D1/bus/0", "at": "%s", "lat": LAT, '
    '"lon": 1.5, "speed_kmh": SPEED}]}'
).replace("%s", AT)


def send(api: Api, who: str | None, path: str, raw: str, method: str = "POST") -> Any:
    headers = {"content-type": "application/json", **(api.h(who) if who else {})}
    return api.client.request(method, path, content=raw.encode(), headers=headers)


def field_problem(r: Any, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["errors"], problem
    return problem["errors"][0]  # type: ignore[no-any-return]


def test_finding_6_deep_json_is_refused_and_reads_keep_working(api: Api) -> None:
    deep = "[" * 256 + "]" * 256
    drafts = send(api, "liaison-a", "/v1/drafts", f'{{"title": "t", "body": {{"x": {deep}}}}}')
    error = field_problem(drafts)
    assert error["field"].startswith("body.body.x")
    assert "nested deeper than 32 levels" in error["problem"]
    note = f'{{"kind": "site", "parties": "A", "subject": "s", "body": {{"x": {deep}}}}}'
    assert send(api, "coordinator", "/v1/notifications", note).status_code == 422
    undeclared = api.client.post(
        "/v1/notifications", content=note.encode(), headers=api.h("coordinator")
    )
    assert undeclared.status_code == 422  # no content type: read as JSON, so checked as JSON
    wide = '{"title": "t", "body": {"x": [' + ",".join(["0"] * 10_001) + "]}}"
    assert (
        "more than 10000 items"
        in field_problem(send(api, "liaison-a", "/v1/drafts", wide))["problem"]
    )
    # before: the next reads answered 500 for everyone, for good
    assert api.get("liaison-a", "/v1/drafts").json() == []
    assert api.get("coordinator", "/v1/notifications").json() == []


@pytest.mark.parametrize(
    ("path", "who", "raw", "field", "value"),
    [
        (
            "/v1/positions",
            "driver",
            POSITION.replace("LAT", "NaN").replace("SPEED", "1"),
            "body.positions[0].lat",
            "NaN",
        ),
        (
            "/v1/positions",
            "driver",
            POSITION.replace("LAT", "42.5").replace("SPEED", "Infinity"),
            "body.positions[0].speed_kmh",
            "Infinity",
        ),
        (
            "/v1/notifications",
            "coordinator",
            '{"kind": "site", "parties": "A", "subject": "s", "body": {"ratio": -Infinity}}',
            "body.body.ratio",
            "-Infinity",
        ),
        (
            "/v1/incidents",
            "driver",
            '{"client_id": "i1", "kind": "delay", "severity": "info", "description": "a\\u0000b", '
            f'"at": "{AT}"}}',
            "body.description",
            "a\x00b",
        ),
        (
            "/v1/drafts",
            "liaison-b",
            '{"title": "t", "body": {"k\\u0000": 1}}',
            "body.body",
            "k\x00",
        ),
    ],
)
def test_finding_6_nan_infinity_and_nul_are_refused_naming_the_field(
    api: Api, path: str, who: str, raw: str, field: str, value: str
) -> None:
    error = field_problem(send(api, who, path, raw))
    assert (error["field"], error["value"]) == (field, value)
    # nothing stored, and the reads still answer
    assert api.get("coordinator", "/v1/positions").json() == []
    assert api.get("coordinator", "/v1/incidents").json() == []
    assert api.get("coordinator", "/v1/notifications").json() == []


def test_finding_6_nan_in_a_query_is_echoed_without_failing(api: Api) -> None:
    r = api.get("coordinator", "/v1/incidents", params={"after": "NaN"})
    error = field_problem(r)
    assert (error["field"], error["value"]) == ("query.after", "NaN")


@pytest.mark.parametrize(
    "path", ["/v1/drafts", "/v1/notifications", "/v1/positions", "/v1/incidents", "/v1/checkins"]
)
def test_finding_6_authentication_comes_before_the_body(api: Api, path: str) -> None:
    for raw in ("{not json", '{"x": NaN}', "[" * 100 + "]" * 100):
        r = send(api, None, path, raw)
        assert r.status_code == 401, (raw, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        bad_token = {"content-type": "application/json", "Authorization": "Bearer nope"}
        assert api.client.post(path, content=raw.encode(), headers=bad_token).status_code == 401
    # with a token, the same body is named as what it is
    who = {"/v1/drafts": "liaison-a", "/v1/notifications": "coordinator"}.get(path, "driver")
    error = field_problem(send(api, who, path, "{not json"))
    assert error["field"] == "body"
    assert "is not JSON" in error["problem"]
    assert error["value"] == "{not json"


def test_finding_6_a_retry_with_other_content_is_a_conflict_naming_the_id(api: Api) -> None:
    p = {"client_id": "p-7", "vehicle": "D1/bus/0", "at": AT, "lat": 42.5, "lon": 1.5}
    assert api.post("driver", "/v1/positions", {"positions": [p]}).json()["accepted"] == 1
    assert api.post("driver", "/v1/positions", {"positions": [p]}).json()["duplicates"] == 1
    moved = {**p, "lat": 42.6}
    error = field_problem(api.post("driver", "/v1/positions", {"positions": [moved]}), 409)
    assert (error["field"], error["value"]) == ("positions[0].client_id", "p-7")
    assert (
        "'p-7' was already used"
        in api.post("driver", "/v1/positions", {"positions": [moved]}).json()["detail"]
    )
    rows = api.get("coordinator", "/v1/positions").json()
    assert [(r["client_id"], r["lat"]) for r in rows] == [("p-7", 42.5)]

    incident = {
        "client_id": "i-7",
        "kind": "delay",
        "severity": "info",
        "description": "a",
        "at": AT,
    }
    assert api.post("driver", "/v1/incidents", incident).status_code == 201
    assert api.post("driver", "/v1/incidents", incident).status_code == 200
    error = field_problem(
        api.post("driver", "/v1/incidents", {**incident, "severity": "critical"}), 409
    )
    assert (error["field"], error["value"]) == ("client_id", "i-7")
    assert [i["severity"] for i in api.get("coordinator", "/v1/incidents").json()] == ["info"]

    board = {"client_id": "c-7", "kind": "boarding", "vehicle": "D1/bus/0", "place": "G1", "at": AT}
    board["people"] = {"general": 2}
    assert api.post("driver", "/v1/checkins", board).status_code == 201
    assert api.post("driver", "/v1/checkins", board).status_code == 200
    error = field_problem(
        api.post("driver", "/v1/checkins", {**board, "people": {"general": 9}}), 409
    )
    assert (error["field"], error["value"]) == ("client_id", "c-7")
    assert api.get("driver", "/v1/manifests").json()["D1/bus/0"]["boarded"] == {"general": 2}


def test_finding_6_problem_values_are_the_values_sent_and_no_server_path(api: Api) -> None:
    r = api.post(
        "driver",
        "/v1/positions",
        {"positions": [{"client_id": "p", "vehicle": "D1/bus/0", "at": AT, "lat": 91, "lon": 1}]},
    )
    error = field_problem(r)
    assert (error["field"], error["value"]) == ("body.positions[0].lat", 91)
    # a check-in naming nobody registered: the id sent is the value
    board = {
        "client_id": "c",
        "kind": "boarding",
        "vehicle": "D1/bus/0",
        "place": "G1",
        "at": AT,
        "people": {},
        "evacuees": [999],
    }
    error = field_problem(api.post("driver", "/v1/checkins", board))
    assert (error["field"], error["value"]) == ("evacuees[0]", 999)
    # a scenario naming an OSM extract the server does not have: named, no folder of the server
    source = "name: x\nosm: nowhere.osm.pbf\n"
    r = api.post("coordinator", "/v1/scenarios", {"name": "x", "source": source})
    problem = r.json()
    assert r.status_code == 422, r.text
    assert "nowhere.osm.pbf" in problem["detail"]
    data_dir = str(api.service.settings.data_dir.resolve())
    for text in (problem["detail"], str(problem["errors"])):
        assert data_dir not in text
        assert "site-packages" not in text
        assert str(BUNDLED_OSM) not in text
