"""The trap's cliff means something: where redials (and the like) make the service level fall away
from what the same plans give without them. None on a plain M/M/n+M day; present with strong redials."""

import json

import pytest
from typer.testing import CliRunner

from ccsim.scenario import scenario_from_dict
from ccsim.trap import CLIFF_POINTS, explore, gap_by_cause
from cli import app


def day(redial: float | None, seed: int = 4) -> dict:
    """Four hours of 400 calls an hour, AHT 180 s, exponential patience 60 s, 80/20; with
    ``redial``, that share of those who give up call again about two minutes later."""
    calls = {
        "arrivals": {"per_hour": 400}, "handle_time": {"dist": "exponential", "mean": 180},
        "patience": {"dist": "exponential", "mean": 60}, "service_level": {"seconds": 20, "target": 0.8},
    }
    if redial is not None:
        calls["redial"] = {"probability": redial, "delay": {"dist": "exponential", "mean": 120}, "max_attempts": 5}
    return {
        "name": "M/M/n+M" + (f" with {redial:.0%} redials" if redial else ""), "seed": seed, "replications": 10, "warmup_minutes": 30,
        "horizon": {"start": "08:00", "hours": 4, "interval_minutes": 30},
        "contact_types": {"calls": calls}, "agent_pools": {"team": {"skills": ["calls"], "agents": 22}},
    }


SCALES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3)


def test_no_cliff_on_a_plain_mmn_sweep(tmp_path):
    """Nothing feeds the waits back into the load: the service level falls as a slope, however
    steep, and the JSON, the terminal and the report say there is no cliff in this range."""
    res = explore(scenario_from_dict(day(None)), scales=SCALES, causes=False)
    sl = [p.measures["service_level"].mean for p in sorted(res.points, key=lambda p: p.agents)]
    assert sl[-1] - sl[0] > 0.3  # a steep sweep all the same
    assert res.cliff is None and res.cliff_note.startswith("no cliff in this range")
    assert all(p.feedback_cost is None for p in res.points)
    assert json.loads(json.dumps(res.to_dict()))["cliff"] is None
    path = tmp_path / "mmn.yaml"
    path.write_text(json.dumps(day(None)))
    r = CliRunner().invoke(app, ["trap", str(path), "--no-causes", "--points", "5", "--out", str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "no cliff in this range" in r.stdout and "No cliff in this range" in r.stdout  # the note and the verdict
    assert "No cliff in this range" in (tmp_path / "out" / "trap_report.html").read_text()


def test_strong_redials_make_a_cliff_that_stays_put_when_the_range_widens():
    """With 80% of abandoners calling again, the realistic curve falls away from the same plans
    without redials (simulated on the same days): the cliff is the most agents at which redials cost
    at least five points, significantly, below a staffing where they cost less. Adding levels below
    the range does not move it (the steepest-segment cliff moved with --from)."""
    sc = scenario_from_dict(day(0.8))
    res = explore(sc, scales=SCALES, causes=False)
    c = res.cliff
    assert c is not None, res.cliff_note
    assert c["feedback"] == ["redials"]
    assert c["feedback_cost"]["mean"] >= CLIFF_POINTS and c["feedback_cost"]["ci95"][0] > 0
    assert c["above_feedback_cost"]["mean"] < CLIFF_POINTS and c["above_agents"] > c["agents"]
    at = next(p for p in res.points if p.scale == c["scale"])
    assert at.without_feedback.mean - at.measures["service_level"].mean == pytest.approx(c["feedback_cost"]["mean"])
    below = [p for p in res.points if p.agents < c["agents"]]
    assert below and all(p.feedback_cost.mean > c["feedback_cost"]["mean"] for p in below)  # it only gets worse below the edge
    wider = explore(sc, scales=(0.5, 0.55) + SCALES, causes=False)
    assert wider.cliff["scale"] == c["scale"]
    assert res.verdict.startswith("The cliff: below ")
    data = json.loads(json.dumps(res.to_dict()))
    assert data["cliff"] == c and "feedback_cost" in data["sweep"][0]


def test_a_cause_that_lowers_the_requirement_says_why():
    """Patience lowers the requirement below Erlang C's: the step says so, and why."""
    gap = gap_by_cause(scenario_from_dict(day(None)), replications=5)
    [patience] = [s for s in gap["steps"] if s["cause"] == "patience"]
    assert patience["delta_agent_hours"] < 0
    assert patience["why_lower"].startswith("Erlang C is pessimistic when customers abandon")
    assert all(s["why_lower"] is None for s in gap["steps"] if s["delta_agent_hours"] >= 0)
