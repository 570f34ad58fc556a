"""schemathesis over the whole OpenAPI schema (issue 13): once anonymous, once with each role's
token; no 5xx and no answer that breaks the documented schema. A few examples per operation
keep it to a couple of minutes in the suite (``CORRIDOR_FUZZ_EXAMPLES`` for a longer run)."""

from __future__ import annotations

import os
import warnings

from fastapi import FastAPI
from pydantic import BaseModel

from .conftest import PEOPLE, Api
from .schema_fuzz import fuzz

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

EXAMPLES = int(os.environ.get("CORRIDOR_FUZZ_EXAMPLES", "3"))


def test_the_fuzzer_finds_a_5xx_and_a_broken_schema() -> None:
    """The harness itself: a route that fails and one that answers off its schema are found."""
    app = FastAPI()

    class Out(BaseModel):
        n: int

    @app.get("/boom")
    def boom(x: int = 0) -> dict[str, int]:
        raise RuntimeError("boom")

    @app.get("/off", response_model=None, responses={200: {"model": Out}})
    def off() -> dict[str, str]:
        return {"n": "not a number"}

    TestClient(app, raise_server_exceptions=False)
    result = fuzz(app, "anonymous", None, 2)
    assert set(result.failures) == {"GET /boom", "GET /off"}, result.failures


def test_schemathesis_over_the_whole_schema_per_role(sqlite_api: Api) -> None:
    api = sqlite_api
    app = api.client.app
    callers: list[tuple[str, str | None]] = [("anonymous", None)]
    callers += [(who, api.tokens[who]) for who in PEOPLE if who != "driver2"]
    callers.append(("admin", api.tokens["admin"]))  # last: it may revoke tokens
    lines, failures = [], {}
    for caller, token in callers:
        result = fuzz(app, caller, token, EXAMPLES)
        lines.append(result.line())
        failures |= {f"{caller}: {k}": v for k, v in result.failures.items()}
        assert result.operations >= 60
    print("\n".join(lines))
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
