"""Portfolio: EL and EL / principal by grade, term and purpose; the top EL;
IRB capital by grade."""

from __future__ import annotations

import pandas as pd

from xl_risk.capital import (
    BASEL_II_SCALING,
    PORTFOLIO_TOTAL,
    portfolio_capital,
)
from xl_risk.reports import figures, style
from xl_risk.reports.figures import Context
from xl_risk.reports.layout import Block, Chart, Table
from xl_risk.schema import INPUT_NAMES

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


TOTAL = "All grades"
SCALED = f"Capital with the {BASEL_II_SCALING} factor"
CAPITAL_TITLE = "Capital by grade (other retail, 99.9% one-year)"
CAPITAL_FORMATS = {
    "EAD": style.CURRENCY,
    "Expected loss": style.CURRENCY,
    "One-year PD (EAD-weighted)": style.PERCENT_FINE,
    "K (share of EAD)": style.PERCENT_FINE,
    "Capital": style.CURRENCY,
    "RWA": style.CURRENCY,
    "Risk weight": style.PERCENT,
    SCALED: style.CURRENCY,
}


def blocks(ctx: Context) -> list[Block]:
    out = [group_block(ctx, *group) for group in GROUPS]
    out.append(top_block(ctx))
    out.append(capital_block(ctx))
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


def capital_table(ctx: Context) -> pd.DataFrame:
    """IRB capital by grade, then the portfolio, from ``portfolio_capital``."""
    inputs = ctx.frame[[c for c in INPUT_NAMES if c in ctx.frame.columns]]
    plain = portfolio_capital(ctx.bundle, inputs, quiet=True)
    scaled = portfolio_capital(ctx.bundle, inputs, scaling=BASEL_II_SCALING, quiet=True)
    grades = [TOTAL if g == PORTFOLIO_TOTAL else str(g) for g in plain.index]
    return pd.DataFrame({
        "Grade": grades,
        figures.LOANS: plain["loans"].to_numpy(),
        "EAD": plain["ead"].to_numpy(),
        "Expected loss": plain["expected_loss"].to_numpy(),
        "One-year PD (EAD-weighted)": plain["mean_pd"].to_numpy(),
        "K (share of EAD)": plain["k"].to_numpy(),
        "Capital": plain["capital"].to_numpy(),
        "RWA": plain["rwa"].to_numpy(),
        "Risk weight": plain["risk_weight"].to_numpy(),
        SCALED: scaled["capital"].to_numpy(),
    })  # fmt: skip


def capital_block(ctx: Context) -> Block:
    table = capital_table(ctx)
    total = table.iloc[-1]
    grades = table.iloc[:-1]
    top = grades.iloc[int(grades["Risk weight"].to_numpy().argmax())]
    sentence = (
        "Capital uses a one-year PD derived from the lifetime PD, "
        "1 - (1 - PD) ^ (12 / term in months), a constant default rate over the "
        "term, in the Basel IRB formula for other retail exposures. The "
        f"{total[figures.LOANS]:,.0f} loans need ${total['Capital']:,.0f} of "
        f"capital ({total['K (share of EAD)']:.2%} of their "
        f"${total['EAD']:,.0f} EAD; risk weight {total['Risk weight']:.0%}), "
        f"${total[SCALED]:,.0f} with the {BASEL_II_SCALING} factor; grade "
        f"{top['Grade']} weighs most, {top['Risk weight']:.0%}. Expected loss "
        "is over the whole term."
    )
    charts = [
        Chart("column", "Capital and expected loss by grade", x="Grade",
              y=("Capital", "Expected loss"), rows=len(grades),
              y_format=style.CURRENCY),
        Chart("column", "Risk weight by grade", x="Grade", y=("Risk weight",),
              rows=len(grades)),
    ]  # fmt: skip
    return Block(
        "IRB capital by grade",
        sentence,
        [Table(CAPITAL_TITLE, table, CAPITAL_FORMATS)],
        charts,
    )
