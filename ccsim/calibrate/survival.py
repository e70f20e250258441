"""Survival analysis of patience: answered contacts are right-censored observations of it.

Why: a customer who was answered after waiting w seconds had a patience *longer* than w. Patience
estimated from the abandoners alone ignores them and comes out far too short. Here the
Kaplan-Meier curve and the parametric fits count every contact: an abandon at w as an event, an
answer at w as "still patient at w".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..distributions import MAX_CV, lognormal_mean_cv, lognormal_sigma
from .fits import Fit, frozen, round_params

#: An abandon logged at wait 0 is taken as one at this time in the parametric likelihoods: the
#: densities of Weibull and log-normal patience are not defined at 0, and export timestamps are
#: rarely finer than a second.
MIN_EVENT_S = 0.5
#: The Kaplan-Meier curve is trusted (written, tested against fits) up to the last abandon time
#: where at least this many contacts were still waiting; beyond it, the fitted tail takes over.
MIN_AT_RISK = 20


@dataclass
class KaplanMeier:
    """The Kaplan-Meier estimate of S(t) = P(patience > t), right-continuous steps at abandon times.

    ``lo``/``hi`` are pointwise 95% bounds (Greenwood's variance on the log(-log S) scale, which
    keeps them inside [0, 1]). ``at_risk[i]`` counts contacts still waiting just before
    ``times[i]`` (censored contacts at the same time count as still waiting).
    """

    times: np.ndarray
    surv: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    at_risk: np.ndarray

    def _step(self, values: np.ndarray, t) -> np.ndarray:
        """``values`` (one per abandon time) read as a right-continuous step function at times t, 1 before the first."""
        idx = np.searchsorted(self.times, np.asarray(t, float), side="right") - 1
        return np.where(idx >= 0, values[np.maximum(idx, 0)], 1.0)

    def at(self, t) -> np.ndarray:
        """S at times t (1 before the first abandon)."""
        return self._step(self.surv, t)

    def band_at(self, t) -> tuple[np.ndarray, np.ndarray]:
        """The pointwise 95% band (lower, upper) at times t, to check a curve against the data."""
        return self._step(self.lo, t), self._step(self.hi, t)

    @property
    def trusted_until(self) -> float:
        """Last abandon time with at least ``MIN_AT_RISK`` still waiting (0 if none)."""
        trusted = np.nonzero(self.at_risk >= MIN_AT_RISK)[0]
        return float(self.times[trusted[-1]]) if len(trusted) else 0.0

    def median(self) -> float | None:
        """The first abandon time where S drops to 0.5 or below (None if it never does)."""
        below = np.nonzero(self.surv <= 0.5)[0]
        return float(self.times[below[0]]) if len(below) else None


def kaplan_meier(waits: np.ndarray, abandoned: np.ndarray, z: float = 1.959964) -> KaplanMeier:
    """Kaplan-Meier with answered contacts censored at their wait: S(t) = prod (1 - d_i / n_i).

    ``z`` is the normal quantile of the band (1.96 for 95%). Ties: a contact answered at the same
    instant another abandons counts as still waiting then.
    """
    waits = np.asarray(waits, float)
    abandoned = np.asarray(abandoned, bool)
    # Answered at wait 0 means never queued: such a contact could not have abandoned at 0 even
    # with zero patience, so it carries no information and is not "at risk" of anything.
    informative = abandoned | (waits > 0)
    waits, abandoned = waits[informative], abandoned[informative]
    abandon_times, abandons = np.unique(waits[abandoned], return_counts=True)
    sorted_waits = np.sort(waits)
    at_risk = len(waits) - np.searchsorted(sorted_waits, abandon_times, side="left")  # waiting at least until then
    surv = np.cumprod(1.0 - abandons / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(np.where(at_risk > abandons, abandons / (at_risk * (at_risk - abandons)), np.inf))
        log_surv = np.log(surv)
        half_width = z * np.sqrt(greenwood) / log_surv  # on the log(-log S) scale; negative where 0 < S < 1
        inside = (surv > 0) & (surv < 1) & np.isfinite(half_width)
        lo = np.where(inside, surv ** np.exp(-half_width), 0.0)
        hi = np.where(inside, surv ** np.exp(half_width), np.where(surv >= 1, 1.0, 0.0))
    lo = np.where(surv >= 1, 1.0, lo)
    return KaplanMeier(abandon_times, surv, np.minimum(lo, surv), np.maximum(hi, surv), at_risk)


def split_waits(waits: np.ndarray, abandoned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(abandon times, censored waits > 0); abandons logged at exactly 0 moved to ``MIN_EVENT_S``."""
    abandon_waits = waits[abandoned]
    return np.where(abandon_waits > 0, abandon_waits, MIN_EVENT_S), waits[~abandoned & (waits > 0)]


def fit_patience(waits: np.ndarray, abandoned: np.ndarray) -> list[Fit]:
    """Exponential, Weibull and log-normal patience by maximum likelihood with right censoring.

    Log-likelihood: sum over abandons of log f(wait) + sum over answered of log S(wait).
    """
    from scipy import optimize, special, stats

    events, censored = split_waits(np.asarray(waits, float), np.asarray(abandoned, bool))
    n_events = len(events)
    if n_events == 0:
        return []
    fits = []
    exposure = float(events.sum() + censored.sum())
    mean = exposure / n_events  # exponential MLE: total waiting time over abandons
    fits.append(Fit("exponential", {"dist": "exponential", "mean": mean}, -n_events * math.log(mean) - n_events, 1))
    if n_events >= 2:
        log_all = np.log(np.concatenate([events, censored]))
        sum_log_events = float(np.log(events).sum())

        # Weibull, profiled: for a shape k the scale solves scale^k = sum t^k / d, leaving
        # ll(k) = d log k - d log(sum t^k / d) + (k - 1) sum log t_e - d.
        def weibull_nll(log_shape):
            k = math.exp(log_shape)
            return -(n_events * math.log(k) - n_events * (special.logsumexp(k * log_all) - math.log(n_events)) + (k - 1) * sum_log_events - n_events)

        best = optimize.minimize_scalar(weibull_nll, bounds=(math.log(0.05), math.log(20.0)), method="bounded", options={"xatol": 1e-6})
        shape = math.exp(best.x)
        scale = math.exp((special.logsumexp(shape * log_all) - math.log(n_events)) / shape)
        fits.append(Fit("weibull", {"dist": "weibull", "shape": shape, "scale": scale}, -float(best.fun), 2))

        log_events, log_censored = np.log(events), np.log(censored)

        def lognormal_nll(theta):
            mu, sigma = theta[0], math.exp(theta[1])
            loglik = stats.norm.logpdf((log_events - mu) / sigma).sum() - log_events.sum() - n_events * math.log(sigma)
            loglik += stats.norm.logsf((log_censored - mu) / sigma).sum()
            return -float(loglik)

        start = [float(log_events.mean()) + 1.0, 0.0]
        bounds = [(-5.0, 20.0), (math.log(0.05), math.log(lognormal_sigma(MAX_CV)))]
        best = optimize.minimize(lognormal_nll, start, method="L-BFGS-B", bounds=bounds)
        lognormal_mean, cv = lognormal_mean_cv(float(best.x[0]), math.exp(float(best.x[1])))
        fits.append(Fit("lognormal", {"dist": "lognormal", "mean": lognormal_mean, "cv": cv}, -float(best.fun), 2))
    for fit in fits:
        fit.params = round_params(fit.params)
    return fits


def piecewise_test(waits: np.ndarray, abandoned: np.ndarray, fit: Fit, pieces: int | None = None) -> tuple[float, int, float] | None:
    """Likelihood-ratio test of a parametric patience fit against a piecewise-constant hazard.

    The alternative has ``pieces`` hazard levels cut at quantiles of the abandon times, a flexible
    "Kaplan-Meier-like" model; returns (LR statistic, degrees of freedom, p-value), or None when
    there are too few abandons (under 50) for the test to mean anything.
    """
    from scipy import stats

    events, censored = split_waits(np.asarray(waits, float), np.asarray(abandoned, bool))
    n_events = len(events)
    if n_events < 50:
        return None
    n_pieces = pieces or int(min(10, max(3, n_events // 25)))
    # Abandons in the first second (often "would not hold at all") get a piece of their own,
    # so a mass of zero patience is not averaged away into the first quantile piece.
    early = events <= 1.0
    later = events[~early]
    cuts = np.quantile(later, np.arange(1, n_pieces) / n_pieces) if len(later) else np.empty(0)
    cuts = np.unique(np.concatenate([[1.0] if early.any() else [], cuts[cuts > 1.0]]))
    edges = np.concatenate([[0.0], cuts, [np.inf]])
    all_waits = np.concatenate([events, censored])
    loglik_pieces = 0.0
    for start, end in zip(edges[:-1], edges[1:]):
        exposure = float(np.clip(all_waits - start, 0, end - start).sum())
        events_in_piece = int(((events >= start) & (events < end)).sum())
        if events_in_piece > 0:
            loglik_pieces += events_in_piece * (math.log(events_in_piece / exposure) - 1)
    df = len(edges) - 1 - fit.n_params
    if df <= 0:
        return None
    # The fit's stored log-likelihood is at unrounded parameters; recompute at the written ones.
    dist = frozen(fit.params)
    loglik_fit = float(dist.logpdf(events).sum() + dist.logsf(censored).sum())
    lr = max(0.0, 2 * (loglik_pieces - loglik_fit))
    return lr, df, float(stats.chi2.sf(lr, df))


def curve_points(km: KaplanMeier, tail_fit: Fit, n_body: int = 24) -> tuple[list[list[float]], str]:
    """The Kaplan-Meier curve as survival-curve points, with a fitted tail where data run out.

    The body is S_KM on an even grid up to ``km.trusted_until``; beyond it the curve continues as
    S_KM(t_end) * S_fit(t) / S_fit(t_end) (the fitted distribution, conditional on having waited
    t_end) down to S = 0, so nobody is written as infinitely patient merely because no one
    waited long enough to show otherwise.
    """
    t_end = km.trusted_until
    if t_end <= 0:
        t_end = float(km.times[-1])
    grid = np.linspace(0.0, t_end, n_body + 1)
    surv = km.at(grid)
    points = [[0.0, float(surv[0])]] + [[float(time_s), float(share)] for time_s, share in zip(grid[1:], surv[1:])]
    tail = frozen(tail_fit.params)
    surv_end = float(km.at(t_end))
    tail_surv_end = float(tail.sf(t_end))
    how = f"the fitted {tail_fit.family} tail (conditional on waiting {t_end:.0f} s)"
    if surv_end > 0 and tail_surv_end > 0:
        for multiple in (1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64):
            time_s = t_end * multiple
            share = surv_end * float(tail.sf(time_s)) / tail_surv_end
            if share < 0.002:
                break
            points.append([time_s, share])
        points.append([points[-1][0] * 1.5 if points[-1][0] > 0 else 1.0, 0.0])
    written: list[list[float]] = []  # rounded as written; times strictly increasing, S never rising
    for time_s, share in points:
        time_s, share = round(time_s, 1), round(min(share, written[-1][1] if written else 1.0), 4)
        if written and time_s <= written[-1][0]:
            continue
        written.append([time_s, share])
    return written, how
