"""Write the report workbook a manager reads: one sheet per topic.

:func:`write_report` draws the sheets in a workbook of their own;
:func:`refresh_sheets_in` draws them again inside the analyst's macro
workbook, keeping its other sheets, its VBA project and its buttons.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
from openpyxl import Workbook, load_workbook

from xl_risk.bundle import Bundle, make_readable
from xl_risk.files import replace_whole
from xl_risk.reports import figures
from xl_risk.reports.layout import SheetWriter, subtitle
from xl_risk.reports.sheets import (
    data_quality,
    ead_lgd,
    exploratory,
    model_card,
    monitoring,
    pd_model,
    points,
    portfolio,
    summary,
    validation,
)

log = logging.getLogger(__name__)

SHEETS = (
    summary,
    pd_model,
    validation,
    ead_lgd,
    portfolio,
    monitoring,
    points,
    exploratory,
    data_quality,
    model_card,
)
SUFFIX = ".xlsx"
MACRO_SUFFIX = ".xlsm"
LOCK_PREFIX = "~$"  # Excel's owner file, beside every workbook it has open

# Dynamic-array formulas: a cell's cm attribute points into xl/metadata.xml
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
METADATA_PART = "xl/metadata.xml"
METADATA_REL = f"{REL_NS}/sheetMetadata"
METADATA_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
)
DYNAMIC_CELL = re.compile(r'<c\b[^>]*\bcm="(\d+)"[^>]*>')


class WorkbookInUse(OSError):
    """The macro workbook is open in Excel; it was left as it is."""


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
        written to a temporary file beside it and moved into place whole,
        readable by every analyst as bundles are (``bundle.make_readable``).
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
    start = time.perf_counter()
    ctx = _context(bundle, frame, previous_manifest)

    workbook = Workbook()
    workbook.remove(workbook.active)
    _add_report_sheets(workbook, ctx)
    _save(workbook, path)
    log.info("report %s written in %.1f s", path, time.perf_counter() - start)
    return path


def refresh_sheets_in(
    xlsm_path: str | Path,
    bundle: Bundle,
    frame: pd.DataFrame,
    previous_manifest: dict | None = None,
) -> Path:
    """Draw the report sheets again inside the analyst's macro workbook.

    The report sheets (:data:`SHEETS`) are removed and drawn at the end of
    the workbook as :func:`write_report` draws them. The other sheets keep
    their cells, formulas, formats and drop-down lists; the VBA project is
    copied byte for byte and the form-control buttons (legacy VML drawings)
    stay bound to their macros. The workbook is written to a temporary file
    beside it and moved into place whole.

    Parameters
    ----------
    xlsm_path : path
        The macro workbook, e.g. ``workbook/RiskScoring.xlsm``. It must be
        closed: Excel keeps its own copy of an open workbook and would save
        that over the refresh.
    bundle : Bundle
        The loaded bundle in service (``xl_risk.bundle.load``).
    frame : DataFrame, shape (n_loans, n_columns)
        The prepared training frame (``quality.prepare_training``).
    previous_manifest : dict, optional
        The manifest of the bundle served before (see :func:`write_report`).

    Returns
    -------
    Path
        The refreshed workbook.

    Raises
    ------
    WorkbookInUse
        Excel's lock file ``~$<name>`` is beside the workbook.
    ValueError
        The path does not end in ``.xlsm``, or the frame is not prepared.

    Notes
    -----
    openpyxl rewrites every sheet it loads. Dynamic-array (spilling)
    formulas, which it would save as one-cell legacy arrays, are marked again
    from the original file. Shapes drawn with Insert > Shapes (DrawingML) are
    dropped by openpyxl and lost; so are ActiveX controls. Only the lock file
    tells an open workbook: Excel writes none for a read-only open.
    """
    path = Path(xlsm_path)
    _check_closed_macro_workbook(path)
    start = time.perf_counter()
    ctx = _context(bundle, frame, previous_manifest)

    # TODO: keeping Insert > Shapes needs the report sheets grafted into the
    # package without openpyxl loading the other sheets at all.
    original = path.read_bytes()
    workbook = load_workbook(io.BytesIO(original), keep_vba=True)
    for sheet in SHEETS:
        if sheet.TITLE in workbook.sheetnames:
            workbook.remove(workbook[sheet.TITLE])
    _add_report_sheets(workbook, ctx)

    _save(workbook, path, original)
    log.info("report sheets refreshed in %s in %.1f s", path,
             time.perf_counter() - start)  # fmt: skip
    return path


def _context(
    bundle: Bundle, frame: pd.DataFrame, previous_manifest: dict | None
) -> figures.Context:
    """Score the frame's loans once for every sheet."""
    figures.check_frame(frame)
    start = time.perf_counter()
    scored = figures.score_loans(bundle, frame)
    log.info("scored %s loans in %.1f s", f"{len(frame):,}",
             time.perf_counter() - start)  # fmt: skip
    return figures.Context(bundle, frame, scored, previous_manifest)


def _add_report_sheets(workbook: Workbook, ctx: figures.Context) -> None:
    """Append the report sheets, in SHEETS order, at the end of a workbook."""
    line = subtitle(ctx.manifest)
    for sheet in SHEETS:
        writer = SheetWriter(workbook.create_sheet(sheet.TITLE), sheet.TITLE, line)
        writer.blocks(sheet.blocks(ctx))
        writer.finish()


def _check_closed_macro_workbook(path: Path) -> None:
    if path.suffix.lower() != MACRO_SUFFIX:
        raise ValueError(
            f"xlsm_path: expected a file ending in {MACRO_SUFFIX}, got {path.name!r}."
        )
    lock = path.with_name(LOCK_PREFIX + path.name)
    if lock.exists():
        raise WorkbookInUse(
            f"xlsm_path: {path.name} is open in Excel ({lock.name} is beside it); "
            "close it and refresh again."
        )


def _save(workbook: Workbook, path: Path, original: bytes | None = None) -> None:
    """Save to a temporary file in the target folder, then rename it in place.

    ``original`` is the package the workbook was loaded from: its
    dynamic-array formulas are marked again in the saved one, and the file
    keeps its mode. A report of its own gets the mode of a bundle's files,
    whatever mode an earlier report had.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if original is None:
        replace_whole(path, workbook.save)
        make_readable(path)  # whatever mode an earlier report had
        return

    def write(temp: Path) -> None:
        saved = io.BytesIO()
        workbook.save(saved)
        temp.write_bytes(_keep_dynamic_arrays(saved.getvalue(), original))

    replace_whole(path, write)


def _keep_dynamic_arrays(saved: bytes, original: bytes) -> bytes:
    """The saved package with the original's dynamic-array formulas marked again.

    Excel marks a spilling formula with a ``cm`` attribute on its cell that
    points into ``xl/metadata.xml``. openpyxl drops both and saves the formula
    as a one-cell legacy array, which shows only the top-left value; the
    attributes, the metadata part, its relationship and its content type are
    put back here.
    """
    with zipfile.ZipFile(io.BytesIO(original)) as before:
        if METADATA_PART not in before.namelist():
            return saved
        metadata = before.read(METADATA_PART)
        marked = {
            name: _dynamic_cells(before.read(part).decode("utf-8"))
            for name, part in _sheet_parts(before).items()
        }

    with zipfile.ZipFile(io.BytesIO(saved)) as after:
        if METADATA_PART in after.namelist():  # an openpyxl that keeps them
            return saved
        edits = {
            part: _mark_cells(after.read(part).decode("utf-8"), marked[name])
            for name, part in _sheet_parts(after).items()
            if marked.get(name)
        }
        edits["[Content_Types].xml"] = _insert(
            after.read("[Content_Types].xml"),
            f'<Override PartName="/{METADATA_PART}" ContentType="{METADATA_TYPE}"/>',
        )
        edits["xl/_rels/workbook.xml.rels"] = _insert(
            after.read("xl/_rels/workbook.xml.rels"),
            f'<Relationship Id="rIdMetadata" Type="{METADATA_REL}" '
            'Target="metadata.xml"/>',
        )

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for item in after.infolist():
                package.writestr(item, edits.get(item.filename) or after.read(item))
            package.writestr(METADATA_PART, metadata)
    return out.getvalue()


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the part that holds it, e.g. ``xl/worksheets/sheet3.xml``."""
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    parts = {}
    for sheet in book.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets[sheet.get(f"{{{REL_NS}}}id")]
        parts[sheet.get("name")] = (
            target[1:] if target.startswith("/") else posixpath.join("xl", target)
        )
    return parts


def _dynamic_cells(xml: str) -> dict[str, str]:
    """Cell reference -> cm attribute of a sheet's dynamic-array formulas."""
    cells = {}
    for match in DYNAMIC_CELL.finditer(xml):
        ref = re.search(r'\br="([A-Z]+[0-9]+)"', match.group(0))
        if ref:
            cells[ref.group(1)] = match.group(1)
    return cells


def _mark_cells(xml: str, cells: dict[str, str]) -> str:
    """Put ``cm`` back on each cell that still holds an array formula."""
    for ref, cm in cells.items():
        cell = re.compile(
            rf'(<c\b(?![^>]*\bcm=)[^>]*\br="{ref}"[^>/]*)>(?=<f t="array")'
        )
        xml = cell.sub(rf'\1 cm="{cm}">', xml, count=1)
    return xml


def _insert(xml: bytes, element: str) -> str:
    """A part's XML with ``element`` added as the last child of its root."""
    text = xml.decode("utf-8")
    end = text.rindex("</")
    return text[:end] + element + text[end:]
