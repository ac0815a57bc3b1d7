"""The no-LLM answer: the sentence(s) that best answer the question, quoted verbatim and cited.

Instant and always grounded, so it is also the fallback whenever a language model is unavailable,
too slow, or writes something the grounding check rejects. Sentences come from the best-ranked
passages; each is scored against the question with the same embedding model (e5 compares a
question with a sentence better than with a whole passage), plus the passage's own rank.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from rag import embedder, language, prompts
from rag.config import Settings
from rag.records import Citation, Hit, Span

# How many of the top passages to take sentences from, and how close (in cosine) a second
# sentence must come to the best one to be quoted too (questions that need two facts).
PASSAGES = 3
SECOND_WITHIN = 0.015
WORD_WEIGHT = float(os.environ.get("RAG_EXTRACTIVE_WORD_WEIGHT", "0.05"))


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
    """A chunk's sentences with their own spans (a chunk's text is its sentences joined)."""
    out, pos = [], 0
    for spans in hit.chunk.sentences or (hit.chunk.spans,):
        n = sum(b - a for a, b in spans)
        out.append(Candidate(hit.chunk.text[pos:pos + n], tuple(tuple(s) for s in spans), hit, rank))
        pos += n
    return out


def choose(settings: Settings, question: str, hits: list[Hit]) -> list[Candidate]:
    """The best sentence, and a second one when it is nearly as good and adds a different fact."""
    # Headlines and bylines name a story; they do not state its facts.
    passages = [h for h in hits if h.chunk.kind not in ("headline", "byline")][:PASSAGES]
    cands = [c for rank, h in enumerate(passages) for c in sentences(h, rank)]
    cands = [c for c in cands if len(c.text) >= 4]
    if not cands:
        return []
    model = embedder.embed_model(settings)
    q = np.asarray(model.get_query_embedding(question))
    vecs = embedder.passage_vectors(settings, [c.text for c in cands])
    # The passage's rank counts a little: retrieval saw the whole passage, the sentence score does not.
    # So do the question's own words: e5 alone prefers a sentence that repeats the question's topic
    # (國家製造業創新中心) over the one that answers it (該創新中心將由…擔任承辦機構).
    words = _pairs(question)
    overlap = np.asarray([len(words & _pairs(c.text)) / len(words) if words else 0.0 for c in cands])
    scores = vecs @ q - 0.005 * np.asarray([c.rank for c in cands]) + WORD_WEIGHT * overlap
    order = list(np.argsort(-scores))
    best = [cands[order[0]]]
    for i in order[1:]:
        c = cands[i]
        if scores[order[0]] - scores[i] > SECOND_WITHIN:
            break
        if c.text not in best[0].text and best[0].text not in c.text:
            best.append(c)
            break
    return best


def compose(lang: str, chosen: list[Candidate], gloss: str = "") -> tuple[str, list[Citation]]:
    """Answer text with [n] markers, in the asker's script, and the verbatim citations behind it."""
    citations, parts = [], []
    for n, c in enumerate(chosen, 1):
        a, b = c.spans[0][0], c.spans[-1][1]
        citations.append(Citation(n=n, chunk_id=c.hit.chunk.id, quote=c.text, start=a, end=b,
                                  sub_article=c.hit.chunk.sub_article, heading=c.hit.chunk.heading,
                                  spans=c.spans))
        shown = c.text if lang == "en" else language.convert_to_script(c.text, lang)
        parts.append(f"「{shown}」[{n}]")
    text = prompts.EXTRACTIVE_LEAD[lang] + ("\n" if lang == "en" else "") + "\n".join(parts)
    if lang == "en" and gloss:
        text += f"\n\n{prompts.ENGLISH_GLOSS_LEAD} {gloss}"
    return text, citations
