"""The services read road graphs only through the wired ``RoadGraphSource`` port."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.adapters.scenario_files import load_scenario
from corridor.errors import InputError
from corridor.services import network, ports
from corridor.services.network import prepare_network

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "andorra" / "scenario.yaml"


def test_prepare_network_reads_the_graph_through_the_wired_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, Path | None]] = []

    def source(path: Path, cache_dir: Path | None) -> network.RoadGraph:
        calls.append((path.name, cache_dir))
        raise InputError(str(path), "read by the test's source")

    monkeypatch.setattr(ports, "_road_graphs", source)
    network._road_graph.cache_clear()
    scenario = load_scenario(EXAMPLE)
    with pytest.raises(InputError, match="read by the test's source"):
        prepare_network(scenario, Path("/nowhere/cache"))
    assert calls == [(scenario.osm_path().name, Path("/nowhere/cache"))]


def test_an_unwired_process_says_what_to_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ports, "_road_graphs", None)
    with pytest.raises(RuntimeError, match="wire_ports"):
        ports.road_graph_source()
