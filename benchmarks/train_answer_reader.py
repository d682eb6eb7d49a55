"""Fine-tune the answer reader (`qabot/answer_reader.safetensors`) from the bundled MiniLM on
SQuAD dev-a and the BBC training questions, then fit how its score combines with the sentence
scorer's (`answer_reader.json`).

1. Candidates: for every question, the top `--top` sentences the sentence scorer ranks over
   the passages `qabot ask` retrieves; a sentence is positive when it belongs to the
   question's article and holds one of its answer strings (an unanswerable question has none).
2. Reader: the questions of four fifths of dev-a's articles (split by a hash of the file
   name) and `benchmarks/bbc_train.jsonl` (1,339 questions written for training over 714 BBC
   articles that the BBC dev set does not use, nor copies of them; 320 of them near-topic
   unanswerables; each counted `--bbc-repeat` times) train a cross-encoder:
   all-MiniLM-L6-v2's transformer layers with a linear head on the mean-pooled output, one
   epoch (`--epochs`) of binary cross-entropy on every question's positives (at most 2) and
   5 negatives (its 3 best-scored, 2 at random); word embeddings frozen. Seeded: the same
   data give the same weights, up to float summation order.
3. Combination: on the held-out fifth of dev-a plus the BBC dev set (each BBC sentence weighing
   `--bbc-weight`, as in `train_sentence_scorer.py`), a logistic regression over the sentence
   scorer's log-odds and the reader's gives the final probability of each of the top sentences.

    .venv/bin/python benchmarks/train_answer_reader.py   # about 35 minutes on 2 cores

Indexes dev-a and BBC under `benchmarks/data/` on first run. dev-b is never used here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from _common import BBC, DATA, ROOT, qabot_settings, squad
from train_sentence_scorer import fit

from qabot.answer_reader import (
    COMBINATION_FILE,
    WEIGHTS_FILE,
    AnswerReader,
    reader_input,
)
from qabot.evaluate import load_fixtures, normalize
from qabot.qa import QA
from qabot.sentence_scorer import log_odds

#: Per question: its article, the question, and its top sentences (reader input, scorer
#: log-odds, label).
Candidates = list[tuple[str, str, list[tuple[str, float, float]]]]


def candidates(folder: Path, fixtures_file: Path, data_dir: Path, top: int) -> Candidates:
    """The top sentences of every question of `fixtures_file`, labelled."""
    # Without the reader: neither the candidates nor their passage order may depend on the
    # reader being trained.
    qa = QA(qabot_settings(folder, data_dir / folder.name, "onnx-int8", answer_reader=False))
    qa.ensure_index()
    scorer = qa.extractive.scorer()
    out = []
    for fx in load_fixtures(fixtures_file):
        query, retrieval = qa.search(fx.question, fx.history)
        ranked = scorer.sentences(
            scorer.question(fx.question, query), retrieval.passages, retrieval.dense
        )
        answers = [normalize(a) for a in fx.answers]
        rows = []
        for s in ranked[:top]:
            own = fx.source in (s.passage.source, *s.passage.also_in)
            hit = own and not fx.unanswerable and any(a in normalize(s.text) for a in answers)
            rows.append((reader_input(s.passage.title, s.text), log_odds(s.score), float(hit)))
        out.append((fx.source, fx.question, rows))
    return out


TRAINED_ON = "SQuAD dev-a (4/5 of its articles) + benchmarks/bbc_train.jsonl"


def held_out(source: str) -> bool:
    return zlib.crc32(source.encode()) % 5 == 0


def train_reader(
    questions: Candidates, out: Path, negatives: int, epochs: int = 1, seed: int = 0
) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    from qabot.embedder import resolve_model_dir
    from qabot.settings import BUNDLED_MODEL

    torch.manual_seed(seed)
    rng = random.Random(seed)
    base = resolve_model_dir(BUNDLED_MODEL)
    tok = AutoTokenizer.from_pretrained(str(base))
    model = AutoModel.from_pretrained(str(base))
    for p in model.embeddings.parameters():
        p.requires_grad = False
    head = torch.nn.Linear(model.config.hidden_size, 1)
    pairs = []
    for _epoch in range(epochs):  # each epoch draws its own random negatives and order
        drawn = []
        for _source, question, rows in questions:
            pos = [r for r in rows if r[2]]
            neg = [r for r in rows if not r[2]]
            rest = neg[3:]
            rng.shuffle(rest)
            for text, _prior, y in pos[:2] + neg[:3] + rest[: negatives - 3]:
                drawn.append((question, text, y))
        rng.shuffle(drawn)
        pairs += drawn
    params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=4e-5, weight_decay=0.01)
    batch = 32
    steps = len(pairs) // batch
    warm = 0.06 * steps
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps)
    )
    print(f"{len(pairs)} pairs, {sum(p[2] for p in pairs):.0f} positive, {steps} steps")
    model.train()
    start = time.time()
    for i in range(steps):
        chunk = pairs[i * batch : (i + 1) * batch]
        enc = tok(
            [c[0] for c in chunk],
            [c[1] for c in chunk],
            truncation="only_second",
            max_length=128,
            padding=True,
            return_tensors="pt",
        )
        hidden = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        logits = head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, torch.tensor([c[2] for c in chunk])
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if i % 50 == 0:
            print(f"step {i}/{steps} loss {loss.item():.4f} {time.time() - start:.0f}s", flush=True)
    tensors = {
        k: v.detach().to(torch.float16).contiguous()
        for k, v in model.state_dict().items()
        if k.startswith("encoder.")
    }
    tensors["head.weight"] = head.weight.detach().float().contiguous()
    tensors["head.bias"] = head.bias.detach().float().contiguous()
    save_file(tensors, str(out), metadata={"trained_on": TRAINED_ON})


def combination(sets: list[tuple[Candidates, float]], reader: AnswerReader) -> dict:
    """Logistic regression of the label on [scorer log-odds, reader log-odds]."""
    xs, ys, ws = [], [], []
    for questions, weight in sets:
        for _source, question, rows in questions:
            if not rows:
                continue
            ce = reader.logits(question, [r[0] for r in rows])
            for (_text, prior, y), c in zip(rows, ce, strict=True):
                xs.append((prior, float(c)))
                ys.append(y)
                ws.append(weight)
    w, b = fit(np.asarray(xs), np.asarray(ys), np.asarray(ws), l2=1.0)
    return {"weights": [round(float(v), 6) for v in w], "bias": round(b, 6)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA / "qabot-train")
    parser.add_argument("--top", type=int, default=20, help="candidate sentences per question")
    parser.add_argument("--rerank", type=int, default=5, help="sentences the reader reads")
    parser.add_argument("--negatives", type=int, default=5)
    parser.add_argument(
        "--epochs", type=int, default=1, help="2 measured worse (benchmarks/README.md)"
    )
    parser.add_argument("--bbc-weight", type=float, default=20.0)
    parser.add_argument(
        "--bbc-repeat", type=int, default=2, help="times each BBC training question counts"
    )
    parser.add_argument("--skip-reader", action="store_true", help="only refit the combination")
    args = parser.parse_args(argv)

    corpus, fixtures = squad("dev-a")
    squad_questions = candidates(corpus, fixtures, args.data_dir, args.top)
    bbc = candidates(BBC, ROOT / "tests" / "fixtures" / "bbc_dev.jsonl", args.data_dir, args.top)
    if not args.skip_reader:
        bbc_train = candidates(
            BBC, ROOT / "benchmarks" / "bbc_train.jsonl", args.data_dir, args.top
        )
        train = [q for q in squad_questions if not held_out(q[0])] + bbc_train * args.bbc_repeat
        train_reader(train, WEIGHTS_FILE, args.negatives, args.epochs)
    reader = AnswerReader(args.data_dir / "cache")
    held = [(s, q, rows[: args.rerank]) for s, q, rows in squad_questions if held_out(s)]
    bbc = [(s, q, rows[: args.rerank]) for s, q, rows in bbc]
    combo = combination([(held, 1.0), (bbc, args.bbc_weight)], reader)
    combo["rerank"] = args.rerank
    combo["trained_on"] = (
        f"held-out fifth of SQuAD dev-a + BBC dev x{args.bbc_weight:g}"
        " (benchmarks/train_answer_reader.py)"
    )
    COMBINATION_FILE.write_text(json.dumps(combo, indent=1) + "\n", encoding="utf-8")
    wrote = COMBINATION_FILE if args.skip_reader else f"{WEIGHTS_FILE} and {COMBINATION_FILE}"
    print(f"wrote {wrote}: {combo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
