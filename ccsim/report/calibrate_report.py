"""The report of ``ccsim calibrate``: every estimate drawn against the data it came from.

A planner trusts a calibrated scenario when they can see the fit: volumes by interval with the
day-to-day spread, the handle-time histogram under the fitted densities, and the Kaplan-Meier
patience curve with its confidence band beside the fitted and the naive curves.
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from ..calibrate import MIN_AT_RISK, WEEKDAYS, Calibration, TypeCalibration, describe_dist, frozen
from ..metrics import Estimate
from ..outputs import CsvContent, Files, JsonContent
from .html import Section, rgba, band_traces, colour, figure, render_page, table_html

GREY = "#7f7f7f"
# Tables here carry words, not only numbers: left-align cells inside <div class='cal'>.
_STYLE = "<style>.cal td{text-align:left} .cal td:nth-child(n+2){white-space:normal}</style>"


def _e(text) -> str:
    return html.escape(str(text))


def volume_figure(cal: Calibration, name: str, tc: TypeCalibration, k: int) -> go.Figure:
    x = cal.labels
    traces = []
    days = tc.per_day.shape[0]
    if days <= 14:
        for d in range(days):
            traces.append(
                go.Scatter(
                    x=x, y=tc.per_day[d], mode="lines", line=dict(color=rgba(GREY, 0.35), width=1),
                    name="single days", legendgroup="days", showlegend=d == 0, hoverinfo="skip",
                )
            )
    # The band is the range over the days: a t-interval from two or three days is wider than
    # anything the data show, and the range is what a planner compares with their own days.
    cols = tc.per_day.T
    ests = [Estimate(float(c.mean()), float(c.min()), float(c.max()), days) for c in cols]
    traces += band_traces(x, ests, f"{name}: mean over {days} day(s), band = lowest to highest day", colour(k))
    return figure(f"Volumes by interval — {name}", "interval start (clock time)", f"contacts per {cal.interval_minutes} min", traces)


def day_totals_figure(cal: Calibration) -> go.Figure:
    labels = [f"{d.isoformat()} {WEEKDAYS[d.weekday()]}" for d in cal.days]
    traces = []
    total = np.zeros(len(cal.days))
    for k, (name, tc) in enumerate(cal.types.items()):
        sums = tc.per_day.sum(1)
        total += sums
        if len(cal.types) > 1:
            traces.append(go.Scatter(x=labels, y=sums, mode="markers+lines", name=name, line=dict(color=colour(k), width=1), marker=dict(size=7)))
    traces.append(go.Scatter(x=labels, y=total, mode="markers+lines", name="all contact types", line=dict(color="black", width=1), marker=dict(size=9)))
    m = float(total.mean())
    sd = float(np.sqrt(m))
    traces.append(go.Scatter(x=labels, y=[m] * len(labels), mode="lines", name="mean", line=dict(color="black", dash="dash")))
    traces.append(go.Scatter(x=labels, y=[m + 2 * sd] * len(labels), mode="lines", name="mean ± 2 √mean (Poisson spread)", line=dict(color=GREY, dash="dot")))
    traces.append(go.Scatter(x=labels, y=[max(m - 2 * sd, 0)] * len(labels), mode="lines", showlegend=False, line=dict(color=GREY, dash="dot")))
    fig = figure("Contacts per day: is the day-to-day spread more than chance?", "day", "contacts per day", traces)
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(rangemode="normal")
    return fig


def handle_figure(name: str, tc: TypeCalibration, k: int) -> go.Figure:
    h = tc.handle
    x = h.sample[h.sample > 0] if len(h.sample) else h.sample
    top = float(np.quantile(x, 0.995)) if len(x) else 1.0
    shown = x[x <= top]
    traces = [
        go.Histogram(
            x=shown, histnorm="probability density", nbinsx=60, name=f"observed ({len(x):,} answered, {len(x) - len(shown):,} above p99.5 not drawn)",
            marker=dict(color=rgba(colour(k), 0.35), line=dict(width=0)),
        )
    ]
    grid = np.linspace(0, top, 300)[1:]
    for i, f in enumerate(sorted(h.fits, key=lambda f: f.aic)):
        chosen = f.family == h.chosen
        pdf = frozen(f.params).pdf(grid)
        pdf = np.where(np.isfinite(pdf), pdf, np.nan)
        traces.append(
            go.Scatter(
                x=grid, y=pdf, mode="lines", name=f"{f.family}{' (written)' if chosen else ''}: {f.describe()}",
                line=dict(color=colour(k + 1 + i) if not chosen else "black", width=3 if chosen else 1.5, dash=None if chosen else "dot"),
            )
        )
    fig = figure(f"Handle time — {name}: histogram against the fitted densities", "handle time (seconds)", "probability density (1/s)", traces)
    fig.update_layout(
        hovermode="closest", bargap=0.02, height=460,
        legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="right", x=0.99, bgcolor="rgba(255,255,255,0.8)"),
    )
    peak = np.nanmax([np.nanmax(t.y) for t in traces[1:]] + [0])
    counts, _ = np.histogram(shown, bins=60, density=True) if len(shown) else (np.array([0.0]), None)
    fig.update_yaxes(range=[0, 1.15 * max(float(counts.max()), float(min(peak, 3 * counts.max() or peak)))])
    return fig


def patience_figure(name: str, tc: TypeCalibration, k: int) -> go.Figure | None:
    p = tc.patience
    km = p.km
    if km is None or not len(km.times):
        return None
    t_end = km.trusted_until or float(km.times[-1])
    x_max = max(min(p.max_wait, 3 * t_end), 2 * t_end, 10.0)
    keep = km.times <= x_max
    tx = np.r_[0.0, km.times[keep], x_max]
    sx = np.r_[1.0, km.surv[keep], km.surv[keep][-1] if keep.any() else 1.0]
    lo = np.r_[1.0, km.lo[keep], km.lo[keep][-1] if keep.any() else 1.0]
    hi = np.r_[1.0, km.hi[keep], km.hi[keep][-1] if keep.any() else 1.0]
    c = colour(k)
    traces = [
        go.Scatter(x=tx, y=hi, mode="lines", line=dict(width=0, shape="hv"), hoverinfo="skip", showlegend=False, legendgroup="km"),
        go.Scatter(
            x=tx, y=lo, mode="lines", line=dict(width=0, shape="hv"), fill="tonexty", fillcolor=rgba(c, 0.2),
            name="Kaplan-Meier 95% band", legendgroup="km", hoverinfo="skip",
        ),
        go.Scatter(x=tx, y=sx, mode="lines", line=dict(color=c, width=3, shape="hv"), name="Kaplan-Meier (answered = censored)", legendgroup="km"),
    ]
    grid = np.linspace(0, x_max, 300)
    dashes = {"exponential": "dash", "weibull": "dot", "lognormal": "dashdot"}
    for i, f in enumerate(p.fits):
        chosen = f.family == p.chosen
        traces.append(
            go.Scatter(
                x=grid, y=frozen(f.params).sf(grid), mode="lines", name=f"{f.family} MLE{' (written)' if chosen else ''}: {f.describe()}",
                line=dict(color="black" if chosen else colour(k + 2 + i), width=2.5 if chosen else 1.5, dash=dashes.get(f.family)),
            )
        )
    if p.naive_mean:
        traces.append(
            go.Scatter(
                x=grid, y=np.exp(-grid / p.naive_mean), mode="lines", name=f"naive: abandoners only (mean {p.naive_mean:.1f} s)",
                line=dict(color="#d62728", width=2, dash="longdash"),
            )
        )
    if p.chosen == "curve":
        pts = np.array(p.written["points"])
        traces.append(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers+lines", name="written curve (KM body, fitted tail)", line=dict(color="black", width=1.5), marker=dict(size=6)))
    fig = figure(f"Patience — {name}: share of customers still willing to wait after t seconds", "time waited (seconds)", "S(t) = P(patience > t)", traces, percent=True, y_range=[0, 1.02])
    fig.add_vline(x=t_end, line=dict(color=GREY, dash="dot", width=1))
    fig.add_annotation(x=t_end, y=1.0, text=f"KM trusted to here ({MIN_AT_RISK}+ still waiting)", showarrow=False, xanchor="left", yanchor="top", font=dict(size=11, color=GREY))
    fig.update_xaxes(range=[0, x_max])
    # Many curves with long names: the legend goes under the chart, where it hides no data.
    fig.update_layout(hovermode="closest", height=560, margin=dict(b=150), legend=dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0))
    return fig


def staffing_figure(cal: Calibration) -> go.Figure:
    x = cal.labels
    traces = []
    tag = " — PLACEHOLDER, REVIEW" if cal.staffing.source == "placeholder" else ""
    for p, (pname, pool) in enumerate(cal.staffing.pools.items()):
        traces.append(go.Scatter(x=x, y=pool["agents"], mode="lines+markers", line=dict(shape="hv", color=colour(p)), name=f"{pname}: agents written{tag}"))
    for k, (name, tc) in enumerate(cal.types.items()):
        traces.append(go.Scatter(x=x, y=tc.carried_load, mode="lines", line=dict(color=colour(k), dash="dot"), name=f"{name}: agents busy on average (from the log)"))
    fig = figure(f"Staffing per interval{tag}", "interval start (clock time)", "agents", traces)
    rows = (len(traces) + 1) // 2
    fig.update_layout(height=400 + 22 * rows, margin=dict(b=90 + 22 * rows), legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0))
    return fig


def _handle_section(name: str, tc: TypeCalibration, k: int) -> Section:
    h = tc.handle
    if not h.n:
        return Section(f"Handle time — {name}", f"<p class='bad'>{_e(h.reason)}</p>")
    best = min((f.aic for f in h.fits), default=0.0)
    rows = []
    for f in sorted(h.fits, key=lambda f: f.aic):
        mark = "<b>written</b>" if f.family == h.chosen else ""
        rows.append([_e(f.family), _e(f.describe()), f"{f.aic:,.1f}", f"{f.aic - best:+,.1f}", f"{f.ks:.4f}", mark])
    fits = table_html(["family", "maximum-likelihood fit", "AIC", "ΔAIC", "KS distance", ""], rows) if rows else ""
    q_rows = [[f"p{round(q * 100):d}", f"{a:,.1f} s", "" if b is None else f"{b:,.1f} s"] for q, a, b in h.quantiles]
    quant = table_html(["quantile", "observed", f"written ({_e(h.chosen)})"], q_rows)
    zero = f" {h.zero:,} zero handle times are counted in the AHT but left out of the fits." if h.zero else ""
    body = (
        f"<p>{h.n:,} answered contacts, AHT <b>{h.aht:.1f} s</b>, cv {h.cv or 0:.2f}.{zero} "
        f"Written: <b>{_e(describe_dist(h.written))}</b> — {_e(h.reason)}. AIC ranks fits by likelihood with a penalty per parameter "
        "(lower is better; differences under 2 are a tie); the Kolmogorov-Smirnov distance is the largest gap between the fitted and the observed "
        "cumulative distribution.</p>"
        f"<div class='cal' style='display:flex;gap:32px;flex-wrap:wrap'><div>{fits}</div><div>{quant}</div></div>"
    )
    return Section(f"Handle time — {name}", body, (handle_figure(name, tc, k),))


def _patience_section(name: str, tc: TypeCalibration, k: int) -> Section:
    p = tc.patience
    if p.written is None and not p.fits:
        return Section(f"Patience — {name}", f"<p class='bad'>{_e(p.reason)}</p>")
    rows = [
        ["naive: mean wait of the abandoned contacts only", f"{p.naive_mean:.1f} s", "<span class='bad'>biased low: ignores every customer who was answered while still willing to wait</span>"],
        ["shortcut: E[wait] / P(abandon), wait over all contacts", f"{p.shortcut_mean:.1f} s", "total waiting time over abandons; equals the exponential fit below"],
    ]
    for f in p.fits:
        test = p.tests.get(f.family)
        verdict = "too few abandons to test" if test is None else f"LR test vs piecewise hazard: p = {test[2]:.2g}" + (" <span class='bad'>(rejected)</span>" if test[2] < 0.01 else "")
        mark = " <b>(written)</b>" if f.family == p.chosen else ""
        rows.append([f"{_e(f.family)} by censored maximum likelihood{mark}", f"{f.mean:.1f} s", f"{_e(f.describe())}; AIC {f.aic:,.1f}; {verdict}"])
    km = p.km
    if km is not None and len(km.times):
        med = km.median()
        probes = [t for t in (10, 30, 60, 120) if t <= km.trusted_until]
        at = ", ".join(f"S({t} s) = {float(km.at(t)):.2f}" for t in probes)
        rows.append(
            ["Kaplan-Meier" + (" <b>(written, with fitted tail)</b>" if p.chosen == "curve" else ""), "median " + (f"{med:.1f} s" if med is not None else "not reached"), _e(at or "")]
        )
    table = "<div class='cal'>" + table_html(["estimate", "mean patience", "notes"], rows) + "</div>"
    body = (
        f"<p>{p.n:,} contacts: {p.abandoned:,} abandoned (their wait <i>is</i> their patience) and {p.n - p.abandoned:,} answered "
        f"(their patience is only known to be <i>longer</i> than their wait: censored). Longest wait {p.max_wait:.0f} s. "
        f"Written: <b>{_e(describe_dist(p.written)) if p.written else 'none'}</b> — {_e(p.reason)}.</p>{table}"
    )
    fig = patience_figure(name, tc, k)
    return Section(f"Patience — {name}", body, (fig,) if fig is not None else ())


def build_calibration_report(cal: Calibration) -> str:
    src = Path(cal.source).name
    summary = [
        f"<b>{cal.rows:,}</b> contacts from <b>{_e(src)}</b> over {len(cal.days)} day(s), {cal.days[0].isoformat()} to {cal.days[-1].isoformat()}"
        + (f" ({WEEKDAYS[cal.weekday].capitalize()}s only)" if cal.weekday is not None else "")
        + f"; {cal.n_intervals} intervals of {cal.interval_minutes} min from {cal.labels[0]}. {_e(cal.time_note[:1].upper() + cal.time_note[1:])}.",
    ]
    for name, tc in cal.types.items():
        p = tc.patience
        line = f"<b>{_e(name)}</b>: {tc.per_day.sum(1).mean():,.0f} contacts a day, AHT {tc.handle.aht:.0f} s ({_e(describe_dist(tc.handle.written))}), {tc.abandoned / tc.contacts:.1%} abandoned"
        if p.naive_mean is not None:
            line += f"; patience written as {_e(describe_dist(p.written))} — the naive estimate from abandoners alone would say {p.naive_mean:.0f} s"
        summary.append(line)
    summary.append(f"Busyness: {_e(cal.busyness.reason)}.")
    if cal.staffing.source == "placeholder":
        summary.append(f"<span class='bad'>REVIEW: staffing is a placeholder</span> ({_e(cal.staffing.method.split('; ', 1)[1])}); the log does not say how many agents were logged in.")
    else:
        summary.append(f"Staffing {_e(cal.staffing.method)}.")
    for note in cal.notes:
        summary.append(f"Note: {_e(note)}")

    sections = []
    vol_figs = [volume_figure(cal, name, tc, k) for k, (name, tc) in enumerate(cal.types.items())]
    if len(cal.days) > 1:
        vol_figs.append(day_totals_figure(cal))
    wd = ""
    if len(cal.weekday_totals) > 1:
        wd = table_html(["weekday", "days in the log", "mean contacts a day"], [[k, str(v[0]), f"{v[1]:,.1f}"] for k, v in cal.weekday_totals.items()])
    vol_body = (
        f"<p>Volumes are the mean count per interval over the {len(cal.days)} day(s) used; the band runs from the lowest to the highest day. "
        f"{_e(cal.busyness.reason)}.</p>{wd}"
    )
    sections.append(Section("Arrivals", _STYLE + vol_body, tuple(vol_figs)))
    for k, (name, tc) in enumerate(cal.types.items()):
        sections.append(_handle_section(name, tc, k))
    for k, (name, tc) in enumerate(cal.types.items()):
        sections.append(_patience_section(name, tc, k))
    staff_note = (
        "<p class='bad'>REVIEW: these agent numbers are a placeholder computed from Erlang A for the written service-level target; "
        "they are not what was staffed. The dotted lines show how many agents were busy on average (a floor: staffed agents were at least this many).</p>"
        if cal.staffing.source == "placeholder"
        else f"<p>Staffing {_e(cal.staffing.method)}. Dotted: agents busy on average according to the log (staffed agents were at least this many).</p>"
    )
    sections.append(Section("Staffing", staff_note, (staffing_figure(cal),)))
    footer = f"calibrated from {_e(cal.source)} ({cal.rows:,} rows)"
    return render_page(f"ccsim calibrate: {src}", f"{len(cal.types)} contact type(s), {len(cal.days)} day(s), {cal.interval_minutes}-minute intervals", summary, sections, footer)


def staffing_csv(cal: Calibration) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    pools = list(cal.staffing.pools)
    w.writerow(["interval_start"] + pools)
    for j, label in enumerate(cal.labels):
        w.writerow([label] + [cal.staffing.pools[p]["agents"][j] for p in pools])
    return buf.getvalue()


def calibration_report_files(cal: Calibration) -> Files:
    """report.html, calibration.json, and the staffing written (staffing_placeholder.csv or staffing.csv)."""
    name = "staffing_placeholder.csv" if cal.staffing.source == "placeholder" else "staffing.csv"
    return {"report.html": build_calibration_report(cal), "calibration.json": JsonContent(cal.to_dict()), name: CsvContent(staffing_csv(cal))}
