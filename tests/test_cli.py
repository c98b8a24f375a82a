"""The xl-risk command line: exit codes, messages and scored files."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from xl_risk import bundle as bundles
from xl_risk.cli import EXIT_BUNDLE, EXIT_DATA, main
from xl_risk.reasons import reasons
from xl_risk.samples import sample_applications
from xl_risk.scoring import OUTPUTS, score

HEADER_ROWS = 1  # messages number rows as a spreadsheet does


@pytest.fixture(autouse=True)
def fresh_cache():
    yield
    bundles.forget()


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def applications(tmp_path_factory):
    """Sample applications plus one row with grade Z and one with no principal."""
    samples = sample_applications()
    bad_grade = samples.iloc[[0]].assign(id="BAD-GRADE", grade="Z")
    no_principal = samples.iloc[[1]].assign(id="NO-PRINCIPAL", funded_amnt=np.nan)
    frame = pd.concat([samples, bad_grade, no_principal], ignore_index=True)
    path = tmp_path_factory.mktemp("applications") / "applications.csv"
    frame.astype({"id": str}).to_csv(path, index=False)
    return path


def spreadsheet_row(position: int) -> int:
    return position + HEADER_ROWS + 1


@pytest.mark.parametrize("command", ["info", "rollback"])
def test_cli_without_bundle_exits_3_with_message(tmp_path, command):
    result = run(command, "--models", tmp_path / "empty")

    assert result.exit_code == EXIT_BUNDLE == 3
    assert "error: " in result.stderr
    assert "bundle" in result.stderr
    assert result.stdout == ""


def test_cli_info_without_bundle_says_to_retrain(tmp_path):
    result = run("info", "--models", tmp_path)

    assert result.exit_code == EXIT_BUNDLE
    assert f"no trained bundle in {tmp_path}; run 'xl-risk retrain'" in result.stderr


def test_cli_info_shows_bundle_and_metrics(trained_models_dir):
    result = run("info", "--models", trained_models_dir)

    version = bundles.current_version(trained_models_dir)
    assert result.exit_code == 0, result.output
    assert f"bundle {version} created" in result.stdout
    assert "PD AUC" in result.stdout
    lines = result.stdout.splitlines()
    assert any(line.startswith("test ") for line in lines)
    assert any(line.startswith("oot ") for line in lines)


def test_cli_score_writes_outputs_and_names_rows_it_cannot_score(
    trained_models_dir, applications, tmp_path
):
    out = tmp_path / "scores.csv"

    result = run("score", applications, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    given = pd.read_csv(applications, dtype={"id": str})
    scored = pd.read_csv(out, dtype={"id": str})
    assert list(scored.columns) == ["id", *OUTPUTS, "problem"]
    assert scored["id"].tolist() == given["id"].tolist()

    failed = scored["id"].isin(["BAD-GRADE", "NO-PRINCIPAL"]).to_numpy()
    assert scored.loc[failed, list(OUTPUTS)].isna().all().all()
    assert scored.loc[~failed, list(OUTPUTS)].notna().all().all()
    assert scored.loc[~failed, "problem"].isna().all()
    grade_row, principal_row = np.flatnonzero(failed)
    assert scored.loc[grade_row, "problem"].startswith("grade: expected one of A")
    assert scored.loc[principal_row, "problem"] == "principal: required, got blank"

    assert f"scored {len(given) - 2} of {len(given)} rows" in result.stdout
    for row, field in ((grade_row, "grade"), (principal_row, "principal")):
        named = f"line {spreadsheet_row(row)} (id {given['id'][row]}): {field}:"
        assert named in result.stderr


def test_cli_score_matches_library_scores(trained_models_dir, applications, tmp_path):
    out = tmp_path / "scores.csv"
    expected = score(
        bundles.current(trained_models_dir), pd.read_csv(applications)
    ).frame()

    run("score", applications, "-o", out, "--models", trained_models_dir)

    scored = pd.read_csv(out)
    for name in OUTPUTS:
        np.testing.assert_allclose(scored[name], expected[name], rtol=1e-15)


def test_cli_score_reasons_are_the_library_reasons(
    trained_models_dir, applications, tmp_path
):
    out = tmp_path / "scores.csv"
    given = pd.read_csv(applications, dtype={"id": str})
    expected = reasons(bundles.current(trained_models_dir), given)

    result = run("score", applications, "-o", out, "--reasons",
                 "--models", trained_models_dir)  # fmt: skip

    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out, dtype={"id": str})
    columns = [c for c in scored.columns if c.startswith("reason_")]
    assert columns == ["reason_1", "reason_2", "reason_3", "reason_4"]
    written = [[r for r in row if isinstance(r, str)] for row in scored[columns].values]
    assert written == expected
    assert all(written[:-2])
    assert written[-2:] == [[], []]  # the two rows that cannot be scored


def test_cli_score_xlsx_output_holds_the_csv_numbers(
    trained_models_dir, applications, tmp_path
):
    csv_out, xlsx_out = tmp_path / "scores.csv", tmp_path / "scores.xlsx"

    run("score", applications, "-o", csv_out, "--models", trained_models_dir)
    result = run("score", applications, "-o", xlsx_out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    from_csv = pd.read_csv(csv_out, dtype={"id": str})
    from_xlsx = pd.read_excel(xlsx_out, dtype={"id": str})
    pd.testing.assert_frame_equal(from_xlsx, from_csv, check_exact=False, rtol=1e-15)


@pytest.mark.parametrize(
    ("file", "out", "message"),
    [
        ("missing.csv", "scores.csv", "data file not found"),
        ("applications.csv", "scores.json", "expected a .csv or .xlsx name"),
    ],
)
def test_cli_score_unusable_file_exits_1(
    trained_models_dir, applications, tmp_path, file, out, message
):
    result = run(
        "score",
        applications.with_name(file),
        "-o",
        tmp_path / out,
        "--models",
        trained_models_dir,
    )

    assert result.exit_code == EXIT_DATA == 1
    assert message in result.stderr
    assert not (tmp_path / out).exists()


def test_cli_score_without_bundle_exits_3(applications, tmp_path):
    result = run("score", applications, "-o", tmp_path / "s.csv", "--models", tmp_path)

    assert result.exit_code == EXIT_BUNDLE
    assert "no trained bundle" in result.stderr
    assert not (tmp_path / "s.csv").exists()


def test_cli_retrain_missing_data_exits_1(tmp_path):
    models_dir = tmp_path / "models"

    result = run("retrain", "--data", tmp_path / "missing.csv", "--models", models_dir)

    assert result.exit_code == EXIT_DATA
    assert "not found" in result.stderr
    assert "missing.csv" in result.stderr
    assert bundles.current_version(models_dir) is None


def test_cli_retrain_unusable_data_names_the_problem(tmp_path):
    history = tmp_path / "history.csv"
    sample_applications().to_csv(history, index=False)  # no outcomes at all

    result = run("retrain", "--data", history, "--models", tmp_path / "models")

    assert result.exit_code == EXIT_DATA
    assert "missing column: loan status" in result.stderr
    assert "missing column: principal repaid" in result.stderr
    assert "missing column: recoveries" in result.stderr


@pytest.mark.parametrize("command", ["score", "validate", "retrain"])
def test_cli_truncated_gzip_exits_1_naming_the_file(
    trained_models_dir, tmp_path, command
):
    path = tmp_path / "broken.csv.gz"
    sample_applications().to_csv(path, index=False)
    path.write_bytes(path.read_bytes()[:-200])
    arguments = {
        "score": ("score", path, "-o", tmp_path / "s.csv"),
        "validate": ("validate", path),
        "retrain": ("retrain", "--data", path),
    }[command]
    models_dir = tmp_path / "models" if command == "retrain" else trained_models_dir

    result = run(*arguments, "--models", models_dir)

    assert result.exit_code == EXIT_DATA
    assert result.stderr.strip().endswith(
        "error: broken.csv.gz: the gzip file ends early: it is truncated or corrupt"
    )


def test_cli_score_missing_required_columns_exit_1_naming_each_once(
    trained_models_dir, tmp_path
):
    path, out = tmp_path / "no-grade.csv", tmp_path / "scores.csv"
    sample_applications().drop(columns=["grade", "funded_amnt"]).to_csv(path)

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == EXIT_DATA
    assert result.stderr.splitlines() == [
        "error: cannot score no-grade.csv: 2 problem(s)",
        "  - missing column: principal (principal or funded_amnt or loan_amnt)",
        "  - missing column: grade (grade or rating)",
    ]
    assert not out.exists()


@pytest.mark.parametrize(
    ("command", "reference"),
    [("score", False), ("capital", False), ("monitor", False), ("monitor", True)],
)
def test_cli_file_with_two_columns_for_one_field_exits_1_naming_them(
    trained_models_dir, tmp_path, command, reference
):
    good, twice = tmp_path / "good.csv", tmp_path / "twice.csv"
    sample_applications().to_csv(good, index=False)
    sample_applications().assign(rating="B").to_csv(twice, index=False)
    files = (good, "--reference", twice) if reference else (twice,)
    out = ("-o", tmp_path / "s.csv") if command == "score" else ()

    result = run(command, *files, *out, "--models", trained_models_dir)

    assert result.exit_code == EXIT_DATA
    assert result.stderr == (
        "error: grade: expected one column, got 2 ('grade' and 'rating'); keep one\n"
    )
