"""The live-event bus behind ``GET /v1/events`` (Server-Sent Events).

Every event is first written to the ``events`` table inside the transaction that made the
change (an outbox: a client reconnecting with ``Last-Event-ID`` replays from it). Then:

- :class:`LocalBus` (SQLite, one process) hands committed events to this process's streams.
- :class:`PostgresBus` adds ``pg_notify`` *inside* the same transaction, so PostgreSQL delivers
  the notification only if the change commits, to every worker that LISTENs; each worker runs
  one listener thread that feeds its own streams. No extra server to run: the database the
  operation already depends on is the message broker (see docs/deployment.md for why not Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, make_url, text

from corridor.adapters.repositories.events import SqlEvents, notify_payload
from corridor.domain.operations import Event

if TYPE_CHECKING:
    from corridor.services.ports import Clock

CHANNEL = "corridor_events"
log = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscription:
    """One live stream's inbox. ``overflowed`` is set when the client fell too far behind."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(maxsize=10_000))
    overflowed: bool = False

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True


class LocalBus:
    """Delivers events to the streams of this process only."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> Subscription:
        sub = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def in_transaction(self, conn: Connection, events: Sequence[Event]) -> None:
        """Called before commit with events that already have ids."""

    def after_commit(self, events: Sequence[Event]) -> None:
        self.dispatch(events)

    def dispatch(self, events: Sequence[Event]) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            for e in events:
                with contextlib.suppress(RuntimeError):  # loop closed: the stream is gone
                    sub.loop.call_soon_threadsafe(sub.offer, e)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class PostgresBus(LocalBus):
    """LISTEN/NOTIFY across every worker serving one PostgreSQL database."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        super().__init__()
        self._engine = engine
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_id = 0
        self.ready = threading.Event()

    def in_transaction(self, conn: Connection, events: Sequence[Event]) -> None:
        for e in events:
            conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": notify_payload(e)})

    def after_commit(self, events: Sequence[Event]) -> None:
        pass  # the listener thread delivers them, to this worker like to every other

    def start(self) -> None:
        if self._thread is None:
            with self._engine.connect() as conn:
                self._last_id = SqlEvents(conn, self._clock).last_id()
            self._thread = threading.Thread(target=self._run, name="corridor-listen", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        import psycopg

        url = make_url(self._engine.url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._catch_up()  # whatever was committed while we were not listening
                    self.ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._deliver(note.payload)
            except Exception:  # a lost connection: log, wait, listen again
                log.exception("event listener lost its connection; reconnecting")
                self._stop.wait(1.0)

    def _deliver(self, payload: str) -> None:
        raw = json.loads(payload)
        if raw.get("fetch"):
            with self._engine.connect() as conn:
                events = SqlEvents(conn, self._clock).by_ids([int(raw["id"])])
        else:
            events = [Event(raw["topic"], raw["data"], raw["vehicle"], raw["party"], raw["id"])]
        for e in events:
            self._last_id = max(self._last_id, e.id or 0)
        self.dispatch(events)

    def _catch_up(self) -> None:
        with self._engine.connect() as conn:
            missed = SqlEvents(conn, self._clock).since(self._last_id)
        if missed:
            self._last_id = max(e.id or 0 for e in missed)
            self.dispatch(missed)
