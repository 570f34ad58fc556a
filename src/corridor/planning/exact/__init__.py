"""An exact MILP for small CEP instances: trips with continuous times, lanes as disjunctions.

:func:`solve_exact` is the entry. The trip model and when it covers every plan
(:mod:`.trips`), the MILP (:mod:`.milp`) and reading its solution back as a plan
(:mod:`.decode`) are apart; docs/planning-bound.md says why the model's bound holds.
"""

from corridor.planning.exact.solve import ExactResult, solve_exact
from corridor.planning.exact.trips import max_trips, model_is_complete

__all__ = ["ExactResult", "max_trips", "model_is_complete", "solve_exact"]
