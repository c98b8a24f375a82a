"""Data quality for training, as the original analysis did it, with a summary."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from xl_risk.config import TrainingConfig
from xl_risk.intake import DataError
from xl_risk.parsing import Table
from xl_risk.schema import INPUT_FIELDS, INPUT_NAMES, RUNNING_STATUSES, Kind
from xl_risk.targets import ead_fraction, lgd_fraction, pd_label

log = logging.getLogger(__name__)

# Required inputs that a median cannot stand in for: rows missing them are
# dropped from training (numbers are filled with the training median instead).
UNFILLABLE = frozenset({Kind.CATEGORY, Kind.TERM})
EAD_OVER = "ead (principal repaid above principal)"  # keys of ``clipped``
LGD_OVER = "lgd (recoveries above the principal owed)"


@dataclass
class QualityReport:
    """What happened to the rows of a training file."""

    rows_read: int
    rows_used: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    clipped: dict[str, int] = field(default_factory=dict)
    empty_inputs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(
        {name: col.values for name, col in table.columns.items()},
        index=pd.RangeIndex(table.n_rows),
    )


def _drop(frame: pd.DataFrame, mask: np.ndarray, reason: str, report: QualityReport):
    count = int(mask.sum())
    if count:
        report.dropped[reason] = count
        log.info("dropped %s rows: %s", f"{count:,}", reason)
    return frame.loc[~mask]


def prepare_training(
    table: Table, config: TrainingConfig
) -> tuple[pd.DataFrame, QualityReport]:
    """Clean a loan history and attach the targets.

    Returns
    -------
    frame : DataFrame
        Canonical columns plus ``bad`` (PD label), ``ead`` and ``lgd`` (NaN on
        good loans), one row per finished, unique loan.
    report : QualityReport
    """
    frame = _frame(table)
    report = QualityReport(rows_read=len(frame))

    frame["bad"] = pd_label(frame["loan_status"].to_numpy())
    if len(frame) and frame["bad"].isna().all():
        raise DataError(_no_finished_loans(frame["loan_status"]))
    frame = _drop(frame, frame["bad"].isna().to_numpy(), "loan not finished", report)

    key = ["loan_id"] if "loan_id" in frame and frame["loan_id"].notna().all() else None
    frame = _drop(
        frame, frame.duplicated(subset=key).to_numpy(), "duplicate loan", report
    )

    needed = frame[["principal", "principal_repaid", "recoveries"]].isna().any(axis=1)
    _warn_if_mostly_bad(frame, needed.to_numpy(), "principal, repaid or recoveries")
    frame = _drop(
        frame, needed.to_numpy(), "principal, repaid or recoveries blank", report
    )

    unfillable = [f.name for f in INPUT_FIELDS if f.required and f.kind in UNFILLABLE]
    blank = frame[[n for n in unfillable if n in frame]].isna().any(axis=1)
    frame = _drop(frame, blank.to_numpy(), "term or a category blank", report)

    income = frame["annual_income"].to_numpy()
    frame = _drop(
        frame,
        income > config.income_ceiling,
        f"annual income above {config.income_ceiling:,.0f}",
        report,
    )

    if "issue_date" in frame:
        later = (frame["issue_date"] > pd.Timestamp.now()).to_numpy()
        frame = _drop(frame, later, "issued after today", report)

    frame = _clip(frame, "dti", config.dti_cap, report)
    frame = _clip(frame, "revolving_utilisation", config.revol_util_cap, report)

    for name in INPUT_NAMES:
        count = int(frame[name].isna().sum()) if name in frame else len(frame)
        report.missing[name] = count
        if count == len(frame):
            report.empty_inputs.append(name)

    bad = frame["bad"].to_numpy() == 1
    principal = frame["principal"].to_numpy()
    repaid = frame["principal_repaid"].to_numpy()
    recoveries = frame["recoveries"].to_numpy()
    frame["ead"] = np.where(bad, ead_fraction(principal, repaid), np.nan)
    lgd = lgd_fraction(principal, repaid, recoveries)
    frame["lgd"] = np.where(bad, lgd, np.nan)
    _count_clipped_targets(bad, principal, repaid, recoveries, report)

    report.rows_used = len(frame)
    if frame.empty:
        dropped = "; ".join(f"{why}: {n:,}" for why, n in report.dropped.items())
        raise DataError(
            f"no loans left after data quality: {report.rows_read:,} read, "
            f"all dropped ({dropped})"
        )
    return frame.reset_index(drop=True), report


def _no_finished_loans(status: pd.Series) -> str:
    """Message for a history in which no loan has an outcome yet."""
    counts = status.fillna("blank").value_counts()
    found = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    return (
        f"no finished loans: all {len(status):,} are still running or have no "
        f"status ({found}); running statuses: {', '.join(RUNNING_STATUSES)}; "
        "only fully paid or defaulted loans have an outcome to learn from"
    )


def _warn_if_mostly_bad(frame: pd.DataFrame, dropped: np.ndarray, what: str) -> None:
    """Warn when rows dropped for blank outcome columns hold more bad loans
    than the file does: dropping them lowers the default rate PD learns."""
    bad = frame["bad"].to_numpy() == 1
    if not dropped.any() or bad[dropped].mean() <= bad.mean():
        return
    log.warning(
        "%s of %s loans dropped for a blank %s are bad (%.0f%%, against %.0f%% "
        "in the file): the default rate learnt is lower than the file's; fill "
        "the outcome columns to keep them",
        f"{int(bad[dropped].sum()):,}", f"{int(dropped.sum()):,}", what,
        100 * bad[dropped].mean(), 100 * bad.mean(),
    )  # fmt: skip


def _count_clipped_targets(bad, principal, repaid, recoveries, report: QualityReport):
    """Count bad loans whose EAD or LGD fell outside [0, 1] and was clipped.

    Principal repaid beyond the principal cannot happen: the outcome columns
    are wrong or in another unit, so it is logged as a WARNING. Recoveries
    beyond the principal owed can (they may cover interest and fees): LGD 0,
    logged at INFO. Both counts are kept in the summary.
    """
    owed = principal - repaid
    checks = [
        (EAD_OVER, bad & (repaid > principal), logging.WARNING,
         "principal repaid above the principal; check the outcome columns"),
        (LGD_OVER, bad & (owed > 0) & (recoveries > owed), logging.INFO,
         "recoveries above the principal owed (interest and fees recovered)"),
    ]  # fmt: skip
    for key, over, level, words in checks:
        count = int(over.sum())
        if count:
            report.clipped[key] = count
            log.log(
                level, "%s of %s bad loans have %s: target clipped",
                f"{count:,}", f"{int(bad.sum()):,}", words,
            )  # fmt: skip


def _clip(frame: pd.DataFrame, name: str, cap: float, report: QualityReport):
    if name not in frame:
        return frame
    over = frame[name] > cap
    if over.any():
        report.clipped[name] = int(over.sum())
        frame[name] = frame[name].clip(upper=cap)
    return frame
