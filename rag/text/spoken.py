"""A model's answer to a Cantonese question, put into Hong Kong Cantonese where it slipped into written Chinese.

The bundled model reads and writes standard written Chinese far better than Cantonese: told to answer a
Cantonese question in Cantonese, it wrote most of its Cantonese answers (docs/history.md) in
written Chinese or a mixture (他會投資…, 剩下的15億元…, 些大學會加27個同STEAM有關嘅學士課程), which a
citizen who asked 撥咗幾多錢？ reads as a reply in another register. So its grammatical words are put
into their Cantonese forms here, by code: 的 → 嘅, 是 → 係, 了 → 咗, 他們 → 佢哋, 沒有 → 冇, 現在 → 而家 ….

Conservative on purpose: a word that is wrong in Cantonese is worse than one left written.

* Only whole words of jieba's cut change (with the article's names in its dictionary: 目的, 了解,
  國家工業和信息化部 stay whole; a name jieba does not know is protected only by the table's
  leaving out 和, 東西 and the like), and only grammatical words whose Cantonese form says the same in
  every common use. Left alone for that reason: single 還 (also "to return"), single 那 (also "then"),
  怎麼 (also "why"), 多少 (also "more or less"), 東西 (also east and west), 和 (inside names).
* Two words change only where jieba's part-of-speech tags say they mean what the Cantonese word means:
  在 → 喺 before a place, thing or time (在香港, 在2025年), not before a verb (在研究: Cantonese says
  研究緊); 了 → 咗 inside a clause (成立了委員會), not at its end (可以申請了: "now", not "done").
* Nothing inside 「」, 《》 or 『』 changes (the model quoting the article), nor after a quote that is
  still open in a streamed answer; figures and Latin text are not words of the table.

The grounding check runs on the answer as written; what changes here holds no figure and no name, so
it holds for the answer as shown, and citations quote the article untouched. Written by hand: OpenCC
converts scripts, not registers, and no packaged written-to-Cantonese converter exists.
"""

from __future__ import annotations

import re

from rag.index import lexical
from rag.text import language

#: Written Chinese word → Hong Kong Cantonese, the same in every common use (traditional keys).
WORDS: dict[str, str] = {
    "的": "嘅", "是": "係", "不是": "唔係", "就是": "就係",
    "這": "呢", "這個": "呢個", "這些": "呢啲", "這裏": "呢度", "這裡": "呢度", "這樣": "咁", "這麼": "咁",
    "那個": "嗰個", "那些": "嗰啲", "那裏": "嗰度", "那裡": "嗰度", "那麼": "咁",
    "他": "佢", "她": "佢", "它": "佢", "他們": "佢哋", "她們": "佢哋", "它們": "佢哋",
    "沒有": "冇", "不": "唔", "不會": "唔會", "不用": "唔使", "不知道": "唔知",
    "什麼": "乜嘢", "甚麼": "乜嘢", "為什麼": "點解", "為甚麼": "點解", "什麼時候": "幾時", "何時": "幾時",
    "誰": "邊個", "哪": "邊", "哪個": "邊個", "哪些": "邊啲", "哪裏": "邊度", "哪裡": "邊度",
    "怎樣": "點樣", "怎麼樣": "點樣", "現在": "而家", "一些": "一啲", "些": "啲",
    "還有": "仲有", "還要": "仲要", "很": "好", "很多": "好多",
    "給": "畀", "拿": "攞", "拿到": "攞到", "拿來": "攞嚟", "用來": "用嚟", "剩下": "剩低",
}
#: Words changed only where the next word's part of speech allows (see the module docstring).
_IN = "在"
_DONE = "了"
# 是次 ("this time") is one formal word jieba cuts in two.
_NOT_AFTER_IS = ("次",)
_QUOTED = re.compile(r"「[^」]*」|《[^》]*》|『[^』]*』|[「《『].*\Z", re.S)


def _is_punctuation(word: str) -> bool:
    return not any(ch.isalnum() for ch in word)


def _segment(text: str) -> str:
    """Text outside quotes: cut into tagged words, each put into Cantonese where that is safe."""
    simp = language.to_simplified(text)
    if len(simp) != len(text):  # offsets would not line up; leave it as written
        return text
    pairs = list(lexical.jieba_tagger().cut(simp))
    out, pos = [], 0
    for i, pair in enumerate(pairs):
        word = text[pos:pos + len(pair.word)]
        pos += len(pair.word)
        nxt = next((p for p in pairs[i + 1:] if p.word.strip()), None)
        key = language.to_traditional(word)
        if key == _IN:
            place = nxt is not None and not _is_punctuation(nxt.word) and nxt.flag[:1] not in ("v", "d", "a")
            out.append("喺" if place else word)
        elif key == _DONE:
            out.append("咗" if nxt is not None and not _is_punctuation(nxt.word) else word)
        elif key == "是" and nxt is not None and nxt.word.startswith(_NOT_AFTER_IS):
            out.append(word)
        else:
            out.append(WORDS.get(key, word))
    return "".join(out)


def cantonese(text: str) -> str:
    """``text`` (traditional characters) with its written-Chinese grammatical words in Cantonese."""
    parts, last = [], 0
    for m in _QUOTED.finditer(text):
        parts += [_segment(text[last:m.start()]), m.group()]
        last = m.end()
    parts.append(_segment(text[last:]))
    return "".join(parts)
