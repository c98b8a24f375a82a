"""Read a CSV file, plain or gzip-compressed, as the intake's frame.

Text is read as UTF-8, with or without a byte-order mark; a file that is
not UTF-8 is read as Windows-1252 (what Excel's plain "CSV" writes on a
Western-European Windows), logged at INFO; text opening with a UTF-16
byte-order mark (Excel's "Unicode Text") is read as UTF-16. The separator
(comma, semicolon, tab or bar) is detected on the header line, or taken
from Excel's first line ``sep=;``. A row with more fields than the header is
refused, naming its line (or, when no header names a field, saying a title
is above the header), and a row with fewer has its last values missing; a
quote never closed is named by the line it opens on. An id column is read
as text, kept as written (00123, 1e5).
"""

from __future__ import annotations

import csv
import gzip
import logging
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from xl_risk.intake import (
    BLOCK_SIZE,
    FIRST_ROW_LINE,
    _headers_of,
    _row_one,
    _set_lines,
)
from xl_risk.parsing import DataError, numbers_if_plain
from xl_risk.schema import Kind, resolve

TEXT_ENCODING = "utf-8"  # pandas skips a byte-order mark
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # little- and big-endian
UTF16 = "utf-16"  # reads either byte order by its mark
FALLBACK_ENCODING = "cp1252"  # Excel's plain "CSV" on Western-European Windows
SEPARATORS = ",;\t|"
DEFAULT_SEPARATOR = ","
# Excel's first line naming the separator of the lines after it: sep=;
SEPARATOR_HINT = re.compile(r"sep=(?P<separator>.)\s*", re.IGNORECASE)
UNCLOSED_QUOTE = re.compile(r"EOF inside string")  # pandas' C parser says so
TOKENIZING_ERROR = re.compile(r"Expected \d+ fields in line \d+, saw \d+")
# Read as text from a CSV: an id keeps its zeros and digits ("00123", "1e5", a
# 20-digit number), money reaches the schema as written ("20.300", a Spanish
# twenty thousand three hundred, which pandas would read as 20.3).
TEXT_READ_KINDS = frozenset({Kind.MONEY, Kind.ID})

log = logging.getLogger(__name__)


def _open(path: Path, packed: bool, mode: str, **text):
    """The file opened as it is stored: gzip-compressed (``packed``) or not."""
    return (gzip.open if packed else open)(path, mode, **text)


def _is_utf16(path: Path, packed: bool) -> bool:
    """True when the text opens with a UTF-16 byte-order mark, as Excel's
    "Unicode Text" writes it."""
    with _open(path, packed, "rb") as handle:
        return handle.read(len(UTF16_BOMS[0])) in UTF16_BOMS


def _first_lines(path: Path, packed: bool, utf16: bool = False) -> list[str]:
    """The first two lines of a CSV file, decoded as its text will be."""
    if utf16:
        with _open(path, packed, "rt", encoding=UTF16, newline="") as handle:
            return [handle.readline(), handle.readline()]
    with _open(path, packed, "rb") as handle:
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


def _text(path: Path, packed: bool, encoding: str):
    """A CSV file opened as text, for the csv module."""
    if encoding == TEXT_ENCODING:
        encoding = "utf-8-sig"  # as pandas does, skip a byte-order mark
    return _open(path, packed, "rt", encoding=encoding, newline="")


def _is_blank(path: Path, packed: bool) -> bool:
    """True when the file holds nothing but white space, a byte-order mark at
    most, or nothing at all."""
    with _open(path, packed, "rb") as handle:
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
    first, width = None, None
    try:
        for line, row in _rows_with_lines(path, packed, separator, encoding, skip):
            if row and width is None:
                width = len(row)
            elif width is not None and len(row) > width:
                first = first or (line, len(row), width)
                if any(value.strip() for value in row[width:]):
                    return line, len(row), width
    except (csv.Error, UnicodeDecodeError):  # pandas' own message stands
        return None
    return first


def _rows_with_lines(
    path: Path, packed: bool, separator: str, encoding: str, skip: int
):
    """Each CSV row past the first ``skip`` lines (a ``sep=`` hint) with the
    line it starts on, the first line of the file being 1, as an editor
    counts: blank lines and values spanning lines count."""
    with _text(path, packed, encoding) as handle:
        for _ in range(skip):
            handle.readline()
        reader = csv.reader(handle, delimiter=separator)
        line = 1 + skip
        for row in reader:
            yield line, row
            line = reader.line_num + 1 + skip


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


def _line_count(path: Path, packed: bool) -> int:
    """The lines of a file as an editor counts them, a last one unended too."""
    count, last = 0, b""
    with _open(path, packed, "rb") as handle:
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
    starts, past_header = [], False
    try:
        for line, row in _rows_with_lines(path, packed, separator, encoding, skip):
            blank = len(row) <= 1 and not "".join(row).strip()  # pandas skips it
            if past_header and not blank:
                starts.append(line)
            past_header = past_header or not blank
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
