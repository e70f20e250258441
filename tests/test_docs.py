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
- Every ``python`` block of the docs runs as written, from the same scratch directory, each block
  on its own (``test_python_example_prints_what_the_page_shows``). What it prints must be exactly
  the ``text`` block right after it (only blank lines between); a block that prints must show
  one. A line ending in a comment ``# note -> VALUE`` (VALUE a Python literal) must be an
  expression whose value is VALUE, numbers to the decimals written.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import numbers
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import tokenize
from dataclasses import dataclass
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


# --- Python examples -----------------------------------------------------------------------


@dataclass
class PythonExample:
    """A ```python block of a page, and the ```text block right after it that shows its output."""

    path: Path
    line: int  # the page line of the opening fence
    code: str
    output: str | None


def python_examples(path: Path, text: str | None = None) -> list[PythonExample]:
    """Each ```python block of a page (``text``, if given, instead of the file); a ```text block
    after it, with only blank lines between, is what it prints."""
    lines = (path.read_text() if text is None else text).splitlines()

    def block_at(i: int) -> tuple[str, str, int] | None:
        """(language, dedented body, index after the closing fence) of a fenced block opening at i."""
        m = FENCE.match(lines[i])
        if not m:
            return None
        _, fence, lang = m.groups()
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        return lang, textwrap.dedent("\n".join(lines[i + 1 : j])), j + 1

    examples, i = [], 0
    while i < len(lines):
        block = block_at(i)
        if block is None:
            i += 1
            continue
        lang, code, after = block
        if lang == "python":
            k = after
            while k < len(lines) and not lines[k].strip():
                k += 1
            shown = block_at(k) if k < len(lines) else None
            output = shown[1] if shown and shown[0] == "text" else None
            examples.append(PythonExample(path, i + 1, code, output))
            if output is not None:
                after = shown[2]
        i = after
    return examples


def all_python_examples() -> list:
    return [
        pytest.param(ex, id=f"{ex.path.relative_to(REPO)}:{ex.line}")
        for path in doc_files()
        for ex in python_examples(path)
    ]


def arrow_comments(code: str) -> dict[int, str]:
    """Line -> the value a ``# ... -> VALUE`` comment shows (the text after its last arrow)."""
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT and "->" in tok.string:
            found[tok.start[0]] = tok.string.rpartition("->")[2].strip()
    return found


def shows(value, shown: str) -> bool:
    """Whether ``value`` is what the Python literal ``shown`` says it is: numbers to the decimals
    written (``0.1741`` shows 0.174132, not 0.1746), tuples, lists and dicts item by item,
    anything else by equality."""
    tree = ast.parse(shown, mode="eval").body

    def match(value, node) -> bool:
        if isinstance(node, (ast.Tuple, ast.List)):
            kind = tuple if isinstance(node, ast.Tuple) else list
            return isinstance(value, kind) and len(value) == len(node.elts) and all(map(match, value, node.elts))
        if isinstance(node, ast.Dict):
            keys = [ast.literal_eval(k) for k in node.keys]
            if not isinstance(value, dict) or set(value) != set(keys):
                return False
            return all(match(value[k], v) for k, v in zip(keys, node.values))
        number = node.operand if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) else node
        literal = ast.literal_eval(node)
        if isinstance(number, ast.Constant) and type(number.value) in (int, float):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                return False
            written = ast.get_source_segment(shown, number).lower()
            if "e" in written or "inf" in written:
                return float(value) == literal
            decimals = len(written.partition(".")[2])
            return abs(float(value) - literal) <= 0.5 * 10.0**-decimals * (1 + 1e-9)
        return value == literal

    return match(value, tree)


def run_example(example: PythonExample) -> str:
    """Run a page's Python block statement by statement, checking each ``->`` comment; what it printed."""
    where = f"{example.path.relative_to(REPO)}"
    tree = ast.parse(example.code)
    ast.increment_lineno(tree, example.line)  # tracebacks and messages name the page's own lines
    arrows = {example.line + no: text for no, text in arrow_comments(example.code).items()}
    namespace: dict = {"__name__": "__docs__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for stmt in tree.body:
            shown = arrows.pop(stmt.end_lineno, None)
            if shown is None:
                exec(compile(ast.Module([stmt], []), where, "exec"), namespace)
                continue
            line = f"{where}:{stmt.end_lineno}"
            assert isinstance(stmt, ast.Expr), f"{line}: a `-> value` comment follows an expression, not a statement"
            value = eval(compile(ast.Expression(stmt.value), where, "eval"), namespace)
            assert shows(value, shown), f"{line}: `{ast.unparse(stmt)}` is {value!r}; the page shows {shown}"
    assert not arrows, f"{where}: `->` comments not at the end of a statement, on lines {sorted(arrows)}"
    return printed.getvalue()


def test_python_examples_follow_the_conventions():
    """The extraction pairs a block with the output after it, and a shown value can be wrong."""
    md = "\n".join(
        [
            "```python",
            "print(1 + 1)",
            "```",
            "",
            "```text",
            "2",
            "```",
            "Prose.",
            "```python",
            "x = 2 / 3",
            "x   # two thirds -> 0.667",
            "```",
            "Prose between, so this is not its output:",
            "```text",
            "whatever",
            "```",
        ]
    )
    first, second = python_examples(DOCS / "example.md", md)
    assert (first.line, first.code, first.output) == (1, "print(1 + 1)", "2")
    assert (second.line, second.output) == (9, None)
    assert run_example(first) == "2\n" and run_example(second) == ""
    assert arrow_comments(second.code) == {2: "0.667"}
    assert shows(2 / 3, "0.667") and shows(2 / 3, "0.67") and not shows(2 / 3, "0.666") and not shows(0.7, "0.667")
    assert shows(14, "14") and not shows(14.6, "14") and not shows(True, "1")
    assert shows((0.17413, "better", None), "(0.1741, 'better', None)") and not shows([0.17413], "(0.1741,)")
    assert shows({"dist": "exponential", "mean": 61.52}, "{'dist': 'exponential', 'mean': 61.5}")
    assert not shows({"dist": "exponential", "mean": 61.52, "cv": 1}, "{'dist': 'exponential', 'mean': 61.5}")
    stale = PythonExample(second.path, second.line, "x = 2 / 3\nx   # -> 0.666", None)
    with pytest.raises(AssertionError, match=r"docs/example.md:11: `x` is 0.666.*the page shows 0.666"):
        run_example(stale)


@pytest.mark.parametrize("example", all_python_examples())
def test_python_example_prints_what_the_page_shows(example, scratch):
    """Each Python block of the docs runs as written (from a directory that sees the repository's
    folders), prints exactly the ```text block shown after it, and each ``-> value`` comment is the
    value of its line."""
    printed = run_example(example)
    where = f"{example.path.relative_to(REPO)}:{example.line}"
    if example.output is None:
        assert not printed, f"{where} prints, so show its output in a ```text block right after it:\n{printed}"
    else:
        got = [line.rstrip() for line in printed.rstrip("\n").splitlines()]
        want = [line.rstrip() for line in example.output.rstrip("\n").splitlines()]
        assert got == want, f"{where} now prints (the page shows something else):\n{printed}"


def test_docs_show_python_examples():
    """The extraction found the Python API page's blocks, outputs and shown values (guards against
    a silently broken extractor)."""
    examples = python_examples(DOCS / "reference" / "python-api.md")
    assert len(examples) >= 5
    assert sum(ex.output is not None for ex in examples) >= 3
    assert any(arrow_comments(ex.code) for path in doc_files() for ex in python_examples(path))


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


# --- the site offline ----------------------------------------------------------------------------

#: A script or stylesheet (fonts included) a page would fetch from another host.
EXTERNAL = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?((?:https?:)?//[^\"' >]+)", re.I)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    if shutil.which("mkdocs") is None and subprocess.run([sys.executable, "-c", "import mkdocs, material"]).returncode:
        pytest.skip("mkdocs / mkdocs-material not installed: pip install -e '.[docs]'")
    site = tmp_path_factory.mktemp("offline") / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return site


def test_no_page_loads_anything_from_another_host(built_site):
    """Offline (a classroom, a locked-down office) every page works as built: no script, stylesheet
    or font comes from a CDN. The formula renderer, MathJax, is bundled (docs/javascripts/mathjax)."""
    pages = sorted(built_site.rglob("*.html"))
    external = {str(p.relative_to(built_site)): EXTERNAL.findall(p.read_text(encoding="utf-8")) for p in pages}
    assert {page: urls for page, urls in external.items() if urls} == {}
    with_math = [p for p in pages if 'class="arithmatex"' in p.read_text(encoding="utf-8")]
    assert with_math and all(re.search(r'<script src="[./]*javascripts/mathjax/tex-mml-chtml.js"', p.read_text(encoding="utf-8")) for p in with_math)


@pytest.mark.browser
def test_formulas_render_with_the_network_off(built_site):
    """Headless Chromium with every host name unresolvable draws each formula of a page."""
    from browser import FLAGS, find_chromium, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(f"needs headless Chromium: {reason}")
    page = built_site / "concepts" / "erlang-models" / "index.html"
    formulas = page.read_text(encoding="utf-8").count('class="arithmatex"')
    profile = built_site.parent / "profile"
    cmd = [find_chromium(), *FLAGS, f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=15000", "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    assert formulas > 0 and dom.count("<mjx-container") == formulas, dom[-2000:]
    assert "\\frac" in page.read_text(encoding="utf-8") and "\\frac" not in dom  # no TeX left as text


def stages_table() -> str:
    """The table of docs/model.md: each stage and the behaviours wrapping it, in composition order."""
    from ccsim.model.behaviours import REGISTRY
    from ccsim.model.seam import ENGINE_STAGES, TYPE_STAGES

    rows = ["| stage | wrapped by (layer) |", "| --- | --- |"]
    for stage in ENGINE_STAGES + TYPE_STAGES:
        wrappers = ", ".join(f"{cls.__name__} ({cls.layer})" for cls in sorted(REGISTRY, key=lambda c: c.layer) if stage in cls.wraps)
        label = f"{stage} [t]" if stage in TYPE_STAGES else stage
        rows.append(f"| {label} | {wrappers} |" if wrappers else f"| {label} | |")
    return "\n".join(rows)


def test_model_page_lists_who_wraps_each_stage():
    page = (REPO / "docs" / "model.md").read_text()
    shown = page.split("<!-- stages-table: start -->\n", 1)[1].split("\n<!-- stages-table: end -->", 1)[0]
    assert shown == stages_table(), "docs/model.md's stage table is stale; it should read:\n" + stages_table()
