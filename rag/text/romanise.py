"""Where an English text spells the article's Chinese in Hong Kong's Cantonese romanisation (Kai Tak = 啟德).

Why: the English of an article the hand glossary (``corpus/glossary.tsv``) does not cover comes from the bundled
model at ingest (``rag.index.names``), which romanises Cantonese badly: 啟德體育園 came as "Leighton Park", 李家超
as "Mr. Lee Ka-Shing". A reader writes those names the way Hong Kong spells them (Kai Tak, Lee Ka-chiu, John
Lee), so an English question naming them was refused as naming something the article lacks, and searched
without the Chinese it means. The ``cantonese-romanisation`` package maps each character to the Hong Kong
Government's romanisations of it (德: dak, duck, tak; 李: lee, lei, li); it matches no text, so the few lines
that find a run of English words spelling a run of the article's characters are here.

Only two kinds of match count, so that an everyday English word that happens to be a romanisation (Duck, Ball,
Law) names nothing by itself:

* two or more consecutive words spelling as many consecutive characters of the text (Kai Tak, Ka-chiu);
* one word spelling the first character (the surname) of a person's name the text's glossary rows list
  (Lee for 李家超, so "John Lee" is 李家超).

The other way, a person's Chinese name spelled as Hong Kong spells it (:func:`person`: 李家超 → Lee Ka-chiu), for
the machine-made glossary, whose model wrote 李家超 as "Mr. Lee Ka-Shing" (another man's name) and 羅淑佩 as
"Rosetta Pei". The package's table cannot do it: it lists each character's spellings alphabetically, not the
usual one (家: ga, gar, ka; 波: ball, boh, bor). So each character's Cantonese reading comes from ``ToJyutping``
(Jyutping, BSD-2, its dictionary inside the wheel) and the few rules of the Government's spelling turn it into
letters (b → p, d → t, g → k, oeng → eung, yun → uen …); the common surnames, which keep older spellings
(李 Lee, 羅 Law, 葉 Yip, 吳 Ng), come from a table. A person's own English name (John, Rosanna) only a person
can add, in corpus/glossary.tsv.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

_WORD = re.compile(r"[A-Za-z]+")
#: A Chinese personal name: a surname and one to three characters.
PERSON_CHARS = (2, 4)


@functools.cache
def _table() -> dict[str, tuple[str, ...]]:
    """Each character's Hong Kong Government romanisations, lower-case (the package's own data file, read once)."""
    data = (resources.files("cantoroman") / "data" / "charToRoman.json").read_text(encoding="utf-8")
    return {ch: tuple(s.lower() for s in spellings) for ch, spellings in json.loads(data).items()}


def spellings(ch: str) -> tuple[str, ...]:
    """How Hong Kong romanises ``ch`` (德 → dak, duck, tak); () for a character it has none for."""
    return _table().get(ch, ())


@dataclass(frozen=True)
class Spelled:
    """Words ``first``..``end`` (exclusive) of an English text spell ``chinese``."""

    first: int
    end: int
    chinese: str


class Romanised:
    """The romanisations of one text (the articles a person gave no English for) and of its people's surnames.

    ``elsewhere``: the rest of the corpus. What it says too (香港, spelled by "Hong Kong") is not the text's own
    name, and ``chinese_in`` leaves it out.
    """

    def __init__(self, text: str, people: Iterable[str] = (), elsewhere: str = "") -> None:
        self.text = text
        self.elsewhere = elsewhere
        self._at: dict[str, list[int]] = {}
        for i, ch in enumerate(text):
            for s in spellings(ch):
                self._at.setdefault(s, []).append(i)
        self._surnames: dict[str, list[str]] = {}
        for name in people:
            if PERSON_CHARS[0] <= len(name) <= PERSON_CHARS[1]:
                for s in spellings(name[0]):
                    self._surnames.setdefault(s, []).append(name)

    def __bool__(self) -> bool:
        return bool(self.text)

    def _run(self, words: list[str], i: int) -> tuple[int, str]:
        """The longest run of words from ``i`` that spells consecutive characters of the text: (length, characters)."""
        best = (0, "")
        for p in self._at.get(words[i], ()):
            n = 1
            while (i + n < len(words) and p + n < len(self.text)
                   and words[i + n] in spellings(self.text[p + n])):
                n += 1
            if n > best[0]:
                best = (n, self.text[p:p + n])
        return best

    def spelled(self, words: list[str]) -> list[Spelled]:
        """What ``words`` (lower-case, in order) spell: runs of two or more, and surnames of the text's people."""
        out: list[Spelled] = []
        i = 0
        while i < len(words):
            n, chinese = self._run(words, i)
            if n >= 2:
                out.append(Spelled(i, i + n, chinese))
                i += n
                continue
            out.extend(Spelled(i, i + 1, name) for name in dict.fromkeys(self._surnames.get(words[i], ())))
            i += 1
        return out

    def chinese_in(self, english: str) -> list[str]:
        """The article's Chinese an English text spells ("What did John Lee say at Kai Tak?" → 李家超, 啟德)."""
        if not self:
            return []
        found: list[str] = []
        for m in re.finditer(r"[A-Z][A-Za-z]*(?:[\s-]+[A-Z][A-Za-z]*|-[a-z]+)*", english):
            found.extend(s.chinese for s in self.spelled(words_of(m.group())) if s.chinese not in self.elsewhere)
        return list(dict.fromkeys(found))


# -------------------------------------------------------------------------- a person's name, spelled by code

#: Common Hong Kong surnames as the Government spells them (the rules below would give 李 "Lei", 羅 "Lo").
_SURNAMES = """
歐陽 Au-yeung 司徒 Szeto 上官 Sheung-kwun 諸葛 Chu-kot 司馬 Sze-ma 公孫 Kung-suen 端木 Tuen-muk 東方 Tung-fong
李 Lee 利 Lee 陳 Chan 黃 Wong 王 Wong 張 Cheung 蔣 Cheung 林 Lam 劉 Lau 梁 Leung 何 Ho 吳 Ng 伍 Ng 周 Chow
鄒 Chau 羅 Law 盧 Lo 魯 Lo 勞 Lo 鄭 Cheng 楊 Yeung 謝 Tse 郭 Kwok 許 Hui 曾 Tsang 蔡 Choi 馮 Fung 徐 Tsui
崔 Tsui 孫 Suen 蘇 So 葉 Yip 朱 Chu 麥 Mak 馬 Ma 胡 Wu 袁 Yuen 阮 Yuen 潘 Poon 譚 Tam 談 Tam 鄧 Tang 唐 Tong
湯 Tong 余 Yu 俞 Yu 杜 To 歐 Au 區 Au 方 Fong 江 Kong 石 Shek 莫 Mok 甘 Kam 金 Kam 姚 Yiu 鍾 Chung 鐘 Chung
廖 Liu 韓 Hon 戴 Tai 彭 Pang 董 Tung 童 Tung 邱 Yau 丘 Yau 游 Yau 尤 Yau 施 Sze 史 Sze 容 Yung 翁 Yung
薛 Sit 關 Kwan 岑 Shum 沈 Shum 范 Fan 黎 Lai 賴 Lai 文 Man 萬 Man 嚴 Yim 鄺 Kwong 侯 Hau 顏 Ngan 龍 Lung
熊 Hung 洪 Hung 孔 Hung 簡 Kan 高 Ko 柯 Or 宋 Sung 雷 Lui 呂 Lui 任 Yam 魏 Ngai 傅 Fu 田 Tin 姜 Keung
丁 Ting 白 Pak 陸 Luk 卓 Cheuk 凌 Ling 程 Ching 夏 Ha 尹 Wan 溫 Wan 紀 Kei 殷 Yan 莊 Chong 冼 Sin 鮑 Pau
易 Yik 古 Ku 葛 Kot 車 Che 包 Pau 連 Lin 聶 Nip 衛 Wai 招 Chiu 趙 Chiu 蕭 Siu 邵 Shiu 曹 Tso 甯 Ning 寧 Ning
邢 Ying 祁 Kei 賀 Ho 毛 Mo 于 Yu 鄔 Wu 畢 Pat 單 Shin 練 Lin 霍 Fok 饒 Yiu 應 Ying 倪 Ngai 左 Cho
"""


def _pairs(text: str) -> dict[str, str]:
    """Whitespace-separated pairs (李 Lee 陳 Chan …) as a dict; a duplicate Chinese key is an error."""
    words = text.split()
    assert len(set(words[::2])) == len(words) // 2, "a surname listed twice"
    return dict(zip(words[::2], words[1::2], strict=True))


SURNAMES: dict[str, str] = _pairs(_SURNAMES)
_LONGEST_FIRST = tuple(sorted(SURNAMES, key=len, reverse=True))  # a compound surname (歐陽) before a single

#: Jyutping initials as the Government spells them (z, c, s and j before some finals: ``_SYLLABLES``).
_INITIALS = {"b": "p", "d": "t", "g": "k", "gw": "kw", "z": "ch", "c": "ch", "j": "y"}
#: Jyutping finals as the Government spells them; those not listed are spelled as they are (ai, am, ing …).
_FINALS = {"aa": "a", "aai": "ai", "aau": "au", "aam": "am", "aan": "an", "aang": "ang", "aap": "ap",
           "aat": "at", "aak": "ak", "ou": "o", "un": "oon", "oeng": "eung", "oek": "euk", "eoi": "ui",
           "eon": "un", "eot": "ut", "yu": "u", "yun": "uen", "yut": "uet"}
#: Whole syllables the rules above spell otherwise than the Government does (子 Tsz, 詩 Sze, 儀 Yee, 余 Yu).
_SYLLABLES = {"zi": "tsz", "ci": "tsz", "si": "sze", "ji": "yee", "ze": "tse", "ce": "tse", "zou": "tso",
              "cou": "tso", "zang": "tsang", "cang": "tsang", "zeoi": "tsui", "ceoi": "tsui", "jyu": "yu",
              "jyun": "yuen", "jyut": "yuet",
              # 振 Chun (梁振英 Leung Chun-ying, 廖振新 Liu Chun-san), 淑 Shuk (羅淑佩, 黃淑嫻), 華 Wah (丘應樺
              # Ying-wah): the officials' own spellings (rag/data/people.tsv), which code had written Chan, Suk, Wa.
              "zan": "chun", "suk": "shuk", "waa": "wah",
              # 樹 Shu, 尚 and 常 Sheung, as in 上環 Sheung Wan (session 31: code had written 陳樹勳 Chan Su-fan).
              "syu": "shu", "soeng": "sheung", "soek": "sheuk"}
#: Characters whose Government spelling is not their syllable's (zi is Tsz for 子, 紫, 梓, but Chi for 志 and 智:
#: 黃志光 Wong Chi-kwong, 林智文 Lam Chi-man, which code had written Tsz).
_CHARACTERS = {ch: "chi" for ch in "志智芝之知至枝致置池遲持治"}
_JYUTPING = re.compile(r"^(gw|kw|ng|[bpmfdtnlgkhwzcsj]?)([a-z]+)$")


def _syllable(jyutping: str) -> str:
    """One Jyutping syllable (gaa1) in the Government's letters (ka)."""
    bare = jyutping.rstrip("123456")
    if bare in _SYLLABLES:
        return _SYLLABLES[bare]
    m = _JYUTPING.match(bare)
    if not m:
        return bare
    initial, final = m.groups()
    return _INITIALS.get(initial, initial) + _FINALS.get(final, final)


def _surname(chinese: str) -> str:
    """The surname ``chinese`` starts with ('' if none in ``SURNAMES``): a compound one (歐陽) before a single."""
    return next((s for s in _LONGEST_FIRST if chinese.startswith(s)), "")


#: The commonest surnames in Putonghua's pinyin, as the mainland's officials are written in English (王毅 Wang Yi):
#: a name Hong Kong's spelling would not give (Wong Ngai), and yet the person the passage names.
_PINYIN = (
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang xie song tang "
    "xu deng han feng cao peng zeng xiao tian dong pan yuan cai jiang yu yu du ye cheng wei su lu ding ren lu yao "
    "shen zhong jiang cui tan lu fan wang liao shi jin wei jia xia fang zou xiong bai meng qin qiu hou jiang yin xue "
    "duan lei long li shi tao he mao hao gu gong shao wan wu qian dai yan ou mo kong xiang chang tang kang yi qiao "
    "lai wen shi hong xin ke zhuang ou mai cen gan wu guan huo weng ling zuo nie luo you")
_PINYIN_CHARACTERS = ("王李張劉陳楊黃趙吳周徐孫馬朱胡郭何林高羅鄭梁謝宋唐許鄧韓馮曹彭曾蕭田董潘袁蔡蔣余于杜葉"
                      "程魏蘇呂丁任盧姚沈鍾姜崔譚陸范汪廖石金韋賈夏方鄒熊白孟秦邱侯江尹薛段雷龍黎史陶賀毛郝顧"
                      "龔邵萬武錢戴嚴歐莫孔向常湯康易喬賴文施洪辛柯莊區麥岑甘伍關霍翁凌左聶駱游")
PINYIN_SURNAMES = dict(zip(_PINYIN_CHARACTERS, _PINYIN.split(), strict=True))


def is_surname_start(chinese: str) -> bool:
    """Whether ``chinese`` begins with a surname ``person`` knows."""
    return bool(_surname(chinese))


def person(chinese: str) -> str | None:
    """A Chinese personal name as the Hong Kong Government spells it (李家超 → Lee Ka-chiu), or None when it
    may not be one: no common surname, a given name not of one or two characters, or a character unread."""
    import ToJyutping  # its dictionary is read on first use; only ingest needs it

    surname = _surname(chinese)
    given = chinese[len(surname):]
    if not surname or not 1 <= len(given) <= 2:
        return None
    readings = [j for _, j in ToJyutping.get_jyutping_list(given)]
    if len(readings) != len(given) or not all(readings):
        return None
    syllables = [_CHARACTERS.get(ch) or _syllable(j) for ch, j in zip(given, readings, strict=True)]
    return f"{SURNAMES[surname]} {'-'.join(syllables).capitalize()}"


#: Words that may stand before a person's name and are not it.
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "madam", "dr", "prof", "professor", "sir", "hon"})


def _variants(syllable: str) -> set[str]:
    """A given name's syllable as people write it besides the table's spelling: 若 is Yeuk in the table and Yuk in
    蔡若蓮's own name (Choi Yuk-lin), which code had overruled; likewise oo for u (滿 Moon, Mun)."""
    return {syllable, syllable.replace("eu", "u"), syllable.replace("oo", "u")}


def spells_person(english: str, chinese: str, first_name: bool = True) -> bool:
    """Whether ``english`` names the person ``chinese`` as Hong Kong would write them: the surname (as ``SURNAMES``
    or the package spells it), and either the given name's syllables right after it, each a spelling of its
    character (Lee Ka-chiu, John Lee Ka-chiu), or an English first name before it and nothing after (John Lee,
    Rosanna Law). A name ``person`` cannot spell is not judged (True).

    ``first_name=False``: no English first name, only the surname and the given name's syllables. A first name
    is how a person writes themselves, which code cannot check: the model gave 何詠芝, a legislator of a test
    article, as "Ms. Wendy Ho" (session 32). Known people's own names are in ``rag/data/people.tsv``."""
    code = person(chinese)
    if code is None:
        return True
    surname = _surname(chinese)
    own = words_of(code)
    n_given = len(chinese) - len(surname)
    # A compound surname is two words (Au-yeung); a single one is one, spelled as the table or the package does.
    family = [{w} for w in own[:-n_given]] if len(surname) > 1 else [{own[0], *spellings(surname)}]
    given = [{v for s in (w, *spellings(ch)) for v in _variants(s)}
             for w, ch in zip(own[-n_given:], chinese[len(surname):], strict=True)]
    words = [w for w in words_of(english) if w not in _HONORIFICS]
    starts = len(words) - len(family) + 1  # where the surname may begin; at the start only without a first name
    for i in range(starts if first_name else min(1, starts)):
        if all(words[i + k] in ok for k, ok in enumerate(family)):
            after = words[i + len(family):]
            if len(after) >= n_given and all(w in ok for w, ok in zip(after, given, strict=False)):
                return True
            if not after and i > 0:
                return True
    return False


def words_of(name: str) -> list[str]:
    """A name's words as ``Romanised.spelled`` takes them: Lee Ka-chiu → lee, ka, chiu."""
    return [w.lower() for w in _WORD.findall(name)]


# ------------------------------------------------------------------------------------------------ places

#: What a place's last characters say it is, in English: 啟德體育園 is Kai Tak (spelled) and a Sports Park.
PLACE_KINDS = {
    "體育園": "Sports Park", "體育館": "Sports Centre", "運動場": "Sports Ground", "公園": "Park", "花園": "Garden",
    "醫院": "Hospital", "創新園": "InnoPark", "科學園": "Science Park", "數據園": "Data Park",
    "工業邨": "Industrial Estate", "邨": "Estate", "苑": "Court",
    # 荃灣西站 is Tsuen Wan West Station (spelled "Tsuen Wan Sai Station", session 32), 深圳北站 Shenzhen North.
    "港鐵站": "MTR Station", "西站": "West Station", "東站": "East Station", "南站": "South Station",
    "北站": "North Station", "站": "Station", "碼頭": "Pier", "廣場": "Plaza", "中心": "Centre", "大廈": "Building",
    "大樓": "Building", "隧道": "Tunnel", "大橋": "Bridge", "機場": "Airport", "口岸": "Control Point",
    "新市鎮": "New Town", "新發展區": "New Development Area",
    # Public buildings a heritage article names by their old use (前荃灣消防局, spelled "Chin Tsuen Wan Siu Fong Kuk",
    # session 30).
    "消防局": "Fire Station", "警署": "Police Station", "街市": "Market", "圖書館": "Library", "博物館": "Museum",
    "書院": "College", "學校": "School", "宿舍": "Quarters", "醫局": "Dispensary", "郵政局": "Post Office",
}
#: What a place's first character says of it now: 前荃灣消防局 is the Former Tsuen Wan Fire Station.
PLACE_WAS = {"前": "Former", "舊": "Old"}
_KINDS_LONGEST_FIRST = tuple(sorted(PLACE_KINDS, key=len, reverse=True))
#: More characters than this left to spell, and the text is a description (大灣區內更多醫療機構), not a place's name.
PLACE_SPELLED = 4


@functools.cache
def places() -> dict[str, str]:
    """Places whose English is not only a spelling (香港仔 Aberdeen, 深圳 Shenzhen): ``rag/data/places.tsv``."""
    from rag.text.language import DATA_DIR, read_rows

    return {zh: en.strip() for zh, en in read_rows(DATA_DIR / "places.tsv")}


@functools.cache
def _places_longest_first() -> tuple[str, ...]:
    return tuple(sorted(places(), key=len, reverse=True))


def _place_at(text: str, i: int = 0) -> str:
    """The longest known place ``text`` has at ``i`` ('' if none)."""
    return next((p for p in _places_longest_first() if text.startswith(p, i)), "")


def places_in(text: str) -> list[str]:
    """The known places (``places``) ``text`` writes, leftmost-longest (香港仔, not its 香港), each once, in order."""
    out: list[str] = []
    i = 0
    while i < len(text):
        known = _place_at(text, i)
        if known and known not in out:
            out.append(known)
        i += len(known) or 1
    return out


def _ends_in_place(text: str, over: int) -> bool:
    """Whether a known place of more than ``over`` characters ends ``text``."""
    return any(text.endswith(p) for p in places() if len(p) > over)


def _place_parts(chinese: str) -> tuple[list[tuple[str, str]], str] | None:
    """``chinese`` as (Chinese, English) parts, each a known place or one spelled character, and what it is;
    None when a character is unread or too many are left to spell."""
    import ToJyutping  # as in person()

    tails = [k for k in _KINDS_LONGEST_FIRST if chinese.endswith(k) and len(chinese) > len(k)]
    # The longest kind, unless a shorter one leaves a known place whole: 尖東站 is 尖東 (Tsim Sha Tsui East) + 站,
    # not 尖 + 東站 (as 荃灣西站 is 荃灣 + 西站).
    tail = next((k for k in tails[1:] if _ends_in_place(chinese[: len(chinese) - len(k)], len(tails[0]) - len(k))),
                tails[0] if tails else "")
    rest = chinese[: len(chinese) - len(tail)]
    parts: list[tuple[str, str]] = []
    while rest:
        known = _place_at(rest)
        if known:
            parts.append((known, places()[known]))
            rest = rest[len(known):]
            continue
        reading = ToJyutping.get_jyutping_list(rest[0])[0][1]
        if not reading:
            return None
        parts.append((rest[0], _syllable(reading.split()[0]).capitalize()))
        rest = rest[1:]
    if sum(len(zh) == 1 and zh not in places() for zh, _ in parts) > PLACE_SPELLED:
        return None
    return parts, PLACE_KINDS.get(tail, "")


#: What says a name is more than one place, or the land around one: and (及, 和, 與, 同), 一帶, 附近, 沿岸.
_NOT_ONE_PLACE = re.compile(r"[及和與与同、]|一帶|一带|附近|沿岸")


def place(chinese: str) -> str | None:
    """A place's English as Hong Kong writes it: what it was (前 → Former), its known places (``places``) as
    listed, its other characters in the Government's letters, one word each (百勝角 → Pak Sing Kok), then what
    it is (體育園 → Sports Park): 啟德體育園 → Kai Tak Sports Park, 將軍澳百勝角 → Tseung Kwan O Pak Sing Kok.
    None when it may not be a place's name (a character unread, more than ``PLACE_SPELLED`` to spell, or nothing
    but what it is)."""
    if chinese in places():
        return places()[chinese]
    if _NOT_ONE_PLACE.search(chinese):
        # 屯門及元朗一帶, two districts and the land around them, was spelled "Tuen Mun Kap Yuen Long Yat Tai".
        return None
    if chinese[:1] in PLACE_WAS and len(chinese) > 2 and (now := place(chinese[1:])):
        return f"{PLACE_WAS[chinese[0]]} {now}"
    got = _place_parts(chinese)
    if not got or not got[0] or chinese in PLACE_KINDS:
        return None
    parts, tail = got
    return " ".join([en for _, en in parts] + ([tail] if tail else []))


def _same(word: str) -> str:
    """A romanised word as compared: ts and ch, sh and s alike (Tseung = Cheung, Shing = Sing)."""
    return word.replace("ts", "ch").replace("sh", "s")


def places_left_out(english: str, chinese: str) -> list[str]:
    """The known places (``places``) in ``chinese`` whose English ``english`` leaves out, leftmost-longest (香港仔
    before 香港): the model wrote 啟德體育園 as "Leighton Park" and 將軍澳百勝角 as "Kowloon Bay, Wan Chai", another
    district. Only the known places are judged; the rest may be translated (室內體育館 Indoor Sports Centre) or
    spelled, which code cannot tell apart. HK stands for Hong Kong (HKU, HKMA); "the" is not required."""
    have = {_same(w) for w in words_of(english)}
    if any(w.startswith("hk") for w in have):
        have |= {"hong", "kong"}
    out, i = [], 0
    while i < len(chinese):
        known = _place_at(chinese, i)
        if known:
            if not {_same(w) for w in words_of(places()[known]) if w != "the"} <= have:
                out.append(known)
            i += len(known)
        else:
            i += 1
    return out
