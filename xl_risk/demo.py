"""Seeded synthetic consumer-loan portfolio in Lending Club's published layout.

The generator lets a fresh install train the PD, EAD and LGD models without
downloading any data.  Every column uses Lending Club's published name and text
spelling (``" 36 months"``, ``"13.49%"``, ``"10+ years"``, ``"Dec-2011"``), so the
frame can go through the same cleaning code as a real ``LoanStats`` extract.

The data-generating process is deliberately structured:

* default is drawn from a logistic latent score of grade, term, FICO, DTI,
  revolving utilisation, recent inquiries, income, purpose and home ownership;
* the exposure at default of a charged-off loan follows from the annuity
  schedule and the number of instalments paid before default, which depends on
  term, interest rate and income;
* the recovery rate on the outstanding amount is a zero-inflated beta draw whose
  mean depends mildly on home ownership and loan size.

Examples
--------
>>> from xl_risk.demo import make_portfolio
>>> frame = make_portfolio(n_loans=1_000, seed=3)
>>> frame.shape[0]
1000
"""

import numpy as np
import pandas as pd

DEMO_SEED = 7
DEMO_LOANS = 20_000

# --- grade, sub-grade and interest rate ------------------------------------
GRADES = ("A", "B", "C", "D", "E", "F", "G")
GRADE_SHARES = (0.26, 0.30, 0.20, 0.13, 0.07, 0.03, 0.01)
SUB_GRADES_PER_GRADE = 5
GRADE_MEAN_RATE_PCT = (6.0, 10.5, 13.5, 16.0, 18.5, 20.5, 22.0)
SUB_GRADE_RATE_STEP_PCT = 0.45
MIDDLE_SUB_GRADE = 3
RATE_NOISE_SD_PCT = 0.15
RATE_DECIMALS = 2

# --- term --------------------------------------------------------------------
TERM_MONTHS = (36, 60)
TERM_LABELS = (" 36 months", " 60 months")
LONG_TERM_SHARE_BY_GRADE = (0.12, 0.20, 0.30, 0.36, 0.42, 0.48, 0.52)

# --- borrower profile --------------------------------------------------------
EMP_TITLES = (
    "Teacher",
    "Registered Nurse",
    "Manager",
    "Project Manager",
    "Software Engineer",
    "Sales Associate",
    "Accountant",
    "Office Manager",
    "Supervisor",
    "Truck Driver",
    "Police Officer",
    "Administrative Assistant",
    "Customer Service Representative",
    "Owner",
    "Engineer",
    "Director",
    "Analyst",
    "Attorney",
    "Pharmacist",
    "Electrician",
    "Mechanic",
    "Store Manager",
    "Operations Manager",
    "Consultant",
    "Paralegal",
    "Physician",
    "Firefighter",
    "Social Worker",
    "Account Executive",
    "Cashier",
    "Bank Teller",
    "Financial Analyst",
    "Graphic Designer",
    "Chef",
    "Warehouse Associate",
    "Executive Assistant",
    "Mail Carrier",
    "Dental Hygienist",
    "Program Manager",
    "Web Developer",
)
EMP_TITLE_MISSING_SHARE = 0.04
EMP_LENGTHS = (
    "< 1 year",
    "1 year",
    "2 years",
    "3 years",
    "4 years",
    "5 years",
    "6 years",
    "7 years",
    "8 years",
    "9 years",
    "10+ years",
    "n/a",
)
EMP_LENGTH_SHARES = (
    0.115,
    0.082,
    0.111,
    0.103,
    0.087,
    0.083,
    0.056,
    0.045,
    0.037,
    0.032,
    0.219,
    0.030,
)
EMP_LENGTH_UNKNOWN = "n/a"
HOME_OWNERSHIPS = ("RENT", "MORTGAGE", "OWN", "OTHER", "NONE")
HOME_OWNERSHIP_SHARES = (0.475, 0.440, 0.077, 0.006, 0.002)
MORTGAGE = "MORTGAGE"
VERIFICATION_STATUSES = ("Not Verified", "Verified", "Source Verified")
VERIFICATION_SHARES = (0.43, 0.32, 0.25)
MEDIAN_INCOME = 60_000.0
INCOME_LOG_SD = 0.55
MIN_INCOME = 4_000.0
INCOME_ROUNDING = 100.0

# --- purpose and description -------------------------------------------------
PURPOSES = (
    "debt_consolidation",
    "credit_card",
    "other",
    "home_improvement",
    "major_purchase",
    "small_business",
    "car",
    "wedding",
    "medical",
    "moving",
    "house",
    "vacation",
    "educational",
    "renewable_energy",
)
PURPOSE_SHARES = (
    0.470,
    0.130,
    0.099,
    0.075,
    0.055,
    0.046,
    0.039,
    0.024,
    0.017,
    0.015,
    0.010,
    0.009,
    0.008,
    0.003,
)
SMALL_BUSINESS = "small_business"
DESC_MISSING_SHARE = 0.40
DESC_PHRASES = (
    "I want to pay off my credit cards at a lower rate.",
    "Consolidating two cards into one monthly payment.",
    "Need funds to finish the kitchen remodel.",
    "Buying a used car to get to my new job.",
    "Paying for our wedding this summer.",
    "Expanding inventory for my small business.",
    "Covering medical bills not paid by insurance.",
    "Moving across the state for a better position.",
    "Stable job for 6 years, never missed a payment.",
    "Would like to be debt free in three years.",
)
DESC_PREFIX = "Borrower added on"
DESC_SUFFIX = "<br>"
DESC_MAX_DAY = 28

# --- issue date --------------------------------------------------------------
MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
FIRST_ISSUE_YEAR = 2009
ISSUE_YEARS = 3
MONTHS_PER_YEAR = 12
MONTHLY_VOLUME_GROWTH = 1.045
CENTURY = 100

# --- credit history ----------------------------------------------------------
DTI_MAX = 30.0
DTI_BASE_MEAN = 0.40
DTI_MEAN_STEP_PER_GRADE = 0.015
DTI_CONCENTRATION = 5.0
UTIL_BASE_MEAN = 0.40
UTIL_MEAN_STEP_PER_GRADE = 0.03
UTIL_CONCENTRATION = 4.0
UTIL_MAX_PCT = 99.9
PERCENT = 100.0
FICO_MEAN_BY_GRADE = (755.0, 722.0, 702.0, 692.0, 685.0, 680.0, 676.0)
FICO_SD = 18.0
FICO_MIN = 660
FICO_MAX = 820
FICO_STEP = 5
FICO_RANGE_WIDTH = 4
INQ_BASE_MEAN = 0.7
INQ_MEAN_STEP_PER_GRADE = 0.10
INQ_MAX = 8
DELINQ_COUNTS = (0, 1, 2, 3)
DELINQ_SHARES = (0.89, 0.08, 0.02, 0.01)
PUB_REC_COUNTS = (0, 1, 2)
PUB_REC_SHARES = (0.94, 0.045, 0.015)
OPEN_ACC_MIN = 2
OPEN_ACC_MAX = 30
OPEN_ACC_EXTRA_MEAN = 7.5
CLOSED_ACC_MEAN = 12.0
MORT_ACC_MAX = 5
MORT_ACC_MEAN_OWNER = 1.8
MORT_ACC_MEAN_OTHER = 0.3
BANKCARD_EXTRA_MEAN = 3.0
BANKCARD_HIGH_UTIL_POWER = 2.0
CREDIT_LIMIT_INCOME_SHARE = 0.30
CREDIT_LIMIT_LOG_SD = 0.5

# --- loan amount -------------------------------------------------------------
MEDIAN_LOAN = 9_600.0
LOAN_INCOME_ELASTICITY = 0.3
LOAN_LOG_SD = 0.6
MIN_LOAN = 1_000.0
MAX_LOAN = 35_000.0
LOAN_ROUNDING = 25.0
PARTIAL_FUNDING_SHARE = 0.05
PARTIAL_FUNDING_CUT = (0.05, 0.50)

# --- default model (logistic latent score) -----------------------------------
GRADE_LOGIT = (-2.26, -2.05, -1.93, -1.82, -1.76, -1.72, -1.60)
LONG_TERM_LOGIT = 0.60
FICO_CENTRE = 700.0
FICO_LOGIT_PER_POINT = -0.011
DTI_CENTRE = 15.0
DTI_LOGIT_PER_POINT = 0.04
UTIL_CENTRE_PCT = 50.0
UTIL_LOGIT_PER_POINT = 0.008
INQ_LOGIT = 0.20
INCOME_LOGIT_PER_LOG = -0.60
SMALL_BUSINESS_LOGIT = 0.70
HOME_OWNERSHIP_LOGIT = (0.10, -0.10, 0.0, 0.40, 0.30)

# --- loan status -------------------------------------------------------------
FULLY_PAID = "Fully Paid"
CHARGED_OFF = "Charged Off"
POLICY_PREFIX = "Does not meet the credit policy. Status:"
POLICY_SHARE_BY_YEAR = (0.14, 0.06, 0.03)

# --- repayment, exposure at default and recoveries ---------------------------
MONTHS_PAID_SHAPE = 2.0
MONTHS_PAID_MEAN = 18.0
MONTHS_PAID_INCOME_ELASTICITY = 0.25
MONTHS_PAID_RATE_CENTRE_PCT = 13.0
MONTHS_PAID_RATE_SCALE_PCT = 5.0
MONTHS_PAID_RATE_EFFECT = -0.15
MIN_MONTHS_PAID = 1.0
PREPAYMENT_SHARE = 0.35
RECOVERY_ZERO_SHARE = 0.15
RECOVERY_LOGIT = -2.45
RECOVERY_MORTGAGE_LOGIT = 0.70
RECOVERY_LOAN_SIZE_LOGIT = -0.55
RECOVERY_LOAN_CENTRE = 10_000.0
RECOVERY_CONCENTRATION = 8.0
MAX_COLLECTION_FEE_SHARE = 0.20
MONEY_DECIMALS = 2

# --- identifiers -------------------------------------------------------------
FIRST_LOAN_ID = 400_000
FIRST_MEMBER_ID = 600_000
MAX_ID_STEP = 40

COLUMNS = (
    "id",
    "member_id",
    "loan_amnt",
    "funded_amnt",
    "term",
    "int_rate",
    "installment",
    "grade",
    "sub_grade",
    "emp_title",
    "emp_length",
    "home_ownership",
    "annual_inc",
    "verification_status",
    "issue_d",
    "loan_status",
    "purpose",
    "desc",
    "dti",
    "pub_rec",
    "revol_util",
    "open_acc",
    "mort_acc",
    "percent_bc_gt_75",
    "fico_range_low",
    "fico_range_high",
    "inq_last_6mths",
    "delinq_2yrs",
    "revol_bal",
    "total_acc",
    "total_rec_prncp",
    "recoveries",
    "collection_recovery_fee",
    "total_pymnt",
)


def make_portfolio(n_loans: int = DEMO_LOANS, seed: int = DEMO_SEED) -> pd.DataFrame:
    """Generate a synthetic consumer-loan portfolio in Lending Club's layout.

    Parameters
    ----------
    n_loans : int, default 20_000
        Number of loans (rows) to generate; must be at least 1.
    seed : int, default 7
        Seed for :func:`numpy.random.default_rng`; the same seed always yields
        an identical frame.  Must be non-negative.

    Returns
    -------
    pandas.DataFrame
        One row per loan with the columns listed in :data:`COLUMNS`, using
        Lending Club's published names and text spellings.

    Raises
    ------
    TypeError
        If ``n_loans`` or ``seed`` is not an integer.
    ValueError
        If ``n_loans`` is below 1 or ``seed`` is negative.

    Examples
    --------
    >>> frame = make_portfolio(n_loans=500, seed=1)
    >>> sorted(frame["term"].unique())
    [' 36 months', ' 60 months']
    """
    _check_integer("n_loans", n_loans, minimum=1)
    _check_integer("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)

    draws = _draw_borrowers(rng, n_loans)
    draws.update(_draw_credit_history(rng, draws))
    draws.update(_draw_loan_terms(rng, draws))

    draws["default"] = _draw_default(rng, draws)
    draws.update(_draw_repayment(rng, draws))
    draws.update(_draw_text_fields(rng, draws))

    return _assemble_frame(rng, draws)


def _check_integer(name: str, value: object, minimum: int) -> None:
    """Raise if ``value`` is not an integer of at least ``minimum``.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    value : object
        Value to validate.
    minimum : int
        Smallest accepted value.

    Raises
    ------
    TypeError
        If ``value`` is a bool or not an integer.
    ValueError
        If ``value`` is below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")

    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def _draw_index(rng: np.random.Generator, shares: tuple, n_loans: int) -> np.ndarray:
    """Draw category indices with probabilities proportional to ``shares``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    shares : tuple of float
        Relative frequency of each category (normalised here).
    n_loans : int
        Number of draws.

    Returns
    -------
    numpy.ndarray
        Integer category indices in ``[0, len(shares))``.
    """
    probabilities = np.asarray(shares, dtype=float)
    probabilities = probabilities / probabilities.sum()
    return rng.choice(len(probabilities), size=n_loans, p=probabilities)


def _draw_beta(
    rng: np.random.Generator, mean: np.ndarray, concentration: float
) -> np.ndarray:
    """Draw beta variates parameterised by mean and concentration.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    mean : numpy.ndarray
        Mean of each draw, strictly inside ``(0, 1)``.
    concentration : float
        Sum of the two beta shape parameters; lower values are more dispersed.

    Returns
    -------
    numpy.ndarray
        Beta draws in ``(0, 1)``.
    """
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


def _draw_borrowers(rng: np.random.Generator, n_loans: int) -> dict:
    """Draw grade, borrower profile, purpose and issue month.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    n_loans : int
        Number of loans.

    Returns
    -------
    dict of str to numpy.ndarray
        Category indices (``grade``, ``sub_grade``, ``emp_length``, ``home``,
        ``verification``, ``purpose``), ``issue_month`` counted from January of
        :data:`FIRST_ISSUE_YEAR` and ``annual_inc``.
    """
    draws = {
        "grade": _draw_index(rng, GRADE_SHARES, n_loans),
        "sub_grade": rng.integers(1, SUB_GRADES_PER_GRADE + 1, size=n_loans),
        "emp_length": _draw_index(rng, EMP_LENGTH_SHARES, n_loans),
        "home": _draw_index(rng, HOME_OWNERSHIP_SHARES, n_loans),
        "verification": _draw_index(rng, VERIFICATION_SHARES, n_loans),
        "purpose": _draw_index(rng, PURPOSE_SHARES, n_loans),
    }

    n_months = ISSUE_YEARS * MONTHS_PER_YEAR
    volume = MONTHLY_VOLUME_GROWTH ** np.arange(n_months)
    draws["issue_month"] = _draw_index(rng, tuple(volume), n_loans)

    log_income = np.log(MEDIAN_INCOME) + INCOME_LOG_SD * rng.standard_normal(n_loans)
    income = np.maximum(np.exp(log_income), MIN_INCOME)
    draws["annual_inc"] = np.round(income / INCOME_ROUNDING) * INCOME_ROUNDING
    return draws


def _draw_credit_history(rng: np.random.Generator, draws: dict) -> dict:
    """Draw bureau attributes, worsening with grade.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        Output of :func:`_draw_borrowers`.

    Returns
    -------
    dict of str to numpy.ndarray
        ``dti``, ``revol_util`` (percent), ``fico_range_low``,
        ``inq_last_6mths``, ``delinq_2yrs``, ``pub_rec``, ``open_acc``,
        ``total_acc``, ``mort_acc``, ``percent_bc_gt_75`` and ``revol_bal``.
    """
    grade = draws["grade"]
    n_loans = grade.size
    dti_mean = DTI_BASE_MEAN + DTI_MEAN_STEP_PER_GRADE * grade
    util_mean = UTIL_BASE_MEAN + UTIL_MEAN_STEP_PER_GRADE * grade
    inq_mean = INQ_BASE_MEAN + INQ_MEAN_STEP_PER_GRADE * grade

    util = np.round(PERCENT * _draw_beta(rng, util_mean, UTIL_CONCENTRATION), 1)
    history = {
        "dti": np.round(DTI_MAX * _draw_beta(rng, dti_mean, DTI_CONCENTRATION), 2),
        "revol_util": np.minimum(util, UTIL_MAX_PCT),
        "fico_range_low": _draw_fico(rng, grade),
        "inq_last_6mths": np.minimum(rng.poisson(inq_mean), INQ_MAX),
        "delinq_2yrs": np.take(DELINQ_COUNTS, _draw_index(rng, DELINQ_SHARES, n_loans)),
        "pub_rec": np.take(PUB_REC_COUNTS, _draw_index(rng, PUB_REC_SHARES, n_loans)),
    }

    history.update(_draw_accounts(rng, draws["home"], history["revol_util"]))
    limit = _draw_credit_limit(rng, draws["annual_inc"])
    history["revol_bal"] = np.round(history["revol_util"] / PERCENT * limit)
    history["revol_bal"] = history["revol_bal"].astype(np.int64)
    return history


def _draw_fico(rng: np.random.Generator, grade: np.ndarray) -> np.ndarray:
    """Draw the lower FICO bound on Lending Club's 5-point grid.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    grade : numpy.ndarray
        Grade indices (0 for A).

    Returns
    -------
    numpy.ndarray
        Integer scores in ``[FICO_MIN, FICO_MAX]``, multiples of
        :data:`FICO_STEP`, lower for worse grades.
    """
    mean = np.take(FICO_MEAN_BY_GRADE, grade)
    score = mean + FICO_SD * rng.standard_normal(grade.size)

    snapped = np.round(score / FICO_STEP) * FICO_STEP
    return np.clip(snapped, FICO_MIN, FICO_MAX).astype(np.int64)


def _draw_accounts(
    rng: np.random.Generator, home: np.ndarray, revol_util: np.ndarray
) -> dict:
    """Draw account counts and the share of bankcards above 75% utilisation.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    home : numpy.ndarray
        Home-ownership indices into :data:`HOME_OWNERSHIPS`.
    revol_util : numpy.ndarray
        Revolving utilisation in percent.

    Returns
    -------
    dict of str to numpy.ndarray
        ``open_acc``, ``total_acc``, ``mort_acc`` and ``percent_bc_gt_75``.
    """
    n_loans = home.size
    extra_open = rng.poisson(OPEN_ACC_EXTRA_MEAN, size=n_loans)
    open_acc = np.minimum(OPEN_ACC_MIN + extra_open, OPEN_ACC_MAX)
    total_acc = open_acc + rng.poisson(CLOSED_ACC_MEAN, size=n_loans)

    is_owner = home == HOME_OWNERSHIPS.index(MORTGAGE)
    mort_mean = np.where(is_owner, MORT_ACC_MEAN_OWNER, MORT_ACC_MEAN_OTHER)
    mort_acc = np.minimum(rng.poisson(mort_mean), MORT_ACC_MAX)

    bankcards = 1 + rng.poisson(BANKCARD_EXTRA_MEAN, size=n_loans)
    high_share = (revol_util / PERCENT) ** BANKCARD_HIGH_UTIL_POWER
    high_cards = rng.binomial(bankcards, high_share)
    return {
        "open_acc": open_acc,
        "total_acc": total_acc,
        "mort_acc": mort_acc,
        "percent_bc_gt_75": np.round(PERCENT * high_cards / bankcards, 1),
    }


def _draw_credit_limit(rng: np.random.Generator, income: np.ndarray) -> np.ndarray:
    """Draw total revolving credit limits proportional to income.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    income : numpy.ndarray
        Annual income.

    Returns
    -------
    numpy.ndarray
        Positive credit limits.
    """
    noise = CREDIT_LIMIT_LOG_SD * rng.standard_normal(income.size)
    return CREDIT_LIMIT_INCOME_SHARE * income * np.exp(noise)


def _draw_loan_terms(rng: np.random.Generator, draws: dict) -> dict:
    """Draw amount, funding, term, interest rate and instalment.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        Borrower draws holding ``grade``, ``sub_grade`` and ``annual_inc``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``loan_amnt``, ``funded_amnt``, ``long_term`` (bool), ``months``,
        ``rate_pct``, ``payment`` (unrounded) and ``installment``.
    """
    grade = draws["grade"]
    n_loans = grade.size
    loan_amnt = _draw_loan_amount(rng, draws["annual_inc"])
    funded_amnt = _apply_partial_funding(rng, loan_amnt)

    long_share = np.take(LONG_TERM_SHARE_BY_GRADE, grade)
    long_term = rng.random(n_loans) < long_share
    months = np.where(long_term, TERM_MONTHS[1], TERM_MONTHS[0])

    sub_offset = (draws["sub_grade"] - MIDDLE_SUB_GRADE) * SUB_GRADE_RATE_STEP_PCT
    noise = RATE_NOISE_SD_PCT * rng.standard_normal(n_loans)
    rate_pct = np.round(np.take(GRADE_MEAN_RATE_PCT, grade) + sub_offset + noise, 2)

    payment = _annuity_payment(funded_amnt, rate_pct, months)
    return {
        "loan_amnt": loan_amnt,
        "funded_amnt": funded_amnt,
        "long_term": long_term,
        "months": months,
        "rate_pct": rate_pct,
        "payment": payment,
        "installment": np.round(payment, MONEY_DECIMALS),
    }


def _draw_loan_amount(rng: np.random.Generator, income: np.ndarray) -> np.ndarray:
    """Draw requested amounts, rising mildly with income.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    income : numpy.ndarray
        Annual income.

    Returns
    -------
    numpy.ndarray
        Amounts in ``[MIN_LOAN, MAX_LOAN]`` rounded to :data:`LOAN_ROUNDING`.
    """
    log_amount = (
        np.log(MEDIAN_LOAN)
        + LOAN_INCOME_ELASTICITY * np.log(income / MEDIAN_INCOME)
        + LOAN_LOG_SD * rng.standard_normal(income.size)
    )
    rounded = np.round(np.exp(log_amount) / LOAN_ROUNDING) * LOAN_ROUNDING
    return np.clip(rounded, MIN_LOAN, MAX_LOAN)


def _apply_partial_funding(
    rng: np.random.Generator, loan_amnt: np.ndarray
) -> np.ndarray:
    """Fund a small share of loans below the requested amount.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    loan_amnt : numpy.ndarray
        Requested amounts.

    Returns
    -------
    numpy.ndarray
        Funded amounts, never above ``loan_amnt`` nor below :data:`MIN_LOAN`.
    """
    n_loans = loan_amnt.size
    partial = (rng.random(n_loans) < PARTIAL_FUNDING_SHARE) & (loan_amnt > MIN_LOAN)
    cut = rng.uniform(*PARTIAL_FUNDING_CUT, size=n_loans)

    reduced = np.floor(loan_amnt * (1.0 - cut) / LOAN_ROUNDING) * LOAN_ROUNDING
    reduced = np.maximum(reduced, MIN_LOAN)
    return np.where(partial, reduced, loan_amnt)


def _annuity_payment(
    principal: np.ndarray, rate_pct: np.ndarray, months: np.ndarray
) -> np.ndarray:
    """Compute the level monthly payment of an amortising loan.

    Parameters
    ----------
    principal : numpy.ndarray
        Funded amount.
    rate_pct : numpy.ndarray
        Annual interest rate in percent.
    months : numpy.ndarray
        Number of monthly instalments.

    Returns
    -------
    numpy.ndarray
        Monthly payment (unrounded).
    """
    monthly = rate_pct / PERCENT / MONTHS_PER_YEAR
    return principal * monthly / (1.0 - (1.0 + monthly) ** -months)


def _remaining_share(
    rate_pct: np.ndarray, months: np.ndarray, paid: np.ndarray
) -> np.ndarray:
    """Share of principal still owed after ``paid`` scheduled instalments.

    Parameters
    ----------
    rate_pct : numpy.ndarray
        Annual interest rate in percent.
    months : numpy.ndarray
        Number of monthly instalments.
    paid : numpy.ndarray
        Instalments paid (may be fractional).

    Returns
    -------
    numpy.ndarray
        Outstanding principal divided by the funded amount, in ``[0, 1]``.
    """
    growth = 1.0 + rate_pct / PERCENT / MONTHS_PER_YEAR
    full = growth**months
    return (full - growth**paid) / (full - 1.0)


def _default_logit(draws: dict) -> np.ndarray:
    """Compute the latent log-odds of default for every loan.

    Parameters
    ----------
    draws : dict
        Borrower, credit-history and loan-term draws.

    Returns
    -------
    numpy.ndarray
        Log-odds of default.
    """
    small_business = draws["purpose"] == PURPOSES.index(SMALL_BUSINESS)
    log_income = np.log(draws["annual_inc"] / MEDIAN_INCOME)
    return (
        np.take(GRADE_LOGIT, draws["grade"])
        + LONG_TERM_LOGIT * draws["long_term"]
        + FICO_LOGIT_PER_POINT * (draws["fico_range_low"] - FICO_CENTRE)
        + DTI_LOGIT_PER_POINT * (draws["dti"] - DTI_CENTRE)
        + UTIL_LOGIT_PER_POINT * (draws["revol_util"] - UTIL_CENTRE_PCT)
        + INQ_LOGIT * draws["inq_last_6mths"]
        + INCOME_LOGIT_PER_LOG * log_income
        + SMALL_BUSINESS_LOGIT * small_business
        + np.take(HOME_OWNERSHIP_LOGIT, draws["home"])
    )


def _draw_default(rng: np.random.Generator, draws: dict) -> np.ndarray:
    """Draw default (charge-off) flags from the logistic latent score.

    Each loan defaults with probability ``sigmoid(score)``.  The uniforms are
    stratified within each grade (see :func:`_stratified_uniforms`), which keeps
    every marginal probability intact but removes most of the binomial noise
    from the realised grade default rates, so the small tail grades stay
    monotone even in a 20,000-loan portfolio.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        Borrower, credit-history and loan-term draws.

    Returns
    -------
    numpy.ndarray
        Boolean array, ``True`` for charged-off loans.
    """
    probability = 1.0 / (1.0 + np.exp(-_default_logit(draws)))
    return _stratified_uniforms(rng, draws["grade"]) < probability


def _stratified_uniforms(rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
    """Draw uniforms that are evenly spread within each group.

    Within a group of size ``m`` the ``k``-th value falls in ``[k/m, (k+1)/m)``
    and the strata are randomly permuted across members, so every value is
    still marginally ``Uniform(0, 1)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    groups : numpy.ndarray
        Integer group label of every draw.

    Returns
    -------
    numpy.ndarray
        Uniform draws in ``[0, 1)``.
    """
    uniforms = np.empty(groups.size)
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        size = members.size
        uniforms[members] = (rng.permutation(size) + rng.random(size)) / size
    return uniforms


def _draw_repayment(rng: np.random.Generator, draws: dict) -> dict:
    """Draw principal repaid, recoveries, fees and total payments.

    Charged-off loans pay a gamma-distributed number of instalments before
    default (fewer for high rates, more for high incomes), so their exposure
    at default follows from the annuity schedule.  Fully paid loans either run
    to term or prepay the balance at a uniform month.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        Loan-term draws plus the ``default`` flag.

    Returns
    -------
    dict of str to numpy.ndarray
        ``total_rec_prncp``, ``recoveries``, ``collection_recovery_fee`` and
        ``total_pymnt``.
    """
    default, funded = draws["default"], draws["funded_amnt"]
    paid = _draw_months_paid(rng, draws)
    owed_share = _remaining_share(draws["rate_pct"], draws["months"], paid)
    exposure = np.where(default, owed_share, 0.0)
    principal = np.round(funded * (1.0 - exposure), MONEY_DECIMALS)

    recoveries = _draw_recoveries(rng, draws, funded - principal)
    fee_share = rng.uniform(0.0, MAX_COLLECTION_FEE_SHARE, size=funded.size)
    scheduled = draws["payment"] * paid
    closing_balance = np.where(default, 0.0, funded * owed_share)
    total_paid = scheduled + closing_balance + recoveries
    return {
        "total_rec_prncp": principal,
        "recoveries": recoveries,
        "collection_recovery_fee": np.round(recoveries * fee_share, MONEY_DECIMALS),
        "total_pymnt": np.round(total_paid, MONEY_DECIMALS),
    }


def _draw_months_paid(rng: np.random.Generator, draws: dict) -> np.ndarray:
    """Draw how many (fractional) instalments each loan paid.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        Loan-term draws plus the ``default`` flag.

    Returns
    -------
    numpy.ndarray
        Months paid before default for charged-off loans; the full term or a
        uniform prepayment month for fully paid loans.
    """
    paid_default = _draw_months_before_default(rng, draws)
    paid_prepay = rng.uniform(MIN_MONTHS_PAID, draws["months"])
    prepaid = rng.random(paid_prepay.size) < PREPAYMENT_SHARE

    paid_clean = np.where(prepaid, paid_prepay, draws["months"])
    return np.where(draws["default"], paid_default, paid_clean)


def _draw_months_before_default(rng: np.random.Generator, draws: dict) -> np.ndarray:
    """Draw the (fractional) number of instalments paid before default.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        Loan-term draws with ``rate_pct``, ``months`` and ``annual_inc``.

    Returns
    -------
    numpy.ndarray
        Instalments paid, strictly between 0 and the term, so the exposure at
        default lies strictly inside ``(0, 1)``.
    """
    rate_z = (draws["rate_pct"] - MONTHS_PAID_RATE_CENTRE_PCT) / (
        MONTHS_PAID_RATE_SCALE_PCT
    )
    income_ratio = draws["annual_inc"] / MEDIAN_INCOME
    mean = (
        MONTHS_PAID_MEAN
        * income_ratio**MONTHS_PAID_INCOME_ELASTICITY
        * np.exp(MONTHS_PAID_RATE_EFFECT * rate_z)
    )

    scale = mean / MONTHS_PAID_SHAPE
    paid = rng.gamma(MONTHS_PAID_SHAPE, scale)
    return np.clip(paid, MIN_MONTHS_PAID, draws["months"] - MIN_MONTHS_PAID)


def _draw_recoveries(
    rng: np.random.Generator, draws: dict, outstanding: np.ndarray
) -> np.ndarray:
    """Draw post-charge-off recoveries as a zero-inflated beta share.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        Draws with ``default``, ``home`` and ``funded_amnt``.
    outstanding : numpy.ndarray
        Principal outstanding at charge-off (zero for paid loans).

    Returns
    -------
    numpy.ndarray
        Recovered amounts; zero for paid loans and for some charged-off loans.
    """
    is_mortgage = draws["home"] == HOME_OWNERSHIPS.index(MORTGAGE)
    size_log = np.log(draws["funded_amnt"] / RECOVERY_LOAN_CENTRE)
    logit = (
        RECOVERY_LOGIT
        + RECOVERY_MORTGAGE_LOGIT * is_mortgage
        + RECOVERY_LOAN_SIZE_LOGIT * size_log
    )

    mean = 1.0 / (1.0 + np.exp(-logit))
    share = _draw_beta(rng, mean, RECOVERY_CONCENTRATION)
    recovered = rng.random(share.size) >= RECOVERY_ZERO_SHARE
    share = np.where(draws["default"] & recovered, share, 0.0)
    return np.round(share * outstanding, MONEY_DECIMALS)


def _draw_text_fields(rng: np.random.Generator, draws: dict) -> dict:
    """Render Lending Club's text columns.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        All numeric draws.

    Returns
    -------
    dict of str to numpy.ndarray
        Text versions of ``term``, ``int_rate``, ``grade``, ``sub_grade``,
        ``emp_title``, ``issue_d``, ``loan_status``, ``desc`` and
        ``revol_util``, keyed ``<column>_text``.
    """
    grade_labels = np.take(GRADES, draws["grade"])
    month = draws["issue_month"] % MONTHS_PER_YEAR
    year = FIRST_ISSUE_YEAR + draws["issue_month"] // MONTHS_PER_YEAR
    month_text = np.take(MONTH_ABBREVIATIONS, month)

    return {
        "term_text": np.take(TERM_LABELS, draws["long_term"].astype(int)),
        "int_rate_text": _format_percent(draws["rate_pct"], RATE_DECIMALS),
        "grade_text": grade_labels,
        "sub_grade_text": np.char.add(grade_labels, draws["sub_grade"].astype(str)),
        "emp_title_text": _draw_emp_titles(rng, draws["emp_length"]),
        "issue_d_text": np.char.add(np.char.add(month_text, "-"), year.astype(str)),
        "loan_status_text": _draw_loan_status(rng, draws),
        "desc_text": _draw_descriptions(rng, month, year),
        "revol_util_text": _format_percent(draws["revol_util"], 1),
    }


def _format_percent(values: np.ndarray, decimals: int) -> np.ndarray:
    """Format numbers as Lending Club percent text, e.g. ``"13.49%"``.

    Parameters
    ----------
    values : numpy.ndarray
        Percent values.
    decimals : int
        Digits after the decimal point.

    Returns
    -------
    numpy.ndarray
        Strings ending with ``"%"``.
    """
    return np.char.mod(f"%.{decimals}f%%", values)


def _draw_emp_titles(rng: np.random.Generator, emp_length: np.ndarray) -> np.ndarray:
    """Draw job titles, missing for unknown tenure and a few others.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    emp_length : numpy.ndarray
        Indices into :data:`EMP_LENGTHS`.

    Returns
    -------
    numpy.ndarray
        Object array of titles with ``nan`` where missing.
    """
    titles = np.take(EMP_TITLES, rng.integers(len(EMP_TITLES), size=emp_length.size))
    unknown = emp_length == EMP_LENGTHS.index(EMP_LENGTH_UNKNOWN)
    missing = unknown | (rng.random(emp_length.size) < EMP_TITLE_MISSING_SHARE)
    return np.where(missing, np.nan, titles.astype(object))


def _draw_loan_status(rng: np.random.Generator, draws: dict) -> np.ndarray:
    """Render loan status, flagging older loans outside the credit policy.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    draws : dict
        Draws with ``default`` and ``issue_month``.

    Returns
    -------
    numpy.ndarray
        Lending Club status strings.
    """
    status = np.where(draws["default"], CHARGED_OFF, FULLY_PAID).astype(object)
    year_offset = draws["issue_month"] // MONTHS_PER_YEAR
    policy_share = np.take(POLICY_SHARE_BY_YEAR, year_offset)

    outside_policy = rng.random(status.size) < policy_share
    return np.where(outside_policy, POLICY_PREFIX + status, status)


def _draw_descriptions(
    rng: np.random.Generator, month: np.ndarray, year: np.ndarray
) -> np.ndarray:
    """Draw short loan descriptions in Lending Club's "Borrower added" style.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    month : numpy.ndarray
        Zero-based issue month within the year.
    year : numpy.ndarray
        Issue year.

    Returns
    -------
    numpy.ndarray
        Object array of descriptions with ``nan`` where missing.
    """
    n_loans = month.size
    phrases = np.take(DESC_PHRASES, rng.integers(len(DESC_PHRASES), size=n_loans))
    day = rng.integers(1, DESC_MAX_DAY + 1, size=n_loans)
    missing = rng.random(n_loans) < DESC_MISSING_SHARE

    texts = [
        f"{DESC_PREFIX} {m + 1:02d}/{d:02d}/{y % CENTURY:02d} > {p}{DESC_SUFFIX}"
        for m, d, y, p in zip(month, day, year, phrases, strict=True)
    ]
    return np.where(missing, np.nan, np.asarray(texts, dtype=object))


def _draw_identifiers(rng: np.random.Generator, issue_month: np.ndarray) -> tuple:
    """Draw loan and member ids that increase with the issue date.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    issue_month : numpy.ndarray
        Issue month index of every loan.

    Returns
    -------
    tuple of numpy.ndarray
        Unique ``id`` and ``member_id`` arrays.
    """
    n_loans = issue_month.size
    order = np.argsort(issue_month, kind="stable")
    loan_steps = rng.integers(1, MAX_ID_STEP, size=n_loans)
    member_steps = rng.integers(1, MAX_ID_STEP, size=n_loans)

    loan_id = np.empty(n_loans, dtype=np.int64)
    member_id = np.empty(n_loans, dtype=np.int64)
    loan_id[order] = FIRST_LOAN_ID + np.cumsum(loan_steps)
    member_id[order] = FIRST_MEMBER_ID + np.cumsum(member_steps)
    return loan_id, member_id


def _assemble_frame(rng: np.random.Generator, draws: dict) -> pd.DataFrame:
    """Assemble the draws into a frame with Lending Club's column order.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator (used for identifiers).
    draws : dict
        All numeric and text draws.

    Returns
    -------
    pandas.DataFrame
        The synthetic portfolio.
    """
    loan_id, member_id = _draw_identifiers(rng, draws["issue_month"])
    fico_low = draws["fico_range_low"]

    columns = {
        "id": loan_id,
        "member_id": member_id,
        "loan_amnt": draws["loan_amnt"],
        "funded_amnt": draws["funded_amnt"],
        "term": draws["term_text"],
        "int_rate": draws["int_rate_text"],
        "installment": draws["installment"],
        "grade": draws["grade_text"],
        "sub_grade": draws["sub_grade_text"],
        "emp_title": draws["emp_title_text"],
        "emp_length": np.take(EMP_LENGTHS, draws["emp_length"]),
        "home_ownership": np.take(HOME_OWNERSHIPS, draws["home"]),
        "annual_inc": draws["annual_inc"],
        "verification_status": np.take(VERIFICATION_STATUSES, draws["verification"]),
        "issue_d": draws["issue_d_text"],
        "loan_status": draws["loan_status_text"],
        "purpose": np.take(PURPOSES, draws["purpose"]),
        "desc": draws["desc_text"],
        "fico_range_high": fico_low + FICO_RANGE_WIDTH,
        "revol_util": draws["revol_util_text"],
    }
    passthrough = set(COLUMNS) - set(columns)
    columns.update({name: draws[name] for name in passthrough})
    return pd.DataFrame(columns)[list(COLUMNS)]
