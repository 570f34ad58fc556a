"""A proven upper bound on the score of every feasible plan (docs/planning-bound.md).

:func:`upper_bound` is the entry; the modules are the seams of the derivation: shared
numerics and per-type durations (:mod:`.geometry`), closed-form bounds (:mod:`.closed_form`),
the time-indexed network (:mod:`.network`), its lane rows (:mod:`.lanes`) and its people rows
(:mod:`.people`), assembled and solved in :mod:`.upper`.
"""

from corridor.planning.bound.closed_form import cargo_bound, closed_form_people
from corridor.planning.bound.upper import (
    LP_METHOD,
    BoundResult,
    build_relaxation,
    choose_cell,
    upper_bound,
)
from corridor.planning.travel import quickest_minutes

__all__ = [
    "LP_METHOD",
    "BoundResult",
    "build_relaxation",
    "cargo_bound",
    "choose_cell",
    "closed_form_people",
    "quickest_minutes",
    "upper_bound",
]
