"""The ``ccsim`` command: parse arguments, call the library, print. Exit codes live only here.

Exit codes: 0 success, 2 bad input (scenario, flags, files, an unusable --scheduler), 130 interrupted
(what finished is still printed and written, marked partial).
"""

from __future__ import annotations

import csv
import io
import math
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import ccsim
from ccsim.outputs import JsonContent, write_atomic, write_files
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
# Where replications run (ccsim.runner): every simulating command takes --workers; run, compare,
# staff and trap also take --scheduler.
WorkersOpt = typer.Option(None, "--workers", "-w", min=1, help="Local worker processes (default: 1 for tiny runs, else every core).")
# No square brackets in help texts: the terminal help reads them as markup and drops them.
JsonOpt = typer.Option(False, "--json", help="Print only the JSON to stdout.")
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
    """Ctrl-C before any result exists prints ``message`` and exits 130; an unusable backend exits 2."""
    try:
        yield
    except KeyboardInterrupt:
        err.print(message)
        raise typer.Exit(130)
    except RunnerError as exc:
        fail([str(exc)])


def print_json(data: dict) -> None:
    JsonContent(data).write(sys.stdout)  # streamed: a year's summary would be a huge string


def print_wrote(written: list[Path], console: Console = out) -> None:
    """'wrote a, b, c' for the files a command wrote (atomically: ccsim.outputs.write_files)."""
    if written:
        console.print("wrote " + ", ".join(str(p) for p in written), markup=False, highlight=False, soft_wrap=True)


def _pct(e) -> str:
    return "n/a" if e.mean is None else f"{e.mean:.1%} ± {e.half_width:.1%}" if e.half_width is not None else f"{e.mean:.1%}"


def _num(e, unit: str = "", scale: float = 1.0) -> str:
    """Mean ± half-width in ``unit``, after dividing by ``scale`` (3600 shows seconds as hours)."""
    if e.mean is None:
        return "n/a"
    hw = f" ± {e.half_width / scale:,.1f}" if e.half_width is not None else ""
    return f"{e.mean / scale:,.1f}{hw}{unit}"


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
    print_behaviour_summary(result)
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


def print_behaviour_summary(result: SimulationResult) -> None:
    """Customer and agent behaviours the scenario switches on (docs/behaviours.md); nothing otherwise."""
    from ccsim.report.behaviour_rows import behaviour_rows, pool_behaviour_rows

    def cell(est, fmt: str) -> str:
        if fmt == "share":
            return _pct(est)
        if fmt == "hours":
            return _num(est, " h", scale=3600)
        return _num(est, " s" if fmt == "seconds" else "")

    for title, first, rows in (
        ("Customer behaviour", "contact type", behaviour_rows(result)),
        ("Agents as they really are", "pool", pool_behaviour_rows(result)),
    ):
        if not rows:
            continue
        table = Table(title=f"{title} (mean ± 95% CI)")
        for col in (first, "figure", "value"):
            table.add_column(col, justify="right" if col == "value" else "left")
        last = None
        for name, label, est, fmt in rows:
            table.add_row(name if name != last else "", label, cell(est, fmt))
            last = name
        out.print(table)


def write_run_outputs(result: SimulationResult, out_dir: Path) -> list[Path]:
    """summary.json, intervals.csv and report.html, each written atomically."""
    from ccsim.report.run_report import build_run_report

    return write_files(
        {
            out_dir / "summary.json": JsonContent(result.to_dict()),
            out_dir / "intervals.csv": result.interval_csv(),
            out_dir / "report.html": build_run_report(result),
        }
    )


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
            fail(["--records: writing Parquet needs pyarrow (pip install 'ccsim[parquet]'); or use a .csv file"])
    with progress_bar(not as_json and sys.stderr.isatty(), "replications") as progress, interruptible(
        "interrupted before any replication finished; nothing written"
    ):
        result = ccsim.simulate(
            sc, replications=replications, seed=seed, workers=workers, progress=progress, records=records is not None, scheduler=scheduler
        )
    if as_json:
        print_json(result.to_dict())
    else:
        print_run_summary(result)
    if out_dir is not None:
        written = write_run_outputs(result, out_dir)
        if not as_json:
            print_wrote(written)
    if records is not None:
        from ccsim.records import write_records

        write_records(result, records)
        if not as_json:
            print_wrote([records])
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
        + (f"; {len(sc.variants)} variant(s) for ccsim compare: {', '.join(sc.variants)}" if sc.variants else "")
    )


def print_comparison(cmp) -> None:
    """Plans side by side (mean ± 95% CI) and the paired differences to the baseline."""
    from ccsim.compare_text import day_rows, format_ci, format_difference, format_value, summary_lines

    base = cmp.plans[cmp.baseline].label
    others = [i for i in range(len(cmp.plans)) if i != cmp.baseline]
    currency = cmp.plans[0].scenario.costs.currency if cmp.has_costs else ""
    table = Table(title=f"{len(cmp.plans)} plans on the same {cmp.replications} days (seed {cmp.seed}): mean ± 95% CI; differences paired")
    table.add_column("measure (day)")
    for p in cmp.plans:
        table.add_column(p.label, justify="right")
    for i in others:
        table.add_column(f"{cmp.plans[i].label} − {base}", justify="right")

    def cell(metric, e):
        if e is None or e.mean is None:
            return "n/a"
        hw = "" if e.half_width is None else " ±" + format_difference(metric, e.half_width, currency, unit=False).lstrip("+±")  # a half-width has no sign
        return format_value(metric, e.mean, currency) + hw

    def diff(d):
        if d is None or d.day.mean is None:
            return "n/a"
        if d.day.mean == 0 and d.day.lo == 0 and d.day.hi == 0:
            return "[dim]identical[/]"
        text = f"{format_difference(d.metric, d.day.mean, currency)}\n[dim]({format_ci(d.metric, d.day, currency, unit=False)})[/]"
        colour = {"better": "green", "worse": "red"}.get(d.verdict)
        if not d.significant:
            return f"[dim]{text} n.s.[/]"
        return f"[{colour}]{text}[/]" if colour else text

    for label, metric, kw in day_rows(cmp, ("offered", "service_level", "asa_seconds", "abandon_rate")):
        table.add_row(label, *[cell(metric, cmp.day(i, metric, **kw)) for i in range(len(cmp.plans))], *[diff(cmp.difference(i, metric, **kw)) for i in others])
    out.print(table)
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
) -> None:
    """Compare staffing plans on the same simulated days: paired differences (B - A) with 95% CIs."""
    from ccsim.compare import ComparisonError, Plan, plans_from_scenario

    check_out_dir(out_dir)
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
    with progress_bar(not as_json and sys.stderr.isatty(), f"{len(plans)} plans") as progress, interruptible(
        "interrupted before every plan finished a replication; nothing written"
    ):
        try:
            cmp = ccsim.compare(plans, replications=replications, seed=seed, workers=workers, progress=progress, baseline=baseline or 0, scheduler=scheduler)
        except ComparisonError as exc:
            fail(exc.problems)
    if as_json:
        print_json(cmp.to_dict())
    else:
        print_comparison(cmp)
    if out_dir is not None:
        from ccsim.report.compare_report import build_compare_report, compare_figures

        written = write_files(
            {
                out_dir / "report.html": build_compare_report(cmp),
                out_dir / "comparison.json": JsonContent(cmp.to_dict()),
                out_dir / "differences.csv": cmp.differences_csv(),
            }
        )
        if images is not None:
            from ccsim.report.export import ExportUnavailable, export_figures

            try:
                written += export_figures(compare_figures(cmp), out_dir / "charts", images)
            except ExportUnavailable as exc:
                err.print(f"warning: charts not exported: {exc}", markup=False, highlight=False, soft_wrap=True)
        if not as_json:
            print_wrote(written)
    if cmp.partial:
        raise typer.Exit(130)


@app.command()
def calibrate(
    log: Path = typer.Argument(..., help="Per-contact log, CSV or .parquet: arrival_time,contact_type,answer_time,end_time (what `ccsim run --records` writes)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the calibrated scenario YAML here (default: print it to stdout)."),
    report_dir: Optional[Path] = typer.Option(None, "--report", help="Write report.html (every fit against the data), calibration.json and the staffing table (staffing_placeholder.csv, or staffing.csv with --staffing) here."),
    interval_minutes: int = typer.Option(30, "--interval-minutes", min=1, max=1440, help="Planning interval length in minutes."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Map your export's headers: arrival_time=CallStart,answer_time=...,end_time=...,contact_type=...,pool=..."),
    tz: Optional[str] = typer.Option(None, "--tz", help="Convert timestamps with UTC offsets to this zone's clock (e.g. Europe/Berlin)."),
    weekday: Optional[str] = typer.Option(None, "--weekday", help="Calibrate from one day of the week only (mon ... sun)."),
    staffing: Optional[Path] = typer.Option(None, "--staffing", help="CSV of agents per interval: interval_start,<pool>,... (else an Erlang A placeholder marked REVIEW)."),
    patience: str = typer.Option("auto", "--patience", help="Patience to write: auto, curve (Kaplan-Meier), exponential, weibull or lognormal."),
    handle: str = typer.Option("best", "--handle", help="Handle time to write: best (lowest AIC), exponential, gamma, lognormal, weibull or empirical."),
    sl_seconds: float = typer.Option(20.0, "--sl-seconds", min=0, help="Service-level threshold T written into the scenario (seconds)."),
    sl_target: float = typer.Option(0.8, "--sl-target", min=0, max=1, help="Service-level target written into the scenario (share)."),
    as_json: bool = typer.Option(False, "--json", help="Print only the calibration as JSON to stdout."),
) -> None:
    """Estimate a scenario from a contact log: volumes, handle time, censored patience, busyness."""
    from ccsim.calibrate import CalibrationError, calibrate as run_calibration

    if report_dir is not None and report_dir.exists() and not report_dir.is_dir():
        fail([f"--report {report_dir}: exists and is not a directory"])
    try:
        cal = run_calibration(
            log, columns=columns, tz=tz, interval_minutes=interval_minutes, weekday=weekday, staffing=staffing,
            patience=patience, handle=handle, sl_seconds=sl_seconds, sl_target=sl_target,
        )
        cal.scenario()  # the written scenario must validate
    except CalibrationError as exc:
        fail(exc.problems)
    except ScenarioError as exc:  # a calibration bug, not the user's: say so plainly
        fail(["the calibrated scenario does not validate (please report this):"] + exc.problems)
    text = cal.scenario_yaml()
    written = write_files({out_path: text}) if out_path is not None else []
    if report_dir is not None:
        from ccsim.report.calibrate_report import write_calibration_report

        written += write_calibration_report(cal, report_dir)
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
    from ccsim.calibrate import describe_dist

    table = Table(title=f"Calibrated from {cal.source}: {cal.rows:,} contacts, {len(cal.days)} day(s)")
    for col in ("contact type", "a day", "AHT", "abandoned", "naive patience", "E[W]/P(ab)"):
        table.add_column(col, justify="left" if col == "contact type" else "right")
    for name, tc in cal.types.items():
        p = tc.patience
        table.add_row(
            name,
            f"{tc.per_day.sum(1).mean():,.0f}",
            f"{tc.handle.aht:.1f} s" if tc.handle.n else "n/a",
            f"{tc.abandoned / tc.contacts:.1%}",
            "n/a" if p.naive_mean is None else f"{p.naive_mean:.1f} s",
            "n/a" if p.shortcut_mean is None else f"{p.shortcut_mean:.1f} s",
        )
    console.print(table)
    for name, tc in cal.types.items():
        p = tc.patience
        console.print(f"{name}: handle time {describe_dist(tc.handle.written)} ({tc.handle.chosen}: {tc.handle.reason})", markup=False, highlight=False, soft_wrap=True)
        written = "none, nobody abandons (REVIEW)" if p.written is None else describe_dist(p.written)
        console.print(f"{name}: patience {written} ({p.reason})", markup=False, highlight=False, soft_wrap=True)
    console.print(f"busyness: {cal.busyness.reason}", markup=False, highlight=False, soft_wrap=True)
    staffing = "REVIEW: " if cal.staffing.source == "placeholder" else "staffing "
    console.print(staffing + cal.staffing.method, markup=False, highlight=False, soft_wrap=True)
    for note in cal.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def load_with_targets(scenario: Optional[Path], target: Optional[list[str]], out_dir: Optional[Path]) -> Scenario:
    """The scenario with ``--target`` overrides applied (staff and trap); bad input exits 2."""
    from ccsim.goals import apply_targets

    sc = load(scenario)
    check_out_dir(out_dir)
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
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=2, help="Replications per simulated plan (default: the scenario's)."),
    confidence: float = typer.Option(0.8, "--confidence", min=0.5, max=0.999, help="One-sided confidence (a share, e.g. 0.8) with which every interval must meet its targets."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write staffing.json, staffing.csv and staff_report.html here."),
    as_json: bool = JsonOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
) -> None:
    """Fewest agents per interval and pool meeting the targets: Erlang C, Erlang A and simulation side by side."""
    from ccsim.staffing import PLAN_LABELS
    from ccsim.staffing import staff as staff_plan

    sc = load_with_targets(scenario, target, out_dir)
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
    log = search_log(as_json)
    with interruptible("interrupted; nothing written"):
        res = staff_plan(sc, replications=replications, confidence=confidence, workers=workers, shift_rules=rules, log=log, scheduler=scheduler)
    data = res.to_dict()
    if as_json:
        print_json(data)
    else:
        table = Table(title=f"{sc.name}: agents per interval (scheduled)")
        table.add_column("interval")
        table.add_column("pool")
        for k in res.plans:
            table.add_column(PLAN_LABELS[k], justify="right")
        for row in res.rows():
            table.add_row(row["interval_start"], row["pool"], *[str(row[k]) for k in res.plans])
        out.print(table)
        hours = res.agent_hours()
        summary = Table(title="Agent-hours and what each plan achieves when simulated")
        for col in ("plan", "agent-hours", "intervals meeting targets"):
            summary.add_column(col, justify="left" if col == "plan" else "right")
        for k in res.plans:
            met = ", ".join(f"{t} {m}/{len(res.labels)}" for t, m in res.intervals_meeting(k).items())
            summary.add_row(PLAN_LABELS[k], f"{hours[k]['total']:,.1f}", met)
        out.print(summary)
        out.print(("targets met in every interval" if res.targets_met else "[red]targets NOT met everywhere[/]") + f" ({res.wall_time_s:.1f} s)")
        for u in res.isa.unrescued:
            out.print(f"[red]given up[/] {u['interval_start']} {u['name']}: {u['reason']}", highlight=False)
        for sp in res.shift_plans.values():
            out.print(f"shift plan {sp.pool}: {sp.paid_hours:,.1f} paid hours, {len(sp.shifts)} shift patterns, uncovered: {', '.join(sp.uncovered_intervals) or 'none'}")
    if out_dir is not None:
        from ccsim.report.staff_report import build_staff_report

        written = write_files(
            {out_dir / "staffing.json": JsonContent(data), out_dir / "staffing.csv": res.csv(), out_dir / "staff_report.html": build_staff_report(res)}
        )
        if not as_json:
            print_wrote(written)


@app.command()
def trap(
    scenario: Optional[Path] = ScenarioArg,
    scale_from: float = typer.Option(0.7, "--from", min=0.05, help="Lowest staffing, as a factor of the naive Erlang C plan."),
    scale_to: float = typer.Option(1.3, "--to", min=0.05, help="Highest staffing, as a factor of the naive plan."),
    points: int = typer.Option(13, "--points", min=2, max=200, help="Staffing levels in the sweep."),
    replications: Optional[int] = typer.Option(None, "--replications", "-r", min=2, help="Replications per staffing level (default: the scenario's)."),
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
    sc = load_with_targets(scenario, target, out_dir)
    scales = tuple(round(scale_from + (scale_to - scale_from) * k / (points - 1), 4) for k in range(points))
    log = search_log(as_json)
    with interruptible("interrupted; nothing written"):
        res = explore(sc, scales, replications, workers, causes=causes, log=log, scheduler=scheduler)
    data = res.to_dict()
    if as_json:
        print_json(data)
    else:
        out.print(res.verdict, highlight=False)
        table = Table(title=f"{sc.name}: staffing sweep (mean ± 95% CI over {res.replications} replications)")
        for col in ("scale", "agents", "service level", "ASA", "abandon", "occupancy", "offered"):
            table.add_column(col, justify="right")
        for p in sorted(res.points, key=lambda p: p.agents):
            m = p.measures
            table.add_row(f"{p.scale:.0%}", f"{p.agents:.1f}", _pct(m["service_level"]), _num(m["asa_seconds"], " s"), _pct(m["abandon_rate"]), _pct(m["occupancy"]), _num(m["offered"]))
        out.print(table)
        if res.cliff:
            c = res.cliff
            out.print(f"cliff: {c['agents']:.1f} -> {c['below_agents']:.1f} agents drops the service level {c['service_level']:.1%} -> {c['below_service_level']:.1%}")
        if res.gap:
            out.print(f"gap by cause (agent-hours): naive Erlang C {res.gap['naive_erlang_c_agent_hours']:.1f}")
            for s in res.gap["steps"]:
                out.print(f"  {s['label']}: {s['delta_agent_hours']:+.1f}")
            out.print(f"  = realistic requirement {res.gap['realistic_agent_hours']:.1f}")
    if out_dir is not None:
        from ccsim.report.trap_report import build_trap_report

        written = write_files({out_dir / "trap.json": JsonContent(data), out_dir / "trap_report.html": build_trap_report(res)})
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
    table = Table(title=f"Erlang {model}: {rate:,.1f} contacts/h, AHT {aht:g} s = {res.offered_load:,.2f} Erlang")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [("agents", f"{res.agents}")]
    if "required_agents" in extra:
        rows[0] = ("agents (fewest meeting the targets)", f"{res.agents}")
    if shrinkage:
        rows.append((f"agents to schedule ({shrinkage:.0%} shrinkage)", f"{extra['scheduled_agents']}"))
    if model == "B":
        rows.append(("blocking probability", f"{res.p_block:.2%}"))
    else:
        rows += [("probability of waiting", f"{res.p_wait:.2%}"), (f"service level ({sl_seconds:g} s)", f"{res.service_level:.2%}")]
        rows.append(("ASA", "unbounded" if not math.isfinite(res.asa_seconds) else f"{res.asa_seconds:.2f} s"))
    if model == "A":
        rows += [("abandon rate", f"{res.p_abandon:.2%}"), ("mean wait (all callers)", f"{res.mean_wait_seconds:.2f} s")]
    rows.append(("occupancy", f"{res.occupancy:.1%}"))
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)
    if not res.stable:
        out.print(f"[red]unstable:[/] {res.offered_load:,.2f} Erlang of load on {res.agents} agents: under Erlang C the queue grows without bound (no steady state); add agents or use --model A with --patience.", soft_wrap=True)


def print_sipp(sc: Scenario, csv_path: Optional[Path], as_json: bool) -> None:
    """The scenario's SIPP table: agents Erlang C and A require and the service level they promise."""
    from ccsim.sipp import sipp_table

    rows = [r.to_dict() for r in sipp_table(sc)]
    if csv_path is not None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        write_atomic(csv_path, buf.getvalue())
    if as_json:
        print_json({"scenario": sc.name, "intervals": rows})
        return
    table = Table(title=f"{sc.name}: SIPP, each interval solved as its own steady state")
    for col in ("interval", "type", "load (Erl)", "staffed", "C needs", "A needs", "C promises", "A promises", "A abandon"):
        table.add_column(col, justify="left" if col in ("interval", "type") else "right")

    def pct(v):
        return "n/a" if v is None else f"{v:.1%}"

    for r in rows:
        table.add_row(
            r["interval_start"], r["contact_type"], f"{r['offered_load_erlang']:.1f}", f"{r['staffed_agents']:.1f}",
            str(r["erlang_c_required"] if r["erlang_c_required"] is not None else "none"),
            str(r["erlang_a_required"] if r["erlang_a_required"] is not None else "none"),
            pct(r["erlang_c_service_level"]), pct(r["erlang_a_service_level"]), pct(r["erlang_a_abandon_rate"]),
        )
    out.print(table)
    if csv_path is not None:
        print_wrote([csv_path])


if __name__ == "__main__":
    app()
