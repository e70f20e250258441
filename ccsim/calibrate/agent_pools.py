"""The ``agent_pools`` of a calibrated scenario: from the planner's staffing file, or an Erlang placeholder.

Why: a contact log says when contacts arrived, were answered and ended, never how many agents were
logged in. The staffing comes from a file the planner gives, or is a placeholder computed from
the estimated volumes, AHT and patience, marked for review.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..config import ScenarioError
from ..input_files import DATE_COLUMN, TIME_COLUMNS, decimal_mark, parse_interval_start, parse_number, read_table
from .logs import MAX_ERRORS, CalibrationError, ContactLog, clock_label

if TYPE_CHECKING:
    from .calibration import TypeCalibration


@dataclass
class Staffing:
    """The agent pools written, and how their numbers were found."""

    source: str  # "csv" (the planner's staffing file, whatever its format: the JSON keeps the name) or "placeholder"
    pools: dict[str, dict]  # name -> {"skills": [...], "agents": [...]}
    method: str
    note: str | None = None  # how the file was read, where that was a guess (its encoding)

    def to_dict(self) -> dict:
        return {"source": self.source, "method": self.method, "pools": self.pools}


def placeholder_staffing(types: dict[str, TypeCalibration], interval_minutes: int, sl_seconds: float, sl_target: float) -> Staffing:
    """One pool per contact type, staffed per interval by Erlang A (Erlang C when nobody abandons)."""
    from ..erlang import solve_agents

    pools = {}
    hows = []
    for name, type_cal in types.items():
        aht = type_cal.handle.aht if type_cal.handle.n else 300.0
        aht = aht if aht > 0 else 1.0
        patience = type_cal.patience.shortcut_mean
        agents = []
        for volume in type_cal.volumes:
            rate_h = volume * 60.0 / interval_minutes
            if patience is not None:
                solved = solve_agents("A", rate_h, aht, sl_seconds, target_sl=sl_target, patience_s=patience)
            else:
                solved = solve_agents("C", rate_h, aht, sl_seconds, target_sl=sl_target)
            agents.append(int(solved.required_agents))
        pool_name = f"{name}_team"
        pools[pool_name] = {"skills": [name], "agents": agents}
        how = f"Erlang {'A' if patience is not None else 'C'} per interval for {sl_target:.0%} answered within {sl_seconds:g} s (AHT {aht:.0f} s"
        how += (f", mean patience {patience:.0f} s" if patience is not None else "") + ")"
        hows.append(f"{pool_name}: {how}")
    method = "placeholder: the log does not say how many agents were staffed; " + "; ".join(hows)
    return Staffing("placeholder", pools, method)


def staffing_from_file(path: Path, log: ContactLog, type_names: list[str], start_minute: int, interval_minutes: int, n_intervals: int) -> Staffing:
    """Agents per interval per pool from the planner's staffing table: a time column (``interval_start``
    or another of ``TIME_COLUMNS``; clock times or dated starts), perhaps a ``date`` column, and one
    column per pool, in any file ``read_table`` reads (.xlsx, or CSV/TSV in the encodings and number
    formats planners' tools write).

    Rows on several dates are averaged per clock time; a finer grid is averaged into each
    interval, a coarser one carried forward. Skills come from the log's ``pool`` column when it
    has one, else from a pool named like a contact type, else from there being one type only.
    """
    try:
        table = read_table(path, "staffing")
    except ScenarioError as exc:
        raise CalibrationError([f"--staffing {line}" for line in exc.problems]) from None
    name = table.name
    time_at = next((at for at in map(table.find, TIME_COLUMNS) if at is not None), None)
    pool_at = [at for at, head in enumerate(table.header) if at != time_at and head and head.casefold() != DATE_COLUMN]
    if time_at is None or not pool_at:
        raise CalibrationError(
            [f"--staffing {name}: the header must name a time column ({', '.join(TIME_COLUMNS)}) and one column per agent pool (got: {', '.join(table.header)})"]
        )
    pool_names = [table.header[at] for at in pool_at]
    rows = [(number, cells) for number, cells in table.rows if any(cell.strip() for cell in cells)]
    decimals = [table.decimal or decimal_mark([cells[at] for _, cells in rows]) for at in pool_at]
    rows_by_minute: dict[int, list[list[float]]] = {}
    problems = []
    for number, cells in rows:
        try:
            _, minute = parse_interval_start(cells[time_at])
        except ValueError:
            problems.append(f"--staffing {name} row {number}: '{cells[time_at].strip()}' is not an interval start like 08:30 or 2026-01-05 08:30")
            continue
        counts = [_agents(cells[at], decimal) for at, decimal in zip(pool_at, decimals)]
        problems += [
            f"--staffing {name} row {number}, column {pool}: '{cells[at].strip()}' is not a number of agents >= 0"
            for pool, at, count in zip(pool_names, pool_at, counts)
            if count is None
        ]
        rows_by_minute.setdefault(minute, []).append(counts)
    if problems:
        raise CalibrationError(problems[:MAX_ERRORS])
    if not rows_by_minute:
        raise CalibrationError([f"--staffing {name}: no rows"])
    minutes = sorted(rows_by_minute)
    mean_at = {m: np.mean(rows_by_minute[m], axis=0) for m in minutes}
    agents = np.zeros((n_intervals, len(pool_names)))
    missing = []
    for interval in range(n_intervals):
        begins = start_minute + interval * interval_minutes
        inside = [m for m in minutes if begins <= m < begins + interval_minutes]
        if inside:
            agents[interval] = np.mean([mean_at[m] for m in inside], axis=0)
        else:
            before = [m for m in minutes if m < begins]
            if not before:
                missing.append(clock_label(begins))
                continue
            agents[interval] = mean_at[before[-1]]
    if missing:
        raise CalibrationError([f"--staffing {name}: no staffing for interval(s) {', '.join(missing)} (the log has contacts from {clock_label(start_minute)})"])
    pools: dict[str, dict] = {}
    problems = []
    for column, pool_name in enumerate(pool_names):
        skills = _pool_skills(pool_name, log, type_names)
        if skills is None:
            problems.append(
                f"--staffing {name}: cannot tell which contact types pool '{pool_name}' serves: name the column after a contact type ({', '.join(type_names)}) or give the log a pool column (--columns pool=...)"
            )
            continue
        pools[pool_name] = {"skills": skills, "agents": [int(round(x)) for x in agents[:, column]]}
    served = {s for p in pools.values() for s in p["skills"]}
    problems += [f"--staffing {name}: no pool serves contact type '{t}'" for t in type_names if t not in served and not problems]
    if problems:
        raise CalibrationError(problems)
    how = "; ".join(f"{p} serves {', '.join(v['skills'])}" for p, v in pools.items())
    return Staffing("csv", pools, f"from {name} ({len(rows_by_minute)} clock times, averaged per interval); {how}", table.note)


def _agents(cell: str, decimal: str) -> float | None:
    """The agents a staffing cell holds (a number >= 0, perhaps a mean with decimals); None if it holds none."""
    try:
        value = parse_number(cell, decimal)
    except ValueError:
        return None
    return value if 0 <= value < math.inf else None


def _pool_skills(pool_name: str, log: ContactLog, type_names: list[str]) -> list[str] | None:
    """The contact types a staffing column serves, most handled first; None when nothing tells."""
    if log.pool_idx is not None and pool_name in log.pools:
        handled = np.bincount(log.type_idx[log.pool_idx == log.pools.index(pool_name)], minlength=len(log.types))
        return [log.types[i] for i in np.argsort(-handled, kind="stable") if handled[i] > 0]
    if pool_name in type_names:
        return [pool_name]
    if len(type_names) == 1:
        return list(type_names)
    return None
