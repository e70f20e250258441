"""What the ``ccsim`` commands show on the terminal: rich tables and lines built from library results.

The HTML report and the terminal show the same results, so their looks live side by side here in
``report/``. This module builds and never prints: ``cli.py`` chooses the stream (a summary goes to
stderr when the scenario itself goes to stdout) and the exit code. A line is a ``str`` when it is
meant to be printed with rich markup and highlighting, and a ``Text`` when its numbers must not be
recoloured; either way ``console.print(item)`` shows it as intended. Every name a user chose
(scenario, contact type, pool, plan, currency, file) passes through ``escape`` before it joins
markup, so ``calls [tier 1]`` prints as written, not as ``calls`` (the CLI's consoles also leave
``:x:`` alone: emoji=False).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..compare_text import day_rows, format_ci, format_difference, format_value
from ..plans import what_erlang_ignores
from ..rankings import missed_intervals, worst_intervals
from .behaviour_rows import behaviour_rows, pool_behaviour_rows

if TYPE_CHECKING:  # pragma: no cover
    from ..backtest import BacktestResult
    from ..compare import Comparison
    from ..results import SimulationResult
    from ..staffing import StaffResult
    from ..trap import TrapResult


def _pct(e) -> str:
    """A share as mean ± 95% half-width: '84.1% ± 2.3%'."""
    return "n/a" if e.mean is None else f"{e.mean:.1%} ± {e.half_width:.1%}" if e.half_width is not None else f"{e.mean:.1%}"


def _num(e, unit: str = "", scale: float = 1.0) -> str:
    """Mean ± half-width in ``unit``, after dividing by ``scale`` (3600 shows seconds as hours)."""
    if e.mean is None:
        return "n/a"
    hw = f" ± {e.half_width / scale:,.1f}" if e.half_width is not None else ""
    return f"{e.mean / scale:,.1f}{hw}{unit}"


def _table(title: str, columns: tuple[str, ...], left: tuple[str, ...]) -> Table:
    """A table whose ``left`` columns are names (left-aligned) and the others figures (right)."""
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="left" if col in left else "right")
    return table


# --- ccsim run ---------------------------------------------------------------------------------


def run_summary(result: SimulationResult) -> list[RenderableType]:
    """The day per contact type, the pools, the behaviours switched on, the worst intervals and,
    last, the verdict per contact type."""
    scenario = result.scenario
    day = _table(
        f"{escape(scenario.name)}: the day (mean ± 95% CI over {result.replications} replications)",
        ("contact type", "offered", "answered", "abandoned", "service level", "target", "ASA", "p90 wait", "abandon rate"),
        left=("contact type",),
    )
    for name, ct in scenario.contact_types.items():
        d = result.by_contact_type[name]
        day.add_row(
            escape(name),
            _num(d["offered"]),
            _num(d["answered"]),
            _num(d["abandoned"]),
            _pct(d["service_level"]),
            f"{ct.service_level.target:.0%}/{ct.service_level.seconds:g}s",
            _num(d["asa_seconds"], " s"),
            _num(d["wait_p90_seconds"], " s"),
            _pct(d["abandon_rate"]),
        )
    pools = _table("Agent pools", ("pool", "agents (mean)", "occupancy"), left=("pool",))
    for name in scenario.pool_names:
        pools.add_row(escape(name), _num(result.by_pool[name]["agents"]), _pct(result.by_pool[name]["occupancy"]))
    worst = _table(
        "Worst intervals by service level",
        ("interval", "contact type", "offered", "service level", "ASA", "abandon rate", "max queue"),
        left=("interval", "contact type"),
    )
    for i, name in worst_intervals(result):
        m = result.intervals_by_contact_type[name]
        worst.add_row(result.labels[i], escape(name), _num(m["offered"][i]), _pct(m["service_level"][i]), _num(m["asa_seconds"][i], " s"), _pct(m["abandon_rate"][i]), _num(m["max_queue"][i]))
    return [day, *days_table(result), pools, *behaviour_tables(result), worst, *verdicts(result)]


def days_table(result: SimulationResult, title: str = "Day by day") -> list[Table]:
    """On a horizon of several dates, each date's service level and volume per contact type and the
    agent-hours worked (none on a closed day); nothing for a single undated day."""
    if result.by_date is None or len(result.by_date) < 2:
        return []
    scenario = result.scenario
    interval_h = scenario.horizon.interval_minutes / 60
    open_on = Counter(d.isoformat() for d, o in zip(scenario.horizon.interval_dates(), scenario.horizon.open_intervals) if o)
    table = _table(
        f"{title} (mean ± 95% CI)",
        ("date", *(f"{name} {what}" for name in scenario.type_names for what in ("offered", "service level")), "agent-hours"),
        left=("date",),
    )
    for date, parts in result.by_date.items():
        types, pools = parts["by_contact_type"], parts["by_pool"]
        hours = sum(pools[p]["agents"].mean or 0.0 for p in scenario.pool_names) * interval_h * open_on[date]  # agents: a mean over the open hours
        cells = [c for name in scenario.type_names for c in (_num(types[name]["offered"]), _pct(types[name]["service_level"]))]
        table.add_row(f"{dt.date.fromisoformat(date):%a} {date}", *cells, f"{hours:,.0f}")
    return [table]


def verdicts(result: SimulationResult) -> list[Text]:
    """One line per contact type, the answer a planner reads last: does its service level meet the
    target in every interval, or in how many does it miss, and where worst (mean +/- the 95% half-width,
    in points): 'phone misses 80/20 in 12 of 24 intervals; worst 12:30 at 40.6% +/- 4.1'. An
    interval misses when its mean is below the target, as in the run report."""
    lines = []
    counted, noun = result.scenario.horizon.counted_intervals()
    for name, ct in result.scenario.contact_types.items():
        goal = f"{ct.service_level.target * 100:g}/{ct.service_level.seconds:g}"
        if not result.by_contact_type[name]["offered"].mean:  # e.g. a bot without human escape
            lines.append(Text(f"{name}: no contact reached an agent", style="yellow"))
            continue
        missed = missed_intervals(result, name)
        if not missed:
            lines.append(Text(f"{name} meets {goal} in every interval", style="green"))
            continue
        i, sl = missed[0], result.intervals_by_contact_type[name]["service_level"]
        spread = "" if sl[i].half_width is None else f" +/- {sl[i].half_width * 100:.1f}"
        lines.append(Text(f"{name} misses {goal} in {len(missed)} of {len(counted)} {noun}; worst {result.labels[i]} at {sl[i].mean:.1%}{spread}", style="red"))
    return lines


def behaviour_tables(result: SimulationResult) -> list[Table]:
    """Customer and agent behaviours the scenario switches on (docs/behaviours.md); none otherwise."""

    def cell(est, fmt: str) -> str:
        if fmt == "share":
            return _pct(est)
        if fmt == "hours":
            return _num(est, " h", scale=3600)
        return _num(est, " s" if fmt == "seconds" else "")

    tables = []
    for title, first, rows in (
        ("Customer behaviour", "contact type", behaviour_rows(result)),
        ("Agents as they really are", "pool", pool_behaviour_rows(result)),
    ):
        if not rows:
            continue
        table = Table(title=f"{title} (mean ± 95% CI)")
        for col in (first, "figure", "value"):
            table.add_column(col, justify="right" if col == "value" else "left")
        last = None
        for name, label, est, fmt in rows:
            table.add_row(escape(name) if name != last else "", label, cell(est, fmt))
            last = name
        tables.append(table)
    return tables


# --- ccsim compare -----------------------------------------------------------------------------


def comparison_table(cmp: Comparison) -> Table:
    """Plans side by side (mean ± 95% CI) and the paired differences to the baseline."""
    base = cmp.plans[cmp.baseline].label
    others = [i for i in range(len(cmp.plans)) if i != cmp.baseline]
    currency = cmp.plans[0].scenario.costs.currency if cmp.has_costs else ""
    table = Table(title=f"{len(cmp.plans)} plans on the same {cmp.replications} days (seed {cmp.seed}): mean ± 95% CI; differences paired")
    table.add_column("measure (day)")
    for p in cmp.plans:
        table.add_column(escape(p.label), justify="right")
    for i in others:
        table.add_column(escape(f"{cmp.plans[i].label} − {base}"), justify="right")

    def cell(metric, e):
        if e is None or e.mean is None:
            return "n/a"
        hw = "" if e.half_width is None else " ±" + format_difference(metric, e.half_width, currency, unit=False).lstrip("+±")  # a half-width has no sign
        return escape(format_value(metric, e.mean, currency) + hw)

    def diff(d):
        if d is None or d.day.mean is None:
            return "n/a"
        if d.day.mean == 0 and d.day.lo == 0 and d.day.hi == 0:
            return "[dim]identical[/]"
        text = f"{escape(format_difference(d.metric, d.day.mean, currency))}\n[dim]({escape(format_ci(d.metric, d.day, currency, unit=False))})[/]"
        colour = {"better": "green", "worse": "red"}.get(d.verdict)
        if not d.significant:
            return f"[dim]{text} n.s.[/]"
        return f"[{colour}]{text}[/]" if colour else text

    for label, metric, scope in day_rows(cmp, ("offered", "service_level", "asa_seconds", "abandon_rate")):
        table.add_row(escape(label), *[cell(metric, cmp.day(i, metric, **scope)) for i in range(len(cmp.plans))], *[diff(cmp.difference(i, metric, **scope)) for i in others])
    return table


# --- ccsim calibrate ---------------------------------------------------------------------------


def calibration_table(cal) -> Table:
    """Per contact type: a day's volume, AHT, abandonment and the two quick patience estimates."""
    table = _table(
        f"Calibrated from {escape(str(cal.source))}: {cal.rows:,} contacts, {len(cal.days)} day(s)",
        ("contact type", "a day", "AHT", "abandoned", "naive patience", "E[W]/P(ab)"),
        left=("contact type",),
    )
    for name, tc in cal.types.items():
        p = tc.patience
        table.add_row(
            escape(name),
            f"{tc.per_day.sum(1).mean():,.0f}",
            f"{tc.handle.aht:.1f} s" if tc.handle.n else "n/a",
            f"{tc.abandoned / tc.contacts:.1%}",
            "n/a" if p.naive_mean is None else f"{p.naive_mean:.1f} s",
            "n/a" if p.shortcut_mean is None else f"{p.shortcut_mean:.1f} s",
        )
    return table


def calibration_lines(cal) -> list[str]:
    """What was written for each contact type and why, then busyness, staffing and notes (plain text)."""
    from ..calibrate import describe_dist

    lines = []
    for name, tc in cal.types.items():
        p = tc.patience
        lines.append(f"{name}: handle time {describe_dist(tc.handle.written)} ({tc.handle.chosen}: {tc.handle.reason})")
        written = "none, nobody abandons (REVIEW)" if p.written is None else describe_dist(p.written)
        lines.append(f"{name}: patience {written} ({p.reason})")
    lines.append(f"busyness: {cal.busyness.reason}")
    staffing = "REVIEW: " if cal.staffing.source == "placeholder" else "staffing "
    lines.append(staffing + cal.staffing.method)
    lines += [f"note: {note}" for note in cal.notes]
    return lines


# --- ccsim staff -------------------------------------------------------------------------------


def staff_summary(res: StaffResult) -> list[RenderableType]:
    """The plans per interval, their agent-hours and what each achieves, then whether the targets
    hold, what was given up and the shift plans."""

    plans = Table(title=f"{escape(res.scenario.name)}: agents per interval (scheduled)")
    plans.add_column("interval")
    plans.add_column("pool")
    for k in res.plans:
        plans.add_column(res.plan_labels[k], justify="right")
    open_labels = {res.labels[i] for i in res.counted}  # closed intervals have nobody in any plan
    for row in res.rows():
        if row["interval_start"] in open_labels:
            plans.add_row(row["interval_start"], escape(row["pool"]), *[str(row[k]) for k in res.plans])
    hours = res.agent_hours()
    achieved = _table(
        f"Agent-hours and what each plan achieves on the same {res.evaluation_replications} fresh days", ("plan", "agent-hours", "intervals meeting targets"), left=("plan",)
    )
    for k in res.plans:
        met = ", ".join(f"{t} {m}/{len(res.counted)}" for t, m in res.intervals_meeting(k).items())
        achieved.add_row(res.plan_labels[k], f"{hours[k]['total']:,.1f}", escape(met))
    out: list[RenderableType] = [plans, achieved]
    out.append(("targets met in every interval" if res.targets_met else "[red]targets NOT met everywhere[/]") + f" ({res.wall_time_s:.1f} s)")
    out.append(Text(res.search_summary()))
    out.append(Text(res.promise_verdict(), style=None if res.promise_held else "red"))
    out += [Text.assemble(("given up", "red"), f" {u['interval_start']} {u['name']}: {u['reason']}") for u in res.isa.unrescued]
    for sp in res.shift_plans.values():
        forced = ", ".join(f"{e['label']} {e['agent_hours']:+.1f}" for e in sp.excess_by_rule if e["agent_hours"] >= 0.05)
        out.append(
            f"shift plan {escape(sp.pool)}: {sp.paid_hours:,.1f} paid hours, {sp.agent_hours:,.1f} agent-hours on duty for {sp.required_agent_hours:,.1f} "
            f"required ({sp.excess_agent_hours:+,.1f} above it{': ' + escape(forced) if forced else ''}), {len(sp.shifts)} shift patterns, "
            f"uncovered: {', '.join(sp.uncovered_intervals) or 'none'}"
        )
    for roster in res.rosters.values():
        out += week_roster_lines(roster, res.requirement)
    if res.rosters:
        out += days_table(res.achieved["shifts"], "The weekly roster simulated, day by day")
    out += [Text(f"note: {note}") for note in what_erlang_ignores(res.scenario)]
    return out


def week_roster_lines(roster, requirement: str) -> list[RenderableType]:
    """A pool's weekly roster: agents x days as a table, then its paid hours, and each interval it
    leaves short with the rule that prevents covering it."""
    header, rows = roster.table()
    dates = [dt.date.fromisoformat(d) for d in header[3:]]
    table = _table(
        f"Weekly roster of {escape(roster.pool)} ({len(rows)} lines)", ("line", "contract", *(f"{d:%a %d}" for d in dates)), left=("line", "contract")
    )
    for row in rows:
        table.add_row(str(row[1]), escape(row[2]), *(cell or "-" for cell in row[3:]))
    short = sum(1 for u in roster.under() if u > 0.5)
    unused = ", ".join(f"{n} {escape(c)}" for c, n in roster.unused_lines.items() if n)
    lines: list[RenderableType] = [
        table,
        f"roster {escape(roster.pool)}: {roster.paid_hours:,.1f} paid hours covering the {escape(requirement)} requirement; "
        f"{'short in ' + str(short) + ' intervals' if short else 'every interval covered'}" + (f"; lines not needed: {unused}" if unused else ""),
    ]
    lines += [
        Text.assemble(("uncovered", "red"), f" {u['date']} {u['time']} {roster.pool}: short by {u['short_by']:g}: {u['rule']}")
        for u in roster.uncovered
    ]
    return lines


# --- ccsim trap --------------------------------------------------------------------------------


def trap_summary(res: TrapResult) -> list[RenderableType]:
    """The verdict, the sweep from fewest to most agents with the scenario's own plan among them
    (in bold), the cliff and the gap by cause."""
    out: list[RenderableType] = [Text(res.verdict)]
    table = Table(title=f"{escape(res.scenario.name)}: staffing sweep around the naive plan, and your plan (mean ± 95% CI over {res.replications} replications)")
    feedback = res.points[0].feedback_cost is not None
    for col in ("scale", "agents", "service level", "ASA", "abandon", "occupancy", "offered") + (("without feedback",) if feedback else ()):
        table.add_column(col, justify="right")
    for p in sorted([*res.points, res.own], key=lambda p: p.agents):
        m = p.measures
        scale = f"your plan ({p.scale:.0%})" if p is res.own else f"{p.scale:.0%}"
        calm = (_pct(p.without_feedback) if p.without_feedback is not None else "",) if feedback else ()
        table.add_row(
            scale, f"{p.agents:.1f}", _pct(m["service_level"]), _num(m["asa_seconds"], " s"), _pct(m["abandon_rate"]), _pct(m["occupancy"]), _num(m["offered"]), *calm,
            style="bold" if p is res.own else None,
        )
    out.append(table)
    if res.cliff:
        c = res.cliff
        out.append(Text(
            f"cliff: at {c['agents']:.1f} agents ({c['scale']:.0%}) {' and '.join(c['feedback'])} cost {c['feedback_cost']['mean']:.1%} of the day's "
            f"service level ({c['service_level']:.1%} against {c['without_feedback_service_level']:.1%} without them); at {c['above_agents']:.1f} "
            f"agents {c['above_feedback_cost']['mean']:.1%}"
        ))
    else:
        out.append(Text(res.cliff_note))
    if res.gap:
        out.append(f"gap by cause (agent-hours): naive Erlang C {res.gap['naive_erlang_c_agent_hours']:.1f}")
        out += [Text(f"  {s['label']}: {s['delta_agent_hours']:+.1f}" + (f" ({s['why_lower']})" if s["why_lower"] else "")) for s in res.gap["steps"]]
        out.append(f"  = realistic requirement {res.gap['realistic_agent_hours']:.1f}")
    return out


# --- ccsim erlang ------------------------------------------------------------------------------


def erlang_table(model: str, rate_per_hour: float, aht: float, sl_seconds: float, shrinkage: float, res, extra: dict) -> Table:
    """One formula's measures for a staffing, or for the fewest agents meeting the targets (``extra``
    then holds ``required_agents``); with shrinkage, the agents to schedule too."""
    table = Table(title=f"Erlang {model}: {rate_per_hour:,.1f} contacts/h, AHT {aht:g} s = {res.offered_load:,.2f} Erlang")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [("agents", f"{res.agents}")]
    if "required_agents" in extra:
        rows[0] = ("agents (fewest meeting the targets)", f"{res.agents}")
    if shrinkage:
        rows.append((f"agents to schedule ({shrinkage:.0%} shrinkage)", f"{extra['scheduled_agents']}"))
    if model == "B":
        rows.append(("blocking probability", f"{res.p_block:.2%}"))
    else:
        rows += [("probability of waiting", f"{res.p_wait:.2%}"), (f"service level ({sl_seconds:g} s)", f"{res.service_level:.2%}")]
        rows.append(("ASA", "unbounded" if not math.isfinite(res.asa_seconds) else f"{res.asa_seconds:.2f} s"))
    if model == "A":
        rows += [("abandon rate", f"{res.p_abandon:.2%}"), ("mean wait (all callers)", f"{res.mean_wait_seconds:.2f} s")]
    rows.append(("occupancy", f"{res.occupancy:.1%}"))
    for name, value in rows:
        table.add_row(name, value)
    return table


def sipp_table(scenario_name: str, rows: list[dict]) -> Table:
    """The SIPP rows (``sipp.sipp_table``, as dicts): agents Erlang C and A require and what they promise."""
    table = _table(
        f"{escape(scenario_name)}: SIPP, each interval solved as its own steady state",
        ("interval", "type", "load (Erl)", "staffed", "C needs", "A needs", "C promises", "A promises", "A abandon"),
        left=("interval", "type"),
    )

    def pct(v):
        return "n/a" if v is None else f"{v:.1%}"

    def required(v):
        return str(v if v is not None else "none")

    for r in rows:
        table.add_row(
            r["interval_start"], escape(r["contact_type"]), f"{r['offered_load_erlang']:.1f}", f"{r['staffed_agents']:.1f}",
            required(r["erlang_c_required"]), required(r["erlang_a_required"]),
            pct(r["erlang_c_service_level"]), pct(r["erlang_a_service_level"]), pct(r["erlang_a_abandon_rate"]),
        )
    return table


# --- ccsim backtest ----------------------------------------------------------------------------


def backtest_summary(res: BacktestResult) -> list[RenderableType]:
    """What was replayed, the fit table, the days skipped and the notes, then the verdict."""
    from ..backtest import FIT_CAPTION, FIT_HEADER, fit_rows

    days = res.replayed
    contacts = sum(d.contacts for d in days)
    span = f"{days[0].date} to {days[-1].date}" if len(days) > 1 else str(days[0].date)
    table = _table(f"{escape(res.scenario.name)}: {len(days)} day(s) of {escape(res.log)} replayed ({span}), {contacts:,} contacts, {res.replications} replications", FIT_HEADER, left=FIT_HEADER[:1])
    table.caption = FIT_CAPTION
    for row in fit_rows(res):
        table.add_row(*row)
    out: list[RenderableType] = [table]
    out += [Text.assemble(("skipped", "yellow"), f" {d.date}: {d.skipped}") for d in res.days if d.skipped is not None]
    out += [Text(f"note: {note}") for note in res.notes]
    out.append(Text(res.verdict, style="green" if res.fits else "red"))
    return out
