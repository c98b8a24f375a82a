"""Worksheet functions for Excel, served by xlwings (cell functions: Windows).

Each function converts its cells (:mod:`xl_risk.excel.convert`), asks the
engine (:func:`xl_risk.scoring.score`, :func:`xl_risk.reasons.reasons` or
:class:`xl_risk.scorecard.Scorecard` on :func:`xl_risk.bundle.current`; the
formulas of :mod:`xl_risk.capital`) and converts the answer back. None of them
raises: whatever goes wrong comes back as a one-line message in the cell. The
Python names are the names Excel shows, hence the capitals; the docstrings are
the help of Excel's function wizard, which shows at most 255 characters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import xlwings as xw

from xl_risk import bundle as bundles
from xl_risk.capital import irb_capital, irb_rwa, one_year_pd
from xl_risk.excel import convert
from xl_risk.parsing import DataError, Table, read_table
from xl_risk.reasons import reasons
from xl_risk.schema import INPUT_FIELDS
from xl_risk.scorecard import (
    PDO_RANGE,
    REFERENCE_ODDS_RANGE,
    REFERENCE_SCORE_RANGE,
    ScalingError,
    Scorecard,
)
from xl_risk.scoring import input_problems, score

log = logging.getLogger(__name__)

CATEGORY = "xl-risk"
ROW_DOC = (
    "One application: its 20 input cells in the Applications sheet's order "
    "(principal to job title), or in any order when header is given."
)
HEADER_DOC = (
    "Optional. The column names above row, when its columns are in another "
    "order: the sheet's labels, Lending Club or Spanish names."
)
N_DOC = "Optional. How many reasons, 1 to 4; 4 when left out."
PDO_DOC = (
    "Optional. Points that double the good:bad odds, {:g} to {:g}; 20 when left "
    "out.".format(*PDO_RANGE)
)
REFERENCE_SCORE_DOC = (
    "Optional. The score given to the reference odds, {:g} to {:g}; 600 when "
    "left out.".format(*REFERENCE_SCORE_RANGE)
)
REFERENCE_ODDS_DOC = (
    "Optional. The good:bad odds that score the reference score, {:g} to {:g}; "
    "50 (50:1, a PD near 2%) when left out.".format(*REFERENCE_ODDS_RANGE)
)
PD_DOC = (
    "Probability of default over one year, as a fraction: 0.01 or a cell "
    "showing 1%. With term_months: the PD over the loan's term, as RISK_PD "
    "gives it."
)
LGD_DOC = (
    "Loss given default as a fraction of EAD: 0.45 or a cell showing 45%, as "
    "RISK_LGD gives it."
)
EAD_DOC = "Exposure at default in money, e.g. principal x RISK_EAD."
SCALING_DOC = "Optional. Factor on K: 1 when left out, 1.06 under Basel II."
TERM_DOC = (
    "Optional. The loan's term in months, when pd is over the term as RISK_PD "
    "gives it: pd becomes a one-year PD first, 1-(1-pd)^(12/term). Leave out "
    "when pd is already one-year."
)
TABLE_DOC = (
    "Applications with their header row on top; columns in any order, named as "
    "on the Applications sheet, in Lending Club or in Spanish."
)

# Failures whose message is written for the analyst: shown as they are.
EXPECTED_ERRORS = (
    convert.CellShapeError,
    convert.ArgumentError,
    DataError,
    ScalingError,
    bundles.BundleError,
)


def _wizard_help(function: Callable) -> Callable:
    """Flatten a docstring to one paragraph, as Excel's function wizard shows it.

    Applied below the xlwings decorators, which read the docstring as they run.
    """
    function.__doc__ = " ".join((function.__doc__ or "").split())
    return function


def _safely(name: str, compute: Callable, *args: object) -> object:
    """Run one function's work; any failure becomes a one-line message."""
    try:
        return compute(*args)
    except EXPECTED_ERRORS as err:
        return convert.one_line(err)
    except Exception as err:
        log.exception("%s failed", name)
        return convert.one_line(f"xl-risk: {type(err).__name__}: {err}")


def _read_cells(columns) -> Table:
    """Input cells read through the schema, each rate's unit judged value by
    value: a row reads alone as it does inside a table."""
    return read_table(columns, INPUT_FIELDS, by_column=False)


def _application(row: object, header: object) -> Table:
    """One application's cells read through the schema; a mistyped header refused."""
    table = _read_cells(convert.application(row, header))
    convert.require_named_inputs(bundles.current(), table)
    return table


def _score_one(row: object, header: object, output: str) -> float | str:
    table = _application(row, header)
    return convert.single(score(bundles.current(), table), output)


def _score_table(table: object) -> list[list]:
    cells = convert.table(table)
    read = _read_cells(cells.columns)
    convert.require_inputs(read)  # missing columns named once, not on every row
    convert.require_named_inputs(bundles.current(), read)
    return convert.table_result(score(bundles.current(), read), cells)


def _reasons_one(row: object, header: object, n: object) -> list[list]:
    count = int(convert.scalar(n, "n"))
    table = _application(row, header)
    problem = input_problems(table).get(0)
    found = [] if problem else reasons(bundles.current(), table, count)[0]
    return convert.reason_row(found, count, problem)


SCALING_ARGUMENTS = ("pdo", "reference_score", "reference_odds")


def _credit_score_one(row: object, header: object, *scaling: object) -> int | str:
    chosen = {
        name: convert.scalar(value, name)
        for name, value in zip(SCALING_ARGUMENTS, scaling, strict=True)
    }
    table = _application(row, header)
    card = Scorecard.from_bundle(bundles.current(), **chosen)
    # TODO: about 4 ms a call against 1 ms for RISK_PD: reasons.contributions
    # still builds a DataFrame per call; a numpy path there would close the gap.
    return convert.credit_score_cell(card.points(table))


def _one_year(pd: object, term_months: object) -> float:
    """The pd argument as a one-year PD; converted when a term is given."""
    lifetime = convert.scalar(pd, "pd")
    months = convert.scalar(term_months, "term_months")
    return lifetime if months is None else float(one_year_pd(lifetime, months))


def _capital(pd: object, lgd: object, scaling: object, term: object) -> float:
    return irb_capital(
        _one_year(pd, term),
        convert.scalar(lgd, "lgd"),
        convert.scalar(scaling, "scaling"),
    )


def _rwa(pd: object, lgd: object, ead: object, scaling: object, term: object) -> float:
    return irb_rwa(
        _one_year(pd, term),
        convert.scalar(lgd, "lgd"),
        convert.scalar(ead, "ead"),
        convert.scalar(scaling, "scaling"),
    )


def _model_info() -> list[list]:
    return convert.model_info(bundles.current().manifest)


@xw.func(category=CATEGORY)
@xw.arg("row", ndim=2, err_to_str=True, doc=ROW_DOC)
@xw.arg("header", ndim=2, err_to_str=True, doc=HEADER_DOC)
@_wizard_help
def EXPECTED_LOSS(row, header=None):
    """Expected loss of one application, in money: PD x principal x EAD x LGD.

    If an input cannot be used, shows a message naming the field, what it
    expects and what it got.
    """
    return _safely("EXPECTED_LOSS", _score_one, row, header, "expected_loss")


@xw.func(category=CATEGORY)
@xw.arg("row", ndim=2, err_to_str=True, doc=ROW_DOC)
@xw.arg("header", ndim=2, err_to_str=True, doc=HEADER_DOC)
@_wizard_help
def RISK_PD(row, header=None):
    """Probability of default of one application, as a fraction (0.12 is 12%).

    If an input cannot be used, shows a message naming the field, what it
    expects and what it got.
    """
    return _safely("RISK_PD", _score_one, row, header, "pd")


@xw.func(category=CATEGORY)
@xw.arg("row", ndim=2, err_to_str=True, doc=ROW_DOC)
@xw.arg("header", ndim=2, err_to_str=True, doc=HEADER_DOC)
@_wizard_help
def RISK_EAD(row, header=None):
    """Exposure at default of one application, as a fraction of the principal.

    If an input cannot be used, shows a message naming the field, what it
    expects and what it got.
    """
    return _safely("RISK_EAD", _score_one, row, header, "ead")


@xw.func(category=CATEGORY)
@xw.arg("row", ndim=2, err_to_str=True, doc=ROW_DOC)
@xw.arg("header", ndim=2, err_to_str=True, doc=HEADER_DOC)
@_wizard_help
def RISK_LGD(row, header=None):
    """Loss given default of one application, as a fraction of the exposure.

    If an input cannot be used, shows a message naming the field, what it
    expects and what it got.
    """
    return _safely("RISK_LGD", _score_one, row, header, "lgd")


@xw.func(category=CATEGORY)
@xw.arg("row", ndim=2, err_to_str=True, doc=ROW_DOC)
@xw.arg("header", ndim=2, err_to_str=True, doc=HEADER_DOC)
@xw.arg("n", err_to_str=True, doc=N_DOC)
@_wizard_help
def RISK_REASONS(row, header=None, n=None):
    """The up to n inputs that raise this application's PD most against the
    typical applicant, largest first, e.g. "grade F". Spills one row of n
    cells, blank where fewer raise it. If an input cannot be used, shows why.
    """
    found = _safely("RISK_REASONS", _reasons_one, row, header, n)
    if isinstance(found, str):  # still one row as wide as asked, message first
        return convert.reason_row([], convert.reason_width(n), found)
    return found


@xw.func(category=CATEGORY)
@xw.arg("row", ndim=2, err_to_str=True, doc=ROW_DOC)
@xw.arg("header", ndim=2, err_to_str=True, doc=HEADER_DOC)
@xw.arg("pdo", err_to_str=True, doc=PDO_DOC)
@xw.arg("reference_score", err_to_str=True, doc=REFERENCE_SCORE_DOC)
@xw.arg("reference_odds", err_to_str=True, doc=REFERENCE_ODDS_DOC)
@_wizard_help
def CREDIT_SCORE(row, header=None, pdo=None, reference_score=None, reference_odds=None):
    """Credit score of one application in whole points, higher is safer: 600
    at good:bad odds of 50:1, and 20 points more double the odds. If an input
    cannot be used, shows a message naming the field.
    """
    return _safely(
        "CREDIT_SCORE", _credit_score_one, row, header, pdo, reference_score,
        reference_odds,
    )  # fmt: skip


@xw.func(category=CATEGORY)
@xw.arg("pd", err_to_str=True, doc=PD_DOC)
@xw.arg("lgd", err_to_str=True, doc=LGD_DOC)
@xw.arg("scaling", err_to_str=True, doc=SCALING_DOC)
@xw.arg("term_months", err_to_str=True, doc=TERM_DOC)
@_wizard_help
def IRB_CAPITAL(pd, lgd, scaling=None, term_months=None):
    """Basel IRB capital requirement K of an other-retail loan, as a fraction
    of its EAD (0.0366 is 3.66%). pd is one-year; RISK_PD is over the loan's
    term, so give term_months with it (see Read me).
    """
    return _safely("IRB_CAPITAL", _capital, pd, lgd, scaling, term_months)


@xw.func(category=CATEGORY)
@xw.arg("pd", err_to_str=True, doc=PD_DOC)
@xw.arg("lgd", err_to_str=True, doc=LGD_DOC)
@xw.arg("ead", err_to_str=True, doc=EAD_DOC)
@xw.arg("scaling", err_to_str=True, doc=SCALING_DOC)
@xw.arg("term_months", err_to_str=True, doc=TERM_DOC)
@_wizard_help
def IRB_RWA(pd, lgd, ead, scaling=None, term_months=None):
    """Risk-weighted assets of an other-retail loan, in the money of ead: K x
    12.5 x EAD, K as IRB_CAPITAL gives it. pd is one-year; RISK_PD is over the
    loan's term, so give term_months with it (see Read me).
    """
    return _safely("IRB_RWA", _rwa, pd, lgd, ead, scaling, term_months)


@xw.func(category=CATEGORY)
@xw.arg("table", ndim=2, err_to_str=True, doc=TABLE_DOC)
@_wizard_help
def RISK_SCORE_TABLE(table):
    """Scores a whole table at once; spills PD, EAD, LGD, expected loss and a
    Problem column, one row per application. A row that cannot be scored
    shows why in Problem; the others are still scored.
    """
    return _safely("RISK_SCORE_TABLE", _score_table, table)


@xw.func(category=CATEGORY, volatile=True)
@_wizard_help
def RISK_MODEL_INFO():
    """Shows the model bundle in use: its version, when it was trained, its PD
    AUC (out of time and test) and the data it was trained on. Spills two
    columns: label and value.
    """
    return _safely("RISK_MODEL_INFO", _model_info)
