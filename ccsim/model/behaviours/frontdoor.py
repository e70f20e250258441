"""Self-service front door: a bot or FAQ resolves a share of new contacts before any queue.

Contained contacts are ``bot_contained`` (customer outcome: self-served) and never offered to
the human queue. The rest reach the queue if ``human_escape`` is on; otherwise they are
``bot_dead_ends``: a share comes back later through ``hop_to`` (counted ``channel_hops`` there),
the others end unresolved. Only first attempts meet the bot; redials go straight to the queue.
"""

from __future__ import annotations

from simpy.events import NORMAL

from .. import streams


def install(e, k: int, name: str, cfg) -> None:
    from ..engine import _Wake

    sc, env = e.scenario, e.env
    u = streams.uniforms(streams.generator(sc.seed, e.replication, "bot", name))
    C = e.tally.type_counters
    contained, dead_ends, hops, first = C["bot_contained"], C["bot_dead_ends"], C["channel_hops"], C["first_attempts"]
    self_served, unresolved = C["customers_self_served"], C["customers_unresolved"]
    share, escape = cfg.containment, cfg.human_escape
    hop_p = cfg.hop_probability
    if hop_p > 0:
        to = sc.type_names.index(cfg.hop_to)
        hop_u = streams.uniforms(streams.generator(sc.seed, e.replication, "hop", name))
        hop_delay = streams.draws(cfg.hop_delay, streams.generator(sc.seed, e.replication, "hop", f"{name}/delay"))

        def hop_arrive(wake) -> None:
            cust = wake.target
            cust.attempts += 1
            e.present(e.attempt(to, e.repeat_handle[to](), e.repeat_patience[to](), cust), hops)

        hop_cb = (hop_arrive,)

    def front(contact) -> None:
        slot = contact.slot
        if u() < share:
            contained[k][slot] += 1
            e.finish(contact.customer, self_served)
        elif escape:
            e.present(contact, first)
        else:
            dead_ends[k][slot] += 1
            if hop_p > 0 and hop_u() < hop_p:
                wake = _Wake(contact.customer)
                wake.callbacks = hop_cb
                env.schedule(wake, NORMAL, hop_delay())
            else:
                e.finish(contact.customer, unresolved)

    e.front[k] = front
