"""Column conventions and unit spellings all read to the same canonical values."""

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest

from xl_risk.demo import make_portfolio
from xl_risk.parsing import (
    NUMERIC_KINDS,
    DataError,
    match_headers,
    number_text,
    read_table,
)
from xl_risk.schema import FIELDS, INPUT_FIELDS, LEAKAGE_COLUMNS, Kind, Role, resolve

# Lending Club name -> the Spanish course's name for the same field.
SPANISH_NAMES = {
    "loan_status": "estado",
    "funded_amnt": "principal",
    "total_rec_prncp": "imp_amortizado",
    "recoveries": "imp_recuperado",
    "grade": "rating",
    "purpose": "finalidad",
    "emp_length": "antigüedad_empleo",
    "pub_rec": "num_derogatorios",
    "revol_util": "porc_uso_revolving",
    "int_rate": "tipo_interes",
    "installment": "imp_cuota",
    "term": "num_cuotas",
    "annual_inc": "ingresos",
    "verification_status": "ingresos_verificados",
    "home_ownership": "vivienda",
    "open_acc": "num_lineas_credito",
    "mort_acc": "num_hipotecas",
    "percent_bc_gt_75": "porc_tarjetas_75p",
    "emp_title": "empleo",
    "desc": "descripcion",
    "id": "id_prestamo",
    "member_id": "id_cliente",
}
PERCENT_POINTS = 100.0
SAME_NUMBER = 1e-12  # 45.3 / 100 and 0.453 differ in the last bit only


def read_one(header: str, raw: object) -> object:
    """The canonical value of one raw cell under one header."""
    table = read_table({header: [raw]})
    (column,) = table.columns.values()
    assert column.problems == {}, column.problems
    return column.values[0]


def to_spanish(loans: pd.DataFrame) -> pd.DataFrame:
    """The same loans as the Spanish analysis publishes them."""
    spanish = loans[list(SPANISH_NAMES)].rename(columns=SPANISH_NAMES)
    spanish["tipo_interes"] = loans["int_rate"].str.rstrip("%").astype(float)
    spanish["porc_uso_revolving"] = loans["revol_util"].str.rstrip("%").astype(float)
    spanish["num_cuotas"] = loans["term"].str.extract(r"(\d+)")[0].astype(int)
    return spanish


def canonical(table) -> pd.DataFrame:
    return pd.DataFrame({name: col.values for name, col in table.columns.items()})


@pytest.mark.parametrize(("lending_club", "spanish"), SPANISH_NAMES.items())
def test_resolve_spanish_and_lending_club_names_name_one_field(lending_club, spanish):
    assert resolve(spanish) is not None
    assert resolve(spanish) is resolve(lending_club)


def test_read_table_spanish_file_reads_as_lending_club_file():
    loans = make_portfolio(n_loans=300, seed=11)

    english = canonical(read_table(loans[list(SPANISH_NAMES)]))
    spanish = canonical(read_table(to_spanish(loans)))

    assert sorted(english.columns) == sorted(spanish.columns)
    assert len(english.columns) == len(SPANISH_NAMES)
    pd.testing.assert_frame_equal(
        english, spanish[english.columns], check_exact=False, rtol=SAME_NUMBER
    )


@pytest.mark.parametrize(
    ("header", "raw"),
    [
        ("int_rate", "13.49%"),
        ("int_rate", " 13.49 % "),
        ("int_rate", 13.49),
        ("int_rate", 0.1349),
        ("int_rate", "0.1349"),
        ("tipo_interes", 13.49),
        ("tipo_interes", "13.49"),
        ("interest rate", "13.49%"),
    ],
)
def test_read_table_interest_rate_spellings_read_as_fraction(header, raw):
    assert read_one(header, raw) == pytest.approx(0.1349, rel=SAME_NUMBER)


@pytest.mark.parametrize(
    ("header", "raw"),
    [
        ("revol_util", "45.3%"),
        ("revol_util", 0.453),
        ("revol_util", 45.3),
        ("porc_uso_revolving", 45.3),
    ],
)
def test_read_table_revolving_utilisation_spellings_read_as_fraction(header, raw):
    assert read_one(header, raw) == pytest.approx(0.453, rel=SAME_NUMBER)


@pytest.mark.parametrize(
    ("header", "raw", "months"),
    [
        ("term", "36 months", 36.0),
        ("term", " 36 months", 36.0),
        ("term", 36, 36.0),
        ("term", 36.0, 36.0),
        ("term", " 60 months", 60.0),
        ("num_cuotas", 60, 60.0),
    ],
)
def test_read_table_term_spellings_read_as_months(header, raw, months):
    assert read_one(header, raw) == months


@pytest.mark.parametrize(
    ("header", "raw", "years"),
    [
        ("emp_length", "10+ years", 10.0),
        ("emp_length", "< 1 year", 0.0),
        ("emp_length", "1 year", 1.0),
        ("emp_length", "4 years", 4.0),
        ("antigüedad_empleo", "10+ years", 10.0),
        ("antiguedad_empleo", 3, 3.0),
    ],
)
def test_read_table_employment_length_spellings_read_as_years(header, raw, years):
    assert read_one(header, raw) == years


@pytest.mark.parametrize("raw", ["n/a", "N/A", "", None])
def test_read_table_employment_length_unknown_is_missing(raw):
    column = read_table({"emp_length": [raw]}).columns["employment_years"]

    assert np.isnan(column.values[0])
    assert column.missing[0]
    assert column.problems == {}


@pytest.mark.parametrize(
    "raw",
    [
        "Dec-2011",
        "2011-12-01",
        dt.datetime(2011, 12, 1),
        dt.date(2011, 12, 1),
        pd.Timestamp("2011-12-01"),
    ],
)
def test_read_table_issue_date_spellings_read_as_one_date(raw):
    assert pd.Timestamp(read_one("issue_d", raw)) == pd.Timestamp("2011-12-01")


@pytest.mark.parametrize(
    ("header", "raw", "expected"),
    [
        ("home_ownership", "NONE", "OTHER"),
        ("home_ownership", "ANY", "OTHER"),
        ("home_ownership", "other", "OTHER"),
        ("vivienda", "none", "OTHER"),
        ("home_ownership", "mortgage", "MORTGAGE"),
        ("purpose", "Debt consolidation", "debt_consolidation"),
        ("purpose", "debt-consolidation", "debt_consolidation"),
        ("finalidad", "Credit card", "credit_card"),
        ("verification_status", "source verified", "Source Verified"),
        ("ingresos_verificados", "Not Verified", "Not Verified"),
        ("rating", "b", "B"),
        ("estado", "Charged Off", "Charged Off"),
    ],
)
def test_read_table_category_spellings_read_as_canonical(header, raw, expected):
    assert read_one(header, raw) == expected


EXCEL_ERROR_TEXTS = [
    "#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
    "#CALC!", "#GETTING_DATA",
]  # fmt: skip
NOT_TEXT_ERRORS_AND_BOOLEANS = [
    *[(error, f"the Excel error {error}") for error in EXCEL_ERROR_TEXTS],
    (" #n/a ", "the Excel error #N/A"),
    (True, "TRUE/FALSE (True)"),
    (False, "TRUE/FALSE (False)"),
    (np.True_, "TRUE/FALSE (True)"),
    ("TRUE", "'TRUE'"),  # a CSV's TRUE: pandas reads a column of only these as bool
    ("false", "'false'"),
]
NOT_TEXT_DATES = [
    (dt.datetime(2024, 3, 1, 9, 30), "a date (2024-03-01)"),
    (dt.date(2024, 3, 1), "a date (2024-03-01)"),
    (pd.Timestamp("2024-03-01"), "a date (2024-03-01)"),
]
NOT_TEXT = NOT_TEXT_ERRORS_AND_BOOLEANS + NOT_TEXT_DATES
TEXT_HEADERS = ["emp_title", "empleo", "id", "id_prestamo", "member_id", "id_cliente"]


def only_column(header: str, raw: list):
    """The one column read from raw values under one header."""
    (column,) = read_table({header: raw}).columns.values()
    return column


@pytest.mark.parametrize("header", TEXT_HEADERS)
@pytest.mark.parametrize(("raw", "given"), NOT_TEXT, ids=[repr(r) for r, _ in NOT_TEXT])
def test_read_table_text_field_refuses_excel_errors_booleans_and_dates(
    header, raw, given
):
    column = only_column(header, [raw])

    assert column.problems == {0: f"{column.field.label}: expected text, got {given}"}
    assert column.values[0] is None
    assert not column.missing[0]


@pytest.mark.parametrize("header", TEXT_HEADERS + ["desc"])
def test_read_table_text_field_refuses_alike_alone_and_in_a_batch(header):
    refused = NOT_TEXT_ERRORS_AND_BOOLEANS if header == "desc" else NOT_TEXT
    batch = ["Nurse", *(raw for raw, _ in refused), "", None, "Teacher"]

    column = only_column(header, batch)

    alone = {
        row: only_column(header, [raw]).problems.get(0) for row, raw in enumerate(batch)
    }
    assert column.problems == {row: m for row, m in alone.items() if m}
    assert sorted(column.problems) == list(range(1, len(refused) + 1))
    assert [column.values[0], column.values[-1]] == ["Nurse", "Teacher"]


@pytest.mark.parametrize("header", ["desc", "descripcion"])
@pytest.mark.parametrize(
    ("raw", "given"),
    NOT_TEXT_ERRORS_AND_BOOLEANS,
    ids=[repr(r) for r, _ in NOT_TEXT_ERRORS_AND_BOOLEANS],
)
def test_read_table_description_refuses_excel_errors_and_booleans(header, raw, given):
    column = only_column(header, [raw])

    assert column.problems == {0: f"loan description: expected text, got {given}"}
    assert column.values[0] is None


def test_read_table_description_keeps_a_date_as_written():
    assert read_one("desc", dt.date(2024, 3, 1)) == "2024-03-01"


@pytest.mark.parametrize("header", [*TEXT_HEADERS, "desc"])
@pytest.mark.parametrize("raw", ["", "   ", None, math.nan, "n/a", "N/A"])
def test_read_table_blank_text_is_missing(header, raw):
    column = only_column(header, [raw])

    assert column.problems == {}
    assert column.values[0] is None
    assert column.missing[0]


@pytest.mark.parametrize("raw", ["#SPILL!", "#CALC!", "#GETTING_DATA"])
def test_read_table_number_field_names_every_excel_error(raw):
    column = only_column("annual_inc", [raw])

    assert column.problems[0].endswith(f"got the Excel error {raw}")


@pytest.mark.parametrize(
    ("header", "raw", "message"),
    [
        ("grade", "Z", r"grade: expected one of A, B, C, D, E, F, G, got 'Z'"),
        ("term", 48, r"term: expected 36 or 60 \(months\), got 48"),
        ("int_rate", "high", r"interest rate: expected a number .*, got 'high'"),
        ("annual_inc", "#N/A", r"annual income: .*got the Excel error #N/A"),
        ("pub_rec", 1.5, r"derogatory public records: expected a whole number"),
    ],
)
def test_read_table_invalid_value_names_field_expectation_and_value(
    header, raw, message
):
    column = next(iter(read_table({header: [raw]}).columns.values()))

    assert list(column.problems) == [0]
    assert re.search(message, column.problems[0]), column.problems[0]


@pytest.mark.parametrize("name", LEAKAGE_COLUMNS)
def test_resolve_leakage_column_never_names_an_input(name):
    found = resolve(name)
    assert found is None or found.role is not Role.INPUT


def test_input_fields_exclude_outcome_key_and_time_fields():
    not_inputs = {f.name for f in FIELDS if f.role is not Role.INPUT}

    assert not_inputs >= {"loan_status", "principal_repaid", "recoveries"}
    assert not_inputs >= {"loan_id", "customer_id", "issue_date", "description"}
    assert not_inputs.isdisjoint(f.name for f in INPUT_FIELDS)


@pytest.mark.parametrize(
    ("header", "raw", "number"),
    [
        ("funded_amnt", "20,300", 20_300.0),
        ("annual_inc", "1,234,567.89", 1_234_567.89),
        ("annual_inc", "$89,200.50", 89_200.5),
    ],
)
def test_read_table_comma_between_groups_of_three_digits_is_thousands(
    header, raw, number
):
    assert read_one(header, raw) == number


@pytest.mark.parametrize(
    ("header", "raw", "spelling"),
    [
        ("funded_amnt", "20300,00", "20300.00"),
        ("annual_inc", "89200,50", "89200.50"),
        ("annual_inc", "1.234,56", "1234.56"),
        ("installment", "€ 407,17", "407.17"),
        ("dti", "12,5", "12.5"),
        ("int_rate", "13,49%", "13.49%"),
        ("revol_util", "45,3", "45.3"),
        ("pub_rec", "1,0", "1.0"),
        ("fico_range_low", "700,0", "700.0"),
        ("term", "36,0", "36.0"),
        ("emp_length", "3,5", "3.5"),
    ],
)
def test_read_table_decimal_comma_is_refused_saying_how_to_write_it(
    header, raw, spelling
):
    column = next(iter(read_table({header: [raw]}).columns.values()))

    expected = (
        f"{column.field.label}: expected .*, got {re.escape(repr(raw))}; "
        f"a decimal comma is not read: write {re.escape(spelling)}$"
    )
    assert re.match(expected, column.problems[0]), column.problems[0]
    assert np.isnan(column.values[0])


def test_read_table_comma_of_no_clear_reading_says_how_numbers_are_written():
    column = read_table({"funded_amnt": ["1,2,3"]}).columns["principal"]

    assert column.problems[0].endswith(
        "got '1,2,3'; a decimal comma is not read: write decimals with a point, "
        "and commas only between groups of three digits (1,234.5)"
    )


@pytest.mark.parametrize(
    ("headers", "field", "listed"),
    [
        (["grade", "grade"], "grade", "2 ('grade' and 'grade')"),
        (["grade", "rating"], "grade", "2 ('grade' and 'rating')"),
        (["rating", "Grade"], "grade", "2 ('rating' and 'Grade')"),
        (
            ["int_rate", "interest rate", "tipo_interes"],
            "interest rate",
            "3 ('int_rate', 'interest rate' and 'tipo_interes')",
        ),
        (
            ["principal", "funded_amnt", "loan_amnt"],
            "principal",
            "2 ('principal' and 'funded_amnt')",
        ),
    ],
)
def test_match_headers_two_columns_for_one_field_are_refused(headers, field, listed):
    message = f"{field}: expected one column, got {listed}; keep one"

    with pytest.raises(DataError, match=rf"^{re.escape(message)}$"):
        match_headers(["id", *headers, "notes"])


def test_match_headers_names_every_field_with_two_columns_in_one_message():
    with pytest.raises(DataError, match=r"^interest rate: .*; grade: .*; keep one$"):
        match_headers(["grade", "rating", "int_rate", "tipo_interes"])


@pytest.mark.parametrize(
    ("headers", "chosen"),
    [
        (["loan_amnt", "funded_amnt"], "funded_amnt"),
        (["principal", "loan_amnt"], "principal"),
        (["loan_amnt"], "loan_amnt"),
    ],
)
def test_match_headers_loan_amnt_stands_in_only_without_another_name(headers, chosen):
    sources, ignored = match_headers(headers)

    assert sources["principal"] == chosen
    assert ignored == [h for h in headers if h != chosen]


RATE_READINGS = [
    ("tipo_interes", 0.0691,
     "got 0.0691; under tipo_interes it is read as percent points: 0.0691%; "
     "for 6.91% write 6.91"),
    ("int_rate", 1.0,
     "got 1.0; a number up to 1 is read as a fraction: 100%; "
     "for 1% write 0.01 or '1%'"),
    ("int_rate", 0.99, "got 0.99; a number up to 1 is read as a fraction: 99%"),
    ("int_rate", 0.005, "got 0.005; a number up to 1 is read as a fraction: 0.5%"),
    ("int_rate", 60.0,
     "got 60.0; a number above 1 is read as percent points: 60%"),
    ("int_rate", 1e-320,
     "got 1e-320; a number up to 1 is read as a fraction: 1e-318%"),
    ("tipo_interes", 1e-320,
     "got 1e-320; under tipo_interes it is read as percent points: 1e-320%"),
    ("int_rate", 0.001234567,
     "got 0.001234567; a number up to 1 is read as a fraction: 0.123457%"),
]  # fmt: skip


@pytest.mark.parametrize("as_text", [False, True], ids=["number", "text"])
@pytest.mark.parametrize(("header", "raw", "reading"), RATE_READINGS)
def test_read_table_implausible_interest_rate_says_how_it_was_read(
    header, raw, reading, as_text
):
    values = [str(raw)] if as_text else np.array([raw])
    if as_text:
        reading = reading.replace(f"got {raw}", f"got '{raw}'", 1)

    column = read_table({header: values}).columns["interest_rate"]

    assert column.problems == {
        0: f"interest rate: expected a number from 1% to 50%, {reading}"
    }
    assert np.isnan(column.values[0])


@pytest.mark.parametrize("raw", ["0.5%", "51%"])
def test_read_table_implausible_interest_rate_with_percent_sign_needs_no_note(raw):
    column = read_table({"int_rate": [raw]}).columns["interest_rate"]

    assert column.problems == {
        0: f"interest rate: expected a number from 1% to 50%, got '{raw}'"
    }


@pytest.mark.parametrize(
    ("header", "raw", "fraction"),
    [("int_rate", 0.01, 0.01), ("int_rate", "50%", 0.5), ("tipo_interes", 1, 0.01)],
)
def test_read_table_interest_rate_at_the_plausible_limits_is_read(
    header, raw, fraction
):
    assert read_one(header, raw) == pytest.approx(fraction, rel=SAME_NUMBER)


@pytest.mark.parametrize(
    ("header", "raw", "how"),
    [
        ("funded_amnt", "20.300", "write 20300 for twenty thousand three hundred, "
         "or 20.30"),
        ("annual_inc", "106.200", "write 106200 for one hundred six thousand two "
         "hundred, or 106.20"),
        ("installment", "-1.500", "write -1500 for minus one thousand five hundred, "
         "or -1.50"),
        ("recoveries", "$ 1.005", "write 1005 for one thousand five, or 1.01 "
         "(rounded to the cent)"),
        ("total_rec_prncp", "999.999", "write 999999 for nine hundred ninety-nine "
         "thousand nine hundred ninety-nine, or 1000.00 (rounded to the cent)"),
    ],
)  # fmt: skip
def test_read_table_money_text_with_a_point_before_three_digits_is_refused(
    header, raw, how
):
    column = next(iter(read_table({header: [raw]}).columns.values()))

    expected = (
        f"{column.field.label}: expected .*, got {re.escape(repr(raw))}; a point "
        f"before three digits may separate thousands: {re.escape(how)}$"
    )
    assert re.match(expected, column.problems[0]), column.problems[0]
    assert np.isnan(column.values[0])


@pytest.mark.parametrize(
    ("header", "raw", "number"),
    [
        ("funded_amnt", 20.3, 20.3),  # a number, not text: nothing to misread
        ("funded_amnt", "20.30", 20.3),
        ("funded_amnt", "20300", 20_300.0),
        ("funded_amnt", "1234.567", 1234.567),  # four digits: no thousands reading
        ("annual_inc", "0.500", 0.5),
        ("int_rate", "13.490", 0.1349),
        ("dti", "12.345", 12.345),
        ("fico_range_low", "700.000", 700.0),
    ],
)
def test_read_table_point_before_three_digits_is_decimal_where_unambiguous(
    header, raw, number
):
    assert read_one(header, raw) == pytest.approx(number, rel=SAME_NUMBER)


@pytest.mark.parametrize("header", ["funded_amnt", "dti"])
def test_read_table_points_between_groups_of_three_say_how_to_write_it(header):
    column = next(iter(read_table({header: ["1.234.567"]}).columns.values()))

    assert column.problems[0].endswith(
        "got '1.234.567'; a point between groups of three digits is not read: "
        "write 1234567"
    )


LOOSE_NUMBER_TEXT = [
    ("annual_inc", "1_000"),  # float() reads underscores
    ("annual_inc", "\u0661\u0662\u0663"),  # Arabic-Indic digits
    ("funded_amnt", "\uff12\uff10\uff13\uff10\uff10"),  # full-width digits
    ("dti", "\u0969"),  # Devanagari three
    ("int_rate", "13.49%%"),
    ("int_rate", "%13.49"),
    ("annual_inc", "infinity"),
    ("funded_amnt", "$$20300"),
    ("funded_amnt", "20$300"),
    ("term", "\u0663\u0666 months"),
    ("emp_length", "\u0663 years"),
    ("fico_range_low", "7e2e1"),
]


@pytest.mark.parametrize(("header", "raw"), LOOSE_NUMBER_TEXT)
def test_read_table_loose_number_text_is_refused(header, raw):
    column = next(iter(read_table({header: [raw]}).columns.values()))

    assert column.problems == {0: column.field.problem(raw)}
    assert np.isnan(column.values[0])


@pytest.mark.parametrize(
    "text",
    ["1_000", "\u0661\u0662\u0663", "\uff12\uff10", "infinity", "nan", "$$5", "2$0",
     "7e2e1", "13.49%", "0x10", "--5", "5-"],
)  # fmt: skip
def test_number_text_loose_text_is_not_a_number(text):
    with pytest.raises(ValueError, match="not a number"):
        number_text(text)


@pytest.mark.parametrize(
    ("header", "raw", "number"),
    [
        ("annual_inc", "$20,300", 20_300.0),
        ("annual_inc", "20,300 €", 20_300.0),
        ("annual_inc", "£ 1,234.50", 1_234.5),
        ("dti", "-0", 0.0),
        ("annual_inc", "+20300", 20_300.0),
        ("annual_inc", "20 300", 20_300.0),
        ("annual_inc", "2.03e4", 20_300.0),
        ("int_rate", "13.49 %", 0.1349),
        ("dti", ".5", 0.5),
        ("dti", "12.", 12.0),
    ],
)
def test_read_table_documented_number_decorations_are_read(header, raw, number):
    assert read_one(header, raw) == pytest.approx(number, rel=SAME_NUMBER)


# Every numeric field that is no rate or percent: header, text with a percent
# sign, the same text without it (which reads).
PERCENT_SIGN_REFUSED = [
    ("funded_amnt", "20300%", "20300"),
    ("loan_amnt", "20300 %", "20300"),
    ("annual_inc", "1e5%", "1e5"),
    ("installment", "300%", "300"),
    ("imp_cuota", "$300.50%", "$300.50"),
    ("fico_range_low", "700%", "700"),
    ("pub_rec", "3%", "3"),
    ("open_acc", "12%", "12"),
    ("mort_acc", "1%", "1"),
    ("inq_last_6mths", "2%", "2"),
    ("delinq_2yrs", "0%", "0"),
    ("term", "36%", "36"),
    ("emp_length", "3%", "3"),
    ("total_rec_prncp", "1500%", "1500"),
    ("recoveries", "250%", "250"),
]


def test_percent_sign_cases_cover_every_number_field_but_rates_and_percents():
    covered = {resolve(header).name for header, _, _ in PERCENT_SIGN_REFUSED}
    no_percent = {
        f.name
        for f in FIELDS
        if f.kind in NUMERIC_KINDS and f.kind not in (Kind.RATE, Kind.PERCENT)
    }

    assert covered == no_percent


@pytest.mark.parametrize(("header", "raw", "spelling"), PERCENT_SIGN_REFUSED)
def test_read_table_percent_sign_is_refused_on_a_field_of_no_percent(
    header, raw, spelling
):
    column = only_column(header, [raw])

    label = column.field.label
    note = f"a percent sign is not allowed for {label}: write {spelling}"
    assert column.problems == {0: column.field.problem(raw, note)}
    assert np.isnan(column.values[0])
    assert not np.isnan(read_one(header, spelling))


@pytest.mark.parametrize(("header", "raw", "spelling"), PERCENT_SIGN_REFUSED)
def test_read_table_percent_sign_is_refused_alike_alone_and_in_a_batch(
    header, raw, spelling
):
    batch = [spelling, raw] * 5

    column = only_column(header, batch)

    assert sorted(column.problems) == list(range(1, len(batch), 2))
    assert set(column.problems.values()) == {only_column(header, [raw]).problems[0]}
    assert not np.isnan(column.values[::2]).any()


@pytest.mark.parametrize(
    ("header", "raw", "spelling"),
    [
        ("funded_amnt", "20300,00%", "20300.00"),
        ("pub_rec", "1,0%", "1.0"),
    ],
)
def test_read_table_decimal_comma_with_a_percent_sign_says_to_write_no_percent(
    header, raw, spelling
):
    column = only_column(header, [raw])

    assert column.problems[0].endswith(f"a decimal comma is not read: write {spelling}")


@pytest.mark.parametrize(
    ("header", "raw", "number"),
    [
        ("dti", "13.5%", 13.5),
        ("percent_bc_gt_75", "50%", 50.0),
        ("porc_tarjetas_75p", "50 %", 50.0),
        ("int_rate", "13.49%", 0.1349),
        ("revol_util", "45.3%", 0.453),
    ],
)
def test_read_table_percent_sign_on_a_rate_or_percent_is_read(header, raw, number):
    assert read_one(header, raw) == pytest.approx(number, rel=SAME_NUMBER)


# --- a file's rate and percent columns: the unit judged once per column -----

UTILISATION_POINTS = ["0.5", "1.2", "83.7", "0"]  # 0.5%, 1.2%, 83.7%, 0%


@pytest.mark.parametrize("as_text", [False, True], ids=["number", "text"])
def test_read_table_points_column_reads_small_utilisation_as_points(as_text):
    values = UTILISATION_POINTS if as_text else np.array(UTILISATION_POINTS, float)

    column = read_table({"revol_util": values}).columns["revolving_utilisation"]

    assert column.values == pytest.approx([0.005, 0.012, 0.837, 0.0])


def test_read_table_cells_judge_each_utilisation_alone():
    table = read_table({"revol_util": UTILISATION_POINTS}, by_column=False)

    got = table.columns["revolving_utilisation"].values

    assert got == pytest.approx([0.5, 1.2, 0.837, 0.0])


def test_read_table_percent_sign_is_percent_in_a_fraction_column():
    column = read_table({"revol_util": ["1.2%", "0.5", "1.2"]}).columns

    got = column["revolving_utilisation"].values

    assert got == pytest.approx([0.012, 0.5, 1.2])


def test_read_table_fraction_column_that_could_be_points_warns(caplog):
    with caplog.at_level("WARNING", logger="xl_risk.parsing"):
        read_table({"revol_util": ["0.5", "1.2"]})

    (record,) = caplog.records
    assert record.getMessage() == (
        "revolving utilisation (revol_util): every number in the column is at "
        "most 1.5, so all 2 are read as fractions (0.5 is 50%); write them with "
        "a percent sign to say which"
    )


def test_read_table_long_fraction_column_is_said_at_info_not_warned(caplog):
    values = [f"{0.01 * (i + 1):.2f}" for i in range(40)]  # 0.01 .. 0.40

    with caplog.at_level("INFO", logger="xl_risk.parsing"):
        column = read_table({"revol_util": values}).columns

    assert column["revolving_utilisation"].values[-1] == pytest.approx(0.40)
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "so all 40 are read as fractions" in caplog.records[0].getMessage()


def test_read_table_interest_rate_fractions_are_not_ambiguous(caplog):
    with caplog.at_level("WARNING", logger="xl_risk.parsing"):
        column = read_table({"int_rate": [0.1349, 0.0691]}).columns

    assert column["interest_rate"].values == pytest.approx([0.1349, 0.0691])
    assert caplog.records == []


def test_read_table_points_column_resting_on_few_numbers_warns(caplog):
    values = [0.5] * 9 + [80.0]

    with caplog.at_level("WARNING", logger="xl_risk.parsing"):
        column = read_table({"revol_util": values}).columns

    assert column["revolving_utilisation"].values[0] == pytest.approx(0.005)
    assert "1 of 10 non-zero numbers are above 1.5" in caplog.records[0].getMessage()


def test_read_table_interest_rate_below_points_column_says_why():
    column = read_table({"int_rate": [13.49, 0.0691]}).columns["interest_rate"]

    assert column.problems == {
        1: "interest rate: expected a number from 1% to 50%, got 0.0691; the "
        "column holds numbers above 1, so it is percent points: 0.0691%; for "
        "6.91% write 6.91"
    }


@pytest.mark.parametrize(
    ("values", "want"),
    [
        pytest.param([0.5, 12.0], [0.5, 12.0], id="points"),
        pytest.param([0.5, 0.25], [0.5, 0.25], id="too few for fractions"),
        pytest.param([0.135] * 20, [13.5] * 20, id="fractions"),
    ],
)
def test_read_table_dti_column_judged_once(values, want):
    column = read_table({"dti": np.array(values)}).columns["dti"]

    assert column.values == pytest.approx(want)


# --- control characters: refused in text, removed from a description --------


@pytest.mark.parametrize(
    ("header", "raw", "message"),
    [
        (
            "emp_title",
            "nurse\x01",
            "job title: expected text, got a control character (U+0001)",
        ),
        ("id", "77\x00", "loan id: expected text, got a control character (U+0000)"),
        (
            "member_id",
            "\x7f12",
            "customer id: expected text, got a control character (U+007F)",
        ),
        (
            "grade",
            "A\x0b",
            "grade: expected one of A, B, C, D, E, F, G, got a control character "
            "(U+000B)",
        ),
    ],
)
@pytest.mark.parametrize("by_column", [True, False], ids=["file", "cells"])
def test_read_table_control_character_is_refused(header, raw, message, by_column):
    values = [raw] + ["x1"] * (20 if header != "grade" else 0)
    if header == "grade":
        values += ["B"] * 20

    table = read_table({header: values}, by_column=by_column)

    (column,) = table.columns.values()
    assert column.problems == {0: f"{message}; remove it"}


def test_read_table_text_keeps_tabs_and_line_breaks():
    table = read_table({"emp_title": ["night\tnurse"], "desc": ["a\r\nb"]})

    assert table.get("job_title")[0] == "night\tnurse"
    assert table.get("description")[0] == "a\r\nb"


def test_read_table_description_control_characters_removed_with_a_warning(caplog):
    with caplog.at_level("WARNING", logger="xl_risk.parsing"):
        table = read_table({"desc": ["pay\x01 my car", "pay\x01 my car", "ok"]})

    assert list(table.get("description")) == ["pay my car", "pay my car", "ok"]
    assert table.columns["description"].problems == {}
    assert "loan description: removed control characters" in caplog.text
    assert "from 2 value(s)" in caplog.text


def test_read_table_control_character_in_one_cell_is_refused():
    table = read_table({"emp_title": ["nurse\x1f"]}, by_column=False)

    assert table.columns["job_title"].problems == {
        0: "job title: expected text, got a control character (U+001F); remove it"
    }


def _issue_dates(values):
    return list(pd.to_datetime(read_table({"issue_d": values}).get("issue_date")))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # US Excel writes the first of the month as 06/01/2007: day 1 throughout.
        (["06/01/2007", "07/01/2007", "12/01/2011"], ["2007-06-01", "2007-07-01"]),
        # A second part above 12 anywhere makes the column month-first.
        (["03/04/2010", "03/25/2010"], ["2010-03-04", "2010-03-25"]),
        # A first part above 12 anywhere makes the column day-first.
        (["03/04/2010", "25/03/2010"], ["2010-04-03", "2010-03-25"]),
        # Day-first first of the month: every first part is 1.
        (["01/06/2007", "01/07/2007", "01/12/2011"], ["2007-06-01", "2007-07-01"]),
    ],
)
def test_read_table_slash_dates_take_one_order_per_column(values, expected):
    assert _issue_dates(values)[:2] == [pd.Timestamp(e) for e in expected]


def test_read_table_slash_dates_against_the_column_order_are_refused():
    table = read_table({"issue_d": ["03/25/2010", "04/25/2010", "25/03/2010"]})
    problems = table.row_problems()
    assert list(problems) == [2]
    assert problems[2][0].startswith("issue date: expected a date")
    assert "month-first" in problems[2][0]


def test_read_table_ambiguous_slash_dates_are_month_first_with_a_warning(caplog):
    with caplog.at_level("WARNING", logger="xl_risk.parsing"):
        dates = _issue_dates(["03/04/2010", "05/06/2010"])
    assert dates == [pd.Timestamp("2010-03-04"), pd.Timestamp("2010-05-06")]
    (record,) = caplog.records
    assert "issue date (issue_d)" in record.getMessage()
    assert "month-first" in record.getMessage()


def test_read_one_slash_date_in_a_cell_is_still_day_first():
    table = read_table({"issue_d": ["06/01/2007"]}, by_column=False)
    assert pd.Timestamp(table.get("issue_date")[0]) == pd.Timestamp("2007-01-06")


def test_read_table_us_slash_issue_dates_read_as_the_portfolio_dates():
    loans = make_portfolio(n_loans=300, seed=11)
    months = pd.to_datetime(loans["issue_d"], format="%b-%Y")
    us = loans.assign(issue_d=months.dt.strftime("%m/%d/%Y"))
    original = read_table(loans).get("issue_date")
    np.testing.assert_array_equal(read_table(us).get("issue_date"), original)


@pytest.mark.parametrize(
    ("header", "value", "shown"),
    [
        ("funded_amnt", np.array([21700.0]), "principal"),
        ("funded_amnt", [21700.0], "principal"),
        ("emp_title", {"title": "nurse"}, "job title"),
        ("grade", ["B"], "grade"),
        ("issue_d", {"month": "Dec-2011"}, "issue date"),
    ],
)
@pytest.mark.parametrize("n_rows", [3, 20])
def test_read_table_lists_and_dicts_are_refused_row_by_row(
    header, value, shown, n_rows
):
    column = pd.Series([value] * (n_rows - 1) + [None], dtype=object)
    problems = read_table({header: column}).row_problems()
    assert sorted(problems) == list(range(n_rows - 1))
    assert all(p[0].startswith(f"{shown}: expected") for p in problems.values())


@pytest.mark.parametrize(
    ("header", "logged"), [("revol_util", 1), ("revolving_utilisation", 0)]
)
def test_read_table_unit_call_is_logged_for_a_file_header_not_a_reread(
    caplog, header, logged
):
    fractions = np.linspace(0.05, 0.95, 40)
    with caplog.at_level("INFO", logger="xl_risk.parsing"):
        table = read_table({header: fractions})
    np.testing.assert_allclose(table.get("revolving_utilisation"), fractions)
    assert len(caplog.records) == logged
    assert all(f"({header})" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("n_rows", "warned"), [(40, 1), (10, 0)])
def test_read_table_fractions_under_a_points_header_warn_but_read_as_points(
    caplog, n_rows, warned
):
    fractions = np.linspace(0.05, 0.95, n_rows)
    with caplog.at_level("WARNING", logger="xl_risk.parsing"):
        table = read_table({"porc_uso_revolving": fractions})
    read = table.get("revolving_utilisation")
    np.testing.assert_allclose(read, fractions / 100)
    assert len(caplog.records) == warned
    assert all("porc_uso_revolving" in r.getMessage() for r in caplog.records)


def test_read_table_points_under_a_points_header_do_not_warn(caplog):
    with caplog.at_level("WARNING", logger="xl_risk.parsing"):
        read_table({"porc_uso_revolving": np.linspace(0.5, 95, 40)})
    assert caplog.records == []
