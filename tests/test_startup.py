"""A CLI that answers at once: commands import the heavy libraries only where they use them.

Start-up time is a matter of what a process imports. Each command is run in a fresh process and
the libraries it loaded are checked against what it needs: scipy.stats alone took two seconds.
The whole-process timings of benchmarks/bench_startup.py are printed in the test log, not
asserted: they depend on the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO

#: Loaded only by the commands, or the code paths, that draw, read spreadsheets, compare or scale out.
HEAVY = ("scipy", "scipy.stats", "plotly", "pandas", "openpyxl", "dask", "distributed")

#: A fresh process that runs one command as the ccsim console script does and reports, on its
#: last stderr line, which of HEAVY it imported.
PROBE = """
import json, sys
from cli import app
try:
    app(sys.argv[1:], prog_name="ccsim")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": [m for m in %r if m in sys.modules]}), file=sys.stderr)
""" % (HEAVY,)


def loaded_by(*args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), proc.stderr
    return report["loaded"]


@pytest.mark.parametrize(
    "args",
    [["--help"], ["validate", "scenarios/default.yaml"], ["run", "scenarios/default.yaml", "-r", "1", "--json"]],
    ids=["help", "validate", "run one replication"],
)
def test_commands_import_no_heavy_library_they_do_not_use(args):
    assert loaded_by(*args) == []


def test_a_run_with_replications_needs_only_scipy_special():
    """Confidence intervals need the t quantile (scipy.special), never scipy.stats."""
    assert loaded_by("run", "scenarios/default.yaml", "-r", "2", "--json") == ["scipy"]


def test_startup_benchmark_prints_its_figures(capsys):
    proc = subprocess.run([sys.executable, "benchmarks/bench_startup.py", "--quick"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    with capsys.disabled():
        print("\n" + proc.stdout)
    figures = {line.split("  ")[0]: line for line in proc.stdout.splitlines() if line.rstrip().endswith(("floor", "x)", "s)"))}
    assert len(figures) == 5, proc.stdout
