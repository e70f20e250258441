"""What a planner's tools read: summary.xlsx of `ccsim run --out`, staffing.xlsx and roster.csv of
`ccsim staff --out`, each opened with openpyxl and checked cell by cell against the JSON and CSV
the same command wrote."""

from __future__ import annotations

import csv
import datetime as dt
import json

import openpyxl
import pytest

from ccsim.report import excel

from conftest import SCENARIOS


def sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def clock(label: str) -> dt.time:
    return dt.time(int(label[:2]), int(label[3:5]))


def same(cell, figure: dict | None) -> bool:
    """A mean, lo, hi triple of cells against the JSON's {mean, ci95}."""
    want = (figure["mean"], *figure["ci95"])
    return all(c == pytest.approx(w, rel=1e-12, abs=1e-12) if w is not None else c is None for c, w in zip(cell, want))


@pytest.fixture(scope="module")
def run_out(tmp_path_factory):
    from typer.testing import CliRunner

    from cli import app

    out = tmp_path_factory.mktemp("run") / "out"
    res = CliRunner().invoke(app, ["run", str(SCENARIOS / "two_pool_day.yaml"), "-r", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "summary.xlsx" in res.output
    return out, json.loads((out / "summary.json").read_text()), openpyxl.load_workbook(out / "summary.xlsx")


def test_summary_has_its_three_sheets_with_frozen_bold_headers(run_out):
    _, _, book = run_out
    assert book.sheetnames == ["day", "intervals", "pools"]
    for sheet in book:
        assert sheet.freeze_panes == "C2", sheet.title
        assert all(c.font.bold for c in sheet[1]), sheet.title


def test_the_intervals_sheet_is_the_csv_with_typed_cells_and_the_json_figures(run_out):
    out, data, book = run_out
    with (out / "intervals.csv").open(newline="") as fh:
        header = next(csv.reader(fh))
    sheet = book["intervals"]
    assert [c.value for c in sheet[1]] == header
    rows = sheet_rows(sheet)
    assert len(rows) == len(data["by_interval"]) == 24 * 2
    metrics = [h for h in header[2:] if not h.endswith(("_lo", "_hi")) and h != "agents" and not h.startswith("occupancy_")]
    assert {"offered", "service_level", "asa_seconds", "redials"} <= set(metrics)
    for row, want in zip(rows, data["by_interval"]):
        assert row["interval_start"] == clock(want["interval_start"]) and row["contact_type"] == want["contact_type"]
        for m in metrics:
            assert same([row[m], row[f"{m}_lo"], row[f"{m}_hi"]], want[m]), (want["interval_start"], want["contact_type"], m)
    # agents present in the pools serving the type: support is served by both desks
    pools = {(p["interval_start"], p["pool"]): p for p in data["by_interval_pool"]}
    for row, want in zip(rows, data["by_interval"]):
        served_by = ["sales_desk", "support_desk"] if want["contact_type"] == "support" else ["sales_desk"]
        assert row["agents"] == pytest.approx(sum(pools[(want["interval_start"], p)]["agents"]["mean"] for p in served_by))
        assert row["agents_lo"] <= row["agents"] <= row["agents_hi"]
    formats = {c.value: d.number_format for c, d in zip(sheet[1], sheet[2])}
    assert formats["interval_start"] == "hh:mm"
    assert formats["service_level"] == formats["service_level_hi"] == formats["occupancy_sales_desk"] == "0.0%"
    assert formats["asa_seconds"] == formats["wait_p90_seconds_lo"] == "0.0"


def test_the_pools_sheet_holds_agents_scheduled_present_and_occupancy(run_out):
    _, data, book = run_out
    rows = sheet_rows(book["pools"])
    assert len(rows) == len(data["by_interval_pool"]) == 24 * 2
    for row, want in zip(rows, data["by_interval_pool"]):
        assert (row["interval_start"], row["pool"]) == (clock(want["interval_start"]), want["pool"])
        for m in ("agents_scheduled", "agents", "occupancy", "shrinkage"):
            assert same([row[m], row[f"{m}_lo"], row[f"{m}_hi"]], want[m]), (want["interval_start"], want["pool"], m)
    # shrinkage: fewer agents present than scheduled on the sales desk
    assert rows[0]["agents"] < rows[0]["agents_scheduled"] == 7


def test_the_day_sheet_has_a_row_per_contact_type_and_per_pool(run_out):
    _, data, book = run_out
    rows = sheet_rows(book["day"])
    assert [(r["contact_type"], r["pool"]) for r in rows] == [("sales", None), ("support", None), (None, "sales_desk"), (None, "support_desk")]
    for row in rows[:2]:
        want = data["by_contact_type"][row["contact_type"]]
        for m in ("offered", "service_level", "abandon_rate", "redials"):
            assert same([row[m], row[f"{m}_lo"], row[f"{m}_hi"]], want[m])
        assert row["occupancy"] is None
    for row in rows[2:]:
        want = data["by_pool"][row["pool"]]
        for m in ("occupancy", "agents", "agents_scheduled", "shrinkage"):
            assert same([row[m], row[f"{m}_lo"], row[f"{m}_hi"]], want[m])
        assert row["offered"] is None


@pytest.fixture(scope="module")
def staff_out(tmp_path_factory):
    from typer.testing import CliRunner

    from cli import app

    out = tmp_path_factory.mktemp("staff") / "out"
    res = CliRunner().invoke(app, ["staff", str(SCENARIOS / "lesson_shifts.yaml"), "-r", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, json.loads((out / "staffing.json").read_text()), openpyxl.load_workbook(out / "staffing.xlsx")


def test_staffing_workbook_has_each_plans_agents_per_interval_and_pool(staff_out):
    out, data, book = staff_out
    assert book.sheetnames == ["required", "roster"]
    rows = sheet_rows(book["required"])
    with (out / "staffing.csv").open(newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(rows) == len(table) == len(data["intervals"])
    for row, want in zip(rows, data["intervals"]):
        assert row == {**want, "interval_start": clock(want["interval_start"])}


def test_roster_has_one_row_per_shift_with_its_breaks_in_order(staff_out):
    out, data, book = staff_out
    with (out / "roster.csv").open(newline="") as fh:
        roster = list(csv.DictReader(fh))
    shifts = [s for plan in data["shift_plans"].values() for s in plan["shifts"]]
    assert len(roster) == sum(s["count"] for s in shifts) > 0
    expanded = [s for s in shifts for _ in range(s["count"])]
    for row, shift in zip(roster, expanded):
        assert (row["kind"], row["start"], row["end"]) == (shift["kind"], shift["start"], shift["end"])
        starts = sorted(b["start"] for b in shift["breaks"])  # every shift of this day starts and breaks before midnight
        assert [row[f"break_{k + 1}_start"] for k in range(len(starts))] == starts
    assert [int(r["shift"]) for r in roster] == list(range(1, len(roster) + 1))  # one pool
    sheet = sheet_rows(book["roster"])
    assert len(sheet) == len(roster)
    assert sheet[0]["start"] == clock(roster[0]["start"]) and sheet[0]["break_1_end"] == clock(roster[0]["break_1_end"])
    assert roster[0]["break_1_end"] > roster[0]["break_1_start"]


def test_staff_without_shift_rules_writes_no_roster(tmp_path, cli):
    res = cli("staff", SCENARIOS / "team_of_8.yaml", "-r", "3", "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "out" / "roster.csv").exists()
    assert openpyxl.load_workbook(tmp_path / "out" / "staffing.xlsx").sheetnames == ["required"]


def test_names_are_text_never_formulas_and_lose_no_character(tmp_path):
    names = ['=HYPERLINK("http://x")', "+1", "a\x01b", "@team"]
    rows = [[name, 0.5] for name in names]
    excel.workbook([excel.Table("t", ["name", "share"], [None, "0.0%"], rows, 1)])(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    cells = [r[0] for r in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x")', "+1", "a\\x01b", "@team"]
    assert all(c.data_type == "s" for c in cells)
    assert sheet["B2"].number_format == "0.0%"


def test_a_table_longer_than_a_sheet_goes_on_in_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "EXCEL_ROWS", 4)  # a header and three rows per sheet
    excel.workbook([excel.Table("pools", ["n"], [None], ([k] for k in range(7)), 1)])(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["pools", "pools (2)", "pools (3)"]
    assert [[r[0] for r in book[s].iter_rows(values_only=True)] for s in book.sheetnames] == [["n", 0, 1, 2], ["n", 3, 4, 5], ["n", 6]]
