"""Static export of the comparison charts for slides (kaleido 1.x driving the local Chromium)."""

from __future__ import annotations

import pytest

import ccsim
from browser import unavailable_reason
from ccsim.report.compare_report import compare_figures
from ccsim.report.export import ExportUnavailable, export_figures
from ccsim.scenario import scenario_from_dict
from test_compare import more_agents, small


@pytest.fixture(scope="module")
def figures():
    a = scenario_from_dict(small(replications=3))
    b = scenario_from_dict(more_agents(small(name="more", replications=3), 2))
    return compare_figures(ccsim.compare([a, b]))


def test_png_of_each_chart_at_slide_size(figures, tmp_path):
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"static export needs Chromium for kaleido: {reason}")
    pytest.importorskip("kaleido", reason="static export needs the optional package kaleido>=1")
    picked = [figures[0], figures[-1]]  # service level and the paired difference
    try:  # one browser session (~5 s); SVG goes through the same path with format="svg"
        pngs = export_figures(picked, tmp_path / "png", "png", scale=1)
    except ExportUnavailable as exc:
        pytest.fail(f"Chromium is here but kaleido could not use it: {exc}")
    assert [p.name for p in pngs] == ["service_level.png", "service_level_difference.png"]
    for p in pngs:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (1200, 520)


def test_unknown_format_is_refused(figures, tmp_path):
    with pytest.raises(ValueError, match="not one of png, svg"):
        export_figures(figures[:1], tmp_path, "gif")


def test_without_a_browser_export_says_what_is_missing(figures, tmp_path, monkeypatch):
    pytest.importorskip("kaleido", reason="static export needs the optional package kaleido>=1")
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    with pytest.raises(ExportUnavailable, match="Chrome or Chromium"):
        export_figures(figures[:1], tmp_path / "charts", "png")
    assert not (tmp_path / "charts").exists()  # nothing half-written
