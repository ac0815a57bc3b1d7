"""Is the article about this at all? Decide before answering, from text and scores.

Two signals, both cheap:

* **Unknown terms.** A Chinese question that names something the article never mentions
  (啟德體育園, 差餉寬減, 薪俸稅) has a run of characters none of whose character pairs occur in
  the article, in any script, after Cantonese words are mapped to written ones, and that holds a
  word not among the commonest of Chinese (jieba's dictionary counts): an everyday word the article
  happens not to use (打算, 東西, 建成) names nothing. An English
  question is checked for acronyms and capitalised names (GDP, MTR, Kai Tak Sports Park) that
  are neither in the article nor English names in its glossary (``corpus/glossary.tsv``).
* **Low retrieval scores.** e5's cosine similarities sit close together on this article, so the
  threshold is the one measured on the eval set (``rag.config``), not one borrowed elsewhere.
* **Off the article's subject.** Everyday talk (嗰時周海媚應該幾多歲啊？, 今晚煮咩餸好呢？) names nothing
  rare, so the first check passes it, and e5 scores it 0.80-0.86 against this article, among the answerable
  questions' scores. What gives it away is its words: of what a Chinese question says beyond function words
  and the commonest Chinese, weighted by how rare each word is, a question on the article finds most in the
  article's own words, small talk little (``subject_share``). Refused when that share is low and the best
  passage is not close, or when the question holds no content word at all and its best passage is not
  close either (``off_subject``).

Why by hand: llama-index's similarity cut-off post-processor is the second signal alone, and on
e5 it cannot tell "GDP growth" from a real question phrased unusually: the question the article does
not answer scores as high as the real one (the scores: docs/history.md). No installed library measures how
much of a question is a document's own vocabulary; jieba gives the words, their parts of speech and how
common each is, and the rest is the few lines of ``subject_share``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from rag.index import names
from rag.text import glossary, kinds, language, numbers, romanise
from rag.text.romanise import Romanised

# Words that carry no subject: question words and function words, in written form (after
# for_matching has mapped Cantonese to written Chinese and simplified to traditional).
_FUNCTION = set(
    "的了是在有和與及或就都也還又而但把被給對向從到於為以之其這那哪些個什麼誰何時多少怎樣如何嗎呢吧啊呀"
    "我你他她它們咱會要能可將已曾正請問想知道說講話告訴一下今年明年去年現在目前政府香港文章報道提到"
)
# A verb that ends a run says what is done, not what to: 集中搞 (written 集中辦) and 用來辦 were taken for
# unknown terms and answerable questions refused (docs/history.md). Only at the end: inside a run (舉辦奧運會)
# the run is still one term.
_TRAILING_VERBS = "辦"
_FUNCTION_WORDS = (
    "什麼", "多少", "怎樣", "如何", "哪裏", "為什麼", "甚麼", "請問", "知道", "告訴", "文章", "報道", "提到", "有沒有",
    "是不是", "會不會", "多久", "幾時", "邊度", "點解", "一下",
    # What a percentage is asked as, not what it is of: 佔多少百分比 was refused, the article writing 43.8%.
    "百分比", "百分率", "百分之幾",
)


@dataclass(frozen=True)
class Verdict:
    refuse: bool
    reason: str
    unknown_terms: tuple[str, ...] = ()


@lru_cache(maxsize=4)
def _article_matching(article_text: str) -> str:
    """``language.for_matching`` of the corpus text, made once per text: the title checks read it for every "who"
    question, and over 100 articles it takes about 0.15 s."""
    return language.for_matching(article_text)


@lru_cache(maxsize=4)
def _article_pairs(article_text: str) -> frozenset[str]:
    norm = _article_matching(article_text)
    pairs = set()
    for run in language.HAN_RUN.findall(norm):
        pairs.update(run[i:i + 2] for i in range(len(run) - 1))
    return frozenset(pairs)


#: A word jieba's dictionary counts at least this often (of 60 million) is everyday Chinese: its 5,215
#: commonest words of two characters or more. Without it, answerable questions were refused for everyday words
#: such as 新東西 (新嘢), 用來做, 建成後, 步打算做 (下一步打算做什麼) (docs/history.md). The names of
#: things the article lacks hold rarer words: 啟德 272, 寬減 2, 電費 111, 薪俸 52, 開幕 596, 首任 186;
#: 派消費券 (消費 5,133) is a loss, left to the model's own check.
COMMON_WORD_FREQ = 1000


def _names_something(word: str) -> bool:
    """Whether ``word`` holds a word rarer than everyday Chinese, or none jieba knows (a name)."""
    from rag.index import lexical

    tk = lexical.jieba_tokenizer()
    words = [w for w in tk.cut(language.to_simplified(word), HMM=False) if len(w) >= 2]
    return not words or any(tk.FREQ.get(w, 0) < COMMON_WORD_FREQ for w in words)


def unknown_chinese_terms(question: str, article_text: str) -> list[str]:
    """Runs of 3+ content characters of which no character pair occurs in the article, naming something
    (``_names_something``)."""
    norm = language.for_matching(question)
    for w in _FUNCTION_WORDS:
        norm = norm.replace(language.for_matching(w), " ")
    pairs = _article_pairs(article_text)
    unknown = []
    for run in language.HAN_RUN.findall(norm):
        # Split the run at function characters; what is left are candidate content words.
        for word in re.split(f"[{''.join(_FUNCTION)}]+", run):
            word = word.rstrip(_TRAILING_VERBS)
            if len(word) < 3:
                continue
            word_pairs = [word[i:i + 2] for i in range(len(word) - 1)]
            if not any(p in pairs for p in word_pairs) and _names_something(word):
                unknown.append(word)
    return unknown


# Titles a "who" question asks the holder of, and the words before one that make another, lesser title: the
# article's 助理署長 (an assistant director) does not say who the 署長 is.
_HOLDERS = ("行政總裁", "總幹事", "秘書長", "總經理", "董事長", "理事長", "發言人", "主席", "總裁", "總監",
            "院長", "校長", "會長", "局長", "署長", "處長", "司長", "關長", "台長", "主任")
_LESSER = ("助理", "副", "署理", "前")
_WHO = ("誰", "哪位", "何人", "什麼人", "甚麼人")  # in written form: 邊個 and 邊位 are mapped to 誰 and 哪位


def titles_asked(question: str) -> Iterator[tuple[str, str, str]]:
    """For each title a Chinese "who" question asks the holder of: the title as asked (with a lesser word before
    it: 副局長), that lesser word or "", and what the question writes before them (``for_matching`` form)."""
    said = language.for_matching(question)
    if not any(w in said for w in _WHO):
        return
    for title in _HOLDERS:
        for m in re.finditer(title, said):
            lead = said[:m.start()]
            lesser = next((w for w in _LESSER if lead.endswith(w)), "")
            yield lesser + title, lesser, lead[:len(lead) - len(lesser)]


def lesser_title(question: str, article_text: str) -> str:
    """The title a Chinese "who" question asks the holder of (署長) when the article writes it only as part of a
    lesser one (助理署長), with that one; "" otherwise.

    Asked 環保署署長是誰？ of an article naming only the department's 助理署長, the model named the bureau's
    Secretary, then, its answer rejected, the assistant director's sentence was quoted (session 26). Only the
    lesser-title case: a title the article never writes is left to the other checks, as the article may name
    the holder otherwise (行政總裁 for 總裁).
    """
    for asked, _lesser, _lead in titles_asked(question):
        text = _article_matching(article_text)
        before = [text[max(0, i.start() - 2):i.start()] for i in re.finditer(asked, text)]
        if before and all(b.endswith(_LESSER) for b in before):
            lesser = next(w for w in _LESSER if before[0].endswith(w)) + asked
            return f"{asked} (the article writes only {lesser})"
    return ""


def unwritten_title(question: str, article_text: str) -> str:
    """The title a Chinese "who" question asks the holder of at a body the article names (香港旅遊業議會的主席), when
    no sentence of the article naming that body, or its bracketed short form, writes that title; "" otherwise.

    Asked 香港旅遊業議會的主席是誰？ of an article naming only the council's 執行總幹事, the model named him as its
    chairman (session 27). A title the article writes elsewhere, for another body, says nothing of this one's.
    A question naming no body the article writes is left to the other checks.
    """
    for asked, lesser, lead in titles_asked(question):
        text = _article_matching(article_text)
        run = re.search(r"[\u4e00-\u9fff]+$", lead.removesuffix("的"))
        body = next((run[0][i:] for i in range(len(run[0]) - 1) if run[0][i:] in text), "") if run else ""
        if not body:
            continue
        forms = {body, *re.findall(re.escape(body) + r"（([^（）]{1,10})）", text)}
        naming = [s for s in re.split(r"[。！？；\n]", text) if any(f in s for f in forms)]
        written = re.compile("".join(f"(?<!{w})" for w in _LESSER if not lesser) + asked)  # not 副局長 for 局長
        if naming and not any(written.search(s) for s in naming):
            return f"{asked} of {body} (no sentence naming {body} writes it)"
    return ""


#: The place every article here is in: a question naming it says nothing of which article answers it.
_EVERYWHERE = frozenset({"香港"})


@lru_cache(maxsize=1)
def _place_forms() -> dict[str, frozenset[str]]:
    """Each known place's English, and each Chinese form of it, to every Chinese form with that English
    (赤鱲角機場 and 香港國際機場 are one airport)."""
    by_english: dict[str, set[str]] = {}
    for zh, en in romanise.places().items():
        by_english.setdefault(en, set()).add(zh)
    forms = {en: frozenset(zhs) for en, zhs in by_english.items()}
    return forms | {zh: forms[en] for zh, en in romanise.places().items()}


#: Places whose English is also an ordinary word or a name (Central Kowloon Route, Stanley Ng, Eastern Harbour
#: Crossing): an English question naming them may mean something else.
_WORD_PLACES = frozenset({"Admiralty", "Austin", "Central", "Eastern", "Islands", "Jordan", "North", "Southern",
                          "Stanley", "Tamar"})


# The airport, which an article may write by its kind alone (機場 for 香港國際機場, 赤鱲角機場).
_FACILITY = re.compile(r"\bAirport$")


@lru_cache(maxsize=1)
def _english_places() -> re.Pattern[str]:
    names = sorted({en for en in romanise.places().values() if en not in _WORD_PLACES and not _FACILITY.search(en)},
                   key=len, reverse=True)
    # Not inside a hyphenated name (Lam Tin-fuk is a person, The University of Hong Kong-Shenzhen Hospital a place),
    # nor before another capitalised word: Tsing Yi Station, Kowloon Bay are other names.
    return re.compile(r"(?<![-\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![-\w])(?! [A-Z])")


def _places_asked(question: str) -> list[str]:
    """The known places a Chinese question names, each where a word begins: 目前海外 holds 前海 (Qianhai) across
    two words."""
    from rag.index import lexical

    simplified = language.to_simplified(language.to_traditional(question))
    starts, i = set(), 0
    for word in lexical.jieba_tokenizer().cut(simplified, HMM=False):
        starts.add(i)
        i += len(word)
    text = language.to_traditional(question)
    return [p for p in romanise.places_in(text) if any(text.startswith(p, j) for j in starts)]


def unwritten_place(question: str, lang: str, read_text: str) -> str:
    """A known place (``rag/data/places.tsv``) the question names that ``read_text``, the articles its answer
    would come from, never writes in any form; "" when there is none.

    Asked 元朗區的新長者地區中心何時投入服務？ beside the Budget article, which writes 元朗 (so no term of the
    question is unknown to the corpus), the model read an elderly-care article whose new centre is in 沙田 and
    answered 元朗區的新長者地區中心於今年9月1日投入服務 (session 28). A place the question names is what it asks
    about; an article that never writes it does not say.
    """
    forms = _place_forms()
    asked = [m.group() for m in _english_places().finditer(question)] if lang == "en" else _places_asked(question)
    text = language.to_traditional(read_text)
    for place in dict.fromkeys(asked):
        written = forms.get(place, frozenset({place}))
        if not written & _EVERYWHERE and not any(f in text for f in written):
            return place
    return ""


#: The tables of known names (``rag/data``) and the kind of name each holds.
_KNOWN_TABLES = (("bodies", "body"), ("schemes", "scheme"), ("people", "person"))


@dataclass(frozen=True)
class _Name:
    """A name as a question or an answer states it: its Chinese forms and what kind of name it is."""

    forms: frozenset[str]
    kind: str


@lru_cache(maxsize=1)
def _known() -> dict[str, _Name]:
    """Each known body, scheme, person and place (``rag/data``), with every Chinese form sharing its English
    (長生津 and 長者生活津貼 are one allowance)."""
    rows = [(zh, en, kind) for table, kind in _KNOWN_TABLES for zh, en in names.table(table).items()]
    rows += [(zh, en, "place") for zh, en in romanise.places().items()]
    by_english: dict[str, set[str]] = {}
    for zh, en, _ in rows:
        by_english.setdefault(en, set()).add(zh)
    return {zh: _Name(frozenset(by_english[en]), kind) for zh, en, kind in rows}


def _names_stated(text: str, lang: str) -> dict[str, _Name]:
    """The names a question or an answer states: known places (in Chinese where a word begins), known bodies,
    schemes and people, and the names a person wrote in the glossary (by their English in English); not one inside a
    longer one, nor 香港. Not the model's glossary rows: it proposed common nouns as names (持牌發行人, "Issuer"),
    which a sentence about them need not repeat (發行人…須在1個營業日內…)."""
    known = _known()
    if lang == "en":
        found = {m.group(): known.get(m.group()) or _Name(_place_forms().get(m.group(), frozenset()), "place")
                 for m in _english_places().finditer(text)}
        found |= {t.english: _Name(frozenset(t.forms or (t.chinese,)), t.kind) for t in glossary.lookup_english(text)
                  if not t.note.startswith("machine")}
    else:
        chinese = language.to_traditional(text)
        found = {p: known.get(p, _Name(frozenset({p}), "place")) for p in _places_asked(text)}
        found |= {zh: name for zh, name in known.items() if len(zh) >= 2 and zh in chinese}
        found |= {t.chinese: _Name(frozenset(t.forms or (t.chinese,)), t.kind) for t in glossary.find_terms(chinese)
                  if not t.note.startswith("machine")}
    return {n: name for n, name in found.items()
            if name.forms and not name.forms & _EVERYWHERE and not any(n != m and n in m for m in found)}


@lru_cache(maxsize=4)
def _articles(article_text: str) -> tuple[tuple[str, ...], ...]:
    """Each article's sentences in traditional characters, each paragraph's last ending in its newline; the
    articles are apart by a blank line (``Index.text_of``)."""
    return tuple(
        tuple(s for s in re.split(r"(?<=[。！？])(?![。！？」）\n])|(?<=\n)", language.to_traditional(article))
              if s.strip())
        for article in article_text.split("\n\n") if article.strip())


def _sentences(article_text: str) -> tuple[str, ...]:
    """The sentences of every article, in order."""
    return tuple(s for article in _articles(article_text) for s in article)


#: Sentences whose names and figures are kept: a corpus of 100 articles has about 2,600, and reading them all once
#: takes about 2 s (at warm-up, whose question asks a figure); a smaller cache would read them again each question.
SENTENCES_KEPT = 65_536


@lru_cache(maxsize=SENTENCES_KEPT)
def _named(sentence: str) -> tuple[_Name, ...]:
    """The names a sentence states (``_names_stated``)."""
    return tuple(_names_stated(sentence, "cmn-Hant").values())


def _kinds_named(sentence: str) -> frozenset[str]:
    """The kinds of the names a sentence states (place, body, scheme, person)."""
    return frozenset(name.kind for name in _named(sentence))


@lru_cache(maxsize=SENTENCES_KEPT)
def _quantities(sentence: str) -> tuple[numbers.Quantity, ...]:
    return tuple(numbers.find_quantities(sentence))


def _one_of(other: _Name, name: _Name) -> bool:
    """Whether ``other`` is ``name`` or a longer or shorter form of it (法定最低工資, 最低工資)."""
    return any(a in b or b in a for a in other.forms for b in name.forms)


def _about(article_text: str, name: _Name) -> list[bool]:
    """For each sentence (``_sentences``), whether it is about ``name``: it states one of its forms, points back to
    a sentence about it, or its paragraph stated one before it and has named nothing else of its kind since
    (主場館可容納5萬名觀眾, after the sentence naming the park; not 屯門醫院更高達121%, after the one naming
    瑪嘉烈醫院). Every sentence of an article that names it and nothing else of its kind is about it: the minimum
    wage's 4% cap, in a paragraph on its review formula that does not repeat 最低工資, was taken for another thing's
    figure (session 31)."""
    out: list[bool] = []
    for sentences in _articles(article_text):
        named = [n for s in sentences for n in _named(s) if n.kind == name.kind]
        if named and all(_one_of(n, name) for n in named):
            out += [True] * len(sentences)
            continue
        going = previous = False
        for s in sentences:
            if any(f in s for f in name.forms) or (previous and _REFERS_BACK.match(s)):
                going = True
            elif name.kind in _kinds_named(s):
                going = False
            out.append(going)
            previous = going
            if s.endswith("\n"):
                going = False
    return out


# A sentence that begins by pointing back (消息人士透露，上述撥款將分3年推行, after the sentence naming the AI unit;
# 當中約5億元…, then a paragraph 餘下15億元…, after the fund's) is about what the one before it is about, in a new
# paragraph too.
_REFERS_BACK = re.compile(r"\s*(?:[^，。]{0,10}，)?(?:上述|該|此|這|有關|相關|當中|其中|其餘|餘下|其)")


def unstated_figure(question: str, lang: str, article_text: str) -> str:
    """The names a question asks a figure of (an amount, a count, a share, a span or a time: ``kinds``) that the
    article writes, but in no sentence about them (``_about``) stating a figure of that kind; "" when there is none.

    Asked 伊利沙伯醫院急症室尋日有幾多人次求診？ of an article giving all 18 hospitals' 7,126 attendances and two
    others' (瑪嘉烈醫院錄得532人次), and of 伊利沙伯醫院 only its waiting time, the model answered with the whole's
    figure (session 29's commonest wrong answer to a question the article does not answer: a near figure of
    another thing). Any one name lacking it is enough: the question asks of all it names (伊利沙伯醫院 and its
    急症室, whose sentences give the whole's count). Over the 699 questions of the eval and test sets, no
    answerable one was refused by it, and 15 of 140 unanswerable ones were (docs/history.md, session 30).
    """
    if not kinds.asked_units(question, lang):
        return ""
    sentences = _sentences(article_text)
    lacking = []
    for asked, name in _names_stated(question, lang).items():
        about = [s for s, yes in zip(sentences, _about(article_text, name), strict=True) if yes]
        # A name the article never writes is the unknown-terms and place checks' case.
        if about and kinds.missing(question, lang, "".join(about), about):
            lacking.append(asked)
    return "、".join(lacking)


#: Figures that say when, which an article gives of the whole story (its dateline, its headline) more than of a name.
_WHEN_UNITS = frozenset({"year", "date", "academic_year", "period"})


def figures_of_others(question: str, lang: str, answer: str, article_text: str) -> list[str]:
    """The figures ``answer`` states of a name ``question`` asks about (as "name: figure") that the article gives,
    but only in sentences not about that name (``_about``); [] when there is none.

    Asked 玛嘉烈医院昨日的内科病床住用率是多少？ (the article gives all hospitals' 108% and another's 121%), the
    model answered 玛嘉烈医院昨日的内科病床住用率达108%; asked the cost of one of three projects, it gave another's
    (session 30): a near figure of another thing, which the figures check passes as it is in a passage. The
    relative period a question asks of (去季, 去年: ``kinds.period_asked``) is held to the same, once the articles
    name it. A figure the question states, one that says when, or one no sentence gives (the figures check's
    case) is not judged.
    """
    sentences = _sentences(article_text)
    asked = _names_stated(question, lang)
    given = [q for q in numbers.find_quantities(question) if q.value is not None]
    period, family = kinds.period_asked(question)
    # Once the articles name the period asked, they tell its figures from others'.
    named_period = bool(period) and period in kinds.relative_periods(article_text, family)
    abouts = {period: _about_period(article_text, period, family)} if named_period else {}
    out: list[str] = []
    for claim in re.split(r"(?<=[。！？.!?])\s+|(?<=[。！？])", answer):
        named = _names_stated(claim, lang)
        judged = [n for n in asked if n in named] + ([period] if named_period else [])
        for n in judged:
            if n not in abouts:
                abouts[n] = _about(article_text, asked[n])
        figures = [f for f in numbers.find_quantities(claim) if judged and f.value is not None
                   and f.unit not in _WHEN_UNITS and not any(numbers.same_quantity(f, g) for g in given)]
        holding = {id(f): [i for i, s in enumerate(sentences)
                           if any(numbers.same_quantity(f, q) for q in _quantities(s))] for f in figures}
        out += [f"{n}: {f.text}" for n in judged for f in figures
                if holding[id(f)] and not any(abouts[n][i] for i in holding[id(f)])]
    return out


def _about_period(article_text: str, period: str, family: tuple) -> list[bool]:
    """For each sentence (``_sentences``), whether it may speak of ``period`` (去季): it names it, or it names
    none of its family and the last sentence of its paragraph naming one put ``period`` first, or none did.
    Not, then, when it names another of the family only, or follows one that put another first (今季…較去季同期…
    goes on about 今季): asked 去季同期65歲或以上長者的接種率, the model gave this season's 47.3%, from the sentence
    after that one (session 31)."""
    out: list[bool] = []
    for sentences in _articles(article_text):
        current = ""
        for s in sentences:
            said = kinds.relative_periods(s, family)
            out.append(period in said if said else current in ("", period))
            if said:
                current = said[0]
            if s.endswith("\n"):
                current = ""
    return out


# An acronym ends where a lower-case part of a compound begins: AI-driven and AI-isation say "AI", which the
# article has (questions using them were refused as naming something unknown; docs/history.md).
_EN_NAME = re.compile(r"\b[A-Z]{2,}[A-Za-z0-9&+]*(?:-[A-Z0-9][A-Za-z0-9]*)*|(?<=[a-z,] )(?:[A-Z][a-z]+ )+[A-Z][a-z]+")


# Names any question about a Hong Kong budget may use without naming something new.
_EN_COMMON = {"hong", "kong", "hk", "hksar", "sar", "ok", "china", "mainland", "budget", "government",
              "financial", "secretary", "the", "of", "and", "for", "in", "a"}


def _glossary_words() -> frozenset[str]:
    from rag.text import glossary

    # By the rows in use: an ingest that adds machine-made names changes them in a running process.
    return _words_of(glossary.entries())


@lru_cache(maxsize=4)
def _words_of(entries: tuple) -> frozenset[str]:
    words = set()
    for e in entries:
        for name in (e.english, *e.aliases, *e.initials):
            words.update(w.lower() for w in re.findall(r"[A-Za-z0-9&+\-]+", name))
    return frozenset(words)


def unknown_english_names(question: str, article_text: str, romanised: Romanised | None = None) -> list[str]:
    """Acronyms and capitalised names (GDP, MTR, Kai Tak Sports Park) that neither the article nor the
    English names in its glossary contain; a name counts as known when most of its words are.

    ``romanised``: the articles a person gave no English names for (their machine-made English is often
    wrong): a word spelling their Chinese in Hong Kong's romanisation is known (Kai Tak, the Lee of John Lee).
    """
    vocab = _glossary_words() | _EN_COMMON
    out = []
    for m in _EN_NAME.finditer(question):
        name = m.group().strip()
        words = [w.lower() for w in re.findall(r"[A-Za-z0-9&+\-]+", name)]
        if name in article_text or not words:
            continue
        # romanise counts a name's words by their letters (Ka-chiu is two): a word is spelled when all its parts are.
        spelled = ({i for s in romanised.spelled(romanise.words_of(name)) for i in range(s.first, s.end)}
                   if romanised else set())
        known, part = 0, 0
        for w in words:
            parts = len(romanise.words_of(w))
            if w in vocab or w.rstrip("s") in vocab or (parts and spelled >= set(range(part, part + parts))):
                known += 1
            part += parts
        if known * 2 < len(words) or (len(words) == 1 and not known):
            out.append(name)
    return out


# -- off the article's subject ---------------------------------------------------------------------

#: jieba's commonest words, counted this often or more in its 60 million words (its 181 commonest: 是, 有, 要, 我們,
#: 可以, 問題, 工作 …), say nothing of a subject. At 20,000 (429 words) 企業, 教育, 研究, 技術 and 委員會 went too, and
#: with them most of what some of the article's own questions say; at 10,000, more of both sets' questions passed.
SUBJECT_COMMON_FREQ = 50_000
#: Refused below this share of the question's content in the article's words (``subject_share``) ...
OFF_SUBJECT_SHARE = 0.35
#: ... unless the best passage scores at least this. A follow-up (剩低嗰啲錢又點用？) says little of its own, but it is
#: searched with the question before it, and its best passage scored 0.84-0.93 on the eval set.
OFF_SUBJECT_TRUST = 0.88
#: A question with no content word at all (你叫咩名㗎？, 第一階段要做什麼？) is refused below this score.
NO_CONTENT_BELOW = 0.85

# Parts of speech that carry no subject, by jieba's tags: pronouns, adverbs, prepositions, conjunctions,
# particles, modal particles, interjections, onomatopoeia, numerals, measure words, directions, times
# (今年, 明天), descriptive words, and unknown characters (x, where the article's names, added untagged, are too).
_FUNCTION_TAGS = ("r", "d", "p", "c", "u", "y", "e", "o", "m", "q", "f", "t", "z", "x")
# A single character carries a subject only as a noun, verb or adjective (狗, 煮, 熟), not as a bound part.
_SINGLE_TAGS = ("n", "v", "a")
# Words that frame any question, whatever it is about, that the tags above miss: jieba tags 東西 (for 嘢) a place,
# 多少錢 a person's name, 是不是 an idiom; and the place and government every question here may name.
_FRAME_WORDS = ("東西", "多少錢", "是不是", "有沒有", "會不會", "可不可以", "要不要", "好不好", "能不能", "不會",
                "不要", "香港", "政府", "特區", *_FUNCTION_WORDS)
_LATIN = re.compile(r"[a-z][a-z0-9+]+")


@lru_cache(maxsize=1)
def _frame_words() -> frozenset[str]:
    return frozenset(language.to_simplified(language.for_matching(w)) for w in _FRAME_WORDS)


def _cut(text: str) -> list[tuple[str, str]]:
    """jieba's words of ``text``'s Chinese, with their parts of speech, in its (simplified) spelling after
    ``for_matching`` (Cantonese words written, one script)."""
    from rag.index import lexical

    tagger = lexical.jieba_tagger()
    out: list[tuple[str, str]] = []
    for run in language.HAN_RUN.findall(language.for_matching(text)):
        out.extend((p.word, p.flag) for p in tagger.cut(language.to_simplified(run), HMM=False))
    return out


@lru_cache(maxsize=4)
def _article_words(article_text: str) -> frozenset[str]:
    """The article's own words as jieba cuts them, the dictionary words of three characters or more inside its
    names and long words (製造業 in 國家製造業創新中心, which jieba keeps whole), and its Latin words (ai, innohk).

    Not the two-character words inside: 人工智能 would give 人工, "wages", the subject of much everyday talk.
    """
    from rag.index import lexical

    tk = lexical.jieba_tokenizer()
    words = {w for w, _ in _cut(article_text)}
    parts = {p for w in words if len(w) >= 4 for p in tk.cut_for_search(w, HMM=False) if len(p) >= 3}
    return frozenset(words | parts) | frozenset(_LATIN.findall(language.for_matching(article_text)))


def content_words(question: str) -> list[tuple[str, float]]:
    """The words that say what ``question`` is about, each with its information (-log of its share of jieba's
    counts: a rare word says more): not function words by part of speech (``_FUNCTION_TAGS``), not question
    frames (``_FRAME_WORDS``), not the commonest words (``SUBJECT_COMMON_FREQ``); the article's names always, and
    Latin words (TVB, AI) as rare."""
    from rag.index import lexical

    tk = lexical.jieba_tokenizer()
    names, frames = lexical.article_names(), _frame_words()
    out = []
    for word, tag in _cut(question):
        count = lexical.dictionary_count(word)
        if word in frames:
            continue
        if word not in names and (tag.startswith(_FUNCTION_TAGS) or count >= SUBJECT_COMMON_FREQ
                                  or (len(word) == 1 and not tag.startswith(_SINGLE_TAGS))):
            continue
        out.append((word, math.log(tk.total / (count + 1))))
    rare = math.log(tk.total)
    return out + [(w, rare) for w in _LATIN.findall(language.for_matching(question))]


def subject_share(question: str, article_text: str) -> float | None:
    """The share of ``question``'s content (``content_words``, by information) that is the article's own words;
    None when it has no content word. The answerable questions of both eval sets whose best passage scores
    under 0.88: 0.44 and up (這篇預算案主稿由哪兩位記者撰寫？); follow-ups, searched with the question before them,
    down to 0 (剩下的钱怎么分配？, best passage 0.92); the written small talk: 0 for 164 of 188."""
    words = content_words(question)
    total = sum(info for _, info in words)
    if not total:
        return None
    vocabulary = _article_words(article_text)
    return sum(info for w, info in words if w in vocabulary) / total


def off_subject(question: str, top_score: float, article_text: str) -> str | None:
    """Why ``question`` (Chinese) is off the article's subject, or None: too little of it is the article's words
    and its best passage is not close (``OFF_SUBJECT_SHARE``, ``OFF_SUBJECT_TRUST``), or it says nothing of
    content and its best passage is not close either (``NO_CONTENT_BELOW``)."""
    share = subject_share(question, article_text)
    if share is None:
        if top_score < NO_CONTENT_BELOW:
            return f"no content word, and the best passage scores {top_score:.3f} < {NO_CONTENT_BELOW:.2f}"
        return None
    if share < OFF_SUBJECT_SHARE and top_score < OFF_SUBJECT_TRUST:
        return (f"{share:.2f} of the question's content is the article's words (< {OFF_SUBJECT_SHARE:.2f}), and "
                f"the best passage scores {top_score:.3f} < {OFF_SUBJECT_TRUST:.2f}")
    return None


def judge(question: str, lang: str, top_score: float, article_text: str, min_score: float,
          romanised: Romanised | None = None, named_by_model: bool = False, articles: str = "") -> Verdict:
    """Refuse when the question names what the article never mentions, nothing retrieved is close, or (Chinese)
    it is off the article's subject (``off_subject``). ``romanised``: as ``unknown_english_names`` takes it.

    ``named_by_model``: the best passage is in an article whose English names the model proposed (no person
    wrote them). An English name is then no reason to refuse: a reader writes the name in use (Northern Link,
    MTR), the model wrote its own (North Circular Road, Hong Kong Railway Company), and 4 of a railway article's
    6 answerable English questions were refused for it (docs/history.md). The other checks still apply, and the
    caller passes it only where a model answers (its YES/NO and the grounding's names check follow).

    ``articles``: the articles as written, paragraph by paragraph, for ``unstated_figure`` (``article_text``,
    the indexed passages, overlap and cut sentences); ``article_text`` when not given.
    """
    unknown = (unknown_english_names(question, article_text, romanised) if lang == "en"
               else unknown_chinese_terms(question, article_text))
    if unknown and not (lang == "en" and named_by_model):
        return Verdict(True, f"terms not in the article: {', '.join(unknown)}", tuple(unknown))
    if lang != "en" and (title := lesser_title(question, article_text)):
        return Verdict(True, f"a title the article writes only as a lesser one: {title}")
    if lang != "en" and (title := unwritten_title(question, article_text)):
        return Verdict(True, f"a title the article never gives at that body: {title}")
    if asked := unstated_figure(question, lang, articles or article_text):
        return Verdict(True, f"no sentence about {asked} states the figure asked")
    if top_score < min_score:
        return Verdict(True, f"best passage scores {top_score:.3f} < {min_score:.3f}")
    if lang != "en" and (why := off_subject(question, top_score, article_text)):
        return Verdict(True, f"off the article's subject: {why}")
    return Verdict(False, f"best passage scores {top_score:.3f}")
