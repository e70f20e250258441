"""JSON out of ccsim is JSON: no NaN or Infinity, which strict parsers (JavaScript, jq) reject."""

from __future__ import annotations

import io
import json
import math

import pytest

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


def test_cli_json_parses_strictly(cli):
    res = cli("run", "--json", "-r", "2")
    assert res.exit_code == 0, res.output
    assert strict_loads(res.stdout)["replications"] == 2
