"""Writing a command's output files as one transaction: every file is written, or none is.

Used by every command that writes files (``records``, the reports, the CLI): the one place that
knows how a file reaches the disk, and what a spreadsheet must not read in a CSV
(``spreadsheet_cell``). All outputs of a command (a directory of reports, a
``--records`` log, a calibrated scenario) are first written into a temporary directory beside each
target, and moved into place only when every one of them is complete. A full disk, a read-only
directory or Ctrl-C half-way therefore leaves every target as it was, and the hidden temporary
directory is removed.

A directory target is replaced as a whole, so the files of an earlier run never sit beside new
ones. Because that removes what was in it, ccsim replaces only a directory that is empty or holds
nothing but files a ccsim command writes there (``OUTPUT_NAMES``, and the files of the set being
written), and refuses any other: a directory of the user's own files is never emptied.
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import stat
import tempfile
from json.encoder import encode_basestring_ascii as _string_text
from pathlib import Path
from typing import Callable, Collection, Iterator, Mapping, TextIO, Union

#: Every file a ccsim command writes into an output directory (``OUTPUT_DIRS``: the directories of
#: files it makes there): a directory holding nothing else may be replaced by a new set. What a
#: command writes into a directory must be named from these two.
OUTPUT_NAMES = frozenset(
    {
        "summary.json", "intervals.csv", "summary.xlsx", "report.html",  # run
        "comparison.json", "differences.csv",  # compare (and report.html)
        "staffing.json", "staffing.csv", "staffing.xlsx", "roster.csv", "staff_report.html",  # staff
        "trap.json", "trap_report.html",  # trap
        "calibration.json", "staffing_placeholder.csv",  # calibrate --report (and report.html, staffing.csv)
        "backtest.json",  # backtest (and report.html, intervals.csv)
    }
)
OUTPUT_DIRS = frozenset({"charts"})  # compare --images


class OutputError(Exception):
    """An output could not be written or may not be replaced; nothing was changed.

    ``str()`` is one line naming the path."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class JsonContent:
    """File content written as the JSON text ``json.dump(data, fh, indent=2)`` gives, byte for byte,
    but with every infinite or NaN float written as ``null``: JSON has no such numbers, and
    ``Infinity`` or ``NaN`` in a file makes strict parsers (JavaScript's, jq) reject all of it.

    Not written by ``json.dump`` itself: with ``indent`` the standard library encodes in pure
    Python through a chain of generators and writes every token on its own, a system call each
    where output is unbuffered (``PYTHONUNBUFFERED``, ``python -u``); the intervals of a long day
    are hundreds of thousands of tokens. ``_JsonText`` is several times faster and streams the text
    in blocks: a year of 15-minute intervals makes a JSON of a few hundred MB, never one string."""

    def __init__(self, data):
        self.data = data

    def write(self, fh: TextIO) -> None:
        text = _JsonText(fh)
        text.add(self.data, "\n")
        text.parts.append("\n")
        text.flush()


class _JsonText:
    """Indented JSON text as ``json.dump(indent=2)`` writes it (ASCII only, keys in their order),
    gathered in ``parts`` and written to ``fh`` every ``BLOCK`` parts."""

    #: Parts (a token, or a line with its key and value) gathered before a write: ~100 KB of text.
    BLOCK = 8192

    def __init__(self, fh: TextIO):
        self.fh = fh
        self.parts: list[str] = []

    def flush(self) -> None:
        self.fh.write("".join(self.parts))
        self.parts.clear()

    def add(self, value, indent: str) -> None:
        """Append ``value``; a container's items go on lines of their own, at ``indent`` and 2 spaces."""
        parts = self.parts
        text = _scalar_text(value)
        if text is not None:
            parts.append(text)
            return
        inner = indent + "  "
        if isinstance(value, dict):
            if not value:
                parts.append("{}")
                return
            separator = "{" + inner
            for key, item in value.items():
                line = f"{separator}{_string_text(_key_text(key))}: "
                text = _scalar_text(item)
                if text is None:
                    parts.append(line)
                    self.add(item, inner)
                else:
                    parts.append(line + text)
                separator = "," + inner
            parts.append(indent + "}")
        elif isinstance(value, (list, tuple)):
            if not value:
                parts.append("[]")
                return
            separator = "[" + inner
            for item in value:
                text = _scalar_text(item)
                if text is None:
                    parts.append(separator)
                    self.add(item, inner)
                else:
                    parts.append(separator + text)
                separator = "," + inner
            parts.append(indent + "]")
        else:
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        if len(parts) >= self.BLOCK:
            self.flush()


def _scalar_text(value) -> str | None:
    """A string, number, bool or None as ``json`` writes it, a non-finite float as ``null``; None
    for anything else."""
    if isinstance(value, str):
        return _string_text(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)  # as json does: an int subclass (an IntEnum) as its number
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else "null"
    return None


def _key_text(key) -> str:
    """A mapping key as ``json`` turns it into a string: a number or constant as its JSON text."""
    if isinstance(key, str):
        return key
    if isinstance(key, (int, float)) or key is None:
        return _scalar_text(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """A CSV text cell a spreadsheet shows as text: one beginning like a formula (``=``, ``+``,
    ``-``, ``@``, tab, carriage return) gets a leading ``'``, unless it is a number (-0.5 stays a
    number). A contact type named ``=HYPERLINK(...)`` must not run when the CSV is opened."""
    if not text.startswith(_FORMULA_START):
        return text
    try:
        float(text)
    except ValueError:
        return "'" + text
    return text


class CsvContent:
    """CSV text (as ``csv.writer`` writes it) to be written to a file a spreadsheet will open: every
    cell passes through ``spreadsheet_cell``. Where the text comes from (``interval_csv()`` and the
    like) it stays as it is, for Python readers."""

    def __init__(self, text: str):
        self.text = text

    def write(self, fh: TextIO) -> None:
        writer = csv.writer(fh)
        for row in csv.reader(io.StringIO(self.text, newline="")):
            writer.writerow([spreadsheet_cell(cell) for cell in row])


#: A file's content: text, JSON or CSV streamed to the file, or a function that writes the file (or
#: a directory of files) at the path it is given.
Content = Union[str, JsonContent, CsvContent, Callable[[Path], object]]
#: A directory's content: file names (``charts/x.png`` for a subdirectory) and their contents.
Files = Mapping[str, Content]


def _write(path: Path, content: Content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if callable(content):
        content(path)
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        if isinstance(content, str):
            fh.write(content)
        else:
            content.write(fh)


def _replaceable(entry: Path, names: Collection[str]) -> bool:
    """Whether ``entry`` of an output directory is what a ccsim command writes there: one of
    ``OUTPUT_NAMES`` or ``names`` as a file, or one of ``OUTPUT_DIRS`` holding only files."""
    if entry.is_dir() and not entry.is_symlink():
        return entry.name in OUTPUT_DIRS and all(p.is_file() for p in entry.iterdir())
    return entry.name in OUTPUT_NAMES or entry.name in names


def target_problem(path: Path, names: Collection[str] | None) -> str | None:
    """Why ``path`` cannot take a command's output, or None: one file if ``names`` is None, else a
    directory to hold files of these names (besides ``OUTPUT_NAMES``)."""
    path = Path(os.path.realpath(path))
    directory = names is not None
    if directory and Path.cwd().is_relative_to(path):
        return "is the current directory (or holds it); give a directory name: ccsim replaces the whole directory"
    if path.exists():
        if directory and not path.is_dir():
            return "exists and is not a directory"
        if not directory and path.is_dir():
            return "is a directory; give a file name"
        if directory:
            try:
                own = {Path(name).parts[0] for name in names}
                foreign = sorted(e.name + ("/" if e.is_dir() else "") for e in path.iterdir() if not _replaceable(e, own))
            except OSError as exc:
                return f"cannot be read ({exc.strerror})"
            if foreign:
                shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
                return f"holds files ccsim does not replace ({shown}); give a new or empty directory"
        if not os.access(path, os.W_OK):
            return "is read-only"
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{ancestor} is a file, not a directory"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot create files in {ancestor} (not writable)"
    return None


def _files_in(path: Path) -> Iterator[Path]:
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.is_file())
    elif path.exists():
        yield path


class _Target:
    """One target of the transaction: its content is staged in ``stage``, a temporary directory
    beside it, then swapped in; the target it replaces waits in ``aside`` until all are in."""

    def __init__(self, shown: Path, content: Content | Files):
        self.shown = shown  # the path as the user gave it, for messages and 'wrote'
        self.path = Path(os.path.realpath(shown))
        self.content = content
        self.is_dir = isinstance(content, Mapping)
        self.stage: Path | None = None
        self.aside: Path | None = None
        self.writing: Path | None = None
        self.swapped = False

    @property
    def staged(self) -> Path:
        """What replaces the target: the stage itself for a directory, the file in it otherwise."""
        return self.stage if self.is_dir else self.stage / self.path.name

    def check(self) -> None:
        try:
            problem = target_problem(self.path, list(self.content) if self.is_dir else None)
        except OSError as exc:  # a directory on the way that may not be searched
            problem = f"cannot be checked ({exc.strerror})"
        if problem:
            raise OutputError(self.shown, problem)

    def where(self, exc: OSError) -> Path:
        """The path (as the user knows it) an error while writing this target concerns."""
        hit = Path(exc.filename) if isinstance(exc.filename, str) else self.writing
        if not self.is_dir or hit is None or self.stage is None or hit == self.stage or not hit.is_relative_to(self.stage):
            return self.shown
        return self.shown / hit.relative_to(self.stage)

    def write(self) -> list[Path]:
        """Stage the content; return the paths (as shown) its files will have once in place."""
        self.check()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(dir=self.path.parent, prefix=f".{self.path.name}.ccsim-"))
        if not self.is_dir:
            self.writing = self.staged
            _write(self.staged, self.content)
            return [self.shown]
        written = []
        for name, content in self.content.items():
            self.writing = self.stage / name
            _write(self.writing, content)
            written += [self.shown / p.relative_to(self.stage) for p in _files_in(self.writing)]
        # mkdtemp's directory is its owner's alone: the output gets the old directory's mode, or
        # the usual one (0777 less the umask)
        mode = stat.S_IMODE(os.stat(self.path).st_mode) if self.path.is_dir() else 0o777 & ~_umask()
        os.chmod(self.stage, mode)
        return written

    def swap_in(self) -> None:
        self.writing = self.path
        if self.path.exists():
            if self.is_dir:  # renamed over an empty directory, a name nobody else takes
                self.aside = Path(tempfile.mkdtemp(dir=self.path.parent, prefix=f".{self.path.name}.ccsim-old-"))
            else:
                self.aside = self.stage / f".{self.path.name}.old"
            os.rename(self.path, self.aside)
        os.rename(self.staged, self.path)
        self.swapped = True

    def roll_back(self) -> None:
        """Put the old target back (best effort: this runs while another error is raised)."""
        try:
            if self.swapped:
                os.rename(self.path, self.staged)
                self.swapped = False
            if self.aside is not None:
                os.rename(self.aside, self.path)
                self.aside = None
        except OSError:
            pass

    def clean_up(self) -> None:
        """Remove the stage (once swapped in, only a file target's is left: it holds the old file)
        and the directory set aside."""
        for tmp in (self.stage, self.aside):
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


def _plan(targets: Mapping[Path, Content | Files]) -> list[_Target]:
    """The targets to write; a file target inside a directory target becomes one of its files."""
    homes = {Path(os.path.realpath(p)): p for p, c in targets.items() if isinstance(c, Mapping)}
    plan: dict[Path, Content | dict] = {p: dict(c) for p, c in targets.items() if isinstance(c, Mapping)}
    unnamed = sorted({Path(name).parts[0] for c in plan.values() for name in c} - OUTPUT_NAMES - OUTPUT_DIRS)
    if unnamed:  # a rerun would refuse the directory this makes
        raise ValueError(f"output file names missing from ccsim.outputs.OUTPUT_NAMES: {unnamed}")
    for shown, content in targets.items():
        if isinstance(content, Mapping):
            continue
        real = Path(os.path.realpath(shown))
        home = next((d for d in homes if real.is_relative_to(d) and real != d), None)
        if home is None:
            plan[shown] = content
        else:
            plan[homes[home]][str(real.relative_to(home))] = content
    return [_Target(Path(shown), content) for shown, content in plan.items()]


def check_outputs(targets: Mapping[Path, Content | Files]) -> None:
    """Raise ``OutputError`` if ``write_outputs(targets)`` would refuse a target. Contents are not
    looked at (give ``None`` for a file, ``{}`` for a directory of ``OUTPUT_NAMES``), so the CLI
    asks before a long simulation instead of failing after it."""
    for target in _plan(targets):
        target.check()


def write_outputs(targets: Mapping[Path, Content | Files]) -> list[Path]:
    """Write all outputs of one command as one transaction; return the files written, in order.

    ``targets`` maps a file's path to its content, or a directory's path to its ``Files``. A file
    target inside a directory target is written as one of that directory's files. Raises
    ``OutputError`` for a refused target or the first OSError, naming the path it concerns; then,
    as after Ctrl-C, every target is as it was and no temporary file is left."""
    jobs = _plan(targets)
    job = None
    try:
        written = []
        for job in jobs:
            written += job.write()
        for job in jobs:
            job.swap_in()
    except BaseException as exc:
        for done in reversed(jobs):
            done.roll_back()
        for done in jobs:
            done.clean_up()
        if isinstance(exc, OSError):
            raise OutputError(job.where(exc), f"{exc.strerror or exc}; nothing was written") from None
        raise
    for done in jobs:
        done.clean_up()
    return written


def write_atomic(path: Path, content: Content) -> None:
    """Write one file through ``write_outputs``: complete, or not at all."""
    write_outputs({Path(path): content})
