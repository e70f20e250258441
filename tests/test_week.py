"""Dated horizons over several days: opening hours, weekly demand, backlogs carried overnight.

The stories: a closed Sunday has no arrivals and no agent-hours; a weekly pattern and a dated
forecast file give the same volumes; Monday's email left at the close is answered on Tuesday
morning, its service level counted in open hours or on the calendar as the key says; the second
day of a two-day week is the one-day scenario of that date (the same callers exactly, the same
service within sampling error); live queues are emptied after each close.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from ccsim import ScenarioError, scenario_from_dict, simulate
from ccsim.model.behaviours import REGISTRY
from ccsim.model.engine import Engine

from conftest import assert_books_close, changed

MONDAY = "2026-12-07"
OPEN = {"mon-fri": ["08:00", "20:00"], "sat": ["09:00", "14:00"], "sun": "closed"}

WEEK = {
    "name": "retail week",
    "seed": 11,
    "replications": 4,
    "horizon": {"start_date": MONDAY, "days": 7, "open": OPEN, "interval_minutes": 60},
    "contact_types": {
        "calls": {
            "arrivals": {"per_hour": 60},
            "handle_time": {"dist": "exponential", "mean": 240},
            "patience": {"dist": "exponential", "mean": 120},
        },
        "email": {
            "channel": "email",
            "arrivals": {"per_hour": 6},
            "handle_time": {"dist": "exponential", "mean": 600},
            "service_level": {"hours": 8},
        },
    },
    "agent_pools": {"team": {"skills": ["calls", "email"], "agents": 7}},
}


def week(**changes):
    return changed(WEEK, **changes)


def problems(d) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(d)
    return err.value.problems


# --- the horizon ------------------------------------------------------------------------------


def test_a_dated_week_has_its_dates_open_hours_and_iso_labels():
    hz = scenario_from_dict(WEEK).horizon
    assert hz.n_intervals == 7 * 24
    labels = hz.interval_labels()
    assert labels[0] == "2026-12-07T00:00" and labels[-1] == "2026-12-13T23:00"
    open_ = np.array(hz.open_intervals).reshape(7, 24)
    assert open_[0].sum() == 12 and open_[0, 8] and not open_[0, 20]  # Monday 08:00-20:00
    assert open_[5].sum() == 5 and open_[5, 9] and not open_[5, 14]  # Saturday 09:00-14:00
    assert not open_[6].any()  # Sunday closed


def test_a_date_overrides_its_weekday():
    d = week(horizon__open={**OPEN, "2026-12-10": ["08:00", "13:00"]})
    open_ = np.array(scenario_from_dict(d).horizon.open_intervals).reshape(7, 24)
    assert open_[3].sum() == 5


@pytest.mark.parametrize(
    "horizon, expected",
    [
        ({"days": 7, "open": OPEN}, "days and open need start_date"),
        ({"start_date": MONDAY, "days": 7, "start": "08:00"}, "with days, give no start, end or hours"),
        ({"start_date": MONDAY, "days": 7, "open": {"mon-fry": ["08:00", "20:00"]}}, "'mon-fry' is not a day of the week"),
        ({"start_date": MONDAY, "days": 7, "open": {"mon-fri": ["08:15", "20:00"]}}, "does not fall on 60-minute interval starts"),
        ({"start_date": MONDAY, "days": 7, "open": {"mon": ["20:00", "08:00"]}}, "closes (08:00) before it opens (20:00)"),
        ({"start_date": MONDAY, "days": 7, "open": {"mon-fri": ["08:00", "20:00"], "fri": "closed"}}, "fri is named twice"),
    ],
)
def test_bad_horizons_are_named(horizon, expected):
    lines = problems(week(horizon={**horizon, "interval_minutes": 60}))
    assert any(expected in line and line.startswith("horizon") for line in lines), lines


# --- demand and staffing on closed days ---------------------------------------------------------


def test_a_closed_sunday_has_no_arrivals_and_no_agent_hours():
    res = simulate(scenario_from_dict(week(replications=3)))
    sunday = res.by_date["2026-12-13"]
    assert sunday["by_contact_type"]["calls"]["offered"].mean == 0
    assert sunday["by_contact_type"]["email"]["offered"].mean == 0
    assert sunday["by_pool"]["team"]["agents"].mean == 0
    assert res.by_date["2026-12-07"]["by_pool"]["team"]["agents"].mean > 0
    per_day = np.array([r.pool_levels["staffed_area"][0] for r in res.replication_stats]).reshape(3, 7, 24).sum(-1)
    assert (per_day[:, 6] == 0).all()
    assert_books_close(res.replication_stats)


def test_a_weekly_pattern_and_a_dated_forecast_file_give_the_same_volumes(tmp_path):
    weekday = [10.0 * (k + 1) for k in range(12)]
    saturday = [5.0, 7.0, 9.0, 7.0, 5.0]
    pattern = {"mon-fri": weekday, "sat": saturday, "sun": []}
    from_pattern = scenario_from_dict(week(contact_types__calls__arrivals={"weekly": pattern}))
    lines = ["interval_start;calls"]
    for day in range(6):
        date = f"2026-12-{7 + day:02d}"
        values, first = (weekday, 8) if day < 5 else (saturday, 9)
        lines += [f"{date} {first + k:02d}:00;{str(v).replace('.', ',')}" for k, v in enumerate(values)]
    (tmp_path / "forecast.csv").write_text("\n".join(lines) + "\n", encoding="cp1252")
    d = week(contact_types__calls__arrivals={"file": "forecast.csv"})
    from_file = scenario_from_dict(d, tmp_path)
    h = from_pattern.horizon
    a = from_pattern.contact_types["calls"].arrivals.rates_per_s(h)
    b = from_file.contact_types["calls"].arrivals.rates_per_s(h)
    assert a == b and sum(a) * 3600 == pytest.approx(5 * sum(weekday) + sum(saturday))


def test_a_forecast_file_must_cover_every_open_interval(tmp_path):
    rows = ["interval_start,calls"] + [f"2026-12-07 {h:02d}:00,10" for h in range(8, 20)]
    (tmp_path / "f.csv").write_text("\n".join(rows) + "\n")
    lines = problems_in(week(contact_types__calls__arrivals={"file": "f.csv"}), tmp_path)
    assert any("no row for the horizon's open interval 2026-12-08 08:00" in line for line in lines), lines
    (tmp_path / "f.csv").write_text("interval_start,calls\n2026-12-07 08:30,10\n")
    lines = problems_in(week(contact_types__calls__arrivals={"file": "f.csv"}), tmp_path)
    assert any("row 2: interval 2026-12-07 08:30 is not an interval start of the horizon" in line for line in lines), lines


def problems_in(d, base) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(d, base)
    return err.value.problems


@pytest.mark.parametrize(
    "arrivals, expected",
    [
        ({"weekly": {"mon-fri": [1] * 12, "sat": [1] * 5, "sun": [3]}}, "weekly: Sun 2026-12-13 has volumes, but the center is closed"),
        ({"weekly": {"mon-fri": [1] * 12}}, "weekly: no volumes for Sat 2026-12-12"),
        ({"weekly": {"mon-fri": [1] * 11, "sat": [1] * 5}}, "weekly: 11 values for Mon 2026-12-07, which has 12 open intervals"),
        ({"volumes": [1] * 50}, "volumes: 50 values given, the horizon has 168 intervals, 65 of them open"),
        ({"volumes": [1] * 168}, "volumes: 1 at 2026-12-07T00:00, when the center is closed"),
    ],
)
def test_demand_that_does_not_fit_the_week_is_named(arrivals, expected):
    lines = problems(week(contact_types__calls__arrivals=arrivals))
    assert any(line.startswith("contact_types -> calls -> arrivals") and expected in line for line in lines), lines


def test_volumes_and_agents_per_open_interval_fill_the_open_hours():
    sc = scenario_from_dict(week(contact_types__calls__arrivals={"volumes": [6] * 65}, agent_pools__team__agents=[3] * 65))
    h = sc.horizon
    rates = sc.contact_types["calls"].arrivals.rates_per_s(h)
    assert [r > 0 for r in rates] == list(h.open_intervals)
    assert sc.agent_pools["team"].staffing(h) == [3 if o else 0 for o in h.open_intervals]


def test_day_factors_scale_their_days():
    sc = scenario_from_dict(week(contact_types__calls__arrivals={"per_hour": 60, "day_factors": {"2026-12-08": 0.5, "sat": 2}}))
    rates = np.array(sc.contact_types["calls"].arrivals.rates_per_s(sc.horizon)).reshape(7, 24).sum(-1) * 3600
    assert list(rates) == pytest.approx([720, 360, 720, 720, 720, 600, 0])


def test_busyness_per_day_draws_one_factor_per_date():
    sc = scenario_from_dict(week(busyness={"shape": 5, "per": "day"}, replications=1))
    engine = Engine(sc, 0, behaviours=REGISTRY)
    per_day = np.array(engine.busyness_by_interval).reshape(7, 24)
    assert (per_day == per_day[:, :1]).all() and len(set(per_day[:, 0])) == 7
    undated = copy.deepcopy(WEEK)
    undated["horizon"] = {"start": "08:00", "end": "20:00"}
    undated["busyness"] = {"shape": 5, "per": "day"}
    assert "busyness -> per: day needs a dated horizon (horizon -> start_date)" in problems(undated)


# --- carrying over the night ----------------------------------------------------------------------


def _backlog_week(clock: str) -> dict:
    """Two days open 08:00-10:00, one agent, five emails of 45 minutes waiting from Monday 00:00."""
    return {
        "name": "backlog",
        "seed": 1,
        "replications": 1,
        "horizon": {"start_date": MONDAY, "days": 2, "open": {"daily": ["08:00", "10:00"]}, "interval_minutes": 30},
        "contact_types": {
            "email": {
                "channel": "email",
                "arrivals": {"per_hour": 0},
                "handle_time": {"dist": "deterministic", "mean": 2700},
                "service_level": {"hours": 2, "clock": clock, "target": 0.8},
                "initial_backlog": 5,
            }
        },
        "agent_pools": {"desk": {"skills": ["email"], "agents": 1}},
    }


@pytest.mark.parametrize("clock, within", [("open_hours", 4), ("calendar", 0)])
def test_email_left_at_mondays_close_is_answered_on_tuesday_morning(clock, within):
    engine = Engine(scenario_from_dict(_backlog_week(clock)), 0, records=True, behaviours=REGISTRY)
    stats = engine.run()
    answered_h = sorted(row[2] / 3600 for row in engine.records)
    # Monday 08:00, 08:45, 09:30 (the agent finishes at 10:15 and leaves), Tuesday 08:00 and 08:45
    assert answered_h == pytest.approx([8, 8.75, 9.5, 32, 32.75])
    assert stats.counters["offered"][0].sum() == 5 and stats.counters["answered"][0].sum() == 5
    # open hours waited: 0, 0.75, 1.5, 2 (Monday's two open hours), 2.75: four within 2 hours
    assert stats.counters["within_sl"][0].sum() == within
    assert_books_close([stats])


def test_backlog_ages_count_and_only_written_work_has_one():
    d = _backlog_week("open_hours")
    d["contact_types"]["email"]["initial_backlog"] = [3.0, 0.5]
    engine = Engine(scenario_from_dict(d), 0, records=True, behaviours=REGISTRY)
    engine.run()
    arrived_h = sorted(row[1] / 3600 for row in engine.records)
    assert arrived_h == pytest.approx([-3.0, -0.5])
    bad = copy.deepcopy(WEEK)
    bad["contact_types"]["calls"]["initial_backlog"] = 4
    assert any("calls -> initial_backlog: only for written work" in line for line in problems(bad))


def test_live_queues_are_emptied_after_each_close():
    """Calls without patience queue up in an understaffed last hour; each evening the agents on
    duty at the close answer them all, and none waits for the next morning."""
    d = {
        "name": "evenings",
        "seed": 5,
        "replications": 1,
        "horizon": {"start_date": MONDAY, "days": 2, "open": {"daily": ["08:00", "10:00"]}, "interval_minutes": 60},
        "contact_types": {"calls": {"arrivals": {"per_hour": 40}, "handle_time": {"dist": "exponential", "mean": 300}}},
        "agent_pools": {"team": {"skills": ["calls"], "agents": 2}},
    }
    engine = Engine(scenario_from_dict(d), 0, records=True, behaviours=REGISTRY)
    stats = engine.run()
    assert_books_close([stats])
    for _, arrived, answered, *_ in engine.records:
        assert answered is not None
        assert (arrived < 24 * 3600) == (answered < 24 * 3600), "a Monday call was answered on Tuesday"
    late = [answered - arrived for _, arrived, answered, *_ in engine.records if answered % 86400 > 10 * 3600]
    assert late, "the understaffed evening left nobody waiting at the close: the test proves nothing"


# --- one day of the week is that day ------------------------------------------------------------


def test_the_second_day_of_two_is_the_one_day_scenario_of_that_date():
    """Arrivals are keyed by date: Tuesday's callers are the same whether or not Monday is
    simulated before it, so their counts agree exactly; the service they get agrees within
    sampling error (handle times and patience are drawn in arrival order, across the days)."""
    two = week(replications=30, horizon={"start_date": MONDAY, "days": 2, "open": OPEN, "interval_minutes": 60})
    two["contact_types"].pop("email")
    two["agent_pools"]["team"]["skills"] = ["calls"]
    one = copy.deepcopy(two)
    one["horizon"]["start_date"] = "2026-12-08"
    one["horizon"]["days"] = 1
    a = simulate(scenario_from_dict(two))
    b = simulate(scenario_from_dict(one))
    offered_a = np.array([r.counters["offered"][0][24:] for r in a.replication_stats])
    offered_b = np.array([r.counters["offered"][0] for r in b.replication_stats])
    np.testing.assert_array_equal(offered_a, offered_b)
    sl_a = a.by_date["2026-12-08"]["by_contact_type"]["calls"]["service_level"]
    sl_b = b.by_contact_type["calls"]["service_level"]
    assert abs(sl_a.mean - sl_b.mean) < 1.5 * (sl_a.half_width + sl_b.half_width)


def test_the_json_of_a_week_carries_dates(cli, tmp_path):
    import yaml

    path = tmp_path / "week.yaml"
    path.write_text(yaml.safe_dump(week(replications=2)))
    res = cli("run", path, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["by_interval"][0]["interval_start"] == "2026-12-07T00:00"
    assert list(out["by_date"]) == [f"2026-12-{d:02d}" for d in range(7, 14)]
    assert out["by_date"]["2026-12-07"]["by_contact_type"]["calls"]["service_level"]["ci95"][1] <= 1


def test_the_sipp_table_of_a_week_has_its_open_intervals_only():
    from ccsim.sipp import sipp_table

    sc = scenario_from_dict(WEEK)
    rows = sipp_table(sc)
    open_labels = [label for label, o in zip(sc.horizon.interval_labels(), sc.horizon.open_intervals) if o]
    assert [r.interval_start for r in rows if r.contact_type == "calls"] == open_labels


def test_a_copy_of_a_horizon_has_its_own_open_hours():
    """Plans and sweeps copy a scenario with a changed horizon: its opening hours must be its own."""
    h = scenario_from_dict(WEEK).horizon
    assert len(h.open_intervals) == 168
    shorter = h.model_copy(update={"days": 2})
    assert len(shorter.open_intervals) == 48 and shorter.open_intervals == h.open_intervals[:48]
    later = h.model_copy(update={"open": {"daily": ["10:00", "12:00"]}})
    assert sum(later.open_intervals) == 14


def test_the_outputs_of_a_week_tell_it_day_by_day(cli, tmp_path):
    """summary.xlsx gets a dates sheet (each date's day figures, per contact type and pool) and the
    report a day-by-day table; both say what the JSON's by_date says."""
    import yaml
    from openpyxl import load_workbook

    path, out = tmp_path / "week.yaml", tmp_path / "out"
    path.write_text(yaml.safe_dump(week(replications=2)))
    res = cli("run", path, "--out", out, "--json")
    assert res.exit_code == 0, res.output
    by_date = json.loads((out / "summary.json").read_text())["by_date"]
    sheet = load_workbook(out / "summary.xlsx", read_only=True)["dates"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["date", "contact_type", "pool"]
    assert len(rows) - 1 == 7 * (2 + 1)  # per date: two contact types and one pool
    monday_calls = next(r for r in rows[1:] if r[0].date().isoformat() == MONDAY and r[1] == "calls")
    sl = by_date[MONDAY]["by_contact_type"]["calls"]["service_level"]
    assert monday_calls[header.index("service_level")] == pytest.approx(sl["mean"])
    assert monday_calls[header.index("wait_p90_seconds")] is None  # a percentile needs the whole week
    page = (out / "report.html").read_text()
    assert "<h2>Day by day</h2>" in page and "Sun 2026-12-13" in page


def test_the_rest_of_a_dated_day_keeps_its_date_and_a_week_asks_for_one_day():
    from ccsim.intraday import rest_of_day
    from ccsim.state import LiveState

    day = scenario_from_dict(
        week(horizon={"start_date": "2026-12-08", "start": "08:00", "end": "20:00", "interval_minutes": 60}, busyness={"shape": 40, "per": "day"})
    )
    rest = rest_of_day(day, LiveState(at="11:30", waiting={"calls": [12.0]}))
    assert rest.horizon.interval_labels()[0] == "2026-12-08T11:00" and rest.horizon.n_intervals == 9
    with pytest.raises(ScenarioError) as err:
        rest_of_day(scenario_from_dict(WEEK), LiveState(at="11:30"))
    assert any("a state is a moment of one day, and this horizon runs over 7 day(s)" in line for line in err.value.problems)


def test_behaviours_keep_the_books_over_closed_nights():
    """The night's close with the behaviours that move staff and hold work (shrinkage, chat seats,
    after-contact work, redials, callbacks, shifts of the engine's own plan): every contact ends one
    way, nobody is busy and nothing waits when the horizon ends."""
    d = {
        "name": "two evenings",
        "seed": 8,
        "replications": 1,
        "horizon": {"start_date": MONDAY, "days": 2, "open": {"daily": ["08:00", "12:00"]}, "interval_minutes": 30},
        "contact_types": {
            "calls": {
                "arrivals": {"per_hour": 90},
                "handle_time": {"dist": "exponential", "mean": 300},
                "patience": {"dist": "exponential", "mean": 200},
                "redial": {"probability": 0.5, "delay": {"dist": "exponential", "mean": 600}},
                "callback": {"offer_when_wait_exceeds": 30, "accept_probability": 0.5, "keep_rate": 0.8},
                "after_contact_work": {"dist": "deterministic", "mean": 30},
            },
            "chat": {
                "channel": "chat",
                "arrivals": {"per_hour": 40},
                "handle_time": {"dist": "exponential", "mean": 400},
                "patience": {"dist": "exponential", "mean": 300},
            },
            "email": {"channel": "email", "arrivals": {"per_hour": 20}, "handle_time": {"dist": "exponential", "mean": 600}, "initial_backlog": 30},
        },
        "agent_pools": {
            "voice": {"skills": ["calls", "email"], "agents": 6, "shrinkage": {"mean": 0.2, "sd": 0.05}},
            "chat_team": {"skills": ["chat"], "agents": 2, "concurrency": {"max_chats": 3}},
        },
    }
    for replication in range(3):
        engine = Engine(scenario_from_dict(d), replication, behaviours=REGISTRY)
        stats = engine.run()
        assert_books_close([stats])
        assert all(pool.busy == 0 for pool in engine.pools)
        assert engine.waiting == [0] * len(engine.queues)
        staffed = stats.pool_levels["staffed_area"].reshape(2, 2, 48).sum(0)  # both pools, per day
        assert staffed[:, 26:].sum() < 0.05 * staffed.sum(), "agents stayed far into the night"


def test_targets_are_judged_on_open_intervals_only():
    """A backlog is counted where the horizon starts, in a closed night: it fails its interval, but
    no staffing can answer it there, so the share of cells meeting the targets (a staffing
    promise's measure) leaves closed intervals out."""
    from ccsim.evaluation import evaluate
    from ccsim.goals import goals_of
    from ccsim.runner import simulate

    d = week(replications=3)
    d["contact_types"]["email"]["initial_backlog"] = [30.0] * 20  # all older than their 8 hours
    sc = scenario_from_dict(d)
    ev = evaluate(sc, simulate(sc).replication_stats, goals_of(sc), 0.5)
    assert ev.offered["email"][0] == 20 and not ev.type_ok["email"][0]
    open_cells = [
        ok for name, row in ev.type_ok.items() for i, ok in enumerate(row) if ev.offered[name][i] > 0 and sc.horizon.open_intervals[i]
    ]
    assert ev.share_ok() == pytest.approx(np.mean(open_cells))
