"""The ``xl-risk`` command line.

Exit codes: 0 success; 1 the data or the request cannot be used (message
says why); 2 usage error; 3 no usable bundle; 4 another retrain is running;
5 a retrain finished but its bundle was kept as a candidate by the gate;
6 a retrain put its bundle in service but could not write the report workbook
(or redraw the report sheets).
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import click
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from xl_risk import bundle as bundles
from xl_risk.capital import SCALING_RANGE
from xl_risk.files import replace_whole
from xl_risk.intake import DataError, file_lines, read_raw
from xl_risk.parsing import is_blank, match_headers
from xl_risk.scorecard import (
    DEFAULT_PDO,
    DEFAULT_REFERENCE_ODDS,
    DEFAULT_REFERENCE_SCORE,
    PDO_RANGE,
    REFERENCE_ODDS_RANGE,
    REFERENCE_SCORE_RANGE,
)

EXIT_DATA = 1
EXIT_BUNDLE = 3
EXIT_BUSY = 4
EXIT_NOT_PROMOTED = 5
EXIT_REPORT = 6
RETRAIN_PHASES = 8
ROWS_NAMED = 20  # rows a command names on the terminal; the rest are counted
TABLE_SUFFIXES = (".csv", ".xlsx")
REPORT_SUFFIXES = (".xlsx",)
MACRO_SUFFIXES = (".xlsm",)
CARD_SUFFIXES = (".md",)

log = logging.getLogger("xl_risk")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


def _fail(message: str, code: int, details: Iterable[str] = ()) -> None:
    """Exit with ``code`` after ``error: message`` and any indented details."""
    click.echo(f"error: {message}", err=True)
    for line in details:
        click.echo(line, err=True)
    sys.exit(code)


def _warn(message: str, details: Iterable[str] = ()) -> None:
    """``warning: message`` and any indented details, on stderr; no exit."""
    click.echo(f"warning: {message}", err=True)
    for line in details:
        click.echo(line, err=True)


def _row_lines(problems: Mapping[int, str], data, more: str = "") -> list[str]:
    """An indented line for each row that could not be scored: its line in the
    file, its id when the file has an id column, and why; the first
    ``ROWS_NAMED`` rows, then how many more (``more`` says where they are).

    ``problems`` maps a row's position in ``data``, the file as read, to its
    reason (``Scores.problems``).
    """
    id_header = match_headers(data.columns)[0].get("loan_id")
    in_file = file_lines(data)
    lines = []
    for row, message in list(problems.items())[:ROWS_NAMED]:
        line = in_file[row]
        who = ""
        if id_header:
            who = f" ({id_header} {_shown_id(data[id_header].iloc[row])})"
        lines.append(f"  line {line}{who}: {message}")
    if len(problems) > ROWS_NAMED:
        lines.append(f"  ... and {len(problems) - ROWS_NAMED:,} more{more}")
    return lines


def _shown_id(value: object) -> object:
    """An id as a message shows it: as written, or the word blank."""
    return "blank" if is_blank(value) else value


def _fail_unscored(
    file: Path, problems: Mapping[int, str], data, out: Path | None = None
) -> None:
    """Exit 1 when no row of ``file`` could be scored, naming the rows; ``out``
    is the file that holds every row's reason, when one was written."""
    written = f"; each row's reason is in '{out.name}'" if out else ""
    _fail(
        f"no row of {file.name} could be scored ({len(problems):,} rows){written}",
        EXIT_DATA,
        _row_lines(problems, data, f" (see '{out.name}')" if out else ""),
    )


def _load_or_fail(models_dir: Path | None, *files: Path):
    """The bundle in service and each file read raw, or exit with the reason."""
    try:
        bundle = bundles.current(models_dir)
        frames = [read_raw(f) for f in files]
    except bundles.BundleError as err:
        _fail(str(err), EXIT_BUNDLE)
    except DataError as err:
        _fail(str(err), EXIT_DATA)
    return bundle, frames


def _check_suffix(path: Path | None, suffixes: tuple[str, ...], option: str) -> None:
    """Exit with one line unless an output file's name ends in one of suffixes.

    Checked before any work, so a misspelt name costs nothing.
    """
    if path is not None and path.suffix.lower() not in suffixes:
        _fail(
            f"{option}: expected a {' or '.join(suffixes)} name, got '{path.name}'",
            EXIT_DATA,
        )


def _same_file(one: Path, other: Path) -> bool:
    """True when two paths name one file: the same resolved path, or (a hard
    link, a case-insensitive disk) the same file on disk."""
    if one.resolve() == other.resolve():
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:  # either does not exist yet
        return False


def _check_not_input(path: Path | None, option: str, *inputs: Path | None) -> None:
    """Exit with one line when an output file is one of the command's input
    files: writing it would overwrite the data it was made from.

    Checked before any work, as a misspelt suffix is.
    """
    if path is None:
        return
    for given in inputs:
        if given is not None and _same_file(path, given):
            _fail(
                f"{option}: cannot write '{path}': it is the input file "
                f"{given.name}, which would be overwritten; name another file",
                EXIT_DATA,
            )


def _write_output(path: Path, write: Callable[[Path], object], option: str) -> None:
    """Create the output's folder, then write; an OS error ends in one line.

    ``write`` writes a temporary file beside ``path`` (same suffix, so the
    format is the same) that is renamed over it only once complete: a failure
    leaves no half-written file, and an earlier output as it was.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_whole(path, write)
    except FileExistsError as err:  # mkdir found a file where a folder goes
        _fail(f"{option}: cannot write '{path}': '{err.filename}' is a file, "
              "not a folder", EXIT_DATA)  # fmt: skip
    except OSError as err:
        reason = err.strerror or str(err)
        if err.filename is not None and str(err.filename) != str(path):
            reason += f" ({err.filename})"
        _fail(f"{option}: cannot write '{path}': {reason}", EXIT_DATA)


def _write_table(frame, path: Path) -> None:
    """A table as .csv or .xlsx, text kept as text (never a formula) in both."""
    from xl_risk.xlsx import csv_safe, write_frame

    if path.suffix.lower() == ".xlsx":
        _write_output(path, lambda p: write_frame(frame, p), "--out")
    else:
        safe = csv_safe(frame)
        _write_output(path, lambda p: safe.to_csv(p, index=False), "--out")


models_option = click.option(
    "--models",
    "models_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Bundle folder (default: models/ or $XL_RISK_MODELS).",
)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log every phase with timings.")
def main(verbose: bool) -> None:
    """Credit-risk scoring: PD, EAD, LGD and expected loss."""
    _setup_logging(verbose)


def _print_metrics(manifest: dict) -> None:
    metrics = manifest["metrics"]
    click.echo(f"{'split':<6} {'loans':>7} {'PD AUC':>7} {'Gini':>6} {'KS':>6} "
               f"{'Brier':>7} {'base':>7} {'EAD MAE':>8} {'mean':>7} "
               f"{'LGD MAE':>8} {'mean':>7}")  # fmt: skip
    for name in ("test", "oot"):
        m = metrics[name]
        p, e, g = m["pd"], m["ead"], m["lgd"]
        click.echo(
            f"{name:<6} {p['loans']:>7,} {p['auc']:>7.4f} {p['gini']:>6.3f} "
            f"{p['ks']:>6.3f} {p['brier']:>7.4f} {p['brier_base_rate']:>7.4f} "
            f"{e['mae']:>8.4f} {e['mae_mean_baseline']:>7.4f} "
            f"{g['mae']:>8.4f} {g['mae_mean_baseline']:>7.4f}"
        )
    click.echo(
        "base: Brier score of the split's default rate; mean: MAE of the "
        "training bad loans' mean"
    )


@main.command()
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Loan history (CSV, CSV.GZ, parquet, xlsx). Default: demo portfolio.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Report workbook (default: workbook/RiskReport.xlsx).",
)
@click.option("--no-report", is_flag=True, help="Do not write the report workbook.")
@click.option(
    "--refresh-workbook",
    type=click.Path(dir_okay=False),
    is_flag=False,
    flag_value="",
    default=None,
    help="Also redraw the report sheets inside this closed .xlsm "
    "(given alone: workbook/RiskScoring.xlsm).",
)
@models_option
def retrain(
    data: Path | None,
    report_path: Path | None,
    no_report: bool,
    models_dir: Path | None,
    refresh_workbook: str | None = None,
) -> None:
    """Train PD, EAD and LGD on loan history and put the bundle in service."""
    from retrain import RetrainBusy
    from retrain import retrain as run_retrain
    from retrain.pipeline import default_report_path, default_workbook_path

    report = None if no_report else report_path or default_report_path()
    workbook = None
    if refresh_workbook is not None:  # "" when the option is given alone
        workbook = Path(refresh_workbook or default_workbook_path())
    _check_suffix(report, REPORT_SUFFIXES, "--report")
    _check_suffix(workbook, MACRO_SUFFIXES, "--refresh-workbook")
    _check_not_input(report, "--report", data)
    _check_not_input(workbook, "--refresh-workbook", data)

    phases = RETRAIN_PHASES + (workbook is not None)
    bars: list[tqdm] = []  # drawn at the first phase, once the lock is held

    def progress(message: str) -> None:
        if not bars:
            bars.append(tqdm(total=phases, unit="phase", file=sys.stderr))
        bars[0].set_description(message)
        bars[0].update(1)

    def close_bar(finished: bool = False) -> None:
        for bar in bars:
            if finished:  # phases skipped (no report) count as done
                bar.update(bar.total - bar.n)
            bar.close()

    try:
        with logging_redirect_tqdm():  # log lines above the bar, not inside it
            outcome = run_retrain(
                data, models_dir, progress=progress, report=report,
                refresh_workbook=workbook,
            )  # fmt: skip
    except DataError as err:
        close_bar()
        _fail(str(err), EXIT_DATA)
    except bundles.BundleError as err:
        close_bar()
        _fail(str(err), EXIT_BUNDLE)
    except RetrainBusy as err:
        close_bar()
        _fail(str(err), EXIT_BUSY)
    close_bar(finished=True)

    manifest = outcome.manifest
    click.echo(f"bundle {outcome.version} trained on {manifest['data']['source']}")
    click.echo(f"rows read {manifest['data']['rows_read']:,}, "
               f"used {manifest['data']['rows_used']:,}; "
               f"training took {sum(manifest['timings'].values()):.1f} s")  # fmt: skip
    _print_metrics(manifest)
    if outcome.report is not None:
        click.echo(f"report workbook: {outcome.report}")
    if outcome.workbook is not None:
        click.echo(f"report sheets redrawn in: {outcome.workbook}")
    if not outcome.promoted:
        _fail(f"bundle {outcome.version} kept as a candidate: {outcome.reason}",
              EXIT_NOT_PROMOTED)  # fmt: skip
    click.echo(f"in service: {outcome.version} ({outcome.reason})")
    if outcome.report_error:
        _fail(f"bundle {outcome.version} IS in service, but {outcome.report_error}",
              EXIT_REPORT)  # fmt: skip


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output .csv or .xlsx.",
)
@click.option(
    "--reasons",
    "with_reasons",
    is_flag=True,
    help="Add reason_1..reason_4: the inputs that raise each PD most.",
)
@models_option
def score(
    file: Path, out: Path, models_dir: Path | None, with_reasons: bool = False
) -> None:
    """Score applications in FILE: adds pd, ead, lgd, expected_loss per row."""
    from xl_risk.parsing import read_table
    from xl_risk.schema import INPUT_FIELDS
    from xl_risk.scoring import score_frame

    _check_suffix(out, TABLE_SUFFIXES, "--out")
    _check_not_input(out, "--out", file)
    bundle, (data,) = _load_or_fail(models_dir, file)
    try:
        table = read_table(data, INPUT_FIELDS)
        scored = score_frame(bundle, data, table, source=file.name)
    except DataError as err:
        _fail(str(err), EXIT_DATA)
    if with_reasons:
        from xl_risk.reasons import reasons_frame

        scored = scored.join(reasons_frame(bundle, table))
    _write_table(scored, out)

    problems = scored["problem"].dropna().to_dict()
    click.echo(f"scored {len(scored) - len(problems):,} of {len(scored):,} rows "
               f"with bundle {bundle.version} -> {out}")  # fmt: skip
    more = f" (see '{out.name}')"
    if len(problems) == len(scored):
        _fail_unscored(file, problems, data, out)
    if problems:
        _warn(
            f"{len(problems):,} of {len(scored):,} rows not scored; each has its "
            f"reason in the problem column of '{out.name}':",
            _row_lines(problems, data, more),
        )


@main.command()
@models_option
def info(models_dir: Path | None) -> None:
    """Show the bundle in service and its metrics."""
    bundle, _ = _load_or_fail(models_dir)
    m = bundle.manifest
    click.echo(
        f"bundle {m['version']} created {m['created_at']} by {m.get('trained_by')}"
    )
    click.echo(f"data: {m['data']['source']}")
    w = m.get("window", {})
    issued = (
        f"loans issued {w['first_issue']} to {w.get('last_issue', '?')}"
        if "first_issue" in w
        else "loans without issue dates"
    )
    click.echo(
        f"{issued}: {w.get('rows_train', 0):,} train, {w.get('rows_test', 0):,} random "
        f"test, {w.get('rows_oot', 0):,} out-of-time from {w.get('oot_from')}"
    )
    best = m["tuning"]["pd"]["best"]
    click.echo(f"PD: logistic regression, C {best['C']}, L1 share {best['l1_ratio']}; "
               f"EAD: {m['tuning']['ead']['winner']}; "
               f"LGD: {m['tuning']['lgd']['winner']}")  # fmt: skip
    _print_metrics(m)


def _named_version(value: str | None) -> str | None:
    """A --to value: None when not given, else a version that is not blank."""
    if value is not None and not value.strip():
        raise click.BadParameter("expected a bundle version, got nothing")
    return value


@main.command()
@click.option(
    "--to",
    "to",
    metavar="VERSION",
    default=None,
    callback=lambda ctx, param, value: _named_version(value),
    help="Put this bundle back instead; it must have served before "
    "(see models/HISTORY.jsonl), e.g. the one a rollback replaced.",
)
@models_option
def rollback(models_dir: Path | None, to: str | None = None) -> None:
    """Return to the bundle that served before the current one, or to VERSION."""
    from retrain import RetrainBusy
    from retrain import rollback as run_rollback

    try:
        version = run_rollback(models_dir, to=to)
    except bundles.BundleError as err:
        _fail(str(err), EXIT_BUNDLE)
    except RetrainBusy as err:
        _fail(str(err), EXIT_BUSY)
    click.echo(f"in service: {version}")


@main.command()
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    help="Folder for the scored sample applications.",
)
@models_option
@click.pass_context
def demo(ctx: click.Context, out: Path, models_dir: Path | None) -> None:
    """The main job on the embedded demo portfolio: retrain, score, report."""
    from xl_risk.samples import sample_applications

    ctx.invoke(retrain, data=None, report_path=None, no_report=False,
               models_dir=models_dir)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    applications = out / "sample_applications.csv"
    sample_applications().to_csv(applications, index=False)
    ctx.invoke(score, file=applications, out=out / "sample_scores.csv",
               models_dir=models_dir)  # fmt: skip


# --- validation, monitoring, scorecard, capital, model card (issue 5) -----


def _show(frame, formats: dict[str, str]) -> str:
    """A DataFrame as aligned text, each column in its own number format."""
    shown = frame.copy()
    for column, spec in formats.items():
        if column in shown:
            shown[column] = shown[column].map(lambda v, s=spec: format(v, s))
    return shown.to_string(index=False)


def _print_validation(result: dict) -> None:
    p, rows = result["pd"], result["rows"]
    click.echo(
        f"{rows['used']:,} finished loans ({rows['split']} rows of {rows['read']:,} "
        f"read): {p['bad_loans']:,} bad, default rate {p['default_rate']:.2%}, "
        f"mean PD {p['mean_pd']:.2%}"
    )
    click.echo(
        f"PD discrimination: AUC {p['auc']:.4f} ({p['auc_level']:.0%} CI "
        f"{p['auc_low']:.4f} to {p['auc_high']:.4f}), Gini {p['gini']:.4f}, "
        f"KS {p['ks']:.4f}"
    )
    click.echo(
        f"PD calibration: Brier {p['brier']:.4f} against {p['brier_base_rate']:.4f} "
        f"for the base rate; Hosmer-Lemeshow {p['hl_statistic']:.2f} on "
        f"{p['hl_dof']} dof, p = {p['hl_p_value']:.3g}"
    )
    rate = {"predicted_pd": ".4f", "observed_rate": ".4f", "expected_defaults": ".1f"}
    click.echo("\nHosmer-Lemeshow groups (1 = lowest PD)")
    click.echo(_show(result["hosmer_lemeshow"], rate))

    level = result["level"]
    grades = result["binomial"][["group", "n", "defaults", "observed_rate",
                                 "predicted_pd"]].copy()  # fmt: skip
    for name in ("binomial", "jeffreys"):
        grades[f"{name}_p"] = result[name]["p_value"]
        verdict = result[name]["passed"].map({True: "pass", False: "FAIL"})
        grades[f"{name}_test"] = verdict
    click.echo(f"\nPD by grade: is the mean PD too low? One-sided tests at {level:.0%}")
    click.echo(_show(grades, {**rate, "binomial_p": ".4f", "jeffreys_p": ".4f"}))

    for name, unit in (("ead", "fraction of principal"), ("lgd", "fraction of EAD")):
        part = result[name]
        s = part["summary"]
        if not s.get("loans"):
            click.echo(f"\n{name.upper()}: no bad loans to measure")
            continue
        click.echo(
            f"\n{name.upper()} ({unit}) on {s['loans']:,} bad loans: MAE "
            f"{s['mae_model']:.4f} against {s['mae_mean']:.4f} for their own mean "
            f"(mean actual {s['mean_actual']:.4f}, predicted {s['mean_predicted']:.4f})"
        )
        counts = ("decile", "n")
        decile = {c: ".4f" for c in part["by_decile"].columns if c not in counts}
        click.echo(_show(part["by_decile"], decile))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--split",
    "part",
    type=click.Choice(["all", "test", "oot"]),
    default="all",
    help="All finished loans, or the training run's test or out-of-time rows.",
)
@models_option
def validate(file: Path, part: str, models_dir: Path | None) -> None:
    """Validate the bundle on FILE, a loan history with outcomes."""
    from xl_risk.intake import fingerprint, read_history
    from xl_risk.model_validation import validate as run_validation

    bundle, _ = _load_or_fail(models_dir)
    try:
        history = read_history(file, action="validate")
        result = run_validation(bundle, history, split=part)
    except DataError as err:
        _fail(str(err), EXIT_DATA)

    click.echo(f"bundle {bundle.version} on {file.name}")
    trained_on = bundle.manifest.get("data", {}).get("sha256")
    same_file = trained_on == fingerprint(file)
    if part == "all" and same_file:
        click.echo(
            "note: the bundle was trained on this file, so most of these loans were "
            "seen in training; --split oot measures only the out-of-time rows"
        )
    elif part != "all" and not same_file:
        click.echo(
            f"note: {file.name} is not the file the bundle was trained on, so its "
            f"{part} split is drawn afresh from this file and may hold loans the "
            "models learnt from; validate a new file with --split all"
        )
    _print_validation(result)


@main.command()
@click.argument("new_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--reference",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Training file to compare with (default: the profile in the bundle).",
)
@models_option
def monitor(new_file: Path, reference: Path | None, models_dir: Path | None) -> None:
    """Population stability of the PD and of every input in NEW_FILE."""
    from xl_risk.monitoring import MIN_ROWS, ProfileError, file_profile
    from xl_risk.monitoring import monitor as run_monitor
    from xl_risk.scoring import NothingScored

    files = (new_file,) if reference is None else (new_file, reference)
    bundle, frames = _load_or_fail(models_dir, *files)
    try:
        profile = file_profile(bundle, frames[1]) if reference else None
        report = run_monitor(bundle, frames[0], profile)
    except NothingScored as err:
        _fail_unscored(new_file, err.problems, frames[0])
    except (ProfileError, ValueError) as err:
        _fail(str(err), EXIT_DATA)

    click.echo(
        f"bundle {bundle.version}: {report.rows:,} rows, {report.unscored:,} "
        "not scored; PSI below 0.10 stable, 0.10 to 0.25 watch, above 0.25 act"
    )
    summary = report.summary().drop(columns=["flags"])
    click.echo(_show(summary, {"psi": ".4f"}))
    if report.unused:
        click.echo(
            f"not used by the model, left out: {', '.join(report.unused_labels)}"
        )
    for flag in report.flags:
        click.echo(f"  flag: {flag}")
    if report.too_few:
        click.echo(
            f"{report.scored:,} rows scored, fewer than the {MIN_ROWS:,} a PSI "
            "needs: the indices above are mostly sampling noise, so none is banded"
        )
    click.echo(f"worst band: {report.worst_band}")
    if report.problems:
        _warn(
            f"{len(report.problems):,} of {report.rows:,} rows not scored, left "
            "out of the PD's PSI:",
            _row_lines(report.problems, frames[0]),
        )


class FiniteRange(click.FloatRange):
    """A FloatRange that also refuses NaN, which no comparison with a bound
    catches, so that a NaN is a usage error like any value out of range."""

    def convert(self, value, param, ctx) -> float:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(
                f"{number} is not in the range {self._describe_range()}.", param, ctx
            )
        return number


@main.command(name="scorecard")
@click.option(
    "--pdo",
    type=FiniteRange(*PDO_RANGE),
    default=DEFAULT_PDO,
    help="Points to double the odds.",
)
@click.option(
    "--reference-score",
    type=FiniteRange(*REFERENCE_SCORE_RANGE),
    default=DEFAULT_REFERENCE_SCORE,
    help="Score of the reference odds.",
)
@click.option(
    "--reference-odds",
    type=FiniteRange(*REFERENCE_ODDS_RANGE),
    default=DEFAULT_REFERENCE_ODDS,
    help="Good:bad odds at the reference score (50 means 50:1).",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the points table to a .csv or .xlsx file.",
)
@models_option
def scorecard_command(
    pdo: float,
    reference_score: float,
    reference_odds: float,
    out: Path | None,
    models_dir: Path | None,
) -> None:
    """Points per input field of the bundle's PD model."""
    from xl_risk.scorecard import Scorecard

    _check_suffix(out, TABLE_SUFFIXES, "--out")
    bundle, _ = _load_or_fail(models_dir)
    try:
        card = Scorecard.from_bundle(bundle, pdo, reference_score, reference_odds)
    except ValueError as err:
        _fail(str(err), EXIT_DATA)
    table = card.table()
    click.echo(
        f"bundle {bundle.version}: {reference_score:g} points at odds "
        f"{reference_odds:g}:1, {pdo:g} points to double them; reference "
        f"applicant {card.base:.1f}; numeric bands are indicative"
    )
    click.echo(table.to_string(index=False))
    if out is not None:
        _write_table(table, out)
        click.echo(f"points table: {out}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--scaling",
    type=FiniteRange(*SCALING_RANGE),
    default=1.0,
    help="Factor on K: 1, or 1.06 under Basel II (as IRB_CAPITAL takes it).",
)
@models_option
def capital(file: Path, scaling: float, models_dir: Path | None) -> None:
    """IRB capital and RWA by grade of the applications in FILE."""
    from xl_risk.capital import portfolio_capital
    from xl_risk.scoring import NothingScored

    bundle, frames = _load_or_fail(models_dir, file)
    try:
        table = portfolio_capital(bundle, frames[0], scaling=scaling)
    except NothingScored as err:
        _fail_unscored(file, err.problems, frames[0])
    except ValueError as err:
        _fail(str(err), EXIT_DATA)
    click.echo(
        f"bundle {bundle.version}: {int(table['loans'].iloc[-1]):,} loans scored, "
        f"{table.attrs['unscored']:,} not; EAD, EL, capital and RWA in money"
    )
    money = {c: ",.0f" for c in ("loans", "ead", "expected_loss", "capital", "rwa")}
    shown = table.reset_index().rename(columns={"mean_pd": "one_year_pd"})
    click.echo(
        _show(shown, {**money, "one_year_pd": ".4f", "k": ".4f", "risk_weight": ".2%"})
    )
    click.echo(
        "one_year_pd: EAD-weighted one-year PD, what capital takes; "
        "expected_loss is on the PD over each loan's term"
    )
    problems = table.attrs["problems"]
    if problems:
        _warn(
            f"{len(problems):,} of {len(frames[0]):,} rows not scored, left out "
            "of the capital:",
            _row_lines(problems, frames[0]),
        )


def _names_a_folder(given: str) -> bool:
    """True for a name ending in a path separator, or an existing folder."""
    separators = tuple(s for s in (os.sep, os.altsep) if s)
    return given.endswith(separators) or Path(given).is_dir()


@main.command(name="model-card")
@click.option(
    "-o",
    "--out",
    type=click.Path(),
    default=None,
    help="File to write, or a folder to write MODEL_CARD.md into (a name "
    "ending in / or a folder that exists; created if missing). Default: "
    "MODEL_CARD.md in the bundle's folder.",
)
@models_option
def model_card_command(out: str | None, models_dir: Path | None) -> None:
    """Write the model card of the bundle in service."""
    from xl_risk.model_card import CARD_NAME, write_model_card

    if out is not None:
        out = Path(out) / CARD_NAME if _names_a_folder(out) else Path(out)
    _check_suffix(out, CARD_SUFFIXES, "--out")
    bundle, _ = _load_or_fail(models_dir)
    path = out or bundle.path / CARD_NAME
    _write_output(path, lambda p: write_model_card(bundle.manifest, p), "--out")
    click.echo(f"model card: {path}")
