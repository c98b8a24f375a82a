"""Training files: every format reads alike, every problem is reported at once."""

import gzip
import logging
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from retrain import retrain
from xl_risk import bundle as bundles
from xl_risk import training
from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.intake import DataError, file_lines, read_history, read_raw
from xl_risk.parsing import read_table

EMPTY_OPTIONAL = {
    "mort_acc": "mortgage_accounts",
    "percent_bc_gt_75": "bankcards_over_75pct",
}


@pytest.fixture
def fast_training(monkeypatch):
    """Tiny search grids in one process: seconds instead of a minute."""
    monkeypatch.setattr(training, "PD_GRID", {"C": [1.0], "l1_ratio": [0.0]})
    monkeypatch.setattr(
        training, "LGBM_GRID", {"n_estimators": [20], "num_leaves": [7]}
    )
    monkeypatch.setattr(training, "PARALLEL_JOBS", 1)
    return TrainingConfig(cv_folds=2, min_bad_loans=50, pd_auc_floor=0.5)


@pytest.fixture(scope="module")
def loans():
    return make_portfolio(n_loans=200, seed=3)


def write(frame: pd.DataFrame, path):
    if path.name.endswith((".csv", ".csv.gz")):
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


def canonical(path) -> pd.DataFrame:
    table = read_table(read_raw(path))
    return pd.DataFrame({name: col.values for name, col in table.columns.items()})


@pytest.mark.parametrize("name", ["loans.csv.gz", "loans.parquet", "loans.xlsx"])
def test_read_raw_every_format_reads_to_the_csv_table(loans, tmp_path, name):
    expected = canonical(write(loans, tmp_path / "loans.csv"))

    got = canonical(write(loans, tmp_path / name))

    assert len(got) == len(loans)
    pd.testing.assert_frame_equal(got, expected)


def test_read_raw_keeps_na_text_for_the_schema_to_decide(tmp_path):
    frame = pd.DataFrame({"emp_length": ["n/a", "NA", "3 years"], "x": [1, 2, 3]})

    raw = read_raw(write(frame, tmp_path / "loans.csv"))

    assert raw["emp_length"].tolist() == ["n/a", "NA", "3 years"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("absent.csv", r"^data file not found: .*absent\.csv$"),
        ("loans.json", r"^loans\.json: expected a \.csv, \.csv\.gz, \.parquet or "
         r"\.xlsx file, got '\.json'$"),
        ("loans.txt", r"^loans\.txt: expected a \.csv, \.csv\.gz, \.parquet or "
         r"\.xlsx file, got '\.txt'$"),
        ("nosuffix", r"^nosuffix: has no suffix; expected a \.csv, \.csv\.gz, "
         r"\.parquet or \.xlsx file$"),
    ],
)  # fmt: skip
def test_read_raw_unusable_file_raises_data_error(tmp_path, name, message):
    if name != "absent.csv":
        (tmp_path / name).write_text("id,grade\n1,A\n", encoding="utf-8")

    with pytest.raises(DataError, match=message):
        read_raw(tmp_path / name)


@pytest.mark.parametrize("name", ["loans.csv", "LOANS.CSV"])
def test_read_raw_gzip_named_csv_is_read_and_logged(loans, tmp_path, caplog, name):
    expected = canonical(write(loans, tmp_path / "expected.csv"))
    path = tmp_path / name
    path.write_bytes(gzip.compress((tmp_path / "expected.csv").read_bytes()))

    with caplog.at_level(logging.INFO, logger="xl_risk.intake"):
        got = canonical(path)

    pd.testing.assert_frame_equal(got, expected)
    assert f"{name} is gzip-compressed: read as .csv.gz" in caplog.text


@pytest.mark.parametrize("name", ["loans.xlsx", "loans.parquet"])
def test_read_raw_gzip_named_xlsx_or_parquet_says_it_is_gzip(loans, tmp_path, name):
    path = write(loans, tmp_path / name)
    path.write_bytes(gzip.compress(path.read_bytes()))

    message = (
        f"{name}: the file is gzip-compressed: unpack it, or if it holds CSV "
        "text name it .csv.gz"
    )
    with pytest.raises(DataError, match=rf"^{re.escape(message)}$"):
        read_raw(path)


@pytest.mark.parametrize(
    ("others", "listed"),
    [
        (["Loans"], "sheet is 'Loans'"),
        (["Loans", "Notes"], "sheets are 'Loans', 'Notes'"),
    ],
)
def test_read_raw_xlsx_first_sheet_naming_no_field_lists_the_other_sheets(
    loans, tmp_path, others, listed
):
    path = tmp_path / "loans.xlsx"
    with pd.ExcelWriter(path) as book:
        cover = pd.DataFrame({"note": ["Loans of 2024"]})
        cover.to_excel(book, sheet_name="Cover", index=False)
        for name in others:
            loans.to_excel(book, sheet_name=name, index=False)

    message = (
        "loans.xlsx: only the first sheet, 'Cover', is read, and no header in its "
        f"row 1 names a field (row 1 holds 'note'); the workbook's other {listed}: "
        "move the sheet with the loans first"
    )
    with pytest.raises(DataError, match=rf"^{re.escape(message)}$"):
        read_raw(path)


def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _plain_text(path):
    path.write_bytes(b"id,grade\n1,A\n")


def _gzipped_truncated(path):
    data = gzip.compress(path.read_bytes())
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("name", "damage", "message"),
    [
        ("loans.csv.gz", _truncated, "the gzip file ends early: it is truncated or"),
        ("loans.csv.gz", _plain_text, "the gzip file is corrupt or not gzip-compr"),
        ("loans.csv", _gzipped_truncated, "the gzip file ends early: it is trunc"),
        ("loans.xlsx", _truncated, "the .xlsx file is truncated or corrupt: it cannot"),
        ("loans.xlsx", _plain_text, "the .xlsx file is truncated or corrupt"),
    ],
)
def test_read_raw_damaged_file_names_it_and_what_is_wrong(
    loans, tmp_path, name, damage, message
):
    damage(write(loans, tmp_path / name))

    with pytest.raises(DataError, match=rf"^{re.escape(name)}: {re.escape(message)}"):
        read_raw(tmp_path / name)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_read_raw_csv_in_excel_encodings_reads_alike(loans, tmp_path, encoding):
    spanish = loans.rename(columns={"emp_length": "antigüedad_empleo"})
    spanish.to_csv(tmp_path / "expected.csv", index=False)
    spanish.to_csv(tmp_path / "loans.csv", index=False, encoding=encoding)

    got = canonical(tmp_path / "loans.csv")

    pd.testing.assert_frame_equal(got, canonical(tmp_path / "expected.csv"))
    assert "employment_years" in got


def test_read_raw_cp1252_fallback_is_logged(loans, tmp_path, caplog):
    path = tmp_path / "loans.csv"
    loans.rename(columns={"emp_length": "antigüedad_empleo"}).to_csv(
        path, index=False, encoding="cp1252"
    )

    with caplog.at_level(logging.INFO, logger="xl_risk.intake"):
        read_raw(path)

    assert "loans.csv is not UTF-8: read as Windows-1252 (cp1252)" in caplog.text


def test_read_raw_text_in_neither_encoding_says_how_to_save_it(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_bytes(b"id,emp_length\n1,\x81\n")  # 0x81: UTF-8 nor cp1252

    with pytest.raises(DataError, match=r"neither UTF-8 nor Windows-1252 .*UTF-8$"):
        read_raw(path)


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_read_raw_csv_separator_is_read_from_the_header(loans, tmp_path, separator):
    loans.to_csv(tmp_path / "loans.csv", index=False, sep=separator)

    got = canonical(tmp_path / "loans.csv")

    pd.testing.assert_frame_equal(got, canonical(write(loans, tmp_path / "c.csv")))


def test_read_raw_csv_money_reaches_the_schema_as_text(tmp_path):
    path = tmp_path / "solicitudes.csv"
    path.write_bytes(
        "funded_amnt;annual_inc;int_rate;dti;empleo\n"
        "20.300;106.200;13.490;12.345;técnico\n".encode("cp1252")
    )

    table = read_table(read_raw(path))

    assert sorted(table.row_problems()) == [0]
    assert [m.split(";")[0] for m in table.row_problems()[0]] == [
        "principal: expected a number from 1 to 10,000,000, got '20.300'",
        "annual income: expected a number from 0 to 1,000,000,000, got '106.200'",
    ]
    assert table.get("interest_rate")[0] == pytest.approx(0.1349)
    assert table.get("dti")[0] == pytest.approx(12.345)


@pytest.mark.parametrize(
    ("text", "line", "fields"),
    [
        ("id,grade,term\n1,A,36,extra\n2,B,60\n", 2, 4),  # pandas: index, shift
        ("id,grade,term\n1,A,36\n2,B,60,x,y\n", 3, 5),
        ("id,grade,term\n1,A,36\n\n2,B,60,x\n", 4, 4),  # blank lines count
        ('id,grade,term\n1,"A\n",36\n2,B,60,x\n', 4, 4),  # a quoted line break
        ("id,grade,term\n1,A,36,\n2,B,60,x\n", 3, 4),  # the row that loses a value
        ("id;grade;term\n1;A;36;x\n", 2, 4),
    ],
)
def test_read_raw_csv_row_longer_than_the_header_is_refused_naming_its_line(
    tmp_path, text, line, fields
):
    path = tmp_path / "loans.csv"
    path.write_text(text, encoding="utf-8")

    message = f"loans.csv: line {line} has {fields} fields, the header has 3; "
    with pytest.raises(DataError, match=rf"^{re.escape(message)}.*double quotes$"):
        read_raw(path)


def test_read_raw_csv_row_shorter_than_the_header_misses_its_last_values(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_text("id,grade,term\n1,A\n2,B,60\n3\n", encoding="utf-8")

    raw = read_raw(path)

    assert raw["id"].tolist() == ["1", "2", "3"]  # ids are read as text
    assert raw["grade"].tolist()[:2] == ["A", "B"]
    assert raw["term"].isna().tolist() == [True, False, True]


def test_read_raw_csv_separator_closing_every_line_adds_no_column(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_text("id,grade,term\n1,A,36,\n2,B,60,\n", encoding="utf-8")

    raw = read_raw(path)

    assert list(raw.columns) == ["id", "grade", "term"]
    assert raw["id"].tolist() == ["1", "2"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("loans.csv", b""),
        ("loans.csv", b"  \r\n\n\t\n"),
        ("loans.csv", b"\xef\xbb\xbf\n"),  # a byte-order mark alone
        ("loans.csv.gz", gzip.compress(b" \n\n")),
        ("loans.csv.gz", b""),
        ("loans.xlsx", b""),
        ("loans.parquet", b""),
    ],
    ids=["csv", "csv-blank", "csv-bom", "gz-blank", "gz", "xlsx", "parquet"],
)
def test_read_raw_empty_file_says_it_is_empty(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(DataError, match=rf"^{re.escape(name)}: the file is empty$"):
        read_raw(path)


def test_read_raw_header_without_rows_says_no_rows(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_text("id,grade,term\n", encoding="utf-8")

    with pytest.raises(DataError, match=r"^loans\.csv: no rows$"):
        read_raw(path)


@pytest.mark.parametrize(
    ("dropped", "message"),
    [
        (["grade"], r"missing column: grade \(grade or rating\)"),
        (["funded_amnt", "loan_amnt"], r"missing column: principal \(principal or"),
        (["loan_status"], r"missing column: loan status \(loan_status or estado\)"),
        (["total_rec_prncp"], r"missing column: principal repaid"),
        (["recoveries"], r"missing column: recoveries \(recoveries or imp_recup"),
        (["int_rate"], r"missing column: interest rate \(interest_rate or int_rate"),
    ],
)
def test_read_history_missing_required_column_is_named(
    loans, tmp_path, dropped, message
):
    path = write(loans.drop(columns=dropped), tmp_path / "history.csv")

    with pytest.raises(DataError, match=message):
        read_history(path)


def test_read_history_lists_every_problem_in_one_message(loans, tmp_path):
    bad = loans.drop(columns=["pub_rec"]).astype({"annual_inc": object})
    bad.loc[[0, 1], "int_rate"] = "abc"
    bad.loc[[2], "annual_inc"] = "lots"
    bad.loc[[3, 4, 5], "term"] = "48 months"
    bad.loc[[6], "grade"] = "Z"
    path = write(bad, tmp_path / "history.csv")

    with pytest.raises(
        DataError, match=r"cannot train on history\.csv: 5 problem"
    ) as err:
        read_history(path)

    lines = str(err.value).splitlines()[1:]
    expected = [
        r"missing column: derogatory public records \(.*pub_rec.*\)",
        r"interest rate: 2 rows not a number from 1% to 50%, e\.g\. 'abc'",
        r"grade: 1 rows not one of A, B, C, D, E, F, G, e\.g\. 'Z'",
        r"term: 3 rows not 36 or 60 \(months\), e\.g\. '48 months'",
        r"annual income: 1 rows not a number .*, e\.g\. 'lots'",
    ]
    assert len(lines) == len(expected)
    for pattern in expected:
        assert any(re.search(pattern, line) for line in lines), (pattern, lines)


def test_read_history_shows_at_most_three_distinct_examples(loans, tmp_path):
    bad = loans.copy()
    bad.loc[:5, "int_rate"] = ["a", "b", "c", "d", "e", "f"]
    path = write(bad, tmp_path / "history.csv")

    with pytest.raises(DataError, match=r"interest rate: 6 rows not") as err:
        read_history(path)

    assert re.search(r"e\.g\. 'a', 'b', 'c'$", str(err.value))


def test_retrain_entirely_empty_optional_columns_are_dropped(tmp_path, fast_training):
    history = make_portfolio(n_loans=3000, seed=5)
    for column in EMPTY_OPTIONAL:
        history[column] = np.nan
    path = write(history, tmp_path / "history.csv")

    outcome = retrain(path, models_dir=tmp_path / "models", config=fast_training)
    bundle = bundles.load(tmp_path / "models" / outcome.version)

    assert sorted(bundle.encoder.dropped) == sorted(EMPTY_OPTIONAL.values())
    assert sorted(outcome.manifest["dropped_inputs"]) == sorted(EMPTY_OPTIONAL.values())
    for name in EMPTY_OPTIONAL.values():
        assert name in outcome.manifest["quality"]["empty_inputs"]
        assert not any(feature.startswith(name) for feature in bundle.encoder.names)


def test_read_history_decimal_comma_is_named_with_how_to_write_it(loans, tmp_path):
    bad = loans.astype({"annual_inc": object})
    bad.loc[[0, 1], "annual_inc"] = "89200,50"
    path = write(bad, tmp_path / "history.csv")

    with pytest.raises(DataError, match=r"annual income: 2 rows not a number") as err:
        read_history(path)

    assert str(err.value).endswith(
        "e.g. '89200,50' (a decimal comma is not read: write 89200.50)"
    )


@pytest.mark.parametrize("name", ["history.csv", "history.parquet", "history.xlsx"])
@pytest.mark.parametrize(
    ("column", "label"),
    [
        ("funded_amnt", "principal"),
        ("annual_inc", "annual income"),
        ("installment", "monthly instalment"),
        ("fico_range_low", "FICO score"),
        ("pub_rec", "derogatory public records"),
    ],
)
def test_read_history_percent_sign_on_a_field_of_no_percent_is_a_bad_value(
    loans, tmp_path, name, column, label
):
    bad = loans.astype({column: object})
    bad[column] = [f"{number:.15g}%" for number in loans[column]]
    path = write(bad, tmp_path / name)

    with pytest.raises(DataError, match=rf"{label}: {len(loans)} rows not a") as err:
        read_history(path)

    first = f"{loans[column].iloc[0]:.15g}"
    assert f"e.g. '{first}%'" in str(err.value)
    assert f"(a percent sign is not allowed for {label}: write {first}" in str(
        err.value
    )


def test_read_history_lists_percent_signs_and_text_cells_gone_wrong_at_once(
    loans, tmp_path
):
    bad = loans.astype({"funded_amnt": object, "pub_rec": object, "id": object})
    bad.loc[[0, 1], "funded_amnt"] = "20300%"
    bad.loc[[2], "pub_rec"] = "3%"
    bad.loc[[3], "emp_title"] = "#N/A"
    bad.loc[[4], "desc"] = "#VALUE!"
    bad.loc[[5], "id"] = True
    path = write(bad, tmp_path / "history.csv")

    opening = r"^cannot train on history\.csv: 5 problem\(s\)\n"
    with pytest.raises(DataError, match=opening) as err:
        read_history(path)

    assert str(err.value).splitlines()[1:] == [
        "  - principal: 2 rows not a number from 1 to 10,000,000, e.g. '20300%' "
        "(a percent sign is not allowed for principal: write 20300)",
        "  - derogatory public records: 1 rows not a whole number from 0 to 100, "
        "e.g. '3%' (a percent sign is not allowed for derogatory public records: "
        "write 3)",
        "  - job title: 1 rows not text, e.g. the Excel error #N/A",
        "  - loan description: 1 rows not text, e.g. the Excel error #VALUE!",
        "  - loan id: 1 rows not text, e.g. 'True'",
    ]


@pytest.mark.parametrize("name", ["history.csv", "history.xlsx"])
@pytest.mark.parametrize(
    ("second", "listed"),
    [("grade", "'grade' and 'grade'"), ("rating", "'grade' and 'rating'")],
)
def test_read_history_two_columns_for_one_field_are_refused(
    loans, tmp_path, name, second, listed
):
    frame = loans.copy()
    frame.insert(len(frame.columns), second, "A", allow_duplicates=True)
    path = write(frame, tmp_path / name)

    expected = f"grade: expected one column, got 2 ({listed}); keep one"
    with pytest.raises(DataError, match=rf"^{re.escape(expected)}$"):
        read_history(path)


def test_read_raw_repeated_header_naming_no_field_keeps_pandas_name(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_text("grade,notes,notes\nA,x,y\n", encoding="utf-8")

    assert list(read_raw(path).columns) == ["grade", "notes", "notes.1"]


def test_read_history_xlsx_error_cells_are_refused_not_read_as_blank(loans, tmp_path):
    path = write(loans, tmp_path / "history.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    for row, header, error in [
        (3, "annual_inc", "#N/A"),
        (5, "annual_inc", "#DIV/0!"),
        (4, "emp_title", "#VALUE!"),
    ]:
        cell = sheet.cell(row=row, column=headers.index(header) + 1)
        cell.value, cell.data_type = error, "e"
    book.save(path)

    with pytest.raises(DataError, match=r"^cannot train on history\.xlsx") as err:
        read_history(path)

    problems = str(err.value).splitlines()[1:]
    assert problems[0].startswith("  - annual income: 2 rows not a number")
    assert problems[0].endswith("e.g. the Excel error #N/A, the Excel error #DIV/0!")
    assert problems[1] == "  - job title: 1 rows not text, e.g. the Excel error #VALUE!"
    assert len(problems) == 2


def test_read_raw_xlsx_without_error_cells_reads_as_pandas_does(loans, tmp_path):
    path = write(loans, tmp_path / "history.xlsx")

    as_is = pd.read_excel(path, keep_default_na=False, na_values=[""])

    pd.testing.assert_frame_equal(read_raw(path), as_is)


def test_read_raw_csv_ids_are_kept_as_written(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_text(
        "id,member_id,grade\n00123,1e5,A\n,12345678901234567890,B\n400328,7,C\n",
        encoding="utf-8",
    )

    raw = read_raw(path)

    assert raw["id"].tolist()[::2] == ["00123", "400328"]
    assert raw["id"].isna().tolist() == [False, True, False]
    assert raw["member_id"].tolist() == ["1e5", "12345678901234567890", "7"]


@pytest.mark.parametrize("name", ["loans.xlsx", "loans.parquet"])
def test_read_raw_whole_float_ids_read_as_integers(tmp_path, name):
    frame = pd.DataFrame({"id": [400328.0, np.nan, 400329.0], "grade": list("ABC")})

    raw = read_raw(write(frame, tmp_path / name))

    assert raw["id"].tolist()[::2] == [400328, 400329]
    assert all(type(v) is int for v in raw["id"].tolist()[::2])
    assert raw["id"].isna().tolist() == [False, True, False]


def _with_formula(loans, path, formula: str):
    """``loans`` as a workbook whose cell C5 holds ``formula``, as a script
    writes it: the formula alone, no computed value."""
    frame = loans[["grade", "funded_amnt", "fico_range_low"]].head(6)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for values in frame.itertuples(index=False):
        sheet.append(list(values))
    sheet["C5"] = formula
    book.save(path)
    return path


def test_read_raw_xlsx_formula_without_its_value_is_refused(loans, tmp_path):
    path = _with_formula(loans, tmp_path / "loans.xlsx", "=700+75")

    with pytest.raises(DataError, match=(
        r"^loans\.xlsx: cell C5 \(fico_range_low\) holds a formula with no "
        r"computed value \(=700\+75\); open and save the file in Excel, or "
        r"write the value$"
    )):  # fmt: skip
        read_raw(path)


def test_read_raw_xlsx_formula_with_its_saved_value_reads_the_value(loans, tmp_path):
    path = _with_formula(loans, tmp_path / "made.xlsx", "=700+75")
    saved = tmp_path / "loans.xlsx"  # as Excel saves it: the value beside it
    with zipfile.ZipFile(path) as made, zipfile.ZipFile(saved, "w") as out:
        for item in made.infolist():
            data = made.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<f>700+75</f><v />", b"<f>700+75</f><v>775</v>")
            out.writestr(item, data)

    assert read_raw(saved)["fico_range_low"].tolist()[3] == 775


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_read_raw_csv_in_utf16_is_read_and_logged(loans, tmp_path, caplog, encoding):
    expected = canonical(write(loans, tmp_path / "loans.csv"))
    path = tmp_path / "unicode.csv"  # Excel's "Unicode Text": a mark, then tabs
    mark = "\ufeff".encode(encoding)
    path.write_bytes(mark + loans.to_csv(sep="\t", index=False).encode(encoding))

    with caplog.at_level(logging.INFO, logger="xl_risk.intake"):
        got = canonical(path)

    pd.testing.assert_frame_equal(got, expected)
    assert "unicode.csv is UTF-16 text" in caplog.text


def test_read_raw_csv_separator_hint_line_is_honoured(loans, tmp_path, caplog):
    expected = canonical(write(loans, tmp_path / "loans.csv"))
    path = tmp_path / "hinted.csv"
    path.write_text("sep=;\n" + loans.to_csv(sep=";", index=False), encoding="utf-8")

    with caplog.at_level(logging.INFO, logger="xl_risk.intake"):
        got = canonical(path)

    pd.testing.assert_frame_equal(got, expected)
    assert "line 1 names the separator ';'" in caplog.text


def test_read_raw_csv_separator_hint_counts_in_line_numbers(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_text("sep=;\nid;grade;term\n1;A;36\n2;B;60;x\n", encoding="utf-8")

    match = r"^loans\.csv: line 4 has 4 fields, the header has 3;"
    with pytest.raises(DataError, match=match):
        read_raw(path)


def test_read_raw_csv_title_above_the_header_says_no_header_names_a_field(
    loans, tmp_path
):
    path = tmp_path / "loans.csv"
    path.write_text("Loan book,Q3 2024\n" + loans.to_csv(index=False), encoding="utf-8")

    with pytest.raises(DataError, match=(
        r"^loans\.csv: no header in row 1 names a field \(row 1 holds 'Loan book', "
        r"'Q3 2024'\): the column names must be in the first row, with no title "
        r"above them$"
    )):  # fmt: skip
        read_raw(path)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('id,grade\n"1,A\n2,B\n', 2),
        ('id,job\n1,"a ""quoted"" job"\n\n2,"open\n3,x\n', 4),
        ('id,job\n1,"two\nlines"\n2,"open\n', 4),
    ],
)
def test_read_raw_csv_unclosed_quote_names_its_line(tmp_path, text, line):
    path = tmp_path / "loans.csv"
    path.write_text(text, encoding="utf-8")

    match = rf"^loans\.csv: a quote opened on line {line} is never closed$"
    with pytest.raises(DataError, match=match):
        read_raw(path)


def test_read_raw_workbook_named_csv_is_read_and_logged(loans, tmp_path, caplog):
    expected = canonical(write(loans, tmp_path / "loans.xlsx"))
    path = tmp_path / "loans.csv"
    path.write_bytes((tmp_path / "loans.xlsx").read_bytes())

    with caplog.at_level(logging.INFO, logger="xl_risk.intake"):
        got = canonical(path)

    pd.testing.assert_frame_equal(got, expected)
    assert "loans.csv is an xlsx workbook named .csv" in caplog.text


def test_read_raw_zip_archive_named_csv_says_to_unpack_it(loans, tmp_path):
    path = tmp_path / "loans.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("loans.csv", loans.to_csv(index=False))

    match = r"^loans\.csv: the file is a zip archive, not CSV text: unpack it$"
    with pytest.raises(DataError, match=match):
        read_raw(path)


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("id,grade\n1,A\n2,B\n", [2, 3]),
        ("id,grade\n1,A\n\n  \n2,B\n\n", [2, 5]),
        ('id,job\n1,"two\nlines"\n2,x\n', [2, 4]),
        ("sep=,\nid,grade\n1,A\n2,B\n", [3, 4]),
        ("id,grade\n1,A\n,\n2,B\n", [2, 4]),  # a line of separators only
    ],
)
def test_file_lines_are_the_lines_an_editor_shows(tmp_path, text, lines):
    path = tmp_path / "loans.csv"
    path.write_text(text, encoding="utf-8")

    raw = read_raw(path)

    assert raw["id"].tolist() == ["1", "2"]
    assert file_lines(raw).tolist() == lines


def test_read_raw_xlsx_blank_rows_are_left_out_and_logged(loans, tmp_path, caplog):
    frame = loans[["id", "grade"]].head(4).astype(object)
    frame.iloc[1] = None
    frame.iloc[2] = None

    with caplog.at_level(logging.INFO, logger="xl_risk.intake"):
        raw = read_raw(write(frame, tmp_path / "loans.xlsx"))

    assert raw["grade"].tolist() == frame["grade"].iloc[[0, 3]].tolist()
    assert file_lines(raw).tolist() == [2, 5]
    assert "loans.xlsx: 2 blank row(s) left out" in caplog.text


def test_file_lines_of_a_frame_cut_after_reading_give_one_line_a_row(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_text("id,grade\n1,A\n\n2,B\n3,C\n", encoding="utf-8")

    cut = read_raw(path).tail(2)

    assert len(file_lines(cut)) == len(cut)
