"""The public app against abuse: staff sign-in throttled per address (never the account locked),
security headers and cookies, a per-address question limit, and the health endpoint."""

import json
import urllib.error
import urllib.parse
import urllib.request

import gradio as gr
import pytest
from pydantic import SecretStr

from assistant.texts import disclaimer_for
from assistant.web.throttle import REFUSE_AFTER, LoginThrottle, QuestionLimiter, client_address
from tests.helpers import running_app


def test_the_client_address_comes_from_the_trusted_proxy_only():
    assert client_address("10.0.0.7", None, None) == "10.0.0.7"
    # a client cannot claim another address unless the proxy it came through is trusted
    assert client_address("10.0.0.7", "1.2.3.4", None) == "10.0.0.7"
    assert client_address("10.0.0.7", "1.2.3.4", "10.0.0.1") == "10.0.0.7"
    # behind the trusted proxy: the address the proxy appended last, not what the client sent
    assert client_address("10.0.0.1", "6.6.6.6, 203.0.113.9", "10.0.0.1") == "203.0.113.9"
    assert client_address(None, None, None) == "unknown"


def test_failed_sign_ins_wait_longer_each_time_then_are_refused_per_address():
    throttle = LoginThrottle()
    delays = []
    for _ in range(REFUSE_AFTER):
        assert throttle.retry_after_s("a") is None
        delays.append(throttle.delay_s("a"))
        throttle.failed("a")
    growing = delays[1:]
    assert delays[0] == 0 and all(b > a for a, b in zip(growing, growing[1:], strict=False))
    assert throttle.retry_after_s("a") > 0  # refused now...
    assert throttle.retry_after_s("b") is None  # ...but another address is not
    throttle.succeeded("b")
    assert throttle.retry_after_s("a") > 0


def test_the_question_limit_counts_per_address_and_zero_turns_it_off():
    limiter = QuestionLimiter(2)
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")
    off = QuestionLimiter(0)
    assert all(off.allow("a") for _ in range(100))


@pytest.fixture
def staff_site(kb_settings, kb_assistant):
    settings = kb_settings.model_copy(
        update={
            "admin_password": SecretStr("s3cret"),
            "trusted_proxy": "127.0.0.1",
            "frame_ancestors": "https://www.clinic.example",
            "rate_limit_per_minute": 3,
        }
    )
    with running_app(kb_assistant, settings) as url:
        yield url, settings


def sign_in(url: str, password: str, address: str):
    data = urllib.parse.urlencode({"username": "admin", "password": password}).encode()
    request = urllib.request.Request(url + "admin/login", data=data, method="POST")
    request.add_header("X-Forwarded-For", address)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.headers.get_all("set-cookie")
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read() or b"{}")


def test_a_guesser_is_slowed_then_refused_and_the_staff_can_still_sign_in(staff_site, caplog):
    url, _ = staff_site
    codes = [sign_in(url, f"guess{n}", "198.51.100.7")[0] for n in range(REFUSE_AFTER)]
    assert codes == [400] * REFUSE_AFTER
    status, headers, body = sign_in(url, "s3cret", "198.51.100.7")  # even the right password
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in body["detail"] and "not locked" in body["detail"]
    assert "198.51.100.7" in caplog.text
    # the account is not locked: the staff, from their own address, sign in at once
    status, _, cookies = sign_in(url, "s3cret", "192.0.2.10")
    assert status == 200 and cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie, cookie


def test_security_headers_the_console_is_never_framed_the_page_only_by_the_clinic(staff_site):
    url, _ = staff_site
    with urllib.request.urlopen(url, timeout=30) as response:
        csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.clinic.example" in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "http:" not in csp.replace("https://www.clinic.example", "")  # no other origin
    with urllib.request.urlopen(url + "admin/", timeout=30) as response:
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_console_api_refuses_a_client_without_a_session(staff_site):
    from gradio_client import Client

    url, _ = staff_site
    with pytest.raises(Exception):  # noqa: B017  gradio_client raises its own kinds
        Client(url + "admin/", verbose=False)


def test_over_the_question_limit_a_visitor_gets_the_polite_decline(staff_site):
    from gradio_client import Client

    url, settings = staff_site
    office = Client(url, verbose=False, headers={"X-Forwarded-For": "203.0.113.50"})
    replies = [office.predict("how long does whiplash last?", api_name="/chat") for _ in range(4)]
    assert all(disclaimer_for("answer", settings) in r for r in replies[:3])
    assert "too many questions at once" in replies[3]
    assert disclaimer_for("decline", settings) in replies[3]
    # another address behind the same proxy is not limited by the first one's questions
    other = Client(url, verbose=False, headers={"X-Forwarded-For": "203.0.113.51"})
    assert disclaimer_for("answer", settings) in other.predict(
        "what is whiplash?", api_name="/chat"
    )


def test_the_health_endpoint_reports_the_store_and_the_index_generation(staff_site):
    url, _ = staff_site
    with urllib.request.urlopen(url + "healthz", timeout=30) as response:
        health = json.loads(response.read())
    assert health["status"] == "ok" and health["store"] == "reachable"
    assert health["articles"] > 0 and isinstance(health["generation"], int)


def test_staff_actions_and_sign_ins_are_in_the_audit_log(staff_site):
    from assistant.web.audit import AuditLog

    url, settings = staff_site
    sign_in(url, "wrong", "198.51.100.99")
    sign_in(url, "s3cret", "198.51.100.98")
    entries = AuditLog(settings.data_dir).recent()
    assert ("198.51.100.99", "sign-in failed") in {(e.who, e.action) for e in entries}
    assert ("198.51.100.98", "sign-in") in {(e.who, e.action) for e in entries}


def test_an_emergency_is_kept_masked_for_clinical_review(staff_site, kb_assistant):
    from gradio_client import Client

    from assistant.web.console import Console
    from assistant.web.feedback import FeedbackLog

    url, settings = staff_site
    message = (
        "worst headache of my life came on suddenly 10 minutes ago and I'm vomiting, "
        "call me on 0412 345 678 or jo@example.com"
    )
    client = Client(url, verbose=False, headers={"X-Forwarded-For": "203.0.113.77"})
    assert "emergency" in client.predict(message, api_name="/chat").lower()
    console = Console(kb_assistant, settings, FeedbackLog(settings.data_dir))
    [(when, kept, fired)] = [row for row in console.emergency_rows() if "vomiting" in row[1]][:1]
    assert "[phone]" in kept and "[email]" in kept and "0412" not in kept and "jo@" not in kept
    assert fired  # the rule or the net that recognised it
    assert all("vomiting" not in row[2] for row in console.feedback_rows())  # not mixed in


def test_visitors_records_are_deleted_after_the_retention_period(tmp_path):
    from datetime import UTC, datetime, timedelta

    from assistant.web.feedback import FeedbackLog

    log = FeedbackLog(tmp_path, retention_days=30)
    log.record("no_sources", "first question")
    log.record("thumbs_down", "second question", "a reply")
    assert log.purge(datetime.now(UTC) + timedelta(days=29)) == 0
    assert log.purge(datetime.now(UTC) + timedelta(days=31)) == 2
    assert log.recent() == []
    keep = FeedbackLog(tmp_path / "keep", retention_days=0)
    keep.record("no_sources", "kept")
    assert keep.purge(datetime.now(UTC) + timedelta(days=10_000)) == 0


def test_the_page_says_what_is_stored_and_for_how_long(staff_site):
    url, settings = staff_site
    with urllib.request.urlopen(url + "config", timeout=30) as response:
        config = response.read().decode()
    assert "Privacy" in config and f"for {settings.retention_days} days" in config


def test_gradio_does_not_recompute_its_monitoring_table_after_each_reply(kb_assistant, kb_settings):
    """Gradio's queue rebuilds a pandas summary of up to 10,000 past events after each event
    (5.4 ms a reply at 10,000); the app's queues are made so that it stays cached."""
    from assistant.web.server import create_app

    create_app(kb_assistant, kb_settings)
    with gr.Blocks() as blocks:
        gr.Markdown("a queue made as the app's are, after create_app")
    blocks.queue()
    assert blocks._queue.ANAYLTICS_CACHE_FREQUENCY >= 1_000_000
    assert blocks._queue.ANALYTICS_MAX_EVENTS <= 1000


def test_the_web_app_runs_each_model_call_on_one_thread_of_its_fastest_runtime(
    embeddings, tmp_path, monkeypatch
):
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from assistant.embed import load_embeddings
    from assistant.settings import Settings, computes_bfloat16, serving

    assert serving(Settings()).embedding_threads == 1
    assert serving(Settings(embedding_threads=2)).embedding_threads == 2  # the clinic's choice
    assert Settings().embedding_threads is None  # ingest and the CLI: every core
    # Where OpenVINO computes fp32 (no bfloat16), ONNX Runtime serves a message's short texts
    # faster; ingest and an explicit setting keep their runtime.
    assert Settings().embedding_runtime == "openvino"
    assert serving(Settings(embedding_runtime="torch")).embedding_runtime == "torch"
    avx2 = tmp_path / "avx2"
    avx2.write_text("flags\t\t: fpu sse sse2 avx avx2 fma avx512f\n")
    bf16 = tmp_path / "bf16"
    bf16.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16\n")
    assert not computes_bfloat16(avx2) and computes_bfloat16(bf16)
    expected = "openvino" if computes_bfloat16() else "onnx-fp32"
    assert serving(Settings()).embedding_runtime == expected
    with monkeypatch.context() as patch:
        patch.setattr("assistant.settings.computes_bfloat16", lambda: False)
        served = serving(Settings())
    assert served.embedding_runtime == "onnx-fp32"
    one_thread = load_embeddings(runtime=served.embedding_runtime, threads=1)
    assert type(one_thread).__name__ == "OnnxEmbeddings"
    assert one_thread.session.get_session_options().intra_op_num_threads == 1
    assert one_thread is not embeddings
    texts = ["a stiff neck and a headache at the back of the head", "whiplash recovery"]
    one_thread.forget()
    embeddings.forget()
    cosine = (np.asarray(one_thread.encode(texts)) * np.asarray(embeddings.encode(texts))).sum(1)
    assert cosine.min() > 0.9999
    # One session serves every visitor at once: each gets the vectors of their own words.
    questions = [f"question {i} about whiplash and {i % 7} kinds of headache" for i in range(24)]
    with ThreadPoolExecutor(6) as pool:
        at_once = list(pool.map(lambda q: one_thread.encode([q])[0], questions))
    one_thread.forget()
    alone = one_thread.encode(questions)
    assert np.all((np.array(at_once) * alone).sum(axis=1) > 0.99999)
