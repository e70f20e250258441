"""Weekly rosters: a week of shifts per agent line, covering a requirement at the fewest paid hours.

Why a tour model rather than one variable per line, day and shift: lines of one contract are
interchangeable, and a model that names each line has as many equal optima as there are ways to
number them, which a branch-and-bound search explores in vain. Here the integer program (HiGHS
through ``scipy.optimize.milp``) chooses how many shifts of each pattern each day has (the day
optimiser's columns, ``shifts.open_patterns``) and how many lines work each *tour*: a contract and,
per date, the shift kind worked or a day off. A tour is admitted only if it keeps the week rules
that depend on the days and kinds alone (days per week, days in a row, a run of days off, the
contract's hours), so every line the model counts keeps them; linking the tours to the day's shifts
per date and kind makes the lines work exactly the shifts that cover the requirement.

Rest between shifts depends on the start and end times as well, so where two consecutive dates
can break the minimum rest (a late close, an early opening), the tours working both get their own
counts per start time on those dates, with Hall's condition for a matching of late enders to late
starters (the allowed next starts of a shift are all starts after a threshold, so nested: one
inequality per threshold suffices). Where no pair of shifts can break it, no such variables exist.
The lines are then read off the solution: each tour's lines take shifts from the day's patterns,
late enders first where rest binds.

Requirement the rules cannot cover is a penalised shortfall, so infeasible requirements still get a
roster; each uncovered interval is then explained by solving again with one rule relaxed at a time
(``WEEK_RELAXATIONS``) and naming the rule whose relaxation covers it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from .clock import format_clock
from .config import parse_clock
from .shifts import RELAXATIONS, Coverage, Pattern, ShiftRules, WeekRules, coverage_row, count_limits, open_patterns
from .weekdays import by_date

DAY_MINUTES = 1440


@dataclass(frozen=True)
class Tour:
    """A line's week as the model sees it: its contract and, per date, the kind worked (None: off)."""

    contract: str
    kinds: tuple[str | None, ...]
    paid_hours: float


@dataclass(frozen=True)
class _Problem:
    """What one solve honours: the day rules, the week rules, and each date's opening hours."""

    rules: ShiftRules
    week: WeekRules
    open_hours: tuple[tuple[int, int] | None, ...]
    dates: tuple[dt.date, ...]
    interval_minutes: int
    count_lines: bool = True  # False: any number of lines of each contract


@dataclass(frozen=True)
class WeekRelaxation:
    """A week or day rule that can leave requirement uncovered, and the problem without it (None:
    the problem does not hold it)."""

    key: str
    label: str
    relax: Callable[[_Problem], _Problem | None]


def _week_update(prob: _Problem, **changes) -> _Problem | None:
    """The problem with these week keys changed, or None if they already have these values."""
    if all(getattr(prob.week, k) == v for k, v in changes.items()):
        return None
    return replace(prob, rules=prob.rules.model_copy(update={"week": prob.week.model_copy(update=changes)}), week=prob.week.model_copy(update=changes))


def _any_hours(prob: _Problem) -> _Problem | None:
    lines = prob.week.contract_lines(_longest_paid(prob.rules))
    loose = {name: c.model_copy(update={"hours": 168.0, "min_hours": 0.0}) for name, c in lines.items()}
    return _week_update(prob, contracts=loose, contract_hours=None)


def _any_number_of_lines(prob: _Problem) -> _Problem | None:
    return replace(prob, count_lines=False) if prob.count_lines else None


def _open_all_day(prob: _Problem) -> _Problem | None:
    """Every date open around the clock, and no day-rule opening or closing time."""
    if all(h == (0, DAY_MINUTES) for h in prob.open_hours) and prob.rules.open is None and prob.rules.close is None:
        return None
    rules = prob.rules.model_copy(update={"open": None, "close": None})
    return replace(prob, rules=rules, open_hours=((0, DAY_MINUTES),) * len(prob.dates))


def _day_rule(relax: Callable[[ShiftRules, float], ShiftRules | None]) -> Callable[[_Problem], _Problem | None]:
    """A day optimiser's relaxation (``shifts.RELAXATIONS``) applied to the week's day rules."""

    def week_relax(prob: _Problem) -> _Problem | None:
        looser = relax(prob.rules, prob.interval_minutes)
        return None if looser is None else replace(prob, rules=looser)

    return week_relax


#: The rules that can leave requirement uncovered, each relaxed on its own to see what it prevents.
#: More lines would cover almost anything, so that explanation comes last: a rule that stops the
#: lines a planner has is the more useful answer.
WEEK_RELAXATIONS = (
    WeekRelaxation("days_per_week", "the days a line may work in the week (days_per_week)", lambda p: _week_update(p, days_per_week=7)),
    WeekRelaxation("max_consecutive_days", "the days a line may work in a row (max_consecutive_days)", lambda p: _week_update(p, max_consecutive_days=7)),
    WeekRelaxation("consecutive_days_off", "the run of days off each line needs (consecutive_days_off)", lambda p: _week_update(p, consecutive_days_off=0)),
    WeekRelaxation("min_rest_hours", "the rest between a line's shifts (min_rest_hours)", lambda p: _week_update(p, min_rest_hours=0)),
    WeekRelaxation("contract_hours", "the contracts' weekly hours", _any_hours),
    WeekRelaxation("weekday_starts", "the start windows by weekday (week: starts)", lambda p: _week_update(p, starts=None)),
    WeekRelaxation("opening_hours", "the opening hours (no shift outside them)", _open_all_day),
    # (a one-interval shift, the day's last relaxation, multiplies the weeks a line can work for
    # little insight: a week's uncovered interval is not the shift length's doing in practice)
    *(WeekRelaxation(r.key, r.label, _day_rule(r.relax)) for r in RELAXATIONS if r.key not in ("opening_hours", "shift_length")),
    WeekRelaxation("line_counts", "the number of agent lines available (contracts' count, contract_hours)", _any_number_of_lines),
)


# --- the roster ------------------------------------------------------------------------------


def _clock(minute: int) -> str:
    """A time of day; a shift ending at midnight ends at 24:00."""
    return "24:00" if minute == DAY_MINUTES else format_clock(minute, with_day=False)


def shift_dict(pat: Pattern) -> dict[str, Any]:
    """A shift of one day (minutes after that day's 00:00) as the JSON and Excel show it."""
    return {"start": _clock(pat.start_min), "end": _clock(pat.end_min), "breaks": [{"start": _clock(s), "minutes": m} for s, m in pat.breaks]}


def shift_text(pat: Pattern | None) -> str:
    """'08:00-16:30' (empty on a day off), the cell of roster.csv."""
    return "" if pat is None else f"{_clock(pat.start_min)}-{_clock(pat.end_min)}"


@dataclass
class RosterLine:
    """One agent's week: per date a shift (minutes after that date's 00:00) or None on a day off."""

    pool: str
    line: int
    contract: str
    contract_hours: float
    shifts: list[Pattern | None]

    @property
    def paid_hours(self) -> float:
        return float(sum(p.paid_hours for p in self.shifts if p is not None))


@dataclass
class WeekRoster(Coverage):
    """The optimiser's answer for one pool: its lines, what they put on duty and what is left uncovered."""

    pool: str
    dates: list[dt.date]
    interval_minutes: int
    required: list[int]
    coverage: list[float]  # agents on duty per interval, breaks out (a break inside an interval counts in part)
    lines: list[RosterLine]
    uncovered: list[dict]  # [{date, time, interval, short_by, rule, label, also}]
    status: str
    unused_lines: dict[str, int] = field(default_factory=dict)  # contract -> available lines the week does not need

    @property
    def paid_hours(self) -> float:
        return float(sum(line.paid_hours for line in self.lines))

    def interval_start(self, i: int) -> tuple[dt.date, str]:
        day, minute = divmod(i * self.interval_minutes, DAY_MINUTES)
        return self.dates[day], format_clock(minute, with_day=False)

    def coverage_rows(self) -> list[dict[str, Any]]:
        """Per interval: date, time, required, scheduled, over, under."""
        rows = []
        for i, (r, c, o, u) in enumerate(zip(self.required, self.coverage, self.over(), self.under())):
            date, time = self.interval_start(i)
            rows.append({"date": date.isoformat(), "time": time, "required": r, "scheduled": round(c, 3), "over": round(o, 3), "under": round(u, 3)})
        return rows

    def roster(self) -> list[dict[str, Any]]:
        """The lines as the JSON carries them: ``{pool, line, contract, paid_hours, days: {DATE: shift or null}}``."""
        return [
            {
                "pool": line.pool,
                "line": line.line,
                "contract": line.contract,
                "paid_hours": round(line.paid_hours, 3),
                "days": {d.isoformat(): None if p is None else shift_dict(p) for d, p in zip(self.dates, line.shifts)},
            }
            for line in self.lines
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pool": self.pool,
            "status": self.status,
            "paid_hours": round(self.paid_hours, 3),
            "roster": self.roster(),
            "unused_lines": self.unused_lines,
            "uncovered": self.uncovered,
            "coverage": self.coverage_rows(),
        }

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Agents x days for roster.csv and the workbook: pool, line, contract, then one column per date."""
        header = ["pool", "line", "contract", *(d.isoformat() for d in self.dates)]
        return header, [[line.pool, line.line, line.contract, *(shift_text(p) for p in line.shifts)] for line in self.lines]

    def shift_rows(self) -> list[dict[str, Any]]:
        """One row per shift worked: pool, line, contract, date, start, end, paid hours and its breaks."""
        rows = []
        for line in self.lines:
            for date, pat in zip(self.dates, line.shifts):
                if pat is not None:
                    shift = shift_dict(pat)
                    breaks = " ".join(f"{b['start']}+{b['minutes']}min" for b in shift["breaks"])
                    rows.append({"pool": line.pool, "line": line.line, "contract": line.contract, "date": date.isoformat(),
                                 "start": shift["start"], "end": shift["end"], "paid_hours": pat.paid_hours, "breaks": breaks})
        return rows

    def csv(self) -> str:
        return rosters_csv([self])


def rosters_csv(rosters: list[WeekRoster]) -> str:
    """roster.csv: one row per agent line of every pool, one column per date, the shift as 08:00-16:30."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for k, roster in enumerate(rosters):
        header, rows = roster.table()
        if k == 0:
            writer.writerow(header)
        writer.writerows(rows)
    return buf.getvalue()


# --- the model -------------------------------------------------------------------------------


def _longest_paid(rules: ShiftRules) -> float:
    return max(k.paid_hours for k in rules.kinds)


def _day_patterns(prob: _Problem) -> list[list[Pattern]]:
    """Each date's admissible patterns, minutes after that date's 00:00: within its opening hours
    (and the day rules' open and close), on the start grid from opening, within its start window."""
    windows = by_date(prob.week.starts or {}, list(prob.dates))
    step = prob.rules.start_every_minutes or prob.interval_minutes
    out = []
    for date, hours in zip(prob.dates, prob.open_hours):
        if hours is None:
            out.append([])
            continue
        opens = max(hours[0], parse_clock(prob.rules.open)) if prob.rules.open is not None else hours[0]
        closes = min(hours[1], parse_clock(prob.rules.close) or DAY_MINUTES) if prob.rules.close is not None else hours[1]
        window = windows[date]
        bounds = (None, None) if window is None else (
            None if window.earliest is None else parse_clock(window.earliest),
            None if window.latest is None else parse_clock(window.latest),
        )
        out.append(open_patterns(prob.rules, opens, closes, step, 0, bounds) if closes > opens else [])
    return out


def _longest_run(worked: tuple[bool, ...], value: bool) -> int:
    return max((len(list(run)) for v, run in itertools.groupby(worked) if v == value), default=0)


def tours(prob: _Problem, kinds_by_date: list[set[str]]) -> list[Tour]:
    """Every week a line may work: days, days in a row, a run of days off and contract hours kept."""
    week = prob.week
    paid = {k.label: k.paid_hours for k in prob.rules.kinds}
    out = []
    n = len(prob.dates)
    for worked in itertools.product((False, True), repeat=n):
        days = [d for d in range(n) if worked[d]]
        if (
            not days
            or len(days) > week.days_per_week
            or any(not kinds_by_date[d] for d in days)
            or _longest_run(worked, True) > week.max_consecutive_days
            or _longest_run(worked, False) < week.consecutive_days_off
        ):
            continue
        for name, contract in week.contract_lines(_longest_paid(prob.rules)).items():
            if prob.count_lines and contract.count == 0:
                continue
            for choice in itertools.product(*(sorted(kinds_by_date[d]) for d in days)):
                hours = sum(paid[k] for k in choice)
                if contract.min_hours - 1e-9 <= hours <= contract.hours + 1e-9:
                    kinds = [None] * n
                    for d, k in zip(days, choice):
                        kinds[d] = k
                    out.append(Tour(name, tuple(kinds), hours))
    return out


@dataclass
class _Solution:
    """One solve: the day's patterns chosen, the tours worked, and the rest-binding assignments."""

    patterns: list[list[Pattern]]
    counts: list[np.ndarray]  # per date: shifts of each pattern
    tours: list[Tour]
    tour_counts: np.ndarray
    starts: dict[tuple[int, int], dict[int, int]]  # (tour, date) -> {start minute: lines}, where rest binds
    coverage: np.ndarray
    short: np.ndarray  # agents short of the need per interval
    status: str


def _rest_binds(prob: _Problem, pats: list[list[Pattern]], d: int) -> bool:
    """Whether some shift on date d and some on d + 1 are closer than the minimum rest."""
    if not pats[d] or d + 1 >= len(pats) or not pats[d + 1]:
        return False
    latest_end = max(p.end_min for p in pats[d])
    earliest_start = min(p.start_min for p in pats[d + 1])
    return DAY_MINUTES - latest_end + earliest_start < prob.week.min_rest_hours * 60 - 1e-9


def _solve(required: np.ndarray, prob: _Problem, time_limit_s: float) -> _Solution:
    """Fewest paid hours of tours and day patterns covering ``required`` under ``prob``, the
    shortfall penalised far above any line's week."""
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    im = prob.interval_minutes
    per_day = DAY_MINUTES // im
    n = len(required)
    pats = _day_patterns(prob)
    kinds_by_date = [{p.kind for p in day} for day in pats]
    week_tours = tours(prob, kinds_by_date)
    contracts = prob.week.contract_lines(_longest_paid(prob.rules))
    rest_min = prob.week.min_rest_hours * 60

    # variables: x (patterns of every date), w (tours), y (tour lines per start where rest binds), u (shortfalls)
    x_index = [(d, j) for d, day in enumerate(pats) for j in range(len(day))]
    n_x, n_w = len(x_index), len(week_tours)
    binding = [d for d in range(len(pats)) if _rest_binds(prob, pats, d)]
    y_index: list[tuple[int, int, int]] = []  # (tour, date, start)
    for t, tour in enumerate(week_tours):
        days = sorted({e for d in binding if tour.kinds[d] and tour.kinds[d + 1] for e in (d, d + 1)})
        for d in days:
            y_index += [(t, d, s) for s in sorted({p.start_min for p in pats[d] if p.kind == tour.kinds[d]})]
    n_y = len(y_index)
    size = n_x + n_w + n_y + n
    x0, w0, y0 = 0, n_x, n_x + n_w

    on_duty = np.zeros((n, n_x))
    for col, (d, j) in enumerate(x_index):
        on_duty[:, col] = coverage_row(_on_week_grid(pats[d][j], d), n, im)
    cover = sparse.hstack([sparse.csr_array(on_duty), sparse.csr_array((n, n_w + n_y)), sparse.identity(n, format="csr")], format="csr")
    is_open = np.zeros(n, bool)
    for d, hours in enumerate(prob.open_hours):
        if hours is not None:
            for k in range(per_day):
                is_open[d * per_day + k] = hours[0] <= k * im and (k + 1) * im <= hours[1]
    need = np.maximum(required, np.where(is_open, prob.rules.min_agents, 0))
    constraints = [LinearConstraint(cover, need, np.inf)]
    if prob.rules.max_agents is not None and n_x:
        constraints.append(LinearConstraint(sparse.hstack([sparse.csr_array(on_duty), sparse.csr_array((n, size - n_x))]), -np.inf, prob.rules.max_agents))

    rows = _Rows(size)
    first = 0
    for d, day in enumerate(pats):
        for mask, most in count_limits(prob.rules, day):  # the day's head-count rules hold on every date
            rows.add({x0 + first + j: v for j, v in enumerate(mask) if v}, -np.inf, most)
        for kind in kinds_by_date[d]:  # each line working the date works one of its shifts of that kind
            shifts = {x0 + first + j: 1.0 for j, p in enumerate(day) if p.kind == kind}
            lines = {w0 + t: -1.0 for t, tour in enumerate(week_tours) if tour.kinds[d] == kind}
            rows.add(shifts | lines, 0, 0)
        first += len(day)
    if prob.count_lines:
        for name, contract in contracts.items():
            rows.add({w0 + t: 1.0 for t, tour in enumerate(week_tours) if tour.contract == name}, -np.inf, contract.count)
    _rest_rows(pats, week_tours, y_index, (x0, w0, y0), rest_min, rows)
    if rows.lower:
        constraints.append(rows.constraint())

    penalty = 100.0 * max(_longest_paid(prob.rules), max((c.hours for c in contracts.values()), default=1.0), 1.0)
    cost = np.concatenate([[pats[d][j].paid_hours for d, j in x_index], np.zeros(n_w + n_y), np.full(n, penalty)])
    integrality = np.concatenate([np.ones(n_x + n_w + n_y), np.zeros(n)])
    res = milp(cost, constraints=constraints, integrality=integrality, bounds=Bounds(0, np.inf), options={"time_limit": time_limit_s})
    if res.x is None:  # cannot happen with the shortfalls, but never crash a planner's run
        return _Solution(pats, [np.zeros(len(day), int) for day in pats], week_tours, np.zeros(n_w, int), {}, np.zeros(n), need.astype(float), f"solver failed: {res.message}")
    sol = np.round(res.x).astype(int)
    counts, first = [], 0
    for day in pats:
        counts.append(sol[x0 + first : x0 + first + len(day)])
        first += len(day)
    starts: dict[tuple[int, int], dict[int, int]] = {}
    for col, (t, d, s) in enumerate(y_index):
        if sol[y0 + col]:
            starts.setdefault((t, d), {})[s] = int(sol[y0 + col])
    coverage = on_duty @ sol[x0 : x0 + n_x]
    status = "optimal" if res.status == 0 else f"time limit: best roster found ({res.message})"
    return _Solution(pats, counts, week_tours, sol[w0 : w0 + n_w], starts, coverage, np.maximum(0.0, need - coverage), status)


class _Rows:
    """Sparse constraint rows, ``lower <= row @ v <= upper``, added one at a time."""

    def __init__(self, size: int):
        self.size = size
        self.coefs: list[dict[int, float]] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, coefs: dict[int, float], lower: float, upper: float) -> None:
        self.coefs.append(coefs)
        self.lower.append(lower)
        self.upper.append(upper)

    def constraint(self):
        from scipy import sparse
        from scipy.optimize import LinearConstraint

        cells = [(i, j, v) for i, row in enumerate(self.coefs) for j, v in row.items()]
        i, j, v = zip(*cells) if cells else ((), (), ())
        matrix = sparse.csr_array((v, (i, j)), shape=(len(self.coefs), self.size))
        return LinearConstraint(matrix, self.lower, self.upper)


def _on_week_grid(pat: Pattern, day: int) -> Pattern:
    """A date's pattern in minutes after the first date's 00:00."""
    off = day * DAY_MINUTES
    return replace(pat, start_min=pat.start_min + off, end_min=pat.end_min + off, breaks=tuple((s + off, m) for s, m in pat.breaks))


def _rest_rows(pats, week_tours, y_index, offsets, rest_min, rows: _Rows) -> None:
    """Where rest binds: each tour's lines split over start times on both dates, within the day's
    shifts, and Hall's condition that late enders find late enough starts the next date."""
    x0, w0, y0 = offsets
    ys: dict[tuple[int, int], dict[int, int]] = {}  # (tour, date) -> {start: y column}
    for col, (t, d, s) in enumerate(y_index):
        ys.setdefault((t, d), {})[s] = y0 + col
    x_cols: dict[tuple[int, str, int], list[int]] = {}  # (date, kind, start) -> x columns
    col = x0
    for d, day in enumerate(pats):
        for p in day:
            x_cols.setdefault((d, p.kind, p.start_min), []).append(col)
            col += 1
    for (t, d), cols in ys.items():  # every line of the tour starts somewhere
        rows.add({c: 1.0 for c in cols.values()} | {w0 + t: -1.0}, 0, 0)
    takers: dict[tuple[int, str, int], list[int]] = {}
    for t, d, s in y_index:
        takers.setdefault((d, week_tours[t].kinds[d], s), []).append(ys[(t, d)][s])
    for key, cols in takers.items():  # no more lines start there than the day has such shifts
        rows.add({c: 1.0 for c in cols} | {c: -1.0 for c in x_cols[key]}, -np.inf, 0)
    for (t, d), cols in ys.items():
        nxt = ys.get((t, d + 1))
        if nxt is None:
            continue
        kind = week_tours[t].kinds[d]
        length = {p.start_min: p.end_min - p.start_min for p in pats[d] if p.kind == kind}
        # a line ending at e may start the next date at e + rest - 1440 or later; the allowed
        # starts of later enders are fewer (nested), so Hall's condition is one row per threshold
        threshold = {s: s + length[s] + rest_min - DAY_MINUTES for s in cols}
        for limit in sorted(set(threshold.values())):
            if limit <= min(nxt):
                continue
            late = {cols[s]: 1.0 for s, th in threshold.items() if th >= limit}
            rows.add(late | {c: -1.0 for s, c in nxt.items() if s >= limit}, -np.inf, 0)


def _lines(sol: _Solution, pool: str, prob: _Problem) -> list[RosterLine]:
    """The agent lines of a solution: each tour's lines take the day's shifts of their kind; where
    rest binds, the tour's starts as solved, the latest starts to the latest enders."""
    contracts = prob.week.contract_lines(_longest_paid(prob.rules))
    weeks: list[tuple[int, list[Pattern | None]]] = [(t, [None] * len(prob.dates)) for t, k in enumerate(sol.tour_counts) for _ in range(k)]
    for d, day in enumerate(sol.patterns):
        left: dict[tuple[str, int], list[Pattern]] = {}
        for p, k in zip(day, sol.counts[d]):
            left.setdefault((p.kind, p.start_min), []).extend([p] * int(k))
        workers = [w for w in weeks if sol.tours[w[0]].kinds[d] is not None]
        bound = [w for w in workers if (w[0], d) in sol.starts]
        for t in dict.fromkeys(w[0] for w in bound):  # lines whose starts the rest rule fixed
            mine = sorted((w for w in bound if w[0] == t), key=lambda w: -(w[1][d - 1].end_min if d and w[1][d - 1] else -1))
            starts = sorted((s for s, k in sol.starts[(t, d)].items() for _ in range(k)), reverse=True)
            for (_, week), s in zip(mine, starts):
                week[d] = left[(sol.tours[t].kinds[d], s)].pop()
        for t, week in workers:
            if week[d] is None:
                kind = sol.tours[t].kinds[d]
                key = next(key for key, pats in left.items() if key[0] == kind and pats)
                week[d] = left[key].pop()
    order = list(contracts)
    weeks.sort(key=lambda w: (order.index(sol.tours[w[0]].contract), [(p.start_min if p else DAY_MINUTES) for p in w[1]]))
    return [
        RosterLine(pool, k + 1, sol.tours[t].contract, contracts[sol.tours[t].contract].hours, week)
        for k, (t, week) in enumerate(weeks)
    ]


#: Seconds each re-solve that explains an uncovered interval may take. A relaxation that makes the
#: week much larger (every date open around the clock: 20 s on the retail week, stopped far from
#: its optimum) explains nothing a planner needs, and its early answer is discarded anyway.
EXPLAIN_SOLVE_S = 2.0


def _explain(required: np.ndarray, prob: _Problem, best: _Solution, time_limit_s: float) -> list[dict]:
    """Each interval left short, with the rule whose relaxation alone covers it, and the other
    rules whose relaxation alone covers it too (``also``).

    Where the week is short overall (too few lines), a relaxed optimum may leave its smaller
    shortfall in other intervals than the roster did, so a rule that covers an interval by the
    luck of that placement must not outrank one that covers more: among the rules that cover an
    interval, the one that covers the most requirement in the week is named, the first in
    ``WEEK_RELAXATIONS`` on a tie; if none covers it, the one that takes most off it."""
    short = best.short
    gains = []
    for r in WEEK_RELAXATIONS:
        looser = r.relax(prob)
        if looser is None:
            continue
        relaxed = _solve(required, looser, time_limit_s).short
        if relaxed.sum() <= short.sum() + 1e-6:  # a solve stopped early may not even reach the rules' own answer
            gains.append((r, short - relaxed, round(float(short.sum() - relaxed.sum()), 6)))
    out = []
    per_day = DAY_MINUTES // prob.interval_minutes
    for i in np.flatnonzero(short > 1e-6):
        covering = [(r, total) for r, gain, total in gains if gain[i] >= short[i] - 1e-6]
        if covering:
            ranked = [r for r, _ in sorted(covering, key=lambda rt: -rt[1])]  # stable: ties keep the order
        else:
            ranked = [r for r, gain, _ in sorted(gains, key=lambda rg: -round(float(rg[1][i]), 6)) if gain[i] > 1e-6][:1]
        day, k = divmod(int(i), per_day)
        out.append({
            "date": prob.dates[day].isoformat(),
            "time": format_clock(k * prob.interval_minutes, with_day=False),
            "interval": int(i),
            "short_by": round(float(short[i]), 3),
            "rule": ranked[0].key if ranked else "several",
            "label": ranked[0].label if ranked else "no single rule: relaxing any one of them alone leaves it short",
            "also": [r.key for r in ranked[1:]],
        })
    return out


def optimise_week(
    required,
    dates: list[dt.date],
    interval_minutes: int,
    open_hours: list[tuple[int, int] | None],
    rules: ShiftRules,
    pool: str = "",
    time_limit_s: float = 30.0,
) -> WeekRoster:
    """Fewest paid hours of agent lines covering ``required`` agents per interval for a week, under
    the day rules and ``rules.week``; what cannot be covered is reported with the rule that prevents it.

    ``time_limit_s`` bounds the roster's solve; each re-solve that explains an uncovered interval
    gets a quarter of it, at most ``EXPLAIN_SOLVE_S``.

    ``required`` is on a grid of whole days from 00:00 of ``dates[0]`` (``len(dates) * 1440 //
    interval_minutes`` entries); ``open_hours`` gives each date's (opening, closing) minute after
    its 00:00, or None for a closed date. Shifts lie within a date's opening hours (and the day
    rules' ``open`` and ``close``, where given). Raises ValueError for inputs that do not fit.
    """
    if rules.week is None:
        raise ValueError("shifts -> week: the week rules are missing (days_per_week, contracts, ...)")
    dates = list(dates)
    if not dates or len(dates) > 7:
        raise ValueError(f"a weekly roster covers 1 to 7 dates, not {len(dates)}")
    if any(b - a != dt.timedelta(days=1) for a, b in zip(dates, dates[1:])):
        raise ValueError("the dates of a weekly roster must be consecutive")
    if len(open_hours) != len(dates):
        raise ValueError(f"open_hours: {len(open_hours)} entries for {len(dates)} dates")
    if DAY_MINUTES % interval_minutes:
        raise ValueError(f"interval_minutes: a day is not a whole number of {interval_minutes}-minute intervals")
    req = np.asarray(required, float)
    if req.shape != (len(dates) * DAY_MINUTES // interval_minutes,):
        raise ValueError(f"required: {req.size} values, the {len(dates)} dates have {len(dates) * DAY_MINUTES // interval_minutes} intervals")
    prob = _Problem(rules, rules.week, tuple(open_hours), tuple(dates), interval_minutes)
    best = _solve(req, prob, time_limit_s)
    uncovered = _explain(req, prob, best, min(time_limit_s / 4, EXPLAIN_SOLVE_S)) if (best.short > 1e-6).any() else []
    lines = _lines(best, pool, prob)
    used = {name: sum(1 for line in lines if line.contract == name) for name in rules.week.contract_lines(_longest_paid(rules))}
    unused = {name: c.count - used[name] for name, c in rules.week.contract_lines(_longest_paid(rules)).items()}
    return WeekRoster(
        pool=pool,
        dates=dates,
        interval_minutes=interval_minutes,
        required=[int(v) for v in req],
        coverage=[float(v) for v in best.coverage],
        lines=lines,
        uncovered=uncovered,
        status=best.status,
        unused_lines=unused,
    )
