"""Backtest speed: 20 logged days of about 2,000 contacts each, replayed 20 times each, on 2 cores.

The log is written the way a planner's would be, by ``ccsim run --records``: a 12-hour day with a
lunch peak, one contact type, one pool; one day per replication. The timing covers everything
``ccsim backtest`` does: reading the log (CSV) and the staffing file, building a scenario per day,
the 400 replications on a local process pool of ``--workers`` processes, and the figures and fit.
The issue's target is under a minute on two cores.

    python benchmarks/bench_backtest.py
    python benchmarks/bench_backtest.py --days 20 --replications 20 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from datetime import timedelta
from pathlib import Path

from _common import best_of, header

import ccsim
from ccsim.backtest import backtest
from ccsim.records import BASE_DATE, write_records

#: Calls per half hour, 08:00-19:30: 2,040 a day.
VOLUMES = [40, 55, 70, 80, 85, 90, 95, 110, 150, 160, 150, 120, 100, 90, 85, 80, 80, 75, 70, 60, 50, 45, 35, 25]
AGENTS = [8, 9, 10, 11, 12, 12, 13, 14, 18, 19, 18, 15, 14, 13, 13, 12, 12, 12, 11, 10, 9, 8, 7, 6]


def day_scenario(days: int) -> ccsim.Scenario:
    return ccsim.scenario_from_dict(
        {
            "name": "benchmark backtest day",
            "seed": 11,
            "replications": days,
            "horizon": {"start": "08:00", "end": "20:00", "interval_minutes": 30},
            "contact_types": {
                "phone": {
                    "arrivals": {"volumes": VOLUMES},
                    "handle_time": {"dist": "lognormal", "mean": 240, "cv": 0.8},
                    "patience": {"dist": "exponential", "mean": 90},
                }
            },
            "agent_pools": {"desk": {"skills": ["phone"], "agents": AGENTS}},
        }
    )


def write_staffing(path: Path, days: int) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["interval_start", "desk"])
        for d in range(days):
            for i, agents in enumerate(AGENTS):
                writer.writerow([(BASE_DATE + timedelta(days=d, minutes=8 * 60 + 30 * i)).strftime("%Y-%m-%d %H:%M"), agents])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    args = parser.parse_args()
    header(f"Backtest: {args.days} days of ~{sum(VOLUMES):,} contacts, {args.replications} replications each, {args.workers} worker processes")
    sc = day_scenario(args.days)
    with tempfile.TemporaryDirectory() as tmp:
        log, staffing = Path(tmp) / "log.csv", Path(tmp) / "staffing.csv"
        write_records(ccsim.simulate(sc, records=True), log)
        write_staffing(staffing, args.days)
        seconds, result = best_of(args.repeat, lambda: backtest(log, sc, staffing, replications=args.replications, workers=args.workers))
    contacts = sum(d.contacts for d in result.replayed)
    replayed = contacts * args.replications
    print(f"log: {contacts:,} contacts on {len(result.replayed)} days; replayed {replayed:,} contacts in all")
    print(f"wall time: {seconds:.1f} s (best of {args.repeat}) = {replayed / seconds:,.0f} replayed contacts/s; target: under 60 s")
    print(f"fit: {result.coverage:.1%} of the interval figures inside their band; {result.verdict}")


if __name__ == "__main__":
    main()
