"""Retraining: data file in, new bundle out, evaluation reported.

The command line (``xl-risk retrain``) and the workbook's Retrain models
button both call :func:`retrain`. It is safe to interrupt at any moment: the
new bundle is written beside the one in service, loaded back and checked
before ``models/CURRENT`` is switched to it in one atomic rename, and a lock
keeps two retrains (or a retrain and a rollback) from running at once.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

from xl_risk import bundle as bundles
from xl_risk.config import TrainingConfig
from xl_risk.demo import DEMO_LOANS, DEMO_SEED, make_portfolio
from xl_risk.intake import (
    TRAINING_COLUMNS,
    DataError,
    fingerprint,
    problems,
    read_history,
)
from xl_risk.model_card import write_model_card
from xl_risk.monitoring import training_profile
from xl_risk.parsing import read_table
from xl_risk.quality import prepare_training
from xl_risk.training import Splits, evaluate_all, train

log = logging.getLogger(__name__)

LOCK_FILE = ".retrain.lock"
REPORT_NAME = "RiskReport.xlsx"
MODEL_CARD = "MODEL_CARD.md"
WORKBOOK_NAME = "RiskScoring.xlsm"
HOLDER_FILE = ".retrain.holder"
HOLDER_TIME = "%Y-%m-%d %H:%M:%S UTC"  # the holder's start, as messages show it
DEMO_SOURCE = f"embedded demo portfolio (seed {DEMO_SEED}, {DEMO_LOANS:,} loans)"
Progress = Callable[[str], None]


class RetrainBusy(RuntimeError):
    """Another retrain, or a rollback, holds the lock."""


@dataclass
class Outcome:
    """What a retrain did, in words an analyst reads and numbers a report uses."""

    version: str
    promoted: bool
    reason: str
    manifest: dict
    previous: str | None = None
    report: Path | None = None
    workbook: Path | None = None  # the macro workbook whose report sheets were redrawn
    report_error: str | None = None  # why a report after promotion was not written


def _holder(task: str) -> dict:
    return {
        "task": task,
        "user": getpass.getuser(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _started_at(since: object) -> str:
    """A holder's start time once, in UTC: ``2026-12-04 10:05:35 UTC``.

    ``since`` is the ISO 8601 text :func:`_holder` writes (with its offset);
    a time without an offset is taken as UTC, and text that is no time is
    shown as it is.
    """
    try:
        moment = datetime.fromisoformat(str(since))
    except ValueError:
        return str(since)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(HOLDER_TIME)


def _busy_message(models_dir: Path) -> str:
    try:
        who = json.loads((models_dir / HOLDER_FILE).read_text(encoding="utf-8"))
        return (
            f"a {who.get('task', 'retrain')} is already running: started by "
            f"{who['user']} on {who['host']} (process {who['pid']}) at "
            f"{_started_at(who['since'])}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "a retrain is already running (holder unknown)"


def load_training_data(data: str | Path | None):
    """Read a training file, or the embedded demo portfolio when ``data`` is None.

    Returns ``(table, source)`` where source describes the data and its SHA-256.
    """
    if data is None:
        table = read_table(make_portfolio())
        found = problems(table, TRAINING_COLUMNS)
        if found:
            raise DataError(
                "demo portfolio does not fit the schema: " + "; ".join(found)
            )
        return table, {"source": DEMO_SOURCE, "sha256": None}
    table = read_history(data)
    return table, {"source": str(Path(data).resolve()), "sha256": fingerprint(data)}


def gate(
    challenger: dict, champion: dict | None, config: TrainingConfig
) -> tuple[bool, str]:
    """Champion/challenger rule on the out-of-time PD AUC.

    The challenger is promoted unless its AUC is below the floor, or more than
    the margin below the champion's AUC measured on the same out-of-time rows.
    """
    auc = challenger["oot"]["pd"]["auc"]
    if auc < config.pd_auc_floor:
        return False, (
            f"out-of-time PD AUC {auc:.4f} is below the floor {config.pd_auc_floor:.4f}"
        )
    if champion is not None:
        best = champion["oot"]["pd"]["auc"]
        if auc < best - config.pd_auc_margin:
            return False, (
                f"out-of-time PD AUC {auc:.4f} is more than {config.pd_auc_margin:.4f} "
                f"below the bundle in service ({best:.4f}) on the same data"
            )
    return True, f"out-of-time PD AUC {auc:.4f} passes the gate"


def _champion_metrics(models_dir: Path, frame: pd.DataFrame, splits: Splits):
    """The serving bundle's metrics re-measured on this run's splits, if any.

    The bundle is loaded as for scoring, so one that ``CURRENT`` or the
    promotion history does not vouch for is never unpickled.
    """
    version = bundles.current_version(models_dir)
    if version is None:
        return None, None
    try:
        champion = bundles.current(models_dir)
    except bundles.BundleError as err:
        log.warning("bundle in service cannot be compared: %s", err)
        return version, None
    return version, evaluate_all(champion, frame, splits)


def default_report_path() -> Path:
    """``workbook/RiskReport.xlsx`` beside ``RiskScoring.xlsm``."""
    return Path(__file__).resolve().parents[1] / "workbook" / REPORT_NAME


def default_workbook_path() -> Path:
    """``workbook/RiskScoring.xlsm``, the analyst's macro workbook."""
    return default_report_path().with_name(WORKBOOK_NAME)


def retrain(
    data: str | Path | None = None,
    models_dir: str | Path | None = None,
    config: TrainingConfig | None = None,
    progress: Progress | None = None,
    report: str | Path | None = None,
    refresh_workbook: str | Path | None = None,
) -> Outcome:
    """Train PD, EAD and LGD on a loan history and put the result in service.

    Parameters
    ----------
    data : path, optional
        CSV (plain or gzip), parquet or xlsx; None uses the demo portfolio.
    models_dir : path, optional
        Where bundles live (default: ``models/``).
    config : TrainingConfig, optional
    progress : callable, optional
        Called with a short phase description as each phase starts.
    report : path, optional
        Where to write the report workbook once a bundle is promoted.
    refresh_workbook : path, optional
        A closed macro workbook (``.xlsm``) whose report sheets are drawn
        again once a bundle is promoted. Never the workbook whose button runs
        the retrain: Excel has it open.

    Raises
    ------
    DataError
        The data cannot be trained on; nothing changes.
    RetrainBusy
        Another retrain is running; nothing changes.
    """
    models_dir = Path(models_dir) if models_dir else bundles.default_models_dir()
    bundles.make_models_dir(models_dir)
    config = config or TrainingConfig()
    tell = progress or (lambda _message: None)

    with _exclusive(models_dir, "retrain"):
        return _retrain_locked(data, models_dir, config, tell, report, refresh_workbook)


@contextmanager
def _exclusive(models_dir: Path, task: str) -> Iterator[None]:
    """Hold the models folder's lock, or raise RetrainBusy naming its holder.

    Everything that changes ``CURRENT`` or the promotion history runs inside.
    """
    lock = FileLock(models_dir / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise RetrainBusy(_busy_message(models_dir)) from None
    try:
        holder = json.dumps(_holder(task))
        (models_dir / HOLDER_FILE).write_text(holder, encoding="utf-8")
        yield
    finally:
        (models_dir / HOLDER_FILE).unlink(missing_ok=True)
        lock.release()


def _clear_staging(models_dir: Path) -> None:
    """Remove folders left by a retrain that was killed while writing.

    Only called with the lock held, so no live retrain is writing them.
    """
    for leftover in models_dir.glob(bundles.STAGING_PREFIX + "*"):
        log.info("removing %s left by an interrupted retrain", leftover.name)
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in models_dir.glob(bundles.TEMP_PREFIX + "*"):
        leftover.unlink(missing_ok=True)


def _retrain_locked(
    data, models_dir, config, tell: Progress, report, refresh_workbook=None
) -> Outcome:
    _clear_staging(models_dir)
    tell("Reading training data")
    table, source = load_training_data(data)

    tell("Checking data quality")
    frame, quality = prepare_training(table, config)

    tell("Fitting PD, EAD and LGD models")
    models = train(frame, config)

    tell("Comparing with the bundle in service")
    previous, champion = _champion_metrics(models_dir, frame, models.splits)
    promoted, reason = gate(models.metrics, champion, config)

    tell("Saving and verifying the new bundle")
    extra = _manifest_extra(models, frame, quality, source, config)
    extra.update(champion_metrics=champion, previous_version=previous,
                 promoted=promoted, gate=reason)  # fmt: skip
    objects = {"encoder": models.encoder, "pd": models.pd_model,
               "ead": models.ead_model, "lgd": models.lgd_model}  # fmt: skip
    path = bundles.write(models_dir, objects, extra)
    loaded = bundles.load(path)  # checks every hash before promotion
    write_model_card(path, path / MODEL_CARD)

    outcome = Outcome(path.name, promoted, reason, loaded.manifest, previous)
    if not promoted:
        log.warning("bundle %s kept as a candidate: %s", path.name, reason)
        return outcome

    tell("Putting the new bundle in service")
    bundles.promote(models_dir, path.name)
    prune(models_dir, config.keep_bundles)
    before = _previous_manifest(models_dir, previous)
    failures = []
    if report is not None:
        tell("Writing the report workbook")
        outcome.report = _write_report(loaded, frame, before, Path(report), failures)
    if refresh_workbook is not None:
        tell("Refreshing the report sheets in the workbook")
        target = Path(refresh_workbook)
        outcome.workbook = _write_report(
            loaded, frame, before, target, failures, into=True
        )
    outcome.report_error = "; ".join(failures) or None
    return outcome


def _manifest_extra(models, frame, quality, source: dict, config) -> dict:
    """What a bundle's manifest records about its training run."""
    return {
        "data": {
            **source,
            "rows_read": quality.rows_read,
            "rows_used": quality.rows_used,
        },  # fmt: skip
        "window": models.window,
        "quality": quality.to_dict(),
        "metrics": models.metrics,
        "tuning": models.tuning,
        "timings": models.timings,
        "config": config.model_dump(),
        "features": models.encoder.names,
        "dropped_inputs": models.encoder.dropped,
        "trained_by": getpass.getuser(),
        "reference_profile": training_profile(models, frame.iloc[models.splits.train]),
    }


def _previous_manifest(models_dir: Path, previous: str | None) -> dict | None:
    if previous and (models_dir / previous).is_dir():
        return bundles.read_manifest(models_dir / previous)
    return None


def _write_report(
    bundle, frame, before, target: Path, failures: list[str], into: bool = False
):
    """Write the report workbook, or with ``into`` draw the report sheets again
    inside the macro workbook ``target``; None when that failed, with why
    appended to ``failures``.

    The bundle is already in service, so no failure here may undo the
    promotion or end the retrain: every exception is caught, and the caller
    shows ``Outcome.report_error``.
    """
    from xl_risk.reports import refresh_sheets_in, write_report

    what = "report sheets not refreshed in" if into else "report workbook not written:"
    try:
        if into:
            return refresh_sheets_in(target, bundle, frame, previous_manifest=before)
        return write_report(bundle, frame, target, previous_manifest=before)
    except Exception as err:  # the bundle is in service whatever goes wrong
        if isinstance(err, OSError) and err.strerror:
            reason = err.strerror
        else:
            reason = str(err) or type(err).__name__
        failures.append(f"{what} {target}: {reason}")
        log.info("%s", failures[-1])
        log.debug("the report failed here", exc_info=True)  # for a DEBUG log
        return None


def prune(models_dir: Path, keep: int) -> list[str]:
    """Remove old bundles, keeping every bundle a rollback may need.

    Kept: the newest ``keep`` bundles that served (``rollback --to`` reaches
    them), the newest ``keep`` candidates the gate kept out, the bundle in
    service and the one ``rollback`` puts back. Candidates never push a bundle
    that served out of the folder.
    """
    present = bundles.versions(models_dir)
    served = {record["version"] for record in bundles.promotion_history(models_dir)}
    kept = set([v for v in present if v in served][-keep:])
    kept |= set([v for v in present if v not in served][-keep:])

    serving = bundles.current_version(models_dir)
    if serving is not None:
        manifest = bundles.read_manifest(models_dir / serving)
        kept |= {serving, manifest.get("previous_version")}

    removed = [v for v in present if v not in kept]
    for version in removed:
        shutil.rmtree(models_dir / version, ignore_errors=True)
    return removed


def rollback(models_dir: str | Path | None = None, to: str | None = None) -> str:
    """Put a bundle that served before back in service.

    Parameters
    ----------
    models_dir : path, optional
        Where bundles live (default: ``models/``).
    to : str, optional
        The version to put back; default: the bundle that served before the
        one in service. Either way it must be recorded in the promotion
        history (``models/HISTORY.jsonl``) and its manifest must still have
        the SHA-256 recorded when it was first put in service. A candidate
        the gate kept out goes into service only through a retrain.

    Returns
    -------
    str
        The version now in service.

    Raises
    ------
    BundleError
        Nothing to roll back to, or the bundle is not recorded or not intact;
        nothing changes.
    RetrainBusy
        A retrain or another rollback is running; nothing changes.
    """
    models_dir = Path(models_dir) if models_dir else bundles.default_models_dir()
    if not models_dir.is_dir():
        raise bundles.BundleError(f"no bundle in service in {models_dir}")

    with _exclusive(models_dir, "rollback"):
        target = to or _previous_version(models_dir)
        if bundles.recorded_hash(models_dir, target) is None:
            raise bundles.BundleError(
                f"bundle {target} was never put in service (not in "
                f"{bundles.HISTORY}), so it cannot be put back; "
                f"{_restorable(models_dir)}"
            )
        if not (models_dir / target).is_dir():
            raise bundles.BundleError(
                f"bundle {target} is recorded in {bundles.HISTORY} but its folder "
                f"is gone from {models_dir}; {_restorable(models_dir)}"
            )
        bundles.promote(models_dir, target)
    return target


def _previous_version(models_dir: Path) -> str:
    """The bundle that served before the one in service, from its manifest."""
    serving = bundles.current_version(models_dir)
    if serving is None:
        raise bundles.BundleError(f"no bundle in service in {models_dir}")
    previous = bundles.read_manifest(models_dir / serving).get("previous_version")
    if not previous or not (models_dir / previous).is_dir():
        raise bundles.BundleError(
            f"bundle {serving} has no earlier bundle to roll back to"
        )
    return previous


def _restorable(models_dir: Path) -> str:
    """``bundles that can be put back: A, B`` (recorded and still on disk)."""
    history = bundles.promotion_history(models_dir)
    recorded = dict.fromkeys(record["version"] for record in history)
    present = [v for v in recorded if (models_dir / v).is_dir()]
    return f"bundles that can be put back: {', '.join(present) or 'none'}"
