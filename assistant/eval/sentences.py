"""The focused answer style's sentence score on labelled sentences:
`python -m assistant sentences FILES [--fit] [--json OUT]`.

Each item is a question and candidate sentences from the articles, each labelled by a reader who
never saw the code (knowledge/answer-labels/rubric.md): 2 answers it, 1 supports an answer, 0
does not belong. The questions run through the same retrieval and candidates as the app (an index
of the articles and the clinic's posts); the score is a logistic regression of "belongs" (label
1 or 2) on sentence_fit.FEATURES. Figures are cross-validated by question: how often the quoted
reply leads with a sentence that answers, contains one, and quotes nothing that does not belong
(a candidate nobody labelled counts as not belonging).
"""

import json
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..ask.assistant import Assistant
from ..ask.sentence_fit import FEATURES, FIT_FILE, SentenceFit
from ..texts import PACKAGE_DATA
from .metrics import share
from .run import temporary_index

FOLDS = 5
REGULARISATION = 1.0  # sklearn's C


def load_items(paths: list[Path]) -> list[dict]:
    items = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            item = json.loads(line)
            if not item.get("question") or not item.get("sentences"):
                raise ValueError(f"{path}:{n}: an item needs a question and its sentences")
            if any(s.get("label") not in (0, 1, 2) for s in item["sentences"]):
                raise ValueError(f"{path}:{n}: every sentence's label must be 0, 1 or 2")
            items.append(item)
    return items


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def measure(settings, items: list[dict], knowledge: list[Path]) -> tuple[object, list[dict]]:
    """The answerer, and per question: its candidates (what is asked, the scored sections),
    their features and their labels (-1 where nobody labelled one)."""
    rows = []
    with temporary_index(settings, knowledge, progress=False) as temp_settings:
        assistant = Assistant(temp_settings.model_copy(update={"answer_style": "focused"}))
        answerer = assistant.answerer
        for item in items:
            labels = {_key(s["text"]): s["label"] for s in item["sentences"]}
            retrieval = assistant.retriever.search(item["question"])
            prepared = answerer.prepare(
                item["question"], retrieval.query_vector, list(retrieval.passages)
            )
            if prepared is None:
                continue
            asked, sections = prepared
            units, x = answerer.fit_candidates(sections, asked)
            rows.append(
                {
                    "id": item["id"],
                    "asked": asked,
                    "sections": sections,
                    "x": x,
                    "labels": np.array([labels.get(_key(u.text), -1) for u in units]),
                    "label_of": labels,
                }
            )
    return answerer, rows


def _fit(rows: list[dict]):
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([r["x"] for r in rows])
    y = np.concatenate([r["labels"] for r in rows])
    labelled = y >= 0
    return LogisticRegression(C=REGULARISATION, max_iter=5000).fit(
        x[labelled], (y[labelled] >= 1).astype(int)
    )


def _as_fit(model, shipped: SentenceFit) -> SentenceFit:
    return replace(
        shipped, weights=model.coef_[0].astype(np.float32), bias=float(model.intercept_[0])
    )


def fit(rows: list[dict], shipped: SentenceFit) -> tuple[SentenceFit, list[SentenceFit]]:
    """The fit on all rows (the shipped operating point), and for each question the fit of
    the folds that left it out."""
    held_out: list[SentenceFit] = [shipped] * len(rows)
    for fold in range(FOLDS):
        model = _as_fit(_fit([r for n, r in enumerate(rows) if n % FOLDS != fold]), shipped)
        for n in range(fold, len(rows), FOLDS):
            held_out[n] = model
    return _as_fit(_fit(rows), shipped), held_out


def figures(answerer, rows: list[dict], fits: list[SentenceFit]) -> dict:
    """The answerer's own choice for each question, with the fit given for it."""
    lead, answered, focused, words, sentences = [], [], [], [], []
    for row, fit in zip(rows, fits, strict=True):
        answerer.fit = fit
        chosen = [u for run in answerer.choose_fitted(row["sections"], row["asked"]) for u in run]
        labels = [row["label_of"].get(_key(u.text), -1) for u in chosen]
        if not labels:
            continue
        lead.append(labels[0] == 2)
        answered.append(2 in labels)
        focused.append(all(label >= 1 for label in labels))
        words.append(sum(u.words for u in chosen))
        sentences.append(len(chosen))
    y = np.concatenate([r["labels"] for r in rows])
    return {
        "questions": len(rows),
        "labelled_sentences": int((y >= 0).sum()),  # labelled and among the candidates
        "leads_with_answer": share(lead),
        "contains_answer": share(answered),
        "all_sentences_belong": share(focused),
        "mean_words": round(float(np.mean(words)), 1) if words else 0.0,
        "mean_sentences": round(float(np.mean(sentences)), 2) if sentences else 0.0,
    }


def write_model(fit: SentenceFit) -> Path:
    path = PACKAGE_DATA / FIT_FILE
    text = path.read_text(encoding="utf-8")
    tomllib.loads(text)  # the shipped file must parse before it is rewritten
    head = text.split("\n[model]\n")[0]
    lines = [f"bias = {fit.bias:.6f}"] + [
        f"{name} = {weight:.6f}" for name, weight in zip(FEATURES, fit.weights, strict=True)
    ]
    path.write_text(head + "\n[model]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def table(result: dict) -> str:
    names = {
        "leads_with_answer": "the first sentence answers",
        "contains_answer": "a sentence answers",
        "all_sentences_belong": "every sentence belongs",
        "mean_words": "mean words",
        "mean_sentences": "mean sentences",
    }
    lines = [
        f"{result['questions']} questions, {result['labelled_sentences']} labelled sentences"
        + (" (cross-validated by question)" if result.get("cross_validated") else "")
    ]
    lines += [f"  {label:<30}{result[key]}" for key, label in names.items()]
    return "\n".join(lines)
