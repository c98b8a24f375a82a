"""Data quality: rows read, dropped and why, missing and clipped values."""

from __future__ import annotations

import pandas as pd

from xl_risk.features import SCALED
from xl_risk.reports import style
from xl_risk.reports.figures import Context, field_label
from xl_risk.reports.layout import Block, Chart, Table
from xl_risk.schema import BY_NAME

TITLE = "Data quality"
DTI_POINTS = 100.0
# how the encoder reads a missing value of a field it does not scale
READ_AS = {
    "job_title": "read as no job title given",
    "derogatory_records": "read as no derogatory record",
}
# field, the TrainingConfig cap that clips it, scale of the cap to a fraction
CAPS = (("dti", "dti_cap", 1 / DTI_POINTS), ("revolving_utilisation",
        "revol_util_cap", 1.0))  # fmt: skip


def blocks(ctx: Context) -> list[Block]:
    quality = ctx.manifest.get("quality", {})
    config = ctx.manifest.get("config", {})
    return [rows_block(quality), missing_block(quality), clipped_block(quality, config)]


def rows_table(quality: dict) -> pd.DataFrame:
    steps = [("Rows read", quality.get("rows_read", 0))]
    steps += [(f"Dropped: {why}", -n) for why, n in quality.get("dropped", {}).items()]
    steps.append(("Rows used", quality.get("rows_used", 0)))
    return pd.DataFrame({"Step": [s[0] for s in steps], "Rows": [s[1] for s in steps]})


def rows_block(quality: dict) -> Block:
    table = rows_table(quality)
    read, used = quality.get("rows_read", 0), quality.get("rows_used", 0)
    dropped = quality.get("dropped", {})
    reasons = "; ".join(f"{n:,} {why}" for why, n in dropped.items()) or "none"
    sentence = (
        f"Of {read:,} rows read, {used:,} finished, unique loans were used "
        f"({used / read if read else 0:.1%}); dropped: {reasons}."
    )
    return Block(
        "Rows read, dropped and used",
        sentence,
        [Table("From file to training", table, {"Rows": style.COUNT})],
    )


def _treatment(name: str, count: int, empty: set[str]) -> str:
    """What training does with a missing value of a field, and scoring."""
    if name in empty:
        return "always blank: not used by the models"
    if not count:
        return ""
    if name in SCALED:
        done = "filled with the training median"
    else:
        done = READ_AS.get(name, "left as missing")
    required = name in BY_NAME and BY_NAME[name].required
    return done + ("; such loans are not scored" if required else "")


def missing_table(quality: dict) -> pd.DataFrame:
    """Missing values per input field, most first."""
    used = quality.get("rows_used", 0)
    missing = quality.get("missing", {})
    empty = set(quality.get("empty_inputs", []))
    table = pd.DataFrame({
        "Field": [field_label(name) for name in missing],
        "Missing values": list(missing.values()),
        "Share of rows used": [n / used if used else 0.0 for n in missing.values()],
        "Treatment": [_treatment(name, n, empty) for name, n in missing.items()],
    })  # fmt: skip
    table = table.sort_values("Missing values", ascending=False, kind="stable")
    return table.reset_index(drop=True)


def missing_block(quality: dict) -> Block:
    table = missing_table(quality)
    gaps = table[table["Missing values"] > 0]
    sentence = f"{len(gaps)} of {len(table)} input fields have missing values" + (
        f"; the most is {gaps.iloc[gaps['Missing values'].argmax()]['Field']}."
        if len(gaps)
        else "."
    )
    charts = [
        Chart("bar", "Share of rows with the field missing", x="Field",
              y=("Share of rows used",), rows=len(gaps), y_max=1.0)
    ] if len(gaps) else []  # fmt: skip
    formats = {"Missing values": style.COUNT, "Share of rows used": style.PERCENT}
    return Block(
        "Missing values per field",
        sentence,
        [Table("Missing values among the rows used, most first", table, formats)],
        charts,
    )


def clipped_block(quality: dict, config: dict) -> Block:
    clipped = quality.get("clipped", {})
    table = pd.DataFrame({
        "Field": [field_label(name) for name, _, _ in CAPS],
        "Cap": [config.get(key, float("nan")) * scale for _, key, scale in CAPS],
        "Values clipped to the cap": [clipped.get(name, 0) for name, _, _ in CAPS],
    })  # fmt: skip
    total = int(table["Values clipped to the cap"].sum())
    sentence = (
        f"{total:,} values were above their cap and were set to it."
        if total
        else "No value was above its cap; nothing was clipped."
    )
    formats = {"Cap": style.PERCENT, "Values clipped to the cap": style.COUNT}
    return Block("Clipped values", sentence, [Table("Caps", table, formats)])
