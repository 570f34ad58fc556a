"""CLI commands: ``corridor serve``, and ``corridor admin`` for accounts from the server shell."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.entrypoints.cli.options import DataDirOpt, DbOpt, settings_for
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.bootstrap import Service
    from corridor.settings import Settings

__all__ = ["DataDirOpt", "DbOpt", "settings_for"]

HostOpt = Annotated[
    str,
    typer.Option(
        envvar="CORRIDOR_LISTEN_HOST",
        help="Interface to listen on (the workers check the secrets against the same one)",
    ),
]
PortOpt = Annotated[int, typer.Option(help="TCP port", min=1, max=65535)]

TlsCertOpt = Annotated[
    Path | None,
    typer.Option(
        "--tls-cert",
        help="PEM certificate (chain) to serve HTTPS; browsers sign on the liaison desk only "
        "over HTTPS off localhost",
    ),
]
TlsKeyOpt = Annotated[Path | None, typer.Option("--tls-key", help="PEM private key of --tls-cert")]

admin = typer.Typer(
    help="Accounts, from a shell on the server (no token needed).", no_args_is_help=True
)


def export_env(settings: Settings) -> None:
    """Hand the resolved settings to uvicorn's worker processes: the workers check what the
    parent checked (the interface it binds among them)."""
    os.environ["CORRIDOR_DATA_DIR"] = str(settings.data_dir.resolve())
    os.environ["CORRIDOR_LISTEN_HOST"] = settings.listen_host
    if settings.database_url:
        os.environ["CORRIDOR_DATABASE_URL"] = settings.database_url


def checked_settings(data_dir: Path | None, db: str | None, host: str | None = None) -> Settings:
    """The settings of a command that runs the service or opens its database; each
    ``CORRIDOR_*`` variable that is no setting is warned about (refused in production)."""
    from corridor.settings import check_environment

    settings = settings_for(data_dir, db, listen_host=host)
    check_environment(settings, os.environ, lambda line: typer.echo(line, err=True))
    return settings


def refuse_sqlite_workers(settings: Settings, workers: int) -> None:
    """SQLite is served by one worker: refused before anything is made (no data directory,
    no database file, no key)."""
    from corridor.adapters.sql_engine import database_url

    if workers > 1 and database_url(settings.db_url).get_backend_name() == "sqlite":
        raise InputError(
            "--workers", f"{workers} needs PostgreSQL (--db); SQLite is served by one worker"
        )


def print_bootstrap(service: Service) -> None:
    from corridor.bootstrap import record_token_secret
    from corridor.services import accounts

    replaced = record_token_secret(service)
    if replaced is not None:
        typer.echo(
            f"warning: CORRIDOR_TOKEN_SECRET is not the secret of the previous start (check "
            f"{replaced}): every token issued before is refused; issue new ones "
            "(`corridor admin token USER_ID`)",
            err=True,
        )
    issued = accounts.bootstrap_admin(service.uow(), service.settings.token_secret)
    if issued is not None:
        typer.echo("First run: the admin token, shown this once (store it safely):")
        typer.echo(f"  CORRIDOR_ADMIN_TOKEN={issued.token}")


def tls_options(cert: Path | None, key: Path | None) -> dict[str, str]:
    """uvicorn's ssl options, or none; both files or neither, each readable PEM."""
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        given, missing = ("--tls-cert", "--tls-key") if key is None else ("--tls-key", "--tls-cert")
        raise InputError(missing, f"is needed with {given} (HTTPS takes a certificate and its key)")
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        try:
            head = path.read_bytes()[:4096]
        except OSError as exc:
            raise InputError(option, f"{str(path)!r} cannot be read: {exc.strerror}") from exc
        if b"-----BEGIN " not in head:
            raise InputError(option, f"{str(path)!r} is not a PEM file")
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}


def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    data_dir: DataDirOpt = None,
    db: DbOpt = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes", min=1, max=64)] = 1,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
) -> None:
    """Run the coordination service (migrations are applied on start)."""
    import uvicorn

    from corridor.bootstrap import bootstrap

    tls = tls_options(tls_cert, tls_key)
    settings = checked_settings(data_dir, db, host)
    refuse_sqlite_workers(settings, workers)
    service = bootstrap(settings)
    try:
        print_bootstrap(service)
    finally:
        service.close()
    export_env(settings)
    scheme = "https" if tls else "http"
    typer.echo(
        f"corridor serving {service.dialect} on {scheme}://{host}:{port}/ ({workers} worker(s))"
    )
    uvicorn.run(
        "corridor.entrypoints.http.main:create_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=5,
        **tls,
    )


@admin.command("bootstrap")
def admin_bootstrap(data_dir: DataDirOpt = None, db: DbOpt = None) -> None:
    """Migrate the database and print the first admin token if there is no admin yet."""
    from corridor.bootstrap import bootstrap, require_token_secret
    from corridor.services import accounts

    service = bootstrap(checked_settings(data_dir, db), log_key=False)
    try:
        require_token_secret(service, first=True)
        issued = accounts.bootstrap_admin(service.uow(), service.settings.token_secret)
    finally:
        service.close()
    if issued is None:
        typer.echo("an admin exists already; use `corridor admin token` to issue a new token")
    else:
        typer.echo(issued.token)


@admin.command("token")
def admin_token(
    user_id: Annotated[int, typer.Argument(help="the user who gets a new token", min=1)],
    label: Annotated[str, typer.Option(help="what the token is for")] = "cli",
    data_dir: DataDirOpt = None,
    db: DbOpt = None,
) -> None:
    """Issue a new token for a user (for a lost admin token): printed once."""
    from corridor.bootstrap import bootstrap, require_token_secret
    from corridor.services import accounts

    service = bootstrap(checked_settings(data_dir, db), log_key=False)
    try:
        require_token_secret(service)
        with service.uow() as uow:
            if uow.accounts.user(user_id) is None:
                raise InputError("USER_ID", f"no user {user_id}")
            token = accounts.new_token()
            uow.accounts.add_token(
                user_id, accounts.hash_token(service.settings.token_secret, token), label
            )
            uow.audit.add(None, "accounts.token", f"user:{user_id}", {"label": label, "via": "cli"})
            uow.commit()
    finally:
        service.close()
    typer.echo(token)


@admin.command("users")
def admin_users(data_dir: DataDirOpt = None, db: DbOpt = None) -> None:
    """List users: id, role, vehicle, name."""
    from corridor.bootstrap import bootstrap
    from corridor.domain.access import Role

    service = bootstrap(checked_settings(data_dir, db), log_key=False)
    try:
        with service.uow() as uow:
            for u in uow.accounts.list_users():
                typer.echo(
                    f"{u['id']}\t{Role(u['role']).value}\t{u['vehicle'] or '-'}\t{u['name']}"
                )
    finally:
        service.close()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("serve")(serve)
    app.add_typer(admin, name="admin")
