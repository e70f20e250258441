"""The documentation tells the truth: generated references are current, every `ccsim` command shown
in the docs runs, and the site builds with warnings treated as errors.

Conventions for authors (also in docs/contributing-docs.md):

- Every line that starts with ``ccsim `` (or ``$ ccsim ``) inside a fenced code block tagged
  ``bash``, ``sh``, ``shell``, ``console`` or untagged is run by ``test_docs_command_runs``
  from a scratch directory in which the repository's top-level folders (``scenarios/``, ...)
  are visible, so write paths relative to the repository root. Keep them cheap (``-r 2``).
  Only the ``ccsim`` part of a pipeline or redirect is run (``ccsim run --json > out.json``).
- A block tagged ``text`` is shown, never run: use it for output, and for commands that cannot
  run in a test (a Dask scheduler address, a file the reader must supply). A single line ending
  in ``# not-tested`` is skipped too.
- ``docs/reference/scenario.md``, ``cli.md`` and ``metrics.md`` are generated: after changing a
  model, a command or a metric run ``python tools/docs_reference.py``.
- Python blocks of ``docs/reference/python-api.md`` are run too.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


def _load_docs_reference():
    """tools/docs_reference.py, a repository tool that is not installed with the package."""
    spec = importlib.util.spec_from_file_location("docs_reference", REPO / "tools" / "docs_reference.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


docs_reference = _load_docs_reference()
DOCS = REPO / "docs"
RUN_LANGS = {"", "bash", "sh", "shell", "console"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")


def doc_files() -> list[Path]:
    files = sorted(DOCS.rglob("*.md"))
    if (REPO / "README.md").exists():
        files.append(REPO / "README.md")
    return files


def extract_commands(text: str) -> list[tuple[int, str]]:
    """(line number, command) for each ``ccsim`` line in a runnable fenced block."""
    found = []
    fence = lang = None
    pending: tuple[int, str] | None = None
    for no, line in enumerate(text.splitlines(), start=1):
        m = FENCE.match(line)
        if fence is None:
            if m:
                fence, lang = m.group(2), m.group(3).lower()
            continue
        if m and line.strip().startswith(fence) and not m.group(3):
            fence = lang = None
            continue
        if lang not in RUN_LANGS:
            continue
        stripped = line.strip()
        if pending is not None:
            start, acc = pending
            acc += " " + stripped.rstrip("\\").strip()
            pending = (start, acc) if stripped.endswith("\\") else None
            if pending is None:
                found.append((start, acc))
            continue
        stripped = stripped.removeprefix("$ ").strip()
        if not (stripped.startswith("ccsim ") or stripped == "ccsim"):
            continue
        if stripped.endswith("# not-tested"):
            continue
        if stripped.endswith("\\"):
            pending = (no, stripped.rstrip("\\").strip())
        else:
            found.append((no, stripped))
    return found


def ccsim_args(command: str) -> list[str]:
    """The arguments of the ``ccsim`` part of a shell line: comments, pipes and redirects dropped."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    args = []
    for tok in lexer:
        if tok and set(tok) <= set(";&|<>"):
            break
        args.append(tok)
    assert args and args[0] == "ccsim", command
    return args[1:]


def all_doc_commands() -> list:
    params = []
    for path in doc_files():
        for no, cmd in extract_commands(path.read_text()):
            rel = path.relative_to(REPO)
            params.append(pytest.param(cmd, id=f"{rel}:{no}"))
    return params


def test_extract_commands_follows_the_conventions():
    md = "\n".join(
        [
            "```bash",
            "ccsim run scenarios/default.yaml -r 2   # a comment",
            "$ ccsim validate x.yaml",
            "ccsim run a.yaml \\",
            "   -r 2",
            "ccsim run --json > out.json",
            "ccsim run --dask tcp://host:8786   # not-tested",
            "echo ccsim run",
            "```",
            "```text",
            "ccsim run never.yaml",
            "```",
            "````markdown",
            "```bash",
            "ccsim run inner.yaml",
            "```",
            "````",
        ]
    )
    cmds = [c for _, c in extract_commands(md)]
    assert cmds == [
        "ccsim run scenarios/default.yaml -r 2   # a comment",
        "ccsim validate x.yaml",
        "ccsim run a.yaml -r 2",
        "ccsim run --json > out.json",
    ]
    assert ccsim_args(cmds[0]) == ["run", "scenarios/default.yaml", "-r", "2"]
    assert ccsim_args(cmds[3]) == ["run", "--json"]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A working directory that sees the repository's folders but receives every output file."""
    for entry in REPO.iterdir():
        if entry.name.startswith(".") or entry.name in ("build", "site"):
            continue
        (tmp_path / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("command", all_doc_commands())
def test_docs_command_runs(command, scratch):
    """Every `ccsim` command printed in the docs exits 0 (run in-process through Typer)."""
    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, ccsim_args(command))
    assert result.exit_code == 0, f"`{command}` exited {result.exit_code}:\n{result.output}\n{result.exception!r}"


def test_docs_show_commands():
    """The extraction found the lessons' commands (guards against a silently broken extractor)."""
    ids = [p.id for p in all_doc_commands()]
    assert any(i.startswith("docs/getting-started.md") for i in ids)
    assert sum(i.startswith("docs/lessons/") for i in ids) >= 5


def python_blocks(path: Path) -> list[str]:
    blocks, current, inside = [], [], False
    for line in path.read_text().splitlines():
        m = FENCE.match(line)
        if not inside and m and m.group(3) == "python":
            inside, current = True, []
        elif inside and line.strip().startswith("```"):
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    return blocks


@pytest.mark.parametrize("index", range(len(python_blocks(DOCS / "reference" / "python-api.md"))))
def test_python_api_examples_run(index, monkeypatch, capsys):
    """The notebook examples of docs/reference/python-api.md run as written from the repository root."""
    monkeypatch.chdir(REPO)
    code = python_blocks(DOCS / "reference" / "python-api.md")[index]
    exec(compile(code, f"python-api.md block {index + 1}", "exec"), {"__name__": "__docs__"})


# --- generated references ------------------------------------------------------------------


@pytest.mark.parametrize("path", list(docs_reference.pages()), ids=lambda p: p.name)
def test_generated_reference_is_current(path):
    expected = docs_reference.pages()[path]
    assert path.exists(), f"{path} missing: run python tools/docs_reference.py"
    assert path.read_text() == expected, f"{path.relative_to(REPO)} is stale: run python tools/docs_reference.py"


def _sections(text: str) -> dict[str, str]:
    """Heading anchor -> section text, for headings written ``## `Name` {#anchor}``."""
    parts = re.split(r"^#{2,3} .*\{#([\w-]+)\}\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_scenario_reference_covers_every_field():
    """Each model reachable from Scenario has a section, and each of its keys a row in it."""
    sections = _sections(docs_reference.SCENARIO_PAGE.read_text())
    fields = docs_reference.scenario_field_paths()
    assert {"Scenario", "Horizon", "ContactType", "AgentPool", "Exponential", "SurvivalCurve"} <= set(fields)
    missing = [
        f"{model}.{key}"
        for model, keys in fields.items()
        for key in keys
        if f"| `{key}` |" not in sections.get(model.lower(), "")
    ]
    assert not missing, f"not documented in docs/reference/scenario.md: {missing}"


def test_scenario_reference_states_units_defaults_and_ranges():
    text = docs_reference.SCENARIO_PAGE.read_text()
    assert "| `interval_minutes` | integer (> 0, ≤ 1440) | `30` | min |" in text
    assert "| `target` | number (≥ 0, ≤ 1) | `0.8` | share 0–1 |" in text
    assert "| `handle_time` | [distribution](#distributions) | **required** | s |" in text


def test_cli_reference_covers_every_command_and_option():
    import typer

    import cli

    text = docs_reference.CLI_PAGE.read_text()
    names = docs_reference.cli_command_names()
    assert {"run", "validate"} <= set(names)
    for name in names:
        assert f"## `ccsim {name}`" in text, name
    root = typer.main.get_command(cli.app)
    for name, cmd in root.commands.items():
        for p in cmd.params:
            for opt in getattr(p, "opts", []):
                if opt.startswith("-"):
                    assert opt in text, f"ccsim {name} {opt} missing from docs/reference/cli.md"


# --- the site ------------------------------------------------------------------------------


def test_site_builds_strict(tmp_path):
    """`mkdocs build --strict`: a broken link, a missing nav page or a bad include fails the suite."""
    if shutil.which("mkdocs") is None and subprocess.run([sys.executable, "-c", "import mkdocs, material"]).returncode:
        pytest.skip("mkdocs / mkdocs-material not installed: pip install -e '.[docs]'")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "reference" / "scenario" / "index.html").exists()
