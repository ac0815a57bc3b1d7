"""The parsed article: the single source of offsets and verbatim text.

The article is a newspaper print layout flattened to text. A reader sees sub-articles (a headline,
a byline, sections with headings), photo captions, a boxed list, and sentences the layout broke
across a caption or a page break. This module recovers that structure from the plain text, and
keeps, for every piece, exact character offsets into the file as it was received, so that every
citation can be shown and checked verbatim.

Why by hand: llama-index's readers and splitters see paragraphs or tokens, not captions, bylines
or a sentence continued four lines later; and they do not keep offsets across repairs.

Those repairs are for the print layout only: a file is read as one when it has its marks (● captions,
訊（記者…） datelines, 資料圖片 credits) and no Markdown headings. Markdown (a ``.md`` file, or any text
with ``#`` headings) and plain text are read as their reader sees them instead (``_Flow``): a
blank line always ends a paragraph, markup lines that carry no text are skipped and markup characters
are left out of the spans (``rag.index.markup``).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.index import markup
from rag.index.markup import Line as _Line
from rag.records import Span

# Sentence ends in written Chinese (and English), with closing quotes/brackets kept on the sentence.
_SENTENCE_END = re.compile(r"[。！？；!?]+[」』”’）)\"']*|(?<=[A-Za-z0-9)%])\.[」』”’）)\"']*(?=\s|$)")
# An English full stop after these (or after an initial, or inside U.S. / p.m.) ends no sentence.
_ABBREVIATIONS = frozenset(("mr", "mrs", "ms", "dr", "prof", "st", "mt", "no", "jr", "sr", "vs", "gov", "sen",
                            "rep", "gen", "col", "lt", "capt", "sgt", "hon", "rev", "fig", "approx"))
# A line ends a sentence when it ends with one of these; otherwise the print layout broke it.
_TERMINAL = tuple("。！？；!?.」』”）)：:")
# Headlines and section headings: short, no sentence punctuation.
_HEADING_MAX = 40
_HEADING_PUNCT = re.compile(r"[，。、；：！？,;!?]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# 香港文匯報訊（記者 楊盈盈）: the dateline-byline that opens a newspaper story.
_BYLINE_OPEN = re.compile(r"^\S{0,12}?訊（記者\s*[^）]{1,30}）")
# ● 香港文匯報記者 楊盈盈、陸雅楠: a byline set like a caption.
_BYLINE_CAPTION = re.compile(r"^●\s*\S{0,10}記者\s*[\w、，, ]{1,30}$")
_CAPTION_MARK = "●"
_PHOTO_CREDITS = ("資料圖片",)
_LIST_MARK = re.compile(r"^(?:[-*•·]|\d+[.)、])\s+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
# By Jane Doe / By Jane Doe, Staff Reporter: an English byline on its own line.
_BYLINE_EN = re.compile(r"^By\s+[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|der))*"
                        r"(?:\s*,\s*[A-Za-z .'’-]+)?$")
# 作者：陳大文 / 記者 陳大文: a Chinese byline on its own line, outside the print layout.
_BYLINE_ZH = re.compile(r"^(?:本報)?(?:(?:作者|記者|撰文|採訪|文)\s*[：:／/]|記者\s)\s*"
                        r"[^\s，。；！？,.;!?][^，。；！？]{0,29}$")
# The mark that ends a story: （完）, (完), 〔完〕, —完—.
_END_MARK = re.compile(r"^(?:[（(〔【\[]\s*完\s*[）)〕】\]]|[-—─]+\s*完\s*[-—─]+)$")
# A line of nothing but ---, ===, *** or ___: a rule, which carries no text.
_RULE_LINE = re.compile(r"^[-=*_~\s]{3,}$")


#: Changes whenever a file may be parsed into other blocks: an index records it (``ingest.chunking_id``), so
#: one built by an older parser is built again rather than kept for the files that did not change.
#: 2: Markdown and plain articles read without the print-layout repairs (the Budget article's blocks unchanged).
#: 3: a story's closing mark (（完）) is no sentence.
#: 4: a comma grouping a figure's thousands ends no clause: a headline with 6,100 is a headline.
PARSER_VERSION = 4


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


def _lines(text: str) -> list[_Line]:
    """Non-empty lines with their offsets, surrounding white space trimmed off the span.

    ``gap`` says a blank line came before the line (the print layout ignores it; plain text does not).
    """
    out = []
    gap = False
    for pos, body in markup.raw_lines(text):
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped, gap))
        gap = not stripped
    return out


def _is_heading(line: str) -> bool:
    if _MD_HEADING.match(line):
        return True
    # A comma between digits groups thousands (機場客運量逾6,100萬人次), no clause ends there: the airport article's
    # headline was read as a sentence the print layout broke and glued to its first paragraph (session 25).
    if len(line) > _HEADING_MAX or _HEADING_PUNCT.search(_THOUSANDS.sub("", line)) or line.startswith(_CAPTION_MARK):
        return False
    if line.endswith("."):
        return False
    if _LIST_MARK.match(line) or line in _PHOTO_CREDITS:
        return False
    # Headlines are mostly CJK or Title Case; a short lower-case English line is prose.
    return not re.match(r"^[a-z]", line)


def _sentence_ends(text: str) -> list[int]:
    """Where sentences of ``text`` end: after 。！？； (and closing quotes), or an English full stop.

    An English full stop ends a sentence unless it closes an abbreviation (Mr., No.), an initial or a
    dotted word (J. Smith, U.S., p.m.), or a lower-case word follows it (7 p.m. on Friday).
    """
    out = []
    for m in _SENTENCE_END.finditer(text):
        if text[m.start()] == ".":
            word = re.search(r"[A-Za-z.]*$", text[:m.start()]).group()
            following = text[m.end():].lstrip()[:1]
            if ("." in word or (len(word) == 1 and word.isupper()) or word.lower() in _ABBREVIATIONS
                    or following.islower()):
                continue
        out.append(m.end())
    return out


def split_sentences(text: str, offset: int) -> list[tuple[str, int, int]]:
    """Sentences of one line with offsets; the last piece may be an unfinished sentence.

    A story's closing mark (（完）, —完—) is no sentence: it was quoted as one, and waited for a line to finish it.
    """
    out = []
    pos = 0
    for end in _sentence_ends(text):
        piece = text[pos:end]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            out.append((piece.strip(), offset + pos + lead, offset + pos + lead + len(piece.strip())))
        pos = end
    rest = text[pos:]
    if rest.strip() and not _END_MARK.match(rest.strip()):
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


class _Flow(_Builder):
    """Plain text and Markdown, read as their reader sees them: none of the print layout's repairs.

    A paragraph ends at a blank line (or a line that carries no text) whatever its last character is,
    so a paragraph ending in a figure, an English word or an emoji is never glued to the next. Inside
    one, a sentence that a line break cut carries on into the next line. ``wrapped``: a paragraph is
    every line up to a blank one (Markdown; hard-wrapped plain text); else a line that ends with
    sentence punctuation ends its paragraph, as in the print layout.
    """

    def __init__(self, source: str, text: str, markdown: bool, wrapped: bool) -> None:
        super().__init__(source, text)
        self.markdown, self.wrapped = markdown, wrapped
        self.open: list[Sentence] = []
        self.open_as: tuple[str, str, str] = ("prose", "prose", "")  # (what, block kind, heading)

    def close(self) -> None:
        """End the open paragraph (or list item, or quote), adding it as a block."""
        if self.open:
            _, kind, heading = self.open_as
            self.add(kind, _spaced(self.article.text, self.open), heading=heading)
        self.open = []

    def feed(self, what: str, kind: str, line: _Line, heading: str | None = None) -> None:
        """Add a line to the paragraph open as ``what`` (or start one); an unfinished sentence carries on."""
        if self.open and self.open_as[0] != what:
            self.close()
        sents = _pieces(line)
        if not self.open:
            self.open_as = (what, kind, self.heading if heading is None else heading)
        elif not _finished(self.open[-1].text):
            sents = [_join(self.article.text, self.open.pop(), sents[0]), *sents[1:]]
        self.open.extend(sents)

    def heading_at(self, line: _Line) -> None:
        """A ``#`` heading (level 1 opens a story, deeper ones are its sections) or a plain text one."""
        self.close()
        whole = [Sentence(line.text, line.spans(0, len(line.text)))]
        opens = line.level == 1 if self.markdown else not any(x.kind == "prose" for x in self.blocks)
        if opens or not self.sub_article:
            if self.markdown or not self.sub_article:
                self.new_sub_article(line.text)
            self.add("headline", whole, heading="")  # plain text: a title, then its subtitles
        else:
            self.heading = line.text
            self.add("headline", whole, heading=line.text)

    def line(self, line: _Line) -> None:
        """Place one line: a heading, list item, quote, image caption, table row, code, byline or prose."""
        if line.gap:
            self.close()
        role = line.role
        if role == "text" and not self.markdown and _LIST_MARK.match(line.text):
            cut = _LIST_MARK.match(line.text).end()
            line, role = _Line(line.start + cut, line.end, line.text[cut:], line.gap), "list"
        if role == "text" and not self.open and (_BYLINE_EN.match(line.text) or _BYLINE_ZH.match(line.text)):
            self.add("byline", [Sentence(line.text, line.spans(0, len(line.text)))], heading="")
        elif role == "heading" or (role == "text" and not self.markdown and not self.open
                                   and _is_heading(line.text)):
            self.heading_at(line)
        elif role == "list":
            self.close()
            self.feed("list", "list_item", line, heading=self.list_title or self.heading)
            if not self.markdown:
                self.close()
        elif role == "text" and self.open and self.open_as[0] in ("list", "quote"):
            self.feed(self.open_as[0], self.open_as[1], line)  # a Markdown item or quote, carried on
        elif role == "quote":
            self.feed("quote", "prose", line)
        elif role in ("image", "table", "code"):
            self.close()
            self.add({"image": "caption", "table": "list_item", "code": "prose"}[role], _pieces(line))
        else:
            self.feed("prose", "prose", line)
            if not self.wrapped and line.text.endswith(_TERMINAL):
                self.close()


def _latin_space(source: str, b: int, c: int) -> int:
    """Where the white space after ``source[:b]`` ends (at most ``c``), if English is on both sides; else ``b``.

    Between English words or sentences a line break or a space is a space to a reader, so the file's
    own white space is kept in the text; between Chinese characters it is nothing, so it is not.
    """
    if not (b < c and source[b].isspace() and source[b - 1] < "\u2e80" and source[c] < "\u2e80"):
        return b
    gap = source[b:c]
    return b + len(gap) - len(gap.lstrip())


def _spaced(source: str, sentences: list[Sentence]) -> list[Sentence]:
    """English sentences of one paragraph keep the space after them (a block's text is its sentences).

    A block's text is its sentences joined, and a sentence's spans leave the space around it out, so
    "opened. It" would read "opened.It". Where an English sentence is followed, in the same paragraph,
    by more English, the white space after it (the file's own) ends its last run.
    """
    out = list(sentences)
    for k in range(len(out) - 1):
        b = out[k].spans[-1][1]
        stop = _latin_space(source, b, out[k + 1].spans[0][0])
        if stop > b:
            spans = merge_spans((*out[k].spans[:-1], (out[k].spans[-1][0], stop)))
            out[k] = Sentence(out[k].text + source[b:stop], spans)
    return out


def _pieces(line: _Line) -> list[Sentence]:
    """The line's sentences, each with the file's runs of its characters."""
    return [Sentence(t, line.spans(a, b)) for t, a, b in split_sentences(line.text, 0)]


def _finished(text: str) -> bool:
    """Whether ``text`` ends with the end of a sentence (else the next line carries it on)."""
    ends = _sentence_ends(text)
    return bool(ends) and ends[-1] == len(text)


def _join(source: str, head: Sentence, tail: Sentence) -> Sentence:
    """One sentence from two pieces a line break cut apart.

    Between Chinese characters a line break is nothing to a reader, so the two runs are joined as they
    are; between English words it is a space, so the line break (the file's own white space) ends the
    first run, rather than "Chief" and "Executive" being glued into one word.
    """
    b = head.spans[-1][1]
    stop = _latin_space(source, b, tail.spans[0][0])
    spans = merge_spans((*head.spans[:-1], (head.spans[-1][0], stop), *tail.spans))
    return Sentence(head.text + source[b:stop] + tail.text, spans)


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


def _parse_print(b: _Builder, lines: list[_Line]) -> None:
    """The print layout: bylines, captions, headlines the layout moved, sentences it broke, joined back."""
    for i, line in enumerate(lines):
        by = _BYLINE_OPEN.match(line.text)
        if by:
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
        elif _is_heading(line.text) and not b.pending:
            b.heading_line(line, _next_body(lines, i))
        else:
            b.prose(line)
    b.flush()


def _is_print_layout(lines: list[_Line]) -> bool:
    """A newspaper page flattened to text: it has photo captions, a 訊（記者…） dateline or a photo credit."""
    return any(_is_caption(x.text) or _BYLINE_OPEN.match(x.text) for x in lines)


def _hard_wrapped(lines: list[_Line]) -> bool:
    """True when plain text wraps its paragraphs over several lines (most lines inside one end mid-sentence).

    Headings are left out of the count: a title directly above its text ends without punctuation too.

    Then a paragraph is every line up to a blank one; otherwise (one paragraph a line, as Chinese text
    usually is) a line that ends a sentence ends its paragraph.
    """
    pairs = [a for a, b in itertools.pairwise(lines) if not b.gap and not _is_heading(a.text)]
    return len(pairs) >= 2 and sum(not a.text.endswith(_TERMINAL) for a in pairs) > len(pairs) / 2


def _plain_lines(text: str) -> list[_Line]:
    """Plain text's lines, rules (----, ====) left out as a paragraph break."""
    out: list[_Line] = []
    gap = False
    for line in _lines(text):
        if _RULE_LINE.match(line.text):
            gap = True
            continue
        line.gap = line.gap or gap
        gap = False
        out.append(line)
    return out


def parse(text: str, source: str) -> Article:
    """Recover the layout: sub-articles, headings, bylines, captions, list items, repaired prose.

    Three readings, chosen from the text: Markdown (any ``#`` heading, or a ``.md`` file without print
    marks), the print layout (its marks and no ``#`` heading: the Budget article), or plain text.
    """
    lines = _plain_lines(text)
    markdown = any(_MD_HEADING.match(x.text) for x in lines)
    if not markdown and _is_print_layout(lines):
        b = _Builder(source, text)
        _parse_print(b, lines)
        return b.article
    markdown = markdown or source.lower().endswith(".md")
    flow_lines = markup.markdown_lines(text) if markdown else lines
    flow = _Flow(source, text, markdown, markdown or _hard_wrapped(flow_lines))
    for line in flow_lines:
        flow.line(line)
    flow.close()
    return flow.article


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
