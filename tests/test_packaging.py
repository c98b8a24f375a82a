"""What a plain ``pip install .`` brings is enough for every file the CLI accepts."""

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _runtime_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = set()
    for requirement in project["dependencies"]:
        name = requirement.split(";")[0]
        for mark in "<>=!~[ ":
            name = name.split(mark)[0]
        names.add(name.lower())
    return names


@pytest.mark.parametrize(
    ("suffix", "reader"),
    [(".parquet", "pyarrow"), (".xlsx", "openpyxl")],
)
def test_packaging_runtime_dependencies_read_every_accepted_suffix(suffix, reader):
    from xl_risk.intake import EXCEL_SUFFIXES, PARQUET_SUFFIXES

    assert suffix in PARQUET_SUFFIXES + EXCEL_SUFFIXES
    assert reader in _runtime_requirements(), (
        f"{suffix} files are accepted, so {reader} must be a runtime dependency, "
        "not only a test extra"
    )
