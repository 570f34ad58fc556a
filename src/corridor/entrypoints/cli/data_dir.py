"""The data of an operation that already exists, for the commands that only read it.

``corridor serve`` makes its data directory and database when they are missing: that is how an
operation starts. A command that reads an operation (``announce``, ``notices``, ``export``,
``after-action``) must not: given a misspelt ``--data-dir`` it would make an empty operation
there and report nothing to do, as if all were well. This module is light (the standard
library and the shared options): commands call it before they open the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from corridor.entrypoints.cli.options import settings_for
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.settings import Settings


def existing_settings(data_dir: Path | None, db: str | None) -> Settings:
    """The settings of ``--data-dir`` / ``--db`` (as :func:`settings_for`), refused with an
    :class:`InputError` naming the option and the value when they hold no database yet."""
    settings = settings_for(data_dir, db)
    database = _sqlite_file(settings.db_url)
    if database is None or database.is_file():
        return settings  # a database server, or a file that is there
    if settings.database_url:
        raise InputError(
            "--db",
            f"{str(database)!r} does not exist: give the database of `corridor serve` "
            "(a command that reads an operation does not make one)",
            settings.database_url,
        )
    folder = settings.data_dir
    where = "--data-dir" if data_dir is not None else "--data-dir (CORRIDOR_DATA_DIR)"
    why = (
        f"holds no corridor database ({database.name} is missing)"
        if folder.is_dir()
        else "does not exist"
    )
    raise InputError(
        where,
        f"{str(folder)!r} {why}: give the --data-dir (or --db) of `corridor serve` "
        "(a command that reads an operation does not make one)",
        str(folder),
    )


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # opening the database says what is wrong with the URL
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)
