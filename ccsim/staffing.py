"""Staffing that really meets the targets: naive Erlang C, Erlang A and simulation, side by side.

Why three plans: planners staff with SIPP Erlang C on the planned AHT plus a flat shrinkage and
are surprised on the day. Erlang A adds patience. Only the simulation sees redials, transfers,
handle-time growth, shrinkage drawn per day, queues carried from one interval into the next and
imperfect multi-skill pooling. Showing the three per interval, each simulated on the same days
(common random numbers), is what makes the gap visible.

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
from scipy import stats as sps

from ._version import __version__
from .metrics import stack_counters
from .model.tally import ReplicationStats
from .scenario import AgentPool, Scenario, ScenarioError, ServiceLevel, Targets, TypeTargets

Plan = dict[str, list[int]]  # pool -> agents per interval
PLAN_LABELS = {"erlang_c": "Erlang C (naive SIPP)", "erlang_a": "Erlang A (SIPP + patience)", "simulated": "simulation (ISA)", "shifts": "shift plan"}


# --- targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeGoal:
    """What one contact type must achieve in every interval."""

    name: str
    sl_target: float
    sl_seconds: float
    max_asa_s: float | None
    max_abandon: float | None

    def describe(self) -> str:
        parts = [f"{self.sl_target:.0%} within {self.sl_seconds:g} s"]
        if self.max_asa_s is not None:
            parts.append(f"ASA <= {self.max_asa_s:g} s")
        if self.max_abandon is not None:
            parts.append(f"abandon <= {self.max_abandon:.0%}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Goals:
    types: dict[str, TypeGoal]
    max_occupancy: dict[str, float | None]

    def describe(self) -> list[str]:
        lines = [f"{name}: {g.describe()}" for name, g in self.types.items()]
        lines += [f"{p}: occupancy <= {v:.0%}" for p, v in self.max_occupancy.items() if v is not None]
        return lines

    def to_dict(self) -> dict:
        return {
            "contact_types": {
                n: {"service_level": g.sl_target, "service_level_seconds": g.sl_seconds, "max_asa_seconds": g.max_asa_s, "max_abandon_rate": g.max_abandon}
                for n, g in self.types.items()
            },
            "agent_pools": {p: {"max_occupancy": v} for p, v in self.max_occupancy.items()},
        }


def goals_of(sc: Scenario) -> Goals:
    """The scenario's targets: each type's ``service_level`` plus the ``targets:`` section."""
    t = sc.targets or Targets()
    types = {}
    for name, ct in sc.contact_types.items():
        own = t.contact_types.get(name, TypeTargets())
        types[name] = TypeGoal(
            name,
            ct.service_level.target,
            ct.service_level.seconds,
            own.max_asa_seconds if own.max_asa_seconds is not None else t.max_asa_seconds,
            own.max_abandon_rate if own.max_abandon_rate is not None else t.max_abandon_rate,
        )
    occ = {p: t.agent_pools.get(p, t.max_occupancy) for p in sc.agent_pools}
    return Goals(types, occ)


_TARGET_KEYS = {
    "sl": "service_level",
    "service_level": "service_level",
    "sl_seconds": "service_level_seconds",
    "service_level_seconds": "service_level_seconds",
    "asa": "max_asa_seconds",
    "asa_seconds": "max_asa_seconds",
    "max_asa_seconds": "max_asa_seconds",
    "abandon": "max_abandon_rate",
    "abandon_rate": "max_abandon_rate",
    "max_abandon_rate": "max_abandon_rate",
    "occupancy": "max_occupancy",
    "max_occupancy": "max_occupancy",
}


def _share(text: str) -> float:
    text = text.strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def apply_targets(sc: Scenario, specs: list[str]) -> Scenario:
    """Override targets from ``--target`` strings: ``KEY=VALUE`` or ``NAME.KEY=VALUE``.

    Keys: ``sl`` (share, '0.8', '80%' or '80/20' for target and seconds), ``sl_seconds``, ``asa``
    (seconds), ``abandon`` (share), ``occupancy`` (share). NAME is a contact type (sl, asa,
    abandon) or an agent pool (occupancy); without it the value applies to all. Raises
    ScenarioError naming the bad spec.
    """
    if not specs:
        return sc
    levels = {n: ct.service_level.model_dump() for n, ct in sc.contact_types.items()}
    targets = (sc.targets or Targets()).model_dump()
    problems = []
    for spec in specs:
        where = f"--target {spec}"
        if "=" not in spec:
            problems.append(f"{where}: write KEY=VALUE, e.g. sl=0.8, asa=30, abandon=0.05, occupancy=0.9, or chat.sl=80/20")
            continue
        lhs, value = (s.strip() for s in spec.split("=", 1))
        name, _, key = lhs.rpartition(".")
        if key not in _TARGET_KEYS:
            problems.append(f"{where}: unknown key '{key}' (known: sl, sl_seconds, asa, abandon, occupancy)")
            continue
        key = _TARGET_KEYS[key]
        owners = sc.agent_pools if key == "max_occupancy" else sc.contact_types
        if name and name not in owners:
            kind = "agent pool" if key == "max_occupancy" else "contact type"
            problems.append(f"{where}: '{name}' is not a {kind} (known: {', '.join(owners)})")
            continue
        try:
            if key == "service_level":
                if "/" in value:
                    share, secs = value.split("/", 1)
                    v, seconds = _share(share), float(secs)
                    v = v / 100 if v > 1 else v  # '80/20' speaks in percent
                else:
                    v, seconds = _share(value), None
                for n in [name] if name else list(levels):
                    levels[n]["target"] = v
                    if seconds is not None:
                        levels[n]["seconds"] = seconds
            elif key == "service_level_seconds":
                for n in [name] if name else list(levels):
                    levels[n]["seconds"] = float(value)
            elif key == "max_occupancy":
                v = _share(value)
                if name:
                    targets["agent_pools"][name] = v
                else:
                    targets["max_occupancy"] = v
            else:
                v = float(value) if key == "max_asa_seconds" else _share(value)
                if name:
                    targets["contact_types"].setdefault(name, {})[key] = v
                else:
                    targets[key] = v
        except ValueError:
            problems.append(f"{where}: '{value}' is not a number")
    if problems:
        raise ScenarioError(problems)
    from pydantic import ValidationError

    try:
        new_types = {n: ct.model_copy(update={"service_level": ServiceLevel.model_validate(levels[n])}) for n, ct in sc.contact_types.items()}
        new_targets = Targets.model_validate(targets)
    except ValidationError as err:
        raise ScenarioError([f"--target: {e['loc'][-1] if e['loc'] else ''}: {e['msg']}" for e in err.errors()]) from None
    return copy_scenario(sc, contact_types=new_types, targets=new_targets)


# --- plans -------------------------------------------------------------------------------------


def copy_scenario(sc: Scenario, **update) -> Scenario:
    """``model_copy`` without stale cached properties (pool and type names)."""
    new = sc.model_copy(update=update)
    for cached in ("type_names", "pool_names"):
        new.__dict__.pop(cached, None)
    return new


def with_plan(sc: Scenario, plan: Plan) -> Scenario:
    """The scenario with each planned pool staffed per interval (a roster, if any, replaced)."""
    pools = {}
    for name, pool in sc.agent_pools.items():
        if name in plan:
            pools[name] = pool.model_copy(update={"agents": [int(x) for x in plan[name]], "shifts": None})
        else:
            pools[name] = pool
    return copy_scenario(sc, agent_pools=pools)


def with_rosters(sc: Scenario, shift_plans: dict, plan: Plan) -> Scenario:
    """The scenario with each pool of ``shift_plans`` (pool -> ``shifts.ShiftPlan``) working its
    roster as ``agent_pools -> POOL -> shifts`` (agents arrive, break and leave at the minute the
    plan says), and every other pool staffed per interval from ``plan``."""
    from .scenario_behaviours import Shift

    base = with_plan(sc, {p: v for p, v in plan.items() if p not in shift_plans})
    pools = dict(base.agent_pools)
    for p, sp in shift_plans.items():
        roster = [Shift.model_validate(r) for r in sp.roster()]
        if roster:
            pools[p] = pools[p].model_copy(update={"agents": None, "shifts": roster})
        else:  # nothing required, nobody rostered
            pools[p] = pools[p].model_copy(update={"agents": [0] * sc.horizon.n_intervals, "shifts": None})
    return copy_scenario(base, agent_pools=pools)


def current_plan(sc: Scenario) -> Plan:
    """The scenario's own staffing per pool and interval (a roster's time-average, rounded)."""
    n = sc.horizon.n_intervals
    return {name: [int(x) for x in pool.staffing(n, sc.horizon)] for name, pool in sc.agent_pools.items()}


def agent_hours(plan: Plan, interval_s: float) -> dict[str, float]:
    hours = {p: float(sum(v)) * interval_s / 3600.0 for p, v in plan.items()}
    hours["total"] = sum(hours.values())
    return hours


def primary_pools(sc: Scenario) -> dict[str, list[str]]:
    """Contact type -> the pools serving it at their best skill level for it."""
    out = {}
    for name in sc.contact_types:
        levels = {p: pool.skill_levels[name] for p, pool in sc.agent_pools.items() if name in pool.skill_levels}
        best = min(levels.values())
        out[name] = [p for p, lv in levels.items() if lv == best]
    return out


def pool_for(sc: Scenario, contact_type: str) -> str:
    """The pool that gets an agent when ``contact_type`` misses a target (module docstring)."""
    cands = primary_pools(sc)[contact_type]
    order = list(sc.agent_pools)
    return min(cands, key=lambda p: (len(sc.agent_pools[p].skill_levels), order.index(p)))


def shrinkage_mean(pool: AgentPool) -> float:
    """The pool's expected shrinkage, the flat share a spreadsheet adds (0 without ``shrinkage``)."""
    return pool.shrinkage.mean if pool.shrinkage is not None else 0.0


def concurrency(pool: AgentPool) -> int:
    """Contacts one agent of the pool holds at once (chat ``max_chats``, else 1)."""
    return pool.concurrency.max_chats if pool.concurrency is not None else 1


def mean_patience(ct) -> float | None:
    """Mean patience for Erlang A; None (Erlang C) when nobody abandons or some never do."""
    if ct.patience is None:
        return None
    m = ct.patience.expectation
    return m if m is not None and math.isfinite(m) and m > 0 else None


@dataclass
class ErlangPlan:
    """A SIPP plan and, per contact type and interval, what the formula promised."""

    model: str
    plan: Plan
    required: dict[str, list[int | None]]  # contact type -> agents needed before shrinkage (None: infeasible)
    promised_sl: dict[str, list[float | None]]
    notes: list[str]


def erlang_plan(sc: Scenario, goals: Goals, model: str) -> ErlangPlan:
    """SIPP staffing from the planned AHT (and, for model A, the mean patience).

    Each contact type is solved on its own full load and its agents split evenly over its primary
    pools (no pooling economy: what a spreadsheet does); a pool's flat shrinkage is then added
    and chat concurrency divides. Intervals whose targets no staffing meets are noted and planned
    at the solver's best effort (the occupancy floor), never an exception.
    """
    from .erlang import InfeasibleTargetError, solve_agents

    hz = sc.horizon
    n = hz.n_intervals
    prim = primary_pools(sc)
    per_pool = {p: [0.0] * n for p in sc.agent_pools}
    required: dict[str, list[int | None]] = {}
    promised: dict[str, list[float | None]] = {}
    notes = []
    labels = hz.interval_labels()
    for name, ct in sc.contact_types.items():
        g = goals.types[name]
        aht = ct.handle_time.expectation
        patience = mean_patience(ct) if model == "A" else None
        m = "A" if patience is not None else "C"
        occ = min((goals.max_occupancy[p] for p in prim[name] if goals.max_occupancy[p] is not None), default=None)
        rates = [r * 3600.0 for r in ct.arrivals.rates_per_s(hz)]
        req_row, sl_row = [], []
        for i, rate in enumerate(rates):
            try:
                res = solve_agents(
                    m, rate, aht, g.sl_seconds, target_sl=g.sl_target, target_asa_s=g.max_asa_s,
                    target_abandon=g.max_abandon if m == "A" else None, patience_s=patience, max_occupancy=occ,
                )
                req_row.append(res.required_agents)
                sl_row.append(res.result.service_level if res.result is not None else None)
            except InfeasibleTargetError as exc:
                req_row.append(None)
                sl_row.append(None)
                notes.append(f"{labels[i]} {name}: Erlang {m} finds no staffing meeting the targets ({exc})")
        required[name] = req_row
        promised[name] = sl_row
        k = len(prim[name])
        for p in prim[name]:
            for i, r in enumerate(req_row):
                per_pool[p][i] += (r if r is not None else 0) / k
    plan = {}
    for p, pool in sc.agent_pools.items():
        s, conc = shrinkage_mean(pool), concurrency(pool)
        plan[p] = [int(math.ceil(x / conc / (1.0 - s) - 1e-9)) for x in per_pool[p]]
    return ErlangPlan(model, plan, required, promised, notes)


# --- simulating plans --------------------------------------------------------------------------


def simulate_many(
    scenarios: list[Scenario], replications: int, workers: int | None = None, first_replication: int = 0,
    progress: Callable[[int, int], None] | None = None, scheduler: str | None = None,
) -> list[list[ReplicationStats]]:
    """Replications ``first..first+R-1`` of each scenario through the shared runner, in one batch.

    The same replication indices for every scenario are what make the comparisons paired.
    ``workers`` and ``scheduler`` choose the backend as in ``runner.run_units`` (a Dask scheduler
    address, else ``$CCSIM_DASK_SCHEDULER``, else local processes); ``RunnerError`` propagates.
    """
    from .runner import run_units

    units = [(s, first_replication + r) for s in scenarios for r in range(replications)]
    batch = run_units(units, workers=workers, progress=progress, scheduler=scheduler)
    if batch.interrupted:
        raise KeyboardInterrupt
    out = []
    for k in range(len(scenarios)):
        out.append([batch.results[k * replications + r] for r in range(replications)])
    return out


def _bound(values: np.ndarray, confidence: float, upper: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, one-sided bound, n) over axis 0 ignoring NaN; the bound is the mean where n < 2."""
    v = np.asarray(values, float)
    ok = np.isfinite(v)
    n = ok.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(np.where(ok, v, 0), 0) / np.maximum(n, 1), np.nan)
        dev = np.where(ok, v - mean, 0.0)
        sd = np.sqrt(np.sum(dev * dev, 0) / np.maximum(n - 1, 1))
        t = sps.t.ppf(confidence, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), 0.0)
    return mean, (mean + half if upper else mean - half), n


def _div(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


@dataclass
class Evaluation:
    """Per-interval target check of one plan: ``ok[type][i]``, measures with one-sided bounds."""

    type_ok: dict[str, np.ndarray]
    failing: dict[str, list[list[str]]]  # type -> per interval -> names of failed measures
    means: dict[str, dict[str, np.ndarray]]
    bounds: dict[str, dict[str, np.ndarray]]
    pool_occupancy: dict[str, np.ndarray]
    pool_occupancy_bound: dict[str, np.ndarray]
    pool_ok: dict[str, np.ndarray]
    offered: dict[str, np.ndarray]  # mean contacts per interval (every attempt)
    answered: dict[str, np.ndarray]
    busy_s: dict[str, np.ndarray]  # mean busy agent-seconds per interval
    present: dict[str, np.ndarray]  # mean agents present per interval

    @property
    def all_ok(self) -> bool:
        return all(v.all() for v in self.type_ok.values()) and all(v.all() for v in self.pool_ok.values())

    def share_ok(self) -> float:
        """Share of the (contact type, interval) cells with contacts that meet their targets."""
        cells = [ok for name, row in self.type_ok.items() for ok, n in zip(row, self.offered[name]) if n > 0]
        return float(np.mean(cells)) if cells else 1.0


def evaluate(sc: Scenario, reps: list[ReplicationStats], goals: Goals, confidence: float) -> Evaluation:
    """Does each interval meet each target with the given one-sided confidence?

    Service level must have its lower bound at or above the target; ASA, abandonment and
    occupancy their upper bound at or below the limit. An interval nobody called in passes.
    """
    hz = sc.horizon
    bases = [ct.service_level.definition for ct in sc.contact_types.values()]
    c, p = stack_counters(reps, bases, hz.interval_s)
    type_ok, failing, means, bounds, offered, answered = {}, {}, {}, {}, {}, {}
    for k, name in enumerate(sc.type_names):
        g = goals.types[name]
        sl_m, sl_lo, _ = _bound(_div(c["within_sl"][:, k], c["sl_base"][:, k]), confidence, upper=False)
        asa_m, asa_hi, _ = _bound(_div(c["wait_answered_sum"][:, k], c["answered"][:, k]), confidence, upper=True)
        ab_m, ab_hi, _ = _bound(_div(c["abandoned"][:, k], c["offered"][:, k]), confidence, upper=True)
        means[name] = {"service_level": sl_m, "asa_seconds": asa_m, "abandon_rate": ab_m}
        bounds[name] = {"service_level": sl_lo, "asa_seconds": asa_hi, "abandon_rate": ab_hi}
        rows = []
        for i in range(hz.n_intervals):
            bad = []
            if np.isfinite(sl_lo[i]) and sl_lo[i] < g.sl_target - 1e-9:
                bad.append("service_level")
            if g.max_asa_s is not None and np.isfinite(asa_hi[i]) and asa_hi[i] > g.max_asa_s + 1e-9:
                bad.append("asa_seconds")
            if g.max_abandon is not None and np.isfinite(ab_hi[i]) and ab_hi[i] > g.max_abandon + 1e-9:
                bad.append("abandon_rate")
            rows.append(bad)
        failing[name] = rows
        type_ok[name] = np.array([not r for r in rows])
        offered[name] = c["offered"][:, k].mean(0)
        answered[name] = c["answered"][:, k].mean(0)
    occ, occ_hi, pool_ok, busy, present = {}, {}, {}, {}, {}
    for j, name in enumerate(sc.pool_names):
        m, hi, _ = _bound(_div(p["busy_area"][:, j], p["staffed_area"][:, j]), confidence, upper=True)
        occ[name], occ_hi[name] = m, hi
        lim = goals.max_occupancy.get(name)
        pool_ok[name] = np.array([lim is None or not np.isfinite(x) or x <= lim + 1e-9 for x in hi])
        busy[name] = p["busy_area"][:, j].mean(0)
        present[name] = p["staffed_area"][:, j].mean(0) / hz.interval_s
    return Evaluation(type_ok, failing, means, bounds, occ, occ_hi, pool_ok, offered, answered, busy, present)


def recheck(
    sc: Scenario, plan: Plan, goals: Goals, replications: int, first_replication: int = 1_000_000, significance: float = 0.05,
    workers: int | None = None, scheduler: str | None = None,
) -> Evaluation:
    """The plan simulated on new days (replications the search never saw), each interval judged
    *not significantly short*: it fails only when a target is missed at one-sided ``significance``.

    This is how to check the staffing's promise (``StaffResult.promised_share``): the share of
    cells that hold (``Evaluation.share_ok``) should be at least the confidence it was found with.
    ``evaluate`` at confidence ``significance`` < 0.5 puts each bound on the other side of the mean.
    """
    if not 0 < significance < 0.5:
        raise ValueError(f"significance must be in (0, 0.5), got {significance}")
    (reps,) = simulate_many([with_plan(sc, plan)], replications, workers, first_replication, scheduler=scheduler)
    return evaluate(sc, reps, goals, significance)


# --- the iterative staffing algorithm ----------------------------------------------------------


@dataclass
class IsaOutcome:
    plan: Plan
    evaluation: Evaluation
    reps: list[ReplicationStats]
    iterations: int
    simulations: int
    converged: bool
    unrescued: list[dict]
    history: list[dict] = field(default_factory=list)


def _effective_requirement(sc: Scenario, goals: Goals, ev: Evaluation, name: str, i: int, pool: str, plan: Plan) -> int:
    """Agents the pool needs in interval i for this type, by Erlang A on the load the simulation
    actually saw: every attempt (redials, transfers in), handle time grown by what agents were busy,
    and scheduled agents scaled by how many were present (shrinkage). Only sizes the step."""
    from .erlang import InfeasibleTargetError, solve_agents

    hz = sc.horizon
    ct = sc.contact_types[name]
    g = goals.types[name]
    planned_work = sum(ev.answered[t][i] * sc.contact_types[t].handle_time.expectation for t in sc.type_names)
    busy = sum(b[i] for b in ev.busy_s.values())
    growth = min(5.0, max(0.5, busy / planned_work)) if planned_work > 0 else 1.0
    rate_h = ev.offered[name][i] / hz.interval_s * 3600.0
    sched = plan[pool][i]
    avail = min(1.0, max(0.2, ev.present[pool][i] / sched)) if sched > 0 else 1.0
    patience = mean_patience(ct)
    try:
        res = solve_agents(
            "A" if patience is not None else "C", rate_h, ct.handle_time.expectation * growth, g.sl_seconds,
            target_sl=g.sl_target, target_asa_s=g.max_asa_s, target_abandon=g.max_abandon if patience else None,
            patience_s=patience, max_agents=100_000,
        )
    except (InfeasibleTargetError, ValueError):
        return sched + 1
    # this type's share of the pool, by offered work
    work = {t: ev.offered[t][i] * sc.contact_types[t].handle_time.expectation for t in sc.agent_pools[pool].skill_levels}
    total = sum(work.values())
    share = work[name] / total if total > 0 else 1.0
    need_total = res.required_agents / avail / concurrency(sc.agent_pools[pool])
    return int(math.ceil(sched * (1 - share) + need_total - 1e-9))


def shortfall(ev: Evaluation, goals: Goals, name: str, i: int) -> float:
    """How far a contact type's means miss its targets in interval i (<= 0: they meet them):
    the worst of the service level's share short, the abandonment's share over and the ASA's
    excess as a share of its limit. The give-up rule watches it, whichever target fails."""
    g = goals.types[name]
    m = ev.means[name]
    parts = [g.sl_target - m["service_level"][i]]
    if g.max_abandon is not None:
        parts.append(m["abandon_rate"][i] - g.max_abandon)
    if g.max_asa_s is not None:
        parts.append((m["asa_seconds"][i] - g.max_asa_s) / g.max_asa_s)
    finite = [float(x) for x in parts if np.isfinite(x)]
    return max(finite) if finite else 0.0


def iterate_staffing(
    sc: Scenario,
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
    n = sc.horizon.n_intervals
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
        (reps,) = simulate_many([with_plan(sc, plan)], replications, workers, scheduler=scheduler)
        sims += 1
        ev = evaluate(sc, reps, goals, confidence)
        fails = [(name, i) for name in sc.type_names for i in range(n) if ev.failing[name][i] and (name, i) not in unrescued]
        occ_fails = [(p, i) for p in sc.pool_names for i in range(n) if not ev.pool_ok[p][i] and (p, i) not in unrescued]
        history.append({"iteration": it, "agent_hours": agent_hours(plan, sc.horizon.interval_s)["total"], "failing_intervals": len(fails) + len(occ_fails)})
        say(f"ISA iteration {it}: {history[-1]['agent_hours']:.1f} agent-hours, {len(fails) + len(occ_fails)} failing (type, interval) cells")
        if not fails and not occ_fails:
            n_cut = 0
            while trims < trim_rounds and not n_cut:
                trims += 1
                trimmed, n_cut, used = _trim(sc, goals, plan, ev, replications, confidence, workers, scheduler, big=trims < trim_rounds)
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
            pool = pool_for(sc, name)
            g = goals.types[name]
            gap = g.sl_target - ev.means[name]["service_level"][i]
            past = tried.setdefault((name, i), [])
            past.append((plan[pool][i], float(gap) if np.isfinite(gap) else 0.0, shortfall(ev, goals, name, i)))
            if len(past) >= 3 and past[-1][1] > past[-3][1] - 0.02:
                # agents added to the primary pool stopped helping: they are busy with the other
                # types they also serve, so relieve those types' own pools instead
                others = [t for t in sc.agent_pools[pool].skill_levels if t != name and pool_for(sc, t) != pool]
                if others:
                    other = max(others, key=lambda t: ev.offered[t][i] * sc.contact_types[t].handle_time.expectation)
                    pool = pool_for(sc, other)
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
                need = _effective_requirement(sc, goals, ev, name, i, pool, plan)
                step = min(max(1, need - plan[pool][i]), max(1, math.ceil(0.2 * plan[pool][i])))
            adds[(pool, i)] = max(adds.get((pool, i), 0), step)
        for pool, i in occ_fails:
            lim = goals.max_occupancy[pool]
            sched = plan[pool][i]
            avail = min(1.0, max(0.2, ev.present[pool][i] / sched)) if sched > 0 else 1.0
            need = math.ceil(ev.busy_s[pool][i] / sc.horizon.interval_s / lim / avail - 1e-9)
            if sched >= caps[pool]:
                unrescued[(pool, i)] = f"occupancy of {pool} still above {lim:.0%} at {sched} agents (the search's cap)"
                continue
            adds[(pool, i)] = max(adds.get((pool, i), 0), max(1, need - sched))
        if not adds:  # everything left failing has been given up
            converged = True
            break
        for (pool, i), step in adds.items():
            plan[pool][i] = min(caps[pool], plan[pool][i] + step)
    labels = sc.horizon.interval_labels()
    gave_up = [
        {"interval_start": labels[i], "name": key, "reason": reason} for (key, i), reason in sorted(unrescued.items(), key=lambda kv: kv[0][1])
    ]
    return IsaOutcome(plan, ev, reps, it, sims, converged, gave_up, history)


def _trim(sc, goals, plan, ev, replications, confidence, workers, scheduler, big: bool) -> tuple[Plan, int, int]:
    """Try fewer agents on alternate intervals of each pool; keep the cuts after which that
    interval and the next still pass. ``big`` cuts down to Erlang A on the observed load (at
    most a fifth), else one agent."""
    n = sc.horizon.n_intervals
    trials, cuts = [], []
    for pool in sc.pool_names:
        own = [t for t in sc.type_names if pool_for(sc, t) == pool]
        for parity in (0, 1):
            cand = {p: list(v) for p, v in plan.items()}
            cut = {}
            for i in range(parity, n, 2):
                if cand[pool][i] <= 0:
                    continue
                size = 1
                if big and own:
                    need = max(_effective_requirement(sc, goals, ev, t, i, pool, plan) for t in own)
                    size = min(max(1, plan[pool][i] - need), max(1, math.ceil(0.2 * plan[pool][i])))
                cut[i] = size
                cand[pool][i] -= size
            if cut:
                trials.append(cand)
                cuts.append((pool, cut))
    if not trials:
        return plan, 0, 0
    results = simulate_many([with_plan(sc, t) for t in trials], replications, workers, scheduler=scheduler)
    new = {p: list(v) for p, v in plan.items()}
    removed = 0
    served_by = {p: list(sc.agent_pools[p].skill_levels) for p in sc.pool_names}
    for (pool, cut), reps in zip(cuts, results):
        tev = evaluate(sc, reps, goals, confidence)
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
    """Three plans per interval and pool, what each achieves when simulated, and the shift plan."""

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
        sc = self.scenario
        achieved = {}
        for k, res in self.achieved.items():
            achieved[k] = {
                "by_contact_type": {
                    t: {m: res.by_contact_type[t][m].to_dict() for m in ("service_level", "asa_seconds", "abandon_rate", "offered")}
                    for t in sc.type_names
                },
                "by_pool": {p: {"occupancy": res.by_pool[p]["occupancy"].to_dict()} for p in sc.pool_names},
                "intervals_meeting_targets": self.intervals_meeting(k),
            }
        out = {
            "ccsim_version": __version__,
            "scenario": sc.name,
            "seed": sc.seed,
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
            "erlang_notes": [n for e in self.erlang.values() for n in e.notes],
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
    sc: Scenario,
    replications: int | None = None,
    confidence: float = 0.8,
    workers: int | None = None,
    shift_rules=None,
    max_iterations: int = 30,
    log: Callable[[str], None] | None = None,
    scheduler: str | None = None,
) -> StaffResult:
    """Naive Erlang C, Erlang A and simulation-based staffing, each plan simulated on the same days.

    ``replications`` defaults to the scenario's. ``shift_rules`` (or the scenario's ``shifts:``)
    turns the simulated requirement into shifts, which are simulated too.
    """
    started = time.perf_counter()
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence}")
    R = replications or sc.replications
    goals = goals_of(sc)
    ec = erlang_plan(sc, goals, "C")
    ea = erlang_plan(sc, goals, "A")
    isa = iterate_staffing(sc, goals, ea.plan, R, confidence, workers, max_iterations, log=log, scheduler=scheduler)
    plans = {"erlang_c": ec.plan, "erlang_a": ea.plan, "simulated": isa.plan}
    rules = shift_rules if shift_rules is not None else sc.shifts
    shift_plans = {}
    if rules is not None:
        from .shifts import optimise_shifts

        for pool in rules.pools or sc.pool_names:
            shift_plans[pool] = optimise_shifts(isa.plan[pool], rules, sc.horizon, pool)
        plans["shifts"] = {p: (shift_plans[p].staffing() if p in shift_plans else isa.plan[p]) for p in sc.pool_names}
    # every plan is simulated as it would be worked; the shift plan as its roster (exact shift
    # edges and breaks), not as the rounded per-interval head count shown in the table
    worked = {k: with_plan(sc, v) for k, v in plans.items()}
    if shift_plans:
        worked["shifts"] = with_rosters(sc, shift_plans, isa.plan)
    others = [k for k in plans if k != "simulated"]
    sims = simulate_many([worked[k] for k in others], R, workers, scheduler=scheduler)
    reps_by = dict(zip(others, sims))
    reps_by["simulated"] = isa.reps
    from .results import SimulationResult

    achieved, evaluations = {}, {}
    for k in plans:
        achieved[k] = SimulationResult.from_replications(worked[k].model_copy(update={"replications": R}), reps_by[k])
        evaluations[k] = evaluate(sc, reps_by[k], goals, confidence)
    return StaffResult(
        sc, goals, confidence, R, sc.horizon.interval_labels(), plans, achieved, evaluations,
        {"erlang_c": ec, "erlang_a": ea}, isa, shift_plans, time.perf_counter() - started,
    )
