"""Static images of report charts (PNG or SVG) for slides, through kaleido.

kaleido 1.x renders plotly figures in a headless Chrome or Chromium it finds on the machine
(Debian's ``chromium`` package works; ``BROWSER_PATH=/path/to/chrome`` picks another). Both are
optional: without them the HTML report is still complete, and ``ExportUnavailable`` says what
is missing instead of failing half-way. All charts are written through one browser session.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import plotly.graph_objects as go

from .html import literal_text

FORMATS = ("png", "svg")


class ExportUnavailable(RuntimeError):
    """Static export cannot run here; the message says which optional piece is missing."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "chart"


def export_figures(
    figures: Sequence[tuple[str, go.Figure]], out_dir: Path | str, fmt: str = "png", width: int = 1200, height: int = 520, scale: float = 2.0
) -> list[Path]:
    """Write each ``(name, figure)`` as ``out_dir/name.fmt``; return the paths written.

    Sized for a 16:9 slide (1200 x 520 CSS pixels, PNG at 2x for sharp projection).
    """
    if fmt not in FORMATS:
        raise ValueError(f"image format '{fmt}' is not one of {', '.join(FORMATS)}")
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ExportUnavailable(
            "static export needs the optional package kaleido>=1 (pip install 'kaleido>=1') and Chrome or Chromium"
        ) from None
    import plotly.io as pio

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{_slug(name)}.{fmt}" for name, _ in figures]
    figs = []
    for _, fig in figures:
        fig = literal_text(fig)
        fig.update_layout(width=width, height=height)
        figs.append(fig)
    try:
        pio.write_images(figs, paths, format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1)
    except Exception as exc:  # kaleido / choreographer raise several unrelated types
        if not any(out.iterdir()):
            out.rmdir()
        text = " ".join(str(exc).split())
        if type(exc).__name__ in ("ChromeNotFoundError", "BrowserFailedError", "BrowserDepsError") or "browser" in text.lower() or "chrome" in text.lower():
            first = text.split(". ")[0][:200]
            raise ExportUnavailable(
                f"static export needs Chrome or Chromium for kaleido ({first}); "
                "install Debian's chromium package, or set BROWSER_PATH to a Chrome/Chromium binary"
            ) from exc
        raise
    return paths
