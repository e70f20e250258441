"""A comparison in words: values with their units, signed differences, and the plain-language summary.

The summary is part of the comparison's JSON (``Comparison.to_dict``), so this wording belongs to
the library, a layer below the report: the HTML report and the terminal tables of ``ccsim compare``
build their rows from ``day_rows`` and format with these same functions, so page, terminal and
JSON say the same thing. It uses a comparison only through its public methods and imports
``compare`` for type checking alone, so the two modules form no import circle.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from .clock import format_clock
from .metrics import POOL_METRICS, TYPE_METRICS, Estimate

if TYPE_CHECKING:  # pragma: no cover
    from .compare import Comparison

#: The unit each measure is shown in: share, seconds, hours, currency, or none (a count).
UNITS = {"agent_hours": "hours", "cost": "currency"}
UNITS.update({m.name: m.unit for m in TYPE_METRICS + POOL_METRICS})


def format_value(metric: str, value: float | None, currency: str = "") -> str:
    """A value with its unit, as a planner reads it: 84.1%, 23.4 s, 1,234 contacts, 312.5 h."""
    if value is None or not math.isfinite(value):
        return "n/a"
    unit = UNITS.get(metric, "")
    if unit == "share":
        return f"{value:.1%}"
    if unit == "seconds":
        return f"{value:,.1f} s"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "currency":
        return f"{value:,.0f} {currency}".rstrip()
    return f"{value:,.1f}"


def format_difference(metric: str, value: float | None, currency: str = "", unit: bool = True) -> str:
    """A signed difference: shares in percentage points (+7.1 pts), others in their unit."""
    if value is None or not math.isfinite(value):
        return "n/a"
    measured_in = UNITS.get(metric, "")
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    mag = abs(value)
    if measured_in == "share":
        text, suffix = f"{mag * 100:.1f}", " pts"
    elif measured_in == "currency":
        text, suffix = f"{mag:,.0f}", f" {currency}".rstrip()
    else:
        text, suffix = f"{mag:,.1f}", {"seconds": " s", "hours": " h"}.get(measured_in, "")
    return sign + text + (suffix if unit else "")


def format_ci(metric: str, e: Estimate, currency: str = "", unit: bool = True) -> str:
    """'+3.0 pts to +4.3 pts' (or '+3.0 to +4.3' without units); '' when there is no interval."""
    if e.lo is None:
        return ""
    return f"{format_difference(metric, e.lo, currency, unit)} to {format_difference(metric, e.hi, currency, unit)}"


#: How a measure is named in a sentence or a table row.
NAMES = {
    "service_level": "service level",
    "asa_seconds": "ASA",
    "abandon_rate": "abandonment",
    "occupancy": "occupancy",
    "agent_hours": "agent hours",
    "cost": "cost",
    "mean_wait_seconds": "mean wait",
    "wait_p90_seconds": "90th-percentile wait",
    "wait_p50_seconds": "median wait",
    "wait_p95_seconds": "95th-percentile wait",
    "offered": "offered",
    "answered": "answered",
    "abandoned": "abandoned",
    "max_queue": "longest queue",
    "mean_queue": "mean queue",
    "agents": "agents",
}


def day_rows(cmp: Comparison, type_metrics: Sequence[str]) -> list[tuple[str, str, dict]]:
    """(label, metric, scope keywords) of the day table, the one row list terminal and report share.

    ``type_metrics`` for each contact type (the label names the type when there are several), then
    each pool's occupancy, the agent hours and, when every plan has costs, the cost.
    """
    rows = []
    for name in cmp.contact_types:
        pre = f"{name}: " if len(cmp.contact_types) > 1 else ""
        rows += [(pre + NAMES[metric], metric, {"contact_type": name}) for metric in type_metrics]
    rows += [(f"{pool}: occupancy", "occupancy", {"pool": pool}) for pool in cmp.pools]
    rows.append(("agent hours", "agent_hours", {}))
    if cmp.has_costs:
        rows.append(("cost", "cost", {}))
    return rows


def interval_runs(cmp: Comparison, indices: list[int]) -> list[str]:
    """Consecutive interval indices -> clock ranges '10:30-13:00' (end = end of the last interval)."""
    horizon = cmp.plans[0].scenario.horizon
    runs: list[list[int]] = []
    for i in sorted(indices):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    start = horizon.start_minute
    step = horizon.interval_minutes
    if horizon.start_date is None:
        return [f"{format_clock(start + first * step)}–{format_clock(start + (last + 1) * step)}" for first, last in runs]
    dates = horizon.interval_dates()
    return [
        f"{dates[first]:%a %Y-%m-%d} {format_clock((start + first * step) % 1440)}–{format_clock((start + (last + 1) * step) % 1440 or 1440)}"
        for first, last in runs
    ]


def plan_lines(cmp: Comparison) -> list[str]:
    """Per plan and contact type: intervals meeting the target, the missed clock ranges, worst abandonment."""
    lines = []
    n = len(cmp.labels)
    counted, noun = cmp.plans[0].scenario.horizon.counted_intervals()
    for name in cmp.contact_types:
        for i, p in enumerate(cmp.plans):
            ct = p.scenario.contact_types[name]
            goal = f"{ct.service_level.target * 100:g}/{ct.service_level.seconds:g}"
            sl = cmp.intervals(i, "service_level", contact_type=name)
            missed = [k for k, e in enumerate(sl) if e.mean is not None and e.mean < ct.service_level.target]
            day_sl = cmp.day(i, "service_level", contact_type=name)
            who = f"Plan {p.label}" + (f" ({name})" if len(cmp.contact_types) > 1 else "")
            text = f"{who} meets {goal} in {len(counted) - len(missed)} of {len(counted)} {noun} (day {format_value('service_level', day_sl.mean)})"
            if missed:
                text += "; misses " + ", ".join(interval_runs(cmp, missed))
            ab = cmp.intervals(i, "abandon_rate", contact_type=name)
            worst = max(range(n), key=lambda k: ab[k].mean if ab[k].mean is not None else -1)
            if ab[worst].mean:
                text += f"; abandonment up to {ab[worst].mean:.0%} ({cmp.labels[worst]})"
            lines.append(text + ".")
    return lines


def difference_lines(cmp: Comparison) -> list[str]:
    """Per non-baseline plan: the day differences that matter, each with its 95% interval or 'not significant'."""
    lines = []
    base = cmp.plans[cmp.baseline]
    counted, noun = base.scenario.horizon.counted_intervals()
    for i, p in enumerate(cmp.plans):
        if i == cmp.baseline:
            continue
        for name in cmp.contact_types:
            parts, ns = [], []
            for metric in ("service_level", "asa_seconds", "abandon_rate"):
                d = cmp.difference(i, metric, contact_type=name)
                if d is None or d.day.mean is None:
                    continue
                if d.significant:
                    parts.append(f"{NAMES[metric]} {format_difference(metric, d.day.mean)} (95% CI {format_ci(metric, d.day)}, {d.verdict})")
                else:
                    ns.append(NAMES[metric])
            sl = cmp.difference(i, "service_level", contact_type=name)
            verdicts, holm = ([v[k] for k in counted] for v in (sl.interval_verdicts(), sl.interval_verdicts(holm=True)))
            tested = sum(sl.intervals[k].lo is not None for k in counted)
            scope = f" on {name}" if len(cmp.contact_types) > 1 else ""
            text = f"{p.label} vs {base.label}{scope}: " + ("; ".join(parts) if parts else "no significant difference in service level, ASA or abandonment")
            if parts and ns:
                text += f"; not significant: {', '.join(ns)}"
            text += (
                f". Interval by interval, service level is significantly better in {verdicts.count('better')}, "
                f"worse in {verdicts.count('worse')}, not significantly different in {verdicts.count('not significant')} of {len(verdicts)} {noun}"
                f" (with Holm's correction for testing {tested} intervals: better in {holm.count('better')}, worse in {holm.count('worse')})."
            )
            lines.append(text)
        lines.append(_cost_line(cmp, i))
    return lines


def _cost_line(cmp: Comparison, i: int) -> str:
    """What plan i costs against the baseline: money when every plan has costs, else agent hours."""
    p, base = cmp.plans[i], cmp.plans[cmp.baseline]
    metric = "cost" if cmp.has_costs else "agent_hours"
    d = cmp.difference(i, metric)
    base_value = cmp.day(cmp.baseline, metric).mean
    value = cmp.day(i, metric).mean
    currency = p.scenario.costs.currency if metric == "cost" else ""
    if not base_value:
        return f"{p.label} has {format_value(metric, value, currency)} of {NAMES[metric]}."
    rel = (value - base_value) / base_value
    if abs(rel) < 0.0005 and not d.significant:
        return f"{p.label} and {base.label} have the same {NAMES[metric]} ({format_value(metric, value, currency)})."
    more = "more" if rel > 0 else "less"
    what = "costs" if metric == "cost" else "uses"
    text = f"{p.label} {what} {abs(rel):.1%} {more} {NAMES[metric] if metric != 'cost' else ''}".rstrip()
    text += f" than {base.label} ({format_value(metric, value, currency)} vs {format_value(metric, base_value, currency)}"
    if metric == "cost" and d.day.lo is not None:
        text += f"; difference {format_difference(metric, d.day.mean, currency)}, 95% CI {format_ci(metric, d.day, currency)}"
    text += ")."
    if metric == "cost":
        hours = cmp.difference(i, "agent_hours")
        base_hours = cmp.day(cmp.baseline, "agent_hours").mean
        if base_hours:
            text += f" Agent hours {format_difference('agent_hours', hours.day.mean)} ({(hours.day.mean or 0) / base_hours:+.1%})."
    return text


def summary_lines(cmp: Comparison) -> list[str]:
    """The plain-language summary at the top of the report and under the terminal table."""
    return plan_lines(cmp) + difference_lines(cmp) + list(cmp.notes)
