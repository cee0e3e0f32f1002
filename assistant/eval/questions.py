"""Question sets: JSONL lines (DESIGN.md's format) -> checked question dicts."""

import json
from pathlib import Path

from ..errors import AssistantError

KINDS = ("answer", "decline", "emergency")


def load_questions(files: list[Path]) -> list[dict]:
    """Question lines from JSONL files, checked, with defaults filled in."""
    questions: list[dict] = []
    seen: set[str] = set()
    for file in map(Path, files):
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise AssistantError(f"cannot read the question file {file}: {err.strerror}") from err
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{file}:{n}"
            try:
                raw = json.loads(line)
            except ValueError as err:
                raise AssistantError(f"{where}: not a JSON object ({err})") from err
            if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
                raise AssistantError(f'{where}: each line needs at least {{"question": "..."}}')
            expect = raw.get("expect") or "answer"
            if expect not in KINDS:
                raise AssistantError(f"{where}: expect must be one of {', '.join(KINDS)}")
            qid = str(raw.get("id") or f"{file.stem}-{n}")
            if qid in seen:
                raise AssistantError(f"{where}: the id {qid!r} is used twice")
            seen.add(qid)
            questions.append(
                {
                    "id": qid,
                    "question": raw["question"],
                    "expect": expect,
                    "gold_sources": [str(s) for s in raw.get("gold_sources") or []],
                    "must_include": [str(t) for t in raw.get("must_include") or []],
                    "group": str(raw.get("group") or file.stem),
                    "history": raw.get("history") or [],
                    "reason": raw.get("reason"),  # expected decline reason (report only)
                    "set": file.stem,
                }
            )
    if not questions:
        raise AssistantError("the question files hold no questions")
    return questions
