"""Scenarios kept as files: the YAML and the GeoJSON side files beside it.

:func:`load_scenario` reads a scenario file and hands its bytes, and a reader of its side files,
to :func:`corridor.scenario.loader.read_scenario` (which checks them); it is the
:class:`~corridor.services.ports.ScenarioSource` the services are wired with.
:class:`ScenarioFolders` keeps uploaded scenarios, one folder each, under the data directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.scenario.model import Scenario

# corridor.scenario (pydantic, yaml, shapely) is imported at the first read: the CLI wires this
# module at start-up and a command that reads no scenario should not pay for it.


def load_scenario(path: str | Path) -> Scenario:
    """Load and check the scenario at ``path``; raises InputError naming file, field and value."""
    from corridor.scenario.loader import read_scenario

    p = Path(path)
    if not p.exists():
        raise InputError(str(p), "scenario file not found")
    if not p.is_file():
        raise InputError(str(p), "is not a file")
    return read_scenario(p.read_bytes(), p.name or str(p), SideFolder(p.parent), p.resolve())


class SideFolder:
    """Reads the side files of a scenario in ``base`` (the scenario file's folder): a name that
    leads out of it, through a link for instance, is refused."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def __call__(self, name: str) -> bytes:
        from corridor.scenario.loader import SideFileRefused

        p = self.base / name
        if not p.resolve().is_relative_to(self.base.resolve()):
            raise SideFileRefused(f"{name!r} leads out of the scenario's folder")
        if not p.is_file():
            raise SideFileRefused(f"{name!r} not found beside the scenario file")
        return p.read_bytes()


class FileScenarios:
    """The process's :class:`~corridor.services.ports.ScenarioSource`: scenario files on disk."""

    def load(self, path: Path) -> Scenario:
        return load_scenario(path)

    def kept(self, folder: Path) -> Scenario | None:
        """The scenario kept in ``folder`` (``scenario.yaml``); None when the folder is gone."""
        if not (folder / "scenario.yaml").is_file():
            return None
        return load_scenario(folder / "scenario.yaml")


class ScenarioFolders:
    """Uploaded scenarios under ``root`` (the data directory's ``scenarios/``): one folder each,
    staged while the scenario is checked, then kept under its id
    (:class:`~corridor.services.ports.ScenarioStore`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def stage(self, key: str, yaml_text: str, side_files: dict[str, str]) -> Path:
        """A fresh folder ``upload-<key>`` holding ``scenario.yaml`` and the side files."""
        staging = self.root / f"upload-{key}"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        try:
            (staging / "scenario.yaml").write_text(yaml_text)
            for name, text in side_files.items():
                (staging / name).write_text(text)
        except BaseException:
            self.discard(staging)
            raise
        return staging

    def keep(self, staging: Path, ident: int) -> Path:
        """Move a staged folder to its scenario's id; returns where it now is."""
        final = self.root / str(ident)
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
        return final

    def discard(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
