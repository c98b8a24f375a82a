"""Tests for xl_risk.stability (PSI and characteristic stability)."""

import math

import numpy as np
import pandas as pd
import pytest

from xl_risk.stability import (
    EMPTY_BIN_SHARE,
    MIN_EXPECTED_IN_BIN,
    MISSING_INDEX,
    apply_bins,
    band,
    bin_edges,
    bin_labels,
    psi,
    psi_categorical,
)

SAMPLE_SIZE = 5_000


@pytest.fixture
def training_scores():
    return np.random.default_rng(42).normal(size=SAMPLE_SIZE)


def test_psi_identical_sample_is_exactly_zero(training_scores):
    result = psi(training_scores, training_scores.copy())

    assert result.psi == 0.0
    assert result.band == "stable"
    assert result.flags == []


def test_psi_same_shares_different_sizes_is_zero(training_scores):
    doubled = np.concatenate([training_scores, training_scores])

    assert psi(training_scores, doubled).psi == 0.0


def test_psi_shifted_by_one_sd_is_act(training_scores):
    result = psi(training_scores, training_scores + 1.0)

    assert result.psi > 0.25
    assert result.band == "act"


def test_psi_small_noise_is_stable(training_scores):
    other = np.random.default_rng(7).normal(size=SAMPLE_SIZE)

    assert psi(training_scores, other).band == "stable"


def test_psi_table_columns_and_sum(training_scores):
    result = psi(training_scores, training_scores + 0.2)
    table = result.table

    assert list(table.columns[:4]) == [
        "bin",
        "expected_share",
        "actual_share",
        "contribution",
    ]
    assert len(table) == 10
    assert table["contribution"].sum() == pytest.approx(result.psi)
    assert table["expected_share"].sum() == pytest.approx(1.0)


def test_psi_hand_computed_value():
    expected = [1, 2, 3, 4]
    actual = [1, 1, 1, 4]
    edges = [-np.inf, 2.0, np.inf]

    result = psi(expected, actual, bins=edges)

    manual = (0.75 - 0.5) * math.log(0.75 / 0.5) + (0.25 - 0.5) * math.log(0.25 / 0.5)
    assert result.psi == pytest.approx(manual)


def test_psi_empty_bin_is_finite_and_flagged():
    expected = np.arange(100.0)
    actual = np.full(50, 10.0)

    result = psi(expected, actual, bins=4)

    assert math.isfinite(result.psi)
    assert result.band == "act"
    assert "empty bin in actual: (49.5, 74.25]" in result.flags
    assert "empty bin in actual: (74.25, inf]" in result.flags
    empty_rows = result.table[result.table["actual_count"] == 0]
    assert (empty_rows["actual_share"] == EMPTY_BIN_SHARE).all()


def test_psi_missing_values_form_own_bin(training_scores):
    actual = np.append(training_scores, [np.nan] * 50)

    result = psi(training_scores, actual)

    assert result.table["bin"].iloc[-1] == "missing"
    assert result.table["actual_count"].iloc[-1] == 50
    assert "empty bin in expected: missing" in result.flags
    assert math.isfinite(result.psi)


@pytest.mark.parametrize(("rows", "flagged"), [(20, False), (5_000, True)])
def test_psi_empty_missing_bin_flagged_only_when_blanks_were_due(
    training_scores, rows, flagged
):
    blanks = 10  # 0.2 % of training: 0.04 blanks due in 20 rows, 10 in 5,000
    expected = np.append(training_scores, [np.nan] * blanks)
    actual = np.random.default_rng(1).normal(size=rows)

    result = psi(expected, actual)

    assert result.table["bin"].iloc[-1] == "missing"
    assert ("empty bin in actual: missing" in result.flags) is flagged


def test_psi_bin_empty_in_both_is_not_flagged():
    result = psi([np.nan] * 100, [np.nan] * 100)

    assert result.table["expected_count"].iloc[0] == 0
    assert result.table["actual_count"].iloc[0] == 0
    assert result.flags == []
    assert result.psi == 0.0


@pytest.mark.parametrize(
    ("actual_rows", "flagged"),
    [(int(4 * MIN_EXPECTED_IN_BIN) - 1, False), (int(4 * MIN_EXPECTED_IN_BIN), True)],
)
def test_psi_empty_bin_flagged_from_min_expected_rows(actual_rows, flagged):
    expected = np.arange(100.0)  # four bins of 25 rows: a quarter each
    actual = np.full(actual_rows, 10.0)

    result = psi(expected, actual, bins=4)

    assert ("empty bin in actual: (74.25, inf]" in result.flags) is flagged


def test_psi_no_missing_bin_without_missing_values(training_scores):
    result = psi(training_scores, training_scores)

    assert "missing" not in set(result.table["bin"])


def test_psi_constant_expected_is_finite():
    result = psi([1.0] * 8, [1.0, 2.0, 3.0])

    assert math.isfinite(result.psi)
    assert result.flags == ["empty bin in expected: (1, inf]"]


def test_psi_all_missing_expected_is_finite():
    result = psi([np.nan, np.nan], [1.0, np.nan])

    assert math.isfinite(result.psi)


def test_psi_reused_edges_match_bins(training_scores):
    edges = bin_edges(training_scores, 5)
    actual = training_scores + 0.3

    from_edges = psi(training_scores, actual, bins=edges)
    from_count = psi(training_scores, actual, bins=5)

    assert from_edges.psi == pytest.approx(from_count.psi)
    np.testing.assert_array_equal(from_count.edges, edges)


def test_bin_edges_open_outer_and_unique():
    edges = bin_edges([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], bins=10)

    assert edges[0] == -np.inf
    assert edges[-1] == np.inf
    assert np.all(np.diff(edges) > 0)


def test_apply_bins_right_closed_and_missing():
    edges = np.array([-np.inf, 1.0, 2.0, np.inf])

    index = apply_bins([0.5, 1.0, 1.5, 2.0, 9.0, np.nan, -np.inf], edges)

    np.testing.assert_array_equal(index, [0, 0, 1, 1, 2, MISSING_INDEX, 0])


def test_bin_labels_format():
    labels = bin_labels([-np.inf, 0.25, 0.31, np.inf])

    assert labels == ["(-inf, 0.25]", "(0.25, 0.31]", "(0.31, inf]"]


def test_bin_labels_distinct_for_close_edges():
    labels = bin_labels([-np.inf, 1.00001, 1.00002, np.inf])

    assert len(set(labels)) == 3


def test_psi_categorical_identical_is_zero():
    values = ["card", "loan", "loan", "mortgage", None]

    result = psi_categorical(values, list(values))

    assert result.psi == 0.0
    assert result.edges is None


def test_psi_categorical_new_category_flagged_not_dropped():
    expected = ["card", "loan", "loan", "mortgage"] * 5
    actual = np.array(["card", "loan", "crypto", "crypto"] * 5)

    result = psi_categorical(expected, actual)

    assert math.isfinite(result.psi)
    assert "category not seen in training: 'crypto'" in result.flags
    assert "empty bin in actual: 'mortgage'" in result.flags
    row = result.table[result.table["bin"] == "crypto"].iloc[0]
    assert row["expected_share"] == EMPTY_BIN_SHARE
    assert row["actual_share"] == 0.5


def test_psi_categorical_missing_category():
    result = psi_categorical(["a", "b"] * 5, ["a", None] * 5)

    assert result.table["bin"].iloc[-1] == "missing"
    assert "empty bin in expected: missing" in result.flags


def test_psi_categorical_numeric_categories():
    result = psi_categorical(np.array([1, 2, 2]), pd.Series([1, 2, 3]))

    assert "category not seen in training: 3" in result.flags


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "stable"),
        (0.0999, "stable"),
        (0.10, "watch"),
        (0.25, "watch"),
        (0.2501, "act"),
        (3.0, "act"),
    ],
)
def test_band_thresholds(value, expected):
    assert band(value) == expected


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (-0.1, r"^value must be a finite PSI >= 0, got -0\.1\.$"),
        (float("nan"), r"^value must be a finite PSI >= 0, got nan\.$"),
        ("high", r"^value must be a PSI number, got 'high'\.$"),
    ],
)
def test_band_invalid_value_raises(value, match):
    with pytest.raises(ValueError, match=match):
        band(value)


@pytest.mark.parametrize(
    ("expected", "actual", "bins", "match"),
    [
        ([], [1.0], 10, r"^expected must contain at least one value, got 0 values\.$"),
        ([1.0], [], 10, r"^actual must contain at least one value, got 0 values\.$"),
        (["x"], [1.0], 10, r"^expected must be numeric values"),
        ([[1.0]], [1.0], 10, r"^expected must be one-dimensional, got 2"),
        ([1.0], [1.0], 0, r"^bins must be an integer >= 1, got 0\.$"),
        ([1.0], [1.0], 2.5, r"^bins must be an integer >= 1, got 2\.5\.$"),
        ([1.0], [1.0], [0.0, 1.0], r"^edges must start at -inf and end at \+inf"),
        ([1.0], [1.0], [-np.inf, 2, 1, np.inf], r"^edges must be strictly increasing"),
    ],
)
def test_psi_invalid_input_raises(expected, actual, bins, match):
    with pytest.raises(ValueError, match=match):
        psi(expected, actual, bins=bins)


def test_psi_categorical_empty_raises():
    with pytest.raises(ValueError, match=r"^actual must contain at least one value"):
        psi_categorical(["a"], [])


def test_apply_bins_invalid_edges_raises():
    with pytest.raises(ValueError, match=r"^edges must be a 1-D array of >= 2 values"):
        apply_bins([1.0], [np.inf])
