"""No column known only after issue, and no identifier, ever becomes a predictor.

For every column of ``schema.LEAKAGE_COLUMNS`` a training file carrying it,
filled with values that predict default perfectly, must train a bundle with
the same features and the same PDs as the file without it; or, when it is a
second name of a field the file already holds, be refused.
"""

import numpy as np
import pandas as pd
import pytest

from retrain import retrain
from xl_risk import bundle as bundles
from xl_risk import training
from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.intake import DataError
from xl_risk.samples import sample_applications
from xl_risk.schema import BAD_STATUSES, INPUT_NAMES, LEAKAGE_COLUMNS, resolve
from xl_risk.scoring import score

HISTORY_LOANS = 2000
HISTORY_SEED = 5
PERFECT_OFFSET = 1_000_000  # above every row number: bad loans alone exceed it
# Columns the targets or the time split need: the file keeps them, and the
# comparison renames them to their other alias instead of removing them.
NEEDED = {
    "loan_status": "estado",
    "total_rec_prncp": "imp_amortizado",
    "recoveries": "imp_recuperado",
    "issue_d": "fecha_emision",
}
# Leakage columns that are a second name of a field: beside the first, a
# file holding both is refused, so they never reach training at all.
SECOND_NAMES = {
    "estado": "loan_status",
    "imp_amortizado": "total_rec_prncp",
    "imp_recuperado": "recoveries",
    "id_prestamo": "id",
    "id_cliente": "member_id",
}
DERIVED_FROM = {
    "payment_to_income": {"installment", "annual_income"},
    "term_60_months": {"term_months"},
    "has_derogatory_record": {"derogatory_records"},
    "job_title_given": {"job_title"},
}


@pytest.fixture(scope="module")
def fast_config():
    """Tiny search grids in one process: under a second per training."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "PD_GRID", {"C": [1.0], "l1_ratio": [0.0]})
        patch.setattr(training, "LGBM_GRID", {"n_estimators": [20], "num_leaves": [7]})
        patch.setattr(training, "PARALLEL_JOBS", 1)
        yield TrainingConfig(cv_folds=2, min_bad_loans=50, pd_auc_floor=0.5)


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """Demo loans without any leakage column the targets and split do not need."""
    loans = make_portfolio(n_loans=HISTORY_LOANS, seed=HISTORY_SEED)
    leaks = [c for c in LEAKAGE_COLUMNS if c in loans and c not in NEEDED]
    return loans.drop(columns=leaks)


@pytest.fixture(scope="module")
def applications(history) -> pd.DataFrame:
    inputs = history.drop(columns=list(NEEDED))
    return pd.concat([sample_applications(), inputs.head(200)], ignore_index=True)


@pytest.fixture(scope="module")
def train_file(tmp_path_factory, fast_config):
    """Train on a frame written as CSV; return the loaded bundle."""
    root = tmp_path_factory.mktemp("leakage")

    def train_on(frame: pd.DataFrame, name: str) -> bundles.Bundle:
        path = root / f"{name}.csv"
        frame.to_csv(path, index=False)
        models_dir = root / f"models-{name}"
        outcome = retrain(path, models_dir=models_dir, config=fast_config)
        return bundles.load(models_dir / outcome.version)

    return train_on


@pytest.fixture(scope="module")
def baseline(history, train_file):
    return train_file(history, "baseline")


def perfect_predictor(history: pd.DataFrame) -> np.ndarray:
    """Unique per loan and above PERFECT_OFFSET exactly for the bad loans."""
    bad = history["loan_status"].isin(BAD_STATUSES).to_numpy()
    return bad * PERFECT_OFFSET + np.arange(len(history))


def with_column(history: pd.DataFrame, column: str) -> pd.DataFrame:
    """The history with ``column`` present and predicting default perfectly.

    A needed column is already there and already reveals the outcome.
    """
    if column in NEEDED:
        return history
    return history.assign(**{column: perfect_predictor(history)})


def without_column(history: pd.DataFrame, column: str) -> pd.DataFrame:
    """The history without ``column`` (a needed one is renamed to its alias)."""
    if column in NEEDED:
        return history.rename(columns={column: NEEDED[column]})
    return history


def inputs_behind(features: list[str]) -> set[str]:
    bases = {feature.split("=", 1)[0] for feature in features}
    return set().union(*(DERIVED_FROM.get(base, {base}) for base in bases))


def assert_same_scores(got, expected) -> None:
    assert np.isfinite(expected.pd).all()
    np.testing.assert_array_equal(got.pd, expected.pd)  # training is seeded
    np.testing.assert_array_equal(got.ead, expected.ead)
    np.testing.assert_array_equal(got.lgd, expected.lgd)


def test_perfect_predictor_separates_bad_from_good_loans(history):
    values = perfect_predictor(history)
    bad = history["loan_status"].isin(BAD_STATUSES).to_numpy()

    assert 0 < bad.sum() < len(bad)
    assert len(np.unique(values)) == len(values)
    np.testing.assert_array_equal(values >= PERFECT_OFFSET, bad)


def test_baseline_encoder_inputs_are_input_fields_only(baseline):
    assert bundles.read_manifest(baseline.path)["features"] == baseline.encoder.names
    assert baseline.pd_model.feature_names == baseline.encoder.names
    assert inputs_behind(baseline.encoder.names) <= set(INPUT_NAMES)


def one_name_per_field(history: pd.DataFrame) -> list[str]:
    """The leakage columns, less any naming a field already named before it."""
    named = {resolve(c).name for c in history if resolve(c)}
    kept = []
    for column in LEAKAGE_COLUMNS:
        field = resolve(column)
        if field is not None and column not in history and field.name in named:
            continue
        kept.append(column)
        if field is not None:
            named.add(field.name)
    return kept


@pytest.mark.parametrize(
    "column", [c for c in LEAKAGE_COLUMNS if c not in NEEDED.values()]
)  # a second name of a needed column is refused: see the test below
def test_leakage_column_neither_feature_nor_influence_on_pd(
    history, applications, baseline, train_file, column
):
    present = train_file(with_column(history, column), f"with-{column}")
    absent = (
        train_file(without_column(history, column), f"without-{column}")
        if column in NEEDED
        else baseline
    )

    field = resolve(column)
    names = present.encoder.names
    assert names == absent.encoder.names
    assert present.pd_model.feature_names == names
    assert column not in {feature.split("=", 1)[0] for feature in names}
    assert field is None or field.name not in inputs_behind(names)
    assert_same_scores(score(present, applications), score(absent, applications))


def test_every_leakage_column_at_once_leaves_the_bundle_unchanged(
    history, applications, baseline, train_file
):
    leaky = history.copy()
    for column in one_name_per_field(history):
        leaky = with_column(leaky, column)
    assert set(LEAKAGE_COLUMNS) - set(leaky.columns) == set(SECOND_NAMES)

    bundle = train_file(leaky, "all-leaks")

    assert bundle.encoder.names == baseline.encoder.names
    assert_same_scores(score(bundle, applications), score(baseline, applications))


@pytest.mark.parametrize(("column", "first"), SECOND_NAMES.items())
def test_leakage_column_beside_its_field_first_name_is_refused(
    history, train_file, column, first
):
    both = with_column(with_column(history, first), column)
    label = resolve(column).label

    with pytest.raises(
        DataError, match=rf"{label}: expected one column, got 2 \('{first}' and "
    ):
        train_file(both, f"both-{column}")


def test_retrain_same_file_and_seed_gives_identical_pd(
    history, applications, baseline, train_file
):
    again = train_file(history, "baseline-again")

    np.testing.assert_array_equal(again.pd_model.coef, baseline.pd_model.coef)
    np.testing.assert_array_equal(
        score(again, applications).pd, score(baseline, applications).pd
    )
