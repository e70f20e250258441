"""Scenario files: YAML in, one validated and typed ``Scenario`` out.

Validation happens once, here. Everything downstream (model, metrics, reports) receives the
typed model, never a raw dict, and may rely on what is checked here: positive times, list
lengths that match the horizon, skills that name real contact types. Problems are collected
and raised together as a ``ScenarioError`` whose lines name the field, e.g.
``contact_types -> calls -> handle_time -> mean: must be > 0``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, PrivateAttr, Tag, ValidationError, field_serializer, field_validator, model_validator

from .clock import format_clock
from .config import (
    MAX_AGENTS,
    MAX_CONTACTS_PER_INTERVAL,
    Agents,
    ClockTime,
    Contacts,
    Probability,
    ScenarioError,
    Strict,
    format_validation_error,
    parse_clock,
)
from .distributions import MAX_SECONDS, Distribution, Positive, Seconds, expand_preset
from .input_files import AHT_COLUMN, Grid, StaffingFile, TableKeys, Wanted, interval_values, load_yaml
from .shifts import ShiftRules, rules_problems, shift_staffing
from .state import Backlog, LiveState, state_problems
from .weekdays import by_date, check_keys
from .scenario_behaviours import (
    Announcement,
    Callback,
    Chat,
    Complications,
    Concurrency,
    Redial,
    Resolution,
    SelfService,
    Shift,
    Shrinkage,
    Skill,
    Transfers,
    behaviour_problems,
)

# What one scenario may ask for, declared once (contacts and agents in config.py, durations in
# distributions.py): ``validate`` refuses what ``run`` could not do, before anything is allocated.
#: The longest horizon: a year (366 days), at any interval length.
MAX_HORIZON_HOURS = 366 * 24
#: Per-interval tallies one replication keeps (intervals x contact types), each up to ~2.5 KB
#: (docs/scale.md): a year of one-minute intervals for one contact type, of 15-minute ones for 28.
MAX_INTERVAL_TALLIES = 1_000_000
#: Expected contacts (first attempts) in one replication: about an hour of one core.
MAX_CONTACTS_PER_REPLICATION = 10**9
#: Expected contacts in all replications of a run: about ten core-hours.
MAX_CONTACTS_PER_RUN = 10**10
#: Variants in one file; ``ccsim compare`` simulates each.
MAX_VARIANTS = 100
#: Largest forecast or staffing file read: a year of one-minute rows with a few columns is ~30 MB.
MAX_FORECAST_BYTES = 64 * 2**20

#: A queue priority or skill level (lower first).
Level = Annotated[int, Field(ge=0, le=1000)]
#: An amount of money, in any currency (a billion covers a lost sale in the smallest unit).
Money = Annotated[float, Field(ge=0, le=10**9)]


class Horizon(Strict):
    """The simulated time: one day from a start clock time, for ``hours`` or to an ``end``; or, dated,
    whole days from ``start_date`` with the center's opening hours (``days``, ``open``)."""

    start: ClockTime = Field("08:00", description="clock time the first interval starts, HH:MM (not with days: a week starts at 00:00)")
    end: ClockTime | None = Field(
        None, description="clock time the last interval ends, HH:MM (instead of hours); at or before start = the next day, e.g. 20:00 to 06:00"
    )
    hours: Annotated[float, Field(gt=0, le=MAX_HORIZON_HOURS)] | None = Field(None, description="length of the horizon in hours (instead of end)")
    interval_minutes: Annotated[int, Field(gt=0, le=1440)] = Field(30, description="planning interval length, minutes")
    start_date: dt.date | None = Field(
        None, description="the date of the first interval, YYYY-MM-DD: intervals carry their date (ISO date-times in the outputs)"
    )
    days: Annotated[int, Field(ge=1, le=366)] | None = Field(
        None, description="with start_date: that many whole days from 00:00, closed outside the opening hours (instead of start, end and hours)"
    )
    open: dict[str, Annotated[list[ClockTime], Field(min_length=2, max_length=2)] | Literal["closed"]] | None = Field(
        None,
        description="with days: opening hours by weekday, range or date, e.g. {mon-fri: [\"08:00\", \"20:00\"], sat: [\"09:00\", \"14:00\"], "
        "sun: closed, 2026-12-24: [\"08:00\", \"13:00\"]}; a day not named is closed; omitted = open around the clock",
    )

    @model_validator(mode="after")
    def _length(self):
        if self.days is not None or self.open is not None:
            if self.start_date is None:
                raise ValueError("days and open need start_date (the weekday of each day comes from it)")
            if self.hours is not None or self.end is not None or ("start" in self.model_fields_set and self.start != "00:00"):
                raise ValueError("with days, give no start, end or hours: the horizon is whole days from 00:00, open as open says")
            if self.days is None:
                raise ValueError("open needs days: how many days from start_date")
            if 1440 % self.interval_minutes:
                raise ValueError(f"interval_minutes: a day is not a whole number of {self.interval_minutes}-minute intervals")
            for day, hours in self.opening_hours().items():
                if hours is None:
                    continue
                opens, closes = hours
                if closes <= opens:
                    raise ValueError(f"open: on {day} the center closes ({format_clock(closes)}) before it opens ({format_clock(opens)})")
                if opens % self.interval_minutes or closes % self.interval_minutes:
                    raise ValueError(
                        f"open: on {day} {format_clock(opens)}-{format_clock(closes)} does not fall on {self.interval_minutes}-minute interval starts"
                    )
            return self
        if (self.hours is None) == (self.end is None):
            raise ValueError("give exactly one of hours or end")
        total = self.total_minutes
        if total < self.interval_minutes:
            raise ValueError(f"the horizon ({total:g} min) is shorter than one {self.interval_minutes}-minute interval")
        if abs(total / self.interval_minutes - round(total / self.interval_minutes)) > 1e-9:
            raise ValueError(f"the horizon ({total:g} min) is not a whole number of {self.interval_minutes}-minute intervals")
        return self

    @field_validator("open")
    @classmethod
    def _day_keys(cls, value):
        if value is not None:
            for problem in check_keys(value):
                raise ValueError(problem)
        return value

    @property
    def whole_days(self) -> bool:
        """Whole days from 00:00 with opening hours (``days``), rather than one stretch of clock time."""
        return self.days is not None

    @property
    def start_minute(self) -> int:
        return 0 if self.whole_days else parse_clock(self.start)

    @property
    def total_minutes(self) -> float:
        if self.whole_days:
            return self.days * 1440
        if self.hours is not None:
            return self.hours * 60
        minutes = parse_clock(self.end) - self.start_minute
        return minutes if minutes > 0 else minutes + 1440  # a night: it ends the next day

    @property
    def n_intervals(self) -> int:
        return round(self.total_minutes / self.interval_minutes)

    @property
    def interval_s(self) -> float:
        return self.interval_minutes * 60.0

    @property
    def length_s(self) -> float:
        return self.total_minutes * 60.0

    @property
    def dates(self) -> list[dt.date]:
        """The dates the horizon touches, in order (empty for an undated horizon)."""
        if self.start_date is None:
            return []
        last = (self.start_minute + self.total_minutes - 1) // 1440
        return [self.start_date + dt.timedelta(days=k) for k in range(int(last) + 1)]

    def opening_hours(self) -> dict[dt.date, tuple[int, int] | None]:
        """Each date's (opening, closing) minute after its midnight, None on a closed day; every
        date open around the clock without ``open``."""
        if self.open is None:
            return {d: (0, 1440) for d in self.dates}
        return _opening_hours(self.open, self.dates)

    @property
    def open_intervals(self) -> tuple[bool, ...]:
        """Per interval, whether the center is open in it (always, unless ``open`` closes it).

        Asked for in loops over intervals, so it is computed once per distinct horizon (a cache
        keyed by the horizon's values: a copy with other hours has its own entry, never a stale one)."""
        if self.open is None:
            return (True,) * self.n_intervals
        return _open_intervals(self.start_date, self.days, self.interval_minutes, json.dumps(self.open, sort_keys=True))

    def counted_intervals(self) -> tuple[list[int], str]:
        """The intervals a verdict counts, and what to call them: every interval, or with opening
        hours the open ones ("open intervals"), since nothing happens while the center is closed."""
        open_ = self.open_intervals
        if all(open_):
            return list(range(len(open_))), "intervals"
        return [i for i, o in enumerate(open_) if o], "open intervals"

    def describe(self) -> str:
        """The horizon in a few words: '24 intervals of 30 min from 08:00'; dated, '7 days from Mon
        2026-12-07, 336 intervals of 30 min, 130 of them open'."""
        if not self.whole_days:
            start = format_clock(self.start_minute) if self.start_date is None else f"{self.start_date:%a %Y-%m-%d} {self.start}"
            return f"{self.n_intervals} intervals of {self.interval_minutes} min from {start}"
        n_open = sum(self.open_intervals)
        opened = "" if n_open == self.n_intervals else f", {n_open} of them open"
        return f"{self.days} day{'s' if self.days > 1 else ''} from {self.start_date:%a %Y-%m-%d}, {self.n_intervals} intervals of {self.interval_minutes} min{opened}"

    def per_interval(self, values: list, key: str) -> list:
        """Values given per interval, laid on the horizon: one per interval, or (with opening hours)
        one per open interval, the closed ones getting 0. Raises ValueError naming ``key`` for a
        count that fits neither, or a value where the center is closed."""
        n, open_ = self.n_intervals, self.open_intervals
        n_open = sum(open_)
        if len(values) == n_open and n_open < n:
            spread = iter(values)
            return [next(spread) if o else 0 for o in open_]
        if len(values) != n:
            counts = f"{n} intervals" if n_open == n else f"{n} intervals, {n_open} of them open"
            raise ValueError(f"{key}: {len(values)} values given, the horizon has {counts}")
        closed = [i for i, (v, o) in enumerate(zip(values, open_)) if v and not o]
        if closed:
            raise ValueError(f"{key}: {values[closed[0]]:g} at {self.interval_labels()[closed[0]]}, when the center is closed")
        return list(values)

    def interval_dates(self) -> list[dt.date] | None:
        """Each interval's date (None for an undated horizon)."""
        if self.start_date is None:
            return None
        return [self.start_date + dt.timedelta(days=(self.start_minute + i * self.interval_minutes) // 1440) for i in range(self.n_intervals)]

    def interval_labels(self) -> list[str]:
        """'08:00', '08:30', ...; past midnight of the first day the day is prefixed ('d2 00:30');
        on a dated horizon ISO date-times ('2026-12-07T08:00')."""
        minutes = [self.start_minute + i * self.interval_minutes for i in range(self.n_intervals)]
        dates = self.interval_dates()
        if dates is None:
            return [format_clock(m) for m in minutes]
        return [f"{d.isoformat()}T{format_clock(m, with_day=False)}" for d, m in zip(dates, minutes)]


def _opening_hours(open_: dict, dates: list[dt.date]) -> dict[dt.date, tuple[int, int] | None]:
    spec = by_date(open_, dates, "closed")
    return {d: None if v == "closed" else (parse_clock(v[0]), parse_clock(v[1])) for d, v in spec.items()}


@lru_cache(maxsize=64)
def _open_intervals(start_date: dt.date, days: int, interval_minutes: int, open_json: str) -> tuple[bool, ...]:
    """``Horizon.open_intervals`` of whole days with these opening hours."""
    dates = [start_date + dt.timedelta(days=k) for k in range(days)]
    hours = _opening_hours(json.loads(open_json), dates)
    per_day = 1440 // interval_minutes
    return tuple(hours[d] is not None and hours[d][0] <= k * interval_minutes < hours[d][1] for d in dates for k in range(per_day))


class Arrivals(TableKeys):
    """Expected volume: a flat hourly rate, one expected count per interval, or a forecast file."""

    per_hour: Contacts | None = Field(None, description="constant arrival rate, contacts per hour")
    volumes: list[Contacts] | None = Field(
        None, description="expected contacts per interval, one per interval (with opening hours: of the horizon, or of its open intervals)"
    )
    weekly: dict[str, list[Contacts]] | None = Field(
        None,
        description="with a dated horizon: expected contacts per open interval of each weekday (or range, or date), "
        "e.g. {mon: [...], tue-fri: [...], sat: [...]}",
    )
    day_factors: dict[str, Annotated[float, Field(ge=0, le=100)]] | None = Field(
        None, description="with a dated horizon: each named date's (or weekday's) volumes multiplied by this, e.g. {2026-12-24: 0.6}"
    )
    file: str | None = Field(
        None,
        description=f"forecast file (.xlsx, .csv or .tsv), one row per interval, volumes in column; an '{AHT_COLUMN}' column fills "
        "the contact type's aht_by_interval; path relative to the scenario file",
    )
    csv: str | None = Field(None, description="another name for file")
    at_seconds: list[Annotated[float, Field(ge=0, le=MAX_HORIZON_HOURS * 3600)]] | None = Field(
        None, description="scripted arrivals instead of a random stream: seconds after the horizon starts (for traces and teaching)"
    )
    handle_seconds: list[Annotated[float, Field(ge=0, le=MAX_SECONDS)] | None] | None = Field(
        None,
        description="with at_seconds: each scripted contact's handle time, in the same order, seconds; null = not observed, "
        "drawn from handle_time; omitted = every one drawn (ccsim backtest replays a log's handle times with it)",
    )

    @model_validator(mode="after")
    def _one_source(self):
        given = [k for k in ("per_hour", "volumes", "weekly", "file", "csv", "at_seconds") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of per_hour, volumes, weekly, file (or csv) or at_seconds")
        for key in ("weekly", "day_factors"):
            for problem in check_keys(getattr(self, key) or {}):
                raise ValueError(f"{key}: {problem}")
        if self.day_factors is not None and self.at_seconds is not None:
            raise ValueError("day_factors: not used with at_seconds (scripted arrivals happen as written)")
        keys = [k for k in TableKeys.model_fields if getattr(self, k) is not None]
        if keys and self.file is None and self.csv is None:
            raise ValueError(f"{', '.join(keys)}: only used with file")
        if self.handle_seconds is not None and self.at_seconds is None:
            raise ValueError("handle_seconds: only used with at_seconds")
        if self.handle_seconds is not None and len(self.handle_seconds) != len(self.at_seconds):
            raise ValueError(f"handle_seconds: {len(self.handle_seconds)} values given, at_seconds has {len(self.at_seconds)}")
        return self

    def rates_per_s(self, horizon: Horizon) -> list[float]:
        """Arrival rate per second in each interval (volumes must already be resolved): nothing
        arrives while the center is closed; ``day_factors`` scale their days."""
        n = horizon.n_intervals
        if self.at_seconds is not None:
            counts = [0] * n
            for t in self.at_seconds:
                counts[min(int(t // horizon.interval_s), n - 1)] += 1
            return [c / horizon.interval_s for c in counts]
        rates = [v / horizon.interval_s for v in self.volumes_per_interval(horizon)]
        if self.day_factors is not None:
            factors = by_date(self.day_factors, horizon.dates, 1.0)
            rates = [r * factors[d] for r, d in zip(rates, horizon.interval_dates())]
        return rates

    def volumes_per_interval(self, horizon: Horizon) -> list[float]:
        """Expected contacts in each interval of the horizon, 0 where it is closed. Raises ValueError
        (a sentence naming the key) when the volumes given do not fit the horizon's intervals."""
        if self.per_hour is not None:
            per_interval = self.per_hour * horizon.interval_minutes / 60.0
            return [per_interval if o else 0.0 for o in horizon.open_intervals]
        if self.weekly is not None:
            return _weekly_volumes(self.weekly, horizon)
        return horizon.per_interval(self.volumes, "volumes")


def _weekly_volumes(weekly: dict[str, list[float]], horizon: Horizon) -> list[float]:
    """A weekly pattern laid on a dated horizon: each day's list fills that day's open intervals."""
    if not horizon.whole_days:
        raise ValueError("weekly: needs a horizon of whole days (start_date, days, open)")
    per_day = 1440 // horizon.interval_minutes
    hours = horizon.opening_hours()
    lists = by_date(weekly, horizon.dates)
    out: list[float] = []
    for k, day in enumerate(horizon.dates):
        open_ = horizon.open_intervals[k * per_day:(k + 1) * per_day]
        values = lists[day]
        if hours[day] is None and values:
            raise ValueError(f"weekly: {day:%a %Y-%m-%d} has volumes, but the center is closed that day")
        if hours[day] is not None and values is None:
            raise ValueError(f"weekly: no volumes for {day:%a %Y-%m-%d}, when the center is open")
        values = values or []
        if len(values) != sum(open_):
            raise ValueError(f"weekly: {len(values)} values for {day:%a %Y-%m-%d}, which has {sum(open_)} open intervals")
        spread = iter(values)
        out += [next(spread) if o else 0.0 for o in open_]
    return out


class ServiceLevel(Strict):
    """Answered within ``seconds`` over offered (or another industry definition), against ``target``."""

    seconds: Seconds = Field(20, description="answer-time threshold T, seconds")
    target: Probability = Field(0.8, description="share of contacts to answer within T")
    definition: Literal["offered", "answered", "excluding_short_abandons"] = Field(
        "offered",
        description="denominator: all offered contacts, answered contacts only, or offered minus short abandons",
    )
    short_abandon_seconds: Seconds = Field(
        5, description="abandons within this many seconds count as short (definition excluding_short_abandons)"
    )
    clock: Literal["calendar", "open_hours"] = Field(
        "calendar", description="how waits are counted against seconds: every hour, or (written work) only the hours the center is open"
    )

    @model_validator(mode="before")
    @classmethod
    def _hours(cls, v):
        # written channels state their goal in hours: {hours: 2} means seconds: 7200
        if isinstance(v, dict) and "hours" in v:
            v = dict(v)
            hours = v.pop("hours")
            if "seconds" in v:
                raise ValueError("give seconds or hours, not both")
            if not isinstance(hours, (int, float)) or not 0 <= hours <= MAX_SECONDS / 3600:  # NaN fails too
                raise ValueError(f"hours must be a number from 0 to {MAX_SECONDS // 3600}")
            v["seconds"] = hours * 3600.0
        return v


class ContactType(Strict):
    """One kind of contact (a phone queue, a chat queue, ...) with its demand and customer behaviour."""

    arrivals: Arrivals
    handle_time: Distribution = Field(description="handle time distribution, seconds")
    patience: Distribution | None = Field(None, description="how long a customer waits before abandoning, seconds; omitted = never abandons")
    service_level: ServiceLevel = Field(default_factory=ServiceLevel)
    # behaviours (docs/behaviours.md): each omitted = off
    channel: Literal["phone", "chat", "email"] = Field("phone", description="phone and chat queue live; email is a backlog worked when agents are free of live work and never abandons")
    priority: Level = Field(0, description="queue priority between contact types an agent serves at the same skill level (lower first)")
    tolerance: Distribution | None = Field(None, description="wait a customer accepts without being unhappy, seconds; answered later = over_tolerance; omitted = not measured")
    redial: Redial | None = Field(None, description="customers who abandon try again; omitted = nobody redials")
    transfers: Transfers | None = Field(None, description="served contacts moved to another contact type; omitted = none")
    callback: Callback | None = Field(None, description="virtual hold: callbacks offered when the expected wait is long; omitted = none")
    announcement: Announcement | None = Field(None, description="busy/expected-wait message that makes some callers balk; omitted = none")
    self_service: SelfService | None = Field(None, description="a bot or FAQ in front of the queue; omitted = everyone reaches the queue")
    after_contact_work: Distribution | None = Field(None, description="agent work after the customer leaves (wrap-up), seconds; omitted = none")
    complications: Complications | None = Field(None, description="a share of contacts needing extra handle time; omitted = none")
    chat: Chat | None = Field(None, description="chat settings (channel: chat); omitted = no stretch")
    aht_by_interval: list[Positive] | None = Field(
        None,
        description="mean handle time in each interval (by arrival interval), one per interval, seconds: the handle_time "
        "distribution keeps its shape (cv) and is rescaled to it; omitted = one mean for the day",
    )
    wait_weight: Annotated[float, Field(gt=0, le=1000)] = Field(
        1.0,
        description="among the queues a free agent serves at the same skill level it takes the head contact with the largest "
        "wait_weight x seconds waited (1 for all = oldest first)",
    )
    resolution: Resolution | None = Field(None, description="first-contact resolution: unresolved customers come back; omitted = every service resolves")
    initial_backlog: Annotated[int, Field(ge=0, le=MAX_CONTACTS_PER_INTERVAL)] | Annotated[
        list[Annotated[float, Field(ge=0, le=MAX_SECONDS / 3600)]], Field(max_length=MAX_CONTACTS_PER_INTERVAL)
    ] | Backlog | None = Field(
        None,
        description="email: work waiting when the horizon starts: a count (new), a list of ages in hours, or {count, oldest_hours} "
        "(ages spread evenly); omitted = an empty queue",
    )

    @field_validator("patience", "tolerance", mode="before")
    @classmethod
    def _preset(cls, v):
        return expand_preset(v) if v is not None else v

    @field_validator("handle_time")
    @classmethod
    def _takes_time(cls, v):
        # staffing, Erlang and occupancy divide by it; a survival curve with a share that never
        # ends has an infinite mean
        if not 0 < v.expectation < math.inf:
            raise ValueError(f"a handle time needs a mean above 0 and finite (this one's is {v.expectation:g} s)")
        return v


class AgentPool(Strict):
    """A team of interchangeable agents with the same skills."""

    skills: Annotated[
        Annotated[Annotated[list[str], Field(min_length=1)], Tag("list[str]")] | Annotated[dict[str, Skill], Tag("dict[str, Skill]")],
        Discriminator(lambda v: "dict[str, Skill]" if isinstance(v, dict) else "list[str]"),
    ] = Field(
        description="contact types served, in priority order; or a map type -> priority level (lower first, equal = oldest first), "
        "or type -> {level, after, handle_factor} for an overflow ring or a proficiency"
    )
    agents: Agents | list[Agents] | StaffingFile | None = Field(
        None, description="agents staffed: one number for the day, one per interval, or {file: staffing.xlsx, column: team} (or give shifts)"
    )
    shifts: Annotated[list[Shift], Field(min_length=1)] | None = Field(None, description="shifts with start, end and breaks, instead of agents")
    shrinkage: Shrinkage | None = Field(None, description="share of scheduled time lost, random per replication and agent; omitted = none")
    concurrency: Concurrency | None = Field(None, description="chat agents holding several chats at once; omitted = one contact at a time")

    @field_serializer("skills")
    def _skills_as_written(self, skills):
        """Dumped as the list or map it is: pydantic's union serializer warns on the map of Skill."""
        return list(skills) if isinstance(skills, list) else {name: skill.model_dump() for name, skill in skills.items()}

    @field_validator("skills", mode="before")
    @classmethod
    def _levels_are_skills(cls, value):
        """``{type: 1}`` is shorthand for ``{type: {level: 1}}``: one shape to validate and report."""
        if not isinstance(value, dict):
            return value
        for name, v in value.items():
            if not isinstance(v, (int, dict)) or isinstance(v, bool):
                raise ValueError(f"{name}: a skill is a level (a whole number) or {{level, after, handle_factor}}, not {v!r}")
        return {name: {"level": v} if isinstance(v, int) else v for name, v in value.items()}

    @model_validator(mode="after")
    def _agents_or_shifts(self):
        if (self.agents is None) == (self.shifts is None):
            raise ValueError("give exactly one of agents or shifts")
        return self

    @property
    def skill_levels(self) -> dict[str, int]:
        """Skill -> priority level; a list means strict priority in list order."""
        return {name: skill.level for name, skill in self.skill_details.items()}

    @property
    def skill_details(self) -> dict[str, Skill]:
        """Skill -> its level, overflow ring (``after``) and ``handle_factor``, defaults filled in."""
        if isinstance(self.skills, dict):
            return dict(self.skills)
        return {name: Skill(level=i) for i, name in enumerate(self.skills)}

    def staffing(self, horizon: "Horizon") -> list[int]:
        """Scheduled agents per interval (none while the center is closed); for shifts, the
        interval's time-average rounded."""
        if self.shifts is not None:
            return [round(x) for x in shift_staffing(self.shifts, horizon)]
        if isinstance(self.agents, list):
            return horizon.per_interval(self.agents, "agents")
        return [self.agents if o else 0 for o in horizon.open_intervals]


class Busyness(Strict):
    """Day-to-day forecast error: each replication's arrival rates are multiplied by a gamma(mean 1) draw."""

    shape: Annotated[float, Field(ge=1, le=10**6)] = Field(10, description="gamma shape; variance of the multiplier is 1/shape (1 = days vary by 100%)")
    per: Literal["replication", "day"] = Field(
        "replication", description="one draw per replication, or (dated horizons) one per day: forecast error is a daily thing"
    )


class Costs(Strict):
    """Optional money figures, so plans can be compared on cost as well as on service (docs/compare.md)."""

    agent_hour: Money = Field(0, description="cost of one staffed agent hour")
    abandoned_contact: Money = Field(0, description="cost charged for each abandoned contact (lost sale, redial)")
    currency: str = Field("", description="shown after amounts in reports, e.g. EUR")


class TypeTargets(Strict):
    """Limits for one contact type beyond its service level (ccsim staff, ccsim trap)."""

    max_asa_seconds: Positive | None = Field(None, description="average speed of answer must not exceed this, seconds (> 0)")
    max_abandon_rate: Annotated[float, Field(gt=0, le=1)] | None = Field(None, description="abandoned over offered must not exceed this share, (0, 1]")


class Targets(Strict):
    """Staffing goals beside each contact type's ``service_level`` target; omitted keys = no limit.

    Top-level values apply to every contact type (ASA, abandonment) or agent pool (occupancy);
    ``contact_types`` and ``agent_pools`` override them one by one.
    """

    max_asa_seconds: Positive | None = Field(None, description="ASA limit for every contact type, seconds (> 0)")
    max_abandon_rate: Annotated[float, Field(gt=0, le=1)] | None = Field(None, description="abandon-rate limit for every contact type, share (0, 1]")
    max_occupancy: Annotated[float, Field(gt=0, le=1)] | None = Field(None, description="occupancy limit for every agent pool, share of staffed time busy (0, 1]; ~0.9 is a burnout line")
    contact_types: dict[str, TypeTargets] = Field(default_factory=dict, description="per contact type overrides of max_asa_seconds / max_abandon_rate")
    agent_pools: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(default_factory=dict, description="per pool occupancy limit, share (0, 1]")


class Scenario(Strict):
    """A contact-center day to simulate: demand, behaviour, staffing and how many replications."""

    name: str = Field(description="shown on every report")
    description: str | None = Field(None, description="free text for the reader of the file")
    seed: Annotated[int, Field(ge=0)] = Field(1, description="root seed; same seed, same numbers")
    replications: Annotated[int, Field(ge=1, le=100_000)] = Field(10, description="independent simulated days")
    warmup_minutes: Annotated[float, Field(ge=0, le=MAX_SECONDS // 60)] = Field(0, description="simulated before the horizon with the first interval's load, not counted")
    horizon: Horizon
    busyness: Busyness | None = Field(None, description="day-level gamma multiplier on arrival rates; omitted = none")
    contact_types: Annotated[dict[str, ContactType], Field(min_length=1)]
    agent_pools: Annotated[dict[str, AgentPool], Field(min_length=1)]
    costs: Costs | None = Field(None, description="agent-hour and abandonment costs; omitted = reports show no cost")
    targets: Targets | None = Field(None, description="ASA, abandon-rate and occupancy limits for ccsim staff / trap; omitted = service level only")
    shifts: ShiftRules | None = Field(None, description="RULES for ccsim staff's shift optimiser (kinds, starts, breaks, opening hours); a roster goes under agent_pools -> POOL -> shifts")
    start_state: LiveState | None = Field(
        None, description="the state the center is in at a moment of the day, to simulate from it (ccsim now --state fills it); omitted = an empty center at the start"
    )
    variants: dict[str, "Scenario"] = Field(
        default_factory=dict,
        repr=False,
        description="named plans: partial scenarios deep-merged onto this one (ccsim compare; filled by scenario_from_dict)",
    )
    _notes: list[str] = PrivateAttr(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """What reading the scenario's files found worth telling: an encoding guessed, rows taken in order."""
        return self._notes

    @model_validator(mode="after")
    def _cross_references(self):
        problems = cross_field_problems(self)
        if problems:
            raise ScenarioError(problems)
        return self

    @cached_property
    def type_names(self) -> list[str]:
        return list(self.contact_types)

    @cached_property
    def pool_names(self) -> list[str]:
        return list(self.agent_pools)


def cross_field_problems(sc: Scenario) -> list[str]:
    """Checks that involve more than one field, each problem located like pydantic's."""
    problems = []
    n = sc.horizon.n_intervals
    served = set()
    for pname, pool in sc.agent_pools.items():
        for skill in pool.skill_levels:
            if skill not in sc.contact_types:
                problems.append(f"agent_pools -> {pname} -> skills: '{skill}' is not a contact type (known: {', '.join(sc.contact_types)})")
            served.add(skill)
        if isinstance(pool.agents, list):
            try:
                sc.horizon.per_interval(pool.agents, "agents")
            except ValueError as err:
                problems.append(f"agent_pools -> {pname} -> {err}")
        if pool.shrinkage is not None and isinstance(pool.shrinkage.mean, list) and len(pool.shrinkage.mean) != n:
            problems.append(f"agent_pools -> {pname} -> shrinkage -> mean: {len(pool.shrinkage.mean)} values given, the horizon has {n} intervals")
    for cname, ct in sc.contact_types.items():
        if ct.arrivals.at_seconds is not None and any(t >= sc.horizon.length_s for t in ct.arrivals.at_seconds):
            problems.append(f"contact_types -> {cname} -> arrivals -> at_seconds: times must fall inside the horizon (< {sc.horizon.length_s:g} s)")
        if ct.arrivals.at_seconds is None and ct.arrivals.file is None and ct.arrivals.csv is None:
            try:
                ct.arrivals.volumes_per_interval(sc.horizon)
            except ValueError as err:
                problems.append(f"contact_types -> {cname} -> arrivals -> {err}")
        if ct.initial_backlog is not None and ct.channel != "email":
            problems.append(f"contact_types -> {cname} -> initial_backlog: only for written work (channel: email); a live queue's state goes in start_state")
        if cname not in served:
            problems.append(f"contact_types -> {cname}: no agent pool has this skill, so it could never be answered")
    if sc.busyness is not None and sc.busyness.per == "day" and sc.horizon.start_date is None:
        problems.append("busyness -> per: day needs a dated horizon (horizon -> start_date)")
    problems += behaviour_problems(sc)
    if sc.start_state is not None:
        problems += [f"start_state -> {line}" for line in state_problems(sc, sc.start_state)]
    problems += workload_problems(sc)
    if sc.targets is not None:
        for cname in sc.targets.contact_types:
            if cname not in sc.contact_types:
                problems.append(f"targets -> contact_types -> {cname}: not a contact type (known: {', '.join(sc.contact_types)})")
        for pname in sc.targets.agent_pools:
            if pname not in sc.agent_pools:
                problems.append(f"targets -> agent_pools -> {pname}: not an agent pool (known: {', '.join(sc.agent_pools)})")
    if sc.shifts is not None:
        problems += rules_problems(sc.shifts, list(sc.agent_pools))
    return problems


def workload_problems(sc: Scenario) -> list[str]:
    """What a run would cost, from the horizon and the expected arrivals (first attempts), against
    the limits at the top of this module: an absurd size is refused here, at once, instead of
    running out of memory or time after validation said ``ok``."""
    hz = sc.horizon
    problems = []
    tallies = hz.n_intervals * len(sc.contact_types)
    if tallies > MAX_INTERVAL_TALLIES:
        problems.append(
            f"horizon: {hz.n_intervals:,} intervals x {len(sc.contact_types)} contact type(s) = {tallies:,} interval tallies "
            f"in each replication, more than {MAX_INTERVAL_TALLIES:,}: use longer intervals or a shorter horizon"
        )
    warmup_s = sc.warmup_minutes * 60
    per_replication = 0.0
    for cname, ct in sc.contact_types.items():
        if ct.arrivals.file is not None or ct.arrivals.csv is not None:  # the forecast could not be read: that is the problem reported
            continue
        try:
            rates = ct.arrivals.rates_per_s(hz)
        except ValueError:  # the volumes do not fit the horizon: that is the problem reported
            continue
        busiest = max(rates, default=0.0) * hz.interval_s
        if busiest > MAX_CONTACTS_PER_INTERVAL:
            problems.append(
                f"contact_types -> {cname} -> arrivals: {busiest:,.0f} contacts expected in one {hz.interval_minutes}-minute interval, "
                f"more than {MAX_CONTACTS_PER_INTERVAL:,}"
            )
        warmup = rates[0] * warmup_s if rates else 0.0
        if warmup > MAX_CONTACTS_PER_INTERVAL:
            problems.append(
                f"warmup_minutes: {warmup:,.0f} contacts of {cname} expected during the warm-up (one stretch at the first "
                f"interval's load), more than {MAX_CONTACTS_PER_INTERVAL:,}"
            )
        per_replication += sum(rates) * hz.interval_s + warmup
    if per_replication > MAX_CONTACTS_PER_REPLICATION:
        problems.append(
            f"contact_types: {per_replication:,.0f} contacts expected in one replication, more than {MAX_CONTACTS_PER_REPLICATION:,}: "
            "shorten the horizon or lower the volumes"
        )
    elif per_replication * sc.replications > MAX_CONTACTS_PER_RUN:
        problems.append(
            f"replications: {sc.replications:,} replications of {per_replication:,.0f} expected contacts each, more than "
            f"{MAX_CONTACTS_PER_RUN:,} contacts in all: use fewer replications"
        )
    return problems


# --- loading -------------------------------------------------------------------------------

def _grid(raw: dict) -> Grid | None:
    """The intervals of ``raw``'s horizon, which the rows of its files must match; None if the
    horizon is invalid (that is the problem reported; the files are read once it is fixed)."""
    try:
        horizon = Horizon.model_validate(raw.get("horizon"))
    except ValidationError:
        return None
    return Grid(horizon.start_minute, horizon.interval_minutes, horizon.n_intervals, horizon.start_date, horizon.open_intervals)


#: Per section, the key of an entry that may name a file, and the keys naming the file there.
_FILE_SPECS = {"contact_types": ("arrivals", ("file", "csv")), "agent_pools": ("agents", ("file",))}


def _resolve_files(raw: dict, base_dir: Path, problems: list[str], notes: list[str]) -> dict:
    """``raw`` with each file it names replaced by the values it holds, one per interval of the
    horizon: ``arrivals: {file: ...}`` by volumes (and, from an aht column, the contact type's
    ``aht_by_interval``), ``agents: {file: ...}`` by the pool's agents; so the model stays
    file-free. ``raw`` itself is not changed: the variants of a scenario share its parts. Problems
    and notes are located like pydantic's messages."""
    grid = _grid(raw)
    sections = {}
    for section, (key, file_keys) in _FILE_SPECS.items():
        entries = raw.get(section)
        if grid is None or not isinstance(entries, dict):
            continue
        resolved = {}
        for name, entry in entries.items():
            spec = entry.get(key) if isinstance(entry, dict) else None
            named = [k for k in file_keys if isinstance(spec, dict) and isinstance(spec.get(k), str)]
            if len(named) != 1:
                continue  # no file, or two names for one: the model says so
            where = f"{section} -> {name} -> {key} -> {named[0]}"
            try:
                keys = TableKeys.model_validate({k: v for k, v in spec.items() if k in TableKeys.model_fields})
            except ValidationError:
                continue  # the model reports the bad key
            column = keys.column or str(name)
            if key == "arrivals":
                wanted = [Wanted(column, "a volume", MAX_CONTACTS_PER_INTERVAL), Wanted(AHT_COLUMN, "a handle time in seconds", MAX_SECONDS, positive=True, required=False)]
            else:
                wanted = [Wanted(column, "a whole number of agents", MAX_AGENTS, whole=True)]
            try:
                values, file_notes = interval_values(
                    (base_dir / spec[named[0]]).resolve(), "forecast" if key == "arrivals" else "staffing", keys, wanted, grid, MAX_FORECAST_BYTES
                )
            except ScenarioError as err:
                problems.extend(f"{where}: {line}" for line in err.problems)
                continue
            notes.extend(f"{where}: {note}" for note in file_notes)
            if key == "agents":
                resolved[name] = {**entry, "agents": [int(v) for v in values[0]]}
                continue
            volumes, aht = values
            rest = {k: v for k, v in spec.items() if k not in (*file_keys, *TableKeys.model_fields)}
            resolved[name] = {**entry, "arrivals": {**rest, "volumes": volumes}}
            if aht is not None and "aht_by_interval" in entry:
                problems.append(f"{section} -> {name} -> aht_by_interval: given here and by the {AHT_COLUMN} column of {spec[named[0]]}: give one")
            elif aht is not None:
                resolved[name]["aht_by_interval"] = aht
        if resolved:
            sections[section] = {**entries, **resolved}
    return {**raw, **sections}


def scenario_from_dict(raw: Any, base_dir: Path | str = ".", source: str | None = None) -> Scenario:
    """Validate a parsed scenario (a dict as YAML gives it) into a ``Scenario``."""
    if not isinstance(raw, dict):
        raise ScenarioError(["the scenario must be a mapping of keys (name:, horizon:, contact_types:, ...)"], source)
    if "variants" in raw:
        return _with_variants(raw, Path(base_dir), source)
    problems: list[str] = []
    notes: list[str] = []
    raw = _resolve_files(raw, Path(base_dir), problems, notes)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        problems.extend(format_validation_error(err, raw))
    except ScenarioError as err:
        problems.extend(err.problems)
    if problems:
        raise ScenarioError(problems, source)
    scenario._notes = notes
    return scenario


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` laid over ``base``: mappings merge key by key, anything else (lists too) replaces.

    Only the mappings on an override's path are new; the rest is shared with ``base`` and
    ``override``, not copied (callers replace parts, never mutate them), so an alias shared
    across variants stays one object instead of being expanded once per variant.
    """
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{key: deep_merge(base[key], value) if key in base else value for key, value in override.items()}}
    return override


def _with_variants(raw: dict, base_dir: Path, source: str | None) -> Scenario:
    """Validate the base scenario and each ``variants: {name: overrides}`` entry merged onto it.

    Each variant is a full scenario once merged, validated like any other; its problems are
    located under ``variants -> name -> ...``. Lines a variant shares with a broken base are
    reported once, for the base.
    """
    base_raw = {k: v for k, v in raw.items() if k != "variants"}
    specs = raw["variants"]
    problems: list[str] = []
    base = None
    try:
        base = scenario_from_dict(base_raw, base_dir, source)
    except ScenarioError as err:
        problems.extend(err.problems)
    variants: dict[str, Scenario] = {}
    seen: set[str] = set()
    if not isinstance(specs, dict) or not specs:
        problems.append("variants: must be a mapping of variant name -> overrides, e.g. variants: {bigger_team: {agent_pools: {team: {agents: 12}}}}")
        specs = {}
    if len(specs) > MAX_VARIANTS:
        problems.append(f"variants: {len(specs):,} variants, more than {MAX_VARIANTS}: split them over several files")
        specs = {}
    for name, override in specs.items():
        where = f"variants -> {name}"
        if str(name) in seen:
            problems.append(f"{where}: two variants are named '{name}' (one written as a number?)")
            continue
        seen.add(str(name))
        if not isinstance(override, dict):
            problems.append(f"{where}: must be a mapping of overrides (a partial scenario)")
            continue
        if "variants" in override:
            problems.append(f"{where} -> variants: variants cannot be nested")
            continue
        unknown = _unknown_entries(base_raw, override)
        if unknown:
            problems.extend(f"{where} -> {line}" for line in unknown)
            continue
        merged = deep_merge(base_raw, override)
        if "name" not in override and isinstance(base_raw.get("name"), str):
            merged["name"] = f"{base_raw['name']} ({name})"
        try:
            variants[str(name)] = scenario_from_dict(merged, base_dir, source)
        except ScenarioError as err:
            problems.extend(f"{where} -> {line}" for line in err.problems if line not in problems)
    if problems:
        raise ScenarioError(problems, source)
    scenario = base.model_copy(update={"variants": variants})
    scenario._notes = base.notes + [f"variants -> {name} -> {note}" for name, v in variants.items() for note in v.notes if note not in base.notes]
    return scenario


#: Per section of a scenario, what its entries are called and the keys a new one needs.
_ENTRIES = {"agent_pools": ("pool", ("skills",)), "contact_types": ("contact type", ("arrivals", "handle_time"))}


def _unknown_entries(base: dict, override: dict) -> list[str]:
    """The pools and contact types a variant changes that its base lacks, given without what a new
    one needs: a typo ('tem' for 'team'), to be named as such rather than as a missing key."""
    problems = []
    for section, (noun, needs) in _ENTRIES.items():
        known, changed = base.get(section), override.get(section)
        if not isinstance(known, dict) or not isinstance(changed, dict):
            continue
        for name, entry in changed.items():
            if name not in known and not (isinstance(entry, dict) and all(key in entry for key in needs)):
                problems.append(f"{section} -> {name}: unknown {noun} '{name}' (known: {', '.join(map(str, known))})")
    return problems


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise ``ScenarioError`` listing every problem found."""
    path = Path(path)
    return scenario_from_dict(load_yaml(path), path.parent, str(path))


def bundled_scenario_path(name: str = "default") -> Path:
    """Path of a scenario shipped with ccsim (the files of ``scenarios/``).

    Installed, ``scenarios/`` is the data package ``ccsim.scenarios``; run from a source checkout
    (the package shadowed by the working directory) it is the folder beside ``ccsim/``.
    """
    from importlib.resources import files

    try:
        return Path(str(files("ccsim.scenarios").joinpath(f"{name}.yaml")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "scenarios" / f"{name}.yaml"
