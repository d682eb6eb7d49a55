"""ONNX embeddings: close to torch, exported once and reused, never mixed with other vectors."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import qabot.onnx_embeddings as onnx_embeddings
from qabot.atomic import replacing
from qabot.embedder import Embedder
from qabot.index import PassageIndex
from qabot.onnx_embeddings import OnnxEmbedder, cpu_instruction_set
from qabot.settings import BUNDLED_MODEL, Settings
from qabot.store import IndexMismatch, Store
from qabot.torch_embeddings import TorchEmbedder

SENTENCES = [
    "US Defense Secretary Ash Carter spoke by telephone with Russian Defense Minister Sergei "
    "Shoigu for about 50 minutes on Friday.",
    "The two discussed measures to avoid accidents between their air forces over Syria.",
    "Who did Carter talk to?",
    "Apple's chief executive Tim Cook said the company would not build a back door.",
    "What is the capital of Australia?",
    "Shares in the company rose 4% after it reported better than expected profits for the "
    "third quarter, helped by strong sales in Asia.",
    "A passage longer than the model window " + "word " * 400,
]


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export (fp32 + int8) shared by the whole session."""
    cache = tmp_path_factory.mktemp("onnx-cache")
    OnnxEmbedder(BUNDLED_MODEL, cache_dir=cache, quantize=True).model_path  # noqa: B018
    return cache


@pytest.fixture(scope="session")
def torch_vectors() -> np.ndarray:
    return TorchEmbedder(BUNDLED_MODEL).embed(SENTENCES)


@pytest.mark.parametrize(("quantize", "floor"), [(False, 0.999), (True, 0.98)])
def test_vectors_match_torch(
    onnx_cache: Path, torch_vectors: np.ndarray, quantize: bool, floor: float
) -> None:
    vectors = OnnxEmbedder(BUNDLED_MODEL, cache_dir=onnx_cache, quantize=quantize).embed(SENTENCES)
    assert vectors.shape == torch_vectors.shape
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.mean() >= floor, cosines
    assert cosines.min() >= floor - 0.02, cosines


@pytest.mark.parametrize(("quantize", "floor"), [(False, 0.9999), (True, 0.98)])
def test_batching_barely_changes_vectors(onnx_cache: Path, quantize: bool, floor: float) -> None:
    # Dynamic int8 quantisation scales activations per batch, so batch mates (and their
    # padding) move a vector a little; fp32 only by rounding.
    one_by_one = OnnxEmbedder(BUNDLED_MODEL, 1, cache_dir=onnx_cache, quantize=quantize)
    batched = OnnxEmbedder(BUNDLED_MODEL, 64, cache_dir=onnx_cache, quantize=quantize)
    cosines = (one_by_one.embed(SENTENCES) * batched.embed(SENTENCES)).sum(axis=1)
    assert cosines.min() >= floor, cosines


def test_export_is_cached_and_reused(onnx_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_embeddings, "export_fp32", refuse)
    monkeypatch.setattr(onnx_embeddings, "quantise_int8", refuse)
    files = sorted((onnx_cache / "onnx" / "all-MiniLM-L6-v2").glob("*.onnx"))
    assert [f.name.split(".")[1] for f in files] == ["fp32", f"int8-{cpu_instruction_set()}"]
    before = {f: f.stat().st_mtime_ns for f in files}
    for quantize in (False, True):
        embedder = OnnxEmbedder(BUNDLED_MODEL, cache_dir=onnx_cache, quantize=quantize)
        assert embedder.model_path in files
        assert embedder.embed(["cached"]).shape == (1, 384)
    assert {f: f.stat().st_mtime_ns for f in files} == before
    # No half-written temp folders are left beside the cache.
    assert not [p for p in files[0].parent.iterdir() if p.name.startswith(".export-")]


def test_failed_export_leaves_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(tmp: Path) -> None:
        tmp.write_bytes(b"half an onnx file")
        raise RuntimeError("killed mid-export")

    dest = tmp_path / "onnx" / "model.onnx"
    with pytest.raises(RuntimeError), replacing(dest) as tmp:
        crash(tmp)
    assert not dest.exists()
    assert os.listdir(dest.parent) == []


def test_backend_names_and_instruction_set(tmp_path: Path) -> None:
    assert OnnxEmbedder(BUNDLED_MODEL, cache_dir=tmp_path).backend == "onnx"
    assert OnnxEmbedder(BUNDLED_MODEL, cache_dir=tmp_path, quantize=True).backend == "onnx-int8"
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nflags : fpu sse2 avx2 avx512f avx512_vnni\n")
    if onnx_embeddings.platform.machine().lower() not in ("aarch64", "arm64"):
        assert cpu_instruction_set(cpuinfo) == "avx512_vnni"
        cpuinfo.write_text("flags : fpu sse2 avx2\n")
        assert cpu_instruction_set(cpuinfo) == "avx2"


def test_collection_refuses_another_backend(
    onnx_cache: Path, make_settings: Callable[..., Settings], corpus: Path
) -> None:
    settings = make_settings(corpus_dir=corpus)
    int8 = OnnxEmbedder(BUNDLED_MODEL, cache_dir=onnx_cache, quantize=True)

    def index(embedder: Embedder, client: object = None) -> PassageIndex:
        return PassageIndex(settings, Store(settings, embedder.model_id, embedder.backend, client))

    first = index(int8)
    assert first.count() == 0  # creates the collection, stamped with the backend
    for other in (
        TorchEmbedder(BUNDLED_MODEL),
        OnnxEmbedder(BUNDLED_MODEL, cache_dir=onnx_cache, quantize=False),
    ):
        with pytest.raises(IndexMismatch, match="QABOT_EMBEDDING_BACKEND"):
            index(other, first.store.client).count()
    assert index(int8, first.store.client).count() == 0
