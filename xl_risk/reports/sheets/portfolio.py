"""Portfolio: EL and EL / principal by grade, term and purpose; the top EL."""

from __future__ import annotations

from xl_risk.reports import figures, style
from xl_risk.reports.figures import Context
from xl_risk.reports.layout import Block, Chart, Table

TITLE = "Portfolio"
TOP_LOANS = 20
MANY_GROUPS = 8  # more groups: horizontal bars, drawn under the table
# column, name, how a group reads in a sentence, sort by EL
GROUPS = (
    ("grade", "Grade", "grade {} loans", False),
    ("term_months", "Term", "{}-month loans", False),
    ("purpose", "Purpose", "{} loans", True),
)
LABELS = {"term_months": figures.term_label}
FORMATS = {
    "Principal": style.CURRENCY,
    "Expected loss": style.CURRENCY,
    "EL / principal": style.PERCENT_FINE,
    "Mean PD": style.PERCENT,
    "Observed default rate": style.PERCENT,
    "Realised loss": style.CURRENCY,
    "Realised loss / principal": style.PERCENT_FINE,
}
TOP_FORMATS = {
    "Principal": style.CURRENCY,
    "Interest rate": style.PERCENT_FINE,
    "PD": style.PERCENT,
    "EAD": style.PERCENT,
    "LGD": style.PERCENT,
    "Expected loss": style.CURRENCY,
    "Term (months)": style.COUNT,
}


def blocks(ctx: Context) -> list[Block]:
    out = [group_block(ctx, *group) for group in GROUPS]
    out.append(top_block(ctx))
    return out


def group_block(ctx: Context, column: str, name: str, reads: str, by_el) -> Block:
    table = figures.el_by(ctx.scored, column, LABELS.get(column))
    if by_el:
        table = table.sort_values("Expected loss", ascending=False, kind="stable")
    key = table.columns[0]
    ranked = table.sort_values("EL / principal")
    low, high = ranked.iloc[0], ranked.iloc[-1]
    sentence = (
        f"EL runs from {low['EL / principal']:.2%} of principal for "
        f"{reads.format(_short(low[key]))} to {high['EL / principal']:.2%} for "
        f"{reads.format(_short(high[key]))}, which actually lost "
        f"{high['Realised loss / principal']:.2%}."
    )
    charts = [
        Chart("column", f"Expected loss by {name.lower()}", x=key,
              y=("Expected loss",), y_format=style.CURRENCY),
        Chart("column", f"EL and realised loss / principal by {name.lower()}",
              x=key, y=("EL / principal", "Realised loss / principal"),
              y_format="0.0%"),
    ]  # fmt: skip
    many = len(table) > MANY_GROUPS
    if many:
        for chart in charts:
            chart.kind = "bar"
    return Block(
        f"Expected loss by {name.lower()}",
        sentence,
        [Table(f"EL by {name.lower()}", table, FORMATS)],
        charts,
        charts_below=many,
    )


def _short(label: str) -> str:
    """A group label as a sentence uses it: ``36 months`` reads ``36``."""
    return label.removesuffix(" months")


def top_block(ctx: Context) -> Block:
    table = figures.top_el(ctx.scored, TOP_LOANS)
    share = figures.share(
        table["Expected loss"].sum(), ctx.scored["expected_loss"].sum()
    )
    sentence = (
        f"The {len(table)} loans with the highest EL carry {share:.1%} of the "
        f"portfolio's EL; the largest is ${table['Expected loss'].iloc[0]:,.0f}."
    )
    return Block(
        f"The {TOP_LOANS} loans with the highest expected loss",
        sentence,
        [Table("Highest EL first", table, TOP_FORMATS)],
    )
