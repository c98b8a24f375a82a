"""EAD and LGD: error against the mean, the model contest, importances, deciles."""

from __future__ import annotations

import pandas as pd

from xl_risk.reports import figures, style
from xl_risk.reports.figures import SPLITS, Context
from xl_risk.reports.layout import Block, Chart, Table

TITLE = "EAD and LGD"
TOP_FEATURES = 15
TARGETS = {
    "ead": ("EAD", "share of principal still owed at default"),
    "lgd": ("LGD", "share of that exposure never recovered"),
}
# label, metric key, baseline key, number format
ERRORS = (
    ("MAE", "mae", "mae_mean_baseline", style.PERCENT),
    ("RMSE", "rmse", "rmse_mean_baseline", style.PERCENT),
    ("R²", "r2", "r2_mean_baseline", style.SCORE),
)


def blocks(ctx: Context) -> list[Block]:
    out = []
    for target in TARGETS:
        out += [
            error_block(ctx, target),
            contest_block(ctx, target),
            importance_block(ctx, target),
            decile_block(ctx, target),
        ]
    return out


def error_table(metrics: dict, target: str) -> pd.DataFrame:
    """MAE, RMSE and R² of the model and of the mean, on both splits."""
    table = pd.DataFrame({"Metric": [e[0] for e in ERRORS]})
    for key, name in SPLITS.items():
        m = metrics[key][target]
        table[f"Model, {name.lower()}"] = [m.get(e[1]) for e in ERRORS]
        table[f"Mean, {name.lower()}"] = [m.get(e[2]) for e in ERRORS]
    return table


def error_block(ctx: Context, target: str) -> Block:
    name, meaning = TARGETS[target]
    model = getattr(ctx.bundle, f"{target}_model")
    table = error_table(ctx.manifest["metrics"], target)
    oot = ctx.manifest["metrics"]["oot"][target]
    sentence = (
        f"{name} is the {meaning}. Out of time the {figures.model_name(model.kind)} "
        "model misses by "
        f"{oot['mae']:.1%} on average, the training mean by "
        f"{oot['mae_mean_baseline']:.1%} ({oot['loans']:,} bad loans)."
    )
    row_formats = [e[3] for e in ERRORS]
    formats = {c: row_formats for c in table.columns[1:]}
    return Block(
        f"{name}: error against the mean baseline",
        sentence,
        [Table(f"{name} error, model and mean", table, formats)],
    )


def contest_table(tuning: dict) -> pd.DataFrame:
    rows = tuning["comparison"]
    return pd.DataFrame({
        "Model": [figures.model_name(r["model"]) for r in rows],
        "Cross-validated MAE": [r["cv_mae"] for r in rows],
        "Settings": [
            ", ".join(f"{k}={v}" for k, v in r["params"].items()) or "none"
            for r in rows
        ],
        "Winner": ["yes" if r["model"] == tuning["winner"] else "" for r in rows],
    })  # fmt: skip


def contest_block(ctx: Context, target: str) -> Block:
    name, _ = TARGETS[target]
    tuning = ctx.manifest["tuning"][target]
    table = contest_table(tuning)
    ranked = table.sort_values("Cross-validated MAE")
    runner = ranked.iloc[1] if len(ranked) > 1 else ranked.iloc[0]
    best = ranked.iloc[0]
    mae, next_mae = best["Cross-validated MAE"], runner["Cross-validated MAE"]
    digits = 2 if round(mae, 4) != round(next_mae, 4) else 3
    sentence = (
        f"{best['Model']} won with a cross-validated MAE of {mae:.{digits}%}, "
        f"ahead of {runner['Model']} at {next_mae:.{digits}%}."
    )
    chart = Chart(
        "column", f"{name}: cross-validated MAE per candidate", x="Model",
        y=("Cross-validated MAE",), y_format="0.0%",
    )  # fmt: skip
    return Block(
        f"{name}: model comparison",
        sentence,
        [Table(f"{name} candidates", table, {"Cross-validated MAE": style.PERCENT})],
        [chart],
    )


def importance_block(ctx: Context, target: str) -> Block:
    name, _ = TARGETS[target]
    model = getattr(ctx.bundle, f"{target}_model")
    table = figures.importances(model, ctx.bundle.encoder.names)
    unused = int((table["Importance"] == 0).sum())
    table = table[table["Importance"] > 0]
    basis = "total split gain" if model.kind == "lightgbm" else "|coefficient|"
    if table.empty:
        return Block(
            f"{name}: feature importance",
            f"The {name} model is the training mean; it uses no feature.",
        )
    top = table.iloc[0]
    sentence = (
        f"Measured by {basis}, {top['Feature']} carries "
        f"{top['Share of total']:.1%} of the {figures.model_name(model.kind)} "
        f"model's importance{_left_out(unused)}."
    )
    chart = Chart(
        "bar", f"{name}: the {TOP_FEATURES} most important features",
        x="Feature", y=("Share of total",), rows=TOP_FEATURES,
    )  # fmt: skip
    formats = {"Importance": style.SCORE, "Share of total": style.PERCENT}
    return Block(
        f"{name}: feature importance",
        sentence,
        [Table(f"{name} importance ({basis})", table, formats)],
        [chart],
    )


def _left_out(unused: int) -> str:
    if not unused:
        return ""
    verb = "is" if unused == 1 else "are"
    return f"; {figures.count(unused, 'feature')} with no importance {verb} left out"


def decile_table(metrics: dict, target: str) -> pd.DataFrame:
    """Mean predicted and actual fraction per decile of the prediction."""
    table = None
    for key, name in SPLITS.items():
        rows = pd.DataFrame(metrics[key][target].get("by_decile", []))
        if rows.empty:
            continue
        rows = rows.rename(columns={
            "decile": "Decile (1 = lowest)",
            "predicted": f"Predicted, {name.lower()}",
            "actual": f"Actual, {name.lower()}",
        })  # fmt: skip
        table = rows if table is None else table.merge(rows, how="outer")
    return table if table is not None else pd.DataFrame()


def decile_block(ctx: Context, target: str) -> Block:
    name, _ = TARGETS[target]
    table = decile_table(ctx.manifest["metrics"], target)
    oot = SPLITS["oot"].lower()
    low, high = table.iloc[0], table.iloc[-1]
    sentence = (
        f"Out of time, the tenth of bad loans with the lowest predicted {name} "
        f"averages {low[f'Actual, {oot}']:.1%} actual against "
        f"{high[f'Actual, {oot}']:.1%} in the highest tenth."
    )
    formats = {c: style.PERCENT for c in table.columns[1:]}
    chart = Chart(
        "column", f"{name}: predicted against actual, {oot}",
        x="Decile (1 = lowest)", y=(f"Predicted, {oot}", f"Actual, {oot}"),
        x_title=f"Decile of predicted {name}",
    )  # fmt: skip
    return Block(
        f"{name}: predicted against actual by decile",
        sentence,
        [Table(f"{name} by decile of the prediction", table, formats)],
        [chart],
    )
