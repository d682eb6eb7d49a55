"""SIGKILL `qabot ingest` at random points while it indexes the BBC corpus, then let it finish.

    .venv/bin/python benchmarks/bench_crash.py [--kills 5] [--min 5] [--max 60] [--seed S]

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
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    data_dir = c.DATA / f"crash-bbc-{args.backend}"
    c.empty_data_dir(data_dir)
    env = {
        "QABOT_CORPUS_DIR": str(c.BBC),
        "QABOT_DATA_DIR": str(data_dir),
        "QABOT_EMBEDDING_BACKEND": args.backend,
    }
    qabot = [str(c.ROOT / ".venv" / "bin" / "qabot"), "ingest"]
    runs = []

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
        runs.append(ingest(rng.uniform(args.min, args.max)))
        if not runs[-1]["killed"]:
            break
    final = ingest(None)
    runs.append(final)
    if any(r["returncode"] not in (0, -signal.SIGKILL) for r in runs):
        print("an ingest failed", file=sys.stderr)
        return 1
    recovery = next(r for r in runs if not r["killed"])

    from qabot.qa import QA
    from tests.test_durability import assert_consistent

    settings = c.qabot_settings(c.BBC, data_dir, args.backend)
    t = time.perf_counter()
    assert_consistent(settings)
    check_seconds = time.perf_counter() - t

    # Headline questions: the first line of an article, asked back, must cite that article.
    qa = QA(settings)
    qa.warm_up()
    files = sorted(c.BBC.rglob("*.txt"))
    picked = rng.sample(files, args.questions)
    right = 0
    for path in picked:
        headline = path.read_text(encoding="utf-8", errors="replace").splitlines()[0].strip()
        answer = qa.ask(f"What happened: {headline}?")
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
    print("results:", c.save(f"crash-bbc-{args.backend}", {**result, "runs": runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
