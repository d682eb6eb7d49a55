"""Learn the sentence scorer's weights (`qabot/sentence_scorer.json`) on SQuAD dev-a + BBC dev.

For every dev-a question it retrieves the top passages as `qabot ask` would, computes the
features of each of their sentences (`qabot.sentence_scorer.FEATURES`), labels a sentence 1 when
it belongs to the question's article and holds one of its answer strings, and fits an
L2-regularised logistic regression (Newton's method, numpy only). Deterministic: the same
data give the same weights.

SQuAD's questions were written while looking at the paragraph, so they share its words; the
BBC dev set (`tests/fixtures/bbc_dev.jsonl`, ~160 answerable questions written blind) asks
details a reader would, and each of its sentences weighs `--bbc-weight` times a SQuAD one.
With the default weight, five-fold cross-validation over the BBC questions gave a top
sentence holding the answer for 0.63 of held-out questions, against 0.56 trained on dev-a alone.

    .venv/bin/python benchmarks/train_sentence_scorer.py [--bbc-weight 20] [--out FILE]

Indexes dev-a and BBC under `benchmarks/data/` on first run (a few minutes). dev-b is for
reporting only and never used here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _common import BBC, DATA, ROOT, qabot_settings, squad

from qabot.bm25 import idf_from_counts
from qabot.evaluate import load_fixtures, normalize
from qabot.qa import QA
from qabot.sentence_scorer import FEATURES, WEIGHTS_FILE, SentenceScorer


def examples(qa: QA, fixtures_file: Path, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every sentence of the top-k passages of every question."""
    # Zero weights: the features do not depend on them, and an outdated weights file
    # (other features) must not stop its own retraining.
    scorer = SentenceScorer(idf_from_counts(*qa.index.doc_freq()), (np.zeros(len(FEATURES)), 0.0))
    xs: list[np.ndarray] = []
    ys: list[float] = []
    for fx in load_fixtures(fixtures_file):
        query, retrieval = qa.search(fx.question, fx.history, k)
        q = scorer.question(fx.question, query)
        answers = [normalize(a) for a in fx.answers]
        for s in scorer.sentences(q, retrieval.passages, retrieval.dense):
            text = normalize(s.text)
            own = fx.source in (s.passage.source, *s.passage.also_in)
            xs.append(s.features)
            ys.append(float(own and any(a in text for a in answers)))
    return np.vstack(xs), np.asarray(ys)


def fit(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = 1.0, steps: int = 50
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression by Newton's method; the bias is not regularised."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (weight * (p - y)) + reg * w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA / "qabot-train")
    parser.add_argument("--bbc-weight", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--k", type=int, default=5, help="passages per question")
    parser.add_argument("--l2", type=float, default=1.0)
    args = parser.parse_args(argv)

    corpus, fixtures = squad("dev-a")
    sets = [
        (corpus, fixtures, 1.0),
        (BBC, ROOT / "tests" / "fixtures" / "bbc_dev.jsonl", args.bbc_weight),
    ]
    xs, ys, weights = [], [], []
    for folder, fixtures_file, weight in sets:
        qa = QA(qabot_settings(folder, args.data_dir / folder.name, "onnx-int8"))
        qa.ensure_index()
        x_set, y_set = examples(qa, fixtures_file, args.k)
        xs.append(x_set)
        ys.append(y_set)
        weights.append(np.full(len(y_set), weight))
    x, y, weight = np.vstack(xs), np.concatenate(ys), np.concatenate(weights)
    w, b = fit(x, y, weight, args.l2)
    p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
    loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
    args.out.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "weights": [round(float(v), 6) for v in w],
                "bias": round(b, 6),
                "trained_on": "SQuAD dev-a + BBC dev (benchmarks/train_sentence_scorer.py)",
                "bbc_weight": args.bbc_weight,
                "sentences": len(y),
                "positives": int(y.sum()),
                "log_loss": round(float(loss), 5),
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    for name, v in zip(FEATURES, w, strict=True):
        print(f"{name:>10} {v:+.3f}")
    print(f"{'bias':>10} {b:+.3f}   sentences {len(y)}, positives {int(y.sum())}, loss {loss:.4f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
