"""Tests for xl_risk.monitoring: PSI of the PD and of every characteristic."""

import dataclasses
import json
import math

import pytest
from click.testing import CliRunner

from xl_risk import bundle as bundles
from xl_risk.cli import main
from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.monitoring import (
    PROFILE_KEY,
    ProfileError,
    monitor,
    reference_profile,
    training_profile,
)
from xl_risk.parsing import read_table
from xl_risk.quality import prepare_training
from xl_risk.scoring import score
from xl_risk.stability import BAND_ACT, BAND_STABLE, WATCH_LIMIT

LOANS = 4_000
SEED = 3
INCOME_FACTOR = 3.0
RATE_POINTS = 8.0


@pytest.fixture(scope="module")
def population():
    return make_portfolio(n_loans=LOANS, seed=SEED)


def _profile(bundle, raw):
    return reference_profile(read_table(raw), score(bundle, raw).pd)


@pytest.fixture(scope="module")
def profile(bundle, population):
    return _profile(bundle, population)


def _shift_income(raw):
    raw["annual_inc"] = raw["annual_inc"] * INCOME_FACTOR


def _shift_rate(raw):
    points = raw["int_rate"].str.rstrip("%").astype(float) + RATE_POINTS
    raw["int_rate"] = points.map(lambda v: f"{v:.2f}%")


def test_reference_profile_is_strict_json(profile):
    text = json.dumps(profile, allow_nan=False)

    assert json.loads(text) == profile
    assert profile["rows"] == LOANS


def test_monitor_file_against_itself_is_zero(bundle, population, profile):
    report = monitor(bundle, population, profile)

    summary = report.summary()
    assert (summary["psi"] == 0.0).all()
    assert (summary["band"] == BAND_STABLE).all()
    assert report.flags == []


@pytest.mark.parametrize(
    ("shift", "characteristic"),
    [(_shift_income, "annual_income"), (_shift_rate, "interest_rate")],
)
def test_monitor_shifted_file_is_banded_act(
    bundle, population, profile, shift, characteristic
):
    shifted = population.copy()
    shift(shifted)

    report = monitor(bundle, shifted, profile)

    assert report.fields[characteristic].psi > WATCH_LIMIT
    assert report.fields[characteristic].band == BAND_ACT
    assert report.worst_band == BAND_ACT


def test_monitor_shift_moves_the_pd(bundle, population, profile):
    shifted = population.copy()
    _shift_rate(shifted)

    report = monitor(bundle, shifted, profile)

    assert report.pd.psi > 0.0
    assert report.fields["principal"].psi == 0.0


def test_monitor_new_category_is_finite_and_flagged(bundle, population):
    without = population[population["purpose"] != "wedding"]
    profile = _profile(bundle, without)

    report = monitor(bundle, population, profile)

    purpose = report.fields["purpose"]
    assert math.isfinite(purpose.psi)
    assert "category not seen in training: 'wedding'" in purpose.flags
    assert "purpose: category not seen in training: 'wedding'" in report.flags


def test_monitor_empty_bin_is_finite_and_flagged(bundle, population, profile):
    top = profile["fields"]["annual_income"]["edges"][-1]
    rich = population[population["annual_inc"] > top]

    report = monitor(bundle, rich, profile)

    income = report.fields["annual_income"]
    assert math.isfinite(income.psi)
    assert income.band == BAND_ACT
    assert any(flag.startswith("empty bin in actual: (-inf") for flag in income.flags)


def test_monitor_uses_the_profile_stored_in_the_manifest(bundle, population, profile):
    stored = dataclasses.replace(
        bundle, manifest={**bundle.manifest, PROFILE_KEY: profile}
    )

    report = monitor(stored, population)

    assert report.pd.psi == 0.0


def test_monitor_without_a_profile_says_what_to_do(bundle, population):
    manifest = {k: v for k, v in bundle.manifest.items() if k != PROFILE_KEY}
    bare = dataclasses.replace(bundle, manifest=manifest)

    with pytest.raises(ProfileError, match="--reference TRAINING_FILE"):
        monitor(bare, population)


def test_training_profile_covers_the_prepared_frame(bundle, population):
    frame, _ = prepare_training(read_table(population), TrainingConfig())

    profile = training_profile(bundle, frame)

    assert profile["rows"] == len(frame)
    assert sum(profile["pd"]["counts"]) == len(frame)
    purpose = profile["fields"]["purpose"]["counts"]
    assert sum(purpose.values()) == len(frame)
    assert max(purpose, key=purpose.get) == "debt_consolidation"


def test_cli_monitor_against_the_same_file_is_stable(
    trained_models_dir, population, tmp_path
):
    path = tmp_path / "applications.csv"
    population.to_csv(path, index=False)

    done = CliRunner().invoke(
        main,
        ["monitor", str(path), "--reference", str(path),
         "--models", str(trained_models_dir)],
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    assert "worst band: stable" in done.output
    assert "annual_income" in done.output


def test_cli_monitor_without_profile_fails_with_message(
    bundle, population, tmp_path, monkeypatch
):
    manifest = {k: v for k, v in bundle.manifest.items() if k != PROFILE_KEY}
    bare = dataclasses.replace(bundle, manifest=manifest)
    monkeypatch.setattr(bundles, "current", lambda models_dir=None: bare)
    path = tmp_path / "applications.csv"
    population.head(50).to_csv(path, index=False)

    done = CliRunner().invoke(main, ["monitor", str(path)])

    assert done.exit_code == 1
    assert "--reference TRAINING_FILE" in done.output


def test_summary_lists_pd_first_then_every_characteristic(bundle, population, profile):
    report = monitor(bundle, population.head(500), profile)

    summary = report.summary()
    assert summary["characteristic"].iloc[0] == "pd"
    assert list(summary["characteristic"].iloc[1:]) == list(profile["fields"])
