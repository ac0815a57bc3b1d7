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
from collections.abc import Sequence

import numpy as np

from rag.answer import extractive, ground
from rag.config import Settings
from rag.index import embedder
from rag.records import Chunk, Citation, Hit
from rag.text import kinds, numbers
from rag.text.glossary import annotate_english

#: Weight of e5's cosine (about 0.75-0.95 on this article) against the share of the claim's words (0-1)
#: and its figures (1 each). An English claim shares few words with a Chinese sentence, even through its
#: renderings, so meaning decides most of its choices; over the dev split's English answers a weight of 1
#: put the claim on the evidence's sentence as often as 3 or 10 did, and more often than 0.2.
MEANING = 1.0


def claims_of(text: str) -> dict[int, list[str]]:
    """For each [n] of ``text``, the claims it vouches for (a claim: the text a run of markers ends)."""
    out: dict[int, list[str]] = defaultdict(list)
    for claim in ground.CLAIM.findall(text.strip()):
        for n in dict.fromkeys(ground.markers(claim)):
            out[n].append(ground.strip_markers(claim))
    return dict(out)


#: What a date, year or period the claim states counts (other figures count 1), unless the question asks when: it
#: says when the claim holds, which the sentences around it share. 西隧的日均行車量今年3月至4月按年上升7% was quoted
#: from 今年3月至4月期間，紅隧…按年下跌8%, which holds two of its figures, not from 西隧…按年上升7% (session 28).
CONTEXT = 0.25


def support(claim: str, sentence: str, question: str, english: bool) -> float:
    """How much of ``claim`` ``sentence`` holds: its figures (one each; a date ``CONTEXT`` unless the question asks
    when) and the share of the words it adds to ``question`` (all its words when it adds none); read through the
    English renderings for an English claim."""
    figures = [q for q in numbers.find_quantities(claim) if not numbers.trivial(q)]
    when = kinds.asks_when(question, "en" if english else "zh")
    held = sum(CONTEXT if q.unit in kinds.TIME_UNITS and not when else 1.0
               for q in figures if not numbers.unsupported(q.text, [sentence]))
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


def _numbered_sentences(hits: list[Hit]) -> list[tuple[int, str]]:
    """Every sentence of ``hits``, each with its passage's number (1-based)."""
    return [(n, c.text) for n, h in enumerate(hits, 1) for c in extractive.sentences(h, n - 1)]


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
    sentences = _numbered_sentences(hits)
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


def attribute(settings: Settings, text: str, hits: list[Hit], question: str, lang: str) -> str | None:
    """``text`` with [n] after each sentence without one that states a figure, naming the passage whose sentence
    holds all its figures and holds it best (``support`` plus ``MEANING`` x cosine); None if no sentence could be
    cited.

    ``ground.attribute`` cites a sentence made of a passage's own words; an English sentence shares few with a
    Chinese passage, even through its renderings, so a right answer without markers ("…demanded that at least half
    of the newly created 160 posts should be…", lb-en-004, session 32) was retried and given up. Its figures tie it
    to the passages that state them, and what it says chooses among those. A sentence with no figure stays
    uncited, so a made-up one (PWNED) still fails the check. For English answers only: a Chinese one shares a
    passage's words when it is that passage's, and by its figures alone the unanswerable 今年政府的財政赤字預計是多少？
    had been answered 100億元, another thing's figure, cited (session 32).
    """
    english = lang == "en"
    sentences = _numbered_sentences(hits)
    out, marked = [], False
    for k, sentence in enumerate(ground.sentence_pieces(text)):
        bare = k % 2 == 0 and not ground.markers(sentence)
        figures = [q for q in numbers.find_quantities(sentence) if not numbers.trivial(q)] if bare else []
        holding = [(n, t) for n, t in sentences if figures and not numbers.unsupported(sentence, [t])]
        if holding:
            seen = [annotate_english(t) if english else t for _, t in holding]
            score = _scores(settings, sentence, [t for _, t in holding], seen, question, english)
            sentence = ground.cited_sentence(sentence, holding[int(np.argmax(score))][0])
            marked = True
        out.append(sentence or "")
    return "".join(out) if marked else None


def _story(headline: Hit, article: Sequence[Chunk], question: str) -> list[Hit]:
    """The blocks of the story ``headline`` heads that state its facts: not headlines, nor bylines unless the
    question asks who wrote it."""
    c, skip = headline.chunk, ("headline",) if kinds.asks_for_author(question) else ("headline", "byline")
    return [Hit(b, 0.0, "article") for b in article if b.source == c.source and b.sub_article == c.sub_article
            and b.kind not in skip]


def _best(settings: Settings, claim: str, cands: list[extractive.Candidate], question: str, english: bool,
          like: str = "") -> tuple[extractive.Candidate, float]:
    """The candidate that holds ``claim`` best (``support`` plus ``MEANING`` x e5's cosine; plus the share of
    ``like``'s words it has, when given), and its ``support``."""
    held = np.asarray([support(claim, c.text, question, english) for c in cands])
    score = held.copy()
    if len(cands) > 1:
        body = np.asarray(embedder.query_vector(settings, claim))
        score += MEANING * (embedder.passage_vectors(settings, [c.text for c in cands]) @ body)
    if like:
        words = ground.terms(like)
        score += np.asarray([len(words & ground.terms(c.text)) / len(words) if words else 0.0 for c in cands])
    i = int(np.argmax(score))
    return cands[i], float(held[i])


def citations(settings: Settings, text: str, hits: list[Hit], cited: tuple[int, ...], question: str,
              lang: str, article: Sequence[Chunk] = ()) -> list[Citation]:
    """One citation per passage ``text`` cites (``cited``, 1-based into ``hits``): its sentence that holds
    most of the claims citing it; when those claims are each held by another of its sentences, the passage
    from the first of those to the last (verbatim, one place), so every claim's sentence is in the quote.

    A claim cited to a headline is quoted from the sentence of its story that states it in full (``article``:
    every block of the corpus): a headline compresses one of its story's sentences (撥款5000萬挺全民AI培訓 for
    撥款5,000萬元支持全民AI培訓), and a staff member checking the quote wants that sentence, with its place
    (issue #26, item 4). Only a sentence that holds every figure the claim states and supports it at least as
    well as the headline does; among those, the one sharing most of the headline's words.
    """
    parts = claims_of(text)
    english = lang == "en"
    out = []
    for n in cited:
        claim = " ".join(parts.get(n, ())) or ground.strip_markers(text)
        own = extractive.sentences(hits[n - 1], n - 1)
        best, held = _best(settings, claim, own, question, english)
        chosen = [best]
        if article and hits[n - 1].chunk.kind == "headline":
            story = [c for b in _story(hits[n - 1], article, question) for c in extractive.sentences(b, n - 1)
                     if not numbers.unsupported(claim, [c.text])]
            if story and (found := _best(settings, claim, story, question, english, hits[n - 1].chunk.text))[1] >= held:
                chosen = [found[0]]
        elif len(parts.get(n, ())) > 1 and len(own) > 1:
            # Several claims on one passage, each held by another of its sentences: one [n], so one citation,
            # quoting the passage from the first of those sentences to the last (verbatim, one place).
            held_by = {_best(settings, claim, own, question, english)[0].spans for claim in parts[n]}
            each = [i for i, c in enumerate(own) if c.spans in held_by]
            if len(each) > 1:
                chosen = own[each[0]:each[-1] + 1]
        out.append(_citation(n, chosen))
    return out


def _citation(n: int, chosen: list[extractive.Candidate]) -> Citation:
    """Citation [n] quoting ``chosen`` (consecutive sentences of one chunk): their text, their spans."""
    chunk = chosen[0].hit.chunk
    spans = tuple(sp for c in chosen for sp in c.spans)
    return Citation(n=n, chunk_id=chunk.id, quote="".join(c.text for c in chosen), start=spans[0][0],
                    end=spans[-1][1], sub_article=chunk.sub_article, heading=chunk.heading, spans=spans,
                    source=chunk.source)
