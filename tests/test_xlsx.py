"""Tests for ``xl_risk.xlsx``: text from the data is written as text."""

import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from xl_risk.xlsx import keep_text, write_frame

TEXTS = [
    '=HYPERLINK("http://example.invalid","open")',
    "=1+1",
    "#N/A",
    "#DIV/0!",
    "plain text",
]


@pytest.mark.parametrize("text", TEXTS)
def test_write_frame_keeps_text_as_text(tmp_path, text):
    path = tmp_path / "table.xlsx"
    frame = pd.DataFrame({text: [text, 1.5], "n": [1, 2]})

    write_frame(frame, path)

    sheet = openpyxl.load_workbook(path).active
    for cell in (sheet["A1"], sheet["A2"]):
        assert cell.data_type == "s"
        assert cell.value == text
    assert sheet["A3"].value == 1.5
    assert sheet["B3"].value == 2


@pytest.mark.parametrize("value", [1.5, 7, None])
def test_keep_text_leaves_numbers_and_blanks_alone(value):
    cell = Workbook().active.cell(1, 1, value)
    before = cell.data_type

    keep_text(cell)

    assert (cell.value, cell.data_type) == (value, before)
    assert not cell.quotePrefix
