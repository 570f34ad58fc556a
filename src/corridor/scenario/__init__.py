"""The scenario file: the situation a coordinator describes (zone, hazards, places, fleet,
people, window), validated with pydantic; see ``docs/scenario.md``."""

from __future__ import annotations

from corridor.scenario.loader import load_scenario, parse_scenario
from corridor.scenario.model import Scenario

__all__ = ["Scenario", "load_scenario", "parse_scenario"]
