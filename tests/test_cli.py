"""The command-line contracts of DESIGN.md, run as separate processes like other tools do."""

import json
import subprocess
import sys

from assistant.ingest.index import ingest_lock
from tests.helpers import ARTICLES, REPO

# Records every outgoing connection; anything but loopback fails the run.
NO_NETWORK = """
import socket, sys
real_connect = socket.socket.connect
def guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (host.startswith("127.") or host in ("::1", "localhost")) \\
            and self.family in (socket.AF_INET, socket.AF_INET6):
        print(f"NETWORK ATTEMPT: {address}", file=sys.stderr)
        raise OSError("network disabled in this test")
    return real_connect(self, address)
socket.socket.connect = guarded_connect
real_getaddrinfo = socket.getaddrinfo
def guarded_getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost", "127.0.0.1", "::1"):
        print(f"NETWORK ATTEMPT: resolve {host}", file=sys.stderr)
        raise OSError("network disabled in this test")
    return real_getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = guarded_getaddrinfo
from assistant.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run(args, data_dir, timeout=300):
    env = {"ASSISTANT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, "-c", NO_NETWORK, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_ingest_and_ask_contracts_without_network(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("cervicogenic-headache.md", "whiplash.md"):
        (folder / name).write_text((ARTICLES / name).read_text())
    (folder / "broken.md").write_bytes(b"\x00\x01\x02")
    data = tmp_path / "data"

    ingest = run(["ingest", str(folder), "--json"], data)
    assert "NETWORK ATTEMPT" not in ingest.stderr
    assert ingest.returncode == 1, ingest.stderr  # one file failed, the others went in
    summary = json.loads(ingest.stdout)  # stdout holds exactly the JSON
    assert set(summary) == {"added", "updated", "unchanged", "removed", "chunks", "failed"}
    assert summary["added"] == 2 and summary["chunks"] > 5
    assert summary["failed"][0]["source"] == "broken.md" and summary["failed"][0]["reason"]

    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {"role": "user", "content": "I was rear-ended last month."},
                {"role": "assistant", "content": "I'm sorry to hear that."},
            ]
        )
    )
    ask = run(
        ["ask", "Can problems in my neck cause headaches?", "--history", str(history), "--json"],
        data,
    )
    assert "NETWORK ATTEMPT" not in ask.stderr
    assert ask.returncode == 0, ask.stderr
    reply = json.loads(ask.stdout)
    assert set(reply) == {"kind", "reason", "text", "citations", "disclaimer", "sources"}
    assert reply["kind"] == "answer" and reply["reason"] is None
    assert reply["sources"][0] in {"cervicogenic-headache.md", "whiplash.md"}
    citation = reply["citations"][0]
    assert set(citation) == {"n", "title", "source", "url", "snippet"}
    assert f"[{citation['n']}]" in reply["text"] and reply["disclaimer"] not in reply["text"]


def test_ingest_waits_for_no_one_when_locked(tmp_path):
    data = tmp_path / "data"
    with ingest_lock(data):
        done = run(["ingest", str(ARTICLES / "whiplash.md"), "--json"], data)
    assert done.returncode == 2
    assert "another ingest" in done.stderr and done.stdout == ""
