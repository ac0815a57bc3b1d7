"""``answer(question, history, backend)``: the one function the CLI, the app and the evals share.

    question ─ clean & check ─ language.detect ─ (follow-up → standalone) ─ retrieve.search
             ─ refuse.judge ─ backend: extractive (quote) · bundled / openai (LLM, grounded)
             ─ script conversion ─ Answer (text, citations with verbatim quotes and places, timings)
"""

from __future__ import annotations

import time
import unicodedata
from functools import lru_cache

from rag import config, extractive, followup, language, prompts, refuse, store
from rag.config import Settings
from rag.records import Answer
from rag.retrieve import Index, open_index

BACKENDS = ("extractive",)


@lru_cache(maxsize=4)
def _index(settings: Settings) -> Index:
    return open_index(settings)


@lru_cache(maxsize=4)
def _corpus_text(settings: Settings) -> str:
    """Every indexed passage's text: what 'the article mentions' means to the refusal check.

    Read from the index rather than the corpus folder, so a deployment with a Chroma server and
    no corpus files refuses the same way.
    """
    client = store.connect(settings)
    _, collection = store.open_active(client, settings)
    return "\n".join(collection.get(include=["documents"])["documents"] or [])


def clean(question: str) -> str:
    """Text a person could have meant: no lone surrogates, no control characters, NFC, trimmed."""
    question = question.encode("utf-8", "replace").decode("utf-8")
    question = "".join(ch for ch in question if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return unicodedata.normalize("NFC", question).strip()


def _refusal(lang: str, message: str, hits, timings, backend: str) -> Answer:
    return Answer(text=message, language=lang, refused=True, grounded=True, backend=backend,
                  retrieved=tuple(hits), timings=timings)


def answer(question: str, history: list[str] | None = None, backend: str = "extractive",
           settings: Settings | None = None) -> Answer:
    settings = settings or config.load()
    t0 = time.perf_counter()
    q = clean(question)
    lang = language.detect(q).lang
    if not q:
        return _refusal(lang, prompts.EMPTY_QUESTION[lang], [], {}, backend)
    if len(q) > settings.max_question_chars:
        return _refusal(lang, prompts.TOO_LONG[lang].format(n=len(q), limit=settings.max_question_chars),
                        [], {}, backend)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")

    query = followup.standalone(q, [clean(h) for h in history or [] if clean(h)], lang)
    index = _index(settings)
    hits = index.search(query, k=settings.top_k)
    timings = {"retrieve_ms": (time.perf_counter() - t0) * 1000}

    verdict = refuse.judge(q, lang, hits[0].score if hits else 0.0, _corpus_text(settings), settings.refuse_below)
    if verdict.refuse:
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return _refusal(lang, prompts.REFUSAL[lang], hits, timings, backend)

    chosen = extractive.choose(settings, query, hits)
    text, citations = extractive.compose(lang, chosen)
    timings["first_token_ms"] = timings["total_ms"] = (time.perf_counter() - t0) * 1000
    return Answer(text=text, language=lang, refused=False, grounded=bool(citations), backend="extractive",
                  citations=tuple(citations), retrieved=tuple(hits), timings=timings)
