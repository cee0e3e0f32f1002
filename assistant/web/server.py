"""The web app: the visitor chat at "/" and, with a password set, the staff console at "/admin".

One FastAPI app holds two separate Gradio Blocks, so the visitor app's API has no staff action:
the console's events live in another Blocks, behind its own login.
"""

import asyncio
import logging
import os
import sys

import gradio as gr
from fastapi import FastAPI
from fastapi.datastructures import Headers
from fastapi.responses import HTMLResponse, JSONResponse

from ..settings import Settings
from .audit import AuditLog
from .console import build_admin_app
from .feedback import FeedbackLog, mask
from .static import console_off_page, page_css, static_text
from .throttle import LoginThrottle, QuestionLimiter, client_address
from .visitor import build_visitor_app

log = logging.getLogger(__name__)

# System fonts only: the default theme would fetch fonts from a third-party CDN.
THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)


# Gradio recomputes its monitoring summary (a pandas table of up to 10,000 past events) after
# every event: 5.4 ms of CPU per reply once 10,000 questions have been asked, more than the
# answer itself. The app serves no Gradio monitoring page, so it is left to go stale.
QUEUE_ENV = {
    "GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000000000",
    "GRADIO_ANALYTICS_MAX_EVENTS": "1000",
}


def create_app(assistant, settings: Settings) -> FastAPI:
    """Visitor chat at "/", staff console at "/admin" (or a page saying it is off)."""
    for key, value in QUEUE_ENV.items():
        os.environ.setdefault(key, value)  # read when each Blocks' queue is made, below
    app = FastAPI(title=settings.clinic_name, docs_url=None, redoc_url=None, openapi_url=None)
    feedback = FeedbackLog(settings.data_dir, settings.retention_days)
    audit = AuditLog(settings.data_dir)
    root = settings.root_path.rstrip("/")
    password = settings.admin_password.get_secret_value() if settings.admin_password else ""
    add_protections(app, settings, LoginThrottle(), audit)
    add_health(app, assistant)

    if password:
        staff = build_admin_app(assistant, settings, feedback, audit)
        gr.mount_gradio_app(
            app,
            staff.queue(default_concurrency_limit=1),
            path="/admin",
            auth=(settings.admin_user, password),
            auth_message=f"{settings.clinic_name} staff console",
            root_path=f"{root}/admin" if root else None,
            max_file_size=f"{settings.max_upload_mb}mb",
            footer_links=[],
            show_error=True,
            css=page_css("1200px"),
            theme=THEME,
            ssr_mode=False,
        )
    else:

        @app.get("/admin", response_class=HTMLResponse)
        @app.get("/admin/", response_class=HTMLResponse)
        @app.get("/admin/{rest:path}", response_class=HTMLResponse)
        def console_off(rest: str = "") -> HTMLResponse:
            return HTMLResponse(console_off_page(settings.clinic_name), status_code=403)

    visitor = build_visitor_app(
        assistant, settings, feedback, QuestionLimiter(settings.rate_limit_per_minute)
    )
    gr.mount_gradio_app(
        app,
        visitor.queue(default_concurrency_limit=4),
        path="/",
        root_path=root or None,
        max_file_size="1mb",
        footer_links=[],
        show_error=False,
        css=page_css(),
        theme=THEME,
        head=static_text("head.html"),
        ssr_mode=False,
    )
    return app


# As strict as Gradio allows, and nothing from any other origin. Its page needs inline script
# (the per-request config, so no fixed hash; Gradio takes no nonce) and eval: without
# 'unsafe-eval' the chat never loads (tried in the browser tests).
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
)


def add_protections(
    app: FastAPI, settings: Settings, throttle: LoginThrottle, audit: AuditLog
) -> None:
    """Security headers on every response; failed staff sign-ins slowed, then refused."""
    app.add_middleware(Protections, settings=settings, throttle=throttle, audit=audit)


class Protections:
    """Plain ASGI middleware (Starlette's BaseHTTPMiddleware re-wraps every streamed reply,
    which costs each visitor's event stream): it edits the response's first message only."""

    def __init__(self, app, settings: Settings, throttle: LoginThrottle, audit: AuditLog):
        self.app = app
        self.settings = settings
        self.throttle = throttle
        self.audit = audit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        staff = "/admin" in path
        address = client_address(
            scope["client"][0] if scope.get("client") else None,
            Headers(scope=scope).get("x-forwarded-for"),
            self.settings.trusted_proxy,
        )
        signing_in = staff and scope["method"] == "POST" and path.rstrip("/").endswith("/login")
        if signing_in:
            wait = self.throttle.retry_after_s(address)
            if wait is not None:
                log.warning("staff sign-in refused for %s: too many failures", address)
                self.audit.record(address, "sign-in refused", "too many failed sign-ins (HTTP 429)")
                refused = JSONResponse(
                    {
                        "detail": "Too many failed sign-ins from your address. Wait "
                        f"{wait // 60 + 1} minutes and try again (the account is not locked)."
                    },
                    status_code=429,
                    headers={"Retry-After": str(wait)},
                )
                return await refused(scope, receive, self._with_headers(send, staff))
            await asyncio.sleep(self.throttle.delay_s(address))

        async def send_start(message):
            if signing_in and message["type"] == "http.response.start":
                message = self._signed_in(message, address)
            await send(message)

        await self.app(scope, receive, self._with_headers(send_start, staff))

    def _with_headers(self, send, staff: bool):
        ancestors = "'none'" if staff else self.settings.frame_ancestors
        added = [
            (b"content-security-policy", CSP.format(ancestors=ancestors).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]
        if staff:
            added.append((b"x-frame-options", b"DENY"))
        names = {name for name, _ in added}

        async def sending(message):
            if message["type"] == "http.response.start":
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                message = {**message, "headers": kept + added}
            await send(message)

        return sending

    def _signed_in(self, message: dict, address: str) -> dict:
        if message["status"] == 200:
            self.throttle.succeeded(address)
            self.audit.record(address, "sign-in", f"user {self.settings.admin_user}")
            return {**message, "headers": strict_cookies(message.get("headers", []))}
        self.throttle.failed(address)
        self.audit.record(address, "sign-in failed", f"HTTP {message['status']}")
        return message


def strict_cookies(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The staff session cookies: HttpOnly (Gradio sets it) and SameSite=Strict, so no other
    site's page can send them."""
    out = []
    for name, value in headers:
        if name.lower() == b"set-cookie":
            parts = [p for p in value.split(b";") if not p.strip().lower().startswith(b"samesite")]
            value = b";".join(parts) + b"; SameSite=strict"
        out.append((name, value))
    return out


def add_health(app: FastAPI, assistant) -> None:
    """/healthz for the clinic's monitor: 200 with the index generation, 503 when the store
    cannot be reached."""

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            assistant.store.info()  # a real read: the embedded files or the Chroma server
            generation = assistant.store.generation()
            articles = len(assistant.retriever.records)
        except Exception:  # chromadb raises many types; each means the store is not there
            log.exception("health check: the store is not reachable")
            return JSONResponse({"status": "unavailable", "store": "unreachable"}, 503)
        return JSONResponse(
            {"status": "ok", "store": "reachable", "generation": generation, "articles": articles}
        )


# Imported by nothing the web app serves, only by reports and evaluation: Gradio imports
# matplotlib if it can, around every event, and the first import (with pyplot, to resolve its
# backend) cost 0.8 s of CPU while the first visitors waited, and its memory for good.
NOT_IN_THE_WEB_PROCESS = ("matplotlib",)


def keep_out_of_process(names: tuple[str, ...] = NOT_IN_THE_WEB_PROCESS) -> None:
    """`import name` fails at once in this process (Gradio then skips what needs it)."""
    for name in names:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # as offline.py does


def serve(assistant, settings: Settings) -> None:
    import uvicorn

    keep_out_of_process()
    assistant.warm_up()
    mask("call +1 555 0100")  # loads the phone-number tables now, not on a visitor's message
    uvicorn.run(
        create_app(assistant, settings),
        host=settings.host,
        port=settings.port,
        root_path=settings.root_path.rstrip("/"),
        proxy_headers=True,
        log_level="info",
        # No line per request: it would keep every visitor's address outside the retention
        # rules (ASSISTANT_RETENTION_DAYS), and under load it is work on the event loop.
        access_log=False,
    )
