"""The parsed article, checked line by line against the file it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

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
