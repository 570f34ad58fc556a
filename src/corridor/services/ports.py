"""The ports services depend on; adapters implement them and bootstrap wires them."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from corridor.publishing.facts import PublicFacts
    from corridor.publishing.notices import Notice

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
