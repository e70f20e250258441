"""Scenario sections for customer and agent behaviours: each one a switch, off when omitted.

These models are fields of ``ContactType`` and ``AgentPool`` in ``scenario.py``; they live here so
the core scenario module stays short. Every key carries its unit, default and range in its
``description`` (docs/behaviours.md explains what each switch does to the day). Times are seconds
unless the key name says otherwise. Checks that involve other parts of the scenario (a transfer
target that must be a contact type, a chat pool that must only serve chat) are in
``behaviour_problems``, called from ``scenario.cross_field_problems``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from .config import MAX_CONTACTS_PER_INTERVAL, Agents, ClockTime, Probability, Strict, parse_clock
from .distributions import Distribution, Seconds

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario


# --- contact-type behaviours -----------------------------------------------------------------


class Resolution(Strict):
    """First-contact resolution: a served contact may not solve the problem, and the customer comes back."""

    probability: Probability = Field(description="share of served contacts that solve the customer's problem, 0-1")
    recontact_probability: Probability = Field(
        1.0, description="chance an unresolved customer contacts again; the rest are lost (customers_unresolved), 0-1"
    )
    delay: Distribution = Field(description="time from the end of the unresolved service to the next contact, seconds")
    via: dict[str, Annotated[float, Field(gt=0)]] | None = Field(
        None, description="contact type(s) the customer comes back through, with their shares (normalised); omitted = the same type"
    )


class Redial(Strict):
    """Customers who abandon (or balk) try again: the call basis counts every attempt, the customer basis the final outcome."""

    probability: Probability = Field(description="chance that a customer who gave up tries again, 0-1")
    delay: Distribution = Field(description="time from giving up to the next attempt, seconds")
    max_attempts: Annotated[int, Field(ge=1, le=100)] = Field(3, description="attempts a customer makes at most, the first included (1 = never redials)")
    after_balk: bool = Field(True, description="customers who balk at an announcement redial too")


class TransferRoute(Strict):
    """One way out of this contact type after service."""

    to: str = Field(description="contact type the customer is transferred to")
    probability: Probability = Field(description="share of served contacts transferred this way, 0-1")
    mode: Literal["cold", "warm"] = Field("cold", description="cold: the customer explains again (reexplain is added to the next handle time); warm: context is passed, nothing added")
    reexplain: Distribution | None = Field(None, description="extra handle time at the next agent for a cold transfer, seconds (required for cold)")

    @model_validator(mode="after")
    def _cold_needs_time(self):
        if self.mode == "cold" and self.reexplain is None:
            raise ValueError("a cold transfer needs reexplain (the time the customer spends explaining again)")
        return self


class Transfers(Strict):
    """After service, a share of contacts moves to another contact type and queues there again."""

    routes: Annotated[list[TransferRoute], Field(min_length=1)] = Field(description="where served contacts go next; probabilities must sum to <= 1")
    max_per_customer: Annotated[int, Field(ge=1, le=20)] = Field(3, description="transfers a customer can get at most; stops 'hot potato' loops")

    @model_validator(mode="after")
    def _sum(self):
        total = sum(r.probability for r in self.routes)
        if total > 1 + 1e-9:
            raise ValueError(f"route probabilities sum to {total:g}, more than 1")
        return self


class BrokenPromise(Strict):
    """What a customer whose callback never came does next."""

    delay: Distribution = Field(description="time from accepting the callback to contacting again, seconds")
    patience_factor: Annotated[float, Field(gt=0, le=1)] = Field(0.5, description="the next attempt's patience is multiplied by this (angrier = shorter), 0-1")
    recontact_probability: Probability = Field(1.0, description="chance the customer contacts again at all; the rest are lost (unresolved)")


class Callback(Strict):
    """Virtual hold: when the expected wait is long, callers may leave the queue and be called back."""

    offer_when_wait_exceeds: Seconds = Field(
        description="offer a callback when the expected wait (queue position x mean handle time / agents) exceeds this, seconds"
    )
    accept_probability: Probability = Field(description="share of callers offered a callback who accept it, 0-1")
    when: Literal["asap", "promised"] = Field("asap", description="asap: called back as soon as an agent is free; promised: not before promised_delay after accepting")
    promised_delay: Seconds = Field(1800, description="with when: promised, the callback is due this long after accepting, seconds")
    priority: Literal["ahead", "behind"] = Field("behind", description="due callbacks are served ahead of the live queue of this type, or behind every live queue of the pool")
    keep_rate: Probability = Field(1.0, description="share of promises kept; the rest are never called back (broken promises), 0-1")
    broken: BrokenPromise | None = Field(None, description="what customers with a broken promise do; omitted = they are lost (unresolved)")


class Announcement(Strict):
    """An 'expected wait' or 'we are unusually busy' message; some callers hang up on hearing it."""

    when_queue_exceeds: Annotated[int, Field(ge=0, le=MAX_CONTACTS_PER_INTERVAL)] | None = Field(None, description="play it when more than this many contacts are waiting")
    when_expected_wait_exceeds: Seconds | None = Field(None, description="play it when the expected wait exceeds this, seconds")
    balk_probability: Probability = Field(description="share of callers who hang up on hearing it (counted balked, and abandoned), 0-1")

    @model_validator(mode="after")
    def _one_trigger(self):
        if (self.when_queue_exceeds is None) == (self.when_expected_wait_exceeds is None):
            raise ValueError("give exactly one of when_queue_exceeds or when_expected_wait_exceeds")
        return self


class SelfService(Strict):
    """A bot or FAQ in front of the human queue."""

    containment: Probability = Field(description="share of arriving contacts the bot resolves (bot_contained), 0-1")
    human_escape: bool = Field(True, description="the rest can reach a human; false = they end at a dead end (bot_dead_ends)")
    hop_probability: Probability = Field(0.0, description="with no escape, share of dead-ended customers who come back through hop_to")
    hop_to: str | None = Field(None, description="contact type dead-ended customers come back through (e.g. phone)")
    hop_delay: Distribution | None = Field(None, description="time from the dead end to the new contact, seconds")

    @model_validator(mode="after")
    def _hop(self):
        if self.hop_probability > 0 and (self.hop_to is None or self.hop_delay is None):
            raise ValueError("hop_probability > 0 needs hop_to and hop_delay")
        if self.hop_probability > 0 and self.human_escape:
            raise ValueError("hop_probability only applies without human_escape (customers who can reach a human do not hop)")
        return self


class Complications(Strict):
    """The gap between the plan's ideal AHT and reality: some contacts need extra work."""

    share: Probability = Field(description="share of contacts that complicate, 0-1")
    extra: Distribution = Field(description="extra handle time of a complicated contact, seconds")


class Chat(Strict):
    """Chat sessions: how a chat's handle time stretches when its agent holds several at once, and
    customers who leave a chat without closing it (silent abandonment)."""

    stretch: Annotated[float, Field(ge=0, le=10)] = Field(
        0.0, description="handle time is multiplied by 1 + stretch x (chats the agent holds, this one included, - 1); 0 = no stretch"
    )
    silent_share: Probability = Field(
        0.0,
        description="share of chat abandoners who leave without closing the chat: it stays in the queue, counted abandoned, until an agent opens it and finds nobody; 0-1",
    )
    silent_agent_time: Distribution | None = Field(
        None, description="an agent's time on a chat whose customer has gone (greeting, waiting for a reply, closing), seconds; needed when silent_share > 0"
    )


# --- agent-pool behaviours -------------------------------------------------------------------


class Break(Strict):
    start: ClockTime = Field(description="clock time the break starts, HH:MM")
    minutes: Annotated[float, Field(gt=0, le=600)] = Field(description="length of the break, minutes")


class Shift(Strict):
    """``count`` agents working from ``start`` to ``end`` (clock times), off the phones during ``breaks``."""

    start: ClockTime = Field(description="clock time the shift starts, HH:MM")
    end: ClockTime = Field(description="clock time the shift ends, HH:MM (may be before start: ends the next day)")
    count: Agents = Field(description="agents on this shift")
    breaks: list[Break] = Field(default_factory=list, description="breaks all agents of this shift take together; stagger by splitting shifts")

    def pieces(self, day_start_min: int) -> list[tuple[float, float]]:
        """Working periods as (start, end) minutes after the horizon start, breaks cut out.

        A shift may start before the horizon (negative start) and end after midnight (end <= start);
        one that would end before the horizon starts is the next day's (00:00 in a 20:00 night).
        """
        s = float(parse_clock(self.start) - day_start_min)
        e = float(parse_clock(self.end) - day_start_min)
        if e <= s:
            e += 1440
        if e <= 0:
            s, e = s + 1440, e + 1440
        periods = [(s, e)]
        for b in self.breaks:
            bs = float(parse_clock(b.start) - day_start_min)
            if bs < s:
                bs += 1440
            be = bs + b.minutes
            out = []
            for a, z in periods:
                if be <= a or bs >= z:
                    out.append((a, z))
                    continue
                if bs > a:
                    out.append((a, bs))
                if be < z:
                    out.append((be, z))
            periods = out
        return periods


#: A share of scheduled time lost.
Share = Annotated[float, Field(ge=0, lt=1)]


class Shrinkage(Strict):
    """Scheduled time lost to absence and off-phone work, drawn per replication and per agent.

    ``shrinkage: 0.3``, as planners write it, is short for ``{mean: 0.3, sd: 0}``.
    """

    mean: Share | Annotated[list[Share], Field(min_length=1)] = Field(
        description="expected share of scheduled agent time lost, 0-1 (30-35% is common); or one per interval, e.g. more at lunch"
    )
    sd: Annotated[float, Field(ge=0, lt=0.5)] = Field(
        0.05,
        description="day-to-day spread of the share: each replication draws the day's share from a beta with this sd "
        "(with a mean per interval, the day's draw scales them all); 0 = same share every day",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"mean": value, "sd": 0}
        return value

    @model_validator(mode="after")
    def _feasible(self):
        mean = self.day_mean
        if 0 < self.sd < 0.001:  # its square, which the beta's parameters divide by, underflows towards 0
            raise ValueError(f"sd {self.sd:g} must be 0 (the same share every day) or at least 0.001")
        if self.sd > 0 and self.sd**2 >= mean * (1 - mean):
            raise ValueError(f"sd {self.sd:g} is too large for mean {mean:g} (needs sd^2 < mean x (1 - mean))")
        return self

    @property
    def day_mean(self) -> float:
        """The expected share over the day: ``mean``, or the average of the interval means."""
        return sum(self.mean) / len(self.mean) if isinstance(self.mean, list) else self.mean

    def interval_shares(self, day_share: float, n_intervals: int) -> list[float]:
        """Each interval's share on a day whose drawn share is ``day_share``: that share all day, or
        the interval means scaled by the day's draw over their average (at most 1)."""
        if not isinstance(self.mean, list):
            return [day_share] * n_intervals
        mean = self.day_mean
        return [min(1.0, m * day_share / mean) if mean else 0.0 for m in self.mean]


class Skill(Strict):
    """How a pool serves one contact type: its priority level, an overflow ring, its speed."""

    level: Annotated[int, Field(ge=0, le=1000)] = Field(0, description="priority level: a free agent serves lower levels first")
    after: Seconds = Field(
        0, description="overflow ring: the pool takes this type's contacts only once they have waited this long in the queue, seconds (0 = at once)"
    )
    handle_factor: Annotated[float, Field(gt=0, le=100)] = Field(
        1.0, description="proficiency: this pool's handle time on the type is the contact's drawn handle time times this factor"
    )


class Concurrency(Strict):
    """Chat agents who hold several conversations at once."""

    max_chats: Annotated[int, Field(ge=1, le=20)] = Field(description="chats one agent handles at the same time")


# --- the checks that look across the scenario --------------------------------------------------


def behaviour_problems(sc: "Scenario") -> list[str]:
    """Cross-field checks of the behaviour sections, located like pydantic's messages."""
    problems = []
    types = sc.contact_types
    for cname, ct in types.items():
        where = f"contact_types -> {cname}"
        if ct.transfers is not None:
            for i, r in enumerate(ct.transfers.routes):
                if r.to not in types:
                    problems.append(f"{where} -> transfers -> routes -> [{i}] -> to: '{r.to}' is not a contact type (known: {', '.join(types)})")
        ss = ct.self_service
        if ss is not None and ss.hop_to is not None:
            if ss.hop_to not in types:
                problems.append(f"{where} -> self_service -> hop_to: '{ss.hop_to}' is not a contact type (known: {', '.join(types)})")
            elif ss.hop_to == cname:
                problems.append(f"{where} -> self_service -> hop_to: customers cannot hop back into the same contact type")
        if ct.channel == "email":
            if ct.patience is not None:
                problems.append(f"{where} -> patience: email never abandons; remove patience (or use channel: chat/phone)")
            for key in ("callback", "announcement", "redial"):
                if getattr(ct, key) is not None:
                    problems.append(f"{where} -> {key}: does not apply to email (it never waits on a line)")
        if ct.callback is not None and ct.channel != "phone":
            problems.append(f"{where} -> callback: callbacks are offered to phone callers only (channel: phone)")
        if ct.chat is not None and ct.channel != "chat":
            problems.append(f"{where} -> chat: chat settings need channel: chat")
        if ct.chat is not None and ct.chat.silent_share > 0:
            if ct.chat.silent_agent_time is None:
                problems.append(f"{where} -> chat -> silent_agent_time: needed when silent_share > 0 (an agent's time on a chat whose customer has gone)")
            if ct.patience is None:
                problems.append(f"{where} -> chat -> silent_share: nobody abandons without patience; add patience or remove silent_share")
        if ct.resolution is not None and ct.resolution.via is not None:
            for target in ct.resolution.via:
                if target not in types:
                    problems.append(f"{where} -> resolution -> via: '{target}' is not a contact type (known: {', '.join(types)})")
        n = sc.horizon.n_intervals
        if ct.aht_by_interval is not None and len(ct.aht_by_interval) != n:
            problems.append(f"{where} -> aht_by_interval: {len(ct.aht_by_interval)} values given, the horizon has {n} intervals")
    for pname, pool in sc.agent_pools.items():
        where = f"agent_pools -> {pname}"
        if pool.concurrency is not None and pool.concurrency.max_chats > 1:
            not_chat = [s for s in pool.skill_levels if s in types and types[s].channel != "chat"]
            if not_chat:
                problems.append(
                    f"{where} -> concurrency: a pool handling several chats at once can only serve chat contact types (not {', '.join(not_chat)})"
                )
    return problems


def any_customer_behaviour(sc: "Scenario") -> bool:
    """True when contacts can make more than one attempt or end without reaching a queue."""
    return any(
        ct.redial or ct.transfers or ct.callback or ct.announcement or ct.self_service or ct.resolution for ct in sc.contact_types.values()
    )


def relevant_metrics(scenario: "Scenario") -> dict[str, list[str]]:
    """Contact type -> the behaviour metrics that matter for this scenario: those of the behaviours
    it switches on for (or sends contacts to) the type.

    The terminal, the report and the interval CSV show these; the JSON carries every metric for
    every type (zero where a behaviour is off).
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
