"""The result of simulating a scenario: figures with confidence intervals, ready for JSON, CSV and plots."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np

from ._version import __version__
from .metrics import POOL_METRICS, TYPE_METRICS, Estimate, EstimateColumn, estimate, stack_counters, summarise
from .model.tally import ReplicationStats
from .scenario import Scenario


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
    wall_time_s: float = 0.0
    partial: bool = False
    ccsim_version: str = __version__

    @classmethod
    def from_replications(cls, scenario: Scenario, reps: list[ReplicationStats], wall_time_s: float = 0.0, partial: bool = False) -> "SimulationResult":
        if not reps:
            raise ValueError("no replication finished")
        hz = scenario.horizon
        bases = [ct.service_level.definition for ct in scenario.contact_types.values()]
        types, pools = stack_counters(reps, bases, hz.interval_s)
        day_t, int_t = summarise(TYPE_METRICS, types, scenario.type_names)
        day_p, int_p = summarise(POOL_METRICS, pools, scenario.pool_names)
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
            return [
                {"interval_start": label, key: name, **{m: ests[i].to_dict() for m, ests in metrics.items()}}
                for i, label in enumerate(self.labels)
                for name, metrics in intervals.items()
            ]

        return {
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

    def interval_rows(self) -> list[dict]:
        """Flat rows (interval x contact type) with ``metric``, ``metric_lo``, ``metric_hi`` columns:
        the CSV, and ``pandas.DataFrame(result.interval_rows())`` in a notebook."""
        rows = []
        for i, label in enumerate(self.labels):
            for name, metrics in self.intervals_by_contact_type.items():
                row: dict = {"interval_start": label, "contact_type": name}
                for m, ests in metrics.items():
                    row[m], row[f"{m}_lo"], row[f"{m}_hi"] = ests[i].mean, ests[i].lo, ests[i].hi
                for pname, pool in self.scenario.agent_pools.items():
                    if name in pool.skill_levels:
                        est = self.intervals_by_pool[pname]["occupancy"][i]
                        row[f"occupancy_{pname}"] = est.mean
                rows.append(row)
        return rows

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
