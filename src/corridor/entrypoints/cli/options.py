"""The options many commands share, defined once (``--log``, ``--token``, ``--key``, ``--db``).

This module is read when ``corridor`` starts, before any command runs: it imports nothing but
Typer and the standard library, so that ``corridor --help`` does not wait for the database,
HTTP or cryptography libraries (tests/architecture/test_cli_startup.py keeps it so).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from corridor.settings import Settings

#: The log file used when ``--log`` is not given; the same name as
#: ``corridor.adapters.remote_log.DEFAULT_LOG`` (a test holds them equal).
DEFAULT_LOG = "log.db"
#: ``$CORRIDOR_LOG``, or the old name ``$CORRIDOR_LEDGER`` (kept for one release).
LOG_ENV = ["CORRIDOR_LOG", "CORRIDOR_LEDGER"]
LOG_HELP = (
    "The log: a SQLite file path, a database URL (postgresql+psycopg://...), or the URL of a "
    "coordination server (https://...; give --token)."
)
ServerLogOption = typer.Option(DEFAULT_LOG, "--log", envvar=LOG_ENV, help=LOG_HELP)
TokenOption = typer.Option(
    None, "--token", envvar="CORRIDOR_TOKEN", help="Your access token, when --log is a server."
)
KeyOption = typer.Option(
    ..., "--key", help="Your private key file (NAME.key), kept on this machine."
)
LogKeyOption = typer.Option(
    None,
    "--log-key",
    envvar="CORRIDOR_LOG_KEY",
    help="With a server: the log's verifier key (.pub); the entries are then checked against "
    "its signed checkpoint (and your last cosigned one) before anything is signed. Default: "
    "the log key you cosigned with --key before.",
)

DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where SQLite and keys live [default: ./corridor-data]"),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL, e.g. postgresql+psycopg://user@host/db [default: SQLite in --data-dir]",
    ),
]


def settings_for(data_dir: Path | None, db: str | None) -> Settings:
    """The service's settings for ``--data-dir`` and ``--db`` (pydantic is read only now)."""
    from corridor.settings import load_settings

    return load_settings(data_dir=data_dir, database_url=db)


def lazy_console(*, stderr: bool = False) -> Console:
    """A Rich console made on first use: Rich's console and its tables are read when a command
    prints, not when ``corridor`` starts."""
    return cast("Console", _LazyConsole(stderr=stderr))


class _LazyConsole:
    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return getattr(self._console, name)
