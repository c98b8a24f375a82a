"""Read loan history from CSV (plain or gzip), parquet or xlsx into the schema.

A file is named .csv, .csv.gz, .parquet or .xlsx (or .pq, .xlsm); any other
suffix, .txt included, is refused. gzip is recognised by the file's first
bytes, so a gzip-compressed CSV named .csv is read too, logged at INFO, and
so is a workbook (a zip archive holding xl/workbook.xml) named .csv.

CSV text is read as UTF-8, with or without a byte-order mark; a file that is
not UTF-8 is read as Windows-1252 (what Excel's plain "CSV" writes on a
Western-European Windows), logged at INFO; text opening with a UTF-16
byte-order mark (Excel's "Unicode Text") is read as UTF-16. The separator
(comma, semicolon, tab or bar) is detected on the header line, or taken
from Excel's first line ``sep=;``. A row with more fields than the header is
refused, naming its line (or, when no header names a field, saying a title
is above the header), and a row with fewer has its last values missing; a
quote never closed is named by the line it opens on. An id column is read
from a CSV as text, kept as written (00123, 1e5); from a workbook or
parquet, a whole float id (400328.0) as an integer.

Of a workbook only the first sheet is read; an error cell (#N/A, #VALUE!)
keeps its text, which the schema refuses as it refuses the same text in a
CSV, and a formula cell with no computed value (never saved by Excel) is
refused, naming the cell.

A row with no value at all is left out (logged at INFO); :func:`file_lines`
gives each row's line in its file. An empty file (or a CSV of white space
only), a truncated or a corrupt one fails with one line naming the file and
what is wrong with it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import logging
import re
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from xl_risk.parsing import (
    DataError,
    Table,
    is_blank,
    numbers_if_plain,
    read_table,
)
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
TEXT_ENCODING = "utf-8"  # pandas skips a byte-order mark
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # little- and big-endian
UTF16 = "utf-16"  # reads either byte order by its mark
BLOCK_SIZE = 1 << 20
FALLBACK_ENCODING = "cp1252"  # Excel's plain "CSV" on Western-European Windows
SEPARATORS = ",;\t|"
DEFAULT_SEPARATOR = ","
UNPACK_ERRORS = (EOFError, gzip.BadGzipFile, zipfile.BadZipFile, zlib.error)
ERROR_CELL = "e"  # openpyxl's data type of a cell holding #N/A, #VALUE!, ...
FORMULA_CELL = "f"  # openpyxl's data type of a formula, when formulas are read
SHEETS_FOLDER = "xl/worksheets/"
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")  # <f>700+75</f>, <x:f t="shared"/>
TAG_OVERLAP = 8  # bytes a block keeps of the one before: a tag may straddle them
RENAMED_REPEAT = re.compile(r"^(?P<header>.+)\.\d+$")  # pandas: grade, grade.1
# Excel's first line naming the separator of the lines after it: sep=;
SEPARATOR_HINT = re.compile(r"sep=(?P<separator>.)\s*", re.IGNORECASE)
UNCLOSED_QUOTE = re.compile(r"EOF inside string")  # pandas' C parser says so
TOKENIZING_ERROR = re.compile(r"Expected \d+ fields in line \d+, saw \d+")
# Read as text from a CSV: an id keeps its zeros and digits ("00123", "1e5", a
# 20-digit number), money reaches the schema as written ("20.300", a Spanish
# twenty thousand three hundred, which pandas would read as 20.3).
ID_KINDS = frozenset({Kind.ID})
TEXT_READ_KINDS = frozenset({Kind.MONEY, Kind.ID})

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


def _is_utf16(path: Path, packed: bool) -> bool:
    """True when the text opens with a UTF-16 byte-order mark, as Excel's
    "Unicode Text" writes it."""
    opener = gzip.open if packed else open
    with opener(path, "rb") as handle:
        return handle.read(len(UTF16_BOMS[0])) in UTF16_BOMS


def _first_lines(path: Path, packed: bool, utf16: bool = False) -> list[str]:
    """The first two lines of a CSV file, decoded as its text will be."""
    opener = gzip.open if packed else open
    if utf16:
        with opener(path, "rt", encoding=UTF16, newline="") as handle:
            return [handle.readline(), handle.readline()]
    with opener(path, "rb") as handle:
        lines = [handle.readline(), handle.readline()]
    try:
        return [line.decode("utf-8-sig") for line in lines]
    except UnicodeDecodeError:
        return [line.decode(FALLBACK_ENCODING, errors="replace") for line in lines]


def _separator_hint(line: str) -> str | None:
    """The separator Excel's ``sep=;`` first line names, or None."""
    hint = SEPARATOR_HINT.fullmatch(line.strip("\r\n"))
    return hint["separator"] if hint else None


def _separator(header: str) -> str:
    """The separator of the header line: comma, semicolon, tab or bar."""
    try:
        return csv.Sniffer().sniff(header, delimiters=SEPARATORS).delimiter
    except csv.Error:  # one column, or no separator in sight
        return DEFAULT_SEPARATOR


def _header_names(header: str, separator: str) -> list[str]:
    """The names of a CSV header line; none when it is not text."""
    try:
        return next(csv.reader([header.strip("\r\n")], delimiter=separator), [])
    except csv.Error:  # not text: pandas will say what is wrong
        return []


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


def _text(path: Path, packed: bool, encoding: str):
    """A CSV file opened as text, for the csv module."""
    if encoding == TEXT_ENCODING:
        encoding = "utf-8-sig"  # as pandas does, skip a byte-order mark
    opener = gzip.open if packed else open
    return opener(path, "rt", encoding=encoding, newline="")


def _is_blank(path: Path, packed: bool) -> bool:
    """True when the file holds nothing but white space, a byte-order mark at
    most, or nothing at all."""
    opener = gzip.open if packed else open
    with opener(path, "rb") as handle:
        start = handle.read(len(UTF8_BOM))
        blocks = iter(lambda: handle.read(BLOCK_SIZE), b"")
        return not start.removeprefix(UTF8_BOM).strip() and not any(
            block.strip() for block in blocks
        )


def _longer_row(
    path: Path, packed: bool, separator: str, encoding: str, skip: int = 0
) -> tuple[int, int, int] | None:
    """A row with more fields than the header, as ``(line, fields, header
    fields)``, or None: the first whose extra fields hold a value, else the
    first. ``line`` is the line of the file the row starts on, the first
    being line 1; blank lines count, as an editor counts them. The first
    ``skip`` lines (a ``sep=;`` hint) come before the header.
    """
    first = None
    with _text(path, packed, encoding) as handle:
        for _ in range(skip):
            handle.readline()
        rows = csv.reader(handle, delimiter=separator)
        width, line = None, 1 + skip
        try:
            for row in rows:
                if row and width is None:
                    width = len(row)
                elif width is not None and len(row) > width:
                    first = first or (line, len(row), width)
                    if any(value.strip() for value in row[width:]):
                        return line, len(row), width
                line = rows.line_num + 1 + skip
        except (csv.Error, UnicodeDecodeError):  # pandas' own message stands
            return None
    return first


def _read_csv(path: Path, packed: bool) -> pd.DataFrame:
    """A CSV file, plain or (``packed``) gzip-compressed.

    Raises DataError when the file is white space only, and when a row has
    more fields than the header: pandas would take the first column for an
    index and shift every value, or drop the fields past the header.
    """
    utf16 = _is_utf16(path, packed)
    if utf16:
        log.info("%s is UTF-16 text (Excel's Unicode Text): read so", path.name)
    first, second = _first_lines(path, packed, utf16)
    hint = _separator_hint(first)
    skip = int(hint is not None)
    header = second if hint else first
    separator = hint or _separator(header)
    if hint:
        log.info("%s: line 1 names the separator %r, then the header", path.name, hint)
    elif separator != DEFAULT_SEPARATOR:
        log.info("%s: columns separated by %r", path.name, separator)
    names = _header_names(header, separator)
    money = _headers_of(names, frozenset({Kind.MONEY}))
    as_text = _headers_of(names, TEXT_READ_KINDS)
    options = {
        "sep": separator, "low_memory": False, "keep_default_na": False,
        "na_values": [""], "dtype": dict.fromkeys(as_text, str),
        "compression": "gzip" if packed else None, "index_col": False,
        "skiprows": skip,
    }  # fmt: skip

    encoding = UTF16 if utf16 else TEXT_ENCODING
    try:
        try:
            frame = _read_csv_strictly(path, encoding, options)
        except UnicodeDecodeError:
            log.info("%s is not UTF-8: read as Windows-1252 (cp1252)", path.name)
            encoding = FALLBACK_ENCODING
            frame = _read_csv_strictly(path, encoding, options)
    except pd.errors.EmptyDataError:
        if _is_blank(path, packed):
            raise DataError(f"{path.name}: the file is empty") from None
        raise
    except pd.errors.ParserError as err:
        line = UNCLOSED_QUOTE.search(str(err)) and _unclosed_quote(
            path, packed, encoding, skip
        )
        if line:
            raise DataError(
                f"{path.name}: a quote opened on line {line} is never closed"
            ) from None
        raise

    if frame is None:  # pandas met a row longer than the header
        _refuse_longer_row(path, packed, separator, encoding, skip, names)
        frame = pd.read_csv(path, encoding=encoding, **options)

    for name in frame.columns.intersection(money):
        frame[name] = numbers_if_plain(frame[name], money=True)

    lines = _editor_lines(path, packed, separator, encoding, skip, len(frame))
    if lines is not None:
        _set_lines(frame, lines)
    return frame


def _refuse_longer_row(
    path: Path,
    packed: bool,
    separator: str,
    encoding: str,
    skip: int,
    names: list[str],
) -> None:
    """Raise DataError for a row with more fields than the header ``names``;
    when no header names a field, say the column names are not on the first
    row (a title above them) rather than count fields against a title."""
    longer = _longer_row(path, packed, separator, encoding, skip)
    if longer is None:
        return
    if not any(resolve(name) for name in names):
        row = f"line {skip + 1}" if skip else "row 1"
        raise DataError(
            f"{path.name}: no header in {row} names a field "
            f"({_row_one(names, row)}): the column names must be in the "
            "first row, with no title above them"
        )
    line, fields, width = longer
    raise DataError(
        f"{path.name}: line {line} has {fields} fields, the header has "
        f"{width}; a value holding the separator {separator!r} must be "
        "in double quotes"
    )


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


def _line_count(path: Path, packed: bool) -> int:
    """The lines of a file as an editor counts them, a last one unended too."""
    opener = gzip.open if packed else open
    count, last = 0, b""
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK_SIZE), b""):
            count, last = count + block.count(b"\n"), block[-1:]
    return count + (last not in (b"\n", b""))


def _editor_lines(
    path: Path, packed: bool, separator: str, encoding: str, skip: int, rows: int
) -> np.ndarray | None:
    """The line each of the ``rows`` pandas read starts on, the first line
    being 1, when it is not the row's position plus 2: blank lines (which
    pandas skips), values spanning lines, or a ``sep=`` line came before it.
    None when every row is on that line, or when the lines cannot be told.

    Counting the file's lines spares most files reading them as CSV again.
    """
    if not skip and encoding != UTF16 and _line_count(path, packed) == rows + 1:
        return None
    starts = []
    with _text(path, packed, encoding) as handle:
        for _ in range(skip):
            handle.readline()
        reader = csv.reader(handle, delimiter=separator)
        line, past_header = 1 + skip, False
        try:
            for row in reader:
                blank = len(row) <= 1 and not "".join(row).strip()  # pandas skips it
                if past_header and not blank:
                    starts.append(line)
                past_header = past_header or not blank
                line = reader.line_num + 1 + skip
        except (csv.Error, UnicodeDecodeError):
            return None
    plain = np.arange(rows) + FIRST_ROW_LINE
    if len(starts) != rows or np.array_equal(starts, plain):
        return None
    return np.asarray(starts)


def _unclosed_quote(path: Path, packed: bool, encoding: str, skip: int) -> int:
    """The line (the first being line 1) of the double quote that is never
    closed, or 0: the last line, past the first ``skip``, holding an odd
    number of quotes that does not close one an earlier line opened."""
    opened = 0
    with _text(path, packed, encoding) as handle:
        for number, line in enumerate(handle, start=1):
            if number > skip and line.count('"') % 2:
                opened = 0 if opened else number
    return opened


def _read_csv_strictly(path: Path, encoding: str, options: dict) -> pd.DataFrame | None:
    """pandas' reading of a CSV, or None when it finds a row longer than the
    header: with ``index_col=False`` it warns and drops the extra fields of the
    first rows, and stops with a ParserError at a longer row further down."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(path, encoding=encoding, **options)
        except pd.errors.ParserWarning:
            return None
        except pd.errors.ParserError as err:
            if TOKENIZING_ERROR.search(str(err)):
                return None
            raise


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
    CSV, instead of scoring it as a missing value.
    """
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
