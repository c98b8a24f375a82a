"""Validate a bundle on a loan history with outcomes.

The history is cleaned and its targets built exactly as for training
(``quality.prepare_training`` with the bundle's own training configuration),
then scored, and judged with the statistics of :mod:`xl_risk.validation`:

PD discrimination
    AUC with its 95% DeLong interval, Gini, KS.
PD calibration
    Brier score against the Brier score of the observed default rate;
    Hosmer-Lemeshow over PD deciles; per grade, the one-sided binomial and
    Jeffreys tests that the mean PD does not understate the observed default
    rate, passed when the p-value is at least ``1 - level`` (level 0.99).
EAD and LGD
    Mean absolute error of the model against predicting the mean, overall
    and per decile of prediction, on bad loans (EAD and LGD as fractions:
    of principal, and of exposure).

Validating on the file a bundle was trained on measures, for most rows,
loans the models learnt from; ``split="test"`` or ``"oot"`` keeps only the
rows of the random test or out-of-time split, rebuilt with the training
configuration (the same rows only when the file and the configuration are
the ones the bundle was trained with).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from xl_risk.bundle import Bundle
from xl_risk.config import TrainingConfig
from xl_risk.intake import DataError
from xl_risk.parsing import Table
from xl_risk.quality import prepare_training
from xl_risk.training import split as split_rows
from xl_risk.validation import (
    DEFAULT_LEVEL,
    DEFAULT_TEST_LEVEL,
    MIN_CLASS_SIZE_FOR_CI,
    pd_validation,
    regression_error_by_decile,
)

log = logging.getLogger(__name__)

SPLITS = ("all", "test", "oot")
HL_GROUPS = 10
BLANK_GRADE = "blank"


def training_config(bundle: Bundle) -> TrainingConfig:
    """The configuration the bundle was trained with (defaults if unrecorded)."""
    recorded = bundle.manifest.get("config")
    return TrainingConfig(**recorded) if recorded else TrainingConfig()


def _rows(frame: pd.DataFrame, config: TrainingConfig, split: str) -> pd.DataFrame:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}.")
    if split == "all":
        return frame
    parts = split_rows(frame, config)
    chosen = parts.test if split == "test" else parts.oot
    return frame.iloc[chosen].reset_index(drop=True)


def _check_outcomes(y: np.ndarray, split: str) -> None:
    """Refuse loans whose outcomes cannot measure discrimination (one class)."""
    bad = int(y.sum())
    good = int(y.size) - bad
    if min(bad, good) < MIN_CLASS_SIZE_FOR_CI:
        where = "" if split == "all" else f" in the {split} split"
        raise DataError(
            f"validation needs at least {MIN_CLASS_SIZE_FOR_CI} bad and "
            f"{MIN_CLASS_SIZE_FOR_CI} good finished loans{where}, got {bad:,} bad "
            f"and {good:,} good"
        )


def _fraction_errors(actual: np.ndarray, predicted: np.ndarray, mean: float):
    """Overall errors and the by-decile table of an EAD or LGD model."""
    if actual.size == 0:
        return {"loans": 0}, pd.DataFrame()
    summary = {
        "loans": int(actual.size),
        "mae_model": float(np.mean(np.abs(actual - predicted))),
        "mae_mean": float(np.mean(np.abs(actual - actual.mean()))),
        "mae_training_mean": float(np.mean(np.abs(actual - mean))),
        "mean_actual": float(actual.mean()),
        "mean_predicted": float(predicted.mean()),
    }
    deciles = min(HL_GROUPS, actual.size)
    return summary, regression_error_by_decile(actual, predicted, deciles)


def validate(
    bundle: Bundle, table: Table, split: str = "all", level: float = DEFAULT_TEST_LEVEL
) -> dict:
    """Discrimination and calibration of PD, and EAD and LGD errors.

    Parameters
    ----------
    bundle : Bundle
    table : Table
        A loan history with outcomes, as ``intake.read_history`` reads it.
    split : {"all", "test", "oot"}, default "all"
        All finished loans, or only the rows of the training run's random
        test or out-of-time split.
    level : float, default 0.99
        Confidence level of the per-grade tests, a fraction in (0, 1).

    Returns
    -------
    dict
        ``pd`` (dict of numbers), ``hosmer_lemeshow``, ``binomial`` and
        ``jeffreys`` (DataFrames), ``ead`` and ``lgd`` (dicts holding
        ``summary`` and ``by_decile``), ``rows`` (what was used) and
        ``level``.

    Raises
    ------
    DataError
        No finished loans, or fewer than 2 bad or 2 good ones among those
        used (the AUC's confidence interval needs both).
    """
    config = training_config(bundle)
    frame, quality = prepare_training(table, config)
    frame = _rows(frame, config, split)
    _check_outcomes(frame["bad"].to_numpy().astype(int), split)

    matrix = bundle.encoder.transform({c: frame[c].to_numpy() for c in frame})
    y = frame["bad"].to_numpy().astype(int)
    p = bundle.pd_model.predict(matrix)
    grade = frame["grade"].fillna(BLANK_GRADE).to_numpy()

    found = pd_validation(y, p, grade, level, HL_GROUPS)
    hl = found.hosmer_lemeshow
    pd_summary = {
        "loans": found.loans, "bad_loans": found.bad_loans,
        "default_rate": found.default_rate, "mean_pd": found.mean_pd,
        "auc": found.auc.auc, "auc_low": found.auc.low, "auc_high": found.auc.high,
        "auc_level": DEFAULT_LEVEL, "gini": found.gini, "ks": found.ks,
        "brier": found.brier, "brier_base_rate": found.brier_base_rate,
        "hl_statistic": hl.statistic, "hl_dof": hl.dof, "hl_p_value": hl.p_value,
    }  # fmt: skip

    bad = y == 1
    ead_summary, ead_deciles = _fraction_errors(
        frame["ead"].to_numpy()[bad],
        bundle.ead_model.predict(matrix[bad]),
        bundle.ead_model.mean,
    )
    lgd_rows = bad & frame["lgd"].notna().to_numpy()
    lgd_summary, lgd_deciles = _fraction_errors(
        frame["lgd"].to_numpy()[lgd_rows],
        bundle.lgd_model.predict(matrix[lgd_rows]),
        bundle.lgd_model.mean,
    )
    log.info("validated %s on %s loans (%s)", bundle.version, f"{y.size:,}", split)
    return {
        "rows": {
            "read": quality.rows_read,
            "finished": quality.rows_used,
            "used": int(y.size),
            "split": split,
        },  # fmt: skip
        "level": level,
        "pd": pd_summary,
        "hosmer_lemeshow": hl.table,
        "binomial": found.binomial,
        "jeffreys": found.jeffreys,
        "ead": {"summary": ead_summary, "by_decile": ead_deciles},
        "lgd": {"summary": lgd_summary, "by_decile": lgd_deciles},
    }
