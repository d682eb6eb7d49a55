"""SIGKILL `qabot ingest` at random points while it indexes the BBC corpus, then let it finish.

    .venv/bin/python benchmarks/bench_crash.py [--kills 5] [--min 5] [--max 60] [--seed S]
                                               [--mb N]

With `--mb N` the corpus is instead one N MB plain-text file of BBC articles (as
`bench_large.py` makes it: the case where a killed ingest once left a store that crashed every
later process), and a one-shot `qabot ask` follows every kill. After the first kill nothing
is published yet, so that `ask` indexes the corpus itself (its first run) and must succeed;
after that a paragraph is appended to the file before each ingest, so that every ingest has
the whole file to write again, and each `ask` after a kill must answer from the last
complete version without changing a byte of the store: readers never write.

Starts from an empty data dir (keeping the ONNX export) and runs `qabot ingest` again and
again, each run killed with SIGKILL after a random number of seconds, until `--kills` kills
have landed (or a run finishes first); then once more to the end, which must change nothing
(the run that finished is the recovery). Then it
checks what the crash test in `tests/test_durability.py` checks, at BBC scale: the collection
holds exactly the passage ids a clean ingest gives, no duplicates, every file complete, BM25
agrees with the collection, and answers to headline questions cite the right article.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time

import _common as c

sys.path.insert(0, str(c.ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--min", type=float, default=5.0, help="earliest kill, seconds")
    parser.add_argument("--max", type=float, default=60.0, help="latest kill, seconds")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--mb", type=int, default=0, help="one big file of this size instead")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    name = f"crash-{args.mb}mb" if args.mb else "crash-bbc"
    data_dir = c.DATA / f"{name}-{args.backend}"
    corpus = c.BBC
    headlines: list[str] = []
    if args.mb:
        from bench_large import make_corpus

        corpus = c.DATA / f"{name}-corpus"
        headlines = make_corpus(corpus, args.mb, 1, seed)
    c.empty_data_dir(data_dir)
    env = {
        "QABOT_CORPUS_DIR": str(corpus),
        "QABOT_DATA_DIR": str(data_dir),
        "QABOT_EMBEDDING_BACKEND": args.backend,
        "QABOT_MAX_FILE_MB": str(max(args.mb * 2, 100)),
    }
    qabot = [str(c.ROOT / ".venv" / "bin" / "qabot"), "ingest"]
    runs = []

    def store_state() -> dict[str, tuple[int, int]]:
        """(apparent size, mtime) of every file of the store: what a reader must not change."""
        return {
            str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in data_dir.rglob("*")
            if p.is_file() and "chroma" in p.parts[len(data_dir.parts) :][:3]
        }

    def reader_after_kill(run: dict, first: bool) -> None:
        before = store_state()
        ask = subprocess.run(
            [qabot[0], "ask", f"What happened: {rng.choice(headlines)}?"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        run["ask_returncode"] = ask.returncode
        run["ask_indexed_first_run"] = first
        run["reader_wrote"] = not first and store_state() != before
        largest = max((size for size, _ in before.values()), default=0)
        run["largest_store_file_mb"] = round(largest / 2**20)

    def ingest(kill_after: float | None) -> dict:
        started = time.perf_counter()
        proc = subprocess.Popen(
            qabot,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            out, _ = proc.communicate(timeout=kill_after)
            killed = False
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate()
            killed = True
        run = {
            "kill_after_s": round(kill_after, 1) if kill_after else None,
            "killed": killed,
            "returncode": proc.returncode,
            "seconds": round(time.perf_counter() - started, 1),
        }
        if proc.returncode not in (0, -signal.SIGKILL):
            print(out, file=sys.stderr)
        print(json.dumps(run), flush=True)
        return run

    while sum(r["killed"] for r in runs) < args.kills:
        if args.mb and runs:  # the file changes, so the next ingest writes all of it again
            with (corpus / "part-0000.txt").open("a", encoding="utf-8") as f:
                f.write(f"\n\nA paragraph added after kill {len(runs)}.\n")
        runs.append(ingest(rng.uniform(args.min, args.max)))
        if not runs[-1]["killed"]:
            break
        if args.mb:
            reader_after_kill(runs[-1], first=len(runs) == 1)
            print(json.dumps(runs[-1]), flush=True)
    final = ingest(None)
    runs.append(final)
    if any(r["returncode"] not in (0, -signal.SIGKILL) for r in runs):
        print("an ingest failed", file=sys.stderr)
        return 1
    if any(r.get("ask_returncode", 0) != 0 or r.get("reader_wrote") for r in runs):
        print("a reader failed or wrote to the store after a kill", file=sys.stderr)
        return 1
    recovery = next(r for r in runs if not r["killed"])

    from qabot.qa import QA
    from tests.test_durability import assert_consistent

    settings = c.qabot_settings(corpus, data_dir, args.backend, max_file_mb=max(args.mb * 2, 100))
    t = time.perf_counter()
    assert_consistent(settings, clean_ids=not args.mb)
    check_seconds = time.perf_counter() - t

    # Headline questions: the first line of an article, asked back, must cite that article
    # (in one big file: must cite a passage that holds the headline).
    qa = QA(settings)
    qa.warm_up()
    files = sorted(c.BBC.rglob("*.txt"))
    right = 0
    for path in rng.sample(files, args.questions):
        headline = path.read_text(encoding="utf-8", errors="replace").splitlines()[0].strip()
        answer = qa.ask(f"What happened: {headline}?")
        if args.mb:
            right += any(headline in p.text for p in answer.passages[:5])
        else:
            source = path.relative_to(c.BBC).as_posix()
            right += any(cit.source == source for cit in answer.citations)
    result = {
        "seed": seed,
        "kills": sum(r["killed"] for r in runs),
        "killed_after_s": [r["kill_after_s"] for r in runs if r["killed"]],
        "recovery_ingest_seconds": recovery["seconds"],
        "all_runs_seconds": round(sum(r["seconds"] for r in runs), 1),
        "last_ingest_seconds": final["seconds"],
        "passages": qa.index.count(),
        "consistent": "yes",
        "check_seconds": round(check_seconds, 1),
        "headline_questions": args.questions,
        "cited_the_article": right,
    }
    print(c.table([result], list(result)))
    print("results:", c.save(f"{name}-{args.backend}", {**result, "runs": runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
