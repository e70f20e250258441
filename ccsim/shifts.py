"""Shift plans: turn a required-agents curve into shifts that cover it at the fewest paid hours.

Why an integer program: a planner's question is "which shifts, starting when, how many of each",
under rules (allowed lengths and start times, breaks, opening hours, a minimum and maximum head
count). Each admissible shift pattern (kind x start x break placement) is a column of a covering
problem; ``scipy.optimize.milp`` (HiGHS) picks how many agents work each pattern, for the fewest
agent-hours on duty (then the fewest paid hours) covering the requirement. Coverage that cannot be
bought within the rules becomes a slack variable with a penalty far above any shift's hours, so
the optimiser always answers and reports the intervals it could not cover instead of failing.

Why the plan has more agent-hours than the requirement, and which rule forces them: the same
problem is solved again with the rules relaxed one after the other (``RELAXATIONS``: minimum on
duty, shift counts, opening hours, available start times, break windows, minimum shift length);
each relaxation's drop in agent-hours above the requirement is what that rule costs. With every
rule relaxed a shift may last one interval and start at any, so nothing is left above the
requirement. The split depends on the order, as any such split does: it is an explanation, not a
bill.

Two things called "shifts" live in a scenario and must not be confused:

* the top-level ``shifts:`` section holds these *rules* for ``ccsim staff`` (``ShiftRules``);
* ``agent_pools -> POOL -> shifts`` is an actual *roster* (start, end, count, breaks) that the
  simulation runs. ``ShiftPlan.roster`` turns an optimised plan into that form.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Callable

import numpy as np
from pydantic import Field, field_validator, model_validator

from .clock import format_clock
from .config import MAX_AGENTS, ClockTime, ScenarioError, Strict, format_validation_error, parse_clock
from .weekdays import check_keys

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Horizon


class BreakRule(Strict):
    """A break every agent of a shift kind takes, placed by the optimiser inside a window."""

    minutes: Annotated[int, Field(gt=0, le=240)] = Field(description="length of the break, minutes")
    earliest_after_minutes: Annotated[int, Field(ge=0)] = Field(description="earliest start of the break, minutes after the shift starts")
    latest_after_minutes: Annotated[int, Field(ge=0)] | None = Field(
        None, description="latest start of the break, minutes after the shift starts (default: the earliest, i.e. a fixed break)"
    )
    paid: bool = Field(False, description="whether the break counts as paid time")

    @model_validator(mode="after")
    def _window(self):
        if self.latest_after_minutes is not None and self.latest_after_minutes < self.earliest_after_minutes:
            raise ValueError("latest_after_minutes must be >= earliest_after_minutes")
        return self

    @property
    def latest(self) -> int:
        return self.earliest_after_minutes if self.latest_after_minutes is None else self.latest_after_minutes


class ShiftKind(Strict):
    """One allowed shift length with its breaks and, optionally, its own start window."""

    name: str | None = Field(None, description="label in reports (default: the length, e.g. '8h')")
    hours: Annotated[float, Field(gt=0, le=16)] = Field(description="shift length including breaks, hours")
    breaks: list[BreakRule] = Field(default_factory=list, description="breaks taken during the shift")
    earliest_start: ClockTime | None = Field(None, description="earliest start for this kind, HH:MM (default: opening time)")
    latest_start: ClockTime | None = Field(None, description="latest start for this kind, HH:MM (default: the last start that ends by closing)")
    max_count: Annotated[int, Field(ge=0)] | None = Field(None, description="at most this many shifts of this kind in the day")

    @model_validator(mode="after")
    def _breaks_fit(self):
        for b in self.breaks:
            if b.latest + b.minutes > self.hours * 60:
                raise ValueError(f"a {b.minutes}-minute break starting {b.latest} min in does not fit a {self.hours:g}-hour shift")
        return self

    @property
    def label(self) -> str:
        return self.name or f"{self.hours:g}h"

    @property
    def paid_hours(self) -> float:
        return self.hours - sum(b.minutes for b in self.breaks if not b.paid) / 60.0


class Contract(Strict):
    """Agent lines on one contract: how many the pool has, and the weekly paid hours each works."""

    hours: Annotated[float, Field(gt=0, le=168)] = Field(description="weekly paid hours of each line: at most this")
    min_hours: Annotated[float, Field(ge=0, le=168)] | None = Field(
        None, description="weekly paid hours of a line that works: at least this (default: hours less the longest shift's paid hours)"
    )
    count: Annotated[int, Field(ge=0, le=MAX_AGENTS)] = Field(description="lines of this contract available (per pool); the roster uses those it needs")

    @model_validator(mode="after")
    def _range(self):
        if self.min_hours is not None and self.min_hours > self.hours:
            raise ValueError(f"min_hours ({self.min_hours:g}) is above hours ({self.hours:g})")
        return self


class StartWindow(Strict):
    """Earliest and latest shift start on some days of the week, on top of each kind's own window."""

    earliest: ClockTime | None = Field(None, description="no shift starts before this, HH:MM")
    latest: ClockTime | None = Field(None, description="no shift starts after this, HH:MM")


class WeekRules(Strict):
    """Rules for a week of shifts per agent line (``ccsim staff --week``), beside the day's rules.

    A line is one agent's week. Lines are available, not obliged: a line the requirement does not
    need is left out, and a line that works is held to every rule below.
    """

    days_per_week: Annotated[int, Field(ge=1, le=7)] = Field(5, description="a line works at most this many days of the week")
    max_consecutive_days: Annotated[int, Field(ge=1, le=7)] = Field(5, description="a line works at most this many days in a row")
    min_rest_hours: Annotated[float, Field(ge=0, le=24)] = Field(11, description="hours from the end of a line's shift to the start of its next one, at least")
    consecutive_days_off: Annotated[int, Field(ge=0, le=7)] = Field(
        2, description="a line's days off include a run of at least this many days in a row, within the planned week (it does not wrap)"
    )
    contract_hours: list[Annotated[float, Field(gt=0, le=168)]] | None = Field(
        None, description="one entry per agent line: its weekly paid hours (instead of contracts; at least hours less the longest shift)"
    )
    contracts: dict[str, Contract] | None = Field(None, description="lines by contract, e.g. {full_time: {hours: 40, count: 20}} (instead of contract_hours)")
    starts: dict[str, StartWindow] | None = Field(
        None, description="start windows by weekday, range or date, e.g. {sat: {earliest: \"09:00\", latest: \"10:00\"}}"
    )

    @model_validator(mode="after")
    def _one_source(self):
        if (self.contract_hours is None) == (self.contracts is None):
            raise ValueError("give exactly one of contract_hours (one entry per line) or contracts (hours and count per contract)")
        if self.contract_hours is not None and not self.contract_hours:
            raise ValueError("contract_hours: must not be empty")
        return self

    @field_validator("starts")
    @classmethod
    def _day_keys(cls, value):
        for problem in check_keys(value or {}):
            raise ValueError(problem)
        return value

    def contract_lines(self, longest_shift_hours: float) -> dict[str, Contract]:
        """The lines as contracts, ``contract_hours`` grouped by their hours ('40h': 20 lines), each
        with its ``min_hours`` filled in (default: within one longest shift of the contract)."""
        if self.contracts is not None:
            named = self.contracts
        else:
            named = {f"{h:g}h": Contract(hours=h, count=self.contract_hours.count(h)) for h in dict.fromkeys(self.contract_hours)}
        return {
            name: c if c.min_hours is not None else c.model_copy(update={"min_hours": max(0.0, c.hours - longest_shift_hours)})
            for name, c in named.items()
        }


class ShiftRules(Strict):
    """Rules for ``ccsim staff``'s shift optimiser (top-level ``shifts:``; not a roster).

    A roster of actual shifts (start, end, count) belongs under ``agent_pools -> POOL -> shifts``.
    """

    kinds: Annotated[list[ShiftKind], Field(min_length=1)] = Field(description="allowed shift kinds (lengths, breaks, start windows)")
    start_every_minutes: Annotated[int, Field(gt=0, le=1440)] | None = Field(
        None, description="shifts start on this grid of minutes after opening (default: the scenario's interval length)"
    )
    open: ClockTime | None = Field(None, description="opening time, HH:MM: no shift starts before it (default: the horizon start)")
    close: ClockTime | None = Field(None, description="closing time, HH:MM: no shift ends after it (default: the horizon end)")
    min_agents: Annotated[int, Field(ge=0)] = Field(0, description="minimum agents on duty in every open interval (per pool)")
    max_agents: Annotated[int, Field(ge=0)] | None = Field(None, description="maximum agents on duty in any interval, e.g. seats (per pool)")
    max_shifts: Annotated[int, Field(ge=0)] | None = Field(None, description="maximum shifts (people) in the day (per pool)")
    pools: list[str] | None = Field(None, description="agent pools planned with these rules (default: every pool)")
    week: WeekRules | None = Field(None, description="rules for a week of shifts per agent line: days, rest, days off, contracts")

    @model_validator(mode="before")
    @classmethod
    def _not_a_roster(cls, v):
        if isinstance(v, list):
            raise ValueError(
                "top-level shifts: holds RULES for `ccsim staff` (kinds, start_every_minutes, open, close, min_agents, ...); "
                "a roster of actual shifts (start, end, count) goes under agent_pools -> POOL -> shifts"
            )
        return v

    @model_validator(mode="after")
    def _bounds(self):
        if self.max_agents is not None and self.min_agents > self.max_agents:
            raise ValueError(f"min_agents ({self.min_agents}) is above max_agents ({self.max_agents})")
        return self


def rules_problems(rules: ShiftRules, pool_names: list[str], where: str = "shifts") -> list[str]:
    """Checks against the scenario (called from scenario validation)."""
    problems = []
    for p in rules.pools or []:
        if p not in pool_names:
            problems.append(f"{where} -> pools: '{p}' is not an agent pool (known: {', '.join(pool_names)})")
    return problems


def load_shift_rules(path) -> ShiftRules:
    """Read a ``--shifts`` file: either the rules themselves or a file with a top-level ``shifts:``."""
    from pathlib import Path

    from pydantic import ValidationError

    from .input_files import load_yaml

    path = Path(path)
    raw = load_yaml(path, "shift rules")
    if isinstance(raw, dict) and "shifts" in raw and "kinds" not in raw:
        raw = raw["shifts"]
    try:
        return ShiftRules.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError([f"{path}: shifts -> {line}" for line in format_validation_error(err, raw)], str(path)) from None


# --- the optimiser ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """One column of the covering problem: a kind starting at a minute with its breaks placed."""

    kind: str
    start_min: int  # minutes after the horizon start
    end_min: int
    breaks: tuple[tuple[int, int], ...]  # (start, minutes) after the horizon start
    paid_hours: float

    @property
    def duty_hours(self) -> float:
        """Hours on duty: the shift less all its breaks, paid or not."""
        return (self.end_min - self.start_min - sum(m for _, m in self.breaks)) / 60.0


class Coverage:
    """Agents on duty (``coverage``, a break inside an interval counting in part) against the
    ``required`` agents per interval: what a day's shift plan and a week's roster both answer."""

    coverage: list[float]
    required: list[int]

    def staffing(self) -> list[int]:
        """Agents on duty per interval (coverage rounded, as the engine rounds a roster)."""
        return [int(math.floor(c + 0.5 + 1e-9)) for c in self.coverage]

    def over(self) -> list[float]:
        """Agents on duty above the requirement, per interval (0 where at or below it)."""
        return [max(0.0, c - r) for c, r in zip(self.coverage, self.required)]

    def under(self) -> list[float]:
        """Agents on duty below the requirement, per interval (0 where at or above it)."""
        return [max(0.0, r - c) for c, r in zip(self.coverage, self.required)]


@dataclass
class ShiftPlan(Coverage):
    """The optimiser's answer for one pool: how many agents work each pattern, and what it covers."""

    pool: str
    labels: list[str]
    required: list[int]
    coverage: list[float]
    uncovered: list[float]  # agents short per interval (0 where covered)
    shifts: list[tuple[Pattern, int]]
    paid_hours: float
    status: str
    day_start_min: int
    interval_minutes: float = 60.0
    excess_by_rule: list[dict] = field(default_factory=list)  # [{rule, label, agent_hours}]: see RELAXATIONS

    @property
    def uncovered_intervals(self) -> list[str]:
        return [lab for lab, u in zip(self.labels, self.uncovered) if u > 1e-6]

    @property
    def agent_hours(self) -> float:
        """Agent-hours on duty (breaks out)."""
        return sum(self.coverage) * self.interval_minutes / 60.0

    @property
    def required_agent_hours(self) -> float:
        return sum(self.required) * self.interval_minutes / 60.0

    @property
    def excess_agent_hours(self) -> float:
        """Agent-hours on duty above the requirement, summed over the intervals."""
        return sum(self.over()) * self.interval_minutes / 60.0

    def roster(self) -> list[dict]:
        """The plan as ``agent_pools -> POOL -> shifts`` entries (start, end, count, breaks)."""

        def clock(m: int) -> str:
            return format_clock(self.day_start_min + m, with_day=False)

        out = []
        for pat, count in self.shifts:
            out.append(
                {
                    "start": clock(pat.start_min),
                    "end": clock(pat.end_min),
                    "count": count,
                    "breaks": [{"start": clock(s), "minutes": m} for s, m in pat.breaks],
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "pool": self.pool,
            "status": self.status,
            "paid_hours": round(self.paid_hours, 3),
            "shifts": [
                {"kind": p.kind, **r, "paid_hours": p.paid_hours}
                for (p, _), r in zip(self.shifts, self.roster())
            ],
            "uncovered_intervals": [
                {"interval_start": lab, "agents_short": round(u, 3)} for lab, u in zip(self.labels, self.uncovered) if u > 1e-6
            ],
            "coverage": [
                {"interval_start": lab, "required": r, "scheduled": round(c, 3), "over": round(o, 3), "under": round(u, 3)}
                for lab, r, c, o, u in zip(self.labels, self.required, self.coverage, self.over(), self.under())
            ],
            "agent_hours": round(self.agent_hours, 3),
            "required_agent_hours": round(self.required_agent_hours, 3),
            "excess_agent_hours": round(self.excess_agent_hours, 3),
            "excess_by_rule": self.excess_by_rule,
        }


def patterns(rules: ShiftRules, horizon: "Horizon") -> list[Pattern]:
    """Every admissible shift pattern inside the opening hours, on the start grid."""
    day0 = horizon.start_minute
    length = int(round(horizon.total_minutes))
    open_m = 0 if rules.open is None else (parse_clock(rules.open) - day0) % 1440
    close_m = length if rules.close is None else (parse_clock(rules.close) - day0) % 1440 or 1440
    close_m = min(close_m, length)
    return open_patterns(rules, open_m, close_m, rules.start_every_minutes or horizon.interval_minutes, day0)


def open_patterns(
    rules: ShiftRules, open_m: int, close_m: int, step: int, day0: int = 0, window: tuple[int | None, int | None] = (None, None)
) -> list[Pattern]:
    """Every pattern within one stretch of opening hours (minutes after a grid that starts at clock
    minute ``day0``), starting every ``step`` minutes from opening, each kind within its own start
    window and within ``window`` (earliest, latest start on the grid; None: no limit)."""
    out = []
    for kind in rules.kinds:
        dur = int(round(kind.hours * 60))
        lo = open_m if kind.earliest_start is None else max(open_m, (parse_clock(kind.earliest_start) - day0) % 1440)
        hi = close_m - dur if kind.latest_start is None else min(close_m - dur, (parse_clock(kind.latest_start) - day0) % 1440)
        lo = lo if window[0] is None else max(lo, window[0])
        hi = hi if window[1] is None else min(hi, window[1])
        start = open_m
        while start <= hi:
            if start >= lo:
                windows = [range(b.earliest_after_minutes, b.latest + 1, step) for b in kind.breaks]
                for offsets in itertools.product(*windows):
                    brks = tuple((start + o, b.minutes) for o, b in zip(offsets, kind.breaks))
                    out.append(Pattern(kind.label, start, start + dur, brks, kind.paid_hours))
            start += step
    return out


def coverage_row(pat: Pattern, n: int, interval_min: float) -> np.ndarray:
    """Share of each interval the pattern's agent is on duty (breaks cut out)."""
    row = np.zeros(n)
    pieces = [(pat.start_min, pat.end_min)]
    for bs, bm in pat.breaks:
        be = bs + bm
        nxt = []
        for a, z in pieces:
            if be <= a or bs >= z:
                nxt.append((a, z))
                continue
            if bs > a:
                nxt.append((a, bs))
            if be < z:
                nxt.append((be, z))
        pieces = nxt
    for a, z in pieces:
        for i in range(int(a // interval_min), min(n, int(math.ceil(z / interval_min)))):
            lo, hi = i * interval_min, (i + 1) * interval_min
            row[i] += max(0.0, min(z, hi) - max(a, lo)) / interval_min
    return row


def count_limits(rules: ShiftRules, pats: list[Pattern]) -> list[tuple[np.ndarray, int]]:
    """The day's head-count rules over a day's patterns: (which patterns count, at most how many
    shifts of them), for ``max_shifts`` and each kind's ``max_count``."""
    limits = []
    if rules.max_shifts is not None and pats:
        limits.append((np.ones(len(pats)), rules.max_shifts))
    for kind in rules.kinds:
        if kind.max_count is not None and pats:
            limits.append((np.array([p.kind == kind.label for p in pats], float), kind.max_count))
    return limits


@dataclass
class _Cover:
    """One solution of the covering problem: agents per pattern, and what they put on duty."""

    patterns: list[Pattern]
    counts: np.ndarray
    coverage: np.ndarray
    uncovered: np.ndarray
    status: str


def _cover(required: np.ndarray, rules: ShiftRules, horizon: "Horizon", time_limit_s: float) -> _Cover:
    """Fewest agent-hours on duty (then paid hours) covering ``required`` under ``rules``; what
    cannot be covered is a penalised slack."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = horizon.n_intervals
    pats = patterns(rules, horizon)
    m = len(pats)
    a = np.array([coverage_row(p, n, horizon.interval_minutes) for p in pats]).T if m else np.zeros((n, 0))
    day0 = horizon.start_minute
    open_m = 0 if rules.open is None else (parse_clock(rules.open) - day0) % 1440
    close_m = horizon.total_minutes if rules.close is None else ((parse_clock(rules.close) - day0) % 1440 or 1440)
    is_open = np.array([(i * horizon.interval_minutes >= open_m) and ((i + 1) * horizon.interval_minutes <= close_m) for i in range(n)])
    need = np.maximum(required, np.where(is_open, rules.min_agents, 0))
    penalty = 100.0 * max(max((p.paid_hours for p in pats), default=1.0), 1.0)
    # variables: x (m patterns, integer) then u (n shortfalls, continuous); paid hours break ties
    c = np.concatenate([[p.duty_hours + 1e-3 * p.paid_hours for p in pats], np.full(n, penalty)])
    rows = [LinearConstraint(np.hstack([a, np.eye(n)]), need, np.inf)]
    if rules.max_agents is not None and m:
        rows.append(LinearConstraint(np.hstack([a, np.zeros((n, n))]), -np.inf, rules.max_agents))
    for mask, most in count_limits(rules, pats):
        rows.append(LinearConstraint(np.concatenate([mask, np.zeros(n)])[None, :], -np.inf, most))
    integrality = np.concatenate([np.ones(m), np.zeros(n)])
    res = milp(c, constraints=rows, integrality=integrality, bounds=Bounds(0, np.inf), options={"time_limit": time_limit_s})
    if res.x is None:  # cannot happen with the slacks, but never crash a planner's run
        return _Cover(pats, np.zeros(m, int), np.zeros(n), need.copy(), f"solver failed: {res.message}")
    x = np.round(res.x[:m]).astype(int)
    coverage = a @ x if m else np.zeros(n)
    status = "optimal" if res.status == 0 else f"time limit: best plan found ({res.message})"
    return _Cover(pats, x, coverage, np.maximum(0.0, need - coverage), status)


@dataclass(frozen=True)
class Relaxation:
    """A rule that can force agent-hours above the requirement, and the rules without it (None:
    these rules do not hold it)."""

    key: str
    label: str
    relax: Callable[[ShiftRules, float], ShiftRules | None]  # (rules, interval minutes)


def _no_min_agents(rules: ShiftRules, interval_minutes: float) -> ShiftRules | None:
    return rules.model_copy(update={"min_agents": 0}) if rules.min_agents else None


def _no_counts(rules: ShiftRules, interval_minutes: float) -> ShiftRules | None:
    if rules.max_shifts is None and rules.max_agents is None and all(k.max_count is None for k in rules.kinds):
        return None
    return rules.model_copy(update={"max_shifts": None, "max_agents": None, "kinds": [k.model_copy(update={"max_count": None}) for k in rules.kinds]})


def _no_opening_hours(rules: ShiftRules, interval_minutes: float) -> ShiftRules | None:
    return rules.model_copy(update={"open": None, "close": None}) if rules.open is not None or rules.close is not None else None


def _any_start(rules: ShiftRules, interval_minutes: float) -> ShiftRules | None:
    """Shifts may start at any interval (a finer grid is kept), any kind at any time."""
    coarse = (rules.start_every_minutes or interval_minutes) > interval_minutes
    windows = any(k.earliest_start is not None or k.latest_start is not None for k in rules.kinds)
    if not coarse and not windows:
        return None
    kinds = [k.model_copy(update={"earliest_start": None, "latest_start": None}) for k in rules.kinds]
    return rules.model_copy(update={"start_every_minutes": None if coarse else rules.start_every_minutes, "kinds": kinds})


def _breaks_anywhere(rules: ShiftRules, interval_minutes: float) -> ShiftRules | None:
    """Every break may be taken anywhere in its shift."""

    def anywhere(kind: ShiftKind) -> ShiftKind:
        last = lambda b: int(kind.hours * 60) - b.minutes  # noqa: E731  (the latest start that still fits)
        return kind.model_copy(update={"breaks": [b.model_copy(update={"earliest_after_minutes": 0, "latest_after_minutes": last(b)}) for b in kind.breaks]})

    if all(b.earliest_after_minutes == 0 and b.latest == int(k.hours * 60) - b.minutes for k in rules.kinds for b in k.breaks):
        return None
    return rules.model_copy(update={"kinds": [anywhere(k) for k in rules.kinds]})


def _one_interval_shifts(rules: ShiftRules, interval_minutes: float) -> ShiftRules | None:
    """A shift may also last a single interval, without breaks."""
    hours = interval_minutes / 60.0
    if any(k.hours <= hours + 1e-9 and not k.breaks for k in rules.kinds):
        return None
    return rules.model_copy(update={"kinds": [*rules.kinds, ShiftKind(name="one interval", hours=hours)]})


#: The rules that can force agent-hours above the requirement, relaxed in this order.
RELAXATIONS = (
    Relaxation("min_agents", "minimum agents on duty", _no_min_agents),
    Relaxation("shift_counts", "shift counts (at most so many of a kind, of shifts, on duty)", _no_counts),
    Relaxation("opening_hours", "opening hours", _no_opening_hours),
    Relaxation("start_times", "available start times", _any_start),
    Relaxation("break_windows", "break windows", _breaks_anywhere),
    Relaxation("shift_length", "minimum shift length", _one_interval_shifts),
)


def _excess(required: np.ndarray, coverage: np.ndarray, interval_minutes: float) -> float:
    return float(np.maximum(0.0, coverage - required).sum() * interval_minutes / 60.0)


def optimise_shifts(
    required: list[int], rules: ShiftRules, horizon: "Horizon", pool: str = "", time_limit_s: float = 30.0
) -> ShiftPlan:
    """Fewest agent-hours on duty covering ``required`` agents per interval under ``rules``, and
    which rule forces the agent-hours above the requirement (``ShiftPlan.excess_by_rule``).

    Solved with HiGHS through ``scipy.optimize.milp``. Requirement that no admissible shift can
    cover (outside opening hours, above ``max_agents``, beyond ``max_shifts``) is left uncovered
    and reported, never an error.
    """
    req = np.asarray(required, float)
    best = _cover(req, rules, horizon, time_limit_s)
    excess = [_excess(req, best.coverage, horizon.interval_minutes)]
    explained = []
    relaxed = rules
    for r in RELAXATIONS:
        looser = r.relax(relaxed, horizon.interval_minutes)
        if looser is None:
            continue
        relaxed = looser
        excess.append(_excess(req, _cover(req, relaxed, horizon, time_limit_s).coverage, horizon.interval_minutes))
        explained.append({"rule": r.key, "label": r.label, "agent_hours": round(excess[-2] - excess[-1], 3)})
    if excess[-1] > 1e-6:  # a solver stopped by its time limit
        explained.append({"rule": "other", "label": "not explained by a rule (a solver stopped at its time limit)", "agent_hours": round(excess[-1], 3)})
    chosen = [(p, int(k)) for p, k in zip(best.patterns, best.counts) if k > 0]
    chosen.sort(key=lambda pk: (pk[0].start_min, pk[0].kind))
    return ShiftPlan(
        pool=pool,
        labels=horizon.interval_labels(),
        required=[int(v) for v in req],
        coverage=[float(v) for v in best.coverage],
        uncovered=[float(v) if v > 1e-6 else 0.0 for v in best.uncovered],
        shifts=chosen,
        paid_hours=float(sum(p.paid_hours * k for p, k in chosen)),
        status=best.status,
        day_start_min=horizon.start_minute,
        interval_minutes=horizon.interval_minutes,
        excess_by_rule=explained,
    )


# --- the agents a list of shifts puts on the floor --------------------------------------------


def shift_steps(shifts, horizon) -> list[tuple[float, int]]:
    """(minute after the horizon start, agents from then on), starting at minute 0, within the horizon."""
    day0 = horizon.start_minute
    length = horizon.total_minutes
    edges = {0.0}
    pieces = []
    for sh in shifts:
        for a, z in sh.pieces(day0):
            pieces.append((a, z, sh.count))
            edges.update(x for x in (a, z) if 0 < x < length)
    steps = []
    for t in sorted(edges):
        level = sum(c for a, z, c in pieces if a <= t < z)
        if not steps or steps[-1][1] != level:
            steps.append((t, level))
    return steps


def shift_staffing(shifts, horizon) -> list[float]:
    """Time-average agents per interval from shifts (for tables and scheduled-time metrics)."""
    steps = shift_steps(shifts, horizon) + [(horizon.total_minutes, 0)]
    im = horizon.interval_minutes
    out = []
    for i in range(horizon.n_intervals):
        lo, hi = i * im, (i + 1) * im
        area = 0.0
        for (t, level), (t2, _) in zip(steps, steps[1:]):
            area += level * max(0.0, min(hi, t2) - max(lo, t))
        out.append(area / im)
    return out
