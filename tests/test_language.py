"""rag.text.language: detection measured on a table of hand-written questions; conversions; real OpenCC."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.text import language
from rag.text.language import (
    LANG_NAMES,
    LANGS,
    Detected,
    answer_script,
    cantonese_table,
    convert_to_script,
    detect,
    for_matching,
    to_simplified,
    to_traditional,
)

ROOT = Path(__file__).resolve().parent.parent
CASES_FILE = Path(__file__).resolve().parent / "data" / "language_cases.tsv"
ARTICLE = ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"


def _cases() -> list[tuple[str, str, str]]:
    rows = []
    for line in CASES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        rows.append((cols[0], cols[1], cols[2] if len(cols) > 2 else ""))
    return rows


CASES = _cases()


def _names() -> list[str]:
    names = []
    for line in (language.DATA_DIR / "proper_nouns.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            names.append(line.strip())
    return names


# ---------------------------------------------------------------------------------------------- the table


def test_table_is_big_enough_and_well_formed():
    counts = Counter(lang for lang, _, _ in CASES)
    assert set(counts) == set(LANGS), counts
    assert len(CASES) >= 80
    assert all(n >= 20 for n in counts.values()), counts
    texts = [text for _, text, _ in CASES]
    assert len(texts) == len(set(texts)), [t for t, n in Counter(texts).items() if n > 1]


def _confusion(pairs: list[tuple[str, str]]) -> str:
    width = max(len(x) for x in LANGS) + 2
    lines = ["gold \\ got".ljust(width) + "".join(g.rjust(width) for g in LANGS)]
    table = Counter(pairs)
    for gold in LANGS:
        lines.append(gold.ljust(width) + "".join(str(table[gold, got]).rjust(width) for got in LANGS))
    return "\n".join(lines)


def test_detection_accuracy_on_the_table():
    pairs, misses = [], []
    for gold, text, note in CASES:
        got = detect(text)
        pairs.append((gold, got.lang))
        if got.lang != gold:
            misses.append(f"  {gold} -> {got.lang} ({got.confidence}): {text}  [{note}] because {got.reason}")
    total = sum(g == p for g, p in pairs) / len(pairs)
    per_class = {
        lang: sum(g == p for g, p in pairs if g == lang) / sum(g == lang for g, _ in pairs) for lang in LANGS
    }
    report = (
        f"\noverall {total:.1%}; "
        + ", ".join(f"{k} {v:.1%}" for k, v in per_class.items())
        + "\n"
        + _confusion(pairs)
        + "\nmisclassified:\n"
        + "\n".join(misses)
    )
    print(report)
    assert total >= 0.95, report
    assert all(v >= 0.90 for v in per_class.values()), report


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("幾時？", "yue"),
        ("邊個主持？", "yue"),
        ("几时开始？", "cmn-Hans"),
        ("How much?", "en"),
        ("AI培训", "cmn-Hans"),
        ("AI培訓", "cmn-Hant"),
        ("多少？", "cmn-Hant"),  # shared characters only: traditional, the service's default
        ("佢哋几时开始？", "yue"),  # Cantonese in simplified characters is still Cantonese
    ],
)
def test_short_and_script_neutral_questions(text, lang):
    assert detect(text).lang == lang, detect(text)


def test_two_or_three_characters_are_thin_evidence():
    for text in ["幾時？", "多少？", "AI培训", "多少钱？", "何時？"]:
        assert detect(text).confidence <= 0.6, (text, detect(text))
    assert detect("邊個主持？").confidence >= 0.8  # a strong marker in four characters is not thin


def test_detected_is_a_small_frozen_record():
    got = detect("政府撥咗幾多錢？")
    assert isinstance(got, Detected)
    assert got.lang == "yue"
    assert 0.0 <= got.confidence <= 1.0
    assert "咗" in got.reason
    with pytest.raises(AttributeError):
        got.lang = "en"  # type: ignore[misc]


@pytest.mark.parametrize("name", [n for n in _names() if re.search(r"[\u4e00-\u9fff]", n)])
def test_article_names_never_decide_the_language(name):
    """Every article name, dropped into each kind of question, leaves the asker's language standing."""
    assert detect(f"What is {name}?").lang == "en"
    assert detect(f"{name}是什麼？").lang == "cmn-Hant"
    assert detect(f"{to_simplified(name)}是什么？").lang == "cmn-Hans"
    assert detect(f"{name}係咩嚟㗎？").lang == "yue"
    assert detect(f"請介紹{name}。").lang == "cmn-Hant"


def test_latin_acronyms_do_not_make_chinese_english():
    for text in ["AI同RISC-V有咩關係？", "InnoHK資助了哪些STEAM項目？", "HK$5000万够吗？", "6G幾時有？"]:
        assert detect(text).lang != "en", (text, detect(text))


def test_reason_names_the_evidence():
    assert "Cantonese markers" in detect("佢哋幾時開始？").reason
    assert "Mandarin markers" in detect("他們什麼時候開始？").reason
    assert "simplified" in detect("他们什么时候开始？").reason


# ---------------------------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t  ",
        "😀",
        "👍🏽🎉",
        "？！。",
        "...",
        "1234",
        "\x00",
        "\x01\x02\x1f",
        "\ud800",
        "a\udfffb",
        "\u200b\u200d",
        "\ufeff",
        "𠮷𩸽",
    ],
)
def test_detect_never_crashes(text):
    got = detect(text)
    assert got.lang in LANGS
    assert 0.0 <= got.confidence <= 1.0
    assert got.reason
    assert isinstance(for_matching(text), str)
    for lang in LANGS:
        assert isinstance(convert_to_script(text, lang), str)


def test_nothing_to_go_on_is_english_with_low_confidence():
    for text in ["", "   ", "😀😀", "？？", "12345", "\ud800"]:
        got = detect(text)
        assert (got.lang, got.confidence <= 0.2) == ("en", True), (text, got)


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_text_is_handled(text):
    got = detect(text)
    assert got.lang in LANGS
    assert 0.0 <= got.confidence <= 1.0
    for_matching(text)
    convert_to_script(text, "cmn-Hans")
    convert_to_script(text, "yue")


def test_a_megabyte_completes_quickly():
    text = ("政府撥咗幾多錢做全民AI培訓？How much is it? 多少钱？😀\x00" * 40000)[:1_000_000]
    started = time.perf_counter()
    assert detect(text).lang in LANGS
    out = for_matching(text)
    assert convert_to_script(text, "cmn-Hans")
    assert convert_to_script(text, "yue")
    assert out.count("\x00") == text.count("\x00")  # OpenCC stops at NUL; the wrapper must not lose text
    assert time.perf_counter() - started < 20


def test_nul_and_surrogates_do_not_lose_text():
    assert to_traditional("a\x00后来") == "a\x00後來"
    assert to_simplified("發\x00展") == "发\x00展"
    assert to_simplified("\ud800發") == "\ufffd发"


# ---------------------------------------------------------------------------------------------- for_matching


@pytest.mark.parametrize(("colloquial", "written", "marker"), cantonese_table())
def test_every_table_entry_is_mapped(colloquial, written, marker):
    assert for_matching(colloquial) == for_matching(written)
    if marker != "keep" and written != colloquial:
        assert colloquial not in for_matching(colloquial)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幾多", "多少"),
        ("邊個", "誰"),
        ("幾時", "何時"),
        ("咩", "什麼"),
        ("乜嘢", "什麼"),  # not 什麼東西 (乜 + 嘢)
        ("點樣", "怎樣"),
        ("冇", "沒有"),
        ("有冇", "有沒有"),
        ("係", "是"),
        ("係咪", "是不是"),  # not 是咪
        ("喺", "在"),
        ("佢哋", "他們"),
        ("佢", "他"),
        ("而家", "現在"),
        ("搞", "辦"),
        ("啲", "些"),
        ("嘅", "的"),
        ("咗", "了"),
        ("唔", "不"),
        ("邊度", "哪裏"),
        ("畀", "給"),
        ("搵", "找"),
        ("揾", "找"),
    ],
)
def test_brief_mappings(text, expected):
    assert for_matching(text) == for_matching(expected)


def test_longest_match_first_and_written_words_kept():
    assert for_matching("佢哋喺邊度搞咗乜嘢？") == for_matching("他們在哪裏辦了什麼?")
    assert for_matching("呢個計劃") == for_matching("這個計劃")
    # a written word holding a marker character is matched first and left alone
    assert for_matching("兩者嘅關係") == for_matching("兩者的關係")  # 係 in 關係 is not the copula 是
    assert for_matching("周邊個別地區") == for_matching("周边个别地区")  # 邊個 in 周邊個別 is not 誰
    assert "誰" not in for_matching("周邊個別地區")
    assert for_matching("緊急應變") == for_matching("紧急应变")


def test_original_is_not_mutated():
    text = "佢哋幾時搞ＡＩ培訓？"
    before = str(text)
    for_matching(text)
    assert text == before


def test_simplified_becomes_traditional():
    assert for_matching("人工智能研发院什么时候开始？") == for_matching("人工智能研發院什麼時候開始？")
    assert "研發院" in for_matching("人工智能研发院")
    assert for_matching("沙岭数据园") == "沙嶺數據園"


def test_full_width_is_folded_and_latin_lowered():
    assert for_matching("ＡＩ＋ＲＩＳＣ－Ｖ？") == "ai+risc-v?"
    assert for_matching("５，０００萬") == "5,000萬"
    assert for_matching("InnoHK\u3000STEAM") == "innohk steam"


def test_variant_forms_are_folded():
    assert for_matching("裡面") == for_matching("裏面") == for_matching("里面")
    assert for_matching("臺灣") == for_matching("台灣")
    assert for_matching("衛生") == for_matching("衞生")


def test_a_word_has_one_form_in_every_context():
    """A phrase-aware s2hk writes 国家制造业 as 國家制造業 but 制造业 as 製造業; matching must not care."""
    article_form = for_matching("預留約2.2億元在港建設首個境外的國家製造業創新中心")
    for query in ["製造業創新中心", "制造业创新中心", "國家製造業", "国家制造业创新中心在哪里"]:
        core = for_matching(query).replace("在哪裏", "")
        assert core in article_form, (query, core, article_form)


def test_output_is_traditional():
    out = for_matching("香港人工智能研发院什么时候开始运作？")
    assert to_traditional(out) == out
    assert to_simplified(out) != out


def test_for_matching_is_idempotent_and_article_keeps_its_words():
    article = ARTICLE.read_text(encoding="utf-8")
    once = for_matching(article)
    assert for_matching(once) == once
    for word in [
        "沙嶺數據園",
        "人工智能研發院",
        "具身智能",
        "RISC-V",
        "InnoHK",
        "國家製造業創新中心",
        "技能提升局",
    ]:
        assert for_matching(word) in once
        assert for_matching(to_simplified(word)) in once
    # a Cantonese question and the article sentence that answers it share their content words
    question = for_matching("政府撥咗幾多錢支持全民AI培訓？")
    assert "撥" in question and "ai培訓" in question and "ai培訓" in once


# ---------------------------------------------------------------------------------------------- scripts


def test_answer_scripts():
    assert answer_script("en") == "Latn"
    assert answer_script("yue") == "Hant-HK"
    assert answer_script("cmn-Hant") == "Hant-HK"
    assert answer_script("cmn-Hans") == "Hans"
    with pytest.raises(ValueError):
        answer_script("fr")


def test_lang_names_cover_every_language():
    assert set(LANG_NAMES) == set(LANGS)
    assert "traditional" in LANG_NAMES["yue"] and "simplified" in LANG_NAMES["cmn-Hans"]


ANSWERS = [
    "政府撥款5,000萬元支持全民AI培訓[1]。",
    "香港人工智能研發院將於下半年投入運作[2]。",
    "沙嶺數據園可提供25萬平方米樓面面積。",
    "香港RISC-V聯盟由港投公司與相關企業聯合成立。",
    "預留約2.2億元在港建設首個境外的國家製造業創新中心，選址元朗創新園內的微電子中心。",
    "InnoHK已累計資助16間聚焦AI與機械人的實驗室。",
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_round_trip_through_simplified(answer):
    simplified = convert_to_script(answer, "cmn-Hans")
    assert simplified != answer
    assert convert_to_script(simplified, "yue") == answer
    assert convert_to_script(simplified, "cmn-Hant") == answer
    assert convert_to_script(answer, "yue") == answer  # already traditional: untouched


def _latin_and_digits(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9$%+.\-]+", text)


@pytest.mark.parametrize("answer", [*ANSWERS, "The fund is HK$10 billion (100億元), see [3]."])
def test_latin_and_digits_untouched(answer):
    for lang in LANGS:
        assert _latin_and_digits(convert_to_script(answer, lang)) == _latin_and_digits(answer)


def test_english_answers_are_left_alone():
    text = "The 沙嶺數據園 offers 250,000 m² (25萬平方米)."
    assert convert_to_script(text, "en") == text


def test_traditional_answer_with_shared_characters_is_not_corrupted():
    # 于 (a surname) and 干擾 are correct traditional; a blind s2hk would turn them into 於 and 幹.
    text = "于先生指干擾不大。"
    assert convert_to_script(text, "yue") == text
    assert convert_to_script("于先生指干扰不大。", "cmn-Hant") != "于先生指干扰不大。"


def test_article_round_trip_is_nearly_exact():
    article = ARTICLE.read_text(encoding="utf-8")
    back = convert_to_script(convert_to_script(article, "cmn-Hans"), "yue")
    assert len(back) == len(article)
    differing = sum(a != b for a, b in zip(article, back, strict=True))
    assert differing / len(article) < 0.01, differing  # OpenCC prefers 佈 for 布, 瞭 for 了 in places


def test_a_traditional_quote_keeps_the_article_s_own_characters():
    """恒 and 鄰里's 里 are what a Hong Kong article prints; a traditional asker is shown them, not OpenCC's 恆
    and 裏. A simplified asker reads the quote in simplified, and a quote printed in simplified is converted."""
    quote = "環境保護署（環保署）助理署長林志恒表示，環保署去年推出的「綠點鄰里回收網絡」發展理想。"
    assert language.quote_in_script(quote, "cmn-Hant") == quote
    assert language.quote_in_script(quote, "yue") == quote
    assert language.quote_in_script(quote, "en") == quote
    assert "环保署" in language.quote_in_script(quote, "cmn-Hans")
    assert language.quote_in_script("环境保护署去年推出回收网络。", "yue") == "環境保護署去年推出回收網絡。"


@pytest.mark.parametrize(("answer", "shown"), [
    # One simplified character (总) set off the conversion, which wrote the article's 余偉文 and 恒信 as 餘偉文, 恆信.
    ("余偉文喺中環恒信銀行总行大廈出席發牌儀式", "余偉文喺中環恒信銀行總行大廈出席發牌儀式"),
    # 余下 is not the article's: it is 餘下 in traditional characters, beside the article's 余偉文.
    ("余偉文说余下的会审批", "余偉文説餘下的會審批"),
    ("余伟文喺中环恒信银行总行大厦出席仪式", "余偉文喺中環恒信銀行總行大廈出席儀式"),  # all simplified
])
def test_a_traditional_answer_keeps_the_articles_own_characters(answer, shown):
    passages = "金管局總裁余偉文昨日在中環恒信銀行總行大廈出席發牌儀式時表示"
    assert convert_to_script(answer, "yue", passages) == shown
    assert convert_to_script(answer, "yue") != shown  # without the passages, the conversion "corrects" them
    assert convert_to_script(answer, "yue", to_simplified(passages)) == convert_to_script(answer, "yue")
