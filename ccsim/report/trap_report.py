"""The report of ``ccsim trap``: the sweep around the naive plan, the cliff, promise against reality,
and the scenario's own plan marked on every chart and in the table."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from ..metrics import Estimate
from ..plans import agent_hours
from ..trap import CLIFF_POINTS, TrapResult, without_feedback
from .html import Section, band_traces, colour, figure, render_page, table_html


#: How the scenario's own plan is marked: one colour on every chart.
OWN = "#111111"
OWN_LABEL = "your plan"


def build_trap_report(res: TrapResult) -> str:
    sc = res.scenario
    pts = sorted(res.points, key=lambda p: p.agents)
    ax = [round(p.agents, 1) for p in pts]
    xt = "agents (mean scheduled per interval, all pools)"
    own = res.own

    def series(key: str) -> list[Estimate]:
        return [p.measures[key] for p in pts]

    def marks(fig, key: str):
        """The cliff, the naive plan and the scenario's own plan, with what it achieves on ``key``."""
        if res.cliff:
            fig.add_vrect(x0=res.cliff["agents"], x1=res.cliff["above_agents"], fillcolor="rgba(214,39,40,0.12)", line_width=0, annotation_text="cliff", annotation_position="top left")
        plan = res.at_plan
        fig.add_vline(x=plan.agents, line_dash="dot", line_color="#555", annotation_text="naive plan", annotation_position="bottom right")
        fig.add_vline(x=own.agents, line_dash="dash", line_color=OWN, annotation_text=OWN_LABEL, annotation_position="top right")
        e = own.measures[key]
        if e.mean is not None:
            whiskers = dict(type="data", symmetric=False, array=[e.hi - e.mean], arrayminus=[e.mean - e.lo], color=OWN) if e.lo is not None else None
            fig.add_trace(go.Scatter(x=[round(own.agents, 1)], y=[e.mean], mode="markers", name=f"{OWN_LABEL} ({own.scale:.0%} of the naive plan)", marker=dict(color=OWN, size=11, symbol="diamond"), error_y=whiskers))
        return fig

    target = min(g.sl_target for g in res.goals.types.values())
    sl_tr = band_traces(ax, series("service_level"), "service level (all types)", colour(0))
    if pts[0].without_feedback is not None:
        sl_tr += band_traces(ax, [p.without_feedback for p in pts], f"the same plans without {' and '.join(without_feedback(sc)[1])}", "#7f7f7f", dash="dot")
    for k, name in enumerate(sc.type_names):
        sl_tr += band_traces(ax, [p.by_type[name]["service_level"] for p in pts], name, colour(k + 1), dash="dash")
    sl_tr.append(go.Scatter(x=ax, y=[target] * len(ax), mode="lines", name=f"target {target:.0%}", line=dict(color="black", dash="dot", width=1)))
    figs = [
        marks(figure("Service level against staffing", xt, "answered within T / offered", sl_tr, percent=True, y_range=[0, 1.05]), "service_level"),
        marks(figure("Abandonment against staffing", xt, "abandoned / offered", band_traces(ax, series("abandon_rate"), "abandon rate", colour(1)), percent=True), "abandon_rate"),
        marks(figure("Average speed of answer against staffing", xt, "ASA (seconds)", band_traces(ax, series("asa_seconds"), "ASA", colour(2))), "asa_seconds"),
        marks(figure("Occupancy against staffing", xt, "busy / present agent time", band_traces(ax, series("occupancy"), "occupancy", colour(3)), percent=True, y_range=[0, 1.05]), "occupancy"),
    ]
    load_tr = band_traces(ax, series("offered"), "offered contacts (every attempt)", colour(4))
    figs.append(marks(figure("Offered load against staffing", xt, "contacts in the day", load_tr), "offered"))
    if "redial_share" in pts[0].measures:
        figs.append(marks(figure("Redial load against staffing", xt, "redials / offered", band_traces(ax, series("redial_share"), "redial share", colour(5)), percent=True), "redial_share"))
    if "cost" in pts[0].measures:
        cur = sc.costs.currency if sc.costs else ""
        figs.append(marks(figure(f"Total cost against staffing ({cur})", xt, f"agents + abandons ({cur})", band_traces(ax, series("cost"), "total cost", colour(6))), "cost"))
    table_rows = []
    for p in sorted([*pts, own], key=lambda p: p.agents):
        m = p.measures
        table_rows.append(
            [f"<b>{OWN_LABEL}</b> ({p.scale:.0%})" if p is own else f"{p.scale:.0%}", f"{p.agents:.1f}", f"{m['service_level'].mean:.1%}", f"{(m['asa_seconds'].mean or 0):.1f} s", f"{m['abandon_rate'].mean:.1%}", f"{m['occupancy'].mean:.1%}", f"{m['offered'].mean:,.0f}"]
            + ([f"{m['redial_share'].mean:.1%}"] if "redial_share" in m else [])
            + (["<span class='good'>yes</span>" if p.meets_day_targets else "<span class='bad'>no</span>"])
        )
    header = ["scale of naive plan", "agents", "service level", "ASA", "abandon", "occupancy", "offered"] + (["redials/offered"] if "redial_share" in pts[0].measures else []) + ["day meets targets"]
    intro = (
        "<p>The naive SIPP Erlang C plan scaled up and down, every point simulated on the same days (common random numbers); bands are "
        "95% confidence intervals. The shaded strip is the cliff: where the realistic curve falls away from what the same plans give "
        "without the realities that feed long waits back into the load (redials, callbacks, announcements; the dotted curve), by at "
        f"least {CLIFF_POINTS:.0%} of the day's service level. The diamond and "
        f"the dashed line mark your plan, the scenario's own staffing, simulated on the same days: {own.agents:.1f} agents on average, "
        f"{own.scale:.0%} of the naive plan's agent-hours.</p>"
    )
    sections = [Section("The sweep", intro + table_html(header, table_rows), tuple(figs))]
    # promise against reality
    plan = res.at_plan
    pr_figs = []
    for k, name in enumerate(sc.type_names):
        traces = band_traces(res.labels, plan.interval_sl[name], "simulated", colour(1))
        traces.append(go.Scatter(x=res.labels, y=res.naive.promised_sl[name], mode="lines+markers", name="Erlang C promise", line=dict(color=colour(0), dash="dash")))
        traces += band_traces(res.labels, own.interval_sl[name], f"{OWN_LABEL} (simulated)", OWN, dash="dash")
        g = res.goals.types[name]
        traces.append(go.Scatter(x=res.labels, y=[g.sl_target] * len(res.labels), mode="lines", name="target", line=dict(color="black", dash="dot", width=1)))
        pr_figs.append(figure(f"The naive plan's promise against the simulation — {name}", "interval start (clock time)", "answered within T / offered", traces, percent=True, y_range=[0, 1.05]))
    sections.append(
        Section(
            "The promise against reality",
            "<p>What Erlang C promises for its own plan, interval by interval, beside what the simulation of that same plan gives, and what your plan gives on the same days.</p>",
            tuple(pr_figs),
        )
    )
    if res.gap:
        steps = res.gap["steps"]
        measures = ["absolute"] + ["relative"] * len(steps) + ["total"]
        xs = ["naive Erlang C"] + [s["label"] for s in steps] + ["realistic requirement"]
        ys = [res.gap["naive_erlang_c_agent_hours"]] + [s["delta_agent_hours"] for s in steps] + [res.gap["realistic_agent_hours"]]
        wf = go.Figure(go.Waterfall(x=xs, y=ys, measure=measures, text=[f"{v:+.1f}" if m == "relative" else f"{v:.1f}" for v, m in zip(ys, measures)], textposition="outside", connector=dict(line=dict(color="#999"))))
        wf.update_layout(title=dict(text="Where the naive plan's agents go: agent-hours each reality costs", x=0.01), template="plotly_white", height=460, margin=dict(l=70, r=20, t=60, b=140), yaxis_title="agent-hours in the day", showlegend=False)
        wf.add_hline(y=res.gap["naive_with_flat_shrinkage_agent_hours"], line_dash="dot", annotation_text="naive plan with flat shrinkage")
        wf.add_hline(y=agent_hours(own.plan, sc.horizon.interval_s)["total"], line_dash="dash", line_color=OWN, annotation_text=OWN_LABEL, annotation_position="bottom left")
        rows = [
            [html.escape(s["label"]), f"{s['delta_agent_hours']:+.1f}", f"{s['agent_hours']:.1f}", html.escape(s["why_lower"] or ""), "" if s["converged"] else "not converged"]
            for s in steps
        ]
        sections.append(
            Section(
                "The gap by cause",
                "<p>Each reality of the scenario switched on one at a time, starting from an ideal world (exponential handle times, nobody hangs up, no shrinkage, no redials, perfect pooling); each bar is the change in the simulation-based requirement.</p>"
                + table_html(["reality", "agent-hours", "requirement after", "why it lowers the requirement", ""], rows),
                (wf,),
            )
        )
    cost = res.cheapest()
    if cost:
        cur = html.escape(sc.costs.currency) if sc.costs else ""
        best = cost["cheapest_meeting_targets"]
        text = f"<p>Lowest expected cost: {cost['lowest_cost']['cost']['mean']:,.0f} {cur} at {cost['lowest_cost']['agents']} agents. "
        text += f"Cheapest plan meeting the day's targets: {best['cost']['mean']:,.0f} {cur} at {best['agents']} agents ({best['scale']:.0%}).</p>" if best else "No sweep point meets the day's targets.</p>"
        sections.append(Section("Cost", text))
    summary = [f"<b>{html.escape(res.verdict)}</b>"]
    if not res.cliff:
        summary.append(html.escape(res.cliff_note[0].upper() + res.cliff_note[1:]) + ".")
    summary += [f"<span class='bad'>Warning:</span> {html.escape(w)}" for w in res.warnings()]
    subtitle = f"{len(res.points)} staffing levels x {res.replications} replications, seed {sc.seed}"
    footer = f"scenario “{html.escape(sc.name)}”, seed {sc.seed}, {res.replications} replications, wall time {res.wall_time_s:.1f} s"
    return render_page(f"ccsim trap: {sc.name}", subtitle, summary, sections, footer)
