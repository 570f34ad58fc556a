"""The service layer against fakes: rules of the use cases, no database, no HTTP."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from corridor.domain.access import Principal, Role
from corridor.domain.operations import (
    AgreedTerms,
    CheckIn,
    PositionReport,
    agreed_directions,
    plan_compliance,
    reconcile,
    restrict_instance,
)
from corridor.errors import InputError
from corridor.services import drafts, operations, registry
from corridor.services.errors import Forbidden, NotFound
from corridor.services.position_writer import PositionWriter

from .fakes import FakeUnitOfWork

T0 = datetime(2026, 5, 14, 6, 0, tzinfo=UTC)
DRIVER = Principal(1, "d", Role.DRIVER, 1, vehicle="D1/bus/0")
COORD = Principal(2, "c", Role.COORDINATOR, 1)
LIAISON_A = Principal(3, "a", Role.LIAISON_A, 1)
LIAISON_B = Principal(4, "b", Role.LIAISON_B, 1)
REGISTRAR = Principal(5, "r", Role.REGISTRAR, 1)


def reports(vehicle: str, ids: range) -> list[PositionReport]:
    return [PositionReport(f"c{i}", vehicle, T0 + timedelta(seconds=i), 42.5, 1.5) for i in ids]


def test_a_retried_batch_is_counted_as_duplicates_and_emits_only_new_points() -> None:
    uow = FakeUnitOfWork()
    first = operations.report_positions(uow, DRIVER, reports("D1/bus/0", range(5)), 100)
    again = operations.report_positions(uow, DRIVER, reports("D1/bus/0", range(3, 8)), 100)
    assert (first.accepted, first.duplicates) == (5, 0)
    assert (again.accepted, again.duplicates) == (3, 2)
    assert len(uow.positions.rows) == 8
    assert [len(e.data["points"]) for e in uow.committed_events] == [5, 3]  # type: ignore[arg-type]


def test_batch_limits_and_scope_are_checked_before_anything_is_stored() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InputError) as exc:
        operations.report_positions(uow, DRIVER, reports("D1/bus/0", range(11)), 10)
    assert exc.value.where == "positions"
    with pytest.raises(Forbidden):
        operations.report_positions(uow, DRIVER, reports("D1/bus/1", range(2)), 10)
    with pytest.raises(Forbidden):
        operations.report_positions(uow, LIAISON_A, reports("D1/bus/0", range(2)), 10)
    assert uow.positions.rows == {}
    assert uow.commits == 0


def test_the_position_writer_groups_concurrent_batches_into_fewer_commits() -> None:
    uow = FakeUnitOfWork()
    gate = threading.Event()
    original = uow.positions.add_batch

    def slow_add(batch: list[PositionReport], user_id: int) -> set[tuple[str, str]]:
        gate.wait(5)  # the first group waits until every request is queued
        return original(batch, user_id)

    uow.positions.add_batch = slow_add  # type: ignore[method-assign]
    writer = PositionWriter(lambda: uow)
    results = []
    threads = [
        threading.Thread(
            target=lambda k=k: results.append(writer.write(COORD, reports(f"V{k}", range(10))))
        )
        for k in range(20)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while writer._queue.qsize() < 18 and time.monotonic() < deadline:
        time.sleep(0.01)  # the first group is held at the gate while the others queue up
    gate.set()
    for t in threads:
        t.join(30)
    writer.stop()
    assert sum(r.accepted for r in results) == 200
    assert writer.batches == 20
    assert writer.commits <= 3  # the first group, then the batches that queued meanwhile


def test_a_failing_batch_fails_alone_in_a_group() -> None:
    uow = FakeUnitOfWork()
    original = uow.positions.add_batch

    def picky(batch: list[PositionReport], user_id: int) -> set[tuple[str, str]]:
        if batch[0].vehicle == "BAD":
            raise RuntimeError("disk on fire")
        return original(batch, user_id)

    uow.positions.add_batch = picky  # type: ignore[method-assign]
    writer = PositionWriter(lambda: uow)
    assert writer.write(COORD, reports("OK", range(3))).accepted == 3
    with pytest.raises(RuntimeError):
        writer.write(COORD, reports("BAD", range(3)))
    assert writer.write(COORD, reports("OK2", range(3))).accepted == 3
    writer.stop()


def test_checkins_reconcile_into_manifests_with_unaccounted_people() -> None:
    cs = [
        CheckIn("b1", "boarding", "V1", "G1", T0, {"general": 40, "vulnerable": 5}),
        CheckIn("b2", "boarding", "V2", "G2", T0, {"general": 10}),
        CheckIn("a1", "arrival", "V1", "R1", T0, {"general": 40, "vulnerable": 4}),
        CheckIn("a2", "arrival", "V2", "R1", T0, {"general": 11}),
    ]
    m = reconcile(cs)
    assert m["V1"].unaccounted == {"vulnerable": 1}
    assert m["V2"].unaccounted == {}
    assert m["V2"].over_arrived == {"general": 1}


def test_personal_fields_expire_field_by_field() -> None:
    uow = FakeUnitOfWork()
    ident, _ = registry.register(
        uow,
        REGISTRAR,
        client_id="e1",
        household="h1",
        people_class="general",
        gathering="G1",
        personal={"name": "Aina Puig", "needs": "insulin", "contact": "+376 555"},
        at=T0,
    )
    assert uow.evacuees.rows[ident]["name_enc"] != b"Aina Puig"
    uow.clock.set(T0 + timedelta(days=40))  # purge as of earlier days, then now
    r = registry.purge(uow, None, T0 + timedelta(days=20), dry_run=True)
    assert r == {"fields_erased": 1, "records_anonymised": 0}  # contact: 14 days
    assert registry.read(uow, COORD, ident, "check")["contact"] == "+376 555"  # a dry run
    r = registry.purge(uow, None, T0 + timedelta(days=20))
    assert r == {"fields_erased": 1, "records_anonymised": 0}
    person = registry.read(uow, COORD, ident, "check")
    assert (person["name"], person["contact"]) == ("Aina Puig", None)
    r = registry.purge(uow, None, T0 + timedelta(days=31))
    assert r == {"fields_erased": 2, "records_anonymised": 1}
    with pytest.raises(InputError, match="as_of: is after the service's clock"):
        registry.purge(uow, None, T0 + timedelta(days=41))
    assert registry.summary(uow, LIAISON_A)["total"] == 1
    assert (
        "coordinator",
        "registry.read",
        f"evacuee:{ident}",
        {"purpose": "check"},
    ) in uow.audit.rows
    with pytest.raises(Forbidden):
        registry.read(uow, LIAISON_B, ident, "curiosity")


def test_drafts_are_private_to_their_side_until_sent() -> None:
    uow = FakeUnitOfWork()
    d = drafts.create(uow, LIAISON_A, "A's idea", {"max_vehicles": 12})
    for other in (LIAISON_B, COORD):
        with pytest.raises(NotFound):
            drafts.get(uow, other, d)
        assert drafts.list_visible(uow, other) == []
    drafts.send(uow, LIAISON_A, d)
    assert drafts.get(uow, LIAISON_B, d)["title"] == "A's idea"


INSTANCE = {
    "window": {"open": 360.0, "close": 1080.0},
    "vehicle_types": {
        "bus": {"seats": 50, "stretchers": 0},
        "ambulance": {"seats": 2, "stretchers": 2},
    },
    "depots": [
        {"id": "D1", "fleet": {"bus": 6, "ambulance": 2}},
        {"id": "D2", "fleet": {"bus": 4}},
    ],
    "checkpoints": [
        {"id": "K1", "in": {"service": 5, "lanes": 1}, "out": {"service": 5, "lanes": 2}},
        {"id": "K2", "in": {"service": 5, "lanes": 1}, "out": {"service": 5, "lanes": 1}},
    ],
}
TERMS = AgreedTerms(open_min=420.0, close_min=960.0, checkpoints=frozenset({"K1"}), max_vehicles=5)


def test_the_instance_is_narrowed_to_the_agreed_terms() -> None:
    out = restrict_instance(INSTANCE, TERMS)
    assert out["window"] == {"open": 420.0, "close": 960.0}
    assert [(c["id"], c["in"]["lanes"], c["out"]["lanes"]) for c in out["checkpoints"]] == [
        ("K1", 1, 2),
        ("K2", 0, 0),
    ]
    # The agreed limit goes to the planner, which chooses the vehicles: the fleet is whole.
    assert out["max_vehicles"] == 5
    assert [d["fleet"] for d in out["depots"]] == [d["fleet"] for d in INSTANCE["depots"]]
    assert INSTANCE["window"] == {"open": 360.0, "close": 1080.0}  # the input is untouched
    assert "max_vehicles" not in INSTANCE


DIRECTED = AgreedTerms(
    open_min=420.0,
    close_min=960.0,
    checkpoints=frozenset({"K1"}),
    max_vehicles=5,
    directions=agreed_directions(
        [{"kind": "buses", "direction": "both"}, {"kind": "aid_trucks", "direction": "inbound"}],
        {"bus": "buses", "truck": "aid_trucks", "ambulance": "ambulances"},
    ),
    kinds={"bus": "buses", "truck": "aid_trucks", "ambulance": "ambulances"},
)


def test_agreed_directions_become_what_each_type_may_carry() -> None:
    assert DIRECTED.directions == {"bus": "both", "truck": "inbound", "ambulance": "none"}
    inst = {
        **INSTANCE,
        "vehicle_types": {
            **INSTANCE["vehicle_types"],
            "truck": {"seats": 2, "stretchers": 0, "cargo_kg": 8000},
        },
        "depots": [{"id": "D1", "fleet": {"bus": 2, "truck": 1, "ambulance": 1}}],
    }
    out = restrict_instance(inst, DIRECTED)
    assert out["vehicle_types"]["truck"] == {"seats": 0, "stretchers": 0, "cargo_kg": 8000}
    assert out["vehicle_types"]["bus"] == inst["vehicle_types"]["bus"]
    assert out["depots"][0]["fleet"] == {"bus": 2, "truck": 1, "ambulance": 0}


def test_compliance_names_the_route_and_stop_that_breaks_a_direction() -> None:
    stops = [
        {"at": "D1", "load_kg": 100},
        {"at": "K1", "dir": "in", "start": 430.0, "end": 435.0},
        {"at": "G4", "board": {"critical": 2}, "unload_kg": 100},
        {"at": "K1", "dir": "out", "start": 500.0, "end": 505.0},
        {"at": "R1", "alight": {"critical": 2}},
    ]
    plan = {
        "routes": [
            {"vehicle": "D1/bus/0", "stops": stops},
            {"vehicle": "D1/truck/0", "stops": stops},
            {"vehicle": "D1/ambulance/0", "stops": stops},
            {"vehicle": "D1/ambulance/1", "stops": stops[:1]},
        ]
    }
    assert plan_compliance(plan, DIRECTED) == [
        "routes[1].stops[2]: D1/truck/0 boards 2 people at G4, but aid trucks (truck) are "
        "agreed inbound only",
        "routes[1].stops[4]: D1/truck/0 sets down 2 people at R1, but aid trucks (truck) are "
        "agreed inbound only",
        "routes[2]: D1/ambulance/0 drives the corridor, but ambulances (ambulance) are not "
        "among the agreed users",
    ]


def test_plan_compliance_names_each_breach() -> None:
    plan = {
        "routes": [
            {
                "vehicle": f"D1/bus/{k}",
                "stops": [
                    {"at": "D1"},
                    {
                        "at": "K2" if k == 0 else "K1",
                        "dir": "in",
                        "start": 400.0 if k == 1 else 430.0,
                        "end": 435.0,
                    },
                    {"at": "G1"},
                    {"at": "K1", "dir": "out", "start": 900.0, "end": 970.0 if k == 2 else 905.0},
                    {"at": "R1"},
                ],
            }
            for k in range(6)
        ]
    }
    problems = plan_compliance(plan, TERMS)
    assert any("routes[0].stops[1].at: 'K2' is not an agreed checkpoint" in p for p in problems)
    assert any(p.startswith("routes[1].stops[1].start: 400.0") for p in problems)
    assert any(p.startswith("routes[2].stops[3].end: 970.0") for p in problems)
    assert "routes: 6 vehicles used; the agreement allows 5" in problems
    assert plan_compliance({"routes": plan["routes"][3:]}, TERMS) == []
