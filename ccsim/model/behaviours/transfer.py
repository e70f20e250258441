"""Transfers: after service a share of contacts moves to another contact type and queues again.

A cold transfer adds a re-explaining time to the next handle time (counted in
``reexplain_seconds`` of the receiving type); a warm one passes the context and adds nothing.
``max_per_customer`` caps loops. ``transfers`` counts contacts leaving this type (slot of the
contact's arrival), ``transfers_in`` those arriving at the target (slot of the transfer).
"""

from __future__ import annotations

from .. import streams


def install(e, k: int, name: str, cfg) -> None:
    sc = e.scenario
    gen = lambda label: streams.generator(sc.seed, e.replication, "transfer", f"{name}{label}")  # noqa: E731
    u = streams.uniforms(gen(""))
    index = {n: i for i, n in enumerate(sc.type_names)}
    routes = []
    cum = 0.0
    for i, r in enumerate(cfg.routes):
        cum += r.probability
        reexplain = streams.draws(r.reexplain, gen(f"/reexplain/{i}")) if r.mode == "cold" else None
        routes.append((cum, index[r.to], reexplain))
    C = e.tally.type_counters
    out, into, reexplain_s = C["transfers"], C["transfers_in"], C["reexplain_seconds"]
    done = e.after_service[k]
    cap = cfg.max_per_customer

    def after_service(contact, now: float) -> None:
        cust = contact.customer
        if cust.transfers < cap:
            x = u()
            for bound, to, reexplain in routes:
                if x < bound:
                    cust.transfers += 1
                    out[k][contact.slot] += 1
                    handle = e.repeat_handle[to]()
                    if reexplain is not None:
                        extra = reexplain()
                        handle += extra
                        reexplain_s[to][e.slot] += extra
                    e.present(e.attempt(to, handle, e.repeat_patience[to](), cust), into)
                    return
        done(contact, now)

    e.after_service[k] = after_service
