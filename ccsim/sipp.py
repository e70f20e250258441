"""The period-by-period (SIPP) view of a scenario: what Erlang C and Erlang A say, interval by interval.

SIPP treats every interval as if it were a steady state of its own: the interval's arrival rate,
the planned AHT, and (for Erlang A) the mean patience. It is what WFM spreadsheets do, and the
yardstick the simulation is compared with. For each interval and contact type this gives the
agents each formula requires and the service level each formula *promises* for the staffing the
scenario actually has.

The staffing a contact type gets in the formula: each pool's agents, less its mean shrinkage,
times its chat concurrency, split evenly over the contact types for which the pool is a primary
(best-skill-level) pool. That is the spreadsheet's view; real multi-skill pooling is what the
simulation is for.

``erlang_plan`` runs the same view the other way round, from targets to agents: the naive plans
that ``ccsim staff`` sets beside the simulated one and that ``ccsim trap`` sweeps around.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import erlang
from .goals import Goals, goals_of
from .plans import Plan, concurrency, current_plan, mean_patience, planned_aht, planned_shrinkage, primary_pools, what_erlang_ignores
from .scenario import Scenario


@dataclass
class ErlangPlan:
    """A SIPP plan and, per contact type and interval, what the formula promised."""

    model: str
    plan: Plan
    required: dict[str, list[int | None]]  # contact type -> agents needed before shrinkage (None: infeasible)
    promised_sl: dict[str, list[float | None]]
    notes: list[str]


def erlang_plan(scenario: Scenario, goals: Goals, model: str) -> ErlangPlan:
    """SIPP staffing from the planned AHT (and, for model A, the mean patience).

    Each contact type is solved on its own full load and its agents split evenly over its primary
    pools (no pooling economy: what a spreadsheet does); a pool's flat shrinkage is then added
    and chat concurrency divides. Intervals whose targets no staffing meets are noted and planned
    at the solver's best effort (the occupancy floor), never an exception.
    """
    horizon = scenario.horizon
    n = horizon.n_intervals
    primary = primary_pools(scenario)
    per_pool = {p: [0.0] * n for p in scenario.agent_pools}
    required: dict[str, list[int | None]] = {}
    promised: dict[str, list[float | None]] = {}
    notes = []
    labels = horizon.interval_labels()
    for name, ct in scenario.contact_types.items():
        goal = goals.types[name]
        ahts = planned_aht(ct, n)
        patience = mean_patience(ct) if model == "A" else None
        formula = "A" if patience is not None else "C"  # Erlang A without patience is Erlang C
        occupancy = min((goals.max_occupancy[p] for p in primary[name] if goals.max_occupancy[p] is not None), default=None)
        rates = [r * 3600.0 for r in ct.arrivals.rates_per_s(horizon)]
        required_row, promised_row = [], []
        for i, rate in enumerate(rates):
            if not horizon.open_intervals[i]:  # closed: nobody is planned
                required_row.append(0)
                promised_row.append(None)
                continue
            try:
                solved = erlang.solve_agents(
                    formula, rate, ahts[i], goal.sl_seconds, target_sl=goal.sl_target, target_asa_s=goal.max_asa_s,
                    target_abandon=goal.max_abandon if formula == "A" else None, patience_s=patience, max_occupancy=occupancy,
                )
                required_row.append(solved.required_agents)
                promised_row.append(solved.result.service_level if solved.result is not None else None)
            except erlang.InfeasibleTargetError as exc:
                required_row.append(None)
                promised_row.append(None)
                notes.append(f"{labels[i]} {name}: Erlang {formula} finds no staffing meeting the targets ({exc})")
        required[name] = required_row
        promised[name] = promised_row
        share = len(primary[name])
        for p in primary[name]:
            for i, agents in enumerate(required_row):
                per_pool[p][i] += (agents if agents is not None else 0) / share
    plan = {}
    for p, pool in scenario.agent_pools.items():
        shrinkage, seats = planned_shrinkage(pool, n), concurrency(pool)
        plan[p] = [int(math.ceil(x / seats / (1.0 - shrinkage[i]) - 1e-9)) for i, x in enumerate(per_pool[p])]
    return ErlangPlan(model, plan, required, promised, notes + what_erlang_ignores(scenario))


@dataclass(frozen=True)
class SippRow:
    """One interval and contact type: the load, the staffing the formulas count, what they require and promise."""

    interval_start: str
    contact_type: str
    offered_load_erlang: float
    staffed_agents: float
    erlang_c_required: int | None
    erlang_a_required: int | None
    erlang_c_service_level: float | None
    erlang_a_service_level: float | None
    erlang_a_abandon_rate: float | None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def available_agents(scenario: Scenario) -> dict[str, list[float]]:
    """Contact type -> agents the formulas may count on, per interval (see module docstring)."""
    plan = current_plan(scenario)
    primary = primary_pools(scenario)
    shares: dict[str, int] = {p: sum(p in pools for pools in primary.values()) for p in scenario.agent_pools}
    pools = scenario.agent_pools
    n = scenario.horizon.n_intervals
    shrinkage = {p: planned_shrinkage(pool, n) for p, pool in pools.items()}
    out = {}
    for name, primaries in primary.items():
        out[name] = [sum(plan[p][i] * (1.0 - shrinkage[p][i]) * concurrency(pools[p]) / shares[p] for p in primaries) for i in range(n)]
    return out


def sipp_table(scenario: Scenario) -> list[SippRow]:
    """One row per interval and contact type: required agents and promised service levels; the
    intervals the center is closed in are left out (nothing to staff)."""
    goals = goals_of(scenario)
    plan_c = erlang_plan(scenario, goals, "C")
    plan_a = erlang_plan(scenario, goals, "A")
    staffed = available_agents(scenario)
    labels = scenario.horizon.interval_labels()
    rows = []
    for name, ct in scenario.contact_types.items():
        ahts = planned_aht(ct, scenario.horizon.n_intervals)
        patience = mean_patience(ct)
        sl_seconds = ct.service_level.seconds
        for i, rate_s in enumerate(ct.arrivals.rates_per_s(scenario.horizon)):
            if not scenario.horizon.open_intervals[i]:
                continue
            aht = ahts[i]
            agents = int(math.floor(staffed[name][i] + 1e-9))
            c = erlang.measures("C", rate_s * 3600, aht, agents, sl_seconds)
            a = erlang.measures("A", rate_s * 3600, aht, agents, sl_seconds, patience_s=patience) if patience else c
            rows.append(
                SippRow(
                    interval_start=labels[i],
                    contact_type=name,
                    offered_load_erlang=rate_s * aht,
                    staffed_agents=staffed[name][i],
                    erlang_c_required=plan_c.required[name][i],
                    erlang_a_required=plan_a.required[name][i],
                    erlang_c_service_level=c.service_level,
                    erlang_a_service_level=a.service_level,
                    erlang_a_abandon_rate=a.p_abandon,
                )
            )
    return rows
