"""Write the report workbook a manager reads: one sheet per topic."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from xl_risk.bundle import Bundle
from xl_risk.reports import figures
from xl_risk.reports.layout import SheetWriter, subtitle
from xl_risk.reports.sheets import (
    data_quality,
    ead_lgd,
    exploratory,
    pd_model,
    portfolio,
    summary,
)

log = logging.getLogger(__name__)

SHEETS = (summary, pd_model, ead_lgd, portfolio, exploratory, data_quality)
SUFFIX = ".xlsx"


def write_report(
    bundle: Bundle,
    frame: pd.DataFrame,
    path: str | Path,
    previous_manifest: dict | None = None,
) -> Path:
    """Write the report workbook for a bundle and the loans it learned from.

    Parameters
    ----------
    bundle : Bundle
        The loaded bundle in service (``xl_risk.bundle.load``).
    frame : DataFrame, shape (n_loans, n_columns)
        The prepared training frame (``quality.prepare_training``): canonical
        columns plus ``bad``, ``ead`` and ``lgd``.
    path : path
        Where the ``.xlsx`` goes, e.g. ``workbook/RiskReport.xlsx``. It is
        written to a temporary file beside it and moved into place whole.
    previous_manifest : dict, optional
        The manifest of the bundle served before; its metrics are shown
        beside this bundle's on the Summary sheet.

    Returns
    -------
    Path
        The written workbook.
    """
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        raise ValueError(
            f"path: expected a file ending in {SUFFIX}, got {path.name!r}."
        )
    figures.check_frame(frame)

    start = time.perf_counter()
    scored = figures.score_loans(bundle, frame)
    ctx = figures.Context(bundle, frame, scored, previous_manifest)
    log.info("scored %d loans in %.1f s", len(frame), time.perf_counter() - start)

    workbook = Workbook()
    workbook.remove(workbook.active)
    line = subtitle(bundle.manifest)
    for sheet in SHEETS:
        writer = SheetWriter(workbook.create_sheet(sheet.TITLE), sheet.TITLE, line)
        writer.blocks(sheet.blocks(ctx))
        writer.finish()
    _save(workbook, path)
    log.info("report %s written in %.1f s", path, time.perf_counter() - start)
    return path


def _save(workbook: Workbook, path: Path) -> None:
    """Save to a temporary file in the target folder, then rename it in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".report-", suffix=SUFFIX, dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
