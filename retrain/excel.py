"""The workbook's Retrain models button.

The button runs the VBA macro ``RetrainModels``, whose one line is
``RunPython "import retrain.excel; retrain.excel.main()"``. :func:`main` reads
the training data path from the Settings sheet, retrains with Excel's status
bar showing each phase, and writes the outcome in plain words back to the
Settings sheet. It never raises: an exception escaping a RunPython call would
show the analyst a Python traceback instead of a sentence.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import xlwings as xw

from retrain.pipeline import Outcome, RetrainBusy, default_report_path, retrain
from xl_risk.bundle import BundleError
from xl_risk.excel.convert import one_line
from xl_risk.intake import DataError

log = logging.getLogger(__name__)

SETTINGS_SHEET = "Settings"
DATA_CELL = "B3"  # path of the training data; blank for the demo portfolio
OUTCOME_CELL = "B6"  # what the last retrain did, in words
FINISHED_CELL = "B7"  # when it finished, local time
ENTRY = "import retrain.excel; retrain.excel.main()"  # the macro's RunPython line
RESCORE_HINT = "Press Ctrl+Alt+F9 to rescore the open sheets with it."


def training_data(cell: object, folder: Path) -> Path | None:
    """The training file a Settings cell names; None (demo portfolio) if blank.

    A relative path is taken from the workbook's folder.
    """
    if cell is None or not str(cell).strip():
        return None
    path = Path(str(cell).strip().strip('"')).expanduser()
    return path if path.is_absolute() else folder / path


def describe(outcome: Outcome) -> str:
    """A retrain's outcome in one sentence an analyst can act on."""
    data = outcome.manifest.get("data", {})
    trained = (
        f"trained on {data.get('source', 'unknown data')}, "
        f"{data.get('rows_used', 0):,} loans used"
    )
    if outcome.promoted:
        unwritten = f" However, {outcome.report_error}." if outcome.report_error else ""
        return (
            f"Bundle {outcome.version} is now in service ({trained}; "
            f"{outcome.reason}).{unwritten} {RESCORE_HINT}"
        )
    kept = outcome.previous or "none"
    return (
        f"Bundle {outcome.version} was {trained}, but is not in service: "
        f"{outcome.reason}. The bundle in service is still {kept}."
    )


def retrain_for(book) -> str:
    """Retrain from the data the book's Settings sheet names; the outcome in words.

    Never raises: expected failures (the data, a retrain already running, the
    bundle) are explained, anything else is logged and named in one line.
    """
    app = getattr(book, "app", None)  # _status copes with None

    def progress(phase: str) -> None:
        _status(app, f"xl-risk retrain: {phase}...")

    try:
        cell = book.sheets[SETTINGS_SHEET][DATA_CELL].value
        data = training_data(cell, Path(book.fullname).parent)
        # The workbook is open in Excel: reports go to RiskReport.xlsx beside it.
        outcome = retrain(data, progress=progress, report=default_report_path())
        return describe(outcome)
    except (DataError, RetrainBusy, BundleError) as err:
        return f"Not retrained: {one_line(err)}"
    except Exception as err:
        log.exception("retrain from the workbook failed")
        return one_line(f"xl-risk: {type(err).__name__}: {err}")
    finally:
        _status(app, False)


def _status(app, text: str | bool) -> None:
    """Show text in Excel's status bar (False gives it back to Excel)."""
    try:
        app.status_bar = text
    except Exception:
        log.warning("cannot write Excel's status bar", exc_info=True)


def report(book, message: str) -> None:
    """Write the outcome to the Settings sheet, or to the status bar if that fails."""
    try:
        settings = book.sheets[SETTINGS_SHEET]
        settings[OUTCOME_CELL].value = message
        settings[FINISHED_CELL].value = datetime.now().strftime("%Y-%m-%d %H:%M")
    except Exception:
        log.exception("cannot write the outcome to the %s sheet", SETTINGS_SHEET)
        _status(book.app, message)


def main() -> None:
    """Entry point of the Retrain models button (called through RunPython)."""
    try:
        book = xw.Book.caller()
    except Exception:
        log.exception("retrain.excel.main must be run from the workbook's button")
        return
    report(book, retrain_for(book))
