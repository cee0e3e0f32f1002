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


def test_the_app_process_makes_no_outbound_connection(tmp_path):
    """The served app, under the same guard: a visitor's questions, an emergency, a staff
    sign-in and the health check reach nothing beyond loopback."""
    import time
    import urllib.parse
    import urllib.request

    from gradio_client import Client

    from assistant.eval.load import stop_app
    from tests.helpers import free_port

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "whiplash.md").write_text((ARTICLES / "whiplash.md").read_text())
    data = tmp_path / "data"
    assert run(["ingest", str(folder)], data).returncode == 0
    port = free_port()
    script = NO_NETWORK.replace(
        "from assistant.cli import main\nsys.exit(main(sys.argv[1:]))",
        "import runpy\nrunpy.run_path('app.py', run_name='__main__')",
    )
    env = {
        "ASSISTANT_DATA_DIR": str(data),
        "ASSISTANT_PORT": str(port),
        "ASSISTANT_ADMIN_PASSWORD": "s3cret",
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
    }
    log = tmp_path / "app.log"
    with open(log, "w") as err:
        app = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=REPO, stderr=err)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "healthz", timeout=2):
                    break
            except OSError:
                assert app.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        visitor = Client(url, verbose=False)
        assert "[1]" in visitor.predict("How long does whiplash last?", api_name="/chat")
        assert "911" in Client(url, verbose=False).predict(
            "worst headache of my life just started and I'm vomiting", api_name="/chat"
        )
        form = urllib.parse.urlencode({"username": "admin", "password": "s3cret"}).encode()
        with urllib.request.urlopen(url + "admin/login", data=form, timeout=30) as response:
            assert response.status == 200
    finally:
        stop_app(app)
    assert "NETWORK ATTEMPT" not in log.read_text()


def test_ingest_py_takes_pages_and_sitemaps_and_sync_drops_pages_gone(tmp_path):
    from tests.ingest.site import Site, build_site, serve

    site = Site()
    server = serve(site)
    build_site(site, slow_s=3.0, huge_bytes=2 * 1024 * 1024)
    data = tmp_path / "data"
    env = {
        "ASSISTANT_DATA_DIR": str(data),
        "ASSISTANT_FETCH_DELAY_S": "0",
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
    }
    command = [sys.executable, "ingest.py", "--json"]
    try:
        pages = [site.base + "/blog/neck-headaches", site.base + "/blog/missing"]
        sitemap = ["--sitemap", site.base + "/sitemap-pages.xml.gz"]
        first = subprocess.run(
            command + pages + sitemap, env=env, cwd=REPO, capture_output=True, text=True
        )
        assert first.returncode == 1, first.stderr  # one page failed, the others went in
        summary = json.loads(first.stdout)
        assert summary["added"] == 3
        assert summary["failed"] == [
            {
                "source": site.base + "/blog/missing",
                "reason": "the page is gone (HTTP 404): check the address, or remove it from "
                "the site's sitemap",
            }
        ]

        site.sitemap("/sitemap-pages.xml.gz", ["/blog/jaw-clenching"], gz=True)
        again = subprocess.run(
            command + sitemap + ["--sync"], env=env, cwd=REPO, capture_output=True, text=True
        )
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout) | {"chunks": 0} == {
            "added": 0,
            "updated": 0,
            "unchanged": 1,
            "removed": 1,  # /posture left the sitemap
            "chunks": 0,
            "failed": [],
        }
    finally:
        server.shutdown()


def test_ask_before_any_ingest_declines_instead_of_failing(tmp_path, capsys, monkeypatch):
    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    code = main(["ask", "what helps a headache from the neck?", "--json"])
    reply = json.loads(capsys.readouterr().out)
    assert code == 0 and (reply["kind"], reply["reason"]) == ("decline", "no_sources")
