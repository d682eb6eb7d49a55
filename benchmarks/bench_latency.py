"""Warm question latency with the BBC corpus indexed, and peak RSS of the serving process.

    .venv/bin/python benchmarks/bench_latency.py [--backend onnx-int8] [--questions 300]

Indexes ../shared/corpora/bbc/ into benchmarks/data/bbc-<backend>/ if needed, then in a fresh
process: builds a QA, warms it up, and asks questions made from the BBC headlines (plus the
seed fixture questions): first retrieval only (`QA.retrieve`), then the full extractive
answer (`QA.ask`). The first 10 of each are warm-up and not counted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import _common as c

WARM = 10


def bbc_questions(n: int) -> list[str]:
    files = sorted(c.BBC.rglob("*.txt"))
    picked = random.Random(0).sample(files, min(n, len(files)))
    questions = []
    for i, path in enumerate(picked):
        title = path.read_bytes().decode("utf-8", "replace").strip().splitlines()[0].strip()
        stem = ("What happened with", "Why", "Who said", "What is known about")[i % 4]
        questions.append(f"{stem} {title.rstrip('.?!')}?")
    return questions


def data_dir(backend: str) -> Path:
    return c.DATA / f"bbc-{backend}"


def worker_index(backend: str) -> None:
    from qabot.qa import QA

    started = time.perf_counter()
    report = QA(c.qabot_settings(c.BBC, data_dir(backend), backend)).ingest()
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - started, 1),
                "passages": report.total_passages,
                "embedded": report.embedded,
            }
        )
    )


def worker_serve(backend: str, n: int) -> None:
    started = time.perf_counter()
    from qabot.qa import QA

    qa = QA(c.qabot_settings(c.BBC, data_dir(backend), backend))
    qa.warm_up()
    warm_up = time.perf_counter() - started
    questions = bbc_questions(n)
    if c.SEED_FIXTURES.exists():
        questions += [
            json.loads(line)["question"] for line in c.SEED_FIXTURES.read_text().splitlines()
        ]
    out: dict = {"backend": backend, "questions": len(questions), "warm_up_s": round(warm_up, 2)}
    for label, call in (("retrieval", qa.retrieve), ("full answer", qa.ask)):
        times = []
        for i, q in enumerate([*questions[:WARM], *questions]):
            t = time.perf_counter()
            call(q)
            if i >= WARM:
                times.append((time.perf_counter() - t) * 1000)
        out[label] = {
            "p50_ms": round(c.percentile(times, 50), 2),
            "p95_ms": round(c.percentile(times, 95), 2),
            "mean_ms": round(sum(times) / len(times), 2),
            "max_ms": round(max(times), 2),
        }
    out["passages"] = len(qa.index.passages)
    out["peak_rss_mb"] = round(c.peak_rss_mb())
    out["torch_imported"] = "torch" in sys.modules
    print(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    if args.worker == "index":
        worker_index(args.backend)
        return 0
    if args.worker == "serve":
        worker_serve(args.backend, args.questions)
        return 0

    index = c.run_worker("bench_latency.py", "index", "--backend", args.backend)
    print(f"index: {json.dumps(index)}", file=sys.stderr)
    r = c.run_worker(
        "bench_latency.py", "serve", "--backend", args.backend, "--questions", str(args.questions)
    )
    rows = [{"measure": label, **r[label]} for label in ("retrieval", "full answer")]
    print(f"\n## Warm question latency, BBC indexed ({r['passages']} passages, {args.backend})\n")
    print(c.table(rows, ["measure", "p50_ms", "p95_ms", "mean_ms", "max_ms"]))
    print(
        f"\n{r['questions']} questions after {WARM} warm-up; warm-up (model + index load) "
        f"{r['warm_up_s']} s; peak RSS of the serving process {r['peak_rss_mb']} MB; "
        f"torch imported: {r['torch_imported']}; load avg {c.load_average()}"
    )
    path = c.save(f"latency-{args.backend}", {"index": index, **r})
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
