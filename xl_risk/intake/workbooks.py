"""Read the first sheet of an xlsx workbook as the intake's frame.

Only the first sheet is read; an error cell (#N/A, #VALUE!) keeps its text,
which the schema refuses as it refuses the same text in a CSV, and a formula
cell with no computed value (never saved by Excel) is refused, naming the
cell. When no header of the first sheet names a field and other sheets
follow (a cover sheet before the loans), the message lists them.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from xl_risk.intake import BLOCK_SIZE, _row_one
from xl_risk.parsing import DataError, is_blank
from xl_risk.schema import resolve

ERROR_CELL = "e"  # openpyxl's data type of a cell holding #N/A, #VALUE!, ...
FORMULA_CELL = "f"  # openpyxl's data type of a formula, when formulas are read
SHEETS_FOLDER = "xl/worksheets/"
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")  # <f>700+75</f>, <x:f t="shared"/>
TAG_OVERLAP = 8  # bytes a block keeps of the one before: a tag may straddle them


def _read_excel(path: Path) -> pd.DataFrame:
    """The first sheet of a workbook.

    Raises DataError when no header in its row 1 names a field and the
    workbook has other sheets (a cover sheet before the loans): the message
    names the sheet read and lists the others.
    """
    with open(path, "rb") as handle, pd.ExcelFile(handle, engine="openpyxl") as book:
        frame = pd.read_excel(book, keep_default_na=False, na_values=[""])
        sheets = book.sheet_names
    _restore_error_cells(path, frame)
    _refuse_uncomputed_formulas(path, frame)
    if len(sheets) > 1 and not any(resolve(h) for h in frame.columns):
        others = ", ".join(repr(s) for s in sheets[1:])
        are = "sheet is" if len(sheets) == 2 else "sheets are"
        raise DataError(
            f"{path.name}: only the first sheet, {sheets[0]!r}, is read, and no "
            f"header in its row 1 names a field ({_row_one(frame.columns)}); the "
            f"workbook's other {are} {others}: move the sheet with the loans first"
        )
    return frame


def _cells_of_type(
    path: Path, data_type: str, data_only: bool
) -> list[tuple[str, int, int, object]]:
    """``(cell, row, column, value)`` of each cell of one openpyxl data type
    on the first sheet, below its header; row and column count from 0, as
    pandas counts the rows and columns it read. Formulas are read as values
    when ``data_only``, else as formulas. The file is opened by handle, so a
    workbook named .csv is read too."""
    with open(path, "rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=data_only)
        try:
            return [
                (cell.coordinate, cell.row - 2, cell.column - 1, cell.value)
                for row in book.worksheets[0].iter_rows(min_row=2)
                for cell in row
                if cell.data_type == data_type and cell.value is not None
            ]
        finally:
            book.close()


def _restore_error_cells(path: Path, frame: pd.DataFrame) -> None:
    """Put the text of the first sheet's error cells (#N/A, #VALUE!) back.

    pandas reads an error cell as blank; its text goes back in its place, so
    that the schema refuses it as it refuses the same error in a cell or a
    CSV, instead of scoring it as a missing value. As pandas reads each
    error cell as blank, a sheet read without a blank has none to look for.
    """
    if not frame.isna().any().any():
        return
    errors = [
        (row, at, str(value))
        for _, row, at, value in _cells_of_type(path, ERROR_CELL, data_only=True)
        if row < len(frame) and at < frame.shape[1]
    ]
    for column in {frame.columns[at] for _, at, _ in errors}:
        frame[column] = frame[column].astype(object)
    for row, at, text in errors:
        frame.iat[row, at] = text


def _has_formulas(path: Path) -> bool:
    """True when a sheet of the workbook holds a formula: a cheap scan of its
    XML for a formula element, which spares most files a second reading."""
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if not (name.startswith(SHEETS_FOLDER) and name.endswith(".xml")):
                continue
            with book.open(name) as handle:
                tail = b""
                for block in iter(lambda: handle.read(BLOCK_SIZE), b""):
                    if FORMULA_TAG.search(tail + block):
                        return True
                    tail = block[-TAG_OVERLAP:]
    return False


def _refuse_uncomputed_formulas(path: Path, frame: pd.DataFrame) -> None:
    """Refuse a formula cell of the first sheet that holds no computed value.

    Excel saves each formula's value beside it; a workbook written by a
    script and never opened in Excel holds the formula alone, which pandas
    reads as blank: ``=700+75`` under FICO would be scored without a FICO.

    Raises
    ------
    DataError
        Naming the first such cell, its column and its formula, and how many
        more there are.
    """
    if not frame.isna().any().any() or not _has_formulas(path):
        return
    formulas = _cells_of_type(path, FORMULA_CELL, data_only=False)
    uncomputed = [
        (where, frame.columns[at], getattr(formula, "text", formula))
        for where, row, at, formula in formulas
        if row < len(frame) and at < frame.shape[1] and is_blank(frame.iat[row, at])
    ]
    if uncomputed:
        where, header, formula = uncomputed[0]
        more = len(uncomputed) - 1
        others = f", and {more} more cell(s) like it" if more else ""
        raise DataError(
            f"{path.name}: cell {where} ({header}) holds a formula with no computed "
            f"value ({formula}){others}; open and save the file in Excel, or write "
            "the value"
        )
