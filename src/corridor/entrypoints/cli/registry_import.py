"""``corridor registry import``: register the households of a KoBoToolbox / ODK Central export.

On the server (``--data-dir`` / ``--db`` as ``corridor serve``), or from anywhere through the
service (``--server URL``); either way as the registrar or coordinator whose token is given.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any

import typer

from corridor.entrypoints.cli.options import DataDirOpt, DbOpt, settings_for
from corridor.errors import CorridorError, InputError, InputErrors
from corridor.registration.problems import shorten

FORMATS = ("kobo-json", "kobo-xlsx", "kobo-csv", "odk-csv")
#: The most a file may weigh: far above any registration export, far below the memory.
MAX_FILE = 50 * 1024 * 1024


class ServiceRefused(CorridorError):
    """The service refused the import for a reason other than the rows (token, role, scenario)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"the service answered {status}: {detail}")
        self.exit_code = {401: 3, 403: 3, 404: 4, 409: 5}.get(status, 1)


def _read(paths: list[Path]) -> list[tuple[str, bytes]]:
    out = []
    for path in paths:
        if not path.is_file():
            raise InputError(str(path), "no such file")
        if path.stat().st_size > MAX_FILE:
            raise InputError(str(path), f"is larger than {MAX_FILE:,} bytes")
        out.append((path.name, path.read_bytes()))
    return out


def _local(
    files: list[tuple[str, bytes]],
    fmt: str | None,
    scenario: int | None,
    token: str,
    data_dir: Path | None,
    db: str | None,
) -> dict[str, Any]:
    from corridor.bootstrap import bootstrap
    from corridor.registration.reader import ExportFile
    from corridor.services import accounts, registry_import

    service = bootstrap(settings_for(data_dir, db))
    try:
        who = accounts.authenticate(service.uow(), service.settings.token_secret, token)
        exports = [ExportFile(name, data) for name, data in files]
        return registry_import.import_export(service.uow(), who, exports, fmt, scenario)
    finally:
        service.close()


def _as_json_file(name: str, data: bytes) -> dict[str, str]:
    try:
        return {"name": name, "text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"name": name, "base64": base64.b64encode(data).decode("ascii")}


def _remote(
    files: list[tuple[str, bytes]], fmt: str | None, scenario: int | None, token: str, url: str
) -> dict[str, Any]:
    import httpx

    body = {
        "format": fmt,
        "scenario_id": scenario,
        "files": [_as_json_file(name, data) for name, data in files],
    }
    response = httpx.post(
        url.rstrip("/") + "/v1/registry/imports",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    try:
        answer: dict[str, Any] = response.json()
    except ValueError:
        raise ServiceRefused(response.status_code, response.text[:200]) from None
    if response.status_code in (200, 201):
        return answer
    if response.status_code == 422:
        rows = [(e["field"], e.get("value"), e["problem"]) for e in answer.get("errors", [])]
        raise InputErrors("", str(answer.get("detail", "")), rows)
    raise ServiceRefused(response.status_code, str(answer.get("detail", "")))


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "-"


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def report(result: dict[str, Any]) -> None:
    typer.echo(
        f"{result['format']}: {_n(result['submissions'], 'submission')}, checked against "
        f"scenario {result['scenario_id']} ({result['scenario']})"
    )
    lines = {
        "added": f"{result['added']} people of {_n(result['households'], 'household')}",
        "already registered": f"{result['already_registered']} people",
        "declined consent": _n(result["declined"], "household"),
        "repeated": _n(result["repeated"], "submission"),
        "by class": _counts(result["by_class"]),
        "by gathering point": _counts(result["by_gathering"]),
    }
    for label, text in lines.items():
        typer.echo(f"  {label:<20}{text}")


def add_to(group: typer.Typer) -> None:
    """Add ``import`` to the ``corridor registry`` group."""

    @group.command("import")
    def import_(
        files: Annotated[
            list[Path],
            typer.Argument(help="the export: one JSON, XLSX or ZIP file, or the CSV files"),
        ],
        fmt: Annotated[
            str | None,
            typer.Option(
                "--format", help=f"{', '.join(FORMATS)}; told from the content if not given"
            ),
        ] = None,
        scenario: Annotated[
            int | None,
            typer.Option("--scenario", min=1, help="scenario id; the newest if not given"),
        ] = None,
        token: Annotated[
            str | None,
            typer.Option(envvar="CORRIDOR_TOKEN", help="a registrar's or coordinator's token"),
        ] = None,
        server: Annotated[
            str | None, typer.Option(help="the service's URL; this machine's database if not given")
        ] = None,
        data_dir: DataDirOpt = None,
        db: DbOpt = None,
    ) -> None:
        """Register the households of a KoBoToolbox or ODK Central export, or none if a row
        is bad (each bad row is listed); importing the same submissions again adds nobody."""
        if fmt is not None and fmt not in FORMATS:
            raise InputError("--format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
        if not token:
            raise InputError(
                "--token", "give a registrar's or coordinator's token (or set CORRIDOR_TOKEN)"
            )
        exports = _read(files)
        try:
            if server:
                result = _remote(exports, fmt, scenario, token, server)
            else:
                result = _local(exports, fmt, scenario, token, data_dir, db)
        except InputErrors as exc:
            typer.echo(f"error: {exc}", err=True)
            for where, value, problem in exc.errors:
                shown = "" if value is None else f" = {shorten(str(value))!r}"
                typer.echo(f"  {where}{shown}: {problem}", err=True)
            raise typer.Exit(exc.exit_code) from None
        report(result)
