"""The command line's clock: the system's, or a running clock from ``CORRIDOR_CLOCK``.

Commands that stamp or judge by time read :func:`cli_clock`; commands that answer "as of"
(``agreement status``) also take ``--now``.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from corridor.services.ports import Clock

NowOption = typer.Option(
    None,
    "--now",
    help="As of this instant, ISO 8601 with its UTC offset (2026-05-14T09:00+02:00); default: now.",
)


def cli_clock() -> Clock:
    from corridor.adapters.clock import clock_from

    return clock_from(os.environ.get("CORRIDOR_CLOCK"))


def as_of(now: str | None) -> dt.datetime:
    """``--now`` if given, else the command line's clock."""
    if now is None:
        return cli_clock()()
    from corridor.adapters.clock import parse_instant

    return parse_instant("--now", now)
