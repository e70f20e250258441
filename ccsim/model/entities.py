"""The things the model moves around: contacts, customers, agents, pools and wake-ups.

Every field an entity can carry is declared here, in ``__slots__``, with what it holds: a behaviour
never adds an attribute of its own. Slots keep a contact small (a busy day holds tens of thousands
at once) and make a misspelt field an error instead of a new attribute.

A contact and an agent double as SimPy events (``callbacks`` and ``_ok`` are all SimPy needs): a
waiting contact is the event of its own abandonment timer, a busy agent the event of the end of its
current work. That saves an event object per contact on the hot path (engine.py explains why).
"""

from __future__ import annotations

from collections import deque

#: Contact states. A contact is WAITING from arrival until it is answered (SERVED) or gives up
#: (ABANDONED); DONE once its customer has left the agent (after-contact work may go on).
WAITING, SERVED, ABANDONED, DONE = 0, 1, 2, 3
INF = float("inf")


class Contact:
    """One attempt to reach the center: a call, a chat, an email."""

    __slots__ = (
        "type_index",  # index of its contact type in Scenario.type_names
        "arrived",  # simulation time it joined its current queue, seconds
        "arrival_slot",  # tally slot it arrived in: 0 warm-up, 1..n the intervals, n+1 after the close
        "handle",  # seconds of agent work it needs (drawn at arrival; behaviours may lengthen it)
        "patience",  # seconds it will wait before hanging up (INF: never)
        "state",  # WAITING, SERVED, ABANDONED or DONE
        "answered",  # simulation time an agent answered it (set when SERVED)
        "callbacks",  # SimPy: the handlers of its abandonment timer; emptied to cancel the timer
    )
    _ok = True  # SimPy: a timer that fires is a success

    def __init__(self, type_index: int, arrived: float, arrival_slot: int, handle: float, patience: float):
        self.type_index = type_index
        self.arrived = arrived
        self.arrival_slot = arrival_slot
        self.handle = handle
        self.patience = patience
        self.state = WAITING


class JourneyContact(Contact):
    """A contact with the fields customer behaviours use; plain M/M/n+M days use ``Contact``,
    which sets fewer fields on the hot path."""

    __slots__ = (
        "customer",  # the Customer whose journey it belongs to (None when journeys are off)
        "tolerance",  # seconds it will wait without being unhappy (over_tolerance past it)
        "callback_at",  # time it accepted a callback that will be kept (None: a live contact)
        "silent",  # a chat whose customer left without closing it: still queued, nobody there
    )

    def __init__(self, type_index: int, arrived: float, arrival_slot: int, handle: float, patience: float):
        # Contact.__init__'s assignments repeated rather than called: a call costs as much as
        # these six lines, once per contact of every day with behaviours.
        self.type_index = type_index
        self.arrived = arrived
        self.arrival_slot = arrival_slot
        self.handle = handle
        self.patience = patience
        self.state = WAITING
        self.customer = None
        self.tolerance = INF
        self.callback_at = None
        self.silent = False


class Customer:
    """One person's journey across attempts and contact types (redials, transfers, hops)."""

    __slots__ = (
        "type_index",  # contact type of the first contact: the customer basis is counted there
        "arrival_slot",  # tally slot of the first contact
        "first_arrived",  # time of the first contact, for the customer-basis service level
        "attempts",  # contacts made so far (1 at the first)
        "agents_met",  # agents who answered one of its contacts
        "transfers",  # transfers taken so far (capped by max_per_customer)
    )

    def __init__(self, type_index: int, arrival_slot: int, first_arrived: float):
        self.type_index = type_index
        self.arrival_slot = arrival_slot
        self.first_arrived = first_arrived
        self.attempts = 1
        self.agents_met = 0
        self.transfers = 0


class Agent:
    """One agent, or one chat seat of an agent; it doubles as the event of the end of its work."""

    __slots__ = (
        "pool",  # the Pool it belongs to
        "idle_since",  # time it last became free (longest idle is answered first)
        "contact",  # the contact it works on, or None when free
        "callbacks",  # SimPy: the handlers of its work-end event
        "after_work",  # True during after-contact work (the customer has gone, the agent is busy)
        "person",  # chat seats of one person share a one-item list [chats held]; None otherwise
    )
    _ok = True

    def __init__(self, pool: "Pool"):
        self.pool = pool
        self.idle_since = 0.0
        self.contact = None
        self.after_work = False
        self.person = None


class Pool:
    """Agents with the same skills; ``free`` is ordered by idle time, longest idle first."""

    __slots__ = (
        "index",  # position in Scenario.agent_pools
        "name",
        "free",  # idle agents, longest idle first
        "staffed",  # agents present, busy or idle, including those finishing before leaving
        "busy",  # agents working
        "pending_leave",  # busy agents who leave when their work ends
        "staffed_since",  # when staffed agent-seconds were last integrated (Engine.staffed_level)
        "skill_groups",  # queue indices a free agent looks at, grouped by skill level, best first
        "staffing",  # agents per interval, or None when a behaviour moves staff itself (shifts)
        "busy_row",  # this pool's busy agent-seconds per tally slot (see Engine.busy_change)
        "staffed_row",  # this pool's staffed agent-seconds per tally slot
    )

    def __init__(self, index: int, name: str, skill_groups: list[list[int]], staffing: list[int] | None):
        self.index = index
        self.name = name
        self.free: deque[Agent] = deque()
        self.staffed = 0
        self.busy = 0
        self.pending_leave = 0
        self.staffed_since = 0.0
        self.skill_groups = skill_groups
        self.staffing = staffing
        self.busy_row: list[float] = []
        self.staffed_row: list[float] = []


class Wake:
    """A wake-up at a set time: the least an object needs to be a SimPy event.

    ``subject`` is what the handler acts on: the contact that redials, the customer who comes back,
    the promised callback. Its handler knows which.
    """

    __slots__ = ("callbacks", "subject")
    _ok = True

    def __init__(self, subject):
        self.subject = subject
        self.callbacks = None


class Boundary:
    """The event of an interval boundary; ``interval`` is the index of the interval that starts
    there (the horizon's interval count at the close)."""

    __slots__ = ("callbacks", "interval")
    _ok = True

    def __init__(self, interval: int):
        self.interval = interval
        self.callbacks = None
