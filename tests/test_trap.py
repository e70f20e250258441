"""ccsim trap: the sweep is monotone where theory says it must be, and the cliff is marked."""

import json

import ccsim
from ccsim.trap import explore, realities


def test_sweep_monotone_and_cliff():
    sc = ccsim.load_scenario(ccsim.bundled_scenario_path("default"))
    res = explore(sc, scales=(0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3), replications=8, causes=False)
    pts = sorted(res.points, key=lambda p: p.agents)
    sl = [p.measures["service_level"].mean for p in pts]
    ab = [p.measures["abandon_rate"].mean for p in pts]
    # common random numbers: more agents never lower the expected service level beyond noise
    assert all(b >= a - 0.005 for a, b in zip(sl, sl[1:])), sl
    assert all(b <= a + 0.005 for a, b in zip(ab, ab[1:])), ab
    assert sl[-1] - sl[0] > 0.2  # the sweep spans the cliff
    c = res.cliff  # the default day's redials make a cliff (tests/test_trap_cliff.py checks its definition)
    assert c["agents"] < c["above_agents"] and c["feedback_cost"]["mean"] >= 0.05
    data = json.loads(json.dumps(res.to_dict()))
    assert {"scale", "agents", "service_level", "asa_seconds", "abandon_rate", "occupancy", "offered", "feedback_cost"} <= set(data["sweep"][0])
    assert set(data["sweep"][0]["service_level"]) == {"mean", "ci95"}
    assert res.verdict.startswith("The cliff: ")


def test_realities_are_found_generically():
    sc = ccsim.load_scenario(ccsim.bundled_scenario_path("two_pool_day"))
    keys = [r.key for r in realities(sc)]
    assert keys[:2] == ["patience", "handle_time"]
    assert {"shrinkage", "redial", "pooling"} <= set(keys)
    off = sc
    for r in realities(sc):
        off = r.off(off)
    assert len(off.agent_pools) == 1 and all(ct.patience is None and ct.redial is None for ct in off.contact_types.values())
    assert realities(off) == []


def test_cli_trap_json():
    from typer.testing import CliRunner

    from cli import app

    r = CliRunner().invoke(app, ["trap", str(ccsim.bundled_scenario_path("default")), "-r", "3", "--points", "4", "--no-causes", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert {"sweep", "cliff", "gap_by_cause"} <= set(data)


def test_staff_and_trap_run_on_a_dask_cluster_with_the_same_answer(dask_cluster):
    """--scheduler reaches the runner: a real two-worker cluster gives the in-process numbers."""
    from typer.testing import CliRunner

    from cli import app

    path = str(ccsim.bundled_scenario_path("default"))
    commands = (["trap", path, "-r", "3", "--points", "3", "--no-causes", "--json"], ["staff", path, "-r", "3", "--json"])

    def chunks_run() -> int:  # replication chunks the cluster has computed so far
        prefix = dask_cluster.scheduler.task_prefixes.get("run_chunk")
        return prefix.state_counts["memory"] if prefix is not None else 0

    for args in commands:
        here = CliRunner().invoke(app, args)
        before = chunks_run()
        there = CliRunner().invoke(app, args + ["--scheduler", dask_cluster.scheduler_address])
        assert here.exit_code == 0 and there.exit_code == 0, there.output
        assert chunks_run() > before, args[0]  # the replications really ran on the cluster
        a, b = json.loads(here.stdout), json.loads(there.stdout)
        for d in (a, b):
            for key in ("wall_time_seconds", "timings_seconds"):
                d.pop(key, None)
        assert a == b, args[0]
