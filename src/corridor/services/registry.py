"""The evacuee registry: personal fields encrypted at rest, every read audited, expiry enforced.

Only the humanitarian roles read personal fields (the access table); every such read or export
writes one audit record naming the reader and the records. Parties get :func:`summary` (counts).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal, in_scope
from corridor.domain.registry import (
    FIELD_NAMES,
    PERSONAL_FIELDS,
    EvacueeFacts,
    expired_fields,
    field_expiries,
    summarise,
)
from corridor.errors import InputError, InputErrors
from corridor.services.accounts import require
from corridor.services.errors import Conflict, Forbidden, NotFound
from corridor.services.registry_checks import (
    differences,
    entry_problems,
    operation_names,
    vehicle_problem,
)

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork


def register(
    uow: UnitOfWork,
    who: Principal,
    *,
    client_id: str,
    household: str,
    people_class: str,
    gathering: str,
    personal: dict[str, str | None],
    at: datetime | None = None,
    vehicle: str | None = None,
) -> tuple[int, bool]:
    """Register one person; a retry with the same client id returns the first record.

    The class, the gathering point and the vehicle (when given) must be names of the
    operation's scenario (:mod:`corridor.services.registry_checks`): the parties see them
    counted, so no free text may pass through them. Before any scenario is uploaded,
    registration still works unchecked. Every bad field is named at once (422). The same client
    id with other content is a 409 naming the client id and the fields that differ, never their
    values; with the same content it answers the first record, ``created`` False.
    """
    require(who, "registry.write")
    with uow:
        if uow.evacuees.id_of(client_id) is None:  # a retry answers as the first time did
            problems = entry_problems(operation_names(uow), people_class, gathering, vehicle)
            if problems:
                raise InputErrors(problems[0][0], problems[0][2], problems)
        when = at or uow.clock()
        record: dict[str, Any] = {
            "client_id": client_id,
            "household": household,
            "people_class": people_class,
            "gathering": gathering,
            "vehicle": vehicle,
            "status": "registered",
            "registered_at": when,
            "registered_by": who.user_id,
            "anonymised_at": None,
        }
        for name in FIELD_NAMES:
            record[f"{name}_enc"] = uow.cipher.encrypt(name, personal.get(name))
        ident, created = uow.evacuees.add(record)
        if not created:
            differ = differences(uow, uow.evacuees.get(ident), record, personal, uow.clock())
            if differ:
                raise Conflict(
                    "client_id",
                    f"{client_id!r} was already used for another registration (registry id "
                    f"{ident}), which differs in {', '.join(differ)}; a retry must send the same "
                    "entry, a new person a new client id",
                    client_id,
                )
        if created:
            uow.audit.add(
                who,
                "registry.write",
                f"evacuee:{ident}",
                {"fields": [n for n in FIELD_NAMES if personal.get(n) is not None]},
            )
            uow.emit(_counts_event(uow))
        uow.commit()
    return int(ident), bool(created)


def _counts_event(uow: UnitOfWork) -> Any:
    from corridor.domain.operations import Event

    counts = summarise([_facts(r) for r in uow.evacuees.list()])
    return Event("registry", {"counts": asdict(counts)})


def _facts(row: dict[str, Any]) -> EvacueeFacts:
    return EvacueeFacts(row["people_class"], row["gathering"], row["vehicle"], row["status"])


def _reveal(uow: UnitOfWork, row: dict[str, Any]) -> dict[str, Any]:
    registered = row["registered_at"]
    out = {
        "id": row["id"],
        "client_id": row["client_id"],
        "household": row["household"],
        "people_class": row["people_class"],
        "gathering": row["gathering"],
        "vehicle": row["vehicle"],
        "status": row["status"],
        "registered_at": registered,
        "anonymised_at": row["anonymised_at"],
        "expires": field_expiries(registered),
    }
    for name in FIELD_NAMES:
        out[name] = uow.cipher.decrypt(name, row[f"{name}_enc"])
    return out


def read(uow: UnitOfWork, who: Principal, evacuee_id: int, purpose: str) -> dict[str, Any]:
    require(who, "registry.read")
    with uow:
        row = uow.evacuees.get(evacuee_id)
        if row is None:
            raise NotFound("evacuee", evacuee_id)
        uow.audit.add(who, "registry.read", f"evacuee:{evacuee_id}", {"purpose": purpose})
        out = _reveal(uow, row)
        uow.commit()
    return out


def list_people(
    uow: UnitOfWork, who: Principal, vehicle: str | None, purpose: str, export: bool = False
) -> list[dict[str, Any]]:
    """Every record (or one vehicle's manifest with names), audited as one read or export."""
    require(who, "registry.export" if export else "registry.read")
    with uow:
        rows = list(uow.evacuees.list(vehicle))
        uow.audit.add(
            who,
            "registry.export" if export else "registry.list",
            f"vehicle:{vehicle}" if vehicle else "registry",
            {"purpose": purpose, "records": [r["id"] for r in rows]},
        )
        out = [_reveal(uow, r) for r in rows]
        uow.commit()
    return out


def summary(uow: UnitOfWork, who: Principal) -> dict[str, Any]:
    """Counts by class, gathering point, vehicle and status: what a party may know."""
    require(who, "counts.read")
    with uow:
        return asdict(summarise([_facts(r) for r in uow.evacuees.list()]))


def purge(
    uow: UnitOfWork, who: Principal | None, as_of: datetime | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Erase every personal field past its expiry; a record with none left is anonymised.

    ``who`` is None when the operator runs ``corridor registry purge`` on the server itself.
    ``as_of`` may be earlier than now (purge as of yesterday), never later: a date in the
    future would erase data that has not expired. ``dry_run`` counts without erasing.
    Returns how many fields were (or would be) erased and records anonymised.
    """
    if who is not None:
        require(who, "registry.purge")
    erased = anonymised = 0
    with uow:
        now = uow.clock()
        when = as_of or now
        if when > now:
            raise InputError(
                "as_of",
                f"is after the service's clock ({now.isoformat()}): purging as of a future date "
                "would erase personal data before its expiry",
                when.isoformat(),
            )
        for row in uow.evacuees.list():
            if row["anonymised_at"] is not None:
                continue
            due = [
                n for n in expired_fields(row["registered_at"], when) if row[f"{n}_enc"] is not None
            ]
            remaining = [n for n in FIELD_NAMES if row[f"{n}_enc"] is not None and n not in due]
            values: dict[str, Any] = {f"{n}_enc": None for n in due}
            if not remaining:
                values["anonymised_at"] = when
                anonymised += 1
            if values and not dry_run:
                uow.evacuees.set_fields(row["id"], **values)
            erased += len(due)
        if not dry_run:
            uow.audit.add(
                who,
                "registry.purge",
                "registry",
                {
                    "as_of": when.isoformat(),
                    "fields_erased": erased,
                    "records_anonymised": anonymised,
                },
            )
            uow.commit()
    return {"fields_erased": erased, "records_anonymised": anonymised}


def fields_policy() -> list[dict[str, Any]]:
    return [
        {
            "field": f.name,
            "purpose": f.purpose,
            "owner": f.owner.value,
            "retention_days": f.retention.days,
        }
        for f in PERSONAL_FIELDS
    ]


def audit_log(uow: UnitOfWork, who: Principal, after: int, limit: int) -> list[dict[str, Any]]:
    require(who, "audit.read")
    with uow:
        return list(uow.audit.list(after, limit))


def assign_vehicle(
    uow: UnitOfWork, who: Principal, evacuee_id: int, vehicle: str | None
) -> dict[str, Any]:
    """Put a registered person on a vehicle's manifest (or take them off it, with None).

    Only the humanitarian roles that write the registry assign; a driver then boards by name
    only the people on its own vehicle's manifest. The vehicle must be one of the operation's
    scenario (422 naming ``vehicle``); a person who has boarded (or arrived) stays with the
    vehicle they boarded: another one, or none, is a 409 naming the person and that vehicle.
    Audited."""
    require(who, "registry.write")
    with uow:
        row = uow.evacuees.get(evacuee_id)
        if row is None:
            raise NotFound("evacuee", evacuee_id)
        why = vehicle_problem(operation_names(uow), vehicle)
        if why is not None:
            raise InputError("vehicle", why, vehicle)
        if row["status"] != "registered" and row["vehicle"] != vehicle:
            raise Conflict(
                f"evacuees/{evacuee_id}",
                f"person {evacuee_id} has already boarded {row['vehicle']!r} (status "
                f"{row['status']}): a manifest is not changed after boarding",
                row["vehicle"],
            )
        uow.evacuees.set_fields(evacuee_id, vehicle=vehicle)
        uow.audit.add(
            who,
            "registry.assign",
            f"evacuee:{evacuee_id}",
            {"vehicle": vehicle, "was": row["vehicle"]},
        )
        uow.emit(_counts_event(uow))
        uow.commit()
    return {"id": evacuee_id, "vehicle": vehicle}


def manifest_people(
    uow: UnitOfWork, who: Principal, vehicle: str, purpose: str
) -> list[dict[str, Any]]:
    """The named list of one vehicle (for boarding and arrival checks), audited like any read."""
    require(who, "manifests.read")
    if not in_scope(who, "manifests.read", vehicle, None):
        raise Forbidden(
            who.role.value, "manifests.read", f"a driver sees only its own vehicle {who.vehicle!r}",
            field="vehicle", value=vehicle,
        )  # fmt: skip
    with uow:
        rows = list(uow.evacuees.list(vehicle))
        uow.audit.add(
            who,
            "manifests.read",
            f"vehicle:{vehicle}",
            {"purpose": purpose, "records": [r["id"] for r in rows]},
        )
        out = [_reveal(uow, r) for r in rows]
        uow.commit()
    return out
