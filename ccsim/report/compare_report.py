"""The report of ``ccsim compare``: plans side by side on the same simulated days.

One chart per measure with every plan as its own line and 95% band (a plan keeps its colour in
every chart), a chart of the paired service-level difference against the baseline, a table of
day figures and differences, and the plain-language summary on top. ``compare_figures`` is also
what the static export (``--images``) writes, so slides and page show the same charts.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from ..compare import Comparison
from ..compare_text import day_rows, format_ci, format_difference, format_value, summary_lines
from .html import Section, band_traces, colour, figure, level_trace, render_page, table_html

XT = "interval start (clock time)"
#: Contact-type measures of the day table; the terminal table shows fewer.
REPORT_TYPE_METRICS = ("offered", "answered", "abandoned", "service_level", "asa_seconds", "wait_p90_seconds", "abandon_rate")


#: Each plan also gets its own dash and marker, so lines that coincide (plans identical in the
#: morning) stay visible and the charts still read when printed in black and white.
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star")


def plan_traces(cmp: Comparison, i: int, ests: list, name: str, scale: float = 1.0, bounds: tuple = (0.0, None)) -> list:
    """Band traces of plan ``i`` in its colour, dash and marker."""
    traces = band_traces(cmp.labels, ests, name, colour(i), scale, dash=DASHES[i % len(DASHES)], bounds=bounds)
    traces[-1].marker.symbol = SYMBOLS[i % len(SYMBOLS)]
    traces[-1].marker.size = 6
    return traces


def _plan_traces(cmp: Comparison, metric: str, contact_type: str | None = None, pool: str | None = None, scale: float = 1.0) -> list:
    bounds = (0.0, 1.0) if metric in ("service_level", "abandon_rate", "occupancy") else (0.0, None)
    traces = []
    for i, p in enumerate(cmp.plans):
        ests = cmp.intervals(i, metric, contact_type=contact_type, pool=pool)
        if ests is not None:
            traces += plan_traces(cmp, i, ests, p.label, scale, bounds)
    return traces


def compare_figures(cmp: Comparison) -> list[tuple[str, go.Figure]]:
    """(file-name slug, figure) for every chart of the report, in page order."""
    x = cmp.labels
    multi = len(cmp.contact_types) > 1
    figs: list[tuple[str, go.Figure]] = []
    for name in cmp.contact_types:
        on = f" — {name}" if multi else ""
        slug = f"_{name}" if multi else ""
        targets = {(ct.service_level.target, ct.service_level.seconds) for p in cmp.plans for ct in [p.scenario.contact_types[name]]}
        sl = _plan_traces(cmp, "service_level", contact_type=name)
        for target, seconds in sorted(targets):
            sl.append(level_trace(x, target, f"target {target:.0%} in {seconds:g} s"))
        seconds = next(iter(targets))[1]
        figs.append((f"service_level{slug}", figure(f"Service level against target{on}", XT, f"answered within {seconds:g} s (% of offered)", sl, percent=True, y_range=[0, 1.05])))
        figs.append((f"asa{slug}", figure(f"Average speed of answer{on}", XT, "ASA (seconds)", _plan_traces(cmp, "asa_seconds", contact_type=name))))
        figs.append((f"abandonment{slug}", figure(f"Abandonment{on}", XT, "abandoned (% of offered)", _plan_traces(cmp, "abandon_rate", contact_type=name), percent=True)))
    for pool in cmp.pools:
        on = f" — {pool}" if len(cmp.pools) > 1 else ""
        slug = f"_{pool}" if len(cmp.pools) > 1 else ""
        figs.append((f"occupancy{slug}", figure(f"Occupancy{on}", XT, "busy / staffed agent time (%)", _plan_traces(cmp, "occupancy", pool=pool), percent=True, y_range=[0, 1.05])))
    staff = []
    for i, p in enumerate(cmp.plans):
        ests = cmp.intervals(i, "agent_hours")
        scale = 60.0 / p.scenario.horizon.interval_minutes  # agent hours per interval -> agents present
        staff += plan_traces(cmp, i, ests, p.label, scale)
    figs.append(("agents", figure("Agents present (all pools)", XT, "agents (mean over the interval)", staff)))
    if cmp.has_costs:
        currency = cmp.plans[0].scenario.costs.currency or "currency units"
        figs.append(("cost", figure("Cost per interval (agent hours + abandoned contacts)", XT, f"cost ({currency} per interval)", _plan_traces(cmp, "cost"))))
    base = cmp.plans[cmp.baseline].label
    for name in cmp.contact_types:
        on = f" — {name}" if multi else ""
        slug = f"_{name}" if multi else ""
        traces = []
        for i, p in enumerate(cmp.plans):
            if i == cmp.baseline:
                continue
            d = cmp.difference(i, "service_level", contact_type=name)
            traces += plan_traces(cmp, i, d.intervals, f"{p.label} − {base}", scale=100.0, bounds=(None, None))
        traces.append(level_trace(x, 0.0, "no difference"))
        fig = figure(f"Service level difference against {base}, paired 95% CI{on}", XT, f"difference to {base} (percentage points)", traces)
        fig.update_yaxes(rangemode="normal", zeroline=True, ticksuffix=" pts")
        figs.append((f"service_level_difference{slug}", fig))
    return figs


def _cell(metric: str, e, currency: str = "") -> str:
    if e is None or e.mean is None:
        return "n/a"
    text = html.escape(format_value(metric, e.mean, currency))
    if e.half_width is not None:
        hw = format_difference(metric, e.half_width, currency).lstrip("+")
        text += f"<small> ±{html.escape(hw)}</small>"
    return text


def _diff_cell(d, currency: str = "") -> str:
    if d is None or d.day.mean is None:
        return "n/a"
    if d.day.mean == 0 and d.day.lo == 0 and d.day.hi == 0:
        return "<span class='ns'>identical on every day</span>"
    text = html.escape(format_difference(d.metric, d.day.mean, currency))
    ci = format_ci(d.metric, d.day, currency)
    cls = {"better": "good", "worse": "bad"}.get(d.verdict, "")
    if d.significant:
        mark = f" <span class='{cls}'>{html.escape(d.verdict)}</span>" if cls else ""
        return f"{text}{mark}<br><small>{html.escape(ci)}</small>"
    return f"<span class='ns'>{text} <abbr title='the 95% interval includes zero'>n.s.</abbr></span><br><small>{html.escape(ci)}</small>"


def day_table(cmp: Comparison) -> str:
    """Rows = measures, columns = plans then differences to the baseline (with paired 95% CI)."""
    others = [i for i in range(len(cmp.plans)) if i != cmp.baseline]
    base = cmp.plans[cmp.baseline].label
    header = ["measure (day)"] + [p.label for p in cmp.plans] + [f"{cmp.plans[i].label} − {base}" for i in others]
    rows = []
    currency = cmp.plans[0].scenario.costs.currency if cmp.has_costs else ""

    for label, metric, kw in day_rows(cmp, REPORT_TYPE_METRICS):
        cells = [html.escape(label)]
        cells += [_cell(metric, cmp.day(i, metric, **kw), currency) for i in range(len(cmp.plans))]
        cells += [_diff_cell(cmp.difference(i, metric, **kw), currency) for i in others]
        rows.append(cells)
    return table_html(header, rows)


def build_compare_report(cmp: Comparison, actions: list[dict] | None = None, warnings: list[str] | None = None) -> str:
    """The comparison's report; from a state (``ccsim compare --state``), ``actions`` (ranked by
    ccsim.intraday.action_ranking) lead it: what each action recovers per extra agent-hour.
    ``warnings`` (why the figures are hard to read, as the terminal says them) end its summary."""
    plans = cmp.plans
    base = plans[cmp.baseline].label
    title = "ccsim compare: " + " vs ".join(p.label for p in plans)
    subtitle = (
        f"{len(plans)} plans on the same {cmp.replications} simulated days (seed {cmp.seed}), "
        f"{plans[0].scenario.horizon.describe()}; differences are against {base}"
        + (" (PARTIAL: interrupted)" if cmp.partial else "")
    )
    legend = "".join(
        f"<li><span class='swatch' style='background:{colour(i)}'></span><b>{html.escape(p.label)}</b>: "
        f"{html.escape(p.scenario.description or p.scenario.name)}</li>"
        for i, p in enumerate(plans)
    )
    note = (
        "<p>Every plan saw the same arrivals, handle times and patience on each simulated day (common random numbers), "
        "so each difference is computed day by day and its 95% interval is much tighter than either plan's own. "
        "Values are means over the days, with ± the 95% half-width; "
        "<span class='ns'>n.s.</span> marks a difference whose interval includes zero (not significant).</p>"
    )
    figs = [f for _, f in compare_figures(cmp)]
    n_measure = len(figs) - len(cmp.contact_types)
    sections = [
        Section("The plans", f"<ul class='plans'>{legend}</ul>"),
        Section("The day, side by side", note + day_table(cmp)),
        Section("Interval by interval", "<p>Lines are means, shaded bands 95% confidence intervals.</p>", tuple(figs[:n_measure])),
        Section(
            f"Differences against {base}",
            "<p>Paired difference per interval with its 95% interval: where the band stays clear of zero the plans really differ.</p>",
            tuple(figs[n_measure:]),
        ),
    ]
    if actions:
        sections.insert(0, Section("What to do now: the actions ranked", _actions_table(actions)))
    summary = [html.escape(line) for line in summary_lines(cmp)]
    summary += [f"<span class='bad'>Warning:</span> {html.escape(w)}" for w in warnings or ()]
    sources = "; ".join(
        f"{html.escape(p.label)} = “{html.escape(p.scenario.name)}”" + (f" ({html.escape(p.source)})" if p.source else "") for p in plans
    )
    footer = f"plans: {sources} &middot; seed {cmp.seed} for every plan, {cmp.replications} replications &middot; wall time {cmp.wall_time_s:.1f} s"
    return render_page(title, subtitle, summary, sections, footer)


def _actions_table(actions: list[dict]) -> str:
    """Each action's day service level change and what it costs, best value per agent-hour first."""
    rows = [
        [
            html.escape(a["plan"]),
            html.escape(a["contact_type"]),
            f"{a['service_level_points']:+.1f} pts" + ("" if a["significant"] else " <span class='ns'>n.s.</span>"),
            f"{a['extra_agent_hours']:+.1f} h",
            "free" if a["points_per_agent_hour"] is None else f"{a['points_per_agent_hour']:+.2f} pts per h",
        ]
        for a in actions
    ]
    note = "<p>From the same state, on the same simulated afternoons: the service level each action recovers, per extra agent-hour.</p>"
    return note + table_html(["action", "contact type", "service level", "extra agent-hours", "value"], rows)
