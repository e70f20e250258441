"""Names print as written in every medium: the terminal (rich markup and emoji codes), the HTML
reports (tags and entities, in the page and in plotly's titles and legends), CSV (formulas) and
the YAML calibrate writes (line breaks in comments).

One small scenario carries hostile names for its scenario, contact types and pool: markup that
would crash rich (``[/]``) or swallow text (``[tier 1]``), an emoji code, HTML that would run
script, a spreadsheet formula."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

import cli as cli_module

from conftest import reference

SCENARIO_NAME = "day [/] :x: <b>bold</b>"
TYPES = ["calls [tier 1]", "calls [tier 2]", "<img src=x onerror=alert(1)>", ":x: [bold]b[/]", "=HYPERLINK(\"http://x\")"]
POOL = "team [/] <i>"
CURRENCY = "<s>EUR</s>"
EMOJI = "\u274c"  # what rich prints for :x:


def hostile() -> dict:
    d = reference(name=SCENARIO_NAME, replications=2, horizon={"hours": 1, "interval_minutes": 30})
    call = d["contact_types"].pop("calls")
    call["arrivals"] = {"per_hour": 40}
    d["contact_types"] = {name: dict(call) for name in TYPES}
    d["agent_pools"] = {POOL: {"skills": TYPES, "agents": 9}}
    d["costs"] = {"agent_hour": 30, "abandoned_contact": 5, "currency": CURRENCY}
    return d


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(hostile(), allow_unicode=True, sort_keys=False))
    return path


@pytest.fixture
def wide(monkeypatch):
    """Terminals wide enough that no table wraps a name over two lines."""
    for console in (cli_module.out, cli_module.err):
        monkeypatch.setattr(console, "width", 400)


# --- the terminal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,names",
    [
        (["validate"], [SCENARIO_NAME]),
        (["run"], [SCENARIO_NAME, *TYPES, POOL]),
        (["erlang"], [SCENARIO_NAME, *TYPES]),
        (["staff", "-r", "2"], [SCENARIO_NAME, *TYPES, POOL]),
        (["trap", "-r", "2", "--points", "2", "--no-causes"], [SCENARIO_NAME]),
    ],
    ids=["validate", "run", "erlang", "staff", "trap"],
)
def test_the_terminal_prints_every_name_as_written(cli, wide, scenario, args, names):
    res = cli(args[0], scenario, *args[1:])
    assert res.exit_code == 0, res.output
    for name in names:
        assert name in res.output, name
    assert EMOJI not in res.output


def test_compare_prints_plan_names_and_currency_as_written(cli, wide, scenario, tmp_path):
    other = tmp_path / "plan [b] :x:.yaml"
    other.write_text(scenario.read_text())
    res = cli("compare", scenario, other, "-r", "2")
    assert res.exit_code == 0, res.output
    for text in ("plan [b] :x:", f"plan [b] :x: − {scenario.stem}", f"{TYPES[0]}: service level", f"{POOL}: occupancy", CURRENCY):
        assert text in res.output, text
    assert EMOJI not in res.output


# --- the HTML reports ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """Every HTML report, written by its command for the hostile scenario."""
    from typer.testing import CliRunner

    root = tmp_path_factory.mktemp("pages")
    path = root / "hostile.yaml"
    path.write_text(yaml.safe_dump(hostile(), allow_unicode=True, sort_keys=False))
    (root / "plan [b] <u>.yaml").write_text(path.read_text())
    commands = {
        "run": (["run", path, "--records", root / "log.csv"], "report.html"),
        "compare": (["compare", path, root / "plan [b] <u>.yaml", "-r", "2"], "report.html"),
        "staff": (["staff", path, "-r", "2"], "staff_report.html"),
        "trap": (["trap", path, "-r", "2", "--points", "3", "--no-causes"], "trap_report.html"),
        "calibrate": (["calibrate", root / "log.csv", "--report"], "report.html"),  # reads run's log
    }
    runner = CliRunner()
    found = {}
    for command, (args, page) in commands.items():
        out = root / command
        flag = [] if command == "calibrate" else ["--out"]
        res = runner.invoke(cli_module.app, [str(a) for a in [*args, *flag, out]])
        assert res.exit_code == 0, f"{command}: {res.output}"
        found[command] = out / page
    return found


HTML_NAMES = [n for n in (SCENARIO_NAME, *TYPES, POOL, CURRENCY, "plan [b] <u>") if "<" in n]


@pytest.mark.parametrize("command", ["run", "compare", "staff", "trap", "calibrate"])
def test_every_report_escapes_names_in_the_page_and_in_its_charts(pages, command):
    page = pages[command].read_text()
    shown = [n for n in HTML_NAMES if html.escape(n, quote=False) in page]
    assert shown, f"{command}: no hostile name in the report at all"
    for name in HTML_NAMES:
        assert name not in page, f"{command}: {name} is in the page as markup"
    # plotly.js reads names, titles and texts as markup: in the figures' JSON (where plotly writes
    # '<' as \u003c) none may hold a '<' that is not escaped as &lt;
    raw = re.findall(r'"(?:name|text)":"[^"]*?\\u003c[^"]*"', page)
    assert not raw, f"{command}: {raw[:3]}"


def test_the_staff_report_names_contact_types_escaped_in_its_summary(pages):
    """The stored XSS of issue 14: contact types in the summary's 'intervals meeting the targets'."""
    page = pages["staff"].read_text()
    assert re.search(re.escape(html.escape(TYPES[2])) + r" \d/2", page)


def test_figures_keep_plain_names_and_are_escaped_for_plotly_only_when_drawn():
    """Figures hold names as written (the static export and the page both escape a copy, so
    nothing is escaped twice); plotly.js decodes &amp; &lt; &gt; but not &quot;, so quotes stay."""
    import plotly.graph_objects as go

    from ccsim.report.html import figure, literal_text

    name = 'R&D "<b>x</b>"'
    fig = figure(f"title {name}", "x", f"y {name}", [go.Scatter(x=[1], y=[1], name=name, text=[name])])
    fig.add_annotation(text=name, x=1, y=1)
    drawn = literal_text(fig)
    want = 'R&amp;D "&lt;b&gt;x&lt;/b&gt;"'
    assert drawn.layout.title.text == f"title {want}" and drawn.layout.yaxis.title.text == f"y {want}"
    assert drawn.data[0].name == want and drawn.data[0].text == (want,) and drawn.layout.annotations[0].text == want
    assert fig.data[0].name == name and fig.layout.title.text == f"title {name}"


@pytest.mark.browser
def test_a_browser_shows_the_names_as_text_and_runs_none_of_them(pages):
    """Headless Chromium draws every report: the hostile names are text in the page and in
    plotly's SVG (titles, legends), and no element they spell exists."""
    from browser import open_pages, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(f"needs headless Chromium: {reason}")
    for command, check in open_pages(pages).items():
        assert not check.errors, f"{command}: {check.errors}"
        # the reports themselves use <b> and <i>, never <img>, <u> or <s> (the names' tags)
        assert not re.search(r"<(img|u|s)\b", check.dom.split("<body", 1)[1]), f"{command}: a name became an element"
        drawn = " ".join(re.findall(r"<text[^>]*>(.*?)</text>", check.dom, re.S))
        assert "font-weight:bold" not in drawn, f"{command}: plotly drew <b> of a name as bold"
        assert any(html.escape(name, quote=False) in drawn for name in HTML_NAMES), f"{command}: no name drawn as text in a chart"
