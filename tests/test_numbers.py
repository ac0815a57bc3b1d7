"""rag.text.numbers: every figure of the article found and valued, English renderings, the figure check
(``unsupported``); the rest of the grounding check is in test_ground.py."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.text.numbers import (
    Quantity,
    english_glosses,
    find_quantities,
    in_hong_kong_dollars,
    rescaled,
    same_quantity,
    to_english,
    unsupported,
    without_unstated_years,
)

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"

# --------------------------------------------------------------------------------------------------------
# The article, read line by line: every figure it states, in order, with its value (text, value, unit,
# qualifier, key, high).  昨日, 短期內 and 中長期 are not figures; 十五五 and 6G are names;
# 一份/一項 are "one".

ARTICLE_FIGURES: list[tuple[str, float | None, str, str, str, float | None]] = [
    ("今年", None, "period", "", "this_year", None),  # 人工智能研發院今年運作 (headline)
    ("5000萬", 5e7, "number", "", "", None),  # 撥款5000萬挺全民AI培訓 (headline, no 元)
    ("今年", None, "period", "", "this_year", None),  # 今年是國家「十五五」規劃的開局之年
    ("一份", 1, "count", "", "", None),  # 最新一份財政預算案
    ("一項", 1, "count", "", "", None),  # 其中一項重要舉措
    ("下半年", None, "period", "", "H2", None),  # 研發院將於下半年投入運作
    ("5,000萬元", 5e7, "HKD", "", "", None),  # 撥款5,000萬元支持全民AI培訓
    ("5,000萬元", 5e7, "HKD", "", "", None),  # caption
    ("兩大", 2, "count", "", "", None),  # 生命健康及具身智能兩大方向
    ("今年內", None, "period", "", "this_year", None),  # 委員會預計可在今年內成立
    ("16間", 16, "count", "", "", None),  # 累計資助16間…實驗室
    ("30億元", 3e9, "HKD", "", "", None),  # 30億元人工智能資助計劃
    ("近30個", 30, "count", "nearly", "", None),  # 批出近30個…項目
    ("25萬平方米", 2.5e5, "m2", "", "", None),  # 25萬平方米樓面面積
    ("下半年", None, "period", "", "H2", None),  # 研發院將於下半年投入運作
    ("第二期", 2, "ordinal", "", "phase", None),  # 第二期沙盒測試
    ("5,000萬元", 5e7, "HKD", "", "", None),  # 當局將撥款5,000萬元邀請…
    ("2025/26", 2025, "academic_year", "", "2025/26", None),  # 自2025/26起
    ("三個學年", 3, "years", "", "academic", None),  # 的三個學年
    ("27個", 27, "count", "", "", None),  # 新增共27個…學士學位課程
    ("2027/28學年", 2027, "academic_year", "", "2027/28", None),  # 由2027/28學年起
    ("20億元", 2e9, "HKD", "", "", None),  # 優質教育基金已預留20億元
    ("約5億元", 5e8, "HKD", "about", "", None),  # 約5億元會用於「『智』啟學教」
    ("一筆過", 1, "count", "", "one_off", None),  # 一筆過50萬元撥款
    ("50萬元", 5e5, "HKD", "", "", None),
    ("15億元", 1.5e9, "HKD", "", "", None),  # 餘下15億元
    ("今年", None, "period", "", "this_year", None),  # 教育局預計今年公布藍圖
    ("100億", 1e10, "number", "", "", None),  # 100億創科引導基金 (headline, no 元)
    ("年內", None, "period", "", "this_year", None),  # …爭取年內運作
    ("100億元", 1e10, "HKD", "", "", None),  # 推出100億元創科產業引導基金
    ("年內", None, "period", "", "this_year", None),  # 基金可於年內開始運作
    ("三大", 3, "count", "", "", None),  # 三大園區
    ("超過130間", 130, "count", "over", "", None),  # 合共有超過130間…初創企業
    ("兩間", 2, "count", "", "", None),  # 兩間與量子科技相關的全國重點實驗室
    ("1億元", 1e8, "HKD", "", "", None),  # 建議撥款1億元
    ("3年", 3, "years", "", "", None),  # 撥款將分3年推行
    ("首階段", 1, "ordinal", "", "stage", None),  # 首階段將引入AI專家
    ("年內", None, "period", "", "this_year", None),  # 土木工程拓展署於年內
    ("下月", None, "period", "", "next_month", None),  # 下月更將推出
    ("第三季", None, "period", "", "Q3", None),  # 預計第三季加入自然語言查詢功能
    ("5,000萬元", 5e7, "HKD", "", "", None),  # box: 撥款5,000萬元邀請…
    ("八大", 8, "count", "", "", None),  # box: 八大學年起 (sic)
    ("27個", 27, "count", "", "", None),  # box: 新增27個STEAM相關學士課程
    ("1億元", 1e8, "HKD", "", "", None),  # box: 撥款1億元
    ("年內", None, "period", "", "this_year", None),  # box: 年內推出新型工業菁英企業培育計劃
    ("約2.2億元", 2.2e8, "HKD", "about", "", None),  # box: 預留約2.2億元
    ("首個", 1, "ordinal", "", "", None),  # box: 首個境外的國家製造業創新中心
    ("明年", None, "period", "", "next_year", None),  # box: 明年成立國際臨床試驗學院
    ("約2.2億元", 2.2e8, "HKD", "about", "", None),  # 財政預算案提出預留約2.2億元
    ("首個", 1, "ordinal", "", "", None),
    ("今年內", None, "period", "", "this_year", None),  # 預計可於今年內啟動
    ("1年至3年", 1, "years", "", "", 3),  # 預計需時1年至3年
    ("33間", 33, "count", "", "", None),  # 33間國家級製造業創新中心
    ("首個", 1, "ordinal", "", "", None),  # 首個境外國家製造業創新中心有三大目標
    ("三大", 3, "count", "", "", None),
    ("第三代", 3, "ordinal", "", "generation", None),  # 第三代半導體芯片
    ("年內", None, "period", "", "this_year", None),  # 將於年內投入運作
    ("超過120條", 120, "count", "over", "", None),  # 超過120條新智能生產線
    ("超過10億元", 1e9, "HKD", "over", "", None),  # 超過10億元私人投資
    ("四個", 4, "count", "", "", None),  # 已支持四個項目
    ("約25億元", 2.5e9, "HKD", "about", "", None),  # 總投資約25億元
    ("逾七成", 70, "percent", "over", "", None),  # 其中逾七成為私人投資
    ("年內", None, "period", "", "this_year", None),  # 政府將於年內推出…
    ("不少於2年", 2, "years", "at_least", "", None),  # 實際營運不少於2年
    ("2.2億元", 2.2e8, "HKD", "", "", None),  # closing headline
    ("首個", 1, "ordinal", "", "", None),
]


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def _row(q: Quantity) -> tuple[str, float | None, str, str, str, float | None]:
    return (q.text, q.value, q.unit, q.qualifier, q.key, q.high)


def test_every_figure_of_the_article_in_order(article):
    found = [_row(q) for q in find_quantities(article)]
    assert found == ARTICLE_FIGURES


def test_offsets_point_at_the_written_form(article):
    for q in find_quantities(article):
        assert article[q.start : q.end] == q.text


def test_article_names_are_not_figures(article):
    """No figure overlaps a name or word of the article that merely looks numeric."""
    found = find_quantities(article)
    for name in (
        "十五五",
        "6G",
        "RISC-V",
        "AI+",
        "昨日",
        "短期內",
        "中長期",
        "進一步",
        "一方面",
        "中小學",
        "新一代",
    ):
        start = article.find(name)
        assert start >= 0, name
        while start >= 0:
            end = start + len(name)
            assert not [q.text for q in found if q.start < end and start < q.end], name
            start = article.find(name, end)


# --------------------------------------------------------------------------------------------------------
# One figure per text: (text, value, unit, qualifier, key, high, English rendering)

CASES: list[tuple[str, float | None, str, str, str, float | None, str]] = [
    # Chinese, Arabic digits
    ("撥款5,000萬元", 5e7, "HKD", "", "", None, "HK$50 million"),
    ("5000萬", 5e7, "number", "", "", None, "50 million"),
    ("2.2億元", 2.2e8, "HKD", "", "", None, "HK$220 million"),
    ("約2.2億元", 2.2e8, "HKD", "about", "", None, "about HK$220 million"),
    ("大約2.2億元", 2.2e8, "HKD", "about", "", None, "about HK$220 million"),
    ("100億元", 1e10, "HKD", "", "", None, "HK$10 billion"),
    ("100億", 1e10, "number", "", "", None, "10 billion"),
    ("1億元", 1e8, "HKD", "", "", None, "HK$100 million"),
    ("50萬元", 5e5, "HKD", "", "", None, "HK$500,000"),
    ("15億元", 1.5e9, "HKD", "", "", None, "HK$1.5 billion"),
    ("30億元", 3e9, "HKD", "", "", None, "HK$3 billion"),
    ("25萬平方米", 2.5e5, "m2", "", "", None, "250,000 square metres"),
    ("16間", 16, "count", "", "", None, "16"),
    ("27個", 27, "count", "", "", None, "27"),
    ("近30個", 30, "count", "nearly", "", None, "nearly 30"),
    ("超過130間", 130, "count", "over", "", None, "over 130"),
    ("超過120條", 120, "count", "over", "", None, "over 120"),
    ("超過10億元", 1e9, "HKD", "over", "", None, "over HK$1 billion"),
    ("約25億元", 2.5e9, "HKD", "about", "", None, "about HK$2.5 billion"),
    ("不少於2年", 2, "years", "at_least", "", None, "at least 2 years"),
    ("1年至3年", 1, "years", "", "", 3, "1 to 3 years"),
    ("1至3年", 1, "years", "", "", 3, "1 to 3 years"),
    ("1至3億元", 1e8, "HKD", "", "", 3e8, "HK$100 million to HK$300 million"),
    ("2025/26", 2025, "academic_year", "", "2025/26", None, "2025/26"),
    ("2027/28學年", 2027, "academic_year", "", "2027/28", None, "the 2027/28 academic year"),
    ("第二期", 2, "ordinal", "", "phase", None, "second phase"),
    ("第三代", 3, "ordinal", "", "generation", None, "third-generation"),
    ("33間", 33, "count", "", "", None, "33"),
    ("十八區", 18, "count", "", "", None, "18"),  # an answer's 十八區, copied from the worked examples
    ("130多間", 130, "count", "over", "", None, "over 130"),
    ("130間以上", 130, "count", "over", "", None, "over 130"),
    ("1億5,000萬元", 1.5e8, "HKD", "", "", None, "HK$150 million"),
    ("港幣5,000萬", 5e7, "HKD", "", "", None, "HK$50 million"),
    ("70%", 70, "percent", "", "", None, "70%"),
    ("５０００萬元", 5e7, "HKD", "", "", None, "HK$50 million"),  # full-width digits
    ("2025年", 2025, "year", "", "", None, "2025"),
    ("3月5日", None, "date", "", "03-05", None, "5 March"),
    # Chinese numerals
    ("五千萬", 5e7, "number", "", "", None, "50 million"),
    ("兩億二千萬元", 2.2e8, "HKD", "", "", None, "HK$220 million"),
    ("三個學年", 3, "years", "", "academic", None, "three academic years"),
    ("兩間", 2, "count", "", "", None, "two"),
    ("三大", 3, "count", "", "", None, "three"),
    ("四個", 4, "count", "", "", None, "four"),
    ("七成", 70, "percent", "", "", None, "70%"),
    ("逾七成", 70, "percent", "over", "", None, "over 70%"),
    ("百分之七十", 70, "percent", "", "", None, "70%"),
    ("一百三十間", 130, "count", "", "", None, "130"),
    ("二十億元", 2e9, "HKD", "", "", None, "HK$2 billion"),
    ("廿七個", 27, "count", "", "", None, "27"),
    ("二〇二五年", 2025, "year", "", "", None, "2025"),
    ("一筆過", 1, "count", "", "one_off", None, "a one-off (lump-sum)"),
    ("二點二億", 2.2e8, "number", "", "", None, "220 million"),
    ("一點五億元", 1.5e8, "HKD", "", "", None, "HK$150 million"),
    ("三千五", 3500, "number", "", "", None, "3,500"),
    ("首個", 1, "ordinal", "", "", None, "first"),
    # Periods
    ("下半年", None, "period", "", "H2", None, "the second half of the year"),
    ("上半年", None, "period", "", "H1", None, "the first half of the year"),
    ("第三季", None, "period", "", "Q3", None, "the third quarter"),
    ("年內", None, "period", "", "this_year", None, "within the year"),
    ("今年", None, "period", "", "this_year", None, "this year"),
    ("明年", None, "period", "", "next_year", None, "next year"),
    ("下月", None, "period", "", "next_month", None, "next month"),
    ("今年下半年", None, "period", "", "H2", None, "the second half of the year"),
    # Simplified
    ("约2.2亿元", 2.2e8, "HKD", "about", "", None, "about HK$220 million"),
    ("5,000万元", 5e7, "HKD", "", "", None, "HK$50 million"),
    ("25万平方米", 2.5e5, "m2", "", "", None, "250,000 square metres"),
    ("超过130间", 130, "count", "over", "", None, "over 130"),
    ("不少于2年", 2, "years", "at_least", "", None, "at least 2 years"),
    ("年内", None, "period", "", "this_year", None, "within the year"),
    # Cantonese
    ("五千萬蚊", 5e7, "HKD", "", "", None, "HK$50 million"),
    ("出年", None, "period", "", "next_year", None, "next year"),
    ("2億2", 2.2e8, "number", "", "", None, "220 million"),  # Cantonese shorthand for 2.2億
    ("1億5", 1.5e8, "number", "", "", None, "150 million"),
    ("一億五", 1.5e8, "number", "", "", None, "150 million"),
    ("第3季", None, "period", "", "Q3", None, "the third quarter"),
    # English
    ("HK$50 million", 5e7, "HKD", "", "", None, "HK$50 million"),
    ("$220 million", 2.2e8, "HKD", "", "", None, "HK$220 million"),
    ("about HK$220 million", 2.2e8, "HKD", "about", "", None, "about HK$220 million"),
    ("HK$1.5bn", 1.5e9, "HKD", "", "", None, "HK$1.5 billion"),
    ("HK$50m", 5e7, "HKD", "", "", None, "HK$50 million"),
    ("HK$500,000", 5e5, "HKD", "", "", None, "HK$500,000"),
    ("50 million Hong Kong dollars", 5e7, "HKD", "", "", None, "HK$50 million"),
    ("50 million", 5e7, "number", "", "", None, "50 million"),
    ("1.5 billion", 1.5e9, "number", "", "", None, "1.5 billion"),
    ("250,000 square metres", 2.5e5, "m2", "", "", None, "250,000 square metres"),
    ("250,000 sq m", 2.5e5, "m2", "", "", None, "250,000 square metres"),
    ("250 000 square metres", 2.5e5, "m2", "", "", None, "250,000 square metres"),
    ("a hundred and thirty", 130, "number", "", "", None, "130"),
    ("RMB 50 million", 5e7, "CNY", "", "", None, "RMB 50 million"),
    ("5,000 million yuan", 5e9, "CNY", "", "", None, "RMB 5 billion"),
    ("US$50 million", 5e7, "USD", "", "", None, "US$50 million"),
    ("70%", 70, "percent", "", "", None, "70%"),
    ("over 70 per cent", 70, "percent", "over", "", None, "over 70%"),
    ("more than 130", 130, "number", "over", "", None, "over 130"),
    ("nearly 30", 30, "number", "nearly", "", None, "nearly 30"),
    ("at least two years", 2, "years", "at_least", "", None, "at least 2 years"),
    ("not less than 2 years", 2, "years", "at_least", "", None, "at least 2 years"),
    ("1 to 3 years", 1, "years", "", "", 3, "1 to 3 years"),
    ("one to three years", 1, "years", "", "", 3, "1 to 3 years"),
    ("1-3 years", 1, "years", "", "", 3, "1 to 3 years"),
    ("twenty-seven", 27, "number", "", "", None, "27"),
    ("the second half of the year", None, "period", "", "H2", None, "the second half of the year"),
    ("third quarter", None, "period", "", "Q3", None, "the third quarter"),
    ("Q3", None, "period", "", "Q3", None, "the third quarter"),
    ("within the year", None, "period", "", "this_year", None, "within the year"),
    ("later this year", None, "period", "", "this_year", None, "this year"),
    ("next year", None, "period", "", "next_year", None, "next year"),
    ("2027/28", 2027, "academic_year", "", "2027/28", None, "2027/28"),
    ("2025-26 school year", 2025, "academic_year", "", "2025/26", None, "the 2025/26 academic year"),
    ("in 2023", 2023, "year", "", "", None, "2023"),
    ("second phase", 2, "ordinal", "", "phase", None, "second phase"),
    ("Phase 2", 2, "ordinal", "", "phase", None, "second phase"),
    ("third-generation", 3, "ordinal", "", "generation", None, "third-generation"),
    ("February 25, 2026", 2026, "date", "", "02-25", None, "25 February 2026"),
    ("下月15日", None, "date", "", "next_month-15", None, "the 15th of next month"),
    ("本月二十一號", None, "date", "", "this_month-21", None, "the 21st of this month"),
    ("the 2nd of next month", None, "date", "", "next_month-02", None, "the 2nd of next month"),
    ("next month on the 3rd", None, "date", "", "next_month-03", None, "the 3rd of next month"),
    # A railway article's lengths, land, journey times and passenger trips (session 21).
    ("約10.7公里", 10.7, "km", "about", "", None, "about 10.7 km"),
    ("10.7 kilometres", 10.7, "km", "", "", None, "10.7 km"),
    ("約12公頃", 12, "ha", "about", "", None, "about 12 hectares"),
    ("28 hectares", 28, "ha", "", "", None, "28 hectares"),
    ("約15分鐘", 15, "minutes", "about", "", None, "about 15 minutes"),
    ("15 mins", 15, "minutes", "", "", None, "15 minutes"),
    ("1.5小時", 1.5, "hours", "", "", None, "1.5 hours"),
    ("one hour", 1, "hours", "", "", None, "1 hour"),
    ("20萬人次", 200000, "count", "", "", None, "200,000"),
]


@pytest.mark.parametrize("text,value,unit,qualifier,key,high,english", CASES, ids=[c[0] for c in CASES])
def test_one_figure(text, value, unit, qualifier, key, high, english):
    found = find_quantities(text)
    assert len(found) == 1, found
    q = found[0]
    assert (q.unit, q.qualifier, q.key, q.high) == (unit, qualifier, key, high)
    assert q.value == (pytest.approx(value) if value is not None else None)
    assert to_english(q) == english
    assert text[q.start : q.end] == q.text


def test_there_are_enough_cases():
    assert len(CASES) + len(ARTICLE_FIGURES) >= 60
    assert len(CASES) >= 60


# --------------------------------------------------------------------------------------------------------
# Not figures: names, markers, words made of numeral characters.

NOT_FIGURES = [
    "十五五",
    "國家「十五五」規劃",
    "十五五規劃",
    "第十五個五年規劃",
    "the 15th Five-Year Plan",
    "the Fifteenth Five-Year Plan",
    "6G",
    "未來6G應用",
    "5G network",
    "RISC-V",
    "AI+",
    "「AI+」",
    "STEAM",
    "InnoHK",
    "COVID-19",
    "Qwen2.5",
    "[1]",
    "[1][2]",
    "[1, 2]",
    "【3】",
    "[Passage 2]",
    "according to passage 2",
    "Sources 1 and 3",
    "根據第2段",
    "段落3",
    "1. The committee",
    "進一步",
    "另一方面",
    "中小學",
    "統一",
    "一些",
    "九龍",
    "一國兩制",
    "三年級",
    "成立",
    "one of the measures",
    "a one-off grant",
    "someone often",
    "the 21st century",
    "",
]


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_not_a_figure(text):
    assert find_quantities(text) == []


def test_citations_do_not_hide_neighbouring_figures():
    found = find_quantities("HK$50 million [1] and 16 laboratories [2].")
    assert [q.text for q in found] == ["HK$50 million", "16"]


# --------------------------------------------------------------------------------------------------------
# Both ways: the Chinese figure and its English rendering are the same quantity, and vice versa.

PAIRS = [
    ("5,000萬元", "HK$50 million"),
    ("5,000萬元", "50 million"),
    ("5,000萬元", "HK$50,000,000"),
    ("五千萬", "HK$50 million"),
    ("5000萬", "HK$50 million"),
    ("2.2億元", "HK$220 million"),
    ("約2.2億元", "HK$0.22 billion"),
    ("100億元", "HK$10 billion"),
    ("100億", "HK$10,000 million"),
    ("1億元", "HK$100 million"),
    ("50萬元", "HK$0.5 million"),
    ("15億元", "HK$1.5 billion"),
    ("25萬平方米", "250,000 square metres"),
    ("逾七成", "more than 70%"),
    ("七成", "70 per cent"),
    ("下半年", "the second half of the year"),
    ("今年下半年", "later in the second half of this year"),
    ("第三季", "Q3"),
    ("年內", "this year"),
    ("今年內", "by the end of the year"),
    ("明年", "next year"),
    ("下月", "next month"),
    ("超過130間", "over 130"),
    ("兩間", "two"),
    ("四個", "4"),
    ("三個學年", "three academic years"),
    ("1年至3年", "one to three years"),
    ("不少於2年", "2 years"),
    ("2025/26", "2025/26"),
    ("2025/26", "2025-26"),
    ("2027/28學年", "the 2027/28 school year"),
    ("第二期", "second phase"),
    ("第二期", "phase two"),
    ("第三代", "third-generation"),
    ("2025年", "2025"),
    ("下月15日", "the 15th of next month"),
]


@pytest.mark.parametrize("chinese,english", PAIRS, ids=[f"{c}={e}" for c, e in PAIRS])
def test_same_quantity_both_ways(chinese, english):
    (a,) = find_quantities(chinese)
    (b,) = find_quantities(english)
    assert same_quantity(a, b) and same_quantity(b, a)
    (back,) = find_quantities(to_english(a))
    assert same_quantity(a, back), (to_english(a), back)


DIFFERENT = [
    ("5,000萬元", "HK$60 million"),
    ("5,000萬元", "5,000 million yuan"),  # the model's mistranslation: wrong value, wrong currency
    ("5,000萬元", "HK$5,000 million"),
    ("5,000萬元", "RMB 50 million"),
    ("25萬平方米", "25,000 square meters"),
    ("2.2億元", "HK$2.2 billion"),
    ("下半年", "the first half of the year"),
    ("下半年", "next year"),
    ("第三季", "fourth quarter"),
    ("年內", "next year"),
    ("逾七成", "5%"),
    ("1年至3年", "1 to 5 years"),
    ("2025/26", "2023"),
    ("第二期", "third phase"),
    ("2025年", "2023"),
    ("16間", "16 square metres"),
]


@pytest.mark.parametrize("a_text,b_text", DIFFERENT, ids=[f"{a}≠{b}" for a, b in DIFFERENT])
def test_different_quantities(a_text, b_text):
    (a,) = find_quantities(a_text)
    (b,) = find_quantities(b_text)
    assert not same_quantity(a, b) and not same_quantity(b, a)


# --------------------------------------------------------------------------------------------------------
# The figure check: figures an answer states that its passages do not hold.

P_INSTITUTE = (
    "當中香港人工智能研發院將於下半年投入運作，以支持AI項目研發及成果轉化；撥款5,000萬元支持全民AI培訓"
)
P_CENTRE = "財政預算案提出預留約2.2億元，在港建設首個境外的國家製造業創新中心。預計需時1年至3年。"
P_SANDBOX = "另一方面，香港金融管理局與數碼港剛開展第二期沙盒測試，探索「以AI對抗AI」。"
P_PLAN = "今年是國家「十五五」規劃的開局之年，其中一項重要舉措就是要大力推動「AI+」。"
P_6G = "政府會積極擴展通訊基建，簡化牌照制度，推動未來6G應用。"
P_MFG = "新型工業加速計劃至今已支持四個項目，涉及總投資約25億元，其中逾七成為私人投資。"


@pytest.mark.parametrize(
    "answer,passages",
    [
        ("The institute will start operating in the second half of the year [1].", [P_INSTITUTE]),
        ("HK$50 million will fund AI training for all [1].", [P_INSTITUTE]),
        ("撥款五千萬元支持全民AI培訓。", [P_INSTITUTE]),
        ("研發院將於今年下半年投入運作 [1]。", [P_INSTITUTE]),
        ("About HK$220 million is reserved [1]; approval takes one to three years [1].", [P_CENTRE]),
        ("It is the first overseas national manufacturing innovation centre [1].", [P_CENTRE]),
        ("The HKMA and Cyberport launched the second phase of the sandbox [1].", [P_SANDBOX]),
        ("This year is the first year of the 15th Five-Year Plan, which promotes AI+ [1].", [P_PLAN]),
        ("The government will promote future 6G applications [1].", [P_6G]),
        ("Four projects, about HK$2.5 billion in total, over 70% private [1][2].", [P_MFG]),
        ("Over seventy per cent was private investment.", [P_MFG]),
        ("No figures at all.", []),
        ("The money (HK$50 million) [2] comes from the budget.", ["無關段落", P_INSTITUTE]),
        ("The first event is held next month [1].", ["首場大型活動為下月15日舉行的七人欖球賽。"]),
        ("The allowance rises in July [1].", ["綜援長生津7月起上調"]),  # a month without its day
        ("It took effect on 1 May 2025 [1].", ["取消強積金對沖安排自2025年5月1日實施"]),
        ("It will be launched on 1 May this year [1].", ["環保署將於今年5月1日推出「充電共享資助計劃」"]),
        ("About 41,000 households benefited [1].", ["在職家庭津貼計劃去年共惠及約4.1萬個住戶"]),
        ("About 390 million trips were made [1].", ["去年共錄得約3.9億人次使用"]),
        ("Five subjects and 2 previous years [1].", ["考生須應考五科，與過去2年相同。"]),
    ],
)
def test_correct_answers_pass(answer, passages):
    assert unsupported(answer, passages) == []


@pytest.mark.parametrize(
    "answer,passages,bad",
    [
        ("It will start in the second half of 2023 [1].", [P_INSTITUTE], ["2023"]),
        ("About 5% of the budget [1].", [P_INSTITUTE], ["About 5%"]),
        ("HK$60 million will fund AI training [1].", [P_INSTITUTE], ["HK$60 million"]),
        ("5,000 million yuan will fund AI training.", [P_INSTITUTE], ["5,000 million yuan"]),
        ("The institute opens next year.", [P_INSTITUTE], ["next year"]),
        ("It opens in the first half of the year.", [P_INSTITUTE], ["the first half of the year"]),
        ("HK$2.2 billion is reserved.", [P_CENTRE], ["HK$2.2 billion"]),
        ("Approval takes 2 to 5 years.", [P_CENTRE], ["2 to 5 years"]),
        ("The third phase of the sandbox.", [P_SANDBOX], ["third phase"]),
        ("研發院將於2026年運作，撥款6,000萬元。", [P_INSTITUTE], ["2026年", "6,000萬元"]),
        ("Five projects were supported.", [P_MFG], ["Five"]),
        ("The budget was announced on February 25, 2026.", [P_PLAN], ["February 25, 2026"]),
        ("HK$50 million [1]", [], ["HK$50 million"]),
        # A day the article never gives: it says only 下月 (the bundled model's answer on the second test article).
        ("It will be held on the 2nd of next month [1].", ["首場大型活動為下月舉行的七人欖球賽。"],
         ["the 2nd of next month"]),
        ("It will be held on the 16th of next month.", ["首場大型活動為下月15日舉行。"], ["the 16th of next month"]),
        # A day the passage never gives: it says only 7月 (the bundled model's answer on the eighth test article).
        ("It was abolished [2] on July 7, 2025.", ["綜援長生津7月起上調 取消強積金對沖滿一年"], ["July 7, 2025"]),
        # A year the passage never gives: it says only 今年 (the bundled model's answer on the twelfth test article).
        ("It will be launched in May 2023 [1].", ["環保署將於今年5月1日推出「充電共享資助計劃」"], ["May 2023"]),
        # A count stated with a passage's amount of money (the same article): households are no dollars.
        ("4,195 households benefited [1].", ["長者生活津貼每月金額由4,195元增至4,283元"], ["4,195"]),
    ],
)
def test_invented_figures_are_caught(answer, passages, bad):
    assert [q.text for q in unsupported(answer, passages)] == bad


P_TOTAL = ["撥款5,000萬元支持全民AI培訓", "最新的財政預算案建議撥款1億元，加速政府數智化轉型"]


def test_sums_only_when_asked():
    """A "how much in total" answer states a sum no passage prints; accepted only with sums=True."""
    for answer in ("合共1.5億元", "加埋一共1億5", "HK$150 million in total"):
        assert [q.text for q in unsupported(answer, P_TOTAL)] != []
        assert unsupported(answer, P_TOTAL, sums=True) == []
    assert unsupported("HK$160 million in total", P_TOTAL, sums=True) != []


def test_calendar_years_of_relative_periods_only_with_a_reference_year():
    assert [q.text for q in unsupported("It opens in 2026.", [P_INSTITUTE])] == ["2026"]
    assert unsupported("It opens in the second half of 2026.", [P_INSTITUTE], this_year=2026) == []
    assert unsupported("It opens in 2027.", [P_INSTITUTE], this_year=2026) != []
    assert unsupported("The academy opens in 2027.", ["明年成立國際臨床試驗學院"], this_year=2026) == []


def test_whole_article_supports_a_faithful_english_summary(article):
    summary = " ".join(
        [
            "The Financial Secretary will chair the AI+ and Industry Development Strategy Committee,",
            "set up within the year.",
            "The Hong Kong AI R&D Institute starts in the second half of the year.",
            "HK$50 million funds AI training.",
            "InnoHK funds 16 labs;",
            "the HK$3 billion AI Subsidy Scheme approved nearly 30 projects.",
            "Sandy Ridge offers 250,000 square metres.",
            "The HKMA and Cyberport began the second phase of the sandbox.",
            "27 STEAM-related programmes over three academic years from 2025/26;",
            "from the 2027/28 academic year AI courses get priority.",
            "The QEF reserved HK$2 billion, about HK$500 million of it for schools",
            "receiving a one-off HK$500,000 each;",
            "the remaining HK$1.5 billion follows the blueprint this year.",
            "The HK$10 billion I&T Industry-Oriented Fund should operate this year.",
            "Over 130 start-ups in three parks;",
            "two State Key Laboratories.",
            "HK$100 million over 3 years.",
            "The platform launches next month and gains natural language queries in the third quarter.",
            "About HK$220 million for the first overseas national manufacturing innovation centre,",
            "approval in 1 to 3 years;",
            "there are 33 such centres.",
            "Over 120 production lines and over HK$1 billion of private investment;",
            "four projects worth about HK$2.5 billion, over 70% private.",
            "Firms must operate for at least 2 years.",
            "The clinical trials academy opens next year.",
        ]
    )
    assert unsupported(summary, [article]) == []


# --------------------------------------------------------------------------------------------------------
# English glosses for the evidence an English question sees.


def test_glosses_put_english_after_chinese_figures():
    text = "撥款5,000萬元支持全民AI培訓，預留約2.2億元，於下半年投入運作，其中逾七成為私人投資。"
    glossed = english_glosses(text)
    assert "撥款5,000萬元 [= HK$50 million]支持" in glossed
    assert "約2.2億元 [= about HK$220 million]" in glossed
    assert "下半年 [= the second half of the year]" in glossed
    assert "逾七成 [= over 70%]" in glossed
    assert glossed.replace(" [= HK$50 million]", "").count("[=") == 3


def test_a_historic_buildings_grade_is_glossed_as_hong_kong_writes_it():
    """二級歷史建築 is "a Grade II historic building"; glossed "two", an English answer said "a heritage grading of
    two". Any other 級 count keeps its number."""
    assert english_glosses("被評為二級歷史建築") == "被評為二級 [= Grade II]歷史建築"
    assert english_glosses("一級历史建筑") == "一級 [= Grade I]历史建筑"
    assert english_glosses("分為三級") == "分為三級 [= three]"


def test_glosses_leave_plain_figures_and_names_alone():
    text = "自2025/26起，資助16間實驗室，推動「十五五」規劃與6G，其中一項舉措。"
    assert english_glosses(text) == text
    assert english_glosses("") == ""
    assert english_glosses("HK$50 million") == "HK$50 million"


def test_glossed_article_keeps_every_original_character(article):
    glossed = english_glosses(article)
    assert re.sub(r" \[= [^\]]*\]", "", glossed) == article


# --------------------------------------------------------------------------------------------------------
# Robustness.

WEIRD = [
    "\x00\x01\x02",
    "\ud800 lone surrogate 5,000萬元",
    "e\u0301\u0301\u0301 combining",
    "\u202eRTL override 100億\u202c",
    "😀 HK$50 million 😀",
    "𠀀𠀁 supplementary 2.2億元",
    "\ufeffBOM 1億元",
    "萬萬萬萬億億億億",
    "第第第第第",
    "約約約約約5",
    "1" * 5000,
    "9" * 400 + "億元",
    "1" + "萬" * 400 + "元",
    "9" * 39 + "億億億億",
    "ninety-nine hundred " * 20 + "billion trillion",
    "一" * 5000 + "萬",
    "..." + "," * 100 + "1,,,,2",
    "HK$HK$HK$",
    "between and to - 至 到",
    "1至至至3年",
    "Q5 H3 第五季",
    "13月32日",
]


@pytest.mark.parametrize("text", WEIRD, ids=range(len(WEIRD)))
def test_weird_input_does_not_crash(text):
    found = find_quantities(text)
    for q in found:
        assert text[q.start : q.end] == q.text
        to_english(q)
    english_glosses(text)
    unsupported(text, [text, ""])


def test_a_megabyte_is_read_in_reasonable_time(article):
    rng = random.Random(7)
    pieces = [
        article,
        "HK$50 million [1] in the second half of 2023. ",
        "".join(map(chr, range(0x20, 0x3000))),
    ]
    text = "".join(rng.choice(pieces) for _ in range(400))[:1_000_000]
    text += "x" * (1_000_000 - len(text))
    t0 = time.perf_counter()
    found = find_quantities(text)
    assert time.perf_counter() - t0 < 60
    assert found and all(text[q.start : q.end] == q.text for q in found)


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("0123456789,.約逾近第萬億千百十一二兩三七成元年間個至-% HK$millionyears半下季內")
        ),
        max_size=40,
    )
)
def test_random_figure_soup(text):
    for q in find_quantities(text):
        assert text[q.start : q.end] == q.text
        assert q.value is None or q.value == q.value  # never NaN
        to_english(q)
        assert same_quantity(q, q)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_random_unicode(text):
    for q in find_quantities(text):
        assert text[q.start : q.end] == q.text
        to_english(q)


def test_chinese_numerals_count_subjects_flights_and_households():
    """七科 (seven subjects) was no figure: "5** in seven subjects" was turned down as a figure not in the passage."""
    found = {(q.text, q.value) for q in find_quantities("考獲七科5**，約420班航班取消，兩戶人家")}
    assert {("七科", 7.0), ("約420班", 420.0), ("兩戶", 2.0)} <= found
    assert unsupported("11 students got 5** in seven subjects [1].", ["今年有11名日校考生考獲七科5**的最佳成績"]) == []


def test_the_end_of_a_range_of_days_is_a_day_of_that_month():
    """7月18日至20日: the 18th to the 20th of July, not "20 days" (the exam article's English view, session 23)."""
    got = [(q.unit, q.key) for q in find_quantities("考生可於7月18日至20日在網上確認取錄")]
    assert got == [("date", "07-18"), ("date", "07-20")]
    assert english_glosses("7月18日至20日") == "7月18日 [= 18 July]至20日 [= 20 July]"
    assert [(q.value, q.unit) for q in find_quantities("為期20日")] == [(20.0, "days")]  # a span still
    assert unsupported("Confirm by 20 July [1].", ["考生可於7月18日至20日在網上確認取錄"]) == []


def test_a_count_in_millions_reads_as_english_writes_it():
    """3.9億人次 [= about 390 million], not 390,000,000; smaller counts keep their digits (63萬人: about 630,000)."""
    assert [to_english(q) for q in find_quantities("約3.9億人次")] == ["about 390 million"]
    assert [to_english(q) for q in find_quantities("約63萬人")] == ["about 630,000"]


RESCALE_PASSAGES = ["政府今年會向網絡撥款4.8億元，目標於明年底前把回收點數目增至1,600個。",
                    "全年使用2元乘車優惠約3.9億人次，增長佔三成。", "另撥款1億5,000萬元。",
                    "優質教育基金已預留20億元。", "去年約172萬名長者曾使用醫療券。"]


@pytest.mark.parametrize(("answer", "expected"), [
    ("The government will give HK$4.8 billion [1].", "The government will give HK$480 million [1]."),
    ("About 3.9 million people used it [2].", "About 390 million people used it [2]."),
    ("HK$20bn was reserved, and HK$4.8 billion [4].", "HK$2 billion was reserved, and HK$480 million [4]."),
    ("It is HK$480 million [1].", None),  # right already
    ("It is HK$1 billion [3].", None),  # 1億5,000萬: a figure of two parts is not guessed at
    ("It is HK$30 billion [4].", None),  # no 億 figure has the digits 30
    ("It grew 3.9 billion [2].", "It grew 390 million [2]."),
    ("It reached 1,600 million points [1].", None),  # 1,600 is written with no 萬 or 億
    # 萬 read as thousand (session 28): 172,000, a thousand times 172萬's digits.
    ("About 172,000 elderly people used it [5].", "About 1.72 million elderly people used it [5]."),
    ("It reached 1,600,000 points [1].", None),  # 1,600 is written with no 萬 or 億
])
def test_an_english_figure_with_a_chinese_figures_digits_takes_its_value(answer, expected):
    assert rescaled(answer, RESCALE_PASSAGES) == expected
    if expected:
        assert unsupported(expected, RESCALE_PASSAGES) == []


@pytest.mark.parametrize(("answer", "passages", "expected"), [
    # lb-en-005 (session 32): 今年9月 and 明年3月 given years the article never states.
    ("The first open in September 2023, the rest by March 2024 [1].",
     ["首批預計於今年9月啟用，其餘會在明年3月前投入服務。"],
     "The first open in September this year, the rest by March next year [1]."),
    ("It opened on March 1, 2023 [1].", ["今年3月1日開幕。"], "It opened on March 1 this year [1]."),
    ("It opened on March 1, 2023 [1].", ["3月1日開幕。"], "It opened on March 1 [1]."),
    ("It opened on March 1, 2023 [1].", ["2023年3月1日開幕。"], None),  # stated: nothing to take out
    ("It opens on 5 May 2026 [1].", ["今年3月1日開幕。"], None),  # another day: the check's to refuse
    # bh-yue-001 (session 33): the same guess in Chinese, 2024年 for 今年 and for 明年.
    ("條例係2024年3月1日生效 [1]。要喺2024年2月28日之前登記 [1]。",
     ["《簡樸房條例》今年3月1日生效。登記期為期12個月，至明年2月28日屆滿。"],
     "條例係今年3月1日生效 [1]。要喺明年2月28日之前登記 [1]。"),
    ("条例于2024年3月1日生效 [1]。", ["條例3月1日生效。"], "条例于3月1日生效 [1]。"),
    ("條例於2024年3月1日生效 [1]。", ["政府於2024年成立工作組，條例今年3月1日生效。"], "條例於今年3月1日生效 [1]。"),
    ("條例於2024年3月1日生效 [1]。", ["條例於2024年3月1日生效。"], None),
])
def test_a_year_the_model_gave_a_month_the_article_states_is_taken_out(answer, passages, expected):
    assert without_unstated_years(answer, passages) == expected


@pytest.mark.parametrize(("answer", "date"), [
    ("條例於2024年3月1日生效。", "2024年3月1日"),
    ("It took effect on 1 March 2024.", "1 March 2024"),
    ("It took effect in March 2024.", "March 2024"),
])
def test_a_date_is_not_stated_by_its_year_alone(answer, date):
    """Session 33: 2024年3月1日, the model's year for 今年3月1日, had passed on a passage stating only 2024年."""
    assert [q.text for q in unsupported(answer, ["政府於2024年成立工作組。"])] == [date]
    assert unsupported("It was set up in 2024.", ["條例於2024年3月1日生效。"]) == []  # a year, by a date in it


def test_digits_two_yi_figures_share_are_not_guessed_between():
    assert rescaled("It costs HK$2 billion [1].", ["撥款2萬元。", "預留2億元。"]) is None


TOLLS = ["西隧私家車繁忙時段收費則由60元下調至55元。", "撥款500萬元。", "車費為人民幣30元。"]


@pytest.mark.parametrize(("answer", "expected"), [
    ("The toll is 55 yuan.", "The toll is HK$55."),
    ("The toll is 55 yuan [1].", "The toll is HK$55 [1]."),
    ("It costs about 5 million yuan in all.", "It costs about HK$5 million in all."),
    ("RMB 55 each, or 55 Chinese yuan.", "HK$55 each, or HK$55."),
    ("It is ¥55.", "It is HK$55."),
    ("The fare is 30 yuan.", None),  # the passage's 30 is in yuan (人民幣30元)
    ("The toll is 65 yuan.", None),  # no passage states 65 at all: left for the figures check
    ("The toll is HK$55.", None),
])
def test_a_figure_in_yuan_that_the_passages_give_in_hong_kong_dollars_is_written_so(answer, expected):
    """Session 29: 55元 answered as "55 yuan" failed the figures check twice over (currency, then value)."""
    assert in_hong_kong_dollars(answer, TOLLS) == expected
    if expected:
        assert unsupported(expected, TOLLS) == []


@pytest.mark.parametrize(("text", "value", "unit", "qualifier", "english"), [
    # A ceiling is not "over" (不多於 had been read as 多於, and the model was shown "more than 4"; session 29).
    ("預計再發出不多於4個牌照", 4, "count", "at_most", "no more than 4"),
    ("不超過500人", 500, "count", "at_most", "no more than 500"),
    ("至多4個", 4, "count", "at_most", "no more than 4"),
    ("九龍城區錄得最多32宗", 32, "count", "", "32"),  # the most, not at most (a review, session 29)
    ("The applications add up to 36", 36, "number", "", "36"),
    ("no more than 4 licences", 4, "count", "at_most", "no more than 4"),
    ("more than 4 licences", 4, "count", "over", "over 4"),
    # Working days are days, said as the Government says them.
    ("須在1個營業日內處理贖回", 1, "days", "", "1 working day"),
    ("3個工作天內", 3, "days", "", "3 working days"),
    ("within 2 business days", 2, "days", "", "2 working days"),
    ("14日內", 14, "days", "", "14 days"),
])
def test_ceilings_and_working_days(text, value, unit, qualifier, english):
    (q,) = [q for q in find_quantities(text) if q.unit != "period"]
    assert (q.value, q.unit, q.qualifier, to_english(q)) == (value, unit, qualifier, english)


@pytest.mark.parametrize(("text", "key", "english"), [
    # The part of a month is said (it was "January" alone, and the model answered "this winter"; session 29).
    ("並於1月下旬達至高峰", "01", "late January"),
    ("3月中旬", "03", "mid-March"),
    ("今年3月初推出", "03", "early March"),
    ("2025年12月底", "12", "the end of December 2025"),
    ("1月初步估計", "01", "January"),  # 初步 is "preliminary", not early January
    ("5月18日結束", "05-18", "18 May"),
])
def test_the_part_of_a_month_is_said_and_compared_as_the_month(text, key, english):
    (q,) = [q for q in find_quantities(text) if q.unit == "date"]
    assert (q.key, to_english(q)) == (key, english)
    assert unsupported(f"It peaks in {english.split(' 20')[0]} [1].", [text]) == []
