"""Erlang B, C and A: the analytic staffing models beside the simulation.

Why this module exists: planners staff with these formulas, and the simulator has to be judged
against them (and they against it). The formulas are exact for their assumptions and are
computed in log space through the regularised incomplete gamma function, so they stay finite and
accurate from 1 to 100,000 agents and for loads far above the staffing, at a few microseconds
per call. No SimPy here: this module is pure numerics (math, numpy, scipy).

Units: arrival rates are per hour at the public surface (the planner's unit), every time is in
seconds (`aht_s`, `sl_seconds`, `patience_s`), offered load is in Erlang (= arrival rate x AHT).

Three layers, from low to high:

* scalar kernels with the textbook names: `erlang_b`, `erlang_c`, `erlang_c_service_level`,
  `erlang_c_asa_s`, `erlang_a` (these take an offered load in Erlang and raise `UnstableError`
  when Erlang C has no steady state);
* `measures(model, arrival_rate_per_hour, aht_s, agents, sl_seconds, patience_s)`, the one call
  a CLI or a report makes: it never raises for an unstable Erlang C but returns an
  `ErlangResult` with ``stable=False`` (p_wait 1, service level 0, ASA infinite), and
  `ErlangResult.to_dict()` turns infinities into None so the result is valid JSON;
* solvers: `solve_agents` (fewest agents meeting any mix of targets, with shrinkage and an
  occupancy ceiling), `solve_day` (a day of intervals), the square-root staffing rule.

Notation used in the comments: n agents, A = lambda * AHT offered load, r = patience / AHT
(patience measured in service times), a = n * r, y = A * r. For Erlang A (M/M/n+M) the
stationary chain above n is pi_{n+k} = pi_n * prod_{i=1..k} y / (a + i), so everything reduces
to the series J(s, y) = sum_k y^k / ((s+1)(s+2)...(s+k)) = Gamma(s+1) e^y y^-s P(s, y), with P the
regularised lower incomplete gamma function (Mandelbaum & Zeltyn's A(x, y) is J(x, y)).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
from scipy import special

__all__ = [
    "MAX_AGENTS",
    "ErlangResult",
    "InfeasibleTargetError",
    "Model",
    "StaffingResult",
    "UnstableError",
    "calls_to_rate_per_hour",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa_s",
    "erlang_c_service_level",
    "halfin_whitt_beta",
    "halfin_whitt_p_wait",
    "measures",
    "offered_load",
    "scheduled_agents",
    "solve_agents",
    "solve_day",
    "square_root_staffing",
]

Model = Literal["B", "C", "A"]
_MODELS = ("B", "C", "A")

#: The solvers never look beyond this many agents; a target still unmet there raises
#: `InfeasibleTargetError` instead of searching forever. A million agents is far above any
#: single queue, and every formula here is still exact and fast at that size.
MAX_AGENTS = 1_000_000

# Routes for J(s, y), chosen for accuracy first and speed second:
# * closed form through scipy's regularised incomplete gamma where it is accurate (relative
#   error ~1e-14 by comparison with 40-digit mpmath);
# * scipy's P(s, y) loses digits for s above ~1e5 with y below the uniform-asymptotic zone
#   (1e-3 relative at s = 1e7, y = s - 10 sqrt(s)), so there a Gauss-Legendre quadrature of an
#   integral form of J is used instead (_j_quadrature);
# * where P(s, y) is tiny (would underflow) for moderate s, the direct series, which converges
#   fast there.
# The two non-closed routes also give the moments for abandonment and ASA without cancellation.
_SERIES_BELOW = 1e-60
_QUADRATURE_FROM_S = 5e4
_LOG_2PI = math.log(2.0 * math.pi)
# Targets are compared with this slack so that a value computed as 0.79999999999999 still meets
# a target of 0.8 (the formulas are accurate to ~1e-13, far below any planning tolerance).
_TARGET_SLACK = 1e-12


class UnstableError(ValueError):
    """Erlang C has no steady state: offered load >= agents, so the queue grows without bound.

    A ValueError so that callers treating bad input generically still catch it; the CLI-friendly
    path that does not raise is `measures`, which returns a result with ``stable=False``.
    """


class InfeasibleTargetError(ValueError):
    """A staffing target cannot be met (e.g. a 100% service level) within the agent cap."""


# --------------------------------------------------------------------------------------------
# log-space kernels
# --------------------------------------------------------------------------------------------


def _d_minus_log1p(d: float) -> float:
    """d - log(1 + d) >= 0, accurate also for small |d| where the subtraction would cancel."""
    ad = abs(d)
    if ad < 0.1:
        # d^2 * sum_m (-d)^m / (m + 2) in Horner form, with enough terms for 1e-18 relative.
        acc = 0.0
        for m in range(17 if ad > 0.01 else (8 if ad > 1e-4 else 4), -1, -1):
            acc = 1.0 / (m + 2) - d * acc
        return d * d * acc
    return d - math.log1p(d)


def _logaddexp(x: float, y: float) -> float:
    """log(e^x + e^y) for floats, without numpy's per-call overhead."""
    if x < y:
        x, y = y, x
    if y == -math.inf:
        return x
    return x + math.log1p(math.exp(y - x))


def _stirling_error(s: float) -> float:
    """lgamma(s + 1) - [(s + 0.5) ln s - s + 0.5 ln 2 pi], the small remainder of Stirling."""
    if s < 10.0:
        return math.lgamma(s + 1.0) - (s + 0.5) * math.log(s) + s - 0.5 * _LOG_2PI
    s2 = 1.0 / (s * s)
    return (1.0 / 12 - s2 * (1.0 / 360 - s2 * (1.0 / 1260 - s2 * (1.0 / 1680 - s2 / 1188)))) / s


def _log_prefactor(s: float, x: float) -> float:
    """log(Gamma(s + 1) e^x x^-s) for s, x > 0.

    Written as 0.5 ln(2 pi s) + stirling error + s (d - log1p d) with d = (x - s) / s, because
    the naive lgamma(s+1) + x - s ln x cancels to a small number from terms of size s ln s, which
    would cost seven digits at s = 1e7.
    """
    if s < 10.0:
        return math.lgamma(s + 1.0) + x - s * math.log(x)
    return 0.5 * (_LOG_2PI + math.log(s)) + _stirling_error(s) + s * _d_minus_log1p((x - s) / s)


@dataclass(frozen=True)
class _JParts:
    """log J(s, y) and, when the route gives them cheaply and exactly, two moments of its terms.

    ``s1_ratio`` = sum k t_k / sum t_k (mean queue position; gives abandonment without
    cancellation) and ``mean_log`` = 1/s - d/ds log J(s, y) (gives the ASA). None on the closed
    route, where they follow from J itself.
    """

    log_j: float
    s1_ratio: float | None = None
    mean_log: float | None = None


def _terms_needed(ell: float, scale: float) -> int:
    """Terms until a series with log t_k ~ -k ell - k^2 / (2 scale) falls below e^-41 ~ 1e-18."""
    return int(scale * (math.sqrt(ell * ell + 82.0 / scale) - ell)) + 16


def _j_series(s: float, y: float) -> _JParts:
    """J(s, y) = sum_k t_k with t_k = t_{k-1} * y / (s + k) summed directly, for y < s.

    Also sum k t_k and sum t_k H_k with H_k = sum_{i<=k} 1/(s+i) = -d/ds log t_k. Vectorised:
    the number of terms is estimated first, so one numpy pass usually suffices; the factors
    decrease, so the tail after term t_K is bounded by a geometric series, checked before return.
    """
    s0, s1, sh, last, h_last = 1.0, 0.0, 0.0, 1.0, 0.0
    start, chunk = 1, _terms_needed(math.log(s / y), s)
    while True:
        k = np.arange(start, start + chunk, dtype=float)
        inv = 1.0 / (s + k)
        t = last * np.cumprod(y * inv)
        h = h_last + np.cumsum(inv)
        s0 += float(t.sum())
        s1 += float(k @ t)
        sh += float(t @ h)
        last, h_last = float(t[-1]), float(h[-1])
        start += chunk
        ratio = y / (s + start)
        if ratio < 1.0:
            geometric = ratio / (1.0 - ratio)
            tail = last * geometric * (1.0 + start + geometric)  # bounds the S0 and S1 tails
            if tail <= 1e-17 * s0 or last == 0.0:
                return _JParts(math.log(s0), s1 / s0, 1.0 / s + sh / s0)
        chunk = max(64, chunk)


# Gauss-Legendre rule on [0, 48] for integrals against e^-w: the neglected tail is < e^-48.
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)
_GL_NODES = 24.0 * (_GL_NODES + 1.0)
_GL_WEIGHTS = 24.0 * _GL_WEIGHTS


def _j_quadrature(s: float, y: float) -> _JParts:
    """J(s, y) for large s and y <= s - 4.5 sqrt(s), by quadrature.

    J(s, y) = s int_0^1 (1-u)^(s-1) e^(yu) du. With w = (s-1-y) u the integrand becomes
    e^-w exp(h(w)), h = (s-1)(log(1-u) + u) <= 0, a smooth factor on the scale
    (s-1-y)/sqrt(s) >= 4.5, so 64 Legendre nodes on [0, 48] give full double precision.
    Differentiating under the integral gives the moments: sum k t_k / J = y E[u] and
    1/s - d/ds log J = E[-log(1-u)], expectations under the weight e^-w e^h.
    """
    cy = s - 1.0 - y
    u = _GL_NODES / cy
    log_1mu = np.log1p(-u)
    f = _GL_WEIGHTS * np.exp((s - 1.0) * (log_1mu + u) - _GL_NODES)
    i0 = float(f.sum())
    return _JParts(math.log(s / cy) + math.log(i0), y * float(f @ u) / i0, -float(f @ log_1mu) / i0)


def _j_parts(s: float, y: float) -> _JParts:
    """log J(s, y) = log sum_k y^k / ((s+1)...(s+k)) for s > 0, y >= 0, by the accurate route."""
    if y <= 0.0:
        return _JParts(0.0, 0.0, 1.0 / s)
    if s >= _QUADRATURE_FROM_S and y <= s - 4.5 * math.sqrt(s):
        return _j_quadrature(s, y)
    p = float(special.gammainc(s, y))
    if p > _SERIES_BELOW:
        return _JParts(_log_prefactor(s, y) + math.log(p))
    return _j_series(s, y)


def _log_j(s: float, y: float) -> float:
    return _j_parts(s, y).log_j


def _dlog_j_ds(s: float, y: float) -> float:
    """d/ds log J(s, y) by a 5-point central difference (error ~1e-11 relative).

    log J is smooth in s on the scale sqrt(s), so the step 1e-3 sqrt(s) balances truncation
    (h^4) and rounding (eps / h). Only used on the closed route, where no moments come free.
    """
    h = 1e-3 * math.sqrt(max(s, 1.0))
    f = [_log_j(s + m * h, y) for m in (-2.0, -1.0, 1.0, 2.0)]
    return (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h)


def _log_inv_erlang_b(n: int, load: float) -> float:
    """log(1 / B(n, A)) = log sum_{k<=n} (A^k / k!) / (A^n / n!), for n >= 1 and A > 0.

    Closed form: 1/B = Gamma(n+1) e^A A^-n Q(n+1, A), Q the regularised upper incomplete gamma
    (sum_{k<=n} A^k/k! = e^A Q(n+1, A)). When Q is tiny (A far above n) the finite series
    sum_k n!/((n-k)! A^k) converges geometrically instead.
    """
    q = float(special.gammaincc(n + 1, load))
    if q > _SERIES_BELOW:
        return _log_prefactor(float(n), load) + math.log(q)
    total, last, start = 1.0, 1.0, 1
    chunk = _terms_needed(math.log(load / n), float(n))
    while start <= n:
        k = np.arange(start, min(start + chunk, n + 1), dtype=float)
        t = last * np.cumprod((n - k + 1.0) / load)
        total += float(t.sum())
        last = float(t[-1])
        start += k.size
        ratio = (n - start + 1.0) / load
        if last * ratio / (1.0 - ratio) <= 1e-17 * total or last == 0.0:
            break
        chunk = max(64, chunk)
    return math.log(total)


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


def _check_agents(agents: Any) -> int:
    if isinstance(agents, bool) or not isinstance(agents, (int, np.integer)):
        if isinstance(agents, float) and agents.is_integer():
            agents = int(agents)
        else:
            raise ValueError(f"agents must be a whole number, got {agents!r}")
    if agents < 0:
        raise ValueError(f"agents must be >= 0, got {agents}")
    return int(agents)


def _check_nonneg(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _check_positive(name: str, value: float, allow_inf: bool = False) -> float:
    value = float(value)
    if math.isnan(value) or value <= 0.0 or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be a {'' if allow_inf else 'finite '}number > 0, got {value}")
    return value


def _check_patience(model: str, patience_s: float | None) -> float | None:
    """Model A needs a mean patience (inf allowed: Erlang C under the name A); B and C take none."""
    if model == "A":
        if patience_s is None:
            raise ValueError("model A needs patience_s, the mean time a caller waits before hanging up")
        return _check_positive("patience_s", patience_s, allow_inf=True)
    if patience_s is not None:
        raise ValueError(f"patience_s only applies to model A, not {model}")
    return None


def offered_load(arrival_rate_per_hour: float, aht_s: float) -> float:
    """Offered load in Erlang: arrivals per hour x AHT in hours, the work the queue must absorb."""
    return _check_nonneg("arrival_rate_per_hour", arrival_rate_per_hour) * _check_positive("aht_s", aht_s) / 3600.0


def calls_to_rate_per_hour(calls: float, interval_minutes: float) -> float:
    """Arrival rate per hour from a volume per interval (e.g. 100 calls per 30 min -> 200/h)."""
    return _check_nonneg("calls", calls) * 60.0 / _check_positive("interval_minutes", interval_minutes)


def _unstable_message(load: float, agents: int) -> str:
    return (
        f"offered load {load:.6g} Erlang >= {agents} agents: "
        "the queue grows without bound under Erlang C"
    )


# --------------------------------------------------------------------------------------------
# Erlang B and C scalar kernels
# --------------------------------------------------------------------------------------------


def erlang_b(agents: int, offered_load: float) -> float:
    """Blocking probability of the loss system M/M/n/n (Erlang B).

    Why: trunk and line sizing, and the building block of Erlang C and A. Exact for any n via the
    incomplete gamma function in log space; no factorials, no O(n) recursion.
    """
    n = _check_agents(agents)
    load = _check_nonneg("offered_load", offered_load)
    if load == 0.0:
        return 0.0
    if n == 0:
        return 1.0
    return math.exp(-_log_inv_erlang_b(n, load))


def _log_erlang_c(n: int, load: float) -> float:
    # 1/C = (1 - rho)/B + rho with rho = A/n < 1; both terms positive, so no cancellation.
    rho = load / n
    return -_logaddexp(math.log1p(-rho) + _log_inv_erlang_b(n, load), math.log(rho))


def erlang_c(agents: int, offered_load: float) -> float:
    """Probability that an arriving contact waits in M/M/n (Erlang C).

    Raises UnstableError when offered_load >= agents: there is no steady state, and any finite
    number would be nonsense. Use `measures` for a result flagged unstable instead.
    """
    n = _check_agents(agents)
    load = _check_nonneg("offered_load", offered_load)
    if load == 0.0:
        return 0.0
    if load >= n:
        raise UnstableError(_unstable_message(load, n))
    return math.exp(_log_erlang_c(n, load))


def erlang_c_service_level(agents: int, offered_load: float, aht_s: float, sl_seconds: float) -> float:
    """Share of contacts answered within sl_seconds in M/M/n: 1 - C exp(-(n - A) T / AHT).

    The waiting time of those who wait is exponential with rate (n - A)/AHT, hence the formula.
    """
    aht = _check_positive("aht_s", aht_s)
    t = _check_nonneg("sl_seconds", sl_seconds)
    c = erlang_c(agents, offered_load)
    return 1.0 - c * math.exp(-(agents - offered_load) * t / aht) if c > 0.0 else 1.0


def erlang_c_asa_s(agents: int, offered_load: float, aht_s: float) -> float:
    """Average speed of answer in M/M/n, seconds: C * AHT / (n - A).

    In Erlang C nobody abandons, so this is both the mean wait of answered and of all contacts.
    """
    aht = _check_positive("aht_s", aht_s)
    c = erlang_c(agents, offered_load)
    return c * aht / (agents - offered_load) if c > 0.0 else 0.0


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


def _json_float(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class ErlangResult:
    """Steady-state measures of one queue under one Erlang model, with the inputs that made them.

    Conventions, so that B, C and A share one table:

    * ``p_wait``: share of contacts that find all agents busy and queue (0 in Erlang B, where
      they are blocked instead; see ``p_block``).
    * ``service_level``: share of *offered* contacts answered within ``sl_seconds``; contacts
      that abandon (A) or are blocked (B) count as not answered, even if they left before T.
    * ``asa_seconds``: mean wait of answered contacts (zero waits included); NaN (None in
      `to_dict`) when nobody is answered, i.e. Erlang A with 0 agents.
    * ``mean_wait_seconds``: mean time in queue over all contacts, abandoners included.
    * ``occupancy``: carried load / agents (A / n in Erlang C).
    * ``stable``: False only for Erlang C with load >= agents; then p_wait = 1,
      service_level = 0, occupancy = 1 and the waits and queue are ``inf`` (None in `to_dict`).
    """

    model: str
    agents: int
    arrival_rate_per_hour: float
    aht_s: float
    sl_seconds: float
    patience_s: float | None
    offered_load: float
    p_wait: float
    service_level: float
    asa_seconds: float
    p_abandon: float
    mean_wait_seconds: float
    mean_queue_length: float
    occupancy: float
    p_block: float
    stable: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: every non-finite float (inf waits of an unstable queue) becomes None."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            out[key] = _json_float(value) if isinstance(value, float) else value
        return out


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def _result(model: str, n: int, rate_h: float, aht: float, t: float, patience: float | None, load: float, **m: Any) -> ErlangResult:
    return ErlangResult(
        model=model, agents=n, arrival_rate_per_hour=rate_h, aht_s=aht, sl_seconds=t,
        patience_s=patience, offered_load=load, **m,
    )


def _measures_b(n: int, load: float) -> dict[str, Any]:
    b = 0.0 if load == 0.0 else (1.0 if n == 0 else math.exp(-_log_inv_erlang_b(n, load)))
    carried = load * (1.0 - b)
    return dict(
        p_wait=0.0, service_level=1.0 - b, asa_seconds=0.0, p_abandon=0.0, mean_wait_seconds=0.0,
        mean_queue_length=0.0, occupancy=carried / n if n else 0.0, p_block=b, stable=True,
    )


def _measures_c(n: int, load: float, aht: float, t: float) -> dict[str, Any]:
    if load == 0.0:
        return dict(
            p_wait=0.0, service_level=1.0, asa_seconds=0.0, p_abandon=0.0, mean_wait_seconds=0.0,
            mean_queue_length=0.0, occupancy=0.0, p_block=0.0, stable=True,
        )
    if load >= n:
        return dict(
            p_wait=1.0, service_level=0.0, asa_seconds=math.inf, p_abandon=0.0,
            mean_wait_seconds=math.inf, mean_queue_length=math.inf, occupancy=1.0, p_block=0.0,
            stable=False,
        )
    c = math.exp(_log_erlang_c(n, load))
    gap = n - load
    asa = c * aht / gap
    return dict(
        p_wait=c, service_level=_clip01(1.0 - c * math.exp(-gap * t / aht)), asa_seconds=asa,
        p_abandon=0.0, mean_wait_seconds=asa, mean_queue_length=c * load / gap,
        occupancy=load / n, p_block=0.0, stable=True,
    )


def _measures_a(n: int, load: float, aht: float, t: float, patience: float, with_asa: bool = True) -> dict[str, Any]:
    """Erlang A (M/M/n+M, Palm) measures from the exact stationary distribution.

    Offered wait V (the wait of a customer with infinite patience) has, given V > 0,
    P(V > v) = P(a, y e^{-v/patience}) / P(a, y) (Mandelbaum & Zeltyn). A customer with
    exponential patience tau is answered iff V <= tau, which gives in closed form (u = J(a+1, y)):

    * P(answered | wait) = a / ((a + 1)/u + y),
    * P(answered, V > T | wait) = a/(a+1) e^{-T/pat - nT/AHT + y(1 - e^{-T/pat})} J(a+1, z)/J(a, y),
      z = y e^{-T/pat},
    * E[V | answered, wait] = pat (1/s - d/ds log J(s, y)) at s = a + 1, because given an
      answer V = pat log(y / Z) with Z ~ Gamma(s) truncated to (0, y).
    """
    if load == 0.0:
        return dict(
            p_wait=0.0, service_level=1.0, asa_seconds=0.0, p_abandon=0.0, mean_wait_seconds=0.0,
            mean_queue_length=0.0, occupancy=0.0, p_block=0.0, stable=True,
        )
    lam = load / aht  # arrivals per second
    if n == 0:
        # Nobody is ever answered: every contact waits until its patience runs out.
        return dict(
            p_wait=1.0, service_level=0.0, asa_seconds=math.nan, p_abandon=1.0,
            mean_wait_seconds=patience, mean_queue_length=lam * patience, occupancy=0.0,
            p_block=0.0, stable=True,
        )
    r = patience / aht
    a, y = n * r, load * r
    log_inv_b = _log_inv_erlang_b(n, load)       # log sum_{k<n+1} pi_k / pi_n
    parts = _j_parts(a + 1.0, y)                 # u = J(a+1, y)
    log_u = parts.log_j
    log_j1 = math.log(y / (a + 1.0)) + log_u     # J(a, y) - 1 = sum_{k>=1} pi_{n+k} / pi_n
    log_j = _logaddexp(0.0, log_j1)              # J(a, y)   = sum_{k>=0} pi_{n+k} / pi_n
    p_wait = math.exp(log_j - _logaddexp(log_inv_b, log_j1))
    inv_u = math.exp(-log_u)
    p_answered_w = a / ((a + 1.0) * inv_u + y)
    if parts.s1_ratio is not None:
        # 1 - P(answered | wait) = sum_k (k+1) t_k / (a + 1 + y u): no cancellation when small.
        p_abandon_w = (1.0 + parts.s1_ratio) / ((a + 1.0) * inv_u + y)
    else:
        p_abandon_w = max(0.0, 1.0 - p_answered_w)
    p_abandon = _clip01(p_wait * p_abandon_w)

    if t > 0.0:
        z = y * math.exp(-t / patience)
        log_late = (
            math.log(a / (a + 1.0)) - t / patience - n * t / aht - y * math.expm1(-t / patience)
            + _log_j(a + 1.0, z) - log_j
        )
        answered_within_w = max(0.0, p_answered_w - math.exp(log_late))
    else:
        answered_within_w = 0.0
    service_level = _clip01((1.0 - p_wait) + p_wait * answered_within_w)

    asa = math.nan
    if with_asa:
        s = a + 1.0
        mean_log = parts.mean_log if parts.mean_log is not None else 1.0 / s - _dlog_j_ds(s, y)
        mean_v_answered_w = max(0.0, patience * mean_log)
        asa = p_wait * p_answered_w * mean_v_answered_w / (1.0 - p_abandon)

    mean_wait = p_abandon * patience  # E[min(V, tau)] = P(abandon) / theta for exponential tau
    return dict(
        p_wait=_clip01(p_wait), service_level=service_level, asa_seconds=asa, p_abandon=p_abandon,
        mean_wait_seconds=mean_wait, mean_queue_length=lam * mean_wait,  # Little's law
        occupancy=min(1.0, load * (1.0 - p_abandon) / n), p_block=0.0, stable=True,
    )


def erlang_a(agents: int, offered_load: float, aht_s: float, patience_s: float, sl_seconds: float = 0.0) -> ErlangResult:
    """All Erlang A (M/M/n+M) measures for an offered load in Erlang and exponential patience.

    Why a result and not a scalar: abandonment, service level and the two mean waits of Erlang A
    come out of one stationary distribution and only make sense together. Stable for any load.
    ``patience_s=inf`` gives Erlang C (and its instability) under the model name "A".
    """
    n = _check_agents(agents)
    load = _check_nonneg("offered_load", offered_load)
    aht = _check_positive("aht_s", aht_s)
    patience = _check_positive("patience_s", patience_s, allow_inf=True)
    t = _check_nonneg("sl_seconds", sl_seconds)
    rate_h = load * 3600.0 / aht
    if math.isinf(patience):
        return _result("A", n, rate_h, aht, t, patience, load, **_measures_c(n, load, aht, t))
    return _result("A", n, rate_h, aht, t, patience, load, **_measures_a(n, load, aht, t, patience))


def measures(
    model: Model,
    arrival_rate_per_hour: float,
    aht_s: float,
    agents: int,
    sl_seconds: float,
    patience_s: float | None = None,
) -> ErlangResult:
    """Steady-state measures of one queue: the single entry point for the CLI and reports.

    Never raises for an overloaded Erlang C: the result says ``stable=False`` so that a table of
    intervals can show the overloaded ones instead of aborting. Raises ValueError for bad input
    (unknown model, negative numbers, missing patience for model A).
    """
    if model not in _MODELS:
        raise ValueError(f"model must be one of {', '.join(_MODELS)}, got {model!r}")
    n = _check_agents(agents)
    rate_h = _check_nonneg("arrival_rate_per_hour", arrival_rate_per_hour)
    aht = _check_positive("aht_s", aht_s)
    t = _check_nonneg("sl_seconds", sl_seconds)
    load = rate_h * aht / 3600.0
    patience = _check_patience(model, patience_s)
    if model == "A":
        m = _measures_c(n, load, aht, t) if math.isinf(patience) else _measures_a(n, load, aht, t, patience)
        return _result("A", n, rate_h, aht, t, patience, load, **m)
    m = _measures_b(n, load) if model == "B" else _measures_c(n, load, aht, t)
    return _result(model, n, rate_h, aht, t, None, load, **m)


# --------------------------------------------------------------------------------------------
# staffing rules of thumb
# --------------------------------------------------------------------------------------------


def square_root_staffing(offered_load: float, beta: float) -> int:
    """Agents by the square-root rule N = ceil(R + beta sqrt(R)), R the offered load in Erlang.

    Why: the Halfin-Whitt rule explains economies of scale (safety staff grows like sqrt(R));
    it understates delay for small teams, so the solvers use it only as a starting guess.
    """
    load = _check_nonneg("offered_load", offered_load)
    return max(0, math.ceil(load + float(beta) * math.sqrt(load) - 1e-9))


def halfin_whitt_p_wait(beta: float) -> float:
    """Limit probability of waiting under N = R + beta sqrt(R): 1 / (1 + beta Phi(beta) / phi(beta))."""
    beta = _check_positive("beta", beta)
    log_ratio = float(special.log_ndtr(beta)) + 0.5 * beta * beta + 0.5 * _LOG_2PI  # log Phi/phi
    return float(special.expit(-(math.log(beta) + log_ratio)))  # 1/(1 + e^x) without overflow


def halfin_whitt_beta(p_wait: float) -> float:
    """The beta for which the Halfin-Whitt limit gives this probability of waiting (0 < p < 1)."""
    p = float(p_wait)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p_wait must be strictly between 0 and 1, got {p}")
    from scipy import optimize  # a tenth of a second to import, for this function alone: staff and trap never need it

    return float(optimize.brentq(lambda b: halfin_whitt_p_wait(b) - p, 1e-12, 40.0, xtol=1e-12))


def scheduled_agents(required_agents: int, shrinkage: float) -> int:
    """Agents to schedule so that `required_agents` are available: ceil(required / (1 - shrinkage)).

    Shrinkage (breaks, meetings, training, sickness) is the share of paid time an agent is not
    available; 30-35% is common. The 1e-9 slack keeps 14 / 0.7 = 20.000000000000004 at 20.
    """
    s = float(shrinkage)
    if not 0.0 <= s < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {s}")
    return math.ceil(required_agents / (1.0 - s) - 1e-9)


# --------------------------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingResult:
    """Answer of `solve_agents`: agents needed on the phones, agents to schedule, and the queue.

    ``required_agents`` is the smallest staffing meeting every target; ``binding`` names what
    fails with one agent fewer: "service_level", "asa_seconds", "p_abandon", "p_block",
    "max_occupancy", or "stable" (Erlang C needs more agents than Erlang of load). Empty only
    when no agents are needed. ``result`` holds the measures at ``required_agents``.
    """

    model: str
    required_agents: int
    scheduled_agents: int
    shrinkage: float
    targets: dict[str, float] = field(default_factory=dict)
    binding: tuple[str, ...] = ()
    result: ErlangResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; the queue measures are nested under "result"."""
        return {
            "model": self.model,
            "required_agents": self.required_agents,
            "scheduled_agents": self.scheduled_agents,
            "shrinkage": self.shrinkage,
            "targets": dict(self.targets),
            "binding": list(self.binding),
            "result": self.result.to_dict() if self.result is not None else None,
        }


def _share_ceiling(name: str, value: float, never_zero: str) -> float:
    """A target that caps a share (abandonment, blocking): in [0, 1], and never 0, which no staffing reaches."""
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {v}")
    if v == 0.0:
        raise InfeasibleTargetError(never_zero)
    return v


def _check_targets(
    model: str,
    target_sl: float | None,
    target_asa_s: float | None,
    target_abandon: float | None,
    target_block: float | None,
    max_occupancy: float | None,
    sl_seconds: float,
) -> dict[str, float]:
    targets: dict[str, float] = {}
    if target_sl is not None:
        v = float(target_sl)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"target_sl is a share of contacts and must be in [0, 1], got {v}")
        if v >= 1.0:
            raise InfeasibleTargetError(
                "a 100% service level is never reached by a queue with random arrivals "
                f"(not even with T = {sl_seconds:g} s); use a target below 1, e.g. 0.99"
            )
        targets["service_level"] = v
    if target_asa_s is not None:
        if model == "B":
            raise ValueError("Erlang B has no queue, hence no ASA target; use target_block or target_sl")
        v = float(target_asa_s)
        if math.isnan(v) or v < 0.0:
            raise ValueError(f"target_asa_s must be >= 0 seconds, got {v}")
        if v == 0.0:
            raise InfeasibleTargetError("an ASA of 0 s is never reached: someone always waits a little; use a target > 0")
        targets["asa_seconds"] = v
    if target_abandon is not None:
        if model != "A":
            raise ValueError(f"Erlang {model} has no abandonment; use model A with a patience for an abandon target")
        targets["p_abandon"] = _share_ceiling(
            "target_abandon", target_abandon, "an abandon rate of 0 is never reached with finite patience; use a target > 0"
        )
    if target_block is not None:
        if model != "B":
            raise ValueError("target_block applies to Erlang B only")
        targets["p_block"] = _share_ceiling("target_block", target_block, "a blocking probability of 0 is never reached; use a target > 0")
    if max_occupancy is not None:
        v = float(max_occupancy)
        if not 0.0 < v <= 1.0:
            raise ValueError(f"max_occupancy must be in (0, 1], got {v}")
        targets["max_occupancy"] = v
    if not targets:
        raise ValueError("give at least one target: target_sl, target_asa_s, target_abandon, target_block or max_occupancy")
    return targets


def _failing(model: str, n: int, load: float, aht: float, t: float, patience: float | None, targets: dict[str, float]) -> list[str]:
    """Names of the targets that n agents miss (empty list: n meets them all)."""
    if model == "B":
        m = _measures_b(n, load)
    elif model == "C" or patience is None or math.isinf(patience):
        m = _measures_c(n, load, aht, t)
        if not m["stable"]:
            return ["stable"]
    else:
        m = _measures_a(n, load, aht, t, patience, with_asa="asa_seconds" in targets)
    bad = []
    if "service_level" in targets and m["service_level"] < targets["service_level"] - _TARGET_SLACK:
        bad.append("service_level")
    if "asa_seconds" in targets and not m["asa_seconds"] <= targets["asa_seconds"] * (1 + _TARGET_SLACK):
        bad.append("asa_seconds")
    if "p_abandon" in targets and m["p_abandon"] > targets["p_abandon"] + _TARGET_SLACK:
        bad.append("p_abandon")
    if "p_block" in targets and m["p_block"] > targets["p_block"] + _TARGET_SLACK:
        bad.append("p_block")
    return bad


def _smallest_meeting(meets, floor: int, guess: int, cap: int) -> int:
    """Smallest n in [floor, cap] with meets(n), for a predicate monotone in n.

    Gallops from the guess (square-root staffing) in steps that double, then bisects, so the
    cost is O(log distance) evaluations even at 100,000 agents. Raises InfeasibleTargetError
    when even `cap` agents do not meet the targets.
    """
    if meets(floor):
        return floor
    bad = floor
    step = max(1, int(math.sqrt(max(guess, 1)) / 4))
    n = min(cap, max(guess, floor + 1))
    if meets(n):
        good = n
        probe = good - step
        while probe > bad:
            if meets(probe):
                good = probe
                step *= 2
                probe = good - step
            else:
                bad = probe
                break
    else:
        bad = n
        while True:
            if n >= cap:
                raise InfeasibleTargetError(f"targets not met even with {cap} agents (the solver's cap)")
            n = min(cap, n + step)
            step *= 2
            if meets(n):
                good = n
                break
            bad = n
    while good - bad > 1:
        mid = (good + bad) // 2
        if meets(mid):
            good = mid
        else:
            bad = mid
    return good


def solve_agents(
    model: Model,
    arrival_rate_per_hour: float,
    aht_s: float,
    sl_seconds: float,
    target_sl: float | None = None,
    target_asa_s: float | None = None,
    target_abandon: float | None = None,
    patience_s: float | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    *,
    target_block: float | None = None,
    max_agents: int = MAX_AGENTS,
) -> StaffingResult:
    """Fewest agents meeting every given target, and the head count to schedule after shrinkage.

    Targets (any mix; all must hold): ``target_sl`` share answered within ``sl_seconds`` (B: share
    not blocked), ``target_asa_s`` (C, A), ``target_abandon`` (A), ``target_block`` (B), and
    ``max_occupancy``, read as the floor N >= A / max_occupancy on the offered load.
    Every measure is monotone in the number of agents, so the smallest N is found by galloping
    from the square-root staffing guess and bisecting: tens of evaluations even at 20,000 agents.
    No arrivals need no agents (required 0). Raises InfeasibleTargetError for a target that no
    staffing meets (100% service level, ASA 0) or that needs more than ``max_agents``.
    """
    if model not in _MODELS:
        raise ValueError(f"model must be one of {', '.join(_MODELS)}, got {model!r}")
    rate_h = _check_nonneg("arrival_rate_per_hour", arrival_rate_per_hour)
    aht = _check_positive("aht_s", aht_s)
    t = _check_nonneg("sl_seconds", sl_seconds)
    patience = _check_patience(model, patience_s)
    s = float(shrinkage)
    if not 0.0 <= s < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {s}")
    cap = _check_agents(max_agents)
    targets = _check_targets(model, target_sl, target_asa_s, target_abandon, target_block, max_occupancy, t)
    load = rate_h * aht / 3600.0

    if load == 0.0:
        required = 0
        binding: tuple[str, ...] = ()
    else:
        floor = 1
        if model == "C" or (patience is not None and math.isinf(patience)):
            floor = math.floor(load) + 1  # smallest n > A: Erlang C needs n > A for a steady state
        occupancy_floor = 0
        if "max_occupancy" in targets:
            occupancy_floor = math.ceil(load / targets["max_occupancy"] - 1e-9)
            floor = max(floor, occupancy_floor)
        if floor > cap:
            raise InfeasibleTargetError(f"the load of {load:.6g} Erlang needs more than {cap} agents (the solver's cap)")
        queue_targets = {k: v for k, v in targets.items() if k != "max_occupancy"}

        def meets(n: int) -> bool:
            return not _failing(model, n, load, aht, t, patience, queue_targets)

        required = _smallest_meeting(meets, floor, square_root_staffing(load, 1.0), cap)
        # what one agent fewer would break (at 0 agents every target fails)
        binding = tuple(
            (["max_occupancy"] if required - 1 < occupancy_floor else [])
            + _failing(model, required - 1, load, aht, t, patience, queue_targets)
        )

    result = measures(model, rate_h, aht, required, t, patience)
    return StaffingResult(
        model=model, required_agents=required, scheduled_agents=scheduled_agents(required, s),
        shrinkage=s, targets=targets, binding=binding, result=result,
    )


def solve_day(
    model: Model,
    arrival_rates_per_hour: Sequence[float],
    aht_s: float | Sequence[float],
    sl_seconds: float,
    target_sl: float | None = None,
    target_asa_s: float | None = None,
    target_abandon: float | None = None,
    patience_s: float | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    *,
    target_block: float | None = None,
    max_agents: int = MAX_AGENTS,
) -> list[StaffingResult]:
    """`solve_agents` for each interval of a day (SIPP: every interval solved as steady state).

    ``aht_s`` may be one number or one per interval. A day of 96 quarter hours takes a few
    milliseconds. SIPP ignores the queue carried over from one interval into the next; the
    simulation is the tool that shows how much that matters.
    """
    rates = [float(x) for x in arrival_rates_per_hour]
    if isinstance(aht_s, (int, float, np.integer, np.floating)):
        ahts = [float(aht_s)] * len(rates)
    else:
        ahts = [float(x) for x in aht_s]
        if len(ahts) != len(rates):
            raise ValueError(f"aht_s has {len(ahts)} values for {len(rates)} intervals")
    return [
        solve_agents(
            model, rate, aht, sl_seconds, target_sl, target_asa_s, target_abandon, patience_s,
            shrinkage, max_occupancy, target_block=target_block, max_agents=max_agents,
        )
        for rate, aht in zip(rates, ahts)
    ]
