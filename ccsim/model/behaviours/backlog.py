"""Written work that is older than the day, and service levels counted on the center's open hours.

An email queue rarely starts empty: Monday begins with what came in over the weekend, and what is
left at Friday's close is Monday's. ``initial_backlog`` puts that work in the queue when the
horizon starts, each item with its age, counted offered in the first interval (so the books close:
offered = answered + abandoned). Over a dated horizon the backlog then carries itself from day to
day: written work waiting at a close stays queued and is worked when the agents come back.

Written work is promised in hours, and a center closed overnight cannot answer then; so
``service_level: {hours: 8, clock: open_hours}`` counts only the hours the center is open between
the contact's arrival and its answer (an item's age before the horizon counts as open hours).
"""

from __future__ import annotations

import numpy as np

from ..entities import INF
from ..seam import TypeBehaviour
from .live_start import contact_already_there


class InitialBacklog(TypeBehaviour):
    name = "initial_backlog"
    layer = 70  # built last, like the live start: its contacts enter an engine whose staffing is set
    streams = ("state",)

    @staticmethod
    def section(contact_type):
        return contact_type.initial_backlog

    def start(self) -> None:
        self.engine.wake_after(self.engine.warmup_s, (self._enter,), None)

    def _enter(self, _wake) -> None:
        engine, config = self.engine, self.config
        now = engine.env.now
        if isinstance(config, int):
            ages_s = np.zeros(config)
        elif isinstance(config, list):
            ages_s = np.asarray(config, float) * 3600.0
        else:  # {count, oldest_hours}
            ages_s = np.asarray(config.ages_s(), float)
        law = engine.scenario.contact_types[self.type_name].handle_time
        handles = law.sample(self.rng("state", f"{self.type_name}/backlog"), len(ages_s))
        for age, handle in sorted(zip(ages_s, handles), key=lambda pair: -pair[0]):  # oldest first in the queue
            engine.route(contact_already_there(engine, self.type_index, 1, now - float(age), float(handle), INF))


class OpenHoursClock(TypeBehaviour):
    name = "open_hours_clock"
    layer = 45
    wraps = ("answer",)

    @staticmethod
    def section(contact_type):
        level = contact_type.service_level
        return level if level.clock == "open_hours" else None

    def __init__(self, engine, type_index, type_name, config):
        super().__init__(engine, type_index, type_name, config)
        horizon = engine.scenario.horizon
        open_ = np.asarray(horizon.open_intervals, float)
        #: open seconds from the horizon's start to the start of each interval (and its end)
        self.open_before = np.concatenate([[0.0], np.cumsum(open_ * horizon.interval_s)])
        self.open_ = open_

    def open_time(self, t: float) -> float:
        """Open seconds from the horizon's start to simulation time ``t`` (before it, and after the
        last interval, every second counts)."""
        engine = self.engine
        since = t - engine.warmup_s
        i = int(since // engine.interval_s)
        if since < 0:
            return since
        if i >= engine.n:
            return self.open_before[-1] + since - engine.n * engine.interval_s
        return self.open_before[i] + self.open_[i] * (since - i * engine.interval_s)

    def answer(self, inner):
        type_index, seconds = self.type_index, self.config.seconds
        within = self.engine.counters["within_sl"][type_index]
        open_time = self.open_time

        def answer(agent, contact) -> None:
            inner(agent, contact)
            if contact.type_index == type_index and contact.answered - contact.arrived > seconds:
                if open_time(contact.answered) - open_time(contact.arrived) <= seconds:
                    within[contact.arrival_slot] += 1

        return answer
