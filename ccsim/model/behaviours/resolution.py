"""First-contact resolution: a served contact that does not solve the problem comes back.

With ``resolution: {probability: p, recontact_probability: r, delay: D, via: {type: share}}`` on a
contact type, each service of that type that ends the customer's time with an agent (not
transferred on) resolves the problem with probability p. An unresolved customer contacts again
after a draw of D with probability r, through a type drawn from ``via`` (default: the same type),
with the same problem; the others are lost (``customers_unresolved``). The return is a new attempt
on the call basis (``repeat_contacts`` in the type and interval it arrives in) with a fresh handle
time and patience; the customer basis counts the person once, by the final outcome.

``first_contact_resolution`` is, for customers whose first service ended on a type with
resolution, the share resolved there (typical centers: 70-75%).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from ..seam import TypeBehaviour


class Resolution(TypeBehaviour):
    name = "resolution"
    layer = 45  # inside transfers: a transferred customer's problem is judged where it is served last
    wraps = ("after_service",)
    counters = (
        "repeat_contacts",  # offered attempts that are a customer's return after an unresolved service
        "first_services",  # customers whose first service ended here (the customer's first type and interval)
        "first_services_resolved",  # ... and resolved the problem
    )
    streams = ("resolution",)
    metrics = ("repeat_contacts", "first_contact_resolution")

    @staticmethod
    def section(contact_type):
        return contact_type.resolution

    def after_service(self, done):
        engine, cfg, name = self.engine, self.config, self.type_name
        journeys = engine.journeys
        resolves = self.uniforms("resolution", name)
        comes_back = self.uniforms("resolution", f"{name}/recontact")
        delay = self.draws(cfg.delay, "resolution", f"{name}/delay")
        names = engine.scenario.type_names
        via = cfg.via or {name: 1.0}
        targets = [names.index(t) for t in via]
        bounds = [b / sum(via.values()) for b in accumulate(via.values())]
        which = self.uniforms("resolution", f"{name}/via") if len(targets) > 1 else None
        counters = engine.counters
        repeats, first, first_resolved = counters["repeat_contacts"], counters["first_services"], counters["first_services_resolved"]
        probability, recontact_probability = cfg.probability, cfg.recontact_probability

        def come_back(wake) -> None:
            contact = wake.subject
            customer = contact.customer
            customer.attempts += 1
            to = targets[0] if which is None else targets[min(bisect_right(bounds, which()), len(targets) - 1)]
            engine.present(journeys.attempt(to, journeys.repeat_handle[to](), journeys.repeat_patience[to](), customer), repeats)

        handlers = (come_back,)

        def after_service(contact) -> None:
            customer = contact.customer
            is_first = customer.agents_met == 1
            if is_first:
                first[customer.type_index][customer.arrival_slot] += 1
            if resolves() < probability:
                if is_first:
                    first_resolved[customer.type_index][customer.arrival_slot] += 1
                done(contact)
            elif comes_back() < recontact_probability:
                engine.wake_after(delay(), handlers, contact)
            else:
                journeys.unresolved(customer)

        return after_service
