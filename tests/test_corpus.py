"""The parsed article, checked line by line against the file it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.index import markup
from rag.index.chunks import chunk_article
from rag.index.corpus import CorpusError, corpus_files, decode, parse, read_article, span_text

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"
SEED = ROOT.parent / "shared" / "seed" / "000_147cff58fe8223ec.txt"

STORIES = [
    "人工智能研發院今年運作 撥款5000萬挺全民AI培訓",
    "100億創科引導基金爭取年內運作",
    "AI專家選定方案 助力數智化轉型提速",
    "AI及產業相關措施",
    "2.2億元建首個境外國家製造業創新中心",
]


@pytest.fixture(scope="module")
def article():
    return read_article(ARTICLE)


def test_corpus_copy_is_byte_for_byte():
    if not SEED.exists():
        pytest.skip("shared/seed is not beside this checkout")
    assert ARTICLE.read_bytes() == SEED.read_bytes()


def test_every_piece_is_verbatim(article):
    src = article.text
    for block in article.blocks:
        assert span_text(src, block.spans) == block.text
        for sent in block.sentences:
            assert span_text(src, sent.spans) == sent.text
            for a, b in sent.spans:
                assert src[a:b] == src[a:b].strip() and a < b


def test_nothing_is_lost_and_nothing_overlaps(article):
    """Every visible character of the file is in exactly one block (bullets and list marks aside)."""
    covered = [0] * len(article.text)
    for block in article.blocks:
        for a, b in block.spans:
            for i in range(a, b):
                covered[i] += 1
    assert max(covered) == 1
    missed = "".join(ch for ch, n in zip(article.text, covered, strict=True) if n == 0 and not ch.isspace())
    assert set(missed) <= {"●", "-"}, missed


def test_sub_articles_in_reading_order(article):
    assert article.sub_articles == STORIES


def test_last_line_is_the_headline_of_the_last_story(article):
    last = article.blocks[-1]
    assert last.kind == "headline" and last.text == "2.2億元建首個境外國家製造業創新中心"
    assert last.spans[0][1] == len(article.text.rstrip())
    first_of_story = next(b for b in article.blocks if b.sub_article == STORIES[4])
    assert first_of_story.kind == "byline" and first_of_story.text == "香港文匯報訊（記者 楊盈盈）"
    assert any(b.text.startswith("香港特區政府正就香港新型工業") for b in article.blocks
               if b.sub_article == STORIES[4])


@pytest.mark.parametrize("sentence", [
    "由於AI可為社會及就業市場帶來新機遇，當局將撥款5,000萬元邀請公營機構、科技企業及大專院校籌辦AI應用學習課程、"
    "講座及比賽，以提升學生、公眾對AI的認知和運用技能。",
    "財政司司長陳茂波表示，現時各科技園區及港投公司正支持具身智能相關初創企業，政府亦將積極推動具身智能生態圈建設及產品落地應用。",
    "陳茂波指香港可協助內地航天產業與全球市場對接，並提供科研、融資、風險管理及法律等專業服務，"
    "引進將牽頭物色合適的航天企業來港發展，同時亦已要求香港交易及結算有限公司檢視相關上市規定，便利和吸引更多航天企業來港上市。",
    "另一方面，公務員學院亦會聯同數字政策辦公室，為公務員提供以AI為主題的培訓，協助公務員更好掌握相關知識與應用能力。",
])
def test_sentences_broken_by_the_layout_are_repaired(article, sentence):
    found = [(b, s) for b, s in article.sentences() if s.text == sentence]
    assert len(found) == 1, sentence
    block, sent = found[0]
    assert block.kind == "prose"
    assert len(sent.spans) == 2  # two runs in the file, one sentence to a reader
    assert span_text(article.text, sent.spans) == sentence


def test_captions_are_their_own_blocks(article):
    captions = [b for b in article.blocks if b.kind == "caption"]
    assert len(captions) == 4
    assert captions[0].text == "政府撥款5,000萬元支持全民AI培訓，實行全方位帶動AI產業化和普及化。資料圖片"
    assert captions[0].sentences[-1].text == "資料圖片"  # the credit on its own line joins its caption
    for b in article.blocks:
        if b.kind == "prose":
            assert "●" not in b.text and "資料圖片" not in b.text


def test_bylines(article):
    bylines = [(b.sub_article, b.text) for b in article.blocks if b.kind == "byline"]
    assert bylines == [
        (STORIES[0], "香港文匯報記者 楊盈盈、陸雅楠"),
        (STORIES[1], "香港文匯報訊（記者 楊盈盈）"),
        (STORIES[2], "香港文匯報訊（記者 楊盈盈）"),
        (STORIES[4], "香港文匯報訊（記者 楊盈盈）"),
    ]


def test_section_headings(article):
    sections = {(b.sub_article, b.heading) for b in article.blocks if b.kind == "prose" and b.heading}
    assert sections == {
        (STORIES[0], "沙嶺數據園提升算力規模"),
        (STORIES[0], "再培訓局升格技能提升局"),
        (STORIES[1], "推動具身智能量子科技產品應用"),
        (STORIES[2], "公務員學院提供AI培訓"),
        (STORIES[4], "選址元朗微電子中心"),
    }
    kicker = article.blocks[0]
    assert kicker.kind == "headline" and kicker.text == "AI+產策會成立作頂層布局"
    assert kicker.sub_article == STORIES[0]


def test_boxed_list(article):
    items = [b for b in article.blocks if b.kind == "list_item"]
    assert len(items) == 11
    assert {b.sub_article for b in items} == {"AI及產業相關措施"}
    assert [b.paragraph for b in items] == list(range(1, 12))
    assert items[1].text.startswith("推動全民AI培訓，撥款5,000萬元")
    assert not items[0].text.startswith("-")


def test_paragraph_numbers_count_within_each_story(article):
    prose = [b for b in article.blocks if b.kind == "prose" and b.sub_article == STORIES[4]]
    assert [b.paragraph for b in prose] == [1, 2, 3, 4, 5, 6]
    assert prose[1].text.startswith("據介紹，該創新中心")


@pytest.mark.parametrize("target", [60, 160, 400])
def test_chunks_are_verbatim_whole_sentences(article, target):
    chunks = chunk_article(article, target, 1)
    sentences = {s.text for _, s in article.sentences()}
    for c in chunks:
        assert span_text(article.text, c.spans) == c.text
        if len(c.spans) == 1:
            assert article.text[c.start:c.end] == c.text
        for sent in c.sentences:
            assert span_text(article.text, sent) in sentences
    assert len({c.id for c in chunks}) == len(chunks)
    # Every sentence of the article is in some chunk.
    chunked = {span_text(article.text, s) for c in chunks for s in c.sentences}
    assert chunked == sentences


def test_chunk_ids_are_stable(article):
    again = read_article(ARTICLE)
    assert [c.id for c in chunk_article(article)] == [c.id for c in chunk_article(again)]


def test_markdown_and_plain_text():
    md = "# First story\n\nSome text here. More text.\n\n## A section\n\n- item one\n- item two\n\n# Second\n\nBody.\n"
    a = parse(md, "x.md")
    assert a.sub_articles == ["First story", "Second"]
    kinds = [(b.kind, b.heading) for b in a.blocks]
    assert ("prose", "") in kinds and ("list_item", "A section") in kinds
    for b in a.blocks:
        assert span_text(md, b.spans) == b.text
    plain = parse("just one line of text without a title.\n", "p.txt")
    assert [b.kind for b in plain.blocks] == ["prose"]


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (b"  \n\n ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"caf\xe9 au lait \xff\xfe", "not UTF-8"),
])
def test_bad_files_are_refused_with_the_file_named(data, needle):
    with pytest.raises(CorpusError) as e:
        decode(data, "bad.txt")
    assert "bad.txt" in str(e.value) and needle in str(e.value)


def test_big5_and_gb18030_are_read_when_clearly_that():
    text = "財政司司長陳茂波昨日宣布成立策略委員會，撥款五千萬元支持全民培訓。"
    assert decode(text.encode("big5hkscs"), "b.txt") == text
    simplified = "财政司司长陈茂波昨日宣布成立策略委员会，拨款五千万元支持全民培训。"
    assert decode(simplified.encode("gb18030"), "g.txt") == simplified


def test_missing_and_empty_corpus_folders(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        corpus_files(tmp_path / "nope")
    with pytest.raises(CorpusError, match=r"no \.txt or \.md"):
        corpus_files(tmp_path)


# --------------------------------------------------------------------------- any article, not only the Budget's

CORPUS2 = ROOT / "tests" / "data" / "corpus2" / "kai-tak-sports-park.md"
QUESTIONS2 = ROOT / "tests" / "data" / "questions_corpus2.jsonl"


def _digest(article, with_sentences: bool) -> str:
    import hashlib
    import json

    rows = []
    for b in article.blocks:
        row = [b.kind, b.sub_article, b.heading, b.paragraph, [list(s) for s in b.spans]]
        if with_sentences:
            row.append([[list(x) for x in s.spans] for s in b.sentences])
        rows.append(row)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def test_the_budget_article_is_parsed_as_before(article):
    """The parse of the Budget article, digested at ce961c4 before any reading of other articles was added.

    If this fails, a change meant for plain text or Markdown moved a block, a story, a heading or an
    offset of the article every eval figure is measured on.
    """
    assert len(article.blocks) == 57
    assert _digest(article, False) == "472c307f07a7d0d6df0b5a5a0e43011bea33558f1242e8faf70eb35e95fbaa14"
    assert _digest(article, True) == "cf8840d823aa5867afe716825ddd8aebf196e2e76c27a75462393f32c9dc0a41"


def _parsed(text: str, name: str):
    """Parse ``text`` and check what holds for any article: verbatim, in order, no character twice."""
    a = parse(text, name)
    seen = -1
    for b in a.blocks:
        assert span_text(text, b.spans) == b.text and b.text == b.text.strip() and b.text
        for s in b.sentences:
            assert span_text(text, s.spans) == s.text and s.text.strip()
            for x, y in s.spans:
                assert seen <= x < y, (b, s)
                seen = y
    return a


def _texts(a, kind: str | None = None) -> list[str]:
    return [b.text for b in a.blocks if kind is None or b.kind == kind]


def _evidence_in(sentences: list[str], questions: Path, source: str) -> None:
    """Every question of a test article's eval set names it, and each of its evidence spans is within a sentence."""
    import json

    for row in map(json.loads, questions.read_text(encoding="utf-8").splitlines()):
        assert row["source"] == source
        for ev in row["evidence"]:
            assert any(ev in s for s in sentences), ev


def test_the_second_article_in_markdown():
    text = CORPUS2.read_text(encoding="utf-8")
    a = _parsed(text, CORPUS2.name)
    assert a.sub_articles == ["啟德體育園全面開放 主場館可容納五萬人"]
    assert [(b.kind, b.heading, b.paragraph) for b in a.blocks if b.kind == "prose"] == [
        ("prose", "", 1), ("prose", "三大場館", 2), ("prose", "三大場館", 3), ("prose", "營運安排", 4),
        ("prose", "營運安排", 5)]
    assert _texts(a, "headline") == ["啟德體育園全面開放 主場館可容納五萬人", "三大場館", "營運安排"]
    # Every question's evidence is whole inside one sentence.
    _evidence_in([s.text for _, s in a.sentences()], QUESTIONS2, CORPUS2.name)


@pytest.mark.parametrize("name", ["x.md", "x.txt"])
@pytest.mark.parametrize("ending", [
    "啟德體育園昨日開幕，佔地約28公頃", "行政長官李家超主持典禮，稱之為grand opening", "體育園的營運安排，詳情如下",
    "今日正式開幕，歡迎市民🎉", "主禮嘉賓包括李家超、羅淑佩"])
def test_a_paragraph_without_a_full_stop_is_not_glued_to_the_next(name, ending):
    """A figure, an English word, a colon, an emoji or a name ends a paragraph as well as 。 does.

    (In plain text a short line without any punctuation is a heading, so each ending has some.)
    """
    text = f"# 啟德體育園開幕\n\n{ending}\n\n體育園由政府批出合約，營運期為25年。\n"
    if name.endswith(".txt"):
        text = text.replace("# ", "")
    a = _parsed(text, name)
    assert _texts(a, "prose") == [ending, "體育園由政府批出合約，營運期為25年。"]
    assert a.sub_articles == ["啟德體育園開幕"]


def test_plain_text_one_paragraph_a_line_keeps_the_line_break_repair():
    """Without blank lines, a line that ends mid-sentence is carried on by the next (as in print)."""
    text = "啟德體育園開幕\n體育園昨日開幕，佔地約28\n公頃，是香港最大型的體育基建。\n主場館可容納五萬人。\n"
    a = _parsed(text, "p.txt")
    assert _texts(a, "prose") == ["體育園昨日開幕，佔地約28公頃，是香港最大型的體育基建。", "主場館可容納五萬人。"]
    repaired = a.blocks[1].sentences[0]
    assert len(repaired.spans) == 2 and a.sub_articles == ["啟德體育園開幕"]


ENGLISH = """Kai Tak Sports Park Opens to the Public

By Jane Doe and John Smith

HONG KONG - The Kai Tak Sports Park opened yesterday with a ceremony led by
the Chief Executive, John Lee. The park covers about 28 hectares and cost
about HK$30 billion to build. It opened at 7 p.m. on Friday, Mr. Lee said.

Three venues

The main stadium has a retractable roof and can hold 50,000 spectators. The
indoor arena has 10,000 seats, and the public sports ground 5,000

The operator expects about 250 event days a year and about 1,200 jobs
"""


def test_an_english_plain_article():
    a = _parsed(ENGLISH, "kai-tak.txt")
    assert a.sub_articles == ["Kai Tak Sports Park Opens to the Public"]
    assert [(b.kind, b.heading) for b in a.blocks] == [
        ("headline", ""), ("byline", ""), ("prose", ""), ("headline", "Three venues"), ("prose", "Three venues"),
        ("prose", "Three venues")]
    first = a.blocks[2]
    # Words a line break separates stay separate, sentences keep their spaces, and the block is the
    # file's paragraph exactly.
    assert first.text == ENGLISH[first.spans[0][0]:first.spans[0][1]] and len(first.spans) == 1
    assert "led by\nthe Chief Executive" in first.text
    assert [s.text.strip() for s in first.sentences][1:] == [
        "The park covers about 28 hectares and cost\nabout HK$30 billion to build.",
        "It opened at 7 p.m. on Friday, Mr. Lee said."]
    # A paragraph ending in a figure or a word is not glued to the next one.
    assert a.blocks[4].text.endswith("public sports ground 5,000")
    assert a.blocks[5].text == "The operator expects about 250 event days a year and about 1,200 jobs"


MARKDOWN = """---
title: "Front matter title"
date: 2026-03-01
---

<!-- a note for the editor,
     not for readers -->

# 啟德體育園**全面**開放

作者：本報記者 陳大文

主場館可容納**五萬名**觀眾，詳見[官方網站](https://example.com/kt)的資料 😀

> 文化體育及旅遊局局長羅淑佩表示，體育園將成為
> 香港推動盛事經濟的重要平台。

![主場館外貌](stadium.jpg)

![](decor.png)

營運安排
---

1. 營運期為25年
2. 每年約250日大型活動，
   並創造約1,200個職位。
- 另設約14公頃的公共休憩空間

| 場館 | 座位 |
|---|---|
| 室內體育館 | 一萬 |

***

```
x = *not* emphasis
```

Transport
=========

The park is served by **Kai Tak** station and [bus routes](https://example.com/bus). <!-- check -->
Shuttles run until 11 p.m. on event days.
"""


def test_markdown_markup_is_read_as_a_reader_sees_it():
    a = _parsed(MARKDOWN, "m.md")
    kinds = [(b.kind, b.sub_article, b.heading, b.text) for b in a.blocks]
    story, transport = "啟德體育園全面開放", "Transport"
    assert kinds == [
        ("headline", story, "", story),  # ** cut off; front matter skipped (the body has its own # title)
        ("byline", story, "", "作者：本報記者 陳大文"),
        ("prose", story, "", "主場館可容納五萬名觀眾，詳見官方網站的資料 😀"),
        ("prose", story, "", "文化體育及旅遊局局長羅淑佩表示，體育園將成為香港推動盛事經濟的重要平台。"),
        ("caption", story, "", "主場館外貌"),  # an image's alt text; one without is skipped
        ("headline", story, "營運安排", "營運安排"),  # Setext, underlined with ---
        ("list_item", story, "營運安排", "營運期為25年"),
        ("list_item", story, "營運安排", "每年約250日大型活動，並創造約1,200個職位。"),
        ("list_item", story, "營運安排", "另設約14公頃的公共休憩空間"),
        ("list_item", story, "營運安排", "場館 | 座位"),
        ("list_item", story, "營運安排", "室內體育館 | 一萬"),
        ("prose", story, "營運安排", "x = *not* emphasis"),  # code is shown as written
        ("headline", transport, "", transport),  # Setext, underlined with ===: a level-1 heading
        ("prose", transport, "", "The park is served by Kai Tak station and bus routes. "
                                 "Shuttles run until 11 p.m. on event days."),
    ]
    # Markup is cut out of the spans, never rewritten: the bold sentence is three runs of the file.
    bold = a.blocks[2].sentences[0]
    assert [MARKDOWN[x:y] for x, y in bold.spans][:3] == ["主場館可容納", "五萬名", "觀眾，詳見"]
    visible = {i for b in a.blocks for x, y in b.spans for i in range(x, y)}
    for word in ("title:", "editor", "https", "decor.png", "---", "***", "|---|"):
        at = MARKDOWN.index(word)
        assert at not in visible, word


def test_front_matter_title_is_the_headline_when_there_is_no_other():
    text = ("---\ntitle: '啟德體育園開幕'\nlayout: post\n---\n\n"
            "體育園佔地約28公頃。\n\n## 場館\n\n主場館可容納五萬人。\n")
    a = _parsed(text, "fm.md")
    assert a.sub_articles == ["啟德體育園開幕"]
    assert [(b.kind, b.heading, b.text) for b in a.blocks] == [
        ("headline", "", "啟德體育園開幕"), ("prose", "", "體育園佔地約28公頃。"),
        ("headline", "場館", "場館"), ("prose", "場館", "主場館可容納五萬人。")]


def test_markdown_paragraph_lines_are_one_paragraph():
    """In Markdown a paragraph is every line up to a blank one, whatever each line ends with."""
    text = "# 標題\n\n第一句。\n第二句，數字28\n公頃。\n\n第二段\n"
    a = _parsed(text, "p.md")
    assert _texts(a, "prose") == ["第一句。第二句，數字28公頃。", "第二段"]
    assert [s.text for s in a.blocks[1].sentences] == ["第一句。", "第二句，數字28公頃。"]


@pytest.mark.parametrize("line,shown", [
    ("**五萬名**觀眾", "五萬名觀眾"),
    ("詳見[官方網站](https://example.com/a_b)。", "詳見官方網站。"),
    ("a `code *x*` b", "a code *x* b"),
    ("a\\*literal\\* star, 5*3*2, snake_case_name", "a*literal* star, 5*3*2, snake_case_name"),
    ("~~舊~~新 <span>html</span><!-- c --> note[^1]", "舊新 html note"),
    ("<https://example.com> and ![圖](a.png)", "https://example.com and 圖"),
    ("***全部***", "全部"),
])
def test_inline_markup_is_cut_out_never_rewritten(line, shown):
    runs = markup.visible_runs(line)
    assert "".join(line[a:b] for a, b in runs) == shown


CORPUS3 = ROOT / "tests" / "data" / "corpus3" / "wenweipo-primary-care-2026.txt"
QUESTIONS3 = ROOT / "tests" / "data" / "questions_corpus3.jsonl"


def test_another_article_in_the_print_layout():
    """Written in the Budget article's print layout on another subject: the same repairs, no misfire."""
    text = CORPUS3.read_text(encoding="utf-8")
    a = _parsed(text, CORPUS3.name)
    assert a.sub_articles == ["長者醫療券增至3000元 中醫醫院年底試業", "中醫醫院分階段試業", "基層醫療主要措施"]
    assert _texts(a, "byline") == ["香港文匯報記者 葉曉晴", "香港文匯報訊（記者 葉曉晴）"]
    assert _texts(a, "caption") == ["地區康健中心為市民提供慢性疾病篩查服務。資料圖片",
                                    "位於將軍澳的香港中醫醫院將於今年底試業。資料圖片"]
    assert len(_texts(a, "list_item")) == 5
    subheads = [b.heading for b in a.blocks if b.kind == "headline" and b.heading]
    assert subheads == ["慢病共同治理計劃擴展", "醫療券使用範圍擴大"]
    # The paragraph a page break cut (並加強 / 抽查…) is one paragraph again.
    assert any("並加強抽查私家醫護人員的申領紀錄。" in t for t in _texts(a, "prose"))
    _evidence_in([s.text for _, s in a.sentences()], QUESTIONS3, CORPUS3.name)


CORPUS4 = ROOT / "tests" / "data" / "corpus4" / "northern-link-2026.txt"
QUESTIONS4 = ROOT / "tests" / "data" / "questions_corpus4.jsonl"


def test_a_plain_text_article_without_any_layout():
    """A headline line and paragraphs, no byline, no Markdown (session 21's railway article): a headline and five
    paragraphs, no print-layout repair misfiring, and every question's evidence a sentence of it."""
    text = CORPUS4.read_text(encoding="utf-8")
    a = _parsed(text, CORPUS4.name)
    assert a.sub_articles == ["北環線主線明年第二季動工 料2034年通車"]
    assert [b.kind for b in a.blocks] == ["headline"] + ["prose"] * 5
    sentences = [s.text for _, s in a.sentences()]
    assert sentences[-1].endswith("意見。") and not any("（完）" in s for s in sentences)  # （完） is no sentence
    _evidence_in(sentences, QUESTIONS4, CORPUS4.name)


CORPUS5 = ROOT / "tests" / "data" / "corpus5" / "light-public-housing-2026.md"
QUESTIONS5 = ROOT / "tests" / "data" / "questions_corpus5.jsonl"


def test_a_markdown_article_with_subheads_and_a_list():
    """Session 21's housing article: the subheads head their paragraphs, the bullets are list items, and every
    question's evidence is a sentence of it."""
    text = CORPUS5.read_text(encoding="utf-8")
    a = _parsed(text, CORPUS5.name)
    assert a.sub_articles == ["簡約公屋首批單位入伙 輪候時間料降至4.5年"]
    assert [b.kind for b in a.blocks] == ["headline", "prose", "headline", "prose", "prose", "headline",
                                          "list_item", "list_item", "list_item", "prose"]
    assert {b.heading for b in a.blocks if b.kind == "list_item"} == {"配套設施"}
    sentences = [s.text for _, s in a.sentences()]
    _evidence_in(sentences, QUESTIONS5, CORPUS5.name)


CORPUS15 = ROOT / "tests" / "data" / "corpus15" / "harbour-tunnel-tolls-2026.md"


def test_a_markdown_article_with_a_dateline_in_its_first_paragraph():
    """Session 28's tunnel-toll article: 【明報專訊】 opens the first paragraph (no byline line), two subheads head
    their paragraphs, and every question's evidence is a sentence of it."""
    a = _parsed(CORPUS15.read_text(encoding="utf-8"), CORPUS15.name)
    assert a.sub_articles == ["三隧分時段收費新方案實施兩月 紅隧早繁忙車程縮短6分鐘"]
    assert [b.kind for b in a.blocks] == ["headline", "prose", "prose"] + (["headline"] + ["prose"] * 3) \
        + (["headline"] + ["prose"] * 4)
    assert [b.heading for b in a.blocks if b.kind == "prose"][-1] == "易通行登記率逾九成"
    _evidence_in([s.text for _, s in a.sentences()], ROOT / "tests" / "data" / "questions_corpus15.jsonl",
                 CORPUS15.name)


CORPUS16 = ROOT / "tests" / "data" / "corpus16" / "stablecoin-licence-2026.txt"


def test_a_plain_article_with_a_bracketed_dateline_and_a_subhead():
    """Session 29's stablecoin article: （星島日報報道） opens the first paragraph, a subhead without punctuation heads
    the four paragraphs after it, and every question's evidence is a sentence of it."""
    a = _parsed(CORPUS16.read_text(encoding="utf-8"), CORPUS16.name)
    assert a.sub_articles == ["金管局發出首批兩個穩定幣發行人牌照 36宗申請僅兩家獲批"]
    assert [b.kind for b in a.blocks] == ["headline", "prose", "prose", "headline"] + ["prose"] * 5
    assert [b.heading for b in a.blocks if b.kind == "prose"][-1] == "儲備資產須十足支持"
    assert a.blocks[1].text.startswith("（星島日報報道）")
    _evidence_in([s.text for _, s in a.sentences()], ROOT / "tests" / "data" / "questions_corpus16.jsonl",
                 CORPUS16.name)


CORPUS17 = ROOT / "tests" / "data" / "corpus17" / "flu-season-2026.txt"


def test_a_plain_article_with_an_on_cc_dateline_and_two_subheads():
    """Session 29's flu article: 【on.cc東網專訊】 opens the first paragraph, two subheads head the paragraphs after
    them, and every question's evidence is a sentence of it."""
    a = _parsed(CORPUS17.read_text(encoding="utf-8"), CORPUS17.name)
    assert a.sub_articles == ["流感季節提早殺到 樣本陽性率升至15.2% 伊院急症室最長等8小時"]
    assert [b.kind for b in a.blocks] == ["headline"] + ["prose"] * 3 + (["headline"] + ["prose"] * 2) \
        + (["headline"] + ["prose"] * 3)
    assert {b.heading for b in a.blocks if b.kind == "prose"} == {"", "急症室最長等候8小時", "長者接種率未及五成"}
    _evidence_in([s.text for _, s in a.sentences()], ROOT / "tests" / "data" / "questions_corpus17.jsonl",
                 CORPUS17.name)


CORPUS18 = ROOT / "tests" / "data" / "corpus18" / "heritage-revitalisation-2026.txt"


def test_a_plain_article_with_a_ming_pao_dateline_and_one_subhead():
    """Session 30's heritage article: （明報報道） opens the first paragraph, one subhead heads the last three
    paragraphs, and every question's evidence is a sentence of it."""
    a = _parsed(CORPUS18.read_text(encoding="utf-8"), CORPUS18.name)
    assert a.sub_articles == ["活化計劃第八期三幢建築獲選 政府預留約2.36億元 前荃灣消防局變社區藝術館"]
    assert [b.kind for b in a.blocks] == ["headline"] + ["prose"] * 4 + ["headline"] + ["prose"] * 3
    assert [b.heading for b in a.blocks if b.kind == "prose"] == [""] * 4 + ["已開放項目參觀人次升8.4%"] * 3
    assert a.blocks[1].text.startswith("（明報報道）")
    _evidence_in([s.text for _, s in a.sentences()], ROOT / "tests" / "data" / "questions_corpus18.jsonl",
                 CORPUS18.name)


@pytest.mark.parametrize(("folder", "name", "dateline", "headline", "before", "subhead", "after"), [
    # Session 31's minimum-wage article: one subhead heads the last five paragraphs.
    ("corpus19", "minimum-wage-2026.txt", "（經濟日報報道）", "最低工資5月起升至43.6元 加幅3.6% 約3.1萬低薪僱員受惠", 4,
     "外判合約開支年增1.6億元", 5),
    # Session 32's library article: five paragraphs, then a subhead over four.
    ("corpus20", "library-hours-2026.txt", "（明報報道）",
     "12間公共圖書館7月起夜開至10時 增設40個智能圖書櫃 涉資約1.35億元", 5, "智能圖書櫃每個造價約85萬元", 4),
    # Session 33's subdivided-units article: six paragraphs, then a subhead over six.
    ("corpus21", "basic-housing-units-2026.txt", "（星島日報報道）",
     "簡樸房登記三個半月僅約兩成劏房申請 巡查揭近四成單位不達標", 6, "資助計劃批出不足兩成", 6),
])
def test_a_plain_article_with_a_dateline_and_a_subhead(folder, name, dateline, headline, before, subhead, after):
    """A dateline opens the first paragraph, one subhead heads the paragraphs after it, and every question's
    evidence is a sentence of the article."""
    path = ROOT / "tests" / "data" / folder / name
    a = _parsed(path.read_text(encoding="utf-8"), name)
    assert a.sub_articles == [headline]
    assert [b.kind for b in a.blocks] == ["headline"] + ["prose"] * before + ["headline"] + ["prose"] * after
    assert [b.heading for b in a.blocks if b.kind == "prose"] == [""] * before + [subhead] * after
    assert a.blocks[1].text.startswith(dateline)
    _evidence_in([s.text for _, s in a.sentences()], ROOT / "tests" / "data" / f"questions_{folder}.jsonl", name)


CORPUS6 = ROOT / "tests" / "data" / "corpus6" / "typhoon-signal-8-2026.txt"
QUESTIONS6 = ROOT / "tests" / "data" / "questions_corpus6.jsonl"


def test_a_plain_article_with_times_of_day_and_speeds():
    """Session 21's typhoon article: a headline and four paragraphs, and every question's evidence a sentence."""
    text = CORPUS6.read_text(encoding="utf-8")
    a = _parsed(text, CORPUS6.name)
    assert [b.kind for b in a.blocks] == ["headline"] + ["prose"] * 4
    sentences = [s.text for _, s in a.sentences()]
    _evidence_in(sentences, QUESTIONS6, CORPUS6.name)


CORPUS7 = ROOT / "tests" / "data" / "corpus7" / "dse-results-2026.txt"
QUESTIONS7 = ROOT / "tests" / "data" / "questions_corpus7.jsonl"


def test_a_plain_article_with_a_dateline_and_grades():
    """Session 22's exam article: a headline, a dateline byline opening the first paragraph, four paragraphs; 5**
    stays in its sentence, and every question's evidence is a sentence of it."""
    text = CORPUS7.read_text(encoding="utf-8")
    a = _parsed(text, CORPUS7.name)
    assert a.sub_articles == ["文憑試放榜 11人考獲七科5**"]
    sentences = [s.text for _, s in a.sentences()]
    assert any(s.startswith("今年有11名日校考生考獲七科5**") for s in sentences)
    _evidence_in(sentences, QUESTIONS7, CORPUS7.name)


CORPUS8 = ROOT / "tests" / "data" / "corpus8" / "welfare-mpf-2026.txt"
CORPUS9 = ROOT / "tests" / "data" / "corpus9" / "hetao-park-2026.txt"
CORPUS10 = ROOT / "tests" / "data" / "corpus10" / "airport-three-runway-2026.txt"
CORPUS11 = ROOT / "tests" / "data" / "corpus11" / "anti-fraud-2026.txt"
CORPUS12 = ROOT / "tests" / "data" / "corpus12" / "waste-recycling-2026.txt"
CORPUS13 = ROOT / "tests" / "data" / "corpus13" / "tourism-2026.txt"
CORPUS14 = ROOT / "tests" / "data" / "corpus14" / "elderly-care-2026.txt"


@pytest.mark.parametrize(("path", "questions", "headline", "paragraphs"), [
    # Session 23's welfare article: names with bracketed short forms (綜合社會保障援助（綜援）), a scheme in quotes.
    (CORPUS8, "questions_corpus8.jsonl", "綜援長生津7月起上調 取消強積金對沖滿一年", 4),
    # Session 24's Hetao article: a company with its short form, people no table knows, a fund and a scheme quoted.
    (CORPUS9, "questions_corpus9.jsonl", "河套港方園區首批樓宇落成 逾50間科企確認進駐", 4),
    # Session 25's airport article: a headline with a figure whose thousands a comma groups (it was glued to the
    # first paragraph as a sentence the print layout broke).
    (CORPUS10, "questions_corpus10.jsonl", "三跑道首個全年運作 機場客運量逾6,100萬人次", 7),
    # Session 26's fraud and waste articles: figures in 宗, 億元 and 公噸, schemes in quotes, short forms in brackets.
    (CORPUS11, "questions_corpus11.jsonl", "去年騙案損失逾82億元 警銀設即時止付中心", 7),
    (CORPUS12, "questions_corpus12.jsonl", "去年回收率升至35% 廚餘回收量按年增兩成", 7),
    # Session 27's tourism article: close figures of two things (9.6% and 19.4%, 三成 and 35%), titles of bodies.
    (CORPUS13, "questions_corpus13.jsonl", "去年訪港旅客4,950萬人次增近12% 旅發局推1.2億元「深度遊香港」計劃", 8),
    # Session 28's elderly-care article: close figures (14% and 12%; 18 and 16 months), a 副主席 and a 助理署長 only.
    (CORPUS14, "questions_corpus14.jsonl", "社區照顧服務券增至1.2萬張 資助護養院宿位平均輪候仍約18個月", 8),
])
def test_a_plain_article_with_a_dateline_and_its_paragraphs(path, questions, headline, paragraphs):
    """A headline, a dateline byline and the paragraphs; every question's evidence is a sentence of it."""
    a = _parsed(path.read_text(encoding="utf-8"), path.name)
    assert a.sub_articles == [headline]
    assert [b.kind for b in a.blocks] == ["headline", "byline"] + ["prose"] * paragraphs
    sentences = [s.text for _, s in a.sentences()]
    _evidence_in(sentences, ROOT / "tests" / "data" / questions, path.name)
