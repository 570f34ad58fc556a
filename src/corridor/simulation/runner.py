"""Runs split into chunks, handed to whatever runs tasks (in this process, or Dask's workers),
and merged back in run order.

The executor is a parameter: a *mapper* takes a function and a list of chunks and yields
``(index of the chunk, result)`` in any order. :func:`in_process` is the one without workers;
the Dask one is :mod:`corridor.adapters.dask_cluster`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TypeVar

from corridor.simulation.draws import draw
from corridor.simulation.kernel import run_batch
from corridor.simulation.model import SimModel
from corridor.simulation.params import NoiseParams
from corridor.simulation.tally import Tally, tally

T = TypeVar("T")
R = TypeVar("R")
Mapper = Callable[[Callable[[range], Tally], list[range]], Iterator[tuple[int, Tally]]]

#: steps x runs in one chunk at most (about 25 MB of random numbers)
CHUNK_WORK = 750_000


def in_process(fn: Callable[[T], R], items: list[T]) -> Iterator[tuple[int, R]]:
    """Run the tasks one after another here."""
    for i, item in enumerate(items):
        yield i, fn(item)


def chunks(runs: int, steps: int, workers: int = 1) -> list[range]:
    """Runs 0 .. runs-1 in chunks: a few per worker, none too big for memory."""
    most = max(10, CHUNK_WORK // max(steps, 1))
    size = max(1, min(most, -(-runs // (4 * max(workers, 1)))))
    return [range(a, min(a + size, runs)) for a in range(0, runs, size)]


def run_chunk(model: SimModel, params: NoiseParams, seed: int, runs: range) -> Tally:
    """Draw, simulate and tally the runs of one chunk (what a worker does)."""
    return tally(model, run_batch(model, draw(model, params, seed, runs)), runs.start)


def simulate(
    model: SimModel,
    params: NoiseParams,
    seed: int,
    runs: int,
    mapper: Mapper = in_process,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> Tally:
    """Runs ``0 .. runs-1`` of ``seed``; ``on_progress(done, runs)`` after each chunk."""
    if runs < 1:
        raise ValueError(f"runs: must be at least 1, got {runs}")
    parts = chunks(runs, model.steps, workers)
    waiting: dict[int, Tally] = {}
    merged: Tally | None = None
    done = nxt = 0
    for i, result in mapper(partial(run_chunk, model, params, seed), parts):
        waiting[i] = result
        done += len(parts[i])
        while nxt in waiting:  # merge in run order, whatever order the chunks finish in
            part = waiting.pop(nxt)
            merged = part if merged is None else merged.merge(part)
            nxt += 1
        if on_progress is not None:
            on_progress(done, runs)
    if merged is None or nxt != len(parts):
        raise RuntimeError(f"only {done} of {runs} runs came back")
    return merged
