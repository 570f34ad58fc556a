"""Errors of the service layer; each carries what an HTTP problem or an exit code needs."""

from __future__ import annotations

from corridor.errors import CorridorError


class NotAuthenticated(CorridorError):
    exit_code = 3

    def __init__(self, problem: str = "a valid bearer token is required") -> None:
        self.problem = problem
        super().__init__(problem)


class Forbidden(CorridorError):
    """The caller's role may not do this (the access table), or not to this object (scope).

    Where the role may act but not on what the request names (a driver and another vehicle,
    a person on another manifest), ``field`` and ``value`` name that object, so that a client
    knows what to change; otherwise the refusal is about the role."""

    exit_code = 3

    def __init__(
        self, role: str, action: str, problem: str | None = None, *, field: str | None = None,
        value: object = None,
    ) -> None:  # fmt: skip
        self.role = role
        self.action = action
        self.problem = problem or f"role {role!r} may not {action!r}"
        self.field = field
        self.value = value
        super().__init__(self.problem)


class NotFound(CorridorError):
    exit_code = 4

    def __init__(self, what: str, ident: object) -> None:
        self.what = what
        self.ident = ident
        super().__init__(f"no {what} {ident!r}")


class Conflict(CorridorError):
    """The request is well formed but clashes with the current state."""

    exit_code = 5

    def __init__(self, where: str, problem: str, value: object = None) -> None:
        self.where = where
        self.problem = problem
        self.value = value
        super().__init__(f"{where}: {problem}")
