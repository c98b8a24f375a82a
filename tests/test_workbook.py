"""The analyst's workbook, RiskScoring.xlsm, read back without Excel.

openpyxl reads the sheets, oletools the VBA project, zipfile the buttons. The
Retrain models button's Python side, :mod:`retrain.excel`, is driven with a
stand-in for xlwings' Book.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from filelock import FileLock
from oletools.olevba import VBA_Parser, decompress_stream

import retrain.excel as button
from retrain.pipeline import LOCK_FILE, Outcome
from xl_risk import bundle as bundles
from xl_risk.excel.convert import sheet_rows
from xl_risk.samples import sample_applications
from xl_risk.schema import INPUT_FIELDS, PURPOSES, resolve

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "RiskScoring.xlsm"
N_INPUTS = len(INPUT_FIELDS)
FIRST_ROW, LAST_SAMPLE = 2, 21


def load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_workbook", ROOT / "workbook" / "build_workbook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = load_builder()


@pytest.fixture(scope="module")
def book():
    return openpyxl.load_workbook(WORKBOOK, keep_vba=True)


@pytest.fixture(scope="module")
def vba() -> dict[str, str]:
    """Module name -> VBA source."""
    parser = VBA_Parser(str(WORKBOOK))
    try:
        return {
            Path(stream).name: code for _, stream, _, code in parser.extract_macros()
        }
    finally:
        parser.close()


def formula_text(cell) -> str:
    value = cell.value
    return getattr(value, "text", value)


# --- sheets -----------------------------------------------------------------


def test_workbook_sheets_in_order(book):
    assert book.sheetnames == [
        "Read me", "Applications", "Table scoring", "Settings", "xlwings.conf"
    ]  # fmt: skip


def test_applications_headers_resolve_to_inputs_in_order(book):
    headers = [c.value for c in book["Applications"][1][:N_INPUTS]]
    assert [resolve(h) for h in headers] == list(INPUT_FIELDS)


def test_applications_samples_are_canonical_values_below_one_header(book):
    sheet = book["Applications"]
    got = [
        [c.value for c in row[:N_INPUTS]]
        for row in sheet.iter_rows(min_row=FIRST_ROW, max_row=LAST_SAMPLE)
    ]
    want = sheet_rows(sample_applications())
    assert len(got) == len(want)
    for row, expected in zip(got, want, strict=True):
        for value, canonical in zip(row, expected, strict=True):
            if isinstance(canonical, float):  # written with 16 significant digits
                assert value == pytest.approx(canonical, rel=1e-15)
            else:
                assert value == canonical


@pytest.mark.parametrize("field", INPUT_FIELDS, ids=lambda f: f.name)
def test_applications_number_format_per_field(book, field):
    column = INPUT_FIELDS.index(field) + 1
    cell = book["Applications"].cell(FIRST_ROW, column)
    assert cell.number_format == field.number_format


@pytest.mark.parametrize(("column", "formula"), [
    ("U", "=RISK_PD($A{r}:$T{r})"),
    ("V", "=RISK_EAD($A{r}:$T{r})"),
    ("W", "=RISK_LGD($A{r}:$T{r})"),
    ("X", "=EXPECTED_LOSS($A{r}:$T{r})"),
    ("Y", "=EXPECTED_LOSS($A{r}:$T{r},$A$1:$T$1)"),
    ("Z", "=CREDIT_SCORE($A{r}:$T{r})"),
])  # fmt: skip
def test_applications_formula_columns_on_every_sample(book, column, formula):
    sheet = book["Applications"]
    for r in range(FIRST_ROW, LAST_SAMPLE + 1):
        assert sheet[f"{column}{r}"].value == formula.format(r=r)


def test_applications_reasons_fill_four_cells_with_one_array_formula(book):
    sheet = book["Applications"]
    for r in range(FIRST_ROW, LAST_SAMPLE + 1):
        cell = sheet[f"AA{r}"]
        assert formula_text(cell) == f"=RISK_REASONS($A{r}:$T{r})"
        assert cell.value.ref == f"AA{r}:AD{r}"
    assert openpyxl.utils.get_column_letter(sheet.max_column) == "AD"  # the last


def test_applications_output_headers_right_of_the_inputs(book):
    headers = [c.value for c in book["Applications"][1][N_INPUTS:]]
    assert headers == [
        "PD", "EAD", "LGD", "Expected loss", "Expected loss (by header)",
        "Credit score", "Reason 1", "Reason 2", "Reason 3", "Reason 4",
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "choices"), [
    ("grade", "A,B,C,D,E,F,G"),
    ("term_months", "36,60"),
    ("employment_years", "0,1,2,3,4,5,6,7,8,9,10"),
    ("home_ownership", "RENT,MORTGAGE,OWN,OTHER"),
    ("income_verification", "Not Verified,Source Verified,Verified"),
    ("purpose", ",".join(PURPOSES)),
])  # fmt: skip
def test_applications_drop_down_lists(book, name, choices):
    column = openpyxl.utils.get_column_letter(
        [f.name for f in INPUT_FIELDS].index(name) + 1
    )
    lists = {
        str(v.sqref): v.formula1
        for v in book["Applications"].data_validations.dataValidation
    }
    assert lists[f"{column}2:{column}{builder.LAST_ROW}"] == f'"{choices}"'


def test_table_scoring_spills_the_applications_table(book):
    cell = book["Table scoring"][builder.TABLE_CELL]
    assert formula_text(cell) == "=RISK_SCORE_TABLE(Applications!$A$1:$T$1001)"


def test_settings_cells_match_the_retrain_entry(book):
    sheet = book["Settings"]
    assert sheet["A3"].value == "Training data"
    assert sheet[button.DATA_CELL].value is None  # blank: the demo portfolio
    assert sheet["A6"].value == "Last retrain"
    assert sheet["A7"].value == "Finished at"
    assert formula_text(sheet[builder.MODEL_INFO_CELL]) == "=RISK_MODEL_INFO()"


def test_settings_capital_examples_below_the_bundle_information(book):
    sheet = book["Settings"]
    top = builder.CAPITAL_ROW + 1
    assert sheet[f"A{top}"].value == "Basel IRB capital, other retail"
    got = [
        (row[0].value, row[1].value, row[1].number_format)
        for row in sheet.iter_rows(min_row=top + 2, max_row=sheet.max_row)
    ]
    assert got == [(label, formula, fmt) for label, formula, fmt, _ in
                   builder.CAPITAL_EXAMPLES]  # fmt: skip
    assert got[0][1] == "=IRB_CAPITAL(0.01,0.45)"
    assert got[1][1] == "=IRB_CAPITAL(0.01,0.45,1.06)*12.5"


@pytest.mark.parametrize(("formula", "shows"), [
    ("=IRB_CAPITAL(0.01,0.45)", "0.036618"),
    ("=IRB_CAPITAL(0.01,0.45,1.06)*12.5", "48.52%"),
    ("=IRB_CAPITAL(0.1,0.85)", "0.114154"),
])  # fmt: skip
def test_settings_capital_examples_say_what_they_show(book, formula, shows):
    notes = [c.value for c in book["Settings"]["C"] if isinstance(c.value, str)]
    assert any(n.startswith(formula + " ") and shows in n for n in notes)


def readme_functions(book) -> dict[str, str]:
    """Function name -> the Read me's words about it."""
    sheet = book["Read me"]
    return {
        row[0].value[1:].split("(")[0]: row[1].value
        for row in sheet.iter_rows(max_col=2)
        if isinstance(row[0].value, str) and row[0].value.startswith("=")
    }


def test_readme_lists_every_worksheet_function_with_an_example(book):
    from xl_risk.excel import udfs

    names = {n for n in dir(udfs) if n.isupper() and callable(getattr(udfs, n))}
    described = readme_functions(book)
    assert set(described) == names
    for name, words in described.items():
        assert f"={name}(" in words, name


def test_readme_explains_the_one_year_pd_for_capital(book):
    words = {row[0].value: row[1].value for row in book["Read me"].iter_rows()}
    text = words["One-year PD for capital"]
    assert "=IRB_CAPITAL(U2,W2,1.06,B2)" in text
    assert "1 - (1 - PD)^(12 / term)" in text


def test_xlwings_conf_keys_from_a1_down(book):
    sheet = book["xlwings.conf"]
    keys = []
    for row in sheet.iter_rows(min_col=1, max_col=3):
        if row[0].value is None:
            break
        keys.append((row[0].value, row[1].value, row[2].value))
    conf = {key: value for key, value, _ in keys}

    assert conf["UDF Modules"] == "xl_risk.excel.udfs"
    assert conf["Interpreter_Win"] is None
    assert all(note for _, _, note in keys)  # every key explains itself in C
    importlib.import_module(conf["UDF Modules"])


@pytest.mark.parametrize("key", ["Interpreter_Win", "PYTHONPATH", "UDF Modules"])
def test_xlwings_conf_keys_are_the_ones_the_vba_reads(vba, key):
    assert f'GetConfig("{key.upper()}"' in vba["xlwings"]


# --- VBA and buttons ------------------------------------------------------------


def test_vba_retrain_macro_imports_an_entry_point_that_exists(vba):
    macro = re.search(
        rf"Sub {builder.RETRAIN_MACRO}\(\)\s+RunPython \"import ([\w.]+); "
        r"([\w.]+)\.(\w+)\(\)\"\s+End Sub",
        vba[builder.MACRO_MODULE],
    )
    assert macro is not None
    module, called, function = macro.groups()
    assert called == module == "retrain.excel"
    assert callable(getattr(importlib.import_module(module), function))
    assert (ROOT / "retrain" / "excel.py").is_file()


def test_vba_import_functions_macro_is_xlwings_own(vba):
    assert re.search(rf"^Sub {builder.IMPORT_MACRO}\(\)", vba["xlwings"], re.M)


def buttons(path: Path) -> dict[str, list[str]]:
    """Sheet name -> the macros its buttons run."""
    with zipfile.ZipFile(path) as package:
        names = re.findall(
            r'<sheet name="([^"]+)"', package.read("xl/workbook.xml").decode()
        )
        found = {}
        for i, name in enumerate(names, start=1):
            rels = f"xl/worksheets/_rels/sheet{i}.xml.rels"
            if rels not in package.namelist():
                continue
            for target in re.findall(r'Target="../drawings/(vmlDrawing\d+\.vml)"',
                                     package.read(rels).decode()):  # fmt: skip
                vml = package.read(f"xl/drawings/{target}").decode()
                found[name] = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)<", vml)
    return found


def test_buttons_call_macros_that_exist(vba):
    found = buttons(WORKBOOK)
    assert found == {
        "Read me": [builder.IMPORT_MACRO],
        "Settings": [builder.RETRAIN_MACRO],
    }
    code = "\n".join(vba.values())
    for macro in sum(found.values(), []):
        assert re.search(rf"^(Public )?Sub {macro}\(\)", code, re.M)


@pytest.fixture(scope="module")
def vba_project_bin(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vba") / "vbaProject.bin"
    with zipfile.ZipFile(WORKBOOK) as package:
        path.write_bytes(package.read("xl/vbaProject.bin"))
    return path


def test_vba_project_compiles_from_source_and_is_not_stomped(vba_project_bin):
    parser = VBA_Parser(str(vba_project_bin))
    try:
        assert parser.detect_vba_stomping() is False
        ole = parser.ole_file
        assert ole.openstream("VBA/_VBA_PROJECT").read()[2:4] == b"\xff\xff"
    finally:
        parser.close()


# --- the build ------------------------------------------------------------------


def content(path: Path) -> dict:
    """What an analyst gets from a workbook, independent of library versions:
    cells with their formats, drop-down lists, buttons and our macro's source."""
    book = openpyxl.load_workbook(path, keep_vba=True)
    cells = {
        (sheet.title, cell.coordinate): (formula_text(cell), cell.number_format)
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
    lists = {
        (sheet.title, str(v.sqref)): v.formula1
        for sheet in book
        for v in sheet.data_validations.dataValidation
    }
    parser = VBA_Parser(str(path))
    try:
        macros = {
            Path(stream).name: code
            for _, stream, _, code in parser.extract_macros()
            if Path(stream).name == builder.MACRO_MODULE
        }
    finally:
        parser.close()
    return {"cells": cells, "lists": lists, "macros": macros, "buttons": buttons(path)}


def test_build_regenerates_the_committed_workbook(tmp_path):
    built = builder.build(tmp_path / "RiskScoring.xlsm")
    assert content(built) == content(WORKBOOK), (
        "workbook/RiskScoring.xlsm is stale: run python workbook/build_workbook.py"
    )


def test_build_twice_gives_the_same_bytes(tmp_path):
    first = builder.build(tmp_path / "first.xlsm").read_bytes()
    assert builder.build(tmp_path / "second.xlsm").read_bytes() == first


@pytest.mark.parametrize("text", [
    b"", b"a", b"abcabcabcabc", builder.MODULE_SOURCE.encode(),
])  # fmt: skip
@pytest.mark.parametrize(("literals", "copies"), [(0, None), (50, None), (0, 5)])
def test_ovba_compress_round_trips_through_oletools(text, literals, copies):
    packed = builder.ovba_compress(text, literals, copies)
    assert bytes(decompress_stream(bytearray(packed))) == text


def test_ovba_compress_several_chunks_round_trip():
    text = b'Sub A()\r\n    RunPython "x"\r\nEnd Sub\r\n' * 300
    packed = builder.ovba_compress(text)
    assert bytes(decompress_stream(bytearray(packed))) == text


def test_ovba_compress_incompressible_chunk_raises():
    noise = random.Random(0).randbytes(builder.CHUNK)
    with pytest.raises(ValueError, match="needs raw chunks"):
        builder.ovba_compress(noise)


@pytest.mark.parametrize("size", [180, 195, 210])
def test_compress_to_size_hits_the_size_exactly(size):
    source = builder.MODULE_SOURCE.encode()
    packed = builder.compress_to_size(source, size)
    assert len(packed) == size
    assert bytes(decompress_stream(bytearray(packed))) == source


def test_compress_to_size_impossible_size_raises():
    with pytest.raises(ValueError, match="cannot be compressed to exactly 10"):
        builder.compress_to_size(builder.MODULE_SOURCE.encode(), 10)


# --- the Retrain models button's Python side ------------------------------------


class FakeSheet(dict):
    """Cells by address, each with a .value, as xlwings' Sheet[...] gives."""

    def __missing__(self, address):
        self[address] = SimpleNamespace(value=None)
        return self[address]


class FakeApp:
    def __init__(self):
        self.shown = []

    @property
    def status_bar(self):
        return self.shown[-1] if self.shown else False

    @status_bar.setter
    def status_bar(self, text):
        self.shown.append(text)


def fake_book(folder: Path, data: object = None, sheets=("Settings",)):
    book = SimpleNamespace(
        app=FakeApp(),
        fullname=str(folder / "RiskScoring.xlsm"),
        sheets={name: FakeSheet() for name in sheets},
    )
    if "Settings" in book.sheets:
        book.sheets["Settings"][button.DATA_CELL].value = data
    return book


@pytest.fixture
def caller(monkeypatch):
    """Make xlwings' Book.caller() return a given stand-in."""

    def use(book):
        monkeypatch.setattr(button.xw.Book, "caller", staticmethod(lambda: book))
        return book

    return use


@pytest.mark.parametrize(("cell", "expected"), [
    (None, None),
    ("   ", None),
    ("loans.csv", "book/loans.csv"),
    ('"data/loans.csv"', "book/data/loans.csv"),
    ("/srv/loans.csv", "/srv/loans.csv"),
])  # fmt: skip
def test_training_data_path_from_the_settings_cell(cell, expected):
    got = button.training_data(cell, Path("book"))
    assert got == (None if expected is None else Path(expected))


def test_main_missing_data_file_writes_reason_and_does_not_raise(tmp_path, caller):
    book = caller(fake_book(tmp_path, "absent.csv"))
    button.main()
    outcome = book.sheets["Settings"][button.OUTCOME_CELL].value
    assert outcome.startswith("Not retrained: data file not found: ")
    assert "absent.csv" in outcome
    assert book.sheets["Settings"][button.FINISHED_CELL].value
    assert book.app.shown[-1] is False  # the status bar is Excel's again


def test_main_while_another_retrain_runs_says_who(tmp_path, caller, monkeypatch):
    monkeypatch.setenv(bundles.MODELS_ENV, str(tmp_path))
    book = caller(fake_book(tmp_path))
    with FileLock(tmp_path / LOCK_FILE):
        button.main()
    outcome = book.sheets["Settings"][button.OUTCOME_CELL].value
    assert outcome.startswith("Not retrained: a retrain is already running")


@pytest.mark.parametrize("promoted", [True, False])
def test_main_outcome_in_plain_words_with_progress(
    tmp_path, caller, monkeypatch, promoted
):
    def fake_retrain(data, progress, report):
        assert report.name == "RiskReport.xlsx"
        progress("Reading training data")
        manifest = {"data": {"source": str(data), "rows_used": 12345}}
        reason = "out-of-time PD AUC 0.7000 passes the gate"
        return Outcome("20260101-000000", promoted, reason, manifest, "20251201-000000")

    monkeypatch.setattr(button, "retrain", fake_retrain)
    book = caller(fake_book(tmp_path, "loans.csv"))
    button.main()

    outcome = book.sheets["Settings"][button.OUTCOME_CELL].value
    assert f"{tmp_path / 'loans.csv'}, 12,345 loans used" in outcome
    if promoted:
        assert outcome.startswith("Bundle 20260101-000000 is now in service")
    else:
        assert outcome.endswith("The bundle in service is still 20251201-000000.")
    assert book.app.shown == ["xl-risk retrain: Reading training data...", False]


def test_main_unexpected_error_is_one_line(tmp_path, caller, monkeypatch):
    def broken(data, progress, report):
        raise KeyError("metrics")

    monkeypatch.setattr(button, "retrain", broken)
    book = caller(fake_book(tmp_path))
    button.main()
    assert book.sheets["Settings"][button.OUTCOME_CELL].value == (
        "xl-risk: KeyError: 'metrics'"
    )


def test_main_without_settings_sheet_shows_outcome_in_status_bar(tmp_path, caller):
    book = caller(fake_book(tmp_path, sheets=("Other",)))
    button.main()
    assert book.app.shown[-1].startswith("xl-risk: KeyError: 'Settings'")


def test_main_outside_excel_does_not_raise(monkeypatch):
    def no_caller():
        raise RuntimeError("Book.caller() is only available when called from Excel")

    monkeypatch.setattr(button.xw.Book, "caller", staticmethod(no_caller))
    assert button.main() is None
