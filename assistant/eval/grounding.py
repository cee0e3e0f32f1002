"""The grounding check on labelled sentences: `python -m assistant grounding FILES [--fit]`.

Each item is a passage copied from an article, one answer sentence, and whether the passage
supports it ("label": "supported" | "unsupported", "edit": the kind of change). --fit fits the
learned part (a logistic regression over similarity, content-word overlap and the weakest
clause's overlap, on the items no hard rule decides), sets its threshold so that KEEP_AT_LEAST
of the supported items are kept in cross-validation, and writes assistant/data/grounding.toml.
"""

import json
from pathlib import Path

import numpy as np

from ..ask.generative import claim_of
from ..ask.grounding import Grounding, GroundingModel
from ..texts import PACKAGE_DATA
from ..types import sentences_of
from .metrics import share

# The threshold keeps this share of the supported sentences (cross-validated) and removes as
# many unsupported ones as that allows: below it, answers fall back to quoting too often.
KEEP_AT_LEAST = 0.88
FOLDS = 5


def load_items(paths: list[Path]) -> list[dict]:
    items = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                item = json.loads(line)
                if item.get("label") not in ("supported", "unsupported"):
                    raise ValueError(f"{path}:{n}: label must be supported or unsupported")
                items.append(item)
    return items


def measure(grounding: Grounding, items: list[dict]) -> list[dict]:
    """Per item: the hard rule it breaks (or None) and the three scored measurements."""
    claims = [claim_of(item["sentence"]) for item in items]
    claim_vectors = grounding.embeddings.encode(claims)
    rows = []
    for item, claim, vector in zip(items, claims, claim_vectors, strict=True):
        passage = item["passage"]
        sentences = sentences_of(passage) or [passage]
        m = grounding.measure(
            claim, vector, passage, sentences, grounding.embeddings.encode(sentences)
        )
        rows.append(
            {
                "item": item,
                "rule": m.rule,
                "features": [m.similarity, m.overlap, m.clause],
                "supported": item["label"] == "supported",
            }
        )
    return rows


def fit(rows: list[dict]) -> GroundingModel:
    """Weights on all rule-free rows; the threshold from cross-validated scores."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    free = [r for r in rows if r["rule"] is None]
    x = np.array([r["features"] for r in free])
    y = np.array([r["supported"] for r in free])
    scores = np.zeros(len(free))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(x, y):
        model = LogisticRegression(C=10.0).fit(x[train], y[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
    # The highest threshold at which rules and score together keep KEEP_AT_LEAST.
    supported = sum(r["supported"] for r in rows)
    ruled_out = sum(r["supported"] for r in rows if r["rule"] is not None)
    may_lose = int(np.floor((1 - KEEP_AT_LEAST) * supported)) - ruled_out
    free_supported = np.sort(scores[y])
    threshold = float(free_supported[max(may_lose, 0)]) if len(free_supported) else 0.5
    model = LogisticRegression(C=10.0).fit(x, y)
    return GroundingModel(
        bias=float(model.intercept_[0]),
        w_similarity=float(model.coef_[0][0]),
        w_overlap=float(model.coef_[0][1]),
        w_clause=float(model.coef_[0][2]),
        threshold=round(threshold, 6),
    )


def figures(rows: list[dict], model: GroundingModel) -> dict:
    """Shares kept and removed, overall and per kind of edit."""
    for r in rows:
        r["kept"] = r["rule"] is None and model.score(*r["features"]) >= model.threshold
    by_edit: dict[str, list[dict]] = {}
    for r in rows:
        by_edit.setdefault(r["item"].get("edit", "?"), []).append(r)
    supported = [r for r in rows if r["supported"]]
    unsupported = [r for r in rows if not r["supported"]]
    return {
        "items": len(rows),
        "supported_kept": share([r["kept"] for r in supported]),
        "unsupported_removed": share([not r["kept"] for r in unsupported]),
        "by_edit": {
            edit: {
                "items": len(group),
                "supported": group[0]["supported"],
                "decided_right": share([r["kept"] == r["supported"] for r in group]),
            }
            for edit, group in sorted(by_edit.items())
        },
        "rules": _rule_counts(rows),
    }


def _rule_counts(rows) -> dict:
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["rule"]:
            kind = r["rule"].split()[0].rstrip(":")
            cell = counts.setdefault(kind, {"supported": 0, "unsupported": 0})
            cell["supported" if r["supported"] else "unsupported"] += 1
    return counts


def write_model(model: GroundingModel) -> Path:
    path = PACKAGE_DATA / "grounding.toml"
    head = path.read_text(encoding="utf-8").split("[model]")[0]
    path.write_text(
        head
        + "[model]\n"
        + f"bias = {model.bias:.6f}\n"
        + f"w_similarity = {model.w_similarity:.6f}\n"
        + f"w_overlap = {model.w_overlap:.6f}\n"
        + f"w_clause = {model.w_clause:.6f}\n"
        + f"threshold = {model.threshold}\n",
        encoding="utf-8",
    )
    return path


def table(result: dict) -> str:
    lines = [
        f"{result['items']} sentences: supported kept {result['supported_kept']}, "
        f"unsupported removed {result['unsupported_removed']}",
        "edit            items  right",
    ]
    for edit, cell in result["by_edit"].items():
        lines.append(f"{edit:<15} {cell['items']:>5}  {cell['decided_right']}")
    lines.append(f"hard rules (supported / unsupported it removed): {result['rules']}")
    return "\n".join(lines)
