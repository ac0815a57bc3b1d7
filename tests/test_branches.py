"""Every branch of the answer path, driven by a scripted model (rag.llm.fake.FakeLLM) over the real index.

The model's replies are queued, so each test says exactly what the model does (says NO, gives up, answers
without markers, invents a figure and then gets it right, is unavailable) and checks what the asker gets.
Milliseconds each: no weights are loaded, and nothing depends on the CPU's arithmetic.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from rag.answer import prompts, translate
from rag.answer.pipeline import Bot
from rag.index.corpus import span_text
from rag.llm.backends import LLMUnavailable
from rag.llm.fake import FakeLLM
from tests.conftest import ARTICLE

SOURCE = ARTICLE.read_text(encoding="utf-8")
Q = "沙嶺數據園可以提供多少樓面面積？"  # written Chinese, traditional: answered by 25萬平方米
FACT = "25萬平方米"


def passages(messages: list[dict[str, str]]) -> dict[int, str]:
    """The numbered passages of the chat's real user turn (not the worked examples' turns)."""
    turn = next(m["content"] for m in reversed(messages)
                if m["role"] == "user" and m["content"].startswith("Passages:"))
    return {int(n): text for n, text in re.findall(r"^\[(\d+)\] (.*)$", turn.split("\n\n")[0], re.M)}


def holding(fact: str, messages: list[dict[str, str]], holds: bool = True) -> int:
    """The number of the first passage shown that holds ``fact`` (or, with holds=False, that lacks it)."""
    return next(n for n, text in passages(messages).items() if (fact in text) == holds)


def cited(template: str = "沙嶺數據園可提供{fact}樓面面積[{n}]。", fact: str = FACT, holds: bool = True):
    """A reply that states ``fact`` cited to the passage that holds it (or to one that does not)."""
    return lambda messages: template.format(fact=fact, n=holding(fact, messages, holds))


@pytest.fixture
def ask(indexed):
    """ask(question, *replies, probabilities=(), history=None, **settings) -> (items streamed, Answer, model)."""

    def run(question, *replies, probabilities=(), history=None, **overrides):
        overrides.setdefault("llm_reads", "passages")  # the article mode's branches: tests/test_article_mode.py
        fake = FakeLLM(replies=list(replies), probabilities=list(probabilities))
        bot = Bot(dataclasses.replace(indexed, **overrides), llm=fake)
        *streamed, final = list(bot.stream(question, history, backend="bundled"))
        assert all(isinstance(s, str) for s in streamed)
        assert not fake.replies and not fake.probabilities, "the model was asked less than the test expected"
        return streamed, final, fake

    return run


def test_a_grounded_answer_streams_and_ends_cited_to_a_verbatim_sentence(ask):
    streamed, answer, fake = ask(Q, "YES", cited())
    assert not answer.refused and answer.backend == "bundled" and FACT in answer.text
    assert streamed and streamed[-1].startswith("沙嶺數據園")
    (citation,) = answer.citations
    assert FACT in citation.quote and span_text(SOURCE, list(citation.spans)) == citation.quote
    assert {"retrieve_ms", "first_token_ms", "total_ms"} <= set(answer.timings)
    asked_first, answered = fake.prompts
    assert asked_first[-1]["content"].endswith(prompts.ANSWERABLE)
    assert answered[-1]["content"].endswith("citing passages as [n]:")


def test_the_model_saying_no_is_a_refusal(ask):
    _, answer, fake = ask(Q, "NO")
    assert answer.refused and answer.text == prompts.REFUSAL["cmn-Hant"]
    assert "said the passages do not answer it" in answer.note and len(fake.prompts) == 1


def test_without_asking_first_the_model_answers_at_once(ask):
    _, answer, fake = ask(Q, cited(), llm_ask_answerable=False)
    assert not answer.refused and len(fake.prompts) == 1
    assert prompts.ANSWERABLE not in fake.prompts[0][-1]["content"]


def test_an_answer_without_markers_is_cited_by_code_when_it_is_plainly_a_passages(ask):
    _, answer, fake = ask(Q, "YES", "項目可提供25萬平方米樓面面積。")
    assert not answer.refused and answer.backend == "bundled" and len(fake.prompts) == 2  # no retry
    assert re.search(r"\[\d\]", answer.text) and FACT in answer.citations[0].quote


def test_a_figure_in_yuan_that_the_article_gives_in_hong_kong_dollars_is_written_so(ask):
    """元 is HK$ in a Hong Kong paper; the model wrote "55 yuan" for 55元, with no [n], and the answer was refused as
    another currency's figure (session 29). It is written in Hong Kong dollars, then cited by code."""
    reply = "The government will give 50 million yuan to train the public in AI."
    _, answer, fake = ask("How much will the government give for AI training for the public?", "YES", reply)
    assert not answer.refused and answer.backend == "bundled" and len(fake.prompts) == 2  # no retry
    assert "HK$50 million" in answer.text and "yuan" not in answer.text
    assert "5,000萬元" in answer.citations[0].quote


def test_a_cantonese_answer_made_traditional_keeps_the_articles_own_characters(make_settings):
    """余 is also the simplified form of 餘, so the answer shown after the check was converted again, without the
    passages, and the sixteenth test article's 余偉文 and 恒信 came out 餘偉文 and 恆信 (session 29)."""
    import shutil

    from rag.index import ingest
    from tests.conftest import ROOT

    settings = make_settings(llm_reads="passages")
    shutil.copy(ROOT / "tests" / "data" / "corpus16" / "stablecoin-licence-2026.txt", settings.corpus_dir)
    ingest.run(settings)
    reply = "余偉文喺中環恒信銀行總行大廈出席首批穩定幣牌照嘅發牌儀式[1]。"
    fake = FakeLLM(replies=["YES", lambda m: reply.replace("[1]", f"[{holding('恒信銀行總行', m)}]")])
    answer = Bot(settings, llm=fake).answer("余偉文喺邊度出席首批穩定幣牌照嘅發牌儀式？", backend="bundled")
    assert not answer.refused and answer.backend == "bundled"
    assert "余偉文喺中環恒信銀行總行大廈" in answer.text


def test_a_figure_cited_to_the_wrong_passage_is_cited_to_the_right_one(ask):
    _, answer, _ = ask(Q, "YES", cited(holds=False))
    assert not answer.refused and answer.backend == "bundled"
    assert FACT in answer.citations[0].quote


def test_a_claim_cited_to_a_headline_quotes_the_sentence_of_its_story_that_states_it(ask):
    # The headline 撥款5000萬挺全民AI培訓 is among the passages shown; the quote is the story's sentence.
    headline = "撥款5000萬挺全民AI培訓"
    _, answer, _ = ask("全民AI培訓有幾多撥款？", "YES", cited("全民AI培訓獲撥款5000萬元[{n}]。", headline))
    assert not answer.refused and answer.backend == "bundled"
    (citation,) = answer.citations
    assert headline not in citation.quote and "撥款5,000萬元支持全民AI培訓" in citation.quote
    assert span_text(SOURCE, list(citation.spans)) == citation.quote  # verbatim, with its place


def test_two_claims_on_one_passage_are_quoted_from_each_ones_sentence(ask):
    # One [n] for two claims held by two sentences of the passage: the quote spans both, verbatim.
    reply = "沙嶺數據園可提供25萬平方米樓面面積[{n}]，香港人工智能研發院將於下半年投入運作[{n}]。"
    _, answer, _ = ask(Q, "YES", cited(reply))
    (citation,) = answer.citations
    assert FACT in citation.quote and "下半年投入運作" in citation.quote
    assert span_text(SOURCE, list(citation.spans)) == citation.quote


def test_a_rejected_answer_is_retried_once_with_the_reason(ask):
    invented = "沙嶺數據園可提供99萬平方米樓面面積[1]。"
    _, answer, fake = ask(Q, "YES", invented, cited())
    assert not answer.refused and answer.backend == "bundled" and FACT in answer.text
    retry = fake.prompts[2]
    assert retry[-2] == {"role": "assistant", "content": invented}
    assert "99" in retry[-1]["content"] or "figure" in retry[-1]["content"].lower()


def test_two_rejected_answers_give_way_to_the_quoted_sentences(ask):
    invented = "沙嶺數據園可提供99萬平方米樓面面積[1]。"
    _, answer, _ = ask(Q, "YES", invented, invented)
    assert not answer.refused and answer.backend == "extractive"
    assert answer.note.startswith("replaced an answer that failed grounding")
    assert "99萬" not in answer.text and any(FACT in c.quote for c in answer.citations)


def test_two_rejected_answers_counting_what_the_passages_count_otherwise_are_a_refusal(ask):
    # en-063 (session 25, unanswerable): 27個…學士學位課程 given as "27 students", twice, was then quoted.
    def students(messages):
        return f"The new programmes will admit 27 students [{holding('27個', messages)}]."
    _, answer, _ = ask("How many students will the 27 new STEAM degree programmes admit?", "YES", students, students)
    assert answer.refused and not answer.citations
    assert "a count given for what the passages count otherwise" in answer.note
    assert answer.note.endswith("not quoted, as the passages count something else")


def test_giving_up_at_once_is_a_refusal_and_the_marker_is_never_shown(ask):
    streamed, answer, _ = ask(Q, "YES", prompts.NOT_FOUND)
    assert answer.refused and answer.note == "the model found no answer in the passages"
    assert not any("NOT_" in s for s in streamed)


def test_giving_up_after_a_rejection_quotes_the_article_when_the_model_was_sure(ask):
    _, answer, _ = ask(Q, "YES", "沙嶺數據園可提供99萬平方米[1]。", prompts.NOT_FOUND, probabilities=(0.9, 0.8))
    assert not answer.refused and answer.backend == "extractive"
    assert "quoted instead" in answer.note and "mean P(YES) 0.85" in answer.note
    assert any(FACT in c.quote for c in answer.citations)


@pytest.mark.parametrize(("rejected", "quoted"), [
    ("餘下15億元會按需分配[9]。", ["15億元"]),  # its figure is in one of the two near sentences: that one alone
    ("餘下的款項會按需分配[9]。", ["15億元", "5億元"]),  # no figure to go by: both, as before
    # One made-up figure beside one of the sentence's (session 29): it held all of them in neither sentence.
    ("餘下15億元會喺2019年按需分配[9]。", ["15億元"]),
    ("優質教育基金預留的款項有2019億元[9]。", ["15億元", "5億元"]),  # none in either: both
])
def test_a_quote_in_place_of_a_rejected_answer_keeps_the_sentence_with_its_figures(ask, rejected, quoted):
    _, answer, _ = ask("優質教育基金預留的款項中，有多少會按需分配？", "YES", rejected, prompts.NOT_FOUND,
                       probabilities=(0.9, 0.8))
    assert not answer.refused and answer.backend == "extractive"
    assert len(answer.citations) == len(quoted)
    assert all(f in c.quote for f, c in zip(quoted, answer.citations, strict=True))


@pytest.mark.parametrize("probabilities,overrides", [
    ((0.6, 0.6), {}),  # not sure enough
    ((None,), {}),  # a backend without token probabilities: never quoted
    ((1.0, 1.0), {"llm_quote_above": 1.01}),  # above 1: always refuse
])
def test_giving_up_after_a_rejection_is_a_refusal_unless_sure(ask, probabilities, overrides):
    _, answer, _ = ask(Q, "YES", "沙嶺數據園可提供99萬平方米[1]。", prompts.NOT_FOUND, probabilities=probabilities,
                       **overrides)
    assert answer.refused and "after its first was rejected" in answer.note


@pytest.mark.parametrize("when", ["asked first", "answering"])
def test_an_unavailable_model_gives_the_quoted_sentences_with_a_note(ask, when):
    replies = [LLMUnavailable("server down")] if when == "asked first" else ["YES", LLMUnavailable("server down")]
    _, answer, _ = ask(Q, *replies)
    assert not answer.refused and answer.backend == "extractive"
    assert prompts.FELL_BACK["cmn-Hant"] in answer.text and any(FACT in c.quote for c in answer.citations)


def test_a_cantonese_asker_reads_cantonese_words(ask):
    _, answer, fake = ask("沙嶺數據園可以提供幾多樓面面積？", "YES", cited("沙嶺數據園是可提供{fact}樓面面積的[{n}]。"))
    assert not answer.refused and answer.language == "yue"
    assert "係" in answer.text and "是" not in answer.text and FACT in answer.text
    assert "(In written Chinese:" in fake.prompts[-1][-1]["content"]  # read with its written-Chinese form


def test_another_form_of_a_name_is_asked_with_the_articles_which_the_answer_does_not_repeat(ask):
    """香港交易所, which the article writes 香港交易及結算有限公司: searched and put to the model with it
    (names.with_written_forms). The model copies such an addition (it wrote 香港金融管理局（香港金融管理局）), so what
    code added is taken out of the answer (session 23)."""
    fact = "便利和吸引更多航天企業來港上市"
    reply = cited("香港交易所（香港交易及結算有限公司）會檢視相關上市規定，{fact}[{n}]。", fact)
    streamed, answer, fake = ask("香港交易所要檢視甚麼上市規定？", "YES", reply)
    assert "香港交易所（香港交易及結算有限公司）要檢視" in fake.prompts[-1][-1]["content"]
    assert not answer.refused and fact in answer.text and "（香港交易及結算有限公司）" not in answer.text
    assert answer.text.startswith("香港交易所會檢視") and all("（香港交易及結算有限公司）" not in s for s in streamed)
    assert any(fact in c.quote for c in answer.citations)


def test_a_simplified_chinese_asker_reads_simplified_characters(ask):
    _, answer, _ = ask("沙岭数据园可以提供多少楼面面积？", "YES", cited())
    assert not answer.refused and answer.language == "cmn-Hans"
    assert "沙岭数据园" in answer.text and "25万平方米" in answer.text


def test_an_english_figure_mistranslated_is_retried_with_the_right_english_forms(ask):
    wrong = "The data park can provide 26,000 square metres of floor area [{n}]."
    right = "The data park can provide 250,000 square metres of floor area [{n}]."
    _, answer, fake = ask("How much floor area can the Sandy Ridge Data Park provide?", "YES",
                          cited(wrong), cited(right))
    assert not answer.refused and answer.language == "en" and "250,000 square metres" in answer.text
    assert "the passages' figures in English are:" in fake.prompts[2][-1]["content"]
    assert "250,000 square metres" in fake.prompts[2][-1]["content"]


@pytest.mark.parametrize("holds", [True, False])
def test_an_english_figure_with_a_yi_figures_digits_and_a_wrong_scale_is_given_its_value(ask, holds):
    """20億元 read as "HK$20 billion" (the digits copied, the scale word guessed) is HK$2 billion, by code, with no
    retry, and cited to the passage that holds it: asked again, the model mostly gave up (docs/history.md, s. 27)."""
    qef = "How much has the Quality Education Fund reserved for digital education in primary and secondary schools?"
    wrong = "The Quality Education Fund has reserved HK$20 billion for digital education [{n}]."
    _, answer, fake = ask(qef, "YES", cited(wrong, "20億元", holds))
    assert not answer.refused and answer.backend == "bundled" and len(fake.prompts) == 2, answer.note
    assert "reserved HK$2 billion for" in answer.text and "20 billion" not in answer.text
    assert "20億元" in answer.citations[0].quote


def test_a_person_named_for_a_title_the_article_gives_someone_else_is_turned_down(ask):
    """陳茂波 is the article's 財政司司長, not a deputy (session 28: a panel chairman named as the Deputy Commissioner
    for Transport, from his own sentence)."""
    from rag.answer import ground

    reply = cited("The Deputy Financial Secretary is Paul Chan Mo-po [{n}].", "陳茂波")
    _, answer, _ = ask("Who is the Deputy Financial Secretary?", "YES", reply, prompts.NOT_FOUND,
                          probabilities=[0.1, 0.1])
    assert answer.refused and f"{ground.UNTITLED}: 陳茂波" in answer.note, answer.note


def test_a_figure_whose_digits_no_yi_figure_writes_is_still_turned_down(ask):
    qef = "How much has the Quality Education Fund reserved for digital education in primary and secondary schools?"
    wrong = "The Quality Education Fund has reserved HK$30 billion for digital education [{n}]."
    _, answer, fake = ask(qef, "YES", cited(wrong, "20億元"), prompts.NOT_FOUND, probabilities=[0.1, 0.1])
    assert answer.refused and "30 billion" not in answer.text
    assert "figures not in the cited passages: HK$30 billion" in fake.prompts[2][-1]["content"]


def test_a_followup_is_asked_with_the_question_before_it(ask):
    first = "沙嶺數據園可以提供多少樓面面積？"
    reply = cited("沙嶺數據園的招標結果將於{fact}公布[{n}]。", fact="短期內")
    _, answer, fake = ask("招標結果幾時公布？", "YES", reply, history=[first])
    assert not answer.refused
    asked_first, answered = fake.prompts
    assert first in asked_first[-1]["content"]  # judged joined to the question before it
    assert prompts.PREVIOUS.format(previous=first) in answered[-1]["content"]


@pytest.mark.parametrize("question", ["啟德體育園幾時開幕？", "   ", "？？？"])
def test_what_is_refused_before_any_model_never_reaches_it(ask, question):
    _, answer, fake = ask(question)
    assert answer.refused and fake.prompts == []


def test_a_place_the_article_never_writes_is_refused_before_the_model_reads_it(ask):
    """沙田 is a known place of two characters (the unknown-terms check reads runs of three or more); the passages'
    article never writes it, so what they say of 沙嶺數據園 is not said of 沙田 (session 28)."""
    _, answer, fake = ask("沙田的沙嶺數據園可以提供多少樓面面積？")
    assert answer.refused and answer.note == "a place the articles read never write: 沙田" and not fake.prompts


def test_an_unknown_backend_is_an_error(indexed):
    with pytest.raises(ValueError, match="unknown backend"):
        list(Bot(indexed, llm=FakeLLM()).stream(Q, backend="gpt"))


def test_the_fake_model_fails_the_test_when_asked_more_than_scripted(indexed):
    with pytest.raises(AssertionError, match="no reply queued"):
        Bot(indexed, llm=FakeLLM()).answer(Q, backend="bundled")


# An English asker who gets a quote reads it in English: the model's translation when its check passes.
QEF = "陳茂波又提到，優質教育基金已預留20億元，推動數字教育。"
FAITHFUL = ("Paul Chan Mo-po also mentioned that the Quality Education Fund has reserved HK$2 billion to "
            "promote digital education.")


def test_a_quote_is_shown_with_the_models_translation_when_it_passes_the_check():
    fake = FakeLLM(replies=[FAITHFUL])
    text, why = translate.english([QEF], fake)
    assert text == f"{prompts.TRANSLATION_LEAD} {FAITHFUL} [1]" and why == []
    asked = fake.prompts[0][-1]["content"]  # the sentence alone, with its names and figures in English
    assert "[= HK$2 billion]" in asked and "[= Paul Chan Mo-po]" in asked and "Question" not in asked


def test_a_translation_reading_a_yi_figures_digits_at_the_wrong_scale_is_given_its_value():
    """20億元 rendered "HK$20 billion" is given the sentence's value, as an answer's figure is (session 28)."""
    text, why = translate.english([QEF], FakeLLM(replies=[FAITHFUL.replace("HK$2 billion", "HK$20 billion")]))
    assert text == f"{prompts.TRANSLATION_LEAD} {FAITHFUL} [1]" and why == []


@pytest.mark.parametrize("reply", [FAITHFUL.replace("HK$2 billion", "HK$3 billion"), LLMUnavailable("down")])
def test_a_translation_that_fails_its_check_gives_the_names_and_figures_by_code(reply):
    text, why = translate.english([QEF], FakeLLM(replies=[reply]))
    assert text == f"{prompts.ENGLISH_GLOSS_LEAD} {translate.names_and_figures(QEF)} [1]" and why

