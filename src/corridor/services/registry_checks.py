"""What a registry entry is checked against: the operation's scenario, and what is stored.

A class, a gathering point and a vehicle are counted by name in what the parties see (the
registry summary, the ``registry`` events): a value typed freely there would be a path by which
personal data reaches them. So each must be a name of the *operation*: while a plan is in force, the
classes, gathering points and fleet the live checks read of it
(:func:`corridor.services.operation_scope.scope_of`, the one source of them); before any plan is
published, those of the newest compiled scenario, the one an import is checked against by
default. Before any scenario is uploaded there is nothing to check against: registration still
works (registrars may start before the planners do), and the values are checked from the moment
a scenario is loaded.

A retry (a client id already stored) must carry the same content; :func:`differences` names the
fields that differ, comparing the personal fields decrypted, and never their values.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.domain.registry import FIELD_NAMES, expired_fields
from corridor.services.live_plan import db_key
from corridor.services.operation_scope import scope_of

if TYPE_CHECKING:
    from datetime import datetime

    from corridor.services.unit_of_work import UnitOfWork

#: How many names an error lists before "...".
SHOWN = 20


@dataclass(frozen=True)
class ScenarioNames:
    """The names a registry entry may use: classes, gathering points, vehicles, and what they
    are the names of (``label``, for messages)."""

    label: str
    classes: tuple[str, ...]
    gathering: tuple[str, ...]
    #: ``DEPOT/TYPE/k`` of every vehicle of the scenario's fleet; None when the stored scenario
    #: has no fleet (a scenario stored with its people only): vehicles are then not checked.
    vehicles: frozenset[str] | None


# A compiled scenario never changes: its names are read once per process and database.
_names: dict[tuple[str, int], ScenarioNames] = {}
_lock = threading.Lock()


def operation_scenario_id(uow: UnitOfWork) -> int | None:
    """The scenario of the plan in force, else the newest compiled one, else None (inside an
    open ``uow``)."""
    pub = uow.publications.current() if uow.publications is not None else None
    if pub is not None and pub.get("scenario_id") is not None:
        return int(pub["scenario_id"])
    scenarios = getattr(uow, "scenarios", None)  # unit-test fakes may hold no scenarios
    if scenarios is None:
        return None
    compiled = [s for s in scenarios.list() if s["compiled"]]
    return int(compiled[-1]["id"]) if compiled else None


def names_of(row: dict[str, Any]) -> ScenarioNames:
    """The names of one compiled scenario row."""
    instance = row["instance"]
    depots = instance.get("depots")
    vehicles = (
        None
        if depots is None
        else frozenset(
            f"{d['id']}/{t}/{k}" for d in depots for t, n in (d.get("fleet") or {}).items()
            for k in range(int(n))
        )
    )  # fmt: skip
    return ScenarioNames(
        label=f"scenario {row['id']} ({row['name']})",
        classes=tuple(instance["classes"]),
        gathering=tuple(g["id"] for g in instance["gathering"]),
        vehicles=vehicles,
    )


def operation_names(uow: UnitOfWork) -> ScenarioNames | None:
    """The names of the plan in force, else of the newest compiled scenario (inside an open
    ``uow``); None before any scenario."""
    scope = scope_of(uow)
    if scope is not None:
        return ScenarioNames(
            label=f"the plan in force (publication {scope.publication})",
            classes=tuple(scope.classes),
            gathering=tuple(sorted(scope.gathering)),
            vehicles=frozenset(scope.vehicles),
        )
    ident = operation_scenario_id(uow)
    if ident is None:
        return None
    key = (db_key(uow), ident)
    with _lock:
        hit = _names.get(key)
    if hit is not None:
        return hit
    row = uow.scenarios.get(ident)
    if row is None or row["instance"] is None:
        return None
    names = names_of(row)
    with _lock:
        _names[key] = names
    return names


def _known(names: tuple[str, ...] | frozenset[str]) -> str:
    listed = sorted(names) if isinstance(names, frozenset) else list(names)
    return ", ".join(listed[:SHOWN]) + (", ..." if len(listed) > SHOWN else "")


def vehicle_problem(names: ScenarioNames | None, vehicle: str | None) -> str | None:
    """Why ``vehicle`` may not be used, or None (no vehicle, or it is one of the fleet)."""
    if vehicle is None or names is None or names.vehicles is None or vehicle in names.vehicles:
        return None
    return f"is not a vehicle of {names.label} ({_known(names.vehicles)})"


def entry_problems(
    names: ScenarioNames | None, people_class: str, gathering: str, vehicle: str | None
) -> list[tuple[str, str | None, str]]:
    """Every field of one entry that is not a name of the scenario, as ``(field, value,
    problem)``; none before a scenario is loaded."""
    if names is None:
        return []
    out: list[tuple[str, str | None, str]] = []
    if people_class not in names.classes:
        known = _known(names.classes)
        out.append(("people_class", people_class, f"is not a class of {names.label} ({known})"))
    if gathering not in names.gathering:
        out.append(
            (
                "gathering",
                gathering,
                f"is not a gathering point of {names.label} ({_known(names.gathering)})",
            )
        )
    why = vehicle_problem(names, vehicle)
    if why is not None:
        out.append(("vehicle", vehicle, why))
    return out


def differences(
    uow: UnitOfWork,
    stored: dict[str, Any],
    record: dict[str, Any],
    personal: dict[str, str | None],
    now: datetime,
) -> list[str]:
    """The fields in which a retry (``record``, ``personal``) differs from the ``stored`` row.

    Personal fields are compared decrypted, except those erased by the purge (past their
    retention, or the record anonymised): those can no longer be compared. The vehicle is
    compared only when the retry names one: a person is put on a manifest or boards after
    registering, and a retry that named no vehicle does not undo that."""
    out = [
        f
        for f in ("household", "people_class", "gathering")
        if stored[f] != record[f]
    ]  # fmt: skip
    if record.get("vehicle") is not None and stored["vehicle"] != record["vehicle"]:
        out.append("vehicle")
    if stored["anonymised_at"] is not None:
        return out
    erased = set(expired_fields(stored["registered_at"], now))
    for name in FIELD_NAMES:
        if name in erased and stored[f"{name}_enc"] is None:
            continue
        if uow.cipher.decrypt(name, stored[f"{name}_enc"]) != personal.get(name):
            out.append(name)
    return out
