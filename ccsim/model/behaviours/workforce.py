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

import numpy as np
from simpy.events import NORMAL

from ...shifts import shift_staffing, shift_steps
from .. import streams
from . import beta_share


def install_staffing(e) -> list[str]:
    """Shrinkage and shifts: staffing arrays and change events, decided before the day starts."""
    from ..engine import _Wake

    sc = e.scenario
    hz = sc.horizon
    installed = []
    e.shrinkage_share = {}
    for p, (name, cfg) in enumerate(sc.agent_pools.items()):
        pool = e.pools[p]
        rng = None
        if cfg.shrinkage is not None:
            rng = streams.generator(sc.seed, e.replication, "shrinkage", name)
            share = beta_share(rng, cfg.shrinkage.mean, cfg.shrinkage.sd)
            e.shrinkage_share[name] = share
            installed.append(f"shrinkage:{name}")

            def shrink(n: int, rng=rng, share=share) -> int:
                return int(rng.binomial(n, 1.0 - share)) if n else 0
        else:
            def shrink(n: int) -> int:
                return n
        if cfg.shifts is None:
            if rng is not None:
                pool.staffing = [shrink(x) for x in pool.staffing]
            continue
        steps = [(e.warmup_s + t * 60.0 if t > 0 else 0.0, shrink(level)) for t, level in shift_steps(cfg.shifts, hz)]
        pool.staffing = None  # the boundary handler leaves this pool alone
        installed.append(f"shifts:{name}")
        e.starters.append(_shift_runner(e, pool, steps, _Wake))
    return installed


def _shift_runner(e, pool, steps, wake_cls):
    env = e.env

    def seats(level: int) -> int:
        return level * e.seats_per_agent.get(pool.index, 1)

    def change(wake) -> None:
        i = wake.target
        e._set_staff(pool, seats(steps[i][1]))
        if i + 1 < len(steps):
            wake.target = i + 1
            wake.callbacks = cb
            env.schedule(wake, NORMAL, steps[i + 1][0] - env._now)

    cb = (change,)

    def start() -> None:
        e._set_staff(pool, seats(steps[0][1]))
        if len(steps) > 1:
            wake = wake_cls(1)
            wake.callbacks = cb
            env.schedule(wake, NORMAL, steps[1][0])

    return start


def install_work(e) -> list[str]:
    """After-contact work (a two-phase agent) and complications (a wrapped handle-time draw)."""
    sc = e.scenario
    seed, rep = sc.seed, e.replication
    installed = []
    for k, (name, ct) in enumerate(sc.contact_types.items()):
        cx = ct.complications
        if cx is None:
            continue
        base = e.handle_draw[k]
        u = streams.uniforms(streams.generator(seed, rep, "complication", name))
        extra = streams.draws(cx.extra, streams.generator(seed, rep, "complication", f"{name}/extra"))

        def draw(base=base, u=u, extra=extra, share=cx.share) -> float:
            return base() + extra() if u() < share else base()

        e.handle_draw[k] = draw
        installed.append(f"complications:{name}")
    acw = [
        streams.draws(ct.after_contact_work, streams.generator(seed, rep, "after_contact_work", name)) if ct.after_contact_work else None
        for name, ct in sc.contact_types.items()
    ]
    if any(acw):
        env = e.env
        inner = e._on_service_end

        def end(agent) -> None:
            if not agent.phase:
                draw = acw[agent.contact.kind]
                if draw is not None:
                    agent.phase = 1
                    agent.callbacks = e._cb_end
                    env.schedule(agent, NORMAL, draw())
                    return
            agent.phase = 0
            inner(agent)

        e._on_service_end = end
        installed.append("after_contact_work")
    return installed


def pool_levels_finisher(e):
    """Add ``agents_area`` (people, not chat seats) and ``scheduled_area`` (the plan) per pool."""
    sc = e.scenario
    hz = sc.horizon
    seats = e.seats_per_agent
    plan = np.array(
        [shift_staffing(cfg.shifts, hz) if cfg.shifts is not None else cfg.staffing(hz.n_intervals) for cfg in sc.agent_pools.values()],
        float,
    )

    def finish(stats) -> None:
        levels = stats.pool_levels
        k = np.array([seats.get(p, 1) for p in range(len(e.pools))], float)[:, None]
        levels["agents_area"] = levels["staffed_area"] / k
        levels["scheduled_area"] = plan * hz.interval_s
        if e.shrinkage_share:
            stats.extra["shrinkage_share"] = dict(e.shrinkage_share)

    return finish
