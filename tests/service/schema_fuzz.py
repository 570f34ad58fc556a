"""schemathesis over the whole OpenAPI schema of the service, as one caller (a role's token, or
none): every operation gets generated requests, and each answer is checked for a 5xx and for a
body that breaks the schema it documents.

Used by ``tests/service/test_trust_schema.py`` (a few examples per operation, in the suite) and
by hand for a longer run (docs/security.md, "Measured")::

    CORRIDOR_FUZZ_EXAMPLES=25 .venv/bin/pytest tests/service/test_trust_schema.py -s
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import checks as st_checks
    from schemathesis.specs.openapi.checks import response_schema_conformance

#: Not fuzzed: the live stream stays open until its ``idle_close`` (tested per role in
#: test_trust_access.py instead); revoking tokens would revoke the fuzzing admin's own token
#: half-way (tested in test_access.py and test_api.py).
SKIP = {("GET", "/v1/events"), ("DELETE", "/v1/tokens/{token_id}")}


@dataclass
class FuzzResult:
    caller: str
    operations: int = 0
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (
            f"{self.caller}: {self.operations} operations, {self.requests} requests "
            f"({codes}); failures: {len(self.failures)}"
        )


def fuzz(app: Any, caller: str, token: str | None, max_examples: int) -> FuzzResult:
    """Every operation of ``app``'s schema, ``max_examples`` generated requests each
    (derandomized: the same requests on every run)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    checks = [st_checks.not_a_server_error, response_schema_conformance]
    result = FuzzResult(caller)
    for found in schema.get_all_operations():
        operation = found.ok()
        method = operation.method.upper()
        if (method, operation.path) in SKIP:
            continue
        result.operations += 1

        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(operation.as_strategy())
        def one(case: Any) -> None:
            response = case.call(headers=headers)
            result.requests += 1
            status = response.status_code
            result.statuses[status] = result.statuses.get(status, 0) + 1
            case.validate_response(response, checks=checks, headers=headers)

        try:
            one()
        except (Exception, BaseExceptionGroup) as exc:  # the (shrunk) failure: keep it, go on
            result.failures[f"{method} {operation.path}"] = str(exc)[:2000]
    return result
