"""Answers to Cantonese questions are shown in Cantonese words, with figures, names and quotes unmoved."""

from __future__ import annotations

import pytest

from rag.answer.pipeline import as_shown
from rag.text import language, spoken


@pytest.mark.parametrize("written,expected", [
    # Seen from the bundled model (eval runs of 2026-12-02).
    ("AI效能提升組那1億蚊，主要是拿來引入一些AI專家及顧問 [1]。",
     "AI效能提升組那1億蚊，主要係攞嚟引入一啲AI專家及顧問 [1]。"),
    ("剩下的15億元將配合《中小學數字教育發展藍圖》發布後制定的措施，按需分配[2]。",
     "剩低嘅15億元將配合《中小學數字教育發展藍圖》發布後制定嘅措施，按需分配[2]。"),
    ("菁英企業培育計劃要在香港營運2年先可以申請[1]。", "菁英企業培育計劃要喺香港營運2年先可以申請[1]。"),
    ("他們現在還沒有公布[1]。", "佢哋而家還冇公布[1]。"),
    ("影的是香港國際創科展 [1]。", "影嘅係香港國際創科展 [1]。"),
    ("政府已成立了委員會，在2025年推出[1]。", "政府已成立咗委員會，喺2025年推出[1]。"),
    ("咁每間學校拿到50萬元撥款[1]。", "咁每間學校攞到50萬元撥款[1]。"),  # 2026-12-03
])
def test_written_grammar_words_become_cantonese(written, expected):
    assert spoken.cantonese(written) == expected


@pytest.mark.parametrize("text,kept", [
    ("委員會的目的", "目的"),  # one word: its 的 would become 嘅
    ("他們了解情況", "了解"),  # one word
    ("與國家工業和信息化部簽署", "國家工業和信息化部"),  # a name holding 和
    ("他會還錢", "還錢"),  # 還 is also "to return"
    ("那就要先登記", "那就"),  # 那 is also "then"
    ("怎麼會", "怎麼"),  # also "why"
    ("多少都有幫助", "多少"),  # also "more or less"
    ("東西九龍", "東西"),  # east and west
    ("是次撥款", "是次"),  # "this time"
    ("他在研究", "在研究"),  # 在 before a verb: Cantonese says 研究緊, not 喺研究
    ("可以申請了。", "了。"),  # a 了 ending the clause says "now", not "done"
])
def test_words_that_change_meaning_in_some_uses_are_left_alone(text, kept):
    assert kept in spoken.cantonese(text)


@pytest.mark.parametrize("text,quoted", [
    ("他說「他們在香港的研究是這樣」[1]。", "「他們在香港的研究是這樣」"),
    ("他見《他們的現在》[1]", "《他們的現在》"),
    ("他見『他們的』[1]", "『他們的』"),
    ("他說「他們在香港的", "「他們在香港的"),  # a quote still open while the answer streams
])
def test_quotes_are_left_as_the_model_quoted_them(text, quoted):
    out = spoken.cantonese(text)
    assert quoted in out and out.startswith("佢")


def test_figures_names_and_markers_never_move():
    text = "他們的撥款是5,000萬元，在2025/26學年起的三個學年由陳茂波主持，不是HK$50 million [1][2]。"
    out = spoken.cantonese(text)
    assert out == "佢哋嘅撥款係5,000萬元，喺2025/26學年起嘅三個學年由陳茂波主持，唔係HK$50 million [1][2]。"


def test_cantonese_already_is_unchanged():
    text = "政府撥咗5,000萬元搞全民AI培訓，佢哋會喺今年開始[1]。"
    assert spoken.cantonese(text) == text


def test_only_cantonese_askers_get_cantonese_words():
    text = "他們現在在香港的研發院工作[1]。"
    assert as_shown(text, "cmn-Hant") == text
    assert as_shown(text, "cmn-Hans") == language.to_simplified(text)
    assert as_shown(text, "yue") == "佢哋而家喺香港嘅研發院工作[1]。"
