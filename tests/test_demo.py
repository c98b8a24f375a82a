"""Tests for the synthetic Lending Club style portfolio in ``xl_risk.demo``."""

import time

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from xl_risk.demo import DEMO_LOANS, DEMO_SEED, make_portfolio

EXPECTED_COLUMNS = [
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
]
GRADES = list("ABCDEFG")
GRADE_TARGET_SHARES = [0.25, 0.30, 0.20, 0.13, 0.07, 0.03, 0.01]
LOAN_STATUSES = {
    "Fully Paid",
    "Charged Off",
    "Does not meet the credit policy. Status:Fully Paid",
    "Does not meet the credit policy. Status:Charged Off",
}
EMP_LENGTHS = {"< 1 year", "1 year", "10+ years", "n/a"} | {
    f"{years} years" for years in range(2, 10)
}
PURPOSES = {
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
}
MONTH_PATTERN = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
SMALL_N = 2_000
MAX_SECONDS = 2.0
HOLDOUT_SHARE = 0.3
SPLIT_SEED = 0


@pytest.fixture(scope="module")
def portfolio() -> pd.DataFrame:
    """Return the default demo portfolio (20,000 loans, seed 7)."""
    return make_portfolio()


@pytest.fixture(scope="module")
def charged_off(portfolio: pd.DataFrame) -> pd.DataFrame:
    """Return charged-off loans with exposure and recovery rates attached."""
    frame = portfolio[_defaulted(portfolio)].copy()
    outstanding = frame["funded_amnt"] - frame["total_rec_prncp"]
    frame["ead"] = outstanding / frame["funded_amnt"]
    frame["recovery_rate"] = frame["recoveries"] / outstanding
    return frame


def _defaulted(frame: pd.DataFrame) -> pd.Series:
    """Flag charged-off loans, including those outside the credit policy."""
    return frame["loan_status"].str.endswith("Charged Off")


def _percent(text: pd.Series) -> pd.Series:
    """Parse Lending Club percent text such as ``"13.49%"``."""
    return text.str.rstrip("%").astype(float)


def _grade_default_rates(frame: pd.DataFrame) -> pd.Series:
    """Default rate per grade, ordered A to G."""
    return _defaulted(frame).groupby(frame["grade"]).mean().reindex(GRADES)


def _pd_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Standardised numeric PD features parsed from the text columns."""
    features = pd.DataFrame(
        {
            "grade": frame["grade"].map({g: i for i, g in enumerate(GRADES)}),
            "long_term": (frame["term"] == " 60 months").astype(float),
            "int_rate": _percent(frame["int_rate"]),
            "fico": frame["fico_range_low"].astype(float),
            "dti": frame["dti"],
            "revol_util": _percent(frame["revol_util"]),
            "inquiries": frame["inq_last_6mths"].astype(float),
            "log_income": np.log(frame["annual_inc"]),
            "small_business": (frame["purpose"] == "small_business").astype(float),
            "renter": (frame["home_ownership"] == "RENT").astype(float),
        }
    )
    return (features - features.mean()) / features.std()


def _severity_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric EAD/LGD features of charged-off loans."""
    return pd.DataFrame(
        {
            "long_term": (frame["term"] == " 60 months").astype(float),
            "int_rate": _percent(frame["int_rate"]),
            "annual_inc": frame["annual_inc"],
            "funded_amnt": frame["funded_amnt"],
            "mortgage": (frame["home_ownership"] == "MORTGAGE").astype(float),
        }
    )


def _gbm_gain_over_mean(features: pd.DataFrame, target: pd.Series) -> float:
    """Holdout R^2 of LightGBM relative to predicting the training mean."""
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=HOLDOUT_SHARE, random_state=SPLIT_SEED
    )
    model = lgb.LGBMRegressor(
        n_estimators=200,
        learning_rate=0.03,
        num_leaves=15,
        min_child_samples=40,
        random_state=SPLIT_SEED,
        n_jobs=1,
        verbose=-1,
    )
    model.fit(x_train, y_train)

    model_mse = np.mean((model.predict(x_test) - y_test) ** 2)
    baseline_mse = np.mean((y_train.mean() - y_test) ** 2)
    return 1.0 - model_mse / baseline_mse


# --- API, validation and determinism -----------------------------------------


def test_demo_constants_match_documented_defaults() -> None:
    assert DEMO_SEED == 7
    assert DEMO_LOANS == 20_000


def test_make_portfolio_default_has_demo_row_count(portfolio: pd.DataFrame) -> None:
    assert len(portfolio) == DEMO_LOANS


def test_make_portfolio_returns_requested_row_count() -> None:
    assert len(make_portfolio(n_loans=137, seed=1)) == 137


def test_make_portfolio_single_loan_works() -> None:
    frame = make_portfolio(n_loans=1, seed=0)

    assert frame.shape == (1, len(EXPECTED_COLUMNS))


def test_make_portfolio_has_lending_club_columns(portfolio: pd.DataFrame) -> None:
    assert list(portfolio.columns) == EXPECTED_COLUMNS


def test_make_portfolio_same_seed_is_identical() -> None:
    pd.testing.assert_frame_equal(
        make_portfolio(SMALL_N, seed=11), make_portfolio(SMALL_N, seed=11)
    )


def test_make_portfolio_default_arguments_use_demo_seed(
    portfolio: pd.DataFrame,
) -> None:
    pd.testing.assert_frame_equal(portfolio, make_portfolio(DEMO_LOANS, DEMO_SEED))


def test_make_portfolio_different_seed_differs() -> None:
    first = make_portfolio(SMALL_N, seed=1)
    second = make_portfolio(SMALL_N, seed=2)

    assert not first["loan_amnt"].equals(second["loan_amnt"])


def test_make_portfolio_accepts_numpy_integers() -> None:
    pd.testing.assert_frame_equal(
        make_portfolio(np.int64(50), np.int32(3)), make_portfolio(50, 3)
    )


def test_make_portfolio_generates_demo_size_under_two_seconds() -> None:
    start = time.perf_counter()
    make_portfolio(DEMO_LOANS, DEMO_SEED)

    assert time.perf_counter() - start < MAX_SECONDS


@pytest.mark.parametrize("n_loans", [0, -5])
def test_make_portfolio_too_few_loans_raises_value_error(n_loans: int) -> None:
    with pytest.raises(ValueError, match="n_loans must be at least 1"):
        make_portfolio(n_loans=n_loans)


@pytest.mark.parametrize("n_loans", [10.0, "10", True, None])
def test_make_portfolio_non_integer_loans_raises_type_error(n_loans: object) -> None:
    with pytest.raises(TypeError, match="n_loans must be an integer"):
        make_portfolio(n_loans=n_loans)


def test_make_portfolio_negative_seed_raises_value_error() -> None:
    with pytest.raises(ValueError, match="seed must be at least 0"):
        make_portfolio(n_loans=10, seed=-1)


def test_make_portfolio_non_integer_seed_raises_type_error() -> None:
    with pytest.raises(TypeError, match="seed must be an integer"):
        make_portfolio(n_loans=10, seed=1.5)


# --- identifiers and text spellings --------------------------------------------


def test_make_portfolio_ids_are_unique_integers(portfolio: pd.DataFrame) -> None:
    assert portfolio["id"].is_unique
    assert pd.api.types.is_integer_dtype(portfolio["id"])
    assert pd.api.types.is_integer_dtype(portfolio["member_id"])


def test_term_uses_published_spelling(portfolio: pd.DataFrame) -> None:
    assert set(portfolio["term"]) == {" 36 months", " 60 months"}
    assert portfolio["term"].str.contains("months").all()


def test_term_long_share_is_about_a_quarter(portfolio: pd.DataFrame) -> None:
    long_share = (portfolio["term"] == " 60 months").mean()

    assert 0.20 <= long_share <= 0.30


def test_int_rate_is_percent_text(portfolio: pd.DataFrame) -> None:
    assert portfolio["int_rate"].str.endswith("%").all()
    assert portfolio["int_rate"].str.fullmatch(r"\d{1,2}\.\d{2}%").all()


def test_int_rate_rises_with_grade(portfolio: pd.DataFrame) -> None:
    mean_rate = _percent(portfolio["int_rate"]).groupby(portfolio["grade"]).mean()
    mean_rate = mean_rate.reindex(GRADES)

    assert mean_rate.is_monotonic_increasing
    assert 5.0 <= mean_rate["A"] <= 7.0
    assert 21.0 <= mean_rate["G"] <= 23.0


def test_revol_util_is_percent_text(portfolio: pd.DataFrame) -> None:
    assert portfolio["revol_util"].str.fullmatch(r"\d{1,2}\.\d%").all()


def test_grade_mix_matches_lending_club(portfolio: pd.DataFrame) -> None:
    shares = portfolio["grade"].value_counts(normalize=True).reindex(GRADES)

    np.testing.assert_allclose(shares, GRADE_TARGET_SHARES, atol=0.02)


def test_sub_grade_extends_grade_with_digit(portfolio: pd.DataFrame) -> None:
    assert portfolio["sub_grade"].str.fullmatch(r"[A-G][1-5]").all()
    assert (portfolio["sub_grade"].str[0] == portfolio["grade"]).all()


def test_emp_length_uses_published_spellings(portfolio: pd.DataFrame) -> None:
    values = set(portfolio["emp_length"])

    assert values <= EMP_LENGTHS
    assert {"n/a", "10+ years", "< 1 year", "1 year"} <= values


def test_emp_length_unknown_share_is_small(portfolio: pd.DataFrame) -> None:
    unknown_share = (portfolio["emp_length"] == "n/a").mean()

    assert 0.02 <= unknown_share <= 0.04


def test_emp_title_has_realistic_titles_and_gaps(portfolio: pd.DataFrame) -> None:
    titles = portfolio["emp_title"]

    assert 0.0 < titles.isna().mean() < 0.15
    assert 30 <= titles.nunique() <= 50
    assert "Registered Nurse" in set(titles.dropna())


def test_home_ownership_is_mostly_rent_mortgage_own(portfolio: pd.DataFrame) -> None:
    counts = portfolio["home_ownership"].value_counts(normalize=True)

    assert set(counts.index) == {"RENT", "MORTGAGE", "OWN", "OTHER", "NONE"}
    assert counts[["RENT", "MORTGAGE", "OWN"]].sum() > 0.98


def test_verification_status_uses_published_values(portfolio: pd.DataFrame) -> None:
    expected = {"Verified", "Source Verified", "Not Verified"}

    assert set(portfolio["verification_status"]) == expected


def test_issue_d_is_month_year_text(portfolio: pd.DataFrame) -> None:
    issue_d = portfolio["issue_d"]

    assert issue_d.str.fullmatch(MONTH_PATTERN + r"-20(09|10|11)").all()
    assert {"Jan-2009", "Dec-2011"} <= set(issue_d)
    assert issue_d.nunique() == 36


def test_loan_status_uses_published_values(portfolio: pd.DataFrame) -> None:
    assert set(portfolio["loan_status"]) == LOAN_STATUSES


def test_loan_status_policy_share_is_about_five_percent(
    portfolio: pd.DataFrame,
) -> None:
    policy_share = portfolio["loan_status"].str.startswith("Does not meet").mean()

    assert 0.03 <= policy_share <= 0.07


def test_purpose_uses_lending_club_codes(portfolio: pd.DataFrame) -> None:
    shares = portfolio["purpose"].value_counts(normalize=True)

    assert set(shares.index) == PURPOSES
    assert 0.44 <= shares["debt_consolidation"] <= 0.50
    assert 0.11 <= shares["credit_card"] <= 0.15


def test_desc_is_short_text_or_missing(portfolio: pd.DataFrame) -> None:
    desc = portfolio["desc"]

    assert 0.2 < desc.isna().mean() < 0.6
    assert desc.dropna().str.startswith("Borrower added on").all()
    assert desc.dropna().str.len().max() < 200


# --- numeric ranges ------------------------------------------------------------


def test_amounts_lie_within_lending_club_limits(portfolio: pd.DataFrame) -> None:
    for column in ("loan_amnt", "funded_amnt"):
        assert portfolio[column].between(1_000, 35_000).all()

    assert (portfolio["funded_amnt"] <= portfolio["loan_amnt"]).all()


def test_funded_amnt_differs_in_about_five_percent(portfolio: pd.DataFrame) -> None:
    differs = (portfolio["funded_amnt"] != portfolio["loan_amnt"]).mean()

    assert 0.03 <= differs <= 0.07


def test_installment_matches_annuity_formula(portfolio: pd.DataFrame) -> None:
    monthly = _percent(portfolio["int_rate"]) / 100 / 12
    months = portfolio["term"].str.extract(r"(\d+)")[0].astype(int)
    expected = portfolio["funded_amnt"] * monthly / (1 - (1 + monthly) ** -months)

    np.testing.assert_allclose(portfolio["installment"], expected, atol=0.006)


def test_annual_inc_is_lognormal_around_sixty_thousand(
    portfolio: pd.DataFrame,
) -> None:
    income = portfolio["annual_inc"]

    assert 55_000 <= income.median() <= 65_000
    assert 1 <= (income > 300_000).sum() <= 0.01 * len(income)
    assert income.mean() > income.median()


def test_fico_range_is_on_five_point_grid(portfolio: pd.DataFrame) -> None:
    low = portfolio["fico_range_low"]

    assert low.between(660, 820).all()
    assert (low % 5 == 0).all()
    assert (portfolio["fico_range_high"] == low + 4).all()


def test_fico_falls_with_worse_grade(portfolio: pd.DataFrame) -> None:
    mean_fico = portfolio.groupby("grade")["fico_range_low"].mean().reindex(GRADES)

    assert mean_fico.is_monotonic_decreasing


@pytest.mark.parametrize(
    ("column", "low", "high"),
    [
        ("dti", 0, 30),
        ("open_acc", 2, 30),
        ("mort_acc", 0, 5),
        ("percent_bc_gt_75", 0, 100),
        ("inq_last_6mths", 0, 8),
        ("delinq_2yrs", 0, 3),
        ("pub_rec", 0, 2),
    ],
)
def test_credit_attribute_stays_in_range(
    portfolio: pd.DataFrame, column: str, low: float, high: float
) -> None:
    assert portfolio[column].between(low, high).all()


def test_pub_rec_is_mostly_zero(portfolio: pd.DataFrame) -> None:
    assert (portfolio["pub_rec"] == 0).mean() > 0.9
    assert (portfolio["pub_rec"] > 0).any()


def test_total_acc_is_at_least_open_acc(portfolio: pd.DataFrame) -> None:
    assert (portfolio["total_acc"] >= portfolio["open_acc"]).all()
    assert (portfolio["revol_bal"] >= 0).all()


# --- default structure ---------------------------------------------------------


def test_default_rate_overall_is_near_fifteen_percent(
    portfolio: pd.DataFrame,
) -> None:
    assert 0.13 <= _defaulted(portfolio).mean() <= 0.17


def test_default_rate_rises_monotonically_by_grade(portfolio: pd.DataFrame) -> None:
    rates = _grade_default_rates(portfolio)

    assert rates.is_monotonic_increasing
    assert rates.diff().dropna().gt(0).all()


def test_default_rate_spans_six_to_thirty_three_percent(
    portfolio: pd.DataFrame,
) -> None:
    rates = _grade_default_rates(portfolio)

    assert 0.04 <= rates["A"] <= 0.08
    assert 0.27 <= rates["G"] <= 0.40


def test_default_rate_long_term_about_double(portfolio: pd.DataFrame) -> None:
    by_term = _defaulted(portfolio).groupby(portfolio["term"]).mean()
    ratio = by_term[" 60 months"] / by_term[" 36 months"]

    assert 1.6 <= ratio <= 2.6


def test_default_rate_higher_for_small_business(portfolio: pd.DataFrame) -> None:
    small_business = portfolio["purpose"] == "small_business"
    defaulted = _defaulted(portfolio)

    assert defaulted[small_business].mean() > defaulted[~small_business].mean()


def test_default_logistic_regression_auc_is_realistic(
    portfolio: pd.DataFrame,
) -> None:
    x_train, x_test, y_train, y_test = train_test_split(
        _pd_features(portfolio),
        _defaulted(portfolio),
        test_size=HOLDOUT_SHARE,
        random_state=SPLIT_SEED,
    )
    model = LogisticRegression(max_iter=1_000).fit(x_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])

    assert 0.68 <= auc <= 0.75


# --- repayment, exposure at default and recoveries -----------------------------


def test_total_rec_prncp_equals_funded_for_paid_loans(
    portfolio: pd.DataFrame,
) -> None:
    paid = portfolio[~_defaulted(portfolio)]

    assert (paid["total_rec_prncp"] == paid["funded_amnt"]).all()
    assert (paid["recoveries"] == 0).all()


def test_ead_lies_strictly_inside_unit_interval(charged_off: pd.DataFrame) -> None:
    assert charged_off["ead"].between(0, 1, inclusive="neither").all()
    assert 0.58 <= charged_off["ead"].mean() <= 0.70


def test_ead_higher_for_long_term_loans(charged_off: pd.DataFrame) -> None:
    mean_ead = charged_off.groupby("term")["ead"].mean()

    assert mean_ead[" 60 months"] > mean_ead[" 36 months"] + 0.1


def test_ead_rises_with_interest_rate(charged_off: pd.DataFrame) -> None:
    short = charged_off[charged_off["term"] == " 36 months"]
    rate = _percent(short["int_rate"])

    assert short["ead"].corr(rate) > 0.1


def test_recovery_rate_mean_is_near_ten_percent(charged_off: pd.DataFrame) -> None:
    assert 0.07 <= charged_off["recovery_rate"].mean() <= 0.13


def test_recovery_rate_is_skewed_with_exact_zeros(charged_off: pd.DataFrame) -> None:
    rate = charged_off["recovery_rate"]

    assert 0.05 <= (charged_off["recoveries"] == 0).mean() <= 0.30
    assert rate.mean() > rate.median()
    assert rate.between(0, 1).all()


def test_recovery_rate_higher_with_mortgage(charged_off: pd.DataFrame) -> None:
    mortgage = charged_off["home_ownership"] == "MORTGAGE"
    rate = charged_off["recovery_rate"]

    assert rate[mortgage].mean() > rate[~mortgage].mean()


def test_collection_fee_never_exceeds_recoveries(portfolio: pd.DataFrame) -> None:
    fee = portfolio["collection_recovery_fee"]

    assert (fee >= 0).all()
    assert (fee <= portfolio["recoveries"]).all()


def test_total_pymnt_covers_principal_and_recoveries(
    portfolio: pd.DataFrame,
) -> None:
    received = portfolio["total_rec_prncp"] + portfolio["recoveries"]

    assert (portfolio["total_pymnt"] >= received - 0.01).all()


def test_gbm_beats_mean_baseline_on_ead(charged_off: pd.DataFrame) -> None:
    gain = _gbm_gain_over_mean(_severity_features(charged_off), charged_off["ead"])

    assert gain > 0.05


def test_gbm_beats_mean_baseline_on_lgd(charged_off: pd.DataFrame) -> None:
    lgd = 1.0 - charged_off["recovery_rate"]
    gain = _gbm_gain_over_mean(_severity_features(charged_off), lgd)

    assert gain > 0.0
