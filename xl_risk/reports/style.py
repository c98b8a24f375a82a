"""How every report sheet looks: number formats, fonts, widths, print set-up.

Every sheet writer takes its formats and styles from here, so a percentage or
an amount of money reads the same on every sheet. Amounts are Lending Club US
dollars (the schema's ``currency``); change :data:`CURRENCY` to relabel them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

PERCENT = "0.0%"
AXIS_PERCENT = "0%"
AXIS_RATIO = "0.0"
PERCENT_FINE = "0.00%"
CURRENCY = '"$"#,##0'
COUNT = "#,##0"
SCORE = "0.000"
SCORE_FINE = "0.0000"
RATIO = "0.00"
DATE = "yyyy-mm-dd"
TEXT = "General"

_SHOW: dict[str, Callable[[float], str]] = {
    PERCENT: lambda v: f"{v:.1%}",
    PERCENT_FINE: lambda v: f"{v:.2%}",
    CURRENCY: lambda v: f"${v:,.0f}",
    COUNT: lambda v: f"{v:,.0f}",
    SCORE: lambda v: f"{v:.3f}",
    SCORE_FINE: lambda v: f"{v:.4f}",
    RATIO: lambda v: f"{v:,.2f}",
}

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
FONT = "Calibri"  # Excel's default; LibreOffice draws it with Carlito
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
TITLE_FONT = Font(name=FONT, bold=True, size=16, color="1F4E78")
HEADING_FONT = Font(name=FONT, bold=True, size=13, color="1F4E78")
TABLE_TITLE_FONT = Font(name=FONT, bold=True, size=11)
SENTENCE_FONT = Font(name=FONT, italic=True, size=11)
TEXT_FONT = Font(name=FONT, size=11)
MUTED_FONT = Font(name=FONT, size=10, color="595959")
# Traffic lights, Excel's own "good", "neutral" and "bad" cell colours
GOOD, NEUTRAL, BAD = "C6EFCE", "FFEB9C", "FFC7CE"
THIN = Side(style="thin", color="BFBFBF")
CELL_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

ROW_POINTS = 15.0  # Excel's default row height
TITLE_POINTS = 24.0
ROW_CM = ROW_POINTS * 2.54 / 72
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
PX_PER_POINT = 96 / 72
PX_PER_CM = 96 / 2.54
PX_PER_CHARACTER = 7  # Calibri 11: one character unit of column width
COLUMN_PADDING_PX = 5
CHART_GAP_PX = 24  # between charts drawn side by side
SENTENCE_PX_PER_CHAR = 6.6  # italic 11 pt text, average over a sentence
TEXT_PX_PER_CHAR = 6.8  # upright 11 pt text
SIDE_MARGIN_IN, TOP_MARGIN_IN = 0.4, 0.5
A4_LANDSCAPE_CM = (29.7, 21.0)
PAGE_WIDTH_PX = (A4_LANDSCAPE_CM[0] - 2 * SIDE_MARGIN_IN * 2.54) * PX_PER_CM
PAGE_HEIGHT_PX = (A4_LANDSCAPE_CM[1] - 2 * TOP_MARGIN_IN * 2.54) * PX_PER_CM
PAGE_SLACK = 0.97  # room for the estimate's error
TARGET_SCALE = 0.75  # narrow charts until a sheet prints at least this large
TARGET_WIDTH_PX = PAGE_WIDTH_PX / TARGET_SCALE
WIDTH_PADDING = 2  # characters either side of the widest value
MIN_WIDTH = 8
MAX_WIDTH = 60
HEADER_CHARS_PER_UNIT = 1.15  # bold letters are narrower than the digit unit
LONG_HEADER = 20  # characters; longer headers wrap onto three lines
TITLE_ROWS = 2  # sheet title and subtitle, frozen and printed on every page


def display_text(value: object, number_format: str) -> str:
    """The text a cell shows for a value under one of this module's formats."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).upper()
    show = _SHOW.get(number_format)
    if show is not None and isinstance(value, int | float):
        return show(value)
    if number_format == DATE and hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return f"{value}"


def value_width(text: str) -> float:
    """Column width (in Excel's character units) that shows ``text`` whole."""
    return min(max(len(text) + WIDTH_PADDING, MIN_WIDTH), MAX_WIDTH)


def text_lines(text: str) -> int:
    """Lines a cell's text wraps onto in a column of ``MAX_WIDTH``."""
    return max(math.ceil(len(text) / (MAX_WIDTH - WIDTH_PADDING)), 1)


def width_px(width: float) -> float:
    """Pixels a column of ``width`` characters takes on screen and on paper."""
    return width * PX_PER_CHARACTER + COLUMN_PADDING_PX


def header_lines(header: str, width: float) -> int:
    """Lines a wrapped header takes in a column of ``width`` characters.

    Words break at spaces and after hyphens, as Excel and LibreOffice do.
    """
    room = max(int(width * HEADER_CHARS_PER_UNIT) - 1, 1)
    lines, used, glued = 1, 0, True
    for piece in re.findall(r"[^\s-]+-?", header):
        need = used + len(piece) + (0 if glued else 1)
        if need > room and used:
            lines, need = lines + 1, len(piece)
        used, glued = need, piece.endswith("-")
    return lines


def header_width(header: str) -> float:
    """A width at which a header wraps onto two lines, three when it is long."""
    longest = max((len(word) for word in header.split()), default=0)
    lines = 3 if len(header) > LONG_HEADER else 2
    return max(longest, math.ceil(len(header) / lines)) + WIDTH_PADDING


def style_header(cell) -> None:
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGN
    cell.border = CELL_BORDER


def style_value(cell, number_format: str, fill: str | None = None) -> None:
    cell.number_format = number_format
    cell.border = CELL_BORDER
    if fill is not None:
        cell.fill = PatternFill("solid", fgColor=fill)


def set_up_page(ws: Worksheet) -> None:
    """Landscape, fitted to the page width, as many pages down as it needs."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{TITLE_ROWS}"
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = TOP_MARGIN_IN
    ws.sheet_view.showGridLines = False
    ws.freeze_panes = f"A{TITLE_ROWS + 1}"
