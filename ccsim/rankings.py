"""Which parts of a simulated day went worst: the intervals a planner looks at first.

A day has tens of intervals per contact type, too many to read; the terminal summary of
``ccsim run`` lists the few with the lowest service level. The ranking is a question about the
result, not about its display, so it lives here and the display only formats what it picks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .results import SimulationResult


def worst_intervals(result: SimulationResult, count: int = 5) -> list[tuple[int, str]]:
    """The ``count`` (interval index, contact type) cells with the lowest mean service level,
    worst first; ties go to the earlier interval, then the name. Cells nobody called in (no
    service level) are left out."""
    cells = [
        (sl.mean, i, name)
        for name in result.scenario.type_names
        for i, sl in enumerate(result.intervals_by_contact_type[name]["service_level"])
        if sl.mean is not None
    ]
    return [(i, name) for _, i, name in sorted(cells)[:count]]


def missed_intervals(result: SimulationResult, contact_type: str) -> list[int]:
    """The intervals whose mean service level of ``contact_type`` is below its target, worst first
    (ties: the earlier). What the run report's headline and the terminal's verdict count."""
    target = result.scenario.contact_types[contact_type].service_level.target
    sl = result.intervals_by_contact_type[contact_type]["service_level"]
    return sorted((i for i, e in enumerate(sl) if e.mean is not None and e.mean < target), key=lambda i: sl[i].mean)

