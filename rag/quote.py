"""The quote checker: is this quote in the article, word for word, and where?

Verdicts, strongest first:

* ``verbatim``: the quote's characters are in the article in order, once full-width/half-width
  forms, spaces and punctuation are set aside (and, for a simplified-character quote, after
  OpenCC conversion, which the result says).
* ``near``: a passage differs in small ways; every difference is listed, and differences in
  numbers, names or negation are flagged as material (a changed figure is never ``verbatim``).
* ``meaning``: no close wording, but a passage says the same thing (e.g. an English translation),
  found with the multilingual embedding model; it needs a person to confirm.
* ``not_found``.

The article is read as a reader reads it: sentences the print layout broke across a caption are
joined, so a quote spanning the break is found, and its place is given as the runs of characters
(spans) in the file. Why by hand: neither llama-index nor Chroma aligns a quote to source offsets.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from rag import config
from rag.config import Settings
from rag.index import embedder
from rag.index.corpus import Article, corpus_files, merge_spans, read_article
from rag.text import language

NEAR_AT = 0.72  # similarity (0-1) from which a differing passage counts as the quote, nearly
MEANING_AT = 0.82  # e5 cosine (query-query) from which a passage may say the same thing (with anchors)
CONTEXT = 40  # characters of context shown on each side
_NEGATIONS = set("不沒没未無无非別别勿莫否") | {"not", "no", "never"}
_KEEP = re.compile(r"[\w\u3400-\u9fff\uf900-\ufaff%.$+]")


@dataclass(frozen=True)
class Difference:
    kind: str  # changed · missing · added
    quote: str
    article: str
    material: bool
    why: str = ""  # number · negation · name


@dataclass(frozen=True)
class Match:
    source: str
    text: str
    start: int
    end: int
    spans: tuple[tuple[int, int], ...]
    sub_article: str
    heading: str
    kind: str
    paragraph: int
    context: str


@dataclass(frozen=True)
class QuoteResult:
    verdict: str
    score: float
    quote: str
    note: str = ""
    match: Match | None = None
    differences: tuple[Difference, ...] = field(default=())

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.match:
            d["match"]["spans"] = [list(s) for s in self.match.spans]
        return d


def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).lower()


def _fold_all(text: str) -> str:
    """Width, case, spaces and punctuation set aside, script kept: tells a script change apart."""
    return "".join(f for ch in text for f in _fold(ch) if _KEEP.match(f))


@dataclass
class _Stream:
    """The article as read: kept characters (folded), each with its offset in the source file."""

    article: Article
    chars: str
    offsets: list[int]
    sentences: list[tuple[int, int, int]]  # (stream start, stream end, block index)
    windows: list[tuple[int, int, frozenset[str]]] = field(default_factory=list)
    display: str = ""  # the same characters in the article's own script, for showing differences


def _one_script(text: str) -> str:
    """Simplified, character for character: matching must not care which script a quote uses
    (布局 and 佈局, 体 and 體), and simplification is many-to-one, so it is the safe direction."""
    simplified = language.to_simplified(text)
    if len(simplified) == len(text):
        return simplified
    return "".join(c if len(c) == 1 else t for t, c in ((t, language.to_simplified(t)) for t in text))


def _stream(article: Article) -> _Stream:
    chars: list[str] = []
    shown: list[str] = []
    offsets: list[int] = []
    sentences = []
    for bi, block in enumerate(article.blocks):
        for sent in block.sentences:
            start = len(chars)
            for a, b in sent.spans:
                folded = _one_script(article.text[a:b])
                for i, ch in zip(range(a, b), folded, strict=True):
                    for f, g in zip(_fold(ch), _fold(article.text[i]), strict=False):
                        if _KEEP.match(f):
                            chars.append(f)
                            shown.append(g)
                            offsets.append(i)
            sentences.append((start, len(chars), bi))
    st = _Stream(article, "".join(chars), offsets, sentences, display="".join(shown))
    st.windows = _windows(st)
    return st


def _normalise(text: str) -> str:
    return "".join(f for ch in _one_script(text) for f in _fold(ch) if _KEEP.match(f))


@lru_cache(maxsize=2)
def _streams(settings: Settings) -> list[_Stream]:
    return [_stream(read_article(p, settings.corpus_dir)) for p in corpus_files(settings.corpus_dir)]


@lru_cache(maxsize=2)
def _sentence_vectors(settings: Settings) -> tuple[list[tuple[int, int, str, str]], np.ndarray]:
    """Every sentence embedded once, as a *query* (e5's form for comparing like with like)."""
    keys = []
    for si, st in enumerate(_streams(settings)):
        for k, (a, b, bi) in enumerate(st.sentences):
            keys.append((si, k, _sentence_text(st, a, b), st.article.blocks[bi].kind))
    return keys, embedder.query_vectors(settings, [x[2] for x in keys])


def _anchors(quote: str, sentence: str) -> tuple[int, int]:
    """(figures and names the sentence shares with the quote, figures of the quote it lacks)."""
    from rag.text import glossary, numbers

    qn = numbers.find_quantities(quote)
    missing = numbers.unsupported(quote, [sentence]) if qn else []
    shared = len(qn) - len(missing)
    names = glossary.lookup_english(quote) if language.detect(quote).lang == "en" else glossary.find_terms(quote)
    sentence_tc = language.to_traditional(sentence)
    shared += sum(1 for t in names if any(f in sentence_tc for f in (t.forms or (t.chinese,))))
    # Latin names the article itself uses (RISC-V, InnoHK, STEAM, MRDI) anchor a translation too.
    shared += sum(1 for w in set(re.findall(r"[A-Za-z][A-Za-z0-9+\-]{3,}", quote)) if w in sentence)
    return shared, len(missing)


def _by_meaning(quote: str, settings: Settings) -> tuple[float, _Stream, int, int] | None:
    """The sentence that says what the quote says, if one clearly does.

    e5 similarities alone do not separate a translation from an invented claim on the same topic
    (on this article their ranges overlap: docs/history.md), so a candidate must also share a
    figure or a name with the quote and contradict none of its figures; a Chinese quote naming
    what the article never mentions is not matched at all.
    """
    from rag.answer import refuse

    lang = language.detect(quote).lang
    streams = _streams(settings)
    if lang != "en" and refuse.unknown_chinese_terms(quote, "\n".join(s.article.text for s in streams)):
        return None
    keys, vecs = _sentence_vectors(settings)
    q = np.asarray(embedder.embed_model(settings).get_query_embedding(quote))
    sims = vecs @ q
    best = None
    for i in np.argsort(-sims)[:5]:
        shared, missing = _anchors(quote, keys[i][2])
        if sims[i] < MEANING_AT or missing or not shared:
            continue
        # A headline or byline restates a story's point; the sentence that says it is the better place.
        kind_penalty = 0.03 if keys[i][3] in ("headline", "byline") else 0.0
        score = float(sims[i]) + 0.02 * shared - kind_penalty
        if best is None or score > best[0]:
            best = (score, i)
    if best is None:
        return None
    si, k, _, _ = keys[best[1]]
    a, b, _ = streams[si].sentences[k]
    return float(sims[best[1]]), streams[si], a, b


def _sentence_text(st: _Stream, a: int, b: int) -> str:
    if a >= b:
        return ""
    spans = _spans(st, a, b)
    return "".join(st.article.text[x:y] for x, y in spans)


def _spans(st: _Stream, a: int, b: int) -> tuple[tuple[int, int], ...]:
    """Source runs covering stream positions [a, b): one run per line (skipped punctuation inside)."""
    runs: list[list[int]] = []
    for off in st.offsets[a:b]:
        if runs and not _broken_between(st, runs[-1][1], off):
            runs[-1][1] = off
        else:
            runs.append([off, off])
    return merge_spans((x, y + 1) for x, y in runs)


def _broken_between(st: _Stream, a: int, b: int) -> bool:
    return "\n" in st.article.text[a:b]


def _edges(text: str) -> tuple[str, str]:
    """The punctuation a quote opens and closes with (「 … 」。), which matching set aside."""
    body = text.strip()
    lead = len(body) - len(body.lstrip("「『“\"'（(《〈【"))
    core = body.rstrip()
    trail = len(core) - len(core.rstrip("」』”\"'）)》〉】。，、；：！？,.;:!?"))
    return body[:lead], body[len(core) - trail:] if trail else ""


def _match(st: _Stream, a: int, b: int, edges: tuple[str, str] = ("", "")) -> Match:
    spans = list(_spans(st, a, b))
    # Give back the punctuation the quote itself opens or closes with, where the article has it too.
    lead, trail = edges
    src = st.article.text
    if lead and src[spans[0][0] - len(lead):spans[0][0]] == lead:
        spans[0] = (spans[0][0] - len(lead), spans[0][1])
    if trail and src[spans[-1][1]:spans[-1][1] + len(trail)] == trail:
        spans[-1] = (spans[-1][0], spans[-1][1] + len(trail))
    spans = tuple(spans)
    text = "".join(st.article.text[x:y] for x, y in spans)
    start, end = spans[0][0], spans[-1][1]
    bi = next(bi for s, e, bi in st.sentences if s <= a < e)
    block = st.article.blocks[bi]
    context = src[max(0, start - CONTEXT):start] + "【" + text + "】" + src[end:end + CONTEXT]
    return Match(st.article.source, text, start, end, spans, block.sub_article, block.heading, block.kind,
                 block.paragraph, context.replace("\n", " "))


def _whole_figure(text: str, a: int, b: int) -> str:
    from rag.text import numbers

    for x in numbers.find_quantities(text):
        if (x.start <= max(a, b - 1) and a < x.end) or (a == b and x.start <= a <= x.end):
            return text[x.start:x.end]
    return ""


def _differences(quote: str, found: str, quote_shown: str, found_shown: str) -> list[Difference]:
    """Differences between the normalised quote and passage, reported in their own characters."""
    from rag.text import glossary, numbers

    out = []
    sm = difflib.SequenceMatcher(None, quote, found, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        q, f = quote_shown[i1:i2], found_shown[j1:j2]
        # Look a little around the change: 6,000萬 vs 5,000萬 differ in one digit.
        qa, fa = quote_shown[max(0, i1 - 6):i2 + 6], found_shown[max(0, j1 - 6):j2 + 6]
        why = ""
        qn = [(x.value, x.unit, x.key) for x in numbers.find_quantities(qa)]
        fn = [(x.value, x.unit, x.key) for x in numbers.find_quantities(fa)]
        if re.search(r"\d", q + f) or qn != fn:
            why = "number"
        elif set(q + f) & _NEGATIONS:
            why = "negation"
        elif {t.chinese for t in glossary.find_terms(qa)} != {t.chinese for t in glossary.find_terms(fa)}:
            why = "name"
        if why == "number":
            # Show the whole figure, not the digit: 6000萬 → 5000萬, not 6 → 5.
            q, f = _whole_figure(quote_shown, i1, i2) or q, _whole_figure(found_shown, j1, j2) or f
        kind = {"replace": "changed", "delete": "added", "insert": "missing"}[op]
        out.append(Difference(kind, q, f, bool(why) or len(q) + len(f) > 4, why))
    return out


def _windows(st: _Stream) -> list[tuple[int, int, frozenset[str]]]:
    """Each sentence, and each sentence with the next (a quote may run across the boundary)."""
    out = []
    for k, (a, b, _bi) in enumerate(st.sentences):
        out.append((a, b, frozenset(st.chars[a:b])))
        if k + 1 < len(st.sentences):
            end = st.sentences[k + 1][1]
            out.append((a, end, frozenset(st.chars[a:end])))
    return out


def _near(norm: str, streams: list[_Stream], shortlist: int = 8):
    """Best local alignments of the quote, on a shortlist of windows sharing most of its characters.

    The shortlist keeps a check well under 100 ms: difflib is exact but slow, character sets are fast.
    """
    qset = frozenset(norm)
    scored = []
    for st in streams:
        for a, b, chars in st.windows:
            overlap = len(qset & chars) / len(qset)
            if overlap >= 0.5:
                scored.append((overlap, st, a, b))
    scored.sort(key=lambda x: -x[0])
    for _overlap, st, a, b in scored[:shortlist]:
        window = st.chars[a:b]
        sm = difflib.SequenceMatcher(None, norm, window, autojunk=False)
        blocks = [m for m in sm.get_matching_blocks() if m.size]
        if not blocks:
            continue
        lo = max(0, blocks[0].b - blocks[0].a)
        hi = min(len(window), blocks[-1].b + blocks[-1].size + (len(norm) - blocks[-1].a - blocks[-1].size))
        part = window[lo:hi]
        yield difflib.SequenceMatcher(None, norm, part, autojunk=False).ratio(), st, a + lo, a + hi, part


def check(quote: str, settings: Settings | None = None) -> QuoteResult:
    """The verdict on one quote; input it will not take gets ``not_found`` with a note saying why."""
    from rag.answer import prompts

    settings = settings or config.load()
    # Lone surrogates (from a browser's JSON or a terminal's bytes) cannot be matched or shown.
    quote = quote.encode("utf-8", "replace").decode("utf-8").strip()
    limit = settings.max_question_chars * 5
    lang = language.detect(quote[: 2 * limit]).lang
    if len(quote) > limit:
        return QuoteResult("not_found", 0.0, quote[:200],
                           note=prompts.QUOTE_TOO_LONG[lang].format(n=len(quote), limit=limit))
    if not _normalise(quote):  # empty, or only spaces, punctuation and symbols
        return QuoteResult("not_found", 0.0, quote, note=prompts.QUOTE_EMPTY[lang])
    streams = _streams(settings)
    candidates = [(quote, "")]

    for text, note in candidates:
        norm = _normalise(text)
        for st in streams:
            found = []
            at = st.chars.find(norm)
            while at >= 0:
                found.append(_match(st, at, at + len(norm), _edges(text)))
                at = st.chars.find(norm, at + 1)
            if found:
                # Where the wording is the same to the letter (punctuation too), that is the place.
                exact = [m for m in found if _one_script(m.text) == _one_script(text.strip())]
                match = (exact or found)[0]
                if _fold_all(match.text) != _fold_all(text):
                    note = ("matched after converting simplified characters to traditional"
                            if language.to_simplified(text) == text else "matched across variant characters")
                return QuoteResult("verbatim", 1.0, quote, note=note, match=match)

    best = None
    for text, note in candidates:
        norm = _normalise(text)
        for ratio, st, a, b, part in _near(norm, streams):
            if best is None or ratio > best[0]:
                best = (ratio, st, a, b, norm, part, note)
    if best and best[0] >= NEAR_AT:
        ratio, st, a, b, norm, part, note = best
        shown = _fold_all(quote)
        diffs = _differences(norm, part, shown if len(shown) == len(norm) else norm, st.display[a:b])
        material = [d for d in diffs if d.material]
        why = ", ".join(sorted({d.why for d in material if d.why}))
        note = "; ".join(x for x in (note, f"material differences: {why}" if why else "") if x)
        return QuoteResult("near", round(ratio, 3), quote, note=note, match=_match(st, a, b),
                           differences=tuple(diffs))

    found = _by_meaning(quote, settings)
    if found is not None:
        sim, st, a, b = found
        return QuoteResult("meaning", round(sim, 3), quote,
                           note="no close wording; this passage appears to say the same: needs human confirmation",
                           match=_match(st, a, b))
    score = round(best[0], 3) if best else 0.0
    return QuoteResult("not_found", score, quote, note="no passage matches the wording or the meaning")
