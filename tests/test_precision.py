"""Enough replications, said out loud: --precision runs until the figures are readable, and too few
replications or too wide an interval is a warning, on stderr and in the reports."""

import json

import pytest
from typer.testing import CliRunner

import ccsim
from ccsim.evaluation import READABLE_HALF_WIDTH, day_shares, readability_warnings
from ccsim.runner import service_level_half_widths, simulate, until_precise
from ccsim.scenario import scenario_from_dict
from cli import app


def mmn_day(path=None, replications: int = 10):
    """M/M/n+M for two hours: 400 calls an hour, AHT 180 s, patience 120 s, 22 agents, 80/20."""
    raw = {
        "name": "M/M/n+M", "seed": 5, "replications": replications, "warmup_minutes": 30,
        "horizon": {"start": "08:00", "hours": 2, "interval_minutes": 30},
        "contact_types": {"calls": {
            "arrivals": {"per_hour": 400}, "handle_time": {"dist": "exponential", "mean": 180},
            "patience": {"dist": "exponential", "mean": 120}, "service_level": {"seconds": 20, "target": 0.8},
        }},
        "agent_pools": {"team": {"skills": ["calls"], "agents": 22}},
    }
    if path is not None:
        import yaml

        path.write_text(yaml.safe_dump(raw))
        return str(path)
    return scenario_from_dict(raw)


def test_precision_reaches_its_target_on_mmn_and_says_how_many_replications(tmp_path):
    """The uncut 95% half-width of the day's service level is at most the target after the run,
    was above it one replication earlier (the batches stop as soon as it is reached, give or take
    a batch), and the JSON's replications are those run; the days are the same as a plain run of
    that many replications."""
    path = mmn_day(tmp_path / "mmn.yaml")
    r = CliRunner().invoke(app, ["run", path, "--precision", "0.01", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    n = data["replications"]
    assert n > 10
    sc = mmn_day()
    again = simulate(sc, precision=0.01)
    assert again.replications == n
    assert max(service_level_half_widths(sc, again.replication_stats)) <= 0.01
    assert max(service_level_half_widths(sc, again.replication_stats[: n // 2])) > 0.01  # not run far past it
    plain = simulate(sc, replications=n)
    assert plain.by_contact_type["calls"]["service_level"] == again.by_contact_type["calls"]["service_level"]
    assert data["by_contact_type"]["calls"]["service_level"]["mean"] == pytest.approx(plain.by_contact_type["calls"]["service_level"].mean)
    assert "warning" not in r.stderr


def test_the_cap_stops_the_batches_and_says_so(tmp_path):
    path = mmn_day(tmp_path / "mmn.yaml")
    r = CliRunner().invoke(app, ["run", path, "--precision", "0.001", "--max-replications", "25", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["replications"] == 25
    assert "warning: --precision 0.001 not reached: after 25 replications" in r.stderr


def test_batches_are_sized_from_the_half_width_and_grow_at_most_fourfold():
    runs = []

    def run_batch(first, stop):
        runs.append((first, stop))
        return True

    widths = iter([0.04, 0.02, 0.009])  # a half-width falls as 1/sqrt(n): 0.04 at 10 days asks for 160 for 0.01
    assert until_precise(run_batch, lambda: next(widths), 10, 0.01, 1000) == 160
    assert runs == [(0, 10), (10, 40), (40, 160)]  # at most 4x what ran, then (0.02 / 0.01)^2 x 40
    runs.clear()
    assert until_precise(run_batch, lambda: 1.0, 10, None, 1000) == 10 and runs == [(0, 10)]
    runs.clear()
    assert until_precise(run_batch, lambda: float("inf"), 2, 0.01, 20) == 20 and runs == [(0, 2), (2, 8), (8, 20)]


def test_few_replications_and_wide_figures_are_warnings_on_stderr_and_in_the_reports(tmp_path):
    default = str(ccsim.bundled_scenario_path("default"))
    r = CliRunner().invoke(app, ["run", default, "-r", "2", "--json", "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    json.loads(r.stdout)  # stdout holds the JSON only
    assert "warning: only 2 replications" in r.stderr and "warning: too wide to read" in r.stderr
    assert "Warning:</span> only 2 replications" in (tmp_path / "run" / "report.html").read_text()
    quiet = CliRunner().invoke(app, ["run", default, "--json"])
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr  # the file's 10 days are readable

    trap = CliRunner().invoke(app, ["trap", str(ccsim.bundled_scenario_path("lesson_understaffing_trap")), "-r", "2", "--points", "3", "--no-causes", "--out", str(tmp_path / "trap")])
    assert trap.exit_code == 0, trap.output
    assert "warning: only 2 replications" in trap.stderr and "too wide to read" in trap.stderr
    assert "Warning:</span> too wide to read" in (tmp_path / "trap" / "trap_report.html").read_text()

    staff = CliRunner().invoke(app, ["staff", default, "-r", "3", "--out", str(tmp_path / "staff")])
    assert staff.exit_code == 0, staff.output
    assert "warning: only 3 replications" in staff.stderr
    assert "Warning:</span> only 3 replications" in (tmp_path / "staff" / "staff_report.html").read_text()


def test_a_wide_share_is_named_and_a_narrow_one_is_not():
    from ccsim.metrics import Estimate

    wide = Estimate(0.5, 0.5 - READABLE_HALF_WIDTH - 0.01, 0.5 + READABLE_HALF_WIDTH + 0.01, 20)
    narrow = Estimate(0.9, 0.88, 0.92, 20)
    [line] = readability_warnings(20, {"phone service level": wide, "chat service level": narrow})
    assert "phone service level 50.0% ± 11.0%" in line and "chat" not in line
    assert readability_warnings(20, {"chat service level": narrow}) == []
    res = simulate(mmn_day(), replications=3)
    assert set(day_shares(res)) == {"calls service level", "calls abandon rate"}


def test_trap_and_staff_take_precision():
    """The trap's sweep adds replications for every staffing level alike; staff adds fresh days."""
    from ccsim.staffing import staff
    from ccsim.trap import explore

    sc = mmn_day(replications=4)
    res = explore(sc, scales=(0.8, 1.0, 1.2), causes=False, precision=0.03)
    assert res.replications > 4 and res.widest_half_width <= 0.03 and res.warnings() == []
    assert all(p.measures["service_level"].n == res.replications for p in res.points)
    st = staff(sc, replications=4, precision=0.03)
    assert st.evaluation_replications > 4 and st.isa.replications == 4
    assert max(max(service_level_half_widths(sc, r.replication_stats)) for r in st.achieved.values()) <= 0.03


def test_compare_takes_precision_for_every_plan_alike():
    """Every plan gets the same replications, so the differences stay paired; the days are those
    of a plain comparison of that many replications."""
    from ccsim.compare import compare

    base = mmn_day(replications=4)
    fewer = base.model_copy(update={"agent_pools": {"team": base.agent_pools["team"].model_copy(update={"agents": [20] * 4})}})
    cmp = compare([("22 agents", base), ("20 agents", fewer)], precision=0.03)
    assert cmp.replications > 4
    assert max(max(service_level_half_widths(base, r.replication_stats)) for r in cmp.results) <= 0.03
    plain = compare([("22 agents", base), ("20 agents", fewer)], replications=cmp.replications)
    assert [r.by_contact_type["calls"]["service_level"] for r in plain.results] == [r.by_contact_type["calls"]["service_level"] for r in cmp.results]
