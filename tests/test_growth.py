"""The growth benchmark (``rag.ops.growth``): its made-up articles, and a small run with the real embedding model."""

from __future__ import annotations

import json

import pytest

from evals import dataset
from rag.index.corpus import parse
from rag.ops import growth, growth_articles

SERIES = range(1, 100)


def test_the_generator_gives_the_same_articles_every_time(tmp_path):
    first = [growth_articles.article(i) for i in SERIES]
    assert first == [growth_articles.article(i) for i in reversed(SERIES)][::-1]  # not the order asked in
    assert len(set(first)) == len(first)
    assert growth_articles.article(1, seed=1) != growth_articles.article(1)
    a = [p.read_bytes() for p in growth_articles.write_corpus(tmp_path / "a", 10)]
    b = [p.read_bytes() for p in growth_articles.write_corpus(tmp_path / "b", 10)]
    assert a == b and len(a) == 10
    assert a[0] == growth_articles.BUDGET.read_bytes()
    # The corpus of 10 is the first 10 of the corpus of 100: sizes compare like with like.
    assert a[1:] == [growth_articles.article(i).encode() for i in range(1, 10)]


def test_generated_articles_parse_into_a_headline_and_prose():
    for i in SERIES:
        text = growth_articles.article(i)
        blocks = parse(text, f"gen-{i:03d}.md").blocks
        kinds = [b.kind for b in blocks]
        assert kinds[0] == "headline" and set(kinds) == {"headline", "prose"}, (i, kinds)
        assert 4 <= kinds.count("prose") <= 6, (i, kinds)
        assert 2 <= kinds.count("headline") <= 3, (i, kinds)  # the headline and one or two section headings
        assert len({b.sub_article for b in blocks}) == 1  # one story
        assert all(b.text.endswith("。") for b in blocks if b.kind == "prose")


def test_generated_articles_never_state_the_budget_articles_facts():
    budget = growth_articles.BUDGET.read_text(encoding="utf-8")
    evidence = {e for q in dataset.load() for e in q.evidence}
    key_facts = ["5000萬", "5,000萬", "元朗創新園", "沙嶺數據園", "陳茂波", "人工智能研發院", "25萬平方米", "2.2億元",
                 "AI+與產業發展策略委員會", "啟德體育園"]
    assert all(f in budget for f in key_facts[:-1])  # they are its facts (the last: an unanswerable question's)
    for i in SERIES:
        text = growth_articles.article(i)
        assert not [f for f in key_facts if f in text], i
        assert not [f for f in growth_articles.forbidden() if f in text], i
        assert not [e for e in evidence if len(e) >= 8 and e in text], i
    # ...while sharing its vocabulary, so that retrieval has something to tell apart.
    words = "".join(growth_articles.article(i) for i in SERIES)
    assert all(w in words for w in ("AI", "人工智能", "創科", "基金", "億元", "園區", "研發", "算力", "培訓"))


@pytest.mark.slow
def test_a_small_run_reports_sane_figures(tmp_path):
    result = growth.run([1, 3], cold=False, sample=16, keep=tmp_path / "work")
    one, three = result["rows"]
    assert (one["n"], three["n"]) == (1, 3) and one["store"] == three["store"] == "embedded"
    assert three["ingest"]["files"] == 3 and three["ingest"]["chunks"] > one["ingest"]["chunks"] > 0
    for row in (one, three):
        assert row["ingest"]["seconds"] > 0 and row["index_bytes"] > 0
        hit3 = row["retrieval"]["hit@3"]
        assert isinstance(hit3, float) and 0.0 <= hit3 <= 1.0
        latency = row["retrieval"]["latency_ms"]
        assert 0 < latency["p50"] <= latency["p95"]
        refusals = row["refusals"]
        assert refusals["answerable"] + refusals["unanswerable"] == 16
        assert all(0.0 <= refusals[k] <= 1.0 for k in ("unanswerable_refused", "answerable_answered")
                   if refusals[k] is not None)
        for view in ("zh", "en"):
            mode = row["article_mode"][view]
            assert mode["tokens"] > 1000 and mode["read"] in (("article",) if mode["fits"] else
                                                                   ("one article", "passages"))
    assert three["article_mode"]["zh"]["tokens"] > one["article_mode"]["zh"]["tokens"]
    assert three["retrieval"]["hit@3_change"] == pytest.approx(three["retrieval"]["hit@3"] - one["retrieval"]["hit@3"])
    table = growth.table(result)
    assert table.count("\n| embedded |") == 2
    json.dumps(result)  # the report is JSON as it is
