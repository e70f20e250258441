"""JSON out of ccsim is JSON: no NaN or Infinity, which strict parsers (JavaScript, jq) reject; and
it is the text ``json.dump(indent=2)`` writes, byte for byte, which users' scripts may rely on."""

from __future__ import annotations

import io
import json
import math

import pytest
from hypothesis import given, strategies as st

from ccsim.outputs import JsonContent, write_atomic


def strict_loads(text: str):
    """``json.loads`` that refuses the NaN / Infinity / -Infinity Python's json accepts."""

    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


DATA = {
    "asa": math.inf,
    "rows": [{"sl": math.nan, "offered": 3.0}, (-math.inf, 1)],
    "nested": {"deeper": [[math.nan]], "text": "NaN", "n": 2, "none": None},
}
FINITE = {
    "asa": None,
    "rows": [{"sl": None, "offered": 3.0}, [None, 1]],
    "nested": {"deeper": [[None]], "text": "NaN", "n": 2, "none": None},
}


def test_non_finite_figures_are_written_as_null():
    fh = io.StringIO()
    JsonContent(DATA).write(fh)
    assert strict_loads(fh.getvalue()) == FINITE
    assert math.isinf(DATA["asa"])  # the caller's data is left as it was


def test_files_get_the_same_json(tmp_path):
    write_atomic(tmp_path / "summary.json", JsonContent(DATA))
    assert strict_loads((tmp_path / "summary.json").read_text()) == FINITE


def test_the_strict_parser_would_have_caught_the_old_output():
    with pytest.raises(ValueError, match="Infinity is not JSON"):
        strict_loads(json.dumps(DATA))


def finite(value):
    """``value`` with every non-finite float replaced by None, as ccsim writes it."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def written(data) -> str:
    fh = io.StringIO()
    JsonContent(data).write(fh)
    return fh.getvalue()


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
KEYS = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False)
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner) | st.tuples(inner, inner) | st.dictionaries(KEYS, inner), max_leaves=40)


@given(DOCUMENTS)
def test_the_text_is_what_json_dump_writes_byte_for_byte(data):
    assert written(data) == json.dumps(finite(data), indent=2) + "\n"


def test_a_long_document_is_written_in_a_few_large_blocks():
    """Not a write per token: where stdout is unbuffered (PYTHONUNBUFFERED) each would be a system call."""
    data = {"by_interval": [{"interval": f"{i // 60:02d}:{i % 60:02d}", "sl": {"mean": 0.8, "ci95": [0.7, math.nan]}} for i in range(20_000)]}
    writes = []

    class Recorder:
        def write(self, text: str) -> None:
            writes.append(len(text))

    JsonContent(data).write(Recorder())
    assert sum(writes) == len(json.dumps(finite(data), indent=2)) + 1
    assert len(writes) < sum(writes) / 50_000


def test_what_json_cannot_write_is_refused_as_json_refuses_it():
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        written({"a": {1, 2}})
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        written({(1, 2): 3})


def test_cli_json_parses_strictly(cli):
    res = cli("run", "--json", "-r", "2")
    assert res.exit_code == 0, res.output
    assert strict_loads(res.stdout)["replications"] == 2
