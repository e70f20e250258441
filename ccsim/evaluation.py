"""Does a plan meet its goals? Plans simulated on the same days, each interval judged with confidence.

Planning compares plans, and a comparison is only fair on the same days: ``simulate_many`` runs
every plan on the same replication indices (common random numbers), so two plans differ by what
they change, not by the luck of the draw. ``evaluate`` then judges every (contact type, interval)
cell against its goal with a one-sided bound, because a plan that meets a target on average
still misses it on half of the days; ``recheck`` does the same on days the search never saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from .goals import Goals
from .metrics import Estimate, stack_counters
from .model.tally import ReplicationStats
from .plans import Plan, with_plan
from .scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from .results import SimulationResult


def simulate_many(
    scenarios: list[Scenario], replications: int, workers: int | None = None, first_replication: int = 0,
    progress: Callable[[int, int], None] | None = None, scheduler: str | None = None,
) -> list[list[ReplicationStats]]:
    """Replications ``first..first+R-1`` of each scenario through the shared runner, in one batch.

    The same replication indices for every scenario are what make the comparisons paired.
    ``workers`` and ``scheduler`` choose the backend as in ``runner.run_units`` (a Dask scheduler
    address, else ``$CCSIM_DASK_SCHEDULER``, else local processes); ``RunnerError`` propagates.
    """
    from .runner import run_units

    units = [(s, first_replication + r) for s in scenarios for r in range(replications)]
    batch = run_units(units, workers=workers, progress=progress, scheduler=scheduler)
    if batch.interrupted:
        raise KeyboardInterrupt
    out = []
    for k in range(len(scenarios)):
        out.append([batch.results[k * replications + r] for r in range(replications)])
    return out


def _bound(values: np.ndarray, confidence: float, upper: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, one-sided bound, standard error) over axis 0 ignoring NaN; the bound is the mean and
    the standard error 0 where fewer than two replications have the figure."""
    from scipy.special import stdtrit  # the t quantile scipy.stats.t.ppf computes, without importing scipy.stats (half a second)

    v = np.asarray(values, float)
    ok = np.isfinite(v)
    n = ok.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(np.where(ok, v, 0), 0) / np.maximum(n, 1), np.nan)
        dev = np.where(ok, v - mean, 0.0)
        sd = np.sqrt(np.sum(dev * dev, 0) / np.maximum(n - 1, 1))
        se = np.where(n > 1, sd / np.sqrt(np.maximum(n, 1)), 0.0)
        half = stdtrit(np.maximum(n - 1, 1), confidence) * se
    return mean, (mean + half if upper else mean - half), se


#: A share whose 95% interval reaches further than this either side of its mean is too wide to read.
READABLE_HALF_WIDTH = 0.10
#: Below this many replications an interval is mostly its t quantile (12.7 at two, 2.8 at five).
FEW_REPLICATIONS = 5


def readability_warnings(replications: int, shares: dict[str, Estimate]) -> list[str]:
    """What makes figures hard to read, in words: fewer than ``FEW_REPLICATIONS`` replications,
    and the shares (``shares``: label -> estimate, e.g. "phone service level") whose 95% interval
    reaches more than ``READABLE_HALF_WIDTH`` either side of the mean. The commands print them on
    stderr and the reports beside their summary."""
    out = []
    if replications < FEW_REPLICATIONS:
        out.append(
            f"only {replications} replication{'s' if replications != 1 else ''}: the 95% intervals are wide and the means move from run "
            f"to run; run {FEW_REPLICATIONS} or more"
        )
    wide = [f"{label} {e.mean:.1%} ± {e.half_width:.1%}" for label, e in shares.items() if e.half_width is not None and e.half_width > READABLE_HALF_WIDTH]
    if wide:
        listed = ", ".join(wide[:3]) + (f" and {len(wide) - 3} more" if len(wide) > 3 else "")
        out.append(f"too wide to read (95% interval more than {READABLE_HALF_WIDTH * 100:.0f} points either side): {listed}; more replications narrow them")
    return out


def day_shares(result: SimulationResult, prefix: str = "") -> dict[str, Estimate]:
    """Each contact type's day service level and abandon rate, labelled for ``readability_warnings``."""
    return {f"{prefix}{t} {m.replace('_', ' ')}": result.by_contact_type[t][m] for t in result.scenario.type_names for m in ("service_level", "abandon_rate")}


def precision_warnings(widest: float, replications: int, precision: float | None) -> list[str]:
    """A line when a precision target was not reached (the replications ran out first): ``widest``
    is the widest uncut 95% half-width of a day service level (``runner.widest_half_width``)."""
    if precision is None or widest <= precision:
        return []
    return [f"--precision {precision:g} not reached: after {replications:,} replications a day service level is still ± {widest:.2%}; raise --max-replications"]


def _div(a, b):
    """a / b where b > 0, else NaN (an interval without contacts has no rate)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


@dataclass
class Evaluation:
    """Per-interval target check of one plan: ``ok[type][i]``, measures with one-sided bounds."""

    type_ok: dict[str, np.ndarray]
    failing: dict[str, list[list[str]]]  # type -> per interval -> names of failed measures
    means: dict[str, dict[str, np.ndarray]]
    bounds: dict[str, dict[str, np.ndarray]]
    sl_se: dict[str, np.ndarray]  # standard error of each interval's mean service level
    pool_occupancy: dict[str, np.ndarray]
    pool_occupancy_bound: dict[str, np.ndarray]
    pool_ok: dict[str, np.ndarray]
    offered: dict[str, np.ndarray]  # mean contacts per interval (every attempt)
    answered: dict[str, np.ndarray]
    busy_s: dict[str, np.ndarray]  # mean busy agent-seconds per interval
    present: dict[str, np.ndarray]  # mean agents present per interval
    #: per interval, whether the center is open (a closed one is outside every target: what it holds,
    #: a backlog counted at the start, is the open hours' to answer)
    open: np.ndarray | None = None

    @property
    def all_ok(self) -> bool:
        return all(v.all() for v in self.type_ok.values()) and all(v.all() for v in self.pool_ok.values())

    def share_ok(self, skip: frozenset[tuple[str, int]] = frozenset()) -> float:
        """Share of the (contact type, open interval) cells with contacts that meet their targets,
        the cells in ``skip`` left out (a search's given-up intervals are outside its promise)."""
        counted = self.open if self.open is not None else np.ones(len(next(iter(self.type_ok.values()))), bool)
        cells = [
            ok for name, row in self.type_ok.items() for i, (ok, n) in enumerate(zip(row, self.offered[name])) if n > 0 and counted[i] and (name, i) not in skip
        ]
        return float(np.mean(cells)) if cells else 1.0


def evaluate(scenario: Scenario, reps: list[ReplicationStats], goals: Goals, confidence: float) -> Evaluation:
    """Does each interval meet each target with the given one-sided confidence?

    Service level must have its lower bound at or above the target; ASA, abandonment and
    occupancy their upper bound at or below the limit. An interval nobody called in passes.
    """
    horizon = scenario.horizon
    bases = [ct.service_level.definition for ct in scenario.contact_types.values()]
    types, pools = stack_counters(reps, bases, horizon)
    type_ok, failing, means, bounds, sl_se, offered, answered = {}, {}, {}, {}, {}, {}, {}
    for k, name in enumerate(scenario.type_names):
        goal = goals.types[name]
        sl_m, sl_lo, sl_se[name] = _bound(_div(types["within_sl"][:, k], types["sl_base"][:, k]), confidence, upper=False)
        asa_m, asa_hi, _ = _bound(_div(types["wait_answered_sum"][:, k], types["answered"][:, k]), confidence, upper=True)
        ab_m, ab_hi, _ = _bound(_div(types["abandoned"][:, k], types["offered"][:, k]), confidence, upper=True)
        means[name] = {"service_level": sl_m, "asa_seconds": asa_m, "abandon_rate": ab_m}
        bounds[name] = {"service_level": sl_lo, "asa_seconds": asa_hi, "abandon_rate": ab_hi}
        rows = []
        for i in range(horizon.n_intervals):
            bad = []
            if np.isfinite(sl_lo[i]) and sl_lo[i] < goal.sl_target - 1e-9:
                bad.append("service_level")
            if goal.max_asa_s is not None and np.isfinite(asa_hi[i]) and asa_hi[i] > goal.max_asa_s + 1e-9:
                bad.append("asa_seconds")
            if goal.max_abandon is not None and np.isfinite(ab_hi[i]) and ab_hi[i] > goal.max_abandon + 1e-9:
                bad.append("abandon_rate")
            rows.append(bad)
        failing[name] = rows
        type_ok[name] = np.array([not r for r in rows])
        offered[name] = types["offered"][:, k].mean(0)
        answered[name] = types["answered"][:, k].mean(0)
    occupancy, occupancy_hi, pool_ok, busy, present = {}, {}, {}, {}, {}
    for j, name in enumerate(scenario.pool_names):
        mean, hi, _ = _bound(_div(pools["busy_area"][:, j], pools["staffed_area"][:, j]), confidence, upper=True)
        occupancy[name], occupancy_hi[name] = mean, hi
        limit = goals.max_occupancy.get(name)
        pool_ok[name] = np.array([limit is None or not np.isfinite(x) or x <= limit + 1e-9 for x in hi])
        busy[name] = pools["busy_area"][:, j].mean(0)
        present[name] = pools["staffed_area"][:, j].mean(0) / horizon.interval_s
    return Evaluation(type_ok, failing, means, bounds, sl_se, occupancy, occupancy_hi, pool_ok, offered, answered, busy, present, types["open"])


#: Fresh days: replications numbered from here on were never seen by a staffing search, whose days
#: are replications 0, 1, 2, ... (a scenario asks for at most 100,000 of them).
FRESH_DAYS = 1_000_000
#: On fresh days an interval falls *significantly* short when a one-sided bound at this level misses.
SIGNIFICANCE = 0.05


def not_significantly_short(scenario: Scenario, reps: list[ReplicationStats], goals: Goals, significance: float = SIGNIFICANCE) -> Evaluation:
    """Each interval judged *not significantly short*: it fails only when a target is missed at
    one-sided ``significance`` (``evaluate`` at a confidence below 0.5 puts each bound on the other
    side of the mean). How a promise made with confidence is checked on new days."""
    return evaluate(scenario, reps, goals, _significance(significance))


def _significance(value: float) -> float:
    if not 0 < value < 0.5:
        raise ValueError(f"significance must be in (0, 0.5), got {value}")
    return value


def recheck(
    scenario: Scenario, plan: Plan, goals: Goals, replications: int, first_replication: int = FRESH_DAYS, significance: float = SIGNIFICANCE,
    workers: int | None = None, scheduler: str | None = None,
) -> Evaluation:
    """The plan simulated on new days (replications the search never saw), each interval judged
    *not significantly short*: it fails only when a target is missed at one-sided ``significance``.

    This is how to check the staffing's promise (``StaffResult.promised_share``): the share of
    cells that hold (``Evaluation.share_ok``) should be at least the confidence it was found with.
    ``staff`` does it for every plan it reports.
    """
    _significance(significance)
    (reps,) = simulate_many([with_plan(scenario, plan)], replications, workers, first_replication, scheduler=scheduler)
    return not_significantly_short(scenario, reps, goals, significance)
