"""Shared pieces of the benchmarks: the reference M/M/n+M system and a few printing helpers."""

from __future__ import annotations

import os
import platform
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # ccsim is imported where it is used: bench_startup.py times a process that must not load it
    import ccsim

# The reference system: 1,000 calls/h, AHT 300 s, exponential patience 60 s, 90 agents.
CALLS_PER_HOUR = 1000.0
AHT_S = 300.0
PATIENCE_S = 60.0
AGENTS = 90


def mmn_scenario(arrivals: int = 200_000, replications: int = 1, interval_minutes: int = 30, **extra) -> ccsim.Scenario:
    """M/M/n+M for as many hours as it takes to expect ``arrivals`` calls (200 h for 200,000)."""
    import ccsim

    return ccsim.scenario_from_dict(mmn_dict(arrivals, replications, interval_minutes, **extra))


def mmn_dict(arrivals: int = 200_000, replications: int = 1, interval_minutes: int = 30, **extra) -> dict:
    """``mmn_scenario`` as the scenario file's content (bench_startup.py writes it as YAML)."""
    hours = max(interval_minutes / 60, round(arrivals / CALLS_PER_HOUR * 60 / interval_minutes) * interval_minutes / 60)
    raw = {
        "name": "benchmark M/M/n+M",
        "seed": 1,
        "replications": replications,
        "horizon": {"hours": hours, "interval_minutes": interval_minutes},
        "contact_types": {
            "calls": {
                "arrivals": {"per_hour": CALLS_PER_HOUR},
                "handle_time": {"dist": "exponential", "mean": AHT_S},
                "patience": {"dist": "exponential", "mean": PATIENCE_S},
                "service_level": {"seconds": 20, "target": 0.8},
            }
        },
        "agent_pools": {"team": {"skills": ["calls"], "agents": AGENTS}},
    }
    for key, value in extra.items():
        raw[key] = value
    return raw


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"Python {platform.python_version()} on {platform.machine()}, {cores} usable cores, {platform.platform(terse=True)}"


def best_of(repeat: int, fn):
    """Run ``fn`` ``repeat`` times; return (fewest seconds, its result). Best-of is the usual
    benchmark convention: noise (other processes on a shared machine) only ever adds time."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        if dt < best:
            best, result = dt, out
    return best, result


def header(title: str) -> None:
    import ccsim

    print(title)
    print(machine())
    print(f"ccsim {ccsim.__version__}; command: {' '.join([os.path.basename(sys.executable)] + sys.argv)}")
    print()
