"""Benchmark the risk engine: training, single-application latency, batch
throughput and peak memory, each beside the bare estimators in the same run.

Usage::

    python bench/bench_engine.py [--data FILE] [--repeat 3] [--rows 1000000]

Prints a table of medians and ratios to the baseline. The baseline of each
line is the bare estimators (PD, EAD, LGD) working on an already-encoded
matrix: what the engine adds on top of them (reading, validation, encoding,
bookkeeping) is the ratio.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "lending_club_2007_2011.csv.gz"
LATENCY_CALLS = 2000
MATRIX_FILE = "bench-matrix.npy"
KIB = 1024
WARM_UP_ROWS = 10_000


def _timed(func, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def _bare_predict(bundle, matrix: np.ndarray) -> np.ndarray:
    pd_ = bundle.pd_model.predict(matrix)
    return pd_ * bundle.ead_model.predict(matrix) * bundle.lgd_model.predict(matrix)


def bench_training(data: Path, repeat: int, models: Path) -> dict:
    """Full retrain against fitting the chosen estimators once on the matrix."""
    from retrain import retrain
    from xl_risk import bundle as bundles
    from xl_risk.config import TrainingConfig
    from xl_risk.intake import read_history
    from xl_risk.quality import prepare_training

    full = _timed(lambda: retrain(data, models), repeat)
    served = bundles.current(models)

    frame, _ = prepare_training(read_history(data), TrainingConfig())
    matrix = served.encoder.transform({c: frame[c].to_numpy() for c in frame})
    bad = frame["bad"].to_numpy() == 1
    lgd_rows = bad & frame["lgd"].notna().to_numpy()

    def bare_fit() -> None:
        served.pd_model.estimator.fit(matrix, bad.astype(int))
        served.ead_model.estimator.fit(matrix[bad], frame["ead"].to_numpy()[bad])
        target = frame["lgd"].to_numpy()[lgd_rows]
        served.lgd_model.estimator.fit(matrix[lgd_rows], target)

    bare = _timed(bare_fit, repeat)
    return {"engine": statistics.median(full), "bare": statistics.median(bare),
            "unit": "s", "what": f"retrain on {data.name}"}  # fmt: skip


def bench_latency(models: Path, data: Path) -> list[dict]:
    """Warm full EL for one application (p50, p99) against bare predict."""
    from xl_risk import bundle as bundles
    from xl_risk.intake import read_raw
    from xl_risk.parsing import read_table
    from xl_risk.scoring import score

    served = bundles.current(models)
    raw = read_raw(data).sample(LATENCY_CALLS, random_state=1, replace=True)
    rows = [{c: [raw[c].iloc[i]] for c in raw.columns} for i in range(len(raw))]
    score(served, rows[0])

    engine = []
    for row in rows:
        start = time.perf_counter()
        score(served, row)
        engine.append(time.perf_counter() - start)

    table = read_table(raw)
    matrix = served.encoder.transform({k: c.values for k, c in table.columns.items()})
    bare = []
    for i in range(len(matrix)):
        one = matrix[i : i + 1]
        start = time.perf_counter()
        _bare_predict(served, one)
        bare.append(time.perf_counter() - start)

    out = []
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        out.append({"what": f"one application, full EL, {name}", "unit": "ms",
                    "engine": float(np.quantile(engine, q)) * 1e3,
                    "bare": float(np.quantile(bare, q)) * 1e3})  # fmt: skip
    return out


def _batch_child(models: str, data: str, rows: int, mode: str) -> None:
    """Run in a fresh process so its peak memory is its own.

    ``engine`` scores the raw applications; ``bare`` loads the same rows
    already encoded (``<models>/bench-matrix.npy``) and runs the estimators.
    """
    from xl_risk import bundle as bundles
    from xl_risk.scoring import score

    served = bundles.current(Path(models))
    if mode == "engine":
        raw = _applications(Path(data), rows)
        score(served, raw.head(WARM_UP_ROWS))  # first-call costs are not throughput
        start = time.perf_counter()
        result = score(served, raw)
        seconds = time.perf_counter() - start
        scored = int(np.isfinite(result.expected_loss).sum())
    else:
        matrix = np.load(Path(models) / MATRIX_FILE)
        _bare_predict(served, matrix[:WARM_UP_ROWS])
        start = time.perf_counter()
        _bare_predict(served, matrix)
        seconds = time.perf_counter() - start
        scored = len(matrix)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB
    print(json.dumps({"seconds": seconds, "scored": scored, "peak_mb": peak_mb}))


def _applications(data: Path, rows: int) -> pd.DataFrame:
    """``rows`` applications drawn with replacement from a loan file."""
    from xl_risk.intake import read_raw

    raw = read_raw(data).sample(rows, replace=True, random_state=7)
    return raw.reset_index(drop=True)


def _save_matrix(models: Path, data: Path, rows: int) -> None:
    """The bare baseline's input: the same applications, encoded once."""
    from xl_risk import bundle as bundles
    from xl_risk.parsing import read_table
    from xl_risk.schema import INPUT_FIELDS

    served = bundles.current(models)
    table = read_table(_applications(data, rows), INPUT_FIELDS)
    columns = {k: c.values for k, c in table.columns.items()}
    np.save(models / MATRIX_FILE, served.encoder.transform(columns, quiet=True))


def bench_batch(models: Path, data: Path, rows: int, repeat: int) -> list[dict]:
    """Throughput and peak memory on ``rows`` applications, each in a subprocess."""
    _save_matrix(models, data, rows)
    runs: dict[str, list[dict]] = {"engine": [], "bare": []}
    for _ in range(repeat):
        for mode in runs:
            done = subprocess.run(
                [sys.executable, __file__, "--child", mode, "--models", str(models),
                 "--data", str(data), "--rows", str(rows)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            runs[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[mode])

    return [
        {"what": f"batch of {rows:,}: applications per second", "unit": "rows/s",
         "engine": rows / med("engine", "seconds"),
         "bare": rows / med("bare", "seconds")},
        {"what": f"batch of {rows:,}: peak memory of the process", "unit": "MB",
         "engine": med("engine", "peak_mb"), "bare": med("bare", "peak_mb")},
    ]  # fmt: skip


def print_table(rows: list[dict]) -> None:
    print(f"{'measure':<48} {'engine':>11} {'bare':>11} {'unit':<6} {'ratio':>6}")
    for r in rows:
        ratio = r["engine"] / r["bare"] if r["bare"] else float("nan")
        print(f"{r['what']:<48} {r['engine']:>11,.3f} {r['bare']:>11,.3f} "
              f"{r['unit']:<6} {ratio:>6.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--models", type=Path, default=None)
    parser.add_argument("--child", choices=("engine", "bare"), default=None)
    args = parser.parse_args()
    if args.child:
        _batch_child(str(args.models), str(args.data), args.rows, args.child)
        return

    models = args.models or Path(tempfile.mkdtemp(prefix="xl-risk-bench-"))
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"python {platform.python_version()}, data {args.data.name}, "
          f"median of {args.repeat}")  # fmt: skip
    results = [bench_training(args.data, args.repeat, models)]
    results += bench_latency(models, args.data)
    results += bench_batch(models, args.data, args.rows, args.repeat)
    print_table(results)
    pd.DataFrame(results).to_json(models / "bench.json", orient="records", indent=2)


if __name__ == "__main__":
    main()
