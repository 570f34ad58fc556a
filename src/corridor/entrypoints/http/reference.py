"""The route list and the access table of ``docs/api.md``, generated from the code.

``python -m corridor.entrypoints.http.reference`` prints both; a test fails when docs/api.md
differs from what the code says.
"""

from __future__ import annotations

from typing import Any

from corridor.domain.access import ACCESS, SCOPED, Role

BEGIN_ROUTES, END_ROUTES = "<!-- routes:begin -->", "<!-- routes:end -->"
BEGIN_ACCESS, END_ACCESS = "<!-- access:begin -->", "<!-- access:end -->"


def routes_table(schema: dict[str, Any]) -> str:
    lines = ["| method | path | action | what it does |", "|---|---|---|---|"]
    for path, operations in sorted(schema["paths"].items()):
        for method, op in sorted(operations.items()):
            summary = (op.get("description") or op.get("summary") or "").strip().split("\n")[0]
            action = op.get("x-action", "public")
            lines.append(f"| {method.upper()} | `{path}` | {action} | {summary} |")
    return "\n".join(lines)


def access_table() -> str:
    roles = list(Role)
    head = "| action | " + " | ".join(r.value for r in roles) + " | narrowed inside |"
    lines = [head, "|---|" + "---|" * len(roles) + "---|"]
    for action in sorted(ACCESS):
        marks = " | ".join("yes" if r in ACCESS[action] else "" for r in roles)
        lines.append(f"| {action} | {marks} | {SCOPED.get(action, '')} |")
    return "\n".join(lines)


def generated(schema: dict[str, Any]) -> dict[str, str]:
    return {
        "routes": f"{BEGIN_ROUTES}\n{routes_table(schema)}\n{END_ROUTES}",
        "access": f"{BEGIN_ACCESS}\n{access_table()}\n{END_ACCESS}",
    }


def main() -> None:
    import tempfile
    from pathlib import Path

    from corridor.bootstrap import bootstrap
    from corridor.entrypoints.http.app import create_app
    from corridor.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        service = bootstrap(load_settings(data_dir=Path(tmp)))
        schema = create_app(service).openapi()
        service.close()
    for block in generated(schema).values():
        print(block)
        print()


if __name__ == "__main__":
    main()
