"""Open a report in headless Chromium and tell what happened: JavaScript errors and charts drawn.

No DevTools client is needed: a small probe script is put first into a copy of the page. It
collects uncaught errors, unhandled promise rejections, ``console.error`` calls and failed
resource loads, and after the page has loaded writes them, with the number of plotly SVGs inside
each chart, into the DOM. ``chromium --dump-dom`` (after a virtual-time budget, so plotly has
drawn) prints that DOM; the charts are also counted in the dumped DOM independently of the probe.
``open_pages`` loads several reports as iframes of one harness page, so Chromium starts once;
each probe posts its findings (and its own DOM, scripts removed) to the harness.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)

PROBE = """<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    if (e instanceof ErrorEvent) { errors.push('error: ' + e.message + ' @ ' + e.filename + ':' + e.lineno); }
    else { var t = e.target || {}; errors.push('failed to load ' + (t.tagName || '?') + ' ' + (t.src || t.href || '')); }
  }, true);
  window.addEventListener('unhandledrejection', function (e) { errors.push('unhandled rejection: ' + e.reason); });
  var original = console.error;
  console.error = function () { errors.push('console.error: ' + Array.prototype.join.call(arguments, ' ')); return original.apply(console, arguments); };
  window.addEventListener('load', function () {
    setTimeout(function () {
      var charts = Array.prototype.map.call(document.querySelectorAll('div.plotly-graph-div'), function (d) {
        return d.querySelectorAll('svg.main-svg').length;
      });
      var copy = document.documentElement.cloneNode(true);
      Array.prototype.forEach.call(copy.querySelectorAll('script'), function (s) { s.remove(); });
      var report = {ccsimProbe: true, name: NAME, errors: errors, charts: charts, dom: copy.outerHTML};
      if (window.parent !== window) { window.parent.postMessage(report, '*'); return; }
      var pre = document.createElement('pre');
      pre.id = 'ccsim-probe';
      pre.textContent = JSON.stringify(report);
      document.body.appendChild(pre);
    }, 1000);
  });
})();
</script>"""

HARNESS = """<!DOCTYPE html><html><head><meta charset='utf-8'><script>
var results = {};
window.addEventListener('message', function (e) {
  if (!e.data || !e.data.ccsimProbe) return;
  results[e.data.name] = e.data;
  if (Object.keys(results).length === EXPECTED) {
    var pre = document.createElement('pre');
    pre.id = 'ccsim-results';
    pre.textContent = JSON.stringify(results);
    document.body.appendChild(pre);
  }
});
</script><style>iframe{width:620px;height:420px;border:0;float:left}</style></head><body>FRAMES</body></html>"""


def find_chromium() -> str | None:
    """``$CCSIM_CHROMIUM`` or ``$BROWSER_PATH`` if set, else the first Chromium/Chrome on PATH."""
    for var in ("CCSIM_CHROMIUM", "BROWSER_PATH"):
        if os.environ.get(var):
            return shutil.which(os.environ[var])
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def unavailable_reason() -> str | None:
    """Why no browser test can run here, or None when a working Chromium is found."""
    binary = find_chromium()
    for var in ("CCSIM_CHROMIUM", "BROWSER_PATH"):
        if binary is None and os.environ.get(var):
            return f"${var}={os.environ[var]} is not an executable Chromium/Chrome"
    if binary is None:
        return (
            f"no Chromium/Chrome binary found (looked for {', '.join(CANDIDATES)} on PATH and $CCSIM_CHROMIUM); "
            "install Debian's chromium package (.ci/run does this with apt-get where it can)"
        )
    try:
        proc = subprocess.run([binary, "--headless", "--no-sandbox", "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{binary} cannot be started: {exc}"
    if proc.returncode != 0:
        return f"{binary} --version failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[:300]}"
    return None


@dataclass
class PageCheck:
    """What a headless browser saw: errors collected, plotly SVGs per chart (probe and dumped DOM)."""

    errors: list[str]
    charts_probe: list[int]
    charts_dom: list[int]
    charts_expected: int
    dom: str


def _charts_in_dom(dom: str) -> list[int]:
    """Count ``main-svg`` elements inside each plotly chart div of a dumped DOM."""
    parts = re.split(r'<div[^>]*class="[^"]*plotly-graph-div', dom)
    return [len(re.findall(r'<svg[^>]*class="main-svg"', part.split('id="ccsim-probe"')[0])) for part in parts[1:]]


def _probed(html_path: Path, name: str) -> tuple[str, int]:
    """The page's HTML with the probe first in <head>, and how many charts it asks plotly for."""
    text = Path(html_path).read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", text)
    if head is None:
        raise AssertionError(f"{html_path}: no <head> element")
    probe = PROBE.replace("NAME", json.dumps(name))
    return text[: head.end()] + probe + text[head.end() :], text.count("Plotly.newPlot(")


def _dump_dom(binary: str, page: Path, profile: Path, timeout_s: float, window: str = "1280,900") -> str:
    cmd = [binary, *[f for f in FLAGS if not f.startswith("--window-size")], f"--window-size={window}"]
    cmd += [f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom", page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0 or "<html" not in proc.stdout:
        raise AssertionError(f"chromium failed on {page} (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
    return proc.stdout


def _check(report: dict, expected: int) -> PageCheck:
    return PageCheck(
        errors=report["errors"], charts_probe=report["charts"], charts_dom=_charts_in_dom(report["dom"]), charts_expected=expected, dom=report["dom"]
    )


def open_pages(pages: dict[str, Path], timeout_s: float = 120) -> dict[str, PageCheck]:
    """Load several pages in one headless Chromium (one iframe each, all in view) and report on each.

    Starting Chromium costs seconds; one start for every report keeps the browser tests fast.
    """
    binary = find_chromium()
    if binary is None:
        raise RuntimeError(unavailable_reason())
    with tempfile.TemporaryDirectory(prefix="ccsim-browser-") as tmp:
        expected, frames = {}, []
        for k, (name, path) in enumerate(pages.items()):
            text, expected[name] = _probed(path, name)
            (Path(tmp) / f"page{k}.html").write_text(text, encoding="utf-8")
            frames.append(f"<iframe src='page{k}.html'></iframe>")
        harness = Path(tmp) / "harness.html"
        harness.write_text(HARNESS.replace("EXPECTED", str(len(pages))).replace("FRAMES", "".join(frames)), encoding="utf-8")
        profile = Path(tmp) / "profile"
        profile.mkdir()
        dom = _dump_dom(binary, harness, profile, timeout_s, window="1300,1400")
    m = re.search(r'<pre id="ccsim-results">(.*?)</pre>', dom, re.S)
    if m is None:
        raise AssertionError("not every page's probe reported (a page never finished loading?)")
    import html as _html

    reports = json.loads(_html.unescape(m.group(1)))
    return {name: _check(reports[name], expected[name]) for name in pages}
