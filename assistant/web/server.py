"""The web app: the visitor chat at "/" and, with a password set, the staff console at "/admin".

One FastAPI app holds two separate Gradio Blocks, so the visitor app's API has no staff action:
the console's events live in another Blocks, behind its own login.
"""

import asyncio
import logging

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ..settings import Settings
from .audit import AuditLog
from .console import build_admin_app
from .feedback import FeedbackLog
from .static import console_off_page, page_css, static_text
from .throttle import LoginThrottle, QuestionLimiter, client_address
from .visitor import build_visitor_app

log = logging.getLogger(__name__)

# System fonts only: the default theme would fetch fonts from a third-party CDN.
THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)


def create_app(assistant, settings: Settings) -> FastAPI:
    """Visitor chat at "/", staff console at "/admin" (or a page saying it is off)."""
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

    @app.middleware("http")
    async def protect(request: Request, call_next):
        path = request.url.path
        staff = "/admin" in path
        address = client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            settings.trusted_proxy,
        )
        signing_in = staff and request.method == "POST" and path.rstrip("/").endswith("/login")
        if signing_in:
            wait = throttle.retry_after_s(address)
            if wait is not None:
                log.warning("staff sign-in refused for %s: too many failures", address)
                audit.record(address, "sign-in refused", "too many failed sign-ins (HTTP 429)")
                return JSONResponse(
                    {
                        "detail": "Too many failed sign-ins from your address. Wait "
                        f"{wait // 60 + 1} minutes and try again (the account is not locked)."
                    },
                    status_code=429,
                    headers={"Retry-After": str(wait)},
                )
            await asyncio.sleep(throttle.delay_s(address))
        response = await call_next(request)
        if signing_in:
            if response.status_code == 200:
                throttle.succeeded(address)
                strict_cookies(response)
                audit.record(address, "sign-in", f"user {settings.admin_user}")
            else:
                throttle.failed(address)
                audit.record(address, "sign-in failed", f"HTTP {response.status_code}")
        ancestors = "'none'" if staff else settings.frame_ancestors
        response.headers["Content-Security-Policy"] = CSP.format(ancestors=ancestors)
        if staff:
            response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response


def strict_cookies(response) -> None:
    """The staff session cookies: HttpOnly (Gradio sets it) and SameSite=Strict, so no other
    site's page can send them."""
    headers = []
    for name, value in response.raw_headers:
        if name.lower() == b"set-cookie":
            parts = [p for p in value.split(b";") if not p.strip().lower().startswith(b"samesite")]
            value = b";".join(parts) + b"; SameSite=strict"
        headers.append((name, value))
    response.raw_headers[:] = headers


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


def serve(assistant, settings: Settings) -> None:
    import uvicorn

    uvicorn.run(
        create_app(assistant, settings),
        host=settings.host,
        port=settings.port,
        root_path=settings.root_path.rstrip("/"),
        proxy_headers=True,
        log_level="info",
    )
