"""Reading a per-contact log (CSV, Excel or Parquet) into arrays, with every broken row reported.

Why a module of its own: an export from a real ACD is the least trustworthy input ccsim takes.
Every row is checked once, here, and a problem is reported with its line (or Parquet row) number,
so the estimators downstream can assume clean arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

import numpy as np

from ..config import ScenarioError
from ..input_files import read_table

#: Columns ``ccsim calibrate`` reads, by their canonical names; ``--columns`` maps export names onto them.
REQUIRED_COLUMNS = ("arrival_time", "answer_time", "end_time")
KNOWN_COLUMNS = ("arrival_time", "contact_type", "answer_time", "end_time", "pool")
#: Outcomes (the ``outcome`` column ``ccsim run --records`` writes) of contacts a self-service bot
#: kept: they never reached the queue, so they are no part of its volumes, waits or patience.
NEVER_QUEUED = ("bot_contained", "bot_dead_end")
#: Handle times longer than this are legal but counted as odd (a forgotten wrap-up, a stuck line).
LONG_HANDLE_S = 4 * 3600.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Problems listed at once: enough to see a pattern, few enough to read.
MAX_ERRORS = 20

_EPOCH = datetime(1970, 1, 1)


class CalibrationError(ValueError):
    """A log (or staffing file, or option) that cannot be used; ``problems`` has one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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
        day_index = int(value)
        if 0 <= day_index <= 6:
            return day_index
    else:
        key = str(value).strip().lower()[:3]
        if key in WEEKDAYS:
            return WEEKDAYS.index(key)
    raise CalibrationError([f"--weekday: '{value}' is not a day of the week (mon, tue, ... or 0-6 with Monday = 0)"])


def clock_label(minute: int) -> str:
    """Minutes after midnight as ``HH:MM`` (1440 is ``24:00``, the end of a day that runs to midnight)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


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
    handle_s: np.ndarray  # end minus answer, so after-contact work when end_time includes it; NaN for abandoned contacts
    pools: list[str] = field(default_factory=list)
    pool_idx: np.ndarray | None = None  # int, -1 where the log gives none
    odd: dict[str, list[int]] = field(default_factory=dict)  # kind -> [count, first line or row]
    time_note: str = ""
    unit: str = "line"  # what the numbers in ``odd`` count: CSV lines, worksheet rows, or Parquet data rows
    file_note: str | None = None  # how the file was read, where that was a guess (its encoding)

    @property
    def rows(self) -> int:
        return len(self.type_idx)


def _zone(tz: str | None):
    """The time zone ``--tz`` names (None: keep clock times as written)."""
    if tz is None:
        return None
    if tz.upper() in ("UTC", "Z"):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalibrationError([f"--tz: unknown time zone '{tz}' (use an IANA name like Europe/Berlin, or UTC)"]) from None


class TimestampReader:
    """Reads a log's timestamps: ISO 8601 always (what typed worksheet and Parquet timestamps become
    too); others by ``time_format`` (strptime), or with ``dayfirst`` by the format pandas guesses,
    day first, from the first timestamp that is not ISO 8601 (``05/01/2026 08:00:07`` is 5 January).
    ``used`` is the format that read one, for the notes."""

    def __init__(self, time_format: str | None = None, dayfirst: bool = False):
        if time_format is not None and dayfirst:
            raise CalibrationError(["--time-format and --dayfirst: give one (a format already says where the day is)"])
        self.format = time_format
        self.dayfirst = dayfirst
        self.used: str | None = None

    def __call__(self, text: str) -> datetime:
        """The timestamp ``text`` holds; ValueError with what is wrong with it, after the text."""
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        if self.format is None and self.dayfirst:
            from pandas.tseries.api import guess_datetime_format

            self.format = guess_datetime_format(text, dayfirst=True)
            if self.format is None:
                raise ValueError("is not a timestamp whose format can be guessed: give --time-format (e.g. %d/%m/%Y %H:%M:%S)")
        if self.format is None:
            raise ValueError("is not an ISO 8601 timestamp (like 2026-01-05T08:00:09); for another format give --dayfirst or --time-format")
        try:
            moment = datetime.strptime(text, self.format)
        except ValueError:
            how = "guessed day first from the first timestamp that is not ISO 8601" if self.dayfirst else "--time-format"
            raise ValueError(f"does not match {self.format} ({how})") from None
        self.used = self.format
        return moment


def read_log(
    path: str | Path, columns: str | dict[str, str] | None = None, tz: str | None = None, time_format: str | None = None, dayfirst: bool = False
) -> ContactLog:
    """Read and check a per-contact log, CSV, Excel (.xlsx) or Parquet; every broken row is reported with its number.

    Timestamps are ISO 8601 (``2026-01-05T08:00:09.283``, ``2026-01-05 08:00:09``, with or without
    ``+01:00`` / ``Z``), typed timestamps in a worksheet or Parquet, or local formats read with
    ``time_format`` or ``dayfirst`` (``TimestampReader``). Durations come from the absolute times, so
    they are right across a daylight-saving change; intervals use the local wall clock: the offset
    written in the file, or ``tz`` when given (aware timestamps are converted to it, naive ones are
    taken as already local).
    """
    path = Path(path)
    mapping = parse_columns(columns)
    zone = _zone(tz)
    timestamps = TimestampReader(time_format, dayfirst)
    name = path.name
    if path.suffix.lower() == ".parquet":
        rows = _ParquetRows(path)
        return _parse_rows(rows, _locate_columns(rows.header, mapping, name), name, zone, str(path), tz, "row", timestamps)
    try:
        table = read_table(path, "log")
    except ScenarioError as exc:
        raise CalibrationError(exc.problems) from None
    unit = "row" if path.suffix.lower() in (".xlsx", ".xlsm") else "line"
    log = _parse_rows(table.rows, _locate_columns(table.header, mapping, name), name, zone, str(path), tz, unit, timestamps)
    log.file_note = table.note
    return log


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
    if "outcome" in header:  # a log ccsim wrote: see NEVER_QUEUED
        where["outcome"] = header.index("outcome")
    return where


class _ParquetRows:
    """The rows of a Parquet log as (row number, cells as text), as ``read_table`` gives them, a batch at a time.

    Typed timestamps become ISO 8601 text (with their offset when the column has a time zone) and
    nulls empty cells, so one parser checks every format. Rows are numbered from 1, the first data row.
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

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        number = 0
        for batch in self._file.iter_batches(batch_size=65_536):
            columns = [[_cell_text(v) for v in col.to_pylist()] for col in batch.columns]
            for row in zip(*columns):
                number += 1
                yield number, list(row)


def _cell_text(value) -> str:
    """A Parquet cell as the text a CSV export would hold (timestamps in ISO 8601, null empty)."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _parse_rows(rows, where: dict[str, int], name: str, zone, source: str, tz: str | None, unit: str, timestamps: TimestampReader) -> ContactLog:
    """Check and collect the (row number, cells) of ``rows``; ``unit`` names what the numbers count in messages ("line" or "row")."""
    arrival_col, answer_col, end_col = where["arrival_time"], where["answer_time"], where["end_time"]
    type_col, pool_col, outcome_col = where.get("contact_type"), where.get("pool"), where.get("outcome")
    type_index: dict[str, int] = {}
    pool_index: dict[str, int] = {}
    type_idx, day, clock, answered, wait, handle, pool_idx = [], [], [], [], [], [], []
    errors: list[str] = []
    odd: dict[str, list[int]] = {}
    aware_mode: bool | None = None

    def note_odd(kind: str, line: int) -> None:
        entry = odd.setdefault(kind, [0, line])
        entry[0] += 1

    def stamp(text: str, col: str):
        """(absolute seconds, local wall datetime) or raises ValueError with a message."""
        nonlocal aware_mode
        text = text.strip()
        try:
            moment = timestamps(text)
        except ValueError as exc:
            raise ValueError(f"{col} '{text}' {exc}") from None
        aware = moment.tzinfo is not None
        if aware_mode is None:
            aware_mode = aware
        elif aware != aware_mode:
            raise ValueError(f"{col} '{text}' {'has' if aware else 'lacks'} a time-zone offset, unlike the rows before it")
        if aware:
            absolute = moment.timestamp()
            wall = (moment.astimezone(zone) if zone is not None else moment).replace(tzinfo=None)
        else:
            absolute = (moment - _EPOCH).total_seconds()
            wall = moment
        return absolute, wall

    for line, row in rows:
        if not any(c.strip() for c in row) or (outcome_col is not None and row[outcome_col].strip() in NEVER_QUEUED):
            continue
        if len(errors) >= MAX_ERRORS:
            errors.append(f"{name}: more problems not shown; fix these first")
            break
        try:
            arrival_text, answer_text, end_text = row[arrival_col].strip(), row[answer_col].strip(), row[end_col].strip()
            if not arrival_text:
                raise ValueError("arrival_time is empty")
            if not end_text:
                raise ValueError("end_time is empty (it is the hang-up time of an abandoned contact, the end of handling of an answered one)")
            arrived_s, wall = stamp(arrival_text, "arrival_time")
            ended_s, _ = stamp(end_text, "end_time")
            if answer_text:
                answered_s, _ = stamp(answer_text, "answer_time")
                if answered_s < arrived_s:
                    raise ValueError(f"answer_time {answer_text} is before arrival_time {arrival_text}")
                if ended_s < answered_s:
                    raise ValueError(f"negative handle time: end_time {end_text} is before answer_time {answer_text}")
            elif ended_s < arrived_s:
                raise ValueError(f"abandoned contact hangs up (end_time {end_text}) before it arrives (arrival_time {arrival_text})")
            type_name = row[type_col].strip() if type_col is not None else "contacts"
            if not type_name:
                raise ValueError("contact_type is empty")
        except ValueError as exc:
            errors.append(f"{name} {unit} {line}: {exc}")
            continue
        if errors:
            continue  # keep scanning for more problems, but store nothing
        type_idx.append(type_index.setdefault(type_name, len(type_index)))
        day.append(wall.toordinal())
        clock.append(wall.hour * 3600 + wall.minute * 60 + wall.second + wall.microsecond / 1e6)
        if answer_text:
            answered.append(True)
            wait.append(answered_s - arrived_s)
            handle_s = ended_s - answered_s
            handle.append(handle_s)
            if handle_s == 0:
                note_odd("zero_handle", line)
            elif handle_s > LONG_HANDLE_S:
                note_odd("long_handle", line)
        else:
            answered.append(False)
            wait.append(ended_s - arrived_s)
            handle.append(math.nan)
            if ended_s == arrived_s:
                note_odd("abandoned_at_arrival", line)
        pool_name = row[pool_col].strip() if pool_col is not None else ""
        pool_idx.append(pool_index.setdefault(pool_name, len(pool_index)) if pool_name else -1)
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
    if timestamps.used is not None:
        time_note += f" (read as {timestamps.used}{', day first' if timestamps.dayfirst else ''})"
    return ContactLog(
        source=source,
        types=list(type_index),
        type_idx=np.array(type_idx, dtype=int),
        day=np.array(day, dtype=int),
        clock_s=np.array(clock, dtype=float),
        answered=np.array(answered, dtype=bool),
        wait_s=np.array(wait, dtype=float),
        handle_s=np.array(handle, dtype=float),
        pools=list(pool_index),
        pool_idx=np.array(pool_idx, dtype=int) if pool_col is not None else None,
        odd=odd,
        time_note=time_note,
        unit=unit,
    )
