"""Writing output files so that a crash or an interrupt never leaves a half-written one.

Used by every command that writes files (``records``, the reports, the CLI): the one place that
knows how a file reaches the disk.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write to; it replaces ``path`` only when the block ends
    without error, so a crash or Ctrl-C never leaves a half-written file. The file gets the usual
    permissions (0666 less the umask), not the owner-only ones of a temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _finite(value):
    """``value`` with every infinite or NaN float replaced by None: JSON has no such numbers, and
    ``Infinity`` or ``NaN`` in a file makes strict parsers (JavaScript's, jq) reject all of it.

    Containers holding none are returned as they are, not copied: a year's summary is large."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        changed = {key: clean for key, v in value.items() if (clean := _finite(v)) is not v}
        return {**value, **changed} if changed else value
    if isinstance(value, (list, tuple)):
        cleaned = [_finite(v) for v in value]
        return cleaned if any(clean is not v for clean, v in zip(cleaned, value)) else value
    return value


class JsonContent:
    """File content to be written with ``json.dump``, streamed: a year of 15-minute intervals makes
    a JSON of a few hundred MB, and building it as one indented string would take gigabytes.
    Non-finite figures are written as ``null``."""

    def __init__(self, data):
        self.data = data

    def write(self, fh: TextIO) -> None:
        json.dump(_finite(self.data), fh, indent=2, allow_nan=False)
        fh.write("\n")


def write_atomic(path: Path, content: str | JsonContent) -> None:
    """Write ``content`` (text, or JSON streamed) to ``path`` through ``atomic_file``."""
    with atomic_file(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        if isinstance(content, JsonContent):
            content.write(fh)
        else:
            fh.write(content)


def write_files(files: dict[Path, str | JsonContent]) -> list[Path]:
    """``write_atomic`` each (path, content) in order; return the paths written."""
    for path, content in files.items():
        write_atomic(path, content)
    return list(files)
