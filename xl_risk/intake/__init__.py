"""Read loan history from CSV (plain or gzip), parquet or xlsx into the schema.

A file is named .csv, .csv.gz, .parquet or .xlsx (or .pq, .xlsm); any other
suffix, .txt included, is refused. gzip is recognised by the file's first
bytes, so a gzip-compressed CSV named .csv is read too, logged at INFO, and
so is a workbook (a zip archive holding xl/workbook.xml) named .csv.

How CSV text is read (encodings, separators, ragged rows, unclosed quotes)
is told in :mod:`xl_risk.intake.csv_files`, how a workbook is read (error
cells, formulas without a value, cover sheets) in
:mod:`xl_risk.intake.workbooks`. From a workbook or parquet, a whole float
id (400328.0) is read as an integer.

A row with no value at all is left out (logged at INFO); :func:`file_lines`
gives each row's line in its file. An empty file (or a CSV of white space
only), a truncated or a corrupt one fails with one line naming the file and
what is wrong with it.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from xl_risk.parsing import DataError, Table, read_table
from xl_risk.schema import (
    BY_NAME,
    INPUT_FIELDS,
    OUTCOME_NAMES,
    Field,
    Kind,
    resolve,
)

EXAMPLES_SHOWN = 3
FIRST_ROW_LINE = 2  # the line of a file's first row, the header being line 1
LINES = "lines"  # frame.attrs key: each row's line in its file, when not plain
LINE_TYPE = np.int64
CSV_SUFFIXES = (".csv", ".csv.gz")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
ACCEPTED = "a .csv, .csv.gz, .parquet or .xlsx file"
GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of every gzip file
ZIP_MAGIC = b"PK\x03\x04"  # the first bytes of a zip archive, as xlsx is
WORKBOOK_PART = "xl/workbook.xml"
BLOCK_SIZE = 1 << 20
UNPACK_ERRORS = (EOFError, gzip.BadGzipFile, zipfile.BadZipFile, zlib.error)
RENAMED_REPEAT = re.compile(r"^(?P<header>.+)\.\d+$")  # pandas: grade, grade.1
ID_KINDS = frozenset({Kind.ID})

log = logging.getLogger(__name__)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _starts_with(path: Path, magic: bytes) -> bool:
    """True when the file's first bytes are ``magic``, whatever its name."""
    with open(path, "rb") as handle:
        return handle.read(len(magic)) == magic


def _is_gzip(path: Path) -> bool:
    """True when the file's content is gzip-compressed, whatever its name."""
    return _starts_with(path, GZIP_MAGIC)


def _is_workbook(path: Path) -> bool:
    """True when a zip archive holds a workbook (xl/workbook.xml)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return WORKBOOK_PART in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _headers_of(names: list[str], kinds: frozenset[Kind]) -> list[str]:
    """The headers among ``names`` naming a field of one of ``kinds``."""
    return [name for name in names if (f := resolve(name)) and f.kind in kinds]


def _ids_as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """Give an id a workbook or parquet file holds as a whole float its digits.

    Excel stores every number as a float, so an id column with a blank cell
    arrives as ``400328.0``; it goes on, and out, as ``400328``. Text ids and
    blanks are left as they are.
    """
    for name in _headers_of([str(h) for h in frame.columns], ID_KINDS):
        column = frame[name]
        if column.dtype.kind in "fO":
            whole = [_whole_as_int(value) for value in column.to_numpy(dtype=object)]
            frame[name] = pd.Series(whole, index=frame.index, dtype=object)
    return frame


def _whole_as_int(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _set_lines(frame: pd.DataFrame, lines: np.ndarray) -> None:
    """Keep each row's line in ``frame.attrs``, as bytes: pandas copies and
    compares attrs on many operations, which bytes make cheap and safe."""
    frame.attrs[LINES] = np.asarray(lines, dtype=LINE_TYPE).tobytes()


def file_lines(frame: pd.DataFrame) -> np.ndarray:
    """The line of the file each row of a frame :func:`read_raw` read starts
    on, as an editor counts lines (a CSV's blank lines included) or a
    spreadsheet numbers rows, the header being line 1.

    Returns
    -------
    ndarray of int, shape (n_rows,)
    """
    kept = frame.attrs.get(LINES)
    lines = None if kept is None else np.frombuffer(kept, dtype=LINE_TYPE)
    if lines is None or len(lines) != len(frame):  # none kept, or rows sliced
        return np.arange(len(frame)) + FIRST_ROW_LINE
    return lines


def _row_one(headers, row: str = "row 1") -> str:
    """What row 1 (or ``row``) holds, for a message: its first few headers."""
    shown = ", ".join(repr(str(h)) for h in list(headers)[:EXAMPLES_SHOWN])
    more = ", ..." if len(headers) > EXAMPLES_SHOWN else ""
    return f"{row} holds {shown}{more}" if shown else f"{row} is empty"


def _damage(suffix: str, err: Exception) -> str:
    """What is wrong with a compressed file that cannot be unpacked, in words."""
    if not suffix.endswith(".gz"):  # xlsx is a zip archive; parquet compresses
        return f"the {suffix} file is truncated or corrupt: it cannot be unpacked"
    if isinstance(err, EOFError):
        return "the gzip file ends early: it is truncated or corrupt"
    return f"the gzip file is corrupt or not gzip-compressed ({err})"


def read_raw(path: str | Path) -> pd.DataFrame:
    """Read a file as it is, every column as published.

    Text such as ``"n/a"`` is kept as text (the schema decides what is
    missing); only empty cells are missing.

    Raises
    ------
    DataError
        A file that is absent, of another format, empty (or, a CSV, white
        space only), truncated or corrupt, in neither UTF-8 nor Windows-1252,
        with a CSV row longer than its header, or without rows; one line
        naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")

    suffix = _suffix(path)
    if not suffix:
        raise DataError(f"{path.name}: has no suffix; expected {ACCEPTED}")
    if suffix not in CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES:
        raise DataError(f"{path.name}: expected {ACCEPTED}, got '{suffix}'")
    if path.stat().st_size == 0:
        raise DataError(f"{path.name}: the file is empty")
    packed = suffix.endswith(".gz") or _is_gzip(path)
    if packed and suffix not in CSV_SUFFIXES:
        raise DataError(
            f"{path.name}: the file is gzip-compressed: unpack it, or if it holds "
            "CSV text name it .csv.gz"
        )
    if packed and not suffix.endswith(".gz"):
        log.info("%s is gzip-compressed: read as .csv.gz", path.name)
    if suffix in CSV_SUFFIXES and not packed and _starts_with(path, ZIP_MAGIC):
        if not _is_workbook(path):
            raise DataError(
                f"{path.name}: the file is a zip archive, not CSV text: unpack it"
            )
        log.info("%s is an xlsx workbook named .csv: read as .xlsx", path.name)
        suffix = EXCEL_SUFFIXES[0]

    # Imported here, not above: the readers use this module's helpers.
    from xl_risk.intake.csv_files import _read_csv
    from xl_risk.intake.workbooks import _read_excel

    try:
        if suffix in CSV_SUFFIXES:
            frame = _read_csv(path, packed)
        elif suffix in EXCEL_SUFFIXES:
            frame = _ids_as_written(_read_excel(path))
        else:
            frame = _ids_as_written(pd.read_parquet(path))
    except DataError:
        raise
    except UNPACK_ERRORS as err:
        kind = CSV_SUFFIXES[-1] if packed else suffix
        raise DataError(f"{path.name}: {_damage(kind, err)}") from None
    except UnicodeDecodeError:
        raise DataError(
            f"{path.name}: the text is neither UTF-8 nor Windows-1252 (cp1252); "
            "save it as CSV UTF-8"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as err:
        raise DataError(f"{path.name}: cannot be read as {suffix}: {err}") from None
    except (ValueError, KeyError) as err:
        raise DataError(f"{path.name}: cannot be read as {suffix}: {err}") from None

    frame = _blank_rows_dropped(path, frame)
    if frame.empty:
        raise DataError(f"{path.name}: no rows")
    return _repeated_headers_restored(frame)


def _blank_rows_dropped(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that hold a value; each row keeps its line in the file.

    A blank row of a workbook (or a CSV line of separators only) would be
    refused on every required field; it holds no application, so it is left
    out, logged at INFO; :func:`file_lines` still gives each row's line.
    """
    blank = frame.isna().all(axis=1).to_numpy()
    if not blank.any():
        return frame
    log.info("%s: %d blank row(s) left out", path.name, blank.sum())
    lines = file_lines(frame)[~blank]
    kept = frame.loc[~blank].reset_index(drop=True)
    _set_lines(kept, lines)
    return kept


def _repeated_headers_restored(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a repeated header that names a field its own name back.

    pandas reads a second ``grade`` column as ``grade.1``, which names no
    field and would be ignored in silence. Named ``grade`` again, it reaches
    :func:`xl_risk.parsing.match_headers`, which refuses two columns for one
    field, as it does for a table of cells.
    """
    headers = [str(h) for h in frame.columns]
    present = set(headers)
    restored = []
    for header in headers:
        match = RENAMED_REPEAT.match(header)
        original = match and match["header"]
        repeated = original in present and resolve(header) is None
        restored.append(original if repeated and resolve(original) else header)
    if restored != headers:
        frame.columns = restored
    return frame


def fingerprint(path: str | Path) -> str:
    """SHA-256 of a file's bytes, to tie a bundle to the data it learnt from."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK_SIZE), b""):
            digest.update(block)
    return digest.hexdigest()


def field_names(f: Field) -> str:
    """A field's label with the column names that hold it, for messages."""
    return f"{f.label} ({' or '.join(dict.fromkeys((f.name, *f.aliases)))})"


def missing_columns(table: Table, needed: tuple[str, ...]) -> list[str]:
    """One line per needed field no column names, with the names accepted."""
    return [
        f"missing column: {field_names(BY_NAME[name])}"
        for name in needed
        if name not in table.columns
    ]


def problems(table: Table, needed: tuple[str, ...]) -> list[str]:
    """One line per problem: each missing column, each field with bad values."""
    lines = missing_columns(table, needed)
    for col in table.columns.values():
        if not col.problems:
            continue
        shown = list(dict.fromkeys(col.problems.values()))[:EXAMPLES_SHOWN]
        givens = [m.rsplit(", got ", 1)[-1].partition("; ") for m in shown]
        notes = list(dict.fromkeys(note for _, _, note in givens if note))
        lines.append(
            f"{col.field.label}: {len(col.problems):,} rows not "
            f"{col.field.expectation()}, e.g. {', '.join(g for g, _, _ in givens)}"
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return lines


SCORING_COLUMNS: tuple[str, ...] = tuple(f.name for f in INPUT_FIELDS if f.required)
TRAINING_COLUMNS: tuple[str, ...] = SCORING_COLUMNS + OUTCOME_NAMES


def report(action: str, found: list[str], table: Table) -> str:
    """The one message of data that cannot be used: a line per problem.

    When no header names any declared field, a last line says so: the column
    names are not in the first row (a title above them), or the separator
    was not recognised.
    """
    lines = [f"{action}: {len(found)} problem(s)", *(f"  - {x}" for x in found)]
    if not table.sources:
        lines.append(
            f"  no header in row 1 names a field ({_row_one(table.ignored)}): "
            "the column names must be in the first row"
        )
    return "\n".join(lines)


def require_columns(table: Table, needed: tuple[str, ...], action: str) -> None:
    """Raise DataError naming every needed column the table lacks, at once.

    ``action`` opens the message: "cannot score applications.csv".
    """
    found = missing_columns(table, needed)
    if found:
        raise DataError(report(action, found, table))


def read_history(path: str | Path, action: str = "train") -> Table:
    """Read a loan history with outcomes; every problem is reported at once.

    Parameters
    ----------
    path : str or Path
        The file.
    action : str
        What the caller does with it, for the message: "train" (retrain) or
        "validate" (validate) opens it with "cannot validate on loans.csv".

    Raises
    ------
    DataError
        Listing each missing required column and each field holding values of
        the wrong type or out of range, with row counts and examples.
    """
    table = read_table(read_raw(path))
    found = problems(table, TRAINING_COLUMNS)
    if found:
        opening = f"cannot {action} on {Path(path).name}"
        raise DataError(report(opening, found, table))
    return table
