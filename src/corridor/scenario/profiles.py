"""Vehicle profiles a coordinator would choose: presets by kind of vehicle, guessed from what a
type carries when the scenario does not name one (documented in ``docs/scenario.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PresetName = Literal["car", "van", "ambulance", "minibus", "bus", "truck"]

# Most a heavy vehicle drives per road class (km/h); the road's own speed applies when lower.
_HEAVY = {
    "motorway": 80.0,
    "trunk": 70.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "unclassified": 30.0,
    "road": 25.0,
    "residential": 20.0,
    "living_street": 10.0,
    "service": 10.0,
    "motorway_link": 40.0,
    "trunk_link": 40.0,
    "primary_link": 35.0,
    "secondary_link": 30.0,
    "tertiary_link": 25.0,
}


@dataclass(frozen=True)
class Preset:
    weight_t: float
    height_m: float
    width_m: float
    hgv: bool
    speed_kmh: dict[str, float]
    user_kind: str  # the agreement's word for such vehicles (docs/agreement.md, users)


PRESETS: dict[str, Preset] = {
    "car": Preset(1.5, 1.6, 1.8, False, {}, "private_cars"),
    "van": Preset(3.5, 2.6, 2.1, False, {"motorway": 110.0, "trunk": 100.0}, "aid_trucks"),
    "ambulance": Preset(4.0, 2.8, 2.3, False, {}, "ambulances"),
    "minibus": Preset(5.0, 2.9, 2.3, False, {"motorway": 100.0, "trunk": 90.0}, "buses"),
    "bus": Preset(18.0, 3.5, 2.55, False, dict(_HEAVY), "buses"),
    "truck": Preset(18.0, 3.8, 2.55, True, dict(_HEAVY), "aid_trucks"),
}


def guess_preset(seats: int, stretchers: int, cargo_kg: float) -> str:
    """The preset for a type that names none, from what it carries: stretchers make an
    ambulance; 3,500 kg of cargo with at most 3 seats a truck; 25 seats a bus, 9 a minibus;
    other cargo carriers or more than 4 seats a van; the rest a car."""
    if stretchers > 0:
        return "ambulance"
    if cargo_kg >= 3500 and seats <= 3:
        return "truck"
    if seats >= 25:
        return "bus"
    if seats >= 9:
        return "minibus"
    if cargo_kg > 500 or seats > 4:
        return "van"
    return "car"
