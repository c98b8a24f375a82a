"""Fixtures shared by every test file."""

from __future__ import annotations

import pytest


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
