"""Stability monitoring: has the applicant population moved since training?

A *reference profile* summarises the training population: for every input
field (and the derived ratio of yearly instalments to income) its bin edges
and counts (numeric fields, quantile bins of the training values) or its
category counts, and the same for the PD the bundle gave those loans. It is
plain JSON, stored in the bundle's manifest under ``reference_profile``.

:func:`monitor` compares a new file with the profile: the population
stability index (PSI) of the PD and the characteristic stability index (the
same formula, CSI) of every field, each banded by
:func:`xl_risk.stability.band` (below 0.10 stable, 0.10 to 0.25 watch, above
0.25 act). Empty bins and categories never seen in training get the smoothed
share of :mod:`xl_risk.stability`, so every index is finite, and are flagged
by name where they mean something.

Two rules keep the verdict, the worst band, honest. A field the bundle's
models do not use (left out by the encoder because it was empty in
training) is reported apart and never drives it. And a file with fewer than
``MIN_ROWS`` scored rows gets ``TOO_FEW`` instead of a band, as the verdict
and for every index: on a handful of rows the index measures sampling noise,
not the population.

The PSI formula and its smoothing are written once, in
:mod:`xl_risk.stability`; this module rebuilds the training population from
the stored counts (one representative value per bin) and passes both
populations to it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_risk.bundle import Bundle
from xl_risk.features import payment_to_income
from xl_risk.intake import SCORING_COLUMNS, require_columns
from xl_risk.parsing import Table
from xl_risk.reasons import PAYMENT_TO_INCOME, PAYMENT_TO_INCOME_LABEL, as_table
from xl_risk.schema import BY_NAME, INPUT_FIELDS, Kind
from xl_risk.scoring import NothingScored, score_table
from xl_risk.stability import (
    BAND_ACT,
    DEFAULT_BINS,
    STABLE_LIMIT,
    WATCH_LIMIT,
    PsiResult,
    apply_bins,
    band,
    bin_edges,
    psi,
    psi_categorical,
)

log = logging.getLogger(__name__)

PROFILE_FORMAT = 1
PROFILE_KEY = "reference_profile"
NUMERIC = "numeric"
CATEGORICAL = "categorical"
CATEGORICAL_KINDS = frozenset({Kind.CATEGORY, Kind.TERM, Kind.TEXT})
TEXT_GIVEN, TEXT_BLANK = "given", "blank"
PD_NAME = "pd"
PD_LABEL = "PD"

MIN_ROWS = 500
"""Fewest scored rows whose stability is judged; fewer get ``TOO_FEW``.

A sample drawn from the training population itself has a PSI above 0, about
(bins - 1) / rows over 10 bins: near 0.02 at 500 rows (95 % of samples below
0.04), well inside "stable", but 0.10 at 100 rows and above 1 ("act") at 20,
where most bins are empty by chance."""
TOO_FEW = "too few rows to judge"


class ProfileError(ValueError):
    """A reference profile that is missing or cannot be read."""


# ------------------------------------------------------------------ values
def _columns(data) -> dict[str, np.ndarray]:
    """Canonical name -> values, from a DataFrame, a Table or a mapping."""
    if isinstance(data, Table):
        return {name: col.values for name, col in data.columns.items()}
    if isinstance(data, pd.DataFrame):
        return {name: data[name].to_numpy() for name in data.columns}
    return {name: np.asarray(values) for name, values in data.items()}


def _categories(kind: Kind, values: np.ndarray) -> list[object]:
    """Category labels as the profile stores them; None where missing."""
    if kind is Kind.TEXT:
        return [TEXT_GIVEN if pd.notna(v) else TEXT_BLANK for v in values]
    if kind is Kind.TERM:
        return [f"{v:.0f}" if pd.notna(v) else None for v in values]
    return [str(v) if pd.notna(v) else None for v in values]


def characteristics(data, n_rows: int) -> dict[str, tuple[str, object]]:
    """Each monitored characteristic's (kind, values), absent columns as missing."""
    columns = _columns(data)
    found: dict[str, tuple[str, object]] = {}
    for f in INPUT_FIELDS:
        values = columns.get(f.name)
        if f.kind in CATEGORICAL_KINDS:
            raw = np.full(n_rows, None, dtype=object) if values is None else values
            found[f.name] = (CATEGORICAL, _categories(f.kind, raw))
        else:
            numbers = np.full(n_rows, np.nan) if values is None else values
            found[f.name] = (NUMERIC, np.asarray(numbers, dtype=float))

    if "installment" in columns and "annual_income" in columns:
        ratio = payment_to_income(columns)
    else:
        ratio = np.full(n_rows, np.nan)
    found[PAYMENT_TO_INCOME] = (NUMERIC, ratio)
    return found


# ----------------------------------------------------------------- profile
def _numeric_entry(values: np.ndarray, bins: int) -> dict:
    edges = bin_edges(values, bins)
    finite = values[np.isfinite(values)]
    if finite.size:  # an edge at the largest value would leave the top bin empty
        edges = np.concatenate([edges[:-1][edges[:-1] < finite.max()], [np.inf]])
    index = apply_bins(values, edges)
    counts, representative = [], []
    for i in range(len(edges) - 1):
        inside = values[index == i]
        counts.append(int(inside.size))
        shown = inside[np.isfinite(inside)]  # a zero income's ratio is +inf
        representative.append(float(shown.max()) if shown.size else None)
    return {
        "kind": NUMERIC,
        "edges": [float(e) for e in edges[1:-1]],
        "counts": counts,
        "values": representative,
        "missing": int(np.isnan(values).sum()),
    }


def _categorical_entry(values: list[object]) -> dict:
    present = pd.Series([v for v in values if v is not None], dtype=object)
    counts = present.value_counts(sort=True)
    return {
        "kind": CATEGORICAL,
        "counts": {str(k): int(v) for k, v in counts.items()},
        "missing": int(sum(v is None for v in values)),
    }


def _entry(kind: str, values, bins: int) -> dict:
    if kind == NUMERIC:
        return _numeric_entry(np.asarray(values, dtype=float), bins)
    return _categorical_entry(list(values))


def reference_profile(
    data: pd.DataFrame | Table | Mapping[str, Sequence],
    pd_values: Sequence[float],
    bins: int = DEFAULT_BINS,
) -> dict:
    """Summarise a training population for later stability monitoring.

    Parameters
    ----------
    data : DataFrame, Table or mapping of canonical name -> values
        The training population in canonical columns (as
        ``quality.prepare_training`` or ``parsing.read_table`` give them),
        n_rows long. Fields absent from it are profiled as all missing.
    pd_values : array-like, shape (n_rows,)
        PD the bundle gives each row, fractions in [0, 1]; NaN (rows that
        could not be scored) is left out of the PD profile.
    bins : int, default 10
        Quantile bins per numeric characteristic.

    Returns
    -------
    dict
        JSON-serialisable: ``format``, ``rows``, ``bins``, ``pd`` and
        ``fields`` (name -> entry). A numeric entry holds the interior bin
        edges (in the field's unit), the training count and a representative
        training value per bin, and the count of missing values; a
        categorical one holds the count per category (shares are counts over
        rows) and of missing values.
    """
    pd_array = np.asarray(pd_values, dtype=float)
    n_rows = len(pd_array)
    fields = {
        name: _entry(kind, values, bins)
        for name, (kind, values) in characteristics(data, n_rows).items()
    }
    scored = pd_array[~np.isnan(pd_array)]
    return {
        "format": PROFILE_FORMAT,
        "rows": n_rows,
        "bins": bins,
        PD_NAME: _numeric_entry(scored, bins),
        "fields": fields,
    }


def training_profile(bundle_or_models, frame: pd.DataFrame) -> dict:
    """The reference profile of a prepared training frame, PDs from the models.

    ``bundle_or_models`` is a :class:`~xl_risk.bundle.Bundle` or the
    ``TrainedModels`` of a training run (anything with ``encoder`` and
    ``pd_model``).
    """
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    matrix = bundle_or_models.encoder.transform(columns, quiet=True)
    return reference_profile(frame, bundle_or_models.pd_model.predict(matrix))


def file_profile(bundle: Bundle, data: pd.DataFrame | Table) -> dict:
    """The reference profile of a file scored with a bundle (``--reference``)."""
    table = as_table(data)
    return reference_profile(table, score_table(bundle, table).pd)


# ----------------------------------------------------------------- compare
def _expected(entry: Mapping) -> tuple[np.ndarray | list, np.ndarray | None]:
    """The training population rebuilt from a profile entry, and its edges."""
    missing = int(entry.get("missing", 0))
    if entry["kind"] == NUMERIC:
        edges = np.array([-np.inf, *entry["edges"], np.inf])
        filled = [v if v is not None else np.nan for v in entry["values"]]
        values = np.repeat(np.asarray(filled, dtype=float), entry["counts"])
        return np.append(values, np.full(missing, np.nan)), edges
    labels = list(entry["counts"])
    values = np.repeat(np.array(labels, dtype=object), list(entry["counts"].values()))
    return list(values) + [None] * missing, None


def compare(entry: Mapping, actual) -> PsiResult:
    """PSI of new values against one profile entry."""
    expected, edges = _expected(entry)
    if entry["kind"] == NUMERIC:
        return psi(expected, np.asarray(actual, dtype=float), bins=edges)
    return psi_categorical(expected, list(actual))


@dataclass
class MonitoringReport:
    """Stability of the PD and of every characteristic of a new file.

    Attributes
    ----------
    pd : PsiResult
        PSI of the PD over the rows that could be scored.
    fields : dict
        Characteristic name -> PsiResult (CSI).
    rows : int
        Rows in the new file.
    unscored : int
        Rows that could not be scored (left out of the PD's PSI).
    unused : tuple of str
        Characteristics of the profile the bundle's models do not use, left
        out of ``fields``, the flags and the verdict.
    problems : dict
        Position of each row that could not be scored -> its reason.
    """

    pd: PsiResult
    fields: dict[str, PsiResult]
    rows: int
    unscored: int
    unused: tuple[str, ...] = ()
    problems: dict[int, str] = field(default_factory=dict)

    @property
    def scored(self) -> int:
        """Rows the PD's PSI is measured on."""
        return self.rows - self.unscored

    @property
    def too_few(self) -> bool:
        """Fewer scored rows than ``MIN_ROWS``: the indices are mostly noise."""
        return self.scored < MIN_ROWS

    def band_of(self, result: PsiResult) -> str:
        """One index's band, or ``TOO_FEW`` below ``MIN_ROWS``."""
        return TOO_FEW if self.too_few else result.band

    def summary(self) -> pd.DataFrame:
        """One row per characteristic, the PD first: name, label, psi, band
        (``TOO_FEW`` for every row below ``MIN_ROWS``), flags (joined by
        '; ')."""
        rows = [(PD_NAME, PD_LABEL, self.pd)]
        rows += [(name, _label(name), r) for name, r in self.fields.items()]
        return pd.DataFrame(
            [
                {"characteristic": name, "label": label, "psi": r.psi,
                 "band": self.band_of(r), "flags": "; ".join(r.flags)}
                for name, label, r in rows
            ]
        )  # fmt: skip

    @property
    def flags(self) -> list[str]:
        """Every flag, prefixed by the characteristic it concerns."""
        found = [f"{PD_LABEL}: {flag}" for flag in self.pd.flags]
        for name, result in self.fields.items():
            found += [f"{_label(name)}: {flag}" for flag in result.flags]
        return found

    @property
    def worst_band(self) -> str:
        """The verdict: the most severe band over the PD and every
        characteristic the models use, or ``TOO_FEW`` below ``MIN_ROWS``."""
        if self.too_few:
            return TOO_FEW
        return band(max(r.psi for r in (self.pd, *self.fields.values())))

    @property
    def unused_labels(self) -> list[str]:
        """Labels of the characteristics left out as unused by the models."""
        return [_label(name) for name in self.unused]


def unused_inputs(bundle: Bundle) -> tuple[str, ...]:
    """Inputs the bundle's models do not use: those its encoder dropped."""
    return tuple(bundle.encoder.dropped)


def _label(name: str) -> str:
    if name == PAYMENT_TO_INCOME:
        return f"{PAYMENT_TO_INCOME_LABEL} / income"
    return BY_NAME[name].label if name in BY_NAME else name


def _check_profile(profile: Mapping | None, bundle: Bundle) -> Mapping:
    if profile is None:
        profile = bundle.manifest.get(PROFILE_KEY)
    if profile is None:
        raise ProfileError(
            f"bundle {bundle.version}: expected a '{PROFILE_KEY}' in its manifest, "
            "got none; pass the training file as the reference "
            "(xl-risk monitor NEW_FILE --reference TRAINING_FILE) or retrain"
        )
    if profile.get("format") != PROFILE_FORMAT or "fields" not in profile:
        raise ProfileError(
            f"reference profile: expected format {PROFILE_FORMAT} with 'fields', "
            f"got format {profile.get('format')!r}"
        )
    return profile


def monitor(
    bundle: Bundle,
    new_data: pd.DataFrame | Table | Mapping[str, Sequence],
    profile: Mapping | None = None,
    quiet: bool = False,
) -> MonitoringReport:
    """PSI of the PD and CSI of every characteristic of a new file.

    Parameters
    ----------
    bundle : Bundle
        Scores the new rows; its manifest's ``reference_profile`` is used
        when ``profile`` is None.
    new_data : DataFrame, Table or mapping of header -> values
        Applications under any supported naming.
    profile : dict, optional
        A :func:`reference_profile`.
    quiet : bool, default False
        Do not log unseen or folded categories (reports on training loans).

    Raises
    ------
    ProfileError
        Without a profile, given or stored.
    DataError
        When a required input column is missing, naming each; when no row
        can be scored, ``xl_risk.scoring.NothingScored`` holding each row's
        reason.
    """
    profile = _check_profile(profile, bundle)
    table = as_table(new_data)
    require_columns(table, SCORING_COLUMNS, "cannot monitor the new data")
    scores = score_table(bundle, table, quiet)
    scored = scores.pd[~np.isnan(scores.pd)]
    if scored.size == 0:
        raise NothingScored(
            f"new data: expected rows that can be scored, got none of {table.n_rows}.",
            scores.problems,
        )

    pd_result = compare(profile[PD_NAME], scored)
    now = characteristics(table, table.n_rows)
    dropped = unused_inputs(bundle)
    fields = {
        name: compare(entry, now[name][1])
        for name, entry in profile["fields"].items()
        if name in now and name not in dropped
    }
    unused = tuple(name for name in profile["fields"] if name in dropped)
    report = MonitoringReport(
        pd_result, fields, table.n_rows, int(table.n_rows - scored.size), unused,
        scores.problems,
    )  # fmt: skip
    log.info(
        "PD PSI %.4f (%s); %d characteristic(s) to act on",
        pd_result.psi, report.band_of(pd_result),
        sum(report.band_of(r) == BAND_ACT for r in fields.values()),
    )  # fmt: skip
    return report


THRESHOLDS = {
    "stable_below": STABLE_LIMIT,
    "act_above": WATCH_LIMIT,
    "min_rows": MIN_ROWS,
}
"""PSI bands, as the model card reports them."""
