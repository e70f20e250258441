"""The HTML reports open in a real browser: no JavaScript error, and every chart is drawn.

Each report command writes its page for a small scenario; headless Chromium (Debian's
``chromium``, started with --headless --no-sandbox --disable-gpu) loads them offline, all in one
browser start, and the probe of ``tests/browser.py`` reports errors and the plotly SVGs inside each
chart div. Without a browser these tests are skipped with the reason; a report command that does
not exist yet is skipped with that reason too. ``test_the_probe_sees_errors_and_blank_charts``
shows the check can fail.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from browser import open_pages, unavailable_reason
from conftest import SCENARIOS

pytestmark = pytest.mark.browser

COMMANDS = ["run", "compare", "staff", "trap"]

TINY = {
    "name": "browser check",
    "seed": 2,
    "replications": 3,
    "horizon": {"start": "09:00", "hours": 3, "interval_minutes": 30},
    "costs": {"agent_hour": 30, "abandoned_contact": 5, "currency": "EUR"},
    "contact_types": {
        "phone": {
            "arrivals": {"volumes": [40, 60, 80, 80, 60, 40]},
            "handle_time": {"dist": "lognormal", "mean": 200, "cv": 0.8},
            "patience": {"dist": "exponential", "mean": 80},
            "service_level": {"seconds": 20, "target": 0.8},
        }
    },
    "agent_pools": {"desk": {"skills": ["phone"], "agents": [6, 8, 9, 9, 8, 6]}},
    "variants": {"plus_two": {"agent_pools": {"desk": {"agents": [8, 10, 11, 11, 10, 8]}}}},
}

#: Arguments after the scenario file: small runs, every report section still drawn.
ARGS = {
    "run": [],
    "compare": [],
    "staff": ["-r", "2"],
    "trap": ["-r", "2", "--points", "4"],
}


def _commands() -> set[str]:
    from cli import app

    return {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}


@pytest.fixture(scope="module")
def chromium():
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"browser tests need headless Chromium: {reason}")


@pytest.fixture(scope="module")
def reports(chromium, tmp_path_factory) -> dict:
    """command -> PageCheck (or the reason it has no page); all pages opened in one Chromium."""
    from cli import app

    root = tmp_path_factory.mktemp("reports")
    scenario = root / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(copy.deepcopy(TINY), sort_keys=False))
    available = _commands()
    pages, missing = {}, {}
    for command in COMMANDS:
        if command not in available:
            missing[command] = f"`ccsim {command}` does not exist in this tree yet, so its report cannot be opened"
            continue
        out = root / command
        res = CliRunner().invoke(app, [command, str(scenario), *ARGS[command], "--out", str(out)])
        assert res.exit_code == 0, f"ccsim {command} failed (exit {res.exit_code}):\n{res.output}\n{res.exception!r}"
        html = sorted(out.rglob("*.html"))
        assert html, f"ccsim {command} --out {out} wrote no HTML page"
        pages[command] = html[0]
    # a run with behaviours on draws two more charts (what customers did; agents scheduled vs present)
    out = root / "run-behaviours"
    res = CliRunner().invoke(app, ["run", str(SCENARIOS / "bank_transfers.yaml"), "-r", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    pages["run-behaviours"] = out / "report.html"
    # a dated week with opening hours and its weekly rosters: charts over closed nights, the day-by-day tables
    for name, args in (("run-week", ["run", "-r", "2"]), ("staff-week", ["staff", "--week", "--requirement", "erlang_a", "-r", "2"])):
        out = root / name
        res = CliRunner().invoke(app, [args[0], str(SCENARIOS / "retail_week.yaml"), *args[1:], "--out", str(out)])
        assert res.exit_code == 0, res.output
        pages[name] = next(out.glob("*.html"))
    pages["broken"] = _broken_page(root / "broken.html")
    return {**open_pages(pages), **missing}


def _broken_page(path: Path) -> Path:
    """A page with a thrown error and a chart that never draws: the probe must report both."""
    from plotly.offline import get_plotlyjs

    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        "<div id='good' class='plotly-graph-div'></div><div id='blank' class='plotly-graph-div'></div>"
        "<script>Plotly.newPlot('good', [{y: [1, 3, 2]}]);</script>"
        "<script>if (false) Plotly.newPlot('blank', []); undefinedFunction();</script>"
        "</body></html>"
    )
    return path


@pytest.mark.parametrize("command", COMMANDS + ["run-behaviours", "run-week", "staff-week"])
def test_report_opens_without_errors_and_draws_every_chart(reports, command):
    seen = reports[command]
    if isinstance(seen, str):
        pytest.skip(seen)
    assert seen.errors == [], f"{command} report: JavaScript errors in Chromium: {seen.errors}"
    assert seen.charts_expected >= 1, f"{command} report has no chart at all"
    assert len(seen.charts_dom) == seen.charts_expected, (command, seen.charts_dom, seen.charts_expected)
    assert all(n >= 1 for n in seen.charts_dom), f"{command}: charts without a plotly SVG: {seen.charts_dom}"
    assert seen.charts_probe == seen.charts_dom


def test_the_probe_sees_errors_and_blank_charts(reports):
    """The check can fail: a thrown error and an undrawn chart are both seen."""
    seen = reports["broken"]
    assert any("undefinedFunction" in e for e in seen.errors), seen.errors
    assert seen.charts_dom[0] >= 1 and seen.charts_dom[1] == 0, seen.charts_dom
    assert seen.charts_probe == seen.charts_dom


def test_run_report_draws_the_staffing_chart(reports):
    """The plan in view: the run page draws the pool's agents present as one bar per
    interval, each coloured by how it stands against the stationary Erlang A requirement, the
    same standing the library computes for the same simulated days."""
    import re

    import ccsim
    from ccsim.report.run_report import _STATUS, pool_staffing

    seen = reports["run"]
    if isinstance(seen, str):
        pytest.skip(seen)
    charts = seen.dom.split('class="plotly-graph-div')[1:]
    [chart] = [c for c in charts if "Staffing of desk against the stationary Erlang A requirement" in c]
    bars = re.findall(r'<path d="M([\d.]+),([\d.]+)V([\d.]+)H[\d.]+V[\d.]+Z" style="[^"]*fill: rgb\((\d+), (\d+), (\d+)\)', chart.split('class="trace bars"', 1)[1])
    drawn = sorted((float(x), "#%02x%02x%02x" % tuple(map(int, rgb))) for x, y0, y1, *rgb in bars if y0 != y1)
    [expected] = pool_staffing(ccsim.simulate(ccsim.scenario_from_dict(copy.deepcopy(TINY))))[0]
    assert [c for _, c in drawn] == [_STATUS[s][2] for s in expected.status]
    assert "Erlang A requirement, present (stationary)" in chart
