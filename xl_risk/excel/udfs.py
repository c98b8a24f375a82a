"""Worksheet functions for Excel, served by xlwings (cell functions: Windows).

Each function converts its cells (:mod:`xl_risk.excel.convert`), asks the
engine (:func:`xl_risk.scoring.score` on :func:`xl_risk.bundle.current`) and
converts the answer back. None of them raises: whatever goes wrong comes back
as a one-line message in the cell. The Python names are the names Excel shows,
hence the capitals; the docstrings are the help of Excel's function wizard,
which shows at most 255 characters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import xlwings as xw

from xl_risk import bundle as bundles
from xl_risk.excel import convert
from xl_risk.scoring import score

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
TABLE_DOC = (
    "Applications with their header row on top; columns in any order, named as "
    "on the Applications sheet, in Lending Club or in Spanish."
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
    except (convert.CellShapeError, bundles.BundleError) as err:
        return convert.one_line(err)
    except Exception as err:
        log.exception("%s failed", name)
        return convert.one_line(f"xl-risk: {type(err).__name__}: {err}")


def _score_one(row: object, header: object, output: str) -> float | str:
    mapping = convert.application(row, header)
    return convert.single(score(bundles.current(), mapping), output)


def _score_table(table: object) -> list[list]:
    mapping, blank = convert.table(table)
    return convert.table_result(score(bundles.current(), mapping), blank)


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
