"""The after-action report over HTTP: the same page and PDF as ``corridor after-action``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from corridor.entrypoints.http.deps import ServiceDep, guard

router = APIRouter(prefix="/v1", tags=["operation"])
CorridorQ = Annotated[str | None, Query(min_length=1, max_length=200)]
#: The page's stylesheet, served with the dashboard's files.
STYLESHEET = "/css/after-action.css"


def _documents(service: ServiceDep, corridor: str | None) -> tuple[str, bytes]:
    from corridor.adapters.after_action_files import after_action_documents
    from corridor.services.after_action import build_report

    report, scene = build_report(service, corridor)
    return after_action_documents(report, scene, STYLESHEET)


@router.get("/after-action.html", response_class=HTMLResponse, **guard("reports.read"))
async def after_action_html(service: ServiceDep, corridor: CorridorQ = None) -> HTMLResponse:
    """The after-action report as one page: agreed against what happened (counts only)."""
    html, _pdf = await run_in_threadpool(_documents, service, corridor)
    return HTMLResponse(html)


@router.get("/after-action.pdf", response_class=Response, **guard("reports.read"))
async def after_action_pdf(service: ServiceDep, corridor: CorridorQ = None) -> Response:
    """The after-action report as an A4 PDF: agreed against what happened (counts only)."""
    _html, pdf = await run_in_threadpool(_documents, service, corridor)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="after-action.pdf"'},
    )
