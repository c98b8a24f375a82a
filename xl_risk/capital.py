"""Basel IRB capital requirement for retail exposures ("other retail" class).

All functions are vectorised: they accept Python scalars or numpy arrays
(broadcast against each other) and return a ``float`` for scalar inputs and a
``numpy.ndarray`` otherwise.

Units
-----
* PD (probability of default) is a fraction in [0, 1] (0.01 means 1 %).
* LGD (loss given default) is a fraction of EAD in [0, 1].
* EAD (exposure at default) is an amount of money (>= 0), in any currency.
* K (capital requirement) is a fraction of EAD.
* The risk weight is a fraction of EAD (0.4852 means 48.52 %).
* RWA (risk-weighted assets) is an amount of money, in the currency of EAD.

Formulas (Basel II/III, CRR Article 154(1) for other retail exposures)::

    w = (1 - exp(-35 * PD)) / (1 - exp(-35))
    R = 0.03 * w + 0.16 * (1 - w)
    K = LGD * N[(1 - R)^-0.5 * G(PD) + (R / (1 - R))^0.5 * G(0.999)] - PD * LGD
    RWA = K * 12.5 * EAD

where ``N`` is the standard normal cdf and ``G`` its inverse. An optional
scaling factor (1.06 under Basel II, see ``BASEL_II_SCALING``) multiplies K.
PD is floored at ``pd_floor`` (3 bp by default) before any computation.

A PD of exactly 1 (exposure already in default) gives K = 0: the loss of a
defaulted exposure is expected, not unexpected, and is covered by provisions
(expected loss) rather than by capital.
"""

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

PD_FLOOR = 0.0003
"""Regulatory PD floor for retail exposures: 3 basis points, as a fraction."""

BASEL_II_SCALING = 1.06
"""Basel II scaling factor applied to K; pass as ``scaling`` to use it."""

SCALING_RANGE = (1.0, BASEL_II_SCALING)
"""Scaling factors an analyst may ask for (the IRB_CAPITAL and IRB_RWA cell
functions, ``xl-risk capital --scaling``): none, up to Basel II's."""

CONFIDENCE_LEVEL = 0.999
"""One-year confidence level of the IRB (Vasicek) model."""

CAPITAL_TO_RWA = 12.5
"""Reciprocal of the 8 % minimum capital ratio (1 / 0.08)."""

CORRELATION_LOW = 0.03
"""Asset correlation for other retail as PD grows large."""

CORRELATION_HIGH = 0.16
"""Asset correlation for other retail as PD tends to 0."""

CORRELATION_DECAY = 35.0
"""Speed at which the correlation moves from the high to the low value."""

DEFAULTED_PD = 1.0
"""PD of an exposure already in default: capital K is 0 by convention."""

MONTHS_PER_YEAR = 12.0
"""Months in the one-year horizon of IRB PDs."""


def _as_float_array(value: ArrayLike, name: str) -> np.ndarray:
    """Convert ``value`` to a float array, raising ValueError naming ``name``."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must be numeric (a scalar or an array), got {value!r}."
        ) from error

    if np.isnan(array).any():
        raise ValueError(f"{name} must not contain NaN, got {value!r}.")

    return array


def _check_fraction(value: ArrayLike, name: str) -> np.ndarray:
    """Return ``value`` as a float array, checking every element is in [0, 1]."""
    array = _as_float_array(value, name)

    outside = (array < 0.0) | (array > 1.0)
    if outside.any():
        first = array[outside].flat[0]
        raise ValueError(
            f"{name} must be a fraction in [0, 1] (0.01 means 1 %), got {first}."
        )

    return array


def _check_non_negative(value: ArrayLike, name: str) -> np.ndarray:
    """Return ``value`` as a float array, checking it is finite and >= 0."""
    array = _as_float_array(value, name)

    invalid = ~np.isfinite(array) | (array < 0.0)
    if invalid.any():
        first = array[invalid].flat[0]
        raise ValueError(f"{name} must be a finite amount >= 0, got {first}.")

    return array


def _as_scalar(value: float, name: str) -> float:
    """Convert a scalar parameter to float, raising ValueError naming it."""
    array = _as_float_array(value, name)

    if array.ndim != 0:
        raise ValueError(f"{name} must be a single number, got {value!r}.")

    return float(array)


def _check_scaling(scaling: float) -> float:
    """Validate the capital scaling factor (a finite number > 0)."""
    value = _as_scalar(scaling, "scaling")

    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(f"scaling must be a finite number > 0, got {scaling}.")

    return value


def _check_pd_floor(pd_floor: float) -> float:
    """Validate the PD floor (a fraction in [0, 1))."""
    value = _as_scalar(pd_floor, "pd_floor")

    if not 0.0 <= value < 1.0:
        raise ValueError(f"pd_floor must be a fraction in [0, 1), got {pd_floor}.")

    return value


def _check_broadcast(
    reference: np.ndarray, other: np.ndarray, name: str, reference_name: str
) -> None:
    """Raise ValueError naming ``name`` if it cannot broadcast to reference."""
    try:
        np.broadcast_shapes(reference.shape, other.shape)
    except ValueError as error:
        raise ValueError(
            f"{name} must have a shape compatible with {reference_name} "
            f"{reference.shape}, got shape {other.shape}."
        ) from error


def _to_output(array: np.ndarray) -> float | np.ndarray:
    """Return a Python float for 0-d results and the array otherwise."""
    if array.ndim == 0:
        return float(array)

    return array


def _correlation(pd: np.ndarray) -> np.ndarray:
    """Other-retail asset correlation R for validated PD fractions."""
    weight = -np.expm1(-CORRELATION_DECAY * pd) / -np.expm1(-CORRELATION_DECAY)

    return CORRELATION_LOW * weight + CORRELATION_HIGH * (1.0 - weight)


def _capital(pd: np.ndarray, lgd: np.ndarray) -> np.ndarray:
    """Unscaled K (fraction of EAD) for validated, already floored inputs."""
    correlation = _correlation(pd)
    defaulted = pd >= DEFAULTED_PD
    safe_pd = np.where(defaulted, PD_FLOOR, pd)

    systematic = np.sqrt(correlation / (1.0 - correlation)) * norm.ppf(CONFIDENCE_LEVEL)
    idiosyncratic = norm.ppf(safe_pd) / np.sqrt(1.0 - correlation)
    conditional_pd = norm.cdf(idiosyncratic + systematic)

    capital = lgd * conditional_pd - safe_pd * lgd

    return np.where(defaulted, 0.0, capital)


def _floored_capital(
    pd: ArrayLike, lgd: ArrayLike, scaling: float, pd_floor: float
) -> np.ndarray:
    """Validate inputs, apply the PD floor and return scaled K as an array."""
    pd_array = _check_fraction(pd, "pd")
    lgd_array = _check_fraction(lgd, "lgd")
    scale = _check_scaling(scaling)
    floor = _check_pd_floor(pd_floor)

    _check_broadcast(pd_array, lgd_array, "lgd", "pd")
    floored_pd = np.maximum(pd_array, floor)

    return scale * _capital(floored_pd, lgd_array)


def irb_correlation(pd: ArrayLike) -> float | np.ndarray:
    """Asset correlation R for the "other retail" IRB class.

    No PD floor is applied here: R is a pure function of the PD given.

    Parameters
    ----------
    pd : float or array_like
        Probability of default as a fraction in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        Correlation R, a fraction between 0.03 (high PD) and 0.16 (low PD).

    Raises
    ------
    ValueError
        If ``pd`` is not numeric, contains NaN or is outside [0, 1].

    Examples
    --------
    >>> round(irb_correlation(0.01), 5)
    0.12161
    """
    pd_array = _check_fraction(pd, "pd")

    return _to_output(_correlation(pd_array))


def irb_capital(
    pd: ArrayLike,
    lgd: ArrayLike,
    scaling: float = 1.0,
    pd_floor: float = PD_FLOOR,
) -> float | np.ndarray:
    """Capital requirement K for "other retail" exposures, per unit of EAD.

    PD is first raised to ``pd_floor``. A PD of 1 (defaulted exposure) gives
    K = 0, because its loss is covered by provisions (expected loss).

    Parameters
    ----------
    pd : float or array_like
        Probability of default as a fraction in [0, 1].
    lgd : float or array_like
        Loss given default as a fraction of EAD in [0, 1].
    scaling : float, default 1.0
        Factor multiplying K; pass ``BASEL_II_SCALING`` (1.06) to apply it.
    pd_floor : float, default ``PD_FLOOR`` (0.0003, i.e. 3 bp)
        Minimum PD as a fraction in [0, 1); 0 disables the floor.

    Returns
    -------
    float or numpy.ndarray
        K as a fraction of EAD (0.036618 means 3.66 % of EAD).

    Raises
    ------
    ValueError
        If ``pd`` or ``lgd`` is outside [0, 1], ``scaling`` is not > 0, or
        ``pd_floor`` is outside [0, 1).

    Examples
    --------
    >>> round(irb_capital(0.01, 0.45), 6)
    0.036618
    """
    return _to_output(_floored_capital(pd, lgd, scaling, pd_floor))


def irb_risk_weight(
    pd: ArrayLike,
    lgd: ArrayLike,
    scaling: float = 1.0,
    pd_floor: float = PD_FLOOR,
) -> float | np.ndarray:
    """Risk weight K * 12.5 * scaling for "other retail" exposures.

    Parameters
    ----------
    pd : float or array_like
        Probability of default as a fraction in [0, 1].
    lgd : float or array_like
        Loss given default as a fraction of EAD in [0, 1].
    scaling : float, default 1.0
        Factor multiplying K; pass ``BASEL_II_SCALING`` (1.06) to apply it.
    pd_floor : float, default ``PD_FLOOR`` (0.0003, i.e. 3 bp)
        Minimum PD as a fraction in [0, 1); 0 disables the floor.

    Returns
    -------
    float or numpy.ndarray
        Risk weight as a fraction of EAD (0.4852 means 48.52 %).

    Raises
    ------
    ValueError
        If ``pd`` or ``lgd`` is outside [0, 1], ``scaling`` is not > 0, or
        ``pd_floor`` is outside [0, 1).

    Examples
    --------
    >>> round(irb_risk_weight(0.01, 0.45, scaling=BASEL_II_SCALING), 4)
    0.4852
    """
    capital = _floored_capital(pd, lgd, scaling, pd_floor)

    return _to_output(capital * CAPITAL_TO_RWA)


def irb_rwa(
    pd: ArrayLike,
    lgd: ArrayLike,
    ead: ArrayLike,
    scaling: float = 1.0,
    pd_floor: float = PD_FLOOR,
) -> float | np.ndarray:
    """Risk-weighted assets K * 12.5 * EAD for "other retail" exposures.

    Parameters
    ----------
    pd : float or array_like
        Probability of default as a fraction in [0, 1].
    lgd : float or array_like
        Loss given default as a fraction of EAD in [0, 1].
    ead : float or array_like
        Exposure at default as an amount of money (>= 0).
    scaling : float, default 1.0
        Factor multiplying K; pass ``BASEL_II_SCALING`` (1.06) to apply it.
    pd_floor : float, default ``PD_FLOOR`` (0.0003, i.e. 3 bp)
        Minimum PD as a fraction in [0, 1); 0 disables the floor.

    Returns
    -------
    float or numpy.ndarray
        RWA as an amount of money, in the currency of ``ead``.

    Raises
    ------
    ValueError
        If ``pd`` or ``lgd`` is outside [0, 1], ``ead`` is negative or not
        finite, ``scaling`` is not > 0, or ``pd_floor`` is outside [0, 1).
    """
    ead_array = _check_non_negative(ead, "ead")
    capital = _floored_capital(pd, lgd, scaling, pd_floor)
    _check_broadcast(capital, ead_array, "ead", "pd and lgd")

    return _to_output(capital * CAPITAL_TO_RWA * ead_array)


PORTFOLIO_TOTAL = "all"
"""Label of the portfolio's total row in :func:`portfolio_capital`."""


def one_year_pd(lifetime_pd: ArrayLike, term_months: ArrayLike) -> np.ndarray:
    """One-year PD from a PD over the loan's whole term.

    The bundle's PD is the chance a 36- or 60-month loan defaults at any time
    before it ends; IRB capital wants a one-year PD. Assuming a constant
    default hazard over the term, ``1 - (1 - PD) ** (12 / term_months)``.

    Parameters
    ----------
    lifetime_pd : array-like
        PD over the term, fractions in [0, 1].
    term_months : array-like
        Term of each loan in months (> 0).
    """
    lifetime = np.asarray(lifetime_pd, dtype=float)
    months = np.asarray(term_months, dtype=float)
    if np.any(months <= 0):
        raise ValueError(f"term_months: expected months > 0, got {months.min()}.")
    return 1.0 - (1.0 - lifetime) ** (MONTHS_PER_YEAR / months)


def portfolio_capital(
    bundle, data, scaling: float = 1.0, pd_floor: float = PD_FLOOR, quiet: bool = False
):
    """IRB capital of applications scored with a bundle, by grade.

    Each loan that can be scored gets PD and LGD from the bundle and an EAD
    in money, ``principal x EAD fraction``. Its PD is turned into a one-year
    PD (:func:`one_year_pd`) for the capital formula; its capital is
    ``irb_capital(PD_1y, LGD) x EAD`` and its RWA ``irb_rwa(PD_1y, LGD, EAD)``.
    Expected loss stays the bundle's, over the loan's term.

    Parameters
    ----------
    bundle : xl_risk.bundle.Bundle
    data : DataFrame or mapping of header -> values
        Applications under any supported naming (see ``xl_risk.schema``).
    scaling : float, default 1.0
        Factor multiplying K; pass ``BASEL_II_SCALING`` (1.06) to apply it.
    pd_floor : float, default ``PD_FLOOR`` (3 bp)
    quiet : bool, default False
        Do not log unseen or folded categories (reports on training loans).

    Returns
    -------
    pandas.DataFrame
        Indexed by grade, then ``PORTFOLIO_TOTAL``: ``loans``, ``ead``
        (money), ``expected_loss`` (money), ``mean_pd`` (EAD-weighted
        one-year PD), ``capital`` (money), ``k`` (capital / EAD), ``rwa``
        (money) and ``risk_weight`` (RWA / EAD). ``attrs["unscored"]``
        counts the rows left out because they could not be scored, and
        ``attrs["problems"]`` maps each one's position to its reason.

    Raises
    ------
    DataError
        A required column is missing (named, as ``xl-risk score`` names
        it), or no row can be scored: ``xl_risk.scoring.NothingScored``,
        whose message is the first row's and which holds every row's.
    """
    # Imported here so the IRB formulas above stay importable without the
    # model stack (joblib, LightGBM) that scoring needs.
    import pandas

    from xl_risk.intake import SCORING_COLUMNS, DataError, require_columns
    from xl_risk.parsing import read_table
    from xl_risk.scoring import NothingScored, score_table

    table = read_table(data)
    require_columns(table, SCORING_COLUMNS, "cannot work out capital")
    scores = score_table(bundle, table, quiet)
    scored = ~np.isnan(scores.pd)
    if table.n_rows == 0:
        raise DataError("no applications to score")
    if not scored.any():  # a required column missing, say: every row says so
        raise NothingScored(
            f"none of the {table.n_rows:,} applications can be scored (the "
            f"first: {scores.problems[0]})",
            scores.problems,
        )
    ead = table.get("principal")[scored] * scores.ead[scored]
    lgd = scores.lgd[scored]
    pd_ = one_year_pd(scores.pd[scored], table.get("term_months")[scored])
    loans = pandas.DataFrame({
        "grade": table.get("grade")[scored],
        "loans": 1,
        "ead": ead,
        "expected_loss": scores.expected_loss[scored],
        "pd_x_ead": pd_ * ead,
        "capital": irb_capital(pd_, lgd, scaling, pd_floor) * ead,
        "rwa": irb_rwa(pd_, lgd, ead, scaling, pd_floor),
    })  # fmt: skip

    by_grade = loans.groupby("grade", sort=True).sum(numeric_only=True)
    by_grade.loc[PORTFOLIO_TOTAL] = by_grade.sum()
    exposure = by_grade["ead"].where(by_grade["ead"] > 0)
    by_grade["mean_pd"] = by_grade.pop("pd_x_ead") / exposure
    by_grade["k"] = by_grade["capital"] / exposure
    by_grade["risk_weight"] = by_grade["rwa"] / exposure
    by_grade["loans"] = by_grade["loans"].astype(int)
    by_grade.attrs["unscored"] = int((~scored).sum())
    by_grade.attrs["problems"] = scores.problems
    return by_grade[["loans", "ead", "expected_loss", "mean_pd", "capital", "k",
                     "rwa", "risk_weight"]]  # fmt: skip
