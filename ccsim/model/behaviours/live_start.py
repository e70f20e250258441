"""A day that starts from the state the center is in now (``start_state``, ccsim/state.py).

At the state's ``at`` the center holds exactly that state:

- the agents of ``agents_now`` are present, until the next interval boundary hands over to the plan
  (for a pool on shifts, until its next shift change);
- each contact in service finishes after what is left of a handle time already running for the
  seconds given (drawn from the type's handle-time law given that it has lasted that long; a pool's
  ``handle_factor`` applies, as for any of its work);
- each waiting contact keeps its wait: it hangs up after what is left of a patience that has lasted
  that long (for every family of patience law: ``Distribution.remaining``), and is answered as any
  other. A contact that has already waited past a patience that cannot be longer leaves at once;
- each promised callback becomes due at its time (or now, if that has passed);
- nothing arrives before ``at``.

The waiting contacts and promised callbacks of the state are counted in the interval of ``at``, as
offered (first attempts): the rest of the day is everyone who waits from ``at`` on. Contacts in
service were answered before ``at`` and are not counted again; their customers' journeys (a
transfer, a return) go on. Their draws come from streams of their
own (purpose ``state``), so plans compared from the same state see the same state.
"""

from __future__ import annotations

import numpy as np

from ...state import minutes_after
from ..entities import INF, SERVED, Customer, JourneyContact
from ..seam import Behaviour
from .callback import QueueDoor


def contact_already_there(engine, type_index: int, slot: int, arrived: float, handle: float, patience: float, offered: bool = True) -> JourneyContact:
    """A contact that was there before the simulation saw it (a state's, a backlog's), counted in
    ``slot``: offered (a first attempt) unless an agent answered it already; a customer whose
    journey ends today either way."""
    contact = JourneyContact(type_index, arrived, slot, handle, patience)
    counters = engine.counters
    if offered:
        counters["offered"][type_index][slot] += 1
        counters["first_attempts"][type_index][slot] += 1
    if engine.journeys is not None:
        contact.customer = Customer(type_index, slot, arrived)
        counters["customers"][type_index][slot] += 1
    return contact


class LiveStart(Behaviour):
    name = "live_start"
    layer = 70  # built last, after shrinkage and chat seats have set the plan it overrides; outermost on arrive
    wraps = ("arrive",)
    streams = ("state",)

    @staticmethod
    def switched_on(scenario) -> bool:
        return scenario.start_state is not None

    def __init__(self, engine):
        super().__init__(engine)
        scenario = engine.scenario
        self.state = state = scenario.start_state
        horizon = scenario.horizon
        #: simulation time of ``at``; the slot it falls in counts the state's contacts
        self.at_s = engine.warmup_s + state.minute(horizon.start_minute) * 60.0
        self.slot = 1 + min(int((self.at_s - engine.warmup_s) // engine.interval_s), engine.n - 1)
        for pool, (name, cfg) in zip(engine.pools, scenario.agent_pools.items()):
            if name in state.agents_now and pool.staffing is not None:
                pool.staffing[self.slot - 1] = state.agents_now[name] * engine.seats_per_agent.get(pool.index, 1)

    def arrive(self, inner):
        at_s, env = self.at_s, self.engine.env

        def arrive(contact) -> None:
            if env.now >= at_s:  # the forecast's arrivals before `at` happened already: they are in the state
                inner(contact)

        return arrive

    def start(self) -> None:
        self.engine.wake_after(self.at_s, (self._enter_state,), None)

    # --- the state enters the simulation at `at` ------------------------------------------------

    def _enter_state(self, _wake) -> None:
        engine, state, scenario = self.engine, self.state, self.engine.scenario
        for pool, (name, cfg) in zip(engine.pools, scenario.agent_pools.items()):
            if name in state.agents_now and pool.staffing is None:  # on shifts: present until the next shift change
                engine.set_staff(pool, state.agents_now[name] * engine.seats_per_agent.get(pool.index, 1))
        for pool, (name, cfg) in zip(engine.pools, scenario.agent_pools.items()):
            for type_name, spent in state.in_service.get(name, {}).items():
                self._in_service(pool, type_name, cfg.skill_details[type_name].handle_factor, spent)
        for k, (type_name, ct) in enumerate(scenario.contact_types.items()):
            waited = state.waited_s(type_name)
            if waited:
                self._waiting(k, type_name, ct, np.asarray(waited, float))
        for type_name, due in state.callbacks_pending.items():
            self._callbacks(scenario.type_names.index(type_name), due)

    def _contact(self, type_index: int, arrived: float, handle: float, patience: float, offered: bool = True) -> JourneyContact:
        return contact_already_there(self.engine, type_index, self.slot, arrived, handle, patience, offered)

    def _in_service(self, pool, type_name: str, factor: float, spent: list[float]) -> None:
        engine = self.engine
        now = engine.env.now
        type_index = engine.scenario.type_names.index(type_name)
        law = engine.scenario.contact_types[type_name].handle_time
        # the pool works at factor x the contact's handle time: what is left of it, in the contact's time
        left = law.remaining(self.rng("state", f"{type_name}/in_service"), np.asarray(spent, float) / factor)
        for seconds_spent, remaining in zip(spent, left):
            if not pool.free:
                break  # more in service than agents present: state_problems refuses it when agents_now is given
            contact = self._contact(type_index, now - seconds_spent, remaining, INF, offered=False)
            contact.state = SERVED
            contact.answered = now - seconds_spent
            if contact.customer is not None:
                contact.customer.agents_met = 1
            engine.begin_work(pool.free.popleft(), contact, remaining)

    def _waiting(self, type_index: int, type_name: str, ct, waited: np.ndarray) -> None:
        engine = self.engine
        now = engine.env.now
        handles = ct.handle_time.sample(self.rng("state", f"{type_name}/handle"), len(waited))
        if ct.patience is None:
            left = np.full(len(waited), INF)
        else:
            left = ct.patience.remaining(self.rng("state", f"{type_name}/patience"), waited)
        for wait, handle, patience in zip(waited, handles, left):
            engine.route(self._contact(type_index, now - wait, float(handle), float(patience)))

    def _callbacks(self, type_index: int, due: list[str]) -> None:
        engine = self.engine
        door = next(b for b in engine.behaviours if isinstance(b, QueueDoor) and b.type_index == type_index)
        name = engine.scenario.type_names[type_index]
        horizon = engine.scenario.horizon
        handles = engine.scenario.contact_types[name].handle_time.sample(self.rng("state", f"{name}/callback"), len(due))
        now = engine.env.now

        def make_due(wake) -> None:
            door.callback_due(wake.subject)

        for clock, handle in zip(due, handles):
            contact = self._contact(type_index, now, float(handle), INF)
            contact.callback_at = now
            delay = max(0.0, engine.warmup_s + minutes_after(clock, horizon.start_minute) * 60.0 - now)
            engine.wake_after(delay, (make_due,), contact)

