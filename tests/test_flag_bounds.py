"""Command-line flags meet the bounds the scenario itself meets: a --replications, a --target or a
trap range the scenario could not hold is refused at once, in one line naming the flag and the
limit; and staff, trap and erlang refuse exactly the scenarios run refuses, with the same lines."""

from __future__ import annotations

import time

import pytest
import yaml

import ccsim
from cli import check_replications
from conftest import reference

INF = float("inf")


def lines(res) -> list[str]:
    assert "Traceback" not in res.output, res.output
    return [line for line in res.output.splitlines() if line.startswith("error:")]


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(reference(replications=2, horizon={"hours": 1, "interval_minutes": 30})))
    return path


@pytest.fixture
def busy(tmp_path):
    """A million calls an hour for 8 hours: 8,000,000 contacts a replication."""
    d = reference()
    d["contact_types"]["calls"]["arrivals"] = {"per_hour": 10**6}
    path = tmp_path / "busy.yaml"
    path.write_text(yaml.safe_dump(d))
    return path


FLAGS = [
    (["run", "{tiny}", "-r", "100001"], "--replications 100001: must be <= 100,000"),
    (["compare", "{tiny}", "{tiny}", "-r", "1000000"], "--replications 1000000: must be <= 100,000"),
    (["staff", "{tiny}", "-r", "1000000"], "--replications 1000000: must be <= 100,000"),
    (["trap", "{tiny}", "-r", "1000000"], "--replications 1000000: must be <= 100,000"),
    (["run", "{busy}", "-r", "5000"], "--replications 5000: 5,000 replications of 8,000,000 expected contacts each, more than 10,000,000,000 contacts in all: use fewer replications"),
    (["trap", "{tiny}", "--to", "inf"], "--to inf: must be at most 10 (times the naive plan)"),
    (["trap", "{tiny}", "--to", "1000000"], "--to 1e+06: must be at most 10 (times the naive plan)"),
    (["staff", "{tiny}", "--target", "sl_seconds=inf"], "--target: seconds: Input should be a finite number"),
    (["staff", "{tiny}", "--target", "sl_seconds=1e12"], "--target: seconds: Input should be less than or equal to 2592000"),
    (["staff", "{tiny}", "--target", "asa=inf"], "--target: max_asa_seconds: Input should be a finite number"),
    (["staff", "{tiny}", "--target", "sl=nan"], "--target: target: Input should be a finite number"),
    (["trap", "{tiny}", "--target", "occupancy=inf"], "--target: max_occupancy: Input should be a finite number"),
]


@pytest.mark.parametrize("args,line", FLAGS, ids=[" ".join(a[:1] + a[2:]).replace("{tiny} ", "") for a, _ in FLAGS])
def test_a_flag_beyond_the_scenarios_bounds_is_refused_at_once(cli, tiny, busy, args, line):
    started = time.perf_counter()
    res = cli(*[a.format(tiny=tiny, busy=busy) for a in args])
    assert res.exit_code == 2 and lines(res) == [f"error: {line}"], res.output
    assert time.perf_counter() - started < 2, "refused before anything is simulated"


def test_the_most_replications_a_scenario_may_have_are_allowed(tiny):
    assert check_replications(100_000, [ccsim.load_scenario(tiny)]) is None  # no exit


def _calls(**changes) -> dict:
    d = reference(horizon={"hours": 1, "interval_minutes": 30})
    d["contact_types"]["calls"].update(changes)
    return d


#: Scenarios run refuses that staff, trap or erlang used to crash on (hardening: numbers that validate and then crash).
REFUSED = {
    "deterministic handle time of 0": _calls(handle_time={"dist": "deterministic", "mean": 0}),
    "handle time of .inf": _calls(handle_time={"dist": "exponential", "mean": INF}),
    "service-level threshold of .inf": _calls(service_level={"seconds": INF, "target": 0.8}),
}


@pytest.mark.parametrize("scenario", REFUSED.values(), ids=REFUSED.keys())
def test_staff_trap_and_erlang_refuse_what_run_refuses_with_the_same_lines(cli, tmp_path, scenario):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario))
    run = cli("run", path)
    assert run.exit_code == 2 and lines(run), run.output
    for command in (["staff"], ["trap"], ["erlang"]):
        res = cli(*command, path)
        assert res.exit_code == 2 and lines(res) == lines(run), f"{command[0]}: {res.output}"
