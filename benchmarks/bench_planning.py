"""Planning commands end to end: staff, trap and compare, as a user waits for them and split out.

The commands a planner waits on simulate many small batches: every iteration of a staffing
search, every trial plan, every sweep point, the fresh days each plan is judged on. How fast they
answer is the engine's speed minus what the planning layer costs around it: starting worker
processes, shipping scenarios and results, evaluating plans, Erlang solves, reports. This
benchmark shows that cost, in one run:

- whole process: ``ccsim COMMAND`` launched from here, default settings (fresh-day evaluation
  included), wall and CPU seconds, best of a few runs; beside it the same command with
  ``CCSIM_REUSE=0`` (no replication kept, a worker pool started per batch: how the runner worked
  before sessions) unless ``--quick``;
- split out: the same work called in this process inside a ``runner.session``, whose counters
  say how many replications were simulated and reused, how many contacts they held and how long
  the simulation batches took; the rest of the wall time is the planning layer's own. The
  command's simulated contacts per second stand beside the engine's own rate on the reference
  M/M/n+M system (``bench_engine.py``'s ccsim figure, one core, measured in this run);
- parallel efficiency of staff and trap: the in-process time on one worker over twice the time
  on two (1.0 is a perfect speed-up; the target is 0.8 or more).

The scenarios: scenarios/two_pool_day.yaml, benchmarks/scenarios/three_pool_day_15min.yaml (96
fifteen-minute intervals, three contact types, three pools), scenarios/default.yaml for trap and
scenarios/plans_lunch.yaml (its plan and two variants) for compare. Figures are printed, not
asserted: they depend on the machine and on what else runs on it.

    python benchmarks/bench_planning.py           # default settings, best of 3
    python benchmarks/bench_planning.py --quick   # a few days per search, one run each: what CI prints
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from _common import header

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CCSIM = [sys.executable, "-m", "cli"]  # what the ccsim console script runs
TARGETS_S = {"staff two_pool_day": 5.0, "staff 96 x 15 min, 3 pools": 10.0, "trap default": 15.0}
TARGET_EFFICIENCY = 0.8


@dataclass(frozen=True)
class Command:
    """One planning command: its argv for a whole process, and the same work as a library call."""

    label: str
    argv: list[str]
    call: Callable[[int | None], object]  # workers -> result
    scenario: str  # the file whose days it simulates most


def commands(quick: bool) -> list[Command]:
    from ccsim import compare, load_scenario
    from ccsim.staffing import staff
    from ccsim.trap import explore

    days = ["-r", "3", "--max-replications", "3"] if quick else []  # a few days, no doubling
    search = {"replications": 3, "max_replications": 3} if quick else {}
    reps = 3 if quick else None

    def load(path: str):
        return load_scenario(REPO / path)

    two_pools, three_pools, default, lunch = (
        "scenarios/two_pool_day.yaml", "benchmarks/scenarios/three_pool_day_15min.yaml", "scenarios/default.yaml", "scenarios/plans_lunch.yaml",
    )
    return [
        Command("staff two_pool_day", ["staff", two_pools, *days], lambda w: staff(load(two_pools), workers=w, **search), two_pools),
        Command("staff 96 x 15 min, 3 pools", ["staff", three_pools, *days], lambda w: staff(load(three_pools), workers=w, **search), three_pools),
        Command("trap default", ["trap", *days[:2]], lambda w: explore(load(default), replications=reps, workers=w), default),
        Command("trap default --no-causes", ["trap", "--no-causes", *days[:2]], lambda w: explore(load(default), replications=reps, workers=w, causes=False), default),
        Command("compare 3 plans", ["compare", lunch, *days[:2]], lambda w: compare([load(lunch)], replications=reps, workers=w), lunch),
    ]


def engine_rate(path: str, days: int) -> float:
    """Contacts per CPU second of the engine alone on the scenario: ``days`` replications simulated
    in process, nothing around them. What the command's days would cost with no planning layer."""
    from ccsim import load_scenario
    from ccsim.runner import run_chunk

    scenario = load_scenario(REPO / path)
    run_chunk(scenario, [days])  # a first day pays for lazy imports and caches: not the engine's speed
    cpu = _cpu()
    offered = sum(float(stats.counters["offered"].sum()) for stats in run_chunk(scenario, list(range(days))))
    return offered / (_cpu() - cpu)


def _cpu() -> float:
    """User + system CPU seconds of this process and of its children that have exited."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def whole_process(argv: list[str], reuse: bool) -> tuple[float, float]:
    """(wall, CPU) seconds of ``ccsim ARGV`` from launch to exit; a failure stops the benchmark."""
    env = {**os.environ, "CCSIM_REUSE": "1" if reuse else "0"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(CCSIM + argv, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@dataclass
class Split:
    """One in-process run inside a session: where its time went."""

    wall: float
    cpu: float
    simulating: float  # wall seconds inside simulation batches
    simulated: int
    reused: int
    contacts: float

    @property
    def planning(self) -> float:
        return self.wall - self.simulating


def split(cmd: Command, workers: int | None) -> Split:
    from ccsim.runner import session

    cpu, started = _cpu(), time.perf_counter()
    with session(workers) as s:
        cmd.call(workers)
    wall = time.perf_counter() - started  # the session's workers are stopped and reaped: their CPU counts
    return Split(wall, _cpu() - cpu, s.simulating_s, s.simulated, s.reused, s.contacts)


def best(runs: list, key=lambda r: r):
    return min(runs, key=key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 days per search, no doubling, one run each (for CI)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3; --quick: 1)")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    header("Planning commands: whole process and split out" + (" (quick: 3 days per search)" if args.quick else ", default settings"))
    from bench_engine import run_ccsim

    from ccsim.runner import available_cores

    cmds = commands(args.quick)
    arrivals = 20_000 if args.quick else 200_000
    reference_rate = 0.0
    own_rates: dict[str, float] = {}  # scenario -> the engine's contacts per CPU second on its days
    whole: dict[str, dict[bool, list]] = {c.label: {True: [], False: []} for c in cmds}
    splits: dict[str, list[Split]] = {c.label: [] for c in cmds}
    scaling: dict[str, dict[int, list[Split]]] = {c.label: {1: [], 2: []} for c in cmds if c.label in ("staff two_pool_day", "trap default")}
    for _ in range(repeat):  # interleaved rounds: a busy spell on a shared machine hits every figure alike
        started = time.perf_counter()
        contacts = run_ccsim(arrivals)["contacts"]
        reference_rate = max(reference_rate, contacts / (time.perf_counter() - started))
        for path in {c.scenario for c in cmds}:
            own_rates[path] = max(own_rates.get(path, 0.0), engine_rate(path, 4 if args.quick else 10))
        for c in cmds:
            for reuse in (True, False) if not args.quick else (True,):
                whole[c.label][reuse].append(whole_process(c.argv, reuse))
            splits[c.label].append(split(c, None))
            for w in scaling.get(c.label, {}):
                scaling[c.label][w].append(split(c, w))

    cores = available_cores()
    width = max(len(c.label) for c in cmds)
    print(f"Whole process, `ccsim COMMAND` (best of {repeat}); CCSIM_REUSE=0: nothing kept, a pool per batch (the runner before sessions)")
    print(f"{'command':<{width}}  {'wall':>7} {'CPU':>7}   {'REUSE=0 wall':>12} {'CPU':>7}   target")
    for c in cmds:
        wall, cpu = best(whole[c.label][True])
        off = f"{best(whole[c.label][False])[0]:10.2f} s {best(whole[c.label][False])[1]:5.2f} s" if whole[c.label][False] else f"{'-':>12} {'-':>7}"
        target = TARGETS_S.get(c.label)
        note = "" if target is None or args.quick else f"< {target:g} s: {'met' if wall < target else 'NOT met'}"
        print(f"{c.label:<{width}}  {wall:5.2f} s {cpu:5.2f} s   {off}   {note}")
    print()
    print(f"Split out, in process (best of {repeat}, default workers; {cores} cores). The engine on the reference M/M/n+M system: {reference_rate:,.0f} contacts/s")
    print(f"on one core (bench_engine.py's ccsim figure, ~{arrivals:,} arrivals). 'engine here': the engine alone on the command's scenario, days")
    print("simulated in process, contacts per CPU second; 'share': the command's contacts per CPU second (planning and workers included) over that.")
    print(
        f"{'command':<{width}}  {'wall':>7} {'simulating':>10} {'planning':>9}  {'simulated':>9} {'reused':>6} {'contacts':>10} {'contacts/s':>10} "
        f"{'per CPU s':>9} {'engine here':>11} {'share':>5}"
    )
    for c in cmds:
        s = best(splits[c.label], key=lambda r: r.wall)
        per_cpu, here = s.contacts / s.cpu, own_rates[c.scenario]
        print(
            f"{c.label:<{width}}  {s.wall:5.2f} s {s.simulating:8.2f} s {s.planning:7.2f} s  {s.simulated:>9,} {s.reused:>6,} {s.contacts:>10,.0f} "
            f"{s.contacts / s.wall:>10,.0f} {per_cpu:>9,.0f} {here:>11,.0f} {per_cpu / here:5.0%}"
        )
    print()
    print("Parallel efficiency at two workers, in process (one worker's time / (2 x two workers' time))")
    for label, runs in scaling.items():
        one, two = (best(runs[w], key=lambda r: r.wall).wall for w in (1, 2))
        eff = one / (2 * two)
        print(f"{label:<{width}}  1 worker {one:5.2f} s   2 workers {two:5.2f} s   efficiency {eff:4.0%}   (target >= {TARGET_EFFICIENCY:.0%})")
    load = os.getloadavg()[0]
    print(f"\nload average at the end: {load:.1f}" + ("  (busy machine: times are high; compare the figures of one run)" if load > 1.5 else ""))


if __name__ == "__main__":
    main()
