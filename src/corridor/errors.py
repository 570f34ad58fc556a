"""The one family of errors every part of corridor raises.

Each error carries data so that an entrypoint can turn it into an exit code or an RFC 9457
problem without parsing the message.
"""

from __future__ import annotations


class CorridorError(Exception):
    """Root of every error corridor raises on purpose."""

    exit_code = 1


class InputError(CorridorError):
    """Bad input from a person or a file: names where (file, field path) and the value.

    ``where`` is the file and field path (``scenario.yaml: gathering[3].people.general``),
    ``problem`` what is wrong with the value.
    """

    exit_code = 2

    def __init__(self, where: str, problem: str, value: object = None) -> None:
        self.where = where
        self.problem = problem
        #: The value that was sent, for a problem detail's ``errors[].value`` (None: not known).
        self.value = value
        super().__init__(f"{where}: {problem}" if where else problem)


class MessageRefused(CorridorError):
    """A log refused a signed message: bad signature, wrong signer, or it makes no sense now."""

    exit_code = 5

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what} refused: {reason}")


class InputErrors(InputError):
    """Many bad values at once (every bad row of a file), so that all are mended in one go.

    ``errors`` lists ``(where, value, problem)``; ``where`` and ``problem`` sum them up.
    """

    def __init__(self, where: str, problem: str, errors: list[tuple[str, str | None, str]]) -> None:
        super().__init__(where, problem)
        self.errors = errors
