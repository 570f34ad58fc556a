"""HiGHS for the planner: a quiet solver, a sparse LP built by blocks, and bounds certified by
weak duality (so that no solver tolerance can make a claimed bound wrong).

The bound (:mod:`corridor.planning.bound`) and the exact model (:mod:`corridor.planning.exact`)
both use this module; neither imports the other's internals.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Ints = IntArray | Sequence[int]
Floats = float | FloatArray | Sequence[float]
INF = math.inf

_quiet = False


def new_highs() -> Any:
    """A silent HiGHS instance (the first one of a process prints a banner on stdout, which
    would land in the middle of a CLI's output; it is sent to /dev/null)."""
    import highspy

    global _quiet
    if _quiet:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _quiet = True
    h.setOptionValue("output_flag", False)
    return h


class NoBound(Exception):
    """HiGHS gave nothing a bound can be certified from (failed, or out of time)."""


class SparseLP:
    """A sparse LP max c.x, row_lo <= A x <= row_hi, 0 <= x <= col_hi, built by blocks.

    Rows and columns may be named by family, so that the certified bound can say which
    resources carry it (their shares of the dual bound)."""

    def __init__(self) -> None:
        self.n_cols = 0
        self.n_rows = 0
        self.cost: list[FloatArray] = []
        self.col_hi: list[FloatArray] = []
        self.rows: list[IntArray] = []
        self.cols: list[IntArray] = []
        self.vals: list[FloatArray] = []
        self.row_lo: list[FloatArray] = []
        self.row_hi: list[FloatArray] = []
        self.row_family: list[tuple[int, int, str]] = []
        self.col_family: list[tuple[int, int, str]] = []  # columns whose upper bound is a limit

    def add_cols(
        self, n: int, hi: float | FloatArray, cost: float | FloatArray = 0.0, family: str = ""
    ) -> IntArray:
        ids = np.arange(self.n_cols, self.n_cols + n, dtype=np.int64)
        if family:
            self.col_family.append((self.n_cols, self.n_cols + n, family))
        self.n_cols += n
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        self.col_hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)).copy())
        return ids

    def add_rows(
        self, n: int, lo: float | FloatArray, hi: float | FloatArray, family: str
    ) -> IntArray:
        ids = np.arange(self.n_rows, self.n_rows + n, dtype=np.int64)
        self.row_family.append((self.n_rows, self.n_rows + n, family))
        self.n_rows += n
        self.row_lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (n,)).copy())
        self.row_hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)).copy())
        return ids

    def add_row(self, hi: float, cols: Ints, vals: Floats = 1.0, family: str = "",
                lo: float = -INF) -> int:  # fmt: skip
        """One row ``lo <= sum(vals * x[cols]) <= hi``; returns its index."""
        row = int(self.add_rows(1, lo, hi, family)[0])
        cols = np.asarray(cols, dtype=np.int64)
        self.entries(np.full(len(cols), row), cols, vals)
        return row

    def entries(self, rows: Ints, cols: Ints, vals: Floats) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).ravel().copy())

    def arrays(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, Any]:
        from scipy.sparse import csc_matrix

        def cat(parts: list[Any], dtype: Any = float) -> Any:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        a = csc_matrix(
            (cat(self.vals), (cat(self.rows, np.int64), cat(self.cols, np.int64))),
            shape=(self.n_rows, self.n_cols),
        )
        a.sum_duplicates()
        return cat(self.cost), cat(self.col_hi), cat(self.row_lo), cat(self.row_hi), a


def highs_model(lp: SparseLP, time_limit: float | None) -> Any:
    """A silent single-threaded HiGHS instance holding ``lp`` (maximised)."""
    import highspy

    c, col_hi, row_lo, row_hi, a = lp.arrays()
    h = new_highs()
    h.setOptionValue("threads", 1)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.1)))
    model = highspy.HighsLp()
    model.num_col_ = a.shape[1]
    model.num_row_ = a.shape[0]
    model.sense_ = highspy.ObjSense.kMaximize
    model.col_cost_ = c
    model.col_lower_ = np.zeros(a.shape[1])
    model.col_upper_ = np.where(np.isinf(col_hi), highspy.kHighsInf, col_hi)
    model.row_lower_ = np.where(np.isinf(row_lo), -highspy.kHighsInf, row_lo)
    model.row_upper_ = np.where(np.isinf(row_hi), highspy.kHighsInf, row_hi)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = a.indptr.astype(np.int32)
    model.a_matrix_.index_ = a.indices.astype(np.int32)
    model.a_matrix_.value_ = a.data
    h.passModel(model)
    return h


def solve_certified(
    lp: SparseLP, time_limit: float | None
) -> tuple[float, list[tuple[str, float]]]:
    """Solve with HiGHS (interior point, no crossover) and return a bound certified from the
    row duals by weak duality, with each row and column family's share of it."""
    c, col_hi, row_lo, row_hi, a = lp.arrays()
    h = highs_model(lp, time_limit)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")  # the duals are certified below, not trusted
    h.run()
    sol = h.getSolution()
    if not sol.dual_valid:
        raise NoBound(f"HiGHS stopped: {h.modelStatusToString(h.getModelStatus())}")
    y = np.asarray(sol.row_dual, dtype=float)
    best, share, col_share = INF, np.zeros(0), np.zeros(0)
    for sign in (1.0, -1.0):
        value, contrib, col_contrib = weak_duality(c, col_hi, row_lo, row_hi, a, sign * y)
        if value < best:
            best, share, col_share = value, contrib, col_contrib
    if not math.isfinite(best):
        raise NoBound("the LP duals give no finite bound")
    families: dict[str, float] = {}
    for lo, hi, fam in lp.row_family:
        if hi > lo:
            families[fam] = families.get(fam, 0.0) + float(share[lo:hi].sum())
    for lo, hi, fam in lp.col_family:
        families[fam] = families.get(fam, 0.0) + float(col_share[lo:hi].sum())
    total = sum(v for v in families.values() if v > 0) or 1.0
    binding = sorted(
        ((f, v / total) for f, v in families.items() if v > 1e-6 * total), key=lambda x: -x[1]
    )
    return best, binding


def weak_duality(
    c: FloatArray,
    col_hi: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    a: Any,
    y: FloatArray,
) -> tuple[float, FloatArray, FloatArray]:
    """max c.x over {row_lo <= Ax <= row_hi, 0 <= x <= col_hi} <= this, for ANY vector y.

    c.x = y.Ax + (c - A'y).x <= sum_i max(y_i lo_i, y_i hi_i) + sum_j max(0, (c - A'y)_j) hi_j.
    A term that would be infinite makes the bound infinite (useless, never wrong).
    Returns the bound (with a margin for rounding) and each row's and column's share of it.
    """
    y = np.where(np.abs(y) < 1e-12, 0.0, y)
    # A price on the unbounded side of a row would give infinity: drop it (y stays any vector).
    y = np.where((y > 0) & np.isinf(row_hi), 0.0, y)
    y = np.where((y < 0) & np.isinf(row_lo), 0.0, y)
    row_term = np.where(y > 0, y * np.where(np.isinf(row_hi), 0.0, row_hi), 0.0)
    row_term = row_term + np.where(y < 0, y * np.where(np.isinf(row_lo), 0.0, row_lo), 0.0)
    reduced = c - a.T @ y
    pos = np.maximum(reduced, 0.0)
    with np.errstate(invalid="ignore"):
        col_term = np.where(pos > 0, pos * col_hi, 0.0)
    if not np.all(np.isfinite(col_term)):
        return INF, row_term, col_term
    value = float(row_term.sum() + col_term.sum())
    scale = float(np.abs(row_term).sum() + np.abs(col_term).sum())
    return value + 1e-9 * scale + 1e-7, row_term, col_term
