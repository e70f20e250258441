"""Self-service front door: a bot or FAQ resolves a share of new contacts before any queue.

Contained contacts are ``bot_contained`` (customer outcome: self-served) and never offered to
the human queue. The rest reach the queue if ``human_escape`` is on; otherwise they are
``bot_dead_ends``: a share comes back later through ``hop_to`` (counted ``channel_hops`` there),
the others end unresolved. Only first attempts meet the bot; redials go straight to the queue.
The contact log has a row for each contact the bot keeps (outcome ``bot_contained`` or
``bot_dead_end``), ending the moment it arrived.
"""

from __future__ import annotations

from ..seam import TypeBehaviour


class SelfService(TypeBehaviour):
    name = "self_service"
    layer = 35  # inside the journey: the bot meets a customer, who may end there
    wraps = ("arrive",)
    counters = (
        "bot_contained",  # resolved by self-service; never offered to the human queue
        "bot_dead_ends",  # could not reach a human from self-service
        "channel_hops",  # offered attempts that came back through this type after a bot dead end
    )
    streams = ("bot", "hop")
    metrics = ("bot_contained", "bot_dead_ends", "channel_hops")

    @staticmethod
    def section(contact_type):
        return contact_type.self_service

    def arrive(self, to_the_queue):
        engine, cfg, name = self.engine, self.config, self.type_name
        journeys, records = engine.journeys, engine.records
        contains = self.uniforms("bot", name)
        counters = engine.counters
        contained, dead_ends, hops = counters["bot_contained"], counters["bot_dead_ends"], counters["channel_hops"]
        type_index, share, escape, hop_probability = self.type_index, cfg.containment, cfg.human_escape, cfg.hop_probability
        if hop_probability > 0:
            to = engine.scenario.type_names.index(cfg.hop_to)
            hops_now = self.uniforms("hop", name)
            hop_delay = self.draws(cfg.hop_delay, "hop", f"{name}/delay")

            def hop_arrive(wake) -> None:
                customer = wake.subject
                customer.attempts += 1
                engine.present(journeys.attempt(to, journeys.repeat_handle[to](), journeys.repeat_patience[to](), customer), hops)

            hop_handlers = (hop_arrive,)

        def arrive(contact) -> None:
            if contains() < share:
                contained[type_index][contact.arrival_slot] += 1
                if records is not None:
                    engine.log_contact(contact, None, contact.arrived, None, "bot_contained")
                journeys.self_served(contact.customer)
            elif escape:
                to_the_queue(contact)
            else:
                dead_ends[type_index][contact.arrival_slot] += 1
                if records is not None:
                    engine.log_contact(contact, None, contact.arrived, None, "bot_dead_end")
                if hop_probability > 0 and hops_now() < hop_probability:
                    engine.wake_after(hop_delay(), hop_handlers, contact.customer)
                else:
                    journeys.unresolved(contact.customer)

        return arrive
