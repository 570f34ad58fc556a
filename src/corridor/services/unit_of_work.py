"""The unit of work: one transaction, its repositories, and the events it will publish.

Services take a :class:`UnitOfWork`; the HTTP app and the CLI build a :class:`SqlUnitOfWork`
(through :mod:`corridor.bootstrap`), unit tests a fake with in-memory repositories. Nothing is
stored unless the service calls :meth:`commit`; events recorded with :meth:`emit` are written to
the outbox in the same transaction and handed to the bus only after the commit.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from corridor.adapters import db
from corridor.adapters.announcement_store import SqlAnnouncements

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from corridor.adapters.crypto_fields import FieldCipher
    from corridor.adapters.events import LocalBus
    from corridor.domain.operations import Event
    from corridor.services.ports import Clock


class UnitOfWork:
    """What a service sees. Subclasses set the repositories in ``__enter__``."""

    accounts: Any
    audit: Any
    events: Any
    positions: Any
    checkins: Any
    incidents: Any
    notifications: Any
    evacuees: Any
    scenarios: Any
    plans: Any
    simulations: Any
    drafts: Any
    announcements: Any
    #: The live operation (None in fakes that do not track): published plans and trip sheets,
    #: vehicles' tracked state, alerts, Traccar devices.
    publications: Any = None
    tracks: Any = None
    alerts: Any = None
    devices: Any = None
    #: The live operation's thresholds (settings); None: the documented defaults.
    live_params: Any = None
    cipher: FieldCipher
    #: The service's one clock: "now" for every use case and every stored timestamp.
    clock: Clock
    #: Pepper of API-token hashes (settings.token_secret).
    token_secret: str = ""
    #: The raw connection, for collaborators that need one (the log store); None in fakes.
    connection: Any = None

    def __init__(self) -> None:
        self._pending: list[Event] = []
        self.committed = False

    def emit(self, event: Event) -> None:
        self._pending.append(event)

    def __enter__(self) -> Self:
        self._pending = []
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()  # whatever was not committed

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError


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
        self.accounts = db.SqlAccounts(conn, self.clock)
        self.audit = db.SqlAudit(conn, self.clock)
        self.events = db.SqlEvents(conn, self.clock)
        self.positions = db.SqlPositions(conn, self.clock)
        self.checkins = db.SqlCheckIns(conn, self.clock)
        self.incidents = db.SqlIncidents(conn, self.clock)
        self.notifications = db.SqlNotifications(conn, self.clock)
        self.evacuees = db.SqlEvacuees(conn, self.clock)
        self.scenarios = db.SqlScenarios(conn, self.clock)
        self.plans = db.SqlPlans(conn, self.clock)
        self.simulations = db.SqlSimulations(conn, self.clock)
        self.drafts = db.SqlDrafts(conn, self.clock)
        self.announcements = SqlAnnouncements(conn, self.clock)
        self.publications = db.SqlPublications(conn, self.clock)
        self.tracks = db.SqlTracks(conn, self.clock)
        self.alerts = db.SqlAlerts(conn, self.clock)
        self.devices = db.SqlDevices(conn, self.clock)
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
