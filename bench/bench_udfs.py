"""Benchmark the worksheet functions as Excel calls them, warm and cold.

Usage::

    python bench/bench_udfs.py [--models DIR] [--calls 1000] [--rows 10000]
                               [--profile]

Measures, in one run, each beside the bare estimators (PD, EAD and LGD
``predict`` on an already-encoded matrix of the same rows):

- EXPECTED_LOSS on one application, warm: median and p99 per call;
- RISK_SCORE_TABLE on a table of ``--rows`` applications: median of 5;
- the first call in a fresh Python (import and bundle load): median of 3
  subprocesses; its baseline loads the three estimators and predicts one row.

The bundle is the one in service (``models/`` or ``$XL_RISK_MODELS``); make a
demo one with ``xl-risk retrain --no-report``. ``--profile`` adds the top
functions of a warm EXPECTED_LOSS call by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from xl_risk import bundle as bundles
from xl_risk.excel import convert, udfs
from xl_risk.parsing import read_table
from xl_risk.samples import sample_applications
from xl_risk.schema import INPUT_FIELDS, INPUT_NAMES

TARGETS = {"EXPECTED_LOSS warm, median": 0.002, "RISK_SCORE_TABLE": 0.5}
TABLE_REPEAT = 5
COLD_REPEAT = 3
PROFILE_LINES = 25

COLD_UDF = """
import json, sys, time
start = time.perf_counter()
from xl_risk.excel import udfs
value = udfs.EXPECTED_LOSS([json.loads(sys.argv[1])])
assert isinstance(value, float), value
print(time.perf_counter() - start)
"""
COLD_BARE = """
import json, sys, time
start = time.perf_counter()
import joblib, numpy as np
folder, row = sys.argv[1], np.array([json.loads(sys.argv[2])])
models = [joblib.load(f"{folder}/{name}.joblib") for name in ("pd", "ead", "lgd")]
value = np.prod([m.predict(row)[0] for m in models])
print(time.perf_counter() - start)
"""


def encoded(bundle, rows: list[list]) -> np.ndarray:
    """The design matrix of sheet rows, as the engine encodes them."""
    columns = {name: [r[j] for r in rows] for j, name in enumerate(INPUT_NAMES)}
    table = read_table(columns)
    return bundle.encoder.transform({n: c.values for n, c in table.columns.items()})


def bare(bundle, matrix: np.ndarray) -> np.ndarray:
    return (
        bundle.pd_model.predict(matrix)
        * bundle.ead_model.predict(matrix)
        * bundle.lgd_model.predict(matrix)
    )


def per_call(function, arguments: list) -> np.ndarray:
    """Seconds of each call, one argument after another."""
    times = np.empty(len(arguments))
    for i, argument in enumerate(arguments):
        start = time.perf_counter()
        function(argument)
        times[i] = time.perf_counter() - start
    return times


def median_of(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_warm(bundle, rows: list[list], calls: int) -> list[dict]:
    cells = [[rows[i % len(rows)]] for i in range(calls)]
    matrix = encoded(bundle, rows)
    one_row = [matrix[i % len(rows) : i % len(rows) + 1] for i in range(calls)]
    for argument in cells[:20]:  # warm: bundle loaded, code paths taken once
        udfs.EXPECTED_LOSS(argument)

    udf = per_call(udfs.EXPECTED_LOSS, cells)
    baseline = per_call(lambda m: bare(bundle, m), one_row)
    return [
        {"what": "EXPECTED_LOSS warm, median", "udf": np.median(udf),
         "bare": np.median(baseline), "n": f"{calls} calls"},
        {"what": "EXPECTED_LOSS warm, p99", "udf": np.percentile(udf, 99),
         "bare": np.percentile(baseline, 99), "n": f"{calls} calls"},
    ]  # fmt: skip


def bench_table(bundle, rows: list[list]) -> dict:
    table = [[f.label for f in INPUT_FIELDS], *rows]
    result = udfs.RISK_SCORE_TABLE(table)
    problems = sum(1 for r in result[1:] if r[-1])
    if problems:
        raise SystemExit(f"{problems} of {len(rows)} benchmark rows were not scored")

    matrix = encoded(bundle, rows)
    return {
        "what": "RISK_SCORE_TABLE",
        "udf": median_of(lambda: udfs.RISK_SCORE_TABLE(table), TABLE_REPEAT),
        "bare": median_of(lambda: bare(bundle, matrix), TABLE_REPEAT),
        "n": f"{len(rows):,} rows, median of {TABLE_REPEAT}",
    }


def _subprocess_seconds(code: str, *args: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"cold call failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def bench_cold(bundle, row: list) -> dict:
    matrix_row = encoded(bundle, [row])[0].tolist()
    udf = [_subprocess_seconds(COLD_UDF, json.dumps(row)) for _ in range(COLD_REPEAT)]
    baseline = [
        _subprocess_seconds(COLD_BARE, str(bundle.path), json.dumps(matrix_row))
        for _ in range(COLD_REPEAT)
    ]
    return {
        "what": "first call, fresh process",
        "udf": statistics.median(udf),
        "bare": statistics.median(baseline),
        "n": f"median of {COLD_REPEAT}",
    }


def profile_warm(rows: list[list], calls: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(calls):
        udfs.EXPECTED_LOSS([rows[i % len(rows)]])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(PROFILE_LINES)
    return out.getvalue()


def show(results: list[dict]) -> str:
    lines = [
        f"{'what':<28} {'xl-risk':>11} {'bare':>11} {'ratio':>7} {'target':>9}  n",
        "-" * 80,
    ]
    for r in results:
        target = TARGETS.get(r["what"])
        verdict = "" if target is None else (
            f"< {target * 1e3:g} ms" + (" ok" if r["udf"] < target else " MISS")
        )  # fmt: skip
        lines.append(
            f"{r['what']:<28} {r['udf'] * 1e3:>8.3f} ms {r['bare'] * 1e3:>8.3f} ms "
            f"{r['udf'] / r['bare']:>7.1f} {verdict:>9}  {r['n']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=None)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    if args.calls < 500:
        parser.error(f"--calls: expected at least 500, got {args.calls}")

    try:
        bundle = bundles.current(args.models)
    except bundles.BundleError as err:
        raise SystemExit(f"{err} (xl-risk retrain --no-report makes one)") from None
    if args.models:  # the functions, and the cold subprocesses, read it here
        os.environ[bundles.MODELS_ENV] = str(args.models)

    # the encoder warns of unseen categories on every table call: once is enough
    logging.getLogger("xl_risk").setLevel(logging.ERROR)
    samples = convert.sheet_rows(sample_applications())
    table_rows = convert.sheet_rows(sample_applications(n=args.rows, seed=7))
    results = [
        *bench_warm(bundle, samples, args.calls),
        bench_table(bundle, table_rows),
        bench_cold(bundle, samples[0]),
    ]
    print(f"bundle {bundle.version}; python {sys.version.split()[0]}")
    print(show(results))
    if args.profile:
        print(profile_warm(samples, args.calls))


if __name__ == "__main__":
    main()
