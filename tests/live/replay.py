"""A replay of a published plan through the HTTP API: every vehicle reports where its trip
sheet has it, minute by minute on the service's clock, with boarding and arrival check-ins at
its stops; faults are injected on purpose (a delay, an off-route leg, a missing person)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from service.conftest import Api

from corridor.adapters.clock import FixedClock
from corridor.routing.matching import distance_to
from corridor.services.tracking import plan_in_force

#: Minutes between two reports of a vehicle.
STEP = 2.0


@dataclass
class Faults:
    """What goes wrong: ``delay`` holds a vehicle at its first inbound checkpoint for some
    minutes; ``detour`` takes a vehicle ``detour_m`` off its route for the middle of one leg;
    ``missing`` leaves one named person out of a vehicle's arrival check-in."""

    delay: tuple[str, float] | None = None
    detour: tuple[str, int] | None = None
    detour_m: float = 800.0
    missing: str | None = None


@dataclass
class Timeline:
    """A vehicle's planned positions in time, shifted by an injected delay."""

    sheet: dict[str, Any]
    shift_from: float = float("inf")
    shift: float = 0.0
    coords: np.ndarray = field(init=False)
    times_in: np.ndarray = field(init=False)
    times_out: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.coords = np.asarray(self.sheet["route"]["coordinates"], dtype=float)
        stops = self.sheet["stops"]
        starts = [*self.sheet["leg_starts"], len(self.coords)]
        n = len(self.coords)
        t_in, t_out = np.zeros(n), np.zeros(n)
        for leg, (a, b) in enumerate(itertools.pairwise(starts)):
            seg = self.coords[a:b]
            d = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(seg, axis=0).T))])
            frac = d / d[-1] if d[-1] > 0 else np.zeros(len(d))
            t0, t1 = stops[leg]["leave_min"], stops[leg + 1]["arrive_min"]
            t_in[a:b] = t_out[a:b] = t0 + frac * (t1 - t0)
            t_in[a] = stops[leg]["arrive_min"]
        self.times_in, self.times_out = t_in, t_out
        self.end = float(stops[-1]["arrive_min"])
        self.start = float(stops[0]["leave_min"])

    def minute(self, planned: float) -> float:
        return planned + (self.shift if planned >= self.shift_from else 0.0)

    def where(self, m: float) -> tuple[float, float, int] | None:
        """(lon, lat, vertex) at minute ``m`` of the clock, None outside the trip; the step
        after the trip ends still reports its end (where the vehicle parked)."""
        last = self.minute(self.end)
        if m < self.start or m > last + STEP:
            return None
        m = min(m, last)
        if self.shift and self.shift_from <= m < self.shift_from + self.shift:
            m = self.shift_from  # held where the plan had it at the delay's start
        elif m >= self.shift_from + self.shift:
            m -= self.shift
        i = int(np.searchsorted(self.times_out, m, side="right")) - 1
        i = max(0, min(i, len(self.coords) - 1))
        if i + 1 < len(self.coords) and self.times_in[i + 1] > self.times_out[i]:
            f = (m - self.times_out[i]) / (self.times_in[i + 1] - self.times_out[i])
            f = min(max(f, 0.0), 1.0)
            lon, lat = self.coords[i] + f * (self.coords[i + 1] - self.coords[i])
        else:
            lon, lat = self.coords[i]
        return float(lon), float(lat), i


def at(origin: dt.datetime, minute: float) -> dt.datetime:
    return origin + dt.timedelta(minutes=minute)


def replay(
    api: Api,
    clock: FixedClock,
    faults: Faults,
    evacuees: dict[str, list[int]],
    step: float = STEP,
    until: float | None = None,
    since: float | None = None,
    tag: str = "",
) -> dict[str, Any]:
    """Run the plan in force from the first departure (or the step after minute ``since``,
    replayed already: its check-ins are not sent again) to 20 min after the last arrival (or
    to minute ``until``); ``tag`` starts every client id (a second replay's are new ones)."""
    sheets = {s["vehicle"]: s for s in api.get("coordinator", "/v1/trip-sheets").json()}
    pub = api.get("coordinator", "/v1/publications").json()[-1]
    origin = dt.datetime.fromisoformat(pub["origin"])
    lines = {v: Timeline(s) for v, s in sheets.items()}
    if faults.delay:
        vehicle, minutes = faults.delay
        first_in = next(s for s in sheets[vehicle]["stops"] if s.get("dir") == "in")
        lines[vehicle].shift_from = float(first_in["arrive_min"])
        lines[vehicle].shift = minutes
    with api.service.uow() as uow:
        routes = plan_in_force(uow).routes  # type: ignore[union-attr]
    detour = None
    if faults.detour:
        vehicle, leg = faults.detour
        starts = [*sheets[vehicle]["leg_starts"], len(lines[vehicle].coords)]
        a, b = starts[leg], starts[leg + 1]
        detour = (vehicle, a + (b - a) // 3, a + 2 * (b - a) // 3)
    # Check-ins at each stop, when the vehicle gets there (people named in the boarding).
    pending: list[tuple[float, str, dict[str, Any]]] = []
    named: dict[str, list[int]] = {}
    for v, s in sheets.items():
        for stop in s["stops"]:
            if stop["board"]:
                ids = evacuees.get(f"{v}@{stop['place']}", [])
                named.setdefault(v, []).extend(ids)
                body = {"kind": "boarding", "place": stop["place"], "people": stop["board"],
                        "evacuees": ids}  # fmt: skip
                pending.append((lines[v].minute(stop["arrive_min"]), v, body))
            if stop["deliver"]:
                people = dict(stop["deliver"])
                ids = list(named.get(v, []))
                named[v] = []
                if faults.missing and faults.missing == v and ids:
                    ids = ids[1:]
                    k = next(iter(people))
                    people[k] -= 1
                body = {"kind": "arrival", "place": stop["place"], "people": people,
                        "evacuees": ids}  # fmt: skip
                pending.append((lines[v].minute(stop["arrive_min"]), v, body))
    pending.sort(key=lambda p: p[0])
    start = min(t.start for t in lines.values())
    if since is not None:
        start = max(start, since + step)
        pending = [p for p in pending if p[0] > since]
    end = max(t.minute(t.end) for t in lines.values()) + 20
    if until is not None:
        end = min(end, until)
    m, n, seq = start, 0, 0
    while m <= end:
        clock.set(at(origin, m))
        batch = []
        for v, line in lines.items():
            where = line.where(m)
            if where is None:
                continue
            lon, lat, i = where
            if detour and v == detour[0] and detour[1] <= i <= detour[2]:
                lon, lat = _away(routes[v], lon, lat, faults.detour_m)
            seq += 1
            when = at(origin, m).isoformat()
            batch.append({"client_id": f"{tag}r{seq}", "vehicle": v, "at": when,
                          "lat": lat, "lon": lon})  # fmt: skip
        if batch:
            r = api.post("coordinator", "/v1/positions", {"positions": batch})
            assert r.status_code == 200, r.text
        while n < len(pending) and pending[n][0] <= m:
            _, v, body = pending[n]
            who = "coordinator" if body["kind"] == "boarding" else "reception"
            when = at(origin, m).isoformat()
            full = {"client_id": f"{tag}c{n}", "vehicle": v, "at": when, **body}
            r = api.post(who, "/v1/checkins", full)
            assert r.status_code in (200, 201), r.text
            n += 1
        assert api.post("coordinator", "/v1/tracking/sweep").status_code == 200
        m += step
    return {"sheets": sheets, "origin": origin, "end": end, "lines": lines}


def _away(route: Any, lon: float, lat: float, metres: float) -> tuple[float, float]:
    """A point ``metres`` from (lon, lat), in the direction that is farthest from the route."""
    best = (lon, lat, -1.0)
    for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
        dlat = metres * np.cos(angle) / 111_320
        dlon = metres * np.sin(angle) / (111_320 * np.cos(np.radians(lat)))
        d = distance_to(route, lon + dlon, lat + dlat)
        if d > best[2]:
            best = (lon + dlon, lat + dlat, d)
    return best[0], best[1]
