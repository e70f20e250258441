"""Redials: a customer who abandons (or balks) tries again later, possibly several times.

Each repeat is a new attempt on the call basis (counted ``offered`` and ``redials`` in the
interval it arrives, which may be a later one) with the original handle time (same problem) and
a fresh patience; the customer basis counts the person once, by the final outcome.
"""

from __future__ import annotations

from ..seam import TypeBehaviour


class Redial(TypeBehaviour):
    name = "redial"
    layer = 50
    wraps = ("after_abandon",)
    counters = ("redials",)  # offered attempts that repeat an abandoned, balked or broken-promise attempt
    streams = ("redial",)
    metrics = ("redials",)

    @staticmethod
    def section(contact_type):
        return contact_type.redial

    def after_abandon(self, give_up):
        engine, cfg = self.engine, self.config
        journeys = engine.journeys
        decide = self.uniforms("redial", self.type_name)
        delay = self.draws(cfg.delay, "redial", f"{self.type_name}/delay")
        redials = engine.counters["redials"]
        type_index = self.type_index
        probability, max_attempts, after_balk = cfg.probability, cfg.max_attempts, cfg.after_balk

        def redial(wake) -> None:
            old = wake.subject
            customer = old.customer
            customer.attempts += 1
            engine.present(journeys.attempt(type_index, old.handle, journeys.repeat_patience[type_index](), customer), redials)

        redial_handlers = (redial,)

        def after_abandon(contact, now: float, balked: bool) -> None:
            if contact.customer.attempts >= max_attempts or (balked and not after_balk) or decide() >= probability:
                give_up(contact, now, balked)
                return
            engine.wake_after(delay(), redial_handlers, contact)

        return after_abandon
