"""Bounds in the model: every number finite and inside what a contact center can have, so that
``validate`` refuses, at once and naming the field and the limit, what ``run`` could not do."""

from __future__ import annotations

import time

import pytest
import yaml

import ccsim
from ccsim.scenario import ScenarioError

from conftest import reference

INF, NAN = float("inf"), float("nan")
CALLBACK = {"offer_when_wait_exceeds": 60, "accept_probability": 0.5, "when": "promised"}
CALLS = reference()["contact_types"]["calls"]


def calls(**changes) -> dict:
    """The reference scenario with keys of its one contact type replaced."""
    d = reference()
    d["contact_types"]["calls"].update(changes)
    return d


def refusal(tmp_path, scenario: dict, forecast: str | None = None) -> list[str]:
    """The problems ``load_scenario`` reports for ``scenario`` (written to a file), timed."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario))
    if forecast is not None:
        (tmp_path / "f.csv").write_text(forecast)
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as err:
        ccsim.load_scenario(path)
    assert time.perf_counter() - started < 0.5, "an absurd size must be refused at once"
    return err.value.problems


FORECAST = calls(arrivals={"csv": "f.csv"})
#: The reference horizon's first 15 interval starts with ten calls each: 08:00 to 15:00.
FIFTEEN_ROWS = "".join(f"{8 + i // 2:02d}:{30 * (i % 2):02d},10\n" for i in range(15))

# (scenario, the line expected among the problems); the cases first
CASES = [
    *[(reference(horizon={"hours": v}), f"horizon -> hours: {m}") for v, m in ((INF, "must be a finite number"), (1e308, "must be <= 8,784"), (NAN, "must be a finite number"))],
    *[(reference(warmup_minutes=v), f"warmup_minutes: {m}") for v, m in ((INF, "must be a finite number"), (1e308, "must be <= 43,200"))],
    *[(calls(arrivals={"per_hour": v}), f"contact_types -> calls -> arrivals -> per_hour: {m}") for v, m in ((INF, "must be a finite number"), (1e308, "must be <= 10,000,000"), (1e9, "must be <= 10,000,000"))],
    (calls(arrivals={"volumes": [10] * 15 + [NAN]}), "contact_types -> calls -> arrivals -> volumes -> [15]: must be a finite number"),
    (calls(arrivals={"volumes": [10] * 15 + [1e308]}), "contact_types -> calls -> arrivals -> volumes -> [15]: must be <= 10,000,000"),
    (reference(horizon={"hours": 1e-300}), "horizon: the horizon (6e-299 min) is shorter than one 30-minute interval"),
    (reference(busyness={"shape": INF}), "busyness -> shape: must be a finite number"),
    (calls(handle_time={"dist": "gamma", "mean": 300, "cv": 1e-200}), "contact_types -> calls -> handle_time -> cv: must be >= 0.001"),
    (calls(patience={"dist": "weibull", "shape": 0.001, "mean": 60}), "contact_types -> calls -> patience -> shape: must be >= 0.1"),
    (calls(handle_time={"dist": "deterministic", "mean": 0}), "contact_types -> calls -> handle_time: a handle time needs a mean above 0 and finite (this one's is 0 s)"),
    (calls(handle_time={"dist": "exponential", "mean": INF}), "contact_types -> calls -> handle_time -> mean: must be a finite number"),
    (calls(handle_time={"dist": "survival_curve", "points": [[0, 1], [60, 0.5]]}), "contact_types -> calls -> handle_time: a handle time needs a mean above 0 and finite (this one's is inf s)"),
    (calls(service_level={"seconds": INF}), "contact_types -> calls -> service_level -> seconds: must be a finite number"),
    (calls(service_level={"hours": NAN}), "contact_types -> calls -> service_level: hours must be a number from 0 to 720"),
    (calls(callback={**CALLBACK, "promised_delay": 1e308}), "contact_types -> calls -> callback -> promised_delay: must be <= 2,592,000"),
    (calls(patience={"preset": ["x"]}), "contact_types -> calls -> patience: unknown preset ['x'] (known: one_minute)"),
    (calls(patience={"dist": "exponential", "mean": 1e9}), "contact_types -> calls -> patience -> mean: must be <= 2,592,000"),
    # found by tests/test_fuzz_inputs.py: run divided by sd^2 == 0; erlang's Erlang A overflowed
    (reference(agent_pools={"team": {"skills": ["calls"], "agents": 90, "shrinkage": {"mean": 0.3, "sd": 1e-300}}}),
     "agent_pools -> team -> shrinkage: sd 1e-300 must be 0 (the same share every day) or at least 0.001"),
    (calls(patience={"dist": "exponential", "mean": 5e-324}), "contact_types -> calls -> patience -> mean: is below a microsecond (1e-06 s): no contact-center time is that short"),
    (reference(agent_pools={"team": {"skills": ["calls"], "agents": 10**8}}), "agent_pools -> team -> agents: must be <= 1,000,000"),
    (reference(agent_pools={"team": {"skills": {"calls": 10**9}, "agents": 9}}), "agent_pools -> team -> skills -> calls: must be <= 1,000"),
    (reference(costs={"agent_hour": INF}), "costs -> agent_hour: must be a finite number"),
    (reference(targets={"max_asa_seconds": 1e12}), "targets -> max_asa_seconds: must be <= 2,592,000"),
    (reference(horizon={"hours": 87_600, "interval_minutes": 1}), "horizon -> hours: must be <= 8,784"),
    # what a run would cost, from the expected arrivals
    (reference(horizon={"hours": 24, "interval_minutes": 1440}, contact_types=calls(arrivals={"per_hour": 10**7})["contact_types"]),
     "contact_types -> calls -> arrivals: 240,000,000 contacts expected in one 1440-minute interval, more than 10,000,000"),
    (reference(warmup_minutes=43_200, contact_types=calls(arrivals={"per_hour": 10**6})["contact_types"]),
     "warmup_minutes: 720,000,000 contacts of calls expected during the warm-up (one stretch at the first interval's load), more than 10,000,000"),
    (reference(horizon={"hours": 8760, "interval_minutes": 60}, contact_types=calls(arrivals={"per_hour": 10**6})["contact_types"]),
     "contact_types: 8,760,000,000 contacts expected in one replication, more than 1,000,000,000: shorten the horizon or lower the volumes"),
    (reference(replications=100_000, contact_types=calls(arrivals={"per_hour": 10**6})["contact_types"]),
     "replications: 100,000 replications of 8,000,000 expected contacts each, more than 10,000,000,000 contacts in all: use fewer replications"),
    (reference(horizon={"hours": 8784, "interval_minutes": 1}, contact_types={"a": CALLS, "b": CALLS}, agent_pools={"team": {"skills": ["a", "b"], "agents": 9}}),
     "horizon: 527,040 intervals x 2 contact type(s) = 1,054,080 interval tallies in each replication, more than 1,000,000: use longer intervals or a shorter horizon"),
]


@pytest.mark.parametrize("scenario,expected", CASES, ids=[c[1].split(":")[0] + ":" + c[1].split(":")[1][:25] for c in CASES])
def test_an_impossible_number_is_refused_naming_the_field_and_the_limit(tmp_path, scenario, expected):
    assert expected in refusal(tmp_path, scenario)


@pytest.mark.parametrize("cell", ["inf", "1e308", "nan", "-1", "lots"])
def test_a_forecast_cell_outside_the_bounds_is_refused_with_its_line(tmp_path, cell):
    forecast = "interval,calls\n" + FIFTEEN_ROWS + f"15:30,{cell}\n"
    assert refusal(tmp_path, FORECAST, forecast) == [f"contact_types -> calls -> arrivals -> csv: f.csv row 17, column calls: '{cell}' is not a volume from 0 to 10,000,000"]


def test_a_forecast_longer_than_the_horizon_is_refused_without_reading_it_all(tmp_path):
    forecast = "calls\n" + "10\n" * 1_000_000  # no time column: rows in order, so only their count can be wrong
    assert refusal(tmp_path, FORECAST, forecast) == ["contact_types -> calls -> arrivals -> csv: f.csv has more rows than the horizon has intervals (16)"]


def test_a_forecast_that_never_ends_is_refused(tmp_path):
    problems = refusal(tmp_path, calls(arrivals={"csv": "/dev/zero"}))
    assert problems == ["contact_types -> calls -> arrivals -> csv: /dev/zero: larger than 64 MB, more than any forecast file needs"]


def test_a_forecast_field_beyond_the_csv_limit_is_a_problem_not_a_crash(tmp_path):
    forecast = 'interval,calls\n08:00,"' + "9" * 200_000 + '"\n'
    (problem,) = refusal(tmp_path, FORECAST, forecast)
    assert problem == "contact_types -> calls -> arrivals -> csv: f.csv row 2: not readable as CSV: a field of 200,000 characters (at most 131,072)"


def test_a_forecast_from_excel_with_a_bom_is_read_and_latin1_is_read_with_a_note(tmp_path):
    (tmp_path / "f.csv").write_text("\ufeffinterval,calls\n" + FIFTEEN_ROWS + "15:30,10\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(FORECAST))
    scenario = ccsim.load_scenario(tmp_path / "s.yaml")
    assert scenario.contact_types["calls"].arrivals.volumes == [10.0] * 16 and scenario.notes == []
    (tmp_path / "f.csv").write_bytes("interval,calls,site\n".encode() + "".join(f"{row.strip()},Sé\n" for row in (FIFTEEN_ROWS + "15:30,10").splitlines()).encode("latin-1"))
    scenario = ccsim.load_scenario(tmp_path / "s.yaml")
    assert scenario.contact_types["calls"].arrivals.volumes == [10.0] * 16
    assert scenario.notes == ["contact_types -> calls -> arrivals -> csv: f.csv is not UTF-8: read as cp1252 (Windows Western European); if a letter looks wrong, save it as CSV UTF-8"]


def test_too_many_variants_are_refused(tmp_path):
    problems = refusal(tmp_path, reference(variants={f"v{i}": {"seed": i} for i in range(101)}))
    assert problems == ["variants: 101 variants, more than 100: split them over several files"]


def test_the_limits_leave_room_for_a_big_real_center(tmp_path):
    """A year of 15-minute intervals, five contact types, a large pool: valid; so is a year of
    one-minute intervals for one type, and the far ends of every duration and count."""
    types = {f"t{i}": {**CALLS, "arrivals": {"per_hour": 2_000}} for i in range(5)}
    year = reference(horizon={"hours": 8784, "interval_minutes": 15}, replications=100, contact_types=types,
                     agent_pools={"team": {"skills": list(types), "agents": 1_000_000}})
    ccsim.scenario_from_dict(year)
    ccsim.scenario_from_dict(reference(horizon={"hours": 8784, "interval_minutes": 1}))
    ccsim.scenario_from_dict(calls(
        handle_time={"dist": "gamma", "mean": 2_592_000, "cv": 0.001},
        patience={"dist": "weibull", "shape": 0.1, "mean": 60},
        service_level={"hours": 720},
        callback={**CALLBACK, "promised_delay": 2_592_000},
    ))


def test_the_cli_refuses_with_exit_2_and_no_traceback(cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(calls(arrivals={"per_hour": 1e9})))
    res = cli("validate", path)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "error: contact_types -> calls -> arrivals -> per_hour: must be <= 10,000,000" in res.output
