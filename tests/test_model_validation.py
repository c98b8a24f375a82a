"""Tests for xl_risk.model_validation and the ``xl-risk validate`` command."""

import re

import numpy as np
import pytest
from click.testing import CliRunner

from xl_risk.cli import main
from xl_risk.demo import make_portfolio
from xl_risk.intake import DataError
from xl_risk.model_validation import validate
from xl_risk.parsing import read_table
from xl_risk.schema import BAD_STATUSES

LEVEL = 0.99
LOANS = 3_000
SEED = 5


@pytest.fixture(scope="module")
def history():
    return make_portfolio(n_loans=LOANS, seed=SEED)


@pytest.fixture(scope="module")
def result(bundle, history):
    return validate(bundle, read_table(history), level=LEVEL)


@pytest.mark.parametrize("split", ["test", "oot"])
def test_validate_split_reproduces_the_training_metrics(bundle, split):
    training_data = read_table(make_portfolio())

    found = validate(bundle, training_data, split=split)

    recorded = bundle.manifest["metrics"][split]["pd"]
    assert found["pd"]["loans"] == recorded["loans"]
    assert round(found["pd"]["auc"], 4) == recorded["auc"]
    assert round(found["pd"]["ks"], 4) == recorded["ks"]
    assert round(found["pd"]["brier"], 5) == recorded["brier"]


def test_validate_grade_tests_pass_at_the_stated_level(result):
    for name in ("binomial", "jeffreys"):
        table = result[name]
        assert (table["level"] == LEVEL).all()
        assert (table["passed"] == (table["p_value"] >= 1 - LEVEL)).all()
        assert list(table["group"]) == sorted(table["group"])


def test_validate_counts_bad_loans_for_ead_and_lgd(result):
    bad = result["pd"]["bad_loans"]

    assert result["ead"]["summary"]["loans"] == bad
    assert result["lgd"]["summary"]["loans"] <= bad
    assert result["ead"]["by_decile"]["n"].sum() == bad


def test_validate_pd_summary_is_consistent(result):
    p = result["pd"]

    assert p["auc_low"] < p["auc"] < p["auc_high"]
    assert p["gini"] == pytest.approx(2 * p["auc"] - 1)
    assert p["brier"] < p["brier_base_rate"]
    assert p["hl_dof"] == 8
    assert result["hosmer_lemeshow"]["n"].sum() == p["loans"]
    assert np.isclose(p["default_rate"], p["bad_loans"] / p["loans"])


def test_validate_rejects_unknown_split(bundle, history):
    with pytest.raises(ValueError, match="split must be one of all, test, oot"):
        validate(bundle, read_table(history.head(100)), split="train")


def test_cli_validate_prints_every_table(trained_models_dir, history, tmp_path):
    path = tmp_path / "history.csv"
    history.to_csv(path, index=False)

    done = CliRunner().invoke(
        main, ["validate", str(path), "--models", str(trained_models_dir)]
    )

    assert done.exit_code == 0, done.output
    for heading in ("PD discrimination: AUC", "Hosmer-Lemeshow groups",
                    "PD by grade", "EAD (fraction of principal)",
                    "LGD (fraction of EAD)"):  # fmt: skip
        assert heading in done.output


@pytest.mark.parametrize("split", ["test", "oot"])
def test_cli_validate_split_of_another_file_says_it_is_drawn_afresh(
    trained_models_dir, history, tmp_path, split
):
    path = tmp_path / "history.csv"
    history.to_csv(path, index=False)

    done = CliRunner().invoke(
        main,
        ["validate", str(path), "--split", split, "--models", str(trained_models_dir)],
    )

    assert done.exit_code == 0, done.output
    assert (
        f"note: history.csv is not the file the bundle was trained on, so its {split} "
        "split is drawn afresh from this file"
    ) in done.output


def test_cli_validate_needs_outcomes(trained_models_dir, history, tmp_path):
    path = tmp_path / "applications.csv"
    history.drop(columns=["loan_status"]).head(50).to_csv(path, index=False)

    done = CliRunner().invoke(
        main, ["validate", str(path), "--models", str(trained_models_dir)]
    )

    assert done.exit_code == 1
    assert "missing column: loan status" in done.output


def one_outcome(history, bad: bool):
    """The loans of a history that all defaulted, or that all were repaid."""
    return history[history["loan_status"].isin(BAD_STATUSES) == bad]


@pytest.mark.parametrize(("bad", "counts"), [(True, "0 good"), (False, "0 bad and")])
def test_validate_refuses_loans_of_one_outcome(bundle, history, bad, counts):
    table = read_table(one_outcome(history, bad))

    with pytest.raises(DataError, match=f"at least 2 bad and 2 good .*{counts}"):
        validate(bundle, table)


@pytest.mark.parametrize(
    ("bad", "counts"),
    [(True, r"got [\d,]+ bad and 0 good"), (False, r"got 0 bad and [\d,]+ good")],
)
def test_cli_validate_loans_of_one_outcome_exits_1_in_one_line(
    trained_models_dir, history, tmp_path, bad, counts
):
    path = tmp_path / "history.csv"
    one_outcome(history, bad).to_csv(path, index=False)

    done = CliRunner().invoke(
        main, ["validate", str(path), "--models", str(trained_models_dir)]
    )

    assert isinstance(done.exception, SystemExit), done.output
    assert done.exit_code == 1
    (line,) = done.stderr.splitlines()
    expected = "error: validation needs at least 2 bad and 2 good finished loans, "
    assert re.fullmatch(re.escape(expected) + counts, line), line
