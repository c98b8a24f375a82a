"""Tests for xl_risk.capital (Basel IRB other-retail capital)."""

import numpy as np
import pytest

from xl_risk.capital import (
    BASEL_II_SCALING,
    PD_FLOOR,
    irb_capital,
    irb_correlation,
    irb_risk_weight,
    irb_rwa,
)

TOLERANCE = 5e-7


@pytest.mark.parametrize(
    ("pd", "expected"),
    [(0.01, 0.12161), (0.0, 0.16), (1.0, 0.03)],
)
def test_irb_correlation_worked_values(pd, expected):
    assert irb_correlation(pd) == pytest.approx(expected, abs=5e-6)


def test_irb_correlation_decreases_with_pd():
    correlations = irb_correlation(np.linspace(0.0, 1.0, 50))

    assert np.all(np.diff(correlations) < 0)


@pytest.mark.parametrize(
    ("pd", "lgd", "expected"),
    [(0.01, 0.45, 0.036618), (0.10, 0.85, 0.114154)],
)
def test_irb_capital_worked_cases(pd, lgd, expected):
    assert irb_capital(pd, lgd) == pytest.approx(expected, abs=TOLERANCE)


def test_irb_risk_weight_worked_case_with_scaling():
    weight = irb_risk_weight(0.01, 0.45, scaling=BASEL_II_SCALING)

    assert weight == pytest.approx(0.036618 * 1.06 * 12.5, abs=1e-5)
    assert round(weight, 4) == pytest.approx(0.4852)


def test_irb_capital_scaling_multiplies_k():
    unscaled = irb_capital(0.02, 0.4)

    assert irb_capital(0.02, 0.4, scaling=1.06) == pytest.approx(1.06 * unscaled)


def test_irb_rwa_is_k_times_12_5_times_ead():
    rwa = irb_rwa(0.01, 0.45, 1_000_000.0)

    assert rwa == pytest.approx(irb_capital(0.01, 0.45) * 12.5 * 1_000_000.0)


def test_irb_capital_defaulted_pd_gives_zero():
    assert irb_capital(1.0, 0.45) == 0.0
    assert irb_rwa(1.0, 0.45, 500.0) == 0.0


@pytest.mark.parametrize("pd", [0.0, 0.0001, PD_FLOOR])
def test_irb_capital_pd_floor_applied(pd):
    assert irb_capital(pd, 0.45) == pytest.approx(irb_capital(PD_FLOOR, 0.45))


def test_irb_capital_pd_floor_configurable():
    floored = irb_capital(0.0001, 0.45, pd_floor=0.0)

    assert floored < irb_capital(0.0001, 0.45)
    assert irb_capital(0.0, 0.45, pd_floor=0.0) == 0.0


def test_irb_capital_vectorised_matches_scalars():
    pds = np.array([0.001, 0.01, 0.1, 0.5])
    lgds = np.array([0.1, 0.45, 0.85, 1.0])

    vector = irb_capital(pds, lgds)
    scalars = [irb_capital(pd, lgd) for pd, lgd in zip(pds, lgds, strict=True)]

    assert isinstance(vector, np.ndarray)
    np.testing.assert_allclose(vector, scalars)


def test_irb_capital_scalar_returns_float():
    assert isinstance(irb_capital(0.01, 0.45), float)


def test_irb_rwa_broadcasts_ead():
    rwa = irb_rwa(0.01, 0.45, [100.0, 200.0])

    np.testing.assert_allclose(rwa, [rwa[0], 2 * rwa[0]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pd": 1.5, "lgd": 0.45}, r"^pd must be a fraction in \[0, 1\].*got 1\.5\.$"),
        ({"pd": -0.1, "lgd": 0.45}, r"^pd must .*got -0\.1\.$"),
        ({"pd": 0.01, "lgd": 45.0}, r"^lgd must be a fraction .*got 45\.0\.$"),
        ({"pd": float("nan"), "lgd": 0.45}, r"^pd must not contain NaN"),
        ({"pd": "high", "lgd": 0.45}, r"^pd must be numeric"),
        ({"pd": 0.01, "lgd": 0.45, "scaling": 0.0}, r"^scaling must be .*got 0\.0\.$"),
        (
            {"pd": 0.01, "lgd": 0.45, "scaling": [1.0, 2.0]},
            r"^scaling must be a sin",
        ),
        (
            {"pd": 0.01, "lgd": 0.45, "pd_floor": 1.0},
            r"^pd_floor must .*got 1\.0\.$",
        ),
        ({"pd": [0.01, 0.02], "lgd": [0.1, 0.2, 0.3]}, r"^lgd must have a shape"),
    ],
)
def test_irb_capital_invalid_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        irb_capital(**kwargs)


@pytest.mark.parametrize(
    ("ead", "match"),
    [
        (-1.0, r"^ead must be a finite amount >= 0, got -1\.0\.$"),
        (float("inf"), r"^ead must be a finite amount >= 0, got inf\.$"),
        ([1.0, 2.0, 3.0], r"^ead must have a shape compatible with pd and lgd"),
    ],
)
def test_irb_rwa_invalid_ead_raises(ead, match):
    with pytest.raises(ValueError, match=match):
        irb_rwa([0.01, 0.02], 0.45, ead)


def test_irb_risk_weight_invalid_scaling_raises():
    with pytest.raises(ValueError, match=r"^scaling must be a finite number > 0"):
        irb_risk_weight(0.01, 0.45, scaling=-1.06)


def test_irb_correlation_invalid_pd_raises():
    with pytest.raises(ValueError, match=r"^pd must be a fraction .*got 2\.0\.$"):
        irb_correlation([0.5, 2.0])
