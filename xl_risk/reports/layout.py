"""Place tables, sentences and charts on a sheet without overlaps.

A sheet is a list of :class:`Block`: a heading, a computed sentence, plain
paragraphs, one or more tables stacked down from column A, and charts stacked
beside them. Each block takes as many rows as its tables or its charts need,
whichever is more, so no chart covers a table or another chart. Column widths
are set last, from the widest value each column shows; then charts are
anchored, each sentence and paragraph is wrapped across the sheet's printed
width, and page breaks are put between blocks so that none is cut in two.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xl_risk.reports import charts, style
from xl_risk.xlsx import put

BLOCK_GAP_ROWS = 2
CHART_GAP_ROWS = 1


@dataclass
class Table:
    """A titled table; ``formats`` maps a column to a format or one per row,
    ``fills`` a column to one background colour per row (hex, None for none).
    An empty title takes no row."""

    title: str
    data: pd.DataFrame
    formats: dict[str, str | Sequence[str]] = field(default_factory=dict)
    fills: dict[str, Sequence[str | None]] = field(default_factory=dict)

    def format_of(self, column: str, row: int) -> str:
        fmt = self.formats.get(column)
        if fmt is None:
            return _default_format(self.data[column])
        return fmt if isinstance(fmt, str) else fmt[row]

    def fill_of(self, column: str, row: int) -> str | None:
        fills = self.fills.get(column)
        return None if fills is None else fills[row]


@dataclass
class Chart:
    """A native chart over columns of one of its block's tables.

    kind is ``column`` (vertical bars), ``bar`` (horizontal bars), ``line`` or
    ``scatter``. Bars and lines take categories from ``x`` and one series per
    name in ``y``; a scatter takes one series per ``(x, y)`` pair in ``xy``.
    ``height_cm`` None sizes horizontal bars to their number, else 7.5 cm.
    """

    kind: str
    title: str
    x: str = ""
    y: tuple[str, ...] = ()
    xy: tuple[tuple[str, str], ...] = ()
    table: int = 0
    rows: int = 0  # the first rows of the table only; 0 takes them all
    y_format: str = style.AXIS_PERCENT
    x_format: str = style.AXIS_PERCENT
    y_min: float | None = 0.0
    y_max: float | None = None
    x_title: str = ""
    y_title: str = ""
    width_cm: float = charts.WIDTH_CM
    height_cm: float | None = None


@dataclass
class Block:
    """A heading, a sentence, tables down column A and charts beside them;
    ``charts_below`` puts the charts side by side under the tables instead.
    ``paragraphs`` are plain text, one wrapped row each, under the sentence."""

    heading: str
    sentence: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    charts_below: bool = False
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Placed:
    """Where a table landed: its header row, data rows and column numbers."""

    header_row: int
    first_row: int
    last_row: int
    columns: dict[str, int]


@dataclass
class _Span:
    """Rows and columns a written block covers; charts wait here for their
    anchors until the column widths are known."""

    top: int
    bottom: int
    texts: list[tuple[int, str, float]]  # (row, text, pixels per character)
    table_columns: int
    below: bool
    charts: list = field(default_factory=list)  # (openpyxl chart, anchor row)


def _default_format(values: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(values):
        return style.COUNT
    if pd.api.types.is_float_dtype(values):
        return style.SCORE
    if pd.api.types.is_datetime64_any_dtype(values):
        return style.DATE
    return style.TEXT


def _cell_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


class SheetWriter:
    """Writes blocks down a sheet, then sizes columns and sets up printing."""

    def __init__(self, ws: Worksheet, title: str, subtitle: str):
        self.ws = ws
        self.row = style.TITLE_ROWS + 2
        self.widths: dict[int, float] = defaultdict(lambda: style.MIN_WIDTH)
        self.header_rows: list[tuple[int, list[tuple[int, str]]]] = []
        self.text_lines: dict[int, int] = {}  # row -> lines of its wrapped cells
        self.spans: list[_Span] = []
        self._put(1, 1, title).font = style.TITLE_FONT
        self._put(2, 1, subtitle).font = style.MUTED_FONT
        ws.row_dimensions[1].height = style.TITLE_POINTS

    def blocks(self, blocks: Sequence[Block]) -> None:
        for block in blocks:
            self.block(block)

    def block(self, block: Block) -> None:
        top = self.row
        self._text(block.heading, style.HEADING_FONT)
        texts = []
        if block.sentence:
            sentence = block.sentence[:1].upper() + block.sentence[1:]
            texts.append((self.row, sentence, style.SENTENCE_PX_PER_CHAR))
            self._text(sentence, style.SENTENCE_FONT)
        for paragraph in block.paragraphs:
            texts.append((self.row, paragraph, style.TEXT_PX_PER_CHAR))
            self._text(paragraph, style.TEXT_FONT)
        self.row += 1

        body = self.row
        placed = [self._table(table) for table in block.tables]
        tables_end = self.row - 1

        width = max((len(t.data.columns) for t in block.tables), default=1)
        span = _Span(top, 0, texts, width, block.charts_below)
        start = self.row if block.charts_below else body
        charts_end = self._charts(block, placed, start, span)
        span.bottom = max(tables_end, charts_end)
        self.spans.append(span)
        self.row = span.bottom + 1 + BLOCK_GAP_ROWS

    def _put(self, row: int, column: int, value: object):
        """Write one cell; text from the data stays text, never a formula, and
        loses the characters a workbook cannot hold."""
        return put(self.ws, row, column, value)

    def _text(self, text: str, font) -> None:
        self._put(self.row, 1, text).font = font
        self.row += 1

    def _table(self, table: Table) -> Placed:
        ws = self.ws
        if table.title:
            self._put(self.row, 1, table.title).font = style.TABLE_TITLE_FONT
            self.row += 1
        header_row = self.row
        columns = {name: j for j, name in enumerate(table.data.columns, start=1)}
        headers = []
        for name, j in columns.items():
            style.style_header(self._put(header_row, j, str(name)))
            headers.append((j, str(name)))
            self.widths[j] = max(self.widths[j], style.header_width(str(name)))
        self.header_rows.append((header_row, headers))

        for i, values in enumerate(table.data.itertuples(index=False)):
            row = header_row + 1 + i
            for (name, j), value in zip(columns.items(), values, strict=True):
                fmt = table.format_of(name, i)
                value = _cell_value(value)
                cell = self._put(row, j, value)
                style.style_value(cell, fmt, table.fill_of(name, i))
                text = style.display_text(value, fmt)
                self.widths[j] = max(self.widths[j], style.value_width(text))
                if style.text_lines(text) > 1:  # wider than a column may be
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    lines = max(self.text_lines.get(row, 1), style.text_lines(text))
                    self.text_lines[row] = lines
            if row in self.text_lines:  # a tall row reads from its top
                for j in columns.values():
                    if not ws.cell(row, j).alignment.wrap_text:
                        ws.cell(row, j).alignment = Alignment(vertical="top")

        last_row = header_row + len(table.data)
        self.row = last_row + 2
        return Placed(header_row, header_row + 1, last_row, columns)

    def _charts(self, block: Block, placed: list[Placed], row: int, span) -> int:
        """Build the block's charts from ``row``; the last row they cover."""
        end = row - 1
        for spec in block.charts:
            table = placed[spec.table]
            if not span.below:  # level with its table's title when there is room
                row = max(row, table.header_row - 1)
            chart = charts.build(self.ws, spec, table)
            span.charts.append((chart, row))
            end = max(end, row + math.ceil(chart.height / style.ROW_CM))
            if not span.below:
                row = end + 1 + CHART_GAP_ROWS
        return end

    # ------------------------------------------------------------ finishing
    def finish(self) -> None:
        """Size columns, place charts, wrap headers and sentences, break pages
        and set up printing."""
        for row, headers in self.header_rows:
            lines = max(style.header_lines(h, self.widths[j]) for j, h in headers)
            self.ws.row_dimensions[row].height = style.ROW_POINTS * lines + 3
        for row, lines in self.text_lines.items():
            self.ws.row_dimensions[row].height = style.ROW_POINTS * lines + 3
        for row in range(1, self.ws.max_row + 1):  # LibreOffice's default is lower
            if self.ws.row_dimensions[row].height is None:
                self.ws.row_dimensions[row].height = style.ROW_POINTS

        for span in self.spans:
            self._fit_charts(span)
        page_px = max((self._anchor(span) for span in self.spans), default=0.0)
        for j in range(1, self._column_at(page_px) + 1):  # Excel and Calc differ
            # on the width of a column left unset
            self.ws.column_dimensions[get_column_letter(j)].width = self._width(j)
        for span in self.spans:
            self._wrap_texts(span, page_px)
        style.set_up_page(self.ws)
        self._break_pages(page_px)

    def _width(self, column: int) -> float:
        return self.widths.get(column, style.DEFAULT_WIDTH)

    def _left_px(self, column: int) -> float:
        """Pixels from the sheet's left edge to the left edge of ``column``."""
        return sum(style.width_px(self._width(j)) for j in range(1, column))

    def _column_at(self, px: float) -> int:
        """The first column whose left edge is at or right of ``px``."""
        column = 1
        while self._left_px(column) < px:
            column += 1
        return column

    def _fit_charts(self, span: _Span) -> None:
        """Size charts so that a block prints at TARGET_SCALE or larger."""
        if span.below:
            width = max(self._left_px(span.table_columns + 1), style.TARGET_WIDTH_PX)
            room = width / max(len(span.charts), 1) - style.CHART_GAP_PX
        else:
            room = style.TARGET_WIDTH_PX - self._left_px(span.table_columns + 2)
        room_cm = max(room / style.PX_PER_CM, charts.MIN_WIDTH_CM)
        for chart, _ in span.charts:
            chart.width = min(chart.width, room_cm)

    def _anchor(self, span: _Span) -> float:
        """Anchor the block's charts; returns the block's right edge in pixels."""
        right = self._left_px(span.table_columns + 1)
        x = 0.0
        for chart, row in span.charts:
            column = self._column_at(x) if span.below else span.table_columns + 2
            self.ws.add_chart(chart, f"{get_column_letter(column)}{row}")
            edge = self._left_px(column) + chart.width * style.PX_PER_CM
            right, x = max(right, edge), edge + style.CHART_GAP_PX
        return right

    def _wrap_texts(self, span: _Span, target: float) -> None:
        """Merge the sentence and each paragraph across the sheet's content and
        give them the rows they need; ``target`` is that content's width in
        pixels."""
        last = max(self._column_at(target + 1) - 1, 1)  # no wider than the content
        total = self._left_px(last + 1)
        for row, text, px_per_char in span.texts:
            self.ws.merge_cells(
                start_row=row, start_column=1, end_row=row, end_column=last
            )
            self.ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
            lines = math.ceil(len(text) * px_per_char / total)
            self.ws.row_dimensions[row].height = style.ROW_POINTS * max(lines, 1) + 3

    def _row_px(self, row: int) -> float:
        points = self.ws.row_dimensions[row].height or style.ROW_POINTS
        return points * style.PX_PER_POINT

    def _break_pages(self, content_px: float) -> None:
        """A page break before each block that would otherwise be cut in two
        (a block taller than a page starts on a page of its own).

        Pages are fitted to the width, so a page holds ``PAGE_HEIGHT_PX`` over
        the scale of rows, less the title rows printed on every page.
        """
        if not self.spans:
            return
        scale = min(1.0, style.PAGE_WIDTH_PX / content_px) if content_px else 1.0
        titles = self._rows_px(1, style.TITLE_ROWS + 1)
        capacity = style.PAGE_HEIGHT_PX * style.PAGE_SLACK / scale - titles
        gap = BLOCK_GAP_ROWS * style.ROW_POINTS * style.PX_PER_POINT
        used = self._rows_px(style.TITLE_ROWS + 1, self.spans[0].top)
        for i, span in enumerate(self.spans):
            height = self._rows_px(span.top, span.bottom + 1)
            if i and used + height > capacity:
                self.ws.row_breaks.append(Break(id=span.top - 1))
                used = 0.0
            used += height + gap

    def _rows_px(self, first: int, stop: int) -> float:
        return sum(self._row_px(r) for r in range(first, stop))


def subtitle(manifest: dict) -> str:
    """The line under every sheet title: bundle, data and when it was drawn.

    A data file is named without its folder, which says nothing to a reader.
    """
    drawn = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = manifest.get("data", {}).get("source", "unknown data")
    source = re.split(r"[\\/]", source)[-1]
    return f"Bundle {manifest['version']} trained on {source}; report drawn {drawn}"
