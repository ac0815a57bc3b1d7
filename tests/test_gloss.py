"""rag.answer.translate: English for an English asker's Chinese quote, checked before it is shown."""

from __future__ import annotations

import pytest

from rag.answer import translate

QEF = ("陳茂波又提到，優質教育基金已預留20億元推進中小學數字教育，開展校本AI教育項目，"
       "資助學生參加相關活動，並為教師提供培訓。")
COURSES = "政府將撥款邀請各方籌辦AI應用學習課程、講座及比賽，以提升學生對AI的認知和運用技能。"
FAITHFUL = ("Paul Chan Mo-po also said that the Quality Education Fund has reserved HK$2 billion to promote digital "
            "education in primary and secondary schools, launch school-based AI education projects, fund students to "
            "take part in related activities and provide training for teachers.")


def test_names_and_figures_are_given_in_english_with_their_chinese_in_reading_order():
    assert translate.names_and_figures(QEF) == (
        "Paul Chan Mo-po (陳茂波); Quality Education Fund (QEF) (優質教育基金); HK$2 billion (20億元); "
        "primary and secondary schools (中小學)")
    assert translate.names_and_figures("AI應用學習課程") == ""  # nothing the glossary or the figures know


def test_a_faithful_translation_passes():
    assert translate.problems(FAITHFUL, QEF) == []
    # "AI" is written in the sentence itself, so the translation may name it.
    assert translate.problems("The government will invite parties to organise AI courses, talks and competitions.",
                          COURSES) == []


@pytest.mark.parametrize("translation,problem", [
    (FAITHFUL.replace("HK$2 billion", "HK$20 billion"), translate.INVENTED_FIGURES),
    (FAITHFUL.replace("has reserved HK$2 billion", "has reserved money"), translate.DROPPED_FIGURES),
    (FAITHFUL.replace("Paul Chan Mo-po", "The Financial Secretary"), translate.OTHER_NAMES),
    (FAITHFUL.replace("Quality Education Fund", "Cyberport"), translate.OTHER_NAMES),
    (FAITHFUL.rstrip("."), translate.CUT_OFF),
    ("陳茂波又提到，優質教育基金已預留20億元。", translate.NOT_ENGLISH),
    ("NOT_IN_ARTICLE", translate.NO_TRANSLATION),
    ("", translate.NO_TRANSLATION),
])
def test_a_translation_that_changes_the_facts_is_not_shown(translation, problem):
    found = translate.problems(translation, QEF)
    assert any(p.startswith(problem) for p in found), found


def test_reciting_the_instructions_is_not_a_translation():
    recital = ("Rules: answer in the language named after the question. Be short: one to three sentences. "
               "Paul Chan Mo-po said the Quality Education Fund reserved HK$2 billion.")
    assert any("instructions" in p for p in translate.problems(recital, QEF))


def test_without_a_model_the_quote_gets_its_names_and_figures():
    text, why = translate.english([QEF, COURSES])
    assert text == f"{translate.prompts.ENGLISH_GLOSS_LEAD} {translate.names_and_figures(QEF)} [1]"
    assert why == []


def test_the_bundled_model_translates_a_sentence_and_the_translation_passes_the_check(indexed):
    from rag.llm.backends import load_llm

    llm = load_llm(indexed, "bundled")
    text, found = translate.translate(llm, QEF)
    assert text is not None, found
    assert "HK$2 billion" in text and "Quality Education Fund" in text
    english, why = translate.english([QEF], llm)
    assert english == f"{translate.prompts.TRANSLATION_LEAD} {text} [1]" and why == []
