"""The canonical loan schema: every field declared once.

Each :class:`Field` carries its canonical name, the names it is known by in the
Lending Club files and in the Spanish analysis, what kind of value it holds, the
unit it is stored in, and the values or range it accepts. Parsing, validation
and every error message an analyst sees are derived from this one table.

Units, per kind of field
------------------------
rate (``interest_rate``, ``revolving_utilisation``)
    Stored as a fraction: 13.49% is ``0.1349``. Text with a percent sign
    (``"13.49%"``) is read as percent points. A number under a Spanish name
    (``tipo_interes``, ``porc_uso_revolving``) is percent points, as that
    convention publishes it. Other numbers (written without a percent sign)
    are judged against the field's ``fraction_max`` (1; 1.5 for utilisation):

    * in a file (training, validation, scoring, monitoring, capital), once
      per column: any number above it makes the whole column percent points
      (utilisation ``1.2`` beside ``83.7`` is 1.2%), all at or below it make
      it fractions. A warning names the field when the judgement is thin:
      most numbers at or below the cut-off in a points column, or a column
      of fractions that would be in range as points too (utilisation ``0.5``
      and ``1.2``); an interest rate's ``0.1349`` cannot be 0.1349%.
    * in a cell, one value at a time, so a row scored alone reads exactly as
      it does inside a range: above it percent points, at or below it a
      fraction (a cell formatted as a percentage sends ``0.1349`` for
      13.49% and ``1.6`` for 160%; a typed ``13.49`` is 13.49%, a typed
      ``1.2`` utilisation is 120%).

    The interest rate must then fall in a plausible 1% to 50% a year: a value
    outside is refused with a note saying how it was read (``0.0691`` under
    ``tipo_interes`` is 0.0691%) and what to write for the other reading.
percent (``dti``, ``bankcards_over_75pct``)
    Stored in percent points, as Lending Club publishes them: ``13.5`` means
    13.5%. Text such as ``"13.5%"`` is read the same way, and so is every
    number in a cell. In a file a column is judged once: it is fractions
    (``0.135`` is 13.5), with a warning, only when at least
    ``parsing.FRACTION_EVIDENCE`` (20) non-zero numbers are all at most 1,
    since a real debt-to-income may be 0.5.
term
    Months, 36 or 60; ``"36 months"`` and ``36`` are both accepted.
years (``employment_years``)
    0 to 10; ``"< 1 year"`` is 0, ``"10+ years"`` is 10, ``"n/a"`` is missing.
date
    ``"Dec-2011"``, ISO ``"2011-12-01"`` or a datetime.
text (``job_title``), id (``loan_id``, ``customer_id``)
    Any text; a number is read as its digits (``12345.0`` is ``"12345"``).
    Blank and ``"n/a"`` are missing. An Excel error (``"#N/A"``), TRUE or
    FALSE (a cell's, or the text a CSV holds for one) and a date are refused:
    each is a cell that went wrong, not a job title or an id.
free text (``description``)
    As text, but a date is kept, as written, since a description may be one.

Control characters (U+0000 to U+001F and U+007F, but tab, line feed and
carriage return) cannot be written to an xlsx sheet, and in a job title, an
id or a category they are a value gone wrong: it is refused, naming the field
and the character (``job title: expected text, got a control character
(U+0001); remove it``). From a description they are removed, with a warning counting the
values, since the rest of its text still reads.

Number text, for every numeric kind
-----------------------------------
Number text is ASCII digits with an optional sign, one decimal point and an
exponent (``"-20300.5"``, ``"2.03e4"``). Only a rate or a percent may end in
one percent sign: on any other field (``"20300%"`` principal, ``"3%"``
derogatory records) it means nothing, so it is refused, saying what to write
(``20300``), rather than dropped in silence. Spaces anywhere and one
currency sign ($, €, £) at the start or the end are dropped. Anything else
Python's float() would take (``"1_000"``, digits of other scripts,
``"infinity"``) or a second percent sign is refused. A comma is read as a
thousands separator only between groups of exactly three digits
(``"20,300"``, ``"1,234,567.89"``); any other comma (``"20300,00"``,
``"1.234,56"``, ``"12,5"``) is refused with a message that says how to write
the number, rather than read 100 times too large. Points between groups of
three digits (``"1.234.567"``) are refused the same way.

Money text (``Kind.MONEY``) with one point before exactly three digits
(``"20.300"``, ``"-1.500"``) is refused: money is written with 0 or 2
decimals, so the point may be a thousands separator (a Spanish Excel writes
twenty thousand three hundred so) and read as a decimal point it would make
the amount 1000 times too small. The message says how to write either
reading: 20300, or 20.30. Only text is refused: a number that arrives as a
number (an Excel cell, a numeric parquet column) has nothing to misread, and
neither has a rate (``"13.490"``) or any other kind.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Context, Decimal
from enum import StrEnum
from functools import lru_cache

import numpy as np
import pandas as pd

MISSING_TEXTS = frozenset({"", "n/a", "na", "nan", "none", "null", "-"})
# TRUE and FALSE as a CSV writes them: pandas reads a column holding nothing
# else as booleans, so as text they are refused too, alone or in a batch.
BOOLEAN_TEXTS = frozenset({"true", "false"})
EXCEL_ERRORS = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!",
     "#CALC!", "#GETTING_DATA"}
)  # fmt: skip
PERCENT_SIGN = "%"
PERCENT_POINTS = 100.0
SHOWN_DIGITS = 6  # significant digits of a number a message works out
SPELT_DIGITS = 15  # of a number a message asks to write: what a float holds
HEADER_SEPARATORS = re.compile(r"[\s\-]+")
# What an xlsx cell cannot hold, and DEL; tab, line feed and return it can.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Kind(StrEnum):
    """What a field holds; decides how raw values are read."""

    MONEY = "money"
    COUNT = "count"
    RATE = "rate"
    PERCENT = "percent"
    SCORE = "score"
    TERM = "term"
    YEARS = "years"
    CATEGORY = "category"
    DATE = "date"
    TEXT = "text"
    FREE_TEXT = "free text"
    ID = "id"


PERCENT_KINDS = frozenset({Kind.RATE, Kind.PERCENT})  # the kinds a % sign is read on
TEXT_KINDS = frozenset({Kind.TEXT, Kind.FREE_TEXT, Kind.ID})


class Role(StrEnum):
    """What a field is used for."""

    INPUT = "input"  # known when the applicant applies: may be a predictor
    OUTCOME = "outcome"  # known only after issue: builds targets, never predicts
    KEY = "key"  # identifiers: never predict
    TIME = "time"  # issue date: splits only, never predicts


@dataclass(frozen=True)
class Field:
    """One declared field of the canonical schema.

    Parameters
    ----------
    name : str
        Canonical column name.
    label : str
        Words an analyst reads in messages and sheet headers.
    kind : Kind
        How raw values are read.
    role : Role
        Predictor, outcome, key or time.
    aliases : tuple of str
        Other column names, most preferred first (Lending Club, then Spanish).
    percent_aliases : tuple of str
        Aliases whose plain numbers are percent points (the Spanish convention).
    fallback_aliases : tuple of str
        Aliases of a related published column that stands in for the field
        only when no other name of it is present: Lending Club's
        ``loan_amnt`` (the amount applied for) when ``funded_amnt`` (the
        amount lent) is absent. Beside another name of the field it is
        ignored; any other two columns naming one field are refused.
    required : bool
        A required input must be present to score; optional inputs may be
        blank or absent and are then filled as the trained model recorded.
    minimum, maximum : float, optional
        Accepted range in the canonical unit.
    categories : tuple of str
        Accepted values of a category, in canonical spelling.
    synonyms : dict
        Other spellings of categories, lower-cased, mapped to canonical ones.
    fraction_max : float
        For rates: plain numbers above it are percent points.
    unit : str
        The canonical unit, in words.
    number_format : str
        Excel number format for sheets that show the field.
    """

    name: str
    label: str
    kind: Kind
    role: Role = Role.INPUT
    aliases: tuple[str, ...] = ()
    percent_aliases: tuple[str, ...] = ()
    fallback_aliases: tuple[str, ...] = ()
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    fraction_max: float = 1.0
    unit: str = ""
    number_format: str = "General"

    def expectation(self) -> str:
        """Describe the accepted values, for messages."""
        if self.kind is Kind.CATEGORY:
            return "one of " + ", ".join(self.categories)
        if self.kind is Kind.TERM:
            return "36 or 60 (months)"
        if self.kind is Kind.DATE:
            return "a date such as Dec-2011 or 2011-12-01"
        if self.kind in TEXT_KINDS:
            return "text"
        if self.kind is Kind.YEARS:
            return "years from 0 to 10, '< 1 year' or '10+ years'"
        whole = "a whole number" if self.kind is Kind.COUNT else "a number"
        return whole + _range_words(self)

    def problem(self, raw: object, note: str = "") -> str:
        """One-line message for a raw value this field cannot accept.

        ``note`` follows the value after a semicolon: how the value was read,
        or how to write what was probably meant.
        """
        message = f"{self.label}: expected {self.expectation()}, got {describe(raw)}"
        return f"{message}; {note}" if note else message

    def rate_reading(
        self, number: float, as_points: bool, under: str = "", how: str = ""
    ) -> str:
        """How a plain number was read as a rate, for a message's note.

        Parameters
        ----------
        number : float
            The number as written.
        as_points : bool
            Whether it was read as percent points (else as a fraction).
        under : str
            The percent-points header it came under, when that decided.
        how : str
            ``"column"`` when the number is read as percent points only
            because others in its column (of a file) are above the cut-off.

        When the other reading falls in the accepted range, the note ends
        with what to write for it: "for 6.91% write 6.91".
        """
        cut = f"{self.fraction_max:g}"
        if under:
            note = f"under {under} it is read as percent points"
        elif how:
            note = f"the column holds numbers above {cut}, so it is percent points"
        elif as_points:
            note = f"a number above {cut} is read as percent points"
        else:
            note = f"a number up to {cut} is read as a fraction"
        read = show_number(number, SHOWN_DIGITS, shift=0 if as_points else 2)
        note += f": {read}%"

        other = number if as_points else number / PERCENT_POINTS
        if self.minimum is None or not self.minimum <= other <= self.maximum:
            return note
        percent = show_number(other, SPELT_DIGITS, shift=2) + PERCENT_SIGN
        spelling = (
            show_number(other, SPELT_DIGITS, shift=2)
            if under or how
            else f"{show_number(other, SPELT_DIGITS)} or '{percent}'"
        )
        return f"{note}; for {percent} write {spelling}"

    def control_problem(self, char: str) -> str:
        """One-line message for text holding a control character."""
        code = f"U+{ord(char):04X}"
        return (
            f"{self.label}: expected {self.expectation()}, got a control character "
            f"({code}); remove it"
        )

    def duplicate_problem(self, headers: list[str]) -> str:
        """One-line message for two or more columns that name this field."""
        names = [repr(h) for h in headers]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        return (
            f"{self.label}: expected one column, got {len(headers)} ({listed}); "
            "keep one"
        )


def show_number(number: float, digits: int, shift: int = 0) -> str:
    """A number for a message, to ``digits`` significant digits.

    ``shift`` moves the decimal point right (2: a fraction in percent
    points). It is moved in the number's shortest spelling, not by
    multiplying: 0.0691 shows as 6.91, not 6.909999999999999, and 1e-320 as
    1e-318, not 9.99988867182683e-319. Plain notation, with thousands
    commas, unless the number is very large or very small.
    """
    if not math.isfinite(number):
        return f"{number}"
    precise = Decimal(str(float(number))).scaleb(shift)
    value = precise.normalize(Context(prec=digits))
    if -5 <= value.adjusted() < digits:
        return f"{value:,f}"
    return f"{value:g}"


def _range_words(f: Field) -> str:
    scale = 100.0 if f.kind is Kind.RATE else 1.0
    suffix = PERCENT_SIGN if f.kind in PERCENT_KINDS else ""

    def show(v: float) -> str:
        return f"{v * scale:,.15g}{suffix}"

    if f.minimum is not None and f.maximum is not None:
        return f" from {show(f.minimum)} to {show(f.maximum)}"
    if f.minimum is not None:
        return f" >= {show(f.minimum)}"
    return ""


def describe(raw: object) -> str:
    """Show a raw value the way an analyst typed it."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return "blank"
    if isinstance(raw, str) and not raw.strip():
        return "blank"
    if isinstance(raw, str) and raw.strip().upper() in EXCEL_ERRORS:
        return f"the Excel error {raw.strip().upper()}"
    if isinstance(raw, dt.datetime | dt.date | pd.Timestamp | np.datetime64):
        return f"a date ({pd.Timestamp(raw).date().isoformat()})"
    if isinstance(raw, bool | np.bool_):
        return f"TRUE/FALSE ({raw})"
    text = repr(raw) if isinstance(raw, str) else f"{raw}"
    return text if len(text) <= 40 else text[:37] + "..."


def decimal_comma_note(spelling: str | None) -> str:
    """Words for number text whose comma is not a thousands separator.

    ``spelling`` is the same number written with a decimal point, when the
    text has one clear reading ("20300,00" -> "20300.00").
    """
    how = spelling or (
        "decimals with a point, and commas only between groups of three digits "
        "(1,234.5)"
    )
    return f"a decimal comma is not read: write {how}"


def percent_sign_note(label: str, spelling: str) -> str:
    """Words for number text ending in % under a field that is no rate or percent.

    ``spelling`` is the text without its percent sign ("20300%" -> "20300").
    """
    return f"a percent sign is not allowed for {label}: write {spelling}"


def thousands_point_note(whole: str, cents: str | None, rounded: bool) -> str:
    """Words for number text whose point may be a thousands separator.

    ``whole`` is the number read with the point as a thousands separator
    ("20.300" -> "20300"); ``cents`` the same text read as a decimal, to the
    cent ("20.30"), or None where only the thousands reading exists
    ("1.234.567"); ``rounded``: the cents reading dropped a digit other
    than 0.
    """
    if cents is None:
        return f"a point between groups of three digits is not read: write {whole}"
    number = int(whole)
    words = ("minus " if number < 0 else "") + _number_words(abs(number))
    rounding = " (rounded to the cent)" if rounded else ""
    return (
        "a point before three digits may separate thousands: "
        f"write {whole} for {words}, or {cents}{rounding}"
    )


_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve "
    "thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "- - twenty thirty forty fifty sixty seventy eighty ninety".split()


def _number_words(n: int) -> str:
    """A whole number below a million in words ("twenty thousand three hundred")."""
    if n < len(_UNITS):
        return _UNITS[n]
    if n < 100:
        return _TENS[n // 10] + (f"-{_UNITS[n % 10]}" if n % 10 else "")
    if n < 1000:
        rest = f" {_number_words(n % 100)}" if n % 100 else ""
        return f"{_UNITS[n // 100]} hundred{rest}"
    rest = f" {_number_words(n % 1000)}" if n % 1000 else ""
    return f"{_number_words(n // 1000)} thousand{rest}"


GRADES = ("A", "B", "C", "D", "E", "F", "G")
HOME_OWNERSHIP = ("RENT", "MORTGAGE", "OWN", "OTHER")
VERIFICATION = ("Not Verified", "Source Verified", "Verified")
PURPOSES = (
    "debt_consolidation",
    "credit_card",
    "home_improvement",
    "major_purchase",
    "small_business",
    "car",
    "wedding",
    "medical",
    "moving",
    "house",
    "vacation",
    "educational",
    "renewable_energy",
    "other",
)
TERMS = (36, 60)
BAD_STATUSES = (
    "Charged Off",
    "Default",
    "Does not meet the credit policy. Status:Charged Off",
)
GOOD_STATUSES = (
    "Fully Paid",
    "Does not meet the credit policy. Status:Fully Paid",
)
RUNNING_STATUSES = (
    "Current",
    "In Grace Period",
    "Late (16-30 days)",
    "Late (31-120 days)",
    "Issued",
)
STATUSES = BAD_STATUSES + GOOD_STATUSES + RUNNING_STATUSES

MAX_AMOUNT = 10_000_000.0
# Plausible interest rates, a year. Lending Club's 2007-2011 loans span about
# 5.4% to 24.6% and the demo portfolio about 4.6% to 23.4%; consumer loans
# above about 36% APR are outside this product, and none is lent free. A rate
# outside 1% to 50% is far likelier a unit slip (a cell showing 6.91% sends
# 0.0691, which a percent-points name reads as 0.0691%; or 1 typed for 1%,
# read as 100%) than a real loan, so it is refused and the message says how
# the number was read.
INTEREST_RATE_MIN = 0.01
INTEREST_RATE_MAX = 0.50

FIELDS: tuple[Field, ...] = (
    # --- inputs, in the Applications sheet's column order -------------------
    Field("principal", "principal", Kind.MONEY,
          aliases=("funded_amnt", "loan_amnt"), fallback_aliases=("loan_amnt",),
          minimum=1.0, maximum=MAX_AMOUNT, unit="currency",
          number_format="#,##0.00"),
    Field("term_months", "term", Kind.TERM,
          aliases=("term", "num_cuotas"), unit="months", number_format="0"),
    Field("interest_rate", "interest rate", Kind.RATE,
          aliases=("int_rate", "tipo_interes"), percent_aliases=("tipo_interes",),
          minimum=INTEREST_RATE_MIN, maximum=INTEREST_RATE_MAX,
          unit="fraction per year",
          number_format="0.00%"),
    Field("installment", "monthly instalment", Kind.MONEY,
          aliases=("installment", "imp_cuota"), minimum=0.0, maximum=MAX_AMOUNT,
          unit="currency per month", number_format="#,##0.00"),
    Field("grade", "grade", Kind.CATEGORY, aliases=("grade", "rating"),
          categories=GRADES),
    Field("employment_years", "employment length", Kind.YEARS,
          aliases=("emp_length", "antigüedad_empleo", "antiguedad_empleo"),
          required=False, minimum=0.0, maximum=10.0, unit="years",
          number_format="0"),
    Field("home_ownership", "home ownership", Kind.CATEGORY,
          aliases=("home_ownership", "vivienda"), categories=HOME_OWNERSHIP,
          synonyms={"any": "OTHER", "none": "OTHER"}),
    Field("annual_income", "annual income", Kind.MONEY,
          aliases=("annual_inc", "ingresos"), minimum=0.0, maximum=1e9,
          unit="currency per year", number_format="#,##0"),
    Field("income_verification", "income verification", Kind.CATEGORY,
          aliases=("verification_status", "ingresos_verificados"),
          categories=VERIFICATION,
          synonyms={"source verified": "Source Verified", "verified": "Verified",
                    "not verified": "Not Verified"}),
    Field("purpose", "purpose", Kind.CATEGORY, aliases=("purpose", "finalidad"),
          categories=PURPOSES),
    Field("dti", "debt-to-income", Kind.PERCENT, aliases=("dti",),
          required=False, minimum=0.0, maximum=100.0, unit="percent points",
          number_format="0.00"),
    Field("derogatory_records", "derogatory public records", Kind.COUNT,
          aliases=("pub_rec", "num_derogatorios"), minimum=0.0, maximum=100.0,
          number_format="0"),
    Field("revolving_utilisation", "revolving utilisation", Kind.RATE,
          aliases=("revol_util", "porc_uso_revolving"),
          percent_aliases=("porc_uso_revolving",), minimum=0.0, maximum=5.0,
          fraction_max=1.5, unit="fraction of the revolving limit",
          number_format="0.0%"),
    Field("open_credit_lines", "open credit lines", Kind.COUNT,
          aliases=("open_acc", "num_lineas_credito"), minimum=0.0, maximum=200.0,
          number_format="0"),
    Field("mortgage_accounts", "mortgage accounts", Kind.COUNT,
          aliases=("mort_acc", "num_hipotecas"), required=False, minimum=0.0,
          maximum=100.0, number_format="0"),
    Field("bankcards_over_75pct", "bankcards above 75% of limit", Kind.PERCENT,
          aliases=("percent_bc_gt_75", "porc_tarjetas_75p"), required=False,
          minimum=0.0, maximum=100.0, unit="percent points",
          number_format="0.0"),
    Field("fico_score", "FICO score", Kind.SCORE,
          aliases=("fico_range_low", "fico"), required=False, minimum=300.0,
          maximum=850.0, unit="points", number_format="0"),
    Field("inquiries_6m", "credit inquiries in 6 months", Kind.COUNT,
          aliases=("inq_last_6mths",), required=False, minimum=0.0,
          maximum=100.0, number_format="0"),
    Field("delinquencies_2y", "delinquencies in 2 years", Kind.COUNT,
          aliases=("delinq_2yrs",), required=False, minimum=0.0, maximum=100.0,
          number_format="0"),
    Field("job_title", "job title", Kind.TEXT, aliases=("emp_title", "empleo"),
          required=False),
    # --- not predictors --------------------------------------------------
    Field("description", "loan description", Kind.FREE_TEXT, role=Role.KEY,
          aliases=("desc", "descripcion"), required=False),
    Field("loan_id", "loan id", Kind.ID, role=Role.KEY,
          aliases=("id", "id_prestamo"), required=False),
    Field("customer_id", "customer id", Kind.ID, role=Role.KEY,
          aliases=("member_id", "id_cliente"), required=False),
    Field("issue_date", "issue date", Kind.DATE, role=Role.TIME,
          aliases=("issue_d", "fecha_emision"), required=False),
    Field("loan_status", "loan status", Kind.CATEGORY, role=Role.OUTCOME,
          aliases=("loan_status", "estado"), categories=STATUSES),
    Field("principal_repaid", "principal repaid", Kind.MONEY, role=Role.OUTCOME,
          aliases=("total_rec_prncp", "imp_amortizado"), minimum=0.0,
          maximum=MAX_AMOUNT, number_format="#,##0.00"),
    Field("recoveries", "recoveries", Kind.MONEY, role=Role.OUTCOME,
          aliases=("recoveries", "imp_recuperado"), minimum=0.0,
          maximum=MAX_AMOUNT, number_format="#,##0.00"),
)  # fmt: skip

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
INPUT_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.role is Role.INPUT)
INPUT_NAMES: tuple[str, ...] = tuple(f.name for f in INPUT_FIELDS)
OUTCOME_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS if f.role is Role.OUTCOME)

# Columns of Lending Club files known only after the loan is issued, or that
# identify the loan or the borrower (PROVENANCE.md). None is ever a predictor.
LEAKAGE_COLUMNS: tuple[str, ...] = (
    "loan_status", "total_pymnt", "total_pymnt_inv", "total_rec_prncp",
    "total_rec_int", "total_rec_late_fee", "recoveries", "collection_recovery_fee",
    "out_prncp", "out_prncp_inv", "last_pymnt_d", "last_pymnt_amnt",
    "next_pymnt_d", "last_credit_pull_d", "last_fico_range_high",
    "last_fico_range_low", "debt_settlement_flag", "debt_settlement_flag_date",
    "settlement_status", "settlement_date", "settlement_amount",
    "settlement_percentage", "settlement_term", "hardship_flag", "pymnt_plan",
    "issue_year", "issue_d", "funded_amnt_inv", "id", "url", "zip_code",
    "member_id", "estado", "imp_amortizado", "imp_recuperado", "id_prestamo",
    "id_cliente",
)  # fmt: skip


@lru_cache(maxsize=4096)
def _normalise_text(text: str) -> str:
    return HEADER_SEPARATORS.sub("_", text.strip().lower())


def normalise_header(name: object) -> str:
    """Lower-case a column header and squeeze spaces and dashes to underscores."""
    return _normalise_text(str(name))


def _alias_table() -> dict[str, tuple[Field, str]]:
    table: dict[str, tuple[Field, str]] = {}
    for f in FIELDS:
        for alias in (f.name, *f.aliases, f.label):
            table.setdefault(normalise_header(alias), (f, alias))
    return table


ALIASES = _alias_table()


def resolve(header: object) -> Field | None:
    """Return the declared field a column header names, or None."""
    hit = ALIASES.get(normalise_header(header))
    return hit[0] if hit else None
