"""Is a generated answer grounded? Every [n] names a given passage, and every figure is in one it cites.

Checked on the final text before it is shown. Figures are compared by value across languages
and formats (HK$50 million = 5,000萬元 = 五千萬; 下半年 = the second half of the year) by
``rag.numbers``, so a correct English rendering passes and an invented year or amount does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag import prompts

_MARK = re.compile(r"\[(\d{1,2})\]")


@dataclass(frozen=True)
class Check:
    ok: bool
    cited: tuple[int, ...]
    problems: tuple[str, ...]
    not_found: bool = False


def markers(text: str) -> list[int]:
    return [int(m) for m in _MARK.findall(text)]


def strip_markers(text: str) -> str:
    return _MARK.sub("", text)


#: An answer whose words are at least this share the question's own says nothing the question did not.
ECHO = 0.8


def _terms(text: str) -> set[str]:
    """Latin words and Chinese character pairs, in one script with Cantonese mapped to written words."""
    from rag import language

    norm = language.for_matching(strip_markers(text))
    words = set(re.findall(r"[a-z0-9]+", norm))
    han = re.sub(r"[^\u3400-\u9fff]+", " ", norm)
    return words | {han[i:i + 2] for i in range(len(han) - 1) if " " not in han[i:i + 2]}


def echoes(text: str, question: str) -> bool:
    """The answer restates the question instead of answering it.

    Seen from the bundled model: 政府會搵邊啲機構嚟搞AI課程、講座同比賽。[1] for the question
    政府會搵邊啲機構嚟搞AI課程、講座同比賽？ It has a citation and no figure, so nothing else catches it.
    """
    said, asked = _terms(text), _terms(question)
    return bool(said) and len(said & asked) >= ECHO * len(said)


def check(text: str, passages: list[str], question: str = "") -> Check:
    from rag import numbers

    if prompts.NOT_FOUND in text or not text.strip():
        return Check(False, (), ("the model found no answer in the passages",), not_found=True)
    cited = tuple(dict.fromkeys(markers(text)))
    problems = []
    if not cited:
        problems.append("no [n] citation")
    if question and echoes(text, question):
        problems.append("it repeats the question instead of answering it")
    bad = [n for n in cited if not 1 <= n <= len(passages)]
    if bad:
        problems.append(f"cites passage(s) {bad} that were not given")
    sources = [passages[n - 1] for n in cited if 1 <= n <= len(passages)]
    if sources:
        missing = numbers.unsupported(strip_markers(text), sources)
        if missing:
            problems.append("figures not in the cited passages: " + ", ".join(q.text for q in missing))
    return Check(not problems, cited, tuple(problems))
