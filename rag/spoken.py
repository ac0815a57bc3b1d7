"""A model's answer to a Cantonese question, put into Hong Kong Cantonese where it slipped into written Chinese.

The bundled model reads and writes standard written Chinese far better than Cantonese: told to answer a
Cantonese question in Cantonese, it wrote 32 of its 50 Cantonese answers (both eval sets, 2026-12-02) in
written Chinese or a mixture (他會投資…, 剩下的15億元…, 些大學會加27個同STEAM有關嘅學士課程), which a
citizen who asked 撥咗幾多錢？ reads as a reply in another register. So its grammatical words are put
into their Cantonese forms here, by code: 的 → 嘅, 是 → 係, 在 → 喺, 了 → 咗, 他們 → 佢哋, 沒有 → 冇,
現在 → 而家 ….

Only whole words are changed (jieba's cut, with the article's names in its dictionary, so 目的, 現在化 or a
name is never cut open), only words that mean the same in both registers (no content words: 辦, 看, 說
stay), and never inside 「」 or 《》, where the model quotes the article. Figures and names do not move, so
the grounding check, which ran on the answer as written, holds for the answer as shown; citations quote
the article verbatim and are not touched. Written by hand: OpenCC converts scripts, not registers, and no
packaged written-to-Cantonese converter exists.
"""

from __future__ import annotations

import re

from rag import language, lexical

#: Written Chinese word → Hong Kong Cantonese (traditional keys; simplified answers are converted first).
WORDS: dict[str, str] = {
    "的": "嘅", "是": "係", "不是": "唔係", "就是": "即係", "在": "喺", "了": "咗",
    "這": "呢", "這個": "呢個", "這些": "呢啲", "這裏": "呢度", "這裡": "呢度", "這樣": "咁", "這麼": "咁",
    "那": "嗰", "那個": "嗰個", "那些": "嗰啲", "那裏": "嗰度", "那裡": "嗰度", "那麼": "咁",
    "他": "佢", "她": "佢", "它": "佢", "他們": "佢哋", "她們": "佢哋", "它們": "佢哋",
    "和": "同", "沒有": "冇", "不": "唔", "不會": "唔會", "不用": "唔使", "不知道": "唔知",
    "什麼": "乜嘢", "甚麼": "乜嘢", "為什麼": "點解", "為甚麼": "點解", "什麼時候": "幾時", "何時": "幾時",
    "誰": "邊個", "哪": "邊", "哪個": "邊個", "哪些": "邊啲", "哪裏": "邊度", "哪裡": "邊度",
    "怎樣": "點樣", "怎麼": "點樣", "怎麼樣": "點樣", "多少": "幾多",
    "現在": "而家", "一些": "一啲", "些": "啲", "還": "仲", "還有": "仲有", "很": "好", "很多": "好多",
    "給": "俾", "拿": "攞", "拿來": "攞嚟", "用來": "用嚟", "剩下": "剩低", "東西": "嘢",
}

# Quoted text (the article's own words, or a title) is left as the model quoted it.
_QUOTED = re.compile(r"「[^」]*」|《[^》]*》|『[^』]*』")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _run(run: str) -> str:
    """One run of Chinese characters, cut into words, each word put into Cantonese if it has a form."""
    simp = language.to_simplified(run)
    if len(simp) != len(run):  # offsets would not line up; leave the run as written
        return run
    out = []
    for _word, start, end in lexical.jieba_tokenizer().tokenize(simp):
        word = run[start:end]
        out.append(WORDS.get(language.to_traditional(word), word))
    return "".join(out)


def cantonese(text: str) -> str:
    """``text`` (traditional characters) with its written-Chinese grammatical words in Cantonese."""
    parts, last = [], 0
    for m in _QUOTED.finditer(text):
        parts.append(_HAN_RUN.sub(lambda r: _run(r.group()), text[last:m.start()]))
        parts.append(m.group())
        last = m.end()
    parts.append(_HAN_RUN.sub(lambda r: _run(r.group()), text[last:]))
    return "".join(parts)
