"""Behaviours composed in pairs: every two that can meet on a day keep the books and leave no agent busy.

Each behaviour is one edit of a small three-channel day (phone and email on one team, chat on
another). For every pair of behaviours the day is simulated with both on, and checked:

- the books close per type and interval: offered = answered + abandoned, offered = first attempts
  + redials + transfers in + channel hops, and every customer has exactly one final outcome;
- at the close of the day no agent is busy, no chat seat is held, nothing is left in a queue, and
  the busy and staffed agent-seconds stay within what the staffing allows.

A stage composed in the wrong order (a wrapper dropped, an answer counted twice, a seat never
released) breaks one of these on some pair.
"""

from __future__ import annotations

import copy
import itertools

import pytest

from ccsim import scenario_from_dict
from ccsim.model.behaviours import REGISTRY
from ccsim.model.engine import Engine

from conftest import assert_books_close

DAY = {
    "name": "composition",
    "seed": 3,
    "horizon": {"start": "08:00", "end": "11:00", "interval_minutes": 30},
    "contact_types": {
        "phone": {
            "arrivals": {"per_hour": 130},
            "handle_time": {"dist": "exponential", "mean": 240},
            "patience": {"dist": "exponential", "mean": 90},
            "service_level": {"seconds": 20, "target": 0.8},
        },
        "chat": {
            "channel": "chat",
            "arrivals": {"per_hour": 60},
            "handle_time": {"dist": "exponential", "mean": 300},
            "patience": {"dist": "exponential", "mean": 120},
            "service_level": {"seconds": 60, "target": 0.8},
        },
        "email": {
            "channel": "email",
            "arrivals": {"per_hour": 20},
            "handle_time": {"dist": "exponential", "mean": 400},
            "service_level": {"seconds": 7200, "target": 0.9},
        },
    },
    "agent_pools": {
        "front": {"skills": ["phone", "email"], "agents": 9},
        "chat_team": {"skills": ["chat"], "agents": 4},
    },
}

EXP = {"dist": "exponential", "mean": 300}


def _phone(**keys):
    return lambda d: d["contact_types"]["phone"].update(keys)


def _chat(**keys):
    return lambda d: d["contact_types"]["chat"].setdefault("chat", {}).update(keys)


def _pool(name, **keys):
    return lambda d: d["agent_pools"][name].update(keys)


BEHAVIOURS = {
    "tolerance": _phone(tolerance={"dist": "exponential", "mean": 30}),
    "redial": _phone(redial={"probability": 0.6, "delay": EXP, "max_attempts": 3}),
    "transfer": _phone(transfers={"routes": [{"to": "email", "probability": 0.2, "mode": "cold", "reexplain": {"dist": "deterministic", "mean": 60}}]}),
    "callback": _phone(callback={"offer_when_wait_exceeds": 20, "accept_probability": 0.5, "keep_rate": 0.7,
                                 "broken": {"delay": EXP, "patience_factor": 0.5}}),
    "promised_callback": _phone(callback={"offer_when_wait_exceeds": 20, "accept_probability": 0.5, "when": "promised", "promised_delay": 600}),
    "announcement": _phone(announcement={"when_queue_exceeds": 2, "balk_probability": 0.3}),
    "bot": _phone(self_service={"containment": 0.3, "human_escape": False, "hop_probability": 0.5, "hop_to": "chat", "hop_delay": EXP}),
    "complications": _phone(complications={"share": 0.2, "extra": {"dist": "deterministic", "mean": 200}}),
    "after_contact_work": lambda d: [d["contact_types"][t].update(after_contact_work={"dist": "deterministic", "mean": 30}) for t in ("phone", "chat")],
    "chat_seats": lambda d: (_chat(stretch=0.25)(d), _pool("chat_team", concurrency={"max_chats": 3})(d)),
    "silent_chats": _chat(silent_share=0.5, silent_agent_time={"dist": "deterministic", "mean": 20}),
    "shrinkage": _pool("front", shrinkage={"mean": 0.2, "sd": 0.05}),
    "overflow_ring": _pool("front", skills={"phone": 0, "chat": {"level": 0, "after": 30}, "email": 1}),
    "proficiency": _pool("chat_team", skills={"chat": {"level": 0, "handle_factor": 1.2}}),
    "aht_profile": _phone(aht_by_interval=[200, 240, 260, 300, 280, 220]),
    "wait_weight": _phone(wait_weight=2.0),
    "replay": _phone(arrivals={"at_seconds": [27.0 * k for k in range(400)], "handle_seconds": [None if k % 3 == 0 else 120.0 + 20 * (k % 7) for k in range(400)]}),
    "resolution": _phone(resolution={"probability": 0.7, "recontact_probability": 0.8, "delay": EXP, "via": {"phone": 1, "chat": 1}}),
    "live_start": lambda d: d.update(
        start_state={
            "at": "08:40",
            "waiting": {"phone": [10, 40, 95], "chat": [5], "email": {"count": 20, "oldest_hours": 2}},
            "in_service": {"front": {"phone": [30, 100, 400]}},
            "agents_now": {"front": 8},
            "actuals": {"phone": [60]},
        }
    ),
    "initial_backlog": lambda d: d["contact_types"]["email"].update(initial_backlog=[0.5, 3, 26, 1, 0]),
    "open_hours_clock": lambda d: d["contact_types"]["email"]["service_level"].update(clock="open_hours", seconds=600),
    "shifts": lambda d: d["agent_pools"]["front"].update(
        agents=None, shifts=[{"start": "08:00", "end": "10:00", "count": 6}, {"start": "09:00", "end": "11:00", "count": 5}]
    ),
}


def day_with(*names):
    d = copy.deepcopy(DAY)
    for name in names:
        BEHAVIOURS[name](d)
    if d["agent_pools"]["front"].get("agents", 0) is None:
        del d["agent_pools"]["front"]["agents"]
    return scenario_from_dict(d)


def run_and_check(scenario, replication=0):
    engine = Engine(scenario, replication, behaviours=REGISTRY)
    stats = engine.run()
    assert_books_close([stats])
    for pool in engine.pools:
        assert pool.busy == 0, f"{pool.name}: {pool.busy} agents still busy after the close"
        assert all(agent.contact is None for agent in pool.free)
        assert all(agent.person is None or agent.person[0] == 0 for agent in pool.free), f"{pool.name}: a chat seat is still held"
    assert engine.waiting == [0] * len(engine.queues) and not any(engine.queues)
    levels = stats.pool_levels
    assert (levels["busy_area"] >= -1e-6).all()
    assert (levels["busy_area"] <= levels["staffed_area"] + 1e-6).all(), "busy agent-seconds above staffed ones"
    return engine, stats


@pytest.mark.parametrize("pair", list(itertools.combinations(BEHAVIOURS, 2)), ids="+".join)
def test_two_behaviours_keep_the_books_and_release_every_agent(pair):
    engine, stats = run_and_check(day_with(*pair))
    on = {b.name for b in engine.behaviours}
    assert on, "the edits switched no behaviour on"
    assert stats.counters["offered"].sum() > 100


def test_every_behaviour_at_once():
    engine, _ = run_and_check(day_with(*[b for b in BEHAVIOURS if b != "promised_callback"]))
    assert {type(b) for b in engine.behaviours} == set(REGISTRY)


def test_each_behaviour_edit_switches_its_behaviour_on():
    plain = {type(b) for b in Engine(day_with(), 0, behaviours=REGISTRY).behaviours}
    assert plain == set()
    for name in BEHAVIOURS:
        assert Engine(day_with(name), 0, behaviours=REGISTRY).behaviours, f"{name} switched nothing on"
