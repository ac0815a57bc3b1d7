"""Hostile and broken input, fuzzed: ``answer``, ``Index.search``, the quote checker and the CLI.

What a member of the public can paste into the box is anything: lone surrogates (a browser's
JSON can carry them, a terminal's invalid bytes arrive as them), control and bidi characters,
emoji with joiners, Arabic and Hebrew, megabytes. Each property below is checked on the real
index (``indexed``), the real embedding model and the real article:

* nothing raises;
* input with nothing in it gets ``prompts.EMPTY_QUESTION`` and input over the limit gets
  ``prompts.TOO_LONG`` with the limit stated, both in the asker's language;
* every citation, search hit and quote match is the source text at its own offsets;
* search returns at most k hits.

Examples are bounded (``max_examples``) so the file runs in well under a minute on 2 cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.answer import prompts
from rag.answer.pipeline import check_input, clean
from rag.index.corpus import span_text
from rag.index.retrieve import MODES
from rag.quote import check
from rag.text import language

from .conftest import ARTICLE, ROOT, env_for

SOURCE = ARTICLE.read_text(encoding="utf-8")
ONE_MB = "沙嶺數據園" * (1_000_000 // len("沙嶺數據園"))
FUZZ = settings(max_examples=20, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# Every code point, surrogates included (codec=None does not filter by an encoding).
ANY_CHAR = st.characters(codec=None, categories=None, exclude_categories=())
NASTY_CHARS = st.one_of(
    st.characters(categories=["Cs"]),  # lone surrogates
    st.characters(categories=["Cc", "Cf", "Zl", "Zp"]),  # controls, bidi overrides, zero-width joiners
    st.sampled_from(list("\u202e\u202d\u202b\u200f\u200e\u2066\u2069\u200b\ufeff\u0000\u001b\x7f\ufffd\uffff")),
)
FRAGMENTS = st.sampled_from([
    # The article's own words, so fuzzed input also reaches retrieval, refusal and citation.
    "沙嶺數據園", "人工智能研發院", "撥咗幾多錢", "5,000萬", "AI", "全民AI培訓", "How much", "Sandy Ridge",
    "国家制造业创新中心", "幾時", "？", "?",
    # Emoji, with skin tones, flags and joiner sequences.
    "😀", "🤖🔥", "🇭🇰", "👨‍👩‍👧‍👦", "👍🏽", "🏳️‍🌈",
    # Right-to-left text and overrides.
    "مرحبا، كم تبلغ مساحة الحديقة؟", "שלום, מתי זה נפתח?", "\u202eAI培訓\u202c", "\u202bשלום\u202c 沙嶺",
    # Mixed scripts and markup.
    "Привет", "こんにちは", "안녕하세요", "ΑΒΓ", "<script>alert(1)</script>", "![x](javascript:alert(1))",
    "{{7*7}}", "%s%n", "'; DROP TABLE chunks; --", "\\x00", "NOT_IN_ARTICLE", "[1]", "[99]",
])
WHITESPACE = st.text(st.sampled_from(list(" \t\n\r\u3000\u00a0\u2028\u2029\u200b\u180e")), max_size=30)
HOSTILE = st.one_of(
    st.text(ANY_CHAR, max_size=120),
    st.text(NASTY_CHARS, max_size=40),
    WHITESPACE,
    st.lists(st.one_of(FRAGMENTS, st.text(NASTY_CHARS, max_size=3), WHITESPACE), max_size=8).map("".join),
)
LANGS = ("en", "yue", "cmn-Hant", "cmn-Hans")


def _verbatim(spans, text: str) -> None:
    assert span_text(SOURCE, tuple(tuple(s) for s in spans)) == text


@FUZZ
@given(question=HOSTILE)
@example(question="")
@example(question="   \n\t\u3000 ")
@example(question="\ud800\udfff\udc00")
@example(question="\x00\x1b[31m\x7f")
@example(question=ONE_MB)
@example(question="\u202e" + "撥咗幾多錢搞全民AI培訓？" + "\ud83d")
@example(question="🤖" * 1001)
@example(question="沙嶺數據園機房維持25°C±2°C嗎？")  # ° and ± once panicked the tokenizer
def test_answer_never_crashes_and_says_why_it_refuses(bot, indexed, question):
    result = bot.answer(question, backend="extractive")
    assert result.language in LANGS
    result.text.encode("utf-8")  # no lone surrogate goes back to a page or a terminal
    json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")
    q = clean(question)
    limit = indexed.max_question_chars
    if not q:
        assert result.refused and result.text == prompts.EMPTY_QUESTION[result.language]
    elif len(q) > limit:
        assert result.refused and result.text == prompts.TOO_LONG[result.language].format(n=len(q), limit=limit)
        assert str(limit) in result.text
    elif result.refused:
        assert result.text == prompts.REFUSAL[result.language]
    else:
        assert result.citations
    for c in result.citations:
        _verbatim(c.spans or ((c.start, c.end),), c.quote)


def test_refusals_are_in_the_askers_language(bot, indexed):
    """The refused-input messages follow the language the asker wrote in, even when the input is refused."""
    too_long = {"en": "How much is the fund? " * 60, "yue": "撥咗幾多錢搞全民AI培訓？" * 90,
                "cmn-Hant": "沙嶺數據園可提供多少樓面面積？" * 70, "cmn-Hans": "国家制造业创新中心选址在哪里？" * 70}
    for lang, q in too_long.items():
        assert language.detect(clean(q)).lang == lang
        result = bot.answer(q, backend="extractive")
        assert result.refused and result.language == lang, (lang, result.text)
        assert result.text == prompts.TOO_LONG[lang].format(n=len(clean(q)), limit=indexed.max_question_chars)


@FUZZ
@given(question=HOSTILE, k=st.integers(min_value=1, max_value=12), mode=st.sampled_from(MODES))
@example(question="", k=5, mode="hybrid")
@example(question="\ud800", k=1, mode="dense")
@example(question="\ud800沙嶺\udfff", k=3, mode="lexical")
@example(question="\u202e沙嶺數據園\u202c有幾大？🤖", k=12, mode="hybrid")
def test_search_returns_at_most_k_verbatim_hits(bot, indexed, question, k, mode):
    """What the interfaces pass to search: the input gate's output (the CLI's search and the app both
    go through ``check_input``; search itself does not clean, and a lone surrogate fails in the tokenizer)."""
    q, _, refused = check_input(question, indexed)
    if refused:
        return
    hits = bot.index.search(q, k=k, mode=mode)
    assert len(hits) <= k
    assert len({h.chunk.id for h in hits}) == len(hits)
    for h in hits:
        _verbatim(h.chunk.spans or ((h.chunk.start, h.chunk.end),), h.chunk.text)


@FUZZ
@given(text=HOSTILE)
@example(text="")
@example(text="\ud800\udc00")
@example(text=ONE_MB)
@example(text="\u202e撥款5,000萬元支持全民AI培訓\u202c")
@example(text="撥款5,000萬元\x00支持全民AI培訓")
def test_quote_check_never_crashes_and_points_at_the_source(indexed, text):
    r = check(text, indexed)
    assert r.verdict in ("verbatim", "near", "meaning", "not_found")
    json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8")
    if r.match:
        _verbatim(r.match.spans, r.match.text)
    limit = indexed.max_question_chars * 5
    if len(text.strip()) > limit:
        assert r.verdict == "not_found" and str(limit) in r.note


def test_every_code_point_goes_through_the_tokenizer(indexed):
    """All 1,112,064 Unicode scalar values, 64 to a string (3 s): the converted tokenizer's character
    map once sent two of them (° and ±) past the end of its trie, a panic no exception handler sees."""
    from tokenizers import Tokenizer

    from rag.index import embedder

    tok = Tokenizer.from_file(str(Path(embedder.model_path(indexed)) / "tokenizer.json"))
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    encoded = tok.encode_batch(["".join(chars[i:i + 64]) for i in range(0, len(chars), 64)])
    assert len(encoded) == -(-len(chars) // 64)
    assert tok.encode("25°C±2").tokens  # the two that failed, in the text they come in


# ----------------------------------------------------------------------------------------------- CLI


def _cli(indexed, *args: str | bytes, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=ROOT, env=env_for(indexed), input=stdin,
                          capture_output=True, timeout=300)


@pytest.mark.parametrize("command", ["ask", "search", "quote"])
def test_cli_takes_hostile_input_without_a_traceback(indexed, command):
    """One process per case costs a model load each, so these are the cases only a shell can pass:
    bytes that are not UTF-8 (Python hands them over as lone surrogates), and 1 MB, which only fits
    on stdin. Empty and punctuation-only input takes the same path as in the tests above."""
    limit = indexed.max_question_chars
    too_long = (prompts.QUOTE_TOO_LONG["cmn-Hant"].format(n=1_000_000, limit=limit * 5) if command == "quote"
                else prompts.TOO_LONG["cmn-Hant"].format(n=1_000_000, limit=limit))
    cases = [
        (b"-", "沙嶺數據園".encode() * 200_000, too_long),  # an argument that long is refused by the OS
        # Bytes that are not UTF-8 (they arrive as lone surrogates), a right-to-left override, emoji,
        # a terminal escape code, around a real question.
        ("\u202e沙嶺數據園\u202c 🤖 \x1b[31m".encode() + b"\xff\xed\xa0\x80" + "有幾大？".encode(), None, None),
    ]
    # ask: the extractive backend, as the LLM's own handling of odd text is fuzzed in-process above.
    extra = ["--backend", "extractive"] if command == "ask" else []
    for arg, stdin, message in cases:
        run = _cli(indexed, command, arg, *extra, stdin=stdin)
        err = run.stderr.decode("utf-8", "replace")
        out = run.stdout.decode("utf-8")  # valid UTF-8, or this raises
        assert "Traceback" not in err + out and "internal error" not in err, err[-2000:]
        if message is None:
            assert run.returncode == 0 and out.strip(), (arg, err)
        else:
            assert message in out + err, (arg, out[:300], err[-300:])
            # search has no answer to hold the refusal: it is an error there; ask and quote answer it.
            assert run.returncode == (2 if command == "search" else 0), (arg, run.returncode)
