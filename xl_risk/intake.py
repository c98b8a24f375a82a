"""Read loan history from CSV (plain or gzip), parquet or xlsx into the schema."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from xl_risk.parsing import Table, read_table
from xl_risk.schema import BY_NAME, INPUT_FIELDS, OUTCOME_NAMES, Field

EXAMPLES_SHOWN = 3
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")


class DataError(ValueError):
    """Input data that cannot be used; the message lists every problem."""


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def read_raw(path: str | Path) -> pd.DataFrame:
    """Read a file as it is, every column as published.

    Text such as ``"n/a"`` is kept as text (the schema decides what is
    missing); only empty cells are missing.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")

    suffix = _suffix(path)
    try:
        if suffix in CSV_SUFFIXES:
            frame = pd.read_csv(
                path, low_memory=False, keep_default_na=False, na_values=[""]
            )
        elif suffix in EXCEL_SUFFIXES:
            frame = pd.read_excel(
                path, engine="openpyxl", keep_default_na=False, na_values=[""]
            )
        elif suffix in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        else:
            raise DataError(
                f"{path.name}: expected a .csv, .csv.gz, .parquet or .xlsx file, "
                f"got '{suffix or 'no extension'}'"
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as err:
        raise DataError(f"{path.name}: cannot be read as {suffix}: {err}") from None
    except (ValueError, KeyError) as err:
        raise DataError(f"{path.name}: cannot be read as {suffix}: {err}") from None

    if frame.empty:
        raise DataError(f"{path.name}: no rows")
    return frame


def fingerprint(path: str | Path) -> str:
    """SHA-256 of a file's bytes, to tie a bundle to the data it learnt from."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _names(f: Field) -> str:
    return f"{f.label} ({' or '.join(dict.fromkeys((f.name, *f.aliases)))})"


def problems(table: Table, needed: tuple[str, ...]) -> list[str]:
    """One line per problem: each missing column, each field with bad values."""
    lines = [
        f"missing column: {_names(BY_NAME[name])}"
        for name in needed
        if name not in table.columns
    ]
    for col in table.columns.values():
        if not col.problems:
            continue
        shown = list(dict.fromkeys(col.problems.values()))[:EXAMPLES_SHOWN]
        givens = [m.rsplit(", got ", 1)[-1].partition("; ") for m in shown]
        notes = list(dict.fromkeys(note for _, _, note in givens if note))
        lines.append(
            f"{col.field.label}: {len(col.problems)} rows not "
            f"{col.field.expectation()}, e.g. {', '.join(g for g, _, _ in givens)}"
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return lines


TRAINING_COLUMNS: tuple[str, ...] = (
    tuple(f.name for f in INPUT_FIELDS if f.required) + OUTCOME_NAMES
)


def read_history(path: str | Path) -> Table:
    """Read a loan history for training; every problem is reported at once.

    Raises
    ------
    DataError
        Listing each missing required column and each field holding values of
        the wrong type or out of range, with row counts and examples.
    """
    table = read_table(read_raw(path))
    found = problems(table, TRAINING_COLUMNS)
    if found:
        raise DataError(
            f"cannot train on {Path(path).name}: {len(found)} problem(s)\n  - "
            + "\n  - ".join(found)
        )
    return table
