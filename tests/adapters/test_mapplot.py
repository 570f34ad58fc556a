"""The routes map a coordinator reads: no label over another label or a marker, the close-up
beside the main map (never over it), and a legend that lists exactly what is drawn."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from corridor.adapters.mapplot import MapDrawing, draw_map
from corridor.adapters.scenario_files import load_scenario
from corridor.services.network import prepare_network
from corridor.services.route_map import routes_scene
from corridor.services.routes import corridor_candidates
from corridor.services.scenario_check import check_scenario

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "routing"))
from test_bridge_for_heavy_vehicles import bridge_scenario  # noqa: E402


def drawn(scenario_path: Path | None, tmp_path: Path, cache_dir: Path) -> MapDrawing:
    scenario = load_scenario(scenario_path) if scenario_path else bridge_scenario()
    net = prepare_network(scenario, cache_dir)
    scene = routes_scene(net, corridor_candidates(net), check_scenario(net))
    return draw_map(scene, tmp_path / "map.png")


ANDORRA = ROOT / "examples" / "andorra" / "scenario.yaml"
FIRST_TRY = ROOT / "examples" / "helsinki" / "first-try-fixed-typo.yaml"


@pytest.mark.parametrize(
    "scenario", [ANDORRA, FIRST_TRY, None], ids=["andorra", "helsinki-first-try", "andorra-bridge"]
)
def test_no_two_labels_overlap_and_none_covers_a_marker(
    scenario: Path | None, tmp_path: Path, cache_dir: Path
) -> None:
    if scenario is not None and scenario.name == "first-try-fixed-typo.yaml":
        text = (ROOT / "examples" / "helsinki" / "first-try.yaml").read_text("utf-8")
        scenario = tmp_path / "first-try.yaml"
        scenario.write_text(
            text.replace("capcity", "capacity").replace("../../data", str(ROOT / "data")), "utf-8"
        )
    d = drawn(scenario, tmp_path, cache_dir)
    assert d.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(d.labels) >= 10
    for (a, box_a), (b, box_b) in itertools.combinations(d.labels, 2):
        assert not box_a.overlaps(box_b), f"label {a!r} covers label {b!r}"
    for (text, box), (place, marker) in itertools.product(d.labels, d.markers):
        assert not box.overlaps(marker), f"label {text!r} covers the marker of {place}"
    main, close_up = d.panels
    assert not main.overlaps(close_up), "the close-up covers the main map"


def test_the_legend_lists_exactly_what_is_drawn(tmp_path: Path, cache_dir: Path) -> None:
    d = drawn(None, tmp_path, cache_dir)
    legend = set(d.legend)
    assert len(d.legend) == len(legend)
    # The bridge closed to heavy vehicles is drawn, and the routes over it, which the truck
    # may not take, are drawn apart.
    assert "Damaged bridge (closed to some vehicles)" in legend
    assert "Route from K-SUD for bus, minibus, ambulance only" in legend
    assert "Area of the close-up" in legend
    # A hazard far outside the map's frame is not drawn in view, so not in the legend.
    text = (ROOT / "examples" / "helsinki" / "scenario.yaml").read_text("utf-8")
    text = text.replace("../../data", str(ROOT / "data")).replace(
        "hazards:\n",
        "hazards:\n  - {id: H-FAR, kind: mines, closed: true, buffer_m: 10,\n"
        "     geometry: {type: Point, coordinates: [24.9362, 60.1786]}}\n",
    )
    (tmp_path / "far.yaml").write_text(text, "utf-8")
    far = drawn(tmp_path / "far.yaml", tmp_path, cache_dir)
    assert "Mines (closed)" not in far.legend
    assert "Other hazard (closed)" in far.legend


def test_cut_off_places_are_marked_and_explained_in_the_legend(
    tmp_path: Path, cache_dir: Path
) -> None:
    text = (ROOT / "examples" / "helsinki" / "first-try.yaml").read_text("utf-8")
    path = tmp_path / "first-try.yaml"
    path.write_text(
        text.replace("capcity", "capacity").replace("../../data", str(ROOT / "data")), "utf-8"
    )
    assert "Does not connect (see the warnings)" in drawn(path, tmp_path, cache_dir).legend
    fixed = drawn(ROOT / "examples" / "helsinki" / "scenario.yaml", tmp_path, cache_dir)
    assert "Does not connect (see the warnings)" not in fixed.legend
