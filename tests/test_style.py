"""The code base passes ruff's linter and formatter (88 columns)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"]
)
def test_repository_passes_ruff(command):
    found = importlib.util.find_spec("ruff")
    assert found is not None, "ruff is part of the test extra; install .[test]"
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
