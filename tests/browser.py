"""Open a report in headless Chromium and tell what happened: JavaScript errors and charts drawn.

No DevTools client is needed: a small probe script is put first into a copy of the page. It
collects uncaught errors, unhandled promise rejections, ``console.error`` calls and failed
resource loads, and after the page has loaded writes them, with the number of plotly SVGs inside
each chart, into the DOM. ``chromium --dump-dom`` (after a virtual-time budget, so plotly has
drawn) prints that DOM; the charts are also counted in the dumped DOM independently of the probe.
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
  window.__ccsimErrors = errors;
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
      var pre = document.createElement('pre');
      pre.id = 'ccsim-probe';
      pre.textContent = JSON.stringify({errors: errors, charts: charts});
      document.body.appendChild(pre);
    }, 1000);
  });
})();
</script>"""


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


def open_page(html_path: Path, timeout_s: float = 90) -> PageCheck:
    """Load ``html_path`` (a probe-injected copy of it) in headless Chromium and report."""
    binary = find_chromium()
    if binary is None:
        raise RuntimeError(unavailable_reason())
    text = Path(html_path).read_text(encoding="utf-8")
    expected = text.count("Plotly.newPlot(")
    head = re.search(r"<head[^>]*>", text)
    if head is None:
        raise AssertionError(f"{html_path}: no <head> element")
    probed = text[: head.end()] + PROBE + text[head.end() :]
    with tempfile.TemporaryDirectory(prefix="ccsim-browser-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(probed, encoding="utf-8")
        profile = Path(tmp) / "profile"
        profile.mkdir()
        cmd = [binary, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", page.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    dom = proc.stdout
    if proc.returncode != 0 or "<html" not in dom:
        raise AssertionError(f"chromium failed on {html_path} (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
    m = re.search(r'<pre id="ccsim-probe">(.*?)</pre>', dom, re.S)
    if m is None:
        raise AssertionError(f"{html_path}: the probe never reported (page load did not finish?); stderr: {proc.stderr.strip()[-500:]}")
    import html as _html

    probe = json.loads(_html.unescape(m.group(1)))
    return PageCheck(errors=probe["errors"], charts_probe=probe["charts"], charts_dom=_charts_in_dom(dom), charts_expected=expected, dom=dom)


def screenshot(html_path: Path, png_path: Path, width: int = 1366, height: int = 3000, print_media: bool = False) -> None:
    """A full-width PNG of the page as a laptop shows it (or as printed, with ``print_media``)."""
    binary = find_chromium()
    with tempfile.TemporaryDirectory(prefix="ccsim-shot-") as tmp:
        flags = [f for f in FLAGS if not f.startswith("--window-size")]
        cmd = [binary, *flags, f"--user-data-dir={tmp}", f"--window-size={width},{height}", "--virtual-time-budget=10000", "--hide-scrollbars", f"--screenshot={png_path}"]
        if print_media:
            cmd.append("--blink-settings=mediaType=print")  # best effort; print_to_pdf is the real check
        subprocess.run(cmd + [Path(html_path).resolve().as_uri()], capture_output=True, timeout=90, check=True)
