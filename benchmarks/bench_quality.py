"""Quality and speed per embedding backend: `qabot eval` on seed, SQuAD dev-a and dev-b.

    .venv/bin/python benchmarks/bench_quality.py [--backends torch,onnx,onnx-int8]
        [--sets seed,dev-a,dev-b] [--sample N]

Each (backend, set) runs `qabot eval --json` in its own process with its own data dir under
benchmarks/data/quality-<backend>/ (so indexes are reused on a second run), plus an embedding
throughput probe (texts/s on 512 SQuAD paragraphs, default batch size, in a fresh process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import _common as c

METRICS = (
    "answer_recall@5",
    "mrr",
    "doc_recall@1",
    "answer_hit",
    "false_refusals",
    "latency_ms_p50",
)


def fixture_sets(names: list[str], sample: int | None) -> dict[str, tuple[Path, Path]]:
    sets: dict[str, tuple[Path, Path]] = {}
    for name in names:
        corpus, fixtures = (c.SEEDS, c.SEED_FIXTURES) if name == "seed" else c.squad(name)
        if sample and name != "seed":
            lines = fixtures.read_text().splitlines()
            keep = sorted(random.Random(0).sample(range(len(lines)), min(sample, len(lines))))
            fixtures = fixtures.with_name(f"fixtures-sample{sample}.jsonl")
            fixtures.write_text("".join(lines[i] + "\n" for i in keep))
        sets[name] = (corpus, fixtures)
    return sets


def run_eval(backend: str, corpus: Path, fixtures: Path) -> dict:
    data_dir = c.DATA / f"quality-{backend}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    env.update(QABOT_DATA_DIR=str(data_dir), QABOT_EMBEDDING_BACKEND=backend)
    qabot = Path(sys.executable).with_name("qabot")
    cmd = [str(qabot), "eval", str(fixtures), "--corpus", str(corpus), "--json"]
    started = time.perf_counter()
    # cwd = the data dir, so no developer .env is read.
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=data_dir, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"qabot eval failed for {backend} on {fixtures}")
    metrics = json.loads(proc.stdout)
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    return metrics


def worker_throughput(backend: str) -> None:
    """Print texts/s of the backend's embedder on 512 paragraph-length texts."""
    from qabot.embeddings import get_embedder

    corpus, _ = c.squad("dev-b")
    paragraphs = [
        p for f in sorted(corpus.glob("*.txt")) for p in f.read_text().split("\n\n")[1:] if p
    ][: int(os.environ.get("QABOT_BENCH_TEXTS", "512"))]
    settings = c.qabot_settings(corpus, c.DATA / f"quality-{backend}", backend)
    embedder = get_embedder(settings)
    started = time.perf_counter()
    embedder.warm_up()
    load = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    embedder.embed(paragraphs)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    words = sum(len(p.split()) for p in paragraphs) / len(paragraphs)
    print(
        json.dumps(
            {
                "texts": len(paragraphs),
                "mean_words": round(words, 1),
                "texts_per_s": round(len(paragraphs) / seconds, 1),
                # All threads' CPU time: comparable between backends on a busy machine too.
                "texts_per_cpu_s": round(len(paragraphs) / cpu, 1),
                "load_seconds": round(load, 2),
                "torch_imported": "torch" in sys.modules,
                "peak_rss_mb": round(c.peak_rss_mb()),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--backends", default=",".join(c.BACKENDS))
    parser.add_argument("--sets", default="seed,dev-a,dev-b")
    parser.add_argument("--sample", type=int, help="questions per SQuAD set (default: all)")
    parser.add_argument("--no-throughput", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker_throughput(args.worker)
        return 0

    backends = args.backends.split(",")
    sets = fixture_sets(args.sets.split(","), args.sample)
    rows, speed = [], []
    for backend in backends:
        if not args.no_throughput:
            probe = c.run_worker("bench_quality.py", backend)
            speed.append({"backend": backend, **probe})
            print(f"{backend}: {probe['texts_per_s']} texts/s", file=sys.stderr)
        for name, (corpus, fixtures) in sets.items():
            m = run_eval(backend, corpus, fixtures)
            rows.append({"backend": backend, "set": name, **m})
            print(f"{backend} {name}: {json.dumps(m)}", file=sys.stderr)

    # Difference to torch on the quality metrics, the criterion for the default backend.
    base = {r["set"]: r for r in rows if r["backend"] == "torch"}
    for r in rows:
        if r["set"] in base:
            for key in ("answer_recall@5", "mrr"):
                r[f"Δ{key}"] = round(r[key] - base[r["set"]][key], 4)

    print("\n## Quality per backend (`qabot eval`, hybrid retrieval, k=5)\n")
    cols = ["backend", "set", "questions", *METRICS, "Δanswer_recall@5", "Δmrr", "seconds"]
    print(c.table(rows, cols))
    if speed:
        print("\n## Embedding throughput (512 SQuAD paragraphs, default batch size)\n")
        cols = ["backend", "texts_per_s", "texts_per_cpu_s", "mean_words", "load_seconds"]
        cols += ["peak_rss_mb"]
        print(c.table(speed, [*cols, "torch_imported"]))
    print(f"\nload average at end: {c.load_average()}")
    name = "quality" if tuple(backends) == c.BACKENDS else "quality-" + "-".join(backends)
    path = c.save(name, {"sample": args.sample, "rows": rows, "throughput": speed})
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
