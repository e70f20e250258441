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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import erlang
from .scenario import Scenario
from .staffing import concurrency, current_plan, erlang_plan, goals_of, mean_patience, primary_pools, shrinkage_mean


@dataclass(frozen=True)
class SippRow:
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


def available_agents(sc: Scenario) -> dict[str, list[float]]:
    """Contact type -> agents the formulas may count on, per interval (see module docstring)."""
    plan = current_plan(sc)
    prim = primary_pools(sc)
    shares: dict[str, int] = {p: sum(p in pools for pools in prim.values()) for p in sc.agent_pools}
    out = {}
    for name, pools in prim.items():
        out[name] = [
            sum(plan[p][i] * (1.0 - shrinkage_mean(sc.agent_pools[p])) * concurrency(sc.agent_pools[p]) / shares[p] for p in pools)
            for i in range(sc.horizon.n_intervals)
        ]
    return out


def sipp_table(sc: Scenario) -> list[SippRow]:
    """One row per interval and contact type: required agents and promised service levels."""
    goals = goals_of(sc)
    plan_c = erlang_plan(sc, goals, "C")
    plan_a = erlang_plan(sc, goals, "A")
    staffed = available_agents(sc)
    labels = sc.horizon.interval_labels()
    rows = []
    for name, ct in sc.contact_types.items():
        aht = ct.handle_time.expectation
        patience = mean_patience(ct)
        t = ct.service_level.seconds
        for i, rate_s in enumerate(ct.arrivals.rates_per_s(sc.horizon)):
            agents = int(math.floor(staffed[name][i] + 1e-9))
            c = erlang.measures("C", rate_s * 3600, aht, agents, t)
            a = erlang.measures("A", rate_s * 3600, aht, agents, t, patience_s=patience) if patience else c
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
