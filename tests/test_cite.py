"""Which sentence of a cited passage a citation quotes (rag/answer/cite.py): the one holding the claim."""

from __future__ import annotations

from rag.answer import cite

FIRST = "今年3月至4月期間，紅隧日均行車量約11.4萬架次，按年下跌8%；"
SECOND = "西隧日均行車量則約8.9萬架次，按年上升7%，反映部分駕駛人士已轉用西隧。"


def test_a_claims_figure_outweighs_the_dates_it_shares_with_the_sentence_before():
    """The claim's 7% and 西隧 are the second sentence's; its 今年3月至4月 only says when (session 28's fifteenth
    test article: the first sentence, holding two dates, was quoted)."""
    claim, question = "西隧的日均行車量今年3月至4月按年上升7%。", "今年3月至4月期間，西隧的日均行車量按年變化了多少？"
    assert cite.support(claim, SECOND, question, False) > cite.support(claim, FIRST, question, False)


def test_a_date_counts_in_full_when_the_question_asks_when():
    claim = "紅隧日均行車量今年3月至4月按年下跌8%。"
    asked_when, asked_how_much = "紅隧日均行車量幾時下跌？", "紅隧日均行車量下跌了多少？"
    assert cite.support(claim, FIRST, asked_when, False) - cite.support(claim, FIRST, asked_how_much, False) \
        == 3 * (1 - cite.CONTEXT)  # 今年, 3月, 4月
