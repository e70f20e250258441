"""ccsim: test a contact-center staffing plan against real customer behaviour before the day.

The Python API for notebooks::

    import ccsim
    scenario = ccsim.load_scenario("scenarios/reference_mmn.yaml")
    result = ccsim.simulate(scenario, replications=20)
    result.by_contact_type["calls"]["service_level"]   # Estimate(mean, lo, hi, n)
"""

from ._version import __version__
from .scenario import Scenario, ScenarioError, bundled_scenario_path, load_scenario, scenario_from_dict  # noqa: E402
from .results import SimulationResult  # noqa: E402
from .runner import simulate  # noqa: E402
from .compare import Comparison, ComparisonError, compare  # noqa: E402

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
]
