"""HTML reports: Jinja2 templates (platform and area ``templates/``), Plotly charts (plotly.js written once) and
PDF printing of an HTML page with headless Chromium (member notices, corrective action plans)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from partcd import __version__
from partcd.core.errors import ConfigError
from partcd.platform.jinja import environment

PLOTLY_JS = "plotly.min.js"


def render(template: str, path: Path, **context: Any) -> Path:
    """Render ``template`` to ``path`` (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    html = environment().get_template(template).render(version=__version__, **context)
    path.write_text(html, encoding="utf-8")
    return path


def ensure_plotly_js(root: Path) -> Path:
    """Write plotly.js once into the report folder so reports work offline."""
    target = root / PLOTLY_JS
    if not target.exists():
        from plotly.offline import get_plotlyjs

        target.write_text(get_plotlyjs(), encoding="utf-8")
    return target


def figure_html(fig: Any, plotly_js_src: str) -> str:
    """A figure as an HTML fragment that loads plotly.js from ``plotly_js_src`` (a relative path)."""
    html: str = fig.to_html(full_html=False, include_plotlyjs=plotly_js_src)
    return html


def print_pdf(html: str, out: Path, *, chromium: str | None = None, timeout_s: float = 90) -> Path:
    """Print the HTML to PDF with headless Chromium (Debian ``chromium``; no extra Python dependency)."""
    exe = chromium or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        raise ConfigError(f"PDF needs Chromium at {exe} (apt-get install chromium)")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page.html"
        src.write_text(html, encoding="utf-8")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", f"--user-data-dir={tmp}/p",
               f"--print-to-pdf={out.resolve()}", src.resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)  # noqa: S603 - fixed argv
    if not out.exists() or out.stat().st_size == 0 or out.read_bytes()[:5] != b"%PDF-":
        raise ConfigError(f"Chromium did not write the PDF (exit {done.returncode})")
    return out
