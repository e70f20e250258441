"""benchmarks/bench_planning.py runs end to end and prints every figure it promises.

The figures themselves are printed in the test log, not asserted: they depend on the machine.
About half a minute on two cores (whole processes, in-process splits, one and two workers), hence slow.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.slow
def test_planning_benchmark_prints_its_figures(capsys):
    proc = subprocess.run([sys.executable, "benchmarks/bench_planning.py", "--quick"], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    with capsys.disabled():
        print("\n" + proc.stdout)
    lines = proc.stdout.splitlines()
    for label in ("staff two_pool_day", "staff 96 x 15 min, 3 pools", "trap default", "trap default --no-causes", "compare 3 plans"):
        assert sum(line.startswith(label + " ") for line in lines) >= 2, label  # whole process and split out
    assert sum(" 1 worker " in line and "efficiency" in line for line in lines) == 2  # staff and trap at one and two workers
    assert "The engine on the reference M/M/n+M system" in proc.stdout and "engine here" in proc.stdout
