"""The ports services depend on; adapters implement them and bootstrap wires them."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from corridor.publishing.facts import PublicFacts
    from corridor.publishing.notices import Notice
    from corridor.routing.graph import RoadGraph
    from corridor.scenario.model import Scenario
    from corridor.tlog.keys import SignerKey, VerifierKey

P = TypeVar("P")
Clock = Callable[[], dt.datetime]
"""Now, as an aware UTC datetime. The only way any layer learns the time."""


class FieldCipher(Protocol):
    """Encrypts personal fields at rest (``adapters.crypto_fields`` implements it)."""

    def encrypt(self, field: str, value: str | None) -> bytes | None: ...

    def decrypt(self, field: str, blob: bytes | None) -> str | None: ...


class NoticeWriter(Protocol):
    """Writes one printed notice to ``path`` and returns it (``adapters.notices_pdf``)."""

    def __call__(
        self, path: Path, notice: Notice, facts: PublicFacts, roads: list[dict[str, Any]]
    ) -> Path: ...


class Executor(Protocol):
    """Where many independent runs go (``adapters.dask_cluster.executor``): a context giving
    ``(map, workers, where)`` for a scheduler address, a worker count, or this process."""

    def __call__(
        self, scheduler: str | None, workers: int | None, here: bool = False
    ) -> contextlib.AbstractContextManager[tuple[Callable[..., Any], int, str]]: ...


class RoadGraphSource(Protocol):
    """Reads the drivable road graph of an OSM extract (``adapters.osm.load_road_graph``);
    ``cache_dir``: where a parsed graph may be kept. InputError when it is not an extract."""

    def __call__(self, path: Path, cache_dir: Path | None) -> RoadGraph: ...


_road_graphs: RoadGraphSource | None = None


def use_road_graph_source(source: RoadGraphSource) -> None:
    """Wire the process's road-graph source (``bootstrap.wire_ports``: the service and the CLI)."""
    global _road_graphs
    _road_graphs = source


def road_graph_source() -> RoadGraphSource:
    """The wired road-graph source; a process that never wired one is a programming error."""
    return _wired(_road_graphs, "road-graph source")


class ScenarioSource(Protocol):
    """Reads a scenario file and the side files beside it
    (``adapters.scenario_files.FileScenarios``); InputError naming file, field and value."""

    def load(self, path: Path) -> Scenario: ...

    def kept(self, folder: Path) -> Scenario | None:
        """The scenario kept in ``folder`` (an uploaded one); None when the folder is gone."""
        ...


_scenarios: ScenarioSource | None = None


def use_scenario_source(source: ScenarioSource) -> None:
    """Wire the process's scenario source (``bootstrap.wire_ports``: the service and the CLI)."""
    global _scenarios
    _scenarios = source


def scenario_source() -> ScenarioSource:
    """The wired scenario source; a process that never wired one is a programming error."""
    return _wired(_scenarios, "scenario source")


def _wired(port: P | None, what: str) -> P:
    if port is None:
        raise RuntimeError(f"no {what} is wired: call corridor.bootstrap.wire_ports()")
    return port


class ScenarioStore(Protocol):
    """Where uploaded scenarios are kept, a folder each (``adapters.scenario_files
    .ScenarioFolders``): staged while they are checked, then kept under their id."""

    def stage(self, key: str, yaml_text: str, side_files: dict[str, str]) -> Path: ...

    def keep(self, staging: Path, ident: int) -> Path: ...

    def discard(self, folder: Path) -> None: ...


class ExtractStore(Protocol):
    """The OSM extracts a scenario may name, uploaded and bundled
    (``adapters.extract_files.ExtractFolder``)."""

    def find(self, name: str) -> Path | None: ...

    def listing(self, matches: Callable[[str], bool]) -> list[tuple[str, int, str]]: ...

    def uploaded_digest(self, name: str) -> str | None: ...

    def put(self, name: str, data: bytes, check: Callable[[Path], Any]) -> Any: ...


class TileExport(Protocol):
    """Where the log service exports its tlog-tiles layout (``adapters.tile_files.TileFolder``)."""

    def export(
        self, entries: Iterable[bytes], checkpoint_note: bytes, cosigned: dict[str, bytes]
    ) -> int: ...

    def served(self, rel: str) -> bytes | None:
        """One exported file by its relative path; None when there is no such file."""
        ...


class LogPort(Protocol):
    """What the agreement needs of a log: :class:`~corridor.adapters.log_store.LogStore`
    (a database, which also offers ``writing()``: its write lock), or
    :class:`~corridor.adapters.remote_log.RemoteLog` (a coordination server's log)."""

    @property
    def size(self) -> int: ...

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...

    def indexes_of(self, envelopes: Sequence[bytes]) -> dict[bytes, int]: ...

    def append_many(
        self,
        envelopes: Sequence[bytes],
        expect_size: int | None = None,
        new_only: bool = False,
        before_commit: Callable[[Any], None] | None = None,
    ) -> list[int]: ...


class LogStore(LogPort, Protocol):
    """What the log service needs of its store: the agreement's :class:`LogPort`, and
    checkpoints, cosignatures and proofs (``adapters.log_store.LogStore`` implements it)."""

    def entry(self, index: int) -> bytes: ...

    def inclusion_proof(self, index: int, size: int) -> list[bytes]: ...

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]: ...

    def checkpoint_now(self, key: SignerKey) -> tuple[int, bytes]: ...

    def store_checkpoint(self, size: int, note: bytes) -> bytes: ...

    def latest_checkpoint(self) -> bytes | None: ...

    def witness_checkpoints(self) -> dict[str, tuple[str, bytes]]: ...

    def add_cosignatures(self, cosigned: bytes, witness: VerifierKey) -> None: ...
