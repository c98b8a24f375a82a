"""Scorecard: the PD model restated as integer points per input field.

Scaling
-------
Odds are good:bad, ``odds = (1 - PD) / PD``. A score is linear in their log::

    score = offset + factor * ln(odds)
    factor = pdo / ln 2
    offset = reference_score - factor * ln(reference_odds)

so ``reference_odds`` score ``reference_score`` and every ``pdo`` points the
odds double. Read back, ``PD = 1 / (1 + exp((score - offset) / factor))``.

Points
------
The model's log-odds of default split exactly by input field against the
reference applicant (see :mod:`xl_risk.reasons`)::

    log_odds(x) = log_odds(ref) + sum over fields g of c_g(x)

hence the exact score is ``base - factor * sum_g c_g(x)``, where
``base = offset - factor * log_odds(ref)`` is the reference applicant's
score. ``round(base)`` is shared out in integers as evenly as possible over
the G fields (a field's *neutral points*); a field scores its neutral points
plus ``round(-factor * c_g(x))``. A field's points depend on that field's
value alone, and the credit score is the sum of the points.

Guarantee
---------
The score equals the sum of its points exactly (integers). Each rounding is
at most half a point, so ``|score - exact score| <= 0.5 * (G + 1)`` and the
PD read back from the score differs from the model's PD by at most
``TOLERANCE = 0.5 * (G + 1) / factor`` in log-odds (0.30 with the defaults
and 19 fields; measured errors are an order of magnitude smaller).

Numeric fields are continuous, so their points are continuous too: the
points table shows them per band, at the band's midpoint, as an indication;
nominal levels, grades, term, derogatory record and job title are exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_risk.bundle import Bundle
from xl_risk.features import LOG_SCALED, ORDINAL
from xl_risk.parsing import Table
from xl_risk.reasons import (
    PAYMENT_TO_INCOME,
    PAYMENT_TO_INCOME_LABEL,
    contributions,
    field_groups,
    reference_vector,
)
from xl_risk.schema import BY_NAME, Kind

DEFAULT_PDO = 20.0
DEFAULT_REFERENCE_SCORE = 600.0
DEFAULT_REFERENCE_ODDS = 50.0
HALF_POINT = 0.5

# The scalings an analyst may ask for (CREDIT_SCORE, xl-risk scorecard), read
# by the cell functions and the command line alike. Scales in use put 500 to
# 700 points at odds of 20:1 to 72:1 and double the odds every 20 to 50 points.
PDO_RANGE = (10.0, 200.0)
"""Points to double the odds. Each field's points are rounded, up to half a
point, about 10 points over some 19 fields (``TOLERANCE``): from 10 points a
doubling, that rounding never moves a score by more than one doubling of the
odds; below, it drowns the scale (at 1e-300 every applicant scores the
reference score). 200 already spreads one doubling over 200 points."""
REFERENCE_SCORE_RANGE = (0.0, 2000.0)
"""Score of the reference odds: scores are positive by convention (300 to 850
for FICO, 600 here); 2000 leaves room for any scale in use."""
REFERENCE_ODDS_RANGE = (1.0, 1000.0)
"""Good:bad odds scoring the reference score, from 1:1 (a PD of 50%) to
1000:1 (a PD of 0.1%): the anchor of a scale sits among the PDs of the
applicants it scores."""
BANDS = 10
PERCENT_POINTS = 100.0
BINARY_LEVELS = {
    "term_60_months": ("36 months", "60 months"),
    "has_derogatory_record": ("none", "1 or more"),
    "job_title_given": ("not given", "given"),
}
TABLE_COLUMNS = ["field", "label", "band", "points", "exact"]


class ScalingError(ValueError):
    """A scaling argument (pdo, reference score or odds) outside its range."""


def _in_range(value: float, name: str, bounds: tuple[float, float]) -> float:
    number = float(value)
    low, high = bounds
    if not low <= number <= high:  # NaN too
        raise ScalingError(
            f"{name} must be a number from {low:g} to {high:g}, got {value!r}."
        )
    return number


def neutral_points(base: float, n_fields: int) -> np.ndarray:
    """``round(base)`` split into ``n_fields`` integers differing by at most 1."""
    total = int(np.rint(base))
    shares = np.full(n_fields, total // n_fields, dtype=np.int64)
    shares[: total % n_fields] += 1
    return shares


@dataclass(frozen=True)
class Scorecard:
    """Points per input field for one bundle and one scaling.

    Build it with :meth:`from_bundle`. ``fields`` are in design order;
    ``neutral`` holds each field's points for the reference applicant.
    """

    bundle: Bundle
    pdo: float
    reference_score: float
    reference_odds: float
    factor: float
    offset: float
    base: float
    fields: list[str]
    neutral: np.ndarray = field(repr=False)

    @classmethod
    def from_bundle(
        cls,
        bundle: Bundle,
        pdo: float = DEFAULT_PDO,
        reference_score: float = DEFAULT_REFERENCE_SCORE,
        reference_odds: float = DEFAULT_REFERENCE_ODDS,
    ) -> Scorecard:
        """Scale a bundle's PD model into points.

        Parameters
        ----------
        bundle : Bundle
        pdo : float, default 20
            Points that double the good:bad odds, in ``PDO_RANGE``.
        reference_score : float, default 600
            Score given to ``reference_odds``, in ``REFERENCE_SCORE_RANGE``.
        reference_odds : float, default 50
            Good:bad odds scoring ``reference_score``, in
            ``REFERENCE_ODDS_RANGE``; 50 is a PD of 1/51, about 1.96%.

        Raises
        ------
        ScalingError
            A scaling argument outside its range, naming it.
        """
        pdo = _in_range(pdo, "pdo", PDO_RANGE)
        reference_score = _in_range(
            reference_score, "reference_score", REFERENCE_SCORE_RANGE
        )
        reference_odds = _in_range(
            reference_odds, "reference_odds", REFERENCE_ODDS_RANGE
        )

        factor = pdo / math.log(2.0)
        offset = reference_score - factor * math.log(reference_odds)
        ref = reference_vector(bundle)
        ref_log_odds = float(bundle.pd_model.log_odds(ref[None, :])[0])
        base = offset - factor * ref_log_odds

        fields = list(field_groups(bundle.pd_model.feature_names))
        neutral = neutral_points(base, len(fields))
        return cls(bundle, pdo, reference_score, reference_odds, factor, offset,
                   base, fields, neutral)  # fmt: skip

    @property
    def tolerance(self) -> float:
        """Largest log-odds gap between the score's PD and the model's PD."""
        return HALF_POINT * (len(self.fields) + 1) / self.factor

    # ------------------------------------------------------------ scoring
    def field_points(self, by_field: np.ndarray) -> np.ndarray:
        """Integer points from per-field contributions, shape (n, n_fields)."""
        return self.neutral + np.rint(-self.factor * by_field).astype(np.int64)

    def points(self, data: Table | pd.DataFrame | Mapping[str, Sequence]):
        """Points per field and the score, one row per input row.

        Returns
        -------
        DataFrame
            One nullable-integer column per field, ``score`` (their sum) and
            ``problem`` (why a row was not scored, else missing).
        """
        found = contributions(self.bundle, data)
        n = found.table.n_rows
        points = np.zeros((n, len(self.fields)), dtype=np.int64)
        if found.scored.any():
            values = found.frame.loc[found.scored, self.fields].to_numpy()
            points[found.scored] = self.field_points(values)

        unscored = ~np.asarray(found.scored, dtype=bool)
        columns = {
            name: pd.arrays.IntegerArray(points[:, j].copy(), unscored.copy())
            for j, name in enumerate(self.fields)
        }  # built once: filling a nullable frame cell by cell costs ~10 ms a row
        columns["score"] = pd.arrays.IntegerArray(points.sum(axis=1), unscored.copy())
        out = pd.DataFrame(columns, index=range(n))
        out["problem"] = pd.Series(found.problems, index=range(n), dtype=object)
        return out

    def score(self, data: Table | pd.DataFrame | Mapping[str, Sequence]):
        """Credit score per row, ``np.ndarray`` of int64.

        Raises
        ------
        ValueError
            If any row cannot be scored; the message names the first ones.
            Use :meth:`points` to score a file with such rows.
        """
        table = self.points(data)
        failed = table["problem"].notna()
        if failed.any():
            shown = "; ".join(
                f"row {row + 1}: {text}"
                for row, text in table.loc[failed, "problem"].head(3).items()
            )
            raise ValueError(
                f"data: expected rows that can be scored, got {int(failed.sum())} "
                f"that cannot ({shown})."
            )
        return table["score"].to_numpy(dtype=np.int64)

    def exact_score(self, data: Table | pd.DataFrame | Mapping[str, Sequence]):
        """Score before rounding, float per row (NaN where not scored)."""
        found = contributions(self.bundle, data)
        change = found.frame.sum(axis=1, min_count=1).to_numpy()
        return self.base - self.factor * change

    def pd_from_score(self, score) -> np.ndarray:
        """PD as a fraction in [0, 1] that a score stands for."""
        log_odds_good = (np.asarray(score, dtype=float) - self.offset) / self.factor
        return 1.0 / (1.0 + np.exp(log_odds_good))

    # -------------------------------------------------------------- table
    def table(self) -> pd.DataFrame:
        """Points per field and band or level, for a report sheet.

        Columns ``field``, ``label``, ``band``, ``points`` and ``exact``.
        Numeric fields are banded (at the training quantiles the manifest's
        reference profile stores, else at ten equal steps of the training
        range) and show the points at each band's midpoint: indicative, not
        exact. Levels of categorical fields are exact.
        """
        rows: list[dict] = []
        groups = field_groups(self.bundle.pd_model.feature_names)
        for g, name in enumerate(self.fields):
            rows += self._rows_of(name, groups[name], int(self.neutral[g]))
        return pd.DataFrame(rows, columns=TABLE_COLUMNS)

    def _points_at(self, columns: list[int], values: Sequence[float], neutral: int):
        ref = reference_vector(self.bundle)
        coef = self.bundle.pd_model.coef[columns]
        change = float(np.sum(coef * (np.asarray(values) - ref[columns])))
        return neutral + int(np.rint(-self.factor * change))

    def _rows_of(self, name: str, columns: list[int], neutral: int) -> list[dict]:
        label = _label(name)
        encoder = self.bundle.encoder

        def row(band: str, values, exact: bool = True) -> dict:
            points = self._points_at(columns, values, neutral)
            return {"field": name, "label": label, "band": band,
                    "points": points, "exact": exact}  # fmt: skip

        if name in encoder.scaled:
            return [row(band, [x], False) for band, x in self._bands(name)] + (
                [row("blank", [_scaled(encoder.scaled[name], None)])]
                if name == PAYMENT_TO_INCOME or not BY_NAME[name].required
                else []
            )
        if name in ORDINAL:
            levels = ORDINAL[name]
            return [row(g, [i / (len(levels) - 1)]) for i, g in enumerate(levels)]
        if name in encoder.nominal:
            kept = encoder.nominal[name]
            return [
                row(_level_band(level, encoder.fallback[name]), np.eye(len(kept))[i])
                for i, level in enumerate(kept)
            ]
        binary = self.bundle.pd_model.feature_names[columns[0]]
        words = BINARY_LEVELS.get(binary, ("no", "yes"))
        return [row(words[0], [0.0]), row(words[1], [1.0])]

    def _bands(self, name: str) -> list[tuple[str, float]]:
        """(band label, design value at the band's midpoint) per band."""
        stats = self.bundle.encoder.scaled[name]
        _median, low, high = stats
        inner = _profile_edges(self.bundle.manifest, name)
        if inner is None:
            inner = [_unshape(name, v) for v in np.linspace(low, high, BANDS + 1)[1:-1]]
        inner = [e for e in inner if _unshape(name, low) < e < _unshape(name, high)]
        cuts = [_unshape(name, low), *inner, _unshape(name, high)]

        bands = []
        for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
            middle = (_shape(name, a) + _shape(name, b)) / 2.0
            x = _scaled(stats, middle)
            if i == 0:
                text = f"<= {_show(name, b)}"
            elif i == len(cuts) - 2:
                text = f"> {_show(name, a)}"
            else:
                text = f"({_show(name, a)}, {_show(name, b)}]"
            bands.append((text, x))
        return bands


def _label(name: str) -> str:
    if name == PAYMENT_TO_INCOME:
        return f"{PAYMENT_TO_INCOME_LABEL} / income"
    return BY_NAME[name].label


def _level_band(level: str, fallback: str) -> str:
    return f"{level} (and levels unseen in training)" if level == fallback else level


def _shape(name: str, value: float) -> float:
    return float(np.log1p(max(value, 0.0))) if name in LOG_SCALED else float(value)


def _unshape(name: str, value: float) -> float:
    return float(np.expm1(value)) if name in LOG_SCALED else float(value)


def _scaled(stats: tuple[float, float, float], shaped: float | None) -> float:
    """Design value of a numeric field from its shaped value (None: blank)."""
    median, low, high = stats
    shaped = median if shaped is None else shaped
    span = high - low if high > low else 1.0
    return float(np.clip((shaped - low) / span, 0.0, 1.0))


def _show(name: str, value: float) -> str:
    if name == PAYMENT_TO_INCOME:
        return f"{value * PERCENT_POINTS:.1f}%"
    kind = BY_NAME[name].kind
    if kind is Kind.RATE:
        return f"{value * PERCENT_POINTS:.1f}%"
    if kind is Kind.PERCENT:
        return f"{value:.1f}%"
    if kind is Kind.MONEY:
        return f"{value:,.0f}"
    return f"{value:g}"


def _profile_edges(manifest: Mapping, name: str) -> list[float] | None:
    entry = manifest.get("reference_profile", {}).get("fields", {}).get(name)
    if not entry or entry.get("kind") != "numeric":
        return None
    return [float(e) for e in entry["edges"]]


def points_table(bundle: Bundle, **scaling: float) -> pd.DataFrame:
    """Points per field and band or level; see :meth:`Scorecard.table`.

    ``scaling`` passes ``pdo``, ``reference_score`` or ``reference_odds`` on
    to :meth:`Scorecard.from_bundle`.
    """
    return Scorecard.from_bundle(bundle, **scaling).table()


def credit_score(
    bundle: Bundle, data: Table | pd.DataFrame | Mapping[str, Sequence], **scaling
) -> np.ndarray:
    """Integer credit score per row; see :meth:`Scorecard.score`."""
    return Scorecard.from_bundle(bundle, **scaling).score(data)
