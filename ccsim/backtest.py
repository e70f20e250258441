"""Backtest: replay the planner's past days through the model and measure how well it fits.

Why: a planner will not trust next Tuesday's plan until the model has reproduced last Tuesday.
Each day of a contact log is replayed with what really happened on it: the logged arrivals (their
times and contact types, so forecast error is not part of the test), the logged handle time of every
contact that was answered, and the logged staffing. What a log cannot show comes from the scenario:
patience, the handle time of a contact nobody answered, routing and every behaviour. The
replications of a day differ only in what the model draws, so their spread is the model's own
uncertainty about that day.

Each interval's actual figures (service level, ASA, abandon rate, answered; occupancy per pool when
the log names who answered) are set against the simulated ones: their mean over replications and a
95% prediction band, the 2.5% and 97.5% quantiles of the replications' values. A model that fits
puts about 95% of the actual figures inside their bands (with R replications at most about
(R - 1) / (R + 1) of them, the chance that one more draw falls between the extremes of R) and errs
on either side equally often. The verdict reads the sign pattern of the errors: fewer abandons with
longer waits than reality point at patience set too long (customers who should have hung up stay in
the queue), less busy agents at handle times or shrinkage.

The actual figures are computed by the same functions as the simulated ones (``ccsim.metrics``),
from the tally the logged day would have left, so a service level means the same on both sides.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import time
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import stats as sps

from ._version import __version__
from .calibrate import CalibrationError, read_log
from .calibrate.logs import ContactLog
from .clock import format_clock
from .compare_text import NAMES, format_difference
from .config import MAX_AGENTS, ScenarioError
from .input_files import Grid, TableKeys, Wanted, interval_values
from .metrics import POOL_METRICS, TYPE_METRICS, stack_counters
from .model.tally import ReplicationStats
from .plans import concurrency, copy_scenario, with_plan
from .runner import Progress, run_units
from .scenario import MAX_FORECAST_BYTES, Arrivals, Scenario

#: The contact-type figures compared, in the order tables show them.
TYPE_FIGURES = ("service_level", "asa_seconds", "abandon_rate", "answered")
#: The pool figures compared, when the log says which pool answered each contact.
POOL_FIGURES = ("occupancy",)
#: Replications per day unless asked otherwise: a 95% band from fewer draws is little more than their extremes.
DEFAULT_REPLICATIONS = 20
#: The model fits when at least this share of the actual figures lies inside the simulated bands
#: (about 90% is the best 20 replications can do; see the module docstring) ...
FIT_COVERAGE = 0.8
#: ... and no figure errs to one side: more than this share of the intervals where simulation and
#: reality differ, with a sign test below ``SIDED_P`` (a chance that one-sided over that many intervals).
SIDED_SHARE = 0.65
SIDED_P = 0.001
#: Fewer intervals than this cannot show a one-sided error.
MIN_SIDED = 10
_SECONDS_PER_DAY = 86_400


class BacktestError(ValueError):
    """A log, staffing file or scenario the backtest cannot use; ``problems`` has one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- what the JSON, the report and the terminal show -------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of one interval: the actual value and the simulated mean, band and median (None where undefined)."""

    actual: float | None
    mean: float | None
    lo: float | None
    hi: float | None
    median: float | None

    @property
    def compared(self) -> bool:
        return self.actual is not None and self.lo is not None

    @property
    def covered(self) -> bool:
        return self.compared and self.lo - 1e-9 <= self.actual <= self.hi + 1e-9

    @property
    def parts(self) -> tuple[float | None, ...]:
        return self.actual, self.mean, self.lo, self.hi

    def simulated_dict(self) -> dict:
        return {"mean": self.mean, "band95": [self.lo, self.hi]}


@dataclass(frozen=True)
class IntervalRow:
    """The figures of one contact type (or pool) in one interval of one day."""

    date: dt.date
    interval_start: str
    name: str
    contacts: int  # logged contacts of the interval (of every type the pool serves, for a pool)
    figures: dict[str, Figure]

    def to_dict(self, key: str) -> dict:
        return {
            "date": self.date.isoformat(),
            "interval_start": self.interval_start,
            key: self.name,
            "actual": {m: f.actual for m, f in self.figures.items()},
            "simulated": {m: f.simulated_dict() for m, f in self.figures.items()},
        }


@dataclass(frozen=True)
class Day:
    """A day of the log: its contacts inside the horizon, and why it was not replayed (None if it was)."""

    date: dt.date
    contacts: int
    skipped: str | None = None

    def to_dict(self) -> dict:
        return {"date": self.date.isoformat(), "contacts": self.contacts, "replayed": self.skipped is None, "skipped": self.skipped}


@dataclass(frozen=True)
class MetricFit:
    """How one figure fits over every interval with logged contacts.

    ``bias`` is the mean of simulated minus actual (negative: the model is below reality), ``mae``
    its mean absolute value, both in the figure's own unit (a share, seconds, contacts). ``lower``
    and ``higher`` count the intervals whose simulated median is below or above the actual."""

    metric: str
    figures: int
    covered: int
    mae: float | None
    bias: float | None
    lower: int
    higher: int

    @property
    def coverage(self) -> float | None:
        return self.covered / self.figures if self.figures else None

    @property
    def side(self) -> int:
        """-1 or +1 when the model errs to one side (below or above reality), else 0."""
        differ = self.lower + self.higher
        if differ < MIN_SIDED:
            return 0
        most = max(self.lower, self.higher)
        if most / differ <= SIDED_SHARE or sps.binomtest(most, differ, 0.5).pvalue >= SIDED_P:
            return 0
        return 1 if self.higher > self.lower else -1

    def to_dict(self) -> dict:
        return {
            "coverage": self.coverage,
            "mae": self.mae,
            "bias": self.bias,
            "figures": self.figures,
            "simulated_lower": self.lower,
            "simulated_higher": self.higher,
            "one_sided": self.side != 0,
        }


@dataclass
class BacktestResult:
    """Every replayed day against its simulation: per interval, per figure, and the fit over all."""

    scenario: Scenario
    log: str
    staffing: str
    replications: int
    days: list[Day]
    by_interval: list[IntervalRow]  # day, interval, contact type
    by_interval_pool: list[IntervalRow]  # day, interval, pool (empty when the log names no pools)
    notes: list[str]
    wall_time_s: float = 0.0
    ccsim_version: str = __version__

    @property
    def replayed(self) -> list[Day]:
        return [d for d in self.days if d.skipped is None]

    @property
    def metrics(self) -> tuple[str, ...]:
        return TYPE_FIGURES + (POOL_FIGURES if self.by_interval_pool else ())

    def figures(self, metric: str) -> list[Figure]:
        """The compared figures of ``metric`` (intervals with logged contacts, the actual and the band defined)."""
        rows = self.by_interval_pool if metric in POOL_FIGURES else self.by_interval
        return [r.figures[metric] for r in rows if r.contacts and r.figures[metric].compared]

    @cached_property
    def fit(self) -> dict[str, MetricFit]:
        return {m: _fit(m, self.figures(m)) for m in self.metrics}

    @property
    def coverage(self) -> float | None:
        fits = self.fit.values()
        total = sum(f.figures for f in fits)
        return sum(f.covered for f in fits) / total if total else None

    @property
    def fits(self) -> bool:
        coverage = self.coverage
        return coverage is not None and coverage >= FIT_COVERAGE and not any(f.side for f in self.fit.values())

    @property
    def verdict(self) -> str:
        return verdict(self)

    def to_dict(self) -> dict:
        """The documented ``--json`` / ``backtest.json`` shape (docs/backtest.md)."""
        return {
            "ccsim_version": self.ccsim_version,
            "scenario": self.scenario.name,
            "log": self.log,
            "staffing": self.staffing,
            "seed": self.scenario.seed,
            "replications": self.replications,
            "wall_time_seconds": round(self.wall_time_s, 3),
            "days": [d.to_dict() for d in self.days],
            "by_interval": [r.to_dict("contact_type") for r in self.by_interval],
            "by_interval_pool": [r.to_dict("pool") for r in self.by_interval_pool],
            "fit": {"coverage": self.coverage, "fits": self.fits, "by_metric": {m: f.to_dict() for m, f in self.fit.items()}},
            "verdict": self.verdict,
            "notes": self.notes,
        }

    def interval_csv(self) -> str:
        """One row per day, interval and contact type (or pool): each figure's actual value and simulated mean and band."""
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["date", "interval_start", "contact_type", "pool"] + [f"{m}_{part}" for m in self.metrics for part in ("actual", "mean", "lo", "hi")])

        def write(r: IntervalRow, contact_type: str, pool: str) -> None:
            cells = [v for m in self.metrics for v in (r.figures[m].parts if m in r.figures else (None,) * 4)]
            writer.writerow([r.date.isoformat(), r.interval_start, contact_type, pool] + ["" if v is None else v for v in cells])

        for r in self.by_interval:
            write(r, r.name, "")
        for r in self.by_interval_pool:
            write(r, "", r.name)
        return buf.getvalue()


def _fit(metric: str, figures: list[Figure]) -> MetricFit:
    errors = [f.mean - f.actual for f in figures]
    return MetricFit(
        metric,
        len(figures),
        sum(f.covered for f in figures),
        sum(abs(e) for e in errors) / len(errors) if errors else None,
        sum(errors) / len(errors) if errors else None,
        sum(f.median < f.actual for f in figures),
        sum(f.median > f.actual for f in figures),
    )


#: The fit table's columns, as the terminal and the report show them.
FIT_HEADER = ("figure", "intervals", "in band", "MAE", "bias", "below", "above")
#: What the fit table's short headers mean.
FIT_CAPTION = (
    "in band: share of actual figures inside the simulated 95% band; MAE and bias: mean absolute and mean signed error, "
    "simulated minus actual; below / above: intervals whose simulated median is below / above the actual"
)


def fit_rows(result: BacktestResult) -> list[tuple[str, ...]]:
    """The fit table as text, one row per figure (the terminal and the report escape it)."""
    rows = []
    for m, f in result.fit.items():
        if not f.figures:
            rows.append((NAMES[m], "0") + ("n/a",) * 5)
            continue
        rows.append(
            (
                NAMES[m],
                f"{f.figures:,}",
                f"{f.coverage:.0%}",
                format_difference(m, f.mae)[1:],  # an absolute error: no sign
                format_difference(m, f.bias),
                f"{f.lower / f.figures:.0%}",
                f"{f.higher / f.figures:.0%}",
            )
        )
    return rows


# --- the verdict ---------------------------------------------------------------------------------

#: How a one-sided figure reads, below (-1) and above (+1) reality.
_READS = {
    "asa_seconds": ("answers faster than reality", "answers slower than reality"),
    "abandon_rate": ("loses fewer contacts than reality", "loses more contacts than reality"),
    "service_level": ("reaches a lower service level than reality", "reaches a higher service level than reality"),
    "answered": ("answers fewer contacts than reality", "answers more contacts than reality"),
    "occupancy": ("keeps agents less busy than reality", "keeps agents busier than reality"),
}
_MORE_CAPACITY = "the model has more capacity than reality: handle times too short, or agents on the staffing file who were not taking contacts (breaks, meetings: shrinkage); check handle times and shrinkage"
_LESS_CAPACITY = "the model has less capacity than reality: handle times too long (after-contact work counted twice?), or more agents answering than the staffing file shows; check handle times and the staffing file"


def bias_text(metric: str, bias: float) -> str:
    """'ASA bias +14.2 s', 'abandonment bias −3.1 pts', ..."""
    return f"{NAMES[metric]} bias {format_difference(metric, bias)}"


def likeliest_cause(sides: dict[str, int]) -> str | None:
    """The cause the sign pattern of one-sided figures points at (None when nothing is one-sided).

    ``slower``: waits longer than reality (ASA above, or else service level below); ``losing``:
    more abandons (abandon rate above, or else fewer answered)."""
    slower = sides.get("asa_seconds") or -sides.get("service_level", 0)
    losing = sides.get("abandon_rate") or -sides.get("answered", 0)
    if losing < 0 < slower:
        return "patience set too long: customers who should have hung up stay in the queue and wait; check patience"
    if slower < 0 < losing:
        return "patience set too short: customers hang up sooner in the model than in reality; check patience"
    if losing < 0 or slower < 0:
        return _MORE_CAPACITY
    if losing > 0 or slower > 0:
        return _LESS_CAPACITY
    busy = sides.get("occupancy", 0)
    if busy < 0:
        return "handle times too short, or shrinkage missing from the scenario; check handle times and shrinkage"
    if busy > 0:
        return "handle times too long (after-contact work counted twice?), or shrinkage the staffing file already took out; check handle times and shrinkage"
    return None


def verdict(result: BacktestResult) -> str:
    """One plain sentence: the model reproduces these days, or how it is biased and the likeliest cause."""
    days = len(result.replayed)
    coverage = result.coverage
    if coverage is None:
        return "nothing to compare: no replayed interval has logged contacts"
    fit = result.fit
    sides = {m: f.side for m, f in fit.items() if f.side}
    inside = f"{coverage:.0%} of the actual interval figures lie inside the simulated 95% band"
    if not sides:
        if coverage >= FIT_COVERAGE:
            return f"the model reproduces these {days} day{'s' * (days != 1)}: {inside}, and it errs to neither side"
        return (
            f"the model does not fit: only {inside}; it errs to neither side, so reality varies more than the model: "
            "look for what the scenario lacks (routing, breaks, behaviours the log shows)"
        )
    # one figure for the waits and one for the losses (the fit table has the rest); occupancy when neither is one-sided
    shown = [next((m for m in group if m in sides), None) for group in (("asa_seconds", "service_level"), ("abandon_rate", "answered"))]
    shown = [m for m in shown if m is not None] or list(sides)
    phrases = []
    for m in shown:
        f = fit[m]
        share = (f.higher if sides[m] > 0 else f.lower) / f.figures
        phrases.append(f"{_READS[m][sides[m] > 0]} in {share:.0%}{' of intervals' if not phrases else ''} ({bias_text(m, f.bias)})")
    return f"the model is biased: it {' and '.join(phrases)}; likeliest cause: {likeliest_cause(sides)}"


# --- replaying the days --------------------------------------------------------------------------


@dataclass(frozen=True)
class _DayLog:
    """The logged contacts of one horizon day, in the scenario's indices; times in seconds after the horizon starts."""

    date: dt.date
    type_idx: np.ndarray
    at_s: np.ndarray
    answered: np.ndarray
    wait_s: np.ndarray
    handle_s: np.ndarray  # NaN where not observed
    pool_idx: np.ndarray  # the scenario's pool index, -1 where the log names none


def backtest(
    log: str | Path,
    scenario: Scenario,
    staffing: str | Path,
    *,
    replications: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    columns: str | dict[str, str] | None = None,
    tz: str | None = None,
    time_format: str | None = None,
    dayfirst: bool = False,
) -> BacktestResult:
    """Replay every day of ``log`` (a contact log as ``ccsim calibrate`` reads it, with its column
    and time options) with the agents ``staffing`` gives per day, interval and pool, ``replications``
    times, and compare. Raises ``BacktestError`` for input it cannot use, KeyboardInterrupt if
    interrupted (a part of the days would be a misleading fit). ``replications`` defaults to
    ``DEFAULT_REPLICATIONS``."""
    started = time.perf_counter()
    replications = replications or DEFAULT_REPLICATIONS
    log, staffing = Path(log), Path(staffing)
    if scenario.horizon.length_s > _SECONDS_PER_DAY:
        raise BacktestError([f"horizon: {scenario.horizon.length_s / 3600:g} hours; a backtest replays one day at a time, so the scenario's horizon is at most 24 hours"])
    try:
        contacts = read_log(log, columns=columns, tz=tz, time_format=time_format, dayfirst=dayfirst)
    except CalibrationError as exc:
        raise BacktestError(exc.problems) from None
    notes = [contacts.file_note] if contacts.file_note else []
    day_logs, outside = _days_of(contacts, scenario)
    if outside:
        hz = scenario.horizon
        span = f"{format_clock(hz.start_minute)}-{format_clock(round(hz.start_minute + hz.total_minutes), with_day=False)}"
        notes.append(f"{outside:,} contacts of {log.name} arrive outside the scenario's horizon ({span}) and are not replayed")
    why_not = _no_occupancy(contacts, scenario)
    if why_not:
        notes.append(f"occupancy is not compared: {why_not}")
    days, plans = [], []
    for day in day_logs:
        plan, why = _staffing_of(staffing, scenario, day.date)
        days.append(Day(day.date, len(day.at_s), why))
        if plan is not None:
            plans.append((day, plan))
    if not plans:
        reasons = list(dict.fromkeys(d.skipped for d in days))
        first, last = days[0].date, days[-1].date
        raise BacktestError(
            [f"{log.name} ({first} to {last}) and {staffing.name} share no day with staffing for every interval of the horizon: nothing to replay"] + reasons[:5]
        )
    notes += _notes(scenario)
    day_scenarios = [_replayed(scenario, day, plan, replications) for day, plan in plans]
    units = [(sc, r) for sc in day_scenarios for r in range(replications)]
    batch = run_units(units, workers, progress, scheduler=scheduler)
    if batch.interrupted:
        raise KeyboardInterrupt
    by_interval, by_pool = [], []
    for k, (day, plan) in enumerate(plans):
        stats = batch.results[k * replications : (k + 1) * replications]
        types, pools = _rows(scenario, day, plan, stats, why_not is None)
        by_interval += types
        by_pool += pools
    return BacktestResult(scenario, str(log), str(staffing), replications, days, by_interval, by_pool, notes, time.perf_counter() - started)


def _no_occupancy(contacts: ContactLog, scenario: Scenario) -> str | None:
    """Why occupancy cannot be compared, or None: it needs the pool of every answered contact, one the scenario has."""
    if contacts.pool_idx is None:
        return "the log has no pool column (map one with --columns pool=...)"
    foreign = [p for p in contacts.pools if p not in scenario.agent_pools]
    if foreign:
        return f"the log's pool {', '.join(repr(p) for p in foreign)} is not one of the scenario's ({', '.join(scenario.pool_names)})"
    if (contacts.pool_idx[contacts.answered] < 0).any():
        return "the log leaves the pool of some answered contacts empty"
    return None


def _days_of(contacts: ContactLog, scenario: Scenario) -> tuple[list[_DayLog], int]:
    """The log cut into horizon days (a night horizon's day runs past midnight), and how many
    contacts fall outside every horizon. Contact types and pools the scenario lacks are errors."""
    hz = scenario.horizon
    unknown = [t for t in contacts.types if t not in scenario.contact_types]
    if unknown:
        raise BacktestError(
            [f"{Path(contacts.source).name}: contact type '{t}' is not in the scenario (its types: {', '.join(scenario.type_names)})" for t in unknown]
        )
    type_map = np.array([scenario.type_names.index(t) for t in contacts.types])
    if contacts.pool_idx is not None:
        pool_map = np.array([scenario.pool_names.index(p) if p in scenario.agent_pools else -1 for p in contacts.pools] + [-1])
        pools = pool_map[contacts.pool_idx]  # -1 (no pool) indexes the trailing -1
    else:
        pools = np.full(contacts.rows, -1)
    offset = contacts.clock_s - hz.start_minute * 60.0
    day = contacts.day - (offset < 0)  # before the horizon's start: the horizon that began the day before
    offset = np.where(offset < 0, offset + _SECONDS_PER_DAY, offset)
    inside = offset < hz.length_s
    days = []
    for ordinal in np.unique(day[inside]):
        keep = inside & (day == ordinal)
        days.append(
            _DayLog(
                dt.date.fromordinal(int(ordinal)),
                type_map[contacts.type_idx[keep]],
                offset[keep],
                contacts.answered[keep],
                contacts.wait_s[keep],
                contacts.handle_s[keep],
                pools[keep],
            )
        )
    return days, int((~inside).sum())


def _staffing_of(path: Path, scenario: Scenario, date: dt.date) -> tuple[dict[str, list[int]] | None, str | None]:
    """The agents per pool and interval ``path`` gives on ``date``, or None and why not (the reader's own line)."""
    hz = scenario.horizon
    wanted = [Wanted(pool, "a whole number of agents", MAX_AGENTS, whole=True) for pool in scenario.pool_names]
    try:
        values, _ = interval_values(path, "staffing", TableKeys(date=date), wanted, Grid(hz.start_minute, hz.interval_minutes, hz.n_intervals), MAX_FORECAST_BYTES)
    except ScenarioError as exc:
        return None, "; ".join(exc.problems)
    return {pool: [int(v) for v in column] for pool, column in zip(scenario.pool_names, values)}, None


def _notes(scenario: Scenario) -> list[str]:
    """What the scenario does that a replay of a log counts twice."""
    notes = []
    adding = sorted(
        {key for ct in scenario.contact_types.values() for key in ("redial", "transfers", "resolution", "self_service") if getattr(ct, key) is not None}
    )
    if adding:
        notes.append(
            f"the scenario's {', '.join(adding)} change the attempts that reach the queues, which the log already holds as they came: "
            "the replay has them twice (switch them off for a backtest, or read the figures with that in mind)"
        )
    wrapping = sorted(name for name, ct in scenario.contact_types.items() if ct.after_contact_work is not None)
    if wrapping:
        notes.append(
            f"{', '.join(wrapping)}: the scenario adds after_contact_work to every logged handle time, which is end minus answer "
            "and so already holds the wrap-up when end_time includes it"
        )
    factors = sorted({name for pool in scenario.agent_pools.values() for name, skill in pool.skill_details.items() if skill.handle_factor != 1})
    if factors:
        notes.append(f"{', '.join(factors)}: the pools' handle_factor scales every logged handle time, which already is the pace of the pool that answered")
    if scenario.variants:
        notes.append(f"the scenario's variants ({', '.join(scenario.variants)}) are not replayed: the base is")
    return notes


def _replayed(scenario: Scenario, day: _DayLog, plan: dict[str, list[int]], replications: int) -> Scenario:
    """The scenario replaying one day: its arrivals and handle times scripted, its staffing the logged one."""
    types = {}
    for k, (name, ct) in enumerate(scenario.contact_types.items()):
        mine = day.type_idx == k
        handle = [None if math.isnan(h) else h for h in day.handle_s[mine].tolist()]
        types[name] = ct.model_copy(update={"arrivals": Arrivals(at_seconds=day.at_s[mine].tolist(), handle_seconds=handle)})
    # each day its own seed, from the date: a day replays the same whichever other days the log holds
    seed = int(np.random.SeedSequence([scenario.seed, day.date.toordinal()]).generate_state(1)[0])
    return copy_scenario(with_plan(scenario, plan), contact_types=types, seed=seed, replications=replications, variants={})


def _actual(scenario: Scenario, day: _DayLog, plan: dict[str, list[int]]) -> ReplicationStats:
    """The tally the logged day would have left, so its figures come from the metrics' own formulas."""
    hz = scenario.horizon
    n, n_types, n_pools = hz.n_intervals, len(scenario.contact_types), len(scenario.agent_pools)
    slot = np.minimum((day.at_s // hz.interval_s).astype(int), n - 1)
    sl_seconds = np.array([ct.service_level.seconds for ct in scenario.contact_types.values()])[day.type_idx]
    short_s = np.array([ct.service_level.short_abandon_seconds for ct in scenario.contact_types.values()])[day.type_idx]
    answered, abandoned = day.answered, ~day.answered

    def count(weights) -> np.ndarray:
        out = np.zeros((n_types, n))
        np.add.at(out, (day.type_idx, slot), weights)
        return out

    counters = {
        "offered": count(1.0),
        "answered": count(answered.astype(float)),
        "abandoned": count(abandoned.astype(float)),
        "within_sl": count((answered & (day.wait_s <= sl_seconds)).astype(float)),
        "short_abandoned": count((abandoned & (day.wait_s <= short_s)).astype(float)),
        "wait_answered_sum": count(np.where(answered, day.wait_s, 0.0)),
    }
    # busy agent-seconds of each pool in each interval, from the answered contacts' service
    served = answered & (day.pool_idx >= 0)
    begin = day.at_s[served] + day.wait_s[served]
    end = begin + day.handle_s[served]
    edges = np.arange(n + 1) * hz.interval_s
    overlap = np.clip(np.minimum(end[:, None], edges[None, 1:]) - np.maximum(begin[:, None], edges[None, :-1]), 0.0, None)
    busy = np.zeros((n_pools, n))
    np.add.at(busy, day.pool_idx[served], overlap)
    return ReplicationStats(
        counters=counters,
        pool_levels={"busy_area": busy, "staffed_area": _staffed_area(scenario, plan)},
        day_wait_hist=np.zeros((n_types, 1)),
        wait_quantiles={},
    )


def _staffed_area(scenario: Scenario, plan: dict[str, list[int]]) -> np.ndarray:
    """Agent-seconds (chat seats for a chat pool) the staffing file gives each pool in each interval:
    the one denominator of occupancy, actual and simulated, whatever the model's shrinkage leaves present."""
    return np.array([np.asarray(plan[name], float) * concurrency(pool) for name, pool in scenario.agent_pools.items()]) * scenario.horizon.interval_s


_TYPE_METRICS = {m.name: m for m in TYPE_METRICS}
_POOL_METRICS = {m.name: m for m in POOL_METRICS}


def _values(scenario: Scenario, stats: list[ReplicationStats], staffed: np.ndarray) -> tuple[dict, dict]:
    """Per figure, its (replications, types or pools, intervals) values."""
    hz = scenario.horizon
    types, pools = stack_counters(stats, [ct.service_level.definition for ct in scenario.contact_types.values()], hz)
    pools["staffed_area"] = np.broadcast_to(staffed, pools["busy_area"].shape)
    return {m: _TYPE_METRICS[m].per_interval(types) for m in TYPE_FIGURES}, {m: _POOL_METRICS[m].per_interval(pools) for m in POOL_FIGURES}


def _band(values: np.ndarray) -> list[np.ndarray]:
    """Mean, 2.5% and 97.5% quantiles and median over replications (axis 0), NaN where no replication has the figure."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an interval no replication defines (no answer: no ASA)
        return [np.nanmean(values, axis=0), *np.nanquantile(values, [0.025, 0.975, 0.5], axis=0)]


def _number(x) -> float | None:
    return float(x) if math.isfinite(x) else None


def _rows(scenario: Scenario, day: _DayLog, plan: dict[str, list[int]], stats: list[ReplicationStats], compare_pools: bool) -> tuple[list[IntervalRow], list[IntervalRow]]:
    hz = scenario.horizon
    labels = hz.interval_labels()
    staffed = _staffed_area(scenario, plan)
    actual_t, actual_p = _values(scenario, [_actual(scenario, day, plan)], staffed)
    sim_t, sim_p = _values(scenario, stats, staffed)
    slot = np.minimum((day.at_s // hz.interval_s).astype(int), hz.n_intervals - 1)
    contacts = np.zeros((len(scenario.contact_types), hz.n_intervals), int)
    np.add.at(contacts, (day.type_idx, slot), 1)

    def rows(names, actual, sim, counts) -> list[IntervalRow]:
        bands = {m: _band(v) for m, v in sim.items()}
        return [
            IntervalRow(
                day.date,
                labels[i],
                name,
                int(counts[k, i]),
                {m: Figure(_number(actual[m][0, k, i]), *(_number(b[k, i]) for b in bands[m])) for m in sim},
            )
            for i in range(hz.n_intervals)
            for k, name in enumerate(names)
        ]

    by_type = rows(scenario.type_names, actual_t, sim_t, contacts)
    if not compare_pools:
        return by_type, []
    serves = np.array([[name in pool.skill_levels for name in scenario.type_names] for pool in scenario.agent_pools.values()], int)
    return by_type, rows(scenario.pool_names, actual_p, sim_p, serves @ contacts)
