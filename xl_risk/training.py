"""Fit the PD, EAD and LGD models and evaluate them on two held-out splits."""

from __future__ import annotations

import logging
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lightgbm import LGBMRegressor
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

from xl_risk.config import TrainingConfig
from xl_risk.estimators import FractionModel, PDModel
from xl_risk.evaluation import evaluate_fraction, evaluate_pd
from xl_risk.features import Encoder
from xl_risk.intake import DataError, field_names
from xl_risk.schema import BY_NAME

log = logging.getLogger(__name__)

PD_GRID = {"C": [0.01, 0.1, 1.0, 10.0], "l1_ratio": [0.0, 0.5, 1.0]}
PD_MAX_ITER = 2000
LGBM_GRID = {"n_estimators": [60, 150], "num_leaves": [7, 15]}
LGBM_FIXED = {
    "learning_rate": 0.05,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "verbose": -1,
    "n_jobs": 1,
}
RIDGE_GRID = {"alpha": [0.1, 1.0, 10.0]}
LASSO_GRID = {"alpha": [1e-4, 1e-3, 1e-2]}
REGRESSION_FOLDS = 3
PARALLEL_JOBS = 2
OOT_BY_DATE = "issue date"  # how the out-of-time split was drawn
OOT_BY_FILE_ORDER = "file order"


@contextmanager
def phase(name: str, timings: dict[str, float]):
    """Log a training phase with its wall time."""
    log.info("%s ...", name)
    start = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - start, 2)
    log.info("%s done in %.1f s", name, timings[name])


@dataclass
class Splits:
    """Row positions of the three parts of a training frame.

    ``oot_split`` is how the out-of-time rows were chosen, ``OOT_BY_DATE`` or
    ``OOT_BY_FILE_ORDER``; ``undated`` says which loans have no issue date
    (for file order: why there were none to split by), '' when all have one.
    """

    train: np.ndarray
    test: np.ndarray
    oot: np.ndarray
    oot_from: str
    oot_split: str = OOT_BY_DATE
    undated: str = ""


def undated(frame: pd.DataFrame) -> str:
    """Why ``frame`` has no issue date for every loan, or '' when it has."""
    dates = frame.get("issue_date")
    if dates is None:
        return f"no column for {field_names(BY_NAME['issue_date'])}"
    missing = int(pd.Series(dates).isna().sum())
    if missing == len(frame):
        return "every issue date is blank"
    if missing:
        return f"{missing:,} of {len(frame):,} loans have no issue date"
    return ""


def split(frame: pd.DataFrame, config: TrainingConfig) -> Splits:
    """Out-of-time split on the latest issue months, then a random test split.

    Loans without an issue date cannot be placed in time: when some have one,
    the dated loans are split by date and the undated ones stay in time
    (training and the random test). With no issue date at all, the last
    ``config.oot_share_without_dates`` of the rows, in file order, stand in
    for the latest months: right only when the file is in issue order, as
    Lending Club publishes it. :func:`train` warns in both cases.
    """
    n = len(frame)
    why = undated(frame)
    dates = frame.get("issue_date")
    if dates is not None and pd.Series(dates).notna().any():
        months = pd.Series(dates).dt.to_period("M")
        cut = months.max() - (config.oot_months - 1)
        is_oot = (months >= cut).fillna(False).to_numpy(dtype=bool)
        oot_from, oot_split = str(cut), OOT_BY_DATE
    else:
        share = config.oot_share_without_dates
        is_oot = np.arange(n) >= int(n * (1 - share))
        oot_from = f"the last {share:.0%} of rows in file order"
        oot_split = OOT_BY_FILE_ORDER

    rng = np.random.default_rng(config.seed)
    in_time = np.flatnonzero(~is_oot)
    test = np.sort(rng.choice(in_time, int(len(in_time) * config.test_share), False))
    train = np.setdiff1d(in_time, test)
    return Splits(train, test, np.flatnonzero(is_oot), oot_from, oot_split, why)


def _all_out_of_time(frame: pd.DataFrame, parts: Splits, config: TrainingConfig) -> str:
    """Why the out-of-time split took every loan, and what changes it."""
    if parts.oot_split == OOT_BY_FILE_ORDER:
        return (
            f"the out-of-time split (the last {config.oot_share_without_dates:.0%} "
            "of rows, the file having no issue dates) leaves no loans to train on: "
            "give more loans, or lower oot_share_without_dates in TrainingConfig"
        )
    months = frame["issue_date"].dt.to_period("M")
    first, last = months.min(), months.max()
    cut = parts.oot_from
    window = (
        f"the out-of-time window (the latest {config.oot_months} issue months, "
        f"{cut} to {last}, set by oot_months in TrainingConfig)"
    )
    if first == last:
        return (
            f"every loan was issued in {last}, so {window} leaves no loans to "
            f"train on: give loans issued before {cut}"
        )
    spanned = (last - first).n + 1
    return (
        f"loans were issued {first} to {last}, so {window} leaves no loans to "
        f"train on: give loans issued before {cut}, or set oot_months below "
        f"{spanned}"
    )


def check_training_rows(
    frame: pd.DataFrame, parts: Splits, config: TrainingConfig
) -> None:
    """Refuse a training split the models cannot learn from, saying why.

    Raises
    ------
    DataError
        No row left to train on after the out-of-time split; fewer good
        (non-defaulted) loans than cross-validation folds; or fewer bad loans
        than ``config.min_bad_loans``.
    """
    if parts.train.size == 0:
        raise DataError(_all_out_of_time(frame, parts, config))

    bad = frame["bad"].to_numpy()[parts.train] == 1
    good = int((~bad).sum())
    if good < config.cv_folds:
        what = "has no good" if good == 0 else "has too few good"
        raise DataError(
            f"the training split {what} (non-defaulted) loans for the PD model: "
            f"expected at least {config.cv_folds} (one per cross-validation "
            f"fold), got {good}"
        )
    if bad.sum() < config.min_bad_loans:
        raise DataError(
            f"too few defaulted loans to fit EAD and LGD: expected at least "
            f"{config.min_bad_loans} in the training split, got {int(bad.sum())}"
        )


def _search(search: GridSearchCV, matrix: np.ndarray, target: np.ndarray) -> None:
    """Cross-validate a grid without printing convergence warnings.

    The folds run in worker processes, which print a warning to the terminal
    rather than to our log; a fold that stops early only blurs its score. The
    model kept is fitted again by :func:`_refit`, whose warnings are logged.
    """
    # TODO: other warnings raised in the worker processes still reach their
    # stderr; logging them needs each worker to hand its caught warnings back.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # workers inherit it
        search.fit(matrix, target)


def _refit(search: GridSearchCV, matrix, target, model: str):
    """Fit the search's best parameters on every row, in this process.

    Warnings raised meanwhile (a solver stopping at its iteration limit, say)
    are logged once, as one WARNING naming ``model``, never printed with
    their source line.
    """
    final = clone(search.estimator).set_params(**search.best_params_)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        final.fit(matrix, target)

    messages = dict.fromkeys(
        f"{w.category.__name__}: {' '.join(str(w.message).split())}" for w in caught
    )
    if messages:
        log.warning("while fitting the %s: %s", model, "; ".join(messages))
    return final


def fit_pd(matrix: np.ndarray, bad: np.ndarray, config: TrainingConfig, names):
    """Logistic regression, penalty mix and C tuned by stratified CV on AUC."""
    search = GridSearchCV(
        LogisticRegression(
            solver="saga", max_iter=PD_MAX_ITER, random_state=config.seed
        ),
        PD_GRID,
        scoring="roc_auc",
        cv=StratifiedKFold(config.cv_folds, shuffle=True, random_state=config.seed),
        n_jobs=PARALLEL_JOBS,
        refit=False,
    )
    _search(search, matrix, bad)
    best = search.best_params_
    final = _refit(
        search, matrix, bad,
        f"PD model (logistic regression, C {best['C']:g}, "
        f"L1 share {best['l1_ratio']:g})",
    )  # fmt: skip
    results = pd.DataFrame(search.cv_results_)
    table = [
        {
            "C": row["param_C"],
            "l1_ratio": row["param_l1_ratio"],
            "cv_auc": round(row["mean_test_score"], 4),
        }
        for _, row in results.iterrows()
    ]
    log.info("PD best C %g, L1 share %g; CV AUC %.4f",
             best["C"], best["l1_ratio"], search.best_score_)  # fmt: skip
    model = PDModel.from_estimator(final, names)
    return model, {"best": search.best_params_, "cv_auc": search.best_score_,
                   "grid": table}  # fmt: skip


def _candidates(config: TrainingConfig) -> dict[str, tuple[object, dict]]:
    seed = {"random_state": config.seed}
    return {
        "lightgbm": (LGBMRegressor(**LGBM_FIXED, **seed), LGBM_GRID),
        "ridge": (Ridge(), RIDGE_GRID),
        "lasso": (Lasso(max_iter=5000), LASSO_GRID),
        "mean": (DummyRegressor(strategy="mean"), {}),
    }


def fit_fraction(
    matrix: np.ndarray, target: np.ndarray, config: TrainingConfig, what: str = ""
):
    """Compare LightGBM, Ridge, Lasso and the mean by CV MAE; keep the winner.

    ``what`` (``EAD``, ``LGD``) names the model in logged warnings.
    """
    cv = KFold(REGRESSION_FOLDS, shuffle=True, random_state=config.seed)
    comparison, searches = [], {}
    for kind, (estimator, grid) in _candidates(config).items():
        search = GridSearchCV(
            estimator, grid or {}, scoring="neg_mean_absolute_error", cv=cv,
            n_jobs=PARALLEL_JOBS, refit=False,
        )  # fmt: skip
        _search(search, matrix, target)
        searches[kind] = search
        comparison.append(
            {"model": kind, "cv_mae": round(-search.best_score_, 5),
             "params": {k: v for k, v in search.best_params_.items()}}
        )  # fmt: skip

    winner = min(comparison, key=lambda row: row["cv_mae"])["model"]
    maes = ", ".join(f"{r['model']} {r['cv_mae']:.5f}" for r in comparison)
    log.info("%s winner %s; CV MAE %s", what or "fraction", winner, maes)
    name = f"{what} model ({winner})".strip()
    final = _refit(searches[winner], matrix, target, name)  # only the winner
    model = FractionModel(winner, final, float(np.mean(target)))
    return model, {"winner": winner, "comparison": comparison}


@dataclass
class TrainedModels:
    """Everything a training run produces, before it is saved."""

    encoder: Encoder
    pd_model: PDModel
    ead_model: FractionModel
    lgd_model: FractionModel
    metrics: dict = field(default_factory=dict)
    tuning: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    window: dict = field(default_factory=dict)
    splits: Splits | None = None


def train(frame: pd.DataFrame, config: TrainingConfig) -> TrainedModels:
    """Fit all three models on a prepared frame (see ``quality.prepare_training``).

    PD learns from every finished loan; EAD and LGD learn only from bad loans.
    Metrics are measured on a random test split and an out-of-time split that
    no model saw.
    """
    timings: dict[str, float] = {}
    parts = split(frame, config)
    check_training_rows(frame, parts, config)
    if parts.oot_split == OOT_BY_FILE_ORDER:
        log.warning(
            "out-of-time split by file order, not by issue date: %s; the last "
            "%s loans of the file stand in for the latest issued, which holds "
            "only if the file is in issue order",
            parts.undated, f"{len(parts.oot):,}",
        )  # fmt: skip
    elif parts.undated:
        log.warning(
            "%s: they cannot be placed in time, so they stay in training and "
            "the random test, never in the out-of-time test",
            parts.undated,
        )
    train_rows = frame.iloc[parts.train]
    bad_train = train_rows["bad"].to_numpy() == 1

    with phase("encode", timings):
        encoder = Encoder().fit(train_rows, config.rare_share)
        matrix = encoder.transform(
            {c: train_rows[c].to_numpy() for c in frame}, quiet=True
        )

    with phase("fit PD", timings):
        y = train_rows["bad"].to_numpy().astype(int)
        pd_model, pd_tuning = fit_pd(matrix, y, config, encoder.names)

    with phase("fit EAD", timings):
        ead_target = train_rows["ead"].to_numpy()[bad_train]
        ead_model, ead_tuning = fit_fraction(
            matrix[bad_train], ead_target, config, "EAD"
        )

    with phase("fit LGD", timings):
        lgd_rows = bad_train & train_rows["lgd"].notna().to_numpy()
        lgd_target = train_rows["lgd"].to_numpy()[lgd_rows]
        lgd_model, lgd_tuning = fit_fraction(
            matrix[lgd_rows], lgd_target, config, "LGD"
        )

    models = TrainedModels(encoder, pd_model, ead_model, lgd_model, timings=timings)
    models.tuning = {"pd": pd_tuning, "ead": ead_tuning, "lgd": lgd_tuning}
    with phase("evaluate", timings):
        models.metrics = evaluate_all(models, frame, parts)
    models.window = _window(frame, parts)
    models.splits = parts
    return models


def _window(frame: pd.DataFrame, parts: Splits) -> dict:
    dates = frame.get("issue_date")
    span = {}
    if dates is not None and dates.notna().any():
        span = {
            "first_issue": str(dates.min().date()),
            "last_issue": str(dates.max().date()),
        }
    by = {"oot_split": parts.oot_split}
    if parts.undated:
        by["undated"] = parts.undated
    return {**span, "rows_train": len(parts.train), "rows_test": len(parts.test),
            "rows_oot": len(parts.oot), "oot_from": parts.oot_from, **by}  # fmt: skip


def evaluate_all(models: TrainedModels, frame: pd.DataFrame, parts: Splits) -> dict:
    """PD, EAD and LGD metrics on the random test and the out-of-time split."""
    metrics = {}
    for name, rows in (("test", parts.test), ("oot", parts.oot)):
        part = frame.iloc[rows]
        matrix = models.encoder.transform(
            {c: part[c].to_numpy() for c in frame}, quiet=True
        )
        bad = part["bad"].to_numpy() == 1
        baseline_ead = models.ead_model.mean
        baseline_lgd = models.lgd_model.mean
        lgd_rows = bad & part["lgd"].notna().to_numpy()
        metrics[name] = {
            "pd": evaluate_pd(
                part["bad"].to_numpy().astype(int),
                models.pd_model.predict(matrix),
                part["grade"].to_numpy(),
            ),
            "ead": evaluate_fraction(
                part["ead"].to_numpy()[bad],
                models.ead_model.predict(matrix[bad]),
                baseline_ead,
            ),
            "lgd": evaluate_fraction(
                part["lgd"].to_numpy()[lgd_rows],
                models.lgd_model.predict(matrix[lgd_rows]),
                baseline_lgd,
            ),
        }
    return metrics
