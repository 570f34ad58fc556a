"""The official CAP 1.2 XML schema, shipped in the package and read once (never downloaded)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from lxml import etree

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "publishing" / "schemas" / "CAP-v1.2.xsd"


class InvalidCap(ValueError):
    """A message the CAP 1.2 schema refuses; ``errors`` are lxml's lines."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("not valid CAP 1.2: " + "; ".join(errors[:5]))


@functools.cache
def _schema() -> Any:
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


def validate(xml: bytes) -> None:
    """Raise :class:`InvalidCap` unless ``xml`` is a valid CAP 1.2 alert."""
    schema = _schema()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.fromstring(xml, parser)
    if not schema.validate(doc):
        raise InvalidCap([f"line {e.line}: {e.message}" for e in schema.error_log])
