"""The bundled model's long system turns are read once, kept, saved and put back (rag.llm.prefix), with the
real model: the answer after a put-back state is the answer after reading the turn afresh."""

from __future__ import annotations

import dataclasses

import pytest

from rag.llm import backends, prefix
from tests.conftest import ARTICLE

QUESTION = [{"role": "user", "content": "沙嶺數據園可以提供多少樓面面積？只答數字。"}]


@pytest.fixture(scope="module")
def bundled(base_settings):
    return backends.load_bundled(base_settings)


def chat(system: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system, backends.HEAD_END: "1"}, *QUESTION]


def test_a_saved_prefix_is_put_back_from_memory_and_from_disk(bundled, tmp_path):
    # A part of the article: quicker to read than all of it.
    system = "Answer from this article only.\n" + ARTICLE.read_text(encoding="utf-8")[:1200]
    llm = dataclasses.replace(bundled, prefixes=prefix.PrefixCache(tmp_path, bundled.prefixes.model_id))
    assert llm.prime(chat(system)) == "computed"
    (saved,) = tmp_path.glob("*.kvstate")
    fresh = "".join(llm.stream(chat(system), max_tokens=24))
    assert llm.prefixes.last == "held"
    llm.complete([{"role": "user", "content": "Hi"}], max_tokens=2)  # another prompt takes the KV cache
    assert "".join(llm.stream(chat(system), max_tokens=24)) == fresh and llm.prefixes.last == "memory"
    llm.complete([{"role": "user", "content": "Hi"}], max_tokens=2)
    restarted = dataclasses.replace(llm, prefixes=prefix.PrefixCache(tmp_path, llm.prefixes.model_id))
    assert "".join(restarted.stream(chat(system), max_tokens=24)) == fresh
    assert restarted.prefixes.last == "disk" and "25萬" in fresh

    # A damaged file is read again, not trusted, and the answer is the same.
    saved.write_bytes(saved.read_bytes()[:1000])
    llm.complete([{"role": "user", "content": "Hi"}], max_tokens=2)
    again = dataclasses.replace(llm, prefixes=prefix.PrefixCache(tmp_path, llm.prefixes.model_id))
    assert "".join(again.stream(chat(system), max_tokens=24)) == fresh and again.prefixes.last == "read"


def test_another_model_or_prompt_is_another_key():
    a, b = prefix.PrefixCache(None, "model-a"), prefix.PrefixCache(None, "model-b")
    assert a.key([1, 2, 3]) != b.key([1, 2, 3]) and a.key([1, 2, 3]) != a.key([1, 2, 4])
    assert a.key([1, 2, 3]) == prefix.PrefixCache(None, "model-a").key([1, 2, 3])


def test_the_heads_of_chats_on_different_articles_are_kept_side_by_side(bundled, tmp_path, monkeypatch):
    """Passages-mode chats on two articles in turn (each names its own in the system turn): each one's head is
    kept when the other overwrites it and put back, not read again, and the answer is the one written the first
    time. Beyond ``IN_MEMORY`` the least recently used state leaves memory, and is read back from disk."""
    from rag.answer import generate, prompts

    other = prompts.SYSTEM_FOR.format(corpus="one news article (headlined \"啟德體育園全面開放\")", **prompts.ONE)
    question = {"role": "user", "content": "Passages:\n[1] 沙嶺數據園可提供25萬平方米樓面面積。\n\n"
                "Question: 沙嶺數據園有幾大？\n\nAnswer in Cantonese, citing passages as [n]:"}
    budget, sports = ([*generate.head(s), question] for s in (prompts.SYSTEM, other))
    llm = dataclasses.replace(bundled, prefixes=prefix.PrefixCache(tmp_path, bundled.prefixes.model_id))
    fresh = llm.complete(budget, max_tokens=24)
    assert llm.prefixes.last == "read" and fresh and not list(tmp_path.glob("*.kvstate"))
    llm.complete(sports, max_tokens=8)  # the Budget head, read with its prompt, is kept as this one overwrites it
    assert llm.prefixes.last == "read" and len(list(tmp_path.glob("*.kvstate"))) == 1
    assert llm.complete(budget, max_tokens=24) == fresh and llm.prefixes.last == "memory"
    monkeypatch.setattr(prefix, "IN_MEMORY", 1)
    llm.complete(sports, max_tokens=8)
    assert llm.prefixes.last == "memory"  # the Budget head's state was put back last: now the only one kept
    assert llm.complete(budget, max_tokens=24) == fresh and llm.prefixes.last == "disk"
    assert len(list(tmp_path.glob("*.kvstate"))) == 2


def test_a_chat_without_a_marked_head_keeps_no_state(bundled, tmp_path):
    llm = dataclasses.replace(bundled, prefixes=prefix.PrefixCache(tmp_path, bundled.prefixes.model_id))
    llm.complete([{"role": "system", "content": "Answer briefly. " * 100}, {"role": "user", "content": "Hi"}],
                 max_tokens=2)
    llm.complete([{"role": "user", "content": "Hello"}], max_tokens=2)
    assert llm.prefixes.last == "" and not list(tmp_path.glob("*.kvstate"))
    assert backends.plain([{"role": "system", "content": "x", backends.HEAD_END: "1"}]) == [
        {"role": "system", "content": "x"}]
