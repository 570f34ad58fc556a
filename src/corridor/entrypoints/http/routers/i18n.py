"""The people's languages for the dashboard: which there are, and one's compiled catalogue.

Public (``x-public``): the sign-in page is read in the reader's language before any token, and a
catalogue holds only the texts of the software.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from corridor.entrypoints.http.responses import CatalogueOut, LanguagesOut
from corridor.i18n import browser, languages
from corridor.services.errors import NotFound

router = APIRouter(prefix="/v1", tags=["languages"])
PUBLIC = {"openapi_extra": {"x-public": True}}
Language = Annotated[str, Path(pattern=r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_[A-Z]{2})?$")]
#: A page loads its catalogue on every start; the catalogues change only with the software.
CACHE = {"Cache-Control": "public, max-age=300"}


@router.get("/i18n", response_model=LanguagesOut, **PUBLIC)
def list_languages(response: Response) -> dict[str, Any]:
    """The languages of the texts (public): each code with the language's name in itself."""
    response.headers.update(CACHE)
    return browser.listing()


@router.get("/i18n/{language}", response_model=CatalogueOut, **PUBLIC)
def catalogue(language: Language, response: Response) -> dict[str, Any]:
    """The compiled catalogue of one language as JSON (public), with its plural rule."""
    if language not in languages():
        raise NotFound("language", language)
    response.headers.update(CACHE)
    return browser.catalogue(language)
