"""Prompt the language model with the best passages, numbered, and stream its answer.

For English questions the Chinese passages carry deterministic English renderings of their
figures (5,000萬元 [= HK$50 million]) and of the names in the glossary (陳茂波 [= Paul Chan
Mo-po]): a 1.5B model translates figures and names badly, so it is given them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag import language, prompts
from rag.glossary import annotate_english
from rag.llm import LLM
from rag.records import Hit

MAX_TOKENS = 200


def shown_text(hit: Hit, lang: str) -> str:
    """A passage as the model reads it."""
    return annotate_english(hit.chunk.text) if lang == "en" else hit.chunk.text


def english_figures(shown: list[str]) -> list[str]:
    """The English renderings of figures that ``shown_text`` put in the passages ([= HK$2 billion])."""
    forms = re.findall(r"\[= ([^\]]*\d[^\]]*)\]", "\n".join(shown))
    return list(dict.fromkeys(forms))


def passages_block(hits: list[Hit], lang: str, labels: bool = True) -> str:
    lines = []
    for n, h in enumerate(hits, 1):
        text = shown_text(h, lang)
        lines.append(f"[{n}] ({h.chunk.sub_article}) {text}" if labels else f"[{n}] {text}")
    return "\n".join(lines)


def messages(question: str, lang: str, hits: list[Hit], previous: str | None = None,
             rejected: tuple[str, str] | None = None, labels: bool = True) -> list[dict[str, str]]:
    """The chat; ``rejected`` is (the answer the grounding check refused, why), for one retry."""
    name = language.LANG_NAMES[lang]
    user = prompts.USER.format(passages=passages_block(hits, lang, labels), question=question, language=name,
                               previous=prompts.PREVIOUS.format(previous=previous) if previous else "",
                               english_rule=prompts.ENGLISH_RULE if lang == "en" else "")
    msgs = [{"role": "system", "content": prompts.SYSTEM}, {"role": "user", "content": user}]
    if rejected:
        msgs.append({"role": "assistant", "content": rejected[0]})
        msgs.append({"role": "user", "content": prompts.STRICT.format(problems=rejected[1])})
    return msgs


def stream(llm: LLM, msgs: list[dict[str, str]]) -> Iterator[str]:
    yield from llm.stream(msgs, max_tokens=MAX_TOKENS)
