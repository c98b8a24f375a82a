"""The encoder: fills, ranges, category folding, and one row equal to a batch."""

import logging

import numpy as np
import pandas as pd
import pytest

from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.features import SMALL_BATCH, Encoder
from xl_risk.parsing import read_table
from xl_risk.quality import prepare_training
from xl_risk.schema import FIELDS, INPUT_NAMES, Role

RARE_SHARE = TrainingConfig().rare_share
# Features computed from inputs rather than named after one.
DERIVED = {
    "payment_to_income": {"installment", "annual_income"},
    "term_60_months": {"term_months"},
    "has_derogatory_record": {"derogatory_records"},
    "job_title_given": {"job_title"},
}


@pytest.fixture(scope="module")
def frame():
    table = read_table(make_portfolio(n_loans=3000, seed=5))
    return prepare_training(table, TrainingConfig())[0]


@pytest.fixture(scope="module")
def encoder(frame):
    return Encoder().fit(frame, RARE_SHARE)


def columns_of(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {name: frame[name].to_numpy() for name in frame.columns}


def one_row(frame: pd.DataFrame, **values) -> dict[str, np.ndarray]:
    columns = columns_of(frame.iloc[[0]])
    for name, value in values.items():
        kind = object if isinstance(value, str) else float
        columns[name] = np.array([value], dtype=kind)
    return columns


def source_inputs(feature: str) -> set[str]:
    base = feature.split("=", 1)[0]
    return DERIVED.get(base, {base})


def test_encoder_features_come_from_input_fields_only(encoder):
    not_inputs = {f.name for f in FIELDS if f.role is not Role.INPUT}

    used = set().union(*(source_inputs(name) for name in encoder.names))

    assert used <= set(INPUT_NAMES)
    assert used.isdisjoint(not_inputs | {"bad", "ead", "lgd"})


def test_encoder_transform_values_in_unit_interval(encoder, frame):
    matrix = encoder.transform(columns_of(frame))

    assert matrix.shape == (len(frame), len(encoder.names))
    assert matrix.min() >= 0.0
    assert matrix.max() <= 1.0


@pytest.mark.parametrize(
    ("name", "value", "scaled"),
    [("principal", 1e9, 1.0), ("principal", 1.0, 0.0), ("dti", 1e6, 1.0)],
)
def test_encoder_clips_numbers_outside_training_range(
    encoder, frame, name, value, scaled
):
    matrix = encoder.transform(one_row(frame, **{name: value}))

    assert matrix[0, encoder.names.index(name)] == scaled


@pytest.mark.parametrize("name", ["dti", "employment_years", "fico_score"])
def test_encoder_fills_missing_optional_with_training_median(encoder, frame, name):
    median = encoder.scaled[name][0]

    blank = encoder.transform(one_row(frame, **{name: np.nan}))
    filled = encoder.transform(one_row(frame, **{name: median}))

    np.testing.assert_array_equal(blank, filled)


def test_encoder_folds_rare_purpose_into_other(encoder, frame):
    shares = frame["purpose"].value_counts(normalize=True)
    rare = shares[shares < RARE_SHARE].index.tolist()

    assert "renewable_energy" in rare
    assert set(encoder.nominal["purpose"]).isdisjoint(rare)
    assert "other" in encoder.nominal["purpose"]
    assert "OTHER" in encoder.nominal["home_ownership"]


@pytest.mark.parametrize(
    ("name", "value", "fold"),
    [
        ("purpose", "renewable_energy", "other"),  # valid, folded as rare
        ("purpose", "solar_panels", "other"),  # never seen at all
        ("home_ownership", "CASTLE", "OTHER"),
    ],
)
def test_encoder_unseen_category_scored_as_fold_level_with_warning(
    encoder, frame, caplog, name, value, fold
):
    with caplog.at_level(logging.WARNING, logger="xl_risk.features"):
        unseen = encoder.transform(one_row(frame, **{name: value}))
    folded = encoder.transform(one_row(frame, **{name: fold}))

    np.testing.assert_array_equal(unseen, folded)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert name in warnings[0].getMessage()
    assert value in warnings[0].getMessage()
    assert f"'{fold}'" in warnings[0].getMessage()


def test_encoder_unseen_category_without_fold_level_uses_most_frequent(caplog):
    frame = pd.DataFrame(
        {
            "principal": [1000.0, 2000.0, 3000.0, 4000.0],
            "installment": [30.0, 60.0, 90.0, 120.0],
            "annual_income": [40e3, 50e3, 60e3, 70e3],
            "term_months": [36.0, 60.0, 36.0, 36.0],
            "derogatory_records": [0.0, 1.0, 0.0, 0.0],
            "grade": ["A", "B", "C", "D"],
            "home_ownership": ["RENT", "RENT", "OWN", "RENT"],
            "income_verification": ["Verified"] * 3 + ["Not Verified"],
            "purpose": ["car"] * 4,
        }
    )
    encoder = Encoder().fit(frame, RARE_SHARE)
    columns = {name: frame[name].to_numpy()[:1] for name in frame.columns}
    columns["income_verification"] = np.array(["Source Verified"], dtype=object)

    with caplog.at_level(logging.WARNING, logger="xl_risk.features"):
        matrix = encoder.transform(columns)

    assert encoder.fallback["income_verification"] == "Verified"
    assert matrix[0, encoder.names.index("income_verification=Verified")] == 1.0
    assert "Source Verified" in caplog.text


def test_encoder_job_title_given_reads_training_and_scoring_rows_alike(encoder):
    # Training rows come from the prepared frame, scored rows straight from the
    # schema: a blank job title must give the same feature value on both paths.
    table = read_table(make_portfolio(n_loans=500, seed=8))
    frame = prepare_training(table, TrainingConfig())[0]
    kept = np.isin(table.columns["loan_id"].values, frame["loan_id"].to_numpy())
    scored = {name: col.values[kept] for name, col in table.columns.items()}
    blank = np.array([title is None for title in scored["job_title"]])
    given = encoder.names.index("job_title_given")

    trained = encoder.transform(columns_of(frame))[:, given]
    served = encoder.transform(scored)[:, given]

    assert 0 < blank.sum() == frame["job_title"].isna().sum()
    np.testing.assert_array_equal(served, (~blank).astype(float))
    np.testing.assert_array_equal(trained, served)


def test_encoder_one_row_equals_same_row_in_batch(encoder, frame):
    batch = frame.iloc[: 3 * SMALL_BATCH]  # above the small-batch path
    matrix = encoder.transform(columns_of(batch))

    for i in range(len(batch)):
        alone = encoder.transform(columns_of(batch.iloc[[i]]))
        np.testing.assert_array_equal(alone[0], matrix[i], err_msg=f"row {i}")


def ratio_of(encoder: Encoder, frame: pd.DataFrame, income: float) -> float:
    """The scaled payment-to-income of the first row, given this income."""
    columns = {name: frame[name].to_numpy()[:1] for name in frame.columns}
    columns["annual_income"] = np.array([income])
    matrix = encoder.transform(columns, quiet=True)
    return float(matrix[0, encoder.names.index("payment_to_income")])


def test_encoder_zero_income_is_the_heaviest_payment_burden(encoder, frame):
    assert ratio_of(encoder, frame, 0.0) == 1.0
    assert ratio_of(encoder, frame, 0.0) >= ratio_of(encoder, frame, 1000.0)


def test_encoder_fit_with_zero_income_keeps_a_finite_range(frame):
    zero = frame.copy()
    zero.loc[zero.index[0], "annual_income"] = 0.0

    fitted = Encoder().fit(zero, RARE_SHARE)

    low, high = fitted.scaled["payment_to_income"][1:]
    assert np.isfinite([low, high]).all()
    assert ratio_of(fitted, zero, 0.0) == 1.0
