"""From per-replication accumulators to the figures a planner reads, each with a 95% interval.

Each figure is computed in every replication, for the day and per interval, then summarised over
the replications by its mean and a 95% confidence interval. Ratios for the day are ratios of day
totals (the day's service level is all answered within T over all offered), not means of interval
ratios. Nothing here simulates: these are pure functions of the replications' counters
(``ReplicationStats``).

Confidence intervals stay inside what is possible. Each metric declares its range, by default its
unit's: a share (service level, abandon rate, occupancy, ...) lies in [0, 1]; a count, a time or a
number of agents is never below 0; shrinkage is at most 1 (and a little below 0 where agents stay
past the plan to finish a contact). The interval is the Student-t interval of the per-replication
values, mean ± t(0.975, n - 1) · s / √n, cut to that range. The cut costs no coverage: the true
value lies inside the range, so an interval that held it still holds it once the impossible part is
removed. A service level of 99% ± 2.5% over 3 replications is shown as [96.5%, 100%], no longer
reaching 101.5%. The mean stays the plain mean, always inside its interval. With one replication
there is no interval; when every replication gives the same value (nobody abandoned in a quiet
interval) the interval has no width: the replications agree, which is not certainty.

How well this keeps its 95%, measured against exact Erlang A over 1,000 independent experiments
of 10 replications each (``tests/test_interval_coverage.py`` runs 200 of them): on 21 agents
answering 400 calls an hour, the day's service-level and abandon-rate intervals cover the true
value in 95.0% and 94.4% of experiments, the hours' in 94.0%. The t interval is exact for normally
distributed values and falls short where few contacts make a replication's figure skewed: 91% of
the hours of 4 agents answering 40 calls an hour. Two other methods were measured on the same
experiments and rejected. A t interval on the logit scale covers 83% of that small team's hours,
and it estimates the mean of the logits rather than the mean share, so it can leave out the mean
it is shown with. A percentile bootstrap covers 89% of the large team's hours with 10
replications and 75% with 3, and it is random.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from .model.tally import ReplicationStats, histogram_quantile

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Horizon


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its 95% confidence interval (None where undefined)."""

    mean: float | None
    lo: float | None
    hi: float | None
    n: int

    def to_dict(self) -> dict:
        return {"mean": self.mean, "ci95": [self.lo, self.hi]}

    @property
    def half_width(self) -> float | None:
        return None if self.hi is None or self.lo is None else (self.hi - self.lo) / 2


#: The values a figure can take, (lowest, highest): its confidence interval is cut to them.
SHARE = (0.0, 1.0)
NON_NEGATIVE = (0.0, math.inf)
UNBOUNDED = (-math.inf, math.inf)  # a difference between plans, which may go either way
#: Every unit a metric may have, with its range: a share is in [0, 1], the rest never below 0.
UNIT_BOUNDS = {"share": SHARE, "contacts": NON_NEGATIVE, "customers": NON_NEGATIVE, "seconds": NON_NEGATIVE, "agents": NON_NEGATIVE}


def estimate(values: np.ndarray, confidence: float = 0.95, bounds: tuple[float, float] = UNBOUNDED) -> Estimate:
    """Mean and t-interval (cut to ``bounds``) of per-replication values, ignoring replications where
    it is undefined (an interval with no answered contact has no ASA)."""
    return estimate_columns(np.asarray(values, float).reshape(-1, 1), confidence, bounds)[0]


def _estimate_of(mean, lo, hi, n: int) -> Estimate:
    """An Estimate from its parts, as Python floats: no mean without a replication, no interval from one."""
    if n == 0:
        return Estimate(None, None, None, 0)
    if n == 1:
        return Estimate(float(mean), None, None, 1)
    return Estimate(float(mean), float(lo), float(hi), n)


class EstimateColumn(Sequence[Estimate]):
    """Per-interval estimates of one figure, kept as arrays and read like a list of ``Estimate``.

    A year of 15-minute intervals has 35,040 of them for each of some forty figures; as objects
    that would be about 150 MB, as arrays it is a few. An ``Estimate`` is made when one is read.
    """

    __slots__ = ("mean", "lo", "hi", "n")

    def __init__(self, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: np.ndarray):
        self.mean, self.lo, self.hi, self.n = mean, lo, hi, n

    def __len__(self) -> int:
        return len(self.n)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return _estimate_of(self.mean[i], self.lo[i], self.hi[i], int(self.n[i]))

    def __add__(self, other) -> list[Estimate]:  # concatenates like the list it stands for
        return list(self) + list(other)

    def __radd__(self, other) -> list[Estimate]:
        return list(other) + list(self)

    def means(self) -> np.ndarray:
        """The means as an array, NaN where undefined (no replication had the figure)."""
        return np.where(self.n > 0, self.mean, np.nan)

    def to_dicts(self) -> list[dict]:
        """``[e.to_dict() for e in self]``, read from the arrays at once: the JSON of a long day
        holds tens of thousands of them, and making an ``Estimate`` for each took half its time."""
        mean, lo, hi = (np.asarray(a, float).tolist() for a in (self.mean, self.lo, self.hi))
        return [  # as _estimate_of: no mean without a replication, no interval from one
            {"mean": m if k else None, "ci95": [low, high] if k > 1 else [None, None]} for m, low, high, k in zip(mean, lo, hi, self.n.tolist())
        ]


def estimate_columns(values: np.ndarray, confidence: float = 0.95, bounds: tuple[float, float] = UNBOUNDED) -> EstimateColumn:
    """``estimate`` for each column of a (replications, k) array, vectorised: a long horizon has
    thousands of columns, and a Python loop with one t quantile per column would dominate the
    summary. Non-finite values (an undefined ASA) are left out column by column.

    The Student-t interval is cut to ``bounds``, the range the figure can take: the true value lies
    in that range, so the cut keeps the interval's coverage and the interval still holds the mean."""
    v = np.asarray(values, float)
    finite = np.isfinite(v)
    n = finite.sum(axis=0)
    filled = np.where(finite, v, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = filled.sum(axis=0) / n
        dev = np.where(finite, v - mean, 0.0)
        var = (dev * dev).sum(axis=0) / (n - 1)
        half = np.full(n.shape, np.nan)  # one value has no interval
        spread = n >= 2
        if spread.any():  # scipy.special takes a tenth of a second to import: a one-replication run never needs it
            from scipy.special import stdtrit  # the t quantile that scipy.stats.t.ppf computes

            half[spread] = stdtrit(n[spread] - 1, 0.5 + confidence / 2) * np.sqrt(var[spread] / n[spread])
    low, high = bounds
    return EstimateColumn(mean, np.clip(mean - half, low, high), np.clip(mean + half, low, high), n)


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


@dataclass(frozen=True)
class Metric:
    """How one named figure is computed from accumulators, per interval and for the day.

    ``per_interval`` and ``per_day`` take the stacked counters (arrays shaped
    (replications, types, intervals)) and return (replications, types, intervals) and
    (replications, types) arrays.
    """

    name: str
    unit: str
    per_interval: Callable[[dict], np.ndarray]
    per_day: Callable[[dict], np.ndarray]
    description: str
    #: the range of the figure, which its confidence interval never leaves; None: its unit's
    bounds: tuple[float, float] | None = None
    #: whether the figure can be told for part of the horizon (a date) from its intervals' counters;
    #: a wait percentile cannot: it needs the whole horizon's histogram
    by_part: bool = True

    def __post_init__(self) -> None:
        if self.bounds is None:
            object.__setattr__(self, "bounds", UNIT_BOUNDS[self.unit])


def _count(key: str, description: str, unit: str = "contacts") -> Metric:
    return Metric(key, unit, lambda c: c[key], lambda c: c[key].sum(-1), description)


def _ratio(name: str, num: str, den: str, unit: str, description: str) -> Metric:
    return Metric(
        name,
        unit,
        lambda c: _div(c[num], c[den]),
        lambda c: _div(c[num].sum(-1), c[den].sum(-1)),
        description,
    )


def _time_average(name: str, area: str, unit: str, description: str) -> Metric:
    """A level averaged over time (queue length, agents present) from its integral ``area``."""
    return Metric(name, unit, lambda c: c[area] / c["interval_s"], lambda c: _open_average(c, area), description)


def _open_average(c: dict, area: str) -> np.ndarray:
    """A day's time average over the hours the center is open (agents and queues while it is open,
    not spread over its nights); over every interval when none is open (a closed Sunday: 0)."""
    open_ = c["open"]
    if open_.all() or not open_.any():
        return c[area].sum(-1) / (c["interval_s"] * c[area].shape[-1])
    return c[area][..., open_].sum(-1) / (c["interval_s"] * int(open_.sum()))


def _quantile(name: str, q: float, description: str) -> Metric:
    return Metric(
        name,
        "seconds",
        lambda c: c["wait_quantiles"][q],  # computed per replication at Tally.freeze
        lambda c: histogram_quantile(c["day_wait_hist"], q),
        description,
        by_part=False,
    )


#: Contact-type metrics in the order reports show them. Names are public (JSON keys, CSV columns).
TYPE_METRICS: list[Metric] = [
    _count("offered", "contacts that arrived (every attempt)"),
    _count("answered", "contacts an agent took"),
    _count("abandoned", "contacts that hung up before an agent took them"),
    _ratio("service_level", "within_sl", "sl_base", "share", "answered within T over the service-level base (offered by default)"),
    _ratio("asa_seconds", "wait_answered_sum", "answered", "seconds", "average speed of answer: mean wait of answered contacts"),
    _ratio("mean_wait_seconds", "wait_all_sum", "offered", "seconds", "mean time in queue over all offered contacts, abandoners included"),
    _quantile("wait_p90_seconds", 0.9, "90th percentile of time in queue over all offered contacts"),
    _ratio("abandon_rate", "abandoned", "offered", "share", "abandoned over offered"),
    Metric(
        "max_queue",
        "contacts",
        lambda c: c["max_queue"],
        lambda c: c["max_queue"].max(-1),
        "longest queue seen",
    ),
    _time_average("mean_queue", "queue_area", "contacts", "time-average number waiting"),
]

# --- behaviour metrics (docs/behaviours.md) ---------------------------------------
# Always computed, so the JSON and CSV keys do not depend on the scenario: zero (or null for a
# ratio with nothing to divide) where a behaviour is off. Every tally carries every behaviour
# counter (declared by each behaviour, model.behaviours.BEHAVIOUR_COUNTERS), so they are read like the core counters.


BEHAVIOUR_METRICS: list[Metric] = [
    _count("first_attempts", "offered contacts that were a customer's first attempt"),
    _count("redials", "offered contacts that repeat an abandoned, balked or broken-promise attempt"),
    _count("over_tolerance", "answered after the customer's tolerance: answered but unhappy"),
    _ratio("over_tolerance_rate", "over_tolerance", "answered", "share", "over_tolerance over answered"),
    _count("transfers", "served contacts transferred out of this type"),
    _count("transfers_in", "offered contacts that arrived by transfer"),
    _count("reexplain_seconds", "total re-explaining time cold transfers added to handle times here", "seconds"),
    _count("balked", "callers who hung up on hearing an announcement (also counted abandoned)"),
    _count("callbacks_offered", "callers offered a callback"),
    _count("callbacks_accepted", "callers who accepted a callback and left the live queue"),
    _count("callbacks_kept", "callbacks made (counted answered, with their live-queue wait)"),
    _count("callbacks_broken", "promised callbacks never made (also counted abandoned)"),
    _ratio("callback_wait_seconds", "callback_wait_sum", "callbacks_kept", "seconds", "mean time from accepting a callback to being called"),
    _count("bot_contained", "contacts resolved by self-service (never offered to an agent)"),
    _count("bot_dead_ends", "contacts that could not reach a human from self-service"),
    _count("channel_hops", "offered contacts that came back through this type after a bot dead end"),
    _count("customers", "people: counted once, at their first contact's type and interval", "customers"),
    _count("customers_answered", "customers whose journey ended served", "customers"),
    _count("customers_abandoned", "customers who gave up for good", "customers"),
    _count("customers_unresolved", "customers left unresolved (bot dead end, broken promise)", "customers"),
    _count("customers_self_served", "customers resolved by self-service", "customers"),
    _count("multi_agent_customers", "customers who met more than one agent", "customers"),
    _ratio("customer_service_level", "customers_within_sl", "customers", "share", "customers who reached an agent within T of their first arrival, over customers"),
    _ratio("customer_abandon_rate", "customers_abandoned", "customers", "share", "customers who gave up for good, over customers"),
]
TYPE_METRICS += BEHAVIOUR_METRICS
# Added later, so appended: the earlier CSV columns keep their places.
TYPE_METRICS += [
    _quantile("wait_p50_seconds", 0.5, "median time in queue over all offered contacts (0 when most are answered at once)"),
    _quantile("wait_p95_seconds", 0.95, "95th percentile of time in queue over all offered contacts"),
    _count("silent_abandons", "chats whose customer left without closing them (also counted abandoned); they wait in the queue until an agent opens them"),
    _count("ghost_seconds", "agent time spent opening chats whose customer had already left", "seconds"),
    _count("overflowed", "contacts answered by a pool through an overflow ring (a skill with after > 0)"),
    _count("repeat_contacts", "offered contacts that are a customer's return after an unresolved service"),
    _ratio(
        "first_contact_resolution",
        "first_services_resolved",
        "first_services",
        "share",
        "customers whose first service (on a type with resolution) resolved their problem, over those served first on such a type",
    ),
]


POOL_METRICS: list[Metric] = [
    _ratio("occupancy", "busy_area", "staffed_area", "share", "busy agent time over staffed agent time (chat: busy seats over seats)"),
    _time_average("agents", "agents_area", "agents", "mean agents present (staffed)"),
    _time_average("agents_scheduled", "scheduled_area", "agents", "mean agents on the plan (per-interval counts or shifts), before shrinkage"),
    Metric(
        "shrinkage",
        "share",
        lambda c: 1 - _div(c["agents_area"], c["scheduled_area"]),
        lambda c: 1 - _div(c["agents_area"].sum(-1), c["scheduled_area"].sum(-1)),
        "share of scheduled agent time not present (1 - agents / agents_scheduled); a little below 0 where agents stay past the plan to finish a contact",
        bounds=(-math.inf, 1.0),
    ),
]


def stack_counters(reps: list[ReplicationStats], sl_bases: list[str], horizon: Horizon) -> tuple[dict, dict]:
    """Stack replications into (R, types, intervals) arrays, adding the service-level base, the
    interval length and (``open``) which intervals the center is open in (all, unless the horizon
    has opening hours)."""
    c = {k: np.stack([r.counters[k] for r in reps]) for k in reps[0].counters}
    base = np.empty_like(c["offered"])
    for k, how in enumerate(sl_bases):
        if how == "answered":
            base[:, k] = c["answered"][:, k]
        elif how == "excluding_short_abandons":
            base[:, k] = c["offered"][:, k] - c["short_abandoned"][:, k]
        else:
            base[:, k] = c["offered"][:, k]
    c["sl_base"] = base
    c["day_wait_hist"] = np.stack([r.day_wait_hist for r in reps])
    c["wait_quantiles"] = {q: np.stack([r.wait_quantiles[q] for r in reps]) for q in reps[0].wait_quantiles}
    c["interval_s"] = horizon.interval_s
    c["open"] = np.asarray(horizon.open_intervals, bool)
    p = {k: np.stack([r.pool_levels[k] for r in reps]) for k in reps[0].pool_levels}
    p["interval_s"], p["open"] = horizon.interval_s, c["open"]
    return c, p


def summarise(metrics: list[Metric], stacked: dict, names: list[str]) -> tuple[dict, dict]:
    """(by name -> metric -> day Estimate, by name -> metric -> EstimateColumn of the intervals)."""
    day: dict[str, dict[str, Estimate]] = {n: {} for n in names}
    intervals: dict[str, dict[str, EstimateColumn]] = {n: {} for n in names}
    for m in metrics:
        per_day = m.per_day(stacked)
        per_int = m.per_interval(stacked)
        for k, name in enumerate(names):
            day[name][m.name] = estimate(per_day[:, k], bounds=m.bounds)
            intervals[name][m.name] = estimate_columns(per_int[:, k], bounds=m.bounds)
    return day, intervals


def summarise_parts(metrics: list[Metric], stacked: dict, names: list[str], parts: dict[str, slice]) -> dict[str, dict[str, dict[str, Estimate]]]:
    """Part (a date) -> name -> metric -> Estimate over that part's intervals: the day figures of
    each date of a week, computed like the horizon's from the counters of its intervals only."""
    out = {}
    for label, part in parts.items():
        sliced = {k: v[..., part] if isinstance(v, np.ndarray) and k != "day_wait_hist" else v for k, v in stacked.items()}
        per_name: dict[str, dict[str, Estimate]] = {n: {} for n in names}
        for m in metrics:
            if m.by_part:
                values = m.per_day(sliced)
                for k, name in enumerate(names):
                    per_name[name][m.name] = estimate(values[:, k], bounds=m.bounds)
        out[label] = per_name
    return out


def bounds_of(metric: str) -> tuple[float, float]:
    """The range of a named figure of a contact type or pool; a plan's totals (agent-hours, cost)
    are never below 0. For intervals of one plan's figure, never of a difference between plans."""
    for m in (*TYPE_METRICS, *POOL_METRICS):
        if m.name == metric:
            return m.bounds
    return NON_NEGATIVE
