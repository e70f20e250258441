"""For analysts: every result as a pandas DataFrame (interval start as a real time, mean, lo and hi
per figure), a one-line repr, and staff, trap and calibrate in the public API without making
``import ccsim`` slower."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import ccsim
from ccsim.results import interval_starts

from conftest import REPO, SCENARIOS, reference


@pytest.fixture(scope="module")
def two_pools() -> ccsim.SimulationResult:
    return ccsim.simulate(ccsim.load_scenario(SCENARIOS / "two_pool_day.yaml"), replications=3)


def close(value, want) -> bool:
    return (want is None and math.isnan(value)) or value == pytest.approx(want, rel=1e-12)


def test_a_run_as_a_frame_by_interval_and_contact_type(two_pools):
    df = two_pools.to_pandas()
    assert df.index.names == ["interval_start", "contact_type"]
    assert df.columns.names == ["metric", "stat"]
    assert len(df) == 24 * 2 and list(df.index[:2]) == [(dt.time(8, 0), "sales"), (dt.time(8, 0), "support")]
    assert list(df.columns.levels[1]) == ["hi", "lo", "mean"] and df.shape[1] == 3 * len(two_pools.interval_columns())
    assert df.columns.get_level_values(0).unique().tolist() == [c.name for c in two_pools.interval_columns()]  # the CSV's figures
    est = two_pools.intervals_by_contact_type["support"]["service_level"][5]
    row = df.loc[(dt.time(10, 30), "support"), "service_level"]
    assert (row["mean"], row["lo"], row["hi"]) == pytest.approx((est.mean, est.lo, est.hi))
    assert df.loc[(dt.time(10, 30), "sales"), ("occupancy_support_desk", "mean")] != df.loc[(dt.time(10, 30), "sales"), ("occupancy_support_desk", "mean")]  # NaN: not its pool
    # every cell is the JSON's figure
    for want in two_pools.to_dict()["by_interval"][:6]:
        got = df.loc[(dt.time.fromisoformat(want["interval_start"]), want["contact_type"])]
        for m in ("offered", "asa_seconds", "redials", "wait_p90_seconds"):
            assert close(got[(m, "mean")], want[m]["mean"]) and close(got[(m, "lo")], want[m]["ci95"][0]) and close(got[(m, "hi")], want[m]["ci95"][1])


def test_a_run_as_a_frame_by_pool(two_pools):
    df = two_pools.to_pandas(by="pool")
    assert df.index.names == ["interval_start", "pool"] and len(df) == 48
    assert df.columns.get_level_values(0).unique().tolist() == ["occupancy", "agents", "agents_scheduled", "shrinkage"]
    assert df.xs("support_desk", level="pool")[("agents_scheduled", "mean")].iloc[0] == 20
    with pytest.raises(ValueError, match="by must be"):
        two_pools.to_pandas(by="day")


def test_undefined_figures_are_nan_and_one_replication_has_no_interval():
    quiet = reference(horizon={"hours": 1, "interval_minutes": 30})
    quiet["contact_types"]["calls"]["arrivals"] = {"volumes": [0, 40]}
    df = ccsim.simulate(ccsim.scenario_from_dict(quiet), replications=1).to_pandas()
    first, second = df.iloc[0], df.iloc[1]
    assert np.isnan(first[("asa_seconds", "mean")])  # nobody was answered in an empty interval
    assert not np.isnan(second[("asa_seconds", "mean")]) and np.isnan(second[("asa_seconds", "lo")])


def test_interval_starts_are_real_times():
    hz = ccsim.scenario_from_dict(reference(horizon={"start": "20:00", "end": "06:00", "interval_minutes": 60})).horizon
    assert interval_starts(hz)[:5] == [dt.time(20), dt.time(21), dt.time(22), dt.time(23), dt.time(0)]
    dated = interval_starts(hz, "2026-03-02")
    assert dated[0] == dt.datetime(2026, 3, 2, 20) and dated[-1] == dt.datetime(2026, 3, 3, 5)
    week = ccsim.scenario_from_dict(reference(horizon={"start": "08:00", "hours": 48, "interval_minutes": 60})).horizon
    assert interval_starts(week)[24] == dt.timedelta(days=1, hours=8)  # more than a day: time since the first midnight


def test_a_date_gives_a_datetime_index(two_pools):
    df = two_pools.to_pandas(date=dt.date(2026, 3, 2))
    starts = df.index.get_level_values("interval_start")
    assert isinstance(starts, pd.DatetimeIndex) and starts[0] == pd.Timestamp("2026-03-02 08:00")
    assert df.xs(pd.Timestamp("2026-03-02 12:00"), level="interval_start").shape[0] == 2


def test_compare_staff_and_trap_results_as_frames():
    sc = ccsim.load_scenario(SCENARIOS / "team_of_8.yaml")
    cmp = ccsim.compare([sc], replications=3)
    df = cmp.to_pandas()
    assert df.index.names == ["plan", "interval_start", "contact_type"]
    assert df.index.get_level_values("plan").unique().tolist() == cmp.plan_labels
    nine = cmp.results[cmp.index("nine_agents")].intervals_by_contact_type["calls"]["service_level"][3]
    assert df.loc[("nine_agents", dt.time(10, 30), "calls"), ("service_level", "mean")] == pytest.approx(nine.mean)

    res = ccsim.staff(sc, replications=3)
    staffed = res.to_pandas()
    assert staffed.index.names == ["plan", "interval_start", "pool"]
    assert staffed.index.get_level_values("plan").unique().tolist() == list(res.plans)
    for plan, agents in res.plans.items():
        assert staffed.xs(plan)[("agents_scheduled", "mean")].tolist() == pytest.approx(agents["desk"])
    assert res.to_pandas(by="contact_type").index.names == ["plan", "interval_start", "contact_type"]

    trap = ccsim.trap.explore(sc, scales=(0.8, 1.2), replications=3, causes=False)
    swept = trap.to_pandas()
    assert swept.index.names == ["scale", "interval_start", "contact_type"]
    assert swept.index.get_level_values("scale").unique().tolist() == [0.8, 1.0, 1.2]
    assert swept.columns.get_level_values(0).unique().tolist() == ["service_level", "abandon_rate"]
    point = trap.points[0].interval_sl["calls"][2]
    assert swept.loc[(0.8, dt.time(10, 0), "calls"), ("service_level", "lo")] == pytest.approx(point.lo)

    for result in (cmp, res, trap, cmp.results[0]):
        text = repr(result)
        assert len(text) < 120 and "\n" not in text, text
    assert repr(cmp.results[0]) == "SimulationResult('Team of 8', 3 replications, 16 intervals, 1 contact type, 1 pool)"
    assert repr(trap) == "TrapResult('Team of 8', 3 staffing levels, 3 replications)"


def test_the_public_api_loads_staff_trap_and_calibrate_on_first_use():
    probe = (
        "import sys, json, ccsim\n"
        "before = [m for m in ('ccsim.staffing', 'ccsim.trap', 'ccsim.calibrate', 'pandas', 'openpyxl') if m in sys.modules]\n"
        "names = {n: type(getattr(ccsim, n)).__name__ for n in ccsim.__all__}\n"
        "print(json.dumps([before, names, callable(ccsim.trap.explore), callable(ccsim.calibrate.calibrate)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True).stdout
    before, names, *callables = json.loads(out)
    assert before == []
    assert names["staff"] == "function" and names["StaffResult"] == names["TrapResult"] == "type"
    assert names["trap"] == names["calibrate"] == "module" and callables == [True, True]
    with pytest.raises(AttributeError, match="no attribute 'staf'"):
        ccsim.staf  # noqa: B018
