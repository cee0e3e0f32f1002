"""Paths, sample texts and small helpers the tests share (fixtures live in conftest.py)."""

import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "knowledge" / "articles"
EVALSETS = REPO / "knowledge" / "evalsets"
SHARED = REPO.parent / "shared"
CLINIC_ARTICLE = SHARED / "clinic" / "spinal-issues-and-headache-relief.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# An article none of the shipped ones resembles: tests add it and expect it cited.
SAUNA = (
    "---\ntitle: Saunas and neck tension\ntags: [sauna, heat]\n---\n"
    "## Can a sauna help neck tension?\n"
    "A warm sauna session can relax tight neck and shoulder muscles, which may ease "
    "tension-type headaches for a while. Drink water and leave the sauna if you feel "
    "dizzy or unwell.\n"
)


def make_settings(data_dir: Path, **overrides):
    from assistant.settings import Settings

    return Settings(**{"data_dir": data_dir, "articles_dir": ARTICLES, **overrides})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(assistant, settings, timeout: float = 60) -> Iterator[str]:
    """create_app served by uvicorn in a thread on 127.0.0.1; yields its base URL."""
    import uvicorn

    from assistant.web.server import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(assistant, settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        root_path=settings.root_path.rstrip("/"),
        timeout_graceful_shutdown=1,  # clients' open event streams must not hold teardown
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while True:  # poll until it answers HTTP
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"the app did not start on {url}")
        time.sleep(0.1)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def start_chroma(path: Path, port: int, timeout: float = 60):
    """A real `chroma run` on 127.0.0.1:port storing in path, once its heartbeat answers (the
    benchmark's own starter)."""
    from assistant.eval.scale import chroma_server

    return chroma_server(path, port, timeout)
