"""Warm question latency with the BBC corpus indexed, and peak RSS of the serving process.

    .venv/bin/python benchmarks/bench_latency.py [--backend onnx-int8] [--questions 300]
        [--corpus bbc|dev-b]

Indexes ../shared/corpora/bbc/ into benchmarks/data/bbc-<backend>/ if needed, then in a fresh
process: builds a QA, warms it up, and asks questions made from the BBC headlines (plus the
seed fixture questions): first retrieval only (`QA.retrieve`), then the full extractive
answer (`QA.ask`). The first 10 of each are warm-up and not counted. `--corpus dev-b` uses the
SQuAD dev-b index of bench_ingest.py instead (its questions), for a quick run.
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


def corpus_dir(name: str) -> Path:
    return c.BBC if name == "bbc" else c.squad(name)[0]


def questions_for(name: str, n: int) -> list[str]:
    if name == "bbc":
        return bbc_questions(n)
    lines = c.squad(name)[1].read_text().splitlines()
    return [json.loads(line)["question"] for line in random.Random(0).sample(lines, n)]


def data_dir(backend: str, name: str = "bbc") -> Path:
    return c.DATA / f"{name}-{backend}"


def worker_index(backend: str, name: str) -> None:
    from qabot.qa import QA

    started = time.perf_counter()
    report = QA(c.qabot_settings(corpus_dir(name), data_dir(backend, name), backend)).ingest()
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - started, 1),
                "passages": report.total_passages,
                "embedded": report.embedded,
            }
        )
    )


def worker_serve(backend: str, n: int, name: str) -> None:
    started = time.perf_counter()
    from qabot.qa import QA

    qa = QA(c.qabot_settings(corpus_dir(name), data_dir(backend, name), backend))
    qa.warm_up()
    warm_up = time.perf_counter() - started
    questions = questions_for(name, n)
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
    parser.add_argument("--corpus", default="bbc", choices=["bbc", "dev-b"])
    args = parser.parse_args()
    if args.worker == "index":
        worker_index(args.backend, args.corpus)
        return 0
    if args.worker == "serve":
        worker_serve(args.backend, args.questions, args.corpus)
        return 0

    common = ["--backend", args.backend, "--corpus", args.corpus]
    index = c.run_worker("bench_latency.py", "index", *common)
    print(f"index: {json.dumps(index)}", file=sys.stderr)
    r = c.run_worker("bench_latency.py", "serve", *common, "--questions", str(args.questions))
    rows = [{"measure": label, **r[label]} for label in ("retrieval", "full answer")]
    title = f"{args.corpus} indexed ({r['passages']} passages, {args.backend})"
    print(f"\n## Warm question latency, {title}\n")
    print(c.table(rows, ["measure", "p50_ms", "p95_ms", "mean_ms", "max_ms"]))
    print(
        f"\n{r['questions']} questions after {WARM} warm-up; warm-up (model + index load) "
        f"{r['warm_up_s']} s; peak RSS of the serving process {r['peak_rss_mb']} MB; "
        f"torch imported: {r['torch_imported']}; load avg {c.load_average()}"
    )
    path = c.save(f"latency-{args.corpus}-{args.backend}", {"index": index, **r})
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
