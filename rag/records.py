"""The small records that cross module lines, and their JSON form.

Offsets are Python string indices (characters, not bytes) into the decoded source file.
A piece of text that the print layout broke across a photo caption is one sentence to a reader
but two runs of characters in the file, so every record keeps its ``spans``: ``text`` is always
``"".join(source[a:b] for a, b in spans)``, and ``start``/``end`` are the outer bounds.
When there is one span (nearly always), ``text == source[start:end]``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

Span = tuple[int, int]


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    start: int
    end: int
    source: str
    sub_article: str
    heading: str
    kind: str  # prose · caption · list_item · headline · byline
    paragraph: int
    spans: tuple[Span, ...] = ()
    #: (start, end) of each sentence inside this chunk, in source offsets (first span of each).
    sentences: tuple[tuple[Span, ...], ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["spans"] = [list(s) for s in self.spans]
        d["sentences"] = [[list(s) for s in sent] for sent in self.sentences]
        return d

    def sentence_texts(self) -> list[str]:
        """The chunk's text cut at its sentences (its text is its sentences, joined)."""
        out, pos = [], 0
        for spans in self.sentences or (self.spans,):
            n = sum(b - a for a, b in spans)
            out.append(self.text[pos:pos + n])
            pos += n
        return out

    def to_metadata(self) -> dict[str, str | int]:
        """Chroma metadata holds scalars only, so structured fields travel as JSON strings."""
        return {
            "source": self.source,
            "sub_article": self.sub_article,
            "heading": self.heading,
            "kind": self.kind,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "spans": json.dumps(self.spans),
            "sentences": json.dumps(self.sentences),
        }

    @classmethod
    def from_metadata(cls, id: str, text: str, meta: dict) -> Chunk:
        return cls(
            id=id,
            text=text,
            start=int(meta["start"]),
            end=int(meta["end"]),
            source=str(meta["source"]),
            sub_article=str(meta["sub_article"]),
            heading=str(meta["heading"]),
            kind=str(meta["kind"]),
            paragraph=int(meta["paragraph"]),
            spans=tuple(tuple(s) for s in json.loads(meta.get("spans", "[]"))),
            sentences=tuple(
                tuple(tuple(s) for s in sent) for sent in json.loads(meta.get("sentences", "[]"))
            ),
        )


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    mode: str  # dense · lexical · hybrid (what ``score`` means: see rag.index.retrieve)
    #: The chunk's cosine similarity to the question when the dense side scored it (dense and hybrid
    #: modes), so a check that needs an absolute relevance figure (refusal) has one in every mode.
    cosine: float | None = None

    def to_dict(self) -> dict:
        c = self.chunk
        return {
            "chunk_id": c.id,
            "score": round(self.score, 4),
            "mode": self.mode,
            "cosine": None if self.cosine is None else round(self.cosine, 4),
            "start": c.start,
            "end": c.end,
            "spans": [list(s) for s in c.spans],
            "source": c.source,
            "sub_article": c.sub_article,
            "heading": c.heading,
            "kind": c.kind,
            "paragraph": c.paragraph,
            "text": c.text,
        }


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    quote: str
    start: int
    end: int
    sub_article: str
    heading: str
    spans: tuple[Span, ...] = ()
    #: The corpus file the quote is from (its offsets point into that file).
    source: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["spans"] = [list(s) for s in self.spans or ((self.start, self.end),)]
        return d


@dataclass(frozen=True)
class Answer:
    """What the bot says to one question: the text shown, and every citation a verbatim span of the source.

    ``refused``: the article does not answer it (or the question was refused); the text then says so.
    """

    text: str
    language: str
    refused: bool
    backend: str
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[Hit, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    note: str = ""  # e.g. why a language model's answer was replaced by an extractive one

    def to_dict(self) -> dict:
        return {
            "answer": self.text,
            "language": self.language,
            "refused": self.refused,
            "backend": self.backend,
            "note": self.note,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [h.to_dict() for h in self.retrieved],
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
        }
