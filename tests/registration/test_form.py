"""The shipped XLSForm: built from its source, converted by pyxform, read by the importer."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from lxml import etree
from pyxform.xls2xform import convert

from corridor.domain.registry import PERSONAL_FIELDS
from corridor.registration import form

ROOT = Path(__file__).resolve().parents[2]
NS = {"h": "http://www.w3.org/1999/xhtml", "x": "http://www.w3.org/2002/xforms"}
LANGUAGES = ("English (en)", "Ukrainian (uk)", "Russian (ru)")


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("form_build", ROOT / "forms" / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["form_build"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build() -> ModuleType:
    return load_build()


@pytest.fixture(scope="module")
def xform(build: ModuleType) -> etree._Element:
    result = convert(str(build.SHIPPED))
    assert result.warnings == []
    return etree.fromstring(result.xform.encode())


def test_the_shipped_form_is_what_its_source_builds(build: ModuleType) -> None:
    """Edit forms/household-registration.yaml, then run python forms/build.py."""
    assert build.read(build.SHIPPED) == build.build(), "rebuild it: python forms/build.py"


def test_every_answer_the_importer_reads_is_in_the_converted_form(xform: etree._Element) -> None:
    root = xform.find(".//x:instance/x:data", NS)
    assert root is not None
    assert root.get("id") == form.FORM_ID
    binds = {b.get("nodeset"): b for b in xform.iterfind(".//x:bind", NS)}
    for path in form.PATHS:
        assert f"/data/{path}" in binds, path
    for required in (form.CONSENT, "household/gathering", "members/member_name"):
        assert binds[f"/data/{required}"].get("required") == "true()", required
    repeats = [r.get("nodeset") for r in xform.iterfind(".//x:repeat", NS)]
    assert repeats == [f"/data/{form.MEMBERS}"]
    assert "/data/meta/instanceID" in binds


def _choices(xform: etree._Element, name: str) -> list[str]:
    items = xform.findall(f".//x:instance[@id='{name}']/x:root/x:item/x:name", NS)
    return [i.text or "" for i in items]


def test_the_choices_are_the_scenario_s_and_the_importer_s(xform: etree._Element) -> None:
    from corridor.adapters.scenario_files import load_scenario

    andorra = load_scenario(ROOT / "examples" / "andorra" / "scenario.yaml")
    assert _choices(xform, "gathering") == [g.id for g in andorra.gathering] + [form.OTHER]
    assert _choices(xform, "class") == list(andorra.classes)
    assert _choices(xform, "needs") == list(form.NEEDS_WORDS)
    assert _choices(xform, "yes_no") == [form.YES, form.NO]


def test_every_text_is_in_three_languages_with_the_registry_s_retention(
    xform: etree._Element,
) -> None:
    translations = {t.get("lang"): t for t in xform.iterfind(".//x:itext/x:translation", NS)}
    assert tuple(translations) == LANGUAGES
    ids = [{t.get("id") for t in tr.iterfind("x:text", NS)} for tr in translations.values()]
    assert ids[0] == ids[1] == ids[2]
    for language, tr in translations.items():
        for text in tr.iterfind("x:text", NS):
            value = "".join(text.itertext()).strip()
            assert value, f"{language}: {text.get('id')} is empty"
            assert "{" not in value, f"{language}: {text.get('id')} has a placeholder left"
        purpose = tr.find("x:text[@id='/data/purpose:label']", NS)
        assert purpose is not None
        words = "".join(purpose.itertext())
        for f in PERSONAL_FIELDS:
            assert f" {f.retention.days} " in words, (language, f.name)


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java (absent)")
def test_odk_validate_accepts_the_shipped_form(build: ModuleType) -> None:
    """ODK Validate (JavaRosa, as ODK Collect runs it), bundled with pyxform."""
    assert convert(str(build.SHIPPED), validate=True).warnings == []


def test_a_form_for_another_scenario_lists_its_places(build: ModuleType, tmp_path: Path) -> None:
    source = build.yaml.safe_load(build.SOURCE.read_text(encoding="utf-8"))
    sheets = build.sheets(
        source,
        [("NORTH-1", "Old market")],
        ["stretcher", "seated"],
        {"name_days": 30, "needs_days": 30, "contact_days": 14},
    )
    out = tmp_path / "form.xlsx"
    build.write(sheets, out)
    xml = etree.fromstring(convert(str(out)).xform.encode())
    assert _choices(xml, "gathering") == ["NORTH-1", form.OTHER]
    assert _choices(xml, "class") == ["stretcher", "seated"]
