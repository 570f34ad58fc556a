"""Tasks on Dask ``distributed``: a LocalCluster of worker processes, or an existing cluster.

Dask does all the scheduling, here and across machines (``dask scheduler`` on one machine,
``dask worker tcp://HOST:8786`` on each of the others: ``docs/simulation.md``). This module
only opens the client and turns ``client.map`` into the *mapper* shape the simulation runner
and the planner portfolio take: ``mapper(fn, items)`` yields ``(index, result)`` as tasks end.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from corridor.errors import InputError

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")
R = TypeVar("R")


class DaskMapper:
    """``mapper(fn, items)``: one Dask task per item, results yielded as they finish."""

    def __init__(self, client: Client, where: str) -> None:
        self.client, self.where = client, where

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def __call__(self, fn: Callable[[T], R], items: list[T]) -> Iterator[tuple[int, R]]:
        from distributed import as_completed

        futures = self.client.map(fn, items, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures):
                yield index[future.key], future.result()
        finally:
            self.client.cancel(futures)


def cpu_count() -> int:
    """Cores this process may use (the LocalCluster's default number of workers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_mapper(scheduler: str | None = None, workers: int | None = None) -> Iterator[DaskMapper]:
    """A mapper on the cluster at ``scheduler`` (``tcp://HOST:PORT``), or on a new LocalCluster
    of ``workers`` single-threaded worker processes (default: one per core), closed after."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if "://" not in scheduler:
            raise InputError("--scheduler", f"expected tcp://HOST:PORT, got {scheduler!r}")
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError(
                "--scheduler", f"no Dask scheduler answers at {scheduler}: {exc}"
            ) from None
        try:
            yield DaskMapper(client, scheduler)
        finally:
            client.close()
        return
    n = workers or cpu_count()
    cluster: Any = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        yield DaskMapper(client, f"LocalCluster of {n} worker process{'es' if n > 1 else ''}")
    finally:
        client.close()
        cluster.close()


@contextmanager
def executor(
    scheduler: str | None = None, workers: int | None = None, here: bool = False
) -> Iterator[tuple[Any, int, str]]:
    """(mapper, workers, where it runs): this process if ``here``, else :func:`dask_mapper`."""
    if here:
        from corridor.simulation.runner import in_process

        yield in_process, 1, "this process"
        return
    with dask_mapper(scheduler, workers) as mapper:
        yield mapper, mapper.workers, mapper.where
