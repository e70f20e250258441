"""The report of ``ccsim run``: one simulated scenario, interval by interval, with 95% bands."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import plotly.graph_objects as go

from ..evaluation import day_shares, readability_warnings
from ..metrics import EstimateColumn
from ..rankings import missed_intervals
from ..results import SimulationResult
from .html import Section, band_traces, colour, figure, format_estimate, render_page, rgba, table_html


def headline(result: SimulationResult) -> list[str]:
    """Plain-language lines for the top of the report: targets met, worst intervals."""
    lines = []
    counted, noun = result.scenario.horizon.counted_intervals()
    for name, ct in result.scenario.contact_types.items():
        sl = result.intervals_by_contact_type[name]["service_level"]
        target = ct.service_level.target
        missed = missed_intervals(result, name)
        day = result.by_contact_type[name]
        goal = f"{target:.0%}/{ct.service_level.seconds:g}s"
        if not day["offered"].mean:  # e.g. a bot without human escape: nobody reaches this queue
            lines.append(f"<b>{html.escape(name)}</b>: no contact reached an agent (see the behaviour table).")
            continue
        day_sl = day["service_level"].mean or 0.0
        verdict = "<span class='good'>meets</span>" if day_sl >= target else "<span class='bad'>misses</span>"
        text = (
            f"<b>{html.escape(name)}</b>: the day {verdict} {goal} with {day_sl:.1%} answered in time; "
            f"{len(counted) - len(missed)} of {len(counted)} {noun} meet it"
        )
        if missed:
            text += f"; worst {result.labels[missed[0]]} at {sl[missed[0]].mean:.1%}"
        text += f"; {day['abandon_rate'].mean:.1%} abandon, ASA {day['asa_seconds'].mean or 0:.1f} s."
        lines.append(text)
    lines += [f"<span class='bad'>Warning:</span> {html.escape(w)}" for w in readability_warnings(result.replications, day_shares(result))]
    return lines


def build_run_report(result: SimulationResult) -> str:
    sc = result.scenario
    x = result.labels
    names = sc.type_names
    tag = f"{sc.name} · seed {result.seed} · {result.replications} replications"
    xt = "interval start (clock time)"

    def per_type(metric: str, bounds=(0.0, None)):
        traces = []
        for k, name in enumerate(names):
            traces += band_traces(x, result.intervals_by_contact_type[name][metric], name, colour(k), bounds=bounds)
        return traces

    sl_traces = per_type("service_level", bounds=(0.0, 1.0))
    for k, (name, ct) in enumerate(sc.contact_types.items()):
        sl_traces.append(
            dict(type="scatter", x=x, y=[ct.service_level.target] * len(x), mode="lines", name=f"{name} target ({ct.service_level.seconds:g} s)", line=dict(color=colour(k), dash="dot"))
        )
    offered_traces = []
    for k, name in enumerate(names):
        offered_traces += band_traces(x, result.intervals_by_contact_type[name]["offered"], f"{name} offered", colour(k))
        offered_traces += band_traces(x, result.intervals_by_contact_type[name]["answered"], f"{name} answered", colour(k), dash="dash")
    occ_traces = []
    for p, name in enumerate(sc.pool_names):
        occ_traces += band_traces(x, result.intervals_by_pool[name]["occupancy"], name, colour(len(names) + p), bounds=(0.0, 1.0))
    queue_traces = []
    for k, name in enumerate(names):
        queue_traces += band_traces(x, result.intervals_by_contact_type[name]["max_queue"], f"{name} max", colour(k))
        queue_traces += band_traces(x, result.intervals_by_contact_type[name]["mean_queue"], f"{name} mean", colour(k), dash="dash")

    charts = [
        figure(f"Service level against target — {tag}", xt, "answered within T / offered (%)", sl_traces, percent=True, y_range=[0, 1.05]),
        figure(f"Average speed of answer — {tag}", xt, "ASA (seconds)", per_type("asa_seconds")),
        figure(f"Abandonment — {tag}", xt, "abandoned / offered (%)", per_type("abandon_rate", bounds=(0.0, 1.0)), percent=True),
        figure(f"Offered and answered — {tag}", xt, "contacts per interval", offered_traces),
        figure(f"Occupancy — {tag}", xt, "busy / staffed agent time (%)", occ_traces, percent=True, y_range=[0, 1.05]),
        figure(f"Queue length — {tag}", xt, "contacts waiting", queue_traces),
    ] + _behaviour_charts(result, tag, xt)

    columns = {
        "offered": "offered",
        "answered": "answered",
        "abandoned": "abandoned",
        "service_level": "service level",
        "asa_seconds": "ASA",
        "wait_p50_seconds": "half waited at most",
        "wait_p90_seconds": "90% waited at most",
        "abandon_rate": "abandon rate",
    }
    rows = [[html.escape(n)] + [format_estimate(result.by_contact_type[n][m], m) for m in columns] for n in names]
    day_table = table_html(["contact type"] + list(columns.values()), rows)
    pool_rows = [[html.escape(p), format_estimate(result.by_pool[p]["agents"], "agents"), format_estimate(result.by_pool[p]["occupancy"], "occupancy")] for p in sc.pool_names]
    pool_table = table_html(["agent pool", "agents (mean)", "occupancy"], pool_rows)
    note = "<p>Each figure is the mean over replications; small print and shaded bands are 95% confidence intervals.</p>"
    sections = [
        Section("The day", note + day_table + pool_table),
        *_days_section(result),
        *_staffing_sections(result, tag, xt),
        Section("Interval by interval", "", tuple(charts)),
    ]
    behaviour = _behaviour_section(result)
    if behaviour is not None:
        sections.insert(1, behaviour)
    partial = " (PARTIAL: interrupted before all replications finished)" if result.partial else ""
    subtitle = f"{result.replications} replications, seed {result.seed}, {sc.horizon.describe()}{partial}"
    footer = f"scenario “{html.escape(sc.name)}”, seed {result.seed}, {result.replications} replications, wall time {result.wall_time_s:.1f} s"
    return render_page(f"ccsim run: {sc.name}", subtitle, headline(result), sections, footer)


#: Behaviour counts worth following interval by interval (each is a number of contacts or people).
_INTERVAL_COUNTS = (
    "redials",
    "repeat_contacts",
    "transfers",
    "balked",
    "callbacks_accepted",
    "callbacks_broken",
    "bot_contained",
    "bot_dead_ends",
    "channel_hops",
    "silent_abandons",
    "customers_abandoned",
    "customers_unresolved",
)
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def _behaviour_charts(result: SimulationResult, tag: str, xt: str) -> list:
    """When behaviours are on: what customers did per interval (redials, transfers, balks,
    callbacks, bot outcomes, silent chat abandons, customers lost). None of it shows in the queue charts."""
    from .behaviour_rows import LABELS, relevant_metrics

    sc, x = result.scenario, result.labels
    names = sc.type_names
    traces = []
    for name, metrics in relevant_metrics(sc).items():
        k = names.index(name)
        for j, m in enumerate(m for m in metrics if m in _INTERVAL_COUNTS):
            traces += band_traces(x, result.intervals_by_contact_type[name][m], f"{name}: {LABELS[m][0]}", colour(k), dash=_DASHES[j % len(_DASHES)])
    charts = []
    if traces:
        charts.append(figure(f"What customers did — {tag}", xt, "contacts or customers per interval", traces))
    return charts + _who_answered_charts(result, tag, xt)


@dataclass(frozen=True)
class PoolStaffing:
    """One pool's agents per interval against the stationary Erlang A requirement.

    ``needed_present`` is what Erlang A asks to have on the phones, ``needed_scheduled`` what it
    asks to schedule once the pool's planned shrinkage is added (None without shrinkage). ``gap``
    is agents present (the simulation's mean) minus ``needed_present``, the net staffing WFM tools
    show; ``status`` says short (below 0), meets (less than one agent over) or over."""

    pool: str
    scheduled: EstimateColumn
    present: EstimateColumn
    needed_present: list[int]
    needed_scheduled: list[int] | None
    gap: list[float | None]
    status: list[str | None]


def pool_staffing(result: SimulationResult) -> tuple[list[PoolStaffing], list[str]]:
    """Every pool's staffing against the Erlang A requirement of each interval, and what Erlang
    could not plan or ignores (``ErlangPlan.notes``).

    The requirement is SIPP's (``sipp.erlang_plan``): each interval solved by Erlang A as its own
    steady state from the scenario's targets, planned AHT and mean patience, a contact type's agents
    split over its primary pools. That is the stationary requirement a spreadsheet asks for, not
    what the simulated day needed: queues carried from one interval into the next, redials and the
    other behaviours are not in it, and the simulated service level says whether the staffing held."""
    from ..goals import goals_of
    from ..plans import copy_scenario
    from ..sipp import erlang_plan

    sc = result.scenario
    goals = goals_of(sc)
    to_schedule = erlang_plan(sc, goals, "A")
    unshrunk = copy_scenario(sc, agent_pools={p: pool.model_copy(update={"shrinkage": None}) for p, pool in sc.agent_pools.items()})
    to_be_present = erlang_plan(unshrunk, goals, "A").plan
    pools = []
    for name, pool in sc.agent_pools.items():
        present = result.intervals_by_pool[name]["agents"]
        gap = [None if e.mean is None else e.mean - need for e, need in zip(present, to_be_present[name])]
        pools.append(
            PoolStaffing(
                name, result.intervals_by_pool[name]["agents_scheduled"], present, to_be_present[name],
                to_schedule.plan[name] if pool.shrinkage is not None else None, gap,
                [None if g is None else "short" if g < 0 else "meets" if g < 1 else "over" for g in gap],
            )
        )
    return pools, to_schedule.notes


#: Each staffing status: its legend in the charts, its word in the gap table, its colour in both.
_STATUS = {
    "short": ("present, short of the requirement", "short", colour(1)),
    "meets": ("present, meeting it (less than one agent over)", "meets", colour(2)),
    "over": ("present, one agent or more over it", "over", colour(0)),
}


def _staffing_chart(result: SimulationResult, ps: PoolStaffing, tag: str, xt: str) -> go.Figure:
    """Bars of agents present coloured by status (whiskers: 95% CI), the scheduled agents where
    shrinkage or shifts set them apart, and the requirement as steps."""
    sc, x = result.scenario, result.labels
    traces: list = []
    for key, (legend, _, hex_colour) in _STATUS.items():
        mine = [s == key for s in ps.status]
        traces.append(
            go.Bar(
                x=x, y=[e.mean if m else None for e, m in zip(ps.present, mine)], name=legend, marker_color=rgba(hex_colour, 0.7),
                error_y=dict(
                    type="data", symmetric=False, color="#555", thickness=1,
                    array=[e.hi - e.mean if m and e.hi is not None else None for e, m in zip(ps.present, mine)],
                    arrayminus=[e.mean - e.lo if m and e.lo is not None else None for e, m in zip(ps.present, mine)],
                ),
            )
        )
    if ps.needed_scheduled is not None or sc.agent_pools[ps.pool].shifts is not None:
        hex_colour = colour(len(sc.type_names) + sc.pool_names.index(ps.pool))
        traces.append(go.Scatter(x=x, y=ps.scheduled.means(), mode="lines+markers", name="scheduled", line=dict(color=hex_colour, dash="dash")))
    traces.append(go.Scatter(x=x, y=ps.needed_present, mode="lines", line_shape="hvh", name="Erlang A requirement, present (stationary)", line=dict(color="black", width=2)))
    if ps.needed_scheduled is not None:
        traces.append(
            go.Scatter(x=x, y=ps.needed_scheduled, mode="lines", line_shape="hvh", name="Erlang A requirement, to schedule (with shrinkage)", line=dict(color="#777", dash="dot"))
        )
    fig = figure(f"Staffing of {ps.pool} against the stationary Erlang A requirement — {tag}", xt, "agents (time average)", traces)
    # up to seven legend entries: below the chart, where they do not cover the title
    fig.update_layout(barmode="overlay", bargap=0.15, height=460, margin=dict(b=130), legend=dict(yanchor="top", y=-0.2, xanchor="left", x=0))
    return fig


def _days_section(result: SimulationResult) -> list[Section]:
    """On a horizon of several dates, each date's volume, service level and abandonment per
    contact type and its agents and occupancy per pool (means over the open hours)."""
    if result.by_date is None or len(result.by_date) < 2:
        return []
    sc = result.scenario
    header = ["date", *(f"{t} {what}" for t in sc.type_names for what in ("offered", "service level", "abandon rate"))]
    header += [f"{p} {what}" for p in sc.pool_names for what in ("agents", "occupancy")]
    rows = []
    for date, parts in result.by_date.items():
        types, pools = parts["by_contact_type"], parts["by_pool"]
        cells = [format_estimate(types[t][m], m) for t in sc.type_names for m in ("offered", "service_level", "abandon_rate")]
        cells += [format_estimate(pools[p][m], m) for p in sc.pool_names for m in ("agents", "occupancy")]
        rows.append([f"{dt.date.fromisoformat(date):%a %Y-%m-%d}", *cells])
    note = "<p>Each date's figures from its own intervals; a pool's agents are its mean over the hours the center is open.</p>"
    return [Section("Day by day", note + table_html(header, rows))]


def _staffing_sections(result: SimulationResult, tag: str, xt: str) -> list[Section]:
    """A staffing chart per pool with a line on how often it is short, then the gap table."""
    pools, notes = pool_staffing(result)
    x = result.labels
    counted, noun = result.scenario.horizon.counted_intervals()  # the table leaves closed intervals out
    shrinking = any(ps.needed_scheduled is not None for ps in pools)
    lines, rows = [], []
    for ps in pools:
        short = [i for i in counted if ps.status[i] == "short"]
        line = f"<b>{html.escape(ps.pool)}</b>: "
        if short:
            worst = min(short, key=lambda i: ps.gap[i])
            line += f"<span class='bad'>short in {len(short)} of {len(counted)} {noun}</span> (most: {-ps.gap[worst]:.1f} agents at {x[worst]})"
        else:
            line += f"<span class='good'>never short</span> in {len(counted)} {noun}"
        lines.append(line + f"; one agent or more over in {sum(ps.status[i] == 'over' for i in counted)}.")
        for i in counted:
            label = x[i]
            cells = [label, html.escape(ps.pool), format_estimate(ps.scheduled[i], "agents"), format_estimate(ps.present[i], "agents"), str(ps.needed_present[i])]
            if shrinking:
                cells.append("" if ps.needed_scheduled is None else str(ps.needed_scheduled[i]))
            if ps.gap[i] is None:
                cells += ["n/a", ""]
            else:
                _, word, hex_colour = _STATUS[ps.status[i]]
                cells += [f"{ps.gap[i]:+.1f}", f"<span style='color:{hex_colour}'>{word}</span>"]
            rows.append(cells)
    note = (
        "<p>Agents present in each interval, coloured by how they stand against the interval's Erlang A requirement: "
        "the agents that formula asks for when each interval is solved as its own steady state (SIPP) with the scenario's "
        "targets, planned handle time and mean patience. It is the stationary requirement a spreadsheet computes, not what "
        "the simulated day needed: queues carried over between intervals, redials and the other behaviours are not in it, "
        "and the service level below says whether the staffing held. Bars are means over replications, whiskers 95% "
        "confidence intervals.</p><ul>" + "".join(f"<li>{line}</li>" for line in lines + [html.escape(n) for n in notes]) + "</ul>"
    )
    header = ["interval", "pool", "scheduled", "present", "Erlang A: present needed"] + (["Erlang A: to schedule"] if shrinking else []) + ["gap (present − needed)", "staffing"]
    return [
        Section("Staffing against the requirement", note, tuple(_staffing_chart(result, ps, tag, xt) for ps in pools)),
        Section("The staffing gap, interval by interval", table_html(header, rows)),
    ]


def _who_answered_charts(result: SimulationResult, tag: str, xt: str) -> list:
    """With overflow rings: for each contact type more than one pool answers, its answered contacts
    per interval stacked by pool (means over replications), so a planner sees when the ring works."""
    charts = []
    pools = result.scenario.pool_names
    for name in result.scenario.type_names:
        by_pool = result.answered_by_pool_intervals(name)
        if by_pool is None or sum(1 for counts in by_pool.values() if counts.sum() > 0) < 2:
            continue
        bars = [
            go.Bar(x=result.labels, y=counts, name=pool, marker_color=colour(len(result.scenario.type_names) + pools.index(pool)))
            for pool, counts in by_pool.items()
            if counts.sum() > 0
        ]
        fig = figure(f"Who answered {name} — {tag}", xt, "answered contacts per interval (mean)", bars)
        fig.update_layout(barmode="stack")
        charts.append(fig)
    return charts


def _behaviour_section(result: SimulationResult) -> Section | None:
    """Customer and agent behaviours switched on in the scenario (docs/behaviours.md), else None."""
    from .behaviour_rows import behaviour_rows, pool_behaviour_rows

    def cell(est, fmt: str) -> str:
        if fmt == "share":
            return format_estimate(est, "service_level")
        if fmt == "seconds":
            return format_estimate(est, "callback_wait_seconds")
        if fmt == "hours" and est.mean is not None:
            ci = f" ({est.lo / 3600:,.1f} to {est.hi / 3600:,.1f})" if est.lo is not None else ""
            return f"{est.mean / 3600:,.1f} h<small>{ci}</small>"
        return format_estimate(est, "count")

    parts = []
    for first, rows in (("contact type", behaviour_rows(result)), ("agent pool", pool_behaviour_rows(result))):
        if rows:
            body = [[html.escape(n), html.escape(label), cell(est, fmt)] for n, label, est, fmt in rows]
            parts.append(table_html([first, "figure", "mean (95% CI)"], body))
    if not parts:
        return None
    note = (
        "<p>Call basis counts every attempt (redials, transfers and callbacks included); customer basis counts each "
        "person once, by how their day ended, in the interval of their first contact. Balks and broken callback "
        "promises are counted as abandoned calls.</p>"
    )
    return Section("Customers and agents as they really behave", note + "".join(parts))
