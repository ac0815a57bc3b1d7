"""Lexical search: BM25 over the chunks, in the one spelling that ``language.for_matching`` gives.

Why ``bm25s`` directly and not llama-index's ``BM25Retriever``: that retriever is a thin wrapper
round bm25s whose default tokenizer (English stemmer and stop words) scores every Chinese question
0; it is also a separate package (llama-index-retrievers-bm25, not installed) and returns only a
top-k list.  bm25s takes our token lists as they are, builds its sparse score matrix in
milliseconds, and scores a question against every chunk at once (``get_scores``), which is what
fusion needs: a lexical score for each chunk, not only the best few.

Matching, not showing: every chunk and every question goes through ``language.for_matching``
(one script, full-width folded, lower-case, Cantonese colloquial words → written Chinese), so a
simplified or Cantonese question meets the traditional article on equal terms.  The stored,
shown and cited text stays verbatim; only the tokens come from the normalised form.

Tokenizers (``RAG_LEXICAL_TOKENIZER``), all with Latin words lower-cased as word tokens and
numbers as number tokens (thousands separators dropped, so 5,000萬 and 5000萬 meet):

``bigram``        overlapping character bigrams of each run of Chinese characters; a run of one
                  character gives that character.  No dictionary, so no segmentation mistakes
                  and no dependence on how a question happens to be cut.
``bigram+char``   the bigrams plus every single character (recall for one-character words, at
                  the price of very common characters matching everywhere).
``jieba``         jieba's word segmentation in search mode (whole words plus the dictionary
                  words inside them), with the article's names (``data/proper_nouns.txt``) added
                  to its dictionary so that 沙嶺數據園 or 技能提升局 stay one word.  jieba's
                  dictionary is simplified Chinese, so the normalised text is simplified for
                  cutting and the tokens are taken back from the normalised text at the same
                  offsets.
``jieba+bigram``  both token streams in one bag.

The default is the one with the best measured hit rate (see ``rag.config``: RAG_LEXICAL_TOKENIZER).

jieba is created privately (its global tokenizer is left alone) and its 350k-word dictionary is
loaded once per process, on first use, in memory: ~1 s, silent, offline, deterministic, no cache
file (see ``jieba_tokenizer``).  It is never loaded unless a jieba tokenizer is chosen (or the refusal
check asks how common a word is, ``rag.answer.refuse``).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.config import LEXICAL_TOKENIZERS
from rag.records import Chunk
from rag.text import language

TOKENIZERS = LEXICAL_TOKENIZERS

# Latin words and numbers (2.2, 5000, 2025); for_matching has already lower-cased and folded widths.
_WORD_RE = re.compile(r"[a-z\u00c0-\u024f]+|\d+(?:\.\d+)?")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

_NAMES = language.DATA_DIR / "proper_nouns.txt"
#: Frequency given to the article's names in jieba's dictionary: high enough that a name is never cut.
_NAME_FREQ = 100_000


# ---------------------------------------------------------------------------------------------- tokens


def _words(norm: str) -> list[str]:
    return _WORD_RE.findall(_THOUSANDS_RE.sub("", norm))


def _bigrams(norm: str, with_chars: bool) -> list[str]:
    out: list[str] = []
    for m in language.HAN_RUN.finditer(norm):
        run = m.group()
        if len(run) == 1:
            out.append(run)
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        if with_chars:
            out.extend(run)
    return out


@functools.cache
def jieba_tokenizer():
    """A private jieba tokenizer with the article's names in its dictionary, built in memory.

    ``Tokenizer.initialize`` would log "Building prefix dict…" to stderr and read or write a
    marshal cache in the shared /tmp (keyed by name only, so a stale or foreign file would be
    trusted). Building the prefix dictionary straight from the packaged dict.txt instead is silent,
    offline, touches no file but that one, and gives the same tokenizer every time, for ~0.2 s
    more than a cache hit.
    """
    import jieba

    tk = jieba.Tokenizer()
    tk.FREQ, tk.total = tk.gen_pfdict(tk.get_dict_file())
    tk.initialized = True
    counts = {}
    for name in _names():
        counts[name] = tk.FREQ.get(name, 0)
        tk.add_word(name, freq=_NAME_FREQ)
    tk.dictionary_counts = counts  # what the dictionary itself said of the names (dictionary_count)
    return tk


def dictionary_count(word: str) -> int:
    """How often jieba's dictionary counts ``word`` (simplified spelling) in its 60 million words of text.

    The article's names are given ``_NAME_FREQ`` in ``jieba_tokenizer`` so that they are never cut; for them this
    is the dictionary's own count (香港 8,044, 沙嶺數據園 0), which says how common a word is, as the refusal check
    needs (``rag.answer.refuse``).
    """
    tk = jieba_tokenizer()
    return tk.dictionary_counts.get(word, tk.FREQ.get(word, 0))


@functools.cache
def jieba_tagger():
    """jieba's part-of-speech tagger over ``jieba_tokenizer`` (its tag table is read once, about a second).

    Shared by the Cantonese wording of answers (``rag.text.spoken``) and the refusal check
    (``rag.answer.refuse``); the article's names, added without a tag, are tagged ``x``.
    """
    import jieba.posseg

    return jieba.posseg.POSTokenizer(jieba_tokenizer())


@functools.cache
def _names() -> tuple[str, ...]:
    """The article's Chinese names in jieba's (simplified) spelling of the for_matching form."""
    names = set()
    for line in _NAMES.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            for run in language.HAN_RUN.findall(language.for_matching(line)):
                if len(run) >= 2:
                    names.add(language.to_simplified(run))
    return tuple(sorted(names))


def article_names() -> frozenset[str]:
    """The article's Chinese names (``data/proper_nouns.txt``) as jieba spells them, each one word of its
    dictionary."""
    return frozenset(_names())


def _jieba_words(norm: str) -> list[str]:
    """jieba search-mode words of each Chinese run, spelt as in ``norm`` (cut in simplified)."""
    tk = jieba_tokenizer()
    out: list[str] = []
    for m in language.HAN_RUN.finditer(norm):
        run = m.group()
        simp = language.to_simplified(run)
        same_length = len(simp) == len(run)
        for word, start, end in tk.tokenize(simp, mode="search"):
            out.append(run[start:end] if same_length else word)
    return out


_TOKENIZE: dict[str, Callable[[str], list[str]]] = {
    "bigram": lambda n: _bigrams(n, with_chars=False),
    "bigram+char": lambda n: _bigrams(n, with_chars=True),
    "jieba": _jieba_words,
    "jieba+bigram": lambda n: _jieba_words(n) + _bigrams(n, with_chars=False),
}


def check_tokenizer(name: str) -> str:
    if name not in _TOKENIZE:
        raise ValueError(f"unknown lexical tokenizer {name!r}; use one of {', '.join(TOKENIZERS)}")
    return name


def tokenize(text: str, tokenizer: str = "bigram") -> list[str]:
    """The BM25 tokens of raw text: ``for_matching`` first, then the tokenizer; Latin words and numbers."""
    norm = language.for_matching(text)
    return _TOKENIZE[check_tokenizer(tokenizer)](norm) + _words(norm)


# ---------------------------------------------------------------------------------------------- index


@dataclass
class LexicalIndex:
    """BM25 over a fixed list of chunks, in memory; scores are bm25s' Lucene BM25 (k1, b)."""

    chunks: list[Chunk]
    tokenizer: str
    bm25: object  # bm25s.BM25; typed loosely so importing this module stays cheap
    vocab: frozenset[str]
    build_ms: float

    @classmethod
    def build(cls, chunks: Sequence[Chunk], tokenizer: str = "bigram", k1: float = 1.2,
              b: float = 0.75) -> LexicalIndex:
        import bm25s

        t0 = time.perf_counter()
        check_tokenizer(tokenizer)
        docs = [tokenize(c.text, tokenizer) or [""] for c in chunks]
        bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        bm25.index(docs, show_progress=False)
        vocab = frozenset(t for d in docs for t in d if t)
        return cls(list(chunks), tokenizer, bm25, vocab, (time.perf_counter() - t0) * 1000)

    def query_tokens(self, question: str) -> list[str]:
        return tokenize(question, self.tokenizer)

    def coverage(self, question: str) -> float:
        """Fraction of the question's tokens that occur anywhere in the corpus (0 for no tokens).

        An English question shares only names, acronyms and numbers with a Chinese article, so its
        coverage is low and fusion leaves the lexical side out (see ``Index.search``).
        """
        toks = self.query_tokens(question)
        return sum(1 for t in toks if t in self.vocab) / len(toks) if toks else 0.0

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every chunk, in ``self.chunks`` order (all 0 when nothing matches)."""
        known = [t for t in self.query_tokens(question) if t in self.vocab]
        if not known:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]

    def search(self, question: str, k: int) -> list[tuple[Chunk, float]]:
        """The k best chunks with a positive BM25 score, best first (ties by position in the article)."""
        s = self.scores(question)
        order = sorted(range(len(s)), key=lambda i: (-float(s[i]), self.chunks[i].source, self.chunks[i].start))
        return [(self.chunks[i], float(s[i])) for i in order[:k] if s[i] > 0]
