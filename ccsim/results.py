"""The result of simulating a scenario: figures with confidence intervals, ready for JSON, CSV,
Excel, pandas and plots.

The JSON carries every metric for every contact type. The interval tables a planner or analyst
reads (``intervals.csv``, the Excel ``intervals`` sheet, ``to_pandas()``) carry the columns that
matter for the scenario (``interval_columns``): every core metric, a behaviour's metrics only where
the scenario switches that behaviour on (``relevant_metrics``), the agents present and the
occupancy of the pools serving each type.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Sequence

import numpy as np

from ._version import __version__
from .metrics import BEHAVIOUR_METRICS, NON_NEGATIVE, POOL_METRICS, TYPE_METRICS, Estimate, EstimateColumn, estimate, estimate_columns, stack_counters, summarise, summarise_parts
from .model.behaviours import REGISTRY
from .model.tally import ReplicationStats
from .scenario import Horizon, Scenario
from .scenario_behaviours import relevant_metrics

#: Contact-type metrics that belong to a behaviour (each behaviour declares those it feeds, and the
#: customer basis is one): in the interval tables only where ``relevant_metrics`` lists them.
BEHAVIOUR_METRIC_NAMES = frozenset(m.name for m in BEHAVIOUR_METRICS) | frozenset(m for cls in REGISTRY for m in cls.metrics)


class Column(NamedTuple):
    """A figure of the interval tables: its column name, unit (``Metric.unit``: how a spreadsheet
    formats it), and per contact type (or pool) its estimates per interval, an ``EstimateColumn``
    or a list of ``Estimate`` (None where it does not apply: a pool that does not serve the type)."""

    name: str
    unit: str
    of: Callable[[str], Sequence[Estimate] | None]


def interval_starts(horizon: Horizon, date: dt.date | str | None = None) -> list:
    """Each interval's start as a real time: ``datetime.time`` of day for a horizon of at most a day,
    else a ``datetime.timedelta`` since midnight of its first day; given ``date`` (the horizon's
    first day; a dated horizon's own by default), ``datetime.datetime`` on that date and the next ones."""
    minutes = [horizon.start_minute + i * horizon.interval_minutes for i in range(horizon.n_intervals)]
    date = date if date is not None else horizon.start_date
    if date is not None:
        midnight = dt.datetime.combine(dt.date.fromisoformat(date) if isinstance(date, str) else date, dt.time())
        return [midnight + dt.timedelta(minutes=m) for m in minutes]
    if horizon.total_minutes <= 1440:
        return [dt.time(m // 60 % 24, m % 60) for m in minutes]
    return [dt.timedelta(minutes=m) for m in minutes]


def plural(count: int, noun: str) -> str:
    """'1 pool', '3 pools': for the one-line reprs of results."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def estimate_frame(columns: list[Column], names: list[str], starts: list, level: str):
    """A DataFrame of ``columns`` for ``names``: one row per interval start and name (intervals
    outermost), columns (figure, stat) with stat mean, lo and hi; NaN where a figure is undefined.
    A column's ``of`` may give an ``EstimateColumn`` or any sequence of ``Estimate``."""
    import pandas as pd

    def stats(col) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if col is None:
            nan = np.full(len(starts), np.nan)
            return nan, nan, nan
        if isinstance(col, EstimateColumn):  # its arrays, without an Estimate per interval
            n = np.asarray(col.n)
            return np.where(n > 0, col.mean, np.nan), np.where(n > 1, col.lo, np.nan), np.where(n > 1, col.hi, np.nan)
        return tuple(np.array([getattr(e, stat) for e in col], float) for stat in ("mean", "lo", "hi"))  # None -> NaN

    data = {}
    for column in columns:
        per_name = [stats(column.of(name)) for name in names]  # (names, 3 stats, intervals)
        for s, stat in enumerate(("mean", "lo", "hi")):
            data[(column.name, stat)] = np.array([v[s] for v in per_name], float).T.ravel()
    index = pd.MultiIndex.from_product([starts, names], names=["interval_start", level])
    return pd.DataFrame(data, index=index, columns=pd.MultiIndex.from_tuples(list(data), names=["metric", "stat"]))


def stack_frames(frames: dict, level: str):
    """DataFrames of several plans (or staffing levels) as one, their keys the outer index ``level``."""
    import pandas as pd

    return pd.concat(list(frames.values()), keys=list(frames), names=[level])


@dataclass
class SimulationResult:
    """Day and per-interval figures per contact type and pool, each an ``Estimate`` (mean, ci95).

    ``by_contact_type[name][metric]`` and ``by_pool[name][metric]`` hold the day;
    ``intervals_by_contact_type[name][metric][i]`` and ``intervals_by_pool`` the intervals.
    ``replication_stats`` keeps the raw accumulators so paired comparisons can be made later.
    """

    scenario: Scenario
    seed: int
    replications: int
    labels: list[str]
    by_contact_type: dict[str, dict[str, Estimate]]
    by_pool: dict[str, dict[str, Estimate]]
    intervals_by_contact_type: dict[str, dict[str, EstimateColumn]]
    intervals_by_pool: dict[str, dict[str, EstimateColumn]]
    replication_stats: list[ReplicationStats] = field(repr=False)
    #: on a dated horizon, date (ISO) -> "by_contact_type" / "by_pool" -> name -> metric -> the
    #: date's Estimate; None otherwise
    by_date: dict | None = field(default=None, repr=False)
    wall_time_s: float = 0.0
    partial: bool = False
    ccsim_version: str = __version__

    @classmethod
    def from_replications(cls, scenario: Scenario, reps: list[ReplicationStats], wall_time_s: float = 0.0, partial: bool = False) -> "SimulationResult":
        if not reps:
            raise ValueError("no replication finished")
        hz = scenario.horizon
        bases = [ct.service_level.definition for ct in scenario.contact_types.values()]
        types, pools = stack_counters(reps, bases, hz)
        day_t, int_t = summarise(TYPE_METRICS, types, scenario.type_names)
        day_p, int_p = summarise(POOL_METRICS, pools, scenario.pool_names)
        by_date = None
        if hz.start_date is not None:
            dates = hz.interval_dates()
            parts = {d.isoformat(): slice(dates.index(d), len(dates) - dates[::-1].index(d)) for d in hz.dates}
            types_by_date = summarise_parts(TYPE_METRICS, types, scenario.type_names, parts)
            pools_by_date = summarise_parts(POOL_METRICS, pools, scenario.pool_names, parts)
            by_date = {d: {"by_contact_type": types_by_date[d], "by_pool": pools_by_date[d]} for d in parts}
        return cls(
            scenario=scenario,
            seed=scenario.seed,
            replications=len(reps),
            labels=hz.interval_labels(),
            by_contact_type=day_t,
            by_pool=day_p,
            intervals_by_contact_type=int_t,
            intervals_by_pool=int_p,
            replication_stats=reps,
            by_date=by_date,
            wall_time_s=wall_time_s,
            partial=partial,
        )

    # --- views -------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The documented ``--json`` / ``summary.json`` shape (docs/json.md)."""

        def block(metrics: dict[str, Estimate]) -> dict:
            return {m: e.to_dict() for m, e in metrics.items()}

        def rows(intervals: dict[str, dict[str, EstimateColumn]], key: str) -> list[dict]:
            """One row per interval and name, intervals outermost."""
            figures = {name: {m: ests.to_dicts() for m, ests in metrics.items()} for name, metrics in intervals.items()}
            return [
                {"interval_start": label, key: name, **{m: column[i] for m, column in columns.items()}}
                for i, label in enumerate(self.labels)
                for name, columns in figures.items()
            ]

        out = {
            "ccsim_version": self.ccsim_version,
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": self.replications,
            "partial": self.partial,
            "wall_time_seconds": round(self.wall_time_s, 3),
            "by_contact_type": {
                name: {**block(metrics), "answered_by_pool": self.answered_by_pool(name)} for name, metrics in self.by_contact_type.items()
            },
            "by_pool": {n: block(m) for n, m in self.by_pool.items()},
            "by_interval": rows(self.intervals_by_contact_type, "contact_type"),
            "by_interval_pool": rows(self.intervals_by_pool, "pool"),
        }
        if self.by_date is not None:
            out["by_date"] = {d: {section: {n: block(m) for n, m in names.items()} for section, names in parts.items()} for d, parts in self.by_date.items()}
        return out

    def answered_by_pool(self, contact_type: str) -> dict[str, dict] | None:
        """Answered contacts of a type per pool over the day ({pool: {mean, ci95}}), when the
        scenario routes through overflow rings; None otherwise (one pool per type is the rule)."""
        counts = [s.extra.get("answered_by_pool") for s in self.replication_stats]
        if any(c is None for c in counts):
            return None
        k = self.scenario.type_names.index(contact_type)
        day = np.array([c[k].sum(-1) for c in counts])  # (replications, pools)
        return {pool: estimate(day[:, p]).to_dict() for p, pool in enumerate(self.scenario.pool_names)}

    def answered_by_pool_intervals(self, contact_type: str) -> dict[str, np.ndarray] | None:
        """Mean answered contacts of a type per pool and interval (for the report's stacked chart)."""
        counts = [s.extra.get("answered_by_pool") for s in self.replication_stats]
        if any(c is None for c in counts):
            return None
        k = self.scenario.type_names.index(contact_type)
        mean = np.mean([c[k][:, 1:-1] for c in counts], axis=0)  # the horizon's intervals (not warm-up or drain)
        return {pool: mean[p] for p, pool in enumerate(self.scenario.pool_names)}

    def type_agents(self, contact_type: str) -> EstimateColumn:
        """Agents present per interval in the pools that serve ``contact_type`` (a mean over the
        interval, summed over those pools replication by replication, with its 95% interval)."""
        pools = [p for p, (name, pool) in enumerate(self.scenario.agent_pools.items()) if contact_type in pool.skill_levels]
        area = np.stack([r.pool_levels["agents_area"][pools].sum(0) for r in self.replication_stats])
        return estimate_columns(area / self.scenario.horizon.interval_s, bounds=NON_NEGATIVE)

    def interval_columns(self) -> list[Column]:
        """The figures of the interval tables, per contact type: the type metrics that matter for
        this scenario (every core one; a behaviour's where ``relevant_metrics`` lists it for some
        type), in ``TYPE_METRICS`` order, then ``agents`` present in the type's pools, then the
        occupancy of each pool (``occupancy_<pool>``, for the types it serves)."""
        relevant = {m for metrics in relevant_metrics(self.scenario).values() for m in metrics}
        by_type = self.intervals_by_contact_type
        columns = [
            Column(m.name, m.unit, lambda name, m=m.name: by_type[name][m])
            for m in TYPE_METRICS
            if m.name not in BEHAVIOUR_METRIC_NAMES or m.name in relevant
        ]
        columns.append(Column("agents", "agents", self.type_agents))
        for pname, pool in self.scenario.agent_pools.items():
            occupancy = self.intervals_by_pool[pname]["occupancy"]
            columns.append(Column(f"occupancy_{pname}", "share", lambda name, pool=pool, col=occupancy: col if name in pool.skill_levels else None))
        return columns

    def pool_columns(self) -> list[Column]:
        """The figures of the per-pool interval tables: every pool metric (``POOL_METRICS``)."""
        return [Column(m.name, m.unit, lambda name, m=m.name: self.intervals_by_pool[name][m]) for m in POOL_METRICS]

    def interval_rows(self) -> list[dict]:
        """Flat rows (interval x contact type) with ``figure``, ``figure_lo``, ``figure_hi`` for each
        of ``interval_columns``: the CSV. For a notebook, ``to_pandas()``."""
        columns = self.interval_columns()
        figures = {name: [(c.name, est) for c in columns if (est := c.of(name)) is not None] for name in self.scenario.type_names}
        rows = []
        for i, label in enumerate(self.labels):
            for name, estimates in figures.items():
                row: dict = {"interval_start": label, "contact_type": name}
                for figure, ests in estimates:
                    e = ests[i]
                    row[figure], row[f"{figure}_lo"], row[f"{figure}_hi"] = e.mean, e.lo, e.hi
                rows.append(row)
        return rows

    def to_pandas(self, by: str = "contact_type", date: dt.date | str | None = None):
        """The intervals as a pandas DataFrame indexed by (interval_start, contact_type), or by
        (interval_start, pool) with ``by="pool"``; columns (metric, stat) with stat mean, lo and hi
        (the 95% interval; NaN where undefined). ``interval_start`` is a time of day (see
        ``interval_starts``; a ``date`` makes it a timestamp). The columns are those of the CSV
        (``interval_columns``) or, by pool, every pool metric."""
        if by not in ("contact_type", "pool"):
            raise ValueError(f"by must be 'contact_type' or 'pool', not {by!r}")
        columns, names = (self.interval_columns(), self.scenario.type_names) if by == "contact_type" else (self.pool_columns(), self.scenario.pool_names)
        return estimate_frame(columns, names, interval_starts(self.scenario.horizon, date), by)

    def __repr__(self) -> str:
        sc = self.scenario
        return (
            f"SimulationResult({sc.name!r}, {plural(self.replications, 'replication')}, {plural(len(self.labels), 'interval')}, "
            f"{plural(len(sc.contact_types), 'contact type')}, {plural(len(sc.agent_pools), 'pool')}{', partial' if self.partial else ''})"
        )

    def interval_csv(self) -> str:
        rows = self.interval_rows()
        buf = io.StringIO()
        fields = list(dict.fromkeys(k for r in rows for k in r))
        writer = csv.DictWriter(buf, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()

    def interval_means(self, contact_type: str, metric: str) -> np.ndarray:
        """Per-interval means as an array (NaN where undefined), for quick notebook plots."""
        return self.intervals_by_contact_type[contact_type][metric].means()
