"""Cells written from data into .xlsx files: text stays text.

openpyxl stores a string that starts with ``=`` as a formula and one that
spells an Excel error (``#N/A``) as an error value. Text taken from a user's
file (an id, a job title, a header) must never become a live formula in a
workbook an analyst opens, so every cell this project writes from data goes
through :func:`keep_text`, and every table through :func:`write_frame`.

openpyxl also refuses to store text holding control characters (``\\x00``
to ``\\x1f`` but tab, line feed and carriage return), which the XML of a
workbook cannot carry; :func:`clean_text` replaces each with
:data:`REPLACEMENT`, so a stray ``\\x01`` in a job title never stops a
workbook from being written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

TEXT = "s"  # openpyxl's data type of a text cell
REPLACEMENT = "\ufffd"  # stands for a character a workbook cannot hold
FORMULA_STARTS = ("=", "+", "-", "@")  # what Excel opens as a formula


def clean_text(value: object) -> object:
    """Text with each character openpyxl refuses replaced by ``REPLACEMENT``.

    Anything that is not text is returned as it is.
    """
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells Excel would open as a formula start with a quote.

    Text starting with ``=``, ``+``, ``-`` or ``@`` (an id such as
    ``=HYPERLINK(...)``) becomes a formula when a CSV is opened in Excel; a
    leading ``'`` keeps it text there. Text that reads as a number (``-5``)
    is left as it is.
    """

    def safe(value: object) -> object:
        if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
            return value
        try:
            float(value)
        except ValueError:
            return "'" + value
        return value

    text = frame.select_dtypes(include=["object", "string"]).columns
    return frame.assign(**{str(c): frame[c].map(safe) for c in text})


def put(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write one cell from data: illegal characters replaced, text kept as text."""
    cell = sheet.cell(row, column)
    cell.value = clean_text(value)
    return keep_text(cell)


def keep_text(cell: Cell) -> Cell:
    """Store a cell's text value as text, whatever character it starts with.

    The cell is also marked with a quote prefix, so Excel keeps it as text
    when an analyst edits it. Numbers, dates and blanks are left as they are.
    """
    if isinstance(cell.value, str) and cell.data_type != TEXT:
        cell.data_type = TEXT
        cell.quotePrefix = True
    return cell


def write_frame(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a DataFrame to a one-sheet .xlsx, headers and text cells as text.

    Parameters
    ----------
    frame : DataFrame, shape (n_rows, n_columns)
        Written without its index, headers in the first row.
    path : path
        The ``.xlsx`` file to write; write it to a temporary name and rename
        it into place (as ``xl-risk`` does) to never leave half a file.
    """
    workbook = Workbook()
    sheet = workbook.active
    for column, name in enumerate(frame.columns, start=1):
        put(sheet, 1, column, str(name))

    for column, name in enumerate(frame.columns, start=1):
        values = frame[name].astype(object)
        for row, value in enumerate(values.where(values.notna(), None), start=2):
            put(sheet, row, column, value)
    workbook.save(path)
