"""`python -m assistant bench`: speed and memory, each figure beside a reference from the same run.

- ingest of N articles (MedQuAD's 39 and SciFact abstracts as distractors) into a temporary data
  dir, cold, against the *bare reference*: SentenceTransformer on torch encoding every word of the
  same articles once, in 150-word windows, batch 32;
- an unchanged re-ingest in a fresh process (reads hashes; never loads the model);
- ask p50/p95 over the question sets on that corpus, against the *plain pipeline*: LangChain's
  `Chroma.similarity_search` (k=5) on the same store, with the same model and questions; and the
  guard's own time per message;
- `python -m assistant ask` from process start to its answer, and a fresh process built as the
  app's (start to first answer, then its peak RSS after 100 more questions);
- SciFact (BEIR) when it is there (a few minutes: it embeds ~5k abstracts).
The figures print as a table and go to a JSON file (`--json`).
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..errors import AssistantError
from .timing import percentiles, plain_pipeline, timed

WINDOW_WORDS = 150
LOAD_ROUNDS = 5  # the load test's turns per side: throughput on 2 shared cores varies run to run


def corpus_folder(shared: Path, articles: int, into: Path) -> Path:
    """A folder of `articles` files: MedQuAD's corpus, then SciFact abstracts as distractors."""
    medquad = shared / "evalsets" / "medquad" / "corpus"
    scifact = shared / "benchmarks" / "scifact" / "corpus.jsonl"
    if not medquad.is_dir() or not scifact.is_file():
        raise AssistantError(f"the benchmark corpus needs {medquad} and {scifact} (pass --shared)")
    into.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in medquad.iterdir() if p.is_file())[:articles]
    for file in files:
        (into / file.name).write_bytes(file.read_bytes())
    with scifact.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines, start=len(files)):
            if n >= articles:
                break
            doc = json.loads(line)
            title = doc.get("title") or doc["_id"]
            (into / f"scifact-{doc['_id']}.md").write_text(
                f"---\ntitle: {json.dumps(title)}\n---\n{doc.get('text') or title}\n",
                encoding="utf-8",
            )
    return into


def bare_reference_seconds(folder: Path) -> float:
    """SentenceTransformer (torch, CPU) over every word of the articles once, in 150-word
    windows, batch 32: the cost of embedding the texts at all."""
    from sentence_transformers import SentenceTransformer

    from ..embed import bundled_model_path
    from ..ingest.load import find_article_files, load_article

    model = SentenceTransformer(str(bundled_model_path()), device="cpu")
    windows = []
    for file, root in find_article_files(folder):
        words = load_article(file, root).text.split()
        windows += [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, len(words), 150)]
    start = time.perf_counter()
    model.encode(windows, batch_size=32, show_progress_bar=False)
    return time.perf_counter() - start


APP_PROCESS = """
import json, sys, time
start = time.perf_counter()
from assistant.offline import go_offline
go_offline()
from assistant.ask.assistant import Assistant
from assistant.settings import Settings, serving
assistant = Assistant(serving(Settings()))
questions = json.loads(sys.argv[1])
assistant.ask(questions[0])
first = time.perf_counter() - start
for q in questions[:100]:
    assistant.ask(q)
# VmHWM, not ru_maxrss: that one keeps the parent's high-water mark across fork and exec.
status = open("/proc/self/status").read()
rss_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"first_answer_s": first, "rss_mb": rss_mb}))
"""


def app_process(settings, questions: list[str]) -> dict:
    """A fresh process, as the app's: start to first answer, then its peak RSS after 100 asks."""
    env = {"ASSISTANT_DATA_DIR": str(settings.data_dir)}
    run = subprocess.run(
        [sys.executable, "-c", APP_PROCESS, json.dumps(questions[:100])],
        env={**_environ(), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def visitors_load(settings, questions: list[str], visitors: int = 50, each: int = 4) -> dict:
    """50 simultaneous visitors, each from its own address, against the app in its process,
    then the same against the plain pipeline behind a plain ChatInterface (`plain`), in turns
    (LOAD_ROUNDS of each, so both meet the machine in the same states); each side's figures are
    its median round by throughput, with every round's throughput (in run order) beside them."""
    import socket

    from .load import run_load, serve_app, stop_app

    rounds: dict[str, list[dict]] = {"app": [], "plain": []}
    for turn in range(LOAD_ROUNDS):
        # app, plain, plain, app, ...: neither side always runs first after a server stops
        for plain in (False, True) if turn % 2 == 0 else (True, False):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            process, url = serve_app(settings.data_dir, port, plain=plain)
            try:
                figures = run_load(url, questions, visitors, each)
            finally:
                stop_app(process)
            figures.pop("replies_text")
            rounds["plain" if plain else "app"].append(figures)
    median = {}
    for side, runs in rounds.items():
        in_order = [f["replies_per_s"] for f in runs]
        runs.sort(key=lambda f: f["replies_per_s"])
        median[side] = {**runs[len(runs) // 2], "rounds_per_s": in_order}
    return {**median["app"], "plain": median["plain"]}


def cold_start_seconds(settings, question: str) -> float:
    """`python -m assistant ask` from process start to its printed answer."""
    env = {"ASSISTANT_DATA_DIR": str(settings.data_dir)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant", "ask", question, "--json"],
        env={**_environ(), **env},
        capture_output=True,
        check=True,
        timeout=300,
    )
    return time.perf_counter() - start


def reingest_seconds(settings, folder: Path) -> float:
    env = {"ASSISTANT_DATA_DIR": str(settings.data_dir)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", str(folder), "--json"],
        env={**_environ(), **env},
        capture_output=True,
        check=True,
        timeout=300,
    )
    return time.perf_counter() - start


def _environ() -> dict:
    import os

    return dict(os.environ)


def run_bench(shared: Path, evalsets: Path, settings, sizes: list[int]) -> dict:
    """Every figure, by corpus size; the last size also gets cold start, RSS and the guard."""
    from ..ask.assistant import Assistant
    from ..embed import embeddings_for
    from ..ingest import build_indexer
    from .questions import load_questions

    questions = [q["question"] for q in load_questions(sorted(Path(evalsets).glob("*.jsonl")))]
    medquad = shared / "evalsets" / "medquad" / "questions.jsonl"
    if medquad.is_file():
        questions += [q["question"] for q in load_questions([medquad])]
    results: dict = {"machine": _machine(), "runtime": settings.embedding_runtime, "sizes": {}}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-", ignore_cleanup_errors=True) as tmp:
            folder = corpus_folder(shared, size, Path(tmp) / "articles")
            run_settings = settings.model_copy(update={"data_dir": Path(tmp) / "data"})
            row: dict = {"articles": size}
            row["bare_reference_s"] = round(bare_reference_seconds(folder), 2)
            start = time.perf_counter()
            report = build_indexer(run_settings).sync([folder], progress=False)
            row["ingest_s"] = round(time.perf_counter() - start, 2)
            row["chunks"] = report.chunks
            row["bare_over_ingest"] = round(row["bare_reference_s"] / row["ingest_s"], 3)
            row["unchanged_reingest_s"] = round(reingest_seconds(run_settings, folder), 2)
            embeddings = embeddings_for(run_settings)
            assistant = Assistant(run_settings, embeddings=embeddings)
            plain = plain_pipeline(run_settings, embeddings)
            for q in questions[:5]:  # warm both
                assistant.ask(q)
                plain(q)
            row["ask_ms"] = percentiles(timed(assistant.ask, questions, embeddings))
            row["plain_pipeline_ms"] = percentiles(timed(plain, questions, embeddings))
            row["guard_ms"] = percentiles(timed(assistant.guard.check, questions, embeddings))
            row["ask_over_plain_p50"] = round(
                row["ask_ms"]["p50"] / row["plain_pipeline_ms"]["p50"], 2
            )
            row["model_calls_beyond_question"] = assistant.vectors.encoded
            row["cold_start_ask_s"] = round(cold_start_seconds(run_settings, questions[0]), 2)
            app = app_process(run_settings, questions)
            row["app_first_answer_s"] = round(app["first_answer_s"], 2)
            row["app_peak_rss_mb"] = round(app["rss_mb"])
            del assistant, plain
            if size == sizes[-1]:
                row["load"] = visitors_load(run_settings, questions)
                results["scale"] = scale_rows(run_settings, questions)
            results["sizes"][str(size)] = row
    return results


def scale_rows(settings, questions: list[str]) -> dict:
    """On the last corpus: ask against a Chroma server, then at 10k and 100k chunks."""
    from ..store import open_store
    from .scale import ask_row, grow_store, server_row

    rows = {"chroma server": server_row(settings, questions)}
    for target in SCALE_CHUNKS:
        grow_store(open_store(settings), target)
        rows[f"{target:,} chunks"] = ask_row(settings, questions)
    return rows


SCALE_CHUNKS = (10_000, 100_000)


def scale_table(rows: dict) -> str:
    lines = [
        f"{'store':<16}{'chunks':>8}{'ask p50 / p95':>20}{'plain p50 / p95':>20}"
        f"{'ask/plain':>10}{'load+1st':>10}{'model calls':>12}"
    ]
    for name, r in rows.items():
        lines.append(
            f"{name:<16}{r['chunks']:>8}{_ms(r['ask_ms']):>20}{_ms(r['plain_pipeline_ms']):>20}"
            f"{r['ask_over_plain_p50']:>10.2f}{r['load_and_first_answer_s']:>9.1f}s"
            f"{r['model_calls_beyond_question']:>12}"
        )
    return "\n".join(lines)


def _machine() -> str:
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def table(results: dict) -> str:
    rows = [
        ("articles / chunks", lambda r: f"{r['articles']} / {r['chunks']}"),
        ("ingest, cold", lambda r: f"{r['ingest_s']:.1f} s"),
        ("bare reference (same texts)", lambda r: f"{r['bare_reference_s']:.1f} s"),
        ("bare / ingest", lambda r: f"{r['bare_over_ingest']:.2f}"),
        ("unchanged re-ingest (process)", lambda r: f"{r['unchanged_reingest_s']:.2f} s"),
        ("ask p50 / p95", lambda r: _ms(r["ask_ms"])),
        ("plain pipeline p50 / p95", lambda r: _ms(r["plain_pipeline_ms"])),
        ("ask / plain, p50", lambda r: f"{r['ask_over_plain_p50']:.2f}"),
        ("guard p50 / p95", lambda r: _ms(r["guard_ms"])),
        ("model calls beyond the question", lambda r: str(r["model_calls_beyond_question"])),
        ("`python -m assistant ask`, wall", lambda r: f"{r['cold_start_ask_s']:.2f} s"),
        ("app: start to first answer", lambda r: f"{r['app_first_answer_s']:.2f} s"),
        ("app: peak RSS after 100 asks", lambda r: f"{r['app_peak_rss_mb']} MB"),
    ]
    sizes = list(results["sizes"].values())
    load = sizes[-1].get("load") if sizes else None
    if load:
        rows.append(
            (
                f"{load['visitors']} visitors x {load['questions'] // load['visitors']} questions",
                lambda r: _load(r.get("load")),
            )
        )
        rows.append(
            ("the same, plain pipeline app", lambda r: _load((r.get("load") or {}).get("plain")))
        )
    width = max(len(name) for name, _ in rows)
    lines = [f"{results['machine']}; embedding runtime: {results['runtime']}"]
    lines.append(f"{'':<{width}}" + "".join(f"{'N=' + str(r['articles']):>20}" for r in sizes))
    for name, cell in rows:
        lines.append(f"{name:<{width}}" + "".join(f"{cell(r):>20}" for r in sizes))
    if results.get("scale"):
        lines += [
            "",
            "Scale (the last corpus; extra chunks synthetic):",
            scale_table(results["scale"]),
        ]
    return "\n".join(lines)


def _load(load: dict | None) -> str:
    if not load:
        return "-"
    return (
        f"{load['replies_per_s']}/s, {load['wait_p50_s']}/{load['wait_p95_s']} s, "
        f"{load['errors']} err"
    )


def _ms(p: dict) -> str:
    return f"{p['p50']:.1f} / {p['p95']:.1f} ms"
