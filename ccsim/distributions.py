"""Probability distributions for handle times, patience, delays and tolerance.

Each distribution is a validated pydantic model that is also the object that samples:
``sample(rng, size)`` draws a numpy batch (the engine draws in batches because one numpy
call per contact would dominate the hot path), ``expectation`` and ``variance`` give its
moments, and ``survival(t)`` gives P(X > t) so patience curves can be plotted and compared
with Erlang A. All values are in seconds.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


class DistributionBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @property
    def expectation(self) -> float:  # pragma: no cover
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover
        raise NotImplementedError

    def survival(self, t: np.ndarray | float) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def remaining(self, rng: np.random.Generator, elapsed: np.ndarray) -> np.ndarray:
        """Draws of ``X - e`` given ``X > e``, one per entry of ``elapsed``: what is left of a
        patience or a handle time already running for ``e`` seconds (a contact that has waited,
        a service under way when a simulation starts from a live state).

        Inverse survival, for every family: ``X = S^-1(u S(e))`` with ``u`` uniform, found by
        bisection on ``survival`` (which every family has, steps included). Where ``S(e)`` is 0
        (a deterministic patience of 60 s for a contact that has waited 70) nothing is left: 0.
        Where the distribution never ends for a share of people (a survival curve's never-abandon
        share) the draw can be infinite.
        """
        elapsed = np.asarray(elapsed, float)
        target = rng.random(elapsed.shape) * self.survival(elapsed)
        never = target < self.survival(np.full(elapsed.shape, MAX_SECONDS * 100.0))
        low, high = elapsed.copy(), np.full(elapsed.shape, MAX_SECONDS * 100.0)
        for _ in range(80):  # the bracket halves each time: 80 halvings reach below a microsecond
            mid = (low + high) / 2
            beyond = self.survival(mid) > target
            low, high = np.where(beyond, mid, low), np.where(beyond, high, mid)
        return np.where(never, np.inf, high - elapsed)


#: The largest coefficient of variation a scenario accepts; calibration clamps its fits to it, so
#: the file it writes validates.
MAX_CV = 10
#: The smallest: a gamma shape of a million; what varies less is ``deterministic``. Below, the
#: arithmetic breaks (a cv of 1e-200 makes the gamma shape infinite).
MIN_CV = 0.001
#: The longest time any duration in a scenario may have: 30 days, in seconds. Handle times,
#: patience, delays and thresholds beyond it are no contact center's, and an infinite or huge one
#: passes validation only to crash the arithmetic of the model, staffing or Erlang.
MAX_SECONDS = 30 * 86_400
#: The shortest positive one: a microsecond. Shorter is no contact center's, and the rates of such
#: times (1 / mean) overflow the Erlang A formulas that staff, trap and erlang use.
MIN_SECONDS = 1e-6


def _not_vanishing(seconds: float) -> float:
    if 0 < seconds < MIN_SECONDS:
        raise ValueError(f"is below a microsecond ({MIN_SECONDS:g} s): no contact-center time is that short")
    return seconds


#: A duration in seconds, 0 allowed.
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS), AfterValidator(_not_vanishing)]
#: A duration in seconds that must be positive (a mean, a scale).
Positive = Annotated[float, Field(gt=0, le=MAX_SECONDS), AfterValidator(_not_vanishing)]
Cv = Annotated[float, Field(ge=MIN_CV, le=MAX_CV)]


def lognormal_sigma(cv: float) -> float:
    """The sd of log X for a log-normal X with this coefficient of variation (cv^2 = e^(sigma^2) - 1)."""
    return math.sqrt(math.log1p(cv**2))


def lognormal_mean_cv(mu: float, sigma: float) -> tuple[float, float]:
    """The mean and cv of a log-normal X whose log has mean ``mu`` and sd ``sigma``.

    The inverse of the parameters ``LogNormal`` derives: a fit on the log scale is written back in
    the mean and cv that scenarios state.
    """
    return math.exp(mu + sigma * sigma / 2), math.sqrt(math.expm1(sigma * sigma))


def gamma_shape(cv: float) -> float:
    """The shape k of a gamma distribution with this coefficient of variation (cv = 1 / sqrt(k))."""
    return 1.0 / cv**2


class Exponential(DistributionBase):
    """Memoryless times: the assumption behind Erlang C and A."""

    dist: Literal["exponential"]
    mean: Positive

    def sample(self, rng, size):
        return rng.exponential(self.mean, size)

    @property
    def expectation(self):
        return self.mean

    @property
    def variance(self):
        return self.mean**2

    def survival(self, t):
        return np.exp(-np.asarray(t, float) / self.mean)

    def remaining(self, rng, elapsed):
        """Memoryless: what is left is a fresh draw, whatever has elapsed."""
        return self.sample(rng, np.size(elapsed))


class Deterministic(DistributionBase):
    """Every draw equals ``mean``: for hand-checkable traces and scripted work."""

    dist: Literal["deterministic"]
    mean: Seconds

    def sample(self, rng, size):
        return np.full(size, float(self.mean))

    @property
    def expectation(self):
        return self.mean

    @property
    def variance(self):
        return 0.0

    def survival(self, t):
        return (np.asarray(t, float) < self.mean).astype(float)


class _ByMeanCv(DistributionBase):
    """A distribution stated by ``mean`` and ``cv``: its moments are what was written."""

    @property
    def expectation(self):
        return self.mean

    @property
    def variance(self):
        return (self.cv * self.mean) ** 2


class LogNormal(_ByMeanCv):
    """Right-skewed handle times; stated by mean and coefficient of variation as planners know them."""

    dist: Literal["lognormal"]
    mean: Positive
    cv: Cv

    @property
    def _sigma(self) -> float:
        return lognormal_sigma(self.cv)

    @property
    def _mu(self) -> float:
        return math.log(self.mean) - self._sigma**2 / 2

    def sample(self, rng, size):
        return rng.lognormal(self._mu, self._sigma, size)

    def survival(self, t):
        from scipy import stats  # scipy.stats takes a second to import: only for curves, never to sample

        return stats.lognorm.sf(np.asarray(t, float), self._sigma, scale=math.exp(self._mu))


class Gamma(_ByMeanCv):
    """Gamma by mean and cv: cv < 1 gives the hump-shaped handle times seen in ACD data."""

    dist: Literal["gamma"]
    mean: Positive
    cv: Cv

    @property
    def _shape(self) -> float:
        return gamma_shape(self.cv)

    def sample(self, rng, size):
        return rng.gamma(self._shape, self.mean / self._shape, size)

    def survival(self, t):
        from scipy import stats

        return stats.gamma.sf(np.asarray(t, float), self._shape, scale=self.mean / self._shape)


class Weibull(DistributionBase):
    """Weibull by shape and either mean or scale; shape < 1 means the impatient leave first."""

    dist: Literal["weibull"]
    shape: Annotated[float, Field(ge=0.1, le=1000)]  # 0.1 is a cv of 430; near 0.01 the gamma functions of the moments overflow
    mean: Positive | None = None
    scale: Positive | None = None

    @model_validator(mode="after")
    def _one_of_mean_scale(self):
        if (self.mean is None) == (self.scale is None):
            raise ValueError("give exactly one of mean or scale")
        return self

    @property
    def _scale(self) -> float:
        if self.scale is not None:
            return self.scale
        return self.mean / math.gamma(1 + 1 / self.shape)

    def sample(self, rng, size):
        return self._scale * rng.weibull(self.shape, size)

    @property
    def expectation(self):
        return self._scale * math.gamma(1 + 1 / self.shape)

    @property
    def variance(self):
        g1 = math.gamma(1 + 1 / self.shape)
        g2 = math.gamma(1 + 2 / self.shape)
        return self._scale**2 * (g2 - g1**2)

    def survival(self, t):
        return np.exp(-((np.maximum(np.asarray(t, float), 0) / self._scale) ** self.shape))


class Empirical(DistributionBase):
    """Resamples observed values (for example handle times exported from the ACD)."""

    dist: Literal["empirical"]
    values: Annotated[list[Seconds], Field(min_length=1)]

    def sample(self, rng, size):
        return rng.choice(np.asarray(self.values, float), size)

    @property
    def expectation(self):
        return float(np.mean(self.values))

    @property
    def variance(self):
        return float(np.var(self.values))

    def survival(self, t):
        v = np.sort(np.asarray(self.values, float))
        return 1.0 - np.searchsorted(v, np.asarray(t, float), side="right") / len(v)


class SurvivalCurve(DistributionBase):
    """Patience (or tolerance) given as points of its survival curve S(t) = P(patience > t).

    Between points S is linear. ``1 - S`` at the first point is the share who will not wait at all
    (patience 0); the last point's S is the share who never give up. This is how survey curves
    ("32% will not hold, 60% are gone by a minute") and Kaplan-Meier estimates are written down.
    """

    dist: Literal["survival_curve"]
    points: Annotated[list[tuple[Seconds, Annotated[float, Field(ge=0, le=1)]]], Field(min_length=1)]

    @model_validator(mode="after")
    def _monotone(self):
        times = [p[0] for p in self.points]
        surv = [p[1] for p in self.points]
        if any(b <= a for a, b in zip(times, times[1:])):
            raise ValueError("points must have strictly increasing times")
        if any(b > a for a, b in zip(surv, surv[1:])):
            raise ValueError("survival must not increase from one point to the next")
        return self

    @property
    def never_abandon_share(self) -> float:
        return self.points[-1][1]

    def sample(self, rng, size):
        t = np.array([p[0] for p in self.points], float)
        s = np.array([p[1] for p in self.points], float)
        u = rng.random(size)
        out = np.full(size, np.inf)
        out[u >= s[0]] = t[0]
        mid = (u < s[0]) & (u >= s[-1])
        # np.interp needs increasing x: interpolate time as a function of -S.
        out[mid] = np.interp(-u[mid], -s, t)
        return out

    @property
    def expectation(self):
        if self.never_abandon_share > 0:
            return math.inf
        t = np.array([0.0] + [p[0] for p in self.points])
        s = np.array([self.points[0][1]] + [p[1] for p in self.points])
        if self.points[0][0] == 0:
            t, s = t[1:], s[1:]
        return float(np.trapezoid(s, t))

    @property
    def variance(self):
        if self.never_abandon_share > 0:
            return math.inf
        draws = self.sample(np.random.default_rng(0), 200_000)
        return float(np.var(draws))

    def survival(self, t):
        tt = np.asarray(t, float)
        pts_t = np.array([p[0] for p in self.points], float)
        pts_s = np.array([p[1] for p in self.points], float)
        inside = np.interp(tt, pts_t, pts_s)
        return np.where(tt < pts_t[0], 1.0 if pts_t[0] > 0 else pts_s[0], inside)


Distribution = Annotated[
    Union[Exponential, Deterministic, LogNormal, Gamma, Weibull, Empirical, SurvivalCurve],
    Field(discriminator="dist"),
]

#: The survey curve of DOMAIN.md (Velaro, >2,500 consumers): 32% expect no hold at all, ~60%
#: are gone by one minute, ~4% wait as long as it takes. Points beyond 60 s are our assumption:
#: the remaining impatient customers thin out roughly geometrically over the next ten minutes.
ONE_MINUTE_POINTS: list[tuple[float, float]] = [
    (0.0, 0.68),
    (15.0, 0.60),
    (30.0, 0.52),
    (60.0, 0.40),
    (120.0, 0.26),
    (180.0, 0.18),
    (300.0, 0.11),
    (600.0, 0.04),
]

PRESETS: dict[str, dict] = {
    "one_minute": {"dist": "survival_curve", "points": ONE_MINUTE_POINTS},
}


def expand_preset(value):
    """Turn ``one_minute`` or ``{preset: one_minute}`` into the curve it names (before validation)."""
    name = value if isinstance(value, str) else value.get("preset") if isinstance(value, dict) and "preset" in value else None
    if name is None:
        return value
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})")
    extra = {k: v for k, v in value.items() if k != "preset"} if isinstance(value, dict) else {}
    if extra:
        raise ValueError(f"a preset takes no other keys (got {', '.join(extra)})")
    return dict(PRESETS[name])


__all__ = [
    "Distribution",
    "Exponential",
    "Deterministic",
    "LogNormal",
    "Gamma",
    "Weibull",
    "Empirical",
    "SurvivalCurve",
    "PRESETS",
    "ONE_MINUTE_POINTS",
    "MAX_CV",
    "MIN_CV",
    "MAX_SECONDS",
    "Seconds",
    "expand_preset",
    "gamma_shape",
    "lognormal_mean_cv",
    "lognormal_sigma",
]
