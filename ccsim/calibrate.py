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
* staffing: from an optional CSV, or an Erlang A placeholder marked REVIEW.

The library raises ``CalibrationError`` (one line per problem, with the log's line number); it
never exits the process. ``calibrate(path) -> Calibration``; ``Calibration.scenario_dict()`` is
a dict ``scenario_from_dict`` accepts, ``scenario_yaml()`` the same as a commented file.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from scipy import optimize, special, stats

from ._version import __version__

#: Columns ``ccsim calibrate`` reads, by their canonical names; ``--columns`` maps export names onto them.
REQUIRED_COLUMNS = ("arrival_time", "answer_time", "end_time")
OPTIONAL_COLUMNS = ("contact_type", "pool")
KNOWN_COLUMNS = ("arrival_time", "contact_type", "answer_time", "end_time", "pool")

#: An abandon logged at wait 0 is taken as one at this time in the parametric likelihoods: the
#: densities of Weibull and log-normal patience are not defined at 0, and export timestamps are
#: rarely finer than a second.
MIN_EVENT_S = 0.5
#: The Kaplan-Meier curve is trusted (written, tested against fits) up to the last abandon time
#: where at least this many contacts were still waiting; beyond it, the fitted tail takes over.
MIN_AT_RISK = 20
#: Handle times longer than this are legal but counted as odd (a forgotten wrap-up, a stuck line).
LONG_HANDLE_S = 4 * 3600.0
#: Significance of the tests that decide to write a busyness factor and to reject a patience fit.
BUSYNESS_ALPHA = 0.05
PATIENCE_ALPHA = 0.01

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Parametric families fitted to handle times and (censored) patience; the choices add the others.
HANDLE_FAMILIES = ("exponential", "gamma", "lognormal", "weibull")
PATIENCE_FAMILIES = ("exponential", "weibull", "lognormal")
HANDLE_CHOICES = ("best", *HANDLE_FAMILIES, "empirical")
PATIENCE_CHOICES = ("auto", "curve", *PATIENCE_FAMILIES)
MAX_ERRORS = 20


class CalibrationError(ValueError):
    """A log (or staffing file, or option) that cannot be used; ``problems`` has one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- reading the log -------------------------------------------------------------------------


def parse_columns(spec: str | dict[str, str] | None) -> dict[str, str]:
    """``"arrival_time=CallStart,end_time=CallEnd"`` -> {canonical: header name}; unknown names are errors."""
    if spec is None:
        return {}
    if isinstance(spec, dict):
        pairs = list(spec.items())
    else:
        pairs = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            if "=" not in part:
                raise CalibrationError([f"--columns: '{part}' is not NAME=HEADER (e.g. arrival_time=CallStart)"])
            key, _, value = part.partition("=")
            pairs.append((key.strip(), value.strip()))
    problems = [f"--columns: unknown column '{k}' (known: {', '.join(KNOWN_COLUMNS)})" for k, _ in pairs if k not in KNOWN_COLUMNS]
    problems += [f"--columns: {k}= needs a header name" for k, v in pairs if k in KNOWN_COLUMNS and not v]
    if problems:
        raise CalibrationError(problems)
    return dict(pairs)


def parse_weekday(value: str | int | None) -> int | None:
    """'mon', 'Monday', 0 ... -> 0..6 (Monday = 0, as ``date.weekday``)."""
    if value is None:
        return None
    if isinstance(value, int) or str(value).isdigit():
        v = int(value)
        if 0 <= v <= 6:
            return v
    else:
        key = str(value).strip().lower()[:3]
        if key in WEEKDAYS:
            return WEEKDAYS.index(key)
    raise CalibrationError([f"--weekday: '{value}' is not a day of the week (mon, tue, ... or 0-6 with Monday = 0)"])


@dataclass
class ContactLog:
    """The log as arrays, one entry per contact; times in seconds, clock times in local wall time."""

    source: str
    types: list[str]
    type_idx: np.ndarray  # int, index into types
    day: np.ndarray  # int, proleptic ordinal of the local date of arrival
    clock_s: np.ndarray  # seconds after local midnight of the arrival day
    answered: np.ndarray  # bool
    wait_s: np.ndarray  # to answer, or to hang-up for abandoned contacts
    handle_s: np.ndarray  # NaN for abandoned contacts
    pools: list[str] = field(default_factory=list)
    pool_idx: np.ndarray | None = None  # int, -1 where the log gives none
    odd: dict[str, list[int]] = field(default_factory=dict)  # kind -> [count, first line or row]
    time_note: str = ""
    unit: str = "line"  # what the numbers in ``odd`` count: CSV lines, or Parquet data rows

    @property
    def rows(self) -> int:
        return len(self.type_idx)


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _zone(tz: str | None):
    if tz is None:
        return None
    if tz.upper() in ("UTC", "Z"):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalibrationError([f"--tz: unknown time zone '{tz}' (use an IANA name like Europe/Berlin, or UTC)"]) from None


_EPOCH = datetime(1970, 1, 1)


def read_log(path: str | Path, columns: str | dict[str, str] | None = None, tz: str | None = None) -> ContactLog:
    """Read and check a per-contact log, CSV or Parquet; every broken row is reported with its number.

    Timestamps are ISO 8601 (``2026-01-05T08:00:09.283``, ``2026-01-05 08:00:09``, with or without
    ``+01:00`` / ``Z``), or typed timestamps in Parquet. Durations come from the absolute times, so
    they are right across a daylight-saving change; intervals use the local wall clock: the offset
    written in the file, or ``tz`` when given (aware timestamps are converted to it, naive ones are
    taken as already local).
    """
    path = Path(path)
    mapping = parse_columns(columns)
    zone = _zone(tz)
    name = path.name
    if path.suffix.lower() == ".parquet":
        rows = _ParquetRows(path)
        return _parse_rows(rows, _locate_columns(rows.header, mapping, name), name, zone, str(path), tz, "row")
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise CalibrationError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise CalibrationError([f"{path}: cannot read ({exc.strerror})"]) from None
    with fh:
        first = fh.readline()
        if not first.strip():
            raise CalibrationError([f"{name}: empty file (expected a header line such as {','.join(KNOWN_COLUMNS[:4])})"])
        fh.seek(0)
        reader = csv.reader(fh, delimiter=_sniff_delimiter(first))
        header = [h.strip() for h in next(reader)]
        return _parse_rows(reader, _locate_columns(header, mapping, name), name, zone, str(path), tz, "line")


def _locate_columns(header: list[str], mapping: dict[str, str], name: str) -> dict[str, int]:
    """Where each known column is in the header (after --columns renames); every missing one is a problem."""
    where: dict[str, int] = {}
    problems = []
    for col in KNOWN_COLUMNS:
        wanted = mapping.get(col, col)
        if wanted in header:
            where[col] = header.index(wanted)
        elif col in mapping or col in REQUIRED_COLUMNS:
            how = f"column '{wanted}' (mapped to {col})" if col in mapping else f"column '{col}'"
            problems.append(f"{name}: no {how} in the header; the header has: {', '.join(header)}" + ("" if col in mapping else f"; map yours with --columns {col}=YOUR_HEADER"))
    if problems:
        raise CalibrationError(problems)
    return where


class _ParquetRows:
    """The rows of a Parquet log as lists of text, the shape ``csv.reader`` gives, a batch at a time.

    Typed timestamps become ISO 8601 text (with their offset when the column has a time zone) and
    nulls empty cells, so one parser checks both formats. ``line_num`` is the data row number.
    """

    def __init__(self, path: Path):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise CalibrationError([f"{path.name}: reading Parquet needs pyarrow (pip install 'ccsim[parquet]'); or export the log as CSV"]) from None
        if not path.exists():
            raise CalibrationError([f"{path}: no such file"])
        try:
            self._file = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for a file it cannot read
            raise CalibrationError([f"{path.name}: not a readable Parquet file ({exc})"]) from None
        self.header = self._file.schema_arrow.names
        self.line_num = 0

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self._file.iter_batches(batch_size=65_536):
            columns = [[_cell_text(v) for v in col.to_pylist()] for col in batch.columns]
            for row in zip(*columns):
                self.line_num += 1
                yield list(row)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _parse_rows(reader, where: dict[str, int], name: str, zone, source: str, tz: str | None, unit: str) -> ContactLog:
    """Check and collect the rows; ``unit`` names what ``reader.line_num`` counts in messages ("line" or "row")."""
    i_arr, i_ans, i_end = where["arrival_time"], where["answer_time"], where["end_time"]
    i_type, i_pool = where.get("contact_type"), where.get("pool")
    width = max(where.values()) + 1
    types: dict[str, int] = {}
    pools: dict[str, int] = {}
    type_idx, day, clock, answered, wait, handle, pool_idx = [], [], [], [], [], [], []
    errors: list[str] = []
    odd: dict[str, list[int]] = {}
    aware_mode: bool | None = None

    def note(kind: str, line: int) -> None:
        entry = odd.setdefault(kind, [0, line])
        entry[0] += 1

    def stamp(text: str, col: str, line: int):
        """(absolute seconds, local wall datetime) or raises ValueError with a message."""
        nonlocal aware_mode
        text = text.strip()
        try:
            ts = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{col} '{text}' is not an ISO 8601 timestamp (like 2026-01-05T08:00:09)") from None
        aware = ts.tzinfo is not None
        if aware_mode is None:
            aware_mode = aware
        elif aware != aware_mode:
            raise ValueError(f"{col} '{text}' {'has' if aware else 'lacks'} a time-zone offset, unlike the rows before it")
        if aware:
            absolute = ts.timestamp()
            wall = (ts.astimezone(zone) if zone is not None else ts).replace(tzinfo=None)
        else:
            absolute = (ts - _EPOCH).total_seconds()
            wall = ts
        return absolute, wall

    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(errors) >= MAX_ERRORS:
            errors.append(f"{name}: more problems not shown; fix these first")
            break
        if len(row) < width:
            errors.append(f"{name} {unit} {line}: {len(row)} fields, the header promises at least {width}")
            continue
        try:
            arr_text, ans_text, end_text = row[i_arr].strip(), row[i_ans].strip(), row[i_end].strip()
            if not arr_text:
                raise ValueError("arrival_time is empty")
            if not end_text:
                raise ValueError("end_time is empty (it is the hang-up time of an abandoned contact, the end of handling of an answered one)")
            t_arr, wall = stamp(arr_text, "arrival_time", line)
            t_end, _ = stamp(end_text, "end_time", line)
            if ans_text:
                t_ans, _ = stamp(ans_text, "answer_time", line)
                if t_ans < t_arr:
                    raise ValueError(f"answer_time {ans_text} is before arrival_time {arr_text}")
                if t_end < t_ans:
                    raise ValueError(f"negative handle time: end_time {end_text} is before answer_time {ans_text}")
            elif t_end < t_arr:
                raise ValueError(f"abandoned contact hangs up (end_time {end_text}) before it arrives (arrival_time {arr_text})")
            kind = row[i_type].strip() if i_type is not None else "contacts"
            if not kind:
                raise ValueError("contact_type is empty")
        except ValueError as exc:
            errors.append(f"{name} {unit} {line}: {exc}")
            continue
        if errors:
            continue  # keep scanning for more problems, but store nothing
        type_idx.append(types.setdefault(kind, len(types)))
        day.append(wall.toordinal())
        clock.append(wall.hour * 3600 + wall.minute * 60 + wall.second + wall.microsecond / 1e6)
        if ans_text:
            answered.append(True)
            wait.append(t_ans - t_arr)
            h = t_end - t_ans
            handle.append(h)
            if h == 0:
                note("zero_handle", line)
            elif h > LONG_HANDLE_S:
                note("long_handle", line)
        else:
            answered.append(False)
            wait.append(t_end - t_arr)
            handle.append(math.nan)
            if t_end == t_arr:
                note("abandoned_at_arrival", line)
        p = row[i_pool].strip() if i_pool is not None else ""
        pool_idx.append(pools.setdefault(p, len(pools)) if p else -1)
    if errors:
        raise CalibrationError(errors)
    if not type_idx:
        raise CalibrationError([f"{name}: no contacts (only a header)"])
    if aware_mode and tz:
        time_note = f"timestamps carry UTC offsets; clock times converted to {tz}"
    elif aware_mode:
        time_note = "timestamps carry UTC offsets; clock times are the local times as written (use --tz to convert)"
    elif tz:
        time_note = f"timestamps have no UTC offset and are taken as local {tz} time as written"
    else:
        time_note = "timestamps have no UTC offset and are taken as local time"
    return ContactLog(
        source=source,
        types=list(types),
        type_idx=np.array(type_idx, dtype=int),
        day=np.array(day, dtype=int),
        clock_s=np.array(clock, dtype=float),
        answered=np.array(answered, dtype=bool),
        wait_s=np.array(wait, dtype=float),
        handle_s=np.array(handle, dtype=float),
        pools=list(pools),
        pool_idx=np.array(pool_idx, dtype=int) if i_pool is not None else None,
        odd=odd,
        time_note=time_note,
        unit=unit,
    )


# --- fitted distributions --------------------------------------------------------------------


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
        return {"family": self.family, "params": self.params, "mean": _r(self.mean, 2), "loglik": _r(self.loglik, 3), "aic": _r(self.aic, 3), "ks": _r(self.ks, 4)}


def _r(x, nd):
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def frozen(params: dict):
    """The scipy distribution matching a scenario distribution mapping (for pdf, cdf, quantiles)."""
    d = params["dist"]
    if d == "exponential":
        return stats.expon(scale=params["mean"])
    if d == "lognormal":
        s = math.sqrt(math.log1p(params["cv"] ** 2))
        return stats.lognorm(s, scale=params["mean"] * math.exp(-s * s / 2))
    if d == "gamma":
        k = 1 / params["cv"] ** 2
        return stats.gamma(k, scale=params["mean"] / k)
    if d == "weibull":
        return stats.weibull_min(params["shape"], scale=params["scale"])
    raise ValueError(f"no scipy equivalent for {d}")


def describe_dist(params: dict) -> str:
    d = params["dist"]
    if d == "exponential":
        return f"exponential, mean {params['mean']:g} s"
    if d in ("lognormal", "gamma"):
        return f"{d}, mean {params['mean']:g} s, cv {params['cv']:g}"
    if d == "weibull":
        return f"Weibull, shape {params['shape']:g}, scale {params['scale']:g} s (mean {frozen(params).mean():.1f} s)"
    if d == "deterministic":
        return f"deterministic {params['mean']:g} s"
    if d == "empirical":
        return f"empirical, {len(params['values'])} values"
    if d == "survival_curve":
        return f"survival curve, {len(params['points'])} points"
    return d


def _round_params(params: dict) -> dict:
    out = {"dist": params["dist"]}
    for k, v in params.items():
        if k == "dist":
            continue
        out[k] = round(float(v), 1) if k in ("mean", "scale") else round(float(v), 4)
    return out


def fit_handle_times(x: np.ndarray) -> list[Fit]:
    """Exponential, gamma, log-normal and Weibull fitted by maximum likelihood to positive times."""
    x = np.asarray(x, float)
    n = len(x)
    m = float(x.mean())
    logx = np.log(x)
    mlog = float(logx.mean())
    fits = [Fit("exponential", {"dist": "exponential", "mean": m}, -n * math.log(m) - n, 1)]
    if n >= 2 and float(x.std()) > 0:
        # Gamma: the shape solves log k - digamma(k) = log(mean) - mean(log x) (> 0 by Jensen).
        s = math.log(m) - mlog
        k = optimize.brentq(lambda k: math.log(k) - special.digamma(k) - s, 1e-4, 1e6)
        k = max(k, 0.01)  # the scenario bounds cv <= 10
        fits.append(Fit("gamma", {"dist": "gamma", "mean": m, "cv": 1 / math.sqrt(k)}, float(stats.gamma.logpdf(x, k, scale=m / k).sum()), 2))
        sd = float(logx.std())
        sd = min(sd, math.sqrt(math.log(101.0)))  # cv <= 10
        cv = math.sqrt(math.expm1(sd * sd))
        fits.append(Fit("lognormal", {"dist": "lognormal", "mean": math.exp(mlog + sd * sd / 2), "cv": cv}, float(stats.lognorm.logpdf(x, sd, scale=math.exp(mlog)).sum()), 2))
        # Weibull: the shape solves sum x^k log x / sum x^k - 1/k - mean(log x) = 0 (x scaled to mean 1).
        z = logx - math.log(m)

        def g(k):
            w = np.exp(k * z - (k * z).max())
            return float((w * z).sum() / w.sum()) - 1 / k - float(z.mean())

        k = optimize.brentq(g, 0.02, 200.0)
        scale = m * math.exp((special.logsumexp(k * z) - math.log(n)) / k)
        fits.append(Fit("weibull", {"dist": "weibull", "shape": k, "scale": scale}, float(stats.weibull_min.logpdf(x, k, scale=scale).sum()), 2))
    for f in fits:
        f.params = _round_params(f.params)
        f.ks = float(stats.kstest(x, frozen(f.params).cdf).statistic)
    return fits


# --- survival analysis of patience -----------------------------------------------------------


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
    events: np.ndarray

    def at(self, t) -> np.ndarray:
        """S at times t (1 before the first abandon)."""
        idx = np.searchsorted(self.times, np.asarray(t, float), side="right") - 1
        return np.where(idx >= 0, self.surv[np.maximum(idx, 0)], 1.0)

    def band_at(self, t) -> tuple[np.ndarray, np.ndarray]:
        idx = np.searchsorted(self.times, np.asarray(t, float), side="right") - 1
        safe = np.maximum(idx, 0)
        return np.where(idx >= 0, self.lo[safe], 1.0), np.where(idx >= 0, self.hi[safe], 1.0)

    @property
    def trusted_until(self) -> float:
        """Last abandon time with at least ``MIN_AT_RISK`` still waiting (0 if none)."""
        ok = np.nonzero(self.at_risk >= MIN_AT_RISK)[0]
        return float(self.times[ok[-1]]) if len(ok) else 0.0

    def median(self) -> float | None:
        below = np.nonzero(self.surv <= 0.5)[0]
        return float(self.times[below[0]]) if len(below) else None


def kaplan_meier(times: np.ndarray, abandoned: np.ndarray, z: float = 1.959964) -> KaplanMeier:
    """Kaplan-Meier with answered contacts censored at their wait: S(t) = prod (1 - d_i / n_i).

    Ties: a contact answered at the same instant another abandons counts as still waiting then.
    """
    t = np.asarray(times, float)
    e = np.asarray(abandoned, bool)
    # Answered at wait 0 means never queued: such a contact could not have abandoned at 0 even
    # with zero patience, so it carries no information and is not "at risk" of anything.
    keep = e | (t > 0)
    t, e = t[keep], e[keep]
    ev_times, d = np.unique(t[e], return_counts=True)
    order = np.sort(t)
    n = len(t) - np.searchsorted(order, ev_times, side="left")  # waiting at least until ev_time
    surv = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.cumsum(np.where(n > d, d / (n * (n - d)), np.inf))
        logs = np.log(surv)
        c = z * np.sqrt(var) / logs  # negative where 0 < S < 1
        lo = np.where((surv > 0) & (surv < 1) & np.isfinite(c), surv ** np.exp(-c), 0.0)
        hi = np.where((surv > 0) & (surv < 1) & np.isfinite(c), surv ** np.exp(c), np.where(surv >= 1, 1.0, 0.0))
    lo = np.where(surv >= 1, 1.0, lo)
    return KaplanMeier(ev_times, surv, np.minimum(lo, surv), np.maximum(hi, surv), n, d)


def _split(t: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(abandon times, censored waits > 0); abandons logged at exactly 0 moved to ``MIN_EVENT_S``."""
    te = t[e]
    return np.where(te > 0, te, MIN_EVENT_S), t[~e & (t > 0)]


def fit_patience(t: np.ndarray, e: np.ndarray) -> list[Fit]:
    """Exponential, Weibull and log-normal patience by maximum likelihood with right censoring.

    Log-likelihood: sum over abandons of log f(wait) + sum over answered of log S(wait).
    """
    te, tc = _split(np.asarray(t, float), np.asarray(e, bool))
    d = len(te)
    if d == 0:
        return []
    fits = []
    exposure = float(te.sum() + tc.sum())
    mean = exposure / d  # exponential MLE: total waiting time over abandons
    fits.append(Fit("exponential", {"dist": "exponential", "mean": mean}, -d * math.log(mean) - d, 1))
    if d >= 2:
        logt_all = np.log(np.concatenate([te, tc]))
        sum_log_e = float(np.log(te).sum())

        # Weibull, profiled: for a shape k the scale solves scale^k = sum t^k / d, leaving
        # ll(k) = d log k - d log(sum t^k / d) + (k - 1) sum log t_e - d.
        def nll(logk):
            k = math.exp(logk)
            return -(d * math.log(k) - d * (special.logsumexp(k * logt_all) - math.log(d)) + (k - 1) * sum_log_e - d)

        res = optimize.minimize_scalar(nll, bounds=(math.log(0.05), math.log(20.0)), method="bounded", options={"xatol": 1e-6})
        k = math.exp(res.x)
        scale = math.exp((special.logsumexp(k * logt_all) - math.log(d)) / k)
        fits.append(Fit("weibull", {"dist": "weibull", "shape": k, "scale": scale}, -float(res.fun), 2))

        log_te, log_tc = np.log(te), np.log(tc)

        def nll_ln(theta):
            mu, s = theta[0], math.exp(theta[1])
            ll = stats.norm.logpdf((log_te - mu) / s).sum() - log_te.sum() - d * math.log(s)
            ll += stats.norm.logsf((log_tc - mu) / s).sum()
            return -float(ll)

        s_max = math.sqrt(math.log(101.0))  # the scenario bounds cv <= 10
        start = [float(log_te.mean()) + 1.0, 0.0]
        res = optimize.minimize(nll_ln, start, method="L-BFGS-B", bounds=[(-5.0, 20.0), (math.log(0.05), math.log(s_max))])
        mu, s = float(res.x[0]), math.exp(float(res.x[1]))
        fits.append(Fit("lognormal", {"dist": "lognormal", "mean": math.exp(mu + s * s / 2), "cv": math.sqrt(math.expm1(s * s))}, -float(res.fun), 2))
    for f in fits:
        f.params = _round_params(f.params)
    return fits


def piecewise_test(t: np.ndarray, e: np.ndarray, fit: Fit, pieces: int | None = None) -> tuple[float, int, float] | None:
    """Likelihood-ratio test of a parametric patience fit against a piecewise-constant hazard.

    The alternative has ``pieces`` hazard levels cut at quantiles of the abandon times, a flexible
    "Kaplan-Meier-like" model; returns (LR statistic, degrees of freedom, p-value), or None when
    there are too few abandons (under 50) for the test to mean anything.
    """
    te, tc = _split(np.asarray(t, float), np.asarray(e, bool))
    d = len(te)
    if d < 50:
        return None
    m = pieces or int(min(10, max(3, d // 25)))
    # Abandons in the first second (often "would not hold at all") get a piece of their own,
    # so a mass of zero patience is not averaged away into the first quantile piece.
    early = te <= 1.0
    later = te[~early]
    cuts = np.quantile(later, np.arange(1, m) / m) if len(later) else np.empty(0)
    cuts = np.unique(np.concatenate([[1.0] if early.any() else [], cuts[cuts > 1.0]]))
    edges = np.concatenate([[0.0], cuts, [np.inf]])
    all_t = np.concatenate([te, tc])
    ll_pw = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        exposure = float(np.clip(all_t - a, 0, b - a).sum())
        dj = int(((te >= a) & (te < b)).sum())
        if dj > 0:
            ll_pw += dj * (math.log(dj / exposure) - 1)
    df = len(edges) - 1 - fit.n_params
    if df <= 0:
        return None
    # The fit's stored log-likelihood is at unrounded parameters; recompute at the written ones.
    dist = frozen(fit.params)
    ll_fit = float(dist.logpdf(te).sum() + dist.logsf(tc).sum())
    lr = max(0.0, 2 * (ll_pw - ll_fit))
    return lr, df, float(stats.chi2.sf(lr, df))


# --- the calibration -------------------------------------------------------------------------


@dataclass
class HandleCalibration:
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
            "aht_seconds": _r(self.aht, 2),
            "cv": _r(self.cv, 4),
            "zero_handle_times": self.zero,
            "fits": [f.to_dict() for f in self.fits],
            "chosen": self.chosen,
            "reason": self.reason,
            "written": self.written,
            "quantiles": [{"q": q, "empirical": _r(a, 2), "fitted": _r(b, 2)} for q, a, b in self.quantiles],
        }


@dataclass
class PatienceCalibration:
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
                "times": [_r(x, 3) for x in self.km.times[idx]],
                "survival": [_r(x, 5) for x in self.km.surv[idx]],
                "lo": [_r(x, 5) for x in self.km.lo[idx]],
                "hi": [_r(x, 5) for x in self.km.hi[idx]],
                "at_risk": [int(x) for x in self.km.at_risk[idx]],
                "trusted_until_seconds": _r(self.km.trusted_until, 3),
                "median_seconds": _r(self.km.median(), 3) if self.km.median() is not None else None,
            }
        return {
            "contacts": self.n,
            "abandoned": self.abandoned,
            "censored_share": _r(1 - self.abandoned / self.n, 5) if self.n else None,
            "naive_mean_seconds": _r(self.naive_mean, 2),
            "shortcut_mean_seconds": _r(self.shortcut_mean, 2),
            "kaplan_meier": km,
            "fits": [dict(f.to_dict(), lr_test=(None if self.tests.get(f.family) is None else dict(zip(("lr", "df", "p"), self.tests[f.family])))) for f in self.fits],
            "chosen": self.chosen,
            "reason": self.reason,
            "written": self.written,
        }


@dataclass
class TypeCalibration:
    name: str
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
    days: int
    mean: float | None
    variance: float | None
    p_value: float | None
    shape: float | None
    reason: str

    def to_dict(self) -> dict:
        return {"days": self.days, "day_total_mean": _r(self.mean, 3), "day_total_variance": _r(self.variance, 3), "poisson_dispersion_p": _r(self.p_value, 5), "shape": _r(self.shape, 3), "reason": self.reason}


@dataclass
class Staffing:
    source: str  # "csv" or "placeholder"
    pools: dict[str, dict]  # name -> {"skills": [...], "agents": [...]}
    method: str

    def to_dict(self) -> dict:
        return {"source": self.source, "method": self.method, "pools": self.pools}


@dataclass
class Calibration:
    """What was estimated from a contact log, and the scenario it makes."""

    source: str
    rows: int
    days: list[date]
    all_days: list[date]
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
        out = []
        for i in range(self.n_intervals):
            m = self.start_minute + i * self.interval_minutes
            out.append(f"{m // 60:02d}:{m % 60:02d}")
        return out

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.n_intervals * self.interval_minutes

    def horizon_dict(self) -> dict:
        start = f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}"
        if self.end_minute <= 1440:
            end = f"{self.end_minute // 60:02d}:{self.end_minute % 60:02d}"
            return {"start": start, "end": end, "interval_minutes": self.interval_minutes}
        return {"start": start, "hours": self.n_intervals * self.interval_minutes / 60, "interval_minutes": self.interval_minutes}

    def scenario_dict(self) -> dict:
        """The calibrated scenario as ``scenario_from_dict`` takes it."""
        sc: dict[str, Any] = {
            "name": f"Calibrated from {Path(self.source).name}",
            "description": self._description(),
            "seed": 1,
            "replications": 10,
            "horizon": self.horizon_dict(),
        }
        if self.busyness.shape is not None:
            sc["busyness"] = {"shape": self.busyness.shape}
        types = {}
        for name, tc in self.types.items():
            ct: dict[str, Any] = {"arrivals": {"volumes": tc.volumes}, "handle_time": tc.handle.written}
            if tc.patience.written is not None:
                ct["patience"] = tc.patience.written
            ct["service_level"] = {"seconds": self.sl_seconds, "target": self.sl_target}
            types[name] = ct
        sc["contact_types"] = types
        sc["agent_pools"] = {name: {"skills": list(p["skills"]), "agents": list(p["agents"])} for name, p in self.staffing.pools.items()}
        return sc

    def scenario(self):
        """The validated ``Scenario`` (raises ``ScenarioError`` if calibration made something invalid)."""
        from .scenario import scenario_from_dict

        return scenario_from_dict(self.scenario_dict())

    def _description(self) -> str:
        span = f"{self.days[0].isoformat()} to {self.days[-1].isoformat()}" if len(self.days) > 1 else self.days[0].isoformat()
        wd = f", {WEEKDAYS[self.weekday].capitalize()}s only" if self.weekday is not None else ""
        return f"Estimated by ccsim calibrate from {self.rows:,} contacts over {len(self.days)} day(s) ({span}{wd})."

    def scenario_yaml(self) -> str:
        return render_yaml(self)

    def to_dict(self) -> dict:
        return {
            "ccsim_version": __version__,
            "source": self.source,
            "rows": self.rows,
            "days": [d.isoformat() for d in self.days],
            "weekday": None if self.weekday is None else WEEKDAYS[self.weekday],
            "weekday_totals": {k: {"days": v[0], "mean_day_total": _r(v[1], 2)} for k, v in self.weekday_totals.items()},
            "interval_minutes": self.interval_minutes,
            "horizon": self.horizon_dict(),
            "intervals": self.labels,
            "time_note": self.time_note,
            "odd_rows": {k: {"count": v[0], "first_line": v[1]} for k, v in self.odd.items()},
            "contact_types": {
                name: {
                    "contacts": tc.contacts,
                    "answered": tc.answered,
                    "abandoned": tc.abandoned,
                    "volumes": tc.volumes,
                    "day_totals": [int(x) for x in tc.per_day.sum(1)],
                    "carried_load_agents": [_r(x, 3) for x in tc.carried_load],
                    "handle_time": tc.handle.to_dict(),
                    "patience": tc.patience.to_dict(),
                }
                for name, tc in self.types.items()
            },
            "busyness": self.busyness.to_dict(),
            "staffing": self.staffing.to_dict(),
            "service_level": {"seconds": self.sl_seconds, "target": self.sl_target},
            "notes": self.notes,
            "scenario": self.scenario_dict(),
        }


ODD_TEXT = {
    "zero_handle": "answered contact(s) with a handle time of 0 s (kept in volumes and AHT; left out of the handle-time shape fit, which needs positive times)",
    "long_handle": f"answered contact(s) with a handle time over {LONG_HANDLE_S / 3600:g} hours (kept)",
    "abandoned_at_arrival": f"abandoned contact(s) that hung up at 0 s (kept: patience 0; the fitted distributions count them as {MIN_EVENT_S:g} s)",
}


def calibrate(
    path: str | Path,
    *,
    columns: str | dict[str, str] | None = None,
    tz: str | None = None,
    interval_minutes: int = 30,
    weekday: str | int | None = None,
    staffing: str | Path | None = None,
    patience: str = "auto",
    handle: str = "best",
    sl_seconds: float = 20.0,
    sl_target: float = 0.8,
) -> Calibration:
    """Read a contact log and estimate a scenario from it (see the module docstring)."""
    log = read_log(path, columns=columns, tz=tz)
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
    wd = parse_weekday(weekday)
    notes: list[str] = []

    all_days = sorted(set(log.day.tolist()))
    weekday_totals: dict[str, tuple[int, float]] = {}
    for k, name in enumerate(WEEKDAYS):
        ds = [d for d in all_days if date.fromordinal(d).weekday() == k]
        if ds:
            weekday_totals[name] = (len(ds), float(np.isin(log.day, ds).sum()) / len(ds))
    if wd is not None:
        keep = np.array([date.fromordinal(d).weekday() == wd for d in log.day])
        if not keep.any():
            raise CalibrationError([f"--weekday {WEEKDAYS[wd]}: the log has no {WEEKDAYS[wd].capitalize()} (it has {', '.join(weekday_totals)})"])
        log = _subset(log, keep)
    days = sorted(set(log.day.tolist()))
    day_pos = {d: i for i, d in enumerate(days)}
    n_days = len(days)

    ival_s = interval_minutes * 60.0
    slot = np.floor(log.clock_s / ival_s).astype(int)
    first, last = int(slot.min()), int(slot.max())
    n_int = last - first + 1
    start_minute = first * interval_minutes
    rel = slot - first
    dpos = np.array([day_pos[d] for d in log.day.tolist()], dtype=int)
    if n_days == 1:
        notes.append("the log covers one day: volumes are that day's counts, and day-to-day variation cannot be estimated")

    types: dict[str, TypeCalibration] = {}
    for k, name in enumerate(log.types):
        sel = log.type_idx == k
        per_day = np.zeros((n_days, n_int))
        np.add.at(per_day, (dpos[sel], rel[sel]), 1)
        volumes = [round(float(v), 2) for v in per_day.mean(0)]
        ans = log.answered[sel]
        hc = _calibrate_handle(log.handle_s[sel][ans], handle)
        pc = _calibrate_patience(log.wait_s[sel], ~ans, patience)
        load = _carried_load(log.clock_s[sel][ans] + log.wait_s[sel][ans], log.handle_s[sel][ans], dpos[sel][ans], n_days, start_minute * 60.0, ival_s, n_int)
        types[name] = TypeCalibration(name, int(sel.sum()), int(ans.sum()), int((~ans).sum()), per_day, volumes, hc, pc, load)
        if pc.chosen == "none":
            notes.append(f"{name}: {pc.reason}")
        if hc.chosen == "none":
            notes.append(f"{name}: {hc.reason}")

    totals = np.zeros(n_days)
    np.add.at(totals, dpos, 1)
    busy = _estimate_busyness(totals)
    if wd is None and len(weekday_totals) > 1 and busy.shape is not None:
        notes.append("the log mixes days of the week; part of the day-to-day variation may be the weekly pattern (try --weekday)")

    if staffing is not None:
        staff = _staffing_from_csv(Path(staffing), log, list(types), start_minute, interval_minutes, n_int)
    else:
        staff = _placeholder_staffing(types, interval_minutes, sl_seconds, sl_target)
    for kind, (count, line) in log.odd.items():
        notes.append(f"{count:,} {ODD_TEXT[kind]}; first at {log.unit} {line}")
    return Calibration(
        source=log.source,
        rows=log.rows,
        days=[date.fromordinal(d) for d in days],
        all_days=[date.fromordinal(d) for d in all_days],
        weekday=wd,
        interval_minutes=interval_minutes,
        start_minute=start_minute,
        n_intervals=n_int,
        types=types,
        busyness=busy,
        staffing=staff,
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


QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


def _calibrate_handle(h: np.ndarray, choice: str) -> HandleCalibration:
    n = len(h)
    if n == 0:
        written = {"dist": "exponential", "mean": 300.0}
        return HandleCalibration(0, math.nan, None, 0, [], "none", written, "no answered contacts: handle time cannot be estimated; 300 s written as a placeholder (REVIEW)", [])
    aht = float(h.mean())
    cv = float(h.std() / aht) if aht > 0 and n > 1 else None
    pos = h[h > 0]
    zero = n - len(pos)
    emp_q = np.quantile(h, QUANTILES)
    if len(pos) == 0 or float(pos.std()) == 0.0:
        written = {"dist": "deterministic", "mean": round(aht, 1)}
        return HandleCalibration(n, aht, cv, zero, [], "deterministic", written, "every handle time is the same", [(q, float(a), aht) for q, a in zip(QUANTILES, emp_q)], h)
    fits = fit_handle_times(pos)
    best = min(fits, key=lambda f: f.aic)
    if choice == "empirical":
        qs = np.quantile(h, (np.arange(200) + 0.5) / 200)
        written = {"dist": "empirical", "values": [round(float(v), 1) for v in qs]}
        chosen, reason = "empirical", "empirical distribution asked for (--handle empirical): 200 quantiles of the observed handle times"
        fitted = None
    else:
        f = best if choice == "best" else next(x for x in fits if x.family == choice)
        written, chosen, fitted = f.params, f.family, f
        others = ", ".join(f"{x.family} {x.aic - best.aic:+.1f}" for x in sorted(fits, key=lambda x: x.aic) if x is not best)
        if choice == "best":
            reason = f"lowest AIC of {len(fits)} maximum-likelihood fits (AIC difference: {others}); KS distance {best.ks:.3f}"
        else:
            reason = f"{choice} asked for (--handle {choice}); AIC {f.aic - best.aic:+.1f} against the best ({best.family}); KS distance {f.ks:.3f}"
    fq = frozen(fitted.params).ppf(QUANTILES) if fitted is not None else np.quantile(h, QUANTILES)
    quantiles = [(q, float(a), float(b)) for q, a, b in zip(QUANTILES, emp_q, fq)]
    return HandleCalibration(n, aht, cv, zero, fits, chosen, written, reason, quantiles, h)


def _calibrate_patience(t: np.ndarray, e: np.ndarray, choice: str) -> PatienceCalibration:
    n, d = len(t), int(e.sum())
    max_wait = float(t.max()) if n else 0.0
    if d == 0:
        km = kaplan_meier(t, e) if n else None
        reason = "no abandoned contacts: patience omitted (nobody abandons in the scenario); the data only say patience exceeds the longest wait"
        reason += f" ({max_wait:.0f} s) for most customers"
        return PatienceCalibration(n, 0, None, None, km, [], {}, "none", None, reason, max_wait)
    naive = float(t[e].mean())
    shortcut = float(t.mean() / e.mean())
    km = kaplan_meier(t, e)
    fits = fit_patience(t, e)
    tests = {f.family: piecewise_test(t, e, f) for f in fits}
    best = min(fits, key=lambda f: f.aic)
    ok = [f for f in sorted(fits, key=lambda f: f.aic) if tests[f.family] is None or tests[f.family][2] >= PATIENCE_ALPHA]
    if choice == "auto":
        if ok:
            chosen = ok[0]
            test = tests[chosen.family]
            why = "too few abandons for a test against the curve" if test is None else f"a likelihood-ratio test against a piecewise-constant hazard does not reject it (p = {test[2]:.2g})"
            if chosen is best:
                reason = f"lowest AIC of the censored fits, and {why}"
            else:
                reason = f"{best.family} has a lower AIC but is rejected; {chosen.family} is not ({why})"
            return PatienceCalibration(n, d, naive, shortcut, km, fits, tests, chosen.family, chosen.params, reason, max_wait)
        choice_reason = f"every fitted distribution is rejected by a likelihood-ratio test against a piecewise-constant hazard (best p = {max(tests[f.family][2] for f in fits):.2g}), so the Kaplan-Meier curve is written"
    elif choice == "curve":
        choice_reason = "the Kaplan-Meier curve asked for (--patience curve)"
    else:
        f = next((x for x in fits if x.family == choice), None)
        if f is None:
            f = fits[0]
            reason = f"only {d} abandon(s): {f.family} written instead of {choice}"
        else:
            reason = f"{choice} asked for (--patience {choice}); AIC {f.aic - best.aic:+.1f} against the best ({best.family})"
        return PatienceCalibration(n, d, naive, shortcut, km, fits, tests, f.family, f.params, reason, max_wait)
    points, tail = curve_points(km, best)
    reason = f"{choice_reason}; Kaplan-Meier up to {km.trusted_until:.0f} s (the last abandon with {MIN_AT_RISK}+ contacts still waiting), {tail} beyond"
    return PatienceCalibration(n, d, naive, shortcut, km, fits, tests, "curve", {"dist": "survival_curve", "points": points}, reason, max_wait)


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
    pts = [[0.0, float(surv[0])]] + [[float(t), float(s)] for t, s in zip(grid[1:], surv[1:])]
    dist = frozen(tail_fit.params)
    s_end = float(km.at(t_end))
    base = float(dist.sf(t_end))
    tail = f"the fitted {tail_fit.family} tail (conditional on waiting {t_end:.0f} s)"
    if s_end > 0 and base > 0:
        for mult in (1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64):
            t = t_end * mult
            s = s_end * float(dist.sf(t)) / base
            if s < 0.002:
                break
            pts.append([t, s])
        pts.append([pts[-1][0] * 1.5 if pts[-1][0] > 0 else 1.0, 0.0])
    out: list[list[float]] = []
    for t, s in pts:
        t, s = round(t, 1), round(min(s, out[-1][1] if out else 1.0), 4)
        if out and t <= out[-1][0]:
            continue
        out.append([t, s])
    return out, tail


def _carried_load(ans_clock: np.ndarray, handle: np.ndarray, dpos: np.ndarray, n_days: int, start_s: float, ival_s: float, n_int: int) -> list[float]:
    """Mean busy agents per interval: handling time falling in the interval over its length."""
    end = ans_clock + np.nan_to_num(handle)
    out = []
    for j in range(n_int):
        a = start_s + j * ival_s
        overlap = np.clip(np.minimum(end, a + ival_s) - np.maximum(ans_clock, a), 0, None)
        out.append(float(overlap.sum() / ival_s / n_days))
    return out


def _estimate_busyness(totals: np.ndarray) -> Busyness:
    """Gamma busyness shape K from day totals: Var(N) = m + m^2 / K beyond Poisson's Var(N) = m.

    Written only when a dispersion test rejects Poisson day-to-day variation at 5%: otherwise a
    small chance excess of variance would become a spurious busyness factor.
    """
    days = len(totals)
    if days < 3:
        return Busyness(days, float(totals.mean()) if days else None, None, None, None, f"{days} day(s) in the log: at least 3 are needed to estimate day-to-day variation; busyness omitted")
    m, v = float(totals.mean()), float(totals.var(ddof=1))
    stat = (days - 1) * v / m
    p = float(stats.chi2.sf(stat, days - 1))
    if p >= BUSYNESS_ALPHA or v <= m:
        return Busyness(days, m, v, p, None, f"day totals vary no more than Poisson chance allows (variance {v:,.0f} vs mean {m:,.0f}, dispersion test p = {p:.2f}); busyness omitted")
    k = m * m / (v - m)
    return Busyness(days, m, v, p, round(k, 2), f"day totals vary more than Poisson (variance {v:,.0f} vs mean {m:,.0f}, dispersion test p = {p:.2g}): gamma shape K = m^2 / (variance - m) = {k:.1f}, i.e. a day-level multiplier with sd {1 / math.sqrt(k):.1%}")


def _placeholder_staffing(types: dict[str, TypeCalibration], interval_minutes: int, sl_seconds: float, sl_target: float) -> Staffing:
    """One pool per contact type, staffed per interval by Erlang A (Erlang C without abandons)."""
    try:
        from . import erlang
    except ImportError:  # pragma: no cover - erlang.py is written separately
        erlang = None
    pools = {}
    for name, tc in types.items():
        aht = tc.handle.aht if tc.handle.n else 300.0
        aht = aht if aht > 0 else 1.0
        patience = tc.patience.shortcut_mean
        agents = []
        for vol in tc.volumes:
            rate_h = vol * 60.0 / interval_minutes
            if erlang is not None:
                if patience is not None:
                    res = erlang.solve_agents("A", rate_h, aht, sl_seconds, target_sl=sl_target, patience_s=patience)
                else:
                    res = erlang.solve_agents("C", rate_h, aht, sl_seconds, target_sl=sl_target)
                agents.append(int(res.required_agents))
            else:
                load = rate_h * aht / 3600.0
                agents.append(int(math.ceil(load + math.sqrt(load))) if load > 0 else 0)
        if erlang is not None:
            how = f"Erlang {'A' if patience is not None else 'C'} per interval for {sl_target:.0%} answered within {sl_seconds:g} s (AHT {aht:.0f} s" + (f", mean patience {patience:.0f} s" if patience is not None else "") + ")"
        else:
            how = "square-root staffing R + sqrt(R) per interval (the Erlang module was not available)"
        pools[f"{name}_team"] = {"skills": [name], "agents": agents, "how": how}
    method = "placeholder: the log does not say how many agents were staffed; " + "; ".join(f"{p}: {v['how']}" for p, v in pools.items())
    for p in pools.values():
        del p["how"]
    return Staffing("placeholder", pools, method)


def _staffing_from_csv(path: Path, log: ContactLog, type_names: list[str], start_minute: int, interval_minutes: int, n_int: int) -> Staffing:
    """Agents per interval per pool from ``interval_start,<pool>,<pool>...`` (clock or ISO times).

    Rows on several dates are averaged per clock time; a finer grid is averaged into each
    interval, a coarser one carried forward. Skills come from the log's ``pool`` column when it
    has one, else from a pool named like a contact type, else from there being one type only.
    """
    name = path.name
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise CalibrationError([f"--staffing {path}: cannot read ({exc.strerror or exc})"]) from None
    lines = text.splitlines()
    if not lines:
        raise CalibrationError([f"--staffing {name}: empty file"])
    reader = csv.reader(lines, delimiter=_sniff_delimiter(lines[0]))
    header = [h.strip() for h in next(reader)]
    if not header or header[0] != "interval_start" or len(header) < 2:
        raise CalibrationError([f"--staffing {name}: the header must be interval_start followed by one column per agent pool (got: {', '.join(header)})"])
    pool_names = header[1:]
    by_minute: dict[int, list[list[float]]] = {}
    problems = []
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        try:
            stamp = row[0].strip()
            if len(stamp) <= 5 and ":" in stamp:
                hh, mm = stamp.split(":")
                minute = int(hh) * 60 + int(mm)
            else:
                ts = datetime.fromisoformat(stamp)
                minute = ts.hour * 60 + ts.minute
            vals = [float(c) for c in row[1 : len(header)]]
            if len(vals) != len(pool_names) or any(not math.isfinite(v) or v < 0 for v in vals):
                raise ValueError
        except (ValueError, IndexError):
            problems.append(f"--staffing {name} line {line}: expected a clock time (08:30) or ISO timestamp and {len(pool_names)} agent count(s) >= 0")
            continue
        by_minute.setdefault(minute, []).append(vals)
    if problems:
        raise CalibrationError(problems[:MAX_ERRORS])
    if not by_minute:
        raise CalibrationError([f"--staffing {name}: no rows"])
    minutes = sorted(by_minute)
    mean_at = {m: np.mean(by_minute[m], axis=0) for m in minutes}
    agents = np.zeros((n_int, len(pool_names)))
    missing = []
    for j in range(n_int):
        a = start_minute + j * interval_minutes
        inside = [m for m in minutes if a <= m < a + interval_minutes]
        if inside:
            agents[j] = np.mean([mean_at[m] for m in inside], axis=0)
        else:
            before = [m for m in minutes if m < a]
            if not before:
                missing.append(f"{a // 60:02d}:{a % 60:02d}")
                continue
            agents[j] = mean_at[before[-1]]
    if missing:
        raise CalibrationError([f"--staffing {name}: no staffing for interval(s) {', '.join(missing)} (the log has contacts from {start_minute // 60:02d}:{start_minute % 60:02d})"])
    pools: dict[str, dict] = {}
    problems = []
    for p, pname in enumerate(pool_names):
        skills = _pool_skills(pname, log, type_names)
        if skills is None:
            problems.append(
                f"--staffing {name}: cannot tell which contact types pool '{pname}' serves: name the column after a contact type ({', '.join(type_names)}) or give the log a pool column (--columns pool=...)"
            )
            continue
        pools[pname] = {"skills": skills, "agents": [int(round(x)) for x in agents[:, p]]}
    served = {s for p in pools.values() for s in p["skills"]}
    problems += [f"--staffing {name}: no pool serves contact type '{t}'" for t in type_names if t not in served and not problems]
    if problems:
        raise CalibrationError(problems)
    how = "; ".join(f"{p} serves {', '.join(v['skills'])}" for p, v in pools.items())
    return Staffing("csv", pools, f"from {name} ({len(by_minute)} clock times, averaged per interval); {how}")


def _pool_skills(pname: str, log: ContactLog, type_names: list[str]) -> list[str] | None:
    if log.pool_idx is not None and pname in log.pools:
        k = log.pools.index(pname)
        sel = log.pool_idx == k
        counts = np.bincount(log.type_idx[sel], minlength=len(log.types))
        return [log.types[i] for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
    if pname in type_names:
        return [pname]
    if len(type_names) == 1:
        return list(type_names)
    return None


# --- the commented scenario file -------------------------------------------------------------


def _flow(value) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, width=10**9, sort_keys=False).strip().removesuffix("...").strip()


def _wrapped_list(key: str, values: list, labels: list[str], indent: int, per_line: int = 8) -> list[str]:
    """``key: [a, b, ...]`` over several lines, each ending with a comment naming its intervals."""
    pad = " " * indent
    if not values:
        return [f"{pad}{key}: []"]
    out = []
    lead = f"{pad}{key}: ["
    cont = " " * len(lead)
    chunks = [values[i : i + per_line] for i in range(0, len(values), per_line)]
    for c, chunk in enumerate(chunks):
        i0 = c * per_line
        body = ", ".join(_flow(v) for v in chunk)
        last = c == len(chunks) - 1
        text = (lead if c == 0 else cont) + body + ("]" if last else ",")
        span = labels[i0] if len(chunk) == 1 else f"{labels[i0]}-{labels[i0 + len(chunk) - 1]}"
        out.append(f"{text}   # {span}")
    return out


def render_yaml(cal: Calibration) -> str:
    """The scenario with comments saying what was estimated from what, and what needs review."""
    sc = cal.scenario_dict()
    labels = cal.labels
    lines = [
        f"# Calibrated by ccsim {__version__} from {Path(cal.source).name}: {cal.rows:,} contacts, {len(cal.days)} day(s)",
        f"# ({cal.days[0].isoformat()} to {cal.days[-1].isoformat()}), {cal.interval_minutes}-minute intervals {labels[0]}-{_clock(cal.end_minute)}.",
        f"# {cal.time_note}.",
        "# Every number below was estimated from the log except the lines marked REVIEW.",
        "#   ccsim run THIS_FILE            # simulate the calibrated day",
        "#   ccsim calibrate LOG --report DIR   # the fits, plotted against the data",
    ]
    for note in cal.notes:
        lines.append(f"# note: {note}")
    lines += [f"name: {_flow(sc['name'])}", f"description: {_flow(sc['description'])}", "seed: 1", "replications: 10"]
    lines.append("# horizon: from the first to the last interval in which contacts arrived")
    lines.append(f"horizon: {_flow(sc['horizon'])}")
    lines.append(f"# busyness: {cal.busyness.reason}")
    if "busyness" in sc:
        lines.append(f"busyness: {_flow(sc['busyness'])}")
    lines.append("contact_types:")
    for name, tc in cal.types.items():
        ct = sc["contact_types"][name]
        lines.append(f"  {_flow(name)}:")
        lines.append(f"    # {tc.contacts:,} contacts: {tc.answered:,} answered, {tc.abandoned:,} abandoned ({tc.abandoned / tc.contacts:.1%})")
        lines.append("    arrivals:")
        lines.append(f"      # mean contacts per {cal.interval_minutes}-minute interval over {len(cal.days)} day(s) ({tc.per_day.sum(1).mean():,.1f} a day)")
        lines += _wrapped_list("volumes", ct["arrivals"]["volumes"], labels, 6)
        h = tc.handle
        if h.n:
            lines.append(f"    # handle time: {h.n:,} answered, AHT {h.aht:.1f} s, cv {h.cv or 0:.2f}; {h.chosen}: {h.reason}")
        else:
            lines.append(f"    # handle time: REVIEW: {h.reason}")
        if h.zero:
            lines.append(f"    # ({h.zero:,} zero handle time(s) in the AHT but not in the fit)")
        lines.append(f"    handle_time: {_flow(ct['handle_time'])}")
        p = tc.patience
        if p.written is None:
            lines.append(f"    # patience: REVIEW: {p.reason}")
        else:
            lines.append(
                f"    # patience: {p.abandoned:,} abandons, {p.n - p.abandoned:,} answered contacts censored at their wait; naive mean"
                f" (abandoners only) {p.naive_mean:.1f} s, shortcut E[wait]/P(abandon) {p.shortcut_mean:.1f} s"
            )
            lines.append(f"    # chosen {p.chosen}: {p.reason}")
            if p.chosen == "curve":
                lines.append("    patience:")
                lines.append("      dist: survival_curve")
                lines.append("      points:   # [seconds, share still waiting]")
                for t, s in p.written["points"]:
                    lines.append(f"        - {_flow([t, s])}")
            else:
                lines.append(f"    patience: {_flow(ct['patience'])}")
        lines.append(f"    service_level: {_flow(ct['service_level'])}   # REVIEW: your target (a log has none; --sl-seconds, --sl-target)")
    lines.append("agent_pools:")
    if cal.staffing.source == "placeholder":
        lines.append("  # REVIEW: PLACEHOLDER STAFFING. A contact log does not say how many agents were logged in.")
        lines.append("  # How they were computed:")
        for part in cal.staffing.method.split("; ")[1:]:
            lines.append(f"  #   {part}")
        lines.append("  # Replace them with your real staffing, or rerun with --staffing STAFF.csv (interval_start,<pool>,...).")
    else:
        lines.append(f"  # staffing {cal.staffing.method}")
    for pname, pool in sc["agent_pools"].items():
        lines.append(f"  {_flow(pname)}:")
        lines.append(f"    skills: {_flow(pool['skills'])}")
        lines += _wrapped_list("agents", pool["agents"], labels, 4, per_line=12)
    return "\n".join(lines) + "\n"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


__all__ = [
    "Calibration",
    "CalibrationError",
    "ContactLog",
    "Fit",
    "KaplanMeier",
    "calibrate",
    "calibrate_log",
    "fit_handle_times",
    "fit_patience",
    "kaplan_meier",
    "piecewise_test",
    "read_log",
    "render_yaml",
]
