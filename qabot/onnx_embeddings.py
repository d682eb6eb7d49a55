"""Sentence embeddings on ONNX Runtime: exported once from the local weights, int8 optional.

On first use the model is exported to ONNX with `torch.onnx.export`, its attention, layer norm
and GELU subgraphs fused by ONNX Runtime's transformer optimiser, and (for `onnx-int8`)
quantised dynamically to int8 with the settings Optimum uses for the CPU's instruction set.
The files are cached under `cache_dir/onnx/<model_id>/` and reused; nothing is downloaded.
Inference needs only `onnxruntime`, `tokenizers` and numpy: torch is imported to export, never
to answer. (sentence-transformers' own ONNX helpers need Optimum >= 2, which requires
transformers < 4.58, older than the one this project uses; the steps here are the same ones.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import warnings
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qabot.atomic import replacing
from qabot.embedder import Embedder

if TYPE_CHECKING:
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

#: Bump when the export steps change, so that old cached files are not reused.
EXPORT_VERSION = 2
OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")

#: Weight type and range per instruction set (dynamic quantisation, symmetric per-channel
#: weights, asymmetric uint8 activations). Optimum uses uint8 weights for avx2; on this avx2
#: machine signed 7-bit weights (reduce_range) ran 1.3x faster at the same cosine to fp32
#: (0.992 on BBC passages), since ONNX Runtime's u8s8 kernels cannot overflow with them.
QUANTISATION = {
    "avx512_vnni": ("QInt8", False),
    "avx512": ("QInt8", False),
    "avx2": ("QInt8", True),
    "arm64": ("QInt8", False),
}


def cpu_instruction_set(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The best int8 instruction set of this CPU: avx512_vnni, avx512, avx2 or arm64."""
    if platform.machine().lower() in ("aarch64", "arm64"):
        return "arm64"
    flags: set[str] = set()
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                flags.update(line.partition(":")[2].split())
                break
    except OSError:
        logger.debug("no %s; assuming avx2", cpuinfo)
    if "avx512_vnni" in flags or "avx512vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags or "avx512bw" in flags:
        return "avx512"
    return "avx2"  # uint8 x uint8 kernels run on any x86-64 (also without AVX2, slower)


def _source_fingerprint(model_dir: Path) -> str:
    """Changes when the weights or config of the source model change (cheap: no hashing)."""
    h = hashlib.sha1(f"qabot-onnx-{EXPORT_VERSION}-{OPSET}".encode())
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = model_dir / name
        if path.exists():
            h.update(f"{name}:{path.stat().st_size}".encode())
    h.update((model_dir / "config.json").read_bytes())
    return h.hexdigest()[:10]


def export_fp32(model_dir: Path, dest: Path) -> None:
    """Export the transformer to ONNX (last hidden state) and fuse it for ONNX Runtime."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    config = json.loads((model_dir / "config.json").read_text())
    # Eager attention exports the plain MatMul/Softmax pattern the fusion passes recognise.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    dummy = torch.ones(2, 16, dtype=torch.long)
    dynamic = {name: {0: "batch", 1: "sequence"} for name in (*INPUT_NAMES, "hidden")}

    def build(tmp: Path) -> None:
        raw = tmp.with_name("raw.onnx")
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(model),
                (dummy, dummy, torch.zeros_like(dummy)),
                str(raw),
                dynamo=False,
                input_names=list(INPUT_NAMES),
                output_names=["hidden"],
                dynamic_axes=dynamic,
                opset_version=OPSET,
            )
        try:
            from onnxruntime.transformers.optimizer import optimize_model

            optimised = optimize_model(
                str(raw),
                model_type="bert",
                num_heads=int(config.get("num_attention_heads", 0)),
                hidden_size=int(config.get("hidden_size", 0)),
                opt_level=1,
            )
            logger.info("fused operators: %s", optimised.get_fused_operator_statistics())
            optimised.save_model_to_file(str(tmp))
        except Exception:  # noqa: BLE001 - an unfused model still runs, only slower
            logger.warning("ONNX fusion failed; using the plain export", exc_info=True)
            os.replace(raw, tmp)

    with replacing(dest) as tmp:
        build(tmp)


def quantise_int8(source: Path, dest: Path, isa: str) -> None:
    """Dynamic int8 quantisation of `source` for the instruction set `isa`."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    weight_type, reduce_range = QUANTISATION[isa]
    with replacing(dest) as tmp:
        quantize_dynamic(
            str(source),
            str(tmp),
            per_channel=True,
            reduce_range=reduce_range,
            weight_type=getattr(QuantType, weight_type),
            extra_options={
                "WeightSymmetric": True,
                "ActivationSymmetric": False,
                # The fused ops are in the com.microsoft domain, where shape inference stops.
                "DefaultTensorType": onnx.TensorProto.FLOAT,
            },
        )


def session_threads() -> int:
    """Intra-op threads: the cores this process may use (2 here), at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def load_session(path: Path) -> Any:
    """An ONNX Runtime session for the model at `path`, on this process's cores.

    Its worker threads do not spin after a run. Spinning (ONNX Runtime's default) keeps them
    ready for the next run, about 10% more throughput on a stream of batches, but at question
    time the embedder's and the answer reader's idle threads took the cores from the work in
    between: without it, warm BBC answers p50 40 -> 21 ms, p95 59 -> 29 ms.
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.intra_op_num_threads = session_threads()
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # The memory arena is ONNX Runtime's default; turning it off cost 50% of throughput
    # here. It keeps the largest batch's buffers, small at the default batch of 16 texts.
    opts.log_severity_level = 3
    logger.info("loading ONNX model %s", path)
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mean of each text's token vectors (batch, sequence, hidden), padding left out."""
    weights = mask.astype(np.float32)
    summed = np.einsum("bsh,bs->bh", hidden, weights)
    return summed / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)


class OnnxEmbedder(Embedder):
    """Mean-pooled, normalised MiniLM vectors from ONNX Runtime (fp32, or int8 if `quantize`)."""

    def __init__(
        self,
        model_name: str,
        batch_size: int = 16,
        *,
        cache_dir: Path,
        quantize: bool = False,
        isa: str | None = None,
    ) -> None:
        super().__init__(model_name, batch_size)
        self.quantize = quantize
        self.isa = isa or cpu_instruction_set()
        if self.isa not in QUANTISATION:
            raise ValueError(f"unknown instruction set {self.isa!r}")
        self.cache_dir = Path(cache_dir) / "onnx" / self.model_id
        self._session: Any = None

    @property
    def backend(self) -> str:  # type: ignore[override]
        return "onnx-int8" if self.quantize else "onnx"

    def release(self) -> None:
        with self._lock:
            self._session = None

    @cached_property
    def model_path(self) -> Path:
        """The ONNX file this embedder runs, exported (and quantised) now if not yet cached."""
        from filelock import FileLock

        fingerprint = _source_fingerprint(self.model_dir)
        fp32 = self.cache_dir / f"model.fp32.{fingerprint}.onnx"
        int8 = self.cache_dir / f"model.int8-{self.isa}.{fingerprint}.onnx"
        want = int8 if self.quantize else fp32
        if want.exists():
            return want
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.cache_dir / "export.lock"), timeout=600):
            if not fp32.exists():
                logger.info("exporting %s to ONNX at %s (once)", self.model_dir, fp32)
                export_fp32(self.model_dir, fp32)
            if self.quantize and not int8.exists():
                logger.info("quantising to int8 for %s at %s (once)", self.isa, int8)
                quantise_int8(fp32, int8, self.isa)
        return want

    @cached_property
    def _encoder(self) -> Tokenizer:
        """The model tokenizer, truncating to the model window and padding to the batch."""
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_tokens)
        pad_id = tok.token_to_id("[PAD]")
        tok.enable_padding(pad_id=pad_id or 0, pad_token="[PAD]" if pad_id is not None else "")
        return tok

    def _load(self) -> Any:
        session = load_session(self.model_path)
        self._inputs = {i.name for i in session.get_inputs()}
        return session

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._session is None:
            self._session = self._load()
        encodings = self._encoder.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return mean_pool(self._session.run(None, feed)[0], mask)
