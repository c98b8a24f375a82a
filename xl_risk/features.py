"""Preprocessing: canonical columns to the design matrix all three models use.

As in the original analysis: one-hot encoding of nominal fields, ordinal
encoding of ordered ones (grade, employment length), binarisation of
derogatory records, min-max scaling of the rest. Annual income is scaled on a
log scale. Missing optional values are filled with the training median.

Unseen categories
-----------------
A category that is valid for its field but was not seen in training (or was
rarer than the fold share) is scored as the field's fold level: ``other`` for
purpose, ``OTHER`` for home ownership, otherwise the most frequent training
category. Such rows are counted and logged at WARNING with the field and the
values, so an unseen category never passes as a missing value. Values that
are not valid for the field at all never reach the encoder: the schema
rejects them.

Numbers outside the training range are clipped to it after scaling, so a
linear term cannot extrapolate beyond what the model has seen.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_risk.schema import GRADES, TERMS

log = logging.getLogger(__name__)

SCALED = (
    "principal",
    "installment",
    "interest_rate",
    "annual_income",
    "payment_to_income",
    "dti",
    "revolving_utilisation",
    "open_credit_lines",
    "fico_score",
    "inquiries_6m",
    "delinquencies_2y",
    "mortgage_accounts",
    "bankcards_over_75pct",
    "employment_years",
)
LOG_SCALED = frozenset({"annual_income"})
ORDINAL = {"grade": GRADES}
NOMINAL = ("home_ownership", "income_verification", "purpose")
FOLD_LEVEL = {"purpose": "other", "home_ownership": "OTHER"}
LONG_TERM = max(TERMS)
MONTHS_PER_YEAR = 12.0
BINARY_SOURCES = ("term_months", "derogatory_records", "job_title")
SMALL_BATCH = 64


def payment_to_income(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Yearly instalments as a share of annual income.

    A declared income of 0 with an instalment to pay is the heaviest burden
    there is: the ratio is +inf, which scaling clips to the training
    maximum, never the median a missing value gets. NaN only where income or
    instalment is missing.
    """
    income = np.asarray(columns["annual_income"], dtype=float)
    yearly = np.asarray(columns["installment"], dtype=float) * MONTHS_PER_YEAR
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = yearly / income
    return np.where((income == 0) & (yearly == 0), 0.0, ratio)


def _binary_terms(columns: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    term = np.asarray(columns["term_months"], dtype=float)
    derog = np.asarray(columns["derogatory_records"], dtype=float)
    title = columns.get("job_title")
    has_title = np.zeros(n) if title is None else pd.notna(np.asarray(title))
    return {
        "term_60_months": (term == LONG_TERM).astype(float),
        "has_derogatory_record": (derog > 0).astype(float),
        "job_title_given": has_title.astype(float),
    }


def _codes(values: np.ndarray, categories: tuple[str, ...]) -> np.ndarray:
    """Position of each value among categories, -1 when absent."""
    if len(values) <= SMALL_BATCH:
        index = {c: i for i, c in enumerate(categories)}
        return np.array([index.get(v, -1) for v in values], dtype=np.int64)
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    index = {c: i for i, c in enumerate(categories)}
    lookup = np.array([index.get(u, -1) for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]  # a missing value's code -1 picks the appended -1


@dataclass
class Encoder:
    """A fitted preprocessing step; plain data, saved with the bundle."""

    scaled: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    nominal: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fallback: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    # ----------------------------------------------------------------- fit
    def fit(self, frame: pd.DataFrame, rare_share: float) -> Encoder:
        """Learn fills, ranges and category levels from training rows."""
        columns = {c: frame[c].to_numpy() for c in frame.columns}
        columns["payment_to_income"] = payment_to_income(columns)

        for name in SCALED:
            values = np.asarray(columns.get(name, np.full(len(frame), np.nan)), float)
            if np.isnan(values).all():
                self.dropped.append(name)
                continue
            values = self._shape(name, values)
            median = float(np.nanmedian(values))
            finite = values[np.isfinite(values)]  # +inf: a ratio to no income
            low, high = (
                (float(finite.min()), float(finite.max())) if finite.size else (0, 0)
            )
            self.scaled[name] = (median, low, high)

        for name in NOMINAL:
            self._fit_nominal(name, frame[name], rare_share)

        self.names = (
            list(self.scaled)
            + list(ORDINAL)
            + list(_binary_terms(columns, 0))
            + [f"{n}={c}" for n, cats in self.nominal.items() for c in cats]
        )
        return self

    def _fit_nominal(self, name: str, values: pd.Series, rare_share: float) -> None:
        shares = values.value_counts(normalize=True)
        kept = [c for c, s in shares.items() if s >= rare_share]
        fold = FOLD_LEVEL.get(name)
        if fold is not None and fold not in kept:
            kept.append(fold)
        self.nominal[name] = tuple(sorted(kept))
        self.fallback[name] = fold if fold is not None else str(shares.index[0])

    def inputs(self) -> frozenset[str]:
        """Canonical input fields the design matrix is built from.

        Inputs empty in training (``dropped``) are not among them: a file
        without them scores exactly as one with them blank.
        """
        derived = {"payment_to_income"}  # from annual income and instalment
        return frozenset(
            [n for n in self.scaled if n not in derived]
            + list(ORDINAL)
            + list(BINARY_SOURCES)
            + list(self.nominal)
        )

    @staticmethod
    def _shape(name: str, values: np.ndarray) -> np.ndarray:
        return np.log1p(np.clip(values, 0, None)) if name in LOG_SCALED else values

    # ----------------------------------------------------------- transform
    def transform(
        self, columns: Mapping[str, np.ndarray], quiet: bool = False
    ) -> np.ndarray:
        """Design matrix, shape (n_rows, n_features), every value in [0, 1].

        Parameters
        ----------
        columns : mapping of canonical name -> array of length n_rows
            Canonical values as the schema reads them; optional fields may be
            absent or NaN.
        quiet : bool
            Do not log unseen or folded levels (training and evaluation, where
            the folding is the encoder's own doing and the summary says so).
        """
        n = len(columns["principal"])
        columns = dict(columns)
        columns["payment_to_income"] = payment_to_income(columns)
        matrix = np.zeros((n, len(self.names)))

        if self.scaled:
            absent = np.full(n, np.nan)
            block = np.column_stack([
                self._shape(name, np.asarray(columns.get(name, absent), float))
                for name in self.scaled
            ])  # fmt: skip
            stats = np.array(list(self.scaled.values()))
            median, low, high = stats[:, 0], stats[:, 1], stats[:, 2]
            span = np.where(high > low, high - low, 1.0)
            block = np.where(np.isnan(block), median, block)
            matrix[:, : len(self.scaled)] = np.clip((block - low) / span, 0.0, 1.0)

        j = len(self.scaled)
        for name, levels in ORDINAL.items():
            codes = _codes(columns[name], levels)
            matrix[:, j] = codes / (len(levels) - 1)
            j += 1

        for values in _binary_terms(columns, n).values():
            matrix[:, j] = values
            j += 1

        for name, levels in self.nominal.items():
            codes = self._nominal_codes(name, columns[name], levels, quiet)
            matrix[np.arange(n), j + codes] = 1.0
            j += len(levels)
        return matrix

    def _nominal_codes(
        self, name: str, values: np.ndarray, levels: tuple[str, ...], quiet: bool
    ) -> np.ndarray:
        codes = _codes(values, levels)
        unseen = codes < 0
        if unseen.any() and not quiet:
            shown = sorted({str(v) for v in np.asarray(values)[unseen]})[:5]
            log.warning(
                "%s: %d row(s) with levels unseen or folded in training %s "
                "scored as '%s'",
                name, int(unseen.sum()), shown, self.fallback[name],
            )  # fmt: skip
        if unseen.any():
            codes = np.where(unseen, levels.index(self.fallback[name]), codes)
        return codes
