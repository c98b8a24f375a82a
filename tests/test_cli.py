"""The xl-risk command line: exit codes, messages and scored files."""

import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from xl_risk import bundle as bundles
from xl_risk.capital import SCALING_RANGE
from xl_risk.cli import (
    EXIT_BUNDLE,
    EXIT_BUSY,
    EXIT_DATA,
    EXIT_REPORT,
    ROWS_NAMED,
    capital,
    main,
    scorecard_command,
)
from xl_risk.demo import make_portfolio
from xl_risk.excel.convert import ARGUMENTS
from xl_risk.reasons import reasons
from xl_risk.samples import sample_applications
from xl_risk.schema import BAD_STATUSES, GOOD_STATUSES, RUNNING_STATUSES
from xl_risk.scorecard import (
    PDO_RANGE,
    REFERENCE_ODDS_RANGE,
    REFERENCE_SCORE_RANGE,
)
from xl_risk.scoring import OUTPUTS, score

HEADER_ROWS = 1  # messages number rows as a spreadsheet does
EXIT_USAGE = 2  # click's own code for an option it refuses
HISTORY_LOANS = 2_000
INJECTED = '=HYPERLINK("http://example.invalid","open")'


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


def assert_one_line_failure(result, code: int, *fragments: str) -> None:
    """The command exited on purpose with ``code``: one error line, no traceback."""
    assert isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0]


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


def test_cli_score_spanish_thousands_point_is_refused_not_read_as_decimal(
    trained_models_dir, applications, tmp_path
):
    path, out = tmp_path / "solicitudes.csv", tmp_path / "scores.csv"
    money = ["funded_amnt", "annual_inc"]
    given = pd.read_csv(applications, dtype={"id": str}).head(2)
    given = given.astype(dict.fromkeys(money, object))
    given.loc[0, money] = ["20.300", "106.200"]
    given.to_csv(path, sep=";", index=False, encoding="cp1252")

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out, dtype={"id": str})
    assert scored[list(OUTPUTS)].notna().all(axis=1).tolist() == [False, True]
    assert "scored 1 of 2 rows" in result.stdout
    assert (
        f"line 2 (id {given['id'][0]}): principal: expected a number from 1 to "
        "10,000,000, got '20.300'; a point before three digits may separate "
        "thousands: write 20300 for twenty thousand three hundred, or 20.30; "
        "annual income:"
    ) in result.stderr


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


@pytest.fixture(scope="module")
def portfolio():
    return make_portfolio(n_loans=HISTORY_LOANS, seed=3)


@pytest.fixture
def serving(trained_models_dir, tmp_path):
    """A private copy of a models folder with one bundle in service."""
    models = tmp_path / "models"
    shutil.copytree(trained_models_dir, models)
    return models


@pytest.mark.parametrize(
    ("history", "fragments"),
    [
        (
            lambda f: f[f["loan_status"].isin(BAD_STATUSES)],
            ["the training split has no good (non-defaulted) loans", "got 0"],
        ),
        (
            lambda f: f[f["loan_status"].isin(GOOD_STATUSES)],
            ["too few defaulted loans to fit EAD and LGD", "got 0"],
        ),
        (
            lambda f: f.assign(loan_status="Current"),
            [
                f"no finished loans: all {HISTORY_LOANS:,} are still running",
                "running statuses: " + ", ".join(RUNNING_STATUSES),
            ],
        ),
        (
            lambda f: f.assign(issue_d="Nov-2011"),
            [
                "every loan was issued in 2011-11",
                "the out-of-time window (the latest 6 issue months, 2011-06 to 2011-11",
                "oot_months",
                "leaves no loans to train on",
            ],
        ),
    ],
    ids=["all-bad", "all-good", "all-running", "one-month"],
)
def test_cli_retrain_unlearnable_history_says_why_and_keeps_the_bundle(
    serving, portfolio, tmp_path, history, fragments
):
    path = tmp_path / "history.csv"
    history(portfolio).to_csv(path, index=False)
    pointer = (serving / bundles.POINTER).read_text(encoding="utf-8")
    before = bundles.versions(serving)

    result = run("retrain", "--data", path, "--no-report", "--models", serving)

    assert_one_line_failure(result, EXIT_DATA, *fragments)
    assert (serving / bundles.POINTER).read_text(encoding="utf-8") == pointer
    assert bundles.versions(serving) == before


@pytest.mark.parametrize(
    ("command", "action"),
    [("capital", "cannot work out capital"), ("monitor", "cannot monitor")],
)
def test_cli_file_level_command_missing_column_names_it_once(
    trained_models_dir, applications, tmp_path, command, action
):
    path = tmp_path / "no_grade.csv"
    pd.read_csv(applications).drop(columns=["grade"]).to_csv(path, index=False)

    result = run(command, path, "--models", trained_models_dir)

    assert_one_line_failure(result, EXIT_DATA, action)
    assert "  - missing column: grade (grade or rating)" in result.stderr.splitlines()


@pytest.mark.parametrize(
    ("command", "action"), [("validate", "validate"), ("retrain", "train")]
)
def test_cli_history_command_missing_columns_names_its_own_action(
    trained_models_dir, tmp_path, command, action
):
    path = tmp_path / "missing3.csv"
    dropped = ["loan_status", "total_rec_prncp", "recoveries"]
    make_portfolio(n_loans=50, seed=1).drop(columns=dropped).to_csv(path, index=False)
    arguments = (
        ("validate", path) if command == "validate" else ("retrain", "--data", path)
    )
    models_dir = trained_models_dir if command == "validate" else tmp_path / "models"

    result = run(*arguments, "--models", models_dir)

    assert_one_line_failure(result, EXIT_DATA)
    opening = f"error: cannot {action} on missing3.csv: 3 problem(s)"
    assert opening in result.stderr.splitlines()  # retrain's progress bar is above


@pytest.mark.parametrize("scaling", ["5", "0.5", "1.07", "nan", "inf", "-inf"])
def test_cli_capital_refuses_scaling_outside_the_declared_range(
    trained_models_dir, applications, scaling
):
    result = run("capital", applications, "--scaling", scaling,
                 "--models", trained_models_dir)  # fmt: skip

    assert isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == EXIT_USAGE
    assert "Invalid value for '--scaling'" in result.stderr
    assert "risk_weight" not in result.stdout


def test_cli_capital_scaling_range_is_the_cell_functions_range():
    option = next(p for p in capital.params if p.name == "scaling")
    declared = ARGUMENTS["scaling"]

    assert (option.type.min, option.type.max) == SCALING_RANGE
    assert (declared.minimum, declared.maximum) == SCALING_RANGE


def test_cli_capital_accepts_basel_ii_scaling(trained_models_dir, applications):
    result = run("capital", applications, "--scaling", str(SCALING_RANGE[1]),
                 "--models", trained_models_dir)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "risk_weight" in result.stdout


SCORECARD_OPTIONS = {
    "pdo": PDO_RANGE,
    "reference_score": REFERENCE_SCORE_RANGE,
    "reference_odds": REFERENCE_ODDS_RANGE,
}


@pytest.mark.parametrize(("option", "value"), [
    ("--pdo", "nan"),
    ("--pdo", "5"),
    ("--pdo", "1e308"),
    ("--reference-score", "inf"),
    ("--reference-score", "-1"),
    ("--reference-odds", "0.5"),
    ("--reference-odds", "nan"),
])  # fmt: skip
def test_cli_scorecard_refuses_scaling_outside_the_declared_range(
    trained_models_dir, option, value
):
    result = run("scorecard", option, value, "--models", trained_models_dir)

    assert isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == EXIT_USAGE
    assert f"Invalid value for '{option}'" in result.stderr
    assert "is not in the range" in result.stderr


@pytest.mark.parametrize(("name", "bounds"), SCORECARD_OPTIONS.items())
def test_cli_scorecard_ranges_are_the_cell_functions_ranges(name, bounds):
    option = next(p for p in scorecard_command.params if p.name == name)
    declared = ARGUMENTS[name]

    assert (option.type.min, option.type.max) == bounds
    assert (declared.minimum, declared.maximum) == bounds


def output_args(command: str, applications, out) -> list:
    """The arguments of each command that writes a file named by -o."""
    given = [applications] if command == "score" else []
    return [command, *given, "-o", out]


OUTPUTS_BY_COMMAND = [
    ("score", "scored.csv"),
    ("score", "scored.xlsx"),
    ("scorecard", "points.csv"),
    ("scorecard", "points.xlsx"),
    ("model-card", "card.md"),
]


@pytest.mark.parametrize(("command", "name"), OUTPUTS_BY_COMMAND)
def test_cli_output_in_a_missing_folder_creates_it(
    trained_models_dir, applications, tmp_path, command, name
):
    out = tmp_path / "new" / "folder" / name

    result = run(*output_args(command, applications, out),
                 "--models", trained_models_dir)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert out.stat().st_size > 0


@pytest.mark.parametrize(("command", "name"), OUTPUTS_BY_COMMAND)
def test_cli_output_that_cannot_be_written_exits_1_in_one_line(
    trained_models_dir, applications, tmp_path, command, name
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "sub" / name

    result = run(*output_args(command, applications, out),
                 "--models", trained_models_dir)  # fmt: skip

    assert_one_line_failure(result, EXIT_DATA, f"--out: cannot write '{out}'")


@pytest.mark.parametrize(
    ("command", "name", "expected"),
    [
        ("score", "scored.txt", "expected a .csv or .xlsx name, got 'scored.txt'"),
        ("scorecard", "points.txt", "expected a .csv or .xlsx name, got 'points.txt'"),
        ("model-card", "card.txt", "expected a .md name, got 'card.txt'"),
    ],
)
def test_cli_output_with_another_suffix_is_refused_before_any_work(
    trained_models_dir, applications, tmp_path, command, name, expected
):
    out = tmp_path / name

    result = run(*output_args(command, applications, out),
                 "--models", trained_models_dir)  # fmt: skip

    assert_one_line_failure(result, EXIT_DATA, f"--out: {expected}")
    assert result.stdout == ""
    assert not out.exists()


def test_cli_retrain_report_with_another_suffix_is_refused_before_training(
    tmp_path,
):
    models_dir = tmp_path / "models"

    result = run("retrain", "--report", tmp_path / "report.csv",
                 "--models", models_dir)  # fmt: skip

    assert_one_line_failure(
        result, EXIT_DATA, "--report: expected a .xlsx name, got 'report.csv'"
    )
    assert bundles.current_version(models_dir) is None


def test_cli_score_xlsx_writes_ids_as_text_not_formulas(
    trained_models_dir, applications, tmp_path
):
    given = pd.read_csv(applications, dtype={"id": str})
    given.loc[[0, 1], "id"] = [INJECTED, "#N/A"]
    path, out = tmp_path / "applications.csv", tmp_path / "scored.xlsx"
    given.to_csv(path, index=False)

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    for row, text in ((2, INJECTED), (3, "#N/A")):
        assert sheet.cell(row, 1).data_type == "s"
        assert sheet.cell(row, 1).value == text


def test_cli_score_csv_keeps_formula_looking_ids_as_text(
    trained_models_dir, applications, tmp_path
):
    given = pd.read_csv(applications, dtype={"id": str})
    given.loc[[0, 1, 2, 3], "id"] = [INJECTED, "+1+2", "@SUM(A1)", "-5"]
    path, out = tmp_path / "applications.csv", tmp_path / "scored.csv"
    given.to_csv(path, index=False)

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype={"id": str})["id"].head(4).tolist()
    assert written == [f"'{INJECTED}", "'+1+2", "'@SUM(A1)", "-5"]


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


def command_on(command: str, path, tmp_path) -> list:
    """The arguments that make ``command`` read ``path`` as its data file."""
    return {
        "score": ["score", path, "-o", tmp_path / "s.csv"],
        "validate": ["validate", path],
        "monitor": ["monitor", path],
        "monitor --reference": ["monitor", tmp_path / "good.csv", "--reference", path],
        "capital": ["capital", path],
        "retrain": ["retrain", "--data", path, "--no-report"],
    }[command]


FILE_COMMANDS = ["score", "validate", "monitor", "monitor --reference", "capital",
                 "retrain"]  # fmt: skip


@pytest.mark.parametrize("command", FILE_COMMANDS)
@pytest.mark.parametrize("content", ["", " \n\n"], ids=["0-byte", "blank"])
def test_cli_empty_file_exits_1_saying_it_is_empty(
    trained_models_dir, tmp_path, command, content
):
    path = tmp_path / "empty.csv"
    path.write_text(content, encoding="utf-8")
    sample_applications().to_csv(tmp_path / "good.csv", index=False)
    models_dir = tmp_path / "models" if command == "retrain" else trained_models_dir

    result = run(*command_on(command, path, tmp_path), "--models", models_dir)

    assert_one_line_failure(result, EXIT_DATA)
    assert result.stderr.strip().endswith("error: empty.csv: the file is empty")
    assert "No columns to parse" not in result.output


@pytest.mark.parametrize("command", FILE_COMMANDS)
def test_cli_row_longer_than_the_header_exits_1_naming_its_line(
    trained_models_dir, tmp_path, command
):
    path = tmp_path / "ragged.csv"
    sample_applications().to_csv(path, index=False)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].rstrip("\n") + ",Smith\n"  # an unquoted comma in line 4
    path.write_text("".join(lines), encoding="utf-8")
    sample_applications().to_csv(tmp_path / "good.csv", index=False)
    models_dir = tmp_path / "models" if command == "retrain" else trained_models_dir
    fields = lines[0].count(",") + 1

    result = run(*command_on(command, path, tmp_path), "--models", models_dir)

    assert_one_line_failure(
        result,
        EXIT_DATA,
        f"error: ragged.csv: line 4 has {fields + 1} fields, the header has {fields}",
    )
    assert not (tmp_path / "s.csv").exists()


@pytest.mark.parametrize("spelling", ["same", "relative", "dotted", "hard link"])
def test_cli_score_output_that_is_the_input_is_refused_before_any_work(
    trained_models_dir, tmp_path, monkeypatch, spelling
):
    path = tmp_path / "applications.csv"
    sample_applications().to_csv(path, index=False)
    before = path.read_bytes()
    monkeypatch.chdir(tmp_path)
    out = {
        "same": path,
        "relative": "applications.csv",
        "dotted": tmp_path / "sub" / ".." / "applications.csv",
        "hard link": tmp_path / "link.csv",
    }[spelling]
    (tmp_path / "sub").mkdir()
    if spelling == "hard link":
        (tmp_path / "link.csv").hardlink_to(path)

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert_one_line_failure(
        result,
        EXIT_DATA,
        f"error: --out: cannot write '{out}': it is the input file "
        "applications.csv, which would be overwritten; name another file",
    )
    assert result.stdout == ""
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("option", "name"),
    [("--report", "history.xlsx"), ("--refresh-workbook", "history.xlsm")],
)
def test_cli_retrain_output_that_is_the_training_file_is_refused_before_training(
    tmp_path, option, name
):
    path = tmp_path / name
    path.write_bytes(b"not read")
    models_dir = tmp_path / "models"

    result = run("retrain", "--data", path, option, path, "--models", models_dir)

    assert_one_line_failure(
        result, EXIT_DATA, f"error: {option}: cannot write '{path}': it is the input"
    )
    assert path.read_bytes() == b"not read"
    assert bundles.current_version(models_dir) is None


ROW_COMMANDS = ["score", "capital", "monitor"]


def row_command(command: str, path, tmp_path) -> list:
    """The arguments of each command that scores the rows of ``path``."""
    out = ["-o", tmp_path / "scores.csv"] if command == "score" else []
    return [command, path, *out]


def applications_with_bad_grades(tmp_path, rows: int, bad: int):
    """``rows`` sample applications, ids A0, A1, ..., the first ``bad`` graded Z."""
    given = pd.concat([sample_applications()] * 2, ignore_index=True).head(rows)
    given["id"] = [f"A{i}" for i in range(rows)]
    given.loc[: bad - 1, "grade"] = "Z"
    path = tmp_path / "applications.csv"
    given.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command", ROW_COMMANDS)
def test_cli_rows_that_cannot_be_scored_are_named_with_line_id_and_reason(
    trained_models_dir, tmp_path, command
):
    path = applications_with_bad_grades(tmp_path, rows=30, bad=25)

    result = run(*row_command(command, path, tmp_path),
                 "--models", trained_models_dir)  # fmt: skip

    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    opening = next(i for i, line in enumerate(lines) if line.startswith("warning:"))
    assert lines[opening].startswith("warning: 25 of 30 rows not scored")
    named = lines[opening + 1 : opening + 1 + ROWS_NAMED]
    for row, line in enumerate(named):
        assert line.startswith(f"  line {row + 2} (id A{row}): grade: expected one of")
    more = "  ... and 5 more" + (" (see 'scores.csv')" if command == "score" else "")
    assert lines[opening + 1 + ROWS_NAMED] == more


@pytest.mark.parametrize("command", ROW_COMMANDS)
def test_cli_no_row_can_be_scored_exits_1_naming_the_rows(
    trained_models_dir, tmp_path, command
):
    path = applications_with_bad_grades(tmp_path, rows=3, bad=3)

    result = run(*row_command(command, path, tmp_path),
                 "--models", trained_models_dir)  # fmt: skip

    assert_one_line_failure(
        result, EXIT_DATA, "error: no row of applications.csv could be scored (3 rows)"
    )
    lines = result.stderr.splitlines()
    opening = next(i for i, line in enumerate(lines) if line.startswith("error:"))
    assert [line.split(": grade: ")[0] for line in lines[opening + 1 :]] == [
        "  line 2 (id A0)",
        "  line 3 (id A1)",
        "  line 4 (id A2)",
    ]


def test_cli_score_no_row_can_be_scored_still_writes_each_rows_problem(
    trained_models_dir, tmp_path
):
    path = applications_with_bad_grades(tmp_path, rows=3, bad=3)
    out = tmp_path / "scores.csv"

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == EXIT_DATA
    assert "each row's reason is in 'scores.csv'" in result.stderr
    scored = pd.read_csv(out)
    assert scored["id"].tolist() == ["A0", "A1", "A2"]
    assert scored[list(OUTPUTS)].isna().all().all()
    assert scored["problem"].str.startswith("grade: expected one of A").all()
    assert "scored 0 of 3 rows" in result.stdout


@pytest.mark.parametrize(
    ("since", "shown"),
    [
        ("2026-12-04T10:05:35+00:00", "2026-12-04 10:05:35 UTC"),
        ("2026-12-04T11:05:35+01:00", "2026-12-04 10:05:35 UTC"),
        ("2026-12-04T10:05:35", "2026-12-04 10:05:35 UTC"),
        ("yesterday", "yesterday"),
    ],
)
def test_cli_retrain_while_another_runs_exits_4_showing_its_start_once(
    tmp_path, since, shown
):
    from filelock import FileLock

    from retrain.pipeline import HOLDER_FILE, LOCK_FILE

    models_dir = tmp_path / "models"
    models_dir.mkdir()
    holder = {"task": "retrain", "user": "ana", "host": "pc-7", "pid": 4242,
              "since": since}  # fmt: skip
    (models_dir / HOLDER_FILE).write_text(json.dumps(holder), encoding="utf-8")

    with FileLock(models_dir / LOCK_FILE):
        result = run("retrain", "--no-report", "--models", models_dir)

    assert_one_line_failure(result, EXIT_BUSY)
    assert "phase" not in result.stderr  # no progress bar before the lock
    assert result.stderr.strip().endswith(
        "error: a retrain is already running: started by ana on pc-7 "
        f"(process 4242) at {shown}"
    )
    assert bundles.current_version(models_dir) is None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_score_writes_and_names_ids_as_written(
    trained_models_dir, tmp_path, suffix
):
    ids = ["00123", "", "1e5", "12345678901234567890"]
    given = sample_applications().head(len(ids)).astype({"id": str})
    given["id"] = ids
    given.loc[[0, 1], "grade"] = "Z"
    path = tmp_path / "applications.csv"
    given.to_csv(path, index=False)
    out = tmp_path / f"scores{suffix}"

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        written = [line.split(",")[0] for line in out.read_text().splitlines()]
    else:
        sheet = openpyxl.load_workbook(out).active
        written = [cell.value or "" for cell in next(sheet.iter_cols(max_col=1))]
    assert written == ["id", *ids]
    assert "line 2 (id 00123): grade:" in result.stderr
    assert "line 3 (id blank): grade:" in result.stderr


def test_cli_score_names_rows_by_editor_line_past_blank_lines(
    trained_models_dir, tmp_path
):
    given = sample_applications().head(3).astype({"id": str})
    given["id"] = ["A0", "A1", "A2"]
    given.loc[2, "grade"] = "Z"
    header, *rows = given.to_csv(index=False).splitlines()
    path = tmp_path / "applications.csv"
    path.write_text("\n".join([header, rows[0], "", rows[1], "", rows[2]]) + "\n")
    out = tmp_path / "scores.csv"

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    assert "  line 6 (id A2): grade: expected one of" in result.stderr


def test_cli_score_leaves_out_blank_workbook_rows(trained_models_dir, tmp_path):
    given = sample_applications().head(3).astype(object)
    given.iloc[1] = None
    path = tmp_path / "applications.xlsx"
    given.to_excel(path, index=False)
    out = tmp_path / "scores.csv"

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    assert "scored 2 of 2 rows" in result.stdout
    assert "not scored" not in result.stderr


CONTROL = "a\x01b"  # openpyxl refuses to store a control character


REPORT_LOANS = 5_000  # enough defaulted loans to train on


def test_cli_score_xlsx_with_a_control_character_is_written_whole(
    trained_models_dir, applications, tmp_path
):
    from xl_risk.xlsx import REPLACEMENT

    given = pd.read_csv(applications, dtype={"id": str})
    given.loc[[0, 1], "id"] = [CONTROL, INJECTED]
    path, out = tmp_path / "applications.csv", tmp_path / "out" / "scored.xlsx"
    given.to_csv(path, index=False)

    result = run("score", path, "-o", out, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet.cell(2, 1).value == CONTROL.replace("\x01", REPLACEMENT)
    assert sheet.cell(3, 1).data_type == "s"
    assert sheet.cell(3, 1).value == INJECTED
    assert [p.name for p in out.parent.iterdir()] == ["scored.xlsx"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_cli_score_failed_write_leaves_the_old_output_and_no_partial_file(
    trained_models_dir, applications, tmp_path, monkeypatch, suffix
):
    out = tmp_path / f"scored{suffix}"
    out.write_bytes(b"the previous output")

    def write_half(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", write_half)
    monkeypatch.setattr(pd.DataFrame, "to_csv", write_half)
    result = run("score", applications, "-o", out, "--models", trained_models_dir)

    assert_one_line_failure(result, EXIT_DATA, "No space left on device")
    assert out.read_bytes() == b"the previous output"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_cli_retrain_history_with_a_control_character_is_refused_whole(
    serving, tmp_path
):
    path, report = tmp_path / "history.csv", tmp_path / "report.xlsx"
    history = make_portfolio(n_loans=REPORT_LOANS, seed=3)
    history.assign(emp_title=CONTROL).to_csv(path, index=False)
    before = bundles.current_version(serving)

    result = run("retrain", "--data", path, "--report", report, "--models", serving)

    assert result.exit_code == EXIT_DATA, result.output
    assert "Traceback" not in result.output
    assert (
        f"  - job title: {REPORT_LOANS:,} rows not text, e.g. a control character "
        "(U+0001) (remove it)"
    ) in result.stderr
    assert bundles.current_version(serving) == before
    assert {p.name for p in tmp_path.iterdir()} == {"history.csv", serving.name}


def test_cli_retrain_report_that_fails_says_the_bundle_is_in_service(
    tmp_path, monkeypatch
):
    import xl_risk.reports

    def fail(*args, **kwargs):
        raise RuntimeError("the drawing failed")

    monkeypatch.setattr(xl_risk.reports, "write_report", fail)
    models, report = tmp_path / "models", tmp_path / "report.xlsx"

    result = run("retrain", "--report", report, "--models", models)

    assert_one_line_failure(result, EXIT_REPORT, "IS in service", "the drawing failed")
    assert "Traceback" not in result.output
    version = bundles.current_version(models)
    assert f"bundle {version} IS in service, but report workbook not written" in (
        result.stderr
    )
    assert not report.exists()


@pytest.mark.parametrize(
    ("models", "fragment"),
    [
        ("a-file", "is not a folder; set it to the folder that holds the bundles"),
        ("a-file/models", "is not a folder ("),
        ("   ", "XL_RISK_MODELS is blank ('   ')"),
    ],
    ids=["file", "inside-a-file", "blank"],
)
@pytest.mark.parametrize("command", ["info", "score", "retrain", "rollback"])
def test_cli_models_env_that_is_no_folder_exits_3_naming_it(
    applications, tmp_path, monkeypatch, models, fragment, command
):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(bundles.MODELS_ENV, models)
    args = {"score": [applications, "-o", tmp_path / "s.csv"],
            "retrain": ["--no-report"]}.get(command, [])  # fmt: skip

    result = run(command, *args)

    assert_one_line_failure(result, EXIT_BUNDLE, "XL_RISK_MODELS", fragment)


def test_udf_models_env_that_is_a_file_names_it(tmp_path, monkeypatch):
    from xl_risk.excel import convert, udfs

    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(bundles.MODELS_ENV, str(tmp_path / "a-file"))

    got = udfs.RISK_PD([convert.sheet_rows(sample_applications())[0]])

    assert got.startswith("XL_RISK_MODELS: "), got


def test_cli_capital_labels_the_one_year_pd_and_groups_loan_counts(
    trained_models_dir, tmp_path
):
    path = tmp_path / "applications.csv"
    pd.concat([sample_applications()] * 60).to_csv(path, index=False)

    result = run("capital", path, "--models", trained_models_dir)

    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()[1:9]
    assert header.split()[:5] == [
        "grade", "loans", "ead", "expected_loss", "one_year_pd"
    ]  # fmt: skip
    assert rows[-1].split()[:2] == ["all", "1,200"]
    assert "one_year_pd: EAD-weighted one-year PD" in result.stdout
