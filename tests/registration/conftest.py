"""The service fixtures (SQLite and PostgreSQL) and a scenario to check registrations against.

``andorra_scenario`` stores the Andorra example's people classes and gathering points as a
compiled scenario of the service without compiling its roads (what an import reads of it);
``tests/public`` imports into a service that compiled the real one.
"""

from __future__ import annotations

from pathlib import Path

from service.conftest import Api, api, backend, pg_url  # noqa: F401  (fixtures)

from corridor.bootstrap import Service

ANDORRA = Path(__file__).resolve().parents[2] / "examples" / "andorra" / "scenario.yaml"


def andorra_scenario(app: Api) -> int:
    """Store the example's classes and gathering points as scenario 1 of ``app``'s service."""
    return store_andorra(app.service, app.user_ids["coordinator"])


def store_andorra(service: Service, user_id: int) -> int:
    from corridor.adapters.scenario_files import load_scenario

    scenario = load_scenario(ANDORRA)
    instance = {
        "format": "cep/1",
        "name": scenario.name,
        "classes": {k: v.model_dump() for k, v in scenario.classes.items()},
        "gathering": [{"id": g.id, "people": g.people} for g in scenario.gathering],
        "depots": [{"id": d.id, "fleet": dict(d.fleet)} for d in scenario.depots],
    }
    with service.uow() as uow:
        ident = int(uow.scenarios.add(scenario.name, ANDORRA.read_text(), "", user_id))
        uow.scenarios.set_fields(ident, instance=instance)
        uow.commit()
    return ident
