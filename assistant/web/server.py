"""The web app: the visitor chat at "/" and, with a password set, the staff console at "/admin".

One FastAPI app holds two separate Gradio Blocks, so the visitor app's API has no staff action:
the console's events live in another Blocks, behind its own login.
"""

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from ..settings import Settings
from .console import build_admin_app
from .feedback import FeedbackLog
from .static import console_off_page, page_css, static_text
from .visitor import build_visitor_app

# System fonts only: the default theme would fetch fonts from a third-party CDN.
THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)


def create_app(assistant, settings: Settings) -> FastAPI:
    """Visitor chat at "/", staff console at "/admin" (or a page saying it is off)."""
    app = FastAPI(title=settings.clinic_name, docs_url=None, redoc_url=None, openapi_url=None)
    feedback = FeedbackLog(settings.data_dir)
    root = settings.root_path.rstrip("/")
    password = settings.admin_password.get_secret_value() if settings.admin_password else ""

    if password:
        staff = build_admin_app(assistant, settings, feedback)
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

    visitor = build_visitor_app(assistant, settings, feedback)
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
