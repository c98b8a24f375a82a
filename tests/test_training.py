"""Tests for the checks ``xl_risk.training`` runs before fitting anything."""

import numpy as np
import pandas as pd
import pytest

from xl_risk.config import TrainingConfig
from xl_risk.intake import DataError
from xl_risk.training import Splits, check_training_rows, split

CONFIG = TrainingConfig()


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
