"""PD model: coefficients, ROC, gains, lift, KS and calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_risk.reports import figures, style
from xl_risk.reports.figures import SPLITS, Context
from xl_risk.reports.layout import Block, Chart, Table

TITLE = "PD model"
TOP_FEATURES = 15
CHART_SPLIT = "oot"
DECILE = "Decile (1 = riskiest)"
OBSERVED, MEAN_PD = "Observed default rate", "Mean PD"


def blocks(ctx: Context) -> list[Block]:
    return [
        coefficient_block(ctx),
        roc_block(ctx),
        gains_block(ctx),
        decile_calibration_block(ctx),
        grade_calibration_block(ctx),
    ]


def coefficient_block(ctx: Context) -> Block:
    table = figures.coefficients(ctx.bundle)
    top = table.iloc[0]
    zero = int((table["Coefficient"] == 0).sum())
    sentence = (
        f"The largest effect is {top['Feature']}: from its lowest to its highest "
        f"training value the odds of default are multiplied by "
        f"{top['Odds ratio']:.2f}; {zero} of {len(table)} features carry no weight."
    )
    formats = {"Coefficient": style.SCORE, "Odds ratio": style.RATIO,
               "|Coefficient|": style.SCORE}  # fmt: skip
    chart = Chart(
        "bar", f"The {TOP_FEATURES} largest coefficients (log-odds)",
        x="Feature", y=("Coefficient",), rows=TOP_FEATURES,
        y_format=style.AXIS_RATIO, y_min=None,
    )  # fmt: skip
    return Block(
        "Coefficients, ranked by size",
        sentence,
        [Table("Logistic regression on features scaled to [0, 1]", table, formats)],
        [chart],
    )


def roc_block(ctx: Context) -> Block:
    table = figures.roc(ctx.manifest["metrics"])
    columns = list(table.columns)
    pairs = ((columns[0], columns[1]), (columns[2], columns[3]), (columns[2], "Chance"))
    metrics = ctx.manifest["metrics"]
    sentence = (
        f"AUC {metrics['test']['pd']['auc']:.3f} on the random test and "
        f"{metrics['oot']['pd']['auc']:.3f} out of time; 0.5 is a coin toss, "
        "1 a perfect ranking."
    )
    chart = Chart(
        "scatter", "ROC curve", xy=pairs, y_max=1.0,
        x_title="Share of good loans flagged", y_title="Share of bad loans flagged",
        height_cm=10.0,
    )  # fmt: skip
    formats = dict.fromkeys(columns, style.PERCENT)
    return Block(
        "ROC curve",
        sentence,
        [Table("Loans flagged above each PD cut-off", table, formats)],
        [chart],
    )


def gains_block(ctx: Context) -> Block:
    split = ctx.manifest["metrics"][CHART_SPLIT]
    table = figures.gains(split)
    first = table.iloc[0]
    sentence = (
        f"{SPLITS[CHART_SPLIT]}: the riskiest tenth of loans by PD holds "
        f"{first['Share of bad loans']:.1%} of the bad loans (lift "
        f"{first['Lift']:.2f}); KS {split['pd']['ks']:.3f} is the widest gap "
        "between the shares of bad and good loans caught."
    )
    formats = dict.fromkeys(table.columns[3:9], style.PERCENT)
    formats["Lift"] = style.RATIO
    charts = [
        Chart("line", "Cumulative gains", x=DECILE,
              y=("Share of bad loans", "Share of loans"), y_max=1.0,
              x_title="PD decile, riskiest first", y_title="Share caught"),
        Chart("column", "Lift by decile", x=DECILE, y=("Lift",),
              y_format=style.AXIS_RATIO, x_title="PD decile, riskiest first"),
        Chart("line", "KS: bad against good loans caught", x=DECILE,
              y=("Share of bad loans", "Share of good loans", "KS (bad - good)"),
              y_max=1.0, x_title="PD decile, riskiest first"),
    ]  # fmt: skip
    return Block(
        "Cumulative gains, lift and KS",
        sentence,
        [Table(f"Gains by PD decile, {SPLITS[CHART_SPLIT].lower()}", table, formats)],
        charts,
        charts_below=True,
    )


def decile_calibration(split: dict) -> pd.DataFrame:
    rows = pd.DataFrame(split["pd"]["gains"])
    return pd.DataFrame({
        DECILE: rows["decile"],
        figures.LOANS: rows["loans"],
        MEAN_PD: rows["mean_pd"],
        OBSERVED: rows["default_rate"],
        "Difference": rows["default_rate"] - rows["mean_pd"],
    })  # fmt: skip


def _calibration_sentence(table: pd.DataFrame, key: str, what: str) -> str:
    gap = (table[OBSERVED] - table[MEAN_PD]).abs()
    worst = table.iloc[int(np.argmax(gap.to_numpy()))]
    return (
        f"{SPLITS[CHART_SPLIT]}: predicted PD and observed default rate differ "
        f"most for {what} {_name(worst[key])}, {worst[MEAN_PD]:.1%} predicted against "
        f"{worst[OBSERVED]:.1%} observed."
    )


def _name(key: object) -> str:
    return f"{key:.0f}" if isinstance(key, float | int) else str(key)


def decile_calibration_block(ctx: Context) -> Block:
    table = decile_calibration(ctx.manifest["metrics"][CHART_SPLIT])
    formats = dict.fromkeys((MEAN_PD, OBSERVED, "Difference"), style.PERCENT)
    chart = Chart(
        "column", "Predicted against observed, by PD decile", x=DECILE,
        y=(MEAN_PD, OBSERVED), x_title="PD decile, riskiest first",
    )  # fmt: skip
    return Block(
        "Calibration by PD decile",
        _calibration_sentence(table, DECILE, "decile"),
        [Table(f"By decile, {SPLITS[CHART_SPLIT].lower()}", table, formats)],
        [chart],
    )


def grade_calibration(metrics: dict) -> pd.DataFrame:
    """Mean PD and observed default rate per grade on both splits."""
    parts = []
    for key, name in SPLITS.items():
        rows = pd.DataFrame(metrics[key]["pd"]["calibration_by_grade"])
        rows = rows.set_index("group")[["loans", "mean_pd", "default_rate"]]
        suffix = "" if key == CHART_SPLIT else f", {name.lower()}"
        rows.columns = [f"{figures.LOANS}{suffix}", f"{MEAN_PD}{suffix}",
                        f"{OBSERVED}{suffix}"]  # fmt: skip
        parts.append(rows)
    parts.sort(key=lambda p: p.columns[0] != figures.LOANS)
    table = pd.concat(parts, axis=1).rename_axis("Grade").reset_index()
    return table


def grade_calibration_block(ctx: Context) -> Block:
    table = grade_calibration(ctx.manifest["metrics"])
    formats = {c: style.PERCENT for c in table.columns if "rate" in c or "PD" in c}
    formats.update({c: style.COUNT for c in table.columns if "Loans" in c})
    chart = Chart(
        "column", "Predicted against observed, by grade", x="Grade",
        y=(MEAN_PD, OBSERVED), x_title="Grade",
    )  # fmt: skip
    return Block(
        "Calibration by grade",
        _calibration_sentence(table, "Grade", "grade"),
        [Table("By grade (first columns: out-of-time test)", table, formats)],
        [chart],
    )
