"""The model card: what a bundle is for, what it learnt from, how good it is.

:func:`write_model_card` renders ``MODEL_CARD.md`` from a bundle's manifest
alone, so it can be written by the retrain pipeline right after the bundle
is saved, or later for any bundle folder.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from xl_risk import bundle as bundles
from xl_risk.features import LOG_SCALED, NOMINAL, ORDINAL, SCALED
from xl_risk.schema import INPUT_FIELDS, Kind
from xl_risk.stability import STABLE_LIMIT, WATCH_LIMIT
from xl_risk.training import OOT_BY_FILE_ORDER
from xl_risk.validation import DEFAULT_TEST_LEVEL, binomial_test_by_group

log = logging.getLogger(__name__)

CARD_NAME = "MODEL_CARD.md"
NO_ISSUE_DATES = "no issue dates"  # the window of a file without any
REQUIRED_KEYS = ("version", "created_at", "data", "window", "metrics", "config")
SPLIT_NAMES = {"test": "random test", "oot": "out-of-time"}
BINARY_TREATMENT = {
    "term_months": "1 for 60 months, 0 for 36",
    "derogatory_records": "1 when there is at least one record, else 0",
    "job_title": "1 when a job title is given, else 0",
}

INTENDED_USE = """\
Scores applications for unsecured consumer instalment loans of the kind
Lending Club issued (36 or 60 months, principal up to about 35,000): the
probability of default (PD) over the life of the loan, the exposure at
default (EAD, fraction of principal), the loss given default (LGD, fraction
of that exposure) and expected loss, EL = PD x principal x EAD x LGD.

Users: credit-risk analysts who price, approve and provision such loans in
Excel, and the model validation team. The scores support a human decision;
they are not meant to decline an applicant automatically, nor to be used on
other products, other lenders' books or populations far from the training
window without a new validation."""

LIMITATIONS = """\
- Vintage: loans issued 2007 to 2011, through and after the 2008 credit
  crisis. Default rates and the applicant mix of later years differ; the
  2007 and 2008 cohorts are small and default more often.
- LGD varies little in this vintage (recoveries average about 10% of the
  exposure, so LGD is near 0.9 for most bad loans): the LGD model barely
  beats its mean, and EL differences come from PD and EAD.
- `grade` and `interest_rate` are outputs of Lending Club's own risk model;
  a model that uses them partly restates Lending Club's score rather than
  measuring risk independently.
- Loans marked "Does not meet the credit policy" (issued under an earlier
  policy, about 6.5% of the 2007-2011 vintage) are kept in training.
- PD is a lifetime default rate of finished loans, not a 12-month PD; IRB
  capital converts it with a constant-hazard assumption over the term,
  1 - (1 - PD)^(12 / term months), an approximation a validator should
  challenge against observed one-year default rates.
- Mortgage accounts and bankcards above 75% of limit are empty before 2012;
  inputs empty in the training data are dropped and ignored when scoring."""


def _manifest(source: str | Path | Mapping) -> dict:
    """A manifest from a bundle folder, its manifest.json, or a dict."""
    if isinstance(source, Mapping):
        manifest = dict(source)
    else:
        path = Path(source)
        folder = path.parent if path.name == bundles.MANIFEST else path
        manifest = bundles.read_manifest(folder)
    missing = [key for key in REQUIRED_KEYS if key not in manifest]
    if missing:
        raise ValueError(
            f"manifest: expected keys {', '.join(REQUIRED_KEYS)}, "
            f"got none for {', '.join(missing)}."
        )
    return manifest


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def _treatment(name: str, dropped: set[str]) -> str:
    if name in dropped:
        return "dropped: empty in the training data"
    if name in ORDINAL:
        return "ordinal, " + " < ".join(ORDINAL[name]) + " scaled to [0, 1]"
    if name in NOMINAL:
        return "one-hot; levels rarer than the fold share scored as the fold level"
    if name in BINARY_TREATMENT:
        return "binary: " + BINARY_TREATMENT[name]
    if name in LOG_SCALED:
        return "log(1 + x), then min-max scaled to the training range"
    if name in SCALED:
        return "min-max scaled to the training range (clipped outside it)"
    return "not used by the models"


def _blank(f) -> str:
    if f.required:
        return "yes"
    return "no (blank: not given)" if f.kind is Kind.TEXT else "no (blank: median)"


def _words(mapping: Mapping | None) -> str:
    """``{'a': 1, 'b': 2}`` as ``a: 1, b: 2``; 'none' when empty."""
    return ", ".join(f"{k}: {v}" for k, v in (mapping or {}).items()) or "none"


def _inputs(manifest: Mapping) -> str:
    dropped = set(manifest.get("dropped_inputs", []))
    rows = [
        [f"`{f.name}`", f.label, f.unit or f.kind.value,
         _blank(f),
         _treatment(f.name, dropped)]
        for f in INPUT_FIELDS
    ]  # fmt: skip
    ratio = "dropped" if "payment_to_income" in dropped else "min-max scaled"
    rows.append(["`payment_to_income`", "derived: 12 x instalment / income",
                 "fraction", "-", ratio])  # fmt: skip
    return _table(["field", "label", "unit", "required", "treatment"], rows)


def _performance(metrics: Mapping) -> str:
    rows = []
    for split, words in SPLIT_NAMES.items():
        m = metrics.get(split)
        if not m:
            continue
        p, e, g = m["pd"], m["ead"], m["lgd"]
        rows.append([
            words, f"{p['loans']:,}", _pct(p["default_rate"]),
            f"{p['auc']:.4f} ({p['auc_low']:.4f} to {p['auc_high']:.4f})",
            f"{p['gini']:.3f}", f"{p['ks']:.3f}",
            f"{p['brier']:.4f} vs {p['brier_base_rate']:.4f}",
            f"{e.get('mae', float('nan')):.4f} vs {e.get('mae_mean_baseline', 0):.4f}",
            f"{g.get('mae', float('nan')):.4f} vs {g.get('mae_mean_baseline', 0):.4f}",
        ])  # fmt: skip
    header = ["split", "loans", "default rate", "PD AUC (95% CI)", "Gini", "KS",
              "Brier vs base rate", "EAD MAE vs mean", "LGD MAE vs mean"]  # fmt: skip
    return _table(header, rows)


def _binomial(rows: list[Mapping]) -> list[bool]:
    """Binomial test per grade rebuilt from its loans, default rate and mean PD."""
    y, p, group = [], [], []
    for row in rows:
        n = int(row["loans"])
        bad = int(round(row["default_rate"] * n))
        y += [1] * bad + [0] * (n - bad)
        p += [row["mean_pd"]] * n
        group += [row["group"]] * n
    table = binomial_test_by_group(np.array(y), np.array(p), group, DEFAULT_TEST_LEVEL)
    passed = dict(zip(table["group"], table["passed"], strict=True))
    return [bool(passed[row["group"]]) for row in rows]


def _calibration(metrics: Mapping) -> str:
    parts = []
    for split, words in SPLIT_NAMES.items():
        rows = metrics.get(split, {}).get("pd", {}).get("calibration_by_grade", [])
        if not rows:
            continue
        passed = _binomial(rows)
        body = [
            [r["group"], f"{r['loans']:,}", _pct(r["default_rate"]), _pct(r["mean_pd"]),
             "pass" if ok else "fail"]
            for r, ok in zip(rows, passed, strict=True)
        ]  # fmt: skip
        level = f"{DEFAULT_TEST_LEVEL:.0%}"
        header = ["grade", "loans", "observed default rate", "mean PD",
                  f"binomial test at {level}"]  # fmt: skip
        parts.append(f"**{words.capitalize()} split**\n\n" + _table(header, body))
    return "\n\n".join(parts) or "No calibration table in the manifest."


def _file_order_split(window: Mapping) -> list[str]:
    """A line saying which loans had no issue date and what that did to the
    out-of-time split, when some had none; none otherwise."""
    if not window.get("undated"):
        return []
    if window.get("oot_split") != OOT_BY_FILE_ORDER:
        return [
            f"- {window['undated']}: they stayed in training and the random "
            "test; the out-of-time split holds dated loans only"
        ]
    return [
        f"- Out-of-time split by file order, not by issue date: "
        f"{window['undated']}; its loans are the latest issued only if the file "
        "is in issue order"
    ]


def render(manifest: Mapping) -> str:
    """The model card of a manifest, as Markdown text."""
    data, window, metrics = manifest["data"], manifest["window"], manifest["metrics"]
    tuning = manifest.get("tuning", {})
    dropped = manifest.get("dropped_inputs", [])
    profile = "stored" if manifest.get("reference_profile") else "not stored"
    lines = [
        f"# Model card: xl-risk bundle {manifest['version']}",
        "",
        "## Intended use and users",
        "",
        INTENDED_USE,
        "",
        "## Training data",
        "",
        f"- Source: {data.get('source')}",
        f"- SHA-256: {data.get('sha256') or 'not recorded (embedded data)'}",
        f"- Issue dates: {issue_span(window)}",
        f"- Rows read {data.get('rows_read', 0):,}, used {data.get('rows_used', 0):,}"
        f" (train {window.get('rows_train', 0):,}, random test "
        f"{window.get('rows_test', 0):,}, out-of-time {window.get('rows_oot', 0):,} "
        f"from {window.get('oot_from')})",
        *_file_order_split(window),
        f"- Rows dropped: {_words(manifest.get('quality', {}).get('dropped'))}",
        f"- Inputs dropped (empty): {_words(dict.fromkeys(dropped, 'all blank'))}",
        "",
        "## Models",
        "",
        f"- PD: logistic regression ({_words(tuning.get('pd', {}).get('best'))})",
        f"- EAD: {tuning.get('ead', {}).get('winner')}; "
        f"LGD: {tuning.get('lgd', {}).get('winner')} (lowest cross-validated MAE "
        "among LightGBM, ridge, lasso and the mean)",
        "",
        "## Inputs and their treatment",
        "",
        _inputs(manifest),
        "",
        "## Performance",
        "",
        _performance(metrics),
        "",
        "## Calibration by grade",
        "",
        _calibration(metrics),
        "",
        "## Known limitations",
        "",
        LIMITATIONS,
        "",
        "## Monitoring",
        "",
        f"Population stability index of the PD and of each input (reference "
        f"profile {profile} in the manifest): below {STABLE_LIMIT:.2f} stable, "
        f"{STABLE_LIMIT:.2f} to {WATCH_LIMIT:.2f} watch, above {WATCH_LIMIT:.2f} "
        "act (investigate, consider retraining). Run `xl-risk monitor NEW_FILE`.",
        "",
        "## Who trained it and when",
        "",
        f"- Trained by {manifest.get('trained_by', 'unknown')} at "
        f"{manifest['created_at']}",
        f"- Promotion gate: {manifest.get('gate', 'not recorded')} "
        f"(promoted: {manifest.get('promoted')})",
        f"- Previous bundle: {manifest.get('previous_version') or 'none'}",
        f"- Libraries: {_words(manifest.get('libraries'))}",
        f"- Configuration: {_words(manifest['config'])}",
        "",
    ]
    return "\n".join(lines)


def issue_span(window: Mapping) -> str:
    """The training loans' issue dates as a bundle's ``window`` records them:
    ``2007-06-01 to 2011-12-01``, or ``no issue dates`` for a file without any.
    """
    first = window.get("first_issue")
    if first is None:
        return NO_ISSUE_DATES
    return f"{first} to {window.get('last_issue', first)}"


def write_model_card(source: str | Path | Mapping, path: str | Path) -> Path:
    """Write the model card of a bundle as Markdown.

    Parameters
    ----------
    source : path or dict
        A bundle folder, its ``manifest.json``, or the manifest itself.
    path : path
        The file to write (conventionally ``MODEL_CARD.md``); a folder gets
        ``MODEL_CARD.md`` inside it. It is written with mode 0644, as a
        bundle's files are, whatever the umask.

    Returns
    -------
    Path
        The file written.
    """
    manifest = _manifest(source)
    target = Path(path)
    if target.is_dir():
        target = target / CARD_NAME
    target.write_text(render(manifest), encoding="utf-8")
    bundles.make_readable(target)  # read beside the bundle by every analyst
    log.info("model card of %s written to %s", manifest["version"], target)
    return target
