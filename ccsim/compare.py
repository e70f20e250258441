"""Plans side by side on the same simulated days: paired differences with 95% intervals.

Every plan of a comparison is simulated with the same seed and the same replication indices.
Random streams are keyed by (replication, purpose, contact-type name), so replication r of plan A
and replication r of plan B see the same arrivals, handle times and patience draws (common random
numbers). The difference B - A is therefore computed replication by replication and summarised
with a t-interval over those paired values: the day-to-day noise both plans share cancels, and
the interval is far tighter than either plan's own. Two identical plans differ by exactly zero.

Reading a difference: ``significant`` means its 95% interval excludes zero; ``verdict`` turns the
sign into "better" or "worse" using the measure's sense (higher service level is better, higher
ASA is worse); measures without a sense (offered, occupancy, agent hours) are just "higher"/"lower".

Interval by interval, each ``significant`` is a test at 5% on its own: over a day of 24 intervals
about one flag in twenty is noise even when the plans are the same. ``significant_holm`` answers
"which intervals really differ" with Holm's step-down correction over the day's intervals, which
keeps the chance of any false flag in the day under 5%.

The same comparison in words (values with units, the plain-language summary the JSON carries)
is in ``compare_text.py``.

    import ccsim
    cmp = ccsim.compare([ccsim.load_scenario("a.yaml"), ccsim.load_scenario("b.yaml")])
    cmp.difference("b", "service_level", contact_type="phone").day    # Estimate of B - A
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from ._version import __version__
from .compare_text import summary_lines
from .metrics import POOL_METRICS, TYPE_METRICS, Estimate, EstimateColumn, Metric, bounds_of, estimate, estimate_columns, stack_counters
from .results import SimulationResult, plural, stack_frames
from .runner import MAX_REPLICATIONS, Progress, run_units, session, until_precise, widest_half_width
from .scenario import Scenario

#: +1: higher is better, -1: lower is better, 0: neither (a volume, a load, an input).
SENSE = {
    "offered": 0,
    "answered": +1,
    "abandoned": -1,
    "service_level": +1,
    "asa_seconds": -1,
    "mean_wait_seconds": -1,
    "wait_p90_seconds": -1,
    "wait_p50_seconds": -1,
    "wait_p95_seconds": -1,
    "abandon_rate": -1,
    "max_queue": -1,
    "mean_queue": -1,
    "occupancy": 0,
    "agents": 0,
    "agent_hours": 0,
    "cost": -1,
}

#: Whole-center measures computed here (not per contact type or pool).
CENTER_METRICS = ("agent_hours", "cost")

SCOPES = ("contact_type", "pool", "center")


class ComparisonError(ValueError):
    """Plans that cannot be compared on the same days; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Plan:
    """One plan of a comparison: a short label, its validated scenario and where it came from."""

    label: str
    scenario: Scenario
    source: str = ""


def plans_from_scenario(scenario: Scenario, source: str = "") -> list[Plan]:
    """A scenario with ``variants:`` -> the base plan then one plan per variant, in file order."""
    where = f"{source}#" if source else "#"
    plans = [Plan("base", scenario.model_copy(update={"variants": {}}), source)]
    plans += [Plan(name, variant, f"{where}{name}") for name, variant in scenario.variants.items()]
    return plans


def _as_plans(items: Iterable) -> list[Plan]:
    """Scenarios, ``Plan``s or ``(label, scenario)`` pairs -> plans with unique labels.

    A single scenario with variants expands to base + variants; plain scenarios are labelled by
    their ``name`` (made unique with a number when two share one).
    """
    items = list(items)
    if len(items) == 1 and isinstance(items[0], Scenario) and items[0].variants:
        return plans_from_scenario(items[0])
    plans = []
    for item in items:
        if isinstance(item, Plan):
            plans.append(item)
        elif isinstance(item, Scenario):
            plans.append(Plan(item.name, item))
        else:
            label, scenario = item
            plans.append(Plan(str(label), scenario))
    seen: dict[str, int] = {}
    unique = []
    for p in plans:
        seen[p.label] = seen.get(p.label, 0) + 1
        label = p.label if seen[p.label] == 1 else f"{p.label} #{seen[p.label]}"
        unique.append(Plan(label, p.scenario.model_copy(update={"variants": {}}), p.source))
    return unique


@dataclass(frozen=True)
class Difference:
    """Plan minus baseline for one measure, paired replication by replication.

    ``day`` and ``intervals`` are Estimates of the mean difference with its 95% interval;
    ``unpaired_half_width`` is the half-width two independent runs of the same size would give
    (Welch), shown to make the gain of common random numbers visible.
    """

    plan: str
    baseline: str
    scope: str
    name: str
    metric: str
    day: Estimate
    intervals: EstimateColumn
    unpaired_half_width: float | None

    @property
    def sense(self) -> int:
        return SENSE.get(self.metric, 0)

    @property
    def significant(self) -> bool:
        return _significant(self.day)

    @property
    def verdict(self) -> str:
        return _verdict(self.day, self.sense)

    def interval_verdicts(self, holm: bool = False) -> list[str]:
        """Per interval: better / worse / higher / lower / not significant / undefined; with
        ``holm``, significance corrected for testing every interval of the day (see the module doc)."""
        if not holm:
            return [_verdict(e, self.sense) for e in self.intervals]
        return [_verdict(e, self.sense, kept) for e, kept in zip(self.intervals, self.holm_significant)]

    @property
    def holm_significant(self) -> list[bool]:
        return holm_reject(paired_p_values(self.intervals)).tolist()

    def to_dict(self, labels: list[str]) -> dict:
        return {
            "plan": self.plan,
            "baseline": self.baseline,
            "scope": self.scope,
            "name": self.name,
            "metric": self.metric,
            "day": {**self.day.to_dict(), "significant": self.significant, "verdict": self.verdict},
            "unpaired_ci95_half_width": self.unpaired_half_width,
            "by_interval": [
                {"interval_start": lab, **e.to_dict(), "significant": _significant(e), "significant_holm": holm}
                for lab, e, holm in zip(labels, self.intervals, self.holm_significant)
            ],
        }


def paired_p_values(col: EstimateColumn, confidence: float = 0.95) -> np.ndarray:
    """Two-sided p-values of the paired t-tests behind each interval's estimate (NaN where it has no
    interval). The t statistic is recovered from the estimate: mean / (half-width / t quantile)."""
    from scipy.special import stdtr, stdtrit  # scipy.stats.t's own functions, without importing scipy.stats (half a second)

    n = col.n.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dof = np.maximum(n - 1, 1)
        se = (col.hi - col.lo) / 2 / stdtrit(dof, 0.5 + confidence / 2)
        t = np.abs(col.mean) / se
        p = 2 * stdtr(dof, -t)  # the t law's survival function at t
    p = np.where(se == 0, np.where(col.mean == 0, 1.0, 0.0), p)  # no spread: equal is no evidence, a constant gap is certain
    return np.where(n >= 2, p, np.nan)


def holm_reject(p: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Holm's step-down procedure: which hypotheses to reject so that the chance of rejecting any
    true one stays below ``alpha``. NaN p-values (untestable) are never rejected and do not count."""
    p = np.asarray(p, float)
    reject = np.zeros(p.shape, bool)
    testable = np.flatnonzero(np.isfinite(p))
    m = len(testable)
    for rank, i in enumerate(testable[np.argsort(p[testable], kind="stable")]):
        if p[i] > alpha / (m - rank):
            break
        reject[i] = True
    return reject


def _significant(e: Estimate) -> bool:
    return e.lo is not None and e.hi is not None and (e.lo > 0 or e.hi < 0)


def _verdict(e: Estimate, sense: int, significant: bool | None = None) -> str:
    """better / worse (or higher / lower without a sense), not significant, or undefined;
    ``significant`` overrides the estimate's own 95% test (Holm's correction, say)."""
    if e.mean is None:
        return "undefined"
    if not (_significant(e) if significant is None else significant):
        return "not significant"
    if sense == 0:
        return "higher" if e.mean > 0 else "lower"
    return "better" if (e.mean > 0) == (sense > 0) else "worse"


def _unpaired_half_width(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> float | None:
    """Welch half-width of mean(b) - mean(a) as if the runs were independent."""
    from scipy.special import stdtrit

    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se2 = va + vb
    if se2 == 0:
        return 0.0
    dof = se2**2 / ((va**2 / (len(a) - 1) if va else 0) + (vb**2 / (len(b) - 1) if vb else 0))
    return float(stdtrit(dof, 0.5 + confidence / 2) * math.sqrt(se2))


def _per_replication(scenario: Scenario, result: SimulationResult) -> dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]]:
    """(scope, name, metric) -> (day values (R,), interval values (R, I)) for one plan."""
    bases = [ct.service_level.definition for ct in scenario.contact_types.values()]
    types, pools = stack_counters(result.replication_stats, bases, scenario.horizon)
    out: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}

    def add(scope: str, names: list[str], metrics: list[Metric], stacked: dict) -> None:
        for m in metrics:
            day, per_int = m.per_day(stacked), m.per_interval(stacked)
            for k, name in enumerate(names):
                out[(scope, name, m.name)] = (np.asarray(day[:, k], float), np.asarray(per_int[:, k], float))

    add("contact_type", scenario.type_names, TYPE_METRICS, types)
    add("pool", scenario.pool_names, POOL_METRICS, pools)
    hours = pools["agents_area"].sum(1) / 3600.0  # (R, I): hours of people present (not chat seats), all pools
    out[("center", "all", "agent_hours")] = (hours.sum(-1), hours)
    if scenario.costs is not None:
        abandoned = types["abandoned"].sum(1)
        cost = scenario.costs.agent_hour * hours + scenario.costs.abandoned_contact * abandoned
        out[("center", "all", "cost")] = (cost.sum(-1), cost)
    return out


@dataclass
class Comparison:
    """Plans simulated on the same days; estimates per plan and paired differences against the baseline."""

    plans: list[Plan]
    results: list[SimulationResult]
    seed: int
    replications: int
    labels: list[str]
    baseline: int = 0
    notes: list[str] = field(default_factory=list)
    partial: bool = False
    wall_time_s: float = 0.0
    ccsim_version: str = __version__
    _values: list[dict] = field(default_factory=list, repr=False)

    # --- lookups -----------------------------------------------------------------------------

    @property
    def plan_labels(self) -> list[str]:
        return [p.label for p in self.plans]

    def index(self, plan: str | int) -> int:
        if isinstance(plan, int):
            return plan
        try:
            return self.plan_labels.index(plan)
        except ValueError:
            raise KeyError(f"no plan '{plan}' (plans: {', '.join(self.plan_labels)})") from None

    @property
    def contact_types(self) -> list[str]:
        """Contact types every plan has, in the baseline's order: the ones that can be paired."""
        return [n for n in self.plans[self.baseline].scenario.type_names if all(n in p.scenario.contact_types for p in self.plans)]

    @property
    def pools(self) -> list[str]:
        """Every pool of any plan, in order of first appearance (a plan may add or drop one)."""
        return list(dict.fromkeys(n for p in self.plans for n in p.scenario.pool_names))

    @property
    def has_costs(self) -> bool:
        return all(p.scenario.costs is not None for p in self.plans)

    @staticmethod
    def _key(metric: str, contact_type: str | None, pool: str | None) -> tuple[str, str, str]:
        if contact_type is not None:
            return ("contact_type", contact_type, metric)
        if pool is not None:
            return ("pool", pool, metric)
        if metric in CENTER_METRICS:
            return ("center", "all", metric)
        raise ValueError(f"'{metric}' needs contact_type= or pool=")

    def values(self, plan: str | int, metric: str, contact_type: str | None = None, pool: str | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-replication (day, per-interval) values of one plan, or None if the plan lacks that scope."""
        return self._values[self.index(plan)].get(self._key(metric, contact_type, pool))

    def day(self, plan: str | int, metric: str, contact_type: str | None = None, pool: str | None = None) -> Estimate | None:
        v = self.values(plan, metric, contact_type, pool)
        return None if v is None else estimate(v[0], bounds=bounds_of(metric))

    def intervals(self, plan: str | int, metric: str, contact_type: str | None = None, pool: str | None = None) -> EstimateColumn | None:
        v = self.values(plan, metric, contact_type, pool)
        return None if v is None else estimate_columns(v[1], bounds=bounds_of(metric))

    def difference(
        self, plan: str | int, metric: str, contact_type: str | None = None, pool: str | None = None, baseline: str | int | None = None
    ) -> Difference | None:
        """``plan - baseline`` paired over replications; None if either plan lacks the measure."""
        b = self.baseline if baseline is None else self.index(baseline)
        a = self.values(b, metric, contact_type, pool)
        v = self.values(plan, metric, contact_type, pool)
        if a is None or v is None:
            return None
        scope, name, _ = self._key(metric, contact_type, pool)
        with np.errstate(invalid="ignore"):
            d_day, d_int = v[0] - a[0], v[1] - a[1]
        return Difference(
            plan=self.plans[self.index(plan)].label,
            baseline=self.plans[b].label,
            scope=scope,
            name=name,
            metric=metric,
            day=estimate(d_day),
            intervals=estimate_columns(d_int),
            unpaired_half_width=_unpaired_half_width(a[0], v[0]),
        )

    def differences(self) -> list[Difference]:
        """Every measure every non-baseline plan shares with the baseline, against the baseline."""
        out = []
        for i in range(len(self.plans)):
            if i == self.baseline:
                continue
            for key in self._values[self.baseline]:
                if key in self._values[i]:
                    scope, name, metric = key
                    kw = {"contact_type": name} if scope == "contact_type" else {"pool": name} if scope == "pool" else {}
                    out.append(self.difference(i, metric, **kw))
        return out

    # --- views -------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The ``ccsim compare --json`` / ``comparison.json`` shape (docs/compare.md)."""
        day: dict = {}
        for i, p in enumerate(self.plans):
            block: dict = {s: {} for s in SCOPES}
            for (scope, name, metric), (d, _) in self._values[i].items():
                block[scope].setdefault(name, {})[metric] = estimate(d, bounds=bounds_of(metric)).to_dict()
            day[p.label] = block
        return {
            "ccsim_version": self.ccsim_version,
            "seed": self.seed,
            "replications": self.replications,
            "partial": self.partial,
            "wall_time_seconds": round(self.wall_time_s, 3),
            "baseline": self.plans[self.baseline].label,
            "plans": [{"label": p.label, "scenario": p.scenario.name, "source": p.source} for p in self.plans],
            "intervals": self.labels,
            "notes": self.notes,
            "summary": summary_lines(self),
            "day": day,
            "differences": [d.to_dict(self.labels) for d in self.differences()],
        }

    def to_pandas(self, by: str = "contact_type", date=None):
        """Each plan's intervals as one pandas DataFrame indexed by (plan, interval_start,
        contact_type), or by pool with ``by="pool"``: each plan's ``SimulationResult.to_pandas``,
        stacked (NaN where a plan lacks a figure). The paired differences are ``difference()``."""
        return stack_frames({p.label: res.to_pandas(by, date) for p, res in zip(self.plans, self.results)}, "plan")

    def __repr__(self) -> str:
        return (
            f"Comparison({plural(len(self.plans), 'plan')} against {self.plans[self.baseline].label!r}, "
            f"{plural(self.replications, 'replication')}, {plural(len(self.labels), 'interval')}{', partial' if self.partial else ''})"
        )

    def differences_csv(self) -> str:
        """One row per (plan, measure, interval) plus a 'day' row: mean and 95% bounds of plan - baseline."""
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["plan", "baseline", "scope", "name", "metric", "interval_start", "difference", "lo", "hi", "significant", "significant_holm"])
        for d in self.differences():
            # the day is one test on its own: no correction applies to it
            rows = [("day", d.day, _significant(d.day))] + list(zip(self.labels, d.intervals, d.holm_significant))
            for lab, e, holm in rows:
                w.writerow([d.plan, d.baseline, d.scope, d.name, d.metric, lab, e.mean, e.lo, e.hi, _significant(e), holm])
        return buf.getvalue()


def _check_comparable(plans: list[Plan]) -> list[str]:
    """Why these plans cannot be paired day by day (empty: they can): same intervals, same warm-up, a common contact type."""
    problems = []
    if len(plans) < 2:
        problems.append("a comparison needs at least two plans (two scenario files, or one file with a variants: section)")
        return problems
    ref = plans[0]
    for p in plans[1:]:
        if p.scenario.horizon.model_dump() != ref.scenario.horizon.model_dump():
            own, first = p.scenario.horizon, ref.scenario.horizon
            problems.append(
                f"plan '{p.label}': horizon {own.start} + {own.total_minutes:g} min in {own.interval_minutes}-min intervals differs from "
                f"plan '{ref.label}' ({first.start} + {first.total_minutes:g} min in {first.interval_minutes}-min intervals); plans must cover the same intervals"
            )
        if p.scenario.warmup_minutes != ref.scenario.warmup_minutes:
            problems.append(
                f"plan '{p.label}': warmup_minutes {p.scenario.warmup_minutes:g} differs from plan '{ref.label}' "
                f"({ref.scenario.warmup_minutes:g}); the same days need the same warm-up"
            )
    if not any(all(n in p.scenario.contact_types for p in plans) for n in ref.scenario.type_names):
        problems.append("the plans have no contact type in common, so nothing can be compared")
    return problems


def compare(
    scenarios: Sequence,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    baseline: str | int = 0,
    scheduler: str | None = None,
    precision: float | None = None,
    max_replications: int = MAX_REPLICATIONS,
) -> Comparison:
    """Simulate every plan on the same days and pair them replication by replication.

    ``scenarios``: scenarios (a single one with ``variants:`` means base + variants), ``Plan``s or
    ``(label, scenario)`` pairs. All plans run with one seed and one number of replications:
    ``seed``/``replications`` if given, else the first plan's (a note says so when plans disagree).
    All units go through ``run_units`` in one batch, so one progress bar covers every replication;
    they run replication by replication across the plans, so an interrupt leaves the early
    replications finished for every plan, and only those are kept (pairs stay pairs). With
    ``precision``, more batches follow for every plan alike until each plan's contact types' day
    service levels have a 95% half-width at most that (``runner.until_precise``).
    """
    plans = _as_plans(scenarios)
    problems = _check_comparable(plans)
    if problems:
        raise ComparisonError(problems)
    notes = []
    first = plans[0].scenario
    if seed is None:
        seed = first.seed
        others = sorted({p.scenario.seed for p in plans} - {seed})
        if others:
            notes.append(f"plans give different seeds ({', '.join(map(str, [seed] + others))}); all run with seed {seed} so they see the same days")
    if replications is None:
        replications = first.replications
        if len({p.scenario.replications for p in plans}) > 1:
            notes.append(f"plans give different replications; all run {replications}")
    plans = [Plan(p.label, p.scenario.model_copy(update={"seed": seed, "replications": replications}), p.source) for p in plans]
    try:
        b = baseline if isinstance(baseline, int) else [p.label for p in plans].index(baseline)
    except ValueError:
        raise ComparisonError([f"baseline '{baseline}' is not a plan (plans: {', '.join(p.label for p in plans)})"]) from None
    if not 0 <= b < len(plans):
        raise ComparisonError([f"baseline {baseline} is not a plan index (0..{len(plans) - 1})"])

    per_plan: list[list] = [[] for _ in plans]
    batches = []

    def run_batch(start: int, stop: int) -> bool:
        step = None if progress is None else (lambda done, total: progress(len(plans) * start + done, len(plans) * start + total))
        batch = run_units([(p.scenario, r) for r in range(start, stop) for p in plans], workers, step, scheduler=scheduler)
        batches.append(batch)
        for i, res in enumerate(per_plan):
            res.extend(batch.results[i :: len(plans)])
        return not batch.interrupted

    with session(workers, scheduler):  # batches of --precision share one pool; a plan given twice is simulated once
        replications = until_precise(run_batch, lambda: widest_half_width(first, per_plan), replications, precision, max_replications)
    interrupted = batches[-1].interrupted
    complete = [r for r in range(replications) if all(res[r] is not None for res in per_plan)]
    if not complete:
        raise KeyboardInterrupt
    wall = sum(b.wall_time_s for b in batches)
    results = [SimulationResult.from_replications(p.scenario, [res[r] for r in complete], wall, partial=interrupted) for p, res in zip(plans, per_plan)]
    if interrupted:
        notes.append(f"interrupted: {len(complete)} of {replications} replications finished for every plan; results are partial")
    return Comparison(
        plans=plans,
        results=results,
        seed=seed,
        replications=len(complete),
        labels=first.horizon.interval_labels(),
        baseline=b,
        notes=notes,
        partial=interrupted,
        wall_time_s=wall,
        _values=[_per_replication(p.scenario, r) for p, r in zip(plans, results)],
    )
