"""Helpers shared by the benchmark scripts: paths, corpora, tables, JSON results."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from qabot.process import configure_libraries

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc"
SQUAD = SHARED / "benchmarks" / "squad"
DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"
SEEDS = ROOT / "seeds"
SEED_FIXTURES = ROOT / "tests" / "fixtures" / "seed_questions.jsonl"
BACKENDS = ("torch", "onnx", "onnx-int8")

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(ROOT / "benchmarks"))
configure_libraries()


def squad(split: str, unanswerable: bool = False) -> tuple[Path, Path]:
    """(corpus dir, fixtures file) of SQuAD `split` (dev-a | dev-b), converted if needed; with
    `unanswerable`, its unanswerable variant: 2,000 questions, those of 4 articles left out of
    the corpus unanswerable (`squad_to_corpus.py --hold-out 4 --sample 2000 --seed 7`)."""
    from squad_to_corpus import main as convert

    out = DATA / f"squad-{split}{'-un' if unanswerable else ''}"
    variant = ["--hold-out", "4", "--sample", "2000", "--seed", "7"] if unanswerable else []
    if not (out / "fixtures.jsonl").exists():
        convert([str(SQUAD / f"{split}.json"), "--out", str(out), *variant])
    return out / "corpus", out / "fixtures.jsonl"


def corpus_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def empty_data_dir(data_dir: Path) -> None:
    """Remove everything qabot keeps in `data_dir` (the ONNX export lives in the user's cache
    dir; a `cache/` folder, where older versions kept it, is spared)."""
    for child in data_dir.iterdir() if data_dir.exists() else []:
        if child.name != "cache":
            shutil.rmtree(child) if child.is_dir() else child.unlink()


def qabot_settings(corpus: Path, data_dir: Path, backend: str, **extra: Any) -> Any:
    from qabot.settings import Settings

    return Settings(  # type: ignore[call-arg]
        _env_file=None, corpus_dir=corpus, data_dir=data_dir, embedding_backend=backend, **extra
    )


def run_worker(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `script --worker ...` in a fresh Python; it prints one JSON object last."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / script), "--worker", *args]
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"worker failed: {' '.join(cmd)}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.setdefault("process_seconds", round(time.perf_counter() - started, 2))
    return result


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return "—" if v is None else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def save(name: str, payload: dict[str, Any]) -> Path:
    """Write results JSON with the machine's description beside the numbers."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_end": load_average(),
        },
        **payload,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2))
    return path
