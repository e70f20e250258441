"""The columns that matter: intervals.csv (and the Excel intervals sheet, and ``to_pandas``) carry a
behaviour's figures only when the scenario switches that behaviour on, while the JSON keeps every
key; every core figure keeps its place, and the agents present in each type's pools come after them."""

from __future__ import annotations

import csv
import io

import pytest

import ccsim
from ccsim.metrics import TYPE_METRICS
from ccsim.results import BEHAVIOUR_METRIC_NAMES
from ccsim.scenario_behaviours import relevant_metrics

from conftest import SCENARIOS, reference

CORE = [m.name for m in TYPE_METRICS if m.name not in BEHAVIOUR_METRIC_NAMES]


def header(result: ccsim.SimulationResult) -> list[str]:
    return next(csv.reader(io.StringIO(result.interval_csv())))


def figures(columns: list[str]) -> list[str]:
    return [c for c in columns[2:] if not c.endswith(("_lo", "_hi"))]


def test_core_metrics_are_the_ones_every_day_has():
    assert CORE == [
        "offered", "answered", "abandoned", "service_level", "asa_seconds", "mean_wait_seconds", "wait_p90_seconds", "abandon_rate",
        "max_queue", "mean_queue", "wait_p50_seconds", "wait_p95_seconds",
    ]


def test_a_day_without_behaviours_has_no_behaviour_column_but_its_json_keeps_them():
    result = ccsim.simulate(ccsim.scenario_from_dict(reference(horizon={"hours": 1, "interval_minutes": 30})), replications=2)
    columns = header(result)
    assert columns[:2] == ["interval_start", "contact_type"]
    assert figures(columns) == CORE + ["agents", "occupancy_team"]
    assert columns[2:5] == ["offered", "offered_lo", "offered_hi"]
    assert columns[-6:] == ["agents", "agents_lo", "agents_hi", "occupancy_team", "occupancy_team_lo", "occupancy_team_hi"]
    json_row = result.to_dict()["by_interval"][0]
    assert {m.name for m in TYPE_METRICS} <= set(json_row)  # the JSON: every key, zeros where a behaviour is off


def test_a_behaviour_on_one_type_adds_its_columns_in_their_old_places():
    result = ccsim.simulate(ccsim.load_scenario(SCENARIOS / "two_pool_day.yaml"), replications=2)
    shown = figures(header(result))
    wanted = set(relevant_metrics(result.scenario)["support"])
    assert "redials" in wanted and "customers" in wanted  # redials on support: its customers are tracked
    assert [m for m in shown if m in BEHAVIOUR_METRIC_NAMES] == [m.name for m in TYPE_METRICS if m.name in wanted]
    assert not {"balked", "bot_contained", "transfers", "silent_abandons", "callbacks_kept"} & set(shown)
    order = [m.name for m in TYPE_METRICS]
    metrics = [m for m in shown if m in order]
    assert metrics == sorted(metrics, key=order.index)  # every kept column in its place order
    assert shown[len(metrics):] == ["agents", "occupancy_sales_desk", "occupancy_support_desk"]
    rows = list(csv.DictReader(io.StringIO(result.interval_csv())))
    sales = rows[0]
    assert sales["contact_type"] == "sales" and sales["redials"] == "0.0"  # a column on for one type shows the others' zeros
    assert sales["occupancy_support_desk"] == ""  # a pool that does not serve the type


def test_agents_are_those_present_in_the_pools_serving_the_type():
    result = ccsim.simulate(ccsim.load_scenario(SCENARIOS / "two_pool_day.yaml"), replications=3)
    sales, support = result.type_agents("sales"), result.type_agents("support")
    desk, line = result.intervals_by_pool["sales_desk"]["agents"], result.intervals_by_pool["support_desk"]["agents"]
    assert sales.mean == pytest.approx(desk.mean)
    assert support.mean == pytest.approx(desk.mean + line.mean)
    assert (support.lo <= support.mean).all() and (support.mean <= support.hi).all()
    # shrinkage: fewer present than the plan schedules
    assert (support.mean < result.intervals_by_pool["sales_desk"]["agents_scheduled"].mean + result.intervals_by_pool["support_desk"]["agents_scheduled"].mean).all()
