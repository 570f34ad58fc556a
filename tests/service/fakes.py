"""In-memory repositories and a FakeUnitOfWork: the services' unit tests need no database."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from conftest import fixed_clock

from corridor.adapters.crypto_fields import FieldCipher
from corridor.domain.operations import CheckIn, Event, PositionReport
from corridor.services.unit_of_work import UnitOfWork


class FakePositions:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], PositionReport] = {}

    def add_batch(self, reports: Sequence[PositionReport], user_id: int) -> set[tuple[str, str]]:
        new = {(r.vehicle, r.client_id) for r in reports} - set(self.rows)
        for r in reports:
            self.rows.setdefault((r.vehicle, r.client_id), r)
        return new

    def list(
        self, vehicle: str | None = None, after_id: int = 0, limit: int = 1000
    ) -> list[dict[str, Any]]:
        return [{"vehicle": v, "client_id": c} for (v, c) in self.rows if vehicle in (None, v)]

    def existing(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {k: vars(self.rows[k]) for k in keys if k in self.rows}


class FakeCheckIns:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], CheckIn] = {}

    def add(self, c: CheckIn, user_id: int) -> tuple[int, bool]:
        key = (c.vehicle, c.client_id)
        created = key not in self.rows
        self.rows.setdefault(key, c)
        return list(self.rows).index(key) + 1, created

    def list(self, vehicle: str | None = None) -> list[CheckIn]:
        return [c for c in self.rows.values() if vehicle in (None, c.vehicle)]

    def since(self, after_id: int) -> list[tuple[int, CheckIn]]:
        return [(i, c) for i, c in enumerate(self.rows.values(), 1) if i > after_id]

    def count_upto(self, last_id: int) -> int:
        return min(last_id, len(self.rows))


class FakeEvacuees:
    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}

    def add(self, record: dict[str, Any]) -> tuple[int, bool]:
        for i, r in self.rows.items():
            if r["client_id"] == record["client_id"]:
                return i, False
        ident = len(self.rows) + 1
        self.rows[ident] = {"id": ident, **record}
        return ident, True

    def id_of(self, client_id: str) -> int | None:
        return next((i for i, r in self.rows.items() if r["client_id"] == client_id), None)

    def get(self, evacuee_id: int) -> dict[str, Any] | None:
        return self.rows.get(evacuee_id)

    def list(self, vehicle: str | None = None) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows.values() if vehicle in (None, r["vehicle"])]

    def classes_since(self, after_id: int) -> list[dict[str, Any]]:
        return [
            {k: r[k] for k in ("id", "household", "people_class")}
            for i, r in sorted(self.rows.items())
            if i > after_id
        ]

    def count_upto(self, last_id: int) -> int:
        return sum(1 for i in self.rows if i <= last_id)

    def set_fields(self, evacuee_id: int, **values: Any) -> None:
        self.rows[evacuee_id].update(values)


class FakeAudit:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, dict[str, Any]]] = []

    def add(self, who: Any, action: str, subject: str, detail: dict[str, Any]) -> None:
        self.rows.append((who.role.value if who else "system", action, subject, detail))


class FakeDrafts:
    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}

    def add(self, party: str, title: str, body: dict[str, Any], user_id: int) -> int:
        ident = len(self.rows) + 1
        self.rows[ident] = {
            "id": ident,
            "party": party,
            "title": title,
            "body": body,
            "sent_at": None,
        }
        return ident

    def get(self, draft_id: int) -> dict[str, Any] | None:
        return self.rows.get(draft_id)

    def list(self) -> list[dict[str, Any]]:
        return list(self.rows.values())

    def set_fields(self, draft_id: int, **values: Any) -> None:
        self.rows[draft_id].update(values)


class FakeUnitOfWork(UnitOfWork):
    """Shared state across units of work; ``committed_events`` is what a bus would publish."""

    def __init__(self) -> None:
        super().__init__()
        self.positions = FakePositions()
        self.checkins = FakeCheckIns()
        self.evacuees = FakeEvacuees()
        self.audit = FakeAudit()
        self.drafts = FakeDrafts()
        self.cipher = FieldCipher(bytes(range(32)))
        self.clock = fixed_clock()
        self.commits = 0
        self.committed_events: list[Event] = []
        self.lock = threading.Lock()

    def commit(self) -> None:
        self.committed_events += self._pending
        self._pending = []
        self.committed = True
        self.commits += 1

    def rollback(self) -> None:
        self._pending = []
