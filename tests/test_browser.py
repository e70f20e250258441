"""The HTML reports open in a real browser: no JavaScript error, and every chart is drawn.

Each report command writes its page for a small scenario; headless Chromium (Debian's
``chromium``, started with --headless --no-sandbox --disable-gpu) loads it offline and the probe
of ``tests/browser.py`` reports errors and the plotly SVGs inside each chart div. Without a
browser these tests are skipped with the reason; a report command that does not exist yet is
skipped with that reason too. ``test_the_probe_sees_errors_and_blank_charts`` shows the check
can fail.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from browser import open_page, unavailable_reason

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent

TINY = {
    "name": "browser check",
    "seed": 2,
    "replications": 3,
    "horizon": {"start": "09:00", "hours": 3, "interval_minutes": 30},
    "contact_types": {
        "phone": {
            "arrivals": {"volumes": [40, 60, 80, 80, 60, 40]},
            "handle_time": {"dist": "lognormal", "mean": 200, "cv": 0.8},
            "patience": {"dist": "exponential", "mean": 80},
            "service_level": {"seconds": 20, "target": 0.8},
        }
    },
    "agent_pools": {"desk": {"skills": ["phone"], "agents": [6, 8, 9, 9, 8, 6]}},
}


@pytest.fixture(scope="module")
def chromium():
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"browser tests need headless Chromium: {reason}")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    d = copy.deepcopy(TINY)
    d["costs"] = {"agent_hour": 30, "abandoned_contact": 5, "currency": "EUR"}
    d["variants"] = {"plus_two": {"agent_pools": {"desk": {"agents": [8, 10, 11, 11, 10, 8]}}}}
    path = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    return path


def _commands() -> set[str]:
    from cli import app

    return {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}


def _report(cli, command: str, scenario: Path, out: Path) -> Path:
    if command not in _commands():
        pytest.skip(f"`ccsim {command}` does not exist in this tree yet, so its report cannot be opened")
    args = {
        "run": ["run", scenario, "--out", out],
        "compare": ["compare", scenario, "--out", out],
        "staff": ["staff", scenario, "--out", out],
        "trap": ["trap", scenario, "--out", out],
    }[command]
    res = cli(*args)
    assert res.exit_code == 0, f"ccsim {command} failed (exit {res.exit_code}):\n{res.output}"
    pages = sorted(out.rglob("*.html"))
    assert pages, f"ccsim {command} --out {out} wrote no HTML page"
    return pages[0]


@pytest.mark.parametrize("command", ["run", "compare", "staff", "trap"])
def test_report_opens_without_errors_and_draws_every_chart(chromium, cli, scenario_file, tmp_path, command):
    page = _report(cli, command, scenario_file, tmp_path / command)
    seen = open_page(page)
    assert seen.errors == [], f"{command} report: JavaScript errors in Chromium: {seen.errors}"
    assert seen.charts_expected >= 1, f"{command} report has no chart at all"
    assert len(seen.charts_dom) == seen.charts_expected, (command, seen.charts_dom, seen.charts_expected)
    assert all(n >= 1 for n in seen.charts_dom), f"{command}: charts without a plotly SVG: {seen.charts_dom}"
    assert seen.charts_probe == seen.charts_dom


def test_the_probe_sees_errors_and_blank_charts(chromium, tmp_path):
    """A page with a thrown error and a chart that never draws must be reported as such."""
    from plotly.offline import get_plotlyjs

    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        "<div id='good' class='plotly-graph-div'></div><div id='blank' class='plotly-graph-div'></div>"
        "<script>Plotly.newPlot('good', [{y: [1, 3, 2]}]);</script>"
        "<script>if (false) Plotly.newPlot('blank', []); undefinedFunction();</script>"
        "</body></html>"
    )
    seen = open_page(page)
    assert any("undefinedFunction" in e for e in seen.errors), seen.errors
    assert seen.charts_dom == [2, 0] or (seen.charts_dom[0] >= 1 and seen.charts_dom[1] == 0), seen.charts_dom
    assert seen.charts_probe == seen.charts_dom
