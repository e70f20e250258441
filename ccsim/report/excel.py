"""What a planner's tools read: Excel workbooks of a run and of a staffing plan, and the roster as CSV.

``summary.xlsx`` (``ccsim run --out``) has three sheets: ``day`` (one row per contact type and one
per pool), ``intervals`` (one row per interval and contact type: the columns of intervals.csv) and
``pools`` (one row per interval and pool: agents scheduled, agents present after shrinkage,
occupancy, shrinkage). Every figure is a mean with its 95% interval beside it (``_lo``, ``_hi``).
``staffing.xlsx`` (``ccsim staff --out``) has the agents each plan requires per interval and pool
and, when shifts are planned, the roster: one row per shift with its start, end and breaks, which
``roster.csv`` also holds for workforce-management tools.

Each sheet is one table with its header row (and the columns naming a row) frozen, and typed cells:
interval starts and shift times are times, shares are percentages, seconds and counts are numbers.
Names are always text: a contact type called ``=HYPERLINK(...)`` is not a formula. openpyxl is
imported only when a workbook is written, in write-only mode, so a year of intervals streams out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from ..config import parse_clock
from ..metrics import TYPE_METRICS
from ..results import Column, SimulationResult, interval_starts

#: Number formats by a figure's unit (metrics.Metric.unit); counts and agents are means over days.
UNIT_FORMATS = {"share": "0.0%", "seconds": "0.0", "contacts": "0.0", "customers": "0.0", "agents": "0.0"}
#: Formats of the time cells, by the type of value ``results.interval_starts`` gives.
TIME_FORMATS = {dt.time: "hh:mm", dt.timedelta: "[h]:mm", dt.datetime: "yyyy-mm-dd hh:mm", dt.date: "yyyy-mm-dd"}
#: Rows an Excel sheet holds; a longer table goes on in a second sheet ("pools (2)").
EXCEL_ROWS = 1_048_576


class Table(NamedTuple):
    """One sheet: its title, header, each column's number format (None: as the value is) and rows.
    The first ``keys`` columns name a row and stay in view with the header."""

    title: str
    header: list[str]
    formats: list[str | None]
    rows: Iterable[list]
    keys: int


def workbook(tables: list[Table]) -> Callable[[Path], None]:
    """File content for ``ccsim.outputs``: the workbook of ``tables``, written when the file is."""

    def write(path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook(write_only=True)
        bold = Font(bold=True)

        def cell(sheet, value, number_format: str | None):
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            if isinstance(value, str):  # text, never a formula; characters XML cannot hold as escapes
                c = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value))
                c.data_type = "s"
                return c
            c = WriteOnlyCell(sheet, value)
            c.number_format = TIME_FORMATS.get(type(value)) or number_format or "General"
            return c

        def new_sheet(title: str, table: Table):
            sheet = book.create_sheet(title)
            sheet.freeze_panes = f"{get_column_letter(table.keys + 1)}2"
            for k, name in enumerate(table.header, start=1):
                sheet.column_dimensions[get_column_letter(k)].width = max(10, len(name) + 2)
            head = [cell(sheet, name, None) for name in table.header]
            for c in head:
                c.font = bold
            sheet.append(head)
            return sheet

        for table in tables:
            sheet, part, written = new_sheet(table.title, table), 1, 0
            for row in table.rows:
                if written == EXCEL_ROWS - 1:
                    part += 1
                    sheet, written = new_sheet(f"{table.title} ({part})", table), 0
                sheet.append([cell(sheet, v, f) for v, f in zip(row, table.formats)])
                written += 1
        book.save(path)

    return write


def _figures(columns: list[Column]) -> tuple[list[str], list[str | None]]:
    """Header and formats of ``columns``, each as mean, lo and hi."""
    header = [f"{c.name}{suffix}" for c in columns for suffix in ("", "_lo", "_hi")]
    return header, [UNIT_FORMATS.get(c.unit) for c in columns for _ in range(3)]


def _interval_table(title: str, level: str, result: SimulationResult, columns: list[Column], names: list[str]) -> Table:
    """One row per interval and name (intervals outermost), each figure as mean, lo and hi."""
    header, formats = _figures(columns)
    starts = interval_starts(result.scenario.horizon)
    estimates = {name: [c.of(name) for c in columns] for name in names}

    def rows():
        for i, start in enumerate(starts):
            for name, cols in estimates.items():
                row = [start, name]
                for col in cols:
                    e = None if col is None else col[i]
                    row += [None, None, None] if e is None else [e.mean, e.lo, e.hi]
                yield row

    return Table(title, ["interval_start", level] + header, [None, None] + formats, rows(), 2)


def _day_table(result: SimulationResult, dated: bool = False) -> Table:
    """One row per contact type (its day figures: the metrics of the intervals sheet), then one
    per pool (every pool metric); ``dated``: the same for each date of the horizon (sheet
    ``dates``), where a figure that needs the whole horizon (a wait percentile) is left empty."""
    metrics = {m.name for m in TYPE_METRICS}
    type_columns = [c for c in result.interval_columns() if c.name in metrics]
    pool_columns = result.pool_columns()
    type_header, type_formats = _figures(type_columns)
    pool_header, pool_formats = _figures(pool_columns)
    blank_types, blank_pools = [None] * len(type_header), [None] * len(pool_header)

    def figures(day: dict, columns: list[Column]) -> list:
        return [v for c in columns for e in (day.get(c.name),) for v in ((None,) * 3 if e is None else (e.mean, e.lo, e.hi))]

    def rows_of(by_type: dict, by_pool: dict, key: list) -> list[list]:
        rows = [key + [name, None] + figures(day, type_columns) + blank_pools for name, day in by_type.items()]
        return rows + [key + [None, name] + blank_types + figures(day, pool_columns) for name, day in by_pool.items()]

    header, formats = ["contact_type", "pool"] + type_header + pool_header, [None, None] + type_formats + pool_formats
    if not dated:
        return Table("day", header, formats, rows_of(result.by_contact_type, result.by_pool, []), 2)
    rows = [row for date, parts in result.by_date.items() for row in rows_of(parts["by_contact_type"], parts["by_pool"], [dt.date.fromisoformat(date)])]
    return Table("dates", ["date"] + header, [None] + formats, rows, 3)


def summary_workbook(result: SimulationResult) -> Callable[[Path], None]:
    """summary.xlsx: the sheets day, intervals and pools of a run, and dates (each date's day
    figures) on a horizon of several dates."""
    sc = result.scenario
    dated = [_day_table(result, dated=True)] if result.by_date is not None and len(result.by_date) > 1 else []
    return workbook(
        [
            _day_table(result),
            *dated,
            _interval_table("intervals", "contact_type", result, result.interval_columns(), sc.type_names),
            _interval_table("pools", "pool", result, result.pool_columns(), sc.pool_names),
        ]
    )


# --- a staffing plan -----------------------------------------------------------------------------


def _time_of_day(minute: int) -> dt.time:
    return dt.time(minute % 1440 // 60, minute % 60)


def roster(res) -> tuple[list[str], list[list]]:
    """The planned roster of a ``StaffResult`` with shift plans, as (header, rows): one row per
    shift, with its pool, number within the pool, kind, start, end, paid hours, then each break's
    start and end in the order they are taken (times of day as ``datetime.time``; empty cells where
    a shift has fewer breaks than another). No rows without shift plans."""
    rows = []
    for pool, plan in res.shift_plans.items():
        number = 0
        for shift in plan.to_dict()["shifts"]:
            start = parse_clock(shift["start"])
            times = [_time_of_day(start), _time_of_day(parse_clock(shift["end"]))]
            in_order = sorted(shift["breaks"], key=lambda b: (parse_clock(b["start"]) - start) % 1440)
            breaks = [_time_of_day(parse_clock(b["start"]) + edge) for b in in_order for edge in (0, b["minutes"])]
            for _ in range(shift["count"]):
                number += 1
                rows.append([pool, number, shift["kind"], *times, shift["paid_hours"], *breaks])
    header = ["pool", "shift", "kind", "start", "end", "paid_hours"]
    breaks = max((len(r) - len(header)) // 2 for r in rows) if rows else 0
    header += [f"break_{k}_{edge}" for k in range(1, breaks + 1) for edge in ("start", "end")]
    return header, [row + [None] * (len(header) - len(row)) for row in rows]


def roster_csv(res) -> str:
    """roster.csv: the planned shifts, one row per shift (``roster``), times as ``HH:MM``; a weekly
    roster as one row per agent line and one column per date (``08:00-16:30``, empty on a day off)."""
    if res.rosters:
        from ..rosters import rosters_csv

        return rosters_csv(list(res.rosters.values()))
    header, rows = roster(res)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows([v.strftime("%H:%M") if isinstance(v, dt.time) else v for v in row] for row in rows)
    return buf.getvalue()


def staffing_workbook(res) -> Callable[[Path], None]:
    """staffing.xlsx: the agents each plan requires per interval and pool (sheet ``required``) and,
    when shifts are planned, the roster (sheet ``roster``)."""
    sc = res.scenario
    plans = list(res.plans)
    starts = interval_starts(sc.horizon)
    required = [[starts[i], pool] + [res.plans[k][pool][i] for k in plans] for i in range(len(starts)) for pool in sc.pool_names]
    tables = [Table("required", ["interval_start", "pool"] + plans, [None, None] + ["0"] * len(plans), required, 2)]
    if res.shift_plans:
        header, rows = roster(res)
        tables.append(Table("roster", header, [None, "0", None, None, None, "0.00"] + [None] * (len(header) - 6), rows, 3))
    if res.rosters:
        tables += _week_tables(list(res.rosters.values()))
    return workbook(tables)


def _week_tables(rosters: list) -> list[Table]:
    """A weekly roster's sheets: ``roster`` (agents x days, as roster.csv), ``shifts`` (one row per
    shift with its breaks) and ``coverage`` (per interval and pool: required, scheduled, over, under)."""
    header = rosters[0].table()[0]
    lines = [row for r in rosters for row in r.table()[1]]
    shifts = [row for r in rosters for row in r.shift_rows()]
    shift_header = ["pool", "line", "contract", "date", "start", "end", "paid_hours", "breaks"]
    coverage = [{"pool": r.pool, **row} for r in rosters for row in r.coverage_rows()]
    cov_header = ["pool", "date", "time", "required", "scheduled", "over", "under"]
    return [
        Table("roster", header, [None, "0"] + [None] * (len(header) - 2), lines, 3),
        Table("shifts", shift_header, [None, "0", None, None, None, None, "0.00", None], [[row[k] for k in shift_header] for row in shifts], 4),
        Table("coverage", cov_header, [None, None, None, "0", "0.0", "0.0", "0.0"], [[row[k] for k in cov_header] for row in coverage], 3),
    ]
