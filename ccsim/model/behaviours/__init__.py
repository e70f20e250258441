"""Customer and agent behaviours (issue 4), each a small module plugged into the Engine's hooks.

``install_behaviours(engine)`` runs once when an Engine is built. It looks at the scenario and
installs only the behaviours switched on there, by rebinding a few well-named Engine hooks:

- ``_on_arrival`` / ``present`` / ``door``: how a contact enters (core, frontdoor, callback)
- ``_abandon`` and ``after_abandon[kind]``: what follows giving up (core, redial)
- ``_start``: what happens when an agent answers (core, channels)
- ``_on_service_end`` and ``after_service[kind]``: what follows service (core, transfer, workforce)
- ``_on_abandon`` and ``log_served``: a chat left silently stays queued and is logged once (silent)
- pool ``staffing`` and ``new_agent``: who is on the phones (workforce, channels)

A scenario that uses none of them (plain M/M/n+M) keeps the Engine's own methods and runs no
behaviour code on its hot path. Counters are the same for every scenario, so the JSON has the
same keys whether a behaviour is on or not (zeros when off).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...scenario_behaviours import any_customer_behaviour

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

#: Per contact type counters behaviours write (tally slot of the contact's arrival unless noted).
CALL_COUNTERS = (
    "first_attempts",  # offered attempts that are a customer's first: offered = first + redials + transfers_in + channel_hops
    "redials",  # offered attempts that repeat an abandoned, balked or broken-promise attempt
    "transfers",  # served contacts transferred out of this type
    "transfers_in",  # offered attempts that arrived by transfer
    "reexplain_seconds",  # total re-explaining time added by cold transfers into this type
    "over_tolerance",  # answered after the customer's tolerance: answered but unhappy
    "callbacks_offered",
    "callbacks_accepted",
    "callbacks_kept",  # callbacks made (the customer was called back); counted answered
    "callbacks_broken",  # promises not kept (incl. callbacks still pending at the close); counted abandoned
    "callback_wait_sum",  # seconds from accepting to being called back, over kept callbacks
    "balked",  # hung up on hearing an announcement; counted abandoned (with wait 0)
    "bot_contained",  # resolved by self-service; never offered to the human queue
    "bot_dead_ends",  # could not reach a human from self-service
    "channel_hops",  # offered attempts that came back through this type after a bot dead end
    "silent_abandons",  # chats whose customer left without closing them; counted abandoned
    "ghost_seconds",  # agent time spent opening chats whose customer had already left
)
#: Per-customer counters, in the type and slot of the customer's *first* contact.
CUSTOMER_COUNTERS = (
    "customers",
    "customers_answered",  # final outcome: served (after any transfers)
    "customers_abandoned",  # final outcome: gave up for good
    "customers_unresolved",  # final outcome: bot dead end without hop, or broken promise without recontact
    "customers_self_served",  # final outcome: resolved by the bot
    "customers_within_sl",  # first reached an agent within T of their first arrival
    "multi_agent_customers",  # met more than one agent
)
BEHAVIOUR_COUNTERS = CALL_COUNTERS + CUSTOMER_COUNTERS


def callback_queues(scenario) -> dict[int, int]:
    """Contact-type index -> index of its callback queue (after the types' own queues)."""
    names = scenario.type_names
    with_cb = [k for k, n in enumerate(names) if scenario.contact_types[n].callback is not None]
    return {k: len(names) + j for j, k in enumerate(with_cb)}


def routing_groups(scenario, pool_cfg, index: dict[str, int]) -> list[list[int]]:
    """Queue indices a pool's free agent looks at, grouped best first.

    Order: callbacks served ``ahead`` just before their type's group; live types by skill level
    then by the type's queue ``priority``; callbacks served ``behind``; email backlogs last.
    Within a group the oldest contact is taken first.
    """
    types = scenario.contact_types
    cbq = callback_queues(scenario)
    levels = pool_cfg.skill_levels
    keyed: dict[tuple, list[int]] = {}
    for name, lv in levels.items():
        ct = types[name]
        k = index[name]
        if ct.channel == "email":
            key = (3, lv, ct.priority, 0)
        else:
            key = (1, lv, ct.priority, 1)
        keyed.setdefault(key, []).append(k)
        if k in cbq:
            cb_key = (1, lv, ct.priority, 0) if ct.callback.priority == "ahead" else (2, lv, ct.priority, 0)
            keyed.setdefault(cb_key, []).append(cbq[k])
    return [keyed[key] for key in sorted(keyed)]


def install_behaviours(engine: "Engine") -> list[str]:
    """Install what the scenario switches on; return the names of the installed behaviours."""
    from . import channels, core, silent, workforce

    sc = engine.scenario
    installed = []
    installed += workforce.install_staffing(engine)  # shifts and shrinkage change staffing arrays
    installed += channels.install(engine)  # chat seats (innermost wrappers)
    installed += workforce.install_work(engine)  # after-contact work, complications
    if any_customer_behaviour(sc) or any(ct.tolerance is not None for ct in sc.contact_types.values()):
        installed += core.install(engine)  # per-customer tracking, then each customer behaviour
    else:
        engine.finishers.append(_every_contact_is_a_customer)
    installed += silent.install(engine)  # outermost: a chat left silently bypasses the answer hooks
    engine.finishers.append(workforce.pool_levels_finisher(engine))
    return installed


def _every_contact_is_a_customer(stats) -> None:
    """Without repeat attempts each offered contact is one customer with the same outcome."""
    c = stats.counters
    c["first_attempts"] = c["offered"].copy()
    c["customers"] = c["offered"].copy()
    c["customers_answered"] = c["answered"].copy()
    c["customers_abandoned"] = c["abandoned"].copy()
    c["customers_within_sl"] = c["within_sl"].copy()


def relevant_metrics(scenario) -> dict[str, list[str]]:
    """Contact type -> behaviour metric names worth showing (terminal, report) for this scenario.

    The JSON and CSV carry every metric for every type; this only decides what a reader sees.
    """
    out: dict[str, list[str]] = {}
    tracked = any_customer_behaviour(scenario)
    hop_targets = {ct.self_service.hop_to for ct in scenario.contact_types.values() if ct.self_service and ct.self_service.hop_to}
    transfer_targets = {r.to for ct in scenario.contact_types.values() if ct.transfers for r in ct.transfers.routes}
    for name, ct in scenario.contact_types.items():
        m = []
        if ct.tolerance is not None:
            m += ["over_tolerance", "over_tolerance_rate"]
        if ct.redial is not None:
            m += ["redials"]
        if ct.transfers is not None:
            m += ["transfers"]
        if name in transfer_targets:
            m += ["transfers_in", "reexplain_seconds"]
        if ct.announcement is not None:
            m += ["balked"]
        if ct.callback is not None:
            m += ["callbacks_offered", "callbacks_accepted", "callbacks_kept", "callbacks_broken", "callback_wait_seconds"]
        if ct.self_service is not None:
            m += ["bot_contained", "bot_dead_ends"]
        if name in hop_targets:
            m += ["channel_hops"]
        if ct.chat is not None and ct.chat.silent_share > 0:
            m += ["silent_abandons", "ghost_seconds"]
        journeys = ct.redial or ct.transfers or ct.callback or ct.announcement or ct.self_service
        if tracked and journeys:
            m += ["customers", "customers_answered", "customers_abandoned", "customers_unresolved"]
            if ct.self_service is not None:
                m += ["customers_self_served"]
            if ct.transfers is not None:
                m += ["multi_agent_customers"]
            m += ["customer_service_level"]
        out[name] = m
    return out


def beta_share(rng: np.random.Generator, mean: float, sd: float) -> float:
    """A share in [0, 1) with the given mean and sd (beta), or exactly ``mean`` when sd is 0."""
    if sd <= 0 or mean <= 0:
        return mean
    k = mean * (1 - mean) / sd**2 - 1
    return float(rng.beta(mean * k, (1 - mean) * k))
