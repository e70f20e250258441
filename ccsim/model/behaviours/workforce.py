"""Agents as they really are: shifts with breaks, shrinkage, after-contact work, complications.

- ``shifts`` replace per-interval counts: agents arrive, break and leave at the minute written.
- ``shrinkage`` removes a random share of scheduled agents: each replication draws the day's
  share from a beta (mean, sd), then each scheduled agent is independently away with that
  probability, interval by interval (or shift segment by segment). Pool metrics
  ``agents_scheduled`` and ``shrinkage`` show plan and reality.
- ``after_contact_work`` keeps the agent busy after the customer leaves (it counts in occupancy).
- ``complications`` add extra handle time to a share of contacts, drawn at arrival.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ...shifts import shift_steps
from ..seam import Behaviour, TypeBehaviour


def beta_share(rng: np.random.Generator, mean: float, sd: float) -> float:
    """A share in [0, 1) with the given mean and sd (beta), or exactly ``mean`` when sd is 0."""
    if sd <= 0 or mean <= 0:
        return mean
    k = mean * (1 - mean) / sd**2 - 1
    return float(rng.beta(mean * k, (1 - mean) * k))


class Staffing(Behaviour):
    """Shrinkage and shifts: staffing arrays and change times, decided before the day starts."""

    name = "shifts_shrinkage"
    layer = 10  # first: chat seats multiply the agents this leaves
    streams = ("shrinkage",)

    @staticmethod
    def switched_on(scenario) -> bool:
        return any(cfg.shrinkage is not None or cfg.shifts is not None for cfg in scenario.agent_pools.values())

    def __init__(self, engine):
        super().__init__(engine)
        horizon = engine.scenario.horizon
        self.shift_pools = []  # (pool, [(time, agents from then on)])
        n, minutes = horizon.n_intervals, horizon.interval_minutes
        for pool, (name, cfg) in zip(engine.pools, engine.scenario.agent_pools.items()):
            shrink = self._shrinkage(name, cfg.shrinkage, n)
            if cfg.shifts is None:
                pool.staffing = [shrink(i, x) for i, x in enumerate(pool.staffing)]
                continue
            planned = shift_steps(cfg.shifts, horizon)
            if cfg.shrinkage is not None and isinstance(cfg.shrinkage.mean, list):  # the share changes at every interval start
                planned = with_interval_starts(planned, minutes, n)
            steps = [(engine.warmup_s + t * 60.0 if t > 0 else 0.0, shrink(min(int(t // minutes), n - 1), level)) for t, level in planned]
            pool.staffing = None  # the boundary handler leaves this pool alone
            self.shift_pools.append((pool, steps))

    def _shrinkage(self, pool_name: str, shrinkage, n_intervals: int) -> Callable[[int, int], int]:
        """(interval, scheduled agents) -> agents present: each away with the interval's share of the day's draw."""
        if shrinkage is None:
            return lambda _, n: int(n)
        rng = self.rng("shrinkage", pool_name)
        share = beta_share(rng, shrinkage.day_mean, shrinkage.sd)
        self.engine.shrinkage_share[pool_name] = share
        shares = shrinkage.interval_shares(share, n_intervals)
        return lambda interval, n: int(rng.binomial(n, 1.0 - shares[interval])) if n else 0

    def start(self) -> None:
        for pool, steps in self.shift_pools:
            self._follow_shifts(pool, steps)

    def _follow_shifts(self, pool, steps: list[tuple[float, int]]) -> None:
        engine = self.engine

        def seats(level: int) -> int:
            return level * engine.seats_per_agent.get(pool.index, 1)

        def change(wake) -> None:
            step = wake.subject
            engine.set_staff(pool, seats(steps[step][1]))
            if step + 1 < len(steps):
                engine.wake_after(steps[step + 1][0] - engine.env.now, handlers, step + 1)

        handlers = (change,)
        engine.set_staff(pool, seats(steps[0][1]))
        if len(steps) > 1:
            engine.wake_after(steps[1][0], handlers, 1)


def with_interval_starts(steps: list[tuple[float, int]], interval_minutes: int, n_intervals: int) -> list[tuple[float, int]]:
    """Shift steps (minute, agents from then on) with one more at each interval start, keeping the level."""
    levels = dict(steps)
    out, level = [], 0
    for t in sorted(set(levels) | {float(i * interval_minutes) for i in range(n_intervals)}):
        level = levels.get(t, level)
        out.append((t, level))
    return out


class Complications(TypeBehaviour):
    """A share of contacts needs extra handle time: a wrapped handle-time draw."""

    name = "complications"
    layer = 30
    streams = ("complication",)

    @staticmethod
    def section(contact_type):
        return contact_type.complications

    def __init__(self, engine, type_index, type_name, config):
        super().__init__(engine, type_index, type_name, config)
        base = engine.handle_draw[type_index]
        complicated = self.uniforms("complication", type_name)
        extra = self.draws(config.extra, "complication", f"{type_name}/extra")
        share = config.share

        def draw() -> float:
            return base() + extra() if complicated() < share else base()

        engine.handle_draw[type_index] = draw


class AfterContactWork(Behaviour):
    """The agent stays busy after the customer leaves: a second phase of the same work."""

    name = "after_contact_work"
    layer = 30  # outside chat seats: the seat stays held during the after-work
    wraps = ("service_end",)
    streams = ("after_contact_work",)

    @staticmethod
    def switched_on(scenario) -> bool:
        return any(ct.after_contact_work for ct in scenario.contact_types.values())

    def service_end(self, inner):
        engine = self.engine
        work = [
            self.draws(ct.after_contact_work, "after_contact_work", name) if ct.after_contact_work else None
            for name, ct in engine.scenario.contact_types.items()
        ]

        def service_end(agent) -> None:
            if not agent.after_work:
                draw = work[agent.contact.type_index]
                if draw is not None:
                    agent.after_work = True
                    engine.extend_work(agent, draw())
                    return
            agent.after_work = False
            inner(agent)

        return service_end
