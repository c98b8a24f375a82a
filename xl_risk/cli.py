"""The ``xl-risk`` command line.

Exit codes: 0 success; 1 the data or the request cannot be used (message
says why); 2 usage error; 3 no usable bundle; 4 another retrain is running;
5 a retrain finished but its bundle was kept as a candidate by the gate.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from tqdm import tqdm

from xl_risk import bundle as bundles
from xl_risk.intake import DataError, read_raw

EXIT_DATA = 1
EXIT_BUNDLE = 3
EXIT_BUSY = 4
EXIT_NOT_PROMOTED = 5
RETRAIN_PHASES = 8

log = logging.getLogger("xl_risk")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


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
@models_option
def retrain(
    data: Path | None,
    report_path: Path | None,
    no_report: bool,
    models_dir: Path | None,
) -> None:
    """Train PD, EAD and LGD on loan history and put the bundle in service."""
    from retrain import RetrainBusy
    from retrain import retrain as run_retrain
    from retrain.pipeline import default_report_path

    report = None if no_report else report_path or default_report_path()

    bar = tqdm(total=RETRAIN_PHASES, desc="retrain", unit="phase", file=sys.stderr)

    def progress(message: str) -> None:
        bar.set_description(message)
        bar.update(1)

    try:
        outcome = run_retrain(data, models_dir, progress=progress, report=report)
    except DataError as err:
        bar.close()
        _fail(str(err), EXIT_DATA)
    except RetrainBusy as err:
        bar.close()
        _fail(str(err), EXIT_BUSY)
    bar.close()

    manifest = outcome.manifest
    click.echo(f"bundle {outcome.version} trained on {manifest['data']['source']}")
    click.echo(f"rows read {manifest['data']['rows_read']:,}, "
               f"used {manifest['data']['rows_used']:,}; "
               f"training took {sum(manifest['timings'].values()):.1f} s")  # fmt: skip
    _print_metrics(manifest)
    if outcome.report is not None:
        click.echo(f"report workbook: {outcome.report}")
    if not outcome.promoted:
        _fail(f"bundle {outcome.version} kept as a candidate: {outcome.reason}",
              EXIT_NOT_PROMOTED)  # fmt: skip
    click.echo(f"in service: {outcome.version} ({outcome.reason})")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output .csv or .xlsx.",
)
@models_option
def score(file: Path, out: Path, models_dir: Path | None) -> None:
    """Score applications in FILE: adds pd, ead, lgd, expected_loss per row."""
    from xl_risk.scoring import score_frame

    try:
        bundle = bundles.current(models_dir)
        data = read_raw(file)
    except bundles.BundleError as err:
        _fail(str(err), EXIT_BUNDLE)
    except DataError as err:
        _fail(str(err), EXIT_DATA)

    scored = score_frame(bundle, data)
    if out.suffix.lower() == ".xlsx":
        scored.to_excel(out, index=False)
    elif out.suffix.lower() == ".csv":
        scored.to_csv(out, index=False)
    else:
        _fail(f"output: expected a .csv or .xlsx name, got '{out.name}'", EXIT_DATA)

    failed = scored["problem"].notna()
    click.echo(f"scored {int((~failed).sum()):,} of {len(scored):,} rows "
               f"with bundle {bundle.version} -> {out}")  # fmt: skip
    for row, message in scored.loc[failed, "problem"].head(20).items():
        click.echo(f"  row {row + 2}: {message}", err=True)
    if failed.sum() > 20:
        click.echo(
            f"  ... and {int(failed.sum()) - 20} more (see '{out.name}')", err=True
        )


@main.command()
@models_option
def info(models_dir: Path | None) -> None:
    """Show the bundle in service and its metrics."""
    try:
        bundle = bundles.current(models_dir)
    except bundles.BundleError as err:
        _fail(str(err), EXIT_BUNDLE)
    m = bundle.manifest
    click.echo(
        f"bundle {m['version']} created {m['created_at']} by {m.get('trained_by')}"
    )
    click.echo(f"data: {m['data']['source']}")
    click.echo(f"window: {m.get('window')}")
    click.echo(f"EAD model: {m['tuning']['ead']['winner']}, "
               f"LGD model: {m['tuning']['lgd']['winner']}, "
               f"PD: {m['tuning']['pd']['best']}")  # fmt: skip
    _print_metrics(m)


@main.command()
@models_option
def rollback(models_dir: Path | None) -> None:
    """Return to the bundle that served before the current one."""
    from retrain import rollback as run_rollback

    try:
        version = run_rollback(models_dir)
    except bundles.BundleError as err:
        _fail(str(err), EXIT_BUNDLE)
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
