"""Re-ingest of the unchanged BBC corpus: should take seconds (hashes compared, nothing embedded).

    .venv/bin/python benchmarks/bench_reingest.py [--backend onnx-int8] [--repeat 3]

Indexes ../shared/corpora/bbc/ into benchmarks/data/bbc-<backend>/ if needed (shared with
bench_latency.py), then times `QA.ingest()` in a fresh process and the whole `qabot ingest`
command (start-up included), `--repeat` times each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import _common as c
from bench_latency import data_dir


def worker_reingest(backend: str) -> None:
    started = time.perf_counter()
    from qabot.qa import QA

    qa = QA(c.qabot_settings(c.BBC, data_dir(backend), backend))
    report = qa.ingest()
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - started, 2),
                "ingest_report_seconds": round(report.seconds, 2),
                "unchanged": len(report.unchanged),
                "embedded": report.embedded,
                "changed": report.changed,
                "passages": report.total_passages,
            }
        )
    )


def cli_seconds(backend: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    env.update(
        QABOT_DATA_DIR=str(data_dir(backend)),
        QABOT_CORPUS_DIR=str(c.BBC),
        QABOT_EMBEDDING_BACKEND=backend,
    )
    qabot = Path(sys.executable).with_name("qabot")
    started = time.perf_counter()
    subprocess.run(
        [str(qabot), "ingest"], env=env, cwd=data_dir(backend), check=True, capture_output=True
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.worker == "reingest":
        worker_reingest(args.backend)
        return 0

    index = c.run_worker("bench_latency.py", "index", "--backend", args.backend)
    print(f"index: {json.dumps(index)}", file=sys.stderr)
    rows = []
    for i in range(args.repeat):
        r = c.run_worker("bench_reingest.py", "reingest", "--backend", args.backend)
        r["cli_seconds"] = round(cli_seconds(args.backend), 2)
        r["run"] = i + 1
        rows.append(r)
        print(json.dumps(r), file=sys.stderr)
    print(f"\n## Re-ingest of the unchanged BBC corpus ({args.backend})\n")
    cols = ["run", "unchanged", "embedded", "passages", "ingest_report_seconds", "seconds"]
    print(c.table(rows, [*cols, "process_seconds", "cli_seconds"]))
    print(
        "\ningest_report_seconds: inside Ingestor.run; seconds: QA() + ingest() in-process; "
        "process_seconds: the whole Python process; cli_seconds: `qabot ingest`. "
        f"Load avg {c.load_average()}"
    )
    path = c.save(f"reingest-{args.backend}", {"index": index, "rows": rows})
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
