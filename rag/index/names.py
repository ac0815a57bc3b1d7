"""English names for any article: proposed by the model at ingest, checked by code, kept beside the index.

``corpus/glossary.tsv`` gives the Hong Kong Government's English for the names of the articles a person
wrote it for (its ``# covers:`` lines). An article it does not cover would have no English names: its
English view would carry figures only, and an English question naming its park or its minister would
not be matched to it. So at ingest the model reads each such article, block by block, and lists the
names it finds with an English form (:func:`propose`); code keeps only what it can check
(:func:`check`); and the rows are written to ``DATA_DIR/glossary.generated.tsv``, marked machine-made,
where ``rag.text.glossary`` reads them after the hand-written file. A person corrects a row by adding
the name to ``corpus/glossary.tsv``, which always wins.

What code can check is form, not truth: the Chinese is in the article word for word and is a name, not
a clause or a statement with a figure; the English has no Chinese left and the same years; one name has
one English everywhere, a name already in the
hand glossary is not given a second English, and no two names share an English. Whether
"Kai Tak Sports Park" is the right English for 啟德體育園 only a person can say; the 1.5B model often
gets it wrong (docs/history.md, "English for any article"), hence the mark.

Why by hand: llama-index's entity extractors use a Hugging Face NER model (a download, and no
Cantonese names) or a prompt that returns entities without an English form or any check.

The proposals are cached per article (its text's hash, the model and this prompt's version), so an
unchanged article is not read again; with the extractive backend (no model) or ``RAG_INGEST_NAMES=0``,
a new article's English view carries its figures and its known places and bodies (``known_names``) by code only.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.index.corpus import Article
from rag.text import glossary, romanise

log = logging.getLogger(__name__)

#: Changes whenever the prompt or the checks change: every cached proposal is made again.
VERSION = "names-19"
FILE_NAME = "glossary.generated.tsv"
#: Blocks whose names are worth English: not bylines (reporters' names are not asked about).
_KINDS = ("headline", "prose", "list_item", "caption")
#: Shorter Chinese is a common word (政府, 合約) far more often than a name.
MIN_CHARS = 3
MAX_CHARS = 30

SYSTEM = (
    "You list the proper names in a Chinese news paragraph and give each its English name. "
    "Proper names are people (with their title), government bodies and offices, companies, organisations, "
    "places, buildings, venues, schemes, funds and events. "
    "Write one name per line as: Chinese name | English name | kind\n"
    "kind is one of: person, body, place, scheme, term. Copy the Chinese name exactly as written in the paragraph. "
    "Use the official English name if you know it. List only names: never phrases, numbers, amounts or "
    "ordinary words. Write NONE if the paragraph has no names."
)
# One worked example whose names are in no article here, so that a name copied from it is caught.
EXAMPLE = (
    "教育局局長蔡若蓮今日到訪西九文化區，宣布優質教育基金將撥款兩億元，支持學校舉辦科學周。",
    "教育局局長 | Secretary for Education | body\n蔡若蓮 | Christine Choi Yuk-lin | person\n"
    "西九文化區 | West Kowloon Cultural District | place\n優質教育基金 | Quality Education Fund | scheme",
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CLAUSE = re.compile(r"[、，,。；;：:！？]")
# One of, several of: 一所中學, 多個機構, 數間學校 describe, and name nothing.
_DESCRIBED = re.compile(r"(?:[一兩两幾几數数多]|若干)(?:個|个|間|间|所|名|位|家|項|项|條|条|座|批|些)"
                        # 八座樓宇 "Eight buildings", 首批樓宇 "First Three Buildings" (session 24): what a count or
                        # "the first batch" starts describes things; it names none.
                        r"|^(?:[二三四五六七八九十百千]+|首)(?:個|个|間|间|所|名|位|家|項|项|條|条|座|批|幢|棟|栋)")
# The short form an article gives a name, in brackets right after it: 香港考試及評核局（考評局）.
# 北環線支線（俗稱東延綫）: the short form is 東延綫, not 俗稱東延綫 ("commonly called").
_SHORT_FORM = r"（((?:俗稱|俗称|簡稱|简称|下稱|下称|又稱|又称|統稱|统称)?)([\u3400-\u9fff]{2,8})）"
# A Hong Kong given name in English, its two syllables hyphenated: Yu-hing, Ka-ming.
_GIVEN_NAME = re.compile(r"\b[A-Z][a-z]+-[a-z]+\b")
_ENGLISH_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .,'’&+()/-]*$")
# A verb makes a sentence, not a name: 局方正檢視申領門檻 "The Department is reviewing the application process".
_ENGLISH_VERB = re.compile(r"\b(?:is|are|was|were|will|has|have|had|been)\b", re.IGNORECASE)
# What ends a paragraph's turn to its topic (院舍照顧方面, 地區層面: "as for residential care"), not a name.
_TOPIC = ("方面", "層面", "层面")
# Words that join two names into a list (標準金額及長者生活津貼).
_JOINERS = "及和與与、"


@dataclass(frozen=True)
class Proposal:
    """One name as the model wrote it, from one block of one source."""

    chinese: str
    english: str
    kind: str
    source: str


@dataclass(frozen=True)
class Rejected:
    proposal: Proposal
    why: str


def messages(block_text: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": EXAMPLE[0]},
        {"role": "assistant", "content": EXAMPLE[1]},
        {"role": "user", "content": block_text},
    ]


def parse_reply(reply: str, source: str) -> list[Proposal]:
    """``Chinese | English | kind`` lines; anything else (NONE, prose, a line without two bars) is skipped."""
    out = []
    for line in reply.splitlines():
        cols = [c.strip() for c in line.strip().strip("-*• ").split("|")]
        if len(cols) < 2 or not cols[0] or not cols[1]:
            continue
        kind = cols[2].lower() if len(cols) > 2 and cols[2].lower() in glossary.KINDS else "term"
        out.append(Proposal(cols[0], cols[1], kind, source))
    return out


def propose(complete: Callable[[list[dict[str, str]]], str], article: Article) -> list[Proposal]:
    """Ask the model for the names of every block that can hold one (``complete`` is ``LLM.complete``)."""
    out: list[Proposal] = []
    for block in article.blocks:
        if block.kind in _KINDS and _CJK.search(block.text):
            out.extend(parse_reply(complete(messages(block.text)), article.source))
    return out


def _figures(text: str) -> list:
    """The figures a name's check looks at: ten and up (七人欖球賽 is Hong Kong Sevens, with no 7 in it)."""
    from rag.text import numbers

    return [q for q in numbers.find_quantities(text)
            if not numbers.trivial(q) and (q.value is None or q.value >= 10 or q.key)]


def _figures_kept(chinese: str, english: str) -> bool:
    from rag.text import numbers

    zh, en = _figures(chinese), _figures(english)
    return (all(any(numbers.same_quantity(a, b) for b in en) for a in zh)
            and all(any(numbers.same_quantity(b, a) for a in zh) for b in en))


@functools.lru_cache(maxsize=64)
def _known_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` writes a known name, places and people too: (start, end), leftmost-longest."""
    return _spans(text, frozenset(_every_known()))


def _spans(text: str, names: frozenset[str]) -> list[tuple[int, int]]:
    """Where ``text`` writes any of ``names``: (start, end), leftmost-longest."""
    return [m.span() for m in _alternation(names).finditer(text)]


@functools.lru_cache(maxsize=8)
def _alternation(names: frozenset[str]) -> re.Pattern[str]:
    """One regex for many names, longest first, so that at each place the longest is taken (保安局局長, not 保安局)."""
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))) or "(?!)")


def _against_known(chinese: str, text: str) -> str:
    """Why a proposal the known names show is no one name, or ''. The model glued two names (綜援長生津, a
    headline's), listed one with a phrase (標準金額及長者生活津貼), or cut one (職家庭津貼計劃, of 在職家庭津貼):
    such rows glossed the English view wrongly and hid the known names inside them (session 23)."""
    if chinese in known() or chinese in romanise.places():
        return ""
    spans = _known_spans(chinese)
    inside = set().union(*(range(a, b) for a, b in spans)) if spans else set()
    rest = [c for i, c in enumerate(chinese) if i not in inside]
    if len(spans) >= 2 and all(c in _JOINERS for c in rest):
        return "known names written together, not one name"
    if any((a and chinese[a - 1] in _JOINERS) or (b < len(chinese) and chinese[b] in _JOINERS) for a, b in spans):
        return "a list with a known name, not one name"
    at = [m.start() for m in re.finditer(re.escape(chinese), text)]
    known_at = _known_spans(text)
    end = len(chinese)
    if at and all(any(a < i < b < i + end or i < a < i + end < b for a, b in known_at) for i in at):
        return "cuts into a known name"
    return ""


def _why_not(p: Proposal, text: str, hand: dict[str, str], covered: str = "") -> str:
    """Why a proposal cannot be kept, or '' if it can (each reason one check, in order)."""
    if p.chinese not in text:
        return "not in the article word for word"
    if p.chinese in covered:
        # Rows apply wherever their Chinese is written: 消息人士 "Media Commentator", made for a health article,
        # glossed the Budget article's 消息人士 too, changing its English answers. An article a person wrote the
        # glossary for reads as that glossary says; a word it also uses is seldom a name anyway (據了解).
        return "also in an article corpus/glossary.tsv covers, whose English view it would change"
    if p.kind == "term":
        # The model's own kind for what is not a name (主場館 "Main Hall", 恒常化 "Normalization", 國際足球及欖球
        # 賽事 "… Handball Matches"): glossed into the English view, such words were often wrong, and an English
        # answer translates an ordinary word itself (docs/history.md, session 20).
        return "a term by the model's own kind, not a name"
    if not MIN_CHARS <= len(p.chinese) <= MAX_CHARS or not _CJK.search(p.chinese):
        return f"not a name's length ({MIN_CHARS}-{MAX_CHARS} characters, Chinese)"
    if _CLAUSE.search(p.chinese):
        return "a list or a clause, not a name"
    if p.chinese.endswith(_TOPIC):
        # 院舍照顧方面 "Care for Elderly", 酒店方面 "Hotel industry": how a paragraph turns to its topic, "as for …".
        return "a topic (方面, 層面), not a name"
    if _DESCRIBED.search(p.chinese):
        # 元朗一所中學 "Yuen Long Primary School", 多個非政府機構: "a school", "several bodies" name no one.
        return "a description (一所, 多個), not a name"
    if why := _against_known(p.chinese, text):
        return why
    if any(q.unit != "year" for q in _figures(p.chinese)):
        # 創造約1,200個職位 → "Create over 1,200 job positions": a statement; figures get English by code.
        return "a phrase with a figure, not a name"
    if _CJK.search(p.english):
        return "Chinese left in the English"
    if not _ENGLISH_OK.match(p.english) or len(p.english) > 100:
        return "not an English name"
    if _ENGLISH_VERB.search(p.english):
        return "a statement in English, not a name"
    if not _figures_kept(p.chinese, p.english):
        return "figures changed"
    if p.chinese in hand:
        return "already in corpus/glossary.tsv"
    taken = [zh for zh, en in hand.items() if en.lower() == p.english.lower()]
    if taken:
        return f"English already the name of {taken[0]} in corpus/glossary.tsv"
    # 港方園區 (the Hetao zone's Hong Kong park) as "Hong Kong Science Park", 香港科學園's English (session 24).
    if p.chinese not in known() and (other := _known_english_in(p.english, p.chinese)):
        return f"English already the name of {other} (a known name)"
    if p.chinese not in known() and (inside := _known_left_out(p.english, p.chinese)):
        return f"its English leaves out {inside} ({known()[inside]}), a known name it writes"
    return ""


def _known_left_out(english: str, chinese: str) -> str:
    """The known body, scheme or person (``known``) written inside ``chinese`` that ``english`` does not name, or ''.

    北環線主線 came as "Main Line of the North Circular Road" (session 24): 北環線 is the Northern Link, and the row,
    longer, hid the known one wherever the article wrote the main line, so the English view read "North Circular
    Road" and an English question on the Northern Link's cost found nothing to cite. Without the row the known
    name is glossed inside it (北環線 [= Northern Link]主線). Its English may be the full name, its abbreviation or a
    person's shorter name; places are ``romanise.places_left_out``'s.
    """
    names = known()
    for a, b in _spans(chinese, frozenset(names)):
        if b - a == len(chinese) or (a == 0 and chinese[b:] in _TITLES):  # 考評局秘書長: ``_titled`` writes it
            continue
        e = glossary.Entry(chinese[a:b], names[chinese[a:b]], "", "")
        forms = [f for f in (e.name, e.abbreviation, *shorter_names(e.english, "person")) if f]
        if not any(re.search(rf"(?<![A-Za-z]){re.escape(f)}(?![A-Za-z])", english, re.I) for f in forms):
            return e.chinese
    return ""


def _known_english_in(english: str, chinese: str) -> str:
    """The known name (``known``) whose English ``english`` is or holds, though ``chinese`` does not write it; or ''.
    港方園區 came as "Hong Kong Science Park" and 港方園區第一期 as "Hong Kong Science Park First Phase" (session 24):
    香港科學園's English, another place."""
    named = [forms for rx, forms in _known_english_names() if rx.search(english)]
    return next((forms[0] for forms in named if not any(form in chinese for form in forms)), "")


@functools.cache
def _known_english_names() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """Each known English name of two words or more, as a pattern, with every Chinese form of it (考評局 too)."""
    forms: dict[str, tuple[str, list[str]]] = {}  # by the name in lower case: its first spelling, its Chinese
    for zh, en in known().items():
        name = glossary.Entry(zh, en, "", "").name
        if len(name.split()) >= 2:
            forms.setdefault(name.lower(), (name, []))[1].append(zh)
    return tuple((re.compile(rf"\b{re.escape(name)}\b", re.I), tuple(zhs)) for name, zhs in forms.values())


def _without_short_form(p: Proposal) -> Proposal:
    """強制性公積金（強積金） as 強制性公積金: the name before its bracketed short form (which ``_short_forms`` finds
    and gives the same English). The model wrote 綜合社會保障援助（綜援）計劃 whole, and the row hid both names."""
    m = re.search(_SHORT_FORM, p.chinese)
    if not m or m.start() < MIN_CHARS:
        return p
    english = re.sub(r"\s*\([^)]*\)\s*$", "", p.english) or p.english
    return Proposal(p.chinese[:m.start()], english, p.kind, p.source)


def check(proposals: Iterable[Proposal], texts: dict[str, str], hand: Iterable[glossary.Entry],
          covered: str = "") -> tuple[list[tuple[str, glossary.Entry]], list[Rejected]]:
    """The proposals that pass every check, as (source, glossary row), one per Chinese name; and the rest, with why.

    ``texts`` maps each source to its whole text; ``covered`` is the text of the articles the hand glossary
    covers. A name proposed more than once takes its most frequent English (the first on a tie), wherever it
    occurs; two names with one English keep the first.
    """
    table = {e.chinese: e.english for e in hand}
    kept: dict[str, list[Proposal]] = {}
    rejected: list[Rejected] = []
    for p in map(_without_short_form, proposals):
        why = _why_not(p, texts.get(p.source, ""), table, covered)
        if why:
            rejected.append(Rejected(p, why))
        else:
            kept.setdefault(p.chinese, []).append(p)
    rows: list[tuple[str, glossary.Entry]] = []
    english_of: dict[str, str] = {}
    shorts = _short_forms(kept, texts, table, covered)
    for chinese in sorted(kept, key=lambda c: c in shorts):  # full names first: a short form takes their English
        group = kept[chinese]
        if row := _short_row(chinese, shorts, rows):
            rows.append(row)
            continue
        english = Counter(p.english for p in group).most_common(1)[0][0]
        first = next(p for p in group if p.english == english)
        made = "proposed by the model"
        kind = first.kind
        if chinese in known():
            # 保安局局長 as "Secretary for Defence": a Government body or head, or a public scheme, is written as the
            # Government writes it, and is what its table says (安老事務委員會 came as a person, session 28).
            kind = _every_known()[chinese][1]
            if english != known()[chinese]:
                english, made = known()[chinese], f"written by code, a known name (the model wrote {english!r})"
        elif first.kind == "person" and not romanise.person(chinese) and _GIVEN_NAME.search(english):
            # 經濟系副教授 as "Professor Ro Yu-hing" (session 31): a post the model gave someone's name.
            rejected += [Rejected(p, "a person's name in English for a post or a description") for p in group]
            continue
        elif first.kind == "person" and not romanise.spells_person(english, chinese, first_name=False):
            # 李家超 as "Mr. Lee Ka-Shing", 羅淑佩 as "Rosetta Pei": a person is written as Hong Kong spells them;
            # an unknown person without the English first name the model gave (何詠芝 "Ms. Wendy Ho").
            english, made = romanise.person(chinese) or english, f"romanised by code (the model wrote {english!r})"
        elif left_out := romanise.places_left_out(english, chinese):
            # 將軍澳百勝角 as "Kowloon Bay, Wan Chai", another district: a place is written with the known places'
            # English and the rest spelled; any other name leaving a known place out is not kept.
            if first.kind != "place" or not (english := romanise.place(chinese)):
                why = f"its English leaves out {left_out[0]} ({romanise.places()[left_out[0]]})"
                rejected += [Rejected(p, why) for p in group]
                continue
            made = f"written by code (the model wrote {first.english!r})"
        if english.lower() in english_of:
            rejected.append(Rejected(first, f"English already given to {english_of[english.lower()]}"))
            continue
        english_of[english.lower()] = chinese
        rejected += [Rejected(p, f"{chinese} is given {english!r} elsewhere") for p in group if p.english != english
                     and p.english != first.english]
        note = f"machine: {made} for {first.source}; correct it in corpus/glossary.tsv"
        rows.append((first.source, glossary.Entry(chinese, english, kind, note, shorter_names(english, kind))))
    rows += [row for short in shorts if short not in kept and (row := _short_row(short, shorts, rows))]
    return _titled(rows, table), rejected


#: Titles written after a body's name (考評局秘書長), in English before it: "Secretary-General of the …". Not 局長 and
#: the like of a bureau: ``bodies`` writes those as the Government does (Secretary for Security).
_TITLES = {"副主席": "Vice-Chairman", "主席": "Chairman", "秘書長": "Secretary-General", "行政總裁": "Chief Executive",
           "總裁": "President", "總幹事": "Chief Executive", "總監": "Director", "院長": "President",
           "校長": "Principal", "副校長": "Vice-President", "會長": "President", "發言人": "Spokesperson"}


def _titled(rows: list[tuple[str, glossary.Entry]], hand: dict[str, str]) -> list[tuple[str, glossary.Entry]]:
    """A body's title (考評局秘書長) written with the body's English: the model had "Secretary for Examination", and
    asked about "the Secretary General of the HKEAA" its YES/NO said the article does not say (session 22)."""
    english = {**hand, **{e.chinese: e.english for _, e in rows}, **table("bodies")}
    out = []
    for src, e in rows:
        title = next((t for t in _TITLES if e.chinese.endswith(t) and e.chinese[:-len(t)] in english), "")
        body = e.chinese[:-len(title)] if title else ""
        if title and e.chinese not in table("bodies"):
            named = glossary.Entry(body, english[body], "body", "").name  # without its (HKEAA)
            named = named if named.lower().startswith("the ") else f"the {named}"
            note = f"machine: written by code, the {_TITLES[title]} of {body} (the model wrote {e.english!r})"
            e = glossary.Entry(e.chinese, f"{_TITLES[title]} of {named}", e.kind, f"{note} for {src}; correct it "
                               "in corpus/glossary.tsv")
        out.append((src, e))
    return out


def _short_forms(names: Iterable[str], texts: dict[str, str], hand: dict[str, str], covered: str) -> dict[str, str]:
    """The short forms the articles give the names (香港考試及評核局（考評局）: 考評局 → 香港考試及評核局).

    One name, one English: the model had 香港考試及評核局 "Hong Kong Examination and Assessment Authority" and
    考評局 "Examination Board", two bodies to an English reader. Not a short form a person's glossary has, nor
    one an article it covers writes (``_why_not``).
    """
    text = "\n".join(texts.values())
    out: dict[str, str] = {}
    for full in sorted(names, key=len, reverse=True):
        for m in re.finditer(re.escape(full) + _SHORT_FORM, text):
            short = m.group(2)
            if short not in hand and short not in covered and short != full and (m.group(1) or not _a_title(full)):
                out.setdefault(short, full)
    return out


def _a_title(full: str) -> bool:
    """Whether a name ends in a title (助理總裁, 署長): a bracket after it, unlabelled, holds the post's portfolio.

    金管局助理總裁（金融科技）, "Executive Director (Fintech)", had made 金融科技 a short form of the title, with
    the title's English (session 31); so had 社署助理署長（安老服務）. 香港警務處（警方） stays a short form.
    """
    return re.search(f"(?:{_TITLE.pattern})$", full) is not None


def _short_row(chinese: str, shorts: dict[str, str], rows: list[tuple[str, glossary.Entry]]
               ) -> tuple[str, glossary.Entry] | None:
    """The row of a short form, with its full name's English, once the full name has a row; else None."""
    full = next(((src, e) for src, e in rows if e.chinese == shorts.get(chinese)), None)
    if full is None:
        return None
    src, e = full
    note = f"machine: the short form of {e.chinese} in {src}, with its English; correct it in corpus/glossary.tsv"
    return src, glossary.Entry(chinese, e.english, e.kind, note)


#: How a ``known_names`` row's note begins: such rows are made again at every ingest (no model needed), so a
#: name added to a table reaches an article whose model-made names are cached.
KNOWN = "machine: a known name (rag/data/"


#: The tables of known names beside the places (``rag/data/<table>.tsv``), and the kind their rows get.
_TABLES = (("bodies", "body"), ("schemes", "scheme"), ("people", "person"))


@functools.cache
def table(name: str) -> dict[str, str]:
    """A table of known names, Chinese to English, as the Government writes them: ``bodies`` (保安局局長 Secretary
    for Security, 房屋署 Housing Department; the model wrote 保安局局長 "Secretary for Defence" and 民政事務總署 "Civil
    Defence Department", docs/history.md, session 21), ``schemes`` (綜援 Comprehensive Social Security Assistance
    (CSSA), 文憑試 … (DSE): the model wrote 香港中學文憑試 "Hong Kong Secondary School Examination", session 23) or
    ``people`` (孫玉菡 Chris Sun Yuk-han, whom code romanised Suen Yuk-ham, session 24)."""
    from rag.text.language import DATA_DIR, read_rows

    return {zh: en.strip() for zh, en in read_rows(DATA_DIR / f"{name}.tsv")}


@functools.cache
def _every_known() -> dict[str, tuple[str, str, str]]:
    """Every known name, places too, Chinese to (its table, its kind, its English); the tables' Chinese names are
    distinct (tests/test_names.py)."""
    tables = [("places", "place", romanise.places())] + [(name, kind, table(name)) for name, kind in _TABLES]
    return {zh: (name, kind, en) for name, kind, english in tables for zh, en in english.items()}


@functools.cache
def known() -> dict[str, str]:
    """Every known body, scheme and person (not places: ``romanise.places``), Chinese to English."""
    return {zh: en for name, _kind in _TABLES for zh, en in table(name).items()}


def with_written_forms(question: str) -> str:
    """A Chinese question with the form the corpus writes after each known name it asks by another (聯招幾時放榜？
    → 聯招（大學聯合招生辦法）幾時放榜？), for search and for the model; the question itself when there is none.

    Readers ask by the short forms (聯招, 長生津, 生果金) of names an article writes in full, or the other way round;
    neither search nor the 1.5B model tied 聯招 to 大學聯合招生辦法 (the eighth and seventh test articles, session 23).
    A known name the corpus writes as asked (its glossary has a row for it) is left alone."""
    from rag.text.language import for_matching, to_traditional, to_written

    read = to_traditional(question)
    if len(read) != len(question):
        return question
    written = to_written(read)  # Cantonese's 金管局 is read 香港金融管理局 already (rag/data/cantonese.tsv)
    folded = for_matching(read)  # one spelling per word: 北環線 and 北環綫 are one name
    out, last = [], 0
    for i, j in _spans(read, frozenset(known())):
        name = read[i:j]
        if glossary.find_terms(name) or glossary.find_terms(question[i:j]):
            continue
        forms = [f for t in glossary.lookup_english(known()[name]) for f in (t.forms or (t.chinese,))]
        forms = [f for f in dict.fromkeys(forms)
                 if f not in read and f not in written and for_matching(f) not in folded]
        if forms:
            out += [question[last:j], "（", "、".join(forms[:2]), "）"]
            last = j
    return "".join(out) + question[last:] if out else question


def shorter_names(english: str, kind: str) -> tuple[str, ...]:
    """What an English reader also calls a person with an English first name: Chris Sun Yuk-han is "Chris Sun"
    and "Sun Yuk-han" (a name written whole only matches whole, and "Who is Chris Sun?" was asked of nothing).
    A name of two words (Sun Dong, Mable Chan) or without a first name (Lo Chung-mau) has none."""
    words = english.split()
    if kind != "person" or len(words) < 3 or "-" in words[0] or "-" not in words[-1]:
        return ()
    return (f"{words[0]} {words[1]}", " ".join(words[1:]))


def _as_known(e: glossary.Entry) -> glossary.Entry:
    """A cached row of the model's for a name a known table now has, with the table's English: a row a table
    gains reaches an article without the model reading it again (as known places do)."""
    english = known().get(e.chinese)
    if english is None or english == e.english:
        return e
    kind = _every_known()[e.chinese][1]
    note = f"machine: written by code, a known name (the model wrote {e.english!r}); correct it in corpus/glossary.tsv"
    return glossary.Entry(e.chinese, english, kind, note, shorter_names(english, kind))


def known_names(source: str, text: str, taken: Iterable[str], covered: str = "") -> list[glossary.Entry]:
    """Rows for the known places (``rag/data/places.tsv``), bodies, schemes and people (``table``) ``text`` writes
    that no row in ``taken`` names: their English is a fact, not the model's (北區 North, 房屋署 Housing Department,
    綜援 Comprehensive Social Security Assistance (CSSA), 孫玉菡 Chris Sun Yuk-han), so they are written by code, with
    a model or without. One a hand-covered article also writes gets none (it would change that article's English
    view)."""
    taken = set(taken)
    # 啟德 inside a row's 啟德體育園 is that row's; 金管局助理總裁 around a row's 金管局 is a name of its own (the row's
    # 金管局 had been blanked out of the text first, and the title with it: session 29).
    inside = [m.span() for m in _alternation(frozenset(taken)).finditer(text)] if taken else []
    # One leftmost-longest scan over every table (their Chinese names are distinct): scanned table by table, the
    # places first, 香港金融管理局 came back as 香港 and 東涌綫延綫 as 東涌 (session 25).
    where = _every_known()
    rows = []
    found = [text[i:j] for i, j in _spans(text, frozenset(where)) if not any(a <= i and j <= b for a, b in inside)]
    for zh in dict.fromkeys(found):
        if zh not in taken and zh not in covered:
            name, kind, english = where[zh]
            note = f"{KNOWN}{name}.tsv), written by code for {source}; correct it in corpus/glossary.tsv"
            rows.append(glossary.Entry(zh, english, kind, note, shorter_names(english, kind)))
            taken.add(zh)
    return rows + titled_people(source, text, taken, covered)


#: How a ``titled_people`` row's note begins: made again at every ingest, as known names are.
TITLED = "machine: romanised by code, a person the article titles "
# A title a person's name follows in a news story (衞生防護中心總監區景賢), and what follows a name there: a verb of
# saying, a time, a conjunction or a mark. Kept apart from rag.answer.ground's title endings (the index comes first).
_TITLE = re.compile(r"長官|局長|司長|署長|處長|關長|台長|專員|總監|總裁|總幹事|秘書長|主席|主任|院長|校長|會長|"
                    r"發言人|議員|教授|經理|顧問|主管")
_SAYING = (r"表示|指出|指|稱|說|昨日|今日|認為|透露|補充|強調|解釋|預計|估計|分析|建議|坦言|形容|直言|出席|回應|提到|"
           r"相信|希望|承認|重申|宣布|介紹|早前|日前|接受|歡迎|主禮")
_AFTER_NAME = re.compile(rf"{_SAYING}|亦|又|則|在|於|向|與|和|及|[、，（。]")
_IN_NAME = re.compile(r"表示|指出|認為|透露|補充|強調|解釋|預計|估計|分析|建議|坦言|形容|直言|出席|回應|提到|相信|希望|"
                      r"承認|重申|宣布|介紹|早前|日前|接受|歡迎|主禮|昨日|今日")


@functools.cache
def _word_counts() -> dict[str, int]:
    """jieba's own dictionary (no article's names in it): how often each word is written, 0 for a prefix."""
    import jieba

    tk = jieba.Tokenizer()
    counts, _total = tk.gen_pfdict(tk.get_dict_file())
    return counts


def _a_word(chinese: str) -> bool:
    """Whether ``chinese`` is, or a three-character run begins with, an everyday word, not a name: 周三, 方面, 曾經,
    程序上 (程序); a two-character start that a name shares (黃家 in 黃家和) is rarer than everyday words. A run ending
    in a word of time or place (黃昏時, 任內) is none either."""
    from rag.text.language import to_simplified

    counts = _word_counts()
    return counts.get(to_simplified(chinese), 0) > 0 or (len(chinese) == 3 and (
        counts.get(to_simplified(chinese[:2]), 0) >= _EVERYDAY or chinese[2] in "時上內後前間來裡裏"))


#: How often (of jieba's 60 million) a word is written to be everyday Chinese (rag.answer.refuse's measure).
_EVERYDAY = 1000


def titled_people(source: str, text: str, taken: Iterable[str], covered: str = "") -> list[glossary.Entry]:
    """Rows for the people ``text`` names right after a title that no row names, spelled as Hong Kong spells names
    (``romanise.person``): 衞生防護中心總監區景賢昨日… gives 區景賢 "Au King-yin".

    The model proposes most of an article's people, and code spells them; it proposed no row for 區景賢, and an English
    asker got "Mr. Sheng Yan" for him and no English name in the quote (session 29). Of the 53 titled people of
    the seventeen test articles, 7 had no row. A name is three characters (or else two) that a known surname begins
    and a word that follows names in news ends (表示, 昨日, a comma), and neither an everyday word nor one holding
    such a word: 局長曾表示, 行政長官周三表示 and 校長方面則表示 give none (a review's probes, session 29).
    """
    taken = set(taken)
    rows = []
    for m in _TITLE.finditer(text):
        i = m.end()
        if not romanise.is_surname_start(text[i:i + 2]):
            continue
        n = next((n for n in (3, 2) if _AFTER_NAME.match(text, i + n)
                  and not (n == 3 and text[i + 2] in "亦又則在於向與及")), 0)
        name = text[i:i + n]
        if not n or name in taken or name in covered or _IN_NAME.search(name) or _a_word(name):
            continue
        if english := romanise.person(name):
            note = f"{TITLED}({m.group()}{name}), for {source}; correct it in corpus/glossary.tsv"
            rows.append(glossary.Entry(name, english, "person", note))
            taken.add(name)
    return rows


# ------------------------------------------------------------------------------------------------ the file

HEADER = (
    "# Machine-made English names for the articles corpus/glossary.tsv does not cover (rag/index/names.py).\n"
    "# Proposed by the model at ingest and checked by code for form only: the English may be wrong.\n"
    "# To correct a row, add the name with its right English to corpus/glossary.tsv and ingest again; never edit\n"
    "# this file, which the next ingest rewrites.\n"
)


@dataclass(frozen=True)
class Section:
    """One source's rows, with what they were made from (so an unchanged source is not read again)."""

    source: str
    key: str  # the source's hash, the model, VERSION; "" when no model read it
    rows: tuple[glossary.Entry, ...]


def key_for(file_hash: str, model: str) -> str:
    return f"{file_hash}:{model}:{VERSION}" if model else ""


def fresh(section: Section | None, file_hash: str) -> bool:
    """True when a model read this very text with this prompt (whichever model: it is not read again)."""
    return bool(section and section.key.startswith(f"{file_hash}:") and section.key.endswith(f":{VERSION}"))


def unread(path: Path, hashes: dict[str, str]) -> list[str]:
    """The sources that need the model: not covered by corpus/glossary.tsv, and not read as they are now."""
    covered = set(glossary.covered_sources())
    old = read(path)
    return [s for s, h in hashes.items() if s not in covered and not fresh(old.get(s), h)]


def read(path: Path) -> dict[str, Section]:
    """The file's sections by source; a missing or unreadable file is empty (it is only a cache)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[str, Section] = {}
    current: Section | None = None
    for line in lines:
        m = re.match(r"^# source: (.+?)\t(.*)$", line)
        if m:
            current = Section(m.group(1), m.group(2), ())
            out[current.source] = current
        elif current and line.strip() and not line.startswith("#"):
            cols = line.split("\t") + [""] * 5
            aliases = tuple(a.strip() for a in cols[4].split(";") if a.strip())
            row = glossary.Entry(cols[0], cols[1], cols[2], cols[3], aliases)
            current = out[current.source] = Section(current.source, current.key, (*current.rows, row))
    return out


def write(path: Path, sections: Iterable[Section]) -> None:
    """Write every section, sources in order; atomically, so a reader never sees half a file."""
    parts = [HEADER, "chinese\tenglish\tkind\tnote\taliases\n"]
    for s in sorted(sections, key=lambda s: s.source):
        parts.append(f"# source: {s.source}\t{s.key}\n")
        parts += [f"{e.chinese}\t{e.english}\t{e.kind}\t{e.note}\t{'; '.join(e.aliases)}\n".replace("\t\n", "\n")
                  for e in s.rows]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(parts), encoding="utf-8")
    tmp.replace(path)


def update(path: Path, articles: dict[str, Article], hashes: dict[str, str],
           complete: Callable[[list[dict[str, str]]], str] | None, model: str,
           out: Path | None = None) -> list[Rejected]:
    """Bring the generated glossary in line with the corpus; return what was proposed and not kept.

    Sources the hand glossary covers get no section. A source whose section was made from the same
    text by the same model and prompt keeps it; the others are read by the model (``complete``),
    or, with none, get their known places only, and a later ingest with a model fills them.
    ``out``: where to write the result (default ``path``, the file read).
    """
    covered = set(glossary.covered_sources())
    old = read(path)
    hand = glossary.entries(glossary.GLOSSARY_PATH)
    covered_text = "\n".join(a.text for s, a in articles.items() if s in covered)
    sections: dict[str, Section] = {}
    todo = []
    for source, article in articles.items():
        if source in covered:
            continue
        if fresh(old.get(source), hashes[source]):
            sections[source] = old[source]
        elif complete is None:
            todo.append((source, article, ""))
        else:
            todo.append((source, article, key_for(hashes[source], model)))
    rejected: list[Rejected] = []
    rows: list[tuple[str, glossary.Entry]] = []
    if todo and complete is not None:
        proposals = []
        for source, article, _key in todo:
            log.info("Finding the names in %s for its English view (the model reads %d blocks)", source,
                     len(article.blocks))
            proposals += propose(complete, article)
        # Checked together with the kept sections' rows, so no two sources give one name two Englishes.
        earlier = [e for s in sections.values() for e in s.rows]
        rows, rejected = check(proposals, {s: a.text for s, a, _ in todo}, [*hand, *earlier], covered_text)
    made = {s: (key, tuple(e for t, e in rows if t == s)) for s, _a, key in todo}
    made |= {s: (sec.key, tuple(_as_known(e) for e in sec.rows if not e.note.startswith((KNOWN, TITLED))))
             for s, sec in sections.items()}
    taken = {e.chinese for e in hand} | {e.chinese for _key, kept in made.values() for e in kept}
    for source in sorted(made):
        key, kept = made[source]
        places = known_names(source, articles[source].text, taken, covered_text)
        taken |= {e.chinese for e in places}
        sections[source] = Section(source, key, (*kept, *places))
    out = out or path
    out.parent.mkdir(parents=True, exist_ok=True)
    write(out, sections.values())
    return rejected
