"""Tests for xl_risk.monitoring: PSI of the PD and of every characteristic."""

import copy
import dataclasses
import json
import math
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from xl_risk import bundle as bundles
from xl_risk.cli import main
from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.monitoring import (
    MIN_ROWS,
    PROFILE_KEY,
    TOO_FEW,
    ProfileError,
    monitor,
    reference_profile,
    training_profile,
)
from xl_risk.parsing import read_table
from xl_risk.quality import prepare_training
from xl_risk.reasons import PAYMENT_TO_INCOME
from xl_risk.reports.sheets import monitoring as sheet
from xl_risk.samples import sample_applications
from xl_risk.scoring import score
from xl_risk.stability import BAND_ACT, BAND_STABLE, WATCH_LIMIT

LOANS = 4_000
SEED = 3
INCOME_FACTOR = 3.0
RATE_POINTS = 8.0
EMPTY_IN_TRAINING = {"mort_acc": "mortgage_accounts",
                     "percent_bc_gt_75": "bankcards_over_75pct"}  # fmt: skip


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


def test_reference_profile_with_a_zero_income_is_strict_json(bundle, population):
    raw = population.copy()
    raw.loc[raw.index[:3], "annual_inc"] = 0.0  # payment / income is +inf there

    profile = _profile(bundle, raw)

    ratio = profile["fields"][PAYMENT_TO_INCOME]
    assert json.loads(json.dumps(profile, allow_nan=False)) == profile
    assert sum(ratio["counts"]) + ratio["missing"] == LOANS


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
    report = monitor(bundle, population.head(MIN_ROWS), profile)

    summary = report.summary()
    assert summary["characteristic"].iloc[0] == "pd"
    assert list(summary["characteristic"].iloc[1:]) == list(profile["fields"])


@pytest.fixture(scope="module")
def without_empty_inputs(bundle, population):
    """The bundle and its profile as a vintage without mortgage and bankcard
    data gives them: both inputs blank in training, dropped by the encoder."""
    blank = population.assign(**dict.fromkeys(EMPTY_IN_TRAINING, float("nan")))
    encoder = copy.deepcopy(bundle.encoder)
    encoder.dropped = list(EMPTY_IN_TRAINING.values())
    return dataclasses.replace(bundle, encoder=encoder), _profile(bundle, blank)


def test_monitor_leaves_out_inputs_the_models_do_not_use(
    without_empty_inputs, population
):
    dropping, profile = without_empty_inputs

    report = monitor(dropping, population, profile)

    assert report.unused == tuple(EMPTY_IN_TRAINING.values())
    assert not set(report.unused) & set(report.fields)
    assert not set(report.unused) & set(report.summary()["characteristic"])
    assert not [flag for flag in report.flags if flag.startswith("mortgage")]
    assert report.worst_band == BAND_STABLE


@pytest.mark.parametrize(
    ("rows", "verdict"), [(MIN_ROWS - 1, TOO_FEW), (MIN_ROWS, BAND_ACT)]
)
def test_monitor_below_min_rows_is_too_few_to_judge(
    bundle, population, profile, rows, verdict
):
    shifted = population.head(rows).copy()
    _shift_income(shifted)

    report = monitor(bundle, shifted, profile)

    assert report.fields["annual_income"].band == BAND_ACT
    assert report.too_few is (verdict == TOO_FEW)
    assert report.worst_band == verdict


@pytest.mark.parametrize(
    ("rows", "income_band"), [(MIN_ROWS - 1, TOO_FEW), (MIN_ROWS, BAND_ACT)]
)
def test_monitor_summary_below_min_rows_bands_no_index(
    bundle, population, profile, rows, income_band
):
    shifted = population.head(rows).copy()
    _shift_income(shifted)

    summary = monitor(bundle, shifted, profile).summary()

    by_name = summary.set_index("characteristic")
    assert by_name.loc["annual_income", "band"] == income_band
    assert (set(summary["band"]) == {TOO_FEW}) is (rows < MIN_ROWS)
    assert summary["psi"].notna().all()


def test_cli_monitor_twenty_applications_names_unused_and_too_few(
    without_empty_inputs, tmp_path, monkeypatch
):
    dropping, profile = without_empty_inputs
    served = dataclasses.replace(
        dropping, manifest={**dropping.manifest, PROFILE_KEY: profile}
    )
    monkeypatch.setattr(bundles, "current", lambda models_dir=None: served)
    path = tmp_path / "applications.csv"
    sample_applications().to_csv(path, index=False)

    done = CliRunner().invoke(main, ["monitor", str(path)])

    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert "not used by the model, left out: mortgage accounts, bankcards " in (
        done.output
    )
    assert not [line for line in lines if line.lstrip().startswith("mortgage")]
    assert "empty bin in actual: missing" not in done.output
    assert f"20 rows scored, fewer than the {MIN_ROWS}" in done.output
    assert lines[-1] == f"worst band: {TOO_FEW}"
    table = lines[1 : 2 + len(profile["fields"]) - len(EMPTY_IN_TRAINING) + 1]
    assert table[0].split()[-1] == "band"
    assert all(line.endswith(TOO_FEW) for line in table[1:])


def test_monitoring_sheet_names_unused_inputs_and_too_few_rows(
    without_empty_inputs, population
):
    dropping, profile = without_empty_inputs
    report = monitor(dropping, population.head(MIN_ROWS - 1), profile, quiet=True)
    ctx = SimpleNamespace(manifest={})

    sentence = sheet.psi_block(ctx, report).sentence

    assert (
        "Mortgage accounts and Bankcards above 75% of limit are not used by the "
        "model (empty in the training data) and left out." in sentence
    )
    assert f"Only {MIN_ROWS - 1} loans could be scored, fewer than the " in sentence
    assert "Mortgage accounts" not in set(sheet.psi_table(report)["Characteristic"])


def test_monitoring_sheet_below_min_rows_shows_psi_without_band_or_fill(
    bundle, population, profile
):
    shifted = population.head(MIN_ROWS - 1).copy()
    _shift_income(shifted)
    report = monitor(bundle, shifted, profile, quiet=True)

    block = sheet.psi_block(SimpleNamespace(manifest={}), report)

    [table] = block.tables
    assert set(table.data["Band"]) == {TOO_FEW}
    assert table.data["PSI"].notna().all()
    assert set(table.fills["Band"]) == {None}
    assert "to act on" not in block.sentence
    assert "so none is banded." in block.sentence
