"""Cell values to engine input, and scores back to cell values.

How Excel hands a worksheet function its arguments (xlwings on Windows):

- a range arrives as a list of rows (``ndim=2``); a blank cell is ``None`` and
  a formula that returns ``""`` gives ``""``;
- every number is a float, whole numbers too; a cell formatted as a
  percentage holds the fraction (13.49% arrives as ``0.1349``);
- a date cell is a ``datetime``; TRUE and FALSE are ``bool``;
- an error cell is an ``int`` COM code (``-2146826246`` is ``#N/A``), or the
  text ``"#N/A"`` when the argument is read with ``err_to_str=True``.

Here error codes become their ``#N/A`` text, so the schema can name them in its
messages. Every other value goes to the engine as Excel sent it: the schema
reads floats, percent fractions and text the same way for a cell as for a
file, and rejects dates and booleans where they do not belong.

A lone-number argument (a PD, a scaling factor, how many reasons) is read by
:func:`scalar` against its declaration in ``ARGUMENTS``, which writes its
messages: ``pd: expected a fraction from 0 to 1, got 1.5``.

Nothing here imports xlwings, so tests and benchmarks run without Excel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

from xl_risk.bundle import Bundle
from xl_risk.capital import BASEL_II_SCALING, SCALING_RANGE
from xl_risk.intake import EXAMPLES_SHOWN, SCORING_COLUMNS, require_columns
from xl_risk.parsing import (
    PERCENT_POINTS,
    TERM_TEXT,
    DataError,
    DecimalCommaError,
    Table,
    ThousandsPointError,
    is_blank,
    match_headers,
    number_text,
    read_table,
)
from xl_risk.reasons import DEFAULT_REASONS
from xl_risk.schema import (
    EXCEL_ERRORS,
    INPUT_FIELDS,
    INPUT_NAMES,
    MAX_AMOUNT,
    PERCENT_SIGN,
    describe,
    percent_sign_note,
)
from xl_risk.scorecard import (
    DEFAULT_PDO,
    DEFAULT_REFERENCE_ODDS,
    DEFAULT_REFERENCE_SCORE,
    PDO_RANGE,
    REFERENCE_ODDS_RANGE,
    REFERENCE_SCORE_RANGE,
)
from xl_risk.scoring import Scores, absent_inputs, absent_names, unknown_headers

# The COM codes (HRESULTs) of Excel's error cells, as xlwings reads them: the
# error's XlCVError number (xlErrNA 2042, ...) minus 2146828288. Of the newer
# errors only #SPILL! has a documented number (xlErrSpill 2045).
COM_ERRORS = {
    -2146826243: "#SPILL!",
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}
RESULT_HEADER = ("PD", "EAD", "LGD", "Expected loss", "Problem")
RESULT_OUTPUTS = ("pd", "ead", "lgd", "expected_loss")
MAX_MESSAGE = 1000  # characters kept of a message; a cell holds 32,767
NO_NUMBER = "xl-risk: the models gave no number for this application"
TABLE_ACTION = "cannot score the table"


class CellShapeError(ValueError):
    """A range whose shape does not fit the function's argument."""


class ArgumentError(ValueError):
    """A lone-number argument outside what its declaration accepts."""


def cell(raw: object) -> object:
    """One cell value as the engine reads it: COM error codes become text."""
    if type(raw) is int and raw in COM_ERRORS:
        return COM_ERRORS[raw]
    return raw


def one_line(text: object) -> str:
    """A message on one line, spaces squeezed, at most MAX_MESSAGE characters."""
    squeezed = " ".join(str(text).split())
    if len(squeezed) <= MAX_MESSAGE:
        return squeezed
    return squeezed[: MAX_MESSAGE - 3] + "..."


def grid(value: object, name: str) -> list[list]:
    """Any argument as rows of cells: a lone value is one cell, a flat list one row.

    Raises
    ------
    CellShapeError
        Rows of different lengths, or rows mixed with lone values.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple):
        return [[value]]
    if not value:
        return []

    nested = [isinstance(r, list | tuple) for r in value]
    if not any(nested):
        return [list(value)]
    if not all(nested) or len({len(r) for r in value}) > 1:
        raise CellShapeError(
            f"{name}: expected a rectangular range of cells, got rows of "
            f"different lengths"
        )
    return [list(r) for r in value]


def line(value: object, name: str) -> list:
    """The cells of a one-row or one-column range, in reading order."""
    rows = grid(value, name)
    if len(rows) == 1:
        return rows[0]
    if rows and all(len(r) == 1 for r in rows):
        return [r[0] for r in rows]
    width = len(rows[0]) if rows else 0
    raise CellShapeError(
        f"{name}: expected one row of cells, got {len(rows)} rows by {width} columns"
    )


def application(row: object, header: object = None) -> dict[str, Sequence]:
    """One application as the mapping the engine scores: header -> one-cell column.

    Parameters
    ----------
    row : cells
        The application's 20 inputs in the Applications sheet's order, or, with
        ``header``, any inputs in any order.
    header : cells, optional
        One column name per cell of ``row``; any name the schema knows (Lending
        Club, canonical, label or Spanish). Blank header cells are skipped.

    Raises
    ------
    CellShapeError
        A row or header of the wrong number of cells.
    DataError
        Two header cells that name one field.
    """
    values = [cell(v) for v in line(row, "row")]
    if header is None:
        if len(values) != len(INPUT_NAMES):
            raise CellShapeError(
                f"row: expected {len(INPUT_NAMES)} cells, one per input from "
                f"{INPUT_FIELDS[0].label} to {INPUT_FIELDS[-1].label} in the "
                f"Applications sheet's order (or give the header range as the "
                f"second argument), got {len(values)}"
            )
        names: Sequence = INPUT_NAMES
    else:
        names = line(header, "header")
        if len(names) != len(values):
            raise CellShapeError(
                f"header: expected one name per cell of row ({len(values)}), "
                f"got {len(names)}"
            )
        match_headers(str(n) for n in names if not is_blank(n))  # refuses repeats
    return {
        str(n): _column([v])
        for n, v in zip(names, values, strict=True)
        if not is_blank(n)
    }


def _column(values: Sequence) -> Sequence:
    """Cells as one column for the engine: numbers and blanks as a float array.

    The schema reads a float array with array arithmetic and a list value by
    value; both give the same numbers, the array much faster. TRUE/FALSE,
    text and dates stay as they are, for the schema to read or reject.
    """
    if all(type(v) is float or v is None for v in values):
        return np.array([math.nan if v is None else v for v in values], dtype=float)
    return values


def sheet_rows(data) -> list[list]:
    """Applications as the Applications sheet holds them.

    Parameters
    ----------
    data : DataFrame or mapping of header -> values
        Applications under any naming the schema knows.

    Returns
    -------
    list of rows
        Canonical values in ``INPUT_FIELDS`` order (rates as fractions, terms
        and years as numbers), None where a value is missing.

    Raises
    ------
    ValueError
        A value the schema rejects; the message is the schema's.
    """
    read = read_table(data)
    problems = read.row_problems()
    if problems:
        row, messages = min(problems.items())
        raise ValueError(f"row {row + 1}: {'; '.join(messages)}")

    columns = [read.get(name) for name in INPUT_NAMES]
    return [
        [None if col is None else _sheet_value(col[i]) for col in columns]
        for i in range(read.n_rows)
    ]


def _sheet_value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _blank_row(cells: list) -> bool:
    return all(map(is_blank, cells))


class CellTable(NamedTuple):
    """A range read as a table of applications.

    ``columns`` maps each header to its column of non-blank rows; ``blank``
    has one entry per row below the header, True where the row is blank;
    ``above`` counts the blank rows above the header.
    """

    columns: dict[str, Sequence]
    blank: np.ndarray
    above: int


def table(value: object) -> CellTable:
    """A range's cells as a table: the header is its first row that is not blank.

    Blank rows above the header and inside the table are left out of the
    columns and counted, so that each output row can sit beside its input
    row; blank rows at the end of the range are dropped.

    Raises
    ------
    CellShapeError
        A range with no cells, or with only blank ones.
    DataError
        Two header cells that name one field.
    """
    rows = grid(value, "table")
    above = next((i for i, r in enumerate(rows) if not _blank_row(r)), len(rows))
    if above == len(rows):
        raise CellShapeError(
            "table: expected a header row above the applications, got "
            + ("only blank cells" if rows else "no cells")
        )
    header, body = rows[above], rows[above + 1 :]
    while body and _blank_row(body[-1]):
        body.pop()

    blank = np.fromiter((_blank_row(r) for r in body), dtype=bool, count=len(body))
    kept = [r for r, b in zip(body, blank, strict=True) if not b]
    columns = list(zip(*kept, strict=True)) if kept else [() for _ in header]
    match_headers(str(cell(n)) for n in header if not is_blank(n))  # refuses repeats
    mapping = {}
    for name, column in zip(header, columns, strict=True):
        if is_blank(name):
            continue
        if any(type(v) is int for v in column):
            column = [cell(v) for v in column]
        mapping[str(cell(name))] = _column(column)
    return CellTable(mapping, blank, above)


def require_inputs(read: Table) -> None:
    """Refuse a table that lacks a required input column, in one message.

    Raises
    ------
    DataError
        Naming each missing field with the column names it may have; or, when
        no header names any field, saying where the column names must be.
    """
    if not read.sources:
        shown = ", ".join(repr(h) for h in read.ignored[:EXAMPLES_SHOWN])
        more = ", ..." if len(read.ignored) > EXAMPLES_SHOWN else ""
        raise DataError(
            "table: expected the column names in the first row that is not "
            f"blank, got {shown}{more}"
        )
    require_columns(read, SCORING_COLUMNS, TABLE_ACTION)


def require_named_inputs(bundle: Bundle, read: Table) -> None:
    """Refuse cells whose header leaves out an input the models use and names
    something else instead: most likely that input, mistyped.

    An input left out with no stray header (or with its header cell blank) is
    optional and scored as blank, as the function's help says.

    Raises
    ------
    DataError
        Naming the inputs without a column and the headers naming no field.
    """
    absent = absent_inputs(bundle, read)
    unknown = unknown_headers(read)
    if absent and unknown:
        raise DataError(
            f"header: {unknown} names no field, and {absent_names(absent)} has "
            "no column; correct the name, or leave its header cell blank to score "
            "without it"
        )


def single(scores: Scores, output: str) -> float | str:
    """The one scored row's output, or its message."""
    problem = scores.problems.get(0)
    if problem:
        return one_line(problem)
    value = float(getattr(scores, output)[0])
    return value if math.isfinite(value) else NO_NUMBER


def table_result(scores: Scores, cells: CellTable) -> list[list]:
    """Rows for the sheet: a header, then PD, EAD, LGD, EL and a problem per row.

    A row with a problem has blank numbers and its message; a blank input row,
    above the header or below it, gives a blank output row, so each output row
    sits beside its input row.
    """
    numbers = np.column_stack([getattr(scores, name) for name in RESULT_OUTPUTS])
    empty = [None] * len(RESULT_HEADER)
    out = [list(empty) for _ in range(cells.above)] + [list(RESULT_HEADER)]
    scored = 0
    for is_blank_row in cells.blank.tolist():
        if is_blank_row:
            out.append(list(empty))
            continue
        problem = scores.problems.get(scored)
        values = numbers[scored].tolist()
        scored += 1
        if problem:
            out.append([None] * len(RESULT_OUTPUTS) + [one_line(problem)])
        elif all(map(math.isfinite, values)):
            out.append([*values, None])
        else:
            out.append([None] * len(RESULT_OUTPUTS) + [NO_NUMBER])
    return out


# --- lone-number arguments -----------------------------------------------------


@dataclass(frozen=True)
class Argument:
    """One lone-number argument of the worksheet functions, declared once.

    Parameters
    ----------
    name : str
        The argument's name, as the function wizard shows it.
    noun : str
        What it is, in words: "a fraction", "an amount of money".
    minimum, maximum : float, optional
        Accepted range; ``minimum`` is excluded when ``above`` is True.
    above : bool
        The value must be greater than ``minimum``, not equal to it.
    whole : bool
        Only whole numbers are accepted.
    required : bool
        A blank or left-out argument is an error; otherwise it is ``default``.
    default : float, optional
        The value of an optional argument left out or blank; None means "not
        given", for the function to decide.
    note : str
        Words that follow the range in the message, e.g. an example.
    percent : bool
        Text may end in a percent sign (``"1%"`` is 0.01): for fractions and
        factors only (a scaling of ``"106%"`` is 1.06).
    money : bool
        An amount of money, whose text is read as a money field's is:
        ``"20.300"`` is refused as ambiguous (see ``parsing.number_text``).
    months : bool
        A number of months, whose text may say so as the term field's does
        (``"36 months"``).
    """

    name: str
    noun: str
    minimum: float | None = None
    maximum: float | None = None
    above: bool = False
    whole: bool = False
    required: bool = True
    default: float | None = None
    note: str = ""
    percent: bool = False
    money: bool = False
    months: bool = False

    def expectation(self) -> str:
        """The accepted values in words: "a fraction from 0 to 1"."""
        words = [self.noun]
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            words.append(f"from {_show(low)} to {_show(high)}")
        elif low is not None:
            words.append(f"{'>' if self.above else '>='} {_show(low)}")
        if self.note:
            words.append(self.note)
        return " ".join(words)

    def problem(self, raw: object, note: str = "") -> str:
        """One-line message for a value this argument cannot take."""
        message = f"{self.name}: expected {self.expectation()}, got {describe(raw)}"
        return f"{message}; {note}" if note else message

    def accepts(self, x: float) -> bool:
        """Whether a finite number is in range (and whole, when it must be)."""
        if self.minimum is not None and (
            x <= self.minimum if self.above else x < self.minimum
        ):
            return False
        if self.maximum is not None and x > self.maximum:
            return False
        return not self.whole or x.is_integer()


def _show(number: float) -> str:
    return f"{number:,.15g}"


ARGUMENTS = {
    a.name: a
    for a in (
        Argument("pd", "a fraction", 0.0, 1.0, percent=True),
        Argument("lgd", "a fraction", 0.0, 1.0, percent=True),
        Argument("ead", "an amount of money", 0.0, MAX_AMOUNT, money=True),
        Argument(
            "scaling", "a factor", *SCALING_RANGE, required=False,
            default=1.0, note=f"(1, or {BASEL_II_SCALING} under Basel II)",
            percent=True,
        ),
        Argument(
            "term_months", "a number of months", 0.0, above=True, required=False,
            note="such as 36 or 60", months=True,
        ),
        Argument(
            "n", "a whole number", 1.0, float(DEFAULT_REASONS), whole=True,
            required=False, default=float(DEFAULT_REASONS),
        ),
        Argument(
            "pdo", "a number of points", *PDO_RANGE, required=False,
            default=DEFAULT_PDO,
        ),
        Argument(
            "reference_score", "a number", *REFERENCE_SCORE_RANGE, required=False,
            default=DEFAULT_REFERENCE_SCORE,
        ),
        Argument(
            "reference_odds", "good:bad odds", *REFERENCE_ODDS_RANGE,
            required=False, default=DEFAULT_REFERENCE_ODDS, note="(50 means 50:1)",
        ),
    )
}  # fmt: skip


def scalar(value: object, name: str) -> float | None:
    """A lone-number argument read against its declaration in ``ARGUMENTS``.

    A one-cell range counts as its cell. A number passes as it is (a cell
    formatted as a percentage sends its fraction); text is read as a number,
    and where the declaration allows a percent sign ``"1%"`` as 0.01: on any
    other argument (an EAD, a term, a count) it is refused, as on a field that
    is no rate or percent. Blank or left out gives the declared default.

    Raises
    ------
    CellShapeError
        A range of more than one cell.
    ArgumentError
        Anything else the declaration does not accept; the message names the
        argument, what it expects and what it got.
    """
    argument = ARGUMENTS[name]
    raw = _lone_cell(value, name)
    if is_blank(raw):
        if argument.required:
            raise ArgumentError(argument.problem(raw))
        return argument.default

    percent = isinstance(raw, str) and raw.strip().endswith(PERCENT_SIGN)
    if argument.months and isinstance(raw, str):
        months = TERM_TEXT.match(raw.strip().lower())  # "36 months", as the term
        raw = months.group(1) if months else raw
    try:
        number = _number(raw, argument.money)
    except DecimalCommaError as err:
        note = err.note(percent and argument.percent)
        raise ArgumentError(argument.problem(raw, note)) from None
    except ThousandsPointError as err:
        raise ArgumentError(argument.problem(raw, err.note())) from None
    if number is not None and percent and not argument.percent:
        spelling = raw.strip().removesuffix(PERCENT_SIGN).strip()
        note = percent_sign_note(argument.name, spelling)
        raise ArgumentError(argument.problem(raw, note))
    if number is None or not math.isfinite(number) or not argument.accepts(number):
        raise ArgumentError(argument.problem(raw))
    return number


def _lone_cell(value: object, name: str) -> object:
    if not isinstance(value, list | tuple | np.ndarray):
        return cell(value)
    rows = grid(value, name)
    if len(rows) == 1 and len(rows[0]) == 1:
        return cell(rows[0][0])
    cells = sum(map(len, rows))
    raise CellShapeError(f"{name}: expected one cell, got a range of {cells} cells")


def _number(raw: object, money: bool = False) -> float | None:
    """A cell as a number; None for TRUE/FALSE, dates, errors and other text.

    Raises DecimalCommaError for text such as "0,45", and for ``money``
    ThousandsPointError for text such as "20.300" (see ``number_text``).
    """
    if isinstance(raw, bool | np.bool_ | date):
        return None
    if isinstance(raw, int | float | np.integer | np.floating):
        return float(raw)
    if not isinstance(raw, str) or raw.strip().upper() in EXCEL_ERRORS:
        return None

    text = raw.strip()
    percent = text.endswith(PERCENT_SIGN)
    try:
        number = number_text(text.removesuffix(PERCENT_SIGN), money)
    except (DecimalCommaError, ThousandsPointError):
        raise
    except ValueError:
        return None
    return number / PERCENT_POINTS if percent else number


# --- reasons and scores back to cells -------------------------------------------


def reason_row(found: Sequence[str], n: int, problem: str | None = None) -> list[list]:
    """One row of ``n`` cells: the reasons, then blanks; or the problem, then blanks.

    Always ``n`` wide, so a formula entered over ``n`` cells fills them all.
    """
    first = [one_line(problem)] if problem else list(found)[:n]
    return [first + [None] * (n - len(first))]


def reason_width(n: object) -> int:
    """How many reason cells ``n`` asks for; the default when it is unusable."""
    try:
        return int(scalar(n, "n"))
    except (ArgumentError, CellShapeError):
        return DEFAULT_REASONS


def credit_score_cell(points: pd.DataFrame) -> int | str:
    """The one scored row's credit score as a whole number, or its message.

    ``points`` is :meth:`xl_risk.scorecard.Scorecard.points` of one row.
    """
    problem = points["problem"].iloc[0]
    if isinstance(problem, str):
        return one_line(problem)
    score = points["score"].iloc[0]
    return NO_NUMBER if pd.isna(score) else int(score)


def _when(stamp: str | None) -> str:
    if not stamp:
        return "unknown"
    moment = datetime.fromisoformat(stamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.tzinfo else "")


def model_info(manifest: dict) -> list[list]:
    """Label/value rows describing a bundle from its manifest."""
    metrics = manifest.get("metrics", {})

    def auc(split: str) -> float | str:
        return metrics.get(split, {}).get("pd", {}).get("auc", "not recorded")

    return [
        ["Bundle in service", manifest.get("version", "unknown")],
        ["Trained at", _when(manifest.get("created_at"))],
        ["PD AUC, out of time", auc("oot")],
        ["PD AUC, test", auc("test")],
        ["Training data", manifest.get("data", {}).get("source", "unknown")],
    ]
