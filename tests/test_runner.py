"""The runner: same numbers on every backend, through the real parallel paths; Ctrl-C keeps what finished."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import psutil
import pytest

import ccsim
from ccsim import runner
from ccsim.runner import RunnerError, chunk_size, run_units, simulate

from conftest import REPO, reference


def small(hours: float = 2, replications: int = 4, **changes):
    """The reference M/M/n+M system, shortened: ~2,000 contacts per replication."""
    return ccsim.scenario_from_dict(reference(horizon={"hours": hours, "interval_minutes": 30}, replications=replications, **changes))


def summary(result) -> str:
    d = result.to_dict()
    d.pop("wall_time_seconds")  # the only field allowed to differ between backends
    return json.dumps(d, sort_keys=True)


def offered_by_replication(results) -> list[float]:
    return [float(r.counters["offered"].sum()) for r in results]


def assert_same_waits(got, want) -> None:
    """Two replications left the same wait histogram and per-interval percentiles."""
    np.testing.assert_array_equal(got.day_wait_hist, want.day_wait_hist)
    for q, arr in want.wait_quantiles.items():
        np.testing.assert_array_equal(got.wait_quantiles[q], arr)


@pytest.fixture(scope="module")
def serial():
    sc = small()
    return sc, simulate(sc, backend="inprocess")


def test_summary_json_identical_in_process_pool_and_dask(serial, dask_cluster):
    sc, expected = serial
    pool = simulate(sc, workers=2)  # auto: more than one worker -> process pool
    dask = simulate(sc, scheduler=dask_cluster.scheduler_address)
    assert summary(pool) == summary(expected)
    assert summary(dask) == summary(expected)
    # merged in replication order, not arrival order: the per-replication stats line up one to one
    per_rep = offered_by_replication(expected.replication_stats)
    assert len(set(per_rep)) > 1, "replications should differ, or the order check proves nothing"
    assert offered_by_replication(pool.replication_stats) == per_rep
    assert offered_by_replication(dask.replication_stats) == per_rep


def test_the_parallel_paths_really_run_elsewhere(dask_cluster):
    units = [(small(), r) for r in range(4)]
    here = f"{socket.gethostname()}:{os.getpid()}"
    inproc = run_units(units, backend="inprocess")
    assert {r.extra["worker"] for r in inproc.results} == {here}
    pool = run_units(units, workers=2)
    assert (pool.backend, pool.workers) == ("processes", 2)
    dask = run_units(units, scheduler=dask_cluster.scheduler_address)
    assert (dask.backend, dask.workers) == ("dask", 2)
    for batch in (pool, dask):
        where = {r.extra["worker"] for r in batch.results}
        assert here not in where and 1 <= len(where) <= 2


def test_scheduler_from_environment(dask_cluster, monkeypatch):
    monkeypatch.setenv(runner.SCHEDULER_ENV, dask_cluster.scheduler_address)
    batch = run_units([(small(), 0), (small(), 1)])
    assert batch.backend == "dask"
    monkeypatch.setenv(runner.SCHEDULER_ENV, "")
    assert run_units([(small(), 0)]).backend == "inprocess"


def test_several_scenarios_in_one_batch_come_back_in_unit_order(dask_cluster):
    """What compare, sweeps and staffing searches do: units of different scenarios interleaved."""
    plans = [small(hours=1, seed=s) for s in (1, 2, 3)]
    units = [(plans[i % 3], i // 3) for i in range(9)]
    expected = run_units(units, backend="inprocess").results
    for batch in (run_units(units, workers=2, chunksize=2), run_units(units, scheduler=dask_cluster.scheduler_address, chunksize=2)):
        assert not batch.interrupted
        assert offered_by_replication(batch.results) == offered_by_replication(expected)
        for got, want in zip(batch.results, expected):
            assert_same_waits(got, want)


def test_chunks_group_only_consecutive_units_of_one_scenario():
    a, b = small(hours=1), small(hours=1)
    units = [(a, 0), (a, 1), (a, 2), (b, 0), (a, 3)]
    assert list(runner._chunks(units, 2)) == [(0, a, [0, 1]), (2, a, [2]), (3, b, [0]), (4, a, [3])]
    # real replications go one per task; tiny ones (a 15-minute staffing probe) are bundled
    big = ccsim.scenario_from_dict(reference(horizon={"hours": 200, "interval_minutes": 30}))
    assert chunk_size([(big, r) for r in range(16)], 2) == 1
    tiny = ccsim.scenario_from_dict(reference(horizon={"hours": 0.25, "interval_minutes": 15}))
    assert chunk_size([(tiny, r) for r in range(400)], 2) > 1


class InterruptAfter:
    """A progress callback that presses Ctrl-C once ``k`` units have finished."""

    def __init__(self, k: int):
        self.k, self.calls = k, []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append(done)
        if done >= self.k:
            raise KeyboardInterrupt


@pytest.mark.parametrize("backend", ["inprocess", "processes", "dask"])
def test_interruption_keeps_finished_replications(serial, backend, request):
    sc, expected = serial
    sc = sc.model_copy(update={"replications": 8})
    kwargs = {"workers": 2} if backend == "processes" else {}
    if backend == "dask":
        kwargs["scheduler"] = request.getfixturevalue("dask_cluster").scheduler_address
    stop = InterruptAfter(2)
    before = {p.pid for p in psutil.Process().children(recursive=True)}  # e.g. the Dask cluster's
    batch = run_units([(sc, r) for r in range(8)], progress=stop, backend=backend, **kwargs)
    assert batch.interrupted
    kept = [i for i, r in enumerate(batch.results) if r is not None]
    assert len(kept) == 2 and stop.calls[-1] == 2
    for i in kept:  # what was kept is whole and correct, not a half-run replication
        want = expected.replication_stats[i] if i < 4 else ccsim.runner.simulate_replication(sc, i)
        assert_same_waits(batch.results[i], want)
    if backend == "processes":  # the pool's workers are gone, not left running
        alive = [p for p in psutil.Process().children(recursive=True) if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE]
        assert alive == []


def test_interrupted_simulate_is_partial(serial):
    sc, _ = serial
    result = simulate(sc, replications=6, progress=InterruptAfter(3), backend="inprocess")
    assert result.partial and result.replications == 3
    assert result.to_dict()["partial"] is True
    with pytest.raises(KeyboardInterrupt):  # nothing finished: nothing to summarise
        simulate(sc, progress=InterruptAfter(0), backend="inprocess")


def test_dask_backend_without_a_scheduler_is_an_error(monkeypatch):
    monkeypatch.delenv(runner.SCHEDULER_ENV, raising=False)
    with pytest.raises(RunnerError, match="scheduler"):
        run_units([(small(), 0)], backend="dask")


def test_cli_workers_and_scheduler_give_the_same_json(cli, dask_cluster):
    path = REPO / "scenarios" / "reference_mmn.yaml"
    runs = [cli("run", path, "-r", "3", "--json", *flags) for flags in ([], ["--workers", "2"], ["--scheduler", dask_cluster.scheduler_address])]
    assert [r.exit_code for r in runs] == [0, 0, 0], runs[0].output
    docs = [json.loads(r.stdout) for r in runs]
    for d in docs:
        d.pop("wall_time_seconds")
    assert docs[0] == docs[1] == docs[2]


def test_ctrl_c_on_the_cli_writes_partial_results(tmp_path):
    """A real SIGINT to the process group, as a terminal sends it, while a process pool runs."""
    sc = tmp_path / "many.yaml"
    # far more work than the test waits for, so the SIGINT always lands mid-run however fast the engine
    sc.write_text(json.dumps(reference(horizon={"hours": 2, "interval_minutes": 30}, replications=30000)))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", str(sc), "--workers", "2", "--out", str(out), "--json"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, text=True,
    )
    # wait until the workers have done some work (a replication takes ~20 ms), however slow the machine
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            workers = psutil.Process(proc.pid).children()
            if len(workers) >= 2 and sum(w.cpu_times().user for w in workers) > 1.0:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    written = json.loads((out / "summary.json").read_text())
    assert written["partial"] is True
    assert 1 <= written["replications"] < 30000
    assert json.loads(stdout)["replications"] == written["replications"]
    assert (out / "report.html").stat().st_size > 0 and (out / "intervals.csv").stat().st_size > 0
