"""The one strict JSON read (``adapters.files.read_json_file``): every refusal names the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.adapters.cep_files import load_instance
from corridor.adapters.files import read_json_file
from corridor.domain.json_text import parse_strict_json
from corridor.errors import InputError

DATA = Path(__file__).resolve().parents[2] / "data" / "cep"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'{"x": NaN}', "NaN is not a JSON number"),
        (b'{"x": Infinity}', "Infinity is not a JSON number"),
        (b'{"x": [1, -Infinity]}', "-Infinity is not a JSON number"),
        (b'{"a": 1, "b": {"c": 2, "c": 3}}', "the key 'c' appears twice in one object"),
        (b'{"a": "\xe9t\xe9"}', "not UTF-8"),
        (b'{"a": 1,}', "not valid JSON"),
    ],
)
def test_a_refused_file_is_named(tmp_path: Path, data: bytes, problem: str) -> None:
    p = tmp_path / "plan.json"
    p.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_json_file(p, "plan")
    assert err.value.where == str(p)
    assert problem in err.value.problem


def test_a_missing_file_says_what_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_json_file(tmp_path / "nope.json", "instance")
    assert (err.value.where, err.value.problem) == (str(tmp_path / "nope.json"), "no such instance")


def test_good_json_is_read_as_plain_json() -> None:
    assert parse_strict_json('{"a": [1, 2.5, "é", null, true]}', "x") == {
        "a": [1, 2.5, "é", None, True]
    }
    assert load_instance(DATA / "tiny.json").name == "tiny"


def test_an_instance_with_nan_is_refused_before_parsing(tmp_path: Path) -> None:
    text = (DATA / "tiny.json").read_text()
    bad = tmp_path / "tiny.json"
    bad.write_text(text.replace("{", '{"nan": NaN, ', 1))
    with pytest.raises(InputError, match="NaN is not a JSON number") as err:
        load_instance(bad)
    assert err.value.where == str(bad)
