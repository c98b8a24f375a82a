"""Report sheets drawn again inside the analyst's macro workbook.

Every refresh works on a copy of ``workbook/RiskScoring.xlsm`` in a temporary
folder. The copy is read back three ways: zipfile for the VBA project, the
buttons and the dynamic-array marks (what openpyxl cannot see), openpyxl for
cells and formats, and the pipeline's own outcome for the wiring.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
import shutil
import stat
import zipfile
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import openpyxl
import pytest
from click.testing import CliRunner

import retrain as retrain_package
import retrain.excel as button
from retrain.pipeline import (
    RetrainBusy,
    _write_report,
    default_workbook_path,
    load_training_data,
    retrain,
)
from xl_risk import bundle as bundles
from xl_risk.cli import main as cli
from xl_risk.config import TrainingConfig
from xl_risk.demo import DEMO_SEED, make_portfolio
from xl_risk.quality import prepare_training
from xl_risk.reports.sheets.summary import ON_ITS_OWN_LOANS, ON_THESE_LOANS
from xl_risk.reports.workbook import SHEETS, WorkbookInUse, refresh_sheets_in

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "RiskScoring.xlsm"
ORIGINAL_SHEETS = ["Read me", "Applications", "Table scoring", "Settings",
                   "xlwings.conf"]  # fmt: skip
REPORT_SHEETS = [sheet.TITLE for sheet in SHEETS]
SPILLING = {("Table scoring", "A4"), ("Settings", "A10")}  # dynamic arrays
LOANS = 6_000
CONFIG = TrainingConfig(cv_folds=2)
SHARED_MODE = 0o644


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two bundles trained on the same loans. The second, now in service,
    re-measured the first (``champion_metrics``) and refreshed a copy of the
    workbook."""
    root = tmp_path_factory.mktemp("trained")
    data = root / "loans.csv"
    make_portfolio(n_loans=LOANS, seed=DEMO_SEED).to_csv(data, index=False)
    retrain(data, root / "models", CONFIG)

    workbook = shutil.copy(WORKBOOK, root / "RiskScoring.xlsm")
    second = retrain(data, root / "models", CONFIG, refresh_workbook=workbook)
    table, _ = load_training_data(data)
    frame, _ = prepare_training(table, CONFIG)
    return SimpleNamespace(
        models=root / "models",
        second=second,
        bundle=bundles.load(root / "models" / second.version),
        frame=frame,
        workbook=Path(workbook),
    )


@pytest.fixture(scope="module")
def refreshed(trained, tmp_path_factory) -> Path:
    """A copy of the committed workbook, shared with its owner, refreshed once."""
    path = Path(shutil.copy(WORKBOOK, tmp_path_factory.mktemp("once") / WORKBOOK.name))
    path.chmod(SHARED_MODE)
    return refresh_sheets_in(path, trained.bundle, trained.frame)


@pytest.fixture(scope="module")
def twice(trained, refreshed, tmp_path_factory) -> Path:
    """The refreshed workbook refreshed a second time."""
    path = tmp_path_factory.mktemp("twice") / WORKBOOK.name
    shutil.copy(refreshed, path)
    return refresh_sheets_in(path, trained.bundle, trained.frame)


@pytest.fixture
def copy(tmp_path) -> Path:
    return Path(shutil.copy(WORKBOOK, tmp_path / WORKBOOK.name))


# ------------------------------------------------------------------- helpers
def sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part, through workbook.xml and its relationships."""
    book = re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"',
                      package.read("xl/workbook.xml").decode())  # fmt: skip
    targets = {
        rel.get("Id"): rel.get("Target")
        for rel in _xml(package, "xl/_rels/workbook.xml.rels")
    }
    return {name: _resolve("xl/workbook.xml", targets[rid]) for name, rid in book}


def _xml(package: zipfile.ZipFile, part: str) -> ElementTree.Element:
    return ElementTree.fromstring(package.read(part))


def _resolve(source: str, target: str) -> str:
    """A relationship's target as a part name, relative to its source part."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def drawings(path: Path) -> dict[str, bytes]:
    """Sheet name -> its legacy VML drawing (where form-control buttons live)."""
    found = {}
    with zipfile.ZipFile(path) as package:
        for name, part in sheet_parts(package).items():
            rels = posixpath.join(
                posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"
            )
            if rels not in package.namelist():
                continue
            for rel in _xml(package, rels):
                if rel.get("Type").endswith("/vmlDrawing"):
                    found[name] = package.read(_resolve(part, rel.get("Target")))
    return found


def buttons(path: Path) -> dict[str, list[str]]:
    """Sheet name -> the macros its form-control buttons run."""
    return {
        name: re.findall(rb"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
        for name, vml in drawings(path).items()
    }


def vba_sha256(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        return hashlib.sha256(package.read("xl/vbaProject.bin")).hexdigest()


def cells(path: Path, names: list[str]) -> dict:
    """What an analyst sees on the named sheets: each cell's value or formula
    with its format, the drop-down lists, merged cells, widths and panes."""
    book = openpyxl.load_workbook(path, keep_vba=True)
    seen = {}
    for sheet in (book[name] for name in names):
        for cell in (c for row in sheet.iter_rows() for c in row):
            if cell.value is not None:
                value = getattr(cell.value, "text", cell.value)  # array formulas
                seen[sheet.title, cell.coordinate] = (
                    value, cell.number_format, cell.font.b, cell.alignment.wrap_text
                )  # fmt: skip
        seen[sheet.title, "lists"] = sorted(
            (str(v.sqref), v.type, v.formula1, v.error)
            for v in sheet.data_validations.dataValidation
        )
        seen[sheet.title, "merged"] = sorted(map(str, sheet.merged_cells.ranges))
        seen[sheet.title, "widths"] = {
            key: dim.width for key, dim in sheet.column_dimensions.items()
        }
        seen[sheet.title, "panes"] = sheet.freeze_panes
    return seen


def dynamic_cells(path: Path) -> set[tuple[str, str]]:
    """(sheet, cell) of every formula Excel spills: its cell carries cm."""
    found = set()
    with zipfile.ZipFile(path) as package:
        for name, part in sheet_parts(package).items():
            xml = package.read(part).decode()
            for tag in re.findall(r'<c\b[^>]*\bcm="1"[^>]*>', xml):
                found.add((name, re.search(r'\br="(\w+)"', tag).group(1)))
    return found


def metadata_is_linked(path: Path) -> bool:
    """xl/metadata.xml is in the package, typed and related to the workbook."""
    with zipfile.ZipFile(path) as package:
        types = package.read("[Content_Types].xml").decode()
        rels = [
            _resolve("xl/workbook.xml", rel.get("Target"))
            for rel in _xml(package, "xl/_rels/workbook.xml.rels")
            if rel.get("Type").endswith("/sheetMetadata")
        ]
        return (
            "xl/metadata.xml" in package.namelist()
            and 'PartName="/xl/metadata.xml"' in types
            and rels == ["xl/metadata.xml"]
        )


def read_part(path: Path, part: str) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read(part)


def kpi_header(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path)["Summary"]
    for row in ws.iter_rows():
        if str(row[0].value).startswith("Metrics (baselines"):
            header = ws[row[0].row + 1]
            return [c.value for c in header if c.value is not None]
    raise AssertionError("no metrics table on the Summary sheet")


# ------------------------------------------------------------------- refresh
def test_refresh_keeps_the_vba_project_byte_for_byte(refreshed):
    assert vba_sha256(refreshed) == vba_sha256(WORKBOOK)


def test_refresh_keeps_each_button_bound_to_its_macro(refreshed):
    assert (
        buttons(refreshed)
        == buttons(WORKBOOK)
        == {
            "Read me": [b"ImportPythonUDFs"],
            "Settings": [b"RetrainModels"],
        }
    )
    assert drawings(refreshed) == drawings(WORKBOOK)  # the VML byte for byte


def test_refresh_appends_the_report_sheets_after_the_originals(refreshed):
    names = openpyxl.load_workbook(refreshed, keep_vba=True).sheetnames
    assert names == ORIGINAL_SHEETS + REPORT_SHEETS


def test_refresh_keeps_the_original_sheets_cells_and_formulas(refreshed):
    assert cells(refreshed, ORIGINAL_SHEETS) == cells(WORKBOOK, ORIGINAL_SHEETS)


def test_refresh_keeps_spilling_formulas_dynamic(refreshed):
    assert dynamic_cells(WORKBOOK) == SPILLING
    assert dynamic_cells(refreshed) == SPILLING
    assert metadata_is_linked(refreshed)
    metadata = "xl/metadata.xml"
    assert read_part(refreshed, metadata) == read_part(WORKBOOK, metadata)


def test_refresh_keeps_the_file_mode(refreshed):
    assert stat.S_IMODE(refreshed.stat().st_mode) == SHARED_MODE


def test_refresh_draws_the_report_sheets_with_content(refreshed):
    book = openpyxl.load_workbook(refreshed)
    for name in REPORT_SHEETS:
        assert book[name]["A1"].value == name
        assert book[name].max_row > 5
    assert book["Summary"]._charts


@pytest.mark.parametrize(
    ("name", "charts"),
    [("Validation", 5), ("Monitoring", 2), ("Points", 1), ("Portfolio", 8),
     ("Model card", 0)],
)  # fmt: skip
def test_refresh_draws_the_sheets_with_their_charts(refreshed, name, charts):
    ws = openpyxl.load_workbook(refreshed)[name]
    assert len(ws._charts) == charts
    assert ws.freeze_panes == "A3"
    assert int(ws.page_setup.fitToWidth) == 1


def test_refresh_twice_gives_the_same_sheets_and_parts(refreshed, twice):
    assert (
        openpyxl.load_workbook(twice, keep_vba=True).sheetnames
        == ORIGINAL_SHEETS + REPORT_SHEETS
    )
    with zipfile.ZipFile(refreshed) as once, zipfile.ZipFile(twice) as again:
        assert sorted(again.namelist()) == sorted(once.namelist())
    assert cells(twice, ORIGINAL_SHEETS) == cells(WORKBOOK, ORIGINAL_SHEETS)
    assert buttons(twice) == buttons(WORKBOOK)
    assert vba_sha256(twice) == vba_sha256(WORKBOOK)
    assert dynamic_cells(twice) == SPILLING


def test_refresh_open_in_excel_is_refused_untouched(trained, copy):
    (copy.parent / f"~${copy.name}").write_bytes(b"")
    before = copy.read_bytes()
    with pytest.raises(WorkbookInUse, match=r"RiskScoring\.xlsm is open in Excel"):
        refresh_sheets_in(copy, trained.bundle, trained.frame)
    assert copy.read_bytes() == before
    assert [p.name for p in copy.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("name", ["RiskReport.xlsx", "RiskScoring.xls", "book"])
def test_refresh_not_a_macro_workbook_is_refused(trained, tmp_path, name):
    with pytest.raises(ValueError, match=r"expected a file ending in \.xlsm, got"):
        refresh_sheets_in(tmp_path / name, trained.bundle, trained.frame)


# --------------------------------------------------- Summary: previous bundle
def test_summary_prefers_the_champion_metrics_on_the_same_loans(trained):
    label, measured = ON_THESE_LOANS
    header = kpi_header(trained.workbook)
    assert f"{label}, out-of-time test" in header
    assert f"{ON_ITS_OWN_LOANS[0]}, out-of-time test" not in header

    ws = openpyxl.load_workbook(trained.workbook)["Summary"]
    row = next(r for r in ws.iter_rows() if r[0].value == "PD AUC")
    auc = row[header.index(f"{label}, out-of-time test")].value
    champion = trained.second.manifest["champion_metrics"]
    assert auc == champion["oot"]["pd"]["auc"]
    sentences = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert any(measured in s and f"{auc:.3f}" in s for s in sentences)


# ------------------------------------------------------------------- wiring
def test_retrain_refresh_workbook_redraws_after_promotion(trained):
    assert trained.second.promoted
    assert trained.second.workbook == trained.workbook
    assert trained.second.report is None  # not asked for
    names = openpyxl.load_workbook(trained.workbook, keep_vba=True).sheetnames
    assert names == ORIGINAL_SHEETS + REPORT_SHEETS
    assert buttons(trained.workbook) == buttons(WORKBOOK)


def test_write_report_into_an_open_workbook_says_why_and_returns_none(
    trained, copy, caplog
):
    (copy.parent / f"~${copy.name}").write_bytes(b"")
    failures = []
    with caplog.at_level(logging.INFO, logger="retrain.pipeline"):
        got = _write_report(
            trained.bundle, trained.frame, None, copy, failures, into=True
        )
    assert got is None
    assert failures == [
        f"report sheets not refreshed in {copy}: xlsm_path: {copy.name} is open "
        f"in Excel (~${copy.name} is beside it); close it and refresh again."
    ]
    assert failures[0] in caplog.text
    assert bundles.current_version(trained.models) == trained.second.version


def test_button_retrain_never_refreshes_the_open_workbook(tmp_path, monkeypatch):
    calls = []

    def fake_retrain(*args, **kwargs):
        calls.append((args, kwargs))
        raise RetrainBusy("stop here")

    monkeypatch.setattr(button, "retrain", fake_retrain)
    book = SimpleNamespace(
        app=None,
        fullname=str(tmp_path / "RiskScoring.xlsm"),
        sheets={"Settings": {button.DATA_CELL: SimpleNamespace(value=None)}},
    )
    assert button.retrain_for(book).startswith("Not retrained: stop here")
    [(args, kwargs)] = calls
    assert kwargs.get("refresh_workbook") is None
    assert not any(str(a).endswith(".xlsm") for a in (*args, *kwargs.values()))


@pytest.mark.parametrize(("options", "expected"), [
    ([], None),
    (["--refresh-workbook"], default_workbook_path()),
    (["--refresh-workbook", "other.xlsm"], Path("other.xlsm")),
    (["--refresh-workbook", "--no-report"], default_workbook_path()),
])  # fmt: skip
def test_cli_retrain_refresh_workbook_option(monkeypatch, options, expected):
    seen = {}

    def fake_retrain(data, models_dir, **kwargs):
        seen.update(kwargs)
        raise RetrainBusy("stop here")

    monkeypatch.setattr(retrain_package, "retrain", fake_retrain)
    result = CliRunner().invoke(cli, ["retrain", *options])
    assert result.exit_code == 4, result.output
    assert seen["refresh_workbook"] == expected


def test_button_outcome_says_the_bundle_serves_when_the_report_failed():
    outcome = retrain_package.Outcome(
        "20261204-101500", True, "out-of-time PD AUC 0.7 passes the gate",
        {"data": {"source": "loans.csv", "rows_used": 1_000}},
        report_error="report workbook not written: RiskReport.xlsx: disk full",
    )  # fmt: skip

    said = button.describe(outcome)

    assert said.startswith("Bundle 20261204-101500 is now in service")
    assert "). However, report workbook not written: RiskReport.xlsx: disk" in said
