"""Peak memory of a week at a national center: 7 days of 15-minute intervals, 2,000 agents,
~1,000,000 contacts in one replication. Target: under 1 GB.

Each measurement runs in a fresh Python process and reports its peak resident set size (RSS,
what the operating system counts) as well as the RSS right after importing ccsim, so the part
the simulation adds is visible. For contrast the week is run with half the contacts (same
intervals) and half the week is run (half the intervals): with streaming tallies the peak must
hardly move with the contacts, only with the intervals; with ``--records`` (one row kept per
contact) it grows with the contacts.

    python benchmarks/bench_memory.py
    python benchmarks/bench_memory.py --records --year   # also with per-contact records; and a year
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

from _common import header

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    import ccsim
    from ccsim.runner import simulate

    def rss_mb():  # current RSS from /proc; ru_maxrss is the peak
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20

    raw, records = json.loads(sys.argv[1]), sys.argv[2] == "1"
    sc = ccsim.scenario_from_dict(raw)
    base = rss_mb()
    t = time.perf_counter()
    result = simulate(sc, backend="inprocess", records=records)
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    offered = result.by_contact_type["calls"]["offered"].mean
    print(json.dumps({"base_mb": base, "peak_mb": peak, "seconds": secs, "contacts": offered,
                      "intervals": sc.horizon.n_intervals}))
    """
)


def week(days: float = 7, agents: int = 2000, contacts_per_week: float = 1_000_000) -> dict:
    """One flat contact type: ~5,950 calls/h, AHT 1,100 s (~1,820 Erlang), 2,000 agents."""
    return {
        "name": "national center",
        "seed": 1,
        "replications": 1,
        "horizon": {"hours": days * 24, "interval_minutes": 15},
        "contact_types": {
            "calls": {
                "arrivals": {"per_hour": contacts_per_week / (7 * 24)},
                "handle_time": {"dist": "lognormal", "mean": 1100, "cv": 0.8},
                "patience": {"dist": "exponential", "mean": 60},
            }
        },
        "agent_pools": {"national": {"skills": ["calls"], "agents": agents}},
    }


def measure(raw: dict, records: bool = False) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(raw), "1" if records else "0"], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", action="store_true", help="also measure the week with per-contact records kept")
    parser.add_argument("--year", action="store_true", help="also a year of 15-minute intervals at a low rate (memory per interval)")
    args = parser.parse_args()
    header("Peak memory: 7 days x 96 intervals of 15 min, 2,000 agents, ~1,000,000 contacts, one replication")
    rows = [
        ("7 days (the target)", measure(week())),
        ("7 days, half the contacts", measure(week(agents=1000, contacts_per_week=500_000))),
        ("3.5 days (half the intervals)", measure(week(days=3.5))),
    ]
    if args.records:
        rows.append(("7 days, --records kept", measure(week(), records=True)))
    if args.year:
        rows.append(("365 days, 20 calls/h", measure(week(days=365, agents=3, contacts_per_week=20 * 168))))
    print(f"{'run':<32}{'intervals':>10}{'contacts':>11}{'seconds':>9}{'RSS after import':>18}{'peak RSS':>10}{'added':>9}")
    for name, m in rows:
        print(
            f"{name:<32}{m['intervals']:>10,}{m['contacts']:>11,.0f}{m['seconds']:>9.1f}{m['base_mb']:>15.0f} MB"
            f"{m['peak_mb']:>7.0f} MB{m['peak_mb'] - m['base_mb']:>6.0f} MB"
        )
    full, fewer, shorter = (m for _, m in rows[:3])
    print()
    print(f"peak of the week: {full['peak_mb']:.0f} MB (target < 1024 MB): {'OK' if full['peak_mb'] < 1024 else 'OVER'}")
    d_contacts = full["contacts"] - fewer["contacts"]
    print(f"same intervals, {d_contacts:+,.0f} contacts: {full['peak_mb'] - fewer['peak_mb']:+.1f} MB")
    d_int = full["intervals"] - shorter["intervals"]
    print(f"{d_int:+,} intervals: {full['peak_mb'] - shorter['peak_mb']:+.1f} MB ({(full['peak_mb'] - shorter['peak_mb']) * 1024 / d_int:.1f} KB per interval)")


if __name__ == "__main__":
    main()
