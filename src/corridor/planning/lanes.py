"""Checkpoint lane timelines: the busy intervals of every lane of one checkpoint direction.

The construction reserves lane time as it schedules each trip (the CCRP idea of capacity
reservations over time): a query finds the earliest start at or after a given time where
some lane is free for the whole service, and a reservation records the interval. Intervals
are half-open ``[start, end)``, as the referee counts them, so crossings may touch.
"""

from __future__ import annotations

from bisect import bisect_right


class LaneTimeline:
    """Busy intervals of the ``lanes`` parallel lanes of one checkpoint and direction."""

    def __init__(self, lanes: int, service: float) -> None:
        self.service = service
        self.starts: list[list[float]] = [[] for _ in range(lanes)]
        self.ends: list[list[float]] = [[] for _ in range(lanes)]

    @property
    def closed(self) -> bool:
        return not self.starts

    def earliest(self, t: float) -> tuple[float, int]:
        """The earliest ``(start, lane)`` with ``start >= t`` where a crossing fits; closed: inf."""
        best, best_lane = float("inf"), -1
        dur = self.service
        for lane, (starts, ends) in enumerate(zip(self.starts, self.ends, strict=True)):
            i = bisect_right(ends, t)
            cand = t
            while i < len(starts) and cand + dur > starts[i]:
                cand = max(cand, ends[i])
                i += 1
            if cand < best:
                best, best_lane = cand, lane
        return best, best_lane

    def reserve(self, lane: int, start: float, end: float) -> None:
        """Record ``[start, end)`` on ``lane``; the caller found it free with :meth:`earliest`."""
        starts, ends = self.starts[lane], self.ends[lane]
        i = bisect_right(starts, start)
        starts.insert(i, start)
        ends.insert(i, end)

    def add_fixed(self, start: float, end: float) -> bool:
        """Record a crossing that is already decided (kept from an earlier plan) on any lane
        where it fits; False when no lane has room (the kept crossings break the lanes)."""
        for lane in range(len(self.starts)):
            starts, ends = self.starts[lane], self.ends[lane]
            i = bisect_right(starts, start)
            free_before = i == 0 or ends[i - 1] <= start
            free_after = i == len(starts) or end <= starts[i]
            if free_before and free_after:
                self.reserve(lane, start, end)
                return True
        return False

    def copy(self) -> LaneTimeline:
        other = LaneTimeline(0, self.service)
        other.starts = [list(s) for s in self.starts]
        other.ends = [list(e) for e in self.ends]
        return other
