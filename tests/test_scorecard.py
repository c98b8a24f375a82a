"""Tests for xl_risk.scorecard: integer points that add up to the model's PD."""

import dataclasses
import math

import numpy as np
import pytest
from scipy.special import logit

from xl_risk.demo import make_portfolio
from xl_risk.intake import read_raw
from xl_risk.monitoring import reference_profile
from xl_risk.parsing import read_table
from xl_risk.reasons import field_groups
from xl_risk.scorecard import (
    ScalingError,
    Scorecard,
    credit_score,
    neutral_points,
    points_table,
)
from xl_risk.scoring import score

APPLICANTS = 300
SEED = 5


@pytest.fixture(scope="module")
def card(bundle):
    return Scorecard.from_bundle(bundle)


@pytest.fixture(scope="module")
def applications():
    return make_portfolio(n_loans=APPLICANTS, seed=SEED)


@pytest.fixture(scope="module")
def shared_points(card, shared_path):
    """Points of every row of the shared Lending Club file, and model PDs."""
    raw = read_raw(shared_path)
    return card.points(raw), score(card.bundle, raw).pd, len(raw)


@pytest.mark.parametrize(
    ("pdo", "reference_score", "reference_odds", "factor", "offset"),
    [
        (20, 600, 50, 28.853900817779268, 487.1228762045055),
        (40, 500, 20, 57.707801635558535, 327.1228762045055),
    ],
)
def test_scorecard_scaling_matches_textbook_values(
    bundle, pdo, reference_score, reference_odds, factor, offset
):
    card = Scorecard.from_bundle(bundle, pdo, reference_score, reference_odds)

    assert card.factor == pytest.approx(factor, rel=1e-12)
    assert card.offset == pytest.approx(offset, rel=1e-12)
    assert card.pd_from_score(reference_score) == pytest.approx(
        1 / (1 + reference_odds)
    )
    assert card.pd_from_score(reference_score + pdo) == pytest.approx(
        1 / (1 + 2 * reference_odds)
    )


def test_scorecard_score_equals_sum_of_points_on_every_shared_row(shared_points):
    points, _, n_rows = shared_points
    fields = [c for c in points.columns if c not in ("score", "problem")]
    scored = points["problem"].isna()

    assert len(points) == n_rows
    assert scored.sum() > 0.99 * n_rows
    assert (points.loc[scored, "score"] == points.loc[scored, fields].sum(axis=1)).all()
    assert points.loc[~scored, "score"].isna().all()


def test_scorecard_score_maps_back_to_model_pd_on_every_shared_row(card, shared_points):
    points, model_pd, _ = shared_points
    scored = points["problem"].isna().to_numpy()

    from_score = card.pd_from_score(points["score"].to_numpy(float)[scored])
    gap = np.abs(logit(from_score) - logit(model_pd[scored]))

    assert np.isnan(model_pd[~scored]).all()
    assert gap.max() <= card.tolerance


def test_scorecard_exact_score_is_the_model_pd(card, applications):
    exact = card.exact_score(applications)

    np.testing.assert_allclose(
        card.pd_from_score(exact), score(card.bundle, applications).pd, rtol=1e-9
    )


def test_scorecard_tolerance_is_half_a_point_per_field_and_base(card, bundle):
    fields = len(field_groups(bundle.pd_model.feature_names))

    assert card.tolerance == pytest.approx(0.5 * (fields + 1) / card.factor)


@pytest.mark.parametrize("base", [530.4, 530.5, 487.0, -12.6, 0.2])
@pytest.mark.parametrize("n_fields", [1, 7, 19])
def test_neutral_points_share_the_rounded_base_evenly(base, n_fields):
    shares = neutral_points(base, n_fields)

    assert shares.sum() == int(np.rint(base))
    assert shares.max() - shares.min() <= 1


def test_credit_score_row_alone_matches_batch(bundle, applications):
    batch = credit_score(bundle, applications)

    alone = [credit_score(bundle, applications.iloc[[i]])[0] for i in (0, 99, 299)]

    assert batch.dtype == np.int64
    assert alone == [batch[0], batch[99], batch[299]]


def test_credit_score_is_higher_for_lower_pd(bundle, applications):
    scores = credit_score(bundle, applications)
    pd_ = score(bundle, applications).pd

    order = np.argsort(pd_)
    assert scores[order[0]] > scores[order[-1]]
    assert np.corrcoef(scores, logit(pd_))[0, 1] < -0.99


def test_credit_score_rejects_rows_that_cannot_be_scored(bundle, applications):
    rows = applications.iloc[:3].copy()
    rows.loc[2, "annual_inc"] = None

    with pytest.raises(ValueError, match="1 that cannot .*row 3: annual income"):
        credit_score(bundle, rows)


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("pdo", 0, r"pdo must be a number from 10 to 200, got 0\."),
        ("pdo", 1e-300, r"pdo must be a number from 10 to 200, got 1e-300\."),
        ("pdo", 1e308, r"pdo must be a number from 10 to 200, got 1e\+308\."),
        ("reference_odds", -1, r"reference_odds must be a number from 1 to 1000"),
        ("reference_odds", 1e308, r"reference_odds must be .* got 1e\+308\."),
        ("reference_score", math.nan, r"reference_score must be .* got nan\."),
        ("reference_score", 1e308, r"reference_score must be a number from 0 to"),
        ("reference_score", -math.inf, r"reference_score must be .* got -inf\."),
    ],
)
def test_scorecard_rejects_invalid_scaling(bundle, argument, value, message):
    with pytest.raises(ScalingError, match=message):
        Scorecard.from_bundle(bundle, **{argument: value})


@pytest.mark.parametrize(
    ("column", "value", "field", "band"),
    [
        ("grade", "A", "grade", "A"),
        ("grade", "G", "grade", "G"),
        ("term", " 60 months", "term_months", "60 months"),
        ("term", " 36 months", "term_months", "36 months"),
        ("purpose", "small_business", "purpose", "small_business"),
        ("home_ownership", "RENT", "home_ownership", "RENT"),
        ("pub_rec", 2, "derogatory_records", "1 or more"),
    ],
)
def test_points_table_levels_are_the_points_a_row_gets(
    card, applications, column, value, field, band
):
    applicant = applications.iloc[[0]].copy()
    applicant[column] = value
    table = card.table()

    row = table[(table["field"] == field) & (table["band"] == band)]

    assert row["exact"].tolist() == [True]
    assert row["points"].tolist() == card.points(applicant)[field].tolist()


def test_points_table_numeric_bands_are_indicative_and_monotone(bundle):
    table = points_table(bundle)
    numeric = table[~table["exact"]]

    assert set(numeric["field"]) == set(bundle.encoder.scaled)
    for _field, bands in numeric.groupby("field"):
        steps = np.diff(bands["points"].to_numpy())
        assert (steps >= 0).all() or (steps <= 0).all()


def test_points_table_bands_at_stored_profile_edges(bundle, applications):
    profile = reference_profile(
        read_table(applications), score(bundle, applications).pd
    )
    stored = dataclasses.replace(
        bundle, manifest={**bundle.manifest, "reference_profile": profile}
    )

    table = points_table(stored)

    income = table[table["field"] == "annual_income"]
    edges = profile["fields"]["annual_income"]["edges"]
    assert income["band"].iloc[0] == f"<= {edges[0]:,.0f}"
    assert income["band"].iloc[-1] == f"> {edges[-1]:,.0f}"
    assert len(income) == len(edges) + 1
