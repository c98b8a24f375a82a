"""Read raw values into the canonical schema, one field at a time.

Every raw value goes through the same reader whether it comes from a cell, a
row, or a column of a million rows: object columns are read once per distinct
value, numeric columns are converted with the same array arithmetic. A row
therefore reads identically alone and inside a batch, with one exception: in a
file the unit of a rate's or a percent's plain numbers, and the order of
slash dates (day-first or month-first), are judged once per column
(``by_column``), while cells judge each value alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, partial

import numpy as np
import pandas as pd

from xl_risk.schema import (
    BOOLEAN_TEXTS,
    CONTROL_CHARACTERS,
    EXCEL_ERRORS,
    FIELDS,
    MISSING_TEXTS,
    PERCENT_KINDS,
    PERCENT_POINTS,
    PERCENT_SIGN,
    TERMS,
    Field,
    Kind,
    decimal_comma_note,
    normalise_header,
    percent_sign_note,
    resolve,
    thousands_point_note,
)

NUMERIC_KINDS = frozenset(
    {Kind.MONEY, Kind.COUNT, Kind.RATE, Kind.PERCENT, Kind.SCORE, Kind.TERM, Kind.YEARS}
)
# A percent (debt-to-income) is published in percent points, and some real
# ones are at most 1 (2% of Lending Club's debt-to-income). A column of them
# is read as fractions only when this many non-zero numbers are all at most 1:
# by chance that is about 0.02**20; a shorter column keeps the points reading.
FRACTION_EVIDENCE = 20
SMALL_COLUMN = 8  # up to this many values, read each one without hashing
# Number text is ASCII digits, an optional sign, point and exponent. Spaces
# anywhere and one currency mark, leading (after a sign) or trailing, are
# dropped; commas must separate thousands. Anything else float() would take
# (1_000, digits of other scripts, "infinity") is refused.
SPACES = re.compile(r"\s+")
LEADING_CURRENCY = re.compile(r"^([+-]?)[$€£]")
TRAILING_CURRENCY = re.compile(r"[$€£]$")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
DECIMAL_COMMA = re.compile(r"^([+-]?)([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]*),([0-9]+)$")
# One to three digits, then points each before three digits: "20.300" or
# "1.234.567". With one point it reads as a decimal or as thousands.
THOUSANDS_POINT = re.compile(r"^([+-]?)([1-9][0-9]{0,2})((?:\.[0-9]{3})+)$")
CENT = Decimal("0.01")
PLAIN_NUMBER = r"[+-]?[0-9]+(?:\.[0-9]+)?"  # digits as float() reads them, nothing else
TERM_TEXT = re.compile(r"^([0-9]+)\s*(months?|meses)?$")
YEARS_TEXT = re.compile(r"^(<\s*)?([0-9]+)\s*(\+)?\s*(years?|años?)?$")
# A cell's slash date is tried day-first, then month-first; a file's column
# of them is read in one order, decided once (see _slash_order).
DATE_FORMATS = ("%b-%Y", "%Y-%m-%d", "%Y-%m", "%d/%m/%Y", "%m/%d/%Y")
SLASH_FORMATS = {"day-first": "%d/%m/%Y", "month-first": "%m/%d/%Y"}
SLASH_DATE = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
MONTHS = 12

log = logging.getLogger(__name__)
_MISSING = object()
PERCENT_ALIASES = {
    f.name: frozenset(normalise_header(a) for a in f.percent_aliases) for f in FIELDS
}


class DataError(ValueError):
    """Input data that cannot be used; the message lists every problem."""


class _Invalid(Exception):
    """Internal: a raw value that does not fit its field."""


class DecimalCommaError(ValueError):
    """Number text with a comma that is not a thousands separator.

    ``spelling`` is the number written with a decimal point when the text
    has one clear reading (``"1.234,56"`` -> ``"1234.56"``), else None.
    """

    def __init__(self, text: str) -> None:
        match = DECIMAL_COMMA.match(text)
        self.spelling = None
        if match:
            sign, whole, decimals = match.groups()
            self.spelling = f"{sign}{whole.replace('.', '') or '0'}.{decimals}"
        super().__init__(f"a comma that is not a thousands separator: {text!r}")

    def note(self, percent: bool = False) -> str:
        """The message's note; ``percent``: the text ended with a percent sign."""
        suffix = PERCENT_SIGN if percent else ""
        return decimal_comma_note(self.spelling and self.spelling + suffix)


class ThousandsPointError(ValueError):
    """Number text whose point may be a thousands separator (``"20.300"``).

    ``whole`` is the number with the points read as thousands separators;
    ``cents`` the text read as a decimal, to the cent, or None when the text
    has two or more points and no decimal reading.
    """

    def __init__(self, text: str) -> None:
        sign, lead, groups = THOUSANDS_POINT.match(text).groups()
        self.whole = sign + lead + groups.replace(".", "")
        self.cents, self.rounded = None, False
        if groups.count(".") == 1:
            cents = Decimal(text).quantize(CENT, rounding=ROUND_HALF_UP)
            self.cents, self.rounded = f"{cents}", cents != Decimal(text)
        super().__init__(f"a point that may separate thousands: {text!r}")

    def note(self) -> str:
        """The message's note: how to write each reading."""
        return thousands_point_note(self.whole, self.cents, self.rounded)


def number_text(text: str, money: bool = False) -> float:
    """Read number text: currency signs and spaces dropped, commas as thousands.

    What is left must be ASCII digits with an optional sign, decimal point
    and exponent (``"-20300.5"``, ``"2.03e4"``). Spaces anywhere and one
    currency mark (``$``, ``€``, ``£``) at the start or the end are dropped.
    A comma is a thousands separator only between groups of exactly three
    digits (``"20,300"``, ``"1,234,567.89"``).

    Parameters
    ----------
    text : str
        The number as written.
    money : bool
        Whether it is an amount of money, written with 0 or 2 decimals: a
        single point before exactly three digits (``"20.300"``) is then
        ambiguous, a decimal point or a thousands separator.

    Raises
    ------
    DecimalCommaError
        Any other comma (``"20300,00"``, ``"1.234,56"``, ``"12,5"``): read as
        a thousands separator it would make the number 100 times too large.
    ThousandsPointError
        Points between groups of three digits (``"1.234.567"``), or for money
        one point before three digits (``"20.300"``): read as a decimal point
        it would make the amount 1000 times too small.
    ValueError
        Text that is not a number, though float() may read it: ``"1_000"``,
        digits of other scripts, ``"infinity"``, two currency marks.
    """
    text = SPACES.sub("", text)
    text = TRAILING_CURRENCY.sub("", LEADING_CURRENCY.sub(r"\1", text, count=1))
    if "," in text:
        if not THOUSANDS.match(text):
            raise DecimalCommaError(text)
        text = text.replace(",", "")
    points = THOUSANDS_POINT.match(text)
    if points and (money or points[3].count(".") > 1):
        raise ThousandsPointError(text)
    if not NUMBER.fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return float(text)


def numbers_if_plain(values: pd.Series, money: bool) -> pd.Series:
    """Text values as float64 when each is blank or plain number text.

    Plain text (``"20300"``, ``"-1.5"``) reads as :func:`number_text` reads
    it, so converting a column of it at once (each distinct text once)
    changes no value and spares reading it again, text by text, each time it
    is scored. One value that is anything else (for money, ``"20.300"``,
    whose point may separate thousands; a currency mark; a percent sign)
    leaves the column as it is, for :func:`read_column` to read or refuse
    each value.
    """
    codes, uniques = pd.factorize(values)
    texts = pd.Series(uniques, dtype=str)
    plain = texts.str.fullmatch(PLAIN_NUMBER)
    if money:
        plain &= ~texts.str.fullmatch(THOUSANDS_POINT.pattern.strip("^$"))
    if not plain.all():
        return values

    numbers = np.append(np.asarray(uniques, dtype=object).astype(np.float64), np.nan)
    return pd.Series(numbers[codes], index=values.index, name=values.name)


@dataclass
class Column:
    """One field read from raw values.

    ``values`` is float64 for numeric kinds (NaN where missing or invalid),
    datetime64 for dates and object otherwise (None where missing).
    ``problems`` maps a row position to its one-line message.
    """

    field: Field
    values: np.ndarray
    missing: np.ndarray
    problems: dict[int, str]


@dataclass
class Table:
    """Raw input read into canonical columns.

    Attributes
    ----------
    columns : dict
        Canonical name -> :class:`Column`, for every declared field found.
    n_rows : int
        Number of rows read.
    sources : dict
        Canonical name -> the header it was read from.
    ignored : list of str
        Headers that name no declared field.
    """

    columns: dict[str, Column]
    n_rows: int
    sources: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def row_problems(self) -> dict[int, list[str]]:
        """Every row's messages, fields in schema order."""
        found: dict[int, list[str]] = {}
        for col in self.columns.values():
            for row, message in col.problems.items():
                found.setdefault(row, []).append(message)
        return found

    def get(self, name: str) -> np.ndarray | None:
        col = self.columns.get(name)
        return None if col is None else col.values


def is_blank(raw: object) -> bool:
    """True for None, NaN, NaT and empty or whitespace text."""
    if raw is None or raw is pd.NaT or raw is pd.NA:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not raw.strip()


def _reject_non_scalars(f: Field, raw: object) -> None:
    """Refuse a value no number, category or text may be.

    TRUE and FALSE (as a cell sends them, or as text: see ``BOOLEAN_TEXTS``),
    an Excel error and a list, dict or array (a parquet cell may hold one),
    for every field; a date, for every field but free
    text, where it is kept as written (dates have their own reader).
    """
    if isinstance(raw, bool | np.bool_ | list | tuple | dict | set | np.ndarray):
        raise _Invalid(f.problem(raw))
    if isinstance(raw, dt.date | pd.Timestamp | np.datetime64):
        if f.kind is not Kind.FREE_TEXT:
            raise _Invalid(f.problem(raw))
    if isinstance(raw, str) and raw.strip().upper() in EXCEL_ERRORS:
        raise _Invalid(f.problem(raw))
    if isinstance(raw, str) and raw.strip().lower() in BOOLEAN_TEXTS:
        raise _Invalid(f.problem(raw))


def _read_number(f: Field, raw: object) -> tuple[float, bool]:
    """Return (number, written with a percent sign).

    A percent sign is read only for ``PERCENT_KINDS``; under any other field
    the value is refused, saying to write it without one.
    """
    _reject_non_scalars(f, raw)
    if isinstance(raw, int | float | np.integer | np.floating):
        return float(raw), False

    text = str(raw).strip().lower()
    if text in MISSING_TEXTS:
        return math.nan, False
    if f.kind is Kind.TERM:
        match = TERM_TEXT.match(text)
        if match:
            return float(match.group(1)), False
    if f.kind is Kind.YEARS:
        match = YEARS_TEXT.match(text)
        if match:
            return (0.0 if match.group(1) else float(match.group(2))), False

    percent = text.endswith(PERCENT_SIGN)
    read_percent = percent and f.kind in PERCENT_KINDS
    try:
        number = number_text(text.removesuffix(PERCENT_SIGN), f.kind is Kind.MONEY)
    except DecimalCommaError as err:
        raise _Invalid(f.problem(raw, err.note(read_percent))) from None
    except ThousandsPointError as err:
        raise _Invalid(f.problem(raw, err.note())) from None
    except ValueError:
        raise _Invalid(f.problem(raw)) from None

    if percent and not read_percent:
        spelling = str(raw).strip().removesuffix(PERCENT_SIGN).strip()
        raise _Invalid(f.problem(raw, percent_sign_note(f.label, spelling)))
    return number, percent


@dataclass(frozen=True)
class Units:
    """How the plain numbers (no percent sign) of a rate or a percent are read.

    ``alias`` is the percent-points header they came under, when that
    decides; ``column`` the unit judged once for a whole column (True:
    percent points, False: fractions), or None to judge each value alone.
    """

    alias: str = ""
    column: bool | None = None


# The two rules below are written with operators that mean the same on a float
# and on a float array, so a value read alone and a column read at once follow
# one definition.


def _as_points(f: Field, x, percent_text, units: Units):
    """True where a number is percent points (see ``xl_risk.schema``)."""
    if units.alias or units.column:
        return percent_text | True
    if units.column is None and f.kind is Kind.PERCENT:
        return percent_text | True
    if units.column is None:
        return percent_text | (x > f.fraction_max)
    return percent_text | False


def _canonical_numbers(f: Field, x, percent_text, units: Units):
    """Convert numbers to the field's unit: a rate's to a fraction, a percent's
    to percent points."""
    if f.kind not in PERCENT_KINDS:
        return x
    points = _as_points(f, x, percent_text, units)
    if f.kind is Kind.RATE:
        return np.where(points, x / PERCENT_POINTS, x)
    return np.where(points, x, x * PERCENT_POINTS)


def _column_units(f: Field, plain: np.ndarray, source: str, by_column: bool) -> Units:
    """Judge the unit of a column's plain numbers once, for the whole column.

    ``plain`` holds the numbers written without a percent sign (NaN for the
    others). Any of them above ``fraction_max`` makes the column percent
    points; all at or below it, fractions, except that a percent (published
    in points) needs ``FRACTION_EVIDENCE`` non-zero numbers for that. A
    percent-points header decides before the numbers do; without
    ``by_column`` each value is judged alone. The judgement is logged when it
    is a thin call or beyond doubt, except under the field's canonical name.
    """
    alias = source if normalise_header(source) in PERCENT_ALIASES[f.name] else ""
    if alias and by_column:
        _note_fractions_under_points(f, plain, alias)
    if f.kind not in PERCENT_KINDS or alias or not by_column:
        return Units(alias)

    numbers = plain[~np.isnan(plain)]
    above = int(np.count_nonzero(numbers > f.fraction_max))
    nonzero = int(np.count_nonzero(numbers))
    few = f.kind is Kind.PERCENT and nonzero < FRACTION_EVIDENCE
    points = above > 0 or few
    name = f"{f.label} ({source})" if source else f.label
    if source == f.name:
        # A column under the canonical name is one xl-risk read and prepared
        # (reports re-read the training frame): its file read said it already.
        return Units(column=points)
    if above and above * 2 < nonzero:
        log.warning(
            "%s: %d of %d non-zero numbers are above %g, so the whole column is "
            "read as percent points (%g is %g%%); check the column's unit",
            name, above, nonzero, f.fraction_max, f.fraction_max, f.fraction_max,
        )  # fmt: skip
    elif nonzero and not above and _either_unit(f, numbers):
        # Many non-zero numbers all at most the cut-off are fractions beyond
        # doubt (no population has every utilisation under 1.5%): said at INFO.
        sure = nonzero >= FRACTION_EVIDENCE
        unit = "percent points (0.5 is 0.5%)" if points else "fractions (0.5 is 50%)"
        log.log(
            logging.INFO if sure else logging.WARNING,
            "%s: every number in the column is at most %g, so all %s are read "
            "as %s; write them with a percent sign to say which",
            name, f.fraction_max, f"{len(numbers):,}", unit,
        )  # fmt: skip
    return Units(column=points)


def _note_fractions_under_points(f: Field, plain: np.ndarray, alias: str) -> None:
    """Warn when a percent-points header's column looks like fractions.

    ``FRACTION_EVIDENCE`` non-zero numbers all at most ``fraction_max``
    (0.227 for 22.7% utilisation) are read as the header demands, percent
    points, so 0.227%; the warning names the header and changes nothing.
    """
    numbers = plain[~np.isnan(plain)]
    nonzero = int(np.count_nonzero(numbers))
    if nonzero < FRACTION_EVIDENCE or (numbers > f.fraction_max).any():
        return
    log.warning(
        "%s (%s): all %s numbers are at most %g and look like fractions, but "
        "are read as percent points as %s demands (0.5 is 0.5%%); if they are "
        "fractions, multiply them by 100 or rename the column",
        f.label, alias, f"{len(numbers):,}", f.fraction_max, alias,
    )  # fmt: skip


def _either_unit(f: Field, numbers: np.ndarray) -> bool:
    """True when every number is in range read as fractions and as points."""
    rate = f.kind is Kind.RATE
    as_points = numbers / PERCENT_POINTS if rate else numbers
    as_fractions = numbers if rate else numbers * PERCENT_POINTS
    return not (_out_of_range(f, as_points) | _out_of_range(f, as_fractions)).any()


def _range_problem(
    f: Field, raw: object, number: float, percent_text: bool, units: Units
) -> str:
    """Message for a number out of range; for a rate, how it was read."""
    if f.kind is not Kind.RATE or percent_text:
        return f.problem(raw)
    as_points = bool(_as_points(f, number, False, units))
    how = "column" if units.column and number <= f.fraction_max else ""
    return f.problem(raw, f.rate_reading(number, as_points, units.alias, how))


def _out_of_range(f: Field, x):
    """True where a number (not NaN) breaks the field's declared range."""
    bad = x != x  # False for numbers; NaN is dealt with as missing
    if f.minimum is not None:
        bad = bad | (x < f.minimum)
    if f.maximum is not None:
        bad = bad | (x > f.maximum)
    if f.kind is Kind.COUNT:
        bad = bad | (np.floor(x) != x)
    if f.kind is Kind.TERM:
        bad = bad | ((x != TERMS[0]) & (x != TERMS[1]))
    return bad & (x == x)


def _category_lookup(f: Field) -> dict[str, str]:
    table = {normalise_header(c): c for c in f.categories}
    table.update({normalise_header(k): v for k, v in f.synonyms.items()})
    return table


_LOOKUPS: dict[str, dict[str, str]] = {}


def _reject_control(f: Field, text: str) -> None:
    """Refuse text holding a character no xlsx cell can (see ``CONTROL_CHARACTERS``)."""
    found = CONTROL_CHARACTERS.search(text)
    if found:
        raise _Invalid(f.control_problem(found.group()))


def _read_category(f: Field, raw: object) -> object:
    _reject_non_scalars(f, raw)
    if not isinstance(raw, str):
        raise _Invalid(f.problem(raw))
    _reject_control(f, raw)
    lookup = _LOOKUPS.setdefault(f.name, _category_lookup(f))
    found = lookup.get(normalise_header(raw))
    if found is not None:
        return found
    if raw.strip().lower() in MISSING_TEXTS:
        return _MISSING
    raise _Invalid(f.problem(raw))


def _read_date(f: Field, raw: object, slash: str = "") -> object:
    """Read a date; ``slash`` names the order of a column's slash dates
    (``SLASH_FORMATS``), or is empty to try day-first, then month-first."""
    if isinstance(raw, dt.date | pd.Timestamp | np.datetime64):
        return pd.Timestamp(raw)
    if not isinstance(raw, str):
        raise _Invalid(f.problem(raw))
    text = raw.strip()
    formats = DATE_FORMATS
    if slash:
        formats = (*(d for d in DATE_FORMATS if "/" not in d), SLASH_FORMATS[slash])
    for fmt in formats:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    note = f"the column's slash dates are {slash}" if slash and "/" in text else ""
    raise _Invalid(f.problem(raw, note))


def _slash_order(
    f: Field, uniques: list[object], codes: np.ndarray, source: str
) -> str:
    """Decide once the order of a column's slash dates (``"06/01/2007"``).

    A first part above 12 makes the column day-first, a second part above 12
    month-first; when both occur the order of the most rows wins and the
    other rows are refused. When every part is at most 12, the reading that
    puts every date on day 1 (Lending Club issue dates are first of the
    month) wins; failing that the column is month-first (a US source), with
    a warning. Empty when the column holds no slash dates.
    """
    found = [
        (i, SLASH_DATE.match(v.strip())) for i, v in enumerate(uniques)
        if isinstance(v, str)
    ]  # fmt: skip
    parts = {i: (int(m[1]), int(m[2])) for i, m in found if m}
    if not parts:
        return ""

    rows = np.bincount(codes, minlength=len(uniques))
    day_first = sum(rows[i] for i, (a, _) in parts.items() if a > MONTHS)
    month_first = sum(rows[i] for i, (_, b) in parts.items() if b > MONTHS)
    if day_first or month_first:
        return "day-first" if day_first > month_first else "month-first"

    firsts = {a for a, _ in parts.values()}
    seconds = {b for _, b in parts.values()}
    name = f"{f.label} ({source})" if source else f.label
    if firsts == {1} and seconds != {1}:
        order = "day-first"
    elif seconds == {1}:
        order = "month-first"
    else:
        order = "month-first"
        log.warning(
            "%s: every slash date has both parts at most 12, so they could be "
            "day-first or month-first; read as month-first (MM/DD/YYYY, as US "
            "files write them): write dates as 2011-12-01 to say which",
            name,
        )  # fmt: skip
        return order
    log.info("%s: slash dates read %s, which puts each on day 1", name, order)
    return order


def _read_text(f: Field, raw: object) -> object:
    _reject_non_scalars(f, raw)
    if isinstance(raw, float | np.floating) and float(raw).is_integer():
        return str(int(raw))
    text = str(raw)
    if f.kind is Kind.FREE_TEXT:
        text = CONTROL_CHARACTERS.sub("", text)
    else:
        _reject_control(f, text)
    text = text.strip()
    return text if text.lower() not in MISSING_TEXTS else _MISSING


def _distinct(raw: np.ndarray | pd.Series) -> tuple[list[object], np.ndarray]:
    """Distinct values and each row's index into them (few rows: no hashing)."""
    if len(raw) <= SMALL_COLUMN:
        return list(raw), np.arange(len(raw))
    series = raw if isinstance(raw, pd.Series) else pd.Series(raw, dtype=object)
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
    except TypeError:  # a list, dict or array among the values (parquet)
        return _distinct_unhashable(series)
    return list(uniques), codes


def _distinct_unhashable(series: pd.Series) -> tuple[list[object], np.ndarray]:
    """Like :func:`_distinct` for values some of which cannot be hashed: each
    such value is a distinct value of its own, to be refused row by row."""
    uniques: list[object] = []
    seen: dict[tuple[type, object], int] = {}
    codes = np.empty(len(series), dtype=np.intp)
    for row, value in enumerate(series):
        try:  # keyed by type too, so True and 1 stay apart
            codes[row] = seen.setdefault((type(value), value), len(uniques))
        except TypeError:
            codes[row] = len(uniques)
            uniques.append(value)
            continue
        if codes[row] == len(uniques):
            uniques.append(value)
    return uniques, codes


def read_column(
    f: Field, raw: Sequence | np.ndarray, source: str = "", by_column: bool = True
) -> Column:
    """Read one field's raw values.

    Parameters
    ----------
    f : Field
        The declared field.
    raw : array-like of length n
        Values as they arrived (numbers, text, None, datetimes, Excel errors).
    source : str
        The header they came under; decides the unit of plain numbers for
        fields whose Spanish name is published in percent points.
    by_column : bool
        Judge the unit of a rate's or a percent's plain numbers once for the
        whole column (a file), rather than value by value (cells, where a
        row must read alone as it does in a range): see ``xl_risk.schema``.

    Returns
    -------
    Column
    """
    if isinstance(raw, pd.Series):
        numeric = pd.api.types.is_numeric_dtype(raw) and not raw.dtype == bool
        arr = raw.to_numpy(dtype=float, na_value=np.nan) if numeric else raw
    elif isinstance(raw, np.ndarray):
        arr = raw
    else:
        arr = np.asarray(raw, dtype=object)
    if f.kind in NUMERIC_KINDS:
        return _read_numeric_column(f, arr, source, by_column)
    return _read_object_column(f, arr, source, by_column)


def _read_numeric_column(f: Field, arr, source: str, by_column: bool) -> Column:
    if isinstance(arr, pd.Series) or arr.dtype.kind not in "iuf":
        return _read_numeric_objects(f, arr, source, by_column)

    x = arr.astype(np.float64, copy=False)
    missing = np.isnan(x)
    units = _column_units(f, x, source, by_column)
    x = _canonical_numbers(f, x, np.zeros(len(x), dtype=bool), units)
    bad = np.flatnonzero(_out_of_range(f, x))
    problems = {
        int(row): _range_problem(f, arr[row], float(arr[row]), False, units)
        for row in bad
    }
    if problems:
        x = x.copy()
        x[bad] = np.nan
    return Column(f, x, missing, problems)


def _read_numeric_objects(f: Field, arr, source: str, by_column: bool) -> Column:
    """Object values: each distinct value read once, in plain Python."""
    uniques, codes = _distinct(arr)
    numbers = np.full(len(uniques), np.nan)
    percent = np.zeros(len(uniques), dtype=bool)
    failed: dict[int, str] = {}
    for i, value in enumerate(uniques):
        try:
            numbers[i], percent[i] = (
                (math.nan, False) if is_blank(value) else _read_number(f, value)
            )
        except _Invalid as err:
            failed[i] = str(err)

    blank = np.isnan(numbers) & ~np.isin(np.arange(len(uniques)), list(failed))
    plain = np.where(percent, np.nan, numbers)[codes]
    units = _column_units(f, plain, source, by_column)
    read = np.asarray(_canonical_numbers(f, numbers, percent, units), dtype=float)
    for i in np.flatnonzero(_out_of_range(f, read)):
        failed[int(i)] = _range_problem(
            f, uniques[i], float(numbers[i]), bool(percent[i]), units
        )
        read[i] = np.nan

    problems = {}
    if failed:
        for row in np.flatnonzero(np.isin(codes, list(failed))):
            problems[int(row)] = failed[int(codes[row])]
    return Column(f, read[codes], blank[codes], problems)


def _read_object_column(
    f: Field, arr: np.ndarray, source: str = "", by_column: bool = True
) -> Column:
    reader = {Kind.CATEGORY: _read_category, Kind.DATE: _read_date}.get(
        f.kind, _read_text
    )
    uniques, codes = _distinct(arr)
    if f.kind is Kind.DATE and by_column:
        slash = _slash_order(f, uniques, codes, source)
        reader = partial(_read_date, slash=slash)
    read: list[object] = []
    failed: dict[int, str] = {}
    for i, value in enumerate(uniques):
        if is_blank(value):
            read.append(None)
            continue
        try:
            got = reader(f, value)
            read.append(None if got is _MISSING else got)
        except _Invalid as err:
            read.append(None)
            failed[i] = str(err)

    if f.kind is Kind.FREE_TEXT:
        _note_control(f, uniques, codes)
    values = np.empty(len(uniques), dtype=object)
    values[:] = read
    blank = np.array([v is None and i not in failed for i, v in enumerate(read)])
    values, missing = values[codes], blank[codes] if len(read) else blank
    problems = {}
    if failed:
        for row in np.flatnonzero(np.isin(codes, list(failed))):
            problems[int(row)] = failed[int(codes[row])]
    if f.kind is Kind.DATE:
        values = pd.to_datetime(pd.Series(values, dtype=object)).to_numpy()
    return Column(f, values, missing, problems)


def _note_control(f: Field, uniques: list[object], codes: np.ndarray) -> None:
    """Warn, counting the rows, when control characters were removed from text."""
    held = [
        i for i, v in enumerate(uniques)
        if isinstance(v, str) and CONTROL_CHARACTERS.search(v)
    ]  # fmt: skip
    if held:
        rows = int(np.isin(codes, held).sum())
        log.warning(
            "%s: removed control characters (U+0000 to U+001F but tab and line "
            "breaks, U+007F) from %d value(s)",
            f.label, rows,
        )  # fmt: skip


def match_headers(headers: Iterable[object]) -> tuple[dict[str, str], list[str]]:
    """Map headers to canonical fields (cached; see :func:`_match_headers`).

    The one place headers are matched, for files, tables and cell ranges.
    """
    sources, ignored = _match_headers(tuple(str(h) for h in headers))
    return dict(sources), list(ignored)


@lru_cache(maxsize=256)
def _match_headers(headers: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Map headers to canonical fields, one column per field.

    A fallback alias (``Field.fallback_aliases``) counts only when no other
    name of its field is among the headers.

    Returns
    -------
    sources : dict
        Canonical name -> the header chosen for it.
    ignored : list of str
        Headers naming no field, or a fallback beside its field's own name.

    Raises
    ------
    DataError
        Two or more columns name one field (``grade`` twice, or ``grade`` and
        ``rating``); one message naming each such field and its headers.
    """
    named: dict[str, list[str]] = {}
    for header in headers:
        f = resolve(header)
        if f is not None:
            named.setdefault(f.name, []).append(header)

    sources: dict[str, str] = {}
    clashes = []
    for f in FIELDS:
        found = named.get(f.name)
        if not found:
            continue
        fallbacks = {normalise_header(a) for a in f.fallback_aliases}
        own = [h for h in found if normalise_header(h) not in fallbacks]
        chosen = own or found
        if len(chosen) > 1:
            clashes.append(f.duplicate_problem(chosen))
        else:
            sources[f.name] = chosen[0]
    if clashes:
        raise DataError("; ".join(clashes))

    used = set(sources.values())
    return sources, [h for h in headers if h not in used]


def read_table(
    data: pd.DataFrame | Mapping[str, Sequence],
    fields: Sequence[Field] = FIELDS,
    by_column: bool = True,
) -> Table:
    """Read raw columns (any supported naming) into canonical columns.

    Parameters
    ----------
    data : DataFrame or mapping of header -> values
        One column per header; all of the same length.
    fields : sequence of Field
        The fields to read (default: all); scoring reads only the inputs.
    by_column : bool
        Judge each rate's and percent's unit once per column (files), or
        value by value (cells): see :func:`read_column`.
    """
    headers = list(data.keys())
    sources, ignored = match_headers(headers)
    n_rows = len(data) if isinstance(data, pd.DataFrame) else _common_length(data)
    columns = {}
    for f in fields:
        if f.name in sources:
            header = sources[f.name]
            columns[f.name] = read_column(f, data[header], header, by_column)
    return Table(columns, n_rows, sources, ignored)


def _common_length(data: Mapping[str, Sequence]) -> int:
    lengths = {len(v) for v in data.values()}
    if len(lengths) > 1:
        raise ValueError(
            f"columns must have one length, got lengths {sorted(lengths)}."
        )
    return lengths.pop() if lengths else 0
