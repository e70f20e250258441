"""Staffing that really meets the targets: naive Erlang C, Erlang A and simulation, side by side,
beside the scenario's own plan.

Why three plans: planners staff with SIPP Erlang C on the planned AHT plus a flat shrinkage and
are surprised on the day. Erlang A adds patience. Only the simulation sees redials, transfers,
handle-time growth, shrinkage drawn per day, queues carried from one interval into the next and
imperfect multi-skill pooling. Showing the three per interval, each simulated on the same days
(common random numbers), is what makes the gap visible; the plan the scenario already has is
simulated on those days too, so a planner sees where it stands among them.

The simulation-based plan follows the iterative staffing algorithm (ISA) of Feldman, Mandelbaum,
Massey & Whitt (Management Science 54(2), 2008): simulate the whole day under the current plan,
update every interval at once from what that day did, repeat until a fixed point. FMMW's update
sets each interval to a quantile of the simulated number in system, which targets a delay
probability; our targets are service level, ASA, abandonment and occupancy, so the update is
target-driven instead (see ``iterate_staffing``). Every iteration simulates the same replications
(same seeds), so two plans are always compared on the same days.

Multi-skill rule: when a contact type misses its targets in an interval, the agent goes to the
pool that serves it at its best skill level (primary pool); among several, the one with the
fewest skills (the most specialised), then the first in the file. When two rounds of agents
added there have not lifted the type's service level by two points (the pool's agents are busy
with other types they also serve), the next agents go to the primary pool of the biggest of
those other types, relieving the pool. An occupancy limit adds agents to the pool that breaks it.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ._version import __version__
from .erlang import InfeasibleTargetError, solve_agents
from .evaluation import Evaluation, evaluate, simulate_many
from .goals import Goals, goals_of
from .model.tally import ReplicationStats
from .plans import Plan, agent_hours, concurrency, current_plan, mean_patience, pool_for, with_plan, with_rosters
from .scenario import Scenario
from .sipp import ErlangPlan, erlang_plan

PLAN_LABELS = {"own": "your plan (the scenario's)", "erlang_c": "Erlang C (naive SIPP)", "erlang_a": "Erlang A (SIPP + patience)", "simulated": "simulation (ISA)", "shifts": "shift plan"}


# --- the iterative staffing algorithm ----------------------------------------------------------


@dataclass
class IsaOutcome:
    """What the search found: the plan, its last evaluation and replications, and how it got there."""

    plan: Plan
    evaluation: Evaluation
    reps: list[ReplicationStats]
    iterations: int
    simulations: int
    converged: bool
    unrescued: list[dict]
    history: list[dict] = field(default_factory=list)


def _effective_requirement(scenario: Scenario, goals: Goals, ev: Evaluation, name: str, i: int, pool: str, plan: Plan) -> int:
    """Agents the pool needs in interval i for this type, by Erlang A on the load the simulation
    actually saw: every attempt (redials, transfers in), handle time grown by what agents were busy,
    and scheduled agents scaled by how many were present (shrinkage). Only sizes the step."""
    horizon = scenario.horizon
    ct = scenario.contact_types[name]
    goal = goals.types[name]
    planned_work = sum(ev.answered[t][i] * scenario.contact_types[t].handle_time.expectation for t in scenario.type_names)
    busy = sum(b[i] for b in ev.busy_s.values())
    growth = min(5.0, max(0.5, busy / planned_work)) if planned_work > 0 else 1.0
    rate_h = ev.offered[name][i] / horizon.interval_s * 3600.0
    sched = plan[pool][i]
    avail = min(1.0, max(0.2, ev.present[pool][i] / sched)) if sched > 0 else 1.0
    patience = mean_patience(ct)
    try:
        res = solve_agents(
            "A" if patience is not None else "C", rate_h, ct.handle_time.expectation * growth, goal.sl_seconds,
            target_sl=goal.sl_target, target_asa_s=goal.max_asa_s, target_abandon=goal.max_abandon if patience else None,
            patience_s=patience, max_agents=100_000,
        )
    except (InfeasibleTargetError, ValueError):
        return sched + 1
    # this type's share of the pool, by offered work
    work = {t: ev.offered[t][i] * scenario.contact_types[t].handle_time.expectation for t in scenario.agent_pools[pool].skill_levels}
    total = sum(work.values())
    share = work[name] / total if total > 0 else 1.0
    need_total = res.required_agents / avail / concurrency(scenario.agent_pools[pool])
    return int(math.ceil(sched * (1 - share) + need_total - 1e-9))


def shortfall(ev: Evaluation, goals: Goals, name: str, i: int) -> float:
    """How far a contact type's means miss its targets in interval i (<= 0: they meet them):
    the worst of the service level's share short, the abandonment's share over and the ASA's
    excess as a share of its limit. The give-up rule watches it, whichever target fails."""
    goal = goals.types[name]
    means = ev.means[name]
    parts = [goal.sl_target - means["service_level"][i]]
    if goal.max_abandon is not None:
        parts.append(means["abandon_rate"][i] - goal.max_abandon)
    if goal.max_asa_s is not None:
        parts.append((means["asa_seconds"][i] - goal.max_asa_s) / goal.max_asa_s)
    finite = [float(x) for x in parts if np.isfinite(x)]
    return max(finite) if finite else 0.0


def iterate_staffing(
    scenario: Scenario,
    goals: Goals,
    start: Plan,
    replications: int = 20,
    confidence: float = 0.8,
    workers: int | None = None,
    max_iterations: int = 30,
    trim_rounds: int = 2,
    log: Callable[[str], None] | None = None,
    scheduler: str | None = None,
) -> IsaOutcome:
    """Simulation-based staffing per interval and pool, from ``start`` (the Erlang A plan).

    Each iteration simulates the day under the current plan (same replications every time),
    checks every interval (``evaluate``) and, at once for all failing intervals, adds agents to
    the pool the multi-skill rule names: as many as Erlang A on the *observed* load says are
    missing (at least one, at most a fifth more), so big gaps close in one or two steps and
    carry-over is mopped up one agent at a time. When every interval passes, trim rounds try
    fewer agents on alternate intervals of each pool (first down to Erlang A on the observed
    load, then one agent) and keep the cuts after which that interval and the next still pass;
    the trimmed plan is simulated again, and the iteration goes on from there.

    An interval is given up (reported in ``unrescued``, no more agents added) when it still
    fails at three times the start plan's peak plus ten, or when five rounds of additions have
    not cut its ``shortfall`` by a point: its misses come from elsewhere (a backlog from earlier
    intervals, agents who are not there, an impossible target), and looping would not fix them.
    """
    say = log or (lambda s: None)
    n = scenario.horizon.n_intervals
    plan = {p: list(v) for p, v in start.items()}
    caps = {p: 3 * max(max(v), 1) + 10 for p, v in plan.items()}
    unrescued: dict[tuple[str, int], str] = {}
    tried: dict[tuple[str, int], list[tuple[int, float, float]]] = {}  # (type, i) -> [(agents, SL gap, shortfall)]
    history: list[dict] = []
    sims = 0
    trims = 0
    converged = False
    ev = reps = None
    it = 0
    for it in range(1, max_iterations + 1):
        (reps,) = simulate_many([with_plan(scenario, plan)], replications, workers, scheduler=scheduler)
        sims += 1
        ev = evaluate(scenario, reps, goals, confidence)
        fails = [(name, i) for name in scenario.type_names for i in range(n) if ev.failing[name][i] and (name, i) not in unrescued]
        occ_fails = [(p, i) for p in scenario.pool_names for i in range(n) if not ev.pool_ok[p][i] and (p, i) not in unrescued]
        history.append({"iteration": it, "agent_hours": agent_hours(plan, scenario.horizon.interval_s)["total"], "failing_intervals": len(fails) + len(occ_fails)})
        say(f"ISA iteration {it}: {history[-1]['agent_hours']:.1f} agent-hours, {len(fails) + len(occ_fails)} failing (type, interval) cells")
        if not fails and not occ_fails:
            n_cut = 0
            while trims < trim_rounds and not n_cut:
                trims += 1
                trimmed, n_cut, used = _trim(scenario, goals, plan, ev, replications, confidence, workers, scheduler, big=trims < trim_rounds)
                sims += used
            if n_cut:
                say(f"trim: {n_cut} agent-intervals removed")
                plan = trimmed
                tried.clear()  # progress is judged from the trimmed plan on
                continue
            converged = True
            break
        adds: dict[tuple[str, int], int] = {}
        for name, i in fails:
            pool = pool_for(scenario, name)
            gap = goals.types[name].sl_target - ev.means[name]["service_level"][i]
            past = tried.setdefault((name, i), [])
            past.append((plan[pool][i], float(gap) if np.isfinite(gap) else 0.0, shortfall(ev, goals, name, i)))
            if len(past) >= 3 and past[-1][1] > past[-3][1] - 0.02:
                # agents added to the primary pool stopped helping: they are busy with the other
                # types they also serve, so relieve those types' own pools instead
                others = [t for t in scenario.agent_pools[pool].skill_levels if t != name and pool_for(scenario, t) != pool]
                if others:
                    other = max(others, key=lambda t: ev.offered[t][i] * scenario.contact_types[t].handle_time.expectation)
                    pool = pool_for(scenario, other)
            if plan[pool][i] >= caps[pool]:
                unrescued[(name, i)] = f"still missing {', '.join(ev.failing[name][i])} at {plan[pool][i]} agents in {pool} (the search's cap)"
                continue
            if len(past) >= 6 and past[-1][2] > past[-6][2] - 0.01:
                unrescued[(name, i)] = (
                    f"five rounds of added agents ({past[-6][0]} -> {plan[pool][i]} in {pool}) left it missing "
                    f"{', '.join(ev.failing[name][i])} (shortfall {past[-6][2]:.3f} -> {past[-1][2]:.3f}): "
                    "more agents here do not help; its misses come from elsewhere (a backlog from earlier intervals, "
                    "agents who are not there, an unreachable target)"
                )
                continue
            if ev.failing[name][i] == ["service_level"] and gap < 0.05:
                step = 1  # near the target: one agent at a time, so noise cannot overshoot
            else:
                need = _effective_requirement(scenario, goals, ev, name, i, pool, plan)
                step = min(max(1, need - plan[pool][i]), max(1, math.ceil(0.2 * plan[pool][i])))
            adds[(pool, i)] = max(adds.get((pool, i), 0), step)
        for pool, i in occ_fails:
            lim = goals.max_occupancy[pool]
            sched = plan[pool][i]
            avail = min(1.0, max(0.2, ev.present[pool][i] / sched)) if sched > 0 else 1.0
            need = math.ceil(ev.busy_s[pool][i] / scenario.horizon.interval_s / lim / avail - 1e-9)
            if sched >= caps[pool]:
                unrescued[(pool, i)] = f"occupancy of {pool} still above {lim:.0%} at {sched} agents (the search's cap)"
                continue
            adds[(pool, i)] = max(adds.get((pool, i), 0), max(1, need - sched))
        if not adds:  # everything left failing has been given up
            converged = True
            break
        for (pool, i), step in adds.items():
            plan[pool][i] = min(caps[pool], plan[pool][i] + step)
    labels = scenario.horizon.interval_labels()
    gave_up = [
        {"interval_start": labels[i], "name": key, "reason": reason} for (key, i), reason in sorted(unrescued.items(), key=lambda kv: kv[0][1])
    ]
    return IsaOutcome(plan, ev, reps, it, sims, converged, gave_up, history)


def _trim(scenario, goals, plan, ev, replications, confidence, workers, scheduler, big: bool) -> tuple[Plan, int, int]:
    """Try fewer agents on alternate intervals of each pool; keep the cuts after which that
    interval and the next still pass. ``big`` cuts down to Erlang A on the observed load (at
    most a fifth), else one agent."""
    n = scenario.horizon.n_intervals
    trials, cuts = [], []
    for pool in scenario.pool_names:
        own = [t for t in scenario.type_names if pool_for(scenario, t) == pool]
        for parity in (0, 1):
            cand = {p: list(v) for p, v in plan.items()}
            cut = {}
            for i in range(parity, n, 2):
                if cand[pool][i] <= 0:
                    continue
                size = 1
                if big and own:
                    need = max(_effective_requirement(scenario, goals, ev, t, i, pool, plan) for t in own)
                    size = min(max(1, plan[pool][i] - need), max(1, math.ceil(0.2 * plan[pool][i])))
                cut[i] = size
                cand[pool][i] -= size
            if cut:
                trials.append(cand)
                cuts.append((pool, cut))
    if not trials:
        return plan, 0, 0
    results = simulate_many([with_plan(scenario, t) for t in trials], replications, workers, scheduler=scheduler)
    new = {p: list(v) for p, v in plan.items()}
    removed = 0
    served_by = {p: list(scenario.agent_pools[p].skill_levels) for p in scenario.pool_names}
    for (pool, cut), reps in zip(cuts, results):
        tev = evaluate(scenario, reps, goals, confidence)
        for i, size in cut.items():
            window = [j for j in (i, i + 1) if j < n]
            ok = all(tev.type_ok[t][j] for t in served_by[pool] for j in window) and all(tev.pool_ok[pool][j] for j in window)
            if ok:
                new[pool][i] -= size
                removed += size
    return new, removed, len(trials)


# --- the whole staffing answer -----------------------------------------------------------------


@dataclass
class StaffResult:
    """The scenario's own plan and three computed ones per interval and pool (``plans``: own,
    erlang_c, erlang_a, simulated, and shifts when planned), what each achieves when simulated on
    the same days, and the shift plan."""

    scenario: Scenario
    goals: Goals
    confidence: float
    replications: int
    labels: list[str]
    plans: dict[str, Plan]
    achieved: dict[str, Any]  # plan name -> SimulationResult
    evaluations: dict[str, Evaluation]
    erlang: dict[str, ErlangPlan]
    isa: IsaOutcome
    shift_plans: dict[str, Any] = field(default_factory=dict)  # pool -> ShiftPlan
    wall_time_s: float = 0.0

    @property
    def promised_share(self) -> float:
        """What the simulated plan promises: each interval meets its targets with this confidence,
        so on new days at least this share of intervals should not fall significantly short
        (``recheck``). Intervals given up (``isa.unrescued``) are outside the promise."""
        return self.confidence

    @property
    def targets_met(self) -> bool:
        """The search found a plan that meets every target in every interval, none given up."""
        return self.isa.converged and not self.isa.unrescued and self.evaluations["simulated"].all_ok

    def agent_hours(self) -> dict[str, dict[str, float]]:
        return {k: agent_hours(v, self.scenario.horizon.interval_s) for k, v in self.plans.items()}

    def intervals_meeting(self, plan: str) -> dict[str, int]:
        ev = self.evaluations[plan]
        return {t: int(ev.type_ok[t].sum()) for t in ev.type_ok}

    def rows(self) -> list[dict]:
        rows = []
        for i, label in enumerate(self.labels):
            for pool in self.scenario.pool_names:
                row = {"interval_start": label, "pool": pool}
                for k in self.plans:
                    row[k] = self.plans[k][pool][i]
                rows.append(row)
        return rows

    def to_dict(self) -> dict:
        scenario = self.scenario
        achieved = {}
        for k, res in self.achieved.items():
            achieved[k] = {
                "by_contact_type": {
                    t: {m: res.by_contact_type[t][m].to_dict() for m in ("service_level", "asa_seconds", "abandon_rate", "offered")}
                    for t in scenario.type_names
                },
                "by_pool": {p: {"occupancy": res.by_pool[p]["occupancy"].to_dict()} for p in scenario.pool_names},
                "intervals_meeting_targets": self.intervals_meeting(k),
            }
        out = {
            "ccsim_version": __version__,
            "scenario": scenario.name,
            "seed": scenario.seed,
            "replications": self.replications,
            "confidence": self.confidence,
            "promised_share": self.promised_share,
            "targets": self.goals.to_dict(),
            "intervals": self.rows(),
            "targets_met": self.targets_met,
            "unrescued": self.isa.unrescued,
            "converged": self.isa.converged,
            "iterations": self.isa.iterations,
            "simulations": self.isa.simulations,
            "agent_hours": {k: {p: round(v, 3) for p, v in d.items()} for k, d in self.agent_hours().items()},
            "achieved": achieved,
            "erlang_notes": [note for plan in self.erlang.values() for note in plan.notes],
            "wall_time_seconds": round(self.wall_time_s, 3),
        }
        if self.shift_plans:
            out["shift_plans"] = {p: sp.to_dict() for p, sp in self.shift_plans.items()}
        return out

    def csv(self) -> str:
        rows = self.rows()
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()


def staff(
    scenario: Scenario,
    replications: int | None = None,
    confidence: float = 0.8,
    workers: int | None = None,
    shift_rules=None,
    max_iterations: int = 30,
    log: Callable[[str], None] | None = None,
    scheduler: str | None = None,
) -> StaffResult:
    """Naive Erlang C, Erlang A and simulation-based staffing beside the scenario's own plan, each
    plan simulated on the same days.

    ``replications`` defaults to the scenario's. The own plan is worked as the scenario has it (its
    roster, if it has shifts) and shown as its per-interval head count (``plans.current_plan``).
    ``shift_rules`` (or the scenario's ``shifts:``) turns the simulated requirement into shifts,
    which are simulated too.
    """
    started = time.perf_counter()
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence}")
    replications = replications or scenario.replications
    goals = goals_of(scenario)
    naive = {"erlang_c": erlang_plan(scenario, goals, "C"), "erlang_a": erlang_plan(scenario, goals, "A")}
    isa = iterate_staffing(scenario, goals, naive["erlang_a"].plan, replications, confidence, workers, max_iterations, log=log, scheduler=scheduler)
    plans = {"own": current_plan(scenario), "erlang_c": naive["erlang_c"].plan, "erlang_a": naive["erlang_a"].plan, "simulated": isa.plan}
    rules = shift_rules if shift_rules is not None else scenario.shifts
    shift_plans = {}
    if rules is not None:
        from .shifts import optimise_shifts

        for pool in rules.pools or scenario.pool_names:
            shift_plans[pool] = optimise_shifts(isa.plan[pool], rules, scenario.horizon, pool)
        plans["shifts"] = {p: (shift_plans[p].staffing() if p in shift_plans else isa.plan[p]) for p in scenario.pool_names}
    # every plan is simulated as it would be worked; the shift plan as its roster (exact shift
    # edges and breaks), not as the rounded per-interval head count shown in the table
    worked = {k: with_plan(scenario, v) for k, v in plans.items()}
    if shift_plans:
        worked["shifts"] = with_rosters(scenario, shift_plans, isa.plan)
    others = [k for k in plans if k != "simulated"]
    sims = simulate_many([worked[k] for k in others], replications, workers, scheduler=scheduler)
    reps_by = dict(zip(others, sims))
    reps_by["simulated"] = isa.reps
    from .results import SimulationResult

    achieved, evaluations = {}, {}
    for k in plans:
        achieved[k] = SimulationResult.from_replications(worked[k].model_copy(update={"replications": replications}), reps_by[k])
        evaluations[k] = evaluate(scenario, reps_by[k], goals, confidence)
    return StaffResult(
        scenario, goals, confidence, replications, scenario.horizon.interval_labels(), plans, achieved, evaluations,
        naive, isa, shift_plans, time.perf_counter() - started,
    )
    worked["own"] = scenario
