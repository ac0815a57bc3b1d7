"""Which language a question is in, and moving text between Chinese scripts.

The bot answers in the asker's language and script, so every question is classified as one of
``en`` (English), ``yue`` (written Hong Kong Cantonese), ``cmn-Hant`` (Mandarin / standard written Chinese
in traditional characters) or ``cmn-Hans`` (Mandarin in simplified characters).  The rules are plain and
inspectable, each decision explained in :attr:`Detected.reason`:

1. **English or Chinese** is decided by what the asker wrote, not by the names inside it.  Names from
   the article (``data/proper_nouns.txt``, in both scripts) and quoted spans (「…」 "…" 《…》) are masked
   first; Latin acronyms (AI, RISC-V, STEAM, HK$, InnoHK, 6G) are name-like and do not make a Chinese
   question English.  What is left is weighed: Chinese characters against ordinary Latin words, a word
   worth about 1.5 characters (a strong Cantonese marker makes English words code-mixing).
2. **Which script** comes from OpenCC, character by character: a character that simplification changes
   is traditional evidence; one that traditionalisation changes (and simplification keeps) is simplified
   evidence, worth only 0.3 for characters that are also ordinary traditional ones (后 里 干 于 台 …,
   ``data/shared_hanzi.txt``) or that Hong Kong or Taiwan write as is (税 温 群 峰).  Text made only of
   characters both scripts share (多少？, 人工智能) is taken as traditional: this is a Hong Kong service
   and the article is traditional.
3. **Cantonese or Mandarin** comes from colloquial markers (``data/cantonese.tsv``) weighed against
   Mandarin counter-markers (``data/mandarin.tsv``: 的 了 是 什麼 誰 沒有 …).  A *strong* marker (咗 嘅 喺
   冇 哋 嘢 唔 佢 啲 邊個 幾多 …) decides alone; *medium* ones (係 幾時 幾大, a sentence-final 未 or 點)
   decide only when they outweigh the Mandarin evidence; *weak* ones (咁 啦) only support.  Written
   words holding a marker character (關係, 周邊, 緊急) are matched first and never count.  In simplified
   text a medium marker is not enough (几时 is ordinary Mandarin), but strong markers still make it
   ``yue``: Cantonese is answered in traditional characters whatever script it was asked in, since
   written Cantonese is a Hong Kong, traditional-script register.

Input with neither letters nor Chinese characters (empty, emoji, punctuation, digits) is ``en`` with
confidence 0.1: there is nothing to go on, and English is the service's neutral fallback.

OpenCC converters are slow to create (~0.3 s each), so each is made once, on first use, and cached.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import opencc

from rag.config import PACKAGE_DATA

LANGS: tuple[str, ...] = ("en", "yue", "cmn-Hant", "cmn-Hans")
DEFAULT_LANG = "en"

#: How each language is named to a language model when it is told which language to answer in.
LANG_NAMES: dict[str, str] = {
    "en": "English",
    "yue": "Cantonese (written Hong Kong Cantonese, traditional characters)",
    "cmn-Hant": "Mandarin Chinese (standard written Chinese, traditional characters as used in Hong Kong)",
    "cmn-Hans": "Mandarin Chinese (standard written Chinese, simplified characters)",
}

_ANSWER_SCRIPTS: dict[str, str] = {"en": "Latn", "yue": "Hant-HK", "cmn-Hant": "Hant-HK", "cmn-Hans": "Hans"}

DATA_DIR = PACKAGE_DATA

#: Only this much of a text is examined by detect(): a question is never longer, and the bound keeps a pasted
#: book from stalling the bot.
DETECT_MAX_CHARS = 4000

_MARKER_WEIGHTS: dict[str, int] = {"strong": 3, "medium": 2, "weak": 1, "map": 0, "keep": 0}

#: Chinese characters (the CJK blocks, with compatibility ideographs and the supplementary planes' 𨋢, 㗎):
#: one definition for every module that cuts text into runs of them.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RUN = re.compile(f"[{HAN}]+")
_HAN_RE = re.compile(f"[{HAN}]")
_LATIN = "A-Za-z\u00c0-\u024f"
_TOKEN_RE = re.compile(rf"[{_LATIN}0-9][{_LATIN}0-9'’+$\-]*")
_LETTER_RE = re.compile(f"[{_LATIN}]")
_QUOTED_RE = re.compile(r"「[^」]{0,60}」|『[^』]{0,60}』|《[^》]{0,60}》|“[^”]{0,60}”|\"[^\"]{0,60}\"")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Context rules the word table cannot express, all medium markers.  A sentence-final 未 asks
# "yet?" (開始咗未？); a clause-final 點 asks "how?" (天氣點？), except in words ending in 點
# (地點, 重點, 一點); a 點 opening a clause or after 可以/應該/會/我/你/佢 asks "how to" (點報名？,
# 可以點參加？), except in written words starting with 點 (點擊, 點名, 點心, 以點帶面).
_FINAL = r"(?=\s*(?:[?？。！!]|$|[呀啊呢啦吖喎]))"
_FINAL_WEI_RE = re.compile(rf"(?<=[{HAN}])未{_FINAL}")
_NOT_BEFORE_FINAL_DIM = "一快多早晚慢重終起焦亮地缺優特景據觀弱污斑標熱疑盲難要論"
_FINAL_DIM_RE = re.compile(rf"(?<=[{HAN}])(?<![{_NOT_BEFORE_FINAL_DIM}])點{_FINAL}")
_NOT_AFTER_HOW_DIM = "擊名心評綴燃亮子數滴頭菜火播讚贊帶綫線陣狀"
_HOW_DIM_RE = re.compile(
    rf"(?:(?<![^\s,，、。？?！!；;：:])|(?<=[以該會我你佢]))點(?![{_NOT_AFTER_HOW_DIM}])(?=[{HAN}])"
)

#: Full-width ASCII (Ａ-Ｚ, ０-９, ？, ！…) and the ideographic space → ASCII, one code point for one, for
#: ``str.translate``: ``for_matching`` folds with it, and ``rag.text.numbers`` with it less the full-width comma.
WIDTH_FOLD: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

#: A citation marker [n] as answers write it (one or two digits; group 1 is n): ``rag.answer.ground`` reads
#: the citations with it, and ``answer_is_english`` sets them aside.
CITATION = re.compile(r"\[(\d{1,2})\]")


@dataclass(frozen=True)
class Detected:
    """The language of a text: one of LANGS, how sure (0..1), and a short human-readable why."""

    lang: str
    confidence: float
    reason: str


# ---------------------------------------------------------------------------------------------- OpenCC


@functools.cache
def _converter(config: str) -> opencc.OpenCC:
    """One OpenCC converter per configuration, created on first use (creation is the slow part)."""
    return opencc.OpenCC(config)


def _safe(text: str) -> str:
    """Replace lone surrogates, which cannot be encoded as UTF-8 and would make OpenCC raise."""
    return _SURROGATE_RE.sub("\ufffd", text)


def _convert(config: str, text: str) -> str:
    """Run an OpenCC conversion on any str: OpenCC stops at NUL, so NUL-separated parts go one at a time."""
    if not text:
        return text
    text = _safe(text)
    conv = _converter(config)
    if "\x00" in text:
        return "\x00".join(conv.convert(part) if part else part for part in text.split("\x00"))
    return conv.convert(text)


def to_traditional(text: str) -> str:
    """Simplified → Hong Kong traditional (OpenCC s2hk): the article's own standard (裏, 着, 台).

    The article's names, written in simplified, come back exactly as the article spells them: OpenCC's
    segmentation can otherwise mis-split them (国家制造业 → 國家制造業, the phrase 家制 winning over 制造).
    Meant for simplified input.  On text already traditional it is almost the identity, but characters that
    are also simplified forms can change (于→於, 干→幹); convert_to_script() guards against that.
    """
    if not text:
        return text
    pattern, spelling = _simplified_names()
    parts, last = [], 0
    for m in pattern.finditer(text):
        parts.append(_convert("s2hk", text[last : m.start()]))
        parts.append(spelling[m.group()])
        last = m.end()
    parts.append(_convert("s2hk", text[last:]))
    return "".join(parts)


def to_simplified(text: str) -> str:
    """Traditional (Hong Kong or standard) → simplified (OpenCC hk2s, which also knows HK variants: 揾)."""
    return _convert("hk2s", text)


@functools.cache
def _shared_hanzi() -> frozenset[str]:
    """Characters both scripts use that OpenCC would still 'traditionalise' (后 里 干 于 台 …)."""
    chars: set[str] = set()
    for line in (DATA_DIR / "shared_hanzi.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            chars.update(line.strip())
    return frozenset(chars)


@functools.lru_cache(maxsize=65536)
def _char_script(ch: str) -> str:
    """'t' traditional-only, 's' simplified-only, 'S' weakly simplified, '' written alike in both.

    Per character, not per phrase, so phrase-level preferences (公布→公佈) are not taken for a script
    difference.  'S' is a character some traditional standard also writes as is: one of the shared
    characters (后 里 干 …), or one that only some of s2t / s2hk / s2tw change (HK writes 税 温 户,
    Taiwan 群 峰 床).
    """
    if _converter("hk2s").convert(ch) != ch:
        return "t"
    changed = [_converter(cfg).convert(ch) != ch for cfg in ("s2t", "s2hk", "s2tw")]
    if all(changed) and ch not in _shared_hanzi():
        return "s"
    return "S" if any(changed) else ""


def _script_evidence(text: str) -> tuple[float, int, int]:
    """(simplified evidence, unambiguous simplified characters, traditional characters) in text."""
    simp = 0.0
    strict = trad = 0
    for ch in _HAN_RE.findall(text):
        kind = _char_script(ch)
        if kind == "t":
            trad += 1
        elif kind == "s":
            simp += 1.0
            strict += 1
        elif kind == "S":
            simp += 0.3
    return simp, strict, trad


def answer_script(lang: str) -> str:
    """The script an answer to a `lang` question must be written in: 'Hant-HK', 'Hans' or 'Latn'.

    Cantonese is always answered in Hong Kong traditional characters, even when asked in simplified ones.
    """
    try:
        return _ANSWER_SCRIPTS[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}") from None


def convert_to_script(text: str, lang: str, written: str = "") -> str:
    """Put a generated answer into the asker's script; Latin letters and digits are never touched.

    A traditional target converts only when the text really holds simplified-only characters, so an answer
    already in traditional keeps characters like 于 or 干 that a blind s2hk would 'correct'; and then a character
    the conversion changed stays as the answer wrote it where ``written`` (the traditional passages it was given)
    writes it so beside its neighbour. One simplified character in an answer had its 余偉文 and 恒信銀行, as the
    article writes them, shown as 餘偉文 and 恆信銀行 (session 29). English answers are returned unchanged
    (Chinese names quoted in them stay as the article writes them).
    """
    script = answer_script(lang)
    if script == "Hans":
        return to_simplified(text)
    if script == "Hant-HK":
        _, strict, _ = _script_evidence(text)
        return _as_written(text, to_traditional(text), written) if strict else text
    return text


@functools.lru_cache(maxsize=16)
def _traditional(text: str) -> bool:
    """Whether ``text`` has fewer simplified-only characters than traditional ones (read once per answer, not per
    streamed token)."""
    _, strict, trad = _script_evidence(text)
    return strict <= trad


def _as_written(before: str, after: str, written: str) -> str:
    """``after`` (``before`` converted) with each changed character put back where ``written`` writes it beside
    its neighbour; ``after`` itself when ``written`` is not traditional or the conversion changed the length."""
    if not written or len(after) != len(before) or not _traditional(written):
        return after
    out = list(after)
    for i, (was, now) in enumerate(zip(before, after, strict=True)):
        # Its neighbour as written or as converted: 余伟文 is the article's 余偉文 once 伟 is 偉.
        if was != now and any(pair in written for pair in (
                *((before[i - 1] + was, after[i - 1] + was) if i > 0 else ()),
                *((was + before[i + 1], was + after[i + 1]) if i + 1 < len(before) else ()))):
            out[i] = was
    return "".join(out)


def quote_in_script(quote: str, lang: str) -> str:
    """A verbatim quote of an article as a ``lang`` asker reads it: in simplified for a simplified asker; for a
    traditional one converted only when the quote holds more simplified-only characters than traditional ones (an
    article printed in simplified). A traditional article's own variants are what it prints, and
    ``convert_to_script`` "corrected" them: 助理署長林志恒 was shown as 林志恆, 鄰里 as 鄰裏 (session 26)."""
    if answer_script(lang) == "Hant-HK":
        _, strict, trad = _script_evidence(quote)
        return to_traditional(quote) if strict > trad else quote
    return convert_to_script(quote, lang)


# ---------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _Table:
    """The Cantonese word table compiled for leftmost-longest matching."""

    pattern: re.Pattern[str]
    written: dict[str, str]
    weight: dict[str, int]


def _longest_first(words: Iterable[str]) -> re.Pattern[str]:
    """An alternation that, at each position, prefers the longest word (佢哋 before 佢)."""
    ordered = sorted(set(words) - {""}, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered) if ordered else "(?!)")


def read_rows(path: Path) -> list[list[str]]:
    """A data file's tab-separated rows, without blank and ``#`` lines."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@functools.cache
def cantonese_table() -> tuple[tuple[str, str, str], ...]:
    """The (colloquial, written, marker) rows of data/cantonese.tsv, in file order."""
    out = []
    for cols in read_rows(DATA_DIR / "cantonese.tsv"):
        if len(cols) < 3 or cols[2] not in _MARKER_WEIGHTS:
            raise ValueError(f"cantonese.tsv: bad row {cols!r}")
        out.append((cols[0], cols[1], cols[2]))
    return tuple(out)


@functools.cache
def _table() -> _Table:
    written: dict[str, str] = {}
    weight: dict[str, int] = {}
    for colloquial, plain, marker in cantonese_table():
        # The s2hk form of a key is an alias (搵 → 揾), since matching runs after s2hk.
        for key in {colloquial, to_traditional(colloquial)}:
            written[key] = plain
            weight[key] = _MARKER_WEIGHTS[marker]
    return _Table(_longest_first(written), written, weight)


@functools.cache
def mandarin_markers() -> dict[str, int]:
    """Mandarin counter-markers and their weights, from data/mandarin.tsv."""
    return {cols[0]: int(cols[1]) for cols in read_rows(DATA_DIR / "mandarin.tsv")}


@functools.cache
def _mandarin_pattern() -> re.Pattern[str]:
    return _longest_first(mandarin_markers())


@functools.cache
def proper_nouns() -> tuple[str, ...]:
    """The names in data/proper_nouns.txt, as the article writes them (read once): what the script conversion
    keeps as written, and what the follow-up rule and the grounding check count as the corpus's names."""
    names = []
    for line in (DATA_DIR / "proper_nouns.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            names.append(line.strip())
    return tuple(names)


@functools.cache
def _simplified_names() -> tuple[re.Pattern[str], dict[str, str]]:
    """The simplified spellings of the article's Chinese names, and the article's spelling of each."""
    spelling = {}
    for name in proper_nouns():
        simplified = _convert("hk2s", name)
        if simplified != name and _HAN_RE.search(name):
            spelling.setdefault(simplified, name)
    return _longest_first(spelling), spelling


@functools.cache
def _names_pattern() -> re.Pattern[str]:
    """Article names (and their simplified forms), longest first, Latin ones case-insensitively."""
    names: set[str] = set()
    for line in proper_nouns():
        name = unicodedata.normalize("NFKC", line)
        names.update({name, _convert("hk2s", name), _convert("s2hk", name)})
    ordered = sorted(names, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered), re.IGNORECASE)


# ---------------------------------------------------------------------------------------------- detect


def _latin_words(text: str) -> tuple[int, int]:
    """(ordinary words, name-like tokens) among the Latin tokens of text.

    Name-like: acronyms (AI, STEAM, RISC-V), tokens with digits (6G, 5G) or inner capitals (InnoHK), which a
    Chinese sentence borrows without becoming English.
    """
    words = names = 0
    for tok in _TOKEN_RE.findall(text):
        letters = "".join(_LETTER_RE.findall(tok))
        if not letters:
            continue  # a number
        if (
            any(c.isdigit() for c in tok)
            or (len(letters) >= 2 and letters.isupper())
            or any(c.isupper() for c in letters[1:])
        ):
            names += 1
        else:
            words += 1
    return words, names


def _mask(text: str) -> str:
    """Blank out quoted spans and article names, so what is left is what the asker wrote around them."""
    text = _names_pattern().sub(" ", text)  # names first: some hold quotes themselves (「智」啟學教)
    return _QUOTED_RE.sub(" ", text)


def _cantonese_evidence(text: str) -> tuple[int, bool, list[str]]:
    """(score, any strong marker, markers seen) for the Cantonese markers in text (traditional)."""
    table = _table()
    score, strong, seen = 0, False, []
    for m in table.pattern.finditer(text):
        w = table.weight[m.group()]
        if w:
            score += w
            strong = strong or w >= _MARKER_WEIGHTS["strong"]
            seen.append(m.group())
    for rule, label in ((_FINAL_WEI_RE, "final 未"), (_FINAL_DIM_RE, "final 點"), (_HOW_DIM_RE, "點+verb")):
        for _ in rule.finditer(text):
            score += _MARKER_WEIGHTS["medium"]
            seen.append(label)
    return score, strong, seen


def _mandarin_evidence(text: str) -> tuple[int, list[str]]:
    score, seen = 0, []
    for m in _mandarin_pattern().finditer(text):
        w = mandarin_markers()[m.group()]
        if w:
            score += w
            seen.append(m.group())
    return score, seen


def _show(items: list[str], limit: int = 4) -> str:
    uniq = list(dict.fromkeys(items))
    return " ".join(uniq[:limit]) + (" …" if len(uniq) > limit else "")


def detect(text: str) -> Detected:
    """Classify text as en, yue, cmn-Hant or cmn-Hans (see the module docstring for the rules).

    Never raises on a str: empty, emoji-only, control characters and lone surrogates all give a low-confidence
    answer.  Only the first DETECT_MAX_CHARS characters are examined.
    """
    raw = _CONTROL_RE.sub(" ", _safe(text or "")[:DETECT_MAX_CHARS])
    norm = unicodedata.normalize("NFKC", raw)
    masked = _mask(norm)
    han_all = len(_HAN_RE.findall(norm))
    han = len(_HAN_RE.findall(masked))
    words, names = _latin_words(masked)
    if not words and not names and not han_all:
        words_all, names_all = _latin_words(norm)  # e.g. a question that is only a quoted English name
        words, names = words_all, names_all

    if han_all == 0:
        if words or names:
            conf = 0.95 if words >= 3 else 0.85 if words == 2 else 0.7 if words == 1 else 0.6
            return Detected("en", conf, f"Latin script only ({words} words, {names} names/acronyms)")
        return Detected(DEFAULT_LANG, 0.1, "no letters or Chinese characters; defaulting to English")

    # Cantonese particles are grammar, not names: with a strong marker, English words are code-mixing
    # (我想check下個application status) unless they far outnumber the Chinese (What does 咗 mean?).
    mixed_yue = han > 0 and words <= 2 * han and _cantonese_evidence(to_traditional(masked))[1]
    if words and (han == 0 or words > han / 1.5) and not mixed_yue:
        zh = han / 1.5
        conf = round(0.5 + 0.45 * (words - zh) / (words + zh), 2)
        what = "only names/quotes in Chinese" if han == 0 else f"{han} Chinese characters outside names"
        return Detected("en", conf, f"English: {words} English words; {what}")

    zh_conf = 0.95 if not words else 0.5 + 0.45 * (han / 1.5 - words) / (han / 1.5 + words)
    body = masked if han else norm  # a question that is only a name is judged by the name

    simp, strict, trad = _script_evidence(body)
    if simp == 0 and trad == 0 and han:  # only shared characters around the names: let the names speak
        simp, strict, trad = _script_evidence(norm)
    simplified = simp >= 0.5 and simp > trad
    if 0 < simp < 0.5 and not trad and to_traditional(body) != body:
        # One character some traditional writing also has (价), and none only traditional writing has: OpenCC's
        # phrases say whether it reads as simplified (房价 → 房價; 公里 stays). 去年香港酒店的平均房价是多少？ was
        # read as traditional and refused in traditional characters (session 27).
        simplified = True
    if simp + trad:
        script_conf = 0.5 + 0.45 * abs(simp - trad) / (simp + trad)
        script = "simplified" if simplified else "traditional"
        script_why = f"{script} ({strict} simplified-only, {trad} traditional-only chars)"
    else:
        script_conf = 0.6
        script_why = "script-neutral characters only, taken as traditional"

    scan = to_traditional(body) if simplified else body
    yue, strong, yue_seen = _cantonese_evidence(scan)
    cmn, cmn_seen = _mandarin_evidence(scan)
    threshold = 3 if simplified else 2
    if strong and cmn <= 2 * yue + 2:
        lang, dialect_conf = "yue", min(0.97, 0.85 + 0.03 * (yue - cmn))
    elif yue >= threshold and yue > cmn:
        lang, dialect_conf = "yue", min(0.85, 0.6 + 0.05 * (yue - cmn))
    else:
        lang = "cmn-Hans" if simplified else "cmn-Hant"
        dialect_conf = min(0.95, 0.7 + 0.05 * (cmn - yue)) if cmn else 0.55

    conf = min(zh_conf, script_conf, dialect_conf)
    if han_all <= 3:
        conf = min(conf, 0.6)  # two or three characters are thin evidence whatever they are
    parts = [f"Chinese ({han_all} CJK chars, {words} English words)", script_why]
    if yue_seen:
        parts.append(f"Cantonese markers: {_show(yue_seen)}")
    if cmn_seen:
        parts.append(f"Mandarin markers: {_show(cmn_seen)}")
    if lang == "yue" and simplified:
        parts.append("Cantonese in simplified characters; answered in traditional")
    return Detected(lang, round(max(0.05, conf), 2), "; ".join(parts))


# ---------------------------------------------------------------------------------------------- matching


def _rewrite_cantonese(text: str) -> str:
    """Replace colloquial words by their written equivalents, leftmost-longest (佢哋→他們 before 佢→他)."""
    table = _table()
    return table.pattern.sub(lambda m: table.written[m.group()], text)


def to_written(text: str) -> str:
    """A Chinese question in the article's register: Cantonese colloquial words written, traditional script.

    Unlike ``for_matching`` this stays real, readable Chinese (the article's spelling of its names
    included), so it can be given to the embedding model, which matches 國家製造業 to the article far
    better than 国家制造业 or 邊個搞 (see ``rag.index.retrieve``).
    """
    # Script first, then words, as for_matching does: the table's keys are traditional (and their s2hk forms).
    return _rewrite_cantonese(to_traditional(text))


@functools.lru_cache(maxsize=65536)
def _char_traditional(ch: str) -> str:
    """The one traditional form OpenCC gives a simplified character on its own, without phrase context."""
    return _converter("s2hk").convert(ch)


def _one_form_per_character(simplified: str) -> str:
    """Map each simplified character to a single traditional character, whatever its neighbours are."""
    table = {ord(ch): _char_traditional(ch) for ch in set(_HAN_RE.findall(simplified))}
    return simplified.translate(table)


def for_matching(text: str) -> str:
    """A normalised form of text for lexical matching only; the original is what is stored and shown.

    Steps: full-width ASCII → ASCII; Latin lower-cased; simplified → HK traditional, so simplified
    Cantonese is read too; Cantonese colloquial words → written Chinese (幾多→多少, 佢哋→他們, 冇→沒有 …,
    longest match first); then one spelling per word: the text is simplified (traditional → simplified
    is nearly one-to-one) and each character given back its single default traditional form.  That last
    step folds variants (裡/裏, 臺/台, 衛/衞, 製/制) and, unlike a phrase-aware conversion, gives a word
    the same form in every context (a phrase-aware s2hk writes 國家制造業 but 製造業).  The result is in
    traditional characters but not always correctly spelt (頭發, 關系): never show it.  Apply it to the
    question and to the passages alike.
    """
    folded = _safe(text).translate(WIDTH_FOLD).lower()
    written = _rewrite_cantonese(to_traditional(folded))
    return _one_form_per_character(to_simplified(written))


_INNER_QUOTE_RE = re.compile(r"「[^「」]*」")  # innermost first: quotes nest (「…「十五五」規劃…」)


def answer_is_english(text: str) -> bool:
    """Whether an answer is written in English, its verbatim quotes 「…」 and [n] markers aside.

    The grounding check and the eval's language score both ask it: the bundled model sometimes answered
    an English question by pasting a passage's Chinese with a few English names in it ("Hong Kong AI
    Research and Development Institutethe second half of the year投入運作…"), which said English to a check
    that only looked for some English words.
    """
    return detect(unquoted(CITATION.sub(" ", text))).lang == "en"


def unquoted(text: str) -> str:
    """``text`` with each verbatim quote 「…」 (nested ones too) put as a space: what it says in its own words."""
    while (out := _INNER_QUOTE_RE.sub(" ", text)) != text:
        text = out
    return text

