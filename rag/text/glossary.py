"""The article's names and terms in Chinese and in the Hong Kong Government's English (corpus/glossary.tsv).

Why: the bundled 1.5B model turns 陳茂波 into "Mr. Nai Ming" and invents English names for bodies, so the
evidence shown to it for an English question carries the official names (:func:`annotate`:
陳茂波 [= Paul Chan Mo-po]); and an English question's names can be looked up (:func:`lookup_english`) to
tell whether the article covers what is asked about.

The TSV has columns ``chinese english kind note aliases`` (see its header).  Every Chinese form occurs
verbatim in the article; a short form (港投公司) is a row of its own with the same English as the full name.
Chinese matching is leftmost-longest over the traditional text, so 香港人工智能研發院 is one term, not
香港 + 人工智能; simplified input is converted with :func:`rag.text.language.to_traditional` first and the
offsets still refer to the caller's text.  English matching is case-insensitive and tolerant of the usual
spelling variants (AI / Artificial Intelligence, R&D / Research and Development, centre / center,
-isation / -ization); abbreviations in brackets (HKMA) must be written in capitals.

Two files make the glossary in use: the hand-written one, and the machine-made rows for the articles it does not
cover (``DATA_DIR/glossary.generated.tsv``, written at ingest by ``rag.index.names`` and put in use by
:func:`use_generated` when an index is built or opened).  A hand-written row always wins.  Each file is read once
per change of its size or time.  A missing file gives an empty glossary rather than an error: the glossary improves
answers but nothing depends on it to work.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.config import ROOT

__all__ = [
    "GLOSSARY_PATH",
    "KINDS",
    "NAME_KINDS",
    "Entry",
    "Term",
    "annotate",
    "annotate_english",
    "chinese_for_english",
    "covered_sources",
    "english_for",
    "entries",
    "find_terms",
    "fingerprint",
    "lookup_english",
    "use_generated",
    "with_other_forms",
]

GLOSSARY_PATH = ROOT / "corpus" / "glossary.tsv"
KINDS: tuple[str, ...] = ("person", "body", "place", "scheme", "term")
#: The kinds that name one thing; a "term" (人工智能, 中小學) is a subject, which a question may name in passing.
NAME_KINDS: tuple[str, ...] = ("person", "body", "place", "scheme")
#: How sure the English is: the word before the colon in the note column.
CERTAINTIES: tuple[str, ...] = ("official", "probable", "unconfirmed", "descriptive", "romanisation", "machine")

#: The glossaries read when a function is given no path: the hand-written one, then the generated one in use.
#: A list of one mutable slot rather than a global statement; only :func:`use_generated` sets it.
_GENERATED: list[Path | None] = [None]


def use_generated(path: Path | None) -> None:
    """Read ``path`` (the machine-made rows beside an index) after corpus/glossary.tsv from now on; None: none.

    Called where the settings are known: when an index is built (``rag.index.ingest.run``) or opened
    (``rag.index.retrieve.open_index``), so the glossary in use is always that index's.
    """
    _GENERATED[0] = path


def _in_use(path: Path | None) -> tuple[tuple[Path, int, int], ...]:
    """The files a call reads, each with its modification time and size: the key its results are cached by."""
    paths = (path,) if path is not None else tuple(p for p in (GLOSSARY_PATH, _GENERATED[0]) if p is not None)
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((p, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((p, 0, -1))
    return tuple(out)


def covered_sources(path: Path = GLOSSARY_PATH) -> list[str]:
    """The source files a hand glossary was written for (its ``# covers: <file>`` lines): no names are made for them."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [m.group(1).strip() for line in lines if (m := re.match(r"^#\s*covers:\s*(\S.*)$", line))]


@dataclass(frozen=True)
class Entry:
    """One row of the glossary."""

    chinese: str
    english: str
    kind: str
    note: str
    aliases: tuple[str, ...] = ()

    @property
    def certainty(self) -> str:
        """official / probable / unconfirmed / descriptive / romanisation: how far to trust the English."""
        return self.note.split(":", 1)[0].strip()

    @property
    def name(self) -> str:
        """The English without a bracketed abbreviation: 'Hong Kong Monetary Authority'."""
        return _ABBREV_RE.sub("", self.english).strip()

    @property
    def abbreviation(self) -> str:
        """The bracketed abbreviation of the English name ('HKMA'), or ''."""
        m = _ABBREV_RE.search(self.english)
        return m.group(1) if m else ""

    @property
    def initials(self) -> tuple[str, ...]:
        """What a reader may abbreviate a machine-made name to, by its capitals: Hong Kong Examinations and
        Assessment Authority → HKEAA and EAA. A person writes the abbreviation in use in brackets; the model's rows
        have none, and an English question asking about "the HKEAA" was refused as naming something unknown.
        Three letters or more, so that no common word is taken for one."""
        if self.abbreviation or not self.note.startswith("machine"):
            return ()
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’]*", self.name) if w.lower() not in _MINOR_WORDS]
        if len(words) < 3 or not all(w[0].isupper() for w in words):
            return ()
        out = ["".join(w[0] for w in words)]
        if [w.lower() for w in words[:2]] == ["hong", "kong"]:
            out.append("".join(w[0] for w in words[2:]))
        return tuple(a for a in out if len(a) >= 3)


@dataclass(frozen=True)
class Term:
    """A glossary entry found in a text, with where: ``text[start:end]`` is what was written there."""

    chinese: str
    english: str
    kind: str
    note: str
    start: int
    end: int
    #: Every Chinese form with this English (港投公司 and 香港投資管理有限公司), the entry's own first.
    forms: tuple[str, ...] = ()


_ABBREV_RE = re.compile(r"\s*\(([A-Z][A-Za-z&+]{1,9})\)\s*$")
#: Words an abbreviation leaves out (Hong Kong Examinations and Assessment Authority: HKEAA).
_MINOR_WORDS = frozenset({"and", "of", "the", "for", "on", "in", "to", "at", "&"})


def _read(path: Path) -> tuple[Entry, ...]:
    if not path.is_file():
        return ()
    rows: list[Entry] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if cols[0] == "chinese":  # the header
            continue
        cols += [""] * (5 - len(cols))
        chinese, english, kind, note, aliases = cols[:5]
        if not chinese or not english:
            continue
        alias_list = tuple(a.strip() for a in aliases.split(";") if a.strip())
        rows.append(Entry(chinese, english, kind, note, alias_list))
    return tuple(rows)


def fingerprint(path: Path | None = None) -> str:
    """A short hash of the glossary in use ("none" without one): the index records it (``ingest.chunking_id``).

    The hand-written file by its bytes, the generated one by its rows only: a generated file with no rows (every
    article covered by hand), or none at all (a data folder deleted under a running app), is the same glossary.
    """
    import hashlib

    digest = hashlib.sha256()
    found = False
    hand, *generated = [p for p, _mtime, _size in _in_use(path)]
    try:
        digest.update(hand.read_bytes())
        found = True
    except OSError:
        pass
    for p in generated:
        rows = _read(p)
        if rows:
            digest.update("".join(f"{e.chinese}\t{e.english}\t{e.kind}\n" for e in rows).encode("utf-8"))
            found = True
    return digest.hexdigest()[:12] if found else "none"


def entries(path: Path | None = None) -> tuple[Entry, ...]:
    """The glossary's rows in file order (the hand-written file's first); a Chinese form a hand row has is
    not taken from the generated file."""
    return _entries(_in_use(path))


@functools.lru_cache(maxsize=16)
def _entries(files: tuple[tuple[Path, int, int], ...]) -> tuple[Entry, ...]:
    rows: list[Entry] = []
    seen: set[str] = set()
    for p, _mtime, _size in files:
        new = [e for e in _read(p) if e.chinese not in seen]
        seen.update(e.chinese for e in new)
        rows += new
    return tuple(rows)


def _by_chinese(path: Path | None = None) -> dict[str, Entry]:
    return _table(_in_use(path))


@functools.lru_cache(maxsize=16)
def _table(files: tuple[tuple[Path, int, int], ...]) -> dict[str, Entry]:
    table: dict[str, Entry] = {}
    for e in _entries(files):
        table.setdefault(e.chinese, e)
    return table


def _forms(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """English → every Chinese form that has it, in file order."""
    return _forms_of(_in_use(path))


@functools.lru_cache(maxsize=16)
def _forms_of(files: tuple[tuple[Path, int, int], ...]) -> dict[str, tuple[str, ...]]:
    forms: dict[str, list[str]] = {}
    for e in _entries(files):
        forms.setdefault(e.english, []).append(e.chinese)
    return {k: tuple(v) for k, v in forms.items()}


def _chinese_pattern(path: Path | None = None) -> re.Pattern[str] | None:
    return _pattern_of(_in_use(path))


@functools.lru_cache(maxsize=16)
def _pattern_of(files: tuple[tuple[Path, int, int], ...]) -> re.Pattern[str] | None:
    keys = sorted(_table(files), key=lambda k: (-len(k), k))
    if not keys:
        return None
    # Alternatives longest first: at any position the longest form wins (香港人工智能研發院 over 人工智能).
    return re.compile("|".join(re.escape(k) for k in keys), re.IGNORECASE)


def _term(e: Entry, start: int, end: int, path: Path | None) -> Term:
    forms = _forms(path).get(e.english, (e.chinese,))
    ordered = (e.chinese, *(f for f in forms if f != e.chinese))
    return Term(e.chinese, e.english, e.kind, e.note, start, end, ordered)


def _scan(text: str, path: Path | None) -> list[Term]:
    pattern = _chinese_pattern(path)
    if pattern is None or not text:
        return []
    table = _by_chinese(path)
    lower = {k.lower(): v for k, v in table.items()}
    out = []
    for m in pattern.finditer(text):
        e = table.get(m.group()) or lower[m.group().lower()]
        out.append(_term(e, m.start(), m.end(), path))
    return out


@functools.lru_cache(maxsize=4096)
def _char_traditional(ch: str) -> str:
    from rag.text.language import to_traditional

    converted = to_traditional(ch)
    return converted if len(converted) == 1 else ch


def _traditional_same_length(text: str) -> str:
    """The text in traditional characters, one character for one, so offsets carry over."""
    from rag.text.language import to_traditional

    converted = to_traditional(text)
    if len(converted) == len(text):
        return converted
    return "".join(_char_traditional(ch) for ch in text)


def find_terms(text: str, path: Path | None = None) -> list[Term]:
    """The glossary terms in a Chinese text (traditional or simplified), leftmost-longest, in order.

    The text is searched as written and, when it differs, as converted to traditional: 香港人工智能研发院
    shares 人工智能 with the traditional spelling, but the whole name is only found after conversion.
    """
    if not text:
        return []
    found = _scan(text, path)
    if not re.search(r"[\u3400-\u9fff]", text):
        return found
    converted = _traditional_same_length(text)
    if converted == text:
        return found
    # Both readings, leftmost-longest over the union; on a tie the text as written wins.
    both = [(t, 0) for t in found] + [(t, 1) for t in _scan(converted, path)]
    both.sort(key=lambda c: (c[0].start, c[0].start - c[0].end, c[1]))
    out: list[Term] = []
    last = 0
    for t, _source in both:
        if t.start >= last:
            out.append(t)
            last = t.end
    return out


def with_other_forms(text: str, path: Path | None = None) -> str:
    """``text`` with the glossary's other Chinese forms of each name it writes after that name, in brackets
    (長生津7月… → 長生津（長者生活津貼）7月…): for comparing a sentence's words with a passage that writes the name
    another way, never for showing."""
    out, last = [], 0
    for t in find_terms(text, path):
        written = {text[t.start:t.end], _traditional_same_length(text[t.start:t.end])}  # 研发院 is 研發院 already
        others = [f for f in dict.fromkeys((t.chinese, *t.forms)) if f not in written]
        if others:
            out += [text[last:t.end], "（", "、".join(others), "）"]
            last = t.end
    return "".join(out) + text[last:] if out else text


def english_for(chinese: str, path: Path | None = None) -> str | None:
    """The English for a whole Chinese name (traditional or simplified); None if the glossary lacks it."""
    key = chinese.strip()
    table = _by_chinese(path)
    if key in table:
        return table[key].english
    from rag.text.language import to_traditional

    converted = to_traditional(key) if key else key
    entry = table.get(converted)
    return entry.english if entry else None


def annotate(text: str, path: Path | None = None, *, once: bool = False,
             between: Callable[[str], str] = str) -> str:
    """The text with " [= English]" after each glossary term: the names an English answer must use.

    ``once`` annotates only the first occurrence of each English name, for long passages where repeating it
    would crowd the prompt. ``between`` is applied to the text between the terms (not to a term itself).
    """
    out: list[str] = []
    last = 0
    seen: set[str] = set()
    for t in find_terms(text, path):
        if once and t.english in seen:
            continue
        seen.add(t.english)
        out += [between(text[last:t.start]), text[t.start:t.end], f" [= {t.english}]"]
        last = t.end
    out.append(between(text[last:]))
    return "".join(out)


def annotate_english(text: str) -> str:
    """A passage with the English forms of its names and figures after them (陳茂波 [= Paul Chan Mo-po], 5,000萬元
    [= HK$50 million]).

    Two readers need this: the model writing an English answer (it translates figures and names badly), and the
    English view of each chunk in the index (``rag.index.ingest``): e5-small matches an English question to a Chinese
    passage poorly, and far better once the passage carries its own names and figures in English.
    """
    from rag.text import numbers

    # Figures are glossed between the names, not inside one: 兩元乘車優惠 [= $2 fare concession] read
    # 兩元 [= HK$2]乘車優惠 [= $2 fare concession] (session 23); a name's English carries its own figures.
    return annotate(text, between=numbers.english_glosses)


# ------------------------------------------------------------------------------------------------ English

# Spelling variants treated as one when English text is matched to a glossary name, each as (its regex, the
# words in a glossary name it stands for).
_VARIANTS: list[tuple[str, str]] = [
    (r"(?:r\s*&\s*d|research\s+(?:and|&)\s+development)", r"research and development|r&d"),
    (r"(?:i\s*&\s*t|innovation\s+(?:and|&)\s+technology)", r"innovation and technology|i&t"),
    (r"(?:ai|artificial\s+intelligence)", r"artificial intelligence|ai"),
]
_VARIANT_RES = [
    (re.compile(rf"(?<![A-Za-z])(?:{names})(?![A-Za-z])", re.IGNORECASE), rx) for rx, names in _VARIANTS
]
_SEP = r"[\s\-‐–/,\"“”()]+"


def _word_regex(word: str) -> str:
    """One word of a name as a regex: British or American spelling, straight or curly apostrophe."""
    w = re.escape(word)
    w = re.sub(r"cent(?:re|er)", "cent(?:re|er)", w, flags=re.IGNORECASE)
    w = re.sub(r"i[sz]ation", "i[sz]ation", w, flags=re.IGNORECASE)
    w = re.sub(r"i[sz]ed", "i[sz]ed", w, flags=re.IGNORECASE)
    w = re.sub(r"labou?r", "labou?r", w, flags=re.IGNORECASE)
    w = re.sub(r"programme", "program(?:me)?", w, flags=re.IGNORECASE)
    w = re.sub("['’]", lambda _m: "['’]", w)
    if word.lower() == "and":
        return "(?:and|&)"
    return w


def _name_regex(name: str) -> str:
    """A glossary English name as a regex for free English text."""
    placeholders: list[str] = []

    def hold(rx: str) -> str:
        placeholders.append(rx)
        return f"\x00{len(placeholders) - 1}\x00"

    held = re.sub(r"[\"“”()]", " ", name)
    for variant, replacement in _VARIANT_RES:
        held = variant.sub(lambda _m, r=replacement: hold(r), held)
    words = [w for w in re.split(_SEP, held.strip()) if w]
    parts = []
    for w in words:
        # A word may hold placeholders glued to punctuation ("AI+"): expand them in place.
        pieces = re.split(r"\x00(\d+)\x00", w)
        regex = "".join(placeholders[int(p)] if i % 2 else _word_regex(p) for i, p in enumerate(pieces))
        parts.append(regex)
    body = _SEP.join(parts)
    # "the Mainland": the article is optional in free text.
    if body.lower().startswith("the" + _SEP):
        body = "(?:the" + _SEP + ")?" + body[len("the" + _SEP) :]
    return rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"


def _english_patterns(path: Path | None = None) -> tuple[tuple[re.Pattern[str], Entry, int], ...]:
    """(pattern, entry, length of the written name) for every English name, alias and abbreviation."""
    return _english_patterns_of(_in_use(path))


@functools.lru_cache(maxsize=16)
def _english_patterns_of(files: tuple[tuple[Path, int, int], ...]) -> tuple[tuple[re.Pattern[str], Entry, int], ...]:
    seen: set[tuple[str, bool]] = set()
    out: list[tuple[re.Pattern[str], Entry, int]] = []
    entries = _entries(files)
    # A name holding another's, written with that one's abbreviation: "Secretary-General of the HKEAA" for the
    # Secretary-General of the Hong Kong Examinations and Assessment Authority (refused as unknown, session 23).
    short = {f.name: a for f in entries for a in (f.abbreviation, *f.initials)[:1] if a and len(f.name) > len(a)}
    for e in entries:
        names = [(e.name, False), *((a, False) for a in e.aliases)]
        names += [(e.name.replace(full, a), False) for full, a in short.items() if full in e.name and full != e.name]
        if e.abbreviation:
            names.append((e.abbreviation, True))
        names += [(a, True) for a in e.initials]
        for name, exact_case in names:
            key = (name if exact_case else name.lower(), exact_case)
            if not name or key in seen:
                continue
            seen.add(key)
            if exact_case:
                rx = re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])")
            else:
                rx = re.compile(_name_regex(name), re.IGNORECASE)
            out.append((rx, e, len(name)))
    return tuple(out)


def lookup_english(text: str, path: Path | None = None) -> list[Term]:
    """The glossary names mentioned in English text, leftmost-longest, in order.

    Used to tell whether an English question asks about something the article names: "Sandy Ridge data park",
    "the HKMA" and "Hong Kong Artificial Intelligence R&D Institute" all resolve to their Chinese forms.
    """
    if not text:
        return []
    candidates: list[tuple[int, int, int, Entry]] = []
    for order, (rx, e, _length) in enumerate(_english_patterns(path)):
        for m in rx.finditer(text):
            if m.end() > m.start():
                candidates.append((m.start(), -(m.end() - m.start()), order, e))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    out: list[Term] = []
    last = 0
    for start, neg_len, _order, e in candidates:
        if start < last:
            continue
        end = start - neg_len
        out.append(_term(e, start, end, path))
        last = end
    return out


def chinese_for_english(text: str, path: Path | None = None) -> list[str]:
    """The Chinese forms of the glossary names an English text mentions, in order, each once.

    What an English question shares with the article: "Sandy Ridge Data Park" → 沙嶺數據園. Search adds them to
    the question's dense query only (``rag.index.retrieve.query_for`` says why not to BM25's).
    """
    return list(dict.fromkeys(t.chinese for t in lookup_english(text, path)))
