"""The unit of work: one transaction, its repositories, and the events it will publish.

Services take a :class:`UnitOfWork`; the HTTP app and the CLI get the SQL one
(:class:`corridor.adapters.sql_unit_of_work.SqlUnitOfWork`, wired by :mod:`corridor.bootstrap`),
unit tests a fake with in-memory repositories. Nothing is
stored unless the service calls :meth:`commit`; events recorded with :meth:`emit` are written to
the outbox in the same transaction and handed to the bus only after the commit.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from corridor.domain.operations import Event
    from corridor.services.ports import Clock, FieldCipher


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
