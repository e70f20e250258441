"""Signals and dead workers: SIGTERM, Ctrl-C pressed again, a killed worker, an interrupted compare,
Ctrl-C during start-up and an unusable scheduler, each as a user meets it.

The signal tests send real signals to a real ``python -m cli`` in its own session, as a terminal
or a process manager does. Each asks for far more replications (about 10 ms each) than it waits
for, and signals once the workers have done some work (their CPU time, polled), so the signal
always lands mid-run however fast or busy the machine. No worker may outlive the command.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import ccsim
from ccsim import runner
from ccsim.runner import run_units

from conftest import REPO, reference
from test_runner import InterruptAfter, assert_same_waits, small

MANY = reference(horizon={"hours": 2, "interval_minutes": 30}, replications=30000)


class Command:
    """``python -m cli ARGS`` started as a terminal starts it (its own process group)."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", *map(str, args)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, text=True,
        )

    def busy_workers(self, cpu_s: float = 1.0) -> list[psutil.Process]:
        """The two pool workers, once they have run ``cpu_s`` seconds of replications between them."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = psutil.Process(self.proc.pid).children()
            if len(workers) == 2 and sum(w.cpu_times().user for w in workers) > cpu_s:
                return workers
            time.sleep(0.05)
        raise AssertionError("the workers never got going")

    def press(self, sig: int = signal.SIGINT) -> None:
        """A signal to the whole process group, as Ctrl-C in a terminal sends it."""
        os.killpg(self.proc.pid, sig)

    def finish(self) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        """Whatever is left of it, if a test failed half-way."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.communicate()


@pytest.fixture
def command():
    started: list[Command] = []

    def start(*args) -> Command:
        started.append(Command(*args))
        return started[-1]

    yield start
    for c in started:
        c.kill()


def assert_gone(workers: list[psutil.Process]) -> None:
    alive = [w.pid for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], "worker processes left running"


def scenario_file(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "many.yaml"
    path.write_text(json.dumps(data))
    return path


def written_summary(out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    assert summary["partial"] is True and 1 <= summary["replications"] < 30000
    assert (out / "intervals.csv").stat().st_size > 0 and (out / "report.html").stat().st_size > 0
    return summary


@pytest.mark.parametrize("stop, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_to_the_parent_keeps_what_finished_and_leaves_no_worker(command, tmp_path, stop, code):
    """`kill PID` or a process manager (SIGTERM), or the terminal closing (SIGHUP), to the parent only."""
    out = tmp_path / "out"
    ccsim_run = command("run", scenario_file(tmp_path, MANY), "--workers", "2", "--out", out, "--json")
    workers = ccsim_run.busy_workers()
    os.kill(ccsim_run.proc.pid, stop)
    exit_code, stdout, stderr = ccsim_run.finish()
    assert exit_code == code, stderr
    assert "Traceback" not in stderr
    summary = written_summary(out)
    assert json.loads(stdout)["replications"] == summary["replications"]
    assert_gone(workers)


@pytest.mark.parametrize("gaps", [(0.5,), (0.02, 0.02)], ids=["twice, half a second apart", "three times at once"])
def test_ctrl_c_again_while_stopping_finishes_the_stop(command, tmp_path, gaps):
    out = tmp_path / "out"
    ccsim_run = command("run", scenario_file(tmp_path, MANY), "--workers", "2", "--out", out, "--json")
    workers = ccsim_run.busy_workers()
    ccsim_run.press()
    for gap in gaps:
        time.sleep(gap)
        ccsim_run.press()
    code, stdout, stderr = ccsim_run.finish()  # within the timeout: no hang at exit
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert json.loads(stdout)["replications"] == written_summary(out)["replications"]
    assert_gone(workers)


def test_a_killed_worker_is_one_line_and_what_finished_is_kept(command, tmp_path):
    out = tmp_path / "out"
    ccsim_run = command("run", scenario_file(tmp_path, MANY), "--workers", "2", "--out", out, "--json")
    workers = ccsim_run.busy_workers()
    workers[0].kill()  # SIGKILL, as the out-of-memory killer sends it
    code, stdout, stderr = ccsim_run.finish()
    assert code == 1, stderr
    summary = written_summary(out)
    assert stderr.splitlines() == [
        f"error: worker process {workers[0].pid} died (killed by SIGKILL); the run stopped with "
        f"{summary['replications']} of 30000 replications finished"
    ]
    assert json.loads(stdout)["replications"] == summary["replications"]
    assert_gone(workers)


def test_compare_interrupted_early_keeps_paired_replications_of_every_plan(command, tmp_path):
    """Three plans of 30,000 replications, interrupted long before the first plan could finish:
    the replications finished for every plan are compared (offered differs by exactly zero: the
    same days), where running the plans one after another kept nothing."""
    plans = dict(MANY, variants={"more": {"agent_pools": {"team": {"agents": 95}}}, "fewer": {"agent_pools": {"team": {"agents": 85}}}})
    out = tmp_path / "out"
    ccsim_compare = command("compare", scenario_file(tmp_path, plans), "--workers", "2", "--out", out, "--json")
    workers = ccsim_compare.busy_workers()
    ccsim_compare.press()
    code, stdout, stderr = ccsim_compare.finish()
    assert code == 130, stderr
    written = json.loads((out / "comparison.json").read_text())
    assert written["partial"] is True and 1 <= written["replications"] < 30000
    assert json.loads(stdout)["replications"] == written["replications"]
    assert [p["label"] for p in written["plans"]] == ["base", "more", "fewer"]
    offered = [d["day"] for d in written["differences"] if d["metric"] == "offered" and d["scope"] == "contact_type"]
    assert len(offered) == 2 and all(d["mean"] == 0 and d["ci95"] == [0, 0] for d in offered)
    assert_gone(workers)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="watches the start-up through /proc")
def test_ctrl_c_during_start_up_exits_130_without_a_traceback(command, tmp_path):
    ccsim_run = command("run", "-r", "2", "--json")
    deadline = time.monotonic() + 30
    # numpy is loaded by `import ccsim`, about half a second before the command can start
    while "numpy" not in Path(f"/proc/{ccsim_run.proc.pid}/maps").read_text():
        assert time.monotonic() < deadline, "ccsim never started importing"
        time.sleep(0.005)
    ccsim_run.press()
    code, stdout, stderr = ccsim_run.finish()
    assert (code, stdout, stderr) == (130, "", "")


@pytest.mark.parametrize("address", ["garbage", "http://localhost:8786"])
def test_an_unusable_scheduler_is_refused_at_once(cli, monkeypatch, address):
    for args, env in ((["--scheduler", address], None), ([], address)):
        if env is not None:
            monkeypatch.setenv(runner.SCHEDULER_ENV, env)
        started = time.monotonic()
        res = cli("run", "-r", "2", *args)
        assert time.monotonic() - started < 10
        assert res.exit_code == 2
        assert res.output.startswith(f"error: cannot use Dask scheduler address '{address}': ")
        assert res.output.count("\n") == 1


# --- the same in process: the runner's pool and compare's order ---------------------------------


def test_a_dead_pool_worker_stops_the_batch_keeping_what_finished(caplog, monkeypatch):
    monkeypatch.setattr(runner.log, "disabled", False)  # import-linter (test_layers) configures logging, disabling existing loggers
    sc = small(replications=40)

    def kill_a_worker(done: int, total: int) -> None:
        if done == 3:
            victim = next(p for p in multiprocessing.active_children() if p.name == "ccsim-worker")
            os.kill(victim.pid, signal.SIGKILL)

    batch = run_units([(sc, r) for r in range(40)], workers=2, progress=kill_a_worker, chunksize=1)
    assert batch.interrupted
    kept = [i for i, r in enumerate(batch.results) if r is not None]
    assert 3 <= len(kept) < 40
    for i in kept[:3]:  # whole, correct replications
        assert_same_waits(batch.results[i], runner.simulate_replication(sc, i))
    [record] = [r for r in caplog.records if r.name == "ccsim.runner"]
    assert record.levelname == "ERROR"
    assert re.fullmatch(rf"worker process \d+ died \(killed by SIGKILL\); the run stopped with {len(kept)} of 40 replications finished", record.getMessage())
    assert [p for p in multiprocessing.active_children() if p.name == "ccsim-worker"] == []


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patched task reaches the workers by fork")
def test_an_error_in_a_worker_is_raised_here_with_its_traceback(monkeypatch):
    def broken(scenario, replications, records=False):
        raise ZeroDivisionError("a bug in the model")

    monkeypatch.setattr(runner, "run_chunk", broken)
    with pytest.raises(ZeroDivisionError, match="a bug in the model") as caught:
        run_units([(small(), r) for r in range(4)], workers=2)
    assert any("in worker process" in note and "broken" in note for note in caught.value.__notes__)
    assert [p for p in multiprocessing.active_children() if p.name == "ccsim-worker"] == []


@pytest.mark.parametrize("finished, pairs", [(3, 1), (5, 2)])
def test_an_interrupted_compare_is_the_comparison_of_the_pairs_that_finished(finished, pairs):
    """Units run replication by replication across the plans, so ``finished`` units make ``pairs``
    whole pairs, and the partial comparison is exactly the comparison of that many replications."""
    plans = [("a", small()), ("b", small(agent_pools={"team": {"skills": ["calls"], "agents": 85}}))]
    partial = ccsim.compare(plans, replications=6, progress=InterruptAfter(finished), workers=1)
    whole = ccsim.compare(plans, replications=pairs, workers=1)
    assert partial.partial and partial.replications == pairs
    got, want = partial.to_dict(), whole.to_dict()
    note = f"interrupted: {pairs} of 6 replications finished for every plan; results are partial"
    assert got.pop("notes") == [note] and want.pop("notes") == []
    assert got.pop("summary") == want.pop("summary") + [note]
    assert got.pop("partial") is True and want.pop("partial") is False
    got.pop("wall_time_seconds"), want.pop("wall_time_seconds")
    assert got == want
