"""Tests for the report workbook in ``xl_risk.reports``.

One small bundle is trained on a slice of the demo portfolio for the module;
the workbook is written once and every test reads it back with openpyxl and
checks it against an independent recomputation with pandas.
"""

import copy
import dataclasses
import math
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, LineChart, ScatterChart
from openpyxl.utils import get_column_letter
from scipy.stats import beta, binom, chi2, ks_2samp
from sklearn.metrics import roc_auc_score

from retrain.pipeline import load_training_data, retrain
from xl_risk import bundle as bundles
from xl_risk import model_card as cards
from xl_risk.capital import BASEL_II_SCALING, PORTFOLIO_TOTAL, portfolio_capital
from xl_risk.config import TrainingConfig
from xl_risk.demo import DEMO_SEED, make_portfolio
from xl_risk.quality import prepare_training
from xl_risk.reports import figures, layout, render, style, write_report
from xl_risk.reports.sheets import model_card, monitoring, portfolio, validation
from xl_risk.reports.workbook import SHEETS
from xl_risk.schema import INPUT_NAMES
from xl_risk.scorecard import points_table
from xl_risk.scoring import score
from xl_risk.stability import psi, psi_categorical
from xl_risk.training import split as split_rows

LOANS = 6_000
CONFIG = TrainingConfig(cv_folds=2)
SHEET_NAMES = [
    "Summary",
    "PD model",
    "Validation",
    "EAD and LGD",
    "Portfolio",
    "Monitoring",
    "Points",
    "Exploratory analysis",
    "Data quality",
    "Model card",
]
TOLERANCE = 1e-9
EMU_PER_CM = 360_000
INJECTED = '=HYPERLINK("http://example.invalid","open")'
PRIVATE = 0o600


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
    out["bad"] = frame["bad"].to_numpy()
    return out


@pytest.fixture(scope="module")
def parts(trained):
    """The training run's splits, rebuilt from its recorded configuration."""
    bundle, frame = trained
    return split_rows(frame, TrainingConfig(**bundle.manifest["config"]))


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
def test_write_report_creates_every_sheet(book):
    assert book.sheetnames == SHEET_NAMES


def test_write_report_writes_sheet_modules_in_order():
    assert [sheet.TITLE for sheet in SHEETS] == SHEET_NAMES


def test_write_report_leaves_no_temporary_file(report_path):
    assert [p.name for p in report_path.parent.iterdir()] == [report_path.name]


def test_write_report_is_readable_like_a_bundle(report_path):
    assert report_path.stat().st_mode & 0o777 == bundles.READABLE_FILE


def test_write_report_over_a_private_report_makes_it_readable(trained, tmp_path):
    bundle, frame = trained
    path = tmp_path / "RiskReport.xlsx"
    path.write_bytes(b"report of an earlier run")
    path.chmod(PRIVATE)

    write_report(bundle, frame, path)

    assert path.stat().st_mode & 0o777 == bundles.READABLE_FILE


def test_write_report_writes_text_from_the_loans_as_text(trained, tmp_path):
    bundle, frame = trained
    tainted = frame.assign(loan_id=INJECTED, job_title=INJECTED)

    path = write_report(bundle, tainted, tmp_path / "RiskReport.xlsx")

    book = openpyxl.load_workbook(path)
    cells = [c for ws in book for row in ws.iter_rows() for c in row]
    shown = {c.parent.title for c in cells if c.value == INJECTED}
    assert {"Portfolio", "Exploratory analysis"} <= shown
    assert {c.data_type for c in cells if c.value == INJECTED} == {"s"}
    assert [c.coordinate for c in cells if c.data_type == "f"] == []


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
    "Validation": ["BarChart"] * 5,
    "Portfolio": ["BarChart"] * 8,
    "Monitoring": ["BarChart"] * 2,
    "Points": ["BarChart"],
    "Exploratory analysis": ["BarChart"] * 9,
    "Data quality": ["BarChart"],
    "Model card": [],
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
        ("Validation", "PD ranking of bad against good loans", "Default rate",
         style.PERCENT),
        ("Validation", "Hosmer-Lemeshow deciles, out-of-time test", "Mean PD",
         style.PERCENT),
        ("Validation", "By grade, out-of-time test", "Binomial p-value",
         style.SCORE),
        ("Validation", "EAD error by decile, out-of-time test", "MAE, model",
         style.PERCENT),
        ("Monitoring", monitoring.PSI_TITLE, "PSI", style.SCORE),
        ("Monitoring", "Loans per training PD decile", "Share, out of time",
         style.PERCENT),
        ("Portfolio", portfolio.CAPITAL_TITLE, "Capital", style.CURRENCY),
        ("Portfolio", portfolio.CAPITAL_TITLE, "Risk weight", style.PERCENT),
        ("Portfolio", portfolio.CAPITAL_TITLE, "One-year PD (EAD-weighted)",
         style.PERCENT_FINE),
        ("Points", "Scorecard", "Points", style.COUNT),
        ("Model card", "Out-of-time split", "Observed default rate", "0.00%"),
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


# --------------------------------------------------------------- Validation
OOT, TEST = "Out-of-time test", "Random test"


def split_scores(scores, rows):
    part = scores.iloc[rows]
    return part["bad"].to_numpy(), part["pd"].to_numpy()


def discrimination(book) -> pd.DataFrame:
    table = read_table(book["Validation"], "PD ranking of bad against good loans")
    return table.set_index("Split")


@pytest.mark.parametrize(("name", "part"), [(OOT, "oot"), (TEST, "test")])
def test_validation_auc_equals_sklearn_on_the_split(book, scores, parts, name, part):
    y, p = split_scores(scores, getattr(parts, part))
    row = discrimination(book).loc[name]
    assert row["Loans"] == len(y)
    assert row["AUC"] == pytest.approx(roc_auc_score(y, p), rel=TOLERANCE)
    assert row["AUC, 95% CI low"] < row["AUC"] < row["AUC, 95% CI high"]


def test_validation_gini_and_ks_equal_scipy(book, scores, parts):
    y, p = split_scores(scores, parts.oot)
    row = discrimination(book).loc[OOT]
    assert row["Gini"] == pytest.approx(2 * roc_auc_score(y, p) - 1, rel=TOLERANCE)
    assert row["KS"] == pytest.approx(ks_2samp(p[y == 1], p[y == 0]).statistic)


def test_validation_brier_and_hosmer_lemeshow_equal_a_recomputation(
    book, scores, parts
):
    y, p = split_scores(scores, parts.oot)
    title = "Brier score and Hosmer-Lemeshow test"
    row = read_table(book["Validation"], title).set_index("Split").loc[OOT]
    assert row["Brier score"] == pytest.approx(np.mean((p - y) ** 2), rel=TOLERANCE)
    assert row["Brier score of the base rate"] == pytest.approx(
        y.mean() * (1 - y.mean())
    )

    rank = np.empty(len(p), dtype=int)
    rank[np.argsort(p, kind="stable")] = np.arange(len(p))
    groups = pd.DataFrame({"g": rank * 10 // len(p), "y": y, "p": p}).groupby("g")
    o, e, n = groups["y"].sum(), groups["p"].sum(), groups.size()
    statistic = (((o - e) ** 2) / (e * (1 - e / n))).sum()
    assert row["Hosmer-Lemeshow statistic"] == pytest.approx(statistic, rel=1e-9)
    assert row["p-value"] == pytest.approx(chi2.sf(statistic, 8), rel=1e-9)


def test_validation_grade_tests_equal_scipy_at_99_percent(book, trained, scores, parts):
    _, frame = trained
    y, p = split_scores(scores, parts.oot)
    grades = frame["grade"].iloc[parts.oot].to_numpy()
    table = read_table(book["Validation"], "By grade, out-of-time test")
    for _, row in table.iterrows():
        mine = grades == row["Grade"]
        n, d, mean = mine.sum(), y[mine].sum(), p[mine].mean()
        binomial = binom.sf(d - 1, n, mean)
        jeffreys = beta.cdf(mean, d + 0.5, n - d + 0.5)
        assert row["Binomial p-value"] == pytest.approx(binomial, rel=1e-9)
        assert row["Jeffreys p-value"] == pytest.approx(jeffreys, rel=1e-9)
        assert row["Binomial at 99%"] == ("pass" if binomial >= 0.01 else "fail")
        assert row["Jeffreys at 99%"] == ("pass" if jeffreys >= 0.01 else "fail")


@pytest.mark.parametrize("target", ["ead", "lgd"])
def test_validation_error_by_decile_adds_up_to_the_mae(
    book, trained, scores, parts, target
):
    _, frame = trained
    rows = frame.iloc[parts.oot]
    bad = (rows["bad"] == 1).to_numpy() & rows[target].notna().to_numpy()
    actual = rows[target].to_numpy()[bad]
    predicted = scores[target].iloc[parts.oot].to_numpy()[bad]
    title = f"{target.upper()} error by decile, out-of-time test"
    table = read_table(book["Validation"], title)
    weights = table["Bad loans"] / table["Bad loans"].sum()
    assert table["Bad loans"].sum() == bad.sum()
    assert (table["MAE, model"] * weights).sum() == pytest.approx(
        np.mean(np.abs(actual - predicted)), rel=1e-9
    )
    assert (table[validation.MAE_MEAN] * weights).sum() == pytest.approx(
        np.mean(np.abs(actual - actual.mean())), rel=1e-9
    )


def test_validation_verdict_colours_each_check(book):
    ws = book["Validation"]
    header = find_row(ws, validation.CHECKS) + 1
    fills = {
        ws.cell(row, 1).value: ws.cell(row, 3).fill.fgColor.rgb[-6:]
        for row in range(header + 2, header + 8)
    }
    assert set(fills.values()) <= {style.GOOD, style.BAD}
    sentence = sentence_of(ws, "Verdict at 99%")
    assert sentence.startswith("Out-of-time test (")
    assert "Hosmer-Lemeshow" in sentence


def test_validation_sentence_names_the_grades_that_fail(trained):
    bundle, frame = trained
    scored = figures.score_loans(bundle, frame)
    scored["pd_predicted"] *= 0.4  # every grade's PD far too low
    blocks = validation.blocks(figures.Context(bundle, frame, scored))
    verdict = blocks[0]
    assert "grades A, B, C, D, E, F fail the binomial and Jeffreys tests" in (
        verdict.sentence
    )
    fills = verdict.tables[0].fills[OOT]
    assert fills[3] == style.BAD  # binomial test by grade


# --------------------------------------------------------------- Monitoring
def psi_rows(book) -> pd.DataFrame:
    table = read_table(book["Monitoring"], monitoring.PSI_TITLE)
    return table.set_index("Characteristic")


def test_monitoring_pd_psi_equals_stability_on_the_training_split(book, scores, parts):
    pd_values = scores["pd"].to_numpy()
    expected = psi(pd_values[parts.train], pd_values[parts.oot]).psi
    assert psi_rows(book).loc[monitoring.PD_ROW, "PSI"] == pytest.approx(
        expected, rel=1e-9
    )


@pytest.mark.parametrize(
    ("field", "label"),
    [("annual_income", "Annual income"), ("fico_score", "FICO score"),
     ("purpose", "Purpose"), ("grade", "Grade")],
)  # fmt: skip
def test_monitoring_csi_equals_stability_per_field(book, trained, parts, field, label):
    _, frame = trained
    values = frame[field].to_numpy()
    train, oot = values[parts.train], values[parts.oot]
    if field in ("purpose", "grade"):
        expected = psi_categorical(list(train), list(oot)).psi
    else:
        expected = psi(train.astype(float), oot.astype(float)).psi
    assert psi_rows(book).loc[label, "PSI"] == pytest.approx(expected, rel=1e-9)


def test_monitoring_colours_each_band(book):
    ws = book["Monitoring"]
    header = find_row(ws, monitoring.PSI_TITLE) + 1
    table = psi_rows(book)
    colours = [
        ws.cell(header + 1 + i, 3).fill.fgColor.rgb[-6:] for i in range(len(table))
    ]
    assert colours == [monitoring.BAND_FILLS[band] for band in table["Band"]]
    assert (table["PSI"].iloc[1:].diff().dropna() <= 0).all()  # largest first


def test_monitoring_lists_flags_by_name(trained):
    """Wedding loans, never seen in a profile without them, and incomes all in
    one bin, which leaves the other bins empty."""
    bundle, frame = trained
    manifest = copy.deepcopy(bundle.manifest)
    del manifest["reference_profile"]["fields"]["purpose"]["counts"]["wedding"]
    changed = frame.copy()
    oot = split_rows(frame, TrainingConfig(**manifest["config"])).oot
    changed.loc[changed.index[oot], "annual_income"] = 50_000.0
    profiled = dataclasses.replace(bundle, manifest=manifest)
    ctx = figures.Context(profiled, changed, figures.score_loans(bundle, changed))

    flags = monitoring.blocks(ctx)[1].tables[0].data
    by_field = flags.groupby("Characteristic")["Flag"].apply(list)
    assert "category not seen in training: 'wedding'" in by_field["Purpose"]
    assert any(f.startswith("empty bin in actual") for f in by_field["Annual income"])


def test_monitoring_without_a_profile_says_how_to_get_one(trained):
    bundle, frame = trained
    manifest = {k: v for k, v in bundle.manifest.items() if k != "reference_profile"}
    old = dataclasses.replace(bundle, manifest=manifest)
    ctx = figures.Context(old, frame, figures.score_loans(old, frame))
    [block] = monitoring.blocks(ctx)
    assert "expected a 'reference_profile'" in block.sentence
    assert not block.tables


# ------------------------------------------------------------------- Points
def test_points_equal_points_table(book, trained):
    bundle, _ = trained
    expected = points_table(bundle)
    table = read_table(book["Points"], "Scorecard")
    assert list(table["Points"]) == list(expected["points"])
    indicative = table["Points are"].str.startswith("indicative")
    assert list(indicative) == list(~expected["exact"])


def test_points_state_the_scaling(book):
    ws = book["Points"]
    items = read_table(ws, "How points map to odds").set_index("Scaling")["Value"]
    assert items["Points to double the good:bad odds"] == 20
    assert items["Reference score"] == 600
    assert items["Good:bad odds at the reference score"] == 50
    assert "every 20 points more double the odds" in sentence_of(ws, "Scaling")


def test_points_spread_is_the_range_of_each_field(book, trained):
    bundle, _ = trained
    expected = points_table(bundle).groupby("label")["points"]
    table = read_table(book["Points"], "Points per field, widest spread first")
    spread = (expected.max() - expected.min()).sort_values(ascending=False)
    assert list(table["Spread"]) == list(spread.to_numpy())


# --------------------------------------------------------------- Model card
def test_model_card_headings_are_bold(book, trained):
    bundle, _ = trained
    ws = book["Model card"]
    text = cards.render(bundle.manifest)
    headings = [line.lstrip("#").strip() for line in text.splitlines()
                if line.startswith("## ")]  # fmt: skip
    for heading in headings:
        cell = ws.cell(find_row(ws, heading), 1)
        assert cell.font.b, heading


def test_model_card_calibration_tables_hold_numbers(book, trained):
    bundle, _ = trained
    rows = bundle.manifest["metrics"]["oot"]["pd"]["calibration_by_grade"]
    table = read_table(book["Model card"], "Out-of-time split")
    assert list(table["Loans"]) == [row["loans"] for row in rows]
    assert np.allclose(table["Mean PD"], [round(r["mean_pd"], 4) for r in rows])


def test_model_card_turns_a_wide_table(book, trained):
    bundle, _ = trained
    ws = book["Model card"]
    header = find_row(ws, "Performance") + 2
    assert [ws.cell(header, j).value for j in (1, 2, 3)] == [
        "Split",
        "Random test",
        "Out-of-time",
    ]
    loans = ws.cell(header + 1, 3)
    assert loans.value == bundle.manifest["metrics"]["oot"]["pd"]["loans"]
    assert loans.number_format == style.COUNT


CARD = """# Card

## Facts

Plain text
over two lines.

- one `code` item
  continued
- two

**Numbers**

| name | count | share |
|---|---|---|
| a | 1,234 | 12.50% |

After the table.
"""


def test_model_card_blocks_follow_the_markdown():
    title, facts, after = model_card.card_blocks(CARD)
    assert title.heading == "Card"
    assert facts.paragraphs == [
        "Plain text over two lines.", "\N{BULLET} one code item continued",
        "\N{BULLET} two",
    ]  # fmt: skip
    [table] = facts.tables
    assert table.title == "Numbers"
    assert list(table.data.columns) == ["Name", "Count", "Share"]
    assert table.data.iloc[0].tolist() == ["a", 1234, 0.125]
    assert table.formats["Share"] == ["0.00%"]
    assert after.heading == "Facts (continued)"
    assert after.paragraphs == ["After the table."]


# ------------------------------------------------------- Portfolio: capital
def test_portfolio_capital_equals_portfolio_capital(book, trained):
    bundle, frame = trained
    inputs = frame[[c for c in INPUT_NAMES if c in frame.columns]]
    expected = portfolio_capital(bundle, inputs)
    scaled = portfolio_capital(bundle, inputs, scaling=BASEL_II_SCALING)
    table = read_table(book["Portfolio"], portfolio.CAPITAL_TITLE)
    assert list(table["Grade"]) == [
        portfolio.TOTAL if g == PORTFOLIO_TOTAL else g for g in expected.index
    ]
    for column, key in (("Capital", "capital"), ("RWA", "rwa"), ("EAD", "ead"),
                        ("Risk weight", "risk_weight")):  # fmt: skip
        assert np.allclose(table[column], expected[key], rtol=TOLERANCE), column
    assert table[portfolio.SCALED].iloc[-1] == pytest.approx(
        scaled.loc[PORTFOLIO_TOTAL, "capital"], rel=TOLERANCE
    )
    assert table["Capital"].iloc[:-1].sum() == pytest.approx(
        table["Capital"].iloc[-1], rel=TOLERANCE
    )


def test_portfolio_capital_sentence_says_the_pd_is_one_year(book):
    sentence = sentence_of(book["Portfolio"], "IRB capital by grade")
    assert sentence.startswith(
        "Capital uses a one-year PD derived from the lifetime PD"
    )


# -------------------------------------------------------------------- layout
def test_layout_rejects_an_unknown_chart_kind(tmp_path):
    ws = openpyxl.Workbook().active
    writer = layout.SheetWriter(ws, "Title", "subtitle")
    table = layout.Table("t", pd.DataFrame({"a": ["x"], "b": [1.0]}))
    block = layout.Block("h", "s", [table], [layout.Chart("pie", "c", x="a", y=("b",))])
    with pytest.raises(ValueError, match="chart kind: expected one of"):
        writer.block(block)


def write_block(block: layout.Block):
    ws = openpyxl.Workbook().active
    writer = layout.SheetWriter(ws, "Title", "subtitle")
    writer.block(block)
    writer.finish()
    return ws


def test_layout_fills_cells_and_wraps_long_text():
    data = pd.DataFrame({"a": ["x " * 50, "short"], "b": [1, 2]})
    table = layout.Table("t", data, fills={"b": [style.BAD, None]})
    ws = write_block(layout.Block("h", "s", [table]))
    first = find_row(ws, "t") + 2
    assert ws.cell(first, 2).fill.fgColor.rgb.endswith(style.BAD)
    assert ws.cell(first + 1, 2).fill.fill_type is None
    assert ws.cell(first, 1).alignment.wrap_text
    assert ws.row_dimensions[first].height == 2 * style.ROW_POINTS + 3
    assert ws.row_dimensions[first + 1].height == style.ROW_POINTS


def test_layout_wraps_paragraphs_across_the_content():
    paragraph = "word " * 200
    block = layout.Block("h", "", paragraphs=[paragraph, "short"])
    ws = write_block(block)
    row = find_row(ws, paragraph)
    assert ws.cell(row, 1).font == style.TEXT_FONT
    assert any(r.min_row == row for r in ws.merged_cells.ranges)
    assert ws.row_dimensions[row].height > 2 * style.ROW_POINTS
    assert ws.cell(row + 1, 1).value == "short"


def test_layout_table_without_title_takes_no_row():
    table = layout.Table("", pd.DataFrame({"a": ["x"]}))
    ws = write_block(layout.Block("h", "", [table]))
    heading = find_row(ws, "h")
    assert ws.cell(heading + 2, 1).value == "a"  # a blank row, then the header


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
