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
from .erlang import InfeasibleTargetError, measures, solve_agents
from .evaluation import (
    FRESH_DAYS, SIGNIFICANCE, Evaluation, day_shares, evaluate, not_significantly_short, precision_warnings, readability_warnings, simulate_many,
)
from .goals import Goals, goals_of
from .model.tally import ReplicationStats
from .plans import Plan, agent_hours, concurrency, current_plan, mean_patience, pool_for, with_plan, with_rosters
from .runner import session, until_precise, widest_half_width
from .scenario import Scenario, ScenarioError
from .sipp import ErlangPlan, erlang_plan

PLAN_LABELS = {"own": "your plan (the scenario's)", "erlang_c": "Erlang C (naive SIPP)", "erlang_a": "Erlang A (SIPP + patience)", "simulated": "simulation (ISA)", "shifts": "shift plan"}


# --- the iterative staffing algorithm ----------------------------------------------------------

#: The search is done when every interval's service level is known to within this many agents:
#: the standard error of its mean over the replications, divided by what one agent changes there.
RESOLUTION_AGENTS = 0.5
#: The most replications ``staff`` lets its search double up to, by default, to reach that resolution.
MAX_SEARCH_REPLICATIONS = 200
#: The search's first stages run on a quarter and a half of its replications, never fewer than this.
MIN_STAGE_REPLICATIONS = 5


class Days:
    """The simulated days of the plans a search tries, kept so that more days of a plan cost only the new ones.

    Every plan is simulated on replications 0, 1, 2, ... of the scenario (common random numbers:
    two plans differ by their agents, not by the luck of the draw). A plan asked for again, or for
    more replications, reuses the days it already has, so a search that doubles its replications
    pays only for the second half. Only the ``keep`` plans used last are kept: a search comes back
    to its current plan and the trials around it, not to its past.
    """

    def __init__(self, scenario: Scenario, workers: int | None, scheduler: str | None, keep: int):
        self.scenario, self.workers, self.scheduler, self.keep = scenario, workers, scheduler, keep
        self.kept: dict[tuple, list[ReplicationStats]] = {}
        self.simulated = 0  # plan-days simulated so far

    def __call__(self, plans: list[Plan], replications: int) -> list[list[ReplicationStats]]:
        keys = [tuple((p, tuple(v)) for p, v in plan.items()) for plan in plans]
        wanted = dict(zip(keys, plans))
        by_start: dict[int, list[tuple]] = {}  # plans with the same days already simulated run in one batch
        for key in wanted:
            have = len(self.kept.get(key, ()))
            if have < replications:
                by_start.setdefault(have, []).append(key)
        for first, group in by_start.items():
            sims = simulate_many([with_plan(self.scenario, wanted[k]) for k in group], replications - first, self.workers, first, scheduler=self.scheduler)
            self.simulated += len(group) * (replications - first)
            for key, reps in zip(group, sims):
                self.kept[key] = self.kept.get(key, []) + reps
        out = [self.kept[k][:replications] for k in keys]
        for key in wanted:  # most recently used last
            self.kept[key] = self.kept.pop(key)
        while len(self.kept) > max(self.keep, len(wanted)):
            del self.kept[next(iter(self.kept))]
        return out


@dataclass
class IsaOutcome:
    """What the search found: the plan and its last evaluation, the replications it decided on,
    how precisely (``resolution_agents``) and how it got there."""

    plan: Plan
    evaluation: Evaluation
    replications: int
    resolution_agents: float | None
    iterations: int
    simulations: int
    simulated_days: int
    converged: bool
    unrescued: list[dict]
    history: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class _Observed:
    """One contact type's queue in one interval as the simulation saw it, in Erlang's terms."""

    model: str
    rate_h: float
    aht_s: float
    patience_s: float | None
    available: float  # agents present per agent scheduled (shrinkage)
    share: float  # the type's share of its pool's offered work
    seats: int  # contacts an agent holds at once
    required: int | None  # agents present that the type needs (None: no staffing meets its targets)


def _observed(scenario: Scenario, goals: Goals, ev: Evaluation, name: str, i: int, pool: str, plan: Plan) -> _Observed:
    """Erlang's view of interval i for this type, on the load the simulation actually saw: every
    attempt (redials, transfers in), handle time grown by what agents were busy, and scheduled
    agents scaled by how many were present (shrinkage)."""
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
    model = "A" if patience is not None else "C"
    aht = ct.handle_time.expectation * growth
    try:
        required = solve_agents(
            model, rate_h, aht, goal.sl_seconds, target_sl=goal.sl_target, target_asa_s=goal.max_asa_s,
            target_abandon=goal.max_abandon if patience else None, patience_s=patience, max_agents=100_000,
        ).required_agents
    except (InfeasibleTargetError, ValueError):
        required = None
    work = {t: ev.offered[t][i] * scenario.contact_types[t].handle_time.expectation for t in scenario.agent_pools[pool].skill_levels}
    total = sum(work.values())
    share = work[name] / total if total > 0 else 1.0
    return _Observed(model, rate_h, aht, patience, avail, share, concurrency(scenario.agent_pools[pool]), required)


def _effective_requirement(scenario: Scenario, goals: Goals, ev: Evaluation, name: str, i: int, pool: str, plan: Plan) -> int:
    """Agents the pool needs in interval i for this type, by Erlang on the observed load (``_observed``):
    the other types keep their share of the pool. Only sizes the search's steps."""
    seen = _observed(scenario, goals, ev, name, i, pool, plan)
    sched = plan[pool][i]
    if seen.required is None:
        return sched + 1
    return int(math.ceil(sched * (1 - seen.share) + seen.required / seen.available / seen.seats - 1e-9))


def _agent_gain(scenario: Scenario, goals: Goals, ev: Evaluation, name: str, i: int, pool: str, plan: Plan) -> float | None:
    """Service level one more scheduled agent of the pool gives this type in interval i, by Erlang
    on the observed load at the type's requirement (None where no staffing meets its targets)."""
    seen = _observed(scenario, goals, ev, name, i, pool, plan)
    if not seen.required:
        return None
    sl = [measures(seen.model, seen.rate_h, seen.aht_s, n, goals.types[name].sl_seconds, seen.patience_s).service_level for n in (seen.required - 1, seen.required)]
    return (sl[1] - sl[0]) * seen.available * seen.seats * seen.share


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


def search_stages(replications: int) -> list[int]:
    """The replications of the search's stages: a quarter, a half, then all of them. The first
    stages get near the answer on few days (most of the search's steps are far from it); the last
    decides, agent by agent, on all of them."""
    low = min(MIN_STAGE_REPLICATIONS, replications)
    return sorted({max(low, replications // 4), max(low, replications // 2), replications})


class _Isa:
    """One run of the iterative staffing algorithm: the plan, what was given up, and the history."""

    def __init__(self, scenario: Scenario, goals: Goals, start: Plan, confidence: float, days: Days, log: Callable[[str], None]):
        self.scenario, self.goals, self.confidence, self.days, self.say = scenario, goals, confidence, days, log
        self.plan = {p: list(v) for p, v in start.items()}
        self.caps = {p: 3 * max(max(v), 1) + 10 for p, v in self.plan.items()}
        self.unrescued: dict[tuple[str, int], str] = {}
        self.history: list[dict] = []
        self.simulations = 0
        self.converged = False

    def stage(self, replications: int, max_iterations: int, trim_rounds: int) -> Evaluation:
        """Iterate on ``replications`` days until every interval passes and the trims cut nothing
        more (or everything left failing is given up); the evaluation of the plan it ends with."""
        scenario = self.scenario
        counted, _ = scenario.horizon.counted_intervals()
        tried: dict[tuple[str, int], list[tuple[int, float, float]]] = {}  # (type, i) -> [(agents, SL gap, shortfall)]
        trims = 0
        self.converged = False
        for _ in range(max_iterations):
            (reps,) = self.days([self.plan], replications)
            self.simulations += 1
            ev = evaluate(scenario, reps, self.goals, self.confidence)
            # a closed interval is never staffed: what it holds (a backlog counted at the start) is the open hours' to answer
            fails = [(name, i) for name in scenario.type_names for i in counted if ev.failing[name][i] and (name, i) not in self.unrescued]
            occ_fails = [(p, i) for p in scenario.pool_names for i in counted if not ev.pool_ok[p][i] and (p, i) not in self.unrescued]
            hours = agent_hours(self.plan, scenario.horizon.interval_s)["total"]
            self.history.append({"iteration": len(self.history) + 1, "replications": replications, "agent_hours": hours, "failing_intervals": len(fails) + len(occ_fails)})
            self.say(f"ISA iteration {len(self.history)} ({replications} days): {hours:.1f} agent-hours, {len(fails) + len(occ_fails)} failing (type, interval) cells")
            if not fails and not occ_fails:
                n_cut = 0
                while trims < trim_rounds and not n_cut:
                    trims += 1
                    trimmed, n_cut = self.trim(ev, replications, big=trims < trim_rounds)
                if n_cut:
                    self.say(f"trim: {n_cut} agent-intervals removed")
                    self.plan = trimmed
                    tried.clear()  # progress is judged from the trimmed plan on
                    continue
                self.converged = True
                return ev
            adds = self.additions(ev, fails, occ_fails, tried)
            if not adds:  # everything left failing has been given up
                self.converged = True
                return ev
            for (pool, i), step in adds.items():
                self.plan[pool][i] = min(self.caps[pool], self.plan[pool][i] + step)
        return ev

    def additions(self, ev: Evaluation, fails: list, occ_fails: list, tried: dict) -> dict[tuple[str, int], int]:
        """Agents to add per (pool, interval) for the failing cells, and the cells given up."""
        scenario, goals, plan, caps, unrescued = self.scenario, self.goals, self.plan, self.caps, self.unrescued
        adds: dict[tuple[str, int], int] = {}
        for name, i in fails:
            pool = pool_for(scenario, name)
            sized_by = name  # the type whose requirement in ``pool`` sizes the step
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
                    if name not in scenario.agent_pools[pool].skill_levels:  # a pool that does not serve it: size by what it relieves
                        sized_by = other
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
                need = _effective_requirement(scenario, goals, ev, sized_by, i, pool, plan)
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
        return adds

    def trim(self, ev: Evaluation, replications: int, big: bool) -> tuple[Plan, int]:
        """Try fewer agents on alternate intervals of each pool, on the same days as the plan; keep
        the cuts after which that interval and the next still pass. ``big`` cuts down to Erlang A on
        the observed load (at most a fifth), else one agent: the test of n against n - 1 agents."""
        scenario, goals, plan = self.scenario, self.goals, self.plan
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
            return plan, 0
        self.simulations += len(trials)
        new = {p: list(v) for p, v in plan.items()}
        removed = 0
        for (pool, cut), reps in zip(cuts, self.days(trials, replications)):
            tev = evaluate(scenario, reps, goals, self.confidence)
            served = scenario.agent_pools[pool].skill_levels
            for i, size in cut.items():
                window = [j for j in (i, i + 1) if j < n]
                if all(tev.type_ok[t][j] for t in served for j in window) and all(tev.pool_ok[pool][j] for j in window):
                    new[pool][i] -= size
                    removed += size
        return new, removed

    def resolution(self, ev: Evaluation) -> float | None:
        """How many agents the search's noise is worth in its least certain interval: over the
        (contact type, interval) cells with contacts, the largest standard error of the cell's mean
        service level divided by what one agent of its primary pool changes there
        (``_agent_gain``). None without such cells."""
        ratios = []
        for name in self.scenario.type_names:
            pool = pool_for(self.scenario, name)
            for i in range(self.scenario.horizon.n_intervals):
                if ev.offered[name][i] > 0 and self.plan[pool][i] > 0:
                    gain = _agent_gain(self.scenario, self.goals, ev, name, i, pool, self.plan)
                    if gain:
                        ratios.append(float(ev.sl_se[name][i] / gain))
        return max(ratios) if ratios else None


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
    max_replications: int | None = None,
) -> IsaOutcome:
    """Simulation-based staffing per interval and pool, from ``start`` (the Erlang A plan).

    Each iteration simulates the day under the current plan, checks every interval (``evaluate``)
    and, at once for all failing intervals, adds agents to the pool the multi-skill rule names: as
    many as Erlang A on the *observed* load says are missing (at least one, at most a fifth more),
    so big gaps close in one or two steps and carry-over is mopped up one agent at a time. When
    every interval passes, trim rounds try fewer agents on alternate intervals of each pool (first
    down to Erlang A on the observed load, then one agent) and keep the cuts after which that
    interval and the next still pass; the trimmed plan is simulated again, and the iteration goes
    on from there.

    Every plan is simulated on the same days (``Days``: common random numbers), in stages of more
    and more of them (``search_stages``): the last stage decides on ``replications`` days, each
    trim there a test of n against n - 1 agents. Then, while some interval's decision is noisier
    than ``RESOLUTION_AGENTS`` (``_Isa.resolution``), the replications double and the search goes
    on from its plan (the days it has are kept), up to ``max_replications`` (default
    ``replications``: no more). It does not start when the noise, falling as 1/sqrt(days), could
    not reach the resolution in every interval within that cap: more days would then polish some
    intervals at the cost of many simulations, and the resolution reached is reported instead.

    An interval is given up (reported in ``unrescued``, no more agents added) when it still
    fails at three times the start plan's peak plus ten, or when five rounds of additions have
    not cut its ``shortfall`` by a point: its misses come from elsewhere (a backlog from earlier
    intervals, agents who are not there, an impossible target), and looping would not fix them.
    """
    say = log or (lambda s: None)
    cap = max(replications, max_replications or replications)
    days = Days(scenario, workers, scheduler, keep=2 * (2 * len(scenario.pool_names) + 1))
    isa = _Isa(scenario, goals, start, confidence, days, say)
    for k, r in enumerate(search_stages(replications)):
        ev = isa.stage(r, max_iterations, trim_rounds if k == 0 else 1)
    resolution = isa.resolution(ev)
    while resolution is not None and resolution > RESOLUTION_AGENTS and r < cap and r * (resolution / RESOLUTION_AGENTS) ** 2 <= cap:
        say(f"the plan is decided to {resolution:.2f} agents on {r} days: on to {min(cap, 2 * r)} days")
        r = min(cap, 2 * r)
        ev = isa.stage(r, max_iterations, 1)
        resolution = isa.resolution(ev)
    labels = scenario.horizon.interval_labels()
    gave_up = [
        {"interval_start": labels[i], "name": key, "reason": reason} for (key, i), reason in sorted(isa.unrescued.items(), key=lambda kv: kv[0][1])
    ]
    return IsaOutcome(isa.plan, ev, r, resolution, len(isa.history), isa.simulations, days.simulated, isa.converged, gave_up, isa.history)


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
    achieved: dict[str, Any]  # plan name -> SimulationResult on the fresh days
    evaluations: dict[str, Evaluation]  # plan name -> each interval's means on the fresh days against the targets
    not_short: dict[str, Evaluation]  # plan name -> each interval not significantly short on the fresh days
    erlang: dict[str, ErlangPlan]
    isa: IsaOutcome
    shift_plans: dict[str, Any] = field(default_factory=dict)  # pool -> ShiftPlan
    wall_time_s: float = 0.0
    precision: float | None = None  # the fresh days' target half-width, if one was asked for
    rosters: dict[str, Any] = field(default_factory=dict)  # pool -> WeekRoster, with ``week``
    requirement: str = "simulated"  # the plan the shifts or the weekly roster cover

    @property
    def plan_labels(self) -> dict[str, str]:
        """What each plan is called in the terminal and the report (a weekly roster's shifts as such)."""
        return {**PLAN_LABELS, "shifts": "weekly roster"} if self.rosters else PLAN_LABELS

    def warnings(self) -> list[str]:
        """Why the figures on the fresh days are hard to read, if they are (``evaluation.readability_warnings``)."""
        shares = {label: e for k, res in self.achieved.items() for label, e in day_shares(res, f"{self.plan_labels[k]}: ").items()}
        widest = widest_half_width(self.scenario, [res.replication_stats for res in self.achieved.values()])
        return readability_warnings(self.evaluation_replications, shares) + precision_warnings(widest, self.evaluation_replications, self.precision)

    @property
    def evaluation_replications(self) -> int:
        """The fresh days every plan is judged on (replications from ``FRESH_DAYS`` on)."""
        return next(iter(self.achieved.values())).replications

    @property
    def promised_share(self) -> float:
        """What the simulated plan promises: each interval meets its targets with this confidence,
        so on new days at least this share of intervals should not fall significantly short.
        Intervals given up (``isa.unrescued``) are outside the promise."""
        return self.confidence

    @property
    def promise_share_held(self) -> float:
        """The share of the simulated plan's intervals (those not given up) that are not
        significantly short on the fresh days: the promise holds when it is at least ``promised_share``."""
        labels = {label: i for i, label in enumerate(self.labels)}
        given_up = frozenset((u["name"], labels[u["interval_start"]]) for u in self.isa.unrescued)
        return self.not_short["simulated"].share_ok(given_up)

    @property
    def promise_held(self) -> bool:
        return self.promise_share_held >= self.promised_share

    def promise_verdict(self) -> str:
        """The promise checked, in one sentence (the terminal and the report say it the same way)."""
        held = "held" if self.promise_held else "did NOT hold"
        return (
            f"The simulated plan's promise {held}: on {self.evaluation_replications} fresh days (replications the search never saw) "
            f"{self.promise_share_held:.0%} of its intervals are not significantly short of the targets; it promised at least {self.promised_share:.0%}."
        )

    def search_summary(self) -> str:
        """How many days the search decided on, and how precisely, in one sentence."""
        isa = self.isa
        res = "" if isa.resolution_agents is None else f"; its least certain interval is known to {isa.resolution_agents:.2f} agents"
        return f"The search decided on {isa.replications} days (the same for every candidate plan){res}."

    @property
    def targets_met(self) -> bool:
        """The search found a plan that meets every target in every interval, none given up."""
        return self.isa.converged and not self.isa.unrescued and self.isa.evaluation.all_ok

    def agent_hours(self) -> dict[str, dict[str, float]]:
        return {k: agent_hours(v, self.scenario.horizon.interval_s) for k, v in self.plans.items()}

    @property
    def counted(self) -> list[int]:
        """The intervals the verdicts count: every one, or the open ones of a horizon with opening hours."""
        return self.scenario.horizon.counted_intervals()[0]

    def intervals_meeting(self, plan: str) -> dict[str, int]:
        """Per contact type, the (open) intervals whose means on the fresh days meet every target."""
        ev, counted = self.evaluations[plan], self.counted
        return {t: int(ev.type_ok[t][counted].sum()) for t in ev.type_ok}

    def evaluation_dict(self) -> dict:
        """Every plan judged on the same fresh days: the share of (contact type, interval) cells
        meeting the targets, and each interval's figures with their 95% intervals; then the promise."""
        plans = {}
        for k, res in self.achieved.items():
            ev = self.evaluations[k]
            rows = [
                {
                    "interval_start": label, "contact_type": t, "meets_targets": bool(ev.type_ok[t][i]),
                    **{m: res.intervals_by_contact_type[t][m][i].to_dict() for m in ("service_level", "asa_seconds", "abandon_rate", "offered")},
                }
                for i, label in enumerate(self.labels)
                for t in self.scenario.type_names
            ]
            plans[k] = {
                "share_meeting_targets": round(ev.share_ok(), 4),
                "intervals_meeting_targets": self.intervals_meeting(k),
                "share_not_significantly_short": round(self.not_short[k].share_ok(), 4),
                "intervals": rows,
            }
        return {
            "replications": self.evaluation_replications,
            "seeds": "fresh",
            "first_replication": FRESH_DAYS,
            "search_replications": self.isa.replications,
            "meets_targets": "the interval's means over the fresh days meet every target",
            "significance": SIGNIFICANCE,
            "plans": plans,
            "promise": {"plan": "simulated", "promised_share": self.promised_share, "share_held": round(self.promise_share_held, 4), "held": self.promise_held},
        }

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
            "promise_held": self.promise_held,
            "targets": self.goals.to_dict(),
            "intervals": self.rows(),
            "targets_met": self.targets_met,
            "unrescued": self.isa.unrescued,
            "converged": self.isa.converged,
            "iterations": self.isa.iterations,
            "simulations": self.isa.simulations,
            "search": {
                "replications": self.isa.replications, "resolution_agents": None if self.isa.resolution_agents is None else round(self.isa.resolution_agents, 3),
                "simulated_days": self.isa.simulated_days, "common_random_numbers": True,
            },
            "evaluation": self.evaluation_dict(),
            "agent_hours": {k: {p: round(v, 3) for p, v in d.items()} for k, d in self.agent_hours().items()},
            "achieved": achieved,
            "erlang_notes": [note for plan in self.erlang.values() for note in plan.notes],
            "wall_time_seconds": round(self.wall_time_s, 3),
        }
        if self.shift_plans:
            out["shift_plans"] = {p: sp.to_dict() for p, sp in self.shift_plans.items()}
        if self.rosters:
            out["roster"] = [line for roster in self.rosters.values() for line in roster.roster()]
            out["week_rosters"] = {p: {**roster.to_dict(), "covers": self.requirement} for p, roster in self.rosters.items()}
            out["by_date"] = {k: res.to_dict()["by_date"] for k, res in self.achieved.items() if res.by_date is not None}
        return out

    def csv(self) -> str:
        rows = self.rows()
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()

    def to_pandas(self, by: str = "pool", date=None):
        """What each plan achieves on the simulated days, as one pandas DataFrame indexed by (plan,
        interval_start, pool), or by contact type with ``by="contact_type"``: each plan's
        ``SimulationResult.to_pandas``, stacked. By pool, ``agents_scheduled`` is the plan's agents
        (for the shift plan, its roster averaged over each interval) and ``agents`` those present."""
        from .results import stack_frames

        return stack_frames({k: res.to_pandas(by, date) for k, res in self.achieved.items()}, "plan")

    def __repr__(self) -> str:
        from .results import plural

        return (
            f"StaffResult({self.scenario.name!r}, {plural(len(self.plans), 'plan')}, {plural(len(self.labels), 'interval')}, "
            f"{plural(len(self.scenario.agent_pools), 'pool')}, targets {'met' if self.targets_met else 'not met'})"
        )


def staff(
    scenario: Scenario,
    replications: int | None = None,
    confidence: float = 0.8,
    workers: int | None = None,
    shift_rules=None,
    max_iterations: int = 30,
    log: Callable[[str], None] | None = None,
    scheduler: str | None = None,
    max_replications: int | None = None,
    evaluation_replications: int | None = None,
    precision: float | None = None,
    week: bool = False,
    requirement: str = "simulated",
) -> StaffResult:
    """Naive Erlang C, Erlang A and simulation-based staffing beside the scenario's own plan, each
    plan judged on the same fresh days.

    The search starts on the scenario's replications and doubles them while its decisions are
    noisier than half an agent, up to ``max_replications`` (default ``MAX_SEARCH_REPLICATIONS``;
    see ``iterate_staffing``); ``replications`` fixes them instead (no doubling unless
    ``max_replications`` is given too). Every plan is then simulated on ``evaluation_replications``
    fresh days (default: as many as the search decided on; with ``precision``, more follow until
    every plan's day service levels have a 95% half-width at most that, see
    ``runner.until_precise``), replications from ``FRESH_DAYS`` on, which the search never saw: what each achieves, the intervals it meets, and whether the
    simulated plan's promise held are read from those. The own plan is worked as the scenario has it (its
    roster, if it has shifts) and shown as its per-interval head count (``plans.current_plan``).
    ``shift_rules`` (or the scenario's ``shifts:``) turns the ``requirement`` (the simulated plan,
    or ``erlang_a``) into shifts, which are simulated too; with ``week``, into a weekly roster per
    pool (``week_rosters``), simulated as the agents it puts on duty in each interval.
    """
    started = time.perf_counter()
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence}")
    if requirement not in ("simulated", "erlang_a"):
        raise ValueError(f"requirement must be 'simulated' or 'erlang_a', not {requirement!r}")
    rules = shift_rules if shift_rules is not None else scenario.shifts
    if week and (problems := week_problems(scenario, rules)):
        raise ScenarioError(problems)
    if max_replications is None:
        max_replications = replications or MAX_SEARCH_REPLICATIONS
    replications = replications or scenario.replications
    goals = goals_of(scenario)
    naive = {"erlang_c": erlang_plan(scenario, goals, "C"), "erlang_a": erlang_plan(scenario, goals, "A")}
    with session(workers, scheduler) as shared:  # one pool for the search and the fresh days; no day simulated twice
        # the fresh days of the plans known now, simulated while the search leaves a worker waiting
        known = [scenario, with_plan(scenario, naive["erlang_c"].plan), with_plan(scenario, naive["erlang_a"].plan)]
        shared.prefetch([(sc, FRESH_DAYS + r) for sc in known for r in range(evaluation_replications or replications)])
        isa = iterate_staffing(
            scenario, goals, naive["erlang_a"].plan, replications, confidence, workers, max_iterations, log=log, scheduler=scheduler,
            max_replications=max_replications,
        )
        plans = {"own": current_plan(scenario), "erlang_c": naive["erlang_c"].plan, "erlang_a": naive["erlang_a"].plan, "simulated": isa.plan}
        required = plans[requirement]
        shift_plans, rosters = {}, {}
        if week:
            rosters = week_rosters(scenario, rules, required)
            plans["shifts"] = {p: (rosters[p].staffing() if p in rosters else required[p]) for p in scenario.pool_names}
        elif rules is not None:
            from .shifts import optimise_shifts

            for pool in rules.pools or scenario.pool_names:
                shift_plans[pool] = optimise_shifts(required[pool], rules, scenario.horizon, pool)
            plans["shifts"] = {p: (shift_plans[p].staffing() if p in shift_plans else required[p]) for p in scenario.pool_names}
        # every plan is simulated as it would be worked; the shift plan as its roster (exact shift
        # edges and breaks), not as the rounded per-interval head count shown in the table
        worked = {k: with_plan(scenario, v) for k, v in plans.items()}
        worked["own"] = scenario
        if shift_plans:
            worked["shifts"] = with_rosters(scenario, shift_plans, required)
        # every plan judged on the same fresh days: replications the search never saw
        sims: list[list[ReplicationStats]] = [[] for _ in plans]

        def run_batch(first: int, stop: int) -> bool:
            for days, more in zip(sims, simulate_many([worked[k] for k in plans], stop - first, workers, FRESH_DAYS + first, scheduler=scheduler)):
                days.extend(more)
            return True

        fresh = until_precise(run_batch, lambda: widest_half_width(scenario, sims), evaluation_replications or isa.replications, precision)
    from .results import SimulationResult

    achieved, evaluations, not_short = {}, {}, {}
    for k, reps in zip(plans, sims):
        achieved[k] = SimulationResult.from_replications(worked[k].model_copy(update={"replications": fresh}), reps)
        evaluations[k] = evaluate(scenario, reps, goals, 0.5)  # a one-sided bound at 50% is the mean
        not_short[k] = not_significantly_short(scenario, reps, goals)
    return StaffResult(
        scenario, goals, confidence, isa.replications, scenario.horizon.interval_labels(), plans, achieved, evaluations, not_short,
        naive, isa, shift_plans, time.perf_counter() - started, precision, rosters, requirement,
    )


def week_problems(scenario: Scenario, rules) -> list[str]:
    """What a weekly roster needs and the scenario lacks: a dated horizon of whole days (at most a
    week) and shift rules with a ``week:`` section."""
    hz = scenario.horizon
    problems = []
    if not hz.whole_days:
        problems.append("horizon: a weekly roster needs a dated horizon of whole days (start_date, days, open)")
    elif hz.days > 7:
        problems.append(f"horizon -> days: a weekly roster plans at most 7 days, the horizon has {hz.days}")
    if rules is None:
        problems.append("shifts: a weekly roster needs shift rules (the scenario's shifts: or --shifts) with a week: section")
    elif rules.week is None:
        problems.append("shifts -> week: the weekly rules are missing (days_per_week, contracts or contract_hours, ...)")
    return problems


def week_rosters(scenario: Scenario, rules, required: Plan) -> dict:
    """A weekly roster per pool the rules plan (``rosters.optimise_week``), covering ``required``
    agents per interval within each date's opening hours."""
    from .rosters import optimise_week

    hz = scenario.horizon
    hours = hz.opening_hours()
    open_hours = [hours[d] for d in hz.dates]
    return {pool: optimise_week(required[pool], hz.dates, hz.interval_minutes, open_hours, rules, pool) for pool in rules.pools or scenario.pool_names}
