"""What the dashboard reads from the service: the role's actions from the access table, one
pinned shape per route (in the OpenAPI schema), the agreed window with its time zone, and the
catalogues of the people's languages (public, like the sign-in page that needs them)."""

from __future__ import annotations

from corridor.domain.access import ACCESS, Role

from .conftest import PEOPLE, Api

#: Every route the dashboard calls (static/js/api.js), each with a response model.
PAGE_ROUTES = [
    "/v1/me",
    "/v1/clock",
    "/v1/config",
    "/v1/i18n",
    "/v1/i18n/{language}",
    "/v1/corridors",
    "/v1/corridors/{corridor}",
    "/v1/corridors/{corridor}/diff",
    "/v1/scenarios",
    "/v1/scenarios/{scenario_id}",
    "/v1/scenarios/{scenario_id}/map",
    "/v1/scenarios/{scenario_id}/roads",
    "/v1/routes",
    "/v1/plans",
    "/v1/plans/{plan_id}",
    "/v1/plans/{plan_id}/trips",
    "/v1/progress",
    "/v1/registry/summary",
    "/v1/registry/evacuees",
    "/v1/positions",
    "/v1/incidents",
    "/v1/simulations",
    "/v1/simulations/{sim_id}",
]


def test_me_sends_the_actions_of_the_role_from_the_access_table(sqlite_api: Api) -> None:
    for who, (role, vehicle) in PEOPLE.items():
        me = sqlite_api.get(who, "/v1/me").json()
        assert me["role"] == role.value
        assert me["vehicle"] == vehicle
        assert me["may"] == sorted(a for a, roles in ACCESS.items() if role in roles)
    admin = sqlite_api.get("admin", "/v1/me").json()
    assert admin["may"] == sorted(a for a, roles in ACCESS.items() if Role.ADMIN in roles)
    assert "registry.read" not in sqlite_api.get("liaison-a", "/v1/me").json()["may"]


def test_every_route_the_page_reads_says_what_it_answers(sqlite_api: Api) -> None:
    paths = sqlite_api.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    for path in PAGE_ROUTES:
        answer = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer.get("$ref") or answer.get("items", {}).get("$ref"), (path, answer)


def test_config_names_the_tiles_setting_the_map_reads(sqlite_api: Api) -> None:
    assert sqlite_api.get("observer", "/v1/config").json() == {
        "tiles_url": None,
        "attribution": "© OpenStreetMap contributors",
    }


def test_languages_and_catalogues_are_public(sqlite_api: Api) -> None:
    client = sqlite_api.client
    listing = client.get("/v1/i18n")
    assert listing.status_code == 200
    assert [x["code"] for x in listing.json()["languages"]] == ["en", "ru", "uk"]
    uk = client.get("/v1/i18n/uk")
    assert uk.status_code == 200
    assert uk.headers["cache-control"] == "public, max-age=300"
    body = uk.json()
    assert body["language"] == "uk"
    assert body["messages"]["Sign in"] == "Увійти"
    assert body["messages"]["{n} person"] == ["{n} людина", "{n} людини", "{n} людей"]
    assert body["plural"] == {"one": 0, "few": 1, "many": 2, "other": 2}
    missing = client.get("/v1/i18n/de")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "language"
    assert client.get("/v1/i18n/..%2Fetc").status_code in (404, 422)
