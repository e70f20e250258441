"""Confidence intervals: the vectorised per-interval path agrees with the one-column definition."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ccsim.metrics import estimate, estimate_columns


def test_estimate_is_the_student_t_interval():
    v = np.array([0.8, 0.9, 0.85, 0.7])
    e = estimate(v)
    half = stats.t.ppf(0.975, 3) * v.std(ddof=1) / 2
    assert e.mean == pytest.approx(0.8125) and e.lo == pytest.approx(0.8125 - half) and e.hi == pytest.approx(0.8125 + half)
    assert estimate(np.array([3.0])).lo is None  # one replication: no interval
    assert estimate(np.array([np.nan, np.nan])).mean is None  # undefined everywhere


@pytest.mark.parametrize("replications", [1, 2, 7])
def test_columns_match_one_column_estimates(replications):
    rng = np.random.default_rng(replications)
    v = rng.normal(10, 3, size=(replications, 40))
    v[0, 5] = np.nan  # an interval where one replication had nobody answered
    v[:, 9] = np.inf  # ... and one where none had
    for col, one in zip(estimate_columns(v), (estimate(v[:, j]) for j in range(40))):
        assert col.n == one.n
        for a, b in ((col.mean, one.mean), (col.lo, one.lo), (col.hi, one.hi)):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12)


def test_a_column_reads_like_the_list_of_estimates_it_stands_for():
    v = np.array([[1.0, 2.0, np.nan], [3.0, 4.0, np.nan]])
    col = estimate_columns(v)
    as_list = [estimate(v[:, j]) for j in range(3)]
    assert len(col) == 3 and list(col) == as_list
    assert col[-1] == as_list[-1] and col[1:] == as_list[1:]
    assert [as_list[0]] + col == [as_list[0], *as_list] and col + [] == as_list
    np.testing.assert_array_equal(col.means(), [2.0, 3.0, np.nan])
    with pytest.raises(IndexError):
        col[3]


def test_a_column_as_dicts_is_each_estimate_as_a_dict():
    """The JSON's interval rows read a column at once; each must be what its Estimate would write:
    no mean without a replication, no interval from one, and every figure a Python float."""
    values = np.array([[1.0, np.nan, 2.0, 0.0], [3.0, np.nan, np.nan, 0.5], [5.0, np.nan, np.nan, 1.0]])
    column = estimate_columns(values, bounds=(0.0, np.inf))
    assert [int(k) for k in column.n] == [3, 0, 1, 3]
    dicts = column.to_dicts()
    assert dicts == [e.to_dict() for e in column]
    assert dicts[1] == {"mean": None, "ci95": [None, None]} and dicts[2] == {"mean": 2.0, "ci95": [None, None]}
    assert all(type(v) is float for d in dicts for v in [d["mean"], *d["ci95"]] if v is not None)
