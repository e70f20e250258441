"""Reading the files a user hands ccsim: text in UTF-8 or UTF-16, and YAML that cannot hurt.

Every YAML file ccsim reads (scenarios with their variants, shift rules) goes through
``load_yaml``. It runs libyaml's C parser where PyYAML has it (the pure-Python parser is ten times
slower on a long list of volumes) under PyYAML's safe constructor, so no tag runs code, and it
refuses what ``yaml.safe_load`` lets through:

* a key written twice in one mapping (``agents: 12`` then ``agents: 0``): the last would win
  silently, so the day would be simulated with no agents;
* nesting deeper than ``MAX_DEPTH``: every consumer of the document recurses, and a few hundred
  levels end in ``RecursionError``;
* a document whose aliases would expand past ``MAX_ALIAS_VALUES`` values, or that holds more than
  ``MAX_VALUES`` in all: a 1 KB "alias bomb" means billions of values to anything that walks it
  (validation, the deep merge of variants). Sizes are counted as the document is composed, an
  alias adding the size of the node it names, so a bomb is refused before anything is expanded.

Problems are raised as a ``ScenarioError`` of one located line, e.g.
``plan.yaml: line 12, column 5: duplicate key 'agents' (first at line 10): ...``.

The planners' own tables (forecasts, staffing, contact logs) go through ``read_table``: Excel
workbooks and CSV/TSV exports as WFM and ACD tools write them (a BOM from Excel, cp1252 from older
tools, semicolons and decimal commas in much of Europe), read by pandas and openpyxl, imported only
when such a file is read so that the CLI starts fast. ``interval_values`` matches a table's rows to
the horizon's intervals by their start time, so a file that starts an hour late is an error, not a
day simulated an hour early.
"""

from __future__ import annotations

import codecs
import datetime as dt
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import Field
from yaml.composer import Composer
from yaml.events import AliasEvent, CollectionStartEvent

from .clock import format_clock
from .config import ScenarioError, Strict

#: Collections (mappings and lists) nested in one another, aliases expanded; a scenario needs ~10.
MAX_DEPTH = 64
#: Values (scalars and collections) in one document, aliases expanded: a year of one-minute
#: volumes is ~530,000; longer series belong in a forecast CSV.
MAX_VALUES = 1_000_000
#: Values that aliases may repeat in one document: an anchor or two for a shared handle time is a
#: few dozen.
MAX_ALIAS_VALUES = 100_000
#: Largest YAML file read (bytes); the value bounds above are reached long before.
MAX_YAML_BYTES = 16 * 2**20


def _refuse(path: Path, line: str) -> ScenarioError:
    return ScenarioError([line], str(path))


def read_text(path: Path, max_bytes: int, kind: str) -> str:
    """The text of ``path``: UTF-8 (with or without a BOM) or UTF-16 (with its BOM).

    At most ``max_bytes`` are read, so a huge file or ``/dev/zero`` is refused at once; ``kind``
    ("scenario", "shift rules") names what the file was meant to be in that message.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise _refuse(path, f"{path}: no such file") from None
    except OSError as exc:
        raise _refuse(path, f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise _refuse(path, f"{path}: larger than {max_bytes // 2**20} MB, more than any {kind} file needs")
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(path, f"{path} is not UTF-8 or UTF-16 text: save it as UTF-8") from None


class _Refused(Exception):
    """Raised while loading; ``load_yaml`` adds the file name."""

    def __init__(self, problem: str, mark):
        super().__init__(f"line {mark.line + 1}, column {mark.column + 1}: {problem}")


class _BoundedComposer(Composer):
    """PyYAML's composer, counting depth and values (aliases expanded) as it goes."""

    def __init__(self):
        Composer.__init__(self)
        self._depth = 0  # collections open around the node being composed
        self._deepest = 0  # deepest nesting reached inside the node being composed
        self._values = 0
        self._aliased = 0
        self._anchored: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of its finished node

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)  # refuses an undefined alias
            if event.anchor not in self._anchored:
                raise _Refused(f"alias *{event.anchor} is used inside the node it names (a structure that contains itself)", event.start_mark)
            values, height = self._anchored[event.anchor]
            self._aliased += values
            if self._aliased > MAX_ALIAS_VALUES:
                raise _Refused(f"aliases repeat more than {MAX_ALIAS_VALUES:,} values (an alias bomb?): write the repeated parts out", event.start_mark)
            self._count(values, self._depth + height, event.start_mark)
            return node
        outer_depth, outer_deepest, values_before = self._depth, self._deepest, self._values
        self._depth += isinstance(event, CollectionStartEvent)
        self._deepest = self._depth
        self._count(1, self._depth, event.start_mark)
        node = super().compose_node(parent, index)
        if event.anchor is not None:
            self._anchored[event.anchor] = (self._values - values_before, self._deepest - outer_depth)
        self._depth = outer_depth
        self._deepest = max(outer_deepest, self._deepest)
        return node

    def _count(self, values: int, depth: int, mark) -> None:
        self._values += values
        self._deepest = max(self._deepest, depth)
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", mark)
        if self._values > MAX_VALUES:
            raise _Refused(f"more than {MAX_VALUES:,} values: too large (long series belong in a forecast CSV)", mark)


class _UniqueKeys(yaml.constructor.SafeConstructor):
    """The safe constructor, refusing a key that appears twice in one mapping.

    Checked where PyYAML flattens merge keys (``<<: *base``), before it does: keys merged in from
    elsewhere may be overridden, keys written twice may not. Keys compare as Python compares
    them, so ``1`` and ``1.0`` are the same key, as they would be in the dict.
    """

    def __init__(self):
        self._checked: set = set()  # mapping nodes whose keys were checked

    def flatten_mapping(self, node):
        if node not in self._checked:  # flattening rewrites node.value: check the keys as written
            self._checked.add(node)
            first_seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                try:
                    first = first_seen.setdefault(key, key_node)
                except TypeError:  # an unhashable key: the constructor reports it
                    continue
                if first is not key_node:
                    raise _Refused(f"duplicate key {key!r} (first at line {first.start_mark.line + 1}): a key may appear once in a mapping", key_node.start_mark)
        super().flatten_mapping(node)


_Parser = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _Loader(_BoundedComposer, _UniqueKeys, _Parser):
    """The C parser (or PyYAML's own), our composer and constructor, the standard resolver."""

    def __init__(self, text: str):
        _Parser.__init__(self, text)
        _BoundedComposer.__init__(self)
        _UniqueKeys.__init__(self)


def load_yaml(path: Path, kind: str = "scenario") -> Any:
    """The single YAML document in ``path``, as plain Python data, read under the bounds above."""
    text = read_text(path, MAX_YAML_BYTES, kind)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise _refuse(path, f"{path}: {exc}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow; it has no mark
        line = text.count("\n", 0, exc.position) + 1
        raise _refuse(path, f"{path}: YAML syntax error at line {line}: character #x{exc.character:04x} is not allowed ({exc.reason})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise _refuse(path, f"{path}: YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    finally:
        loader.dispose()


# --- planners' tables: Excel workbooks and CSV exports ------------------------------------------

#: Names of a column holding each row's interval start, matched without regard to case.
TIME_COLUMNS = ("interval", "interval_start", "start", "time", "datetime")
#: The column holding each row's date, beside a time column of clock times.
DATE_COLUMN = "date"
#: The column of a forecast holding the handle-time mean of each interval, seconds.
AHT_COLUMN = "aht"
#: Longest cell of a text table: no planner's cell comes near it (Python's csv module stops at the same).
MAX_CELL_CHARS = 131_072
#: Rows of a file that picks its day with ``date:``: as many as a worksheet holds.
MAX_DATED_ROWS = 1_048_576
#: Rows pandas parses at a time from a text table: a long contact log is never all in memory as text.
CHUNK_ROWS = 65_536
#: Rows that may stand above a table's header (a title, blank rows), read beyond the rows it may hold.
ROWS_ABOVE_HEADER = 20
#: Bytes that cp1252 leaves undefined: a file holding one is read as Latin-1.
_NOT_CP1252 = b"\x81\x8d\x8f\x90\x9d"


class TableKeys(Strict):
    """Where per-interval values are in a planner's file: the keys beside ``file:``."""

    sheet: str | None = Field(None, description="Excel sheet to read (default: the first)")
    column: str | None = Field(None, description="column holding the values, in any case (default: the name of the contact type or pool)")
    time_column: str | None = Field(
        None,
        description="column holding each row's interval start (08:00, or a date and time), matched to the horizon's intervals; "
        "default: a column named interval, interval_start, start, time or datetime; without one, rows are taken in order",
    )
    date: dt.date | None = Field(None, description="the day to take from a file that holds several (in a date column, or with its times), YYYY-MM-DD")


class StaffingFile(TableKeys):
    """A pool's agents per interval, read from a column of a planner's file."""

    file: str = Field(description="staffing file (.xlsx, .csv or .tsv), one row per interval; path relative to the scenario file")


def sniff_delimiter(header: str) -> str:
    """The delimiter of a text table from its header line: exports use ``,``, ``;``, tab or ``|``."""
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


@dataclass
class Table:
    """A planner's table as text: its header, then its rows numbered as a spreadsheet shows them."""

    path: Path
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number, the header's being 1 in a plain file; cells, "" when empty)
    decimal: str | None  # the decimal mark the delimiter implies (',' in a ';' file); None: tell it from the numbers
    note: str | None = None  # how the file was read, where that was a guess (its encoding)

    @property
    def name(self) -> str:
        """The file's name, as messages give it."""
        return self.path.name

    def find(self, wanted: str) -> int | None:
        """Index of the column named ``wanted``: exactly so, else ignoring case and surrounding spaces."""
        if wanted in self.header:
            return self.header.index(wanted)
        folded = [h.strip().casefold() for h in self.header]
        key = wanted.strip().casefold()
        return folded.index(key) if key in folded else None


def read_table(
    path: Path, kind: str, *, sheet: str | None = None, max_bytes: int | None = None, max_rows: int | None = None, header_with: str | None = None
) -> Table:
    """The table in ``path``: a sheet of an Excel workbook (.xlsx; the first unless ``sheet`` names
    one) or delimited text (``,`` ``;`` tab or ``|``, told from the header line) in UTF-8 with or
    without a BOM, UTF-16 with its BOM, or else cp1252 (Latin-1), which ``note`` then says.

    The header is the first row that is not blank or, given ``header_with``, the first of the
    next ``ROWS_ABOVE_HEADER`` that names that column (below a worksheet's title). A file over
    ``max_bytes`` is refused at once; at most ``max_rows`` rows after the header are read, and one
    more, to tell a longer file. ``kind`` ("forecast", "staffing", "log") names what the file was
    meant to be in messages.
    """
    suffix = path.suffix.lower()
    note = decimal = None
    nrows = None if max_rows is None else max_rows + 2 + ROWS_ABOVE_HEADER  # the header, what may stand above it, one row too many
    if suffix == ".xls":
        raise _refuse(path, f"{path.name} is an old Excel file (.xls): save it as .xlsx or CSV")
    if suffix in (".xlsx", ".xlsm"):
        rows = _workbook_rows(path, kind, sheet, max_bytes, nrows)
    elif sheet is not None:
        raise _refuse(path, f"{path.name}: sheet: picks a sheet of an Excel workbook (.xlsx); this file is text")
    else:
        encoding, note = _text_encoding(path, kind, max_bytes)
        rows, delimiter = _text_rows(path, encoding, nrows)
        decimal = {";": ",", ",": "."}.get(delimiter)
    wanted = None if header_with is None else header_with.strip().casefold()
    first = []  # the rows that may be the header, blank ones left out
    for number, cells in rows:
        if any(cell.strip() for cell in cells):
            first.append((number, cells))
            if wanted is None or wanted in (cell.strip().casefold() for cell in cells) or len(first) > ROWS_ABOVE_HEADER:
                break
    if not first:
        raise _refuse(path, f"{path.name}: empty (a {kind} file starts with a header row naming its columns)")
    at = next((i for i, (_, cells) in enumerate(first) if wanted in (cell.strip().casefold() for cell in cells)), 0)
    return Table(path, [cell.strip() for cell in first[at][1]], itertools.chain(first[at + 1 :], rows), decimal, note)


def _text_encoding(path: Path, kind: str, max_bytes: int | None) -> tuple[str, str | None]:
    """The encoding of a text table, found in one pass over its bytes, and a note where it is a guess."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise _refuse(path, f"{path}: no such file") from None
    except OSError as exc:
        raise _refuse(path, f"{path}: cannot read ({exc.strerror})") from None
    utf8 = codecs.getincrementaldecoder("utf-8")()
    size, utf16, is_utf8, is_cp1252, has_nul = 0, False, True, True, False
    with fh:
        while chunk := fh.read(2**20):
            utf16 = utf16 or (size == 0 and chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)))
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise _refuse(path, f"{path}: larger than {max_bytes // 2**20} MB, more than any {kind} file needs")
            has_nul = has_nul or b"\0" in chunk
            is_cp1252 = is_cp1252 and not any(byte in chunk for byte in _NOT_CP1252)
            try:
                is_utf8 = is_utf8 and utf8.decode(chunk) is not None
            except UnicodeDecodeError:
                is_utf8 = False
    if utf16:
        return "utf-16", None
    if has_nul:
        raise _refuse(path, f"{path} holds NUL bytes, which no text table has (UTF-32? UTF-16 without its BOM?): save it as CSV UTF-8 or .xlsx")
    try:
        if is_utf8 and utf8.decode(b"", final=True) is not None:
            return "utf-8-sig", None
    except UnicodeDecodeError:  # a character cut off at the end
        pass
    encoding, label = ("cp1252", "cp1252 (Windows Western European)") if is_cp1252 else ("latin-1", "Latin-1")
    return encoding, f"{path.name} is not UTF-8: read as {label}; if a letter looks wrong, save it as CSV UTF-8"


def _text_rows(path: Path, encoding: str, nrows: int | None) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """The rows of a delimited text file, parsed a chunk at a time, and its delimiter (told from the
    first line that is not blank)."""
    with open(path, encoding=encoding, newline="") as fh:
        blank = 0
        line = fh.readline()
        while line and not line.strip():
            blank += 1
            line = fh.readline()
    delimiter = sniff_delimiter(line)
    return (_parsed_rows(path, encoding, delimiter, blank, nrows) if line else iter(())), delimiter


def _parsed_rows(path: Path, encoding: str, delimiter: str, blank: int, nrows: int | None) -> Iterator[tuple[int, list[str]]]:
    import pandas as pd

    with open(path, encoding=encoding, newline="") as fh:
        for _ in range(blank):
            fh.readline()
        chunks = pd.read_csv(
            fh, sep=delimiter, header=None, dtype=str, keep_default_na=False, skip_blank_lines=False,
            chunksize=CHUNK_ROWS, nrows=nrows,
        )
        try:
            for chunk in chunks:
                _check_cell_sizes(path, chunk, blank)
                for index, cells in zip(chunk.index, chunk.itertuples(index=False, name=None)):
                    yield blank + index + 1, [cell if isinstance(cell, str) else "" for cell in cells]
        except pd.errors.ParserError as exc:
            fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
            detail = f"row {blank + int(fields[2])} has {fields[3]} fields, the header {fields[1]}" if fields else str(exc).removeprefix("Error tokenizing data. C error: ").strip()
            raise _refuse(path, f"{path.name}: not readable as CSV ({detail})") from None


def _check_cell_sizes(path: Path, chunk, blank: int) -> None:
    for column in chunk.columns:
        lengths = chunk[column].str.len().fillna(0)
        if len(lengths) and lengths.max() > MAX_CELL_CHARS:
            row = blank + int(lengths.idxmax()) + 1
            raise _refuse(path, f"{path.name} row {row}: not readable as CSV: a field of {int(lengths.max()):,} characters (at most {MAX_CELL_CHARS:,})")


def _workbook_rows(path: Path, kind: str, sheet: str | None, max_bytes: int | None, nrows: int | None) -> Iterator[tuple[int, list[str]]]:
    """The rows of one sheet of an Excel workbook, every cell as text (dates and times as ISO 8601)."""
    import pandas as pd

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _refuse(path, f"{path}: no such file") from None
    except OSError as exc:
        raise _refuse(path, f"{path}: cannot read ({exc.strerror})") from None
    if max_bytes is not None and size > max_bytes:
        raise _refuse(path, f"{path}: larger than {max_bytes // 2**20} MB, more than any {kind} file needs")
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            if sheet is not None and sheet not in book.sheet_names:
                raise _refuse(path, f"{path.name} has no sheet '{sheet}' (sheets: {', '.join(book.sheet_names)})")
            frame = pd.read_excel(book, sheet_name=0 if sheet is None else sheet, header=None, dtype=str, keep_default_na=False, nrows=nrows)
    except ScenarioError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, ValueError, ... for a file openpyxl cannot read
        raise _refuse(path, f"{path.name}: not a readable Excel workbook ({exc})") from None
    return ((int(index) + 1, [cell if isinstance(cell, str) else "" for cell in cells]) for index, cells in zip(frame.index, frame.itertuples(index=False, name=None)))


# --- numbers and times as planners write them ---------------------------------------------------

#: A number that only a decimal comma reads: 10,5 or 1.050,5 (1,050 could be a thousand and fifty).
_DECIMAL_COMMA = re.compile(r"[+-]?(\d+,\d{1,2}|\d+,\d{4,}|\d{1,3}(\.\d{3})+,\d*)")
#: A clock time (08:00, 8:00, 08:00:00), or the start of a range (08:00 - 08:30).
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.0+)?)?(?:\s*-\s*\d{1,2}:\d{2}(?::\d{2})?)?")


def decimal_mark(cells: list[str]) -> str:
    """',' when some number in ``cells`` can only be read with a decimal comma, else '.'."""
    return "," if any(_DECIMAL_COMMA.fullmatch(cell.strip()) for cell in cells) else "."


def parse_number(text: str, decimal: str) -> float:
    """A number written with ``decimal`` as its decimal mark, the other mark (or spaces) grouping
    thousands: ``1,050`` and ``1,050.5`` with '.', ``1.050,5`` with ','. ValueError if it is not one."""
    group = "." if decimal == "," else ","
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    whole = text.split(decimal, 1)[0]
    if group in whole:
        if not re.fullmatch(rf"[+-]?\d{{1,3}}(\{group}\d{{3}})+", whole):
            raise ValueError(text)
        text = text.replace(group, "")
    return float(text.replace(decimal, "."))


def parse_interval_start(text: str) -> tuple[dt.date | None, int]:
    """(its date, if written; minute after midnight) of a row's interval start. ValueError if it is none."""
    text = text.strip()
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, seconds = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hours < 24 and minutes < 60 and seconds == 0:
            return None, hours * 60 + minutes
        raise ValueError(text)
    moment = dt.datetime.fromisoformat(text)
    if moment.second or moment.microsecond:
        raise ValueError(text)
    return moment.date(), moment.hour * 60 + moment.minute


def _day(text: str) -> dt.date:
    """The date in a date column: 2026-01-05 (what Excel's dates become) or 05.01.2026. ValueError if none."""
    text = text.strip()
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()


# --- a table's rows matched to the horizon's intervals ------------------------------------------


@dataclass(frozen=True)
class Grid:
    """The horizon's intervals, which a file's rows must match: minutes after midnight of its first day."""

    start_minute: int
    interval_minutes: int
    n_intervals: int
    #: a dated horizon's first date and, per interval, whether the center is open (rows are matched
    #: by date and time, and closed intervals need none)
    start_date: dt.date | None = None
    open: tuple[bool, ...] | None = None

    def start(self, interval: int) -> int:
        return self.start_minute + interval * self.interval_minutes

    def label(self, interval: int) -> str:
        minute = self.start(interval)
        if self.start_date is None:
            return format_clock(minute)
        return f"{self.start_date + dt.timedelta(days=minute // 1440)} {format_clock(minute, with_day=False)}"


@dataclass(frozen=True)
class Wanted:
    """A column to read, one number per interval, and the numbers it may hold (from 0 to ``high``)."""

    column: str
    what: str  # "a volume", "a handle time", ...: for messages
    high: float
    positive: bool = False  # 0 is refused too
    whole: bool = False  # whole numbers only
    required: bool = True  # else a missing column gives None


def interval_values(path: Path, kind: str, keys: TableKeys, wanted: list[Wanted], grid: Grid, max_bytes: int) -> tuple[list[list[float] | None], list[str]]:
    """The numbers of each wanted column, one per interval of ``grid`` (None for a missing optional
    column), and notes on how the file was read.

    With a time column (``keys.time_column``, else one named like ``TIME_COLUMNS``) each row is
    matched to its interval by its start: a missing, extra, repeated or shifted interval is an
    error naming the first such row. Without one, rows are taken in order, which a note says. A file
    with dates (a ``date`` column, or dates with the times) covers the day ``keys.date`` names, or
    only its first date.
    """
    max_rows = MAX_DATED_ROWS if keys.date else grid.n_intervals
    table = read_table(path, kind, sheet=keys.sheet, max_bytes=max_bytes, max_rows=max_rows, header_with=wanted[0].column)
    columns = [table.find(w.column) for w in wanted]
    missing = next((w.column for w, at in zip(wanted, columns) if at is None and w.required), None)
    if missing is not None:
        raise _refuse(path, f"{table.name} has no column '{missing}' (columns: {', '.join(table.header)})")
    time_at = _time_column(table, keys.time_column)
    date_at = table.find(DATE_COLUMN)
    rows = [(number, cells) for number, cells in table.rows if any(cell.strip() for cell in cells)]
    notes = [table.note] if table.note else []
    if time_at is None:
        if keys.date is not None or date_at is not None:
            rows = _rows_of_day(table, rows, date_at, keys.date)
        if len(rows) != grid.n_intervals:
            more = "more" if len(rows) > grid.n_intervals else "fewer"
            raise _refuse(path, f"{table.name} has {more} rows than the horizon has intervals ({grid.n_intervals:,})")
        notes.append(f"{table.name} has no time column ({', '.join(TIME_COLUMNS)}): its rows are taken in order as the intervals from {format_clock(grid.start_minute)}")
    elif grid.start_date is not None and len(set(_dates_of(grid))) > 1:
        rows = _match_dated(table, rows, time_at, date_at, grid)
    else:
        rows = _match_intervals(table, rows, time_at, date_at, keys.date, grid)
    values = []
    for w, at in zip(wanted, columns):
        if at is None:
            values.append(None)
            continue
        column = [cells[at] for _, cells in rows if cells is not None]
        decimal = table.decimal or decimal_mark(column)
        read = [None if cells is None else _value(table, number, at, cells[at], w, decimal) for number, cells in rows]
        # a closed interval without a row: no volume, no agents; a handle time as the next open interval's (never used)
        filler = next((v for v in read if v is not None), 0.0) if w.positive else 0.0
        values.append([filler if v is None else v for v in read])
    return values, notes


def _dates_of(grid: Grid) -> list[dt.date]:
    return [grid.start_date + dt.timedelta(days=grid.start(i) // 1440) for i in range(grid.n_intervals)]


def _row_start(table: Table, number: int, cells: list[str], time_at: int, date_at: int | None) -> tuple[dt.date | None, int]:
    """(date, if the row has one; minute after midnight) of a row's interval start, its date from
    the time column or the date column; a start that is none is the row's error."""
    text = cells[time_at]
    try:
        when, minute = parse_interval_start(text)
        if when is None and date_at is not None and cells[date_at].strip():
            when = _day(cells[date_at])
    except ValueError:
        raise _refuse(table.path, f"{table.name} row {number}: '{text.strip()}' is not an interval start like 08:00 or 2026-01-05 08:00") from None
    return when, minute


def _match_dated(table: Table, rows: list, time_at: int, date_at: int | None, grid: Grid) -> list:
    """Rows of a file with dates laid on a dated horizon of several days, each by its date and
    time: one row per open interval (a closed one may have a row, holding nothing). The row of
    each interval, None where a closed interval has none; a row outside the horizon, on a closed
    interval with a figure, repeated, or an open interval without a row is the error."""
    name, path = table.name, table.path
    first = dt.datetime.combine(grid.start_date, dt.time()) + dt.timedelta(minutes=grid.start_minute)
    found: dict[int, tuple[int, list[str]]] = {}
    for number, cells in rows:
        when, minute = _row_start(table, number, cells, time_at, date_at)
        if when is None:
            raise _refuse(path, f"{name} row {number}: no date, but the horizon runs over several days (give a date column or date-times)")
        since = (dt.datetime.combine(when, dt.time()) + dt.timedelta(minutes=minute) - first).total_seconds() / 60
        k, off = divmod(since, grid.interval_minutes)
        label = f"{when} {format_clock(minute)}"
        if off or not 0 <= k < grid.n_intervals:
            where = "is not an interval start of the horizon" if off else f"is outside the horizon ({grid.label(0)} to {grid.label(grid.n_intervals - 1)})"
            raise _refuse(path, f"{name} row {number}: interval {label} {where}")
        k = int(k)
        if k in found:
            raise _refuse(path, f"{name} row {number}: interval {label} repeated (first at row {found[k][0]})")
        found[k] = (number, cells)
    missing = [k for k in range(grid.n_intervals) if k not in found and (grid.open is None or grid.open[k])]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise _refuse(path, f"{name}: no row for the horizon's open interval {grid.label(missing[0])}{more}")
    return [found.get(k, (0, None)) for k in range(grid.n_intervals)]


def _time_column(table: Table, named: str | None) -> int | None:
    if named is not None:
        at = table.find(named)
        if at is None:
            raise _refuse(table.path, f"{table.name} has no time column '{named}' (columns: {', '.join(table.header)})")
        return at
    return next((at for at in map(table.find, TIME_COLUMNS) if at is not None), None)


def _value(table: Table, number: int, at: int, cell: str, w: Wanted, decimal: str) -> float:
    """The number in one cell, checked against what its column may hold."""
    try:
        value = parse_number(cell, decimal)
    except ValueError:
        value = float("nan")
    if not (0 < value if w.positive else 0 <= value) or not value <= w.high or (w.whole and not value.is_integer()):  # NaN fails too
        bounds = f"above 0 and at most {int(w.high):,}" if w.positive else f"from 0 to {int(w.high):,}"
        raise _refuse(table.path, f"{table.name} row {number}, column {table.header[at]}: '{cell}' is not {w.what} {bounds}")
    return value


def _rows_of_day(table: Table, rows: list, date_at: int | None, day: dt.date | None) -> list:
    """The rows of one day of a file without a time column: the day ``date:`` names, else its only one."""
    name = table.name
    if date_at is None:
        raise _refuse(table.path, f"date: {name} has no date column to pick the day from")
    dated = []
    for number, cells in rows:
        try:
            dated.append((_day(cells[date_at]), number, cells))
        except ValueError:
            raise _refuse(table.path, f"{name} row {number}: '{cells[date_at]}' is not a date like 2026-01-05") from None
    days = sorted({d for d, _, _ in dated})
    if day is None and len(days) > 1:
        raise _refuse(table.path, f"{name} holds {len(days)} dates ({days[0]} to {days[-1]}): pick one with date: {days[0]}")
    if day is not None and day not in days:
        raise _refuse(table.path, f"{name} has no rows on {day}" + (f" (it has {days[0]} to {days[-1]})" if days else ""))
    return [(number, cells) for d, number, cells in dated if d == (day or d)]


def _match_intervals(table: Table, rows: list, time_at: int, date_at: int | None, day: dt.date | None, grid: Grid) -> list:
    """The rows, each checked to start the horizon's next interval; the first that does not is the error."""
    name, path = table.name, table.path
    timed = []  # (row number, cells, minute after midnight of the first day, or a clock time when undated, label)
    for number, cells in rows:
        when, minute = _row_start(table, number, cells, time_at, date_at)
        timed.append((number, cells, when, minute))
    dated = any(when is not None for _, _, when, _ in timed)
    if day is not None and not dated:
        raise _refuse(path, f"date: {name} has no dates (no date column, and its times carry none) to pick the day from")
    first_day = day or next((when for _, _, when, _ in timed if when is not None), None)
    end = grid.start(grid.n_intervals)
    matched = []
    for number, cells, when, minute in timed:
        if dated and when is None:
            raise _refuse(path, f"{name} row {number}: no date, unlike the rows around it")
        at = (when - first_day).days * 1440 + minute if dated else None
        if day is not None and not grid.start_minute <= at < end:
            continue  # another day of the file
        label = f"{when} {format_clock(minute)}" if dated else format_clock(minute)
        k = len(matched)
        if k == grid.n_intervals:
            last = format_clock(grid.start(k - 1))
            several = "; the file holds several days: pick one with date:" if dated else ""
            raise _refuse(path, f"{name} row {number}: interval {label} is after the horizon's last interval ({last}){several}")
        expected = grid.start(k)
        offset = at - expected if dated else (minute - expected) % 1440
        if offset:
            if k == 0:
                raise _refuse(path, f"{name} row {number}: interval {label}, but the horizon starts at {format_clock(expected)}")
            later = offset > 0 if dated else offset < 720
            why = "repeated" if matched[-1][2] == (at if dated else minute) else "one missing before it" if later else "out of order"
            raise _refuse(path, f"{name} row {number}: interval {label}, but the horizon's interval {k + 1} starts at {format_clock(expected)} ({why}?)")
        matched.append((number, cells, at if dated else minute))
    if len(matched) < grid.n_intervals:
        first, last = format_clock(grid.start(len(matched))), format_clock(grid.start(grid.n_intervals - 1))
        gap = f"no row for the horizon's interval {first}" if first == last else f"no rows for the horizon's intervals {first} to {last}"
        raise _refuse(path, f"{name} ends at row {matched[-1][0]}: {gap}" if matched else f"{name}: {gap}" + (f" on {day}" if day else ""))
    return [(number, cells) for number, cells, _ in matched]
