"""Which queues a free agent looks at, and in what order; which pool an arriving contact goes to."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import AgentPool, Scenario
    from .entities import Pool


def callback_queues(scenario: "Scenario") -> dict[int, int]:
    """Contact-type index -> index of its callback queue (after the types' own queues)."""
    names = scenario.type_names
    with_callbacks = [k for k, name in enumerate(names) if scenario.contact_types[name].callback is not None]
    return {k: len(names) + j for j, k in enumerate(with_callbacks)}


def routing_groups(scenario: "Scenario", pool_cfg: "AgentPool", index: dict[str, int]) -> list[list[int]]:
    """Queue indices a pool's free agent looks at, grouped best first.

    Order: callbacks served ``ahead`` just before their type's group; live types by skill level
    then by the type's queue ``priority``; callbacks served ``behind``; email backlogs last.
    Within a group the oldest contact is taken first.
    """
    types = scenario.contact_types
    callback_queue = callback_queues(scenario)
    keyed: dict[tuple, list[int]] = {}
    for name, level in pool_cfg.skill_levels.items():
        ct = types[name]
        type_index = index[name]
        if ct.channel == "email":
            key = (3, level, ct.priority, 0)
        else:
            key = (1, level, ct.priority, 1)
        keyed.setdefault(key, []).append(type_index)
        if type_index in callback_queue:
            ahead = ct.callback.priority == "ahead"
            keyed.setdefault((1 if ahead else 2, level, ct.priority, 0), []).append(callback_queue[type_index])
    return [keyed[key] for key in sorted(keyed)]


def longest_idle_pool(pools: list["Pool"]) -> "Pool | None":
    """Among pools with an idle agent, the one whose next free agent has been idle longest."""
    if len(pools) == 1:  # one eligible pool, the common case: no idle times to compare
        return pools[0] if pools[0].free else None
    best = None
    for pool in pools:
        if pool.free and (best is None or pool.free[0].idle_since < best.free[0].idle_since):
            best = pool
    return best
