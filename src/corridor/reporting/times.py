"""Minutes from midnight as a person reads them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: How a minute of the plan is written for people: :func:`hhmm`, or a :class:`WallClock`.
Clock = Callable[[float | None], str]


def hhmm(minutes: float | None) -> str:
    """Minutes from midnight as HH:MM (a later day gets a +1d suffix); '-' for None."""
    if minutes is None:
        return "-"
    m = math.floor(minutes + 1e-6)
    day, rest = divmod(m, 24 * 60)
    suffix = "" if day == 0 else f" {day:+d}d"
    return f"{rest // 60:02d}:{rest % 60:02d}{suffix}"


def duration(minutes: float) -> str:
    """``45 min``, ``1 h 05 min``; ``0.5 min`` below a minute."""
    if 0 < minutes < 1:
        return f"{minutes:.1f} min"
    m = math.floor(minutes + 1e-6)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


@dataclass(frozen=True)
class WallClock:
    """Minutes of the plan as the wall clock of ``zone`` reads them: minute 0 is ``origin``
    (midnight at the opening's UTC offset). On a day the clocks change, :func:`hhmm` would read
    the shift off after the change (a window of 00:00 to 12:00 on 25 October in Europe would end
    at "13:00"); this reads 12:00, and names the zone's time after the change ("12:00 CET"),
    so that the hour the clocks repeat is not read twice."""

    origin: dt.datetime
    zone: ZoneInfo

    def __call__(self, minutes: float | None) -> str:
        if minutes is None:
            return "-"
        at = (self.origin + dt.timedelta(minutes=math.floor(minutes + 1e-6))).astimezone(self.zone)
        # the day and the offset are the opening's (minute 0 is midnight at its offset, which
        # is the evening before in the zone when the window opens after a change)
        day = (at.date() - self.origin.date()).days
        suffix = "" if day == 0 else f" {day:+d}d"
        # after a change the zone's name says which of a repeated hour it is (02:33, then
        # 02:17 CET on 25 October)
        zone = f" {at.tzname()}" if at.utcoffset() != self.origin.utcoffset() else ""
        return f"{at.hour:02d}:{at.minute:02d}{zone}{suffix}"
