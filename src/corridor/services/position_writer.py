"""Group commit for position reports: many batches, one transaction, one disk flush.

Fifty vehicles reporting at once would otherwise queue for the database one commit (one fsync)
each. The writer thread takes every batch waiting, stores them in one transaction, commits, and
only then answers each request: an acknowledgement still means "on disk", and a crash before
the commit loses only reports nobody was told were stored (their retry stores them once).
The group's reports are matched to their routes together (:func:`tracking.track`), each
vehicle's alerts judged once on its latest state.
If the grouped transaction fails, each batch is retried alone so one bad batch fails alone.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corridor.services import tracking
from corridor.services.operations import PositionsResult, store_positions

if TYPE_CHECKING:
    from corridor.domain.access import Principal
    from corridor.domain.operations import PositionReport
    from corridor.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Job:
    who: Principal
    reports: list[PositionReport]
    done: threading.Event = field(default_factory=threading.Event)
    result: PositionsResult | None = None
    error: BaseException | None = None
    #: For async callers: the future to resolve on their event loop.
    future: asyncio.Future[PositionsResult] | None = None

    def finish(self) -> None:
        self.done.set()
        fut = self.future
        if fut is not None:
            fut.get_loop().call_soon_threadsafe(self._resolve, fut)

    def _resolve(self, fut: asyncio.Future[PositionsResult]) -> None:
        if fut.cancelled():
            return
        if self.error is not None:
            fut.set_exception(self.error)
        else:
            assert self.result is not None
            fut.set_result(self.result)


class PositionWriter:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], max_group: int = 256) -> None:
        self._uow_factory = uow_factory
        self._max_group = max_group
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: How many transactions and batches so far, and the writer thread's CPU seconds (for
        #: the benchmark and tests).
        self.commits = 0
        self.batches = 0
        self.cpu_s = 0.0

    def write(self, who: Principal, reports: list[PositionReport]) -> PositionsResult:
        """Store a checked batch; returns once it is committed (or raises its error)."""
        self._ensure_thread()
        job = _Job(who, reports)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    async def write_async(self, who: Principal, reports: list[PositionReport]) -> PositionsResult:
        """The same, awaited on the caller's event loop without holding a thread."""
        self._ensure_thread()
        job = _Job(who, reports, future=asyncio.get_running_loop().create_future())
        self._queue.put(job)
        assert job.future is not None
        return await job.future

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="position-writer", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            while len(jobs) < self._max_group:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # stop after this group
                    break
                jobs.append(nxt)
            started = time.thread_time()
            try:
                self._store(jobs)
            except Exception:
                if len(jobs) == 1:
                    jobs[0].error = _error()
                else:
                    log.warning("a group of %d batches failed; storing them one by one", len(jobs))
                    for job in jobs:
                        try:
                            self._store([job])
                        except Exception:
                            job.error = _error()
            self.cpu_s += time.thread_time() - started
            for job in jobs:
                job.finish()

    def _store(self, jobs: list[_Job]) -> None:
        uow = self._uow_factory()
        with uow:
            try:
                trusted: list[PositionReport] = []
                results = [store_positions(uow, j.who, j.reports, trusted) for j in jobs]
                # Matched together: one pass over the routes, one read of the open alerts.
                tracking.track(uow, trusted)
                uow.commit()
            except Exception:
                tracking.forget(uow)  # states kept in memory may be ahead of the database
                raise
        for job, result in zip(jobs, results, strict=True):
            job.result = result
        self.commits += 1
        self.batches += len(jobs)


def _error() -> BaseException:
    import sys

    exc = sys.exc_info()[1]
    assert exc is not None
    return exc
