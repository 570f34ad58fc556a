"""Clocks: the one source of "now" for the whole program.

Every service, repository, witness and command reads the clock that :mod:`corridor.bootstrap`
(or the CLI) hands it, never the system's directly. In production that is :func:`system_clock`;
in tests a :class:`FixedClock`; for a rehearsal, a replay or the demo a :class:`RunningClock`
that starts at a chosen instant (``CORRIDOR_CLOCK``) and runs on, optionally faster than real
time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import TYPE_CHECKING

from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.services.ports import Clock

UTC = dt.UTC


def system_clock() -> dt.datetime:
    """The machine's time, in UTC."""
    return dt.datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = _aware(at)

    def __call__(self) -> dt.datetime:
        return self._at

    def set(self, at: dt.datetime) -> None:
        self._at = _aware(at)

    def advance(self, **delta: float) -> dt.datetime:
        self._at += dt.timedelta(**delta)
        return self._at


class RunningClock:
    """Starts at ``at`` and runs on at ``rate`` times real time (1: a normal clock).

    :meth:`set` moves it (and may change its rate), for a replay that runs an hour of an
    operation in half a minute; every reader sees the same time.
    """

    def __init__(self, at: dt.datetime, rate: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._set(at, rate)

    def _set(self, at: dt.datetime, rate: float) -> None:
        if not rate > 0:
            raise ValueError(f"a clock's rate must be > 0, got {rate}")
        self._origin = _aware(at)
        self._since = time.monotonic()
        self.rate = rate

    def __call__(self) -> dt.datetime:
        with self._lock:
            ran = (time.monotonic() - self._since) * self.rate
            return self._origin + dt.timedelta(seconds=ran)

    def set(self, at: dt.datetime, rate: float | None = None) -> None:
        with self._lock:
            self._set(at, self.rate if rate is None else rate)


def parse_instant(where: str, text: str) -> dt.datetime:
    """An ISO 8601 instant with its UTC offset (``2026-05-14T06:00+02:00`` or ``...Z``), kept
    as written; an error names ``where`` and the text otherwise."""
    try:
        at = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            where, f"{text!r} is not an ISO 8601 time (2026-05-14T06:00+02:00)"
        ) from None
    if at.tzinfo is None:
        raise InputError(where, f"{text!r} has no UTC offset; add one, e.g. +02:00 or Z")
    return at


def clock_from(start: str | dt.datetime | None, where: str = "CORRIDOR_CLOCK") -> Clock:
    """The system clock, or a :class:`RunningClock` from ``start`` when one is given."""
    if start is None or start == "":
        return system_clock
    at = start if isinstance(start, dt.datetime) else parse_instant(where, start)
    if at.tzinfo is None:
        raise InputError(where, f"{at.isoformat()!r} has no UTC offset")
    return RunningClock(at)


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError(f"a clock needs an aware time, got {at.isoformat()}")
    return at.astimezone(UTC)
