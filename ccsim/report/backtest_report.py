"""The report of ``ccsim backtest``: each replayed day's actual figures against the simulated band.

Per figure, small multiples (one panel per day) of the actual values over the simulated mean and
95% prediction band, interval by interval; a calibration scatter of actual against simulated mean
per figure, where a model that fits keeps its points along the diagonal; the fit table and the
verdict on top.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..backtest import FIT_CAPTION, FIT_HEADER, POOL_FIGURES, BacktestResult, IntervalRow, fit_rows
from ..compare_text import NAMES, UNITS
from ..metrics import Estimate
from .html import Section, band_traces, colour, figure, render_page, table_html

#: Days side by side in one row of small multiples.
PANELS_PER_ROW = 5
#: The axis title of each figure.
_AXES = {
    "service_level": "answered within T (% of the SL base)",
    "asa_seconds": "ASA (seconds)",
    "abandon_rate": "abandoned (% of offered)",
    "answered": "answered contacts",
    "occupancy": "busy / staffed agent time (%)",
}
ACTUAL = "#111111"


def _series(rows: list[IntervalRow], metric: str) -> tuple[list[str], list[Estimate], list[float | None]]:
    """Interval labels, simulated estimates (mean and band) and actual values of one day's rows."""
    figs = [r.figures[metric] for r in rows]
    return [r.interval_start for r in rows], [Estimate(f.mean, f.lo, f.hi, 0) for f in figs], [f.actual for f in figs]


def day_panels(res: BacktestResult, metric: str, name: str) -> go.Figure:
    """Small multiples: one panel per replayed day, the simulated band and mean with the actual values."""
    rows = res.by_interval_pool if metric in POOL_FIGURES else res.by_interval
    days = [d.date for d in res.replayed]
    n_rows = math.ceil(len(days) / PANELS_PER_ROW)
    n_cols = min(len(days), PANELS_PER_ROW)
    fig = make_subplots(rows=n_rows, cols=n_cols, shared_yaxes=True, subplot_titles=[str(d) for d in days], vertical_spacing=0.5 / n_rows)
    share = UNITS[metric] == "share"
    traces, at_rows, at_cols = [], [], []
    for k, day in enumerate(days):
        x, simulated, actual = _series([r for r in rows if r.date == day and r.name == name], metric)
        panel = band_traces(x, simulated, "simulated mean and 95% band", colour(0)) + [
            go.Scatter(x=x, y=actual, mode="markers", name="actual", marker=dict(color=ACTUAL, size=6, symbol="diamond"), legendgroup="actual")
        ]
        for trace in panel:
            trace.showlegend = k == 0 and trace.showlegend is not False
        traces += panel
        at_rows += [k // PANELS_PER_ROW + 1] * len(panel)
        at_cols += [k % PANELS_PER_ROW + 1] * len(panel)
    fig.add_traces(traces, rows=at_rows, cols=at_cols)  # at once: plotly checks the layout once, not per trace
    fig.update_layout(
        title=dict(text=f"{NAMES[metric]} of {name}: actual against the simulated band, day by day", x=0.01),
        template="plotly_white",
        height=120 + 260 * n_rows,
        margin=dict(l=70, r=20, t=90, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.04, xanchor="right", x=1),
        hovermode="x unified",
    )
    fig.update_yaxes(rangemode="tozero", tickformat=".0%" if share else None)
    fig.update_yaxes(title_text=_AXES[metric], col=1)
    fig.update_xaxes(tickangle=-45, nticks=6)
    return fig


def calibration_scatter(res: BacktestResult, metric: str) -> go.Figure:
    """Actual against simulated mean, one point per interval with logged contacts; the diagonal is a perfect fit."""
    rows = [r for r in (res.by_interval_pool if metric in POOL_FIGURES else res.by_interval) if r.contacts and r.figures[metric].compared]
    traces = []
    for inside, label, tint in ((True, "inside the band", colour(2)), (False, "outside the band", colour(1))):
        chosen = [r for r in rows if r.figures[metric].covered == inside]
        traces.append(
            go.Scatter(
                x=[r.figures[metric].actual for r in chosen],
                y=[r.figures[metric].mean for r in chosen],
                mode="markers",
                name=label,
                marker=dict(color=tint, size=6, opacity=0.7),
                text=[f"{r.date} {r.interval_start} {r.name}" for r in chosen],
                hovertemplate="%{text}<br>actual %{x}<br>simulated %{y}<extra></extra>",
            )
        )
    values = [v for r in rows for v in (r.figures[metric].actual, r.figures[metric].mean)]
    top = max(values, default=1.0) or 1.0
    traces.append(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="simulated = actual", line=dict(color="#444444", width=1.5, dash="dot"), hoverinfo="skip"))
    fig = figure(f"Calibration: {NAMES[metric]}", f"actual {_AXES[metric]}", f"simulated mean, {_AXES[metric]}", traces, percent=UNITS[metric] == "share")
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(rangemode="tozero", tickformat=".0%" if UNITS[metric] == "share" else None)
    return fig


def build_backtest_report(res: BacktestResult) -> str:
    sc = res.scenario
    days = res.replayed
    contacts = sum(d.contacts for d in days)
    title = f"ccsim backtest: {sc.name}"
    subtitle = (
        f"{len(days)} day(s) of {res.log} replayed ({days[0].date} to {days[-1].date}), {contacts:,} contacts, {res.replications} replications each; "
        "the 95% band is the 2.5% to 97.5% quantiles of the replications"
    )
    verdict = f"<b class='{'good' if res.fits else 'bad'}'>{html.escape(res.verdict)}</b>"
    summary = [verdict] + [f"note: {html.escape(note)}" for note in res.notes]
    skipped = [f"<li>{d.date}: {html.escape(d.skipped)}</li>" for d in res.days if d.skipped is not None]
    how = (
        "<p>Each day was replayed with its logged arrivals, the logged handle time of every answered contact and the logged staffing; "
        "patience, the handle times nobody saw and every behaviour come from the scenario. Only intervals with logged contacts are "
        f"compared. {html.escape(FIT_CAPTION[0].upper() + FIT_CAPTION[1:])}. A model that fits has most figures inside their band and "
        "errs to either side about equally often.</p>"
    )
    body = how + table_html(list(FIT_HEADER), [[html.escape(cell) for cell in row] for row in fit_rows(res)])
    if skipped:
        body += "<p>Days not replayed:</p><ul>" + "".join(skipped) + "</ul>"
    panels, scatters = [], []
    for metric in res.metrics:
        names = sc.pool_names if metric in POOL_FIGURES else sc.type_names
        panels += [day_panels(res, metric, name) for name in names]
        scatters.append(calibration_scatter(res, metric))
    sections = [
        Section("How well the model fits", body),
        Section("Day by day", "<p>Lines and shaded bands: the simulated mean and 95% band; diamonds: what happened.</p>", tuple(panels)),
        Section("Calibration", "<p>Each point is one interval: what happened against the simulated mean. Points along the diagonal fit; a cloud above or below it is a bias.</p>", tuple(scatters)),
    ]
    footer = (
        f"scenario “{html.escape(sc.name)}”, log {html.escape(res.log)}, staffing {html.escape(res.staffing)} &middot; seed {sc.seed}, "
        f"{res.replications} replications per day &middot; wall time {res.wall_time_s:.1f} s"
    )
    return render_page(title, subtitle, summary, sections, footer)
