"""CLI commands: ``corridor registry purge`` (anonymise personal data past its expiry)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from corridor.entrypoints.cli import registry_import
from corridor.entrypoints.cli.options import DataDirOpt, DbOpt, settings_for
from corridor.errors import InputError

registry = typer.Typer(help="The evacuee registry's personal data.", no_args_is_help=True)


@registry.command("purge")
def purge(
    as_of: Annotated[
        str | None, typer.Option(help="purge as if it were this UTC time (ISO 8601) [default: now]")
    ] = None,
    data_dir: DataDirOpt = None,
    db: DbOpt = None,
) -> None:
    """Erase every personal field past its expiry; records with none left become anonymous."""
    from corridor.bootstrap import bootstrap
    from corridor.services import registry as registry_service

    when = None
    if as_of is not None:
        try:
            when = datetime.fromisoformat(as_of)
        except ValueError as exc:
            raise InputError("--as-of", f"{as_of!r} is not an ISO 8601 time") from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    service = bootstrap(settings_for(data_dir, db))
    try:
        result = registry_service.purge(service.uow(), None, when)
    finally:
        service.close()
    typer.echo(
        f"erased {result['fields_erased']} personal field(s); "
        f"{result['records_anonymised']} record(s) now anonymous"
    )


@registry.command("policy")
def policy() -> None:
    """Each personal field: purpose, owner role, retention."""
    from corridor.services import registry as registry_service

    for f in registry_service.fields_policy():
        typer.echo(f"{f['field']}\t{f['owner']}\t{f['retention_days']} days\t{f['purpose']}")


registry_import.add_to(registry)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.add_typer(registry, name="registry")
