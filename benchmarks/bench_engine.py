"""Engine throughput on M/M/n+M: ccsim against ciw and a bare heapq event loop, same run.

The system: 1,000 calls/h, exponential handle times of 300 s, exponential patience of
60 s, 90 agents, one replication long enough for ~200,000 arrivals (200 hours). Each contender
simulates the same system and computes the same headline metrics (offered, answered, abandoned,
service level 80/20, ASA); the figure is contacts simulated per second of wall time.

- ccsim: ``ccsim.simulate`` in process, i.e. the engine with its per-interval tallies *and* the
  summary with confidence intervals;
- ciw: the idiomatic ciw model (``ciw.create_network`` with reneging), metrics from its records;
- SimPy processes: the textbook SimPy model, a process per customer that waits on
  ``request | timeout`` (what ccsim's engine would be without its callback design);
- heapq: the floor, a bare event loop written here: a heap of (time, seq, kind, contact),
  lazy cancellation of abandonment timers, per-interval counters. What Python can do with no
  simulation library at all.

    python benchmarks/bench_engine.py                 # 200,000 arrivals, best of 3 (ciw and SimPy processes once)
    python benchmarks/bench_engine.py --arrivals 20000 --repeat 1   # a quick look
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import time
from collections import deque
from heapq import heappop, heappush

import numpy as np

from _common import AGENTS, AHT_S, CALLS_PER_HOUR, PATIENCE_S, best_of, header, mmn_scenario

SL_S = 20.0
SLOW = ("ciw", "SimPy processes")  # run --ciw-repeat times, not --repeat


def run_ccsim(arrivals: int) -> dict:
    import ccsim

    sc = mmn_scenario(arrivals)
    result = ccsim.simulate(sc, backend="inprocess")
    day = result.by_contact_type["calls"]
    return {
        "contacts": day["offered"].mean,
        "service_level": day["service_level"].mean,
        "abandon_rate": day["abandon_rate"].mean,
        "asa_s": day["asa_seconds"].mean,
    }


def run_ciw(arrivals: int) -> dict:
    import ciw

    horizon_s = arrivals / CALLS_PER_HOUR * 3600
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=CALLS_PER_HOUR / 3600)],
        service_distributions=[ciw.dists.Exponential(rate=1 / AHT_S)],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / PATIENCE_S)],
        number_of_servers=[AGENTS],
    )
    ciw.seed(1)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon_s)
    recs = sim.get_all_records()
    served = [r for r in recs if r.record_type == "service"]
    reneged = [r for r in recs if r.record_type == "renege"]
    contacts = len(served) + len(reneged)
    return {
        "contacts": contacts,
        "service_level": sum(r.waiting_time <= SL_S for r in served) / contacts,
        "abandon_rate": len(reneged) / contacts,
        "asa_s": sum(r.waiting_time for r in served) / len(served),
    }


def run_simpy_processes(arrivals: int, seed: int = 1) -> dict:
    """The textbook SimPy model: one process per customer, abandonment as ``request | timeout``."""
    import simpy

    horizon_s = arrivals / CALLS_PER_HOUR * 3600
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    m = {"contacts": 0, "answered": 0, "abandoned": 0, "within": 0, "wait_sum": 0.0}

    def customer():
        arrived = env.now
        m["contacts"] += 1
        with agents.request() as req:
            result = yield req | env.timeout(rng.exponential(PATIENCE_S))
            if req not in result:
                m["abandoned"] += 1
                return
            wait = env.now - arrived
            m["answered"] += 1
            m["wait_sum"] += wait
            m["within"] += wait <= SL_S
            yield env.timeout(rng.exponential(AHT_S))

    def source():
        while True:
            yield env.timeout(rng.exponential(3600 / CALLS_PER_HOUR))
            if env.now >= horizon_s:
                return
            env.process(customer())

    env.process(source())
    env.run()
    return {
        "contacts": m["contacts"],
        "service_level": m["within"] / m["contacts"],
        "abandon_rate": m["abandoned"] / m["contacts"],
        "asa_s": m["wait_sum"] / m["answered"],
    }


def run_heapq(arrivals: int, seed: int = 1, interval_s: float = 1800.0) -> dict:
    """The floor: a hand-written event loop with the same metrics, per interval."""
    horizon_s = arrivals / CALLS_PER_HOUR * 3600
    rng = np.random.default_rng(seed)

    def stream(draw):
        while True:
            yield from draw(4096).tolist()

    gaps = stream(lambda k: rng.exponential(3600 / CALLS_PER_HOUR, k)).__next__
    handle = stream(lambda k: rng.exponential(AHT_S, k)).__next__
    patience = stream(lambda k: rng.exponential(PATIENCE_S, k)).__next__
    n_slots = math.ceil(horizon_s / interval_s) + 1
    offered, answered, abandoned, within, wait_sum = ([0] * n_slots for _ in range(5))
    ARRIVE, END, ABANDON = 0, 1, 2
    heap: list = []
    seq = itertools.count()
    queue: deque = deque()
    free = AGENTS
    heappush(heap, (gaps(), next(seq), ARRIVE, None))
    while heap:
        now, _, kind, c = heappop(heap)
        if kind == ARRIVE:
            slot = int(now // interval_s)
            offered[slot] += 1
            if free:
                free -= 1
                answered[slot] += 1
                within[slot] += 1
                heappush(heap, (now + handle(), next(seq), END, None))
            else:
                c = [now, slot, True]  # arrived, slot, waiting
                queue.append(c)
                heappush(heap, (now + patience(), next(seq), ABANDON, c))
            t = now + gaps()
            if t < horizon_s:
                heappush(heap, (t, next(seq), ARRIVE, None))
        elif kind == END:
            while queue and not queue[0][2]:
                queue.popleft()  # abandoned while queued: drop lazily
            if queue:
                c = queue.popleft()
                c[2] = False
                wait = now - c[0]
                slot = c[1]
                answered[slot] += 1
                wait_sum[slot] += wait
                if wait <= SL_S:
                    within[slot] += 1
                heappush(heap, (now + handle(), next(seq), END, None))
            else:
                free += 1
        elif c[2]:  # abandonment timer of a contact still waiting; others are cancelled lazily
            c[2] = False
            abandoned[c[1]] += 1
    contacts = sum(offered)
    return {
        "contacts": contacts,
        "service_level": sum(within) / contacts,
        "abandon_rate": sum(abandoned) / contacts,
        "asa_s": sum(wait_sum) / sum(answered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrivals", type=int, default=200_000, help="expected arrivals (default 200,000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs for ccsim and heapq (default 3)")
    parser.add_argument("--ciw-repeat", type=int, default=1, help="runs of ciw and of the SimPy process model (slow; default 1)")
    parser.add_argument("--no-ciw", action="store_true", help="skip ciw")
    args = parser.parse_args()
    header(f"M/M/n+M engine throughput: {CALLS_PER_HOUR:g} calls/h, AHT {AHT_S:g} s, patience {PATIENCE_S:g} s, {AGENTS} agents, ~{args.arrivals:,} arrivals")
    contenders = {"ccsim": run_ccsim, "heapq loop (floor)": run_heapq, "SimPy processes": run_simpy_processes}
    if not args.no_ciw:
        try:
            import ciw  # noqa: F401

            contenders["ciw"] = run_ciw
        except ImportError:
            print("ciw not installed (pip install 'ccsim[bench]'): skipped\n")
    rows: dict = {}
    for round_ in range(max(args.repeat, args.ciw_repeat)):  # interleaved: a busy spell hits all alike
        for name, fn in contenders.items():
            if round_ >= (args.ciw_repeat if name in SLOW else args.repeat):
                continue
            cpu = time.process_time()
            secs, m = best_of(1, lambda: fn(args.arrivals))
            cpu = time.process_time() - cpu
            if name not in rows or secs < rows[name][0]:
                rows[name] = (secs, m, cpu)
    print(f"{'simulator':<20}{'contacts':>10}{'seconds':>9}{'contacts/s':>12}{'per CPU s':>11}   {'SL 80/20':>8}{'abandon':>9}{'ASA s':>7}")
    speed, cpu_speed = {}, {}
    for name, (secs, m, cpu) in rows.items():
        speed[name] = m["contacts"] / secs
        cpu_speed[name] = m["contacts"] / cpu
        print(
            f"{name:<20}{m['contacts']:>10,.0f}{secs:>9.2f}{speed[name]:>12,.0f}{cpu_speed[name]:>11,.0f}   "
            f"{m['service_level']:>8.1%}{m['abandon_rate']:>9.1%}{m['asa_s']:>7.2f}"
        )
    print()
    floor = "heapq loop (floor)"
    if "ciw" in speed:
        print(f"ccsim / ciw        = {speed['ccsim'] / speed['ciw']:5.1f}x   by CPU time {cpu_speed['ccsim'] / cpu_speed['ciw']:5.1f}x   (target >= 10x)")
    print(f"ccsim / heapq loop = {speed['ccsim'] / speed[floor]:5.2f}    by CPU time {cpu_speed['ccsim'] / cpu_speed[floor]:5.2f}    (target >= 0.5)")
    print(f"ccsim / SimPy processes = {speed['ccsim'] / speed['SimPy processes']:5.1f}x (the callback design against the textbook model, same kernel)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.1f}" + ("  (busy machine: speeds are low; compare the ratios)" if load > 1.5 else ""))


if __name__ == "__main__":
    main()
