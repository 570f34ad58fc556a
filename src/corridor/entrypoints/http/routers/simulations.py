"""Simulations of a plan (background jobs): will the plan hold? See ``docs/simulation.md``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from corridor.entrypoints.http.deps import ServiceDep, UowDep, Who, guard
from corridor.entrypoints.http.responses import SimulationListed, SimulationOut
from corridor.entrypoints.http.schemas import IdPath, Strict
from corridor.services import simulation_jobs

router = APIRouter(prefix="/v1", tags=["simulation"])
PlanQ = Annotated[int | None, Query(ge=1, le=2**62)]


class SimulationIn(Strict):
    plan_id: Annotated[int, Field(ge=1, le=2**62)]
    runs: Annotated[int, Field(ge=1, le=200_000)] = 1000
    seed: Annotated[int, Field(ge=0, le=2**31)] = 0
    noise: dict[Annotated[str, Field(max_length=40)], float] = Field(
        default={}, max_length=20, description="noise parameters replacing the defaults"
    )


@router.post("/simulations", status_code=202, **guard("plans.write"))
def start_simulation(body: SimulationIn, who: Who, service: ServiceDep) -> dict[str, Any]:
    """Simulate a finished plan in the background (poll it, or watch topic ``simulations``).

    Poll GET /v1/simulations/{id}, or follow the event stream."""
    ident = service.simulations.start(who, body.plan_id, body.runs, body.seed, dict(body.noise))
    return {"id": ident, "status": "queued"}


@router.get("/simulations", response_model=list[SimulationListed], **guard("plans.read"))
def list_simulations(who: Who, uow: UowDep, plan: PlanQ = None) -> list[dict[str, Any]]:
    """Every simulation (of one plan with ``plan``): status and progress, no summaries."""
    return simulation_jobs.list_all(uow, who, plan)


@router.get("/simulations/{sim_id}", response_model=SimulationOut, **guard("plans.read"))
def get_simulation(sim_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """Status and progress; once done, the summary (what ``summary.json`` holds)."""
    return simulation_jobs.get(uow, who, sim_id)


@router.get(
    "/simulations/{sim_id}/plots/{name}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
    **guard("plans.read"),
)
def simulation_plot(sim_id: IdPath, name: str, who: Who, uow: UowDep) -> Response:
    """A plot of a finished simulation, as PNG (the names of ``corridor simulate``'s plots).

    ``name``: people_out.png, people_out_over_time.png or checkpoint_queues.png."""
    from corridor.adapters.simulation_plots import PLOTS, render  # matplotlib: only when asked

    png = simulation_jobs.plot(uow, who, sim_id, name, render=render, names=PLOTS)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})
