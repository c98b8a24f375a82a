"""Retraining is safe: killed at any point, run twice at once, or weaker than
the bundle in service, it leaves the current models serving."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from retrain import RetrainBusy, retrain, rollback
from retrain.pipeline import gate
from xl_risk import bundle as bundles
from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.samples import sample_applications
from xl_risk.scoring import score

SMALL_LOANS = 4000
CHILD_TIMEOUT = 600

CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    import xl_risk.bundle as bundles
    import xl_risk.training as training
    from retrain import retrain

    # No worker processes: a killed child must not leave orphans holding its pipes.
    training.PARALLEL_JOBS = 1

    point, models, data = sys.argv[1], sys.argv[2], sys.argv[3]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def progress(message):
        if point == "hold" and message.startswith("Fitting"):
            print("holding", flush=True)
            time.sleep(120)
        if message.startswith(point):
            die()

    if point == "artifact":
        real_dump = bundles.joblib.dump
        def dump(obj, target, *args, **kwargs):
            real_dump(obj, target, *args, **kwargs)
            if str(target).endswith("pd.joblib"):
                die()
        bundles.joblib.dump = dump
    if point == "pointer":
        real_replace = os.replace
        def replace(src, dst, *args, **kwargs):
            if str(dst).endswith("CURRENT"):
                die()
            return real_replace(src, dst, *args, **kwargs)
        bundles.os.replace = replace

    retrain(data, models, progress=progress)
    """
)


@pytest.fixture(scope="module")
def small_history(tmp_path_factory):
    """A small loan history in Lending Club's layout, quick to train on."""
    path = tmp_path_factory.mktemp("data") / "loans.csv"
    make_portfolio(n_loans=SMALL_LOANS, seed=3).to_csv(path, index=False)
    return path


@pytest.fixture
def serving(trained_models_dir, tmp_path):
    """A private copy of a models folder with one bundle in service."""
    models = tmp_path / "models"
    shutil.copytree(trained_models_dir, models)
    return models


def _expected_losses(models):
    bundles.forget()
    return score(bundles.current(models), sample_applications()).expected_loss


@pytest.mark.parametrize(
    "point",
    [
        "Reading",
        "Checking",
        "Fitting",
        "Comparing",
        "Saving",
        "artifact",
        "pointer",
    ],
)
def test_retrain_killed_keeps_previous_bundle_serving(point, serving, small_history):
    before_version = bundles.current_version(serving)
    before = _expected_losses(serving)

    child = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(serving), str(small_history)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )

    assert child.returncode == -9, child.stderr[-2000:]
    assert bundles.current_version(serving) == before_version
    np.testing.assert_array_equal(_expected_losses(serving), before)
    for version in bundles.versions(serving):  # complete, verified, or not listed
        assert bundles.verify(serving / version)["version"] == version


def test_retrain_after_a_kill_takes_the_lock_and_clears_leftovers(
    serving, small_history
):
    subprocess.run(
        [sys.executable, "-c", CHILD, "artifact", str(serving), str(small_history)],
        capture_output=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    assert list(serving.glob(bundles.STAGING_PREFIX + "*")), "kill left no staging"

    outcome = retrain(small_history, serving, config=TrainingConfig(pd_auc_floor=0.5))

    assert outcome.version in bundles.versions(serving)
    assert not list(serving.glob(bundles.STAGING_PREFIX + "*"))


def test_retrain_second_at_once_is_refused_naming_the_holder(serving, small_history):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "hold", str(serving), str(small_history)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "holding"
        with pytest.raises(RetrainBusy, match=r"already running: started by .+ at "):
            retrain(small_history, serving)
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def weakened_pd(monkeypatch):
    """Challengers whose PD model keeps a single weak term (debt-to-income)."""
    from xl_risk import training

    real_fit_pd = training.fit_pd

    def fit_weak(*args, **kwargs):
        model, tuning = real_fit_pd(*args, **kwargs)
        keep = np.array([name == "dti" for name in model.feature_names])
        model.coef = np.where(keep, model.coef, 0.0)
        return model, tuning

    monkeypatch.setattr(training, "fit_pd", fit_weak)


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        (TrainingConfig(pd_auc_floor=0.95), "below the floor"),
        (TrainingConfig(pd_auc_floor=0.5), "below the bundle in service"),
    ],
    ids=["floor", "margin"],
)
@pytest.mark.usefixtures("weakened_pd")
def test_gate_keeps_a_weakened_challenger_as_candidate(
    config, reason, serving, small_history
):
    before_version = bundles.current_version(serving)

    outcome = retrain(small_history, serving, config=config)

    assert not outcome.promoted
    assert reason in outcome.reason
    assert bundles.current_version(serving) == before_version
    assert outcome.version in bundles.versions(serving)
    assert outcome.manifest["promoted"] is False


@pytest.mark.parametrize(
    ("challenger", "champion", "promoted"),
    [(0.70, None, True), (0.64, None, False), (0.70, 0.705, True), (0.69, 0.71, False)],
)
def test_gate_rule_on_out_of_time_auc(challenger, champion, promoted):
    def metrics(auc):
        return None if auc is None else {"oot": {"pd": {"auc": auc}}}

    passed, _ = gate(metrics(challenger), metrics(champion), TrainingConfig())

    assert passed is promoted


def test_rollback_returns_to_the_bundle_before(serving, small_history):
    first = bundles.current_version(serving)
    second = retrain(small_history, serving, config=TrainingConfig(pd_auc_floor=0.5))
    assert second.promoted

    assert rollback(serving) == first
    assert bundles.current_version(serving) == first
