"""`python -m assistant ingest|ask|eval|beir`: settings -> core -> print."""

import argparse
import json
import sys
from pathlib import Path

from .offline import go_offline


def build_indexer(settings):
    from .embed import load_embeddings
    from .index import Indexer
    from .split import SplitSettings, Splitter
    from .store import open_store

    embeddings = load_embeddings(settings.embedding_model)
    splitter = Splitter(
        embeddings.tokenizer,
        SplitSettings(settings.chunk_tokens, settings.chunk_overlap_tokens, embeddings.max_tokens),
    )
    return Indexer(open_store(settings), embeddings, splitter)


def ingest(settings, paths: list[Path], sync: bool, progress: bool = True):
    """Take the data dir's lock and sync; the one way in for the CLI and the staff console."""
    from .index import ingest_lock

    with ingest_lock(settings.data_dir):
        return build_indexer(settings).sync(paths, remove_missing=sync, progress=progress)


def cmd_ingest(args, settings) -> int:
    from .errors import IndexLockedError

    paths = args.paths or [settings.articles_dir]
    try:
        report = ingest(settings, paths, args.sync, progress=not args.json)
    except IndexLockedError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        if report.rebuilt:
            print("The model or splitter settings changed: the index was rebuilt.")
        print(
            f"Added {len(report.added)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}, removed {len(report.removed)}, "
            f"failed {len(report.failed)}; {report.chunks} chunks in the index."
        )
        for source, reason in report.failed:
            print(f"  FAILED {source}: {reason}")
    return 1 if report.failed else 0


def cmd_ask(args, settings) -> int:
    from .assistant import Assistant

    history = []
    if args.history:
        try:
            history = json.loads(Path(args.history).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            print(f"error: cannot read --history {args.history}: {err}", file=sys.stderr)
            return 1
        if not isinstance(history, list):
            print(
                "error: --history must hold a JSON list of {role, content} messages",
                file=sys.stderr,
            )
            return 1
    reply = Assistant(settings).ask(args.question, history)
    if args.json:
        print(json.dumps(reply.to_json(), ensure_ascii=False))
    else:
        print(reply.text)
        for c in reply.citations:
            print(f"  [{c.n}] {c.title} ({c.url or c.source})")
        print(f"\n{reply.disclaimer}")
    return 0


def cmd_eval(args, settings) -> int:
    from .evaluate import run_eval_command

    return run_eval_command(args, settings)


def cmd_beir(args, settings) -> int:
    from .beir import run_beir_command

    return run_beir_command(args, settings)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update articles in the index")
    p.add_argument(
        "paths", nargs="*", type=Path, help="files and folders (default: the articles folder)"
    )
    p.add_argument(
        "--sync",
        action="store_true",
        help="also remove articles whose files are gone from these folders",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("ask", help="ask one question")
    p.add_argument("question")
    p.add_argument("--history", help="JSON file: a list of earlier {role, content} messages")
    p.add_argument("--json", action="store_true", help="print the reply as JSON")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("eval", help="score the assistant on question sets")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", dest="json_out", type=Path, required=True)
    p.add_argument("--report", type=Path)
    p.add_argument("--knowledge", type=Path)
    p.add_argument("--baseline", type=Path)
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser("beir", help="run a BEIR-format retrieval benchmark")
    p.add_argument("dir", type=Path)
    p.add_argument("--json", dest="json_out", type=Path, required=True)
    p.set_defaults(run=cmd_beir)
    return root


def main(argv: list[str] | None = None) -> int:
    go_offline()  # before chromadb, transformers or gradio are imported
    args = parser().parse_args(argv)
    from .errors import AssistantError
    from .settings import Settings

    try:
        settings = Settings()
        return args.run(args, settings)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
