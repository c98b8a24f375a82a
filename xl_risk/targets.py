"""The three modelling targets and expected loss, each written once.

Conventions
-----------
PD label
    1 for a bad loan (``Charged Off``, ``Default``, ``Does not meet the credit
    policy. Status:Charged Off``), 0 for a fully paid one, NaN for a loan still
    running (not finished, so left out of training).
EAD
    Fraction of principal still owed at default:
    ``(principal - principal repaid) / principal``, clipped to [0, 1];
    defined on bad loans only.
LGD
    Fraction of that exposure never recovered:
    ``1 - recoveries / (principal - principal repaid)``, clipped to [0, 1];
    defined on bad loans with a positive exposure only.
EL
    ``PD x principal x EAD x LGD``, in the currency of the principal.
"""

from __future__ import annotations

import numpy as np

from xl_risk.schema import BAD_STATUSES, GOOD_STATUSES


def pd_label(status: np.ndarray) -> np.ndarray:
    """Default flag per loan: 1.0 bad, 0.0 good, NaN still running or unknown."""
    status = np.asarray(status, dtype=object)
    label = np.full(len(status), np.nan)
    label[np.isin(status, BAD_STATUSES)] = 1.0
    label[np.isin(status, GOOD_STATUSES)] = 0.0
    return label


def outstanding(principal: np.ndarray, repaid: np.ndarray) -> np.ndarray:
    """Principal still owed, in money (never below zero)."""
    return np.clip(np.asarray(principal) - np.asarray(repaid), 0.0, None)


def ead_fraction(principal: np.ndarray, repaid: np.ndarray) -> np.ndarray:
    """EAD as a fraction of principal in [0, 1]."""
    principal = np.asarray(principal, dtype=float)
    return np.clip(outstanding(principal, repaid) / principal, 0.0, 1.0)


def lgd_fraction(
    principal: np.ndarray, repaid: np.ndarray, recoveries: np.ndarray
) -> np.ndarray:
    """LGD as a fraction of exposure in [0, 1]; NaN where nothing was owed."""
    owed = outstanding(principal, repaid)
    with np.errstate(divide="ignore", invalid="ignore"):
        lgd = 1.0 - np.asarray(recoveries, dtype=float) / owed
    return np.where(owed > 0, np.clip(lgd, 0.0, 1.0), np.nan)


def expected_loss(
    pd: np.ndarray, principal: np.ndarray, ead: np.ndarray, lgd: np.ndarray
) -> np.ndarray:
    """EL in money: PD x principal x EAD x LGD."""
    return np.asarray(pd) * np.asarray(principal) * np.asarray(ead) * np.asarray(lgd)
