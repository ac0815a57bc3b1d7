"""The quote checker against the real article and the real embedding model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rag import config
from rag.index.corpus import read_article, span_text
from rag.quote import check
from rag.text import language

from .conftest import ARTICLE, ROOT

ARTICLE_PARSED = read_article(ARTICLE)
SOURCE = ARTICLE_PARSED.text
SENTENCES = [(b, s) for b, s in ARTICLE_PARSED.sentences() if len(s.text) >= 6]


@pytest.fixture(scope="module")
def settings():
    return config.load()


def test_every_sentence_is_verbatim_at_its_own_place(settings):
    for block, sent in SENTENCES:
        r = check(sent.text, settings)
        assert r.verdict == "verbatim", sent.text
        m = r.match
        assert span_text(SOURCE, m.spans) == m.text
        # The first occurrence is reported; a sentence that occurs twice must match one of them.
        if sent.text.count("。") <= 1 and SOURCE.count(sent.text[:12]) == 1:
            assert m.start == sent.spans[0][0] and m.end == sent.spans[-1][1], sent.text
            assert m.sub_article == block.sub_article


def test_simplified_forms_are_verbatim_and_say_so(settings):
    for _, sent in SENTENCES[::3]:
        simplified = language.to_simplified(sent.text)
        if simplified == sent.text:
            continue
        r = check(simplified, settings)
        assert r.verdict == "verbatim", (sent.text, simplified)
        assert "simplified" in r.note
        assert r.match.start == sent.spans[0][0] or SOURCE.count(sent.text[:12]) > 1


def test_quote_across_a_caption_break_is_found(settings):
    r = check("以提升學生、公眾對AI的認知和運用技能", settings)
    assert r.verdict == "verbatim" and len(r.match.spans) == 2
    assert span_text(SOURCE, r.match.spans) == "以提升學生、公眾對AI的認知和運用技能"


def test_full_width_spaces_and_punctuation_do_not_matter(settings):
    r = check("撥款 5，000 萬元支持全民ＡＩ培訓", settings)
    assert r.verdict == "verbatim" and r.match.text == "撥款5,000萬元支持全民AI培訓"


@pytest.mark.parametrize("quote,was,now,why", [
    ("撥款6,000萬元支持全民AI培訓", "6000萬", "5000萬", "number"),
    ("香港人工智能研發院將於上半年投入運作", "上半年", "下半年", "number"),
    ("項目可提供35萬平方米樓面面積", "35萬", "25萬", "number"),
    ("各資助大學將新增共37個與STEAM相關的學士學位課程", "37", "27", "number"),
    ("預計需時1年至5年", "5", "3", "number"),
    ("政府不會積極擴展通訊基建，簡化牌照制度", "不", "", "negation"),
    ("財政司司長曾俊華表示，現時各科技園區及港投公司正支持具身智能相關初創企業", "曾俊華", "陳茂波", "name"),
])
def test_altered_quotes_are_near_with_the_difference_marked(settings, quote, was, now, why):
    r = check(quote, settings)
    assert r.verdict == "near", r
    material = [d for d in r.differences if d.material]
    assert material, r.differences
    assert any(was in d.quote and now in d.article and d.why == why for d in material), r.differences


@pytest.mark.parametrize("quote", [
    "香港將於明年舉辦奧運會",
    "政府會向每位市民派發一萬元現金",
    "特首宣布興建第三條過海隧道",
    "The government will cut salaries tax by 10 per cent.",
    "Stamp duty on property will be abolished.",
    "The MTR will open a new line to the airport next year.",
])
def test_fabricated_quotes_are_not_found(settings, quote):
    assert check(quote, settings).verdict == "not_found"


TRANSLATIONS = {
    "The government will allocate HK$50 million to support AI training for the whole population.": "撥款5,000萬元",
    "The Sandy Ridge Data Park project can provide 250,000 square metres of floor area.": "25萬平方米",
    "The Hong Kong AI Research and Development Institute will start operating in the second half of the year.":
        "下半年投入運作",
    "The Employees Retraining Board will be upgraded into a Skills Upgrading Board.": "升格為技能提升局",
    "There are currently 33 national-level manufacturing innovation centres around the country.": "33間國家級",
    "The Quality Education Fund has set aside HK$2 billion to promote digital education in primary and "
    "secondary schools.": "預留20億元",
    "RISC-V is a new generation of underlying chip technology.": "RISC-V是新一代",
    "The Labour Department will use AI to improve job matching.": "勞工處會運用AI",
    "The centre's site is the Microelectronics Centre in the Yuen Long InnoPark.": "元朗創新園內的微電子中心",
    "An International Clinical Trial Academy will be set up next year.": "國際臨床試驗學院",
}


@pytest.mark.parametrize("english,place", TRANSLATIONS.items())
def test_english_translations_are_meaning_at_the_right_place(settings, english, place):
    r = check(english, settings)
    assert r.verdict == "meaning" and place in r.match.text, (r.verdict, r.match)
    assert "confirm" in r.note


@pytest.mark.parametrize("bad", ["", "   ", "。。。", "\ud800", "x" * 100_000])
def test_bad_input_is_answered_not_raised(settings, bad):
    r = check(bad, settings)
    assert r.verdict == "not_found" and r.note


def test_cli_json():
    out = subprocess.run([sys.executable, "-m", "rag", "quote", "撥款6,000萬元支持全民AI培訓", "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["verdict"] == "near" and data["match"]["start"] == SOURCE.index("撥款5,000萬元支持全民AI培訓")
    assert any(d["why"] == "number" for d in data["differences"])
