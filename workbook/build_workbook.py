"""Build ``workbook/RiskScoring.xlsm``, the analyst's workbook.

    python workbook/build_workbook.py [--out PATH]

Re-runnable, and the same inputs give the same bytes: fixed document
properties, fixed zip timestamps, no bundle consulted.

The VBA project is xlwings' own, taken from the ``quickstart_standalone.xlsm``
that ships with the installed xlwings: its ``xlwings`` module holds
``RunPython`` and ``ImportPythonUDFs``. Its ``Module1`` holds only
``SampleCall``, which imports a Python module named after the workbook, so the
build replaces Module1's source with the ``RetrainModels`` macro behind the
Retrain models button (see :func:`vba_project`).
"""

from __future__ import annotations

import argparse
import io
import math
import struct
import zipfile
from datetime import datetime
from pathlib import Path

import olefile
import xlsxwriter
import xlwings

from retrain.excel import DATA_CELL, ENTRY, FINISHED_CELL, OUTCOME_CELL, SETTINGS_SHEET
from xl_risk.capital import BASEL_II_SCALING, CAPITAL_TO_RWA, irb_capital, irb_rwa
from xl_risk.excel.convert import sheet_rows
from xl_risk.reasons import DEFAULT_REASONS
from xl_risk.samples import sample_applications
from xl_risk.schema import INPUT_FIELDS, INPUT_NAMES, Kind
from xl_risk.scorecard import PDO_RANGE, REFERENCE_ODDS_RANGE, REFERENCE_SCORE_RANGE

OUT = Path(__file__).with_name("RiskScoring.xlsm")
QUICKSTART = Path(xlwings.__file__).with_name("quickstart_standalone.xlsm")
CREATED = datetime(2026, 1, 1)
UDF_MODULE = "xl_risk.excel.udfs"
RETRAIN_MACRO = "RetrainModels"
IMPORT_MACRO = "ImportPythonUDFs"  # in xlwings' standalone VBA module
MACRO_MODULE = "Module1"

README = "Read me"
APPLICATIONS = "Applications"
TABLE = "Table scoring"
CONF = "xlwings.conf"  # the name xlwings looks for
SHEETS = (README, APPLICATIONS, TABLE, SETTINGS_SHEET, CONF)
LAST_ROW = 1001  # rows 2..1001 take applications: validation and table range
INPUT_RANGE = f"{APPLICATIONS}!$A$1:$T${LAST_ROW}"
OUTPUT_COLUMNS = (
    ("PD", "RISK_PD", "0.00%"),
    ("EAD", "RISK_EAD", "0.0%"),
    ("LGD", "RISK_LGD", "0.0%"),
    ("Expected loss", "EXPECTED_LOSS", "#,##0.00"),
)
HEADER_VARIANT = "Expected loss (by header)"
SCORE_COLUMN = ("Credit score", "CREDIT_SCORE", "0")
REASON_HEADERS = tuple(f"Reason {k}" for k in range(1, DEFAULT_REASONS + 1))
REASON_WIDTH = 34
OUTPUT_WIDTH = 14
MODEL_INFO_LABEL_CELL = "A9"
MODEL_INFO_CELL = "A10"
CAPITAL_ROW = 16  # row 17, below the five rows RISK_MODEL_INFO spills
RETRAIN_BUTTON_CELL = "B4"
SETTINGS_NOTE_WIDTH = 60
CONF_NOTE_WIDTH = 90
TABLE_CELL = "A4"

MODULE_SOURCE = (  # compressed, it must fit the 195 bytes of the quickstart's
    f'Attribute VB_Name = "{MACRO_MODULE}"\r\n'
    "' The Retrain models button runs this (workbook/build_workbook.py)\r\n"
    f"Sub {RETRAIN_MACRO}()\r\n"
    f'    RunPython "{ENTRY}"\r\n'
    "End Sub\r\n"
)


# --- VBA: MS-OVBA compression and the Module1 patch -----------------------

CHUNK = 4096
MIN_COPY = 3


def ovba_compress(data: bytes, literals: int = 0, copies: int | None = None) -> bytes:
    """Compress as MS-OVBA 2.4.1 specifies (the format of VBA module source).

    The first ``literals`` bytes are written as they are and at most ``copies``
    copy tokens are used (None: no limit). Every choice decompresses to
    ``data``, at a different size.
    """
    out = bytearray(b"\x01")
    budget = [len(data) if copies is None else copies]
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        out += _compress_chunk(chunk, max(literals - start, 0), budget)
    return bytes(out)


def _compress_chunk(chunk: bytes, literals: int, budget: list) -> bytes:
    body, pos = bytearray(), 0
    while pos < len(chunk):
        flags, tokens = 0, bytearray()
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length = _longest_match(chunk, pos)
            if length >= MIN_COPY and pos >= literals and budget[0] > 0:
                bits = max((pos - 1).bit_length(), 4)
                tokens += struct.pack(
                    "<H", ((offset - 1) << (16 - bits)) | (length - 3)
                )
                flags |= 1 << bit
                budget[0] -= 1
                pos += length
            else:
                tokens.append(chunk[pos])
                pos += 1
        body += bytes([flags]) + tokens

    if len(body) > CHUNK:
        raise ValueError("data that does not compress needs raw chunks, not written")
    header = (len(body) + 2 - 3) | (0b011 << 12) | 0x8000
    return struct.pack("<H", header) + bytes(body)


def _longest_match(chunk: bytes, pos: int) -> tuple[int, int]:
    bits = max((pos - 1).bit_length(), 4)
    longest = (0xFFFF >> bits) + 3
    best = (0, 0)
    for start in range(pos - 1, -1, -1):
        n = 0
        while (
            pos + n < len(chunk) and n < longest and chunk[start + n] == chunk[pos + n]
        ):
            n += 1
        if n > best[1]:
            best = (pos - start, n)
    return best


def compress_to_size(data: bytes, size: int) -> bytes:
    """A compression of ``data`` of exactly ``size`` bytes.

    Writing some bytes as literals where a copy token would do costs space, so
    the size can be tuned nearly byte by byte between the best compression and
    none.
    """
    choices = [(n, None) for n in range(len(data) + 1)]
    choices += [(0, n) for n in range(len(data))]
    for literals, copies in choices:
        packed = ovba_compress(data, literals, copies)
        if len(packed) == size:
            return packed
    raise ValueError(
        f"VBA source of {len(data)} bytes cannot be compressed to exactly {size} "
        f"bytes; shorten or lengthen its comment"
    )


def _module_offsets(dir_stream: bytes) -> dict[str, int]:
    """Module name -> MODULEOFFSET, from the decompressed dir stream."""
    from oletools.olevba import decompress_stream

    raw = bytes(decompress_stream(bytearray(dir_stream)))
    offsets, name, pos = {}, None, 0
    while pos < len(raw):
        record, size = struct.unpack_from("<HI", raw, pos)
        if record == 0x0009:  # PROJECTVERSION: its size field says 4, 6 follow
            size = 6
        value = raw[pos + 6 : pos + 6 + size]
        if record == 0x0019:  # MODULENAME
            name = value.decode("latin-1")
        elif record == 0x0031:  # MODULEOFFSET
            offsets[name] = struct.unpack("<I", value)[0]
        pos += 6 + size
    return offsets


def vba_project(quickstart: Path = QUICKSTART) -> bytes:
    """xlwings' standalone VBA project with our macro as Module1's source.

    The project's ``_VBA_PROJECT`` stream carries version 0xFFFF, so Excel
    ignores every compiled cache and compiles each module from its source, as
    it does for the ``xlwings`` module, which ships as source only. Module1's
    stale cache (SampleCall compiled) is zeroed: left beside new source it is
    what malware scanners report as VBA stomping. olefile rewrites a stream
    only in place, so the new source is compressed to the old one's size.
    """
    with zipfile.ZipFile(quickstart) as package:
        data = io.BytesIO(package.read("xl/vbaProject.bin"))

    ole = olefile.OleFileIO(data, write_mode=True)
    version = ole.openstream("VBA/_VBA_PROJECT").read()[2:4]
    if version != b"\xff\xff":
        raise ValueError(
            f"{quickstart.name}: VBA cache version {version.hex()}, expected ffff; "
            "Excel would run the compiled cache, not the new source"
        )

    stream = f"VBA/{MACRO_MODULE}"
    size = len(ole.openstream(stream).read())
    offset = _module_offsets(ole.openstream("VBA/dir").read())[MACRO_MODULE]
    source = compress_to_size(MODULE_SOURCE.encode("cp1252"), size - offset)
    ole.write_stream(stream, bytes(offset) + source)
    ole.close()
    return data.getvalue()


# --- sheets ---------------------------------------------------------------------


def _formats(book) -> dict:
    wrap = {"text_wrap": True, "valign": "top"}
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", **wrap}),
        "output": book.add_format({"bold": True, "bg_color": "#FCE4D6", **wrap}),
        "bold": book.add_format({"bold": True, "valign": "top"}),
        "wrap": book.add_format(wrap),
        "code": book.add_format({"font_name": "Consolas", **wrap}),
        **{
            f.number_format: book.add_format({"num_format": f.number_format})
            for f in INPUT_FIELDS
        },
        **{
            fmt: book.add_format({"num_format": fmt})
            for _, _, fmt, *_ in (*OUTPUT_COLUMNS, SCORE_COLUMN, *CAPITAL_EXAMPLES)
        },
    }


def _choices(field) -> list[str]:
    """The drop-down choices of a field with a short list of values, else []."""
    if field.kind is Kind.CATEGORY:
        return list(field.categories)
    if field.kind is Kind.TERM:
        return ["36", "60"]
    if field.kind is Kind.YEARS:
        return [str(n) for n in range(int(field.minimum), int(field.maximum) + 1)]
    return []


LINE_HEIGHT = 15  # points per line of wrapped text


def _fit_row(sheet, row: int, text: str, width: float, lines: int = 1) -> int:
    """Set a row tall enough for ``text`` wrapped in a column ``width`` wide.

    XlsxWriter cannot measure text and Excel does not refit rows on opening,
    so the height is estimated from the characters a column of that width
    holds. Returns the lines needed, at least ``lines``.
    """
    needed = max(lines, math.ceil(len(text) / max(width - 4, 1)))
    sheet.set_row(row, LINE_HEIGHT * needed + 3)
    return needed


def _column(index: int) -> str:
    return xlsxwriter.utility.xl_col_to_name(index)


def application_cell(name: str, row: int = 2, sheet: bool = True) -> str:
    """Where the Applications sheet holds an input (by canonical name) or an
    output (by its function's name) of the application on ``row``."""
    outputs = [function for _, function, _ in OUTPUT_COLUMNS]
    if name in outputs:
        column = len(INPUT_FIELDS) + outputs.index(name)
    else:
        column = INPUT_NAMES.index(name)
    return f"{APPLICATIONS + '!' if sheet else ''}{_column(column)}{row}"


def write_applications(sheet, formats: dict) -> None:
    n_inputs = len(INPUT_FIELDS)
    first, last = _column(0), _column(n_inputs - 1)
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 45)

    for j, f in enumerate(INPUT_FIELDS):
        sheet.write(0, j, f.label, formats["header"])
        width = 18 if f.kind in (Kind.CATEGORY, Kind.TEXT) else 12
        sheet.set_column(j, j, width, formats[f.number_format])
        choices = _choices(f)
        if choices:
            sheet.data_validation(1, j, LAST_ROW - 1, j, {
                "validate": "list", "source": choices, "error_type": "warning",
                "error_title": f.label[:32], "error_message": f.problem("...")[:255],
                "input_title": f.label[:32],
                "input_message": ("Expected " + f.expectation())[:255],
            })  # fmt: skip

    headers = f"${first}$1:${last}$1"
    for i, row in enumerate(sheet_rows(sample_applications()), start=1):
        for j, value in enumerate(row):
            if value is not None:
                sheet.write(i, j, value)
        write_outputs(sheet, formats, i, f"${first}{i + 1}:${last}{i + 1}", headers)

    outputs = [name for name, _, _ in OUTPUT_COLUMNS]
    outputs += [HEADER_VARIANT, SCORE_COLUMN[0], *REASON_HEADERS]
    for k, name in enumerate(outputs):
        sheet.write(0, n_inputs + k, name, formats["output"])
    reasons_at = n_inputs + len(outputs) - len(REASON_HEADERS)
    sheet.set_column(n_inputs, reasons_at - 1, OUTPUT_WIDTH)
    sheet.set_column(reasons_at, n_inputs + len(outputs) - 1, REASON_WIDTH)


def write_outputs(sheet, formats: dict, i: int, cells: str, headers: str) -> None:
    """The formulas right of one application's inputs, on 0-based row ``i``.

    PD, EAD, LGD and EL; EL again reading the header; the credit score; then
    the reasons, entered as one array formula over their four cells: it fills
    them in every Excel version, and the reasons never spill over a neighbour.
    """
    column = len(INPUT_FIELDS)
    for _, function, fmt in OUTPUT_COLUMNS:
        sheet.write_formula(i, column, f"={function}({cells})", formats[fmt])
        column += 1
    sheet.write_formula(
        i, column, f"=EXPECTED_LOSS({cells},{headers})", formats["#,##0.00"]
    )

    _, function, fmt = SCORE_COLUMN
    sheet.write_formula(i, column + 1, f"={function}({cells})", formats[fmt])
    start, end = column + 2, column + 1 + len(REASON_HEADERS)
    sheet.write_array_formula(i, start, i, end, f"{{=RISK_REASONS({cells})}}")


def write_table(sheet, formats: dict) -> None:
    sheet.write("A1", "Scoring a whole table in one formula", formats["title"])
    sheet.write("A2", (
        f"{TABLE_CELL} holds =RISK_SCORE_TABLE({INPUT_RANGE}): the Applications "
        "table with its header row. The answer spills: a header row, then PD, EAD, "
        "LGD, expected loss and Problem for each application, level with it: a "
        "blank row above the header or among the applications gives a blank row. "
        "Blank rows at the end of the range are left out. A table without a "
        "required column gives one cell naming each missing field."
    ), formats["wrap"])  # fmt: skip
    sheet.set_row(1, 80)
    sheet.set_column("A:E", 16)
    sheet.write_dynamic_array_formula(
        TABLE_CELL, f"=RISK_SCORE_TABLE({INPUT_RANGE})", formats["0.00%"]
    )


def _beside(cell: str, columns: int) -> tuple[int, int]:
    row, col = xlsxwriter.utility.xl_cell_to_rowcol(cell)
    return row, col + columns


PD_1Y, LGD_1Y, PD_HIGH, LGD_HIGH, EXAMPLE_EAD = 0.01, 0.45, 0.1, 0.85, 10_000
SCALING = f"{BASEL_II_SCALING:g}"


def first_application(function: str, sheet: bool = True) -> str:
    """IRB_CAPITAL or IRB_RWA of the Applications sheet's first application at
    Basel II scaling, its PD turned into a one-year PD with its term."""
    pd_, lgd, term, principal, ead = (
        application_cell(name, sheet=sheet)
        for name in ("RISK_PD", "RISK_LGD", "term_months", "principal", "RISK_EAD")
    )
    exposure = [f"{principal}*{ead}"] if function == "IRB_RWA" else []
    return f"={function}({','.join([pd_, lgd, *exposure, SCALING, term])})"


CAPITAL_EXAMPLES = (  # label, formula, number format, what it shows
    ("K at PD 1%, LGD 45%", f"=IRB_CAPITAL({PD_1Y},{LGD_1Y})", "0.000000",
     f"K as a fraction of EAD: {irb_capital(PD_1Y, LGD_1Y):.6f}, that is "
     f"{irb_capital(PD_1Y, LGD_1Y):.2%} of the exposure."),
    ("Risk weight, Basel II",
     f"=IRB_CAPITAL({PD_1Y},{LGD_1Y},{SCALING})*{CAPITAL_TO_RWA:g}", "0.00%",
     f"K with Basel II's scaling {SCALING}, times {CAPITAL_TO_RWA:g}: "
     f"{irb_capital(PD_1Y, LGD_1Y, BASEL_II_SCALING) * CAPITAL_TO_RWA:.2%}."),
    ("K at PD 10%, LGD 85%", f"=IRB_CAPITAL({PD_HIGH},{LGD_HIGH})", "0.000000",
     f"{irb_capital(PD_HIGH, LGD_HIGH):.6f} of EAD."),
    ("RWA of an EAD of 10,000",
     f"=IRB_RWA({PD_1Y},{LGD_1Y},{EXAMPLE_EAD},{SCALING})", "#,##0.00",
     f"In money: K x {CAPITAL_TO_RWA:g} x EAD = "
     f"{irb_rwa(PD_1Y, LGD_1Y, EXAMPLE_EAD, BASEL_II_SCALING):,.2f}."),
    ("K of the first application", first_application("IRB_CAPITAL"), "0.00%",
     "Its PD is over the loan's term; the term in months, last, turns it into "
     "a one-year PD first."),
    ("RWA of the first application", first_application("IRB_RWA"), "#,##0.00",
     "EAD in money: principal x the EAD fraction."),
)  # fmt: skip


def write_settings(sheet, formats: dict) -> None:
    sheet.set_column("A:A", 28)
    sheet.set_column("B:C", SETTINGS_NOTE_WIDTH, formats["wrap"])
    sheet.write("A1", "Settings", formats["title"])

    sheet.write(*_beside(DATA_CELL, -1), "Training data", formats["bold"])
    note = (
        "Path of a loan history: CSV, CSV.GZ, parquet or xlsx, full or relative to "
        "this workbook's folder. Leave blank to train on the embedded demo portfolio."
    )
    sheet.write(*_beside(DATA_CELL, 1), note)
    _fit_row(sheet, _beside(DATA_CELL, 0)[0], note, SETTINGS_NOTE_WIDTH)
    sheet.insert_button(RETRAIN_BUTTON_CELL, {
        "macro": RETRAIN_MACRO, "caption": "Retrain models", "width": 160,
        "height": 28,
    })  # fmt: skip

    sheet.write(*_beside(OUTCOME_CELL, -1), "Last retrain", formats["bold"])
    sheet.write(*_beside(FINISHED_CELL, -1), "Finished at", formats["bold"])
    sheet.write(MODEL_INFO_LABEL_CELL, "Bundle in service", formats["bold"])
    sheet.write_dynamic_array_formula(MODEL_INFO_CELL, "=RISK_MODEL_INFO()")
    write_capital_examples(sheet, formats, CAPITAL_ROW)


def write_capital_examples(sheet, formats: dict, top: int) -> None:
    """IRB_CAPITAL and IRB_RWA at work: label, live formula, its text and value."""
    sheet.write(top, 0, "Basel IRB capital, other retail", formats["bold"])
    for k, heading in enumerate(("Example", "Value", "Formula and what it shows")):
        sheet.write(top + 1, k, heading, formats["header"])

    for row, (label, formula, fmt, shows) in enumerate(CAPITAL_EXAMPLES, top + 2):
        sheet.write(row, 0, label, formats["bold"])
        sheet.write_formula(row, 1, formula, formats[fmt])
        text = f"{formula}  {shows}"
        sheet.write_string(row, 2, text, formats["wrap"])
        _fit_row(sheet, row, text, SETTINGS_NOTE_WIDTH)


def write_conf(sheet, formats: dict) -> None:
    """xlwings reads keys from A1 down to the first blank cell, values in B."""
    sheet.set_column("A:A", 18)
    sheet.set_column("B:B", 40)
    sheet.set_column("C:C", CONF_NOTE_WIDTH, formats["wrap"])
    entries = [
        ("Interpreter_Win", None,
         "Fill in: the full path of python.exe in the virtual environment where "
         "xl-risk is installed, e.g. C:\\Users\\you\\xl-risk\\.venv\\Scripts\\"
         "python.exe. Blank means the first python on the PATH."),
        ("Interpreter_Mac", None,
         "Mac: the path of python in that environment, e.g. "
         "/Users/you/xl-risk/.venv/bin/python."),
        ("PYTHONPATH", None,
         "Blank when xl-risk is installed in that environment (pip install -e "
         "<repository folder>). Otherwise the full path of the repository folder, "
         "the one above workbook\\: xlwings does not read a relative path from the "
         "workbook's folder."),
        ("UDF Modules", UDF_MODULE,
         "The Python module with the worksheet functions."),
    ]  # fmt: skip
    for i, (key, value, note) in enumerate(entries):
        sheet.write(i, 0, key)
        if value is not None:
            sheet.write(i, 1, value)
        sheet.write(i, 2, note)
        _fit_row(sheet, i, note, CONF_NOTE_WIDTH)


README_TEXT = (
    ("heading", "What this workbook does"),
    ("text", "Scores loan applications with the xl-risk models: probability of "
     "default (PD), exposure at default (EAD, share of the principal), loss given "
     "default (LGD, share of the exposure) and expected loss EL = PD x principal "
     "x EAD x LGD, in money; then a credit score and the inputs that raise the "
     "PD most. The models are the bundle in service in the repository's models "
     "folder; the Settings sheet shows which, and works Basel IRB capital "
     "examples."),
    ("heading", "Functions"),
    ("=EXPECTED_LOSS(row, [header])", "Expected loss in money of one application. "
     "row is its 20 input cells in the Applications sheet's order, e.g. "
     "=EXPECTED_LOSS($A2:$T2). With header, the columns may be in any order and "
     "named as on the Applications sheet, in Lending Club or in Spanish, e.g. "
     "=EXPECTED_LOSS($A2:$T2,$A$1:$T$1)."),
    ("=RISK_PD(row, [header])", "PD as a fraction, e.g. =RISK_PD($A2:$T2); a cell "
     "formatted as a percentage shows 0.0443 as 4.43%."),
    ("=RISK_EAD(row, [header])", "EAD as a fraction of the principal, e.g. "
     "=RISK_EAD($A2:$T2)."),
    ("=RISK_LGD(row, [header])", "LGD as a fraction of the exposure, e.g. "
     "=RISK_LGD($A2:$T2)."),
    ("=CREDIT_SCORE(row, [header], [pdo], [reference_score], [reference_odds])",
     "Credit score in whole points, higher is safer: 600 points at good:bad odds "
     "of 50:1, and 20 points more double the odds, e.g. =CREDIT_SCORE($A2:$T2). "
     "pdo, reference_score and reference_odds change that scaling, e.g. "
     "=CREDIT_SCORE($A2:$T2,,40,500,20); pdo takes {:g} to {:g} points, "
     "reference_score {:g} to {:,g} and reference_odds {:g} to {:,g} (50 means "
     "50:1).".format(*PDO_RANGE, *REFERENCE_SCORE_RANGE, *REFERENCE_ODDS_RANGE)),
    ("=RISK_REASONS(row, [header], [n])", "The up to n inputs (1 to 4; 4 when "
     "left out) that raise this application's PD most against the typical "
     "applicant, largest first, in one row of n cells, e.g. 'grade F', 'term 60 "
     "months', 'annual income 24,000 (low)'. Cells are blank when fewer inputs "
     "raise it. On the Applications sheet each row's four Reason cells hold it "
     "as one array formula, {=RISK_REASONS($A2:$T2)}: copy the four cells down "
     "to add rows. Typed in one cell of Excel 365, it spills to the right."),
    ("=RISK_SCORE_TABLE(table)", "Scores a whole table, header row included, in "
     "one call and spills PD, EAD, LGD, expected loss and Problem per row, e.g. "
     f"=RISK_SCORE_TABLE({INPUT_RANGE}) on the Table scoring sheet."),
    ("=RISK_MODEL_INFO()", "Spills the bundle in use: version, when it was "
     "trained, PD AUC and training data, e.g. =RISK_MODEL_INFO() on the Settings "
     "sheet."),
    ("=IRB_CAPITAL(pd, lgd, [scaling], [term_months])", "Basel IRB capital "
     "requirement K of an other-retail loan, as a fraction of its EAD: "
     f"=IRB_CAPITAL({PD_1Y},{LGD_1Y}) gives {irb_capital(PD_1Y, LGD_1Y):.6f}, "
     f"and =IRB_CAPITAL({PD_1Y},{LGD_1Y},{SCALING})*{CAPITAL_TO_RWA:g} gives the "
     "risk weight "
     f"{irb_capital(PD_1Y, LGD_1Y, BASEL_II_SCALING) * CAPITAL_TO_RWA:.2%} with "
     f"Basel II's scaling {SCALING} (1 when left out). pd and lgd are fractions; "
     "a cell formatted as a percentage sends one."),
    ("=IRB_RWA(pd, lgd, ead, [scaling], [term_months])", "Risk-weighted assets in "
     f"money, K x {CAPITAL_TO_RWA:g} x EAD, where ead is money (principal x "
     f"RISK_EAD): =IRB_RWA({PD_1Y},{LGD_1Y},{EXAMPLE_EAD},{SCALING}) gives "
     f"{irb_rwa(PD_1Y, LGD_1Y, EXAMPLE_EAD, BASEL_II_SCALING):,.2f}."),
    ("One-year PD for capital", "The IRB formula takes a one-year PD, but RISK_PD "
     "is the PD over the loan's whole term (36 or 60 months). Give the term as "
     "term_months and the capital functions convert it first, assuming the same "
     "chance of default in every month of the term: one-year PD = 1 - (1 - "
     "PD)^(12 / term), e.g. "
     f"{first_application('IRB_CAPITAL', sheet=False)} on the "
     "Applications sheet. Leave term_months out when pd is already one-year. "
     "The Settings sheet works examples."),
    ("When a value cannot be used", "The cell shows one line naming the field, "
     "what it expects and what it got, e.g. \"annual income: expected a number "
     "from 0 to 1,000,000,000, got 'abc'\". Blank optional inputs are filled as "
     "the models learned them; blank required ones are named. A number "
     "argument is named the same way, e.g. \"pd: expected a fraction from 0 "
     "to 1, got 1.5\"."),
    ("heading", "Buttons"),
    ("Retrain models (Settings)", f"Runs the macro {RETRAIN_MACRO} (module "
     f"{MACRO_MODULE}): RunPython \"{ENTRY}\". It trains on the data named in "
     f"Settings!{DATA_CELL}, puts the new bundle in service if it passes the "
     "champion/challenger gate and writes the outcome on the Settings sheet. "
     "Then press Ctrl+Alt+F9 to rescore."),
    ("Import functions (below)", f"Runs xlwings' {IMPORT_MACRO}: makes the "
     "functions above known to this workbook. Needed once, and again after the "
     "functions change."),
    ("heading", "Set up on Windows"),
    ("1. Install", "In a terminal in the repository folder: python -m venv .venv, "
     ".venv\\Scripts\\activate, pip install -e ., then xl-risk retrain if no "
     "bundle is in service yet."),
    ("2. Interpreter", "On the xlwings.conf sheet, fill in Interpreter_Win with "
     "the path of .venv\\Scripts\\python.exe. The macros are xlwings' own: that "
     "environment needs the xlwings version this workbook was built with (File > "
     "Info > Properties > Comments), or rebuild it: python "
     "workbook/build_workbook.py."),
    ("3. Trust VBA", "File > Options > Trust Center > Trust Center Settings > "
     "Macro Settings: tick 'Trust access to the VBA project object model' "
     "(needed to import the functions)."),
    ("4. Import functions", "Open this workbook with macros enabled, click "
     "Import functions once, then save."),
    ("heading", "Set up on a Mac"),
    ("RunPython only", "The Retrain models button works (fill in Interpreter_Mac "
     "and run 'xlwings runpython install' once). Cell functions are Windows-only "
     "in open-source xlwings: on a Mac, score files with 'xl-risk score'."),
)  # fmt: skip


README_WIDTHS = (36, 100)


def write_readme(sheet, formats: dict) -> None:
    left_width, right_width = README_WIDTHS
    sheet.set_column("A:A", left_width, formats["wrap"])
    sheet.set_column("B:B", right_width, formats["wrap"])
    sheet.write("A1", "xl-risk: credit-risk scoring in Excel", formats["title"])
    row = 1
    for left, right in README_TEXT:
        row += 1
        if left == "heading":
            row += 1
            sheet.write(row, 0, right, formats["bold"])
        elif left == "text":
            sheet.merge_range(row, 0, row, 1, right, formats["wrap"])
            _fit_row(sheet, row, right, left_width + right_width)
        else:
            style = formats["code" if left.startswith("=") else "bold"]
            sheet.write_string(row, 0, left, style)  # text, though it starts with =
            sheet.write_string(row, 1, right, formats["wrap"])
            lines = math.ceil(len(left) / (left_width - 4))
            _fit_row(sheet, row, right, right_width, lines)
    sheet.insert_button(row + 2, 0, {
        "macro": IMPORT_MACRO, "caption": "Import functions", "width": 160,
        "height": 28,
    })  # fmt: skip


# --- the workbook ---------------------------------------------------------------


def build(out: Path = OUT) -> Path:
    """Write the workbook; the same inputs give the same bytes."""
    book = xlsxwriter.Workbook(str(out), {"in_memory": True})
    book.set_properties({
        "title": "xl-risk scoring", "author": "xl-risk", "created": CREATED,
        "comments": f"Generated by workbook/build_workbook.py with xlwings "
        f"{xlwings.__version__}",
    })  # fmt: skip
    book.set_size(1600, 1000)
    book.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
    formats = _formats(book)

    writers = {
        README: write_readme, APPLICATIONS: write_applications, TABLE: write_table,
        SETTINGS_SHEET: write_settings, CONF: write_conf,
    }  # fmt: skip
    for name in SHEETS:
        sheet = book.add_worksheet(name)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)  # printed one page wide
        writers[name](sheet, formats)
    book.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    args = parser.parse_args(argv)
    print(f"wrote {build(args.out)}")


if __name__ == "__main__":
    main()
