"""Validation statistics for a PD model and for EAD/LGD regressors.

Units and conventions
---------------------
* ``y`` holds default indicators: 1 = default ("bad"), 0 = non-default
  ("good"); booleans are accepted.
* ``p`` holds predicted PDs as fractions in [0, 1] (0.01 means 1 %). A higher
  PD must mean a riskier obligor.
* ``level`` is a confidence level as a fraction in (0, 1) (0.99 means 99 %).
* AUC, Gini, KS and the Brier score are dimensionless; AUC and KS are in
  [0, 1], Gini in [-1, 1].
* EAD/LGD errors are in the unit of the values given (money for EAD, a
  fraction of EAD for LGD).

Discriminatory power: :func:`auc_with_ci`, :func:`gini`, :func:`ks_statistic`.
Calibration: :func:`brier`, :func:`base_rate_brier`, :func:`hosmer_lemeshow`,
:func:`binomial_test_by_group`, :func:`jeffreys_test_by_group`.
Regressors: :func:`regression_error_by_decile`.
All of a PD model's at once: :func:`pd_validation`, which both
``xl-risk validate`` and the workbook's Validation sheet report.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import beta, binom, chi2, norm, rankdata

DEFAULT_LEVEL = 0.95
"""Default confidence level of the AUC interval."""

DEFAULT_TEST_LEVEL = 0.99
"""Default confidence level of the per-group calibration tests."""

DEFAULT_GROUPS = 10
"""Default number of equal-size risk groups (deciles)."""

HL_DOF_REDUCTION = 2
"""Hosmer-Lemeshow degrees of freedom are the number of groups minus 2."""

MIN_HL_GROUPS = HL_DOF_REDUCTION + 1
"""Fewest Hosmer-Lemeshow groups giving at least one degree of freedom."""

MIN_CLASS_SIZE_FOR_CI = 2
"""DeLong variance needs at least 2 defaults and 2 non-defaults."""

JEFFREYS_PRIOR = 0.5
"""Parameters of the Jeffreys prior Beta(0.5, 0.5) for a default rate."""

MIDRANK_TIE_SHARE = 0.5
"""Weight of a tied (default, non-default) pair in the AUC."""


class AucInterval(NamedTuple):
    """AUC and the bounds of its DeLong confidence interval (all in [0, 1])."""

    auc: float
    low: float
    high: float


class HosmerLemeshowResult(NamedTuple):
    """Hosmer-Lemeshow test outcome.

    Attributes
    ----------
    statistic : float
        Chi-square statistic (dimensionless, >= 0).
    dof : int
        Degrees of freedom, the number of groups minus 2.
    p_value : float
        Upper-tail chi-square probability, a fraction in [0, 1].
    table : pandas.DataFrame
        Columns ``group`` (1 = lowest PD), ``n``, ``predicted_pd`` (mean PD,
        fraction), ``observed_rate`` (default rate, fraction),
        ``expected_defaults`` and ``observed_defaults`` (counts).
    """

    statistic: float
    dof: int
    p_value: float
    table: pd.DataFrame


class PDValidation(NamedTuple):
    """Every statistic of a PD model on one set of loans.

    Attributes
    ----------
    loans, bad_loans : int
    default_rate, mean_pd : float
        Fractions in [0, 1].
    auc : AucInterval
    gini, ks, brier, brier_base_rate : float
    hosmer_lemeshow : HosmerLemeshowResult
    binomial, jeffreys : pandas.DataFrame
        Per-group tests, as :func:`binomial_test_by_group` and
        :func:`jeffreys_test_by_group` return them.
    """

    loans: int
    bad_loans: int
    default_rate: float
    mean_pd: float
    auc: AucInterval
    gini: float
    ks: float
    brier: float
    brier_base_rate: float
    hosmer_lemeshow: HosmerLemeshowResult
    binomial: pd.DataFrame
    jeffreys: pd.DataFrame


def pd_validation(
    y: ArrayLike,
    p: ArrayLike,
    group: ArrayLike,
    level: float = DEFAULT_TEST_LEVEL,
    groups: int = DEFAULT_GROUPS,
) -> PDValidation:
    """Discrimination and calibration of a PD model in one call.

    Parameters
    ----------
    y, p, group : array_like
        As for :func:`binomial_test_by_group`.
    level : float, default 0.99
        Confidence level of the per-group tests; the AUC interval is at
        :data:`DEFAULT_LEVEL`.
    groups : int, default 10
        Hosmer-Lemeshow groups, fewer when there are fewer loans.

    Raises
    ------
    ValueError
        As the statistics it calls: invalid inputs, or fewer than 2
        defaults or 2 non-defaults.
    """
    labels, scores = _check_y_p(y, p)
    auc = auc_with_ci(labels, scores, DEFAULT_LEVEL)
    return PDValidation(
        loans=int(labels.size),
        bad_loans=int(labels.sum()),
        default_rate=float(labels.mean()),
        mean_pd=float(scores.mean()),
        auc=auc,
        gini=float(gini(auc.auc)),
        ks=ks_statistic(labels, scores),
        brier=brier(labels, scores),
        brier_base_rate=base_rate_brier(labels),
        hosmer_lemeshow=hosmer_lemeshow(labels, scores, min(groups, labels.size)),
        binomial=binomial_test_by_group(labels, scores, group, level),
        jeffreys=jeffreys_test_by_group(labels, scores, group, level),
    )


def auc_with_ci(
    y: ArrayLike, p: ArrayLike, level: float = DEFAULT_LEVEL
) -> AucInterval:
    """AUC with a DeLong confidence interval.

    Uses the fast O(n log n) DeLong algorithm (Sun and Xu, 2014): the
    structural components of the AUC are obtained from midranks, ties
    counting one half. The interval is ``auc +/- z * se`` with ``z`` the
    two-sided standard normal quantile, clipped to [0, 1].

    Parameters
    ----------
    y : array_like
        Default indicators, 1 = default, 0 = non-default.
    p : array_like
        Predicted PDs as fractions in [0, 1].
    level : float, default 0.95
        Confidence level as a fraction in (0, 1).

    Returns
    -------
    AucInterval
        ``(auc, low, high)``, fractions in [0, 1].

    Raises
    ------
    ValueError
        If inputs are invalid or there are fewer than 2 defaults or 2
        non-defaults.
    """
    labels, scores = _check_y_p(y, p)
    confidence = _check_level(level)
    _check_class_sizes(labels, MIN_CLASS_SIZE_FOR_CI)

    auc, variance = _delong(labels, scores)

    half_width = norm.ppf(0.5 + confidence / 2.0) * np.sqrt(variance)
    low = max(auc - half_width, 0.0)
    high = min(auc + half_width, 1.0)

    return AucInterval(auc=auc, low=float(low), high=float(high))


def gini(auc: ArrayLike) -> float | np.ndarray:
    """Gini coefficient (accuracy ratio) ``2 * auc - 1``.

    Parameters
    ----------
    auc : float or array_like
        Area under the ROC curve, fraction in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        Gini coefficient in [-1, 1].

    Raises
    ------
    ValueError
        If ``auc`` is outside [0, 1].
    """
    values = _check_unit_interval(auc, "auc")
    result = 2.0 * values - 1.0

    return float(result) if result.ndim == 0 else result


def ks_statistic(y: ArrayLike, p: ArrayLike) -> float:
    """Kolmogorov-Smirnov statistic between goods' and bads' score CDFs.

    Parameters
    ----------
    y : array_like
        Default indicators, 1 = default, 0 = non-default.
    p : array_like
        Predicted PDs as fractions in [0, 1].

    Returns
    -------
    float
        ``max |F_bad(s) - F_good(s)|`` over all scores ``s``, in [0, 1].

    Raises
    ------
    ValueError
        If inputs are invalid or one class is absent.
    """
    labels, scores = _check_y_p(y, p)
    _check_class_sizes(labels, 1)

    thresholds = np.unique(scores)
    cdf_bad = _empirical_cdf(scores[labels == 1], thresholds)
    cdf_good = _empirical_cdf(scores[labels == 0], thresholds)

    return float(np.max(np.abs(cdf_bad - cdf_good)))


def brier(y: ArrayLike, p: ArrayLike) -> float:
    """Brier score: mean squared difference between PD and outcome.

    Parameters
    ----------
    y : array_like
        Default indicators, 1 = default, 0 = non-default.
    p : array_like
        Predicted PDs as fractions in [0, 1].

    Returns
    -------
    float
        Brier score in [0, 1]; lower is better.
    """
    labels, scores = _check_y_p(y, p)

    return float(np.mean((scores - labels) ** 2))


def base_rate_brier(y: ArrayLike) -> float:
    """Brier score of predicting the observed default rate for everyone.

    Parameters
    ----------
    y : array_like
        Default indicators, 1 = default, 0 = non-default.

    Returns
    -------
    float
        ``mean(y) * (1 - mean(y))``, in [0, 0.25]; the benchmark that a
        useful model's :func:`brier` should beat.
    """
    labels = _check_labels(y)
    rate = labels.mean()

    return float(rate * (1.0 - rate))


def hosmer_lemeshow(
    y: ArrayLike, p: ArrayLike, groups: int = DEFAULT_GROUPS
) -> HosmerLemeshowResult:
    """Hosmer-Lemeshow goodness-of-fit test of predicted PDs.

    Obligors are sorted by PD and split into ``groups`` groups of equal size
    (sizes differ by at most one; tied PDs at a boundary are split in input
    order). The statistic is ``sum (O - E)^2 / (E * (1 - E / n))`` over the
    groups, with ``O`` observed and ``E`` expected defaults, compared with a
    chi-square distribution with ``groups - 2`` degrees of freedom. A group
    whose PDs are all 0 or all 1 contributes 0 if ``O == E`` and makes the
    statistic infinite (p-value 0) otherwise.

    Parameters
    ----------
    y : array_like
        Default indicators, 1 = default, 0 = non-default.
    p : array_like
        Predicted PDs as fractions in [0, 1].
    groups : int, default 10
        Number of groups (>= 3, at most the number of obligors).

    Returns
    -------
    HosmerLemeshowResult
        ``(statistic, dof, p_value, table)``; a small p-value rejects the
        calibration.

    Raises
    ------
    ValueError
        If inputs are invalid or ``groups`` is out of range.
    """
    labels, scores = _check_y_p(y, p)
    count = _check_groups(groups, labels.size, "groups", MIN_HL_GROUPS)

    frame = pd.DataFrame(
        {"group": _rank_groups(scores, count), "y": labels, "p": scores}
    )
    table = _hosmer_lemeshow_table(frame)

    statistic = _hosmer_lemeshow_statistic(table)
    dof = count - HL_DOF_REDUCTION

    return HosmerLemeshowResult(
        statistic=statistic,
        dof=dof,
        p_value=float(chi2.sf(statistic, dof)),
        table=table,
    )


def binomial_test_by_group(
    y: ArrayLike, p: ArrayLike, group: ArrayLike, level: float = DEFAULT_TEST_LEVEL
) -> pd.DataFrame:
    """One-sided binomial test per group that the PD is not underestimated.

    For each group with ``n`` obligors, ``d`` defaults and mean predicted PD
    ``pd``, the p-value is ``P(D >= d)`` for ``D ~ Binomial(n, pd)``. The
    group passes when ``p_value >= 1 - level``.

    Parameters
    ----------
    y : array_like
        Default indicators, 1 = default, 0 = non-default.
    p : array_like
        Predicted PDs as fractions in [0, 1].
    group : array_like
        Group label per obligor (e.g. rating grade); no missing labels.
    level : float, default 0.99
        Confidence level as a fraction in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``n``, ``defaults``, ``observed_rate`` and
        ``predicted_pd`` (fractions), ``p_value``, ``passed`` (bool) and
        ``level``; one row per group, sorted by group.
    """
    table, confidence = _group_counts(y, p, group, level)
    defaults = table["defaults"].to_numpy()

    p_value = binom.sf(defaults - 1, table["n"].to_numpy(), table["predicted_pd"])

    return _add_test_result(table, p_value, confidence)


def jeffreys_test_by_group(
    y: ArrayLike, p: ArrayLike, group: ArrayLike, level: float = DEFAULT_TEST_LEVEL
) -> pd.DataFrame:
    """Jeffreys test per group that the PD is not underestimated.

    With a Jeffreys prior, the posterior of a group's default rate is
    ``Beta(d + 0.5, n - d + 0.5)``; the p-value is that posterior's cdf at
    the mean predicted PD (ECB instructions for reporting validation
    results). The group passes when ``p_value >= 1 - level``.

    Parameters
    ----------
    y : array_like
        Default indicators, 1 = default, 0 = non-default.
    p : array_like
        Predicted PDs as fractions in [0, 1].
    group : array_like
        Group label per obligor (e.g. rating grade); no missing labels.
    level : float, default 0.99
        Confidence level as a fraction in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``n``, ``defaults``, ``observed_rate`` and
        ``predicted_pd`` (fractions), ``p_value``, ``passed`` (bool) and
        ``level``; one row per group, sorted by group.
    """
    table, confidence = _group_counts(y, p, group, level)
    defaults = table["defaults"].to_numpy()
    non_defaults = table["n"].to_numpy() - defaults

    p_value = beta.cdf(
        table["predicted_pd"],
        defaults + JEFFREYS_PRIOR,
        non_defaults + JEFFREYS_PRIOR,
    )

    return _add_test_result(table, p_value, confidence)


def regression_error_by_decile(
    actual: ArrayLike, predicted: ArrayLike, deciles: int = DEFAULT_GROUPS
) -> pd.DataFrame:
    """Mean absolute error of an EAD/LGD regressor per predicted decile.

    Observations are sorted by prediction and split into ``deciles`` groups
    of equal size. Each group's MAE is compared with that of a baseline
    predicting the overall mean of ``actual`` for everyone.

    Parameters
    ----------
    actual : array_like
        Realised values (money for EAD, fraction of EAD for LGD).
    predicted : array_like
        Predicted values, same unit as ``actual``.
    deciles : int, default 10
        Number of groups (>= 1, at most the number of observations).

    Returns
    -------
    pandas.DataFrame
        Columns ``decile`` (1 = lowest prediction), ``n``,
        ``mean_predicted``, ``mean_actual``, ``mae_model`` and
        ``mae_baseline``, all but ``decile`` and ``n`` in the input unit.

    Raises
    ------
    ValueError
        If inputs are not finite numbers of equal length or ``deciles`` is
        out of range.
    """
    realised = _as_finite(actual, "actual")
    forecast = _as_finite(predicted, "predicted")
    _check_same_length(realised, "actual", forecast, "predicted")
    count = _check_groups(deciles, realised.size, "deciles", 1)

    frame = pd.DataFrame(
        {
            "decile": _rank_groups(forecast, count),
            "predicted": forecast,
            "actual": realised,
            "error_model": np.abs(realised - forecast),
            "error_baseline": np.abs(realised - realised.mean()),
        }
    )

    return _decile_table(frame)


def _as_1d(values: ArrayLike, name: str) -> np.ndarray:
    """Convert to a non-empty 1-D float array, raising ValueError naming it."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric, got {values!r}.") from error

    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got {array.ndim} dims.")

    if array.size == 0:
        raise ValueError(f"{name} must contain at least one value, got 0 values.")

    return array


def _as_finite(values: ArrayLike, name: str) -> np.ndarray:
    """Non-empty 1-D float array of finite numbers."""
    array = _as_1d(values, name)

    invalid = ~np.isfinite(array)
    if invalid.any():
        raise ValueError(f"{name} must be finite numbers, got {array[invalid][0]}.")

    return array


def _check_labels(y: ArrayLike) -> np.ndarray:
    """Default indicators as a float array of 0s and 1s."""
    labels = _as_1d(y, "y")

    invalid = ~np.isin(labels, (0.0, 1.0))
    if invalid.any():
        raise ValueError(
            "y must contain only 0 (non-default) and 1 (default), "
            f"got {labels[invalid][0]}."
        )

    return labels


def _check_unit_interval(values: ArrayLike, name: str) -> np.ndarray:
    """Float array (any shape) with every element in [0, 1]."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric, got {values!r}.") from error

    invalid = ~((array >= 0.0) & (array <= 1.0))
    if invalid.any():
        raise ValueError(
            f"{name} must be a fraction in [0, 1], got {array[invalid].flat[0]}."
        )

    return array


def _check_same_length(
    reference: np.ndarray, reference_name: str, other: np.ndarray, name: str
) -> None:
    """Raise ValueError naming ``name`` if its length differs from reference."""
    if other.size != reference.size:
        raise ValueError(
            f"{name} must have the same length as {reference_name} "
            f"({reference.size}), got {other.size}."
        )


def _check_y_p(y: ArrayLike, p: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated default indicators and predicted PDs of equal length."""
    labels = _check_labels(y)
    scores = _check_unit_interval(_as_1d(p, "p"), "p")
    _check_same_length(labels, "y", scores, "p")

    return labels, scores


def _check_level(level: float) -> float:
    """Confidence level as a fraction strictly between 0 and 1."""
    try:
        value = float(level)
    except (TypeError, ValueError) as error:
        raise ValueError(f"level must be a number, got {level!r}.") from error

    if not 0.0 < value < 1.0:
        raise ValueError(f"level must be a fraction in (0, 1), got {level!r}.")

    return value


def _check_groups(groups: int, n_obs: int, name: str, minimum: int) -> int:
    """Number of groups: an int between ``minimum`` and ``n_obs``."""
    is_integer = isinstance(groups, int | np.integer) and not isinstance(groups, bool)

    if not is_integer or not minimum <= groups <= n_obs:
        raise ValueError(
            f"{name} must be an integer from {minimum} to the number of "
            f"observations ({n_obs}), got {groups!r}."
        )

    return int(groups)


def _check_class_sizes(labels: np.ndarray, minimum: int) -> None:
    """Require at least ``minimum`` defaults and ``minimum`` non-defaults."""
    defaults = int(labels.sum())
    non_defaults = labels.size - defaults

    if min(defaults, non_defaults) < minimum:
        raise ValueError(
            f"y must contain at least {minimum} default(s) and {minimum} "
            f"non-default(s), got {defaults} and {non_defaults}."
        )


def _delong(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """AUC and its DeLong variance from midranks (Sun and Xu, 2014)."""
    bads = scores[labels == 1]
    goods = scores[labels == 0]
    n_bad, n_good = bads.size, goods.size

    pooled_ranks = rankdata(np.concatenate([bads, goods]))
    bad_ranks = rankdata(bads)
    good_ranks = rankdata(goods)

    # Share of goods scored below each bad (ties count one half), and share
    # of bads scored above each good: the DeLong structural components.
    bad_components = (pooled_ranks[:n_bad] - bad_ranks) / n_good
    good_components = 1.0 - (pooled_ranks[n_bad:] - good_ranks) / n_bad

    auc = float(bad_components.mean())
    variance = bad_components.var(ddof=1) / n_bad + good_components.var(ddof=1) / n_good

    return auc, float(variance)


def _empirical_cdf(sample: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Share of ``sample`` at or below each threshold."""
    ordered = np.sort(sample)

    return np.searchsorted(ordered, thresholds, side="right") / ordered.size


def _rank_groups(scores: np.ndarray, groups: int) -> np.ndarray:
    """Equal-size groups numbered 1..groups in increasing order of score."""
    order = np.argsort(scores, kind="stable")
    positions = np.empty(scores.size, dtype=int)
    positions[order] = np.arange(scores.size)

    return positions * groups // scores.size + 1


def _hosmer_lemeshow_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-group counts, mean PD and default rate for Hosmer-Lemeshow."""
    table = frame.groupby("group", as_index=False).agg(
        n=("y", "size"),
        predicted_pd=("p", "mean"),
        observed_rate=("y", "mean"),
        expected_defaults=("p", "sum"),
        observed_defaults=("y", "sum"),
    )
    table["observed_defaults"] = table["observed_defaults"].astype(int)

    return table


def _hosmer_lemeshow_statistic(table: pd.DataFrame) -> float:
    """Sum over groups of (O - E)^2 / (E * (1 - E / n))."""
    expected = table["expected_defaults"].to_numpy()
    observed = table["observed_defaults"].to_numpy()
    variance = expected * (1.0 - table["predicted_pd"].to_numpy())
    squared_gap = (observed - expected) ** 2

    degenerate = variance <= 0.0
    if np.any(degenerate & (squared_gap > 0.0)):
        return float(np.inf)

    terms = squared_gap[~degenerate] / variance[~degenerate]

    return float(terms.sum())


def _group_counts(
    y: ArrayLike, p: ArrayLike, group: ArrayLike, level: float
) -> tuple[pd.DataFrame, float]:
    """Per-group n, defaults, observed rate and mean PD, and the level."""
    labels, scores = _check_y_p(y, p)
    confidence = _check_level(level)
    groups = _check_group_labels(group, labels)

    frame = pd.DataFrame({"group": groups, "y": labels, "p": scores})
    table = frame.groupby("group", as_index=False, sort=True).agg(
        n=("y", "size"),
        defaults=("y", "sum"),
        observed_rate=("y", "mean"),
        predicted_pd=("p", "mean"),
    )
    table["defaults"] = table["defaults"].astype(int)

    return table, confidence


def _check_group_labels(group: ArrayLike, labels: np.ndarray) -> pd.Series:
    """Group labels as a Series of the same length as ``y``, none missing."""
    if np.ndim(group) != 1:
        raise ValueError(f"group must be one-dimensional, got {np.ndim(group)} dims.")

    series = pd.Series(list(group))
    _check_same_length(labels, "y", series.to_numpy(), "group")

    if series.isna().any():
        raise ValueError(
            f"group must not contain missing labels, got {int(series.isna().sum())}."
        )

    return series


def _add_test_result(
    table: pd.DataFrame, p_value: np.ndarray, confidence: float
) -> pd.DataFrame:
    """Append p-value, pass flag (p_value >= 1 - level) and level columns."""
    result = table.copy()
    result["p_value"] = np.asarray(p_value, dtype=float)
    result["passed"] = result["p_value"] >= 1.0 - confidence
    result["level"] = confidence

    return result


def _decile_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-decile n, means and mean absolute errors."""
    return frame.groupby("decile", as_index=False).agg(
        n=("actual", "size"),
        mean_predicted=("predicted", "mean"),
        mean_actual=("actual", "mean"),
        mae_model=("error_model", "mean"),
        mae_baseline=("error_baseline", "mean"),
    )
