"""ccsim: test a contact-center staffing plan against real customer behaviour before the day.

The Python API for notebooks (docs/reference/python-api.md)::

    import ccsim
    scenario = ccsim.load_scenario("scenarios/reference_mmn.yaml")
    result = ccsim.simulate(scenario, replications=20)
    result.by_contact_type["calls"]["service_level"]   # Estimate(mean, lo, hi, n)
    result.to_pandas()                                 # per interval and contact type: mean, lo, hi

    ccsim.compare([scenario_a, scenario_b])            # plans on the same days: paired differences
    ccsim.staff(scenario)                              # Erlang C, Erlang A and simulated staffing
    ccsim.trap.explore(scenario)                       # the understaffing trap: the sweep and its cliff
    ccsim.calibrate.calibrate("acd_log.csv")           # a scenario estimated from a contact log

``staff``, ``trap`` and ``calibrate`` load when first used (their optimisers and fits import
scipy), so ``import ccsim`` and the command line stay quick.
"""

from importlib import import_module

from ._version import __version__
from .scenario import Scenario, ScenarioError, bundled_scenario_path, load_scenario, scenario_from_dict  # noqa: E402
from .results import SimulationResult  # noqa: E402
from .runner import simulate  # noqa: E402
from .compare import Comparison, ComparisonError, compare  # noqa: E402

#: Names loaded on first use: a function or class -> the module holding it; a module -> None.
_LAZY = {"staff": "ccsim.staffing", "StaffResult": "ccsim.staffing", "TrapResult": "ccsim.trap", "trap": None, "calibrate": None}

__all__ = [
    "__version__",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "bundled_scenario_path",
    "load_scenario",
    "scenario_from_dict",
    "simulate",
    "compare",
    "Comparison",
    "ComparisonError",
    "staff",
    "StaffResult",
    "trap",
    "TrapResult",
    "calibrate",
]


def __getattr__(name: str):
    """``ccsim.staff`` and the rest of ``_LAZY``, imported when first asked for. A module
    (``ccsim.trap``, ``ccsim.calibrate``) becomes the package's attribute as it is imported; a
    function or class is kept here."""
    if name not in _LAZY:
        raise AttributeError(f"module 'ccsim' has no attribute {name!r}")
    home = _LAZY[name]
    if home is None:
        return import_module(f"{__name__}.{name}")
    value = globals()[name] = getattr(import_module(home), name)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
