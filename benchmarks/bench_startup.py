"""Whole-process start-up: how long a user waits for a ccsim command, next to ``import numpy``.

Every figure is a fresh Python process launched from here, best of a few runs, so it holds what a
user waits for (interpreter, imports, work, exit): its wall time, and the CPU time it used (user +
system), which a busy machine disturbs less. The floors are measured in the same run, so a busy
machine moves them alike:

- ``python -c "import numpy"``: every command needs numpy; ``ccsim --help`` and ``ccsim
  validate`` should stay within 0.4 s of it;
- the heapq loop of bench_engine.py as a whole process (interpreter, numpy, the loop) on the
  reference M/M/n+M system; ``ccsim run`` of the same system (one replication, ``--json``)
  should stay within twice that.

ccsim's modules are compiled to bytecode first, as an installed package has them: where
``PYTHONDONTWRITEBYTECODE`` is set, every start would otherwise compile them again (~0.07 s).
The targets are printed beside the figures, not asserted: timings depend on the machine.

    python benchmarks/bench_startup.py           # ~200,000 contacts, best of 5 (the runs: best of 3)
    python benchmarks/bench_startup.py --quick   # ~20,000 contacts, best of 2: what CI prints
"""

from __future__ import annotations

import argparse
import compileall
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from _common import header, mmn_dict

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CCSIM = [sys.executable, "-m", "cli"]  # what the ccsim console script runs: cli.app
HELP_SLACK_S = 0.4  # --help and validate: at most this much over the numpy baseline
RUN_RATIO = 2.0  # run: at most this many times the heapq loop's process


def process_seconds(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one process, from launch to exit; a failure stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~20,000 contacts, best of 2 (for CI)")
    args = parser.parse_args()
    arrivals, repeat, run_repeat = (20_000, 2, 2) if args.quick else (200_000, 5, 3)
    header(f"Whole-process start-up of ccsim commands; the runs on the reference M/M/n+M system, ~{arrivals:,} contacts")
    compileall.compile_dir(REPO / "ccsim", quiet=1)
    compileall.compile_file(REPO / "cli.py", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "reference.yaml"
        reference.write_text(yaml.safe_dump(mmn_dict(arrivals)))
        heapq_loop = f"import sys; sys.path.insert(0, {str(HERE)!r}); from bench_engine import run_heapq; run_heapq({arrivals})"
        commands = {
            'python -c "import numpy"': ([sys.executable, "-c", "import numpy"], repeat),
            "ccsim --help": (CCSIM + ["--help"], repeat),
            "ccsim validate scenarios/default.yaml": (CCSIM + ["validate", "scenarios/default.yaml"], repeat),
            "heapq loop (bench_engine.py), whole process": ([sys.executable, "-c", heapq_loop], run_repeat),
            "ccsim run REFERENCE -r 1 --json": (CCSIM + ["run", str(reference), "-r", "1", "--json"], run_repeat),
        }
        best = {label: (float("inf"), float("inf")) for label in commands}
        for round_ in range(repeat):  # interleaved, best of: a busy spell hits every command alike
            for label, (argv, times) in commands.items():
                if round_ < times:
                    wall, cpu = process_seconds(argv)
                    best[label] = (min(best[label][0], wall), min(best[label][1], cpu))
    floor, loop = best['python -c "import numpy"'], best["heapq loop (bench_engine.py), whole process"]
    width = max(map(len, best))
    print(f"{'':<{width}}  {'wall':>6}    {'CPU':>6}")
    for label, (wall, cpu) in best.items():
        if label.startswith("ccsim run"):
            note = f"{wall / loop[0]:.2f}x the heapq loop, CPU {cpu / loop[1]:.2f}x (target <= {RUN_RATIO:g}x)"
        elif label.startswith("ccsim"):
            note = f"{wall - floor[0]:+.2f} s on import numpy, CPU {cpu - floor[1]:+.2f} s (target <= +{HELP_SLACK_S:g} s)"
        else:
            note = "floor"
        print(f"{label:<{width}}  {wall:6.2f} s  {cpu:6.2f} s   {note}")


if __name__ == "__main__":
    main()
