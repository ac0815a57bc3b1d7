"""Everyday Cantonese off the article's subject is refused before any model (rag.answer.refuse.off_subject).

Issue #26, item 6: the extractive backend quoted the article at small talk (嗰時周海媚應該幾多歲啊？). The utterances
here are from the written (dev) part of evals/smalltalk_yue.jsonl, which the check was tuned on, and the issue's
own example; none of them was refused before the check. The HKCanCor (test) part is only measured by the eval
runner, never here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import dataset
from rag.answer import refuse

from .conftest import ARTICLE as ARTICLE_FILE
from .conftest import ROOT

ARTICLE = ARTICLE_FILE.read_text(encoding="utf-8")
SMALLTALK = ROOT / "evals" / "smalltalk_yue.jsonl"
OFF_SUBJECT = "refused before any model: off the article's subject"


@pytest.mark.parametrize("question", [
    "你叫咩名㗎？",
    "你而家喺邊度呀？",  # no content word at all
    "今晚煮咩餸好呢？",
    "聽日最高幾多度呀？",
    "超市啲雞蛋又起價，而家幾多錢一盒？",
    "我人工得一萬八，點樣儲錢？",  # 人工 "wages": the article has only 人工智能
    "政府幾時先會起多啲公屋？",
    "申請綜援要咩條件？",  # 申請 is the article's word; 綜援 is not
    "香港啲樓價仲會唔會跌？",
    "公司話要培訓新同事，我要教佢哋做嘢，好煩。",  # 培訓 is the article's word
    "我想報個興趣課程學畫畫，邊度有？",
])
def test_everyday_cantonese_is_refused_before_any_model(bot, question):
    answer = bot.answer(question, backend="extractive")
    assert answer.refused and answer.citations == ()
    assert answer.note.startswith(OFF_SUBJECT), answer.note


def test_the_issues_example_is_refused(bot):
    # 周海媚 is a name the article lacks: the older check already refused it, as it refuses 啟德體育園.
    answer = bot.answer("嗰時周海媚應該幾多歲啊？", backend="extractive")
    assert answer.refused and answer.note.startswith("refused before any model"), answer.note


@pytest.mark.parametrize("question,history", [
    # Paraphrases: half of what they say is not the article's words (集中, 搞, 主稿, 撰寫), but their best
    # passage is close.
    ("個策略委員會一開波會集中搞邊兩樣嘢？", []),
    ("這篇預算案主稿由哪兩位記者撰寫？", []),
    ("企業要符合什麼條件才可以申請？", ["新型工業菁英企業培育計劃何時推出？"]),
    # Follow-ups say little of their own; they are searched with the question before them.
    ("剩低嗰啲錢又點用？", ["優質教育基金預留咗幾多錢推數字教育？"]),
    ("第一阶段要做什么？", ["政府为AI效能提升组拨了多少钱？"]),
])
def test_questions_on_the_article_that_say_little_of_their_own_are_not_refused_as_off_subject(bot, question, history):
    answer = bot.answer(question, history=history, backend="extractive")
    assert not answer.note.startswith(OFF_SUBJECT), answer.note


def test_the_share_of_a_question_that_is_the_articles_words():
    assert refuse.subject_share("沙嶺數據園有幾大樓面面積？", ARTICLE) > 0.35
    assert refuse.subject_share("全民AI培訓撥咗幾多錢？", ARTICLE) > 0.35
    assert refuse.subject_share("今晚煮咩餸好呢？", ARTICLE) == 0
    # 香港 and 政府 frame any question here; 人工 (wages) is not a word of 人工智能's article.
    assert refuse.subject_share("香港政府今年會唔會加人工？", ARTICLE) == 0
    assert refuse.subject_share("你而家喺邊度呀？", ARTICLE) is None  # function words and times only


def test_a_close_best_passage_outweighs_a_low_share():
    question = "香港啲樓價仲會唔會跌？"
    assert refuse.judge(question, "yue", 0.85, ARTICLE, 0.80).refuse
    assert not refuse.judge(question, "yue", refuse.OFF_SUBJECT_TRUST, ARTICLE, 0.80).refuse
    nothing = "你而家喺邊度呀？"
    assert refuse.judge(nothing, "yue", 0.84, ARTICLE, 0.80).refuse
    assert not refuse.judge(nothing, "yue", refuse.NO_CONTENT_BELOW, ARTICLE, 0.80).refuse
    assert not refuse.judge("沙嶺數據園有幾大樓面面積？", "yue", 0.85, ARTICLE, 0.80).refuse


def test_the_smalltalk_set_is_kept_apart_by_source():
    rows = dataset.load([SMALLTALK])
    raw = [line for line in SMALLTALK.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) == len(raw) >= 300
    assert all(q.lang == "yue" and not q.answerable and not q.facts and not q.evidence for q in rows)
    sources = {'"source": "written"': "dev", '"source": "hkcancor"': "test"}
    for q, line in zip(rows, raw, strict=True):
        assert [split for source, split in sources.items() if source in line] == [q.split], line


def _answer_all(bot, paths: list[Path], keep) -> list[tuple[dataset.Question, object]]:
    """Each question kept by ``keep`` answered as the eval runner asks it (a follow-up after its question)."""
    qs = dataset.load(paths)
    by_id = {q.id: q for q in qs}
    return [(q, bot.answer(q.question, history=[by_id[q.followup_of].question] if q.followup_of else [],
                           backend="extractive")) for q in qs if keep(q)]


def test_the_written_smalltalk_is_refused(bot):
    answered = _answer_all(bot, [SMALLTALK], lambda q: q.split == "dev")
    refused = sum(a.refused for _, a in answered)
    assert refused >= 0.95 * len(answered), [q.question for q, a in answered if not a.refused]


def test_no_answerable_question_of_either_eval_set_is_refused_before_any_model(bot):
    paths = [ROOT / "evals" / "questions.jsonl", ROOT / "evals" / "written_later.jsonl"]
    answered = _answer_all(bot, paths, lambda q: q.answerable)
    assert len(answered) == 233
    assert [q.question for q, a in answered if a.note.startswith("refused before any model")] == []
