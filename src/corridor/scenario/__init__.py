"""The scenario file: the situation a coordinator describes (zone, hazards, places, fleet,
people, window), validated with pydantic; see ``docs/scenario.md``."""

from __future__ import annotations

from corridor.scenario.loader import parse_scenario, read_scenario
from corridor.scenario.model import Scenario

__all__ = ["Scenario", "parse_scenario", "read_scenario"]
