"""Replayed handle times: scripted contacts keep the handle times a log observed (``ccsim backtest``).

Scripted arrivals (``arrivals: {at_seconds: [...]}``) may carry ``handle_seconds``, one per arrival:
the handle time the contact had in reality, or null where it was never observed (the customer hung
up first). The type's handle-time draw is replaced by one that gives them back in arrival order; a
null takes the scenario's own draw. Only the nulls draw from the handle-time stream, so the
replications of a replayed day differ only in what the model decides: patience, the handle times
nobody saw, and every behaviour.

A logged handle time is the whole of what happened and is replayed as it is. That is why this sits
above every behaviour that shapes the draw (``aht_by_interval`` rescales it, ``complications`` add
to it): they shape the draw a null takes, never a logged time.
"""

from __future__ import annotations

from ..seam import TypeBehaviour


class Replay(TypeBehaviour):
    name = "replay"
    layer = 32  # above complications (30) and aht_by_interval (15), which wrap the draw a null takes

    @staticmethod
    def section(contact_type):
        arrivals = contact_type.arrivals
        return arrivals if arrivals.handle_seconds is not None else None

    def __init__(self, engine, type_index, type_name, arrivals):
        super().__init__(engine, type_index, type_name, arrivals)
        # The engine takes at_seconds in time order; each handle time follows its arrival there
        # (a stable sort, like the engine's: contacts arriving at the same instant keep their order).
        order = sorted(range(len(arrivals.at_seconds)), key=arrivals.at_seconds.__getitem__)
        logged = iter([arrivals.handle_seconds[i] for i in order])
        scenario_draw = engine.handle_draw[type_index]

        def draw() -> float:
            seconds = next(logged)
            return scenario_draw() if seconds is None else seconds

        engine.handle_draw[type_index] = draw
