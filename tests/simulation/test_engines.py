"""The fast engine and the SimPy reference model give the same outcome, run by run.

Both are given the same draws (common random numbers: run ``r`` of seed ``s`` draws the same
numbers in any batch), and must then agree exactly: the same trips lost, the same people out,
the same crossing times to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from corridor.simulation.draws import draw
from corridor.simulation.kernel import Outcome, run_batch
from corridor.simulation.model import SimModel
from corridor.simulation.params import NoiseParams
from corridor.simulation.reference import run_one

ROUGH = NoiseParams(suspension_per_hour=0.5, breakdown_per_hour=0.2, service_sigma=0.8)


def same(fast: Outcome, i: int, ref: Outcome) -> list[str]:
    """The fields in which run ``i`` of ``fast`` differs from ``ref`` (a batch of one)."""
    return [
        f
        for f in Outcome._fields
        if not np.array_equal(getattr(fast, f)[i], getattr(ref, f)[0], equal_nan=True)
    ]


@pytest.mark.parametrize("params", [NoiseParams(), ROUGH], ids=["default", "rough"])
def test_fast_engine_matches_simpy_run_by_run(named_model: tuple[str, SimModel],
                                              params: NoiseParams) -> None:  # fmt: skip
    name, model = named_model
    runs = 200 if params == NoiseParams() else 60
    d = draw(model, params, seed=11, runs=range(runs))
    fast = run_batch(model, d)
    differ = {i: f for i in range(runs) if (f := same(fast, i, run_one(model, d.run(i))))}
    assert not differ, f"{name}: runs whose outcome differs: {differ}"
    # the comparison is not vacuous: the noise does cost trips in these runs
    lost = ~np.isfinite(fast.trip_end) | (fast.trip_end > model.close + 1e-6)
    assert lost.any()
    assert np.isfinite(fast.trip_end).any()


def test_a_run_draws_the_same_in_any_batch(named_model: tuple[str, SimModel]) -> None:
    _, model = named_model
    whole = run_batch(model, draw(model, NoiseParams(), 5, range(30)))
    part = run_batch(model, draw(model, NoiseParams(), 5, range(17, 23)))
    for f in Outcome._fields:
        assert np.array_equal(getattr(whole, f)[17:23], getattr(part, f), equal_nan=True), f
    other_seed = run_batch(model, draw(model, NoiseParams(), 6, range(17, 23)))
    assert not np.array_equal(other_seed.start, part.start, equal_nan=True)
