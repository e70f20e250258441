"""Per-customer tracking: what every customer behaviour builds on.

When a scenario turns on a customer behaviour (tolerance, redials, transfers, callbacks,
announcements, self-service), each contact carries its ``Customer``: the type, interval and time
of the first arrival, attempts made, agents met and transfers taken. The call basis (every
attempt) keeps using the Engine's counters; the customer basis is counted once, when the
customer's journey ends, in the type and interval of the first contact. Invariants:

    offered   == first_attempts + redials + transfers_in + channel_hops   (per type and interval)
    offered   == answered + abandoned                                    (balks and broken promises are abandons)
    customers == customers_answered + customers_abandoned + customers_unresolved + customers_self_served

Repeat attempts draw their patience, tolerance and (for a new contact type) handle time from
streams of their own (name + '/repeat'), so the first attempts of two plans that differ only in
staffing still see identical draws (common random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import streams

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

INF = float("inf")


class Customer:
    """One person's journey across attempts and contact types."""

    __slots__ = ("kind", "slot", "t0", "attempts", "agents", "transfers")

    def __init__(self, kind: int, slot: int, t0: float):
        self.kind = kind
        self.slot = slot
        self.t0 = t0
        self.attempts = 1
        self.agents = 0
        self.transfers = 0


def install(e: "Engine") -> list[str]:
    from ..engine import SERVED, DONE, Contact, Engine
    from . import callback, frontdoor, redial, transfer

    sc = e.scenario
    env = e.env
    C = e.tally.type_counters
    seed, rep = sc.seed, e.replication
    names = sc.type_names
    n = len(names)

    # --- draws for repeat attempts and tolerance ---------------------------------------------
    def stream(purpose, name):
        return streams.generator(seed, rep, purpose, name)

    def never():
        return INF

    e.repeat_handle = [streams.draws(ct.handle_time, stream("handle", f"{nm}/repeat")) for nm, ct in sc.contact_types.items()]
    e.repeat_patience = [
        streams.draws(ct.patience, stream("patience", f"{nm}/repeat")) if ct.patience else never for nm, ct in sc.contact_types.items()
    ]
    tol_first = [streams.draws(ct.tolerance, stream("tolerance", nm)) if ct.tolerance else never for nm, ct in sc.contact_types.items()]
    tol_repeat = [
        streams.draws(ct.tolerance, stream("tolerance", f"{nm}/repeat")) if ct.tolerance else never for nm, ct in sc.contact_types.items()
    ]

    offered = C["offered"]
    customers = C["customers"]
    multi = C["multi_agent_customers"]
    within = C["customers_within_sl"]
    over_tol = C["over_tolerance"]
    sl_seconds = e.sl_seconds

    def finish(customer: Customer, outcome: list) -> None:
        """Count the customer's final outcome (a per-customer counter) once."""
        outcome[customer.kind][customer.slot] += 1
        if customer.agents > 1:
            multi[customer.kind][customer.slot] += 1

    e.finish = finish
    answered_for_good = C["customers_answered"]
    abandoned_for_good = C["customers_abandoned"]
    unresolved = C["customers_unresolved"]

    def attempt(kind: int, handle: float, patience: float, customer: Customer) -> Contact:
        """A repeat attempt (redial, transfer, hop, recontact) arriving now."""
        c = Contact(kind, env._now, e.slot, handle, patience)
        c.cb_at = None
        c.tolerance = tol_repeat[kind]()
        c.customer = customer
        return c

    e.attempt = attempt

    def present(contact, origin: list) -> None:
        """An attempt reaches the human queue: count it offered (and how it came) and let it in."""
        kind, slot = contact.kind, contact.slot
        origin[kind][slot] += 1
        offered[kind][slot] += 1
        e.door[kind](contact)

    e.present = present
    first = C["first_attempts"]

    def enter(contact) -> None:
        present(contact, first)

    # per-type hooks; behaviour modules replace entries for their types
    e.front = [enter] * n
    e.door = [e.offer] * n
    e.after_abandon = [lambda c, now, balked: finish(c.customer, abandoned_for_good)] * n
    e.after_service = [lambda c, now: finish(c.customer, answered_for_good)] * n

    # --- arrivals ------------------------------------------------------------------------------
    handle_draw, patience_draw = e.handle_draw, e.patience_draw

    def on_arrival(kind: int) -> None:
        now = env._now
        slot = e.slot
        pd = patience_draw[kind]
        c = Contact(kind, now, slot, handle_draw[kind](), pd() if pd else INF)
        c.cb_at = None
        c.tolerance = tol_first[kind]()
        c.customer = Customer(kind, slot, now)
        customers[kind][slot] += 1
        e.front[kind](c)

    e._on_arrival = on_arrival

    # --- abandonment -----------------------------------------------------------------------------
    record_abandon = Engine._abandon.__get__(e)
    broken = C["callbacks_broken"]

    def abandon(contact, now: float) -> None:
        record_abandon(contact, now)
        if contact.cb_at is not None:  # a callback still pending at the close: a broken promise
            broken[contact.kind][contact.slot] += 1
            finish(contact.customer, unresolved)
        elif e.stranding:
            finish(contact.customer, abandoned_for_good)
        else:
            e.after_abandon[contact.kind](contact, now, False)

    e.record_abandon = record_abandon
    e._abandon = abandon

    # --- answer ---------------------------------------------------------------------------------
    inner_start = e._start

    def start(agent, contact) -> None:
        now = env._now
        cust = contact.customer
        if not cust.agents and now - cust.t0 <= sl_seconds[cust.kind]:
            within[cust.kind][cust.slot] += 1
        cust.agents += 1
        if contact.cb_at is not None:
            e.start_callback(agent, contact)
            return
        if now - contact.arrived > contact.tolerance:
            over_tol[contact.kind][contact.slot] += 1
        inner_start(agent, contact)

    e._start = start

    # --- service end --------------------------------------------------------------------------
    inner_end = e._on_service_end

    def end(agent) -> None:
        c = agent.contact
        inner_end(agent)
        if c.state == SERVED:  # the customer leaves (after-contact work may keep the agent busy)
            c.state = DONE
            e.after_service[c.kind](c, env._now)

    e._on_service_end = end

    installed = ["customers"]
    if any(ct.tolerance is not None for ct in sc.contact_types.values()):
        installed.append("tolerance")
    for k, (name, ct) in enumerate(sc.contact_types.items()):
        if ct.redial is not None:
            redial.install(e, k, name, ct.redial)
            installed.append(f"redial:{name}")
        if ct.transfers is not None:
            transfer.install(e, k, name, ct.transfers)
            installed.append(f"transfers:{name}")
        if ct.self_service is not None:
            frontdoor.install(e, k, name, ct.self_service)
            installed.append(f"self_service:{name}")
    installed += callback.install(e)
    return installed
