"""Which behaviour figures a reader sees: rows for the terminal summary and the HTML report.

The JSON carries every behaviour metric for every contact type (zeros when a behaviour is off);
these rows, like the CSV's columns, show only the figures of behaviours the scenario switches on
(``relevant_metrics``).
"""

from __future__ import annotations

from ..results import SimulationResult
from ..scenario_behaviours import relevant_metrics

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
