"""Minutes as clock times: the one formatter every table, label and sentence of ccsim uses.

Times inside ccsim are minutes (or seconds) after midnight of the horizon's first day; people read
'08:30'. A horizon may run past midnight, so a label says which day it is on ('d2 00:30'), the way
``Horizon.interval_labels`` writes them; a time of day alone (a shift's start, the end of a block
of intervals in a sentence) leaves the day out.
"""

from __future__ import annotations


def format_clock(minute: int, with_day: bool = True) -> str:
    """'08:30' for minute 510; past the first day 'd2 08:30', or '08:30' without ``with_day``."""
    day, rem = divmod(minute, 1440)
    clock = f"{rem // 60:02d}:{rem % 60:02d}"
    return clock if day == 0 or not with_day else f"d{day + 1} {clock}"
