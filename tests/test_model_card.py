"""Tests for xl_risk.model_card: MODEL_CARD.md written from a manifest."""

import pytest
from click.testing import CliRunner

from xl_risk import bundle as bundles
from xl_risk.cli import main
from xl_risk.model_card import CARD_NAME, render, write_model_card
from xl_risk.schema import INPUT_FIELDS
from xl_risk.stability import STABLE_LIMIT, WATCH_LIMIT

SECTIONS = (
    "## Intended use and users",
    "## Training data",
    "## Inputs and their treatment",
    "## Performance",
    "## Calibration by grade",
    "## Known limitations",
    "## Monitoring",
    "## Who trained it and when",
)


@pytest.fixture(scope="module")
def bundle_dir(trained_models_dir):
    return trained_models_dir / bundles.current_version(trained_models_dir)


@pytest.fixture(scope="module")
def manifest(bundle_dir):
    return bundles.read_manifest(bundle_dir)


@pytest.fixture(scope="module")
def card(manifest):
    return render(manifest)


@pytest.mark.parametrize("source", ["folder", "manifest_file", "manifest"])
def test_write_model_card_reads_folder_file_or_manifest(
    bundle_dir, manifest, card, tmp_path, source
):
    given = {
        "folder": bundle_dir,
        "manifest_file": bundle_dir / bundles.MANIFEST,
        "manifest": manifest,
    }[source]

    path = write_model_card(given, tmp_path / "card.md")

    assert path.read_text(encoding="utf-8") == card


def test_write_model_card_into_a_folder_names_it(manifest, tmp_path):
    path = write_model_card(manifest, tmp_path)

    assert path == tmp_path / CARD_NAME
    assert path.is_file()


@pytest.mark.parametrize("heading", SECTIONS)
def test_model_card_has_section(card, heading):
    assert heading in card


@pytest.mark.parametrize("split", ["test", "oot"])
def test_model_card_states_the_recorded_metrics(card, manifest, split):
    pd_metrics = manifest["metrics"][split]["pd"]

    assert f"{pd_metrics['auc']:.4f} ({pd_metrics['auc_low']:.4f} to" in card
    assert f"{pd_metrics['brier']:.4f} vs {pd_metrics['brier_base_rate']:.4f}" in card
    for row in pd_metrics["calibration_by_grade"]:
        assert f"| {row['group']} | {row['loans']:,} |" in card


def test_model_card_states_who_when_and_window(card, manifest):
    assert manifest["version"] in card
    assert f"Trained by {manifest['trained_by']} at {manifest['created_at']}" in card
    assert manifest["window"]["first_issue"] in card
    assert f"{manifest['data']['rows_used']:,}" in card


def test_model_card_lists_every_input_and_dropped_ones(card, manifest):
    for f in INPUT_FIELDS:
        assert f"| `{f.name}` | {f.label} |" in card
    for name in manifest["dropped_inputs"]:
        assert f"| `{name}` |" in card


def test_model_card_states_limitations_and_thresholds(card):
    assert "2007 to 2011" in card
    assert "LGD varies little" in card
    assert "restates Lending Club's score" in card
    assert "Does not meet the credit policy" in card
    assert f"below {STABLE_LIMIT:.2f} stable" in card
    assert f"above {WATCH_LIMIT:.2f}" in card


def test_model_card_rejects_incomplete_manifest(manifest, tmp_path):
    partial = {k: v for k, v in manifest.items() if k != "metrics"}

    with pytest.raises(ValueError, match="got none for metrics"):
        write_model_card(partial, tmp_path / "card.md")


def test_cli_model_card_writes_the_file(trained_models_dir, card, tmp_path):
    out = tmp_path / "MODEL_CARD.md"

    done = CliRunner().invoke(
        main, ["model-card", "-o", str(out), "--models", str(trained_models_dir)]
    )

    assert done.exit_code == 0, done.output
    assert out.read_text(encoding="utf-8") == card


def test_model_card_without_issue_dates_says_so(manifest):
    window = {k: v for k, v in manifest["window"].items() if "issue" not in k}

    card = render({**manifest, "window": window})

    assert "- Issue dates: no issue dates\n" in card
    assert "?" not in card.split("## Models")[0]


def test_report_summary_without_issue_dates_says_so(manifest):
    from xl_risk.reports.sheets.summary import bundle_table

    window = {k: v for k, v in manifest["window"].items() if "issue" not in k}

    table = bundle_table({**manifest, "window": window})

    assert "no issue dates" in table.to_string()
    assert "? to ?" not in table.to_string()


@pytest.mark.parametrize("given", ["new/", "new/deeper/", "existing"])
def test_cli_model_card_out_that_is_a_folder_writes_into_it(
    trained_models_dir, card, tmp_path, monkeypatch, given
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()

    done = CliRunner().invoke(
        main, ["model-card", "-o", given, "--models", str(trained_models_dir)]
    )

    assert done.exit_code == 0, done.output
    assert (tmp_path / given / CARD_NAME).read_text(encoding="utf-8") == card
