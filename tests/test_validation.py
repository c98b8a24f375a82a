"""Tests for xl_risk.validation (PD and EAD/LGD validation statistics)."""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from sklearn.metrics import roc_auc_score

from xl_risk.validation import (
    auc_with_ci,
    base_rate_brier,
    binomial_test_by_group,
    brier,
    gini,
    hosmer_lemeshow,
    jeffreys_test_by_group,
    ks_statistic,
    pd_validation,
    regression_error_by_decile,
)


def simulate(n, seed, distortion=1.0):
    """Draw PDs and defaults; the returned PDs are distorted by a factor."""
    rng = np.random.default_rng(seed)
    true_pd = rng.uniform(0.01, 0.30, size=n)
    defaults = (rng.uniform(size=n) < true_pd).astype(int)

    return defaults, np.clip(true_pd * distortion, 0.0, 1.0)


def brute_force_delong(y, p):
    """O(n^2) DeLong AUC and variance from pairwise comparisons."""
    bads, goods = p[y == 1], p[y == 0]
    kernel = (bads[:, None] > goods[None, :]) + 0.5 * (bads[:, None] == goods[None, :])
    bad_components, good_components = kernel.mean(axis=1), kernel.mean(axis=0)
    variance = (
        bad_components.var(ddof=1) / bads.size
        + good_components.var(ddof=1) / goods.size
    )

    return kernel.mean(), variance


def beta_density(x, a, b):
    """Beta(a, b) density written out with log-gamma functions."""
    log_norm = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)

    return math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - log_norm)


@pytest.mark.parametrize("decimals", [None, 2])
def test_auc_with_ci_matches_sklearn(decimals):
    y, p = simulate(2_000, seed=1)
    scores = p if decimals is None else np.round(p, decimals)

    auc, low, high = auc_with_ci(y, scores)

    assert auc == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    assert low < auc < high


def test_auc_with_ci_variance_matches_brute_force():
    y, p = simulate(400, seed=3)
    scores = np.round(p, 2)

    result = auc_with_ci(y, scores, level=0.95)
    auc, variance = brute_force_delong(y, scores)

    half_width = 1.959963984540054 * math.sqrt(variance)
    assert result.auc == pytest.approx(auc)
    assert result.high - result.auc == pytest.approx(half_width)


def test_auc_with_ci_narrows_with_n():
    widths = []
    for n in (500, 5_000, 50_000):
        _, low, high = auc_with_ci(*simulate(n, seed=5))
        widths.append(high - low)

    assert widths[0] > widths[1] > widths[2]


def test_auc_with_ci_wider_at_higher_level():
    y, p = simulate(1_000, seed=6)

    narrow = auc_with_ci(y, p, level=0.90)
    wide = auc_with_ci(y, p, level=0.99)

    assert wide.high - wide.low > narrow.high - narrow.low


def test_auc_with_ci_perfect_separation_clipped():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])

    assert auc_with_ci(y, p) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(("auc", "expected"), [(0.5, 0.0), (0.75, 0.5), (1.0, 1.0)])
def test_gini_from_auc(auc, expected):
    assert gini(auc) == pytest.approx(expected)


def test_ks_statistic_hand_example():
    # goods 0.1, 0.2, 0.6; bads 0.3, 0.9. At 0.2: F_good = 2/3, F_bad = 0.
    y = [0, 0, 0, 1, 1]
    p = [0.1, 0.2, 0.6, 0.3, 0.9]

    assert ks_statistic(y, p) == pytest.approx(2.0 / 3.0)


def test_ks_statistic_with_ties():
    y = [0, 1, 0, 1]
    p = [0.2, 0.2, 0.5, 0.5]

    assert ks_statistic(y, p) == pytest.approx(0.0)


def test_brier_hand_example():
    assert brier([0, 1, 1], [0.1, 0.8, 0.5]) == pytest.approx((0.01 + 0.04 + 0.25) / 3)


def test_base_rate_brier_hand_example():
    assert base_rate_brier([0, 0, 0, 1]) == pytest.approx(0.25 * 0.75)


def test_hosmer_lemeshow_calibrated_not_rejected():
    y, p = simulate(20_000, seed=11)

    result = hosmer_lemeshow(y, p)

    assert result.dof == 8
    assert result.p_value > 0.05
    assert len(result.table) == 10
    assert result.table["n"].sum() == 20_000


def test_hosmer_lemeshow_miscalibrated_rejected():
    y, p = simulate(20_000, seed=11, distortion=0.7)

    assert hosmer_lemeshow(y, p).p_value < 0.001


def test_hosmer_lemeshow_table_contents():
    y = [0, 0, 1, 0, 1, 1]
    p = [0.1, 0.1, 0.2, 0.4, 0.6, 0.8]

    table = hosmer_lemeshow(y, p, groups=3).table

    assert list(table.columns) == [
        "group",
        "n",
        "predicted_pd",
        "observed_rate",
        "expected_defaults",
        "observed_defaults",
    ]
    np.testing.assert_allclose(table["predicted_pd"], [0.1, 0.3, 0.7])
    np.testing.assert_array_equal(table["observed_defaults"], [0, 1, 2])


def test_hosmer_lemeshow_statistic_hand_example():
    y = [0, 0, 1, 0, 1, 1]
    p = [0.1, 0.1, 0.2, 0.4, 0.6, 0.8]

    result = hosmer_lemeshow(y, p, groups=3)

    manual = 0.2**2 / (0.2 * 0.9) + 0.4**2 / (0.6 * 0.7) + 0.6**2 / (1.4 * 0.3)
    assert result.statistic == pytest.approx(manual)


def test_binomial_test_by_group_hand_example():
    y = [1] * 5 + [0] * 95 + [0] * 50
    p = [0.02] * 100 + [0.05] * 50
    group = ["A"] * 100 + ["B"] * 50

    table = binomial_test_by_group(y, p, group)

    below_five = sum(math.comb(100, k) * 0.02**k * 0.98 ** (100 - k) for k in range(5))
    row_a, row_b = table.iloc[0], table.iloc[1]
    assert row_a["p_value"] == pytest.approx(1.0 - below_five)
    assert row_b["p_value"] == pytest.approx(1.0)
    assert (row_a["n"], row_a["defaults"], row_a["observed_rate"]) == (100, 5, 0.05)
    assert bool(row_a["passed"]) is True
    assert table["level"].eq(0.99).all()


def test_binomial_test_by_group_fails_underestimated_pd():
    y = [1] * 10 + [0] * 90
    p = [0.01] * 100

    table = binomial_test_by_group(y, p, ["A"] * 100, level=0.99)

    assert not table["passed"].iloc[0]


def test_jeffreys_test_by_group_hand_example():
    y = [1] * 5 + [0] * 95
    p = [0.02] * 100

    table = jeffreys_test_by_group(y, p, ["A"] * 100)

    manual, _ = quad(beta_density, 0.0, 0.02, args=(5.5, 95.5))
    assert table["p_value"].iloc[0] == pytest.approx(manual, rel=1e-6)
    assert list(table.columns) == [
        "group",
        "n",
        "defaults",
        "observed_rate",
        "predicted_pd",
        "p_value",
        "passed",
        "level",
    ]


@pytest.mark.parametrize(
    ("level", "expected_pass"),
    [(0.90, False), (0.999, True)],
)
def test_jeffreys_test_by_group_level_decides_pass(level, expected_pass):
    y = [1] * 5 + [0] * 95
    p = [0.02] * 100

    table = jeffreys_test_by_group(y, p, ["A"] * 100, level=level)

    assert bool(table["passed"].iloc[0]) is expected_pass
    assert table["level"].iloc[0] == level


def test_regression_error_by_decile_hand_example():
    actual = [1.0, 2.0, 3.0, 10.0]
    predicted = [1.5, 2.5, 4.0, 8.0]

    table = regression_error_by_decile(actual, predicted, deciles=2)

    np.testing.assert_array_equal(table["n"], [2, 2])
    np.testing.assert_allclose(table["mean_predicted"], [2.0, 6.0])
    np.testing.assert_allclose(table["mean_actual"], [1.5, 6.5])
    np.testing.assert_allclose(table["mae_model"], [0.5, 1.5])
    np.testing.assert_allclose(table["mae_baseline"], [2.5, 3.5])


def test_regression_error_by_decile_default_has_ten_rows():
    rng = np.random.default_rng(2)
    actual = rng.uniform(size=1_000)

    table = regression_error_by_decile(actual, actual + rng.normal(0, 0.01, 1_000))

    assert len(table) == 10
    assert (table["mae_model"] < table["mae_baseline"]).all()


@pytest.mark.parametrize(
    ("y", "p", "match"),
    [
        ([0, 2], [0.1, 0.2], r"^y must contain only 0 .* and 1 .*got 2\.0\.$"),
        ([0, 1], [0.1, 1.2], r"^p must be a fraction in \[0, 1\], got 1\.2\.$"),
        ([0, 1], [0.1, np.nan], r"^p must be a fraction in \[0, 1\], got nan\.$"),
        ([0, 1], [0.1], r"^p must have the same length as y \(2\), got 1\.$"),
        ([], [], r"^y must contain at least one value, got 0 values\.$"),
        ([0, 0, 1], [0.1, 0.2, 0.3], r"^y must contain at least 2 default"),
    ],
)
def test_auc_with_ci_invalid_input_raises(y, p, match):
    with pytest.raises(ValueError, match=match):
        auc_with_ci(y, p)


@pytest.mark.parametrize("level", [0.0, 1.0, 95])
def test_auc_with_ci_invalid_level_raises(level):
    y, p = simulate(100, seed=0)

    with pytest.raises(ValueError, match=r"^level must be a fraction in \(0, 1\)"):
        auc_with_ci(y, p, level=level)


def test_ks_statistic_single_class_raises():
    with pytest.raises(ValueError, match=r"^y must contain at least 1.*got 2 and 0\.$"):
        ks_statistic([1, 1], [0.1, 0.2])


def test_gini_invalid_auc_raises():
    with pytest.raises(ValueError, match=r"^auc must be a fraction .*got 1\.5\.$"):
        gini(1.5)


@pytest.mark.parametrize("groups", [2, 7, 3.0])
def test_hosmer_lemeshow_invalid_groups_raises(groups):
    y, p = [0, 1, 0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]

    with pytest.raises(ValueError, match=r"^groups must be an integer from 3"):
        hosmer_lemeshow(y, p, groups=groups)


@pytest.mark.parametrize(
    ("group", "match"),
    [
        (["A", "B"], r"^group must have the same length as y \(3\), got 2\.$"),
        (["A", None, "B"], r"^group must not contain missing labels, got 1\.$"),
    ],
)
def test_binomial_test_by_group_invalid_group_raises(group, match):
    with pytest.raises(ValueError, match=match):
        binomial_test_by_group([0, 1, 0], [0.1, 0.2, 0.3], group)


@pytest.mark.parametrize(
    ("actual", "predicted", "match"),
    [
        ([1.0, np.inf], [1.0, 2.0], r"^actual must be finite numbers, got inf\.$"),
        ([1.0, 2.0], [1.0], r"^predicted must have the same length as actual"),
    ],
)
def test_regression_error_by_decile_invalid_input_raises(actual, predicted, match):
    with pytest.raises(ValueError, match=match):
        regression_error_by_decile(actual, predicted, deciles=1)


def test_pd_validation_is_the_statistics_it_gathers():
    y, p = simulate(2_000, seed=11)
    grades = np.where(p < 0.1, "A", np.where(p < 0.2, "B", "C"))
    found = pd_validation(y, p, grades, level=0.95, groups=8)

    assert (found.loans, found.bad_loans) == (2_000, int(y.sum()))
    assert found.auc == auc_with_ci(y, p)
    assert found.gini == pytest.approx(2 * roc_auc_score(y, p) - 1, abs=1e-12)
    assert found.ks == ks_statistic(y, p)
    assert (found.brier, found.brier_base_rate) == (brier(y, p), base_rate_brier(y))
    assert found.hosmer_lemeshow.dof == 8 - 2
    assert found.hosmer_lemeshow.statistic == hosmer_lemeshow(y, p, 8).statistic
    assert found.binomial.equals(binomial_test_by_group(y, p, grades, 0.95))
    assert found.jeffreys.equals(jeffreys_test_by_group(y, p, grades, 0.95))
    assert list(found.binomial["group"]) == ["A", "B", "C"]


def test_pd_validation_uses_fewer_groups_than_loans():
    y = np.array([0, 1, 0, 1, 0])
    found = pd_validation(y, [0.1, 0.6, 0.2, 0.7, 0.3], ["A"] * 5, groups=10)
    assert found.hosmer_lemeshow.dof == 5 - 2


def test_pd_validation_needs_two_of_each_class():
    with pytest.raises(ValueError, match="at least 2"):
        pd_validation([0, 0, 1], [0.1, 0.2, 0.9], ["A", "A", "A"])
