"""Which sentence of a cited passage holds what the answer says: the quote a citation shows.

An answer's [n] names a passage (in the article mode, a whole paragraph); a citation shows one
sentence of it, so a quote checker can find the evidence at a glance. The sentence is the one that
holds the claim's figures and the words the claim adds to the question, not the one closest in meaning
to the whole answer: asked 邊個主持AI+與產業發展策略委員會？, the answer 由陳茂波主持 was cited, by
embedding, to the sentence that names the committee, not to the one that says 由他主持 (issue #26).
Meaning (e5's cosine) only breaks ties.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from rag.answer import extractive, ground
from rag.config import Settings
from rag.index import embedder
from rag.records import Citation, Hit
from rag.text import numbers
from rag.text.glossary import annotate_english

#: Weight of e5's cosine (about 0.75-0.95 on this article) against the share of the claim's words (0-1)
#: and its figures (1 each): enough to order sentences that hold equally much of the claim.
MEANING = 0.2


def claims_by_passage(text: str) -> dict[int, str]:
    """For each [n] of ``text``, the claims it vouches for, joined (a claim: the text a run of markers ends)."""
    out: dict[int, list[str]] = defaultdict(list)
    for claim in ground.CLAIM.findall(text.strip()):
        for n in dict.fromkeys(ground.markers(claim)):
            out[n].append(ground.strip_markers(claim))
    return {n: " ".join(parts) for n, parts in out.items()}


def support(claim: str, sentence: str, question: str, english: bool) -> float:
    """How much of ``claim`` ``sentence`` holds: its figures (one each) and the share of the words it adds to
    ``question`` (all its words when it adds none); read through the English renderings for an English claim."""
    figures = [q for q in numbers.find_quantities(claim) if not numbers.trivial(q)]
    held = len(figures) - len(numbers.unsupported(claim, [sentence])) if figures else 0
    words = ground.terms(claim) - ground.FILLER
    words = (words - ground.terms(question)) or words
    seen = ground.terms(annotate_english(sentence) if english else sentence)
    return held + (len(words & seen) / len(words) if words else 0.0)


def citations(settings: Settings, text: str, hits: list[Hit], cited: tuple[int, ...], question: str,
              lang: str) -> list[Citation]:
    """One citation per passage ``text`` cites (``cited``, 1-based into ``hits``): its sentence that holds
    most of the claims citing it."""
    claims = claims_by_passage(text)
    out = []
    for n in cited:
        cands = extractive.sentences(hits[n - 1], n - 1)
        claim = claims.get(n) or ground.strip_markers(text)
        score = np.asarray([support(claim, c.text, question, lang == "en") for c in cands])
        if len(cands) > 1:
            body = np.asarray(embedder.query_vector(settings, claim))
            score = score + MEANING * (embedder.passage_vectors(settings, [c.text for c in cands]) @ body)
        best = cands[int(np.argmax(score))]
        chunk = best.hit.chunk
        out.append(Citation(n=n, chunk_id=chunk.id, quote=best.text, start=best.spans[0][0], end=best.spans[-1][1],
                            sub_article=chunk.sub_article, heading=chunk.heading, spans=best.spans,
                            source=chunk.source))
    return out
