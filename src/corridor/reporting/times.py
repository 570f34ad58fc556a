"""Minutes from midnight as a person reads them."""

from __future__ import annotations

import math


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
