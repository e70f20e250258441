"""Days of the week as planners write them: ``mon``, ``mon-fri``, ``daily``, or a date.

Opening hours, weekly demand patterns, day factors and weekly roster rules are all keyed by days,
and a planner writes them the way a shop door does (``mon-fri: ["08:00", "20:00"]``, ``sat:
...``, ``sun: closed``), with a date for the exception (``2026-12-24: ["08:00", "13:00"]``). One
reader for all of them, so every key means the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping, TypeVar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Keys that name every day.
EVERY_DAY = ("daily", "all")

V = TypeVar("V")


def weekdays_of(key: str) -> tuple[int, ...]:
    """The weekdays (0 = Monday) a key names: ``mon``, ``mon-fri``, ``fri-mon`` (wrapping), ``daily``.
    Raises ValueError, naming what is allowed, for anything else."""
    text = str(key).strip().lower()
    if text in EVERY_DAY:
        return tuple(range(7))
    first, _, last = text.partition("-")
    names = [_weekday_name(first), _weekday_name(last or first)]
    if None in names:
        raise ValueError(f"'{key}' is not a day of the week: write mon, tue, ... sun, a range like mon-fri, daily, or a date like 2026-12-24")
    a, b = (WEEKDAYS.index(name) for name in names)
    return tuple((a + k) % 7 for k in range((b - a) % 7 + 1))


#: Full names, as some planners write them: ``monday-friday``.
FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday_name(text: str) -> str | None:
    """'mon' for 'mon' or 'monday'; None for anything else ('satur', 'mo')."""
    text = text.strip()
    if text in WEEKDAYS:
        return text
    return WEEKDAYS[FULL_NAMES.index(text)] if text in FULL_NAMES else None


def date_key(key) -> dt.date | None:
    """The date a key names (``2026-12-24``, as YAML reads it or as text), or None if it names weekdays."""
    if isinstance(key, dt.datetime):
        return key.date()
    if isinstance(key, dt.date):
        return key
    try:
        return dt.date.fromisoformat(str(key).strip())
    except ValueError:
        return None


def by_date(spec: Mapping, dates: list[dt.date], default: V | None = None) -> dict[dt.date, V | None]:
    """Each date's value in a mapping keyed by weekdays, ranges and dates: a date's own key wins over
    its weekday's, and a weekday named twice is an error. Dates no key names get ``default``."""
    weekly: dict[int, tuple[str, V]] = {}
    dated: dict[dt.date, V] = {}
    for key, value in spec.items():
        day = date_key(key)
        if day is not None:
            dated[day] = value
            continue
        for weekday in weekdays_of(key):
            if weekday in weekly:
                raise ValueError(f"{WEEKDAYS[weekday]} is named twice ('{weekly[weekday][0]}' and '{key}')")
            weekly[weekday] = (str(key), value)
    return {d: dated[d] if d in dated else weekly[d.weekday()][1] if d.weekday() in weekly else default for d in dates}


def check_keys(spec: Mapping) -> list[str]:
    """What is wrong with a mapping's day keys, one line each (empty if nothing)."""
    try:
        by_date(spec, [])
    except ValueError as err:
        return [str(err)]
    return []
