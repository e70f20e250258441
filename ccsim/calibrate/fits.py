"""Maximum-likelihood fits of handle times, written as scenario distributions and read back through scipy.

Why: a fit is only useful if it can be written as the scenario's own distribution mapping (so the
calibrated file runs as it is) and drawn and tested against the data (densities, quantiles, the
Kolmogorov-Smirnov distance). ``Fit.params`` is the mapping; ``frozen`` turns a mapping into the
scipy distribution for the drawing and testing, with the parameter conversions of
``ccsim.distributions``, so a fit is read the way the simulation reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..distributions import MAX_CV, gamma_shape, lognormal_mean_cv, lognormal_sigma


def json_round(value, digits: int) -> float | None:
    """``value`` rounded for the JSON document; None for a missing or non-finite number (JSON has no NaN)."""
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


@dataclass
class Fit:
    """One maximum-likelihood fit: the scenario distribution it writes and how well it fits."""

    family: str
    params: dict  # the scenario's distribution mapping, e.g. {"dist": "lognormal", "mean": .., "cv": ..}
    loglik: float
    n_params: int
    ks: float | None = None  # Kolmogorov-Smirnov distance to the data (uncensored fits only)

    @property
    def aic(self) -> float:
        return 2 * self.n_params - 2 * self.loglik

    @property
    def mean(self) -> float:
        return float(frozen(self.params).mean())

    def describe(self) -> str:
        return describe_dist(self.params)

    def to_dict(self) -> dict:
        return {
            "family": self.family,
            "params": self.params,
            "mean": json_round(self.mean, 2),
            "loglik": json_round(self.loglik, 3),
            "aic": json_round(self.aic, 3),
            "ks": json_round(self.ks, 4),
        }


def frozen(params: dict):
    """The scipy distribution matching a scenario distribution mapping (for pdf, cdf, quantiles)."""
    from scipy import stats

    family = params["dist"]
    if family == "exponential":
        return stats.expon(scale=params["mean"])
    if family == "lognormal":
        sigma = lognormal_sigma(params["cv"])
        return stats.lognorm(sigma, scale=params["mean"] * math.exp(-sigma * sigma / 2))  # scale = e^mu
    if family == "gamma":
        shape = gamma_shape(params["cv"])
        return stats.gamma(shape, scale=params["mean"] / shape)
    if family == "weibull":
        return stats.weibull_min(params["shape"], scale=params["scale"])
    raise ValueError(f"no scipy equivalent for {family}")


def describe_dist(params: dict) -> str:
    """A scenario distribution mapping in words, for the terminal summary and the report."""
    family = params["dist"]
    if family == "exponential":
        return f"exponential, mean {params['mean']:g} s"
    if family in ("lognormal", "gamma"):
        return f"{family}, mean {params['mean']:g} s, cv {params['cv']:g}"
    if family == "weibull":
        return f"Weibull, shape {params['shape']:g}, scale {params['scale']:g} s (mean {frozen(params).mean():.1f} s)"
    if family == "deterministic":
        return f"deterministic {params['mean']:g} s"
    if family == "empirical":
        return f"empirical, {len(params['values'])} values"
    if family == "survival_curve":
        return f"survival curve, {len(params['points'])} points"
    return family


def round_params(params: dict) -> dict:
    """The mapping as written to the scenario: times to 0.1 s, shapes and cvs to four decimals."""
    rounded = {"dist": params["dist"]}
    for key, value in params.items():
        if key == "dist":
            continue
        rounded[key] = round(float(value), 1) if key in ("mean", "scale") else round(float(value), 4)
    return rounded


def fit_handle_times(times: np.ndarray) -> list[Fit]:
    """Exponential, gamma, log-normal and Weibull fitted by maximum likelihood to positive times."""
    from scipy import optimize, special, stats

    times = np.asarray(times, float)
    n = len(times)
    mean = float(times.mean())
    log_times = np.log(times)
    mean_log = float(log_times.mean())
    fits = [Fit("exponential", {"dist": "exponential", "mean": mean}, -n * math.log(mean) - n, 1)]
    if n >= 2 and float(times.std()) > 0:
        # Gamma: the shape solves log k - digamma(k) = log(mean) - mean(log x) (> 0 by Jensen).
        log_gap = math.log(mean) - mean_log
        shape = optimize.brentq(lambda k: math.log(k) - special.digamma(k) - log_gap, 1e-4, 1e6)
        shape = max(shape, gamma_shape(MAX_CV))
        gamma_loglik = float(stats.gamma.logpdf(times, shape, scale=mean / shape).sum())
        fits.append(Fit("gamma", {"dist": "gamma", "mean": mean, "cv": 1 / math.sqrt(shape)}, gamma_loglik, 2))
        sigma = min(float(log_times.std()), lognormal_sigma(MAX_CV))
        lognormal_mean, cv = lognormal_mean_cv(mean_log, sigma)
        lognormal_loglik = float(stats.lognorm.logpdf(times, sigma, scale=math.exp(mean_log)).sum())
        fits.append(Fit("lognormal", {"dist": "lognormal", "mean": lognormal_mean, "cv": cv}, lognormal_loglik, 2))
        # Weibull: the shape solves sum x^k log x / sum x^k - 1/k - mean(log x) = 0 (x scaled to mean 1).
        log_scaled = log_times - math.log(mean)

        def score(k):
            weights = np.exp(k * log_scaled - (k * log_scaled).max())  # x^k, scaled so the largest is 1
            return float((weights * log_scaled).sum() / weights.sum()) - 1 / k - float(log_scaled.mean())

        shape = optimize.brentq(score, 0.02, 200.0)
        scale = mean * math.exp((special.logsumexp(shape * log_scaled) - math.log(n)) / shape)
        weibull_loglik = float(stats.weibull_min.logpdf(times, shape, scale=scale).sum())
        fits.append(Fit("weibull", {"dist": "weibull", "shape": shape, "scale": scale}, weibull_loglik, 2))
    for fit in fits:
        fit.params = round_params(fit.params)
        fit.ks = float(stats.kstest(times, frozen(fit.params).cdf).statistic)
    return fits
