"""A command's output files are one transaction: all of them are written, or none, and a failing
disk, a read-only or odd target, or Ctrl-C leaves every target exactly as it was.

Failures are simulated with writes and moves that raise (tests run as root in CI, where ``chmod``
stops nothing), and with targets that cannot be directories (a parent that is a file)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
import yaml

import ccsim.outputs as outputs
from ccsim.outputs import OutputError, check_outputs, write_outputs

from conftest import reference

DISK_FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
READ_ONLY_FS = OSError(errno.EROFS, os.strerror(errno.EROFS))


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (``root`` included), with a file's bytes (None for a directory)."""
    paths = [root, *root.rglob("*")] if root.exists() else []
    return {str(p.relative_to(root.parent)): (p.read_bytes() if p.is_file() else None) for p in paths}


def fails_with(exc: BaseException):
    def write(path: Path) -> None:
        path.write_text("half")
        raise exc

    return write


@pytest.fixture
def earlier(tmp_path) -> Path:
    """An output directory an earlier run left, beside a scenario file of the user's."""
    (tmp_path / "scenario.yaml").write_text("mine\n")
    write_outputs({tmp_path / "out": {"summary.json": "old summary", "report.html": "old report", "intervals.csv": "old csv"}})
    return tmp_path / "out"


# --- the library ---------------------------------------------------------------------------


def test_a_rerun_replaces_the_set_as_a_whole(earlier):
    written = write_outputs({earlier: {"summary.json": "new summary", "report.html": "new report"}})
    assert written == [earlier / "summary.json", earlier / "report.html"]
    assert snapshot(earlier) == {"out": None, "out/summary.json": b"new summary", "out/report.html": b"new report"}  # no stale intervals.csv
    assert stat.S_IMODE(earlier.stat().st_mode) == 0o777 & ~_umask()  # not the temporary directory's 0700
    assert sorted(p.name for p in earlier.parent.iterdir()) == ["out", "scenario.yaml"]  # nothing left beside it


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("error", [DISK_FULL, READ_ONLY_FS, KeyboardInterrupt()], ids=["ENOSPC", "EROFS", "Ctrl-C"])
def test_a_write_that_fails_half_way_changes_nothing(earlier, error):
    before = snapshot(earlier.parent)
    files = {"summary.json": "new summary", "intervals.csv": fails_with(error), "report.html": "new report"}
    with pytest.raises(OutputError if isinstance(error, OSError) else KeyboardInterrupt) as exc:
        write_outputs({earlier: files, earlier.parent / "log.csv": "new log"})
    if isinstance(error, OSError):
        assert str(exc.value) == f"{earlier / 'intervals.csv'}: {error.strerror}; nothing was written"
    assert snapshot(earlier.parent) == before


def test_a_move_that_fails_puts_back_every_target_already_moved(earlier, monkeypatch):
    """The directory is swapped in first; the log's move fails; the directory's old set returns."""
    log = earlier.parent / "log.csv"
    log.write_text("old log")
    before = snapshot(earlier.parent)
    rename = os.rename

    def refuse_the_log(src, dst):
        if Path(dst) == log and Path(src).name == "log.csv":
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dst))
        rename(src, dst)

    monkeypatch.setattr(outputs.os, "rename", refuse_the_log)
    with pytest.raises(OutputError, match="log.csv: Read-only file system; nothing was written"):
        write_outputs({earlier: {"summary.json": "new summary"}, log: "new log"})
    assert snapshot(earlier.parent) == before


def test_a_file_inside_the_output_directory_is_part_of_its_set(earlier):
    written = write_outputs({earlier: {"summary.json": "new"}, earlier / "log.csv": "log"})
    assert written == [earlier / "summary.json", earlier / "log.csv"]
    assert sorted(p.name for p in earlier.iterdir()) == ["log.csv", "summary.json"]
    write_outputs({earlier: {"summary.json": "newer"}, earlier / "log.csv": "log"})  # the same command again: replaced
    with pytest.raises(OutputError, match=r"holds files ccsim does not replace \(log.csv\)"):
        write_outputs({earlier: {"summary.json": "newest"}})


@pytest.mark.parametrize(
    "make,target,names,reason",
    [
        (lambda d: (d / "notes.txt").write_text("mine"), "out", {}, r"holds files ccsim does not replace \(notes.txt\); give a new or empty directory"),
        (lambda d: ((d / "report.html").unlink(), (d / "report.html").mkdir()), "out", {}, r"holds files ccsim does not replace \(report.html/\)"),
        (lambda d: (d / "charts" / "keep").mkdir(parents=True), "out", {}, r"holds files ccsim does not replace \(charts/\)"),
        (lambda d: None, "out/summary.json/x", {}, r"out/summary.json is a file, not a directory"),
        (lambda d: None, "out/summary.json/x.csv", None, r"out/summary.json is a file, not a directory"),
        (lambda d: None, "out", None, "is a directory; give a file name"),
        (lambda d: None, "out/summary.json", {}, "exists and is not a directory"),
    ],
    ids=["foreign file", "report.html a directory", "charts with a subdirectory", "parent a file", "file's parent a file", "file a directory", "directory a file"],
)
def test_a_target_that_cannot_take_the_outputs_is_refused_and_left_alone(earlier, make, target, names, reason):
    make(earlier)
    before = snapshot(earlier.parent)
    path = earlier.parent / target
    with pytest.raises(OutputError, match=reason):
        check_outputs({path: names})
    with pytest.raises(OutputError, match=reason):
        write_outputs({path: {"summary.json": "new"} if names is not None else "new"})
    assert snapshot(earlier.parent) == before


def test_a_read_only_target_is_refused(earlier, monkeypatch):
    """What a non-root user meets in a chmod 555 directory (root passes os.access, so it is stubbed)."""
    access = os.access
    monkeypatch.setattr(outputs.os, "access", lambda p, mode: Path(p) != earlier and access(p, mode))
    with pytest.raises(OutputError, match=f"^{earlier}: is read-only$"):
        write_outputs({earlier: {"summary.json": "new"}})


def test_a_target_that_cannot_even_be_looked_at_is_refused(tmp_path, monkeypatch):
    """What a non-root user meets under a directory without search permission."""
    exists = Path.exists

    def denied(path):
        if path.name == "out":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return exists(path)

    monkeypatch.setattr(Path, "exists", denied)
    with pytest.raises(OutputError, match=r"out: cannot be checked \(Permission denied\)$"):
        check_outputs({tmp_path / "out": {}})


def test_the_current_directory_is_not_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="is the current directory"):
        check_outputs({Path("."): {}})


def test_a_directory_file_name_outside_the_registry_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="OUTPUT_NAMES"):
        write_outputs({tmp_path / "out": {"notes.txt": "x"}})


# --- the CLI -------------------------------------------------------------------------------

TINY = reference(replications=2, horizon={"hours": 1, "interval_minutes": 30})
TINY["contact_types"]["calls"]["arrivals"] = {"per_hour": 60}
TINY["agent_pools"]["team"]["agents"] = 3


@pytest.fixture
def tiny(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


def error_lines(res) -> list[str]:
    assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit)), res.output
    return [line for line in res.output.splitlines() if line.startswith(("error:", "interrupted"))]


class FailingWrites:
    """``open`` for ccsim.outputs whose writes to files named ``name`` raise ``error``."""

    def __init__(self, name: str, error: BaseException):
        self.name, self.error = name, error

    def __call__(self, path, *args, **kwargs):
        fh = open(path, *args, **kwargs)
        if Path(path).name == self.name:
            def write(_text):
                raise self.error
            fh.write = write
        return fh


@pytest.mark.parametrize(
    "error,code,line",
    [
        (DISK_FULL, 2, "error: cannot write {out}/report.html: No space left on device; nothing was written"),
        (KeyboardInterrupt(), 130, "interrupted while writing the outputs; nothing was written"),
    ],
    ids=["disk full", "Ctrl-C"],
)
def test_run_that_cannot_finish_its_files_leaves_the_earlier_set(cli, tiny, tmp_path, monkeypatch, error, code, line):
    out, log = tmp_path / "out", tmp_path / "log.csv"
    assert cli("run", tiny, "--out", out, "--records", log).exit_code == 0
    before = snapshot(tmp_path)
    monkeypatch.setattr(outputs, "open", FailingWrites("report.html", error), raising=False)
    res = cli("run", tiny, "--seed", "9", "--out", out, "--records", log)
    assert res.exit_code == code and error_lines(res) == [line.format(out=out)], res.output
    assert snapshot(tmp_path) == before  # neither the directory nor the log changed


def test_run_on_a_read_only_file_system_changes_nothing(cli, tiny, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert cli("run", tiny, "--out", out).exit_code == 0
    before = snapshot(tmp_path)

    def read_only(src, dst):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(src))

    monkeypatch.setattr(outputs.os, "rename", read_only)
    res = cli("run", tiny, "--out", out)
    assert res.exit_code == 2 and error_lines(res) == [f"error: cannot write {out}: Read-only file system; nothing was written"], res.output
    assert snapshot(tmp_path) == before


#: Each command with its output flags, the target being FILE/x (a parent that is a file).
COMMANDS = {
    "run --out": ["run", "{tiny}", "--out", "{bad}"],
    "run --records": ["run", "{tiny}", "--records", "{bad}.csv"],
    "compare --out": ["compare", "{tiny}", "{tiny}", "--out", "{bad}"],
    "staff --out": ["staff", "{tiny}", "--out", "{bad}"],
    "trap --out": ["trap", "{tiny}", "--out", "{bad}"],
    "erlang --csv": ["erlang", "{tiny}", "--csv", "{bad}.csv"],
    "calibrate --out": ["calibrate", "{tiny}", "--out", "{bad}.yaml"],
    "calibrate --report": ["calibrate", "{tiny}", "--report", "{bad}"],
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_refuses_an_unwritable_target_before_working(cli, tiny, tmp_path, args):
    (tmp_path / "FILE").write_text("a file")
    bad = tmp_path / "FILE" / "x"
    res = cli(*[a.format(tiny=tiny, bad=bad) for a in args])
    (line,) = error_lines(res)
    assert res.exit_code == 2 and line.startswith(f"error: cannot write {bad}") and line.endswith(f"{tmp_path / 'FILE'} is a file, not a directory"), res.output


def test_run_refuses_a_directory_of_other_files_and_a_report_that_is_a_directory(cli, tiny, tmp_path):
    out = tmp_path / "out"
    (out / "report.html").mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    res = cli("run", tiny, "--out", out)
    assert res.exit_code == 2 and error_lines(res) == [f"error: cannot write {out}: holds files ccsim does not replace (notes.txt, report.html/); give a new or empty directory"]
    assert snapshot(out) == before


def test_run_into_the_directory_of_another_command_replaces_its_set(cli, tiny, tmp_path):
    out = tmp_path / "out"
    write_outputs({out: {"comparison.json": "{}", "differences.csv": "", "report.html": "compare's"}})
    assert cli("run", tiny, "--out", out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["intervals.csv", "report.html", "summary.json", "summary.xlsx"]
