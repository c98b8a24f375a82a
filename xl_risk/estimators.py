"""The three fitted models as the scoring path uses them.

Each wraps what was fitted and predicts from the encoded matrix with the
fewest steps, so one application and a million take the same path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

# LightGBM threads: waking a thread pool costs more than a small batch takes.
SINGLE_THREAD_ROWS = 2048
ALL_CORES = 0


def linear(matrix: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    """Row-wise ``matrix @ coef + intercept``, summed row by row.

    A BLAS matrix product may sum in a different order for one row than for
    many (blocking); ``einsum`` without optimisation runs one loop per row, so
    an application scored alone gets the same bits as inside a batch.
    """
    return np.einsum("ij,j->i", matrix, coef) + intercept


@dataclass
class PDModel:
    """Logistic regression: PD = 1 / (1 + exp(-(X @ coef + intercept)))."""

    estimator: object  # the fitted sklearn LogisticRegression, kept for audit
    coef: np.ndarray
    intercept: float
    feature_names: list[str]

    @classmethod
    def from_estimator(cls, estimator, feature_names: list[str]) -> PDModel:
        return cls(
            estimator=estimator,
            coef=np.asarray(estimator.coef_[0], dtype=float).copy(),
            intercept=float(estimator.intercept_[0]),
            feature_names=list(feature_names),
        )

    def log_odds(self, matrix: np.ndarray) -> np.ndarray:
        """Linear predictor per row, shape (n_rows,)."""
        return linear(matrix, self.coef, self.intercept)

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """PD per row as a fraction in [0, 1]."""
        return expit(self.log_odds(matrix))


@dataclass
class FractionModel:
    """A regressor of a fraction in [0, 1] (EAD or LGD).

    ``kind`` is ``lightgbm``, ``ridge``, ``lasso`` or ``mean``; predictions are
    clipped to [0, 1].
    """

    kind: str
    estimator: object
    mean: float

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Fraction per row in [0, 1], shape (n_rows,)."""
        if self.kind == "mean":
            raw = np.full(len(matrix), self.mean)
        elif self.kind == "lightgbm":
            threads = 1 if len(matrix) < SINGLE_THREAD_ROWS else ALL_CORES
            raw = self.estimator.booster_.predict(matrix, num_threads=threads)
        else:
            raw = linear(matrix, self.estimator.coef_, self.estimator.intercept_)
        return np.clip(raw, 0.0, 1.0)
