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
#: and its figures (1 each). An English claim shares few words with a Chinese sentence, even through its
#: renderings, so meaning decides most of its choices; over the dev split's English answers a weight of 1
#: put the claim on the evidence's sentence as often as 3 or 10 did, and more often than 0.2.
MEANING = 1.0


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


#: A claim's [n] moves to another passage when that passage's best sentence scores more than this above
#: (``support`` plus ``MEANING`` x cosine) the best sentence of the passage the model named: a near tie
#: keeps the model's choice.
MOVE_GAIN = 0.02


def _scores(settings: Settings, claim: str, sentences: list[str], seen: list[str], question: str,
            english: bool) -> np.ndarray:
    """``support`` plus ``MEANING`` x e5's cosine, for each sentence (``seen``: as the model read it)."""
    held = np.asarray([support(claim, s, question, english) for s in sentences])
    body = np.asarray(embedder.query_vector(settings, claim))
    return held + MEANING * (embedder.passage_vectors(settings, seen) @ body)


def recite(settings: Settings, text: str, hits: list[Hit], question: str, lang: str) -> str | None:
    """``text`` with each claim's [n] moved to the passage whose sentence holds the claim plainly better than
    any sentence of the passage the model named, or None if none moved.

    For the article mode, where the model numbers one of some sixty passages: its English answers were right
    and cited to the byline, the article's first paragraph or a passage on another subject (en-003, en-023
    and en-035 of the dev split), where the claim's figures and terms, or its meaning, are plainly another
    passage's. Compared sentence by sentence over every passage, by what the claim states; the grounding
    check runs again on the result.
    """
    english = lang == "en"
    sentences = [(n, c.text) for n, h in enumerate(hits, 1) for c in extractive.sentences(h, n - 1)]
    seen = [annotate_english(t) if english else t for _, t in sentences]
    moved, out = False, []
    for claim in ground.CLAIM.findall(text.strip()):
        named = [n for n in dict.fromkeys(ground.markers(claim)) if 1 <= n <= len(hits)]
        plain = ground.strip_markers(claim).strip()
        if len(named) == 1 and plain:
            score = _scores(settings, plain, [t for _, t in sentences], seen, question, english)
            best = int(np.argmax(score))
            mine = max(score[i] for i, (n, _) in enumerate(sentences) if n == named[0])
            if sentences[best][0] != named[0] and score[best] - mine >= MOVE_GAIN:
                claim = ground.CITATION.sub(f"[{sentences[best][0]}]", claim, count=1)
                moved = True
        out.append(claim)
    return "".join(out) if moved else None


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
