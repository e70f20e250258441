"""Channels: chat agents who hold several chats at once (email needs no code here).

A pool with ``concurrency: {max_chats: k}`` is staffed in *seats*: k per agent, grouped by the
person who owns them. A chat starting on a seat stretches its handle time by
``1 + stretch x (chats that person now holds - 1)`` (the chat type's ``chat.stretch``); work on a
chat whose customer already left (silent.py) has nobody to talk to and is not stretched.
The pool's ``occupancy`` is then the share of seats in use; ``agents`` still counts people.

Email is routing only: its queue is served after every live queue (``routing.routing_groups``), it
has no patience (validated), and its service level is stated in hours.
"""

from __future__ import annotations

from ..entities import SERVED, Agent
from ..seam import Behaviour


def _seats(scenario) -> dict[int, int]:
    """Pool index -> chat seats per person, for pools that hold more than one chat at once."""
    return {
        p: cfg.concurrency.max_chats
        for p, cfg in enumerate(scenario.agent_pools.values())
        if cfg.concurrency is not None and cfg.concurrency.max_chats > 1
    }


class ChatSeats(Behaviour):
    name = "chat"
    layer = 20  # innermost on work: seats are what the engine's agents are in a chat pool
    wraps = ("new_agent", "begin_work", "service_end")

    @staticmethod
    def switched_on(scenario) -> bool:
        return bool(_seats(scenario))

    def __init__(self, engine):
        super().__init__(engine)
        self.seats = engine.seats_per_agent = _seats(engine.scenario)
        for p, k in self.seats.items():  # shift pools: workforce scales their steps by seats_per_agent
            pool = engine.pools[p]
            if pool.staffing is not None:
                pool.staffing = [x * k for x in pool.staffing]

    def new_agent(self, inner):
        seats = self.seats
        made = {p: 0 for p in seats}
        person = {p: None for p in seats}

        def new_agent(pool) -> Agent:
            agent = inner(pool)
            k = seats.get(pool.index)
            if k is not None:
                if made[pool.index] % k == 0:
                    person[pool.index] = [0]  # a new person: [chats held]
                made[pool.index] += 1
                agent.person = person[pool.index]
            return agent

        return new_agent

    def begin_work(self, inner):
        stretch = [ct.chat.stretch if ct.chat is not None else 0.0 for ct in self.engine.scenario.contact_types.values()]

        def begin_work(agent, contact, seconds: float) -> None:
            person = agent.person
            if person is not None:
                person[0] += 1
                if contact.state == SERVED:
                    seconds *= 1.0 + stretch[contact.type_index] * (person[0] - 1)
            inner(agent, contact, seconds)

        return begin_work

    def service_end(self, inner):
        def service_end(agent) -> None:
            if agent.person is not None:
                agent.person[0] -= 1
            inner(agent)

        return service_end
