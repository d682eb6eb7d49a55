"""Fit when qabot answers at all (`qabot/answerability.json`) on BBC and SQuAD near misses.

Two sources, each weighing the same in the fit:
- `benchmarks/bbc_train.jsonl` (1,339 questions over 714 BBC articles the BBC dev set does not
  use; 320 of them near-topic unanswerables: a later year, a result only previewed, a price
  never stated);
- the unanswerable variant of SQuAD dev-a (2,000 questions, those of 4 articles left out of
  the corpus unanswerable: questions on the corpus's subjects about articles it lacks).

For every question, qabot answers as `qabot ask` does, with the answer reader on; each
question that reaches the last check (its article meets its years, numbers and names, and a
number was found where one was asked for) gives the `answerability.FEATURES` of the sentence
it would answer from, labelled 1 when the question is answerable. A logistic regression over
them is the probability that a question is answerable; the refusal threshold applies to it
(chosen on the dev sets, see `benchmarks/README.md`). The BBC dev set, SQuAD dev-b and the
seeds are never used here.

    .venv/bin/python benchmarks/train_answerability.py   # about 5 minutes once indexed

Indexes BBC and the SQuAD variant under `benchmarks/data/` on first run (BBC's index is
shared with `train_answer_reader.py`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _common import BBC, DATA, ROOT, qabot_settings, squad
from train_sentence_scorer import fit

from qabot.answerability import FEATURES, WEIGHTS_FILE
from qabot.evaluate import load_fixtures
from qabot.qa import QA

TRAINING = ROOT / "benchmarks" / "bbc_train.jsonl"


def examples(corpus: Path, fixtures_file: Path, data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The features and labels of every question of `fixtures_file` that reaches the last
    check, asked of `corpus` (indexed under `data_dir`)."""
    qa = QA(qabot_settings(corpus, data_dir, "onnx-int8"))
    qa.ensure_index()
    answerer = qa.extractive
    answerer.answerability = (np.zeros(len(FEATURES)), 0.0)  # the features need no weights
    xs, ys = [], []
    fixtures = load_fixtures(fixtures_file)
    for n, fx in enumerate(fixtures, 1):
        _ranked, verdict = answerer.select(fx.question, *qa.search(fx.question, fx.history))
        if verdict.features is not None:
            xs.append(verdict.features)
            ys.append(0.0 if fx.unanswerable else 1.0)
        if n % 200 == 0 or n == len(fixtures):
            print(f"{fixtures_file.name}: {n}/{len(fixtures)}", file=sys.stderr, flush=True)
    return np.asarray(xs), np.asarray(ys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA / "qabot-train")
    args = parser.parse_args(argv)

    sources = {
        "benchmarks/bbc_train.jsonl": (BBC, TRAINING, args.data_dir / BBC.name),
        "SQuAD dev-a, unanswerable variant": (
            *squad("dev-a", unanswerable=True),
            args.data_dir / "squad-dev-a-un",
        ),
    }
    xs, ys, weights, counts = [], [], [], []
    for name, (corpus, fixtures_file, data_dir) in sources.items():
        x, y = examples(corpus, fixtures_file, data_dir)
        xs.append(x)
        ys.append(y)
        weights.append(np.full(len(y), 1.0 / len(y)))
        counts.append(f"{name}: {int(y.sum())} answerable, {int(len(y) - y.sum())} unanswerable")
    x, y = np.concatenate(xs), np.concatenate(ys)
    sample_weight = np.concatenate(weights) * len(y) / len(sources)  # each source the same
    w, b = fit(x, y, sample_weight, l2=1.0)
    out = {
        "features": list(FEATURES),
        "weights": [round(float(v), 6) for v in w],
        "bias": round(b, 6),
        "trained_on": f"{'; '.join(counts)} that reach the check, each source weighing the "
        "same (benchmarks/train_answerability.py)",
    }
    WEIGHTS_FILE.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE}: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
