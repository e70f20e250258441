"""Staffing plans: agents per pool and interval, and the scenario transforms that put one to work.

A plan is what every planning tool passes around (``staffing``, ``trap``, ``sipp``): the SIPP
formulas write one, the simulation-based search improves one, the sweep scales one. A plan is
simulated by staffing a copy of the scenario with it (``with_plan``, ``with_rosters``), never by
changing the scenario in place, so every plan is tried on the same validated scenario. The helpers
below read the scenario the way a spreadsheet does (primary pools, flat shrinkage, chat seats).
"""

from __future__ import annotations

import math

from .scenario import AgentPool, Scenario

Plan = dict[str, list[int]]  # pool -> agents per interval


def copy_scenario(scenario: Scenario, **update) -> Scenario:
    """``model_copy`` without stale cached properties (pool and type names)."""
    new = scenario.model_copy(update=update)
    for cached in ("type_names", "pool_names"):
        new.__dict__.pop(cached, None)
    return new


def with_plan(scenario: Scenario, plan: Plan) -> Scenario:
    """The scenario with each planned pool staffed per interval (a roster, if any, replaced)."""
    pools = {}
    for name, pool in scenario.agent_pools.items():
        if name in plan:
            pools[name] = pool.model_copy(update={"agents": [int(x) for x in plan[name]], "shifts": None})
        else:
            pools[name] = pool
    return copy_scenario(scenario, agent_pools=pools)


def with_rosters(scenario: Scenario, shift_plans: dict, plan: Plan) -> Scenario:
    """The scenario with each pool of ``shift_plans`` (pool -> ``shifts.ShiftPlan``) working its
    roster as ``agent_pools -> POOL -> shifts`` (agents arrive, break and leave at the minute the
    plan says), and every other pool staffed per interval from ``plan``."""
    from .scenario_behaviours import Shift

    base = with_plan(scenario, {p: v for p, v in plan.items() if p not in shift_plans})
    pools = dict(base.agent_pools)
    for p, shift_plan in shift_plans.items():
        roster = [Shift.model_validate(r) for r in shift_plan.roster()]
        if roster:
            pools[p] = pools[p].model_copy(update={"agents": None, "shifts": roster})
        else:  # nothing required, nobody rostered
            pools[p] = pools[p].model_copy(update={"agents": [0] * scenario.horizon.n_intervals, "shifts": None})
    return copy_scenario(base, agent_pools=pools)


def current_plan(scenario: Scenario) -> Plan:
    """The scenario's own staffing per pool and interval (a roster's time-average, rounded)."""
    horizon = scenario.horizon
    return {name: [int(x) for x in pool.staffing(horizon)] for name, pool in scenario.agent_pools.items()}


def agent_hours(plan: Plan, interval_s: float) -> dict[str, float]:
    """Scheduled agent-hours per pool and in ``"total"``: what a plan costs in people."""
    hours = {p: float(sum(v)) * interval_s / 3600.0 for p, v in plan.items()}
    hours["total"] = sum(hours.values())
    return hours


def primary_pools(scenario: Scenario) -> dict[str, list[str]]:
    """Contact type -> the pools serving it at their best skill level for it."""
    out = {}
    for name in scenario.contact_types:
        levels = {p: pool.skill_levels[name] for p, pool in scenario.agent_pools.items() if name in pool.skill_levels}
        best = min(levels.values())
        out[name] = [p for p, level in levels.items() if level == best]
    return out


def pool_for(scenario: Scenario, contact_type: str) -> str:
    """The pool that gets an agent when ``contact_type`` misses a target: among its primary pools,
    the one with the fewest skills (the most specialised), then the first in the file."""
    candidates = primary_pools(scenario)[contact_type]
    order = list(scenario.agent_pools)
    return min(candidates, key=lambda p: (len(scenario.agent_pools[p].skill_levels), order.index(p)))


def planned_shrinkage(pool: AgentPool, n_intervals: int) -> list[float]:
    """The pool's expected shrinkage in each interval, the flat share a spreadsheet adds (0 without ``shrinkage``)."""
    if pool.shrinkage is None:
        return [0.0] * n_intervals
    return pool.shrinkage.interval_shares(pool.shrinkage.day_mean, n_intervals)


def concurrency(pool: AgentPool) -> int:
    """Contacts one agent of the pool holds at once (chat ``max_chats``, else 1)."""
    return pool.concurrency.max_chats if pool.concurrency is not None else 1


def planned_aht(ct, n_intervals: int) -> list[float]:
    """The mean handle time the plan uses in each interval: the type's ``aht_by_interval``, or its
    handle-time mean all day."""
    return list(ct.aht_by_interval) if ct.aht_by_interval is not None else [ct.handle_time.expectation] * n_intervals


def what_erlang_ignores(scenario: Scenario) -> list[str]:
    """What the scenario does that per-interval Erlang formulas cannot see (for staff and trap)."""
    notes = []
    rings = sorted({t for pool in scenario.agent_pools.values() for t, skill in pool.skill_details.items() if skill.after > 0})
    if rings:
        notes.append(f"Erlang ignores the overflow rings on {', '.join(rings)}: it splits each type's agents over its pools as if all answered at once")
    factors = sorted({t for pool in scenario.agent_pools.values() for t, skill in pool.skill_details.items() if skill.handle_factor != 1})
    if factors:
        notes.append(f"Erlang uses the contacts' own handle time on {', '.join(factors)}, not the pools' handle_factor")
    recontacts = sorted(name for name, ct in scenario.contact_types.items() if ct.resolution is not None)
    if recontacts:
        notes.append(f"Erlang sees first contacts only: customers of {', '.join(recontacts)} who come back unresolved are extra load it misses")
    return notes


def mean_patience(contact_type) -> float | None:
    """Mean patience for Erlang A; None (Erlang C) when nobody abandons or some never do."""
    if contact_type.patience is None:
        return None
    mean = contact_type.patience.expectation
    return mean if mean is not None and math.isfinite(mean) and mean > 0 else None
