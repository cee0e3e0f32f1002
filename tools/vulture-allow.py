# ruff: noqa  (a vulture whitelist: bare names on purpose)
"""Names vulture reports as unused that are used from outside our code (vulture reads this)."""

from assistant.ask.safety.redflags import RedFlags
from assistant.embed import SentenceEmbeddings
from assistant.settings import Settings
import onnxruntime

Settings.model_config  # read by pydantic-settings
SentenceEmbeddings.embed_documents  # LangChain's Embeddings interface (LangChain stores call it)
SentenceEmbeddings.embed_query  # likewise
RedFlags.explain  # the rules' debugging view, for tests and for tuning the rules
console_off  # noqa: F821  a FastAPI route, called by the framework
rest  # noqa: F821  that route's path parameter
onnxruntime.SessionOptions.log_severity_level  # read by ONNX Runtime
onnxruntime.SessionOptions.intra_op_num_threads  # likewise
healthz  # noqa: F821  a FastAPI route
forward  # noqa: F821  torch.nn.Module.forward, called by torch when exporting the model
do_GET  # noqa: F821  http.server's handler method (the benchmark's loopback site)
log_message  # noqa: F821  likewise
daemon_threads  # noqa: F821  read by socketserver
generation_s  # noqa: F821  GenerationStats' field, read through asdict() in eval/metrics
