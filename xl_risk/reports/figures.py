"""Numbers the report shows, computed from the bundle and the training frame.

Plain pandas, no openpyxl: each function returns a frame whose columns are the
headers a manager reads. Default rates count bad loans (``bad == 1``) over all
loans of a group; EL comes from :mod:`xl_risk.scoring`, realised loss from the
EL formula of :mod:`xl_risk.targets` with the observed outcome in place of PD.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from xl_risk.bundle import Bundle
from xl_risk.estimators import FractionModel
from xl_risk.model_validation import training_config
from xl_risk.schema import BY_NAME, INPUT_NAMES
from xl_risk.scoring import score
from xl_risk.targets import expected_loss
from xl_risk.training import split

SPLITS = {"test": "Random test", "oot": "Out-of-time test"}
FRAME_COLUMNS = ("principal", "grade", "term_months", "purpose", "bad", "ead", "lgd")
LOANS, BAD, RATE = "Loans", "Bad loans", "Default rate"


@dataclass
class Context:
    """Everything a sheet draws from: the bundle, its frame, the scores."""

    bundle: Bundle
    frame: pd.DataFrame
    scored: pd.DataFrame
    previous: dict | None = None

    @property
    def manifest(self) -> dict:
        return self.bundle.manifest

    @cached_property
    def splits(self) -> dict[str, pd.DataFrame]:
        """The scored loans of each test split (keys of :data:`SPLITS`).

        The splits are rebuilt from the frame with the bundle's training
        configuration: the same loans the bundle was tested on when the frame
        is the one it was trained on.
        """
        parts = split(self.frame, training_config(self.bundle))
        rows = {"test": parts.test, "oot": parts.oot}
        return {key: self.scored.iloc[rows[key]] for key in SPLITS}

    def scored_split(self, key: str) -> pd.DataFrame:
        """A test split's loans that could be scored."""
        rows = self.splits[key]
        return rows[rows["pd_predicted"].notna()]


def check_frame(frame: pd.DataFrame) -> None:
    """Refuse a frame that is not a prepared training frame."""
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            "frame: expected the prepared training frame "
            "(quality.prepare_training) with columns "
            f"{', '.join(FRAME_COLUMNS)}, got one without {', '.join(missing)}."
        )
    if frame.empty:
        raise ValueError("frame: expected at least one loan, got 0 rows.")


def score_loans(bundle: Bundle, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with predicted PD, EAD, LGD, EL and the realised loss.

    Predicted columns are ``pd_predicted``, ``ead_predicted``,
    ``lgd_predicted`` (fractions) and ``expected_loss`` (money); NaN where a
    row could not be scored. ``realised_loss`` is principal x EAD x LGD of bad
    loans as observed, 0 for good ones.
    """
    inputs = frame[[c for c in INPUT_NAMES if c in frame.columns]]
    scores = score(bundle, inputs, quiet=True)  # training loans: folds are known

    out = frame.copy()
    out["pd_predicted"] = scores.pd
    out["ead_predicted"] = scores.ead
    out["lgd_predicted"] = scores.lgd
    out["expected_loss"] = scores.expected_loss
    out["realised_loss"] = expected_loss(
        out["bad"].to_numpy(),
        out["principal"].to_numpy(),
        np.nan_to_num(out["ead"].to_numpy()),
        np.nan_to_num(out["lgd"].to_numpy()),
    )
    return out


def default_rates(frame: pd.DataFrame, group: pd.Series | str) -> pd.DataFrame:
    """Loans, bad loans and default rate per group, in the group's sort order.

    Rows whose group is missing are left out.
    """
    keys = frame[group] if isinstance(group, str) else group
    table = frame.groupby(keys, sort=True, observed=True)["bad"].agg(["size", "sum"])
    table.columns = [LOANS, BAD]
    table[BAD] = table[BAD].astype(int)
    table[RATE] = table[BAD] / table[LOANS]
    return table


MODEL_NAMES = {"lightgbm": "LightGBM", "ridge": "Ridge", "lasso": "Lasso",
               "mean": "training mean"}  # fmt: skip


def model_name(kind: str) -> str:
    """A FractionModel kind as a manager reads it: lightgbm -> LightGBM."""
    return MODEL_NAMES.get(kind, kind)


def count(n: int, noun: str) -> str:
    """``1 feature``, ``3 features``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else float("nan")


def field_label(name: str) -> str:
    """An encoded feature's name in words: ``purpose=car`` reads purpose: car."""
    base, _, level = name.partition("=")
    words = BY_NAME[base].label if base in BY_NAME else base.replace("_", " ")
    return f"{words}: {level.replace('_', ' ')}" if level else words


def words(category: object) -> str:
    """A category as it reads in a sentence: small_business -> small business."""
    return str(category).replace("_", " ")


def term_label(months: float) -> str:
    return f"{int(months)} months"


# --------------------------------------------------------------- portfolio
def el_by(scored: pd.DataFrame, column: str, labels=None) -> pd.DataFrame:
    """EL, realised loss and their share of principal per group of loans."""
    rows = scored[scored["expected_loss"].notna()]
    table = rows.groupby(column, sort=True, observed=True).agg(
        loans=("principal", "size"),
        principal=("principal", "sum"),
        el=("expected_loss", "sum"),
        pd_mean=("pd_predicted", "mean"),
        bad=("bad", "mean"),
        realised=("realised_loss", "sum"),
    )
    keys = [labels(k) if labels else words(k) for k in table.index]
    return pd.DataFrame({
        column_title(column): keys,
        LOANS: table["loans"].to_numpy(),
        "Principal": table["principal"].to_numpy(),
        "Expected loss": table["el"].to_numpy(),
        "EL / principal": (table["el"] / table["principal"]).to_numpy(),
        "Mean PD": table["pd_mean"].to_numpy(),
        "Observed default rate": table["bad"].to_numpy(),
        "Realised loss": table["realised"].to_numpy(),
        "Realised loss / principal": (
            table["realised"] / table["principal"]
        ).to_numpy(),
    })  # fmt: skip


def column_title(column: str) -> str:
    label = field_label(column)
    return label[:1].upper() + label[1:]


TOP_COLUMNS = {
    "loan_id": "Loan id",
    "grade": "Grade",
    "term_months": "Term (months)",
    "purpose": "Purpose",
    "principal": "Principal",
    "interest_rate": "Interest rate",
    "pd_predicted": "PD",
    "ead_predicted": "EAD",
    "lgd_predicted": "LGD",
    "expected_loss": "Expected loss",
    "loan_status": "Loan status",
}


def top_el(scored: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` loans with the highest EL, highest first."""
    top = scored.nlargest(n, "expected_loss", keep="first")
    present = {k: v for k, v in TOP_COLUMNS.items() if k in top.columns}
    out = top[list(present)].rename(columns=present).reset_index(drop=True)
    out.insert(1 if "Loan id" in out else 0, "Rank", np.arange(1, len(out) + 1))
    if "Purpose" in out:
        out["Purpose"] = out["Purpose"].map(words)
    return out


# ------------------------------------------------------------------ models
def coefficients(bundle: Bundle) -> pd.DataFrame:
    """PD coefficients with odds ratios, largest effect first.

    Features are scaled to [0, 1] on the training range, so an odds ratio is
    the change in the odds of default from the lowest to the highest value.
    """
    model = bundle.pd_model
    coef = np.asarray(model.coef, dtype=float)
    table = pd.DataFrame({
        "Feature": [field_label(n) for n in model.feature_names],
        "Coefficient": coef,
        "Odds ratio": np.exp(coef),
        "|Coefficient|": np.abs(coef),
    })  # fmt: skip
    table = table.sort_values("|Coefficient|", ascending=False, kind="stable")
    table.insert(1, "Rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def importances(model: FractionModel, names: list[str]) -> pd.DataFrame:
    """Feature importance of an EAD or LGD model, largest first.

    LightGBM: total split gain; Ridge and Lasso: |coefficient| on the [0, 1]
    scaled features; the mean model uses no feature (empty table).
    """
    if model.kind == "lightgbm":
        values = model.estimator.booster_.feature_importance("gain")
    elif model.kind in ("ridge", "lasso"):
        values = np.abs(np.ravel(model.estimator.coef_))
    else:
        values = np.zeros(0)
    values = np.asarray(values, dtype=float)
    table = pd.DataFrame({
        "Feature": [field_label(n) for n in names[: len(values)]],
        "Importance": values,
        "Share of total": values / values.sum() if values.sum() > 0 else values,
    })  # fmt: skip
    table = table.sort_values("Importance", ascending=False, kind="stable")
    table.insert(1, "Rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def gains(split: dict) -> pd.DataFrame:
    """A split's gains table with cumulative shares and the KS per decile."""
    table = pd.DataFrame(split["pd"]["gains"])
    loans, bad = table["loans"], table["bad_loans"]
    good = loans - bad
    cum_good = good.cumsum() / max(good.sum(), 1)
    return pd.DataFrame({
        "Decile (1 = riskiest)": table["decile"],
        LOANS: loans,
        BAD: bad,
        "Mean PD": table["mean_pd"],
        "Observed default rate": table["default_rate"],
        "Share of loans": loans.cumsum() / loans.sum(),
        "Share of bad loans": table["cum_bad_share"],
        "Share of good loans": cum_good,
        "KS (bad - good)": table["cum_bad_share"] - cum_good,
        "Lift": table["lift"],
    })  # fmt: skip


def roc(metrics: dict) -> pd.DataFrame:
    """ROC points of both splits side by side, with the chance diagonal.

    Flagging every loan above a PD cut-off, the false positive rate is the
    share of good loans flagged and the true positive rate that of bad ones.
    """
    columns = {}
    for key, name in SPLITS.items():
        points = pd.DataFrame(metrics[key]["pd"]["roc"])
        columns[f"Good loans flagged, {name.lower()}"] = points["fpr"]
        columns[f"Bad loans flagged, {name.lower()}"] = points["tpr"]
    frame = pd.DataFrame(columns)
    frame["Chance"] = frame.iloc[:, 0]
    return frame
