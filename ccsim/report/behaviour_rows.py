"""Which behaviour figures a reader sees: rows for the terminal summary and the HTML report.

The JSON and CSV carry every behaviour metric for every contact type (zeros when a behaviour is
off); these rows show only the figures of behaviours the scenario switches on.
"""

from __future__ import annotations

from ..results import SimulationResult
from ..scenario import Scenario
from ..scenario_behaviours import any_customer_behaviour

def relevant_metrics(scenario: Scenario) -> dict[str, list[str]]:
    """Contact type -> behaviour metric names worth showing (terminal, report) for this scenario.

    The JSON and CSV carry every metric for every type; this only decides what a reader sees.
    """
    out: dict[str, list[str]] = {}
    tracked = any_customer_behaviour(scenario)
    hop_targets = {ct.self_service.hop_to for ct in scenario.contact_types.values() if ct.self_service and ct.self_service.hop_to}
    transfer_targets = {r.to for ct in scenario.contact_types.values() if ct.transfers for r in ct.transfers.routes}
    ring_types = {t for pool in scenario.agent_pools.values() for t, skill in pool.skill_details.items() if skill.after > 0}
    recontact_targets = {t for name, ct in scenario.contact_types.items() if ct.resolution for t in (ct.resolution.via or {name: 1})}
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
        if name in ring_types:
            m += ["overflowed"]
        if ct.resolution is not None:
            m += ["first_contact_resolution"]
        if name in recontact_targets:
            m += ["repeat_contacts"]
        journeys = ct.redial or ct.transfers or ct.callback or ct.announcement or ct.self_service or ct.resolution
        if tracked and journeys:
            m += ["customers", "customers_answered", "customers_abandoned", "customers_unresolved"]
            if ct.self_service is not None:
                m += ["customers_self_served"]
            if ct.transfers is not None:
                m += ["multi_agent_customers"]
            m += ["customer_service_level"]
        out[name] = m
    return out


LABELS = {
    "over_tolerance": ("answered over tolerance", "count"),
    "over_tolerance_rate": ("answered over tolerance / answered", "share"),
    "redials": ("redials (repeat attempts)", "count"),
    "transfers": ("transferred out", "count"),
    "transfers_in": ("transferred in", "count"),
    "reexplain_seconds": ("re-explaining time (total)", "hours"),
    "balked": ("balked at the announcement", "count"),
    "callbacks_offered": ("callbacks offered", "count"),
    "callbacks_accepted": ("callbacks accepted", "count"),
    "callbacks_kept": ("callbacks kept (called back)", "count"),
    "callbacks_broken": ("callbacks broken (never made)", "count"),
    "callback_wait_seconds": ("time to callback (mean)", "seconds"),
    "bot_contained": ("resolved by self-service", "count"),
    "bot_dead_ends": ("self-service dead ends", "count"),
    "channel_hops": ("came back here after a bot dead end", "count"),
    "silent_abandons": ("abandoned silently (chat left open)", "count"),
    "ghost_seconds": ("agent time on chats already abandoned", "hours"),
    "customers": ("customers (people, first contact here)", "count"),
    "customers_answered": ("customers served", "count"),
    "customers_abandoned": ("customers who gave up for good", "count"),
    "customers_unresolved": ("customers left unresolved", "count"),
    "customers_self_served": ("customers self-served", "count"),
    "multi_agent_customers": ("customers who met more than one agent", "count"),
    "customer_service_level": ("customer service level (from first try)", "share"),
    "overflowed": ("answered through an overflow ring", "count"),
    "repeat_contacts": ("came back after an unresolved service", "count"),
    "first_contact_resolution": ("first-contact resolution", "share"),
}


def behaviour_rows(result: SimulationResult) -> list[tuple[str, str, object, str]]:
    """(contact type, label, Estimate, format) for each behaviour figure worth showing."""
    rows = []
    for name, metrics in relevant_metrics(result.scenario).items():
        for m in metrics:
            label, fmt = LABELS[m]
            rows.append((name, label, result.by_contact_type[name][m], fmt))
    return rows


def pool_behaviour_rows(result: SimulationResult) -> list[tuple[str, str, object, str]]:
    """(pool, label, Estimate, format) for pools with shifts, shrinkage or chat concurrency."""
    rows = []
    for name, cfg in result.scenario.agent_pools.items():
        d = result.by_pool[name]
        if cfg.shrinkage is not None or cfg.shifts is not None:
            rows.append((name, "agents scheduled (mean)", d["agents_scheduled"], "count"))
            rows.append((name, "agents present (mean)", d["agents"], "count"))
        if cfg.shrinkage is not None:
            rows.append((name, f"shrinkage (planned {cfg.shrinkage.day_mean:.0%})", d["shrinkage"], "share"))
        if cfg.concurrency is not None and cfg.concurrency.max_chats > 1:
            rows.append((name, f"chat seats in use ({cfg.concurrency.max_chats} per agent)", d["occupancy"], "share"))
    return rows
