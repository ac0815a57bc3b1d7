"""Rewrite a follow-up into a standalone question, from the chat history.

佢幾時開始運作？ after a question about the AI R&D institute means "when does the institute start?".
A question in a conversation is taken as a follow-up when it points back (佢, 嗰個, 其, it, they …),
or is short and names nothing of the corpus's own (no body, scheme or place from
``rag/data/proper_nouns.txt`` or the glossary in use, no capitalised English name). A follow-up is searched and answered
together with the question before it. Searching it alone, or adding the two searches' scores, or
ranking the previous question's own best passage lower, all put the right passage first less often
for the eval set's follow-ups (docs/history.md): the answer to a follow-up is often in the same
passage. Written by hand because the bundled 1.5B model rewrites questions unreliably and the rule
costs nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import glossary, language

# 嗰個 and 其 are left out: 「100億嗰個基金」 and 「其中」 point at what the same question names.
_ZH_POINTING = ("佢", "它", "他們", "這個", "這些", "這項", "那個", "那些", "該", "呢個", "呢啲", "嗰啲", "嗰度",
                "剩低", "剩下", "餘下", "上述")
_EN_POINTING = re.compile(r"\b(it|they|them)\b", re.IGNORECASE)
_EN_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][A-Za-z&+\-]+|\b[A-Z]{2,}[A-Za-z\-]*\b")
# Names too general to make a question standalone.
_GENERIC = {"香港", "政府", "特區政府", "香港特區政府", "元朗", "沙嶺", "內地", "國家"}


def _names() -> tuple[str, ...]:
    """The corpus's names: the Budget article's list, and the glossary in use (the hand rows and the machine-made
    rows of every other article, ``rag.index.names``), so that 啟德體育園幾時開幕？ asked after a question on the
    Budget is its own question, not a follow-up searched with it."""
    # Hand-written "term" rows are subjects (人工智能, 中小學), which a follow-up names too (咁中小學呢？); the
    # machine-made rows count whatever their kind.
    rows = tuple(e.chinese for e in glossary.entries() if e.kind in glossary.NAME_KINDS or e.certainty == "machine")
    return _names_of(rows)


@lru_cache(maxsize=8)
def _names_of(rows: tuple[str, ...]) -> tuple[str, ...]:
    names = [n for n in (*language.proper_nouns(), *rows) if len(n) >= 3 and n not in _GENERIC]
    return tuple(sorted({language.for_matching(n) for n in names}, key=len, reverse=True))


def names_something(question: str, lang: str) -> bool:
    if lang == "en":
        return bool(_EN_NAME.search(question))
    norm = language.for_matching(question)
    return any(n in norm for n in _names())


def points_back(question: str, lang: str) -> bool:
    if lang == "en":
        return bool(_EN_POINTING.search(question))
    norm = language.to_traditional(question)
    return any(w in norm for w in _ZH_POINTING)


def is_short(question: str, lang: str) -> bool:
    """Short questions lean on context (咁每間學校攞到幾多？, So what happens in the first phase?)."""
    if lang == "en":
        return len(re.findall(r"[A-Za-z0-9']+", question)) <= 9
    return len(re.sub(r"[\W\d_A-Za-z]", "", question)) <= 12


def standalone(question: str, history: list[str] | None, lang: str) -> str:
    """The question to search and answer with: itself, or the previous question and itself."""
    if not history:
        return question
    if points_back(question, lang) or (is_short(question, lang) and not names_something(question, lang)):
        return f"{history[-1]} {question}"
    return question
