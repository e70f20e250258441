"""Parallel speed-up: 16 replications of M/M/n+M on 1 core, 2 cores and every core, same run.

Each replication is the reference system (1,000 calls/h, AHT 300 s, patience 60 s, 90 agents)
for ~50,000 arrivals. The 1-core figure runs in process (no pool); the others use the local
process pool through ``ccsim.runner.run_units``, exactly as ``ccsim run --workers N`` does, so
process start-up, shipping scenarios and results back are all inside the timing. Efficiency is
speed-up / cores. With ``--dask`` the same units also run on a local Dask cluster (its start-up
reported apart; on a real cluster it is paid once, not per run).

    python benchmarks/bench_parallel.py
    python benchmarks/bench_parallel.py --replications 16 --arrivals 50000 --dask
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from _common import best_of, header, mmn_scenario

from ccsim.runner import available_cores, run_units


def _cpu() -> float:
    """User + system CPU seconds of this process and of its children that have exited."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=16)
    parser.add_argument("--arrivals", type=int, default=50_000, help="expected arrivals per replication")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs per row")
    parser.add_argument("--dask", action="store_true", help="also run on a local Dask cluster")
    args = parser.parse_args()
    cores = available_cores()
    header(f"Parallel speed-up: {args.replications} replications of ~{args.arrivals:,} arrivals each")
    sc = mmn_scenario(args.arrivals, replications=args.replications)
    units = [(sc, r) for r in range(args.replications)]

    def offered(batch) -> float:
        return sum(float(r.counters["offered"].sum()) for r in batch.results)

    def timed(**kwargs):
        """(wall seconds, CPU seconds of this process and its finished children, batch)."""
        cpu0 = _cpu()
        t = time.perf_counter()
        batch = run_units(units, **kwargs)
        return time.perf_counter() - t, _cpu() - cpu0, batch

    configs = [("in process", 1, {"backend": "inprocess"})]
    for n in sorted({2, cores} - {1}):
        if n > cores:
            print(f"(only {cores} core(s): the {n}-worker row would measure oversubscription; skipped)")
            continue
        configs.append(("process pool", n, {"workers": n, "backend": "processes"}))
    best: dict = {}
    for _ in range(args.repeat):  # rounds interleave the rows, so a busy spell hits them alike
        for name, n, kwargs in configs:
            wall, cpu, batch = timed(**kwargs)
            if (name, n) not in best or wall < best[name, n][0]:
                best[name, n] = (wall, cpu, batch)
    rows = [(name, n, *best[name, n]) for name, n, _ in configs]
    t1, c1, b1 = rows[0][2:]
    if args.dask:
        from distributed import LocalCluster

        started = time.perf_counter()
        with LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            print(f"local Dask cluster of {cores} workers started in {time.perf_counter() - started:.1f} s (not in the timings)")
            run_units(units[:cores], scheduler=cluster.scheduler_address)  # warm the workers' imports
            t, b = best_of(args.repeat, lambda: run_units(units, scheduler=cluster.scheduler_address))
            rows.append(("dask LocalCluster", cores, t, None, b))
    print()
    print(f"{'backend':<20}{'cores':>6}{'seconds':>9}{'contacts/s':>12}{'speed-up':>10}{'efficiency':>12}{'CPU s':>8}{'CPU efficiency':>16}")
    reference = offered(b1)
    for name, n, t, cpu, batch in rows:
        assert offered(batch) == reference, "every backend must simulate the very same contacts"
        speedup = t1 / t
        cpu_cols = f"{cpu:>8.2f}{c1 / cpu:>15.0%}" if cpu is not None else f"{'n/a':>8}{'n/a':>16}"
        print(f"{name:<20}{n:>6}{t:>9.2f}{reference / t:>12,.0f}{speedup:>9.2f}x{speedup / n:>11.0%}{cpu_cols}")
    print()
    print("efficiency = speed-up / cores (target >= 80% on 2 cores). CPU efficiency = CPU time in process /")
    print("CPU time of parent + workers: the parallel overhead alone, which a busy machine does not distort.")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.1f} on {cores} cores" + ("  (busy machine: wall-clock speed-ups understate)" if load > cores else ""))


if __name__ == "__main__":
    main()
