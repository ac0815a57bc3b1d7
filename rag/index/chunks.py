"""Article blocks → chunks: the passages that are embedded, retrieved and cited.

Sentence-aware: a chunk is one or more whole sentences of one block, never part of a sentence,
and never crosses a paragraph, caption or story boundary, so every chunk can be cited with one
place (sub-article, paragraph, offsets). Long paragraphs are cut into runs of sentences of about
``target`` characters, each run repeating the last ``overlap`` sentences of the one before, so a
fact that straddles a cut is whole in at least one chunk.
"""

from __future__ import annotations

import hashlib

from rag.index.corpus import Article, Block, Sentence, merge_spans
from rag.records import Chunk


def chunk_id(source: str, spans: tuple[tuple[int, int], ...], text: str) -> str:
    """Stable across runs: the same text at the same place gets the same id."""
    key = f"{source}|{spans}|{text}".encode()
    return hashlib.sha256(key).hexdigest()[:20]


def _runs(sentences: tuple[Sentence, ...], target: int, overlap: int) -> list[tuple[Sentence, ...]]:
    runs: list[tuple[Sentence, ...]] = []
    cur: list[Sentence] = []
    size = 0
    for s in sentences:
        if cur and size + len(s.text) > target:
            runs.append(tuple(cur))
            # Carry sentences over only from a run of several; a one-sentence run would repeat whole.
            cur = cur[-overlap:] if overlap and len(cur) > overlap else []
            size = sum(len(x.text) for x in cur)
            # Overlap must not make a chunk that is already over target on its own start.
            while cur and size + len(s.text) > target * 1.5:
                size -= len(cur[0].text)
                cur.pop(0)
        cur.append(s)
        size += len(s.text)
    if cur:
        last = tuple(cur)
        if not runs or set(last) - set(runs[-1]):
            runs.append(last)
    return runs


def block_chunks(article: Article, block: Block, target: int, overlap: int) -> list[Chunk]:
    runs = _runs(block.sentences, target, overlap) if block.kind == "prose" else [block.sentences]
    out = []
    for run in runs:
        spans = merge_spans(sp for s in run for sp in s.spans)
        text = "".join(s.text for s in run)
        out.append(Chunk(
            id=chunk_id(article.source, spans, text),
            text=text,
            start=spans[0][0],
            end=spans[-1][1],
            source=article.source,
            sub_article=block.sub_article,
            heading=block.heading,
            kind=block.kind,
            paragraph=block.paragraph,
            spans=spans,
            sentences=tuple(s.spans for s in run),
        ))
    return out


def chunk_article(article: Article, target: int = 160, overlap: int = 1) -> list[Chunk]:
    return [c for b in article.blocks for c in block_chunks(article, b, target, overlap)]


def whole_blocks(chunks: list[Chunk]) -> list[Chunk]:
    """The blocks the chunks were cut from, each as one chunk, in corpus order (source, then offset).

    What a model reads in the ``article`` mode (one numbered passage per paragraph, caption or list item,
    as the article's reader sees them), rebuilt from the index's own chunks so a deployment with a Chroma
    server and no corpus files reads the same article. Sentences that overlapping chunks share appear once.
    """
    groups: dict[tuple, dict[tuple, str]] = {}
    for c in chunks:
        sentences = groups.setdefault((c.source, c.sub_article, c.heading, c.kind, c.paragraph), {})
        for spans, text in zip(c.sentences or (c.spans,), c.sentence_texts(), strict=True):
            sentences.setdefault(tuple(tuple(s) for s in spans), text)
    out = []
    for (source, sub_article, heading, kind, paragraph), sentences in groups.items():
        order = sorted(sentences, key=lambda sp: sp[0])
        spans = merge_spans(sp for s in order for sp in s)
        text = "".join(sentences[s] for s in order)
        out.append(Chunk(id=chunk_id(source, spans, text), text=text, start=spans[0][0], end=spans[-1][1],
                         source=source, sub_article=sub_article, heading=heading, kind=kind, paragraph=paragraph,
                         spans=spans, sentences=tuple(order)))
    return sorted(out, key=lambda c: (c.source, c.start))
