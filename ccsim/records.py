"""Per-contact logs in the shape ACD exports have, so ``ccsim calibrate`` can read what ``ccsim run`` writes.

Columns: ``arrival_time,contact_type,answer_time,end_time`` (an abandoned contact has no
``answer_time``, and its ``end_time`` is when it hung up), then ``replication,pool,wait_seconds,
handle_seconds`` for convenience, then ``contact_id,customer_id,outcome``. Replication r is
simulated as calendar day r after ``BASE_DATE``, so a run's log looks like r days of one center's
data.

``contact_id`` numbers the rows of the log from 1, in order of arrival, replication by replication.
``customer_id`` is the ``contact_id`` of the customer's first contact in the log: a redial, a
transfer or a return after an unresolved service carries the id of the attempt that started it
(with no repeat-contact behaviour on, every contact is its own customer). ``outcome`` is one of
``OUTCOMES``.

CSV holds ISO 8601 timestamps to the millisecond and empty cells where a value does not apply.
Parquet (needs pyarrow: ``pip install 'ccsim[parquet]'``) holds typed columns: timestamps to the
millisecond, nulls where a value does not apply. Both are written in batches, never as one string
or table of the whole log, and atomically (``ccsim.outputs``). In CSV a name that begins like a
spreadsheet formula gets a leading ``'`` (``ccsim.outputs.spreadsheet_cell``).
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator

from .outputs import spreadsheet_cell, write_atomic
from .results import SimulationResult

#: A Monday; replication r is logged as day r after it.
BASE_DATE = datetime(2026, 1, 5)

COLUMNS = [
    "arrival_time", "contact_type", "answer_time", "end_time", "replication", "pool", "wait_seconds", "handle_seconds",
    "contact_id", "customer_id", "outcome",
]
#: How a contact ended, as the log's ``outcome`` column says (the engine and the behaviours write them).
OUTCOMES = {
    "answered": "an agent answered it live",
    "abandoned": "hung up while waiting (or still waiting when nothing more could happen)",
    "balked": "hung up on hearing an announcement, without waiting (counted abandoned)",
    "callback_kept": "accepted a callback and was called back (counted answered, answer_time is the call back)",
    "callback_broken": "accepted a callback that was never made (counted abandoned)",
    "silent_abandon": "a chat whose customer left without closing it; end_time is when they left (counted abandoned)",
    "bot_contained": "resolved by self-service; never offered to an agent (end_time = arrival_time)",
    "bot_dead_end": "could not reach a human from self-service; never offered to an agent (end_time = arrival_time)",
}
_PARQUET_BATCH = 65_536  # rows per Parquet record batch


def record_rows(result: SimulationResult) -> Iterator[tuple]:
    """One tuple per contact that arrived within the horizon, in ``COLUMNS`` order, replication by
    replication: datetimes for the times, None where a contact has no answer, pool or handle time."""
    sc = result.scenario
    types, pools = sc.type_names, sc.pool_names
    warmup = sc.warmup_minutes * 60.0
    close = warmup + sc.horizon.length_s
    day0 = BASE_DATE + timedelta(minutes=sc.horizon.start_minute)
    contact_id = 0
    for rep, stats in enumerate(result.replication_stats):
        if stats.records is None:
            raise ValueError("the simulation was run without records=True")
        origin = day0 + timedelta(days=rep) - timedelta(seconds=warmup)
        customer_ids: dict[int, int] = {}  # the engine's number of a customer's first row -> its customer_id here
        # a stable sort: a customer's first contact comes before its later ones, which arrive no earlier
        for kind, arrived, answered, ended, pool, _, first_row, outcome in sorted(stats.records, key=lambda r: r[1]):
            if not warmup <= arrived < close:
                continue
            contact_id += 1
            yield (
                origin + timedelta(seconds=arrived),
                types[kind],
                None if answered is None else origin + timedelta(seconds=answered),
                origin + timedelta(seconds=ended),
                rep,
                None if pool is None else pools[pool],
                round((ended if answered is None else answered) - arrived, 3),
                None if answered is None else round(ended - answered, 3),
                contact_id,
                customer_ids.setdefault(first_row, contact_id),
                outcome,
            )


def records_file(result: SimulationResult) -> Callable[[Path], None]:
    """The log as file content for ``ccsim.outputs``: CSV, or Parquet when the file name ends in .parquet."""

    def write(path: Path) -> None:
        (_write_parquet if path.suffix == ".parquet" else _write_csv)(record_rows(result), path)

    return write


def write_records(result: SimulationResult, path: Path) -> None:
    """Write the log as CSV, or as Parquet when the file name ends in .parquet."""
    write_atomic(Path(path), records_file(result))


def _stamp(t: datetime | None) -> str:
    return "" if t is None else t.isoformat(timespec="milliseconds")


def _write_csv(rows: Iterator[tuple], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for arrived, kind, answered, ended, rep, pool, wait, handle, contact_id, customer_id, outcome in rows:
            writer.writerow(
                (
                    _stamp(arrived), spreadsheet_cell(kind), _stamp(answered), _stamp(ended), rep, spreadsheet_cell(pool or ""), wait,
                    "" if handle is None else handle, contact_id, customer_id, outcome,
                )
            )


def _write_parquet(rows: Iterator[tuple], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ms = pa.timestamp("ms")
    schema = pa.schema(zip(COLUMNS, [ms, pa.string(), ms, ms, pa.int32(), pa.string(), pa.float64(), pa.float64(), pa.int64(), pa.int64(), pa.string()]))
    with pq.ParquetWriter(path, schema) as writer:
        while chunk := list(islice(rows, _PARQUET_BATCH)):
            columns = [pa.array(values, type=field.type) for values, field in zip(zip(*chunk), schema)]
            writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))
