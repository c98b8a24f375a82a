"""The worksheet functions, called the way Excel calls them, without Excel.

On Windows, xlwings' decorators return the function itself with its Excel
registration attached, so the functions are called directly here with the
values Excel delivers: rows as lists of lists, blanks as None or "", every
number a float, percentages as fractions, dates as datetimes and error cells
as COM codes or "#N/A" text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import logging
import random
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlwings
from click.testing import CliRunner

from xl_risk import bundle as bundles
from xl_risk.capital import irb_capital, irb_rwa, one_year_pd
from xl_risk.cli import main as cli
from xl_risk.excel import convert, udfs
from xl_risk.reasons import reasons
from xl_risk.samples import sample_applications
from xl_risk.schema import INPUT_FIELDS, INPUT_NAMES
from xl_risk.scorecard import (
    PDO_RANGE,
    REFERENCE_ODDS_RANGE,
    REFERENCE_SCORE_RANGE,
    credit_score,
)
from xl_risk.scoring import score

CENT = 0.005
N_INPUTS = len(INPUT_FIELDS)
POSITION = {name: i for i, name in enumerate(INPUT_NAMES)}
LABEL = {f.name: f.label for f in INPUT_FIELDS}
ROW_FUNCTIONS = {
    "EXPECTED_LOSS": "expected_loss",
    "RISK_PD": "pd",
    "RISK_EAD": "ead",
    "RISK_LGD": "lgd",
}
NEW_ROW_FUNCTIONS = ["RISK_REASONS", "CREDIT_SCORE"]
NA_CODE = -2146826246
VALUE_CODE = -2146826273
SPILL_CODE = -2146826243


@pytest.fixture
def models(trained_models_dir, monkeypatch):
    """The session's bundle, in service for the functions under test."""
    monkeypatch.setenv(bundles.MODELS_ENV, str(trained_models_dir))
    return bundles.current(trained_models_dir)


@pytest.fixture(scope="module")
def applications():
    return sample_applications()


@pytest.fixture(scope="module")
def rows(applications):
    """The sample applications as the Applications sheet holds them."""
    return convert.sheet_rows(applications)


def with_value(row: list, name: str, value: object) -> list:
    changed = list(row)
    changed[POSITION[name]] = value
    return changed


def engine_el(bundle, row: list) -> float:
    mapping = {name: [value] for name, value in zip(INPUT_NAMES, row, strict=True)}
    return float(score(bundle, mapping).expected_loss[0])


# --- the numbers ----------------------------------------------------------


def test_expected_loss_equals_cli_score_to_the_cent(
    models, applications, rows, trained_models_dir, tmp_path
):
    source, out = tmp_path / "applications.csv", tmp_path / "scores.csv"
    applications.to_csv(source, index=False)
    done = CliRunner().invoke(
        cli, ["score", str(source), "-o", str(out), "--models", str(trained_models_dir)]
    )
    assert done.exit_code == 0, done.output

    expected = pd.read_csv(out)["expected_loss"].to_numpy()
    got = np.array([udfs.EXPECTED_LOSS([row]) for row in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=CENT)


@pytest.mark.parametrize(("function", "output"), ROW_FUNCTIONS.items())
def test_row_functions_equal_engine_scores(
    models, applications, rows, function, output
):
    expected = getattr(score(models, applications), output)
    got = [getattr(udfs, function)([row]) for row in rows]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(("function", "low", "high"), [
    ("RISK_PD", 0.0, 1.0),
    ("RISK_EAD", 0.0, 1.0),
    ("RISK_LGD", 0.0, 1.0),
    ("EXPECTED_LOSS", 0.0, 10_000_000.0),
])  # fmt: skip
def test_row_functions_return_floats_in_their_unit(models, rows, function, low, high):
    values = [getattr(udfs, function)([row]) for row in rows]
    assert all(isinstance(v, float) and low <= v <= high for v in values)


# --- the shapes Excel sends ---------------------------------------------------


def as_column(row):
    return [[v] for v in row]


def ints_for_whole_floats(row):
    return [int(v) if isinstance(v, float) and v.is_integer() else v for v in row]


def optional_blanks_as_empty_text(row):
    return ["" if v is None else v for v in row]


def percent_as_text(row):
    return with_value(
        row, "interest_rate", f"{row[POSITION['interest_rate']] * 100:.4f}%"
    )


def percent_as_points(row):
    return with_value(row, "interest_rate", row[POSITION["interest_rate"]] * 100)


def lending_club_words(row):
    term = with_value(row, "term_months", f"{row[POSITION['term_months']]:.0f} months")
    return with_value(term, "grade", row[POSITION["grade"]].lower())


@pytest.mark.parametrize("shape", [
    pytest.param(lambda row: [row], id="2-D one row"),
    pytest.param(lambda row: row, id="1-D list"),
    pytest.param(lambda row: tuple(row), id="tuple"),
    pytest.param(as_column, id="one column"),
    pytest.param(lambda row: np.array([row], dtype=object), id="numpy 2-D"),
    pytest.param(lambda row: [ints_for_whole_floats(row)], id="ints"),
    pytest.param(lambda row: [percent_as_text(row)], id="percent text"),
    pytest.param(lambda row: [percent_as_points(row)], id="percent points"),
    pytest.param(lambda row: [lending_club_words(row)], id="words"),
])  # fmt: skip
def test_expected_loss_reads_every_shape_excel_sends(models, rows, shape):
    for row in rows[:5]:
        assert udfs.EXPECTED_LOSS(shape(row)) == pytest.approx(
            engine_el(models, row), abs=CENT
        )


@pytest.mark.parametrize(
    "blank", [None, "", "   "], ids=["None", "empty text", "spaces"]
)
def test_expected_loss_blank_optional_inputs_are_filled(models, rows, blank):
    row, missing = rows[0], rows[0]
    for f in INPUT_FIELDS:
        if not f.required:
            row = with_value(row, f.name, blank)
            missing = with_value(missing, f.name, None)
    got = udfs.EXPECTED_LOSS([row])
    assert isinstance(got, float)
    assert got == pytest.approx(engine_el(models, missing), abs=CENT)


def test_expected_loss_text_cell_of_a_number_is_read(models, rows):
    income = rows[0][POSITION["annual_income"]]
    row = with_value(rows[0], "annual_income", f"{income:,.0f}")
    assert udfs.EXPECTED_LOSS([row]) == pytest.approx(
        engine_el(models, rows[0]), abs=CENT
    )


def spanish(field) -> str:
    """The Spanish name; the label where the schema has none (principal too)."""
    if field.name == "principal" or len(field.aliases) < 2:
        return field.label
    return field.aliases[1]


@pytest.mark.parametrize("naming", ["lending club", "canonical", "label", "spanish"])
def test_expected_loss_with_header_reads_any_naming(models, rows, naming):
    headers = {
        "lending club": [f.aliases[0] for f in INPUT_FIELDS],
        "canonical": list(INPUT_NAMES),
        "label": [f.label for f in INPUT_FIELDS],
        "spanish": [spanish(f) for f in INPUT_FIELDS],
    }[naming]
    for row in rows[:5]:
        values = list(row)
        if naming == "spanish":  # published in percent points
            for name in ("interest_rate", "revolving_utilisation"):
                values[POSITION[name]] = row[POSITION[name]] * 100
        got = udfs.EXPECTED_LOSS([values], [headers])
        assert got == pytest.approx(engine_el(models, row), abs=CENT)


def test_expected_loss_with_header_reads_columns_in_any_order(models, rows):
    order = list(range(N_INPUTS))
    random.Random(7).shuffle(order)
    header = [INPUT_FIELDS[i].aliases[0] for i in order]
    extra = ["loan notes", *header]  # a column naming no field is ignored
    for row in rows[:5]:
        values = ["whatever", *(row[i] for i in order)]
        got = udfs.EXPECTED_LOSS([values], [extra])
        assert got == pytest.approx(engine_el(models, row), abs=CENT)


@pytest.mark.parametrize("second", ["grade", "rating", "Grade"])
def test_row_functions_header_naming_one_field_twice_says_so(models, rows, second):
    header = [f.label for f in INPUT_FIELDS]
    header[POSITION["job_title"]] = second
    expected = f"grade: expected one column, got 2 ('grade' and '{second}'); keep one"

    for function in [*ROW_FUNCTIONS, *NEW_ROW_FUNCTIONS]:
        got = getattr(udfs, function)([rows[0]], [header])
        assert (got if isinstance(got, str) else got[0][0]) == expected, function


def test_risk_score_table_header_naming_one_field_twice_says_so(models, rows):
    header = [f.label for f in INPUT_FIELDS]
    header[POSITION["job_title"]] = "rating"

    got = udfs.RISK_SCORE_TABLE([header, *rows[:3]])

    assert got == "grade: expected one column, got 2 ('grade' and 'rating'); keep one"


def test_row_functions_percent_cell_under_spanish_rate_name_is_refused(models, rows):
    header = [f.label for f in INPUT_FIELDS]
    header[POSITION["interest_rate"]] = "tipo_interes"
    percent_cell = with_value(rows[0], "interest_rate", 0.0691)  # shows 6.91%

    got = udfs.RISK_PD([percent_cell], [header])

    assert got == (
        "interest rate: expected a number from 1% to 50%, got 0.0691; under "
        "tipo_interes it is read as percent points: 0.0691%; for 6.91% write 6.91"
    )


def test_expected_loss_with_header_without_optional_columns(models, rows):
    required = [i for i, f in enumerate(INPUT_FIELDS) if f.required]
    header = [INPUT_FIELDS[i].label for i in required]
    got = udfs.EXPECTED_LOSS([[rows[0][i] for i in required]], [header])
    assert isinstance(got, float)


FICO_NAMES = "FICO score (fico_score or fico_range_low or fico)"


@pytest.mark.parametrize("typo", ["fico_range_lo", "#N/A", "3.0"])
def test_row_functions_mistyped_header_of_a_used_input_is_refused(models, rows, typo):
    header = [f.aliases[0] for f in INPUT_FIELDS]
    header[POSITION["fico_score"]] = typo
    expected = (
        f"header: '{typo}' names no field, and {FICO_NAMES} has no column; correct "
        "the name, or leave its header cell blank to score without it"
    )

    for function in [*ROW_FUNCTIONS, *NEW_ROW_FUNCTIONS]:
        got = getattr(udfs, function)([rows[0]], [header])
        assert (got if isinstance(got, str) else got[0][0]) == expected, function


def test_risk_score_table_mistyped_header_of_a_used_input_is_refused(models, rows):
    header = [f.aliases[0] for f in INPUT_FIELDS]
    header[POSITION["fico_score"]] = "fico_range_lo"

    got = udfs.RISK_SCORE_TABLE([header, *rows[:3]])

    assert got.startswith(f"header: 'fico_range_lo' names no field, and {FICO_NAMES}")


def test_row_functions_blank_header_cell_scores_the_input_as_blank(models, rows):
    header = [f.aliases[0] for f in INPUT_FIELDS]
    header[POSITION["fico_score"]] = None
    without = with_value(rows[0], "fico_score", None)

    got = udfs.EXPECTED_LOSS([rows[0]], [header])

    assert got == pytest.approx(engine_el(models, without), abs=CENT)
    assert got != pytest.approx(engine_el(models, rows[0]), abs=CENT)


# --- the table ------------------------------------------------------------------


@pytest.fixture(scope="module")
def thousand(rows):
    """1,000 applications: the samples repeated, principal varied."""
    out = []
    for i in range(1000):
        row = list(rows[i % len(rows)])
        row[POSITION["principal"]] = 1000.0 + 25.0 * i
        out.append(row)
    return out


def test_risk_score_table_scores_1000_rows_like_the_engine(models, thousand):
    header = [f.label for f in INPUT_FIELDS]
    got = udfs.RISK_SCORE_TABLE([header, *thousand])

    expected = score(
        models, dict(zip(INPUT_NAMES, zip(*thousand, strict=True), strict=True))
    )
    assert got[0] == list(convert.RESULT_HEADER)
    assert len(got) == 1001
    numbers = np.array([r[:4] for r in got[1:]], dtype=float)
    for j, name in enumerate(convert.RESULT_OUTPUTS):
        np.testing.assert_allclose(numbers[:, j], getattr(expected, name))
    assert all(r[4] is None for r in got[1:])


def test_risk_score_table_bad_row_gets_its_message_others_scored(models, thousand):
    header = [f.aliases[0] for f in INPUT_FIELDS]
    body = [list(r) for r in thousand[:50]]
    body[3] = with_value(body[3], "grade", "Z")
    body[10] = with_value(body[10], "annual_income", NA_CODE)
    got = udfs.RISK_SCORE_TABLE([header, *body])

    assert got[4][:4] == [None] * 4
    assert got[4][4].startswith("grade: expected one of A, B")
    assert got[11][4] == (
        "annual income: expected a number from 0 to 1,000,000,000, "
        "got the Excel error #N/A"
    )
    good = [r for i, r in enumerate(got[1:]) if i not in (3, 10)]
    assert all(isinstance(r[3], float) and r[4] is None for r in good)


def test_risk_score_table_blank_rows_stay_blank_and_trailing_ones_go(models, rows):
    header = [f.label for f in INPUT_FIELDS]
    blank = [None] * N_INPUTS
    got = udfs.RISK_SCORE_TABLE(
        [header, rows[0], blank, [""] * N_INPUTS, rows[1], blank, blank]
    )
    assert len(got) == 5
    assert got[2] == got[3] == [None] * 5
    assert isinstance(got[1][3], float)
    assert isinstance(got[4][3], float)


@pytest.mark.parametrize("above", [1, 3])
def test_risk_score_table_blank_rows_above_header_stay_blank(models, rows, above):
    header = [f.label for f in INPUT_FIELDS]
    blank = [None] * N_INPUTS

    got = udfs.RISK_SCORE_TABLE([*[blank] * above, header, rows[0], rows[1]])

    assert got[:above] == [[None] * len(convert.RESULT_HEADER)] * above
    assert got[above:] == udfs.RISK_SCORE_TABLE([header, rows[0], rows[1]])


def test_risk_score_table_range_larger_than_table_scores_the_table(models, rows):
    header = [f.label for f in INPUT_FIELDS]
    spare = [None] * 3  # A1:W1000 over a table of A1:T21
    body = [[*row, *spare] for row in rows[:20]]
    below = [[None] * (N_INPUTS + len(spare))] * 979

    got = udfs.RISK_SCORE_TABLE([[*header, *spare], *body, *below])

    assert got == udfs.RISK_SCORE_TABLE([header, *rows[:20]])
    assert len(got) == 21


@pytest.mark.parametrize(("cells", "given"), [
    ([[None] * N_INPUTS] * 3, "only blank cells"),
    ([[""] * N_INPUTS], "only blank cells"),
    ([], "no cells"),
])  # fmt: skip
def test_risk_score_table_without_a_header_row_says_so(models, cells, given):
    assert udfs.RISK_SCORE_TABLE(cells) == (
        f"table: expected a header row above the applications, got {given}"
    )


def test_risk_score_table_header_only_gives_header_row(models):
    assert udfs.RISK_SCORE_TABLE([[f.label for f in INPUT_FIELDS]]) == [
        list(convert.RESULT_HEADER)
    ]


@pytest.mark.parametrize(("dropped", "body_rows"), [
    (["principal"], 3),
    (["principal", "grade"], 3),
    (["grade"], 0),
])  # fmt: skip
def test_risk_score_table_missing_columns_named_once_in_one_cell(
    models, rows, dropped, body_rows
):
    kept = [i for i, name in enumerate(INPUT_NAMES) if name not in dropped]
    header = [INPUT_FIELDS[i].label for i in kept]
    body = [[row[i] for i in kept] for row in rows[:body_rows]]

    got = udfs.RISK_SCORE_TABLE([header, *body])

    assert isinstance(got, str)
    assert got.startswith(f"cannot score the table: {len(dropped)} problem(s) - ")
    assert got.count("missing column: ") == len(dropped)
    names = {
        "principal": "principal (principal or funded_amnt or loan_amnt)",
        "grade": "grade (grade or rating)",
    }
    assert all(f"missing column: {names[name]}" in got for name in dropped)


def test_risk_score_table_title_above_header_says_where_names_go(models, rows):
    title = ["Applications, March", *[None] * (N_INPUTS - 1)]
    header = [f.label for f in INPUT_FIELDS]

    got = udfs.RISK_SCORE_TABLE([title, header, rows[0]])

    assert got == (
        "table: expected the column names in the first row that is not blank, "
        "got 'Applications, March'"
    )


# --- malformed input: one line, naming the field ------------------------------

MALFORMED = [
    ("principal", None, "principal: required, got blank"),
    ("principal", "", "principal: required, got blank"),
    ("principal", "abc", "got 'abc'"),
    ("principal", "20300,00", "got '20300,00'; a decimal comma is not read"),
    ("principal", "20.300", "got '20.300'; a point before three digits may separate"),
    ("principal", -5000.0, "got -5000.0"),
    ("principal", 1e12, "from 1 to 10,000,000"),
    ("principal", dt.datetime(2024, 3, 1), "got a date (2024-03-01)"),
    ("principal", True, "got TRUE/FALSE (True)"),
    ("principal", "#N/A", "got the Excel error #N/A"),
    ("principal", NA_CODE, "got the Excel error #N/A"),
    ("term_months", 48.0, "expected 36 or 60 (months), got 48.0"),
    ("term_months", "forty", "got 'forty'"),
    ("term_months", None, "term: required, got blank"),
    ("interest_rate", -0.1, "from 1% to 50%"),
    ("interest_rate", 1.0, "got 1.0; a number up to 1 is read as a fraction: 100%"),
    ("interest_rate", 250.0, "got 250.0"),
    ("interest_rate", "#DIV/0!", "got the Excel error #DIV/0!"),
    ("installment", -1.0, "got -1.0"),
    ("grade", "Z", "expected one of A, B, C, D, E, F, G, got 'Z'"),
    ("grade", 3.0, "got 3.0"),
    ("grade", None, "grade: required, got blank"),
    ("employment_years", 25.0, "got 25.0"),
    ("employment_years", "many", "got 'many'"),
    ("home_ownership", "castle", "got 'castle'"),
    ("annual_income", "abc", "expected a number from 0 to 1,000,000,000, got 'abc'"),
    ("annual_income", -1.0, "got -1.0"),
    ("annual_income", "89.200", "got '89.200'; a point before three digits may"),
    ("annual_income", VALUE_CODE, "got the Excel error #VALUE!"),
    ("income_verification", "maybe", "got 'maybe'"),
    ("purpose", "yacht", "got 'yacht'"),
    ("purpose", None, "purpose: required, got blank"),
    ("dti", 150.0, "got 150.0"),
    ("dti", "#REF!", "got the Excel error #REF!"),
    ("derogatory_records", 1.5, "expected a whole number"),
    ("derogatory_records", -1.0, "got -1.0"),
    ("revolving_utilisation", 600.0, "got 600.0"),
    ("open_credit_lines", False, "got TRUE/FALSE (False)"),
    ("mortgage_accounts", -3.0, "got -3.0"),
    ("bankcards_over_75pct", 101.0, "got 101.0"),
    ("fico_score", 200.0, "from 300 to 850, got 200.0"),
    ("fico_score", dt.datetime(2020, 1, 1), "got a date (2020-01-01)"),
    ("inquiries_6m", "lots", "got 'lots'"),
    ("delinquencies_2y", -1.0, "got -1.0"),
    ("principal", "20300%", "a percent sign is not allowed for principal: write 20300"),
    ("installment", "300%", "got '300%'; a percent sign is not allowed for monthly"),
    ("annual_income", "1e5%", "for annual income: write 1e5"),
    ("fico_score", "700%", "a percent sign is not allowed for FICO score: write 700"),
    ("derogatory_records", "3%", "got '3%'; a percent sign is not allowed for"),
    ("term_months", "36%", "a percent sign is not allowed for term: write 36"),
    ("interest_rate", "#CALC!", "got the Excel error #CALC!"),
    ("job_title", "#N/A", "job title: expected text, got the Excel error #N/A"),
    ("job_title", NA_CODE, "job title: expected text, got the Excel error #N/A"),
    ("job_title", SPILL_CODE, "job title: expected text, got the Excel error #SPILL!"),
    ("job_title", "#SPILL!", "got the Excel error #SPILL!"),
    ("job_title", "#GETTING_DATA", "got the Excel error #GETTING_DATA"),
    ("job_title", True, "job title: expected text, got TRUE/FALSE (True)"),
    ("job_title", False, "got TRUE/FALSE (False)"),
    ("job_title", dt.datetime(2024, 3, 1), "expected text, got a date (2024-03-01)"),
]


@pytest.mark.parametrize("function", ROW_FUNCTIONS)
@pytest.mark.parametrize(
    ("name", "value", "words"),
    MALFORMED,
    ids=[f"{name}={value!r}" for name, value, _ in MALFORMED],
)
def test_row_functions_malformed_input_one_line_naming_field(
    models, rows, function, name, value, words
):
    got = getattr(udfs, function)([with_value(rows[0], name, value)])
    assert isinstance(got, str)
    assert got.startswith(f"{LABEL[name]}: ")
    assert words in got
    assert "\n" not in got
    assert "Traceback" not in got


@pytest.mark.parametrize("n_cells", [0, 1, 19, 21, 40])
def test_expected_loss_wrong_number_of_cells_says_expected_and_got(
    models, rows, n_cells
):
    cells = (rows[0] * 2)[:n_cells]
    got = udfs.EXPECTED_LOSS([cells])
    assert got.startswith(f"row: expected {N_INPUTS} cells, one per input from ")
    assert got.endswith(f"got {n_cells}")


@pytest.mark.parametrize(("row", "header", "message"), [
    ([[1.0] * N_INPUTS] * 2, None,
     f"row: expected one row of cells, got 2 rows by {N_INPUTS} columns"),
    ([[1.0, 2.0], [3.0]], None,
     "row: expected a rectangular range of cells, got rows of different lengths"),
    ([[1.0] * 3], [["principal", "grade"]],
     "header: expected one name per cell of row (3), got 2"),
])  # fmt: skip
def test_expected_loss_misshapen_range_message(models, row, header, message):
    assert udfs.EXPECTED_LOSS(row, header) == message


@pytest.mark.parametrize("function", ROW_FUNCTIONS)
def test_row_functions_lone_blank_cell_says_how_many_cells(models, function):
    assert getattr(udfs, function)(None).endswith("got 1")


# --- failures that are not the analyst's input --------------------------------


@pytest.mark.parametrize("function", [*ROW_FUNCTIONS, "RISK_SCORE_TABLE"])
def test_functions_without_bundle_say_to_retrain(tmp_path, monkeypatch, rows, function):
    monkeypatch.setenv(bundles.MODELS_ENV, str(tmp_path))
    argument = [[f.label for f in INPUT_FIELDS], rows[0]]
    got = getattr(udfs, function)(
        argument if function == "RISK_SCORE_TABLE" else [rows[0]]
    )
    assert "no trained bundle" in got
    assert "retrain" in got


@pytest.mark.parametrize("function", NEW_ROW_FUNCTIONS)
def test_new_row_functions_without_bundle_say_to_retrain(
    tmp_path, monkeypatch, rows, function
):
    monkeypatch.setenv(bundles.MODELS_ENV, str(tmp_path))
    got = getattr(udfs, function)([rows[0]])
    message = got[0][0] if function == "RISK_REASONS" else got
    assert "no trained bundle" in message
    assert "retrain" in message
    if function == "RISK_REASONS":
        assert got[0][1:] == [None] * 3


def test_risk_model_info_without_bundle_says_to_retrain(tmp_path, monkeypatch):
    monkeypatch.setenv(bundles.MODELS_ENV, str(tmp_path))
    assert "retrain" in udfs.RISK_MODEL_INFO()


@pytest.mark.parametrize("function", [*ROW_FUNCTIONS, "RISK_SCORE_TABLE"])
def test_functions_unexpected_error_is_one_line_and_logged(
    models, rows, monkeypatch, caplog, function
):
    def broken(*_args):
        raise RuntimeError("model file\nunreadable")

    monkeypatch.setattr(udfs, "score", broken)
    argument = [[f.label for f in INPUT_FIELDS], rows[0]]
    with caplog.at_level(logging.ERROR, logger=udfs.__name__):
        got = getattr(udfs, function)(
            argument if function == "RISK_SCORE_TABLE" else [rows[0]]
        )
    assert got == "xl-risk: RuntimeError: model file unreadable"
    assert "Traceback" in caplog.text
    assert function in caplog.text


def broken(*_args, **_kwargs):
    raise RuntimeError("model file\nunreadable")


@pytest.mark.parametrize(("function", "engine", "stand_in", "arguments"), [
    ("RISK_REASONS", "reasons", broken, None),
    ("CREDIT_SCORE", "Scorecard", types.SimpleNamespace(from_bundle=broken), None),
    ("IRB_CAPITAL", "irb_capital", broken, (0.01, 0.45)),
    ("IRB_RWA", "irb_rwa", broken, (0.01, 0.45, 100.0)),
])  # fmt: skip
def test_new_functions_unexpected_error_is_one_line_and_logged(
    models, rows, monkeypatch, caplog, function, engine, stand_in, arguments
):
    monkeypatch.setattr(udfs, engine, stand_in)
    with caplog.at_level(logging.ERROR, logger=udfs.__name__):
        got = getattr(udfs, function)(*(arguments or ([rows[0]],)))
    message = got[0][0] if function == "RISK_REASONS" else got
    assert message == "xl-risk: RuntimeError: model file unreadable"
    assert "Traceback" in caplog.text
    assert function in caplog.text


# --- the bundle in use ----------------------------------------------------------


def test_risk_model_info_shows_version_time_and_auc(models):
    got = dict(udfs.RISK_MODEL_INFO())
    metrics = models.manifest["metrics"]
    assert got["Bundle in service"] == models.version
    assert got["Trained at"].startswith(models.manifest["created_at"][:10])
    assert got["PD AUC, out of time"] == metrics["oot"]["pd"]["auc"]
    assert got["PD AUC, test"] == metrics["test"]["pd"]["auc"]


# --- reasons and credit score -------------------------------------------------


def padded(found: list[str], n: int) -> list[list]:
    return [found + [None] * (n - len(found))]


@pytest.mark.parametrize(("n", "width"), [(None, 4), (4.0, 4), (2.0, 2), (1.0, 1)])
def test_risk_reasons_equal_engine_reasons_in_one_row_of_n(
    models, applications, rows, n, width
):
    expected = reasons(models, applications, width)  # the rows inside a batch
    got = [udfs.RISK_REASONS([row], None, n) for row in rows]
    assert got == [padded(found, width) for found in expected]
    assert any(len(found) == width for found in expected)  # some fill every cell


def test_risk_reasons_of_a_row_alone_equal_engine_on_that_row(models, rows):
    for row in rows[:5]:
        alone = {name: [value] for name, value in zip(INPUT_NAMES, row, strict=True)}
        assert udfs.RISK_REASONS([row]) == padded(reasons(models, alone)[0], 4)


@pytest.mark.parametrize("naming", ["lending club", "label"])
def test_risk_reasons_with_header_equal_without(models, rows, naming):
    header = [f.aliases[0] if naming == "lending club" else f.label
              for f in INPUT_FIELDS]  # fmt: skip
    for row in rows[:5]:
        assert udfs.RISK_REASONS([row], [header]) == udfs.RISK_REASONS([row])


@pytest.mark.parametrize("n", ["4", " 4.0 ", [[4.0]], ""], ids=repr)
def test_risk_reasons_n_as_excel_may_send_it(models, rows, n):
    assert udfs.RISK_REASONS([rows[1]], None, n) == udfs.RISK_REASONS([rows[1]])


@pytest.mark.parametrize("scaling", [
    {},
    {"pdo": 40.0, "reference_score": 500.0, "reference_odds": 20.0},
    {"pdo": 20.0, "reference_score": 600.0, "reference_odds": 50.0},
])  # fmt: skip
def test_credit_score_equals_engine_credit_score(models, applications, rows, scaling):
    expected = credit_score(models, applications, **scaling).tolist()
    got = [udfs.CREDIT_SCORE([row], None, **scaling) for row in rows]
    assert got == expected
    assert all(type(v) is int for v in got)


def test_credit_score_default_scaling_is_20_points_at_600_for_odds_50(models, rows):
    shifted = udfs.CREDIT_SCORE([rows[0]], None, 20.0, 620.0, 50.0)
    assert shifted == udfs.CREDIT_SCORE([rows[0]]) + 20


@pytest.mark.parametrize(
    ("name", "value", "words"),
    MALFORMED[::4],
    ids=[f"{name}={value!r}" for name, value, _ in MALFORMED[::4]],
)
def test_new_row_functions_malformed_input_one_line_naming_field(
    models, rows, name, value, words
):
    row = [with_value(rows[0], name, value)]
    message = udfs.CREDIT_SCORE(row)
    assert message.startswith(f"{LABEL[name]}: ")
    assert words in message
    assert "\n" not in message
    assert udfs.RISK_REASONS(row) == [[message, None, None, None]]


@pytest.mark.parametrize("n_cells", [0, 19, 21])
def test_new_row_functions_wrong_number_of_cells_say_expected_and_got(
    models, rows, n_cells
):
    cells = [(rows[0] * 2)[:n_cells]]
    message = udfs.CREDIT_SCORE(cells)
    assert message.startswith(f"row: expected {N_INPUTS} cells, one per input ")
    assert message.endswith(f"got {n_cells}")
    assert udfs.RISK_REASONS(cells, None, 2.0) == [[message, None]]


@pytest.mark.parametrize(("function", "arguments", "message"), [
    ("RISK_REASONS", {"n": 5.0}, "n: expected a whole number from 1 to 4, got 5.0"),
    ("RISK_REASONS", {"n": 0.0}, "n: expected a whole number from 1 to 4, got 0.0"),
    ("RISK_REASONS", {"n": 2.5}, "n: expected a whole number from 1 to 4, got 2.5"),
    ("RISK_REASONS", {"n": "all"},
     "n: expected a whole number from 1 to 4, got 'all'"),
    ("RISK_REASONS", {"n": [[1.0, 2.0]]}, "n: expected one cell, got a range of 2 "
     "cells"),
    ("CREDIT_SCORE", {"pdo": 0.0},
     "pdo: expected a number of points from 10 to 200, got 0.0"),
    ("CREDIT_SCORE", {"pdo": NA_CODE},
     "pdo: expected a number of points from 10 to 200, got the Excel error #N/A"),
    ("CREDIT_SCORE", {"reference_score": "high"},
     "reference_score: expected a number from 0 to 2,000, got 'high'"),
    ("CREDIT_SCORE", {"reference_score": "600%"},
     "reference_score: expected a number from 0 to 2,000, got '600%'; a percent "
     "sign is not allowed for reference_score: write 600"),
    ("RISK_REASONS", {"n": "2%"}, "n: expected a whole number from 1 to 4, got "
     "'2%'; a percent sign is not allowed for n: write 2"),
    ("CREDIT_SCORE", {"reference_odds": -1.0},
     "reference_odds: expected good:bad odds from 1 to 1,000 (50 means 50:1), "
     "got -1.0"),
])  # fmt: skip
def test_new_row_functions_bad_argument_names_it(
    models, rows, function, arguments, message
):
    got = getattr(udfs, function)([rows[0]], None, **arguments)
    assert got == ([[message, None, None, None]] if function == "RISK_REASONS"
                   else message)  # fmt: skip


EXTREMES = [
    ("pdo", 1e308, "pdo: expected a number of points from 10 to 200, got 1e+308"),
    ("pdo", 1e-300, "pdo: expected a number of points from 10 to 200, got 1e-300"),
    ("pdo", "nan", "pdo: expected a number of points from 10 to 200, got 'nan'"),
    ("reference_score", 1e308,
     "reference_score: expected a number from 0 to 2,000, got 1e+308"),
    ("reference_score", -1e308,
     "reference_score: expected a number from 0 to 2,000, got -1e+308"),
    ("reference_odds", 1e308, "reference_odds: expected good:bad odds from 1 to "
     "1,000 (50 means 50:1), got 1e+308"),
    ("reference_odds", 1e-320, "reference_odds: expected good:bad odds from 1 to "
     "1,000 (50 means 50:1), got 1e-320"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "message"), EXTREMES, ids=[f"{n}={v!r}" for n, v, _ in EXTREMES]
)
def test_credit_score_extreme_scaling_names_the_argument(
    models, rows, name, value, message
):
    assert udfs.CREDIT_SCORE([rows[0]], None, **{name: value}) == message


@pytest.mark.parametrize("pdo", PDO_RANGE)
@pytest.mark.parametrize("reference_score", REFERENCE_SCORE_RANGE)
@pytest.mark.parametrize("reference_odds", REFERENCE_ODDS_RANGE)
def test_credit_score_at_the_ends_of_every_range_is_a_whole_number(
    models, applications, rows, pdo, reference_score, reference_odds
):
    scaling = {"pdo": pdo, "reference_score": reference_score,
               "reference_odds": reference_odds}  # fmt: skip
    expected = credit_score(models, applications.iloc[:3], **scaling).tolist()

    got = [udfs.CREDIT_SCORE([row], None, **scaling) for row in rows[:3]]

    assert got == expected
    assert all(type(v) is int for v in got)


def test_credit_score_scaling_the_engine_refuses_is_one_line_naming_it(
    models, rows, monkeypatch
):
    unbounded = dataclasses.replace(convert.ARGUMENTS["pdo"], minimum=None)
    monkeypatch.setitem(convert.ARGUMENTS, "pdo", unbounded)

    got = udfs.CREDIT_SCORE([rows[0]], None, 1e-300)

    assert got == "pdo must be a number from 10 to 200, got 1e-300."


# --- capital -------------------------------------------------------------------


@pytest.mark.parametrize(("pd_", "lgd", "k"), [(0.01, 0.45, 0.036618),
                                              (0.1, 0.85, 0.114154)])  # fmt: skip
def test_irb_capital_golden_values(pd_, lgd, k):
    assert round(udfs.IRB_CAPITAL(pd_, lgd), 6) == k


def test_irb_capital_risk_weight_with_basel_ii_scaling():
    assert round(udfs.IRB_CAPITAL(0.01, 0.45, 1.06) * 12.5, 4) == 0.4852


@pytest.mark.parametrize(("pd_", "lgd", "ead", "scaling"), [
    (0.01, 0.45, 10_000.0, None),
    (0.01, 0.45, 10_000.0, 1.06),
    (0.2, 0.6, 2_500.0, 1.0),
    (1.0, 0.5, 1_000.0, None),
    (0.0, 0.5, 0.0, None),
])  # fmt: skip
def test_capital_functions_equal_engine(pd_, lgd, ead, scaling):
    scale = 1.0 if scaling is None else scaling
    assert udfs.IRB_CAPITAL(pd_, lgd, scaling) == irb_capital(pd_, lgd, scale)
    assert udfs.IRB_RWA(pd_, lgd, ead, scaling) == irb_rwa(pd_, lgd, ead, scale)


@pytest.mark.parametrize(("pd_", "lgd", "scaling"), [
    pytest.param([[0.01]], [[0.45]], [[1.06]], id="one-cell ranges"),
    pytest.param("1%", "45%", "1.06", id="text"),
    pytest.param("1%", "45%", "106%", id="percent text"),
    pytest.param(1, 0.45, 1.06, id="ints"),
    pytest.param(0.01, 0.45, "", id="blank scaling"),
])  # fmt: skip
def test_irb_capital_reads_every_shape_excel_sends(pd_, lgd, scaling):
    blank = scaling == ""
    expected = udfs.IRB_CAPITAL(
        0.01 if pd_ != 1 else 1.0, 0.45, None if blank else 1.06
    )
    assert udfs.IRB_CAPITAL(pd_, lgd, scaling) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("term", [36.0, 60.0])
def test_capital_functions_with_term_convert_to_one_year_pd(term):
    one_year = float(one_year_pd(0.12, term))
    assert udfs.IRB_CAPITAL(0.12, 0.45, None, term) == irb_capital(one_year, 0.45)
    assert udfs.IRB_RWA(0.12, 0.45, 1000.0, 1.06, term) == irb_rwa(
        one_year, 0.45, 1000.0, 1.06
    )


def test_irb_capital_term_of_twelve_months_leaves_the_pd_as_it_is():
    assert udfs.IRB_CAPITAL(0.05, 0.45, None, 12.0) == pytest.approx(
        udfs.IRB_CAPITAL(0.05, 0.45), rel=1e-12
    )


def test_irb_capital_of_an_application_chains_with_row_functions(models, rows):
    row = [rows[0]]
    pd_, lgd = udfs.RISK_PD(row), udfs.RISK_LGD(row)
    term = rows[0][POSITION["term_months"]]
    expected = irb_capital(float(one_year_pd(pd_, term)), lgd, 1.06)
    assert udfs.IRB_CAPITAL(pd_, lgd, 1.06, term) == expected


FRACTION = "expected a fraction from 0 to 1, got"
CAPITAL_MALFORMED = [
    ((1.5, 0.45), f"pd: {FRACTION} 1.5"),
    ((-0.01, 0.45), f"pd: {FRACTION} -0.01"),
    ((None, 0.45), f"pd: {FRACTION} blank"),
    (("", 0.45), f"pd: {FRACTION} blank"),
    (("abc", 0.45), f"pd: {FRACTION} 'abc'"),
    (("0,01", 0.45),
     f"pd: {FRACTION} '0,01'; a decimal comma is not read: write 0.01"),
    ((True, 0.45), f"pd: {FRACTION} TRUE/FALSE (True)"),
    ((dt.datetime(2024, 3, 1), 0.45), f"pd: {FRACTION} a date (2024-03-01)"),
    (([[0.01, 0.02]], 0.45), "pd: expected one cell, got a range of 2 cells"),
    (([[0.01], [0.02]], 0.45), "pd: expected one cell, got a range of 2 cells"),
    ((0.01, 45.0), f"lgd: {FRACTION} 45.0"),
    ((0.01, NA_CODE), f"lgd: {FRACTION} the Excel error #N/A"),
    ((0.01, "#DIV/0!"), f"lgd: {FRACTION} the Excel error #DIV/0!"),
    ((0.01, 0.45, 106.0),
     "scaling: expected a factor from 1 to 1.06 (1, or 1.06 under Basel II), got "
     "106.0"),
    ((0.01, 0.45, 0.5), "scaling: expected a factor from 1 to 1.06"),
    ((0.01, 0.45, None, 0.0),
     "term_months: expected a number of months > 0 such as 36 or 60, got 0.0"),
    ((0.01, 0.45, None, "36 weeks"), "term_months: expected a number of months"),
    ((0.01, 0.45, None, "36%"),
     "term_months: expected a number of months > 0 such as 36 or 60, got '36%'; "
     "a percent sign is not allowed for term_months: write 36"),
]  # fmt: skip


@pytest.mark.parametrize("function", ["IRB_CAPITAL", "IRB_RWA"])
@pytest.mark.parametrize(
    ("arguments", "message"),
    CAPITAL_MALFORMED,
    ids=[repr(arguments) for arguments, _ in CAPITAL_MALFORMED],
)
def test_capital_functions_bad_argument_one_line_naming_it(
    function, arguments, message
):
    if function == "IRB_RWA":  # ead goes third
        arguments = (*arguments[:2], 1000.0, *arguments[2:])
    got = getattr(udfs, function)(*arguments)
    assert got.startswith(message)
    assert "\n" not in got


@pytest.mark.parametrize("spelled", ["36 months", " 36 Months ", "36 meses", "36"])
def test_capital_functions_read_the_term_as_the_term_field_does(spelled):
    assert udfs.IRB_CAPITAL(0.12, 0.45, None, spelled) == udfs.IRB_CAPITAL(
        0.12, 0.45, None, 36.0
    )


def test_capital_functions_term_in_other_units_is_refused():
    assert udfs.IRB_CAPITAL(0.12, 0.45, None, "36 weeks") == (
        "term_months: expected a number of months > 0 such as 36 or 60, got '36 weeks'"
    )


EAD_EXPECTED = "ead: expected an amount of money from 0 to 10,000,000, got"


@pytest.mark.parametrize(("ead", "message"), [
    (1e300, f"{EAD_EXPECTED} 1e+300"),
    (-5.0, f"{EAD_EXPECTED} -5.0"),
    (None, f"{EAD_EXPECTED} blank"),
    ("lots", f"{EAD_EXPECTED} 'lots'"),
    ("20300%", f"{EAD_EXPECTED} '20300%'; a percent sign is not allowed for ead: "
     "write 20300"),
    ("20.300", f"{EAD_EXPECTED} '20.300'; a point before three digits may "
     "separate thousands: write 20300 for twenty thousand three hundred, or "
     "20.30"),
    ("1.234.567", f"{EAD_EXPECTED} '1.234.567'; a point between groups of three "
     "digits is not read: write 1234567"),
])  # fmt: skip
def test_irb_rwa_bad_ead_names_it(ead, message):
    assert udfs.IRB_RWA(0.01, 0.45, ead) == message


def test_irb_rwa_reads_money_text_like_a_cell():
    assert udfs.IRB_RWA(0.01, 0.45, "10,000") == udfs.IRB_RWA(0.01, 0.45, 10_000.0)


@pytest.mark.parametrize(("text", "number"), [("20.30", 20.3), ("20300", 20_300.0)])
def test_irb_rwa_reads_money_with_two_decimals_or_none(text, number):
    assert udfs.IRB_RWA(0.01, 0.45, text) == udfs.IRB_RWA(0.01, 0.45, number)


def test_irb_rwa_fraction_arguments_keep_three_decimals():
    assert udfs.IRB_RWA(0.01, "0.450", 1000.0) == udfs.IRB_RWA(0.01, 0.45, 1000.0)


# --- registration with Excel ----------------------------------------------------


@pytest.fixture(scope="module")
def registered():
    """The module as xlwings registers it on Windows.

    Off Windows xlwings' decorators do nothing, so the Windows ones are loaded
    with stand-ins for pywin32 and applied to a fresh copy of the module.
    """
    stubs = {name: types.ModuleType(name) for name in
             ("pythoncom", "pywintypes", "win32com", "win32com.client")}  # fmt: skip
    stubs["pythoncom"].CoInitialize = lambda: None
    stubs["win32com.client"].Dispatch = object
    stubs["win32com"].client = stubs["win32com.client"]
    patch = pytest.MonkeyPatch()
    for name, stub in stubs.items():
        patch.setitem(sys.modules, name, stub)
    windows = load("xlwings.udfs_on_windows", _xlwings_file("udfs.py"))
    patch.setattr(xlwings, "func", windows.xlfunc)
    patch.setattr(xlwings, "arg", windows.xlarg)
    patch.setattr(xlwings, "ret", windows.xlret)
    yield load("udfs_on_windows", udfs.__file__)
    patch.undo()


def _xlwings_file(name: str) -> str:
    return str(Path(xlwings.__file__).with_name(name))


def load(name: str, path: str) -> types.ModuleType:
    """Execute a source file as a new module, leaving sys.modules alone."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXCEL_FUNCTIONS = [
    *ROW_FUNCTIONS,
    "RISK_REASONS",
    "CREDIT_SCORE",
    "RISK_SCORE_TABLE",
    "RISK_MODEL_INFO",
    "IRB_CAPITAL",
    "IRB_RWA",
]
ARGUMENT_NAMES = {
    "RISK_REASONS": ["row", "header", "n"],
    "CREDIT_SCORE": ["row", "header", "pdo", "reference_score", "reference_odds"],
    "IRB_CAPITAL": ["pd", "lgd", "scaling", "term_months"],
    "IRB_RWA": ["pd", "lgd", "ead", "scaling", "term_months"],
}
OPTIONAL = {"header", "n", "pdo", "reference_score", "reference_odds", "scaling",
            "term_months"}  # fmt: skip


def test_excel_functions_are_every_function_of_the_module():
    names = [n for n in dir(udfs) if n.isupper() and callable(getattr(udfs, n))]
    assert sorted(names) == sorted(EXCEL_FUNCTIONS)


@pytest.mark.parametrize("function", EXCEL_FUNCTIONS)
def test_registration_help_fits_the_function_wizard(registered, function):
    info = getattr(registered, function).__xlfunc__
    assert info["name"] == function
    assert 0 < len(info["ret"]["doc"]) <= 255
    assert "\n" not in info["ret"]["doc"]
    assert all(0 < len(arg["doc"]) <= 255 for arg in info["args"])
    assert info["category"] == udfs.CATEGORY


@pytest.mark.parametrize("function", [*ROW_FUNCTIONS, "RISK_SCORE_TABLE"])
def test_registration_reads_ranges_as_2d_with_error_text(registered, function):
    for arg in getattr(registered, function).__xlfunc__["args"]:
        assert arg["options"] == {"ndim": 2, "err_to_str": True}


@pytest.mark.parametrize("function", ROW_FUNCTIONS)
def test_registration_keeps_function_callable(registered, models, rows, function):
    info = getattr(registered, function).__xlfunc__
    assert [a["name"] for a in info["args"]] == ["row", "header"]
    assert info["args"][1]["optional"] is None
    assert getattr(registered, function)([rows[0]]) == getattr(udfs, function)(
        [rows[0]]
    )


@pytest.mark.parametrize(("function", "names"), ARGUMENT_NAMES.items())
def test_registration_new_functions_arguments_and_defaults(registered, function, names):
    args = getattr(registered, function).__xlfunc__["args"]
    assert [a["name"] for a in args] == names
    for arg in args:
        assert ("optional" in arg) == (arg["name"] in OPTIONAL)
        assert arg.get("optional") is None
        two_d = arg["name"] in ("row", "header")
        assert arg["options"] == (
            {"ndim": 2, "err_to_str": True} if two_d else {"err_to_str": True}
        )
