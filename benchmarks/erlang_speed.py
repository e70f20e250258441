"""How fast are ccsim's Erlang formulas, next to the straightforward O(N) way?

Prints the time per Erlang C evaluation and per staffing solve at 20, 2,000 and 20,000 agents,
for ccsim.erlang (log-space incomplete gamma, galloping + bisection solver) and for a baseline
written here the way many WFM scripts (and pyworkforce's ErlangC) do it: Erlang B by the
classic recursion, O(N) per call, and a solver that adds one agent at a time from the load
upwards. Both run in the same process and the ratios are printed. Not a test.

    python benchmarks/erlang_speed.py
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from ccsim import erlang  # noqa: E402

AHT_S = 300.0
SL_SECONDS = 20.0
TARGET_SL = 0.8
SIZES = (20, 2_000, 20_000)


# --- the baseline: O(N) recursion, one-agent-at-a-time solver ------------------------------------


def baseline_erlang_c(n: int, load: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return n * b / (n - load * (1.0 - b))


def baseline_service_level(n: int, load: float) -> float:
    return 1.0 - baseline_erlang_c(n, load) * math.exp(-(n - load) * SL_SECONDS / AHT_S)


def baseline_solve(load: float) -> int:
    n = math.floor(load) + 1
    while baseline_service_level(n, load) < TARGET_SL:
        n += 1
    return n


# --- timing --------------------------------------------------------------------------------------


def per_call(fn, budget_s: float = 0.3) -> float:
    """Best-of-5 CPU seconds per call, with the repeat count sized to the budget.

    CPU time (time.process_time), not wall time, so that other work on a shared machine does
    not inflate the figures; the code is single-threaded, so the two agree on an idle machine.
    """
    start = time.process_time()
    fn()
    once = max(time.process_time() - start, 1e-6)
    number = max(1, min(100_000, int(budget_s / 5 / once)))
    best = math.inf
    for _ in range(5):
        start = time.process_time()
        for _ in range(number):
            fn()
        best = min(best, (time.process_time() - start) / number)
    return best


def ratio(base: float, ours: float) -> str:
    r = base / ours
    return f"{r:7.0f}x" if r >= 10 else f"{r:7.2f}x"


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "


def main() -> None:
    load_avg = ", load average {:.1f}".format(os.getloadavg()[0]) if hasattr(os, "getloadavg") else ""
    print(f"ccsim Erlang benchmark  (Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}{load_avg})")
    print("times are best-of-5 CPU time per call")
    print(f"AHT {AHT_S:.0f} s, target {TARGET_SL:.0%} within {SL_SECONDS:.0f} s; load = 0.9 x agents for the C calls\n")

    print("Erlang C, one evaluation (P(wait) and service level)")
    print(f"{'agents':>8} {'ccsim':>12} {'O(N) recursion':>16} {'ratio':>8}   check")
    for n in SIZES:
        load = 0.9 * n
        ours = per_call(lambda: erlang.erlang_c_service_level(n, load, AHT_S, SL_SECONDS))
        base = per_call(lambda: baseline_service_level(n, load))
        diff = abs(erlang.erlang_c_service_level(n, load, AHT_S, SL_SECONDS) - baseline_service_level(n, load))
        print(f"{n:>8,} {fmt(ours):>12} {fmt(base):>16} {ratio(base, ours):>8}   |dSL| = {diff:.1e}")

    print("\nStaffing solve, smallest N with SL >= target (Erlang C)")
    print(f"{'load':>8} {'agents':>8} {'ccsim':>12} {'linear scan':>16} {'ratio':>8}")
    for n in SIZES:
        load = 0.95 * n
        rate = load * 3600.0 / AHT_S
        ours = per_call(lambda: erlang.solve_agents("C", rate, AHT_S, SL_SECONDS, target_sl=TARGET_SL))
        base = per_call(lambda: baseline_solve(load), budget_s=2.0)
        got = erlang.solve_agents("C", rate, AHT_S, SL_SECONDS, target_sl=TARGET_SL).required_agents
        assert got == baseline_solve(load), (got, baseline_solve(load))
        print(f"{load:>8,.0f} {got:>8,} {fmt(ours):>12} {fmt(base):>16} {ratio(base, ours):>8}")

    print("\nErlang A (patience 120 s), ccsim only: one evaluation with ASA / one solve (80/20, abandon <= 5%)")
    for n in SIZES:
        for frac in (0.9, 3.0):
            rate = frac * n * 3600.0 / AHT_S
            one = per_call(lambda: erlang.measures("A", rate, AHT_S, n, SL_SECONDS, patience_s=120.0))
            solve = per_call(
                lambda: erlang.solve_agents("A", rate, AHT_S, SL_SECONDS, target_sl=TARGET_SL, target_abandon=0.05, patience_s=120.0)
            )
            print(f"  {n:>7,} agents, load {frac:.1f} x agents: {fmt(one)} per evaluation, {fmt(solve)} per solve")

    minutes = np.arange(96) * 15
    rates = 50 + 900 * np.exp(-(((minutes - 660) / 240.0) ** 2))
    print("\nA day of 96 quarter-hours (peak 950 calls/h), 80/20, shrinkage 30%")
    for model, patience in (("C", None), ("A", 120.0)):
        t = per_call(lambda: erlang.solve_day(model, rates, AHT_S, SL_SECONDS, target_sl=TARGET_SL, patience_s=patience, shrinkage=0.3), budget_s=1.0)
        print(f"  Erlang {model}: {fmt(t)} per day")


if __name__ == "__main__":
    main()
