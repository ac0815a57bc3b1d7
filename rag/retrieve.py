"""Question → ranked chunks of the article.

Dense search goes through llama-index's VectorStoreIndex over the live Chroma generation, with
the e5 ``query: `` prompt on the question; the chunk records come back from node metadata.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llama_index.core import VectorStoreIndex
from llama_index.core.retrievers import BaseRetriever
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag import embedder, store
from rag.config import Settings
from rag.records import Chunk, Hit


@dataclass
class Index:
    """What a search needs, opened once: the live generation and a retriever over it."""

    settings: Settings
    generation: store.Generation
    retriever: BaseRetriever
    size: int

    def search(self, question: str, k: int | None = None, mode: str = "dense") -> list[Hit]:
        if mode != "dense":
            raise ValueError(f"unknown search mode {mode!r}; use dense")
        k = k or self.settings.top_k
        self.retriever.similarity_top_k = k  # type: ignore[attr-defined]
        hits = []
        for nws in self.retriever.retrieve(question):
            node = nws.node
            chunk = Chunk.from_metadata(node.node_id, node.get_content(), node.metadata)
            # llama-index's Chroma store reports exp(-distance); give back the cosine similarity.
            score = 1.0 + math.log(nws.score) if nws.score and nws.score > 0 else 0.0
            hits.append(Hit(chunk, score, "dense"))
        return hits


def open_index(settings: Settings) -> Index:
    client = store.connect(settings)
    gen, collection = store.open_active(client, settings)
    if gen.embed_model != embedder.model_id(settings):
        raise store.StoreError(
            f"The index was built with {gen.embed_model}, but RAG_EMBED_MODEL is {embedder.model_id(settings)}. "
            "Run `python ingest.py` to rebuild it with the configured model."
        )
    index = VectorStoreIndex.from_vector_store(
        ChromaVectorStore(chroma_collection=collection), embed_model=embedder.embed_model(settings)
    )
    return Index(settings, gen, index.as_retriever(similarity_top_k=settings.top_k), collection.count())
