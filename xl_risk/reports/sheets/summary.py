"""Summary: headline metrics beside their baselines and the previous bundle's,
the bundle in service and the expected loss of the loans it learned from."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from xl_risk.model_card import issue_span
from xl_risk.reports import style
from xl_risk.reports.figures import SPLITS, Context, share
from xl_risk.reports.layout import Block, Chart, Table

TITLE = "Summary"
PREVIOUS = "Previous bundle"
# How the previous bundle's metrics were measured: column label, sentence end
ON_THESE_LOANS = (f"{PREVIOUS} on these loans", "re-measured on these same loans")
ON_ITS_OWN_LOANS = (PREVIOUS, "measured on its own test loans")
BASELINE = "Baseline"
COIN_TOSS = {"auc": 0.5, "gini": 0.0, "ks": 0.0}  # a PD that ranks at random

# label, model, metric key, baseline key (or a COIN_TOSS key), format, better
KPIS = (
    ("PD AUC", "pd", "auc", "auc", style.SCORE, "higher"),
    ("PD Gini", "pd", "gini", "gini", style.SCORE, "higher"),
    ("PD KS", "pd", "ks", "ks", style.SCORE, "higher"),
    ("PD Brier score (base rate)", "pd", "brier", "brier_base_rate",
     style.SCORE_FINE, "lower"),
    ("EAD MAE, share of principal (mean)", "ead", "mae", "mae_mean_baseline",
     style.PERCENT, "lower"),
    ("EAD R² (mean)", "ead", "r2", "r2_mean_baseline", style.SCORE, "higher"),
    ("LGD MAE, share of exposure (mean)", "lgd", "mae", "mae_mean_baseline",
     style.PERCENT, "lower"),
    ("LGD R² (mean)", "lgd", "r2", "r2_mean_baseline", style.SCORE, "higher"),
    ("Loans in the split", "pd", "loans", None, style.COUNT, ""),
    ("Observed default rate", "pd", "default_rate", None, style.PERCENT, ""),
)  # fmt: skip
DISCRIMINATION_ROWS = 3  # AUC, Gini and KS lead the table and are charted


def blocks(ctx: Context) -> list[Block]:
    return [kpi_block(ctx), bundle_block(ctx)]


def _metric(metrics: dict | None, split: str, model: str, key: str | None) -> float:
    if key is None:
        return np.nan
    try:
        return metrics[split][model][key]
    except (KeyError, TypeError):
        return np.nan


def _baseline(metrics: dict, split: str, kpi: tuple) -> float:
    _, model, key, baseline, _, _ = kpi
    if baseline in COIN_TOSS and key == baseline:
        return COIN_TOSS[baseline]
    return _metric(metrics, split, model, baseline)


def previous_metrics(
    manifest: dict, previous: dict | None
) -> tuple[dict | None, tuple[str, str]]:
    """The previous bundle's metrics and how they were measured.

    Preferred: ``champion_metrics`` in the new bundle's manifest, the bundle
    that was in service re-measured by the pipeline on the new bundle's own
    splits, so that both compare on the same loans. Else the previous
    manifest's own metrics, measured on its own splits.
    """
    if manifest.get("champion_metrics"):
        return manifest["champion_metrics"], ON_THESE_LOANS
    if previous is not None:
        return previous.get("metrics"), ON_ITS_OWN_LOANS
    return None, ON_ITS_OWN_LOANS


def kpi_table(manifest: dict, previous: dict | None) -> pd.DataFrame:
    """Headline metrics per split, each beside its baseline, then the previous
    bundle's metrics (see :func:`previous_metrics`) when there are any."""
    metrics = manifest["metrics"]
    table = pd.DataFrame({"Metric": [k[0] for k in KPIS]})
    for split, name in SPLITS.items():
        table[name] = [_metric(metrics, split, k[1], k[2]) for k in KPIS]
        table[f"{BASELINE}, {name.lower()}"] = [
            _baseline(metrics, split, k) for k in KPIS
        ]
    before, (label, _) = previous_metrics(manifest, previous)
    if before is not None:
        for split, name in SPLITS.items():
            table[f"{label}, {name.lower()}"] = [
                _metric(before, split, k[1], k[2]) for k in KPIS
            ]
    table["Better when"] = [k[5] for k in KPIS]
    return table


def model_columns(table: pd.DataFrame) -> tuple[str, ...]:
    """The columns holding a bundle's own metrics (not baselines)."""
    return tuple(c for c in table.columns[1:-1] if not str(c).startswith(BASELINE))


def kpi_block(ctx: Context) -> Block:
    table = kpi_table(ctx.manifest, ctx.previous)
    row_formats = [k[4] for k in KPIS]
    formats = {c: row_formats for c in table.columns[1:-1]}
    formats["Better when"] = style.TEXT

    oot = ctx.manifest["metrics"]["oot"]
    sentence = (
        f"Out of time, the PD model ranks defaults with an AUC of "
        f"{oot['pd']['auc']:.3f} (Gini {oot['pd']['gini']:.3f}; 0.5 is a coin "
        f"toss); EAD is off by {oot['ead']['mae']:.1%} of principal on average "
        f"against {oot['ead']['mae_mean_baseline']:.1%} for the mean, LGD by "
        f"{oot['lgd']['mae']:.1%} against {oot['lgd']['mae_mean_baseline']:.1%}."
    )
    before, (_, measured) = previous_metrics(ctx.manifest, ctx.previous)
    if before is not None:
        auc = _metric(before, "oot", "pd", "auc")
        sentence += (
            f" The previous bundle had an out-of-time AUC of {auc:.3f}, {measured}."
        )
    chart = Chart(
        "column", "PD discrimination", x="Metric", y=model_columns(table),
        rows=DISCRIMINATION_ROWS, y_format=style.AXIS_RATIO, height_cm=6.0,
    )  # fmt: skip
    title = "Metrics (baselines: a coin toss for ranking, the base rate or mean)"
    return Block("Model performance", sentence, [Table(title, table, formats)], [chart])


def _when(stamp: str) -> str:
    """An ISO time as ``2026-12-03 17:03 UTC``."""
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(stamp)


def bundle_table(manifest: dict) -> pd.DataFrame:
    window, data = manifest.get("window", {}), manifest.get("data", {})
    span = issue_span(window)
    rows = [
        ("Bundle version", manifest["version"], style.TEXT),
        ("Trained", _when(manifest.get("created_at", "")), style.TEXT),
        ("Loans issued", span, style.TEXT),
        ("Out-of-time test from", window.get("oot_from", ""), style.TEXT),
        ("Rows read", data.get("rows_read"), style.COUNT),
        ("Rows used", data.get("rows_used"), style.COUNT),
    ]
    return _items(rows)


def el_table(scored: pd.DataFrame) -> pd.DataFrame:
    """Portfolio totals: EL against principal, realised loss beside it."""
    ok = scored["expected_loss"].notna()
    principal = scored.loc[ok, "principal"].sum()
    el = scored.loc[ok, "expected_loss"].sum()
    realised = scored.loc[ok, "realised_loss"].sum()
    rows = [("Loans scored", int(ok.sum()), style.COUNT)]
    if not ok.all():
        rows.append(("Loans that could not be scored", int((~ok).sum()), style.COUNT))
    rows += [
        ("Principal", principal, style.CURRENCY),
        ("Expected loss (EL)", el, style.CURRENCY),
        ("EL / principal", share(el, principal), style.PERCENT_FINE),
        ("Mean PD", scored.loc[ok, "pd_predicted"].mean(), style.PERCENT_FINE),
        ("Realised loss", realised, style.CURRENCY),
        ("Realised loss / principal", share(realised, principal), style.PERCENT_FINE),
    ]
    return _items(rows)


def _items(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame({
        "Item": [r[0] for r in rows],
        "Value": [r[1] for r in rows],
        "format": [r[2] for r in rows],
    })  # fmt: skip


def _table(title: str, items: pd.DataFrame) -> Table:
    formats = {"Value": list(items["format"])}
    return Table(title, items.drop(columns="format"), formats)


def bundle_block(ctx: Context) -> Block:
    m = ctx.manifest
    bundle, el = bundle_table(m), el_table(ctx.scored)
    values = dict(zip(el["Item"], el["Value"], strict=True))
    status = "in service" if m.get("promoted", True) else "kept as a candidate"
    sentence = (
        f"Bundle {m['version']} is {status} ({m.get('gate', 'no gate recorded')}). "
        f"Scored with it, the {values['Loans scored']:,.0f} training loans carry "
        f"an expected loss of ${values['Expected loss (EL)']:,.0f}, "
        f"{values['EL / principal']:.2%} of their ${values['Principal']:,.0f} "
        f"principal; they actually lost {values['Realised loss / principal']:.2%}."
    )
    before = m.get("previous_version") or (ctx.previous or {}).get("version")
    if before:
        sentence += f" The bundle before it was {before}."
    items = pd.concat([bundle, el], ignore_index=True)
    return Block(
        "Bundle and portfolio expected loss",
        sentence,
        [_table("The bundle and the expected loss of its training loans", items)],
    )
