"""The relaxation's bound, solved in a thread while the search runs and refined on finer
grids while the time allows, and the bounds a plan falls back on.

HiGHS lets go of Python's lock while it solves, so the bound has the machine's other core;
while one is solved the interpreter hands its lock over more often (``SWITCH_SECONDS``), as
HiGHS takes it back now and then and would otherwise wait for the search each time.
"""

from __future__ import annotations

import atexit
import math
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from time import monotonic
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.planning.instance import Instance, Vehicle

#: The relaxation's bound is refined on halved cells down to this many minutes, each finer
#: grid started only if this many times the last one's time fits before the search ends
#: (gen-20 alone: 1.9 s on 4-minute cells, 4.9 s on 2, 10.4 s on 1; beside the search up
#: to 3.6 times the last, and then HiGHS stops at the end and the finer grid is dropped).
FINEST_CELL = 0.5
REFINE_COST = 3.0
#: Where the fleet binds, the first halving brings the point bands with it if this many times
#: the first bound's time fits (gen-20 beside the search: 2.1-3.2 s on 4-minute cells, then
#: 18.5-21 s on 2-minute cells with the bands; else the plain halving comes first, 4-6 s, and
#: the bands after it fitted in only two of three 30-s runs).
BANDED_COST = 8.0
#: While a bound is solved beside the search, the interpreter hands its lock from thread to
#: thread this often (seconds; Python's default is 0.005). HiGHS, in the bound's thread,
#: needs the lock back now and then while it solves, and waits for each handover: gen-20's
#: LP on 4-minute cells took 8-12 s beside the search against 2.5 s alone; with 0.1 ms it
#: takes 3 s, and in 30 s the bound reaches 1-minute cells (8,027.3) with as many search
#: iterations as before (942 against 913, seed 1).
SWITCH_SECONDS = 1e-4


_switch_lock = threading.Lock()
_switch_users = [0, 0.005]  # bounds being solved, the interval to restore after the last


@contextmanager
def _quick_handover() -> Iterator[None]:
    """Hand the interpreter's lock over every ``SWITCH_SECONDS`` while at least one bound is
    solved beside a search in this process (several plans may be made at once in the
    service), and restore the interval there was when the last one ends."""
    with _switch_lock:
        if _switch_users[0] == 0:
            _switch_users[1] = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_SECONDS, _switch_users[1]))
        _switch_users[0] += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users[0] -= 1
            if _switch_users[0] == 0:
                sys.setswitchinterval(_switch_users[1])


#: The bound of everyone waiting, the beds and the cargo, known before the LP (which may come
#: in time or not: the solver says which).
CLOSED_FORM = "closed-form (everyone waiting, the beds)"


#: At exit, how long to wait for a bound still inside HiGHS (seconds): each LP's time limit ends
#: at the search's deadline, so this is HiGHS's last step beyond it.
EXIT_WAIT = 5.0
_RUNNING: weakref.WeakSet[BoundInBackground] = weakref.WeakSet()


def _let_highs_finish() -> None:
    """Before the interpreter shuts down, let a bound still solving finish (no finer grid
    starts). A HiGHS call that returned while Python was shutting down aborted the process
    ("terminate called without an active exception", exit code 134) after the plan was
    written: the thread, back from C++ and refused the interpreter's lock, was unwound
    through code that may not be."""
    until = monotonic() + EXIT_WAIT
    for bound in list(_RUNNING):
        bound.stop.set()
        bound._thread.join(max(0.0, until - monotonic()))


atexit.register(_let_highs_finish)


class BoundInBackground:
    """The relaxation's bound, computed in a thread while the search runs."""

    def __init__(
        self, instance: Instance, excluded: frozenset[str], seconds: float,
        fleet_bound: bool = False,
    ) -> None:  # fmt: skip
        """``fleet_bound``: vehicle time, not the lanes, is short (:func:`fleet_binds`), so
        the bands of where people board may lower the bound even where finer cells do not."""
        self.known: tuple[float, str] = (math.inf, "")  # (bound, method), replaced whole
        self.first = threading.Event()  # the first LP (or its fallback) is in
        self.stop = threading.Event()  # the search is over: no finer grid starts
        self.fleet_bound = fleet_bound
        self._thread = threading.Thread(
            target=self._solve, args=(instance, excluded, seconds), daemon=True, name="bound"
        )
        self._thread.start()
        _RUNNING.add(self)

    def _solve(self, instance: Instance, excluded: frozenset[str], seconds: float) -> None:
        with _quick_handover():
            self._solve_all(instance, excluded, seconds)

    def _solve_all(self, instance: Instance, excluded: frozenset[str], seconds: float) -> None:
        from corridor.planning.bound import LP_METHOD, cargo_bound, closed_form_people

        t0 = monotonic()
        try:  # first the closed form (a fraction of a second), in case the LP has no time
            chosen = allowed(instance, excluded)
            pairs = None if chosen is None else [(v.depot, v.type) for v in chosen]
            closed = closed_form_people(instance, pairs) + cargo_bound(instance)
            self.known = (closed, CLOSED_FORM)
        except Exception:  # the LP below says what went wrong, if it does
            pass
        end = t0 + seconds
        try:
            value, method, cell = bound_of(instance, max(1.0, end - monotonic()), excluded)
            self._take(value, method)
        finally:
            self.first.set()
        self._refine(instance, excluded, end, cell if method == LP_METHOD else 0.0,
                     monotonic() - t0)  # fmt: skip

    def _refine(
        self, instance: Instance, excluded: frozenset[str], end: float, cell: float, took: float
    ) -> None:
        """While the search runs, the same relaxation on cells half as long: its arcs lose less
        to rounding (gen-20: 8,084.3 on 4-minute cells, 8,051.3 on 2, 8,027.3 on 1); and after
        a first halving that lowered the bound (the vehicles' timing binds), or that did not
        where the fleet binds (``fleet_bound``), where the instance is small enough
        (``bands_may_help``), with the loaded arcs in bands of where people board (gen-20 on
        2-minute cells: 7,890.3). Where the fleet binds, the bands come with the first halving
        if ``BANDED_COST`` times the first solve fits. Each step about doubles the LP or
        more: it starts only if ``REFINE_COST`` times the last solve fits before the search
        ends, and none after a step that did not lower the bound (where the lanes bind, as on
        medium and large, neither matters: medium's banded LP, tried after a halving that did
        not lower it, changed nothing and took its peak memory from 129 to 214 MB). Any valid
        bound may be taken: the least stands."""
        from corridor.planning.bound import LP_METHOD
        from corridor.planning.bound.points import REFINE_COLUMNS, bands_may_help

        last = self.known[0]
        points: int | None = None  # the first bound's limit on point bands
        band_next = False
        bands_left = cell > 0 and bands_may_help(instance)
        while not self.stop.is_set() and monotonic() + REFINE_COST * took <= end:
            if band_next:
                points, bands_left, band_next = REFINE_COLUMNS, False, False
            elif cell / 2 >= FINEST_CELL:
                cell /= 2
                if bands_left and self.fleet_bound and monotonic() + BANDED_COST * took <= end:
                    points, bands_left = REFINE_COLUMNS, False  # the bands with the halving
                else:
                    band_next = bands_left
            else:
                return
            started = monotonic()
            value, method, _ = bound_of(instance, end - started, excluded, cell, points)
            took = monotonic() - started
            if method != LP_METHOD or value >= last - 1e-6:
                if method == LP_METHOD and band_next and self.fleet_bound:
                    # The halving did not lower it: each bus's round trips bind whatever the
                    # grid (a generated operation whose near centre is an hour away: 7,143.1
                    # on 4-, 2- and 1-minute cells), but the bands, which make loads from far
                    # points last longer, may (7,099.1 on 2-minute cells).
                    continue
                return
            self._take(value, method)
            last = value

    def _take(self, value: float, method: str) -> None:
        if value < self.known[0]:
            self.known = (value, method)

    def wait_first(self, until: float) -> bool:
        """Wait until the first bound is there or ``until`` (monotonic); whether it is."""
        return self.first.wait(max(0.0, until - monotonic()))

    def wait(self, until: float) -> None:
        """Wait until every refinement is done or ``until`` (monotonic)."""
        self._thread.join(max(0.0, until - monotonic()))


def allowed(instance: Instance, excluded: frozenset[str]) -> list[Vehicle] | None:
    """The vehicles a plan may use (None: the whole fleet)."""
    if not excluded:
        return None
    return [v for v in instance.vehicles if v.name not in excluded]


def bound_of(
    instance: Instance,
    time_limit: float,
    excluded: frozenset[str],
    cell: float | None = None,
    points: int | None = None,
) -> tuple[float, str, float]:
    """The project's own upper bound (for plans without the excluded vehicles), how it was
    found and the cells of its time grid in minutes (on ``cell`` when given; 0 without a
    grid). Where a grid is imposed the exact trip model is left out: it was tried first.
    ``points``: the most point columns for which the LP has bands (the default if None)."""
    from corridor.planning.bound import upper_bound

    chosen = allowed(instance, excluded)
    pairs = None if chosen is None else [(v.depot, v.type) for v in chosen]
    try:
        res = upper_bound(
            instance,
            time_limit=time_limit,
            vehicles=pairs,
            cell_minutes=cell,
            exact=False if cell is not None else None,
            points=points,
        )
    except Exception as exc:  # a failing bound must not cost the coordinator the plan
        failed = f"everyone and all cargo (the LP bound failed: {exc!r})"
        return trivial_bound(instance), failed, 0.0
    return float(res.value), str(res.method), float(res.cell_minutes or 0.0)


def trivial_bound(instance: Instance) -> float:
    people = sum(
        instance.classes[c].weight * n
        for g in instance.gathering
        for c, n in g.people.items()
        if instance.classes[c].weight > 0
    )
    cargo = min(
        sum(g.needs_kg for g in instance.gathering), sum(d.supplies_kg for d in instance.depots)
    )
    return float(people + max(instance.cargo_weight, 0.0) * cargo)
