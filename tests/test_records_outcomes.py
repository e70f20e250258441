"""The contact log's ids and outcomes (``ccsim run --records``), on days small enough to trace by hand.

Each scripted day has one agent and deterministic times, so every row, its ``contact_id``, its
``customer_id`` (the first contact of its customer) and its ``outcome`` can be worked out on paper.
The log keeps its first eight columns in their places, and ``ccsim calibrate`` reads it as before.
"""

from __future__ import annotations

import csv

import pyarrow.parquet as pq
import pytest

import ccsim
from ccsim.calibrate import read_log
from ccsim.records import COLUMNS, OUTCOMES, write_records

FIXED = {"dist": "deterministic", "mean": 100}
OLD_COLUMNS = ["arrival_time", "contact_type", "answer_time", "end_time", "replication", "pool", "wait_seconds", "handle_seconds"]


def day(calls: dict, agents=1, **types) -> ccsim.Scenario:
    """A 09:00-10:00 day of one agent (or one per interval given), the calls type plus ``types``."""
    return ccsim.scenario_from_dict(
        {
            "name": "log trace",
            "horizon": {"start": "09:00", "hours": 1, "interval_minutes": 30},
            "contact_types": {"calls": {"handle_time": FIXED, **calls}, **types},
            "agent_pools": {"solo": {"skills": ["calls", *types], "agents": agents}},
        }
    )


def log(scenario: ccsim.Scenario, tmp_path, name: str = "log.csv") -> list[dict]:
    path = tmp_path / name
    write_records(ccsim.simulate(scenario, replications=1, records=True), path)
    return list(csv.DictReader(path.open(newline="", encoding="utf-8")))


def trace(rows: list[dict]) -> list[tuple]:
    """(contact_id, customer_id, outcome, arrival, answer, end) as clock times (HH:MM:SS)."""
    clock = lambda stamp: stamp[11:19] if stamp else None  # noqa: E731
    return [(int(r["contact_id"]), int(r["customer_id"]), r["outcome"], clock(r["arrival_time"]), clock(r["answer_time"]), clock(r["end_time"])) for r in rows]


def test_the_new_columns_come_after_the_old_ones():
    assert COLUMNS[:8] == OLD_COLUMNS
    assert COLUMNS[8:] == ["contact_id", "customer_id", "outcome"]


def test_a_redial_carries_its_first_attempts_customer_id(tmp_path):
    # 09:00:00 A is answered at once and ends 09:01:40. 09:00:10 B waits; its patience of 30 s runs
    # out at 09:00:40 (abandoned) and it redials 50 s later, at 09:01:30: it waits for A's agent and
    # is answered at 09:01:40, ending 09:03:20. The redial is B's customer's second contact.
    rows = log(
        day(
            {
                "arrivals": {"at_seconds": [0, 10]},
                "patience": {"dist": "deterministic", "mean": 30},
                "redial": {"probability": 1, "delay": {"dist": "deterministic", "mean": 50}, "max_attempts": 2},
            }
        ),
        tmp_path,
    )
    assert trace(rows) == [
        (1, 1, "answered", "09:00:00", "09:00:00", "09:01:40"),
        (2, 2, "abandoned", "09:00:10", None, "09:00:40"),
        (3, 2, "answered", "09:01:30", "09:01:40", "09:03:20"),
    ]
    assert [r["wait_seconds"] for r in rows] == ["0.0", "30.0", "10.0"]


def test_a_caller_who_hears_the_queue_balks(tmp_path):
    # A is answered at once; B finds nobody waiting and queues; C finds one waiting, hears the
    # announcement and hangs up at once.
    rows = log(day({"arrivals": {"at_seconds": [0, 10, 20]}, "announcement": {"when_queue_exceeds": 0, "balk_probability": 1}}), tmp_path)
    assert trace(rows) == [
        (1, 1, "answered", "09:00:00", "09:00:00", "09:01:40"),
        (2, 2, "answered", "09:00:10", "09:01:40", "09:03:20"),
        (3, 3, "balked", "09:00:20", None, "09:00:20"),
    ]


@pytest.mark.parametrize("keep_rate,outcome,answer,end", [(1, "callback_kept", "09:01:40", "09:03:20"), (0, "callback_broken", None, "09:00:10")])
def test_a_callback_kept_or_broken(tmp_path, keep_rate, outcome, answer, end):
    # B arrives while the agent is busy until 09:01:40: an expected wait of 100 s > 50 s, so it is
    # offered a callback and accepts. Kept, the agent calls back when free; broken, the promise is
    # counted abandoned the moment it is made.
    callback = {"offer_when_wait_exceeds": 50, "accept_probability": 1, "keep_rate": keep_rate}
    rows = log(day({"arrivals": {"at_seconds": [0, 10]}, "callback": callback}), tmp_path)
    assert trace(rows)[1] == (2, 2, outcome, "09:00:10", answer, end)


def test_a_callback_still_pending_when_the_agents_have_gone_is_broken(tmp_path):
    # The only agent works 09:00-09:30. A arrives 09:28:20 and is served until 09:31:40; B arrives
    # at 09:29:10, accepts a callback, and nobody is left to call back: at the close (10:00) the
    # promise is broken.
    callback = {"offer_when_wait_exceeds": 50, "accept_probability": 1}
    rows = log(day({"arrivals": {"at_seconds": [1700, 1750]}, "handle_time": {"dist": "deterministic", "mean": 200}, "callback": callback}, agents=[1, 0]), tmp_path)
    assert trace(rows) == [(1, 1, "answered", "09:28:20", "09:28:20", "09:31:40"), (2, 2, "callback_broken", "09:29:10", None, "10:00:00")]


@pytest.mark.parametrize("escape,outcome", [(True, "bot_contained"), (False, "bot_dead_end")])
def test_contacts_the_bot_keeps_have_a_row_and_calibrate_leaves_them_out(tmp_path, escape, outcome):
    # containment 1: every contact is resolved by the bot; containment 0 without an escape: every one
    # is a dead end. Either way none reaches the queue, and calibrate's volumes do not count them.
    bot = {"containment": 1.0 if escape else 0.0, "human_escape": escape}
    scenario = day({"arrivals": {"at_seconds": [0, 10]}, "self_service": bot})
    rows = log(scenario, tmp_path)
    assert trace(rows) == [(1, 1, outcome, "09:00:00", None, "09:00:00"), (2, 2, outcome, "09:00:10", None, "09:00:10")]
    rows = log(day({"arrivals": {"at_seconds": [0, 10]}}, bot_and_queue={"arrivals": {"at_seconds": [5]}, "handle_time": FIXED, "self_service": bot}), tmp_path, "both.csv")
    assert len(rows) == 3
    assert read_log(tmp_path / "both.csv").rows == 2  # the queue's two calls


def test_a_transfer_is_the_same_customer(tmp_path):
    # A is served 09:00:00-09:01:40 and transferred (warm) to tier2, where the same agent answers at
    # once: a second contact of A's customer.
    transfers = {"routes": [{"to": "tier2", "probability": 1, "mode": "warm"}], "max_per_customer": 1}
    rows = log(day({"arrivals": {"at_seconds": [0]}, "transfers": transfers}, tier2={"arrivals": {"volumes": [0, 0]}, "handle_time": FIXED}), tmp_path)
    assert [(t[:3], r["contact_type"]) for t, r in zip(trace(rows), rows)] == [((1, 1, "answered"), "calls"), ((2, 1, "answered"), "tier2")]


def test_a_silent_chat_is_one_row_when_its_customer_left(tmp_path):
    # B's customer leaves after 20 s without closing the chat: one row, at 09:00:30; the agent finds
    # the empty chat at 09:01:40, which adds no row.
    chat = {"silent_share": 1.0, "silent_agent_time": {"dist": "deterministic", "mean": 15}}
    rows = log(day({"channel": "chat", "arrivals": {"at_seconds": [0, 10]}, "patience": {"dist": "deterministic", "mean": 20}, "chat": chat}), tmp_path)
    assert trace(rows) == [(1, 1, "answered", "09:00:00", "09:00:00", "09:01:40"), (2, 2, "silent_abandon", "09:00:10", None, "09:00:30")]


def test_ids_run_on_across_replications_and_parquet_has_the_same_columns(tmp_path):
    sc = day({"arrivals": {"at_seconds": [0, 10]}, "patience": {"dist": "deterministic", "mean": 30}})
    result = ccsim.simulate(sc, replications=2, records=True)
    write_records(result, tmp_path / "log.parquet")
    table = pq.read_table(tmp_path / "log.parquet")
    assert table.column_names == COLUMNS
    assert table.column("contact_id").to_pylist() == [1, 2, 3, 4]
    assert table.column("customer_id").to_pylist() == [1, 2, 3, 4]
    assert table.column("outcome").to_pylist() == ["answered", "abandoned"] * 2
    assert str(table.schema.field("contact_id").type) == "int64"


@pytest.mark.parametrize("name", ["eshop_callbacks_chat.yaml", "helpdesk_bot.yaml", "bank_transfers.yaml"])
def test_bundled_days_write_documented_outcomes_and_ids_that_point_into_the_log(tmp_path, name):
    sc = ccsim.load_scenario(f"scenarios/{name}")
    result = ccsim.simulate(sc, replications=1, records=True)
    write_records(result, tmp_path / "log.csv")
    rows = list(csv.DictReader((tmp_path / "log.csv").open(newline="", encoding="utf-8")))
    assert {r["outcome"] for r in rows} <= set(OUTCOMES)
    assert [int(r["contact_id"]) for r in rows] == list(range(1, len(rows) + 1))
    firsts = {r["contact_id"] for r in rows if r["customer_id"] == r["contact_id"]}
    assert {r["customer_id"] for r in rows} <= firsts  # every customer id is the id of a first contact in the log
    assert all(int(r["customer_id"]) <= int(r["contact_id"]) for r in rows)
    # the log's contacts that reached the queue are the day's offered contacts, within the horizon
    queued = [r for r in rows if r["outcome"] not in ("bot_contained", "bot_dead_end")]
    assert len(queued) == sum(result.by_contact_type[t]["offered"].mean for t in sc.type_names)
