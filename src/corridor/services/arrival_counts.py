"""An arrival counted once per vehicle and stop, whoever checks it in.

The driver (from the driver page) and the reception centre may both record an arrival check-in
for the same vehicle at the same stop: added up, the people would be counted twice and a
vehicle that set down fewer than it boarded would look complete. Two arrival check-ins of one
vehicle at one place within :data:`SAME_STOP_MIN` minutes are of one stop. Reception's count
(any role but the driver's) prevails; the driver's counts where reception has none, and gives
way when reception's comes, whichever is stored first. Where the two differ, the disagreement
is kept and shown in the reconciliation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.domain.operations import CheckIn

#: Two arrival check-ins of one vehicle at one place this close in time (minutes) are of one
#: stop (a vehicle's next visit to the same centre is a round trip later).
SAME_STOP_MIN = 30.0
DRIVER = "driver"


def same_stop(a: CheckIn, b: CheckIn) -> bool:
    return (
        a.vehicle == b.vehicle
        and a.place == b.place
        and abs((a.at - b.at).total_seconds()) <= SAME_STOP_MIN * 60
    )


@dataclass
class StopCounts:
    """One vehicle's arrival check-ins so far: reception's, the driver's still counted (each
    with a key the caller gives, and its count), and the disagreements between the two."""

    reception: list[CheckIn] = field(default_factory=list)
    driver: list[tuple[Any, CheckIn, Counter[str]]] = field(default_factory=list)
    disagreements: list[dict[str, Any]] = field(default_factory=list)

    def copy(self) -> StopCounts:
        return StopCounts(list(self.reception), list(self.driver), list(self.disagreements))

    def take(
        self, c: CheckIn, counted: Counter[str], key: Any = None
    ) -> tuple[Counter[str], list[tuple[Any, Counter[str]]], bool]:
        """Arrival ``c`` (``counted``: its people as counted): what it adds to the vehicle's
        arrived, the driver's check-ins (key, count) it withdraws, and whether it counts."""
        if c.source == DRIVER:
            ours = next((r for r in self.reception if same_stop(r, c)), None)
            if ours is not None:
                self._disagree(ours, c)
                return Counter(), [], False
            self.driver.append((key, c, counted))
            return counted, [], True
        self.reception.append(c)
        gone = [(k, d, n) for k, d, n in self.driver if same_stop(d, c)]
        for k, d, n in gone:
            self.driver.remove((k, d, n))
            self._disagree(c, d)
        return counted, [(k, n) for k, _, n in gone], True

    def _disagree(self, reception: CheckIn, driver: CheckIn) -> None:
        ours, theirs = Counter(reception.people), Counter(driver.people)
        if +ours == +theirs:
            return
        self.disagreements.append(
            {
                "place": reception.place,
                "at": reception.at.isoformat(),
                "reception": dict(+ours),
                "driver": dict(+theirs),
                "counted": "reception",
            }
        )


def trip_done(sheet: dict[str, Any] | None, arrivals: list[CheckIn]) -> bool:
    """Whether the vehicle's last arrival is its trip's last planned reception (True when the
    plan does not say: then every arrival is judged)."""
    if sheet is None or not arrivals:
        return True
    stops = sheet["stops"]
    index = -1
    for c in arrivals:
        nxt = next(
            (
                i
                for i in range(index + 1, len(stops))
                if stops[i]["place"] == c.place and stops[i]["deliver"]
            ),
            None,
        )
        if nxt is None:
            return True
        index = nxt
    for s in stops[index + 1 :]:
        if s.get("dir") == "in" or s["board"]:
            return True
        if s["deliver"]:
            return False
    return True
