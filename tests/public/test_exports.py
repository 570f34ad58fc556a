"""HXL and GeoJSON exports: readable by libhxl, tagged as documented, with no personal data."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import hxl

from .conftest import Andorra

DOC = Path(__file__).resolve().parents[2] / "docs" / "public.md"
NAMES = ["Oksana Kovalenko", "Петро Шевченко", "Мария Иванова"]


def parse(text: str) -> hxl.model.Dataset:
    return hxl.data(hxl.input.make_input(io.BytesIO(text.encode())))


def register_people(a: Andorra) -> list[int]:
    """Three named people, with contacts and a need, in the registry."""
    ids = []
    for i, name in enumerate(NAMES):
        r = a.api.post(
            "registrar",
            "/v1/registry/evacuees",
            {
                "client_id": f"export-test-{i}",
                "household": "H-77",
                "people_class": "general",
                "gathering": "G01",
                "name": name,
                "contact": f"+380 67 555 01{i}{i}",
                "needs": "insulin" if i == 0 else None,
            },
        )
        assert r.status_code in (200, 201), r.text
        ids.append(r.json()["id"])
    return ids


def test_hxl_tables_parse_carry_the_documented_tags_and_no_personal_data(andorra: Andorra) -> None:
    a = andorra
    ids = register_people(a)
    documented = DOC.read_text()
    exports = {}
    for table in ("people", "arrivals", "vehicles", "supplies"):
        r = a.api.get("liaison-a", f"/v1/exports/{table}.csv")  # a party may read them
        assert r.status_code == 200, r.text
        exports[table] = r.text
        data = parse(r.text)
        tags = [c.display_tag for c in data.columns]
        assert all(t.startswith("#") for t in tags), tags
        assert list(data), table  # rows parse
        for tag in tags:
            assert f"`{tag}`" in documented, f"{table}: {tag} is not documented in docs/public.md"
    people = list(parse(exports["people"]))
    g01 = {r.get("#indicator+class"): r for r in people if r.get("#loc+code") == "G01"}
    assert g01["general"].get("#targeted+listed") == "520"
    vehicles = list(parse(exports["vehicles"]))
    assert sum(int(r.get("#output+trips")) for r in vehicles) > 0
    geo = a.api.get("observer", f"/v1/corridors/{a.corridor}/export.geojson")
    assert geo.status_code == 200
    layers = {f["properties"]["layer"] for f in geo.json()["features"]}
    assert layers == {"route", "ceasefire_area", "checkpoint", "gathering"}
    exports["geojson"] = json.dumps(geo.json(), ensure_ascii=False)
    no_personal_data(exports, ids)


def no_personal_data(exports: dict[str, str], ids: list[int]) -> None:
    for name, text in exports.items():
        for person in NAMES:
            assert person not in text, (name, person)
            assert person.split()[0] not in text, (name, person)
        assert "+380" not in text, name  # no contact
        assert "insulin" not in text, name  # no need written by a registrar
        assert "export-test-" not in text, name  # no registry client id
        header = text.splitlines()[0].lower() if name != "geojson" else text.lower()
        assert not re.search(r"evacuee|registry|\bname of\b|contact", header), name
        for ident in ids:
            assert f"evacuee:{ident}" not in text


def test_cli_export_and_announce(andorra: Andorra, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from conftest import run_cli

    data = str(andorra.api.service.settings.data_dir)
    code, out, err = run_cli(["export", "supplies", "--data-dir", data], capsys)
    assert code == 0, err
    assert out.splitlines()[1] == "#loc+code,#loc+name,#need+kg,#delivery+kg+planned"
    code, out, err = run_cli(["export", "nonsense", "--data-dir", data], capsys)
    assert code == 2
    assert "'nonsense' is not one of people, arrivals, vehicles, supplies, geojson" in err
    code, out, err = run_cli(["announce", "--out", str(tmp_path), "--data-dir", data], capsys)
    assert code == 0, err
    assert (tmp_path / "feed.atom").is_file()
