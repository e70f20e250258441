"""The ``ccsim`` command: parse arguments, call the library, print. Exit codes live only here.

What a result looks like on the terminal (its tables and lines) is built in ccsim/report/terminal.py;
this module decides only where it goes (stdout or stderr) and how the command ends.

Exit codes: 0 success, 2 bad input (scenario, flags, files, an unusable --scheduler) or outputs that
cannot be written (nothing is then changed), 130 interrupted by Ctrl-C, 143 by SIGTERM and 129 by
SIGHUP (its terminal closed; what finished is still printed and written, marked partial), 1 a worker process died (one error line;
what finished is still printed and written, marked partial).
"""

from __future__ import annotations

import csv
import gc
import io
import logging
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

try:  # numpy, scipy and rich take about a second to import: a Ctrl-C meanwhile has nothing to keep
    import typer
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from typer.core import TyperGroup

    import ccsim
    from ccsim.outputs import CsvContent, Files, JsonContent, OutputError, check_outputs, write_outputs
    from ccsim.report import terminal
    from ccsim.results import SimulationResult
    from ccsim.runner import RunnerError, log as runner_log
    from ccsim.scenario import Scenario, ScenarioError
except KeyboardInterrupt:
    sys.exit(130)

#: What stops a command and keeps what finished: Ctrl-C, ``kill``, and the terminal closing (no SIGHUP on Windows).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stop(logging.Handler):
    """Why the running command stopped its simulations early, if it did, and so its exit code.

    While a command runs, the first SIGINT (Ctrl-C), SIGTERM or SIGHUP raises KeyboardInterrupt, which the
    library turns into "stop, keep what finished" (the runner kills its workers at once), and sets
    the exit code to 128 + its number: 130, 143, 129. More of them are only counted: the command is
    already on its way out, and cutting that short would lose what finished (two Ctrl-Cs half a
    second apart are common). A worker process that died comes as the runner's log record: an
    error line, exit 1.
    """

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.begin()

    def begin(self) -> None:
        """A command starts: nothing has stopped it."""
        self.signals: list[int] = []
        self.worker_lost = False

    def interrupt(self, signum: int, frame: object) -> None:
        self.signals.append(signum)
        if len(self.signals) == 1:
            raise KeyboardInterrupt

    def emit(self, record: logging.LogRecord) -> None:
        self.worker_lost = True
        err.print(f"error: {record.getMessage()}", markup=False, highlight=False, soft_wrap=True)

    @property
    def exit_code(self) -> int:
        if self.signals:
            return 128 + self.signals[0]
        return 1 if self.worker_lost else 130


stop = Stop()


@contextmanager
def signals_to(handler: Callable) -> Iterator[None]:
    """The stop signals go to ``handler`` inside the block, and back where they went after it."""
    previous = [signal.signal(s, handler) for s in STOP_SIGNALS]
    try:
        yield
    finally:
        for s, before in zip(STOP_SIGNALS, previous):
            signal.signal(s, before)


def exit_quietly(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM before a command runs has nothing to keep: exit 130 or 143, no traceback."""
    sys.exit(128 + signum)


class Program(typer.Typer):
    """The ccsim process (the console script, ``python -m cli``), where no signal gives a traceback.

    Tests call the commands through Typer's runner instead, so their process keeps its handlers."""

    def __call__(self, *args, **kwargs):
        # What is alive now (the modules, pydantic's validators, the dataclasses' methods) lives as
        # long as the process: frozen, the garbage collector no longer scans it while the command
        # runs, nor tears its cycles down at exit (~35 ms of a process that exits at once).
        gc.freeze()
        for s in STOP_SIGNALS:
            signal.signal(s, exit_quietly)  # while the arguments are parsed
        try:
            return super().__call__(*args, **kwargs)
        finally:  # the command is over and the process ends: a signal now would only interrupt that
            for s in STOP_SIGNALS:
                signal.signal(s, signal.SIG_IGN)


class Commands(TyperGroup):
    """ccsim's commands, each run with ``stop`` handling its signals and the runner's errors."""

    def invoke(self, ctx: typer.Context):
        stop.begin()
        runner_log.addHandler(stop)
        try:
            with signals_to(stop.interrupt):
                return super().invoke(ctx)
        except KeyboardInterrupt:  # outside a simulation (loading a scenario, say): nothing to keep
            raise typer.Exit(stop.exit_code)
        finally:
            runner_log.removeHandler(stop)


app = Program(
    cls=Commands,
    help="ccsim: simulate a contact-center day and test a staffing plan before the day comes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Names print as written: ':x:' in one is no emoji; markup in them is escaped where lines are built
# (ccsim/report/terminal.py) or not read at all (markup=False).
out = Console(emoji=False)
err = Console(stderr=True, emoji=False)

ScenarioArg = typer.Argument(None, help="Scenario YAML file; omitted = the bundled default scenario.", show_default=False)
# Where replications run (ccsim.runner): every simulating command takes --workers; run, compare,
# staff and trap also take --scheduler.
WorkersOpt = typer.Option(None, "--workers", "-w", min=1, help="Local worker processes (default: 1 for tiny runs, else every core).")
# No square brackets in help texts: the terminal help reads them as markup and drops them.
JsonOpt = typer.Option(False, "--json", help="Print only the JSON to stdout.")
PrecisionOpt = typer.Option(
    None, "--precision", min=0.0001, max=0.5, help="Add replications, in batches, until every contact type's day service level has a 95% half-width at most this (a share: 0.01 is one point)."
)
MaxReplicationsOpt = typer.Option(1000, "--max-replications", min=2, max=100_000, help="With --precision: the most replications to run.")
StateOpt = typer.Option(None, "--state", help="Start from this state of the center (YAML or JSON: at, waiting, in_service, agents_now, ...; docs/intraday.md) and simulate the rest of the day.")
ReforecastOpt = typer.Option(True, "--reforecast/--no-reforecast", help="With --state: scale the rest of the day's forecast by how the day has run so far (the state's actuals).")
ForecastOpt = typer.Option(None, "--forecast", help="With --state: the rest of the day's volumes from this file (CSV or Excel, a column per contact type, one row per interval from the one holding at) instead of the reforecast.")
SchedulerOpt = typer.Option(
    None, "--scheduler", envvar="CCSIM_DASK_SCHEDULER", help="Run on a Dask cluster at this address, e.g. tcp://host:8786 (needs the dask extra, docs/scale.md)."
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


def check_replications(replications: Optional[int], scenarios: list[Scenario]) -> None:
    """Refuse a ``--replications`` that the scenarios could not ask for themselves: each is
    validated with it, so the flag meets the bounds the scenario model declares (at most 100,000,
    and no more contacts in all than a run may simulate) and the message gives the limit."""
    if replications is None:
        return
    from pydantic import ValidationError

    from ccsim.config import format_validation_error

    problems = []
    for sc in scenarios:
        override = {"replications": replications}
        try:
            Scenario.model_validate({**dict(sc), **override})
        except ValidationError as exc:
            problems += [f"--replications {replications}: {line.removeprefix('replications: ')}" for line in format_validation_error(exc, override)]
    if problems:
        fail(list(dict.fromkeys(problems)))


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


@contextmanager
def interruptible(message: str) -> Iterator[None]:
    """Stopped (see ``Stop``) before any result exists, print ``message`` and exit; an unusable
    backend exits 2. Stopped later, the command keeps what finished and exits ``stop.exit_code``."""
    try:
        yield
    except KeyboardInterrupt:
        err.print(message)
        raise typer.Exit(stop.exit_code)
    except RunnerError as exc:
        fail([str(exc)])


def print_json(data: dict) -> None:
    JsonContent(data).write(sys.stdout)  # streamed: a year's summary would be a huge string


def check_targets(targets: dict) -> None:
    """Refuse, before anything is simulated, outputs that could not be written: ``targets`` as for
    ``save``, None for a file and {} for a directory (contents do not exist yet), None as a path
    for a flag not given."""
    try:
        check_outputs({path: content for path, content in targets.items() if path is not None})
    except OutputError as exc:
        fail([f"cannot write {exc}"])


def save(targets: dict) -> list[Path]:
    """Write a command's outputs as one transaction (ccsim.outputs.write_outputs): on failure or
    Ctrl-C one line, nothing changed, exit 2 or ``stop.exit_code``."""
    try:
        return write_outputs(targets)
    except OutputError as exc:
        fail([f"cannot write {exc}"])
    except KeyboardInterrupt:
        err.print("interrupted while writing the outputs; nothing was written", markup=False, highlight=False)
        raise typer.Exit(stop.exit_code)


def print_wrote(written: list[Path], console: Console = out) -> None:
    """'wrote a, b, c' for the files a command wrote."""
    if written:
        console.print("wrote " + ", ".join(str(p) for p in written), markup=False, highlight=False, soft_wrap=True)


def print_warnings(lines: list[str]) -> None:
    """Why the figures are hard to read, if they are (ccsim.evaluation.readability_warnings), on stderr."""
    for line in lines:
        err.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)


def print_run_summary(result: SimulationResult) -> None:
    for table in terminal.run_summary(result):
        out.print(table)
    if result.partial:
        err.print(f"[yellow]interrupted: {result.replications} replications finished; results are partial[/]")


def run_files(result: SimulationResult) -> Files:
    """What ``run --out`` writes: summary.json, intervals.csv, summary.xlsx and report.html."""
    from ccsim.report.excel import summary_workbook
    from ccsim.report.run_report import build_run_report

    return {
        "summary.json": JsonContent(result.to_dict()),
        "intervals.csv": CsvContent(result.interval_csv()),
        "summary.xlsx": summary_workbook(result),
        "report.html": build_run_report(result),
    }


@app.command()
def run(
    scenario: Optional[Path] = ScenarioArg,
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=1, help="Override the scenario's replications."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Override the scenario's seed."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write summary.json, intervals.csv, summary.xlsx and report.html here."),
    as_json: bool = typer.Option(False, "--json", help="Print only the summary JSON to stdout."),
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    records: Optional[Path] = typer.Option(None, "--records", help="Also write one row per contact (ACD log format) to this .csv or .parquet file."),
    precision: Optional[float] = PrecisionOpt,
    max_replications: int = MaxReplicationsOpt,
) -> None:
    """Simulate a scenario's day and report service level, waits, abandonment and occupancy with 95% CIs."""
    from ccsim.evaluation import day_shares, precision_warnings, readability_warnings

    sc = load(scenario)
    check_replications(replications, [sc])
    check_targets({out_dir: {}, records: None})
    if records is not None and records.suffix not in (".csv", ".parquet"):
        fail([f"--records {records}: the file name must end in .csv or .parquet"])
    if records is not None and records.suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            fail(["--records: writing Parquet needs pyarrow (pip install 'ccsim[parquet]'); or use a .csv file"])
    with progress_bar(not as_json and sys.stderr.isatty(), "replications") as progress, interruptible(
        "interrupted before any replication finished; nothing written"
    ):
        result = ccsim.simulate(
            sc, replications=replications, seed=seed, workers=workers, progress=progress, records=records is not None, scheduler=scheduler,
            precision=precision, max_replications=max_replications,
        )
    widest = ccsim.runner.widest_half_width(result.scenario, [result.replication_stats])
    print_warnings(readability_warnings(result.replications, day_shares(result)) + precision_warnings(widest, result.replications, precision))
    if as_json:
        print_json(result.to_dict())
    else:
        print_run_summary(result)
    targets: dict = {}
    if out_dir is not None:
        targets[out_dir] = run_files(result)
    if records is not None:
        from ccsim.records import records_file

        targets[records] = records_file(result)
    written = save(targets)
    if not as_json:
        print_wrote(written)
    if result.partial:
        raise typer.Exit(stop.exit_code)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML file to check.")) -> None:
    """Check a scenario file without simulating: every problem on its own line, exit 2 if any."""
    sc = load(scenario)
    out.print(
        f"ok: {sc.name}: {len(sc.contact_types)} contact type(s), {len(sc.agent_pools)} agent pool(s), "
        f"{sc.horizon.describe()}, {sc.replications} replications, seed {sc.seed}"
        + (f"; {len(sc.variants)} variant(s) for ccsim compare: {', '.join(sc.variants)}" if sc.variants else ""),
        markup=False,
    )
    for note in sc.notes:  # how its files were read, where that was a guess
        out.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def load_state(path: Path, scenario: Scenario):
    """A state file checked against its scenario, or one line per problem and exit 2."""
    from ccsim.intraday import load_state as read_state
    from ccsim.state import state_problems

    try:
        state = read_state(path)
    except ScenarioError as exc:
        fail(exc.problems)
    problems = state_problems(scenario, state)
    if problems:
        fail([f"{path}: {line}" for line in problems])
    return state


def intraday_plans(plans: list, state_path: Path, reforecast: bool, forecast: Optional[Path]):
    """Each plan's rest of the day from one state (compare --state)."""
    from ccsim.intraday import plans_from_state

    state = load_state(state_path, plans[0].scenario)
    try:
        return plans_from_state(plans, state, reforecast, forecast)
    except ScenarioError as exc:
        fail(exc.problems)


def intraday_scenario(sc: Scenario, state_path: Path, reforecast: bool, forecast: Optional[Path]):
    """The rest of the day from a state (staff --state), and its reforecast."""
    from ccsim.intraday import from_state

    state = load_state(state_path, sc)
    try:
        return from_state(sc, state, reforecast, forecast)
    except ScenarioError as exc:
        fail(exc.problems)


def comparison_data(cmp, ref) -> dict:
    """compare's JSON; from a state (--state), also the reforecast and the actions ranked."""
    from ccsim.intraday import action_ranking

    data = cmp.to_dict()
    if ref is not None:
        data["reforecast"] = ref.to_dict()
        data["actions"] = action_ranking(cmp)
    return data


def print_actions(actions: list[dict]) -> None:
    """Which action recovers the most service per agent-hour (compare --state)."""
    for row in actions:
        rate = "at no extra agent-hour" if row["points_per_agent_hour"] is None else f"{row['points_per_agent_hour']:+.2f} points per extra agent-hour"
        out.print(
            f"- action {row['plan']}: {row['contact_type']} service level {row['service_level_points']:+.1f} points "
            f"({rate}{'' if row['significant'] else ', not significant'})",
            markup=False, highlight=False, soft_wrap=True,
        )


def print_reforecast(ref) -> None:
    if ref.raw_ratio is None:  # kept as forecast, or a forecast file
        line = ref.method
    else:
        line = f"the rest of the day's forecast x {ref.factor:.3f} (actual/forecast {ref.raw_ratio:.3f} over {ref.intervals_observed} intervals); {ref.method}"
    err.print(f"reforecast: {line}", markup=False, highlight=False, soft_wrap=True)


@app.command("now")
def now_command(
    scenario: Path = typer.Argument(..., help="Scenario YAML file: the day's forecast and plan."),
    state: Path = typer.Option(..., "--state", help="The center's state now (YAML or JSON: at, waiting, in_service, agents_now, callbacks_pending, actuals; docs/intraday.md)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write summary.json, intervals.csv, summary.xlsx and report.html here."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON to stdout."),
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=1, max=100_000, help="Override the scenario's replications."),
    reforecast: bool = ReforecastOpt,
    forecast: Optional[Path] = ForecastOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
) -> None:
    """Simulate the rest of the day from the state the center is in now, with the forecast reforecast."""
    from ccsim.intraday import now

    sc = load(scenario)
    live = load_state(state, sc)
    check_targets({out_dir: {}})
    with progress_bar(not as_json and sys.stderr.isatty(), "replications") as progress, interruptible(
        "interrupted before any replication finished; nothing written"
    ):
        try:
            res = now(sc, live, replications=replications, workers=workers, reforecast_on=reforecast, forecast=forecast, progress=progress, scheduler=scheduler)
        except ScenarioError as exc:
            fail(exc.problems)
    if as_json:
        print_json(res.to_dict())
    else:
        print_reforecast(res.reforecast)
        print_run_summary(res.result)
    written = save({out_dir: {**run_files(res.result), "summary.json": JsonContent(res.to_dict())}} if out_dir is not None else {})
    if not as_json:
        print_wrote(written)
    if res.result.partial:
        raise typer.Exit(stop.exit_code)


def print_comparison(cmp) -> None:
    """Plans side by side (mean ± 95% CI), the paired differences to the baseline, the summary."""
    from ccsim.compare_text import summary_lines

    out.print(terminal.comparison_table(cmp))
    for line in summary_lines(cmp):
        out.print(f"- {line}", markup=False, highlight=False)


@app.command()
def compare(
    scenarios: list[Path] = typer.Argument(..., help="Two or more scenario files, or one file with a variants: section (base + variants).", show_default=False),
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=1, help="Replications for every plan (default: the first plan's)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed for every plan (default: the first plan's)."),
    baseline: Optional[str] = typer.Option(None, "--baseline", "-b", help="Plan the differences are taken against (default: the first)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write report.html, comparison.json and differences.csv here."),
    images: Optional[str] = typer.Option(None, "--images", help="With --out: also write every chart as png or svg under DIR/charts (needs kaleido and Chromium)."),
    as_json: bool = typer.Option(False, "--json", help="Print only the comparison JSON to stdout."),
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    state: Optional[Path] = StateOpt,
    reforecast: bool = ReforecastOpt,
    forecast: Optional[Path] = ForecastOpt,
    precision: Optional[float] = PrecisionOpt,
    max_replications: int = MaxReplicationsOpt,
) -> None:
    """Compare staffing plans on the same simulated days: paired differences (B - A) with 95% CIs."""
    from ccsim.compare import ComparisonError, Plan, plans_from_scenario
    from ccsim.evaluation import day_shares, precision_warnings, readability_warnings

    check_targets({out_dir: {}})
    if images is not None and images not in ("png", "svg"):
        fail([f"--images {images}: give png or svg"])
    if images is not None and out_dir is None:
        fail(["--images needs --out DIR (the charts go to DIR/charts)"])
    plans, problems = [], []
    for path in scenarios:
        try:
            sc = ccsim.load_scenario(path)
        except ScenarioError as exc:  # several files: say which one each problem is in
            problems += [p if p.startswith(str(path)) else f"{path}: {p}" for p in exc.problems]
            continue
        if len(scenarios) == 1 and sc.variants:
            plans += plans_from_scenario(sc, str(path))
        else:
            plans.append(Plan(path.stem if len(scenarios) > 1 else sc.name, sc, str(path)))
    if problems:
        fail(problems)
    if len(plans) < 2:
        fail([f"{scenarios[0]}: nothing to compare; give two or more scenario files, or add a variants: section (docs/compare.md)"])
    check_replications(replications, [p.scenario for p in plans])
    ref = None
    if state is not None:  # every plan from the same state, over the rest of the day
        plans, ref = intraday_plans(plans, state, reforecast, forecast)
        if not as_json:
            print_reforecast(ref)
    with progress_bar(not as_json and sys.stderr.isatty(), f"{len(plans)} plans") as progress, interruptible(
        "interrupted before every plan finished a replication; nothing written"
    ):
        try:
            cmp = ccsim.compare(
                plans, replications=replications, seed=seed, workers=workers, progress=progress, baseline=baseline or 0, scheduler=scheduler,
                precision=precision, max_replications=max_replications,
            )
        except ComparisonError as exc:
            fail(exc.problems)
    data = comparison_data(cmp, ref)
    widest = ccsim.runner.widest_half_width(cmp.results[0].scenario, [res.replication_stats for res in cmp.results])
    shares = {k: e for p, res in zip(cmp.plans, cmp.results) for k, e in day_shares(res, f"{p.label}: ").items()}
    warnings = readability_warnings(cmp.replications, shares) + precision_warnings(widest, cmp.replications, precision)
    print_warnings(warnings)
    if as_json:
        print_json(data)
    else:
        print_comparison(cmp)
        print_actions(data.get("actions", []))
    if out_dir is not None:
        from ccsim.report.compare_report import build_compare_report

        files = {"report.html": build_compare_report(cmp, data.get("actions"), warnings), "comparison.json": JsonContent(data), "differences.csv": CsvContent(cmp.differences_csv())}
        if images is not None:
            files["charts"] = chart_images(cmp, images)
        written = save({out_dir: files})
        if not as_json:
            print_wrote(written)
    if cmp.partial:
        raise typer.Exit(stop.exit_code)


def chart_images(cmp, fmt: str):
    """Content for DIR/charts: every chart of the comparison as an image, or a warning saying why not."""
    from ccsim.report.compare_report import compare_figures
    from ccsim.report.export import ExportUnavailable, export_figures

    def write(path: Path) -> None:
        try:
            export_figures(compare_figures(cmp), path, fmt)
        except ExportUnavailable as exc:
            err.print(f"warning: charts not exported: {exc}", markup=False, highlight=False, soft_wrap=True)

    return write


# How a contact log is read, in calibrate and backtest alike (ccsim.calibrate.read_log).
ColumnsOpt = typer.Option(None, "--columns", help="Map your export's headers: arrival_time=CallStart,answer_time=...,end_time=...,contact_type=...,pool=...")
TzOpt = typer.Option(None, "--tz", help="Convert timestamps with UTC offsets to this zone's clock (e.g. Europe/Berlin).")
TimeFormatOpt = typer.Option(None, "--time-format", help="Read timestamps that are not ISO 8601 with this strptime format, e.g. %d/%m/%Y %H:%M:%S.")
DayfirstOpt = typer.Option(False, "--dayfirst", help="Read timestamps that are not ISO 8601 day first (05/01/2026 is 5 January), their format guessed.")


@app.command()
def calibrate(
    log: Path = typer.Argument(..., help="Per-contact log, CSV, .xlsx or .parquet: arrival_time,contact_type,answer_time,end_time (what `ccsim run --records` writes)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the calibrated scenario YAML here (default: print it to stdout)."),
    report_dir: Optional[Path] = typer.Option(None, "--report", help="Write report.html (every fit against the data), calibration.json and the staffing table (staffing_placeholder.csv, or staffing.csv with --staffing) here."),
    interval_minutes: int = typer.Option(30, "--interval-minutes", min=1, max=1440, help="Planning interval length in minutes."),
    columns: Optional[str] = ColumnsOpt,
    tz: Optional[str] = TzOpt,
    time_format: Optional[str] = TimeFormatOpt,
    dayfirst: bool = DayfirstOpt,
    weekday: Optional[str] = typer.Option(None, "--weekday", help="Calibrate from one day of the week only (mon ... sun)."),
    staffing: Optional[Path] = typer.Option(None, "--staffing", help="Agents per interval (.xlsx, its first sheet, or CSV): an interval_start column and one column per pool, rows on several dates averaged (else an Erlang A placeholder marked REVIEW)."),
    patience: str = typer.Option("auto", "--patience", help="Patience to write: auto, curve (Kaplan-Meier), exponential, weibull or lognormal."),
    handle: str = typer.Option("best", "--handle", help="Handle time to write: best (lowest AIC), exponential, gamma, lognormal, weibull or empirical."),
    sl_seconds: float = typer.Option(20.0, "--sl-seconds", min=0, help="Service-level threshold T written into the scenario (seconds)."),
    sl_target: float = typer.Option(0.8, "--sl-target", min=0, max=1, help="Service-level target written into the scenario (share)."),
    as_json: bool = typer.Option(False, "--json", help="Print only the calibration as JSON to stdout."),
) -> None:
    """Estimate a scenario from a contact log: volumes, handle time, censored patience, busyness."""
    from ccsim.calibrate import CalibrationError, calibrate as run_calibration

    check_targets({out_path: None, report_dir: {}})
    try:
        cal = run_calibration(
            log, columns=columns, tz=tz, time_format=time_format, dayfirst=dayfirst, interval_minutes=interval_minutes, weekday=weekday, staffing=staffing,
            patience=patience, handle=handle, sl_seconds=sl_seconds, sl_target=sl_target,
        )
        cal.scenario()  # the written scenario must validate
    except CalibrationError as exc:
        fail(exc.problems)
    except ScenarioError as exc:  # a calibration bug, not the user's: say so plainly
        fail(["the calibrated scenario does not validate (please report this):"] + exc.problems)
    text = cal.scenario_yaml()
    targets: dict = {}
    if out_path is not None:
        targets[out_path] = text
    if report_dir is not None:
        from ccsim.report.calibrate_report import calibration_report_files

        targets[report_dir] = calibration_report_files(cal)
    written = save(targets)
    if as_json:
        print_json(cal.to_dict())
        return
    # Without --out the scenario goes to stdout (so it can be redirected) and the summary to stderr.
    console = out if out_path is not None else err
    print_calibration_summary(cal, console)
    if out_path is None:
        sys.stdout.write(text)
    print_wrote(written, console)


def print_calibration_summary(cal, console: Console) -> None:
    console.print(terminal.calibration_table(cal))
    for line in terminal.calibration_lines(cal):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command()
def backtest(
    log: Path = typer.Argument(..., help="Per-contact log, as ccsim calibrate reads it (CSV, .xlsx or .parquet; what `ccsim run --records` writes)."),
    scenario: Path = typer.Option(..., "--scenario", help="Scenario YAML with what a log cannot show: patience, behaviours, routing, pools and skills."),
    staffing: Path = typer.Option(..., "--staffing", help="Agents logged in per day, interval and pool (CSV or .xlsx): dated interval starts, or a date and an interval column, and one column per pool."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write report.html, backtest.json and intervals.csv here."),
    as_json: bool = JsonOpt,
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=2, help="Replications of each day (default: 20); the 95% band is their 2.5% to 97.5% quantiles."),
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    columns: Optional[str] = ColumnsOpt,
    tz: Optional[str] = TzOpt,
    time_format: Optional[str] = TimeFormatOpt,
    dayfirst: bool = DayfirstOpt,
) -> None:
    """Replay the log's days through the model (logged arrivals, handle times and staffing) and measure how well it fits."""
    from ccsim.backtest import BacktestError, backtest as run_backtest

    sc = load(scenario)
    check_targets({out_dir: {}})
    with progress_bar(not as_json and sys.stderr.isatty(), "replications") as progress, interruptible("interrupted before every day was replayed; nothing written"):
        try:
            res = run_backtest(
                log, sc, staffing, replications=replications, workers=workers, scheduler=scheduler, progress=progress,
                columns=columns, tz=tz, time_format=time_format, dayfirst=dayfirst,
            )
        except BacktestError as exc:
            fail(exc.problems)
    if as_json:
        print_json(res.to_dict())
    else:
        for item in terminal.backtest_summary(res):
            out.print(item)
    if out_dir is not None:
        from ccsim.report.backtest_report import build_backtest_report

        written = save({out_dir: {"report.html": build_backtest_report(res), "backtest.json": JsonContent(res.to_dict()), "intervals.csv": CsvContent(res.interval_csv())}})
        if not as_json:
            print_wrote(written)


def load_with_targets(scenario: Optional[Path], target: Optional[list[str]], out_dir: Optional[Path]) -> Scenario:
    """The scenario with ``--target`` overrides applied (staff and trap); bad input exits 2."""
    from ccsim.goals import apply_targets

    sc = load(scenario)
    check_targets({out_dir: {}})
    try:
        return apply_targets(sc, target or [])
    except ScenarioError as exc:
        fail(exc.problems)


def search_log(as_json: bool):
    """Progress lines of a staffing search on stderr, silent when stdout carries JSON."""
    return None if as_json else (lambda m: err.print(m, markup=False, highlight=False))


@app.command()
def staff(
    scenario: Optional[Path] = ScenarioArg,
    target: Optional[list[str]] = typer.Option(None, "--target", "-t", help="Override a target: sl=0.8, sl=80/20, asa=30, abandon=0.05, occupancy=0.9; prefix a contact type or pool: chat.sl=0.9. Repeatable."),
    shifts_file: Optional[Path] = typer.Option(None, "--shifts", help="Shift rules YAML (kinds, start grid, breaks, opening hours); default: the scenario's shifts: section."),
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=2, help="Days the search decides on, fixed (default: the scenario's, doubled while a decision is noisier than half an agent)."),
    max_replications: Optional[int] = typer.Option(None, "--max-replications", min=2, max=100_000, help="Most days the search doubles up to (default 200; with --replications, none)."),
    precision: Optional[float] = typer.Option(
        None, "--precision", min=0.0001, max=0.5, help="Add fresh days to the evaluation, in batches, until every plan's day service levels have a 95% half-width at most this (a share)."
    ),
    confidence: float = typer.Option(0.8, "--confidence", min=0.5, max=0.999, help="One-sided confidence (a share, e.g. 0.8) with which every interval must meet its targets."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write staffing.json, staffing.csv, staffing.xlsx (and roster.csv when shifts are planned) and staff_report.html here."),
    as_json: bool = JsonOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    state: Optional[Path] = StateOpt,
    reforecast: bool = ReforecastOpt,
    forecast: Optional[Path] = ForecastOpt,
    week: bool = typer.Option(False, "--week", help="Plan a weekly roster per pool (dated horizon of whole days, shift rules with week:), simulated day by day."),
    requirement: str = typer.Option("simulated", "--requirement", help="What the shifts or the weekly roster cover: simulated (the search's plan) or erlang_a (faster, stationary)."),
) -> None:
    """Fewest agents per interval and pool meeting the targets: Erlang C, Erlang A and simulation side by side."""
    from ccsim.staffing import staff as staff_plan

    sc = load_with_targets(scenario, target, out_dir)
    check_replications(replications, [sc])
    if state is not None:  # re-plan the rest of the day from the state the center is in
        sc, ref = intraday_scenario(sc, state, reforecast, forecast)
        if not as_json:
            print_reforecast(ref)
    if requirement not in ("simulated", "erlang_a"):
        fail([f"--requirement: '{requirement}' is not simulated or erlang_a"])
    rules = None
    if shifts_file is not None:
        from ccsim.shifts import load_shift_rules, rules_problems

        try:
            rules = load_shift_rules(shifts_file)
        except ScenarioError as exc:
            fail(exc.problems)
        bad = rules_problems(rules, sc.pool_names, f"{shifts_file}: shifts")
        if bad:
            fail(bad)
    if week:
        from ccsim.staffing import week_problems

        bad = week_problems(sc, rules if rules is not None else sc.shifts)
        if bad:
            fail([f"--week: {line}" for line in bad])
    log = search_log(as_json)
    with interruptible("interrupted; nothing written"):
        res = staff_plan(
            sc, replications=replications, confidence=confidence, workers=workers, shift_rules=rules, log=log, scheduler=scheduler, max_replications=max_replications,
            precision=precision, week=week, requirement=requirement,
        )
    data = res.to_dict()
    print_warnings(res.warnings())
    if as_json:
        print_json(data)
    else:
        for item in terminal.staff_summary(res):
            out.print(item)
    if out_dir is not None:
        from ccsim.report.excel import roster_csv, staffing_workbook
        from ccsim.report.staff_report import build_staff_report

        files = {"staffing.json": JsonContent(data), "staffing.csv": CsvContent(res.csv()), "staffing.xlsx": staffing_workbook(res)}
        if res.shift_plans or res.rosters:
            files["roster.csv"] = CsvContent(roster_csv(res))
        written = save({out_dir: {**files, "staff_report.html": build_staff_report(res)}})
        if not as_json:
            print_wrote(written)


#: The most staff the trap's sweep may try, as a factor of the naive plan: far past any cliff, and
#: the work of simulating a staffing level grows with its agents.
MAX_TRAP_SCALE = 10.0


@app.command()
def trap(
    scenario: Optional[Path] = ScenarioArg,
    scale_from: float = typer.Option(0.7, "--from", min=0.05, help="Lowest staffing, as a factor of the naive Erlang C plan."),
    scale_to: float = typer.Option(1.3, "--to", min=0.05, help="Highest staffing, as a factor of the naive plan."),
    points: int = typer.Option(13, "--points", min=2, max=200, help="Staffing levels in the sweep."),
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=2, help="Replications per staffing level (default: the scenario's)."),
    precision: Optional[float] = PrecisionOpt,
    max_replications: int = MaxReplicationsOpt,
    causes: bool = typer.Option(True, "--causes/--no-causes", help="Decompose the gap by cause (one simulation-based staffing per reality)."),
    target: Optional[list[str]] = typer.Option(None, "--target", "-t", help="Override a target, as in ccsim staff. Repeatable."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write trap.json and trap_report.html here."),
    as_json: bool = JsonOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
) -> None:
    """The understaffing-trap explorer: sweep staffing around the naive plan, mark the cliff, explain the gap."""
    from ccsim.trap import explore

    if scale_to <= scale_from:
        fail([f"--to ({scale_to:g}) must be above --from ({scale_from:g})"])
    if scale_to > MAX_TRAP_SCALE:
        fail([f"--to {scale_to:g}: must be at most {MAX_TRAP_SCALE:g} (times the naive plan)"])
    sc = load_with_targets(scenario, target, out_dir)
    check_replications(replications, [sc])
    scales = tuple(round(scale_from + (scale_to - scale_from) * k / (points - 1), 4) for k in range(points))
    log = search_log(as_json)
    with interruptible("interrupted; nothing written"):
        res = explore(sc, scales, replications, workers, causes=causes, log=log, scheduler=scheduler, precision=precision, max_replications=max_replications)
    data = res.to_dict()
    print_warnings(res.warnings())
    if as_json:
        print_json(data)
    else:
        for item in terminal.trap_summary(res):
            out.print(item)
    if out_dir is not None:
        from ccsim.report.trap_report import build_trap_report

        written = save({out_dir: {"trap.json": JsonContent(data), "trap_report.html": build_trap_report(res)}})
        if not as_json:
            print_wrote(written)


@app.command("erlang")
def erlang_command(
    scenario: Optional[Path] = typer.Argument(None, help="Scenario file: print its period-by-period (SIPP) Erlang C / Erlang A table instead.", show_default=False),
    model: str = typer.Option("C", "--model", "-m", help="B (blocking), C (patient callers) or A (callers abandon; needs --patience).", case_sensitive=False),
    per_hour: Optional[float] = typer.Option(None, "--per-hour", min=0, help="Arrivals per hour."),
    calls: Optional[float] = typer.Option(None, "--calls", min=0, help="Arrivals per interval (with --interval-minutes), instead of --per-hour."),
    interval_minutes: float = typer.Option(30, "--interval-minutes", min=1e-9, help="Interval length for --calls, minutes."),
    aht: Optional[float] = typer.Option(None, "--aht", min=1e-9, help="Average handle time, seconds."),
    agents: Optional[int] = typer.Option(None, "--agents", "-n", min=0, help="Agents (lines for B) available."),
    sl_seconds: float = typer.Option(20, "--sl-seconds", min=0, help="Service-level threshold T, seconds."),
    patience: Optional[float] = typer.Option(None, "--patience", min=1e-9, help="Mean patience, seconds (model A)."),
    target: Optional[float] = typer.Option(None, "--target", min=0, max=1, help="Solve for the fewest agents with this service level (share within T; B: share not blocked)."),
    max_asa: Optional[float] = typer.Option(None, "--max-asa", min=0, help="Solve: ASA at most this many seconds (C, A)."),
    max_abandon: Optional[float] = typer.Option(None, "--max-abandon", min=0, max=1, help="Solve: abandon rate at most this share (A)."),
    shrinkage: float = typer.Option(0.0, "--shrinkage", min=0, max=0.99, help="Share of paid time agents are unavailable; scheduled = required / (1 - shrinkage)."),
    max_occupancy: Optional[float] = typer.Option(None, "--max-occupancy", min=1e-9, max=1, help="Solve: occupancy at most this share."),
    csv_path: Optional[Path] = typer.Option(None, "--csv", help="With a scenario: also write the SIPP table to this CSV file."),
    as_json: bool = JsonOpt,
) -> None:
    """The Erlang calculator (B, C, A): measures for a staffing, or the fewest agents meeting a target."""
    from ccsim import erlang

    if scenario is not None:
        print_sipp(load(scenario), csv_path, as_json)
        return
    model = model.upper()
    problems = []
    if model not in ("B", "C", "A"):
        problems.append(f"--model: must be B, C or A, not '{model}'")
    if (per_hour is None) == (calls is None):
        problems.append("give exactly one of --per-hour or --calls (with --interval-minutes)")
    if aht is None:
        problems.append("--aht: required (average handle time, seconds)")
    solving = target is not None or max_asa is not None or max_abandon is not None or max_occupancy is not None
    if agents is None and not solving:
        problems.append("give --agents to evaluate a staffing, or --target (or --max-asa / --max-abandon) to solve for agents")
    if model == "A" and patience is None:
        problems.append("--patience: required for model A (mean seconds a caller waits before hanging up)")
    if model != "A" and patience is not None:
        problems.append(f"--patience: only model A has patience (model {model} does not)")
    if problems:
        fail(problems)
    rate = per_hour if per_hour is not None else erlang.calls_to_rate_per_hour(calls, interval_minutes)
    extra: dict = {}
    try:
        if agents is not None and not solving:
            res = erlang.measures(model, rate, aht, agents, sl_seconds, patience_s=patience)
            extra = {"scheduled_agents": erlang.scheduled_agents(agents, shrinkage), "shrinkage": shrinkage}
        else:
            solved = erlang.solve_agents(
                model, rate, aht, sl_seconds, target_sl=target, target_asa_s=max_asa, target_abandon=max_abandon,
                patience_s=patience, shrinkage=shrinkage, max_occupancy=max_occupancy,
            )
            res = solved.result
            extra = {"required_agents": solved.required_agents, "scheduled_agents": solved.scheduled_agents, "shrinkage": shrinkage}
    except (ValueError, erlang.InfeasibleTargetError) as exc:
        fail([str(exc)])
    if as_json:
        print_json({**res.to_dict(), **extra})
        return
    out.print(terminal.erlang_table(model, rate, aht, sl_seconds, shrinkage, res, extra))
    if not res.stable:
        out.print(f"[red]unstable:[/] {res.offered_load:,.2f} Erlang of load on {res.agents} agents: under Erlang C the queue grows without bound (no steady state); add agents or use --model A with --patience.", soft_wrap=True)


def print_sipp(sc: Scenario, csv_path: Optional[Path], as_json: bool) -> None:
    """The scenario's SIPP table: agents Erlang C and A require and the service level they promise."""
    from ccsim.sipp import sipp_table

    check_targets({csv_path: None})
    rows = [r.to_dict() for r in sipp_table(sc)]
    written = []
    if csv_path is not None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        written = save({csv_path: CsvContent(buf.getvalue())})
    if as_json:
        print_json({"scenario": sc.name, "intervals": rows})
        return
    out.print(terminal.sipp_table(sc.name, rows))
    print_wrote(written)


if __name__ == "__main__":
    app()
