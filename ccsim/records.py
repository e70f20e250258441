"""Per-contact logs in the shape ACD exports have, so ``ccsim calibrate`` can read what ``ccsim run`` writes.

Columns: ``arrival_time,contact_type,answer_time,end_time`` (ISO 8601; an abandoned contact has an
empty ``answer_time`` and ``end_time`` is when it hung up), then ``replication,pool,wait_seconds,
handle_seconds`` for convenience. Replication r is simulated as calendar day r after
``BASE_DATE``, so a run's log looks like r days of one center's data.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

from .results import SimulationResult

#: A Monday; replication r is logged as day r after it.
BASE_DATE = datetime(2026, 1, 5)

COLUMNS = ["arrival_time", "contact_type", "answer_time", "end_time", "replication", "pool", "wait_seconds", "handle_seconds"]


def record_rows(result: SimulationResult):
    """Yield one dict per contact that arrived within the horizon, replication by replication."""
    sc = result.scenario
    types, pools = sc.type_names, sc.pool_names
    warmup = sc.warmup_minutes * 60.0
    close = warmup + sc.horizon.length_s
    day0 = BASE_DATE + timedelta(minutes=sc.horizon.start_minute)
    for rep, stats in enumerate(result.replication_stats):
        if stats.records is None:
            raise ValueError("the simulation was run without records=True")
        origin = day0 + timedelta(days=rep) - timedelta(seconds=warmup)

        def stamp(t: float) -> str:
            return (origin + timedelta(seconds=t)).isoformat(timespec="milliseconds")

        for kind, arrived, answered, ended, pool in sorted(stats.records, key=lambda r: r[1]):
            if not warmup <= arrived < close:
                continue
            yield {
                "arrival_time": stamp(arrived),
                "contact_type": types[kind],
                "answer_time": "" if answered is None else stamp(answered),
                "end_time": stamp(ended),
                "replication": rep,
                "pool": "" if pool is None else pools[pool],
                "wait_seconds": round((ended if answered is None else answered) - arrived, 3),
                "handle_seconds": "" if answered is None else round(ended - answered, 3),
            }


def write_records(result: SimulationResult, path: Path) -> None:
    """Write the log as CSV, or as Parquet when the file name ends in .parquet (needs pyarrow)."""
    from .report.html import write_atomic

    path = Path(path)
    rows = record_rows(result)
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(list(rows))
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(table, tmp)
        tmp.replace(path)
        return
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, buf.getvalue())
