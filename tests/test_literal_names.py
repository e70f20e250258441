"""Names print as written in every medium: the terminal (rich markup and emoji codes), the HTML
reports (tags and entities, in the page and in plotly's titles and legends), CSV (formulas) and
the YAML calibrate writes (line breaks in comments).

One small scenario carries hostile names for its scenario, contact types and pool: markup that
would crash rich (``[/]``) or swallow text (``[tier 1]``), an emoji code, HTML that would run
script, a spreadsheet formula."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
import yaml

import cli as cli_module
from ccsim.outputs import CsvContent, spreadsheet_cell, write_outputs

from conftest import reference

SCENARIO_NAME = "day [/] :x: <b>bold</b>"
TYPES = ["calls [tier 1]", "calls [tier 2]", "<img src=x onerror=alert(1)>", ":x: [bold]b[/]", "=HYPERLINK(\"http://x\")"]
POOL = "@team [/] <i>"
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


def test_an_error_line_prints_the_name_as_written(cli, tmp_path):
    d = hostile()
    d["agent_pools"][POOL]["skills"] = [":x: [/] <b>"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(d, allow_unicode=True))
    res = cli("validate", path)
    assert res.exit_code == 2 and f"error: agent_pools -> {POOL} -> skills: ':x: [/] <b>' is not a contact type" in res.output, res.output
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
def written(tmp_path_factory) -> Path:
    """Every command's files for the hostile scenario: ROOT/COMMAND/..., ROOT/log.csv, ROOT/sipp.csv."""
    from typer.testing import CliRunner

    root = tmp_path_factory.mktemp("written")
    path = root / "hostile.yaml"
    path.write_text(yaml.safe_dump(hostile(), allow_unicode=True, sort_keys=False))
    (root / "plan [b] <u>.yaml").write_text(path.read_text())
    commands = {
        "run": ["run", path, "--records", root / "log.csv", "--out"],
        "compare": ["compare", path, root / "plan [b] <u>.yaml", "-r", "2", "--out"],
        "staff": ["staff", path, "-r", "2", "--out"],
        "trap": ["trap", path, "-r", "2", "--points", "3", "--no-causes", "--out"],
        "calibrate": ["calibrate", root / "log.csv", "--report"],  # reads run's log
    }
    runner = CliRunner()
    for command, args in commands.items():
        res = runner.invoke(cli_module.app, [str(a) for a in [*args, root / command]])
        assert res.exit_code == 0, f"{command}: {res.output}"
    res = runner.invoke(cli_module.app, ["erlang", str(path), "--csv", str(root / "sipp.csv")])
    assert res.exit_code == 0, res.output
    return root


@pytest.fixture(scope="module")
def pages(written) -> dict[str, Path]:
    """Every HTML report, by command."""
    names = {"run": "report.html", "compare": "report.html", "staff": "staff_report.html", "trap": "trap_report.html", "calibrate": "report.html"}
    return {command: written / command / page for command, page in names.items()}


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
    """The stored XSS once found in the staff report: contact types in the summary's 'intervals meeting the targets'."""
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


# --- CSV -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell,written",
    [
        ("=1+1", "'=1+1"), ("+x", "'+x"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\r=x", "'\r=x"),
        ("-0.5", "-0.5"), ("-1e-05", "-1e-05"), ("+3", "+3"), ("12", "12"), ("a=1", "a=1"), ("", ""), ("'=x", "'=x"),
    ],
)
def test_a_csv_cell_that_starts_like_a_formula_is_text_unless_it_is_a_number(cell, written):
    assert spreadsheet_cell(cell) == written


def test_csv_content_changes_only_the_cells_a_spreadsheet_would_run(tmp_path):
    text = 'name,value\r\n"=HYPERLINK(""http://x"")",-0.5\r\n"a, b",3\r\n'
    write_outputs({tmp_path / "x.csv": CsvContent(text)})
    assert (tmp_path / "x.csv").read_bytes().decode() == 'name,value\r\n"\'=HYPERLINK(""http://x"")",-0.5\r\n"a, b",3\r\n'


CSVS = ["run/intervals.csv", "log.csv", "compare/differences.csv", "staff/staffing.csv", "sipp.csv", "calibrate/staffing_placeholder.csv"]


@pytest.mark.parametrize("name", CSVS)
def test_every_csv_neutralises_formulas_and_keeps_negative_numbers(written, name):
    rows = list(csv.reader((written / name).open(newline="", encoding="utf-8")))
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        if cell.startswith(("=", "+", "-", "@")):
            float(cell)  # only a number may start like a formula
        if cell.startswith("'"):
            with pytest.raises(ValueError):
                float(cell[1:])  # and no number was made text
    assert any(cell.startswith(("'=HYPERLINK", "'@team")) for cell in cells), f"{name}: no hostile name in it"


# --- the YAML calibrate writes -------------------------------------------------------------

LINE_BREAKING = ["a\nb: 1", "c\rd: x", "g\u2028h: 2", "i\x85j", "#x", "k\tl", "e\x00f", "\ufeffm"]


@pytest.mark.parametrize("name", LINE_BREAKING, ids=repr)
def test_a_name_stays_on_its_line_as_a_value_and_in_a_comment(name):
    from ccsim.calibrate.scenario_yaml import _flow, _one_line

    line = _one_line(f"{_flow(name)}: {_flow([name])}   # from {name}: a comment")
    assert "\n" not in line
    for loader in (yaml.SafeLoader, yaml.CSafeLoader):  # ccsim reads with libyaml's
        assert yaml.load(line + "\nnext: 1\n", Loader=loader) == {name: [name], "next": 1}


def test_calibrate_writes_a_scenario_that_loads_whatever_the_names_in_the_log(cli, tmp_path):
    """Line breaks in names reach the comments calibrate writes (the placeholder staffing names
    each pool after its type); before, exit 0 and a file that did not load."""
    import ccsim

    names = [n for n in LINE_BREAKING if "\x00" not in n]  # a CSV log cannot hold NUL (it is refused)
    d = reference(replications=2, horizon={"hours": 1, "interval_minutes": 30})
    call = d["contact_types"].pop("calls")
    call["arrivals"] = {"per_hour": 60}
    d["contact_types"] = {name: dict(call) for name in names}
    d["agent_pools"] = {"team": {"skills": names, "agents": 12}}
    scenario, log, written = tmp_path / "s.yaml", tmp_path / "log.csv", tmp_path / "calibrated.yaml"
    scenario.write_text(yaml.safe_dump(d))
    assert cli("run", scenario, "--records", log).exit_code == 0
    res = cli("calibrate", log, "--out", written)
    assert res.exit_code == 0, res.output
    assert sorted(ccsim.load_scenario(written).contact_types) == sorted(names)
