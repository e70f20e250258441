"""Customer journeys: what every customer behaviour builds on, and tolerance.

When a scenario turns on a customer behaviour (redials, transfers, callbacks, announcements,
self-service) or a tolerance, each contact carries its ``Customer``: the type, interval and time of
the first arrival, attempts made, agents met and transfers taken. The call basis (every attempt)
keeps using the engine's counters; the customer basis is counted once, when the customer's journey
ends, in the type and interval of the first contact. Invariants:

    offered   == first_attempts + redials + transfers_in + channel_hops   (per type and interval)
    offered   == answered + abandoned                                    (balks and broken promises are abandons)
    customers == customers_answered + customers_abandoned + customers_unresolved + customers_self_served

Repeat attempts draw their patience, tolerance and (for a new contact type) handle time from
streams of their own (name + '/repeat'), so the first attempts of two plans that differ only in
staffing still see identical draws (common random numbers).

Tolerance (how long a customer waits without minding) is drawn for every attempt; an answer after
it counts ``over_tolerance``: answered, but unhappy. A kept callback is not judged by it (its live
wait was judged when the callback was accepted).
"""

from __future__ import annotations

from typing import Callable

from ...scenario_behaviours import any_customer_behaviour
from ..entities import DONE, INF, SERVED, Customer, JourneyContact
from ..seam import Behaviour


def _never() -> float:
    return INF


class Journeys(Behaviour):
    name = "customers"
    layer = 40  # outside the work behaviours (it reads the outcome of service), inside the door ones
    wraps = ("arrive", "answer", "service_end", "abandon")
    counters = (
        "first_attempts",  # offered attempts that are a customer's first
        "over_tolerance",  # answered after the customer's tolerance: answered but unhappy
        "customers",
        "customers_answered",  # final outcome: served (after any transfers)
        "customers_abandoned",  # final outcome: gave up for good
        "customers_unresolved",  # final outcome: bot dead end without hop, or broken promise without recontact
        "customers_self_served",  # final outcome: resolved by the bot
        "customers_within_sl",  # first reached an agent within T of their first arrival
        "multi_agent_customers",  # met more than one agent
    )
    streams = ("handle", "patience", "tolerance")
    metrics = (
        "customers",
        "customers_answered",
        "customers_abandoned",
        "customers_unresolved",
        "customers_self_served",
        "multi_agent_customers",
        "customer_service_level",
        "over_tolerance",
        "over_tolerance_rate",
    )

    @staticmethod
    def switched_on(scenario) -> bool:
        return any_customer_behaviour(scenario) or any(ct.tolerance is not None for ct in scenario.contact_types.values())

    def __init__(self, engine):
        super().__init__(engine)
        engine.journeys = self
        types = engine.scenario.contact_types
        #: per type, draws for attempts after the first (redials, transfers, hops, recontacts)
        self.repeat_handle = [self.draws(ct.handle_time, "handle", f"{name}/repeat") for name, ct in types.items()]
        self.repeat_patience = [self.draws(ct.patience, "patience", f"{name}/repeat") if ct.patience else _never for name, ct in types.items()]
        self.first_tolerance = [self.draws(ct.tolerance, "tolerance", name) if ct.tolerance else _never for name, ct in types.items()]
        self.repeat_tolerance = [self.draws(ct.tolerance, "tolerance", f"{name}/repeat") if ct.tolerance else _never for name, ct in types.items()]
        counters = engine.counters
        self._customers = counters["customers"]
        #: count a customer's final outcome, once: served, gave up, left unresolved, helped by the bot
        self.answered = self._finisher(counters["customers_answered"])
        self.abandoned = self._finisher(counters["customers_abandoned"])
        self.unresolved = self._finisher(counters["customers_unresolved"])
        self.self_served = self._finisher(counters["customers_self_served"])

    # --- what customer behaviours call ------------------------------------------------------

    def attempt(self, type_index: int, handle: float, patience: float, customer: Customer) -> JourneyContact:
        """A repeat attempt (redial, transfer, hop, recontact) arriving now."""
        engine = self.engine
        contact = JourneyContact(type_index, engine.env.now, engine.current_slot, handle, patience)
        contact.tolerance = self.repeat_tolerance[type_index]()
        contact.customer = customer
        return contact

    def _finisher(self, outcome: list) -> Callable[[Customer], None]:
        """A function counting a customer's final outcome in the rows ``outcome``."""
        multi_agent = self.engine.counters["multi_agent_customers"]

        def finish(customer: Customer) -> None:
            outcome[customer.type_index][customer.arrival_slot] += 1
            if customer.agents_met > 1:
                multi_agent[customer.type_index][customer.arrival_slot] += 1

        return finish

    # --- stages -----------------------------------------------------------------------------

    def arrive(self, inner):
        customers, tolerance = self._customers, self.first_tolerance

        def arrive(contact) -> None:
            type_index, slot = contact.type_index, contact.arrival_slot
            contact.tolerance = tolerance[type_index]()
            contact.customer = Customer(type_index, slot, contact.arrived)
            customers[type_index][slot] += 1
            inner(contact)

        return arrive

    def answer(self, inner):
        sl_seconds = self.engine.sl_seconds
        counters = self.engine.counters
        within, over_tolerance = counters["customers_within_sl"], counters["over_tolerance"]

        def answer(agent, contact) -> None:
            inner(agent, contact)
            now = contact.answered  # set by every answer, live or called back
            customer = contact.customer
            if not customer.agents_met and now - customer.first_arrived <= sl_seconds[customer.type_index]:
                within[customer.type_index][customer.arrival_slot] += 1
            customer.agents_met += 1
            if contact.callback_at is None and now - contact.arrived > contact.tolerance:
                over_tolerance[contact.type_index][contact.arrival_slot] += 1

        return answer

    def service_end(self, inner):
        engine = self.engine

        def service_end(agent) -> None:
            contact = agent.contact
            inner(agent)
            if contact.state == SERVED:  # the customer leaves (after-contact work may keep the agent busy)
                contact.state = DONE
                engine.after_service[contact.type_index](contact)

        return service_end

    def abandon(self, inner):
        engine = self.engine
        broken = engine.counters["callbacks_broken"]

        def abandon(contact, now: float, outcome: str = "abandoned") -> None:
            pending = contact.callback_at is not None  # a callback still pending at the close: a broken promise
            inner(contact, now, "callback_broken" if pending else outcome)
            if pending:
                broken[contact.type_index][contact.arrival_slot] += 1
                self.unresolved(contact.customer)
            elif engine.closing:
                self.abandoned(contact.customer)
            else:
                engine.after_abandon[contact.type_index](contact, now, False)

        return abandon
