"""Channels: chat agents who hold several chats at once (email needs no code here).

A pool with ``concurrency: {max_chats: k}`` is staffed in *seats*: k per agent, grouped by the
person who owns them. A chat starting on a seat stretches its handle time by
``1 + stretch x (chats that person now holds - 1)`` (the chat type's ``chat.stretch``).
The pool's ``occupancy`` is then the share of seats in use; ``agents`` still counts people.

Email is routing only: its queue is served after every live queue (``routing_groups``), it has no
patience (validated), and its service level is stated in hours.
"""

from __future__ import annotations


def install(e) -> list[str]:
    from ..engine import Agent

    sc = e.scenario
    seats = {}
    for p, cfg in enumerate(sc.agent_pools.values()):
        if cfg.concurrency is not None and cfg.concurrency.max_chats > 1:
            seats[p] = cfg.concurrency.max_chats
    e.seats_per_agent = seats  # pool index -> seats per person; empty without chat pools (read by workforce)
    if not seats:
        return []
    for p, k in seats.items():
        pool = e.pools[p]
        if pool.staffing is not None:
            pool.staffing = [x * k for x in pool.staffing]
    # shift pools: workforce scales their change points by seats_per_agent
    made = {p: 0 for p in seats}
    owners = {p: None for p in seats}

    def new_agent(pool):
        a = Agent(pool)
        k = seats.get(pool.index)
        if k is not None:
            if made[pool.index] % k == 0:
                owners[pool.index] = [0]
            made[pool.index] += 1
            a.owner = owners[pool.index]
        return a

    e.new_agent = new_agent
    stretch = [ct.chat.stretch if ct.chat is not None else 0.0 for ct in sc.contact_types.values()]
    inner_start, inner_end = e._start, e._on_service_end

    def start(agent, contact) -> None:
        owner = agent.owner
        if owner is not None:
            owner[0] += 1
            contact.handle *= 1.0 + stretch[contact.kind] * (owner[0] - 1)
        inner_start(agent, contact)

    def end(agent) -> None:
        if agent.owner is not None:
            agent.owner[0] -= 1
        inner_end(agent)

    e._start, e._on_service_end = start, end
    return ["chat"]
