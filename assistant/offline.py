"""Process setup before the heavy imports: nothing phones home, and numpy's BLAS runs on one
thread. The entry points call go_offline() first."""

import os
import sys

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma
    "CHROMA_TELEMETRY_IMPL": "none",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
    # Our numpy products are small; OpenBLAS's idle threads spin after each one and slowed the
    # next torch call 2.5x (ask at 2.4k chunks: 37 ms -> 15 ms with one thread).
    "OPENBLAS_NUM_THREADS": "1",
}


def go_offline() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    block_openvino_telemetry()


def block_openvino_telemetry() -> None:
    """`import openvino` sends an "import" event to Google Analytics unless a consent file in
    the home folder says no, and OpenVINO's converter tools send more. With its telemetry
    package unimportable, OpenVINO falls back to its own stub that sends nothing."""
    sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[assignment]
    sys.modules.setdefault("openvino_telemetry.backend", None)  # type: ignore[assignment]
