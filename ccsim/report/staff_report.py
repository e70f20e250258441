"""The report of ``ccsim staff``: three staffing curves beside the scenario's own plan, and what each achieves when simulated."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from ..staffing import StaffResult
from .html import Section, band_traces, colour, figure, format_estimate, render_page, table_html

_DASH = {"own": "longdash", "erlang_c": "dot", "erlang_a": "dash", "simulated": None, "shifts": "dashdot"}


def _summary(res: StaffResult) -> list[str]:
    hours = res.agent_hours()
    lines = []
    sim = hours["simulated"]["total"]
    if res.targets_met:
        lines.append(
            f"<span class='good'>The simulated plan meets every target in every interval</span> "
            f"(one-sided confidence {res.confidence:.0%}, {res.replications} replications): {sim:,.1f} agent-hours. "
            f"{html.escape(res.search_summary())}"
        )
    else:
        lines.append(f"<span class='bad'>The simulated plan does not meet every target</span>: {sim:,.1f} agent-hours; see the intervals given up below.")
    lines.append(f"<span class='{'good' if res.promise_held else 'bad'}'>{html.escape(res.promise_verdict())}</span>")
    for k in ("own", "erlang_c", "erlang_a"):
        met = res.intervals_meeting(k)
        n = len(res.counted)
        miss = ", ".join(f"{html.escape(t)} {m}/{n}" for t, m in met.items())
        lines.append(f"{res.plan_labels[k]}: {hours[k]['total']:,.1f} agent-hours ({hours[k]['total'] - sim:+,.1f} against the simulation); intervals meeting the targets on the fresh days: {miss}.")
    if res.shift_plans:
        lost = sum(len(sp.uncovered_intervals) for sp in res.shift_plans.values())
        paid = sum(sp.paid_hours for sp in res.shift_plans.values())
        lines.append(f"Shift plan: {paid:,.1f} paid hours; {lost} interval(s) the rules cannot cover.")
    if res.rosters:
        lost = sum(len(r.uncovered) for r in res.rosters.values())
        paid = sum(r.paid_hours for r in res.rosters.values())
        lines.append(f"Weekly roster: {paid:,.1f} paid hours in {sum(len(r.lines) for r in res.rosters.values())} agent lines; {lost} interval(s) the rules cannot cover.")
    for u in res.isa.unrescued:
        lines.append(f"<span class='bad'>Given up</span> {html.escape(u['interval_start'])} {html.escape(u['name'])}: {html.escape(u['reason'])}")
    lines += [f"<span class='bad'>Warning:</span> {html.escape(w)}" for w in res.warnings()]
    return lines


def build_staff_report(res: StaffResult) -> str:
    sc = res.scenario
    x = res.labels
    xt = "interval start (clock time)"
    sections = []
    targets = "<p>Targets: " + "; ".join(html.escape(t) for t in res.goals.describe()) + ".</p>"
    hours = res.agent_hours()
    rows = [[res.plan_labels[k]] + [f"{hours[k][p]:,.1f}" for p in sc.pool_names] + [f"{hours[k]['total']:,.1f}"] for k in res.plans]
    sections.append(Section("Agent-hours by plan", targets + table_html(["plan"] + sc.pool_names + ["total"], rows)))
    curves = []
    for p, pool in enumerate(sc.pool_names):
        traces = []
        for k, name in enumerate(res.plans):
            traces.append(
                go.Scatter(x=x, y=res.plans[name][pool], mode="lines", line_shape="hv", name=res.plan_labels[name], line=dict(color=colour(k), width=2.5, dash=_DASH.get(name)))
            )
        if pool in res.shift_plans:
            traces.append(go.Bar(x=x, y=res.shift_plans[pool].coverage, name="shifts on duty", marker_color="rgba(150,150,150,0.35)"))
        curves.append(figure(f"Agents scheduled per interval — pool {pool}", xt, "agents (scheduled, before shrinkage)", traces))
    sections.append(
        Section(
            "Three staffing curves over the day, and your plan",
            "<p>Steps are the agents each method puts in each interval, beside the plan the scenario has; the simulation's are the fewest that meet every target in every interval.</p>",
            tuple(curves),
        )
    )
    sl_figs = []
    for t, name in enumerate(sc.type_names):
        traces = []
        for k, plan in enumerate(res.plans):
            traces += band_traces(x, res.achieved[plan].intervals_by_contact_type[name]["service_level"], res.plan_labels[plan], colour(k), dash=_DASH.get(plan))
        g = res.goals.types[name]
        traces.append(go.Scatter(x=x, y=[g.sl_target] * len(x), mode="lines", name=f"target {g.sl_target:.0%}/{g.sl_seconds:g}s", line=dict(color="black", dash="dot", width=1)))
        sl_figs.append(figure(f"Service level each plan achieves when simulated — {name}", xt, "answered within T / offered", traces, percent=True, y_range=[0, 1.05]))
    sections.append(Section("What each plan achieves", f"<p>Each plan simulated on the same {res.evaluation_replications} fresh days, replications the search never saw (common random numbers); bands are 95% confidence intervals.</p>", tuple(sl_figs)))
    day_rows = []
    for plan in res.plans:
        for name in sc.type_names:
            d = res.achieved[plan].by_contact_type[name]
            day_rows.append([res.plan_labels[plan], html.escape(name), f"{d['service_level'].mean:.1%}", f"{(d['asa_seconds'].mean or 0):.1f} s", f"{d['abandon_rate'].mean:.1%}", f"{res.intervals_meeting(plan)[name]}/{len(res.counted)}"])
    sections.append(Section("The day, per plan", table_html(["plan", "contact type", "service level", "ASA", "abandon rate", "intervals meeting targets"], day_rows)))
    if res.shift_plans:
        body, shift_figs = "", []
        for pool, sp in res.shift_plans.items():
            shift_rows = [[html.escape(p.kind), r["start"], r["end"], str(c), ", ".join(f"{b['start']} ({b['minutes']} min)" for b in r["breaks"]) or "-"] for (p, c), r in zip(sp.shifts, sp.roster())]
            body += (
                f"<h3>{html.escape(pool)}: {sp.paid_hours:,.1f} paid hours, {sp.agent_hours:,.1f} agent-hours on duty for a requirement of "
                f"{sp.required_agent_hours:,.1f} ({html.escape(sp.status)})</h3>" + table_html(["kind", "start", "end", "agents", "breaks"], shift_rows)
            )
            forced = [[html.escape(e["label"]), f"{e['agent_hours']:+,.1f}"] for e in sp.excess_by_rule]
            body += (
                f"<p>{sp.excess_agent_hours:,.1f} agent-hours on duty are above the requirement. Each rule's share is what relaxing it "
                "(after the rules above it) takes away; with every rule relaxed, nothing is left above the requirement.</p>"
                + table_html(["rule that forces agent-hours above the requirement", "agent-hours"], forced)
            )
            if sp.uncovered_intervals:
                body += "<p class='bad'>Not coverable under the rules: " + ", ".join(f"{lab} ({u:.1f} short)" for lab, u in zip(sp.labels, sp.uncovered) if u > 1e-6) + "</p>"
            body += table_html(
                ["interval", "required", "on duty", "over", "under"],
                [[lab, str(r), f"{c:.2f}", f"{o:.2f}" if o > 1e-6 else "", f"{u:.2f}" if u > 1e-6 else ""] for lab, r, c, o, u in zip(sp.labels, sp.required, sp.coverage, sp.over(), sp.under())],
            )
            over_under = [
                go.Bar(x=x, y=sp.over(), name="over the requirement", marker_color="rgba(255,127,14,0.8)"),
                go.Bar(x=x, y=[-u for u in sp.under()], name="under the requirement", marker_color="rgba(214,39,40,0.85)"),
            ]
            shift_figs.append(figure(f"Shift plan against the requirement — pool {pool}", xt, "agents on duty minus required", over_under).update_layout(barmode="relative"))
        sections.append(Section("Shift plan", body, tuple(shift_figs)))
    if res.rosters:
        sections += _week_sections(res, xt)
    it_rows = [[str(h["iteration"]), str(h["replications"]), f"{h['agent_hours']:,.1f}", str(h["failing_intervals"])] for h in res.isa.history]
    sections.append(Section("How the simulation-based plan was found", f"<p>Iterative staffing algorithm (Feldman, Mandelbaum, Massey &amp; Whitt 2008), started from the Erlang A plan: {res.isa.simulations} plans simulated, {res.isa.simulated_days:,} plan-days in all, every plan on the same days; each stage on more of them.</p>" + table_html(["iteration", "days", "agent-hours", "failing (type, interval) cells"], it_rows)))
    subtitle = f"{sc.horizon.describe()}, {res.replications} replications, seed {sc.seed}"
    footer = f"scenario “{html.escape(sc.name)}”, seed {sc.seed}, {res.replications} replications, wall time {res.wall_time_s:.1f} s"
    return render_page(f"ccsim staff: {sc.name}", subtitle, _summary(res), sections, footer)


def _week_sections(res: StaffResult, xt: str) -> list[Section]:
    """The weekly roster per pool (agent lines x dates, what it leaves short and the rule that
    prevents covering it, its coverage against the requirement), then every plan day by day."""
    body, figs = "", []
    for pool, roster in res.rosters.items():
        header, rows = roster.table()
        body += (
            f"<h3>{html.escape(pool)}: {len(rows)} agent lines, {roster.paid_hours:,.1f} paid hours, covering the "
            f"{html.escape(res.requirement)} requirement ({html.escape(roster.status)})</h3>"
            + table_html(["line", "contract", *header[3:]], [[str(r[1]), html.escape(r[2]), *(c or "-" for c in r[3:])] for r in rows])
        )
        if roster.uncovered:
            body += "<p class='bad'>Not coverable under the rules:</p><ul>" + "".join(
                f"<li>{u['date']} {u['time']}: short by {u['short_by']:g}, because of {html.escape(u['rule'])}</li>" for u in roster.uncovered
            ) + "</ul>"
        x = res.labels
        figs.append(
            figure(
                f"Weekly roster against the requirement — pool {pool}",
                xt,
                "agents on duty minus required",
                [
                    go.Bar(x=x, y=roster.over(), name="over the requirement", marker_color="rgba(255,127,14,0.8)"),
                    go.Bar(x=x, y=[-u for u in roster.under()], name="under the requirement", marker_color="rgba(214,39,40,0.85)"),
                ],
            ).update_layout(barmode="relative")
        )
    sc = res.scenario
    day_rows = [
        [date, res.plan_labels[plan], *(format_estimate(parts["by_contact_type"][t]["service_level"], "service_level") for t in sc.type_names)]
        for date in res.achieved["shifts"].by_date
        for plan, achieved in res.achieved.items()
        for parts in (achieved.by_date[date],)
    ]
    days = Section(
        "The week day by day",
        f"<p>Service level per date of every plan, simulated on the same {res.evaluation_replications} fresh days with everything the scenario has (shrinkage, busyness, backlogs carried over; mean and 95% interval).</p>"
        + table_html(["date", "plan", *(f"{t} service level" for t in sc.type_names)], day_rows),
    )
    return [Section("Weekly roster", body, tuple(figs)), days]

