"""corpus/glossary.tsv and rag.text.glossary: verbatim Chinese forms, official English, matching both ways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.text import glossary, numbers
from rag.text.glossary import (
    CERTAINTIES,
    GLOSSARY_PATH,
    KINDS,
    annotate,
    english_for,
    entries,
    find_terms,
    lookup_english,
)

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------------
# The file itself.


def _data_lines() -> list[list[str]]:
    lines = GLOSSARY_PATH.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    assert rows[0] == ["chinese", "english", "kind", "note", "aliases"]
    return rows[1:]


def test_rows_are_well_formed():
    rows = _data_lines()
    assert len(rows) >= 60
    for cols in rows:
        assert 4 <= len(cols) <= 5, cols
        chinese, english, kind, note = cols[:4]
        assert chinese == chinese.strip() and english == english.strip() and chinese and english, cols
        assert kind in KINDS, cols
        assert note.split(":", 1)[0] in CERTAINTIES, cols
        assert "[" not in english and "]" not in english, cols  # would break the [= …] annotation


def test_every_chinese_form_occurs_verbatim_in_the_article(article):
    missing = [e.chinese for e in entries() if e.chinese not in article]
    assert missing == []


def test_no_duplicate_chinese_keys():
    keys = [cols[0] for cols in _data_lines()]
    assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]


def test_loaded_once_and_matches_the_file():
    assert entries() is entries()
    assert [e.chinese for e in entries()] == [cols[0] for cols in _data_lines()]


OFFICIAL = {
    "陳茂波": "Paul Chan Mo-po",
    "財政司司長": "Financial Secretary",
    "沙嶺數據園": "Sandy Ridge Data Park",
    "香港人工智能研發院": "Hong Kong AI Research and Development Institute",
    "數碼港": "Cyberport",
    "香港金融管理局": "Hong Kong Monetary Authority (HKMA)",
    "InnoHK創新香港研發平台": "InnoHK research clusters",
    "僱員再培訓局": "Employees Retraining Board (ERB)",
    "職業訓練局": "Vocational Training Council (VTC)",
    "優質教育基金": "Quality Education Fund (QEF)",
    "教育局": "Education Bureau (EDB)",
    "創科產業引導基金": "I&T Industry-Oriented Fund",
    "港投公司": "Hong Kong Investment Corporation Limited (HKIC)",
    "香港投資管理有限公司": "Hong Kong Investment Corporation Limited (HKIC)",
    "香港交易及結算有限公司": "Hong Kong Exchanges and Clearing Limited (HKEX)",
    "公務員學院": "Civil Service College (CSC)",
    "數字政策辦公室": "Digital Policy Office (DPO)",
    "運輸署": "Transport Department (TD)",
    "勞工處": "Labour Department (LD)",
    "渠務署": "Drainage Services Department (DSD)",
    "土木工程拓展署": "Civil Engineering and Development Department (CEDD)",
    "統計處": "Census and Statistics Department (C&SD)",
    "香港微電子研發院": "Hong Kong Microelectronics Research and Development Institute (MRDI)",
    "元朗創新園": "Yuen Long InnoPark",
    "國家工業和信息化部": "Ministry of Industry and Information Technology (MIIT)",
    "新型工業化資助計劃": "New Industrialisation Funding Scheme (NIFS)",
    "新型工業加速計劃": "New Industrialisation Acceleration Scheme (NIAS)",
    "創新及科技基金": "Innovation and Technology Fund (ITF)",
    "指定專業/界別課程資助計劃": "Study Subsidy Scheme for Designated Professions/Sectors (SSSDP)",
    "具身智能": "embodied AI",
    "十五五": "15th Five-Year Plan",
    "AI+與產業發展策略委員會": "AI+ and Industry Development Strategy Committee",
    "效能提升組": "AI Efficacy Enhancement Team",
    "國家製造業創新中心": "national manufacturing innovation centre",
}


@pytest.mark.parametrize("chinese,english", OFFICIAL.items())
def test_english_names(chinese, english):
    assert english_for(chinese) == english


def test_aliases_share_their_english():
    for a, b in [
        ("港投公司", "香港投資管理有限公司"),
        ("僱員再培訓局", "再培訓局"),
        ("香港人工智能研發院", "人工智能研發院"),
        ("AI+與產業發展策略委員會", "AI+產策會"),
        ("創科產業引導基金", "創科引導基金"),
        ("AI（人工智能）效能提升組", "效能提升組"),
        ("特區政府", "香港特區政府"),
    ]:
        assert english_for(a) == english_for(b) is not None, (a, b)


def test_uncertain_english_is_marked():
    by_key = {e.chinese: e for e in entries()}
    for key in (
        "技能提升局",
        "國際臨床試驗學院",
        "新型工業菁英企業培育計劃",
        "『智』啟學教",
        "香港RISC-V聯盟",
    ):
        assert by_key[key].certainty == "unconfirmed", key
    for key in ("楊盈盈", "陸雅楠", "黃艾力"):
        assert by_key[key].kind == "person" and by_key[key].certainty == "romanisation", key
    assert by_key["陳茂波"].certainty == "official"


def test_the_article_names_are_covered(article):
    """The names rag/text/language.py masks as the article's are glossary terms, or inside one."""
    names = (ROOT / "rag" / "data" / "proper_nouns.txt").read_text(encoding="utf-8").splitlines()
    covered_by = [e.chinese for e in entries()]
    skip = {"香港", "沙嶺", "財政司", "文匯報", "HK$", "STEAM", "MRDI", "RISC-V", "AI+", "InnoHK"}
    for name in names:
        name = name.strip()
        if not name or name.startswith("#") or name in skip or name not in article:
            continue
        assert any(name in c or c in name for c in covered_by), name


# --------------------------------------------------------------------------------------------------------
# Chinese text.


def test_find_terms_longest_first_with_offsets():
    text = "香港人工智能研發院將於下半年投入運作，推動人工智能發展。"
    terms = find_terms(text)
    assert [(t.chinese, text[t.start : t.end]) for t in terms] == [
        ("香港人工智能研發院", "香港人工智能研發院"),
        ("人工智能", "人工智能"),
    ]
    assert terms[0].english == "Hong Kong AI Research and Development Institute"


def test_overlapping_forms_resolve_to_the_longest():
    for text, expected in [
        ("香港微電子研發院", ["香港微電子研發院"]),
        ("元朗創新園內的微電子中心", ["元朗創新園", "微電子中心"]),
        ("國家製造業創新中心", ["國家製造業創新中心"]),
        ("國家級製造業創新中心", ["國家級製造業創新中心"]),
        ("生命健康科技", ["生命健康科技"]),
        ("生命健康及具身智能", ["生命健康", "具身智能"]),
        ("香港特區政府", ["香港特區政府"]),
        ("AI（人工智能）效能提升組", ["AI（人工智能）效能提升組"]),
        ("「人工智能+」行動", ["人工智能+"]),
        ("InnoHK創新香港研發平台", ["InnoHK創新香港研發平台"]),
    ]:
        assert [t.chinese for t in find_terms(text)] == expected, text


def test_annotate():
    text = "財政司司長陳茂波表示，香港人工智能研發院將於下半年投入運作。"
    assert annotate(text) == (
        "財政司司長 [= Financial Secretary]陳茂波 [= Paul Chan Mo-po]表示，香港人工智能研發院 "
        "[= Hong Kong AI Research and Development Institute]將於下半年投入運作。"
    )
    twice = "數碼港與數碼港"
    assert annotate(twice) == "數碼港 [= Cyberport]與數碼港 [= Cyberport]"
    assert annotate(twice, once=True) == "數碼港 [= Cyberport]與數碼港"
    assert annotate("") == ""
    assert annotate("Nothing Chinese here.") == "Nothing Chinese here."


def test_annotated_article_keeps_every_character(article):
    annotated = annotate(article)
    assert re.sub(r" \[= [^\]]*\]", "", annotated) == article
    assert "陳茂波 [= Paul Chan Mo-po]" in annotated
    assert "沙嶺數據園 [= Sandy Ridge Data Park]" in annotated


def test_annotation_then_figure_glosses_keep_every_figure(article):
    """rag.answer.generate shows English questions numbers.english_glosses(glossary.annotate(passage))."""
    plain = [(q.value, q.unit, q.key) for q in numbers.find_quantities(article)]
    annotated = annotate(article)
    notes = [(m.start(), m.end()) for m in re.finditer(r" \[= [^\]]*\]", annotated)]
    after = [
        (q.value, q.unit, q.key)
        for q in numbers.find_quantities(annotated)
        if not any(s <= q.start < e for s, e in notes)  # "third-generation" in a note is English, not new
    ]
    assert after == plain
    both = numbers.english_glosses(annotated)
    assert "100億 [= 10 billion]創科引導基金 [= I&T Industry-Oriented Fund]" in both


@pytest.mark.parametrize(
    "simplified,expected",
    [
        ("香港人工智能研发院将于下半年投入运作", ["香港人工智能研發院"]),
        ("沙岭数据园", ["沙嶺數據園"]),
        ("香港金融管理局与数码港", ["香港金融管理局", "數碼港"]),
        ("国家制造业创新中心", ["國家製造業創新中心"]),
        ("僱员再培训局将升格为技能提升局", ["僱員再培訓局", "技能提升局"]),
        ("陈茂波", ["陳茂波"]),
        ("雇员再培训局", ["僱員再培訓局"]),
    ],
)
def test_simplified_input(simplified, expected):
    terms = find_terms(simplified)
    assert [t.chinese for t in terms] == expected
    for t in terms:
        assert 0 <= t.start < t.end <= len(simplified)
        assert len(simplified[t.start : t.end]) == len(t.chinese)


def test_annotate_simplified_keeps_the_callers_characters():
    text = "陈茂波宣布沙岭数据园"
    assert annotate(text) == "陈茂波 [= Paul Chan Mo-po]宣布沙岭数据园 [= Sandy Ridge Data Park]"


def test_english_for():
    assert english_for("陳茂波") == "Paul Chan Mo-po"
    assert english_for(" 陈茂波 ") == "Paul Chan Mo-po"
    assert english_for("沙岭数据园") == "Sandy Ridge Data Park"
    assert english_for("啟德體育園") is None
    assert english_for("") is None
    assert english_for("陳茂波宣布") is None  # a whole name, not a search


# --------------------------------------------------------------------------------------------------------
# English text.


@pytest.mark.parametrize(
    "question,expected",
    [
        ("How big is the Sandy Ridge data park?", ["沙嶺數據園"]),
        ("What will the Hong Kong AI Research and Development Institute do?", ["香港人工智能研發院"]),
        ("What will the Hong Kong Artificial Intelligence R&D Institute do?", ["香港人工智能研發院"]),
        ("What did the HKMA and Cyberport launch?", ["香港金融管理局", "數碼港"]),
        ("what did the hong kong monetary authority and CYBERPORT launch?", ["香港金融管理局", "數碼港"]),
        ("Who is Paul Chan?", ["陳茂波"]),
        ("What did the Financial Secretary announce?", ["財政司司長"]),
        ("What is the AI+ and Industry Development Strategy Committee?", ["AI+與產業發展策略委員會"]),
        ("How large is the I&T Industry-Oriented Fund?", ["創科產業引導基金"]),
        ("What does the HKIC do with RISC-V?", ["港投公司"]),
        ("Hong Kong Investment Corporation", ["港投公司"]),
        ("What will the Employees Retraining Board become?", ["僱員再培訓局"]),
        ("What is the Microelectronics Center in Yuen Long InnoPark?", ["微電子中心", "元朗創新園"]),
        ("New Industrialization Funding Scheme", ["新型工業化資助計劃"]),
        ("embodied intelligence start-ups", ["具身智能"]),
        ("the 15th Five-Year Plan", ["十五五"]),
        ("What will the Census and Statistics Department launch?", ["統計處"]),
        ("Is the Kai Tak Sports Park in the article?", []),
        ("What is the salaries tax rate?", []),
        ("", []),
    ],
)
def test_lookup_english(question, expected):
    terms = lookup_english(question)
    assert [t.chinese for t in terms] == expected
    for t in terms:
        assert 0 <= t.start < t.end <= len(question)


def test_abbreviations_must_be_capitals():
    assert lookup_english("The td and ld") == []
    assert [t.chinese for t in lookup_english("The TD and LD")] == ["運輸署", "勞工處"]


def test_every_english_name_finds_its_entry():
    for e in entries():
        found = lookup_english(e.name)
        assert found and found[0].english == e.english, (e.chinese, e.name, found)
        matched = e.name[found[0].start : found[0].end]
        assert matched == e.name.strip('"'), (e.chinese, matched)


def test_english_lookup_returns_the_alias_group():
    (term,) = lookup_english("Hong Kong Investment Corporation Limited")
    assert set(term.forms) == {"港投公司", "香港投資管理有限公司"}


# --------------------------------------------------------------------------------------------------------
# Robustness and a missing file.


@pytest.mark.parametrize(
    "text",
    ["\x00", "\ud800陳茂波", "😀數碼港😀", "[= Cyberport]", "陳" * 10000, "e\u0301" * 100, "\u202e數碼港"],
)
def test_weird_input(text):
    for t in find_terms(text):
        assert 0 <= t.start < t.end <= len(text)
    annotate(text)
    lookup_english(text)


def test_a_missing_glossary_is_empty(tmp_path):
    path = tmp_path / "none.tsv"
    assert glossary.entries(path) == ()
    assert find_terms("陳茂波", path) == []
    assert annotate("陳茂波", path) == "陳茂波"
    assert english_for("陳茂波", path) is None
    assert lookup_english("Paul Chan", path) == []


def test_a_name_is_given_its_other_forms_for_comparing_words():
    """For citing a sentence by the words it shares with a passage (``ground.attribute``): a name the answer writes
    one way and the passage another (長生津, 長者生活津貼) is both; the same name in the other script adds nothing."""
    assert glossary.with_other_forms("港投公司今年投資") == "港投公司（香港投資管理有限公司）今年投資"
    assert glossary.with_other_forms("香港投资管理有限公司") == "香港投资管理有限公司（港投公司）"
    assert glossary.with_other_forms("沒有名字的句子") == "沒有名字的句子"
