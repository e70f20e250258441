"""Backtest: a log the model wrote is reproduced, a wrong patience is caught and named, a replayed day
can be checked by hand, and bad input is refused in one line that names the file, row and column."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from ccsim import load_scenario, scenario_from_dict
from ccsim.backtest import BacktestError, backtest
from ccsim.config import ScenarioError
from ccsim.model import simulate_replication, streams
from ccsim.records import BASE_DATE

from conftest import REPO, SCENARIOS

DAYS = 6
AGENTS = [7, 8, 8, 9, 9, 8, 8, 7]  # 09:00-12:30
DESK = {
    "name": "Backtest desk",
    "seed": 5,
    "replications": DAYS,
    "horizon": {"start": "09:00", "end": "13:00", "interval_minutes": 30},
    "contact_types": {
        "calls": {
            "arrivals": {"per_hour": 110},
            "handle_time": {"dist": "lognormal", "mean": 240, "cv": 0.8},
            "patience": {"dist": "exponential", "mean": 90},
            "service_level": {"seconds": 20, "target": 0.8},
        }
    },
    "agent_pools": {"desk": {"skills": ["calls"], "agents": AGENTS}},
}


def write_staffing(path: Path, days: list[date], agents: list[int] = AGENTS, pool: str = "desk") -> Path:
    """Agents per interval on each day, as dated interval starts (what both calibrate and backtest read)."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["interval_start", pool])
        for day in days:
            for i, n in enumerate(agents):
                minute = 9 * 60 + 30 * i
                writer.writerow([f"{day} {minute // 60:02d}:{minute % 60:02d}", n])
    return path


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    """A center whose truth is known: six days logged by ``ccsim run --records`` (replication r is day r)."""
    from typer.testing import CliRunner

    from cli import app

    root = tmp_path_factory.mktemp("backtest")
    scenario = write_yaml(root / "desk.yaml", DESK)
    log = root / "log.csv"
    result = CliRunner().invoke(app, ["run", str(scenario), "--records", str(log)])
    assert result.exit_code == 0, result.output
    days = [BASE_DATE.date() + timedelta(days=d) for d in range(DAYS)]
    return {"root": root, "scenario": scenario, "log": log, "staffing": write_staffing(root / "staffing.csv", days), "days": days}


@pytest.fixture(scope="module")
def same(center):
    return backtest(center["log"], load_scenario(center["scenario"]), center["staffing"])


@pytest.fixture(scope="module")
def patient(center):
    """The same log against a scenario whose customers wait three times longer than the real ones."""
    calls = {**DESK["contact_types"]["calls"], "patience": {"dist": "exponential", "mean": 270}}
    sc = scenario_from_dict({**DESK, "contact_types": {"calls": calls}})
    return backtest(center["log"], sc, center["staffing"])


# --- the scenario that wrote the log reproduces it ----------------------------------------------


def test_the_scenario_that_wrote_the_log_fits(same, center):
    assert [d.date for d in same.replayed] == center["days"]
    assert sum(d.contacts for d in same.replayed) == len(center["log"].read_text().splitlines()) - 1  # every logged contact replayed
    assert same.coverage >= 0.85, same.fit
    assert all(f.side == 0 for f in same.fit.values()), same.fit
    assert same.fits
    assert same.verdict.startswith(f"the model reproduces these {DAYS} days")
    assert set(same.fit) == {"service_level", "asa_seconds", "abandon_rate", "answered", "occupancy"}  # the log names its pools


def test_patience_three_times_too_long_is_flagged_and_named(patient):
    fit = patient.fit
    assert not patient.fits
    # customers who should have hung up stay: fewer abandons, longer waits, a lower service level
    assert fit["abandon_rate"].side == -1 and fit["abandon_rate"].bias < 0
    assert fit["asa_seconds"].side == 1 and fit["asa_seconds"].bias > 0
    assert fit["service_level"].bias < 0
    assert patient.verdict.startswith("the model is biased: it answers slower than reality in ")
    assert "loses fewer contacts than reality" in patient.verdict
    assert "likeliest cause: patience set too long" in patient.verdict


def test_likeliest_cause_reads_the_sign_pattern():
    from ccsim.backtest import likeliest_cause

    assert "patience set too long" in likeliest_cause({"abandon_rate": -1, "asa_seconds": 1})
    assert "patience set too short" in likeliest_cause({"abandon_rate": 1, "service_level": 1})  # a higher SL: faster
    assert "more capacity" in likeliest_cause({"asa_seconds": -1})
    assert "less capacity" in likeliest_cause({"answered": -1})  # fewer answered: more lost
    assert "shrinkage" in likeliest_cause({"occupancy": -1})
    assert likeliest_cause({}) is None


def test_json_has_the_documented_shape(center, cli):
    result = cli("backtest", center["log"], "--scenario", center["scenario"], "--staffing", center["staffing"], "--json", "-r", 5)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"ccsim_version", "scenario", "log", "days", "by_interval", "fit", "verdict"} <= set(data)
    assert data["replications"] == 5 and len(data["days"]) == DAYS and all(d["replayed"] for d in data["days"])
    row = data["by_interval"][0]
    assert set(row) == {"date", "interval_start", "contact_type", "actual", "simulated"}
    assert (row["date"], row["interval_start"], row["contact_type"]) == ("2026-01-05", "09:00", "calls")
    metrics = {"service_level", "asa_seconds", "abandon_rate", "answered"}
    assert set(row["actual"]) == metrics and set(row["simulated"]) == metrics
    assert set(row["simulated"]["asa_seconds"]) == {"mean", "band95"} and len(row["simulated"]["asa_seconds"]["band95"]) == 2
    assert len(data["by_interval"]) == DAYS * len(AGENTS)
    assert data["by_interval_pool"][0]["pool"] == "desk" and set(data["by_interval_pool"][0]["actual"]) == {"occupancy"}
    assert set(data["fit"]["by_metric"]["abandon_rate"]) >= {"coverage", "mae", "bias"}
    assert 0 <= data["fit"]["coverage"] <= 1


def test_terminal_and_files(center, cli, tmp_path):
    out = tmp_path / "bt"
    scenario = write_yaml(tmp_path / "desk.yaml", {**DESK, "name": "<script>alert(1)</script> [desk]"})
    result = cli("backtest", center["log"], "--scenario", scenario, "--staffing", center["staffing"], "--out", out, "-r", 5)
    assert result.exit_code == 0, result.output
    assert "in band" in result.stdout and "the model" in result.stdout
    assert "<script>alert(1)</script> [desk]" in result.stdout  # names print as written
    assert sorted(p.name for p in out.iterdir()) == ["backtest.json", "intervals.csv", "report.html"]
    rows = list(csv.DictReader((out / "intervals.csv").read_text().splitlines()))
    assert len(rows) == 2 * DAYS * len(AGENTS)  # the contact type's rows, then the pool's
    assert {"asa_seconds_actual", "asa_seconds_lo", "occupancy_hi"} <= set(rows[0])
    page = (out / "report.html").read_text()
    assert "Calibration: abandonment" in page and "2026-01-10" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


# --- a replayed day, by hand ----------------------------------------------------------------------


def replay_day(**calls) -> dict:
    """One agent; three scripted calls, written out of time order with their logged handle times."""
    return {
        "name": "replay trace",
        "horizon": {"start": "09:00", "hours": 0.5, "interval_minutes": 30},
        "contact_types": {
            "calls": {
                "arrivals": {"at_seconds": [20, 0, 10], "handle_seconds": [None, 40, 15]},
                "handle_time": {"dist": "exponential", "mean": 100},
                "patience": {"dist": "deterministic", "mean": 60},
                **calls,
            }
        },
        "agent_pools": {"solo": {"skills": ["calls"], "agents": 1}},
    }


def test_replayed_day_by_hand():
    # t=0 call A (logged 40 s) is answered at once and ends at 40. t=10 call B (logged 15 s) waits
    # for the agent and is answered at 40, the instant the log says, ending at 55. t=20 call C hung up
    # in reality (handle time not observed): its patience of 60 s outlasts the 35 s wait, so it is
    # answered at 55 with the first draw of the scenario's handle-time stream.
    sc = scenario_from_dict(replay_day())
    first_draw = streams.draws(sc.contact_types["calls"].handle_time, streams.generator(sc.seed, 0, "handle", "calls"))()
    rows = [r[:5] for r in sorted(simulate_replication(sc, 0, records=True).records, key=lambda r: r[1])]  # type, arrived, answered, ended, pool
    assert rows[:2] == [(0, 0.0, 0.0, 40.0, 0), (0, 10.0, 40.0, 55.0, 0)]
    assert rows[2][:3] == (0, 20.0, 55.0) and rows[2][3] == pytest.approx(55.0 + first_draw)


def test_logged_handle_times_are_not_reshaped():
    # complications add to the draw a null takes, never to a logged handle time
    sc = scenario_from_dict(replay_day(complications={"share": 1.0, "extra": {"dist": "deterministic", "mean": 1000}}))
    rows = sorted(simulate_replication(sc, 0, records=True).records, key=lambda r: r[1])
    assert [r[3] - r[2] for r in rows[:2]] == [40.0, 15.0]
    assert rows[2][3] - rows[2][2] > 1000


def test_handle_seconds_must_match_at_seconds():
    with pytest.raises(ScenarioError, match="handle_seconds: 2 values given, at_seconds has 3"):
        scenario_from_dict(replay_day(arrivals={"at_seconds": [0, 10, 20], "handle_seconds": [1, 2]}))
    with pytest.raises(ScenarioError, match="handle_seconds: only used with at_seconds"):
        scenario_from_dict(replay_day(arrivals={"per_hour": 10, "handle_seconds": [1]}))


# --- days, nights and what is skipped ------------------------------------------------------------


def test_a_day_without_staffing_is_reported_and_skipped(center, tmp_path):
    staffing = write_staffing(tmp_path / "staffing.csv", center["days"][1:])  # no row on the first day
    res = backtest(center["log"], load_scenario(center["scenario"]), staffing, replications=3)
    assert [d.date for d in res.replayed] == center["days"][1:]
    skipped = res.days[0]
    assert skipped.date == center["days"][0] and "staffing.csv" in skipped.skipped
    assert not any(r.date == skipped.date for r in res.by_interval)


def test_contacts_outside_the_horizon_are_noted(center):
    morning = scenario_from_dict({**DESK, "horizon": {"start": "09:00", "end": "12:00", "interval_minutes": 30}, "agent_pools": {"desk": {"skills": ["calls"], "agents": 8}}})
    res = backtest(center["log"], morning, center["staffing"], replications=3)
    assert any("arrive outside the scenario's horizon" in note for note in res.notes)
    assert {r.interval_start for r in res.by_interval} == {"09:00", "09:30", "10:00", "10:30", "11:00", "11:30"}


def test_a_night_horizon_replays_past_midnight(tmp_path):
    log = tmp_path / "night.csv"
    log.write_text(
        "arrival_time,contact_type,answer_time,end_time\n"
        "2026-01-05T23:10:00,calls,2026-01-05T23:10:00,2026-01-05T23:15:00\n"
        "2026-01-06T01:05:00,calls,2026-01-06T01:05:00,2026-01-06T01:07:00\n"
    )
    staffing = tmp_path / "staffing.csv"
    staffing.write_text("interval_start,night\n" + "".join(f"2026-01-{5 + (h < 12):02d} {h:02d}:00,1\n" for h in (22, 23, 0, 1)))
    night = scenario_from_dict(
        {
            "name": "night line",
            "horizon": {"start": "22:00", "end": "02:00", "interval_minutes": 60},
            "contact_types": {"calls": {"arrivals": {"per_hour": 1}, "handle_time": {"dist": "exponential", "mean": 300}}},
            "agent_pools": {"night": {"skills": ["calls"], "agents": 1}},
        }
    )
    res = backtest(log, night, staffing, replications=2)
    assert [(d.date, d.contacts) for d in res.days] == [(date(2026, 1, 5), 2)]
    answered = {r.interval_start: r.figures["answered"].actual for r in res.by_interval}
    assert answered == {"22:00": 0, "23:00": 1, "d2 00:00": 0, "d2 01:00": 1}


# --- the bundled example and the hold-out recipe (docs/backtest.md, lesson 9) --------------------

EXAMPLE = SCENARIOS / "backtest_desk.yaml"
MON_WED, THU_FRI, STAFFING = (SCENARIOS / f"backtest_{name}.csv" for name in ("log_mon_wed", "log_thu_fri", "staffing"))


def lesson_row(figure: str) -> list[str]:
    table = [line for line in (REPO / "docs" / "lessons" / "09-backtest.md").read_text().splitlines() if line.startswith(f"| {figure} |")]
    assert len(table) == 1, f"lesson 9 has no single table row for {figure}"
    return [cell.strip() for cell in table[0].strip("|").split("|")][1:]


def test_hold_out_recipe_and_the_lesson_figures(cli, tmp_path):
    """The two commands of the recipe, on the bundled week: the plan is caught on Monday to Wednesday,
    the scenario calibrated from those days reproduces Thursday and Friday; lesson 9 shows these figures."""
    from ccsim.backtest import fit_rows

    calibrated = tmp_path / "calibrated.yaml"
    result = cli("calibrate", MON_WED, "--staffing", STAFFING, "--out", calibrated)
    assert result.exit_code == 0, result.output
    result = cli("backtest", THU_FRI, "--scenario", calibrated, "--staffing", STAFFING, "--json")
    assert result.exit_code == 0, result.output
    held_out = json.loads(result.stdout)
    assert [d["date"] for d in held_out["days"]] == ["2026-01-08", "2026-01-09"]
    assert held_out["fit"]["fits"], held_out["verdict"]
    planned = backtest(MON_WED, load_scenario(EXAMPLE), STAFFING)
    assert not planned.fits and "likeliest cause: patience set too long" in planned.verdict
    calibrated_fit = {row[0]: row for row in fit_rows(backtest(THU_FRI, load_scenario(calibrated), STAFFING))}
    for name, _, inside, _, bias, _, _ in fit_rows(planned):
        assert lesson_row(name) == [inside, bias, calibrated_fit[name][2], calibrated_fit[name][4]], f"lesson 9, row {name}: re-run and re-paste"


# --- bad input: one line each, naming the file, row and column -----------------------------------


def run_bad(cli, center, log=None, staffing=None, scenario=None):
    result = cli("backtest", log or center["log"], "--scenario", scenario or center["scenario"], "--staffing", staffing or center["staffing"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.stderr


def test_a_log_and_staffing_that_share_no_date(cli, center, tmp_path):
    staffing = write_staffing(tmp_path / "staffing.csv", [date(2025, 3, 3)])
    message = run_bad(cli, center, staffing=staffing)
    assert "log.csv (2026-01-05 to 2026-01-10) and staffing.csv share no day" in message


def test_staffing_without_the_pool_column(cli, center, tmp_path):
    staffing = write_staffing(tmp_path / "staffing.csv", center["days"], pool="team")
    assert "staffing.csv has no column 'desk'" in run_bad(cli, center, staffing=staffing)


def test_a_bad_staffing_cell_names_row_and_column(center, tmp_path):
    staffing = write_staffing(tmp_path / "staffing.csv", center["days"])
    lines = staffing.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",eight"
    staffing.write_text("\n".join(lines) + "\n")
    res = backtest(center["log"], load_scenario(center["scenario"]), staffing, replications=2)
    assert res.days[0].skipped == "staffing.csv row 4, column desk: 'eight' is not a whole number of agents from 0 to 1,000,000"
    assert len(res.replayed) == DAYS - 1


def test_a_contact_type_the_scenario_lacks(cli, center, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(center["log"].read_text().replace(",calls,", ",chat,", 1))
    message = run_bad(cli, center, log=log)
    assert message.strip() == "error: log.csv: contact type 'chat' is not in the scenario (its types: calls)"


def test_a_broken_log_row_is_named(cli, center, tmp_path):
    log = tmp_path / "log.csv"
    lines = center["log"].read_text().splitlines()
    lines[5] = "yesterday" + lines[5][lines[5].index(","):]
    log.write_text("\n".join(lines) + "\n")
    message = run_bad(cli, center, log=log)
    assert "log.csv line 6: arrival_time 'yesterday'" in message


def test_a_horizon_longer_than_a_day(center):
    week = scenario_from_dict({**DESK, "horizon": {"hours": 48, "interval_minutes": 30}, "agent_pools": {"desk": {"skills": ["calls"], "agents": 8}}})
    with pytest.raises(BacktestError, match="one day at a time"):
        backtest(center["log"], week, center["staffing"])
