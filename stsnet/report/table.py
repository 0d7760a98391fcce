"""A report table: text cells with bold marks, rendered as Markdown, CSV and HTML from one object."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    """`rows` are display strings; `records` are the same facts as flat numbers for the CSV."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    bold: set[tuple[int, int]] = field(default_factory=set)
    records: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.note:
            lines += [self.note, ""]
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("|" + "|".join(" --- " for _ in self.headers) + "|")
        for r, row in enumerate(self.rows):
            cells = [f"**{c}**" if (r, i) in self.bold else c for i, c in enumerate(row)]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines) + "\n"

    def csv(self) -> str:
        columns = list(dict.fromkeys(k for record in self.records for k in record))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records)
        return buffer.getvalue()

    def html(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        body = []
        for r, row in enumerate(self.rows):
            cells = []
            for i, text in enumerate(row):
                content = html.escape(text)
                if (r, i) in self.bold:
                    content = f"<b>{content}</b>"
                css = ' class="failed"' if text.startswith("FAILED") else ""
                cells.append(f"<td{css}>{content}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        note = f"<p class='note'>{html.escape(self.note)}</p>" if self.note else ""
        return (
            f"<h3 id='{html.escape(self.key)}'>{html.escape(self.title)}</h3>{note}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


def number(value: float | None, digits: int = 2) -> str:
    """A value as printed in the tables; None as '-' (the paper's mark for no value)."""
    return "-" if value is None else f"{value:.{digits}f}"


def mark_best(table: Table, columns: list[int], values: list[list[float | None]]) -> None:
    """Bold the highest value of each column in `columns` (`values[row][k]` for columns[k])."""
    for k, column in enumerate(columns):
        present = [(v[k], r) for r, v in enumerate(values) if v[k] is not None]
        if present:
            best = max(value for value, _ in present)
            table.bold |= {(r, column) for value, r in present if value == best}
