"""``answer(question, history, backend)``: the one function the CLI, the app and the evals share.

    question ─ clean & check ─ language.detect ─ followup.standalone ─ retrieve.search
             ─ refuse.judge ─ extractive quote, or LLM: asked whether the passages answer (generate.answerable),
               then answering (generate) ─ ground.check ─ (retry once)
             ─ (else extractive: the best sentences quoted, and for an English asker in English too: translate)
             ─ script conversion (Cantonese words for Cantonese, rag.text.spoken)
             ─ Answer with verbatim citations and timings

``stream()`` yields the answer text as it grows (already in the asker's script) and ends with the
final ``Answer``, whose text is what the grounding check passed: the UI replaces what it streamed.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from rag import config
from rag.answer import extractive, followup, generate, ground, prompts, refuse, translate
from rag.config import Settings
from rag.index import embedder, store
from rag.index.retrieve import Index, open_index
from rag.records import Answer, Citation, Hit
from rag.text import kinds, language, spoken

if TYPE_CHECKING:  # for hints only: stream() imports rag.llm.backends where an LLM is first needed
    from rag.llm.backends import LLM

BACKENDS = ("bundled", "openai", "extractive")

log = logging.getLogger(__name__)


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
    return "\n".join(collection.get(where={"view": "zh"}, include=["documents"])["documents"] or [])


def clean(question: str) -> str:
    """Text a person could have meant: no lone surrogates, no control characters, NFC, trimmed."""
    # Category C covers control characters, lone surrogates and unassigned code points.
    question = "".join(ch for ch in question if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    question = unicodedata.normalize("NFC", question).strip()
    # Nothing to go on (only punctuation, symbols or spaces) is treated as no question at all.
    return question if any(ch.isalnum() for ch in question) else ""


def check_input(question: str, settings: Settings) -> tuple[str, str, str | None]:
    """(cleaned question, its language, the message refusing it or None): the one gate every
    interface's input passes, so the app, the CLI's ask and search, and the evals refuse alike.

    The language is read from the first few thousand characters: enough to tell, and a megabyte
    pasted in is refused in the asker's language without being read whole.
    """
    q = clean(question)
    lang = language.detect(q[: 4 * settings.max_question_chars]).lang
    if not q:
        return q, lang, prompts.EMPTY_QUESTION[lang]
    if len(q) > settings.max_question_chars:
        return q, lang, prompts.TOO_LONG[lang].format(n=len(q), limit=settings.max_question_chars)
    return q, lang, None


class _Clock:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.timings.setdefault(name, (time.perf_counter() - self.t0) * 1000)


def _cite(settings: Settings, text: str, hits: list[Hit], cited: tuple[int, ...]) -> list[Citation]:
    """For each passage the answer cites, the sentence in it closest to what the answer says."""
    body = np.asarray(embedder.embed_model(settings).get_query_embedding(ground.strip_markers(text)))
    out = []
    for n in cited:
        cands = extractive.sentences(hits[n - 1], n - 1)
        vecs = embedder.passage_vectors(settings, [c.text for c in cands])
        best = cands[int(np.argmax(vecs @ body))]
        chunk = best.hit.chunk
        out.append(Citation(n=n, chunk_id=chunk.id, quote=best.text, start=best.spans[0][0], end=best.spans[-1][1],
                            sub_article=chunk.sub_article, heading=chunk.heading, spans=best.spans))
    return out


def as_shown(text: str, lang: str) -> str:
    """A model's text in the asker's script, and for a Cantonese asker in Cantonese words (``rag.text.spoken``)."""
    text = language.convert_to_script(text, lang)
    return spoken.cantonese(text) if lang == "yue" else text


def answering_passages(question: str, hits: list[Hit]) -> list[Hit]:
    """The hits a model may answer from, best first: without bylines, unless the question asks who wrote.

    A byline (香港文匯報訊（記者 楊盈盈）) says only who wrote a story, and otherwise takes a passage's place: it
    was among the three shown for 11 answerable questions (2026-12-02), and two were answered with it
    (係邊個負責牽頭？ 香港文匯報訊（記者 楊盈盈）[3]).
    """
    return [h for h in hits if h.chunk.kind != "byline" or kinds.asks_for_author(question)] or hits


def _sure_it_is_answered(settings: Settings, llm: LLM, query: str, lang: str, shown: list[Hit],
                         hits: list[Hit]) -> float | None:
    """How sure the model is that the article answers the question: the mean of its P(YES) to "do these
    passages state the answer?" over the passages it was shown and over the one sentence an extractive answer
    would quote first (``generate.answerable_probability``); None where the backend gives no probabilities.

    Two judgments, because each alone overlaps between the answerable and unanswerable questions it gave up on
    (2026-12-03, both eval sets): over the passages 0.61-0.85 against 0.51-0.75; the mean of the two was at
    least 0.66 for 26 of the 29 answerable ones and at most 0.64 for all 26 unanswerable ones (evals/HISTORY.md).
    """
    passages = generate.answerable_probability(llm, query, lang, shown, settings.llm_passage_labels)
    # The sentence _extractive quotes first: extractive.choose ranks the same PASSAGES, not RAG_LLM_PASSAGES.
    best = extractive.evidence(settings, query, hits, extractive.PASSAGES, 1)
    if passages is None or not best:  # no probabilities, or no sentence to quote
        return None
    sentence = generate.answerable_probability(llm, query, lang, best, settings.llm_passage_labels)
    return None if sentence is None else (passages + sentence) / 2


def _extractive(settings, lang, question, query, hits, clock, backend, note="",
                llm: LLM | None = None) -> Iterator[str | Answer]:
    """The best sentences quoted; for an English asker with their English (``rag.answer.translate``) after them.

    With a model to translate, the quote is yielded first, so the asker reads it while the translation is written.
    """
    chosen = extractive.choose(settings, query, hits)
    if not chosen:
        yield _refusal(lang, prompts.REFUSAL[lang], hits, clock, backend)
        return
    quoted = [c.text for c in chosen]
    if lacks := kinds.missing(question, lang, "".join(quoted), quoted):
        # The best sentences name the scheme but no amount (or count, or span of time): quoting them would not
        # answer "how much" (rag.text.kinds).
        yield _refusal(lang, prompts.REFUSAL[lang], hits, clock, backend,
                       note=f"the best sentences do not answer it: {lacks}{': ' + note if note else ''}")
        return
    text, citations = extractive.compose(lang, chosen)
    clock.mark("first_token_ms")
    untranslated: list[str] = []
    if lang == "en":
        if llm is not None:
            yield text
        english, untranslated = translate.english(quoted, llm)
        text, citations = extractive.compose(lang, chosen, english)
    if note:
        text = f"{text}\n\n{note}"
    clock.mark("total_ms")
    note = "; ".join(filter(None, [note, *untranslated]))
    yield Answer(text=text, language=lang, refused=False, grounded=True, backend="extractive",
                 citations=tuple(citations), retrieved=tuple(hits), timings=clock.timings, note=note)


def _refusal(lang, message, hits, clock, backend, note: str = "") -> Answer:
    clock.mark("total_ms")
    return Answer(text=message, language=lang, refused=True, grounded=True, backend=backend,
                  retrieved=tuple(hits), timings=clock.timings, note=note)


def stream(question: str, history: list[str] | None = None, backend: str = "extractive",
           settings: Settings | None = None) -> Iterator[str | Answer]:
    """Yield the growing answer text, then the final Answer."""
    settings = settings or config.load()
    clock = _Clock()
    q, lang, refused = check_input(question, settings)
    if refused:
        yield _refusal(lang, refused, [], clock, backend)
        return
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")

    # A turn the bot refused (empty, or over the limit) is no context: a 1 MB question followed by
    # 佢幾時開始？ would otherwise be searched whole.
    earlier = [c for c, _, r in (check_input(h, settings) for h in history or []) if not r]
    query = followup.standalone(q, earlier, lang)
    try:
        with store.guard(settings):
            hits = _index(settings).search(query, k=settings.top_k, lang=lang)
            corpus = _corpus_text(settings)
    except store.StoreError:
        # A store that failed (server killed, folder replaced) is opened afresh on the next question,
        # so questions work again once the operator has fixed it, without restarting the app.
        _index.cache_clear()
        _corpus_text.cache_clear()
        raise
    clock.mark("retrieve_ms")
    # The refusal threshold is a cosine similarity; hybrid and lexical scores are not one, Hit.cosine is.
    cosines = [h.cosine for h in hits if h.cosine is not None]
    top = max(cosines) if cosines else (settings.refuse_below if hits else 0.0)
    floor = settings.refuse_below_en if lang == "en" else settings.refuse_below
    verdict = refuse.judge(q, lang, top, corpus, floor)
    if verdict.refuse:
        yield _refusal(lang, prompts.REFUSAL[lang], hits, clock, backend,
                       note=f"refused before any model: {verdict.reason}")
        return
    if backend == "extractive":
        yield from _extractive(settings, lang, q, query, hits, clock, backend)
        return

    from rag.llm.backends import LLMUnavailable, load_llm

    pool = answering_passages(q, hits)
    shown = pool[: settings.llm_passages]
    if settings.llm_evidence_chars:
        shown = extractive.evidence(settings, query, pool, settings.llm_passages, settings.llm_evidence_chars) or shown
    passages = [h.chunk.text for h in shown]
    seen = [generate.shown_text(h, lang) for h in shown]  # as the model reads them (English renderings)
    previous = earlier[-1] if query != q else None
    rejected = None
    llm: LLM | None = None
    try:
        llm = load_llm(settings, backend)
        # ``query``: a follow-up joined to the question before it (see generate.answerable).
        if settings.llm_ask_answerable and not generate.answerable(llm, query, lang, shown,
                                                                   settings.llm_passage_labels):
            yield _refusal(lang, prompts.REFUSAL[lang], hits, clock, backend,
                           note="the model, asked first, said the passages do not answer it")
            return
        for _attempt in range(2):
            text = ""
            for delta in generate.stream(llm, generate.messages(q, lang, shown, previous, rejected,
                                                                  settings.llm_passage_labels)):
                clock.mark("first_token_ms")
                text += delta
                if prompts.NOT_FOUND not in text and not prompts.NOT_FOUND.startswith(text.strip()):
                    yield as_shown(text, lang)
            text = language.convert_to_script(text.strip(), lang)
            text = generate.tidy(text, lang)
            result = ground.check(text, passages, q, lang)
            if result.problems == (ground.NO_CITATION,):
                # Cited by code where a sentence is plainly a passage's (see ground.attribute): a retry
                # to add the markers mostly ended in NOT_IN_ARTICLE, a false refusal.
                marked = ground.attribute(text, seen, passages)
                if marked and (again := ground.check(marked, passages, q, lang)).ok:
                    text, result = marked, again
            elif result.problems and all(p.startswith("figures not in") for p in result.problems):
                moved = ground.recite(text, passages)
                if moved and (again := ground.check(moved, passages, q, lang)).ok:
                    text, result = moved, again
            if result.not_found:
                # Said on the retry, the refusal keeps why the first answer was turned down (for the evals).
                why = (f"the model found no answer after its first was rejected ({rejected[1]}): "
                       f"{rejected[0][:300]!r}") if rejected else "the model found no answer in the passages"
                sure = _sure_it_is_answered(settings, llm, query, lang, shown, hits) if rejected else None
                if sure is not None and sure >= settings.llm_quote_above:
                    # It could not write a grounded answer, but was sure the passages hold one: quote them.
                    because = f"{why}; quoted instead, as it judged the article to answer it (mean P(YES) {sure:.2f})"
                    for quoted in _extractive(settings, lang, q, query, hits, clock, backend, llm=llm):
                        yield quoted if isinstance(quoted, str) else \
                            dataclasses.replace(quoted, note="; ".join(filter(None, [because, quoted.note])))
                    return
                yield _refusal(lang, prompts.REFUSAL[lang], hits, clock, backend, note=why)
                return
            # A claim cited to a passage that plainly does not hold it is cited to the one that does.
            if result.ok and (moved := ground.recite_words(text, seen, q)) and \
                    (again := ground.check(moved, passages, q, lang)).ok:
                text, result = moved, again
            # A figure the model stripped of its 近, 約 or 不少於 gets it back (the check ignores qualifiers).
            if result.ok and (requalified := ground.requalify(text, passages, lang)) and \
                    (again := ground.check(requalified, passages, q, lang)).ok:
                text, result = requalified, again
            if result.ok:
                citations = tuple(_cite(settings, text, shown, result.cited))
                clock.mark("total_ms")
                # Checked as written; shown in Cantonese words to a Cantonese asker (figures and names unmoved).
                yield Answer(text=as_shown(text, lang), language=lang, refused=False, grounded=True,
                             backend=backend, citations=citations, retrieved=tuple(hits), timings=clock.timings)
                return
            rejected = (text, "; ".join(result.problems))
            if lang == "en" and any(p.startswith("figures") for p in result.problems):
                # It mistranslated a figure (20億元 as "20 billion"): say which English forms are right.
                rejected = (text, f"{rejected[1]}; the passages' figures in English are: "
                                  + "; ".join(generate.english_figures(seen)))
        note = ""
    except LLMUnavailable as e:
        # The citizen sees FELL_BACK; the operator needs the cause and its fix (in the message).
        log.warning("LLM unavailable, answered extractively instead: %s", e)
        note = f"{prompts.FELL_BACK[lang]}"
        rejected = (None, str(e))
        llm = None  # not asked again to translate the quote
    for fallback in _extractive(settings, lang, q, query, hits, clock, backend, note=note, llm=llm):
        if isinstance(fallback, Answer) and not fallback.refused and not note:
            why = f"replaced an answer that failed grounding: {rejected[1]}"
            fallback = dataclasses.replace(fallback, note="; ".join(filter(None, [why, fallback.note])))
        yield fallback


def unavailable(question: str, backend: str = "extractive") -> Answer:
    """What a citizen gets when the index cannot be read: no answer (never one without sources).

    For interfaces that catch ``store.StoreError``; its message, with the operator's fix, goes to
    their log.
    """
    lang = language.detect(clean(question)).lang
    return Answer(text=prompts.INDEX_UNAVAILABLE[lang], language=lang, refused=True, grounded=True,
                  backend=backend, note="index unavailable")


def warm(settings: Settings, backend: str) -> None:
    """Load what the first question would otherwise wait for: the index, the embedding model, and the
    bundled LLM (read once and run one token). The app calls it before it opens; the eval runner
    before it times anything, so its latency figures are the warm ones the targets speak of."""
    answer("撥咗幾多錢搞全民AI培訓？", backend="extractive", settings=settings)
    if backend != "extractive":  # only a model's answers are put into Cantonese words
        spoken.cantonese("在香港的")  # jieba's part-of-speech tables, read once (about a second)
    if backend == "bundled":
        from rag.llm.backends import load_llm

        load_llm(settings, "bundled")
    embedder.forget_queries()


def answer(question: str, history: list[str] | None = None, backend: str = "extractive",
           settings: Settings | None = None) -> Answer:
    final = None
    for item in stream(question, history, backend, settings):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final
