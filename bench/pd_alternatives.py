"""How far the PD model's discrimination moves with the split and the features.

Usage::

    python bench/pd_alternatives.py [--data FILE] [--seeds 10] [--repeats 2]

Two tables, on the in-time loans (the out-of-time months never enter):

1. The shipped PD specification (the encoder, logistic regression with C = 1
   and an L1 penalty, as tuned on the Lending Club file) refitted on ``--seeds``
   different random test splits: random-test and out-of-time AUC of each, so
   one split's AUC can be read against its spread.
2. Alternatives to the min-max scaled numeric inputs, each fitted inside the
   folds of a stratified 5-fold cross-validation repeated ``--repeats`` times,
   as the difference in mean CV AUC to the shipped encoding: cubic splines on
   quantile knots, and weight of evidence on quantile bins, monotone or not.

Both models stay logistic regressions; the numbers say whether a different
shape of the same inputs would add discrimination.

3. The ceiling: a LightGBM classifier (not interpretable, never shipped) on
   the shipped design matrix, on every column of the file known when the
   borrower applies (``APPLICATION_COLUMNS``, none of them in
   ``schema.LEAKAGE_COLUMNS``), and on those plus the borrower's state. Each
   is scored on the shipped random test split (seed 42), the out-of-time
   split and by 5-fold CV on the in-time loans. Where a flexible model on
   every input reaches no higher AUC than the logistic regression, the data
   holds no more discrimination for any PD model to find.
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer

from xl_risk.config import TrainingConfig
from xl_risk.features import Encoder
from xl_risk.intake import read_history
from xl_risk.quality import prepare_training
from xl_risk.schema import LEAKAGE_COLUMNS
from xl_risk.training import split

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "lending_club_2007_2011.csv.gz"
FOLDS = 5
SHIPPED = {"C": 1.0, "l1_ratio": 1.0}
WOE_PRIOR_LOANS = 20  # bins are shrunk to the base rate by this many loans

# Lending Club columns known when the borrower applies and filled in this
# vintage (PROVENANCE.md), beyond the schema's inputs: the ceiling's inputs.
APPLICATION_NUMBERS = (
    "loan_amnt", "funded_amnt", "term", "int_rate", "installment", "annual_inc",
    "dti", "delinq_2yrs", "fico_range_low", "inq_last_6mths",
    "mths_since_last_delinq", "mths_since_last_record", "open_acc", "pub_rec",
    "revol_bal", "revol_util", "total_acc", "collections_12_mths_ex_med",
    "acc_now_delinq", "chargeoff_within_12_mths", "delinq_amnt",
    "pub_rec_bankruptcies", "tax_liens",
)  # fmt: skip
APPLICATION_CATEGORIES = (
    "grade", "sub_grade", "emp_length", "home_ownership", "verification_status",
    "purpose", "initial_list_status",
)  # fmt: skip
APPLICATION_TEXTS = ("emp_title", "desc", "title")  # used as their length
APPLICATION_COLUMNS = APPLICATION_NUMBERS + APPLICATION_CATEGORIES + APPLICATION_TEXTS
STATE = "addr_state"
CEILING_GBM = {
    "n_estimators": 400,
    "learning_rate": 0.02,
    "num_leaves": 7,
    "min_child_samples": 100,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.7,
    "verbose": -1,
    "n_jobs": 2,
}


class WeightOfEvidence(BaseEstimator, TransformerMixin):
    """Replace numeric columns by the log-odds of their quantile bin."""

    def __init__(self, columns=(), bins=10, monotone=True):
        self.columns = columns
        self.bins = bins
        self.monotone = monotone

    def fit(self, X, y):
        rate = float(np.mean(y))
        base = np.log(rate / (1 - rate))
        self.edges_, self.woe_ = [], []
        for j in self.columns:
            inner = np.linspace(0, 1, self.bins + 1)[1:-1]
            edges = np.unique(np.quantile(X[:, j], inner))
            which = np.searchsorted(edges, X[:, j], side="right")
            loans = np.bincount(which, minlength=edges.size + 1)
            bad = np.bincount(which, weights=y, minlength=edges.size + 1)
            shrunk = (bad + rate * WOE_PRIOR_LOANS) / (loans + WOE_PRIOR_LOANS)
            if self.monotone and edges.size > 1:
                order = np.arange(edges.size + 1)
                rising = np.corrcoef(order, shrunk)[0, 1] >= 0
                shrunk = (
                    IsotonicRegression(increasing=bool(rising))
                    .fit(order, shrunk, sample_weight=loans)
                    .predict(order)
                )
            self.edges_.append(edges)
            self.woe_.append(np.log(shrunk / (1 - shrunk)) - base)
        return self

    def transform(self, X):
        X = np.array(X, dtype=float)
        for j, edges, woe in zip(self.columns, self.edges_, self.woe_, strict=True):
            X[:, j] = woe[np.searchsorted(edges, X[:, j], side="right")]
        return X


def _logistic(seed: int) -> LogisticRegression:
    return LogisticRegression(
        solver="saga", max_iter=2000, random_state=seed, **SHIPPED
    )


def across_splits(frame, seeds: int) -> list[tuple[int, float, float]]:
    y = frame["bad"].to_numpy().astype(int)
    rows = []
    for seed in range(seeds):
        config = TrainingConfig(seed=seed)
        parts = split(frame, config)
        encoder = Encoder().fit(frame.iloc[parts.train], config.rare_share)
        matrix = encoder.transform({c: frame[c].to_numpy() for c in frame}, quiet=True)
        model = _logistic(seed).fit(matrix[parts.train], y[parts.train])
        p = model.predict_proba(matrix)[:, 1]
        test = roc_auc_score(y[parts.test], p[parts.test])
        oot = roc_auc_score(y[parts.oot], p[parts.oot])
        rows.append((seed, test, oot))
        print(f"  split seed {seed}: random test {test:.4f}, out of time {oot:.4f}")
    return rows


def alternatives(frame, repeats: int) -> dict[str, float]:
    config = TrainingConfig()
    parts = split(frame, config)
    in_time = np.concatenate([parts.train, parts.test])
    encoder = Encoder().fit(frame.iloc[parts.train], config.rare_share)
    matrix = encoder.transform({c: frame[c].to_numpy() for c in frame}, quiet=True)
    matrix, y = matrix[in_time], frame["bad"].to_numpy().astype(int)[in_time]
    numeric = list(range(len(encoder.scaled)))

    def splines(knots):
        step = SplineTransformer(n_knots=knots, degree=3, knots="quantile")
        return ColumnTransformer([("s", step, numeric)], remainder="passthrough")

    pipelines = {
        "shipped: min-max scaled": [],
        "cubic splines, 4 quantile knots": [splines(4)],
        "cubic splines, 6 quantile knots": [splines(6)],
        "weight of evidence, 10 bins, monotone": [WeightOfEvidence(numeric)],
        "weight of evidence, 10 bins": [WeightOfEvidence(numeric, monotone=False)],
        "weight of evidence, 20 bins, monotone": [WeightOfEvidence(numeric, 20)],
    }
    found = {}
    for name, steps in pipelines.items():
        scores = [
            cross_val_score(
                make_pipeline(*steps, _logistic(seed)),
                matrix,
                y,
                cv=StratifiedKFold(FOLDS, shuffle=True, random_state=seed),
                scoring="roc_auc",
                n_jobs=2,
            ).mean()
            for seed in range(repeats)
        ]
        found[name] = float(np.mean(scores))
        print(f"  {name}: CV AUC {found[name]:.4f}")
    return found


def application_inputs(path: Path, loan_ids: pd.Series) -> pd.DataFrame:
    """Every application-time column of the file, in the order of ``loan_ids``."""
    raw = pd.read_csv(
        path, low_memory=False, parse_dates=["issue_d", "earliest_cr_line"]
    )
    raw = raw.set_index(raw["id"].astype(str)).loc[loan_ids.astype(str)]
    inputs = raw[list(APPLICATION_NUMBERS)].astype(float)
    inputs["credit_history_days"] = (raw["issue_d"] - raw["earliest_cr_line"]).dt.days
    for name in APPLICATION_CATEGORIES + (STATE,):
        inputs[name] = raw[name].astype("category")
    for name in APPLICATION_TEXTS:
        inputs[f"{name}_length"] = raw[name].fillna("").str.len()
    return inputs.reset_index(drop=True)


def _ceiling_model(flexible: bool, seed: int):
    if flexible:
        return LGBMClassifier(**CEILING_GBM, random_state=seed)
    return _logistic(seed)


def ceiling(frame, path: Path) -> dict[str, tuple[float, float, float]]:
    config = TrainingConfig()
    parts = split(frame, config)
    in_time = np.concatenate([parts.train, parts.test])
    y = frame["bad"].to_numpy().astype(int)
    encoder = Encoder().fit(frame.iloc[parts.train], config.rare_share)
    shipped = encoder.transform({c: frame[c].to_numpy() for c in frame}, quiet=True)
    columns = application_inputs(path, frame["loan_id"])
    leaks = set(APPLICATION_COLUMNS + (STATE,)) & set(LEAKAGE_COLUMNS)
    assert not leaks, f"ceiling inputs known only after issue: {sorted(leaks)}"

    inputs = {
        "logistic regression (shipped), the shipped inputs": (False, shipped),
        "LightGBM, the shipped inputs": (True, pd.DataFrame(shipped)),
        "LightGBM, every application column": (True, columns.drop(columns=STATE)),
        "LightGBM, every application column and the state": (True, columns),
    }
    found = {}
    for name, (flexible, matrix) in inputs.items():
        rows = matrix.iloc if isinstance(matrix, pd.DataFrame) else matrix
        model = _ceiling_model(flexible, config.seed)
        p = model.fit(rows[parts.train], y[parts.train]).predict_proba(matrix)[:, 1]
        cv = cross_val_score(
            _ceiling_model(flexible, config.seed),
            rows[in_time],
            y[in_time],
            cv=StratifiedKFold(FOLDS, shuffle=True, random_state=config.seed),
            scoring="roc_auc",
        ).mean()
        found[name] = (
            roc_auc_score(y[parts.test], p[parts.test]),
            roc_auc_score(y[parts.oot], p[parts.oot]),
            float(cv),
        )
        print(f"  {name}: random test {found[name][0]:.4f}, CV {cv:.4f}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    frame, _ = prepare_training(read_history(args.data), TrainingConfig())
    print(f"{args.data.name}: {len(frame):,} loans")
    rows = across_splits(frame, args.seeds)
    found = alternatives(frame, args.repeats)
    tops = ceiling(frame, args.data)

    tests = [test for _, test, _ in rows]
    oots = [oot for _, _, oot in rows]
    print(f"\nShipped PD on {args.seeds} random splits")
    print("| AUC | median | min | max |\n| --- | --- | --- | --- |")
    for name, values in (("random test", tests), ("out of time", oots)):
        print(f"| {name} | {statistics.median(values):.4f} | {min(values):.4f} "
              f"| {max(values):.4f} |")  # fmt: skip
    shipped = found["shipped: min-max scaled"]
    print(f"\nNumeric inputs, {FOLDS}-fold CV AUC x {args.repeats} on in-time loans")
    print("| encoding | CV AUC | against shipped |\n| --- | --- | --- |")
    for name, auc in found.items():
        print(f"| {name} | {auc:.4f} | {auc - shipped:+.4f} |")

    print(f"\nCeiling: random test (seed {TrainingConfig().seed}), out of time, "
          f"{FOLDS}-fold CV on in-time loans")  # fmt: skip
    print("| model, inputs | random test | out of time | CV AUC |")
    print("| --- | --- | --- | --- |")
    for name, (test, oot, cv) in tops.items():
        print(f"| {name} | {test:.4f} | {oot:.4f} | {cv:.4f} |")


if __name__ == "__main__":
    main()
