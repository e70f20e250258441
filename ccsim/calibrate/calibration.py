"""The calibration: from a checked contact log to every scenario input, with the reason for each.

Why one place decides: each input (volumes, busyness, handle time, patience, staffing) is
estimated by its own module, but what is *written* (the best fit, a rejected fit replaced by the
Kaplan-Meier curve, a busyness factor only when the data show one) is a choice the planner must
be able to read. Every estimate here carries its ``reason``, which the YAML comments, the
terminal summary and the report repeat.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from .agent_pools import Staffing, placeholder_staffing, staffing_from_file
from .fits import Fit, fit_handle_times, frozen, json_round
from .logs import LONG_HANDLE_S, WEEKDAYS, CalibrationError, ContactLog, clock_label, parse_weekday, read_log
from .scenario_yaml import render_yaml
from .survival import MIN_AT_RISK, MIN_EVENT_S, KaplanMeier, curve_points, fit_patience, kaplan_meier, piecewise_test

#: Significance of the tests that decide to write a busyness factor and to reject a patience fit.
BUSYNESS_ALPHA = 0.05
PATIENCE_ALPHA = 0.01
#: Parametric families fitted to handle times and (censored) patience; the choices add the others.
HANDLE_FAMILIES = ("exponential", "gamma", "lognormal", "weibull")
PATIENCE_FAMILIES = ("exponential", "weibull", "lognormal")
HANDLE_CHOICES = ("best", *HANDLE_FAMILIES, "empirical")
PATIENCE_CHOICES = ("auto", "curve", *PATIENCE_FAMILIES)
#: Quantiles of handle time shown observed beside fitted.
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)

#: What each kind of odd-but-kept row (``ContactLog.odd``) means, for the notes.
ODD_TEXT = {
    "zero_handle": "answered contact(s) with a handle time of 0 s (kept in volumes and AHT; left out of the handle-time shape fit, which needs positive times)",
    "long_handle": f"answered contact(s) with a handle time over {LONG_HANDLE_S / 3600:g} hours (kept)",
    "abandoned_at_arrival": f"abandoned contact(s) that hung up at 0 s (kept: patience 0; the fitted distributions count them as {MIN_EVENT_S:g} s)",
}


@dataclass
class HandleCalibration:
    """Handle time of one contact type: the fits, the one written and why."""

    n: int  # answered contacts
    aht: float  # mean over all answered, zero handle times included
    cv: float | None
    zero: int  # answered with handle time 0: in AHT, not in the shape fits
    fits: list[Fit]
    chosen: str  # family name, "empirical", "deterministic" or "none"
    written: dict  # the scenario mapping
    reason: str
    quantiles: list[tuple[float, float, float | None]]  # (q, empirical, fitted)
    sample: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    def to_dict(self) -> dict:
        return {
            "answered": self.n,
            "aht_seconds": json_round(self.aht, 2),
            "cv": json_round(self.cv, 4),
            "zero_handle_times": self.zero,
            "fits": [f.to_dict() for f in self.fits],
            "chosen": self.chosen,
            "reason": self.reason,
            "written": self.written,
            "quantiles": [{"q": q, "empirical": json_round(observed, 2), "fitted": json_round(fitted, 2)} for q, observed, fitted in self.quantiles],
        }


@dataclass
class PatienceCalibration:
    """Patience of one contact type: the biased estimates for teaching, the censored ones, the one written."""

    n: int
    abandoned: int
    naive_mean: float | None  # mean wait of abandoned contacts only: the biased estimate
    shortcut_mean: float | None  # E[wait over all] / P(abandon)
    km: KaplanMeier | None
    fits: list[Fit]
    tests: dict[str, tuple[float, int, float] | None]
    chosen: str  # "curve", a family, or "none"
    written: dict | None
    reason: str
    max_wait: float

    def to_dict(self) -> dict:
        km = None
        if self.km is not None and len(self.km.times):
            step = max(1, len(self.km.times) // 200)
            idx = np.unique(np.r_[np.arange(0, len(self.km.times), step), len(self.km.times) - 1])
            km = {
                "times": [json_round(x, 3) for x in self.km.times[idx]],
                "survival": [json_round(x, 5) for x in self.km.surv[idx]],
                "lo": [json_round(x, 5) for x in self.km.lo[idx]],
                "hi": [json_round(x, 5) for x in self.km.hi[idx]],
                "at_risk": [int(x) for x in self.km.at_risk[idx]],
                "trusted_until_seconds": json_round(self.km.trusted_until, 3),
                "median_seconds": json_round(self.km.median(), 3) if self.km.median() is not None else None,
            }
        return {
            "contacts": self.n,
            "abandoned": self.abandoned,
            "censored_share": json_round(1 - self.abandoned / self.n, 5) if self.n else None,
            "naive_mean_seconds": json_round(self.naive_mean, 2),
            "shortcut_mean_seconds": json_round(self.shortcut_mean, 2),
            "kaplan_meier": km,
            "fits": [dict(f.to_dict(), lr_test=(None if self.tests.get(f.family) is None else dict(zip(("lr", "df", "p"), self.tests[f.family])))) for f in self.fits],
            "chosen": self.chosen,
            "reason": self.reason,
            "written": self.written,
        }


@dataclass
class TypeCalibration:
    """Everything estimated for one contact type."""

    contacts: int
    answered: int
    abandoned: int
    per_day: np.ndarray  # (days, intervals) counts
    volumes: list[float]  # mean per interval
    handle: HandleCalibration
    patience: PatienceCalibration
    carried_load: list[float]  # mean busy agents per interval (answered work / interval length)


@dataclass
class Busyness:
    """The day-to-day spread of volume beyond Poisson, and whether it is written."""

    days: int
    mean: float | None
    variance: float | None
    p_value: float | None
    shape: float | None
    reason: str

    def to_dict(self) -> dict:
        return {
            "days": self.days,
            "day_total_mean": json_round(self.mean, 3),
            "day_total_variance": json_round(self.variance, 3),
            "poisson_dispersion_p": json_round(self.p_value, 5),
            "shape": json_round(self.shape, 3),
            "reason": self.reason,
        }


@dataclass
class Calibration:
    """What was estimated from a contact log, and the scenario it makes."""

    source: str
    rows: int
    days: list[date]
    weekday: int | None
    interval_minutes: int
    start_minute: int
    n_intervals: int
    types: dict[str, TypeCalibration]
    busyness: Busyness
    staffing: Staffing
    sl_seconds: float
    sl_target: float
    odd: dict[str, list[int]]
    notes: list[str]
    weekday_totals: dict[str, tuple[int, float]]  # weekday -> (days, mean day total), all days
    time_note: str

    @property
    def labels(self) -> list[str]:
        return [clock_label(self.start_minute + i * self.interval_minutes) for i in range(self.n_intervals)]

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.n_intervals * self.interval_minutes

    def horizon_dict(self) -> dict:
        start = clock_label(self.start_minute)
        if self.end_minute <= 1440:
            return {"start": start, "end": clock_label(self.end_minute), "interval_minutes": self.interval_minutes}
        return {"start": start, "hours": self.n_intervals * self.interval_minutes / 60, "interval_minutes": self.interval_minutes}

    def scenario_dict(self) -> dict:
        """The calibrated scenario as ``scenario_from_dict`` takes it."""
        scenario: dict[str, Any] = {
            "name": f"Calibrated from {Path(self.source).name}",
            "description": self._description(),
            "seed": 1,
            "replications": 10,
            "horizon": self.horizon_dict(),
        }
        if self.busyness.shape is not None:
            scenario["busyness"] = {"shape": self.busyness.shape}
        types = {}
        for name, type_cal in self.types.items():
            section: dict[str, Any] = {"arrivals": {"volumes": type_cal.volumes}, "handle_time": type_cal.handle.written}
            if type_cal.patience.written is not None:
                section["patience"] = type_cal.patience.written
            section["service_level"] = {"seconds": self.sl_seconds, "target": self.sl_target}
            types[name] = section
        scenario["contact_types"] = types
        scenario["agent_pools"] = {name: {"skills": list(p["skills"]), "agents": list(p["agents"])} for name, p in self.staffing.pools.items()}
        return scenario

    def scenario(self):
        """The validated ``Scenario`` (raises ``ScenarioError`` if calibration made something invalid)."""
        from ..scenario import scenario_from_dict

        return scenario_from_dict(self.scenario_dict())

    def _description(self) -> str:
        span = f"{self.days[0].isoformat()} to {self.days[-1].isoformat()}" if len(self.days) > 1 else self.days[0].isoformat()
        only = f", {WEEKDAYS[self.weekday].capitalize()}s only" if self.weekday is not None else ""
        return f"Estimated by ccsim calibrate from {self.rows:,} contacts over {len(self.days)} day(s) ({span}{only})."

    def scenario_yaml(self) -> str:
        return render_yaml(self)

    def to_dict(self) -> dict:
        return {
            "ccsim_version": __version__,
            "source": self.source,
            "rows": self.rows,
            "days": [d.isoformat() for d in self.days],
            "weekday": None if self.weekday is None else WEEKDAYS[self.weekday],
            "weekday_totals": {k: {"days": v[0], "mean_day_total": json_round(v[1], 2)} for k, v in self.weekday_totals.items()},
            "interval_minutes": self.interval_minutes,
            "horizon": self.horizon_dict(),
            "intervals": self.labels,
            "time_note": self.time_note,
            "odd_rows": {k: {"count": v[0], "first_line": v[1]} for k, v in self.odd.items()},
            "contact_types": {
                name: {
                    "contacts": type_cal.contacts,
                    "answered": type_cal.answered,
                    "abandoned": type_cal.abandoned,
                    "volumes": type_cal.volumes,
                    "day_totals": [int(x) for x in type_cal.per_day.sum(1)],
                    "carried_load_agents": [json_round(x, 3) for x in type_cal.carried_load],
                    "handle_time": type_cal.handle.to_dict(),
                    "patience": type_cal.patience.to_dict(),
                }
                for name, type_cal in self.types.items()
            },
            "busyness": self.busyness.to_dict(),
            "staffing": self.staffing.to_dict(),
            "service_level": {"seconds": self.sl_seconds, "target": self.sl_target},
            "notes": self.notes,
            "scenario": self.scenario_dict(),
        }


def calibrate(
    path: str | Path,
    *,
    columns: str | dict[str, str] | None = None,
    tz: str | None = None,
    time_format: str | None = None,
    dayfirst: bool = False,
    interval_minutes: int = 30,
    weekday: str | int | None = None,
    staffing: str | Path | None = None,
    patience: str = "auto",
    handle: str = "best",
    sl_seconds: float = 20.0,
    sl_target: float = 0.8,
) -> Calibration:
    """Read a contact log and estimate a scenario from it (see the ``ccsim.calibrate`` docstring)."""
    log = read_log(path, columns=columns, tz=tz, time_format=time_format, dayfirst=dayfirst)
    return calibrate_log(
        log, interval_minutes=interval_minutes, weekday=weekday, staffing=staffing, patience=patience, handle=handle, sl_seconds=sl_seconds, sl_target=sl_target
    )


def calibrate_log(
    log: ContactLog,
    *,
    interval_minutes: int = 30,
    weekday: str | int | None = None,
    staffing: str | Path | None = None,
    patience: str = "auto",
    handle: str = "best",
    sl_seconds: float = 20.0,
    sl_target: float = 0.8,
) -> Calibration:
    """Estimate a scenario from a log already read; the options are checked first, all at once."""
    problems = []
    if not isinstance(interval_minutes, int) or not 1 <= interval_minutes <= 1440:
        problems.append(f"--interval-minutes: {interval_minutes} is not a whole number of minutes from 1 to 1440")
    if patience not in PATIENCE_CHOICES:
        problems.append(f"--patience: '{patience}' is not one of {', '.join(PATIENCE_CHOICES)}")
    if handle not in HANDLE_CHOICES:
        problems.append(f"--handle: '{handle}' is not one of {', '.join(HANDLE_CHOICES)}")
    if not sl_seconds >= 0:
        problems.append("--sl-seconds must be >= 0")
    if not 0 <= sl_target <= 1:
        problems.append("--sl-target must be a share between 0 and 1")
    if problems:
        raise CalibrationError(problems)
    only_weekday = parse_weekday(weekday)
    notes: list[str] = [log.file_note] if log.file_note else []

    all_days = sorted(set(log.day.tolist()))
    weekday_totals: dict[str, tuple[int, float]] = {}
    for day_of_week, name in enumerate(WEEKDAYS):
        dates = [d for d in all_days if date.fromordinal(d).weekday() == day_of_week]
        if dates:
            weekday_totals[name] = (len(dates), float(np.isin(log.day, dates).sum()) / len(dates))
    if only_weekday is not None:
        on_weekday = np.array([date.fromordinal(d).weekday() == only_weekday for d in log.day])
        if not on_weekday.any():
            day_name = WEEKDAYS[only_weekday]
            raise CalibrationError([f"--weekday {day_name}: the log has no {day_name.capitalize()} (it has {', '.join(weekday_totals)})"])
        log = _subset(log, on_weekday)
    days = sorted(set(log.day.tolist()))
    day_pos = {d: i for i, d in enumerate(days)}
    n_days = len(days)

    interval_s = interval_minutes * 60.0
    interval_of = np.floor(log.clock_s / interval_s).astype(int)  # interval of the day each contact arrived in
    first = int(interval_of.min())
    n_intervals = int(interval_of.max()) - first + 1
    start_minute = first * interval_minutes
    interval_col = interval_of - first  # position on the calibrated horizon
    day_row = np.array([day_pos[d] for d in log.day.tolist()], dtype=int)  # position among the days
    if n_days == 1:
        notes.append("the log covers one day: volumes are that day's counts, and day-to-day variation cannot be estimated")

    types: dict[str, TypeCalibration] = {}
    for type_index, name in enumerate(log.types):
        of_type = log.type_idx == type_index
        per_day = np.zeros((n_days, n_intervals))
        np.add.at(per_day, (day_row[of_type], interval_col[of_type]), 1)
        volumes = [round(float(v), 2) for v in per_day.mean(0)]
        answered = log.answered[of_type]
        handle_s = log.handle_s[of_type][answered]
        handle_cal = _calibrate_handle(handle_s, handle)
        patience_cal = _calibrate_patience(log.wait_s[of_type], ~answered, patience)
        answer_clock_s = log.clock_s[of_type][answered] + log.wait_s[of_type][answered]
        load = _carried_load(answer_clock_s, handle_s, n_days, start_minute * 60.0, interval_s, n_intervals)
        types[name] = TypeCalibration(int(of_type.sum()), int(answered.sum()), int((~answered).sum()), per_day, volumes, handle_cal, patience_cal, load)
        if patience_cal.chosen == "none":
            notes.append(f"{name}: {patience_cal.reason}")
        if handle_cal.chosen == "none":
            notes.append(f"{name}: {handle_cal.reason}")

    day_totals = np.zeros(n_days)
    np.add.at(day_totals, day_row, 1)
    busyness = _estimate_busyness(day_totals)
    if only_weekday is None and len(weekday_totals) > 1 and busyness.shape is not None:
        notes.append("the log mixes days of the week; part of the day-to-day variation may be the weekly pattern (try --weekday)")

    if staffing is not None:
        agent_pools = staffing_from_file(Path(staffing), log, list(types), start_minute, interval_minutes, n_intervals)
        notes += [agent_pools.note] if agent_pools.note else []
    else:
        agent_pools = placeholder_staffing(types, interval_minutes, sl_seconds, sl_target)
    for kind, (count, line) in log.odd.items():
        notes.append(f"{count:,} {ODD_TEXT[kind]}; first at {log.unit} {line}")
    return Calibration(
        source=log.source,
        rows=log.rows,
        days=[date.fromordinal(d) for d in days],
        weekday=only_weekday,
        interval_minutes=interval_minutes,
        start_minute=start_minute,
        n_intervals=n_intervals,
        types=types,
        busyness=busyness,
        staffing=agent_pools,
        sl_seconds=float(sl_seconds),
        sl_target=float(sl_target),
        odd=log.odd,
        notes=notes,
        weekday_totals=weekday_totals,
        time_note=log.time_note,
    )


def _subset(log: ContactLog, keep: np.ndarray) -> ContactLog:
    """The contacts where ``keep`` is true; everything about the log as a whole stays."""
    return dataclasses.replace(
        log,
        type_idx=log.type_idx[keep],
        day=log.day[keep],
        clock_s=log.clock_s[keep],
        answered=log.answered[keep],
        wait_s=log.wait_s[keep],
        handle_s=log.handle_s[keep],
        pool_idx=None if log.pool_idx is None else log.pool_idx[keep],
    )


def _calibrate_handle(handle_s: np.ndarray, choice: str) -> HandleCalibration:
    """The handle time to write (``choice`` is ``--handle``): the fits need positive times, the AHT counts all."""
    n = len(handle_s)
    if n == 0:
        written = {"dist": "exponential", "mean": 300.0}
        return HandleCalibration(0, math.nan, None, 0, [], "none", written, "no answered contacts: handle time cannot be estimated; 300 s written as a placeholder (REVIEW)", [])
    aht = float(handle_s.mean())
    cv = float(handle_s.std() / aht) if aht > 0 and n > 1 else None
    positive = handle_s[handle_s > 0]
    zero = n - len(positive)
    observed_q = np.quantile(handle_s, QUANTILES)
    if len(positive) == 0 or float(positive.std()) == 0.0:
        written = {"dist": "deterministic", "mean": round(aht, 1)}
        return HandleCalibration(n, aht, cv, zero, [], "deterministic", written, "every handle time is the same", [(q, float(a), aht) for q, a in zip(QUANTILES, observed_q)], handle_s)
    fits = fit_handle_times(positive)
    best = min(fits, key=lambda f: f.aic)
    if choice == "empirical":
        grid_q = np.quantile(handle_s, (np.arange(200) + 0.5) / 200)
        written = {"dist": "empirical", "values": [round(float(v), 1) for v in grid_q]}
        chosen, reason = "empirical", "empirical distribution asked for (--handle empirical): 200 quantiles of the observed handle times"
        fitted = None
    else:
        fit = best if choice == "best" else next(f for f in fits if f.family == choice)
        written, chosen, fitted = fit.params, fit.family, fit
        others = ", ".join(f"{f.family} {f.aic - best.aic:+.1f}" for f in sorted(fits, key=lambda f: f.aic) if f is not best)
        if choice == "best":
            reason = f"lowest AIC of {len(fits)} maximum-likelihood fits (AIC difference: {others}); KS distance {best.ks:.3f}"
        else:
            reason = f"{choice} asked for (--handle {choice}); AIC {fit.aic - best.aic:+.1f} against the best ({best.family}); KS distance {fit.ks:.3f}"
    fitted_q = frozen(fitted.params).ppf(QUANTILES) if fitted is not None else np.quantile(handle_s, QUANTILES)
    quantiles = [(q, float(a), float(b)) for q, a, b in zip(QUANTILES, observed_q, fitted_q)]
    return HandleCalibration(n, aht, cv, zero, fits, chosen, written, reason, quantiles, handle_s)


def _calibrate_patience(waits: np.ndarray, abandoned: np.ndarray, choice: str) -> PatienceCalibration:
    """The patience to write (``choice`` is ``--patience``): in ``auto``, the best fit a test does not reject, else the curve."""
    n, n_abandoned = len(waits), int(abandoned.sum())
    max_wait = float(waits.max()) if n else 0.0
    if n_abandoned == 0:
        km = kaplan_meier(waits, abandoned) if n else None
        reason = "no abandoned contacts: patience omitted (nobody abandons in the scenario); the data only say patience exceeds the longest wait"
        reason += f" ({max_wait:.0f} s) for most customers"
        return PatienceCalibration(n, 0, None, None, km, [], {}, "none", None, reason, max_wait)
    naive = float(waits[abandoned].mean())
    shortcut = float(waits.mean() / abandoned.mean())
    km = kaplan_meier(waits, abandoned)
    fits = fit_patience(waits, abandoned)
    tests = {f.family: piecewise_test(waits, abandoned, f) for f in fits}
    best = min(fits, key=lambda f: f.aic)
    if choice == "auto":
        not_rejected = [f for f in sorted(fits, key=lambda f: f.aic) if tests[f.family] is None or tests[f.family][2] >= PATIENCE_ALPHA]
        if not_rejected:
            chosen = not_rejected[0]
            test = tests[chosen.family]
            why = "too few abandons for a test against the curve" if test is None else f"a likelihood-ratio test against a piecewise-constant hazard does not reject it (p = {test[2]:.2g})"
            if chosen is best:
                reason = f"lowest AIC of the censored fits, and {why}"
            else:
                reason = f"{best.family} has a lower AIC but is rejected; {chosen.family} is not ({why})"
            return PatienceCalibration(n, n_abandoned, naive, shortcut, km, fits, tests, chosen.family, chosen.params, reason, max_wait)
        choice_reason = f"every fitted distribution is rejected by a likelihood-ratio test against a piecewise-constant hazard (best p = {max(tests[f.family][2] for f in fits):.2g}), so the Kaplan-Meier curve is written"
    elif choice == "curve":
        choice_reason = "the Kaplan-Meier curve asked for (--patience curve)"
    else:
        fit = next((f for f in fits if f.family == choice), None)
        if fit is None:
            fit = fits[0]
            reason = f"only {n_abandoned} abandon(s): {fit.family} written instead of {choice}"
        else:
            reason = f"{choice} asked for (--patience {choice}); AIC {fit.aic - best.aic:+.1f} against the best ({best.family})"
        return PatienceCalibration(n, n_abandoned, naive, shortcut, km, fits, tests, fit.family, fit.params, reason, max_wait)
    points, tail = curve_points(km, best)
    reason = f"{choice_reason}; Kaplan-Meier up to {km.trusted_until:.0f} s (the last abandon with {MIN_AT_RISK}+ contacts still waiting), {tail} beyond"
    return PatienceCalibration(n, n_abandoned, naive, shortcut, km, fits, tests, "curve", {"dist": "survival_curve", "points": points}, reason, max_wait)


def _carried_load(answer_clock_s: np.ndarray, handle_s: np.ndarray, n_days: int, start_s: float, interval_s: float, n_intervals: int) -> list[float]:
    """Mean busy agents per interval: handling time (answer to end) falling in the interval over its length."""
    end_clock_s = answer_clock_s + np.nan_to_num(handle_s)
    load = []
    for interval in range(n_intervals):
        begins = start_s + interval * interval_s
        overlap = np.clip(np.minimum(end_clock_s, begins + interval_s) - np.maximum(answer_clock_s, begins), 0, None)
        load.append(float(overlap.sum() / interval_s / n_days))
    return load


def _estimate_busyness(day_totals: np.ndarray) -> Busyness:
    """Gamma busyness shape K from day totals: Var(N) = m + m^2 / K beyond Poisson's Var(N) = m.

    Written only when a dispersion test rejects Poisson day-to-day variation at 5%: otherwise a
    small chance excess of variance would become a spurious busyness factor.
    """
    from scipy import stats

    days = len(day_totals)
    if days < 3:
        return Busyness(days, float(day_totals.mean()) if days else None, None, None, None, f"{days} day(s) in the log: at least 3 are needed to estimate day-to-day variation; busyness omitted")
    mean, variance = float(day_totals.mean()), float(day_totals.var(ddof=1))
    dispersion = (days - 1) * variance / mean
    p_value = float(stats.chi2.sf(dispersion, days - 1))
    if p_value >= BUSYNESS_ALPHA or variance <= mean:
        return Busyness(days, mean, variance, p_value, None, f"day totals vary no more than Poisson chance allows (variance {variance:,.0f} vs mean {mean:,.0f}, dispersion test p = {p_value:.2f}); busyness omitted")
    shape = mean * mean / (variance - mean)
    return Busyness(
        days, mean, variance, p_value, round(shape, 2),
        f"day totals vary more than Poisson (variance {variance:,.0f} vs mean {mean:,.0f}, dispersion test p = {p_value:.2g}): gamma shape K = m^2 / (variance - m) = {shape:.1f}, i.e. a day-level multiplier with sd {1 / math.sqrt(shape):.1%}",
    )
