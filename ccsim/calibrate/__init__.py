"""From an ACD / contact-platform log (one row per contact) to a scenario a planner can run.

Why: every center has this log, and the usual way of reading it is biased. Patience estimated from
the abandoned contacts alone ignores that every answered contact is a customer whose patience was
*longer* than their wait (a right-censored observation), so it comes out far too short. Here the
log is read once into arrays, and each scenario input is estimated the way a statistician would:

* arrivals: contacts per interval averaged over the days of the log, and the day-to-day
  dispersion beyond Poisson turned into the gamma ``busyness`` shape;
* handle time: exponential, gamma, log-normal and Weibull fitted by maximum likelihood, the
  lowest AIC chosen, the Kolmogorov-Smirnov distance and the empirical quantiles shown beside;
* patience: the Kaplan-Meier survival curve with answered contacts censored at their wait, and
  exponential, Weibull and log-normal fits by censored maximum likelihood; the naive estimate
  (abandoners only) and the classic shortcut E[wait] / P(abandon) are kept for teaching;
* staffing: from the planner's staffing file (.xlsx or CSV), or an Erlang A placeholder marked REVIEW.

The modules follow that path: ``logs`` (reading and checking), ``fits`` (handle-time fits and
the bridge to scipy), ``survival`` (censored patience), ``agent_pools`` (staffing),
``calibration`` (what is written, and why) and ``scenario_yaml`` (the commented file).

The library raises ``CalibrationError`` (one line per problem, with the log's line number); it
never exits the process. ``calibrate(path) -> Calibration``; ``Calibration.scenario_dict()`` is
a dict ``scenario_from_dict`` accepts, ``scenario_yaml()`` the same as a commented file.
"""

from .calibration import Calibration, TypeCalibration, calibrate
from .fits import describe_dist, fit_handle_times, frozen
from .logs import WEEKDAYS, CalibrationError, read_log
from .survival import MIN_AT_RISK, fit_patience, kaplan_meier

__all__ = [
    "MIN_AT_RISK",
    "WEEKDAYS",
    "Calibration",
    "CalibrationError",
    "TypeCalibration",
    "calibrate",
    "describe_dist",
    "fit_handle_times",
    "fit_patience",
    "frozen",
    "kaplan_meier",
    "read_log",
]
