"""How well a sentence answers the question, read together with it (a cross-encoder).

The sentence scorer's features see words, not meaning: an article's opening sentence that
repeats the question's words beats the sentence further down that holds the asked-for name or
sum. The reader reads the question and a candidate sentence (after its article's title)
through MiniLM at once, so each can attend to the other, and a linear head on the mean-pooled
output gives the log-odds that the sentence holds the answer.

It is the bundled all-MiniLM-L6-v2 with its six transformer layers fine-tuned on SQuAD dev-a
and the BBC training questions (`benchmarks/train_answer_reader.py` rebuilds it). Only those
layers and the head ship, in `answer_reader.safetensors` (fp16); the word embeddings are the
bundled model's, frozen in training. On first use the two are merged into a model folder in
the cache, exported to ONNX and quantised to int8 as the embedder is (`onnx_embeddings`), so
answering needs no torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
from collections.abc import Sequence
from dataclasses import replace
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qabot.embedder import resolve_model_dir
from qabot.onnx_embeddings import (
    cpu_instruction_set,
    export_fp32,
    load_session,
    mean_pool,
    quantise_int8,
)
from qabot.sentence_scorer import Sentence, log_odds
from qabot.settings import BUNDLED_MODEL

if TYPE_CHECKING:
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

WEIGHTS_FILE = Path(__file__).with_name("answer_reader.safetensors")
COMBINATION_FILE = Path(__file__).with_name("answer_reader.json")
MAX_TOKENS = 128  # question and sentence together; longer sentences lose their tail
_REMEMBERED = 512  # (question, sentence) logits kept by `AnswerReader.logits`
_MODEL_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)


def reader_input(title: str, sentence: str) -> str:
    """The text the reader reads beside the question: the article's title, then the sentence."""
    return f"{title}. {sentence}" if title else sentence


class AnswerReader:
    """Log-odds that each sentence holds the answer to a question (ONNX Runtime, int8)."""

    def __init__(
        self,
        cache_dir: Path,
        weights: Path = WEIGHTS_FILE,
        base_model: str = BUNDLED_MODEL,
        isa: str | None = None,
    ) -> None:
        self.weights = weights
        self.base_dir = resolve_model_dir(base_model)
        self.isa = isa or cpu_instruction_set()
        self.cache_dir = Path(cache_dir) / "onnx" / "answer-reader"
        self._session: Any = None
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], float] = {}

    @cached_property
    def _fingerprint(self) -> str:
        h = hashlib.sha1(self.weights.read_bytes())
        h.update((self.base_dir / "config.json").read_bytes())
        return h.hexdigest()[:10]

    @cached_property
    def _head(self) -> tuple[np.ndarray, float]:
        from safetensors import safe_open

        with safe_open(str(self.weights), framework="numpy") as f:  # the head alone, not the layers
            weight, bias = f.get_tensor("head.weight"), f.get_tensor("head.bias")
        return weight.astype(np.float32).reshape(-1), float(bias[0])

    @cached_property
    def model_path(self) -> Path:
        """The int8 ONNX file of the reader, built now if not yet cached."""
        from filelock import FileLock

        int8 = self.cache_dir / f"reader.int8-{self.isa}.{self._fingerprint}.onnx"
        if int8.exists():
            return int8
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.cache_dir / "export.lock"), timeout=600):
            if not int8.exists():
                logger.info("building the answer reader at %s (once)", int8)
                merged = self.cache_dir / f"model-{self._fingerprint}"
                fp32 = self.cache_dir / f"reader.fp32.{self._fingerprint}.onnx"
                self._merge(merged)
                export_fp32(merged, fp32)
                quantise_int8(fp32, int8, self.isa)
                fp32.unlink()
                shutil.rmtree(merged)
        return int8

    def _merge(self, dest: Path) -> None:
        """A model folder: the bundled model's embeddings with the fine-tuned layers."""
        from safetensors.numpy import load_file, save_file

        dest.mkdir(parents=True, exist_ok=True)
        for name in _MODEL_FILES:
            if (self.base_dir / name).exists():
                shutil.copy(self.base_dir / name, dest / name)
        tensors = load_file(str(self.base_dir / "model.safetensors"))
        for name, value in load_file(str(self.weights)).items():
            if not name.startswith("head."):
                tensors[name] = value.astype(np.float32)
        save_file(tensors, str(dest / "model.safetensors"))

    @cached_property
    def _tokenizer(self) -> Tokenizer:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.base_dir / "tokenizer.json"))
        tok.enable_truncation(max_length=MAX_TOKENS, strategy="only_second")
        pad_id = tok.token_to_id("[PAD]") or 0
        tok.enable_padding(pad_id=pad_id, pad_token="[PAD]")
        return tok

    def warm_up(self) -> None:
        """Build (once) and load the model now rather than on the first question."""
        self.logits("warm up", ["warm up"])

    def logits(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """The log-odds that each of `texts` (see `reader_input`) answers `question`.

        The last few hundred are remembered: the reranker and the answerer read mostly the same
        sentences for one question, and the second read is free."""
        with self._lock:
            known = self._known
            if len(known) > _REMEMBERED:
                known.clear()
            todo = list(dict.fromkeys(t for t in texts if (question, t) not in known))
            if todo:
                read = self._read(question, todo)
                known.update(zip([(question, t) for t in todo], read.tolist(), strict=True))
            return np.array([known[question, t] for t in texts], dtype=np.float32)

    def _read(self, question: str, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([(question, t) for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        if self._session is None:
            self._session = load_session(self.model_path)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )[0]
        w, b = self._head
        return mean_pool(hidden, mask) @ w + b


@cache
def _load_combination(path: Path) -> tuple[int, np.ndarray, float]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return int(raw["rerank"]), np.asarray(raw["weights"], dtype=np.float64), float(raw["bias"])


def reread(
    reader: AnswerReader,
    question: str,
    ranked: list[Sentence],
    combination: tuple[int, np.ndarray, float] | None = None,
) -> list[Sentence]:
    """`ranked` with its first sentences rescored by scorer and reader together, best first.

    The sentence scorer's best `rerank` sentences (`answer_reader.json`) are read; each one's
    probability becomes a logistic regression over the scorer's log-odds and the reader's
    (fitted by `benchmarks/train_answer_reader.py`). The rest keep their order below them.
    """
    depth, w, b = combination or _load_combination(COMBINATION_FILE)
    head = ranked[:depth]
    if not head:
        return ranked
    read = reader.logits(question, [reader_input(s.passage.title, s.text) for s in head])
    prior = np.array([log_odds(s.score) for s in head])
    scores = 1.0 / (1.0 + np.exp(-(w[0] * prior + w[1] * read + b)))
    rescored = [replace(s, score=float(p)) for s, p in zip(head, scores, strict=True)]
    rescored.sort(key=lambda s: (-s.score, s.rank, s.start))
    return rescored + ranked[depth:]
