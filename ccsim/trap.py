"""The understaffing-trap explorer: sweep staffing around the naive plan and find the cliff.

Why: a plan a few agents short does not miss by a few percent. Long waits make people hang up,
abandoners redial, redials add load, and the service level falls off a cliff, not a slope.
``explore`` simulates the naive Erlang C plan scaled from well below to above (70% to 130% by
default), every point on the same simulated days (common random numbers), and each also without
the realities that feed waits back into the load (``FEEDBACK``: redials, callbacks, announcements);
the cliff is where the realistic curve falls away from that twin (``find_cliff``). It sets the
plan's promise beside what the simulation gives it, and decomposes the gap between the naive and
the realistic requirement by cause. The scenario's own
plan is simulated on the same days, so a planner sees on which side of the cliff it stands.

Gap by cause: every reality the scenario switches on is switched off in a copy of the scenario
(``realities``; generic over the behaviour fields the scenario models hold), the simulation-based
requirement (``staffing.iterate_staffing``) is found for the "ideal" world with all of them off,
and then they are switched back on one at a time; each step's change in agent-hours is what that
reality costs. The ideal world still has time-varying load, so its first bar (against SIPP Erlang
C) is what time-variation and queues carried over between intervals cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ._version import __version__
from .clock import format_clock
from .distributions import Exponential
from .evaluation import precision_warnings, readability_warnings, simulate_many
from .goals import Goals, goals_of
from .metrics import NON_NEGATIVE, SHARE, Estimate, estimate, stack_counters
from .model.tally import ReplicationStats
from .plans import Plan, agent_hours, copy_scenario, current_plan, with_plan
from .runner import MAX_REPLICATIONS, session, until_precise, widest_half_width
from .scenario import Scenario
from .scenario_behaviours import Skill
from .sipp import ErlangPlan, erlang_plan
from .staffing import iterate_staffing

DEFAULT_SCALES = tuple(round(0.7 + 0.05 * k, 2) for k in range(13))


# --- the sweep ---------------------------------------------------------------------------------


@dataclass
class SweepPoint:
    """One staffing level: the naive plan times ``scale``, simulated with replications."""

    scale: float
    plan: Plan
    agents: float  # mean scheduled agents per interval, all pools
    measures: dict[str, Estimate]  # day figures over all contact types and pools
    by_type: dict[str, dict[str, Estimate]]
    interval_sl: dict[str, list[Estimate]]
    interval_abandon: dict[str, list[Estimate]]
    interval_means: dict[str, dict[str, np.ndarray]]  # type -> measure -> per-interval mean (for the verdict)
    meets_day_targets: bool
    without_feedback: Estimate | None = None  # the day's service level of the same plan without the feedback realities
    feedback_cost: Estimate | None = None  # what they cost it: without minus with, paired day by day

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"scale": self.scale, "agents": round(self.agents, 3)}
        out.update({k: e.to_dict() for k, e in self.measures.items()})
        out["by_contact_type"] = {t: {k: e.to_dict() for k, e in m.items()} for t, m in self.by_type.items()}
        out["meets_day_targets"] = self.meets_day_targets
        if self.feedback_cost is not None:
            out["without_feedback_service_level"] = self.without_feedback.to_dict()
            out["feedback_cost"] = self.feedback_cost.to_dict()
        return out


def _per_rep(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den per replication, NaN where nothing was counted (no contacts, no agents)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _point(scenario: Scenario, scale: float, plan: Plan, reps: list[ReplicationStats], goals: Goals) -> SweepPoint:
    """One sweep point from its replications: day and interval figures, and whether the day's
    means meet the goals (a day-level check: the sweep shows the cliff, not a per-interval plan)."""
    horizon = scenario.horizon
    bases = [ct.service_level.definition for ct in scenario.contact_types.values()]
    types, pools = stack_counters(reps, bases, horizon)
    tot = lambda key: types[key].sum(axis=(1, 2))  # noqa: E731  (per replication, all types and intervals)
    measures = {
        "service_level": estimate(_per_rep(tot("within_sl"), tot("sl_base")), bounds=SHARE),
        "asa_seconds": estimate(_per_rep(tot("wait_answered_sum"), tot("answered")), bounds=NON_NEGATIVE),
        "abandon_rate": estimate(_per_rep(tot("abandoned"), tot("offered")), bounds=SHARE),
        "occupancy": estimate(_per_rep(pools["busy_area"].sum(axis=(1, 2)), pools["staffed_area"].sum(axis=(1, 2))), bounds=SHARE),
        "offered": estimate(tot("offered"), bounds=NON_NEGATIVE),
        "agents_present": estimate(pools["staffed_area"].sum(axis=(1, 2)) / horizon.length_s, bounds=NON_NEGATIVE),
    }
    if "redials" in types:
        measures["redial_share"] = estimate(_per_rep(tot("redials"), tot("offered")), bounds=SHARE)
    costs = scenario.costs
    if costs is not None:
        staff_cost = costs.agent_hour * agent_hours(plan, horizon.interval_s)["total"]
        measures["cost"] = estimate(staff_cost + costs.abandoned_contact * tot("abandoned"), bounds=NON_NEGATIVE)
    by_type, isl, iab, imeans = {}, {}, {}, {}
    ok = True
    for k, name in enumerate(scenario.type_names):
        sl = _per_rep(types["within_sl"][:, k].sum(-1), types["sl_base"][:, k].sum(-1))
        asa = _per_rep(types["wait_answered_sum"][:, k].sum(-1), types["answered"][:, k].sum(-1))
        ab = _per_rep(types["abandoned"][:, k].sum(-1), types["offered"][:, k].sum(-1))
        by_type[name] = {"service_level": estimate(sl, bounds=SHARE), "asa_seconds": estimate(asa, bounds=NON_NEGATIVE), "abandon_rate": estimate(ab, bounds=SHARE)}
        goal = goals.types[name]
        m_sl, m_asa, m_ab = (by_type[name][m].mean for m in ("service_level", "asa_seconds", "abandon_rate"))
        ok &= m_sl is None or m_sl >= goal.sl_target
        ok &= goal.max_asa_s is None or m_asa is None or m_asa <= goal.max_asa_s
        ok &= goal.max_abandon is None or m_ab is None or m_ab <= goal.max_abandon
        sl_i = _per_rep(types["within_sl"][:, k], types["sl_base"][:, k])
        ab_i = _per_rep(types["abandoned"][:, k], types["offered"][:, k])
        isl[name] = [estimate(sl_i[:, i], bounds=SHARE) for i in range(horizon.n_intervals)]
        iab[name] = [estimate(ab_i[:, i], bounds=SHARE) for i in range(horizon.n_intervals)]
        imeans[name] = {
            "within_sl": types["within_sl"][:, k].mean(0),
            "sl_base": types["sl_base"][:, k].mean(0),
            "abandoned": types["abandoned"][:, k].mean(0),
            "offered": types["offered"][:, k].mean(0),
            "redials": types["redials"][:, k].mean(0) if "redials" in types else np.zeros(horizon.n_intervals),
        }
    for j, pool in enumerate(scenario.pool_names):
        lim = goals.max_occupancy.get(pool)
        if lim is not None:
            occ = estimate(_per_rep(pools["busy_area"][:, j].sum(-1), pools["staffed_area"][:, j].sum(-1))).mean
            ok &= occ is None or occ <= lim
    agents = sum(sum(v) for v in plan.values()) / horizon.n_intervals
    return SweepPoint(scale, plan, agents, measures, by_type, isl, iab, imeans, bool(ok))


def scaled(plan: Plan, scale: float) -> Plan:
    """The plan with every interval's agents times ``scale``, rounded (never below zero)."""
    return {p: [max(0, int(round(scale * x))) for x in v] for p, v in plan.items()}


def _day_service_level(scenario: Scenario, reps: list[ReplicationStats]) -> np.ndarray:
    """The day's service level per replication, all contact types together."""
    types, _ = stack_counters(reps, [ct.service_level.definition for ct in scenario.contact_types.values()], scenario.horizon)
    return _per_rep(types["within_sl"].sum(axis=(1, 2)), types["sl_base"].sum(axis=(1, 2)))


def swept_scenarios(scenario: Scenario, naive: Plan, scales: tuple[float, ...]) -> tuple[list[Plan], Scenario | None, list[Scenario]]:
    """The sweep's plans (the naive plan at each scale), the scenario without its feedback realities
    (None if it has none) and every scenario the sweep simulates, in order: each plan, the
    scenario's own, each plan without the feedback."""
    plans = [scaled(naive, s) for s in scales]
    calm, _ = without_feedback(scenario)
    return plans, calm, [with_plan(scenario, pl) for pl in plans] + [scenario] + ([with_plan(calm, pl) for pl in plans] if calm is not None else [])


def sweep(
    scenario: Scenario, naive: Plan, scales: tuple[float, ...], replications: int, goals: Goals, workers: int | None = None,
    progress: Callable[[int, int], None] | None = None, scheduler: str | None = None, precision: float | None = None,
    max_replications: int = MAX_REPLICATIONS,
) -> tuple[list[SweepPoint], SweepPoint, int, float]:
    """Every scale of the naive plan, and the scenario's own plan, on the same replications in one
    batch for the runner; with ``precision``, more batches until every point's day service levels
    have a 95% half-width at most that (``runner.until_precise``). The own plan is worked as the
    scenario has it (its roster, if it has shifts); its ``scale`` is its agent-hours as a share of
    the naive plan's. When the scenario has feedback realities (``FEEDBACK``), every scale is also
    simulated without them on the same days, and each point says what they cost its day's service
    level (``SweepPoint.feedback_cost``): what ``find_cliff`` reads. Returns the points, the own
    plan's point, the replications run and the widest half-width."""
    plans, calm, scenarios = swept_scenarios(scenario, naive, scales)
    days: list[list[ReplicationStats]] = [[] for _ in scenarios]
    realistic = days[: len(plans) + 1]

    def run_batch(first: int, stop: int) -> bool:
        step = None if progress is None else (lambda done, total: progress(len(scenarios) * first + done, len(scenarios) * first + total))
        for reps, more in zip(days, simulate_many(scenarios, stop - first, workers, first, progress=step, scheduler=scheduler)):
            reps.extend(more)
        return True

    n = until_precise(run_batch, lambda: widest_half_width(scenario, realistic), replications, precision, max_replications)
    results, own_reps, calm_results = days[: len(plans)], days[len(plans)], days[len(plans) + 1 :]
    own = current_plan(scenario)
    naive_total = sum(map(sum, naive.values()))
    own_scale = round(sum(map(sum, own.values())) / naive_total, 4) if naive_total else 0.0
    points = [_point(scenario, s, pl, reps, goals) for s, pl, reps in zip(scales, plans, results)]
    for p, reps, calm_reps in zip(points, results, calm_results):
        with_it, without = _day_service_level(scenario, reps), _day_service_level(calm, calm_reps)
        p.without_feedback, p.feedback_cost = estimate(without, bounds=SHARE), estimate(without - with_it)  # the same days: a paired difference
    return points, _point(scenario, own_scale, own, own_reps, goals), n, widest_half_width(scenario, realistic)


#: The realities through which long waits feed back into the queue: abandoners who call again,
#: callbacks promised when the wait is long, announcements that send callers away. Without them
#: service level falls as a slope when agents are taken away; with them it can fall off a cliff.
FEEDBACK = ("redial", "callback", "announcement")
#: The cliff is where the feedback costs at least this much of the day's service level.
CLIFF_POINTS = 0.05


def without_feedback(scenario: Scenario) -> tuple[Scenario | None, list[str]]:
    """The scenario with its feedback realities switched off, and their labels; (None, []) if it has none."""
    found = [r for r in realities(scenario) if r.key in FEEDBACK]
    calm = scenario
    for r in found:
        calm = r.off(calm)
    return (calm if found else None), [r.label for r in found]


def find_cliff(points: list[SweepPoint], feedback: list[str]) -> tuple[dict | None, str]:
    """Where the realistic curve falls away from what the same plans give without the feedback.

    From the most agents down, the cliff is the first staffing level at which the feedback
    realities (``feedback``, their labels) cost at least ``CLIFF_POINTS`` of the day's service level,
    significantly (the paired 95% interval over the same days above zero), below a level where they
    cost less. That is the edge the trap is named for: above it a missing agent costs a slope of
    service; below it abandoners call again, and the load grows as the service falls. Returns
    (the cliff, "") or (None, why there is no cliff in the range swept).
    """
    if not feedback:
        return None, (
            "no cliff in this range: nothing in the scenario feeds long waits back into the load (no redials, callbacks or "
            "announcements), so service level falls as a slope when agents are taken away"
        )
    names = " and ".join(feedback)
    pts = sorted(points, key=lambda p: -p.agents)

    def falls(p: SweepPoint) -> bool:
        cost = p.feedback_cost
        return cost.mean is not None and cost.mean >= CLIFF_POINTS and cost.lo is not None and cost.lo > 0

    if falls(pts[0]):
        return None, (
            f"no cliff in this range: {names} already cost {pts[0].feedback_cost.mean:.0%} of the day's service level at the most agents "
            f"swept ({pts[0].agents:.1f}, {pts[0].scale:.0%} of the naive plan); sweep higher (--to)"
        )
    for above, p in zip(pts, pts[1:]):
        if falls(p):
            return {
                "definition": f"the most agents at which {names} cost at least {CLIFF_POINTS:.0%} of the day's service level "
                "(the paired 95% interval over the same days above zero), below a staffing where they cost less",
                "feedback": feedback,
                "scale": p.scale,
                "agents": round(p.agents, 2),
                "service_level": p.measures["service_level"].mean,
                "without_feedback_service_level": p.without_feedback.mean,
                "feedback_cost": p.feedback_cost.to_dict(),
                "above_scale": above.scale,
                "above_agents": round(above.agents, 2),
                "above_service_level": above.measures["service_level"].mean,
                "above_feedback_cost": above.feedback_cost.to_dict(),
            }, ""
    low = pts[-1]
    return None, (
        f"no cliff in this range: {names} cost less than {CLIFF_POINTS:.0%} of the day's service level all the way down to "
        f"{low.agents:.1f} agents ({low.scale:.0%} of the naive plan); sweep lower (--from)"
    )


# --- realities and the gap by cause ------------------------------------------------------------

#: Fields of the scenario models that are not realities to switch off (structure, staffing,
#: targets, reporting-only measures). Every other optional field that is set counts as one.
_NOT_REALITIES = {
    "Scenario": {"name", "description", "seed", "replications", "warmup_minutes", "horizon", "contact_types", "agent_pools", "costs", "targets", "shifts", "variants"},
    "ContactType": {"arrivals", "handle_time", "patience", "service_level", "channel", "priority", "tolerance"},
    "AgentPool": {"skills", "agents", "shifts", "concurrency"},
}
#: Plain-language names and the order in which realities are switched back on.
_LABELS = {
    "patience": "abandonment (patience)",
    "handle_time": "handle-time variability",
    "after_contact_work": "after-contact work",
    "complications": "AHT growth: complications",
    "chat": "chat: slow-down with concurrency, silent abandons",
    "busyness": "day-to-day forecast error",
    "shrinkage": "shrinkage",
    "redial": "redials",
    "transfers": "transfers",
    "callback": "callbacks",
    "announcement": "announcements (balking)",
    "self_service": "self-service bot",
    "pooling": "imperfect multi-skill pooling",
}
_ORDER = list(_LABELS)


@dataclass(frozen=True)
class Reality:
    """One switch: ``key`` names it, ``off(scenario)`` returns the scenario without it."""

    key: str
    label: str
    off: Callable[[Scenario], Scenario]


def _type_field_off(key: str, value_off: Callable[[Any], Any]):
    def off(scenario: Scenario) -> Scenario:
        types = {n: ct.model_copy(update={key: value_off(getattr(ct, key))}) for n, ct in scenario.contact_types.items()}
        return copy_scenario(scenario, contact_types=types)

    return off


def _pool_field_off(key: str):
    def off(scenario: Scenario) -> Scenario:
        pools = {n: p.model_copy(update={key: None}) for n, p in scenario.agent_pools.items()}
        return copy_scenario(scenario, agent_pools=pools)

    return off


def _scenario_field_off(key: str):
    return lambda scenario: copy_scenario(scenario, **{key: None})


def _exponential(dist):
    return Exponential(dist="exponential", mean=dist.expectation)


def _pool_perfectly(scenario: Scenario) -> Scenario:
    """One pool serving every contact type (equal level: oldest first), agents summed."""
    n = scenario.horizon.n_intervals
    plan = current_plan(scenario)
    total = [sum(v[i] for v in plan.values()) for i in range(n)]
    first = next(iter(scenario.agent_pools.values()))
    # one level, no ring, no handle factor: every agent takes every contact at once, at its own pace
    pool = first.model_copy(update={"skills": {t: Skill() for t in scenario.type_names}, "agents": total, "shifts": None})
    return copy_scenario(scenario, agent_pools={"all_agents": pool}, targets=_merged_targets(scenario))


def _merged_targets(scenario: Scenario):
    """The targets for the one merged pool: the strictest pool occupancy limit applies to all."""
    targets = scenario.targets
    if targets is None or not targets.agent_pools:
        return targets
    return targets.model_copy(update={"agent_pools": {"all_agents": min(targets.agent_pools.values())}})


def realities(scenario: Scenario) -> list[Reality]:
    """The realities this scenario turns on, in switch-on order; generic over the model fields."""
    found: dict[str, Reality] = {}
    types = list(scenario.contact_types.values())
    if any(ct.patience is not None for ct in types):
        found["patience"] = Reality("patience", _LABELS["patience"], _type_field_off("patience", lambda v: None))
    if any(not isinstance(ct.handle_time, Exponential) for ct in types):
        found["handle_time"] = Reality("handle_time", _LABELS["handle_time"], _type_field_off("handle_time", _exponential))
    ct_model = type(types[0])
    for key, info in ct_model.model_fields.items():
        if key in _NOT_REALITIES["ContactType"] or info.default is not None:
            continue
        if any(getattr(ct, key) is not None for ct in types):
            found[key] = Reality(key, _LABELS.get(key, key.replace("_", " ")), _type_field_off(key, lambda v: None))
    pools = list(scenario.agent_pools.values())
    for key, info in type(pools[0]).model_fields.items():
        if key in _NOT_REALITIES["AgentPool"] or info.default is not None:
            continue
        if any(getattr(p, key) is not None for p in pools):
            found[key] = Reality(key, _LABELS.get(key, key.replace("_", " ")), _pool_field_off(key))
    for key, info in type(scenario).model_fields.items():
        if key in _NOT_REALITIES["Scenario"] or info.default is not None:
            continue
        if getattr(scenario, key) is not None:
            found[key] = Reality(key, _LABELS.get(key, key.replace("_", " ")), _scenario_field_off(key))
    if len(scenario.agent_pools) > 1:
        found["pooling"] = Reality("pooling", _LABELS["pooling"], _pool_perfectly)
    order = {k: i for i, k in enumerate(_ORDER)}
    return sorted(found.values(), key=lambda r: (order.get(r.key, len(order) - 1.5), r.key))


@dataclass
class CauseStep:
    """One bar of the gap by cause: the requirement once this reality is switched on."""

    key: str
    label: str
    agent_hours: float  # requirement with this reality (and the ones before it) on
    delta: float  # agent-hours this reality costs (negative: it saves)
    converged: bool

    @property
    def why(self) -> str | None:
        """Why this reality lowers the requirement, when it does (a bar below zero surprises)."""
        return _LOWERS.get(self.key, "in this scenario it takes load off the agents more than it adds") if self.delta < 0 else None

    def to_dict(self) -> dict:
        return {
            "cause": self.key, "label": self.label, "agent_hours": round(self.agent_hours, 3), "delta_agent_hours": round(self.delta, 3),
            "converged": self.converged, "why_lower": self.why,
        }


#: Why a reality can lower the requirement below what the world without it needs.
_LOWERS = {
    "patience": "Erlang C is pessimistic when customers abandon: a caller who hangs up takes no agent time, and those behind wait less",
    "handle_time": "handle times vary less than the exponential ones of the ideal world, so queues are shorter",
    "time_varying_load": "queues carried from a busy interval into a quiet one are worked off there, so SIPP's per-interval peak is not all needed",
    "announcement": "callers told the wait and leaving before they queue take no agent time",
    "self_service": "the bot answers some contacts before they reach an agent",
    "callback": "callbacks move calls from the peak into quieter intervals",
    "chat": "silent chat abandons leave before an agent spends time on them",
}


def gap_by_cause(
    scenario: Scenario, replications: int, confidence: float = 0.8, workers: int | None = None, log: Callable[[str], None] | None = None,
    scheduler: str | None = None,
) -> dict:
    """Agent-hours each reality costs: requirement with realities switched on one at a time."""
    switches = realities(scenario)
    worlds = []
    current = scenario
    # strip in reverse switch-on order, so world k has exactly the first k realities on
    for r in reversed(switches):
        current = r.off(current)
        worlds.append(current)
    worlds = list(reversed(worlds))  # worlds[0] = ideal; worlds[k] = ideal + first k realities ... minus the last
    worlds.append(scenario)
    hours = []
    steps: list[CauseStep] = []
    interval_s = scenario.horizon.interval_s
    ideal = worlds[0]
    ideal_goals = goals_of(ideal)
    naive_ideal = erlang_plan(ideal, ideal_goals, "C")
    base_hours = agent_hours(naive_ideal.plan, interval_s)["total"]
    for k, world in enumerate(worlds):
        goals = goals_of(world)
        start = erlang_plan(world, goals, "A").plan
        out = iterate_staffing(world, goals, start, replications, confidence, workers, max_iterations=15, trim_rounds=1, scheduler=scheduler)
        h = agent_hours(out.plan, interval_s)["total"]
        hours.append(h)
        if k == 0:
            steps.append(CauseStep("time_varying_load", "time-varying load & carry-over (SIPP lag)", h, h - base_hours, out.converged))
        else:
            r = switches[k - 1]
            steps.append(CauseStep(r.key, r.label, h, h - hours[k - 1], out.converged))
        if log:
            log(f"gap by cause: {steps[-1].label}: {steps[-1].delta:+.1f} agent-hours")
    naive_real = agent_hours(erlang_plan(scenario, goals_of(scenario), "C").plan, interval_s)["total"]
    return {
        "naive_erlang_c_agent_hours": round(base_hours, 3),
        "naive_with_flat_shrinkage_agent_hours": round(naive_real, 3),
        "realistic_agent_hours": round(hours[-1], 3),
        "steps": [s.to_dict() for s in steps],
    }


# --- the whole explorer ------------------------------------------------------------------------


@dataclass
class TrapResult:
    """The sweep around the naive plan, the scenario's own plan on the same days, the cliff, the
    gap by cause and the verdict in words."""

    scenario: Scenario
    goals: Goals
    replications: int
    labels: list[str]
    naive: ErlangPlan
    points: list[SweepPoint]
    own: SweepPoint
    cliff: dict | None
    gap: dict | None
    wall_time_s: float
    cliff_note: str = ""  # why there is no cliff in the range, when there is none
    verdict: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    widest_half_width: float = 0.0  # the widest uncut 95% half-width of a point's day service level
    precision: float | None = None  # the sweep's target half-width, if one was asked for

    def warnings(self) -> list[str]:
        """Why the sweep's figures are hard to read, if they are (``evaluation.readability_warnings``)."""
        shares = {}
        for p in sorted([*self.points, self.own], key=lambda p: p.agents):
            name = "your plan" if p is self.own else f"{p.scale:.0%}"
            shares.update({f"{name}: {m.replace('_', ' ')}": p.measures[m] for m in ("service_level", "abandon_rate")})
        return readability_warnings(self.replications, shares) + precision_warnings(self.widest_half_width, self.replications, self.precision)

    @property
    def at_plan(self) -> SweepPoint:
        """The sweep point of the naive plan itself (scale 1, always swept)."""
        return min(self.points, key=lambda p: abs(p.scale - 1.0))

    def promise_vs_reality(self) -> list[dict]:
        """Per interval and contact type: Erlang C's promise for the naive plan, the simulation's,
        and what the scenario's own plan gives on the same days."""
        pt = self.at_plan
        rows = []
        for name in self.scenario.type_names:
            for i, label in enumerate(self.labels):
                rows.append(
                    {
                        "interval_start": label,
                        "contact_type": name,
                        "promised_service_level": self.naive.promised_sl[name][i],
                        "simulated_service_level": pt.interval_sl[name][i].to_dict(),
                        "own_plan_service_level": self.own.interval_sl[name][i].to_dict(),
                    }
                )
        return rows

    def cheapest(self) -> dict | None:
        """The cheapest sweep point that meets the day's targets (needs ``costs:``)."""
        if "cost" not in self.points[0].measures:
            return None
        ok = [p for p in self.points if p.meets_day_targets]
        best_any = min(self.points, key=lambda p: p.measures["cost"].mean)
        out = {"lowest_cost": {"scale": best_any.scale, "agents": round(best_any.agents, 2), "cost": best_any.measures["cost"].to_dict()}}
        if ok:
            best = min(ok, key=lambda p: p.measures["cost"].mean)
            out["cheapest_meeting_targets"] = {"scale": best.scale, "agents": round(best.agents, 2), "cost": best.measures["cost"].to_dict()}
        else:
            out["cheapest_meeting_targets"] = None
        return out

    def to_dict(self) -> dict:
        return {
            "ccsim_version": __version__,
            "scenario": self.scenario.name,
            "seed": self.scenario.seed,
            "replications": self.replications,
            "verdict": self.verdict,
            "targets": self.goals.to_dict(),
            "naive_plan": self.naive.plan,
            "sweep": [p.to_dict() for p in self.points],
            "own_plan": {**self.own.to_dict(), "plan": self.own.plan},
            "cliff": self.cliff,
            "cliff_note": self.cliff_note or None,
            "promise_vs_reality": self.promise_vs_reality(),
            "gap_by_cause": self.gap,
            "cost": self.cheapest(),
            "wall_time_seconds": round(self.wall_time_s, 3),
            "timings_seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }

    def to_pandas(self, date=None):
        """The sweep per interval as a pandas DataFrame indexed by (scale, interval_start,
        contact_type), ``scale`` the factor of the naive plan: service level and abandon rate,
        each as mean, lo and hi (``SimulationResult.to_pandas`` explains the shape)."""
        from .results import Column, estimate_frame, interval_starts, stack_frames

        starts = interval_starts(self.scenario.horizon, date)
        frames = {
            p.scale: estimate_frame(
                [Column("service_level", "share", p.interval_sl.get), Column("abandon_rate", "share", p.interval_abandon.get)],
                self.scenario.type_names, starts, "contact_type",
            )
            for p in self.points
        }
        return stack_frames(frames, "scale")

    def __repr__(self) -> str:
        from .results import plural

        return f"TrapResult({self.scenario.name!r}, {plural(len(self.points), 'staffing level')}, {plural(self.replications, 'replication')})"


def _interval_start(horizon, k: int) -> str:
    """The time of day interval k starts (k = n: the end of the day); the verdict speaks in clock times."""
    return format_clock(horizon.start_minute + k * horizon.interval_minutes, with_day=False)


def write_verdict(res: TrapResult) -> str:
    """Plain language: the cliff, or why there is none in the range; the worst block of the day in
    the scenario's own plan, else at the cliff (or the fewest agents swept); and where the day
    first meets its target."""
    cliff = res.cliff
    if cliff is not None:
        pt = min(res.points, key=lambda p: abs(p.scale - cliff["scale"]))
        text = (
            f"The cliff: below {cliff['above_agents']:.0f} agents on average ({cliff['above_scale']:.0%} of the naive Erlang C plan) "
            f"{' and '.join(cliff['feedback'])} feed on the waits; at {pt.agents:.0f} agents they cost {cliff['feedback_cost']['mean']:.0%} "
            f"of the day's service level ({cliff['service_level']:.0%} against {cliff['without_feedback_service_level']:.0%} without them). "
        )
    else:
        pt = min(res.points, key=lambda p: p.agents)
        text = f"{res.cliff_note[0].upper()}{res.cliff_note[1:]}. "
    own = _worst_block(res, res.own, f"Your plan ({res.own.agents:.0f} agents on average, {res.own.scale:.0%} of the naive plan's agent-hours):")
    text += own or _worst_block(res, pt, f"At {pt.agents:.0f} agents on average ({pt.scale:.0%} of the naive Erlang C plan)") or (
        f"At {pt.agents:.0f} agents on average ({pt.scale:.0%} of the naive Erlang C plan) every interval still meets its target."
    )
    target = min(g.sl_target for g in res.goals.types.values())
    up = next((p for p in sorted(res.points, key=lambda p: p.agents) if p.measures["service_level"].mean is not None and p.measures["service_level"].mean >= target), None)
    if up is not None:
        text += f" The day first meets {target:.0%} at {up.agents:.0f} agents ({up.scale:.0%} of the plan)."
    else:
        text += f" No point of the sweep reaches {target:.0%} for the day."
    return text


def _worst_block(res: TrapResult, pt: SweepPoint, who: str) -> str:
    """The worst block of the day at sweep point ``pt``, after ``who``: its intervals, service
    level, abandonment and what redials add to the load from then on; "" when every interval
    meets the target."""
    scenario = res.scenario
    n = len(res.labels)
    within = sum(m["within_sl"] for m in pt.interval_means.values())
    base = sum(m["sl_base"] for m in pt.interval_means.values())
    with np.errstate(invalid="ignore", divide="ignore"):
        sl = np.where(base > 0, within / np.where(base > 0, base, 1), 1.0)
    target = min(g.sl_target for g in res.goals.types.values())
    worst = int(np.argmin(sl))
    if sl[worst] >= target:
        return ""
    line = (sl[worst] + target) / 2  # the block around the worst interval that is clearly worse than the rest
    i = j = worst
    while i > 0 and sl[i - 1] < line:
        i -= 1
    while j < n - 1 and sl[j + 1] < line:
        j += 1
    block = slice(i, j + 1)
    b_sl = within[block].sum() / max(base[block].sum(), 1e-9)
    off = sum(m["offered"] for m in pt.interval_means.values())
    ab = sum(m["abandoned"] for m in pt.interval_means.values())
    b_ab = ab[block].sum() / max(off[block].sum(), 1e-9)
    span = f"{_interval_start(scenario.horizon, i)}-{_interval_start(scenario.horizon, j + 1)}"
    what = "peak collapses" if b_sl < 0.6 * target else "falls short"
    text = f"{who} the {span} {what}: service level {b_sl:.0%}, {b_ab:.0%} abandon"
    red = sum(m["redials"] for m in pt.interval_means.values())
    rest = slice(i, n)
    first = off[rest].sum() - red[rest].sum()
    if red[rest].sum() > 0 and first > 0:
        text += f", and redials add {red[rest].sum() / first:.0%} to the load from {_interval_start(scenario.horizon, i)} on"
    return text + "."


def explore(
    scenario: Scenario,
    scales: tuple[float, ...] = DEFAULT_SCALES,
    replications: int | None = None,
    workers: int | None = None,
    causes: bool = True,
    confidence: float = 0.8,
    log: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
    precision: float | None = None,
    max_replications: int = MAX_REPLICATIONS,
) -> TrapResult:
    """Sweep, the scenario's own plan, cliff, promise against reality and (``causes``) the gap by
    cause. With ``precision`` the sweep adds replications until every point's day service levels
    have a 95% half-width at most that (the gap by cause keeps ``replications``)."""
    started = time.perf_counter()
    replications = replications or scenario.replications
    scales = tuple(sorted(set(round(float(s), 4) for s in scales) | {1.0}))
    if any(s <= 0 for s in scales):
        raise ValueError("scales must be > 0")
    goals = goals_of(scenario)
    naive = erlang_plan(scenario, goals, "C")
    with session(workers, scheduler) as shared:  # one pool for the gap's searches and the sweep; no day simulated twice
        gap = None
        if causes:  # the sweep's days are simulated while the searches leave a worker waiting
            shared.prefetch([(sc, r) for sc in swept_scenarios(scenario, naive.plan, scales)[2] for r in range(replications)])
            gap = gap_by_cause(scenario, replications, confidence, workers, log, scheduler)
        t_gap = time.perf_counter() - started
        points, own, swept, widest = sweep(scenario, naive.plan, scales, replications, goals, workers, progress, scheduler, precision, max_replications)
    cliff, note = find_cliff(points, without_feedback(scenario)[1])
    res = TrapResult(scenario, goals, swept, scenario.horizon.interval_labels(), naive, points, own, cliff, gap, 0.0, cliff_note=note)
    res.widest_half_width, res.precision = widest, precision
    res.verdict = write_verdict(res)
    res.wall_time_s = time.perf_counter() - started
    res.timings = {"sweep": res.wall_time_s - t_gap, "gap_by_cause": t_gap}
    return res


__all__ = ["DEFAULT_SCALES", "TrapResult", "SweepPoint", "explore", "find_cliff", "gap_by_cause", "realities", "sweep", "write_verdict"]
