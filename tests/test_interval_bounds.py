"""Confidence intervals stay inside what is possible: a share in [0, 1], a count or a time at or above 0.

Every metric declares its range through its unit (``ccsim.metrics.UNIT_BOUNDS``); the Student-t
interval is cut to it. With 2 replications the uncut interval is wide and leaves the range in many
intervals of the bundled scenarios (a service level up to 100.3%, an abandon rate down to -0.005%,
a 90th-percentile wait down to -0.7 s); the cut must keep every one of them inside, in the Python
API, the JSON and the CSV alike, and keep the mean, the plain mean, inside its own interval.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import ccsim
from ccsim.metrics import NON_NEGATIVE, POOL_METRICS, SHARE, TYPE_METRICS, UNBOUNDED, estimate, estimate_columns

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import regenerate  # noqa: E402  (the golden test's list of bundled scenarios and their variants)

SCENARIOS = regenerate.bundled_scenarios()


def test_the_t_interval_is_cut_to_the_range_and_nothing_else_changes():
    v = np.array([0.99, 1.0, 0.97])  # a service level whose t interval reaches 102.5%
    half = stats.t.ppf(0.975, 2) * v.std(ddof=1) / math.sqrt(3)
    share = estimate(v, bounds=SHARE)
    assert share.mean == pytest.approx(v.mean()) and share.lo == pytest.approx(v.mean() - half) and share.hi == 1.0
    difference = estimate(v - 0.99)  # a paired difference may be negative: not cut
    assert difference.lo == pytest.approx(v.mean() - 0.99 - half) and difference.hi == pytest.approx(v.mean() - 0.99 + half)
    counts = estimate_columns(np.array([[0.0, 3.0, 0.0], [0.0, 0.0, 1.0]]), bounds=NON_NEGATIVE)
    assert (counts[0].lo, counts[0].hi) == (0.0, 0.0)  # all zero: agreement, no width
    assert all(e.lo == 0.0 and e.lo <= e.mean <= e.hi for e in counts[1:])
    unbounded = estimate_columns(np.array([[0.0, 3.0], [0.0, 0.0]]), bounds=UNBOUNDED)
    assert unbounded[1].lo < 0  # the same values, no range declared: the plain t interval


def check(mean, lo, hi, bounds, where: str) -> None:
    """mean in the range and, where there is an interval, low <= lo <= mean <= hi <= high."""
    low, high = bounds
    if mean is None:
        assert lo is None and hi is None, where
        return
    assert low <= mean <= high, f"{where}: mean {mean} outside {bounds}"
    if lo is not None:
        assert low <= lo <= mean <= hi <= high, f"{where}: [{lo}, {hi}] around {mean}, range {bounds}"


def number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


@pytest.fixture(scope="module", params=[2, 20], ids=["r2", "r20"])
def results(request) -> dict[str, ccsim.SimulationResult]:
    return {key: ccsim.simulate(sc, replications=request.param, workers=1) for key, sc in SCENARIOS.items()}


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_every_interval_of_every_metric_stays_possible(results, key):
    result = results[key]
    scopes = (
        (result.by_contact_type, result.intervals_by_contact_type, TYPE_METRICS),
        (result.by_pool, result.intervals_by_pool, POOL_METRICS),
    )
    for day, intervals, metrics in scopes:
        for name in day:
            for m in metrics:
                for i, e in enumerate([day[name][m.name], *intervals[name][m.name]]):
                    check(e.mean, e.lo, e.hi, m.bounds, f"{key} {name} {'day' if i == 0 else f'interval {i - 1}'} {m.name}")

    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for block, rows, metrics in (("by_contact_type", "by_interval", TYPE_METRICS), ("by_pool", "by_interval_pool", POOL_METRICS)):
        figures = [(f"JSON {block} {name}", fig) for name, fig in data[block].items()]
        figures += [(f"JSON {rows} {row['interval_start']}", row) for row in data[rows]]
        for where, fig in figures:
            for m in metrics:
                check(fig[m.name]["mean"], *fig[m.name]["ci95"], m.bounds, f"{key} {where} {m.name}")

    for row in csv.DictReader(io.StringIO(result.interval_csv())):
        for m in (m for m in TYPE_METRICS if m.name in row):  # the CSV has the metrics that matter for the scenario
            cells = (number(row[c]) for c in (m.name, f"{m.name}_lo", f"{m.name}_hi"))
            check(*cells, m.bounds, f"{key} CSV {row['interval_start']} {row['contact_type']} {m.name}")

