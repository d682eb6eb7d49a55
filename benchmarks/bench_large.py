"""A large corpus: ingest peak RSS, then one-shot `qabot ask` wall time and peak RSS.

    .venv/bin/python benchmarks/bench_large.py [--mb 60] [--files 1] [--seed 0] [--questions 5]
                                               [--skip-ingest]

Makes a ~`--mb` MB corpus of BBC articles (shuffled with `--seed`, repeated as needed,
written into `--files` files: 1 = one big plain-text file, read in windows), ingests it from
an empty data dir (the ONNX export is kept), then asks `--questions` headline questions,
each in a fresh `qabot ask` process. Every process is measured from outside: wall time and
its peak RSS (`ru_maxrss` of a child). Prints the CPU's SIMD flags: ONNX speed depends on them.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import _common as c

#: Runs a command and prints its peak RSS (a wrapper per measurement: RUSAGE_CHILDREN of
#: this script would report the largest child so far, the ingest).
_MEASURE = (
    "import json, resource, subprocess, sys, time; t = time.perf_counter(); "
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "print(json.dumps({'rc': p.returncode, 'seconds': time.perf_counter() - t, "
    "'peak_rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
    "'stdout': p.stdout[-2000:], 'stderr': p.stderr[-2000:]}))"
)
SIMD = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")


def cpu_flags() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return [f for f in SIMD if f in flags]
    except OSError:
        pass
    return []


def make_corpus(folder: Path, mb: int, files: int, seed: int) -> list[str]:
    """Shuffled BBC articles, repeated until `mb` MB; returns the headlines used."""
    articles = [
        p.read_text(encoding="utf-8", errors="replace") for p in sorted(c.BBC.rglob("*.txt"))
    ]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    target = mb * 2**20
    per_file = target // files
    headlines: list[str] = []
    written, n = 0, 0
    for i in range(files):
        with (folder / f"part-{i:04d}.txt").open("w", encoding="utf-8") as f:
            size = 0
            while size < per_file:
                if n % len(articles) == 0:
                    rng.shuffle(articles)
                text = articles[n % len(articles)].strip() + "\n\n"
                n += 1
                f.write(text)
                size += len(text.encode())
                if n <= len(articles):
                    headlines.append(text.splitlines()[0].strip())
            written += size
    return headlines


def measure(cmd: list[str], env: dict[str, str]) -> dict:
    import os

    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=60)
    parser.add_argument("--files", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()

    root = c.DATA / f"large-{args.mb}mb-{args.files}f-s{args.seed}"
    corpus, data_dir = root / "corpus", root / "data"
    headlines = make_corpus(corpus, args.mb, args.files, args.seed)
    env = {
        "QABOT_CORPUS_DIR": str(corpus),
        "QABOT_DATA_DIR": str(data_dir),
        "QABOT_EMBEDDING_BACKEND": args.backend,
        "QABOT_MAX_FILE_MB": str(args.mb * 2),
    }
    qabot = str(c.ROOT / ".venv" / "bin" / "qabot")
    result: dict = {"cpu_flags": " ".join(cpu_flags()), "corpus_mb": args.mb, "files": args.files}
    print("cpu flags:", result["cpu_flags"], flush=True)
    if not args.skip_ingest:
        c.empty_data_dir(data_dir)
        run = measure([qabot, "ingest"], env)
        if run["rc"] != 0:
            print(run["stderr"], file=sys.stderr)
            return 1
        result["ingest_seconds"] = round(run["seconds"], 1)
        result["ingest_peak_rss_mb"] = round(run["peak_rss_mb"])
        print(json.dumps({k: result[k] for k in ("ingest_seconds", "ingest_peak_rss_mb")}))

    from qabot import snapshot
    from qabot.store import collection_name

    settings = c.qabot_settings(corpus, data_dir, args.backend)
    base = settings.snapshot_dir / collection_name(settings)
    pointer = snapshot.current(base)
    snap = snapshot.load(base, pointer["generation"]) if pointer else None
    result["passages"] = len(snap.passages) if snap else None

    rng = random.Random(args.seed)
    asks = []
    for headline in rng.sample(headlines, args.questions):
        run = measure([qabot, "ask", f"What happened: {headline}?"], env)
        asks.append({"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"], "rc": run["rc"]})
        print(json.dumps(asks[-1]), flush=True)
    result["ask_seconds_max"] = max(a["seconds"] for a in asks)
    result["ask_seconds_median"] = c.percentile([a["seconds"] for a in asks], 50)
    result["ask_peak_rss_mb_max"] = round(max(a["peak_rss_mb"] for a in asks))
    result["ask_failures"] = sum(a["rc"] != 0 for a in asks)
    print(c.table([result], list(result)))
    print("results:", c.save(root.name, {**result, "asks": asks}))
    time.sleep(0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
