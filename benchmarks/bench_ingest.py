"""Ingest throughput, qabot vs the textbook LangChain pipeline, in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--corpora bbc,dev-b] [--backend onnx-int8]
        [--questions N]

Textbook = RecursiveCharacterTextSplitter(1000, 200) + HuggingFaceEmbeddings(bundled MiniLM)
+ langchain_chroma.Chroma, persisted to disk. Each pipeline indexes from scratch in a fresh
process (model load included in the time); then answer_recall@5 is measured for both on the
corpus's fixtures (SQuAD only: BBC has none) with the same answer matching as `qabot eval`.
qabot's one-off ONNX export (once per data dir) is kept between runs and timed apart.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

import _common as c


def corpus_and_fixtures(name: str) -> tuple[Path, Path | None]:
    if name == "bbc":
        return c.BBC, None
    return c.squad(name)


def sample_fixtures(fixtures: Path | None, n: int) -> list[dict]:
    if fixtures is None:
        return []
    items = [json.loads(line) for line in fixtures.read_text().splitlines() if line.strip()]
    items = [i for i in items if not i.get("unanswerable")]
    if n and n < len(items):
        items = random.Random(0).sample(items, n)
    return items


def recall_at_5(ranked: list[list[tuple[str, str]]], items: list[dict]) -> dict:
    """answer_recall@5 and mrr over (source, text) rankings, matched as `qabot eval` does."""
    from qabot.evaluate import normalize

    hits, rr = 0, 0.0
    for ranking, item in zip(ranked, items, strict=True):
        answers = [normalize(a) for a in item["answers"]]
        for rank, (source, text) in enumerate(ranking[:5], start=1):
            norm = normalize(text)
            if source == item["source"] and any(a in norm for a in answers):
                hits += 1
                rr += 1 / rank
                break
    n = max(len(items), 1)
    return {"answer_recall@5": round(hits / n, 4), "mrr": round(rr / n, 4)}


def worker_qabot(corpus: Path, data_dir: Path, backend: str, fixtures: Path | None, n: int) -> None:
    # Index from scratch, but keep the one-off ONNX export (timed apart, as `export_seconds`):
    # it is made once per data dir, like the textbook's model files that lie on disk already.
    c.empty_data_dir(data_dir)
    settings = c.qabot_settings(corpus, data_dir, backend)
    export_seconds = 0.0
    if backend != "torch":
        from qabot.onnx_embeddings import OnnxEmbedder

        t = time.perf_counter()
        _ = OnnxEmbedder(
            settings.embedding_model, cache_dir=settings.cache_dir, quantize=backend == "onnx-int8"
        ).model_path
        export_seconds = time.perf_counter() - t
    started, cpu = time.perf_counter(), time.process_time()
    from qabot.qa import QA

    qa = QA(settings, mode="hybrid")
    report = qa.ingest()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    out = {
        "pipeline": f"qabot ({backend})",
        "seconds": round(seconds, 2),
        "export_seconds": round(export_seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "passages": report.total_passages,
        "files": len(report.added),
        "skipped": len(report.skipped),
    }
    items = sample_fixtures(fixtures, n)
    if items:
        qa.warm_up()
        ranked, times = [], []
        for item in items:
            t = time.perf_counter()
            passages = qa.retrieve(item["question"], 5).passages
            times.append((time.perf_counter() - t) * 1000)
            ranked.append([(p.source, p.text) for p in passages])
        out.update(recall_at_5(ranked, items))
        out["query_ms_p50"] = round(c.percentile(times, 50), 2)
    out["peak_rss_mb"] = round(c.peak_rss_mb())
    print(json.dumps(out))


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def worker_textbook(corpus: Path, data_dir: Path, fixtures: Path | None, n: int) -> None:
    shutil.rmtree(data_dir, ignore_errors=True)
    started, cpu = time.perf_counter(), time.process_time()
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from qabot.embedder import resolve_model_dir
    from qabot.settings import BUNDLED_MODEL

    docs = [
        Document(page_content=_read(p), metadata={"source": p.relative_to(corpus).as_posix()})
        for p in sorted(corpus.rglob("*.txt"))
    ]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.split_documents(docs)
    embeddings = HuggingFaceEmbeddings(model_name=str(resolve_model_dir(BUNDLED_MODEL)))
    store = Chroma.from_documents(
        chunks, embeddings, collection_name="textbook", persist_directory=str(data_dir)
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    out = {
        "pipeline": "textbook LangChain",
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "passages": len(chunks),
        "files": len(docs),
        "skipped": 0,
    }
    items = sample_fixtures(fixtures, n)
    if items:
        ranked, times = [], []
        for item in items:
            t = time.perf_counter()
            found = store.similarity_search(item["question"], k=5)
            times.append((time.perf_counter() - t) * 1000)
            ranked.append([(d.metadata["source"], d.page_content) for d in found])
        out.update(recall_at_5(ranked, items))
        out["query_ms_p50"] = round(c.percentile(times, 50), 2)
    out["peak_rss_mb"] = round(c.peak_rss_mb())
    print(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--corpora", default="bbc,dev-b")
    parser.add_argument("--backend", default="onnx-int8", help="qabot embedding backend")
    parser.add_argument("--questions", type=int, default=1000, help="0 = all")
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fixtures", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "qabot":
        worker_qabot(args.corpus, args.data_dir, args.backend, args.fixtures, args.questions)
        return 0
    if args.worker == "textbook":
        worker_textbook(args.corpus, args.data_dir, args.fixtures, args.questions)
        return 0

    rows = []
    for name in args.corpora.split(","):
        corpus, fixtures = corpus_and_fixtures(name)
        size = c.corpus_bytes(corpus)
        for worker in ("qabot", "textbook"):
            # qabot's BBC index is left where bench_latency.py and bench_reingest.py look.
            tag = args.backend if worker == "qabot" else "textbook"
            data_dir = c.DATA / f"{name}-{tag}"
            extra = ["--fixtures", str(fixtures)] if fixtures else []
            r = c.run_worker(
                "bench_ingest.py",
                worker,
                "--corpus",
                str(corpus),
                "--data-dir",
                str(data_dir),
                "--backend",
                args.backend,
                "--questions",
                str(args.questions),
                *extra,
            )
            r.update(
                corpus=name,
                mb=round(size / 1e6, 2),
                passages_per_s=round(r["passages"] / r["seconds"], 1),
                mb_per_s=round(size / 1e6 / r["seconds"], 3),
            )
            rows.append(r)
            print(f"{name} {worker}: {json.dumps(r)}", file=sys.stderr)
        qabot, textbook = rows[-2], rows[-1]
        qabot["speed-up"] = round(textbook["seconds"] / qabot["seconds"], 2)

    print("\n## Ingest from scratch, qabot vs textbook (model load included)\n")
    cols = ["corpus", "pipeline", "files", "mb", "passages", "seconds", "passages_per_s"]
    cols += ["mb_per_s", "speed-up", "answer_recall@5", "mrr", "query_ms_p50", "peak_rss_mb"]
    cols += ["cpu_seconds", "export_seconds"]
    print(c.table(rows, cols))
    print(f"\nquestions per SQuAD set: {args.questions or 'all'}; load avg: {c.load_average()}")
    path = c.save("ingest", {"backend": args.backend, "questions": args.questions, "rows": rows})
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
