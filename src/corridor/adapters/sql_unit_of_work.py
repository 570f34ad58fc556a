"""The unit of work on SQL: one connection and transaction, the SQL repositories, the outbox.

:class:`~corridor.services.unit_of_work.UnitOfWork` is what services see; this is the one
:mod:`corridor.bootstrap` wires for the HTTP app and the CLI.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from corridor.adapters.announcement_store import SqlAnnouncements
from corridor.adapters.repositories import accounts, coordination, events, live, plans, registry
from corridor.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from corridor.adapters.crypto_fields import FieldCipher
    from corridor.adapters.events import LocalBus
    from corridor.domain.operations import Event
    from corridor.services.ports import Clock


class SqlUnitOfWork(UnitOfWork):
    def __init__(
        self,
        engine: Engine,
        bus: LocalBus,
        cipher: FieldCipher,
        token_secret: str,
        clock: Clock,
        live_params: Any = None,
    ) -> None:
        super().__init__()
        self.live_params = live_params
        self.clock = clock
        self.token_secret = token_secret
        self._engine = engine
        self._bus = bus
        self.cipher = cipher
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        super().__enter__()
        conn = self._engine.connect()
        conn.begin()
        self._conn = self.connection = conn
        self.accounts = accounts.SqlAccounts(conn, self.clock)
        self.audit = accounts.SqlAudit(conn, self.clock)
        self.events = events.SqlEvents(conn, self.clock)
        self.positions = live.SqlPositions(conn, self.clock)
        self.checkins = live.SqlCheckIns(conn, self.clock)
        self.incidents = live.SqlIncidents(conn, self.clock)
        self.notifications = coordination.SqlNotifications(conn, self.clock)
        self.evacuees = registry.SqlEvacuees(conn, self.clock)
        self.scenarios = plans.SqlScenarios(conn, self.clock)
        self.plans = plans.SqlPlans(conn, self.clock)
        self.simulations = plans.SqlSimulations(conn, self.clock)
        self.drafts = coordination.SqlDrafts(conn, self.clock)
        self.announcements = SqlAnnouncements(conn, self.clock)
        self.publications = plans.SqlPublications(conn, self.clock)
        self.tracks = live.SqlTracks(conn, self.clock)
        self.alerts = live.SqlAlerts(conn, self.clock)
        self.devices = live.SqlDevices(conn, self.clock)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc, tb)
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = self.connection = None

    def commit(self) -> None:
        assert self._conn is not None, "commit outside the unit of work"
        published: list[Event] = []
        if self._pending:
            published = self.events.add(self._pending)
            self._bus.in_transaction(self._conn, published)
        self._conn.commit()
        self._pending = []
        self.committed = True
        if published:
            self._bus.after_commit(published)
        # A unit of work may go on after a commit (a long job reporting progress): the
        # connection begins the next transaction by itself at its next statement.

    def rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction():
            self._conn.rollback()
        self._pending = []
