"""The state a center is in now: the public format of ``ccsim now --state`` (and of a scenario's
``start_state``), to which ACD and WFM exports are mapped.

```yaml
at: "11:30"                      # clock time; an interval boundary or not
waiting:                          # contacts in queue now, by type, as seconds already waited
  phone: [12, 35, 48, 61, 75, 90]
  email: {count: 180, oldest_hours: 5.5}    # a backlog as a count and the age of the oldest
in_service:                       # contacts being handled now, by pool: seconds already spent on each
  frontline: {phone: [30, 95, 210, 400]}
agents_now: {frontline: 24}       # present now (overrides the plan from `at` to the next interval)
callbacks_pending:                # promised callbacks, by type, with their due times
  phone: ["11:45", "12:00", "12:00"]
actuals:                          # offered so far today, per interval and type (for the reforecast)
  phone: [118, 131, 150, 162, 170, 181, 175]
```

Checks that need the scenario (names, `at` inside the horizon, callbacks only where the type
offers them, no more contacts in service than agents) are in ``state_problems``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from .config import Agents, ClockTime, Contacts, Strict, parse_clock
from .distributions import Seconds

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario


class Backlog(Strict):
    """Written work waiting now, given as a count and an age range rather than one age each."""

    count: Annotated[int, Field(ge=0, le=10**6)] = Field(description="contacts waiting")
    oldest_hours: Annotated[float, Field(ge=0, le=30 * 24)] = Field(
        description="age of the oldest, hours; the ages are spread evenly from 0 to it"
    )

    def ages_s(self) -> list[float]:
        """Seconds each has waited: evenly spaced, the oldest first."""
        if self.count == 0:
            return []
        step = self.oldest_hours * 3600 / max(self.count - 1, 1)
        return [self.oldest_hours * 3600 - i * step for i in range(self.count)]


class LiveState(Strict):
    """The center at one moment: who waits, who is being served, who is here, what is promised."""

    at: ClockTime = Field(description="clock time of the state, HH:MM (need not be an interval boundary)")
    waiting: dict[str, Annotated[list[Seconds], Field(max_length=10**6)] | Backlog] = Field(
        default_factory=dict, description="contacts in queue now, by type: seconds each has waited, or {count, oldest_hours}"
    )
    in_service: dict[str, dict[str, Annotated[list[Seconds], Field(max_length=10**6)]]] = Field(
        default_factory=dict, description="contacts being handled now, by pool and type: seconds already spent on each"
    )
    agents_now: dict[str, Agents] = Field(
        default_factory=dict, description="agents present now, by pool (busy or free); they stay until the next interval's plan"
    )
    callbacks_pending: dict[str, list[ClockTime]] = Field(
        default_factory=dict, description="promised callbacks not yet made, by type, with their due clock times"
    )
    actuals: dict[str, list[Contacts]] = Field(
        default_factory=dict, description="contacts offered so far today, by type, one per interval from the horizon's start (for the reforecast)"
    )

    def waited_s(self, contact_type: str) -> list[float]:
        """Seconds each contact of the type waiting now has waited."""
        waiting = self.waiting.get(contact_type, [])
        return waiting.ages_s() if isinstance(waiting, Backlog) else list(waiting)

    def minute(self, day_start_minute: int) -> float:
        """Minutes from the day's start to ``at``."""
        return minutes_after(self.at, day_start_minute)


def minutes_after(clock: str, day_start_minute: int) -> int:
    """Minutes from the day's start to a clock time (one before the start is read as the next day's)."""
    minute = parse_clock(clock) - day_start_minute
    return minute if minute >= 0 else minute + 1440


def state_problems(scenario: "Scenario", state: LiveState) -> list[str]:
    """Checks of a state against its scenario, located like the scenario's own messages."""
    problems = []
    types, pools = scenario.contact_types, scenario.agent_pools
    horizon = scenario.horizon
    if horizon.whole_days:  # a clock time names no day of a week
        return [
            f"at: a state is a moment of one day, and this horizon runs over {horizon.days} day(s) from {horizon.start_date}: "
            "start the rest of that day from a one-day scenario of it (horizon: start_date, start, end)"
        ]
    at_minute = state.minute(horizon.start_minute)
    if not 0 <= at_minute < horizon.total_minutes:
        problems.append(f"at: {state.at} is outside the horizon ({horizon.interval_labels()[0]} for {horizon.total_minutes / 60:g} h)")
    for key, names in (("waiting", state.waiting), ("callbacks_pending", state.callbacks_pending), ("actuals", state.actuals)):
        for name in names:
            if name not in types:
                problems.append(f"{key} -> {name}: not a contact type (known: {', '.join(types)})")
    for name in state.callbacks_pending:
        if name in types and types[name].callback is None:
            problems.append(f"callbacks_pending -> {name}: {name} offers no callbacks (add a callback section to the contact type)")
    for key, names in (("in_service", state.in_service), ("agents_now", state.agents_now)):
        for name in names:
            if name not in pools:
                problems.append(f"{key} -> {name}: not an agent pool (known: {', '.join(pools)})")
    for pool, by_type in state.in_service.items():
        if pool not in pools:
            continue
        for name in by_type:
            if name not in pools[pool].skill_levels:
                problems.append(f"in_service -> {pool} -> {name}: the pool does not serve {name}")
        busy = sum(len(v) for v in by_type.values())
        present = state.agents_now.get(pool)
        if present is not None and busy > present * (pools[pool].concurrency.max_chats if pools[pool].concurrency else 1):
            problems.append(f"in_service -> {pool}: {busy} contacts in service but agents_now -> {pool} is {present}")
    elapsed = int(at_minute // horizon.interval_minutes) if at_minute >= 0 else 0
    for name, values in state.actuals.items():
        if len(values) > elapsed:
            problems.append(f"actuals -> {name}: {len(values)} intervals given, but only {elapsed} have ended by {state.at}")
    return problems
