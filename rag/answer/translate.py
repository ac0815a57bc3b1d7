"""English for an English asker's Chinese quote: the model's translation if it passes the check, else the names
and figures the quote states, rendered by code.

An extractive answer quotes the article verbatim, in Chinese (``rag.answer.extractive``); to an English asker who reads
no Chinese it said nothing. Issue #4 asks for "the quote with a short English gloss only if that gloss itself
passes the check", so there are two glosses:

* ``translate``: the language model translates each quoted sentence, read with its names and figures already in
  English ([= HK$2 billion], as for an answer), and its translation is shown only if ``problems`` finds nothing
  wrong with it: every figure in it is one the sentence states and every figure the sentence states is in it,
  every glossary name in it is one the sentence names, it is English, it is whole, and it does not recite the
  model's instructions. Only the article's own sentence goes into this prompt, never the question, so an
  instruction hidden in a question cannot reach it.
* ``names_and_figures``: "HK$2 billion (20億元); Quality Education Fund (QEF) (優質教育基金)", made by code from
  ``corpus/glossary.tsv`` and ``rag.text.numbers``, so always right: for the extractive backend, when the model is
  unavailable, and for a sentence whose translation failed the check.

Why by hand: llama-index has no notion of checking a translation against its source; its evaluators would ask
an LLM, which here is the model being checked.
"""

from __future__ import annotations

import re

from rag.answer import generate, ground, prompts
from rag.llm.backends import LLM, LLMUnavailable
from rag.text import glossary, language, numbers

#: The most tokens a translation may take: an article sentence runs to about 150 characters, about 120
#: English words. A translation cut off here is incomplete and fails the check.
MAX_TOKENS = 240

NO_TRANSLATION = "no translation"
NOT_ENGLISH = "it is not in English"
CUT_OFF = "it stops mid-sentence"
INVENTED_FIGURES = "figures the quote does not state"
DROPPED_FIGURES = "figures of the quote it leaves out"
OTHER_NAMES = "names the quote does not name"

_ENDS = re.compile(r"[.!?。！？\"”’)]\s*$")


def names_and_figures(text: str) -> str:
    """The glossary names and the figures a Chinese text states, each in English with its Chinese, in reading order:
    the figures are those the passages an English question's model reads give in English (``numbers.glossed``).
    """
    found: list[tuple[int, str]] = []
    for t in glossary.find_terms(text):
        found.append((t.start, f"{t.english} ({text[t.start:t.end]})"))
    for q, english in numbers.glossed(text):
        found.append((q.start, f"{english} ({q.text})"))
    return "; ".join(dict.fromkeys(item for _, item in sorted(found, key=lambda f: f[0])))


#: What the model sometimes puts before its translation ("The passage translates to: "…"").
_PREAMBLE = re.compile(r"^(?:here is )?(?:the )?(?:passage|translation|english)[^:.]{0,40}:\s*", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u9fff]")
#: Two or more capitalised words in a row (Chief Executive, Hong Kong International Creativity Expo): a name or title.
_TITLE_CASE = re.compile(r"[A-Z][A-Za-z]+(?:[ -](?:(?:of|and|for|the|on|in)[ -])?[A-Z][A-Za-z]+)+")
#: Capitalised runs any English sentence may begin with or hold that name nothing ("The Government").
_PLAIN_CAPITALS = re.compile(r"^(?:The|This|These|In|On|At|For|As|By|To|With|However|Meanwhile|Also)\s+")


def _unrendered_names(text: str, sentence: str) -> list[str]:
    """Names and titles in a translation that are not among the English forms the model was given for the sentence.

    The glossary check above catches a wrong name that the glossary knows; these are the ones it does not (seen
    from the bundled model: "Paul Chan Mo-po, the Chief Executive of Hong Kong" for 陳茂波; "Hong Kong
    International Creativity Expo" for 香港國際創科展, given as InnoEX).
    """
    given = " ".join(re.findall(r"\[= ([^\]]*)\]", glossary.annotate_english(sentence))).lower()
    if "港" in sentence:  # 香港, 本港, 在港, 來港
        given += " hong kong"
    out = []
    for m in _TITLE_CASE.finditer(text):
        run = _PLAIN_CAPITALS.sub("", m.group())
        if (" " in run or "-" in run) and run.lower() not in given:
            out.append(run)
    return list(dict.fromkeys(out))


def messages(sentence: str, system: str = prompts.SYSTEM) -> list[dict[str, str]]:
    """The chat asking for a translation: the answering chat's fixed start (its system turn, ``system``, which
    names the quoted sentence's article, and the worked examples: ``generate.head``) and one user
    turn holding only the sentence."""
    user = prompts.TRANSLATE.format(passage=glossary.annotate_english(sentence))
    return [*generate.head(system), {"role": "user", "content": user}]


def problems(translation: str, sentence: str) -> list[str]:
    """What is wrong with ``translation`` as an English rendering of the article's ``sentence`` (empty: nothing)."""
    text = ground.strip_markers(translation).strip()
    if not text or prompts.NOT_FOUND in text:
        return [NO_TRANSLATION]
    found = []
    if not language.answer_is_english(text) or _HAN.search(text):
        # Seen: "The message人士 stated" (消息人士, sources), "the above拨款": words it could not translate.
        found.append(NOT_ENGLISH)
    if not _ENDS.search(text):
        found.append(CUT_OFF)
    if invented := numbers.unsupported(text, [sentence]):
        found.append(f"{INVENTED_FIGURES}: {', '.join(q.text for q in invented)}")
    dropped = [q for q in numbers.find_quantities(sentence)
               if not numbers.trivial(q) and numbers.unsupported(q.text, [text])]
    if dropped:
        found.append(f"{DROPPED_FIGURES}: {', '.join(q.text for q in dropped)}")
    # Named in the sentence in Chinese (陳茂波, or inside a longer name: 新型工業化 in the agreement's title), or as
    # written in it in Latin letters (AI, MRDI).
    named = {t.english for t in [*glossary.find_terms(sentence), *glossary.lookup_english(sentence)]}
    traditional = language.to_traditional(sentence)
    others = [t.english for t in glossary.lookup_english(text)
              if t.english not in named and not any(f in traditional for f in t.forms)]
    if others:
        found.append(f"{OTHER_NAMES}: {', '.join(dict.fromkeys(others))}")
    if unnamed := _unrendered_names(text, sentence):
        found.append(f"{OTHER_NAMES}: {', '.join(unnamed)}")
    if recited := ground.leaked(text, [sentence]):
        found.append(f"{ground.LEAKED}: {recited[0]!r}")
    return found


def translate(llm: LLM, sentence: str, system: str = prompts.SYSTEM) -> tuple[str | None, list[str]]:
    """(the model's English for one of the article's sentences, or None if it failed the check; the problems)."""
    try:
        raw = llm.complete(messages(sentence, system), max_tokens=MAX_TOKENS)
    except LLMUnavailable as e:  # the quote stands without it; the names and figures are given instead
        return None, [f"the model is unavailable: {e}"]
    text = _PREAMBLE.sub("", generate.tidy(ground.strip_markers(raw).strip(), "en"))
    text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", text)).strip()  # "InnoPark ." where [= …] was
    if len(text) > 1 and text[0] == text[-1] == '"':
        text = text[1:-1]
    text = numbers.in_hong_kong_dollars(text, [sentence]) or text  # 55元 as "55 yuan", as in an answer
    found = problems(text, sentence)
    # 6,120萬 rendered "6,120,000" or 4.8億元 "HK$4.8 billion": the sentence's value, as in an answer.
    if any(f.startswith(INVENTED_FIGURES) for f in found) and (scaled := numbers.rescaled(text, [sentence])) \
            and not problems(scaled, sentence):
        return scaled, []
    return (None if found else text), found


def english(sentences: list[str], llm: LLM | None = None, system: str = prompts.SYSTEM) -> tuple[str, list[str]]:
    """The English paragraph shown after an English asker's quote, and why any translation was not shown.

    Each quoted sentence, numbered as quoted ([1], [2]), gets the model's translation when there is a model and
    the translation passes ``problems``; otherwise its names and figures. Empty when there is nothing to say.
    ``system``: the answering chat's system turn (``About.system``), so the model's state is shared with it.
    """
    translated: list[str] = []
    listed: list[str] = []
    why: list[str] = []
    for n, sentence in enumerate(sentences, 1):
        text, found = translate(llm, sentence, system) if llm is not None else (None, [])
        if text:
            translated.append(f"{text} [{n}]")
            continue
        if found:
            why.append(f"translation of [{n}] not shown ({'; '.join(found)})")
        if items := names_and_figures(sentence):
            listed.append(f"{items} [{n}]")
    parts = []
    if translated:
        parts.append(f"{prompts.TRANSLATION_LEAD} {' '.join(translated)}")
    if listed:
        parts.append(f"{prompts.ENGLISH_GLOSS_LEAD} {'; '.join(listed)}")
    return "\n\n".join(parts), why
