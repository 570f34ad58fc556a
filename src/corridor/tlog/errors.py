"""Errors of the transparency log layer: each names what failed verification and why."""

from __future__ import annotations

from corridor.errors import CorridorError, InputError


class VerificationError(CorridorError):
    """Something that should verify does not: a signature, a proof, a checkpoint, a tile.

    ``what`` names the object (``entry 12``, ``checkpoint``, ``tile/0/000``), ``problem`` the
    first thing found wrong with it. Exit code 3 so scripts can tell it from bad input.
    """

    exit_code = 3

    def __init__(self, what: str, problem: str) -> None:
        self.what = what
        self.problem = problem
        super().__init__(f"{what}: {problem}")


class KeyFormatError(InputError):
    """A key string or key file that cannot be parsed."""


class WitnessRefused(CorridorError):
    """A witness will not cosign: the checkpoint is not consistent with what it cosigned before."""

    exit_code = 4

    def __init__(self, witness: str, problem: str) -> None:
        self.witness = witness
        self.problem = problem
        super().__init__(f"witness {witness} refuses to cosign: {problem}")
