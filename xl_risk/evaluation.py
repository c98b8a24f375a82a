"""Metrics recorded with every bundle: PD discrimination and calibration,
EAD and LGD error against the mean baseline. Plain dicts, ready for JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error, r2_score

from xl_risk.validation import auc_with_ci, base_rate_brier, brier, gini, ks_statistic

DECILES = 10
PD_CLIP = 1e-15


def _round(value: float, digits: int = 5) -> float:
    return round(float(value), digits)


def gains_table(y: np.ndarray, p: np.ndarray, bins: int = DECILES) -> list[dict]:
    """Cumulative gains, lift and calibration by PD decile, riskiest first.

    Each row: decile (1 = highest PD), loans, bad loans, mean PD, observed
    default rate, cumulative share of all bad loans captured, lift.
    """
    order = np.argsort(-p, kind="stable")
    groups = np.array_split(order, bins)
    total_bad = max(y.sum(), 1)
    base_rate = y.mean()
    rows, captured = [], 0
    for i, rows_in in enumerate(groups, start=1):
        bad = int(y[rows_in].sum())
        captured += bad
        rate = bad / max(len(rows_in), 1)
        rows.append({
            "decile": i,
            "loans": len(rows_in),
            "bad_loans": bad,
            "mean_pd": _round(p[rows_in].mean()),
            "default_rate": _round(rate),
            "cum_bad_share": _round(captured / total_bad),
            "lift": _round(rate / base_rate if base_rate > 0 else np.nan),
        })  # fmt: skip
    return rows


def calibration_by_group(y: np.ndarray, p: np.ndarray, group: np.ndarray) -> list[dict]:
    """Mean predicted PD against observed default rate per group (e.g. grade)."""
    frame = pd.DataFrame({"group": group, "y": y, "p": p})
    table = frame.groupby("group", sort=True).agg(
        loans=("y", "size"), default_rate=("y", "mean"), mean_pd=("p", "mean")
    )
    return [
        {"group": str(g), "loans": int(r.loans),
         "default_rate": _round(r.default_rate), "mean_pd": _round(r.mean_pd)}
        for g, r in table.iterrows()
    ]  # fmt: skip


def roc_points(y: np.ndarray, p: np.ndarray, points: int = 21) -> list[dict]:
    """A thinned ROC curve: false and true positive rates at PD quantiles."""
    cuts = np.quantile(p, np.linspace(1, 0, points))
    bad, good = max(y.sum(), 1), max((1 - y).sum(), 1)
    return [
        {"fpr": _round(((p >= c) & (y == 0)).sum() / good),
         "tpr": _round(((p >= c) & (y == 1)).sum() / bad)}
        for c in cuts
    ]  # fmt: skip


def evaluate_pd(y: np.ndarray, p: np.ndarray, grade: np.ndarray) -> dict:
    """Discrimination and calibration of PDs against observed defaults."""
    auc = auc_with_ci(y, p)
    return {
        "loans": int(len(y)),
        "default_rate": _round(y.mean()),
        "auc": _round(auc.auc, 4),
        "auc_low": _round(auc.low, 4),
        "auc_high": _round(auc.high, 4),
        "gini": _round(gini(auc.auc), 4),
        "ks": _round(ks_statistic(y, p), 4),
        "brier": _round(brier(y, p)),
        "brier_base_rate": _round(base_rate_brier(y)),
        "log_loss": _round(log_loss(y, np.clip(p, PD_CLIP, 1 - PD_CLIP))),
        "gains": gains_table(y, p),
        "calibration_by_grade": calibration_by_group(y, p, grade),
        "roc": roc_points(y, p),
    }


def evaluate_fraction(actual: np.ndarray, predicted: np.ndarray, mean: float) -> dict:
    """MAE, RMSE and R² of a fraction model against the training-mean baseline."""
    if len(actual) == 0:
        return {"loans": 0}
    baseline = np.full(len(actual), mean)
    by_decile = pd.DataFrame({"p": predicted, "a": actual})
    by_decile["decile"] = (
        pd.qcut(by_decile["p"].rank(method="first"), DECILES, labels=False) + 1
    )
    deciles = by_decile.groupby("decile").agg(
        predicted=("p", "mean"), actual=("a", "mean")
    )
    return {
        "loans": int(len(actual)),
        "mae": _round(mean_absolute_error(actual, predicted)),
        "rmse": _round(np.sqrt(mean_squared_error(actual, predicted))),
        "r2": _round(r2_score(actual, predicted)),
        "mae_mean_baseline": _round(mean_absolute_error(actual, baseline)),
        "rmse_mean_baseline": _round(np.sqrt(mean_squared_error(actual, baseline))),
        "r2_mean_baseline": _round(r2_score(actual, baseline)),
        "by_decile": [
            {
                "decile": int(d),
                "predicted": _round(r.predicted),
                "actual": _round(r.actual),
            }
            for d, r in deciles.iterrows()
        ],
    }
