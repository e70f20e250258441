"""Write the bundled backtest example from ``scenarios/backtest_desk.yaml``: a week of its desk as it ran.

The desk's callers wait 90 s on average (the scenario's variant ``as_logged``), not the 240 s its
planner assumed, and on Thursday afternoon one agent was off sick. Each day is one replication of
that reality with the day's staffing, logged as ``ccsim run --records`` logs a run (the columns
``ccsim calibrate`` and ``ccsim backtest`` read): Monday to Wednesday in one file, Thursday and
Friday in another (the hold-out of docs/backtest.md), and who was logged in, all five days, in a third.

    python tools/backtest_example.py
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import ccsim
from ccsim.model import simulate_replication
from ccsim.plans import with_plan
from ccsim.records import BASE_DATE, record_rows
from ccsim.results import SimulationResult

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
COLUMNS = ("arrival_time", "contact_type", "answer_time", "end_time", "pool")
DAYS = 5  # Monday 2026-01-05 to Friday
SICK_DAY, SICK_FROM = 3, 8  # Thursday, from 13:00 (the 9th interval)


def stamp(moment) -> str:
    return "" if moment is None else moment.isoformat(timespec="milliseconds")


def main() -> None:
    planned = ccsim.load_scenario(SCENARIOS / "backtest_desk.yaml")
    reality = planned.variants["as_logged"]
    agents = reality.agent_pools["desk"].agents
    staffing = [[n - (day == SICK_DAY and i >= SICK_FROM) for i, n in enumerate(agents)] for day in range(DAYS)]
    days = [simulate_replication(with_plan(reality, {"desk": staffing[day]}), day, records=True) for day in range(DAYS)]
    rows = list(record_rows(SimulationResult.from_replications(reality, days)))  # replication r is day r after BASE_DATE
    for name, first, last in (("backtest_log_mon_wed.csv", 0, 2), ("backtest_log_thu_fri.csv", 3, 4)):
        with open(SCENARIOS / name, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for arrived, kind, answered, ended, rep, pool, _, _ in rows:
                if first <= rep <= last:
                    writer.writerow([stamp(arrived), kind, stamp(answered), stamp(ended), pool or ""])
    horizon = planned.horizon
    with open(SCENARIOS / "backtest_staffing.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["interval_start", "desk"])
        for day in range(DAYS):
            for i, n in enumerate(staffing[day]):
                start = BASE_DATE + timedelta(days=day, minutes=horizon.start_minute + i * horizon.interval_minutes)
                writer.writerow([start.strftime("%Y-%m-%d %H:%M"), n])


if __name__ == "__main__":
    main()
