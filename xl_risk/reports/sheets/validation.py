"""Validation: discrimination, calibration tests and EAD and LGD errors.

Every statistic comes from :mod:`xl_risk.validation`, computed on the loans of
the random and out-of-time test splits, rebuilt from the frame with the
bundle's training configuration. The per-grade tests are one-sided: a grade
fails when its observed default rate is higher than its mean PD allows at
:data:`LEVEL`.
"""

from __future__ import annotations

import pandas as pd

from xl_risk.reports import figures, style
from xl_risk.reports.figures import SPLITS, Context
from xl_risk.reports.layout import Block, Chart, Table
from xl_risk.validation import (
    DEFAULT_LEVEL,
    DEFAULT_TEST_LEVEL,
    pd_validation,
    regression_error_by_decile,
)

TITLE = "Validation"
LEVEL = DEFAULT_TEST_LEVEL  # of the Hosmer-Lemeshow and per-grade tests
GROUPS = 10  # PD deciles of Hosmer-Lemeshow, deciles of EAD and LGD errors
DETAIL = "oot"  # the split whose deciles and grades are tabulated
BLANK_GRADE = "blank"
MIN_CLASS = 2  # bad and good loans a split needs for an AUC interval
AT = f"at {LEVEL:.0%}"
CI = f"{DEFAULT_LEVEL:.0%} CI"
SMALL_P = 0.001  # shown as p < 0.001
PASS, FAIL = "pass", "fail"
TESTS = (("Binomial", "binomial"), ("Jeffreys", "jeffreys"))  # name, field
IN_WORDS = {"Binomial": "binomial", "Jeffreys": "Jeffreys"}  # inside a sentence
TARGETS = {
    "ead": ("EAD", "share of principal", "ead"),
    "lgd": ("LGD", "share of exposure", "lgd"),
}
DECILE = "Decile (1 = lowest)"
MAE_MODEL, MAE_MEAN = "MAE, model", "MAE, split's mean"
CHECKS = "Checks on both test splits (green: passed, red: failed)"


def blocks(ctx: Context) -> list[Block]:
    found = {key: measure(ctx, key) for key in SPLITS}
    found = {key: m for key, m in found.items() if m is not None}
    if DETAIL not in found:
        return [Block("Validation", _too_few(ctx))]
    return [
        verdict_block(found),
        discrimination_block(found),
        calibration_block(found),
        grade_block(found),
        *(error_block(found, target) for target in TARGETS),
    ]


def _too_few(ctx: Context) -> str:
    rows = ctx.scored_split(DETAIL)
    return (
        f"The {SPLITS[DETAIL].lower()} has {len(rows):,} scored loans, "
        f"{int(rows['bad'].sum()):,} of them bad: too few to validate "
        f"(at least {MIN_CLASS} bad and {MIN_CLASS} good loans are needed)."
    )


# ------------------------------------------------------------------ numbers
def measure(ctx: Context, key: str) -> dict | None:
    """Every statistic of one split; None when it has too few loans."""
    rows = ctx.scored_split(key)
    y = rows["bad"].to_numpy().astype(int)
    p = rows["pd_predicted"].to_numpy()
    if min(y.sum(), (1 - y).sum()) < MIN_CLASS:
        return None

    grades = rows["grade"].fillna(BLANK_GRADE).to_numpy()
    v = pd_validation(y, p, grades, LEVEL, GROUPS)
    found = {
        "loans": v.loans, "bad": v.bad_loans, "rate": v.default_rate,
        "auc": v.auc.auc, "low": v.auc.low, "high": v.auc.high,
        "gini": v.gini, "ks": v.ks, "brier": v.brier,
        "brier_base": v.brier_base_rate, "hl": v.hosmer_lemeshow,
        "tests": {name: getattr(v, key) for name, key in TESTS},
    }  # fmt: skip

    bad = rows[rows["bad"] == 1]
    for target, (_, _, column) in TARGETS.items():
        ok = bad[column].notna() & bad[f"{column}_predicted"].notna()
        actual = bad.loc[ok, column].to_numpy()
        predicted = bad.loc[ok, f"{column}_predicted"].to_numpy()
        found[target] = (
            regression_error_by_decile(actual, predicted, min(GROUPS, len(actual)))
            if len(actual)
            else pd.DataFrame()
        )
    return found


def _failed(tests: pd.DataFrame) -> list[str]:
    return [str(g) for g in tests.loc[~tests["passed"], "group"]]


def _p(value: float) -> str:
    return "p < 0.001" if value < SMALL_P else f"p = {value:.3f}"


def _grades(grades: list[str]) -> str:
    """``grade G fails``, ``grades F, G fail``."""
    if len(grades) == 1:
        return f"grade {grades[0]} fails"
    return f"grades {', '.join(grades)} fail"


def _mae(deciles: pd.DataFrame, column: str) -> float:
    """Overall MAE from the decile table, weighting each decile by its loans."""
    return float((deciles[column] * deciles["n"]).sum() / deciles["n"].sum())


def _fill(ok: bool) -> str:
    return style.GOOD if ok else style.BAD


# ------------------------------------------------------------------ verdict
def verdict_table(found: dict) -> tuple[pd.DataFrame, dict]:
    """One row per check, one text column per split; fills pass or fail."""
    checks = {"Check": [
        f"PD AUC ({CI})",
        "PD Brier score against the base rate's",
        f"Hosmer-Lemeshow {AT}",
        *(f"{name} test by grade {AT}" for name, _ in TESTS),
        *(f"{name} MAE against the split's mean" for name, _, _ in TARGETS.values()),
    ]}  # fmt: skip
    fills = {}
    for key, m in found.items():
        cells, oks = [f"{m['auc']:.3f} ({m['low']:.3f} to {m['high']:.3f})"], [None]
        cells.append(f"{m['brier']:.4f} against {m['brier_base']:.4f}")
        oks.append(m["brier"] < m["brier_base"])
        hl_ok = m["hl"].p_value >= 1 - LEVEL
        cells.append(f"{'not rejected' if hl_ok else 'rejected'} "
                     f"({_p(m['hl'].p_value)})")  # fmt: skip
        oks.append(hl_ok)
        for name, _ in TESTS:
            failed = _failed(m["tests"][name])
            grades = len(m["tests"][name])
            cells.append(f"{FAIL}: {', '.join(failed)}" if failed
                         else f"all {grades} grades {PASS}")  # fmt: skip
            oks.append(not failed)
        for target in TARGETS:
            deciles = m[target]
            if deciles.empty:
                cells.append("no bad loans")
                oks.append(None)
                continue
            model, mean = _mae(deciles, "mae_model"), _mae(deciles, "mae_baseline")
            cells.append(f"{model:.1%} against {mean:.1%}")
            oks.append(model < mean)
        checks[SPLITS[key]] = cells
        fills[SPLITS[key]] = [None if ok is None else _fill(ok) for ok in oks]
    return pd.DataFrame(checks), fills


def summary_sentence(found: dict) -> str:
    """The verdict in one sentence, on the out-of-time test."""
    m = found[DETAIL]
    hl = m["hl"].p_value
    parts = [
        f"{SPLITS[DETAIL]} ({m['loans']:,} loans): the PD ranks defaults with an "
        f"AUC of {m['auc']:.3f} ({CI} {m['low']:.3f} to {m['high']:.3f}), its "
        f"Brier score {m['brier']:.4f} is "
        f"{'below' if m['brier'] < m['brier_base'] else 'not below'} the base "
        f"rate's {m['brier_base']:.4f}, Hosmer-Lemeshow "
        f"{'does not reject' if hl >= 1 - LEVEL else 'rejects'} its calibration "
        f"{AT} ({_p(hl)})"
    ]
    failed = {name: _failed(m["tests"][name]) for name, _ in TESTS}
    first, *others = failed.values()
    if not any(failed.values()):
        parts.append(f"every grade passes the binomial and Jeffreys tests {AT}")
    elif all(grades == first for grades in others):
        parts.append(f"{_grades(first)} the binomial and Jeffreys tests {AT} "
                     "(observed default rate above the mean PD)")  # fmt: skip
    else:
        parts += [
            f"{_grades(grades)} the {IN_WORDS[name]} test {AT} (observed default "
            "rate above the mean PD)"
            for name, grades in failed.items()
            if grades
        ]
    sentence = "; ".join(parts[:-1]) + " and " + parts[-1] + "."
    beaten = [
        name
        for target, (name, _, _) in TARGETS.items()
        if not m[target].empty
        and _mae(m[target], "mae_model") < _mae(m[target], "mae_baseline")
    ]
    return sentence + (
        f" {' and '.join(beaten)} beat{'s' if len(beaten) == 1 else ''} the "
        "mean of the split's bad loans."
        if beaten
        else " Neither EAD nor LGD beats the mean of the split's bad loans."
    )


def verdict_block(found: dict) -> Block:
    table, fills = verdict_table(found)
    return Block(
        f"Verdict {AT}",
        summary_sentence(found),
        [Table(CHECKS, table, fills=fills)],
    )


# ----------------------------------------------------------- discrimination
def discrimination_table(found: dict) -> pd.DataFrame:
    rows = [
        {"Split": SPLITS[key], figures.LOANS: m["loans"], figures.BAD: m["bad"],
         figures.RATE: m["rate"], "AUC": m["auc"], f"AUC, {CI} low": m["low"],
         f"AUC, {CI} high": m["high"], "Gini": m["gini"], "KS": m["ks"]}
        for key, m in found.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def discrimination_block(found: dict) -> Block:
    table = discrimination_table(found)
    m = found[DETAIL]
    sentence = (
        f"{SPLITS[DETAIL]}: Gini {m['gini']:.3f} and KS {m['ks']:.3f}; the "
        f"{CI} of the AUC (DeLong) is {m['high'] - m['low']:.3f} wide. "
        "An AUC of 0.5 is a coin toss, 1 a perfect ranking."
    )
    formats = {figures.RATE: style.PERCENT}
    chart = Chart(
        "column", "PD discrimination by split", x="Split", y=("AUC", "Gini", "KS"),
        y_format=style.AXIS_RATIO, y_max=1.0,
    )  # fmt: skip
    return Block(
        "Discrimination: AUC, Gini and KS",
        sentence,
        [Table("PD ranking of bad against good loans", table, formats)],
        [chart],
    )


# -------------------------------------------------------------- calibration
def calibration_table(found: dict) -> tuple[pd.DataFrame, dict]:
    rows, oks = [], []
    for key, m in found.items():
        hl = m["hl"]
        ok = hl.p_value >= 1 - LEVEL
        rows.append({
            "Split": SPLITS[key], "Brier score": m["brier"],
            "Brier score of the base rate": m["brier_base"],
            "Hosmer-Lemeshow statistic": hl.statistic,
            "Degrees of freedom": hl.dof, "p-value": hl.p_value,
            f"Calibration {AT}": "not rejected" if ok else "rejected",
        })  # fmt: skip
        oks.append(_fill(ok))
    return pd.DataFrame(rows), {f"Calibration {AT}": oks}


def hl_deciles(hl_table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "PD decile (1 = lowest)": hl_table["group"],
        figures.LOANS: hl_table["n"],
        "Mean PD": hl_table["predicted_pd"],
        "Observed default rate": hl_table["observed_rate"],
        "Expected bad loans": hl_table["expected_defaults"],
        "Observed bad loans": hl_table["observed_defaults"],
    })  # fmt: skip


def calibration_block(found: dict) -> Block:
    summary, fills = calibration_table(found)
    m = found[DETAIL]
    deciles = hl_deciles(m["hl"].table)
    gap = (deciles["Observed bad loans"] - deciles["Expected bad loans"]).abs()
    worst = deciles.iloc[int(gap.to_numpy().argmax())]
    sentence = (
        f"Hosmer-Lemeshow compares expected and observed bad loans in ten PD "
        f"deciles; a p-value below {1 - LEVEL:.2f} rejects the calibration "
        f"{AT}. {SPLITS[DETAIL]}: the widest gap is in decile "
        f"{worst['PD decile (1 = lowest)']:.0f}, "
        f"{worst['Expected bad loans']:.1f} bad loans expected against "
        f"{worst['Observed bad loans']:.0f} observed."
    )
    formats = {
        "Brier score": style.SCORE_FINE,
        "Brier score of the base rate": style.SCORE_FINE,
        "Hosmer-Lemeshow statistic": style.RATIO,
        "Degrees of freedom": style.COUNT,
        "p-value": style.SCORE,
        "Mean PD": style.PERCENT,
        "Observed default rate": style.PERCENT,
        "Expected bad loans": style.RATIO,
        "Observed bad loans": style.COUNT,
    }
    chart = Chart(
        "column", f"Mean PD against observed, {SPLITS[DETAIL].lower()}",
        x="PD decile (1 = lowest)", y=("Mean PD", "Observed default rate"),
        table=1, x_title="PD decile, lowest first",
    )  # fmt: skip
    return Block(
        "Calibration: Brier score and Hosmer-Lemeshow",
        sentence,
        [Table("Brier score and Hosmer-Lemeshow test", summary, formats, fills),
         Table(f"Hosmer-Lemeshow deciles, {SPLITS[DETAIL].lower()}", deciles,
               formats)],
        [chart],
    )  # fmt: skip


# ------------------------------------------------------------ tests by grade
def grade_table(tests: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict]:
    first = tests[TESTS[0][0]]
    table = pd.DataFrame({
        "Grade": first["group"].astype(str),
        figures.LOANS: first["n"],
        figures.BAD: first["defaults"],
        "Observed default rate": first["observed_rate"],
        "Mean PD": first["predicted_pd"],
    })  # fmt: skip
    fills = {}
    for name, _ in TESTS:
        result = tests[name]
        table[f"{name} p-value"] = result["p_value"].to_numpy()
        table[f"{name} {AT}"] = [PASS if ok else FAIL for ok in result["passed"]]
        fills[f"{name} {AT}"] = [_fill(ok) for ok in result["passed"]]
    return table, fills


def grade_block(found: dict) -> Block:
    tables = []
    for key in sorted(found, key=lambda k: k != DETAIL):
        table, fills = grade_table(found[key]["tests"])
        formats = {"Observed default rate": style.PERCENT, "Mean PD": style.PERCENT,
                   **{f"{n} p-value": style.SCORE for n, _ in TESTS}}  # fmt: skip
        tables.append(Table(f"By grade, {SPLITS[key].lower()}", table, formats, fills))
    sentence = (
        f"Each test asks whether a grade's observed default rate is higher than "
        f"its mean PD allows: a grade fails {AT} when its p-value is below "
        f"{1 - LEVEL:.2f}. The binomial test takes the mean PD as given, the "
        "Jeffreys test the default rate's posterior from a Jeffreys prior."
    )
    chart = Chart(
        "column", f"Mean PD against observed by grade, {SPLITS[DETAIL].lower()}",
        x="Grade", y=("Mean PD", "Observed default rate"), x_title="Grade",
    )  # fmt: skip
    return Block(f"Binomial and Jeffreys tests by grade {AT}", sentence, tables,
                 [chart])  # fmt: skip


# ----------------------------------------------------------- EAD and LGD
def error_table(deciles: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        DECILE: deciles["decile"],
        figures.BAD: deciles["n"],
        "Mean predicted": deciles["mean_predicted"],
        "Mean actual": deciles["mean_actual"],
        MAE_MODEL: deciles["mae_model"],
        MAE_MEAN: deciles["mae_baseline"],
    })  # fmt: skip


def error_block(found: dict, target: str) -> Block:
    name, unit, _ = TARGETS[target]
    deciles = found[DETAIL][target]
    heading = f"{name} error against the mean, by decile of the prediction"
    if deciles.empty:
        return Block(heading, f"No bad loan with an observed {name} to measure.")
    table = error_table(deciles)
    better = int((table[MAE_MODEL] < table[MAE_MEAN]).sum())
    sentence = (
        f"{SPLITS[DETAIL]}, bad loans only, {name} as a {unit}: the model misses "
        f"by {_mae(deciles, 'mae_model'):.1%} on average, the mean of these same "
        f"loans by {_mae(deciles, 'mae_baseline'):.1%} (a baseline that knows "
        "their outcome; the Summary's is the training mean). The model is closer "
        f"in {better} of {len(table)} deciles."
    )
    formats = dict.fromkeys(table.columns[2:], style.PERCENT)
    chart = Chart(
        "column", f"{name}: mean absolute error, model and mean", x=DECILE,
        y=(MAE_MODEL, MAE_MEAN), x_title=f"Decile of predicted {name}",
    )  # fmt: skip
    return Block(
        heading,
        sentence,
        [Table(f"{name} error by decile, {SPLITS[DETAIL].lower()}", table, formats)],
        [chart],
    )
