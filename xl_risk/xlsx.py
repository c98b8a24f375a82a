"""Cells written from data into .xlsx files: text stays text.

openpyxl stores a string that starts with ``=`` as a formula and one that
spells an Excel error (``#N/A``) as an error value. Text taken from a user's
file (an id, a job title, a header) must never become a live formula in a
workbook an analyst opens, so every cell this project writes from data goes
through :func:`keep_text`, and every table through :func:`write_frame`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import Cell

TEXT = "s"  # openpyxl's data type of a text cell


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
        The ``.xlsx`` file to write.
    """
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False)
        for sheet in writer.sheets.values():
            for row in sheet.iter_rows():
                for cell in row:
                    keep_text(cell)
