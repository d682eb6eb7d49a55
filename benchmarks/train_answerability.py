"""Fit when qabot answers at all (`qabot/answerability.json`) on the BBC training questions.

For every question of `benchmarks/bbc_train.jsonl` (1,339 questions over 714 BBC articles the
BBC dev set does not use; 320 of them near-topic unanswerables), qabot answers as `qabot ask`
does, with the answer reader on; each question that reaches the last check (its article meets
its years, numbers and names, and a number was found where one was asked for) gives the
`answerability.FEATURES` of the sentence it would answer from, labelled 1 when the question
is answerable. A logistic regression over them is the probability that a question is
answerable; the refusal threshold applies to it (chosen on the dev sets, see
`benchmarks/README.md`). The BBC dev set, SQuAD and the seeds are never used here.

    .venv/bin/python benchmarks/train_answerability.py   # about 2 minutes once BBC is indexed

Indexes BBC under `benchmarks/data/` on first run (shared with `train_answer_reader.py`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _common import BBC, DATA, ROOT, qabot_settings
from train_sentence_scorer import fit

from qabot.answerability import FEATURES, WEIGHTS_FILE
from qabot.evaluate import load_fixtures
from qabot.qa import QA

TRAINING = ROOT / "benchmarks" / "bbc_train.jsonl"


def examples(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The features and labels of every training question that reaches the last check."""
    qa = QA(qabot_settings(BBC, data_dir / BBC.name, "onnx-int8"))
    qa.ensure_index()
    answerer = qa.extractive
    answerer.answerability = (np.zeros(len(FEATURES)), 0.0)  # the features need no weights
    xs, ys = [], []
    fixtures = load_fixtures(TRAINING)
    for n, fx in enumerate(fixtures, 1):
        _ranked, verdict = answerer.select(fx.question, *qa.search(fx.question, fx.history))
        if verdict.features is not None:
            xs.append(verdict.features)
            ys.append(0.0 if fx.unanswerable else 1.0)
        if n % 200 == 0 or n == len(fixtures):
            print(f"{n}/{len(fixtures)} questions", file=sys.stderr, flush=True)
    return np.asarray(xs), np.asarray(ys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA / "qabot-train")
    args = parser.parse_args(argv)

    x, y = examples(args.data_dir)
    w, b = fit(x, y, np.ones(len(y)), l2=1.0)
    out = {
        "features": list(FEATURES),
        "weights": [round(float(v), 6) for v in w],
        "bias": round(b, 6),
        "trained_on": f"benchmarks/bbc_train.jsonl: {int(y.sum())} answerable, "
        f"{int(len(y) - y.sum())} unanswerable that reach the check "
        "(benchmarks/train_answerability.py)",
    }
    WEIGHTS_FILE.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE}: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
