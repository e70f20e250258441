"""Transfers: after service a share of contacts moves to another contact type and queues again.

A cold transfer adds a re-explaining time to the next handle time (counted in
``reexplain_seconds`` of the receiving type); a warm one passes the context and adds nothing.
``max_per_customer`` caps loops. ``transfers`` counts contacts leaving this type (slot of the
contact's arrival), ``transfers_in`` those arriving at the target (slot of the transfer).
"""

from __future__ import annotations

from ..seam import TypeBehaviour


class Transfer(TypeBehaviour):
    name = "transfers"
    layer = 50
    wraps = ("after_service",)
    counters = (
        "transfers",  # served contacts transferred out of this type
        "transfers_in",  # offered attempts that arrived by transfer
        "reexplain_seconds",  # total re-explaining time added by cold transfers into this type
    )
    streams = ("transfer",)
    metrics = ("transfers", "transfers_in", "reexplain_seconds")

    @staticmethod
    def section(contact_type):
        return contact_type.transfers

    def after_service(self, done):
        engine, cfg, name = self.engine, self.config, self.type_name
        journeys = engine.journeys
        decide = self.uniforms("transfer", name)
        index = {n: i for i, n in enumerate(engine.scenario.type_names)}
        routes = []  # (cumulative probability, target type, re-explaining draw or None)
        cumulative = 0.0
        for i, route in enumerate(cfg.routes):
            cumulative += route.probability
            reexplain = self.draws(route.reexplain, "transfer", f"{name}/reexplain/{i}") if route.mode == "cold" else None
            routes.append((cumulative, index[route.to], reexplain))
        counters = engine.counters
        out, into, reexplain_s = counters["transfers"], counters["transfers_in"], counters["reexplain_seconds"]
        type_index, cap = self.type_index, cfg.max_per_customer

        def after_service(contact) -> None:
            customer = contact.customer
            if customer.transfers < cap:
                x = decide()
                for bound, to, reexplain in routes:
                    if x < bound:
                        customer.transfers += 1
                        out[type_index][contact.arrival_slot] += 1
                        handle = journeys.repeat_handle[to]()
                        if reexplain is not None:
                            extra = reexplain()
                            handle += extra
                            reexplain_s[to][engine.current_slot] += extra
                        engine.present(journeys.attempt(to, handle, journeys.repeat_patience[to](), customer), into)
                        return
            done(contact)

        return after_service
