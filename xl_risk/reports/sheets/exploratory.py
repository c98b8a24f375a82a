"""Exploratory analysis: the original analysis's seven questions, answered
from the training frame, each with a table, a chart and one computed sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_risk.reports import figures, style
from xl_risk.reports.figures import LOANS, RATE, Context, words
from xl_risk.reports.layout import Block, Chart, Table
from xl_risk.schema import GRADES, RUNNING_STATUSES
from xl_risk.validation import auc_with_ci

TITLE = "Exploratory analysis"
TOP_JOBS = 15
LOW_USE, HIGH_USE = 0.2, 0.8  # revolving utilisation bands of the analysis
BANDS = (f"Below {LOW_USE:.0%}", f"{LOW_USE:.0%} to {HIGH_USE:.0%}",
         f"Above {HIGH_USE:.0%}")  # fmt: skip
NOT_GIVEN = "Not given"
QUINTILES = 5
QUINTILE_CHART_CM = 6.0  # two charts beside two short tables
RATE_BIN = 0.02  # interest-rate histogram bins, 2 percentage points wide
LATE = tuple(s for s in RUNNING_STATUSES if s.startswith(("Late", "In Grace")))
SHARE = "Share of loans"
DTI_POINTS = 100.0  # debt-to-income is stored in percent points


def blocks(ctx: Context) -> list[Block]:
    frame = ctx.frame
    return [
        professions(frame),
        grade_separation(frame),
        utilisation(frame),
        income_and_dti(frame),
        terms(frame),
        purposes(frame),
        interest_rates(frame),
    ]


def rate_table(frame: pd.DataFrame, keys: pd.Series, title: str) -> pd.DataFrame:
    """Loans, share, bad loans and default rate per key, in the key's order."""
    table = figures.default_rates(frame, keys)
    out = table.rename_axis(title).reset_index()
    out.insert(2, SHARE, out[LOANS] / len(frame))
    return out


RATE_FORMATS = {SHARE: style.PERCENT, RATE: style.PERCENT}


def rate_chart(title: str, key: str, kind: str = "column", **extra) -> Chart:
    return Chart(kind, title, x=key, y=(RATE,), **extra)


def rate_block(heading: str, sentence: str, table: pd.DataFrame, kind="column"):
    """A question answered by one default-rate table and its chart."""
    key = table.columns[0]
    title = f"Default rate by {key.lower()}"
    return Block(
        heading,
        sentence,
        [Table(title, table, RATE_FORMATS)],
        [rate_chart(title, key, kind)],
    )


def _times(high: float, low: float) -> str:
    return f"{high / low:.1f} times" if low > 0 else "infinitely"


# ----------------------------------------------------------- Q1 professions
def normalise_titles(titles: pd.Series) -> pd.Series:
    """Job titles with case and runs of whitespace ignored; blanks are NaN."""
    return _spelled(titles).str.casefold()


def _titles(frame: pd.DataFrame) -> pd.Series:
    return frame.get("job_title", pd.Series(pd.NA, index=frame.index))


def _spelled(titles: pd.Series) -> pd.Series:
    text = titles.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    return text.replace("", pd.NA)


def title_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Loans and default rate of the most common job titles, most first.

    Titles that differ only in case or spacing count as one, shown in their
    most frequent spelling.
    """
    titles = _titles(frame)
    key = normalise_titles(titles)
    top = key.value_counts().head(TOP_JOBS).index
    rows = key.isin(top)

    pairs = pd.DataFrame({"key": key[rows], "title": _spelled(titles)[rows]})
    spelling = (
        pairs.value_counts().reset_index()
        .drop_duplicates("key").set_index("key")["title"]
    )  # fmt: skip
    table = rate_table(frame[rows], key[rows], "Job title").set_index("Job title")
    table = table.loc[top].reset_index()
    table[SHARE] = table[LOANS] / len(frame)
    table["Job title"] = table["Job title"].map(spelling)
    return table


def professions(frame: pd.DataFrame) -> Block:
    heading = f"1. The {TOP_JOBS} most common professions"
    table = title_table(frame)
    if table.empty:
        return Block(heading, "No loan in the training data gives a job title.")

    top = table.iloc[0]
    missing = int(normalise_titles(_titles(frame)).isna().sum())
    sentence = (
        f"The most common job title is {top['Job title']} ({top[LOANS]:,} loans, "
        f"{top[SHARE]:.1%}); the {len(table)} most common cover "
        f"{table[SHARE].sum():.1%} of loans and {missing:,} loans "
        f"({missing / len(frame):.1%}) give none."
    )
    chart = Chart("bar", "Loans per job title", x="Job title", y=(LOANS,),
                  y_format=style.COUNT)  # fmt: skip
    return Block(heading, sentence, [Table("Job titles", table, RATE_FORMATS)], [chart])


# ---------------------------------------------------------------- Q2 grades
def grade_auc(frame: pd.DataFrame) -> float:
    """AUC of the grade alone as a PD score (A lowest, G riskiest)."""
    scale = len(GRADES) - 1  # the AUC needs scores in [0, 1]
    codes = frame["grade"].map({g: i / scale for i, g in enumerate(GRADES)})
    ok = codes.notna()
    return auc_with_ci(frame.loc[ok, "bad"].to_numpy(), codes[ok].to_numpy()).auc


def grade_separation(frame: pd.DataFrame) -> Block:
    table = rate_table(frame, frame["grade"], "Grade")
    best, worst = table.iloc[0], table.iloc[-1]
    auc = grade_auc(frame)
    sentence = (
        f"Grade {worst['Grade']} loans default {_times(worst[RATE], best[RATE])} "
        f"as often as grade {best['Grade']} ({worst[RATE]:.1%} against "
        f"{best[RATE]:.1%}); the grade alone ranks defaults with an AUC of "
        f"{auc:.3f}."
    )
    return rate_block(
        "2. How well the assigned grade separates defaults", sentence, table
    )


# ------------------------------------------------------- Q3 utilisation
def utilisation_band(values: pd.Series) -> pd.Series:
    """Below 20%, 20% to 80% (both ends included), above 80%, or not given."""
    conditions = [values < LOW_USE, values <= HIGH_USE, values > HIGH_USE]
    band = np.select(conditions, BANDS, default=NOT_GIVEN)
    used = [label for label in (*BANDS, NOT_GIVEN) if label in set(band)]
    return pd.Series(pd.Categorical(band, categories=used, ordered=True), values.index)


def utilisation(frame: pd.DataFrame) -> Block:
    band = utilisation_band(frame["revolving_utilisation"])
    table = rate_table(frame, band, "Revolving utilisation")
    rates = table.set_index("Revolving utilisation")[RATE]
    low, high = rates.get(BANDS[0], np.nan), rates.get(BANDS[-1], np.nan)
    sentence = (
        f"Borrowers using more than {HIGH_USE:.0%} of their revolving credit "
        f"default at {high:.1%}, {_times(high, low)} the {low:.1%} of those "
        f"using less than {LOW_USE:.0%}."
    )
    return rate_block("3. Borrower groups by revolving utilisation", sentence, table)


# ------------------------------------------------------ Q4 income and DTI
def quintile_table(frame: pd.DataFrame, values: pd.Series) -> pd.DataFrame:
    """Default rate per quintile of ``values`` (equal numbers of loans)."""
    ok = values.notna()
    ranks = values[ok].rank(method="first")
    quintile = pd.qcut(ranks, QUINTILES, labels=False) + 1
    table = rate_table(frame[ok], quintile, "Quintile")
    bounds = values[ok].groupby(quintile).agg(["min", "max"])
    table.insert(1, "From", bounds["min"].to_numpy())
    table.insert(2, "To", bounds["max"].to_numpy())
    table["Quintile"] = [
        f"{q} (lowest)" if q == 1 else f"{q} (highest)" if q == QUINTILES else str(q)
        for q in table["Quintile"]
    ]
    return table


def _trend(table: pd.DataFrame) -> str:
    first, last = table[RATE].iloc[0], table[RATE].iloc[-1]
    verb = "rises" if last > first else "falls"
    return (
        f"{verb} from {first:.1%} in the lowest quintile to {last:.1%} in the highest"
    )


def income_and_dti(frame: pd.DataFrame) -> Block:
    income = quintile_table(frame, frame["annual_income"])
    dti = quintile_table(frame, frame["dti"] / DTI_POINTS)
    sentence = (
        f"The default rate {_trend(income)} of annual income, and "
        f"{_trend(dti)} of debt-to-income."
    )
    money = {**RATE_FORMATS, "From": style.CURRENCY, "To": style.CURRENCY}
    ratio = {**RATE_FORMATS, "From": style.PERCENT, "To": style.PERCENT}
    return Block(
        "4. Income and debt-to-income against default",
        sentence,
        [
            Table("Default rate by annual income quintile", income, money),
            Table("Default rate by debt-to-income quintile", dti, ratio),
        ],
        [
            rate_chart(
                "Default rate by income quintile",
                "Quintile",
                table=0,
                height_cm=QUINTILE_CHART_CM,
            ),
            rate_chart(
                "Default rate by debt-to-income quintile",
                "Quintile",
                table=1,
                height_cm=QUINTILE_CHART_CM,
            ),
        ],
    )


# ------------------------------------------------------------- Q5 terms
def term_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Late and charged-off shares of 36- and 60-month loans."""
    term = frame["term_months"].map(lambda m: f"{m:.0f}-month")
    late = frame["loan_status"].isin(LATE) if "loan_status" in frame else False
    grouped = pd.DataFrame({"term": term, "late": late, "bad": frame["bad"]})
    table = grouped.groupby("term", sort=True).agg(
        loans=("bad", "size"), late=("late", "sum"), bad=("bad", "sum")
    )
    return pd.DataFrame({
        "Term": table.index,
        LOANS: table["loans"].to_numpy(),
        "Late loans": table["late"].astype(int).to_numpy(),
        "Late share": (table["late"] / table["loans"]).to_numpy(),
        "Charged-off loans": table["bad"].astype(int).to_numpy(),
        "Charged-off share": (table["bad"] / table["loans"]).to_numpy(),
    })  # fmt: skip


def terms(frame: pd.DataFrame) -> Block:
    table = term_table(frame)
    by_term = table.set_index("Term")
    short = by_term.iloc[0]
    long = by_term.iloc[-1]
    sentence = (
        f"{long.name} loans end charged off {long['Charged-off share']:.1%} of the "
        f"time against {short['Charged-off share']:.1%} for {short.name} loans"
    )
    if table["Late loans"].sum() == 0:
        sentence += (
            "; no loan is late, because the training data holds only finished loans."
        )
    else:
        sentence += (
            f", and are late {long['Late share']:.1%} against "
            f"{short['Late share']:.1%}."
        )
    formats = {"Late share": style.PERCENT, "Charged-off share": style.PERCENT}
    chart = Chart("column", "Late and charged-off shares by term", x="Term",
                  y=("Charged-off share", "Late share"))  # fmt: skip
    return Block(
        "5. Late and charged-off loans, 36 against 60 months",
        sentence,
        [Table("Outcome by term", table, formats)],
        [chart],
    )


# ----------------------------------------------------------- Q6 purposes
def purposes(frame: pd.DataFrame) -> Block:
    table = rate_table(frame, frame["purpose"], "Purpose")
    table = table.sort_values(RATE, ascending=False, kind="stable")
    table["Purpose"] = table["Purpose"].map(words)
    table = table.reset_index(drop=True)
    worst, best = table.iloc[0], table.iloc[-1]
    sentence = (
        f"{worst['Purpose'].capitalize()} loans default most often "
        f"({worst[RATE]:.1%}), {best['Purpose']} loans least ({best[RATE]:.1%}); "
        f"across all purposes the rate is {frame['bad'].mean():.1%}."
    )
    return rate_block(
        "6. Default rate by purpose, highest first", sentence, table, "bar"
    )


# ------------------------------------------------------- Q7 interest rates
def rate_histogram(rates: pd.Series) -> pd.DataFrame:
    """Loans per interest-rate bin of :data:`RATE_BIN`, lowest first."""
    rates = rates.dropna()
    low = np.floor(rates.min() / RATE_BIN) * RATE_BIN
    edges = np.arange(low, rates.max() + RATE_BIN, RATE_BIN)
    bins = pd.cut(rates, edges, right=False)
    counts = bins.value_counts(sort=False)
    return pd.DataFrame({
        "Interest rate": [f"{i.left:.0%} to {i.right:.0%}" for i in counts.index],
        LOANS: counts.to_numpy(),
        SHARE: counts.to_numpy() / len(rates),
    })  # fmt: skip


def rate_by_grade(frame: pd.DataFrame) -> pd.DataFrame:
    table = frame.groupby("grade", sort=True)["interest_rate"].agg(
        ["size", "mean", "min", "max"]
    )
    return pd.DataFrame({
        "Grade": table.index,
        LOANS: table["size"].to_numpy(),
        "Mean rate": table["mean"].to_numpy(),
        "Lowest": table["min"].to_numpy(),
        "Highest": table["max"].to_numpy(),
    })  # fmt: skip


def interest_rates(frame: pd.DataFrame) -> Block:
    rates = frame["interest_rate"]
    histogram = rate_histogram(rates)
    grades = rate_by_grade(frame)
    first, last = grades.iloc[0], grades.iloc[-1]
    sentence = (
        f"Interest rates run from {rates.min():.2%} to {rates.max():.2%} "
        f"(median {rates.median():.2%}); the mean rate climbs with grade from "
        f"{first['Mean rate']:.1%} for {first['Grade']} to "
        f"{last['Mean rate']:.1%} for {last['Grade']}."
    )
    rate_formats = dict.fromkeys(("Mean rate", "Lowest", "Highest"), style.PERCENT)
    return Block(
        "7. The distribution of interest rates and how they follow grade",
        sentence,
        [
            Table("Loans per interest-rate band", histogram, {SHARE: style.PERCENT}),
            Table("Interest rate by grade", grades, rate_formats),
        ],
        [
            Chart(
                "column",
                "Distribution of interest rates",
                x="Interest rate",
                y=(LOANS,),
                y_format=style.COUNT,
            ),
            Chart(
                "column",
                "Mean interest rate by grade",
                x="Grade",
                y=("Mean rate",),
                table=1,
            ),
        ],  # fmt: skip
    )
