"""The parsed article: the single source of offsets and verbatim text.

The article is a newspaper print layout flattened to text. A reader sees sub-articles (a headline,
a byline, sections with headings), photo captions, a boxed list, and sentences the layout broke
across a caption or a page break. This module recovers that structure from the plain text, and
keeps, for every piece, exact character offsets into the file as it was received, so that every
citation can be shown and checked verbatim.

Why by hand: llama-index's readers and splitters see paragraphs or tokens, not captions, bylines
or a sentence continued four lines later; and they do not keep offsets across repairs.

The same rules read Markdown (``#`` headings, ``-`` list items) and ordinary plain text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.records import Span

# Sentence ends in written Chinese (and English), with closing quotes/brackets kept on the sentence.
_SENTENCE_END = re.compile(r"[。！？；!?]+[」』”’）)]*|(?<=[a-z0-9)])\.(?=\s|$)[」』”’）)]*")
# A line ends a sentence when it ends with one of these; otherwise the print layout broke it.
_TERMINAL = tuple("。！？；!?.」』”）)：:")
# Headlines and section headings: short, no sentence punctuation.
_HEADING_MAX = 40
_HEADING_PUNCT = re.compile(r"[，。、；：！？,;!?]")
# 香港文匯報訊（記者 楊盈盈）: the dateline-byline that opens a newspaper story.
_BYLINE_OPEN = re.compile(r"^\S{0,12}?訊（記者\s*[^）]{1,30}）")
# ● 香港文匯報記者 楊盈盈、陸雅楠: a byline set like a caption.
_BYLINE_CAPTION = re.compile(r"^●\s*\S{0,10}記者\s*[\w、，, ]{1,30}$")
_CAPTION_MARK = "●"
_PHOTO_CREDITS = ("資料圖片",)
_LIST_MARK = re.compile(r"^(?:[-*•·]|\d+[.)、])\s+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+")


class CorpusError(ValueError):
    """A source file that cannot be read as an article; the message names the file and the fix."""


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Block:
    """One unit a reader sees: a paragraph, a caption, a list item, a headline or a byline."""

    kind: str  # prose · caption · list_item · headline · byline
    sub_article: str
    heading: str
    paragraph: int  # 1-based, counted per kind within the sub-article
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.sentences)

    @property
    def spans(self) -> tuple[Span, ...]:
        return merge_spans(sp for s in self.sentences for sp in s.spans)


@dataclass
class Article:
    source: str  # file name, relative to the corpus folder
    text: str  # the whole decoded file: offsets point into this
    blocks: list[Block] = field(default_factory=list)

    @property
    def sub_articles(self) -> list[str]:
        return list(dict.fromkeys(b.sub_article for b in self.blocks))

    def sentences(self) -> list[tuple[Block, Sentence]]:
        return [(b, s) for b in self.blocks for s in b.sentences]


def merge_spans(spans) -> tuple[Span, ...]:
    """Join touching spans, so a block that is contiguous in the file has exactly one."""
    out: list[list[int]] = []
    for a, b in spans:
        if out and out[-1][1] == a:
            out[-1][1] = b
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def span_text(source: str, spans: tuple[Span, ...]) -> str:
    return "".join(source[a:b] for a, b in spans)


# --------------------------------------------------------------------------- reading files


def decode(data: bytes, name: str) -> str:
    """UTF-8, or Big5 / GB18030 when the bytes are clearly that; anything else is refused.

    A wrong guess would silently corrupt every quote, so a file is accepted in a legacy encoding
    only if it decodes strictly and is mostly CJK text.
    """
    if not data.strip():
        raise CorpusError(f"{name}: the file is empty; put the article's text in it or remove it.")
    if b"\x00" in data:
        raise CorpusError(f"{name}: this looks like a binary file, not text; only .txt and .md are read.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
        for enc in ("big5hkscs", "gb18030"):
            try:
                candidate = data.decode(enc)
            except UnicodeDecodeError:
                continue
            cjk = sum(1 for ch in candidate if "\u4e00" <= ch <= "\u9fff")
            if cjk >= 0.3 * len(candidate.strip()):
                text = candidate
                break
        if not text:
            raise CorpusError(
                f"{name}: not UTF-8, and not clearly Big5 or GB18030; save it as UTF-8 and ingest again."
            ) from None
    text = text.removeprefix("\ufeff")
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
    if printable < 0.95 * len(text):
        raise CorpusError(f"{name}: too many control characters to be text; is it a binary file?")
    if not text.strip():
        raise CorpusError(f"{name}: the file has no text; put the article's text in it or remove it.")
    return text


def read_article(path: Path, root: Path | None = None) -> Article:
    """Read and parse one source file (.txt or .md)."""
    name = str(path.relative_to(root)) if root else path.name
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CorpusError(f"{name}: cannot be read ({e.strerror}); check that it exists and is readable.") from e
    return parse(decode(data, name), name)


# --------------------------------------------------------------------------- parsing


@dataclass
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    """Non-empty lines with their offsets, surrounding white space trimmed off the span."""
    out = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw)
    return out


def _is_heading(line: str) -> bool:
    if _MD_HEADING.match(line):
        return True
    if len(line) > _HEADING_MAX or _HEADING_PUNCT.search(line) or line.startswith(_CAPTION_MARK):
        return False
    if line.endswith("."):
        return False
    if _LIST_MARK.match(line) or line in _PHOTO_CREDITS:
        return False
    # Headlines are mostly CJK or Title Case; a short lower-case English line is prose.
    return not re.match(r"^[a-z]", line)


def split_sentences(text: str, offset: int) -> list[tuple[str, int, int]]:
    """Sentences of one line with offsets; the last piece may be an unfinished sentence."""
    out = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        piece = text[pos:end]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            out.append((piece.strip(), offset + pos + lead, offset + pos + lead + len(piece.strip())))
        pos = end
    rest = text[pos:]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        out.append((rest.strip(), offset + pos + lead, offset + pos + lead + len(rest.strip())))
    return out


class _Builder:
    """Walks the lines once, keeping track of where in the layout it is."""

    def __init__(self, source: str, text: str) -> None:
        self.article = Article(source=source, text=text)
        self.sub_article = ""
        self.heading = ""
        self.list_title = ""
        self.counts: dict[tuple[str, str], int] = {}
        # Sentences of a prose paragraph the layout broke, waiting for the line that finishes them.
        self.pending: list[Sentence] = []
        self.pending_at: tuple[str, str] = ("", "")
        # Stories whose byline came without a headline, oldest first (placeholder names).
        self.headless: list[str] = []

    @property
    def blocks(self) -> list[Block]:
        return self.article.blocks

    def new_sub_article(self, title: str) -> None:
        self.sub_article = title or f"(story {len(self.article.sub_articles) + 1})"
        self.heading = ""
        self.list_title = ""

    def only_headline_so_far(self) -> bool:
        """True while the current story has nothing but its headline(s) and captions."""
        mine = [x for x in self.blocks if x.sub_article == self.sub_article]
        return bool(mine) and all(x.kind in ("headline", "caption") for x in mine)

    def add(self, kind: str, sentences: list[Sentence], heading: str | None = None,
            sub: str | None = None) -> None:
        sub = self.sub_article if sub is None else sub
        self.counts[(sub, kind)] = self.counts.get((sub, kind), 0) + 1
        heading = self.heading if heading is None else heading
        self.blocks.append(Block(kind, sub, heading, self.counts[(sub, kind)], tuple(sentences)))

    def rename(self, old: str, new: str) -> None:
        for k, x in enumerate(self.blocks):
            if x.sub_article == old:
                self.blocks[k] = Block(x.kind, new, x.heading, x.paragraph, x.sentences)
        self.counts = {((new if s == old else s), k): n for (s, k), n in self.counts.items()}
        if self.pending_at[0] == old:
            self.pending_at = (new, self.pending_at[1])
        if self.sub_article == old:
            self.sub_article = new

    def heading_line(self, line: _Line, next_body: str | None) -> None:
        """Decide what a short unpunctuated line is: a story's headline, a box title or a section."""
        one = [_one(line)]
        if next_body is None and self.headless:
            # The layout moved this story's headline to the end of the file.
            story = self.headless.pop(0)
            self.rename(story, line.text)
            self.add("headline", one, heading="", sub=line.text)
        elif next_body is not None and _LIST_MARK.match(next_body):
            self.new_sub_article(line.text)
            self.list_title = line.text
            self.add("headline", one, heading="")
        elif next_body is not None and _BYLINE_OPEN.match(next_body):
            self.new_sub_article(line.text)
            self.add("headline", one, heading="")
        elif not any(x.kind == "prose" for x in self.blocks):
            # Above the first story's text: a kicker, then the headline that names the story.
            if self.sub_article:
                self.rename(self.sub_article, line.text)
            else:
                self.new_sub_article(line.text)
            self.add("headline", one, heading="")
        else:
            self.heading = line.text
            self.add("headline", one, heading=line.text)

    def caption(self, line: _Line) -> None:
        last = self.blocks[-1] if self.blocks else None
        if line.text in _PHOTO_CREDITS and last is not None and last.kind == "caption":
            # 資料圖片 on its own line is the credit of the caption above it: one caption.
            self.blocks[-1] = Block(last.kind, last.sub_article, last.heading, last.paragraph,
                                    (*last.sentences, _one(line)))
            return
        cut = len(_CAPTION_MARK) if line.text.startswith(_CAPTION_MARK) else 0
        lead = len(line.text[cut:]) - len(line.text[cut:].lstrip())
        self.add("caption", [_one(line, cut + lead)])

    def prose(self, line: _Line) -> None:
        """A prose line: it finishes a paragraph the layout broke, or starts one."""
        pieces = split_sentences(line.text, line.start)
        sents = [Sentence(t, ((a, b),)) for t, a, b in pieces]
        where = (self.sub_article, self.heading)
        if self.pending:
            broken = self.pending[-1]
            t, a, b = pieces[0]
            sents = [*self.pending[:-1], Sentence(broken.text + t, (*broken.spans, (a, b))), *sents[1:]]
            where = self.pending_at
            self.pending = []
        if not line.text.endswith(_TERMINAL):
            self.pending, self.pending_at = sents, where
            return
        self.add("prose", sents, heading=where[1], sub=where[0])

    def flush(self) -> None:
        if self.pending:
            self.add("prose", self.pending, heading=self.pending_at[1], sub=self.pending_at[0])
            self.pending = []


def _one(line: _Line, start_cut: int = 0, end_cut: int = 0) -> Sentence:
    a, b = line.start + start_cut, line.end - end_cut
    return Sentence(line.text[start_cut: len(line.text) - end_cut], ((a, b),))


def _is_caption(line: str) -> bool:
    return line.startswith(_CAPTION_MARK) or line in _PHOTO_CREDITS


def _next_body(lines: list[_Line], i: int) -> str | None:
    """The next line after ``i`` that is not a photo caption (captions float anywhere in a layout)."""
    for line in lines[i + 1:]:
        if not _is_caption(line.text):
            return line.text
    return None


def parse(text: str, source: str) -> Article:
    """Recover the layout: sub-articles, headings, bylines, captions, list items, repaired prose."""
    lines = _lines(text)
    # In Markdown, only ``#`` lines are headings; a short line is just a short paragraph.
    markdown = any(_MD_HEADING.match(x.text) for x in lines)
    b = _Builder(source, text)
    for i, line in enumerate(lines):
        md = _MD_HEADING.match(line.text)
        by = _BYLINE_OPEN.match(line.text)
        if md:
            title = line.text[md.end():]
            if len(md.group(1)) == 1 or not b.sub_article:
                b.new_sub_article(title)
                b.add("headline", [_one(line, md.end())], heading="")
            else:
                b.heading = title
                b.add("headline", [_one(line, md.end())], heading=title)
        elif by:
            # A dateline-byline opens a story: the one whose headline was just read, or else one
            # whose headline the layout moved elsewhere (it is named when that line turns up).
            if not b.only_headline_so_far():
                b.new_sub_article("")
                b.headless.append(b.sub_article)
            b.add("byline", [_one(line, 0, len(line.text) - by.end())], heading="")
            if line.text[by.end():].strip():
                b.prose(_Line(line.start + by.end(), line.end, line.text[by.end():]))
        elif _BYLINE_CAPTION.match(line.text):
            cut = len(line.text) - len(line.text[len(_CAPTION_MARK):].lstrip())
            b.add("byline", [_one(line, cut)], heading="")
        elif _is_caption(line.text):
            b.caption(line)
        elif _LIST_MARK.match(line.text):
            cut = _LIST_MARK.match(line.text).end()
            b.add("list_item", [_one(line, cut)], heading=b.list_title or b.heading)
        elif not markdown and _is_heading(line.text) and not b.pending:
            b.heading_line(line, _next_body(lines, i))
        else:
            b.prose(line)
    b.flush()
    return b.article


# --------------------------------------------------------------------------- the corpus folder

SUFFIXES = (".txt", ".md")


def corpus_files(folder: Path) -> list[Path]:
    """Source files in the corpus folder; a missing or unreadable folder is a clear error."""
    if not folder.exists():
        raise CorpusError(f"{folder}: the corpus folder does not exist; set RAG_CORPUS_DIR or create it.")
    if not folder.is_dir():
        raise CorpusError(f"{folder}: is not a folder; RAG_CORPUS_DIR must name a folder of .txt/.md files.")
    try:
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    except OSError as e:
        raise CorpusError(f"{folder}: cannot be listed ({e.strerror}); check its permissions.") from e
    files = [p for p in files if not p.name.startswith(".") and p.name.lower() != "readme.md"]
    # A link that leads out of the folder would put any readable .txt on the machine into the index,
    # and from there into answers. (Linked folders are not entered at all: rglob does not follow them.)
    root = folder.resolve()
    outside = [p for p in files if not p.resolve().is_relative_to(root)]
    if outside:
        raise CorpusError("These links lead out of the corpus folder and are not read; copy the files in "
                          "instead: " + ", ".join(f"{p.relative_to(folder)} → {p.resolve()}" for p in outside))
    if not files:
        raise CorpusError(f"{folder}: holds no .txt or .md file to ingest.")
    return files


def file_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
