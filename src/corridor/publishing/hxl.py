"""HXL tables (Humanitarian Exchange Language) and GeoJSON of non-personal aggregates.

Each table is CSV with the column names on the first row and the HXL hashtags on the second
(``docs/public.md`` lists every table and tag). Only counts, places, vehicle ids and kilograms
enter a table: never a name, a contact, a need written by a registrar, or a registry id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from corridor.publishing.facts import Place


@dataclass(frozen=True)
class Table:
    name: str
    """file name without extension."""
    columns: Sequence[tuple[str, str]]
    """(column name, HXL hashtag with attributes)."""
    rows: list[list[Any]]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([name for name, _ in self.columns])
        writer.writerow([tag for _, tag in self.columns])
        writer.writerows(self.rows)
        return out.getvalue()


def people_table(
    gathering: list[Place],
    planned: dict[str, dict[str, int]],
    boarded: dict[str, dict[str, int]],
) -> Table:
    """People per gathering point and class: listed by the scenario, boarded, still waiting."""
    rows: list[list[Any]] = []
    for g in gathering:
        for cls in sorted(set(planned.get(g.id, {})) | set(boarded.get(g.id, {}))):
            listed = planned.get(g.id, {}).get(cls, 0)
            gone = boarded.get(g.id, {}).get(cls, 0)
            rows.append(
                [
                    g.id,
                    g.name,
                    f"{g.lat:.5f}",
                    f"{g.lon:.5f}",
                    cls,
                    listed,
                    max(0, listed - gone),
                    gone,
                ]
            )
    return Table(
        "people",
        [
            ("Gathering point", "#loc+code"),
            ("Gathering point name", "#loc+name"),
            ("Latitude", "#geo+lat"),
            ("Longitude", "#geo+lon"),
            ("Class", "#indicator+class"),
            ("People listed", "#targeted+listed"),
            ("People waiting", "#affected+waiting"),
            ("People evacuated (boarded)", "#reached+evacuated"),
        ],
        rows,
    )


def arrivals_table(
    receptions: list[Place], capacity: dict[str, int], arrived: dict[str, dict[str, int]]
) -> Table:
    rows: list[list[Any]] = []
    for r in receptions:
        for cls, n in sorted(arrived.get(r.id, {}).items()) or [("", 0)]:
            rows.append(
                [r.id, r.name, f"{r.lat:.5f}", f"{r.lon:.5f}", capacity.get(r.id, 0), cls, n]
            )
    return Table(
        "arrivals",
        [
            ("Reception centre", "#loc+code"),
            ("Reception centre name", "#loc+name"),
            ("Latitude", "#geo+lat"),
            ("Longitude", "#geo+lon"),
            ("Capacity", "#capacity+people"),
            ("Class", "#indicator+class"),
            ("People arrived", "#reached+arrived"),
        ],
        rows,
    )


def vehicles_table(plan: dict[str, Any] | None) -> Table:
    """Per vehicle of the published plan: its type and depot, trips, people and cargo planned."""
    rows: list[list[Any]] = []
    for route in (plan or {}).get("routes") or []:
        depot, kind, _ = ([*route["vehicle"].split("/"), "", ""])[:3]
        stops = route["stops"]
        trips = sum(1 for s in stops if s.get("dir") == "in")
        people = sum(sum((s.get("board") or {}).values()) for s in stops)
        cargo = sum(float(s.get("unload_kg") or 0) for s in stops)
        rows.append([route["vehicle"], kind, depot, trips, people, round(cargo, 1)])
    return Table(
        "vehicles",
        [
            ("Vehicle", "#item+vehicle+code"),
            ("Type", "#item+type"),
            ("Depot", "#loc+depot+code"),
            ("Trips into the area", "#output+trips"),
            ("People carried (planned)", "#reached+planned"),
            ("Supplies delivered (planned, kg)", "#delivery+kg+planned"),
        ],
        rows,
    )


def supplies_table(
    gathering: list[Place], needs: dict[str, float], plan: dict[str, Any] | None
) -> Table:
    delivered: dict[str, float] = {}
    for route in (plan or {}).get("routes") or []:
        for s in route["stops"]:
            if s.get("unload_kg"):
                delivered[s["at"]] = delivered.get(s["at"], 0.0) + float(s["unload_kg"])
    rows = [
        [g.id, g.name, round(needs.get(g.id, 0.0), 1), round(delivered.get(g.id, 0.0), 1)]
        for g in gathering
    ]
    return Table(
        "supplies",
        [
            ("Gathering point", "#loc+code"),
            ("Gathering point name", "#loc+name"),
            ("Supplies needed (kg)", "#need+kg"),
            ("Supplies delivered (planned, kg)", "#delivery+kg+planned"),
        ],
        rows,
    )


def corridor_geojson(
    corridor: str, version: int, document: dict[str, Any], gathering: list[Place]
) -> dict[str, Any]:
    """The agreed corridor for a GIS: route, ceasefire area, checkpoints, gathering points."""
    common = {"corridor": corridor, "version": version}
    window = document.get("window") or {}
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": document["route"],
            "properties": {
                **common,
                "layer": "route",
                "vehicle_markings": document.get("vehicle_markings"),
            },
        },
        {
            "type": "Feature",
            "geometry": document["ceasefire_area"],
            "properties": {
                **common,
                "layer": "ceasefire_area",
                "start": window.get("start"),
                "duration_hours": window.get("duration_hours"),
                "time_zone": window.get("time_zone"),
            },
        },
    ]
    for c in document.get("checkpoints") or []:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": c["at"]},
                "properties": {
                    **common,
                    "layer": "checkpoint",
                    "name": c["name"],
                    "controlled_by": c.get("controlled_by"),
                },
            }
        )
    for g in gathering:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [g.lon, g.lat]},
                "properties": {**common, "layer": "gathering", "id": g.id, "name": g.name},
            }
        )
    return {"type": "FeatureCollection", "features": features}
