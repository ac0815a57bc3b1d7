"""Answers to Cantonese questions are shown in Cantonese words, with figures, names and quotes unmoved."""

from __future__ import annotations

import pytest

from rag import language, spoken
from rag.pipeline import as_shown


@pytest.mark.parametrize("written,expected", [
    # Seen from the bundled model (eval runs of 2026-12-02).
    ("AI效能提升組那1億蚊，主要是拿來引入一些AI專家及顧問 [1]。",
     "AI效能提升組嗰1億蚊，主要係攞嚟引入一啲AI專家及顧問 [1]。"),
    ("剩下的15億元將配合《中小學數字教育發展藍圖》發布後制定的措施，按需分配[2]。",
     "剩低嘅15億元將配合《中小學數字教育發展藍圖》發布後制定嘅措施，按需分配[2]。"),
    ("菁英企業培育計劃要在香港營運2年先可以申請[1]。", "菁英企業培育計劃要喺香港營運2年先可以申請[1]。"),
    ("他們現在還沒有公布[1]。", "佢哋而家仲冇公布[1]。"),
    ("影的是香港國際創科展 [1]。", "影嘅係香港國際創科展 [1]。"),
])
def test_written_grammar_words_become_cantonese(written, expected):
    assert spoken.cantonese(written) == expected


@pytest.mark.parametrize("text,kept", [
    ("委員會的目的是訂定策略[1]。", "目的"),  # one word: its 的 stays
    ("他們了解現時的情況[1]。", "了解"),  # one word: its 了 stays
    ("引述「為人工智能（AI）帶動產業轉型及發展訂定策略的」[1]", "「為人工智能（AI）帶動產業轉型及發展訂定策略的」"),
    ("《中小學數字教育發展藍圖》", "《中小學數字教育發展藍圖》"),
])
def test_words_inside_words_and_quotes_are_left_alone(text, kept):
    assert kept in spoken.cantonese(text)


def test_figures_names_and_markers_never_move():
    text = "香港人工智能研發院的撥款是5,000萬元，在2025/26學年起的三個學年推行，由陳茂波主持[1][2]。"
    out = spoken.cantonese(text)
    for kept in ("香港人工智能研發院", "5,000萬元", "2025/26", "陳茂波", "[1][2]"):
        assert kept in out
    assert "嘅" in out and "係" in out and "喺" in out


def test_cantonese_already_is_unchanged():
    text = "政府撥咗5,000萬元搞全民AI培訓，佢哋會喺今年開始[1]。"
    assert spoken.cantonese(text) == text


def test_only_cantonese_askers_get_cantonese_words():
    text = "他們現在在香港的研發院工作[1]。"
    assert as_shown(text, "cmn-Hant") == text
    assert language.to_simplified(text) == as_shown(text, "cmn-Hans")
    shown = as_shown(text, "yue")
    assert language.detect(shown).lang == "yue" and "研發院" in shown
