"""The ``ccsim`` command: parse arguments, call the library, print. Exit codes live only here.

Exit codes: 0 success, 2 bad input (scenario, flags, files, an unusable --scheduler), 130 interrupted
(what finished is still printed and written, marked partial).
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import ccsim
from ccsim.report.html import write_atomic
from ccsim.results import SimulationResult
from ccsim.runner import RunnerError
from ccsim.scenario import Scenario, ScenarioError

app = typer.Typer(
    help="ccsim: simulate a contact-center day and test a staffing plan before the day comes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

ScenarioArg = typer.Argument(None, help="Scenario YAML file; omitted = the bundled default scenario.", show_default=False)
# Where replications run (ccsim.runner); every simulating command takes these two options.
WorkersOpt = typer.Option(None, "--workers", "-w", min=1, help="Local worker processes (default: 1 for tiny runs, else every core).")
SchedulerOpt = typer.Option(
    None, "--scheduler", envvar="CCSIM_DASK_SCHEDULER", help="Run on a Dask cluster at this address, e.g. tcp://host:8786 (needs ccsim[dask])."
)


def fail(problems: list[str]) -> None:
    """Print one line per problem to stderr and exit 2 (bad input)."""
    for line in problems:
        err.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def load(path: Optional[Path]) -> Scenario:
    try:
        return ccsim.load_scenario(path if path is not None else ccsim.bundled_scenario_path())
    except ScenarioError as exc:
        fail(exc.problems)


@contextmanager
def progress_bar(enabled: bool, label: str) -> Iterator:
    """A rich progress bar on stderr, or a no-op callback when output must stay clean."""
    if not enabled:
        yield None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _pct(e) -> str:
    return "n/a" if e.mean is None else f"{e.mean:.1%} ± {e.half_width:.1%}" if e.half_width is not None else f"{e.mean:.1%}"


def _num(e, unit: str = "") -> str:
    if e.mean is None:
        return "n/a"
    hw = f" ± {e.half_width:,.1f}" if e.half_width is not None else ""
    return f"{e.mean:,.1f}{hw}{unit}"


def print_run_summary(result: SimulationResult) -> None:
    sc = result.scenario
    table = Table(title=f"{sc.name}: the day (mean ± 95% CI over {result.replications} replications)")
    for col in ("contact type", "offered", "answered", "abandoned", "service level", "target", "ASA", "p90 wait", "abandon rate"):
        table.add_column(col, justify="left" if col == "contact type" else "right")
    for name, ct in sc.contact_types.items():
        d = result.by_contact_type[name]
        table.add_row(
            name,
            _num(d["offered"]),
            _num(d["answered"]),
            _num(d["abandoned"]),
            _pct(d["service_level"]),
            f"{ct.service_level.target:.0%}/{ct.service_level.seconds:g}s",
            _num(d["asa_seconds"], " s"),
            _num(d["wait_p90_seconds"], " s"),
            _pct(d["abandon_rate"]),
        )
    out.print(table)
    pools = Table(title="Agent pools")
    for col in ("pool", "agents (mean)", "occupancy"):
        pools.add_column(col, justify="left" if col == "pool" else "right")
    for name in sc.pool_names:
        pools.add_row(name, _num(result.by_pool[name]["agents"]), _pct(result.by_pool[name]["occupancy"]))
    out.print(pools)
    worst = Table(title="Worst intervals by service level")
    for col in ("interval", "contact type", "offered", "service level", "ASA", "abandon rate", "max queue"):
        worst.add_column(col, justify="left" if col in ("interval", "contact type") else "right")
    cells = [
        (sl.mean, i, name)
        for name in sc.type_names
        for i, sl in enumerate(result.intervals_by_contact_type[name]["service_level"])
        if sl.mean is not None
    ]
    for _, i, name in sorted(cells)[:5]:
        m = result.intervals_by_contact_type[name]
        worst.add_row(result.labels[i], name, _num(m["offered"][i]), _pct(m["service_level"][i]), _num(m["asa_seconds"][i], " s"), _pct(m["abandon_rate"][i]), _num(m["max_queue"][i]))
    out.print(worst)
    if result.partial:
        err.print(f"[yellow]interrupted: {result.replications} replications finished; results are partial[/]")


def write_run_outputs(result: SimulationResult, out_dir: Path) -> list[Path]:
    """summary.json, intervals.csv and report.html, each written atomically."""
    from ccsim.report.run_report import build_run_report

    files = {
        out_dir / "summary.json": json.dumps(result.to_dict(), indent=2),
        out_dir / "intervals.csv": result.interval_csv(),
        out_dir / "report.html": build_run_report(result),
    }
    for path, text in files.items():
        write_atomic(path, text)
    return list(files)


def check_out_dir(out_dir: Optional[Path]) -> None:
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        fail([f"--out {out_dir}: exists and is not a directory"])


@app.command()
def run(
    scenario: Optional[Path] = ScenarioArg,
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=1, help="Override the scenario's replications."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Override the scenario's seed."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write summary.json, intervals.csv and report.html here."),
    as_json: bool = typer.Option(False, "--json", help="Print only the summary JSON to stdout."),
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    records: Optional[Path] = typer.Option(None, "--records", help="Also write one row per contact (ACD log format) to this .csv or .parquet file."),
) -> None:
    """Simulate a scenario's day and report service level, waits, abandonment and occupancy with 95% CIs."""
    sc = load(scenario)
    check_out_dir(out_dir)
    if records is not None and records.suffix not in (".csv", ".parquet"):
        fail([f"--records {records}: the file name must end in .csv or .parquet"])
    if records is not None and records.suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            fail(["--records: writing Parquet needs pyarrow (pip install pyarrow); or use a .csv file"])
    with progress_bar(not as_json and sys.stderr.isatty(), "replications") as progress:
        try:
            result = ccsim.simulate(
                sc, replications=replications, seed=seed, workers=workers, progress=progress, records=records is not None, scheduler=scheduler
            )
        except KeyboardInterrupt:
            err.print("interrupted before any replication finished; nothing written")
            raise typer.Exit(130)
        except RunnerError as exc:
            fail([str(exc)])
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        print_run_summary(result)
    if out_dir is not None:
        written = write_run_outputs(result, out_dir)
        if not as_json:
            out.print("wrote " + ", ".join(str(p) for p in written))
    if records is not None:
        from ccsim.records import write_records

        write_records(result, records)
        if not as_json:
            out.print(f"wrote {records}")
    if result.partial:
        raise typer.Exit(130)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML file to check.")) -> None:
    """Check a scenario file without simulating: every problem on its own line, exit 2 if any."""
    sc = load(scenario)
    hz = sc.horizon
    out.print(
        f"ok: {sc.name}: {len(sc.contact_types)} contact type(s), {len(sc.agent_pools)} agent pool(s), "
        f"{hz.n_intervals} intervals of {hz.interval_minutes} min from {hz.start}, {sc.replications} replications, seed {sc.seed}"
    )


if __name__ == "__main__":
    app()
