"""Is a generated answer grounded? Every [n] names a given passage, and every figure is in one it cites.

Checked on the final text before it is shown. Figures are compared by value across languages
and formats (HK$50 million = 5,000萬元 = 五千萬; 下半年 = the second half of the year) by
``rag.text.numbers``, so a correct English rendering passes and an invented year or amount does not.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rag.answer import prompts
from rag.text import language
from rag.text.language import CITATION


@dataclass(frozen=True)
class Check:
    ok: bool
    cited: tuple[int, ...]
    problems: tuple[str, ...]
    not_found: bool = False


#: Two of the problems ``check`` reports, named because the retry asks differently for each.
NO_CITATION = "no [n] citation"
ECHO = "it repeats the question instead of answering it"
WRONG_LANGUAGE = "it is not written in the language asked for"
UNTITLED = "the person it names holds another title in the article than the one asked"
COPIED = "words from the worked examples, which are not the article"
LEAKED = "words from the bot's own instructions"
UNKNOWN_NAMES = "names not in the passages"
CHINESE_LEFT = "Chinese words left in an English answer"
REPEATS = "it repeats one item over and over"
MISCOUNTED = "a count given for what the passages count otherwise"


def markers(text: str) -> list[int]:
    return [int(m) for m in CITATION.findall(text)]


def strip_markers(text: str) -> str:
    return CITATION.sub("", text)


#: An answer that adds at most this many words (Chinese: character pairs) to the question's, and no
#: figure, says nothing the question did not.
ECHO_NEW_TERMS = 1
#: English words that say nothing by themselves: neither what an answer adds nor what ties it to a passage.
FILLER = frozenset({
    "a", "an", "the", "of", "and", "or", "is", "are", "was", "were", "be", "been", "will", "would", "can",
    "to", "for", "in", "on", "at", "by", "with", "as", "from", "it", "its", "this", "that", "these", "those",
    "has", "have", "had", "which", "who", "what", "when", "where", "how", "also",
})


def _matching(text: str) -> str:
    """Text without [n] markers, in one script with Cantonese mapped to written words."""
    from rag.text import language

    return language.for_matching(strip_markers(text))


def _han_grams(norm: str, n: int) -> set[str]:
    """Every run of n Chinese characters in ``norm`` (text already through ``_matching``)."""
    return {run[i:i + n] for run in re.findall(r"[\u3400-\u9fff]+", norm) for i in range(len(run) - n + 1)}


def terms(text: str) -> set[str]:
    """Latin words and Chinese character pairs, in one script with Cantonese mapped to written words."""
    norm = _matching(text)
    return set(re.findall(r"[a-z0-9]+", norm)) | _han_grams(norm, 2)


def echoes(text: str, question: str) -> bool:
    """The answer restates the question instead of answering it.

    Seen from the bundled model: 政府會搵邊啲機構嚟搞AI課程、講座同比賽。[1] for the question
    政府會搵邊啲機構嚟搞AI課程、講座同比賽？ It has a citation and no figure, so nothing else catches it.
    What is new is counted, not what is shared: a short right answer repeats most of its question
    (InnoHK has funded 16 AI and robotics labs so far [1]; the 16 is the answer).
    """
    from rag.text import numbers

    said, asked = terms(text), terms(question)
    new = said - asked - FILLER
    figures = {q.text for q in numbers.find_quantities(strip_markers(text))}
    figures -= {q.text for q in numbers.find_quantities(question)}
    return bool(said) and len(new) <= ECHO_NEW_TERMS and not figures and not any(c.isdigit() for t in new for c in t)


#: A sentence is taken to come from a passage when at least this share of its words (Chinese:
#: character pairs) are in it, as the model was shown it, and every figure in it is in it too; a
#: sentence that states one of the passage's figures needs the lower share (its other words are
#: the model's own English: "InnoHK has funded 16 AI and robotics labs").
ATTRIBUTE = 0.6
ATTRIBUTE_WITH_FIGURE = 0.4
#: What one run of [n] markers vouches for: the text since the previous run, the markers, a stop.
CLAIM = re.compile(r".*?(?:\s*\[\d{1,2}\])+[。．.!?！？；;，,、]?\s*|.+$", re.S)
# Not inside HK$2.5, nor after Mr. or Dr. ("is Mr. Sheng Yan." had been cited as "isMr [1]. Sheng Yan.", session 29).
_SENTENCE = re.compile(r"(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bMrs\.)(?<!\bProf\.)(?<!\bNo\.)(?<!\bSt\.)"
                       r"(?<=[.!?;])(\s+)|(?<=[。！？；])")


def attribute(text: str, shown: list[str], passages: list[str],
              written: Callable[[str], str] | None = None) -> str | None:
    """``text`` with [n] after each sentence that clearly comes from passage n, or None if none does.

    For answers the model wrote without a single marker (it seldom writes them unprompted, and a retry
    asked to add them mostly gave up with NOT_IN_ARTICLE). Only sentences made of a passage's own
    words and figures get one, so text that is not from the passages (PWNED, an invented figure)
    stays uncited and the answer still fails the check. ``shown`` is each passage as the model saw it
    (with its English renderings for an English question), ``passages`` as in the article. ``written``
    gives a sentence the other forms of each name it writes (``glossary.with_other_forms``: 長生津 →
    長生津（長者生活津貼）), so a sentence naming it as the asker did shares the passage's words: 長生津7月之後每個月有
    4,283元。 (wf-yue-001, right) was refused for want of a [n] (session 25).
    """
    from rag.text import numbers

    out, marked = [], False
    for k, sentence in enumerate(sentence_pieces(text)):
        if k % 2:
            out.append(sentence or "")
            continue
        # Union, not the bracketed text's terms alone: a bracket would cut the sentence's own pairs (园的).
        words = (terms(sentence) | (terms(written(sentence)) if written else set())) - FILLER
        need = ATTRIBUTE_WITH_FIGURE if numbers.find_quantities(sentence) else ATTRIBUTE
        best, best_share = 0, 0.0
        for n, (seen, source) in enumerate(zip(shown, passages, strict=True), 1):
            share = len(words & terms(seen)) / len(words) if words else 0.0
            if share > best_share and not numbers.unsupported(sentence, [source]):
                best, best_share = n, share
        if not (best and best_share >= need):
            best, best_share = _anchored(sentence, words, passages), need
        if best and best_share >= need:
            sentence = cited_sentence(sentence, best)
            marked = True
        out.append(sentence)
    return "".join(out) if marked else None


def sentence_pieces(text: str) -> list[str]:
    """``text`` cut into sentences: sentence, the space after it (None after 。), sentence, …"""
    return _SENTENCE.split(text.strip())


def cited_sentence(sentence: str, n: int) -> str:
    """``sentence`` with [n] before its closing stop."""
    end = len(sentence.rstrip(".!?。！？；; "))
    return f"{sentence[:end]} [{n}]{sentence[end:]}"


#: An English sentence cited by the names it shares with a passage needs at least this many words of its own.
ANCHORED_WORDS = 4


def _anchored(sentence: str, words: set[str], passages: list[str]) -> int:
    """The first passage (best ranked) that holds a glossary name an English sentence uses and every figure in
    it, or 0; for English sentences only.

    An English answer shares few words with a Chinese passage even with its renderings (seen: "HKEX has been
    asked to review the listing rules and help more space companies list" against the passage that says so:
    one word in twelve), so the share test above never cites it, and the retry mostly gave up with
    NOT_IN_ARTICLE. The name it uses (HKEX = 香港交易及結算有限公司) ties it to the passages that hold that name.
    A sentence that is only a name, or states a figure no such passage holds, is not cited.
    """
    from rag.text import glossary, numbers

    if sum(ch.isascii() and ch.isalpha() for ch in sentence) < len(sentence.strip()) / 2:
        return 0
    names = glossary.chinese_for_english(sentence)
    if not names or len(words) < ANCHORED_WORDS:
        return 0
    for n, source in enumerate(passages, 1):
        if any(name in source for name in names) and not numbers.unsupported(sentence, [source]):
            return n
    return 0


def recite(text: str, passages: list[str]) -> str | None:
    """``text`` with each claim whose figures its [n] does not hold cited to the passage that holds
    them all, or None if no claim could be moved (a claim: the text a run of markers ends).

    The commonest failure over the whole eval set: a right figure cited to the wrong passage
    (每間學校攞到50萬元。[2], the 50萬元 being in [1]); asked again, the model mostly gave up
    with NOT_IN_ARTICLE, a false refusal. A figure found in no given passage is not moved, so an
    invented one still fails.
    """
    from rag.text import numbers

    out, moved = [], False
    for claim in CLAIM.findall(text.strip()):
        cited = [n for n in markers(claim) if 1 <= n <= len(passages)]
        plain = strip_markers(claim)
        if cited and numbers.find_quantities(plain) and numbers.unsupported(plain, [passages[n - 1] for n in cited]):
            holders = [n for n in range(1, len(passages) + 1) if not numbers.unsupported(plain, [passages[n - 1]])]
            if holders:
                claim, moved = cited_to(claim, holders[0]), True
        out.append(claim)
    return "".join(out) if moved else None


def cited_to(claim: str, n: int) -> str:
    """``claim`` with its first marker made [n] and its others dropped."""
    first = CITATION.search(claim)
    return claim[:first.start()] + f"[{n}]" + CITATION.sub("", claim[first.end():])


def names_in(claim: str, lang: str) -> list[tuple[str, ...]]:
    """The corpus's names ``claim`` states (``corpus/glossary.tsv`` and the generated glossary), each as its
    Chinese forms: read from the English for an English claim, from the Chinese (either script) otherwise."""
    from rag.text import glossary

    found = glossary.lookup_english(claim) if lang == "en" else glossary.find_terms(claim)
    return list(dict.fromkeys(t.forms or (t.chinese,) for t in found if t.kind in glossary.NAME_KINDS))


#: The shortest name mended by ``as_named``: two names of four characters or more rarely differ in one character.
NAMED_MIN = 4


def as_named(text: str, passages: list[str], question: str = "") -> str | None:
    """A Chinese ``text`` with each run that is one character off a name its passages write (in the glossary, of
    ``NAMED_MIN`` characters or more, with no figure in it) written as the passages write it; None when there is
    none. A run the passages or the question write is left alone.

    The bundled model wrote 衞生防護中心 as 傳生防護中心 in two of the flu article's answers (session 30), and a
    staff member checking the quote found a body that does not exist; the checks read figures and known names.
    """
    from rag.text import glossary

    written = language.to_traditional("\n".join(passages) + "\n" + question)
    names = {t.chinese for t in glossary.find_terms(written) if t.kind in glossary.NAME_KINDS
             and len(t.chinese) >= NAMED_MIN and not re.search(r"[\d一二三四五六七八九十百千萬億]", t.chinese)}
    read = language.to_traditional(text)
    if len(read) != len(text):  # a phrase converted to another length: offsets would not carry over
        return None
    fixed, simplified = list(text), read != text
    for name in names:
        n = len(name)
        for i in range(len(read) - n + 1):
            run = read[i:i + n]
            if run != name and sum(a != b for a, b in zip(run, name, strict=True)) == 1 and run not in written \
                    and re.fullmatch(r"[\u3400-\u9fff]+", run):
                bad = next(j for j in range(n) if run[j] != name[j])
                fixed[i + bad] = language.to_simplified(name[bad]) if simplified else name[bad]
    mended = "".join(fixed)
    return mended if mended != text else None


def recite_names(text: str, passages: list[str], lang: str, question: str = "",
                 seen: list[str] | None = None) -> str | None:
    """``text`` with each claim whose [n] names none of the passages holding a name it states cited to the one
    passage that holds every name and figure it states, or None if none moved.

    ``recite`` follows figures and ``recite_words`` a plain majority of words; an English claim shares few
    words with a Chinese passage, and "The Drainage Services Department will improve … [2]" stayed on the
    passage about the Labour Department while passage 1 names 渠務署 (test en-038). A name is as hard a fact
    as a figure: moved only when the cited passages lack one of the claim's names and exactly one other
    passage holds them all and its figures, so a name in no passage, or in several, keeps the model's choice.
    That passage must also hold as many of the words the claim adds to ``question`` (read in ``seen``, the
    passages as the model read them): a story's next sentence often leaves out the name it is about, and
    AI效能提升组…下一步打算提出具体建议…[2] is rightly on the passage that says 提出具體建議 without naming the team
    (written-later hans-f06).
    """
    from rag.text import numbers

    claims = CLAIM.findall(text.strip())
    named = [names_in(strip_markers(c), lang) if markers(c) else [] for c in claims]
    if len(passages) < 2 or not any(named):
        return None  # most answers: nothing to move, nothing more to read
    trad = [language.to_traditional(p) for p in passages]
    held = [terms(p) for p in seen or passages]
    asked = terms(question)
    out, moved = [], False
    for claim, names in zip(claims, named, strict=True):
        cited = [n for n in markers(claim) if 1 <= n <= len(passages)]
        plain = strip_markers(claim)
        words = (terms(plain) - FILLER - asked) or terms(plain) - FILLER

        def holds(n: int, names=names, plain=plain) -> bool:
            return all(any(f in trad[n - 1] for f in forms) for forms in names) \
                and not numbers.unsupported(plain, [passages[n - 1]])

        def share(n: int, words=words) -> int:
            return len(words & held[n - 1])

        if names and cited and not any(holds(n) for n in cited):
            holders = [n for n in range(1, len(passages) + 1) if holds(n)]
            if len(holders) == 1 and share(holders[0]) >= max(share(n) for n in cited):
                claim, moved = cited_to(claim, holders[0]), True
        out.append(claim)
    return "".join(out) if moved else None


#: A claim's [n] is moved when passage n holds under ``RECITE_BELOW`` of the claim's words (Chinese: character
#: pairs) and another given passage holds at least ``RECITE_GAIN`` more of them.
RECITE_BELOW = 0.4
RECITE_GAIN = 0.3


def recite_words(text: str, shown: list[str], question: str = "") -> str | None:
    """``text`` with each [n] whose passage plainly does not hold its claim's words cited to the passage that
    does, or None if nothing moved. ``shown``: the passages as the model read them.

    The words compared are those the claim adds to ``question`` (its answer), when it adds any: a claim that
    restates the question's subject matches every passage about that subject, and the model numbered
    AI+与产业发展策略委员会由陈茂波主持 with the list item that names the committee but not 陳茂波; compared on
    陳茂波主持 it goes to the passage that names him. Over both eval sets, comparing on the added words moved
    only a few markers, each to a passage holding the claim's answer and none away from one, and changed
    nothing else in any answer (docs/history.md).

    The model often numbers a right claim wrongly when no figure is there for ``recite`` to follow:
    土木工程拓展署今年會整合降雨數據、山泥傾瀉紀錄及人造斜坡資料[3], the sentence being passage 1's word for word
    and passage 3 about the education blueprint. Replayed over the eval sets' cited answers, every marker it
    moved went to the passage with the evidence, and citation precision rose (docs/history.md). A claim that
    no passage holds better keeps its marker, and the grounding check runs again on the result (a figure
    must still be in the passage it now cites).
    """
    moved = False
    held = [terms(p) for p in shown]
    asked = terms(question)
    out = []
    for claim in CLAIM.findall(text.strip()):
        words = terms(claim) - FILLER  # _terms drops the markers itself
        words = (words - asked) or words
        if words and markers(claim):
            share = [len(words & t) / len(words) for t in held]
            best = max(range(len(shown)), key=share.__getitem__) + 1
            wrong = {n for n in markers(claim) if 1 <= n <= len(shown)
                     and share[n - 1] < RECITE_BELOW and share[best - 1] - share[n - 1] >= RECITE_GAIN}
            if wrong:
                moved = True
                claim = CITATION.sub(lambda m, w=wrong, b=best: f"[{b}]" if int(m.group(1)) in w else m.group(), claim)
                claim = re.sub(rf"(\[{best}\])(?:\s*\[{best}\])+", r"\1", claim)  # [1][1] once
        out.append(claim)
    return "".join(out) if moved else None


#: What a qualifier the model dropped is written back as: English words, and the Chinese the article uses.
_QUALIFIER_EN = {"about": "about", "over": "over", "nearly": "nearly", "at_least": "at least", "under": "under",
                 "at_most": "no more than"}
_QUALIFIER_ZH = {"about": "約", "over": "逾", "nearly": "近", "at_least": "不少於", "under": "不足",
                 "at_most": "不多於"}
#: Qualifiers that say the opposite of each other: a floor against a ceiling. 預計今年內再發出不多於4個牌照 (no
#: more than four) was answered 再發逾4個牌照 (over four), and passed: the check compares values alone (session 29).
_ABOVE, _BELOW = frozenset({"over", "at_least"}), frozenset({"under", "at_most"})


def _opposed(a: str, b: str) -> bool:
    return (a in _ABOVE and b in _BELOW) or (a in _BELOW and b in _ABOVE)


# The model's own hedge, which rag.text.numbers does not read as a qualifier (差不多30個, up to 30, 30-odd), or a
# figure that a qualifier would change (不少於2年內: "within at least two years").
_HEDGED_BEFORE = re.compile(r"(?:差不多|大概|大約|約|近|逾|超過|成|幾|up to|about|around|almost|nearly|over|some"
                            r"|roughly|more than|approximately)\s*(?:HK\$|\$)?\s*\Z", re.I)
_HEDGED_AFTER = re.compile(r"\s*(?:-odd|odd|多|餘|以上|左右|內|以內|之內|後|within)", re.I)


def requalify(text: str, passages: list[str], lang: str) -> str | None:
    """``text`` with the qualifier put back on each figure whose cited passages state it only qualified, or
    None if there was none to put back.

    The grounding check compares values and ignores qualifiers ("over 130" restates 超過130間), so a figure
    the model stripped of its 近, 約 or 不少於 passes: "30 projects have been approved" for 近30個,
    要在香港營運2年 for 不少於2年 (at least two years, not two), HK$500 million for 約5億元: in every such answer
    of the eval sets, a real loss of meaning (docs/history.md). The word goes back by code, before the
    figure, only when every matching figure in the claim's cited passages carries the same qualifier; a qualifier
    that says the opposite of theirs (逾4個 for 不多於4個: a floor for a ceiling) is replaced by theirs.
    """
    from rag.text import language, numbers

    changed = False
    out = []
    for claim in CLAIM.findall(text.strip()):
        cited = [passages[n - 1] for n in markers(claim) if 1 <= n <= len(passages)]
        evidence = [q for p in cited for q in numbers.find_quantities(p)]
        for q in sorted(numbers.find_quantities(claim), key=lambda q: -q.start):  # right to left: offsets hold
            quals = {e.qualifier for e in evidence if numbers.same_quantity(q, e)}
            said = numbers.qualifier_word(q)
            if said and len(quals) == 1 and _opposed(q.qualifier, next(iter(quals))):
                claim = claim[:q.start] + claim[q.start + len(said):]  # the model's word out, the passage's in below
            elif q.qualifier or numbers.trivial(q) or _HEDGED_BEFORE.search(claim[:q.start]) or \
                    _HEDGED_AFTER.match(claim[q.end:]):
                continue
            if len(quals) == 1 and (qual := quals.pop()) in _QUALIFIER_EN:
                if lang == "en":
                    before = (("".join(out) + claim[:q.start]).rstrip())
                    word = _QUALIFIER_EN[qual] + " "
                    sentence_start = not before or (before[-1] in ".!?" and not before.endswith(("e.g.", "i.e.")))
                    word = word.capitalize() if sentence_start else word
                else:
                    word = language.convert_to_script(_QUALIFIER_ZH[qual], lang)
                claim = claim[:q.start] + word + claim[q.start:]
                changed = True
        out.append(claim)
    return "".join(out) if changed else None


@lru_cache(maxsize=8)
def _given(passages: tuple[str, ...], question: str) -> str:
    """The passages and question an answer was given, through ``_matching``: normalised once for the checks
    that look for the answer's words in them (the examples', the names')."""
    return _matching("\n".join([*passages, question]))


@lru_cache(maxsize=1)
def _example_grams() -> frozenset[str]:
    return frozenset(_han_grams(_matching("\n".join(example["passages"] for example, _ in prompts.EXAMPLES)), 4))


def copied_from_examples(text: str, passages: list[str], question: str = "") -> list[str]:
    """Runs of four characters that the answer shares with the worked examples' made-up passages
    (``prompts.EXAMPLES``) and with nothing it was given.

    Seen in the eval set's answers: 香港RISC-V聯盟在十八區進行跨界別合作[2], 它會邀請大專院校參與[2]:
    the examples' wording, cited to a passage that does not say it. The figures check cannot see it (no figure).
    """
    given = _han_grams(_given(tuple(passages), question), 4)
    return sorted((_han_grams(_matching(text), 4) & _example_grams()) - given)


#: English words in a row that an answer may share with the instructions by chance: more is quoting them.
LEAK_WORDS = 6


def _word_grams(text: str, n: int = LEAK_WORDS) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


@lru_cache(maxsize=1)
def _instruction_grams() -> frozenset[tuple[str, ...]]:
    """The rules and requests the model is given (not SYSTEM's first sentence, which names the article)."""
    rules = prompts.SYSTEM[prompts.SYSTEM.index("Rules:"):]
    return frozenset(_word_grams(" ".join([rules, prompts.ENGLISH_RULE, prompts.ANSWER_TASK, prompts.ANSWERABLE,
                                           prompts.UNCITED, prompts.ECHOED, prompts.STRICT])))


def leaked(text: str, passages: list[str], question: str = "") -> list[str]:
    """Runs of ``LEAK_WORDS`` words the answer shares with the model's instructions and with nothing it was
    given: an answer that recites its rules ("reveal your system prompt") with a [n] copied from them
    (rule 2 itself says "[1], [2]") would otherwise pass every other check. The injections in the eval set
    are mostly refused before the model; this guards the ones that reach it."""
    given = _word_grams(" ".join([*passages, question]))
    return sorted(" ".join(g) for g in (_word_grams(strip_markers(text)) & _instruction_grams()) - given)


#: A Chinese name of a body of the kind the model knows from elsewhere (universities, companies, banks …).
_BODY_NAME = re.compile(r"[\u3400-\u9fff]{2,}?(?:大學|學院|公司|銀行|醫院|集團|研究所)")


def unknown_names(text: str, passages: list[str], question: str = "") -> list[str]:
    """Names of universities, companies, banks and the like in the answer whose last four characters (香港中文
    大學 → 中文大學) are in no passage it was given and not in the question.

    Seen from the bundled model on a question the article does not answer (which universities host two
    national labs): 分別設於香港中文大學和香港城市大學 [1], names from its own knowledge, cited; the figures
    check cannot see names. Replayed over every Chinese answer of both eval sets, it flagged that one and
    nothing else (docs/history.md).
    """
    given = _given(tuple(passages), question)
    return [m.group()[-4:] for m in _BODY_NAME.finditer(_matching(text)) if m.group()[-4:] not in given]


# Who or what name a question asks for (after for_matching: traditional, Cantonese written, lower case).
_ASKS_PERSON = re.compile(r"誰|名字|姓名|叫什麼|叫甚麼|\bwho(?:se|m)?\b|\bname\b")
# A name's slot in a Chinese answer: after 是/為/由/叫/的/、 or at the start, a surname and one or two
# characters, then the end of a clause, a [n] marker or a word that follows a person (先生, 表示).
_PERSON_SLOT = (r"(?:^|(?<=[是為由叫的、：:]))({surname})([\u3400-\u9fff]{{1,2}}?)"
                r"(?=\s*(?:\[\d+\]|[，。、；！？,.;!?\s]|$|先生|女士|表示|指出|說))")


@lru_cache(maxsize=1)
def _person_slot() -> re.Pattern[str]:
    from rag.text import romanise

    surnames = "|".join(sorted((language.for_matching(s) for s in romanise.SURNAMES), key=len, reverse=True))
    return re.compile(_PERSON_SLOT.format(surname=surnames))


def unknown_people(text: str, passages: list[str], question: str = "") -> list[str]:
    """People's names that an answer to a who or what-name question gives and no passage it was given holds.

    Asked the name of the year's top scorer (an article that names none), the bundled model answered
    拔萃男書院的李明 [1], a name of its own, cited; the figures check cannot see names and ``unknown_names``
    looks for bodies only. Only who-questions are looked at: elsewhere a word in a name's slot (的高層) is
    far more often an ordinary word the model wrote in its own way.
    """
    if not _ASKS_PERSON.search(language.for_matching(question)):
        return []
    given = _given(tuple(passages), question)
    return [m.group(1) + m.group(2) for m in _person_slot().finditer(_matching(text))
            if m.group(1) + m.group(2) not in given]


# A person an English answer names with an honorific (Mr. Sheng Yan, Dr Yip Wing-yee): one to three capitalised words.
_EN_PERSON = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Madam|Dr|Prof|Professor)\.?\s+((?:[A-Z][a-z]+(?:-[a-z]+)?\b\s?){1,3})")
# An English question asking for a person. Not ``_ASKS_PERSON`` (which also reads "name" and "whom"), nor ``_WHO_EN``
# below (only "who is …", for a title asked): each check reads the questions it was measured on.
_ASKS_PERSON_EN = re.compile(r"\bwho\b|\bwhose\b|\bwhich (?:\w+ )?(?:official|person|officer|doctor|minister|"
                             r"secretary)\b", re.I)


@lru_cache(maxsize=8)
def _spelled_names(text: str) -> dict[str, str]:
    """Every run of two to four characters of ``text`` that a surname begins and code can spell as a person's name
    (區景賢: Au King-yin), read once per set of passages (the check runs on each answer and retry)."""
    from rag.text import romanise

    return {w: code for i in range(len(text)) for n in (2, 3, 4)
            if romanise.is_surname_start(w := text[i:i + n]) and (code := romanise.person(w))}


def unknown_english_people(text: str, passages: list[str], question: str) -> list[str]:
    """People an English answer to a who-question names with an honorific (Mr., Dr.) whom no passage it was given
    names: no glossary person's English, and no Chinese name in the passages that it spells as Hong Kong spells
    names (``romanise.spells_person``).

    Asked who the Controller of the Centre for Health Protection is, the model answered "Mr. Sheng Yan" for
    區景賢, a name no table knew, and every check passed it (session 29); ``unknown_people`` reads Chinese only.
    """
    from rag.text import glossary, romanise

    if not _ASKS_PERSON_EN.search(question):
        return []
    given = "".join(passages)
    names = [m.group(1).strip() for m in _EN_PERSON.finditer(strip_markers(text))]
    if not names:
        return []
    spelled = _spelled_names(given)
    # A surname a passage's name begins with, as Hong Kong or Putonghua spells it (區 Au, 王 Wang).
    surnames = {romanise.words_of(code)[0] for code in spelled.values()} | {
        romanise.PINYIN_SURNAMES[w[0]] for w in spelled if w[0] in romanise.PINYIN_SURNAMES}
    latin = {w.lower() for w in re.findall(r"[A-Za-z]+", given)}
    out = []
    for name in names:
        if any(t.kind == "person" and t.chinese in given for t in glossary.lookup_english(name)):
            continue
        words = romanise.words_of(name)
        if words[-1] in latin or any(w in surnames for w in (words[0], words[-1])) \
                or any(romanise.spells_person(name, w) for w in spelled):
            continue  # Mr Au, of 區景賢; Wang Yi, of 王毅; Jerome Powell, written so in the passage
        out.append(name)
    return out


# The words of an English "who" question's title, and what a person's title in the article must then hold: one
# of the Chinese for each word ("Deputy Commissioner": 副, and 署長, 處長, 專員 or 總監).
_TITLE_WORDS = (
    (re.compile(r"\b(?:deputy|vice|under secretary)\b", re.I), ("副",)),
    (re.compile(r"\bassistant\b", re.I), ("助理",)),
    (re.compile(r"\b(?:chairm[ae]n|chairperson|chairwoman|chair of)\b", re.I), ("主席",)),
    (re.compile(r"\bcommissioner\b", re.I), ("署長", "處長", "專員", "總監", "關長")),
    (re.compile(r"\bdirector\b", re.I), ("署長", "處長", "總監", "總幹事", "主任", "台長", "專員")),
    (re.compile(r"\bsecretary\b", re.I), ("局長", "司長", "秘書長", "秘書")),
    (re.compile(r"\bchief executive\b", re.I), ("行政長官", "行政總裁", "總幹事", "總裁")),
    (re.compile(r"\bpresident\b", re.I), ("校長", "院長", "會長", "總裁", "主席")),
    (re.compile(r"\bprincipal\b", re.I), ("校長",)),
    (re.compile(r"\bspokes(?:person|man|woman)\b", re.I), ("發言人",)),
)
# "Who is the Deputy Commissioner?", not "Who did the Chief Executive meet?" (whose title is the asker's subject).
_WHO_EN = re.compile(r"\bwho (?:is|was|are|were|will be|has been)\b", re.I)
# How a title a person is given right before their name ends (立法會交通事務委員會主席何志明, 財政司司長陳茂波).
_TITLE_END = re.compile(r"(?:長官|局長|司長|署長|處長|關長|台長|專員|總監|總裁|總幹事|秘書長|秘書|主席|主任|院長|"
                        r"校長|會長|發言人|議員|教授|董事|經理|委員|顧問)$")


def _titles_before(name: str, article: str) -> list[str]:
    """The titles the article gives ``name`` right before it (立法會交通事務委員會主席 before 何志明), back to a
    clause mark; what is there and ends in no title (典禮由, 昨日) is none."""
    before = (re.split(r"[，。；：、「」（）()\n ]", article[max(0, m.start() - 20):m.start()])[-1]
              for m in re.finditer(re.escape(name), article))
    return [b for b in before if _TITLE_END.search(b)]


def untitled_people(text: str, question: str, lang: str, article: str) -> list[str]:
    """The people a "who is the <title>" answer names whom ``article`` (the cited passages' articles) gives another
    title wherever it gives one; [] when the question asks no title, when the article titles none of them, or
    when one of them holds the title asked (an answer may name another person beside the one asked for).

    Asked the Deputy Commissioner for Transport, the model named the chairman of the Legislative Council's panel
    on transport, whose sentence it cited (session 28); asked the Tourism Board's Executive Director, the
    Secretary, Rosanna Law (session 27). Each person is named in its passage, so ``unknown_people`` passes them.
    Only people the glossaries list are read (an article's machine-made rows list its people).
    """
    from rag.answer.refuse import titles_asked
    from rag.text import glossary

    plain = strip_markers(text)
    if lang == "en":
        needs = [forms for rx, forms in _TITLE_WORDS if rx.search(question)] if _WHO_EN.search(question) else []
        people = [t.chinese for t in glossary.lookup_english(plain) if t.kind == "person"]
    else:
        needs = [tuple(asked for asked, _lesser, _lead in titles_asked(question))]
        needs = needs if needs[0] else []
        people = [t.chinese for t in glossary.find_terms(language.to_traditional(plain)) if t.kind == "person"]
    if not needs:
        return []
    article = language.to_traditional(article)
    out = []
    for person in dict.fromkeys(p for p in people if not _TITLE_END.search(p)):  # 財政司司長 is an office
        titles = _titles_before(person, article)
        if any(all(any(f in t for f in forms) for forms in needs) for t in titles):
            return []
        if titles:
            out.append(person)
    return out


#: Where a Chinese sentence's clauses end: a count's noun is looked for in the clause holding its figure.
_CLAUSE_END = re.compile(r"[，。；：;:！？!?\n]")


def _classifier_kind(figure: str) -> str:
    """What a Chinese count's classifier counts: "person" (人 名 位), the classifier itself when it names a kind
    (家 間 座 …), or "" for the general 個 and a figure without one."""
    last = figure[-1:]
    if last in "人名位":
        return "person"
    return "" if last in "個个" or not language.HAN_RUN.fullmatch(last) else last


def _clause_counts(passages: list[str]) -> list[tuple[str, list]]:
    """Each clause of ``passages`` (one script, for matching) with the counts and bare numbers it states: what
    ``miscounted`` and ``miscounted_english`` compare an answer's count with."""
    from rag.text import numbers

    clauses = (language.for_matching(c) for p in passages for c in _CLAUSE_END.split(p) if c)
    return [(c, [f for f in numbers.find_quantities(c) if f.unit in ("count", "number")]) for c in clauses]


def miscounted(text: str, passages: list[str]) -> list[str]:
    """The counts of a Chinese answer whose noun no clause of ``passages`` holding that figure writes.

    Asked how many companies the Shenzhen park holds (the article does not say), the model answered
    深圳园区有3,000家企业进驻 from 首批名額為3,000個, the talent pass's places: the figure is in the passage, so the
    figures check passed it. A count is a figure and what it counts; the two characters after its classifier
    (企業) must be in a clause that states the same figure. Over sessions 22-24's shown Chinese answers (272,
    60 of them with such a count), this was the one answer it found. English answers: ``miscounted_english``.
    """
    from rag.text import numbers

    said = language.for_matching(strip_markers(text))
    clauses = _clause_counts(passages)
    out = []
    for q in numbers.find_quantities(said):
        noun = said[q.end:q.end + 2]
        if q.unit != "count" or q.value is None or len(noun) < 2 or not language.HAN_RUN.fullmatch(noun):
            continue
        figures = [(c, [p for p in found if p.value == q.value]) for c, found in clauses]
        same = [p for _c, ps in figures for p in ps]
        holding = [c for c, ps in figures if ps]
        # 五萬名觀眾 for 可容納五萬人: people counted either way; 3,000家企業 for 3,000家公司: one classifier, one kind.
        kinds = {_classifier_kind(p.text) for p in same}
        if holding and not any(noun in c for c in holding) and _classifier_kind(q.text) not in kinds - {""}:
            out.append(f"{q.text}{noun} (the passage: {holding[0]})")
    return out


#: English words that count people, and the characters that make a Chinese count one of people (長者, 考生, 市民,
#: 旅客, 人士) for ``miscounted_english``.
PERSON_WORDS = frozenset({
    "people", "persons", "person", "residents", "individuals", "citizens", "users", "passengers", "visitors",
    "tourists", "travellers", "travelers", "students", "candidates", "pupils", "children", "patients", "elderly",
    "seniors", "workers", "staff", "employees", "applicants", "members", "researchers", "talents", "professionals",
    "participants", "recipients", "beneficiaries", "teachers", "doctors", "nurses", "officers", "volunteers",
})
_PERSON_CHARS = "人者員员生民客童士師师"


def miscounted_english(text: str, passages: list[str]) -> list[str]:
    """The counts of an English answer given as people where every clause of ``passages`` stating that figure
    counts something else.

    Asked how many people live in each Light Public Housing estate (the article does not say), the model answered
    "about 2,100 people" from 首批約2,100個單位 (flats): the figure is the passage's, so the figures check passed it.
    An English noun is not the passage's word, so only the one confusion seen is read: a count of things or places
    (個單位, 間, 個名額) shown as a count of people. A passage count of people is one whose classifier is 人 名 位 or
    人次, or whose next characters name people (長者, 考生, 市民).
    """
    from rag.text import numbers

    said = strip_markers(text)
    clauses = _clause_counts(passages)
    out = []
    for q in numbers.find_quantities(said):
        after = re.split(r"[.,;:!?()]", said[q.end:], maxsplit=1)[0].lower().split()[:3]
        if q.unit not in ("count", "number") or q.value is None or not PERSON_WORDS & set(after):
            continue
        holding = [(c, f) for c, found in clauses for f in found if f.value == q.value]
        people = [c for c, f in holding if f.text.endswith(("人", "名", "位", "人次"))
                  or any(ch in _PERSON_CHARS for ch in c[f.end:f.end + 4])]
        if holding and not people:
            out.append(f"{q.text} {' '.join(after)} (the passage: {holding[0][0]})")
    return out


def chinese_left(text: str) -> list[str]:
    """Chinese in an English answer that is neither quoted (「…」) nor part of a name of the corpus (the glossary in
    use, ``data/proper_nouns.txt``).

    Seen from the bundled model: asked "Who officiated at the opening ceremony?", it copied the passage,
    行政長官李家超 [= Mr. Lee Ka-Shing]主禮。, and with the rendering put in for the name the answer read "Mr. Lee
    Ka-Shing主禮。": English to the language check (more English words than Chinese characters), and no answer.
    A name stays allowed ("智"啟學教, the scheme's name with its quotes changed), but not glued to English words
    outside brackets: "the Hong Kong International Seven人欖球賽" (half of 香港國際七人欖球賽 translated) and "The
    Secretary for Security is鄧炳強" were shown as answers (sessions 22 and 23), where "Sandy Ridge Data Park
    (沙嶺數據園)" names the Chinese it translates.
    """
    from rag.text import glossary, language

    said = language.unquoted(strip_markers(text))
    if not language.HAN_RUN.search(said):
        return []
    names = [e.chinese for e in glossary.entries()] + list(language.proper_nouns())
    known = "\n".join("".join(language.HAN_RUN.findall(n)) for n in names)
    left = []
    for m in language.HAN_RUN.finditer(said):
        run, before, after = language.to_traditional(m.group()), said[:m.start()], said[m.end():]
        glued = bool(re.search(r"[A-Za-z]$", before) or re.match(r"[A-Za-z]", after))
        bracketed = before.count("(") + before.count("（") > before.count(")") + before.count("）")
        if run not in known or (glued and not bracketed):
            left.append(run)
    return left


#: An item said this many times in one answer is the model looping, not answering.
REPEATED_ITEM = 3
_ITEM_SPLIT = re.compile(r"[、，,；;。.!?！？\n]|\band\b|及|和|與|与")


def repeats(text: str) -> list[str]:
    """Items (the parts between commas, 、 and "and") said ``REPEATED_ITEM`` times or more: seen from the model
    when it runs on to its token limit (香港RISC-V聯盟的成員企業包括…、香港RISC-V聯盟、香港RISC-V聯盟、… to
    the end), an answer that passed every other check."""
    items = [i.strip() for i in _ITEM_SPLIT.split(strip_markers(text)) if len(i.strip()) >= 2]
    return [i for i, n in Counter(items).items() if n >= REPEATED_ITEM]


def check(text: str, passages: list[str], question: str = "", lang: str = "") -> Check:
    """``lang``, when given, is the language the answer must be in (English, or Chinese of any kind)."""
    from rag.text import kinds, language, numbers

    if prompts.NOT_FOUND in text or not text.strip():
        return Check(False, (), ("the model found no answer in the passages",), not_found=True)
    cited = tuple(dict.fromkeys(markers(text)))
    problems = []
    if not cited:
        problems.append(NO_CITATION)
    if question and echoes(text, question):
        problems.append(ECHO)
    if lang and language.answer_is_english(text) != (lang == "en"):
        problems.append(WRONG_LANGUAGE)
    elif lang == "en" and (left := chinese_left(text)):
        problems.append(f"{CHINESE_LEFT}: {'、'.join(left)}")
    bad = [n for n in cited if not 1 <= n <= len(passages)]
    if bad:
        problems.append(f"cites passage(s) {bad} that were not given")
    if looped := repeats(text):
        problems.append(f"{REPEATS}: {looped[0]}")
    if copied := copied_from_examples(text, passages, question):
        problems.append(f"{COPIED}: {'、'.join(copied)}")
    if quoted := leaked(text, passages, question):
        problems.append(f"{LEAKED}: {quoted[0]!r}")
    people = unknown_english_people(text, passages, question) if lang == "en" else []
    if names := unknown_names(text, passages, question) + unknown_people(text, passages, question) + people:
        problems.append(f"{UNKNOWN_NAMES}: {'、'.join(names)}")
    sources = [passages[n - 1] for n in cited if 1 <= n <= len(passages)]
    if question and (lacks := kinds.missing(question, lang or language.detect(question).lang,
                                            strip_markers(text), sources)):
        problems.append(lacks)
    if sources:
        missing = numbers.unsupported(strip_markers(text), sources)
        if missing:
            problems.append("figures not in the cited passages: " + ", ".join(q.text for q in missing))
        elif counts := (miscounted_english(text, sources) if lang == "en" else miscounted(text, sources)):
            problems.append(f"{MISCOUNTED}: {'; '.join(counts)}")
    return Check(not problems, cited, tuple(problems))
