"""HTML reports: Jinja2 templates (platform and area ``templates/``) and Plotly charts (plotly.js written once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from partcd import __version__
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
