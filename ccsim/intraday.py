"""Intraday: from the state the center is in now, the rest of the day, reforecast.

``rest_of_day`` turns a scenario and a ``LiveState`` into the scenario of the rest of the day: its
horizon starts at the interval holding the state's ``at`` (so the plan's intervals keep their
clock times), with no warm-up, the state as ``start_state`` (the model starts from it: see
ccsim/model/behaviours/live_start.py) and, by default, the forecast reforecast by how the day has
run so far. ``now`` simulates it. Plans compared from the same state (``compare_from_state``) share
the state and the random numbers of the rest of the day.

The reforecast scales the rest of the day's forecast by a credibility-weighted ratio of actual to
forecast volume: ``factor = 1 + k / (k + 4) x (actual / forecast - 1)``, where ``k`` is the number of
intervals observed. After one interval a morning 20% over forecast moves the afternoon by 4%; after
eight intervals, by 13%: early intervals are noisy (a Poisson count of 100 varies by 10% on its
own), and the weight grows as evidence comes in. Only the contact types with actuals are scaled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .clock import format_clock
from .compare import Comparison, Plan, compare
from .config import MAX_CONTACTS_PER_INTERVAL, ScenarioError
from .results import SimulationResult
from .runner import simulate
from .input_files import Grid, TableKeys, Wanted, interval_values, load_yaml
from .scenario import MAX_FORECAST_BYTES, Scenario, scenario_from_dict
from .state import LiveState, state_problems

#: Intervals of evidence at which the reforecast moves halfway to the observed ratio.
CREDIBILITY_INTERVALS = 4
#: Extra agent-hours below which an action counts as free: minutes of agents finishing a last
#: contact after the close differ between plans without anyone being paid more.
NO_EXTRA_HOURS = 0.1


@dataclass(frozen=True)
class Reforecast:
    """How the rest of the day's forecast was scaled, and from what."""

    factor: float
    raw_ratio: float | None
    intervals_observed: int
    method: str

    def to_dict(self) -> dict:
        return asdict(self)


def load_state(path: str | Path) -> LiveState:
    """Read a state file (YAML or JSON) without checking it against a scenario yet."""
    from pydantic import ValidationError

    from .config import format_validation_error

    raw = load_yaml(Path(path), "state")
    try:
        return LiveState.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError([f"{path}: {line}" for line in format_validation_error(err, raw)], str(path)) from None


def reforecast(scenario: Scenario, state: LiveState, enabled: bool = True) -> Reforecast:
    """The factor by which the rest of the day's forecast is scaled (1 when off or nothing observed)."""
    observed = max((len(v) for v in state.actuals.values()), default=0)
    if not enabled or observed == 0:
        method = "kept as forecast (--no-reforecast)" if not enabled else "kept as forecast (no actuals in the state)"
        return Reforecast(1.0, None, observed, method)
    horizon = scenario.horizon
    forecast = sum(
        rate * horizon.interval_s
        for name, values in state.actuals.items()
        for rate in scenario.contact_types[name].arrivals.rates_per_s(horizon)[: len(values)]
    )
    actual = sum(sum(values) for values in state.actuals.values())
    raw = actual / forecast if forecast > 0 else 1.0
    weight = observed / (observed + CREDIBILITY_INTERVALS)
    return Reforecast(
        1 + weight * (raw - 1),
        raw,
        observed,
        f"credibility-weighted actual/forecast: 1 + k/(k+{CREDIBILITY_INTERVALS}) x (ratio - 1), k intervals observed",
    )


def rest_of_day(scenario: Scenario, state: LiveState, factor: float = 1.0, scaled: set[str] | None = None) -> Scenario:
    """The scenario of the rest of the day from ``state``: horizon from the interval holding ``at``,
    no warm-up, the state to start from, and the forecast of the types in ``scaled`` (default: those
    with actuals) times ``factor``."""
    problems = state_problems(scenario, state)
    if problems:
        raise ScenarioError(problems)
    horizon = scenario.horizon
    first = int(state.minute(horizon.start_minute) // horizon.interval_minutes)
    scaled = set(state.actuals) if scaled is None else scaled
    raw: dict[str, Any] = scenario.model_dump(mode="json", exclude_none=True, exclude={"variants"})
    raw["name"] = f"{scenario.name}, from {state.at}"
    raw["warmup_minutes"] = 0
    raw["horizon"] = {
        "start": format_clock(horizon.start_minute + first * horizon.interval_minutes, with_day=False),
        "hours": (horizon.total_minutes - first * horizon.interval_minutes) / 60,
        "interval_minutes": horizon.interval_minutes,
    }
    if horizon.start_date is not None:  # the rest of a dated day keeps its date (and its busyness per day)
        raw["horizon"]["start_date"] = horizon.interval_dates()[first].isoformat()
    for name, ct in scenario.contact_types.items():
        section = raw["contact_types"][name]
        scale = factor if name in scaled else 1.0
        if ct.arrivals.at_seconds is not None:
            shift = first * horizon.interval_s
            section["arrivals"] = {"at_seconds": [t - shift for t in ct.arrivals.at_seconds if t >= shift]}
        else:
            section["arrivals"] = {"volumes": [r * horizon.interval_s * scale for r in ct.arrivals.rates_per_s(horizon)[first:]]}
        if ct.aht_by_interval is not None:
            section["aht_by_interval"] = ct.aht_by_interval[first:]
    for name, pool in scenario.agent_pools.items():
        section = raw["agent_pools"][name]
        if isinstance(pool.agents, list):
            section["agents"] = pool.agents[first:]
        if pool.shrinkage is not None and isinstance(pool.shrinkage.mean, list):
            section["shrinkage"]["mean"] = pool.shrinkage.mean[first:]
    raw["start_state"] = state.model_dump(mode="json", exclude={"actuals"})  # actuals served the reforecast
    return scenario_from_dict(raw, source=f"{scenario.name} from {state.at}")


def from_state(scenario: Scenario, state: LiveState, reforecast_on: bool = True, forecast: Path | None = None) -> tuple[Scenario, Reforecast]:
    """The rest of the day from ``state``, reforecast (or not, or from a ``forecast`` file), and how."""
    if forecast is not None:
        return forecast_from_file(scenario, state, forecast)
    ref = reforecast(scenario, state, reforecast_on)
    return rest_of_day(scenario, state, ref.factor), ref


def forecast_from_file(scenario: Scenario, state: LiveState, path: Path) -> tuple[Scenario, Reforecast]:
    """The rest of the day with the volumes of a planner's own reforecast: a table (CSV or Excel,
    read like any forecast file) with a column per contact type it changes, one row per interval
    from the one holding ``at`` (matched by time when it has a time column)."""

    rest = rest_of_day(scenario, state)
    horizon = rest.horizon
    grid = Grid(horizon.start_minute, horizon.interval_minutes, horizon.n_intervals)
    wanted = [Wanted(name, "a volume", MAX_CONTACTS_PER_INTERVAL, required=False) for name in rest.type_names]
    values, notes = interval_values(Path(path), "forecast", TableKeys(), wanted, grid, MAX_FORECAST_BYTES)
    changed = {name: volumes for name, volumes in zip(rest.type_names, values) if volumes is not None}
    if not changed:
        raise ScenarioError([f"{path}: no column names a contact type (known: {', '.join(rest.type_names)})"])
    types = {
        name: ct.model_copy(update={"arrivals": ct.arrivals.model_copy(update={"volumes": changed[name], "per_hour": None, "at_seconds": None})})
        if name in changed else ct
        for name, ct in rest.contact_types.items()
    }
    method = f"from {Path(path).name}: {', '.join(changed)}" + (f" ({'; '.join(notes)})" if notes else "")
    return rest.model_copy(update={"contact_types": types}), Reforecast(1.0, None, 0, method)


@dataclass
class NowResult:
    """The rest of the day from a state: the simulation of it, and how the forecast was scaled."""

    at: str
    reforecast: Reforecast
    result: SimulationResult

    def to_dict(self) -> dict:
        data = self.result.to_dict()
        head = {key: data.pop(key) for key in ("ccsim_version", "scenario")}
        return {**head, "at": self.at, **{k: data.pop(k) for k in ("seed", "replications")}, "reforecast": self.reforecast.to_dict(), **data}


def now(
    scenario: Scenario,
    state: LiveState,
    replications: int | None = None,
    workers: int | None = None,
    *,
    reforecast_on: bool = True,
    forecast: Path | None = None,
    progress=None,
    scheduler: str | None = None,
) -> NowResult:
    """Simulate the rest of the day from ``state`` (its forecast reforecast, kept, or from a file)."""
    rest, ref = from_state(scenario, state, reforecast_on, forecast)
    result = simulate(rest, replications=replications, workers=workers, progress=progress, scheduler=scheduler)
    return NowResult(state.at, ref, result)


def action_ranking(cmp: Comparison) -> list[dict]:
    """Which action recovers the most service per agent-hour: for each plan against the baseline
    and each contact type, the change in day service level (points) per extra agent-hour, best
    first. An action that costs no extra hours (less than ``NO_EXTRA_HOURS``) and helps is ranked
    first ("free")."""
    rows = []
    for i, plan in enumerate(cmp.plans):
        if i == cmp.baseline:
            continue
        hours = cmp.difference(i, "agent_hours").day.mean or 0.0
        for name in plan.scenario.type_names:
            diff = cmp.difference(i, "service_level", contact_type=name)
            points = 100 * (diff.day.mean or 0.0)
            rows.append(
                {
                    "plan": plan.label,
                    "contact_type": name,
                    "service_level_points": points,
                    "extra_agent_hours": hours,
                    "points_per_agent_hour": points / hours if hours > NO_EXTRA_HOURS else None,
                    "significant": diff.significant,
                }
            )
    free = [r for r in rows if r["points_per_agent_hour"] is None and r["service_level_points"] > 0]
    paid = sorted((r for r in rows if r["points_per_agent_hour"] is not None), key=lambda r: -r["points_per_agent_hour"])
    return free + paid + [r for r in rows if r not in free and r not in paid]


def plans_from_state(plans: list[Plan], state: LiveState, reforecast_on: bool = True, forecast: Path | None = None) -> tuple[list[Plan], Reforecast]:
    """Each plan's rest of the day from the same state, reforecast by the base plan's factor (or
    with the volumes of a forecast file)."""
    if forecast is not None:
        pairs = [forecast_from_file(p.scenario, state, forecast) for p in plans]
        ref, scenarios = pairs[0][1], [sc for sc, _ in pairs]
    else:
        ref = reforecast(plans[0].scenario, state, reforecast_on)
        scenarios = [rest_of_day(p.scenario, state, ref.factor) for p in plans]
    return [Plan(p.label, sc, p.source) for p, sc in zip(plans, scenarios)], ref


def compare_from_state(
    plans: list[Plan], state: LiveState, reforecast_on: bool = True, forecast: Path | None = None, **options
) -> tuple[Comparison, Reforecast]:
    """Plans compared over the rest of the day from the same state, on common random numbers."""
    rest, ref = plans_from_state(plans, state, reforecast_on, forecast)
    return compare(rest, **options), ref
