"""The planner's own files: forecasts and staffing from Excel workbooks and CSV exports as WFM and ACD
tools write them (made here with openpyxl and Python's codecs), matched to the horizon's intervals by
their times; calibrate logs with local dates, and calibrate's staffing files; and what planners write
in the YAML itself (shrinkage as one number, night horizons, percentages, unquoted times, units, a
mistyped pool in a variant)."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
import yaml

import ccsim
from ccsim.input_files import parse_number
from ccsim.scenario import ScenarioError

from conftest import reference

#: The reference horizon: 08:00 for 8 hours in 30-minute intervals.
STARTS = [f"{8 + i // 2:02d}:{30 * (i % 2):02d}" for i in range(16)]
VOLUMES = [100 + 10 * i for i in range(16)]


def scenario_with(tmp_path, arrivals=None, agents=None, **changes) -> dict:
    """The reference scenario reading its arrivals (and agents) from files in ``tmp_path``, written as ``s.yaml``."""
    d = reference(**changes)
    if arrivals is not None:
        d["contact_types"]["calls"]["arrivals"] = arrivals
    if agents is not None:
        d["agent_pools"]["team"]["agents"] = agents
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(d))
    return d


def load(tmp_path):
    return ccsim.load_scenario(tmp_path / "s.yaml")


def problems(tmp_path) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load(tmp_path)
    return err.value.problems


def csv_text(delimiter=",", rows=None, header=("interval", "calls")) -> str:
    rows = rows if rows is not None else [(s, str(v)) for s, v in zip(STARTS, VOLUMES)]
    return "\n".join(delimiter.join(r) for r in [header, *rows]) + "\n"


def workbook(path, sheets: dict[str, list[list]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


# --- formats and encodings ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_every_encoding_a_tool_writes_is_read_and_a_guess_is_noted(tmp_path, encoding):
    rows = [(s, str(v), "München") for s, v in zip(STARTS, VOLUMES)]
    (tmp_path / "f.csv").write_bytes(csv_text(";", rows, ("Interval", "Calls", "Site")).encode(encoding))
    scenario_with(tmp_path, {"file": "f.csv"})
    sc = load(tmp_path)
    assert sc.contact_types["calls"].arrivals.volumes == VOLUMES
    guessed = {"cp1252": "cp1252 (Windows Western European)", "latin-1": "cp1252 (Windows Western European)"}.get(encoding)
    expected = [f"contact_types -> calls -> arrivals -> file: f.csv is not UTF-8: read as {guessed}; if a letter looks wrong, save it as CSV UTF-8"]
    assert sc.notes == (expected if guessed else [])


def test_utf16_without_its_bom_is_refused_not_misread(tmp_path):
    (tmp_path / "f.csv").write_bytes(csv_text().encode("utf-16-le"))
    scenario_with(tmp_path, {"file": "f.csv"})
    (line,) = problems(tmp_path)
    assert line.endswith("holds NUL bytes, which no text table has (UTF-32? UTF-16 without its BOM?): save it as CSV UTF-8 or .xlsx")


def test_a_semicolon_export_with_decimal_commas_and_a_comma_export_with_thousands(tmp_path):
    rows = [(s, "1.050,5" if i == 0 else f"{v},25") for i, (s, v) in enumerate(zip(STARTS, VOLUMES))]
    (tmp_path / "f.csv").write_text(csv_text(";", rows))
    scenario_with(tmp_path, {"file": "f.csv"})
    assert load(tmp_path).contact_types["calls"].arrivals.volumes == [1050.5] + [v + 0.25 for v in VOLUMES[1:]]
    rows = [(s, '"1,050"' if i == 0 else str(v)) for i, (s, v) in enumerate(zip(STARTS, VOLUMES))]
    (tmp_path / "f.csv").write_text(csv_text(",", rows))
    assert load(tmp_path).contact_types["calls"].arrivals.volumes == [1050] + VOLUMES[1:]


def test_a_tab_separated_file_tells_its_decimal_mark_from_its_numbers(tmp_path):
    rows = [(s, f"{v},5") for s, v in zip(STARTS, VOLUMES)]
    (tmp_path / "f.tsv").write_text(csv_text("\t", rows))
    scenario_with(tmp_path, {"file": "f.tsv"})
    assert load(tmp_path).contact_types["calls"].arrivals.volumes == [v + 0.5 for v in VOLUMES]


@pytest.mark.parametrize(
    "text, decimal, value",
    [("1,050", ".", 1050), ("1,050.5", ".", 1050.5), ("1.050,5", ",", 1050.5), ("10,5", ",", 10.5), ("1 050", ",", 1050), ("12", ",", 12)],
)
def test_numbers_as_planners_write_them(text, decimal, value):
    assert parse_number(text, decimal) == value


@pytest.mark.parametrize("text, decimal", [("10,5", "."), ("1,05", "."), ("1.05.0", ","), ("lots", ".")])
def test_a_number_whose_grouping_is_wrong_is_not_a_number(text, decimal):
    with pytest.raises(ValueError):
        parse_number(text, decimal)


def test_an_excel_workbook_with_two_sheets_reads_the_first_or_the_one_named(tmp_path):
    monday = [["Forecast, week 2"], [], ["Interval", "Calls"]] + [[dt.time(8 + i // 2, 30 * (i % 2)), v] for i, v in enumerate(VOLUMES)]
    tuesday = [["Start", "Calls"]] + [[dt.datetime(2026, 1, 6, 8 + i // 2, 30 * (i % 2)), v + 0.5] for i, v in enumerate(VOLUMES)]
    workbook(tmp_path / "forecast.xlsx", {"Mon": monday, "Tue": tuesday})
    scenario_with(tmp_path, {"file": "forecast.xlsx"})
    assert load(tmp_path).contact_types["calls"].arrivals.volumes == VOLUMES
    scenario_with(tmp_path, {"file": "forecast.xlsx", "sheet": "Tue", "column": "calls"})
    assert load(tmp_path).contact_types["calls"].arrivals.volumes == [v + 0.5 for v in VOLUMES]
    scenario_with(tmp_path, {"file": "forecast.xlsx", "sheet": "Wed"})
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: forecast.xlsx has no sheet 'Wed' (sheets: Mon, Tue)"]


def test_files_that_are_not_tables_are_one_line_each(tmp_path):
    (tmp_path / "f.xlsx").write_text(csv_text())  # a CSV under a workbook's name
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    scenario_with(tmp_path, {"file": "f.xlsx"})
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: f.xlsx: not a readable Excel workbook (File is not a zip file)"]
    scenario_with(tmp_path, {"file": "old.xls"})
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: old.xls is an old Excel file (.xls): save it as .xlsx or CSV"]
    scenario_with(tmp_path, {"csv": "f.csv", "sheet": "Tue"})
    (tmp_path / "f.csv").write_text(csv_text())
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> csv: f.csv: sheet: picks a sheet of an Excel workbook (.xlsx); this file is text"]


# --- rows matched to the horizon's intervals -------------------------------------------------------


def test_a_forecast_shifted_by_one_interval_is_refused_naming_the_row(tmp_path):
    shifted = [(f"{8 + (i + 1) // 2:02d}:{30 * ((i + 1) % 2):02d}", str(v)) for i, v in enumerate(VOLUMES)]
    (tmp_path / "forecast.csv").write_text(csv_text(",", shifted))
    scenario_with(tmp_path, {"file": "forecast.csv"})
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: forecast.csv row 2: interval 08:30, but the horizon starts at 08:00"]


def test_a_missing_a_repeated_and_an_extra_interval_are_each_named(tmp_path):
    rows = [(s, str(v)) for s, v in zip(STARTS, VOLUMES)]
    scenario_with(tmp_path, {"file": "f.csv"})
    (tmp_path / "f.csv").write_text(csv_text(",", rows[:5] + rows[6:]))
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: f.csv row 7: interval 11:00, but the horizon's interval 6 starts at 10:30 (one missing before it?)"]
    (tmp_path / "f.csv").write_text(csv_text(",", rows[:5] + rows[4:]))
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: f.csv row 7: interval 10:00, but the horizon's interval 6 starts at 10:30 (repeated?)"]
    (tmp_path / "f.csv").write_text(csv_text(",", rows + [("16:00", "1")]))
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: f.csv row 18: interval 16:00 is after the horizon's last interval (15:30)"]
    (tmp_path / "f.csv").write_text(csv_text(",", rows[:-2]))
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: f.csv ends at row 15: no rows for the horizon's intervals 15:00 to 15:30"]


def test_without_a_time_column_rows_are_taken_in_order_and_validate_says_so(tmp_path, cli):
    (tmp_path / "f.csv").write_text("calls\n" + "".join(f"{v}\n" for v in VOLUMES))
    scenario_with(tmp_path, {"file": "f.csv"})
    res = cli("validate", tmp_path / "s.yaml")
    assert res.exit_code == 0
    assert res.output.splitlines()[-1] == (
        "note: contact_types -> calls -> arrivals -> file: f.csv has no time column (interval, interval_start, start, time, datetime): "
        "its rows are taken in order as the intervals from 08:00"
    )


def test_a_named_time_column_and_a_file_of_several_days(tmp_path):
    rows = [(f"2026-01-0{day}", s, str(v + day)) for day in (5, 6) for s, v in zip(STARTS, VOLUMES)]
    (tmp_path / "week.csv").write_text(csv_text(";", rows, ("Date", "Slot", "calls")))
    scenario_with(tmp_path, {"file": "week.csv", "time_column": "Slot"})
    assert problems(tmp_path) == [
        "contact_types -> calls -> arrivals -> file: week.csv row 18: interval 2026-01-06 08:00 is after the horizon's last interval (15:30); the file holds several days: pick one with date:"
    ]
    scenario_with(tmp_path, {"file": "week.csv", "time_column": "Slot", "date": dt.date(2026, 1, 6)})
    assert load(tmp_path).contact_types["calls"].arrivals.volumes == [v + 6 for v in VOLUMES]
    scenario_with(tmp_path, {"file": "week.csv", "time_column": "Hour"})
    assert problems(tmp_path) == ["contact_types -> calls -> arrivals -> file: week.csv has no time column 'Hour' (columns: Date, Slot, calls)"]


def test_an_aht_column_fills_aht_by_interval_unless_the_yaml_gives_it_too(tmp_path):
    rows = [(s, str(v), str(280 + i)) for i, (s, v) in enumerate(zip(STARTS, VOLUMES))]
    (tmp_path / "f.csv").write_text(csv_text(",", rows, ("interval", "calls", "AHT")))
    scenario_with(tmp_path, {"file": "f.csv"})
    assert load(tmp_path).contact_types["calls"].aht_by_interval == [280 + i for i in range(16)]
    d = scenario_with(tmp_path, {"file": "f.csv"})
    d["contact_types"]["calls"]["aht_by_interval"] = [300] * 16
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(d))
    assert problems(tmp_path) == ["contact_types -> calls -> aht_by_interval: given here and by the aht column of f.csv: give one"]


def test_staffing_from_a_workbook_column(tmp_path):
    agents = [80 + i for i in range(16)]
    rows = [["interval_start", "team", "back office"]] + [[s, a, 3] for s, a in zip(STARTS, agents)]
    workbook(tmp_path / "staffing.xlsx", {"Plan": rows})
    scenario_with(tmp_path, agents={"file": "staffing.xlsx", "column": "team"})
    assert load(tmp_path).agent_pools["team"].agents == agents
    rows[3][1] = 80.5
    workbook(tmp_path / "staffing.xlsx", {"Plan": rows})
    assert problems(tmp_path) == ["agent_pools -> team -> agents -> file: staffing.xlsx row 4, column team: '80.5' is not a whole number of agents from 0 to 1,000,000"]


# --- calibrate: an Excel export with local dates, staffing in the planner's formats ----------------


def test_calibrate_reads_an_excel_log_with_day_first_dates(tmp_path, cli):
    start = dt.datetime(2026, 1, 5, 8, 0, 7)  # 5 January: written 05/01/2026, which month-first would read as 1 May
    rows = [["Start", "Queue", "Answered", "Ended"]]
    for i in range(40):
        arrived = start + dt.timedelta(minutes=3 * i)
        answered = arrived + dt.timedelta(seconds=10)
        rows.append([f"{arrived:%d/%m/%Y %H:%M:%S}", "calls", f"{answered:%d/%m/%Y %H:%M:%S}", f"{answered + dt.timedelta(seconds=200):%d/%m/%Y %H:%M:%S}"])
    workbook(tmp_path / "log.xlsx", {"Export": rows})
    columns = ["--columns", "arrival_time=Start,contact_type=Queue,answer_time=Answered,end_time=Ended"]
    res = cli("calibrate", tmp_path / "log.xlsx", *columns)
    assert res.exit_code == 2
    assert "log.xlsx row 2: arrival_time '05/01/2026 08:00:07' is not an ISO 8601 timestamp (like 2026-01-05T08:00:09); for another format give --dayfirst or --time-format" in res.output
    res = cli("calibrate", tmp_path / "log.xlsx", *columns, "--dayfirst", "--json")
    assert res.exit_code == 0, res.output
    cal = ccsim.calibrate.calibrate(tmp_path / "log.xlsx", columns=columns[1], dayfirst=True)
    assert cal.labels[0] == "08:00" and cal.days == [dt.date(2026, 1, 5)]
    assert cal.types["calls"].handle.aht == 200 and "(read as %d/%m/%Y %H:%M:%S, day first)" in cal.time_note
    same = ccsim.calibrate.calibrate(tmp_path / "log.xlsx", columns=columns[1], time_format="%d/%m/%Y %H:%M:%S")
    assert same.types["calls"].volumes == cal.types["calls"].volumes


def contact_log(path) -> None:
    """A day of calls from 09:00 to 10:00 (two 30-minute intervals), each answered at once."""
    start = dt.datetime(2026, 1, 5, 9, 0)
    rows = ["arrival_time,contact_type,answer_time,end_time"]
    for i in range(30):
        arrived = start + dt.timedelta(minutes=2 * i)
        rows.append(f"{arrived:%Y-%m-%dT%H:%M:%S},calls,{arrived:%Y-%m-%dT%H:%M:%S},{arrived + dt.timedelta(seconds=100):%Y-%m-%dT%H:%M:%S}")
    path.write_text("\n".join(rows) + "\n")


def test_calibrate_reads_staffing_from_a_workbook_with_dates_and_times(tmp_path, cli):
    contact_log(tmp_path / "log.csv")
    rows = [["Date", "Interval_Start", "team"]]  # Excel times and dates, two days averaged per clock time
    rows += [[dt.date(2026, 1, d), dt.time(9, m), a] for d, agents in ((5, (10, 12)), (6, (14, 16))) for m, a in zip((0, 30), agents)]
    workbook(tmp_path / "staffing.xlsx", {"Roster": rows, "Notes": [["not read"]]})
    res = cli("calibrate", tmp_path / "log.csv", "--staffing", tmp_path / "staffing.xlsx", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["scenario"]["agent_pools"] == {"team": {"skills": ["calls"], "agents": [12, 14]}}
    assert data["staffing"]["method"].startswith("from staffing.xlsx (2 clock times, averaged per interval)")


def test_calibrate_reads_a_cp1252_semicolon_staffing_csv_with_decimal_commas(tmp_path, cli):
    contact_log(tmp_path / "log.csv")
    text = "Interval;Köln\n09:00;10,5\n09:30;1.000\n"  # a mean of agents, and a thousand written as Europe does
    (tmp_path / "staffing.csv").write_bytes(text.encode("cp1252"))
    res = cli("calibrate", tmp_path / "log.csv", "--staffing", tmp_path / "staffing.csv", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["scenario"]["agent_pools"] == {"Köln": {"skills": ["calls"], "agents": [10, 1000]}}
    assert "staffing.csv is not UTF-8: read as cp1252 (Windows Western European); if a letter looks wrong, save it as CSV UTF-8" in data["notes"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("interval_start,team\n09:00,12\n09:30,n/a\n", "--staffing staffing.csv row 3, column team: 'n/a' is not a number of agents >= 0"),
        ("interval_start,team\n09:00,12\n9.30,12\n", "--staffing staffing.csv row 3: '9.30' is not an interval start like 08:30 or 2026-01-05 08:30"),
        ("team,backup\n12,3\n", "--staffing staffing.csv: the header must name a time column (interval, interval_start, start, time, datetime) and one column per agent pool (got: team, backup)"),
    ],
)
def test_a_bad_staffing_file_is_one_line_naming_row_and_column(tmp_path, cli, text, expected):
    contact_log(tmp_path / "log.csv")
    (tmp_path / "staffing.csv").write_text(text)
    res = cli("calibrate", tmp_path / "log.csv", "--staffing", tmp_path / "staffing.csv")
    assert res.exit_code == 2
    assert res.output.strip() == f"error: {expected}"


# --- what planners write in the YAML --------------------------------------------------------------


@pytest.mark.parametrize(
    "original, written, expected",
    [
        ("target: 0.8", "target: 80", "service_level -> target: must be <= 1 (a share: did you mean 0.8?)"),
        ("mean: 300", "mean: 5min", "handle_time -> mean: handle times are in seconds: write 300"),
        ("  hours: 8", "  start: 8:00\n  hours: 8", 'horizon -> start: write times in quotes: "08:00" (unquoted, YAML reads 8:00 as the number 480)'),
    ],
)
def test_error_hints_say_what_was_meant(tmp_path, original, written, expected):
    text = yaml.safe_dump(reference(), sort_keys=False)
    assert text.count(original) == 1
    (tmp_path / "s.yaml").write_text(text.replace(original, written))
    assert problems(tmp_path) == [f"contact_types -> calls -> {expected}" if "horizon" not in expected else expected]


def test_an_unknown_pool_or_type_in_a_variant_is_named_as_such(tmp_path):
    scenario_with(tmp_path, variants={"more": {"agent_pools": {"tem": {"agents": 95}}}, "less": {"contact_types": {"cals": {"arrivals": {"per_hour": 900}}}}})
    assert sorted(problems(tmp_path)) == [
        "variants -> less -> contact_types -> cals: unknown contact type 'cals' (known: calls)",
        "variants -> more -> agent_pools -> tem: unknown pool 'tem' (known: team)",
    ]


def test_shrinkage_as_one_number_is_a_share_with_no_day_to_day_spread(tmp_path):
    plain = reference(agent_pools={"team": {"skills": ["calls"], "agents": 90, "shrinkage": {"mean": 0.3, "sd": 0}}})
    short = reference(agent_pools={"team": {"skills": ["calls"], "agents": 90, "shrinkage": 0.3}})
    a, b = (ccsim.scenario_from_dict(d) for d in (plain, short))
    assert b.agent_pools["team"].shrinkage == a.agent_pools["team"].shrinkage
    assert ccsim.simulate(a, replications=2).to_dict()["by_pool"] == ccsim.simulate(b, replications=2).to_dict()["by_pool"]


def test_a_shrinkage_mean_per_interval_takes_agents_away_where_it_says(tmp_path):
    profile = [0.0] * 8 + [0.5] * 8
    d = reference(agent_pools={"team": {"skills": ["calls"], "agents": 90, "shrinkage": {"mean": profile, "sd": 0}}})
    rows = ccsim.simulate(ccsim.scenario_from_dict(d), replications=4).to_dict()["by_interval_pool"]
    present = [row["agents"]["mean"] for row in rows]
    assert present[:8] == [90.0] * 8 and all(35 < p < 55 for p in present[8:])
    d["agent_pools"]["team"]["shrinkage"]["mean"] = profile[:3]
    with pytest.raises(ScenarioError, match="shrinkage -> mean: 3 values given, the horizon has 16 intervals"):
        ccsim.scenario_from_dict(d)


def test_a_night_horizon_runs_past_midnight_with_its_shifts(tmp_path):
    night = [f"{(20 + i) % 24:02d}:00" for i in range(10)]
    (tmp_path / "night.csv").write_text("interval,calls\n" + "".join(f"{s},{30 - 2 * i}\n" for i, s in enumerate(night)))
    d = reference(horizon={"start": "20:00", "end": "06:00", "interval_minutes": 60})
    d["contact_types"]["calls"]["arrivals"] = {"file": "night.csv"}
    d["agent_pools"]["team"] = {"skills": ["calls"], "shifts": [{"start": "20:00", "end": "02:00", "count": 5}, {"start": "00:00", "end": "06:00", "count": 3}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(d))
    sc = load(tmp_path)
    assert sc.horizon.interval_labels() == night[:4] + [f"d2 {s}" for s in night[4:]]
    assert sc.agent_pools["team"].staffing(sc.horizon) == [5, 5, 5, 5, 8, 8, 3, 3, 3, 3]
    result = ccsim.simulate(sc, replications=2).to_dict()
    assert [row["agents"]["mean"] for row in result["by_interval_pool"]] == [5, 5, 5, 5, 8, 8, 3, 3, 3, 3]
