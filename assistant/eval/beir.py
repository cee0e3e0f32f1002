"""`python -m assistant beir DIR --json OUT.json`: a BEIR-format retrieval benchmark.

Four runs over the same corpus, queries and test qrels:
- `reference`: each whole document (title + " " + text, cut at the model's 256 tokens) embedded
  and ranked by cosine, as MTEB does: it checks our embedding path against the published score.
- `vector`, `bm25`, `hybrid`: each document becomes an article (source = doc id, title = its
  title) and goes through the project's own pipeline (splitting, Chroma in a temporary data dir,
  BM25, weighted reciprocal-rank fusion, article-level ranking); `hybrid` is the assistant's own
  setting.

nDCG@10 and recall@100 follow BEIR / pytrec_eval (trec_eval's definitions): linear gain from the
graded qrels, log2 discount, ideal DCG over the query's qrels; queries without qrels are skipped.
"""

import hashlib
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..ask.assistant import build_retriever
from ..embed import embeddings_for
from ..errors import AssistantError
from ..ingest import build_splitter
from ..store import now_iso, open_store
from ..types import Article, ArticleRecord

K_NDCG = 10
K_RECALL = 100
DEEP_CANDIDATES = 400  # chunks per method when ranking 100 articles (the assistant: 50)


@dataclass(frozen=True)
class BeirData:
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]  # query id -> text (only those with test qrels)
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: relevance}


# --- data ------------------------------------------------------------------------------------


def load_beir(folder: Path, split: str = "test") -> BeirData:
    folder = Path(folder)
    paths = [folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv"]
    for path in paths:
        if not path.is_file():
            raise AssistantError(
                f"{path} is missing: a BEIR folder holds corpus.jsonl, queries.jsonl and "
                f"qrels/{split}.tsv"
            )
    corpus = {}
    for line in _lines(paths[0]):
        doc = json.loads(line)
        corpus[str(doc["_id"])] = (str(doc.get("title") or ""), str(doc.get("text") or ""))
    all_queries = {str(q["_id"]): str(q["text"]) for q in map(json.loads, _lines(paths[1]))}
    qrels: dict[str, dict[str, int]] = {}
    for n, line in enumerate(_lines(paths[2])):
        parts = line.split("\t") if "\t" in line else line.split()
        if n == 0 and not parts[-1].lstrip("-").isdigit():
            continue  # the header: query-id corpus-id score
        qid, did, score = parts[0], parts[1], int(parts[2])
        qrels.setdefault(qid, {})[did] = score
    queries = {qid: all_queries[qid] for qid in qrels if qid in all_queries}
    if not queries:
        raise AssistantError(f"no query of {paths[1]} has qrels in {paths[2]}")
    return BeirData(corpus, queries, {qid: qrels[qid] for qid in queries})


def _lines(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line.rstrip("\n")


# --- metrics ---------------------------------------------------------------------------------


def ndcg_at_k(ranking: list[str], relevant: dict[str, int], k: int = K_NDCG) -> float:
    """trec_eval's ndcg_cut: gain = relevance, discount log2(rank + 1), ideal over the qrels."""
    dcg = sum(
        relevant.get(doc, 0) / math.log2(rank + 1)
        for rank, doc in enumerate(ranking[:k], start=1)
        if relevant.get(doc, 0) > 0
    )
    ideal = sorted((r for r in relevant.values() if r > 0), reverse=True)[:k]
    idcg = sum(r / math.log2(rank + 1) for rank, r in enumerate(ideal, start=1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: list[str], relevant: dict[str, int], k: int = K_RECALL) -> float:
    wanted = {doc for doc, r in relevant.items() if r > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(ranking[:k])) / len(wanted)


def score_rankings(rankings: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict:
    """Mean nDCG@10 and recall@100 over the queries that have qrels."""
    qids = [q for q in qrels if any(r > 0 for r in qrels[q].values())]
    ndcg = [ndcg_at_k(rankings.get(q, []), qrels[q]) for q in qids]
    recall = [recall_at_k(rankings.get(q, []), qrels[q]) for q in qids]
    return {
        "ndcg@10": round(float(np.mean(ndcg)), 5) if qids else None,
        "recall@100": round(float(np.mean(recall)), 5) if qids else None,
    }


# --- runs ------------------------------------------------------------------------------------


def reference_rankings(data: BeirData, embeddings, progress: bool = True) -> dict[str, list[str]]:
    """Whole documents, embedded as MTEB does (title + " " + text), ranked by cosine."""
    ids = list(data.corpus)
    texts = [f"{title} {text}".strip() for title, text in (data.corpus[i] for i in ids)]
    doc_vectors = _encode(embeddings, texts, "Embedding documents", progress)
    qids = list(data.queries)
    query_vectors = embeddings.encode([data.queries[q] for q in qids])
    scores = query_vectors @ doc_vectors.T
    rankings = {}
    for row, qid in enumerate(qids):
        top = np.argsort(-scores[row], kind="stable")[:K_RECALL]
        rankings[qid] = [ids[i] for i in top]
    return rankings


def _encode(embeddings, texts: list[str], desc: str, progress: bool, batch: int = 128):
    """Encode in length-sorted batches with a progress bar; rows in the order of texts."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.zeros((len(texts), embeddings.dimension), dtype=np.float32)
    bar = _bar(len(texts), desc, "doc", progress)
    for start in range(0, len(order), batch):
        rows = order[start : start + batch]
        out[rows] = embeddings.encode([texts[i] for i in rows])
        bar.update(len(rows))
    bar.close()
    return out


def build_pipeline_index(data: BeirData, settings, embeddings, progress: bool = True):
    """Each document as an article, through the project's splitter, embeddings and store.

    One content hash (of the whole corpus) for every article: the index is built once and
    thrown away, and it lets the chunks and records go to Chroma in large batches.
    """
    digest = hashlib.sha256(json.dumps(data.corpus, sort_keys=True).encode()).hexdigest()
    articles = [
        Article(
            source=doc_id,
            folder="beir",
            title=title or doc_id,
            text=text or title,
            content_hash=digest,
        )
        for doc_id, (title, text) in data.corpus.items()
    ]
    splitter = build_splitter(settings, embeddings)
    split = [(a, splitter.split(a)) for a in articles]
    all_chunks = [c for _, chunks in split for c in chunks]
    vectors = _encode(
        embeddings, [c.embedded_text for c in all_chunks], "Embedding chunks", progress
    )
    store = open_store(settings)
    store.add_chunks(all_chunks, vectors, digest, None)
    stamp = now_iso()
    store.commit_articles(
        [
            ArticleRecord(
                source=a.source,
                folder=a.folder,
                title=a.title,
                content_hash=digest,
                chunks=len(chunks),
                ingested_at=stamp,
            )
            for a, chunks in split
        ]
    )
    store.set_info(model=embeddings.name, dimension=embeddings.dimension)
    store.bump_generation()
    return store, len(all_chunks)


def pipeline_rankings(
    top_retriever, deep_retriever, data: BeirData, desc: str, progress: bool = True
) -> dict[str, list[str]]:
    """The assistant's own article ranking (its Retriever.search) for the top 10, continued to
    100 articles by the same retriever over deeper candidate lists."""
    rankings = {}
    bar = _bar(len(data.queries), desc, "query", progress)
    for qid, query in data.queries.items():
        top = list(top_retriever.search(query).sources)
        deep = list(deep_retriever.search(query).sources)
        rankings[qid] = (top + [s for s in deep if s not in top])[:K_RECALL]
        bar.update(1)
    bar.close()
    return rankings


def run_beir(folder: Path, settings, embeddings=None, progress: bool = True) -> dict:
    """All four runs; returns OUT.json's object (plus `meta`)."""
    embeddings = embeddings or embeddings_for(settings)
    data = load_beir(folder)
    log(
        f"{folder}: {len(data.corpus)} documents, {len(data.queries)} test queries, "
        f"{sum(len(r) for r in data.qrels.values())} qrels"
    )
    result: dict = {}
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    result["reference"] = score_rankings(reference_rankings(data, embeddings, progress), data.qrels)
    timings["reference_s"] = round(time.perf_counter() - t0, 1)
    log(f"reference: {_fmt(result['reference'])}")

    with tempfile.TemporaryDirectory(prefix="beir-") as tmp:
        t0 = time.perf_counter()
        store, chunks = build_pipeline_index(
            data, settings.model_copy(update={"data_dir": Path(tmp)}), embeddings, progress
        )
        timings["index_s"] = round(time.perf_counter() - t0, 1)
        top = build_retriever(store, embeddings, settings)
        deep = build_retriever(
            store, embeddings, settings, candidates=DEEP_CANDIDATES, max_sources=K_RECALL
        )
        base = top.settings
        runs = {
            "vector": replace(base, bm25_weight=0.0),
            "bm25": replace(base, vector_weight=0.0),
            "hybrid": base,
        }
        for name, retrieval_settings in runs.items():
            top.settings = deep.settings = retrieval_settings
            t0 = time.perf_counter()
            rankings = pipeline_rankings(top, deep, data, name, progress)
            timings[f"{name}_s"] = round(time.perf_counter() - t0, 1)
            result[name] = score_rankings(rankings, data.qrels)
            log(f"{name}: {_fmt(result[name])}")
        del top, deep, store

    result["meta"] = {
        "dir": str(folder),
        "documents": len(data.corpus),
        "queries": len(data.queries),
        "chunks": chunks,
        "model": embeddings.name,
        "rrf_k": base.rrf_k,
        "vector_weight": base.vector_weight,
        "bm25_weight": base.bm25_weight,
        "timings": timings,
    }
    return result


def table(result: dict) -> str:
    rows = [f"{'run':<10} {'nDCG@10':>8} {'recall@100':>11}"]
    for name in ("reference", "vector", "bm25", "hybrid"):
        if name in result:
            r = result[name]
            rows.append(f"{name:<10} {_num(r['ndcg@10']):>8} {_num(r['recall@100']):>11}")
    return "\n".join(rows)


def _bar(total: int, desc: str, unit: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total, desc=desc, unit=unit, file=sys.stderr, disable=not enabled, leave=False
    )


def _num(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def _fmt(r: dict) -> str:
    return f"nDCG@10 {_num(r['ndcg@10'])}, recall@100 {_num(r['recall@100'])}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
