"""What kind of answer a question asks for, and whether an answer gives that kind: ``missing``.

Four kinds are checked: an amount of money, a count, a span of time, and a point in time. The bundled
model, asked how much something costs that the article gives no amount for, answered with whatever
figure its passages held: a floor area (沙嶺數據園的總投資是25萬平方米樓面面積) or a headline's amount for
another scheme (國際臨床試驗學院需要5000萬挺全民AI培訓); every figure was in a cited passage, so the figures check
passed them. An answer to a money question must state an amount of
money: a figure with a currency, or a bare figure that a cited passage gives with one (the model
drops 元 from 100億元). Likewise, asked how many experts a team will hire (the article does not say),
it answered 會請AI專家及顧問, with no figure: an answer to "how many" must state one. Asked how long approval as a
national centre takes (1年至3年), it answered when the centre starts (預計可於今年內啟動), and the extractive backend
quoted the nearest sentence about the centre whatever it said: an answer to "how long" must state a span of time.
With the "how long" check, both backends' wrong answers to such questions became refusals and no right answer was
lost; the extractive backend, which had answered "how long" questions the article does not answer with an
unrelated sentence (5,000萬元 for "how many years will the training scheme run?"), now refuses them
(docs/history.md).

Why by hand: nothing in llama-index checks an answer against what the question asked for; its
evaluators ask an LLM, which here is the model being checked.
"""

from __future__ import annotations

import re

from rag.text import language, numbers

# Asked after language.for_matching: traditional characters, Cantonese words written (幾多 → 多少).
_MONEY_ZH = re.compile(
    r"多少(?:私人|公共|政府)?(?:錢|撥款|資金|經費|預算|資助|款項|投資)"
    r"|(?:撥款|撥|撥出|預留|投資|投放|注資|資助|預算|經費|資金|開支|成本|花費?|涉資)[了過]?(?:是|為|約|有)?(?:共|合共|總共)?(?:多少|幾何)"
    r"(?![間個名項所家位條隻件種次人座年月日天期輪批])"  # 資助了多少間實驗室 asks for a count
    # 預留多少土地 asks for land (a railway article's 12公頃), not money: refused as "no amount" (docs/history.md).
    r"(?!(?:土地|用地|地皮|面積|空間|樓面|公頃|平方|人手|名額|時間))"
    r"|(?:投資|撥款)額"
    # A price (房價, 票價, 收費, 人均消費): asked the average room rate, which the article does not give, the model
    # answered with the hotels' occupancy, 87% (session 27).
    r"|(?:價|價錢|價格|收費|費用|租金?|消費|薪酬|工資|人工)(?:是|為|約|有|達)?(?:多少|幾何)(?![個間名項所家位條隻件種次人座成])"
)
_MONEY_EN = re.compile(
    r"\bhow much (?:money|funding|cash|public money)\b"
    r"|\bhow much\b(?!.*\b(?:area|space|floor|land|capacity|power|computing|compute|data|time|longer)\b)"
    r".*\b(?:allocat\w*|set aside|earmark\w*|spen[dt]|invest\w*|cost\w*|fund\w*|budget\w*|grant\w*|inject\w*|"
    r"subsid\w*|reserv\w*|put in|provid\w*|pay|paid|give|given)\b"
    r"|\bwhat (?:is|was|will be|are|were) the (?:\w+ ){0,3}?(?:budget|investment|cost|funding|amount|price|fee|fare|"
    r"rent|room rate|spending)s?\b",
    re.IGNORECASE | re.DOTALL,
)


def _asks(question: str, lang: str, english: re.Pattern[str], chinese: re.Pattern[str]) -> bool:
    """An English question read as written; a Chinese one after language.for_matching (traditional, written words)."""
    if lang == "en":
        return bool(english.search(question))
    return bool(chinese.search(language.for_matching(question)))


# A bare figure before 時 or 點 is an hour of the day (截至昨晚8時), not a count: asked how many attended one hospital's
# A&E, which the article does not say, the sentence naming it (截至昨晚8時…伊利沙伯醫院…最長須等候8小時) passed as
# stating a count (session 30).
_HOUR = re.compile(r"\s*[時点點](?![間期段代])")
# 一 after 新, 另, 每, 同, 這 … is "a", "another", "each", not a count: 新一批可供申請的建築物 says how many of nothing.
_A_ONE = re.compile(r"[新另每同這这那某其單单逐]$")


def _states(answer: str, units: frozenset[str]) -> bool:
    """Whether the answer states a figure with one of these units."""
    return any(q.value is not None and q.unit in units
               and not (q.unit == "number" and _HOUR.match(answer, q.end))
               and not (q.text.startswith("一") and _A_ONE.search(answer[:q.start]))
               for q in numbers.find_quantities(answer))


# "By how much have costs gone up?" asks a change, which an article gives as often as a percentage (業界每月的
# 隧道費開支平均增加約8%) as in money: the right answer, "about 8%", was turned down as naming no amount (session 28).
_CHANGE_EN = re.compile(r"\bby how much\b|\bhow much (?:has|have|had|did|will|does|do|would)\b[^?]*?\b(?:rise|rose|"
                        r"risen|increased?|go up|gone up|went up|grow|grew|grown|fall|fell|fallen|drop|dropped|"
                        r"declined?|decreased?|changed?)\b(?=\s*(?:$|[?,.]|(?:by|in|since|from|over|last|this|"
                        r"after|compared|between|during|each|every|per|a year)\b))", re.IGNORECASE)


def asks_for_money(question: str, lang: str) -> bool:
    """Whether the question asks how much money (``lang``: the asker's language, ``rag.text.language``); not when
    it asks by how much an amount changed."""
    return _asks(question, lang, _MONEY_EN, _MONEY_ZH) and not (lang == "en" and _CHANGE_EN.search(question))


def states_money(answer: str, cited: list[str]) -> bool:
    """Whether the answer states an amount of money: with a currency, or as a passage it cites gives it."""
    found = numbers.find_quantities(answer)
    if any(q.unit in numbers.MONEY for q in found):
        return True
    amounts = [q for p in cited for q in numbers.find_quantities(p) if q.unit in numbers.MONEY]
    return any(numbers.same_quantity(q, a) for q in found if q.value is not None for a in amounts)


# "How many": 多少/幾 before a classifier (after for_matching, 幾多個 reads 多少個), not 第幾 (an ordinal), nor 哪幾
# (which). A rate asked (住用率是多少, 接種率為多少) is a share, which a percentage answers.
_RATE_ZH = r"率(?:是|為|有|達|約)?(?:多少|幾何)"
# A scale may come between (多少萬人); 幢, 棟, 張 … are classifiers too: asked 多少幢可供申請的歷史建築 (the
# article does not say), a quote saying only when the next batch opens was taken as an answer (session 30).
_COUNT_ZH = re.compile(r"(?<![第哪邊边])(?:多少|幾)(?:十|百|千|萬|億)?"
                       r"(?:個|間|名|項|所|家|位|條|隻|件|種|次|人|座|批|架|款|宗|層|成"
                       r"|幢|棟|張|份|部|輛|艘|隊|戶|套|本|篇|場|屆|組|類|班|棵|支|區|科|對)|" + _RATE_ZH)
_COUNT_EN = re.compile(r"\bhow many\b", re.IGNORECASE)


def asks_for_count(question: str, lang: str) -> bool:
    """Whether the question asks how many (of anything)."""
    return _asks(question, lang, _COUNT_EN, _COUNT_ZH)


#: What a count can be written as (16間, 近30個, 兩大: count; "four", a bare 30: number; 七成: percent), and so
#: not a span of time, an amount of money, an area, an ordinal or a date. Asked how many experts the team will
#: hire (the article does not say), the model gave up and the quoted sentence said 分3年推行, "over 3 years":
#: a figure, so it passed as a count (docs/history.md).
COUNT_UNITS = frozenset({"count", "number", "percent"})


# A share asked for (多少成, 佔多少, 百分比, "what percentage"): then 七成 answers "how many". Otherwise a
# percentage does not: asked how many people the police arrested (the article does not say), the model answered
# with the money the anti-fraud centre intercepted, "up 30%" (較2024年增加三成), and the 三成 passed it as a count
# (session 26).
_SHARE_ZH = re.compile(r"(?:多少|幾)成|百分|比例|比率|佔|" + _RATE_ZH)
_SHARE_EN = re.compile(r"\bper ?cent|percentage|\bshare\b|proportion|\bfraction\b|%", re.IGNORECASE)


def states_count(answer: str, share: bool = True) -> bool:
    """Whether the answer states a figure that can be a count; a percentage only if ``share`` (the question asks
    for one: ``asks_for_share``)."""
    return _states(answer, COUNT_UNITS if share else COUNT_UNITS - {"percent"})


def asks_for_share(question: str, lang: str) -> bool:
    """Whether the question asks what share or percentage, which a percentage answers."""
    return _asks(question, lang, _SHARE_EN, _SHARE_ZH)


# "How long": 多久 (幾耐 after for_matching), 多長時間, 多少年 / 幾年 / 多少個月 (not 幾年級, 多少年輕人, 多少日校考生:
# a count, once refused as "gives no span of time"), 需時多少; "how long",
# "over what period", "how many years".
_DURATION_ZH = re.compile(r"多久|多長(?:時間|時期)"
                          r"|(?:多少|幾)(?:個)?(?:營業|工作|曆|交易)?(?:年(?![級輕青長])|個?月|週|星期|天|日(?![校間報本期])"
                          r"|小時|鐘頭|分鐘)(?!前)"
                          r"|需時多少|為期多少")
_DURATION_EN = re.compile(r"\bhow long\b|\bover (?:what|which|how long a) (?:period|time|span)\b"
                          r"|\bhow many (?:(?:working|business|calendar|clear) )?"
                          r"(?:years|months|weeks|days|hours|minutes)\b"
                          r"|\bfor what period\b", re.IGNORECASE)
#: What a span of time is written as (1年至3年, 分3年, 不少於2年, 三個學年, 18個月, "over 3 years", 約15分鐘).
DURATION_UNITS = frozenset({"years", "months", "weeks", "days", "hours", "minutes", "seconds"})


def asks_for_duration(question: str, lang: str) -> bool:
    """Whether the question asks how long something takes or lasts (not when: that is a point in time)."""
    return _asks(question, lang, _DURATION_EN, _DURATION_ZH)


def states_duration(answer: str) -> bool:
    """Whether the answer states a span of time."""
    return _states(answer, DURATION_UNITS)


# "When" (幾時 → 何時 after for_matching, 什麼時候, 哪一年 …; "when will", "on what date"): asked when the Night
# Vibes events start (the article does not say), the model answered where they are held (session 27). What answers
# it is broad: a date, a year, a period (下半年, 年內), a time of day (9時), a word of time (短期內, 屆時, 之後: the
# centre's money is paid 成為國家製造業創新中心後, after it becomes one).
_WHEN_ZH = re.compile(r"何時|什麼時候|哪一?(?:年|天|日|個月)|何日|多少月|多少號|多少點")
_WHEN_EN = re.compile(r"^\W*(?:and |so |but )?when\b|\b(?:what|which) (?:date|day|year|month|time)\b"
                      r"|\bby when\b|\bhow soon\b", re.IGNORECASE)
_TIME_ZH = re.compile(r"\d\s*[時点點]|[一二三四五六七八九十兩]+[時点點]|短期|即時|後|前|起|期間|屆時|稍後|隨即|當日"
                      r"|現時|目前|今|明|昨|年|月|季|週|周|星期")
_TIME_EN = re.compile(r"\b(?:soon|after|before|once|until|later|following|during|now|currently|today|tomorrow"
                      r"|yesterday|this|next|last|early|late|end|beginning|mid|a\.m\.|p\.m\.|o'clock|noon|midnight"
                      r"|years?|months?|weeks?|days?|quarter|half|date|time|when|while|immediately|shortly)\b",
                      re.IGNORECASE)
TIME_UNITS = frozenset({"date", "year", "period", "academic_year"})


def asks_when(question: str, lang: str) -> bool:
    """Whether the question asks when (a point in time; ``asks_for_duration`` is how long)."""
    return _asks(question, lang, _WHEN_EN, _WHEN_ZH)


def states_time(answer: str) -> bool:
    """Whether the answer says anything of when: a dated figure or a word of time, in either language (an English
    asker's quote is Chinese: 凌晨2時20分)."""
    if any(q.unit in TIME_UNITS for q in numbers.find_quantities(answer)):
        return True
    return bool(_TIME_EN.search(answer) or _TIME_ZH.search(language.for_matching(answer)))


def asked_units(question: str, lang: str) -> frozenset[str]:
    """The units of a figure that would answer ``question`` (a date or period for "when", an amount of money for
    "how much", a count for "how many", a span for "how long"), or none when it asks for no figure: what
    ``extractive.ranked`` prefers in a quoted sentence."""
    if asks_for_duration(question, lang):
        return DURATION_UNITS
    units: frozenset[str] = frozenset()
    if asks_for_money(question, lang):
        units |= frozenset(numbers.MONEY)
    if asks_for_count(question, lang):
        units |= COUNT_UNITS if asks_for_share(question, lang) else COUNT_UNITS - {"percent"}
    if asks_when(question, lang):
        units |= TIME_UNITS
    return units


NO_AMOUNT = "the question asks how much money, and the answer gives no amount from the passages it cites"
NO_COUNT = "the question asks how many, and the answer gives no count"
NO_DURATION = "the question asks how long, and the answer gives no span of time"
NO_TIME = "the question asks when, and the answer says nothing of when"
NO_YEAR = "the question asks of one year, and the answer speaks of another"


def missing(question: str, lang: str, answer: str, cited: list[str]) -> str | None:
    """What the answer lacks of what the question asked for (``NO_AMOUNT``, ``NO_COUNT``, ``NO_DURATION``,
    ``NO_TIME``, ``NO_YEAR``), or None.

    A question that asks how long is not held to a count as well: "how many years" is answered by 3年.
    """
    if asks_for_money(question, lang) and not states_money(answer, cited):
        return NO_AMOUNT
    duration = asks_for_duration(question, lang)
    if duration and not states_duration(answer):
        return NO_DURATION
    if not duration:  # a span of time asked is not held to a count or a point of time; it is to the year asked
        if asks_for_count(question, lang) and not states_count(answer, asks_for_share(question, lang)):
            return NO_COUNT
        if asks_when(question, lang) and not states_time(answer):
            return NO_TIME
    if other := other_year(question, answer):
        return f"{NO_YEAR}: {other}"
    return None


# Years named by where they stand from the article's (its 前年, the year before last), each with its written Chinese,
# Cantonese and English forms, after for_matching (traditional, lower case). Not inside other words: 目前年滿,
# 以前年輕, 提前年底, 以上年齡, 證明年齡 and 日後年青 name no year.
_RELATIVE_YEARS = (("前年", re.compile(r"(?<![目以之提從此眼空當])前年|\byear before last\b")),
                   ("去年", re.compile(r"去年|舊年|(?<![以之])上年(?![齡紀])|(?<!before )\blast year\b")),
                   ("今年", re.compile(r"今年|本年(?!度)|\bthis year\b")),
                   ("明年", re.compile(r"(?<![證說表聲透發光簡分])明年|\bnext year\b")),
                   ("後年", re.compile(r"(?<![日之以其最然此今往])後年|\byear after next\b")))
# A year the question compares with (與去年相比, "compared with last year"): the answer may speak of the other one.
_COMPARED = re.compile(r"相比|比較|較|\bcompared\b|\bthan\b|\bover\b|\bfrom\b|\bsince\b")


def relative_years(text: str) -> set[str]:
    """The years ``text`` names by where they stand from the article's: 前年, 去年, 今年, 明年, 後年."""
    return set(relative_periods(text, _RELATIVE_YEARS))


# Seasons named by where they stand from the article's (a flu season, a sports season): 去季同期 "the same time
# last season".
_RELATIVE_SEASONS = (("去季", re.compile(r"去季|上季|上一季|\b(?:last|previous) season\b")),
                     ("今季", re.compile(r"今季|本季|\bthis season\b")))
#: Each family of relative periods, by the first of its members: years and seasons.
PERIOD_FAMILIES = (_RELATIVE_YEARS, _RELATIVE_SEASONS)


def relative_periods(text: str, family: tuple = _RELATIVE_YEARS) -> list[str]:
    """The periods of one family (``PERIOD_FAMILIES``) ``text`` names, first named first: 今季 then 去季 for
    今季…較去季同期."""
    said = language.for_matching(text)
    found = [(m.start(), period) for period, pattern in family if (m := pattern.search(said))]
    return [period for _, period in sorted(found)]


def period_asked(question: str) -> tuple[str, tuple]:
    """The one relative period a question asks of (去季同期…的接種率), with its family; ("", ()) when it names
    none, two of one family, or compares with one (與去年相比)."""
    if _COMPARED.search(language.for_matching(question)):
        return "", ()
    for family in PERIOD_FAMILIES:
        named = relative_periods(question, family)
        if len(named) == 1:
            return named[0], family
    return "", ()


def other_year(question: str, answer: str) -> str:
    """The relative years an answer names when the question asks of another and the answer never names it
    ("去年 for 前年"); "" otherwise, and when the question compares with a year (與去年相比, "than last year").

    Asked 前年有多少名长者使用过长者医疗券？ of an article giving only last year's figure, the model answered
    去年约172万名合资格长者曾使用医疗券 (session 28): the figure is in its passage, so the figures check passes it.
    """
    asked, said = relative_years(question), relative_years(answer)
    if not asked or not said or asked & said or _COMPARED.search(language.for_matching(question)):
        return ""
    return f"{'、'.join(sorted(said))} for {'、'.join(sorted(asked))}"


# Who wrote or reported the story (after for_matching: traditional, lower case).
_AUTHOR = re.compile(r"記者|撰|作者|執筆|採訪|報道.{0,4}(?:是|由)"
                     r"|reporter|journalist|\bwr(?:o|i)te|\bwritten|author|byline")


def asks_for_author(question: str) -> bool:
    """Whether the question asks who wrote or reported the story: the one thing a byline answers."""
    return bool(_AUTHOR.search(language.for_matching(question)))
