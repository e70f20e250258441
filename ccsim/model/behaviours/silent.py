"""Silent chat abandonment: customers who leave a chat without closing it.

A third to two thirds of chat abandoners simply close the browser tab (DOMAIN.md). The center
cannot tell: the chat stays in the queue, and an agent who opens it greets, waits for an answer
that never comes and closes it, which costs agents 5-15% of their time. With
``chat: {silent_share: s, silent_agent_time: D}`` a share ``s`` of a chat type's abandoners do
this:

- when the customer's patience runs out the contact is counted abandoned, as any other
  (``silent_abandons`` counts these), but it stays in the queue and in its length;
- an agent who reaches it is busy for a draw of ``D`` (``ghost_seconds``, in occupancy), answers
  nobody and moves on; chat seats count it as a chat held;
- one still queued at the close is dropped without being counted twice.

The per-contact log has one row for it, at the moment its customer left.
"""

from __future__ import annotations

from .. import streams


def install(e) -> list[str]:
    from ..engine import DONE, WAITING

    sc, env = e.scenario, e.env
    share, agent_time, decide = {}, {}, {}
    for k, (name, ct) in enumerate(sc.contact_types.items()):
        if ct.chat is not None and ct.chat.silent_share > 0:
            share[k] = ct.chat.silent_share
            agent_time[k] = streams.draws(ct.chat.silent_agent_time, streams.generator(sc.seed, e.replication, "silent", name))
            decide[k] = streams.uniforms(streams.generator(sc.seed, e.replication, "silent", f"{name}/share"))
    if not share:
        return []
    C = e.tally.type_counters
    silent, ghost_seconds = C["silent_abandons"], C["ghost_seconds"]
    inner_on_abandon, inner_abandon, inner_start, inner_log = e._on_abandon, e._abandon, e._start, e.log_served

    def on_abandon(contact) -> None:
        k = contact.kind
        if k not in share or decide[k]() >= share[k]:
            inner_on_abandon(contact)
            return
        e._abandon(contact, env._now)  # the customer has gone: counted abandoned now ...
        contact.state = WAITING  # ... but the chat stays in the queue: the center cannot tell
        contact.ghost = True
        silent[k][contact.slot] += 1

    def abandon(contact, now: float) -> None:
        if getattr(contact, "ghost", False):  # still queued at the close: already counted
            contact.state = DONE
            return
        inner_abandon(contact, now)

    def start(agent, contact) -> None:
        if not getattr(contact, "ghost", False):
            inner_start(agent, contact)
            return
        k = contact.kind
        contact.state = DONE
        if agent.owner is not None:  # a chat seat: the person holds one more chat (channels.py)
            agent.owner[0] += 1
        busy_for = agent_time[k]()
        ghost_seconds[k][contact.slot] += busy_for
        e.occupy(agent, contact, busy_for)

    def log_served(contact, now: float, pool_index: int) -> None:
        if not getattr(contact, "ghost", False):  # a silent chat's row was written when its customer left
            inner_log(contact, now, pool_index)

    e._on_abandon, e._abandon, e._start, e.log_served = on_abandon, abandon, start, log_served
    return [f"silent_abandonment:{sc.type_names[k]}" for k in share]
