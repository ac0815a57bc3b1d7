"""English names for an article the hand glossary does not cover (rag/index/names.py), with a scripted model.

The checks are tested one by one on proposals a 1.5B model really made (docs/history.md); the whole path —
ingest asks the model, the generated glossary is written beside the index, the English view and an English
question use it — runs on a real index with the real embedding model and a scripted model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.index import ingest, names
from rag.index.corpus import parse
from rag.index.retrieve import open_index
from rag.llm.fake import FakeLLM
from rag.text import glossary

from .conftest import ARTICLE, ROOT

SECOND = ROOT / "tests" / "data" / "corpus2" / "kai-tak-sports-park.md"
HAND = glossary.entries(glossary.GLOSSARY_PATH)


def _proposal(chinese: str, english: str, kind: str = "place") -> names.Proposal:
    return names.Proposal(chinese, english, kind, SECOND.name)


def _check(*proposals: names.Proposal):
    rows, rejected = names.check(proposals, {SECOND.name: SECOND.read_text(encoding="utf-8")}, HAND)
    return {e.chinese: e.english for _s, e in rows}, {r.proposal.chinese: r.why for r in rejected}


def test_reply_lines_are_read_and_chatter_skipped():
    reply = ("啟德體育園 | Kai Tak Sports Park | place\nNONE\nHere are the names:\n"
             "- 羅淑佩 | Rosanna Law | person\n主場館 | Main Stadium | venue")
    got = names.parse_reply(reply, "a.md")
    assert [(p.chinese, p.english, p.kind) for p in got] == [
        ("啟德體育園", "Kai Tak Sports Park", "place"), ("羅淑佩", "Rosanna Law", "person"),
        ("主場館", "Main Stadium", "term")]  # an unknown kind is a term


@pytest.mark.parametrize(("chinese", "english", "why"), [
    ("西九文化區", "West Kowloon Cultural District", "not in the article"),  # copied from the prompt's example
    ("政府", "Government", "length"),
    ("主場館", "容纳 Main Stadium", "Chinese left"),
    ("可容納五萬名觀眾", "Holds five thousand people", "a phrase with a figure"),
    ("設計、建造及營運", "Design, Construction and Operation", "a list or a clause"),
    ("主場館", "Main Stadium!", "not an English name"),
    ("李家超", "Paul Chan Mo-po", "already the name of 陳茂波"),
])
def test_each_check_rejects_what_it_should(chinese, english, why):
    kept, rejected = _check(_proposal(chinese, english))
    assert chinese not in kept
    assert why in rejected[chinese]


def test_a_name_has_one_english_everywhere_and_figures_may_stay():
    kept, rejected = _check(
        _proposal("啟德體育園", "Kai Tak Sports Park"), _proposal("啟德體育園", "Hong Kong Sports Park"),
        _proposal("啟德體育園", "Kai Tak Sports Park"), _proposal("室內體育館", "Kai Tak Sports Park"),
        _proposal("香港國際七人欖球賽", "Hong Kong Sevens", "scheme"))
    assert kept == {"啟德體育園": "Kai Tak Sports Park", "香港國際七人欖球賽": "Hong Kong Sevens"}
    assert "elsewhere" in rejected["啟德體育園"]  # the minority English, reported
    assert "already given to 啟德體育園" in rejected["室內體育館"]


def test_a_person_the_model_misspelled_is_spelled_by_code():
    # The bundled model's English for the sports-park article's people (docs/history.md, session 19), for people
    # rag/data/people.tsv does not name; those it names take its English.
    text = "體育園總經理區家明表示，黃美玲將出任主席，李家超及羅淑佩出席。"
    proposals = [names.Proposal("區家明", "Mr. Au Ka-Shing", "person", "t.txt"),
                 names.Proposal("黃美玲", "Wendy Pei", "person", "t.txt"),
                 names.Proposal("李家超", "Mr. Lee Ka-Shing", "person", "t.txt"),
                 names.Proposal("羅淑佩", "Rosanna Law", "person", "t.txt")]
    rows, _ = names.check(proposals, {"t.txt": text}, HAND)
    got = {e.chinese: e for _s, e in rows}
    assert got["區家明"].english == "Au Ka-ming" and got["黃美玲"].english == "Wong Mei-ling"
    assert "romanised by code (the model wrote 'Wendy Pei')" in got["黃美玲"].note
    assert got["李家超"].english == "John Lee Ka-chiu" and "a known name" in got["李家超"].note
    assert got["羅淑佩"].english == "Rosanna Law Shuk-pui"
    kept, _ = _check(_proposal("啟德體育園", "Kai Tak Sports Park"))
    assert kept == {"啟德體育園": "Kai Tak Sports Park"}  # not a person: as proposed


def test_an_unknown_person_is_not_given_the_english_first_name_the_model_chose():
    """何詠芝, a legislator of the twentieth test article, came as "Ms. Wendy Ho" (session 32): her surname, and a
    first name code cannot check. People's own English names are rag/data/people.tsv's."""
    text = "議員何詠芝關注夜歸讀者的交通安排，議員麥嘉豪歡迎。"
    proposals = [names.Proposal("何詠芝", "Ms. Wendy Ho", "person", "t.txt"),
                 names.Proposal("麥嘉豪", "Mr. Mak Ka-ho", "person", "t.txt")]
    rows, _ = names.check(proposals, {"t.txt": text}, HAND)
    got = {e.chinese: e for _s, e in rows}
    assert got["何詠芝"].english == "Ho Wing-chi" and "the model wrote 'Ms. Wendy Ho'" in got["何詠芝"].note
    assert got["麥嘉豪"].english == "Mr. Mak Ka-ho"  # spelled as code spells it: kept as proposed


def test_a_post_the_model_gave_a_persons_name_is_not_kept():
    """經濟系副教授 came as "Professor Ro Yu-hing" (session 31): a post, named in English as a person it is not. A
    post in words (Professor of Economics) is kept, and so is a person's name code spells."""
    text = "香港浸會大學經濟系副教授羅允行認為，金融學系教授表示，黃志峰批評。"
    rows, rejected = names.check([names.Proposal("經濟系副教授", "Professor Ro Yu-hing", "person", "t.txt"),
                                  names.Proposal("金融學系教授", "Professor of Finance", "person", "t.txt"),
                                  names.Proposal("黃志峰", "Mr. Wong Chi-fong", "person", "t.txt")],
                                 {"t.txt": text}, HAND)
    got = {e.chinese: e.english for _, e in rows}
    assert "經濟系副教授" not in got and got["金融學系教授"] == "Professor of Finance"
    assert got["黃志峰"] == "Wong Chi-fung"
    assert any("a post or a description" in r.why for r in rejected)


def test_a_known_person_is_written_with_their_english_name_and_its_shorter_forms(tmp_path):
    """孫玉菡 was romanised Suen Yuk-ham by code (session 23's welfare article): a person rag/data/people.tsv
    names is written as they write it, with or without a model, and found by the shorter forms an English reader
    uses ("Chris Sun", "Sun Yuk-han"); a row already cached from the model takes the table's English too."""
    from rag.index.corpus import file_hash

    text = "勞工及福利局局長孫玉菡表示，創新科技及工業局局長孫東及陳美寶亦出席。\n"
    rows = {e.chinese: e for e in names.known_names("w.txt", text, taken=())}
    assert rows["孫玉菡"].english == "Chris Sun Yuk-han" and rows["孫玉菡"].kind == "person"
    assert rows["孫玉菡"].aliases == ("Chris Sun", "Sun Yuk-han")
    assert rows["孫東"].aliases == () and rows["陳美寶"].english == "Mable Chan"
    assert rows["勞工及福利局局長"].english == "Secretary for Labour and Welfare"
    article = parse(text, "w.txt")
    path = tmp_path / names.FILE_NAME
    cached = glossary.Entry("孫玉菡", "Suen Yuk-ham", "person", "machine: romanised by code for w.txt")
    key = names.key_for(file_hash(article.text), "fake")
    names.write(path, [names.Section("w.txt", key, (cached,))])
    names.update(path, {"w.txt": article}, {"w.txt": file_hash(article.text)}, None, "")
    got = {e.chinese: e for e in names.read(path)["w.txt"].rows}
    assert got["孫玉菡"].english == "Chris Sun Yuk-han" and "the model wrote 'Suen Yuk-ham'" in got["孫玉菡"].note
    assert got["孫玉菡"].aliases == ("Chris Sun", "Sun Yuk-han")  # kept through the file
    glossary.use_generated(path)
    try:
        for asked in ("Who is Chris Sun?", "What did Sun Yuk-han say?", "What did Chris Sun Yuk-han say?"):
            assert "孫玉菡" in glossary.chinese_for_english(asked), asked
        assert "孫玉菡" not in glossary.chinese_for_english("What did Chris Tang say?")
    finally:
        glossary.use_generated(None)


def test_a_place_whose_english_leaves_out_a_known_place_is_written_by_code():
    # The bundled model's English for the sports park (session 19) and for a hospital's site (将軍澳, session 20).
    kept, rejected = _check(_proposal("啟德體育園", "Leighton Park"), _proposal("主場館", "Main Stadium"),
                            _proposal("室內體育館", "Indoor Sports Hall"),
                            _proposal("啟德體育園有限公司", "Leighton Sports Park Limited", "body"))
    assert kept == {"啟德體育園": "Kai Tak Sports Park", "主場館": "Main Stadium", "室內體育館": "Indoor Sports Hall"}
    assert "leaves out 啟德 (Kai Tak)" in rejected["啟德體育園有限公司"]  # not a place: not rewritten, not kept
    text = "香港中醫醫院位於將軍澳百勝角，設有約400張病床。"
    rows, _ = names.check([names.Proposal("將軍澳百勝角", "Kowloon Bay, Wan Chai", "place", "x.txt"),
                           names.Proposal("香港中醫醫院", "Hong Kong Chinese Medicine Hospital", "body", "x.txt")],
                          {"x.txt": text}, HAND)
    got = {e.chinese: e for _s, e in rows}
    assert got["將軍澳百勝角"].english == "Tseung Kwan O Pak Sing Kok"
    assert "written by code (the model wrote 'Kowloon Bay, Wan Chai')" in got["將軍澳百勝角"].note
    assert got["香港中醫醫院"].english == "Hong Kong Chinese Medicine Hospital"


def test_a_word_of_an_article_the_hand_glossary_covers_gets_no_machine_english():
    """Seen (session 20): 消息人士 "Media Commentator", made for a health article, glossed the Budget article's
    消息人士 [= Media Commentator] in every English answer quoting it."""
    text = "醫務衞生局消息人士指，據了解，基層醫療署成立後將監察服務質素。"
    covered = ARTICLE.read_text(encoding="utf-8")
    proposals = [names.Proposal(zh, en, kind, "x.txt") for zh, en, kind in [
        ("消息人士", "Media Commentator", "person"), ("據了解", "It is understood", "scheme"),
        ("基層醫療署", "Primary Healthcare Commission", "body")]]
    rows, rejected = names.check(proposals, {"x.txt": text}, HAND, covered)
    assert [e.chinese for _s, e in rows] == ["基層醫療署"]
    assert {r.proposal.chinese for r in rejected} == {"消息人士", "據了解"}
    assert all("covers" in r.why for r in rejected)
    rows, rejected = names.check(proposals, {"x.txt": text}, HAND)  # with no covered article, form alone decides
    assert [e.chinese for _s, e in rows] == ["消息人士", "基層醫療署"]
    assert [(r.proposal.chinese, r.why) for r in rejected] == [("據了解", "a statement in English, not a name")]


def test_what_the_model_itself_calls_a_term_is_not_kept():
    """The bundled model's "terms" (session 20): ordinary words, often wrongly rendered, glossed into the English
    view as if they were names."""
    kept, rejected = _check(_proposal("主場館", "Main Hall", "term"), _proposal("主場館", "Main Stadium", "place"),
                            _proposal("國際足球及欖球賽事", "International Football and Handball Matches", "term"))
    assert kept == {"主場館": "Main Stadium"}
    assert "not a name" in rejected["國際足球及欖球賽事"]


def test_a_year_in_a_name_must_stay_the_same():
    text = "2025施政報告提出成立新基金。"
    for english, kept in (("2025 Policy Address", True), ("2024 Policy Address", False), ("Policy Address", False)):
        rows, _ = names.check([names.Proposal("2025施政報告", english, "scheme", "x.md")], {"x.md": text}, HAND)
        assert bool(rows) is kept, english


def test_a_name_in_the_hand_glossary_keeps_its_english():
    text = "財政司司長陳茂波到訪啟德體育園。"
    rows, rejected = names.check([names.Proposal("陳茂波", "Chan Mau-po", "person", "x.md")], {"x.md": text}, HAND)
    assert rows == [] and "already in corpus/glossary.tsv" in rejected[0].why


def test_the_file_round_trips_and_a_damaged_one_is_empty(tmp_path):
    path = tmp_path / names.FILE_NAME
    row = glossary.Entry("啟德體育園", "Kai Tak Sports Park", "place", "machine: proposed by the model for a.md")
    names.write(path, [names.Section("a.md", names.key_for("abc", "fake"), (row,)), names.Section("b.md", "", ())])
    got = names.read(path)
    assert got["a.md"].rows == (row,) and got["b.md"].rows == ()
    assert names.fresh(got["a.md"], "abc") and not names.fresh(got["a.md"], "abd") and not names.fresh(got["b.md"], "")
    assert glossary.entries(path) == (row,)  # the glossary reads the same file
    assert row.certainty == "machine"
    path.write_bytes(b"\xff\xfe garbage")
    assert names.read(path) == {}


def test_the_budget_article_is_covered_by_the_hand_glossary():
    assert ARTICLE.name in glossary.covered_sources()


def _names_for(messages) -> str:
    """A scripted model: the right English for the names in the block, and one mistake the checks catch."""
    text = messages[-1]["content"]
    lines = [f"{zh} | {en} | place" for zh, en in (("啟德體育園", "Kai Tak Sports Park"),
                                                   ("室內體育館", "Indoor Sports Centre")) if zh in text]
    if "羅淑佩" in text:
        lines += ["羅淑佩 | Rosanna Law | person", "文化體育及旅遊局局長 | 文化 Secretary | body"]
    return "\n".join(lines) or "NONE"


@pytest.fixture(scope="module")
def two_articles(tmp_path_factory, base_settings):
    """A real index of the Budget article and the sports-park article, names found by a scripted model."""
    import dataclasses

    root = tmp_path_factory.mktemp("names")
    corpus = root / "corpus"
    corpus.mkdir()
    for f in (ARTICLE, SECOND):
        shutil.copy(f, corpus / f.name)
    settings = dataclasses.replace(base_settings, corpus_dir=corpus, data_dir=root / "data",
                                   chroma_path=root / "data" / "chroma", ingest_names=True, llm_backend="bundled")
    blocks = [b for b in parse(SECOND.read_text(encoding="utf-8"), SECOND.name).blocks
              if b.kind in ("headline", "prose", "list_item", "caption")]
    fake = FakeLLM(name="fake", replies=[_names_for] * len(blocks))
    ingest.run(settings, llm=fake)
    yield settings, fake
    glossary.use_generated(None)


def test_ingest_writes_checked_names_beside_the_index(two_articles):
    settings, fake = two_articles
    assert all(ARTICLE.read_text(encoding="utf-8")[:40] not in m[-1]["content"] for m in fake.prompts)
    sections = names.read(settings.data_dir / names.FILE_NAME)
    assert list(sections) == [SECOND.name]  # the covered Budget article has none
    got = {e.chinese: e.english for e in sections[SECOND.name].rows}
    assert got == {"啟德體育園": "Kai Tak Sports Park", "室內體育館": "Indoor Sports Centre",
                   # Known people (rag/data/people.tsv): the model's "Rosanna Law" is hers, shortened.
                   "羅淑佩": "Rosanna Law Shuk-pui", "李家超": "John Lee Ka-chiu",
                   # Known bodies (rag/data/bodies.tsv), written by code whether or not the model names them.
                   "行政長官": "Chief Executive", "文化體育及旅遊局局長": "Secretary for Culture, Sports and Tourism",
                   # and a known event (rag/data/schemes.tsv)
                   "香港國際七人欖球賽": "Hong Kong Sevens"}
    assert all(e.note.startswith("machine:") for e in sections[SECOND.name].rows)


def test_an_unchanged_article_is_not_read_again(two_articles):
    settings, fake = two_articles
    asked = len(fake.prompts)
    report = ingest.run(settings, llm=fake)  # the queue is empty: any question to the model would fail
    assert not report.changed and len(fake.prompts) == asked


def test_an_english_question_finds_the_new_article_by_its_machine_made_name(two_articles):
    settings, _fake = two_articles
    index = open_index(settings)
    assert glossary.chinese_for_english("How many jobs will the Kai Tak Sports Park create?") == ["啟德體育園"]
    hits = index.search("How many jobs will the Kai Tak Sports Park create?", k=3)
    assert any(h.chunk.source == SECOND.name and "1,200個職位" in h.chunk.text for h in hits)


def test_a_person_corrects_a_name_in_the_hand_glossary(tmp_path, monkeypatch):
    hand = tmp_path / "glossary.tsv"
    hand.write_text("chinese\tenglish\tkind\tnote\n室內體育館\tIndoor Sports Arena\tplace\tofficial: by a person\n",
                    encoding="utf-8")
    generated = tmp_path / names.FILE_NAME
    row = glossary.Entry("室內體育館", "Indoor Sports Centre", "place", "machine: proposed by the model for a.md")
    names.write(generated, [names.Section("a.md", "k", (row,))])
    monkeypatch.setattr(glossary, "GLOSSARY_PATH", hand)
    glossary.use_generated(generated)
    try:
        assert glossary.english_for("室內體育館") == "Indoor Sports Arena"
        assert [e.english for e in glossary.entries()] == ["Indoor Sports Arena"]
    finally:
        glossary.use_generated(None)


def test_without_a_model_the_new_article_gets_figures_and_known_names_only(make_settings):
    settings = make_settings(ingest_names=True, llm_backend="extractive")
    shutil.copy(SECOND, Path(settings.corpus_dir) / SECOND.name)
    try:
        ingest.run(settings)
        sections = names.read(settings.data_dir / names.FILE_NAME)
        assert sections[SECOND.name].key == ""
        # 啟德 (rag/data/places.tsv), two bodies (bodies.tsv), an event (schemes.tsv) and two people (people.tsv):
        # facts, written by code with or without a model.
        assert {(e.chinese, e.english, e.kind) for e in sections[SECOND.name].rows} == {
            ("啟德", "Kai Tak", "place"), ("行政長官", "Chief Executive", "body"),
            ("文化體育及旅遊局局長", "Secretary for Culture, Sports and Tourism", "body"),
            ("香港國際七人欖球賽", "Hong Kong Sevens", "scheme"), ("李家超", "John Lee Ka-chiu", "person"),
            ("羅淑佩", "Rosanna Law Shuk-pui", "person")}
        assert "[= about 1,200]" in glossary.annotate_english("並創造約1,200個職位")  # figures by code still
        assert "啟德 [= Kai Tak]" in glossary.annotate_english("啟德體育園")
    finally:
        glossary.use_generated(None)


def test_a_conversation_stays_in_its_article(two_articles):
    """A vague follow-up is searched in the article the conversation is about (``Index.conversation_source``)."""
    settings, _fake = two_articles
    index = open_index(settings)
    earlier = ["啟德體育園的營運期是多少年？"]
    assert index.conversation_source(earlier) == SECOND.name
    assert index.conversation_source([]) is None
    follow = "規模有多大？"  # searched alone, only the Budget article's passages come up
    alone = [h.chunk.source for h in index.search(follow, k=3)]
    kept = [h.chunk.source for h in index.search(follow, k=3, prefer=index.conversation_source(earlier))]
    assert alone.count(SECOND.name) == 0 and kept.count(SECOND.name) >= 2
    budget = ["人工智能研發院幾時開始運作？"]
    assert index.conversation_source(budget) == ARTICLE.name


def test_a_question_naming_the_other_article_is_its_own_question(two_articles):
    """Short and after a question on the Budget, 室內體育館有幾多個座位？ names the sports park's hall (a machine-made
    row): it is searched on its own and answered from that article, not joined to the Budget question; a vague
    follow-up after it stays in the sports park's article."""
    from rag.answer.pipeline import Bot

    settings, _fake = two_articles
    bot = Bot(settings)
    budget = ["撥咗幾多錢搞全民AI培訓？"]
    hall = bot.answer("室內體育館有幾多個座位？", budget, backend="extractive")
    assert not hall.refused and {c.source for c in hall.citations} == {SECOND.name}
    assert "一萬個座位" in hall.text
    vague = bot.answer("規模有多大？", [*budget, "室內體育館有幾多個座位？"], backend="extractive")
    assert not vague.refused and {c.source for c in vague.citations} == {SECOND.name}


def test_a_follow_up_is_refused_for_what_its_own_article_does_not_name(two_articles):
    """開幕 is in the sports park's article only: asked as a follow-up to a question on the Budget, 實際係邊日開幕呀？
    names what that article never mentions and is refused as over the Budget article alone; after a question on
    the sports park, it is answered from it."""
    from rag.answer.pipeline import Bot

    settings, _fake = two_articles
    bot = Bot(settings)
    after_budget = bot.answer("實際係邊日開幕呀？", ["人工智能研發院幾時開始運作？"], backend="extractive")
    assert after_budget.refused and "邊日開幕" in after_budget.note
    after_park = bot.answer("實際係邊日開幕呀？", ["啟德體育園係點樣嘅場地？"], backend="extractive")
    assert not after_park.refused and {c.source for c in after_park.citations} == {SECOND.name}


def test_an_english_question_spelling_a_name_in_romanisation_is_answered(two_articles):
    """李家超 has no English in the generated rows; "Lee Ka-chiu" spells it in Hong Kong's romanisation
    (``rag.text.romanise``), so the question is neither refused nor searched without it; a name the articles
    lack is still refused."""
    from rag.answer.pipeline import Bot

    settings, _fake = two_articles
    bot = Bot(settings)
    got = bot.answer("What did Lee Ka-chiu do at the opening?", backend="extractive")
    assert not got.refused and "李家超" in got.retrieved[0].chunk.text
    assert any("李家超" in c.quote for c in got.citations), got.text
    assert bot.answer("What did Donald Trump say about the stadium?", backend="extractive").refused


def test_an_english_name_the_model_did_not_write_is_asked_of_the_model(two_articles):
    """"Main Stadium" is no English the sports park's rows give (the model wrote none for 主場館): over an article
    whose English a person wrote it would be refused as unknown; over this one the model is asked, and its answer
    checked as any other. The extractive backend, with nothing after it to turn down a name the passages lack,
    still refuses."""
    import dataclasses

    from rag.answer.pipeline import Bot

    settings, _fake = two_articles
    question = "How many spectators can the Main Stadium hold?"
    assert Bot(settings).answer(question, backend="extractive").refused
    fake = FakeLLM(name="fake", replies=["The main stadium can hold 50,000 spectators [1]."], probabilities=[0.9])
    bot = Bot(dataclasses.replace(settings, llm_ask_answerable=False), llm=fake)
    got = bot.answer(question, backend="bundled")
    assert not got.refused and "50,000" in got.text and {c.source for c in got.citations} == {SECOND.name}


def test_known_places_get_their_english_by_code():
    """A district from rag/data/places.tsv gets a row by code: not inside a row already made (古洞 in 古洞站), not
    one a hand-covered article also writes (its English view would change), the longest known place first."""
    rows = names.known_names("rail.txt", "北環線連接古洞站，居民毋須經九龍塘轉車，並在屯門及北區諮詢。",
                              taken={"古洞站"}, covered="北區的創科發展")
    assert [(e.chinese, e.english, e.kind) for e in rows] == [("北環線", "Northern Link", "scheme"),
                                                              ("九龍塘", "Kowloon Tong", "place"),
                                                              ("屯門", "Tuen Mun", "place")]
    assert all(e.certainty == "machine" for e in rows)


def test_a_known_name_around_a_row_already_made_gets_its_own_row():
    """The model's row 金管局 had been blanked out of the text before the known names were looked for, and the title
    金管局助理總裁 around it with it, so an English question on the HKMA official found no English for it (session 29).
    """
    text = "金管局助理總裁（金融科技）梁嘉穎表示，金管局會繼續運作沙盒。"
    rows = names.known_names("coin.txt", text, taken={"金管局"})
    assert [(e.chinese, e.english) for e in rows] == [
        ("金管局助理總裁", "Executive Director of the Hong Kong Monetary Authority")]


@pytest.mark.parametrize(("text", "rows"), [
    # The model proposed no row for 區景賢, and an English asker got "Mr. Sheng Yan" (session 29).
    ("衞生防護中心總監區景賢昨日在記者會上表示，流感季節已開始。", [("區景賢", "Au King-yin")]),
    ("文化體育及旅遊局副局長劉震表示，郵輪旅遊去年錄得增長。", [("劉震", "Lau Chun")]),  # two characters
    ("傳染病處主任葉詠儀補充，兒童個案上升。", []),  # a row names her already
    ("總監高度評價計劃成效。", []),  # no word that follows a name: not a name
    ("行政長官李家超主禮。", []),  # a hand-covered article writes him
    # A review's probes (session 29): everyday words after a title, and a name whose last character follows names.
    ("局長曾表示，行政長官周三表示，校長方面則表示，局長曾經表示，主席黃昏時，", []),
    ("署長黃家和表示，局長劉震亦表示，", [("黃家和", "Wong Ka-wo"), ("劉震", "Lau Chun")]),
])
def test_a_person_the_article_titles_gets_a_row_by_code(text, rows):
    got = names.titled_people("t.txt", text, taken={"葉詠儀"}, covered="李家超出席")
    assert [(e.chinese, e.english) for e in got] == rows
    assert all(e.kind == "person" and e.note.startswith(names.TITLED) for e in got)


def test_known_places_are_made_again_for_an_article_whose_names_are_cached(tmp_path):
    """The model's rows of an unchanged article are kept as cached; its known-place rows are made again, so a
    place the table gained (or an old row the table lost) reaches it without the model reading it again."""
    from rag.index.corpus import file_hash

    text = "北環線連接古洞站，居民毋須經九龍塘轉車。\n"
    article = parse(text, "rail.txt")
    path = tmp_path / names.FILE_NAME
    model_row = glossary.Entry("北環線", "Northern Link", "scheme", "machine: proposed by the model for rail.txt")
    stale = glossary.Entry("九龍", "Kowloon", "place", f"{names.KNOWN}places.tsv), written by code for rail.txt")
    key = names.key_for(file_hash(article.text), "fake")
    names.write(path, [names.Section("rail.txt", key, (model_row, stale))])
    names.update(path, {"rail.txt": article}, {"rail.txt": file_hash(article.text)}, None, "")
    got = names.read(path)["rail.txt"]
    assert got.key == key  # not read again
    assert [(e.chinese, e.english) for e in got.rows] == [("北環線", "Northern Link"), ("古洞", "Kwu Tung"),
                                                          ("九龍塘", "Kowloon Tong")]


def test_a_known_body_is_written_as_the_government_writes_it():
    """保安局局長 came from the model as "Secretary for Defence": a Government body or head in rag/data/bodies.tsv
    takes the table's English, and an article the model never read still gets the row (a known name, by code)."""
    text = "保安局局長鄧炳強指，民政事務總署共開放28個臨時庇護中心。"
    proposals = [names.Proposal("保安局局長", "Secretary for Defence", "body", "t.txt"),
                 names.Proposal("鄧炳強", "Tang Ping-keung", "person", "t.txt")]
    rows, _ = names.check(proposals, {"t.txt": text}, [])
    got = {e.chinese: (e.english, e.note) for _, e in rows}
    english, note = got["保安局局長"]
    assert english == "Secretary for Security" and "the model wrote 'Secretary for Defence'" in note
    known = names.known_names("t.txt", text, taken=got)
    assert [(e.chinese, e.english, e.kind) for e in known] == [("民政事務總署", "Home Affairs Department", "body")]


def test_a_known_name_takes_its_tables_kind_and_a_topic_is_not_a_name():
    """The model listed 安老事務委員會 as a person (its English "Vice-Chairman of the Elderly Affairs Committee"), and
    院舍照顧方面, "as for residential care", as a scheme "Care for Elderly" (session 28's elderly-care article)."""
    text = "院舍照顧方面，安老事務委員會副主席表示，地區層面會加強支援。"
    proposals = [names.Proposal("安老事務委員會", "Vice-Chairman of the Elderly Affairs Committee", "person", "t.txt"),
                 names.Proposal("院舍照顧方面", "Care for Elderly", "scheme", "t.txt"),
                 names.Proposal("地區層面", "District Level", "scheme", "t.txt")]
    rows, rejected = names.check(proposals, {"t.txt": text}, [])
    assert [(e.chinese, e.english, e.kind) for _, e in rows] == [("安老事務委員會", "Elderly Commission", "body")]
    assert [r.why for r in rejected] == ["a topic (方面, 層面), not a name"] * 2


def test_a_description_is_not_a_name():
    """元朗一所中學 came from the model as "Yuen Long Primary School" (session 22's exam article): "a school in Yuen
    Long" names no school, and glossed into the English view it made the answer name one."""
    text = "教育局局長到訪元朗一所中學。社會福利署與多個非政府機構設立熱線。"
    proposals = [names.Proposal("元朗一所中學", "Yuen Long Primary School", "place", "t.txt"),
                 names.Proposal("多個非政府機構", "NGOs", "body", "t.txt")]
    rows, rejected = names.check(proposals, {"t.txt": text}, [])
    assert rows == []
    assert all("a description" in r.why for r in rejected) and len(rejected) == 2


def test_a_short_form_the_article_gives_takes_its_full_names_english():
    """香港考試及評核局（考評局）: the model gave the short form "Examination Board", another body to an English reader
    (that body is a known one now, rag/data/bodies.tsv; 香港生產力促進局 is not).
    It takes the full name's English, also when the model did not list it; and the row's capitals are what an
    English question may abbreviate it to."""
    text = "香港生產力促進局（生產力局）公布數字。生產力局表示，企業可申請資助。"
    full = names.Proposal("香港生產力促進局", "Hong Kong Productivity Council", "body", "t.txt")
    rows, _ = names.check([full, names.Proposal("生產力局", "Productivity Bureau", "body", "t.txt")], {"t.txt": text},
                          [])
    got = {e.chinese: e for _, e in rows}
    assert got["生產力局"].english == got["香港生產力促進局"].english == full.english
    assert "short form of 香港生產力促進局" in got["生產力局"].note
    assert got["生產力局"].initials == ("HKPC",)
    rows, _ = names.check([full], {"t.txt": text}, [])
    assert {e.chinese for _, e in rows} == {"香港生產力促進局", "生產力局"}
    # A short form an article the hand glossary covers writes too is left to that glossary.
    rows, _ = names.check([full], {"t.txt": text}, [], covered="生產力局")
    assert {e.chinese for _, e in rows} == {"香港生產力促進局"}


def test_a_bracket_after_a_title_holding_its_portfolio_is_no_short_form():
    """金管局助理總裁（金融科技）: the bracket names the Executive Director's portfolio (Fintech), not a short
    form of the title; it had made 金融科技 a row reading "Executive Director of the Hong Kong Monetary
    Authority". A labelled alias (俗稱) and a bracket after a body's name (生產力局) stay short forms."""
    text = ("金管局助理總裁（金融科技）梁嘉穎表示，金融科技發展迅速。香港生產力促進局（生產力局）公布數字。"
            "北環線支線（俗稱東延綫）通車。")
    props = [names.Proposal("金管局助理總裁", "Executive Director of the HKMA", "body", "t.txt"),
             names.Proposal("香港生產力促進局", "Hong Kong Productivity Council", "body", "t.txt"),
             names.Proposal("北環線支線", "Northern Link Spur Line", "scheme", "t.txt")]
    rows, _ = names.check(props, {"t.txt": text}, [])
    got = {e.chinese: e.english for _, e in rows}
    assert "金融科技" not in got
    assert got["生產力局"] == "Hong Kong Productivity Council"
    assert got["東延綫"] == "Northern Link Spur Line"


def test_initials_are_for_machine_rows_of_three_capitalised_words():
    machine = "machine: proposed by the model for t.txt"
    assert glossary.Entry("x", "Vocational Training Council", "body", machine).initials == ("VTC",)
    assert glossary.Entry("x", "Hong Kong Monetary Authority (HKMA)", "body", machine).initials == ()
    assert glossary.Entry("x", "Vocational Training Council", "body", "official").initials == ()
    assert glossary.Entry("x", "Exam Board", "body", machine).initials == ()
    assert glossary.Entry("x", "Joint scheme of admission", "scheme", machine).initials == ()


def test_a_bodys_title_is_written_with_the_bodys_english():
    """考評局秘書長 came from the model as "Secretary for Examination": the title of a named body is written by code
    with that body's English, here the short form's (考評局, given in brackets after the full name)."""
    text = "香港考試及評核局（考評局）公布成績。考評局秘書長蘇國生表示，考生可申請覆核。"
    proposals = [names.Proposal("香港生產力促進局", "Hong Kong Productivity Council", "body", "t.txt"),
                 names.Proposal("考評局秘書長", "Secretary for Examination", "body", "t.txt")]
    rows, _ = names.check(proposals, {"t.txt": text}, [])
    got = {e.chinese: e for _, e in rows}
    assert got["考評局秘書長"].english == "Secretary-General of the Hong Kong Examinations and Assessment Authority"
    assert "the model wrote 'Secretary for Examination'" in got["考評局秘書長"].note
    # A title the model proposed for a body that has no row keeps the model's English.
    rows, _ = names.check([names.Proposal("某某會主席", "Chairman of Something", "person", "t.txt")],
                          {"t.txt": "某某會主席表示。"}, [])
    assert [e.english for _, e in rows] == ["Chairman of Something"]


def test_a_hill_is_written_as_hong_kong_writes_it():
    """大老山 came from the model as "Dali Hill": hills, islands and bays whose English is no spelling (Tate's Cairn,
    Waglan Island) are known places, written by code whether or not the model listed them."""
    text = "天文台表示，大老山的最高陣風達每小時185公里，橫瀾島亦錄得烈風。"
    rows, _ = names.check([names.Proposal("大老山", "Dali Hill", "place", "t.txt")], {"t.txt": text}, [])
    assert [e.english for _, e in rows] == ["Tate's Cairn"]
    known = names.known_names("t.txt", text, taken={"大老山"})
    assert ("橫瀾島", "Waglan Island") in [(e.chinese, e.english) for e in known]


def test_a_name_with_its_short_form_is_cut_before_the_bracket():
    """強制性公積金（強積金）, as the model wrote it, is the name 強制性公積金, and its short form 強積金 a row of
    its own: the whole hid both known names from the English view (session 23)."""
    text = "取消強制性公積金（強積金）「對沖」安排，僱主不能再以強積金抵銷遣散費。"
    whole = names.Proposal("強制性公積金（強積金）", "compulsory Provident Fund", "scheme", "t.txt")
    rows, rejected = names.check([whole], {"t.txt": text}, [])
    assert {e.chinese: e.english for _, e in rows} == {"強制性公積金": "Mandatory Provident Fund (MPF)",
                                                       "強積金": "Mandatory Provident Fund (MPF)"}
    assert rejected == []
    # An unknown name keeps the model's English, without the bracket
    whole = names.Proposal("香港生產力促進局（生產力局）", "Hong Kong Productivity Council (HKPC)", "body", "t.txt")
    rows, _ = names.check([whole], {"t.txt": "香港生產力促進局（生產力局）公布數字。"}, [])
    assert {e.chinese: e.english for _, e in rows} == {"香港生產力促進局": "Hong Kong Productivity Council",
                                                       "生產力局": "Hong Kong Productivity Council"}


@pytest.mark.parametrize(("chinese", "english", "why"), [
    ("綜援長生津", "Longevity Life Insurance", "known names written together"),  # a headline's two schemes
    ("標準金額及長者生活津貼", "Standard Payment and Living Allowance", "a list with a known name"),
    ("職家庭津貼計劃", "Family Allowance Scheme", "cuts into a known name"),  # of 在職家庭津貼
    ("局方正檢視申領門檻", "The Department is reviewing the threshold", "a statement in English"),
])
def test_what_the_known_names_show_is_no_one_name_is_not_kept(chinese, english, why):
    text = ("綜援長生津7月起上調。綜援的標準金額及長者生活津貼將上調。在職家庭津貼計劃惠及4.1萬戶，"
            "局方正檢視申領門檻。")
    rows, rejected = names.check([names.Proposal(chinese, english, "scheme", "t.txt")], {"t.txt": text}, [])
    assert rows == [] and len(rejected) == 1 and rejected[0].why.startswith(why)


def test_names_holding_known_ones_are_still_kept():
    """A name may hold a known place or body and more (啟德體育園, 考評局秘書長): only lists, glued names and cut
    ones go."""
    text = "啟德體育園今日開幕。考評局秘書長表示，屯門及元朗一帶天晴。"
    props = [names.Proposal("啟德體育園", "Kai Tak Sports Park", "place", "t.txt"),
             names.Proposal("考評局秘書長", "Secretary for Examinations", "person", "t.txt")]
    rows, rejected = names.check(props, {"t.txt": text}, [])
    assert {e.chinese: e.english for _, e in rows} == {
        "啟德體育園": "Kai Tak Sports Park",
        "考評局秘書長": "Secretary-General of the Hong Kong Examinations and Assessment Authority"}
    assert rejected == []


def test_a_figure_inside_a_name_is_left_to_the_names_english(tmp_path):
    """「兩元乘車優惠」 read 兩元 [= HK$2]乘車優惠 [= $2 fare concession] in the English view: the name split by a
    figure's gloss. Figures are glossed between names; the name's English carries its own."""
    path = tmp_path / names.FILE_NAME
    row = glossary.Entry("兩元乘車優惠", "$2 fare concession", "scheme", "machine: a known name")
    names.write(path, [names.Section("t.txt", "", (row,))])
    glossary.use_generated(path)
    try:
        out = glossary.annotate_english("「兩元乘車優惠」去年共錄得約3.9億人次使用。")
    finally:
        glossary.use_generated(None)
    assert "「兩元乘車優惠 [= $2 fare concession]」" in out
    assert "3.9億人次 [= about 390 million]" in out and "HK$2" not in out


def test_a_question_by_another_form_of_a_known_name_is_given_the_articles(tmp_path):
    """聯招幾時放榜？ of an article writing only 大學聯合招生辦法: search and the model read both forms (session 23)."""
    path = tmp_path / names.FILE_NAME
    rows = (glossary.Entry("大學聯合招生辦法", names.known()["大學聯合招生辦法"], "scheme", "machine: a known name"),
            glossary.Entry("長生津", names.known()["長生津"], "scheme", "machine: a known name"))
    names.write(path, [names.Section("t.txt", "", rows)])
    glossary.use_generated(path)
    try:
        assert names.with_written_forms("聯招幾時放榜？") == "聯招（大學聯合招生辦法）幾時放榜？"
        assert names.with_written_forms("联招几时放榜？") == "联招（大學聯合招生辦法）几时放榜？"  # simplified too
        assert names.with_written_forms("長生津有幾多錢？") == "長生津有幾多錢？"  # written as asked
        assert names.with_written_forms("生果金有幾多錢？") == "生果金有幾多錢？"  # no article writes it
        # read as the article's already (rag/data/cantonese.tsv maps 金管局 to the Budget's 香港金融管理局)
        assert names.with_written_forms("金管局有咩新措施？") == "金管局有咩新措施？"
        assert names.with_written_forms("香港交易所有咩新措施？") == "香港交易所（香港交易及結算有限公司）有咩新措施？"
    finally:
        glossary.use_generated(None)
    rows = (glossary.Entry("北環線", names.known()["北環線"], "scheme", "machine: a known name"),)
    names.write(path, [names.Section("t.txt", "", rows)])
    glossary.use_generated(path)
    try:  # 北環線 and 北環綫 are one name, in either script (it was asked as 北環線（北環綫）, session 23)
        assert names.with_written_forms("北環線有幾個站？") == "北環線有幾個站？"
        assert names.with_written_forms("北环线有几个站？") == "北环线有几个站？"
    finally:
        glossary.use_generated(None)


def test_a_name_holding_a_body_is_found_by_the_bodys_abbreviation(tmp_path):
    """"Who is the Secretary General of the HKEAA?": the title's row is written in full, and the question was
    matched to the body alone, whose passage did not name its head (session 23)."""
    path = tmp_path / names.FILE_NAME
    body = names.known()["香港考試及評核局"]
    rows = (glossary.Entry("香港考試及評核局", body, "body", "machine: a known name"),
            glossary.Entry("考評局秘書長", "Secretary-General of the Hong Kong Examinations and Assessment Authority",
                           "person", "machine: written by code"))
    names.write(path, [names.Section("t.txt", "", rows)])
    glossary.use_generated(path)
    try:
        assert glossary.chinese_for_english("Who is the Secretary General of the HKEAA?") == ["考評局秘書長"]
        assert glossary.chinese_for_english("What did the HKEAA say?") == ["香港考試及評核局"]
    finally:
        glossary.use_generated(None)


def test_the_known_tables_are_well_formed():
    """rag/data/places.tsv, bodies.tsv, schemes.tsv and people.tsv: one row per Chinese name across the four,
    Chinese on the left and none on the right, and a bracketed abbreviation that the glossary reads as one (LegCo,
    A&E)."""
    import re

    from rag.text.language import DATA_DIR, read_rows

    seen: dict[str, str] = {}
    for table in ("places", "bodies", "schemes", "people"):
        for cols in read_rows(DATA_DIR / f"{table}.tsv"):
            assert len(cols) == 2, (table, cols)
            chinese, english = cols[0], cols[1].strip()
            assert re.fullmatch(r"[\u3400-\u9fff/]+", chinese), (table, chinese)
            assert english and not re.search(r"[\u3400-\u9fff]", english), (table, english)
            assert chinese not in seen, f"{chinese} in both {seen.get(chinese)} and {table}"
            seen[chinese] = table
            entry = glossary.Entry(chinese, english, "scheme", "machine: a known name")
            if english.endswith(")"):
                assert entry.abbreviation, (table, english)
    assert len(seen) > 300


def test_what_the_ninth_article_showed_is_checked():
    """The Hetao article's rows (session 24): a count or "the first batch" describing things, another known
    name's English, and a university's Vice-President written with the university's English."""
    text = "港方園區第一期共有八座樓宇，首批樓宇昨日落成。香港科技大學副校長陳永德表示，將在港方園區設立實驗室。"
    proposals = [names.Proposal("八座樓宇", "Eight buildings", "place", "h.txt"),
                 names.Proposal("首批樓宇", "First Three Buildings", "scheme", "h.txt"),
                 names.Proposal("港方園區", "Hong Kong Science Park", "place", "h.txt"),
                 names.Proposal("香港科技大學副校長", "Professor of Science at HKUST", "person", "h.txt"),
                 names.Proposal("港方園區第一期", "Phase 1 of the Hong Kong Park", "place", "h.txt")]
    rows, rejected = names.check(proposals, {"h.txt": text}, HAND)
    why = {r.proposal.chinese: r.why for r in rejected}
    assert "a description" in why["八座樓宇"] and "a description" in why["首批樓宇"]
    assert "already the name of 香港科學園 (a known name)" in why["港方園區"]
    got = {e.chinese: e.english for _s, e in rows}
    assert got == {"香港科技大學副校長": "Vice-President of The Hong Kong University of Science and Technology",
                   "港方園區第一期": "Phase 1 of the Hong Kong Park"}
    rows, rejected = names.check([names.Proposal("港方園區第一期", "Hong Kong Science Park First Phase", "place",
                                                 "h.txt")], {"h.txt": text}, HAND)
    assert not rows and "香港科學園" in rejected[0].why


def test_a_question_naming_what_one_article_writes_is_searched_there_first(two_articles):
    """行政長官 and 文化體育及旅遊局局長 are written by the sports park's article only: an English question naming
    either is searched with that article's passages first (``pipeline.naming_source``); by meaning alone, "Who is
    the Chief Executive?" found four Budget passages first. One naming nothing has no article preferred."""
    from rag.answer.pipeline import Bot, naming_source

    settings, _fake = two_articles
    index = open_index(settings)
    files = [s.file for s in index.sources]
    asked = "Who is the Secretary for Culture, Sports and Tourism?"
    assert naming_source(asked, "en", files, index.text_of) == SECOND.name
    assert naming_source("文化體育及旅遊局局長是誰？", "cmn-Hant", files, index.text_of) == SECOND.name
    assert naming_source("What is new this year?", "en", files, index.text_of) is None
    assert naming_source(asked, "en", [SECOND.name], index.text_of) is None  # one source: nothing to prefer
    chief = "Who is the Chief Executive?"
    assert {h.chunk.source for h in index.search(chief, k=4, lang="en")} == {ARTICLE.name}
    assert Bot(settings).answer(chief, backend="extractive").retrieved[0].chunk.source == SECOND.name


def test_a_name_holding_a_known_one_names_it_in_english_and_a_short_form_drops_commonly_called():
    """The railway article's rows (session 24): 北環線主線 as "Main Line of the North Circular Road" hid 北環線, the
    Northern Link, wherever the main line was written; and 北環線支線（俗稱東延綫） gave the short form 俗稱東延綫."""
    text = "北環線主線明年動工。北環線支線（俗稱東延綫）會延伸至落馬洲。東延綫全長約5公里。"
    proposals = [names.Proposal("北環線主線", "Main Line of the North Circular Road", "scheme", "n.txt"),
                 names.Proposal("北環線支線", "Northern Link Spur Line", "scheme", "n.txt")]
    rows, rejected = names.check(proposals, {"n.txt": text}, HAND)
    assert [(r.proposal.chinese, r.why) for r in rejected] == [
        ("北環線主線", "its English leaves out 北環線 (Northern Link), a known name it writes")]
    assert {e.chinese: e.english for _s, e in rows} == {"北環線支線": "Northern Link Spur Line",
                                                         "東延綫": "Northern Link Spur Line"}
    rows, rejected = names.check([names.Proposal("北環線主線", "Northern Link main line", "scheme", "n.txt")],
                                 {"n.txt": text}, HAND)
    assert rejected == [] and rows[0][1].english == "Northern Link main line"


def test_known_names_are_found_longest_first_across_the_tables():
    """A body or scheme holding a place is that body or scheme (香港金融管理局, not 香港; 東涌綫延綫, not 東涌): the
    tables were scanned one after another, the places first (session 25)."""
    text = "香港金融管理局表示，東涌綫延綫及香港國際機場二號客運大樓將啟用。大澳漁村遊客增加。"
    got = {e.chinese: (e.english, e.kind) for e in names.known_names("t.txt", text, [])}
    assert got == {"香港金融管理局": ("Hong Kong Monetary Authority (HKMA)", "body"),
                   "東涌綫延綫": ("Tung Chung Line Extension", "scheme"),
                   "香港國際機場": ("Hong Kong International Airport", "place"),
                   "二號客運大樓": ("Terminal 2", "scheme"), "大澳": ("Tai O", "place")}
