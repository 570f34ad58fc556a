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
from corridor.adapters.sql_engine import (
    DATABASE_SETTING,
    SqliteCheckpointer,
    check_connection,
    make_engine,
    upgrade,
)
from corridor.adapters.sql_unit_of_work import SqlUnitOfWork
from corridor.errors import InputError
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

            scheduler = self.settings.dask_scheduler or None  # set but empty: none
            self._simulations = SimulationJobs(self.uow, executor, scheduler)
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


#: Where the data directory comes from, as its errors name it.
DATA_DIR_SETTING = "CORRIDOR_DATA_DIR (--data-dir)"


def open_database(settings: Settings) -> Engine:
    """The database's engine, the data directory (owner-only: the database and the log's key
    live in it) and a first connection; whatever fails is an InputError naming the setting and
    the value (a URL's password masked), never a traceback. A URL that cannot be used or a
    server that does not answer is refused before anything is made."""
    engine = make_engine(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    where = DATABASE_SETTING if settings.database_url else DATA_DIR_SETTING
    sqlite = engine.dialect.name == "sqlite"
    if not sqlite:
        check_connection(engine, where)
    try:
        private_dir(settings.data_dir)
    except OSError as exc:
        engine.dispose()
        why = "a file, not a folder" if isinstance(exc, FileExistsError) else exc.strerror
        raise InputError(
            DATA_DIR_SETTING,
            f"{str(settings.data_dir)!r} cannot be used as the data directory ({why})",
            str(settings.data_dir),
        ) from exc
    try:
        private_sqlite(settings.db_url)
    except OSError as exc:
        engine.dispose()
        raise InputError(
            where, f"{engine.url.database!r}: the SQLite file cannot be made ({exc.strerror})"
        ) from exc
    if sqlite:
        check_connection(engine, where)
    return engine


def check_log_key(settings: Settings, engine: Engine) -> None:
    """Load the log operator's key, or make it when the log has no checkpoint yet; refuse a
    start whose key signed none of the checkpoints the database holds (another data directory
    on the same database, a restore without ``keys/``): every party's check would fail."""
    from sqlalchemy import select

    from corridor.adapters.key_files import log_key_for
    from corridor.adapters.log_tables import checkpoints_table

    try:
        with engine.connect() as conn:
            rows = conn.execution_options(stream_results=True, yield_per=500).execute(
                select(checkpoints_table.c.note).order_by(checkpoints_table.c.size.desc())
            )
            try:  # newest first: the first one is, as a rule, signed by the key at hand
                notes = (bytes(r[0]) for r in rows)
                log_key_for(settings.log_key_file, notes, "CORRIDOR_LOG_KEY_PATH")
            finally:
                rows.close()  # a server-side cursor on PostgreSQL
    except InputError:
        engine.dispose()
        raise


#: The audit action that records the check value of the service's token secret, at each start
#: where it changed (there is no table of the service's own settings; a change of secret, which
#: voids every token, belongs in the audit trail anyway).
TOKEN_SECRET_ACTION = "service.token_secret"


def token_secret_check(secret: str) -> str:
    """What tells two token secrets apart and nothing about either: HMAC-SHA256 of a fixed
    label, 16 hex digits."""
    import hashlib
    import hmac

    label = b"corridor token secret check v1"
    return hmac.new(secret.encode(), label, hashlib.sha256).hexdigest()[:16]


def recorded_token_secret(service: Service) -> str | None:
    """The check value of the token secret the service last started with (None: not known)."""
    from sqlalchemy import select

    from corridor.adapters import orm

    a = orm.audit.c
    with service.engine.connect() as conn:
        row = conn.execute(
            select(a.detail).where(a.action == TOKEN_SECRET_ACTION).order_by(a.id.desc()).limit(1)
        ).first()
    check = row[0].get("check") if row is not None and isinstance(row[0], dict) else None
    return check if isinstance(check, str) else None


def record_token_secret(service: Service) -> str | None:
    """Record the check value of this service's token secret unless it is the latest recorded;
    return the one it replaces (every token issued before is now refused), else None."""
    mine = token_secret_check(service.settings.token_secret)
    before = recorded_token_secret(service)
    if before == mine:
        return None
    with service.engine.begin() as conn:
        detail = {"check": mine, "replaces": before}
        audit = SqlAudit(conn, service.clock)
        audit.add(None, TOKEN_SECRET_ACTION, "CORRIDOR_TOKEN_SECRET", detail)
    return before


def require_token_secret(service: Service, *, first: bool = False) -> None:
    """Refuse a command that issues tokens with another secret than the service runs with: the
    service would answer 401 to every token it prints. ``first``: with none recorded yet, this
    secret is recorded as the service's (``corridor admin bootstrap`` before the first start)."""
    mine = token_secret_check(service.settings.token_secret)
    recorded = recorded_token_secret(service)
    if recorded is None and first:
        record_token_secret(service)
    elif recorded is not None and recorded != mine:
        raise InputError(
            "CORRIDOR_TOKEN_SECRET",
            f"this shell's secret (check {mine}) is not the one the service started with (check "
            f"{recorded}): the service would refuse a token issued with it (401); run the "
            "command with the service's CORRIDOR_TOKEN_SECRET (its environment file)",
        )


def bootstrap(
    settings: Settings, *, migrate: bool = True, clock: Clock | None = None, log_key: bool = True
) -> Service:
    """Connect, migrate (unless told not to) and wire the service for ``settings``.

    ``clock`` is the one clock of the whole service: by default the system's, or a running
    clock from ``settings.clock`` (CORRIDOR_CLOCK); tests and the demo pass their own.
    ``log_key``: with ``migrate``, load (or make) the log's key and check it against the log's
    checkpoints; the ``corridor admin`` commands, which sign nothing, pass False.
    """
    if clock is None:
        clock = clock_from(settings.clock)
    wire_ports()
    engine = open_database(settings)
    if migrate:
        upgrade(engine)
        if log_key:
            check_log_key(settings, engine)  # and make it, before workers race to make one
    bus: LocalBus = (
        PostgresBus(engine, clock) if engine.dialect.name == "postgresql" else LocalBus()
    )
    checkpointer = None
    if engine.dialect.name == "sqlite":
        checkpointer = SqliteCheckpointer(engine)
        checkpointer.start()
    cipher = FieldCipher(settings.registry_key_bytes)
    return Service(settings, engine, bus, cipher, clock, checkpointer=checkpointer)
