"""Silent chat abandonment: customers who leave a chat without closing it.

A third to two thirds of chat abandoners simply close the browser tab (DOMAIN.md). The center
cannot tell: the chat stays in the queue, and an agent who opens it greets, waits for an answer
that never comes and closes it, which costs agents 5-15% of their time. With
``chat: {silent_share: s, silent_agent_time: D}`` a share ``s`` of a chat type's abandoners do
this:

- when the customer's patience runs out the contact is counted abandoned, as any other
  (``silent_abandons`` counts these), but it stays in the queue and in its length;
- an agent who reaches it is busy for a draw of ``D`` (``ghost_seconds``, in occupancy), answers
  nobody and moves on; the work starts like any other (chat seats count it as a chat held);
- one still queued at the close is dropped without being counted twice.

The per-contact log has one row for it, at the moment its customer left (outcome
``silent_abandon``).
"""

from __future__ import annotations

from ..entities import DONE, WAITING
from ..seam import Behaviour


class SilentChats(Behaviour):
    name = "silent_abandonment"
    layer = 60  # outermost: a chat nobody is in bypasses every answer and abandon rule
    wraps = ("give_up", "abandon", "answer", "log_served")
    counters = (
        "silent_abandons",  # chats whose customer left without closing them; counted abandoned
        "ghost_seconds",  # agent time spent opening chats whose customer had already left
    )
    streams = ("silent",)
    metrics = ("silent_abandons", "ghost_seconds")

    @staticmethod
    def switched_on(scenario) -> bool:
        return any(ct.chat is not None and ct.chat.silent_share > 0 for ct in scenario.contact_types.values())

    def __init__(self, engine):
        super().__init__(engine)
        self.share, self.agent_time, self.leaves_silently = {}, {}, {}
        for k, (name, ct) in enumerate(engine.scenario.contact_types.items()):
            if ct.chat is not None and ct.chat.silent_share > 0:
                self.share[k] = ct.chat.silent_share
                self.agent_time[k] = self.draws(ct.chat.silent_agent_time, "silent", name)
                self.leaves_silently[k] = self.uniforms("silent", f"{name}/share")

    def give_up(self, inner):
        engine, share, decide = self.engine, self.share, self.leaves_silently
        silent = engine.counters["silent_abandons"]

        def give_up(contact) -> None:
            type_index = contact.type_index
            if type_index not in share or decide[type_index]() >= share[type_index]:
                inner(contact)
                return
            engine.abandon(contact, engine.env.now, "silent_abandon")  # the customer has gone: counted abandoned now ...
            contact.state = WAITING  # ... but the chat stays in the queue: the center cannot tell
            contact.silent = True
            silent[type_index][contact.arrival_slot] += 1

        return give_up

    def abandon(self, inner):
        def abandon(contact, now: float, outcome: str = "abandoned") -> None:
            if contact.silent:  # still queued at the close: already counted
                contact.state = DONE
                return
            inner(contact, now, outcome)

        return abandon

    def answer(self, inner):
        engine, agent_time = self.engine, self.agent_time
        ghost_seconds = engine.counters["ghost_seconds"]

        def answer(agent, contact) -> None:
            if not contact.silent:
                inner(agent, contact)
                return
            contact.state = DONE
            busy_for = agent_time[contact.type_index]()
            ghost_seconds[contact.type_index][contact.arrival_slot] += busy_for
            engine.begin_work(agent, contact, busy_for)

        return answer

    def log_served(self, inner):
        def log_served(contact, now: float, pool_index: int, outcome: str = "answered") -> None:
            if not contact.silent:  # a silent chat's row was written when its customer left
                inner(contact, now, pool_index, outcome)

        return log_served
