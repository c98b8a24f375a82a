"""Model card: the bundle's MODEL_CARD.md laid out in cells.

The text comes from :func:`xl_risk.model_card.render`, the same Markdown a
retrain writes beside the bundle. Each ``##`` section becomes a block with a
bold heading; paragraphs and bullets become wrapped rows of text; a Markdown
table becomes a table, with counts, percentages and decimals written as
numbers. A bold line names the table under it. A table wider than
:data:`WIDE` columns and longer in columns than in rows is turned, one row per
column, so that the sheet prints at a readable size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from xl_risk import model_card
from xl_risk.reports import style
from xl_risk.reports.figures import Context
from xl_risk.reports.layout import Block, Table

TITLE = "Model card"
BULLET = "\N{BULLET} "
COUNT = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")
PERCENT = re.compile(r"^-?\d+\.(\d+)%$")
DECIMAL = re.compile(r"^-?\d+\.(\d+)$")
BOLD_LINE = re.compile(r"^\*\*(.+)\*\*$")
MARKS = re.compile(r"\*\*|`")
WIDE = 6


@dataclass
class _Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def blocks(ctx: Context) -> list[Block]:
    return card_blocks(model_card.render(ctx.manifest))


def card_blocks(text: str) -> list[Block]:
    """Blocks from a model card's Markdown, one per section, in order."""
    sections = _sections(text)
    return [Block(s.heading, "", s.tables, paragraphs=s.paragraphs) for s in sections]


def _sections(text: str) -> list[_Section]:
    sections = [_Section("")]
    title = ""  # a bold line names the table under it
    for chunk in _chunks(text):
        if chunk[0].startswith("#"):
            sections.append(_Section(_plain(chunk[0].lstrip("#"))))
            continue
        bold = BOLD_LINE.match(chunk[0])
        if bold:
            title, chunk = bold.group(1), chunk[1:]
        if not chunk:
            continue
        section = sections[-1]
        if chunk[0].startswith("|"):
            section.tables.append(_table(title, chunk))
            title = ""
            continue
        if section.tables:  # text after a table starts a block of its own
            sections.append(section := _Section(f"{section.heading} (continued)"))
        section.paragraphs += _paragraphs(chunk)
    return [s for s in sections if s.heading or s.paragraphs or s.tables]


def _chunks(text: str) -> list[list[str]]:
    """Runs of non-blank lines; a heading is a run of its own."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("#") or not line.strip():
            if current:
                chunks.append(current)
            current = []
            if line.startswith("#"):
                chunks.append([line])
        else:
            current.append(line)
    return chunks


def _plain(text: str) -> str:
    """Markdown marks (bold, code) taken out."""
    return MARKS.sub("", text).strip()


def _paragraphs(lines: list[str]) -> list[str]:
    """One paragraph per bullet, or the whole chunk joined into one."""
    if not lines[0].startswith("- "):
        return [_plain(" ".join(line.strip() for line in lines))]
    items: list[str] = []
    for line in lines:
        if line.startswith("- "):
            items.append(line[2:].strip())
        else:  # a bullet's continuation line
            items[-1] += " " + line.strip()
    return [BULLET + _plain(item) for item in items]


def _cells(line: str) -> list[str]:
    return [_plain(cell) for cell in line.strip().strip("|").split("|")]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _table(title: str, lines: list[str]) -> Table:
    header = [_capital(h) for h in _cells(lines[0])]
    rows = [_cells(line) for line in lines[2:]]  # lines[1] is |---|---|
    rows = [(row + [""] * len(header))[: len(header)] for row in rows]
    if len(header) > WIDE and len(rows) < len(header):
        turned = [[header[0], *(_capital(row[0]) for row in rows)]]
        turned += [[name, *(row[j] for row in rows)]
                   for j, name in enumerate(header[1:], start=1)]  # fmt: skip
        header, rows = turned[0], turned[1:]

    values, formats = {}, {}
    for j, name in enumerate(header):
        parsed = [_number(row[j]) for row in rows]
        values[name] = pd.Series([v for v, _ in parsed], dtype=object)
        formats[name] = [f for _, f in parsed]
    return Table(title, pd.DataFrame(values), formats)


def _number(text: str) -> tuple[object, str]:
    """A cell's value and format: counts, percentages and decimals as numbers."""
    if COUNT.match(text):
        return int(text.replace(",", "")), style.COUNT
    percent = PERCENT.match(text)
    if percent:
        digits = len(percent.group(1))
        return float(text[:-1]) / 100, "0." + "0" * digits + "%"
    decimal = DECIMAL.match(text)
    if decimal:
        return float(text), "0." + "0" * len(decimal.group(1))
    return text, style.TEXT
