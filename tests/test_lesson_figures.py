"""The figures the lessons quote are the figures ccsim gives today.

Each lesson quotes a full run (its seed and replications), pasted from the output. These tests run
the same commands and read the lessons' tables: a headline figure per plan, formatted the way the
lesson writes it, must be the cell the lesson shows. When the model's numbers change, a test here
fails and names the lesson to re-run and re-paste (docs/contributing-docs.md).
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from typer.testing import CliRunner

from cli import app
from conftest import REPO

# Each lesson's full run, at the replications its scenario file sets (up to 50 days per plan): slow.
pytestmark = pytest.mark.slow

LESSONS = REPO / "docs" / "lessons"


def scenario(name: str) -> str:
    return str(REPO / "scenarios" / name)


@cache
def figures(*args: str) -> dict:
    """The --json output of a ccsim command, run once per test session."""
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def rows(lesson: str, first: str, required: bool = True) -> list[list[str]]:
    """Every table row of a lesson whose first cell starts with ``first``, as cells without bold marks."""
    out = []
    for line in (LESSONS / lesson).read_text().splitlines():
        if line.startswith("|"):
            cells = [c.strip().replace("**", "") for c in line.strip().strip("|").split("|")]
            if cells[0].startswith(first):
                out.append(cells)
    assert out or not required, f"{lesson}: no table row starting with {first!r}"
    return out


def half(e: dict) -> float:
    lo, hi = e["ci95"]
    return (hi - lo) / 2


def pct_ci(e: dict) -> str:
    return f"{e['mean']:.1%} ± {half(e) * 100:.1f}"


def sec_ci(e: dict) -> str:
    return f"{e['mean']:.1f} s ± {half(e):.1f}"


def pct(e: dict) -> str:
    return f"{e['mean']:.1%}"


def day(data: dict, plan: str, scope: str, name: str) -> dict:
    """A compare plan's day figures for one contact type or pool."""
    return data["day"][plan][scope][name]


def test_lesson_1_one_minute():
    phone = figures("run", scenario("lesson_one_minute.yaml"))["by_contact_type"]["phone"]
    [cells] = rows("01-one-minute.md", "1,")
    assert cells[3:5] == [pct_ci(phone["service_level"]), sec_ci(phone["asa_seconds"])]
    assert cells[6] == pct_ci(phone["abandon_rate"])
    data = figures("compare", scenario("lesson_one_minute.yaml"))
    for plan in ("base", "exponential_60s", "exponential_180s", "twenty_agents"):
        [cells] = rows("01-one-minute.md", f"{plan}:")
        c = day(data, plan, "contact_type", "phone")
        assert cells[1:4] == [pct_ci(c["service_level"]), sec_ci(c["asa_seconds"]), pct_ci(c["abandon_rate"])], plan


def test_lesson_2_understaffing_trap_sweep():
    data = figures("trap", scenario("lesson_understaffing_trap.yaml"), "-r", "30", "--no-causes")  # the lesson's 30 days: readable intervals
    for point in data["sweep"]:
        label = f"{point['scale']:.0%}"
        found = [r for r in rows("02-understaffing-trap.md", label, required=False) if r[0] == label]
        if not found:  # the lesson shows 7 of the 13 points
            continue
        [cells] = found
        assert cells[1:5] == [f"{point['agents']:.1f}", pct_ci(point["service_level"]), f"{point['asa_seconds']['mean']:.1f} s", pct(point["abandon_rate"])], label
        assert cells[6] == f"{point['offered']['mean']:,.0f}", label


def test_lesson_3_transfers_and_callbacks():
    data = figures("compare", scenario("lesson_promises.yaml"))
    for plan in ("base", "warm_transfers", "promises_kept", "no_callbacks"):
        cells = rows("03-transfers-callbacks.md", plan)[0]
        tier1, mortgages = day(data, plan, "contact_type", "tier1"), day(data, plan, "contact_type", "mortgages")
        assert cells[1:3] == [pct_ci(tier1["service_level"]), pct_ci(mortgages["service_level"])], plan
        assert cells[4] == pct(mortgages["abandon_rate"]), plan


def test_lesson_4_bots():
    data = figures("compare", scenario("lesson_bots.yaml"))
    for plan in ("base", "bot_with_escape", "bot_dead_end", "better_bot_with_escape"):
        cells = rows("04-bots.md", plan)[0]
        phone = day(data, plan, "contact_type", "phone")
        assert cells[3:6] == [f"{phone['offered']['mean']:,.0f}", pct_ci(phone["service_level"]), pct(phone["abandon_rate"])], plan


def test_lesson_5_chat_and_email():
    data = figures("compare", scenario("multichannel.yaml"))
    for plan in ("one_chat_at_a_time", "base", "three_chats"):
        cells = rows("05-chat-email.md", plan)[0]
        chat = day(data, plan, "contact_type", "chat")
        assert cells[2] == pct_ci(chat["service_level"]) and cells[4] == pct(chat["abandon_rate"]), plan
    for plan in ("double_email", "double_email_five_more", "double_email_desk_of_ten"):
        cells = rows("05-chat-email.md", plan)[0]
        phone = day(data, plan, "contact_type", "phone")
        assert cells[2:4] == [pct_ci(phone["service_level"]), pct(phone["abandon_rate"])], plan


def test_lesson_6_shifts():
    data = figures("staff", scenario("lesson_shifts.yaml"))
    by_start = {r["interval_start"]: r for r in data["intervals"]}
    for label in ("07:00", "09:00", "12:30", "14:30", "15:00", "17:30", "20:30"):
        [cells] = rows("06-shifts.md", label)
        r = by_start[label]
        assert cells[1:] == [str(r["erlang_c"]), str(r["erlang_a"]), str(r["simulated"]), str(r["shifts"])], label


@pytest.mark.parametrize("plan", ["base", "seven_agents", "nine_agents", "ten_percent_more_calls", "more_calls_nine_agents"])
def test_lesson_7_power_of_one(plan):
    data = figures("compare", scenario("team_of_8.yaml"))
    cells = rows("07-power-of-one.md", plan)[0]
    desk = day(data, plan, "contact_type", "calls")
    assert cells[3] == pct_ci(desk["service_level"]) and cells[5] == sec_ci(desk["asa_seconds"]), plan


def test_lesson_8_overflow_and_resolution():
    data = figures("compare", scenario("multiskill_overflow.yaml"))
    for plan in ("ring_at_0s", "base", "ring_at_60s"):
        cells = rows("08-overflow-and-resolution.md", plan)[0]
        billing, claims, chat = (day(data, plan, "contact_type", t) for t in ("billing", "claims", "webchat"))
        assert cells[1:6] == [
            pct_ci(billing["service_level"]), pct(billing["abandon_rate"]), pct_ci(claims["service_level"]),
            pct_ci(chat["service_level"]), f"{billing['overflowed']['mean']:,.0f}",
        ], plan
    for plan in ("base", "fcr_80"):
        cells = [r for r in rows("08-overflow-and-resolution.md", plan) if len(r) == 6][-1]
        billing, chat = day(data, plan, "contact_type", "billing"), day(data, plan, "contact_type", "webchat")
        assert cells[1:6] == [
            f"{billing['offered']['mean']:,.0f}", f"{billing['repeat_contacts']['mean']:,.0f}", f"{chat['repeat_contacts']['mean']:,.0f}",
            pct(billing["first_contact_resolution"]), pct_ci(billing["service_level"]),
        ], plan


def test_lesson_10_intraday():
    state = str(REPO / "scenarios" / "states" / "tuesday_1130.yaml")
    now = figures("now", scenario("tuesday_actions.yaml"), "--state", state)
    data = figures("compare", scenario("tuesday_actions.yaml"), "--state", state)
    assert now["by_contact_type"]["phone"]["service_level"] == day(data, "base", "contact_type", "phone")["service_level"]
    page = (LESSONS / "10-intraday.md").read_text()
    ref = now["reforecast"]
    assert f"{ref['raw_ratio']:.3f} over {ref['intervals_observed']} intervals" in page and f"raised by {ref['factor'] - 1:.1%}" in page
    for plan in ("base", "overtime_3_from_noon", "callbacks", "stay_late_2"):
        [cells] = rows("10-intraday.md", plan)
        phone, center = day(data, plan, "contact_type", "phone"), day(data, plan, "center", "all")
        assert cells[1:5] == [pct_ci(phone["service_level"]), f"{phone['asa_seconds']['mean']:.1f} s", pct(phone["abandon_rate"]),
                              f"{center['agent_hours']['mean']:,.1f}"], plan
    for action in data["actions"]:
        rate = "at no extra agent-hour" if action["points_per_agent_hour"] is None else f"{action['points_per_agent_hour']:+.2f} points per extra agent-hour"
        assert f"- action {action['plan']}: phone service level {action['service_level_points']:+.1f} points ({rate})" in page


def test_lesson_11_week():
    import datetime as dt

    run = figures("run", scenario("retail_week.yaml"))
    for date, parts in run["by_date"].items():
        if date == "2026-12-13":  # closed
            continue
        [cells] = rows("11-week.md", f"{dt.date.fromisoformat(date):%a} {date}")
        t = parts["by_contact_type"]
        assert cells[1:] == [f"{t['calls']['offered']['mean']:,.0f}", *(pct_ci(t[name]["service_level"]) for name in ("calls", "chat", "email"))], date
    data = figures("staff", scenario("retail_week.yaml"), "--week", "--requirement", "erlang_a", "-r", "5")
    for pool, roster in data["week_rosters"].items():
        [cells] = rows("11-week.md", pool)
        short = {u["short_by"] for u in roster["uncovered"]}
        assert cells[1:3] == [str(len(roster["roster"])), f"{roster['paid_hours']:,.1f}"], pool
        assert all(u["rule"] in cells[3] for u in roster["uncovered"]) and all(f"by {s:g} agents" in cells[3] for s in short), pool
    for plan, label in (("own", "your plan"), ("shifts", "weekly roster")):
        [cells] = rows("11-week.md", label)
        monday, saturday = (data["by_date"][plan][d]["by_contact_type"] for d in ("2026-12-07", "2026-12-12"))
        assert cells[1:] == [
            f"{data['agent_hours'][plan]['total']:,.1f}", *(pct(monday[name]["service_level"]) for name in ("calls", "chat", "email")), pct(saturday["chat"]["service_level"])
        ], plan
