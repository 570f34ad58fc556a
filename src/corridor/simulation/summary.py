"""The figures a coordinator reads, from a :class:`~corridor.simulation.tally.Tally`.

:func:`summarize` returns a plain JSON-ready dict (``summary.json``); every figure is a
deterministic function of the tally, so the same seed and runs give the same summary however
the runs were spread over workers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from corridor.simulation.kernel import CAUSES
from corridor.simulation.model import SimModel
from corridor.simulation.params import NoiseParams
from corridor.simulation.tally import (
    CURVE_BINS,
    EDGES,
    QUARTERS,
    QUEUE_STEP,
    Tally,
    curve_width,
    grid,
    queue_grid,
)

#: quantiles reported (percent)
QUANTILES = (5, 25, 50, 75, 95)
#: how many critical trips are listed
CRITICAL = 10


def clock(minutes: float | None) -> str:
    """Minutes of the instance's clock as HH:MM of its first day, and with the day on any
    other: ``+4 d 18:10`` is four days later (``-1 d 23:30`` the evening before); ``-`` for
    none. A time never wraps round to a clock time of the first day."""
    if minutes is None or not math.isfinite(minutes):
        return "-"
    day, m = divmod(round(minutes), 24 * 60)
    hm = f"{m // 60:02d}:{m % 60:02d}"
    return hm if day == 0 else f"{day:+d} d {hm}"


def waits(values: list[float | None]) -> str:
    """Quantiles of a wait from the histograms (minutes; ``inf`` past their last bin, eight
    hours), in increasing order, as one cell: ``2 / 15 / 54 min``; with the later ones past
    the last bin, each with its unit: ``45 min / over 8 h / over 8 h``; all past it:
    ``over 8 h``; ``-`` for none."""
    if all(v is None or math.isfinite(v) for v in values):
        return " / ".join("-" if v is None else f"{v:g}" for v in values) + " min"
    if all(v == math.inf for v in values):
        return _duration(math.inf)
    return " / ".join(_duration(v) for v in values)


def _duration(v: float | None) -> str:
    if v is None:
        return "-"
    return f"over {EDGES[-1] / 60:g} h" if v == float("inf") else f"{v:g} min"


def _q(values: npt.NDArray[Any], qs: tuple[int, ...] = QUANTILES) -> dict[str, float]:
    if values.size == 0:
        return {str(q): float("nan") for q in qs}
    got = np.quantile(values.astype(np.float64), [q / 100 for q in qs], method="linear")
    return {str(q): round(float(v), 3) for q, v in zip(qs, got, strict=True)}


def hist_quantile(counts: npt.NDArray[np.int64], q: float) -> float | None:
    """Upper edge (minutes) of the bin of EDGES where the ``q``-quantile falls; None: empty."""
    total = int(counts.sum())
    if total == 0:
        return None
    i = int(np.searchsorted(np.cumsum(counts), q * total, side="left"))
    return 0.0 if i == 0 else float(EDGES[i + 1]) if i + 1 < len(EDGES) else float("inf")


def _int_quantiles(hist: npt.NDArray[np.int64], qs: tuple[int, ...]) -> npt.NDArray[np.int64]:
    """Quantiles of whole numbers 0, 1, ... from histograms along the last axis."""
    cum = np.cumsum(hist, axis=-1)
    total = cum[..., -1:]
    out = np.stack([(cum < np.ceil(q / 100 * total)).sum(axis=-1) for q in qs])
    return np.where(total[..., 0] > 0, out, 0)


def summarize(model: SimModel, t: Tally, params: NoiseParams, seed: int) -> dict[str, Any]:
    runs = t.runs
    total = t.people_out.sum(axis=1)
    planned = model.planned_out
    late_runs = t.trips_late > 0
    return {
        "instance": model.name,
        "runs": runs,
        "seed": seed,
        "params": params.to_json(),
        "window": {"open": model.open, "close": model.close},
        "planned": {
            "people_out": int(planned.sum()),
            "by_class": {c: int(n) for c, n in zip(model.classes, planned, strict=True)},
            "last_out": _planned_last_out(model),
            "trips": len(model.trips),
        },
        "people_out": {
            "mean": round(float(total.mean()), 3) if runs else float("nan"),
            "std": round(float(total.std()), 3) if runs else float("nan"),
            "quantiles": _q(total),
            "by_class": {
                c: {
                    "mean": round(float(t.people_out[:, i].mean()), 3) if runs else float("nan"),
                    "quantiles": _q(t.people_out[:, i]),
                    "planned": int(planned[i]),
                }
                for i, c in enumerate(model.classes)
            },
        },
        "people_late": {"mean": round(float(t.people_late.sum(axis=1).mean()), 3) if runs else 0.0},
        "p_inside_after_close": round(float(late_runs.mean()), 6) if runs else float("nan"),
        "trips_late": {"mean": round(float(t.trips_late.mean()), 3) if runs else 0.0},
        "trips_not_started": {
            "mean": round(float(t.trips_lost.mean()), 3) if runs else 0.0,
            "p_any": round(float((t.trips_lost > 0).mean()), 6) if runs else 0.0,
        },
        "last_out": _q(t.last_out[np.isfinite(t.last_out)]),
        "trips": _trips(model, t),
        "checkpoints": _checkpoints(model, t),
        "critical": {"trips": _critical_trips(model, t), "causes": _causes(model, t)},
        "series": _series(model, t),
    }


def _planned_last_out(model: SimModel) -> float | None:
    ends = [tr.planned_out for tr in model.trips if tr.people > 0]
    return max(ends) if ends else None


def _trips(model: SimModel, t: Tally) -> list[dict[str, Any]]:
    out = []
    for i, tr in enumerate(model.trips):
        out.append(
            {
                "vehicle": tr.vehicle,
                "trip": tr.number,
                "in": tr.checkpoint_in,
                "out": tr.checkpoint_out,
                "planned_in": tr.planned_in,
                "planned_out": tr.planned_out,
                "people": tr.people,
                "p_late": round(int(t.trip_late[i]) / t.runs, 6) if t.runs else 0.0,
                "p_not_started": round(int(t.trip_lost[i]) / t.runs, 6) if t.runs else 0.0,
                "lateness": {
                    str(q): hist_quantile(t.trip_hist[i], q / 100) for q in (50, 90, 95, 99)
                },
            }
        )
    return out


def _critical_trips(model: SimModel, t: Tally) -> list[dict[str, Any]]:
    loss = (t.trip_late + t.trip_lost).astype(np.float64)
    order = sorted(range(len(model.trips)), key=lambda i: (-loss[i], -model.trips[i].people, i))
    trips = _trips(model, t)
    return [trips[i] for i in order[:CRITICAL] if loss[i] > 0]


def cause_names(model: SimModel) -> list[str]:
    return [f"{k} {d}" for k, d in model.resources] + list(CAUSES) + ["unknown"]


def _causes(model: SimModel, t: Tally) -> list[dict[str, Any]]:
    """Lost trips (late or not started) by the delay that grew most since the vehicle was last
    on time: a checkpoint direction (queue and inspection), travel, breakdown or suspension."""
    losses = int(t.cause_late.sum() + t.cause_lost.sum())
    rows = [
        {
            "cause": name,
            "late": int(a),
            "not_started": int(b),
            "share": round((int(a) + int(b)) / losses, 6),
        }
        for name, a, b in zip(cause_names(model), t.cause_late, t.cause_lost, strict=True)
        if a + b > 0
    ]
    return sorted(rows, key=lambda r: (-r["share"], r["cause"]))


def _checkpoints(model: SimModel, t: Tally) -> list[dict[str, Any]]:
    queues = _int_quantiles(t.queue_hist, (50, 95)) / QUARTERS
    g = queue_grid(model)
    out = []
    for k, (cp, d) in enumerate(model.resources):
        crossings = int(((model.resource == k) & (model.cross_index >= 0)).sum())
        if crossings == 0:
            continue
        peak = int(np.argmax(queues[1, k]))
        out.append(
            {
                "checkpoint": cp,
                "dir": d,
                "lanes": int(model.lanes[k]),
                "crossings": crossings,
                "wait": {str(q): hist_quantile(t.wait_hist[k], q / 100) for q in (50, 90, 95, 99)},
                "queue_p95_peak": float(queues[1, k, peak]),
                "queue_p95_peak_at": float(g[peak]),
            }
        )
    return out


def _series(model: SimModel, t: Tally) -> dict[str, Any]:
    """Time series for the plots: people out over time and checkpoint queues, as quantiles."""
    g = grid(model)
    qs = (5, 25, 50, 75, 95)
    width = curve_width(model)
    curve = _int_quantiles(t.curve_hist, qs) * width
    plan = np.zeros(len(g), dtype=np.int64)
    for tr in model.trips:
        plan[g >= tr.planned_out] += tr.people
    queues = _int_quantiles(t.queue_hist, qs) / QUARTERS
    return {
        "times": g.tolist(),
        "queue_times": queue_grid(model)[:-1].tolist(),
        "queue_step": QUEUE_STEP,
        "people_out": {str(q): curve[i].tolist() for i, q in enumerate(qs)},
        "people_out_bin": width,
        "people_out_bins": CURVE_BINS,
        "people_out_planned": plan.tolist(),
        "queues": {
            f"{cp} {d}": {str(q): queues[i, k].tolist() for i, q in enumerate(qs)}
            for k, (cp, d) in enumerate(model.resources)
            if ((model.resource == k) & (model.cross_index >= 0)).any()
        },
        "people_out_hist": _histogram(t.people_out.sum(axis=1)),
    }


def _histogram(values: npt.NDArray[np.int64], most: int = 60) -> dict[str, list[int]]:
    """At most ``most`` bins of whole-number width from the smallest to the largest value."""
    if values.size == 0:
        return {"edges": [], "counts": []}
    lo, hi = int(values.min()), int(values.max())
    width = max(1, -(-(hi - lo + 1) // most))
    counts = np.bincount((values - lo) // width)
    return {"edges": [lo + width * i for i in range(len(counts) + 1)], "counts": counts.tolist()}
