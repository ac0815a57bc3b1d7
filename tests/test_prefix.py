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
    return [{"role": "system", "content": system}, *QUESTION]


def test_a_saved_prefix_is_put_back_from_memory_and_from_disk(bundled, tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "MIN_TOKENS", 200)  # a part of the article: quicker to read than all of it
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
    assert "".join(again.stream(chat(system), max_tokens=24)) == fresh and again.prefixes.last == "computed"


def test_another_model_or_prompt_is_another_key():
    a, b = prefix.PrefixCache(None, "model-a"), prefix.PrefixCache(None, "model-b")
    assert a.key([1, 2, 3]) != b.key([1, 2, 3]) and a.key([1, 2, 3]) != a.key([1, 2, 4])
    assert a.key([1, 2, 3]) == prefix.PrefixCache(None, "model-a").key([1, 2, 3])
