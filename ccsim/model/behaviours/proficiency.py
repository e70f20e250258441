"""Proficiency and handle time by interval: how long the same contact takes, by who and when.

- ``handle_factor`` on a pool's skill: that pool's work on the type takes the contact's drawn handle
  time times the factor (a specialist 0.8, a generalist 1.3). The draw itself is the contact's, so
  two plans that differ only in who answers share their random numbers. It applies to every way
  work starts on a customer (a live answer, a kept callback, a transferred contact), not to a chat
  nobody is in (silent.py).
- ``aht_by_interval`` on a contact type: the handle-time distribution keeps its shape (its cv) and
  is rescaled to each interval's mean, by the interval the contact arrives in (the warm-up takes
  the first interval's, the drain after the close the last one's). Repeat attempts (transfers,
  recontacts) are rescaled by the interval they arrive in.
"""

from __future__ import annotations

from ..entities import SERVED
from ..seam import Behaviour, TypeBehaviour


class Proficiency(Behaviour):
    name = "proficiency"
    layer = 25  # outside chat seats: the stretch of holding several chats applies to the pool's own pace
    wraps = ("begin_work",)

    @staticmethod
    def switched_on(scenario) -> bool:
        return any(skill.handle_factor != 1 for pool in scenario.agent_pools.values() for skill in pool.skill_details.values())

    def begin_work(self, inner):
        scenario = self.engine.scenario
        factor = [
            [cfg.skill_details[name].handle_factor if name in cfg.skill_details else 1.0 for name in scenario.type_names]
            for cfg in scenario.agent_pools.values()
        ]

        def begin_work(agent, contact, seconds: float) -> None:
            if contact.state == SERVED:
                seconds *= factor[agent.pool.index][contact.type_index]
            inner(agent, contact, seconds)

        return begin_work


class AhtProfile(TypeBehaviour):
    name = "aht_by_interval"
    layer = 15  # rescales the handle-time draw itself, before complications add to it

    @staticmethod
    def section(contact_type):
        return contact_type.aht_by_interval

    def __init__(self, engine, type_index, type_name, profile):
        super().__init__(engine, type_index, type_name, profile)
        mean = engine.scenario.contact_types[type_name].handle_time.expectation
        scale = [m / mean for m in profile]
        #: the rescaling factor of each tally slot: warm-up, the intervals, the drain after the close
        self.scale = [scale[0], *scale, scale[-1]]
        engine.handle_draw[type_index] = self._rescaled(engine.handle_draw[type_index])

    def _rescaled(self, draw):
        engine, scale = self.engine, self.scale

        def rescaled() -> float:
            return draw() * scale[engine.current_slot]

        return rescaled

    def start(self) -> None:
        journeys = self.engine.journeys
        if journeys is not None:  # built after this behaviour: its repeat draws are rescaled here
            journeys.repeat_handle[self.type_index] = self._rescaled(journeys.repeat_handle[self.type_index])
