"""Simultaneous visitors through gradio_client against a served app, each from its own address
(sent as X-Forwarded-For: the app must trust 127.0.0.1 as its proxy): replies, errors, polite
declines, throughput, and what a visitor waits for a reply."""

import contextlib
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_load(url: str, questions: list[str], visitors: int = 50, each: int = 4) -> dict:
    from gradio_client import Client

    waits: list[float] = []
    errors: list[str] = []
    replies: list[str] = []
    lock = threading.Lock()
    began: list[float] = []  # the clock starts when every visitor has connected and asks
    start_line = threading.Barrier(visitors, action=lambda: began.append(time.perf_counter()))

    def visitor(n: int) -> None:
        address = f"198.18.{n // 250}.{n % 250 + 1}"
        try:
            client = Client(url, verbose=False, headers={"X-Forwarded-For": address})
        except Exception as err:  # one visitor's failure is a figure, not the end of the run
            with lock:
                errors.append(f"connect: {err}")
            start_line.abort()
            return
        with contextlib.suppress(threading.BrokenBarrierError):
            start_line.wait(timeout=120)  # all visitors ask at once
        for i in range(each):
            question = questions[(n * each + i) % len(questions)]
            started = time.perf_counter()
            try:
                reply = client.predict(question, api_name="/chat")
            except Exception as err:
                with lock:
                    errors.append(f"{type(err).__name__}: {err}")
                continue
            with lock:
                waits.append(time.perf_counter() - started)
                replies.append(reply)

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(visitors)]
    connecting = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Throughput counts from the moment all visitors ask, not while their clients connect
    # (each fetches the page's config first); if the start line broke, from the first thread.
    elapsed = time.perf_counter() - (began[0] if began else connecting)
    waits.sort()
    pick = lambda q: round(waits[min(len(waits) - 1, int(q * len(waits)))], 2) if waits else None  # noqa: E731
    return {
        "visitors": visitors,
        "questions": visitors * each,
        "replies": len(replies),
        "errors": len(errors),
        "error_examples": errors[:3],
        "polite_declines": sum("too many questions at once" in r for r in replies),
        "replies_per_s": round(len(replies) / elapsed, 2),
        "wait_p50_s": pick(0.5),
        "wait_p95_s": pick(0.95),
        "replies_text": replies,
    }


# The load benchmark's reference: the LangChain tutorial's pipeline (Chroma similarity search,
# k=5, the same model and store) behind a plain Gradio ChatInterface with Gradio's defaults.
PLAIN_APP = """
import sys
from assistant.offline import go_offline
go_offline()
import gradio as gr
from fastapi import FastAPI
from langchain_chroma import Chroma
import uvicorn
from assistant.embed import embeddings_for
from assistant.settings import Settings
from assistant.store import open_store
settings = Settings()
store = open_store(settings)
vectors = Chroma(client=store.client, collection_name="chunks",
                 embedding_function=embeddings_for(settings))
def chat(message, history):
    docs = vectors.similarity_search(message, k=5)
    return "\\n\\n".join(d.page_content for d in docs)
app = FastAPI()
@app.get("/healthz")
def healthz():
    return {"ok": True}
demo = gr.ChatInterface(chat, api_name="chat")
app = gr.mount_gradio_app(app, demo, path="/")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def serve_app(
    data_dir: Path,
    port: int,
    extra_env: dict | None = None,
    timeout: float = 180,
    plain: bool = False,
):
    """`python app.py` (or, `plain`, the reference pipeline) in its own process on
    127.0.0.1:port, once it answers; the caller stops it (stop_app)."""
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_PORT": str(port),
        "ASSISTANT_TRUSTED_PROXY": "127.0.0.1",
        **(extra_env or {}),
    }
    command = ["-c", PLAIN_APP, str(port)] if plain else [str(REPO / "app.py")]
    process = subprocess.Popen(
        [sys.executable, *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the app did not start on {url}")
        time.sleep(0.2)


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # open event streams can hold uvicorn's shutdown
        process.kill()
        process.wait(timeout=10)
