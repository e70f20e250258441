"""`ccsim run` and `ccsim validate` as a user meets them, through Typer's test runner."""

from __future__ import annotations

import csv
import json
import os
import stat

import pytest
import yaml

from conftest import SCENARIOS, reference

METRICS = ["offered", "answered", "abandoned", "service_level", "asa_seconds", "mean_wait_seconds", "wait_p90_seconds", "abandon_rate", "max_queue"]


def test_run_without_argument_runs_the_bundled_default(cli):
    res = cli("run", "-r", "2")
    assert res.exit_code == 0, res.output
    assert "Web shop" in res.output and "service level" in res.output
    assert "Worst intervals" in res.output


def test_run_json_has_the_documented_shape(cli):
    res = cli("run", SCENARIOS / "reference_mmn.yaml", "-r", "3", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {"ccsim_version", "scenario", "seed", "replications", "by_contact_type", "by_pool", "by_interval"} <= set(data)
    assert data["scenario"] == "Reference M/M/n+M" and data["seed"] == 7 and data["replications"] == 3
    calls = data["by_contact_type"]["calls"]
    for m in METRICS:
        assert set(calls[m]) == {"mean", "ci95"} and len(calls[m]["ci95"]) == 2
        lo, hi = calls[m]["ci95"]
        assert lo <= calls[m]["mean"] <= hi
    assert set(data["by_pool"]["team"]["occupancy"]) == {"mean", "ci95"}
    assert len(data["by_interval"]) == 16
    first = data["by_interval"][0]
    assert first["interval_start"] == "08:00" and first["contact_type"] == "calls"
    assert all(m in first for m in METRICS)


def test_run_overrides_and_out_dir(cli, tmp_path):
    out = tmp_path / "out"
    res = cli("run", SCENARIOS / "reference_mmn.yaml", "-r", "2", "--seed", "3", "--out", out)
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["replications"] == 2
    rows = list(csv.DictReader((out / "intervals.csv").open()))
    assert len(rows) == 16 and {"interval_start", "contact_type", "service_level", "service_level_lo", "service_level_hi"} <= set(rows[0])
    html = (out / "report.html").read_text()
    assert "<script src=" not in html and "Plotly" in html  # plotly.js embedded, works offline
    assert html.count('class="plotly-graph-div"') == 7  # six measures, and the pool's staffing against its requirement
    assert "seed 3" in html
    # written through temporary files, yet with the permissions any new file gets (not owner-only)
    mask = os.umask(0)
    os.umask(mask)
    for name in ("summary.json", "intervals.csv", "summary.xlsx", "report.html"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o666 & ~mask, name
    assert sorted(p.name for p in out.iterdir()) == ["intervals.csv", "report.html", "summary.json", "summary.xlsx"]  # no temporary left


def test_validate_reports_ok(cli):
    res = cli("validate", SCENARIOS / "reference_mmn.yaml")
    assert res.exit_code == 0 and "ok: Reference M/M/n+M" in res.output


def test_forecast_csv_volumes(cli, tmp_path):
    (tmp_path / "forecast.csv").write_text("interval_start,calls\n" + "".join(f"{8 + i // 2:02d}:{30 * (i % 2):02d},{100 + i}\n" for i in range(16)))
    d = reference(replications=2)
    d["contact_types"]["calls"]["arrivals"] = {"csv": "forecast.csv"}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(d))
    res = cli("run", path, "--json")
    assert res.exit_code == 0, res.output
    offered = json.loads(res.stdout)["by_contact_type"]["calls"]["offered"]["mean"]
    assert 1600 < offered < 2000  # sum of 100..115 = 1720


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_every_bundled_scenario_validates(cli, name):
    res = cli("validate", SCENARIOS / name)
    assert res.exit_code == 0, res.output
