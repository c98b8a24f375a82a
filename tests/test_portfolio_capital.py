"""Tests for xl_risk.capital.portfolio_capital: IRB capital of scored loans."""

import numpy as np
import pytest

from xl_risk.capital import (
    BASEL_II_SCALING,
    CAPITAL_TO_RWA,
    PORTFOLIO_TOTAL,
    irb_capital,
    one_year_pd,
    portfolio_capital,
)
from xl_risk.demo import make_portfolio
from xl_risk.intake import DataError
from xl_risk.scoring import score

LOANS = 1_000
SEED = 9


@pytest.fixture(scope="module")
def applications():
    return make_portfolio(n_loans=LOANS, seed=SEED)


def test_portfolio_capital_total_is_the_sum_over_loans(bundle, applications):
    scores = score(bundle, applications)
    ead = applications["funded_amnt"].to_numpy() * scores.ead

    table = portfolio_capital(bundle, applications)

    total = table.loc[PORTFOLIO_TOTAL]
    pd_1y = one_year_pd(
        scores.pd, applications["term"].str.extract(r"(\d+)")[0].astype(float)
    )
    expected = np.sum(irb_capital(pd_1y, scores.lgd) * ead)
    assert total["loans"] == LOANS
    assert total["ead"] == pytest.approx(ead.sum())
    assert total["capital"] == pytest.approx(expected)
    assert total["rwa"] == pytest.approx(CAPITAL_TO_RWA * expected)
    assert total["expected_loss"] == pytest.approx(scores.expected_loss.sum())


def test_portfolio_capital_grades_add_up_to_the_total(bundle, applications):
    table = portfolio_capital(bundle, applications)

    grades = table.drop(index=PORTFOLIO_TOTAL)
    for column in ("loans", "ead", "expected_loss", "capital", "rwa"):
        assert grades[column].sum() == pytest.approx(table.loc[PORTFOLIO_TOTAL, column])
    assert list(grades.index) == sorted(applications["grade"].unique())


def test_portfolio_capital_scaling_multiplies_capital(bundle, applications):
    plain = portfolio_capital(bundle, applications)

    scaled = portfolio_capital(bundle, applications, scaling=BASEL_II_SCALING)

    np.testing.assert_allclose(scaled["capital"], BASEL_II_SCALING * plain["capital"])
    np.testing.assert_allclose(
        scaled["risk_weight"], BASEL_II_SCALING * plain["risk_weight"]
    )


def test_portfolio_capital_counts_rows_it_cannot_score(bundle, applications):
    rows = applications.head(10).copy()
    rows.loc[[2, 5], "annual_inc"] = None

    table = portfolio_capital(bundle, rows)

    assert table.attrs["unscored"] == 2
    assert table.loc[PORTFOLIO_TOTAL, "loans"] == 8
    problems = table.attrs["problems"]
    assert sorted(problems) == [2, 5]
    assert problems[2] == "annual income: required, got blank"


@pytest.mark.parametrize(
    ("dropped", "message"),
    [
        (["grade"], r"missing column: grade \(grade or rating\)$"),
        (
            ["grade", "funded_amnt", "loan_amnt"],
            r"missing column: principal \(principal or funded_amnt or loan_amnt\)\n"
            r"  - missing column: grade \(grade or rating\)$",
        ),
    ],
)
def test_portfolio_capital_missing_column_names_it(
    bundle, applications, dropped, message
):
    rows = applications.head(10).drop(columns=dropped)

    with pytest.raises(DataError, match=f"(?s)^cannot work out capital: .*{message}"):
        portfolio_capital(bundle, rows)


def test_portfolio_capital_no_scorable_row_names_the_first_problem(
    bundle, applications
):
    rows = applications.head(3).assign(grade="Z")

    with pytest.raises(
        DataError, match="none of the 3 applications can be scored .*grade: expected"
    ) as raised:
        portfolio_capital(bundle, rows)

    assert sorted(raised.value.problems) == [0, 1, 2]


def test_portfolio_capital_rejects_invalid_scaling(bundle, applications):
    with pytest.raises(ValueError, match="scaling must be a finite number > 0"):
        portfolio_capital(bundle, applications.head(5), scaling=0.0)


@pytest.mark.parametrize(
    ("lifetime", "months", "expected"),
    [(0.0, 36, 0.0), (1.0, 60, 1.0), (0.271, 36, 0.1), (1 - 0.9**5, 60, 0.1)],
)
def test_one_year_pd_constant_hazard(lifetime, months, expected):
    assert one_year_pd(lifetime, months) == pytest.approx(expected, abs=1e-3)


def test_one_year_pd_refuses_non_positive_term():
    with pytest.raises(ValueError, match="term_months: expected months > 0"):
        one_year_pd(0.1, 0)
