"""Streaming per-interval accumulators: what one replication remembers instead of per-contact records.

Memory is O(contact types x intervals), independent of how many contacts pass through, which is
what keeps a week of a large center inside a small footprint. The model writes into plain Python
lists during the run (cheaper than numpy scalar indexing on the hot path); ``freeze`` turns them
into numpy arrays once at the end.

Waits are also kept as histograms, for percentiles. Those are sparse during the run (a dict of the
bins actually hit, per type and interval: most intervals see waits in a handful of bins) and are
reduced at ``freeze`` to what the metrics need: each interval's wait percentiles and one histogram
for the whole day. A dense (intervals x bins) array per replication would cost about 6 KB per
interval, 200 MB for a year of 15-minute intervals, and more again for every replication kept.

Slots: index 0 is the warm-up, 1..n the horizon's intervals, n+1 the drain after closing.
Contacts are tallied in the slot of their *arrival*; time-weighted levels (queue, busy and
staffed agents) in the slot in which the time passes.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np


def _wait_bin_edges() -> list[float]:
    """Fine bins where service-level thresholds live, coarse ones for email backlogs.

    A dedicated [0, 1e-9) bin keeps "answered at once" exactly at zero when percentiles are
    interpolated inside bins.
    """
    edges = [0.0, 1e-9]
    edges += [float(s) for s in range(1, 120)]
    edges += [float(s) for s in range(120, 600, 5)]
    edges += [float(s) for s in range(600, 3600, 30)]
    edges += [float(s) for s in range(3600, 86400, 600)]
    edges += [float(s) for s in range(86400, 14 * 86400 + 1, 3600)]
    return edges


WAIT_EDGES: list[float] = _wait_bin_edges()
N_BINS = len(WAIT_EDGES) + 1  # bin b holds waits in [edges[b-1], edges[b]); the last is overflow
ZERO_BIN = bisect_right(WAIT_EDGES, 0.0)  # the [0, 1e-9) bin: answered at once

#: Per contact type counters, each one list per slot. Behaviour modules add their own names.
TYPE_COUNTERS = (
    "offered",
    "answered",
    "abandoned",
    "within_sl",
    "short_abandoned",
    "wait_answered_sum",
    "wait_all_sum",
    "queue_area",
    "max_queue",
    "answered_at_once",  # answered with zero wait: added to the histogram's zero bin and to within_sl at freeze
)
POOL_LEVELS = ("busy_area", "staffed_area")
#: Wait percentiles computed per interval at ``freeze`` (read by the metrics wait_p50/p90/p95_seconds).
WAIT_QUANTILES = (0.5, 0.9, 0.95)
_FREEZE_BLOCK = 128  # intervals made dense at a time at freeze: bounds its memory to ~0.8 MB


class Tally:
    """Mutable accumulators for one replication."""

    def __init__(self, n_types: int, n_pools: int, n_slots: int, extra_counters: tuple[str, ...] = ()):
        self.n_slots = n_slots
        self.type_counters: dict[str, list[list[float]]] = {
            name: [[0] * n_slots for _ in range(n_types)] for name in TYPE_COUNTERS + tuple(extra_counters)
        }
        self.pool_levels: dict[str, list[list[float]]] = {
            name: [[0.0] * n_slots for _ in range(n_pools)] for name in POOL_LEVELS
        }
        # wait_hist[type][slot]: {bin: count} of the waits recorded, created at the first one
        self.wait_hist: list[list[dict[int, int] | None]] = [[None] * n_slots for _ in range(n_types)]

    def record_wait(self, kind: int, slot: int, wait: float) -> None:
        """Count a wait in its histogram bin (the engine counts plain zero-wait answers as answered_at_once instead)."""
        row = self.wait_hist[kind]
        hist = row[slot]
        if hist is None:
            hist = row[slot] = {}
        b = bisect_right(WAIT_EDGES, wait)
        hist[b] = hist.get(b, 0) + 1

    def freeze(self) -> "ReplicationStats":
        """Arrays over the horizon's intervals only (warm-up and drain slots dropped)."""
        horizon = slice(1, self.n_slots - 1)
        counters = {k: np.asarray(v, float)[:, horizon] for k, v in self.type_counters.items()}
        levels = {k: np.asarray(v, float)[:, horizon] for k, v in self.pool_levels.items()}
        at_once = counters["answered_at_once"]
        counters["within_sl"] += at_once  # a zero wait is within any threshold T >= 0
        n_types, n_int = len(self.wait_hist), self.n_slots - 2
        day_hist = np.zeros((n_types, N_BINS), np.int64)
        quantiles = {q: np.empty((n_types, n_int)) for q in WAIT_QUANTILES}
        for k, row in enumerate(self.wait_hist):
            for lo in range(0, n_int, _FREEZE_BLOCK):
                hi = min(lo + _FREEZE_BLOCK, n_int)
                block = np.zeros((hi - lo, N_BINS), np.int64)
                for s, h in enumerate(row[1 + lo : 1 + hi]):
                    if h:
                        block[s, list(h)] = list(h.values())
                block[:, ZERO_BIN] += at_once[k, lo:hi].astype(np.int64)
                day_hist[k] += block.sum(0)
                for q, out in quantiles.items():
                    out[k, lo:hi] = histogram_quantile(block, q)
        return ReplicationStats(counters=counters, pool_levels=levels, day_wait_hist=day_hist, wait_quantiles=quantiles)


@dataclass
class ReplicationStats:
    """What one simulated day leaves behind: arrays shaped (types or pools, intervals)."""

    counters: dict[str, np.ndarray]
    pool_levels: dict[str, np.ndarray]
    day_wait_hist: np.ndarray  # (types, bins): the waits of the whole horizon
    wait_quantiles: dict[float, np.ndarray]  # WAIT_QUANTILES -> (types, intervals), NaN where no contact
    wall_time_s: float = 0.0
    extra: dict = field(default_factory=dict)
    records: list[tuple] | None = None  # per-contact rows, only when asked (see Engine.records)


def histogram_quantile(hist: np.ndarray, q: float) -> np.ndarray:
    """Quantile of waits from histograms along the last axis, linear inside a bin; NaN where empty."""
    edges = np.asarray(WAIT_EDGES)
    lower = np.concatenate(([0.0], edges))
    upper = np.concatenate((edges, [edges[-1]]))
    cum = np.cumsum(hist, axis=-1)
    total = cum[..., -1:]
    target = q * total
    b = np.argmax(cum >= target, axis=-1)
    b_exp = b[..., None]
    below = np.where(b_exp > 0, np.take_along_axis(cum, np.maximum(b_exp - 1, 0), -1), 0)[..., 0]
    count = np.take_along_axis(hist, b_exp, -1)[..., 0]
    frac = np.divide(target[..., 0] - below, count, out=np.zeros_like(below, dtype=float), where=count > 0)
    value = lower[b] + np.clip(frac, 0, 1) * (upper[b] - lower[b])
    value = np.where(b == ZERO_BIN, 0.0, value)  # in the answered-at-once bin the wait is exactly 0
    return np.where(total[..., 0] > 0, value, np.nan)
