"""Customer and agent behaviours: each switch moves the day the way theory says, and
its bookkeeping closes.

Every test runs a few short replications with fixed seeds; the assertions are directions and
conservation laws that a wrong implementation would break.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import ccsim
from ccsim import ScenarioError, scenario_from_dict
from ccsim.model import simulate_replication

from conftest import assert_books_close

BASE = {
    "name": "behaviour test",
    "seed": 11,
    "replications": 3,
    "horizon": {"hours": 4, "interval_minutes": 30},
    "contact_types": {
        "calls": {
            "arrivals": {"per_hour": 240},
            "handle_time": {"dist": "exponential", "mean": 180},
            "patience": {"dist": "exponential", "mean": 60},
            "service_level": {"seconds": 20, "target": 0.8},
        }
    },
    "agent_pools": {"team": {"skills": ["calls"], "agents": 12}},
}


def scenario(edit=None, **top) -> ccsim.Scenario:
    d = copy.deepcopy(BASE)
    d.update(top)
    if edit:
        edit(d)
    return scenario_from_dict(d)


def reps(sc, n=None):
    return [simulate_replication(sc, r) for r in range(n or sc.replications)]


def total(stats, key, kind=None):
    """Sum of a counter over replications and intervals (one type, or all)."""
    return sum(float(s.counters[key].sum() if kind is None else s.counters[key][kind].sum()) for s in stats)


# --- plain scenarios ----------------------------------------------------------------------------


def test_plain_scenario_every_contact_is_a_customer_and_behaviour_counters_are_zero():
    stats = reps(scenario())
    assert_books_close(stats)
    for s in stats:
        c = s.counters
        np.testing.assert_array_equal(c["customers"], c["offered"])
        np.testing.assert_array_equal(c["customers_answered"], c["answered"])
        for key in ("redials", "transfers", "balked", "callbacks_offered", "bot_contained", "over_tolerance"):
            assert c[key].sum() == 0


def test_behaviour_metrics_are_in_the_json_for_every_scenario():
    res = ccsim.simulate(scenario(), replications=2, workers=1)
    block = res.to_dict()["by_contact_type"]["calls"]
    for key in ("redials", "transfers", "reexplain_seconds", "multi_agent_customers", "callbacks_offered", "callbacks_accepted",
                "callbacks_kept", "callbacks_broken", "callback_wait_seconds", "balked", "bot_contained", "bot_dead_ends",
                "channel_hops", "over_tolerance", "customers", "customers_answered", "customers_abandoned",
                "customers_unresolved", "customer_service_level"):
        assert set(block[key]) == {"mean", "ci95"}
    assert block["redials"]["mean"] == 0
    assert "redials" not in res.interval_csv().splitlines()[0].split(",")  # the CSV: only the behaviours that are on


# --- 1. patience and tolerance ------------------------------------------------------------------


def test_tolerance_counts_unhappy_answers_without_changing_the_day():
    plain = reps(scenario())

    def tol(d, mean):
        d["contact_types"]["calls"]["tolerance"] = {"dist": "exponential", "mean": mean}

    patient = reps(scenario(lambda d: tol(d, 120)))
    touchy = reps(scenario(lambda d: tol(d, 10)))
    assert_books_close(touchy)
    # tolerance only observes: same arrivals, same answers (its draws come from their own stream)
    for a, b in zip(plain, touchy):
        np.testing.assert_array_equal(a.counters["answered"], b.counters["answered"])
    assert 0 < total(patient, "over_tolerance") < total(touchy, "over_tolerance") < total(touchy, "answered")


def test_one_minute_preset_as_tolerance():
    sc = scenario(lambda d: d["contact_types"]["calls"].update(tolerance="one_minute"))
    assert sc.contact_types["calls"].tolerance.dist == "survival_curve"
    stats = reps(sc)
    # 32% tolerate no wait at all, so at least the answered-after-a-wait share of them is unhappy
    assert total(stats, "over_tolerance") > 0.05 * total(stats, "answered")


# --- 2. redials -----------------------------------------------------------------------------------

REDIAL = {"probability": 0.7, "delay": {"dist": "exponential", "mean": 300}, "max_attempts": 4}


def _busy(d):
    d["agent_pools"]["team"]["agents"] = 11


def busy_with(**calls):
    """An understaffed day (11 agents) whose calls get these behaviour keys."""

    def edit(d):
        _busy(d)
        d["contact_types"]["calls"].update(calls)

    return edit


def test_redials_close_the_books_and_raise_load_and_abandonment():
    plain = reps(scenario(_busy))
    redial = reps(scenario(busy_with(redial=REDIAL)))
    assert_books_close(redial)
    # offered calls = first attempts + redials; customers end answered or abandoned for good
    assert total(redial, "offered") == total(redial, "first_attempts") + total(redial, "redials") > total(redial, "first_attempts")
    assert total(redial, "customers_unresolved") == 0
    # same people arrive (common random numbers), more calls are offered and more are abandoned
    assert total(redial, "customers") == total(plain, "customers")
    assert total(redial, "offered") > 1.03 * total(plain, "offered")
    assert total(redial, "abandoned") > total(plain, "abandoned")
    # the customer basis forgives: fewer customers give up for good than calls are abandoned
    assert total(redial, "customers_abandoned") < total(redial, "abandoned")


def test_max_attempts_one_means_no_redial():
    stats = reps(scenario(lambda d: d["contact_types"]["calls"].update(redial={**REDIAL, "max_attempts": 1})))
    assert total(stats, "redials") == 0
    assert total(stats, "customers_abandoned") == total(stats, "abandoned")


# --- 3. transfers ---------------------------------------------------------------------------------


def _tiers(mode, probability=0.3, cap=3):
    def edit(d):
        d["contact_types"]["billing"] = {
            "arrivals": {"per_hour": 20},
            "handle_time": {"dist": "exponential", "mean": 240},
            "patience": {"dist": "exponential", "mean": 120},
        }
        route = {"to": "billing", "probability": probability, "mode": mode}
        if mode == "cold":
            route["reexplain"] = {"dist": "deterministic", "mean": 90}
        d["contact_types"]["calls"]["transfers"] = {"routes": [route], "max_per_customer": cap}
        d["agent_pools"]["specialists"] = {"skills": ["billing"], "agents": 8}

    return edit


def test_cold_transfer_costs_reexplaining_time_warm_does_not():
    cold = reps(scenario(_tiers("cold")))
    warm = reps(scenario(_tiers("warm")))
    for stats in (cold, warm):
        assert_books_close(stats)
    assert total(warm, "reexplain_seconds") == 0
    assert total(cold, "reexplain_seconds") == pytest.approx(90 * total(cold, "transfers_in", 1))
    # the same transfers happen (same streams), and they cost the specialists more time when cold
    assert total(cold, "transfers") == total(warm, "transfers") > 0
    busy_cold = sum(s.pool_levels["busy_area"][1].sum() for s in cold)
    busy_warm = sum(s.pool_levels["busy_area"][1].sum() for s in warm)
    assert busy_cold > busy_warm
    # transfers out of tier 1 arrive at billing (a few after the close, outside the horizon's tally)
    assert 0.95 * total(cold, "transfers", 0) <= total(cold, "transfers_in", 1) <= total(cold, "transfers", 0)
    assert 0 < total(cold, "multi_agent_customers") <= total(cold, "transfers")


def test_transfer_loops_are_capped():
    def loop(d):
        d["contact_types"]["calls"].pop("patience")
        d["contact_types"]["calls"]["transfers"] = {"routes": [{"to": "calls", "probability": 1.0, "mode": "warm"}], "max_per_customer": 2}
        d["agent_pools"]["team"]["agents"] = 40

    stats = reps(scenario(loop), 1)
    assert_books_close(stats)
    s = stats[0].counters
    # every customer is passed on exactly twice, then served for good: three agents each
    # (a second transfer is tallied at the second attempt's arrival, a few after the close)
    assert s["multi_agent_customers"].sum() == s["customers"].sum() == s["customers_answered"].sum()
    assert 0.98 * 2 * s["customers"].sum() <= s["transfers"].sum() <= 2 * s["customers"].sum()


# --- 4. callbacks ---------------------------------------------------------------------------------

CALLBACK = {"offer_when_wait_exceeds": 30, "accept_probability": 0.6, "keep_rate": 1.0}


def test_callbacks_kept_promises_cut_abandonment():
    plain = reps(scenario(_busy))
    cb = busy_with(callback=CALLBACK)
    stats = reps(scenario(cb))
    assert_books_close(stats)
    assert total(stats, "callbacks_offered") > total(stats, "callbacks_accepted") > 0
    # a keep rate of 1 breaks no promise: every accepted callback is made
    assert total(stats, "callbacks_broken") == 0
    assert total(stats, "callbacks_kept") == total(stats, "callbacks_accepted")
    assert total(stats, "abandoned") < 0.8 * total(plain, "abandoned")
    res = ccsim.simulate(scenario(cb), workers=1)
    assert res.by_contact_type["calls"]["callback_wait_seconds"].mean > 0


def test_broken_promises_come_back_angrier():
    cb = busy_with(callback={**CALLBACK, "keep_rate": 0.5, "broken": {"delay": {"dist": "exponential", "mean": 600}, "patience_factor": 0.5}})
    stats = reps(scenario(cb))
    assert_books_close(stats)
    broken, accepted = total(stats, "callbacks_broken"), total(stats, "callbacks_accepted")
    assert 0.35 * accepted < broken < 0.65 * accepted
    assert total(stats, "redials") >= broken - 5  # they contact again (a few after the close are outside the horizon)


def test_promised_callbacks_wait_at_least_the_promise():
    cb = busy_with(callback={**CALLBACK, "when": "promised", "promised_delay": 900, "priority": "ahead"})
    res = ccsim.simulate(scenario(cb), workers=1)
    assert res.by_contact_type["calls"]["callback_wait_seconds"].mean >= 900


# --- 5. announcements ----------------------------------------------------------------------------


def test_announcement_makes_some_callers_balk():
    def ann(p):
        return busy_with(announcement={"when_queue_exceeds": 3, "balk_probability": p})

    none = reps(scenario(ann(0.0)))
    some = reps(scenario(ann(0.4)))
    assert_books_close(some)
    assert total(none, "balked") == 0
    assert total(some, "balked") > 0
    # those who balk free the queue for the rest: answered callers wait less
    wait = lambda st: total(st, "wait_answered_sum") / total(st, "answered")  # noqa: E731
    assert wait(some) < wait(none)


# --- 6. self-service front door ------------------------------------------------------------------


def test_bot_containment_cuts_human_offered_volume_by_its_share():
    c = 0.3
    plain = reps(scenario())
    bot = reps(scenario(lambda d: d["contact_types"]["calls"].update(self_service={"containment": c})))
    assert_books_close(bot)
    assert total(bot, "customers") == total(plain, "offered")
    assert total(bot, "offered") / total(plain, "offered") == pytest.approx(1 - c, abs=0.03)
    assert total(bot, "bot_contained") + total(bot, "offered") == total(bot, "customers")


def test_bot_dead_end_customers_hop_channels_or_stay_unresolved():
    def edit(d):
        d["contact_types"]["chat_bot"] = {
            "arrivals": {"per_hour": 100},
            "handle_time": {"dist": "exponential", "mean": 180},
            "self_service": {
                "containment": 0.5,
                "human_escape": False,
                "hop_probability": 0.4,
                "hop_to": "calls",
                "hop_delay": {"dist": "exponential", "mean": 300},
            },
        }
        d["agent_pools"]["team"]["skills"] = ["calls", "chat_bot"]

    stats = reps(scenario(edit))
    assert_books_close(stats)
    bot, calls = 1, 0
    assert total(stats, "offered", bot) == 0  # no way to a human
    dead = total(stats, "bot_dead_ends", bot)
    assert total(stats, "bot_contained", bot) + dead == total(stats, "customers", bot)
    hops = total(stats, "channel_hops", calls)
    assert 0.3 * dead < hops < 0.5 * dead
    # the dead ends that did not hop stay unresolved (hops after the close are outside the tally)
    assert dead - hops - 10 <= total(stats, "customers_unresolved", bot) <= dead - hops


# --- 7. channels ----------------------------------------------------------------------------------


def _chat(max_chats, stretch=0.0):
    def edit(d):
        ct = d["contact_types"].pop("calls")
        ct["channel"] = "chat"
        ct["chat"] = {"stretch": stretch}
        d["contact_types"]["chat"] = ct
        d["agent_pools"]["team"] = {"skills": ["chat"], "agents": 5, "concurrency": {"max_chats": max_chats}}

    return edit


def test_chat_agents_handle_several_chats_and_concurrency_stretches_them():
    single = ccsim.simulate(scenario(_chat(1)), workers=1)
    triple = ccsim.simulate(scenario(_chat(3)), workers=1)
    slow = ccsim.simulate(scenario(_chat(3, stretch=0.5)), workers=1)
    d1, d3, ds = (r.by_contact_type["chat"] for r in (single, triple, slow))
    assert d3["answered"].mean > 1.5 * d1["answered"].mean
    assert triple.by_pool["team"]["agents"].mean == pytest.approx(5, abs=0.2)  # people, not seats
    assert ds["service_level"].mean < d3["service_level"].mean  # stretched chats hold seats longer


def _silent(share, max_chats=2, agents=4, agent_time=60.0):
    """A busy chat desk (many abandon); share None leaves the silent keys out altogether."""

    def edit(d):
        _chat(max_chats)(d)
        d["agent_pools"]["team"]["agents"] = agents
        if share is not None:
            d["contact_types"]["chat"]["chat"].update(silent_share=share, silent_agent_time={"dist": "deterministic", "mean": agent_time})

    return edit


def test_silent_chat_abandoners_stay_in_the_queue_and_cost_agents_time():
    loud, silent = reps(scenario(_silent(None))), reps(scenario(_silent(0.5)))
    assert_books_close(silent)
    chat = 0
    n_silent, abandoned = total(silent, "silent_abandons", chat), total(silent, "abandoned", chat)
    assert 0.35 * abandoned < n_silent < 0.65 * abandoned  # about half of the abandoners
    for s in silent:
        assert (s.counters["silent_abandons"] <= s.counters["abandoned"]).all()
        # every opened ghost cost exactly one agent_time; some may still be queued at the close
        opened = s.counters["ghost_seconds"] / 60.0
        assert (opened <= s.counters["silent_abandons"]).all() and opened.sum() > 0
    # seats spent on nobody: busier agents, longer queues, fewer customers answered
    assert total(silent, "queue_area") > total(loud, "queue_area")
    assert sum(s.pool_levels["busy_area"].sum() for s in silent) > sum(s.pool_levels["busy_area"].sum() for s in loud)
    assert total(silent, "answered", chat) < total(loud, "answered", chat)
    # off is off: a zero share draws nothing and changes nothing
    off = reps(scenario(_silent(0)))
    for a, b in zip(loud, off):
        np.testing.assert_array_equal(a.counters["answered"], b.counters["answered"])
        np.testing.assert_array_equal(a.counters["queue_area"], b.counters["queue_area"])


def test_a_silent_chat_by_hand():
    # One agent, one seat. Chat A (t=0) is served until 100. Chat B (t=10, patience 20) leaves
    # silently at 30 but waits in the queue; at 100 the agent opens it and spends 15 s on nobody.
    # Chat C (t=99, patience 20 like every chat here) is answered at 115, after the ghost ahead of it.
    d = {
        "name": "ghost",
        "horizon": {"hours": 0.5, "interval_minutes": 30},
        "contact_types": {
            "chat": {
                "channel": "chat",
                "arrivals": {"at_seconds": [0, 10, 99]},
                "handle_time": {"dist": "deterministic", "mean": 100},
                "patience": {"dist": "empirical", "values": [20]},
                "chat": {"silent_share": 1.0, "silent_agent_time": {"dist": "deterministic", "mean": 15}},
            }
        },
        "agent_pools": {"solo": {"skills": ["chat"], "agents": 1}},
    }
    sc = scenario_from_dict(d)
    stats = simulate_replication(sc, 0, records=True)
    c = {k: float(v[0, 0]) for k, v in stats.counters.items()}
    assert (c["offered"], c["answered"], c["abandoned"], c["silent_abandons"], c["ghost_seconds"]) == (3, 2, 1, 1, 15)
    rows = sorted(stats.records, key=lambda r: r[1])
    assert [r[:4] for r in rows] == [(0, 0.0, 0.0, 100.0), (0, 10.0, None, 30.0), (0, 99.0, 115.0, 215.0)]  # one row for B
    assert stats.pool_levels["busy_area"][0, 0] == pytest.approx(100 + 15 + 100)
    # B is in the queue from 10 to 100 (the center cannot tell it left), C from 99 to 115
    assert c["queue_area"] == pytest.approx(90 + 16)


def test_silent_abandonment_needs_its_agent_time_and_patience():
    def edit(d):
        _chat(1)(d)
        ct = d["contact_types"]["chat"]
        ct["chat"]["silent_share"] = 0.4
        del ct["patience"]

    with pytest.raises(ScenarioError) as info:
        scenario(edit)
    text = str(info.value)
    assert "contact_types -> chat -> chat -> silent_agent_time: needed when silent_share > 0" in text
    assert "contact_types -> chat -> chat -> silent_share: nobody abandons without patience" in text


def test_email_is_a_backlog_behind_live_work_that_never_abandons():
    def edit(d):
        d["contact_types"]["email"] = {
            "channel": "email",
            "arrivals": {"per_hour": 30},
            "handle_time": {"dist": "exponential", "mean": 300},
            "service_level": {"hours": 2, "target": 0.9},
        }
        d["agent_pools"]["team"] = {"skills": {"email": 0, "calls": 1}, "agents": 15}  # email listed first, still served last

    sc = scenario(edit)
    assert sc.contact_types["email"].service_level.seconds == 7200
    res = ccsim.simulate(sc, workers=1)
    email, calls = res.by_contact_type["email"], res.by_contact_type["calls"]
    assert email["abandoned"].mean == 0
    assert email["asa_seconds"].mean > calls["asa_seconds"].mean


# --- 8. agents --------------------------------------------------------------------------------------


def test_shrinkage_removes_the_configured_share_at_random():
    sc = scenario(lambda d: d["agent_pools"]["team"].update(agents=40, shrinkage={"mean": 0.3, "sd": 0.05}), replications=8)
    res = ccsim.simulate(sc, workers=1)
    pool = res.by_pool["team"]
    assert pool["agents_scheduled"].mean == 40
    assert pool["shrinkage"].mean == pytest.approx(0.3, abs=0.05)
    shares = [s.extra["shrinkage_share"]["team"] for s in res.replication_stats]
    assert len(set(shares)) == len(shares)  # a new share every day, not a flat cut
    per_interval = np.array([s.pool_levels["agents_area"][0] for s in res.replication_stats]) / 1800
    assert per_interval.std() > 0.5  # agents come and go interval by interval


def test_shifts_with_breaks_staff_the_minutes_written():
    def edit(d):
        d["horizon"] = {"start": "08:00", "end": "12:00", "interval_minutes": 30}
        d["agent_pools"]["team"] = {
            "skills": ["calls"],
            "shifts": [
                {"start": "08:00", "end": "12:00", "count": 6, "breaks": [{"start": "10:00", "minutes": 30}]},
                {"start": "09:00", "end": "17:00", "count": 4},
            ],
        }

    res = ccsim.simulate(scenario(edit), replications=1, workers=1)
    agents = [round(e.mean, 2) for e in res.intervals_by_pool["team"]["agents"]]
    # interval means include agents finishing a call after their shift piece ends
    assert agents[:2] == pytest.approx([6, 6], abs=0.3)
    assert agents[2:4] == pytest.approx([10, 10], abs=0.3)
    assert agents[4] == pytest.approx(4, abs=0.6)  # 10:00-10:30, the 08:00 shift on break
    assert [e.mean for e in res.intervals_by_pool["team"]["agents_scheduled"]] == [6, 6, 10, 10, 4, 10, 10, 10]


def test_after_contact_work_and_complications_make_agents_busier():
    plain = ccsim.simulate(scenario(), workers=1)
    acw = ccsim.simulate(scenario(lambda d: d["contact_types"]["calls"].update(after_contact_work={"dist": "deterministic", "mean": 30})), workers=1)
    cx = ccsim.simulate(
        scenario(lambda d: d["contact_types"]["calls"].update(complications={"share": 0.2, "extra": {"dist": "deterministic", "mean": 300}})),
        workers=1,
    )
    occ = lambda r: r.by_pool["team"]["occupancy"].mean  # noqa: E731
    sl = lambda r: r.by_contact_type["calls"]["service_level"].mean  # noqa: E731
    assert occ(acw) > occ(plain) and sl(acw) < sl(plain)
    assert occ(cx) > occ(plain) and sl(cx) < sl(plain)


def test_queue_priority_between_contact_types():
    def edit(vip_priority):
        def e(d):
            d["contact_types"]["vip"] = copy.deepcopy(d["contact_types"]["calls"])
            d["contact_types"]["vip"]["priority"] = vip_priority
            d["contact_types"]["calls"]["priority"] = 1
            d["agent_pools"]["team"] = {"skills": {"calls": 0, "vip": 0}, "agents": 22}

        return e

    first = ccsim.simulate(scenario(edit(0)), workers=1).by_contact_type
    equal = ccsim.simulate(scenario(edit(1)), workers=1).by_contact_type
    # in an overloaded hour the priority queue keeps its callers; equal priority shares the pain
    assert first["vip"]["abandon_rate"].mean < 0.6 * first["calls"]["abandon_rate"].mean
    assert first["vip"]["service_level"].mean > first["calls"]["service_level"].mean + 0.1
    assert equal["vip"]["abandon_rate"].mean == pytest.approx(equal["calls"]["abandon_rate"].mean, abs=0.03)


# --- 9. arrival uncertainty --------------------------------------------------------------------


def test_busyness_spreads_days_around_the_forecast():
    flat = scenario(replications=12)
    busy = scenario(busyness={"shape": 5}, replications=12)
    f = np.array([s.counters["offered"].sum() for s in reps(flat)])
    b = np.array([s.counters["offered"].sum() for s in reps(busy)])
    assert b.std() > 2 * f.std()  # variance of the multiplier is 1/shape
    assert abs(b.mean() / 960 - 1) < 3 * np.sqrt(1 / 5) / np.sqrt(12)
    mult = [s.extra["busyness"] for s in reps(busy)]
    assert len(set(mult)) == 12


# --- common random numbers --------------------------------------------------------------------------


def test_plans_differing_in_staffing_see_the_same_customers():
    def edit(agents):
        def e(d):
            d["contact_types"]["calls"]["redial"] = REDIAL
            d["contact_types"]["calls"]["tolerance"] = {"dist": "exponential", "mean": 30}
            d["agent_pools"]["team"]["agents"] = agents

        return e

    a, b = reps(scenario(edit(10)), 2), reps(scenario(edit(14)), 2)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.counters["customers"], y.counters["customers"])
        assert x.counters["redials"].sum() > y.counters["redials"].sum()


# --- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["contact_types"]["calls"].update(transfers={"routes": [{"to": "nowhere", "probability": 0.2, "mode": "warm"}]}),
         "contact_types -> calls -> transfers -> routes -> [0] -> to: 'nowhere' is not a contact type"),
        (lambda d: d["contact_types"]["calls"].update(transfers={"routes": [{"to": "calls", "probability": 0.2}]}),
         "a cold transfer needs reexplain"),
        (lambda d: d["contact_types"]["calls"].update(redial={"probability": 1.5, "delay": {"dist": "exponential", "mean": 60}}),
         "contact_types -> calls -> redial -> probability: must be <= 1"),
        (lambda d: d["agent_pools"]["team"].update(shifts=[{"start": "08:00", "end": "12:00", "count": 3}]),
         "give exactly one of agents or shifts"),
        (lambda d: d["contact_types"]["calls"].update(channel="email"),
         "contact_types -> calls -> patience: email never abandons"),
        (lambda d: d["contact_types"]["calls"].update(self_service={"containment": 0.3, "hop_probability": 0.2}),
         "hop_probability > 0 needs hop_to and hop_delay"),
        (lambda d: d["agent_pools"]["team"].update(concurrency={"max_chats": 3}),
         "agent_pools -> team -> concurrency: a pool handling several chats at once can only serve chat contact types"),
        (lambda d: d["agent_pools"]["team"].update(shrinkage={"mean": 0.3, "sd": 0.49}),
         "is too large for mean"),
        (lambda d: d["contact_types"]["calls"].update(announcement={"balk_probability": 0.2}),
         "give exactly one of when_queue_exceeds or when_expected_wait_exceeds"),
    ],
)
def test_behaviour_sections_are_validated_with_clear_errors(edit, message):
    d = copy.deepcopy(BASE)
    edit(d)
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(d)
    assert any(message in line for line in err.value.problems), err.value.problems


# --- the planner scenarios ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["eshop_callbacks_chat", "helpdesk_bot", "bank_transfers"])
def test_behaviour_scenarios_run_and_close_their_books(name, cli, tmp_path):
    from conftest import SCENARIOS

    sc = ccsim.load_scenario(SCENARIOS / f"{name}.yaml")
    assert_books_close(reps(sc, 2))
    result = cli("run", SCENARIOS / f"{name}.yaml", "-r", "2", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "Customer behaviour" in result.output
    html = (tmp_path / "report.html").read_text()
    assert "Customers and agents as they really behave" in html
    # beyond the six measures of every run: what customers did, and each pool's staffing against its requirement
    assert html.count('class="plotly-graph-div"') == 7 + len(sc.agent_pools)
    shrinking = sum(pool.shrinkage is not None for pool in sc.agent_pools.values())
    assert "What customers did" in html and html.count("Erlang A requirement, to schedule (with shrinkage)") == shrinking > 0
