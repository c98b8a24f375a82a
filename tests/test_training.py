"""``xl_risk.training``: the splits, and the checks it runs before fitting."""

import logging
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from retrain import retrain
from xl_risk.cli import main
from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.intake import DataError
from xl_risk.training import (
    OOT_BY_DATE,
    OOT_BY_FILE_ORDER,
    Splits,
    check_training_rows,
    split,
)

CONFIG = TrainingConfig()
LENIENT = TrainingConfig(pd_auc_floor=0.5)  # the gate is not under test here
HISTORY_LOANS = 4_000


def training_frame(bad: int, good: int) -> tuple[pd.DataFrame, Splits]:
    """A frame of bad and good loans, every row in the training split."""
    frame = pd.DataFrame({"bad": [1.0] * bad + [0.0] * good})
    empty = np.array([], dtype=int)
    return frame, Splits(np.arange(len(frame)), empty, empty, "2011-07")


@pytest.mark.parametrize(
    ("good", "message"),
    [
        (0, "the training split has no good \\(non-defaulted\\) loans"),
        (CONFIG.cv_folds - 1, "the training split has too few good"),
    ],
)
def test_check_training_rows_refuses_too_few_good_loans(good, message):
    frame, parts = training_frame(CONFIG.min_bad_loans, good)

    with pytest.raises(DataError, match=f"{message}.*got {good}$"):
        check_training_rows(frame, parts, CONFIG)


def test_check_training_rows_refuses_too_few_bad_loans():
    frame, parts = training_frame(CONFIG.min_bad_loans - 1, CONFIG.cv_folds)

    with pytest.raises(DataError, match="too few defaulted loans to fit EAD and LGD"):
        check_training_rows(frame, parts, CONFIG)


def test_check_training_rows_accepts_enough_of_both():
    frame, parts = training_frame(CONFIG.min_bad_loans, CONFIG.cv_folds)

    check_training_rows(frame, parts, CONFIG)  # raises nothing


@pytest.mark.parametrize(
    ("months", "message"),
    [
        (["2011-11"], "every loan was issued in 2011-11, so the out-of-time window "
         "\\(the latest 6 issue months, 2011-06 to 2011-11, set by oot_months"),
        (["2011-09", "2011-11"], "loans were issued 2011-09 to 2011-11, .*"
         "give loans issued before 2011-06, or set oot_months below 3$"),
    ],
)  # fmt: skip
def test_check_training_rows_names_the_out_of_time_window(months, message):
    dates = pd.to_datetime([f"{m}-01" for m in months] * 10)
    frame = pd.DataFrame({"issue_date": dates, "bad": 0.0})
    parts = split(frame, CONFIG)

    with pytest.raises(DataError, match=message):
        check_training_rows(frame, parts, CONFIG)


def test_check_training_rows_without_dates_names_the_share():
    frame = pd.DataFrame({"bad": [1.0]})
    parts = split(frame, CONFIG)

    with pytest.raises(DataError, match="the last 20% of rows.*oot_share_without"):
        check_training_rows(frame, parts, CONFIG)


def dated_frame(dates) -> pd.DataFrame:
    return pd.DataFrame({"issue_date": pd.to_datetime(dates), "bad": 0.0})


@pytest.mark.parametrize(
    ("frame", "why"),
    [
        (pd.DataFrame({"bad": [0.0] * 10}), "no column for issue date (issue_date or "),
        (dated_frame([None] * 10), "every issue date is blank"),
    ],
    ids=["no-column", "all-blank"],
)
def test_split_without_any_issue_date_takes_the_last_rows_saying_why(frame, why):
    parts = split(frame, CONFIG)

    assert parts.oot_split == OOT_BY_FILE_ORDER
    assert parts.undated.startswith(why)
    assert parts.oot.tolist() == [8, 9]  # the last 20% of the rows
    assert parts.oot_from == "the last 20% of rows in file order"


def test_split_with_every_issue_date_is_by_date():
    frame = dated_frame(["2011-01-01"] * 5 + ["2011-12-01"] * 5)

    parts = split(frame, CONFIG)

    assert parts.oot_split == OOT_BY_DATE
    assert parts.undated == ""
    assert parts.oot.tolist() == [5, 6, 7, 8, 9]


def test_split_with_some_issue_dates_splits_the_dated_and_keeps_the_rest_in_time():
    frame = dated_frame(
        ["2011-01-01"] * 4 + [None] + ["2011-12-01"] * 3 + [None, "2011-01-01"]
    )

    parts = split(frame, CONFIG)

    assert parts.oot_split == OOT_BY_DATE
    assert parts.undated == "2 of 10 loans have no issue date"
    assert parts.oot.tolist() == [5, 6, 7]  # the latest months; blanks never
    assert sorted(parts.train.tolist() + parts.test.tolist()) == [0, 1, 2, 3, 4, 8, 9]


def test_retrain_with_some_issue_dates_blank_warns_and_records_them(tmp_path, caplog):
    path = tmp_path / "history.csv"
    history = make_portfolio(n_loans=HISTORY_LOANS, seed=5)
    history.loc[history.index[::10], "issue_d"] = None
    history.to_csv(path, index=False)
    blank = len(history.index[::10])

    with caplog.at_level(logging.WARNING, logger="xl_risk.training"):
        outcome = retrain(path, tmp_path / "models", config=LENIENT)

    window, used = outcome.manifest["window"], outcome.manifest["data"]["rows_used"]
    why = window["undated"]
    assert window["oot_split"] == OOT_BY_DATE
    count = re.fullmatch(rf"(\d+) of {used:,} loans have no issue date", why)
    assert count, why
    assert 0.8 * blank <= int(count[1]) <= blank  # a few fall to data quality
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        f"{why}: they cannot be placed in time, so they stay in training and the "
        "random test, never in the out-of-time test"
    ) in warned
    card = (tmp_path / "models" / outcome.version / "MODEL_CARD.md").read_text(
        encoding="utf-8"
    )
    assert f"- {why}: they stayed in training and the random test;" in card


def test_retrain_without_issue_dates_warns_and_records_the_file_order_split(
    tmp_path, caplog
):
    path = tmp_path / "history.csv"
    history = make_portfolio(n_loans=HISTORY_LOANS, seed=5)
    history.drop(columns=["issue_d"]).to_csv(path, index=False)

    with caplog.at_level(logging.WARNING, logger="xl_risk.training"):
        outcome = retrain(path, tmp_path / "models", config=LENIENT)

    window, used = outcome.manifest["window"], outcome.manifest["data"]["rows_used"]
    why = "no column for issue date (issue_date or issue_d or fecha_emision)"
    assert window["oot_split"] == OOT_BY_FILE_ORDER
    assert window["undated"] == why
    assert window["rows_oot"] == used - int(used * (1 - CONFIG.oot_share_without_dates))
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        f"out-of-time split by file order, not by issue date: {why}; the last "
        f"{window['rows_oot']:,} loans of the file stand in for the latest issued, "
        "which holds only if the file is in issue order"
    ) in warned
    card = (tmp_path / "models" / outcome.version / "MODEL_CARD.md").read_text(
        encoding="utf-8"
    )
    assert f"- Out-of-time split by file order, not by issue date: {why};" in card
    shown = CliRunner().invoke(main, ["info", "--models", str(tmp_path / "models")])
    assert (
        f"loans without issue dates: {window['rows_train']:,} train, "
        f"{window['rows_test']:,} random test, {window['rows_oot']:,} out-of-time "
        "from the last 20% of rows in file order"
    ) in shown.stdout


def test_retrain_with_issue_dates_records_the_date_split(bundle):
    window = bundle.manifest["window"]

    assert window["oot_split"] == OOT_BY_DATE
    assert "undated" not in window


def test_fit_pd_logs_a_convergence_warning_once_naming_the_model(
    monkeypatch, caplog, recwarn
):
    from xl_risk import training

    monkeypatch.setattr(training, "PD_MAX_ITER", 1)  # saga cannot converge in 1
    monkeypatch.setattr(training, "PD_GRID", {"C": [1.0], "l1_ratio": [0.0]})
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(400, 5))
    bad = (matrix[:, 0] + rng.normal(size=400) > 1).astype(int)

    with caplog.at_level(logging.WARNING, logger=training.__name__):
        training.fit_pd(matrix, bad, CONFIG, [f"x{i}" for i in range(5)])

    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(logged) == 1
    assert logged[0].startswith(
        "while fitting the PD model (logistic regression, C 1, L1 share 0): "
        "ConvergenceWarning: "
    )
    assert not [w for w in recwarn if issubclass(w.category, Warning)]


def test_fit_logs_numbers_plainly(caplog):
    from xl_risk import training

    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(300, 4))
    target = np.clip(0.5 + 0.1 * matrix[:, 0] + rng.normal(0, 0.05, 300), 0, 1)
    bad = (matrix[:, 0] + rng.normal(size=300) > 1).astype(int)

    with caplog.at_level(logging.INFO, logger=training.__name__):
        training.fit_fraction(matrix, target, CONFIG, "EAD")
        training.fit_pd(matrix, bad, CONFIG, [f"x{i}" for i in range(4)])

    assert "np." not in caplog.text
    logged = caplog.text
    assert re.search(r"EAD winner \w+; CV MAE lightgbm 0\.\d{5}, ridge 0\.", logged)
    assert re.search(r"PD best C [\d.]+, L1 share [\d.]+; CV AUC 0\.\d{4}", logged)
