"""Score applications: PD, EAD, LGD and expected loss.

One path for one row and for a million: raw values are read by the schema,
rows with a problem are set aside with their message, the rest are encoded
once and passed through the three models as arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xl_risk.bundle import Bundle
from xl_risk.intake import SCORING_COLUMNS, field_names, require_columns
from xl_risk.parsing import DataError, Table, match_headers, read_table
from xl_risk.schema import BY_NAME, INPUT_FIELDS, INPUT_NAMES, Field
from xl_risk.targets import expected_loss

log = logging.getLogger(__name__)

OUTPUTS = ("pd", "ead", "lgd", "expected_loss")
INPUT_SET = frozenset(INPUT_NAMES)
UNKNOWN_SHOWN = 5  # headers naming no field, shown in a message


class NothingScored(DataError):
    """Not one row can be scored; ``problems`` maps each row's position to
    its one-line reason, so that a caller can name the rows."""

    def __init__(self, message: str, problems: Mapping[int, str]):
        super().__init__(message)
        self.problems = dict(problems)


@dataclass
class Scores:
    """Per-row results; NaN where a row could not be scored.

    ``problems`` maps a row position to its one-line message.
    """

    pd: np.ndarray
    ead: np.ndarray
    lgd: np.ndarray
    expected_loss: np.ndarray
    problems: dict[int, str]

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame({name: getattr(self, name) for name in OUTPUTS})
        out["problem"] = pd.Series(self.problems, dtype=object)
        return out


def input_problems(table: Table) -> dict[int, str]:
    """Every row's reason it cannot be scored, messages joined by '; '."""
    found = table.row_problems()
    for f in INPUT_FIELDS:
        if not f.required:
            continue
        col = table.columns.get(f.name)
        if col is None:
            message = f"{f.label}: required, but no column is named {f.aliases[0]}"
            for row in range(table.n_rows):
                found.setdefault(row, []).append(message)
            continue
        for row in np.flatnonzero(col.missing):
            found.setdefault(int(row), []).append(f"{f.label}: required, got blank")
    return {row: "; ".join(messages) for row, messages in sorted(found.items())}


def absent_inputs(bundle: Bundle, table: Table) -> list[Field]:
    """Optional inputs the bundle's models use that no column of ``table`` names.

    Each is scored as blank: a number as the training median, a job title as
    not given. Where a header was mistyped (``fico_range_lo``) that changes
    every PD, so callers say so rather than score in silence.
    """
    used = bundle.encoder.inputs()
    return [
        f
        for f in INPUT_FIELDS
        if not f.required and f.name in used and f.name not in table.columns
    ]


def absent_names(absent: list[Field]) -> str:
    """The absent inputs with the column names that would hold them."""
    return ", ".join(field_names(f) for f in absent)


def unknown_headers(table: Table) -> str:
    """The headers naming no field, a few of them quoted; '' when there are none."""
    unknown = [h for h in table.ignored if str(h).strip()]
    shown = ", ".join(repr(h) for h in unknown[:UNKNOWN_SHOWN])
    more = len(unknown) - UNKNOWN_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def score_table(bundle: Bundle, table: Table, quiet: bool = False) -> Scores:
    """Score every row of a read table that has no problem.

    ``quiet`` leaves unseen or folded categories unlogged: for reports that
    score the training loans, whose folds the data-quality summary states.
    """
    problems = input_problems(table)
    n = table.n_rows
    ok = np.ones(n, dtype=bool)
    ok[list(problems)] = False

    columns = {
        name: col.values if ok.all() else col.values[ok]
        for name, col in table.columns.items()
        if name in INPUT_SET
    }
    out = {name: np.full(n, np.nan) for name in OUTPUTS}
    if ok.any():
        matrix = bundle.encoder.transform(columns, quiet=quiet)
        pd_ = bundle.pd_model.predict(matrix)
        ead = bundle.ead_model.predict(matrix)
        lgd = bundle.lgd_model.predict(matrix)
        el = expected_loss(pd_, columns["principal"], ead, lgd)
        for name, values in zip(OUTPUTS, (pd_, ead, lgd, el), strict=True):
            out[name][ok] = values
    return Scores(out["pd"], out["ead"], out["lgd"], out["expected_loss"], problems)


def score(
    bundle: Bundle,
    data: Table | pd.DataFrame | Mapping[str, Sequence],
    quiet: bool = False,
) -> Scores:
    """Score raw columns under any supported naming (see ``xl_risk.schema``),
    or a table :func:`xl_risk.parsing.read_table` already read."""
    table = data if isinstance(data, Table) else read_table(data, INPUT_FIELDS)
    return score_table(bundle, table, quiet)


def score_frame(
    bundle: Bundle,
    data: pd.DataFrame,
    table: Table | None = None,
    source: str = "the applications",
) -> pd.DataFrame:
    """The input's id column (when it has one) with pd, ead, lgd, expected_loss
    and a ``problem`` column naming why a row was not scored.

    ``table`` is ``data`` as :func:`xl_risk.parsing.read_table` already read
    it, when the caller needs it too (reasons); otherwise it is read here.
    ``source`` names the data in messages, e.g. its file name.

    Raises
    ------
    DataError
        When required input columns are missing: one message naming each
        with the column names it may have, rather than the same lines on
        every row. A value a row cannot use stays that row's ``problem``.
    """
    table = read_table(data, INPUT_FIELDS) if table is None else table
    require_columns(table, SCORING_COLUMNS, f"cannot score {source}")
    absent = absent_inputs(bundle, table)
    if absent:
        unknown = unknown_headers(table)
        log.warning(
            "%s: no column for %s, scored as blank%s",
            source, absent_names(absent),
            f"; headers naming no field: {unknown}" if unknown else "",
        )  # fmt: skip
    scores = score_table(bundle, table).frame()
    id_header = match_headers(data.columns)[0].get("loan_id")
    if id_header is not None:
        _refuse_bad_ids(scores, data[[id_header]])
        scores.insert(0, id_header, data[id_header].to_numpy())
    return scores


def _refuse_bad_ids(scores: pd.DataFrame, ids: pd.DataFrame) -> None:
    """Leave unscored, with the reason, each row whose id is not text.

    An id holding an Excel error (a lookup gone wrong), TRUE/FALSE, a date
    or a control character says the row is not the application it claims
    to be; it is refused as training refuses it. Rows with a problem of
    their own keep it.
    """
    (column,) = read_table(ids, (BY_NAME["loan_id"],)).columns.values()
    for row, message in column.problems.items():
        if pd.isna(scores.at[row, "problem"]):
            scores.loc[row, list(OUTPUTS)] = np.nan
            scores.at[row, "problem"] = message
