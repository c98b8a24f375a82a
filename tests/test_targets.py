"""PD label, EAD and LGD targets on loans whose answers are known by hand."""

import logging

import numpy as np
import pandas as pd
import pytest

from xl_risk import training
from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.parsing import read_table
from xl_risk.quality import EAD_OVER, LGD_OVER, prepare_training
from xl_risk.targets import ead_fraction, expected_loss, lgd_fraction, pd_label

# Five loans: principal, principal repaid, recoveries and what each target is.
FIVE_LOANS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5],
        "loan_status": [
            "Fully Paid",
            "Charged Off",
            "Charged Off",  # recovered more than it still owed
            "Current",  # still running: no label, left out of training
            "Does not meet the credit policy. Status:Charged Off",  # nothing owed
        ],
        "funded_amnt": [10_000.0, 10_000.0, 5_000.0, 8_000.0, 8_000.0],
        "total_rec_prncp": [10_000.0, 4_000.0, 1_000.0, 2_000.0, 8_000.0],
        "recoveries": [0.0, 600.0, 5_000.0, 0.0, 0.0],
    }
)
LABEL = [0.0, 1.0, 1.0, np.nan, 1.0]
EAD = [0.0, 0.6, 0.8, 0.75, 0.0]
LGD = [np.nan, 0.9, 0.0, 1.0, np.nan]
INPUTS = {
    "term": " 36 months",
    "int_rate": "12.5%",
    "installment": 300.0,
    "grade": "B",
    "emp_length": "3 years",
    "home_ownership": "RENT",
    "annual_inc": 50_000.0,
    "verification_status": "Verified",
    "purpose": "car",
    "dti": 15.0,
    "pub_rec": 0,
    "revol_util": "40%",
    "open_acc": 7,
}


def column(name: str) -> np.ndarray:
    return FIVE_LOANS[name].to_numpy()


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("Charged Off", 1.0),
        ("Default", 1.0),
        ("Does not meet the credit policy. Status:Charged Off", 1.0),
        ("Fully Paid", 0.0),
        ("Does not meet the credit policy. Status:Fully Paid", 0.0),
        ("Current", np.nan),
        ("Late (31-120 days)", np.nan),
        (None, np.nan),
    ],
)
def test_pd_label_per_status(status, label):
    np.testing.assert_array_equal(pd_label(np.array([status], dtype=object)), [label])


def test_pd_label_five_loans():
    np.testing.assert_array_equal(pd_label(column("loan_status")), LABEL)


def test_ead_fraction_five_loans():
    got = ead_fraction(column("funded_amnt"), column("total_rec_prncp"))

    np.testing.assert_allclose(got, EAD, rtol=0, atol=1e-15)


def test_lgd_fraction_five_loans_clipped_and_nan_where_nothing_owed():
    got = lgd_fraction(
        column("funded_amnt"), column("total_rec_prncp"), column("recoveries")
    )

    np.testing.assert_allclose(got, LGD, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("principal", "repaid", "recoveries", "ead", "lgd"),
    [
        (1_000.0, 1_200.0, 0.0, 0.0, np.nan),  # repaid more than lent
        (1_000.0, 0.0, 1_500.0, 1.0, 0.0),  # recoveries above exposure
        (1_000.0, 0.0, 0.0, 1.0, 1.0),  # nothing repaid, nothing recovered
    ],
)
def test_targets_clip_to_unit_interval(principal, repaid, recoveries, ead, lgd):
    args = (np.array([principal]), np.array([repaid]))

    np.testing.assert_array_equal(ead_fraction(*args), [ead])
    np.testing.assert_array_equal(lgd_fraction(*args, np.array([recoveries])), [lgd])


def test_expected_loss_is_pd_times_principal_times_ead_times_lgd():
    got = expected_loss(
        np.array([0.1, 0.5]),
        np.array([10_000.0, 2_000.0]),
        np.array([0.6, 1.0]),
        np.array([0.9, 0.25]),
    )

    np.testing.assert_allclose(got, [540.0, 250.0], rtol=1e-15)


def test_prepare_training_five_loans():
    raw = FIVE_LOANS.assign(**INPUTS)

    frame, report = prepare_training(read_table(raw), TrainingConfig())

    finished = [0, 1, 2, 4]
    assert frame["loan_id"].tolist() == ["1", "2", "3", "5"]
    assert report.dropped == {"loan not finished": 1}
    assert report.clipped == {LGD_OVER: 1}  # loan 3 recovered more than it owed
    assert report.rows_read == 5
    assert report.rows_used == 4
    np.testing.assert_array_equal(frame["bad"], np.take(LABEL, finished))
    # EAD and LGD exist on bad loans only: the fully paid loan has neither.
    np.testing.assert_allclose(frame["ead"], [np.nan, 0.6, 0.8, 0.0], atol=1e-15)
    np.testing.assert_allclose(frame["lgd"], [np.nan, 0.9, 0.0, np.nan], atol=1e-15)


def test_prepare_training_repaid_above_principal_is_counted_and_warned(caplog):
    raw = FIVE_LOANS.assign(**INPUTS)
    raw.loc[1, "total_rec_prncp"] = 25_000.0  # loan 2 "repaid" 2.5 times its 10,000

    with caplog.at_level(logging.WARNING, logger="xl_risk.quality"):
        frame, report = prepare_training(read_table(raw), TrainingConfig())

    assert frame.loc[frame["loan_id"] == "2", "ead"].tolist() == [0.0]
    assert report.clipped == {EAD_OVER: 1, LGD_OVER: 1}
    assert [r.getMessage() for r in caplog.records] == [
        "1 of 3 bad loans have principal repaid above the principal; check the "
        "outcome columns: target clipped"
    ]


def test_prepare_training_warns_when_blank_outcomes_drop_mostly_bad_loans(caplog):
    raw = FIVE_LOANS.assign(**INPUTS)
    raw.loc[[1, 2], "total_rec_prncp"] = np.nan  # two of the three bad loans

    with caplog.at_level(logging.WARNING, logger="xl_risk.quality"):
        frame, report = prepare_training(read_table(raw), TrainingConfig())

    assert frame["loan_id"].tolist() == ["1", "5"]
    assert report.dropped["principal, repaid or recoveries blank"] == 2
    assert [r.getMessage() for r in caplog.records] == [
        "2 of 2 loans dropped for a blank principal, repaid or recoveries are bad "
        "(100%, against 75% in the file): the default rate learnt is lower than "
        "the file's; fill the outcome columns to keep them"
    ]


def test_prepare_training_drops_loans_issued_after_today():
    raw = FIVE_LOANS.assign(**INPUTS, issue_d=["Dec-2011"] * 4 + ["Dec-2046"])

    frame, report = prepare_training(read_table(raw), TrainingConfig())

    assert frame["loan_id"].tolist() == ["1", "2", "3"]
    assert report.dropped == {"loan not finished": 1, "issued after today": 1}


@pytest.fixture(scope="module")
def demo_frame():
    table = read_table(make_portfolio(n_loans=3000, seed=5))
    return prepare_training(table, TrainingConfig())[0]


def test_prepare_training_ead_and_lgd_only_on_bad_loans(demo_frame):
    good = demo_frame["bad"] == 0
    bad = demo_frame["bad"] == 1

    assert good.sum() > 0
    assert bad.sum() > 0
    assert demo_frame.loc[good, ["ead", "lgd"]].isna().all().all()
    assert demo_frame.loc[bad, "ead"].between(0, 1).all()
    assert demo_frame.loc[bad, "lgd"].dropna().between(0, 1).all()


def test_train_fits_ead_and_lgd_on_bad_training_loans_only(demo_frame, monkeypatch):
    monkeypatch.setattr(training, "PD_GRID", {"C": [1.0], "l1_ratio": [0.0]})
    monkeypatch.setattr(
        training, "LGBM_GRID", {"n_estimators": [20], "num_leaves": [7]}
    )
    monkeypatch.setattr(training, "PARALLEL_JOBS", 1)
    fitted = []
    real_fit_fraction = training.fit_fraction

    def recording_fit_fraction(matrix, target, config, *names):
        fitted.append((len(matrix), target.copy()))
        return real_fit_fraction(matrix, target, config, *names)

    monkeypatch.setattr(training, "fit_fraction", recording_fit_fraction)
    config = TrainingConfig(cv_folds=2, min_bad_loans=50)

    training.train(demo_frame, config)

    train_rows = demo_frame.iloc[training.split(demo_frame, config).train]
    bad = train_rows["bad"] == 1
    (ead_rows, ead_target), (lgd_rows, lgd_target) = fitted
    assert ead_rows == len(ead_target) == bad.sum() < len(train_rows)
    assert lgd_rows == len(lgd_target) == train_rows.loc[bad, "lgd"].notna().sum()
    np.testing.assert_array_equal(ead_target, train_rows.loc[bad, "ead"])
    np.testing.assert_array_equal(lgd_target, train_rows.loc[bad, "lgd"].dropna())
