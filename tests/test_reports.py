"""Tests for the report workbook in ``xl_risk.reports``.

One small bundle is trained on a slice of the demo portfolio for the module;
the workbook is written once and every test reads it back with openpyxl and
checks it against an independent recomputation with pandas.
"""

import math
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, LineChart, ScatterChart
from openpyxl.utils import get_column_letter

from retrain.pipeline import load_training_data, retrain
from xl_risk import bundle as bundles
from xl_risk.config import TrainingConfig
from xl_risk.demo import DEMO_SEED, make_portfolio
from xl_risk.quality import prepare_training
from xl_risk.reports import figures, layout, render, style, write_report
from xl_risk.reports.workbook import SHEETS
from xl_risk.schema import INPUT_NAMES
from xl_risk.scoring import score

LOANS = 6_000
CONFIG = TrainingConfig(cv_folds=2)
SHEET_NAMES = [
    "Summary",
    "PD model",
    "EAD and LGD",
    "Portfolio",
    "Exploratory analysis",
    "Data quality",
]
TOLERANCE = 1e-9
EMU_PER_CM = 360_000


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A bundle trained on a slice of the demo portfolio, and its frame."""
    root = tmp_path_factory.mktemp("trained")
    data = root / "loans.csv"
    make_portfolio(n_loans=LOANS, seed=DEMO_SEED).to_csv(data, index=False)
    outcome = retrain(data, root / "models", CONFIG)
    bundle = bundles.load(root / "models" / outcome.version)
    table, _ = load_training_data(data)
    frame, _ = prepare_training(table, CONFIG)
    return bundle, frame


@pytest.fixture(scope="module")
def previous(trained):
    """A previous manifest whose metrics differ from the bundle's."""
    bundle, _ = trained
    manifest = {"version": "20200101-000000", "metrics": {}}
    for split, parts in bundle.manifest["metrics"].items():
        manifest["metrics"][split] = {
            model: {k: v for k, v in metrics.items() if isinstance(v, float)}
            for model, metrics in parts.items()
        }
    manifest["metrics"]["oot"]["pd"]["auc"] = 0.612
    return manifest


@pytest.fixture(scope="module")
def report_path(trained, previous, tmp_path_factory):
    bundle, frame = trained
    path = tmp_path_factory.mktemp("report") / "workbook" / "RiskReport.xlsx"
    return write_report(bundle, frame, path, previous_manifest=previous)


@pytest.fixture(scope="module")
def book(report_path):
    return openpyxl.load_workbook(report_path)


@pytest.fixture(scope="module")
def scores(trained):
    """Scores of the frame's loans, computed here without the report."""
    bundle, frame = trained
    inputs = frame[[c for c in INPUT_NAMES if c in frame.columns]]
    out = score(bundle, inputs).frame()
    out["grade"] = frame["grade"].to_numpy()
    out["principal"] = frame["principal"].to_numpy()
    out["loan_id"] = frame["loan_id"].to_numpy()
    return out


# ------------------------------------------------------------------- helpers
def find_row(ws, title: str) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, 1).value == title:
            return row
    raise AssertionError(f"no table titled {title!r} on {ws.title}")


def read_table(ws, title: str) -> pd.DataFrame:
    """The table under a title cell: header row, then rows until a blank."""
    header = find_row(ws, title) + 1
    columns = []
    while ws.cell(header, len(columns) + 1).value is not None:
        columns.append(ws.cell(header, len(columns) + 1).value)
    rows, row = [], header + 1
    while ws.cell(row, 1).value is not None:
        rows.append([ws.cell(row, j).value for j in range(1, len(columns) + 1)])
        row += 1
    return pd.DataFrame(rows, columns=columns)


def table_formats(ws, title: str) -> dict[str, str]:
    """The number format of each column's first data cell."""
    header = find_row(ws, title) + 1
    formats, j = {}, 1
    while ws.cell(header, j).value is not None:
        formats[ws.cell(header, j).value] = ws.cell(header + 1, j).number_format
        j += 1
    return formats


def charts_of(ws) -> list[str]:
    return sorted(type(chart).__name__ for chart in ws._charts)


def chart_box(ws, chart) -> tuple[int, int, int, int]:
    """First and last column and row a chart covers, in cells."""
    col, row = chart.anchor._from.col + 1, chart.anchor._from.row + 1
    width_cm = chart.anchor.ext.width / EMU_PER_CM
    height_cm = chart.anchor.ext.height / EMU_PER_CM
    width_px, last_col = width_cm * style.PX_PER_CM, col
    covered = 0.0
    while True:
        letter = get_column_letter(last_col)
        width = ws.column_dimensions[letter].width or style.DEFAULT_WIDTH
        covered += style.width_px(width)
        if covered >= width_px:
            break
        last_col += 1
    height_pt = height_cm / 2.54 * 72
    last_row, used = row, 0.0
    while used < height_pt:
        used += ws.row_dimensions[last_row].height or style.ROW_POINTS
        last_row += 1
    return col, last_col, row, last_row - 1


# --------------------------------------------------------------- structure
def test_write_report_creates_the_six_sheets(book):
    assert book.sheetnames == SHEET_NAMES


def test_write_report_writes_sheet_modules_in_order():
    assert [sheet.TITLE for sheet in SHEETS] == SHEET_NAMES


def test_write_report_leaves_no_temporary_file(report_path):
    assert [p.name for p in report_path.parent.iterdir()] == [report_path.name]


def test_write_report_keeps_old_workbook_when_saving_fails(
    trained, tmp_path, monkeypatch
):
    bundle, frame = trained
    path = tmp_path / "RiskReport.xlsx"
    path.write_bytes(b"old report")

    def broken_save(self, filename):
        with open(filename, "wb") as handle:
            handle.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_report(bundle, frame, path)
    assert path.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_report_rejects_a_path_that_is_not_xlsx(trained, tmp_path):
    bundle, frame = trained
    with pytest.raises(ValueError, match=r"path: expected a file ending in \.xlsx"):
        write_report(bundle, frame, tmp_path / "report.xlsm")


def test_write_report_rejects_a_frame_without_targets(trained, tmp_path):
    bundle, frame = trained
    with pytest.raises(ValueError, match="frame: expected the prepared training"):
        write_report(bundle, frame.drop(columns=["bad"]), tmp_path / "r.xlsx")


def test_write_report_rejects_an_empty_frame(trained, tmp_path):
    bundle, frame = trained
    with pytest.raises(ValueError, match="expected at least one loan, got 0"):
        write_report(bundle, frame.iloc[:0], tmp_path / "r.xlsx")


EXPECTED_CHARTS = {
    "Summary": ["BarChart"],
    "PD model": ["BarChart"] * 4 + ["LineChart"] * 2 + ["ScatterChart"],
    "Portfolio": ["BarChart"] * 6,
    "Exploratory analysis": ["BarChart"] * 9,
    "Data quality": ["BarChart"],
}


@pytest.mark.parametrize("sheet", list(EXPECTED_CHARTS))
def test_sheet_draws_its_native_charts(book, sheet):
    assert charts_of(book[sheet]) == EXPECTED_CHARTS[sheet]


def test_ead_lgd_sheet_draws_contest_importance_and_decile_charts(book, trained):
    bundle, _ = trained
    models = (bundle.ead_model, bundle.lgd_model)
    expected = sum(3 if model.kind != "mean" else 2 for model in models)
    kinds = {type(chart) for chart in book["EAD and LGD"]._charts}
    assert len(book["EAD and LGD"]._charts) == expected
    assert kinds == {BarChart}


def test_pd_model_roc_chart_is_a_scatter_of_both_splits(book):
    roc = [c for c in book["PD model"]._charts if isinstance(c, ScatterChart)][0]
    assert len(roc.series) == 3  # random test, out-of-time test, chance


def test_pd_model_gains_and_ks_are_line_charts(book):
    lines = [c for c in book["PD model"]._charts if isinstance(c, LineChart)]
    assert [len(chart.series) for chart in lines] == [2, 3]


# ------------------------------------------------------------- readability
@pytest.mark.parametrize("sheet", SHEET_NAMES)
def test_sheet_freezes_its_title_rows(book, sheet):
    assert book[sheet].freeze_panes == f"A{style.TITLE_ROWS + 1}"


@pytest.mark.parametrize("sheet", SHEET_NAMES)
def test_sheet_prints_landscape_fitted_to_the_page_width(book, sheet):
    ws = book[sheet]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True


@pytest.mark.parametrize("sheet", SHEET_NAMES)
def test_sheet_columns_show_every_number_whole(book, sheet):
    ws = book[sheet]
    merged = {c for r in ws.merged_cells.ranges for c in r.cells}
    for row in ws.iter_rows(min_row=style.TITLE_ROWS + 1):
        for cell in row:
            if not isinstance(cell.value, int | float) or cell.coordinate in merged:
                continue
            letter = get_column_letter(cell.column)
            width = ws.column_dimensions[letter].width
            text = style.display_text(cell.value, cell.number_format)
            assert width >= len(text) + 1, (cell.coordinate, text, width)


@pytest.mark.parametrize("sheet", SHEET_NAMES)
def test_sheet_charts_cover_no_cell_and_no_other_chart(book, sheet):
    ws = book[sheet]
    boxes = [chart_box(ws, chart) for chart in ws._charts]
    for first_col, last_col, first_row, last_row in boxes:
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                assert ws.cell(row, col).value is None, (ws.title, row, col)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[1] < b[0] or b[1] < a[0] or a[3] < b[2] or b[3] < a[2]
            assert apart, (ws.title, a, b)


@pytest.mark.parametrize(
    ("sheet", "title", "column", "expected"),
    [
        ("Portfolio", "EL by grade", "Principal", style.CURRENCY),
        ("Portfolio", "EL by grade", "Expected loss", style.CURRENCY),
        ("Portfolio", "EL by grade", "EL / principal", style.PERCENT_FINE),
        ("Portfolio", "Highest EL first", "PD", style.PERCENT),
        ("Portfolio", "Highest EL first", "Interest rate", style.PERCENT_FINE),
        ("Exploratory analysis", "Default rate by grade", "Default rate",
         style.PERCENT),
        ("Exploratory analysis", "Default rate by annual income quintile", "From",
         style.CURRENCY),
        ("PD model", "By grade (first columns: out-of-time test)", "Mean PD",
         style.PERCENT),
        ("EAD and LGD", "EAD candidates", "Cross-validated MAE", style.PERCENT),
        ("Data quality", "Missing values among the rows used, most first",
         "Share of rows used", style.PERCENT),
    ],
)  # fmt: skip
def test_sheet_formats_money_and_shares(book, sheet, title, column, expected):
    assert table_formats(book[sheet], title)[column] == expected


def test_summary_formats_each_metric_row_by_its_kind(book):
    ws = book["Summary"]
    header = find_row(ws, read_summary_title()) + 1
    formats = {
        ws.cell(row, 1).value: ws.cell(row, 2).number_format
        for row in range(header + 1, header + 11)
    }
    assert formats["PD AUC"] == style.SCORE
    assert formats["EAD MAE, share of principal (mean)"] == style.PERCENT
    assert formats["Observed default rate"] == style.PERCENT


# ------------------------------------------------------------------ Summary
def read_summary_title() -> str:
    return "Metrics (baselines: a coin toss for ranking, the base rate or mean)"


def test_summary_metrics_equal_the_manifest(book, trained):
    bundle, _ = trained
    table = read_table(book["Summary"], read_summary_title()).set_index("Metric")
    metrics = bundle.manifest["metrics"]
    assert table.loc["PD AUC", "Random test"] == metrics["test"]["pd"]["auc"]
    assert table.loc["PD AUC", "Out-of-time test"] == metrics["oot"]["pd"]["auc"]
    assert table.loc["PD KS", "Out-of-time test"] == metrics["oot"]["pd"]["ks"]
    assert (
        table.loc["EAD MAE, share of principal (mean)", "Baseline, out-of-time test"]
        == metrics["oot"]["ead"]["mae_mean_baseline"]
    )
    assert table.loc["LGD R² (mean)", "Random test"] == metrics["test"]["lgd"]["r2"]


def test_summary_shows_the_previous_bundle_beside(book, previous):
    table = read_table(book["Summary"], read_summary_title()).set_index("Metric")
    assert table.loc["PD AUC", "Previous bundle, out-of-time test"] == 0.612
    assert "The previous bundle had an out-of-time AUC of 0.612" in sentence_of(
        book["Summary"], "Model performance"
    )


def test_summary_without_previous_has_no_previous_columns(trained, tmp_path):
    bundle, frame = trained
    book = openpyxl.load_workbook(write_report(bundle, frame, tmp_path / "r.xlsx"))
    table = read_table(book["Summary"], read_summary_title())
    assert not [c for c in table.columns if c.startswith("Previous")]


def test_summary_total_el_equals_scoring(book, scores):
    title = "The bundle and the expected loss of its training loans"
    items = read_table(book["Summary"], title).set_index("Item")["Value"]
    el, principal = scores["expected_loss"].sum(), scores["principal"].sum()
    assert items["Expected loss (EL)"] == pytest.approx(el, rel=TOLERANCE)
    assert items["EL / principal"] == pytest.approx(el / principal, rel=TOLERANCE)


def test_summary_names_bundle_window_and_rows(book, trained):
    bundle, _ = trained
    title = "The bundle and the expected loss of its training loans"
    items = read_table(book["Summary"], title).set_index("Item")["Value"]
    window = bundle.manifest["window"]
    assert items["Bundle version"] == bundle.version
    assert items["Loans issued"] == f"{window['first_issue']} to {window['last_issue']}"
    assert items["Rows used"] == bundle.manifest["data"]["rows_used"]


# ------------------------------------------------------------------ PD model
def sentence_of(ws, heading: str) -> str:
    return ws.cell(find_row(ws, heading) + 1, 1).value


def test_pd_model_coefficients_ranked_by_size_with_odds_ratios(book, trained):
    bundle, _ = trained
    title = "Logistic regression on features scaled to [0, 1]"
    table = read_table(book["PD model"], title)
    size = table["|Coefficient|"].to_numpy()
    assert len(table) == len(bundle.pd_model.coef)
    assert (np.diff(size) <= 0).all()
    assert np.allclose(table["Odds ratio"], np.exp(table["Coefficient"]))
    assert size[0] == pytest.approx(np.abs(bundle.pd_model.coef).max())


def test_pd_model_gains_table_equals_the_manifest(book, trained):
    bundle, _ = trained
    gains = bundle.manifest["metrics"]["oot"]["pd"]["gains"]
    table = read_table(book["PD model"], "Gains by PD decile, out-of-time test")
    assert list(table["Lift"]) == [row["lift"] for row in gains]
    assert list(table["Share of bad loans"]) == [row["cum_bad_share"] for row in gains]


def test_pd_model_grade_calibration_equals_the_manifest(book, trained):
    bundle, _ = trained
    rows = bundle.manifest["metrics"]["oot"]["pd"]["calibration_by_grade"]
    table = read_table(book["PD model"], "By grade (first columns: out-of-time test)")
    assert list(table["Grade"]) == [row["group"] for row in rows]
    assert list(table["Observed default rate"]) == [row["default_rate"] for row in rows]


# ------------------------------------------------------------- EAD and LGD
@pytest.mark.parametrize("target", ["EAD", "LGD"])
def test_ead_lgd_model_comparison_equals_the_tuning(book, trained, target):
    bundle, _ = trained
    tuning = bundle.manifest["tuning"][target.lower()]
    table = read_table(book["EAD and LGD"], f"{target} candidates")
    assert list(table["Cross-validated MAE"]) == [
        row["cv_mae"] for row in tuning["comparison"]
    ]
    assert table.loc[table["Winner"] == "yes", "Model"].tolist() == [
        figures.model_name(tuning["winner"])
    ]


@pytest.mark.parametrize("target", ["EAD", "LGD"])
def test_ead_lgd_error_table_beats_or_names_the_baseline(book, trained, target):
    bundle, _ = trained
    oot = bundle.manifest["metrics"]["oot"][target.lower()]
    table = read_table(book["EAD and LGD"], f"{target} error, model and mean")
    row = table.set_index("Metric").loc["MAE"]
    assert row["Model, out-of-time test"] == oot["mae"]
    assert row["Mean, out-of-time test"] == oot["mae_mean_baseline"]


# ---------------------------------------------------------------- Portfolio
def test_portfolio_el_by_grade_equals_scoring(book, scores):
    table = read_table(book["Portfolio"], "EL by grade").set_index("Grade")
    expected = scores.groupby("grade")["expected_loss"].sum()
    assert list(table.index) == list(expected.index)
    assert np.allclose(table["Expected loss"], expected.to_numpy(), rtol=TOLERANCE)
    share = expected / scores.groupby("grade")["principal"].sum()
    assert np.allclose(table["EL / principal"], share.to_numpy(), rtol=TOLERANCE)


def test_portfolio_top_20_equals_scoring(book, scores):
    table = read_table(book["Portfolio"], "Highest EL first")
    expected = scores.nlargest(20, "expected_loss")
    assert len(table) == 20
    assert list(table["Loan id"]) == [str(v) for v in expected["loan_id"]]
    assert np.allclose(table["Expected loss"], expected["expected_loss"], rtol=1e-12)


def test_portfolio_el_by_term_adds_up_to_the_total(book, scores):
    table = read_table(book["Portfolio"], "EL by term")
    assert list(table["Term"]) == ["36 months", "60 months"]
    assert table["Expected loss"].sum() == pytest.approx(
        scores["expected_loss"].sum(), rel=TOLERANCE
    )


# ------------------------------------------------------ Exploratory analysis
def test_exploratory_default_rate_by_grade_equals_pandas(book, trained):
    _, frame = trained
    table = read_table(book["Exploratory analysis"], "Default rate by grade")
    expected = frame.groupby("grade")["bad"].mean()
    assert list(table["Grade"]) == list(expected.index)
    assert np.allclose(table["Default rate"], expected.to_numpy(), rtol=TOLERANCE)


def test_exploratory_grade_sentence_names_the_rates(book, trained):
    _, frame = trained
    rates = frame.groupby("grade")["bad"].mean()
    sentence = sentence_of(
        book["Exploratory analysis"],
        "2. How well the assigned grade separates defaults",
    )
    ratio = rates.iloc[-1] / rates.iloc[0]
    assert sentence.startswith(
        f"Grade {rates.index[-1]} loans default {ratio:.1f} times as often as "
        f"grade {rates.index[0]} ({rates.iloc[-1]:.1%} against {rates.iloc[0]:.1%})"
    )


def test_exploratory_job_titles_ignore_case_and_spacing(book, trained):
    _, frame = trained
    key = frame["job_title"].dropna().str.split().str.join(" ").str.lower()
    expected = key[key != ""].value_counts().head(15)
    table = read_table(book["Exploratory analysis"], "Job titles")
    assert [t.lower() for t in table["Job title"]] == list(expected.index)
    assert list(table["Loans"]) == list(expected.to_numpy())


def test_exploratory_utilisation_bands_equal_pandas(book, trained):
    _, frame = trained
    util = frame["revolving_utilisation"]
    expected = {
        "Below 20%": frame.loc[util < 0.2, "bad"].mean(),
        "20% to 80%": frame.loc[(util >= 0.2) & (util <= 0.8), "bad"].mean(),
        "Above 80%": frame.loc[util > 0.8, "bad"].mean(),
    }
    title = "Default rate by revolving utilisation"
    table = read_table(book["Exploratory analysis"], title)
    rates = table.set_index("Revolving utilisation")["Default rate"]
    for band, rate in expected.items():
        assert rates[band] == pytest.approx(rate, rel=TOLERANCE)


def test_exploratory_income_quintiles_hold_a_fifth_each(book, trained):
    _, frame = trained
    title = "Default rate by annual income quintile"
    table = read_table(book["Exploratory analysis"], title)
    assert table["Loans"].sum() == frame["annual_income"].notna().sum()
    assert table["Loans"].max() - table["Loans"].min() <= 1
    assert table["From"].iloc[0] == frame["annual_income"].min()


def test_exploratory_terms_say_there_are_no_late_loans(book, trained):
    _, frame = trained
    table = read_table(book["Exploratory analysis"], "Outcome by term")
    sentence = sentence_of(
        book["Exploratory analysis"],
        "5. Late and charged-off loans, 36 against 60 months",
    )
    expected = frame.groupby("term_months")["bad"].mean()
    assert np.allclose(table["Charged-off share"], expected.to_numpy(), rtol=TOLERANCE)
    assert table["Late loans"].sum() == 0
    assert "no loan is late" in sentence


def test_exploratory_purposes_sorted_by_default_rate(book, trained):
    _, frame = trained
    table = read_table(book["Exploratory analysis"], "Default rate by purpose")
    expected = frame.groupby("purpose")["bad"].mean().sort_values(ascending=False)
    assert np.allclose(table["Default rate"], expected.to_numpy(), rtol=TOLERANCE)


def test_exploratory_interest_rates_by_grade_equal_pandas(book, trained):
    _, frame = trained
    table = read_table(book["Exploratory analysis"], "Interest rate by grade")
    expected = frame.groupby("grade")["interest_rate"].mean()
    assert np.allclose(table["Mean rate"], expected.to_numpy(), rtol=TOLERANCE)
    histogram = read_table(book["Exploratory analysis"], "Loans per interest-rate band")
    assert histogram["Loans"].sum() == frame["interest_rate"].notna().sum()


# ------------------------------------------------------------- Data quality
def test_data_quality_rows_equal_the_manifest(book, trained):
    bundle, _ = trained
    quality = bundle.manifest["quality"]
    table = read_table(book["Data quality"], "From file to training")
    steps = table.set_index("Step")["Rows"]
    assert steps["Rows read"] == quality["rows_read"]
    assert steps["Rows used"] == quality["rows_used"]
    assert steps["Rows read"] + table["Rows"].iloc[1:-1].sum() == steps["Rows used"]


def test_data_quality_missing_values_equal_the_manifest(book, trained):
    bundle, _ = trained
    missing = bundle.manifest["quality"]["missing"]
    title = "Missing values among the rows used, most first"
    table = read_table(book["Data quality"], title)
    assert table["Missing values"].sum() == sum(missing.values())
    assert list(table["Missing values"]) == sorted(missing.values(), reverse=True)


# -------------------------------------------------------------------- layout
def test_layout_rejects_an_unknown_chart_kind(tmp_path):
    ws = openpyxl.Workbook().active
    writer = layout.SheetWriter(ws, "Title", "subtitle")
    table = layout.Table("t", pd.DataFrame({"a": ["x"], "b": [1.0]}))
    block = layout.Block("h", "s", [table], [layout.Chart("pie", "c", x="a", y=("b",))])
    with pytest.raises(ValueError, match="chart kind: expected one of"):
        writer.block(block)


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (0.1234, style.PERCENT, "12.3%"),
        (0.1234, style.PERCENT_FINE, "12.34%"),
        (1234567.8, style.CURRENCY, "$1,234,568"),
        (1234, style.COUNT, "1,234"),
        (0.71234, style.SCORE, "0.712"),
        (None, style.PERCENT, ""),
        ("text", style.PERCENT, "text"),
    ],
)
def test_style_display_text_matches_the_number_format(value, number_format, shown):
    assert style.display_text(value, number_format) == shown


@pytest.mark.parametrize(
    ("header", "width", "lines"),
    [("Loans", 10, 1), ("Share of bad loans", 11, 2), ("out-of-time test", 7, 3)],
)
def test_style_header_lines_wrap_at_spaces_and_hyphens(header, width, lines):
    assert style.header_lines(header, width) == lines


# -------------------------------------------------------------------- render
@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice and poppler-utils are not installed",
)
def test_render_draws_every_sheet_as_pages(report_path, tmp_path):
    pages = render.render(report_path, tmp_path)
    assert len(pages) >= len(SHEET_NAMES)
    assert all(page.stat().st_size > 0 for page in pages)


def test_render_refuses_a_missing_workbook(tmp_path):
    with pytest.raises(FileNotFoundError, match="workbook: no file at"):
        render.render(tmp_path / "missing.xlsx", tmp_path)


def test_layout_cell_value_blanks_missing_numbers():
    assert layout._cell_value(float("nan")) is None
    assert layout._cell_value(np.int64(3)) == 3
    assert math.isclose(layout._cell_value(np.float32(0.5)), 0.5)
