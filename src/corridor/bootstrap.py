"""The one place where real dependencies are chosen and wired (tests pass fakes instead).

:func:`bootstrap` turns :class:`~corridor.settings.Settings` into a :class:`Service`: the
database engine (migrated), the event bus that fits the database, the registry's field cipher,
and a factory of units of work.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corridor.adapters.clock import clock_from
from corridor.adapters.crypto_fields import FieldCipher
from corridor.adapters.events import LocalBus, PostgresBus
from corridor.adapters.extract_files import ExtractFolder
from corridor.adapters.osm import load_road_graph
from corridor.adapters.private_files import private_dir, private_sqlite
from corridor.adapters.repositories.accounts import SqlAudit
from corridor.adapters.repositories.events import SqlEvents
from corridor.adapters.scenario_files import FileScenarios, ScenarioFolders
from corridor.adapters.sql_engine import SqliteCheckpointer, make_engine, upgrade
from corridor.adapters.sql_unit_of_work import SqlUnitOfWork
from corridor.services.ports import use_road_graph_source, use_scenario_source
from corridor.services.position_writer import PositionWriter

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from sqlalchemy import Connection, Engine

    from corridor.domain.access import Principal
    from corridor.domain.operations import Event
    from corridor.services.agreement import SubmitResult
    from corridor.services.log import LogService
    from corridor.services.plans import PlanJobs
    from corridor.services.ports import Clock
    from corridor.services.simulation_jobs import SimulationJobs
    from corridor.settings import Settings


@dataclass
class PrincipalCache:
    """Token hash -> principal for a few seconds, so that a burst of requests costs one lookup.

    A revoked token stops working within ``ttl`` seconds on every worker.
    """

    ttl: float = 5.0
    _items: dict[str, tuple[float, Principal]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str) -> Principal | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or hit[0] < time.monotonic():
                self._items.pop(key, None)
                return None
            return hit[1]

    def put(self, key: str, who: Principal) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = (time.monotonic() + self.ttl, who)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class Service:
    settings: Settings
    engine: Engine
    bus: LocalBus
    cipher: FieldCipher
    clock: Clock
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    checkpointer: SqliteCheckpointer | None = None
    _log: LogService | None = None
    _positions: PositionWriter | None = None
    _plans: PlanJobs | None = None
    _simulations: SimulationJobs | None = None

    @property
    def plans(self) -> PlanJobs:
        """Background planning jobs of this process."""
        if self._plans is None:
            from corridor.services.plans import PlanJobs

            self._plans = PlanJobs(self.uow, lambda corridor: self.log.agreed_terms(corridor))
        return self._plans

    @property
    def simulations(self) -> SimulationJobs:
        """Background simulations of plans (on CORRIDOR_DASK_SCHEDULER's cluster if set)."""
        if self._simulations is None:
            from corridor.adapters.dask_cluster import executor
            from corridor.services.simulation_jobs import SimulationJobs

            self._simulations = SimulationJobs(self.uow, executor, self.settings.dask_scheduler)
        return self._simulations

    @property
    def positions(self) -> PositionWriter:
        """The group-committing writer of position reports (one per process)."""
        if self._positions is None:
            self._positions = PositionWriter(self.uow)
        return self._positions

    @property
    def log(self) -> LogService:
        """The agreement log over this service's database, with the log operator's key."""
        if self._log is None:
            from corridor.adapters.key_files import load_or_create_log_key
            from corridor.adapters.log_store import LogStore
            from corridor.adapters.tile_files import TileFolder
            from corridor.services.log import LogService

            key = load_or_create_log_key(self.settings.log_key_file)
            store, folder = LogStore(self.engine), TileFolder(self.settings.data_dir / "log")
            self._log = LogService(
                store, key, folder, self.clock, self._record_submissions, self._organisations
            )
        return self._log

    def _record_submissions(
        self, conn: Connection, entries: list[tuple[Principal | None, SubmitResult, Event]]
    ) -> Callable[[], None]:
        """Events and audit records of stored envelopes, in the transaction that stores them."""
        published = SqlEvents(conn, self.clock).add([event for _, _, event in entries])
        self.bus.in_transaction(conn, published)
        audit = SqlAudit(conn, self.clock)
        for who, result, _ in entries:
            detail = {"kind": result.kind.value}
            audit.add(who, "agreement.submit", f"log:{result.index}", detail)
        return lambda: self.bus.after_commit(published)

    def _organisations(self) -> dict[int, str]:
        """Every organisation's name by id (the log checks who may register which key)."""
        uow = self.uow()
        with uow:
            return {int(o["id"]): str(o["name"]) for o in uow.accounts.list_organisations()}

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            self.bus,
            self.cipher,
            self.settings.token_secret,
            self.clock,
            self.settings.live_params,
        )

    @property
    def cache_dir(self) -> Path:
        """Where parsed road graphs are kept."""
        return self.settings.data_dir / "cache"

    @property
    def scenario_folders(self) -> ScenarioFolders:
        """Uploaded scenarios, a folder each under the data directory's ``scenarios/``."""
        return ScenarioFolders(self.settings.data_dir / "scenarios")

    @property
    def extracts(self) -> ExtractFolder:
        """OSM extracts: uploaded ones (the data directory's ``osm/``), then the bundled ones."""
        return ExtractFolder(self.settings.data_dir / "osm")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        if self._positions is not None:
            self._positions.stop()
        if self._plans is not None:
            self._plans.shutdown()
        if self._simulations is not None:
            self._simulations.shutdown()
        self.bus.stop()
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()


def wire_ports() -> None:
    """Wire the ports that are the process's rather than a Service's: the road graph is read
    from OSM extracts by ``adapters.osm`` (imported with the service, as ``services.network``
    did before the port: a first graph read in a request does not pay for it), scenarios from
    their files by ``adapters.scenario_files``."""
    use_road_graph_source(load_road_graph)
    use_scenario_source(FileScenarios())


def bootstrap(settings: Settings, *, migrate: bool = True, clock: Clock | None = None) -> Service:
    """Connect, migrate (unless told not to) and wire the service for ``settings``.

    ``clock`` is the one clock of the whole service: by default the system's, or a running
    clock from ``settings.clock`` (CORRIDOR_CLOCK); tests and the demo pass their own.
    """
    if clock is None:
        clock = clock_from(settings.clock)
    wire_ports()
    private_dir(settings.data_dir)  # owner-only: the database and the log's key live in it
    private_sqlite(settings.db_url)
    engine = make_engine(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    if migrate:
        upgrade(engine)
        from corridor.adapters.key_files import load_or_create_log_key

        load_or_create_log_key(settings.log_key_file)  # before workers race to make one
        _fail_interrupted_plans(engine, clock)
    bus: LocalBus = (
        PostgresBus(engine, clock) if engine.dialect.name == "postgresql" else LocalBus()
    )
    checkpointer = None
    if engine.dialect.name == "sqlite":
        checkpointer = SqliteCheckpointer(engine)
        checkpointer.start()
    cipher = FieldCipher(settings.registry_key_bytes)
    return Service(settings, engine, bus, cipher, clock, checkpointer=checkpointer)


def _fail_interrupted_plans(engine: Engine, clock: Clock) -> None:
    """Plans left queued or running by a stopped server will never finish: say so."""
    from sqlalchemy import update

    from corridor.adapters import orm

    with engine.begin() as conn:
        for table, during in ((orm.plans, "planning"), (orm.simulations, "the simulation")):
            conn.execute(
                update(table)
                .where(table.c.status.in_(["queued", "running"]))
                .values(
                    status="failed",
                    error=f"interrupted: the server stopped during {during}",
                    finished_at=clock(),
                )
            )
