"""Points: the PD model as a scorecard, integer points per field and band.

The points and their scaling come from :mod:`xl_risk.scorecard` with its
default scaling; the score is the sum of a loan's points.
"""

from __future__ import annotations

import pandas as pd

from xl_risk.monitoring import PROFILE_KEY
from xl_risk.reports import figures, style
from xl_risk.reports.figures import Context
from xl_risk.reports.layout import Block, Chart, Table
from xl_risk.scorecard import Scorecard

TITLE = "Points"
EXACT, INDICATIVE = "exact", "indicative (band midpoint)"
FIELD, BAND, POINTS = "Field", "Band or level", "Points"
UNSEEN = " (and levels unseen in training)"
# where numeric bands are cut, with and without the manifest's reference profile
BANDED = {True: "their training deciles",
          False: "ten equal steps of their training range"}  # fmt: skip


def blocks(ctx: Context) -> list[Block]:
    card = Scorecard.from_bundle(ctx.bundle)
    table = card.table()
    banded = BANDED[bool(ctx.manifest.get(PROFILE_KEY))]
    return [scaling_block(card), spread_block(table), points_block(table, banded)]


def reference_pd(card: Scorecard) -> float:
    return 1.0 / (1.0 + card.reference_odds)


def scaling_table(card: Scorecard) -> pd.DataFrame:
    rows = [
        ("Points to double the good:bad odds", card.pdo, style.COUNT),
        ("Reference score", card.reference_score, style.COUNT),
        ("Good:bad odds at the reference score", card.reference_odds, style.RATIO),
        ("PD at the reference score", reference_pd(card), style.PERCENT_FINE),
        ("Score of the reference applicant", round(card.base), style.COUNT),
        ("Fields that score points", len(card.fields), style.COUNT),
        ("Largest gap to the model's log-odds", card.tolerance, style.RATIO),
    ]
    return pd.DataFrame({
        "Scaling": [r[0] for r in rows],
        "Value": [r[1] for r in rows],
        "format": [r[2] for r in rows],
    })  # fmt: skip


def scaling_block(card: Scorecard) -> Block:
    items = scaling_table(card)
    sentence = (
        f"A score of {card.reference_score:,.0f} stands for good:bad odds of "
        f"{card.reference_odds:g} to 1 (a PD of {reference_pd(card):.2%}), and "
        f"every {card.pdo:g} points more double the odds. A loan's score is the "
        "sum of its points per field; the reference applicant (training medians "
        f"and most common levels) scores {card.base:,.0f}."
    )
    formats = {"Value": list(items.pop("format"))}
    return Block("Scaling", sentence, [Table("How points map to odds", items, formats)])


def _field(label: str) -> str:
    return label[:1].upper() + label[1:]


def spread_table(table: pd.DataFrame) -> pd.DataFrame:
    """Lowest and highest points per field, widest spread first."""
    spread = table.groupby("label", sort=False)["points"].agg(["min", "max"])
    out = pd.DataFrame({
        FIELD: [_field(label) for label in spread.index],
        "Lowest points": spread["min"].to_numpy(),
        "Highest points": spread["max"].to_numpy(),
        "Spread": (spread["max"] - spread["min"]).to_numpy(),
    })  # fmt: skip
    return out.sort_values("Spread", ascending=False, kind="stable").reset_index(
        drop=True
    )


def spread_block(table: pd.DataFrame) -> Block:
    spread = spread_table(table)
    top = spread.iloc[0]
    still = spread[spread["Spread"] == 0]
    sentence = (
        f"{top[FIELD]} moves the score most, from {top['Lowest points']} to "
        f"{top['Highest points']} points"
        + (
            f"; {figures.count(len(still), 'field')} "
            f"score{'s' if len(still) == 1 else ''} the same for every applicant."
            if len(still)
            else "."
        )
    )
    formats = dict.fromkeys(spread.columns[1:], style.COUNT)
    chart = Chart(
        "bar", "Spread of points per field", x=FIELD, y=("Spread",),
        y_format="0", y_min=0.0,
    )  # fmt: skip
    return Block(
        "How far each field moves the score",
        sentence,
        [Table("Points per field, widest spread first", spread, formats)],
        [chart],
    )


def _band(row: pd.Series) -> str:
    """A level as it reads: small_business reads small business."""
    if row["exact"] and row["band"].endswith(UNSEEN):
        return figures.words(row["band"].removesuffix(UNSEEN)) + UNSEEN
    return figures.words(row["band"]) if row["exact"] else row["band"]


def points_view(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        FIELD: [_field(label) for label in table["label"]],
        BAND: [_band(row) for _, row in table.iterrows()],
        POINTS: table["points"].to_numpy(),
        "Points are": [EXACT if e else INDICATIVE for e in table["exact"]],
    })  # fmt: skip


def points_block(table: pd.DataFrame, banded: str) -> Block:
    view = points_view(table)
    sentence = (
        f"Numeric fields are cut into bands at {banded}; their "
        "points are read at each band's midpoint and are indicative, since a "
        "numeric field's points change smoothly inside a band. Grades, term, "
        "categories, derogatory records, job title and blanks are exact."
    )
    return Block(
        "Points per field and band",
        sentence,
        [Table("Scorecard", view, {POINTS: style.COUNT})],
    )
