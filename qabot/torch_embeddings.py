"""Sentence embeddings from sentence-transformers on PyTorch, on the CPU (backend `torch`)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from qabot.embedder import Embedder

logger = logging.getLogger(__name__)


class TorchEmbedder(Embedder):
    """sentence-transformers on PyTorch (CPU)."""

    backend = "torch"

    def __init__(self, model_name: str, batch_size: int = 16) -> None:
        super().__init__(model_name, batch_size)
        self._model: Any = None

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()

            logger.info("loading embedding model from %s", self.model_dir)
            self._model = SentenceTransformer(str(self.model_dir), device="cpu")
        vecs = self._model.encode(
            texts, batch_size=len(texts), convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)
