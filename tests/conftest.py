"""Fixtures shared by every test file."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_NAME = "lending_club_2007_2011.csv.gz"


@pytest.fixture(scope="session")
def trained_models_dir(tmp_path_factory):
    """A models folder holding one bundle, in service, trained on the demo portfolio.

    Trained once per test session (about 40 s) and shared. It changes nothing
    global: point code at it with ``models_dir=`` or, inside one test, with
    ``monkeypatch.setenv("XL_RISK_MODELS", str(trained_models_dir))``.
    """
    from retrain import retrain

    models_dir = tmp_path_factory.mktemp("models")
    retrain(models_dir=models_dir)
    return models_dir


@pytest.fixture(scope="session")
def bundle(trained_models_dir):
    """The bundle in service in ``trained_models_dir``, loaded once; read only."""
    from xl_risk import bundle as bundles

    return bundles.load(
        trained_models_dir / bundles.current_version(trained_models_dir)
    )


@pytest.fixture(scope="session")
def shared_path() -> Path:
    """The Lending Club 2007-2011 file in ``../shared/data`` beside the repository.

    It is never committed; CI lays it beside the clone. Tests that need it skip,
    saying why, where it is absent.
    """
    root = Path(__file__).resolve().parents[1]
    candidates = [
        Path(__file__).parents[2] / "shared" / "data" / SHARED_NAME,
        root.parent / "shared" / "data" / SHARED_NAME,
        Path.cwd().parent / "shared" / "data" / SHARED_NAME,
    ]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        pytest.skip(f"{SHARED_NAME} not found beside the repository (../shared/data)")
    return path


@pytest.fixture(scope="session")
def shared_outcome(shared_path, tmp_path_factory):
    """``(models_dir, outcome)`` of one retrain on the shared Lending Club file."""
    from retrain import retrain

    models_dir = tmp_path_factory.mktemp("shared-models")
    return models_dir, retrain(shared_path, models_dir=models_dir)
