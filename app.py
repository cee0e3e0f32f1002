"""The web app: `python app.py` serves the chat on http://127.0.0.1:7860 (ASSISTANT_PORT)."""

from assistant.offline import go_offline

go_offline()  # before gradio, chromadb or transformers are imported

from assistant.ask.assistant import Assistant  # noqa: E402
from assistant.settings import Settings, serving  # noqa: E402
from assistant.web.server import serve  # noqa: E402

if __name__ == "__main__":
    settings = serving(Settings())
    serve(Assistant(settings), settings)
