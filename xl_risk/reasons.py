"""Reasons: which inputs raise an applicant's PD most, in the model's own terms.

The PD model is linear in the design matrix, so an applicant's log-odds split
exactly into one term per column. Against a reference applicant ``x_ref``::

    log_odds(x) - log_odds(x_ref) = sum_j coef_j * (x_j - x_ref_j)

Each term is attributed to the input field it encodes: the one-hot levels of
a nominal field are summed into that field, the derived ratio of yearly
instalments to income keeps its own phrase. A field's *contribution* is the
sum of its terms, in log-odds of default; a positive contribution raises the
PD. The fields with the largest positive contributions, of at least
``MIN_CONTRIBUTION`` (0.01 in log-odds, about 1% of the odds), are the reasons.

The reference applicant
-----------------------
The training population's typical applicant, derived from the bundle alone so
that no pipeline change is needed:

* numeric features: the training median the encoder stored (missing inputs
  are filled with it, so a blank optional input is never a reason);
* grade: the median grade of the loans the bundle was evaluated on (from the
  ``calibration_by_grade`` table of the manifest's test metrics);
* nominal fields: the most frequent level when the manifest holds a
  ``reference_profile`` (see :mod:`xl_risk.monitoring`), else the encoder's
  fallback level;
* term 36 months, no derogatory record, job title given (the modes of every
  Lending Club vintage), unless the reference profile says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from xl_risk.bundle import Bundle
from xl_risk.features import ORDINAL
from xl_risk.parsing import Table, read_table
from xl_risk.schema import BY_NAME, GRADES, INPUT_FIELDS, Kind
from xl_risk.scoring import INPUT_SET, input_problems

DEFAULT_REASONS = 4
# Smallest contribution, in log-odds of default, that counts as a reason: a
# penalised coefficient near zero must not make a negligible term a reason.
MIN_CONTRIBUTION = 0.01
PAYMENT_TO_INCOME = "payment_to_income"
PAYMENT_TO_INCOME_LABEL = "instalments"
# Binary design columns and the input field each one encodes.
BINARY_FIELDS = {
    "term_60_months": "term_months",
    "has_derogatory_record": "derogatory_records",
    "job_title_given": "job_title",
}
# Typical applicant for the binary columns when no reference profile is stored.
REFERENCE_BINARY = {
    "term_60_months": 0.0,
    "has_derogatory_record": 0.0,
    "job_title_given": 1.0,
}
PROFILE_BINARY = {
    "term_60_months": ("term_months", "60"),
    "job_title_given": ("job_title", "given"),
}
FALLBACK_GRADE = "B"  # Lending Club's most frequent grade in every vintage
LEVEL_SEPARATOR = "="
PERCENT_POINTS = 100.0
ALL_YEARS = 10.0


class Reason(NamedTuple):
    """One factor raising a row's PD against the reference applicant.

    ``contribution`` is in log-odds of default (> 0); ``text`` is the phrase
    an analyst reads, e.g. ``"revolving utilisation 93% (high)"``.
    """

    field: str
    contribution: float
    text: str


def feature_field(name: str) -> str:
    """The input field (or ``payment_to_income``) a design column encodes."""
    if LEVEL_SEPARATOR in name:
        return name.split(LEVEL_SEPARATOR, 1)[0]
    return BINARY_FIELDS.get(name, name)


def field_groups(feature_names: Sequence[str]) -> dict[str, list[int]]:
    """Design-column positions per input field, fields in design order."""
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(feature_names):
        groups.setdefault(feature_field(name), []).append(j)
    return groups


# ------------------------------------------------------------- the reference
def _profile_mode(profile: Mapping | None, field: str) -> str | None:
    """Most frequent category of a field in a stored reference profile."""
    entry = (profile or {}).get("fields", {}).get(field)
    if not entry or entry.get("kind") != "categorical" or not entry.get("counts"):
        return None
    counts = entry["counts"]
    return max(counts, key=counts.get)


def _median_grade(manifest: Mapping) -> str:
    """Median grade of the loans the bundle was tested on, by loan count."""
    table = manifest.get("metrics", {}).get("test", {}).get("pd", {})
    rows = [r for r in table.get("calibration_by_grade", []) if r["group"] in GRADES]
    if not rows:
        return FALLBACK_GRADE
    rows.sort(key=lambda r: GRADES.index(r["group"]))
    loans = np.cumsum([r["loans"] for r in rows])
    return rows[int(np.searchsorted(loans, loans[-1] / 2.0))]["group"]


def reference_levels(bundle: Bundle) -> dict[str, object]:
    """Category of the reference applicant for each non-numeric design term.

    Returns
    -------
    dict
        ``grade`` -> grade letter, each nominal field -> its level, and each
        binary column name -> 0.0 or 1.0.
    """
    profile = bundle.manifest.get("reference_profile")
    levels: dict[str, object] = {"grade": _median_grade(bundle.manifest)}

    for name, kept in bundle.encoder.nominal.items():
        mode = _profile_mode(profile, name)
        levels[name] = mode if mode in kept else bundle.encoder.fallback[name]

    for column, value in REFERENCE_BINARY.items():
        field, yes = PROFILE_BINARY.get(column, (None, None))
        mode = _profile_mode(profile, field) if field else None
        levels[column] = value if mode is None else float(mode == yes)
    return levels


def reference_vector(bundle: Bundle) -> np.ndarray:
    """Design row of the reference applicant, shape (n_features,), in [0, 1]."""
    encoder = bundle.encoder
    levels = reference_levels(bundle)
    index = {name: j for j, name in enumerate(encoder.names)}
    ref = np.zeros(len(encoder.names))

    for name, (median, low, high) in encoder.scaled.items():
        span = high - low if high > low else 1.0
        ref[index[name]] = np.clip((median - low) / span, 0.0, 1.0)

    for name, ordered in ORDINAL.items():
        ref[index[name]] = ordered.index(levels[name]) / (len(ordered) - 1)

    for column in BINARY_FIELDS:
        if column in index:
            ref[index[column]] = levels.get(column, REFERENCE_BINARY[column])

    for name in encoder.nominal:
        ref[index[f"{name}{LEVEL_SEPARATOR}{levels[name]}"]] = 1.0
    return ref


# ------------------------------------------------------------ contributions
@dataclass
class Contributions:
    """Per-row, per-field contributions to the log-odds of default.

    Attributes
    ----------
    frame : DataFrame, shape (n_rows, n_fields)
        Contribution of each field in log-odds against the reference
        applicant; NaN on rows that cannot be scored.
    design : ndarray, shape (n_scored, n_features)
        Design matrix of the scored rows.
    scored : ndarray of bool, shape (n_rows,)
    table : Table
        The input as read by the schema.
    problems : dict
        Row position -> why it cannot be scored.
    """

    frame: pd.DataFrame
    design: np.ndarray
    scored: np.ndarray
    table: Table
    problems: dict[int, str]


def as_table(data: Table | pd.DataFrame | Mapping[str, Sequence]) -> Table:
    """A read table, reading the input columns through the schema when needed."""
    return data if isinstance(data, Table) else read_table(data, INPUT_FIELDS)


def contributions(
    bundle: Bundle, data: Table | pd.DataFrame | Mapping[str, Sequence]
) -> Contributions:
    """Each field's contribution to every row's log-odds of default.

    Rows sum to ``log_odds(row) - log_odds(reference applicant)``.
    """
    table = as_table(data)
    problems = input_problems(table)
    scored = np.ones(table.n_rows, dtype=bool)
    scored[list(problems)] = False

    columns = {
        name: col.values[scored] for name, col in table.columns.items()
        if name in INPUT_SET
    }  # fmt: skip
    design = np.zeros((0, len(bundle.encoder.names)))
    groups = field_groups(bundle.pd_model.feature_names)
    frame = pd.DataFrame(np.nan, index=range(table.n_rows), columns=list(groups))
    if scored.any():
        design = bundle.encoder.transform(columns)
        terms = (design - reference_vector(bundle)) * bundle.pd_model.coef
        by_field = np.column_stack([terms[:, j].sum(axis=1) for j in groups.values()])
        frame.loc[scored, :] = by_field
    return Contributions(frame, design, scored, table, problems)


# ---------------------------------------------------------------- phrasing
def _percent(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0") + "%"


def _amount(kind: Kind, value: float) -> str:
    """An input value in its field's unit, the way an analyst writes it."""
    if kind is Kind.RATE:
        return _percent(value * PERCENT_POINTS)
    if kind is Kind.PERCENT:
        return _percent(value)
    if kind is Kind.TERM:
        return f"{value:.0f} months"
    if kind is Kind.YEARS:
        if value >= ALL_YEARS:
            return "10+ years"
        if value < 1:
            return "under 1 year"
        return "1 year" if value == 1 else f"{value:.0f} years"
    return f"{value:,.0f}"


def _level(value: object) -> str:
    return "blank" if pd.isna(value) else str(value)


def phrase(bundle: Bundle, field: str, row: Mapping[str, object], raised: bool) -> str:
    """Words for one field of one applicant.

    Parameters
    ----------
    field : str
        Input field name, or ``payment_to_income``.
    row : mapping
        The applicant's canonical values (as the schema reads them).
    raised : bool
        True when the applicant's design value is above the reference's,
        shown as ``(high)`` on numeric fields, ``(low)`` otherwise.
    """
    side = "(high)" if raised else "(low)"
    if field == PAYMENT_TO_INCOME:
        share = 12.0 * row["installment"] / row["annual_income"]
        return f"{PAYMENT_TO_INCOME_LABEL} {_percent(share * 100)} of income {side}"

    f = BY_NAME[field]
    value = row.get(field)
    if field == "job_title":
        return f"{f.label} {'given' if pd.notna(value) else 'not given'}"
    if field == "derogatory_records":
        return f"{f.label} {value:.0f}"
    if f.kind is Kind.TERM:
        return f"{f.label} {value:.0f} months"
    if f.kind is Kind.CATEGORY:
        kept = bundle.encoder.nominal.get(field)
        if kept is not None and value not in kept:
            fold = bundle.encoder.fallback[field]
            return f"{f.label} {_level(value)} (scored as {fold})"
        return f"{f.label} {_level(value)}"
    return f"{f.label} {_amount(f.kind, value)} {side}"


def _direction(bundle: Bundle, field: str, design_row: np.ndarray, ref) -> bool:
    """Whether the applicant's value for a numeric field is above the reference."""
    j = bundle.encoder.names.index(field)
    return bool(design_row[j] > ref[j])


def explain(
    bundle: Bundle,
    data: Table | pd.DataFrame | Mapping[str, Sequence],
    n: int = DEFAULT_REASONS,
) -> list[list[Reason]]:
    """The up to ``n`` fields that raise each row's PD most, with their terms.

    Parameters
    ----------
    bundle : Bundle
    data : Table, DataFrame or mapping of header -> values
        Applications under any supported naming (see ``xl_risk.schema``).
    n : int, default 4
        Most reasons per row (>= 1).

    Returns
    -------
    list of list of Reason
        One list per input row, largest contribution first; only
        contributions of at least ``MIN_CONTRIBUTION`` are reasons, so a list
        may be shorter than ``n``; rows that cannot be scored get an empty
        list.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}.")
    found = contributions(bundle, data)
    ref = reference_vector(bundle)
    fields = list(found.frame.columns)
    values = found.frame.to_numpy()
    numeric = set(bundle.encoder.scaled)

    out: list[list[Reason]] = [[] for _ in range(found.table.n_rows)]
    for k, row in enumerate(np.flatnonzero(found.scored)):
        order = np.argsort(-values[row], kind="stable")
        top = [j for j in order[:n] if values[row, j] >= MIN_CONTRIBUTION]
        if not top:
            continue
        raw = {name: col.values[row] for name, col in found.table.columns.items()}
        for j in top:
            name = fields[j]
            raised = name in numeric and _direction(bundle, name, found.design[k], ref)
            text = phrase(bundle, name, raw, raised)
            out[row].append(Reason(name, float(values[row, j]), text))
    return out


def reasons(
    bundle: Bundle,
    data: Table | pd.DataFrame | Mapping[str, Sequence],
    n: int = DEFAULT_REASONS,
) -> list[list[str]]:
    """The up to ``n`` reasons raising each row's PD, as readable phrases.

    Each phrase names the field by its label and shows the applicant's value
    in the field's unit, e.g. ``"revolving utilisation 93% (high)"``,
    ``"grade F"``, ``"term 60 months"``, ``"annual income 24,000 (low)"``,
    ``"purpose small_business"``. A row gets the same reasons alone as inside
    a batch. See :func:`explain` for the contributions behind them.
    """
    return [[r.text for r in row] for row in explain(bundle, data, n)]


def reasons_frame(
    bundle: Bundle,
    data: Table | pd.DataFrame | Mapping[str, Sequence],
    n: int = DEFAULT_REASONS,
) -> pd.DataFrame:
    """Reasons as columns ``reason_1`` .. ``reason_n``, one row per input row.

    A cell is missing where a row has fewer reasons or cannot be scored.
    """
    found = reasons(bundle, data, n)
    columns = [f"reason_{i}" for i in range(1, n + 1)]
    padded = [row + [None] * (n - len(row)) for row in found]
    return pd.DataFrame(padded, columns=columns, dtype=object)
