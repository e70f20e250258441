"""Hostile scenario files, generated: ccsim answers each with a result or one clear refusal.

A fixed-seed generator mutates valid scenarios (the reference M/M/n+M and two bundled files, one
with variants) into hostile ones, a class at a time: wrong types; NaN, infinite, huge and tiny
numbers; deleted and misspelled keys; duplicate keys; nesting too deep; bad encodings; markup and
HTML in names. Every case must end one of two ways, within a time bound:

* ``ccsim validate`` exits 0 and ``ccsim run -r 2 --json`` exits 0 with JSON that a strict parser
  accepts (no NaN, no Infinity), or
* both exit 2, with ``error:`` lines and no traceback, and ``run --out`` writes nothing.

The cases that could exhaust a machine (alias bombs, nesting libyaml itself refuses, absurd sizes,
huge or endless files) run as real processes under a 2 GB address-space limit and a timeout.
"""

from __future__ import annotations

import copy
import json
import os
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conftest import REFERENCE, REPO, SCENARIOS, changed

SEED = 20260106
IN_PROCESS_CASES = 150
#: Seconds one in-process command may take (the slowest valid case runs in well under one).
COMMAND_SECONDS = 10
#: Seconds the process running every bounded case may take, start-up (~1.5 s) included.
PROCESS_SECONDS = 60
MEMORY_BYTES = 2 * 2**30

BASES = {
    "reference": REFERENCE,
    "bank_transfers": yaml.safe_load((SCENARIOS / "bank_transfers.yaml").read_text()),
    "lesson_promises": yaml.safe_load((SCENARIOS / "lesson_promises.yaml").read_text()),  # has variants
}

HOSTILE_NUMBERS = [
    float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 1e12, 1e9, 2**63, 10**30,
    1e-300, 5e-324, 0, -1, -0.0, 0.5,
]
WRONG_TYPES = ["x", [1, 2], {"a": 1}, None, True, "", "2026-01-05", "08:00"]
HOSTILE_NAMES = [
    "[/]", "[bold red]x[/]", "calls [tier 1]", "<img src=x onerror=1>", "<script>alert(1)</script>",
    ":x: :smile:", "a\nb", "tab\there", "\u202eevil", "名前 ☎", "x" * 2000, "=1+1", "@SUM(A1)", "-2", "{{7*7}}",
]


@dataclass
class Case:
    """One hostile file: how it was made, its bytes, and any side file (a forecast CSV) it needs."""

    name: str
    data: bytes
    side_files: dict[str, bytes] = field(default_factory=dict)
    expect: str = ""  # words its refusal must contain ("" = a result or any refusal)


# --- the generator ---------------------------------------------------------------------------


def _paths(node, prefix=()):
    """Every (path, value) below ``node``: keys of mappings and indices of lists."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        yield prefix + (key,), value
        yield from _paths(value, prefix + (key,))


def _parent(doc, path):
    for key in path[:-1]:
        doc = doc[key]
    return doc


def _set(doc, path, value):
    _parent(doc, path)[path[-1]] = value


def _numbers(doc):
    return [p for p, v in _paths(doc) if isinstance(v, (int, float)) and not isinstance(v, bool)]


def _keys(doc):
    return [p for p, _ in _paths(doc) if isinstance(_parent(doc, p), dict)]


def _rename_everywhere(node, old, new):
    """``old`` renamed to ``new`` as a key and as a string value (a contact type and its references)."""
    if isinstance(node, dict):
        return {(new if k == old else k): _rename_everywhere(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_everywhere(v, old, new) for v in node]
    return new if node == old else node


def _dump(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)


def mutate_number(rng, doc):
    path = rng.choice(_numbers(doc))
    value = rng.choice(HOSTILE_NUMBERS)
    _set(doc, path, value)
    return f"{'.'.join(map(str, path))}={value!r}", doc


def mutate_type(rng, doc):
    path = rng.choice([p for p, _ in _paths(doc)])
    value = copy.deepcopy(rng.choice(WRONG_TYPES))
    _set(doc, path, value)
    return f"{'.'.join(map(str, path))}={value!r}", doc


def mutate_delete(rng, doc):
    path = rng.choice(_keys(doc))
    del _parent(doc, path)[path[-1]]
    return f"del {'.'.join(map(str, path))}", doc


def mutate_misspell(rng, doc):
    path = rng.choice([p for p in _keys(doc) if isinstance(p[-1], str) and len(p[-1]) > 1])
    key = path[-1]
    i = rng.randrange(len(key) - 1)
    typo = key[:i] + key[i + 1] + key[i] + key[i + 2 :] if key[i] != key[i + 1] else key + "s"
    parent = _parent(doc, path)
    parent[typo] = parent.pop(key)
    return f"{'.'.join(map(str, path))}->{typo}", doc


def mutate_name(rng, doc):
    name = rng.choice(HOSTILE_NAMES)
    where = rng.choice(["name", "contact type", "agent pool"])
    if where == "name":
        doc["name"] = name
        return f"name={name[:20]!r}", doc
    section = "contact_types" if where == "contact type" else "agent_pools"
    old = rng.choice(list(doc[section]))
    return f"{where} {old}->{name[:20]!r}", _rename_everywhere(doc, old, name)


def text_duplicate_key(rng, text):
    """A ``key: value`` line written twice, with another value: the last must not silently win."""
    lines = text.splitlines()
    candidates = [i for i, ln in enumerate(lines) if ": " in ln and not ln.rstrip().endswith(":") and not ln.lstrip().startswith("#")]
    i = rng.choice(candidates)
    line = lines[i]
    indent = len(line) - len(line.lstrip(" -"))
    key = line[indent:].split(":", 1)[0]
    lines.insert(i + 1, " " * indent + f"{key}: 0")
    return f"duplicate {key!r} at line {i + 2}", "\n".join(lines) + "\n"


def text_deep(rng, text):
    depth = rng.choice([65, 200, 500, 999])
    lines = text.splitlines()
    i = rng.choice([i for i, ln in enumerate(lines) if ln.rstrip().endswith(tuple("0123456789")) and ": " in ln])
    head = lines[i].rsplit(": ", 1)[0]
    lines[i] = f"{head}: {'[' * depth}1{']' * depth}"
    return f"nested {depth} deep at line {i + 1}", "\n".join(lines) + "\n"


NOT_TEXT = "is not UTF-8 or UTF-16 text: save it as UTF-8"
NUL = "character #x0000 is not allowed"
#: Each way of spoiling the bytes, with the words its refusal must contain ("" = any outcome:
#: a good encoding, or a cut that may leave a valid file).
ENCODINGS = {
    "latin-1": NOT_TEXT, "cp1252": NOT_TEXT, "stray bytes": NOT_TEXT, "utf-16-le no BOM": NOT_TEXT, "utf-32": NUL, "NUL": NUL,
    "utf-16": "", "utf-8-sig": "", "truncated": "",
}


def encode(how: str, rng, text) -> bytes:
    """The file's bytes in a good or a bad encoding, or with bytes no text has."""
    text = text.replace("name: ", "name: Café € ", 1)
    data = text.encode("utf-8")
    if how in ("latin-1", "cp1252"):
        data = text.replace("€", "E" if how == "latin-1" else "€").encode(how, errors="replace")  # é stays
    elif how in ("utf-16", "utf-8-sig", "utf-32"):
        data = text.encode(how)
    elif how == "utf-16-le no BOM":
        data = text.encode("utf-16-le")
    elif how == "stray bytes":
        at = rng.randrange(len(data))
        data = data[:at] + bytes([0xFF, 0xFE, 0xC3]) + data[at:]
    elif how == "NUL":
        at = rng.randrange(len(data))
        data = data[:at] + b"\x00" + data[at:]
    else:
        data = data[: rng.randrange(len(data))]
    return data


DICT_MUTATIONS = [mutate_number, mutate_number, mutate_type, mutate_delete, mutate_misspell, mutate_name]
#: Each text mutation with the words its refusal must contain.
TEXT_MUTATIONS = {text_duplicate_key: "duplicate key", text_deep: "nest"}  # ccsim's depth bound, or libyaml's


def generated_cases() -> list[Case]:
    """``IN_PROCESS_CASES`` hostile files, the same ones on every run (fixed seed)."""
    rng = random.Random(SEED)
    cases = []
    for n in range(IN_PROCESS_CASES):
        base_name = rng.choice(list(BASES))
        doc = copy.deepcopy(BASES[base_name])
        steps = []
        kind = ["dict", "dict", "dict", "text", "encoding"][n % 5]
        for _ in range(1 + (rng.random() < 0.3)):
            what, doc = rng.choice(DICT_MUTATIONS)(rng, doc)
            steps.append(what)
            if kind != "dict":
                break
        text = _dump(doc)
        data, expect = text.encode("utf-8"), ""
        if kind == "text":
            mutation = rng.choice(list(TEXT_MUTATIONS))
            what, text = mutation(rng, text)
            steps.append(what)
            data, expect = text.encode("utf-8"), TEXT_MUTATIONS[mutation]
        elif kind == "encoding":
            how = list(ENCODINGS)[n // 5 % len(ENCODINGS)]
            data, expect = encode(how, rng, text), ENCODINGS[how]
            steps.append(how)
        cases.append(Case(f"{n:03d} {base_name}: " + "; ".join(steps), data, expect=expect))
    return cases


CASES = generated_cases()


# --- the promise, checked ----------------------------------------------------------------------


def strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} in JSON")

    return json.loads(text, parse_constant=refuse)


def check_refusal(output: str, case: Case) -> None:
    assert "Traceback" not in output, case.name
    errors = [ln for ln in output.splitlines() if ln.startswith("error: ")]
    assert errors, f"{case.name}: exit 2 without an error line:\n{output}"


@pytest.mark.parametrize("case", CASES, ids=[c.name[:3] for c in CASES])
def test_a_hostile_file_gets_a_result_or_one_clear_refusal(cli, tmp_path, case):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(case.data)
    started = time.perf_counter()
    checked = cli("validate", path)
    assert time.perf_counter() - started < COMMAND_SECONDS, case.name
    assert checked.exit_code in (0, 2), (case.name, checked.exception)
    assert checked.exit_code == 2 or not case.expect, f"{case.name}: accepted, but must be refused for saying {case.expect!r}"
    out_dir = tmp_path / "out"
    started = time.perf_counter()
    if checked.exit_code == 0:
        res = cli("run", path, "-r", "2", "--json")
        assert res.exit_code == 0, f"{case.name}: validate said ok, run said\n{res.output}"
        strict_json(res.stdout)
    else:
        check_refusal(checked.output, case)
        assert case.expect in checked.output, f"{case.name}: refused, but not for saying {case.expect!r}:\n{checked.output}"
        res = cli("run", path, "-r", "2", "--json", "--out", out_dir)
        assert res.exit_code == 2, f"{case.name}: validate refused, run said {res.exit_code}\n{res.output}"
        check_refusal(res.output, case)
        assert not out_dir.exists(), case.name
    assert time.perf_counter() - started < COMMAND_SECONDS, case.name


def test_a_scenario_named_with_markup_validates(cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(_dump({**REFERENCE, "name": "calls [/]"}))
    res = cli("validate", path)
    assert res.exit_code == 0 and "calls [/]" in res.output, res.exception


def test_the_generator_covers_every_class():
    names = "\n".join(c.name for c in CASES)
    classes = ["=nan", "=inf", "=-inf", "=1e+308", "=1e-300", "=5e-324", "='x'", "=None", "=True", "del ", ".dist->", "duplicate", "nested"]
    for marker in [*classes, *ENCODINGS, "'[/]'", "<img", "contact type", "agent pool", "name="]:
        assert marker in names, marker


# --- the cases that could exhaust the machine: real processes under limits ----------------------

BOMB = "&a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"  {c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
REFERENCE_TEXT = _dump(REFERENCE)


def _reference_with(**changes) -> str:
    return _dump(changed(REFERENCE, **changes))


def bounded_cases() -> list[Case]:
    """Each with the words its refusal must contain (a refusal for another reason proves nothing)."""
    merge_bomb = "base: &m0 {k0: 1}\n" + "".join(f"m{i}: &m{i} {{<<: [{', '.join(f'*m{j}' for j in range(i))}], k{i}: 1}}\n" for i in range(1, 40))
    calls = REFERENCE["contact_types"]["calls"]
    csv_scenario = _reference_with(contact_types__calls__arrivals={"csv": "f.csv"}).encode()
    return [
        Case("alias bomb at the top", (REFERENCE_TEXT + "bomb:\n  a: " + BOMB).encode(), expect="(an alias bomb?)"),
        Case("alias bomb in a variant", (REFERENCE_TEXT + "variants:\n  boom:\n    description:\n      a: " + BOMB.replace("\n  ", "\n      ")).encode(), expect="(an alias bomb?)"),
        Case("merge-key bomb", (merge_bomb + REFERENCE_TEXT).encode(), expect="(an alias bomb?)"),
        Case("nesting 100,000 deep", (REFERENCE_TEXT + "description: " + "[" * 100_000 + "]" * 100_000 + "\n").encode(), expect="exceeded maximum nesting depth"),  # libyaml refuses it before ccsim counts
        Case("1e9 calls an hour", _reference_with(contact_types__calls__arrivals={"per_hour": 1e9}).encode(), expect="per_hour: must be <= 10,000,000"),
        Case("1e7 calls an hour in one-day intervals", _reference_with(horizon={"hours": 24, "interval_minutes": 1440}, contact_types__calls__arrivals={"per_hour": 1e7}).encode(),
             expect="contacts expected in one 1440-minute interval"),
        Case("1e8 agents", _reference_with(agent_pools__team__agents=10**8).encode(), expect="agents: must be <= 1,000,000"),
        Case("ten years of one-minute intervals", _reference_with(horizon={"hours": 87600, "interval_minutes": 1}).encode(), expect="hours: must be <= 8,784"),
        Case("a year of one-minute intervals, three types", _reference_with(
            horizon={"hours": 8760, "interval_minutes": 1}, contact_types={n: calls for n in "abc"}, agent_pools__team__skills=list("abc"),
        ).encode(), expect="interval tallies"),
        Case("100,000 replications of a busy day", _reference_with(replications=100_000, contact_types__calls__arrivals={"per_hour": 10**6}).encode(), expect="contacts in all"),
        Case("warm-up of 30 days at a million an hour", _reference_with(warmup_minutes=43_200, contact_types__calls__arrivals={"per_hour": 10**6}).encode(), expect="during the warm-up"),
        Case("forecast CSV of 10^6 rows", csv_scenario, {"f.csv": b"calls\n" + b"1\n" * 10**6}, expect="more rows than the horizon has intervals (16)"),
        Case("forecast CSV /dev/zero", _reference_with(contact_types__calls__arrivals={"csv": "/dev/zero"}).encode(), expect="larger than 64 MB"),
        Case("forecast CSV with a 1 MB field", csv_scenario, {"f.csv": b'interval,calls\n08:00,"' + b"9" * 2**20 + b'"\n'}, expect="not readable as CSV"),
        Case("YAML over 16 MB", (REFERENCE_TEXT + "#" * (17 * 2**20) + "\n").encode(), expect="larger than 16 MB"),
        Case("100,800 volumes in YAML for 16 intervals", _reference_with(contact_types__calls__arrivals={"volumes": [0.5] * 100_800}).encode(),
             expect="100800 values given, the horizon has 16 intervals"),
    ]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


#: Runs ``validate`` and ``run -r 2 --json --out out`` on the scenario in each directory given, in
#: one process (start-up costs more than all the refusals), and prints as JSON, per directory,
#: each command's exit code, stdout, stderr, exception and seconds. It names on stderr each
#: directory before starting it, so a timeout says which case hung.
DRIVER = """
import json, os, sys, time
from typer.testing import CliRunner
from cli import app
report = []
for home in sys.argv[1:]:
    print(home, file=sys.stderr, flush=True)
    os.chdir(home)
    for args in (["validate", "s.yaml"], ["run", "s.yaml", "-r", "2", "--json", "--out", "out"]):
        started = time.perf_counter()
        r = CliRunner().invoke(app, args)
        report.append([r.exit_code, r.stdout, r.stderr, repr(r.exception), time.perf_counter() - started])
print(json.dumps(report))
"""


def _problems(case: Case, home: Path, validate: list, run: list) -> list[str]:
    """What is wrong with one bounded case's two commands (nothing: it kept the promise)."""
    problems = [
        f"{case.name}: {command} took {seconds:.1f} s"
        for command, (*_, seconds) in (("validate", validate), ("run", run))
        if seconds > COMMAND_SECONDS
    ]
    if validate[0] != run[0]:
        return problems + [f"{case.name}: validate exited {validate[0]}, run {run[0]}: {run[2][-300:]} {run[3]}"]
    if run[0] == 0:
        strict_json(run[1])
        return problems
    for command, (code, _, stderr, exception, _) in (("validate", validate), ("run", run)):
        if code != 2 or "Traceback" in stderr or "error: " not in stderr:
            problems.append(f"{case.name}: {command} exited {code}: {stderr[-300:]} {exception}")
    if case.expect not in run[2]:
        problems.append(f"{case.name}: refused, but not for saying {case.expect!r}: {run[2][-300:]}")
    if (home / "out").exists():
        problems.append(f"{case.name}: run --out wrote files although it refused the scenario")
    return problems


def test_bombs_and_absurd_sizes_are_refused_within_time_and_memory_bounds(tmp_path):
    cases = bounded_cases()
    homes = []
    for i, case in enumerate(cases):
        home = tmp_path / f"case{i}"
        home.mkdir()
        (home / "s.yaml").write_bytes(case.data)
        for name, data in case.side_files.items():
            (home / name).write_bytes(data)
        homes.append(home)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", DRIVER, *map(str, homes)], capture_output=True, text=True,
            timeout=PROCESS_SECONDS, preexec_fn=_limits, env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    except subprocess.TimeoutExpired as exc:
        last = (exc.stderr or b"").decode().split()[-1:]
        pytest.fail(f"still running after {PROCESS_SECONDS} s, at {[c.name for c, h in zip(cases, homes) if [str(h)] == last]}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    problems = [p for i, (case, home) in enumerate(zip(cases, homes)) for p in _problems(case, home, *report[2 * i : 2 * i + 2])]
    assert not problems, "\n".join(problems)
