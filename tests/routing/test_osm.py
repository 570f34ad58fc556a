"""The OSM import: what is drivable, directions, speeds, the connected part, the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corridor.adapters.osm import file_sha256, load_road_graph, parse_maxspeed
from corridor.errors import InputError

# A 3x2 block of streets at 42.5N: a two-way residential loop 1-2-3-6-5-4-1, a one-way 2->5
# primary with maxspeed 90, a way 6-3 tagged oneway=-1 (so traffic goes 3->6) at 30 mph, a
# footway and a private road (neither drivable), and an island road 7-8 cut off from the rest.
OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="42.5000" lon="1.5000" version="1"/>
  <node id="2" lat="42.5000" lon="1.5010" version="1"/>
  <node id="3" lat="42.5000" lon="1.5020" version="1"/>
  <node id="4" lat="42.5010" lon="1.5000" version="1"/>
  <node id="5" lat="42.5010" lon="1.5010" version="1"/>
  <node id="6" lat="42.5010" lon="1.5020" version="1"/>
  <node id="7" lat="42.5100" lon="1.5100" version="1"/>
  <node id="8" lat="42.5100" lon="1.5110" version="1"/>
  <node id="9" lat="42.5020" lon="1.5000" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="6"/><nd ref="5"/>
    <nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="residential"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="5"/><tag k="highway" v="primary"/>
    <tag k="oneway" v="yes"/><tag k="maxspeed" v="90"/></way>
  <way id="12" version="1"><nd ref="4"/><nd ref="9"/><tag k="highway" v="footway"/></way>
  <way id="13" version="1"><nd ref="5"/><nd ref="9"/><tag k="highway" v="service"/>
    <tag k="access" v="private"/></way>
  <way id="14" version="1"><nd ref="7"/><nd ref="8"/><tag k="highway" v="tertiary"/></way>
  <way id="15" version="1"><nd ref="6"/><nd ref="3"/><tag k="highway" v="tertiary"/>
    <tag k="oneway" v="-1"/><tag k="maxspeed" v="30 mph"/></way>
</osm>
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.osm"
    p.write_text(OSM, encoding="utf-8")
    return p


def test_drivable_roads_directions_and_speeds(tiny: Path, tmp_path: Path) -> None:
    g = load_road_graph(tiny, tmp_path / "cache")
    # 6 loop nodes; the footway, the private road and the island are gone.
    assert g.n_nodes == 6
    ll = {
        (round(float(a), 4), round(float(b), 4)): i
        for i, (a, b) in enumerate(zip(g.lon, g.lat, strict=True))
    }
    n1, n2, n3 = ll[(1.5, 42.5)], ll[(1.501, 42.5)], ll[(1.502, 42.5)]
    n5, n6 = ll[(1.501, 42.501)], ll[(1.502, 42.501)]
    edges = {(int(s), int(d)): i for i, (s, d) in enumerate(zip(g.src, g.dst, strict=True))}
    # The one-way primary goes 2 -> 5 only, at 90 km/h.
    assert (n2, n5) in edges
    assert (n5, n2) not in edges
    e = edges[(n2, n5)]
    assert g.length_m[e] / (g.time_min[e] / 60) / 1000 == pytest.approx(90)
    # The residential loop is two-way at the class speed (25 km/h).
    e = edges[(n1, n2)]
    assert (n2, n1) in edges
    assert g.length_m[e] / (g.time_min[e] / 60) / 1000 == pytest.approx(25)
    # oneway=-1 on 6 -> 3 means traffic goes 3 -> 6; 30 mph is 48.28 km/h. The loop also
    # joins 3 and 6 both ways at 25 km/h: the quicker parallel edge is kept.
    e = edges[(n3, n6)]
    assert g.length_m[e] / (g.time_min[e] / 60) / 1000 == pytest.approx(48.28032)
    # Length of a 0.001 degree step east at 42.5N is about 82 m.
    assert g.length_m[edges[(n1, n2)]] == pytest.approx(82.0, abs=0.5)


def test_second_load_comes_from_the_cache(tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_road_graph(tiny, cache)
    files = list(cache.glob("*.npz"))
    assert len(files) == 1
    assert file_sha256(tiny) in files[0].name
    again = load_road_graph(tiny, cache)
    np.testing.assert_array_equal(first.src, again.src)
    np.testing.assert_array_equal(first.time_min, again.time_min)
    assert first.projection == again.projection
    # A damaged cache is rebuilt, not trusted.
    files[0].write_bytes(b"not an npz")
    rebuilt = load_road_graph(tiny, cache)
    np.testing.assert_array_equal(first.dst, rebuilt.dst)


def test_cache_dir_from_the_environment(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(tmp_path / "envcache"))
    load_road_graph(tiny)
    assert list((tmp_path / "envcache").glob("roads-*.npz"))


def test_bad_extracts_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="OSM extract not found"):
        load_road_graph(tmp_path / "missing.osm.pbf", tmp_path)
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"this is not a protobuf")
    with pytest.raises(InputError, match="not a readable OSM extract"):
        load_road_graph(junk, tmp_path)


@pytest.mark.parametrize(
    ("tag", "kmh"),
    [
        ("50", 50.0),
        ("30 mph", 48.28032),
        ("70;50", 70.0),
        ("FR:urban", None),
        ("none", None),
        (None, None),
        ("0", None),
    ],
)
def test_maxspeed(tag: str | None, kmh: float | None) -> None:
    got = parse_maxspeed(tag)
    assert got == (pytest.approx(kmh) if kmh is not None else None)
