"""Eval question files: JSON Lines in the shared format, read strictly, errors naming file and line.

    {"id": "...", "lang": "en|yue|cmn-Hant|cmn-Hans", "question": "...", "answerable": true,
     "facts": [["5,000萬", "50 million"], ...], "evidence": ["verbatim span", ...],
     "adversarial": false, "followup_of": null, "split": "dev"}

``adversarial``, ``followup_of``, ``split`` and ``source`` are optional; extra fields are kept and ignored.

``source`` names the corpus file a question is about (``"kai-tak-sports-park.md"``); reports group
questions by it (evals/scoring.py ``source_of``), and without one by where the question's evidence is
found. A ``source`` that is no corpus file (small talk's ``written`` / ``hkcancor``) is not a file
and is not used as one.

``split`` says what a question is for: ``dev`` questions are the ones the project's choices may be
tuned on, ``test`` questions are only reported. Without one a question is in neither (reports count
it under "all" only), except a follow-up, which takes the split of the question it follows; a
follow-up in another split than that question is an error (a test answer would hang on a dev
question). evals/split.py draws the split of new questions and writes it into their rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

LANGS = ("en", "yue", "cmn-Hant", "cmn-Hans")
SPLITS = ("dev", "test")
DEFAULT = Path(__file__).resolve().parent / "questions.jsonl"


class DatasetError(ValueError):
    """A malformed question file; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    question: str
    answerable: bool
    facts: tuple[tuple[str, ...], ...]
    evidence: tuple[str, ...]
    adversarial: bool = False
    followup_of: str | None = None
    split: str | None = None
    source: str | None = None


def _check(where: str, obj: object) -> Question:
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    missing = [k for k in ("id", "lang", "question", "answerable", "facts", "evidence") if k not in obj]
    if missing:
        raise DatasetError(f"{where}: missing field(s) {', '.join(missing)}")
    if not isinstance(obj["id"], str) or not obj["id"].strip():
        raise DatasetError(f"{where}: id must be a non-empty string")
    if obj["lang"] not in LANGS:
        raise DatasetError(f"{where}: lang {obj['lang']!r} is not one of {', '.join(LANGS)}")
    if not isinstance(obj["question"], str) or not obj["question"].strip():
        raise DatasetError(f"{where}: question must be a non-empty string")
    if not isinstance(obj["answerable"], bool):
        raise DatasetError(f"{where}: answerable must be true or false")
    facts = obj["facts"]
    if not isinstance(facts, list) or not all(
        isinstance(f, list) and f and all(isinstance(s, str) and s for s in f) for f in facts
    ):
        raise DatasetError(f"{where}: facts must be a list of non-empty lists of strings")
    ev = obj["evidence"]
    if not isinstance(ev, list) or not all(isinstance(s, str) and s for s in ev):
        raise DatasetError(f"{where}: evidence must be a list of strings")
    adversarial = obj.get("adversarial", False)
    followup = obj.get("followup_of")
    if not isinstance(adversarial, bool):
        raise DatasetError(f"{where}: adversarial must be true or false")
    if followup is not None and not isinstance(followup, str):
        raise DatasetError(f"{where}: followup_of must be an id or null")
    split = obj.get("split")
    if split is not None and split not in SPLITS:
        raise DatasetError(f"{where}: split {split!r} is not one of {', '.join(SPLITS)} (or null)")
    source = obj.get("source")
    if source is not None and not isinstance(source, str):
        raise DatasetError(f"{where}: source must be a file name (a string) or null")
    return Question(obj["id"], obj["lang"], obj["question"], obj["answerable"],
                    tuple(tuple(f) for f in facts), tuple(ev), adversarial, followup, split, source or None)


def load(paths: list[Path] | None = None) -> list[Question]:
    """Read one or more files; ids must be unique across them, follow-ups must point back and stay in
    their conversation's split."""
    out: list[Question] = []
    seen: dict[str, str] = {}
    split_of: dict[str, str | None] = {}
    for path in paths or [DEFAULT]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise DatasetError(f"{path}: cannot be read as UTF-8 text ({e})") from e
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{n}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from None
            q = _check(where, obj)
            if q.id in seen:
                raise DatasetError(f"{where}: id {q.id!r} already used at {seen[q.id]}")
            if q.followup_of is not None and q.followup_of not in seen:
                raise DatasetError(f"{where}: followup_of {q.followup_of!r} names no earlier question")
            parent = split_of.get(q.followup_of) if q.followup_of is not None else None
            if q.split is None and parent is not None:  # a new follow-up joins its conversation's split
                q = replace(q, split=parent)
            elif q.split is not None and parent is not None and q.split != parent:
                raise DatasetError(f"{where}: split {q.split!r}, but the question it follows "
                                   f"({q.followup_of}) is in {parent!r}; a conversation stays in one split")
            seen[q.id] = where
            split_of[q.id] = q.split
            out.append(q)
    if not out:
        raise DatasetError("no questions in " + ", ".join(str(p) for p in paths or [DEFAULT]))
    return out


def conversation(q: Question, by_id: dict[str, Question]) -> list[Question]:
    """The questions asked before ``q`` in its conversation, oldest first."""
    chain = []
    cur = q
    while cur.followup_of is not None:
        cur = by_id[cur.followup_of]
        chain.append(cur)
    return chain[::-1]
