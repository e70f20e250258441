"""ccsim staff --week: a weekly roster per pool, planned on the requirement and simulated day by day.

A three-day week small enough to plan in seconds: the roster comes out as agent lines x dates in
the JSON, roster.csv and staffing.xlsx, it is what the shift plan simulates, every plan is told
day by day, and a scenario that cannot have a weekly roster is refused in one line per reason.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

DAYS = ["2026-12-07", "2026-12-08", "2026-12-09"]

WEEK = {
    "name": "three days",
    "seed": 4,
    "replications": 3,
    "horizon": {"start_date": DAYS[0], "days": 3, "open": {"mon-wed": ["08:00", "16:00"]}, "interval_minutes": 60},
    "contact_types": {
        "calls": {
            "arrivals": {"per_hour": 40},
            "handle_time": {"dist": "exponential", "mean": 240},
            "patience": {"dist": "exponential", "mean": 120},
            "service_level": {"seconds": 20, "target": 0.8},
        }
    },
    "agent_pools": {"desk": {"skills": ["calls"], "agents": 4}},
    "shifts": {"kinds": [{"hours": 8}], "week": {"days_per_week": 2, "consecutive_days_off": 1, "contract_hours": [16] * 8}},
}


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    from typer.testing import CliRunner

    from cli import app

    folder = tmp_path_factory.mktemp("week")
    path = folder / "week.yaml"
    path.write_text(yaml.safe_dump(WEEK))
    out = folder / "out"
    res = CliRunner().invoke(app, ["staff", str(path), "--week", "--requirement", "erlang_a", "-r", "3", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout), out


def test_the_roster_is_agent_lines_by_date(planned):
    data, _ = planned
    lines = data["roster"]
    assert lines and all(line["pool"] == "desk" and set(line["days"]) == set(DAYS) for line in lines)
    for line in lines:
        worked = [shift for shift in line["days"].values() if shift is not None]
        assert len(worked) <= 2  # days_per_week
        assert all(shift["start"] == "08:00" and shift["end"] == "16:00" for shift in worked)
    roster = data["week_rosters"]["desk"]
    assert roster["covers"] == "erlang_a" and roster["paid_hours"] == pytest.approx(8 * sum(len([s for s in line["days"].values() if s]) for line in lines))


def test_the_shift_plan_simulated_is_the_roster(planned):
    data, _ = planned
    roster = data["week_rosters"]["desk"]
    on_duty = {(row["date"], row["time"]): row["scheduled"] for row in roster["coverage"]}
    for row in data["intervals"]:
        date, time = row["interval_start"].split("T")
        assert row["shifts"] == round(on_duty[(date, time)])
    assert "shifts" in data["achieved"]
    assert set(data["by_date"]["shifts"]) == set(DAYS)
    monday = data["by_date"]["shifts"][DAYS[0]]["by_contact_type"]["calls"]["service_level"]
    assert 0 <= monday["ci95"][0] <= monday["mean"] <= monday["ci95"][1] <= 1


def test_roster_csv_and_workbook_carry_the_week(planned):
    from openpyxl import load_workbook

    data, out = planned
    rows = list(csv.reader(io.StringIO((out / "roster.csv").read_text())))
    assert rows[0] == ["pool", "line", "contract", *DAYS]
    assert len(rows) - 1 == len(data["roster"])
    assert all(cell in ("", "08:00-16:00") for row in rows[1:] for cell in row[3:])
    book = load_workbook(out / "staffing.xlsx", read_only=True)
    assert {"required", "roster", "shifts", "coverage"} <= set(book.sheetnames)
    header = [c.value for c in next(book["roster"].iter_rows(max_row=1))]
    assert header == ["pool", "line", "contract", *DAYS]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.update(horizon={"start": "08:00", "end": "16:00", "interval_minutes": 60}), "--week: horizon: a weekly roster needs a dated horizon of whole days"),
        (lambda d: d["shifts"].pop("week"), "--week: shifts -> week: the weekly rules are missing"),
        (lambda d: d.pop("shifts"), "--week: shifts: a weekly roster needs shift rules"),
        (lambda d: d["horizon"].update(days=8), "--week: horizon -> days: a weekly roster plans at most 7 days, the horizon has 8"),
    ],
)
def test_what_a_weekly_roster_needs_is_named(cli, tmp_path, change, expected):
    import copy

    d = copy.deepcopy(WEEK)
    change(d)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(d))
    res = cli("staff", path, "--week")
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"error: {expected}" in res.output, res.output


def test_an_unknown_requirement_is_named(cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(WEEK))
    res = cli("staff", path, "--week", "--requirement", "erlang_b")
    assert res.exit_code == 2 and "error: --requirement: 'erlang_b' is not simulated or erlang_a" in res.output
