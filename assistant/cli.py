"""`python -m assistant ingest|ask|eval|gate|beir|bench|triage`: parse, call the core, print.

Each command imports its part of the package when it runs, so `ask` never loads the eval or the
web app, and `--help` answers at once.
"""

import argparse
import json
import sys
from pathlib import Path

from .offline import go_offline


def cmd_ingest(args, settings) -> int:
    from .errors import IndexLockedError
    from .ingest import ingest
    from .ingest.pages import is_url

    urls = [p for p in args.paths if is_url(p)]
    paths = [Path(p) for p in args.paths if not is_url(p)]
    if not (args.paths or args.sitemap):
        paths = [settings.articles_dir]
    try:
        report = ingest(
            settings, paths, args.sync, progress=not args.json, urls=urls, sitemaps=args.sitemap
        )
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


def read_history(path: str) -> list:
    from .errors import AssistantError

    try:
        history = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise AssistantError(f"cannot read --history {path}: {err}") from err
    if not isinstance(history, list):
        raise AssistantError("--history must hold a JSON list of {role, content} messages")
    return history


def cmd_ask(args, settings) -> int:
    from .ask.assistant import Assistant

    history = read_history(args.history) if args.history else []
    reply = Assistant(settings).ask(args.question, history)
    if args.json:
        print(json.dumps(reply.to_json(), ensure_ascii=False))
    else:
        print(reply.text)
        for c in reply.citations:
            print(f"  [{c.n}] {c.title} ({c.url or c.source})")
        print(f"\n{reply.disclaimer}")
    return 0


def read_json(path: Path, what: str) -> dict:
    from .errors import AssistantError

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise AssistantError(f"cannot read {what} {path}: {err}") from err


def cmd_eval(args, settings) -> int:
    from .eval.metrics import compare, summary_table
    from .eval.run import run_eval, write_json

    baseline = read_json(args.baseline, "--baseline") if args.baseline else None
    if args.answerer:
        settings = settings.model_copy(update={"answer_backend": args.answerer})
    result = run_eval(args.files, settings, args.knowledge)
    comparison = compare(baseline, result) if baseline else None
    write_json(args.json_out, result)
    print(summary_table(result, comparison), file=sys.stderr)
    if comparison and comparison["worse"]:
        print(f"{len(comparison['worse'])} question(s) got worse:", file=sys.stderr)
        for w in comparison["worse"][:20]:
            print(f"  {w['id']}: {w['why']}", file=sys.stderr)
    print(f"Wrote {args.json_out}", file=sys.stderr)
    if args.report:
        from .eval.report import write_report

        write_report(args.report, result, baseline, title=", ".join(f.name for f in args.files))
        print(f"Wrote {args.report}", file=sys.stderr)
    return 0


def cmd_gate(args, settings) -> int:
    from .eval.gate import load_thresholds, problems_of, run_gate, table

    thresholds = load_thresholds(args.thresholds)
    results = run_gate(
        args.evalsets,
        args.articles,
        settings,
        args.shared,
        args.out,
        args.holdouts,
        args.medquad_sets,
    )
    print(table(results, thresholds))
    problems = problems_of(results, thresholds)
    if problems:
        print(f"\nFAILED: below the thresholds in {args.thresholds}", file=sys.stderr)
        for msg in problems:
            print(f"  {msg}", file=sys.stderr)
        return 1
    print(f"\nAll figures meet the thresholds in {args.thresholds}.")
    return 0


def cmd_beir(args, settings) -> int:
    from .errors import AssistantError
    from .eval.beir import run_beir, table
    from .eval.run import write_json

    if not Path(args.dir).is_dir():
        raise AssistantError(f"{args.dir}: no such folder (a BEIR benchmark folder)")
    result = run_beir(args.dir, settings, progress=True)
    write_json(args.json_out, result)
    print(table(result), file=sys.stderr)
    print(f"Wrote {args.json_out}", file=sys.stderr)
    return 0


def run_site_bench(evalsets: Path, settings) -> dict:
    from .eval.sitebench import extraction_quality, site_bench

    site = site_bench(settings.articles_dir, settings)
    print(
        f"\nWebsite: {site['pages']} pages (the articles as a blog) through the sitemap: "
        f"{site['polite_pages_per_s']} pages/s at the {site['delay_s']:g} s polite delay, "
        f"{site['no_delay_pages_per_s']} pages/s without it; unchanged re-sync "
        f"{site['polite_unchanged_resync_s']} s; chunks with page furniture: "
        f"{site['chunks_with_furniture']}",
        flush=True,
    )
    quality = {}
    for part in ("dev", "holdout"):
        folder = evalsets / "webpages" / part
        if folder.is_dir():
            q = extraction_quality(folder)
            quality[part] = q
            print(
                f"Extraction, {part} ({q['pages']} pages from real site builders): paragraphs "
                f"{q['paragraph_recall']:.3f}, headings {q['heading_recall']:.3f}, titles "
                f"{q['title_accuracy']:.3f}, pages with furniture {q['pages_with_furniture']} "
                f"({q['furniture_strings_leaked']} strings)",
                flush=True,
            )
    return {"site": site, "extraction": quality}


def cmd_bench(args, settings) -> int:
    import time

    from .eval.bench import run_bench, table
    from .eval.run import write_json

    results = run_bench(args.shared, args.evalsets, settings, args.articles)
    print(table(results), flush=True)
    results["website"] = run_site_bench(args.evalsets, settings)
    if args.json_out:
        write_json(args.json_out, results)
    scifact = args.shared / "benchmarks" / "scifact"
    if args.no_beir:
        return 0
    if not (scifact / "corpus.jsonl").is_file():
        print(f"\nSciFact skipped: {scifact} is not there (pass --shared DIR)", file=sys.stderr)
        return 0
    from .eval.beir import run_beir
    from .eval.beir import table as beir_table

    t0 = time.perf_counter()
    result = run_beir(scifact, settings, progress=True)
    print(f"\nSciFact (BEIR), {time.perf_counter() - t0:.0f} s; published MiniLM nDCG@10 0.645")
    print(beir_table(result))
    return 0


def cmd_triage(args, settings) -> int:
    from .ask.safety.guard import Guard
    from .embed import embeddings_for
    from .eval.questions import load_questions
    from .eval.run import write_json
    from .eval.triage import triage_figures, triage_table

    guard = Guard(embeddings_for(settings), settings.texts_dir)
    figures = triage_figures(guard, load_questions(args.files))
    print(triage_table(figures))
    if args.json_out:
        write_json(args.json_out, figures)
    return 0


def cmd_grounding(args, settings) -> int:
    from .ask.grounding import Grounding, GroundingModel
    from .embed import embeddings_for
    from .eval import grounding
    from .eval.run import write_json

    checker = Grounding(embeddings_for(settings), texts_dir=settings.texts_dir)
    rows = grounding.measure(checker, grounding.load_items(args.files))
    model = grounding.fit(rows) if args.fit else GroundingModel.shipped()
    if args.fit:
        print(f"fitted: {model} -> {grounding.write_model(model)}")
    result = grounding.figures(rows, model)
    print(grounding.table(result))
    if args.json_out:
        write_json(args.json_out, result)
    return 0


def cmd_sentences(args, settings) -> int:
    from .ask.sentence_fit import SentenceFit
    from .eval import sentences
    from .eval.run import write_json

    clinic = args.shared / "clinic"
    knowledge = [settings.articles_dir] + ([clinic] if clinic.is_dir() else [])
    answerer, rows = sentences.measure(settings, sentences.load_items(args.files), knowledge)
    shipped = SentenceFit.load(settings.texts_dir)
    if args.fit:
        fitted, held_out = sentences.fit(rows, shipped)
        print(f"fitted -> {sentences.write_model(fitted)}")
        result = sentences.figures(answerer, rows, held_out) | {"cross_validated": True}
    else:
        result = sentences.figures(answerer, rows, [shipped] * len(rows))
    print(sentences.table(result))
    if args.json_out:
        write_json(args.json_out, result)
    return 0


def cmd_backup(args, settings) -> int:
    from .ingest.backup import backup

    manifest = backup(settings.data_dir, args.folder, embedded=settings.chroma_host is None)
    print(
        f"Backed up {settings.data_dir} to {args.folder}: {len(manifest['files'])} files, "
        f"index generation {manifest['generation']}."
    )
    return 0


def cmd_restore(args, settings) -> int:
    from .ingest.backup import restore

    done = restore(settings.data_dir, args.folder)
    print(
        f"Restored {', '.join(done['restored'])} into {settings.data_dir} (generation "
        f"{done['generation']}; a running app reloads it). What it replaced is kept in "
        f"{done['kept']}."
    )
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m assistant",
        description="The clinic assistant: ingest articles, ask, evaluate and benchmark.",
    )
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update articles in the index")
    p.add_argument(
        "paths",
        nargs="*",
        help="files, folders and web pages (http(s):// URLs); default: the articles folder",
    )
    p.add_argument(
        "--sitemap",
        action="append",
        default=[],
        metavar="URL",
        help="every page a sitemap (or sitemap index) lists; repeatable",
    )
    p.add_argument(
        "--sync",
        action="store_true",
        help="also remove articles whose files are gone from these folders, "
        "and pages gone from these sitemaps",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("backup", help="copy the data dir (index, feedback, texts), app running")
    p.add_argument("folder", type=Path, help="a new or empty folder")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", help="put a backup back into the data dir, app running")
    p.add_argument("folder", type=Path, help="a folder made by `backup`")
    p.set_defaults(run=cmd_restore)

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
    p.add_argument(
        "--answerer",
        choices=["extractive", "openai", "llamacpp"],
        help="answer with this backend (default: ASSISTANT_ANSWER_BACKEND, else extractive); "
        "openai and llamacpp read ASSISTANT_LLM_* for the server or the GGUF",
    )
    p.set_defaults(run=cmd_eval)

    evalsets = Path("knowledge/evalsets")
    p = sub.add_parser("gate", help="run the question sets; exit 1 below the thresholds")
    p.add_argument("--evalsets", type=Path, default=evalsets, help="folder of *.jsonl sets")
    p.add_argument("--articles", type=Path, default=Path("knowledge/articles"))
    p.add_argument("--thresholds", type=Path, default=evalsets / "thresholds.toml")
    p.add_argument("--shared", type=Path, default=Path("../shared"), help="holds MedQuAD")
    p.add_argument(
        "--holdouts",
        type=Path,
        default=Path("knowledge/holdouts"),
        help="folder of sets that are reported, never gated",
    )
    p.add_argument(
        "--medquad-sets",
        type=Path,
        default=Path("knowledge/medquad"),
        help="folder of our own *.jsonl sets over MedQuAD's corpus (with must_include terms)",
    )
    p.add_argument("--out", type=Path, help="also write each set's JSON and HTML report here")
    p.set_defaults(run=cmd_gate)

    p = sub.add_parser("beir", help="run a BEIR-format retrieval benchmark")
    p.add_argument("dir", type=Path)
    p.add_argument("--json", dest="json_out", type=Path, required=True)
    p.set_defaults(run=cmd_beir)

    p = sub.add_parser("triage", help="the guard's two nets on question sets, per category")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", dest="json_out", type=Path)
    p.set_defaults(run=cmd_triage)

    p = sub.add_parser("grounding", help="the generated-sentence check on labelled sentences")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--fit", action="store_true", help="fit its weights and threshold to FILES")
    p.add_argument("--json", dest="json_out", type=Path)
    p.set_defaults(run=cmd_grounding)

    p = sub.add_parser("sentences", help="the focused style's sentence score on labelled sentences")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--fit", action="store_true", help="fit its weights to FILES")
    p.add_argument(
        "--shared", type=Path, default=Path("../shared"), help="holds the clinic's posts"
    )
    p.add_argument("--json", dest="json_out", type=Path)
    p.set_defaults(run=cmd_sentences)

    p = sub.add_parser("bench", help="speed and memory figures, and SciFact")
    p.add_argument(
        "--articles",
        type=int,
        nargs="+",
        default=[200, 1039],
        help="corpus sizes (MedQuAD's articles, then SciFact abstracts)",
    )
    p.add_argument("--evalsets", type=Path, default=evalsets)
    p.add_argument("--json", dest="json_out", type=Path, help="also write the figures here")
    p.add_argument("--shared", type=Path, default=Path("../shared"), help="holds SciFact")
    p.add_argument("--no-beir", action="store_true", help="skip the SciFact benchmark")
    p.set_defaults(run=cmd_bench)
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
