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


def check(text: str, passages: list[str]) -> Check:
    from rag import numbers

    if prompts.NOT_FOUND in text or not text.strip():
        return Check(False, (), ("the model found no answer in the passages",), not_found=True)
    cited = tuple(dict.fromkeys(markers(text)))
    problems = []
    if not cited:
        problems.append("no [n] citation")
    bad = [n for n in cited if not 1 <= n <= len(passages)]
    if bad:
        problems.append(f"cites passage(s) {bad} that were not given")
    sources = [passages[n - 1] for n in cited if 1 <= n <= len(passages)]
    if sources:
        missing = numbers.unsupported(strip_markers(text), sources)
        if missing:
            problems.append("figures not in the cited passages: " + ", ".join(q.text for q in missing))
    return Check(not problems, cited, tuple(problems))
