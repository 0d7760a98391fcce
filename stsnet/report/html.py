"""One static `report.html`: tables inline, figures embedded as base64 PNG, readable offline."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

from stsnet.report.table import Table

STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; white-space: nowrap; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
td.failed { background: #fdd; color: #900; text-align: left; white-space: normal; max-width: 30em; }
.note { color: #555; font-size: 12px; } img { max-width: 100%; border: 1px solid #ddd; }
.problem { color: #900; }
"""


def render_html(
    title: str,
    facts: Sequence[str],
    sections: Sequence[tuple[str, Sequence[Table], Sequence[Path], Sequence[str]]],
) -> str:
    """The page: a header with `facts`, then per dataset its tables, figures and figure problems."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"]
    parts.append(f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1><ul>")
    parts += [f"<li>{html.escape(fact)}</li>" for fact in facts]
    parts.append("</ul>")
    for heading, tables, figures, problems in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts += [table.html() for table in tables]
        parts += [_image(path) for path in figures]
        parts += [f"<p class='problem'>{html.escape(problem)}</p>" for problem in problems]
    parts.append("</body></html>")
    return "\n".join(parts)


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    image = f"<img alt='{html.escape(path.stem)}' src='data:image/png;base64,{data}'>"
    return f"<figure>{image}<figcaption>{html.escape(path.name)}</figcaption></figure>"
