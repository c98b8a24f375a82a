"""Monitoring: stability of the out-of-time loans against the training profile.

The out-of-time loans, the latest issue months, stand in for the newest
applicants. :func:`xl_risk.monitoring.monitor` compares them with the
reference profile the bundle's manifest stores of its training split: PSI of
the PD, CSI of every input field the models use, bands and flags. Fields the
models do not use are named and left out of the table; below ``MIN_ROWS``
scored loans no index is banded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_risk.monitoring import (
    MIN_ROWS,
    PD_NAME,
    MonitoringReport,
    ProfileError,
    monitor,
)
from xl_risk.reports import figures, style
from xl_risk.reports.figures import SPLITS, Context
from xl_risk.reports.layout import Block, Chart, Table
from xl_risk.schema import INPUT_NAMES
from xl_risk.stability import (
    BAND_ACT,
    BAND_STABLE,
    BAND_WATCH,
    MISSING_LABEL,
    STABLE_LIMIT,
    WATCH_LIMIT,
)
from xl_risk.training import OOT_BY_FILE_ORDER

TITLE = "Monitoring"
SPLIT = "oot"
BAND_FILLS = {BAND_STABLE: style.GOOD, BAND_WATCH: style.NEUTRAL, BAND_ACT: style.BAD}
"""Fill of each band's cell; "too few rows to judge" has none."""
BANDS = (
    f"stable below {STABLE_LIMIT:.2f}, watch {STABLE_LIMIT:.2f} to "
    f"{WATCH_LIMIT:.2f}, act above {WATCH_LIMIT:.2f}"
)
PD_ROW = "PD (population stability)"
PSI_TITLE = f"PSI of the PD, CSI of each field ({BANDS})"
CHARACTERISTIC = "Characteristic"


def blocks(ctx: Context) -> list[Block]:
    rows = ctx.splits[SPLIT]
    try:
        inputs = rows[[c for c in INPUT_NAMES if c in rows]]
        report = monitor(ctx.bundle, inputs, quiet=True)
    except ProfileError as error:
        return [Block("Stability against the training population", str(error))]
    return [psi_block(ctx, report), flags_block(report), pd_block(report)]


def _label(row: pd.Series) -> str:
    if row["characteristic"] == PD_NAME:
        return PD_ROW
    return figures.column_title(row["characteristic"])


def psi_table(report: MonitoringReport) -> pd.DataFrame:
    """The PD first, then every field, largest index first."""
    summary = report.summary()
    table = pd.DataFrame({
        CHARACTERISTIC: [_label(row) for _, row in summary.iterrows()],
        "PSI": summary["psi"],
        "Band": summary["band"],
        "Flags": summary["flags"].replace("", "none"),
    })  # fmt: skip
    fields = table.iloc[1:].sort_values("PSI", ascending=False, kind="stable")
    return pd.concat([table.iloc[:1], fields], ignore_index=True)


def _in_band(table: pd.DataFrame, band: str) -> str:
    """``2 (Grade, Purpose)``, or ``0``."""
    names = list(table.loc[table["Band"] == band, CHARACTERISTIC])
    return f"{len(names)}" + (f" ({', '.join(names)})" if names else "")


def psi_block(ctx: Context, report: MonitoringReport) -> Block:
    table = psi_table(report)
    window = ctx.manifest.get("window", {})
    months = window.get("oot_from", "")
    since = f", issued from {months}" if months else ""
    if window.get("oot_split") == OOT_BY_FILE_ORDER:  # no issue dates to name
        since = f", {months}"
    pd_row, fields = table.iloc[0], table.iloc[1:]
    banded = "" if report.too_few else (
        f"{_in_band(fields, BAND_WATCH)} are to watch and "
        f"{_in_band(fields, BAND_ACT)} to act on; "
    )  # fmt: skip
    sentence = (
        f"The {report.rows:,} {SPLITS[SPLIT].lower()} loans{since}, against the "
        f"training population: the PD's PSI is {pd_row['PSI']:.3f} "
        f"({pd_row['Band']}); of {len(fields)} input fields, {banded}the largest "
        f"CSI is {fields.iloc[0]['PSI']:.3f} ({fields.iloc[0][CHARACTERISTIC]})."
        + _caveats(report)
    )
    fills = {"Band": [BAND_FILLS.get(band) for band in table["Band"]]}
    chart = Chart(
        "bar", "PSI per characteristic", x=CHARACTERISTIC, y=("PSI",),
        y_format=style.AXIS_RATIO, y_max=max(WATCH_LIMIT, table["PSI"].max()),
    )  # fmt: skip
    return Block(
        "Stability against the training population",
        sentence,
        [Table(PSI_TITLE, table, {"PSI": style.SCORE}, fills)],
        [chart],
    )


def _caveats(report: MonitoringReport) -> str:
    """What the table leaves out and when its bands mean little."""
    said = ""
    if report.unused:
        names = [figures.column_title(name) for name in report.unused]
        if len(names) == 1:
            listed = f"{names[0]} is"
        else:
            listed = f"{', '.join(names[:-1])} and {names[-1]} are"
        said += (
            f" {listed} not used by the model (empty in the training data) "
            "and left out."
        )
    if report.too_few:
        said += (
            f" Only {report.scored:,} loans could be scored, fewer than the "
            f"{MIN_ROWS:,} a PSI needs: the indices are mostly sampling noise, "
            "so none is banded."
        )
    return said


def flags_table(report: MonitoringReport) -> pd.DataFrame:
    labels = {row["characteristic"]: _label(row) for _, row in
              report.summary().iterrows()}  # fmt: skip
    results = {PD_NAME: report.pd, **report.fields}
    rows = [
        (labels[name], flag)
        for name, result in results.items()
        for flag in result.flags
    ]
    return pd.DataFrame(rows, columns=[CHARACTERISTIC, "Flag"])


def flags_block(report: MonitoringReport) -> Block:
    table = flags_table(report)
    heading = "Flags: empty bins and categories not seen in training"
    if table.empty:
        return Block(
            heading,
            "No flag: every bin of the training profile that should hold "
            "out-of-time loans holds some, and every category was seen in "
            "training.",
        )
    names = table[CHARACTERISTIC].unique()
    sentence = (
        f"{figures.count(len(table), 'flag')} on {', '.join(names)}. An empty "
        "bin or a new category is given a tiny share so that the index stays "
        "finite; it still says the population has changed."
    )
    return Block(heading, sentence, [Table("Flags by characteristic", table)])


def _percent(value: float) -> str:
    return f"{value:.1%}"


def bin_labels(edges: np.ndarray, bins: pd.Series) -> list[str]:
    """PD bins as percentages: ``up to 4.7%``, ``4.7% to 6.2%``, ``above 29%``."""
    labels = []
    for i, (low, high) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        if i == 0:
            labels.append(f"up to {_percent(high)}")
        elif i == len(edges) - 2:
            labels.append(f"above {_percent(low)}")
        else:
            labels.append(f"{_percent(low)} to {_percent(high)}")
    return labels + [MISSING_LABEL] * (len(bins) - len(labels))


def pd_table(report: MonitoringReport) -> pd.DataFrame:
    result = report.pd
    rows = result.table
    return pd.DataFrame({
        "PD band": bin_labels(result.edges, rows["bin"]),
        "Training loans": rows["expected_count"],
        "Out-of-time loans": rows["actual_count"],
        "Share, training": rows["expected_share"],
        "Share, out of time": rows["actual_share"],
        "Contribution to PSI": rows["contribution"],
    })  # fmt: skip


def pd_block(report: MonitoringReport) -> Block:
    table = pd_table(report)
    top = table.iloc[int(table["Contribution to PSI"].to_numpy().argmax())]
    sentence = (
        "The bands are the deciles of the training PD. The one that moved most, "
        f"{top['PD band']}, holds {top['Share, out of time']:.1%} of the "
        f"out-of-time loans against {top['Share, training']:.1%} of the training "
        "loans."
    )
    formats = {
        "Training loans": style.COUNT,
        "Out-of-time loans": style.COUNT,
        "Share, training": style.PERCENT,
        "Share, out of time": style.PERCENT,
        "Contribution to PSI": style.SCORE_FINE,
    }
    chart = Chart(
        "column", "Share of loans per PD band", x="PD band",
        y=("Share, training", "Share, out of time"), x_title="PD band",
    )  # fmt: skip
    return Block(
        "PD distribution, training against out of time",
        sentence,
        [Table("Loans per training PD decile", table, formats)],
        [chart],
    )
