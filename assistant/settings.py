"""All settings, read once at an entry point from ASSISTANT_* environment variables."""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    # Where things live
    data_dir: Path = Path("data")
    articles_dir: Path = Path("knowledge/articles")
    chroma_host: str | None = None  # set to use a Chroma server instead of the embedded store
    chroma_port: int = 8000

    # Web
    host: str = "127.0.0.1"
    port: int = 7860
    root_path: str = ""
    admin_user: str = "admin"
    admin_password: SecretStr | None = None  # the staff console is off without one
    max_upload_mb: int = 10
    # Questions per minute from one client address (an office behind one address shares it);
    # 0 turns the limit off. Behind a reverse proxy, set its address: the client's address is
    # then read from the X-Forwarded-For it sends.
    rate_limit_per_minute: int = 30
    trusted_proxy: str | None = None
    # Which sites may show the visitor page in a frame (CSP frame-ancestors), e.g.
    # "https://www.clinic.example"; the staff console can never be framed.
    frame_ancestors: str = "'self'"
    # Visitors' stored messages (unanswered questions, disliked replies, emergency replies for
    # clinical review, identifiers masked) are deleted after this many days; 0 keeps them.
    retention_days: int = 90

    # The clinic's website as a source of articles (ingest.py URL / --sitemap, and the console)
    # The console fetches only from these hosts (comma-separated; subdomains included), e.g.
    # "clinic.example,blog.clinic.example"; empty: the console cannot fetch pages.
    site_hosts: str = ""
    fetch_delay_s: float = 1.0  # between two requests to one host (or the site's Crawl-delay)
    fetch_timeout_s: float = 15.0  # a page that has not fully arrived by then fails
    fetch_max_mb: int = 5
    fetch_user_agent: str = (
        "ClinicAssistantBot/0.1 (the clinic's FAQ assistant reading its own articles)"
    )

    # The clinic (filled into the disclaimer, decline and emergency templates)
    clinic_name: str = "RegeneSpine"
    booking_url: str = "https://clinic.example/book-a-consultation"
    emergency_number: str = "911"

    # Embeddings and splitting (recorded in the index: changing them rebuilds it)
    embedding_model: str = ""  # empty: the bundled all-MiniLM-L6-v2
    # The bundled model's runtime: its fp32 ONNX export compiled by OpenVINO in bfloat16 (the
    # fastest; vectors at cosine 0.99997 to torch's), the same export on ONNX Runtime (the torch
    # vectors to 1e-7), sentence-transformers on torch, or the int8 ONNX twin (answers differ).
    # Unset, the web app picks by the CPU (serving_runtime, below).
    embedding_runtime: Literal["openvino", "onnx-fp32", "torch", "onnx"] = "openvino"
    # Threads per model call (not recorded in the index). Unset: every core, except
    # in the web app, which answers several visitors at once and uses one (two threads per
    # call cost 4.7 ms more CPU per question for 0.4 ms less wait; with four questions at a
    # time each cost 24 ms of CPU against 13 ms on one thread).
    embedding_threads: int | None = None
    chunk_tokens: int = 200  # body tokens per chunk; the title and section fill the rest of 256
    chunk_overlap_tokens: int = 40

    # Retrieval
    retrieve_passages: int = 8
    rrf_k: int = 60
    vector_weight: float = 1.0
    bm25_weight: float = 0.3  # against vector 1.0, on standardised article scores
    min_similarity: float = 0.30  # best passage's cosine below this: decline with no_sources

    # Answers
    answer_backend: Literal["extractive", "openai", "llamacpp"] = "extractive"
    answer_sentences: int = 5  # about 100 words: short, and enough to carry the key facts
    # "sentences": the best sentences of the best passages (the default); "focused": the
    # sentences a fitted score finds likely to belong (more focused and readable, shorter, fewer
    # key terms: see README's figures); "runs": consecutive sentences of one section, chosen by
    # the kind of answer asked
    answer_style: Literal["sentences", "runs", "focused"] = "sentences"
    llm_base_url: str = "http://127.0.0.1:8080/v1"
    llm_model: str = "local"
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_model_path: Path | None = None  # GGUF file for the llamacpp backend
    llm_chat_format: str | None = None  # llamacpp: e.g. "gemma" for a GGUF without a chat template
    llm_timeout_s: float = 60.0
    # A generated answer's prompt holds the newest this many earlier messages (visitor's and
    # assistant's, oldest first); retrieval still reads the standalone question.
    llm_history_turns: int = 6

    @property
    def site_host_list(self) -> list[str]:
        return [h.strip() for h in self.site_hosts.split(",") if h.strip()]

    @property
    def texts_dir(self) -> Path:
        """The clinic's own wording overrides the shipped templates from here."""
        return self.data_dir / "texts"


@cache
def computes_bfloat16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU has bfloat16 arithmetic (AVX-512 BF16 or AMX), which OpenVINO uses."""
    try:
        flags = cpuinfo.read_text(encoding="utf-8", errors="replace").split()
    except OSError:  # not Linux: OpenVINO, as before
        return True
    return "avx512_bf16" in flags or "amx_bf16" in flags


def serving_runtime() -> str:
    """The web app's runtime unless ASSISTANT_EMBEDDING_RUNTIME names one: its calls are a
    message's few short texts on one thread. Where the CPU computes bfloat16, OpenVINO does and
    is faster (a question 1.6 ms against ONNX Runtime's 2.2); elsewhere OpenVINO computes fp32
    and ONNX Runtime beat it (AVX2: 12 against 16 ms of CPU a question, 150 MB less RSS). The
    vectors are the same."""
    return "openvino" if computes_bfloat16() else "onnx-fp32"


def serving(settings: Settings) -> Settings:
    """The web app's settings: each model call on one thread unless ASSISTANT_EMBEDDING_THREADS
    says otherwise, as the server answers several visitors at once, on serving_runtime() unless
    the runtime is set."""
    update: dict = {}
    if settings.embedding_threads is None:
        update["embedding_threads"] = 1
    if "embedding_runtime" not in settings.model_fields_set:
        update["embedding_runtime"] = serving_runtime()
    return settings.model_copy(update=update)
