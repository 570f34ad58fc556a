"""Properties that hold for any noise, seed and split of the runs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.simulation.draws import draw
from corridor.simulation.kernel import Outcome, run_batch
from corridor.simulation.model import build_model
from corridor.simulation.params import NoiseParams
from corridor.simulation.reference import run_one
from corridor.simulation.runner import chunks, run_chunk, simulate
from corridor.simulation.summary import summarize
from simulation.conftest import example

TINY = build_model(*example("tiny")[:2])  # type: ignore[arg-type]

noise = st.builds(
    NoiseParams,
    travel_sigma=st.floats(0, 1),
    service_sigma=st.floats(0, 1.5),
    breakdown_per_hour=st.floats(0, 2),
    repair_median=st.floats(0, 120),
    repair_sigma=st.floats(0, 1),
    suspension_per_hour=st.floats(0, 2),
    suspension_median=st.floats(0, 120),
    suspension_sigma=st.floats(0, 1),
    attendance_sigma=st.floats(0, 1),
)


@settings(max_examples=40, deadline=None)
@given(params=noise, seed=st.integers(0, 2**32))
def test_both_engines_agree_under_any_noise(params: NoiseParams, seed: int) -> None:
    d = draw(TINY, params, seed, range(4))
    fast = run_batch(TINY, d)
    for i in range(4):
        ref = run_one(TINY, d.run(i))
        for f in Outcome._fields:
            assert np.array_equal(getattr(fast, f)[i], getattr(ref, f)[0], equal_nan=True), f
    # nobody gets out who was not planned out
    assert (fast.trip_people.sum(axis=(1, 2)) <= TINY.board.sum()).all()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), runs=st.integers(1, 60), workers=st.integers(1, 7))
def test_the_summary_does_not_depend_on_the_split(seed: int, runs: int, workers: int) -> None:
    whole = run_chunk(TINY, NoiseParams(), seed, range(runs))
    split = simulate(TINY, NoiseParams(), seed, runs, workers=workers)
    assert len(chunks(runs, TINY.steps, workers)) >= 1
    assert summarize(TINY, whole, NoiseParams(), seed) == summarize(
        TINY, split, NoiseParams(), seed
    )
