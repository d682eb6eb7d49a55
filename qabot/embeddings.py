"""The embedder the settings name (`QABOT_EMBEDDING_MODEL`, `QABOT_EMBEDDING_BACKEND`), one per
process: models are loaded once and shared."""

from __future__ import annotations

import threading

from qabot.embedder import Embedder
from qabot.onnx_embeddings import OnnxEmbedder
from qabot.settings import Settings
from qabot.torch_embeddings import TorchEmbedder

_EMBEDDERS: dict[tuple[str, str, int], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings (models are loaded once and shared)."""
    key = (settings.embedding_model, settings.embedding_backend, settings.embedding_batch_size)
    with _EMBEDDERS_LOCK:
        if key not in _EMBEDDERS:
            if settings.embedding_backend == "torch":
                _EMBEDDERS[key] = TorchEmbedder(
                    settings.embedding_model, settings.embedding_batch_size
                )
            else:
                _EMBEDDERS[key] = OnnxEmbedder(
                    settings.embedding_model,
                    settings.embedding_batch_size,
                    cache_dir=settings.cache_dir,
                    quantize=settings.embedding_backend == "onnx-int8",
                )
        return _EMBEDDERS[key]
