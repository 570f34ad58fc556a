"""The reference model in SimPy: one process per vehicle, one per suspension, a dispatcher per
checkpoint direction. Written to be read against ``docs/simulation.md``; slow, and the judge of
the fast engine (:mod:`corridor.simulation.kernel`), which must give the same outcome for every
run of the same :class:`~corridor.simulation.draws.Draws`.

Two details make the comparison exact rather than approximate:

- Times are kept exactly: an event due at time ``t`` is scheduled *at* ``t`` (SimPy's own
  ``timeout(t - now)`` would land on ``now + (t - now)``, which may differ from ``t`` in the
  last bit), and a delay ``d`` from ``now`` is ``timeout(d)``, as the kernel adds it.
- A checkpoint hands out lanes once everything due at that instant has happened (an event of
  lower priority than SimPy's ordinary ones), to the waiting vehicles in order of (when they
  became eligible, route order): first come, first served, whatever order SimPy happens to
  process simultaneous arrivals in.
"""

from __future__ import annotations

import heapq
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL, EventPriority

from corridor.simulation.draws import Draws
from corridor.simulation.kernel import BREAKDOWN, SUSPENSION, TOL, TRAVEL, Outcome
from corridor.simulation.model import CROSS_IN, CROSS_OUT, GATHERING, SimModel

#: priority of a checkpoint's dispatch: after every ordinary event of the same instant
LATE = EventPriority(2)

Process = Generator[simpy.Event, Any, Any]


class Clock(simpy.Environment):
    """SimPy's environment, with events at exact absolute times and end-of-instant events."""

    def _scheduled(self, when: float, priority: EventPriority) -> simpy.Event:
        ev = simpy.Event(self)
        ev._ok, ev._value = True, None
        heapq.heappush(self._queue, (when, priority, next(self._eid), ev))
        return ev

    def at(self, when: float) -> simpy.Event:
        return self._scheduled(when, NORMAL)

    def end_of_instant(self) -> simpy.Event:
        return self._scheduled(self.now, LATE)


class Corridor:
    """Open or suspended; vehicles inside and checkpoints hold while it is suspended."""

    def __init__(self, env: Clock, starts: list[float], ends: list[float]) -> None:
        self.env, self.suspended = env, False
        self.spans = list(zip(starts, ends, strict=True))
        self.started, self.resumed = env.event(), env.event()
        self.checkpoints: list[Checkpoint] = []
        for a, b in self.spans:
            env.process(self._suspension(env.at(a), env.at(b)))

    def _suspension(self, start: simpy.Event, end: simpy.Event) -> Process:
        yield start
        self.suspended = True
        self.started, ev = self.env.event(), self.started
        ev.succeed()
        yield end
        self.suspended = False
        self.resumed, ev = self.env.event(), self.resumed
        ev.succeed()
        for k in self.checkpoints:
            k.wake()

    def hold(self, d: float) -> Generator[simpy.Event, Any, float]:
        """Be busy for ``d`` minutes of open corridor; returns the minutes frozen meanwhile."""
        rem, frozen = d, 0.0
        while True:
            if self.suspended:
                t0 = self.env.now
                yield self.resumed
                frozen += self.env.now - t0
            cur = self.env.now
            done = self.env.timeout(rem)
            yield done | self.started
            if done.processed:
                return frozen
            rem = rem - (self.env.now - cur)

    def overlap(self, a: float, b: float) -> float:
        """Minutes of [a, b) during which the corridor was suspended."""
        total = 0.0
        for s, e in self.spans:
            total += max(0.0, min(e, b) - max(s, a))
        return total


class Checkpoint:
    """One direction of a checkpoint: ``lanes`` lanes, first come first served."""

    def __init__(self, env: Clock, corridor: Corridor, lanes: int, close: float) -> None:
        self.env, self.corridor, self.lanes, self.close = env, corridor, lanes, close
        self.busy = 0
        self.waiting: list[tuple[float, int, float, simpy.Event]] = []
        self.pending = False
        corridor.checkpoints.append(self)

    def request(self, vehicle: int, trip_minutes: float) -> simpy.Event:
        """Wait for a lane; the event's value is False if the trip may not start any more.

        ``trip_minutes`` is the planned length of the trip an "in" crossing starts (``-1``: an
        "out" crossing, always let through)."""
        ev = self.env.event()
        heapq.heappush(self.waiting, (self.env.now, vehicle, trip_minutes, ev))
        self.wake()
        return ev

    def release(self) -> None:
        self.busy -= 1
        self.wake()

    def wake(self) -> None:
        if not self.pending:
            self.pending = True
            self.env.end_of_instant().callbacks.append(self._dispatch)

    def _dispatch(self, _event: simpy.Event) -> None:
        self.pending = False
        while self.waiting and self.busy < self.lanes and not self.corridor.suspended:
            trip_minutes, ev = heapq.heappop(self.waiting)[2:]
            if trip_minutes >= 0 and self.env.now + trip_minutes > self.close + TOL:
                ev.succeed(False)  # too late to clear the checkpoint before the close
                continue
            self.busy += 1
            ev.succeed(True)


def run_one(model: SimModel, draws: Draws) -> Outcome:
    """Simulate the one run of ``draws`` (a batch of one) with SimPy."""
    trips, classes, crossings = len(model.trips), len(model.classes), model.crossings
    out = Outcome(
        np.full((1, trips), np.nan),
        np.zeros((1, trips, classes), dtype=np.int64),
        np.full((1, trips), -1, dtype=np.int64),
        np.full((1, crossings), np.nan),
        np.full((1, crossings), np.nan),
    )
    env = Clock()
    sa, sb = draws.susp_start[0], draws.susp_end[0]
    ok = np.isfinite(sa)
    corridor = Corridor(env, sa[ok].tolist(), sb[ok].tolist())
    lanes = [Checkpoint(env, corridor, int(n), model.close) for n in model.lanes]
    for v in range(len(model.vehicles)):
        env.process(Vehicle(env, model, draws, corridor, lanes, out, v).drive())
    env.run()
    return out


class Vehicle:
    """A vehicle following its route; it keeps its lateness and what caused it (for blame)."""

    def __init__(
        self,
        env: Clock,
        model: SimModel,
        draws: Draws,
        corridor: Corridor,
        lanes: list[Checkpoint],
        out: Outcome,
        v: int,
    ) -> None:
        self.env, self.m, self.d, self.corridor, self.lanes, self.out = (
            env,
            model,
            draws,
            corridor,
            lanes,
            out,
        )
        self.v = v
        self.aboard = [0] * len(model.classes)
        self.late = 0.0  # how much later than planned it left its last stop
        self.worst, self.cause = 0.0, -1  # biggest growth of lateness since it was on time

    def blame(self, late: float, cat: int) -> None:
        grown = late - self.late
        if late <= TOL:
            self.worst, self.cause = 0.0, -1
        elif grown > self.worst:
            self.worst, self.cause = grown, cat
        self.late = late

    def category(self, repair: float, frozen: float, travel: float, here: float, k: int) -> int:
        n_res = len(self.lanes)
        best, cat = travel, n_res + TRAVEL
        for amount, c in ((repair, n_res + BREAKDOWN), (frozen, n_res + SUSPENSION), (here, k)):
            if amount > best:
                best, cat = amount, c
        return cat

    def drive(self) -> Process:
        m, env = self.m, self.env
        first, last = int(m.first[self.v]), int(m.first[self.v + 1])
        for s in range(first, last):
            rep = frozen = travel = 0.0
            if s == first:
                yield env.at(float(m.p_arrive[s]))
            else:
                leg = float(self.d.leg[0, s])
                rep = float(self.d.repair[0, s])
                travel = max(leg - rep - float(m.travel[s]), 0.0)
                if m.inside_leg[s]:
                    frozen = yield from self.corridor.hold(leg)
                else:
                    yield env.timeout(leg)
            if m.kind[s] in (CROSS_IN, CROSS_OUT):
                if not (yield from self.cross(s, rep, frozen, travel)):
                    return
            else:
                yield from self.stop(s, rep, frozen, travel)

    def stop(self, s: int, rep: float, frozen: float, travel: float) -> Process:
        m, env = self.m, self.env
        if m.p_arrive[s] > env.now:
            yield env.at(float(m.p_arrive[s]))
        people = 0
        for c in range(len(self.aboard)):
            got = 0
            g = int(m.point[s])
            if g >= 0:
                left = int(self.d.attend[0, g, c]) - int(m.board_before[s, c])
                got = min(max(left, 0), int(m.board[s, c]))
            off = min(int(m.alight[s, c]), self.aboard[c] + got)
            self.aboard[c] += got - off
            people += got + off
        need = m.stop_fixed + m.stop_per_person * people if (people > 0 or m.cargo[s]) else 0.0
        if m.kind[s] == GATHERING:
            frozen += yield from self.corridor.hold(need)
        else:
            yield env.timeout(need)
        if m.p_leave[s] > env.now:
            yield env.at(float(m.p_leave[s]))
        self.blame(env.now - float(m.p_leave[s]), self.category(rep, frozen, travel, 0.0, -1))

    def cross(self, s: int, rep: float, frozen: float, travel: float) -> Generator[Any, Any, bool]:
        m, env, r = self.m, self.env, 0
        if m.p_begin[s] > env.now:
            yield env.at(float(m.p_begin[s]))
        elig, k, x, t = env.now, int(m.resource[s]), int(m.cross_index[s]), int(m.trip[s])
        self.out.elig[r, x] = elig
        trip_minutes = float(m.trip_duration[t]) if m.kind[s] == CROSS_IN else -1.0
        granted = yield self.lanes[k].request(self.v, trip_minutes)
        start = env.now
        self.out.start[r, x] = start
        held = self.corridor.overlap(elig, start)
        wait = (start - elig) - held
        if not granted:
            self.blame(
                start - float(m.p_begin[s]), self.category(rep, frozen + held, travel, wait, k)
            )
            last_trip = int(m.trip[int(m.first[self.v + 1]) - 1])
            self.out.trip_cause[r, t : last_trip + 1] = self.cause
            return False
        service = float(self.d.service[0, s])
        frozen = frozen + held
        frozen = frozen + (yield from self.corridor.hold(service))
        if m.p_leave[s] > env.now:
            yield env.at(float(m.p_leave[s]))
        self.lanes[k].release()
        end = env.now
        over = max(service - (float(m.p_leave[s]) - float(m.p_begin[s])), 0.0)
        self.blame(end - float(m.p_leave[s]), self.category(rep, frozen, travel, wait + over, k))
        if m.kind[s] == CROSS_OUT:
            self.out.trip_end[r, t] = end
            self.out.trip_people[r, t] = self.aboard
            if end > m.close + TOL:
                self.out.trip_cause[r, t] = self.cause
        return True
