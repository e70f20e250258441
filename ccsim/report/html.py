"""Shared building blocks of every HTML report: one self-contained page, bands, colours.

Reports never simulate: they take results and draw them. Every page embeds plotly.js once
(no CDN, works offline and when mailed), puts the scenario, seeds and ccsim version in the
footer, and keeps colours stable per series so a plan or contact type looks the same in every
chart of the page.

Names come from users and are shown as written: the reports ``html.escape`` them where they build
the page, and figures hold plain text that ``literal_text`` escapes for plotly.js when a figure
is rendered (a name like ``<img src=x onerror=...>`` is text, never markup).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from .._version import __version__
from ..metrics import Estimate

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def rgba(hex_colour: str, alpha: float) -> str:
    """'#1f77b4' and 0.2 -> 'rgba(31,119,180,0.2)': plotly bands and markers see through."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def format_estimate(est, metric: str) -> str:
    """A figure for an HTML table: its mean, and its 95% interval in small print (a share as a
    percentage, seconds with their unit)."""
    if est.mean is None:
        return "n/a"
    if metric in ("service_level", "abandon_rate", "occupancy"):
        text = f"{est.mean:.1%}"
        ci = f" ({est.lo:.1%} to {est.hi:.1%})" if est.lo is not None else ""
    elif metric.endswith("seconds"):
        text = f"{est.mean:.1f} s"
        ci = f" ({est.lo:.1f} to {est.hi:.1f})" if est.lo is not None else ""
    else:
        text = f"{est.mean:,.1f}"
        ci = f" ({est.lo:,.1f} to {est.hi:,.1f})" if est.lo is not None else ""
    return text + f"<small>{ci}</small>"


def band_traces(
    x: list,
    estimates: list[Estimate],
    name: str,
    hex_colour: str,
    scale: float = 1.0,
    dash: str | None = None,
    bounds: tuple[float | None, float | None] = (0.0, None),
) -> list[go.Scatter]:
    """A mean line with its 95% confidence band (a filled area between lower and upper bounds).

    The t-interval can reach past what a figure can be (a share above 100%, a negative wait);
    the band is drawn clipped to ``bounds`` so it never shows impossible values.
    """
    low_bound, high_bound = bounds

    def val(v):
        if v is None:
            return None
        v *= scale
        if low_bound is not None:
            v = max(v, low_bound)
        if high_bound is not None:
            v = min(v, high_bound)
        return v

    upper = [val(e.hi if e.hi is not None else e.mean) for e in estimates]
    lower = [val(e.lo if e.lo is not None else e.mean) for e in estimates]
    mean = [None if e.mean is None else e.mean * scale for e in estimates]
    group = f"band-{name}"
    band = []
    # one filled area per run of intervals with a value: a fill would bridge a gap (a closed night,
    # an interval nobody called in) with a band no figure stands behind
    for first, stop in _runs([u is not None and lo is not None for u, lo in zip(upper, lower)]):
        band += [
            go.Scatter(x=x[first:stop], y=upper[first:stop], mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False, legendgroup=group),
            go.Scatter(
                x=x[first:stop],
                y=lower[first:stop],
                mode="lines",
                line=dict(width=0),
                fill="tonexty",
                fillcolor=rgba(hex_colour, 0.18),
                hoverinfo="skip",
                showlegend=False,
                legendgroup=group,
            ),
        ]
    mean_line = go.Scatter(x=x, y=mean, mode="lines+markers", name=name, line=dict(color=hex_colour, width=2, dash=dash), marker=dict(size=5), legendgroup=group)
    return [*band, mean_line]


def _runs(present: list[bool]) -> list[tuple[int, int]]:
    """(first, stop) of each run of consecutive True values."""
    runs, first = [], None
    for i, here in enumerate([*present, False]):
        if here and first is None:
            first = i
        elif not here and first is not None:
            runs.append((first, i))
            first = None
    return runs


def level_trace(x: list, y: float, name: str, hex_colour: str = "#444444", dash: str = "dot") -> go.Scatter:
    """A flat reference line (a target, zero difference) drawn across every interval."""
    return go.Scatter(x=x, y=[y] * len(x), mode="lines", name=name, line=dict(color=hex_colour, width=1.5, dash=dash), hoverinfo="skip")


def figure(title: str, x_title: str, y_title: str, traces: list, percent: bool = False, y_range: list | None = None) -> go.Figure:
    """A chart with a readable layout and axis titles that carry units."""
    fig = go.Figure(traces)
    fig.update_layout(
        title=dict(text=title, x=0.01),
        template="plotly_white",
        height=380,
        margin=dict(l=70, r=20, t=60, b=60),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hovermode="x unified",
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    if percent:
        fig.update_yaxes(tickformat=".0%")
    if y_range:
        fig.update_yaxes(range=y_range)
    return fig


@dataclass
class Section:
    """A heading with prose or a table (already HTML) and the charts under it."""

    heading: str
    body_html: str = ""
    figures: tuple[go.Figure, ...] = ()


def literal_text(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` whose title, axis titles, annotations, trace names and trace texts show as
    written: plotly.js reads ``<b>``, ``<br>``, ``<a href>`` and entities in them as markup.

    Only ``&``, ``<`` and ``>`` are escaped, the entities plotly.js decodes back (it does not
    decode ``&quot;``). A figure whose other text (a hover template) carries names must escape it
    here too."""

    def escaped(value):
        if isinstance(value, str):
            return html.escape(value, quote=False)
        if isinstance(value, (list, tuple)):
            return [escaped(v) for v in value]
        return value

    fig = go.Figure(fig)
    fig.update_layout(title_text=escaped(fig.layout.title.text))
    fig.for_each_xaxis(lambda axis: axis.update(title_text=escaped(axis.title.text)))
    fig.for_each_yaxis(lambda axis: axis.update(title_text=escaped(axis.title.text)))
    fig.for_each_annotation(lambda note: note.update(text=escaped(note.text)))
    fig.for_each_trace(lambda trace: trace.update(name=escaped(trace.name)))
    fig.for_each_trace(lambda trace: trace.update(text=escaped(trace.text)), selector=lambda trace: isinstance(getattr(trace, "text", None), (str, tuple, list)))
    return fig


def table_html(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#222}
h1{font-size:1.6em;margin-bottom:0} h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:4px}
.subtitle{color:#555;margin-top:4px} .summary{background:#f4f7fb;border-left:4px solid #1f77b4;padding:8px 16px;margin:16px 0}
.summary li{margin:4px 0} table{border-collapse:collapse;margin:8px 0;font-size:0.92em}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right} th{background:#f0f0f0} td:first-child,th:first-child{text-align:left}
.chart{page-break-inside:avoid;break-inside:avoid} footer{color:#666;font-size:0.85em;margin-top:32px;border-top:1px solid #ddd;padding-top:8px}
.bad{color:#b00020;font-weight:600} .good{color:#1b7f3b}
.ns{color:#777} .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.plans{list-style:none;padding-left:0} .plans li{margin:4px 0}
@media print{body{max-width:none} .chart{width:100%} .modebar-container{display:none!important} table{font-size:0.8em} td small{white-space:nowrap} h2{break-after:avoid}}
"""


def render_page(title: str, subtitle: str, summary: list[str], sections: list[Section], footer: str) -> str:
    """One self-contained HTML page; plotly.js is embedded once for all charts."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>",
        f"<h1>{html.escape(title)}</h1><p class='subtitle'>{html.escape(subtitle)}</p>",
    ]
    if summary:
        parts.append("<div class='summary'><ul>" + "".join(f"<li>{s}</li>" for s in summary) + "</ul></div>")
    for section in sections:
        parts.append(f"<h2>{html.escape(section.heading)}</h2>{section.body_html}")
        for fig in section.figures:
            parts.append("<div class='chart'>" + literal_text(fig).to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True}) + "</div>")
    parts.append(f"<footer>{footer} &middot; ccsim {html.escape(__version__)}</footer></body></html>")
    return "".join(parts)
