"""Tests for xl_risk.reasons: the inputs that raise an applicant's PD most."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from xl_risk.demo import make_portfolio
from xl_risk.monitoring import reference_profile
from xl_risk.parsing import read_table
from xl_risk.reasons import (
    MIN_CONTRIBUTION,
    contributions,
    explain,
    phrase,
    reasons,
    reasons_frame,
    reference_levels,
    reference_vector,
)

APPLICANTS = 400
SEED = 11
ALONE_ROWS = [0, 1, 57, 199, 399]
# Design columns that encode another field than their own name.
FIELD_OF_COLUMN = {
    "term_60_months": "term_months",
    "has_derogatory_record": "derogatory_records",
    "job_title_given": "job_title",
}


@pytest.fixture(scope="module")
def applications():
    return make_portfolio(n_loans=APPLICANTS, seed=SEED)


def _field(column: str) -> str:
    return (
        column.split("=")[0] if "=" in column else FIELD_OF_COLUMN.get(column, column)
    )


def _expected_reasons(bundle, applications, n):
    """Top fields per row, recomputed from the encoder and the coefficients."""
    table = read_table(applications)
    design = bundle.encoder.transform({k: c.values for k, c in table.columns.items()})
    terms = bundle.pd_model.coef * (design - reference_vector(bundle))
    by_field = pd.DataFrame(terms, columns=bundle.pd_model.feature_names)
    by_field = by_field.T.groupby(
        [_field(c) for c in by_field.columns], sort=False
    ).sum()
    expected = []
    for row in range(len(applications)):
        ranked = by_field[row].sort_values(ascending=False, kind="stable")
        kept = ranked[ranked >= MIN_CONTRIBUTION].head(n)
        expected.append(list(kept.items()))
    return expected


@pytest.mark.parametrize("n", [1, 4, 10])
def test_explain_agrees_with_model_terms(bundle, applications, n):
    expected = _expected_reasons(bundle, applications, n)

    found = explain(bundle, applications, n)

    for row, want in zip(found, expected, strict=True):
        assert [r.field for r in row] == [name for name, _ in want]
        np.testing.assert_allclose(
            [r.contribution for r in row], [value for _, value in want], rtol=1e-9
        )


def test_contributions_sum_to_log_odds_gap_from_reference(bundle, applications):
    found = contributions(bundle, applications)

    ref = reference_vector(bundle)[None, :]
    gap = bundle.pd_model.log_odds(found.design) - bundle.pd_model.log_odds(ref)
    np.testing.assert_allclose(found.frame.sum(axis=1), gap, atol=1e-9)


def test_reference_vector_holds_training_medians(bundle):
    ref = reference_vector(bundle)

    names = bundle.encoder.names
    for name, (median, low, high) in bundle.encoder.scaled.items():
        assert ref[names.index(name)] == pytest.approx((median - low) / (high - low))
    for field in bundle.encoder.nominal:
        block = [ref[j] for j, c in enumerate(names) if c.startswith(field + "=")]
        assert sorted(block)[-1] == 1.0
        assert sum(block) == 1.0


@pytest.mark.parametrize("row", ALONE_ROWS)
def test_reasons_row_alone_matches_batch(bundle, applications, row):
    batch = reasons(bundle, applications)

    alone = reasons(bundle, applications.iloc[[row]])

    assert alone == [batch[row]]


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        ("revol_util", "93%", "revolving utilisation 93% (high)"),
        ("grade", "F", "grade F"),
        ("term", " 60 months", "term 60 months"),
        ("annual_inc", 24_000, "annual income 24,000 (low)"),
        ("purpose", "small_business", "purpose small_business"),
        ("fico_range_low", 665, "FICO score 665 (low)"),
    ],
)
def test_reasons_phrase_risky_value_with_label_and_unit(
    bundle, applications, column, value, text
):
    applicant = applications.iloc[[0]].copy()
    applicant[column] = value

    found = reasons(bundle, applicant, n=len(bundle.encoder.names))

    assert text in found[0]


def test_reasons_are_positive_ranked_and_at_most_n(bundle, applications):
    found = explain(bundle, applications, n=4)

    for row in found:
        values = [r.contribution for r in row]
        assert len(row) <= 4
        assert all(v >= MIN_CONTRIBUTION for v in values)
        assert values == sorted(values, reverse=True)


def test_reasons_row_that_cannot_be_scored_gets_none(bundle, applications):
    rows = applications.iloc[:3].copy()
    rows.loc[1, "annual_inc"] = None

    found = reasons(bundle, rows)

    assert found[1] == []
    assert found[0]
    assert found[2]


def test_phrase_names_the_level_an_unseen_category_is_scored_as(bundle):
    kept = bundle.encoder.nominal["purpose"]
    unseen = next(p for p in ("renewable_energy", "educational") if p not in kept)

    text = phrase(bundle, "purpose", {"purpose": unseen}, raised=False)

    assert text == f"purpose {unseen} (scored as {bundle.encoder.fallback['purpose']})"


def test_reasons_frame_has_one_column_per_reason(bundle, applications):
    frame = reasons_frame(bundle, applications.iloc[:20], n=3)

    assert list(frame.columns) == ["reason_1", "reason_2", "reason_3"]
    assert frame["reason_1"].tolist() == [
        row[0] if row else None for row in reasons(bundle, applications.iloc[:20], 3)
    ]


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_reasons_rejects_invalid_n(bundle, applications, n):
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        reasons(bundle, applications.iloc[:2], n)


@pytest.mark.parametrize(
    ("loans", "grade"),
    [({"A": 10, "B": 10, "C": 100}, "C"), ({"A": 60, "B": 30, "C": 10}, "A"),
     ({"A": 25, "B": 30, "C": 45}, "B"), ({}, "B")],
)  # fmt: skip
def test_reference_grade_is_the_median_tested_grade(bundle, loans, grade):
    table = [{"group": g, "loans": n} for g, n in loans.items()]
    manifest = {"metrics": {"test": {"pd": {"calibration_by_grade": table}}}}

    levels = reference_levels(dataclasses.replace(bundle, manifest=manifest))

    assert levels["grade"] == grade


def test_reference_levels_follow_a_stored_profile(bundle, applications):
    applicants = applications.copy()
    applicants["home_ownership"] = "RENT"
    applicants["term"] = " 60 months"
    profile = reference_profile(read_table(applicants), np.full(APPLICANTS, 0.1))
    stored = {**bundle.manifest, "reference_profile": profile}

    levels = reference_levels(dataclasses.replace(bundle, manifest=stored))

    assert levels["home_ownership"] == "RENT"
    assert levels["purpose"] == "debt_consolidation"
    assert levels["term_60_months"] == 1.0
    assert levels["has_derogatory_record"] == 0.0
