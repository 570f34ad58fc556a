"""Checkpoint lane timelines: the free time of every lane of one checkpoint direction.

The construction reserves lane time as it schedules each trip (the CCRP idea of capacity
reservations over time): a query finds the earliest start at or after a given time where
some lane is free for the whole service, and a reservation records the interval. Intervals
are half-open ``[start, end)``, as the referee counts them, so crossings may touch.

Every crossing a timeline is asked for lasts its ``service``, so each lane keeps only its free
gaps at least that long, sorted: the earliest start is one bisection per lane.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

INF = float("inf")


class LaneTimeline:
    """Free gaps of the ``lanes`` parallel lanes of one checkpoint and direction."""

    def __init__(self, lanes: int, service: float) -> None:
        self.service = service
        self.gap_starts: list[list[float]] = [[-INF] for _ in range(lanes)]
        self.gap_ends: list[list[float]] = [[INF] for _ in range(lanes)]
        self.last_end: list[float] = [-INF] * lanes  # the end of each lane's latest crossing

    @property
    def closed(self) -> bool:
        return not self.gap_starts

    def earliest(self, t: float) -> tuple[float, int]:
        """The earliest ``(start, lane)`` with ``start >= t`` where a crossing fits; closed: inf."""
        best, best_lane = INF, -1
        need = t + self.service
        for lane, (starts, ends) in enumerate(zip(self.gap_starts, self.gap_ends, strict=True)):
            i = bisect_left(ends, need)  # the first gap that ends late enough
            if i < len(ends):
                cand = max(starts[i], t)
                if cand < best:
                    best, best_lane = cand, lane
        return best, best_lane

    def reserve(self, lane: int, start: float, end: float) -> None:
        """Record ``[start, end)`` on ``lane``; the caller found it free with :meth:`earliest`."""
        starts, ends = self.gap_starts[lane], self.gap_ends[lane]
        i = bisect_right(starts, start) - 1
        a, b = starts[i], ends[i]
        pieces = [(lo, hi) for lo, hi in ((a, start), (end, b)) if lo + self.service <= hi]
        starts[i : i + 1] = [lo for lo, _ in pieces]
        ends[i : i + 1] = [hi for _, hi in pieces]
        self.last_end[lane] = max(self.last_end[lane], end)

    def fits(self, lane: int, start: float, end: float) -> bool:
        """Whether ``[start, end)`` lies in a free gap of ``lane``."""
        starts, ends = self.gap_starts[lane], self.gap_ends[lane]
        i = bisect_right(starts, start) - 1
        return i >= 0 and end <= ends[i]

    def add_fixed(self, start: float, end: float) -> bool:
        """Record a crossing that is already decided (kept from an earlier plan) on any lane
        where it fits; False when no lane has room (the kept crossings break the lanes)."""
        for lane in range(len(self.gap_starts)):
            if self.fits(lane, start, end):
                self.reserve(lane, start, end)
                return True
        return False

    def copy(self) -> LaneTimeline:
        other = LaneTimeline(0, self.service)
        other.gap_starts = [list(s) for s in self.gap_starts]
        other.gap_ends = [list(e) for e in self.gap_ends]
        other.last_end = list(self.last_end)
        return other
