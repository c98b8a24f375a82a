"""Population stability index (PSI) and characteristic stability.

The PSI compares the distribution of a score or characteristic in a recent
("actual") population with the one it had in the training ("expected")
population::

    PSI = sum over bins of (a - e) * ln(a / e)

where ``e`` and ``a`` are the shares (fractions in [0, 1]) of each population
falling in a bin. PSI is dimensionless and >= 0; 0 means identical shares.

Smoothing
---------
A bin that is empty in one population would make ``ln(a / e)`` infinite. Every
share equal to 0 is therefore replaced by ``EMPTY_BIN_SHARE`` (1e-4, i.e.
0.01 % of the population) before the PSI is computed; non-empty shares are
left untouched, so two samples with the same shares still give a PSI of
exactly 0. A bin empty in one population is reported in ``PsiResult.flags``
when the other population's share says at least ``MIN_EXPECTED_IN_BIN`` rows
should have fallen in it; a bin empty in both, or one expected to hold less
than a row or two (20 applications against a training share of 0.1 %), is
not news.

Missing values (NaN, None) are counted in their own ``"missing"`` bin, which
appears in the table only when one of the two populations has missing values.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

EMPTY_BIN_SHARE = 1e-4
"""Share (fraction of the population) substituted for an empty bin."""

MIN_EXPECTED_IN_BIN = 5.0
"""Rows a bin must be expected to hold for its emptiness to be flagged.

Counts in a bin are roughly Poisson: with 5 rows expected, an empty bin
happens by chance less than 1 % of the time (e^-5 = 0.7 %)."""

STABLE_LIMIT = 0.10
"""PSI below this value is banded "stable"."""

WATCH_LIMIT = 0.25
"""PSI from ``STABLE_LIMIT`` up to and including this value is "watch"."""

BAND_STABLE = "stable"
BAND_WATCH = "watch"
BAND_ACT = "act"

DEFAULT_BINS = 10
"""Default number of quantile bins for numeric characteristics."""

MISSING_LABEL = "missing"
"""Label of the bin holding missing values (NaN, None)."""

MISSING_INDEX = -1
"""Bin index returned by ``apply_bins`` for missing values."""

LABEL_MIN_DIGITS = 4
"""Significant digits first tried when formatting bin edges in labels."""

LABEL_MAX_DIGITS = 17
"""Significant digits that always distinguish two different float edges."""

TABLE_COLUMNS = ["bin", "expected_share", "actual_share", "contribution"]


@dataclass(frozen=True)
class PsiResult:
    """Outcome of a population stability comparison.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per bin with columns ``bin`` (label), ``expected_share`` and
        ``actual_share`` (fractions in [0, 1], after smoothing of empty bins),
        ``contribution`` (the bin's term of the PSI), ``expected_count`` and
        ``actual_count`` (raw numbers of observations).
    psi : float
        Population stability index (dimensionless, >= 0).
    band : str
        ``"stable"``, ``"watch"`` or ``"act"``, see :func:`band`.
    flags : list of str
        Human-readable warnings: empty (smoothed) bins and new categories.
    edges : numpy.ndarray or None
        Bin edges used for a numeric characteristic (reusable with ``psi``);
        None for a categorical one.
    """

    table: pd.DataFrame
    psi: float
    band: str
    flags: list[str] = field(default_factory=list)
    edges: np.ndarray | None = None


def band(value: float) -> str:
    """Traffic-light band of a PSI value.

    Parameters
    ----------
    value : float
        Population stability index (dimensionless, finite, >= 0).

    Returns
    -------
    str
        ``"stable"`` below 0.10, ``"watch"`` from 0.10 to 0.25 inclusive and
        ``"act"`` above 0.25.

    Raises
    ------
    ValueError
        If ``value`` is not a finite number >= 0.
    """
    number = _as_psi_value(value)

    if number < STABLE_LIMIT:
        return BAND_STABLE

    if number <= WATCH_LIMIT:
        return BAND_WATCH

    return BAND_ACT


def bin_edges(expected: ArrayLike, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Quantile bin edges of a training (expected) population.

    Interior edges are the ``bins``-quantiles of the non-missing, finite values;
    duplicated edges (ties) are merged, so fewer bins may result. The outer
    edges are ``-inf`` and ``+inf`` so that any later value falls in a bin.
    Bins are right-closed: ``(left, right]``.

    Parameters
    ----------
    expected : array_like
        Numeric values of the training population (NaN allowed, ignored).
    bins : int, default 10
        Requested number of bins (>= 1).

    Returns
    -------
    numpy.ndarray
        Strictly increasing edges, starting at ``-inf`` and ending at ``+inf``.

    Raises
    ------
    ValueError
        If ``expected`` is empty or not numeric, or ``bins`` is not an int >= 1.
    """
    values = _as_numeric(expected, "expected")
    count = _check_bins(bins)

    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.array([-np.inf, np.inf])

    probabilities = np.linspace(0.0, 1.0, count + 1)[1:-1]
    interior = np.unique(np.quantile(finite, probabilities))

    return np.concatenate([[-np.inf], interior, [np.inf]])


def apply_bins(values: ArrayLike, edges: ArrayLike) -> np.ndarray:
    """Assign values to right-closed bins ``(edges[i], edges[i + 1]]``.

    Parameters
    ----------
    values : array_like
        Numeric values (NaN allowed).
    edges : array_like
        Strictly increasing edges from ``-inf`` to ``+inf``, as returned by
        :func:`bin_edges`.

    Returns
    -------
    numpy.ndarray
        Integer bin index per value, in ``0 .. len(edges) - 2``, and
        ``MISSING_INDEX`` (-1) for missing values.

    Raises
    ------
    ValueError
        If ``values`` is not numeric or ``edges`` is not valid.
    """
    array = _as_numeric(values, "values", allow_empty=True)
    checked_edges = _check_edges(edges)

    last_bin = checked_edges.size - 2
    index = np.searchsorted(checked_edges, array, side="left") - 1
    index = np.clip(index, 0, last_bin)

    return np.where(np.isnan(array), MISSING_INDEX, index)


def bin_labels(edges: ArrayLike) -> list[str]:
    """Human-readable labels ``"(left, right]"`` of the bins defined by edges.

    Edges are printed with 4 significant digits, or more if needed to keep
    every label distinct.

    Parameters
    ----------
    edges : array_like
        Strictly increasing edges from ``-inf`` to ``+inf``.

    Returns
    -------
    list of str
        One label per bin, e.g. ``"(-inf, 0.25]"``, ``"(0.25, 0.31]"``.
    """
    checked_edges = _check_edges(edges)
    texts = _format_edges(checked_edges)

    return [
        f"({left}, {right}]" for left, right in zip(texts[:-1], texts[1:], strict=True)
    ]


def psi(
    expected: ArrayLike,
    actual: ArrayLike,
    bins: int | Sequence[float] | np.ndarray = DEFAULT_BINS,
) -> PsiResult:
    """Population stability index of a numeric characteristic or score.

    Parameters
    ----------
    expected : array_like
        Values in the training (reference) population; NaN means missing.
    actual : array_like
        Values in the recent population; NaN means missing.
    bins : int or array_like, default 10
        Number of quantile bins computed from ``expected`` (see
        :func:`bin_edges`), or saved edges from ``-inf`` to ``+inf``.

    Returns
    -------
    PsiResult
        Per-bin table, PSI, band, flags and the edges used.

    Raises
    ------
    ValueError
        If an input is empty or not numeric, or ``bins`` is invalid.

    Examples
    --------
    >>> x = [1.0, 2.0, 3.0, 4.0]
    >>> psi(x, x, bins=2).psi
    0.0
    """
    expected_values = _as_numeric(expected, "expected")
    actual_values = _as_numeric(actual, "actual")
    edges = _resolve_edges(expected_values, bins)

    labels = bin_labels(edges)
    expected_counts = _count_bins(apply_bins(expected_values, edges), len(labels))
    actual_counts = _count_bins(apply_bins(actual_values, edges), len(labels))

    table = _share_table(labels, expected_counts, actual_counts)
    flags = _empty_bin_flags(table, names=labels)

    return _result(table, flags, edges)


def psi_categorical(expected: ArrayLike, actual: ArrayLike) -> PsiResult:
    """Characteristic stability index of a categorical characteristic.

    Categories are the distinct values of ``expected`` (in order of first
    appearance) followed by categories seen only in ``actual``, which are kept
    (smoothed with ``EMPTY_BIN_SHARE`` in expected) and flagged by name.

    Parameters
    ----------
    expected : array_like
        Categories in the training (reference) population; None/NaN is
        counted as missing.
    actual : array_like
        Categories in the recent population; None/NaN is counted as missing.

    Returns
    -------
    PsiResult
        Per-category table (``bin`` holds the category itself, or
        ``"missing"``), PSI, band and flags; ``edges`` is None.

    Raises
    ------
    ValueError
        If an input is empty or not one-dimensional.
    """
    expected_series = _as_categories(expected, "expected")
    actual_series = _as_categories(actual, "actual")

    known = list(pd.unique(expected_series.dropna()))
    seen = set(known)
    new = [value for value in pd.unique(actual_series.dropna()) if value not in seen]
    categories = known + new

    expected_counts = _count_categories(expected_series, categories)
    actual_counts = _count_categories(actual_series, categories)
    table = _share_table(categories, expected_counts, actual_counts)

    flags = [f"category not seen in training: {value!r}" for value in new]
    names = [repr(value) for value in known] + [None] * len(new)
    flags += _empty_bin_flags(table, names=names)

    return _result(table, flags, None)


def _as_psi_value(value: float) -> float:
    """Validate a PSI value for banding."""
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"value must be a PSI number, got {value!r}.") from error

    if not np.isfinite(number) or number < 0.0:
        raise ValueError(f"value must be a finite PSI >= 0, got {value!r}.")

    return number


def _as_numeric(values: ArrayLike, name: str, allow_empty: bool = False) -> np.ndarray:
    """Convert to a 1-D float array (None becomes NaN), naming ``name``."""
    if np.ndim(values) != 1:
        raise ValueError(
            f"{name} must be one-dimensional, got {np.ndim(values)} dimensions."
        )

    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric values, got {values!r}.") from error

    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} must contain at least one value, got 0 values.")

    return array


def _as_categories(values: ArrayLike, name: str) -> pd.Series:
    """Convert categorical input to an object Series, naming ``name``."""
    if np.ndim(values) != 1:
        raise ValueError(
            f"{name} must be one-dimensional, got {np.ndim(values)} dimensions."
        )

    plain = [
        value.item() if isinstance(value, np.generic) else value for value in values
    ]
    series = pd.Series(plain, dtype=object)

    if series.empty:
        raise ValueError(f"{name} must contain at least one value, got 0 values.")

    return series


def _check_bins(bins: int) -> int:
    """Validate a requested number of bins."""
    is_integer = isinstance(bins, int | np.integer) and not isinstance(bins, bool)

    if not is_integer or bins < 1:
        raise ValueError(f"bins must be an integer >= 1, got {bins!r}.")

    return int(bins)


def _check_edges(edges: ArrayLike) -> np.ndarray:
    """Validate bin edges: strictly increasing, from -inf to +inf."""
    try:
        array = np.asarray(edges, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"edges must be numeric, got {edges!r}.") from error

    if array.ndim != 1 or array.size < 2:
        raise ValueError(f"edges must be a 1-D array of >= 2 values, got {edges!r}.")

    if np.isnan(array).any() or not np.all(np.diff(array) > 0):
        raise ValueError(f"edges must be strictly increasing, got {edges!r}.")

    if array[0] != -np.inf or array[-1] != np.inf:
        raise ValueError(f"edges must start at -inf and end at +inf, got {edges!r}.")

    return array


def _resolve_edges(
    expected: np.ndarray, bins: int | Sequence[float] | np.ndarray
) -> np.ndarray:
    """Edges from a number of bins (quantiles of expected) or saved edges."""
    if np.ndim(bins) == 0:
        return bin_edges(expected, _check_bins(bins))

    return _check_edges(bins)


def _format_edges(edges: np.ndarray) -> list[str]:
    """Format edges with the fewest digits (>= 4) keeping them distinct."""
    for digits in range(LABEL_MIN_DIGITS, LABEL_MAX_DIGITS + 1):
        texts = [f"{edge:.{digits}g}" for edge in edges]
        if len(set(texts)) == len(texts):
            return texts

    return [repr(float(edge)) for edge in edges]


def _count_bins(index: np.ndarray, n_bins: int) -> np.ndarray:
    """Counts per bin followed by the count of missing values."""
    counts = np.bincount(index[index != MISSING_INDEX], minlength=n_bins)
    missing = np.count_nonzero(index == MISSING_INDEX)

    return np.append(counts, missing)


def _count_categories(series: pd.Series, categories: list) -> np.ndarray:
    """Counts per category (in the given order) followed by missing values."""
    counts = series.value_counts(dropna=True).reindex(categories, fill_value=0)

    return np.append(counts.to_numpy(dtype=int), int(series.isna().sum()))


def _share_table(
    labels: list, expected_counts: np.ndarray, actual_counts: np.ndarray
) -> pd.DataFrame:
    """Per-bin table of smoothed shares and PSI contributions.

    Counts have one more entry than labels: the missing bin, labelled
    ``MISSING_LABEL`` and dropped when neither population has missing values.
    """
    all_labels = list(labels) + [MISSING_LABEL]
    keep = np.ones(len(all_labels), dtype=bool)
    keep[-1] = expected_counts[-1] + actual_counts[-1] > 0

    expected_share = _smoothed_shares(expected_counts)
    actual_share = _smoothed_shares(actual_counts)
    contribution = (actual_share - expected_share) * np.log(
        actual_share / expected_share
    )

    table = pd.DataFrame(
        {
            "bin": pd.Series(all_labels, dtype=object),
            "expected_share": expected_share,
            "actual_share": actual_share,
            "contribution": contribution,
            "expected_count": expected_counts,
            "actual_count": actual_counts,
        }
    )

    return table[keep].reset_index(drop=True)


def _smoothed_shares(counts: np.ndarray) -> np.ndarray:
    """Shares of each bin, with empty bins set to ``EMPTY_BIN_SHARE``."""
    shares = counts / counts.sum()

    return np.where(counts == 0, EMPTY_BIN_SHARE, shares)


def _empty_bin_flags(table: pd.DataFrame, names: list[str | None]) -> list[str]:
    """Flag each bin empty in one population where the other says it should not be.

    A bin empty in expected is flagged when the actual share of it, applied
    to the expected population's size, is at least ``MIN_EXPECTED_IN_BIN``
    rows, and the other way round. ``names`` holds the flag text of each
    non-missing bin, in table order, or None for a bin not to flag. The
    missing bin, when present, is the extra last row of the table and is
    named ``MISSING_LABEL``.
    """
    texts = list(names) + [MISSING_LABEL] * (len(table) - len(names))
    flags = []

    for population, other in (("expected", "actual"), ("actual", "expected")):
        counts = table[f"{population}_count"]
        other_share = table[f"{other}_count"] / table[f"{other}_count"].sum()
        due = other_share * counts.sum() >= MIN_EXPECTED_IN_BIN
        flags += [
            f"empty bin in {population}: {texts[row]}"
            for row in table.index[(counts == 0) & due]
            if texts[row] is not None
        ]

    return flags


def _result(
    table: pd.DataFrame, flags: list[str], edges: np.ndarray | None
) -> PsiResult:
    """Assemble the PsiResult from the per-bin table."""
    total = float(table["contribution"].sum())

    return PsiResult(table=table, psi=total, band=band(total), flags=flags, edges=edges)
