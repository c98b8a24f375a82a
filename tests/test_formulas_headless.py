"""The workbook's formulas evaluated without Excel, by the ``formulas`` package.

Our worksheet functions are registered under their Excel names. ``formulas``
hands a function a range as a ``Ranges`` of Python values, a computed operand
(``A2*V2``) as an ``Array`` and a typed constant as a Python number; the
adapter turns them into what Excel sends through xlwings (floats, None for
blanks, "#N/A" text for errors, ranges as lists of rows) before calling the
function.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import schedula
from formulas import ExcelModel, get_functions
from formulas.tokens.operand import XlError

from xl_risk import bundle as bundles
from xl_risk.capital import irb_capital, irb_rwa, one_year_pd
from xl_risk.excel import udfs
from xl_risk.excel.convert import sheet_rows
from xl_risk.reasons import reasons
from xl_risk.samples import sample_applications
from xl_risk.schema import INPUT_NAMES
from xl_risk.scorecard import credit_score
from xl_risk.scoring import score

WORKBOOK = Path(__file__).resolve().parents[1] / "workbook" / "RiskScoring.xlsm"
EXCEL_NAMES = (
    "EXPECTED_LOSS",
    "RISK_PD",
    "RISK_EAD",
    "RISK_LGD",
    "RISK_SCORE_TABLE",
    "RISK_MODEL_INFO",
    "RISK_REASONS",
    "CREDIT_SCORE",
    "IRB_CAPITAL",
    "IRB_RWA",
)
CENT = 0.005
N_SAMPLES = 20
COLUMNS = {"U": "pd", "V": "ead", "W": "lgd", "X": "expected_loss"}
HEADER_VARIANT_COLUMN = "Y"
SCORE_COLUMN, REASON_CELLS = "Z", "AA{r}:AD{r}"
ROWS = range(2, 2 + N_SAMPLES)


def as_excel_sends(value: object) -> object:
    """One cell as xlwings delivers it from Windows Excel."""
    if value is schedula.EMPTY:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return value


def as_excel_argument(operand: object) -> object:
    """One argument as xlwings delivers it: a range as rows, a number alone."""
    values = getattr(operand, "value", operand)  # Ranges hold theirs in .value
    if isinstance(values, np.ndarray):
        return [[as_excel_sends(v) for v in row] for row in values.tolist()]
    return as_excel_sends(values)


def excel_function(function, calls: list):
    """``function`` as ``formulas`` calls it, each call recorded."""

    def call(*operands):
        args = [as_excel_argument(operand) for operand in operands]
        result = function(*args)
        calls.append((args, result))
        return result

    return call


@pytest.fixture(scope="module")
def evaluated(trained_models_dir, tmp_path_factory):
    """The workbook's cells calculated, and every call of our functions."""
    calls = {name: [] for name in EXCEL_NAMES}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(bundles.MODELS_ENV, str(trained_models_dir))
        registry = get_functions()
        for name in EXCEL_NAMES:
            patch.setitem(
                registry, name, excel_function(getattr(udfs, name), calls[name])
            )
        model = ExcelModel().loads(str(WORKBOOK)).finish()
        solution = model.calculate()

    cells = {}
    for key, ranges in solution.items():
        if not hasattr(ranges, "value"):  # not a cell: a book or a function
            continue
        book_sheet, _, cell = key.rpartition("!")
        sheet = book_sheet.split("]")[-1].strip("'")
        cells[(sheet, cell)] = ranges.value
    return cells, calls


@pytest.fixture(scope="module")
def expected(trained_models_dir):
    return score(bundles.current(trained_models_dir), sample_applications())


@pytest.fixture(scope="module")
def expected_scores(trained_models_dir):
    return credit_score(bundles.current(trained_models_dir), sample_applications())


@pytest.fixture(scope="module")
def expected_reasons(trained_models_dir):
    return reasons(bundles.current(trained_models_dir), sample_applications())


def cell_value(cells: dict, sheet: str, address: str) -> object:
    return cells[(sheet.upper(), address)][0][0]


@pytest.mark.parametrize(("column", "output"), COLUMNS.items())
def test_applications_formulas_equal_engine(evaluated, expected, column, output):
    cells, _ = evaluated
    got = [cell_value(cells, "Applications", f"{column}{r}") for r in range(2, 22)]
    want = getattr(expected, output)
    tolerance = CENT if output == "expected_loss" else 1e-9
    np.testing.assert_allclose(np.array(got, dtype=float), want, rtol=0, atol=tolerance)


def test_applications_header_variant_equals_expected_loss(evaluated):
    cells, _ = evaluated
    for r in range(2, 2 + N_SAMPLES):
        by_header = cell_value(cells, "Applications", f"{HEADER_VARIANT_COLUMN}{r}")
        assert by_header == pytest.approx(
            cell_value(cells, "Applications", f"X{r}"), abs=CENT
        )


def test_applications_formulas_each_call_with_one_row_of_20(evaluated):
    _, calls = evaluated
    rows = [args[0] for args, _ in calls["RISK_PD"]]
    assert len(rows) == N_SAMPLES
    assert all(len(r) == 1 and len(r[0]) == 20 for r in rows)


def test_table_formula_scores_the_applications_like_the_engine(evaluated, expected):
    _, calls = evaluated
    [(args, result)] = calls["RISK_SCORE_TABLE"]
    assert len(args[0]) == 1001  # header and 1,000 rows, trailing ones blank
    assert len(result) == 1 + N_SAMPLES
    el = np.array([row[3] for row in result[1:]], dtype=float)
    np.testing.assert_allclose(el, expected.expected_loss, rtol=0, atol=CENT)


def test_model_info_formula_shows_the_bundle_in_use(evaluated, trained_models_dir):
    _, calls = evaluated
    [(_, result)] = calls["RISK_MODEL_INFO"]
    version = bundles.current(trained_models_dir).version
    assert dict(result)["Bundle in service"] == version


def test_applications_credit_score_column_equals_engine(evaluated, expected_scores):
    cells, _ = evaluated
    got = [cell_value(cells, "Applications", f"{SCORE_COLUMN}{r}") for r in ROWS]
    assert got == expected_scores.tolist()


def test_applications_reasons_fill_four_cells_like_the_engine(
    evaluated, expected_reasons
):
    cells, _ = evaluated
    for r, found in zip(ROWS, expected_reasons, strict=True):
        got = cells[("APPLICATIONS", REASON_CELLS.format(r=r))].tolist()
        assert got == [found + [None] * (4 - len(found))]


@pytest.mark.parametrize(("cell", "rounded", "places"), [
    ("B19", 0.036618, 6),  # =IRB_CAPITAL(0.01,0.45)
    ("B20", 0.4852, 4),  # =IRB_CAPITAL(0.01,0.45,1.06)*12.5
    ("B21", 0.114154, 6),  # =IRB_CAPITAL(0.1,0.85)
    ("B22", 4851.91, 2),  # =IRB_RWA(0.01,0.45,10000,1.06)
])  # fmt: skip
def test_settings_capital_examples_golden_values(evaluated, cell, rounded, places):
    cells, _ = evaluated
    assert round(cell_value(cells, "Settings", cell), places) == rounded


def test_settings_capital_of_the_first_application_equals_engine(evaluated, expected):
    cells, _ = evaluated
    first = dict(zip(INPUT_NAMES, sheet_rows(sample_applications())[0], strict=True))
    pd_1y = float(one_year_pd(expected.pd[0], first["term_months"]))
    lgd, ead = expected.lgd[0], first["principal"] * expected.ead[0]
    assert cell_value(cells, "Settings", "B23") == pytest.approx(
        irb_capital(pd_1y, lgd, 1.06), rel=1e-9
    )
    assert cell_value(cells, "Settings", "B24") == pytest.approx(
        irb_rwa(pd_1y, lgd, ead, 1.06), rel=1e-9
    )


def test_capital_formulas_each_call_with_lone_numbers(evaluated):
    _, calls = evaluated
    arguments = [args for args, _ in calls["IRB_CAPITAL"] + calls["IRB_RWA"]]
    assert len(arguments) == 6
    assert [0.01, 0.45] in arguments
    assert all(
        isinstance(a, float) or (len(a) == 1 and len(a[0]) == 1)
        for args in arguments
        for a in args
    )
