"""The behaviours ccsim knows, in one registry: the engine composes those a scenario switches on.

Adding a behaviour is one module (a ``Behaviour`` subclass, ``ccsim/model/seam.py``), its section
of the scenario (``ccsim/scenario_behaviours.py``) and one line in ``REGISTRY`` below.
"""

from __future__ import annotations

from ..seam import Behaviour
from .backlog import InitialBacklog, OpenHoursClock
from .callback import QueueDoor
from .channels import ChatSeats
from .frontdoor import SelfService
from .journeys import Journeys
from .live_start import LiveStart
from .overflow import Overflow
from .proficiency import AhtProfile, Proficiency
from .redial import Redial
from .replay import Replay
from .resolution import Resolution
from .silent import SilentChats
from .transfer import Transfer
from .workforce import AfterContactWork, Complications, Staffing

REGISTRY: tuple[type[Behaviour], ...] = (
    Staffing,
    AhtProfile,
    ChatSeats,
    Proficiency,
    Complications,
    Replay,
    AfterContactWork,
    QueueDoor,
    Overflow,
    Journeys,
    Resolution,
    OpenHoursClock,
    Redial,
    Transfer,
    SelfService,
    SilentChats,
    LiveStart,
    InitialBacklog,
)

#: Per contact type counters behaviours write: every run carries them (zeros when a behaviour is off).
BEHAVIOUR_COUNTERS: tuple[str, ...] = tuple(dict.fromkeys(name for cls in REGISTRY for name in cls.counters))
