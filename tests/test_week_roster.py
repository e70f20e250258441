"""Weekly rosters: the rules kept (checked here by hand, not by the optimiser), a week solved by
reasoning, the rule behind each interval it cannot cover, the shapes of its outputs, its speed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import time

import numpy as np
import pytest

from ccsim.config import parse_clock
from ccsim.rosters import optimise_week
from ccsim.scenario import ScenarioError
from ccsim.shifts import ShiftRules, load_shift_rules

MONDAY = dt.date(2026, 12, 7)
WEEK = [MONDAY + dt.timedelta(days=k) for k in range(7)]
LUNCH = {"minutes": 30, "earliest_after_minutes": 180, "latest_after_minutes": 300}


def requirement(by_day: dict[int, list[tuple[str, str, int]]], interval_minutes: int, days: int = 7) -> np.ndarray:
    """Agents required on the week's grid from {date index: [(from, to, agents), ...]}."""
    per_day = 1440 // interval_minutes
    need = np.zeros(days * per_day, int)
    for d, spans in by_day.items():
        for start, end, agents in spans:
            need[d * per_day + parse_clock(start) // interval_minutes : d * per_day + parse_clock(end) // interval_minutes] = agents
    return need


def assert_keeps_the_rules(roster, rules: ShiftRules, open_hours) -> None:
    """The rules as a planner states them, checked line by line from the printed roster."""
    week = rules.week
    hours_of = {k.hours: k.paid_hours for k in rules.kinds}
    for line in roster.to_dict()["roster"]:
        days = [line["days"][d.isoformat()] for d in roster.dates]
        worked = [s is not None for s in days]
        assert sum(worked) <= week.days_per_week, line
        assert all(len(list(run)) <= week.max_consecutive_days for on, run in itertools.groupby(worked) if on), line
        assert max((len(list(run)) for on, run in itertools.groupby(worked) if not on), default=0) >= week.consecutive_days_off, line
        spans = []
        paid = 0.0
        for d, (date, shift) in enumerate(zip(roster.dates, days)):
            if shift is None:
                continue
            start, end = parse_clock(shift["start"]), parse_clock(shift["end"])
            assert open_hours[d] is not None and open_hours[d][0] <= start and end <= open_hours[d][1], (date, shift)
            window = (week.starts or {}).get(date.strftime("%a").lower())
            if window is not None:
                assert window.earliest is None or start >= parse_clock(window.earliest), (date, shift)
                assert window.latest is None or start <= parse_clock(window.latest), (date, shift)
            for b in shift["breaks"]:
                assert start <= parse_clock(b["start"]) and parse_clock(b["start"]) + b["minutes"] <= end
            spans.append((d * 1440 + start, d * 1440 + end))
            paid += hours_of[(end - start) / 60]
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert start - end >= week.min_rest_hours * 60, line
        if week.contract_hours is not None:
            top = float(line["contract"].removesuffix("h"))
            low = top - max(hours_of.values())
        else:
            contract = week.contracts[line["contract"]]
            top, low = contract.hours, contract.min_hours if contract.min_hours is not None else contract.hours - max(hours_of.values())
        assert low - 1e-9 <= paid <= top + 1e-9, (line, paid)
        assert paid == pytest.approx(line["paid_hours"])


def test_a_long_week_keeps_every_rule():
    # open 07:00-23:00 every day: an evening shift ends 8 hours before the next morning's opening,
    # so the rest rule binds; Saturday starts no earlier than 10:00; two contracts
    rules = ShiftRules(
        kinds=[{"name": "full day", "hours": 8, "breaks": [LUNCH]}, {"name": "half day", "hours": 4}],
        start_every_minutes=60,
        week={
            "days_per_week": 5, "max_consecutive_days": 4, "min_rest_hours": 11, "consecutive_days_off": 2,
            "contracts": {"full_time": {"hours": 40, "count": 40}, "part_time": {"hours": 20, "min_hours": 12, "count": 20}},
            "starts": {"sat": {"earliest": "10:00"}},
        },
    )
    open_hours = [(420, 1380)] * 7
    rng = np.random.default_rng(7)
    need = np.zeros(7 * 48, int)
    for d in range(7):
        need[d * 48 + 14 : d * 48 + 46] = rng.integers(2, 9, size=32)
    need[5 * 48 + 14 : 5 * 48 + 20] = 0  # nobody starts before 10:00 on Saturday
    roster = optimise_week(need, WEEK, 30, open_hours, rules, "team")
    assert roster.status == "optimal" and roster.uncovered == []
    assert (np.array(roster.coverage) + 1e-9 >= need).all()
    assert_keeps_the_rules(roster, rules, open_hours)
    # the rest rule was at stake: shifts end at 23:00 and others start at 07:00 the next day
    assert any(s is not None and s.end_min == 1380 for line in roster.lines for s in line.shifts)
    assert any(s is not None and s.start_min == 420 for line in roster.lines for s in line.shifts[1:])


def test_a_week_solved_by_hand():
    # One agent 08:00-16:00 Monday to Saturday, 8-hour shifts only, three 40-hour lines working at
    # most 5 days and at least 32 hours (within one shift of 40), two days off in a row.
    # By hand: one line cannot work 6 days, so two lines work, each at least 4 days (32 hours):
    # 8 shifts, 64 paid hours, at least 2 days staffed twice. E.g. Mon-Thu and Wed-Sat keep the
    # days off (Fri-Sun; Sun, and Mon-Tue). Fewer is impossible, so 64 is the optimum.
    rules = ShiftRules(kinds=[{"hours": 8}], week={"contract_hours": [40, 40, 40]})
    open_hours = [(480, 960)] * 6 + [None]
    need = requirement({d: [("08:00", "16:00", 1)] for d in range(6)}, 60)
    roster = optimise_week(need, WEEK, 60, open_hours, rules, "desk")
    assert roster.status == "optimal"
    assert roster.paid_hours == pytest.approx(64.0)
    assert len(roster.lines) == 2 and roster.unused_lines == {"40h": 1}
    assert roster.uncovered == []
    assert all(s >= r for s, r in zip(roster.staffing(), need))
    assert sum(roster.over()) == pytest.approx(16.0)  # two 8-hour days staffed twice
    assert_keeps_the_rules(roster, rules, open_hours)
    # without the minimum hours a Saturday-only line would do: 6 shifts, 48 hours
    loose = ShiftRules(kinds=[{"hours": 8}], week={"contracts": {"any": {"hours": 40, "min_hours": 0, "count": 3}}})
    assert optimise_week(need, WEEK, 60, open_hours, loose).paid_hours == pytest.approx(48.0)


def _single_uncovered_rules(roster) -> set[tuple[str, str, str]]:
    return {(u["date"], u["time"], u["rule"]) for u in roster.uncovered}


def test_seven_days_of_demand_with_one_line_name_the_days_per_week():
    # one line, free of every other week rule, may work 5 days: the weekend is left short
    rules = ShiftRules(
        kinds=[{"hours": 8}],
        week={"days_per_week": 5, "max_consecutive_days": 7, "consecutive_days_off": 0, "contracts": {"one": {"hours": 56, "min_hours": 0, "count": 1}}},
    )
    need = requirement({d: [("08:00", "16:00", 1)] for d in range(7)}, 60)
    roster = optimise_week(need, WEEK, 60, [(480, 960)] * 7, rules)
    assert roster.paid_hours == pytest.approx(40.0)
    assert len(roster.uncovered) == 16  # two 8-hour days
    assert {u["rule"] for u in roster.uncovered} == {"days_per_week"}
    assert all("line_counts" in u["also"] for u in roster.uncovered)
    assert "days_per_week" in roster.uncovered[0]["label"]


def test_late_evening_and_early_morning_name_the_rest_rule():
    # one agent needed 22:00-24:00 Monday and 06:00-08:00 Tuesday; one line of 2-hour shifts:
    # the 6 hours between them are less than the 11 hours of rest, so one of the two is short
    # (two dates have no room for two days off besides a day worked: that rule is off here)
    rules = ShiftRules(kinds=[{"hours": 2}], week={"consecutive_days_off": 0, "contract_hours": [4]})
    need = requirement({0: [("22:00", "24:00", 1)], 1: [("06:00", "08:00", 1)]}, 60, days=2)
    roster = optimise_week(need, WEEK[:2], 60, [(360, 1440)] * 2, rules)
    assert roster.paid_hours == pytest.approx(2.0)
    assert len(roster.uncovered) == 2
    assert {u["rule"] for u in roster.uncovered} == {"min_rest_hours"}
    # ... and with 6 hours of rest enough, the line works both
    rested = ShiftRules(kinds=[{"hours": 2}], week={"min_rest_hours": 6, "consecutive_days_off": 0, "contract_hours": [4]})
    both = optimise_week(need, WEEK[:2], 60, [(360, 1440)] * 2, rested)
    assert both.uncovered == [] and both.paid_hours == pytest.approx(4.0)
    assert both.to_dict()["roster"][0]["days"] == {
        "2026-12-07": {"start": "22:00", "end": "24:00", "breaks": []},
        "2026-12-08": {"start": "06:00", "end": "08:00", "breaks": []},
    }


def test_a_saturday_start_window_is_named_for_the_hour_it_leaves_short():
    rules = ShiftRules(kinds=[{"hours": 4}], week={"contracts": {"any": {"hours": 20, "min_hours": 0, "count": 2}}, "starts": {"sat": {"earliest": "10:00"}}})
    open_hours = [None] * 5 + [(540, 840), None]
    need = requirement({5: [("09:00", "14:00", 1)]}, 60)
    roster = optimise_week(need, WEEK, 60, open_hours, rules)
    assert _single_uncovered_rules(roster) == {("2026-12-12", "09:00", "weekday_starts")}
    assert roster.uncovered[0]["short_by"] == 1


def test_a_run_of_days_off_is_named_when_it_leaves_a_day_short():
    # Monday to Saturday, one line working up to 6 days in a row, but two days off in a row are
    # needed within the week: Sunday alone is not enough, so a sixth day is lost
    rules = ShiftRules(kinds=[{"hours": 8}], week={"days_per_week": 6, "max_consecutive_days": 6, "contract_hours": [48]})
    need = requirement({d: [("08:00", "16:00", 1)] for d in range(6)}, 60)
    roster = optimise_week(need, WEEK, 60, [(480, 960)] * 6 + [None], rules)
    assert len(roster.uncovered) == 8
    assert {u["rule"] for u in roster.uncovered} == {"consecutive_days_off"}


def test_too_few_lines_are_named_as_such():
    # two agents needed Monday to Friday, one 40-hour line: every interval is one agent short, and
    # only more lines cover it (longer contracts do not: a line works one shift a date)
    rules = ShiftRules(kinds=[{"hours": 8}], week={"contract_hours": [40]})
    need = requirement({d: [("08:00", "16:00", 2)] for d in range(5)}, 60)
    roster = optimise_week(need, WEEK, 60, [(480, 960)] * 5 + [None, None], rules)
    assert roster.paid_hours == pytest.approx(40.0)
    assert len(roster.uncovered) == 40 and {u["short_by"] for u in roster.uncovered} == {1}
    assert {(u["rule"], tuple(u["also"])) for u in roster.uncovered} == {("line_counts", ())}


def test_roster_csv_and_json_shapes():
    rules = ShiftRules(kinds=[{"hours": 8.5, "breaks": [{"minutes": 30, "earliest_after_minutes": 240}]}], week={"contract_hours": [40, 40]})
    need = requirement({d: [("08:00", "12:00", 1), ("12:30", "16:30", 1)] for d in range(5)}, 30)
    roster = optimise_week(need, WEEK, 30, [(480, 1200)] * 5 + [None, None], rules, "sales")
    rows = list(csv.reader(io.StringIO(roster.csv())))
    assert rows[0] == ["pool", "line", "contract", *(d.isoformat() for d in WEEK)]
    assert rows[1] == ["sales", "1", "40h", *["08:00-16:30"] * 5, "", ""]
    assert len(rows) == 2
    line = roster.to_dict()["roster"][0]
    assert line["pool"] == "sales" and line["line"] == 1
    assert line["days"]["2026-12-07"] == {"start": "08:00", "end": "16:30", "breaks": [{"start": "12:00", "minutes": 30}]}
    assert line["days"]["2026-12-13"] is None
    assert line["paid_hours"] == pytest.approx(40.0)
    assert len(roster.staffing()) == len(need) == 7 * 48
    coverage = roster.to_dict()["coverage"]
    assert coverage[16] == {"date": "2026-12-07", "time": "08:00", "required": 1, "scheduled": 1.0, "over": 0.0, "under": 0.0}
    assert coverage[48 + 24]["time"] == "12:00" and coverage[48 + 24]["scheduled"] == 0.0
    assert roster.uncovered == [] and roster.to_dict()["uncovered"] == []
    assert roster.shift_rows()[0] == {
        "pool": "sales", "line": 1, "contract": "40h", "date": "2026-12-07", "start": "08:00", "end": "16:30", "paid_hours": 8.0, "breaks": "12:00+30min",
    }


@pytest.mark.parametrize(
    "week, message",
    [
        ({"contract_hours": [40], "contracts": {"ft": {"hours": 40, "count": 2}}}, "shifts -> week: give exactly one of contract_hours"),
        ({"contracts": {"ft": {"hours": 40, "min_hours": 45, "count": 2}}}, "shifts -> week -> contracts -> ft: min_hours (45) is above hours (40)"),
        ({"contract_hours": [40], "starts": {"weekend": {"earliest": "09:00"}}}, "shifts -> week -> starts: 'weekend' is not a day of the week"),
        ({"contract_hours": [40], "days_per_week": 8}, "shifts -> week -> days_per_week: must be <= 7"),
    ],
)
def test_bad_week_rules_are_one_line_naming_the_key(tmp_path, week, message):
    path = tmp_path / "rules.yaml"
    import yaml

    path.write_text(yaml.safe_dump({"kinds": [{"hours": 8}], "week": week}))
    with pytest.raises(ScenarioError) as err:
        load_shift_rules(path)
    assert len(err.value.problems) == 1
    assert message in err.value.problems[0]


def test_three_pools_of_a_retail_week_solve_quickly():
    """The speed target: 3 pools, 7 days of 30-minute intervals, 08:00-20:00 Monday to Friday,
    09:00-14:00 Saturday, closed Sunday, 15 to 40 agents at the peaks."""
    open_hours = [(480, 1200)] * 5 + [(540, 840), None]
    rules = ShiftRules(
        kinds=[{"name": "full day", "hours": 8, "breaks": [LUNCH]}, {"name": "half day", "hours": 4}],
        start_every_minutes=30,
        min_agents=2,
        week={"contracts": {"full_time": {"hours": 40, "count": 80}, "part_time": {"hours": 20, "count": 40}}},
    )

    def week_of(peak: int) -> np.ndarray:
        need = np.zeros(7 * 48, int)
        for d, hours in enumerate(open_hours):
            if hours is None:
                continue
            for k in range(hours[0] // 30, hours[1] // 30):
                h = k / 2
                shape = 0.55 + 0.45 * np.exp(-(((h - 11) / 1.6) ** 2)) + 0.35 * np.exp(-(((h - 15.5) / 1.8) ** 2))
                need[d * 48 + k] = round(peak * shape * (1.15 if d == 0 else 0.6 if d == 5 else 1.0))
        return need

    started = time.perf_counter()
    rosters = [optimise_week(week_of(peak), WEEK, 30, open_hours, rules, pool) for pool, peak in (("sales", 40), ("service", 25), ("email", 15))]
    seconds = time.perf_counter() - started
    print(f"weekly rosters for 3 pools: {seconds:.1f} s, {sum(len(r.lines) for r in rosters)} lines, {sum(r.paid_hours for r in rosters):g} paid hours")
    assert seconds < 30
    for roster in rosters:
        assert roster.status == "optimal" and roster.uncovered == []
        assert_keeps_the_rules(roster, rules, open_hours)
