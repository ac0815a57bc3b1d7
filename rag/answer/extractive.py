"""The no-LLM answer: the sentence(s) that best answer the question, quoted verbatim and cited.

Instant and always grounded, so it is also the fallback whenever a language model is unavailable,
too slow, or writes something the grounding check rejects. Sentences come from the best-ranked
passages; each is scored against the question with the same embedding model (e5 compares a
question with a sentence better than with a whole passage), plus the passage's own rank.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import numpy as np

from rag.answer import prompts
from rag.config import Settings
from rag.index import embedder
from rag.index.corpus import merge_spans
from rag.records import Citation, Hit, Span
from rag.text import language, numbers

# How many of the top passages to take sentences from, and how close (in cosine) a second
# sentence must come to the best one to be quoted too (questions that need two facts).
PASSAGES = 3
SECOND_WITHIN = 0.015
WORD_WEIGHT = float(os.environ.get("RAG_EXTRACTIVE_WORD_WEIGHT", "0.05"))
#: What a sentence stating a figure of the kind the question asks for (a date for "when", an amount for "how
#: much") adds to its score. Asked 新分時段收費方案係幾時開始實施？, e5 and the shared words chose the dateline's
#: 運輸署昨日公布三條過海隧道新一輪分時段收費方案首兩個月的數據, not 新方案自今年3月1日起實施. Over the 693 questions
#: of seventeen eval sets, 11 quotes became right and none wrong (docs/history.md, session 29).
KIND_WEIGHT = 0.02


def _pairs(text: str) -> set[str]:
    """Character pairs of the text's Chinese, in one script with Cantonese mapped to written words."""
    norm = language.for_matching(text)
    return {norm[i:i + 2] for i in range(len(norm) - 1) if norm[i:i + 2].strip() and not norm[i:i + 2].isascii()}


@dataclass(frozen=True)
class Candidate:
    text: str
    spans: tuple[Span, ...]
    hit: Hit
    rank: int


def sentences(hit: Hit, rank: int) -> list[Candidate]:
    """A chunk's sentences with their own spans."""
    spans = hit.chunk.sentences or (hit.chunk.spans,)
    return [Candidate(t, tuple(tuple(s) for s in sp), hit, rank)
            for t, sp in zip(hit.chunk.sentence_texts(), spans, strict=True)]


def ranked(settings: Settings, question: str, hits: list[Hit], passages: int = PASSAGES, dense: str = "",
           prefer: frozenset[str] = frozenset()) -> list[tuple[float, Candidate]]:
    """The sentences of the best ``passages`` passages, best first, each with its score.

    ``dense``: the text search embedded for the question (``retrieve.Query.dense``; the question when empty). An
    English question's holds the Chinese of the names it uses: "What did Lee Ka-chiu do at the opening?" shares
    nothing with 行政長官李家超主禮 but 李家超, and the question alone quoted the stadium's size. ``prefer``: the
    units of a figure that answers the question (``kinds.asked_units``); a sentence stating one scores
    ``KIND_WEIGHT`` more."""
    # Headlines and bylines name a story; they do not state its facts.
    shown = [h for h in hits if h.chunk.kind not in ("headline", "byline")][:passages]
    cands = [c for rank, h in enumerate(shown) for c in sentences(h, rank)]
    cands = [c for c in cands if len(c.text) >= 4]
    if not cands:
        return []
    q = np.asarray(embedder.query_vector(settings, dense or question))
    vecs = embedder.passage_vectors(settings, [c.text for c in cands])
    # The passage's rank counts a little: retrieval saw the whole passage, the sentence score does not.
    # So do the question's own words: e5 alone prefers a sentence that repeats the question's topic
    # (國家製造業創新中心) over the one that answers it (該創新中心將由…擔任承辦機構).
    words = _pairs(question)
    overlap = np.asarray([len(words & _pairs(c.text)) / len(words) if words else 0.0 for c in cands])
    scores = vecs @ q - 0.005 * np.asarray([c.rank for c in cands]) + WORD_WEIGHT * overlap
    if prefer:
        scores += KIND_WEIGHT * np.asarray([any(f.unit in prefer and not numbers.trivial(f)
                                                for f in numbers.find_quantities(c.text)) for c in cands])
    return [(float(scores[i]), cands[i]) for i in np.argsort(-scores)]


def choose(settings: Settings, question: str, hits: list[Hit], rejected: str = "",
           dense: str = "", prefer: frozenset[str] = frozenset()) -> list[Candidate]:
    """The best sentence, and a second one when it is nearly as good and adds a different fact.

    ``rejected``: the model's answer that was turned down, when this quote replaces it. Its figures say which of
    two near sentences the model read the answer in: when one of them states more of them than the other, that one
    alone is quoted (it was "all of them", and an answer with one made-up figure held all in neither). The second
    sentence had been quoted beside the one with the answer ("The Northern Link main line is estimated to cost HK$62
    billion", uncited, quoted as 620億元's sentence and the next one about the funding application), and a quote
    beside the evidence is a wrong citation to a checker."""
    order = ranked(settings, question, hits, dense=dense, prefer=prefer)
    if not order:
        return []
    top, first = order[0]
    best = [first]
    for score, c in order[1:]:
        if top - score > SECOND_WITHIN:
            break
        if c.text not in first.text and first.text not in c.text:
            best.append(c)
            break
    if len(best) == 2 and rejected:
        # Of the rejected answer's figures, those the question states (三條過海隧道) say nothing of where it was read.
        said = [f for f in numbers.find_quantities(rejected) if not numbers.trivial(f)
                and numbers.unsupported(f.text, [question])]
        held = [sum(not numbers.unsupported(f.text, [c.text]) for f in said) for c in best]
        if held[0] != held[1]:
            best = [best[held.index(max(held))]]
    return best


def evidence(settings: Settings, question: str, hits: list[Hit], passages: int, budget: int) -> list[Hit]:
    """The passages a language model is shown, each cut to its sentences that best fit the question.

    About ``budget`` characters in all (the best sentence always): on a small CPU the model reads its
    prompt slowly (docs/history.md), so every sentence it need not read is time off the first token.
    Each cut passage keeps its chunk's id and place; its text is its kept sentences, in article
    order, with their own spans, so citations stay verbatim.
    """
    keep: list[Candidate] = []
    seen: set[tuple] = set()
    used = 0
    for _, c in ranked(settings, question, hits, passages):
        # Chunks overlap by a sentence: the same sentence can come from two passages.
        if c.spans in seen or (keep and used + len(c.text) > budget):
            continue
        keep.append(c)
        seen.add(c.spans)
        used += len(c.text)
    out = []
    for rank in sorted({c.rank for c in keep}):
        mine = sorted((c for c in keep if c.rank == rank), key=lambda c: c.spans[0][0])
        hit = mine[0].hit
        chunk = dataclasses.replace(hit.chunk, text="".join(c.text for c in mine), start=mine[0].spans[0][0],
                                    end=mine[-1].spans[-1][1], sentences=tuple(c.spans for c in mine),
                                    spans=merge_spans(sp for c in mine for sp in c.spans))
        out.append(dataclasses.replace(hit, chunk=chunk))
    return out


def compose(lang: str, chosen: list[Candidate], english: str = "") -> tuple[str, list[Citation]]:
    """Answer text with [n] markers, in the asker's script, and the verbatim citations behind it; for an
    English asker, ``english`` (``rag.answer.translate.english``) follows the quote as its own paragraph."""
    citations, parts = [], []
    for n, c in enumerate(chosen, 1):
        a, b = c.spans[0][0], c.spans[-1][1]
        citations.append(Citation(n=n, chunk_id=c.hit.chunk.id, quote=c.text, start=a, end=b,
                                  sub_article=c.hit.chunk.sub_article, heading=c.hit.chunk.heading,
                                  spans=c.spans, source=c.hit.chunk.source))
        shown = language.quote_in_script(c.text, lang)
        parts.append(f"「{shown}」[{n}]")
    text = prompts.EXTRACTIVE_LEAD[lang] + ("\n" if lang == "en" else "") + "\n".join(parts)
    if lang == "en" and english:
        text += f"\n\n{english}"
    return text, citations
