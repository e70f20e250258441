"""Redials: a customer who abandons (or balks) tries again later, possibly several times.

Each repeat is a new attempt on the call basis (counted ``offered`` and ``redials`` in the
interval it arrives, which may be a later one) with the original handle time (same problem) and
a fresh patience; the customer basis counts the person once, by the final outcome.
"""

from __future__ import annotations

from simpy.events import NORMAL

from .. import streams


def install(e, k: int, name: str, cfg) -> None:
    from ..engine import _Wake

    sc, env = e.scenario, e.env
    u = streams.uniforms(streams.generator(sc.seed, e.replication, "redial", name))
    delay = streams.draws(cfg.delay, streams.generator(sc.seed, e.replication, "redial", f"{name}/delay"))
    give_up = e.after_abandon[k]
    redials = e.tally.type_counters["redials"]
    p, max_attempts, after_balk = cfg.probability, cfg.max_attempts, cfg.after_balk

    def arrive(wake) -> None:
        old = wake.target
        cust = old.customer
        cust.attempts += 1
        e.present(e.attempt(k, old.handle, e.repeat_patience[k](), cust), redials)

    cb = (arrive,)

    def after_abandon(contact, now: float, balked: bool) -> None:
        if contact.customer.attempts >= max_attempts or (balked and not after_balk) or u() >= p:
            give_up(contact, now, balked)
            return
        wake = _Wake(contact)
        wake.callbacks = cb
        env.schedule(wake, NORMAL, delay())

    e.after_abandon[k] = after_abandon
