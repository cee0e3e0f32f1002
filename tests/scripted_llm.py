"""An OpenAI-compatible chat server that streams a scripted answer over real HTTP (SSE).

It stands in for vLLM or llama.cpp's server where a test is about what the assistant does with
the words, not about a model: the answer is whatever `script(request_body)` returns. It records
every request body, and can drop the connection after `stop_after` pieces (a server that dies
mid-answer).
"""

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedServer:
    def __init__(self, script: Callable[[dict], str], stop_after: int | None = None):
        self.script = script
        self.stop_after = stop_after
        self.requests: list[dict] = []


def _pieces(text: str) -> list[str]:
    """The answer in word-sized pieces, as a server streams tokens."""
    out, word = [], ""
    for ch in text:
        word += ch
        if ch == " ":
            out.append(word)
            word = ""
    return out + ([word] if word else [])


def _handler(scripted: ScriptedServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            self._json({"object": "list", "data": [{"id": "scripted", "object": "model"}]})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            scripted.requests.append(body)
            text = scripted.script(body)
            if not body.get("stream"):
                self._json(
                    {
                        "id": "c1",
                        "object": "chat.completion",
                        "model": "scripted",
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": text},
                                "finish_reason": "stop",
                            }
                        ],
                    }
                )
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for n, piece in enumerate(_pieces(text)):
                if scripted.stop_after is not None and n == scripted.stop_after:
                    self.wfile.flush()
                    self.connection.close()  # the server dies mid-answer
                    return
                self._event({"content": piece}, None)
            self._event({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")

        def _event(self, delta: dict, finish):
            chunk = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "model": "scripted",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        def _json(self, payload: dict):
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextlib.contextmanager
def scripted_server(
    script: Callable[[dict], str], stop_after: int | None = None
) -> Iterator[tuple[str, ScriptedServer]]:
    """The server on a free loopback port; yields its /v1 base URL and its record."""
    scripted = ScriptedServer(script, stop_after)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(scripted))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", scripted
    finally:
        server.shutdown()
        server.server_close()
