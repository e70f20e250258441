"""The seam between the engine and the behaviours: the stages a contact passes through, and what a
behaviour declares to take part in them.

A contact passes these stages; the engine owns each one's handler and its plain behaviour:

====================  ===========================  ================================================
stage                 handler signature            the engine's own handler
====================  ===========================  ================================================
``arrive`` [t]        ``(contact)``                a customer's first contact, its draws made:
                                                   counted offered as a first attempt
                                                   (``present``) and sent to the queue door
``queue_door`` [t]    ``(contact)``                on to ``route``
``route``             ``(contact)``                the longest-idle eligible agent answers, or the
                                                   contact queues (its patience timer set)
``answer``            ``(agent, contact)``         counts the answer and its wait, then
                                                   ``begin_work`` for the contact's handle time
``begin_work``        ``(agent, contact, seconds)``  the agent is busy for ``seconds``; every way
                                                   work starts passes here (live answer, kept
                                                   callback, silent chat)
``service_end``       ``(agent)``                  the agent is free: leaves, or ``find_work``
``find_work``         ``(agent, now)``             a free agent takes the oldest contact of its
                                                   best skill level with anyone waiting, or idles
``after_service`` [t] ``(contact)``                the customer's journey ends served
``give_up``           ``(contact)``                a waiting contact's patience ran out: it leaves
                                                   the queue and ``abandon``
``abandon``           ``(contact, now, outcome)``  counts the abandon and its wait; ``outcome``
                                                   (default ``abandoned``) names it in the log
``after_abandon`` [t] ``(contact, now, balked)``   the customer's journey ends abandoned
``log_served``        ``(contact, now, pool,       the contact-log row of a service that ended
                      outcome)``                   (``outcome`` default ``answered``)
``new_agent``         ``(pool)``                   an agent (or chat seat) who comes on shift
====================  ===========================  ================================================

Stages marked [t] have one handler per contact type: a behaviour configured for one type wraps only
that type's, any other wraps every type's. A day that no behaviour changes on the way in takes a
shortcut past ``arrive`` and ``queue_door``; ``after_service`` and ``after_abandon`` end customer
journeys, so the engine reaches them only when the journeys behaviour (``behaviours/journeys.py``)
is on.

A behaviour wraps a stage by naming it in ``wraps`` and defining a method of that name which takes
the handler it wraps (``inner``) and returns the new handler. The engine composes the behaviours a
scenario switches on in the order of their ``layer`` (lower layers wrap first, so they sit closer
to the engine's own handler), then freezes the handlers: a day without behaviours runs only the
engine's own code.

What a behaviour may use of the engine (its API; everything else is the engine's business):
``env.now``; ``present(contact, origin_rows)`` to offer another attempt; ``enqueue(contact)``; the composed stages
(``route``, ``answer``, ``begin_work``, ``abandon``, ...); ``extend_work(agent, seconds)``; ``record_abandon(contact, now, outcome)`` to
count an abandon without what follows it; ``log_contact(contact, answered, ended, pool, outcome)`` for the
contact-log row of a contact that never reaches a queue (``records`` is None when no log is kept);
``wake_after(delay, handlers, subject)``;
``queue_level(queue, now, delta)``; ``add_queue()``; ``set_staff(pool, agents)``; ``counters``;
``pools``, ``pools_for``, ``queues``, ``waiting``, ``handle_draw``, ``seats_per_agent``,
``closing``; and ``journeys`` (the customer-journey behaviour, None when off) for ``attempt`` and
``finish``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np

from . import streams

if TYPE_CHECKING:  # pragma: no cover
    from ..distributions import Distribution
    from ..scenario import ContactType, Scenario
    from .engine import Engine
    from .tally import ReplicationStats

ENGINE_STAGES = ("route", "find_work", "answer", "begin_work", "service_end", "give_up", "abandon", "log_served", "new_agent")
TYPE_STAGES = ("arrive", "queue_door", "after_service", "after_abandon")
STAGES = ENGINE_STAGES + TYPE_STAGES


class Behaviour:
    """One behaviour of customers or agents, plugged into the engine's stages.

    Subclasses declare, as class attributes:

    - ``name``: what it is called in the list of behaviours a run installed;
    - ``layer``: where it sits when stages are composed (lower wraps first, closer to the engine);
    - ``wraps``: the stages it wraps (a method of each name takes ``inner`` and returns a handler);
    - ``counters``: the per-type counters it writes (every run carries them, zero when it is off);
    - ``streams``: the purposes of its random streams (``ccsim.model.streams.PURPOSES``);
    - ``metrics``: the metrics its counters feed (``ccsim.metrics.TYPE_METRICS``);

    and ``switched_on(scenario)``. A behaviour may also act when the day starts (``start``) and
    add to the day's figures when it ends (``finish``).
    """

    name: ClassVar[str]
    layer: ClassVar[int]
    wraps: ClassVar[tuple[str, ...]] = ()
    counters: ClassVar[tuple[str, ...]] = ()
    streams: ClassVar[tuple[str, ...]] = ()
    metrics: ClassVar[tuple[str, ...]] = ()
    type_index: int | None = None  # set by TypeBehaviour: the one type whose per-type stages it wraps

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        unknown = [s for s in cls.wraps if s not in STAGES]
        if unknown:
            raise TypeError(f"{cls.__name__} wraps unknown stages {unknown} (stages: {', '.join(STAGES)})")
        missing = [s for s in cls.wraps if not callable(getattr(cls, s, None))]
        if missing:
            raise TypeError(f"{cls.__name__} declares it wraps {missing} but has no method of that name")
        unknown_purposes = [p for p in cls.streams if p not in streams.PURPOSES]
        if unknown_purposes:
            raise TypeError(f"{cls.__name__} declares unknown stream purposes {unknown_purposes}")

    def __init__(self, engine: "Engine"):
        self.engine = engine

    @staticmethod
    def switched_on(scenario: "Scenario") -> bool:
        """Whether the scenario asks for this behaviour."""
        raise NotImplementedError

    @classmethod
    def build(cls, engine: "Engine") -> list["Behaviour"]:
        """The instances the engine's scenario switches on (none when it is off)."""
        return [cls(engine)] if cls.switched_on(engine.scenario) else []

    # --- random streams, keyed by purpose and name so plans share their draws ----------------

    def rng(self, purpose: str, name: str = "") -> np.random.Generator:
        if purpose not in self.streams:
            raise ValueError(f"{type(self).__name__} did not declare the stream purpose '{purpose}'")
        engine = self.engine
        return streams.generator(engine.scenario.seed, engine.replication, purpose, name)

    def draws(self, dist: "Distribution", purpose: str, name: str = "") -> Callable[[], float]:
        """Zero-argument function returning the next draw of ``dist`` from its own stream."""
        return streams.draws(dist, self.rng(purpose, name))

    def uniforms(self, purpose: str, name: str = "") -> Callable[[], float]:
        """Zero-argument function returning the next U(0, 1), for yes/no decisions."""
        return streams.uniforms(self.rng(purpose, name))

    # --- the day -----------------------------------------------------------------------------

    def start(self) -> None:
        """Called when the day starts, after the first interval's staff is in place."""

    def finish(self, stats: "ReplicationStats") -> None:
        """Called with the frozen figures of the day, to add what this behaviour measures."""


class TypeBehaviour(Behaviour):
    """A behaviour configured per contact type (``redial:`` on one type): one instance per type
    that has its section, wrapping that type's per-type stages."""

    @staticmethod
    def section(contact_type: "ContactType") -> Any:
        """The behaviour's section of a contact type's config, or None when the type lacks it."""
        raise NotImplementedError

    @classmethod
    def switched_on(cls, scenario: "Scenario") -> bool:
        return any(cls.section(ct) is not None for ct in scenario.contact_types.values())

    @classmethod
    def build(cls, engine: "Engine") -> list["Behaviour"]:
        return [
            cls(engine, k, name, cls.section(ct))
            for k, (name, ct) in enumerate(engine.scenario.contact_types.items())
            if cls.section(ct) is not None
        ]

    def __init__(self, engine: "Engine", type_index: int, type_name: str, config: Any):
        super().__init__(engine)
        self.type_index = type_index
        self.type_name = type_name
        self.config = config
