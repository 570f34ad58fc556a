"""docs/api.md says what the code does: same routes, same access table; commands documented."""

from __future__ import annotations

from pathlib import Path

from corridor.entrypoints.http.reference import generated

from .conftest import Api

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_api_doc_lists_every_route_and_the_access_table(sqlite_api: Api) -> None:
    text = (DOCS / "api.md").read_text()
    for name, block in generated(sqlite_api.client.app.openapi()).items():  # type: ignore[attr-defined]
        assert block in text, f"docs/api.md: the {name} table differs from the code; regenerate it"


def test_operator_commands_and_settings_are_documented() -> None:
    text = (DOCS / "deployment.md").read_text()
    for needle in (
        "corridor serve",
        "--workers",
        "--db",
        "corridor registry purge",
        "corridor admin token",
        "CORRIDOR_TOKEN_SECRET",
        "CORRIDOR_REGISTRY_KEY",
        "LISTEN/NOTIFY",
        "pg_dump",
    ):
        assert needle in text, needle
    from corridor.settings import Settings

    for field in Settings.model_fields:
        assert f"CORRIDOR_{field.upper()}" in text, field
