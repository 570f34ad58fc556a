"""Registration from KoBoToolbox / ODK Central: import an export's households into the registry."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import Field, model_validator

from corridor.entrypoints.http.deps import UowDep, Who, guard
from corridor.entrypoints.http.schemas import Strict
from corridor.errors import InputError
from corridor.registration.reader import ExportFile
from corridor.services import registry_import

router = APIRouter(prefix="/v1/registry", tags=["registry"])


class ExportFileIn(Strict):
    """One file of the export: CSV or JSON as ``text``, a workbook or a ZIP as ``base64``."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    text: str | None = None
    base64: str | None = None

    @model_validator(mode="after")
    def _one_content(self) -> ExportFileIn:
        if (self.text is None) == (self.base64 is None):
            raise ValueError("give the file's content as text or as base64, not both")
        return self


class ImportIn(Strict):
    format: Literal["kobo-json", "kobo-xlsx", "kobo-csv", "odk-csv"] | None = Field(
        default=None, description="the export's format [default: told from the content]"
    )
    scenario_id: Annotated[int | None, Field(ge=1, le=2**62)] = Field(
        default=None, description="whose classes and gathering points rows must name [newest]"
    )
    files: Annotated[list[ExportFileIn], Field(min_length=1, max_length=10)]


def _content(i: int, f: ExportFileIn) -> bytes:
    if f.text is not None:
        # A lone surrogate survives as bytes that are not UTF-8, and is reported as such.
        return f.text.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(f.base64 or "", validate=True)
    except binascii.Error:
        raise InputError(f"body.files[{i}].base64", "is not base64") from None


@router.post("/imports", **guard("registry.import"))
def import_export(body: ImportIn, who: Who, uow: UowDep, response: Response) -> dict[str, Any]:
    """Register the households of a KoBo / ODK export; any bad row: nothing, every row named."""
    files = [ExportFile(f.name, _content(i, f)) for i, f in enumerate(body.files)]
    result = registry_import.import_export(uow, who, files, body.format, body.scenario_id)
    response.status_code = 201 if result["added"] else 200
    return result
